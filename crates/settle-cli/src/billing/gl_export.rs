//! `settle books ...`: the books out to a general ledger (QuickBooks
//! Online, QuickBooks Desktop, Xero, CSV): the mapping, what is due, an
//! export written to a file, any export written again, and closing a
//! period. Glue only: the rules are `settle_domain::gl_export` and the store's.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Subcommand;
use settle_domain::Date;
use settle_store::gl_export::{CloseBooks, GlJournalView, NewGlExport, SetMapping};
use settle_store::platform::Organisation;
use settle_store::Store;

#[derive(Subcommand, Debug)]
pub enum BooksCommand {
    /// Settle's chart of accounts and where each account goes in the general ledger.
    Mapping,
    /// Map one of Settle's accounts to the general ledger's.
    Map {
        /// Settle's account code (1000, 1110, 4000, ...).
        gl_code: String,
        /// The account as the general ledger names it (a QuickBooks name, a Xero code).
        target_account: String,
        /// QuickBooks Online's account id (for its API's JSON).
        #[arg(long)]
        id: Option<String>,
    },
    /// The daily journals the next export would send (nothing recorded).
    Due {
        /// The last day sent; yesterday when left out.
        #[arg(long)]
        through: Option<Date>,
        #[arg(long)]
        from: Option<Date>,
    },
    /// Send what is due: each day's journal (and corrections of days sent
    /// before), recorded, written in the format asked.
    Export {
        /// qbo-json, qbo-csv, iif, xero-csv or csv.
        #[arg(long)]
        format: String,
        /// The last day sent; yesterday when left out.
        #[arg(long)]
        through: Option<Date>,
        /// The first day ever sent (a first export, when the ledger holds what came before).
        #[arg(long)]
        from: Option<Date>,
        /// Where to write it; standard output when left out.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// The exports made, newest first.
    Exports {
        #[arg(long, default_value_t = 20)]
        limit: i64,
    },
    /// An export written again (same ids), in any format.
    File {
        export_id: i64,
        #[arg(long)]
        format: String,
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Close the books through a day: no entry dated on or before it is taken afterwards.
    Close {
        #[arg(long)]
        through: Date,
        #[arg(long, default_value = "")]
        note: String,
        /// Close although days up to it were never exported.
        #[arg(long)]
        without_export: bool,
    },
    /// The closes, newest first.
    Closes,
}

fn write_out(output: Option<&Path>, content: &str) -> Result<()> {
    match output {
        Some(path) => std::fs::write(path, content).with_context(|| format!("writing {}", path.display())),
        None => {
            print!("{content}");
            Ok(())
        }
    }
}

fn print_journals(journals: &[GlJournalView], to_stderr: bool) {
    for j in journals {
        let line = format!(
            "{:<21} {} {} debits {:>14}{}",
            j.journal_id,
            j.day,
            j.currency,
            j.debits,
            if j.correction { "  (corrects an earlier journal of this day)" } else { "" }
        );
        if to_stderr {
            eprintln!("{line}");
        } else {
            println!("{line}");
            for l in &j.lines {
                let target = if l.target_account.is_empty() { "(not mapped)" } else { &l.target_account };
                println!("    {} {:<40} {:<32} {:>14} {:>14}", l.gl_code, l.gl_account, target, l.debit, l.credit);
            }
        }
    }
}

pub async fn run(store: &Store, org: &Organisation, command: BooksCommand, today: Date) -> Result<ExitCode> {
    let yesterday = today.yesterday().context("the day before today")?;
    match command {
        BooksCommand::Mapping => {
            for m in store.gl_mapping(org).await? {
                let target = if m.target_account.is_empty() {
                    "(not mapped)".to_string()
                } else {
                    m.target_account
                };
                let id = if m.target_id.is_empty() {
                    String::new()
                } else {
                    format!("  id {}", m.target_id)
                };
                println!("{} {:<40} -> {target}{id}", m.gl_code, m.gl_account);
            }
        }
        BooksCommand::Map { gl_code, target_account, id } => {
            let m = store
                .set_gl_mapping(
                    org,
                    &SetMapping {
                        gl_code,
                        target_account,
                        target_id: id,
                    },
                )
                .await?;
            println!("{} {} -> {}", m.gl_code, m.gl_account, m.target_account);
        }
        BooksCommand::Due { through, from } => {
            let journals = store.gl_export_due(org, from, through.unwrap_or(yesterday)).await?;
            if journals.is_empty() {
                println!("Nothing is due: every day was sent and nothing changed since.");
            }
            print_journals(&journals, false);
        }
        BooksCommand::Export { format, through, from, output } => {
            let through = through.unwrap_or(yesterday);
            match store.export_gl(org, &NewGlExport { through, from, format }).await? {
                None => eprintln!("Nothing to export through {through}: every day was sent and nothing changed since."),
                Some((view, content)) => {
                    write_out(output.as_deref(), &content)?;
                    eprintln!("Export {} through {}: {} journal(s)", view.export_id, view.through, view.journals.len());
                    print_journals(&view.journals, true);
                }
            }
        }
        BooksCommand::Exports { limit } => {
            for e in store.gl_exports(org, limit).await? {
                println!(
                    "{:>4} {} through {}{} by {}: {} journal(s)",
                    e.export_id,
                    e.created_at,
                    e.through,
                    e.from.map(|f| format!(" from {f}")).unwrap_or_default(),
                    e.created_by,
                    e.journals.len()
                );
            }
        }
        BooksCommand::File { export_id, format, output } => {
            let (_, content) = store.gl_export_file(org, export_id, &format).await?;
            write_out(output.as_deref(), &content)?;
        }
        BooksCommand::Close { through, note, without_export } => {
            let c = store.close_books(org, &CloseBooks { through, note, without_export }).await?;
            println!("The books are closed through {} (close {}).", c.closed_through, c.close_id);
        }
        BooksCommand::Closes => {
            for c in store.books_closes(org).await? {
                println!(
                    "{:>3} through {} at {} by {} {}",
                    c.close_id, c.closed_through, c.created_at, c.created_by, c.note
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
