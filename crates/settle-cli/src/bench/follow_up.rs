//! `settle bench follow-up`: the insurance follow-up list's first page over
//! a large book (1,000,000 claims across 50 payers by default), read from
//! each answer's `Server-Timing` header, beside a plain SQL baseline of the
//! same selection (open claims with what each payer still owes, the most
//! dollars first, one page) in the same run.
//!
//! The claims are made inside SQLite by `INSERT ... SELECT` over a numbers
//! table, shaped as Settle keeps them (patients with coverages, claims with
//! a line each on the payer's receivable, spread over 400 days of
//! submissions and every open status), since a million claims through the
//! 837P path would take the bench's whole budget. The daily ranking of them
//! all (`follow_up_rank`, made on the first read of a day) is timed on its
//! own, and so is one claim's re-ranking after a call is logged.

use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::bench::pages::server_ms;
use settle_domain::access::Role;
use settle_store::claims::{FollowUpFilter, PayerCall};
use settle_store::{Location, Store};

#[derive(clap::Args, Debug)]
pub struct FollowUpBench {
    /// Open and closed claims to make.
    #[arg(long, default_value_t = 1_000_000)]
    pub claims: u32,
    /// Payers the claims are spread across.
    #[arg(long, default_value_t = 50)]
    pub payers: u32,
    /// Requests per page kind.
    #[arg(long, default_value_t = 20)]
    pub rounds: usize,
    /// Where the scratch database goes (a temporary directory if absent).
    #[arg(long)]
    pub dir: Option<std::path::PathBuf>,
}

const TARGET_MS: f64 = 200.0;
const PASSWORD: &str = "bench follow-up password";
const PATIENTS: u32 = 20_000;

