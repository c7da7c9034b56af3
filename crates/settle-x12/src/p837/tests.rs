//! The 837P written and read: public samples, Settle's own files, pyx12.
use super::*;

#[test]
fn x12_decimals_take_one_form() {
    assert_eq!(canonical_decimal(".5"), "0.5");
    assert_eq!(canonical_decimal("5."), "5");
    assert_eq!(canonical_decimal("007.50"), "7.50");
    assert_eq!(canonical_decimal("-0.25"), "-0.25");
    assert_eq!(canonical_decimal("12A"), "12A");
}
use settle_domain::money::Currency;

fn sample_submission() -> Submission {
    let usd = Currency::from_code("USD").unwrap();
    let person = |last: &str, first: &str, dob: &str, sex: Sex| PersonOut {
        last: last.into(),
        first: first.into(),
        middle: String::new(),
        suffix: String::new(),
        date_of_birth: Some(dob.parse().unwrap()),
        sex,
        address: PostalAddress::parse("236 N Main St, Apt 4, Miami, FL 33413").ok(),
    };
    let line = |code: &str, modifiers: &[&str], charge: &str| LineOut {
        control_number: "CLM-1-1".into(),
        date_of_service: "2026-11-02".parse().unwrap(),
        procedure: ProcedureCode::parse(code).unwrap(),
        modifiers: modifiers.iter().map(|m| Modifier::parse(m).unwrap()).collect(),
        charge: Money::parse(charge, usd).unwrap(),
        units: settle_domain::units::Units::whole(2),
        place_of_service: None,
        diagnosis_pointers: vec![1, 2],
        facts: Default::default(),
    };
    let claim = ClaimOut {
        claim_number: "CLM-1".into(),
        total: Money::parse("155.50", usd).unwrap(),
        place_of_service: "11".into(),
        frequency: ClaimFrequency::Replacement,
        payer_claim_number: "ICN42".into(),
        priority: 'P',
        filing_indicator: "CI".into(),
        group_number: "2222-SJ".into(),
        subscriber: person("SMITH", "JANE", "1970-04-02", Sex::Female),
        member_id: "JS001".into(),
        dependent: Some(("19".into(), person("SMITH", "TED", "2012-05-01", Sex::Male))),
        diagnoses: vec![IcdCode::parse("E11.9").unwrap(), IcdCode::parse("I10").unwrap()],
        rendering: Some(RenderingOut {
            last: "DOCTOR".into(),
            first: "IMA".into(),
            npi: "1003000126".into(),
            taxonomy: "207Q00000X".into(),
        }),
        other_coverage: vec![],
        lines: vec![line("99213", &["25"], "125.00"), line("82947", &[], "30.50")],
        facts: Default::default(),
    };
    Submission {
        submitter_name: "CLINIC".into(),
        submitter_id: "587654321".into(),
        contact_name: "BILLING".into(),
        contact_phone: "3055552222".into(),
        receiver_name: "KEY".into(),
        receiver_id: "66783JJT".into(),
        created_on: "2026-11-24".parse().unwrap(),
        created_at: "1200".into(),
        interchange_control: 7,
        group_control: 7,
        reference: "000007".into(),
        production: false,
        payer_name: "KEY INSURANCE".into(),
        payer_id: "66783JJT".into(),
        providers: vec![ProviderClaims {
            billing: BillingProvider {
                name: "BEN KILDARE SERVICE".into(),
                npi: "1912301953".into(),
                taxonomy: "203BF0100Y".into(),
                tax_id: "587654321".into(),
                address: PostalAddress::parse("234 Seaway St, Miami, FL 33111-0000").unwrap(),
                pay_to: PostalAddress::parse("PO Box 9000, Miami, FL 33111-9000").ok(),
            },
            claims: vec![claim],
        }],
    }
}

