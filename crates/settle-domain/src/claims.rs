//! A professional claim as the domain sees it, and the scrubber that checks
//! it before a payer does.
//!
//! The scrubber is pure: it takes the claim, the diagnosis catalog and
//! "today", and returns findings, each naming the field at fault (in the
//! claim's own terms and with its 837P location) in words a billing
//! specialist can act on. A claim with an error finding is not ready to send.

use serde::{Deserialize, Serialize};

use crate::codes::{IcdCode, Modifier, Npi, PlaceOfService, ProcedureCode};
use crate::icd10::IcdCatalog;
use crate::money::Money;
use crate::Date;

/// Who pays, as the 837P's SBR09 (claim filing indicator) says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ClaimFilingIndicator {
    /// MB: Medicare Part B.
    MedicarePartB,
    /// MC: Medicaid.
    Medicaid,
    /// HM: HMO.
    Hmo,
    /// CI: commercial insurance.
    Commercial,
    /// BL: Blue Cross / Blue Shield.
    BlueCross,
}

impl ClaimFilingIndicator {
    pub fn code(self) -> &'static str {
        match self {
            ClaimFilingIndicator::MedicarePartB => "MB",
            ClaimFilingIndicator::Medicaid => "MC",
            ClaimFilingIndicator::Hmo => "HM",
            ClaimFilingIndicator::Commercial => "CI",
            ClaimFilingIndicator::BlueCross => "BL",
        }
    }

    /// The kind of plan in words.
    pub fn name(self) -> &'static str {
        match self {
            ClaimFilingIndicator::MedicarePartB => "Medicare Part B",
            ClaimFilingIndicator::Medicaid => "Medicaid",
            ClaimFilingIndicator::Hmo => "HMO",
            ClaimFilingIndicator::Commercial => "commercial",
            ClaimFilingIndicator::BlueCross => "Blue Cross Blue Shield",
        }
    }

    pub fn parse(code: &str) -> Option<ClaimFilingIndicator> {
        [
            ClaimFilingIndicator::MedicarePartB,
            ClaimFilingIndicator::Medicaid,
            ClaimFilingIndicator::Hmo,
            ClaimFilingIndicator::Commercial,
            ClaimFilingIndicator::BlueCross,
        ]
        .into_iter()
        .find(|c| c.code() == code.trim().to_ascii_uppercase())
    }
}

/// Where a claim is in its life. Charges post to the payer's receivable when
/// a claim first becomes ready; editing a ready or rejected claim takes them
/// off again (with a new entry), and the next ready posts them anew.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClaimStatus {
    /// Entered, not yet checked.
    Draft,
    /// Checked, with errors to fix before it can go.
    Scrubbed,
    /// Checked with no errors; charged; waiting for the next batch.
    Ready,
    /// Sent in an 837P batch.
    Submitted,
    /// The payer (or clearinghouse) took it in for adjudication.
    Accepted,
    /// Returned unprocessed: fix and send again.
    Rejected,
    Paid,
    Denied,
    PartiallyPaid,
    /// Nothing more will happen: paid and settled, replaced or voided.
    Closed,
}

