//! A claim's life on every backend: entered, scrubbed, fixed, charged to
//! the payer's receivable, sent as 837P, acknowledged, corrected and voided,
//! with the books verified after each step.

use settle_domain::units::Units;
use settle_store::billing::{NewAccount, NewParty, SettingsUpdate};
use settle_store::claims::{NewCoverage, NewPayer, NewProvider, *};
use settle_store::platform::Organisation;
use settle_store::{Store, StoreError};

use crate::backends::{all, assert_verified, date};

async fn patient(store: &Store, org: &Organisation, number: &str, name: &str, born: &str) {
    store
        .add_account(
            org,
            &NewAccount {
                account_number: number.into(),
                party: NewParty {
                    kind: "person".into(),
                    name: name.into(),
                    date_of_birth: Some(date(born)),
                    sex: Some("F".into()),
                    address: Some("236 N Main St, Miami, FL 33413".into()),
                    ..Default::default()
                },
                ar_kind: "patient".into(),
                currency: None,
                payment_terms: None,
                opened_on: date("2026-01-01"),
            },
            None,
        )
        .await
        .unwrap();
}

pub(crate) async fn clinic(store: &Store) -> Organisation {
    let org = store.create_organisation("clinic", "Clinic", "USD").await.unwrap();
    patient(store, &org, "P-1", "Jane Smith", "1970-04-02").await;
    patient(store, &org, "P-2", "Ted Smith", "2012-05-01").await;
    for (code, name, filing) in [("66783JJT", "Key Insurance Company", "CI"), ("MCR01", "Medicare Part B", "MB")] {
        store
            .add_payer(
                &org,
                &NewPayer {
                    payer_code: code.into(),
                    name: name.into(),
                    filing_indicator: filing.into(),
                    timely_filing_days: 90,
                    appeal_days: None,
                    corrected_claim_days: None,
                    address: Default::default(),
                },
            )
            .await
            .unwrap();
    }
    store
        .add_provider(
            &org,
            &NewProvider {
                npi: "1912301953".into(),
                name: "Ben Kildare Service".into(),
                kind: "organisation".into(),
                taxonomy: "203BF0100Y".into(),
                tax_id: "587654321".into(),
                address: "234 Seaway St, Miami, FL 33111-0000".into(),
                pay_to: Default::default(),
            },
        )
        .await
        .unwrap();
    for (account, payer, member, relationship, subscriber, priority) in [
        ("P-1", "66783JJT", "JS00111223333", "self", "", "primary"),
        ("P-1", "MCR01", "1EG4TE5MK73", "self", "", "secondary"),
        ("P-2", "66783JJT", "JS00111223333", "child", "Jane Smith", "primary"),
    ] {
        store
            .add_coverage(
                &org,
                &NewCoverage {
                    subscriber_name_parts: None,
                    account_number: account.into(),
                    payer_code: payer.into(),
                    member_id: member.into(),
                    group_number: "2222-SJ".into(),
                    subscriber_name: subscriber.into(),
                    relationship: relationship.into(),
                    priority: priority.into(),
                    effective_from: date("2026-01-01"),
                    effective_to: None,
                },
            )
            .await
            .unwrap();
    }
    org
}

/// Sets the X12 contact phone every 837P needs.
pub(crate) async fn allow_sending(store: &Store, org: &Organisation, phone: &str) {
    store
        .update_settings(
            org,
            &SettingsUpdate {
                default_terms: "net30".into(),
                aging_buckets: "30,60,90,120".into(),
                writeoff_approval_limit: "100.00".into(),
                refund_approval_limit: None,
                bills_insurance: None,
                x12_submitter_id: None,
                x12_contact_phone: Some(phone.into()),
                scrub_rules_off: None,
            },
        )
        .await
        .unwrap();
}