#[test]
fn what_is_written_reads_back() {
    let text = write_837p(&sample_submission()).unwrap();
    let parsed = crate::read(text.as_bytes());
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    let (claims, loose) = read_837p(&parsed);
    assert!(loose.is_empty(), "{loose:?}");
    let c = &claims[0];
    assert!(c.problems.is_empty(), "{:?}", c.problems);
    assert_eq!((c.claim_number.as_str(), c.total.as_str(), c.frequency.as_str()), ("CLM-1", "155.5", "7"));
    assert_eq!(c.payer_claim_number, "ICN42");
    assert_eq!(
        (c.billing.npi.as_str(), c.billing.tax_id.as_str(), c.billing.person.zip.as_str()),
        ("1912301953", "587654321", "331110000")
    );
    assert_eq!((c.subscriber.last.as_str(), c.subscriber.id.as_str()), ("SMITH", "JS001"));
    // Two street lines go to N301 and N302, and come back apart.
    assert_eq!(
        (c.subscriber.street.as_str(), c.subscriber.street2.as_str(), c.subscriber.state.as_str()),
        ("236 N MAIN ST", "APT 4", "FL")
    );
    let (relationship, patient) = c.patient.as_ref().unwrap();
    assert_eq!(
        (
            relationship.as_str(),
            patient.first.as_str(),
            patient.date_of_birth.as_str(),
            patient.sex.as_str()
        ),
        ("19", "TED", "20120501", "M")
    );
    assert_eq!(c.diagnoses, ["E119", "I10"]);
    assert_eq!(c.rendering.as_ref().unwrap().taxonomy, "207Q00000X");
    assert_eq!(c.lines.len(), 2);
    assert_eq!(
        (c.lines[0].procedure.as_str(), c.lines[0].modifiers.clone(), c.lines[0].units.as_str()),
        ("99213", vec!["25".to_string()], "2")
    );
    assert_eq!(
        (c.lines[1].charge.as_str(), c.lines[1].pointers.clone(), c.lines[1].date_of_service.as_str()),
        ("30.5", vec!["1".to_string(), "2".to_string()], "20261102")
    );
}

#[test]
fn every_public_837_sample_reads_or_says_why_not() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/x12/linuxforhealth");
    let mut professional = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if !name.contains(".837") {
            continue;
        }
        let parsed = crate::read(&std::fs::read(&path).unwrap());
        let (claims, loose) = read_837p(&parsed);
        if name.ends_with(".837i") {
            assert!(
                loose[0].message.contains("Settle reads the 837 Professional by 005010X222A1"),
                "{name}: {loose:?}"
            );
            continue;
        }
        if let Some((_, why)) = crate::grammar::tests::REFUSED.iter().find(|(n, _)| *n == name) {
            assert!(!loose.is_empty(), "{name} should be refused: {why}");
            continue;
        }
        assert!(loose.is_empty(), "{name}: {loose:?}");
        assert!(!claims.is_empty(), "{name}");
        for c in &claims {
            professional += 1;
            assert!(!c.claim_number.is_empty() && !c.lines.is_empty(), "{name}: {c:?}");
            assert!(!c.billing.npi.is_empty() || !c.billing.name.is_empty(), "{name}");
            // These samples predate ICD-10: each ICD-9 code is named with its segment.
            for p in &c.problems {
                assert!(p.segment_id == "HI" && p.message.contains("ICD-9-CM"), "{name}: {p}");
            }
        }
    }
    // Seven samples are refused for what their files get wrong (grammar::tests::REFUSED).
    assert!(professional >= 11, "{professional}");
}

