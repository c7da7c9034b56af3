//! The `settle` binary as a user runs it: bad input gets a clear error that
//! names the field, line or column, and leaves the books exactly as they were.

mod ach;
mod addresses;
mod books_out;
mod claims837;
mod claims837_roundtrip;
mod contacts;
mod names;
mod postgres;
mod walk;

use assert_cmd::Command;

struct Books {
    dir: tempfile::TempDir,
}

impl Books {
    fn new() -> Books {
        let books = Books {
            dir: tempfile::tempdir().unwrap(),
        };
        books.ok(&["init", "--slug", "shop", "--name", "Corner Shop"]);
        books.ok(&[
            "account",
            "add",
            "A-1",
            "--name",
            "Pat Doe",
            "--email",
            "pat@example.com",
            "--opened",
            "2026-01-01",
        ]);
        books.ok(&["invoice", "create", "A-1", "--line", "SVC|Consulting|2|150.00|10", "--date", "2026-01-05"]);
        books
    }

    fn cmd(&self, args: &[&str]) -> assert_cmd::assert::Assert {
        Command::cargo_bin("settle")
            .unwrap()
            .env_remove("SETTLE_DATABASE_URL")
            .env_remove("SETTLE_ORG")
            .arg("--data-dir")
            .arg(self.dir.path())
            .args(args)
            .assert()
    }

    fn ok(&self, args: &[&str]) -> String {
        String::from_utf8(self.cmd(args).success().get_output().stdout.clone()).unwrap()
    }

    /// What a command refused (exit 1) printed on standard output.
    fn refused(&self, args: &[&str]) -> String {
        String::from_utf8(self.cmd(args).code(1).get_output().stdout.clone()).unwrap()
    }

    fn fails(&self, args: &[&str]) -> String {
        String::from_utf8(self.cmd(args).failure().get_output().stderr.clone()).unwrap()
    }

    /// Everything a change could touch, as text: journal, balances, items.
    fn snapshot(&self) -> String {
        let journal = self.ok(&["export", "journal", "--format", "csv"]);
        let accounts = self.ok(&["account", "list", "--format", "json"]);
        let trial = self.ok(&["report", "trial-balance", "--format", "json"]);
        format!("{journal}\n{accounts}\n{trial}")
    }

    fn file(&self, name: &str, text: &str) -> String {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    }
}

#[test]
fn invoice_payment_and_reports_from_the_command_line() {
    let books = Books::new();
    let shown = books.ok(&["invoice", "show", "INV-000001"]);
    assert!(shown.contains("330.00"), "300.00 + 10% tax: {shown}");
    let paid = books.ok(&[
        "payment",
        "post",
        "A-1",
        "400.00",
        "--method",
        "check",
        "--reference",
        "1001",
        "--date",
        "2026-01-20",
    ]);
    assert!(paid.contains("applied 330.00 to INV-000001") && paid.contains("70.00 left as credit"), "{paid}");
    books.ok(&["refund", "A-1", "70.00", "--date", "2026-01-21"]);
    let aging = books.ok(&["report", "aging", "--as-of", "2026-01-10", "--by", "account", "--format", "csv"]);
    assert!(aging.lines().any(|l| l.starts_with("A-1,Pat Doe,330.00,")), "{aging}");
    let verify = books.ok(&["verify"]);
    assert!(verify.contains("OK"), "{verify}");
}

