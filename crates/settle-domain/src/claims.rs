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

/// One service line (loop 2400).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceLine {
    pub date_of_service: Date,
    pub procedure: ProcedureCode,
    pub modifiers: Vec<Modifier>,
    /// 1-based pointers into the claim's diagnoses, at most four.
    pub diagnosis_pointers: Vec<u8>,
    /// Whole units (SV104), at least one.
    pub units: u32,
    pub charge: Money,
    /// The line's own place of service, when it differs from the claim's.
    pub place_of_service: Option<PlaceOfService>,
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
    pub patient_date_of_birth: Date,
    /// Coverage dates of the policy billed.
    pub coverage_from: Date,
    pub coverage_to: Option<Date>,
    pub diagnoses: Vec<IcdCode>,
    pub place_of_service: PlaceOfService,
    pub lines: Vec<ServiceLine>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum FindingLevel {
    /// The payer would reject the claim: fix before sending.
    Error,
    /// Likely to be denied or delayed: look before sending.
    Warning,
}

/// One thing the scrubber found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub level: FindingLevel,
    /// The claim's field, such as `lines[2].diagnosis_pointers`.
    pub field: String,
    /// Where it goes in the 837P, such as `SV107`.
    pub x12: &'static str,
    pub message: String,
}

fn finding(level: FindingLevel, field: impl Into<String>, x12: &'static str, message: impl Into<String>) -> Finding {
    Finding {
        level,
        field: field.into(),
        x12,
        message: message.into(),
    }
}

/// Checks a claim; empty means ready to send.
pub fn scrub(claim: &ProfessionalClaim, catalog: &IcdCatalog, today: Date) -> Vec<Finding> {
    use FindingLevel::{Error, Warning};
    let mut found = Vec::new();
    if claim.tax_id.len() != 9 || !claim.tax_id.bytes().all(|b| b.is_ascii_digit()) {
        found.push(finding(Error, "tax_id", "REF02 (2010AA)", "the billing provider's EIN or SSN must be 9 digits"));
    }
    if claim.member_id.trim().is_empty() {
        found.push(finding(Error, "member_id", "NM109 (2010BA)", "the subscriber's member id is missing"));
    }
    if claim.payer_id.trim().is_empty() {
        found.push(finding(Error, "payer_id", "NM109 (2010BB)", "the payer id is missing"));
    }
    if claim.diagnoses.is_empty() {
        found.push(finding(Error, "diagnoses", "HI01", "a claim needs at least one diagnosis"));
    }
    if claim.diagnoses.len() > 12 {
        found.push(finding(
            Error,
            "diagnoses",
            "HI",
            format!("{} diagnoses; an 837P takes at most 12", claim.diagnoses.len()),
        ));
    }
    for (i, code) in claim.diagnoses.iter().enumerate() {
        if let Err(error) = catalog.billable(code) {
            found.push(finding(Error, format!("diagnoses[{i}]"), "HI", error.to_string()));
        }
        if claim.diagnoses[..i].contains(code) {
            found.push(finding(Warning, format!("diagnoses[{i}]"), "HI", format!("{} is listed twice", code.dotted())));
        }
    }
    if claim.lines.is_empty() {
        found.push(finding(Error, "lines", "LX", "a claim needs at least one service line"));
    }
    if claim.lines.len() > 50 {
        found.push(finding(
            Error,
            "lines",
            "LX",
            format!("{} service lines; an 837P claim takes at most 50", claim.lines.len()),
        ));
    }
    for (i, line) in claim.lines.iter().enumerate() {
        let at = |field: &str| format!("lines[{i}].{field}");
        if line.date_of_service > today {
            found.push(finding(
                Error,
                at("date_of_service"),
                "DTP03 (2400)",
                format!("{} is in the future", line.date_of_service),
            ));
        }
        if line.date_of_service < claim.patient_date_of_birth {
            found.push(finding(
                Error,
                at("date_of_service"),
                "DTP03 (2400)",
                "the service is dated before the patient's birth",
            ));
        }
        let covered = line.date_of_service >= claim.coverage_from && claim.coverage_to.is_none_or(|to| line.date_of_service <= to);
        if !covered {
            found.push(finding(
                Error,
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
                at("date_of_service"),
                "DTP03 (2400)",
                format!("{age_days} days old; past the payer's {limit}-day timely filing limit"),
            ));
        } else if age_days > limit - 14 {
            found.push(finding(
                Warning,
                at("date_of_service"),
                "DTP03 (2400)",
                format!("{} days left before the timely filing limit", limit - age_days),
            ));
        }
        if line.modifiers.len() > 4 {
            found.push(finding(Error, at("modifiers"), "SV101-3..6", "at most four modifiers"));
        }
        if line.diagnosis_pointers.is_empty() || line.diagnosis_pointers.len() > 4 {
            found.push(finding(Error, at("diagnosis_pointers"), "SV107", "each line points to one to four diagnoses"));
        }
        for pointer in &line.diagnosis_pointers {
            if *pointer == 0 || usize::from(*pointer) > claim.diagnoses.len() {
                found.push(finding(
                    Error,
                    at("diagnosis_pointers"),
                    "SV107",
                    format!("pointer {pointer} names no diagnosis on this claim"),
                ));
            }
        }
        if line.units == 0 {
            found.push(finding(Error, at("units"), "SV104", "units must be at least 1"));
        }
        if line.charge.amount_minor() <= 0 {
            found.push(finding(Error, at("charge"), "SV102", "the line charge must be greater than zero"));
        }
        let modifier = |m: &str| line.modifiers.iter().any(|x| x.as_str() == m);
        if modifier("LT") && modifier("RT") {
            found.push(finding(
                Error,
                at("modifiers"),
                "SV101",
                "LT and RT on one line: bill each side on its own line, or use 50",
            ));
        }
        let pos = line.place_of_service.as_ref().unwrap_or(&claim.place_of_service);
        if modifier("95") && !matches!(pos.as_str(), "02" | "10") && claim.filing_indicator == ClaimFilingIndicator::MedicarePartB {
            found.push(finding(
                Warning,
                at("place_of_service"),
                "SV105",
                "modifier 95 (telehealth) with a place of service that is not 02 or 10",
            ));
        }
    }
    found.sort_by_key(|f| f.level);
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;

    fn date(text: &str) -> Date {
        text.parse().unwrap()
    }

    fn claim() -> ProfessionalClaim {
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
            lines: vec![ServiceLine {
                date_of_service: date("2026-11-02"),
                procedure: ProcedureCode::parse("99213").unwrap(),
                modifiers: vec![],
                diagnosis_pointers: vec![1, 2],
                units: 1,
                charge: Money::parse("125.00", usd).unwrap(),
                place_of_service: None,
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
        let fields: Vec<(&str, &str)> = found.iter().map(|f| (f.field.as_str(), f.x12)).collect();
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
}
