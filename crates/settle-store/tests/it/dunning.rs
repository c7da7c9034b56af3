//! Dunning, the work queue, payment plans and settlements, on every backend:
//! levels reached once, pauses obeyed, capped fees only where the terms
//! allow, letters and emails through the gate, a second run that changes
//! nothing, plans that pause dunning until they default, and settlements
//! that need a second person above the limit and adjust the rest off.

use settle_store::billing::{NewAccount, NewParty, NewPayment};
use settle_store::collections::dunning::{RuleInput, RunRequest};
use settle_store::collections::{InstallmentInput, NewDispute, NewPlan, NewSettlement, ProfileUpdate};
use settle_store::platform::audit::{Actor, ACTOR};
use settle_store::platform::Organisation;
use settle_store::{Store, StoreError};

use crate::backends::{all, assert_verified, date, invoice};

async fn person(store: &Store, org: &Organisation, number: &str, name: &str, address: Option<&str>) {
    store
        .add_account(
            org,
            &NewAccount {
                account_number: number.into(),
                party: NewParty {
                    kind: "person".into(),
                    name: name.into(),
                    email: Some(format!("{}@example.com", number.to_ascii_lowercase())),
                    address: address.map(Into::into),
                    ..NewParty::default()
                },
                ar_kind: "customer".into(),
                currency: None,
                payment_terms: Some("net30".into()),
                opened_on: date("2026-01-01"),
            },
            None,
        )
        .await
        .unwrap();
}

fn run(day: &str) -> RunRequest {
    RunRequest {
        as_of: date(day),
        at: None,
        dry_run: false,
    }
}

async fn pay(store: &Store, org: &Organisation, account: &str, amount: &str, on: &str) {
    store
        .post_payment(
            org,
            &NewPayment {
                account_number: account.into(),
                amount: amount.into(),
                method: "check".into(),
                reference: format!("chk-{account}-{on}"),
                received_on: date(on),
                apply_to: vec![],
            },
            None,
        )
        .await
        .unwrap();
}

async fn count(store: &Store, sql: &str) -> i64 {
    let mut conn = store.pool().acquire().await.unwrap();
    sqlx::Row::try_get(&sqlx::query(sql).fetch_one(&mut *conn).await.unwrap(), 0).unwrap()
}