#[test]
fn bad_input_is_named_and_changes_nothing() {
    let books = Books::new();
    let before = books.snapshot();
    let cases: &[(&[&str], &str)] = &[
        (&["payment", "post", "A-1", "-5.00"], "amount"),
        (&["payment", "post", "A-1", "10.001"], "3 decimals but USD has 2"),
        (&["payment", "post", "NOPE", "10.00"], "account \"NOPE\" not found"),
        (&["payment", "post", "A-1", "10.00", "--method", "barter"], "method"),
        (&["account", "add", "B-1", "--name", "X", "--currency", "ABC"], "unknown currency"),
        (
            &["invoice", "create", "A-1", "--line", "SVC|Thing|0|1.00"],
            "quantity must be greater than zero",
        ),
        (&["refund", "A-1", "1.00"], "more than the account's credit of 0.00 USD"),
        (
            &["adjust", "INV-000001", "999.00", "--reason", "charity"],
            "is more than the 330.00 still owed on INV-000001",
        ),
        (&["adjust", "INV-000001", "1.00", "--reason", "because"], "not an adjustment reason"),
    ];
    for (args, expected) in cases {
        let error = books.fails(args);
        assert!(error.contains(expected), "{args:?}: expected {expected:?} in {error:?}");
    }
    assert_eq!(books.snapshot(), before, "a refused command changed the books");

    // The same idempotency key with another request is refused, and changes nothing.
    books.ok(&["payment", "post", "A-1", "10.00", "--idempotency-key", "k1", "--date", "2026-01-06"]);
    let after_first = books.snapshot();
    books.ok(&["payment", "post", "A-1", "10.00", "--idempotency-key", "k1", "--date", "2026-01-06"]);
    assert_eq!(books.snapshot(), after_first, "a replay wrote again");
    let error = books.fails(&["payment", "post", "A-1", "11.00", "--idempotency-key", "k1", "--date", "2026-01-06"]);
    assert!(error.contains("already used for a different request"), "{error}");
    assert_eq!(books.snapshot(), after_first);
}

#[test]
fn imports_are_all_or_nothing_with_line_and_column() {
    let books = Books::new();
    let before = books.snapshot();
    let bad = books.file(
        "bad.csv",
        "account_number,amount,method,reference,received_on\nA-1,10.00,check,1,2026-02-01\nA-1,ten,check,2,2026-02-01\nZZ-9,5.00,cash,3,2026-02-01\nA-1,5.00,cash,4,2026-02-31\n",
    );
    let error = books.fails(&["import", "payments", &bad]);
    assert!(error.contains("line 3, column amount"), "{error}");
    assert!(error.contains("line 4, column account_number: no account \"ZZ-9\""), "{error}");
    assert!(error.contains("line 5, column received_on"), "{error}");
    assert!(error.contains("nothing was imported"), "{error}");
    let malformed = books.file("malformed.csv", "account_number,amount,method,received_on\nA-1,1.00,cash\n");
    assert!(books.fails(&["import", "payments", &malformed]).contains("line 2"));
    let missing = books.file("missing.csv", "account,amount\nA-1,1.00\n");
    assert!(books
        .fails(&["import", "payments", &missing])
        .contains("column account_number: required column is missing"));
    // A row that only fails while applying (paying more than an invoice owes) rolls back the rows before it.
    let late = books.file(
        "late.csv",
        "account_number,amount,method,received_on,apply_to\nA-1,1.00,cash,2026-02-01,\nA-1,1.00,cash,2026-02-01,INV-999999\n",
    );
    let error = books.fails(&["import", "payments", &late]);
    assert!(error.contains("line 3") && error.contains("INV-999999"), "{error}");
    assert_eq!(books.snapshot(), before, "a refused import changed the books");

    let good = books.file(
        "invoices.csv",
        "account_number,issue_date,invoice_ref,item_code,description,quantity,unit_price,tax_rate\nA-1,2026-02-01,X1,SVC,Work,1,100.00,0\nA-1,2026-02-01,X1,PART,Part,2,5.50,8.25\nA-1,2026-02-02,,SVC,Other,1,20.00,\n",
    );
    let imported = books.ok(&["import", "invoices", &good]);
    assert!(imported.contains("2 invoices"), "{imported}");
    assert!(books.ok(&["invoice", "show", "INV-000002"]).contains("total 111.91"));
    assert!(books.ok(&["verify"]).contains("OK"));
}

