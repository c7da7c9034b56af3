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

pub(crate) fn address(doc: &mut Document, party: &Party, size: f32) {
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
    /// The claim's number, or the invoice's reference when the visit was
    /// not billed to insurance.
    pub claim_number: String,
    /// The payer billed; empty when the visit was not billed to insurance.
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
    /// Where payments are mailed; the sender's address when empty (and in
    /// statements kept before it was printed).
    #[serde(default)]
    pub remit_to: Party,
    /// The amount due by how long ago each charge was billed: current,
    /// 31-60, 61-90 and over 90 days (empty in statements kept before).
    #[serde(default)]
    pub aging: Vec<AgeBand>,
}

/// Part of what is due by how long ago it was billed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgeBand {
    pub label: String,
    pub amount: String,
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
    if !s.aging.is_empty() {
        let titles: Vec<Column> = s.aging.iter().map(|b| Column::right(&b.label, 1.0)).collect();
        let amounts: Vec<String> = s.aging.iter().map(|b| dollars(&b.amount)).collect();
        doc.heading("Your balance by age", 10.0);
        doc.table(&titles, &[amounts], 9.0);
    }
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
    remittance_stub(doc, s);
    if !s.visits.is_empty() {
        doc.new_page();
        doc.heading("Your visits and what insurance did", 12.0);
    }
    for visit in &s.visits {
        doc.heading(&format!("Visit on {} for {}", visit.date, visit.patient), 11.0);
        let billed = if visit.insurer.is_empty() {
            format!("{}: not billed to insurance", visit.claim_number)
        } else {
            format!("Claim {} sent to {}", visit.claim_number, visit.insurer)
        };
        doc.paragraph(&billed, 9.0);
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

/// Where the tear-off part starts on page one, and how tall it is.
const STUB_TOP: f32 = 582.0;
const STUB_HEIGHT: f32 = 140.0;

/// The tear-off remittance part at the foot of the first page: who to pay
/// and where, the account, the amount due and by when, and a box for the
/// amount enclosed. On a page of its own if page one is full.
fn remittance_stub(doc: &mut Document, s: &Statement) {
    let mut top = STUB_TOP;
    if doc.y_from_top() + 8.0 > top {
        doc.new_page();
        top = 90.0;
    }
    doc.cut_line(top, "Please detach and return this part with your payment");
    let remit = if s.remit_to.name.is_empty() { &s.from } else { &s.remit_to };
    doc.place(54.0, top + 22.0, "Make checks payable to and mail to:", 8.0, false);
    doc.place(54.0, top + 36.0, &remit.name, 10.0, true);
    for (i, line) in remit.lines.iter().enumerate() {
        doc.place(54.0, top + 49.0 + 12.0 * i as f32, line, 10.0, false);
    }
    let rows = [
        ("Account", s.account_number.clone()),
        ("Name", s.to.name.clone()),
        ("Statement", format!("{} of {}", s.statement_number, s.date)),
        ("Please pay by", s.due.clone()),
        ("Amount due", dollars(&s.amount_due)),
    ];
    for (i, (label, value)) in rows.iter().enumerate() {
        let y = top + 22.0 + 13.0 * i as f32;
        doc.place(330.0, y, label, 9.0, true);
        doc.place_right(558.0, y, value, 9.0, *label == "Amount due");
    }
    let y = top + 22.0 + 13.0 * rows.len() as f32 + 8.0;
    doc.place(330.0, y + 12.0, "Amount enclosed", 9.0, true);
    doc.frame(440.0, y, 118.0, 18.0);
    doc.place(444.0, y + 12.0, "$", 9.0, false);
    doc.move_below(top + STUB_HEIGHT);
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

/// A validation notice (12 CFR 1006.34) with the content and order of the
/// CFPB's Model Form B-1: who is collecting for whom, the itemization of the
/// debt since a reference date, how and by when to dispute, and the
/// response form. Amounts are decimal strings.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidationNotice {
    /// "December 6, 2026": dates print as the form writes them.
    pub date: String,
    pub collector: Party,
    pub collector_phone: String,
    /// Mon-Fri hours the collector answers, such as "8 a.m. to 5 p.m. Central".
    pub collector_hours: String,
    /// The consumer's name and mailing address (the response form repeats them).
    pub consumer: Party,
    pub reference: String,
    /// The creditor to whom the debt is owed now (1006.34(c)(2)(iii)).
    pub creditor: String,
    /// Our account number for the debt.
    pub account_number: String,
    /// The creditor as of the itemization date (1006.34(c)(2)(iv)).
    #[serde(default)]
    pub itemization_creditor: String,
    /// That creditor's account number for the debt (1006.34(c)(2)(v)).
    #[serde(default)]
    pub creditor_account_number: String,
    /// The itemization date and what it is (the last payment date, the transaction date, ...).
    pub itemization_date: String,
    pub itemization_kind: String,
    pub owed_then: String,
    pub interest_since: String,
    pub fees_since: String,
    /// Payments and credits since the itemization date: never negative.
    pub paid_since: String,
    pub owed_now: String,
    /// The validation period's last day.
    pub respond_by: String,
    /// First communication: the full debt collector disclosure.
    pub disclosure: String,
    /// The optional Spanish-language offer (1006.34(d)(3)(vi)): printed only
    /// where a Spanish notice can be sent on request.
    #[serde(default)]
    pub spanish_offer: bool,
}

fn notice_footer(n: &ValidationNotice) -> String {
    format!("{}  {}  Reference {}", n.collector.name, n.collector_phone, n.reference)
}

/// The validation notice as PDF.
pub fn validation_notice(n: &ValidationNotice) -> Vec<u8> {
    let mut doc = Document::new(&format!("Validation notice for {}", n.account_number), &notice_footer(n));
    draw_validation_notice(&mut doc, n);
    doc.finish()
}

fn draw_validation_notice(doc: &mut Document, n: &ValidationNotice) {
    let itemization_creditor = if n.itemization_creditor.is_empty() {
        &n.creditor
    } else {
        &n.itemization_creditor
    };
    let creditor_account = if n.creditor_account_number.is_empty() {
        &n.account_number
    } else {
        &n.creditor_account_number
    };
    address(doc, &n.collector, 10.0);
    doc.paragraph(&format!("{}  Mon-Fri {}", n.collector_phone, n.collector_hours), 9.0);
    doc.place_right(558.0, 70.0, &n.date, 10.0, false);
    doc.place_right(558.0, 84.0, &format!("Reference: {}", n.reference), 9.0, false);
    doc.gap(8.0);
    address(doc, &n.consumer, 10.0);
    doc.gap(6.0);
    doc.paragraph(
        &format!(
            "{} is a debt collector. We are trying to collect a debt that you owe to {}. We will use any information you give us to help collect the debt.",
            n.collector.name, n.creditor
        ),
        11.0,
    );
    doc.heading("Our information shows:", 12.0);
    doc.paragraph(
        &format!("You had an account with {itemization_creditor} with account number {creditor_account}."),
        10.0,
    );
    doc.table(
        &[Column::left("", 3.2), Column::right("", 1.0)],
        &[
            vec![format!("As of {}, you owed:", n.itemization_date), dollars(&n.owed_then)],
            vec![format!("Between {} and today:", n.itemization_date), String::new()],
            vec![
                "   You were charged this amount in interest:".into(),
                format!("+ {}", dollars(&n.interest_since)),
            ],
            vec!["   You were charged this amount in fees:".into(), format!("+ {}", dollars(&n.fees_since))],
            vec![
                "   You paid or were credited this amount toward the debt:".into(),
                format!("- {}", dollars(&n.paid_since)),
            ],
            vec!["Total amount of the debt now:".into(), dollars(&n.owed_now)],
        ],
        10.0,
    );
    doc.paragraph(&format!("({} is {}.)", n.itemization_date, n.itemization_kind), 8.0);
    doc.heading("How can you dispute the debt?", 12.0);
    doc.paragraph(
        &format!(
            "Call or write to us by {} to dispute all or part of the debt. If you do not, we will assume that our information is correct.",
            n.respond_by
        ),
        10.0,
    );
    doc.paragraph(
        &format!(
            "If you write to us by {}, we must stop collection on any amount you dispute until we send you information that shows you owe the debt. You may use the form below or write to us without the form. You may also include supporting documents. We accept disputes by mail at {}.",
            n.respond_by,
            n.collector.lines.join(", ")
        ),
        10.0,
    );
    doc.heading("What else can you do?", 12.0);
    doc.paragraph(
        &format!(
            "Write to ask for the name and address of the original creditor, if different from the current creditor. If you write by {}, we must stop collection until we send you that information. You may use the form below or write to us without the form.",
            n.respond_by
        ),
        10.0,
    );
    let mut rights =
        String::from("Go to www.cfpb.gov/debt-collection to learn more about your rights under federal law. Contact us about your payment options.");
    if n.spanish_offer {
        rights.push_str(" Póngase en contacto con nosotros para solicitar una copia de este formulario en español.");
    }
    doc.paragraph(&rights, 10.0);
    doc.paragraph(&n.disclosure, 10.0);
    // The response form is one tear-off, kept whole at the foot of a page.
    doc.keep_together(260.0);
    doc.rule();
    doc.heading("How do you want to respond?", 12.0);
    doc.paragraph(&format!("Mail this form to: {}, {}", n.collector.name, n.collector.lines.join(", ")), 9.0);
    let mut from = vec![n.consumer.name.clone()];
    from.extend(n.consumer.lines.iter().cloned());
    doc.paragraph(&format!("From: {}   Reference: {}", from.join(", "), n.reference), 9.0);
    doc.boxed(
        &[
            ("Check all that apply:", true),
            ("I want to dispute the debt because I think:", true),
            ("[ ] This is not my debt.", false),
            ("[ ] The amount is wrong.", false),
            ("[ ] Other (please describe on reverse or attach additional information).", false),
            ("I want you to send me the name and address of the original creditor.", true),
            ("[ ] Yes.", false),
            ("I enclosed this amount: $ ____________", true),
            ("Make your check payable to the collector above. Include the reference number.", false),
        ],
        9.0,
    );
    if n.spanish_offer {
        doc.paragraph("[ ] Quiero este formulario en español.", 9.0);
    }
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
        let unbilled = Statement {
            visits: vec![StatementVisit {
                claim_number: "INV-000007".into(),
                ..Default::default()
            }],
            ..Default::default()
        };
        let text = String::from_utf8_lossy(&statement(&unbilled)).into_owned();
        assert!(text.contains("(INV-000007: not billed to insurance)"), "a visit not billed says so");
        assert!(!text.contains("sent to"), "and is not said to be sent anywhere");
        assert!(appeal_letter(&AppealLetter::default()).starts_with(b"%PDF-"));
    }

    #[test]
    fn a_validation_notice_follows_model_form_b1() {
        let n = ValidationNotice {
            collector: Party {
                name: "Prairie Recovery".into(),
                lines: vec!["1 Main St".into(), "Springfield, IL 62701".into()],
            },
            creditor: "Riverside Family Medicine".into(),
            itemization_date: "2026-10-01".into(),
            itemization_kind: "the last payment date".into(),
            owed_then: "300.00".into(),
            interest_since: "0.00".into(),
            fees_since: "25.00".into(),
            paid_since: "50.00".into(),
            owed_now: "275.00".into(),
            respond_by: "2026-12-09".into(),
            ..Default::default()
        };
        let pdf = validation_notice(&n);
        let text = String::from_utf8_lossy(&pdf);
        for expected in [
            "How can you dispute the debt?",
            "by 2026-12-09",
            "($275.00)",
            "(+ $25.00)",
            "(- $50.00)",
            "How do you want to respond?",
        ] {
            assert!(text.contains(expected), "{expected} not in the notice");
        }
    }
}

