//! `settle ach`: a bank's return file read with each code in words and what
//! it asks (moov-io's public samples in testdata/ach, Apache-2.0), a broken
//! file refused naming its line and field, a routing number checked.

use assert_cmd::Command;

fn sample(name: &str) -> String {
    format!("{}/../../testdata/ach/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn settle(args: &[&str]) -> assert_cmd::assert::Assert {
    Command::cargo_bin("settle").unwrap().args(args).assert()
}

#[test]
fn a_return_file_reads_with_each_code_in_words_and_what_it_asks() {
    let out = settle(&["ach", "read", &sample("return-WEB.ach")]).success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(text.contains("R01 insufficient funds -> retry"), "{text}");
    assert!(text.contains("R03 no account or the account cannot be found -> new-details"), "{text}");
    assert!(text.contains("Paul Jones") && text.contains("debit 123.54"), "{text}");

    let out = settle(&["ach", "read", &sample("cor-example.ach"), "--format", "json"]).success();
    let json: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let entry = &json["entries"][0];
    assert_eq!(entry["code"], "C01");
    assert_eq!(entry["handling"], "update");
    assert_eq!(entry["corrected_data"], "1918171614");

    let out = settle(&["ach", "read", &sample("return-WEB.ach"), "--format", "csv"]).success();
    let csv = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert_eq!(csv.lines().count(), 3, "a header and two entries: {csv}");
    assert!(csv.lines().next().unwrap().starts_with("batch,sec,description,trace"));
}

#[test]
fn a_broken_file_is_refused_naming_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(sample("ppd-debit.ach")).unwrap();
    // One digit of the amount changed: the batch's and the file's totals disagree.
    let broken = text.replacen("0200000000", "0200000001", 1);
    let path = dir.path().join("broken.ach");
    std::fs::write(&path, broken).unwrap();
    let out = settle(&["ach", "read", path.to_str().unwrap()]).failure();
    let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(err.contains("refused, nothing read"), "{err}");
    assert!(
        err.contains("line 4, total debit amount: says 200000000; the entries add up to 200000001"),
        "{err}"
    );
    let out = settle(&["ach", "read", &sample("adv-noFileControl.ach")]).failure();
    let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(err.contains("line 2, standard entry class: ADV"), "{err}");
}

#[test]
fn a_routing_number_is_checked_by_its_check_digit() {
    settle(&["ach", "routing", "091000019"]).success();
    let out = settle(&["ach", "routing", "091000018"]).failure();
    let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(err.contains("check digit is 8, the first eight digits need 9"), "{err}");
}

/// The whole cycle from the command line: originator, mandate, debit, the
/// run writing its file, the bank simulator answering, the answer applied
/// (and refused the second time, the books unchanged), rates shown.
#[test]
fn the_ach_cycle_runs_from_the_command_line() {
    let books = crate::Books::new();
    let today = jiff::Zoned::now().date().to_string();
    books.ok(&[
        "ach",
        "originator",
        "add",
        "--name",
        "operating",
        "--odfi",
        "091000019",
        "--odfi-name",
        "First Bank",
        "--company-id",
        "1234567890",
        "--company-name",
        "Corner Shop",
        "--return-fee",
        "15.00",
    ]);
    let refused = books.fails(&[
        "ach",
        "mandate",
        "add",
        "--account",
        "A-1",
        "--holder",
        "Pat Doe",
        "--routing",
        "091000018",
        "--bank-account",
        "9990001",
        "--channel",
        "business",
        "--authorized-on",
        &today,
        "--words",
        "We authorize Corner Shop to debit our account for invoices due.",
    ]);
    assert!(refused.contains("routing") && refused.contains("check digit"), "{refused}");
    let made = books.ok(&[
        "ach",
        "mandate",
        "add",
        "--account",
        "A-1",
        "--holder",
        "Pat Doe",
        "--routing",
        "091000019",
        "--bank-account",
        "9990001",
        "--channel",
        "business",
        "--authorized-on",
        &today,
        "--words",
        "We authorize Corner Shop to debit our account for invoices due.",
    ]);
    assert!(made.contains("CCD") && made.contains("****0001") && made.contains("active"), "{made}");
    books.ok(&["ach", "debit", "--mandate", "1", "--amount", "100.00", "--due", &today]);
    let out = books.dir.path().join("bank");
    let run = books.ok(&["ach", "run", "--date", &today, "--out", out.to_str().unwrap()]);
    assert!(run.contains("1 debits and 0 prenotes sent"), "{run}");
    let sent = std::fs::read_dir(&out).unwrap().next().unwrap().unwrap().path();
    let answer = books.dir.path().join("answer.ach");
    settle(&["bank-sim", sent.to_str().unwrap(), "--out", answer.to_str().unwrap(), "--date", &today]).success();
    let applied = books.ok(&["ach", "returns", answer.to_str().unwrap(), "--date", &today]);
    assert!(
        applied.contains("R01") && applied.contains("fee 15.00") && applied.contains("RETRY PYMT"),
        "{applied}"
    );
    let before = books.snapshot();
    let again = books.fails(&["ach", "returns", answer.to_str().unwrap()]);
    assert!(again.contains("already applied"), "{again}");
    assert_eq!(books.snapshot(), before, "the second time changes nothing");
    let debits = books.ok(&["ach", "debits", "--format", "csv"]);
    assert!(debits.contains(",retry,") && debits.contains(",returned,"), "{debits}");
    let replay = books.ok(&["ach", "verify"]);
    assert!(replay.contains("1 debits and prenotes replayed, 1 returned-payment fees checked"), "{replay}");
    assert!(replay.contains("every rule held"), "{replay}");
    let rates = books.ok(&["ach", "rates", "--date", &today]);
    assert!(rates.contains("overall") && rates.contains("1 of"), "{rates}");
}
