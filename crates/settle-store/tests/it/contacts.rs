//! Contacting the people who owe, on every backend: the gate asked before
//! each outbound contact, its answers kept, refusals logged nowhere else,
//! and the person's own requests (zone, cease, opt-outs, disputes) obeyed.

use settle_store::billing::{NewAccount, NewParty};
use settle_store::collections::{ContactRequest, LogContact, NewDispute, ProfileUpdate, SendLetter};

use crate::backends::{all, date};

fn request(account: &str, channel: &str, at: &str) -> ContactRequest {
    ContactRequest {
        account_number: account.into(),
        channel: channel.into(),
        address: None,
        at_work: false,
        purpose: None,
        at: Some(at.into()),
    }
}

fn log(account: &str, channel: &str, at: &str, outcome: &str) -> LogContact {
    LogContact::from_request(request(account, channel, at), None, outcome.into(), String::new())
}

#[tokio::test]
async fn a_collector_works_an_account_within_regulation_f() {
    for backend in all().await {
        let store = &backend.store;
        let name = backend.name;
        let org = store.create_organisation("agency", "Prairie Recovery", "USD").await.unwrap();
        // An agency: every rule holds.
        let policy = store.set_collection_policy(&org, true, &[]).await.unwrap();
        assert!(policy.third_party, "{name}");
        store
            .add_account(
                &org,
                &NewAccount {
                    account_number: "C-1".into(),
                    party: NewParty {
                        kind: "person".into(),
                        name: "Dana Whitfield".into(),
                        phone: Some("(808) 555-0142".into()),
                        address: Some("12 Lanai St, Miami, FL 33101".into()),
                        ..NewParty::default()
                    },
                    ar_kind: "customer".into(),
                    currency: None,
                    payment_terms: None,
                    opened_on: date("2026-01-01"),
                },
                None,
            )
            .await
            .unwrap();
        // A Florida address and a Hawaii phone: Eastern, Central and Hawaii all hold.
        let profile = store.collection_profile(&org, "C-1").await.unwrap();
        assert_eq!(profile.zones, ["Eastern", "Central", "Hawaii"], "{name}");

        // 10:00 Eastern is 05:00 in Honolulu: refused, kept, and nothing logged.
        let refused = store
            .log_contact(&org, &log("C-1", "call", "2026-11-30T10:00:00-05:00", "no_answer"))
            .await
            .unwrap();
        assert!(refused.contact.is_none(), "{name}");
        let d = refused.decision.unwrap();
        assert!(
            !d.allowed && d.failures[0].rule == "hours" && d.failures[0].reason.contains("05:00 in Hawaii"),
            "{name}: {d:#?}"
        );
        assert_eq!(d.allowed_from.as_deref(), Some("2026-11-30T18:00:00Z"), "{name}: 8 a.m. in Honolulu");
        assert!(store.contacts(&org, "C-1").await.unwrap().is_empty(), "{name}");
        assert_eq!(store.contact_decisions(&org, "C-1").await.unwrap().len(), 1, "{name}: the refusal is on record");

        // Seven unanswered calls on seven days at 14:00 Eastern; the eighth in those seven days is refused.
        for day in 1..=7 {
            let at = format!("2026-12-{day:02}T14:00:00-05:00");
            let done = store.log_contact(&org, &log("C-1", "call", &at, "no_answer")).await.unwrap();
            assert!(done.contact.is_some(), "{name}: call on day {day}: {:#?}", done.decision);
        }
        let eighth = store.check_contact(&org, &request("C-1", "call", "2026-12-07T16:00:00-05:00")).await.unwrap();
        assert_eq!(
            eighth.failures.iter().map(|f| f.rule.as_str()).collect::<Vec<_>>(),
            ["call_frequency"],
            "{name}"
        );
        // Day 8: the first call has left the window. A conversation then starts seven quiet days.
        let talk = store
            .log_contact(&org, &log("C-1", "call", "2026-12-08T14:00:00-05:00", "right_party_contact"))
            .await
            .unwrap();
        assert!(talk.contact.unwrap().conversation, "{name}");
        let soon = store.check_contact(&org, &request("C-1", "call", "2026-12-10T14:00:00-05:00")).await.unwrap();
        assert_eq!(soon.failures[0].rule, "after_conversation", "{name}");
        // A letter is not a call, and has no hours.
        let letter = store.check_contact(&org, &request("C-1", "letter", "2026-12-10T23:00:00-05:00")).await.unwrap();
        assert!(letter.allowed, "{name}: {letter:#?}");
        assert_eq!(letter.address, "12 Lanai St, Miami, FL 33101", "{name}: the address on record");

        // She asks for email not to be used and says she lives in Hawaii; later she disputes the debt.
        store
            .update_collection_profile(
                &org,
                &ProfileUpdate {
                    account_number: "C-1".into(),
                    stated_zone: Some("hawaii".into()),
                    opt_outs: Some(vec!["email".into()]),
                    validation_sent_on: Some(date("2026-11-02")),
                    ..ProfileUpdate::default()
                },
            )
            .await
            .unwrap();
        let profile = store.collection_profile(&org, "C-1").await.unwrap();
        assert_eq!(
            (profile.zones.clone(), profile.validation_period_end.as_deref()),
            (vec!["Hawaii".to_string()], Some("2026-12-09")),
            "{name}"
        );
        let mut email = request("C-1", "email", "2026-12-20T12:00:00-10:00");
        email.address = Some("dana@example.com".into());
        let d = store.check_contact(&org, &email).await.unwrap();
        assert_eq!(d.failures[0].rule, "opt_out", "{name}");
        let dispute = store
            .record_dispute(
                &org,
                &NewDispute {
                    account_number: "C-1".into(),
                    received_on: date("2026-12-04"),
                    note: "says the balance was paid to the original creditor".into(),
                    original_creditor: false,
                },
            )
            .await
            .unwrap();
        assert!(dispute.within_validation_period, "{name}");
        let d = store.check_contact(&org, &request("C-1", "letter", "2026-12-20T12:00:00-10:00")).await.unwrap();
        assert_eq!(d.failures[0].rule, "dispute", "{name}");
        assert_eq!(d.failures[0].citation, "12 CFR 1006.38(d)(2)", "{name}");
        let mut verification = request("C-1", "letter", "2026-12-20T12:00:00-10:00");
        verification.purpose = Some("verification".into());
        assert!(store.check_contact(&org, &verification).await.unwrap().allowed, "{name}");
        let early = store.dispute_verified(&org, dispute.dispute_id, date("2026-12-01")).await.unwrap_err();
        assert!(
            early.to_string().contains("sent_on") && early.to_string().contains("before the dispute arrived"),
            "{name}: {early}"
        );
        store.dispute_verified(&org, dispute.dispute_id, date("2026-12-20")).await.unwrap();
        assert!(
            store
                .check_contact(&org, &request("C-1", "letter", "2026-12-21T12:00:00-10:00"))
                .await
                .unwrap()
                .allowed,
            "{name}"
        );

        // Bad input is named and changes nothing.
        let bad = store
            .update_collection_profile(
                &org,
                &ProfileUpdate {
                    account_number: "C-1".into(),
                    inconvenient: Some(vec!["someday 9-12".into()]),
                    ..ProfileUpdate::default()
                },
            )
            .await
            .unwrap_err();
        assert!(bad.to_string().contains("inconvenient"), "{name}: {bad}");
        let bad = store
            .log_contact(&org, &log("C-1", "letter", "2026-12-21T12:00:00-10:00", "promise"))
            .await
            .unwrap_err();
        assert!(bad.to_string().contains("outcome"), "{name}: {bad}");
        let bad = store
            .check_contact(&org, &request("C-404", "call", "2026-12-21T12:00:00-10:00"))
            .await
            .unwrap_err();
        assert!(bad.to_string().contains("C-404"), "{name}: {bad}");

        // A written cease request: only a letter saying collection has stopped may go.
        store
            .update_collection_profile(
                &org,
                &ProfileUpdate {
                    account_number: "C-1".into(),
                    cease_requested_at: Some("2026-12-22T09:00:00-10:00".into()),
                    ..ProfileUpdate::default()
                },
            )
            .await
            .unwrap();
        let d = store.check_contact(&org, &request("C-1", "letter", "2026-12-23T12:00:00-10:00")).await.unwrap();
        assert_eq!(d.failures[0].rule, "cease", "{name}");
        let mut closing = request("C-1", "letter", "2026-12-23T12:00:00-10:00");
        closing.purpose = Some("cease_response".into());
        let done = store
            .log_contact(
                &org,
                &LogContact::from_request(closing, None, "sent".into(), "collection stopped, as asked".into()),
            )
            .await
            .unwrap();
        assert!(done.contact.is_some(), "{name}");
        // She may still call us: an inbound call is logged, not gated.
        let mut inbound = log("C-1", "call", "2026-12-24T02:00:00-10:00", "right_party_contact");
        inbound.direction = Some("inbound".into());
        assert!(store.log_contact(&org, &inbound).await.unwrap().contact.is_some(), "{name}");
        assert_eq!(store.contacts(&org, "C-1").await.unwrap().len(), 10, "{name}");
        assert!(store.audit_verify(&org).await.unwrap().1.is_empty(), "{name}");
    }
}

