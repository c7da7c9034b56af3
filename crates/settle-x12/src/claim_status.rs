//! Claim status: the 276 request out and the 277 response in (005010X212).
//!
//! A 276 asks one payer where claims stand: under the payer, the receiver
//! (the practice) and the billing provider, each claim's subscriber (and
//! patient, when a dependent) with a trace number (TRN02, the claim's
//! number), the claim's total charge and dates of service. The 277 echoes
//! the trace number with one or more STC composites (category, status
//! code, entity) and the payer's claim number; the store matches it to the
//! claim by the trace, then by the patient control number (REF*EJ).

use settle_domain::Date;

use crate::write::seg;
use crate::{date8, Diagnostic, Parsed, Segment, Severity, WriteError};

pub const IMPLEMENTATION: &str = "005010X212";

/// One claim asked about.
#[derive(Clone, Debug)]
pub struct StatusClaim {
    /// TRN02 and REF*EJ: the claim's number, as CLM01 sent it.
    pub claim_number: String,
    /// REF*1K, when the payer gave one.
    pub payer_claim_number: String,
    pub subscriber_last: String,
    pub subscriber_first: String,
    pub member_id: String,
    /// Given when the subscriber is the patient (DMG of 2000D).
    pub subscriber_date_of_birth: Option<Date>,
    pub subscriber_sex: String,
    /// The patient, when a dependent: last, first, date of birth, sex.
    pub dependent: Option<(String, String, Date, String)>,
    /// AMT*T3, as a decimal ("125.5").
    pub total_charge: String,
    pub first_service: Date,
    pub last_service: Date,
}

/// A 276 to one payer about one billing provider's claims.
#[derive(Clone, Debug)]
pub struct StatusRequest {
    pub sender_id: String,
    pub receiver_id: String,
    pub created_on: Date,
    /// HHMM.
    pub created_at: String,
    pub interchange_control: u32,
    pub reference: String,
    pub payer_name: String,
    pub payer_id: String,
    /// The practice asking (2100B): its name and tax id (NM108 46).
    pub receiver_name: String,
    pub receiver_tax_id: String,
    pub provider_name: String,
    pub provider_npi: String,
    pub claims: Vec<StatusClaim>,
}

/// Writes one 276 interchange asking about `request.claims`.
pub fn write_276(q: &StatusRequest) -> Result<String, WriteError> {
    let mut s = vec![
        seg("BHT", &["0010", "13", &q.reference, &date8(q.created_on), &q.created_at]),
        seg("HL", &["1", "", "20", "1"]),
        seg("NM1", &["PR", "2", &q.payer_name, "", "", "", "", "PI", &q.payer_id]),
        seg("HL", &["2", "1", "21", "1"]),
        seg("NM1", &["41", "2", &q.receiver_name, "", "", "", "", "46", &q.receiver_tax_id]),
        seg("HL", &["3", "2", "19", "1"]),
        seg("NM1", &["1P", "2", &q.provider_name, "", "", "", "", "XX", &q.provider_npi]),
    ];
    let mut hl = 3;
    for c in &q.claims {
        hl += 1;
        let subscriber = hl;
        let dependent = c.dependent.is_some();
        s.push(seg("HL", &[&subscriber.to_string(), "3", "22", if dependent { "1" } else { "0" }]));
        if let (false, Some(dob)) = (dependent, c.subscriber_date_of_birth) {
            s.push(seg("DMG", &["D8", &date8(dob), &c.subscriber_sex]));
        }
        s.push(seg(
            "NM1",
            &["IL", "1", &c.subscriber_last, &c.subscriber_first, "", "", "", "MI", &c.member_id],
        ));
        if let Some((last, first, dob, sex)) = &c.dependent {
            hl += 1;
            s.push(seg("HL", &[&hl.to_string(), &subscriber.to_string(), "23"]));
            s.push(seg("DMG", &["D8", &date8(*dob), sex]));
            s.push(seg("NM1", &["QC", "1", last, first]));
        }
        s.push(seg("TRN", &["1", &c.claim_number]));
        if !c.payer_claim_number.is_empty() {
            s.push(seg("REF", &["1K", &c.payer_claim_number]));
        }
        s.push(seg("REF", &["EJ", &c.claim_number]));
        s.push(seg("AMT", &["T3", &c.total_charge]));
        if c.first_service == c.last_service {
            s.push(seg("DTP", &["472", "D8", &date8(c.first_service)]));
        } else {
            s.push(seg("DTP", &["472", "RD8", &format!("{}-{}", date8(c.first_service), date8(c.last_service))]));
        }
    }
    crate::write::Inquiry {
        sender: &q.sender_id,
        receiver: &q.receiver_id,
        created_on: q.created_on,
        created_at: &q.created_at,
        control: q.interchange_control,
        functional_id: "HR",
        kind: "276",
        implementation: IMPLEMENTATION,
    }
    .write(s)
}

/// One STC composite: category, status code, entity.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Status {
    pub category: String,
    pub code: String,
    pub entity: String,
}

