//! `settle write-off small`: the small balances across every account,
//! listed, or written off together in one transaction (all or none; those
//! above the approval limit held).

use anyhow::Result;
use clap::Subcommand;
use settle_domain::money::{Currency, Money};
use settle_domain::Date;
use settle_store::billing::{AdjustmentOutcome, NewAdjustment, MAX_BULK};
use settle_store::platform::Organisation;
use settle_store::Store;

#[derive(Subcommand, Debug)]
pub enum WriteOffCommand {
    /// Open items owing at most --under: listed with --dry-run, else written off together.
    Small {
        /// The most an item may owe to be listed, such as 5.00.
        #[arg(long)]
        under: String,
        /// small_balance_write_off, bad_debt_write_off, charity or courtesy_discount.
        #[arg(long, default_value = "small_balance_write_off")]
        reason: String,
        #[arg(long, default_value = "")]
        memo: String,
        /// The write-offs' date (today when left out).
        #[arg(long)]
        date: Option<Date>,
        /// Only list what would be written off.
        #[arg(long)]
        dry_run: bool,
    },
}

pub async fn run(store: &Store, org: &Organisation, command: WriteOffCommand, today: Date) -> Result<()> {
    let WriteOffCommand::Small {
        under,
        reason,
        memo,
        date,
        dry_run,
    } = command;
    let cur = Currency::from_code(&org.base_currency)?;
    let under = Money::parse(under.trim(), cur).map_err(|e| anyhow::anyhow!("--under: {e}"))?;
    let items = store.small_balances(org, under, MAX_BULK as i64).await?;
    for i in &items {
        println!("{:<12} {:<14} {:>10}  {} ({})", i.account_number, i.reference, i.balance, i.name, i.due_date);
    }
    if dry_run || items.is_empty() {
        println!(
            "{} item(s) owe {} {} or less{}.",
            items.len(),
            under.to_decimal_string(),
            cur.code(),
            if dry_run { "; nothing written off (--dry-run)" } else { "" }
        );
        return Ok(());
    }
    let cmds: Vec<NewAdjustment> = items
        .iter()
        .map(|i| NewAdjustment {
            reference: i.reference.clone(),
            reason: reason.clone(),
            amount: i.balance.clone(),
            date: date.unwrap_or(today),
            memo: memo.clone(),
        })
        .collect();
    let outcomes = store.submit_adjustments(org, &cmds).await?;
    let held = outcomes.iter().filter(|o| matches!(o, AdjustmentOutcome::Held(_))).count();
    println!("Wrote off {} item(s); {held} held for approval.", outcomes.len() - held);
    Ok(())
}
