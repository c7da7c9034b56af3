//! What the payer's adjustment and remark codes mean, and what to do next.
//!
//! Claim Adjustment Reason Codes (CARC, X12 external code source 139) are
//! maintained by the X12 Code Maintenance Committee; Remittance Advice
//! Remark Codes (RARC, code source 411) by the Centers for Medicare &
//! Medicaid Services. Both lists, with their official wording and the
//! dates each code starts and stops, are published at x12.org/codes.
//! Settle does not ship those texts: the summaries below are Settle's own
//! plain-language notes on the codes a practice meets most, written for
//! this project and licensed with it. A code not listed here is shown as
//! its number with a pointer to the official list.

/// What a billing specialist usually does about a denial with this reason.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NextStep {
    /// The claim had a billing or coding error: fix it and send a corrected claim.
    Correct,
    /// The payer decided against coverage: appeal with records if it was wrong.
    Appeal,
    /// Another payer is responsible: bill that payer.
    BillOtherPayer,
    /// Usually not worth working (a duplicate, a bundled service): check, then write off.
    Review,
}

impl NextStep {
    pub fn as_str(self) -> &'static str {
        match self {
            NextStep::Correct => "correct and resubmit",
            NextStep::Appeal => "appeal",
            NextStep::BillOtherPayer => "bill the other payer",
            NextStep::Review => "review, then write off",
        }
    }
}

/// Claim adjustment group codes (CAS01).
pub fn group_meaning(group: &str) -> &'static str {
    match group {
        "CO" => "contractual obligation (the provider absorbs it; not billable to the patient)",
        "PR" => "patient responsibility",
        "OA" => "other adjustment",
        "PI" => "payer-initiated reduction",
        "CR" => "correction or reversal of an earlier adjudication",
        _ => "unknown group",
    }
}

