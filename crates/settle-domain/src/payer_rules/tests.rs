//! Payer rules, one row per rule: read from CSV or refused by line and
//! column, and what each finds missing on a claim.

use super::*;
use crate::claim_facts::{Ambulance, ClaimFacts, Drug, LineFacts, RelatedCauses};
use crate::claims::tests::claim;
use crate::claims::ServiceLine;
use crate::codes::{IcdCode, Modifier, ProcedureCode};

fn line(code: &str, facts: LineFacts) -> ServiceLine {
    ServiceLine {
        procedure: ProcedureCode::parse(code).unwrap(),
        facts,
        ..claim().lines[0].clone()
    }
}

fn rules_of(text: &str) -> Vec<PayerRule> {
    parse_csv(&format!("{HEADER}\n{text}\n"), "org").unwrap()
}

#[test]
fn the_built_in_rules_read_and_write_back_the_same() {
    let rules = built_in();
    assert_eq!(rules.len(), 6);
    assert_eq!(rules[0].id, "builtin:1");
    let again = parse_csv(&to_csv(&rules), "builtin").unwrap();
    assert_eq!(again, rules);
}

#[test]
fn a_rules_file_is_refused_by_line_and_column() {
    let text = format!(
        "{HEADER}\nfiling:XX,ndc,J0120-J9999,,,error,why\nany,scan,,,,error,why\nany,clia,J9-J1,,,error,why\nany,clia,,1,,error,why\nany,clia,,,,fatal,why\nany,clia,,,,error,\nany,clia\n"
    );
    let problems = parse_csv(&text, "org").unwrap_err();
    let found: Vec<(usize, &str)> = problems.iter().map(|p| (p.line, p.column)).collect();
    assert_eq!(
        found,
        [
            (2, "scope"),
            (3, "requires"),
            (4, "procedures"),
            (5, "places"),
            (6, "level"),
            (7, "why"),
            (8, "row")
        ]
    );
    assert_eq!(parse_csv("scope,requires\n", "org").unwrap_err()[0].column, "header");
}

fn qw(mut l: ServiceLine) -> ServiceLine {
    l.modifiers.push(Modifier::parse("QW").unwrap());
    l
}