/// A visit each for P-1 and P-2 (E11.9, one line of each code), saved on
/// `today`: their claim numbers.
pub(crate) async fn visits(store: &Store, org: &Organisation, codes: [&str; 2], today: settle_domain::Date) -> Vec<String> {
    let mut numbers = Vec::new();
    for (account, code) in ["P-1", "P-2"].into_iter().zip(codes) {
        let claim = visit(account, &["E11.9"], code, vec![1]);
        let c = store.create_claim(org, &NewClaim { claim, draft: false }, today, None).await.unwrap();
        assert_eq!(c.status, "ready", "{:?}", c.findings);
        numbers.push(c.claim_number);
    }
    numbers
}

pub(crate) fn visit(account: &str, diagnoses: &[&str], code: &str, pointers: Vec<u8>) -> ClaimInput {
    ClaimInput {
        account_number: account.into(),
        payer_code: None,
        billing_npi: "1912301953".into(),
        rendering_npi: None,
        place_of_service: "11".into(),
        diagnoses: diagnoses.iter().map(|d| d.to_string()).collect(),
        stated_total: None,
        lines: vec![
            ClaimLineInput {
                date_of_service: date("2026-11-02"),
                procedure_code: code.into(),
                modifiers: vec![],
                diagnosis_pointers: pointers,
                units: Units::ONE,
                charge: Some("125.00".into()),
                place_of_service: None,
                facts: Default::default(),
            },
            ClaimLineInput {
                date_of_service: date("2026-11-02"),
                procedure_code: "82947".into(),
                modifiers: vec![],
                diagnosis_pointers: vec![1],
                units: Units::whole(2),
                charge: Some("30.50".into()),
                place_of_service: None,
                facts: Default::default(),
            },
        ],
        // The glucose test (82947) is a laboratory's: Medicare asks for its CLIA number.
        facts: settle_domain::claim_facts::ClaimFacts {
            clia_number: "14D0987654".into(),
            ..Default::default()
        },
    }
}

pub(crate) async fn insurance_balance(store: &Store, org: &Organisation, number: &str) -> String {
    store.account_detail(org, number).await.unwrap().summary.balance
}

pub(crate) const TODAY: &str = "2026-11-24";

fn ack_277(claim: &str, category: &str, icn: &str) -> String {
    format!(
        "ISA*00*          *00*          *ZZ*66783JJT       *ZZ*587654321      *261125*1008*^*00501*000014420*0*T*:~\
GS*HN*66783JJT*587654321*20261125*100831*14420*X*005010X214~ST*277*000014420*005010X214~\
BHT*0085*08*000000674*20261125*100831*TH~HL*1**20*1~NM1*PR*2*KEY INSURANCE*****PI*66783JJT~TRN*1*000014420~\
DTP*050*D8*20261125~DTP*009*D8*20261125~HL*2*1*21*1~NM1*41*2*CLINIC*****46*587654321~TRN*2*000000674~\
STC*A1:20*20261125*WQ*155.5~QTY*90*1~AMT*YU*155.5~HL*3*2*19*1~NM1*85*2*BEN KILDARE SERVICE*****XX*1912301953~\
TRN*1*1107000000000135FF~HL*4*3*PT~NM1*QC*1*SMITH*JANE****MI*JS00111223333~TRN*2*{claim}~\
STC*{category}*20261125*WQ*155.5~REF*1K*{icn}~DTP*472*D8*20261102~SE*23*000014420~GE*1*14420~IEA*1*000014420~"
    )
}

fn ack_999(group: i64, code: &str) -> String {
    format!(
        "ISA*00*          *00*          *ZZ*66783JJT       *ZZ*587654321      *261125*0958*^*00501*095832987*0*T*:~\
GS*FA*66783JJT*587654321*20261125*0958*95832987*X*005010X231A1~ST*999*0001*005010X231A1~AK1*HC*{group}*005010X222A1~\
AK2*837*{group:04}~IK3*NM1*17**8~IK4*9*67*7*XX~IK5*{code}*5~AK9*{code}*1*1*0~SE*8*0001~GE*1*95832987~IEA*1*095832987~"
    )
}

