//! No single-segment change to a valid file reads as different claims or
//! amounts: from each public 837P, 835, 999 and 277CA sample Settle reads, every
//! segment renamed (to an unknown id and to its neighbour's), dropped,
//! duplicated and swapped with the next is either read to exactly the same
//! claims, lines and dollars, or refused with an error. SE01 is recounted
//! after each change, so the trailer count cannot be what catches it.

use settle_x12::*;

/// What a reader makes of a file: the claims and amounts (compared), and
/// whether it was refused.
struct Outcome {
    digest: String,
    refused: bool,
}

fn errors_in(found: &[Diagnostic]) -> Vec<String> {
    found.iter().filter(|d| d.severity == Severity::Error).map(|d| d.message.clone()).collect()
}

fn read_837(text: &str, baseline_problems: &[String]) -> Outcome {
    let parsed = read(text.as_bytes());
    let (claims, loose) = p837::read_837p(&parsed);
    let mut digest = String::new();
    let mut problems = Vec::new();
    for c in &claims {
        digest.push_str(&format!(
            "CLM {} {} {} {} {} {:?}|",
            c.claim_number, c.total, c.payer_id, c.subscriber.id, c.subscriber.last, c.diagnoses
        ));
        for l in &c.lines {
            digest.push_str(&format!("  {} {:?} {} {} {}|", l.procedure, l.modifiers, l.charge, l.units, l.date_of_service));
        }
        problems.extend(errors_in(&c.problems));
    }
    problems.sort();
    let refused = parsed.has_errors() || !errors_in(&loose).is_empty() || problems != baseline_problems;
    Outcome { digest, refused }
}

fn read_835(text: &str, baseline_problems: &[String]) -> Outcome {
    let parsed = read(text.as_bytes());
    let (remits, loose) = remit::read_835(&parsed);
    let mut digest = String::new();
    let mut problems = Vec::new();
    for r in &remits {
        digest.push_str(&format!("ERA {} {} {}|", r.trace, r.amount.amount_minor(), r.payment_date));
        for c in &r.claims {
            digest.push_str(&format!(
                "CLP {} {} {} {} {:?}|",
                c.claim_number,
                c.status,
                c.charge.amount_minor(),
                c.paid.amount_minor(),
                c.patient_responsibility.map(|m| m.amount_minor())
            ));
            // Adjustments in any order are the same adjustments.
            let mut cas: Vec<String> = c
                .adjustments
                .iter()
                .map(|a| format!(" CAS {} {} {}|", a.group, a.reason, a.amount.amount_minor()))
                .collect();
            cas.sort();
            digest.push_str(&cas.concat());
            for l in &c.lines {
                digest.push_str(&format!("  SVC {} {} {}|", l.procedure, l.charge.amount_minor(), l.paid.amount_minor()));
                let mut cas: Vec<String> = l
                    .adjustments
                    .iter()
                    .map(|a| format!("   CAS {} {} {}|", a.group, a.reason, a.amount.amount_minor()))
                    .collect();
                cas.sort();
                digest.push_str(&cas.concat());
            }
        }
        for p in &r.provider_adjustments {
            digest.push_str(&format!("PLB {} {} {}|", p.provider, p.reason, p.amount.amount_minor()));
        }
        problems.extend(errors_in(&r.problems));
    }
    problems.sort();
    let refused = parsed.has_errors() || !errors_in(&loose).is_empty() || problems != baseline_problems;
    Outcome { digest, refused }
}

