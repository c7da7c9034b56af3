//! The claim's facts, checked: one row per refusal, each naming its field.

use super::*;

fn npi() -> String {
    "1234567893".into()
}

fn provider() -> NamedProvider {
    NamedProvider {
        last: "Okafor".into(),
        first: "Ngozi".into(),
        npi: npi(),
    }
}

fn date(text: &str) -> Option<Date> {
    Some(text.parse().unwrap())
}

#[test]
fn ndc_is_padded_to_eleven_digits_from_the_package_form() {
    let cases = [
        ("00409-4888-01", Ok("00409488801")),
        ("0409-4888-01", Ok("00409488801")),
        ("00409-488-01", Ok("00409048801")),
        ("00409-4888-1", Ok("00409488801")),
        ("00409488801", Ok("00409488801")),
        ("0409488801", Err(())),
        ("00409-4888-0A", Err(())),
        ("004-09-4888-01", Err(())),
        ("12-34-56", Err(())),
    ];
    for (text, expected) in cases {
        assert_eq!(ndc_11(text).map_err(|_| ()), expected.map(str::to_string), "{text}");
    }
}

#[test]
fn claim_facts_refused_by_field() {
    let ok = ClaimFacts {
        prior_authorization: "PA-1".into(),
        referral_number: "R-9".into(),
        referring_provider: Some(provider()),
        related_causes: RelatedCauses {
            auto_accident: true,
            auto_accident_state: "CA".into(),
            ..RelatedCauses::default()
        },
        accident_date: date("2026-10-31"),
        clia_number: "05D0987654".into(),
        ..ClaimFacts::default()
    };
    assert_eq!(ok.check(), Ok(()));
    assert_eq!(ClaimFacts::default().check(), Ok(()));
    let cases: Vec<(ClaimFacts, &str)> = vec![
        (
            ClaimFacts {
                prior_authorization: "PA*1".into(),
                ..ok.clone()
            },
            "facts.prior_authorization",
        ),
        (
            ClaimFacts {
                referral_number: "R".repeat(51),
                ..ok.clone()
            },
            "facts.referral_number",
        ),
        (
            ClaimFacts {
                clia_number: "05X0987654".into(),
                ..ok.clone()
            },
            "facts.clia_number",
        ),
        (
            ClaimFacts {
                referring_provider: Some(NamedProvider {
                    npi: "1234567890".into(),
                    ..provider()
                }),
                ..ok.clone()
            },
            "facts.referring_provider.npi",
        ),
        (
            ClaimFacts {
                supervising_provider: Some(NamedProvider {
                    last: " ".into(),
                    ..provider()
                }),
                ..ok.clone()
            },
            "facts.supervising_provider.last",
        ),
        (
            ClaimFacts {
                related_causes: RelatedCauses {
                    auto_accident: true,
                    ..RelatedCauses::default()
                },
                ..ok.clone()
            },
            "facts.related_causes.auto_accident_state",
        ),
        (
            ClaimFacts {
                accident_date: None,
                ..ok.clone()
            },
            "facts.accident_date",
        ),
        (
            ClaimFacts {
                related_causes: RelatedCauses {
                    employment: true,
                    ..RelatedCauses::default()
                },
                ..ok.clone()
            },
            "facts.accident_date",
        ),
        (
            ClaimFacts {
                disability_from: date("2026-03-02"),
                disability_to: date("2026-03-01"),
                ..ok.clone()
            },
            "facts.disability_to",
        ),
        (
            ClaimFacts {
                note: Some(Note {
                    kind: "XYZ".into(),
                    text: "x".into(),
                }),
                ..ok.clone()
            },
            "facts.note.kind",
        ),
        (
            ClaimFacts {
                attachments: vec![Attachment {
                    report_type: "OZ".into(),
                    transmission: "FX".into(),
                    control_number: String::new(),
                }],
                ..ok.clone()
            },
            "facts.attachments[0].control_number",
        ),
        (
            ClaimFacts {
                consents: Consents {
                    benefits_assigned: "X".into(),
                    ..Consents::default()
                },
                ..ok.clone()
            },
            "facts.consents.benefits_assigned",
        ),
        (
            ClaimFacts {
                service_facility: Some(ServiceFacility {
                    name: "Eastside".into(),
                    npi: String::new(),
                    street: "1 Main".into(),
                    city: "Springfield".into(),
                    state: "IL".into(),
                    zip: "627".into(),
                }),
                ..ok.clone()
            },
            "facts.service_facility.zip",
        ),
    ];
    for (facts, field) in cases {
        let err = facts.check().expect_err(field);
        assert_eq!(err.field, field, "{err}");
    }
}

