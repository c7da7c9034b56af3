//! 837P (005010X222A1): professional claims out, one batch per payer.
//!
//! The caller gives every value the transaction needs, already checked by
//! the domain's types and the scrubber; this module only lays them out in
//! the guide's loops and order. One interchange holds one functional group
//! holding one transaction set with all the claims for one payer.

use settle_domain::claims::{ClaimFrequency, PostalAddress, Sex};
use settle_domain::codes::{IcdCode, Modifier, ProcedureCode};
use settle_domain::money::Money;
use settle_domain::Date;

use crate::{write_interchange, Delimiters, Envelope, OutGroup, OutSegment, OutTransaction, WriteError};

pub const IMPLEMENTATION: &str = "005010X222A1";

/// Everything one 837P file says.
#[derive(Clone, Debug)]
pub struct Submission {
    /// 1000A: who sends the file (the practice or its clearinghouse).
    pub submitter_name: String,
    /// The submitter's id as the receiver knows it (ETIN).
    pub submitter_id: String,
    pub contact_name: String,
    /// Ten digits.
    pub contact_phone: String,
    /// 1000B: who receives it (here, the payer).
    pub receiver_name: String,
    pub receiver_id: String,
    pub created_on: Date,
    /// HHMM.
    pub created_at: String,
    pub interchange_control: u32,
    pub group_control: u32,
    /// BHT03: the batch's own reference.
    pub reference: String,
    pub production: bool,
    pub payer_name: String,
    pub payer_id: String,
    /// Each billing provider (loop 2000A) with its claims.
    pub providers: Vec<ProviderClaims>,
}

#[derive(Clone, Debug)]
pub struct ProviderClaims {
    pub billing: BillingProvider,
    pub claims: Vec<ClaimOut>,
}

#[derive(Clone, Debug)]
pub struct BillingProvider {
    pub name: String,
    pub npi: String,
    pub taxonomy: String,
    /// EIN (9 digits).
    pub tax_id: String,
    pub address: PostalAddress,
}

#[derive(Clone, Debug)]
pub struct PersonOut {
    pub last: String,
    pub first: String,
    pub date_of_birth: Option<Date>,
    pub sex: Sex,
    pub address: Option<PostalAddress>,
}

/// Another payer that covers the patient (loop 2320 and its 2330s).
#[derive(Clone, Debug)]
pub struct OtherCoverage {
    /// P, S or T: that payer's place in the order.
    pub priority: char,
    /// SBR02: "18" when the patient is that policy's subscriber, else "".
    pub relationship: String,
    pub group_number: String,
    pub filing_indicator: String,
    pub subscriber_last: String,
    pub subscriber_first: String,
    pub member_id: String,
    pub payer_name: String,
    pub payer_id: String,
}

#[derive(Clone, Debug)]
pub struct LineOut {
    /// REF*6R: how a remittance names this line back.
    pub control_number: String,
    pub date_of_service: Date,
    pub procedure: ProcedureCode,
    pub modifiers: Vec<Modifier>,
    pub charge: Money,
    pub units: u32,
    /// Only when it differs from the claim's.
    pub place_of_service: Option<String>,
    pub diagnosis_pointers: Vec<u8>,
}

#[derive(Clone, Debug)]
pub struct ClaimOut {
    /// CLM01, the patient control number.
    pub claim_number: String,
    pub total: Money,
    pub place_of_service: String,
    pub frequency: ClaimFrequency,
    pub payer_claim_number: String,
    /// P, S or T.
    pub priority: char,
    pub filing_indicator: String,
    pub group_number: String,
    pub subscriber: PersonOut,
    pub member_id: String,
    /// PAT01 when the patient is not the subscriber: 01 spouse, 19 child,
    /// G8 other; `None` when the patient is the subscriber.
    pub dependent: Option<(String, PersonOut)>,
    pub diagnoses: Vec<IcdCode>,
    /// 2310B, when the rendering provider is not the billing provider.
    pub rendering: Option<RenderingOut>,
    pub other_coverage: Vec<OtherCoverage>,
    pub lines: Vec<LineOut>,
}

