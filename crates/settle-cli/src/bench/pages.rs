//! `settle bench pages`: the server time of the dashboard, the account
//! search and the account page on a large book (the demo at 100,000
//! accounts per organisation by default), read from each answer's
//! `Server-Timing` header, beside the empty search page (the fixed cost of
//! any page: session, permission, layout) as the baseline of the same run.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use settle_domain::access::Role;
use settle_store::billing::AccountFilter;
use settle_store::{Location, Store};

#[derive(clap::Args, Debug)]
pub struct PagesBench {
    /// Accounts per organisation in the demo book built when `--dir` holds none.
    #[arg(long, default_value_t = 100_000)]
    pub accounts: u32,
    /// A data directory to reuse (built with the demo if empty); a temporary one if absent.
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// Requests per page kind.
    #[arg(long, default_value_t = 40)]
    pub rounds: usize,
}

const BENCH_PASSWORD: &str = "bench pages password";
const TARGET_MS: f64 = 200.0;

/// Serves `store` on a loopback port, signed in as `username` (made with
/// `role` if absent): the base address and the session cookie.
pub(crate) async fn serve_signed_in(
    store: &Store,
    org: &settle_store::platform::Organisation,
    username: &str,
    role: Role,
    password: &str,
) -> Result<(String, String)> {
    if !store.users(org).await?.iter().any(|u| u.username == username) {
        store
            .add_user(org, username, "Bench", role, settle_store::platform::access::FirstPassword::Kept(password))
            .await?;
    }
    let (_, secret) = store
        .login(username, password, "127.0.0.1")
        .await?
        .map_err(|e| anyhow::anyhow!("bench login refused: {e:?}"))?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let config = settle_server::Config {
        listen: addr,
        ..settle_server::Config::default()
    };
    let app = settle_server::app(store.clone(), config).into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok((format!("http://{addr}"), format!("settle_session={secret}")))
}

/// The server's own time for an answer, from its `Server-Timing` header.
pub(crate) fn server_ms(response: &reqwest::Response) -> Result<f64> {
    let header = response.headers().get("server-timing").context("no Server-Timing header")?.to_str()?;
    let dur = header
        .split(';')
        .find_map(|p| p.trim().strip_prefix("dur="))
        .context("no dur in Server-Timing")?;
    Ok(dur.parse()?)
}

fn percentile(sorted: &[f64], p: usize) -> f64 {
    sorted[((sorted.len() - 1) * p) / 100]
}

pub async fn run(bench: &PagesBench) -> Result<()> {
    let temp = tempfile::tempdir()?;
    let dir = bench.dir.clone().unwrap_or_else(|| temp.path().to_path_buf());
    std::fs::create_dir_all(&dir)?;
    let store = Store::open(&Location::DataDir(dir.clone())).await?;
    if store.organisations().await?.is_empty() {
        eprintln!(
            "bench pages: building the demo book, {} accounts per organisation, in {}",
            bench.accounts,
            dir.display()
        );
        let started = Instant::now();
        crate::demo::run(&store, bench.accounts, settle_server::web::today(), 7, false).await?;
        eprintln!("bench pages: demo built in {:.1} s", started.elapsed().as_secs_f64());
    }
    let org = store.organisation(Some("clinic")).await?;
    let (base, cookie) = serve_signed_in(&store, &org, "bench-pages", Role::BillingCoordinator, BENCH_PASSWORD).await?;

    // Real accounts to open and to look for.
    let accounts = store
        .list_accounts(
            &org,
            &AccountFilter {
                with_balance: true,
                limit: 5_000,
                ..AccountFilter::default()
            },
        )
        .await?;
    if accounts.is_empty() {
        bail!("the book has no accounts with a balance");
    }
    let step = (accounts.len() / bench.rounds.max(1)).max(1);
    let sample: Vec<_> = accounts.iter().step_by(step).take(bench.rounds).collect();
    let total_accounts: usize = store.organisations().await?.len() * bench.accounts as usize;

    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build()?;

    let mut kinds: Vec<(&str, Vec<String>)> = vec![
        ("baseline: empty search page", vec!["/accounts".to_string(); bench.rounds]),
        ("dashboard", vec!["/".to_string(); bench.rounds]),
    ];
    let mut searches = Vec::new();
    for (i, account) in sample.iter().enumerate() {
        let term = match i % 3 {
            0 => account.name.split_whitespace().last().unwrap_or("a").chars().take(4).collect::<String>(),
            1 => account.account_number.clone(),
            _ => account.name.chars().take(3).collect(),
        };
        searches.push(format!(
            "/accounts/search?q={}",
            form_urlencoded::byte_serialize(term.as_bytes()).collect::<String>()
        ));
    }
    kinds.push(("search as you type", searches));
    kinds.push(("account page", sample.iter().map(|a| format!("/accounts/{}", a.account_number)).collect()));

    // One warm-up pass, as a person's first click after start would be.
    // The first dashboard computes its snapshot while the visitor waits;
    // later ones are served from it while it refreshes in the background.
    let mut first_dashboard_ms = 0.0;
    for (name, paths) in &kinds {
        if let Some(path) = paths.first() {
            let response = client.get(format!("{base}{path}")).header("cookie", &cookie).send().await?;
            if *name == "dashboard" {
                first_dashboard_ms = server_ms(&response)?;
            }
        }
    }
    println!(
        "settle bench pages: {total_accounts} accounts in {} organisations, SQLite, {} requests per page",
        store.organisations().await?.len(),
        bench.rounds
    );
    println!(
        "{:<30} {:>9} {:>9} {:>9} {:>10}  target < {TARGET_MS:.0} ms",
        "page (server time)", "p50 ms", "p95 ms", "max ms", "p95 ratio"
    );
    let mut baseline_p95 = None;
    let mut all_met = true;
    for (name, paths) in &kinds {
        let mut times = Vec::with_capacity(paths.len());
        for path in paths {
            let response = client.get(format!("{base}{path}")).header("cookie", &cookie).send().await?;
            if !response.status().is_success() {
                bail!("{path}: {}", response.status());
            }
            times.push(server_ms(&response)?);
            response.bytes().await?;
        }
        times.sort_by(f64::total_cmp);
        let p95 = percentile(&times, 95);
        let base_p95 = *baseline_p95.get_or_insert(p95);
        let met = percentile(&times, 100) < TARGET_MS;
        if name.starts_with("baseline") {
            println!(
                "{name:<30} {:>9.1} {p95:>9.1} {:>9.1} {:>10}",
                percentile(&times, 50),
                percentile(&times, 100),
                "1.00x"
            );
        } else {
            all_met &= met;
            println!(
                "{name:<30} {:>9.1} {p95:>9.1} {:>9.1} {:>9.1}x  {}",
                percentile(&times, 50),
                percentile(&times, 100),
                p95 / base_p95.max(0.001),
                if met { "met" } else { "NOT MET" }
            );
        }
    }
    println!("first dashboard after start (computes the snapshot while it waits): {first_dashboard_ms:.1} ms");
    println!(
        "{}",
        if all_met {
            "every page under the target at its slowest"
        } else {
            "some page missed the target"
        }
    );
    Ok(())
}
