//! What a payer needs to know about a professional claim beyond its codes
//! and charges, as the 837P (005010X222A1) carries it and the CMS-1500
//! numbers it: prior authorization and referral numbers (box 23), the
//! referring, ordering and supervising providers (box 17), the service
//! facility (box 32), the condition's relation to employment or an
//! accident (box 10) with the accident's date and state, the dates of
//! onset, first treatment and last seen (boxes 14-15), disability and
//! hospitalisation dates (boxes 16, 18), the laboratory's CLIA number,
//! notes (box 19), attachments (PWK) and the patient's signature,
//! assignment and release of information (boxes 12, 13, 27); on a line,
//! its own authorization and referral, the drug's NDC with quantity and
//! unit (the shaded part of box 24), anesthesia minutes, and the line's
//! ordering, referring and supervising providers.
//!
//! Each is checked here, once, for every door: [`ClaimFacts::check`] and
//! [`LineFacts::check`] refuse a value by its field, as the payer's
//! translator would refuse it by element.

use serde::{Deserialize, Serialize};

use crate::codes::Npi;
use crate::Date;

pub mod ambulance;
pub use ambulance::{Ambulance, Certification, Location};

/// A provider a claim names besides the billing and rendering ones: a
/// person (last and first name) or an organisation (last only), with an
/// NPI.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NamedProvider {
    /// The person's last name, or the organisation's name.
    #[schema(example = "Okafor")]
    pub last: String,
    #[serde(default)]
    #[schema(example = "Ngozi")]
    pub first: String,
    #[schema(example = "1234567893")]
    pub npi: String,
}

/// Where the service was given, when not at the billing provider's address
/// (loop 2310C, box 32).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceFacility {
    #[schema(example = "Eastside Imaging Center")]
    pub name: String,
    /// The facility's NPI, where it has one.
    #[serde(default)]
    pub npi: String,
    #[schema(example = "40 Harbor Rd")]
    pub street: String,
    #[schema(example = "Springfield")]
    pub city: String,
    #[schema(example = "IL")]
    pub state: String,
    #[schema(example = "62704")]
    pub zip: String,
}

/// An attachment sent apart from the claim (PWK): what it is and how it
/// travels, and the number that ties it to the claim.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Attachment {
    /// PWK01, the report type: 03 report justifying treatment beyond
    /// guidelines, 04 drugs administered, 05 treatment diagnosis, 06
    /// initial assessment, 07 functional goals, 08 plan of treatment, 09
    /// progress report, 10 continued treatment, 11 chemical analysis, 13
    /// certified test report, 15 justification for admission, 21 recovery
    /// plan, A3 allergies, A4 autopsy, AM ambulance certification, AS
    /// admission summary, B2 prescription, B3 physician order, B4 referral
    /// form, BR benchmark testing, BS baseline, BT blanket test results, CB
    /// chiropractic justification, CK consent form, CT certification, D2
    /// drug profile, DA dental models, DB durable medical equipment
    /// prescription, DG diagnostic report, DJ discharge monitoring report,
    /// DS discharge summary, EB explanation of benefits, HC health
    /// certificate, HR health clinic records, I5 immunization record, IR
    /// state school immunization records, LA laboratory results, M1
    /// medical record attachment, MT models, NN nursing notes, OB operative
    /// note, OC oxygen content averaging report, OD orders and treatments,
    /// OE objective physical examination, OX oxygen therapy certification,
    /// OZ support data for claim, P4 pathology report, P5 patient medical
    /// history, PE parenteral or enteral certification, PN physical therapy
    /// notes, PO prosthetics or orthotic certification, PQ paramedical
    /// results, PY physician's report, PZ physical therapy certification,
    /// RB radiology films, RR radiology reports, RT report of tests and
    /// analysis, RX renewable oxygen content averaging report, SG symptoms
    /// document, V5 death notification, XP photographs.
    #[schema(example = "OZ")]
    pub report_type: String,
    /// PWK02: AA available on request at the provider's site, BM by mail,
    /// EL electronically only, EM by email, FT file transfer, FX by fax.
    #[schema(example = "FX")]
    pub transmission: String,
    /// PWK06: the attachment's control number (required unless AA).
    #[serde(default)]
    pub control_number: String,
}

