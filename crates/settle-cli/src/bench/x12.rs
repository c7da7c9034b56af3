//! `settle bench x12`: sending claims as 837P and reading X12, beside
//! pyx12 reading the same file in the same run, printed as ratios.
//!
//! The book: N patients (a fifth of them dependents, a tenth with a
//! secondary coverage), each with one ready claim of one to three lines,
//! loaded straight into a scratch SQLite store. Measured: the whole export
//! (every claim scrubbed again, the file written, recorded and every claim
//! marked submitted in one transaction), the writing of the text alone, the
//! X12 reader (bytes to envelopes) in MB/s, and the 837P reader (envelopes
//! to claims); then pyx12's X12Reader over the same file.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use settle_domain::Date;
use settle_store::batch::{self, Batch, V};
use settle_store::billing::{NewAccount, NewParty, SettingsUpdate};
use settle_store::bulk::BulkCommand;
use settle_store::claims::{ExportClaims, NewPayer, NewProvider};
use settle_store::{Location, Store};

#[derive(clap::Args, Debug)]
pub struct X12Bench {
    /// Claims to send in one 837P.
    #[arg(long, default_value_t = 100_000)]
    pub claims: u32,
    /// Where the scratch database and the file go (a temporary directory if absent).
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// Leave pyx12 out (it is the baseline; without it no ratio is printed).
    #[arg(long)]
    pub no_pyx12: bool,
}

const TARGET_EXPORT: Duration = Duration::from_secs(10);

pub(crate) fn secs(d: Duration) -> String {
    let ms = d.as_millis();
    format!("{}.{:03} s", ms / 1000, ms % 1000)
}

/// Megabytes (10^6 bytes) per second, with one decimal, in integers.
fn mb_per_s(bytes: usize, d: Duration) -> String {
    let micros = d.as_micros().max(1);
    let tenths = (bytes as u128 * 10) / micros;
    format!("{}.{} MB/s", tenths / 10, tenths % 10)
}

pub(crate) fn ratio(ours: Duration, theirs: Duration) -> String {
    let ours = ours.as_micros().max(1);
    let theirs = theirs.as_micros().max(1);
    let hundredths = (theirs * 100 + ours / 2) / ours;
    format!("{}.{:02}x", hundredths / 100, hundredths % 100)
}