#[test]
fn each_rule_finds_what_is_missing_and_nothing_else() {
    let medicaid = |mut c: ProfessionalClaim| {
        c.filing_indicator = ClaimFilingIndicator::Medicaid;
        c
    };
    let drug = LineFacts {
        drug: Some(Drug {
            ndc: "00409488801".into(),
            quantity: "1".into(),
            unit: "ML".into(),
            prescription_number: String::new(),
        }),
        ..LineFacts::default()
    };
    let with_lines = |c: ProfessionalClaim, lines: Vec<ServiceLine>| ProfessionalClaim { lines, ..c };
    let injury = |mut c: ProfessionalClaim| {
        c.diagnoses = vec![IcdCode::parse("S93.401A").unwrap()];
        c
    };
    let never = |_: usize| false;
    // (rules, claim, the fields found missing)
    let cases: Vec<(&str, ProfessionalClaim, Vec<&str>)> = vec![
        // NDC for Medicaid J-codes: only the J-code line, only for Medicaid.
        (
            "filing:MC,ndc,J0120-J9999,,,error,DRA",
            medicaid(with_lines(
                claim(),
                vec![line("99213", LineFacts::default()), line("J3301", LineFacts::default())],
            )),
            vec!["lines[1].facts.drug.ndc"],
        ),
        (
            "filing:MC,ndc,J0120-J9999,,,error,DRA",
            medicaid(with_lines(claim(), vec![line("J3301", drug.clone())])),
            vec![],
        ),
        (
            "filing:MC,ndc,J0120-J9999,,,error,DRA",
            with_lines(claim(), vec![line("J3301", LineFacts::default())]),
            vec![],
        ),
        // CLIA on lab codes: on the claim or the line.
        (
            "any,clia,80047-89398,,,error,CLIA",
            with_lines(claim(), vec![line("83036", LineFacts::default())]),
            vec!["lines[0].facts.clia_number"],
        ),
        (
            "any,clia,80047-89398,,,error,CLIA",
            ProfessionalClaim {
                facts: ClaimFacts {
                    clia_number: "05D0987654".into(),
                    ..ClaimFacts::default()
                },
                ..with_lines(claim(), vec![line("83036", LineFacts::default())])
            },
            vec![],
        ),
        // A prior authorization for one payer, at one place of service.
        (
            "payer:66783JJT,prior_authorization,70551-70553,11,,error,MRI",
            with_lines(claim(), vec![line("70551", LineFacts::default())]),
            vec!["lines[0].facts.prior_authorization"],
        ),
        (
            "payer:OTHER,prior_authorization,70551-70553,11,,error,MRI",
            with_lines(claim(), vec![line("70551", LineFacts::default())]),
            vec![],
        ),
        (
            "payer:66783JJT,prior_authorization,70551-70553,22,,error,MRI",
            with_lines(claim(), vec![line("70551", LineFacts::default())]),
            vec![],
        ),
        // A referral for an HMO's consultations.
        (
            "filing:HM,referral,99242-99245,,,warning,HMO",
            ProfessionalClaim {
                filing_indicator: ClaimFilingIndicator::Hmo,
                ..with_lines(claim(), vec![line("99243", LineFacts::default())])
            },
            vec!["lines[0].facts.referral_number"],
        ),
        // Accident facts when a diagnosis is an injury, once per claim.
        ("any,accident_facts,,,S00-T88,warning,box 10", injury(claim()), vec!["facts.related_causes"]),
        ("any,accident_facts,,,S00-T88,warning,box 10", claim(), vec![]),
        (
            "any,accident_facts,,,S00-T88,warning,box 10",
            ProfessionalClaim {
                facts: ClaimFacts {
                    related_causes: RelatedCauses {
                        employment: true,
                        ..RelatedCauses::default()
                    },
                    ..ClaimFacts::default()
                },
                ..injury(claim())
            },
            vec![],
        ),
        // QW on a waived test for Medicare; on the line that lacks it only.
        (
            "filing:MB,qw_modifier,82947 87880,,,warning,CLIA waiver",
            ProfessionalClaim {
                filing_indicator: ClaimFilingIndicator::MedicarePartB,
                ..with_lines(
                    claim(),
                    vec![
                        qw(line("87880", LineFacts::default())),
                        line("82947", LineFacts::default()),
                        line("99213", LineFacts::default()),
                    ],
                )
            },
            vec!["lines[1].modifiers"],
        ),
        (
            "filing:MB,qw_modifier,82947 87880,,,warning,CLIA waiver",
            with_lines(claim(), vec![line("82947", LineFacts::default())]),
            vec![],
        ),
        // An ambulance code needs the transport's facts, once per claim.
        (
            "any,ambulance,A0425-A0436,,,error,guide",
            with_lines(claim(), vec![line("A0427", LineFacts::default()), line("A0425", LineFacts::default())]),
            vec!["facts.ambulance"],
        ),
        (
            "any,ambulance,A0425-A0436,,,error,guide",
            ProfessionalClaim {
                facts: ClaimFacts {
                    ambulance: Some(Ambulance::default()),
                    ..ClaimFacts::default()
                },
                ..with_lines(claim(), vec![line("A0427", LineFacts::default())])
            },
            vec![],
        ),
    ];
    for (rule, claim, expected) in cases {
        let found = check(&rules_of(rule), &[], &claim, &never);
        let fields: Vec<&str> = found.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, expected, "{rule}: {found:#?}");
        assert!(found.iter().all(|f| f.rule == "org:1" && !f.message.is_empty()), "{found:#?}");
    }
}

#[test]
fn an_authorization_on_file_or_a_rule_turned_off_finds_nothing() {
    let rules = rules_of("any,prior_authorization,70551,,,error,MRI");
    let mri = ProfessionalClaim {
        lines: vec![line("70551", LineFacts::default())],
        ..claim()
    };
    assert_eq!(check(&rules, &[], &mri, &|_| false).len(), 1);
    assert!(check(&rules, &[], &mri, &|_| true).is_empty());
    assert!(check(&rules, &["org:1".to_string()], &mri, &|_| false).is_empty());
}