#[tokio::test]
async fn promises_are_kept_or_broken_by_the_payments_that_come() {
    use settle_store::billing::NewPayment;
    use settle_store::collections::{NewPromise, PromiseFilter};
    for backend in all().await {
        let store = &backend.store;
        let name = backend.name;
        let org = store.create_organisation("shop", "Corner Shop", "USD").await.unwrap();
        crate::backends::account(store, &org, "A-1").await;
        crate::backends::invoice(store, &org, "A-1", "2026-10-01", "300.00").await;
        let today = date("2026-12-01");
        let promise = |amount: &str, due: &str| NewPromise {
            account_number: "A-1".into(),
            amount: amount.into(),
            due_on: date(due),
            note: "on the phone".into(),
        };
        // Bad promises are named by field, and nothing is kept of them.
        let past = store.record_promise(&org, &promise("50.00", "2026-11-30"), today).await.unwrap_err();
        assert!(
            past.to_string().contains("due_on") && past.to_string().contains("in the past"),
            "{name}: {past}"
        );
        let more = store.record_promise(&org, &promise("300.01", "2026-12-10"), today).await.unwrap_err();
        assert!(more.to_string().contains("more than the account owes"), "{name}: {more}");
        let cents = store.record_promise(&org, &promise("10.001", "2026-12-10"), today).await.unwrap_err();
        assert!(cents.to_string().contains("amount"), "{name}: {cents}");
        assert!(store.promises(&org, &PromiseFilter::default(), today).await.unwrap().is_empty(), "{name}");

        // A promise replaced by another before it came due is cancelled, so one payment never keeps two.
        let replaced = store.record_promise(&org, &promise("50.00", "2026-12-05"), today).await.unwrap();
        let first = store.record_promise(&org, &promise("100.00", "2026-12-10"), today).await.unwrap();
        assert_eq!((first.status.as_str(), first.last_day.as_str()), ("pending", "2026-12-13"), "{name}");
        let listed = store
            .promises(
                &org,
                &PromiseFilter {
                    account_number: Some("A-1".into()),
                    status: None,
                },
                today,
            )
            .await
            .unwrap();
        assert_eq!(
            listed.iter().find(|p| p.promise_id == replaced.promise_id).unwrap().status,
            "cancelled",
            "{name}"
        );
        let pay = |amount: &str, on: &str| NewPayment {
            account_number: "A-1".into(),
            amount: amount.into(),
            method: "check".into(),
            reference: String::new(),
            received_on: date(on),
            apply_to: Vec::new(),
        };
        store.post_payment(&org, &pay("60.00", "2026-12-04"), None).await.unwrap();
        store.post_payment(&org, &pay("40.00", "2026-12-12"), None).await.unwrap();
        // On the 11th only 60.00 of 100.00 has come: pending.
        let review = store.review_promises(&org, date("2026-12-11")).await.unwrap();
        assert_eq!((review.kept.len(), review.broken.len(), review.still_pending), (0, 0, 1), "{name}: {review:#?}");
        // The 40.00 of the 12th, within the grace days, keeps it.
        let review = store.review_promises(&org, date("2026-12-14")).await.unwrap();
        assert_eq!(review.kept.len(), 1, "{name}: {review:#?}");
        assert_eq!(review.kept[0].kept_on.as_deref(), Some("2026-12-12"), "{name}");
        // The next, never paid, is broken after its last day; reviewing again changes nothing.
        store.record_promise(&org, &promise("100.00", "2026-12-15"), date("2026-12-14")).await.unwrap();
        let review = store.review_promises(&org, date("2026-12-19")).await.unwrap();
        assert_eq!((review.kept.len(), review.broken.len()), (0, 1), "{name}: {review:#?}");
        let again = store.review_promises(&org, date("2026-12-19")).await.unwrap();
        assert_eq!((again.kept.len(), again.broken.len(), again.still_pending), (0, 0, 0), "{name}");
        let broken = store
            .promises(
                &org,
                &PromiseFilter {
                    account_number: None,
                    status: Some("broken".into()),
                },
                date("2026-12-19"),
            )
            .await
            .unwrap();
        assert_eq!(broken.len(), 1, "{name}");
    }
}