#[tokio::test]
async fn a_claim_from_visit_to_acknowledgment() {
    for backend in all().await {
        let store = &backend.store;
        let name = backend.name;
        let org = clinic(store).await;
        let today = date(TODAY);

        // Entered with a category code and a pointer to nothing: scrubbed, not charged.
        let bad = visit("P-1", &["E11", "I10"], "99213", vec![3]);
        let claim = store.create_claim(&org, &NewClaim { claim: bad, draft: false }, today, None).await.unwrap();
        assert_eq!(claim.status, "scrubbed", "{name}");
        assert!(!claim.charged, "{name}");
        let rules: Vec<&str> = claim.findings.iter().map(|f| f.rule.as_str()).collect();
        assert!(rules.contains(&"billable_diagnosis") && rules.contains(&"pointers"), "{name}: {rules:?}");
        let pointer = claim.findings.iter().find(|f| f.rule == "pointers").unwrap();
        assert_eq!(
            (pointer.field.as_str(), pointer.x12.as_str()),
            ("lines[0].diagnosis_pointers", "SV107"),
            "{name}"
        );
        let number = claim.claim_number.clone();

        // Fixed: ready, and charged to the payer's own receivable account.
        let fixed = store
            .edit_claim(
                &org,
                &EditClaim {
                    claim_number: number.clone(),
                    claim: visit("P-1", &["E11.9", "I10"], "99213", vec![1, 2]),
                    draft: false,
                },
                today,
                None,
            )
            .await
            .unwrap();
        assert_eq!(
            (fixed.status.as_str(), fixed.charged, fixed.total.as_str()),
            ("ready", true, "155.50"),
            "{name}: {fixed:#?}"
        );
        assert_eq!(insurance_balance(store, &org, "INS-66783JJT").await, "155.50", "{name}");
        assert_eq!(
            store.account_detail(&org, "P-1").await.unwrap().summary.balance,
            "0.00",
            "{name}: the patient owes nothing yet"
        );
        assert_verified(store, &org).await;

        // The same visit again is a duplicate.
        let twin = store
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
            .unwrap();
        assert!(
            twin.findings.iter().any(|f| f.rule == "duplicate" && f.message.contains(&number)),
            "{name}: {:#?}",
            twin.findings
        );
        store
            .void_claim(
                &org,
                &VoidClaim {
                    claim_number: twin.claim_number.clone(),
                    reason: "entered twice".into(),
                },
                today,
            )
            .await
            .unwrap();

        // A dependent's claim; then a batch with both.
        let child = store
            .create_claim(
                &org,
                &NewClaim {
                    claim: visit("P-2", &["J06.9"], "99392", vec![1]),
                    draft: false,
                },
                today,
                None,
            )
            .await
            .unwrap();
        assert_eq!(child.status, "ready", "{name}: {:#?}", child.findings);
        let refused = store
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
            .unwrap_err();
        assert!(
            matches!(
                refused,
                StoreError::Invalid {
                    field: "x12_contact_phone",
                    ..
                }
            ),
            "{name}: {refused}"
        );
        allow_sending(store, &org, "(305) 555-2222").await;
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
        assert_eq!(sent.claims, vec![number.clone(), child.claim_number.clone()], "{name}");
        assert!(
            sent.body.contains("PAT*19~") && sent.body.contains("SBR*S*18") && sent.body.contains("REF*6R*"),
            "{name}"
        );
        let again = store
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
        assert!(again.claims.is_empty() && again.file_id.is_none(), "{name}: nothing is sent twice");
        assert_eq!(store.claim(&org, &number).await.unwrap().status, "submitted", "{name}");

        // 999: the file was rejected; both claims go to the rejection worklist.
        let outcome = store
            .import_acknowledgment(
                &org,
                &ImportAcknowledgment {
                    file_name: "r.999".into(),
                    body: ack_999(sent.interchange_control, "R"),
                },
            )
            .await
            .unwrap();
        assert_eq!(outcome.applied.len(), 2, "{name}: {outcome:#?}");
        let rejected = store
            .claims(
                &org,
                &ClaimFilter {
                    status: Some("rejected".into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(rejected.len(), 2, "{name}");
        assert!(
            rejected[0].status_reason.contains("invalid code value"),
            "{name}: {}",
            rejected[0].status_reason
        );

        // Rejected claims are fixed (here: re-saved) and sent again.
        for c in [&number, &child.claim_number] {
            let input = visit_of(store, &org, c).await;
            let again = store
                .edit_claim(
                    &org,
                    &EditClaim {
                        claim_number: c.clone(),
                        claim: input,
                        draft: false,
                    },
                    today,
                    None,
                )
                .await
                .unwrap();
            assert_eq!(again.status, "ready", "{name}");
        }
        assert_eq!(
            insurance_balance(store, &org, "INS-66783JJT").await,
            "311.00",
            "{name}: charges taken off and put back once"
        );
        let resent = store
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
        assert_eq!(resent.claims.len(), 2, "{name}");

        // 277CA: the first accepted with the payer's number, then a correction.
        let outcome = store
            .import_acknowledgment(
                &org,
                &ImportAcknowledgment {
                    file_name: "a.277".into(),
                    body: ack_277(&number, "A2:20", "1107000000014420"),
                },
            )
            .await
            .unwrap();
        assert_eq!(outcome.applied[0].status, "accepted", "{name}: {outcome:#?}");
        let twice = store
            .import_acknowledgment(
                &org,
                &ImportAcknowledgment {
                    file_name: "a.277".into(),
                    body: ack_277(&number, "A2:20", "1107000000014420"),
                },
            )
            .await
            .unwrap();
        assert!(twice.applied.is_empty() && twice.unchanged.len() == 1, "{name}: {twice:#?}");
        let unknown = store
            .import_acknowledgment(
                &org,
                &ImportAcknowledgment {
                    file_name: "x.277".into(),
                    body: ack_277("CLM-999999", "A7:562:85", "X"),
                },
            )
            .await
            .unwrap();
        assert!(unknown.unmatched[0].contains("CLM-999999"), "{name}: {unknown:#?}");
        let accepted = store.claim(&org, &number).await.unwrap();
        assert_eq!(
            (accepted.status.as_str(), accepted.payer_claim_number.as_str()),
            ("accepted", "1107000000014420"),
            "{name}"
        );
        let edit = store
            .edit_claim(
                &org,
                &EditClaim {
                    claim_number: number.clone(),
                    claim: visit_of(store, &org, &number).await,
                    draft: false,
                },
                today,
                None,
            )
            .await
            .unwrap_err();
        assert!(edit.to_string().contains("corrected claim"), "{name}: {edit}");

        let correction = store.correct_claim(&org, &CorrectClaim { claim_number: number.clone() }, today).await.unwrap();
        assert_eq!((correction.frequency.as_str(), correction.status.as_str()), ("7", "draft"), "{name}");
        let mut input = visit_of(store, &org, &correction.claim_number).await;
        input.lines[1].units = Units::ONE;
        input.lines[1].charge = Some("15.25".into());
        let ready = store
            .edit_claim(
                &org,
                &EditClaim {
                    claim_number: correction.claim_number.clone(),
                    claim: input,
                    draft: false,
                },
                today,
                None,
            )
            .await
            .unwrap();
        assert_eq!(
            (ready.status.as_str(), ready.total.as_str()),
            ("ready", "140.25"),
            "{name}: {:#?}",
            ready.findings
        );
        let original = store.claim(&org, &number).await.unwrap();
        assert_eq!(original.status, "closed", "{name}");
        assert!(original.status_reason.contains(&correction.claim_number), "{name}");
        assert_eq!(insurance_balance(store, &org, "INS-66783JJT").await, "295.75", "{name}");
        let corrected = store
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
        assert!(
            corrected.body.contains("11:B:7") && corrected.body.contains("REF*F8*1107000000014420"),
            "{name}"
        );

        // Void the dependent's claim the payer has: a frequency-8 claim, charges off.
        let void = store
            .void_claim(
                &org,
                &VoidClaim {
                    claim_number: child.claim_number.clone(),
                    reason: "wrong patient".into(),
                },
                today,
            )
            .await
            .unwrap();
        assert_eq!(
            (void.frequency.as_str(), void.status.as_str()),
            ("8", "scrubbed"),
            "{name}: no payer claim number yet"
        );
        assert_eq!(insurance_balance(store, &org, "INS-66783JJT").await, "140.25", "{name}");
        assert_verified(store, &org).await;
    }
}

pub(crate) async fn visit_of(store: &Store, org: &Organisation, number: &str) -> ClaimInput {
    let c = store.claim(org, number).await.unwrap();
    ClaimInput {
        account_number: c.account_number,
        payer_code: Some(c.payer_code),
        billing_npi: c.billing_npi,
        rendering_npi: c.rendering_npi,
        place_of_service: c.place_of_service,
        diagnoses: c.diagnoses,
        stated_total: None,
        lines: c
            .lines
            .iter()
            .map(|l| ClaimLineInput {
                date_of_service: date(&l.date_of_service),
                procedure_code: l.procedure_code.clone(),
                modifiers: l.modifiers.clone(),
                diagnosis_pointers: l.diagnosis_pointers.clone(),
                units: l.units,
                charge: Some(l.charge.clone()),
                place_of_service: l.place_of_service.clone(),
                facts: l.facts.clone(),
            })
            .collect(),
        facts: c.facts,
    }
}

#[tokio::test]
async fn bad_acknowledgments_change_nothing() {
    for backend in all().await {
        let store = &backend.store;
        let name = backend.name;
        let org = clinic(store).await;
        let garbled = store
            .import_acknowledgment(
                &org,
                &ImportAcknowledgment {
                    file_name: "g.999".into(),
                    body: "ISA*00*garbage~GS*FA~".into(),
                },
            )
            .await
            .unwrap_err();
        assert!(matches!(garbled, StoreError::Invalid { field: "file", .. }), "{name}: {garbled}");
        assert!(garbled.to_string().contains("segment"), "{name}: {garbled}");
        let not_ack = store
            .import_acknowledgment(
                &org,
                &ImportAcknowledgment {
                    file_name: "c.837".into(),
                    body: std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/x12/linuxforhealth/demo.example1.837")).unwrap(),
                },
            )
            .await
            .unwrap_err();
        assert!(not_ack.to_string().contains("no 999 or 277"), "{name}: {not_ack}");
        assert!(store.x12_files(&org).await.unwrap().is_empty(), "{name}");
    }
}

#[tokio::test]
async fn eligibility_asked_with_a_270_and_answered_by_a_271() {
    for backend in all().await {
        let store = &backend.store;
        let name = backend.name;
        let org = clinic(store).await;
        let today = date(TODAY);
        let asked = store
            .ask_eligibility(
                &org,
                &settle_store::claims::AskEligibility {
                    account_number: "P-2".into(),
                    payer_code: "66783JJT".into(),
                    service_date: None,
                },
                today,
            )
            .await
            .unwrap();
        assert!(
            asked.body.contains("NM1*03*1*SMITH*TED") && asked.body.contains(&format!("TRN*1*{}", asked.trace)),
            "{name}: {}",
            asked.body
        );
        let answer = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../testdata/x12/linuxforhealth/dependent-health-benefit-check.271"
        ))
        .unwrap()
        .replace("93175-012547", &asked.trace)
        .replace("DTP*346*D8*20060101", "DTP*346*D8*20260101~DTP*347*D8*20261231")
        .replace("SE*28*4321", "SE*29*4321");
        let read = store
            .import_acknowledgment(
                &org,
                &ImportAcknowledgment {
                    file_name: "answer.271".into(),
                    body: answer.clone(),
                },
            )
            .await
            .unwrap();
        assert_eq!(read.kind, "271", "{name}");
        let e = &read.eligibility[0];
        assert_eq!(
            (e.status.as_str(), e.plan_name.as_str(), e.copay.as_deref()),
            ("active", "GOLD 123 PLAN", Some("10.00")),
            "{name}: {e:#?}"
        );
        assert_eq!(
            (e.plan_begin.as_deref(), e.plan_end.as_deref()),
            (Some("2026-01-01"), Some("2026-12-31")),
            "{name}"
        );
        let coverage = store.coverages(&org, "P-2").await.unwrap();
        assert_eq!(
            coverage[0].effective_to.as_deref(),
            Some("2026-12-31"),
            "{name}: the plan's end is the coverage's"
        );
        assert_eq!(store.eligibility(&org, "P-2").await.unwrap()[0].status, "active", "{name}");
        // An answer to a question never asked is reported, not applied.
        let stray = store
            .import_acknowledgment(
                &org,
                &ImportAcknowledgment {
                    file_name: "stray.271".into(),
                    body: answer.replace(&asked.trace, "SOMEONE-ELSE"),
                },
            )
            .await
            .unwrap();
        assert!(
            stray.eligibility.is_empty() && stray.unmatched[0].contains("SOMEONE-ELSE"),
            "{name}: {stray:#?}"
        );
    }
}

#[tokio::test]
async fn a_childs_guarantor_is_a_parent_and_can_be_cleared() {
    for backend in all().await {
        let store = &backend.store;
        let name = backend.name;
        let org = clinic(store).await;
        let set = |relationship: &str, who: &str| settle_store::claims::SetGuarantor {
            name_parts: None,
            account_number: "P-2".into(),
            relationship: relationship.into(),
            name: who.into(),
            phone: Some("(217) 555-0100".into()),
            email: None,
            address: Some("236 N Main St, Miami, FL 33413".into()),
        };
        let g = store.set_guarantor(&org, &set("parent", "Jane Smith")).await.unwrap().unwrap();
        assert_eq!((g.name.as_str(), g.relationship.as_str()), ("Jane Smith", "parent"), "{name}");
        assert!(
            g.phone.is_some() && g.address.as_deref() == Some("236 N Main St, Miami, FL 33413"),
            "{name}: {g:?}"
        );
        assert_eq!(store.guarantor(&org, "P-2").await.unwrap(), Some(g), "{name}");
        let bad = store.set_guarantor(&org, &set("uncle", "Bob")).await.unwrap_err();
        assert!(matches!(bad, StoreError::Invalid { field: "relationship", .. }), "{name}: {bad}");
        let nameless = store.set_guarantor(&org, &set("parent", "")).await.unwrap_err();
        assert!(matches!(nameless, StoreError::Invalid { field: "name", .. }), "{name}: {nameless}");
        assert_eq!(store.set_guarantor(&org, &set("self", "")).await.unwrap(), None, "{name}");
        assert_eq!(store.guarantor(&org, "P-2").await.unwrap(), None, "{name}");
    }
}

/// An 835 a test payer writes for claims it received: per claim, the lines
/// paid, written down (CO-45) and left to the patient (PR-1, PR-2).
/// A line of a test ERA: code, charge, paid, CO written down, PR.
pub(crate) type EraLine<'a> = (&'a str, &'a str, &'a str, &'a str, &'a str);

