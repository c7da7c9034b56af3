//! Insurance follow-up on both engines: claims a payer has not answered
//! come onto the list when due, a call to the payer takes one off until
//! its follow-up date, assignment filters the list, refusals name the
//! field; and a payer's receivable is never dunned, queued or written to,
//! however late, with a level it held from before taken away.

use settle_store::claims::*;
use settle_store::collections::dunning::RunRequest;
use settle_store::StoreError;

use crate::backends::{all, date};
use crate::claim_facts::export;
use crate::claim_life::{allow_sending, clinic, visits, TODAY};

async fn exec(store: &settle_store::Store, sql: &str) {
    let mut conn = store.pool().acquire().await.unwrap();
    sqlx::query(sql).execute(&mut *conn).await.unwrap();
}

async fn count(store: &settle_store::Store, sql: &str) -> i64 {
    let mut conn = store.pool().acquire().await.unwrap();
    sqlx::Row::try_get(&sqlx::query(sql).fetch_one(&mut *conn).await.unwrap(), 0).unwrap()
}

fn plus(day: settle_domain::Date, days: i64) -> settle_domain::Date {
    day.checked_add(jiff::Span::new().days(days)).unwrap()
}

#[tokio::test]
async fn unanswered_claims_are_followed_up_and_payers_never_dunned() {
    for backend in all().await {
        let store = &backend.store;
        let name = backend.name;
        let org = clinic(store).await;
        // A long filing limit, so no deadline crowds the list whenever the
        // test runs; the domain's tests rank deadlines.
        exec(store, "UPDATE payer SET timely_filing_days = 3650").await;
        let today = date(TODAY);
        let numbers = visits(store, &org, ["99213", "99214"], today).await;
        allow_sending(store, &org, "3055552222").await;
        export(store, &org, today).await;
        // Aging by who owes: the payer's row is the insurance receivable
        // (1120) to the cent, the patients' row the rest, on any date.
        let buckets = settle_domain::aging::AgingBuckets::parse("30,60,90,120").unwrap();
        for day in [today, plus(today, 45), plus(today, 200)] {
            let by = store.aging_by_responsibility(&org, day, &buckets, None).await.unwrap();
            let all = store.aging_totals(&org, day, &buckets, None).await.unwrap();
            let control: i64 = store
                .trial_balance(&org, Some(day))
                .await
                .unwrap()
                .iter()
                .filter(|t| t.code == "1120")
                .map(|t| t.balance_minor)
                .sum();
            let payers: i64 = by.rows.iter().filter(|r| r.account_number.starts_with("INS-")).map(|r| r.total_minor).sum();
            assert!(control > 0, "{name}: nothing billed to the payer");
            assert_eq!(payers, control, "{name}: {day}: {:?}", by.rows);
            assert_eq!(by.total_minor, all.total_minor, "{name}: {day}");
            assert_eq!(by.rows.iter().map(|r| r.total_minor).sum::<i64>(), all.total_minor, "{name}: {day}");
            assert_eq!(by.rows[0].name, "Key Insurance Company", "{name}: {:?}", by.rows);
        }

        // Submitted on the business day of the export: not yet due ten days on.
        let sent = today;
        let list = |day, filter: FollowUpFilter| {
            let org = org.clone();
            async move { store.follow_up(&org, &filter, day).await.unwrap() }
        };
        assert!(list(plus(sent, 10), FollowUpFilter::default()).await.is_empty(), "{name}");
        let waiting = list(
            plus(sent, 10),
            FollowUpFilter {
                all: Some(true),
                ..Default::default()
            },
        )
        .await;
        assert_eq!(waiting.len(), 2, "{name}");
        assert!(waiting.iter().all(|r| r.urgency == "waiting"), "{name}: {waiting:?}");

        // Forty days on, both are due: the bigger claim first.
        let day = plus(sent, 40);
        let due = list(day, FollowUpFilter::default()).await;
        let ranked: Vec<(&str, &str, &str)> = due
            .iter()
            .map(|r| (r.claim_number.as_str(), r.urgency.as_str(), r.next_step.as_str()))
            .collect();
        assert_eq!(ranked.len(), 2, "{name}: {due:?}");
        assert!(ranked.iter().all(|(_, u, s)| *u == "due" && *s == "ask status"), "{name}: {ranked:?}");
        let usd = settle_domain::money::Currency::from_code("USD").unwrap();
        let open = |i: usize| settle_domain::money::Money::parse(&due[i].open, usd).unwrap().amount_minor();
        assert!(open(0) >= open(1), "{name}: {due:?}");
        assert!(due[0].why.contains("no answer"), "{name}: {due:?}");

        // A call: refused by field when wrong, then recorded; the claim
        // waits until its follow-up date, then comes back to call again.
        let call = |said: &str, next| PayerCall {
            claim_number: numbers[0].clone(),
            called_on: Some(day),
            reference: "CR-4471".into(),
            rep: "Dana".into(),
            said: said.into(),
            next_follow_up: next,
        };
        let refused = store.log_payer_call(&org, &call("", None), day).await.unwrap_err();
        assert!(matches!(&refused, StoreError::Invalid { field, .. } if *field == "said"), "{name}: {refused:?}");
        let refused = store.log_payer_call(&org, &call("in process", Some(day)), day).await.unwrap_err();
        assert!(
            matches!(&refused, StoreError::Invalid { field, .. } if *field == "next_follow_up"),
            "{name}: {refused:?}"
        );
        let unknown = PayerCall {
            claim_number: "NOPE-1".into(),
            ..call("in process", None)
        };
        assert!(
            matches!(store.log_payer_call(&org, &unknown, day).await, Err(StoreError::NotFound { .. })),
            "{name}"
        );
        let calls = store
            .log_payer_call(&org, &call("in process, pays in 14 days", Some(plus(day, 14))), day)
            .await
            .unwrap();
        assert_eq!((calls.len(), calls[0].reference.as_str()), (1, "CR-4471"), "{name}");
        let after = list(day, FollowUpFilter::default()).await;
        assert_eq!(
            after.iter().map(|r| r.claim_number.as_str()).collect::<Vec<_>>(),
            [numbers[1].as_str()],
            "{name}"
        );
        let back = list(plus(day, 14), FollowUpFilter::default()).await;
        let row = back.iter().find(|r| r.claim_number == numbers[0]).unwrap();
        assert_eq!(
            (row.next_step.as_str(), row.next_follow_up.clone()),
            ("call back", Some(plus(day, 14).to_string())),
            "{name}"
        );
        let history = store.claim(&org, &numbers[0]).await.unwrap().events;
        assert!(
            history.iter().any(|e| e.note.contains("payer call") && e.note.contains("CR-4471")),
            "{name}: {history:?}"
        );

        // Assigned to a person, the list filters by them.
        store
            .assign_follow_up(
                &org,
                &AssignFollowUp {
                    claim_number: numbers[1].clone(),
                    assigned_to: "sam@clinic".into(),
                },
            )
            .await
            .unwrap();
        let mine = list(
            day,
            FollowUpFilter {
                assigned_to: Some("sam@clinic".into()),
                ..Default::default()
            },
        )
        .await;
        assert_eq!((mine.len(), mine[0].assigned_to.as_str()), (1, "sam@clinic"), "{name}");

        // A claim the payer will never pay is written off: what the payer
        // owes goes to contractual, nothing moves to the patient, the claim
        // closes and leaves the list; refused by field when wrong.
        let before = crate::claim_life::insurance_balance(store, &org, "INS-66783JJT").await;
        let patients = count(
            store,
            "SELECT CAST(COALESCE(SUM(balance_minor), 0) AS BIGINT) FROM account WHERE ar_kind = 'patient'",
        )
        .await;
        let write_off = |memo: &str| WriteOffClaim {
            claim_number: numbers[1].clone(),
            date: Some(day),
            memo: memo.into(),
        };
        let refused = store.write_off_claim(&org, &write_off(" "), day).await.unwrap_err();
        assert!(matches!(&refused, StoreError::Invalid { field, .. } if *field == "memo"), "{name}: {refused:?}");
        let amount = store
            .write_off_claim(&org, &write_off("The payer's timely filing limit passed (CARC 29)."), day)
            .await
            .unwrap();
        let usd = settle_domain::money::Currency::from_code("USD").unwrap();
        let minor = |text: &str| settle_domain::money::Money::parse(text, usd).unwrap().amount_minor();
        assert_eq!(
            minor(&crate::claim_life::insurance_balance(store, &org, "INS-66783JJT").await),
            minor(&before) - minor(&amount),
            "{name}"
        );
        assert_eq!(
            count(
                store,
                "SELECT CAST(COALESCE(SUM(balance_minor), 0) AS BIGINT) FROM account WHERE ar_kind = 'patient'"
            )
            .await,
            patients,
            "{name}: nothing moves to the patient"
        );
        assert_eq!(store.claim(&org, &numbers[1]).await.unwrap().status, "closed", "{name}");
        assert!(
            list(
                day,
                FollowUpFilter {
                    all: Some(true),
                    ..Default::default()
                }
            )
            .await
            .iter()
            .all(|r| r.claim_number != numbers[1]),
            "{name}"
        );
        let again = store.write_off_claim(&org, &write_off("again"), day).await.unwrap_err();
        assert!(
            matches!(&again, StoreError::Invalid { field, .. } if *field == "claim_number"),
            "{name}: {again:?}"
        );
        crate::backends::assert_verified(store, &org).await;

        // The payer's receivable is long past due; a level it held from an
        // older version is taken away, and nothing is done to it.
        exec(
            store,
            "INSERT INTO dunning_state (org_id, account_id, level_seq, level_name, reached_on, stage, held_on) \
             SELECT org_id, account_id, 2, 'second_notice', '2026-11-01', 'pre_collection', NULL FROM account WHERE account_number LIKE 'INS-%'",
        )
        .await;
        let report = store
            .dunning_run(
                &org,
                &RunRequest {
                    as_of: plus(sent, 120),
                    at: None,
                    dry_run: false,
                },
            )
            .await
            .unwrap();
        assert!(report.run_id.is_some(), "{name}");
        let payer_rows = |table: &str| {
            format!("SELECT COUNT(*) FROM {table} t JOIN account a ON a.org_id = t.org_id AND a.account_id = t.account_id WHERE a.account_number LIKE 'INS-%'")
        };
        for table in ["dunning_state", "dunning_action", "worklist_item", "contact_decision", "collection_letter"] {
            assert_eq!(count(store, &payer_rows(table)).await, 0, "{name}: {table}");
        }
        let queue = store.queue(&org, None, plus(sent, 120), 100).await.unwrap();
        assert!(queue.iter().all(|q| !q.account_number.starts_with("INS-")), "{name}: {queue:?}");

        // Nor can a person reach a payer as a consumer: the gate, the
        // contact log (either way) and letters refuse its account by name.
        let payer_account = "INS-66783JJT";
        let ask: settle_store::collections::ContactRequest =
            serde_json::from_value(serde_json::json!({ "account_number": payer_account, "channel": "call", "address": "305-555-0100" })).unwrap();
        let log = |direction: &str| -> settle_store::collections::LogContact {
            serde_json::from_value(
                serde_json::json!({ "account_number": payer_account, "channel": "call", "address": "305-555-0100",
                "direction": direction, "outcome": "no_answer", "note": "" }),
            )
            .unwrap()
        };
        let letter: settle_store::collections::SendLetter =
            serde_json::from_value(serde_json::json!({ "account_number": payer_account, "kind": "reminder" })).unwrap();
        let refusals = [
            store.check_contact(&org, &ask).await.map(|_| ()),
            store.log_contact(&org, &log("outbound")).await.map(|_| ()),
            store.log_contact(&org, &log("inbound")).await.map(|_| ()),
            store.send_letter(&org, &letter, plus(sent, 120)).await.map(|_| ()),
        ];
        for refused in refusals {
            assert!(
                matches!(&refused, Err(StoreError::Invalid { field, message }) if *field == "account_number" && message.contains("payer's receivable")),
                "{name}: {refused:?}"
            );
        }
        assert_eq!(count(store, &payer_rows("contact_attempt")).await, 0, "{name}");
    }
}