#[test]
fn imports_you_cannot_get_wrong_quietly() {
    let books = Books::new();
    books.ok(&["account", "add", "B-1", "--name", "Bo Lee", "--opened", "2026-01-01"]);
    let before = books.snapshot();
    // A typo in a column is refused, naming the column Settle reads.
    let typo = books.file(
        "typo.csv",
        "account_number,amount,method,received_on,apply_too\nA-1,10.00,check,2026-02-01,INV-000001\n",
    );
    let error = books.fails(&["import", "payments", &typo]);
    assert!(
        error.contains("line 1, column apply_too: not a column Settle reads; did you mean apply_to?"),
        "{error}"
    );
    let twice = books.file("twice.csv", "account_number,amount,amount,method,received_on\nA-1,1.00,2.00,cash,2026-02-01\n");
    assert!(books.fails(&["import", "payments", &twice]).contains("column amount: appears twice"));
    // Rows of one invoice that disagree are refused, not merged.
    let conflicting = books.file(
        "conflict.csv",
        "account_number,issue_date,invoice_ref,item_code,description,quantity,unit_price,terms\nA-1,2026-02-01,X1,SVC,Work,1,100.00,net30\nA-1,2026-02-03,X1,PART,Part,1,5.00,net15\nB-1,2026-02-01,X1,SVC,Work,1,1.00,net30\n",
    );
    let error = books.fails(&["import", "invoices", &conflicting]);
    assert!(
        error.contains("line 3, column issue_date: \"2026-02-03\" differs from \"2026-02-01\" on line 2"),
        "{error}"
    );
    assert!(error.contains("line 3, column terms"), "{error}");
    assert!(
        error.contains("line 4, column invoice_ref: \"X1\" is account A-1's invoice (line 2)"),
        "{error}"
    );
    assert_eq!(books.snapshot(), before, "a refused import changed the books");

    // The same file is refused the second time, unless forced.
    let payments = books.file("payments.csv", "account_number,amount,method,received_on\nB-1,7.00,cash,2026-02-01\n");
    assert!(books.ok(&["import", "payments", &payments]).contains("Imported 1 payments"));
    let once = books.snapshot();
    let error = books.fails(&["import", "payments", &payments]);
    assert!(error.contains("were imported on") && error.contains("--force"), "{error}");
    assert_eq!(books.snapshot(), once, "a refused second import changed the books");
    assert!(books.ok(&["import", "payments", &payments, "--force"]).contains("Imported 1 payments"));
    // Under an idempotency key, a retry replays and posts nothing.
    let more = books.file("more.csv", "account_number,amount,method,received_on\nB-1,3.00,cash,2026-02-02\n");
    assert!(books
        .ok(&["import", "payments", &more, "--idempotency-key", "batch-7"])
        .contains("Imported 1 payments"));
    let after = books.snapshot();
    assert!(books
        .ok(&["import", "payments", &more, "--idempotency-key", "batch-7"])
        .contains("Already imported"));
    assert_eq!(books.snapshot(), after, "a replayed import changed the books");
    let error = books.fails(&["import", "payments", &payments, "--idempotency-key", "batch-7"]);
    assert!(error.contains("batch-7") && error.contains("different request"), "{error}");

    // Invoice numbers stay gapless after a bulk import.
    let invoices = books.file(
        "invoices.csv",
        "account_number,issue_date,item_code,description,quantity,unit_price\nB-1,2026-02-01,SVC,Work,1,10.00\n",
    );
    books.ok(&["import", "invoices", &invoices]);
    let created = books.ok(&["invoice", "create", "B-1", "--line", "SVC|More|1|5.00", "--date", "2026-02-05"]);
    assert!(created.contains("INV-000003"), "the next number after INV-000002: {created}");
    assert!(books.ok(&["verify"]).contains("OK"));
}

