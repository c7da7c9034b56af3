//! `settle bench api`: many clients posting payments over HTTP to the real
//! server on SQLite (or PostgreSQL with `--database-url`), beside the same payments posted straight to the store
//! in the same run. Server and load generator share this process and its
//! cores. Afterwards the books must verify and the count of payments must
//! equal the count of 2xx answers.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{ensure, Result};
use settle_domain::access::Role;
use settle_domain::Date;
use settle_store::billing::{PaymentFilter, *};
use settle_store::bulk::BulkCommand;
use settle_store::platform::Organisation;
use settle_store::{Location, Store};

#[derive(clap::Args, Debug)]
pub struct ApiBench {
    /// Payments to post over HTTP (and as many straight to the store).
    #[arg(long, default_value_t = 30_000)]
    pub payments: u64,
    /// Concurrent HTTP clients (each waits for its answer before the next request).
    #[arg(long, default_value_t = 64)]
    pub clients: u64,
    /// Accounts the payments are spread over.
    #[arg(long, default_value_t = 2_000)]
    pub accounts: u64,
    /// Run on PostgreSQL: a new scratch database on the server this URL
    /// reaches (its own database name is not used), dropped afterwards.
    /// SQLite in a temporary directory when absent.
    #[arg(long)]
    pub database_url: Option<String>,
}

/// Where the bench's books go: a temporary SQLite directory, or a new
/// database beside the one a PostgreSQL URL names.
pub(crate) struct Scratch {
    pub location: Location,
    pub engine: &'static str,
    dropped_on_close: Option<String>,
    _dir: tempfile::TempDir,
}

impl Scratch {
    pub(crate) fn new(database_url: Option<&str>, name: &str) -> Result<Scratch> {
        let dir = tempfile::tempdir()?;
        Ok(match database_url {
            Some(url) => {
                let scratch = settle_store::url_with_database(url, &format!("settle_bench_{name}_{}", std::process::id()));
                Scratch {
                    location: Location::Url(scratch.clone()),
                    engine: "PostgreSQL",
                    dropped_on_close: Some(scratch),
                    _dir: dir,
                }
            }
            None => Scratch {
                location: Location::DataDir(dir.path().to_path_buf()),
                engine: "SQLite",
                dropped_on_close: None,
                _dir: dir,
            },
        })
    }

    /// Drops the scratch PostgreSQL database (the store must be closed).
    pub(crate) async fn finish(self) -> Result<()> {
        if let Some(url) = &self.dropped_on_close {
            use sqlx::migrate::MigrateDatabase;
            sqlx::Any::force_drop_database(url).await?;
        }
        Ok(())
    }
}

const DAY: Date = Date::constant(2026, 1, 15);

fn payment(account: u64, n: u64) -> NewPayment {
    NewPayment {
        account_number: format!("A-{account:06}"),
        amount: format!("{}.{:02}", 1 + n % 40, n % 100),
        method: "card".into(),
        reference: format!("bench-{n}"),
        received_on: DAY,
        apply_to: vec![],
    }
}

async fn seed(store: &Store, org: &Organisation, accounts: u64) -> Result<()> {
    let commands = (0..accounts).flat_map(|a| {
        let number = format!("A-{a:06}");
        [
            BulkCommand::Account(Box::new(NewAccount {
                account_number: number.clone(),
                party: NewParty {
                    sex: None,
                    kind: "person".into(),
                    name: format!("Bench Patient {a}"),
                    ..Default::default()
                },
                ar_kind: "patient".into(),
                currency: None,
                payment_terms: Some("net30".into()),
                opened_on: DAY,
            })),
            BulkCommand::Invoice(NewInvoice {
                account_number: number,
                issue_date: DAY,
                terms: None,
                lines: vec![NewInvoiceLine {
                    item_code: "99213".into(),
                    description: "Office visit".into(),
                    quantity: "1".into(),
                    unit_price: "900000.00".into(),
                    tax_rate: "0".into(),
                }],
                memo: String::new(),
                draft: false,
            }),
        ]
    });
    store.bulk_apply(org, commands, &mut |_| {}).await?;
    Ok(())
}

fn percentile(sorted: &[Duration], per_mille: usize) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) * per_mille) / 1000]
}

fn per_second(count: u64, elapsed: Duration) -> u64 {
    let micros = elapsed.as_micros().max(1);
    (u128::from(count) * 1_000_000 / micros) as u64
}

fn ms(d: Duration) -> String {
    let micros = d.as_micros();
    format!("{}.{:02} ms", micros / 1000, (micros % 1000) / 10)
}

