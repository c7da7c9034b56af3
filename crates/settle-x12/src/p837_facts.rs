//! The claim's facts in the 837P (see `settle_domain::claim_facts`):
//! written in their loops and the guide's order, and read back by the loop
//! the grammar placed each segment in, so an `NM1*DN` in 2310A is the
//! claim's referring provider and in 2420F a line's, and nothing a payer
//! needs is dropped on import.

use settle_domain::claim_facts::{
    ndc_11, Ambulance, Attachment, Certification, ClaimFacts, Consents, Drug, LineFacts, Location, NamedProvider, Note, ServiceFacility,
};
use settle_domain::names::x12_text;
use settle_domain::Date;

use crate::p837::{problem, ClaimIn};
use crate::write::seg;
use crate::{date8, Diagnostic, OutSegment, Segment};

fn yes_no(value: bool) -> &'static str {
    if value {
        "Y"
    } else {
        "N"
    }
}

/// CLM06 to CLM09, and CLM11 when the condition has a related cause.
pub(crate) fn clm_tail(clm: OutSegment, facts: &ClaimFacts) -> OutSegment {
    let c = &facts.consents;
    let clm = clm
        .el(yes_no(c.provider_signature_on_file))
        .el(c.accepts_assignment.clone())
        .el(c.benefits_assigned.clone())
        .el(c.release_of_information.clone());
    let causes = &facts.related_causes;
    if !causes.any() {
        return clm;
    }
    let mut composite: Vec<&str> = causes.codes();
    composite.resize(3, "");
    if causes.auto_accident {
        composite.push(&causes.auto_accident_state);
        if !causes.auto_accident_country.is_empty() {
            composite.push(&causes.auto_accident_country);
        }
    }
    while composite.last() == Some(&"") {
        composite.pop();
    }
    clm.el("").composite(&composite)
}

fn dtp(out: &mut Vec<OutSegment>, qualifier: &str, date: Option<Date>) {
    if let Some(date) = date {
        out.push(seg("DTP", &[qualifier, "D8", &date8(date)]));
    }
}

fn attachments(out: &mut Vec<OutSegment>, list: &[Attachment]) {
    for a in list {
        if a.control_number.is_empty() {
            out.push(seg("PWK", &[&a.report_type, &a.transmission]));
        } else {
            out.push(seg("PWK", &[&a.report_type, &a.transmission, "", "", "AC", &a.control_number]));
        }
    }
}

fn reference(out: &mut Vec<OutSegment>, qualifier: &str, value: &str) {
    if !value.is_empty() {
        out.push(seg("REF", &[qualifier, value]));
    }
}

fn note(out: &mut Vec<OutSegment>, note: &Option<Note>) {
    if let Some(n) = note {
        out.push(seg("NTE", &[&n.kind, &x12_text(&n.text)]));
    }
}

/// 2300 after CLM, up to HI: dates, attachments, references, the note.
/// `payer_claim_number` is REF*F8 for a corrected or void claim.
pub(crate) fn claim_before_hi(out: &mut Vec<OutSegment>, facts: &ClaimFacts, payer_claim_number: Option<&str>) {
    // The guide's order: 431 454 304 453 439 484 455 (471) 314/360/361
    // 297 296 435 096 090 091 444.
    dtp(out, "431", facts.onset_date);
    dtp(out, "454", facts.initial_treatment_date);
    dtp(out, "304", facts.last_seen_date);
    dtp(out, "453", facts.acute_manifestation_date);
    dtp(out, "439", facts.accident_date);
    dtp(out, "484", facts.last_menstrual_period);
    dtp(out, "455", facts.last_xray_date);
    match (facts.disability_from, facts.disability_to) {
        (Some(from), Some(to)) => out.push(seg("DTP", &["314", "RD8", &format!("{}-{}", date8(from), date8(to))])),
        (from, to) => {
            dtp(out, "360", from);
            dtp(out, "361", to);
        }
    }
    dtp(out, "297", facts.last_worked_date);
    dtp(out, "296", facts.return_to_work_date);
    dtp(out, "435", facts.admission_date);
    dtp(out, "096", facts.discharge_date);
    dtp(out, "090", facts.assumed_care_date);
    dtp(out, "091", facts.relinquished_care_date);
    dtp(out, "444", facts.first_contact_date);
    attachments(out, &facts.attachments);
    reference(out, "EW", &facts.mammography_certificate);
    reference(out, "9F", &facts.referral_number);
    reference(out, "G1", &facts.prior_authorization);
    if let Some(number) = payer_claim_number {
        out.push(seg("REF", &["F8", number]));
    }
    reference(out, "X4", &facts.clia_number);
    note(out, &facts.note);
    if let Some(a) = &facts.ambulance {
        let weight_unit = if a.weight_pounds.is_empty() { "" } else { "LB" };
        out.push(seg(
            "CR1",
            &[
                weight_unit,
                &a.weight_pounds,
                "",
                &a.transport_reason,
                "DH",
                &a.miles,
                "",
                "",
                &x12_text(&a.round_trip_purpose),
                &x12_text(&a.stretcher_purpose),
            ],
        ));
        for c in &a.certifications {
            let mut elements = vec!["07", yes_no(c.applies)];
            elements.extend(c.conditions.iter().map(String::as_str));
            out.push(seg("CRC", &elements));
        }
    }
}

