//! People's names from the command line: one line or the parts, a
//! refusal that names the field and writes nothing, the account shows the
//! parts claims will send, and a name is corrected by its parts.

use crate::Books;

#[test]
fn names_go_in_as_a_line_or_by_their_parts_and_can_be_corrected() {
    let books = Books::new();
    books.ok(&["account", "add", "N-1", "--name", "Maria de la Cruz"]);
    books.ok(&[
        "account",
        "add",
        "N-2",
        "--last-name",
        "Smith Jones",
        "--first-name",
        "John",
        "--middle-name",
        "Q",
        "--suffix",
        "III",
    ]);
    let one: serde_json::Value = serde_json::from_str(&books.ok(&["account", "show", "N-1", "--format", "json"])).unwrap();
    assert_eq!(one["name_parts"]["last"], "de la Cruz", "{one}");
    assert_eq!(one["name_parts"]["first"], "Maria", "{one}");
    let two: serde_json::Value = serde_json::from_str(&books.ok(&["account", "show", "N-2", "--format", "json"])).unwrap();
    assert_eq!(two["summary"]["name"], "John Q Smith Jones III", "{two}");
    assert_eq!(two["name_parts"]["last"], "Smith Jones", "{two}");

    // Refused, naming the field: nothing is opened.
    let before = books.snapshot();
    let err = books.fails(&["account", "add", "N-3", "--last-name", "Lee", "--first-name", &"J".repeat(201)]);
    assert!(err.contains("party.name_parts") && err.contains("first"), "{err}");
    let err = books.fails(&["account", "add", "N-3", "--kind", "company", "--last-name", "Acme"]);
    assert!(err.contains("party.name_parts"), "{err}");
    assert_eq!(books.snapshot(), before, "a refused account changed the books");

    books.ok(&[
        "account",
        "name",
        "N-1",
        "--last-name",
        "Cruz",
        "--first-name",
        "Maria",
        "--middle-name",
        "de la",
    ]);
    let one: serde_json::Value = serde_json::from_str(&books.ok(&["account", "show", "N-1", "--format", "json"])).unwrap();
    assert_eq!(one["name_parts"]["middle"], "de la", "{one}");
    assert_eq!(one["summary"]["name"], "Maria de la Cruz", "{one}");
    let listed = books.ok(&["account", "unread-names"]);
    assert!(listed.contains("0 name(s) kept as one line only."), "{listed}");
}
