//! `settle contact`, `settle consumer`, `settle dispute`, `settle
//! collections`: the contact log and the Regulation F gate from the
//! command line. A refused contact exits 1 and names every rule.

use std::process::ExitCode;

use anyhow::Result;
use clap::Subcommand;
use settle_domain::Date;
use settle_store::collections::{ContactRequest, DecisionView, LogContact, NewDispute, ProfileUpdate};
use settle_store::platform::Organisation;
use settle_store::Store;

#[derive(clap::Args, Debug)]
pub struct ContactArgs {
    pub account: String,
    /// call, text, email, letter or visit.
    #[arg(long)]
    pub channel: String,
    /// The phone number, email or postal address; the consumer's own if absent.
    #[arg(long)]
    pub to: Option<String>,
    /// The address is the consumer's workplace.
    #[arg(long)]
    pub at_work: bool,
    /// collection (default), cease_response or verification.
    #[arg(long)]
    pub purpose: Option<String>,
    /// When (RFC 3339, such as 2026-11-30T14:00:00-05:00); now if absent.
    #[arg(long)]
    pub at: Option<String>,
}

impl ContactArgs {
    fn request(&self) -> ContactRequest {
        ContactRequest {
            account_number: self.account.clone(),
            channel: self.channel.clone(),
            address: self.to.clone(),
            at_work: self.at_work,
            purpose: self.purpose.clone(),
            at: self.at.clone(),
        }
    }
}

#[derive(Subcommand, Debug)]
pub enum ContactCommand {
    /// Ask the contact gate whether a contact may be made now (or at --at); exit 1 if not. The answer is kept.
    Check(ContactArgs),
    /// Log a contact; an outbound one passes the gate first and is refused (exit 1) if any rule fails.
    Log {
        #[command(flatten)]
        contact: ContactArgs,
        /// right_party_contact, wrong_number, no_answer, voicemail, promise, refusal, dispute, paid,
        /// not_connected (busy, out of service: not a call placed); sent for letters, emails, texts.
        #[arg(long)]
        outcome: String,
        /// The consumer reached us (not gated).
        #[arg(long)]
        inbound: bool,
        #[arg(long, default_value = "")]
        note: String,
        /// It already happened though the gate refuses it: record it as a violation, with the rules it broke.
        #[arg(long)]
        violation: bool,
        /// When to call back (YYYY-MM-DD): the queue's Next account leaves the account until then.
        #[arg(long)]
        call_back_on: Option<settle_domain::Date>,
    },
    /// The account's contacts, newest first.
    List { account: String },
    /// The gate's answers for the account, newest first.
    Decisions { account: String },
}

#[derive(Subcommand, Debug)]
#[allow(clippy::large_enum_variant)] // parsed once per run
pub enum ConsumerCommand {
    /// What the consumer answering for the account asked of us, and the zones the gate keeps to.
    Show { account: String },
    /// Record what the consumer asked; what is not given stays.
    Set {
        account: String,
        /// The zone they said they are in: eastern, central, mountain, arizona, pacific, alaska, hawaii, ...; "" forgets it.
        #[arg(long)]
        zone: Option<String>,
        /// When their written request to stop contact arrived (RFC 3339 or a date); "" withdraws it.
        #[arg(long)]
        cease: Option<String>,
        /// The attorney who represents them for this debt; "" for none.
        #[arg(long)]
        attorney: Option<String>,
        #[arg(long)]
        attorney_phone: Option<String>,
        /// Their employer forbids contact at work (true or false).
        #[arg(long)]
        no_work_contact: Option<bool>,
        /// A span they said is inconvenient ("tue 09:00-12:00", "18:00-20:00"); repeat; replaces the list.
        #[arg(long)]
        inconvenient: Vec<String>,
        /// Forget every inconvenient span.
        #[arg(long)]
        clear_inconvenient: bool,
        /// A medium or address not to use ("text", "email pat@example.com"); repeat; replaces the list.
        #[arg(long)]
        opt_out: Vec<String>,
        /// Forget every opt-out.
        #[arg(long)]
        clear_opt_outs: bool,
        /// A phone, email or address that is their workplace (the work rule applies to it unasked);
        /// repeat; replaces the list.
        #[arg(long)]
        work: Vec<String>,
        /// Forget every workplace.
        #[arg(long)]
        clear_work: bool,
        /// For an agency: the creditor to whom the debt is owed now (the validation notice names it);
        /// "" for this organisation.
        #[arg(long)]
        creditor: Option<String>,
        /// The creditor as of the itemization date, if another.
        #[arg(long)]
        itemization_creditor: Option<String>,
        /// That creditor's account number for the debt.
        #[arg(long)]
        creditor_account: Option<String>,
        /// When the validation notice was sent.
        #[arg(long)]
        validation_sent: Option<Date>,
        /// The account's agreement allows late fees (true or false).
        #[arg(long)]
        late_fees: Option<bool>,
        /// The day a bankruptcy was filed (dunning stops); "" clears it.
        #[arg(long)]
        bankruptcy: Option<String>,
        /// The day the consumer died (dunning stops); "" clears it.
        #[arg(long)]
        deceased: Option<String>,
        /// A claim is with the insurer for this balance (true or false; dunning waits).
        #[arg(long)]
        insurance_pending: Option<bool>,
    },
}

