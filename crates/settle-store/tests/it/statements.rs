//! Patient statements on every backend: what insurance left to the
//! patient, visit by visit and why, sent once per cycle, to the guarantor
//! when there is one, numbered first, second and final.

use settle_store::claims::{BillSecondary, Import835, SetGuarantor, StatementRun, *};
use settle_store::StoreError;

use crate::backends::{all, assert_verified, date};
use crate::claim_life::{allow_sending, clinic, era, visit, visits, TODAY};

#[tokio::test]
async fn statements_explain_what_insurance_left_and_come_once_a_cycle() {
    for backend in all().await {
        let store = &backend.store;
        let name = backend.name;
        let org = clinic(store).await;
        let today = date(TODAY);
        let numbers = visits(store, &org, ["99213", "99392"], today).await;
        allow_sending(store, &org, "3055552222").await;
        store
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
        // P-1: a 20.00 deductible and 5.00 coinsurance; P-2 (a child): 3.00 coinsurance only, under the minimum.
        let body = era(
            "EFT-ST-1",
            &[
                (
                    numbers[0].as_str(),
                    vec![("99213", "125.00", "80.00", "25.00", "20.00"), ("82947", "30.50", "20.00", "5.50", "5.00")],
                ),
                (
                    numbers[1].as_str(),
                    vec![("99392", "125.00", "100.00", "25.00", "0.00"), ("82947", "30.50", "20.00", "7.50", "3.00")],
                ),
            ],
        );
        store
            .post_835(
                &org,
                &Import835 {
                    file_name: "era.835".into(),
                    body,
                },
                today,
            )
            .await
            .unwrap();
        store
            .set_guarantor(
                &org,
                &SetGuarantor {
                    name_parts: None,
                    account_number: "P-1".into(),
                    relationship: "spouse".into(),
                    name: "John Smith".into(),
                    phone: None,
                    email: None,
                    address: Some("12 Ocean Dr, Miami, FL 33139".into()),
                },
            )
            .await
            .unwrap();
        let run = |as_of: &str, dry_run: bool| StatementRun {
            as_of: date(as_of),
            cycle_days: None,
            min_balance: None,
            dry_run,
            account_number: None,
        };
        let bad = store
            .run_statements(
                &org,
                &StatementRun {
                    min_balance: Some("five".into()),
                    ..run("2026-12-02", false)
                },
            )
            .await
            .unwrap_err();
        assert!(matches!(bad, StoreError::Invalid { field: "min_balance", .. }), "{name}: {bad}");
        let dry = store.run_statements(&org, &run("2026-12-02", true)).await.unwrap();
        assert_eq!((dry.count, dry.total.as_str()), (1, "25.00"), "{name}: {dry:#?}");
        assert!(store.statements(&org, None).await.unwrap().is_empty(), "{name}: a dry run sends nothing");

        let sent = store.run_statements(&org, &run("2026-12-02", false)).await.unwrap();
        assert_eq!((sent.count, sent.statements[0].account_number.as_str()), (1, "P-1"), "{name}");
        assert_eq!(sent.statements[0].to, "John Smith", "{name}: the guarantor gets it");
        let s = store.statement(&org, sent.statements[0].statement_id).await.unwrap();
        assert_eq!((s.sequence, s.amount_due.as_str(), s.due.as_str()), (1, "25.00", "2026-12-23"), "{name}");
        assert_eq!(s.to.lines, vec!["for Jane Smith", "12 Ocean Dr", "Miami, FL 33139"], "{name}");
        let visit = &s.visits[0];
        assert_eq!(
            (visit.claim_number.as_str(), visit.insurer.as_str()),
            (numbers[0].as_str(), "Key Insurance Company"),
            "{name}"
        );
        let line = &visit.lines[0];
        assert_eq!(
            (
                line.charge.as_str(),
                line.insurance_paid.as_str(),
                line.adjusted.as_str(),
                line.you_owe.as_str()
            ),
            ("125.00", "80.00", "25.00", "20.00"),
            "{name}"
        );
        assert_eq!(visit.why, vec!["deductible $20.00", "coinsurance $5.00"], "{name}");
        assert!(settle_pdf::letters::statement(&s).starts_with(b"%PDF-"), "{name}");

        // The same day again, or within the cycle: nothing more.
        let again = store.run_statements(&org, &run("2026-12-02", false)).await.unwrap();
        assert_eq!((again.count, again.skipped_in_cycle), (0, 1), "{name}");
        let soon = store.run_statements(&org, &run("2026-12-20", false)).await.unwrap();
        assert_eq!(soon.count, 0, "{name}");
        // A cycle later, unpaid: the second statement, a reminder.
        let later = store.run_statements(&org, &run("2027-01-01", false)).await.unwrap();
        assert_eq!((later.count, later.statements[0].sequence), (1, 2), "{name}");
        let second = store.statement(&org, later.statements[0].statement_id).await.unwrap();
        assert!(second.message.starts_with("Reminder"), "{name}: {}", second.message);
        let day = store.statements_of_day(&org, date("2027-01-01")).await.unwrap();
        assert_eq!(day.len(), 1, "{name}");
        assert_eq!(store.statements(&org, Some("P-1")).await.unwrap().len(), 2, "{name}");
        assert_verified(store, &org).await;
    }
}

