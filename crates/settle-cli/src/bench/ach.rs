//! `settle bench ach`: a NACHA file of N debits written and read back by
//! Settle, beside achkit (PyPI) parsing the same file in the same run,
//! printed as a ratio (the issue asks Settle to be at least 20x faster);
//! each side's best of three runs.

use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use settle_domain::ach::nacha;
use settle_domain::ach::nacha_write::{self, AccountKind, Direction, Originator, OutEntry};
use settle_domain::ach::RoutingNumber;

#[derive(clap::Args, Debug)]
pub struct AchBench {
    /// Debits in the file.
    #[arg(long, default_value_t = 100_000)]
    pub debits: u32,
    /// Leave achkit out (it is the baseline; without it no ratio is printed).
    #[arg(long)]
    pub no_achkit: bool,
}

const TARGET_RATIO: f64 = 20.0;
const RUNS: usize = 3;

/// achkit.parse over the file: (seconds, entries it read).
fn achkit_parse(path: &std::path::Path) -> Result<(Duration, u64)> {
    let script = r#"
import sys, time, achkit
text = open(sys.argv[1]).read()
best = None
for _ in range(3):
    t = time.perf_counter()
    f = achkit.parse(text)
    d = time.perf_counter() - t
    best = d if best is None else min(best, d)
n = sum(len(b.get('entries', [])) for b in f.get('batches', []))
print(int(best * 1e6), n)
"#;
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(path)
        .output()
        .context("running python3 for achkit (pip install achkit, or pass --no-achkit)")?;
    if !out.status.success() {
        anyhow::bail!("achkit failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut parts = text.split_whitespace();
    let micros: u64 = parts.next().context("achkit printed nothing")?.parse()?;
    let entries: u64 = parts.next().context("achkit printed no count")?.parse()?;
    Ok((Duration::from_micros(micros), entries))
}

pub fn run(bench: &AchBench) -> Result<()> {
    let originator = Originator {
        odfi: RoutingNumber::parse("091000019").map_err(anyhow::Error::msg)?,
        odfi_name: "First Bank".into(),
        company_id: "1234567890".into(),
        company_name: "Riverside".into(),
    };
    let routings: Vec<RoutingNumber> = ["231380104", "091000019", "021000021", "011000138"]
        .iter()
        .map(|r| RoutingNumber::parse(r).map_err(anyhow::Error::msg))
        .collect::<Result<_>>()?;
    let day: settle_domain::Date = "2026-12-08".parse()?;
    let entries: Vec<OutEntry> = (1..=bench.debits)
        .map(|i| OutEntry {
            sec: ["PPD", "WEB", "TEL"][i as usize % 3].into(),
            description: "PAYMENT".into(),
            effective_on: day,
            direction: Direction::Debit,
            account_kind: if i % 7 == 0 { AccountKind::Savings } else { AccountKind::Checking },
            routing: routings[i as usize % routings.len()].clone(),
            account: format!("{:09}", 100_000_000 + i),
            amount_minor: 1_000 + i64::from(i % 50_000),
            individual_id: format!("P-{i:06}"),
            name: format!("Payer Number {i}"),
            trace: i,
        })
        .collect();
    // Each side's best of three runs, so a page fault or a neighbour's
    // burst does not decide the ratio.
    let (mut write, mut read) = (Duration::MAX, Duration::MAX);
    let (mut text, mut file) = (String::new(), None);
    for _ in 0..RUNS {
        let started = Instant::now();
        text = nacha_write::write(&originator, (day, 1700), 'A', &entries).map_err(anyhow::Error::msg)?;
        write = write.min(started.elapsed());
        let started = Instant::now();
        file = Some(nacha::read(&text).map_err(|p| anyhow::anyhow!("Settle's own file: {:?}", &p[..p.len().min(3)]))?);
        read = read.min(started.elapsed());
    }
    let file = file.context("read at least once")?;
    let count: usize = file.batches.iter().map(|b| b.entries.len()).sum();
    anyhow::ensure!(count == entries.len(), "read back {count} of {} entries", entries.len());
    let mb = text.len() as f64 / 1_048_576.0;
    println!("NACHA file of {} debits ({:.1} MiB)", bench.debits, mb);
    println!();
    println!("| Step | Time | MiB/s |");
    println!("|---|---|---|");
    let row = |what: &str, d: Duration| println!("| {what} | {:.3} s | {:.0} |", d.as_secs_f64(), mb / d.as_secs_f64().max(1e-9));
    row("Settle writes it", write);
    row("Settle reads it back (every count, hash and total checked)", read);
    if bench.no_achkit {
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("bench.ach");
    std::fs::write(&path, &text)?;
    let (theirs, their_entries) = achkit_parse(&path)?;
    row(&format!("achkit.parse, same file ({their_entries} entries)"), theirs);
    println!();
    let ratio = theirs.as_secs_f64() / read.as_secs_f64().max(1e-9);
    let both = theirs.as_secs_f64() / (read + write).as_secs_f64().max(1e-9);
    println!(
        "reading: Settle is {ratio:.1}x achkit's speed; writing and reading: {both:.1}x (target at least {TARGET_RATIO:.0}x): {}",
        if both >= TARGET_RATIO { "met" } else { "NOT met" }
    );
    Ok(())
}