pub async fn run(args: &ApiBench) -> Result<()> {
    let scratch = Scratch::new(args.database_url.as_deref(), "api")?;
    let store = Store::open(&scratch.location).await?;
    store.checkpoint_in_background().await?;
    let org = store.create_organisation("bench", "Bench", "USD").await?;
    let accounts = args.accounts.max(1);
    seed(&store, &org, accounts).await?;
    let clients = args.clients.max(1);
    let per_client = (args.payments / clients).max(1);
    let total = per_client * clients;
    println!(
        "settle bench api: {total} payments from {clients} clients over {accounts} accounts, {}, server and clients in one process",
        scratch.engine
    );

    // Baseline: the same number of payments straight to the store, with the
    // same concurrency and idempotency keys, no HTTP.
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (store, org) = (store.clone(), org.clone());
        tasks.push(tokio::spawn(async move {
            for i in 0..per_client {
                let n = c * per_client + i;
                let key = settle_domain::IdempotencyKey::parse(&format!("direct-{n}"))?;
                store.post_payment(&org, &payment(n % accounts, n), Some(&key)).await?;
            }
            anyhow::Ok(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    let direct = started.elapsed();

    // The server, on a free loopback port.
    let (_, token) = store.create_token(&org, "bench", Role::BillingSpecialist).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let app = settle_server::app(store.clone(), settle_server::Config::default()).into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, app).await });
    let url = Arc::new(format!("http://{addr}/api/v1/payments"));

    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (url, token) = (url.clone(), token.clone());
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::builder().pool_max_idle_per_host(1).build()?;
            let mut latencies = Vec::with_capacity(per_client as usize);
            let mut ok = 0u64;
            for i in 0..per_client {
                let n = total + c * per_client + i;
                let body = serde_json::to_vec(&payment(n % accounts, n))?;
                let sent = Instant::now();
                let response = client
                    .post(url.as_str())
                    .bearer_auth(&token)
                    .header("content-type", "application/json")
                    .header("idempotency-key", format!("api-{n}"))
                    .body(body)
                    .send()
                    .await?;
                let status = response.status();
                let _ = response.bytes().await?;
                latencies.push(sent.elapsed());
                if status.is_success() {
                    ok += 1;
                }
            }
            anyhow::Ok((latencies, ok))
        }));
    }
    let mut latencies = Vec::with_capacity(total as usize);
    let mut successes = 0;
    for task in tasks {
        let (mut l, ok) = task.await??;
        latencies.append(&mut l);
        successes += ok;
    }
    let over_http = started.elapsed();
    latencies.sort_unstable();

    let direct_rate = per_second(total, direct);
    let http_rate = per_second(successes, over_http);
    println!();
    println!("| measure | straight to the store | over HTTP | ratio |");
    println!("|---|---|---|---|");
    println!("| payments per second | {direct_rate} | {http_rate} | {} |", ratio_text(http_rate, direct_rate));
    println!("| elapsed | {} | {} | |", ms(direct), ms(over_http));
    println!(
        "| latency p50 / p99 / max | | {} / {} / {} | |",
        ms(percentile(&latencies, 500)),
        ms(percentile(&latencies, 990)),
        latencies.last().map_or_else(|| "-".into(), |d| ms(*d))
    );
    println!();

    // Afterwards: the books verify and every 2xx is exactly one payment.
    let report = store.verify(&org).await?;
    ensure!(report.discrepancies.is_empty(), "verify found {} disagreements", report.discrepancies.len());
    let mut payments = 0u64;
    let mut after = None;
    loop {
        let page = store
            .list_payments(
                &org,
                &PaymentFilter {
                    limit: 1000,
                    after,
                    ..Default::default()
                },
            )
            .await?;
        let Some(last) = page.last() else { break };
        after = Some(last.payment_id);
        payments += page.len() as u64;
    }
    let over_api = payments - total;
    println!(
        "verify: clean; payments over HTTP {over_api}, 2xx answers {successes}, non-2xx {}",
        total - successes
    );
    ensure!(over_api == successes, "payments over HTTP ({over_api}) differ from 2xx answers ({successes})");
    let p99 = percentile(&latencies, 990);
    let met = http_rate >= 3_000 && p99 <= Duration::from_millis(50);
    println!("target (3,000 payments/s with p99 at most 50 ms): {}", if met { "met" } else { "not met" });
    store.close().await;
    scratch.finish().await?;
    Ok(())
}

fn ratio_text(ours: u64, baseline: u64) -> String {
    let hundredths = (ours * 100 + baseline.max(1) / 2) / baseline.max(1);
    format!("{}.{:02}x", hundredths / 100, hundredths % 100)
}
