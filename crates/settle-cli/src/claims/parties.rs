//! `settle payer`, `settle provider`, `settle coverage`: the parties of
//! medical claims.

use crate::address_args::AddressArgs;
use anyhow::Result;
use clap::Subcommand;
use settle_domain::Date;
use settle_store::claims::{NewCoverage, NewPayer, NewProvider};
use settle_store::platform::Organisation;
use settle_store::Store;

// Parsed once per run: the size of a variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand, Debug)]
pub enum PayerCommand {
    /// Add an insurance payer.
    Add {
        /// The payer's id for electronic claims.
        code: String,
        #[arg(long)]
        name: String,
        /// MB (Medicare Part B), MC (Medicaid), HM (HMO), CI (commercial) or BL (Blue Cross).
        #[arg(long)]
        filing: String,
        /// Days after the date of service within which the payer accepts claims.
        #[arg(long, default_value_t = 365)]
        timely_days: u32,
        /// Days after a denial within which the payer takes an appeal (180 if absent; Medicare's is 120).
        #[arg(long)]
        appeal_days: Option<u32>,
        /// Days after the payer's decision within which it takes a corrected claim (absent: within the filing limit from the date of service).
        #[arg(long)]
        corrected_days: Option<u32>,
        #[command(flatten)]
        address: AddressArgs,
    },
    List,
    /// What payers require, by rule: Settle's built-in rules and your own (`--csv` prints your own as CSV).
    Rules {
        /// Print your own rules as the CSV `settle payer rules-import` reads.
        #[arg(long)]
        csv: bool,
    },
    /// Replace your own payer rules with a CSV file's (scope,requires,procedures,places,diagnoses,level,why), all or nothing.
    RulesImport {
        file: std::path::PathBuf,
    },
}