/// N3 and N4 of a place.
fn place(out: &mut Vec<OutSegment>, p: &Location) {
    out.push(seg("N3", &[&x12_text(&p.street)]));
    out.push(seg("N4", &[&x12_text(&p.city), &p.state, &p.zip.replace('-', "")]));
}

fn provider(out: &mut Vec<OutSegment>, qualifier: &str, p: &NamedProvider) {
    let entity = if p.first.is_empty() { "2" } else { "1" };
    out.push(seg(
        "NM1",
        &[qualifier, entity, &x12_text(&p.last), &x12_text(&p.first), "", "", "", "XX", &p.npi],
    ));
}

/// 2310A, before the rendering provider (2310B).
pub(crate) fn claim_referring(out: &mut Vec<OutSegment>, facts: &ClaimFacts) {
    if let Some(p) = &facts.referring_provider {
        provider(out, "DN", p);
    }
}

/// 2310C and 2310D, after the rendering provider.
pub(crate) fn claim_after_rendering(out: &mut Vec<OutSegment>, facts: &ClaimFacts) {
    if let Some(f) = &facts.service_facility {
        let name = x12_text(&f.name);
        if f.npi.is_empty() {
            out.push(seg("NM1", &["77", "2", &name]));
        } else {
            out.push(seg("NM1", &["77", "2", &name, "", "", "", "", "XX", &f.npi]));
        }
        out.push(seg("N3", &[&x12_text(&f.street)]));
        out.push(seg("N4", &[&x12_text(&f.city), &f.state, &f.zip.replace('-', "")]));
    }
    if let Some(p) = &facts.supervising_provider {
        provider(out, "DQ", p);
    }
    if let Some(a) = &facts.ambulance {
        if let Some(p) = &a.pickup {
            out.push(seg("NM1", &["PW", "2"]));
            place(out, p);
        }
        if let Some(p) = &a.dropoff {
            if p.name.is_empty() {
                out.push(seg("NM1", &["45", "2"]));
            } else {
                out.push(seg("NM1", &["45", "2", &x12_text(&p.name)]));
            }
            place(out, p);
        }
    }
}

/// SV103 and SV104: anesthesia minutes, or units.
pub(crate) fn line_measure(facts: &LineFacts, units: settle_domain::units::Units) -> (&'static str, String) {
    match facts.anesthesia_minutes {
        Some(minutes) => ("MJ", minutes.to_string()),
        None => ("UN", units.to_string()),
    }
}

/// 2400 after SV1, before DTP*472: attachments.
pub(crate) fn line_before_dates(out: &mut Vec<OutSegment>, facts: &LineFacts) {
    attachments(out, &facts.attachments);
}

/// 2400 after the dates, before REF*6R: the ambulance's patient count.
pub(crate) fn line_after_dates(out: &mut Vec<OutSegment>, facts: &LineFacts) {
    if let Some(n) = facts.ambulance_patients {
        out.push(seg("QTY", &["PT", &n.to_string()]));
    }
}