/// A payment plan's terms as the agreement prints them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanTerms {
    pub plan_id: i64,
    pub total: String,
    pub down_payment: String,
    pub frequency: String,
    /// (number, date, amount)
    pub installments: Vec<(i64, String, String)>,
    pub grace_days: i64,
    pub default_after_missed: i64,
}

/// A settlement offer's terms.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettlementTerms {
    pub balance: String,
    pub amount: String,
    /// "30.00%"
    pub discount: String,
    pub expires_on: String,
}

/// What a receipt acknowledges.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptTerms {
    pub received_on: String,
    pub amount: String,
    pub method: String,
    pub reference: String,
}

/// A collection letter other than the validation notice: a reminder, a
/// first or final notice, a payment plan agreement, a settlement offer or
/// a receipt. `kind` chooses the wording; amounts are decimal strings.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollectionLetter {
    /// reminder, first_notice, final_notice, plan_agreement, settlement_offer, receipt
    pub kind: String,
    pub date: String,
    pub collector: Party,
    pub collector_phone: String,
    pub collector_hours: String,
    pub consumer: Party,
    pub creditor: String,
    pub account_number: String,
    pub balance: String,
    pub past_due: String,
    /// The due date of the oldest amount past due.
    pub oldest_due: String,
    pub days_past_due: i64,
    #[serde(default)]
    pub plan: Option<PlanTerms>,
    #[serde(default)]
    pub settlement: Option<SettlementTerms>,
    #[serde(default)]
    pub receipt: Option<ReceiptTerms>,
    /// The debt collector disclosure (15 U.S.C. 1692e(11)), on every letter.
    pub disclosure: String,
}

