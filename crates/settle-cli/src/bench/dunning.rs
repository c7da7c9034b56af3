//! `settle bench dunning`: the daily dunning run and the work-queue rebuild
//! over N accounts (1,000,000 by default), beside a plain SQL scan of the
//! same accounts in the same run, printed as a ratio.
//!
//! The book is written straight into the tables (it is the setting, not
//! what is measured): one person per account with an address and an email,
//! one open charge each, due from 30 days ahead to 180 days ago, so that
//! about a seventh are current and the rest spread over every level of the
//! standard policy; every tenth account's terms allow late fees and every
//! fiftieth consumer asked us to stop (a pause). Measured:
//! - the first run for the day: every delinquent account reaches its level
//!   (letters and emails through the contact gate, each answer kept; fees;
//!   stages and holds; one action row for each thing done or declined), and
//!   the queue rebuilt, in one transaction;
//! - the same day's second run, which finds nothing to do;
//! - the baseline: the SQL that reads what the run must read at the least,
//!   each account's balance and oldest past-due date, grouped over the
//!   same rows.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Result;
use settle_domain::account::ContactKind;
use settle_domain::Date;
use settle_store::address::{AddressInput, ContactPoint};
use settle_store::batch::{self, Batch};
use settle_store::collections::dunning::RunRequest;
use settle_store::{Location, Store};
use sqlx::Row;

use crate::bench::x12::secs;

#[derive(clap::Args, Debug)]
pub struct DunningBench {
    #[arg(long, default_value_t = 1_000_000)]
    pub accounts: i64,
    /// Where the scratch database goes (a temporary directory if absent).
    #[arg(long)]
    pub dir: Option<PathBuf>,
}

const TARGET: Duration = Duration::from_secs(30);
const AS_OF: Date = Date::constant(2026, 12, 1);

