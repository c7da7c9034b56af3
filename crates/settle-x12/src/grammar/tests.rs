use super::*;
use crate::Severity;

fn errors(text: &str) -> Vec<String> {
    let parsed = crate::read(text.as_bytes());
    parsed
        .diagnostics
        .iter()
        .chain(&check(&parsed.interchanges, None))
        .filter(|d| d.severity == Severity::Error)
        .map(|d| d.to_string())
        .collect()
}

const ISA: &str = "ISA*00*          *00*          *ZZ*SUBMITTER      *ZZ*RECEIVER       *260101*1200*^*00501*000000001*0*P*:~";

/// A transaction set in an envelope, with SE01 counted.
fn wrap(gs08: &str, set: &str, body: &[&str]) -> String {
    let mut out = format!("{ISA}GS*HC*S*R*20260101*1200*1*X*{gs08}~ST*{set}*0001*{gs08}~");
    for segment in body {
        out.push_str(segment);
        out.push('~');
    }
    out.push_str(&format!("SE*{}*0001~GE*1*1~IEA*1*000000001~", body.len() + 2));
    out
}

fn claim_837(lines: usize) -> Vec<String> {
    let mut body: Vec<String> = [
        "BHT*0019*00*1*20260101*1200*CH",
        "NM1*41*2*CLINIC*****46*123",
        "PER*IC*BILLING*TE*5555555555",
        "NM1*40*2*PAYER*****46*999",
        "HL*1**20*1",
        "NM1*85*2*CLINIC*****XX*1234567893",
        "N3*1 MAIN ST",
        "N4*CITY*NY*10001",
        "REF*EI*123456789",
        "HL*2*1*22*0",
        "SBR*P*18*******CI",
        "NM1*IL*1*DOE*JANE****MI*M1",
        "NM1*PR*2*ACME*****PI*ACME",
        "CLM*C1*100***11:B:1*Y*A*Y*Y",
        "HI*ABK:J069",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for n in 1..=lines {
        body.push(format!("LX*{n}"));
        body.push("SV1*HC:99213*50*UN*1***1".into());
        body.push("DTP*472*D8*20260101".into());
    }
    body
}

fn text_837(body: &[String]) -> String {
    let refs: Vec<&str> = body.iter().map(String::as_str).collect();
    wrap("005010X222A1", "837", &refs)
}

#[test]
fn a_claim_in_its_loops_reads_clean() {
    assert_eq!(errors(&text_837(&claim_837(2))), Vec::<String>::new());
}

#[test]
fn every_segment_is_placed_in_its_loop() {
    let parsed = crate::read(text_837(&claim_837(1)).as_bytes());
    let set = &parsed.interchanges[0].groups[0].transactions[0];
    let walked = walk(&x222a1::GUIDE, set);
    let placed: Vec<String> = set.segments.iter().zip(&walked.loops).map(|(s, l)| format!("{}:{l}", s.id)).collect();
    assert_eq!(
        placed.join(" "),
        "BHT:HEADER NM1:1000A PER:1000A NM1:1000B HL:2000A NM1:2010AA N3:2010AA N4:2010AA REF:2010AA HL:2000B SBR:2000B \
         NM1:2010BA NM1:2010BB CLM:2300 HI:2300 LX:2400 SV1:2400 DTP:2400"
    );
}

#[test]
fn a_claim_segment_renamed_is_refused_by_number() {
    let mut body = claim_837(1);
    let at = body.iter().position(|s| s.starts_with("CLM*")).unwrap();
    body[at] = body[at].replacen("CLM", "CLX", 1);
    let found = errors(&text_837(&body));
    assert!(found.iter().any(|e| e.contains("(CLX)") && e.contains("no place here")), "{found:?}");
}

#[test]
fn a_service_line_without_its_lx_is_refused() {
    let mut body = claim_837(2);
    let second_lx = body.iter().rposition(|s| s.starts_with("LX*")).unwrap();
    body.remove(second_lx);
    let found = errors(&text_837(&body));
    assert!(found.iter().any(|e| e.contains("(SV1)") && e.contains("no place here")), "{found:?}");
}

#[test]
fn an_unknown_segment_in_a_claim_is_refused() {
    let mut body = claim_837(1);
    let at = body.iter().position(|s| s.starts_with("HI*")).unwrap();
    body.insert(at, "ZZZ*1".into());
    let found = errors(&text_837(&body));
    assert!(found.iter().any(|e| e.contains("(ZZZ)") && e.contains("loop 2300")), "{found:?}");
}

#[test]
fn a_claim_without_lines_is_refused() {
    let mut body = claim_837(1);
    body.truncate(body.len() - 3);
    let found = errors(&text_837(&body));
    assert!(found.iter().any(|e| e.contains("loop 2300 ended without its required loop 2400")), "{found:?}");
}

#[test]
fn version_4010_is_refused_by_name() {
    let text = text_837(&claim_837(1)).replace("00501", "00401").replace("005010X222A1", "004010X098A1");
    let found = errors(&text);
    assert!(found.iter().any(|e| e.contains("ISA12") && e.contains("version 4010")), "{found:?}");
    assert!(found.iter().any(|e| e.contains("GS08") && e.contains("version 4010")), "{found:?}");
}

#[test]
fn a_835_of_another_guide_is_refused() {
    let text = wrap("005010X999A1", "835", &["BPR*I*10*C*ACH"]);
    let found = errors(&text);
    assert!(
        found.iter().any(|e| e.contains("Settle reads the 835 Claim Payment/Advice by 005010X221A1")),
        "{found:?}"
    );
}

/// Samples that are not what their envelope says, and why.
pub(crate) const REFUSED: &[(&str, &str)] = &[
    ("demo.cob.2ndary.example4.837", COMPONENT),
    ("demo.example6.837", COMPONENT),
    ("demo.example9.837", COMPONENT),
    ("demo.example11.837", COMPONENT),
    ("demo.example12.837", COMPONENT),
    ("x12_999_accepted.txt", "its IEA02 (000000001) is not its ISA13 (000000286)"),
    ("x12_277_x212.txt", "its IEA02 (842928883) is not its ISA13 (000000001)"),
    ("subscriber-health-benefit-check-error.271", "its SE02 (4323) is not its ST02 (4321)"),
    (
        "demo.cob.example4.837",
        "its 2320 reports AMT*F2, version 4010's patient responsibility, which the 5010 guide dropped (2320 takes AMT*D, A8 and EAF)",
    ),
    (
        "demo.cob.example3.A.837",
        "its 2320 (other subscriber) has no 2330B other payer name (NM1*PR), which the guide requires",
    ),
];

const COMPONENT: &str = "its ISA16 declares ':' as the component separator but its HI writes BK>..., so HI01 is no code";

/// Every public sample Settle reads walks its guide with no error.
#[test]
fn every_sample_walks_its_guide() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/x12");
    let mut walked = 0;
    let mut failed = Vec::new();
    for entry in walkdir(&dir) {
        let bytes = std::fs::read(&entry).unwrap();
        let parsed = crate::read(&bytes);
        let sets: Vec<&str> = parsed
            .interchanges
            .iter()
            .flat_map(|i| &i.groups)
            .flat_map(|g| &g.transactions)
            .map(|t| t.kind())
            .collect();
        if !sets.iter().all(|k| {
            let version = parsed.interchanges[0].groups[0].gs.value(8);
            guide_for(k, version).is_some_and(|g| g.reads(version))
        }) {
            continue;
        }
        walked += 1;
        if let Some((_, why)) = REFUSED.iter().find(|(name, _)| entry.ends_with(name)) {
            assert!(
                parsed.has_errors() || check(&parsed.interchanges, None).iter().any(|d| d.severity == Severity::Error),
                "{} was expected to be refused: {why}",
                entry.display()
            );
            continue;
        }
        let found: Vec<String> = parsed
            .diagnostics
            .iter()
            .chain(&check(&parsed.interchanges, None))
            .filter(|d| d.severity == Severity::Error)
            .map(|d| d.to_string())
            .collect();
        if !found.is_empty() {
            failed.push(format!("{}: {found:?}", entry.display()));
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
    assert!(walked >= 10, "only {walked} samples walked");
}

fn walkdir(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walkdir(&path));
        } else {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// The walker keeps each loop's counts inline: no guide's loop may have
/// more items than it has room for, and every loop starts with a segment.
#[test]
fn every_loop_fits_the_walker() {
    fn visit(rule: &'static Loop, seen: &mut Vec<&'static str>) {
        assert!(rule.items.len() <= MAX_ITEMS, "loop {} has {} items", rule.id, rule.items.len());
        assert!(
            matches!(rule.items.first(), Some(Item::Seg(_))) || rule.id == "HEADER",
            "loop {} starts with a loop",
            rule.id
        );
        for item in rule.items {
            if let Item::Loop { rule, .. } = item {
                if !seen.contains(&rule.id) {
                    seen.push(rule.id);
                    visit(rule, seen);
                }
            }
        }
    }
    for guide in GUIDES {
        visit(guide.body, &mut Vec::new());
    }
}

#[test]
fn an_element_longer_than_the_dictionary_allows_is_refused_by_element() {
    let mut body = claim_837(1);
    let at = body.iter().position(|s| s.starts_with("CLM*")).unwrap();
    body[at] = body[at].replacen("CLM*C1*", &format!("CLM*{}*", "C".repeat(39)), 1);
    let found = errors(&text_837(&body));
    assert!(found.iter().any(|e| e.contains("element CLM01") && e.contains("it takes 1 to 38")), "{found:?}");
}

#[test]
fn an_element_of_the_wrong_type_or_code_is_refused_by_element() {
    let cases: &[(&str, &str, &str, &str)] = &[
        ("CLM*", "CLM*C1*100*", "CLM*C1*1,00*", "element CLM02"),
        ("BHT*", "*20260101*", "*20260231*", "element BHT04"),
        ("BHT*", "*1200*", "*1290*", "element BHT05"),
        ("NM1*IL*", "NM1*IL*1*", "NM1*IL*1*M\u{fc}", "element NM103"),
        ("LX*", "LX*1", "LX*one", "element LX01"),
        ("SBR*", "*CI", "*XX", "element SBR09"),
        ("SBR*", "SBR*P*", "SBR*Q*", "element SBR01"),
    ];
    for (starts, from, to, named) in cases {
        let mut body = claim_837(1);
        let at = body.iter().position(|s| s.starts_with(starts)).unwrap_or_else(|| panic!("no {starts}"));
        assert!(body[at].contains(from), "{}", body[at]);
        body[at] = body[at].replacen(from, to, 1);
        let found = errors(&text_837(&body));
        assert!(found.iter().any(|e| e.contains(named)), "{named}: {found:?}");
    }
}

/// A qualifier the guide closes for one loop is refused there, naming the
/// code and the ones that loop takes, though the same code is right in
/// another loop (REF*G1, a prior authorization, belongs to the claim).
#[test]
fn a_qualifier_the_loop_does_not_take_is_refused_by_loop() {
    // (the segment to insert, the one it goes before, what is said)
    let cases: &[(&str, &str, &str)] = &[
        (
            "REF*G1*AUTH1",
            "HL*2*1*22*0",
            "REF01 \"G1\" is not a code the 837 Professional guide (005010X222A1) allows for REF in loop 2010AA (EI, SY, 0B, 1G)",
        ),
        ("DTP*999*D8*20260101", "HI*ABK:J069", "DTP01 \"999\" is not a code"),
        ("REF*EI*1", "LX*2", "allows for REF in loop 2400 (9B, 9D, G1, 6R, EW, X4, F4, BT, 9F)"),
        (
            "REF*SY*1",
            "CLM*C1*100***11:B:1*Y*A*Y*Y",
            "allows for REF in loop 2010BB (2U, EI, FY, NF, G2, LU)",
        ),
    ];
    let with = |segment: &str, before: &str| -> String {
        let mut body = claim_837(2);
        let at = body.iter().position(|s| s == before).unwrap();
        body.insert(at, segment.to_string());
        text_837(&body)
    };
    for (segment, before, expect) in cases {
        let found = errors(&with(segment, before));
        assert!(found.iter().any(|e| e.contains(expect)), "{segment}: {found:?}");
    }
    // The same code where the guide takes it reads clean.
    assert_eq!(errors(&with("REF*G1*AUTH1", "HI*ABK:J069")), Vec::<String>::new());
    assert_eq!(errors(&with("REF*G1*AUTH1", "LX*2")), Vec::<String>::new());
}
