//! Worklists a page at a time and their bulk actions, on both engines:
//! claims sorted, paged, searched and tallied; the ready claims chosen sent
//! as one 837P and the rest left ready; accounts and follow-ups handed over
//! together, all or none, each move a row of the trail.

use settle_domain::access::Role;
use settle_store::billing::AccountFilter;
use settle_store::claims::*;
use settle_store::platform::access::FirstPassword;
use settle_store::platform::trail_search::TrailFilter;
use settle_store::StoreError;

use crate::backends::{all, date};
use crate::claim_life::{allow_sending, clinic, visit, visits, TODAY};

fn refused_naming(result: Result<impl std::fmt::Debug, StoreError>, want_field: &str, words: &str) {
    match result {
        Err(StoreError::Invalid { field, message }) => {
            assert_eq!(field, want_field, "{message}");
            assert!(message.contains(words), "{message:?} lacks {words:?}");
        }
        other => panic!("expected a refusal naming {want_field}, got {other:?}"),
    }
}

#[tokio::test]
async fn claims_are_listed_by_any_column_a_page_at_a_time_and_the_chosen_sent() {
    for backend in all().await {
        let store = &backend.store;
        let name = backend.name;
        let org = clinic(store).await;
        let today = date(TODAY);
        let numbers = visits(store, &org, ["99213", "99214"], today).await;
        // A third, for Jane on another day.
        let mut again = visit("P-1", &["E11.9"], "99212", vec![1]);
        for line in &mut again.lines {
            line.date_of_service = date("2026-11-03");
        }
        let third = store.create_claim(&org, &NewClaim { claim: again, draft: false }, today, None).await.unwrap();
        assert_eq!(third.status, "ready", "{name}: {:?}", third.findings);
        let third = third.claim_number;
        let ready = |sort: &str, descending: bool, offset: i64, limit: i64| ClaimFilter {
            status: Some("ready".into()),
            sort: Some(sort.into()),
            descending,
            offset,
            limit: Some(limit),
            ..Default::default()
        };
        let tally = store.tally_claims(&org, &ready("number", false, 0, 50)).await.unwrap();
        assert_eq!(tally.count, 3, "{name}");
        let listed = store.claims(&org, &ready("number", false, 0, 50)).await.unwrap();
        let sum: i64 = listed.iter().map(|c| c.total.replace('.', "").parse::<i64>().unwrap()).sum();
        assert_eq!(tally.total.replace('.', "").parse::<i64>().unwrap(), sum, "{name}: {tally:?}");
        // By patient, Ted last; backwards, Ted first; a page of one skips.
        let by_patient = store.claims(&org, &ready("patient", false, 0, 50)).await.unwrap();
        assert_eq!(by_patient.last().unwrap().patient_name, "Ted Smith", "{name}");
        let backwards = store.claims(&org, &ready("patient", true, 0, 1)).await.unwrap();
        assert_eq!((backwards.len(), backwards[0].patient_name.as_str()), (1, "Ted Smith"), "{name}");
        let second = store.claims(&org, &ready("number", false, 1, 1)).await.unwrap();
        assert_eq!(second[0].claim_number, listed[1].claim_number, "{name}");
        // Text finds by name in any case, and counts alike.
        let ted = ClaimFilter {
            search: Some("TED".into()),
            ..ready("number", false, 0, 50)
        };
        assert_eq!(store.claims(&org, &ted).await.unwrap().len(), 1, "{name}");
        assert_eq!(store.tally_claims(&org, &ted).await.unwrap().count, 1, "{name}");
        refused_naming(store.claims(&org, &ready("'; DROP TABLE claim", false, 0, 50)).await, "sort", "not a column");

        // Choosing: a claim named twice, an unknown one, or one not ready
        // refuses the whole send, and nothing is sent.
        allow_sending(store, &org, "3055552222").await;
        let send = |claims: Vec<String>| ExportClaims {
            payer_code: "66783JJT".into(),
            claims,
            production: false,
        };
        refused_naming(
            store
                .export_claims(&org, &send(vec![numbers[0].clone(), numbers[0].to_lowercase()]), today)
                .await,
            "claims",
            "choice 2",
        );
        refused_naming(
            store.export_claims(&org, &send(vec!["CLM-999999".into()]), today).await,
            "claims",
            "no claim CLM-999999",
        );
        assert_eq!(
            store.tally_claims(&org, &ready("number", false, 0, 50)).await.unwrap().count,
            3,
            "{name}: a refused send changed something"
        );
        assert!(store.x12_files(&org).await.unwrap().is_empty(), "{name}: a refused send kept a file");

        // Two chosen: those two go, the third stays ready.
        let sent = store.export_claims(&org, &send(vec![numbers[1].clone(), third.clone()]), today).await.unwrap();
        let mut got = sent.claims.clone();
        got.sort();
        let mut want = vec![numbers[1].clone(), third.clone()];
        want.sort();
        assert_eq!(got, want, "{name}");
        assert!(!sent.body.contains(&format!("CLM*{}*", numbers[0])), "{name}: an unchosen claim was sent");
        let left = store.claims(&org, &ready("number", false, 0, 50)).await.unwrap();
        assert_eq!(
            left.iter().map(|c| c.claim_number.clone()).collect::<Vec<_>>(),
            vec![numbers[0].clone()],
            "{name}"
        );
        // Sent already: refused by name, as not ready.
        refused_naming(
            store.export_claims(&org, &send(vec![third.clone()]), today).await,
            "claims",
            "submitted, not ready",
        );
    }
}

