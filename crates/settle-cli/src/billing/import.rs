//! `settle import accounts|invoices|payments FILE.csv`: all or nothing.
//!
//! Every row is checked first and every problem is reported with its line
//! and column; only a file with no problems is applied, in one transaction,
//! and if anything fails while applying, nothing is kept.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use settle_domain::money::Currency;
use settle_domain::Date;
use settle_store::billing::csv_import::{CsvImport, CsvKind, CsvRefused};
use settle_store::csv_file::Problem;
use settle_store::platform::Organisation;
use settle_store::Store;

const MAX_PROBLEMS_SHOWN: usize = 200;

/// `settle import invoices|payments FILE`'s options.
#[derive(clap::Args, Debug)]
pub struct ImportArgs {
    /// Import a file whose exact contents were imported before (otherwise refused, as posting it twice).
    #[arg(long)]
    force: bool,
    /// The same key and file replay the first outcome; another file under the key is refused.
    #[command(flatten)]
    key: crate::KeyArg,
}

impl ImportArgs {
    pub fn options(&self) -> Result<ImportOptions> {
        Ok(ImportOptions {
            force: self.force,
            key: self.key.parse()?,
        })
    }
}

/// How a file is to be imported: forced again, under an idempotency key.
#[derive(Clone, Debug, Default)]
pub struct ImportOptions {
    pub force: bool,
    pub key: Option<settle_domain::IdempotencyKey>,
}

pub(super) fn report(problems: &[Problem], path: &Path) -> ExitCode {
    for p in problems.iter().take(MAX_PROBLEMS_SHOWN) {
        if p.column.is_empty() {
            eprintln!("{}: line {}: {}", path.display(), p.line, p.reason);
        } else {
            eprintln!("{}: line {}, column {}: {}", path.display(), p.line, p.column, p.reason);
        }
    }
    if problems.len() > MAX_PROBLEMS_SHOWN {
        eprintln!("... and {} more problems", problems.len() - MAX_PROBLEMS_SHOWN);
    }
    eprintln!("{} problem(s) found; nothing was imported.", problems.len());
    ExitCode::FAILURE
}

/// `settle import accounts|invoices|payments FILE`: the file read whole by
/// the store's one CSV reader and applied all or nothing, with a progress
/// bar for large files; every problem reported by line and column.
pub async fn csv(store: &Store, org: &Organisation, kind: CsvKind, path: &Path, options: &ImportOptions, today: Date) -> Result<ExitCode> {
    let bytes = std::fs::read(path).with_context(|| format!("opening {}", path.display()))?;
    let file = CsvImport {
        kind,
        file_name: path.display().to_string(),
        bytes: &bytes,
        force: options.force,
        key: options.key.clone(),
        today,
    };
    let bar = ProgressBar::hidden();
    bar.set_style(ProgressStyle::with_template("importing {spinner} {pos} records ({elapsed})").expect("valid template"));
    let mut shown = false;
    let result = store
        .import_csv(org, &file, &mut |done| {
            if !shown && done >= 5_000 {
                bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
                shown = true;
            }
            bar.set_position(done)
        })
        .await;
    bar.finish_and_clear();
    match result {
        Ok(outcome) if outcome.replayed => {
            println!(
                "Already imported under this idempotency key: {} from {}; nothing was posted again.",
                counts(&outcome.applied),
                path.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Ok(outcome) => {
            println!(
                "Imported {} {} from {} ({}).",
                outcome.records,
                kind.as_str(),
                path.display(),
                counts(&outcome.applied)
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(CsvRefused::Problems(problems)) => Ok(report(&problems, path)),
        Err(CsvRefused::Store(error)) => Err(error.into()),
    }
}

/// What an import applied, as "3 accounts" or "12 invoices, 4 payments".
fn counts(applied: &settle_store::bulk::BulkOutcome) -> String {
    let parts: Vec<String> = [(applied.accounts, "accounts"), (applied.invoices, "invoices"), (applied.payments, "payments")]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{n} {what}"))
        .collect();
    if parts.is_empty() {
        "nothing".to_string()
    } else {
        parts.join(", ")
    }
}

/// `settle fees import FILE.csv [--payer CODE]`: a fee schedule, all or nothing.
pub async fn fees(store: &Store, org: &Organisation, path: &Path, schedule: &str) -> Result<ExitCode> {
    let bytes = std::fs::read(path).with_context(|| format!("opening {}", path.display()))?;
    let currency = Currency::from_code(&org.base_currency)?;
    let entries = match settle_store::claims::read_fee_csv(&bytes, currency) {
        Ok(entries) => entries,
        Err(problems) => return Ok(report(&problems, path)),
    };
    match store.import_fee_schedule(org, schedule, &entries).await {
        Ok(count) => {
            println!("Imported {count} prices into the {schedule} fee schedule from {}.", path.display());
            Ok(ExitCode::SUCCESS)
        }
        Err(error) => {
            eprintln!("{}: {error}; nothing was imported.", path.display());
            Ok(ExitCode::FAILURE)
        }
    }
}
