//! The reader on the public sample files, on broken input, and against the
//! writer.

mod mutations;

use proptest::prelude::*;
use settle_x12::*;

/// The public samples in `testdata/x12` (LinuxForHealth/x12, Apache-2.0;
/// imsweb/x12-parser, BSD-3-Clause; see testdata/SOURCES.md).
fn samples() -> Vec<(String, Vec<u8>)> {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/x12");
    let mut files = Vec::new();
    for dir in ["linuxforhealth", "imsweb"] {
        let Ok(entries) = std::fs::read_dir(format!("{root}/{dir}")) else { continue };
        for entry in entries.flatten() {
            files.push((entry.file_name().to_string_lossy().into_owned(), std::fs::read(entry.path()).unwrap()));
        }
    }
    files.sort();
    files
}

#[test]
fn every_public_sample_reads_with_envelopes_that_agree() {
    let files = samples();
    assert!(files.len() >= 45, "{}", files.len());
    let mut transactions = 0;
    for (name, bytes) in &files {
        let parsed = read(bytes);
        let errors: Vec<String> = parsed
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| d.to_string())
            .collect();
        // Defects the published samples really have, each named exactly.
        let expected: &[&str] = match name.as_str() {
            "subscriber-health-benefit-check-error.271" => {
                &["segment 10 (SE), element SE02: control number \"4323\" does not match \"4321\" in ST (segment 3)"]
            }
            "x12_277_x212.txt" => &["segment 111 (IEA), element IEA02: control number \"842928883\" does not match \"000000001\" in ISA (segment 1)"],
            "x12_999_accepted.txt" => &["segment 10 (IEA), element IEA02: control number \"000000001\" does not match \"000000286\" in ISA (segment 1)"],
            _ => &[],
        };
        assert_eq!(errors, expected, "{name}");
        assert_eq!(parsed.interchanges.len(), 1, "{name}");
        let interchange = &parsed.interchanges[0];
        assert!(interchange.iea.is_some(), "{name}");
        for group in &interchange.groups {
            assert!(group.version().starts_with("00501"), "{name}: {}", group.version());
            for t in &group.transactions {
                assert!(t.se.is_some(), "{name}");
                transactions += 1;
            }
        }
    }
    assert!(transactions >= 40, "{transactions}");
    // A known claim: the first 837P example's CLM, with its composite.
    let (_, example) = files.iter().find(|(n, _)| n == "demo.example1.837").unwrap();
    let parsed = read(example);
    let clm = parsed.interchanges[0].groups[0].transactions[0]
        .segments
        .iter()
        .find(|s| s.id == "CLM")
        .unwrap();
    assert_eq!(clm.value(1), "26463774");
    assert_eq!(clm.value(2), "100.00");
    assert_eq!((clm.component(5, 1), clm.component(5, 2), clm.component(5, 3)), ("11", "B", "1"));
}

