//! `settle bench ledger`: import and report speed, each beside a plain-SQL
//! baseline run in the same process, printed as ratios. Never a timed test.

pub mod ach;
pub mod api;
mod baseline;
pub mod dunning;
pub mod floor;
pub mod follow_up;
pub mod pages;
pub mod remit;
pub mod x12;

use std::time::{Duration, Instant};

use anyhow::Result;
use clap::Subcommand;
use jiff::ToSpan;
use settle_domain::aging::AgingBuckets;
use settle_domain::Date;
use settle_store::billing::{AccountFilter, *};
use settle_store::bulk::BulkCommand;
use settle_store::{Location, Store};
use sqlx::Row;

#[derive(Subcommand, Debug)]
pub enum BenchCommand {
    /// Import charges and payments, report balances and aging, against plain SQL.
    Ledger {
        /// Transactions to import: half charges, half payments.
        #[arg(long, default_value_t = 1_000_000)]
        transactions: u64,
        #[arg(long, default_value_t = 10_000)]
        accounts: u64,
        /// Charges only, no payments: every transaction stays an open item,
        /// for measuring aging over that many open items.
        #[arg(long)]
        charges_only: bool,
        /// Where the two scratch databases go (a temporary directory if absent).
        #[arg(long)]
        dir: Option<std::path::PathBuf>,
        /// Import into PostgreSQL (new scratch databases on the server this
        /// URL reaches, dropped afterwards), beside the same import on SQLite
        /// and a plain COPY of the same rows, in the same run.
        #[arg(long)]
        database_url: Option<String>,
    },
    /// Many clients posting payments over HTTP, beside posting straight to the store.
    Api(crate::bench::api::ApiBench),
    /// Server time of the dashboard, search and account page on a large book.
    Pages(crate::bench::pages::PagesBench),
    /// Sending claims as 837P and reading X12, beside pyx12 on the same file.
    X12(crate::bench::x12::X12Bench),
    /// Reading and auto-posting one 835 answering many claims, beside pyx12 reading it.
    Remit(crate::bench::remit::RemitBench),
    /// The daily dunning run and queue rebuild over many accounts, beside a plain SQL scan of them.
    Dunning(crate::bench::dunning::DunningBench),
    /// The insurance follow-up list's first page over many claims, beside a plain SQL page of them.
    FollowUp(crate::bench::follow_up::FollowUpBench),
    /// A NACHA file of many debits written and read back, beside achkit (PyPI) parsing it.
    Ach(crate::bench::ach::AchBench),
}

pub(crate) fn peak_rss_mib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse::<u64>().ok().map(|kib| kib / 1024)
}

pub(crate) fn ratio(ours: Duration, baseline: Duration) -> String {
    // Shown with two decimals from whole microseconds: no float arithmetic on money, and none here either.
    let ours = ours.as_micros().max(1);
    let baseline = baseline.as_micros().max(1);
    let hundredths = (ours * 100 + baseline / 2) / baseline;
    format!("{}.{:02}x", hundredths / 100, hundredths % 100)
}

const START: Date = Date::constant(2025, 1, 1);

/// The import's commands, generated lazily so that memory stays flat.
fn commands(transactions: u64, accounts: u64, charges_only: bool) -> impl Iterator<Item = BulkCommand> {
    let per_account = (transactions / accounts).max(2);
    (0..accounts).flat_map(move |a| {
        let number = format!("B-{a:07}");
        let open = std::iter::once(BulkCommand::Account(Box::new(NewAccount {
            account_number: number.clone(),
            party: NewParty {
                sex: None,
                kind: "person".into(),
                name: format!("Bench Customer {a}"),
                ..Default::default()
            },
            ar_kind: "customer".into(),
            currency: None,
            payment_terms: Some("net30".into()),
            opened_on: START,
        })));
        let body = (0..per_account).map(move |t| {
            let day = START.checked_add(((t / 2) as i64 * 3).days()).unwrap_or(START);
            let price = 1_000 + ((a * 7 + t * 13) % 50_000) as i64;
            if charges_only || t % 2 == 0 {
                BulkCommand::Invoice(NewInvoice {
                    account_number: number.clone(),
                    issue_date: day,
                    terms: None,
                    lines: vec![NewInvoiceLine {
                        item_code: "SVC".into(),
                        description: "Service".into(),
                        quantity: "1".into(),
                        unit_price: format!("{}.{:02}", price / 100, price % 100),
                        tax_rate: "0".into(),
                    }],
                    memo: String::new(),
                    draft: false,
                })
            } else {
                // Most payments pay in part, so that many items stay open for aging.
                let paid = if t % 6 == 1 { price } else { price / 2 };
                BulkCommand::Payment(NewPayment {
                    account_number: number.clone(),
                    amount: format!("{}.{:02}", paid / 100, paid % 100),
                    method: "ach".into(),
                    reference: String::new(),
                    received_on: day,
                    apply_to: vec![],
                })
            }
        });
        open.chain(body)
    })
}

