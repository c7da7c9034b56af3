//! Payers, providers and coverages on every backend.

use settle_store::claims::*;
use settle_store::StoreError;

use crate::backends::{account, all, date};

#[tokio::test]
async fn payers_providers_and_coverages() {
    for backend in all().await {
        let store = &backend.store;
        let name = backend.name;
        let org = store.create_organisation("clinic", "Clinic", "USD").await.unwrap();
        let other = store.create_organisation("other", "Other", "USD").await.unwrap();
        account(store, &org, "P-1").await;
        let payer = NewPayer {
            payer_code: "66783jjt".into(),
            name: "Key Insurance Company".into(),
            filing_indicator: "ci".into(),
            timely_filing_days: 90,
            appeal_days: None,
            corrected_claim_days: None,
            address: Default::default(),
        };
        let added = store.add_payer(&org, &payer).await.unwrap();
        assert_eq!((added.payer_code.as_str(), added.filing_indicator.as_str()), ("66783JJT", "CI"), "{name}");
        let again = store.add_payer(&org, &payer).await.unwrap_err();
        assert!(matches!(again, StoreError::Invalid { field: "payer_code", .. }), "{name}: {again}");
        let bad = store
            .add_payer(
                &org,
                &NewPayer {
                    filing_indicator: "XX".into(),
                    ..payer.clone()
                },
            )
            .await
            .unwrap_err();
        assert!(matches!(bad, StoreError::Invalid { field: "filing_indicator", .. }), "{name}: {bad}");

        let provider = NewProvider {
            npi: "1912301953".into(),
            name: "Ben Kildare Service".into(),
            kind: "organisation".into(),
            taxonomy: "203bf0100y".into(),
            tax_id: "58-7654321".into(),
            address: "234 Seaway St, Miami FL".into(),
            pay_to: Default::default(),
        };
        // An address without its ZIP is refused, naming the piece; nothing is written.
        let refused = store.add_provider(&org, &provider).await.unwrap_err();
        assert!(
            matches!(&refused, StoreError::Invalid { field: "address", message } if message.starts_with("postal_code")),
            "{name}: {refused}"
        );
        assert!(store.providers(&org).await.unwrap().is_empty(), "{name}");
        let provider = NewProvider {
            address: "234 Seaway St, Miami FL 33111-0000".into(),
            pay_to: Default::default(),
            ..provider
        };
        let added = store.add_provider(&org, &provider).await.unwrap();
        assert_eq!(added.address, "234 Seaway St, Miami, FL 33111-0000", "{name}");
        assert_eq!((added.taxonomy.as_str(), added.tax_id.as_str()), ("203BF0100Y", "587654321"), "{name}");
        let wrong = store
            .add_provider(
                &org,
                &NewProvider {
                    npi: "1234567890".into(),
                    ..provider.clone()
                },
            )
            .await
            .unwrap_err();
        assert_eq!(
            wrong.to_string(),
            "npi: NPI \"1234567890\" fails its check digit (Luhn over 80840 and the first nine digits)",
            "{name}"
        );

        let coverage = NewCoverage {
            subscriber_name_parts: None,
            account_number: "p-1".into(),
            payer_code: "66783JJT".into(),
            member_id: "JS00111223333".into(),
            group_number: "2222-SJ".into(),
            subscriber_name: String::new(),
            relationship: "self".into(),
            priority: "primary".into(),
            effective_from: date("2026-01-01"),
            effective_to: None,
        };
        store.add_coverage(&org, &coverage).await.unwrap();
        let overlap = store.add_coverage(&org, &coverage).await.unwrap_err();
        assert!(matches!(overlap, StoreError::Invalid { field: "priority", .. }), "{name}: {overlap}");
        let child = NewCoverage {
            relationship: "child".into(),
            priority: "secondary".into(),
            ..coverage.clone()
        };
        let missing = store.add_coverage(&org, &child).await.unwrap_err();
        assert!(matches!(missing, StoreError::Invalid { field: "subscriber_name", .. }), "{name}: {missing}");
        store
            .add_coverage(
                &org,
                &NewCoverage {
                    subscriber_name: "Jan Smith".into(),
                    ..child
                },
            )
            .await
            .unwrap();
        let listed = store.coverages(&org, "P-1").await.unwrap();
        let priorities: Vec<&str> = listed.iter().map(|c| c.priority.as_str()).collect();
        assert_eq!(priorities, ["primary", "secondary"], "{name}");
        // Another organisation has neither the payer nor the account.
        let theirs = store.add_coverage(&other, &coverage).await.unwrap_err();
        assert!(matches!(theirs, StoreError::NotFound { .. }), "{name}: {theirs}");
        assert!(store.payers(&other).await.unwrap().is_empty(), "{name}");
        // Fee schedules: the charge master and the payer's allowed amounts.
        let fee = |code: &str, modifier: &str, from: &str, amount: &str| FeeEntry {
            procedure_code: code.into(),
            modifier: modifier.into(),
            effective_from: date(from),
            amount: amount.into(),
        };
        let loaded = store
            .import_fee_schedule(
                &org,
                CHARGE_MASTER,
                &[
                    fee("99213", "", "2026-01-01", "125.00"),
                    fee("99213", "", "2026-07-01", "130.00"),
                    fee("73030", "RT", "2026-01-01", "80.00"),
                ],
            )
            .await
            .unwrap();
        assert_eq!(loaded, 3, "{name}");
        store
            .import_fee_schedule(&org, "66783jjt", &[fee("99213", "", "2026-01-01", "92.50")])
            .await
            .unwrap();
        let org_ref = &org;
        let price = |schedule: &'static str, code: &'static str, modifier: &'static str, on: &'static str| async move {
            store.fee_for(org_ref, schedule, code, modifier, date(on)).await.unwrap().map(|f| f.amount)
        };
        assert_eq!(price(CHARGE_MASTER, "99213", "", "2026-03-01").await.as_deref(), Some("125.00"), "{name}");
        assert_eq!(
            price(CHARGE_MASTER, "99213", "25", "2026-08-01").await.as_deref(),
            Some("130.00"),
            "{name}: falls back to no modifier"
        );
        assert_eq!(price("66783JJT", "99213", "", "2026-03-01").await.as_deref(), Some("92.50"), "{name}");
        assert_eq!(price(CHARGE_MASTER, "99213", "", "2025-12-31").await, None, "{name}: before any price");
        // All or nothing: one bad entry and nothing of the file is kept.
        let bad = store
            .import_fee_schedule(
                &org,
                CHARGE_MASTER,
                &[fee("99214", "", "2026-01-01", "180.00"), fee("9921", "", "2026-01-01", "1.00")],
            )
            .await
            .unwrap_err();
        assert!(matches!(bad, StoreError::Invalid { field: "procedure_code", .. }), "{name}: {bad}");
        assert_eq!(price(CHARGE_MASTER, "99214", "", "2026-03-01").await, None, "{name}");
        assert!(
            store
                .import_fee_schedule(&org, "NOPAYER", &[fee("99213", "", "2026-01-01", "1.00")])
                .await
                .is_err(),
            "{name}"
        );
        assert_eq!(store.fee_schedule(&org, CHARGE_MASTER).await.unwrap().len(), 3, "{name}");

        let actions: Vec<String> = store.audit_page(&org, 0, 100).await.unwrap().into_iter().map(|r| r.action).collect();
        for wanted in ["payer.add", "provider.add", "coverage.add", "fees.import"] {
            assert!(actions.iter().any(|a| a == wanted), "{name}: {wanted}");
        }
    }
}
