//! Every public 837P sample Settle reads goes in by `claim import` and out
//! by `claim export` with the same segments for every fact a payer needs
//! (authorizations, referrals, providers and their addresses, accident and
//! other dates, a line's dates of service, drugs, CLIA, notes, attachments, consents, ambulance
//! transport, descriptions, emergencies, the pay-to address), compared
//! segment by segment, and pyx12 accepts the export.
//!
//! The samples (LinuxForHealth/x12, Apache-2.0, see testdata/SOURCES.md)
//! predate ICD-10 and use test NPIs; each is rewritten first as the issue
//! allows: ICD-9 codes become ICD-10 ones, each NPI gets its check digit,
//! a filing indicator Settle does not bill (AM, auto medical) becomes CI, a
//! claim number with a space or '#' gets '-', a billing provider's five-
//! digit ZIP gets its +4, a four-digit ZIP its leading zero back. Nothing
//! a fact segment says is rewritten.

use crate::claims837::pyx12_accepts;
use crate::Books;

const SAMPLES: &[&str] = &[
    "demo.ambulance.example5.837",
    "demo.autoaccident.837",
    "demo.cob.example3.B.837",
    "demo.cob.example3.C.837",
    "demo.drug.example10.1.837",
    "demo.drug.example10.2.837",
    "demo.drug.example10.3.837",
    "demo.example1.837",
    "demo.example2.837",
    "demo.example7.837",
    "demo.example8.837",
];

/// The ISA's element and component separators, and the file's segments.
fn segments(text: &str) -> (char, char, Vec<String>) {
    let element = text.chars().nth(3).unwrap();
    let component = text.chars().nth(104).unwrap();
    let segments = text.split('~').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
    (element, component, segments)
}

/// An NPI with its check digit (Luhn over 80840 and the first nine digits).
fn with_check_digit(npi: &str) -> String {
    let base = &npi[..9];
    let digits: Vec<u32> = format!("80840{base}").chars().map(|c| c.to_digit(10).unwrap()).collect();
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| {
            if i % 2 == 0 {
                let x = d * 2;
                if x > 9 {
                    x - 9
                } else {
                    x
                }
            } else {
                *d
            }
        })
        .sum();
    format!("{base}{}", (10 - sum % 10) % 10)
}

/// The sample as Settle can take it (see the module's comment).
fn rewritten(text: &str) -> String {
    let (e, c, segments) = segments(text);
    let mut out = Vec::new();
    let mut in_billing = false;
    for s in segments {
        let mut el: Vec<String> = s.split(e).map(str::to_string).collect();
        match el[0].as_str() {
            "HI" => {
                const ICD10: [&str; 5] = ["J069", "R051", "I10", "E119", "Z0000"];
                for (k, value) in el.iter_mut().skip(1).enumerate() {
                    let qualifier = value.split(c).next().unwrap_or("").to_string();
                    let new = match qualifier.as_str() {
                        "BK" => "ABK",
                        "BF" => "ABF",
                        other => other,
                    };
                    *value = format!("{new}{c}{}", ICD10[k.min(4)]);
                }
            }
            "NM1" => {
                in_billing = el[1] == "85";
                if el.get(8).map(String::as_str) == Some("XX") && el.get(9).is_some_and(|n| n.len() == 10) {
                    el[9] = with_check_digit(&el[9]);
                }
            }
            "N4" if in_billing && el[3].len() == 5 => el[3].push_str("0001"),
            "N4" if el[3].len() == 4 => el[3].insert(0, '0'),
            "SBR" if el.get(9).is_some_and(|f| !["MB", "MC", "HM", "CI", "BL", ""].contains(&f.as_str())) => el[9] = "CI".into(),
            "CLM" => el[1] = el[1].replace([' ', '#'], "-"),
            _ => {}
        }
        out.push(el.join(&e.to_string()));
    }
    out.join("~\n") + "~\n"
}

