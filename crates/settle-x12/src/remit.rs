//! 835 (005010X221A1) in: what a payer paid, adjusted and left to the
//! patient, claim by claim and line by line, with the balancing rules
//! checked. Every amount that does not add up is reported with its segment,
//! so nothing unbalanced is ever posted as if it were.
//!
//! Balancing (the guide's rules):
//! - each service line: charge - paid = the line's adjustments (CAS);
//! - each claim: charge - paid = the claim's adjustments + its lines' adjustments;
//! - the payment: BPR02 = the claims' payments - the provider adjustments (PLB).

use settle_domain::money::{Currency, Money};

use crate::{Diagnostic, Parsed, Segment, Severity};

pub const IMPLEMENTATION: &str = "005010X221A1";

/// One CAS adjustment: group (CO, PR, OA, PI, CR), reason (CARC) and amount.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Adjustment {
    pub group: String,
    pub reason: String,
    pub amount: Money,
    pub quantity: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinePayment {
    pub segment_number: usize,
    pub qualifier: String,
    pub procedure: String,
    pub modifiers: Vec<String>,
    pub charge: Money,
    pub paid: Money,
    pub units: String,
    /// REF*6R: the line control number sent in the 837P.
    pub control_number: String,
    /// DTM*472 (or 150), CCYYMMDD.
    pub date_of_service: String,
    pub adjustments: Vec<Adjustment>,
    /// LQ*HE remark codes (RARC).
    pub remarks: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClaimPayment {
    pub segment_number: usize,
    /// CLP01: the patient control number sent in CLM01.
    pub claim_number: String,
    /// CLP02: 1 primary, 2 secondary, 3 tertiary, 4 denied, 19-22 forwarded/reversal ...
    pub status: String,
    pub charge: Money,
    pub paid: Money,
    pub patient_responsibility: Option<Money>,
    pub filing_indicator: String,
    /// CLP07: the payer's claim control number.
    pub payer_claim_number: String,
    pub patient_last: String,
    pub patient_first: String,
    pub member_id: String,
    pub adjustments: Vec<Adjustment>,
    pub lines: Vec<LinePayment>,
    /// MOA/MIA remark codes.
    pub remarks: Vec<String>,
}

impl ClaimPayment {
    /// CLP02 22: the payer takes back an earlier payment of this claim.
    pub fn is_reversal(&self) -> bool {
        self.status == "22"
    }

    /// CLP02 4: the payer denied the claim.
    pub fn is_denied(&self) -> bool {
        self.status == "4"
    }

    /// The claim's own adjustments, then each line's.
    pub fn all_adjustments(&self) -> impl Iterator<Item = &Adjustment> {
        self.adjustments.iter().chain(self.lines.iter().flat_map(|l| l.adjustments.iter()))
    }

    /// CLP02 in words.
    pub fn status_meaning(&self) -> &'static str {
        match self.status.as_str() {
            "1" => "processed as primary",
            "2" => "processed as secondary",
            "3" => "processed as tertiary",
            "4" => "denied",
            "19" => "processed as primary, forwarded to another payer",
            "20" => "processed as secondary, forwarded to another payer",
            "21" => "processed as tertiary, forwarded to another payer",
            "22" => "reversal of a previous payment",
            "23" => "not our claim, forwarded",
            "25" => "predetermination, not paid",
            _ => "unknown status",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderAdjustment {
    pub segment_number: usize,
    pub provider: String,
    pub reason: String,
    pub reference: String,
    /// Positive reduces the payment.
    pub amount: Money,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Remittance {
    /// The ST segment's number.
    pub segment_number: usize,
    pub payer_name: String,
    pub payee_name: String,
    pub payee_id: String,
    /// BPR02.
    pub amount: Money,
    /// BPR01: I remittance with payment, H notification only, ...
    pub handling: String,
    /// BPR04: ACH, CHK, FWT, BOP, NON.
    pub method: String,
    /// BPR16, CCYYMMDD.
    pub payment_date: String,
    /// TRN02: the check or EFT trace number.
    pub trace: String,
    pub claims: Vec<ClaimPayment>,
    pub provider_adjustments: Vec<ProviderAdjustment>,
    /// Every defect and every sum that does not balance, by segment.
    pub problems: Vec<Diagnostic>,
}

impl Remittance {
    pub fn balanced(&self) -> bool {
        self.problems.is_empty()
    }
}

fn problem(s: &Segment, element: Option<usize>, message: impl Into<String>) -> Diagnostic {
    Diagnostic {
        severity: Severity::Error,
        segment_number: s.number,
        segment_id: s.id.clone(),
        element,
        offset: s.offset,
        message: message.into(),
    }
}

struct Amounts {
    currency: Currency,
}

impl Amounts {
    fn get(&self, s: &Segment, n: usize, what: &str, problems: &mut Vec<Diagnostic>) -> Money {
        let text = s.value(n).trim();
        if text.is_empty() {
            return Money::zero(self.currency);
        }
        Money::parse_x12(text, self.currency).unwrap_or_else(|e| {
            problems.push(problem(s, Some(n), format!("{what} {text:?} is not an amount: {e}")));
            Money::zero(self.currency)
        })
    }

    fn optional(&self, s: &Segment, n: usize, what: &str, problems: &mut Vec<Diagnostic>) -> Option<Money> {
        (!s.value(n).trim().is_empty()).then(|| self.get(s, n, what, problems))
    }
}

/// The total of `items`; each is within the money limit, and a total past
/// `i64` (millions of maximum amounts) saturates, so balancing reports it.
fn sum(items: impl Iterator<Item = Money>, currency: Currency) -> Money {
    let minor = items.fold(0i64, |total, m| total.saturating_add(m.amount_minor()));
    Money::from_minor(minor, currency)
}

/// Reads every 835 in the file, each with its balancing checked.
pub fn read_835(parsed: &Parsed) -> (Vec<Remittance>, Vec<Diagnostic>) {
    let mut out = Vec::new();
    let mut loose = crate::grammar::check(&parsed.interchanges, Some("835"));
    let amounts = Amounts { currency: Currency::USD };
    for interchange in &parsed.interchanges {
        for group in &interchange.groups {
            for set in group.transactions.iter().filter(|t| t.kind() == "835") {
                out.push(read_set(&set.st, &set.segments, &amounts));
            }
        }
    }
    if out.is_empty() {
        loose.push(Diagnostic {
            severity: Severity::Error,
            segment_number: 0,
            segment_id: String::new(),
            element: None,
            offset: 0,
            message: "the file holds no 835 transaction set".into(),
        });
    }
    (out, loose)
}

fn adjustments(s: &Segment, amounts: &Amounts, problems: &mut Vec<Diagnostic>) -> Vec<Adjustment> {
    let group = s.value(1).to_string();
    if !matches!(group.as_str(), "CO" | "PR" | "OA" | "PI" | "CR") {
        problems.push(problem(s, Some(1), format!("{group:?} is not an adjustment group (CO, PR, OA, PI, CR)")));
    }
    let mut out = Vec::new();
    // Up to six reason / amount / quantity triples: CAS02-04, 05-07, ... 17-19.
    for k in 0..6 {
        let at = 2 + k * 3;
        let reason = s.value(at);
        if reason.is_empty() {
            continue;
        }
        out.push(Adjustment {
            group: group.clone(),
            reason: reason.to_string(),
            amount: amounts.get(s, at + 1, "the adjustment", problems),
            quantity: s.value(at + 2).to_string(),
        });
    }
    out
}

fn read_set(st: &Segment, segments: &[Segment], amounts: &Amounts) -> Remittance {
    let cur = amounts.currency;
    let mut r = Remittance {
        segment_number: st.number,
        payer_name: String::new(),
        payee_name: String::new(),
        payee_id: String::new(),
        amount: Money::zero(cur),
        handling: String::new(),
        method: String::new(),
        payment_date: String::new(),
        trace: String::new(),
        claims: Vec::new(),
        provider_adjustments: Vec::new(),
        problems: Vec::new(),
    };
    let mut bpr: Option<&Segment> = None;
    let mut problems = Vec::new();
    for s in segments {
        match s.id.as_str() {
            "BPR" => {
                bpr = Some(s);
                r.handling = s.value(1).to_string();
                r.amount = amounts.get(s, 2, "the payment (BPR02)", &mut problems);
                r.method = s.value(4).to_string();
                r.payment_date = s.value(16).to_string();
            }
            "TRN" => r.trace = s.value(2).to_string(),
            "N1" if s.value(1) == "PR" => r.payer_name = s.value(2).to_string(),
            "N1" if s.value(1) == "PE" => {
                r.payee_name = s.value(2).to_string();
                r.payee_id = s.value(4).to_string();
            }
            "CLP" => r.claims.push(ClaimPayment {
                segment_number: s.number,
                claim_number: s.value(1).to_string(),
                status: s.value(2).to_string(),
                charge: amounts.get(s, 3, "the claim charge (CLP03)", &mut problems),
                paid: amounts.get(s, 4, "the claim payment (CLP04)", &mut problems),
                patient_responsibility: amounts.optional(s, 5, "the patient responsibility (CLP05)", &mut problems),
                filing_indicator: s.value(6).to_string(),
                payer_claim_number: s.value(7).to_string(),
                patient_last: String::new(),
                patient_first: String::new(),
                member_id: String::new(),
                adjustments: Vec::new(),
                lines: Vec::new(),
                remarks: Vec::new(),
            }),
            "NM1" if s.value(1) == "QC" => {
                if let Some(c) = r.claims.last_mut() {
                    c.patient_last = s.value(3).to_string();
                    c.patient_first = s.value(4).to_string();
                    c.member_id = s.value(9).to_string();
                }
            }
            "CAS" => {
                let found = adjustments(s, amounts, &mut problems);
                match r.claims.last_mut() {
                    Some(c) => match c.lines.last_mut() {
                        Some(line) => line.adjustments.extend(found),
                        None => c.adjustments.extend(found),
                    },
                    None => problems.push(problem(s, None, "CAS before any claim (CLP)")),
                }
            }
            "MOA" | "MIA" => {
                if let Some(c) = r.claims.last_mut() {
                    let range = if s.id == "MOA" { 3..=7 } else { 5..=5 };
                    c.remarks.extend(range.map(|n| s.value(n).to_string()).filter(|v| !v.is_empty()));
                }
            }
            "SVC" => match r.claims.last_mut() {
                Some(c) => {
                    let procedure = s.component(1, 2).to_string();
                    if procedure.is_empty() {
                        let raw = s.element(1).map(|e| e.as_str()).unwrap_or("");
                        let stray = raw.chars().find(|c| matches!(c, '>' | ':' | '^' | '|' | '\\'));
                        let message = match stray {
                            Some(c) => format!("SVC01 {raw:?} separates its parts with {c:?}, but this file's component separator (ISA16) is another; the procedure code cannot be read"),
                            None => "SVC01 names no procedure code (it should be qualifier and code, such as HC:99213)".to_string(),
                        };
                        problems.push(problem(s, Some(1), message));
                    }
                    c.lines.push(LinePayment {
                        segment_number: s.number,
                        qualifier: s.component(1, 1).to_string(),
                        procedure,
                        modifiers: (3..=6).map(|k| s.component(1, k).to_string()).filter(|m| !m.is_empty()).collect(),
                        charge: amounts.get(s, 2, "the line charge (SVC02)", &mut problems),
                        paid: amounts.get(s, 3, "the line payment (SVC03)", &mut problems),
                        units: s.value(5).to_string(),
                        control_number: String::new(),
                        date_of_service: String::new(),
                        adjustments: Vec::new(),
                        remarks: Vec::new(),
                    });
                }
                None => problems.push(problem(s, None, "SVC before any claim (CLP)")),
            },
            "DTM" if matches!(s.value(1), "472" | "150") => {
                if let Some(line) = r.claims.last_mut().and_then(|c| c.lines.last_mut()) {
                    if line.date_of_service.is_empty() {
                        line.date_of_service = s.value(2).to_string();
                    }
                }
            }
            "REF" if s.value(1) == "6R" => {
                if let Some(line) = r.claims.last_mut().and_then(|c| c.lines.last_mut()) {
                    line.control_number = s.value(2).to_string();
                }
            }
            "LQ" if s.value(1) == "HE" => {
                if let Some(line) = r.claims.last_mut().and_then(|c| c.lines.last_mut()) {
                    line.remarks.push(s.value(2).to_string());
                }
            }
            "PLB" => {
                // Up to six reason:reference / amount pairs: PLB03-04 ... PLB13-14.
                for k in 0..6 {
                    let at = 3 + k * 2;
                    if s.value(at).is_empty() {
                        continue;
                    }
                    r.provider_adjustments.push(ProviderAdjustment {
                        segment_number: s.number,
                        provider: s.value(1).to_string(),
                        reason: s.component(at, 1).to_string(),
                        reference: s.component(at, 2).to_string(),
                        amount: amounts.get(s, at + 1, "the provider adjustment", &mut problems),
                    });
                }
            }
            _ => {}
        }
    }
    // Balancing. A segment is looked up only to name it in a problem (a
    // search each time would make a large ERA quadratic).
    let by_number = |n: usize| segments.iter().find(|s| s.number == n).unwrap_or(st);
    for c in &r.claims {
        for (n, line) in c.lines.iter().enumerate() {
            let shown = if line.procedure.is_empty() {
                "with no code".to_string()
            } else {
                line.procedure.clone()
            };
            let adjusted = sum(line.adjustments.iter().map(|a| a.amount), cur);
            let owed = Money::from_minor(line.charge.amount_minor() - line.paid.amount_minor(), cur);
            if owed != adjusted {
                problems.push(problem(
                    by_number(line.segment_number),
                    None,
                    format!(
                        "claim {} line {} ({shown}): charge {} less payment {} is {owed}, but its adjustments add up to {adjusted}",
                        c.claim_number,
                        n + 1,
                        line.charge,
                        line.paid
                    ),
                ));
            }
        }
        let adjusted = sum(c.all_adjustments().map(|a| a.amount), cur);
        let owed = Money::from_minor(c.charge.amount_minor() - c.paid.amount_minor(), cur);
        if owed != adjusted {
            problems.push(problem(
                by_number(c.segment_number),
                None,
                format!(
                    "claim {}: charge {} less payment {} is {owed}, but the claim's and its lines' adjustments add up to {adjusted}",
                    c.claim_number, c.charge, c.paid
                ),
            ));
        }
    }
    if let Some(bpr) = bpr {
        let paid = sum(r.claims.iter().map(|c| c.paid), cur);
        let plb = sum(r.provider_adjustments.iter().map(|p| p.amount), cur);
        let expected = Money::from_minor(paid.amount_minor() - plb.amount_minor(), cur);
        if expected != r.amount {
            problems.push(problem(
                bpr,
                Some(2),
                format!(
                    "the payment is {}, but the claims' payments {paid} less provider adjustments {plb} come to {expected}",
                    r.amount
                ),
            ));
        }
    } else {
        problems.push(problem(st, None, "no BPR segment: the remittance says nothing of a payment"));
    }
    r.problems = problems;
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(name: &str) -> Vec<Remittance> {
        let path = format!("{}/../../testdata/x12/linuxforhealth/{name}", env!("CARGO_MANIFEST_DIR"));
        let parsed = crate::read(&std::fs::read(path).unwrap());
        let (r, loose) = read_835(&parsed);
        assert!(loose.is_empty(), "{loose:?}");
        r
    }

    #[test]
    fn a_managed_care_remittance_balances() {
        let r = &sample("managed-care.835")[0];
        assert!(r.balanced(), "{:?}", r.problems);
        assert_eq!(
            (r.amount.to_decimal_string().as_str(), r.trace.as_str(), r.method.as_str()),
            ("945.00", "7170066655", "ACH")
        );
        let c = &r.claims[0];
        assert_eq!(
            (c.claim_number.as_str(), c.status_meaning(), c.payer_claim_number.as_str()),
            ("5554555444", "processed as primary", "94060555410000")
        );
        assert_eq!(c.adjustments[0].group, "CO");
        assert_eq!(c.lines[0].adjustments[0].reason, "1", "PR 1: the deductible");
        assert_eq!(c.patient_responsibility.unwrap().to_decimal_string(), "300.00");
    }

    #[test]
    fn provider_adjustments_and_several_triples_in_one_cas() {
        let r = &sample("medicare-part-a.835")[0];
        assert!(r.balanced(), "{:?}", r.problems);
        assert_eq!(r.provider_adjustments[0].amount.to_decimal_string(), "-1.27");
        let r = &sample("secondary-payment.835")[0];
        // The sample writes "HC>12345>26" in a file whose ISA16 says ":": named, not guessed.
        assert!(
            r.problems.iter().all(|p| p.segment_id == "SVC" && p.message.contains("ISA16")),
            "{:?}",
            r.problems
        );
        assert_eq!(r.problems.len(), 2);
        let line = &r.claims[1].lines[1];
        assert_eq!(
            line.adjustments.iter().map(|a| (a.group.as_str(), a.reason.as_str())).collect::<Vec<_>>(),
            [("PR", "1"), ("PR", "2"), ("CO", "42")]
        );
    }

    #[test]
    fn a_malformed_line_is_named_and_its_sums_reported() {
        let r = &sample("tertiary-payment.835")[0];
        assert!(!r.balanced());
        let messages: Vec<String> = r.problems.iter().map(|p| p.to_string()).collect();
        assert!(
            messages.iter().any(|m| m.contains("(SVC), element SVC01: SVC01 names no procedure code")),
            "{messages:?}"
        );
        assert!(messages.iter().any(|m| m.contains("but its adjustments add up to 1579.00")), "{messages:?}");
    }

    #[test]
    fn every_835_sample_balances_or_says_where_not() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/x12/linuxforhealth");
        let mut files = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().and_then(|e| e.to_str()) != Some("835") {
                continue;
            }
            files += 1;
            let parsed = crate::read(&std::fs::read(&path).unwrap());
            let (remits, loose) = read_835(&parsed);
            assert!(loose.is_empty() && !remits.is_empty(), "{path:?}");
            for r in remits {
                for p in &r.problems {
                    assert!(p.segment_number > 0, "{path:?}: every problem names its segment: {p}");
                }
            }
        }
        assert_eq!(files, 5);
    }
}