#[derive(Subcommand, Debug)]
pub enum DisputeCommand {
    /// Record a dispute; within the validation period it halts collection until verified.
    Add {
        account: String,
        #[arg(long)]
        received: Date,
        #[arg(long, default_value = "")]
        note: String,
        /// Not a dispute but a written request for the original creditor's name and address
        /// (12 CFR 1006.38(c)): it halts collection alike until the answer is sent (`dispute verified`).
        #[arg(long)]
        original_creditor: bool,
    },
    /// The verification was sent: collection may go on.
    Verified {
        dispute: i64,
        #[arg(long)]
        sent: Date,
    },
    /// The account's disputes.
    List { account: String },
}

#[derive(Subcommand, Debug)]
pub enum PromiseCommand {
    /// Record a promise to pay (it replaces a pending one); refused if dated in the past or more than owed.
    Add {
        account: String,
        amount: String,
        /// The day they promised to pay by.
        #[arg(long)]
        due: Date,
        #[arg(long, default_value = "")]
        note: String,
        /// The day it was made; today if absent.
        #[arg(long)]
        as_of: Option<Date>,
    },
    /// Promises, each decided from the payments received as of the day given.
    List {
        #[arg(long)]
        account: Option<String>,
        /// pending, kept, broken or cancelled.
        #[arg(long)]
        status: Option<String>,
        #[arg(long)]
        as_of: Option<Date>,
    },
    /// Decide every pending promise and keep the answer (kept, broken); twice a day changes nothing.
    Review {
        #[arg(long)]
        as_of: Option<Date>,
    },
}

#[derive(Subcommand, Debug)]
pub enum CollectionsCommand {
    /// Whether the organisation is a debt collector (every rule) or a creditor (its chosen rules), and every rule's citation.
    Policy,
    /// A debt collector: every Regulation F rule holds.
    ThirdParty,
    /// A creditor collecting its own debts: only these rules (comma-separated ids) hold.
    FirstParty {
        #[arg(long, default_value = "hours,inconvenient_time,work,attorney,cease,opt_out")]
        rules: String,
    },
    /// Where a person of unknown location may be: `states` (the fifty states' zones, the default) or
    /// `with-territories` (Puerto Rico, the Virgin Islands, Guam, the Northern Marianas and American
    /// Samoa too: the hours every zone allows shrink to about 17:00-20:00 Eastern in winter).
    UnknownLocation {
        #[arg(value_parser = ["states", "with-territories"])]
        reach: String,
    },
    /// Where and when consumers reach the collector, as letters print it.
    Contact {
        /// The mailing address, lines separated by commas.
        #[arg(long)]
        address: String,
        #[arg(long, default_value = "")]
        phone: String,
        /// Such as "8 a.m. to 5 p.m. Central".
        #[arg(long, default_value = "")]
        hours: String,
    },
    /// Replay every outbound contact against the contact gate with the facts of its moment, and list
    /// each the gate refuses that was not logged as a violation (exit 1 if any).
    Verify,
    /// Collection KPIs for a period (the month so far by default): collected, promise-kept rate,
    /// right-party contacts, plans, roll rates and the collection effectiveness index.
    Kpis {
        #[arg(long)]
        from: Option<Date>,
        #[arg(long)]
        to: Option<Date>,
    },
}