#[tokio::test]
async fn a_day_of_dunning_then_plans_and_settlements() {
    for backend in all().await {
        let store = &backend.store;
        let name = backend.name;
        let org = store.create_organisation("clinic", "Lakeside Clinic", "USD").await.unwrap();
        store
            .set_collector_contact(&org, "PO Box 10, Madison, WI 53701", "(608) 555-0100", "8 a.m. to 5 p.m. Central")
            .await
            .unwrap();
        person(store, &org, "D-1", "Avery Stone", None).await;
        person(store, &org, "D-2", "Blake Moreno", Some("4 Elm St, Madison, WI 53703")).await;
        person(store, &org, "D-3", "Casey Lin", Some("9 Oak Ave, Austin, TX 78701")).await;
        person(store, &org, "D-4", "Drew Park", Some("1 Pine Rd, Denver, CO 80202")).await;
        invoice(store, &org, "D-1", "2026-10-01", "120.00").await; // due 10-31: 31 days late on 12-01
        invoice(store, &org, "D-2", "2026-08-15", "500.00").await; // due 09-14: 78 days
        invoice(store, &org, "D-3", "2026-08-01", "300.00").await; // due 08-31: 92 days
        invoice(store, &org, "D-4", "2026-11-20", "80.00").await; // not yet due
        store
            .update_collection_profile(
                &org,
                &ProfileUpdate {
                    account_number: "D-2".into(),
                    late_fees_allowed: Some(true),
                    ..ProfileUpdate::default()
                },
            )
            .await
            .unwrap();
        let dispute = store
            .record_dispute(
                &org,
                &NewDispute {
                    account_number: "D-3".into(),
                    received_on: date("2026-11-25"),
                    note: "says the visit was covered".into(),
                    original_creditor: false,
                },
            )
            .await
            .unwrap();

        // A dry run says what would happen and writes nothing.
        let dry = store
            .dunning_run(
                &org,
                &RunRequest {
                    dry_run: true,
                    ..run("2026-12-01")
                },
            )
            .await
            .unwrap();
        assert_eq!((dry.advanced, dry.run_id), (2, None), "{name}: {dry:#?}");
        assert_eq!(count(store, "SELECT COUNT(*) FROM dunning_action").await, 0, "{name}");

        let first = store.dunning_run(&org, &run("2026-12-01")).await.unwrap();
        assert!(first.run_id.is_some(), "{name}");
        assert_eq!(
            (first.advanced, first.paused, first.letters, first.emails, first.fees, first.fees_total_minor),
            (2, 1, 1, 1, 1, 1_500),
            "{name}: {first:#?}"
        );
        assert_eq!(first.queue, 1, "{name}: only the final notice carries a call");
        let outcome = |account: &str, action: &str| {
            first
                .actions
                .iter()
                .find(|a| a.account_number == account && a.action == action)
                .map(|a| (a.outcome.clone(), a.detail.clone()))
                .unwrap_or_default()
        };
        assert_eq!(outcome("D-1", "letter:first_notice").1, "Avery Stone has no postal address", "{name}");
        assert_eq!(outcome("D-1", "fee").0, "not_allowed", "{name}: the terms do not allow it");
        assert_eq!(outcome("D-1", "email").0, "done", "{name}");
        assert_eq!(outcome("D-2", "fee").0, "done", "{name}: 15.00 beats 1.5% of 500.00");
        assert!(outcome("D-3", "level").1.contains("dispute"), "{name}: {:?}", outcome("D-3", "level"));
        let level = first.actions.iter().find(|a| a.account_number == "D-2" && a.action == "level").unwrap();
        assert_eq!(
            (level.level.as_str(), level.detail.as_str()),
            ("final_notice", "78 days past due; jumped over reminder, first_notice"),
            "{name}: jumped over, not sent"
        );
        // The letter is kept as sent and redrawn; the email waits in the outbox.
        let letters = store.letters(&org, "D-2").await.unwrap();
        assert_eq!(letters[0].kind, "final_notice", "{name}");
        let pdf = store.letter(&org, letters[0].letter_id).await.unwrap().pdf();
        assert!(pdf.starts_with(b"%PDF"), "{name}");
        assert_eq!(store.letters_on(&org, date("2026-12-01")).await.unwrap().len(), 1, "{name}");
        assert_eq!(count(store, "SELECT COUNT(*) FROM email_outbox WHERE status = 'queued'").await, 1, "{name}");
        assert_verified(store, &org).await;
        assert_eq!(
            store.account_detail(&org, "D-2").await.unwrap().summary.balance,
            "515.00",
            "{name}: the fee is owed"
        );

        // The same day again: nothing.
        let again = store.dunning_run(&org, &run("2026-12-01")).await.unwrap();
        assert_eq!(
            (again.advanced, again.letters, again.emails, again.fees, again.run_id),
            (0, 0, 0, 0, None),
            "{name}: {again:#?}"
        );
        assert_eq!(count(store, "SELECT COUNT(*) FROM collection_letter").await, 1, "{name}");
        assert_eq!(count(store, "SELECT COUNT(*) FROM dunning_run").await, 1, "{name}");

        // Paid in full: cured. Verification sent: the dispute's pause lifts.
        pay(store, &org, "D-1", "120.00", "2026-12-02").await;
        store.dispute_verified(&org, dispute.dispute_id, date("2026-12-02")).await.unwrap();
        let next = store.dunning_run(&org, &run("2026-12-02")).await.unwrap();
        assert_eq!((next.cured, next.advanced), (1, 1), "{name}: {next:#?}");
        let d3: Vec<_> = next
            .actions
            .iter()
            .filter(|a| a.account_number == "D-3" && a.action == "level")
            .map(|a| (a.level.as_str(), a.detail.as_str()))
            .collect();
        assert_eq!(
            d3,
            [("pre_collection", "93 days past due; jumped over reminder, first_notice, final_notice")],
            "{name}"
        );

        // The queue: assignment by rule, then by hand.
        store
            .set_assignment_rules(
                &org,
                &[
                    RuleInput {
                        kind: "balance".into(),
                        min_balance: Some("400.00".into()),
                        max_balance: None,
                        letters: None,
                        collectors: vec!["senior".into()],
                    },
                    RuleInput {
                        kind: "everyone".into(),
                        min_balance: None,
                        max_balance: None,
                        letters: None,
                        collectors: vec!["junior".into()],
                    },
                ],
            )
            .await
            .unwrap();
        let bad_rule = store
            .set_assignment_rules(
                &org,
                &[RuleInput {
                    kind: "alphabet".into(),
                    min_balance: None,
                    max_balance: None,
                    letters: Some("M-A".into()),
                    collectors: vec!["x".into()],
                }],
            )
            .await
            .unwrap_err();
        assert!(bad_rule.to_string().contains("runs backwards"), "{name}: {bad_rule}");
        store
            .dunning_run(
                &org,
                &RunRequest {
                    dry_run: false,
                    ..run("2026-12-03")
                },
            )
            .await
            .unwrap();
        let queue = store.queue(&org, None, date("2026-12-03"), 50).await.unwrap();
        let order: Vec<_> = queue.iter().map(|q| (q.account_number.as_str(), q.collector.as_str(), q.tier)).collect();
        assert_eq!(
            order,
            [("D-3", "junior", 4), ("D-2", "senior", 3)],
            "{name}: pre-collection before final notice"
        );
        let next = store.next_account(&org, "senior", date("2026-12-03")).await.unwrap().unwrap();
        assert_eq!(next.account_number, "D-2", "{name}");
        // Queued to "senior", logged by "user:senior": one person, one row on the supervisor's page.
        let call = settle_store::collections::LogContact::from_request(
            settle_store::collections::ContactRequest {
                account_number: "D-2".into(),
                channel: "call".into(),
                address: Some("608-555-0100".into()),
                at_work: false,
                purpose: None,
                at: Some("2026-12-03T14:00:00-06:00".into()),
            },
            None,
            "no_answer".into(),
            String::new(),
        );
        let senior = Actor {
            name: "user:senior".into(),
            address: "local".into(),
            clinical: false,
            approves: false,
        };
        let logged = ACTOR.scope(senior, store.log_contact(&org, &call)).await.unwrap();
        assert!(logged.contact.is_some(), "{name}: {:#?}", logged.decision);
        let day = store.supervisor(&org, date("2026-12-03")).await.unwrap();
        let rows: Vec<(&str, i64, i64)> = day.collectors.iter().map(|c| (c.collector.as_str(), c.queue, c.worked_today)).collect();
        assert_eq!(rows, [("junior", 1, 0), ("senior", 1, 1)], "{name}");
        // The queue gives the number to call.
        store
            .set_contact(&org, "D-2", "phone", &"608-555-0100".into(), date("2026-12-03"))
            .await
            .unwrap();
        let queue = store.queue(&org, Some("senior"), date("2026-12-03"), 50).await.unwrap();
        assert_eq!(
            queue[0].phone.as_deref().map(|p| p.chars().filter(char::is_ascii_digit).collect::<String>()),
            Some("6085550100".into()),
            "{name}"
        );
        // A voicemail, and a call back chosen for Saturday: the account waits
        // for its day, then comes first.
        let mut asked = call.clone();
        asked.outcome = "voicemail".into();
        asked.call_back_on = Some(date("2026-12-02"));
        let refused = ACTOR.scope(
            Actor {
                name: "user:senior".into(),
                address: "local".into(),
                clinical: false,
                approves: false,
            },
            store.log_contact(&org, &asked),
        );
        match refused.await {
            Err(settle_store::StoreError::Invalid { field, .. }) => assert_eq!(field, "call_back_on", "{name}"),
            other => panic!("{name}: a call-back before the call: {other:?}"),
        }
        assert_eq!(store.call_back_on(&org, "D-2").await.unwrap(), None, "{name}: the refused contact set nothing");
        asked.call_back_on = Some(date("2026-12-05"));
        store.log_contact(&org, &asked).await.unwrap();
        assert_eq!(store.call_back_on(&org, "D-2").await.unwrap().as_deref(), Some("2026-12-05"), "{name}");
        let queue = store.queue(&org, Some("senior"), date("2026-12-04"), 50).await.unwrap();
        assert_eq!(queue[0].call_back_on.as_deref(), Some("2026-12-05"), "{name}");
        assert!(
            store.next_account(&org, "senior", date("2026-12-04")).await.unwrap().is_none(),
            "{name}: waits for its day"
        );
        let due = store.next_account(&org, "senior", date("2026-12-05")).await.unwrap();
        assert_eq!(due.map(|q| q.account_number), Some("D-2".into()), "{name}: its day, though called since");
        // The call made on the day clears it.
        let mut made = call.clone();
        made.at = Some("2026-12-05T10:00:00-06:00".into());
        store.log_contact(&org, &made).await.unwrap();
        assert_eq!(store.call_back_on(&org, "D-2").await.unwrap(), None, "{name}");

        // A plan whose installments do not add up is refused whole.
        let wrong = store
            .create_plan(
                &org,
                &NewPlan {
                    account_number: "D-2".into(),
                    total: None,
                    down_payment: Some("15.00".into()),
                    installment: None,
                    frequency: None,
                    first_due: None,
                    installments: Some(vec![
                        InstallmentInput {
                            due: date("2026-12-15"),
                            amount: "250.00".into(),
                        },
                        InstallmentInput {
                            due: date("2027-01-15"),
                            amount: "200.00".into(),
                        },
                    ]),
                    note: String::new(),
                    send_agreement: false,
                },
                date("2026-12-03"),
            )
            .await
            .unwrap_err();
        match wrong {
            StoreError::Invalid { field, message } => assert_eq!(
                (field, message.as_str()),
                ("installments", "they add up to 450.00, but the total less the down payment is 500.00"),
                "{name}"
            ),
            other => panic!("{name}: {other:?}"),
        }
        assert!(store.plans(&org, Some("D-2")).await.unwrap().is_empty(), "{name}");
        let plan = store
            .create_plan(
                &org,
                &NewPlan {
                    account_number: "D-2".into(),
                    total: None,
                    down_payment: Some("15.00".into()),
                    installment: Some("150.00".into()),
                    frequency: Some("monthly".into()),
                    first_due: Some(date("2026-12-15")),
                    installments: None,
                    note: "agreed by phone".into(),
                    send_agreement: true,
                },
                date("2026-12-03"),
            )
            .await
            .unwrap();
        let amounts: Vec<_> = plan.plan.installments.iter().map(|i| i.amount.as_str()).collect();
        assert_eq!(amounts, ["150.00", "150.00", "150.00", "50.00"], "{name}: the last takes the rest");
        assert_eq!(plan.agreement.unwrap().kind, "plan_agreement", "{name}");
        // In good standing the account leaves the queue; two missed installments default it.
        store.dunning_run(&org, &run("2026-12-04")).await.unwrap();
        assert!(store.queue(&org, Some("senior"), date("2026-12-04"), 50).await.unwrap().is_empty(), "{name}");
        let later = store.dunning_run(&org, &run("2027-01-30")).await.unwrap();
        assert_eq!(later.plans_defaulted, 1, "{name}: {later:#?}");
        let placed: Vec<_> = later
            .actions
            .iter()
            .filter(|a| a.account_number == "D-2")
            .map(|a| (a.action.as_str(), a.outcome.as_str()))
            .collect();
        assert!(
            placed.contains(&("stage:placed", "done")) && placed.contains(&("hold", "done")),
            "{name}: {placed:?}"
        );

        // Settlement: 50% off is over the 30% limit, so someone else approves it.
        let offer = store
            .offer_settlement(
                &org,
                &NewSettlement {
                    account_number: "D-3".into(),
                    amount: "150.00".into(),
                    expires_on: date("2027-02-15"),
                    note: String::new(),
                    send_offer: true,
                },
                date("2027-01-30"),
            )
            .await
            .unwrap();
        assert_eq!((offer.settlement.status.as_str(), offer.offer.is_none()), ("awaiting_approval", true), "{name}");
        let own = store
            .approve_settlement(&org, offer.settlement.settlement_id, true, date("2027-01-30"))
            .await
            .unwrap_err();
        assert!(own.to_string().contains("someone other"), "{name}: {own}");
        let coordinator = Actor {
            name: "user:coord".into(),
            address: "local".into(),
            clinical: false,
            approves: true,
        };
        let approved = ACTOR
            .scope(
                coordinator,
                store.approve_settlement(&org, offer.settlement.settlement_id, true, date("2027-01-31")),
            )
            .await
            .unwrap();
        assert_eq!(approved.settlement.status, "offered", "{name}");
        assert_eq!(approved.offer.unwrap().kind, "settlement_offer", "{name}");
        pay(store, &org, "D-3", "150.00", "2027-02-10").await;
        let review = store.review_settlements(&org, date("2027-02-11")).await.unwrap();
        assert_eq!(review.paid, 1, "{name}");
        assert_eq!(
            store.account_detail(&org, "D-3").await.unwrap().summary.balance,
            "0.00",
            "{name}: the rest adjusted off"
        );
        assert_verified(store, &org).await;
        let tb = store.trial_balance(&org, None).await.unwrap();
        assert!(tb.iter().any(|r| r.code == "5150" && r.debit_minor == 15_000), "{name}: {tb:#?}");
    }
}

