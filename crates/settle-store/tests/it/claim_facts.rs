//! What a payer needs beyond codes and charges (authorizations, referring
//! and ordering providers, the accident, drugs, CLIA, notes, attachments),
//! entered once and carried everywhere: kept with the claim, written to the
//! 837P in its loops, read back by another practice's import and sent on
//! by it the same, kept by an edit, and refused by field when wrong.

use settle_domain::claim_facts::*;
use settle_store::claims::*;
use settle_store::StoreError;

use crate::backends::{all, date};
use crate::claim_life::{allow_sending, clinic, visit, TODAY};

fn provider(last: &str, first: &str) -> NamedProvider {
    NamedProvider {
        last: last.into(),
        first: first.into(),
        npi: "1003000126".into(),
    }
}

fn with_facts(account: &str) -> ClaimInput {
    let mut input = visit(account, &["S93.401A", "E11.9"], "99213", vec![1]);
    input.facts = ClaimFacts {
        prior_authorization: "PA-2026-118".into(),
        referral_number: "REF-77".into(),
        referring_provider: Some(provider("Okafor", "Ngozi")),
        related_causes: RelatedCauses {
            auto_accident: true,
            auto_accident_state: "IL".into(),
            ..RelatedCauses::default()
        },
        accident_date: Some(date("2026-10-30")),
        onset_date: Some(date("2026-10-30")),
        clia_number: "14D0987654".into(),
        note: Some(Note {
            kind: "ADD".into(),
            text: "Seen after hours".into(),
        }),
        attachments: vec![Attachment {
            report_type: "OZ".into(),
            transmission: "FX".into(),
            control_number: "ATT-9".into(),
        }],
        first_contact_date: Some(date("2026-10-31")),
        ambulance: Some(Ambulance {
            transport_reason: "A".into(),
            miles: "12.5".into(),
            certifications: vec![Certification {
                applies: true,
                conditions: vec!["04".into(), "06".into()],
            }],
            pickup: Some(Location {
                name: String::new(),
                street: "236 N Main St".into(),
                city: "Miami".into(),
                state: "FL".into(),
                zip: "33413".into(),
            }),
            dropoff: Some(Location {
                name: "Mercy Hospital".into(),
                street: "3663 S Miami Ave".into(),
                city: "Miami".into(),
                state: "FL".into(),
                zip: "33133".into(),
            }),
            ..Ambulance::default()
        }),
        ..ClaimFacts::default()
    };
    // A drug dosed by weight: a unit and a half (SV104 is a decimal).
    input.lines[1].units = settle_domain::units::Units::parse("1.5").unwrap();
    input.lines[1].facts = LineFacts {
        prior_authorization: "PA-LINE-2".into(),
        drug: Some(Drug {
            ndc: "0409-4888-01".into(),
            quantity: "2.5".into(),
            unit: "ML".into(),
            prescription_number: "RX-88".into(),
        }),
        ordering_provider: Some(provider("Wilson", "Larry")),
        service_through: Some(date("2026-11-04")),
        description: "Ondansetron see NDC".into(),
        emergency: true,
        ..LineFacts::default()
    };
    input
}

/// The segments that carry the facts, as the 837P writes them.
const FACT_SEGMENTS: &[&str] = &[
    "CLM*{N}*155.5***11:B:1*Y*A*Y*Y**AA:::IL~",
    "DTP*431*D8*20261030~",
    "DTP*439*D8*20261030~",
    "PWK*OZ*FX***AC*ATT-9~",
    "REF*9F*REF-77~",
    "REF*G1*PA-2026-118~",
    "REF*X4*14D0987654~",
    "NTE*ADD*SEEN AFTER HOURS~",
    "NM1*DN*1*OKAFOR*NGOZI****XX*1003000126~",
    "REF*G1*PA-LINE-2~",
    "LIN**N4*00409488801~",
    "CTP****2.5*ML~",
    "NM1*DK*1*WILSON*LARRY****XX*1003000126~",
    "DTP*444*D8*20261031~",
    "CR1****A*DH*12.5~",
    "CRC*07*Y*04*06~",
    "NM1*PW*2~",
    "NM1*45*2*MERCY HOSPITAL~",
    "N3*3663 S MIAMI AVE~",
    "REF*XZ*RX-88~",
    "::::ONDANSETRON SEE NDC*",
    "*UN*1.5*",
    "DTP*472*RD8*20261102-20261104~",
    "NM1*87*2~",
    "N3*PO BOX 9000~",
];