#[tokio::test]
async fn accounts_and_follow_ups_are_handed_over_together_or_not_at_all() {
    for backend in all().await {
        let store = &backend.store;
        let name = backend.name;
        let org = clinic(store).await;
        store
            .add_user(&org, "ann", "Ann", Role::CollectionsSpecialist, FirstPassword::Generated)
            .await
            .unwrap();
        let moves = TrailFilter {
            action: "worklist.assign".into(),
            ..Default::default()
        };
        refused_naming(
            store.assign_accounts(&org, &["P-1".into(), "P-9".into()], "ann").await,
            "accounts",
            "choice 2: there is no account P-9",
        );
        refused_naming(
            store.assign_accounts(&org, &["P-1".into(), "p-1".into()], "ann").await,
            "accounts",
            "chosen twice",
        );
        refused_naming(store.assign_accounts(&org, &["P-1".into()], "nobody").await, "collector", "no user");
        refused_naming(store.assign_accounts(&org, &[], "ann").await, "accounts", "at least one");
        assert_eq!(store.audit_count(&org, &moves).await.unwrap(), 0, "{name}: a refused hand-over was recorded");
        assert_eq!(store.assign_accounts(&org, &["P-1".into(), "P-2".into()], "ann").await.unwrap(), 2, "{name}");
        assert_eq!(store.audit_count(&org, &moves).await.unwrap(), 2, "{name}: one row a move");

        // Follow-ups alike.
        let today = date(TODAY);
        let numbers = visits(store, &org, ["99213", "99214"], today).await;
        let handed = TrailFilter {
            action: "claim.follow_up_assign".into(),
            ..Default::default()
        };
        refused_naming(
            store.assign_follow_ups(&org, &[numbers[0].clone(), "CLM-424242".into()], "sam").await,
            "claims",
            "choice 2",
        );
        assert_eq!(store.audit_count(&org, &handed).await.unwrap(), 0, "{name}");
        assert_eq!(store.assign_follow_ups(&org, &numbers, "sam").await.unwrap(), 2, "{name}");
        assert_eq!(store.audit_count(&org, &handed).await.unwrap(), 2, "{name}");
        for number in &numbers {
            let events = store.claim(&org, number).await.unwrap().events;
            assert!(events.iter().any(|e| e.note == "follow-up assigned to sam"), "{name}: {events:?}");
        }
    }
}

#[tokio::test]
async fn accounts_in_credit_are_counted_and_sorted_by_what_they_hold() {
    for backend in all().await {
        let store = &backend.store;
        let name = backend.name;
        let org = clinic(store).await;
        let filter = |sort: &str, descending: bool| AccountFilter {
            sort: sort.into(),
            descending,
            limit: 50,
            ..Default::default()
        };
        let by_name = store.list_accounts(&org, &filter("name", true)).await.unwrap();
        assert_eq!(by_name.first().unwrap().name, "Ted Smith", "{name}");
        let tally = store.tally_accounts(&org, &filter("name", true)).await.unwrap();
        assert_eq!(tally.count, by_name.len() as i64, "{name}");
        assert_eq!(tally.credit, "0.00", "{name}");
        let in_credit = AccountFilter {
            in_credit: true,
            ..filter("credit", true)
        };
        assert_eq!(store.tally_accounts(&org, &in_credit).await.unwrap().count, 0, "{name}");
        refused_naming(store.list_accounts(&org, &filter("nonsense", false)).await, "sort", "not a column");
    }
}
