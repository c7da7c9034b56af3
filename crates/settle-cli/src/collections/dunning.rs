//! `settle dunning`, `settle queue`, `settle plan`, `settle settlement`:
//! the collections day from the command line.

use std::process::ExitCode;

use clap::Subcommand;
use settle_domain::Date;
use settle_store::collections::dunning::{DunningPolicyUpdate, LevelView, RuleInput, RunReport, RunRequest};
use settle_store::collections::{InstallmentInput, NewPlan, NewSettlement, PlanView, SettlementView};
use settle_store::platform::Organisation;
use settle_store::{Store, StoreError};

use anyhow::Result;

#[derive(Subcommand, Debug)]
pub enum DunningCommand {
    /// Run the policy for a day: levels, letters, emails, fees; then rebuild the work queue.
    /// Running it twice for one day changes nothing the second time.
    Run {
        #[arg(long)]
        as_of: Option<Date>,
        /// The instant the contact gate is asked at (RFC 3339); now for today, else 2 p.m. Eastern.
        #[arg(long)]
        at: Option<String>,
        /// Print what would be done; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Print every action (the first 500).
        #[arg(long)]
        verbose: bool,
    },
    /// The dunning policy: its levels, late fees and the plan and settlement limits.
    Policy,
    /// Change the policy; what is not given stays.
    SetPolicy {
        /// A level as NAME:DAYS:MIN_BALANCE:ACTION+ACTION, such as
        /// "first_notice:30:5.00:letter:first_notice+email+fee"; repeat for every level, in order.
        /// Actions: email, letter:reminder|first_notice|final_notice, validation_notice (a debt
        /// collector's notice, 12 CFR 1006.34), call, fee, stage:NAME, hold.
        #[arg(long = "level")]
        levels: Vec<String>,
        #[arg(long)]
        late_fee_fixed: Option<String>,
        #[arg(long)]
        late_fee_percent: Option<String>,
        #[arg(long)]
        late_fee_cap: Option<String>,
        #[arg(long)]
        plan_grace_days: Option<i64>,
        #[arg(long)]
        plan_default_missed: Option<i64>,
        #[arg(long)]
        settlement_limit_percent: Option<String>,
    },
    /// Where an account stands in dunning, and everything dunning did on it.
    Show { account: String },
    /// Release an account a level held: dunning may move it on again.
    Release { account: String },
}

