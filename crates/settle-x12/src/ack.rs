//! Acknowledgments in: the 999 (was the file's syntax accepted?) and the
//! 277CA (was each claim accepted for adjudication, or rejected and why?).
//!
//! Each reader takes a file already read into envelopes and returns typed
//! values, or diagnostics naming the segment that could not be understood.
//! Nothing here knows Settle's claims; the store matches the values to them.

use crate::{Diagnostic, Parsed, Segment, Severity};
use settle_domain::claim_status::describe;

/// What a 999 said about one transaction set (AK2 ... IK5).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransactionAck {
    /// AK1-02: the control number of the functional group acknowledged.
    pub group_control: String,
    /// AK2-01 and AK2-02.
    pub kind: String,
    pub control_number: String,
    /// IK5-01: A accepted, E accepted with errors, R rejected (also M, W, X: rejected).
    pub code: String,
    /// Each IK3/IK4/IK5 error, in words.
    pub errors: Vec<String>,
    pub segment_number: usize,
}

impl TransactionAck {
    pub fn accepted(&self) -> bool {
        matches!(self.code.as_str(), "A" | "E")
    }
}

fn fail(segment: &Segment, message: impl Into<String>) -> Diagnostic {
    Diagnostic {
        severity: Severity::Error,
        segment_number: segment.number,
        segment_id: segment.id.clone(),
        element: None,
        offset: segment.offset,
        message: message.into(),
    }
}

/// IK304: why a segment was refused.
fn segment_error(code: &str) -> &'static str {
    match code {
        "1" => "unrecognized segment",
        "2" => "unexpected segment",
        "3" => "required segment missing",
        "4" => "loop occurs over maximum times",
        "5" => "segment exceeds maximum use",
        "6" => "segment not in defined transaction set",
        "7" => "segment not in proper sequence",
        "8" => "segment has data element errors",
        "I4" => "implementation \"not used\" segment present",
        "I6" => "implementation dependent segment missing",
        "I7" => "implementation loop occurs under minimum times",
        "I8" => "implementation segment below minimum use",
        "I9" => "implementation dependent \"not used\" segment present",
        _ => "segment error",
    }
}

/// IK403: why an element was refused.
fn element_error(code: &str) -> &'static str {
    match code {
        "1" => "required element missing",
        "2" => "conditional required element missing",
        "3" => "too many elements",
        "4" => "too short",
        "5" => "too long",
        "6" => "invalid character",
        "7" => "invalid code value",
        "8" => "invalid date",
        "9" => "invalid time",
        "10" => "exclusion condition violated",
        "12" => "too many repetitions",
        "13" => "too many components",
        "I10" => "implementation \"not used\" element present",
        "I11" => "implementation too few repetitions",
        "I12" => "implementation pattern match failure",
        "I13" => "implementation dependent \"not used\" element present",
        "I6" => "code value not used in implementation",
        "I9" => "implementation dependent element missing",
        _ => "element error",
    }
}

/// IK502: why the transaction set was refused.
fn transaction_error(code: &str) -> &'static str {
    match code {
        "1" => "transaction set not supported",
        "2" => "transaction set trailer missing",
        "3" => "control number in header and trailer do not match",
        "4" => "number of included segments does not match actual count",
        "5" => "one or more segments in error",
        "6" => "missing or invalid transaction set identifier",
        "7" => "missing or invalid transaction set control number",
        "23" => "transaction set control number not unique within the functional group",
        "I5" => "implementation one or more segments in error",
        "I6" => "implementation convention not supported",
        _ => "transaction set error",
    }
}

