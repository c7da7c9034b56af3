//! The books out, on every backend: a day's journal sent once (a re-export
//! sends nothing), a payment back-dated into a sent day sent as a
//! correcting journal of the difference, an unmapped account refused with
//! nothing recorded, a close refused while a day is unsent, and after it
//! every write dated in the closed period refused at the one door; verify
//! replays the close and names an entry written around it.

use settle_store::billing::NewPayment;
use settle_store::gl_export::{CloseBooks, NewGlExport, SetMapping};
use settle_store::platform::Organisation;
use settle_store::{Store, StoreError};

use crate::backends::{account, all, assert_verified, date, invoice};

async fn pay(store: &Store, org: &Organisation, number: &str, on: &str, amount: &str) -> Result<(), StoreError> {
    store
        .post_payment(
            org,
            &NewPayment {
                account_number: number.into(),
                amount: amount.into(),
                method: "check".into(),
                reference: String::new(),
                received_on: date(on),
                apply_to: vec![],
            },
            None,
        )
        .await
        .map(|_| ())
}

fn export(through: &str, format: &str) -> NewGlExport {
    NewGlExport {
        through: date(through),
        from: None,
        format: format.into(),
    }
}

fn map(code: &str, account: &str, id: &str) -> SetMapping {
    SetMapping {
        gl_code: code.into(),
        target_account: account.into(),
        target_id: Some(id.into()),
    }
}

