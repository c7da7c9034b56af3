use super::*;

#[test]
fn the_shipped_lists_parse_and_hold_no_code_twice() {
    let entries = parse_codes(CODES).unwrap();
    assert!(entries.len() > 130, "{}", entries.len());
    let mut seen = std::collections::HashSet::new();
    for e in &entries {
        assert!(seen.insert((e.list, e.code.clone())), "{} {} twice", e.list, e.code);
    }
    // Words with commas in them survive.
    assert_eq!(status_words("124"), Some("the entity's name, address, phone and id number"));
}

#[test]
fn a_bad_line_is_named() {
    assert_eq!(
        parse_codes("# c\n507,A1,received,2026-12-06\n509,X,y,2026-12-06").unwrap_err(),
        "line 3: list is 507 or 508: \"509,X,y,2026-12-06\""
    );
    assert!(parse_codes("508,1,words,someday").unwrap_err().starts_with("line 1: since is a date"));
    assert!(parse_codes("508,1,,2026-12-06").unwrap_err().starts_with("line 1: a code and its words"));
}

#[test]
fn stc_in_words() {
    assert_eq!(
        describe("A7", "562", "85"),
        "A7 rejected for invalid information: the entity's National Provider Identifier (NPI) (status 562), about the billing provider (85)"
    );
    assert_eq!(describe("F1", "65", ""), "F1 finalized: paid: the claim or line has been paid (status 65)");
    // Codes Settle does not hold are shown by number, never guessed.
    assert_eq!(
        describe("P3", "9999", "ZZ"),
        "P3 pending: information requested: status 9999 (see X12 list 508), about entity ZZ"
    );
    assert_eq!(describe("Q9", "", ""), "category Q9 (not in Settle's list; see X12 list 507)");
}

#[test]
fn each_category_is_a_kind_of_answer() {
    for (code, answer) in [
        ("A1", Answer::Acknowledged),
        ("A2", Answer::Acknowledged),
        ("A3", Answer::Rejected),
        ("A7", Answer::Rejected),
        ("A4", Answer::NotFound),
        ("P1", Answer::Pending),
        ("F2", Answer::Finalized),
        ("F3F", Answer::Finalized),
        ("R4", Answer::InformationRequested),
        ("E0", Answer::NoAnswer),
        ("D0", Answer::NoAnswer),
    ] {
        assert_eq!(Answer::of(code), answer, "{code}");
        assert_eq!(Answer::parse(answer.as_str()), Some(answer));
    }
}
