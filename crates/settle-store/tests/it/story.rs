use settle_domain::aging::AgingBuckets;
use settle_domain::IdempotencyKey;
use settle_store::billing::*;
use settle_store::platform::Organisation;
use settle_store::StoreError;

use crate::backends::{account, all, assert_verified, date, invoice};

#[tokio::test]
async fn billing_story_on_every_backend() {
    for backend in all().await {
        let store = &backend.store;
        let name = backend.name;
        let org = store.create_organisation("acme", "Acme Supply", "USD").await.unwrap();
        account(store, &org, "C-1").await;

        // An invoice with tax: 2 x 100.00 at 8.25% plus a 10.00 untaxed line.
        let created = store
            .create_invoice(
                &org,
                &NewInvoice {
                    account_number: "c-1".into(),
                    issue_date: date("2026-01-10"),
                    terms: None,
                    lines: vec![
                        NewInvoiceLine {
                            item_code: "W1".into(),
                            description: "Widget".into(),
                            quantity: "2".into(),
                            unit_price: "100.00".into(),
                            tax_rate: "8.25".into(),
                        },
                        NewInvoiceLine {
                            item_code: "SH".into(),
                            description: "Shipping".into(),
                            quantity: "1".into(),
                            unit_price: "10".into(),
                            tax_rate: "0".into(),
                        },
                    ],
                    memo: "January order".into(),
                    draft: false,
                },
                None,
            )
            .await
            .unwrap();
        assert_eq!(
            (created.subtotal.as_str(), created.tax.as_str(), created.total.as_str()),
            ("210.00", "16.50", "226.50"),
            "{name}"
        );
        assert_eq!(created.due_date, date("2026-02-09"));
        let second = invoice(store, &org, "C-1", "2026-02-01", "50.00").await;

        // Oldest first: 100 goes to the January invoice.
        let paid = store
            .post_payment(
                &org,
                &NewPayment {
                    account_number: "C-1".into(),
                    amount: "100.00".into(),
                    method: "check".into(),
                    reference: "1001".into(),
                    received_on: date("2026-02-15"),
                    apply_to: vec![],
                },
                None,
            )
            .await
            .unwrap();
        assert_eq!(
            paid.applied,
            vec![Applied {
                reference: created.invoice_number.clone(),
                amount: "100.00".into()
            }]
        );

        // Overpayment named to the second invoice: 50 applied, 25 left as credit.
        let key = IdempotencyKey::parse("pay-2").unwrap();
        let overpay = NewPayment {
            account_number: "C-1".into(),
            amount: "75.00".into(),
            method: "card".into(),
            reference: "".into(),
            received_on: date("2026-02-20"),
            apply_to: vec![ApplyTo {
                reference: second.clone(),
                amount: None,
            }],
        };
        let first = store.post_payment(&org, &overpay, Some(&key)).await.unwrap();
        assert_eq!(first.unapplied, "25.00");
        // Same key, same request: same answer, nothing new written.
        let entries_before = entry_count(store, &org).await;
        assert_eq!(store.post_payment(&org, &overpay, Some(&key)).await.unwrap(), first);
        assert_eq!(entry_count(store, &org).await, entries_before, "{name}: replay wrote an entry");
        // Same key, another request: refused, nothing written.
        let mut other = overpay.clone();
        other.amount = "76.00".into();
        assert!(matches!(
            store.post_payment(&org, &other, Some(&key)).await,
            Err(StoreError::IdempotencyMismatch { .. })
        ));
        assert_eq!(entry_count(store, &org).await, entries_before);

        let detail = store.invoice_detail(&org, &second).await.unwrap();
        assert_eq!(detail.status, "paid", "{name}");

        // Credit applied to the first invoice, then refunds limited by what is left.
        let applied = store
            .apply_credit(
                &org,
                &ApplyCredit {
                    account_number: "C-1".into(),
                    date: date("2026-02-21"),
                    apply_to: vec![],
                    amount: Some("20.00".into()),
                },
                None,
            )
            .await
            .unwrap();
        assert_eq!(applied.credit_left, "5.00");
        let too_much = store
            .refund(
                &org,
                &NewRefund {
                    account_number: "C-1".into(),
                    amount: "5.01".into(),
                    method: "check".into(),
                    reference: "R1".into(),
                    date: date("2026-02-22"),
                },
                None,
            )
            .await;
        assert!(matches!(too_much, Err(StoreError::Invalid { field: "amount", .. })), "{too_much:?}");
        store
            .refund(
                &org,
                &NewRefund {
                    account_number: "C-1".into(),
                    amount: "5.00".into(),
                    method: "check".into(),
                    reference: "R1".into(),
                    date: date("2026-02-22"),
                },
                None,
            )
            .await
            .unwrap();

        // The January invoice owes 106.50; an NSF on the 100 check reopens it, with a fee.
        let reversed = store
            .reverse_payment(
                &org,
                &ReversePayment {
                    payment_id: paid.payment_id,
                    date: date("2026-02-25"),
                    reason: "NSF".into(),
                    fee: Some("25.00".into()),
                },
                None,
            )
            .await
            .unwrap();
        assert_eq!(reversed.reopened[0].amount, "100.00");
        assert!(reversed.fee.is_some());
        assert!(store
            .reverse_payment(
                &org,
                &ReversePayment {
                    payment_id: paid.payment_id,
                    date: date("2026-02-25"),
                    reason: "again".into(),
                    fee: None
                },
                None
            )
            .await
            .is_err());
        let account = store.account_detail(&org, "C-1").await.unwrap();
        assert_eq!(account.summary.balance, "231.50", "{name}: 206.50 + 25.00 fee");

        // Void is refused once anything is applied; a write-off closes the item.
        let void = store
            .void_invoice(
                &org,
                &VoidInvoice {
                    invoice_number: created.invoice_number.clone(),
                    date: date("2026-03-01"),
                    reason: "error".into(),
                },
                None,
            )
            .await;
        assert!(matches!(void, Err(StoreError::Invalid { .. })), "{void:?}");
        store
            .adjust(
                &org,
                &NewAdjustment {
                    reference: created.invoice_number.clone(),
                    reason: "bad-debt write-off".into(),
                    amount: "206.50".into(),
                    date: date("2026-03-01"),
                    memo: "uncollectable".into(),
                },
                None,
            )
            .await
            .unwrap();
        assert_eq!(store.invoice_detail(&org, &created.invoice_number).await.unwrap().status, "written_off");
        let third = invoice(store, &org, "C-1", "2026-03-02", "40.00").await;
        store
            .void_invoice(
                &org,
                &VoidInvoice {
                    invoice_number: third.clone(),
                    date: date("2026-03-03"),
                    reason: "duplicate".into(),
                },
                None,
            )
            .await
            .unwrap();
        assert_eq!(store.invoice_detail(&org, &third).await.unwrap().status, "void");

        // A credit note against the fee.
        let fee_ref = reversed.fee.unwrap().reference;
        let note = store
            .credit_note(
                &org,
                &NewCreditNote {
                    account_number: "C-1".into(),
                    amount: "30.00".into(),
                    date: date("2026-03-04"),
                    memo: "goodwill".into(),
                    apply_to: vec![ApplyTo {
                        reference: fee_ref,
                        amount: None,
                    }],
                },
                None,
            )
            .await
            .unwrap();
        assert_eq!(note.unapplied, "5.00");

        // Aging as of a past date reads the journal; as of today, the caches; both must agree with the story.
        let buckets = AgingBuckets::default();
        let past = store.aging(&org, date("2026-02-16"), &buckets, None).await.unwrap();
        assert_eq!(past.total_minor, 22650 + 5000 - 10000, "{name}: {past:?}");
        assert_eq!(past.totals_minor[1], 22650 - 10000, "{name}: January invoice 1-30 days past due");
        assert_eq!(past.totals_minor[0], 5000);
        let past_totals = store.aging_totals(&org, date("2026-02-16"), &buckets, None).await.unwrap();
        assert_eq!(
            (past_totals.totals_minor.clone(), past_totals.total_minor),
            (past.totals_minor.clone(), past.total_minor),
            "{name}"
        );
        assert!(past_totals.rows.is_empty());
        let now = store.aging(&org, date("2026-06-30"), &buckets, None).await.unwrap();
        let now_totals = store.aging_totals(&org, date("2026-06-30"), &buckets, None).await.unwrap();
        assert_eq!((now_totals.credit_minor, now_totals.total_minor), (now.credit_minor, now.total_minor), "{name}");
        assert_eq!(now.total_minor, -500, "{name}: only 5.00 of credit remains");
        let trial = store.trial_balance(&org, None).await.unwrap();
        assert_eq!(trial.iter().map(|r| r.balance_minor).sum::<i64>(), 0);
        let ar: i64 = trial.iter().filter(|r| r.code == "1100").map(|r| r.balance_minor).sum();
        assert_eq!(ar, 0, "{name}: every item is closed");

        // The journal is append-only.
        let edit = sqlx::query("UPDATE posting SET amount_minor = 0 WHERE org_id = $1")
            .bind(org.org_id)
            .execute(store.pool())
            .await;
        assert!(edit.is_err(), "{name}: posting update must be refused");
        let delete = sqlx::query("DELETE FROM journal_entry WHERE org_id = $1")
            .bind(org.org_id)
            .execute(store.pool())
            .await;
        assert!(delete.is_err(), "{name}: entry delete must be refused");

        assert_verified(store, &org).await;

        // Verify catches a cache that disagrees with the journal.
        sqlx::query("UPDATE open_item SET balance_minor = balance_minor + 1, amount_minor = amount_minor + 1 WHERE org_id = $1 AND reference = $2")
            .bind(org.org_id)
            .bind(&second)
            .execute(store.pool())
            .await
            .unwrap();
        let report = store.verify(&org).await.unwrap();
        assert!(
            report.discrepancies.iter().any(|d| d.subject == format!("item {second}")),
            "{name}: {:?}",
            report.discrepancies
        );
    }
}