/// 12 CFR 1006.38(d)(2): a collection letter inside a dispute's halt is
/// refused by the letter door as by `contact check`, and nothing is sent.
#[tokio::test]
async fn a_collection_letter_during_a_dispute_halt_is_refused() {
    for backend in all().await {
        let (store, name) = (&backend.store, backend.name);
        let org = crate::backends::agency_with_dana(store).await;
        store
            .set_collector_contact(&org, "PO Box 10, Madison, WI 53701", "(608) 555-0100", "8 a.m. to 5 p.m. Central")
            .await
            .unwrap();
        crate::backends::invoice(store, &org, "C-1", "2026-10-01", "250.00").await;
        let today = jiff::Zoned::now().date();
        store.send_validation_notice(&org, "C-1", today).await.unwrap();
        store
            .record_dispute(
                &org,
                &NewDispute {
                    account_number: "C-1".into(),
                    received_on: today,
                    note: "not mine".into(),
                    original_creditor: false,
                },
            )
            .await
            .unwrap();
        let letter = SendLetter {
            account_number: "C-1".into(),
            kind: "reminder".into(),
            payment_id: None,
        };
        let sent = store.send_letter(&org, &letter, today).await.unwrap();
        assert!(sent.letter.is_none(), "{name}: a reminder went out during the dispute's halt");
        assert!(!sent.decision.allowed, "{name}");
        assert!(
            sent.decision.failures.iter().any(|f| f.rule == "dispute"),
            "{name}: {:?}",
            sent.decision.failures
        );
        assert_eq!(store.letters(&org, "C-1").await.unwrap().len(), 1, "{name}: only the validation notice");
    }
}

