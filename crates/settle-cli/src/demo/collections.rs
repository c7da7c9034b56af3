//! The demo's collections history, so the account pages have something
//! real to show: for some accounts that owe, the validation notice sent,
//! calls made through the contact gate over the last weeks (unanswered
//! ones, voicemails, conversations; some refused for the hour or the
//! seven-day rules, and kept as refusals), promises kept and broken, a
//! dispute, a cease request, an attorney, opt-outs.

use anyhow::Result;
use jiff::ToSpan;
use settle_domain::Date;
use settle_store::billing::{AccountFilter, NewPayment};
use settle_store::collections::dunning::{RuleInput, RunRequest};
use settle_store::collections::{ContactRequest, LogContact, NewDispute, NewPlan, NewPromise, NewSettlement, ProfileUpdate};
use settle_store::platform::Organisation;
use settle_store::Store;

/// An instant on a day at a local hour in the account's own zone.
fn at(day: Date, hour: i8, zone: &str) -> String {
    day.at(hour, 15, 0, 0)
        .in_tz(zone)
        .map(|z| z.timestamp().to_string())
        .unwrap_or_else(|_| format!("{day}T{hour:02}:15:00Z"))
}

/// People's accounts that owe something among the first `listed` with a
/// balance, in the store's list order: `take` of them after the first
/// `skip` (each demo part takes its own).
pub async fn owing(store: &Store, org: &Organisation, listed: i64, skip: usize, take: usize) -> Result<Vec<settle_store::billing::AccountSummary>> {
    let listed = store
        .list_accounts(
            org,
            &AccountFilter {
                with_balance: true,
                limit: listed,
                ..AccountFilter::default()
            },
        )
        .await?;
    Ok(listed
        .into_iter()
        .filter(|a| !a.balance.starts_with('0') && a.ar_kind != "insurance")
        .skip(skip)
        .take(take)
        .collect())
}