#[tokio::test]
async fn bad_commands_change_nothing() {
    for backend in all().await {
        let store = &backend.store;
        let org = store.create_organisation("shop", "Shop", "USD").await.unwrap();
        account(store, &org, "A-1").await;
        let number = invoice(store, &org, "A-1", "2026-01-01", "10.00").await;
        let before = entry_count(store, &org).await;
        let pay = |amount: &str, account: &str| NewPayment {
            account_number: account.into(),
            amount: amount.into(),
            method: "cash".into(),
            reference: String::new(),
            received_on: date("2026-01-05"),
            apply_to: vec![],
        };
        let cases = [
            (pay("-5.00", "A-1"), "amount"),
            (pay("1.001", "A-1"), "amount"),
            (pay("abc", "A-1"), "amount"),
            (
                NewPayment {
                    method: "bitcoin".into(),
                    ..pay("1.00", "A-1")
                },
                "method",
            ),
            (
                NewPayment {
                    apply_to: vec![ApplyTo {
                        reference: number.clone(),
                        amount: Some("11.00".into()),
                    }],
                    ..pay("20.00", "A-1")
                },
                "apply_to",
            ),
        ];
        for (cmd, field) in cases {
            match store.post_payment(&org, &cmd, None).await {
                Err(StoreError::Invalid { field: got, .. }) => {
                    assert_eq!(got, field, "{}: {cmd:?}", backend.name)
                }
                other => panic!("{}: {cmd:?} gave {other:?}", backend.name),
            }
        }
        assert!(matches!(
            store.post_payment(&org, &pay("1.00", "NOPE"), None).await,
            Err(StoreError::NotFound { .. })
        ));
        assert!(store.create_organisation("other", "Other", "XYZ").await.is_err());
        assert_eq!(entry_count(store, &org).await, before, "{}", backend.name);
        assert_verified(store, &org).await;
    }
}