impl CollectionLetter {
    pub fn title(&self) -> &'static str {
        match self.kind.as_str() {
            "reminder" => "Payment reminder",
            "first_notice" => "Past due notice",
            "final_notice" => "Final notice",
            "plan_agreement" => "Payment plan agreement",
            "settlement_offer" => "Settlement offer",
            "receipt" => "Payment receipt",
            _ => "Notice",
        }
    }

    /// The letter's message, paragraph by paragraph (the email says the same).
    pub fn body(&self) -> Vec<String> {
        let bal = dollars(&self.balance);
        let past = dollars(&self.past_due);
        match self.kind.as_str() {
            "reminder" => vec![
                format!("Our records show a payment of {past} on account {} was due on {} and has not been received. If you have already sent it, thank you, and please disregard this reminder.", self.account_number, self.oldest_due),
                format!("Your balance is {bal}. To pay, or if you have a question about your bill, call us at {}.", self.collector_phone),
            ],
            "first_notice" => vec![
                format!("Account {} is {} days past due. {past} has been owed since {}.", self.account_number, self.days_past_due, self.oldest_due),
                format!("Please pay the past-due amount now, or call us at {} to talk about a payment plan. Your total balance is {bal}.", self.collector_phone),
            ],
            "final_notice" => vec![
                format!("This is our final notice about account {}, now {} days past due. {past} remains unpaid since {}.", self.account_number, self.days_past_due, self.oldest_due),
                format!("If you cannot pay in full, call us at {} ({}) and we will work with you on a plan. Your total balance is {bal}.", self.collector_phone, self.collector_hours),
            ],
            "plan_agreement" => {
                let p = self.plan.clone().unwrap_or_default();
                vec![
                    format!("This confirms the payment plan agreed for account {} (plan {}): a total of {}, with a down payment of {} and the installments below, {}.", self.account_number, p.plan_id, dollars(&p.total), dollars(&p.down_payment), p.frequency),
                    format!("A payment received within {} days after its date is on time. If {} installments are missed, the plan ends and the remaining balance is due.", p.grace_days, p.default_after_missed),
                ]
            }
            "settlement_offer" => {
                let t = self.settlement.clone().unwrap_or_default();
                vec![
                    format!("We will accept {} to settle account {} in full, a discount of {} on the balance of {}.", dollars(&t.amount), self.account_number, t.discount, dollars(&t.balance)),
                    format!("The payment must be received by {}. Once it is paid, the rest of the balance will be adjusted off and the account closed as settled.", t.expires_on),
                ]
            }
            "receipt" => {
                let r = self.receipt.clone().unwrap_or_default();
                vec![
                    format!("Thank you. We received your payment of {} on {} ({}{}) for account {}.", dollars(&r.amount), r.received_on, r.method, if r.reference.is_empty() { String::new() } else { format!(", reference {}", r.reference) }, self.account_number),
                    format!("Your balance after this payment is {bal}."),
                ]
            }
            _ => vec![format!("Your balance on account {} is {bal}.", self.account_number)],
        }
    }

    fn footer(&self) -> String {
        format!(
            "{}  {}  Account {}  {}",
            self.collector.name,
            self.collector_phone,
            self.account_number,
            self.title()
        )
    }
}

