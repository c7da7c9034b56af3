//! `settle bench remit`: one 835 answering N claims, read and auto-posted,
//! beside pyx12 reading the same file in the same run, printed as a ratio.
//!
//! The book is `settle bench x12`'s: N patients, each with one claim of one
//! to three lines, sent as one 837P. A test payer then answers every claim
//! in one ERA, as payers do: most lines paid with a contractual write-down
//! (CO-45), every third claim leaving a deductible or coinsurance to the
//! patient (PR-1, PR-2), every twentieth line denied (CO-50), and a
//! provider-level recoupment (PLB WO). Measured: the whole post (read,
//! balance, match, one entry per claim, denials held, statuses moved, in
//! one transaction), and then `verify` over the books it left.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Result;
use settle_store::claims::{ExportClaims, Import835};
use settle_store::{Location, Store};

use crate::bench::x12::{pyx12_read, ratio, secs, seed};

#[derive(clap::Args, Debug)]
pub struct RemitBench {
    /// Claims the ERA answers.
    #[arg(long, default_value_t = 50_000)]
    pub claims: u32,
    /// Where the scratch database and the file go (a temporary directory if absent).
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// Leave pyx12 out (it is the baseline; without it no ratio is printed).
    #[arg(long)]
    pub no_pyx12: bool,
}

const TARGET_POST: Duration = Duration::from_secs(10);

fn money(minor: i64) -> String {
    format!("{}{}.{:02}", if minor < 0 { "-" } else { "" }, minor.abs() / 100, minor.abs() % 100)
}

/// The test payer's 835 for `bench x12`'s claims, as they were seeded: claim
/// n has 1 + n % 3 lines of 45.00, 55.00 and 65.00, codes in turn, and a
/// modifier 25 on the first line of every fourth claim.
pub(crate) fn payer_835(claims: u32, service_date: &str, paid_on: &str) -> (String, i64) {
    let codes = ["99213", "99214", "36415", "80053", "83036"];
    let mut s: Vec<String> = Vec::with_capacity(claims as usize * 12);
    s.push("ST*835*0001*005010X221A1".into());
    s.push(String::new()); // BPR, once the total is known
    s.push("TRN*1*BENCH-EFT-1*1376543210".into());
    s.push("N1*PR*AETNA".into());
    s.push("N3*PO BOX 981106".into());
    s.push("N4*EL PASO*TX*79998".into());
    s.push("N1*PE*BENCH FAMILY MEDICINE*XX*1912301953".into());
    let mut total = 0i64;
    let mut denied_lines = 0i64;
    for n in 1..=i64::from(claims) {
        s.push(format!("LX*{n}"));
        let lines = 1 + n % 3;
        let mut clp_paid = 0;
        let mut clp_patient = 0;
        let mut body = Vec::new();
        let mut charge_total = 0;
        for l in 0..lines {
            let charge = 4_500 + 1_000 * l;
            charge_total += charge;
            let code = codes[((n + l) % 5) as usize];
            let modifier = if l == 0 && n % 4 == 0 { ":25" } else { "" };
            let denied = (n * 3 + l) % 20 == 0;
            let (paid, write_down, patient) = if denied {
                denied_lines += 1;
                (0, charge, 0)
            } else if n % 3 == 0 {
                let patient = if l == 0 { 1_000 } else { 500 };
                (charge * 7 / 10 - patient, charge - charge * 7 / 10, patient)
            } else {
                (charge * 7 / 10, charge - charge * 7 / 10, 0)
            };
            clp_paid += paid;
            clp_patient += patient;
            body.push(format!("SVC*HC:{code}{modifier}*{}*{}", money(charge), money(paid)));
            body.push(format!("DTM*472*{service_date}"));
            body.push(format!("CAS*CO*{}*{}", if denied { "50" } else { "45" }, money(write_down)));
            if patient > 0 {
                body.push(format!("CAS*PR*{}*{}", if l == 0 { 1 } else { 2 }, money(patient)));
            }
            body.push(format!("REF*6R*CLM-{n:07}-{}", l + 1));
        }
        total += clp_paid;
        s.push(format!(
            "CLP*CLM-{n:07}*1*{}*{}*{}*12*ICN{n}",
            money(charge_total),
            money(clp_paid),
            money(clp_patient)
        ));
        s.push(format!("NM1*QC*1*BENCH*PAT{n}****MI*W{n:08}"));
        s.extend(body);
    }
    // The payer recoups 25.00 of an earlier overpayment from this payment.
    s.push(format!("PLB*1912301953*{paid_on}*WO:OLD-CLAIM-1*25.00"));
    total -= 2_500;
    s[1] = format!(
        "BPR*I*{}*C*ACH*CCP*01*999999999*DA*123456*1376543210**01*999888777*DA*654321*{paid_on}",
        money(total)
    );
    let count = s.len() + 1;
    let text = format!(
        "ISA*00*          *00*          *ZZ*60054          *ZZ*376543210      *261201*1200*^*00501*000000077*0*P*:~\
GS*HP*60054*376543210*{paid_on}*1200*77*X*005010X221A1~{}~SE*{count}*0001~GE*1*77~IEA*1*000000077~",
        s.join("~")
    );
    (text, denied_lines)
}

