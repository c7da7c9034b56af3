//! `collections verify` on every backend: the contact log replayed against
//! the gate with the facts of each contact's moment. Contacts that went
//! through the gate replay clean; one recorded as a violation is listed as
//! such; one written around the gate (straight into the table, as a bug or
//! a hand edit would) is found and named.

use crate::backends::all;
use settle_store::collections::{ContactRequest, LogContact, ProfileUpdate};

fn log(at: &str, outcome: &str) -> LogContact {
    LogContact::from_request(
        ContactRequest {
            account_number: "C-1".into(),
            channel: "call".into(),
            address: None,
            at_work: false,
            purpose: None,
            at: Some(at.into()),
        },
        None,
        outcome.into(),
        String::new(),
    )
}

#[tokio::test]
async fn the_contact_log_replays_clean_names_violations_and_finds_a_contact_written_around_the_gate() {
    for backend in all().await {
        let (store, name) = (&backend.store, backend.name);
        let org = crate::backends::agency_with_dana(store).await;
        let empty = store.collections_verify(&org).await.unwrap();
        assert!(empty.clean && empty.checked == 0, "{name}: {empty:?}");

        // Seven calls that never connected (busy, out of service) are not
        // calls placed (12 CFR 1006.14(b)(3)(ii)): an eighth still may go.
        for hour in 10..17 {
            let done = store
                .log_contact(&org, &log(&format!("2026-11-10T{hour}:00:00-05:00"), "not_connected"))
                .await
                .unwrap();
            assert!(done.contact.is_some(), "{name}: {hour}:00");
        }
        let eighth = store.log_contact(&org, &log("2026-11-10T17:30:00-05:00", "no_answer")).await.unwrap();
        assert!(eighth.contact.is_some(), "{name}: {:?}", eighth.decision);

        // A call at 22:30 is refused and not logged; said to have happened, it
        // is logged as what it was: a violation of the hours rule.
        let late = store.log_contact(&org, &log("2026-11-11T22:30:00-05:00", "voicemail")).await.unwrap();
        assert!(late.contact.is_none(), "{name}");
        let mut happened = log("2026-11-11T22:30:00-05:00", "voicemail");
        happened.violation = true;
        let flagged = store.log_contact(&org, &happened).await.unwrap().contact.unwrap();
        assert_eq!(flagged.violation, ["hours"], "{name}");

        let replay = store.collections_verify(&org).await.unwrap();
        assert!(replay.clean, "{name}: {:?}", replay.refused);
        assert_eq!(replay.checked, 9, "{name}");
        assert_eq!(replay.violations.len(), 1, "{name}");
        assert_eq!(replay.violations[0].recorded_violation, ["hours"], "{name}");

        // The consumer asks in writing that we stop. A letter written
        // straight into the contact log afterwards, around the gate, is found.
        store
            .update_collection_profile(
                &org,
                &ProfileUpdate {
                    account_number: "C-1".into(),
                    cease_requested_at: Some("2026-11-12".into()),
                    ..ProfileUpdate::default()
                },
            )
            .await
            .unwrap();
        // Refused through the door...
        let mut letter = log("2026-11-13T10:00:00-05:00", "sent");
        letter.channel = "letter".into();
        assert!(store.log_contact(&org, &letter).await.unwrap().contact.is_none(), "{name}");
        // ...but written around it.
        sqlx::query(
            "INSERT INTO contact_attempt (org_id, contact_id, account_id, channel, direction, address, at_work, purpose, outcome, conversation, at, note, \
             decision_id, logged_by, logged_at, violation) SELECT org_id, 9999, account_id, 'letter', 'outbound', '12 Lanai St, Miami, FL 33101', 0, \
             'collection', 'sent', 0, '2026-11-13T15:00:00Z', '', NULL, 'rogue', '2099-01-01T00:00:00Z', '' FROM account WHERE account_number = 'C-1'",
        )
        .execute(store.pool())
        .await
        .unwrap();
        let replay = store.collections_verify(&org).await.unwrap();
        assert!(!replay.clean, "{name}");
        assert_eq!(replay.refused.len(), 1, "{name}: {:?}", replay.refused);
        let found = &replay.refused[0];
        assert_eq!((found.contact_id, found.logged_by.as_str()), (9999, "rogue"), "{name}");
        assert!(
            found.reasons.iter().any(|r| r.starts_with("cease (12 CFR 1006.6(c))")),
            "{name}: {:?}",
            found.reasons
        );
        // The cease given as a date counts from that day's start where she
        // lives, and the refusal names that day, not the evening before.
        assert!(found.reasons[0].contains("on 2026-11-12"), "{name}: {:?}", found.reasons);
    }
}
