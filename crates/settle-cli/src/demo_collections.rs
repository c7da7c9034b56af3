//! The demo's collections history, so the account pages have something
//! real to show: for some accounts that owe, the validation notice sent,
//! calls made through the contact gate over the last weeks (unanswered
//! ones, voicemails, conversations; some refused for the hour or the
//! seven-day rules, and kept as refusals), promises kept and broken, a
//! dispute, a cease request, an attorney, opt-outs.

use anyhow::Result;
use jiff::ToSpan;
use settle_domain::Date;
use settle_store::collections::{ContactRequest, LogContact, NewDispute, NewPromise, ProfileUpdate};
use settle_store::ops::{NewPayment, Organisation};
use settle_store::reports::AccountFilter;
use settle_store::Store;

/// An instant on a day at a local hour in the account's own zone.
fn at(day: Date, hour: i8, zone: &str) -> String {
    day.at(hour, 15, 0, 0)
        .in_tz(zone)
        .map(|z| z.timestamp().to_string())
        .unwrap_or_else(|_| format!("{day}T{hour:02}:15:00Z"))
}

pub async fn build(store: &Store, org: &Organisation, as_of: Date) -> Result<String> {
    let owing = store
        .list_accounts(
            org,
            &AccountFilter {
                with_balance: true,
                limit: 40,
                ..AccountFilter::default()
            },
        )
        .await?;
    let owing: Vec<_> = owing
        .into_iter()
        .filter(|a| !a.balance.starts_with('0') && a.ar_kind != "insurance")
        .take(24)
        .collect();
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
    Ok(format!(
        "{} accounts worked: {logged} contacts logged, {refused} refused by the Reg F gate and kept as refusals, {promises} promises ({} kept, {} broken, {} pending), a dispute, a cease request",
        owing.len(),
        review.kept.len(),
        review.broken.len(),
        review.still_pending
    ))
}