pub(crate) fn era(trace: &str, claims: &[(&str, Vec<EraLine>)]) -> String {
    era_with(trace, "1", claims)
}

pub(crate) fn era_with(trace: &str, status: &str, claims: &[(&str, Vec<EraLine>)]) -> String {
    era_full(trace, status, claims, &[])
}

/// As [`era_with`], with provider-level adjustments (PLB): reason and
/// amount, positive for what the payer keeps back.
pub(crate) fn era_full(trace: &str, status: &str, claims: &[(&str, Vec<EraLine>)], plb: &[(&str, &str)]) -> String {
    let mut s = vec![
        "ST*835*0001*005010X221A1".to_string(),
        String::new(), // BPR, filled below
        format!("TRN*1*{trace}*1666666666"),
        "N1*PR*KEY INSURANCE COMPANY".to_string(),
        "N3*PO BOX 1".to_string(),
        "N4*MIAMI*FL*33111".to_string(),
        "N1*PE*BEN KILDARE SERVICE*XX*1912301953".to_string(),
    ];
    let mut total = 0i64;
    let cents = |t: &str| -> i64 { t.replace('.', "").parse().unwrap() };
    for (n, (claim, lines)) in claims.iter().enumerate() {
        s.push(format!("LX*{}", n + 1));
        let charge: i64 = lines.iter().map(|l| cents(l.1)).sum();
        let paid: i64 = lines.iter().map(|l| cents(l.2)).sum();
        let patient: i64 = lines.iter().map(|l| cents(l.4)).sum();
        total += paid;
        let m = |v: i64| format!("{}{}.{:02}", if v < 0 { "-" } else { "" }, v.abs() / 100, v.abs() % 100);
        s.push(format!("CLP*{claim}*{status}*{}*{}*{}*12*ICN{}", m(charge), m(paid), m(patient), n + 1));
        s.push("NM1*QC*1*SMITH*TED".to_string());
        for (i, (code, ch, pd, co, pr)) in lines.iter().enumerate() {
            s.push(format!("SVC*HC:{code}*{ch}*{pd}"));
            s.push("DTM*472*20261102".to_string());
            let mut cas = Vec::new();
            if cents(co) != 0 {
                // (negative in a reversal)
                cas.push(format!("CAS*CO*45*{co}"));
            }
            if cents(pr) != 0 {
                cas.push(format!("CAS*PR*{}*{pr}", if i == 0 { 1 } else { 2 }));
            }
            s.extend(cas);
            s.push(format!("REF*6R*{claim}-{}", i + 1));
        }
    }
    if !plb.is_empty() {
        let parts: Vec<String> = plb.iter().map(|(reason, amount)| format!("{reason}:REF{reason}*{amount}")).collect();
        s.push(format!("PLB*1912301953*20261231*{}", parts.join("*")));
        total -= plb.iter().map(|(_, amount)| cents(amount)).sum::<i64>();
    }
    s[1] = format!(
        "BPR*I*{}.{:02}*C*ACH*CCP*01*999999999*DA*123456*1666666666**01*999888777*DA*654321*20261201",
        total / 100,
        total % 100
    );
    let count = s.len() + 1;
    format!(
        "ISA*00*          *00*          *ZZ*66783JJT       *ZZ*587654321      *261201*1200*^*00501*000000042*0*P*:~GS*HP*66783JJT*587654321*20261201*1200*42*X*005010X221A1~{}~SE*{count}*0001~GE*1*42~IEA*1*000000042~",
        s.join("~")
    )
}

