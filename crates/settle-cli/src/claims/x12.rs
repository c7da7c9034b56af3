//! `settle x12 check FILE`: read an X12 file and report its envelopes and
//! every problem found, by segment number and element.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use settle_x12::Severity;

pub fn check(file: &Path) -> Result<ExitCode> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let parsed = settle_x12::read(&bytes);
    let d = parsed.delimiters;
    println!(
        "{}: delimiters element {:?}, component {:?}, repetition {:?}, segment {:?}",
        file.display(),
        d.element as char,
        d.component as char,
        d.repetition as char,
        d.segment as char
    );
    for interchange in &parsed.interchanges {
        println!(
            "interchange {} from {} to {}, {} group(s)",
            interchange.control_number(),
            interchange.sender_id(),
            interchange.receiver_id(),
            interchange.groups.len()
        );
        for group in &interchange.groups {
            println!(
                "  group {} ({}, {}), {} transaction set(s)",
                group.control_number(),
                group.gs.value(1),
                group.version(),
                group.transactions.len()
            );
            for t in &group.transactions {
                let version = if t.st.value(3).is_empty() { group.version() } else { t.st.value(3) };
                let guide = match settle_x12::grammar::guide_for(t.kind(), version) {
                    Some(g) => format!("checked against the {} grammar ({})", g.name, g.version),
                    None => "no grammar in Settle: envelope checked only".to_string(),
                };
                println!("    {} {}: {} segments, {guide}", t.kind(), t.control_number(), t.segments.len() + 2);
            }
        }
    }
    // The envelopes, then every set Settle has a guide for, by its grammar.
    let mut diagnostics = parsed.diagnostics.clone();
    diagnostics.extend(settle_x12::grammar::check(&parsed.interchanges, None));
    let errors = diagnostics.iter().filter(|d| d.severity == Severity::Error).count();
    for diagnostic in &diagnostics {
        let label = match diagnostic.severity {
            Severity::Error => "ERROR",
            Severity::Warning => "warning",
        };
        println!("{label} {}: {diagnostic}", file.display());
    }
    if errors == 0 {
        println!("OK: the envelopes hold together and every set Settle has a grammar for follows it.");
        Ok(ExitCode::SUCCESS)
    } else {
        println!("{errors} error(s).");
        Ok(ExitCode::FAILURE)
    }
}

/// `settle x12 remit FILE`: an 835 read and balanced, nothing posted.
pub fn remit(file: &Path) -> Result<ExitCode> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let parsed = settle_x12::read(&bytes);
    let mut problems = 0;
    for d in parsed.diagnostics.iter().filter(|d| d.severity == Severity::Error) {
        println!("ERROR {}: {d}", file.display());
        problems += 1;
    }
    let (remits, loose) = settle_x12::remit::read_835(&parsed);
    for d in &loose {
        println!("ERROR {}: {d}", file.display());
        problems += 1;
    }
    for r in &remits {
        println!(
            "{} paid {} by {} on {} (trace {}) to {} {}",
            if r.payer_name.is_empty() { "the payer" } else { &r.payer_name },
            r.amount,
            if r.method.is_empty() { "?" } else { &r.method },
            if r.payment_date.is_empty() { "?" } else { &r.payment_date },
            r.trace,
            r.payee_name,
            r.payee_id
        );
        for c in &r.claims {
            println!(
                "  claim {} ({}): charged {}, paid {}, patient owes {}; payer's number {}",
                c.claim_number,
                c.status_meaning(),
                c.charge,
                c.paid,
                c.patient_responsibility.map(|m| m.to_string()).unwrap_or_else(|| "-".into()),
                c.payer_claim_number
            );
            for a in &c.adjustments {
                println!("    {}-{} {}", a.group, a.reason, a.amount);
            }
            for l in &c.lines {
                let adjustments: Vec<String> = l.adjustments.iter().map(|a| format!("{}-{} {}", a.group, a.reason, a.amount)).collect();
                println!(
                    "    line {}{} charged {}, paid {}{}{}",
                    l.procedure,
                    if l.modifiers.is_empty() {
                        String::new()
                    } else {
                        format!(" {}", l.modifiers.join(" "))
                    },
                    l.charge,
                    l.paid,
                    if adjustments.is_empty() {
                        String::new()
                    } else {
                        format!("; {}", adjustments.join(", "))
                    },
                    if l.remarks.is_empty() {
                        String::new()
                    } else {
                        format!("; remarks {}", l.remarks.join(" "))
                    }
                );
            }
        }
        for p in &r.provider_adjustments {
            println!("  provider adjustment {} {} ({})", p.reason, p.amount, p.reference);
        }
        for d in &r.problems {
            println!("ERROR {}: {d}", file.display());
            problems += 1;
        }
    }
    if problems == 0 {
        println!("{}: balanced.", file.display());
        Ok(ExitCode::SUCCESS)
    } else {
        println!("{}: {problems} problem(s); nothing here should be posted as it stands.", file.display());
        Ok(ExitCode::FAILURE)
    }
}