pub(crate) async fn export(store: &settle_store::Store, org: &settle_store::platform::Organisation, today: settle_domain::Date) -> ExportOutcome {
    let request = ExportClaims {
        claims: vec![],
        payer_code: "66783JJT".into(),
        production: false,
    };
    store.export_claims(org, &request, today).await.unwrap()
}

fn assert_fact_segments(body: &str, number: &str, name: &str) {
    for segment in FACT_SEGMENTS {
        let segment = segment.replace("{N}", number);
        assert!(body.contains(&segment), "{name}: {segment} not in\n{body}");
    }
}

#[tokio::test]
async fn a_claims_facts_go_out_come_back_in_and_go_out_again_the_same() {
    for backend in all().await {
        let store = &backend.store;
        let name = backend.name;
        let org = clinic(store).await;
        let today = date(TODAY);
        let claim = store
            .create_claim(
                &org,
                &NewClaim {
                    claim: with_facts("P-1"),
                    draft: false,
                },
                today,
                None,
            )
            .await
            .unwrap();
        assert_eq!(claim.status, "ready", "{name}: {:#?}", claim.findings);
        assert_eq!(claim.facts.prior_authorization, "PA-2026-118", "{name}");
        assert_eq!(claim.lines[1].facts.drug.as_ref().unwrap().quantity, "2.5", "{name}");

        // An edit through a door that sends the facts back keeps them.
        let mut edited = with_facts("P-1");
        edited.lines[0].modifiers = vec!["25".into()];
        let after = store
            .edit_claim(
                &org,
                &EditClaim {
                    claim_number: claim.claim_number.clone(),
                    claim: edited,
                    draft: false,
                },
                today,
                None,
            )
            .await
            .unwrap();
        assert_eq!(
            (after.facts.clone(), after.lines[1].facts.clone()),
            (claim.facts.clone(), claim.lines[1].facts.clone()),
            "{name}"
        );

        // The billing provider is paid at a lockbox (2010AB); the change
        // is audited, and a wrong address refused by its field.
        let bad = store
            .set_provider_pay_to(&org, "1912301953", &SetPayTo { pay_to: "PO Box 9000".into() })
            .await
            .unwrap_err();
        assert!(matches!(&bad, StoreError::Invalid { field, .. } if *field == "pay_to"), "{name}: {bad:?}");
        let unknown = store
            .set_provider_pay_to(&org, "1003000126x", &SetPayTo { pay_to: "".into() })
            .await
            .unwrap_err();
        assert!(matches!(&unknown, StoreError::Invalid { field, .. } if *field == "npi"), "{name}: {unknown:?}");
        let paid = store
            .set_provider_pay_to(
                &org,
                "1912301953",
                &SetPayTo {
                    pay_to: "PO Box 9000, Miami, FL 33111-9000".into(),
                },
            )
            .await
            .unwrap();
        assert_eq!(paid.pay_to, "PO Box 9000, Miami, FL 33111-9000", "{name}");
        allow_sending(store, &org, "3055552222").await;
        let sent = export(store, &org, today).await;
        assert_fact_segments(&sent.body, &claim.claim_number, name);

        // Another practice takes the file in: every fact is kept.
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
        let imported = store.claim(&other, &outcome.claims[0].claim_number).await.unwrap();
        assert_eq!(imported.facts.ambulance, claim.facts.ambulance.as_ref().map(upper), "{name}");
        assert_eq!(imported.lines[1].facts.service_through, Some(date("2026-11-04")), "{name}");
        assert_eq!(imported.lines[1].units.to_string(), "1.5", "{name}: fractional units come back exact");
        let billing = store.providers(&other).await.unwrap().into_iter().find(|p| p.npi == "1912301953").unwrap();
        assert_eq!(
            billing.pay_to.to_uppercase(),
            "PO BOX 9000, MIAMI, FL 33111-9000",
            "{name}: the new provider keeps the file's pay-to"
        );
        assert_eq!(imported.facts.referral_number, "REF-77", "{name}");
        assert_eq!(imported.facts.related_causes.auto_accident_state, "IL", "{name}");
        assert_eq!(imported.facts.attachments, claim.facts.attachments, "{name}");
        let drug = imported.lines[1].facts.drug.as_ref().unwrap();
        assert_eq!(
            (drug.ndc.as_str(), drug.quantity.as_str(), drug.unit.as_str()),
            ("00409488801", "2.5", "ML"),
            "{name}"
        );
        // Units finer than a thousandth are refused, by segment, not rounded.
        let third = store.create_organisation("third", "Third Practice", "USD").await.unwrap();
        let finer = store
            .import_837p(
                &third,
                &Import837 {
                    file_name: "finer.837".into(),
                    body: sent.body.replace("*UN*1.5*", "*UN*1.0005*"),
                },
                today,
            )
            .await
            .unwrap_err()
            .to_string();
        assert!(finer.contains("SV104") && finer.contains("three decimal places"), "{name}: {finer}");
        assert!(store.claims(&third, &ClaimFilter::default()).await.unwrap().is_empty(), "{name}");
        // ...and sends it on with the same segments.
        allow_sending(store, &other, "3055552222").await;
        let resent = export(store, &other, today).await;
        assert_fact_segments(&resent.body, &claim.claim_number, name);
    }
}

