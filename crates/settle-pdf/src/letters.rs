//! The documents Settle prints, each from plain data the store fills in:
//! an appeal of a denied claim, and a patient statement.

use serde::{Deserialize, Serialize};

use crate::{dollars, Column, Document};

/// A name and address block.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Party {
    pub name: String,
    pub lines: Vec<String>,
}

/// One denied service in an appeal.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AppealedService {
    pub date: String,
    pub code: String,
    pub billed: String,
    pub denied: String,
}

/// A request that the payer reconsider a denial (a first-level appeal or
/// redetermination), with the codes it gave and the provider's case.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AppealLetter {
    pub date: String,
    pub from: Party,
    pub from_npi: String,
    pub to: Party,
    pub patient: String,
    pub date_of_birth: String,
    pub member_id: String,
    pub claim_number: String,
    pub payer_claim_number: String,
    pub denied_on: String,
    pub appeal_by: String,
    pub services: Vec<AppealedService>,
    /// (code as group-reason, meaning)
    pub reasons: Vec<(String, String)>,
    pub remarks: Vec<(String, String)>,
    /// Why the denial is wrong, in the specialist's words.
    pub argument: String,
    pub signer: String,
}

fn address(doc: &mut Document, party: &Party, size: f32) {
    let mut lines: Vec<&str> = vec![party.name.as_str()];
    lines.extend(party.lines.iter().map(String::as_str));
    doc.lines(&lines, size);
}

/// The appeal letter as PDF.
pub fn appeal_letter(letter: &AppealLetter) -> Vec<u8> {
    let mut doc = Document::new(
        &format!("Appeal of claim {}", letter.claim_number),
        &format!("{}: appeal of claim {}", letter.from.name, letter.claim_number),
    );
    address(&mut doc, &letter.from, 10.0);
    if !letter.from_npi.is_empty() {
        doc.paragraph(&format!("NPI {}", letter.from_npi), 9.0);
    }
    doc.gap(6.0);
    doc.paragraph(&letter.date, 10.0);
    address(&mut doc, &letter.to, 10.0);
    doc.heading("Request for reconsideration of a denied claim", 13.0);
    doc.pairs(
        &[
            ("Patient", &letter.patient),
            ("Date of birth", &letter.date_of_birth),
            ("Member id", &letter.member_id),
            ("Our claim number", &letter.claim_number),
            (
                "Your claim number",
                if letter.payer_claim_number.is_empty() {
                    "not given"
                } else {
                    &letter.payer_claim_number
                },
            ),
            ("Denied on", &letter.denied_on),
        ],
        10.0,
    );
    doc.paragraph(
        "We ask you to reconsider your denial of the services below. We believe they were billed correctly and are covered under the patient's plan, for the reasons that follow.",
        10.0,
    );
    let rows: Vec<Vec<String>> = letter
        .services
        .iter()
        .map(|s| vec![s.date.clone(), s.code.clone(), dollars(&s.billed), dollars(&s.denied)])
        .collect();
    doc.table(
        &[
            Column::left("Date of service", 1.2),
            Column::left("Service", 1.6),
            Column::right("Billed", 1.0),
            Column::right("Denied", 1.0),
        ],
        &rows,
        10.0,
    );
    doc.heading("Your reasons for the denial", 11.0);
    for (code, meaning) in &letter.reasons {
        doc.paragraph(&format!("{code}: {meaning}"), 10.0);
    }
    for (code, meaning) in &letter.remarks {
        doc.paragraph(&format!("Remark {code}: {meaning}"), 10.0);
    }
    doc.heading("Why the claim should be paid", 11.0);
    doc.paragraph(&letter.argument, 10.0);
    doc.paragraph(
        "Enclosed are the records that support this request. Please reprocess the claim and send the payment, or a written explanation of your decision and of the next level of appeal, to the address above.",
        10.0,
    );
    doc.paragraph(
        &format!("This request is made within your appeal period, which ends on {}.", letter.appeal_by),
        10.0,
    );
    doc.gap(10.0);
    doc.lines(&["Sincerely,", "", &letter.signer, &letter.from.name], 10.0);
    doc.finish()
}

/// One service of a visit on a statement; amounts are decimal strings.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementLine {
    pub code: String,
    pub description: String,
    pub charge: String,
    pub insurance_paid: String,
    pub adjusted: String,
    pub you_owe: String,
}

/// A visit: what was billed, what insurance did, and what the patient owes and why.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementVisit {
    pub date: String,
    pub patient: String,
    pub claim_number: String,
    pub insurer: String,
    pub lines: Vec<StatementLine>,
    /// Why the patient owes, such as "Deductible $50.00".
    pub why: Vec<String>,
    /// What the patient has paid on this visit already.
    pub you_paid: String,
    pub balance: String,
}

/// A patient statement, as sent.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Statement {
    pub statement_number: String,
    pub date: String,
    pub due: String,
    pub from: Party,
    pub phone: String,
    pub to: Party,
    pub account_number: String,
    /// 1 for the first statement of these charges, 2 for the second, ...
    pub sequence: i64,
    pub message: String,
    pub visits: Vec<StatementVisit>,
    pub amount_due: String,
    pub how_to_pay: Vec<String>,
}

fn statement_footer(s: &Statement) -> String {
    format!("{}  {}  Account {}  Statement {}", s.from.name, s.phone, s.account_number, s.statement_number)
}