#[test]
fn demo_builds_verified_books() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::cargo_bin("settle")
        .unwrap()
        .arg("--data-dir")
        .arg(dir.path())
        .args(["demo", "--accounts", "60", "--as-of", "2026-11-23"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    assert_eq!(out.matches(", 0 disagreements").count(), 2, "{out}");
    assert!(out.contains("Riverside Family Medicine") && out.contains("Harbor Office Supply"));
    for format in ["ledger", "beancount", "csv"] {
        Command::cargo_bin("settle")
            .unwrap()
            .arg("--data-dir")
            .arg(dir.path())
            .args(["--org", "clinic", "export", "journal", "--format", format])
            .assert()
            .success();
    }
    // Every contact the demo made replays clean against the gate.
    for org in ["clinic", "supply"] {
        let out = Command::cargo_bin("settle")
            .unwrap()
            .arg("--data-dir")
            .arg(dir.path())
            .args(["--org", org, "collections", "verify"])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let out = String::from_utf8(out).unwrap();
        assert!(out.contains(" 0 refused, 0 logged as violations"), "{org}: {out}");
        assert!(!out.starts_with("0 outbound"), "{org}: the demo made contacts: {out}");
    }
}

#[test]
fn users_tokens_and_a_tampered_audit_trail() {
    let books = Books::new();
    let added = books.ok(&["user", "add", "alice", "--role", "billing-specialist", "--name", "Alice Smith"]);
    assert!(
        added.contains("One-time password: ") && added.contains("choose their own password at first login"),
        "{added}"
    );
    assert!(books.fails(&["user", "add", "bob", "--role", "janitor"]).contains("not a role"));
    let short = books.cmd(&["user", "add", "bob", "--role", "auditor", "--password-env", "BOB_PW"]).failure();
    assert!(String::from_utf8_lossy(&short.get_output().stderr).contains("BOB_PW is not set"));
    assert!(books.ok(&["user", "list"]).contains("billing_specialist"));
    let reset = books
        .cmd(&["user", "password", "alice", "--password-env", "ALICE_PW"])
        .failure()
        .get_output()
        .stderr
        .clone();
    assert!(String::from_utf8_lossy(&reset).contains("ALICE_PW is not set"));
    let set = Command::cargo_bin("settle")
        .unwrap()
        .env("ALICE_PW", "a new password for alice")
        .arg("--data-dir")
        .arg(books.dir.path())
        .args(["user", "password", "alice", "--password-env", "ALICE_PW"])
        .assert()
        .success();
    assert!(String::from_utf8_lossy(&set.get_output().stdout).contains("Set a one-time password for alice"));
    let kept = Command::cargo_bin("settle")
        .unwrap()
        .env("CARL_PW", "carl's own long password")
        .arg("--data-dir")
        .arg(books.dir.path())
        .args(["user", "add", "carl", "--role", "admin", "--password-env", "CARL_PW", "--keep"])
        .assert()
        .success();
    assert!(!String::from_utf8_lossy(&kept.get_output().stdout).contains("choose their own"));
    books.ok(&["user", "disable", "alice"]);
    assert!(books.ok(&["user", "list"]).contains("disabled"));
    let token = books.ok(&["token", "create", "bank sync", "--role", "collections_specialist"]);
    assert!(token.lines().last().unwrap().starts_with("stl_"), "{token}");
    books.ok(&["token", "revoke", "1"]);
    assert!(books.fails(&["token", "revoke", "1"]).contains("not found"));

    let verified = books.ok(&["audit", "verify"]);
    assert!(verified.contains("OK"), "{verified}");
    let exported = books.ok(&["audit", "export"]);
    let rows: Vec<serde_json::Value> = exported.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(rows.iter().any(|r| r["action"] == "invoice.create"), "{exported}");
    assert!(rows.iter().any(|r| r["action"] == "user.disable"), "{exported}");
    // Found by who, what and record: a table, or CSV of every match.
    let listed = books.ok(&["audit", "list", "--action", "user", "--record", "ALICE"]);
    assert!(
        listed.contains("user.add") && listed.contains("user.disable") && !listed.contains("token.create"),
        "{listed}"
    );
    assert!(listed.contains("of 2 matching row(s)"), "{listed}");
    let csv = books.ok(&["audit", "list", "--action", "token", "--csv"]);
    assert_eq!(csv.lines().count(), 3, "a header and two token rows: {csv}");
    assert!(csv.lines().next().unwrap().starts_with("row,at_utc,actor"), "{csv}");
    assert!(books
        .fails(&["audit", "list", "--from", "2026-12-05", "--to", "2026-12-01"])
        .contains("before the from day"));

    // Someone with the database file edits one row and deletes another.
    let db = books.dir.path().join("settle.db");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        use sqlx::Connection;
        let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display())).await.unwrap();
        for sql in [
            "DROP TRIGGER audit_log_no_update",
            "DROP TRIGGER audit_log_no_delete",
            "UPDATE audit_log SET actor = 'cli:someone-else' WHERE seq = 3",
            "DELETE FROM audit_log WHERE seq = 5",
        ] {
            sqlx::query(sql).execute(&mut conn).await.unwrap();
        }
    });
    let output = books.cmd(&["audit", "verify"]).failure().get_output().stdout.clone();
    let report = String::from_utf8(output).unwrap();
    assert!(report.contains("TAMPERED row 3: row 3 was changed"), "{report}");
    assert!(report.contains("TAMPERED row 5: row 5 is missing (deleted)"), "{report}");
}

