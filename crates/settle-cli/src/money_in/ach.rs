//! `settle ach ...`: a routing number checked, and a bank's NACHA file
//! (returns, notifications of change, or any entries) read and shown with
//! each code in words and what it asks; a bad file is refused naming every
//! problem by line and field (these two read no books). The commands on
//! the books (mandates, debits, the run, returns) are in `ach_books`; the
//! bank simulator (`settle bank-sim`) is here too.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Subcommand;
use settle_domain::ach::nacha::{self, Addenda};
use settle_domain::ach::{bank_sim, codes, RoutingNumber};
use settle_domain::money::format_minor;
use settle_domain::Date;

#[derive(Subcommand, Debug)]
pub enum AchCommand {
    /// Check a routing number's nine digits and check digit; exit 1 if wrong.
    Routing { number: String },
    /// Read a NACHA file whole: batches, entries, and each return or
    /// notification of change with its code in words and what it asks;
    /// every problem by line and field, exit 1, if it does not read.
    Read {
        file: PathBuf,
        #[arg(long, value_enum, default_value_t = crate::Format::Table)]
        format: crate::Format,
    },
    /// The organisation's originating bank accounts.
    #[command(subcommand)]
    Originator(super::ach_books::OriginatorCommand),
    /// Payers' authorisations to debit their bank accounts.
    #[command(subcommand)]
    Mandate(super::ach_books::MandateCommand),
    /// Schedule one debit under a mandate (an amount, or "balance").
    Debit {
        #[arg(long)]
        mandate: i64,
        #[arg(long)]
        amount: String,
        /// The day it should settle.
        #[arg(long)]
        due: Date,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Pay a payment plan's installments still to come by ACH.
    Autopay {
        #[arg(long)]
        plan: i64,
        #[arg(long)]
        mandate: i64,
    },
    /// Debits, newest first, by status (scheduled, in_file, settled, returned, cancelled) or account.
    Debits {
        #[arg(long)]
        status: Option<String>,
        #[arg(long)]
        account: Option<String>,
        #[arg(long, default_value_t = 200)]
        limit: i64,
        #[arg(long, value_enum, default_value_t = crate::Format::Table)]
        format: crate::Format,
    },
    /// Cancel a debit not yet sent.
    Cancel {
        debit: i64,
        #[arg(long)]
        reason: String,
    },
    /// The day's run: settle what is past its return window, send prenotes
    /// and the debits due by the next banking day, one NACHA file per
    /// originating account written into --out.
    Run {
        #[arg(long)]
        date: Option<Date>,
        /// The files' creation time, HHMM.
        #[arg(long, default_value_t = 1700)]
        time: u16,
        #[arg(long, default_value = ".")]
        out: PathBuf,
    },
    /// Apply the bank's return / notification-of-change file, all or nothing.
    Returns {
        file: PathBuf,
        /// The day it was received.
        #[arg(long)]
        date: Option<Date>,
    },
    /// ACH files sent and received, newest first.
    Files {
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// Save a file as the bank got it (or sent it).
    File {
        file: i64,
        #[arg(long, default_value = ".")]
        out: PathBuf,
    },
    /// Replay every debit sent against the rules (its mandate at the time,
    /// prenote wait, retries, fees); each breach named; exit 1 if any.
    Verify,
    /// Return rates over the last 60 days against Nacha's thresholds.
    Rates {
        #[arg(long)]
        date: Option<Date>,
    },
}

impl AchCommand {
    /// Whether the command reads no books (runs without a database).
    pub fn without_books(&self) -> bool {
        matches!(self, AchCommand::Routing { .. } | AchCommand::Read { .. })
    }
}

/// `settle bank-sim`: the bank's answer to a NACHA file Settle sent.
#[derive(clap::Args, Debug)]
pub struct BankSimArgs {
    /// The NACHA file Settle sent.
    file: PathBuf,
    /// Rules (CSV: field,value,code,corrected); the demo's bank when left out.
    #[arg(long)]
    rules: Option<PathBuf>,
    /// The day the bank answers.
    #[arg(long)]
    date: Option<Date>,
    /// Where to write the answer; printed when left out.
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Answers a NACHA file by rules, as a bank's returns and changes would.
pub fn bank_sim(args: &BankSimArgs, today: Date) -> Result<ExitCode> {
    let text = std::fs::read_to_string(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let sent = match nacha::read(&text) {
        Ok(file) => file,
        Err(problems) => {
            eprintln!("{}: refused, nothing answered:", args.file.display());
            for p in &problems {
                eprintln!("  {p}");
            }
            return Ok(ExitCode::FAILURE);
        }
    };
    let rules_text = match &args.rules {
        Some(path) => std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?,
        None => bank_sim::DEMO_RULES.to_string(),
    };
    let rules = match bank_sim::parse_rules(&rules_text) {
        Ok(rules) => rules,
        Err(why) => {
            eprintln!("rules: {why}");
            return Ok(ExitCode::FAILURE);
        }
    };
    let Some(answer) = bank_sim::answer(&sent, &rules, args.date.unwrap_or(today), 900) else {
        eprintln!("{}: no entry matched a rule; the bank has nothing to return", args.file.display());
        return Ok(ExitCode::SUCCESS);
    };
    match &args.out {
        Some(path) => {
            std::fs::write(path, &answer).with_context(|| format!("writing {}", path.display()))?;
            eprintln!("{}", path.display());
        }
        None => print!("{answer}"),
    }
    Ok(ExitCode::SUCCESS)
}

pub fn run(command: &AchCommand) -> Result<ExitCode> {
    match command {
        AchCommand::Routing { number } => match RoutingNumber::parse(number) {
            Ok(routing) => {
                println!("{routing}: a well-formed routing number (check digit {})", &routing.as_str()[8..]);
                Ok(ExitCode::SUCCESS)
            }
            Err(why) => {
                eprintln!("{why}");
                Ok(ExitCode::FAILURE)
            }
        },
        AchCommand::Read { file, format } => read(file, *format),
        _ => unreachable!("the books' commands run in ach_books"),
    }
}

fn read(path: &PathBuf, format: crate::Format) -> Result<ExitCode> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let file = match nacha::read(&text) {
        Ok(file) => file,
        Err(problems) => return Ok(super::refused(path, &problems)),
    };
    let rows = rows(&file);
    match format {
        crate::Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "destination": file.destination.trim(),
                "origin": file.origin.trim(),
                "created_on": file.created_on.to_string(),
                "file_id_modifier": file.file_id_modifier.to_string(),
                "entries": rows,
            }))?
        ),
        crate::Format::Csv => {
            let cells: Vec<Vec<String>> = rows
                .iter()
                .map(|row| {
                    COLUMNS
                        .iter()
                        .map(|c| row[*c].as_str().map_or_else(|| row[*c].to_string(), str::to_string))
                        .collect()
                })
                .collect();
            crate::output::rows(COLUMNS, &cells, format)?;
        }
        crate::Format::Table => {
            println!(
                "{}: from {} to {}, made {} (file {}), {} batch{}",
                path.display(),
                file.origin_name,
                file.destination_name,
                file.created_on,
                file.file_id_modifier,
                file.batches.len(),
                if file.batches.len() == 1 { "" } else { "es" }
            );
            for row in &rows {
                let code = row["code"].as_str().unwrap_or("");
                let answer = if code.is_empty() {
                    String::new()
                } else {
                    format!(
                        "  {code} {} -> {}",
                        row["meaning"].as_str().unwrap_or(""),
                        row["handling"].as_str().unwrap_or("")
                    )
                };
                println!(
                    "  batch {} {} {:<10} {} {:>14} {:<22} {}{}",
                    row["batch"],
                    row["sec"].as_str().unwrap_or(""),
                    row["description"].as_str().unwrap_or(""),
                    row["trace"].as_str().unwrap_or(""),
                    format!("{} {}", row["direction"].as_str().unwrap_or(""), row["amount"].as_str().unwrap_or("")),
                    row["name"].as_str().unwrap_or(""),
                    row["account"].as_str().unwrap_or(""),
                    answer
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

const COLUMNS: &[&str] = &[
    "batch",
    "sec",
    "description",
    "trace",
    "transaction_code",
    "direction",
    "amount",
    "routing",
    "account",
    "name",
    "individual_id",
    "code",
    "meaning",
    "handling",
    "original_trace",
    "corrected_data",
];

/// One row per entry; a return or NOC's code read as it meant on the day
/// the file was made.
fn rows(file: &nacha::NachaFile) -> Vec<serde_json::Value> {
    let mut out = Vec::new();
    for batch in &file.batches {
        for entry in &batch.entries {
            let (code, original_trace, corrected) = entry
                .addenda
                .iter()
                .find_map(|a| match a {
                    Addenda::Return { code, original_trace, .. } => Some((code.clone(), original_trace.clone(), String::new())),
                    Addenda::Change {
                        code,
                        original_trace,
                        corrected_data,
                        ..
                    } => Some((code.clone(), original_trace.clone(), corrected_data.clone())),
                    Addenda::Payment(_) => None,
                })
                .unwrap_or_default();
            let known = (!code.is_empty()).then(|| codes::lookup(&code, file.created_on)).flatten();
            let meaning = match (&known, code.is_empty()) {
                (Some(k), _) => k.words.clone(),
                (None, false) => "not a code Settle holds; see the Nacha Operating Rules, appendices four and five".to_string(),
                (None, true) => String::new(),
            };
            out.push(serde_json::json!({
                "batch": batch.number,
                "sec": batch.sec,
                "description": batch.description,
                "trace": entry.trace,
                "transaction_code": entry.transaction_code,
                "direction": if entry.is_debit() { "debit" } else { "credit" },
                "amount": format_minor(entry.amount_minor, 2),
                "routing": entry.routing.as_str(),
                "account": entry.account,
                "name": entry.name,
                "individual_id": entry.individual_id,
                "code": code,
                "meaning": meaning,
                "handling": known.map(|k| k.handling.as_str()).unwrap_or(""),
                "original_trace": original_trace,
                "corrected_data": corrected,
            }));
        }
    }
    out
}
