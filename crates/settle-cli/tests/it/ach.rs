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