/// The report types PWK01 takes in the 837P.
pub const REPORT_TYPES: &[&str] = &[
    "03", "04", "05", "06", "07", "08", "09", "10", "11", "13", "15", "21", "A3", "A4", "AM", "AS", "B2", "B3", "B4", "BR", "BS", "BT", "CB", "CK", "CT", "D2",
    "DA", "DB", "DG", "DJ", "DS", "EB", "HC", "HR", "I5", "IR", "LA", "M1", "MT", "NN", "OB", "OC", "OD", "OE", "OX", "OZ", "P4", "P5", "PE", "PN", "PO", "PQ",
    "PY", "PZ", "RB", "RR", "RT", "RX", "SG", "V5", "XP",
];

/// How an attachment travels (PWK02).
pub const TRANSMISSIONS: &[&str] = &["AA", "BM", "EL", "EM", "FT", "FX"];

/// A note for the payer (NTE): its kind and text.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Note {
    /// NTE01: ADD additional information, CER certification narrative, DCP
    /// goals, rehabilitation potential or discharge plans, DGN diagnosis
    /// description, TPO third party organisation notes (claim); ADD or DCP
    /// on a line.
    #[schema(example = "ADD")]
    pub kind: String,
    /// Up to 80 characters.
    #[schema(example = "Patient seen after hours at the payer's request")]
    pub text: String,
}

/// The kinds of claim note (2300 NTE01).
pub const CLAIM_NOTE_KINDS: &[&str] = &["ADD", "CER", "DCP", "DGN", "TPO"];
/// The kinds of line note (2400 NTE01).
pub const LINE_NOTE_KINDS: &[&str] = &["ADD", "DCP"];

/// What the patient's condition is related to (CLM11, box 10).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RelatedCauses {
    /// EM: the patient's employment (a workers' compensation case).
    #[serde(default)]
    pub employment: bool,
    /// AA: an auto accident; `auto_accident_state` says where.
    #[serde(default)]
    pub auto_accident: bool,
    /// The state (or province) of the auto accident, two letters.
    #[serde(default)]
    pub auto_accident_state: String,
    /// The country of the auto accident, two letters, outside the US.
    #[serde(default)]
    pub auto_accident_country: String,
    /// OA: another accident.
    #[serde(default)]
    pub other_accident: bool,
}

impl RelatedCauses {
    /// The CLM11 codes, in the guide's order.
    pub fn codes(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        if self.auto_accident {
            out.push("AA");
        }
        if self.employment {
            out.push("EM");
        }
        if self.other_accident {
            out.push("OA");
        }
        out
    }

    pub fn any(&self) -> bool {
        self.employment || self.auto_accident || self.other_accident
    }

    pub fn accident(&self) -> bool {
        self.auto_accident || self.other_accident
    }
}

/// The patient's file, as a claim reports it (CLM06, CLM07, CLM08, CLM09).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Consents {
    /// CLM06, box 31: the provider's signature is on file.
    #[serde(default = "yes")]
    pub provider_signature_on_file: bool,
    /// CLM07, box 27: A the provider accepts assignment, B assignment
    /// accepted on clinical laboratory services only, C not accepted.
    #[serde(default = "assigned")]
    pub accepts_assignment: String,
    /// CLM08, box 13: Y the patient (or insured) assigned the benefits to
    /// the provider, N not, W not applicable (the patient refused to
    /// sign, or the payer pays the patient).
    #[serde(default = "benefits")]
    pub benefits_assigned: String,
    /// CLM09, box 12: Y the patient signed a release of information, I
    /// informed consent to release under federal and state law only.
    #[serde(default = "release")]
    pub release_of_information: String,
}