/// 2400 after REF*6R: the line's references and note, its drug (2410) and
/// its providers (2420D, E, F), before any other payer's answer (2430).
pub(crate) fn line_after_control(out: &mut Vec<OutSegment>, facts: &LineFacts) {
    reference(out, "G1", &facts.prior_authorization);
    reference(out, "X4", &facts.clia_number);
    reference(out, "9F", &facts.referral_number);
    note(out, &facts.note);
    if let Some(drug) = &facts.drug {
        // Checked at the door; a value that somehow is not an NDC is sent
        // as given rather than guessed at.
        let ndc = ndc_11(&drug.ndc).unwrap_or_else(|_| drug.ndc.clone());
        out.push(seg("LIN", &["", "N4", &ndc]));
        out.push(seg("CTP", &["", "", "", &drug.quantity, &drug.unit]));
        reference(out, "XZ", &drug.prescription_number);
    }
    for (qualifier, p) in [
        ("DQ", &facts.supervising_provider),
        ("DK", &facts.ordering_provider),
        ("DN", &facts.referring_provider),
    ] {
        if let Some(p) = p {
            provider(out, qualifier, p);
            if qualifier == "DK" {
                if let Some(a) = &facts.ordering_address {
                    place(out, a);
                }
            }
        }
    }
}

// ------------------------------------------------------------------ reading

fn date(segment: &Segment, text: &str, problems: &mut Vec<Diagnostic>) -> Option<Date> {
    let parsed = (text.len() == 8)
        .then(|| format!("{}-{}-{}", &text[..4], &text[4..6], &text[6..]))
        .and_then(|t| t.parse::<Date>().ok());
    if parsed.is_none() {
        problems.push(problem(segment, Some(3), format!("{text:?} is not a date (CCYYMMDD)")));
    }
    parsed
}

fn named(segment: &Segment) -> NamedProvider {
    NamedProvider {
        last: segment.value(3).to_string(),
        first: segment.value(4).to_string(),
        npi: segment.value(9).to_string(),
    }
}

/// CLM06 to CLM09 and CLM11, read into the claim's facts.
pub(crate) fn read_clm(segment: &Segment, facts: &mut ClaimFacts) {
    let given = |n: usize, default: &str| match segment.value(n) {
        "" => default.to_string(),
        value => value.to_string(),
    };
    facts.consents = Consents {
        provider_signature_on_file: segment.value(6) != "N",
        accepts_assignment: given(7, "A"),
        benefits_assigned: given(8, "Y"),
        release_of_information: given(9, "Y"),
    };
    let causes = &mut facts.related_causes;
    for k in 1..=3 {
        match segment.component(11, k) {
            "AA" => causes.auto_accident = true,
            "EM" => causes.employment = true,
            "OA" => causes.other_accident = true,
            _ => {}
        }
    }
    causes.auto_accident_state = segment.component(11, 4).to_string();
    causes.auto_accident_country = segment.component(11, 5).to_string();
}

/// N3 or N4 into a place.
fn read_place(segment: &Segment, p: &mut Location) {
    if segment.id == "N3" {
        p.street = segment.value(1).to_string();
    } else {
        p.city = segment.value(1).to_string();
        p.state = segment.value(2).to_string();
        p.zip = segment.value(3).to_string();
    }
}

fn read_attachment(segment: &Segment) -> Attachment {
    Attachment {
        report_type: segment.value(1).to_string(),
        transmission: segment.value(2).to_string(),
        control_number: segment.value(6).to_string(),
    }
}

fn read_note(segment: &Segment) -> Option<Note> {
    Some(Note {
        kind: segment.value(1).to_string(),
        text: segment.value(2).to_string(),
    })
}

