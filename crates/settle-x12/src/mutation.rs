//! Single-segment changes to a valid file and what readers make of them,
//! for the mutation test (`tests/it/mutations.rs`, every change to each
//! public sample) and the fuzzer (`fuzz/fuzz_targets/mutate.rs`, changes
//! anywhere, segments moved anywhere): a changed file must read to exactly
//! the same claims, lines and dollars as the original, or be refused.
//! Each reader digests what its transaction set decides.

use crate::*;

/// What a reader makes of a file: the claims and amounts (compared), and
/// whether it was refused.
pub struct Outcome {
    pub digest: String,
    pub refused: bool,
}

fn errors_in(found: &[Diagnostic]) -> Vec<String> {
    found.iter().filter(|d| d.severity == Severity::Error).map(|d| d.message.clone()).collect()
}

/// An 837P's claims and lines.
pub fn read_837(text: &str, baseline_problems: &[String]) -> Outcome {
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

/// An 835's payments, claims, lines and adjustments.
pub fn read_835(text: &str, baseline_problems: &[String]) -> Outcome {
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

/// A 999's or 277CA's answers.
pub fn read_acks(text: &str, _: &[String]) -> Outcome {
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

/// A 271's answers.
pub fn read_benefits(text: &str, _: &[String]) -> Outcome {
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
/// transaction's body is (between ST and SE); none for a file without an
/// ISA, an ST or an SE.
pub fn split(text: &str) -> Option<(Vec<String>, char, usize, usize)> {
    let terminator = char::from(*text.as_bytes().get(105)?);
    let segments: Vec<String> = text
        .split(terminator)
        .map(|s| s.trim_matches(|c| c == '\r' || c == '\n').to_string())
        .filter(|s| !s.is_empty())
        .collect();
    let (st, se) = body(&segments)?;
    Some((segments, terminator, st, se))
}

/// Where the ST and the SE are.
fn body(segments: &[String]) -> Option<(usize, usize)> {
    let st = segments.iter().position(|s| s.starts_with("ST"))?;
    let se = segments.iter().position(|s| s.starts_with("SE"))?;
    (st < se).then_some((st, se))
}

/// The element separator, from the ISA.
fn separator(segments: &[String]) -> char {
    segments.first().and_then(|s| s.as_bytes().get(3)).map_or('*', |b| char::from(*b))
}

/// The file again with SE01 counting the body as it now is; none if the
/// change took its ST or SE away.
pub fn join(segments: &[String], terminator: char) -> Option<String> {
    let (st, se) = body(segments)?;
    let element = separator(segments);
    let mut out = segments.to_vec();
    let control = out[se].split(element).nth(2).unwrap_or("").to_string();
    out[se] = format!("SE{element}{}{element}{control}", se - st + 1);
    let mut text = out.join(&terminator.to_string());
    text.push(terminator);
    Some(text)
}

/// Every single-segment change to the body of a transaction set.
pub fn mutations(segments: &[String], st: usize, se: usize) -> Vec<(String, Vec<String>)> {
    let element = separator(segments);
    let mut out = Vec::new();
    for i in st + 1..se {
        let id = segments[i].split(element).next().unwrap_or_default().to_string();
        let rest = &segments[i][id.len()..];
        let mut renamed = segments.to_vec();
        renamed[i] = format!("ZZZ{rest}");
        out.push((format!("segment {i} {id} renamed ZZZ"), renamed));
        let neighbour = segments[i + 1].split(element).next().unwrap_or_default().to_string();
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

/// The claim problems a sample has as it is.
pub fn problems_837(text: &str) -> Vec<String> {
    let mut problems: Vec<String> = p837::read_837p(&read(text.as_bytes())).0.iter().flat_map(|c| errors_in(&c.problems)).collect();
    problems.sort();
    problems
}

/// The payment problems a sample has as it is.
pub fn problems_835(text: &str) -> Vec<String> {
    let mut problems: Vec<String> = remit::read_835(&read(text.as_bytes())).0.iter().flat_map(|r| errors_in(&r.problems)).collect();
    problems.sort();
    problems
}

/// The file with segment `from` moved to just before `to` (body indexes).
pub fn moved(segments: &[String], from: usize, to: usize) -> Vec<String> {
    let mut out = segments.to_vec();
    let segment = out.remove(from);
    out.insert(to.min(out.len()), segment);
    out
}