pub async fn build(store: &Store, org: &Organisation, as_of: Date) -> Result<String> {
    let owing = owing(store, org, 40, 0, 24).await?;
    let (mut logged, mut refused, mut promises) = (0, 0, 0);
    let start = as_of.checked_sub(21.days())?;
    for (n, a) in owing.iter().enumerate() {
        let number = a.account_number.clone();
        let profile = store.collection_profile(org, &number).await?;
        // Call in the person's own zone (the first the gate keeps to).
        let zone = match profile.zones.first().map(String::as_str) {
            Some("Central") => "America/Chicago",
            Some("Mountain") => "America/Denver",
            Some("Pacific") => "America/Los_Angeles",
            _ => "America/New_York",
        };
        let mut update = ProfileUpdate {
            account_number: number.clone(),
            validation_sent_on: Some(start.checked_sub(10.days())?),
            ..ProfileUpdate::default()
        };
        match n % 8 {
            3 => update.opt_outs = Some(vec!["text".into()]),
            5 => update.inconvenient = Some(vec!["mon 08:00-12:00".into()]),
            6 if n > 8 => update.attorney_name = Some("Ortiz & Lane LLP".into()),
            _ => {}
        }
        store.update_collection_profile(org, &update).await?;
        // A week of calls: mornings unanswered, then a voicemail, then a conversation.
        for (k, (days, hour, outcome)) in [
            (0, 9, "no_answer"),
            (1, 13, "no_answer"),
            (2, 18, "voicemail"),
            (6, 7, "no_answer"),
            (8, 11, "right_party_contact"),
            (10, 14, "no_answer"),
        ]
        .into_iter()
        .enumerate()
        {
            if (n + k) % 3 == 2 && outcome == "no_answer" {
                continue;
            }
            let day = start.checked_add((days + (n % 4) as i64).days())?;
            let done = store
                .log_contact(
                    org,
                    &LogContact::from_request(
                        ContactRequest {
                            account_number: number.clone(),
                            channel: "call".into(),
                            address: None,
                            at_work: false,
                            purpose: None,
                            at: Some(at(day, hour, zone)),
                        },
                        None,
                        outcome.into(),
                        if outcome == "right_party_contact" {
                            "spoke about the balance".into()
                        } else {
                            String::new()
                        },
                    ),
                )
                .await;
            match done {
                Ok(d) if d.contact.is_some() => logged += 1,
                Ok(_) => refused += 1,
                // An account without a phone on record: nothing to call.
                Err(_) => break,
            }
        }
        // Promises: one kept by a payment, one broken, one still to come.
        let amount = "25.00".to_string();
        let made = start.checked_add(8.days())?;
        let due = match n % 3 {
            0 | 1 => made.checked_add(5.days())?,
            _ => as_of.checked_add(7.days())?,
        };
        let promise = NewPromise {
            account_number: number.clone(),
            amount: amount.clone(),
            due_on: due,
            note: "promised on the phone".into(),
        };
        if store.record_promise(org, &promise, made).await.is_ok() {
            promises += 1;
            if n % 3 == 0 {
                store
                    .post_payment(
                        org,
                        &NewPayment {
                            account_number: number.clone(),
                            amount,
                            method: "card".into(),
                            reference: format!("PROMISE-{n}"),
                            received_on: made.checked_add(3.days())?,
                            apply_to: Vec::new(),
                        },
                        None,
                    )
                    .await?;
            }
        }
        if n == 4 {
            store
                .record_dispute(
                    org,
                    &NewDispute {
                        account_number: number.clone(),
                        received_on: start.checked_add(2.days())?,
                        note: "says the last visit was billed twice".into(),
                        original_creditor: false,
                    },
                )
                .await?;
        }
        if n == 7 {
            store
                .update_collection_profile(
                    org,
                    &ProfileUpdate {
                        account_number: number.clone(),
                        cease_requested_at: Some(as_of.checked_sub(2.days())?.to_string()),
                        ..ProfileUpdate::default()
                    },
                )
                .await?;
        }
    }
    let review = store.review_promises(org, as_of).await?;
    let day = dunning_history(store, org, as_of, &owing).await?;
    Ok(format!(
        "{} accounts worked: {logged} contacts logged, {refused} refused by the Reg F gate and kept as refusals, {promises} promises ({} kept, {} broken, {} pending), a dispute, a cease request; {day}",
        owing.len(),
        review.kept.len(),
        review.broken.len(),
        review.still_pending
    ))
}