pub async fn entry_count(store: &settle_store::Store, org: &Organisation) -> i64 {
    sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM journal_entry WHERE org_id = $1")
        .bind(org.org_id)
        .fetch_one(store.pool())
        .await
        .unwrap()
}

/// Why: the bulk path forgets cached accounts past a limit; an account seen
/// again afterwards must be reloaded with everything staged for it.
#[tokio::test]
async fn bulk_revisits_accounts_after_forgetting_them() {
    use settle_store::bulk::BulkCommand;
    for backend in all().await {
        let store = &backend.store;
        let org = store.create_organisation("bulk", "Bulk", "USD").await.unwrap();
        let account = |n: usize| {
            BulkCommand::Account(Box::new(NewAccount {
                account_number: format!("A-{n}"),
                party: NewParty {
                    sex: None,
                    kind: "person".into(),
                    name: format!("P {n}"),
                    ..Default::default()
                },
                ar_kind: "customer".into(),
                currency: None,
                payment_terms: None,
                opened_on: date("2026-01-01"),
            }))
        };
        let line = NewInvoiceLine {
            item_code: "X".into(),
            description: "x".into(),
            quantity: "1".into(),
            unit_price: "10.00".into(),
            tax_rate: "0".into(),
        };
        let invoice = |n: usize| {
            BulkCommand::Invoice(NewInvoice {
                account_number: format!("A-{n}"),
                issue_date: date("2026-01-02"),
                terms: None,
                lines: vec![line.clone()],
                memo: String::new(),
                draft: false,
            })
        };
        let mut commands: Vec<BulkCommand> = (0..2_100).flat_map(|n| [account(n), invoice(n)]).collect();
        commands.push(BulkCommand::Payment(NewPayment {
            account_number: "A-0".into(),
            amount: "15.00".into(),
            method: "cash".into(),
            reference: String::new(),
            received_on: date("2026-01-03"),
            apply_to: vec![],
        }));
        commands.push(invoice(0));
        let outcome = store.bulk_apply(&org, commands, &mut |_| {}).await.unwrap();
        assert_eq!((outcome.accounts, outcome.invoices, outcome.payments), (2_100, 2_101, 1));
        let detail = store.account_detail(&org, "A-0").await.unwrap();
        assert_eq!(
            (detail.summary.balance.as_str(), detail.summary.credit.as_str()),
            ("10.00", "5.00"),
            "{}",
            backend.name
        );
        assert_verified(store, &org).await;
    }
}