impl ClaimStatus {
    pub const ALL: [ClaimStatus; 10] = [
        ClaimStatus::Draft,
        ClaimStatus::Scrubbed,
        ClaimStatus::Ready,
        ClaimStatus::Submitted,
        ClaimStatus::Accepted,
        ClaimStatus::Rejected,
        ClaimStatus::Paid,
        ClaimStatus::Denied,
        ClaimStatus::PartiallyPaid,
        ClaimStatus::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ClaimStatus::Draft => "draft",
            ClaimStatus::Scrubbed => "scrubbed",
            ClaimStatus::Ready => "ready",
            ClaimStatus::Submitted => "submitted",
            ClaimStatus::Accepted => "accepted",
            ClaimStatus::Rejected => "rejected",
            ClaimStatus::Paid => "paid",
            ClaimStatus::Denied => "denied",
            ClaimStatus::PartiallyPaid => "partially_paid",
            ClaimStatus::Closed => "closed",
        }
    }

    pub fn parse(text: &str) -> Option<ClaimStatus> {
        let wanted = text.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        ClaimStatus::ALL.into_iter().find(|s| s.as_str() == wanted)
    }

    /// Whether a person may still change the claim's codes and lines.
    pub fn editable(self) -> bool {
        matches!(self, ClaimStatus::Draft | ClaimStatus::Scrubbed | ClaimStatus::Ready | ClaimStatus::Rejected)
    }

    /// Whether the payer has the claim (so changing it takes a corrected
    /// claim, frequency 7, or a void, frequency 8).
    pub fn with_payer(self) -> bool {
        matches!(
            self,
            ClaimStatus::Submitted | ClaimStatus::Accepted | ClaimStatus::Paid | ClaimStatus::Denied | ClaimStatus::PartiallyPaid
        )
    }

    /// Whether an acknowledgment may move the claim to `next`.
    pub fn acknowledgment_may_move_to(self, next: ClaimStatus) -> bool {
        matches!(
            (self, next),
            (ClaimStatus::Submitted, ClaimStatus::Accepted | ClaimStatus::Rejected) | (ClaimStatus::Accepted, ClaimStatus::Rejected)
        )
    }
}

impl std::fmt::Display for ClaimStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// CLM05-3: an original claim, a replacement of one the payer has, or a void.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ClaimFrequency {
    Original,
    Replacement,
    Void,
}

impl ClaimFrequency {
    pub fn code(self) -> &'static str {
        match self {
            ClaimFrequency::Original => "1",
            ClaimFrequency::Replacement => "7",
            ClaimFrequency::Void => "8",
        }
    }
    pub fn parse(code: &str) -> Option<ClaimFrequency> {
        match code {
            "1" => Some(ClaimFrequency::Original),
            "7" => Some(ClaimFrequency::Replacement),
            "8" => Some(ClaimFrequency::Void),
            _ => None,
        }
    }
}

/// A postal address as an 837P's N3/N4 takes it: the one kind of address.
pub use crate::address::{AddressError, PostalAddress};

/// A person's name split as NM1 wants it (last, first): surname particles
/// stay with the last name ("Maria de la Cruz" is DE LA CRUZ, MARIA), a
/// suffix is not a last name ([`crate::names::PersonName`]).
pub fn split_person_name(name: &str) -> (String, String) {
    // Where only two parts go (a 270, an other payer's subscriber), the
    // middle name stays with the first.
    crate::names::PersonName::parse(name).two_parts()
}

/// DMG03.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Sex {
    Female,
    Male,
    Unknown,
}

impl Sex {
    pub fn code(self) -> &'static str {
        match self {
            Sex::Female => "F",
            Sex::Male => "M",
            Sex::Unknown => "U",
        }
    }
    pub fn parse(text: &str) -> Option<Sex> {
        match text.trim().to_ascii_uppercase().as_str() {
            "F" | "FEMALE" => Some(Sex::Female),
            "M" | "MALE" => Some(Sex::Male),
            "U" | "UNKNOWN" | "" => Some(Sex::Unknown),
            _ => None,
        }
    }
}

/// One service line (loop 2400).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceLine {
    pub date_of_service: Date,
    pub procedure: ProcedureCode,
    pub modifiers: Vec<Modifier>,
    /// 1-based pointers into the claim's diagnoses, at most four.
    pub diagnosis_pointers: Vec<u8>,
    /// Units (SV104), above zero; fractions to the thousandth.
    pub units: crate::units::Units,
    pub charge: Money,
    /// The line's own place of service, when it differs from the claim's.
    pub place_of_service: Option<PlaceOfService>,
    /// The line's authorization, drug, providers, note and attachments.
    pub facts: crate::claim_facts::LineFacts,
}