#[test]
fn broken_envelopes_are_named_by_segment_and_element() {
    let good = "ISA*00*          *00*          *ZZ*SUBMITTER      *ZZ*RECEIVER       *261124*1200*^*00501*000000101*0*T*:~\
GS*HC*SUB*REC*20261124*1200*7*X*005010X222A1~ST*837*0001*005010X222A1~BHT*0019*00*1*20261124*1200*CH~SE*3*0001~GE*1*7~IEA*1*000000101~";
    let parsed = read(good.as_bytes());
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);

    let wrong_count = good.replace("SE*3*0001", "SE*4*0001");
    let d = read(wrong_count.as_bytes()).diagnostics;
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0].to_string(), "segment 5 (SE), element SE01: says 4 segments but there are 3");

    let wrong_control = good.replace("GE*1*7", "GE*1*8");
    let d = read(wrong_control.as_bytes()).diagnostics;
    assert_eq!(
        d[0].to_string(),
        "segment 6 (GE), element GE02: control number \"8\" does not match \"7\" in GS (segment 2)"
    );

    let no_se = good.replace("SE*3*0001~", "");
    let d = read(no_se.as_bytes()).diagnostics;
    assert!(d.iter().any(|d| d.segment_number == 3 && d.message.contains("has no SE")), "{d:?}");

    let stray = good.replace("GE*1*7~", "GE*1*7~N3*STRAY~");
    let d = read(stray.as_bytes()).diagnostics;
    assert!(
        d.iter().any(|d| d.segment_id == "N3" && d.message.contains("outside any transaction set")),
        "{d:?}"
    );

    let unterminated = good.trim_end_matches('~');
    let d = read(unterminated.as_bytes()).diagnostics;
    assert!(d.iter().any(|d| d.segment_id == "IEA" && d.message.contains("no terminator")), "{d:?}");

    let bad_id = good.replace("BHT*", "bht*");
    let d = read(bad_id.as_bytes()).diagnostics;
    assert!(d.iter().any(|d| d.segment_number == 4 && d.message.contains("not a segment id")), "{d:?}");

    assert_eq!(read(b"").diagnostics[0].message, "the file is empty");
    assert_eq!(read(b"GS*HC~").diagnostics[0].message, "the file does not start with an ISA segment");
    assert!(read(b"ISA*00*short~").diagnostics[0].message.contains("fewer than 16 elements"));
}

#[test]
fn other_delimiters_are_read_from_the_isa_and_line_breaks_skipped() {
    let text = "ISA|00|          |00|          |ZZ|SUBMITTER      |ZZ|RECEIVER       |261124|1200|}|00501|000000101|0|T|>\n\
GS|HC|SUB|REC|20261124|1200|7|X|005010X222A1\nST|837|0001|005010X222A1\nHI|ABK>J449}ABF>E119\nSE|3|0001\nGE|1|7\nIEA|1|000000101\n";
    let parsed = read(text.as_bytes());
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    assert_eq!(
        parsed.delimiters,
        Delimiters {
            element: b'|',
            component: b'>',
            repetition: b'}',
            segment: b'\n'
        }
    );
    let hi = &parsed.interchanges[0].groups[0].transactions[0].segments[0];
    assert_eq!(hi.element(1).unwrap().repetitions(), vec![vec!["ABK", "J449"], vec!["ABF", "E119"]]);
}

fn envelope() -> Envelope {
    Envelope {
        sender_qualifier: "ZZ".into(),
        sender_id: "SETTLE".into(),
        receiver_qualifier: "ZZ".into(),
        receiver_id: "PAYER".into(),
        date: "261124".into(),
        time: "1200".into(),
        control_number: 42,
        acknowledgment_requested: true,
        production: false,
        delimiters: Delimiters::default(),
        line_breaks: true,
    }
}

fn group(segments: Vec<OutSegment>) -> OutGroup {
    OutGroup {
        functional_id: "HC".into(),
        sender: "SETTLE".into(),
        receiver: "PAYER".into(),
        date: "20261124".into(),
        time: "1200".into(),
        control_number: 9,
        version: "005010X222A1".into(),
        transactions: vec![OutTransaction {
            kind: "837".into(),
            control_number: "0001".into(),
            implementation: "005010X222A1".into(),
            segments,
        }],
    }
}