fn draw_collection_letter(doc: &mut Document, l: &CollectionLetter) {
    address(doc, &l.collector, 10.0);
    if !l.collector_hours.is_empty() {
        doc.paragraph(&format!("{}  {}", l.collector_phone, l.collector_hours), 9.0);
    }
    doc.place_right(558.0, 70.0, &l.date, 10.0, false);
    doc.place_right(558.0, 84.0, &format!("Account: {}", l.account_number), 9.0, false);
    doc.gap(8.0);
    address(doc, &l.consumer, 10.0);
    doc.gap(6.0);
    doc.heading(l.title(), 14.0);
    for p in l.body() {
        doc.paragraph(&p, 10.5);
    }
    let mut rows = vec![
        vec!["Creditor".to_string(), l.creditor.clone()],
        vec!["Account".to_string(), l.account_number.clone()],
    ];
    if l.kind != "receipt" && l.kind != "plan_agreement" {
        rows.push(vec!["Past due".into(), dollars(&l.past_due)]);
    }
    rows.push(vec!["Balance".into(), dollars(&l.balance)]);
    doc.table(&[Column::left("", 1.0), Column::right("", 1.0)], &rows, 10.0);
    if let Some(p) = &l.plan {
        let mut rows = Vec::with_capacity(p.installments.len() + 1);
        if crate::letters::parse_minor(&p.down_payment) > 0 {
            rows.push(vec!["Down payment".into(), l.date.clone(), dollars(&p.down_payment)]);
        }
        rows.extend(p.installments.iter().map(|(n, d, a)| vec![format!("Installment {n}"), d.clone(), dollars(a)]));
        doc.table(
            &[Column::left("Payment", 1.2), Column::left("Date", 1.0), Column::right("Amount", 1.0)],
            &rows,
            9.5,
        );
        doc.gap(10.0);
        doc.paragraph("Agreed: ______________________________   Date: ____________", 10.0);
    }
    if l.kind != "receipt" {
        doc.rule();
        doc.paragraph(
            &format!(
                "Please return this part with your payment to {}, {}",
                l.collector.name,
                l.collector.lines.join(", ")
            ),
            9.0,
        );
        doc.boxed(
            &[
                (&format!("{}  Account {}", l.consumer.name, l.account_number), true),
                ("Amount enclosed: $ ____________", false),
            ],
            9.0,
        );
    }
    doc.gap(6.0);
    doc.paragraph(&l.disclosure, 9.0);
}

