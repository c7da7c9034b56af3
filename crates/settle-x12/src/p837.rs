//! 837P (005010X222A1): professional claims out, one batch per payer.
//!
//! The caller gives every value the transaction needs, already checked by
//! the domain's types and the scrubber; this module only lays them out in
//! the guide's loops and order. One interchange holds one functional group
//! holding one transaction set with all the claims for one payer.

use settle_domain::claim_facts::{ClaimFacts, LineFacts};
use settle_domain::claims::{ClaimFrequency, PostalAddress, Sex};
use settle_domain::codes::{IcdCode, Modifier, ProcedureCode};
use settle_domain::money::Money;
use settle_domain::names::x12_text;
use settle_domain::units::Units;
use settle_domain::Date;

use crate::p837_facts;
use crate::write::seg;
use crate::{date8, write_interchange, Delimiters, Diagnostic, Envelope, OutGroup, OutSegment, OutTransaction, Parsed, Segment, Severity, WriteError};

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
    /// Loop 2010AB: where payments go, when not to `address`.
    pub pay_to: Option<PostalAddress>,
}

#[derive(Clone, Debug)]
pub struct PersonOut {
    pub last: String,
    pub first: String,
    /// NM105, "" for none.
    pub middle: String,
    /// NM107 (JR, SR, III), "" for none.
    pub suffix: String,
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
    /// What that payer decided, when it has paid before this claim (a
    /// secondary claim carries the primary's adjudication).
    pub adjudication: Option<Adjudication>,
}

/// One CAS adjustment as the other payer gave it.
#[derive(Clone, Debug)]
pub struct AdjustmentOut {
    pub group: String,
    pub reason: String,
    pub amount: Money,
}

/// The other payer's answer for one service line (loop 2430).
#[derive(Clone, Debug)]
pub struct LineAdjudication {
    /// Which of this claim's lines (0-based).
    pub line: usize,
    pub paid: Money,
    pub units: Units,
    pub adjustments: Vec<AdjustmentOut>,
}

/// The other payer's answer for the claim: 2320 CAS and AMT, 2430 per line.
#[derive(Clone, Debug)]
pub struct Adjudication {
    pub paid: Money,
    /// What that payer left to the patient (AMT*EAF).
    pub patient_responsibility: Money,
    pub adjudicated_on: Date,
    pub claim_adjustments: Vec<AdjustmentOut>,
    pub lines: Vec<LineAdjudication>,
}

/// CAS segments: one per group, up to six reasons each.
fn cas(out: &mut Vec<OutSegment>, adjustments: &[AdjustmentOut]) {
    let mut groups: Vec<&str> = Vec::new();
    for a in adjustments {
        if !groups.contains(&a.group.as_str()) {
            groups.push(&a.group);
        }
    }
    for group in groups {
        let of_group: Vec<&AdjustmentOut> = adjustments.iter().filter(|a| a.group == group).collect();
        for chunk in of_group.chunks(6) {
            let mut segment = seg("CAS", &[group]);
            for (i, a) in chunk.iter().enumerate() {
                segment = segment.el(a.reason.clone()).el(decimal(&a.amount));
                if i + 1 < chunk.len() {
                    segment = segment.el("");
                }
            }
            out.push(segment);
        }
    }
}