/// Whether Settle keeps what a segment of a claim's loops says (the claim
/// and its lines, the facts above, the rendering provider); a segment of
/// the subscriber's or patient's loops before the claim is kept with them.
pub(crate) fn kept(loop_id: &str, segment: &Segment) -> bool {
    // Runs for every segment of every claim: the element is read only for
    // the two segments whose qualifier decides.
    let q = || segment.value(1);
    match (loop_id, segment.id.as_str()) {
        (l, _) if !(l.starts_with("23") || l.starts_with("24")) => true,
        ("2300", "CLM" | "HI" | "PWK" | "NTE" | "CR1") => true,
        ("2300", "CRC") => q() == "07",
        ("2310E" | "2310F", "NM1" | "N3" | "N4") => true,
        ("2420E", "N3" | "N4") => true,
        ("2400", "QTY") => q() == "PT",
        ("2300", "DTP") => [
            "431", "454", "304", "453", "439", "484", "455", "360", "361", "314", "297", "296", "435", "096", "090", "091", "444",
        ]
        .contains(&q()),
        ("2300", "REF") => ["F8", "G1", "9F", "X4", "EW"].contains(&q()),
        ("2310A" | "2310D" | "2420D" | "2420E" | "2420F", "NM1") => true,
        ("2310B", "NM1" | "PRV") => true,
        ("2310C", "NM1" | "N3" | "N4") => true,
        ("2400", "LX" | "SV1" | "PWK" | "NTE") => true,
        ("2400", "DTP") => q() == "472" || q() == "471",
        ("2400", "REF") => ["6R", "G1", "9F", "X4"].contains(&q()),
        ("2410", "LIN" | "CTP") => true,
        ("2410", "REF") => q() == "XZ",
        _ => false,
    }
}

/// Reads one segment of a claim's facts, by the loop it was placed in;
/// whether it was one.
pub(crate) fn read_fact(segment: &Segment, loop_id: &str, claim: &mut ClaimIn) -> bool {
    // Runs for every segment: most are none of these, known by id alone.
    if !matches!(
        segment.id.as_str(),
        "DTP" | "PWK" | "NTE" | "REF" | "NM1" | "N3" | "N4" | "LIN" | "CTP" | "CR1" | "CRC" | "QTY"
    ) {
        return false;
    }
    let facts = &mut claim.facts;
    let problems = &mut claim.problems;
    match (loop_id, segment.id.as_str(), segment.value(1)) {
        ("2300", "DTP", qualifier) => {
            let text = segment.value(3);
            if qualifier == "314" {
                let (from, to) = text.split_once('-').unwrap_or((text, ""));
                facts.disability_from = date(segment, from, problems);
                facts.disability_to = date(segment, to, problems);
                return true;
            }
            let slot = match qualifier {
                "431" => &mut facts.onset_date,
                "454" => &mut facts.initial_treatment_date,
                "304" => &mut facts.last_seen_date,
                "439" => &mut facts.accident_date,
                "360" => &mut facts.disability_from,
                "361" => &mut facts.disability_to,
                "435" => &mut facts.admission_date,
                "096" => &mut facts.discharge_date,
                "453" => &mut facts.acute_manifestation_date,
                "484" => &mut facts.last_menstrual_period,
                "455" => &mut facts.last_xray_date,
                "297" => &mut facts.last_worked_date,
                "296" => &mut facts.return_to_work_date,
                "090" => &mut facts.assumed_care_date,
                "091" => &mut facts.relinquished_care_date,
                "444" => &mut facts.first_contact_date,
                _ => return false,
            };
            *slot = date(segment, text, problems);
        }
        ("2300", "PWK", _) => facts.attachments.push(read_attachment(segment)),
        ("2300", "NTE", _) => facts.note = read_note(segment),
        ("2300", "REF", qualifier) => {
            let slot = match qualifier {
                "G1" => &mut facts.prior_authorization,
                "9F" => &mut facts.referral_number,
                "X4" => &mut facts.clia_number,
                "EW" => &mut facts.mammography_certificate,
                _ => return false,
            };
            *slot = segment.value(2).to_string();
        }
        ("2300", "CR1", _) => {
            let a = facts.ambulance.get_or_insert_with(Ambulance::default);
            a.weight_pounds = crate::p837::canonical_decimal(segment.value(2));
            a.transport_reason = segment.value(4).to_string();
            a.miles = crate::p837::canonical_decimal(segment.value(6));
            a.round_trip_purpose = segment.value(9).to_string();
            a.stretcher_purpose = segment.value(10).to_string();
        }
        ("2300", "CRC", "07") => facts.ambulance.get_or_insert_with(Ambulance::default).certifications.push(Certification {
            applies: segment.value(2) == "Y",
            conditions: (3..=7).map(|n| segment.value(n).to_string()).filter(|c| !c.is_empty()).collect(),
        }),
        ("2310E", "NM1", _) => facts.ambulance.get_or_insert_with(Ambulance::default).pickup = Some(Location::default()),
        ("2310F", "NM1", _) => {
            facts.ambulance.get_or_insert_with(Ambulance::default).dropoff = Some(Location {
                name: segment.value(3).to_string(),
                ..Location::default()
            })
        }
        ("2310E" | "2310F", "N3" | "N4", _) => {
            let a = facts.ambulance.get_or_insert_with(Ambulance::default);
            let slot = if loop_id == "2310E" { &mut a.pickup } else { &mut a.dropoff };
            read_place(segment, slot.get_or_insert_with(Location::default));
        }
        ("2310A", "NM1", _) => facts.referring_provider = Some(named(segment)),
        ("2310D", "NM1", _) => facts.supervising_provider = Some(named(segment)),
        ("2310C", "NM1", _) => {
            facts.service_facility = Some(ServiceFacility {
                name: segment.value(3).to_string(),
                npi: segment.value(9).to_string(),
                ..ServiceFacility::default()
            })
        }
        ("2310C", "N3", _) => {
            if let Some(f) = facts.service_facility.as_mut() {
                f.street = segment.value(1).to_string();
            }
        }
        ("2310C", "N4", _) => {
            if let Some(f) = facts.service_facility.as_mut() {
                f.city = segment.value(1).to_string();
                f.state = segment.value(2).to_string();
                f.zip = segment.value(3).to_string();
            }
        }
        _ => return read_line_fact(segment, loop_id, claim),
    }
    true
}