#[tokio::test]
async fn the_secondary_is_billed_with_the_primarys_answer_and_pays_the_patients_share() {
    for backend in all().await {
        let store = &backend.store;
        let name = backend.name;
        let org = clinic(store).await;
        let today = date(TODAY);
        let primary = store
            .create_claim(
                &org,
                &NewClaim {
                    claim: visit("P-1", &["E11.9"], "99213", vec![1]),
                    draft: false,
                },
                today,
                None,
            )
            .await
            .unwrap()
            .claim_number;
        allow_sending(store, &org, "3055552222").await;
        let export = |payer: &'static str| ExportClaims {
            claims: vec![],
            payer_code: payer.into(),
            production: false,
        };
        store.export_claims(&org, &export("66783JJT"), today).await.unwrap();
        let not_yet = store
            .bill_secondary(&org, &BillSecondary { claim_number: primary.clone() }, today)
            .await
            .unwrap_err();
        assert!(not_yet.to_string().contains("once the primary has paid"), "{name}: {not_yet}");
        let body = era(
            "EFT-SEC-1",
            &[(
                primary.as_str(),
                vec![("99213", "125.00", "80.00", "25.00", "20.00"), ("82947", "30.50", "20.00", "5.50", "5.00")],
            )],
        );
        store
            .post_835(
                &org,
                &Import835 {
                    file_name: "primary.835".into(),
                    body,
                },
                today,
            )
            .await
            .unwrap();
        let due = store.secondaries_due(&org).await.unwrap();
        assert_eq!(
            (
                due.len(),
                due[0].claim_number.as_str(),
                due[0].secondary_payer.as_str(),
                due[0].patient_share.as_str()
            ),
            (1, primary.as_str(), "Medicare Part B", "25.00"),
            "{name}: {due:#?}"
        );
        let secondary = store
            .bill_secondary(&org, &BillSecondary { claim_number: primary.clone() }, today)
            .await
            .unwrap();
        assert_eq!(
            (secondary.status.as_str(), secondary.payer_code.as_str(), secondary.coverage_priority.as_str()),
            ("ready", "MCR01", "secondary"),
            "{name}: {secondary:#?}"
        );
        assert!(!secondary.charged, "{name}: a secondary adds no charge");
        assert!(store.secondaries_due(&org).await.unwrap().is_empty(), "{name}");
        let twice = store
            .bill_secondary(&org, &BillSecondary { claim_number: primary.clone() }, today)
            .await
            .unwrap_err();
        assert!(twice.to_string().contains("already has a secondary claim"), "{name}: {twice}");
        // While the secondary decides, the patient gets no statement for the share.
        let run = StatementRun {
            as_of: date("2026-12-02"),
            cycle_days: None,
            min_balance: None,
            dry_run: true,
            account_number: None,
        };
        assert_eq!(store.run_statements(&org, &run).await.unwrap().count, 0, "{name}");

        // The 837P to Medicare carries Key Insurance's answer: 2320 and, per line, 2430.
        let sent = store.export_claims(&org, &export("MCR01"), today).await.unwrap();
        let body = sent.body.replace('\n', "");
        for expected in [
            "SBR*S*18",
            "SBR*P*18",
            "AMT*D*100~",
            "AMT*EAF*25~",
            "SVD*66783JJT*80*HC:99213**1~CAS*CO*45*25~CAS*PR*1*20~DTP*573*D8*20261201~",
            "SVD*66783JJT*20*HC:82947**1~CAS*CO*45*5.5~CAS*PR*2*5~DTP*573*D8*20261201~",
        ] {
            assert!(body.contains(expected), "{name}: {expected} not in {body}");
        }

        // Medicare pays 20.00 of the 25.00 and leaves 5.00 (its coinsurance) to the patient.
        let secondary_number = secondary.claim_number.clone();
        let era_body = format!(
            "ISA*00*          *00*          *ZZ*MCR01          *ZZ*587654321      *261210*1200*^*00501*000000077*0*P*:~\
GS*HP*MCR01*587654321*20261210*1200*77*X*005010X221A1~ST*835*0001*005010X221A1~\
BPR*I*20.00*C*ACH*CCP*01*999999999*DA*123456*1666666666**01*999888777*DA*654321*20261210~TRN*1*EFT-SEC-2*1666666666~\
N1*PR*MEDICARE PART B~N3*PO BOX 1~N4*MIAMI*FL*33111~N1*PE*BEN KILDARE SERVICE*XX*1912301953~LX*1~CLP*{secondary_number}*2*155.50*20.00*5.00*MB*MCR77~\
CAS*OA*23*130.50~CAS*PR*2*5.00~NM1*QC*1*DOE*JANE~SE*13*0001~GE*1*77~IEA*1*000000077~"
        );
        let posted = store
            .post_835(
                &org,
                &Import835 {
                    file_name: "secondary.835".into(),
                    body: era_body,
                },
                today,
            )
            .await
            .unwrap();
        assert_eq!(posted[0].claims[0].outcome, "posted", "{name}: {posted:#?}");
        assert_eq!(store.claim(&org, &secondary_number).await.unwrap().status, "paid", "{name}");
        assert_eq!(store.account_detail(&org, "P-1").await.unwrap().summary.balance, "5.00", "{name}");
        let after = store.run_statements(&org, &StatementRun { dry_run: false, ..run }).await.unwrap();
        assert_eq!((after.count, after.total.as_str()), (1, "5.00"), "{name}");
        assert_verified(store, &org).await;
    }
}
