//! The demo's ACH: an originating account, six payers' mandates (signed,
//! online with a prenote, by phone), a plan paying itself, three daily
//! runs over the last two weeks, and the simulated bank's answer applied
//! between them: an R01 retried as RETRY PYMT with its fee, an R10 that
//! revokes its mandate, an R03 that asks for new details, and a
//! notification of change that corrects an account before its next debit.

use anyhow::Result;
use jiff::ToSpan;
use settle_domain::ach::mandate::add_banking_days;
use settle_domain::ach::{bank_sim, nacha};
use settle_domain::Date;
use settle_store::collections::NewPlan;
use settle_store::money_in::{AutopayPlan, NewDebit, NewMandate, NewOriginator};
use settle_store::platform::Organisation;
use settle_store::Store;

/// Bank accounts ending as the simulated bank's rules answer them
/// (`settle_domain::ach::bank_sim::DEMO_RULES`).
const PAYERS: [(&str, &str, &str); 6] = [
    ("1040001", "signed", "40.00"),
    ("2050005", "online", "35.00"),
    ("3060003", "phone", "25.00"),
    ("4079990", "signed", "plan"),
    ("5089991", "signed", "balance"),
    ("6090002", "signed", "30.00"),
];

pub async fn build(store: &Store, org: &Organisation, as_of: Date) -> Result<String> {
    let owing = crate::demo::collections::owing(store, org, 80, 24, PAYERS.len()).await?;
    if owing.len() < PAYERS.len() {
        return Ok("too few accounts owing for ACH".into());
    }
    store
        .add_ach_originator(
            org,
            &NewOriginator {
                name: "operating".into(),
                odfi: "091000019".into(),
                odfi_name: "First Bank & Trust".into(),
                company_id: "1234567890".into(),
                company_name: org.name.chars().take(16).collect(),
                return_fee: Some("25.00".into()),
            },
        )
        .await?;
    let first_run = add_banking_days(as_of.checked_sub(16.days())?, 1);
    let business = org.slug != "clinic";
    let mut made = 0;
    for (account, (bank, channel, amount)) in owing.iter().zip(PAYERS) {
        let channel = if business && channel == "signed" { "business" } else { channel };
        let mandate = store
            .add_mandate(
                org,
                &NewMandate {
                    account_number: account.account_number.clone(),
                    originator: None,
                    holder_name: account.name.clone(),
                    routing: "231380104".into(),
                    bank_account: bank.into(),
                    account_kind: "checking".into(),
                    channel: channel.into(),
                    authorization_text: format!(
                        "I authorize {} to debit my account at my bank for the amounts I owe, on the days agreed, until I revoke this in writing.",
                        org.name
                    ),
                    authorized_on: first_run.checked_sub(3.days())?,
                    prenote: false,
                },
                first_run,
            )
            .await?;
        made += 1;
        if amount == "plan" {
            let plan = NewPlan {
                account_number: account.account_number.clone(),
                total: None,
                down_payment: None,
                installment: Some("20.00".into()),
                frequency: Some("weekly".into()),
                first_due: Some(first_run.checked_add(1.day())?),
                installments: None,
                note: "pays itself by ACH".into(),
                send_agreement: false,
            };
            if let Ok(p) = store.create_plan(org, &plan, first_run).await {
                store
                    .autopay_plan(
                        org,
                        &AutopayPlan {
                            plan_id: p.plan.plan_id,
                            mandate_id: mandate.mandate_id,
                        },
                        first_run,
                    )
                    .await?;
            }
            continue;
        }
        store
            .schedule_debit(
                org,
                &NewDebit {
                    mandate_id: mandate.mandate_id,
                    amount: amount.into(),
                    due_on: first_run.checked_add(1.day())?,
                    note: String::new(),
                },
                first_run,
            )
            .await?;
    }
    // Three runs; the bank answers each file two banking days later.
    let rules = bank_sim::parse_rules(bank_sim::DEMO_RULES).map_err(anyhow::Error::msg)?;
    let (mut sent, mut returns, mut changes) = (0, 0, 0);
    let mut day = first_run;
    for _ in 0..3 {
        if add_banking_days(day, 1) > as_of {
            break;
        }
        let run = store.ach_run(org, day, 1700).await?;
        sent += run.debits_sent;
        let answered_on = add_banking_days(day, 2).min(as_of);
        for file in &run.files {
            let (_, text) = store.ach_file_content(org, file.file_id).await?;
            let read = nacha::read(&text).map_err(|p| anyhow::anyhow!("the demo's own file: {p:?}"))?;
            if let Some(answer) = bank_sim::answer(&read, &rules, answered_on, 900) {
                let applied = store.apply_ach_returns(org, &answer, answered_on).await?;
                returns += applied.returns.len();
                changes += applied.changes.len();
            }
        }
        day = add_banking_days(answered_on, 1);
    }
    Ok(format!(
        "{made} ACH mandates, {sent} debits sent, {returns} returned and {changes} corrected by the bank"
    ))
}