#[tokio::test]
async fn days_go_once_corrections_go_as_new_journals_and_a_closed_period_takes_nothing() {
    for backend in all().await {
        let (store, name) = (&backend.store, backend.name);
        let org = store.create_organisation("clinic", "Riverside", "USD").await.unwrap();
        for n in ["P-1", "P-2"] {
            account(store, &org, n).await;
        }
        invoice(store, &org, "P-1", "2026-11-01", "300.00").await;
        invoice(store, &org, "P-2", "2026-11-02", "100.00").await;
        pay(store, &org, "P-1", "2026-11-05", "120.00").await.unwrap();

        // Unmapped: refused, naming the accounts, and nothing recorded.
        let err = store.export_gl(&org, &export("2026-11-30", "iif")).await.unwrap_err();
        let text = err.to_string();
        assert!(text.contains("1000 Cash") && text.contains("4000 Revenue"), "{name}: {text}");
        assert!(store.gl_exports(&org, 10).await.unwrap().is_empty(), "{name}");
        // A bad target is refused whole: the good row before it is not kept.
        let bad = store
            .set_gl_mappings(&org, &[map("1000", "Checking", "35"), map("4000", "Fees\tand charges", "")])
            .await
            .unwrap_err();
        assert!(matches!(bad, StoreError::Invalid { field: "target_account", .. }), "{name}: {bad}");
        assert!(store.gl_mapping(&org).await.unwrap().iter().all(|m| m.target_account.is_empty()), "{name}");
        store
            .set_gl_mappings(
                &org,
                &[
                    map("1000", "Undeposited Funds", "4"),
                    map("1100", "Accounts Receivable", "84"),
                    map("4000", "Services", "1"),
                ],
            )
            .await
            .unwrap();

        let due = store.gl_export_due(&org, None, date("2026-11-30")).await.unwrap();
        let ids: Vec<&str> = due.iter().map(|j| j.journal_id.as_str()).collect();
        assert_eq!(ids, ["ST-20261101-USD-1", "ST-20261102-USD-1", "ST-20261105-USD-1"], "{name}");
        let (first, csv) = store.export_gl(&org, &export("2026-11-30", "qbo-csv")).await.unwrap().unwrap();
        assert_eq!(first.journals.len(), 3, "{name}");
        assert!(csv.contains("ST-20261105-USD-1,11/05/2026,Undeposited Funds,120.00,,"), "{name}: {csv}");
        // Again: nothing new, nothing sent (a re-export never duplicates).
        assert!(store.export_gl(&org, &export("2026-11-30", "qbo-csv")).await.unwrap().is_none(), "{name}");

        // A payment back-dated into a sent day: only the difference, under a new id.
        pay(store, &org, "P-2", "2026-11-05", "30.00").await.unwrap();
        let (second, json) = store.export_gl(&org, &export("2026-11-30", "qbo-json")).await.unwrap().unwrap();
        assert_eq!(second.journals.len(), 1, "{name}");
        let j = &second.journals[0];
        assert_eq!(
            (j.journal_id.as_str(), j.correction, j.debits.as_str()),
            ("ST-20261105-USD-2", true, "30.00"),
            "{name}"
        );
        let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(parsed[0]["DocNumber"], "ST-20261105-USD-2", "{name}");
        // The first export written again in another format: the same ids.
        let (_, iif) = store.gl_export_file(&org, first.export_id, "iif").await.unwrap();
        assert!(iif.contains("\tST-20261101-USD-1\t") && !iif.contains("USD-2"), "{name}: {iif}");

        // A close while a day is unsent is refused, naming its journal.
        pay(store, &org, "P-1", "2026-11-20", "10.00").await.unwrap();
        let close = CloseBooks {
            through: date("2026-11-30"),
            note: "November".into(),
            without_export: false,
        };
        let refused = store.close_books(&org, &close).await.unwrap_err();
        assert!(refused.to_string().contains("ST-20261120-USD-1"), "{name}: {refused}");
        store.export_gl(&org, &export("2026-11-30", "xero-csv")).await.unwrap().unwrap();
        let closed = store.close_books(&org, &close).await.unwrap();
        assert_eq!(closed.closed_through, "2026-11-30", "{name}");

        // After the close: every write dated in it refused at the one door.
        let late = pay(store, &org, "P-1", "2026-11-29", "5.00").await.unwrap_err();
        assert!(
            matches!(&late, StoreError::Invalid { field: "effective_date", message } if message.contains("closed through 2026-11-30")),
            "{name}: {late}"
        );
        let backdated_invoice = store
            .create_invoice(
                &org,
                &settle_store::billing::NewInvoice {
                    account_number: "P-2".into(),
                    issue_date: date("2026-11-15"),
                    terms: None,
                    lines: vec![settle_store::billing::NewInvoiceLine {
                        item_code: "SVC".into(),
                        description: "Service".into(),
                        quantity: "1".into(),
                        unit_price: "40.00".into(),
                        tax_rate: "0".into(),
                    }],
                    memo: String::new(),
                    draft: false,
                },
                None,
            )
            .await;
        let refused = backdated_invoice.unwrap_err().to_string();
        assert!(refused.contains("2026-11-15 is in a closed period"), "{name}: {refused}");
        pay(store, &org, "P-1", "2026-12-01", "5.00").await.unwrap();
        let again = store.export_gl(&org, &export("2026-11-30", "csv")).await.unwrap_err();
        assert!(matches!(again, StoreError::Invalid { field: "through", .. }), "{name}: {again}");
        let backwards = store
            .close_books(
                &org,
                &CloseBooks {
                    through: date("2026-11-15"),
                    note: String::new(),
                    without_export: true,
                },
            )
            .await
            .unwrap_err();
        assert!(backwards.to_string().contains("only moves forward"), "{name}: {backwards}");
        assert_verified(store, &org).await;

        // Written around Settle: an entry dated in the closed period.
        sqlx::query(
            "INSERT INTO journal_entry (org_id, entry_id, kind, effective_date, currency, account_id, memo, created_at) \
             VALUES ($1, 999999, 'payment', '2026-11-10', 'USD', NULL, 'around', 'now')",
        )
        .bind(org.org_id)
        .execute(store.pool())
        .await
        .unwrap();
        let report = store.verify(&org).await.unwrap();
        assert!(
            report
                .discrepancies
                .iter()
                .any(|d| d.check == "no entry dated in a closed period after the close" && d.subject.contains("999999")),
            "{name}: {:#?}",
            report.discrepancies
        );
    }
}

#[tokio::test]
async fn a_close_and_payments_at_once_never_leave_a_payment_in_the_closed_period() {
    for backend in all().await {
        let (store, name) = (&backend.store, backend.name);
        let org = store.create_organisation("clinic", "Riverside", "USD").await.unwrap();
        account(store, &org, "P-1").await;
        invoice(store, &org, "P-1", "2026-11-01", "9000.00").await;
        let payments = async {
            let mut kept = 0;
            for n in 0..40 {
                if pay(store, &org, "P-1", "2026-11-30", &format!("{}.00", 1 + n % 3)).await.is_ok() {
                    kept += 1;
                }
            }
            kept
        };
        let close = async {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            store
                .close_books(
                    &org,
                    &CloseBooks {
                        through: date("2026-11-30"),
                        note: String::new(),
                        without_export: true,
                    },
                )
                .await
                .unwrap()
        };
        let (kept, closed) = tokio::join!(payments, close);
        // Every payment kept was written before the close took the journal.
        let after: i64 = sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM journal_entry WHERE org_id = $1 AND entry_id > $2")
            .bind(org.org_id)
            .bind(closed.last_entry_id)
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(after, 0, "{name}: {kept} kept, yet entries after the close");
        assert_verified(store, &org).await;
    }
}