/// The ambulance facts as an 837P carries them back: upper case.
fn upper(a: &Ambulance) -> Ambulance {
    let place = |p: &Option<Location>| {
        p.as_ref().map(|p| Location {
            name: p.name.to_uppercase(),
            street: p.street.to_uppercase(),
            city: p.city.to_uppercase(),
            state: p.state.clone(),
            zip: p.zip.clone(),
        })
    };
    Ambulance {
        pickup: place(&a.pickup),
        dropoff: place(&a.dropoff),
        ..a.clone()
    }
}

/// A change that makes a claim's facts wrong.
type Spoil = Box<dyn Fn(&mut ClaimInput)>;

#[tokio::test]
async fn a_wrong_fact_is_refused_by_field_and_nothing_is_kept() {
    for backend in all().await {
        let store = &backend.store;
        let name = backend.name;
        let org = clinic(store).await;
        let today = date(TODAY);
        let cases: Vec<(Spoil, &str)> = vec![
            (Box::new(|c| c.facts.clia_number = "14X0987654".into()), "facts.clia_number"),
            (Box::new(|c| c.facts.accident_date = None), "facts.accident_date"),
            (
                Box::new(|c| c.facts.referring_provider.as_mut().unwrap().npi = "1003000127".into()),
                "facts.referring_provider.npi",
            ),
            (
                Box::new(|c| c.lines[1].facts.drug.as_mut().unwrap().ndc = "12345".into()),
                "lines[1].facts.drug.ndc",
            ),
            (
                Box::new(|c| c.lines[1].facts.drug.as_mut().unwrap().unit = "KG".into()),
                "lines[1].facts.drug.unit",
            ),
        ];
        for (spoil, field) in cases {
            let mut input = with_facts("P-1");
            spoil(&mut input);
            let err = store
                .create_claim(&org, &NewClaim { claim: input, draft: false }, today, None)
                .await
                .expect_err(field);
            match &err {
                StoreError::Invalid { message, .. } => assert!(message.starts_with(field), "{name}: {field}: {err}"),
                other => panic!("{name}: {field}: {other}"),
            }
        }
        assert!(store.claims(&org, &ClaimFilter::default()).await.unwrap().is_empty(), "{name}");
    }
}