const CARC: &[(&str, &str, NextStep)] = &[
    ("1", "Deductible: the patient owes this until the plan's deductible is met.", NextStep::Review),
    ("2", "Coinsurance: the patient's percentage share of the allowed amount.", NextStep::Review),
    ("3", "Copay: the patient's fixed share for the visit.", NextStep::Review),
    (
        "4",
        "The procedure code does not fit its modifier, or a required modifier is missing.",
        NextStep::Correct,
    ),
    ("5", "The procedure code does not fit the place of service.", NextStep::Correct),
    ("6", "The procedure does not fit the patient's age.", NextStep::Correct),
    ("7", "The procedure does not fit the patient's sex.", NextStep::Correct),
    ("8", "The procedure does not fit the provider's type or specialty.", NextStep::Correct),
    ("9", "The diagnosis does not fit the patient's age.", NextStep::Correct),
    ("10", "The diagnosis does not fit the patient's sex.", NextStep::Correct),
    ("11", "The diagnosis does not support the procedure.", NextStep::Correct),
    ("15", "The authorization number is missing or wrong.", NextStep::Correct),
    (
        "16",
        "The claim lacks information or has a billing error; the remark codes say what.",
        NextStep::Correct,
    ),
    ("18", "A duplicate of a claim or service already received.", NextStep::Review),
    (
        "19",
        "A work injury: the workers' compensation carrier is responsible.",
        NextStep::BillOtherPayer,
    ),
    ("20", "An injury covered by a liability carrier.", NextStep::BillOtherPayer),
    ("22", "Another payer may be primary under coordination of benefits.", NextStep::BillOtherPayer),
    ("23", "Reduced by what a prior payer paid or adjusted.", NextStep::Review),
    ("24", "Covered by a capitation or managed-care agreement.", NextStep::Review),
    ("26", "The service was before the coverage began.", NextStep::BillOtherPayer),
    ("27", "The service was after the coverage ended.", NextStep::BillOtherPayer),
    ("29", "The time limit for filing has passed.", NextStep::Appeal),
    ("31", "The payer cannot identify the patient as its member.", NextStep::Correct),
    ("32", "The payer does not list the patient as an eligible dependent.", NextStep::Correct),
    ("33", "The member has no dependent coverage.", NextStep::BillOtherPayer),
    ("39", "Authorization was refused when it was requested.", NextStep::Appeal),
    ("40", "The visit did not meet the payer's test for emergency or urgent care.", NextStep::Appeal),
    (
        "45",
        "The charge is above the fee schedule or contracted amount; the difference is written off.",
        NextStep::Review,
    ),
    ("49", "A routine or preventive service the plan does not cover.", NextStep::Appeal),
    ("50", "Not covered: the payer does not find it medically necessary.", NextStep::Appeal),
    ("51", "Not covered: a pre-existing condition.", NextStep::Appeal),
    ("55", "The payer considers the treatment experimental.", NextStep::Appeal),
    ("58", "The place of service is not appropriate for the treatment.", NextStep::Correct),
    ("59", "Reduced under the rules for multiple or concurrent procedures.", NextStep::Review),
    ("96", "A charge the plan does not cover; the remark codes say why.", NextStep::Appeal),
    ("97", "Paid as part of another service already adjudicated (bundled).", NextStep::Review),
    ("107", "The related or qualifying service is not on this claim.", NextStep::Correct),
    ("109", "Not covered by this payer: send it to the right one.", NextStep::BillOtherPayer),
    ("119", "The plan's benefit maximum for the period has been reached.", NextStep::Review),
    ("125", "A submission or billing error.", NextStep::Correct),
    ("129", "The prior processing information on the claim looks wrong.", NextStep::Correct),
    ("131", "A discount negotiated for this claim.", NextStep::Review),
    ("140", "The member id and the patient's name do not match.", NextStep::Correct),
    ("146", "The diagnosis code was not valid on the date of service.", NextStep::Correct),
    (
        "151",
        "The information sent does not support this many services or this frequency.",
        NextStep::Appeal,
    ),
    ("167", "The diagnosis is not covered.", NextStep::Appeal),
    ("170", "Not paid when performed or billed by this type of provider.", NextStep::Review),
    ("181", "The procedure code was not valid on the date of service.", NextStep::Correct),
    ("182", "The modifier was not valid on the date of service.", NextStep::Correct),
    ("185", "The rendering provider is not eligible to perform this service.", NextStep::Correct),
    ("197", "Authorization or notification was required and not obtained.", NextStep::Appeal),
    ("198", "The service went beyond what was authorized.", NextStep::Appeal),
    ("204", "Not covered under the patient's current benefit plan.", NextStep::Appeal),
    ("208", "The national provider identifier (NPI) does not match.", NextStep::Correct),
    (
        "226",
        "Information the payer asked the provider for was not sent or not enough.",
        NextStep::Appeal,
    ),
    ("227", "Information the payer asked the patient for was not received.", NextStep::Review),
    ("234", "This procedure is not paid separately.", NextStep::Review),
    (
        "236",
        "The procedure or modifier combination is not allowed with another on the same day (NCCI).",
        NextStep::Correct,
    ),
    ("242", "Not provided by a network or primary care provider.", NextStep::Appeal),
    ("252", "More documentation is needed to decide the claim.", NextStep::Appeal),
    ("253", "Sequestration: the federal reduction of Medicare payments.", NextStep::Review),
    ("A1", "The claim or service is denied; the remark codes say why.", NextStep::Appeal),
    (
        "B7",
        "The provider was not certified or eligible to be paid for this on that date.",
        NextStep::Review,
    ),
    ("B9", "The patient is enrolled in hospice.", NextStep::BillOtherPayer),
    ("B15", "A qualifying service must be received and covered first.", NextStep::Correct),
    ("B16", "The rules for a new patient were not met.", NextStep::Correct),
];