#[derive(Clone, Debug)]
pub struct RenderingOut {
    pub last: String,
    pub first: String,
    pub npi: String,
    pub taxonomy: String,
}

/// X12 decimal: no trailing zeros past the point, no point when whole.
pub fn decimal(money: &Money) -> String {
    let text = money.to_decimal_string();
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

fn date8(date: Date) -> String {
    date.strftime("%Y%m%d").to_string()
}

fn seg(id: &str, elements: &[&str]) -> OutSegment {
    elements.iter().fold(OutSegment::new(id), |s, e| s.el(*e))
}

fn address(out: &mut Vec<OutSegment>, address: &PostalAddress) {
    out.push(seg("N3", &[&address.street]));
    out.push(seg("N4", &[&address.city, &address.state, &address.zip]));
}

fn person_name(out: &mut Vec<OutSegment>, qualifier: &str, last: &str, first: &str, id: Option<(&str, &str)>) {
    let mut s = seg("NM1", &[qualifier, "1", last, first, "", "", ""]);
    if let Some((kind, value)) = id {
        s = s.el(kind).el(value);
    }
    out.push(s);
}

fn demographics(out: &mut Vec<OutSegment>, person: &PersonOut) {
    if let Some(dob) = person.date_of_birth {
        out.push(seg("DMG", &["D8", &date8(dob), person.sex.code()]));
    }
}

fn claim_segments(out: &mut Vec<OutSegment>, claim: &ClaimOut, hl: &mut u32, parent: u32, payer_name: &str, payer_id: &str) {
    let subscriber_hl = *hl;
    *hl += 1;
    let dependent = claim.dependent.is_some();
    out.push(seg(
        "HL",
        &[&subscriber_hl.to_string(), &parent.to_string(), "22", if dependent { "1" } else { "0" }],
    ));
    let priority = claim.priority.to_string();
    out.push(seg(
        "SBR",
        &[
            &priority,
            if dependent { "" } else { "18" },
            &claim.group_number,
            "",
            "",
            "",
            "",
            "",
            &claim.filing_indicator,
        ],
    ));
    let s = &claim.subscriber;
    person_name(out, "IL", &s.last, &s.first, Some(("MI", &claim.member_id)));
    if let Some(a) = &s.address {
        address(out, a);
    }
    if !dependent {
        demographics(out, s);
    }
    out.push(seg("NM1", &["PR", "2", payer_name, "", "", "", "", "PI", payer_id]));
    if let Some((relationship, patient)) = &claim.dependent {
        let patient_hl = *hl;
        *hl += 1;
        out.push(seg("HL", &[&patient_hl.to_string(), &subscriber_hl.to_string(), "23", "0"]));
        out.push(seg("PAT", &[relationship]));
        person_name(out, "QC", &patient.last, &patient.first, None);
        if let Some(a) = &patient.address {
            address(out, a);
        }
        demographics(out, patient);
    }
    let place = format!("{}:B:{}", claim.place_of_service, claim.frequency.code());
    let mut clm = seg("CLM", &[&claim.claim_number, &decimal(&claim.total), "", ""]);
    clm.elements.push(vec![place.split(':').map(str::to_string).collect()]);
    out.push(clm.el("Y").el("A").el("Y").el("Y"));
    if claim.frequency != ClaimFrequency::Original {
        out.push(seg("REF", &["F8", &claim.payer_claim_number]));
    }
    let mut hi = OutSegment::new("HI");
    for (i, code) in claim.diagnoses.iter().enumerate() {
        hi.elements
            .push(vec![vec![if i == 0 { "ABK" } else { "ABF" }.to_string(), code.as_str().to_string()]]);
    }
    out.push(hi);
    if let Some(r) = &claim.rendering {
        person_name(out, "82", &r.last, &r.first, Some(("XX", &r.npi)));
        if !r.taxonomy.is_empty() {
            out.push(seg("PRV", &["PE", "PXC", &r.taxonomy]));
        }
    }
    for other in &claim.other_coverage {
        let p = other.priority.to_string();
        out.push(seg(
            "SBR",
            &[&p, &other.relationship, &other.group_number, "", "", "", "", "", &other.filing_indicator],
        ));
        out.push(seg("OI", &["", "", "Y", "", "", "Y"]));
        person_name(out, "IL", &other.subscriber_last, &other.subscriber_first, Some(("MI", &other.member_id)));
        out.push(seg("NM1", &["PR", "2", &other.payer_name, "", "", "", "", "PI", &other.payer_id]));
    }
    for (n, line) in claim.lines.iter().enumerate() {
        out.push(seg("LX", &[&(n + 1).to_string()]));
        let mut procedure = vec!["HC".to_string(), line.procedure.as_str().to_string()];
        procedure.extend(line.modifiers.iter().map(|m| m.as_str().to_string()));
        let pointers: Vec<String> = line.diagnosis_pointers.iter().map(u8::to_string).collect();
        let mut sv1 = OutSegment::new("SV1");
        sv1.elements.push(vec![procedure]);
        let sv1 = sv1
            .el(decimal(&line.charge))
            .el("UN")
            .el(line.units.to_string())
            .el(line.place_of_service.clone().unwrap_or_default())
            .el("");
        let mut sv1 = sv1;
        sv1.elements.push(vec![pointers]);
        out.push(sv1);
        out.push(seg("DTP", &["472", "D8", &date8(line.date_of_service)]));
        out.push(seg("REF", &["6R", &line.control_number]));
    }
}

/// Lays the submission out as one 837P interchange.
pub fn write_837p(sub: &Submission) -> Result<String, WriteError> {
    let mut s = vec![
        seg("BHT", &["0019", "00", &sub.reference, &date8(sub.created_on), &sub.created_at, "CH"]),
        seg("NM1", &["41", "2", &sub.submitter_name, "", "", "", "", "46", &sub.submitter_id]),
        seg("PER", &["IC", &sub.contact_name, "TE", &sub.contact_phone]),
        seg("NM1", &["40", "2", &sub.receiver_name, "", "", "", "", "46", &sub.receiver_id]),
    ];
    let mut hl = 1;
    for group in &sub.providers {
        let provider_hl = hl;
        hl += 1;
        s.push(seg("HL", &[&provider_hl.to_string(), "", "20", "1"]));
        let billing = &group.billing;
        if !billing.taxonomy.is_empty() {
            s.push(seg("PRV", &["BI", "PXC", &billing.taxonomy]));
        }
        s.push(seg("NM1", &["85", "2", &billing.name, "", "", "", "", "XX", &billing.npi]));
        address(&mut s, &billing.address);
        s.push(seg("REF", &["EI", &billing.tax_id]));
        for claim in &group.claims {
            claim_segments(&mut s, claim, &mut hl, provider_hl, &sub.payer_name, &sub.payer_id);
        }
    }
    let envelope = Envelope {
        sender_qualifier: "ZZ".into(),
        sender_id: sub.submitter_id.clone(),
        receiver_qualifier: "ZZ".into(),
        receiver_id: sub.receiver_id.clone(),
        date: sub.created_on.strftime("%y%m%d").to_string(),
        time: sub.created_at.clone(),
        control_number: sub.interchange_control,
        acknowledgment_requested: true,
        production: sub.production,
        delimiters: Delimiters::default(),
        line_breaks: true,
    };
    let group = OutGroup {
        functional_id: "HC".into(),
        sender: sub.submitter_id.clone(),
        receiver: sub.receiver_id.clone(),
        date: date8(sub.created_on),
        time: sub.created_at.clone(),
        control_number: sub.group_control,
        version: IMPLEMENTATION.into(),
        transactions: vec![OutTransaction {
            kind: "837".into(),
            control_number: format!("{:04}", sub.group_control),
            implementation: IMPLEMENTATION.into(),
            segments: s,
        }],
    };
    write_interchange(&envelope, &[group])
}
