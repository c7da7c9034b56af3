//! `settle books` on a fresh practice: the mapping, what is due, an export
//! written to a file (IIF read back: each journal sums to zero), nothing
//! sent twice, the period closed, and a payment dated in it refused by
//! the command line as by every other door.

use std::path::Path;

fn settle(dir: &Path, args: &[&str]) -> std::process::Output {
    let mut command = std::process::Command::new(assert_cmd::cargo::cargo_bin("settle"));
    command
        .env_remove("SETTLE_DATABASE_URL")
        .env_remove("SETTLE_ORG")
        .arg("--data-dir")
        .arg(dir)
        .args(args);
    command.output().unwrap()
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let out = settle(dir, args);
    assert!(out.status.success(), "settle {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn refused(dir: &Path, args: &[&str]) -> String {
    let out = settle(dir, args);
    assert!(!out.status.success(), "settle {args:?} should be refused");
    String::from_utf8(out.stderr).unwrap()
}

#[test]
fn the_day_goes_out_once_and_a_closed_period_takes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(d, &["init", "--slug", "clinic", "--name", "Clinic", "--currency", "USD"]);
    ok(d, &["account", "add", "P-1", "--name", "Ana Ruiz", "--opened", "2026-10-01"]);
    ok(d, &["invoice", "create", "P-1", "--date", "2026-11-02", "--line", "SVC|Visit|1|250.00"]);
    ok(d, &["payment", "post", "P-1", "100.00", "--method", "check", "--date", "2026-11-09"]);

    let due = ok(d, &["books", "due", "--through", "2026-11-30"]);
    assert!(
        due.contains("ST-20261102-USD-1") && due.contains("ST-20261109-USD-1") && due.contains("(not mapped)"),
        "{due}"
    );
    let err = refused(d, &["books", "export", "--format", "iif", "--through", "2026-11-30"]);
    assert!(err.contains("must be mapped") && err.contains("1000 Cash"), "{err}");
    for (code, target) in [
        ("1000", "Checking"),
        ("1100", "Accounts Receivable"),
        ("1110", "Accounts Receivable"),
        ("4000", "Patient services"),
    ] {
        ok(d, &["books", "map", code, target]);
    }
    let iif = d.join("journals.iif");
    ok(
        d,
        &[
            "books",
            "export",
            "--format",
            "iif",
            "--through",
            "2026-11-30",
            "--output",
            iif.to_str().unwrap(),
        ],
    );
    let text = std::fs::read_to_string(&iif).unwrap();
    let mut open = 0i64;
    let mut journals = 0;
    for line in text.lines().skip(3) {
        let fields: Vec<&str> = line.split('\t').collect();
        if fields[0] == "ENDTRNS" {
            assert_eq!(open, 0, "{text}");
            journals += 1;
        } else {
            open += fields[5].replace('.', "").parse::<i64>().unwrap();
        }
    }
    assert_eq!(journals, 2, "{text}");
    let out = settle(d, &["books", "export", "--format", "iif", "--through", "2026-11-30"]);
    assert!(out.status.success() && out.stdout.is_empty(), "nothing twice");
    assert!(String::from_utf8_lossy(&out.stderr).contains("Nothing to export"));
    let again = ok(d, &["books", "file", "1", "--format", "qbo-csv"]);
    assert!(again.contains("ST-20261109-USD-1,11/09/2026,Checking,100.00"), "{again}");

    ok(d, &["books", "close", "--through", "2026-11-30", "--note", "November"]);
    let err = refused(d, &["payment", "post", "P-1", "5.00", "--method", "check", "--date", "2026-11-20"]);
    assert!(err.contains("closed through 2026-11-30"), "{err}");
    // A file import: the row dated in the closed period is named by its line, nothing imported.
    let csv = d.join("payments.csv");
    std::fs::write(
        &csv,
        "account_number,amount,method,received_on\nP-1,1.00,cash,2026-12-02\nP-1,2.00,cash,2026-11-30\n",
    )
    .unwrap();
    let err = refused(d, &["import", "payments", csv.to_str().unwrap()]);
    assert!(err.contains("line 3") && err.contains("2026-11-30 is in a closed period"), "{err}");
    ok(d, &["payment", "post", "P-1", "5.00", "--method", "check", "--date", "2026-12-01"]);
    assert!(ok(d, &["books", "closes"]).contains("through 2026-11-30"));
    let verify = ok(d, &["verify"]);
    assert!(!verify.to_lowercase().contains("disagree") || verify.contains("0 disagree"), "{verify}");
}

#[test]
fn a_bank_statement_reads_whole_or_is_refused_by_line() {
    let sample = |name: &str| format!("{}/../../testdata/bai2/{name}", env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let out = ok(dir.path(), &["bank", "read", &sample("sample1.txt")]);
    assert!(
        out.contains("17 transaction(s)") && out.contains("debit") && out.contains("RETURNED CHEQUE"),
        "{out}"
    );
    let json = ok(dir.path(), &["bank", "read", &sample("sample2.txt"), "--format", "json"]);
    let rows: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(rows[0]["amount"], "4500.00");
    let err = refused(dir.path(), &["bank", "read", &sample("sample4-continuations-newline-delimited.txt")]);
    assert!(err.contains("refused, nothing read") && err.contains("number of records: says 26"), "{err}");
}