/// Two visits (P-1's 99213 and P-2's 99392, each with a 30.50 glucose
/// test) saved ready and sent to Key Insurance in one 837P: their numbers.
pub(crate) async fn two_claims_sent(store: &Store, org: &Organisation, today: settle_domain::Date) -> Vec<String> {
    let mut numbers = Vec::new();
    for (account, dx, code) in [("P-1", "E11.9", "99213"), ("P-2", "J06.9", "99392")] {
        let c = store
            .create_claim(
                org,
                &NewClaim {
                    claim: visit(account, &[dx], code, vec![1]),
                    draft: false,
                },
                today,
                None,
            )
            .await
            .unwrap();
        numbers.push(c.claim_number);
    }
    allow_sending(store, org, "3055552222").await;
    store
        .export_claims(
            org,
            &ExportClaims {
                claims: vec![],
                payer_code: "66783JJT".into(),
                production: false,
            },
            today,
        )
        .await
        .unwrap();
    numbers
}

#[tokio::test]
async fn an_era_posts_payments_write_downs_and_the_patients_share_to_the_cent() {
    for backend in all().await {
        let store = &backend.store;
        let name = backend.name;
        let org = clinic(store).await;
        let today = date(TODAY);
        let numbers = two_claims_sent(store, &org, today).await;
        // Aetna's contract allows 110.00 for a 99213.
        store
            .import_fee_schedule(
                &org,
                "66783JJT",
                &[settle_store::claims::FeeEntry {
                    procedure_code: "99213".into(),
                    modifier: String::new(),
                    effective_from: date("2026-01-01"),
                    amount: "110.00".into(),
                }],
            )
            .await
            .unwrap();
        // Both claims: 125.00 + 30.50. The first paid in full less a write-down and a deductible;
        // the second partly: its second line left open.
        let body = era(
            "EFT-20261201-1",
            &[
                (
                    numbers[0].as_str(),
                    vec![("99213", "125.00", "80.00", "25.00", "20.00"), ("82947", "30.50", "20.00", "5.50", "5.00")],
                ),
                (numbers[1].as_str(), vec![("99392", "125.00", "100.00", "25.00", "0.00")]),
                ("CLM-999999", vec![("99213", "50.00", "50.00", "0.00", "0.00")]),
            ],
        );
        let posted = store
            .post_835(
                &org,
                &settle_store::claims::Import835 {
                    file_name: "era.835".into(),
                    body: body.clone(),
                },
                today,
            )
            .await
            .unwrap();
        let r = &posted[0];
        assert_eq!((r.posted, r.exceptions), (2, 1), "{name}: {r:#?}");
        assert_eq!(r.claims[0].status, "paid", "{name}: {r:#?}");
        assert_eq!(r.claims[1].status, "partially_paid", "{name}: {r:#?}");
        assert!(r.claims[2].reason.contains("no claim CLM-999999"), "{name}");
        // The payer's account: 311.00 charged, 200.00 paid, 55.50 written down, 25.00 to the patient: 30.50 left.
        assert_eq!(insurance_balance(store, &org, "INS-66783JJT").await, "30.50", "{name}");
        let patient = store.account_detail(&org, "P-1").await.unwrap();
        let share = patient.items.iter().find(|i| i.reference.contains("-PR-")).unwrap();
        assert_eq!(share.balance, "25.00", "{name}");
        assert!(
            share.description.contains("deductible 20.00") && share.description.contains("coinsurance 5.00"),
            "{name}: {}",
            share.description
        );
        let first = store.claim(&org, &numbers[0]).await.unwrap();
        assert_eq!((first.status.as_str(), first.payer_claim_number.as_str()), ("paid", "ICN1"), "{name}");
        // 80.00 paid + 20.00 deductible against 110.00 allowed: 10.00 short.
        let short = store.underpayments(&org).await.unwrap();
        assert_eq!(short.len(), 1, "{name}: {short:#?}");
        assert_eq!(
            (short[0].claim_number.as_str(), short[0].procedure_code.as_str(), short[0].short.as_str()),
            (numbers[0].as_str(), "99213", "10.00"),
            "{name}"
        );
        assert_verified(store, &org).await;
        // The same ERA again is refused, and nothing moves.
        let again = store
            .post_835(
                &org,
                &settle_store::claims::Import835 {
                    file_name: "era.835".into(),
                    body,
                },
                today,
            )
            .await
            .unwrap_err();
        assert!(again.to_string().contains("already posted"), "{name}: {again}");
        assert_eq!(insurance_balance(store, &org, "INS-66783JJT").await, "30.50", "{name}");
        // One that does not balance is refused whole, by segment.
        let unbalanced = era("EFT-2", &[(numbers[1].as_str(), vec![("99392", "125.00", "20.00", "1.00", "0.00")])]);
        let refused = store
            .post_835(
                &org,
                &settle_store::claims::Import835 {
                    file_name: "bad.835".into(),
                    body: unbalanced,
                },
                today,
            )
            .await
            .unwrap_err();
        assert!(
            refused.to_string().contains("nothing posted") && refused.to_string().contains("(SVC)"),
            "{name}: {refused}"
        );
    }
}