fn read_line_fact(segment: &Segment, loop_id: &str, claim: &mut ClaimIn) -> bool {
    let Some(line) = claim.lines.last_mut() else { return false };
    let facts = &mut line.facts;
    match (loop_id, segment.id.as_str(), segment.value(1)) {
        ("2400", "PWK", _) => facts.attachments.push(read_attachment(segment)),
        ("2400", "DTP", "471") => facts.prescription_date = date(segment, segment.value(3), &mut claim.problems),
        ("2410", "REF", "XZ") => {
            if let Some(drug) = facts.drug.as_mut() {
                drug.prescription_number = segment.value(2).to_string();
            }
        }
        ("2400", "NTE", _) => facts.note = read_note(segment),
        ("2400", "REF", qualifier) => {
            let slot = match qualifier {
                "G1" => &mut facts.prior_authorization,
                "9F" => &mut facts.referral_number,
                "X4" => &mut facts.clia_number,
                _ => return false,
            };
            *slot = segment.value(2).to_string();
        }
        ("2410", "LIN", _) => {
            facts.drug = Some(Drug {
                ndc: segment.value(3).to_string(),
                ..Drug::default()
            });
            if segment.value(2) != "N4" {
                claim.problems.push(problem(
                    segment,
                    Some(2),
                    format!("LIN02 is {:?}; a drug is named by its NDC (N4)", segment.value(2)),
                ));
            }
        }
        ("2410", "CTP", _) => {
            if let Some(drug) = facts.drug.as_mut() {
                drug.quantity = crate::p837::canonical_decimal(segment.value(4));
                drug.unit = segment.component(5, 1).to_string();
            }
        }
        ("2400", "QTY", "PT") => {
            let count = crate::p837::canonical_decimal(segment.value(2));
            let whole = count
                .split_once('.')
                .map_or(count.as_str(), |(w, f)| if f.bytes().all(|b| b == b'0') { w } else { "" });
            match whole.parse::<u32>() {
                Ok(n) => facts.ambulance_patients = Some(n),
                Err(_) => claim
                    .problems
                    .push(problem(segment, Some(2), format!("QTY02 {count:?} is not a whole number of patients"))),
            }
        }
        ("2420E", "N3" | "N4", _) => read_place(segment, facts.ordering_address.get_or_insert_with(Location::default)),
        ("2420D", "NM1", _) => facts.supervising_provider = Some(named(segment)),
        ("2420E", "NM1", _) => facts.ordering_provider = Some(named(segment)),
        ("2420F", "NM1", _) => facts.referring_provider = Some(named(segment)),
        _ => return false,
    }
    true
}
