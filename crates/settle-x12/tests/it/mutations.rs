//! No single-segment change to a valid file reads as different claims or
//! amounts: from each public 837P, 835, 999 and 277CA sample Settle reads, every
//! segment renamed (to an unknown id and to its neighbour's), dropped,
//! duplicated and swapped with the next is either read to exactly the same
//! claims, lines and dollars, or refused with an error. SE01 is recounted
//! after each change, so the trailer count cannot be what catches it.

use settle_x12::mutation::*;

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
        let (segments, terminator, st, se) = split(&text).unwrap();
        let clean = join(&segments, terminator).unwrap();
        let base = reader(&clean, &[]);
        // The baseline's own claim problems (ICD-9 codes in old samples) are the yardstick.
        let problems = baseline_problems(&clean);
        let base = if base.refused { reader(&clean, &problems) } else { base };
        assert!(!base.refused, "{name} is refused as it is");
        for (what, changed) in mutations(&segments, st, se) {
            tried += 1;
            let outcome = reader(&join(&changed, terminator).unwrap(), &problems);
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
            "demo.cob.example3.B.837",
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

/// Every segment of a transaction moved to every other place in it (the
/// fuzzer, `cargo fuzz run mutate`, also renames, drops and duplicates
/// anywhere).
fn check_moves(names: &[&str], reader: fn(&str, &[String]) -> Outcome, baseline_problems: fn(&str) -> Vec<String>) {
    let mut escaped = Vec::new();
    let mut tried = 0;
    for name in names {
        let text = sample(name);
        let (segments, terminator, st, se) = split(&text).unwrap();
        let clean = join(&segments, terminator).unwrap();
        let problems = baseline_problems(&clean);
        let base = reader(&clean, &problems);
        assert!(!base.refused, "{name} is refused as it is");
        for i in st + 1..se {
            for j in st + 1..se {
                if i == j {
                    continue;
                }
                tried += 1;
                let outcome = reader(&join(&moved(&segments, i, j), terminator).unwrap(), &problems);
                if !outcome.refused && outcome.digest != base.digest {
                    escaped.push(format!(
                        "{name}: segment {i} moved before {j} reads as different claims or amounts without a refusal"
                    ));
                }
            }
        }
    }
    assert!(escaped.is_empty(), "{} of {tried} moves escaped:\n{}", escaped.len(), escaped.join("\n"));
}

#[test]
fn no_segment_moved_anywhere_reads_as_other_claims_or_payments() {
    check_moves(&["demo.example1.837", "demo.cob.example3.B.837"], read_837, problems_837);
    check_moves(&["managed-care.835", "secondary-payment.835"], read_835, problems_835);
}