/// Writes the book in batches of accounts, one transaction each.
async fn seed(store: &Store, org_id: i64, accounts: i64) -> Result<()> {
    const STEP: i64 = 20_000;
    let streets = ["Oak St", "Elm Ave", "Maple Rd", "Cedar Ln", "Pine Ct"];
    let places = [
        "Springfield, IL 62701",
        "Madison, WI 53703",
        "Austin, TX 78701",
        "Denver, CO 80202",
        "Portland, OR 97201",
        "Miami, FL 33101",
    ];
    let mut start = 1;
    while start <= accounts {
        let end = (start + STEP - 1).min(accounts);
        let mut tx = store.begin_write().await?;
        let mut b = Batch::default();
        for n in start..=end {
            let due = AS_OF.checked_add(jiff::Span::new().days(30 - n % 211))?;
            let issue = due.checked_sub(jiff::Span::new().days(30))?;
            let amount = 2_000 + (n * 7_919) % 150_000;
            b.push(batch::PartyRow {
                org_id: org_id.into(),
                party_id: n.into(),
                kind: "person".into(),
                name: format!("Consumer {n:07}").into(),
                date_of_birth: None::<String>.into(),
                created_at: "2026-01-01T00:00:00Z".into(),
                sex: "U".into(),
                last_name: Some(format!("{n:07}")).into(),
                first_name: Some("Consumer".to_string()).into(),
                middle_name: Some(String::new()).into(),
                name_suffix: Some(String::new()).into(),
            });
            let address = format!("{} {}, {}", 1 + n % 900, streets[(n % 5) as usize], places[(n % 6) as usize]);
            for (i, (kind, value)) in [(ContactKind::Address, address), (ContactKind::Email, format!("c{n}@example.com"))]
                .into_iter()
                .enumerate()
            {
                let point = ContactPoint::read(kind, &AddressInput::from(value), "address")?;
                b.push(point.row(org_id, n * 2 + i as i64, n, "2026-01-01".into()));
            }
            b.push(batch::AccountRow {
                org_id: org_id.into(),
                account_id: n.into(),
                account_number: format!("D{n:07}").into(),
                party_id: n.into(),
                ar_kind: "patient".into(),
                currency: "USD".into(),
                status: "active".into(),
                payment_terms: "net30".into(),
                opened_on: "2026-01-01".into(),
                balance_minor: amount.into(),
                credit_minor: 0i64.into(),
                created_at: "2026-01-01T00:00:00Z".into(),
            });
            b.push(batch::OpenItemRow {
                org_id: org_id.into(),
                item_id: n.into(),
                account_id: n.into(),
                reference: format!("BENCH-{n:07}").into(),
                kind: "invoice".into(),
                invoice_id: None::<i64>.into(),
                description: "Office visit".into(),
                issue_date: issue.to_string().into(),
                due_date: due.to_string().into(),
                currency: "USD".into(),
                amount_minor: amount.into(),
                balance_minor: amount.into(),
                written_off: 0i64.into(),
                status: "open".into(),
            });
            if b.row_count() >= 40_000 {
                b.flush(tx.conn(), org_id).await?;
            }
        }
        b.flush(tx.conn(), org_id).await?;
        // Every tenth account's terms allow late fees; every fiftieth consumer asked us to stop.
        sqlx::query(
            "INSERT INTO collection_profile (org_id, account_id, late_fees_allowed, cease_requested_at, updated_by, updated_at) \
             SELECT org_id, account_id, 1, CASE WHEN account_id % 50 = 0 THEN '2026-06-01T12:00:00Z' END, 'bench', '2026-01-01T00:00:00Z' \
             FROM account WHERE org_id = $1 AND account_id >= $2 AND account_id <= $3 AND account_id % 10 = 0",
        )
        .bind(org_id)
        .bind(start)
        .bind(end)
        .execute(tx.conn())
        .await?;
        tx.commit().await?;
        start = end + 1;
    }
    let mut tx = store.begin_write().await?;
    for (name, next) in [
        ("party", accounts + 1),
        ("account", accounts + 1),
        ("item", accounts + 1),
        ("contact", accounts * 2 + 2),
    ] {
        sqlx::query("UPDATE counter SET next_value = $3 WHERE org_id = $1 AND name = $2")
            .bind(org_id)
            .bind(name)
            .bind(next)
            .execute(tx.conn())
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

fn times(ours: Duration, baseline: Duration) -> String {
    let ours = ours.as_micros().max(1);
    let baseline = baseline.as_micros().max(1);
    let hundredths = (ours * 100 + baseline / 2) / baseline;
    format!("{}.{:02}x", hundredths / 100, hundredths % 100)
}

pub async fn run(args: &DunningBench) -> Result<()> {
    let scratch = tempfile::tempdir()?;
    let base = args.dir.clone().unwrap_or_else(|| scratch.path().to_path_buf());
    println!("settle bench dunning: {} accounts, SQLite in {}", args.accounts, base.display());
    let store = Store::open(&Location::DataDir(base.join("settle"))).await?;
    let org = store.create_organisation("bench", "Bench Family Medicine", "USD").await?;
    store
        .set_collector_contact(&org, "PO Box 100, Springfield, IL 62701", "(217) 555-0100", "8 a.m. to 5 p.m. Central")
        .await?;
    let started = Instant::now();
    seed(&store, org.org_id, args.accounts).await?;
    println!("  book written in {} (not measured)", secs(started.elapsed()));

    // Baseline first, so that both read a warm cache.
    let started = Instant::now();
    let rows = sqlx::query(
        "SELECT a.account_id, a.balance_minor, MIN(o.due_date), CAST(SUM(o.balance_minor) AS BIGINT) AS items_balance_minor FROM account a \
         JOIN open_item o ON o.org_id = a.org_id AND o.account_id = a.account_id \
         WHERE a.org_id = $1 AND o.balance_minor > 0 AND o.due_date < $2 GROUP BY a.account_id, a.balance_minor",
    )
    .bind(org.org_id)
    .bind(AS_OF.to_string())
    .fetch_all(store.pool())
    .await?;
    let scanned = rows.len();
    let checksum: i64 = rows.iter().map(|r| r.try_get::<i64, _>("items_balance_minor").unwrap_or(0)).sum();
    let baseline = started.elapsed();
    drop(rows);

    let request = RunRequest {
        as_of: AS_OF,
        at: Some("2026-12-01T14:00:00-05:00".into()),
        dry_run: false,
    };
    let started = Instant::now();
    let first = store.dunning_run(&org, &request).await?;
    let first_time = started.elapsed();
    let started = Instant::now();
    let second = store.dunning_run(&org, &request).await?;
    let second_time = started.elapsed();
    anyhow::ensure!(
        second.advanced == 0 && second.letters == 0 && second.run_id.is_none(),
        "the second run did something: {second:?}"
    );

    println!(
        "  baseline: plain SQL scan of {} past-due accounts (balance and oldest due date; {} minor units past due): {}",
        scanned,
        checksum,
        secs(baseline)
    );
    println!(
        "  dunning run + queue rebuild: {} accounts read, {} moved up a level, {} paused; {} letters, {} emails, {} fees; queue {}: {}",
        first.accounts,
        first.advanced,
        first.paused,
        first.letters,
        first.emails,
        first.fees,
        first.queue,
        secs(first_time)
    );
    println!("  the same day again (nothing to do): {}", secs(second_time));
    println!(
        "  ratio to the plain SQL scan: {} (first run), {} (second run)",
        times(first_time, baseline),
        times(second_time, baseline)
    );
    println!(
        "  target: run + rebuild over {} accounts in at most {}: {}",
        args.accounts,
        secs(TARGET),
        if first_time <= TARGET { "met" } else { "NOT met" }
    );
    if let Some(mib) = crate::bench::peak_rss_mib() {
        println!("  peak memory: {mib} MiB");
    }
    Ok(())
}
