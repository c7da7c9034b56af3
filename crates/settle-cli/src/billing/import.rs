//! `settle import invoices|payments FILE.csv`: all or nothing.
//!
//! Every row is checked first and every problem is reported with its line
//! and column; only a file with no problems is applied, in one transaction,
//! and if anything fails while applying, nothing is kept.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use settle_domain::money::Currency;
use settle_domain::Decimal;
use settle_store::billing::{ApplyTo, NewInvoice, NewInvoiceLine, NewPayment, PAYMENT_METHODS};
use settle_store::bulk::BulkCommand;
use settle_store::platform::Organisation;
use settle_store::Store;

pub(super) use settle_store::csv_file::{check_date, check_money, CsvFile as Reader, Problem};

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

pub(super) fn read(path: &Path, required: &[&str], optional: &[&str]) -> Result<Reader> {
    let bytes = std::fs::read(path).with_context(|| format!("opening {}", path.display()))?;
    Reader::read(&bytes, required, optional).map_err(|p| anyhow::anyhow!("{}: {p}", path.display()))
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

fn check_accounts(problems: &mut Vec<Problem>, known: &HashSet<String>, used: &[(u64, String)]) {
    for (line, number) in used {
        if number.is_empty() {
            problems.push(Problem {
                line: *line,
                column: "account_number".into(),
                reason: "is empty".into(),
            });
        } else if !known.contains(&number.to_ascii_uppercase()) {
            problems.push(Problem {
                line: *line,
                column: "account_number".into(),
                reason: format!("no account {number:?} in this organisation"),
            });
        }
    }
}

/// The file an import reads: where it is, what it holds, and its digest.
pub(super) struct Source<'a> {
    pub(super) path: &'a Path,
    pub(super) what: &'static str,
    pub(super) sha256: String,
}