/// Two runs for the same day at once (the daily run inside `settle serve`
/// and someone's `settle dunning run`): each account moves once, one letter
/// and one email each, one fee, whichever run got to it first.
#[tokio::test]
async fn two_runs_at_once_move_each_account_once() {
    for backend in all().await {
        let store = &backend.store;
        let name = backend.name;
        let org = store.create_organisation("clinic", "Lakeside Clinic", "USD").await.unwrap();
        store
            .set_collector_contact(&org, "PO Box 10, Madison, WI 53701", "(608) 555-0100", "8 a.m. to 5 p.m. Central")
            .await
            .unwrap();
        for n in 1..=12 {
            let number = format!("C-{n}");
            person(store, &org, &number, &format!("Consumer {n}"), Some("4 Elm St, Madison, WI 53703")).await;
            invoice(store, &org, &number, "2026-09-17", "200.00").await; // due 10-17: 45 days late on 12-01 (first notice)
            store
                .update_collection_profile(
                    &org,
                    &ProfileUpdate {
                        account_number: number.clone(),
                        late_fees_allowed: Some(true),
                        ..ProfileUpdate::default()
                    },
                )
                .await
                .unwrap();
        }
        let day = run("2026-12-01");
        let (a, b) = tokio::join!(store.dunning_run(&org, &day), store.dunning_run(&org, &day));
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(a.advanced + b.advanced, 12, "{name}: {a:#?} {b:#?}");
        assert_eq!(a.letters + b.letters, 12, "{name}");
        assert_eq!(a.fees + b.fees, 12, "{name}");
        assert_eq!(count(store, "SELECT COUNT(*) FROM collection_letter").await, 12, "{name}");
        assert_eq!(count(store, "SELECT COUNT(*) FROM email_outbox").await, 12, "{name}");
        assert_eq!(count(store, "SELECT COUNT(*) FROM open_item WHERE kind = 'fee'").await, 12, "{name}");
        assert_eq!(
            count(
                store,
                "SELECT COUNT(*) FROM (SELECT account_id, level_name FROM dunning_action WHERE action = 'level' GROUP BY account_id, level_name HAVING COUNT(*) > 1) twice"
            )
            .await,
            0,
            "{name}"
        );
        assert_verified(store, &org).await;
    }
}