fn yes() -> bool {
    true
}
fn assigned() -> String {
    "A".into()
}
fn benefits() -> String {
    "Y".into()
}
fn release() -> String {
    "Y".into()
}

impl Default for Consents {
    fn default() -> Consents {
        Consents {
            provider_signature_on_file: true,
            accepts_assignment: assigned(),
            benefits_assigned: benefits(),
            release_of_information: release(),
        }
    }
}

/// The claim's facts beyond its codes and charges (loop 2300 and the
/// 2310 providers). Every field is optional; the scrubber's payer rules
/// say which a payer requires.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ClaimFacts {
    /// REF*G1, box 23: the payer's prior authorization number.
    #[schema(example = "PA-2026-118")]
    pub prior_authorization: String,
    /// REF*9F, box 23: the referral number.
    pub referral_number: String,
    /// Loop 2310A (NM1*DN), box 17 DN: who referred the patient.
    pub referring_provider: Option<NamedProvider>,
    /// Loop 2310D (NM1*DQ), box 17 DQ: who supervised the service.
    pub supervising_provider: Option<NamedProvider>,
    /// Loop 2310C, box 32: where the service was given.
    pub service_facility: Option<ServiceFacility>,
    /// CLM11, box 10.
    pub related_causes: RelatedCauses,
    /// DTP*439: the accident's date (with an accident cause).
    pub accident_date: Option<Date>,
    /// DTP*431, box 14: onset of the current illness or symptom.
    pub onset_date: Option<Date>,
    /// DTP*454, box 15: initial treatment.
    pub initial_treatment_date: Option<Date>,
    /// DTP*304, box 15: last seen (physical and occupational therapy, podiatry).
    pub last_seen_date: Option<Date>,
    /// DTP*360 and 361, box 16: unable to work, from and to.
    pub disability_from: Option<Date>,
    pub disability_to: Option<Date>,
    /// DTP*435 and 096, box 18: hospitalised, admitted and discharged.
    pub admission_date: Option<Date>,
    pub discharge_date: Option<Date>,
    /// DTP*453: acute manifestation of a chronic condition (chiropractic).
    pub acute_manifestation_date: Option<Date>,
    /// DTP*484: last menstrual period (pregnancy).
    pub last_menstrual_period: Option<Date>,
    /// DTP*455: last X-ray (chiropractic spinal manipulation).
    pub last_xray_date: Option<Date>,
    /// DTP*297 and 296: last day worked, and authorised return to work.
    pub last_worked_date: Option<Date>,
    pub return_to_work_date: Option<Date>,
    /// DTP*090 and 091: care assumed and relinquished (shared
    /// post-operative care).
    pub assumed_care_date: Option<Date>,
    pub relinquished_care_date: Option<Date>,
    /// DTP*444: first contact (property and casualty claims).
    pub first_contact_date: Option<Date>,
    /// REF*X4, box 23: the laboratory's CLIA certificate number.
    #[schema(example = "05D0987654")]
    pub clia_number: String,
    /// REF*EW: the mammography certification number.
    pub mammography_certificate: String,
    /// NTE, box 19.
    pub note: Option<Note>,
    /// PWK, up to ten.
    pub attachments: Vec<Attachment>,
    /// CLM06 to CLM09.
    pub consents: Consents,
    /// An ambulance claim's transport (CR1, CRC, 2310E, 2310F).
    pub ambulance: Option<Ambulance>,
}

/// A drug given on a line (loop 2410): its National Drug Code, how much,
/// and in what unit.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Drug {
    /// The NDC in its 11-digit 5-4-2 form (LIN03), or as printed on the
    /// package with hyphens (4-4-2, 5-3-2, 5-4-1), which is padded to it.
    #[schema(example = "00409-4888-01")]
    pub ndc: String,
    /// CTP04: the quantity given, a decimal above zero.
    #[schema(example = "2")]
    pub quantity: String,
    /// CTP05-01: F2 international unit, GR gram, ME milligram, ML
    /// milliliter, UN unit.
    #[schema(example = "ML")]
    pub unit: String,
    /// REF*XZ: the pharmacy's prescription number, when the drug was
    /// dispensed on one.
    #[serde(default)]
    pub prescription_number: String,
}