pub(super) async fn apply(
    store: &Store,
    org: &Organisation,
    source: Source<'_>,
    commands: Vec<BulkCommand>,
    lines: Vec<u64>,
    options: &ImportOptions,
) -> Result<ExitCode> {
    let Source { path, what, sha256 } = source;
    let file = settle_store::bulk::ImportedFile {
        kind: what,
        file_name: path.display().to_string(),
        sha256,
        force: options.force,
        key: options.key.clone(),
    };
    let bar = ProgressBar::new(commands.len() as u64);
    bar.set_style(
        ProgressStyle::with_template("importing [{bar:40}] {pos}/{len} ({eta})")
            .expect("valid template")
            .progress_chars("=> "),
    );
    if commands.len() < 5_000 {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    let result = store.bulk_import(org, Some(&file), commands, &mut |done| bar.set_position(done)).await;
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
            println!("Imported {} {what} from {} ({}).", lines.len(), path.display(), counts(&outcome.applied));
            Ok(ExitCode::SUCCESS)
        }
        Err(error) => {
            let line = lines.get(error.index).copied().unwrap_or(0);
            Ok(report(
                &[Problem {
                    line,
                    column: String::new(),
                    reason: error.error.to_string(),
                }],
                path,
            ))
        }
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

/// Columns: account_number, issue_date, invoice_ref (optional: rows sharing
/// it form one invoice), item_code, description, quantity, unit_price,
/// tax_rate (optional, percent), terms (optional), memo (optional).
pub async fn invoices(store: &Store, org: &Organisation, path: &Path, options: &ImportOptions) -> Result<ExitCode> {
    let mut reader = read(
        path,
        &["account_number", "issue_date", "item_code", "description", "quantity", "unit_price"],
        &["invoice_ref", "tax_rate", "terms", "memo"],
    )?;
    let currency = Currency::from_code(&org.base_currency)?;
    let known = store.account_numbers(org).await?;
    let mut problems = std::mem::take(&mut reader.problems);
    let mut used = Vec::new();
    // Invoices in file order, each with the line it starts on; rows of one
    // account sharing an invoice_ref join the invoice its first row began.
    let mut invoices: Vec<(u64, NewInvoice)> = Vec::new();
    let mut index_of: HashMap<(String, String), usize> = HashMap::new();
    // Which account each invoice_ref was first used for, and on which line.
    let mut ref_owner: HashMap<String, (String, u64)> = HashMap::new();
    for (line, record) in &reader.rows {
        let line = *line;
        let account = reader.get(record, "account_number").to_string();
        used.push((line, account.clone()));
        let issue = check_date(&mut problems, line, "issue_date", reader.get(record, "issue_date"));
        let quantity = reader.get(record, "quantity");
        match quantity.parse::<Decimal>() {
            Ok(q) if q > Decimal::ZERO => {}
            _ => problems.push(Problem {
                line,
                column: "quantity".into(),
                reason: format!("{quantity:?} must be a number greater than zero"),
            }),
        }
        check_money(&mut problems, line, "unit_price", reader.get(record, "unit_price"), currency, false);
        let tax = reader.get(record, "tax_rate");
        let tax = if tax.is_empty() { "0" } else { tax };
        match tax.parse::<Decimal>() {
            Ok(t) if t >= Decimal::ZERO && t <= Decimal::ONE_HUNDRED => {}
            _ => problems.push(Problem {
                line,
                column: "tax_rate".into(),
                reason: format!("{tax:?} must be a percentage from 0 to 100"),
            }),
        }
        let description = reader.get(record, "description");
        if description.is_empty() {
            problems.push(Problem {
                line,
                column: "description".into(),
                reason: "is empty".into(),
            });
        }
        let terms = reader.get(record, "terms");
        if !terms.is_empty() {
            if let Err(e) = settle_domain::invoice::PaymentTerms::parse(terms) {
                problems.push(Problem {
                    line,
                    column: "terms".into(),
                    reason: e.to_string(),
                });
            }
        }
        let Some(issue) = issue else { continue };
        let reference = reader.get(record, "invoice_ref");
        let key = (
            account.to_ascii_uppercase(),
            if reference.is_empty() {
                format!("#line{line}")
            } else {
                reference.to_string()
            },
        );
        let new_line = NewInvoiceLine {
            item_code: reader.get(record, "item_code").into(),
            description: description.into(),
            quantity: quantity.into(),
            unit_price: reader.get(record, "unit_price").into(),
            tax_rate: tax.into(),
        };
        if !reference.is_empty() {
            let (owner, first_line) = ref_owner
                .entry(reference.to_string())
                .or_insert_with(|| (account.to_ascii_uppercase(), line))
                .clone();
            if owner != account.to_ascii_uppercase() {
                problems.push(Problem {
                    line,
                    column: "invoice_ref".into(),
                    reason: format!("{reference:?} is account {owner}'s invoice (line {first_line}); one invoice_ref is one invoice"),
                });
                continue;
            }
        }
        if let Some(index) = index_of.get(&key) {
            // Rows of one invoice must agree on what belongs to the whole
            // invoice; a different date or terms is refused, not dropped.
            let (first_line, first) = &invoices[*index];
            let mut differs = |column: &str, first_value: String, value: String| {
                if first_value != value {
                    problems.push(Problem {
                        line,
                        column: column.into(),
                        reason: format!("{value:?} differs from {first_value:?} on line {first_line}, the first row of invoice {reference:?}"),
                    });
                }
            };
            differs("issue_date", first.issue_date.to_string(), issue.to_string());
            differs("terms", first.terms.clone().unwrap_or_default(), terms.to_string());
            differs("memo", first.memo.clone(), reader.get(record, "memo").to_string());
        }
        let index = *index_of.entry(key).or_insert_with(|| {
            let invoice = NewInvoice {
                account_number: account.clone(),
                issue_date: issue,
                terms: (!terms.is_empty()).then(|| terms.to_string()),
                lines: vec![],
                memo: reader.get(record, "memo").to_string(),
                draft: false,
            };
            invoices.push((line, invoice));
            invoices.len() - 1
        });
        invoices[index].1.lines.push(new_line);
    }
    check_accounts(&mut problems, &known, &used);
    if !problems.is_empty() {
        problems.sort_by_key(|p| p.line);
        return Ok(report(&problems, path));
    }
    let (lines, commands) = invoices.into_iter().map(|(line, invoice)| (line, BulkCommand::Invoice(invoice))).unzip();
    let source = Source {
        path,
        what: "invoices",
        sha256: reader.sha256,
    };
    apply(store, org, source, commands, lines, options).await
}

/// Columns: account_number, amount, method, reference (optional),
/// received_on, apply_to (optional invoice number).
pub async fn payments(store: &Store, org: &Organisation, path: &Path, options: &ImportOptions) -> Result<ExitCode> {
    let mut reader = read(path, &["account_number", "amount", "method", "received_on"], &["reference", "apply_to"])?;
    let currency = Currency::from_code(&org.base_currency)?;
    let known = store.account_numbers(org).await?;
    let mut problems = std::mem::take(&mut reader.problems);
    let mut used = Vec::new();
    let mut commands = Vec::new();
    let mut lines = Vec::new();
    for (line, record) in &reader.rows {
        let line = *line;
        let account = reader.get(record, "account_number").to_string();
        used.push((line, account.clone()));
        let amount = reader.get(record, "amount");
        check_money(&mut problems, line, "amount", amount, currency, true);
        let method = reader.get(record, "method").to_ascii_lowercase();
        if !PAYMENT_METHODS.contains(&method.as_str()) {
            problems.push(Problem {
                line,
                column: "method".into(),
                reason: format!("{method:?} is not one of {}", PAYMENT_METHODS.join(", ")),
            });
        }
        let Some(received_on) = check_date(&mut problems, line, "received_on", reader.get(record, "received_on")) else {
            continue;
        };
        let apply_to = reader.get(record, "apply_to");
        commands.push(BulkCommand::Payment(NewPayment {
            account_number: account,
            amount: amount.into(),
            method,
            reference: reader.get(record, "reference").into(),
            received_on,
            apply_to: if apply_to.is_empty() {
                vec![]
            } else {
                vec![ApplyTo {
                    reference: apply_to.into(),
                    amount: None,
                }]
            },
        }));
        lines.push(line);
    }
    check_accounts(&mut problems, &known, &used);
    if !problems.is_empty() {
        problems.sort_by_key(|p| p.line);
        return Ok(report(&problems, path));
    }
    let source = Source {
        path,
        what: "payments",
        sha256: reader.sha256,
    };
    apply(store, org, source, commands, lines, options).await
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
