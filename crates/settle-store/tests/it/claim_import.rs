//! Claims a practice imports from another system: kept under the numbers
//! their sender gave them, answered by the payer under those numbers, and
//! files the books cannot take refused whole.

use settle_store::claims::{Import835, Import837, *};

use crate::backends::{all, assert_verified, date};
use crate::claim_life::{allow_sending, clinic, era, visit, TODAY};

#[tokio::test]
async fn claims_sent_by_one_practice_import_into_another_and_old_files_are_refused_whole() {
    for backend in all().await {
        let store = &backend.store;
        let name = backend.name;
        let org = clinic(store).await;
        let today = date(TODAY);
        for (account, dx, code) in [("P-1", "E11.9", "99213"), ("P-2", "J06.9", "99392")] {
            let claim = store
                .create_claim(
                    &org,
                    &NewClaim {
                        claim: visit(account, &[dx], code, vec![1]),
                        draft: false,
                    },
                    today,
                    None,
                )
                .await
                .unwrap();
            assert_eq!(claim.status, "ready", "{name}: {:#?}", claim.findings);
        }
        allow_sending(store, &org, "3055552222").await;
        let sent = store
            .export_claims(
                &org,
                &ExportClaims {
                    claims: vec![],
                    payer_code: "66783JJT".into(),
                    production: false,
                },
                today,
            )
            .await
            .unwrap();

        let other = store.create_organisation("other", "Other Practice", "USD").await.unwrap();
        let outcome = store
            .import_837p(
                &other,
                &Import837 {
                    file_name: "from-clinic.837".into(),
                    body: sent.body.clone(),
                },
                today,
            )
            .await
            .unwrap();
        assert_eq!(outcome.claims.len(), 2, "{name}: {outcome:#?}");
        assert_eq!(
            (outcome.accounts_added.len(), outcome.payers_added.len(), outcome.coverages_added),
            (2, 1, 2),
            "{name}: {outcome:#?}"
        );
        assert!(outcome.claims.iter().all(|c| c.status == "ready"), "{name}: {outcome:#?}");
        let imported = store.claim(&other, &outcome.claims[1].claim_number).await.unwrap();
        assert_eq!(
            (imported.patient_name.as_str(), imported.total.as_str(), imported.coverage_priority.as_str()),
            ("Ted Smith", "155.50", "primary"),
            "{name}"
        );
        assert_eq!(imported.lines[0].procedure_code, "99392", "{name}");
        let coverage = &store.coverages(&other, &imported.account_number).await.unwrap()[0];
        assert_eq!(
            (coverage.relationship.as_str(), coverage.subscriber_name.as_str()),
            ("child", "Jane Smith"),
            "{name}"
        );
        // Each imported claim keeps the number the clinic sent it under,
        // so the payer's answer to the clinic's file finds it.
        let sent_numbers: Vec<&str> = outcome.claims.iter().map(|c| c.their_number.as_str()).collect();
        assert_eq!(
            outcome.claims.iter().map(|c| c.claim_number.as_str()).collect::<Vec<_>>(),
            sent_numbers,
            "{name}"
        );
        // Sent on from Settle, they go out under the same numbers.
        allow_sending(store, &other, "3055552222").await;
        let resent = store
            .export_claims(
                &other,
                &ExportClaims {
                    claims: vec![],
                    payer_code: "66783JJT".into(),
                    production: false,
                },
                today,
            )
            .await
            .unwrap();
        for number in &sent_numbers {
            assert!(resent.body.contains(&format!("CLM*{number}*")), "{name}: {number} in {}", resent.body);
        }
        let answer = era(
            "IMPORTED1",
            &[(
                sent_numbers[0],
                vec![("99213", "125.00", "80.00", "25.00", "20.00"), ("82947", "30.50", "20.00", "5.50", "5.00")],
            )],
        );
        let posted = store
            .post_835(
                &other,
                &Import835 {
                    file_name: "answer.835".into(),
                    body: answer,
                },
                today,
            )
            .await
            .unwrap();
        assert_eq!((posted[0].posted, posted[0].exceptions), (1, 0), "{name}: {posted:#?}");
        // A claim of ours gets a number no imported claim has.
        let ours = store
            .create_claim(
                &other,
                &NewClaim {
                    claim: visit(&imported.account_number, &["J06.9"], "99392", vec![1]),
                    draft: false,
                },
                today,
                None,
            )
            .await
            .unwrap();
        assert!(!sent_numbers.contains(&ours.claim_number.as_str()), "{name}: {}", ours.claim_number);
        // The same file again is refused whole: its claim numbers are in the books.
        let again = store
            .import_837p(
                &other,
                &Import837 {
                    file_name: "again.837".into(),
                    body: sent.body.clone(),
                },
                today,
            )
            .await
            .unwrap_err();
        assert!(again.to_string().contains("already hold claim(s) CLM-000001"), "{name}: {again}");
        assert_verified(store, &other).await;

        // A file from 2006 (ICD-9 codes): refused whole, each code named by segment.
        let old = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/x12/linuxforhealth/demo.example1.837")).unwrap();
        let before = store.claims(&other, &ClaimFilter::default()).await.unwrap().len();
        let refused = store
            .import_837p(
                &other,
                &Import837 {
                    file_name: "example1.837".into(),
                    body: old,
                },
                today,
            )
            .await
            .unwrap_err();
        let text = refused.to_string();
        assert!(
            text.contains("nothing imported") && text.contains("segment 29 (HI), element HI01: 0340 is an ICD-9-CM diagnosis"),
            "{name}: {text}"
        );
        assert_eq!(
            store.claims(&other, &ClaimFilter::default()).await.unwrap().len(),
            before,
            "{name}: nothing half-imported"
        );
    }
}