const RARC: &[(&str, &str)] = &[
    ("M15", "Tests or services billed separately were bundled into another service."),
    ("M20", "The HCPCS code is missing, incomplete or invalid."),
    ("M51", "The procedure code is missing, incomplete or invalid."),
    ("M76", "The diagnosis code is missing, incomplete or invalid."),
    ("M77", "The place of service is missing, incomplete or invalid."),
    ("M80", "Not covered when performed in the same session as another covered service."),
    ("M86", "Denied because the same or a similar service was already paid within the allowed time."),
    (
        "MA01",
        "The notice of appeal rights: if you disagree, you may appeal within the payer's time limit.",
    ),
    ("MA04", "A secondary payment cannot be considered without the primary payer's remittance."),
    ("MA07", "The claim was also forwarded to Medicaid."),
    ("MA18", "The claim was forwarded to the patient's supplemental insurer."),
    (
        "MA130",
        "The claim has missing or invalid information and cannot be appealed: send a new, corrected claim.",
    ),
    ("N4", "The prior insurer's explanation of benefits is missing, incomplete or invalid."),
    ("N19", "The procedure is incidental to the primary procedure."),
    ("N20", "Not payable with another service rendered on the same date."),
    ("N30", "The patient is not eligible for this service."),
    ("N115", "The decision follows a local coverage determination (LCD)."),
    ("N122", "An add-on code cannot be billed by itself."),
    ("N130", "See the plan's benefit documents for its limits on this service."),
    ("N179", "More information was requested from the entity named."),
    ("N290", "The rendering provider's primary identifier is missing, incomplete or invalid."),
    ("N362", "The number of days or units is more than the payer accepts."),
    ("N386", "The decision follows a national coverage determination (NCD)."),
    ("N432", "Adjusted after a recovery audit."),
    (
        "N479",
        "The explanation of benefits from the other payer (coordination of benefits) is missing.",
    ),
    ("N522", "A duplicate of a claim processed, or being processed, as a crossover claim."),
    ("N657", "Bill these services with the code meant for them."),
];

/// Where the official lists are.
pub const SOURCE: &str = "CARC: X12 code source 139; RARC: CMS, code source 411; official lists at x12.org/codes. Summaries: Settle's own words.";

/// Settle's note on a CARC, or None if it is not one Settle describes.
pub fn carc(code: &str) -> Option<(&'static str, NextStep)> {
    CARC.iter().find(|(c, _, _)| *c == code.trim()).map(|(_, text, next)| (*text, *next))
}

/// A CARC in words, always: Settle's note or a pointer to the official list.
pub fn carc_text(code: &str) -> String {
    match carc(code) {
        Some((text, _)) => text.to_string(),
        None => format!("reason code {} (see the CARC list at x12.org/codes)", code.trim()),
    }
}

/// A RARC in words, always.
pub fn rarc_text(code: &str) -> String {
    match RARC.iter().find(|(c, _)| *c == code.trim()) {
        Some((_, text)) => text.to_string(),
        None => format!("remark code {} (see the RARC list at x12.org/codes)", code.trim()),
    }
}

/// The next step for a denial with these reason codes: the first code
/// that suggests a correction wins (a correction is cheaper than an
/// appeal), then an appeal, then billing another payer; else review.
pub fn next_step<'a>(reasons: impl IntoIterator<Item = &'a str>) -> NextStep {
    let steps: Vec<NextStep> = reasons.into_iter().filter_map(|r| carc(r).map(|(_, n)| n)).collect();
    for wanted in [NextStep::Correct, NextStep::Appeal, NextStep::BillOtherPayer] {
        if steps.contains(&wanted) {
            return wanted;
        }
    }
    NextStep::Review
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_read_in_words_and_unknown_ones_point_to_the_list() {
        assert!(carc_text("50").contains("medically necessary"));
        assert!(carc_text(" 45").contains("fee schedule"));
        assert!(carc_text("999").contains("x12.org/codes"));
        assert!(rarc_text("MA130").contains("cannot be appealed"));
        assert!(rarc_text("ZZ1").starts_with("remark code ZZ1"));
        assert_eq!(group_meaning("PR"), "patient responsibility");
    }

    #[test]
    fn the_next_step_prefers_a_correction() {
        assert_eq!(next_step(["50", "16"]), NextStep::Correct);
        assert_eq!(next_step(["50"]), NextStep::Appeal);
        assert_eq!(next_step(["109"]), NextStep::BillOtherPayer);
        assert_eq!(next_step(["18", "999"]), NextStep::Review);
    }

    #[test]
    fn no_code_is_listed_twice() {
        let mut codes: Vec<&str> = CARC.iter().map(|(c, _, _)| *c).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), CARC.len());
        let mut remarks: Vec<&str> = RARC.iter().map(|(c, _)| *c).collect();
        remarks.sort();
        remarks.dedup();
        assert_eq!(remarks.len(), RARC.len());
    }
}