impl Status {
    pub fn words(&self) -> String {
        settle_domain::claim_status::describe(&self.category, &self.code, &self.entity)
    }
}

/// What a 277 said about one claim (2200D or 2200E).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClaimStatusAnswer {
    /// TRN02: the trace the 276 sent (Settle sends the claim number).
    pub trace: String,
    /// REF*EJ: the patient control number (CLM01).
    pub patient_control_number: String,
    /// REF*1K: the payer's claim number.
    pub payer_claim_number: String,
    /// Every STC01 (and STC10, STC11) at claim level, in order.
    pub statuses: Vec<Status>,
    /// STC02 of the first STC: the day the status took effect.
    pub effective: String,
    /// STC04 (charge) and STC05 (paid), as sent.
    pub charge: String,
    pub paid: String,
    /// STC08 and STC09: the check or EFT date and number, when paid.
    pub paid_on: String,
    pub check_number: String,
    /// Line-level statuses: (procedure, statuses).
    pub lines: Vec<(String, Vec<Status>)>,
    pub segment_number: usize,
}

/// A status given above the claims (receiver or provider level): the payer
/// could not answer for the claims under it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LevelStatus {
    /// "receiver" or "provider".
    pub level: &'static str,
    pub statuses: Vec<Status>,
    pub segment_number: usize,
}

/// Everything a 277 (005010X212) file answers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StatusResponse {
    pub claims: Vec<ClaimStatusAnswer>,
    pub levels: Vec<LevelStatus>,
}

fn statuses_of(s: &Segment) -> Vec<Status> {
    [1usize, 10, 11]
        .iter()
        .filter(|&&k| !s.component(k, 1).is_empty())
        .map(|&k| Status {
            category: s.component(k, 1).to_string(),
            code: s.component(k, 2).to_string(),
            entity: s.component(k, 3).to_string(),
        })
        .collect()
}

/// Reads every claim status in every 277 (005010X212) of the file, after
/// its grammar; a file its guide does not place whole is refused.
pub fn read_277(parsed: &Parsed) -> Result<StatusResponse, Vec<Diagnostic>> {
    let (mut problems, walked) = crate::grammar::check_with_loops(&parsed.interchanges, Some("277"));
    let mut out = StatusResponse::default();
    let mut seen = false;
    for (set, loops) in &walked {
        let version = set.st.value(3);
        if version != IMPLEMENTATION {
            continue;
        }
        seen = true;
        let mut current: Option<ClaimStatusAnswer> = None;
        let mut in_line = false;
        for (s, at) in set.segments.iter().zip(loops) {
            match (*at, s.id.as_str()) {
                ("2200B" | "2200C", "STC") => out.levels.push(LevelStatus {
                    level: if *at == "2200B" { "receiver" } else { "provider" },
                    statuses: statuses_of(s),
                    segment_number: s.number,
                }),
                ("2200D" | "2200E", "TRN") => {
                    if let Some(c) = current.take() {
                        out.claims.push(c);
                    }
                    in_line = false;
                    current = Some(ClaimStatusAnswer {
                        trace: s.value(2).to_string(),
                        segment_number: s.number,
                        ..ClaimStatusAnswer::default()
                    });
                }
                ("2200D" | "2200E", "STC") => {
                    if let Some(c) = current.as_mut() {
                        if c.statuses.is_empty() {
                            c.effective = s.value(2).to_string();
                            c.charge = s.value(4).to_string();
                            c.paid = s.value(5).to_string();
                            c.paid_on = s.value(8).to_string();
                            c.check_number = s.value(9).to_string();
                        }
                        c.statuses.extend(statuses_of(s));
                    }
                }
                ("2200D" | "2200E", "REF") => {
                    if let Some(c) = current.as_mut() {
                        match s.value(1) {
                            "1K" => c.payer_claim_number = s.value(2).to_string(),
                            "EJ" => c.patient_control_number = s.value(2).to_string(),
                            _ => {}
                        }
                    }
                }
                ("2220D" | "2220E", "SVC") => {
                    in_line = true;
                    if let Some(c) = current.as_mut() {
                        c.lines.push((s.component(1, 2).to_string(), Vec::new()));
                    }
                }
                ("2220D" | "2220E", "STC") if in_line => {
                    if let Some((_, st)) = current.as_mut().and_then(|c| c.lines.last_mut()) {
                        st.extend(statuses_of(s));
                    }
                }
                (_, "HL") => {
                    if let Some(c) = current.take() {
                        out.claims.push(c);
                    }
                    in_line = false;
                }
                _ => {}
            }
        }
        if let Some(c) = current.take() {
            out.claims.push(c);
        }
    }
    if !seen && problems.is_empty() {
        problems.push(Diagnostic {
            severity: Severity::Error,
            segment_number: 0,
            segment_id: String::new(),
            element: None,
            offset: 0,
            message: format!("the file holds no 277 claim status response ({IMPLEMENTATION})"),
        });
    }
    if problems.iter().any(|d| d.severity == Severity::Error) {
        return Err(problems);
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
