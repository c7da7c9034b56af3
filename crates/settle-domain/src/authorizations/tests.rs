//! Authorizations on file applied to claims, one case a row.

use super::*;
use crate::claim_facts::LineFacts;
use crate::claims::tests::claim;
use crate::claims::ServiceLine;
use crate::codes::ProcedureCode;

fn date(text: &str) -> Date {
    text.parse().unwrap()
}

fn auth(id: i64, number: &str, codes: &str, allowed: Option<u32>, counts: Counts, used: u32) -> OnFile {
    OnFile {
        id,
        kind: AuthorizationKind::PriorAuthorization,
        number: number.into(),
        payer_code: "66783JJT".into(),
        procedures: Codes::parse(codes, "code").unwrap(),
        allowed: allowed.map(Units::whole),
        counts,
        from: date("2026-10-01"),
        to: date("2026-12-31"),
        used: Units::whole(used),
    }
}

fn therapy(lines: &[(&str, u32, &str)]) -> ProfessionalClaim {
    let mut c = claim();
    c.lines = lines
        .iter()
        .map(|(code, units, cited)| ServiceLine {
            procedure: ProcedureCode::parse(code).unwrap(),
            units: Units::whole(*units),
            facts: LineFacts {
                prior_authorization: cited.to_string(),
                ..LineFacts::default()
            },
            ..claim().lines[0].clone()
        })
        .collect();
    c
}

#[test]
fn each_case_uses_counts_or_finds() {
    let pt = |used| auth(1, "PA-PT", "97110 97140", Some(12), Counts::Units, used);
    // (on file, claim, uses (line, id, amount), numbers filled (line, number), findings (field, level))
    type Case = (
        Vec<OnFile>,
        ProfessionalClaim,
        Vec<(usize, i64, u32)>,
        Vec<(usize, &'static str)>,
        Vec<(&'static str, FindingLevel)>,
    );
    let cases: Vec<Case> = vec![
        // Not cited: the one on file covers it, its number goes on the line.
        (vec![pt(0)], therapy(&[("97110", 2, "")]), vec![(0, 1, 2)], vec![(0, "PA-PT")], vec![]),
        // Cited: counted, nothing filled.
        (vec![pt(0)], therapy(&[("97110", 2, "PA-PT")]), vec![(0, 1, 2)], vec![], vec![]),
        // Units counted across the claim's lines: the second has no room left.
        (
            vec![pt(9)],
            therapy(&[("97110", 2, "PA-PT"), ("97140", 2, "PA-PT")]),
            vec![(0, 1, 2)],
            vec![],
            vec![("lines[1].facts.prior_authorization", FindingLevel::Error)],
        ),
        // Not cited and used up: a warning says why (the payer rule, if any, holds it).
        (
            vec![pt(12)],
            therapy(&[("97110", 1, "")]),
            vec![],
            vec![],
            vec![("lines[0].facts.prior_authorization", FindingLevel::Warning)],
        ),
        // A service the cited authorization does not cover.
        (
            vec![pt(0)],
            therapy(&[("99213", 1, "PA-PT")]),
            vec![],
            vec![],
            vec![("lines[0].facts.prior_authorization", FindingLevel::Error)],
        ),
        // A number not on file is sent as given.
        (vec![pt(0)], therapy(&[("97110", 1, "PA-OTHER")]), vec![], vec![], vec![]),
        // Another payer's authorization is not this claim's.
        (
            vec![OnFile {
                payer_code: "OTHER".into(),
                ..pt(0)
            }],
            therapy(&[("97110", 1, "")]),
            vec![],
            vec![],
            vec![],
        ),
        // Visits count once per claim.
        (
            vec![auth(2, "PA-V", "", Some(2), Counts::Visits, 1)],
            therapy(&[("97110", 3, ""), ("97140", 1, "")]),
            vec![(0, 2, 1), (1, 2, 0)],
            vec![(0, "PA-V"), (1, "PA-V")],
            vec![],
        ),
    ];
    for (n, (on_file, claim, uses, filled, findings)) in cases.into_iter().enumerate() {
        let applied = apply(&on_file, &claim);
        let got_uses: Vec<(usize, i64, u32)> = applied
            .uses
            .iter()
            .map(|u| (u.line, u.authorization_id, u.amount.thousandths() as u32 / 1000))
            .collect();
        let got_filled: Vec<(usize, &str)> = applied.filled.iter().map(|(l, _, n)| (*l, n.as_str())).collect();
        let got_findings: Vec<(&str, FindingLevel)> = applied.findings.iter().map(|f| (f.field.as_str(), f.level)).collect();
        assert_eq!(
            (got_uses, got_filled, got_findings),
            (uses, filled, findings),
            "case {n}: {:#?}",
            applied.findings
        );
    }
}

#[test]
fn a_date_outside_the_authorization_is_named() {
    let mut c = therapy(&[("97110", 1, "PA-PT")]);
    c.lines[0].date_of_service = date("2027-01-05");
    let applied = apply(&[auth(1, "PA-PT", "97110", None, Counts::Units, 0)], &c);
    assert!(applied.findings[0].message.contains("runs 2026-10-01 to 2026-12-31"), "{:#?}", applied.findings);
}

#[test]
fn fractional_units_count_exactly() {
    let mut on_file = auth(1, "PA-INF", "J1100", Some(2), Counts::Units, 0);
    on_file.procedures = Codes::parse("J1100", "code").unwrap();
    let mut c = therapy(&[("J1100", 1, "PA-INF"), ("J1100", 1, "PA-INF")]);
    c.lines[0].units = Units::parse("1.5").unwrap();
    c.lines[1].units = Units::parse("0.5").unwrap();
    let applied = apply(std::slice::from_ref(&on_file), &c);
    assert!(applied.findings.is_empty(), "{:#?}", applied.findings);
    let used: Units = applied.uses.iter().map(|u| &u.amount).sum();
    assert_eq!(used, Units::whole(2));
    // A thousandth more than allowed is over, not rounded away.
    c.lines[1].units = Units::parse("0.501").unwrap();
    let applied = apply(&[on_file], &c);
    assert_eq!(applied.findings.len(), 1, "{:#?}", applied.findings);
    assert!(applied.findings[0].message.contains("allows 2 units; 0 used"), "{:#?}", applied.findings);
}