fn read_acks(text: &str, _: &[String]) -> Outcome {
    let parsed = read(text.as_bytes());
    let mut digest = String::new();
    let mut refused = parsed.has_errors();
    let is_999 = parsed
        .interchanges
        .iter()
        .flat_map(|i| &i.groups)
        .flat_map(|g| &g.transactions)
        .any(|t| t.kind() == "999");
    if is_999 {
        match ack::read_999(&parsed) {
            Ok(acks) => {
                // What a 999 decides: which transaction, accepted or not. (An
                // optional IK3 dropped or doubled is a valid answer with one
                // error more or less, which no reader can tell.)
                for a in &acks {
                    digest.push_str(&format!("AK2 {} {} {} {}|", a.group_control, a.kind, a.control_number, a.code));
                }
            }
            Err(_) => refused = true,
        }
    } else {
        match ack::read_277ca(&parsed) {
            Ok(acks) => {
                // What a 277CA decides: each claim's status and amount. (A
                // further STC or an optional REF dropped is a valid answer.)
                for a in &acks {
                    digest.push_str(&format!("TRN {} {}:{}:{} {}|", a.claim_number, a.category, a.status_code, a.entity, a.amount));
                }
            }
            Err(_) => refused = true,
        }
    }
    Outcome { digest, refused }
}

fn read_benefits(text: &str, _: &[String]) -> Outcome {
    let parsed = read(text.as_bytes());
    let (answers, loose) = elig::read_271(&parsed);
    // What a 271 decides: whose coverage, active or not, the plan and the
    // amounts a visit will cost.
    let mut digest = String::new();
    for b in &answers {
        digest.push_str(&format!(
            "{} {} {} {} {:?} {:?} {:?} {:?} {}|",
            b.trace,
            b.member_id,
            b.status,
            b.plan_name,
            b.copay,
            b.coinsurance,
            b.deductible,
            b.deductible_remaining,
            b.rejections.len()
        ));
    }
    Outcome {
        digest,
        refused: parsed.has_errors() || !errors_in(&loose).is_empty(),
    }
}

/// The segments of a one-transaction file, its terminator, and where the
/// transaction's body is (between ST and SE).
fn split(text: &str) -> (Vec<String>, char, usize, usize) {
    let terminator = text.as_bytes()[105] as char;
    let segments: Vec<String> = text
        .split(terminator)
        .map(|s| s.trim_matches(|c| c == '\r' || c == '\n').to_string())
        .filter(|s| !s.is_empty())
        .collect();
    let st = segments.iter().position(|s| s.starts_with("ST")).unwrap();
    let se = segments.iter().position(|s| s.starts_with("SE")).unwrap();
    (segments, terminator, st, se)
}

/// The file again with SE01 counting the body as it now is.
fn join(segments: &[String], terminator: char) -> String {
    let st = segments.iter().position(|s| s.starts_with("ST")).unwrap();
    let se = segments.iter().position(|s| s.starts_with("SE")).unwrap();
    let element = segments[0].as_bytes()[3] as char;
    let mut out = segments.to_vec();
    let control = out[se].split(element).nth(2).unwrap_or("").to_string();
    out[se] = format!("SE{element}{}{element}{control}", se - st + 1);
    let mut text = out.join(&terminator.to_string());
    text.push(terminator);
    text
}

/// Every single-segment change to the body of a transaction set.
fn mutations(segments: &[String], st: usize, se: usize) -> Vec<(String, Vec<String>)> {
    let element = segments[0].as_bytes()[3] as char;
    let mut out = Vec::new();
    for i in st + 1..se {
        let id = segments[i].split(element).next().unwrap().to_string();
        let rest = &segments[i][id.len()..];
        let mut renamed = segments.to_vec();
        renamed[i] = format!("ZZZ{rest}");
        out.push((format!("segment {i} {id} renamed ZZZ"), renamed));
        let neighbour = segments[i + 1].split(element).next().unwrap().to_string();
        if neighbour != id && neighbour != "SE" {
            let mut renamed = segments.to_vec();
            renamed[i] = format!("{neighbour}{rest}");
            out.push((format!("segment {i} {id} renamed {neighbour}"), renamed));
        }
        let mut dropped = segments.to_vec();
        dropped.remove(i);
        out.push((format!("segment {i} {id} dropped"), dropped));
        let mut doubled = segments.to_vec();
        doubled.insert(i, segments[i].clone());
        out.push((format!("segment {i} {id} duplicated"), doubled));
        if i + 1 < se {
            let mut swapped = segments.to_vec();
            swapped.swap(i, i + 1);
            out.push((format!("segment {i} {id} swapped with the next"), swapped));
        }
    }
    out
}