/// The units CTP05 takes for a drug.
pub const DRUG_UNITS: &[&str] = &["F2", "GR", "ME", "ML", "UN"];

/// A line's own facts (loop 2400 and its 2410, 2420 loops).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct LineFacts {
    /// REF*G1 on the line: the authorization for this service.
    pub prior_authorization: String,
    /// REF*9F on the line.
    pub referral_number: String,
    /// Loop 2410: the drug given.
    pub drug: Option<Drug>,
    /// SV103 MJ and SV104: anesthesia time in minutes, instead of units.
    pub anesthesia_minutes: Option<u32>,
    /// REF*X4 on the line: the CLIA number of the laboratory that did it.
    pub clia_number: String,
    /// Loop 2420E (NM1*DK): who ordered the service (laboratory,
    /// imaging, durable equipment).
    pub ordering_provider: Option<NamedProvider>,
    /// Loop 2420F (NM1*DN): who referred it, when not the claim's.
    pub referring_provider: Option<NamedProvider>,
    /// Loop 2420D (NM1*DQ): who supervised it, when not the claim's.
    pub supervising_provider: Option<NamedProvider>,
    /// NTE on the line.
    pub note: Option<Note>,
    /// PWK on the line, up to ten.
    pub attachments: Vec<Attachment>,
    /// DTP*472 RD8: the last day of a service given over several days
    /// (home infusion, equipment rental), the line's date being the first.
    pub service_through: Option<Date>,
    /// DTP*471: when the drug was prescribed.
    pub prescription_date: Option<Date>,
    /// SV101-07: what the service was, in words, up to 80 characters (a
    /// payer requires it for an unlisted or not-otherwise-classified code
    /// such as J3490 or 99499).
    pub description: String,
    /// SV109: the service was an emergency.
    pub emergency: bool,
    /// QTY*PT: how many patients one ambulance trip carried, when more
    /// than one.
    pub ambulance_patients: Option<u32>,
    /// Loop 2420E N3/N4: the ordering provider's address (durable
    /// medical equipment).
    pub ordering_address: Option<Location>,
}

/// A fact refused, by its field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FactError {
    pub field: String,
    pub message: String,
}

fn refuse(field: impl Into<String>, message: impl Into<String>) -> FactError {
    FactError {
        field: field.into(),
        message: message.into(),
    }
}

/// A reference number as X12 carries it: 1 to 50 printable characters with
/// no separator.
fn reference(field: &str, text: &str) -> Result<(), FactError> {
    if text.chars().count() > 50 {
        return Err(refuse(field, "is longer than 50 characters"));
    }
    if let Some(c) = text.chars().find(|c| !(c.is_ascii_graphic() || *c == ' ') || "*~:^".contains(*c)) {
        return Err(refuse(field, format!("holds {c:?}, which an 837P cannot carry in a reference")));
    }
    Ok(())
}

/// A CLIA number: two digits, the letter D, seven digits.
pub fn clia(field: &str, text: &str) -> Result<(), FactError> {
    let b = text.as_bytes();
    let ok = b.len() == 10 && b[..2].iter().all(u8::is_ascii_digit) && b[2] == b'D' && b[3..].iter().all(u8::is_ascii_digit);
    if ok {
        Ok(())
    } else {
        Err(refuse(
            field,
            format!("{text:?} is not a CLIA number (two digits, D, seven digits: 05D0987654)"),
        ))
    }
}