#[test]
fn line_facts_refused_by_field() {
    let drug = Drug {
        ndc: "0409-4888-01".into(),
        quantity: "2.5".into(),
        unit: "ML".into(),
        prescription_number: String::new(),
    };
    let ok = LineFacts {
        drug: Some(drug.clone()),
        ordering_provider: Some(provider()),
        ..LineFacts::default()
    };
    assert_eq!(ok.check(0), Ok(()));
    let cases: Vec<(LineFacts, &str)> = vec![
        (
            LineFacts {
                drug: Some(Drug {
                    ndc: "123".into(),
                    ..drug.clone()
                }),
                ..ok.clone()
            },
            "lines[2].facts.drug.ndc",
        ),
        (
            LineFacts {
                drug: Some(Drug {
                    quantity: "0".into(),
                    ..drug.clone()
                }),
                ..ok.clone()
            },
            "lines[2].facts.drug.quantity",
        ),
        (
            LineFacts {
                drug: Some(Drug {
                    unit: "KG".into(),
                    prescription_number: String::new(),
                    ..drug.clone()
                }),
                ..ok.clone()
            },
            "lines[2].facts.drug.unit",
        ),
        (
            LineFacts {
                anesthesia_minutes: Some(0),
                ..ok.clone()
            },
            "lines[2].facts.anesthesia_minutes",
        ),
        (
            LineFacts {
                clia_number: "5D0987654".into(),
                ..ok.clone()
            },
            "lines[2].facts.clia_number",
        ),
        (
            LineFacts {
                note: Some(Note {
                    kind: "CER".into(),
                    text: "x".into(),
                }),
                ..ok.clone()
            },
            "lines[2].facts.note.kind",
        ),
        (
            LineFacts {
                note: Some(Note {
                    kind: "DCP".into(),
                    text: "Goal: walk".into(),
                }),
                ..ok.clone()
            },
            "lines[2].facts.note.text",
        ),
    ];
    for (facts, field) in cases {
        let err = facts.check(2).expect_err(field);
        assert_eq!(err.field, field, "{err}");
    }
}

