//! `settle export journal`: the books as CSV, beancount or ledger text, so
//! that hledger, ledger and beancount can check Settle's balances.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};
use settle_domain::money::{format_minor, Currency};
use settle_store::billing::ledger_path;
use settle_store::platform::Organisation;
use settle_store::Store;

use super::JournalFormat;

const PAGE: i64 = 5_000;

pub async fn journal(store: &Store, org: &Organisation, format: JournalFormat, output: Option<&Path>) -> Result<()> {
    let mut out: Box<dyn Write> = match output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    match format {
        JournalFormat::Csv => writeln!(out, "entry_id,date,kind,gl_code,gl_account,account,item,currency,amount,memo")?,
        JournalFormat::Beancount => {
            writeln!(out, "; Settle journal for {} ({})", org.name, org.slug)?;
            writeln!(out, "option \"operating_currency\" \"{}\"", org.base_currency)?;
            writeln!(out, "1970-01-01 open Equity:Opening")?;
            for gl in settle_domain::ledger::GlAccount::ALL {
                writeln!(out, "1970-01-01 open {}", gl.ledger_path())?;
            }
        }
        JournalFormat::Ledger => writeln!(out, "; Settle journal for {} ({})", org.name, org.slug)?,
    }
    let mut after = 0;
    loop {
        let page = store.journal_page(org, after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.entry_id;
        // One CSV writer per page, not per posting: this loop runs once per entry.
        let mut csv_out = (format == JournalFormat::Csv).then(|| csv::WriterBuilder::new().has_headers(false).from_writer(Vec::new()));
        for entry in &page {
            let currency = Currency::from_code(&entry.currency)?;
            let amount = |minor: i64| format_minor(minor, currency.exponent());
            let memo = entry.memo.replace(['"', '\n'], "'");
            match format {
                JournalFormat::Csv => {
                    let w = csv_out.as_mut().expect("made for CSV");
                    for p in &entry.postings {
                        w.write_record([
                            entry.entry_id.to_string(),
                            entry.date.clone(),
                            entry.kind.clone(),
                            p.gl_code.clone(),
                            ledger_path(&p.gl_code).to_string(),
                            p.account_number.clone().unwrap_or_default(),
                            p.item.clone().unwrap_or_default(),
                            entry.currency.clone(),
                            amount(p.amount_minor),
                            memo.clone(),
                        ])?;
                    }
                }
                JournalFormat::Beancount => {
                    writeln!(out, "\n{} * \"{}\" ^settle-{}", entry.date, memo, entry.entry_id)?;
                    for p in &entry.postings {
                        writeln!(out, "  {:40} {:>16} {}", ledger_path(&p.gl_code), amount(p.amount_minor), entry.currency)?;
                    }
                }
                JournalFormat::Ledger => {
                    writeln!(out, "\n{} * {}  ; settle entry {}", entry.date.replace('-', "/"), memo, entry.entry_id)?;
                    for p in &entry.postings {
                        writeln!(out, "    {:40}  {:>16} {}", ledger_path(&p.gl_code), amount(p.amount_minor), entry.currency)?;
                    }
                }
            }
        }
        if let Some(w) = csv_out {
            out.write_all(&w.into_inner()?)?;
        }
    }
    out.flush()?;
    Ok(())
}