/// An NDC in the 11-digit 5-4-2 form the 837P carries, from either that
/// form or the 10-digit one printed on packages with its hyphens.
pub fn ndc_11(text: &str) -> Result<String, String> {
    let text = text.trim();
    let parts: Vec<&str> = text.split('-').collect();
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !parts.iter().all(|p| digits(p)) {
        return Err(format!("{text:?} is not an NDC (digits, with hyphens as on the package)"));
    }
    match parts.as_slice() {
        [whole] if whole.len() == 11 => Ok(whole.to_string()),
        [labeler, product, package] => {
            let padded = match (labeler.len(), product.len(), package.len()) {
                (5, 4, 2) => format!("{labeler}{product}{package}"),
                (4, 4, 2) => format!("0{labeler}{product}{package}"),
                (5, 3, 2) => format!("{labeler}0{product}{package}"),
                (5, 4, 1) => format!("{labeler}{product}0{package}"),
                _ => return Err(format!("{text:?} is not an NDC: its parts are 4-4-2, 5-3-2, 5-4-1 or 5-4-2 digits")),
            };
            Ok(padded)
        }
        _ => Err(format!("{text:?} is not an NDC: 11 digits, or the package's 10 with hyphens (0409-4888-01)")),
    }
}

impl NamedProvider {
    fn check(&self, field: &str) -> Result<(), FactError> {
        if self.last.trim().is_empty() {
            return Err(refuse(format!("{field}.last"), "is required (a person's last name or an organisation's name)"));
        }
        for (part, text, max) in [("last", &self.last, 60), ("first", &self.first, 35)] {
            if text.chars().count() > max {
                return Err(refuse(format!("{field}.{part}"), format!("is longer than {max} characters")));
            }
        }
        Npi::parse(&self.npi).map_err(|e| refuse(format!("{field}.npi"), e.to_string()))?;
        Ok(())
    }
}

impl Note {
    fn check(&self, field: &str, kinds: &[&str]) -> Result<(), FactError> {
        if !kinds.contains(&self.kind.as_str()) {
            return Err(refuse(format!("{field}.kind"), format!("{:?} is not one of {}", self.kind, kinds.join(", "))));
        }
        let text = self.text.trim();
        if text.is_empty() || text.chars().count() > 80 {
            return Err(refuse(format!("{field}.text"), "takes 1 to 80 characters"));
        }
        if let Some(c) = text.chars().find(|c| "*~:^".contains(*c)) {
            return Err(refuse(
                format!("{field}.text"),
                format!("holds {c:?}, which X12 uses to separate values; write it another way"),
            ));
        }
        Ok(())
    }
}

fn attachments(field: &str, list: &[Attachment]) -> Result<(), FactError> {
    if list.len() > 10 {
        return Err(refuse(field, "takes at most ten attachments"));
    }
    for (i, a) in list.iter().enumerate() {
        let at = format!("{field}[{i}]");
        if !REPORT_TYPES.contains(&a.report_type.as_str()) {
            return Err(refuse(format!("{at}.report_type"), format!("{:?} is not a PWK01 report type", a.report_type)));
        }
        if !TRANSMISSIONS.contains(&a.transmission.as_str()) {
            return Err(refuse(
                format!("{at}.transmission"),
                format!("{:?} is not one of {}", a.transmission, TRANSMISSIONS.join(", ")),
            ));
        }
        if a.transmission != "AA" && a.control_number.trim().is_empty() {
            return Err(refuse(
                format!("{at}.control_number"),
                "is required when the attachment is sent (anything but AA)",
            ));
        }
        reference(&format!("{at}.control_number"), &a.control_number)?;
    }
    Ok(())
}

fn state_code(field: &str, text: &str) -> Result<(), FactError> {
    if text.len() == 2 && text.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(())
    } else {
        Err(refuse(field, format!("{text:?} is not a two-letter state code")))
    }
}

fn order(field: &str, from: Option<Date>, to: Option<Date>) -> Result<(), FactError> {
    match (from, to) {
        (Some(from), Some(to)) if to < from => Err(refuse(field, format!("{to} is before {from}"))),
        _ => Ok(()),
    }
}