/// Reads every 999 in the file.
pub fn read_999(parsed: &Parsed) -> Result<Vec<TransactionAck>, Vec<Diagnostic>> {
    let mut acks = Vec::new();
    let mut problems = crate::grammar::check(&parsed.interchanges, Some("999"));
    let mut seen = false;
    for interchange in &parsed.interchanges {
        for group in &interchange.groups {
            for set in group.transactions.iter().filter(|t| t.kind() == "999") {
                seen = true;
                let mut group_control = String::new();
                let mut current: Option<TransactionAck> = None;
                let mut context = String::new();
                for s in &set.segments {
                    match s.id.as_str() {
                        "AK1" => group_control = s.value(2).to_string(),
                        "AK2" => {
                            if let Some(done) = current.take() {
                                acks.push(done);
                            }
                            current = Some(TransactionAck {
                                group_control: group_control.clone(),
                                kind: s.value(1).to_string(),
                                control_number: s.value(2).to_string(),
                                code: String::new(),
                                errors: Vec::new(),
                                segment_number: s.number,
                            });
                        }
                        "IK3" => {
                            context = format!("segment {} at position {}", s.value(1), s.value(2));
                            if let Some(c) = current.as_mut() {
                                c.errors.push(format!("{context}: {} ({})", segment_error(s.value(4)), s.value(4)));
                            }
                        }
                        "IK4" => {
                            if let Some(c) = current.as_mut() {
                                let bad = s.value(4);
                                let bad = if bad.is_empty() { String::new() } else { format!(", value {bad:?}") };
                                c.errors.push(format!(
                                    "{context}, element {}: {} ({}){bad}",
                                    s.component(1, 1),
                                    element_error(s.value(3)),
                                    s.value(3)
                                ));
                            }
                        }
                        "IK5" => match current.as_mut() {
                            Some(c) => {
                                c.code = s.value(1).to_string();
                                for n in 2..=6 {
                                    let code = s.value(n);
                                    if !code.is_empty() {
                                        c.errors.push(format!("{} ({code})", transaction_error(code)));
                                    }
                                }
                            }
                            None => problems.push(fail(s, "IK5 without the AK2 it answers")),
                        },
                        _ => {}
                    }
                }
                if let Some(done) = current.take() {
                    acks.push(done);
                }
                if group_control.is_empty() {
                    problems.push(fail(&set.st, "this 999 has no AK1 naming the group it acknowledges"));
                }
            }
        }
    }
    if !seen {
        problems.push(Diagnostic {
            severity: Severity::Error,
            segment_number: 0,
            segment_id: String::new(),
            element: None,
            offset: 0,
            message: "the file holds no 999 transaction set".into(),
        });
    }
    for ack in &acks {
        if ack.code.is_empty() {
            problems.push(Diagnostic {
                severity: Severity::Error,
                segment_number: ack.segment_number,
                segment_id: "AK2".into(),
                element: None,
                offset: 0,
                message: format!("AK2 for transaction {} has no IK5 saying whether it was accepted", ack.control_number),
            });
        }
    }
    if problems.is_empty() {
        Ok(acks)
    } else {
        Err(problems)
    }
}

/// What a 277CA said about one claim (loop 2200D).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClaimAck {
    /// TRN02: the patient control number we sent in CLM01.
    pub claim_number: String,
    /// STC01-1, such as A1, A2 (accepted) or A3, A6, A7, A8 (rejected).
    pub category: String,
    /// STC01-2, the claim status code.
    pub status_code: String,
    /// STC01-3, the entity the status is about, if any.
    pub entity: String,
    /// Further STC composites (STC10, STC11), as category:status:entity.
    pub more: Vec<String>,
    /// REF*1K: the payer's claim control number.
    pub payer_claim_number: String,
    /// STC04, as sent.
    pub amount: String,
    pub segment_number: usize,
}

impl ClaimAck {
    /// A0-A2 and A5: acknowledged, forwarded, or accepted into adjudication.
    pub fn accepted(&self) -> bool {
        matches!(self.category.as_str(), "A0" | "A1" | "A2" | "A5")
    }

    /// The reason as a person reads it: each STC composite in words, from
    /// the code lists (`settle_domain::claim_status`).
    pub fn reason(&self) -> String {
        let mut text = format!("277CA {}", describe(&self.category, &self.status_code, &self.entity));
        for more in &self.more {
            let mut parts = more.split(':');
            let (c, s, e) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""), parts.next().unwrap_or(""));
            text.push_str(&format!("; also {}", describe(c, s, e)));
        }
        text
    }
}

