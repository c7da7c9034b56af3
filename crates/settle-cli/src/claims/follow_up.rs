//! `settle follow-up`: insurance follow-up. The ranked list of claims a
//! payer has not finished with (no answer, rejected, denied, paid in part),
//! with the deadline each runs against; a call to a payer recorded on a
//! claim; a claim's follow-up handed to a person.

use anyhow::Result;
use clap::Subcommand;
use settle_domain::Date;
use settle_store::claims::{AskClaimStatus, AssignFollowUp, FollowUpFilter, PayerCall};
use settle_store::platform::Organisation;
use settle_store::Store;

#[derive(Subcommand, Debug)]
pub enum FollowUpCommand {
    /// The claims to work today, ranked: near a deadline first (nearest
    /// first), then the most dollars, then those past their deadline.
    List {
        /// One payer, by its code.
        #[arg(long)]
        payer: Option<String>,
        /// One person's claims ("" for the unassigned).
        #[arg(long)]
        assigned_to: Option<String>,
        /// Also the claims that are waiting (an answer not yet due, a
        /// follow-up date ahead).
        #[arg(long)]
        all: bool,
        /// One claim: where it stands, its deadline and next step.
        #[arg(long)]
        claim: Option<String>,
        /// At most this many claims (the first page); all if absent.
        #[arg(long)]
        limit: Option<u32>,
        /// Skip this many ranked claims first (the next page).
        #[arg(long)]
        offset: Option<u32>,
    },
    /// Record a call to a payer about a claim.
    Call {
        claim: String,
        /// What the payer said.
        #[arg(long)]
        said: String,
        /// The payer's call reference number.
        #[arg(long, default_value = "")]
        reference: String,
        /// Who answered for the payer.
        #[arg(long, default_value = "")]
        rep: String,
        /// The day of the call (today if absent).
        #[arg(long)]
        on: Option<Date>,
        /// When to look at the claim again.
        #[arg(long)]
        next: Option<Date>,
    },
    /// The calls recorded on a claim.
    Calls { claim: String },
    /// Write off a claim the payer will never pay (past its filing limit):
    /// what the payer owes is adjusted off as contractual, the claim closed.
    WriteOff {
        claim: String,
        /// Why (for a claim past its limit: "timely filing limit passed ... (CARC 29)").
        #[arg(long)]
        memo: String,
        /// The day of the adjustment (today if absent).
        #[arg(long)]
        on: Option<Date>,
    },
    /// Rank today's list now (run nightly, after midnight, so the first
    /// biller of the day does not wait for a large book's ranking).
    Rank,
    /// Hand a claim's follow-up to a person ("" to no one).
    Assign { claim: String, to: String },
    /// Ask a payer where claims stand: writes a 276 (005010X212). Read the
    /// payer's 277 with `settle claim ack FILE`.
    AskStatus {
        /// The payer, by its code.
        #[arg(long)]
        payer: String,
        /// The claims; none: every claim of this payer the list says to ask about.
        claims: Vec<String>,
        /// Where to write the 276 (printed if absent).
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
}

pub async fn run(store: &Store, org: &Organisation, command: FollowUpCommand, today: Date) -> Result<()> {
    match command {
        FollowUpCommand::WriteOff { claim, memo, on } => {
            let cmd = settle_store::claims::WriteOffClaim {
                claim_number: claim.clone(),
                date: on,
                memo,
            };
            let amount = store.write_off_claim(org, &cmd, today).await?;
            println!("{amount} written off {}; the claim is closed.", claim.trim().to_ascii_uppercase());
        }
        FollowUpCommand::Rank => {
            let started = std::time::Instant::now();
            let c = store.rank_follow_up(org, today).await?;
            println!(
                "Ranked the follow-up list for {today} in {:.1} s: {} to work ({} near a deadline, {} due, {} past a deadline), {} waiting.",
                started.elapsed().as_secs_f64(),
                c.to_work(),
                c.near_deadline,
                c.due,
                c.past_deadline,
                c.waiting
            );
        }
        FollowUpCommand::List {
            payer,
            assigned_to,
            all,
            claim,
            limit,
            offset,
        } => {
            let filter = FollowUpFilter {
                payer,
                assigned_to,
                all: Some(all || claim.is_some()),
                claim,
                limit,
                offset,
            };
            let rows = store.follow_up(org, &filter, today).await?;
            if rows.is_empty() {
                println!("No claim needs follow-up on {today}.");
                return Ok(());
            }
            println!(
                "{:>4}  {:<14} {:<14} {:<10} {:<8} {:>11}  {:<13} {:<26} {:<18} why",
                "rank", "claim", "status", "payer", "age", "open", "urgency", "deadline", "next step"
            );
            for r in &rows {
                let deadline = match (&r.deadline, &r.deadline_on, r.days_left) {
                    (Some(kind), Some(on), Some(left)) => format!("{kind} {on} ({left}d)"),
                    _ => String::new(),
                };
                println!(
                    "{:>4}  {:<14} {:<14} {:<10} {:<8} {:>11}  {:<13} {:<26} {:<18} {}{}",
                    r.rank,
                    r.claim_number,
                    r.status,
                    r.payer_code,
                    format!("{}d", r.age_days),
                    r.open,
                    r.urgency,
                    deadline,
                    r.next_step,
                    r.why,
                    if r.assigned_to.is_empty() {
                        String::new()
                    } else {
                        format!(" [{}]", r.assigned_to)
                    }
                );
            }
        }
        FollowUpCommand::Call {
            claim,
            said,
            reference,
            rep,
            on,
            next,
        } => {
            let cmd = PayerCall {
                claim_number: claim.clone(),
                called_on: on,
                reference,
                rep,
                said,
                next_follow_up: next,
            };
            let calls = store.log_payer_call(org, &cmd, today).await?;
            println!("Call recorded on {claim} ({} call(s) on it).", calls.len());
            if let Some(next) = next {
                println!("It comes back on the follow-up list on {next}.");
            }
        }
        FollowUpCommand::Calls { claim } => {
            let calls = store.payer_calls(org, &claim).await?;
            if calls.is_empty() {
                println!("No calls recorded on {claim}.");
            }
            for c in &calls {
                println!(
                    "{}  {:<20} {:<20} {}{}  (by {})",
                    c.called_on,
                    c.rep,
                    c.reference,
                    c.said,
                    c.next_follow_up.as_deref().map(|d| format!("; follow up on {d}")).unwrap_or_default(),
                    c.by
                );
            }
        }
        FollowUpCommand::AskStatus { payer, claims, out } => {
            let asked = store
                .ask_claim_status(
                    org,
                    &AskClaimStatus {
                        payer_code: payer,
                        claim_numbers: claims,
                    },
                    today,
                )
                .await?;
            match out {
                Some(path) => {
                    std::fs::write(&path, &asked.body)?;
                    println!(
                        "Wrote a 276 asking about {} claim(s) ({}) to {} (file {}).",
                        asked.claims.len(),
                        asked.claims.join(", "),
                        path.display(),
                        asked.file_id
                    );
                }
                None => print!("{}", asked.body),
            }
        }
        FollowUpCommand::Assign { claim, to } => {
            store
                .assign_follow_up(
                    org,
                    &AssignFollowUp {
                        claim_number: claim.clone(),
                        assigned_to: to.clone(),
                    },
                )
                .await?;
            if to.is_empty() {
                println!("{claim}'s follow-up is assigned to no one.");
            } else {
                println!("{claim}'s follow-up is assigned to {to}.");
            }
        }
    }
    Ok(())
}