/// `settle serve` over HTTPS: the first start makes an admin, the admin logs
/// in, and SIGTERM stops the server cleanly.
#[test]
fn serve_over_tls_and_stop_gracefully() {
    let books = Books::new();
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let cert_path = books.file("cert.pem", &cert.cert.pem());
    let key_path = books.file("key.pem", &cert.key_pair.serialize_pem());
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    };
    let mut server = std::process::Command::new(assert_cmd::cargo::cargo_bin("settle"))
        .env_remove("SETTLE_DATABASE_URL")
        .env("SETTLE_ADMIN_PASSWORD", "a fine admin password")
        .arg("--data-dir")
        .arg(books.dir.path())
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--tls-cert",
            &cert_path,
            "--tls-key",
            &key_path,
        ])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let me = runtime.block_on(async {
        let client = reqwest::Client::builder().danger_accept_invalid_certs(true).build().unwrap();
        let base = format!("https://localhost:{port}");
        let mut ready = false;
        for _ in 0..100 {
            if client.get(format!("{base}/healthz")).send().await.is_ok_and(|r| r.status().is_success()) {
                ready = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert!(ready, "settle serve did not answer over HTTPS");
        let login = client
            .post(format!("{base}/api/v1/auth/login"))
            .json(&serde_json::json!({ "username": "admin@shop", "password": "a fine admin password" }))
            .send()
            .await
            .unwrap();
        assert!(login.status().is_success(), "{}", login.status());
        let cookie = login.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
        let me: serde_json::Value = client
            .get(format!("{base}/api/v1/auth/me"))
            .header("cookie", cookie)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        me
    });
    assert_eq!(me["role"], "admin");
    assert_eq!(me["organisation"]["slug"], "shop");
    std::process::Command::new("kill").args(["-TERM", &server.id().to_string()]).status().unwrap();
    let output = server.wait_with_output_stderr();
    assert!(output.0.success(), "exit {:?}: {}", output.0, output.1);
    assert!(output.1.contains("created admin \"admin@shop\""), "{}", output.1);
    assert!(output.1.contains("stopped after finishing requests in flight"), "{}", output.1);
}

trait WaitStderr {
    fn wait_with_output_stderr(&mut self) -> (std::process::ExitStatus, String);
}

impl WaitStderr for std::process::Child {
    fn wait_with_output_stderr(&mut self) -> (std::process::ExitStatus, String) {
        use std::io::Read;
        let mut text = String::new();
        if let Some(mut stderr) = self.stderr.take() {
            let _ = stderr.read_to_string(&mut text);
        }
        (self.wait().unwrap(), text)
    }
}

#[test]
fn x12_check_names_envelope_problems() {
    let books = Books::new();
    // LinuxForHealth/x12 (Apache-2.0), see testdata/SOURCES.md.
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/x12/linuxforhealth/demo.example1.837");
    let out = books.ok(&["x12", "check", sample]);
    assert!(out.contains("837 0021: 40 segments"), "{out}");
    assert!(out.contains("OK: the envelopes hold together and every set"), "{out}");
    let broken = books.file(
        "broken.837",
        "ISA*00*          *00*          *ZZ*SUBMITTER      *ZZ*RECEIVER       *261124*1200*^*00501*000000101*0*T*:~\
         GS*HC*SUB*REC*20261124*1200*7*X*005010X222A1~ST*837*0001*005010X222A1~BHT*0019*00*1*20261124*1200*CH~SE*9*0001~GE*1*7~IEA*1*000000101~",
    );
    let output = books.cmd(&["x12", "check", &broken]).failure().get_output().stdout.clone();
    let out = String::from_utf8(output).unwrap();
    assert!(out.contains("ERROR"), "{out}");
    assert!(out.contains("segment 5 (SE), element SE01: says 9 segments but there are 3"), "{out}");
}

#[test]
fn icd10_lookup_and_search() {
    let books = Books::new();
    assert!(books
        .ok(&["codes", "icd10", "show", "e11.9"])
        .contains("E11.9  Type 2 diabetes mellitus without complications  (billable)"));
    let category = books.cmd(&["codes", "icd10", "show", "E11"]).failure().get_output().stdout.clone();
    assert!(String::from_utf8_lossy(&category).contains("is a category, not a billable code"));
    let found = books.ok(&["codes", "icd10", "search", "asthma", "--limit", "5"]);
    assert_eq!(found.lines().count(), 5, "{found}");
    assert!(found.to_lowercase().contains("asthma"), "{found}");
    assert!(books.fails(&["codes", "icd10", "show", "not-a-code"]).contains("is not an ICD-10-CM code"));
}

#[test]
fn payers_providers_and_coverages_from_the_command_line() {
    let books = Books::new();
    books.ok(&[
        "payer",
        "add",
        "66783JJT",
        "--name",
        "Key Insurance Company",
        "--filing",
        "CI",
        "--timely-days",
        "90",
    ]);
    assert!(books
        .fails(&["payer", "add", "X1", "--name", "Bad", "--filing", "ZZ"])
        .contains("filing_indicator: \"ZZ\" is not one of MB, MC, HM, CI, BL"));
    books.ok(&[
        "provider",
        "add",
        "1912301953",
        "--name",
        "Ben Kildare Service",
        "--kind",
        "organisation",
        "--tax-id",
        "587654321",
    ]);
    assert!(books
        .fails(&["provider", "add", "1234567890", "--name", "Made Up"])
        .contains("npi: NPI \"1234567890\" fails its check digit"));
    books.ok(&["coverage", "add", "A-1", "--payer", "66783JJT", "--member-id", "JS001", "--from", "2026-01-01"]);
    let listed = books.ok(&["coverage", "list", "A-1"]);
    assert!(
        listed.contains("primary") && listed.contains("66783JJT") && listed.contains("JS001"),
        "{listed}"
    );
    assert!(books.ok(&["payer", "list"]).contains("Key Insurance Company"));
    assert!(books.ok(&["provider", "list"]).contains("1912301953"));
}

#[test]
fn fee_schedules_import_all_or_nothing() {
    let books = Books::new();
    let good = books.file(
        "fees.csv",
        "procedure_code,modifier,amount,effective_from\n99213,,125.00,2026-01-01\n73030,RT,80.00,2026-01-01\n",
    );
    assert!(books
        .ok(&["fees", "import", &good])
        .contains("Imported 2 prices into the charge-master fee schedule"));
    let bad = books.file(
        "bad.csv",
        "procedure_code,modifier,amount,effective_from\n99214,,180.00,2026-01-01\n9921,,1.00,2026-01-01\n99215,X,-5,2026-02-30\n99214,,181.00,2026-01-01\n",
    );
    let errors = books.fails(&["fees", "import", &bad]);
    assert!(errors.contains("line 3, column procedure_code"), "{errors}");
    assert!(errors.contains("line 4, column modifier"), "{errors}");
    assert!(errors.contains("line 4, column amount"), "{errors}");
    assert!(errors.contains("line 4, column effective_from"), "{errors}");
    assert!(
        errors.contains("line 5, column procedure_code: 99214  from 2026-01-01 is already priced on line 2"),
        "{errors}"
    );
    assert!(errors.contains("nothing was imported"), "{errors}");
    let listed = books.ok(&["fees", "list"]);
    assert!(listed.contains("99213") && !listed.contains("99214"), "{listed}");
    assert!(books
        .fails(&["fees", "import", &good, "--payer", "NOPE"])
        .contains("payer \"NOPE\" not found; nothing was imported"));
}

#[test]
fn a_claim_is_scrubbed_against_payer_coverage_provider_and_codes() {
    let books = Books::new();
    books.ok(&[
        "account",
        "add",
        "P-1",
        "--name",
        "Jan Smith",
        "--date-of-birth",
        "1970-04-02",
        "--address",
        "236 N Main St, Miami, FL 33413",
        "--ar",
        "patient",
        "--opened",
        "2026-01-01",
    ]);
    books.ok(&[
        "payer",
        "add",
        "66783JJT",
        "--name",
        "Key Insurance Company",
        "--filing",
        "CI",
        "--timely-days",
        "90",
    ]);
    books.ok(&[
        "provider",
        "add",
        "1912301953",
        "--name",
        "Ben Kildare Service",
        "--kind",
        "organisation",
        "--tax-id",
        "587654321",
        "--address",
        "234 Seaway St, Miami, FL 33111-0000",
    ]);
    books.ok(&[
        "coverage",
        "add",
        "P-1",
        "--payer",
        "66783JJT",
        "--member-id",
        "JS00111223333",
        "--from",
        "2026-01-01",
    ]);
    let good = books.file(
        "visit.json",
        r#"{"account_number": "P-1", "payer_code": "66783JJT", "billing_npi": "1912301953", "place_of_service": "11",
            "diagnoses": ["E11.9", "I10"],
            "lines": [{"date_of_service": "2026-11-02", "procedure_code": "99213", "diagnosis_pointers": [1, 2], "units": 1, "charge": "125.00"}]}"#,
    );
    let out = books.ok(&["claim", "scrub", &good, "--as-of", "2026-11-24"]);
    assert!(out.contains("ready to send; no findings"), "{out}");
    let bad = books.file(
        "bad-visit.json",
        r#"{"account_number": "P-1", "payer_code": "66783JJT", "billing_npi": "1912301953", "place_of_service": "11",
            "diagnoses": ["E11", "I10"],
            "lines": [{"date_of_service": "2026-07-02", "procedure_code": "99213", "modifiers": ["LT", "RT"], "diagnosis_pointers": [3], "units": 0, "charge": "125.00"}]}"#,
    );
    let output = books
        .cmd(&["claim", "scrub", &bad, "--as-of", "2026-11-24"])
        .failure()
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(output).unwrap();
    for expected in [
        "ERROR diagnoses[0] (HI): E11 (Type 2 diabetes mellitus) is a category, not a billable code",
        "ERROR lines[0].diagnosis_pointers (SV107): pointer 3 names no diagnosis on this claim",
        "ERROR lines[0].units (SV104)",
        "ERROR lines[0].modifiers (SV101)",
        "past the payer's 90-day timely filing limit",
        "not ready",
    ] {
        assert!(out.contains(expected), "{expected} not in {out}");
    }
    let unknown = books.file(
        "unknown.json",
        r#"{"account_number": "P-1", "payer_code": "NOPE", "billing_npi": "1912301953", "place_of_service": "11", "diagnoses": ["I10"],
            "lines": [{"date_of_service": "2026-11-02", "procedure_code": "99213", "diagnosis_pointers": [1], "charge": "125.00"}]}"#,
    );
    let output = books.cmd(&["claim", "scrub", &unknown]).failure().get_output().stderr.clone();
    assert!(
        String::from_utf8_lossy(&output).contains("payer_code: no payer NOPE"),
        "{}",
        String::from_utf8_lossy(&output)
    );
}