/// The book, made by SQLite from a numbers table; `$1` is the organisation.
fn seed(claims: u32, payers: u32, today: &str) -> Vec<String> {
    let numbers = |n: u32| format!("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {n})");
    vec![
        format!(
            "{} INSERT INTO payer (org_id, payer_key, payer_code, name, filing_indicator, timely_filing_days, address, created_at, appeal_days, corrected_claim_days) \
             SELECT $1, i, 'P' || printf('%04d', i), 'Bench Payer ' || i, 'CI', CASE i % 3 WHEN 0 THEN 90 WHEN 1 THEN 180 ELSE 365 END, '', '{today}', 180, \
             CASE WHEN i % 2 = 0 THEN 90 END FROM n",
            numbers(payers)
        ),
        format!(
            "{} INSERT INTO party (org_id, party_id, kind, name, created_at) SELECT $1, i, 'person', 'Patient ' || i, '{today}' FROM n",
            numbers(PATIENTS + payers)
        ),
        format!(
            "{} INSERT INTO account (org_id, account_id, account_number, party_id, ar_kind, currency, status, payment_terms, opened_on, balance_minor, credit_minor, created_at) \
             SELECT $1, i, CASE WHEN i <= {PATIENTS} THEN 'P-' || i ELSE 'INS-P' || printf('%04d', i - {PATIENTS}) END, i, \
             CASE WHEN i <= {PATIENTS} THEN 'patient' ELSE 'insurance' END, 'USD', 'active', 'net30', '2025-01-01', 0, 0, '{today}' FROM n",
            numbers(PATIENTS + payers)
        ),
        format!(
            "{} INSERT INTO coverage (org_id, coverage_key, account_id, payer_key, member_id, group_number, subscriber_name, relationship, priority, effective_from, created_at) \
             SELECT $1, i, i, (i % {payers}) + 1, 'M' || i, '', 'Patient ' || i, '18', 1, '2025-01-01', '{today}' FROM n",
            numbers(PATIENTS)
        ),
        // Every tenth claim paid (closed); the rest accepted, submitted,
        // rejected, denied or paid in part, sent 0 to 400 days ago.
        format!(
            "{} INSERT INTO claim (org_id, claim_id, claim_number, account_id, payer_key, coverage_key, billing_provider_key, place_of_service, frequency, \
             payer_claim_number, diagnoses, currency, total_minor, status, status_reason, findings, created_at, updated_at, submitted_on) \
             SELECT $1, i, 'CLM-' || printf('%07d', i), (i % {PATIENTS}) + 1, ((i % {PATIENTS}) + 1) % {payers} + 1, (i % {PATIENTS}) + 1, 1, '11', '1', '', '[]', 'USD', \
             5000 + (i * 7919) % 200000, \
             CASE i % 10 WHEN 0 THEN 'paid' WHEN 1 THEN 'submitted' WHEN 2 THEN 'rejected' WHEN 3 THEN 'denied' WHEN 4 THEN 'partially_paid' ELSE 'accepted' END, \
             '', '[]', '{today}', '{today}', date('{today}', '-' || (i % 400) || ' days') FROM n",
            numbers(claims)
        ),
        format!(
            "{} INSERT INTO claim_line (org_id, claim_id, line_no, date_of_service, procedure_code, modifiers, diagnosis_pointers, units_thousandths, charge_minor, item_id) \
             SELECT $1, i, 1, date('{today}', '-' || (i % 400 + i % 20) || ' days'), '99213', '[]', '[1]', 1000, 5000 + (i * 7919) % 200000, i FROM n",
            numbers(claims)
        ),
        format!(
            "{} INSERT INTO open_item (org_id, item_id, account_id, reference, kind, description, issue_date, due_date, currency, amount_minor, balance_minor, written_off, status) \
             SELECT $1, i, {PATIENTS} + ((i % {PATIENTS}) + 1) % {payers} + 1, 'CLM-' || printf('%07d', i) || '-1', 'claim', '99213', \
             date('{today}', '-' || (i % 400) || ' days'), date('{today}', '-' || (i % 400) || ' days'), 'USD', 5000 + (i * 7919) % 200000, \
             CASE i % 10 WHEN 0 THEN 0 WHEN 4 THEN (5000 + (i * 7919) % 200000) / 3 ELSE 5000 + (i * 7919) % 200000 END, 0, \
             CASE i % 10 WHEN 0 THEN 'paid' ELSE 'open' END FROM n",
            numbers(claims)
        ),
        format!(
            "INSERT INTO denial (org_id, denial_id, claim_id, remittance_id, seq, claim_line_no, item_id, amount_minor, reasons, remarks, next_step, denied_on, appeal_by, status, note, updated_by, updated_at) \
             SELECT $1, claim_id, claim_id, 0, 1, 1, claim_id, total_minor, '[]', '[]', 'appeal', date(submitted_on, '+30 days'), date(submitted_on, '+210 days'), 'open', '', 'bench', '{today}' \
             FROM claim WHERE org_id = $1 AND status = 'denied'"
        ),
    ]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

pub async fn run(bench: &FollowUpBench) -> Result<()> {
    let temp = tempfile::tempdir()?;
    let dir = bench.dir.clone().unwrap_or_else(|| temp.path().to_path_buf());
    std::fs::create_dir_all(&dir)?;
    let store = Store::open(&Location::DataDir(dir.join("follow-up"))).await?;
    let org = store.create_organisation("bench", "Bench Clinic", "USD").await?;
    let today = settle_server::web::today();
    let started = Instant::now();
    {
        let mut conn = store.pool().acquire().await?;
        sqlx::query("PRAGMA foreign_keys = OFF").execute(&mut *conn).await?;
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        sqlx::query(
            "INSERT INTO provider (org_id, provider_key, npi, name, kind, taxonomy, tax_id, address, created_at) \
             VALUES ($1, 1, '1912301953', 'Bench Clinic', 'organisation', '', '', '', '')",
        )
        .bind(org.org_id)
        .execute(&mut *tx)
        .await?;
        for sql in seed(bench.claims, bench.payers, &today.to_string()) {
            sqlx::query(&sql).bind(org.org_id).execute(&mut *tx).await.with_context(|| sql.clone())?;
        }
        tx.commit().await?;
        sqlx::query("PRAGMA foreign_keys = ON").execute(&mut *conn).await?;
    }
    let seeded = started.elapsed();

    // The day's ranking of every claim, as the first read of a day makes it.
    let started = Instant::now();
    let counts = store.follow_up_counts(&org, &FollowUpFilter::default(), today).await?;
    let ranked = started.elapsed();
    if counts.to_work() == 0 {
        bail!("no claim needs follow-up: the bench's book is wrong");
    }

    let (base, cookie) = crate::bench::pages::serve_signed_in(&store, &org, "bench-follow-up", Role::BillingSpecialist, PASSWORD).await?;
    let client = reqwest::Client::new();
    let get = |path: String| {
        let request = client.get(format!("{base}{path}")).header("cookie", cookie.clone());
        async move {
            let response = request.send().await?;
            if !response.status().is_success() {
                bail!("{path}: {}", response.status());
            }
            let took = server_ms(&response)?;
            let body = response.text().await?;
            Ok::<_, anyhow::Error>((took, body))
        }
    };

    // The plain SQL baseline: the same open claims with what the payer
    // still owes, the most dollars first, one page; no decision, no page.
    let baseline_sql = "SELECT c.claim_id, c.claim_number, c.status, o.balance_minor FROM claim c \
         JOIN claim_line l ON l.org_id = c.org_id AND l.claim_id = c.claim_id JOIN open_item o ON o.org_id = l.org_id AND o.item_id = l.item_id \
         WHERE c.org_id = $1 AND c.status IN ('submitted', 'accepted', 'rejected', 'denied', 'partially_paid') ORDER BY o.balance_minor DESC, c.claim_number LIMIT 100";
    let mut baseline = Vec::new();
    for _ in 0..bench.rounds {
        let started = Instant::now();
        let rows = sqlx::query(baseline_sql).bind(org.org_id).fetch_all(store.pool()).await?;
        baseline.push(ms(started.elapsed()));
        if rows.len() != 100 {
            bail!("baseline read {} rows", rows.len());
        }
    }

    let mut kinds: Vec<(String, Vec<String>)> = vec![
        ("first page".into(), vec!["/claims/follow-up".to_string(); bench.rounds]),
        (
            "one payer's first page".into(),
            (0..bench.rounds)
                .map(|i| format!("/claims/follow-up?payer=P{:04}", i as u32 % bench.payers + 1))
                .collect(),
        ),
        ("page 50".into(), vec!["/claims/follow-up?page=50".to_string(); bench.rounds]),
    ];
    // After a call is logged on the first claim due (no deadline near), the
    // next read re-ranks it: it waits, off its page of the list.
    let first_due = store
        .follow_up(
            &org,
            &FollowUpFilter {
                limit: Some(1),
                offset: u32::try_from(counts.near_deadline).ok(),
                ..FollowUpFilter::default()
            },
            today,
        )
        .await?;
    let due = first_due.first().context("no claim due")?;
    let claim = due.claim_number.clone();
    let its_page = (due.rank - 1) / 100 + 1;
    kinds.push(("after a call is logged".into(), vec![format!("/claims/follow-up?page={its_page}")]));

    println!(
        "settle bench follow-up: {} claims across {} payers ({} to work: {} near a deadline, {} due, {} past; {} waiting), SQLite",
        bench.claims,
        bench.payers,
        counts.to_work(),
        counts.near_deadline,
        counts.due,
        counts.past_deadline,
        counts.waiting
    );
    println!(
        "book made by SQLite in {:.1} s; the day's ranking of every open claim: {:.1} s",
        seeded.as_secs_f64(),
        ranked.as_secs_f64()
    );
    baseline.sort_by(f64::total_cmp);
    let base_p50 = baseline[baseline.len() / 2];
    println!(
        "{:<28} {:>9} {:>9} {:>10}  target < {TARGET_MS:.0} ms",
        "(server time)", "p50 ms", "max ms", "p50 ratio"
    );
    println!(
        "{:<28} {:>9.1} {:>9.1} {:>10}",
        "baseline: plain SQL page",
        base_p50,
        baseline[baseline.len() - 1],
        "1.00x"
    );
    let mut all_met = true;
    for (name, paths) in &kinds {
        if name == "after a call is logged" {
            let call = PayerCall {
                claim_number: claim.clone(),
                called_on: None,
                reference: "BENCH-1".into(),
                rep: "Bench".into(),
                said: "In process".into(),
                next_follow_up: today.checked_add(jiff::Span::new().days(14)).ok(),
            };
            store.log_payer_call(&org, &call, today).await?;
        }
        let mut times = Vec::new();
        for path in paths {
            let (took, body) = get(path.clone()).await?;
            if !body.contains("claim(s) to work") {
                bail!("{path}: not the follow-up page");
            }
            if name == "after a call is logged" && body.contains(&format!(">{claim}<")) {
                bail!("{claim} is still on the list after its call");
            }
            times.push(took);
        }
        times.sort_by(f64::total_cmp);
        let p50 = times[times.len() / 2];
        let max = times[times.len() - 1];
        let met = max < TARGET_MS;
        all_met &= met;
        println!(
            "{name:<28} {p50:>9.1} {max:>9.1} {:>9.3}x  {}",
            p50 / base_p50.max(0.001),
            if met { "met" } else { "NOT MET" }
        );
    }
    println!(
        "peak memory {} MiB; {}",
        crate::bench::peak_rss_mib().map_or("?".into(), |m| m.to_string()),
        if all_met {
            "every page under the target at its slowest"
        } else {
            "some page missed the target"
        }
    );
    Ok(())
}
