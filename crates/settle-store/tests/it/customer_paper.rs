//! What a customer receives, on every backend: a patient's statement made
//! on demand from today's books (not the cycle's stale copy), with the
//! letterhead, remit-to and balance by age; an invoice with seller,
//! bill-to, lines, totals, what was paid and where to pay; the letterhead
//! checked field by field and kept when the other settings change.

use settle_store::billing::{LetterheadSettings, NewInvoice, NewInvoiceLine, NewPayment, SettingsUpdate};
use settle_store::claims::StatementRun;
use settle_store::StoreError;

use crate::backends::{all, assert_verified, date};
use crate::claim_life::clinic;

fn invoice(account: &str, issued: &str, price: &str) -> NewInvoice {
    NewInvoice {
        account_number: account.into(),
        issue_date: date(issued),
        terms: None,
        lines: vec![NewInvoiceLine {
            item_code: "SUPPLY".into(),
            description: "Walking boot".into(),
            quantity: "2".into(),
            unit_price: price.into(),
            tax_rate: "5".into(),
        }],
        memo: String::new(),
        draft: false,
    }
}

#[tokio::test]
async fn a_statement_on_demand_shows_todays_balance_and_an_invoice_says_who_where_and_how() {
    for backend in all().await {
        let store = &backend.store;
        let name = backend.name;
        let org = clinic(store).await;

        // The letterhead: every field checked, named when refused, nothing kept then.
        for (bad, field) in [
            (
                LetterheadSettings {
                    address: "somewhere nice".into(),
                    ..Default::default()
                },
                "address",
            ),
            (
                LetterheadSettings {
                    remit_to: "PO Box".into(),
                    ..Default::default()
                },
                "remit_to",
            ),
            (
                LetterheadSettings {
                    phone: "555-0100".into(),
                    ..Default::default()
                },
                "phone",
            ),
        ] {
            let refused = store.set_letterhead(&org, &bad).await.unwrap_err();
            assert!(
                matches!(refused, StoreError::Invalid { field: f, .. } if f == field),
                "{name}: {field}: {refused}"
            );
        }
        assert_eq!(store.letterhead_settings(&org).await.unwrap(), LetterheadSettings::default(), "{name}");
        let set = store
            .set_letterhead(
                &org,
                &LetterheadSettings {
                    name: "Seaway Family Clinic".into(),
                    address: "234 Seaway St, Miami, FL 33111".into(),
                    remit_to: "PO Box 4410, Miami, FL 33101".into(),
                    phone: "305 555 2222".into(),
                    payment_instructions: "Online: pay.seaway.example\n\n".into(),
                },
            )
            .await
            .unwrap();
        assert_eq!(set.phone, "3055552222", "{name}");
        // Changing the other settings keeps the letterhead.
        let s = store.settings(&org).await.unwrap();
        store
            .update_settings(
                &org,
                &SettingsUpdate {
                    default_terms: "net15".into(),
                    aging_buckets: s.aging_buckets,
                    writeoff_approval_limit: s.writeoff_approval_limit,
                    refund_approval_limit: None,
                    bills_insurance: None,
                    x12_submitter_id: None,
                    x12_contact_phone: None,
                    scrub_rules_off: None,
                },
            )
            .await
            .unwrap();
        assert_eq!(
            store.letterhead_settings(&org).await.unwrap(),
            set,
            "{name}: the letterhead survives a settings change"
        );

        // Two charges 70 days apart, a payment on the older, a cycle statement, then another payment.
        let old = store.create_invoice(&org, &invoice("P-1", "2026-09-15", "100.00"), None).await.unwrap();
        store.create_invoice(&org, &invoice("P-1", "2026-11-20", "40.00"), None).await.unwrap();
        let pay = |amount: &str, on: &str| NewPayment {
            account_number: "P-1".into(),
            amount: amount.into(),
            method: "check".into(),
            reference: "1001".into(),
            received_on: date(on),
            apply_to: vec![],
        };
        store.post_payment(&org, &pay("10.00", "2026-11-01"), None).await.unwrap();
        let cycle = StatementRun {
            as_of: date("2026-11-24"),
            cycle_days: None,
            min_balance: None,
            dry_run: false,
            account_number: None,
        };
        let made = store.run_statements(&org, &cycle).await.unwrap();
        assert_eq!((made.count, made.total.as_str()), (1, "284.00"), "{name}: {made:#?}");
        store.post_payment(&org, &pay("50.00", "2026-11-25"), None).await.unwrap();

        // The preview is drawn from the books now: 234.00, not the 284.00 sent.
        let preview = store.preview_statement(&org, "p-1", date("2026-11-26")).await.unwrap();
        assert_eq!(preview.amount_due, "234.00", "{name}");
        assert_eq!(preview.statement_number, "(preview, not sent)", "{name}");
        assert_eq!(
            (preview.from.name.as_str(), preview.from.lines.as_slice()),
            ("Seaway Family Clinic", ["234 Seaway St".to_string(), "Miami, FL 33111".to_string()].as_slice()),
            "{name}"
        );
        assert_eq!(preview.remit_to.lines, ["PO Box 4410", "Miami, FL 33101"], "{name}");
        assert_eq!(preview.phone, "(305) 555-2222", "{name}");
        assert_eq!(preview.how_to_pay[0], "Online: pay.seaway.example", "{name}");
        let bands: Vec<(&str, &str)> = preview.aging.iter().map(|b| (b.label.as_str(), b.amount.as_str())).collect();
        assert_eq!(
            bands,
            [("Current", "84.00"), ("31-60 days", "0.00"), ("61-90 days", "150.00"), ("Over 90 days", "0.00")],
            "{name}: 210.00 less 60.00 paid on the September charge is 72 days old"
        );
        assert_eq!(store.statements(&org, Some("P-1")).await.unwrap().len(), 1, "{name}: a preview keeps nothing");

        // One account's statement now: refused the same day as another, made the next whatever the cycle.
        let one = |on: &str, account: &str| StatementRun {
            as_of: date(on),
            account_number: Some(account.into()),
            ..cycle.clone()
        };
        let again = store.run_statements(&org, &one("2026-11-24", "P-1")).await.unwrap_err();
        assert!(again.to_string().contains("already had statement S-"), "{name}: {again}");
        let now = store.run_statements(&org, &one("2026-11-26", "P-1")).await.unwrap();
        assert_eq!((now.count, now.statements[0].amount.as_str()), (1, "234.00"), "{name}: {now:#?}");
        assert_eq!(now.statements[0].sequence, 2, "{name}: it counts as the second statement of these charges");
        let kept = store.statement(&org, now.statements[0].statement_id).await.unwrap();
        assert_eq!(kept.amount_due, "234.00", "{name}");
        let nothing = store.run_statements(&org, &one("2026-11-26", "P-2")).await.unwrap_err();
        assert!(nothing.to_string().contains("owes nothing"), "{name}: {nothing}");
        let unknown = store.run_statements(&org, &one("2026-11-26", "P-404")).await.unwrap_err();
        assert!(matches!(unknown, StoreError::NotFound { .. }), "{name}: {unknown}");

        // The invoice as the customer receives it.
        let paper = store.invoice_document(&org, &old.invoice_number).await.unwrap();
        assert_eq!(paper.seller.name, "Seaway Family Clinic", "{name}");
        assert_eq!(paper.bill_to.name, "Jane Smith", "{name}");
        assert_eq!(paper.bill_to.lines, ["236 N Main St", "Miami, FL 33413"], "{name}");
        assert_eq!(
            (
                paper.subtotal.as_str(),
                paper.tax.as_str(),
                paper.total.as_str(),
                paper.paid.as_str(),
                paper.balance.as_str()
            ),
            ("200.00", "10.00", "210.00", "60.00", "150.00"),
            "{name}"
        );
        assert_eq!(paper.remit_to.name, "Seaway Family Clinic", "{name}");
        assert_eq!(paper.payment_instructions, ["Online: pay.seaway.example"], "{name}");
        let pdf = settle_pdf::invoice::invoice(&paper);
        assert!(pdf.starts_with(b"%PDF-"), "{name}");
        assert!(matches!(
            store.invoice_document(&org, "INV-999999").await.unwrap_err(),
            StoreError::NotFound { .. }
        ));
        assert_verified(store, &org).await;
    }
}