/// Two processes opening a new database at once (two `settle serve` or
/// `settle init` started together) both succeed: the loser of the race to
/// migrate retries, and the first admin is made once.
#[test]
fn two_first_starts_on_a_new_database_both_succeed() {
    let dir = tempfile::tempdir().unwrap();
    let start = |slug: &str| {
        std::process::Command::new(assert_cmd::cargo::cargo_bin("settle"))
            .env_remove("SETTLE_DATABASE_URL")
            .arg("--data-dir")
            .arg(dir.path())
            .args(["init", "--slug", slug, "--name", slug])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (start("north"), start("south"));
    for child in [a, b] {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let verify = Command::cargo_bin("settle")
        .unwrap()
        .env_remove("SETTLE_DATABASE_URL")
        .arg("--data-dir")
        .arg(dir.path())
        .args(["--org", "north", "audit", "verify"])
        .assert()
        .success();
    assert!(String::from_utf8_lossy(&verify.get_output().stdout).contains("OK"));
}

#[test]
fn output_piped_into_a_reader_that_stops_ends_quietly() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    Command::cargo_bin("settle")
        .unwrap()
        .arg("--data-dir")
        .arg(dir.path())
        .args(["demo", "--accounts", "30", "--as-of", "2026-11-23"])
        .assert()
        .success();
    // As `settle audit export | head -1`: megabytes of output, far past
    // the pipe's buffer; the reader takes one line and goes.
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("settle"))
        .env_remove("SETTLE_DATABASE_URL")
        .arg("--data-dir")
        .arg(dir.path())
        .args(["--org", "clinic", "audit", "export"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    reader.read_line(&mut first).unwrap();
    drop(reader);
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!first.is_empty());
    assert!(stderr.trim().is_empty(), "a closed pipe is neither a crash nor an error: {stderr}");
}

#[test]
fn small_balances_are_listed_then_written_off_together() {
    let books = Books::new();
    // INV-000001 owes 330.00; 327.50 paid leaves 2.50.
    books.ok(&[
        "payment",
        "post",
        "A-1",
        "327.50",
        "--method",
        "check",
        "--reference",
        "1002",
        "--date",
        "2026-01-20",
    ]);
    let listed = books.ok(&["write-off", "small", "--under", "5.00", "--dry-run"]);
    assert!(
        listed.contains("INV-000001") && listed.contains("2.50") && listed.contains("nothing written off"),
        "{listed}"
    );
    let done = books.ok(&["write-off", "small", "--under", "5.00", "--memo", "month-end"]);
    assert!(done.contains("Wrote off 1 item(s); 0 held"), "{done}");
    let none = books.ok(&["write-off", "small", "--under", "5.00"]);
    assert!(none.contains("0 item(s)"), "{none}");
    assert!(books.fails(&["write-off", "small", "--under", "0"]).contains("more than zero"));
    assert!(books.ok(&["verify"]).contains("OK"));
}
