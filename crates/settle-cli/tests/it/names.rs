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

/// Accounts from another system: names by their parts or as one line,
/// every problem named by line and column and nothing written, then the
/// whole file at once; the parts are what claims will send.
#[test]
fn accounts_import_by_name_parts_all_or_nothing() {
    let books = Books::new();
    books.ok(&["account", "add", "TAKEN-1", "--name", "Already Here"]);
    let before = books.snapshot();
    let bad = books.file(
        "bad.csv",
        "account_number,kind,party,name,last_name,first_name,middle_name,suffix,date_of_birth,street,city,state,zip,email\n\
         P-1,patient,,,de la Cruz,María,Elena,,1980-02-30,1 Main St,Springfield,IL,62704,\n\
         P-2,patient,,John Smith,Smith,John,,,,,,,,\n\
         TAKEN-1,patient,,Ana Ruiz,,,,,,,,,,\n\
         P-3,patient,,,,Lee,,,,,,,,\n\
         P-4,patient,,,Nguyen,Van,,,,9 Elm St,Springfield,XX,62704,\n\
         P-5,customer,company,Acme Supply,,,,,,,,,,billing@@acme\n\
         P-6,patient,,Ann Lee,,,,,,,,,,\n\
         p-6,patient,,Ann Lee,,,,,,,,,,\n",
    );
    let err = books.fails(&["import", "accounts", &bad]);
    for expected in [
        "line 2, column date_of_birth",
        "line 3, column name: give the name or its parts",
        "line 4, column account_number: account TAKEN-1 already exists",
        "line 5, column last_name",
        "line 6, column state",
        "line 7, column email",
        "line 9, column account_number: account P-6 is also on line 8",
    ] {
        assert!(err.contains(expected), "{expected}: {err}");
    }
    assert!(err.contains("nothing was imported"), "{err}");
    assert_eq!(books.snapshot(), before, "a refused import changed the books");

    let good = books.file(
        "good.csv",
        "account_number,kind,party,name,last_name,first_name,middle_name,suffix,date_of_birth,sex,street,city,state,zip,email,payment_terms\n\
         P-1,patient,,,de la Cruz,María,Elena,,1980-02-28,F,1 Main St,Springfield,IL,62704,,\n\
         P-2,patient,,,Smith Jones,John,,Jr,,M,,,,,,due-on-receipt\n\
         P-3,patient,,\"Van der Berg, Anna\",,,,,,,,,,,,\n\
         P-5,customer,company,Acme Supply,,,,,,,,,,,billing@acme.example,\n",
    );
    let out = books.ok(&["import", "accounts", &good]);
    assert!(out.contains("Imported 4 accounts") && out.contains("(4 accounts)"), "{out}");
    let one: serde_json::Value = serde_json::from_str(&books.ok(&["account", "show", "P-1", "--format", "json"])).unwrap();
    assert_eq!(one["name_parts"]["last"], "de la Cruz", "{one}");
    assert_eq!(one["name_parts"]["first"], "María", "{one}");
    assert_eq!(one["name_parts"]["middle"], "Elena", "{one}");
    let two: serde_json::Value = serde_json::from_str(&books.ok(&["account", "show", "P-2", "--format", "json"])).unwrap();
    assert_eq!(two["name_parts"]["last"], "Smith Jones", "{two}");
    assert_eq!(two["name_parts"]["suffix"], "Jr", "{two}");
    let three: serde_json::Value = serde_json::from_str(&books.ok(&["account", "show", "P-3", "--format", "json"])).unwrap();
    assert_eq!(three["name_parts"]["last"], "Van der Berg", "{three}");
    assert_eq!(three["name_parts"]["first"], "Anna", "{three}");
    // The same file again is refused as a second import.
    let again = books.fails(&["import", "accounts", &good]);
    assert!(again.contains("already") || again.contains("imported before"), "{again}");
}
