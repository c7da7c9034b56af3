use settle_store::billing::{ApplyTo, NewPayment};
use settle_store::StoreError;
use sqlx::Row;

use crate::backends::{account, all, assert_verified, date, invoice};

/// Why: two payments posted at the same moment must never both apply to
/// the same item's last dollar.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_payments_never_over_apply() {
    for backend in all().await {
        let store = backend.store.clone();
        let org = store.create_organisation("busy", "Busy Practice", "USD").await.unwrap();
        account(&store, &org, "P-1").await;
        let first = invoice(&store, &org, "P-1", "2026-01-01", "100.00").await;
        invoice(&store, &org, "P-1", "2026-01-02", "100.00").await;

        // Eight payments each naming the full balance of the same invoice: one wins.
        let mut tasks = Vec::new();
        for n in 0..8 {
            let store = store.clone();
            let org = org.clone();
            let first = first.clone();
            tasks.push(tokio::spawn(async move {
                let cmd = NewPayment {
                    account_number: "P-1".into(),
                    amount: "100.00".into(),
                    method: "card".into(),
                    reference: format!("named-{n}"),
                    received_on: date("2026-01-10"),
                    apply_to: vec![ApplyTo {
                        reference: first,
                        amount: Some("100.00".into()),
                    }],
                };
                store.post_payment(&org, &cmd, None).await
            }));
        }
        let mut won = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(_) => won += 1,
                Err(StoreError::Invalid { .. }) => {}
                Err(other) => panic!("{}: unexpected {other:?}", backend.name),
            }
        }
        assert_eq!(won, 1, "{}", backend.name);

        // Eight oldest-first payments of 30.00 against the 100.00 left: 100 applied, 140 credit.
        let mut tasks = Vec::new();
        for n in 0..8 {
            let store = store.clone();
            let org = org.clone();
            tasks.push(tokio::spawn(async move {
                let cmd = NewPayment {
                    account_number: "P-1".into(),
                    amount: "30.00".into(),
                    method: "cash".into(),
                    reference: format!("oldest-{n}"),
                    received_on: date("2026-01-11"),
                    apply_to: vec![],
                };
                store.post_payment(&org, &cmd, None).await.unwrap()
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        let row = sqlx::query("SELECT balance_minor, credit_minor FROM account WHERE org_id = $1")
            .bind(org.org_id)
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(
            (row.try_get::<i64, _>("balance_minor").unwrap(), row.try_get::<i64, _>("credit_minor").unwrap()),
            (0, 14_000),
            "{}",
            backend.name
        );
        assert_verified(&store, &org).await;
    }
}