#[derive(Subcommand, Debug)]
pub enum QueueCommand {
    /// The work queue in order; one collector's with --collector ("" for the unassigned).
    List {
        #[arg(long)]
        collector: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// The collector's next account: the first in their queue not called today.
    Next {
        #[arg(long)]
        collector: String,
    },
    /// Hand accounts to a collector together (`--to ""` gives them back to
    /// the rules): all move, or none if one is unknown or named twice.
    Assign {
        #[arg(required = true)]
        accounts: Vec<String>,
        #[arg(long)]
        to: String,
    },
    /// Assignment rules, tried in order: "balance:MIN-MAX:ann+bo", "alphabet:A-M:cy", "everyone:dee".
    Rules {
        /// Replace the rules with these (repeat, in order); without it, print them.
        #[arg(long = "rule")]
        rules: Vec<String>,
    },
    /// Queue sizes and the day's work per collector.
    Supervisor,
}

#[derive(Subcommand, Debug)]
pub enum PlanCommand {
    /// Set up a payment plan: by installment and frequency, or written out with --installments.
    Create {
        account: String,
        /// What the plan pays off; the whole balance if absent.
        #[arg(long)]
        total: Option<String>,
        #[arg(long)]
        down: Option<String>,
        #[arg(long)]
        installment: Option<String>,
        /// weekly, biweekly or monthly.
        #[arg(long, default_value = "monthly")]
        frequency: String,
        #[arg(long)]
        first_due: Option<Date>,
        /// Installments written out: "2026-12-15:100.00,2027-01-15:100.00".
        #[arg(long)]
        installments: Option<String>,
        #[arg(long, default_value = "")]
        note: String,
        /// Send the plan agreement letter through the contact gate.
        #[arg(long)]
        send_agreement: bool,
        #[arg(long)]
        as_of: Option<Date>,
    },
    /// Plans: one account's, or the latest of all.
    List { account: Option<String> },
    /// Cancel an active plan.
    Cancel {
        plan_id: i64,
        #[arg(long)]
        as_of: Option<Date>,
    },
    /// Bring every active plan's standing up to a day (the dunning run does this first).
    Review {
        #[arg(long)]
        as_of: Option<Date>,
    },
}

#[derive(Subcommand, Debug)]
pub enum SettlementCommand {
    /// Offer to settle for less, by a date; over the limit it waits for a coordinator.
    Offer {
        account: String,
        #[arg(long)]
        amount: String,
        #[arg(long)]
        expires: Date,
        #[arg(long, default_value = "")]
        note: String,
        /// Send the offer letter (through the contact gate) once it may be offered.
        #[arg(long)]
        send: bool,
        #[arg(long)]
        as_of: Option<Date>,
    },
    /// Approve a settlement over the limit (someone other than who proposed it).
    Approve {
        settlement_id: i64,
        #[arg(long)]
        send: bool,
        #[arg(long)]
        as_of: Option<Date>,
    },
    /// Decline one awaiting approval.
    Decline {
        settlement_id: i64,
    },
    /// Withdraw an offer.
    Cancel {
        settlement_id: i64,
    },
    List {
        account: Option<String>,
    },
    /// Settle the offers paid by their expiry (the rest adjusted off), expire the others.
    Review {
        #[arg(long)]
        as_of: Option<Date>,
    },
}

pub fn print_report(r: &RunReport, verbose: bool) {
    println!(
        "dunning {} for {}: {} accounts read; {} moved up a level, {} cured, {} paused, {} held",
        if r.dry_run { "dry run" } else { "run" },
        r.as_of,
        r.accounts,
        r.advanced,
        r.cured,
        r.paused,
        r.held
    );
    println!(
        "  {} letters, {} validation notices, {} emails queued, {} late fees ({} minor units), {} refused by the contact gate, {} skipped",
        r.letters, r.validation_notices, r.emails, r.fees, r.fees_total_minor, r.refused, r.skipped
    );
    for l in r.reached.iter().filter(|l| l.accounts > 0) {
        println!("  reached {:<16} {}", l.level, l.accounts);
    }
    if !r.dry_run {
        println!(
            "  before it: promises kept {}, broken {}; plans completed {}, defaulted {}; settlements paid {}, expired {}",
            r.promises_kept, r.promises_broken, r.plans_completed, r.plans_defaulted, r.settlements_paid, r.settlements_expired
        );
    }
    println!("  work queue: {} accounts", r.queue);
    match r.run_id {
        Some(id) => println!("  recorded as run {id}"),
        None if !r.dry_run => println!("  nothing new to do: this day's run had already done it"),
        None => println!("  nothing was written"),
    }
    let shown = if verbose { r.actions.len() } else { r.actions.len().min(20) };
    for a in &r.actions[..shown] {
        println!(
            "  {:<10} {:<16} {:<22} {:<11} {}{}",
            a.account_number,
            a.level,
            a.action,
            a.outcome,
            a.amount.as_deref().map(|x| format!("{x} ")).unwrap_or_default(),
            a.detail
        );
    }
    if shown < r.actions.len() {
        println!("  ... {} more (--verbose)", r.actions.len() - shown);
    }
}

fn parse_level(text: &str) -> Result<LevelView> {
    let mut parts = text.splitn(4, ':');
    let (name, days, min, actions) = (parts.next(), parts.next(), parts.next(), parts.next());
    let bad = || StoreError::invalid("level", format!("{text:?} is not NAME:DAYS:MIN_BALANCE:ACTION+ACTION"));
    Ok(LevelView {
        name: name.ok_or_else(bad)?.to_string(),
        days_past_due: days.and_then(|d| d.parse().ok()).ok_or_else(bad)?,
        min_balance: min.ok_or_else(bad)?.to_string(),
        actions: actions.ok_or_else(bad)?.split('+').map(str::to_string).collect(),
    })
}

fn parse_rule(text: &str) -> Result<RuleInput> {
    RuleInput::parse(text)
        .ok_or_else(|| StoreError::invalid("rule", format!("{text:?} is not balance:MIN-MAX:NAMES, alphabet:A-M:NAMES or everyone:NAMES")).into())
}

pub async fn dunning(store: &Store, org: &Organisation, command: DunningCommand, today: Date) -> Result<ExitCode> {
    match command {
        DunningCommand::Run { as_of, at, dry_run, verbose } => {
            let report = store
                .dunning_run(
                    org,
                    &RunRequest {
                        as_of: as_of.unwrap_or(today),
                        at,
                        dry_run,
                    },
                )
                .await?;
            print_report(&report, verbose);
        }
        DunningCommand::Policy => print_policy(&store.dunning_policy(org).await?),
        DunningCommand::SetPolicy {
            levels,
            late_fee_fixed,
            late_fee_percent,
            late_fee_cap,
            plan_grace_days,
            plan_default_missed,
            settlement_limit_percent,
        } => {
            let levels = if levels.is_empty() {
                None
            } else {
                Some(levels.iter().map(|l| parse_level(l)).collect::<Result<Vec<_>>>()?)
            };
            let view = store
                .set_dunning_policy(
                    org,
                    &DunningPolicyUpdate {
                        levels,
                        late_fee_fixed,
                        late_fee_percent,
                        late_fee_cap,
                        plan_grace_days,
                        plan_default_missed,
                        settlement_limit_percent,
                    },
                )
                .await?;
            print_policy(&view);
        }
        DunningCommand::Show { account } => {
            let (state, actions) = store.dunning_actions(org, &account).await?;
            println!("account {account}: {}", state.unwrap_or_else(|| "current (not in dunning)".into()));
            for a in actions {
                println!(
                    "  {} {:<16} {:<22} {:<11} {}{}",
                    a.on_date,
                    a.level,
                    a.action,
                    a.outcome,
                    a.amount.as_deref().map(|x| format!("{x} ")).unwrap_or_default(),
                    a.detail
                );
            }
        }
        DunningCommand::Release { account } => {
            store.release_hold(org, &account).await?;
            println!("account {account} released: the next run may move it on");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_policy(p: &settle_store::collections::dunning::DunningPolicyView) {
    println!("dunning levels{}:", if p.standard { " (the standard policy)" } else { "" });
    for l in &p.levels {
        println!(
            "  {:<16} from {:>3} days, balance {:>8}: {}",
            l.name,
            l.days_past_due,
            l.min_balance,
            l.actions.join(", ")
        );
    }
    println!(
        "late fee: {} or {}% of the past-due amount, whichever is larger, at most {} in all",
        p.late_fee_fixed, p.late_fee_percent, p.late_fee_cap
    );
    println!(
        "plans: {} days' grace; default after {} missed installments",
        p.plan_grace_days, p.plan_default_missed
    );
    println!("settlements: discounts over {}% need a coordinator's approval", p.settlement_limit_percent);
}

pub async fn queue(store: &Store, org: &Organisation, command: QueueCommand, today: Date) -> Result<ExitCode> {
    match command {
        QueueCommand::List { collector, limit } => {
            let rows = store.queue(org, collector.as_deref(), today, limit).await?;
            if rows.is_empty() {
                println!("the queue is empty (run `settle dunning run` to build it)");
            }
            println!(
                "{:>5}  {:<10} {:<24} {:>4} {:<15} {:>10} {:>5} {:>6} {:<10} collector",
                "rank", "account", "consumer", "tier", "level", "balance", "days", "broken", "contact"
            );
            for r in rows {
                println!(
                    "{:>5}  {:<10} {:<24} {:>4} {:<15} {:>10} {:>5} {:>6} {:<10} {}{}{}{}",
                    r.rank,
                    r.account_number,
                    r.consumer,
                    r.tier,
                    r.level,
                    r.balance,
                    r.days_past_due,
                    r.broken_promises,
                    r.last_contact_on.as_deref().unwrap_or("never"),
                    if r.collector.is_empty() { "-" } else { &r.collector },
                    if r.promise_due { "  promise due" } else { "" },
                    if r.worked_today { "  (called today)" } else { "" },
                    r.validation_notice_due
                        .as_deref()
                        .map(|d| format!("  validation notice due {d}"))
                        .unwrap_or_default()
                );
            }
        }
        QueueCommand::Next { collector } => match store.next_account(org, &collector, today).await? {
            Some(r) => println!(
                "next for {collector}: {} {} ({}, {} days past due, balance {}, rank {})",
                r.account_number, r.consumer, r.level, r.days_past_due, r.balance, r.rank
            ),
            None => {
                println!("{collector} has no account left to call today");
                return Ok(ExitCode::from(1));
            }
        },
        QueueCommand::Assign { accounts, to } => {
            let n = store.assign_accounts(org, &accounts, &to).await?;
            let named = accounts.join(", ");
            if to.trim().is_empty() {
                println!("{n} account(s) go back to the assignment rules at the next rebuild: {named}");
            } else {
                println!("{n} account(s) assigned to {}: {named}", to.trim());
            }
        }
        QueueCommand::Rules { rules } => {
            let now = if rules.is_empty() {
                store.assignment_rules(org).await?
            } else {
                let parsed = rules.iter().map(|r| parse_rule(r)).collect::<Result<Vec<_>>>()?;
                store.set_assignment_rules(org, &parsed).await?
            };
            if now.is_empty() {
                println!("no assignment rules: the queue is unassigned until a coordinator assigns accounts");
            }
            for (i, r) in now.iter().enumerate() {
                let what = match r.kind.as_str() {
                    "balance" => format!(
                        "balances from {} {}",
                        r.min_balance.as_deref().unwrap_or("0.00"),
                        r.max_balance.as_deref().map(|m| format!("below {m}")).unwrap_or_else(|| "up".into())
                    ),
                    "alphabet" => format!("names {}", r.letters.as_deref().unwrap_or("")),
                    _ => "everyone else".into(),
                };
                println!("{}. {what}: {}", i + 1, r.collectors.join(", "));
            }
        }
        QueueCommand::Supervisor => {
            let s = store.supervisor(org, today).await?;
            println!("{}: queue built {}", s.day, s.built_on.as_deref().unwrap_or("never"));
            println!(
                "{:<16} {:>6} {:>14} {:>7} {:>6} {:>4} {:>9}",
                "collector", "queue", "balance", "worked", "calls", "rpc", "promises"
            );
            for c in &s.collectors {
                println!(
                    "{:<16} {:>6} {:>14} {:>7} {:>6} {:>4} {:>9}",
                    if c.collector.is_empty() { "(unassigned)" } else { &c.collector },
                    c.queue,
                    c.queue_balance_minor,
                    c.worked_today,
                    c.calls_today,
                    c.right_party_today,
                    c.promises_today
                );
            }
            if let Some(r) = s.last_run {
                println!(
                    "last run {} for {}: {} moved up, {} letters, {} emails, {} fees, {} refused, queue {} ({} at {})",
                    r.run_id, r.as_of, r.advanced, r.letters, r.emails, r.fees, r.refused, r.queue, r.run_by, r.finished_at
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_plan(p: &PlanView) {
    println!(
        "plan {} on {}: {} ({} down), {} {}, from {}; {} · paid {}{}",
        p.plan_id,
        p.account_number,
        p.total,
        p.down_payment,
        p.installment,
        p.frequency,
        p.start_on,
        p.status,
        p.paid,
        if p.missed > 0 { format!(" · {} missed", p.missed) } else { String::new() }
    );
    for i in &p.installments {
        println!("  {:>3}. {} {:>10}", i.number, i.due, i.amount);
    }
}

fn print_settlement(s: &SettlementView) {
    println!(
        "settlement {} on {}: {} of {} ({}% off) by {} · {}{}{}",
        s.settlement_id,
        s.account_number,
        s.amount,
        s.balance,
        s.discount_percent,
        s.expires_on,
        s.status,
        s.approved_by.as_deref().map(|a| format!(", approved by {a}")).unwrap_or_default(),
        s.paid_on.as_deref().map(|p| format!(", paid {p}")).unwrap_or_default()
    );
}

pub async fn plan(store: &Store, org: &Organisation, command: PlanCommand, today: Date) -> Result<ExitCode> {
    match command {
        PlanCommand::Create {
            account,
            total,
            down,
            installment,
            frequency,
            first_due,
            installments,
            note,
            send_agreement,
            as_of,
        } => {
            let installments = match installments {
                None => None,
                Some(text) => Some(
                    text.split(',')
                        .enumerate()
                        .map(|(i, part)| {
                            let (d, a) = part
                                .split_once(':')
                                .ok_or_else(|| StoreError::invalid("installments", format!("line {}: {part:?} is not DATE:AMOUNT", i + 1)))?;
                            Ok(InstallmentInput {
                                due: d
                                    .trim()
                                    .parse()
                                    .map_err(|_| StoreError::invalid("installments", format!("line {}: {d:?} is not a date", i + 1)))?,
                                amount: a.trim().to_string(),
                            })
                        })
                        .collect::<Result<Vec<_>>>()?,
                ),
            };
            let made = store
                .create_plan(
                    org,
                    &NewPlan {
                        account_number: account,
                        total,
                        down_payment: down,
                        installment,
                        frequency: Some(frequency),
                        first_due,
                        installments,
                        note,
                        send_agreement,
                    },
                    as_of.unwrap_or(today),
                )
                .await?;
            print_plan(&made.plan);
            report_letter("agreement", made.agreement, made.decision);
        }
        PlanCommand::List { account } => {
            for p in store.plans(org, account.as_deref()).await? {
                print_plan(&p);
            }
        }
        PlanCommand::Cancel { plan_id, as_of } => print_plan(&store.cancel_plan(org, plan_id, as_of.unwrap_or(today)).await?),
        PlanCommand::Review { as_of } => {
            let r = store.review_plans(org, as_of.unwrap_or(today)).await?;
            println!("{} active plans reviewed: {} completed, {} defaulted", r.reviewed, r.completed, r.defaulted);
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn settlement(store: &Store, org: &Organisation, command: SettlementCommand, today: Date) -> Result<ExitCode> {
    match command {
        SettlementCommand::Offer {
            account,
            amount,
            expires,
            note,
            send,
            as_of,
        } => {
            let made = store
                .offer_settlement(
                    org,
                    &NewSettlement {
                        account_number: account,
                        amount,
                        expires_on: expires,
                        note,
                        send_offer: send,
                    },
                    as_of.unwrap_or(today),
                )
                .await?;
            print_settlement(&made.settlement);
            if made.settlement.status == "awaiting_approval" {
                println!(
                    "the discount is over the limit: a coordinator approves it with `settle settlement approve {}`",
                    made.settlement.settlement_id
                );
            }
            report_letter("offer", made.offer, made.decision);
        }
        SettlementCommand::Approve { settlement_id, send, as_of } => {
            let made = store.approve_settlement(org, settlement_id, send, as_of.unwrap_or(today)).await?;
            print_settlement(&made.settlement);
            report_letter("offer", made.offer, made.decision);
        }
        SettlementCommand::Decline { settlement_id } => print_settlement(&store.close_settlement(org, settlement_id, "declined").await?),
        SettlementCommand::Cancel { settlement_id } => print_settlement(&store.close_settlement(org, settlement_id, "cancelled").await?),
        SettlementCommand::List { account } => {
            for s in store.settlements(org, account.as_deref()).await? {
                print_settlement(&s);
            }
        }
        SettlementCommand::Review { as_of } => {
            let r = store.review_settlements(org, as_of.unwrap_or(today)).await?;
            println!("settlements paid {}, expired {}", r.paid, r.expired);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// What became of a plan's agreement or a settlement's offer letter.
fn report_letter(what: &str, letter: Option<settle_store::collections::LetterView>, decision: Option<settle_store::collections::DecisionView>) {
    match (letter, decision) {
        (Some(l), _) => println!("{what} sent: letter {} (settle letter pdf {})", l.letter_id, l.letter_id),
        (None, Some(d)) => crate::collections::contacts::print_decision(&d),
        _ => {}
    }
}

#[derive(Subcommand, Debug)]
pub enum OutboxCommand {
    /// The emails waiting, sent or given up, newest first.
    List {
        /// queued, sent or failed.
        #[arg(long)]
        status: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// Hand the emails that are due to an SMTP server, once (`settle serve --smtp-url` does it every 30 seconds).
    Send {
        #[arg(long, env = "SETTLE_SMTP_URL")]
        smtp_url: String,
        #[arg(long, env = "SETTLE_MAIL_FROM", default_value = "collections@localhost")]
        mail_from: String,
        /// Where consumers reach `settle serve` (https://pay.example.com), for each email's opt-out link.
        #[arg(long, env = "SETTLE_PUBLIC_URL")]
        public_url: Option<String>,
    },
}

pub async fn outbox(store: &Store, org: &Organisation, command: OutboxCommand) -> Result<ExitCode> {
    match command {
        OutboxCommand::List { status, limit } => {
            for e in store.outbox(org, status.as_deref(), limit).await? {
                println!(
                    "{:>6} {:<7} {:<10} {:<28} {} (attempts {}{}{})",
                    e.email_id,
                    e.status,
                    e.account_number,
                    e.to_address,
                    e.subject,
                    e.attempts,
                    e.sent_at
                        .as_deref()
                        .map(|s| format!(", sent {s}"))
                        .unwrap_or_else(|| format!(", not before {}", e.not_before)),
                    if e.last_error.is_empty() {
                        String::new()
                    } else {
                        format!(", last error: {}", e.last_error)
                    }
                );
            }
        }
        OutboxCommand::Send {
            smtp_url,
            mail_from,
            public_url,
        } => {
            let mail = settle_server::daily::Mail {
                smtp_url,
                from: mail_from,
                public_url,
            };
            let d = settle_server::daily::deliver(store, &mail, jiff::Timestamp::now()).await?;
            println!(
                "{} sent, {} to retry, {} given up, {} held by the contact gate until it opens, {} cancelled by it",
                d.sent, d.retrying, d.given_up, d.held, d.cancelled
            );
            if d.retrying + d.given_up > 0 {
                return Ok(ExitCode::from(1));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
