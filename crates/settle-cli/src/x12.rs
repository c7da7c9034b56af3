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
                println!("    {} {}: {} segments", t.kind(), t.control_number(), t.segments.len() + 2);
            }
        }
    }
    let errors = parsed.diagnostics.iter().filter(|d| d.severity == Severity::Error).count();
    for diagnostic in &parsed.diagnostics {
        let label = match diagnostic.severity {
            Severity::Error => "ERROR",
            Severity::Warning => "warning",
        };
        println!("{label} {}: {diagnostic}", file.display());
    }
    if errors == 0 {
        println!("OK: the envelopes hold together.");
        Ok(ExitCode::SUCCESS)
    } else {
        println!("{errors} error(s).");
        Ok(ExitCode::FAILURE)
    }
}