/// The facts a payer needs, by claim and line, in the file's order, upper
/// case, with X12 decimals in one form ("1.00" and "1" alike).
fn facts(text: &str) -> Vec<String> {
    let (e, c, segments) = segments(text);
    let norm = |v: &str| {
        let v = v.to_ascii_uppercase();
        match v.split_once('.') {
            Some((w, f)) if !w.is_empty() && w.bytes().all(|b| b.is_ascii_digit()) && f.bytes().all(|b| b.is_ascii_digit()) => {
                let f = f.trim_end_matches('0');
                if f.is_empty() {
                    w.to_string()
                } else {
                    format!("{w}.{f}")
                }
            }
            _ => v,
        }
    };
    let mut out = Vec::new();
    let (mut claim, mut line) = (String::new(), 0);
    let mut addressed = false;
    for s in segments {
        let el: Vec<&str> = s.split(e).collect();
        let at = |n: usize| el.get(n).copied().unwrap_or("");
        let q = at(1);
        let place = if claim.is_empty() {
            "header".to_string()
        } else {
            format!("{claim} line {line}")
        };
        let keep = |parts: Vec<String>| format!("{place}: {}", parts.join("*"));
        let elements = |ns: &[usize]| ns.iter().map(|&n| norm(at(n))).collect::<Vec<_>>();
        match el[0] {
            "CLM" => {
                claim = at(1).to_string();
                line = 0;
                addressed = false;
                out.push(format!("{claim}: CLM {}", elements(&[6, 7, 8, 9, 11]).join("*").replace(c, ":")));
            }
            "LX" => {
                line += 1;
                addressed = false;
            }
            "NM1" => {
                addressed = ["DN", "DK", "DQ", "77", "PW", "45", "87"].contains(&q);
                if addressed {
                    out.push(keep(elements(&[0, 1, 2, 3, 4, 9])));
                }
            }
            "N3" | "N4" if addressed => out.push(keep(elements(&[0, 1, 2, 3]))),
            "DTP" if !claim.is_empty() && (line == 0 || q == "472") => out.push(keep(elements(&[0, 1, 2, 3]))),
            "REF" if ["G1", "9F", "X4", "EW"].contains(&q) => out.push(keep(elements(&[0, 1, 2]))),
            "CRC" if q == "07" => out.push(keep(elements(&[0, 1, 2, 3, 4, 5, 6, 7]))),
            "QTY" if q == "PT" => out.push(keep(elements(&[0, 1, 2]))),
            "PWK" | "NTE" | "CR1" | "LIN" | "CTP" => out.push(keep((0..el.len()).map(|n| norm(at(n))).collect())),
            "SV1" => {
                let description = at(1).split(c).nth(6).unwrap_or("").to_ascii_uppercase();
                out.push(keep(vec!["SV1".into(), norm(at(3)), norm(at(4)), norm(at(9)), description]));
            }
            _ => {}
        }
    }
    out
}

#[test]
fn every_public_837p_sample_goes_in_and_out_with_its_facts() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/x12/linuxforhealth");
    for name in SAMPLES {
        let books = Books::new();
        books.ok(&["settings", "set", "--x12-contact-phone", "305-555-2222"]);
        let sample = rewritten(&std::fs::read_to_string(format!("{dir}/{name}")).unwrap());
        // Import and export on a day the claims are within timely filing.
        let (_, _, segs) = segments(&sample);
        let last = segs
            .iter()
            .filter_map(|s| s.strip_prefix("DTP*472*"))
            .map(|d| d.rsplit(['*', '-']).next().unwrap())
            .max()
            .unwrap();
        let (year, month): (u32, u32) = (last[..4].parse().unwrap(), last[4..6].parse().unwrap());
        let day = if month == 12 {
            format!("{}-01-15", year + 1)
        } else {
            format!("{year}-{:02}-15", month + 1)
        };
        let payer = segs
            .iter()
            .find_map(|s| s.strip_prefix("NM1*PR*").map(|rest| rest.split('*').nth(7).unwrap_or("").to_string()))
            .unwrap_or_else(|| panic!("{name} names no payer"));
        let file = books.file(name, &sample);
        let out = books.ok(&["claim", "import", &file, "--as-of", &day]);
        if out.contains("error(s) to fix") {
            let number = out.lines().nth(1).unwrap().split_whitespace().next().unwrap();
            panic!("{name}: {out}\n{}", books.ok(&["claim", "show", number]));
        }
        let exported = books.dir.path().join(format!("{name}.out")).display().to_string();
        let out = books.ok(&["claim", "export", "--payer", &payer, "--out", &exported, "--as-of", &day]);
        let written = std::fs::read_to_string(&exported).unwrap_or_else(|_| panic!("{name}: {out}"));
        let (sent, back) = (facts(&sample), facts(&written));
        assert!(sent.len() > 1, "{name}: {sent:?}");
        assert_eq!(sent, back, "{name}: the facts differ\n{written}");
        pyx12_accepts(&books, &exported);
    }
}
