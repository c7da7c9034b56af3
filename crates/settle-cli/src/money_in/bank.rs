//! `settle bank read FILE`: a bank statement (BAI2) read whole, without the
//! books: each account's transactions with their direction, amount,
//! references and text; every problem by line and field, exit 1, when it
//! does not read (nothing is read then).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Subcommand;
use settle_domain::bank::bai2;
use settle_domain::money::format_minor;

#[derive(Subcommand, Debug)]
pub enum BankCommand {
    /// Read a BAI2 statement whole: accounts, balances and transactions.
    Read {
        file: PathBuf,
        #[arg(long, value_enum, default_value_t = crate::Format::Table)]
        format: crate::Format,
    },
}

const COLUMNS: &[&str] = &[
    "group",
    "as_of",
    "account",
    "line",
    "type_code",
    "direction",
    "amount",
    "bank_reference",
    "customer_reference",
    "text",
];

pub fn run(command: &BankCommand) -> Result<ExitCode> {
    let BankCommand::Read { file: path, format } = command;
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let file = match bai2::read(&text) {
        Ok(file) => file,
        Err(problems) => return Ok(super::refused(path, &problems)),
    };
    let mut rows: Vec<Vec<String>> = Vec::new();
    for (g, group) in file.groups.iter().enumerate() {
        for account in &group.accounts {
            // Amounts are in the currency's minor units (the account's, else the group's; dollars when neither says).
            let code = if account.currency.is_empty() { &group.currency } else { &account.currency };
            let exponent = settle_domain::money::Currency::from_code(code).map_or(2, |c| c.exponent());
            for d in &account.details {
                let direction = match d.credit() {
                    Some(true) => "credit",
                    Some(false) => "debit",
                    None => "bank-defined",
                };
                rows.push(vec![
                    (g + 1).to_string(),
                    group.as_of.to_string(),
                    account.number.clone(),
                    d.line.to_string(),
                    d.type_code.clone(),
                    direction.into(),
                    format_minor(d.amount_minor, exponent),
                    d.bank_reference.clone(),
                    d.customer_reference.clone(),
                    d.text.clone(),
                ]);
            }
        }
    }
    match format {
        crate::Format::Table => {
            println!(
                "{}: from {} to {}, made {}, {} group(s), {} transaction(s)",
                path.display(),
                file.sender,
                file.receiver,
                file.created,
                file.groups.len(),
                rows.len()
            );
            for r in &rows {
                println!("  {} {:<14} {} {:<6} {:>16} {:<16} {}", r[1], r[2], r[4], r[5], r[6], r[7], r[9]);
            }
        }
        crate::Format::Json => {
            let objects: Vec<serde_json::Value> = rows
                .iter()
                .map(|r| serde_json::Value::Object(COLUMNS.iter().zip(r).map(|(k, v)| (k.to_string(), v.clone().into())).collect()))
                .collect();
            println!("{}", serde_json::to_string_pretty(&objects)?);
        }
        crate::Format::Csv => crate::output::rows(COLUMNS, &rows, *format)?,
    }
    Ok(ExitCode::SUCCESS)
}