fn every_fact() -> (ClaimFacts, LineFacts) {
    use settle_domain::claim_facts::*;
    let provider = |last: &str, first: &str| NamedProvider {
        last: last.into(),
        first: first.into(),
        npi: "1234567893".into(),
    };
    let claim = ClaimFacts {
        prior_authorization: "PA-2026-118".into(),
        referral_number: "R-77".into(),
        referring_provider: Some(provider("OKAFOR", "NGOZI")),
        supervising_provider: Some(provider("LINDQVIST", "ERIK")),
        service_facility: Some(ServiceFacility {
            name: "EASTSIDE IMAGING".into(),
            npi: "1003000126".into(),
            street: "40 HARBOR RD".into(),
            city: "SPRINGFIELD".into(),
            state: "IL".into(),
            zip: "62704".into(),
        }),
        related_causes: RelatedCauses {
            auto_accident: true,
            auto_accident_state: "CA".into(),
            employment: true,
            ..RelatedCauses::default()
        },
        accident_date: "2026-10-31".parse().ok(),
        onset_date: "2026-10-30".parse().ok(),
        initial_treatment_date: "2026-11-01".parse().ok(),
        last_seen_date: "2026-11-01".parse().ok(),
        disability_from: "2026-11-01".parse().ok(),
        disability_to: "2026-11-20".parse().ok(),
        admission_date: "2026-11-01".parse().ok(),
        discharge_date: "2026-11-03".parse().ok(),
        acute_manifestation_date: "2026-10-29".parse().ok(),
        last_menstrual_period: "2026-09-01".parse().ok(),
        last_xray_date: "2026-10-15".parse().ok(),
        last_worked_date: "2026-10-30".parse().ok(),
        return_to_work_date: "2026-11-21".parse().ok(),
        assumed_care_date: "2026-11-01".parse().ok(),
        relinquished_care_date: "2026-11-30".parse().ok(),
        first_contact_date: "2026-10-31".parse().ok(),
        clia_number: "05D0987654".into(),
        mammography_certificate: "MQSA-1".into(),
        note: Some(Note {
            kind: "ADD".into(),
            text: "SEEN AFTER HOURS".into(),
        }),
        attachments: vec![
            Attachment {
                report_type: "OZ".into(),
                transmission: "FX".into(),
                control_number: "ATT-1".into(),
            },
            Attachment {
                report_type: "CT".into(),
                transmission: "AA".into(),
                control_number: String::new(),
            },
        ],
        consents: Consents {
            provider_signature_on_file: true,
            accepts_assignment: "C".into(),
            benefits_assigned: "W".into(),
            release_of_information: "I".into(),
        },
        ambulance: Some(Ambulance {
            weight_pounds: "275".into(),
            transport_reason: "D".into(),
            miles: "21.5".into(),
            round_trip_purpose: "DIALYSIS".into(),
            stretcher_purpose: "PATIENT IMMOBILIZED".into(),
            certifications: vec![
                Certification {
                    applies: true,
                    conditions: vec!["04".into(), "06".into()],
                },
                Certification {
                    applies: false,
                    conditions: vec!["05".into()],
                },
            ],
            pickup: Some(Location {
                name: String::new(),
                street: "1129 REINDEER RD".into(),
                city: "CARR".into(),
                state: "CO".into(),
                zip: "80612".into(),
            }),
            dropoff: Some(Location {
                name: "MERCY HOSPITAL".into(),
                street: "10005 BANNOCK ST".into(),
                city: "CHEYENNE".into(),
                state: "WY".into(),
                zip: "82009".into(),
            }),
        }),
    };
    let line = LineFacts {
        prior_authorization: "PA-L1".into(),
        referral_number: "R-L1".into(),
        drug: Some(Drug {
            ndc: "00409488801".into(),
            quantity: "2.5".into(),
            unit: "ML".into(),
            prescription_number: "RX-2530001".into(),
        }),
        anesthesia_minutes: None,
        clia_number: "05D0987654".into(),
        ordering_provider: Some(provider("WILSON", "LARRY")),
        referring_provider: Some(provider("ACME REFERRALS", "")),
        supervising_provider: Some(provider("DIAZ", "ANA")),
        note: Some(Note {
            kind: "DCP".into(),
            text: "GOAL - WALK UNAIDED".into(),
        }),
        attachments: vec![Attachment {
            report_type: "B3".into(),
            transmission: "EL".into(),
            control_number: "ORD-9".into(),
        }],
        service_through: "2026-11-04".parse().ok(),
        prescription_date: "2026-10-30".parse().ok(),
        description: "SODIUM CHLORIDE SEE NDC".into(),
        emergency: true,
        ambulance_patients: Some(2),
        ordering_address: Some(Location {
            name: String::new(),
            street: "9 ORDER WAY".into(),
            city: "SPRINGFIELD".into(),
            state: "IL".into(),
            zip: "627041234".into(),
        }),
    };
    (claim, line)
}

