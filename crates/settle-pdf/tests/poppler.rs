//! The letters as a reader sees them: each PDF is turned into text and PNG
//! pages by Debian's poppler-utils (pdftotext, pdftoppm, pdfinfo), and
//! checked. Without poppler the test says it is skipped, unless
//! SETTLE_REQUIRE_POPPLER=1 (CI) makes its absence a failure.

use std::process::Command;

use settle_pdf::letters::{letters_batch, AnyLetter, CollectionLetter, Party, PlanTerms, SettlementTerms};

fn poppler() -> bool {
    let found = Command::new("pdftoppm").arg("-v").output().is_ok();
    if !found {
        assert!(
            std::env::var("SETTLE_REQUIRE_POPPLER").is_err(),
            "SETTLE_REQUIRE_POPPLER is set but pdftoppm is missing (apt-get install poppler-utils)"
        );
        eprintln!("skipped: poppler-utils is not installed (apt-get install poppler-utils)");
    }
    found
}

fn letter(kind: &str) -> CollectionLetter {
    CollectionLetter {
        kind: kind.into(),
        date: "2026-12-01".into(),
        collector: Party {
            name: "Lakeside Clinic".into(),
            lines: vec!["PO Box 10".into(), "Madison, WI 53701".into()],
        },
        collector_phone: "(608) 555-0100".into(),
        collector_hours: "8 a.m. to 5 p.m. Central".into(),
        consumer: Party {
            name: "Blake Moreno".into(),
            lines: vec!["4 Elm St".into(), "Madison, WI 53703".into()],
        },
        creditor: "Lakeside Clinic".into(),
        account_number: "D-2".into(),
        balance: "515.00".into(),
        past_due: "500.00".into(),
        oldest_due: "2026-09-14".into(),
        days_past_due: 78,
        plan: None,
        settlement: None,
        receipt: None,
        disclosure: "This communication is from a debt collector.".into(),
    }
}

fn text_of(pdf: &[u8], dir: &std::path::Path, name: &str) -> (String, usize) {
    let path = dir.join(format!("{name}.pdf"));
    std::fs::write(&path, pdf).unwrap();
    let out = Command::new("pdftotext").args(["-layout"]).arg(&path).arg("-").output().unwrap();
    assert!(out.status.success(), "pdftotext read {name}: {}", String::from_utf8_lossy(&out.stderr));
    let info = String::from_utf8(Command::new("pdfinfo").arg(&path).output().unwrap().stdout).unwrap();
    let pages = info.lines().find_map(|l| l.strip_prefix("Pages:")).map(|p| p.trim().parse().unwrap()).unwrap();
    // Every page becomes a PNG that is not blank.
    let prefix = dir.join(name);
    let png = Command::new("pdftoppm").args(["-png", "-r", "40"]).arg(&path).arg(&prefix).output().unwrap();
    assert!(png.status.success(), "pdftoppm drew {name}");
    let images: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(&format!("{name}-")) && e.file_name().to_string_lossy().ends_with(".png"))
        .collect();
    assert_eq!(images.len(), pages, "{name}: one PNG per page");
    for image in images {
        let bytes = std::fs::read(image.path()).unwrap();
        assert!(bytes.starts_with(b"\x89PNG"), "{name}: a PNG");
        // A blank page compresses to almost nothing; a printed one does not.
        assert!(
            bytes.len() > 3_000,
            "{name}: {} is nearly blank ({} bytes)",
            image.path().display(),
            bytes.len()
        );
    }
    (String::from_utf8(out.stdout).unwrap(), pages)
}