/// One collection letter as PDF.
pub fn collection_letter(l: &CollectionLetter) -> Vec<u8> {
    let mut doc = Document::new(&format!("{} for {}", l.title(), l.account_number), &l.footer());
    draw_collection_letter(&mut doc, l);
    doc.finish()
}

/// A letter as kept on the account, whatever its kind.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AnyLetter {
    Validation(ValidationNotice),
    Collection(CollectionLetter),
}

impl AnyLetter {
    fn footer(&self) -> String {
        match self {
            AnyLetter::Validation(n) => notice_footer(n),
            AnyLetter::Collection(l) => l.footer(),
        }
    }

    fn draw(&self, doc: &mut Document) {
        match self {
            AnyLetter::Validation(n) => draw_validation_notice(doc, n),
            AnyLetter::Collection(l) => draw_collection_letter(doc, l),
        }
    }

    pub fn pdf(&self) -> Vec<u8> {
        match self {
            AnyLetter::Validation(n) => validation_notice(n),
            AnyLetter::Collection(l) => collection_letter(l),
        }
    }
}

/// A day's letters in one PDF for printing and mailing, each on its own
/// pages with its own footer and page numbers.
pub fn letters_batch(all: &[AnyLetter], title: &str) -> Vec<u8> {
    let mut doc = Document::new(title, all.first().map(AnyLetter::footer).unwrap_or_default().as_str());
    for (i, l) in all.iter().enumerate() {
        if i > 0 {
            doc.new_section(&l.footer());
        }
        l.draw(&mut doc);
    }
    doc.finish()
}