/// Loads the book. With `charged`, each claim's lines are also on Aetna's
/// receivable (`INS-60054`), one open item each, as a ready claim's are.
pub(crate) async fn seed(store: &Store, claims: u32, today: Date, charged: bool) -> Result<settle_store::platform::Organisation> {
    let org = store.create_organisation("bench", "Bench Clinic", "USD").await?;
    store
        .add_payer(
            &org,
            &NewPayer {
                payer_code: "60054".into(),
                name: "Aetna".into(),
                filing_indicator: "CI".into(),
                timely_filing_days: 365,
                appeal_days: None,
                corrected_claim_days: None,
                address: Default::default(),
            },
        )
        .await?;
    store
        .add_payer(
            &org,
            &NewPayer {
                payer_code: "MCRB1".into(),
                name: "Medicare Part B".into(),
                filing_indicator: "MB".into(),
                timely_filing_days: 365,
                appeal_days: None,
                corrected_claim_days: None,
                address: Default::default(),
            },
        )
        .await?;
    store
        .add_provider(
            &org,
            &NewProvider {
                npi: "1912301953".into(),
                name: "Bench Family Medicine".into(),
                kind: "organisation".into(),
                taxonomy: "207Q00000X".into(),
                tax_id: "376543210".into(),
                address: "1200 Lincoln Ave, Springfield, IL 62704-1234".into(),
                pay_to: Default::default(),
            },
        )
        .await?;
    let s = store.settings(&org).await?;
    store
        .update_settings(
            &org,
            &SettingsUpdate {
                default_terms: s.default_terms,
                aging_buckets: s.aging_buckets,
                writeoff_approval_limit: s.writeoff_approval_limit,
                refund_approval_limit: None,
                bills_insurance: None,
                x12_submitter_id: None,
                x12_contact_phone: Some("2175550100".into()),
                scrub_rules_off: None,
            },
        )
        .await?;
    let dos = today.checked_sub(jiff::ToSpan::days(10)).unwrap_or(today);
    let accounts = (1..=claims).map(|n| {
        Ok(BulkCommand::Account(Box::new(NewAccount {
            account_number: format!("P-{n:07}"),
            party: NewParty {
                kind: "person".into(),
                name: format!("Pat{} Bench", n),
                date_of_birth: Some(Date::new(1940 + (n % 70) as i16, 1 + (n % 12) as i8, 1 + (n % 28) as i8)?),
                sex: Some(if n % 2 == 0 { "F" } else { "M" }.into()),
                address: Some(format!("{} Oak Avenue, Springfield, IL 62701", n % 900 + 1).into()),
                ..NewParty::default()
            },
            ar_kind: "patient".into(),
            currency: None,
            payment_terms: None,
            opened_on: today,
        })))
    });
    let mut accounts: Vec<BulkCommand> = accounts.collect::<std::result::Result<_, jiff::Error>>()?;
    if charged {
        accounts.push(BulkCommand::Account(Box::new(NewAccount {
            account_number: "INS-60054".into(),
            party: NewParty {
                kind: "company".into(),
                name: "Aetna".into(),
                ..NewParty::default()
            },
            ar_kind: "insurance".into(),
            currency: None,
            payment_terms: Some("net30".into()),
            opened_on: today,
        })));
    }
    store.bulk_apply(&org, accounts, &mut |_| {}).await?;
    // Account n has account_id n (the bulk load numbers them in order); Aetna's is next.
    let insurance = i64::from(claims) + 1;
    let mut tx = store.begin_write().await?;
    let counter = |name: &'static str| {
        sqlx::query_scalar::<_, i64>("SELECT next_value FROM counter WHERE org_id = $1 AND name = $2")
            .bind(org.org_id)
            .bind(name)
    };
    let first_entry = counter("entry").fetch_one(tx.conn()).await?;
    let mut next_item = counter("item").fetch_one(tx.conn()).await?;
    if charged {
        sqlx::query("UPDATE payer SET account_id = $2 WHERE org_id = $1 AND payer_code = '60054'")
            .bind(org.org_id)
            .bind(insurance)
            .execute(tx.conn())
            .await?;
    }
    let usd = settle_domain::money::Currency::from_code("USD")?;
    let mut charged_total = 0i64;
    let mut batch = Batch::default();
    let now = "2026-01-01T00:00:00Z";
    let mut coverage = 0i64;
    let codes = ["99213", "99214", "36415", "80053", "83036"];
    for n in 1..=i64::from(claims) {
        coverage += 1;
        let primary = coverage;
        let child = n % 5 == 0;
        batch.push(batch::CoverageRow {
            org_id: org.org_id.into(),
            coverage_key: primary.into(),
            account_id: n.into(),
            payer_key: 1i64.into(),
            member_id: format!("W{n:08}").into(),
            group_number: "G100".into(),
            subscriber_name: if child { format!("Parent{n} Bench") } else { String::new() }.into(),
            relationship: if child { "child" } else { "self" }.into(),
            priority: "primary".into(),
            effective_from: "2025-01-01".into(),
            effective_to: V::NT(None),
            created_at: now.into(),
        });
        if n % 10 == 3 {
            coverage += 1;
            batch.push(batch::CoverageRow {
                org_id: org.org_id.into(),
                coverage_key: coverage.into(),
                account_id: n.into(),
                payer_key: 2i64.into(),
                member_id: format!("1EG{n:07}").into(),
                group_number: "".into(),
                subscriber_name: "".into(),
                relationship: "self".into(),
                priority: "secondary".into(),
                effective_from: "2025-01-01".into(),
                effective_to: V::NT(None),
                created_at: now.into(),
            });
        }
        let lines = 1 + n % 3;
        let mut total = 0i64;
        let mut items = Vec::new();
        for l in 0..lines {
            let charge = 4_500 + 1_000 * l;
            total += charge;
            let item = charged.then(|| {
                next_item += 1;
                (next_item - 1, charge)
            });
            if let Some(pair) = item {
                items.push(pair);
            }
            batch.push(batch::ClaimLineRow {
                org_id: org.org_id.into(),
                claim_id: n.into(),
                line_no: (l + 1).into(),
                date_of_service: dos.into(),
                procedure_code: codes[((n + l) % 5) as usize].into(),
                modifiers: if l == 0 && n % 4 == 0 { "25" } else { "" }.into(),
                diagnosis_pointers: "1 2".into(),
                units_thousandths: 1000i64.into(),
                charge_minor: charge.into(),
                place_of_service: V::NT(None),
                item_id: item.map(|(id, _)| id).into(),
            });
            if let Some((item_id, _)) = item {
                batch.push(batch::OpenItemRow {
                    org_id: org.org_id.into(),
                    item_id: item_id.into(),
                    account_id: insurance.into(),
                    reference: format!("CLM-{n:07}-{}", l + 1).into(),
                    kind: "claim".into(),
                    invoice_id: V::NI(None),
                    description: format!("{dos} {} for Pat{n} Bench", codes[((n + l) % 5) as usize]).into(),
                    issue_date: dos.into(),
                    due_date: dos.into(),
                    currency: "USD".into(),
                    amount_minor: charge.into(),
                    balance_minor: charge.into(),
                    written_off: 0i64.into(),
                    status: "open".into(),
                });
            }
        }
        let entry_id = first_entry + n - 1;
        if charged {
            let receivable = settle_domain::events::Receivable {
                account_id: insurance,
                gl: settle_domain::ledger::GlAccount::ArInsurance,
            };
            let entry = settle_domain::events::claim_charged(dos, usd, receivable, &items, &format!("Claim CLM-{n:07} for Pat{n} Bench"))?;
            batch.add_entry(org.org_id, entry_id, Some(insurance), &entry, now);
            charged_total += total;
        }
        batch.push(batch::ClaimRow {
            org_id: org.org_id.into(),
            claim_id: n.into(),
            claim_number: format!("CLM-{n:07}").into(),
            account_id: n.into(),
            payer_key: 1i64.into(),
            coverage_key: primary.into(),
            billing_provider_key: 1i64.into(),
            rendering_provider_key: V::NI(None),
            place_of_service: "11".into(),
            frequency: "1".into(),
            replaces_claim_id: V::NI(None),
            payer_claim_number: "".into(),
            diagnoses: "E119 I10".into(),
            currency: "USD".into(),
            total_minor: total.into(),
            status: "ready".into(),
            status_reason: "".into(),
            findings: "[]".into(),
            scrubbed_on: V::NT(None),
            charged_entry_id: if charged { Some(entry_id) } else { None }.into(),
            batch_id: V::NI(None),
            created_at: now.into(),
            updated_at: now.into(),
        });
        if batch.row_count() >= 60_000 {
            batch.flush(tx.conn(), org.org_id).await?;
        }
    }
    if charged {
        batch.change_account(insurance, charged_total, 0);
    }
    batch.flush(tx.conn(), org.org_id).await?;
    let mut counters = vec![("coverage", coverage + 1), ("claim", i64::from(claims) + 1)];
    if charged {
        counters.extend([("entry", first_entry + i64::from(claims)), ("item", next_item)]);
    }
    for (name, next) in counters {
        sqlx::query("UPDATE counter SET next_value = $3 WHERE org_id = $1 AND name = $2")
            .bind(org.org_id)
            .bind(name)
            .bind(next)
            .execute(tx.conn())
            .await?;
    }
    tx.commit().await?;
    Ok(org)
}