#[test]
fn every_letter_reads_right_and_the_day_prints_as_one_file() {
    if !poppler() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let reminder = letter("reminder");
    let (text, pages) = text_of(&settle_pdf::letters::collection_letter(&reminder), dir.path(), "reminder");
    assert_eq!(pages, 1);
    for needle in [
        "Payment reminder",
        "Blake Moreno",
        "was due on 2026-09-14",
        "$515.00",
        "This communication is from a debt collector.",
    ] {
        assert!(text.contains(needle), "the reminder says {needle:?}:\n{text}");
    }
    let mut plan = letter("plan_agreement");
    plan.plan = Some(PlanTerms {
        plan_id: 7,
        total: "515.00".into(),
        down_payment: "15.00".into(),
        frequency: "monthly".into(),
        installments: vec![
            (1, "2026-12-15".into(), "150.00".into()),
            (2, "2027-01-15".into(), "150.00".into()),
            (3, "2027-02-15".into(), "150.00".into()),
            (4, "2027-03-15".into(), "50.00".into()),
        ],
        grace_days: 10,
        default_after_missed: 2,
    });
    let (text, _) = text_of(&settle_pdf::letters::collection_letter(&plan), dir.path(), "plan");
    for needle in [
        "Payment plan agreement",
        "Installment 4",
        "2027-03-15",
        "$50.00",
        "within 10 days",
        "If 2 installments are missed",
    ] {
        assert!(text.contains(needle), "the plan agreement says {needle:?}:\n{text}");
    }
    let mut offer = letter("settlement_offer");
    offer.settlement = Some(SettlementTerms {
        balance: "300.00".into(),
        amount: "150.00".into(),
        discount: "50.00%".into(),
        expires_on: "2027-02-15".into(),
    });
    let (text, _) = text_of(&settle_pdf::letters::collection_letter(&offer), dir.path(), "offer");
    assert!(text.contains("We will accept $150.00 to settle account D-2 in full"), "{text}");
    assert!(text.contains("must be received by 2027-02-15"), "{text}");

    // The day's letters in one file: each on its own pages with its own footer.
    let day = vec![
        AnyLetter::Collection(reminder),
        AnyLetter::Collection(plan),
        AnyLetter::Collection(offer),
        AnyLetter::Collection(letter("final_notice")),
    ];
    let (text, pages) = text_of(&letters_batch(&day, "Letters of 2026-12-01"), dir.path(), "day");
    assert!(pages >= 4, "one page at least per letter: {pages}");
    assert_eq!(
        text.matches("This communication is from a debt collector.").count(),
        4,
        "the disclosure on every letter"
    );
    assert!(text.contains("Final notice") && text.contains("78 days past due"), "{text}");
    assert!(text.contains("Page 1 of 1"), "each letter numbers its own pages: {text}");
}

/// Model Form B-1 read back: every field the notice must carry, in the
/// form's words, and the response form whole on one page.
#[test]
fn the_validation_notice_carries_every_b1_field_and_one_tear_off() {
    use settle_pdf::letters::{validation_notice, ValidationNotice};
    if !poppler() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let notice = ValidationNotice {
        date: "December 7, 2026".into(),
        collector: Party {
            name: "Prairie Recovery".into(),
            lines: vec!["PO Box 12".into(), "Springfield, IL 62701".into()],
        },
        collector_phone: "(217) 555-0100".into(),
        collector_hours: "8 a.m. to 5 p.m. Central".into(),
        consumer: Party {
            name: "Dana Whitfield".into(),
            lines: vec!["12 Lanai St".into(), "Miami, FL 33101".into()],
        },
        reference: "C-1".into(),
        creditor: "Riverside Family Medicine".into(),
        account_number: "C-1".into(),
        itemization_creditor: "Riverside Family Medicine".into(),
        creditor_account_number: "RFM-00417".into(),
        itemization_date: "February 1, 2026".into(),
        itemization_kind: "the last payment date".into(),
        owed_then: "300.00".into(),
        interest_since: "0.00".into(),
        fees_since: "25.00".into(),
        paid_since: "50.00".into(),
        owed_now: "275.00".into(),
        respond_by: "January 14, 2027".into(),
        disclosure: "This communication is from a debt collector.".into(),
        spanish_offer: false,
    };
    let (text, pages) = text_of(&validation_notice(&notice), dir.path(), "b1");
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for field in [
        "Prairie Recovery is a debt collector",
        "a debt that you owe to Riverside Family Medicine",
        "You had an account with Riverside Family Medicine with account number RFM-00417",
        "As of February 1, 2026, you owed: $300.00",
        "You were charged this amount in interest: + $0.00",
        "You were charged this amount in fees: + $25.00",
        "You paid or were credited this amount toward the debt: - $50.00",
        "Total amount of the debt now: $275.00",
        "Call or write to us by January 14, 2027 to dispute all or part of the debt",
        "name and address of the original creditor",
        "www.cfpb.gov/debt-collection",
        "Check all that apply:",
        "I want to dispute the debt because I think:",
        "This is not my debt.",
        "The amount is wrong.",
        "Mail this form to: Prairie Recovery, PO Box 12, Springfield, IL 62701",
        "From: Dana Whitfield, 12 Lanai St, Miami, FL 33101",
        "I enclosed this amount:",
        "December 7, 2026",
        "8 a.m. to 5 p.m. Central",
    ] {
        assert!(flat.contains(field), "{field:?} not in the notice:\n{text}");
    }
    assert!(!flat.contains("español"), "no Spanish offer unless a Spanish notice can be sent");
    // The response form, from its heading to its last line, on one page.
    let form_pages: Vec<usize> = text
        .split('\u{c}')
        .enumerate()
        .filter(|(_, page)| page.contains("How do you want to respond?") || page.contains("I enclosed this amount"))
        .map(|(i, _)| i)
        .collect();
    assert_eq!(form_pages.len(), 1, "the response form spans pages {form_pages:?} of {pages}");
}