/// Every fact written goes in its loop and reads back as it was: the file
/// walks the guide, and the facts come back equal.
#[test]
fn every_fact_is_written_in_its_loop_and_reads_back() {
    let (claim_facts, line_facts) = every_fact();
    let mut sub = sample_submission();
    let claim = &mut sub.providers[0].claims[0];
    claim.facts = claim_facts.clone();
    claim.lines[0].facts = line_facts.clone();
    claim.lines[1].facts.anesthesia_minutes = Some(47);
    let text = write_837p(&sub).unwrap();
    let parsed = crate::read(text.as_bytes());
    let (claims, loose) = read_837p(&parsed);
    assert!(loose.is_empty(), "{loose:?}\n{text}");
    let c = &claims[0];
    assert!(c.problems.is_empty(), "{:?}", c.problems);
    assert_eq!(c.facts, claim_facts, "{text}");
    assert_eq!(c.lines[0].facts, line_facts, "{text}");
    assert_eq!(c.lines[1].facts.anesthesia_minutes, Some(47));
    let pay_to = c.billing.pay_to.as_ref().unwrap();
    assert_eq!((pay_to.street.as_str(), pay_to.zip.as_str()), ("PO BOX 9000", "331119000"));
    assert!(
        text.contains("REF*EI*587654321~\nNM1*87*2~\nN3*PO BOX 9000~\nN4*MIAMI*FL*331119000~\nHL*2"),
        "{text}"
    );
    assert_eq!(c.lines[1].units, "1");
    for expected in [
        "CLM*CLM-1*155.5***11:B:7*Y*C*W*I**AA:EM::CA~",
        "DTP*314*RD8*20261101-20261120~",
        "CR1*LB*275**D*DH*21.5***DIALYSIS*PATIENT IMMOBILIZED~\nCRC*07*Y*04*06~\nCRC*07*N*05~\nHI*",
        "NM1*PW*2~\nN3*1129 REINDEER RD~\nN4*CARR*CO*80612~\nNM1*45*2*MERCY HOSPITAL~\nN3*10005 BANNOCK ST~\nN4*CHEYENNE*WY*82009~\nLX*1",
        ":::SODIUM CHLORIDE SEE NDC*125*UN*2***1:2**Y~",
        "DTP*472*RD8*20261102-20261104~\nDTP*471*D8*20261030~\nQTY*PT*2~\nREF*6R*CLM-1-1~",
        "CTP****2.5*ML~\nREF*XZ*RX-2530001~",
        "DTP*439*D8*20261031~\nDTP*484*D8*20260901~\nDTP*455*D8*20261015~",
        "DTP*444*D8*20261031~",
        "NM1*DK*1*WILSON*LARRY****XX*1234567893~\nN3*9 ORDER WAY~\nN4*SPRINGFIELD*IL*627041234~",
        "PWK*OZ*FX***AC*ATT-1~",
        "REF*G1*PA-2026-118~",
        "NM1*DN*1*OKAFOR*NGOZI****XX*1234567893~",
        "NM1*77*2*EASTSIDE IMAGING*****XX*1003000126~",
        "LIN**N4*00409488801~",
        "CTP****2.5*ML~",
        "NM1*DK*1*WILSON*LARRY****XX*1234567893~",
        "NM1*DN*2*ACME REFERRALS*****XX*1234567893~",
        "SV1*HC:82947*30.5*MJ*47",
    ] {
        assert!(text.contains(expected), "{expected} not in\n{text}");
    }
}

