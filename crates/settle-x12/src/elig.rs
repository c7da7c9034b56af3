//! Eligibility: the 270 inquiry out (005010X279A1) and the 271 answer in.
//!
//! The 270 asks about one coverage (service type 30, health benefit plan
//! coverage) on a day; the 271 answers with whether the coverage is
//! active, the plan's dates, and the patient's copay, coinsurance and
//! deductible where the payer gives them. The store matches an answer to
//! its inquiry by the trace number (TRN02) it sent.

use settle_domain::Date;

use crate::write::seg;
use crate::{date8, Diagnostic, Parsed, Segment, Severity, WriteError};

pub const IMPLEMENTATION: &str = "005010X279A1";

#[derive(Clone, Debug)]
pub struct Inquiry {
    pub sender_id: String,
    pub receiver_id: String,
    pub created_on: Date,
    /// HHMM.
    pub created_at: String,
    pub interchange_control: u32,
    pub reference: String,
    pub payer_name: String,
    pub payer_id: String,
    pub provider_name: String,
    pub provider_npi: String,
    /// The provider's EIN: TRN03 is "1" and it.
    pub provider_tax_id: String,
    /// TRN02: what the 271 echoes back.
    pub trace: String,
    pub subscriber_last: String,
    pub subscriber_first: String,
    pub member_id: String,
    /// Given when the subscriber is the patient.
    pub subscriber_date_of_birth: Option<Date>,
    /// The patient, when a dependent: last, first, date of birth.
    pub dependent: Option<(String, String, Date)>,
    pub service_date: Date,
}

/// Writes one 270 interchange asking about one coverage.
pub fn write_270(q: &Inquiry) -> Result<String, WriteError> {
    let dependent = q.dependent.is_some();
    let trn_originator = format!("1{}", q.provider_tax_id);
    let mut s = vec![
        seg("BHT", &["0022", "13", &q.reference, &date8(q.created_on), &q.created_at]),
        seg("HL", &["1", "", "20", "1"]),
        seg("NM1", &["PR", "2", &q.payer_name, "", "", "", "", "PI", &q.payer_id]),
        seg("HL", &["2", "1", "21", "1"]),
        seg("NM1", &["1P", "2", &q.provider_name, "", "", "", "", "XX", &q.provider_npi]),
        seg("HL", &["3", "2", "22", if dependent { "1" } else { "0" }]),
    ];
    let service = date8(q.service_date);
    if !dependent {
        s.push(seg("TRN", &["1", &q.trace, &trn_originator]));
    }
    s.push(seg(
        "NM1",
        &["IL", "1", &q.subscriber_last, &q.subscriber_first, "", "", "", "MI", &q.member_id],
    ));
    if let (false, Some(dob)) = (dependent, q.subscriber_date_of_birth) {
        s.push(seg("DMG", &["D8", &date8(dob)]));
    }
    if !dependent {
        s.push(seg("DTP", &["291", "D8", &service]));
        s.push(seg("EQ", &["30"]));
    }
    if let Some((last, first, dob)) = &q.dependent {
        s.push(seg("HL", &["4", "3", "23", "0"]));
        s.push(seg("TRN", &["1", &q.trace, &trn_originator]));
        s.push(seg("NM1", &["03", "1", last, first]));
        s.push(seg("DMG", &["D8", &date8(*dob)]));
        s.push(seg("DTP", &["291", "D8", &service]));
        s.push(seg("EQ", &["30"]));
    }
    crate::write::Inquiry {
        sender: &q.sender_id,
        receiver: &q.receiver_id,
        created_on: q.created_on,
        created_at: &q.created_at,
        control: q.interchange_control,
        functional_id: "HS",
        kind: "270",
        implementation: IMPLEMENTATION,
    }
    .write(s)
}

/// What a 271 said about one person's coverage.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Benefits {
    /// TRN02 of the inquiry, when the payer echoed it.
    pub trace: String,
    pub member_id: String,
    /// active, inactive, or rejected (an AAA segment).
    pub status: String,
    pub plan_name: String,
    /// CCYYMMDD.
    pub plan_begin: String,
    pub plan_end: String,
    /// Decimal amounts and a percentage as the payer wrote them (in-network
    /// first, when the payer says which).
    pub copay: Option<String>,
    /// A fraction, such as .2 for 20 per cent.
    pub coinsurance: Option<String>,
    pub deductible: Option<String>,
    pub deductible_remaining: Option<String>,
    /// Each AAA rejection, in words.
    pub rejections: Vec<String>,
    pub segment_number: usize,
}

