//! `settle codes icd10 ...`: look up and search the ICD-10-CM list shipped
//! in the binary.

use std::process::ExitCode;

use anyhow::Result;
use clap::Subcommand;
use settle_domain::codes::IcdCode;
use settle_domain::icd10::IcdCatalog;

#[derive(Subcommand, Debug)]
pub enum CodesCommand {
    /// ICD-10-CM diagnosis codes (FY2026, CDC/NCHS).
    #[command(subcommand)]
    Icd10(Icd10Command),
}

#[derive(Subcommand, Debug)]
pub enum Icd10Command {
    /// One code: its description and whether it may go on a claim; exit 1 if not.
    Show { code: String },
    /// Codes starting with the query, or whose description has all its words.
    Search {
        query: Vec<String>,
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
}

pub fn run(command: &CodesCommand) -> Result<ExitCode> {
    let CodesCommand::Icd10(command) = command;
    let catalog = IcdCatalog::get();
    match command {
        Icd10Command::Show { code } => {
            let code = IcdCode::parse(code)?;
            match catalog.billable(&code) {
                Ok(entry) => {
                    println!("{}  {}  (billable)", entry.code.dotted(), entry.description);
                    Ok(ExitCode::SUCCESS)
                }
                Err(error) => {
                    println!("{error}");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        Icd10Command::Search { query, limit } => {
            let found = catalog.search(&query.join(" "), (*limit).clamp(1, 1000));
            for entry in &found {
                let note = if entry.billable { "" } else { "  (category: not billable)" };
                println!("{:<9} {}{note}", entry.code.dotted(), entry.description);
            }
            if found.is_empty() {
                println!("No ICD-10-CM code matches {:?}.", query.join(" "));
            }
            eprintln!("{}", catalog.source);
            Ok(ExitCode::SUCCESS)
        }
    }
}