impl ClaimFacts {
    /// Refuses what no payer could read, by field.
    pub fn check(&self) -> Result<(), FactError> {
        reference("facts.prior_authorization", &self.prior_authorization)?;
        reference("facts.referral_number", &self.referral_number)?;
        reference("facts.mammography_certificate", &self.mammography_certificate)?;
        if !self.clia_number.is_empty() {
            clia("facts.clia_number", &self.clia_number)?;
        }
        for (field, provider) in [
            ("facts.referring_provider", &self.referring_provider),
            ("facts.supervising_provider", &self.supervising_provider),
        ] {
            if let Some(p) = provider {
                p.check(field)?;
            }
        }
        if let Some(f) = &self.service_facility {
            if f.name.trim().is_empty() {
                return Err(refuse("facts.service_facility.name", "takes 1 to 60 characters"));
            }
            let place = Location {
                name: f.name.clone(),
                street: f.street.clone(),
                city: f.city.clone(),
                state: f.state.clone(),
                zip: f.zip.clone(),
            };
            place.check("facts.service_facility")?;
            if !f.npi.is_empty() {
                Npi::parse(&f.npi).map_err(|e| refuse("facts.service_facility.npi", e.to_string()))?;
            }
        }
        let causes = &self.related_causes;
        if causes.auto_accident {
            match (causes.auto_accident_state.as_str(), causes.auto_accident_country.as_str()) {
                ("", "") => {
                    return Err(refuse(
                        "facts.related_causes.auto_accident_state",
                        "an auto accident names the state it happened in",
                    ))
                }
                (state, _) if !state.is_empty() => state_code("facts.related_causes.auto_accident_state", state)?,
                _ => {}
            }
        } else if !causes.auto_accident_state.is_empty() {
            return Err(refuse("facts.related_causes.auto_accident_state", "is for an auto accident only"));
        }
        if causes.accident() && self.accident_date.is_none() {
            return Err(refuse("facts.accident_date", "an accident needs its date (DTP*439)"));
        }
        if !causes.accident() && self.accident_date.is_some() {
            return Err(refuse("facts.accident_date", "is for an auto or other accident (related_causes)"));
        }
        order("facts.disability_to", self.disability_from, self.disability_to)?;
        order("facts.discharge_date", self.admission_date, self.discharge_date)?;
        order("facts.relinquished_care_date", self.assumed_care_date, self.relinquished_care_date)?;
        if let Some(note) = &self.note {
            note.check("facts.note", CLAIM_NOTE_KINDS)?;
        }
        attachments("facts.attachments", &self.attachments)?;
        if let Some(a) = &self.ambulance {
            a.check()?;
        }
        let c = &self.consents;
        for (field, value, allowed) in [
            ("facts.consents.accepts_assignment", &c.accepts_assignment, &["A", "B", "C"][..]),
            ("facts.consents.benefits_assigned", &c.benefits_assigned, &["Y", "N", "W"][..]),
            ("facts.consents.release_of_information", &c.release_of_information, &["Y", "I"][..]),
        ] {
            if !allowed.contains(&value.as_str()) {
                return Err(refuse(field, format!("{value:?} is not one of {}", allowed.join(", "))));
            }
        }
        Ok(())
    }
}