// Parsed once per run: the size of a variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand, Debug)]
pub enum ProviderCommand {
    /// Add a billing or rendering provider.
    Add {
        npi: String,
        #[arg(long)]
        name: String,
        /// person (a rendering clinician) or organisation (a billing entity).
        #[arg(long, default_value = "person")]
        kind: String,
        #[arg(long, default_value = "")]
        taxonomy: String,
        /// EIN or SSN.
        #[arg(long, default_value = "")]
        tax_id: String,
        #[command(flatten)]
        address: AddressArgs,
        /// Where payments go, when not to the address above (2010AB), as
        /// one line.
        #[arg(long, default_value = "")]
        pay_to: String,
    },
    List,
    /// Set where a billing provider is paid (the 837P's pay-to address,
    /// loop 2010AB); with no address, payments go to its own address.
    PayTo {
        npi: String,
        /// One line: "PO Box 9000, Springfield, IL 62704-9000".
        #[arg(default_value = "")]
        address: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum CoverageCommand {
    /// Add an insurance coverage to a patient account.
    Add {
        account: String,
        #[arg(long)]
        payer: String,
        #[arg(long)]
        member_id: String,
        #[arg(long, default_value = "")]
        group: String,
        /// self, spouse, child or other.
        #[arg(long, default_value = "self")]
        relationship: String,
        /// The subscriber, when the patient is not, as one line (or by its parts).
        #[arg(long, default_value = "")]
        subscriber: String,
        #[command(flatten)]
        subscriber_parts: crate::name_args::SubscriberNameArgs,
        /// primary, secondary or tertiary.
        #[arg(long, default_value = "primary")]
        priority: String,
        #[arg(long)]
        from: Date,
        #[arg(long)]
        to: Option<Date>,
    },
    /// A patient account's coverages, primary first, with their latest eligibility answers.
    List { account: String },
    /// Ask the payer whether a coverage is active: writes a 270 (read the 271 back with `settle claim ack`).
    Check {
        account: String,
        #[arg(long)]
        payer: String,
        /// The day to ask about; today if absent.
        #[arg(long)]
        date: Option<Date>,
        /// Where to write the 270; printed if absent.
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
}

/// A payer's corrected-claim window in words.
fn corrections(days: Option<i64>) -> String {
    days.map_or_else(|| "within the filing limit".to_string(), |d| format!("{d} days after a decision"))
}

pub async fn payer(store: &Store, org: &Organisation, command: PayerCommand) -> Result<()> {
    match command {
        PayerCommand::Add {
            code,
            name,
            filing,
            timely_days,
            appeal_days,
            corrected_days,
            address,
        } => {
            let cmd = NewPayer {
                payer_code: code,
                name,
                filing_indicator: filing,
                timely_filing_days: timely_days,
                appeal_days,
                corrected_claim_days: corrected_days,
                address: address.input().unwrap_or_default(),
            };
            let payer = store.add_payer(org, &cmd).await?;
            println!(
                "Added payer {} ({}, {}, {} days to file, {} to appeal, corrections {})",
                payer.payer_code,
                payer.name,
                payer.filing_indicator,
                payer.timely_filing_days,
                payer.appeal_days,
                corrections(payer.corrected_claim_days)
            );
        }
        PayerCommand::List => {
            for p in store.payers(org).await? {
                println!(
                    "{:<16} {:<4} {:>5} days to file  {:>4} to appeal  corrections {:<22} {}",
                    p.payer_code,
                    p.filing_indicator,
                    p.timely_filing_days,
                    p.appeal_days,
                    corrections(p.corrected_claim_days),
                    p.name
                );
            }
        }
        PayerCommand::Rules { csv } => {
            let rules = store.payer_rules(org).await?;
            if csv {
                print!("{}", rules.csv);
                return Ok(());
            }
            for r in rules.built_in.iter().chain(&rules.own) {
                let applies = [("codes", &r.procedures), ("places", &r.places), ("diagnoses", &r.diagnoses)]
                    .iter()
                    .filter(|(_, v)| !v.is_empty())
                    .map(|(k, v)| format!("{k} {v}"))
                    .collect::<Vec<_>>()
                    .join(", ");
                println!(
                    "{:<10} {:<16} {:<20} {:<8} {}  ({}){}",
                    r.id,
                    r.scope,
                    r.requires,
                    r.level,
                    if applies.is_empty() { "every claim".to_string() } else { applies },
                    r.why,
                    if r.off { "  [turned off]" } else { "" }
                );
            }
        }
        PayerCommand::RulesImport { file } => {
            let text = std::fs::read_to_string(&file).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            let n = store.replace_payer_rules(org, &settle_store::claims::ReplacePayerRules { csv: text }).await?;
            println!(
                "{n} payer rule(s) from {} now apply, beside Settle's built-in rules; claims are checked against them when next scrubbed.",
                file.display()
            );
        }
    }
    Ok(())
}

pub async fn provider(store: &Store, org: &Organisation, command: ProviderCommand) -> Result<()> {
    match command {
        ProviderCommand::Add {
            npi,
            name,
            kind,
            taxonomy,
            tax_id,
            address,
            pay_to,
        } => {
            let cmd = NewProvider {
                npi,
                name,
                kind,
                taxonomy,
                tax_id,
                address: address.input().unwrap_or_default(),
                pay_to: pay_to.into(),
            };
            let provider = store.add_provider(org, &cmd).await?;
            println!("Added provider {} {} ({})", provider.npi, provider.name, provider.kind);
        }
        ProviderCommand::List => {
            for p in store.providers(org).await? {
                let paid = if p.pay_to.is_empty() {
                    String::new()
                } else {
                    format!("  paid at {}", p.pay_to)
                };
                println!("{}  {:<12} {:<10} {}{paid}", p.npi, p.kind, p.taxonomy, p.name);
            }
        }
        ProviderCommand::PayTo { npi, address } => {
            let p = store
                .set_provider_pay_to(org, &npi, &settle_store::claims::SetPayTo { pay_to: address.into() })
                .await?;
            if p.pay_to.is_empty() {
                println!("{} ({}) is paid at its own address.", p.name, p.npi);
            } else {
                println!("{} ({}) is paid at {}.", p.name, p.npi, p.pay_to);
            }
        }
    }
    Ok(())
}

pub async fn coverage(store: &Store, org: &Organisation, command: CoverageCommand) -> Result<()> {
    match command {
        CoverageCommand::Add {
            account,
            payer,
            member_id,
            group,
            relationship,
            subscriber,
            subscriber_parts,
            priority,
            from,
            to,
        } => {
            let cmd = NewCoverage {
                subscriber_name_parts: subscriber_parts.parts(),
                account_number: account,
                payer_code: payer,
                member_id,
                group_number: group,
                subscriber_name: subscriber,
                relationship,
                priority,
                effective_from: from,
                effective_to: to,
            };
            let c = store.add_coverage(org, &cmd).await?;
            println!("Added {} coverage with {} ({}), member {}", c.priority, c.payer_name, c.payer_code, c.member_id);
        }
        CoverageCommand::List { account } => {
            for c in store.coverages(org, &account).await? {
                println!(
                    "{:<9} {:<16} member {:<16} group {:<10} {} from {} to {}",
                    c.priority,
                    c.payer_code,
                    c.member_id,
                    c.group_number,
                    c.relationship,
                    c.effective_from,
                    c.effective_to.as_deref().unwrap_or("open")
                );
            }
            for e in store.eligibility(org, &account).await? {
                println!(
                    "eligibility {} with {}: {}{}{}{}{}{}",
                    e.service_date,
                    e.payer_code,
                    e.status,
                    if e.plan_name.is_empty() {
                        String::new()
                    } else {
                        format!(", {}", e.plan_name)
                    },
                    e.copay.map(|c| format!(", copay {c}")).unwrap_or_default(),
                    e.coinsurance_percent.map(|c| format!(", coinsurance {c}%")).unwrap_or_default(),
                    e.deductible.map(|c| format!(", deductible {c}")).unwrap_or_default(),
                    if e.message.is_empty() { String::new() } else { format!(" ({})", e.message) }
                );
            }
        }
        CoverageCommand::Check { account, payer, date, out } => {
            let today = jiff::Zoned::now().date();
            let asked = store
                .ask_eligibility(
                    org,
                    &settle_store::claims::AskEligibility {
                        account_number: account,
                        payer_code: payer,
                        service_date: date,
                    },
                    today,
                )
                .await?;
            match out {
                Some(path) => {
                    std::fs::write(&path, &asked.body)?;
                    println!(
                        "Wrote the 270 to {} (trace {}); read the payer's 271 with `settle claim ack FILE`.",
                        path.display(),
                        asked.trace
                    );
                }
                None => print!("{}", asked.body),
            }
        }
    }
    Ok(())
}