/// The statement as PDF: the amount due and how to pay on page one,
/// then each visit explained.
pub fn statement(s: &Statement) -> Vec<u8> {
    let mut doc = Document::new(&format!("Statement {}", s.statement_number), &statement_footer(s));
    draw_statement(&mut doc, s);
    doc.finish()
}

/// A day's statements in one PDF for printing and mailing, each starting
/// on a new page with its own page numbers.
pub fn statements(all: &[Statement], title: &str) -> Vec<u8> {
    let mut doc = Document::new(title, all.first().map(statement_footer).unwrap_or_default().as_str());
    for (i, s) in all.iter().enumerate() {
        if i > 0 {
            doc.new_section(&statement_footer(s));
        }
        draw_statement(&mut doc, s);
    }
    doc.finish()
}

fn draw_statement(doc: &mut Document, s: &Statement) {
    address(doc, &s.from, 10.0);
    doc.place_right(558.0, 70.0, "STATEMENT", 16.0, true);
    doc.place_right(558.0, 88.0, &format!("Statement {}", s.statement_number), 9.0, false);
    doc.place_right(558.0, 100.0, &format!("Date {}", s.date), 9.0, false);
    doc.place_right(558.0, 112.0, &format!("Account {}", s.account_number), 9.0, false);
    doc.gap(14.0);
    address(doc, &s.to, 10.0);
    doc.gap(6.0);
    doc.boxed(
        &[
            (&format!("Amount due: {}", dollars(&s.amount_due)), true),
            (&format!("Please pay by {}", s.due), false),
            (&s.message, false),
        ],
        11.0,
    );
    doc.heading("How to pay", 11.0);
    for way in &s.how_to_pay {
        doc.paragraph(way, 10.0);
    }
    doc.paragraph(
        &format!(
            "Questions about this statement? Call {} and give your account number {}.",
            s.phone, s.account_number
        ),
        10.0,
    );
    for visit in &s.visits {
        doc.heading(&format!("Visit on {} for {}", visit.date, visit.patient), 11.0);
        doc.paragraph(&format!("Claim {} sent to {}", visit.claim_number, visit.insurer), 9.0);
        let mut rows: Vec<Vec<String>> = visit
            .lines
            .iter()
            .map(|l| {
                vec![
                    format!("{} {}", l.code, l.description).trim().to_string(),
                    dollars(&l.charge),
                    dollars(&l.insurance_paid),
                    dollars(&l.adjusted),
                    dollars(&l.you_owe),
                ]
            })
            .collect();
        let sum = |f: fn(&StatementLine) -> &String| -> String {
            let minor: i64 = visit.lines.iter().map(|l| parse_minor(f(l))).sum();
            format_minor(minor)
        };
        rows.push(vec![
            "=Visit total".into(),
            dollars(&sum(|l| &l.charge)),
            dollars(&sum(|l| &l.insurance_paid)),
            dollars(&sum(|l| &l.adjusted)),
            dollars(&sum(|l| &l.you_owe)),
        ]);
        doc.table(
            &[
                Column::left("Service", 2.6),
                Column::right("Charge", 1.0),
                Column::right("Insurance paid", 1.2),
                Column::right("Insurance adjusted", 1.3),
                Column::right("You owe", 1.0),
            ],
            &rows,
            9.0,
        );
        if !visit.why.is_empty() {
            doc.paragraph(&format!("Why you owe this: {}.", visit.why.join("; ")), 9.0);
        }
        if parse_minor(&visit.you_paid) != 0 {
            doc.paragraph(
                &format!("You have paid {} on this visit; {} is left.", dollars(&visit.you_paid), dollars(&visit.balance)),
                9.0,
            );
        }
    }
    doc.rule();
    doc.paragraph(
        "Insurance adjusted: the part of the charge your insurer's contract with us takes off; you do not owe it. You owe: what your plan leaves to you (deductible, coinsurance, copay, or a service it does not cover).",
        8.0,
    );
}

/// Minor units from a two-decimal string such as "-12.50" (0 if it is not one).
pub fn parse_minor(text: &str) -> i64 {
    let (negative, digits) = match text.trim().strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.trim()),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, "0"));
    let fraction = format!("{fraction:0<2}");
    let value = whole.parse::<i64>().unwrap_or(0) * 100 + fraction[..2].parse::<i64>().unwrap_or(0);
    if negative {
        -value
    } else {
        value
    }
}

fn format_minor(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", minor.abs() / 100, minor.abs() % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visit_totals_add_the_lines_to_the_cent() {
        assert_eq!(parse_minor("12.5"), 1250);
        assert_eq!(parse_minor("-0.07"), -7);
        assert_eq!(format_minor(parse_minor("1234.56") + parse_minor("0.44")), "1235.00");
        assert_eq!(format_minor(-7), "-0.07");
    }

    #[test]
    fn a_statement_and_an_appeal_render() {
        let s = Statement {
            statement_number: "S-000001".into(),
            amount_due: "40.00".into(),
            visits: vec![StatementVisit {
                lines: vec![StatementLine {
                    code: "99213".into(),
                    charge: "150.00".into(),
                    insurance_paid: "80.00".into(),
                    adjusted: "30.00".into(),
                    you_owe: "40.00".into(),
                    ..Default::default()
                }],
                why: vec!["Coinsurance $40.00".into()],
                you_paid: "0.00".into(),
                ..Default::default()
            }],
            ..Default::default()
        };
        let pdf = statement(&s);
        assert!(pdf.starts_with(b"%PDF-"));
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.contains("($40.00)"), "the visit total and the amount due are printed");
        assert!(appeal_letter(&AppealLetter::default()).starts_with(b"%PDF-"));
    }
}