/// A professional claim, ready to be scrubbed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProfessionalClaim {
    pub billing_npi: Npi,
    pub rendering_npi: Option<Npi>,
    /// The billing provider's EIN or SSN (9 digits).
    pub tax_id: String,
    pub payer_id: String,
    pub filing_indicator: ClaimFilingIndicator,
    /// Days from the date of service within which the payer takes claims.
    pub timely_filing_days: u32,
    pub member_id: String,
    /// Whether the patient is the subscriber (SBR02 = 18).
    pub subscriber_is_patient: bool,
    /// The subscriber's name when the patient is a dependent.
    pub subscriber_name: String,
    pub patient_date_of_birth: Date,
    /// Coverage dates of the policy billed.
    pub coverage_from: Date,
    pub coverage_to: Option<Date>,
    pub diagnoses: Vec<IcdCode>,
    pub place_of_service: PlaceOfService,
    pub lines: Vec<ServiceLine>,
    /// CLM02 as stated; entered claims state the sum of their lines.
    pub stated_total: Money,
    pub frequency: ClaimFrequency,
    /// The payer's own number for the claim being replaced or voided
    /// (REF*F8), needed with frequency 7 or 8.
    pub payer_claim_number: String,
    /// The same patient's lines on other live claims, for the duplicate check.
    pub other_lines: Vec<BilledLine>,
    /// The names and addresses the claim writes, each with its element
    /// and maximum, for the check that X12 can carry them.
    pub texts: Vec<crate::names::X12Value>,
    /// Authorizations, other providers, accident and dates, notes,
    /// attachments and consents.
    pub facts: crate::claim_facts::ClaimFacts,
}

/// A line already billed on another claim.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BilledLine {
    pub claim_number: String,
    pub date_of_service: Date,
    pub procedure: ProcedureCode,
    pub modifiers: Vec<Modifier>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingLevel {
    /// The payer would reject the claim: fix before sending.
    Error,
    /// Likely to be denied or delayed: look before sending.
    Warning,
}

/// One thing the scrubber found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub level: FindingLevel,
    /// The rule that found it (see [`RULES`]).
    pub rule: String,
    /// The claim's field, such as `lines[2].diagnosis_pointers`.
    pub field: String,
    /// Where it goes in the 837P, such as `SV107`.
    pub x12: String,
    pub message: String,
}

impl Finding {
    pub fn error(rule: &str, field: impl Into<String>, x12: &str, message: impl Into<String>) -> Finding {
        Finding {
            level: FindingLevel::Error,
            rule: rule.to_string(),
            field: field.into(),
            x12: x12.to_string(),
            message: message.into(),
        }
    }
}

/// A scrubber rule: its id, whether an organisation may turn it off, and
/// what it checks.
pub struct Rule {
    pub id: &'static str,
    /// Rules without which no payer can read the claim cannot be turned off.
    pub optional: bool,
    pub checks: &'static str,
}

/// Every rule the scrubber applies.
pub const RULES: &[Rule] = &[
    Rule {
        id: "x12_text",
        optional: false,
        checks: "each name and address fits its X12 element and holds no separator (* ~ : ^)",
    },
    Rule {
        id: "tax_id",
        optional: false,
        checks: "the billing provider's EIN or SSN is 9 digits",
    },
    Rule {
        id: "member_id",
        optional: false,
        checks: "the subscriber's member id is present",
    },
    Rule {
        id: "payer_id",
        optional: false,
        checks: "the payer id is present",
    },
    Rule {
        id: "subscriber",
        optional: false,
        checks: "a dependent's subscriber is named",
    },
    Rule {
        id: "diagnoses",
        optional: false,
        checks: "one to twelve diagnoses",
    },
    Rule {
        id: "billable_diagnosis",
        optional: false,
        checks: "each diagnosis is a billable ICD-10-CM code",
    },
    Rule {
        id: "repeated_diagnosis",
        optional: true,
        checks: "no diagnosis is listed twice",
    },
    Rule {
        id: "lines",
        optional: false,
        checks: "one to fifty service lines",
    },
    Rule {
        id: "total",
        optional: false,
        checks: "the claim total equals the sum of its lines",
    },
    Rule {
        id: "future_date",
        optional: false,
        checks: "no date of service in the future",
    },
    Rule {
        id: "before_birth",
        optional: false,
        checks: "no date of service before the patient's birth",
    },
    Rule {
        id: "coverage_dates",
        optional: true,
        checks: "each date of service within the coverage dates",
    },
    Rule {
        id: "timely_filing",
        optional: true,
        checks: "within the payer's timely filing limit (a warning in its last 14 days)",
    },
    Rule {
        id: "modifiers",
        optional: false,
        checks: "at most four modifiers",
    },
    Rule {
        id: "laterality",
        optional: true,
        checks: "LT and RT not on one line",
    },
    Rule {
        id: "telehealth_place",
        optional: true,
        checks: "Medicare telehealth (95) with place of service 02 or 10",
    },
    Rule {
        id: "pointers",
        optional: false,
        checks: "each line points to one to four diagnoses on the claim",
    },
    Rule {
        id: "units",
        optional: false,
        checks: "units above zero (fractions to the thousandth)",
    },
    Rule {
        id: "charge",
        optional: false,
        checks: "line charges above zero",
    },
    Rule {
        id: "duplicate",
        optional: true,
        checks: "the same patient, date of service and code not on another live claim",
    },
    Rule {
        id: "payer_claim_number",
        optional: false,
        checks: "a corrected or void claim names the payer's claim number",
    },
];