/// Payment plans (one kept, one defaulted), settlements (one paid, one
/// waiting for a coordinator), assignment rules, and eight weeks of weekly
/// dunning runs ending today, so that accounts reached their levels in turn
/// and the queue, the letters and the outbox have something real in them.
async fn dunning_history(store: &Store, org: &Organisation, as_of: Date, owing: &[settle_store::billing::AccountSummary]) -> Result<String> {
    // Business customers' terms allow late fees; patients' do not.
    if org.slug == "supply" {
        for a in owing.iter().take(12) {
            store
                .update_collection_profile(
                    org,
                    &ProfileUpdate {
                        account_number: a.account_number.clone(),
                        late_fees_allowed: Some(true),
                        ..ProfileUpdate::default()
                    },
                )
                .await?;
        }
    }
    let pick = |i: usize| owing.get(i).map(|a| a.account_number.clone());
    let mut made = Vec::new();
    // A plan kept: a down payment and monthly installments, each paid on its day.
    if let Some(number) = pick(9) {
        let start = as_of.checked_sub(50.days())?;
        let plan = NewPlan {
            account_number: number.clone(),
            total: None,
            down_payment: Some("20.00".into()),
            installment: Some("40.00".into()),
            frequency: Some("monthly".into()),
            first_due: Some(start.checked_add(14.days())?),
            installments: None,
            note: "agreed on the phone".into(),
            send_agreement: true,
        };
        if let Ok(p) = store.create_plan(org, &plan, start).await {
            let mut payments = vec![(start, "20.00".to_string())];
            payments.extend(
                p.plan
                    .installments
                    .iter()
                    .filter(|i| i.due.as_str() <= as_of.to_string().as_str())
                    .map(|i| (i.due.parse().unwrap_or(as_of), i.amount.clone())),
            );
            for (k, (on, amount)) in payments.into_iter().enumerate() {
                pay(store, org, &number, &amount, on, &format!("PLAN-{k}")).await?;
            }
            made.push("a plan kept");
        }
    }
    // A plan defaulted: two installments missed past their grace days.
    if let Some(number) = pick(10) {
        let start = as_of.checked_sub(80.days())?;
        let plan = NewPlan {
            account_number: number,
            total: None,
            down_payment: None,
            installment: Some("30.00".into()),
            frequency: Some("biweekly".into()),
            first_due: Some(start.checked_add(7.days())?),
            installments: None,
            note: "first installment never came".into(),
            send_agreement: true,
        };
        if store.create_plan(org, &plan, start).await.is_ok() {
            made.push("a plan defaulted");
        }
    }
    // A settlement within the limit, paid before it expired.
    if let Some(number) = pick(11) {
        let offered = as_of.checked_sub(20.days())?;
        let account = store.account_detail(org, &number).await?;
        let balance = settle_domain::money::Money::parse(&account.summary.balance, settle_domain::money::Currency::from_code(&account.summary.currency)?)?;
        let amount = balance.amount_minor() * 80 / 100;
        let amount = format!("{}.{:02}", amount / 100, amount % 100);
        let offer = NewSettlement {
            account_number: number.clone(),
            amount: amount.clone(),
            expires_on: as_of.checked_add(10.days())?,
            note: "20% off if paid this month".into(),
            send_offer: true,
        };
        if store.offer_settlement(org, &offer, offered).await.is_ok() {
            pay(store, org, &number, &amount, as_of.checked_sub(5.days())?, "SETTLE").await?;
            made.push("a settlement paid");
        }
    }
    // A settlement over the limit, waiting for a coordinator.
    if let Some(number) = pick(12) {
        let account = store.account_detail(org, &number).await?;
        let balance = settle_domain::money::Money::parse(&account.summary.balance, settle_domain::money::Currency::from_code(&account.summary.currency)?)?;
        let amount = balance.amount_minor() / 2;
        let offer = NewSettlement {
            account_number: number,
            amount: format!("{}.{:02}", amount / 100, amount % 100),
            expires_on: as_of.checked_add(14.days())?,
            note: "half, paid at once".into(),
            send_offer: true,
        };
        if store.offer_settlement(org, &offer, as_of.checked_sub(1.days())?).await.is_ok() {
            made.push("a settlement waiting for approval");
        }
    }
    if org.slug == "clinic" {
        let rule = |kind: &str, min: Option<&str>, who: &str| RuleInput {
            kind: kind.into(),
            min_balance: min.map(str::to_string),
            max_balance: None,
            letters: None,
            collectors: vec![who.into()],
        };
        store
            .set_assignment_rules(
                org,
                &[
                    rule("balance", Some("1000.00"), "coordinator@clinic"),
                    rule("everyone", None, "collector@clinic"),
                ],
            )
            .await?;
    }
    let (mut letters, mut emails, mut fees) = (0, 0, 0);
    let mut last = None;
    for week in (0..=8).rev() {
        let day = as_of.checked_sub((7 * week).days())?;
        let report = store
            .dunning_run(
                org,
                &RunRequest {
                    as_of: day,
                    at: None,
                    dry_run: false,
                },
            )
            .await?;
        letters += report.letters;
        emails += report.emails;
        fees += report.fees;
        last = Some(report);
    }
    let queue = last.map(|r| r.queue).unwrap_or(0);
    Ok(format!(
        "{}; nine weekly dunning runs: {letters} letters, {emails} emails queued, {fees} late fees; {queue} accounts in the work queue",
        made.join(", ")
    ))
}

async fn pay(store: &Store, org: &Organisation, number: &str, amount: &str, on: Date, reference: &str) -> Result<()> {
    store
        .post_payment(
            org,
            &NewPayment {
                account_number: number.to_string(),
                amount: amount.to_string(),
                method: "card".into(),
                reference: reference.into(),
                received_on: on,
                apply_to: Vec::new(),
            },
            None,
        )
        .await?;
    Ok(())
}