/// AAA03: why a request was refused (the common ones, in our words).
fn rejection(code: &str) -> &'static str {
    match code {
        "15" => "required information is missing",
        "41" => "the authorization or access was restricted",
        "42" => "the payer cannot answer now; ask again later",
        "43" => "the provider's identifier is invalid or missing",
        "45" => "the provider's specialty is invalid or missing",
        "50" => "the provider may not make eligibility inquiries",
        "51" => "the provider is not on the payer's file",
        "57" => "the date of service is invalid or missing",
        "58" => "the date of birth is invalid or missing",
        "62" => "the date of service is outside the dates the payer answers for",
        "63" => "the date of service is in the future",
        "71" => "the patient's date of birth does not match the payer's",
        "72" => "the member id is invalid or missing",
        "73" => "the name is invalid or missing",
        "75" => "the subscriber or insured was not found",
        "76" => "the payer found more than one person (duplicate)",
        "78" => "the subscriber or insured is not in the group or plan",
        _ => "refused",
    }
}

fn prefer(current: &mut Option<String>, value: &str, in_network: &str) {
    if value.is_empty() {
        return;
    }
    // In-network ("Y") answers win over out-of-network ones.
    if current.is_none() || in_network == "Y" {
        *current = Some(value.to_string());
    }
}

/// Reads every subscriber or dependent answer in every 271 of the file.
pub fn read_271(parsed: &Parsed) -> (Vec<Benefits>, Vec<Diagnostic>) {
    let mut out = Vec::new();
    let mut loose = crate::grammar::check(&parsed.interchanges, Some("271"));
    let mut seen = false;
    for interchange in &parsed.interchanges {
        for group in &interchange.groups {
            for set in group.transactions.iter().filter(|t| t.kind() == "271") {
                seen = true;
                read_set(&set.segments, &mut out, &mut loose);
            }
        }
    }
    if !seen {
        loose.push(Diagnostic {
            severity: Severity::Error,
            segment_number: 0,
            segment_id: String::new(),
            element: None,
            offset: 0,
            message: "the file holds no 271 transaction set".into(),
        });
    }
    // Settle asks with a trace number (TRN); an answer without one cannot be
    // matched to its question.
    for b in out.iter().filter(|b| b.trace.is_empty()) {
        loose.push(Diagnostic {
            severity: Severity::Error,
            segment_number: b.segment_number,
            segment_id: "NM1".into(),
            element: None,
            offset: 0,
            message: format!("the answer for member {} has no trace number (TRN), so it answers no inquiry", b.member_id),
        });
    }
    (out, loose)
}