/// The kept ranking's keys, by claim.
async fn rank_keys(store: &settle_store::Store) -> Vec<(i64, String, i64, i64, i64)> {
    let mut conn = store.pool().acquire().await.unwrap();
    sqlx::query("SELECT claim_id, assigned_to, grp, key_a, key_b FROM follow_up_rank ORDER BY claim_id")
        .fetch_all(&mut *conn)
        .await
        .unwrap()
        .iter()
        .map(|r| {
            use sqlx::Row;
            (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4))
        })
        .collect()
}

/// The list as ranked now (and its kept keys), and as a ranking made afresh
/// ranks it.
async fn ranked_and_afresh(
    store: &settle_store::Store,
    org: &settle_store::platform::Organisation,
    day: settle_domain::Date,
) -> (
    (Vec<FollowUpRow>, Vec<(i64, String, i64, i64, i64)>),
    (Vec<FollowUpRow>, Vec<(i64, String, i64, i64, i64)>),
) {
    let every = FollowUpFilter {
        all: Some(true),
        ..Default::default()
    };
    let kept = store.follow_up(org, &every, day).await.unwrap();
    let kept_keys = rank_keys(store).await;
    let kept_counts = store.follow_up_counts(org, &every, day).await.unwrap();
    exec(store, "UPDATE follow_up_state SET as_of = NULL").await;
    let afresh = store.follow_up(org, &every, day).await.unwrap();
    let afresh_counts = store.follow_up_counts(org, &every, day).await.unwrap();
    assert_eq!(kept_counts, afresh_counts, "the counts kept with the ranking");
    ((kept, kept_keys), (afresh, rank_keys(store).await))
}