/// The queue puts a promise first only while it is falling due (due today
/// or in its grace days); a promise due later is no reason to call yet.
#[tokio::test]
async fn only_a_promise_falling_due_jumps_the_queue() {
    use settle_store::collections::NewPromise;
    for backend in all().await {
        let store = &backend.store;
        let name = backend.name;
        let org = store.create_organisation("clinic", "Lakeside Clinic", "USD").await.unwrap();
        person(store, &org, "P-1", "Avery Stone", Some("4 Elm St, Madison, WI 53703")).await;
        person(store, &org, "P-2", "Blake Moreno", Some("9 Oak Ave, Austin, TX 78701")).await;
        // Both due 10-31, so 31 days late on 12-01: a letter's level, no call.
        invoice(store, &org, "P-1", "2026-10-01", "120.00").await;
        invoice(store, &org, "P-2", "2026-10-01", "120.00").await;
        let today = date("2026-12-01");
        for (account, due) in [("P-1", "2026-12-01"), ("P-2", "2026-12-04")] {
            store
                .record_promise(
                    &org,
                    &NewPromise {
                        account_number: account.into(),
                        amount: "50.00".into(),
                        due_on: date(due),
                        note: String::new(),
                    },
                    today,
                )
                .await
                .unwrap();
        }
        store.dunning_run(&org, &run("2026-12-01")).await.unwrap();
        let queue = store.queue(&org, None, today, 50).await.unwrap();
        let flagged: Vec<_> = queue.iter().map(|q| (q.account_number.as_str(), q.promise_due)).collect();
        assert_eq!(flagged, [("P-1", true)], "{name}: a promise due in three days waits");
    }
}