#[test]
fn the_writer_makes_envelopes_the_reader_accepts_and_refuses_delimiters_in_values() {
    let text = write_interchange(
        &envelope(),
        &[group(vec![
            OutSegment::new("BHT").el("0019").el("00").el("1").el("20261124").el("1200").el("CH"),
            OutSegment::new("CLM").el("A1").el("100").el("").el("").composite(&["11", "B", "1"]).el("Y"),
            OutSegment::new("NM1").el("IL").el("1").el("DOE").el("").el(""),
        ])],
    )
    .unwrap();
    let first = text.lines().next().unwrap();
    assert_eq!(first.len(), 106, "{first}");
    assert!(text.contains("NM1*IL*1*DOE~"), "trailing empties are dropped: {text}");
    assert!(text.contains("SE*5*0001~"), "{text}");
    assert!(text.ends_with("GE*1*9~\nIEA*1*000000042~\n"), "{text}");
    let parsed = read(text.as_bytes());
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);

    let refused = write_interchange(&envelope(), &[group(vec![OutSegment::new("NM1").el("IL").el("O*BRIEN")])]);
    assert_eq!(
        refused.unwrap_err().to_string(),
        "NM102: \"O*BRIEN\" contains a delimiter ('*'); X12 has no escape for it"
    );
    let mut long = envelope();
    long.sender_id = "A SENDER ID THAT IS TOO LONG".into();
    assert!(matches!(write_interchange(&long, &[]), Err(WriteError::TooLong { field: "ISA06", .. })));
    let mut zero = envelope();
    zero.control_number = 0;
    assert!(matches!(write_interchange(&zero, &[]), Err(WriteError::ControlNumber { .. })));
}

fn value() -> impl Strategy<Value = String> {
    "[A-Z0-9 .,/()-]{0,12}"
}

fn segment() -> impl Strategy<Value = OutSegment> {
    (
        "[A-Z][A-Z0-9]{1,2}",
        prop::collection::vec(prop::collection::vec(prop::collection::vec(value(), 1..3), 1..3), 0..8),
    )
        .prop_filter_map("not an envelope segment", |(id, elements)| {
            (!matches!(id.as_str(), "ISA" | "IEA" | "GS" | "GE" | "ST" | "SE")).then_some(OutSegment { id, elements })
        })
}

/// Trims the way the writer does, so values can be compared.
fn normalise(segment: &OutSegment) -> Vec<Vec<Vec<String>>> {
    let mut elements: Vec<Vec<Vec<String>>> = segment
        .elements
        .iter()
        .map(|e| {
            e.iter()
                .map(|r| {
                    let mut r = r.clone();
                    while r.len() > 1 && r.last().is_some_and(String::is_empty) {
                        r.pop();
                    }
                    r
                })
                .collect()
        })
        .collect();
    while elements
        .last()
        .is_some_and(|e| e.iter().all(|r| r.iter().all(String::is_empty)) && e.len() == 1 && e[0].len() == 1)
    {
        elements.pop();
    }
    elements
}

proptest! {
    #[test]
    fn write_then_read_gives_back_the_values(segments in prop::collection::vec(segment(), 0..12)) {
        let text = write_interchange(&envelope(), &[group(segments.clone())]).unwrap();
        let parsed = read(text.as_bytes());
        prop_assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
        let read_back = &parsed.interchanges[0].groups[0].transactions[0].segments;
        prop_assert_eq!(read_back.len(), segments.len());
        for (written, got) in segments.iter().zip(read_back) {
            prop_assert_eq!(&written.id, &got.id);
            let got: Vec<Vec<Vec<String>>> = got
                .elements()
                .map(|e| e.repetitions().into_iter().map(|r| r.into_iter().map(String::from).collect()).collect())
                .collect();
            prop_assert_eq!(normalise(written), got);
        }
    }

    #[test]
    fn reading_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let _ = read(&bytes);
    }

    #[test]
    fn reading_a_damaged_sample_never_panics(cut in 0usize..2000, flip in 0usize..2000, byte in any::<u8>()) {
        let text = b"ISA*00*          *00*          *ZZ*SUBMITTER      *ZZ*RECEIVER       *261124*1200*^*00501*000000101*0*T*:~GS*HC*SUB*REC*20261124*1200*7*X*005010X222A1~ST*837*0001*005010X222A1~HI*ABK:J449^ABF:E119~SE*3*0001~GE*1*7~IEA*1*000000101~";
        let mut damaged = text.to_vec();
        if !damaged.is_empty() {
            let at = flip % damaged.len();
            damaged[at] = byte;
        }
        damaged.truncate(cut.min(damaged.len()).max(1));
        let parsed = read(&damaged);
        for d in &parsed.diagnostics {
            prop_assert!(d.offset <= damaged.len());
        }
    }
}