impl LineFacts {
    /// Refuses what no payer could read, by field (`lines[n].facts...`).
    pub fn check(&self, line: usize) -> Result<(), FactError> {
        if self.is_empty() {
            return Ok(());
        }
        let at = |name: &str| format!("lines[{line}].facts.{name}");
        reference(&at("prior_authorization"), &self.prior_authorization)?;
        reference(&at("referral_number"), &self.referral_number)?;
        if !self.clia_number.is_empty() {
            clia(&at("clia_number"), &self.clia_number)?;
        }
        if let Some(drug) = &self.drug {
            ndc_11(&drug.ndc).map_err(|e| refuse(at("drug.ndc"), e))?;
            let quantity: Option<rust_decimal::Decimal> = drug.quantity.trim().parse().ok();
            if !quantity.is_some_and(|q| q > rust_decimal::Decimal::ZERO && q.scale() <= 3) {
                return Err(refuse(
                    at("drug.quantity"),
                    format!("{:?} is not a quantity above zero (at most three decimals)", drug.quantity),
                ));
            }
            if !DRUG_UNITS.contains(&drug.unit.as_str()) {
                return Err(refuse(at("drug.unit"), format!("{:?} is not one of {}", drug.unit, DRUG_UNITS.join(", "))));
            }
            reference(&at("drug.prescription_number"), &drug.prescription_number)?;
        }
        if self.anesthesia_minutes == Some(0) {
            return Err(refuse(at("anesthesia_minutes"), "must be above zero"));
        }
        for (name, provider) in [
            ("ordering_provider", &self.ordering_provider),
            ("referring_provider", &self.referring_provider),
            ("supervising_provider", &self.supervising_provider),
        ] {
            if let Some(p) = provider {
                p.check(&at(name))?;
            }
        }
        if let Some(note) = &self.note {
            note.check(&at("note"), LINE_NOTE_KINDS)?;
        }
        if self.description.chars().count() > 80 {
            return Err(refuse(at("description"), "is longer than 80 characters"));
        }
        if let Some(c) = self.description.chars().find(|c| "*~:^".contains(*c) || c.is_control()) {
            return Err(refuse(at("description"), format!("holds {c:?}, which X12 uses to separate values")));
        }
        if matches!(self.ambulance_patients, Some(n) if !(2..=99).contains(&n)) {
            return Err(refuse(at("ambulance_patients"), "is for a trip that carried 2 to 99 patients"));
        }
        match (&self.ordering_address, &self.ordering_provider) {
            (Some(_), None) => return Err(refuse(at("ordering_address"), "is the ordering provider's; name the provider")),
            (Some(a), Some(_)) => {
                if !a.name.is_empty() {
                    return Err(refuse(at("ordering_address.name"), "the provider's name is in ordering_provider"));
                }
                a.check(&at("ordering_address"))?
            }
            _ => {}
        }
        attachments(&at("attachments"), &self.attachments)
    }

    /// Whether nothing beyond the line's codes and charge is known.
    pub fn is_empty(&self) -> bool {
        self == &LineFacts::default()
    }
}

/// "OKAFOR, NGOZI (NPI 1234567893)".
fn provider_text(p: &NamedProvider) -> String {
    if p.first.is_empty() {
        format!("{} (NPI {})", p.last, p.npi)
    } else {
        format!("{}, {} (NPI {})", p.last, p.first, p.npi)
    }
}

