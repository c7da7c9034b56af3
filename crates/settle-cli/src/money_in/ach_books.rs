//! `settle ach ...` on the books: originating accounts, mandates, debits
//! (one at a time or a plan's installments), the day's run writing its
//! NACHA files to a folder, the bank's return/NOC file applied, files,
//! and return rates. Glue only: every rule is the store's and the domain's.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Subcommand;
use settle_domain::Date;
use settle_store::money_in::*;
use settle_store::platform::Organisation;
use settle_store::Store;

#[derive(Subcommand, Debug)]
pub enum OriginatorCommand {
    /// Add the organisation's bank account that sends debits.
    Add {
        /// A short name to pick it by ("operating").
        #[arg(long)]
        name: String,
        /// The originating bank's routing number.
        #[arg(long)]
        odfi: String,
        #[arg(long)]
        odfi_name: String,
        /// Ten characters, as the bank assigned them.
        #[arg(long)]
        company_id: String,
        #[arg(long)]
        company_name: String,
        /// The fee charged when a debit comes back R01 or R09.
        #[arg(long)]
        return_fee: Option<String>,
    },
    List,
}

#[derive(Subcommand, Debug)]
pub enum MandateCommand {
    /// Take a payer's authorisation to debit a bank account.
    Add {
        #[arg(long)]
        account: String,
        #[arg(long)]
        holder: String,
        #[arg(long)]
        routing: String,
        #[arg(long)]
        bank_account: String,
        /// checking or savings
        #[arg(long, default_value = "checking")]
        kind: String,
        /// signed (PPD), online (WEB), phone (TEL) or business (CCD)
        #[arg(long)]
        channel: String,
        /// What the payer agreed to, word for word.
        #[arg(long)]
        words: String,
        #[arg(long)]
        authorized_on: Date,
        /// Validate the account with a prenote first (always for online).
        #[arg(long)]
        prenote: bool,
        /// The originating account's name (when there are several).
        #[arg(long)]
        originator: Option<String>,
    },
    /// Mandates with their history (bank accounts by their last four digits).
    List {
        #[arg(long)]
        account: Option<String>,
    },
    /// End a mandate; its scheduled debits are cancelled.
    Revoke {
        mandate: i64,
        #[arg(long)]
        reason: String,
    },
    /// New bank details after a return asked for them (or a hold).
    Details {
        mandate: i64,
        #[arg(long)]
        holder: String,
        #[arg(long)]
        routing: String,
        #[arg(long)]
        bank_account: String,
        #[arg(long, default_value = "checking")]
        kind: String,
        #[arg(long)]
        prenote: bool,
    },
}