fn sample(name: &str) -> String {
    let root = format!("{}/../../testdata/x12", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(format!("{root}/linuxforhealth/{name}"))
        .or_else(|_| std::fs::read_to_string(format!("{root}/imsweb/{name}")))
        .unwrap()
}

fn check_all(names: &[&str], reader: fn(&str, &[String]) -> Outcome, baseline_problems: fn(&str) -> Vec<String>) {
    let mut escaped = Vec::new();
    let mut tried = 0;
    for name in names {
        let text = sample(name);
        let (segments, terminator, st, se) = split(&text);
        let clean = join(&segments, terminator);
        let base = reader(&clean, &[]);
        // The baseline's own claim problems (ICD-9 codes in old samples) are the yardstick.
        let problems = baseline_problems(&clean);
        let base = if base.refused { reader(&clean, &problems) } else { base };
        assert!(!base.refused, "{name} is refused as it is");
        for (what, changed) in mutations(&segments, st, se) {
            tried += 1;
            let outcome = reader(&join(&changed, terminator), &problems);
            // A 271 without one of its benefits (EB) is a valid answer that
            // says less; no count or total in a 271 could tell.
            if name.ends_with(".271") && what.contains(" EB dropped") {
                continue;
            }
            if !outcome.refused && outcome.digest != base.digest {
                escaped.push(format!("{name}: {what} reads as different claims or amounts without a refusal"));
            }
        }
    }
    assert!(escaped.is_empty(), "{} of {tried} changes escaped:\n{}", escaped.len(), escaped.join("\n"));
    assert!(tried > 100, "{tried}");
}

/// The claim problems a sample has as it is.
fn problems_837(text: &str) -> Vec<String> {
    let mut problems: Vec<String> = p837::read_837p(&read(text.as_bytes())).0.iter().flat_map(|c| errors_in(&c.problems)).collect();
    problems.sort();
    problems
}

fn problems_835(text: &str) -> Vec<String> {
    let mut problems: Vec<String> = remit::read_835(&read(text.as_bytes())).0.iter().flat_map(|r| errors_in(&r.problems)).collect();
    problems.sort();
    problems
}

#[test]
fn no_single_segment_change_to_an_837p_reads_as_other_claims() {
    check_all(
        &[
            "demo.example1.837",
            "demo.example2.837",
            "demo.example7.837",
            "demo.example8.837",
            "demo.ambulance.example5.837",
            "demo.autoaccident.837",
            "demo.cob.example4.837",
            "demo.drug.example10.1.837",
        ],
        read_837,
        problems_837,
    );
}

#[test]
fn no_single_segment_change_to_an_835_reads_as_other_payments() {
    check_all(
        &[
            "managed-care.835",
            "cob-contractural-adjustment.835",
            "medicare-part-a.835",
            "secondary-payment.835",
            "tertiary-payment.835",
        ],
        read_835,
        problems_835,
    );
}

#[test]
fn no_single_segment_change_to_a_999_or_277ca_reads_as_other_answers() {
    check_all(
        // x12_999_accepted.txt is left out: its IEA02 is not its ISA13, so it is refused as it is.
        &["x12_999_rejected.txt", "x12_277CA_accepted.txt", "x12_277CA_rejected.txt"],
        read_acks,
        |_| Vec::new(),
    );
}

#[test]
fn no_single_segment_change_to_a_271_reads_as_other_coverage() {
    check_all(
        // subscriber-health-benefit-check-error.271 is left out: its SE02 is not its ST02.
        &["dependent-health-benefit-check.271", "subscriber-health-benefit-check.271"],
        read_benefits,
        |_| Vec::new(),
    );
}