#[derive(Clone, Debug)]
pub struct LineOut {
    /// REF*6R: how a remittance names this line back.
    pub control_number: String,
    pub date_of_service: Date,
    pub procedure: ProcedureCode,
    pub modifiers: Vec<Modifier>,
    pub charge: Money,
    pub units: Units,
    /// Only when it differs from the claim's.
    pub place_of_service: Option<String>,
    pub diagnosis_pointers: Vec<u8>,
    /// The line's own authorization, drug, providers, notes, attachments.
    pub facts: LineFacts,
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
    /// Authorizations, other providers, accident and dates, notes,
    /// attachments and the patient's consents (CLM06-09).
    pub facts: ClaimFacts,
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

/// N3 (one or two street lines) and N4 (city, state, ZIP; outside the US
/// the country code in N404 and the region in N407 instead of N402).
fn address(out: &mut Vec<OutSegment>, address: &PostalAddress) {
    // Street and city as X12 carries text (accents folded, upper case).
    let (line1, line2, city) = (x12_text(address.line1()), x12_text(address.line2()), x12_text(address.city()));
    if line2.is_empty() {
        out.push(seg("N3", &[&line1]));
    } else {
        out.push(seg("N3", &[&line1, &line2]));
    }
    if address.is_us() {
        out.push(seg("N4", &[&city, address.state(), address.postal_code()]));
    } else {
        let mut n4 = seg("N4", &[&city, "", address.postal_code(), address.country()]);
        if !address.state().is_empty() {
            n4 = n4.el("").el("").el(address.state());
        }
        out.push(n4);
    }
}

/// NM1 for a person: each part as X12 carries text (accents folded,
/// upper case); middle name and suffix where given.
fn person_name(out: &mut Vec<OutSegment>, qualifier: &str, (last, first): (&str, &str), (middle, suffix): (&str, &str), id: Option<(&str, &str)>) {
    let (last, first, middle, suffix) = (x12_text(last), x12_text(first), x12_text(middle), x12_text(suffix));
    let mut s = seg("NM1", &[qualifier, "1", &last, &first, &middle, "", &suffix]);
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
    person_name(out, "IL", (&s.last, &s.first), (&s.middle, &s.suffix), Some(("MI", &claim.member_id)));
    if let Some(a) = &s.address {
        address(out, a);
    }
    if !dependent {
        demographics(out, s);
    }
    out.push(seg("NM1", &["PR", "2", &x12_text(payer_name), "", "", "", "", "PI", payer_id]));
    if let Some((relationship, patient)) = &claim.dependent {
        let patient_hl = *hl;
        *hl += 1;
        out.push(seg("HL", &[&patient_hl.to_string(), &subscriber_hl.to_string(), "23", "0"]));
        out.push(seg("PAT", &[relationship]));
        person_name(out, "QC", (&patient.last, &patient.first), (&patient.middle, &patient.suffix), None);
        if let Some(a) = &patient.address {
            address(out, a);
        }
        demographics(out, patient);
    }
    let place = format!("{}:B:{}", claim.place_of_service, claim.frequency.code());
    let mut clm = seg("CLM", &[&claim.claim_number, &decimal(&claim.total), "", ""]);
    clm.elements.push(vec![place.split(':').map(str::to_string).collect()]);
    out.push(p837_facts::clm_tail(clm, &claim.facts));
    let replaces = (claim.frequency != ClaimFrequency::Original).then_some(claim.payer_claim_number.as_str());
    p837_facts::claim_before_hi(out, &claim.facts, replaces);
    let mut hi = OutSegment::new("HI");
    for (i, code) in claim.diagnoses.iter().enumerate() {
        hi.elements
            .push(vec![vec![if i == 0 { "ABK" } else { "ABF" }.to_string(), code.as_str().to_string()]]);
    }
    out.push(hi);
    p837_facts::claim_referring(out, &claim.facts);
    if let Some(r) = &claim.rendering {
        person_name(out, "82", (&r.last, &r.first), ("", ""), Some(("XX", &r.npi)));
        if !r.taxonomy.is_empty() {
            out.push(seg("PRV", &["PE", "PXC", &r.taxonomy]));
        }
    }
    p837_facts::claim_after_rendering(out, &claim.facts);
    for other in &claim.other_coverage {
        let p = other.priority.to_string();
        out.push(seg(
            "SBR",
            &[&p, &other.relationship, &other.group_number, "", "", "", "", "", &other.filing_indicator],
        ));
        if let Some(a) = &other.adjudication {
            cas(out, &a.claim_adjustments);
            out.push(seg("AMT", &["D", &decimal(&a.paid)]));
            out.push(seg("AMT", &["EAF", &decimal(&a.patient_responsibility)]));
        }
        out.push(seg("OI", &["", "", "Y", "", "", "Y"]));
        person_name(
            out,
            "IL",
            (&other.subscriber_last, &other.subscriber_first),
            ("", ""),
            Some(("MI", &other.member_id)),
        );
        out.push(seg("NM1", &["PR", "2", &x12_text(&other.payer_name), "", "", "", "", "PI", &other.payer_id]));
    }
    for (n, line) in claim.lines.iter().enumerate() {
        out.push(seg("LX", &[&(n + 1).to_string()]));
        let mut procedure = vec!["HC".to_string(), line.procedure.as_str().to_string()];
        procedure.extend(line.modifiers.iter().map(|m| m.as_str().to_string()));
        if !line.facts.description.is_empty() {
            // SV101-07 follows the four modifier places, filled or not.
            procedure.resize(6, String::new());
            procedure.push(x12_text(&line.facts.description));
        }
        let pointers: Vec<String> = line.diagnosis_pointers.iter().map(u8::to_string).collect();
        let mut sv1 = OutSegment::new("SV1");
        sv1.elements.push(vec![procedure]);
        let (measure, quantity) = p837_facts::line_measure(&line.facts, line.units);
        let sv1 = sv1
            .el(decimal(&line.charge))
            .el(measure)
            .el(quantity)
            .el(line.place_of_service.clone().unwrap_or_default())
            .el("");
        let mut sv1 = sv1;
        sv1.elements.push(vec![pointers]);
        if line.facts.emergency {
            sv1 = sv1.el("").el("Y");
        }
        out.push(sv1);
        p837_facts::line_before_dates(out, &line.facts);
        match line.facts.service_through {
            Some(through) => out.push(seg("DTP", &["472", "RD8", &format!("{}-{}", date8(line.date_of_service), date8(through))])),
            None => out.push(seg("DTP", &["472", "D8", &date8(line.date_of_service)])),
        }
        if let Some(d) = line.facts.prescription_date {
            out.push(seg("DTP", &["471", "D8", &date8(d)]));
        }
        p837_facts::line_after_dates(out, &line.facts);
        out.push(seg("REF", &["6R", &line.control_number]));
        p837_facts::line_after_control(out, &line.facts);
        for other in &claim.other_coverage {
            let Some(a) = &other.adjudication else { continue };
            for answered in a.lines.iter().filter(|l| l.line == n) {
                let mut procedure = vec!["HC".to_string(), line.procedure.as_str().to_string()];
                procedure.extend(line.modifiers.iter().map(|m| m.as_str().to_string()));
                let mut svd = seg("SVD", &[&other.payer_id, &decimal(&answered.paid)]);
                svd.elements.push(vec![procedure]);
                out.push(svd.el("").el(answered.units.to_string()));
                cas(out, &answered.adjustments);
                out.push(seg("DTP", &["573", "D8", &date8(a.adjudicated_on)]));
            }
        }
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
        s.push(seg("NM1", &["85", "2", &x12_text(&billing.name), "", "", "", "", "XX", &billing.npi]));
        address(&mut s, &billing.address);
        s.push(seg("REF", &["EI", &billing.tax_id]));
        if let Some(pay_to) = &billing.pay_to {
            s.push(seg("NM1", &["87", "2"]));
            address(&mut s, pay_to);
        }
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

// ------------------------------------------------------------------ reading

/// A person as an 837P names them (2010BA subscriber, 2010CA patient).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PersonIn {
    pub last: String,
    pub first: String,
    /// NM109 (the member id, for a subscriber).
    pub id: String,
    /// DMG02, CCYYMMDD.
    pub date_of_birth: String,
    /// DMG03.
    pub sex: String,
    /// N301.
    pub street: String,
    /// N302, empty if absent.
    pub street2: String,
    pub city: String,
    pub state: String,
    pub zip: String,
    /// N404, empty for the US.
    pub country: String,
    /// N407, the region outside the US.
    pub region: String,
}

impl PersonIn {
    /// Whether N3/N4 were there.
    pub fn has_address(&self) -> bool {
        !self.street.is_empty() || !self.city.is_empty()
    }
}

/// A provider as an 837P names it (2010AA billing, 2310B rendering).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProviderIn {
    /// NM102: 1 a person, 2 an organisation.
    pub entity: String,
    /// The organisation's name, or "FIRST LAST" for a person.
    pub name: String,
    pub npi: String,
    pub taxonomy: String,
    pub tax_id: String,
    pub person: PersonIn,
    /// Loop 2010AB's address (N3/N4), for a billing provider paid elsewhere.
    pub pay_to: Option<PersonIn>,
    /// Segments of the billing provider's loops Settle does not keep (the
    /// pay-to plan of 2010AC), listed with each of its claims.
    pub not_kept: Vec<(usize, String, &'static str)>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LineIn {
    pub segment_number: usize,
    /// SV101-1, HC for CPT/HCPCS.
    pub qualifier: String,
    pub procedure: String,
    pub modifiers: Vec<String>,
    pub charge: String,
    pub units: String,
    pub place_of_service: String,
    pub pointers: Vec<String>,
    /// DTP*472, CCYYMMDD (the first day of a range).
    pub date_of_service: String,
    /// REF*6R.
    pub control_number: String,
    /// The line's authorization, drug, providers, note and attachments.
    pub facts: LineFacts,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClaimIn {
    /// The CLM segment's number in the file.
    pub segment_number: usize,
    pub claim_number: String,
    /// CLM02 as written.
    pub total: String,
    pub place_of_service: String,
    pub frequency: String,
    pub payer_claim_number: String,
    pub billing: ProviderIn,
    pub rendering: Option<ProviderIn>,
    pub payer_name: String,
    pub payer_id: String,
    /// SBR01: P, S, T ...
    pub priority: String,
    pub group_number: String,
    pub filing_indicator: String,
    pub subscriber: PersonIn,
    /// PAT01 and the patient, when the patient is a dependent.
    pub patient: Option<(String, PersonIn)>,
    /// ICD-10-CM codes as written (no dot), principal first.
    pub diagnoses: Vec<String>,
    pub lines: Vec<LineIn>,
    /// What the file says beyond codes and charges, as sent.
    pub facts: ClaimFacts,
    /// Segments of the claim's loops that were read but that Settle does
    /// not keep (an ambulance's CR1, another payer's 2320...), so an import
    /// can say so instead of dropping them silently: (segment number, id,
    /// loop).
    pub not_kept: Vec<(usize, String, &'static str)>,
    /// What is wrong with this claim, by segment.
    pub problems: Vec<Diagnostic>,
}

pub(crate) fn problem(segment: &Segment, element: Option<usize>, message: impl Into<String>) -> Diagnostic {
    Diagnostic {
        severity: Severity::Error,
        segment_number: segment.number,
        segment_id: segment.id.clone(),
        element,
        offset: segment.offset,
        message: message.into(),
    }
}

enum Named {
    None,
    Billing,
    Subscriber,
    Patient,
    Rendering,
    PayTo,
    Other,
}

/// Reads every professional claim in every 837 of the file. Claims come
/// back with their own problems; problems outside any claim (a file that is
/// no 837P at all) come back on their own.
pub fn read_837p(parsed: &Parsed) -> (Vec<ClaimIn>, Vec<Diagnostic>) {
    let mut claims: Vec<ClaimIn> = Vec::new();
    let (mut loose, walked) = crate::grammar::check_with_loops(&parsed.interchanges, Some("837"));
    let mut seen = false;
    for interchange in &parsed.interchanges {
        for group in &interchange.groups {
            for set in group.transactions.iter().filter(|t| t.kind() == "837") {
                let version = set.st.value(3);
                if !version.starts_with("005010X222") {
                    // Refused by the grammar's check, naming the guide.
                    continue;
                }
                seen = true;
                // Where the grammar placed each segment; a set it did not
                // walk is refused by its check, so no loop is needed.
                let loops = walked.iter().find(|(w, _)| std::ptr::eq(*w, set)).map_or(&[][..], |(_, l)| l.as_slice());
                read_set(&set.segments, loops, &mut claims);
            }
        }
    }
    // A claim is known by its patient control number (CLM01): the payer's
    // answers come back under it, so one file cannot hold it twice.
    let mut first_at: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for c in &claims {
        let number = c.claim_number.trim().to_ascii_uppercase();
        match first_at.get(&number) {
            Some(first) => loose.push(Diagnostic {
                severity: Severity::Error,
                segment_number: c.segment_number,
                segment_id: "CLM".into(),
                element: Some(1),
                offset: 0,
                message: format!("claim {number} is in this file twice (first at segment {first}); a claim number names one claim"),
            }),
            None => {
                first_at.insert(number, c.segment_number);
            }
        }
    }
    if !seen && loose.is_empty() {
        loose.push(Diagnostic {
            severity: Severity::Error,
            segment_number: 0,
            segment_id: String::new(),
            element: None,
            offset: 0,
            message: "the file holds no 837 transaction set".into(),
        });
    }
    (claims, loose)
}

fn read_set(segments: &[Segment], loops: &[&'static str], claims: &mut Vec<ClaimIn>) {
    let mut billing = ProviderIn::default();
    let mut sbr = (String::new(), String::new(), String::new());
    let mut subscriber = PersonIn::default();
    let mut payer = (String::new(), String::new());
    let mut patient: Option<(String, PersonIn)> = None;
    let mut named = Named::None;
    let mut current: Option<ClaimIn> = None;
    let mut in_other_payer = false;
    let finish = |claim: Option<ClaimIn>, claims: &mut Vec<ClaimIn>| {
        if let Some(mut c) = claim {
            if c.lines.is_empty() {
                c.problems.push(Diagnostic {
                    severity: Severity::Error,
                    segment_number: c.segment_number,
                    segment_id: "CLM".into(),
                    element: None,
                    offset: 0,
                    message: format!("claim {} has no service lines (LX/SV1)", c.claim_number),
                });
            }
            claims.push(c);
        }
    };
    for (at, s) in segments.iter().enumerate() {
        let loop_id = loops.get(at).copied().unwrap_or("");
        if loop_id == "2010AC" {
            billing.not_kept.push((s.number, s.id.clone(), loop_id));
        }
        if let Some(c) = current.as_mut() {
            if p837_facts::read_fact(s, loop_id, c) {
                continue;
            }
            if !p837_facts::kept(loop_id, s) {
                c.not_kept.push((s.number, s.id.clone(), loop_id));
            }
        }
        match s.id.as_str() {
            "HL" => {
                finish(current.take(), claims);
                in_other_payer = false;
                match s.value(3) {
                    "20" => {
                        billing = ProviderIn::default();
                        named = Named::None;
                    }
                    "22" => {
                        subscriber = PersonIn::default();
                        payer = Default::default();
                        patient = None;
                        named = Named::None;
                    }
                    "23" => {
                        patient = Some((String::new(), PersonIn::default()));
                        named = Named::None;
                    }
                    _ => {}
                }
            }
            "PRV" if current.is_none() && s.value(1) == "BI" => billing.taxonomy = s.value(3).to_string(),
            "PRV" if matches!(named, Named::Rendering) => {
                if let Some(r) = current.as_mut().and_then(|c| c.rendering.as_mut()) {
                    r.taxonomy = s.value(3).to_string();
                }
            }
            "SBR" if current.is_none() => sbr = (s.value(1).to_string(), s.value(3).to_string(), s.value(9).to_string()),
            "SBR" => {
                in_other_payer = true;
                named = Named::Other;
            }
            "PAT" => {
                if let Some(p) = patient.as_mut() {
                    p.0 = s.value(1).to_string();
                }
            }
            "NM1" if in_other_payer => named = Named::Other,
            "NM1" => {
                let (last, first, id) = (s.value(3).to_string(), s.value(4).to_string(), s.value(9).to_string());
                let person = PersonIn {
                    last: last.clone(),
                    first: first.clone(),
                    id: id.clone(),
                    ..PersonIn::default()
                };
                named = Named::None;
                match s.value(1) {
                    "85" => {
                        billing.entity = s.value(2).to_string();
                        billing.name = if s.value(2) == "1" {
                            format!("{first} {last}").trim().to_string()
                        } else {
                            last
                        };
                        billing.npi = id;
                        billing.person = person;
                        named = Named::Billing;
                    }
                    "87" => {
                        billing.pay_to = Some(PersonIn::default());
                        named = Named::PayTo;
                    }
                    "IL" => {
                        subscriber = person;
                        named = Named::Subscriber;
                    }
                    "PR" => payer = (last, id),
                    "QC" => {
                        if let Some(p) = patient.as_mut() {
                            p.1 = person;
                        }
                        named = Named::Patient;
                    }
                    "82" => {
                        if let Some(c) = current.as_mut() {
                            c.rendering = Some(ProviderIn {
                                entity: s.value(2).to_string(),
                                name: format!("{first} {last}").trim().to_string(),
                                npi: id,
                                person,
                                ..ProviderIn::default()
                            });
                            named = Named::Rendering;
                        }
                    }
                    _ => {}
                }
            }
            "N3" | "N4" | "DMG" => {
                let target = match named {
                    Named::Billing => Some(&mut billing.person),
                    Named::PayTo => billing.pay_to.as_mut(),
                    Named::Subscriber => Some(&mut subscriber),
                    Named::Patient => patient.as_mut().map(|p| &mut p.1),
                    _ => None,
                };
                if let Some(p) = target {
                    match s.id.as_str() {
                        "N3" => {
                            p.street = s.value(1).to_string();
                            p.street2 = s.value(2).to_string();
                        }
                        "N4" => {
                            p.city = s.value(1).to_string();
                            p.state = s.value(2).to_string();
                            p.zip = s.value(3).to_string();
                            p.country = s.value(4).to_string();
                            p.region = s.value(7).to_string();
                        }
                        _ => {
                            p.date_of_birth = s.value(2).to_string();
                            p.sex = s.value(3).to_string();
                        }
                    }
                }
            }
            "REF" if current.is_none() && matches!(named, Named::Billing) && matches!(s.value(1), "EI" | "SY") => billing.tax_id = s.value(2).to_string(),
            "CLM" => {
                finish(current.take(), claims);
                in_other_payer = false;
                named = Named::None;
                current = Some(ClaimIn {
                    segment_number: s.number,
                    claim_number: s.value(1).to_string(),
                    total: canonical_decimal(s.value(2)),
                    place_of_service: s.component(5, 1).to_string(),
                    frequency: s.component(5, 3).to_string(),
                    billing: billing.clone(),
                    payer_name: payer.0.clone(),
                    payer_id: payer.1.clone(),
                    priority: sbr.0.clone(),
                    group_number: sbr.1.clone(),
                    filing_indicator: sbr.2.clone(),
                    subscriber: subscriber.clone(),
                    patient: patient.clone(),
                    not_kept: billing.not_kept.clone(),
                    ..ClaimIn::default()
                });
                if let Some(c) = current.as_mut() {
                    p837_facts::read_clm(s, &mut c.facts);
                }
            }
            "REF" if s.value(1) == "F8" => {
                if let Some(c) = current.as_mut() {
                    c.payer_claim_number = s.value(2).to_string();
                }
            }
            "HI" => {
                if let Some(c) = current.as_mut() {
                    for (n, element) in s.elements().enumerate() {
                        for repetition in element.repetitions() {
                            let qualifier = repetition.first().copied().unwrap_or("");
                            let code = repetition.get(1).copied().unwrap_or("");
                            match qualifier {
                                "ABK" | "ABF" => c.diagnoses.push(code.to_string()),
                                "BK" | "BF" => c.problems.push(problem(
                                    s,
                                    Some(n + 1),
                                    format!("{code} is an ICD-9-CM diagnosis ({qualifier}); claims since October 2015 carry ICD-10-CM (ABK/ABF)"),
                                )),
                                _ => {}
                            }
                        }
                    }
                }
            }
            "LX" => {
                if let Some(c) = current.as_mut() {
                    c.lines.push(LineIn {
                        segment_number: s.number,
                        ..LineIn::default()
                    });
                }
            }
            "SV1" => {
                if let Some(line) = current.as_mut().and_then(|c| c.lines.last_mut()) {
                    line.segment_number = s.number;
                    line.qualifier = s.component(1, 1).to_string();
                    line.procedure = s.component(1, 2).to_string();
                    line.modifiers = (3..=6).map(|k| s.component(1, k).to_string()).filter(|m| !m.is_empty()).collect();
                    line.charge = canonical_decimal(s.value(2));
                    line.units = s.value(4).to_string();
                    if s.value(3) == "MJ" {
                        // Anesthesia: SV104 is minutes, the line one unit.
                        line.facts.anesthesia_minutes = s.value(4).parse().ok();
                        line.units = "1".into();
                    }
                    line.place_of_service = s.value(5).to_string();
                    line.pointers = (1..=4).map(|k| s.component(7, k).to_string()).filter(|p| !p.is_empty()).collect();
                    line.facts.description = s.component(1, 7).to_string();
                    line.facts.emergency = s.value(9) == "Y";
                } else if let Some(c) = current.as_mut() {
                    c.problems.push(problem(s, None, "SV1 without the LX that starts its line"));
                }
            }
            "DTP" if s.value(1) == "472" => {
                if let Some(c) = current.as_mut() {
                    let (from, through) = s.value(3).split_once('-').unwrap_or((s.value(3), ""));
                    let through = (s.value(2) == "RD8").then(|| crate::parse_date8(through));
                    if through == Some(None) {
                        let message = format!("DTP03 {:?} is not a range of dates (CCYYMMDD-CCYYMMDD)", s.value(3));
                        c.problems.push(problem(s, Some(3), message));
                    }
                    if let Some(line) = c.lines.last_mut() {
                        line.date_of_service = from.to_string();
                        line.facts.service_through = through.flatten();
                    }
                }
            }
            "REF" if s.value(1) == "6R" => {
                if let Some(line) = current.as_mut().and_then(|c| c.lines.last_mut()) {
                    line.control_number = s.value(2).to_string();
                }
            }
            _ => {}
        }
    }
    finish(current.take(), claims);
}

/// An X12 decimal (type R: `.5`, `5.`, `007.50` are all valid) in the one
/// form the rest of Settle parses (`0.5`, `5`, `7.50`); anything that is not
/// a decimal is kept as it was, so the parse that follows names it.
pub fn canonical_decimal(text: &str) -> String {
    let text = text.trim();
    let (sign, unsigned) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text),
    };
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let is_digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    if (whole.is_empty() && fraction.is_empty()) || !is_digits(whole) || !is_digits(fraction) {
        return text.to_string();
    }
    let whole = whole.trim_start_matches('0');
    let whole = if whole.is_empty() { "0" } else { whole };
    if fraction.is_empty() {
        format!("{sign}{whole}")
    } else {
        format!("{sign}{whole}.{fraction}")
    }
}

#[cfg(test)]
mod tests;