fn read_set(segments: &[Segment], out: &mut Vec<Benefits>, loose: &mut Vec<Diagnostic>) {
    let mut current: Option<Benefits> = None;
    let mut level = String::new();
    let mut subscriber_member = String::new();
    let mut in_ls = false;
    for s in segments {
        match s.id.as_str() {
            "HL" => {
                if let Some(b) = current.take() {
                    out.push(b);
                }
                level = s.value(3).to_string();
                if matches!(level.as_str(), "22" | "23") {
                    current = Some(Benefits {
                        status: String::new(),
                        member_id: subscriber_member.clone(),
                        segment_number: s.number,
                        ..Benefits::default()
                    });
                }
            }
            "LS" => in_ls = true,
            "LE" => in_ls = false,
            _ if in_ls => {}
            "TRN" => {
                if let Some(b) = current.as_mut() {
                    b.trace = s.value(2).to_string();
                }
            }
            "NM1" if s.value(1) == "IL" => {
                subscriber_member = s.value(9).to_string();
                if let Some(b) = current.as_mut() {
                    b.member_id = subscriber_member.clone();
                }
            }
            "AAA" => {
                let text = format!("AAA {}: {}", s.value(3), rejection(s.value(3)));
                match current.as_mut() {
                    Some(b) => {
                        b.status = "rejected".into();
                        b.rejections.push(text);
                    }
                    None => loose.push(Diagnostic {
                        severity: Severity::Error,
                        segment_number: s.number,
                        segment_id: "AAA".into(),
                        element: Some(3),
                        offset: s.offset,
                        message: format!(
                            "the payer refused the inquiry at the {} level: {text}",
                            if level == "21" { "provider" } else { "payer" }
                        ),
                    }),
                }
            }
            "DTP" => {
                if let Some(b) = current.as_mut() {
                    let value = s.value(3);
                    let (begin, end) = value.split_once('-').unwrap_or((value, ""));
                    match s.value(1) {
                        "346" => b.plan_begin = value.to_string(),
                        "347" => b.plan_end = value.to_string(),
                        "291" | "292" | "307" if s.value(2) == "RD8" => {
                            b.plan_begin = begin.to_string();
                            b.plan_end = end.to_string();
                        }
                        _ => {}
                    }
                }
            }
            "EB" => {
                if let Some(b) = current.as_mut() {
                    let in_network = s.value(12);
                    match s.value(1) {
                        "1" | "2" | "3" | "4" | "5" => {
                            if b.status.is_empty() || b.status == "inactive" {
                                b.status = "active".into();
                            }
                            if b.plan_name.is_empty() {
                                b.plan_name = s.value(5).to_string();
                            }
                        }
                        "6" | "7" | "8" if b.status.is_empty() => b.status = "inactive".into(),
                        "B" => prefer(&mut b.copay, s.value(7), in_network),
                        "A" => prefer(&mut b.coinsurance, s.value(8), in_network),
                        "C" if s.value(6) == "29" => prefer(&mut b.deductible_remaining, s.value(7), in_network),
                        "C" => prefer(&mut b.deductible, s.value(7), in_network),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    if let Some(b) = current.take() {
        out.push(b);
    }
    out.retain(|b| !b.status.is_empty() || !b.trace.is_empty());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(name: &str) -> Parsed {
        let path = format!("{}/../../testdata/x12/linuxforhealth/{name}", env!("CARGO_MANIFEST_DIR"));
        crate::read(&std::fs::read(path).unwrap())
    }

    #[test]
    fn the_subscriber_answer_gives_status_plan_and_copays() {
        let (answers, loose) = read_271(&sample("subscriber-health-benefit-check.271"));
        assert!(loose.is_empty(), "{loose:?}");
        let b = &answers[0];
        assert_eq!(
            (b.trace.as_str(), b.member_id.as_str(), b.status.as_str()),
            ("93175-012547", "123456789", "active")
        );
        assert_eq!((b.plan_name.as_str(), b.plan_begin.as_str()), ("GOLD 123 PLAN", "20060101"));
        assert_eq!(b.copay.as_deref(), Some("10.00"), "the in-network copay");
    }

    #[test]
    fn the_dependent_answer_and_the_refusal() {
        let (answers, _) = read_271(&sample("dependent-health-benefit-check.271"));
        let b = answers.iter().find(|b| !b.trace.is_empty()).unwrap();
        assert_eq!((b.member_id.as_str(), b.status.as_str()), ("123456789", "active"));
        let (answers, loose) = read_271(&sample("subscriber-health-benefit-check-error.271"));
        assert!(answers.is_empty());
        assert_eq!(
            loose[0].message,
            "the payer refused the inquiry at the provider level: AAA 50: the provider may not make eligibility inquiries"
        );
    }

    #[test]
    fn a_270_for_a_dependent_reads_back() {
        let q = Inquiry {
            sender_id: "376543210".into(),
            receiver_id: "60054".into(),
            created_on: "2026-11-24".parse().unwrap(),
            created_at: "1200".into(),
            interchange_control: 12,
            reference: "12".into(),
            payer_name: "AETNA".into(),
            payer_id: "60054".into(),
            provider_name: "CLINIC".into(),
            provider_npi: "1912301953".into(),
            provider_tax_id: "376543210".into(),
            trace: "SETTLE-7-12".into(),
            subscriber_last: "SMITH".into(),
            subscriber_first: "JANE".into(),
            member_id: "W123".into(),
            subscriber_date_of_birth: None,
            dependent: Some(("SMITH".into(), "TED".into(), "2012-05-01".parse().unwrap())),
            service_date: "2026-11-24".parse().unwrap(),
        };
        let text = write_270(&q).unwrap();
        let parsed = crate::read(text.as_bytes());
        assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
        assert!(
            text.contains("HL*4*3*23*0~\nTRN*1*SETTLE-7-12*1376543210~\nNM1*03*1*SMITH*TED~\nDMG*D8*20120501~"),
            "{text}"
        );
    }
}
