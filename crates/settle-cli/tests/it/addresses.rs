//! Postal addresses from the command line: one line or the fields, the
//! same checks, a refusal that names the piece and writes nothing, and the
//! list of old addresses that could not be read.

use crate::Books;

#[test]
fn addresses_go_in_as_a_line_or_as_fields_and_come_out_as_fields() {
    let books = Books::new();
    books.ok(&[
        "account",
        "add",
        "A-2",
        "--name",
        "Kai Akana",
        "--address",
        "1 Kalakaua Ave, Apt 4\nHonolulu, Hawaii 96815-1234 USA",
    ]);
    books.ok(&[
        "account",
        "add",
        "A-3",
        "--name",
        "Ola Nordmann",
        "--street",
        "100 Queen St W",
        "--city",
        "Toronto",
        "--state",
        "ON",
        "--zip",
        "M5H 2N2",
        "--country",
        "CA",
    ]);
    let shown = books.ok(&["account", "show", "A-2", "--format", "json"]);
    let detail: serde_json::Value = serde_json::from_str(&shown).unwrap();
    let address = detail["contacts"].as_array().unwrap().iter().find(|c| c["kind"] == "address").unwrap();
    assert_eq!(address["value"], "1 Kalakaua Ave, Apt 4, Honolulu, HI 96815-1234");
    assert_eq!(address["postal"]["line2"], "Apt 4");
    assert_eq!(address["postal"]["state"], "HI");
    let abroad: serde_json::Value = serde_json::from_str(&books.ok(&["account", "show", "A-3", "--format", "json"])).unwrap();
    assert_eq!(abroad["contacts"][0]["postal"]["country"], "CA", "{abroad}");

    // Refused whole, naming the piece: nothing is opened.
    let before = books.snapshot();
    let err = books.fails(&["account", "add", "A-4", "--name", "Lee", "--address", "12 Main Street Springfield IL 62704"]);
    assert!(err.contains("party.address") && err.contains("line1"), "{err}");
    let err = books.fails(&[
        "account",
        "add",
        "A-4",
        "--name",
        "Lee",
        "--street",
        "12 Main St",
        "--city",
        "Springfield",
        "--state",
        "ZZ",
        "--zip",
        "62704",
    ]);
    assert!(err.contains("party.address") && err.contains("state") && err.contains("ZZ"), "{err}");
    let err = books.fails(&[
        "account",
        "add",
        "A-4",
        "--name",
        "Lee",
        "--address",
        "12 Main St, Springfield, IL 62704",
        "--city",
        "Chicago",
    ]);
    assert!(err.contains("cannot be used with"), "one line or the fields, not both: {err}");
    assert_eq!(books.snapshot(), before);

    // A change by its fields; the old one stays as history.
    books.ok(&[
        "account",
        "contact",
        "A-2",
        "address",
        "--street",
        "9 Pali Hwy",
        "--city",
        "Honolulu",
        "--state",
        "HI",
        "--zip",
        "96813",
    ]);
    let err = books.fails(&["account", "contact", "A-2", "address", "Honolulu"]);
    assert!(err.contains("value") && err.contains("postal_code"), "{err}");
    let moved: serde_json::Value = serde_json::from_str(&books.ok(&["account", "show", "A-2", "--format", "json"])).unwrap();
    let current: Vec<_> = moved["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == "address" && c["valid_to"].is_null())
        .collect();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0]["postal"]["line1"], "9 Pali Hwy");

    // Nothing is kept as text only here.
    let unread = books.ok(&["account", "unread-addresses"]);
    assert!(unread.contains("0 address(es) kept as text only."), "{unread}");
}
