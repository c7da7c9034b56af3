//! The NACHA reader on moov-io's public samples (testdata/ach, from
//! moov-io/ach, Apache-2.0) and on those samples broken one field at a time.

use super::nacha::{read, Addenda};

fn sample(name: &str) -> String {
    let path = format!("{}/../../testdata/ach/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn every_valid_public_sample_reads_with_its_totals() {
    for (name, sec, entries, debits, credits) in [
        ("ppd-debit.ach", "PPD", 1, 200_000_000, 0),
        ("ppd-credit.ach", "PPD", 1, 0, 100_000_000),
        ("ccd-debit.ach", "CCD", 2, 0, 0),
        ("tel-debit.ach", "TEL", 1, 0, 0),
        ("web-debit.ach", "WEB", 0, 0, 0),
        ("web-credit.ach", "WEB", 1, 0, 0),
        ("return-WEB.ach", "WEB", 2, 12_354, 4_565),
        ("cor-example.ach", "COR", 1, 0, 0),
    ] {
        let file = read(&sample(name)).unwrap_or_else(|p| panic!("{name}: {}", p.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")));
        assert_eq!(file.batches[0].sec, sec, "{name}");
        let all: Vec<_> = file.batches.iter().flat_map(|b| &b.entries).collect();
        if entries > 0 {
            assert_eq!(all.len(), entries, "{name}");
        }
        if debits + credits > 0 {
            let d: i64 = all.iter().filter(|e| e.is_debit()).map(|e| e.amount_minor).sum();
            let c: i64 = all.iter().filter(|e| !e.is_debit()).map(|e| e.amount_minor).sum();
            assert_eq!((d, c), (debits, credits), "{name}");
        }
    }
}

#[test]
fn a_return_file_says_which_entry_came_back_and_why() {
    let file = read(&sample("return-WEB.ach")).expect("reads");
    let entries: Vec<_> = file.batches.iter().flat_map(|b| &b.entries).collect();
    let first = entries[0];
    assert_eq!((first.transaction_code, first.name.as_str(), first.amount_minor), (26, "Paul Jones", 12_354));
    assert_eq!(first.routing.as_str(), "091400606");
    match &first.addenda[..] {
        [Addenda::Return { code, original_trace, .. }] => {
            assert_eq!((code.as_str(), original_trace.as_str()), ("R01", "091400600000001"));
        }
        other => panic!("{other:?}"),
    }
    match &entries[1].addenda[..] {
        [Addenda::Return { code, .. }] => assert_eq!(code, "R03"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_notification_of_change_carries_the_corrected_data() {
    let file = read(&sample("cor-example.ach")).expect("reads");
    let entry = &file.batches[0].entries[0];
    match &entry.addenda[..] {
        [Addenda::Change {
            code,
            corrected_data,
            original_trace,
            ..
        }] => {
            assert_eq!(code, "C01");
            assert_eq!(corrected_data, "1918171614");
            assert_eq!(original_trace, "121042880000001");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_invalid_public_samples_are_refused_naming_line_and_field() {
    let problems = read(&sample("20110729A-invalid.ach")).unwrap_err();
    assert!(
        problems.iter().any(|p| p.field == "record" && p.message.contains("93 characters")),
        "{problems:?}"
    );
    let problems = read(&sample("adv-noFileControl.ach")).unwrap_err();
    let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert!(text.iter().any(|p| p.starts_with("line 2, standard entry class: ADV")), "{text:?}");
}

/// `ppd-debit.ach` with the record at `line` (from 1) changed at positions
/// `from..=to` (from 1) to `with`.
fn broken(line: usize, from: usize, with: &str) -> String {
    let text = sample("ppd-debit.ach");
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines[line - 1].replace_range(from - 1..from - 1 + with.len(), with);
    lines.join("\n")
}

#[test]
fn each_broken_field_is_named_and_nothing_is_read() {
    for (text, line, field) in [
        // An amount changed: the batch and file totals no longer agree.
        (broken(3, 30, "0200000001"), 4, "total debit amount"),
        // A routing number mistyped: its check digit catches it.
        (broken(3, 4, "23138011"), 3, "receiving bank routing number"),
        // The entry hash altered.
        (broken(4, 11, "0023138011"), 4, "entry hash"),
        // An entry's count off.
        (broken(5, 14, "00000002"), 5, "entry and addenda count"),
        // Letters in an amount.
        (broken(3, 30, "02000000O0"), 3, "amount"),
        // An addenda promised and missing.
        (broken(3, 79, "1"), 3, "addenda record indicator"),
        // A batch control's batch number not its header's.
        (broken(4, 88, "0000002"), 4, "originating bank and batch number"),
        // A bad creation date.
        (broken(1, 24, "191316"), 1, "file creation date"),
        // The block count.
        (broken(5, 8, "000002"), 5, "block count"),
        // Padding that is not padding.
        (broken(7, 1, "1"), 7, "record"),
    ] {
        let problems = read(&text).unwrap_err();
        assert!(
            problems.iter().any(|p| p.line == line && p.field == field),
            "expected line {line}, {field}; got {problems:?}"
        );
    }
}

#[test]
fn a_file_without_its_control_or_a_batch_without_its_control_is_refused() {
    let text = sample("ppd-debit.ach");
    let lines: Vec<&str> = text.lines().collect();
    let no_file_control = lines[..4].join("\n");
    let problems = read(&no_file_control).unwrap_err();
    assert!(problems.iter().any(|p| p.field == "file control"), "{problems:?}");
    let no_batch_control: Vec<&str> = lines.iter().enumerate().filter(|(i, _)| *i != 3).map(|(_, l)| *l).collect();
    let problems = read(&no_batch_control.join("\n")).unwrap_err();
    assert!(problems.iter().any(|p| p.field == "batch control"), "{problems:?}");
    assert!(read("").is_err());
}

#[test]
fn records_sent_as_one_unbroken_stream_read_the_same() {
    let text = sample("ppd-debit.ach");
    let stream: String = text.lines().collect();
    assert_eq!(read(&stream), read(&text));
    assert!(read(&text).is_ok());
    let crlf = text.replace('\n', "\r\n");
    assert_eq!(read(&crlf), read(&text));
}

mod written {
    use super::super::nacha::read;
    use super::super::nacha_write::{write, AccountKind, Direction, Originator, OutEntry};
    use crate::ach::RoutingNumber;

    fn originator() -> Originator {
        Originator {
            odfi: RoutingNumber::parse("091000019").unwrap(),
            odfi_name: "First Bank & Trust".into(),
            company_id: "1234567890".into(),
            company_name: "Riverside Family Medicine".into(),
        }
    }

    fn entry(sec: &str, direction: Direction, amount_minor: i64, name: &str) -> OutEntry {
        OutEntry {
            sec: sec.into(),
            description: "PAYMENT".into(),
            effective_on: "2026-12-09".parse().unwrap(),
            direction,
            account_kind: AccountKind::Checking,
            routing: RoutingNumber::parse("231380104").unwrap(),
            account: "744-5678-99".into(),
            amount_minor,
            individual_id: "A-000123".into(),
            name: name.into(),
            trace: 1,
        }
    }

    fn sample_entries() -> Vec<OutEntry> {
        let mut savings = entry("PPD", Direction::Debit, 4_500, "Zoë Ng");
        savings.account_kind = AccountKind::Savings;
        let mut retry = entry("PPD", Direction::Debit, 12_354, "Paul Jones");
        retry.description = "RETRY PYMT".into();
        let mut entries = vec![
            entry("PPD", Direction::Debit, 25_000, "José Núñez-O'Brien de la Cruz Villanueva"),
            savings,
            entry("WEB", Direction::Debit, 9_999_999_999, "Marie-Thérèse Côté"),
            entry("WEB", Direction::PrenoteDebit, 0, "Li Wei"),
            retry,
            entry("CCD", Direction::Credit, 100, "Acme Supply Co."),
        ];
        for (i, e) in entries.iter_mut().enumerate() {
            e.trace = 100 + i as u32;
        }
        entries
    }

    #[test]
    fn what_settle_writes_it_reads_back_to_the_cent() {
        let entries = sample_entries();
        let text = write(&originator(), ("2026-12-07".parse().unwrap(), 1630), 'A', &entries).expect("writes");
        assert_eq!(text.lines().count() % 10, 0, "padded to a block");
        let file = read(&text).unwrap_or_else(|p| panic!("{p:?}\n{text}"));
        assert_eq!(file.origin, "1234567890");
        assert_eq!(file.destination, " 091000019");
        let batches: Vec<(&str, &str, usize, u16)> = file
            .batches
            .iter()
            .map(|b| (b.sec.as_str(), b.description.as_str(), b.entries.len(), b.service_class))
            .collect();
        assert_eq!(
            batches,
            [
                ("PPD", "PAYMENT", 2, 225),
                ("WEB", "PAYMENT", 2, 225),
                ("PPD", "RETRY PYMT", 1, 225),
                ("CCD", "PAYMENT", 1, 220)
            ]
        );
        let read_back: Vec<(u8, i64, &str)> = file
            .batches
            .iter()
            .flat_map(|b| &b.entries)
            .map(|e| (e.transaction_code, e.amount_minor, e.name.as_str()))
            .collect();
        assert_eq!(
            read_back,
            [
                (27, 25_000, "JOSE NUNEZ-O'BRIEN DE L"[..22].trim_end()),
                (37, 4_500, "ZOE NG"),
                (27, 9_999_999_999, "MARIE-THERESE COTE"),
                (28, 0, "LI WEI"),
                (27, 12_354, "PAUL JONES"),
                (22, 100, "ACME SUPPLY CO."),
            ]
        );
        let traces: Vec<&str> = file.batches.iter().flat_map(|b| &b.entries).map(|e| e.trace.as_str()).collect();
        assert_eq!(
            traces,
            [
                "091000010000100",
                "091000010000101",
                "091000010000102",
                "091000010000103",
                "091000010000104",
                "091000010000105"
            ],
            "the trace numbers given, after the ODFI's first eight digits"
        );
    }

    #[test]
    fn what_cannot_be_sent_is_refused_naming_the_entry_and_field() {
        let at = ("2026-12-07".parse().unwrap(), 1630);
        for (change, expected) in [
            (entry("PPD", Direction::Debit, 0, "A"), "entry 1: amount"),
            (entry("PPD", Direction::Debit, 10_000_000_000, "A"), "entry 1: amount"),
            (entry("PPD", Direction::PrenoteDebit, 5, "A"), "entry 1: amount"),
            (entry("ARC", Direction::Debit, 5, "A"), "entry 1: standard entry class"),
            (entry("PPD", Direction::Debit, 5, "  "), "entry 1: name"),
            (
                OutEntry {
                    trace: 0,
                    ..entry("PPD", Direction::Debit, 5, "A")
                },
                "entry 1: trace",
            ),
            (
                OutEntry {
                    trace: 10_000_000,
                    ..entry("PPD", Direction::Debit, 5, "A")
                },
                "entry 1: trace",
            ),
        ] {
            let error = write(&originator(), at, 'A', &[change]).unwrap_err();
            assert!(error.starts_with(expected), "{error}");
        }
        let twice = [entry("PPD", Direction::Debit, 5, "A"), entry("PPD", Direction::Debit, 6, "B")];
        assert!(write(&originator(), at, 'A', &twice).unwrap_err().starts_with("entry 2: trace"));
        assert!(write(&originator(), at, 'a', &[]).unwrap_err().starts_with("file ID modifier"));
        assert!(write(&originator(), ("2026-12-07".parse().unwrap(), 2460), 'A', &[])
            .unwrap_err()
            .starts_with("creation time"));
    }

    /// An independent reader agrees: achkit (PyPI), when installed; CI
    /// installs it and sets SETTLE_REQUIRE_ACHKIT.
    #[test]
    fn achkit_accepts_what_settle_writes() {
        let text = write(&originator(), ("2026-12-07".parse().unwrap(), 1630), 'A', &sample_entries()).expect("writes");
        let dir = std::env::temp_dir().join(format!("settle-achkit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("out.ach");
        std::fs::write(&path, &text).unwrap();
        let script = "import sys, json, achkit\nr = achkit.validate(open(sys.argv[1]).read())\nprint(json.dumps(r))\nsys.exit(0 if r['ok'] else 1)";
        let run = std::process::Command::new("python3").arg("-c").arg(script).arg(&path).output();
        let available = run
            .as_ref()
            .is_ok_and(|o| !String::from_utf8_lossy(&o.stderr).contains("No module named 'achkit'"));
        if !available {
            assert!(std::env::var("SETTLE_REQUIRE_ACHKIT").is_err(), "achkit (PyPI) is required");
            eprintln!("skipped: achkit not installed (pip install achkit)");
            return;
        }
        let out = run.unwrap();
        assert!(
            out.status.success(),
            "achkit refused the file: {}{}\n{text}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn any_one_character_changed_anywhere_reads_or_is_refused_never_panics() {
    for name in ["ppd-debit.ach", "return-WEB.ach", "cor-example.ach"] {
        let text = sample(name);
        let bytes = text.as_bytes();
        for at in 0..bytes.len() {
            if bytes[at] == b'\n' {
                continue;
            }
            for c in [b'X', b' ', b'9', b'0', b'5', b'8', b'\n'] {
                let mut changed = bytes.to_vec();
                changed[at] = c;
                let changed = String::from_utf8(changed).unwrap();
                if let Ok(file) = read(&changed) {
                    // What reads still adds up: each batch's entries are there.
                    assert!(file.batches.iter().all(|b| !b.entries.is_empty()), "{name} at {at}");
                }
            }
        }
    }
}