/// The public samples' facts are read from their loops.
#[test]
fn public_samples_facts_are_read_by_loop() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/x12/linuxforhealth/");
    let read = |name: &str| {
        let parsed = crate::read(&std::fs::read(format!("{dir}{name}")).unwrap());
        let (claims, loose) = read_837p(&parsed);
        assert!(loose.is_empty(), "{name}: {loose:?}");
        claims
    };
    let accident = &read("demo.autoaccident.837")[0];
    assert!(accident.facts.related_causes.auto_accident);
    assert_eq!(accident.facts.related_causes.auto_accident_state, "CA");
    assert_eq!(accident.facts.accident_date, "2005-10-31".parse().ok());
    assert_eq!(accident.facts.service_facility.as_ref().unwrap().city, "LOMA LINDA");
    let drug = &read("demo.drug.example10.1.837")[0];
    let given = drug.lines[1].facts.drug.as_ref().unwrap();
    assert_eq!(
        (given.ndc.as_str(), given.quantity.as_str(), given.unit.as_str()),
        ("00026063512", "10.00", "ML")
    );
    let equipment = &read("demo.example7.837")[0];
    let ordering = equipment.lines[0].facts.ordering_provider.as_ref().unwrap();
    assert_eq!((ordering.last.as_str(), ordering.npi.as_str()), ("WILSON", "5555511111"));
    assert_eq!(equipment.lines[0].facts.attachments[0].report_type, "CT");
    let ambulance = &read("demo.ambulance.example5.837")[0];
    assert!(ambulance.facts.related_causes.other_accident);
    assert_eq!(ambulance.lines[0].facts.note.as_ref().unwrap().text, "CARDIAC EMERGENCY");
    let transport = ambulance.facts.ambulance.as_ref().unwrap();
    assert_eq!(
        (transport.weight_pounds.as_str(), transport.transport_reason.as_str(), transport.miles.as_str()),
        ("275.00", "A", "21.00")
    );
    assert_eq!(transport.stretcher_purpose, "PATIENT IMOBILIZED");
    assert_eq!(transport.certifications.len(), 2);
    assert_eq!(
        (transport.certifications[1].applies, transport.certifications[1].conditions.join(" ")),
        (false, "05 07 08".into())
    );
    assert_eq!(transport.pickup.as_ref().unwrap().street, "1129 REINDEER ROAD");
    assert_eq!(transport.dropoff.as_ref().unwrap().city, "CHEYENNE");
    assert_eq!(ambulance.lines[0].facts.ambulance_patients, Some(2));
    assert!(ambulance.lines[0].facts.emergency);
    // What Settle does not keep is listed, by segment and loop: here nothing.
    assert!(ambulance.not_kept.is_empty(), "{:?}", ambulance.not_kept);
    let ids: Vec<(&str, &str)> = equipment.not_kept.iter().map(|(_, id, l)| (id.as_str(), *l)).collect();
    assert!(ids.contains(&("FRM", "2440")) && !ids.contains(&("N3", "2420E")), "{ids:?}");
    assert_eq!(equipment.lines[0].facts.ordering_address.as_ref().unwrap().zip, "46223");
    let drugs = &read("demo.drug.example10.3.837")[0];
    assert_eq!(drugs.lines[3].facts.description, "Sod Chl 0.9%see NDC#");
    // DTP*444 (first contact) is kept; the facility's contact is not.
    assert_eq!(accident.facts.first_contact_date, "2005-10-31".parse().ok());
    let ids: Vec<(&str, &str)> = accident.not_kept.iter().map(|(_, id, l)| (id.as_str(), *l)).collect();
    assert_eq!(ids, [("PER", "2310C")]);
}