/// pyx12's X12Reader over the file: (seconds as a Duration, segments).
pub(crate) fn pyx12_read(path: &std::path::Path) -> Result<(Duration, u64)> {
    let script = "import sys, time, pyx12.x12file\nt = time.perf_counter()\nn = 0\nfor seg in pyx12.x12file.X12Reader(sys.argv[1]):\n    n += 1\nprint(int((time.perf_counter() - t) * 1e6), n)\n";
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(path)
        .output()
        .context("running python3 for pyx12 (pip install pyx12, or pass --no-pyx12)")?;
    if !out.status.success() {
        anyhow::bail!("pyx12 failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut parts = text.split_whitespace();
    let micros: u64 = parts.next().context("pyx12 printed nothing")?.parse()?;
    let segments: u64 = parts.next().context("pyx12 printed no count")?.parse()?;
    Ok((Duration::from_micros(micros), segments))
}

pub async fn run(bench: &X12Bench) -> Result<()> {
    let temp = tempfile::tempdir()?;
    let dir = bench.dir.clone().unwrap_or_else(|| temp.path().to_path_buf());
    std::fs::create_dir_all(&dir)?;
    let today = jiff::Zoned::now().date();
    let store = Store::open(&Location::DataDir(dir.join(format!("x12-{}", std::process::id())))).await?;
    let started = Instant::now();
    let org = seed(&store, bench.claims, today, false).await?;
    eprintln!("bench x12: {} ready claims loaded in {}", bench.claims, secs(started.elapsed()));

    let started = Instant::now();
    let outcome = store
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
    let export = started.elapsed();
    anyhow::ensure!(
        outcome.claims.len() == bench.claims as usize,
        "sent {} of {} claims; held: {:?}",
        outcome.claims.len(),
        bench.claims,
        outcome.held.first()
    );
    let path = dir.join("bench.837");
    std::fs::write(&path, &outcome.body)?;
    let bytes = outcome.body.len();

    let started = Instant::now();
    let parsed = settle_x12::read(outcome.body.as_bytes());
    let read = started.elapsed();
    anyhow::ensure!(parsed.diagnostics.is_empty(), "our own file has problems: {:?}", parsed.diagnostics.first());
    let segments: usize = parsed
        .interchanges
        .iter()
        .flat_map(|i| i.groups.iter().flat_map(|g| g.transactions.iter().map(|t| t.segments.len() + 2)))
        .sum::<usize>()
        + 4;
    let started = Instant::now();
    let (claims, loose) = settle_x12::p837::read_837p(&parsed);
    let claims_read = started.elapsed();
    anyhow::ensure!(loose.is_empty() && claims.len() == bench.claims as usize, "read back {} claims", claims.len());

    println!("settle bench x12: {} claims, one 837P of {} bytes, {} segments", bench.claims, bytes, segments);
    println!();
    println!("| step | time | rate |");
    println!("|---|---|---|");
    println!(
        "| export: scrub, write, record, mark submitted | {} | {} claims/s |",
        secs(export),
        (u128::from(bench.claims) * 1_000_000) / export.as_micros().max(1)
    );
    println!("| read X12 (bytes to envelopes) | {} | {} |", secs(read), mb_per_s(bytes, read));
    println!(
        "| read 837P (envelopes to claims) | {} | {} claims/s |",
        secs(claims_read),
        (u128::from(bench.claims) * 1_000_000) / claims_read.as_micros().max(1)
    );
    if !bench.no_pyx12 {
        let (theirs, their_segments) = pyx12_read(&path)?;
        println!(
            "| pyx12 X12Reader, same file ({their_segments} segments) | {} | {} |",
            secs(theirs),
            mb_per_s(bytes, theirs)
        );
        println!();
        println!("reading: Settle is {} pyx12's speed", ratio(read, theirs));
        println!("export of {} claims against pyx12 only reading them: {}", bench.claims, ratio(export, theirs));
    }
    println!();
    println!(
        "target: export of 100,000 claims within {} s: {}",
        TARGET_EXPORT.as_secs(),
        if bench.claims < 100_000 {
            "run with --claims 100000 to check".to_string()
        } else if export <= TARGET_EXPORT {
            "met".to_string()
        } else {
            format!("NOT met ({})", secs(export))
        }
    );
    println!(
        "target: X12 read at 100 MB/s or more: {}",
        if (bytes as u128) * 10 / read.as_micros().max(1) >= 1000 {
            "met"
        } else {
            "NOT met"
        }
    );
    Ok(())
}