/// Payer rules as data: an organisation's own rules are imported whole or
/// refused whole, held claims say what is missing by field, a claim with
/// the fact is ready, and a built-in rule can be turned off.
#[tokio::test]
async fn payer_rules_hold_a_claim_until_it_carries_what_the_payer_requires() {
    for backend in all().await {
        let store = &backend.store;
        let name = backend.name;
        let org = clinic(store).await;
        let today = date(TODAY);
        let bad = "scope,requires,procedures,places,diagnoses,level,why\npayer:66783JJT,ndc,J0120-J9999,,,error,Key pays drugs by NDC\nany,scan,,,,error,x\n";
        let err = store
            .replace_payer_rules(&org, &ReplacePayerRules { csv: bad.into() })
            .await
            .expect_err("a bad file");
        assert!(err.to_string().contains("line 3, column requires"), "{name}: {err}");
        assert!(store.payer_rules(&org).await.unwrap().own.is_empty(), "{name}: a refused file kept a rule");
        let good = "scope,requires,procedures,places,diagnoses,level,why\npayer:66783JJT,ndc,J0120-J9999,,,error,Key pays drugs by NDC\n";
        assert_eq!(
            store.replace_payer_rules(&org, &ReplacePayerRules { csv: good.into() }).await.unwrap(),
            1,
            "{name}"
        );
        let rules = store.payer_rules(&org).await.unwrap();
        assert_eq!((rules.own[0].id.as_str(), rules.built_in.len()), ("org:1", 6), "{name}");
        assert_eq!(rules.csv, good, "{name}: the CSV comes back as it went in");

        // A J-code without its NDC is held, the finding on the line's NDC.
        let mut injection = visit("P-1", &["S93.401A"], "99213", vec![1]);
        injection.lines[1].procedure_code = "J3301".into();
        let held = store
            .create_claim(
                &org,
                &NewClaim {
                    claim: injection.clone(),
                    draft: false,
                },
                today,
                None,
            )
            .await
            .unwrap();
        assert_eq!(held.status, "scrubbed", "{name}: {:#?}", held.findings);
        let fields: Vec<(&str, &str)> = held.findings.iter().map(|f| (f.rule.as_str(), f.field.as_str())).collect();
        assert!(fields.contains(&("org:1", "lines[1].facts.drug.ndc")), "{name}: {fields:?}");
        // The built-in injury rule warns that box 10 is empty.
        assert!(fields.contains(&("builtin:4", "facts.related_causes")), "{name}: {fields:?}");

        // With the NDC it is ready; with builtin:4 turned off, no warning.
        let settings = store.settings(&org).await.unwrap();
        store
            .update_settings(
                &org,
                &settle_store::billing::SettingsUpdate {
                    default_terms: settings.default_terms,
                    aging_buckets: settings.aging_buckets,
                    writeoff_approval_limit: settings.writeoff_approval_limit,
                    refund_approval_limit: None,
                    bills_insurance: None,
                    x12_submitter_id: None,
                    x12_contact_phone: None,
                    scrub_rules_off: Some(vec!["builtin:4".into()]),
                },
            )
            .await
            .unwrap();
        injection.lines[1].facts.drug = Some(Drug {
            ndc: "00003-0293-05".into(),
            quantity: "1".into(),
            unit: "ML".into(),
            prescription_number: String::new(),
        });
        let ready = store
            .edit_claim(
                &org,
                &EditClaim {
                    claim_number: held.claim_number.clone(),
                    claim: injection,
                    draft: false,
                },
                today,
                None,
            )
            .await
            .unwrap();
        assert_eq!((ready.status.as_str(), ready.findings.len()), ("ready", 0), "{name}: {:#?}", ready.findings);
        assert!(store.payer_rules(&org).await.unwrap().built_in[3].off, "{name}");
    }
}