pub async fn run(bench: &RemitBench) -> Result<()> {
    let temp = tempfile::tempdir()?;
    let dir = bench.dir.clone().unwrap_or_else(|| temp.path().to_path_buf());
    std::fs::create_dir_all(&dir)?;
    let today = jiff::Zoned::now().date();
    let store = Store::open(&Location::DataDir(dir.join(format!("remit-{}", std::process::id())))).await?;
    let started = Instant::now();
    let org = seed(&store, bench.claims, today, true).await?;
    let sent = store
        .export_claims(
            &org,
            &ExportClaims {
                claims: vec![],
                payer_code: "60054".into(),
                production: false,
            },
            today,
        )
        .await?;
    anyhow::ensure!(
        sent.claims.len() == bench.claims as usize,
        "sent {} of {} claims",
        sent.claims.len(),
        bench.claims
    );
    let service_date = today.checked_sub(jiff::ToSpan::days(10)).unwrap_or(today).strftime("%Y%m%d").to_string();
    let paid_on = today.strftime("%Y%m%d").to_string();
    let (body, denied_lines) = payer_835(bench.claims, &service_date, &paid_on);
    let path = dir.join("bench.835");
    std::fs::write(&path, &body)?;
    eprintln!("bench remit: {} claims sent and their 835 written in {}", bench.claims, secs(started.elapsed()));

    let started = Instant::now();
    let outcome = store
        .post_835(
            &org,
            &Import835 {
                file_name: "bench.835".into(),
                body: body.clone(),
            },
            today,
        )
        .await?;
    let post = started.elapsed();
    let r = &outcome[0];
    anyhow::ensure!(
        r.posted == i64::from(bench.claims) && r.exceptions == 0,
        "posted {} and {} exceptions of {} claims: {:?}",
        r.posted,
        r.exceptions,
        bench.claims,
        r.claims.iter().find(|c| c.outcome != "posted")
    );
    let started = Instant::now();
    let report = store.verify(&org).await?;
    let verify = started.elapsed();
    anyhow::ensure!(report.discrepancies.is_empty(), "verify found {:?}", report.discrepancies.first());

    println!(
        "settle bench remit: one 835 of {} bytes answering {} claims ({} lines denied, PLB {}), SQLite",
        body.len(),
        bench.claims,
        denied_lines,
        r.provider_adjustments
    );
    println!();
    println!("| step | time | rate |");
    println!("|---|---|---|");
    println!(
        "| read, balance, match and post (one transaction) | {} | {} claims/s |",
        secs(post),
        (u128::from(bench.claims) * 1_000_000) / post.as_micros().max(1)
    );
    println!("| settle verify afterwards (0 disagreements) | {} | |", secs(verify));
    if !bench.no_pyx12 {
        let (theirs, segments) = pyx12_read(&path)?;
        println!("| pyx12 X12Reader, same file ({segments} segments), reading only | {} | |", secs(theirs));
        println!();
        println!("posting against pyx12 only reading the file: Settle is {} pyx12's speed", ratio(post, theirs));
    }
    println!();
    println!(
        "target: 50,000 claims read and posted within {} s: {}",
        TARGET_POST.as_secs(),
        if bench.claims < 50_000 {
            "run with --claims 50000 to check".to_string()
        } else if post <= TARGET_POST {
            "met".to_string()
        } else {
            format!("NOT met ({})", secs(post))
        }
    );
    Ok(())
}