/// 12 CFR 1006.14(b)(2)(i)(B): a conversation the consumer starts (they
/// called us) is day one of the seven quiet days, whoever dialled.
#[tokio::test]
async fn a_conversation_the_consumer_starts_begins_the_seven_quiet_days() {
    for backend in all().await {
        let (store, name) = (&backend.store, backend.name);
        let org = crate::backends::agency_with_dana(store).await;
        let mut inbound = log("C-1", "call", "2026-11-10T12:00:00-05:00", "right_party_contact");
        inbound.direction = Some("inbound".into());
        store.log_contact(&org, &inbound).await.unwrap();
        let d = store.check_contact(&org, &request("C-1", "call", "2026-11-16T12:00:00-05:00")).await.unwrap();
        assert!(d.failures.iter().any(|f| f.rule == "after_conversation"), "{name}: {:?}", d.failures);
        assert!(
            store
                .check_contact(&org, &request("C-1", "call", "2026-11-17T12:00:00-05:00"))
                .await
                .unwrap()
                .allowed,
            "{name}"
        );
    }
}

/// 12 CFR 1006.38(c): a written request for the original creditor's name
/// and address within the validation period halts collection until it is
/// answered, as a dispute does.
#[tokio::test]
async fn a_request_for_the_original_creditor_halts_collection_until_answered() {
    for backend in all().await {
        let (store, name) = (&backend.store, backend.name);
        let org = crate::backends::agency_with_dana(store).await;
        store
            .set_collector_contact(&org, "PO Box 10, Madison, WI 53701", "(608) 555-0100", "8 a.m. to 5 p.m. Central")
            .await
            .unwrap();
        crate::backends::invoice(store, &org, "C-1", "2026-10-01", "250.00").await;
        let today = jiff::Zoned::now().date();
        store.send_validation_notice(&org, "C-1", today).await.unwrap();
        let request = store
            .record_dispute(
                &org,
                &NewDispute {
                    account_number: "C-1".into(),
                    received_on: today,
                    note: "who did I owe?".into(),
                    original_creditor: true,
                },
            )
            .await
            .unwrap();
        assert_eq!(request.kind, "original_creditor", "{name}");
        let letter = SendLetter {
            account_number: "C-1".into(),
            kind: "reminder".into(),
            payment_id: None,
        };
        let sent = store.send_letter(&org, &letter, today).await.unwrap();
        assert!(sent.letter.is_none(), "{name}");
        assert!(
            sent.decision.failures.iter().any(|f| f.reason.contains("original creditor's name and address")),
            "{name}: {:?}",
            sent.decision.failures
        );
        store.dispute_verified(&org, request.dispute_id, today).await.unwrap();
        assert!(
            store.send_letter(&org, &letter, today).await.unwrap().letter.is_some(),
            "{name}: answered, collection goes on"
        );
        assert!(store.collections_verify(&org).await.unwrap().clean, "{name}");
    }
}