#[test]
fn facts_read_from_json_refuse_unknown_fields_and_default_the_rest() {
    let facts: ClaimFacts = serde_json::from_str(r#"{"prior_authorization":"PA-1"}"#).unwrap();
    assert_eq!(facts.prior_authorization, "PA-1");
    assert_eq!(facts.consents, Consents::default());
    assert!(serde_json::from_str::<ClaimFacts>(r#"{"prior_auth":"PA-1"}"#).is_err());
    assert!(serde_json::from_str::<LineFacts>(r#"{"ndc":"1"}"#).is_err());
}

fn place(name: &str) -> Location {
    Location {
        name: name.into(),
        street: "1129 Reindeer Rd".into(),
        city: "Carr".into(),
        state: "CO".into(),
        zip: "80612".into(),
    }
}

fn ambulance() -> Ambulance {
    Ambulance {
        weight_pounds: "275".into(),
        transport_reason: "A".into(),
        miles: "21".into(),
        round_trip_purpose: String::new(),
        stretcher_purpose: "Patient immobilized".into(),
        certifications: vec![Certification {
            applies: true,
            conditions: vec!["04".into(), "06".into()],
        }],
        pickup: Some(place("")),
        dropoff: Some(place("Springfield General")),
    }
}

#[test]
fn an_ambulance_claim_is_refused_by_field() {
    assert_eq!(ambulance().check(), Ok(()));
    let with = |f: fn(&mut Ambulance)| {
        let mut a = ambulance();
        f(&mut a);
        a
    };
    let cases: Vec<(Ambulance, &str)> = vec![
        (with(|a| a.transport_reason = "Z".into()), "facts.ambulance.transport_reason"),
        (with(|a| a.miles = String::new()), "facts.ambulance.miles"),
        (with(|a| a.miles = "-3".into()), "facts.ambulance.miles"),
        (with(|a| a.weight_pounds = "heavy".into()), "facts.ambulance.weight_pounds"),
        (with(|a| a.stretcher_purpose = "a*b".into()), "facts.ambulance.stretcher_purpose"),
        (with(|a| a.certifications.clear()), "facts.ambulance.certifications"),
        (
            with(|a| a.certifications[0].conditions = vec!["02".into()]),
            "facts.ambulance.certifications[0].conditions",
        ),
        (
            with(|a| a.certifications[0].conditions = vec!["04".into(); 6]),
            "facts.ambulance.certifications[0].conditions",
        ),
        (with(|a| a.pickup = None), "facts.ambulance.pickup"),
        (with(|a| a.pickup = Some(place("Home"))), "facts.ambulance.pickup.name"),
        (with(|a| a.dropoff.as_mut().unwrap().zip = "8061".into()), "facts.ambulance.dropoff.zip"),
        (with(|a| a.dropoff.as_mut().unwrap().state = "Colorado".into()), "facts.ambulance.dropoff.state"),
    ];
    for (a, field) in cases {
        let facts = ClaimFacts {
            ambulance: Some(a.clone()),
            ..ClaimFacts::default()
        };
        assert_eq!(facts.check().map_err(|e| e.field), Err(field.to_string()), "{a:?}");
    }
    let told = ClaimFacts {
        ambulance: Some(ambulance()),
        ..ClaimFacts::default()
    }
    .described();
    assert!(
        told.iter().any(|(label, text)| *label == "Ambulance"
            && text.contains("21 miles")
            && text.contains("moved by stretcher")
            && text.contains("to Springfield General, 1129 Reindeer Rd")),
        "{told:?}"
    );
}

#[test]
fn a_lines_description_patients_and_ordering_address_are_checked() {
    let ordered = LineFacts {
        ordering_provider: Some(provider()),
        ordering_address: Some(place("")),
        description: "Sodium chloride 0.9% see NDC".into(),
        emergency: true,
        ..LineFacts::default()
    };
    assert_eq!(ordered.check(0), Ok(()));
    assert!(ordered.described().contains("emergency") && ordered.described().contains("orderer at 1129 Reindeer Rd"));
    let cases: Vec<(LineFacts, &str)> = vec![
        (
            LineFacts {
                ordering_provider: None,
                ..ordered.clone()
            },
            "lines[0].facts.ordering_address",
        ),
        (
            LineFacts {
                ordering_address: Some(place("Dr Office")),
                ..ordered.clone()
            },
            "lines[0].facts.ordering_address.name",
        ),
        (
            LineFacts {
                description: "x".repeat(81),
                ..ordered.clone()
            },
            "lines[0].facts.description",
        ),
        (
            LineFacts {
                description: "see~NDC".into(),
                ..ordered.clone()
            },
            "lines[0].facts.description",
        ),
        (
            LineFacts {
                ambulance_patients: Some(1),
                ..ordered.clone()
            },
            "lines[0].facts.ambulance_patients",
        ),
    ];
    for (facts, field) in cases {
        assert_eq!(facts.check(0).map_err(|e| e.field), Err(field.to_string()), "{facts:?}");
    }
}