#[tokio::test]
async fn the_kept_ranking_follows_every_change_whatever_path_made_it() {
    for backend in all().await {
        let store = &backend.store;
        let name = backend.name;
        let org = clinic(store).await;
        exec(store, "UPDATE payer SET timely_filing_days = 3650").await;
        let today = date(TODAY);
        let mut numbers = visits(store, &org, ["99213", "99214"], today).await;
        let mut third = crate::claim_life::visit("P-2", &["E11.9"], "99392", vec![1]);
        third.lines[1].modifiers = vec!["91".into()];
        numbers.push(
            store
                .create_claim(&org, &NewClaim { claim: third, draft: false }, today, None)
                .await
                .unwrap()
                .claim_number,
        );
        allow_sending(store, &org, "3055552222").await;
        export(store, &org, today).await;
        let day = plus(today, 40);
        let (first, _) = ranked_and_afresh(store, &org, day).await;
        assert_eq!(first.0.len(), 3, "{name}: {first:?}");
        assert_eq!(first.1.len(), 3, "{name}: {first:?}");
        // Each change below is made as any path (or a hand in the database)
        // would make it; the ranking read next is the one made afresh.
        let item_of = |n: &str| {
            format!("(SELECT l.item_id FROM claim_line l JOIN claim c ON c.org_id = l.org_id AND c.claim_id = l.claim_id WHERE c.claim_number = '{n}' AND l.line_no = 1)")
        };
        let claim_of = |n: &str| format!("(SELECT claim_id FROM claim WHERE claim_number = '{n}')");
        let changes = [
            format!("UPDATE open_item SET balance_minor = 1 WHERE item_id = {}", item_of(&numbers[2])),
            format!("UPDATE claim SET status = 'rejected', submitted_on = '{}' WHERE claim_number = '{}'", plus(today, 5), numbers[1]),
            format!("INSERT INTO claim_follow_up (org_id, claim_id, next_on, assigned_to) SELECT org_id, claim_id, '{}', 'sam' FROM claim WHERE claim_number = '{}'", plus(day, 5), numbers[0]),
            format!("UPDATE claim_follow_up SET next_on = NULL WHERE claim_id = {}", claim_of(&numbers[0])),
            // The rejected claim's filing limit passes; the appeal and
            // correction windows shrink.
            "UPDATE payer SET timely_filing_days = 50, appeal_days = 20, corrected_claim_days = 45".to_string(),
            // Acknowledged, the first claim no longer runs against the filing limit.
            format!("UPDATE claim SET status = 'accepted' WHERE claim_number = '{}'", numbers[0]),
            // Denied: the appeal window passed, a correction due in 5 days.
            format!("UPDATE claim SET status = 'denied' WHERE claim_number = '{}'", numbers[2]),
            // The payer has no record of the accepted claim: its filing limit runs, and has passed.
            format!(
                "INSERT INTO claim_status_answer (org_id, claim_id, seq, effective_on, category, status_code, entity, answer, words, file_id, at) \
                 SELECT org_id, claim_id, 1, '{}', 'A6', '35', 'PR', 'not found', 'Claim/encounter not found', 0, '' FROM claim WHERE claim_number = '{}'",
                plus(today, 35),
                numbers[0]
            ),
            format!("UPDATE claim SET status = 'paid' WHERE claim_number = '{}'", numbers[1]),
        ];
        let mut seen = vec![first];
        for change in &changes {
            exec(store, change).await;
            let (kept, afresh) = ranked_and_afresh(store, &org, day).await;
            assert_eq!(kept, afresh, "{name}: after {change}");
            seen.push(kept);
        }
        // Every change moved the kept keys (so none of the checks above is idle).
        for (i, pair) in seen.windows(2).enumerate() {
            assert_ne!(pair[0].1, pair[1].1, "{name}: {} changed nothing", changes[i]);
        }

        // A page is a slice of the list, ranked in it; the counts add up.
        let every = FollowUpFilter {
            all: Some(true),
            ..Default::default()
        };
        let whole = store.follow_up(&org, &every, day).await.unwrap();
        let page = store
            .follow_up(
                &org,
                &FollowUpFilter {
                    limit: Some(1),
                    offset: Some(1),
                    ..every.clone()
                },
                day,
            )
            .await
            .unwrap();
        assert_eq!(page, whole[1..2], "{name}");
        assert_eq!(page[0].rank, 2, "{name}");
        let counts = store.follow_up_counts(&org, &every, day).await.unwrap();
        assert_eq!((counts.to_work() + counts.waiting) as usize, whole.len(), "{name}: {counts:?}");
        assert_eq!(counts.to_work() as usize, whole.iter().filter(|r| r.urgency != "waiting").count(), "{name}");
    }
}