pub async fn run(store: &Store, org: &Organisation, command: super::ach::AchCommand, today: Date) -> Result<ExitCode> {
    use super::ach::AchCommand as C;
    match command {
        C::Routing { .. } | C::Read { .. } => unreachable!("read without the books"),
        C::Originator(OriginatorCommand::Add {
            name,
            odfi,
            odfi_name,
            company_id,
            company_name,
            return_fee,
        }) => {
            let o = store
                .add_ach_originator(
                    org,
                    &NewOriginator {
                        name,
                        odfi,
                        odfi_name,
                        company_id,
                        company_name,
                        return_fee,
                    },
                )
                .await?;
            println!(
                "originator {} ({}): {} {}, company {} {}",
                o.originator_id, o.name, o.odfi, o.odfi_name, o.company_id, o.company_name
            );
        }
        C::Originator(OriginatorCommand::List) => {
            for o in store.ach_originators(org).await? {
                println!(
                    "{:>3} {:<12} ODFI {} {:<23} company {} {:<16} return fee {}",
                    o.originator_id, o.name, o.odfi, o.odfi_name, o.company_id, o.company_name, o.return_fee
                );
            }
        }
        C::Mandate(MandateCommand::Add {
            account,
            holder,
            routing,
            bank_account,
            kind,
            channel,
            words,
            authorized_on,
            prenote,
            originator,
        }) => {
            let m = store
                .add_mandate(
                    org,
                    &NewMandate {
                        account_number: account,
                        originator,
                        holder_name: holder,
                        routing,
                        bank_account,
                        account_kind: kind,
                        channel,
                        authorization_text: words,
                        authorized_on,
                        prenote,
                    },
                    today,
                )
                .await?;
            print_mandate(&m);
        }
        C::Mandate(MandateCommand::List { account }) => {
            for m in store.mandates(org, account.as_deref()).await? {
                print_mandate(&m);
            }
        }
        C::Mandate(MandateCommand::Revoke { mandate, reason }) => print_mandate(&store.revoke_mandate(org, mandate, &reason, today).await?),
        C::Mandate(MandateCommand::Details {
            mandate,
            holder,
            routing,
            bank_account,
            kind,
            prenote,
        }) => {
            let details = NewBankDetails {
                holder_name: holder,
                routing,
                bank_account,
                account_kind: kind,
                prenote,
            };
            print_mandate(&store.mandate_new_details(org, mandate, &details, today).await?)
        }
        C::Debit { mandate, amount, due, note } => {
            let d = store
                .schedule_debit(
                    org,
                    &NewDebit {
                        mandate_id: mandate,
                        amount,
                        due_on: due,
                        note,
                    },
                    today,
                )
                .await?;
            print_debits(&[d], crate::Format::Table)?;
        }
        C::Autopay { plan, mandate } => {
            let debits = store
                .autopay_plan(
                    org,
                    &AutopayPlan {
                        plan_id: plan,
                        mandate_id: mandate,
                    },
                    today,
                )
                .await?;
            print_debits(&debits, crate::Format::Table)?;
        }
        C::Debits {
            status,
            account,
            limit,
            format,
        } => {
            print_debits(&store.ach_debits(org, status.as_deref(), account.as_deref(), limit).await?, format)?;
        }
        C::Cancel { debit, reason } => print_debits(&[store.cancel_debit(org, debit, &reason).await?], crate::Format::Table)?,
        C::Run { date, time, out } => {
            let day = date.unwrap_or(today);
            let run = store.ach_run(org, day, time).await?;
            println!(
                "ACH run for {}: effective {}; {} debits and {} prenotes sent, {} settled, {} mandates live after their prenote, {} waiting on their mandate",
                run.as_of, run.effective_on, run.debits_sent, run.prenotes_sent, run.settled, run.activated, run.waiting
            );
            for why in &run.cancelled {
                println!("  not sent: {why}");
            }
            for f in &run.files {
                let path = save(store, org, f.file_id, &out).await?;
                println!(
                    "  file {} from {}: {} entries, {} debited -> {}",
                    f.file_id,
                    f.originator.as_deref().unwrap_or(""),
                    f.entries,
                    f.debit_total,
                    path.display()
                );
            }
        }
        C::Returns { file, date } => {
            let text = std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
            let applied = store.apply_ach_returns(org, &text, date.unwrap_or(today)).await?;
            println!("{}: applied as ACH file {}", file.display(), applied.file_id);
            for r in applied.returns.iter().chain(&applied.changes) {
                println!(
                    "  line {:>3} {} {} debit {} account {} {}: {}",
                    r.line, r.code, r.meaning, r.debit_id, r.account_number, r.amount, r.outcome
                );
            }
        }
        C::Files { limit } => {
            for f in store.ach_files(org, limit).await? {
                println!(
                    "{:>5} {:<8} {} {} {:<12} {:>6} entries {:>14}  {}",
                    f.file_id,
                    f.direction,
                    f.made_on,
                    f.modifier,
                    f.originator.as_deref().unwrap_or("-"),
                    f.entries,
                    f.debit_total,
                    f.file_name
                );
            }
        }
        C::File { file, out } => {
            let path = save(store, org, file, &out).await?;
            println!("{}", path.display());
        }
        C::Verify => {
            let v = store.ach_verify(org).await?;
            println!(
                "ACH verify: {} debits and prenotes replayed, {} returned-payment fees checked: {}",
                v.debits_checked,
                v.fees_checked,
                if v.clean { "every rule held" } else { "BREACHES" }
            );
            for f in &v.findings {
                println!("  debit {} account {}: {}: {}", f.debit_id, f.account_number, f.rule, f.detail);
            }
            if !v.clean {
                return Ok(ExitCode::FAILURE);
            }
        }
        C::Rates { date } => {
            for r in store.ach_return_rates(org, date.unwrap_or(today)).await? {
                println!(
                    "{:<15} {:>4} of {:>6} debits  {:>8}  (Nacha's threshold {}){}",
                    r.name,
                    r.returns,
                    r.debits,
                    r.percent,
                    r.threshold_percent,
                    if r.over { "  OVER" } else { "" }
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes a file as the bank gets it into `dir`, named by the store.
async fn save(store: &Store, org: &Organisation, file_id: i64, dir: &Path) -> Result<PathBuf> {
    let (view, text) = store.ach_file_content(org, file_id).await?;
    std::fs::create_dir_all(dir).with_context(|| format!("making {}", dir.display()))?;
    let path = dir.join(&view.file_name);
    std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
}

fn print_mandate(m: &MandateView) {
    println!(
        "mandate {} account {} {} ({}) {} {} {} {} via {}: {}{}",
        m.mandate_id,
        m.account_number,
        m.holder_name,
        m.channel,
        m.sec,
        m.routing,
        m.bank_account,
        m.account_kind,
        m.originator,
        m.status,
        m.live_from.as_deref().map(|d| format!(", live from {d}")).unwrap_or_default()
    );
    if !m.status_reason.is_empty() {
        println!("  {}", m.status_reason);
    }
    for c in &m.changes {
        println!("  {} {} {} {} -> {} {}", c.day, c.kind, c.code, c.before, c.after, c.note);
    }
}

fn print_debits(debits: &[DebitView], format: crate::Format) -> Result<()> {
    const HEADER: &[&str] = &[
        "debit",
        "mandate",
        "account",
        "purpose",
        "amount",
        "due_on",
        "status",
        "trace",
        "effective_on",
        "payment",
        "return_code",
        "note",
    ];
    let rows: Vec<Vec<String>> = debits
        .iter()
        .map(|d| {
            vec![
                d.debit_id.to_string(),
                d.mandate_id.to_string(),
                d.account_number.clone(),
                d.purpose.clone(),
                d.amount.clone(),
                d.due_on.clone(),
                d.status.clone(),
                d.trace.clone().unwrap_or_default(),
                d.effective_on.clone().unwrap_or_default(),
                d.payment_id.map(|p| p.to_string()).unwrap_or_default(),
                d.return_code.clone().unwrap_or_default(),
                d.note.clone(),
            ]
        })
        .collect();
    crate::output::rows(HEADER, &rows, format)
}
