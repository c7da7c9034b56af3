//! Money has limits: the largest amount is taken, a cent more is refused by
//! field, and many maximums on one account stop at the account's limit with
//! a clear error; the books keep answering and `verify` stays clean.

use settle_domain::aging::AgingBuckets;
use settle_domain::money::{MAX_ACCOUNT_BALANCE_MINOR, MAX_AMOUNT_MINOR};
use settle_store::billing::{NewInvoice, NewInvoiceLine, NewPayment};
use settle_store::{Store, StoreError};

use crate::backends::{account, all, assert_verified, date};

fn payment(amount: &str) -> NewPayment {
    NewPayment {
        account_number: "BIG-1".into(),
        amount: amount.into(),
        method: "check".into(),
        reference: String::new(),
        received_on: date("2026-03-01"),
        apply_to: vec![],
    }
}

async fn reports_answer(store: &Store, org: &settle_store::platform::Organisation) {
    store.trial_balance(org, None).await.expect("trial balance answers");
    store
        .dashboard(org, date("2026-03-02"), &AgingBuckets::default())
        .await
        .expect("dashboard answers");
    store
        .aging(org, date("2026-03-02"), &AgingBuckets::default(), None)
        .await
        .expect("aging answers");
    store.account_detail(org, "BIG-1").await.expect("the account answers");
    assert_verified(store, org).await;
}

#[tokio::test]
async fn the_maximum_amount_the_maximum_plus_one_cent_and_many_maximums_on_one_account() {
    for backend in all().await {
        let (store, name) = (&backend.store, backend.name);
        let org = store.create_organisation("big", "Big", "USD").await.unwrap();
        account(store, &org, "BIG-1").await;

        let posted = store.post_payment(&org, &payment("99999999999.99"), None).await.unwrap();
        assert_eq!(posted.amount, "99999999999.99", "{name}");
        reports_answer(store, &org).await;

        for too_much in ["100000000000.00", "92233720368547758.07", "+5.00", " 5.00", "5.", ".5", "00005.00"] {
            match store.post_payment(&org, &payment(too_much), None).await {
                Err(StoreError::Invalid { field: "amount", .. }) => {}
                other => panic!("{name}: {too_much:?} should be refused by field, got {other:?}"),
            }
        }

        // The account holds up to a hundred maximums; the next is refused
        // naming the account, and nothing of it is written.
        let per_account = MAX_ACCOUNT_BALANCE_MINOR / MAX_AMOUNT_MINOR;
        for _ in 1..per_account {
            store.post_payment(&org, &payment("99999999999.99"), None).await.unwrap();
        }
        let before = store.trial_balance(&org, None).await.unwrap();
        match store.post_payment(&org, &payment("99999999999.99"), None).await {
            Err(StoreError::Invalid { field: "amount", message }) => assert!(message.contains("BIG-1"), "{name}: {message}"),
            other => panic!("{name}: the account's limit should refuse this, got {other:?}"),
        }
        assert_eq!(format!("{before:?}"), format!("{:?}", store.trial_balance(&org, None).await.unwrap()), "{name}");
        reports_answer(store, &org).await;

        // An invoice past the limit is refused by its line or its total.
        let big_line = |quantity: &str| NewInvoice {
            account_number: "BIG-1".into(),
            issue_date: date("2026-03-01"),
            terms: None,
            lines: vec![NewInvoiceLine {
                item_code: "X".into(),
                description: "Too much".into(),
                quantity: quantity.into(),
                unit_price: "99999999999.99".into(),
                tax_rate: "10".into(),
            }],
            memo: String::new(),
            draft: false,
        };
        for quantity in ["2", "1"] {
            let refused = store.create_invoice(&org, &big_line(quantity), None).await;
            assert!(matches!(refused, Err(StoreError::Invalid { .. })), "{name}: quantity {quantity}: {refused:?}");
        }
        reports_answer(store, &org).await;
    }
}

#[tokio::test]
async fn a_row_written_around_settle_past_the_limit_is_named_by_verify_and_takes_no_report_down() {
    for backend in all().await {
        let (store, name) = (&backend.store, backend.name);
        let org = store.create_organisation("forged", "Forged", "USD").await.unwrap();
        account(store, &org, "BIG-1").await;
        store.post_payment(&org, &payment("10.00"), None).await.unwrap();
        let o = org.org_id;
        let max = i64::MAX;
        sqlx::query(&format!(
            "INSERT INTO journal_entry (org_id, entry_id, kind, effective_date, currency, account_id, memo, created_at) \
             VALUES ({o}, 9999, 'payment', '2026-03-01', 'USD', NULL, 'around Settle', '2026-03-01T00:00:00Z')"
        ))
        .execute(store.pool())
        .await
        .unwrap();
        sqlx::query(&format!(
            "INSERT INTO posting (org_id, entry_id, line_no, gl_code, account_id, item_id, currency, amount_minor, effective_date) \
             VALUES ({o}, 9999, 1, '1000', NULL, NULL, 'USD', {max}, '2026-03-01'), ({o}, 9999, 2, '4000', NULL, NULL, 'USD', -{max}, '2026-03-01')"
        ))
        .execute(store.pool())
        .await
        .unwrap();
        let report = store.verify(&org).await.unwrap();
        assert!(
            report
                .discrepancies
                .iter()
                .any(|d| d.check == "amount within the money limit" && d.subject == "entry 9999 line 1"),
            "{name}: {:?}",
            report.discrepancies
        );
        // The trial balance cannot total it: a clear error, not a crash.
        match store.trial_balance(&org, None).await {
            Ok(_) | Err(StoreError::TotalTooLarge(_)) => {}
            Err(other) => panic!("{name}: {other:?}"),
        }
        let (_, findings) = store.audit_verify(&org).await.unwrap();
        assert!(!findings.is_empty(), "{name}: the chain names the entry written around Settle");
    }
}