/// Reads every claim-level status (HL level PT) in every 277CA in the file.
pub fn read_277ca(parsed: &Parsed) -> Result<Vec<ClaimAck>, Vec<Diagnostic>> {
    let mut acks = Vec::new();
    let mut problems = crate::grammar::check(&parsed.interchanges, Some("277"));
    let mut seen = false;
    for interchange in &parsed.interchanges {
        for group in &interchange.groups {
            for set in group.transactions.iter().filter(|t| t.kind() == "277") {
                seen = true;
                let mut level = String::new();
                let mut current: Option<ClaimAck> = None;
                for s in &set.segments {
                    match s.id.as_str() {
                        "HL" => {
                            if let Some(done) = current.take() {
                                acks.push(done);
                            }
                            level = s.value(3).to_string();
                        }
                        "TRN" if level == "PT" && s.value(1) == "2" => {
                            if let Some(done) = current.take() {
                                acks.push(done);
                            }
                            current = Some(ClaimAck {
                                claim_number: s.value(2).to_string(),
                                category: String::new(),
                                status_code: String::new(),
                                entity: String::new(),
                                more: Vec::new(),
                                payer_claim_number: String::new(),
                                amount: String::new(),
                                segment_number: s.number,
                            });
                        }
                        "STC" if level == "PT" => match current.as_mut() {
                            Some(c) if c.category.is_empty() => {
                                c.category = s.component(1, 1).to_string();
                                c.status_code = s.component(1, 2).to_string();
                                c.entity = s.component(1, 3).to_string();
                                c.amount = s.value(4).to_string();
                                for n in [10, 11] {
                                    let more: Vec<&str> = (1..=3).map(|k| s.component(n, k)).filter(|v| !v.is_empty()).collect();
                                    if !more.is_empty() {
                                        c.more.push(more.join(":"));
                                    }
                                }
                            }
                            Some(c) => {
                                let more: Vec<&str> = (1..=3).map(|k| s.component(1, k)).filter(|v| !v.is_empty()).collect();
                                c.more.push(more.join(":"));
                            }
                            None => problems.push(fail(s, "STC at patient level before the TRN naming the claim")),
                        },
                        "REF" if level == "PT" && s.value(1) == "1K" => {
                            if let Some(c) = current.as_mut() {
                                c.payer_claim_number = s.value(2).to_string();
                            }
                        }
                        _ => {}
                    }
                }
                if let Some(done) = current.take() {
                    acks.push(done);
                }
            }
        }
    }
    if !seen {
        problems.push(Diagnostic {
            severity: Severity::Error,
            segment_number: 0,
            segment_id: String::new(),
            element: None,
            offset: 0,
            message: "the file holds no 277 transaction set".into(),
        });
    }
    for ack in &acks {
        if ack.category.is_empty() {
            problems.push(Diagnostic {
                severity: Severity::Error,
                segment_number: ack.segment_number,
                segment_id: "TRN".into(),
                element: Some(2),
                offset: 0,
                message: format!("claim {} has no STC status", ack.claim_number),
            });
        }
    }
    if problems.is_empty() {
        Ok(acks)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read;

    fn sample(name: &str) -> Parsed {
        let path = format!("{}/../../testdata/x12/imsweb/{name}", env!("CARGO_MANIFEST_DIR"));
        read(&std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}")))
    }

    #[test]
    fn a_rejected_999_names_the_segment_and_reason() {
        let acks = read_999(&sample("x12_999_rejected.txt")).unwrap();
        assert_eq!(acks.len(), 1);
        let ack = &acks[0];
        assert_eq!(
            (ack.group_control.as_str(), ack.kind.as_str(), ack.control_number.as_str()),
            ("28", "837", "0028")
        );
        assert!(!ack.accepted());
        assert_eq!(ack.errors[0], "segment NM at position 17: unrecognized segment (1)");
        assert!(ack.errors.iter().any(|e| e.contains("one or more segments in error")), "{:?}", ack.errors);
    }

    #[test]
    fn an_accepted_999() {
        let acks = read_999(&sample("x12_999_accepted.txt")).unwrap();
        assert!(!acks.is_empty() && acks.iter().all(TransactionAck::accepted), "{acks:?}");
    }

    #[test]
    fn the_277ca_samples_accept_and_reject_claims() {
        let accepted = read_277ca(&sample("x12_277CA_accepted.txt")).unwrap();
        assert_eq!(accepted.len(), 1);
        assert_eq!(accepted[0].claim_number, "5781");
        assert!(accepted[0].accepted());
        assert_eq!(accepted[0].payer_claim_number, "1107000000014420");
        let rejected = read_277ca(&sample("x12_277CA_rejected.txt")).unwrap();
        assert_eq!(rejected.len(), 1);
        assert!(!rejected[0].accepted());
        assert_eq!(
            (rejected[0].category.as_str(), rejected[0].status_code.as_str(), rejected[0].entity.as_str()),
            ("A7", "562", "85")
        );
        assert_eq!(
            rejected[0].reason(),
            "277CA A7 rejected for invalid information: the entity's National Provider Identifier (NPI) (status 562), about the billing provider (85)"
        );
    }

    #[test]
    fn a_277ca_is_not_a_999() {
        let err = read_999(&sample("x12_277CA_accepted.txt")).unwrap_err();
        assert_eq!(err[0].message, "the file holds no 999 transaction set");
    }
}