#[derive(Subcommand, Debug)]
pub enum LetterCommand {
    /// The validation notice (12 CFR 1006.34, Model Form B-1) for an account, through the gate as a letter:
    /// refused (exit 1) or written as PDF, logged, and its date kept (it starts the validation period).
    Validation {
        account: String,
        /// Where to write the PDF; validation-<account>.pdf if absent.
        #[arg(long)]
        out: Option<std::path::PathBuf>,
        #[arg(long)]
        as_of: Option<Date>,
    },
    /// Send a reminder, first or final notice, or a receipt through the gate; kept on the account.
    Send {
        account: String,
        /// reminder, first_notice, final_notice or receipt.
        #[arg(long)]
        kind: String,
        /// For a receipt: the payment it acknowledges.
        #[arg(long)]
        payment: Option<i64>,
        #[arg(long)]
        as_of: Option<Date>,
    },
    /// Draw a kept letter again as PDF.
    Pdf {
        letter_id: i64,
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
    /// Every letter sent on a day in one PDF, for printing and mailing.
    Print {
        #[arg(long)]
        date: Option<Date>,
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
}

pub async fn letter(store: &Store, org: &Organisation, command: LetterCommand, today: Date) -> Result<ExitCode> {
    match command {
        LetterCommand::Validation { account, out, as_of } => {
            let sent = store.send_validation_notice(org, &account, as_of.unwrap_or(today)).await?;
            let Some(notice) = sent.notice else {
                print_decision(&sent.decision);
                println!("no notice sent");
                return Ok(ExitCode::from(1));
            };
            let path = out.unwrap_or_else(|| format!("validation-{}.pdf", notice.account_number).into());
            std::fs::write(&path, settle_pdf::letters::validation_notice(&notice))?;
            println!(
                "validation notice for {} written to {}: owed {} as of {} ({}), fees {}, paid or credited {}, now {}; disputes by {}",
                notice.account_number,
                path.display(),
                notice.owed_then,
                notice.itemization_date,
                notice.itemization_kind,
                notice.fees_since,
                notice.paid_since,
                notice.owed_now,
                notice.respond_by
            );
            Ok(ExitCode::SUCCESS)
        }
        LetterCommand::Send { account, kind, payment, as_of } => {
            let sent = store
                .send_letter(
                    org,
                    &settle_store::collections::SendLetter {
                        account_number: account,
                        kind,
                        payment_id: payment,
                    },
                    as_of.unwrap_or(today),
                )
                .await?;
            match sent.letter {
                Some(l) => {
                    println!(
                        "{} sent to {} on {}: letter {} (settle letter pdf {})",
                        l.kind, sent.decision.address, l.sent_on, l.letter_id, l.letter_id
                    );
                    Ok(ExitCode::SUCCESS)
                }
                None => {
                    print_decision(&sent.decision);
                    println!("no letter sent");
                    Ok(ExitCode::from(1))
                }
            }
        }
        LetterCommand::Pdf { letter_id, out } => {
            let letter = store.letter(org, letter_id).await?;
            let path = out.unwrap_or_else(|| format!("letter-{letter_id}.pdf").into());
            std::fs::write(&path, letter.pdf())?;
            println!("letter {letter_id} written to {}", path.display());
            Ok(ExitCode::SUCCESS)
        }
        LetterCommand::Print { date, out } => {
            let day = date.unwrap_or(today);
            let letters = store.letters_on(org, day).await?;
            if letters.is_empty() {
                println!("no letters were sent on {day}");
                return Ok(ExitCode::from(1));
            }
            let path = out.unwrap_or_else(|| format!("letters-{day}.pdf").into());
            std::fs::write(&path, settle_pdf::letters::letters_batch(&letters, &format!("Letters of {day}")))?;
            println!("{} letters of {day} written to {}", letters.len(), path.display());
            Ok(ExitCode::SUCCESS)
        }
    }
}

pub(crate) fn print_decision(d: &DecisionView) {
    if d.allowed {
        println!(
            "allowed: {} to {} at {} ({} rules checked: {})",
            d.channel,
            d.address,
            d.at,
            d.checked.len(),
            d.checked.join(", ")
        );
    } else {
        println!("refused: {} to {} at {}", d.channel, d.address, d.at);
        for reason in d.reasons() {
            println!("  {reason}");
        }
        if let Some(from) = &d.allowed_from {
            println!("  allowed from {from} ({})", d.allowed_from_local.as_deref().unwrap_or("-"));
        }
    }
    println!("  decision {} kept", d.decision_id);
}

pub async fn contact(store: &Store, org: &Organisation, command: ContactCommand) -> Result<ExitCode> {
    match command {
        ContactCommand::Check(args) => {
            let d = store.check_contact(org, &args.request()).await?;
            print_decision(&d);
            Ok(if d.allowed { ExitCode::SUCCESS } else { ExitCode::from(1) })
        }
        ContactCommand::Log {
            contact,
            outcome,
            inbound,
            note,
            violation,
            call_back_on,
        } => {
            let mut cmd = LogContact::from_request(contact.request(), Some(if inbound { "inbound" } else { "outbound" }.into()), outcome, note);
            cmd.violation = violation;
            cmd.call_back_on = call_back_on;
            let done = store.log_contact(org, &cmd).await?;
            match (&done.contact, &done.decision) {
                (Some(c), _) => {
                    println!(
                        "logged contact {}: {} {} {} at {}: {}",
                        c.contact_id, c.direction, c.channel, c.address, c.at, c.outcome
                    );
                    if let Some(day) = call_back_on {
                        println!("call back on {day}");
                    }
                    if !c.violation.is_empty() {
                        println!("recorded as a VIOLATION of: {}", c.violation.join(", "));
                    }
                    Ok(ExitCode::SUCCESS)
                }
                (None, Some(d)) => {
                    print_decision(d);
                    println!("nothing logged");
                    Ok(ExitCode::from(1))
                }
                (None, None) => anyhow::bail!("nothing logged and no decision"),
            }
        }
        ContactCommand::List { account } => {
            for c in store.contacts(org, &account).await? {
                println!(
                    "{:>5}  {}  {:<8} {:<6} {:<20} {:<20} {}{}",
                    c.contact_id,
                    c.at,
                    c.direction,
                    c.channel,
                    c.outcome,
                    c.address,
                    c.note,
                    if c.violation.is_empty() {
                        String::new()
                    } else {
                        format!("  [VIOLATION: {}]", c.violation.join(", "))
                    }
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        ContactCommand::Decisions { account } => {
            for d in store.contact_decisions(org, &account).await? {
                let why: Vec<String> = d.failures.iter().map(|f| format!("{} ({})", f.rule, f.citation)).collect();
                println!(
                    "{:>5}  {}  {:<6} {:<20} {}  {}",
                    d.decision_id,
                    d.at,
                    d.channel,
                    d.address,
                    if d.allowed { "allowed" } else { "refused" },
                    why.join("; ")
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

pub async fn consumer(store: &Store, org: &Organisation, command: ConsumerCommand) -> Result<ExitCode> {
    let view = match command {
        ConsumerCommand::Show { account } => store.collection_profile(org, &account).await?,
        ConsumerCommand::Set {
            account,
            zone,
            cease,
            attorney,
            attorney_phone,
            no_work_contact,
            inconvenient,
            clear_inconvenient,
            opt_out,
            clear_opt_outs,
            work,
            clear_work,
            creditor,
            itemization_creditor,
            creditor_account,
            validation_sent,
            late_fees,
            bankruptcy,
            deceased,
            insurance_pending,
        } => {
            let list = |items: Vec<String>, clear: bool| if clear { Some(Vec::new()) } else { Some(items).filter(|l| !l.is_empty()) };
            store
                .update_collection_profile(
                    org,
                    &ProfileUpdate {
                        account_number: account,
                        stated_zone: zone,
                        cease_requested_at: cease,
                        attorney_name: attorney,
                        attorney_phone,
                        no_contact_at_work: no_work_contact,
                        inconvenient: list(inconvenient, clear_inconvenient),
                        opt_outs: list(opt_out, clear_opt_outs),
                        validation_sent_on: validation_sent,
                        late_fees_allowed: late_fees,
                        bankruptcy_on: bankruptcy,
                        deceased_on: deceased,
                        insurance_pending,
                        work_addresses: list(work, clear_work),
                        current_creditor: creditor,
                        itemization_creditor,
                        creditor_account_number: creditor_account,
                    },
                )
                .await?
        }
    };
    println!("account          {}", view.account_number);
    println!("consumer         {}", view.consumer);
    println!("zones kept to    {}", view.zones.join(", "));
    println!("stated zone      {}", if view.stated_zone.is_empty() { "-" } else { &view.stated_zone });
    println!("cease requested  {}", view.cease_requested_at.as_deref().unwrap_or("-"));
    println!(
        "attorney         {}",
        if view.attorney_name.is_empty() {
            "-".to_string()
        } else {
            format!("{} {}", view.attorney_name, view.attorney_phone)
        }
    );
    println!("no work contact  {}", view.no_contact_at_work);
    println!(
        "inconvenient     {}",
        if view.inconvenient.is_empty() {
            "-".into()
        } else {
            view.inconvenient.join("; ")
        }
    );
    println!(
        "opt-outs         {}",
        if view.opt_outs.is_empty() { "-".into() } else { view.opt_outs.join("; ") }
    );
    if !view.current_creditor.is_empty() {
        println!(
            "creditor         {} (as of the itemization date: {}; its account {})",
            view.current_creditor,
            if view.itemization_creditor.is_empty() {
                &view.current_creditor
            } else {
                &view.itemization_creditor
            },
            if view.creditor_account_number.is_empty() {
                &view.account_number
            } else {
                &view.creditor_account_number
            }
        );
    }
    println!(
        "workplace        {}",
        if view.work_addresses.is_empty() {
            "-".into()
        } else {
            view.work_addresses.join("; ")
        }
    );
    println!(
        "validation       {}",
        match (&view.validation_sent_on, &view.validation_period_end) {
            (Some(sent), Some(end)) => format!("sent {sent}, period ends {end}"),
            _ => "not sent".into(),
        }
    );
    println!(
        "late fees        {}",
        if view.late_fees_allowed { "allowed by the terms" } else { "not allowed" }
    );
    println!("bankruptcy       {}", view.bankruptcy_on.as_deref().unwrap_or("-"));
    println!("deceased         {}", view.deceased_on.as_deref().unwrap_or("-"));
    println!("insurance        {}", if view.insurance_pending { "pending" } else { "-" });
    Ok(ExitCode::SUCCESS)
}

pub async fn dispute(store: &Store, org: &Organisation, command: DisputeCommand) -> Result<ExitCode> {
    let show = |d: &settle_store::collections::DisputeView| {
        println!(
            "{} {}  {}  received {}  {}  verification {}  {}",
            if d.kind == "original_creditor" {
                "original-creditor request"
            } else {
                "dispute"
            },
            d.dispute_id,
            d.account_number,
            d.received_on,
            if d.within_validation_period {
                "within the validation period"
            } else {
                "after the validation period"
            },
            d.verification_sent_on.as_deref().unwrap_or("not sent"),
            d.note
        )
    };
    match command {
        DisputeCommand::Add {
            account,
            received,
            note,
            original_creditor,
        } => show(
            &store
                .record_dispute(
                    org,
                    &NewDispute {
                        account_number: account,
                        received_on: received,
                        note,
                        original_creditor,
                    },
                )
                .await?,
        ),
        DisputeCommand::Verified { dispute, sent } => show(&store.dispute_verified(org, dispute, sent).await?),
        DisputeCommand::List { account } => store.disputes(org, &account).await?.iter().for_each(show),
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn collections(store: &Store, org: &Organisation, command: CollectionsCommand, today: Date) -> Result<ExitCode> {
    let view = match command {
        CollectionsCommand::Kpis { from, to } => {
            let to = to.unwrap_or(today);
            let from = from.unwrap_or_else(|| to.first_of_month());
            print_kpis(&store.collection_kpis(org, from, to).await?);
            return Ok(ExitCode::SUCCESS);
        }
        CollectionsCommand::Verify => {
            let r = store.collections_verify(org).await?;
            let said = |f: &settle_store::collections::GateFinding, what: String| {
                println!(
                    "{what}: contact {} on {}: {} to {} at {} (logged by {})",
                    f.contact_id, f.account_number, f.channel, f.address, f.at_local, f.logged_by
                )
            };
            for f in &r.refused {
                said(f, format!("REFUSED ({})", f.reasons.join("; ")));
            }
            for f in &r.violations {
                said(f, format!("violation logged ({})", f.recorded_violation.join(", ")));
            }
            for u in &r.unplaced_addresses {
                println!(
                    "address the gate cannot place on {}: {:?} (every zone's hours hold; correct it to street, city, ST ZIP)",
                    u.account_number, u.address
                );
            }
            println!(
                "{} outbound contacts replayed against the gate: {} refused, {} logged as violations",
                r.checked,
                r.refused.len(),
                r.violations.len()
            );
            return Ok(if r.clean { ExitCode::SUCCESS } else { ExitCode::from(1) });
        }
        CollectionsCommand::Policy => store.collection_policy(org).await?,
        CollectionsCommand::UnknownLocation { reach } => store.set_territories_when_unknown(org, reach == "with-territories").await?,
        CollectionsCommand::ThirdParty => store.set_collection_policy(org, true, &[]).await?,
        CollectionsCommand::FirstParty { rules } => {
            let rules: Vec<String> = rules.split(',').map(str::to_string).collect();
            store.set_collection_policy(org, false, &rules).await?
        }
        CollectionsCommand::Contact { address, phone, hours } => store.set_collector_contact(org, &address, &phone, &hours).await?,
    };
    if view.third_party {
        println!("a debt collector: every rule holds");
    } else {
        println!("a creditor collecting its own debts: these rules hold: {}", view.first_party_rules.join(", "));
    }
    println!(
        "location unknown: {}",
        if view.territories_when_unknown {
            "every state's and territory's zone"
        } else {
            "every state's zone"
        }
    );
    if !view.mail_address.is_empty() {
        println!("letters say: write to {}; call {} ({})", view.mail_address, view.phone, view.hours);
    }
    for r in &view.rules {
        let on = view.third_party || view.first_party_rules.contains(&r.rule);
        println!("  {} {:<20} {}", if on { "*" } else { " " }, r.rule, r.citation);
    }
    Ok(ExitCode::SUCCESS)
}

fn promise_line(p: &settle_store::collections::PromiseView) -> String {
    format!(
        "promise {:>4}  {:<10} {:>10} by {} (last day {})  {:<9}{}  {}",
        p.promise_id,
        p.account_number,
        p.amount,
        p.due_on,
        p.last_day,
        p.status,
        p.kept_on.as_deref().map(|k| format!(" on {k}")).unwrap_or_default(),
        p.note
    )
}

pub async fn promise(store: &Store, org: &Organisation, command: PromiseCommand, today: Date) -> Result<ExitCode> {
    match command {
        PromiseCommand::Add {
            account,
            amount,
            due,
            note,
            as_of,
        } => {
            let p = store
                .record_promise(
                    org,
                    &settle_store::collections::NewPromise {
                        account_number: account,
                        amount,
                        due_on: due,
                        note,
                    },
                    as_of.unwrap_or(today),
                )
                .await?;
            println!("{}", promise_line(&p));
        }
        PromiseCommand::List { account, status, as_of } => {
            let filter = settle_store::collections::PromiseFilter {
                account_number: account,
                status,
            };
            for p in store.promises(org, &filter, as_of.unwrap_or(today)).await? {
                println!("{}", promise_line(&p));
            }
        }
        PromiseCommand::Review { as_of } => {
            let r = store.review_promises(org, as_of.unwrap_or(today)).await?;
            println!(
                "as of {}: {} kept, {} broken, {} still pending",
                r.as_of,
                r.kept.len(),
                r.broken.len(),
                r.still_pending
            );
            for p in r.kept.iter().chain(&r.broken) {
                println!("  {}", promise_line(p));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_kpis(k: &settle_store::collections::Kpis) {
    use settle_store::collections::percent;
    let m = |minor: i64| format!("{}{}.{:02}", if minor < 0 { "-" } else { "" }, minor.abs() / 100, minor.abs() % 100);
    println!("collection KPIs {} to {} ({})", k.from, k.to, k.currency);
    println!(
        "{:<22} {:>14} {:>6} {:>6} {:>6} {:>7} {:>8}",
        "collector", "collected", "calls", "rpc", "kept", "broken", "kept %"
    );
    for c in k.collectors.iter().chain(std::iter::once(&k.total)) {
        println!(
            "{:<22} {:>14} {:>6} {:>6} {:>6} {:>7} {:>8}",
            if c.collector.is_empty() { "(unassigned)" } else { &c.collector },
            m(c.collected_minor),
            c.calls,
            c.right_party_contacts,
            c.promises_kept,
            c.promises_broken,
            percent(c.promise_kept_rate_bp)
        );
    }
    let p = &k.plans;
    println!(
        "plans: {} active ({} in good standing), {} completed, {} defaulted, {} cancelled; kept {}",
        p.active,
        p.in_good_standing,
        p.completed,
        p.defaulted,
        p.cancelled,
        percent(p.kept_rate_bp)
    );
    for r in &k.roll_rates {
        println!(
            "roll rate from {:<8} {:>14} owed at the start, {:>14} rolled later: {}",
            r.from_bucket,
            m(r.owed_at_start_minor),
            m(r.rolled_minor),
            percent(r.rate_bp)
        );
    }
    println!("CEI {} = {}", percent(k.cei_bp), k.cei_formula);
}