fn finding(level: FindingLevel, rule: &str, field: impl Into<String>, x12: &str, message: impl Into<String>) -> Finding {
    Finding {
        level,
        rule: rule.to_string(),
        field: field.into(),
        x12: x12.to_string(),
        message: message.into(),
    }
}

/// Checks a claim with every rule on; empty means ready to send.
pub fn scrub(claim: &ProfessionalClaim, catalog: &IcdCatalog, today: Date) -> Vec<Finding> {
    scrub_with(claim, catalog, today, &[])
}

/// Checks a claim, leaving out the optional rules named in `off`.
pub fn scrub_with(claim: &ProfessionalClaim, catalog: &IcdCatalog, today: Date, off: &[String]) -> Vec<Finding> {
    use FindingLevel::{Error, Warning};
    let mut found = Vec::new();
    for value in &claim.texts {
        if let Some(problem) = value.problem() {
            found.push(Finding::error("x12_text", value.field.clone(), &value.x12, problem));
        }
    }
    if claim.tax_id.len() != 9 || !claim.tax_id.bytes().all(|b| b.is_ascii_digit()) {
        found.push(finding(
            Error,
            "tax_id",
            "tax_id",
            "REF02 (2010AA)",
            "the billing provider's EIN or SSN must be 9 digits",
        ));
    }
    if claim.member_id.trim().is_empty() {
        found.push(finding(
            Error,
            "member_id",
            "member_id",
            "NM109 (2010BA)",
            "the subscriber's member id is missing",
        ));
    }
    if claim.payer_id.trim().is_empty() {
        found.push(finding(Error, "payer_id", "payer_id", "NM109 (2010BB)", "the payer id is missing"));
    }
    if !claim.subscriber_is_patient && claim.subscriber_name.trim().is_empty() {
        found.push(finding(
            Error,
            "subscriber",
            "subscriber_name",
            "NM103 (2010BA)",
            "the patient is a dependent but the coverage names no subscriber; add the subscriber's name to the coverage",
        ));
    }
    if claim.frequency != ClaimFrequency::Original && claim.payer_claim_number.trim().is_empty() {
        found.push(finding(
            Error,
            "payer_claim_number",
            "payer_claim_number",
            "REF02 (2300 F8)",
            "a corrected or void claim needs the payer's claim number (from its acknowledgment or remittance)",
        ));
    }
    if claim.diagnoses.is_empty() {
        found.push(finding(Error, "diagnoses", "diagnoses", "HI01", "a claim needs at least one diagnosis"));
    }
    if claim.diagnoses.len() > 12 {
        found.push(finding(
            Error,
            "diagnoses",
            "diagnoses",
            "HI",
            format!("{} diagnoses; an 837P takes at most 12", claim.diagnoses.len()),
        ));
    }
    for (i, code) in claim.diagnoses.iter().enumerate() {
        if let Err(error) = catalog.billable(code) {
            found.push(finding(Error, "billable_diagnosis", format!("diagnoses[{i}]"), "HI", error.to_string()));
        }
        if claim.diagnoses[..i].contains(code) {
            found.push(finding(
                Warning,
                "repeated_diagnosis",
                format!("diagnoses[{i}]"),
                "HI",
                format!("{} is listed twice", code.dotted()),
            ));
        }
    }
    if claim.lines.is_empty() {
        found.push(finding(Error, "lines", "lines", "LX", "a claim needs at least one service line"));
    }
    if claim.lines.len() > 50 {
        found.push(finding(
            Error,
            "lines",
            "lines",
            "LX",
            format!("{} service lines; an 837P claim takes at most 50", claim.lines.len()),
        ));
    }
    let sum: i64 = claim.lines.iter().map(|l| l.charge.amount_minor()).sum();
    if sum != claim.stated_total.amount_minor() {
        found.push(finding(
            Error,
            "total",
            "total",
            "CLM02",
            format!(
                "the claim total {} is not the sum of its lines ({})",
                claim.stated_total,
                Money::from_minor(sum, claim.stated_total.currency())
            ),
        ));
    }
    for (i, line) in claim.lines.iter().enumerate() {
        let at = |field: &str| format!("lines[{i}].{field}");
        if line.date_of_service > today {
            found.push(finding(
                Error,
                "future_date",
                at("date_of_service"),
                "DTP03 (2400)",
                format!("{} is in the future", line.date_of_service),
            ));
        }
        if line.date_of_service < claim.patient_date_of_birth {
            found.push(finding(
                Error,
                "before_birth",
                at("date_of_service"),
                "DTP03 (2400)",
                "the service is dated before the patient's birth",
            ));
        }
        let covered = line.date_of_service >= claim.coverage_from && claim.coverage_to.is_none_or(|to| line.date_of_service <= to);
        if !covered {
            found.push(finding(
                Error,
                "coverage_dates",
                at("date_of_service"),
                "DTP03 (2400)",
                "the service falls outside the coverage dates of the policy billed",
            ));
        }
        let age_days = today.since(line.date_of_service).map(|span| i64::from(span.get_days())).unwrap_or(0);
        let limit = i64::from(claim.timely_filing_days);
        if age_days > limit {
            found.push(finding(
                Error,
                "timely_filing",
                at("date_of_service"),
                "DTP03 (2400)",
                format!("{age_days} days old; past the payer's {limit}-day timely filing limit"),
            ));
        } else if age_days > limit - 14 {
            found.push(finding(
                Warning,
                "timely_filing",
                at("date_of_service"),
                "DTP03 (2400)",
                format!("{} days left before the timely filing limit", limit - age_days),
            ));
        }
        if line.modifiers.len() > 4 {
            found.push(finding(Error, "modifiers", at("modifiers"), "SV101-3..6", "at most four modifiers"));
        }
        if line.diagnosis_pointers.is_empty() || line.diagnosis_pointers.len() > 4 {
            found.push(finding(
                Error,
                "pointers",
                at("diagnosis_pointers"),
                "SV107",
                "each line points to one to four diagnoses",
            ));
        }
        for pointer in &line.diagnosis_pointers {
            if *pointer == 0 || usize::from(*pointer) > claim.diagnoses.len() {
                found.push(finding(
                    Error,
                    "pointers",
                    at("diagnosis_pointers"),
                    "SV107",
                    format!("pointer {pointer} names no diagnosis on this claim"),
                ));
            }
        }
        if line.units.is_zero() {
            found.push(finding(Error, "units", at("units"), "SV104", "units must be above zero"));
        }
        if line.charge.amount_minor() <= 0 {
            found.push(finding(Error, "charge", at("charge"), "SV102", "the line charge must be greater than zero"));
        }
        let modifier = |m: &str| line.modifiers.iter().any(|x| x.as_str() == m);
        if modifier("LT") && modifier("RT") {
            found.push(finding(
                Error,
                "laterality",
                at("modifiers"),
                "SV101",
                "LT and RT on one line: bill each side on its own line, or use 50",
            ));
        }
        let pos = line.place_of_service.as_ref().unwrap_or(&claim.place_of_service);
        if modifier("95") && !matches!(pos.as_str(), "02" | "10") && claim.filing_indicator == ClaimFilingIndicator::MedicarePartB {
            found.push(finding(
                Warning,
                "telehealth_place",
                at("place_of_service"),
                "SV105",
                "modifier 95 (telehealth) with a place of service that is not 02 or 10",
            ));
        }
        if claim.frequency == ClaimFrequency::Original {
            let twin = claim
                .other_lines
                .iter()
                .find(|o| o.date_of_service == line.date_of_service && o.procedure == line.procedure && o.modifiers == line.modifiers);
            if let Some(twin) = twin {
                found.push(finding(
                    Error,
                    "duplicate",
                    at("procedure_code"),
                    "SV101-2",
                    format!(
                        "{} on {} is already billed on claim {}; correct that claim instead, or add a modifier (such as 76 or 91) if it was repeated",
                        line.procedure.as_str(),
                        line.date_of_service,
                        twin.claim_number
                    ),
                ));
            }
        }
    }
    found.retain(|f| !off.iter().any(|o| o == &f.rule) || RULES.iter().any(|r| r.id == f.rule && !r.optional));
    found.sort_by_key(|f| f.level);
    found
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::money::Currency;

    fn date(text: &str) -> Date {
        text.parse().unwrap()
    }

    /// A good claim: Key Insurance (commercial), one office visit.
    pub(crate) fn claim() -> ProfessionalClaim {
        let usd = Currency::from_code("USD").unwrap();
        ProfessionalClaim {
            billing_npi: Npi::parse("1912301953").unwrap(),
            rendering_npi: None,
            tax_id: "587654321".into(),
            payer_id: "66783JJT".into(),
            filing_indicator: ClaimFilingIndicator::Commercial,
            timely_filing_days: 90,
            member_id: "JS00111223333".into(),
            patient_date_of_birth: date("1970-04-02"),
            coverage_from: date("2026-01-01"),
            coverage_to: None,
            diagnoses: vec![IcdCode::parse("E11.9").unwrap(), IcdCode::parse("I10").unwrap()],
            place_of_service: PlaceOfService::parse("11").unwrap(),
            subscriber_is_patient: true,
            subscriber_name: String::new(),
            stated_total: Money::parse("125.00", usd).unwrap(),
            frequency: ClaimFrequency::Original,
            payer_claim_number: String::new(),
            other_lines: vec![],
            texts: Vec::new(),
            facts: Default::default(),
            lines: vec![ServiceLine {
                date_of_service: date("2026-11-02"),
                procedure: ProcedureCode::parse("99213").unwrap(),
                modifiers: vec![],
                diagnosis_pointers: vec![1, 2],
                units: crate::units::Units::ONE,
                charge: Money::parse("125.00", usd).unwrap(),
                place_of_service: None,
                facts: Default::default(),
            }],
        }
    }

    #[test]
    fn a_good_claim_has_no_findings() {
        assert_eq!(scrub(&claim(), IcdCatalog::get(), date("2026-11-24")), vec![]);
    }

    #[test]
    fn each_mistake_is_named_by_field_and_segment() {
        let mut bad = claim();
        bad.diagnoses.push(IcdCode::parse("E11").unwrap());
        bad.tax_id = "58-765432".into();
        bad.lines[0].diagnosis_pointers = vec![1, 5];
        bad.lines[0].modifiers = vec![Modifier::parse("LT").unwrap(), Modifier::parse("RT").unwrap()];
        bad.lines[0].date_of_service = date("2025-12-20");
        let found = scrub(&bad, IcdCatalog::get(), date("2026-11-24"));
        let fields: Vec<(&str, &str)> = found.iter().map(|f| (f.field.as_str(), f.x12.as_str())).collect();
        assert!(fields.contains(&("tax_id", "REF02 (2010AA)")), "{found:#?}");
        assert!(fields.contains(&("diagnoses[2]", "HI")), "{found:#?}");
        assert!(fields.contains(&("lines[0].diagnosis_pointers", "SV107")), "{found:#?}");
        assert!(fields.contains(&("lines[0].modifiers", "SV101")), "{found:#?}");
        let dates: Vec<&str> = found
            .iter()
            .filter(|f| f.field == "lines[0].date_of_service")
            .map(|f| f.message.as_str())
            .collect();
        assert!(dates.iter().any(|m| m.contains("outside the coverage dates")), "{dates:?}");
        assert!(dates.iter().any(|m| m.contains("timely filing limit")), "{dates:?}");
        assert!(found.iter().all(|f| f.level == FindingLevel::Error), "{found:#?}");
        assert!(found
            .iter()
            .find(|f| f.field == "diagnoses[2]")
            .unwrap()
            .message
            .contains("is a category, not a billable code"));
    }

    #[test]
    fn nearing_the_filing_limit_is_a_warning() {
        let mut late = claim();
        late.lines[0].date_of_service = date("2026-09-01");
        let found = scrub(&late, IcdCatalog::get(), date("2026-11-24"));
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(found[0].level, FindingLevel::Warning);
        assert!(found[0].message.contains("days left before the timely filing limit"));
    }

    #[test]
    fn a_duplicate_a_wrong_total_and_a_correction_without_the_payers_number() {
        let mut claim = claim();
        claim.other_lines.push(BilledLine {
            claim_number: "CLM-000007".into(),
            date_of_service: date("2026-11-02"),
            procedure: ProcedureCode::parse("99213").unwrap(),
            modifiers: vec![],
        });
        claim.stated_total = Money::parse("100.00", claim.stated_total.currency()).unwrap();
        let found = scrub(&claim, IcdCatalog::get(), date("2026-11-24"));
        let rules: Vec<&str> = found.iter().map(|f| f.rule.as_str()).collect();
        assert_eq!(rules, ["total", "duplicate"], "{found:#?}");
        assert!(found[1].message.contains("CLM-000007"));
        claim.frequency = ClaimFrequency::Replacement;
        claim.stated_total = Money::parse("125.00", claim.stated_total.currency()).unwrap();
        let found = scrub(&claim, IcdCatalog::get(), date("2026-11-24"));
        assert_eq!(
            found.iter().map(|f| f.rule.as_str()).collect::<Vec<_>>(),
            ["payer_claim_number"],
            "a correction is no duplicate"
        );
    }

    #[test]
    fn optional_rules_can_be_turned_off_and_required_ones_cannot() {
        let mut claim = claim();
        claim.lines[0].date_of_service = date("2025-12-20");
        claim.lines[0].units = crate::units::Units::ZERO;
        let off = vec!["timely_filing".to_string(), "coverage_dates".to_string(), "units".to_string()];
        let found = scrub_with(&claim, IcdCatalog::get(), date("2026-11-24"), &off);
        assert_eq!(found.iter().map(|f| f.rule.as_str()).collect::<Vec<_>>(), ["units"], "{found:#?}");
        assert!(RULES.iter().all(|r| !r.checks.is_empty()));
    }

    #[test]
    fn addresses_and_names_for_the_837p() {
        let a = PostalAddress::parse("234 Seaway St, Suite 2, Miami, fl 33111-0000").unwrap();
        assert_eq!(
            (a.line1(), a.line2(), a.city(), a.state(), a.postal_code()),
            ("234 Seaway St", "Suite 2", "Miami", "FL", "331110000")
        );
        assert!(PostalAddress::parse("12 Main Street, Springfield").is_err());
        assert!(PostalAddress::parse("12 Main Street, Springfield, IL 6270").is_err());
        assert_eq!(split_person_name("Mary Ann Smith"), ("Smith".to_string(), "Mary Ann".to_string()));
        assert_eq!(ClaimStatus::parse("Partially Paid"), Some(ClaimStatus::PartiallyPaid));
        assert!(ClaimStatus::Rejected.editable() && !ClaimStatus::Accepted.editable());
        assert!(ClaimStatus::Submitted.acknowledgment_may_move_to(ClaimStatus::Accepted));
        assert!(!ClaimStatus::Paid.acknowledgment_may_move_to(ClaimStatus::Rejected));
    }
}