impl ClaimFacts {
    /// What is known, as (label, value) pairs for a person to read; what
    /// is empty is left out, and the consents only when not the usual.
    pub fn described(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        let mut text = |label: &'static str, value: &str| {
            if !value.is_empty() {
                out.push((label, value.to_string()));
            }
        };
        text("Prior authorization", &self.prior_authorization);
        text("Referral number", &self.referral_number);
        text("CLIA number", &self.clia_number);
        text("Mammography certificate", &self.mammography_certificate);
        let causes = &self.related_causes;
        let mut related = Vec::new();
        if causes.employment {
            related.push("employment".to_string());
        }
        if causes.auto_accident {
            related.push(format!(
                "auto accident ({})",
                [&causes.auto_accident_state, &causes.auto_accident_country]
                    .iter()
                    .filter(|s| !s.is_empty())
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if causes.other_accident {
            related.push("other accident".to_string());
        }
        text("Related to", &related.join(", "));
        for (label, date) in [
            ("Accident date", self.accident_date),
            ("Onset", self.onset_date),
            ("Initial treatment", self.initial_treatment_date),
            ("Last seen", self.last_seen_date),
            ("Unable to work from", self.disability_from),
            ("Unable to work to", self.disability_to),
            ("Admitted", self.admission_date),
            ("Discharged", self.discharge_date),
            ("Acute manifestation", self.acute_manifestation_date),
            ("Last menstrual period", self.last_menstrual_period),
            ("Last X-ray", self.last_xray_date),
            ("Last worked", self.last_worked_date),
            ("Return to work", self.return_to_work_date),
            ("Care assumed", self.assumed_care_date),
            ("Care relinquished", self.relinquished_care_date),
            ("First contact", self.first_contact_date),
        ] {
            text(label, &date.map(|d| d.to_string()).unwrap_or_default());
        }
        for (label, provider) in [
            ("Referring provider", &self.referring_provider),
            ("Supervising provider", &self.supervising_provider),
        ] {
            text(label, &provider.as_ref().map(provider_text).unwrap_or_default());
        }
        if let Some(f) = &self.service_facility {
            text("Service facility", &format!("{}, {}, {}, {} {}", f.name, f.street, f.city, f.state, f.zip));
        }
        if let Some(n) = &self.note {
            text("Note", &format!("{} ({})", n.text, n.kind));
        }
        for a in &self.attachments {
            text("Attachment", format!("{} by {} {}", a.report_type, a.transmission, a.control_number).trim());
        }
        if let Some(a) = &self.ambulance {
            text("Ambulance", &a.described());
        }
        if self.consents != Consents::default() {
            let c = &self.consents;
            text(
                "Consents",
                &format!(
                    "provider signature {}, assignment {}, benefits assigned {}, release {}",
                    yes_no_text(c.provider_signature_on_file),
                    c.accepts_assignment,
                    c.benefits_assigned,
                    c.release_of_information
                ),
            );
        }
        out
    }
}

fn yes_no_text(value: bool) -> &'static str {
    if value {
        "on file"
    } else {
        "not on file"
    }
}

impl LineFacts {
    /// What is known about the line, in one line of text ("" for nothing).
    pub fn described(&self) -> String {
        let mut parts = Vec::new();
        if let Some(through) = self.service_through {
            parts.push(format!("through {through}"));
        }
        if !self.description.is_empty() {
            parts.push(format!("\"{}\"", self.description));
        }
        if self.emergency {
            parts.push("emergency".to_string());
        }
        if let Some(n) = self.ambulance_patients {
            parts.push(format!("{n} patients carried"));
        }
        if let Some(d) = &self.drug {
            parts.push(format!("NDC {} {} {}", ndc_11(&d.ndc).unwrap_or_else(|_| d.ndc.clone()), d.quantity, d.unit));
            if !d.prescription_number.is_empty() {
                parts.push(format!("prescription {}", d.prescription_number));
            }
        }
        if let Some(d) = self.prescription_date {
            parts.push(format!("prescribed {d}"));
        }
        if let Some(minutes) = self.anesthesia_minutes {
            parts.push(format!("{minutes} anesthesia minutes"));
        }
        for (label, value) in [
            ("authorization", &self.prior_authorization),
            ("referral", &self.referral_number),
            ("CLIA", &self.clia_number),
        ] {
            if !value.is_empty() {
                parts.push(format!("{label} {value}"));
            }
        }
        for (label, provider) in [
            ("ordered by", &self.ordering_provider),
            ("referred by", &self.referring_provider),
            ("supervised by", &self.supervising_provider),
        ] {
            if let Some(p) = provider {
                parts.push(format!("{label} {}", provider_text(p)));
            }
        }
        if let Some(a) = &self.ordering_address {
            parts.push(format!("orderer at {}", a.one_line()));
        }
        if let Some(n) = &self.note {
            parts.push(format!("note: {}", n.text));
        }
        for a in &self.attachments {
            parts.push(
                format!("attachment {} by {} {}", a.report_type, a.transmission, a.control_number)
                    .trim()
                    .to_string(),
            );
        }
        parts.join("; ")
    }
}

#[cfg(test)]
mod tests;