pub async fn run(command: &BenchCommand) -> Result<()> {
    let (transactions, accounts, charges_only, dir, database_url) = match command {
        BenchCommand::Ledger {
            transactions,
            accounts,
            charges_only,
            dir,
            database_url,
        } => (transactions, accounts, charges_only, dir, database_url.as_deref()),
        BenchCommand::Api(args) => return crate::bench::api::run(args).await,
        BenchCommand::Pages(args) => return crate::bench::pages::run(args).await,
        BenchCommand::X12(args) => return crate::bench::x12::run(args).await,
        BenchCommand::Remit(args) => return crate::bench::remit::run(args).await,
        BenchCommand::Dunning(args) => return crate::bench::dunning::run(args).await,
        BenchCommand::FollowUp(args) => return crate::bench::follow_up::run(args).await,
        BenchCommand::Ach(args) => return crate::bench::ach::run(args),
    };
    let scratch = tempfile::tempdir()?;
    let base = dir.clone().unwrap_or_else(|| scratch.path().to_path_buf());
    let (transactions, accounts) = (*transactions, (*accounts).max(1));
    let scratch_pg = |name: &str| crate::bench::api::Scratch::new(database_url, name);
    let settle_scratch = scratch_pg("ledger")?;
    let engine = settle_scratch.engine;
    println!(
        "settle bench ledger: {transactions} transactions over {accounts} accounts, {engine}{}",
        if database_url.is_some() {
            String::new()
        } else {
            format!(" in {}", base.display())
        }
    );

    // Settle: the domain decides every entry and allocation, the store writes them.
    let location = match database_url {
        Some(_) => settle_scratch.location.clone(),
        None => Location::DataDir(base.join("settle")),
    };
    let store = Store::open(&location).await?;
    let org = store.create_organisation("bench", "Bench", "USD").await?;
    let started = Instant::now();
    let outcome = store.bulk_apply(&org, commands(transactions, accounts, *charges_only), &mut |_| {}).await?;
    let import = started.elapsed();
    let started = Instant::now();
    let balances = store
        .list_accounts(
            &org,
            &AccountFilter {
                limit: 10_000,
                ..Default::default()
            },
        )
        .await?;
    let balance_report = started.elapsed();
    let as_of = START.checked_add(2.years())?;
    let started = Instant::now();
    let aging = store.aging(&org, as_of, &AgingBuckets::default(), None).await?;
    let aging_time = started.elapsed();
    let items: i64 = sqlx::query("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM open_item WHERE balance_minor <> 0")
        .fetch_one(store.pool())
        .await?
        .try_get("n")?;
    let counts = table_counts(&store).await?;

    let cutoffs = AgingBuckets::default().due_date_cutoffs(as_of);
    let mut case = String::from("CASE");
    for (i, _) in cutoffs.iter().enumerate() {
        case.push_str(&format!(" WHEN due_date >= ${} THEN {i}", i + 2));
    }
    case.push_str(&format!(" ELSE {} END", cutoffs.len()));
    // Both baselines run on Settle's own data, so each side reads the same table.
    let mut baseline_aging = Vec::new();
    for group in ["0", "account_id"] {
        let sql = format!(
            "SELECT {group} AS grp, {case} AS bucket, CAST(SUM(balance_minor) AS BIGINT) FROM open_item WHERE org_id = $1 AND balance_minor <> 0 GROUP BY grp, bucket"
        );
        let mut query = sqlx::query(&sql).bind(org.org_id);
        for c in &cutoffs {
            query = query.bind(c.to_string());
        }
        let started = Instant::now();
        let rows = query.fetch_all(store.pool()).await?;
        baseline_aging.push((started.elapsed(), rows.len()));
    }
    let started = Instant::now();
    let totals = store.aging_totals(&org, as_of, &AgingBuckets::default(), None).await?;
    let totals_time = started.elapsed();
    anyhow::ensure!(totals.totals_minor == aging.totals_minor, "the two aging shapes disagree");
    let verify = store.verify(&org).await?;
    store.close().await;
    settle_scratch.finish().await?;

    // On PostgreSQL: the same import on SQLite, for the engines' ratio, and
    // a plain COPY of the same rows.
    let mut beside = None;
    if database_url.is_some() {
        let sqlite = Store::open(&Location::DataDir(base.join("settle-sqlite"))).await?;
        let org = sqlite.create_organisation("bench", "Bench", "USD").await?;
        let started = Instant::now();
        sqlite.bulk_apply(&org, commands(transactions, accounts, *charges_only), &mut |_| {}).await?;
        let filter = AccountFilter {
            limit: 10_000,
            ..Default::default()
        };
        sqlite.list_accounts(&org, &filter).await?;
        let on_sqlite = started.elapsed();
        sqlite.close().await;
        let copy_scratch = scratch_pg("copy")?;
        let copy_store = Store::open(&copy_scratch.location).await?;
        let copy_org = copy_store.create_organisation("bench", "Bench", "USD").await?;
        copy_store.close().await;
        let settle_store::Location::Url(copy_url) = &copy_scratch.location else {
            unreachable!("a PostgreSQL scratch")
        };
        let started = Instant::now();
        baseline::copy(copy_url, copy_org.org_id, &counts).await?;
        let copied = started.elapsed();
        copy_scratch.finish().await?;
        beside = Some((on_sqlite, copied));
    }

    // Baseline: the same number of rows in the same tables, written with
    // plain multi-row INSERTs and no decisions, then plain GROUP BYs.
    // Settle's books are closed first, so that the peak memory printed is
    // the larger of the two runs, not their sum.
    let baseline_scratch = scratch_pg("baseline")?;
    let baseline_location = match database_url {
        Some(_) => baseline_scratch.location.clone(),
        None => Location::DataDir(base.join("baseline")),
    };
    let baseline_store = Store::open(&baseline_location).await?;
    let baseline_org = baseline_store.create_organisation("bench", "Bench", "USD").await?;
    let started = Instant::now();
    baseline::insert(&baseline_store, baseline_org.org_id, &counts).await?;
    let baseline_import = started.elapsed();
    let started = Instant::now();
    let baseline_balances =
        sqlx::query("SELECT account_id, CAST(SUM(amount_minor) AS BIGINT) FROM posting WHERE org_id = $1 AND gl_code = '1100' GROUP BY account_id")
            .bind(baseline_org.org_id)
            .fetch_all(baseline_store.pool())
            .await?;
    let baseline_balance_report = started.elapsed();
    baseline_store.close().await;
    baseline_scratch.finish().await?;
    // The floors are made inside SQLite (INSERT ... SELECT): SQLite runs only.
    let floor = match database_url {
        Some(_) => None,
        None => Some(crate::bench::floor::run(&base.join("floor"), &counts).await?),
    };

    println!(
        "  imported: {} accounts, {} invoices, {} payments; {} open items",
        outcome.accounts, outcome.invoices, outcome.payments, items
    );
    println!(
        "  rows written: {}",
        counts.iter().map(|(t, n)| format!("{t} {n}")).collect::<Vec<_>>().join(", ")
    );
    println!(
        "  import + balances   settle {:>8.3?} + {:>8.3?}   plain SQL {:>8.3?} + {:>8.3?}   ratio {}",
        import,
        balance_report,
        baseline_import,
        baseline_balance_report,
        ratio(import + balance_report, baseline_import + baseline_balance_report)
    );
    println!(
        "  aging by bucket      settle {:>8.3?}   plain SQL GROUP BY bucket {:>8.3?}   ratio {}",
        totals_time,
        baseline_aging[0].0,
        ratio(totals_time, baseline_aging[0].0)
    );
    println!(
        "  aging by account     settle {:>8.3?}   plain SQL GROUP BY account, bucket {:>8.3?} ({} rows)   ratio {}   ({} accounts aged)",
        aging_time,
        baseline_aging[1].0,
        baseline_aging[1].1,
        ratio(aging_time, baseline_aging[1].0),
        aging.rows.len()
    );
    println!(
        "  balances reported: settle {} accounts, baseline {} accounts",
        balances.len(),
        baseline_balances.len()
    );
    if let Some(mib) = peak_rss_mib() {
        println!("  peak memory (whole process): {mib} MiB");
    }
    println!("  verify after import: {} disagreements", verify.discrepancies.len());
    if let Some((on_sqlite, copied)) = beside {
        let ours = import + balance_report;
        println!(
            "  the same import + balances on SQLite {on_sqlite:>8.3?}   PostgreSQL / SQLite {}   (target: at most 2.00x)",
            ratio(ours, on_sqlite)
        );
        println!(
            "  plain COPY of the same rows {copied:>8.3?}   settle import / COPY {}   plain INSERT / COPY {}",
            ratio(import, copied),
            ratio(baseline_import, copied)
        );
    }
    if let Some(floor) = floor {
        floor.print(import + balance_report);
    }
    Ok(())
}

async fn table_counts(store: &Store) -> Result<Vec<(&'static str, i64)>> {
    let mut out = Vec::new();
    for table in [
        "party",
        "account",
        "invoice",
        "invoice_line",
        "open_item",
        "journal_entry",
        "posting",
        "payment",
        "allocation",
    ] {
        let n: i64 = sqlx::query(&format!("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM {table}"))
            .fetch_one(store.pool())
            .await?
            .try_get("n")?;
        out.push((table, n));
    }
    Ok(out)
}

/// How many rows `table` holds in `counts` (0 if it is not there).
pub(crate) fn rows_in(counts: &[(&'static str, i64)], table: &str) -> i64 {
    counts.iter().find(|(t, _)| *t == table).map_or(0, |(_, n)| *n)
}