/// A debt collector's policy can make the validation notice its first
/// action (12 CFR 1006.34(a)(1)); until it is sent the queue says it is due.
#[tokio::test]
async fn a_debt_collector_sends_the_validation_notice_first_and_the_queue_flags_it_until_then() {
    for backend in all().await {
        let (store, name) = (&backend.store, backend.name);
        let org = store.create_organisation("agency", "Prairie Recovery", "USD").await.unwrap();
        store.set_collection_policy(&org, true, &[]).await.unwrap();
        store
            .set_collector_contact(&org, "PO Box 12, Springfield, IL 62701", "(217) 555-0100", "8 a.m. to 5 p.m. Central")
            .await
            .unwrap();
        person(store, &org, "V-1", "Vera Lind", Some("4 Elm St, Madison, WI 53703")).await;
        invoice(store, &org, "V-1", "2026-09-01", "400.00").await;
        crate::backends::set_levels(
            store,
            &org,
            &[("placed", 1, &["validation_notice", "call"]), ("second", 90, &["letter:final_notice"])],
        )
        .await;
        // Before any run: in no queue yet. A dry run sends nothing.
        let today = jiff::Zoned::now().date();
        let dry = store
            .dunning_run(
                &org,
                &RunRequest {
                    as_of: today,
                    at: None,
                    dry_run: true,
                },
            )
            .await
            .unwrap();
        assert_eq!(dry.validation_notices, 0, "{name}");
        let queue = store.queue(&org, None, today, 10).await.unwrap();
        assert!(queue.is_empty(), "{name}: a dry run writes no queue");
        let done = store.dunning_run(&org, &run(&today.to_string())).await.unwrap();
        assert_eq!(done.validation_notices, 1, "{name}: {:?}", done.actions);
        let letters = store.letters(&org, "V-1").await.unwrap();
        assert_eq!(letters[0].kind, "validation_notice", "{name}");
        let profile = store.collection_profile(&org, "V-1").await.unwrap();
        assert_eq!(profile.validation_sent_on, Some(today.to_string()), "{name}");
        // Sent: the queue no longer flags it. A creditor's queue never does.
        let queue = store.queue(&org, None, today, 10).await.unwrap();
        assert_eq!(queue.len(), 1, "{name}");
        assert_eq!(queue[0].validation_notice_due, None, "{name}");
        assert!(store.collections_verify(&org).await.unwrap().clean, "{name}");

        // Another account with a contact but no notice: flagged with its deadline.
        person(store, &org, "V-2", "Wes Park", None).await;
        invoice(store, &org, "V-2", "2026-09-01", "90.00").await;
        store
            .update_collection_profile(
                &org,
                &ProfileUpdate {
                    account_number: "V-2".into(),
                    validation_sent_on: None,
                    ..ProfileUpdate::default()
                },
            )
            .await
            .unwrap();
        store.dunning_run(&org, &run(&today.to_string())).await.unwrap();
        let queue = store.queue(&org, None, today, 10).await.unwrap();
        let v2 = queue.iter().find(|r| r.account_number == "V-2").unwrap();
        assert_eq!(
            v2.validation_notice_due.as_deref(),
            Some("with the first contact"),
            "{name}: no address, so no notice went"
        );
    }
}
