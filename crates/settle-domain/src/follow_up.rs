//! Insurance follow-up: which claims a biller works today, why, by when,
//! and in what order. A payer owes on claims and is worked by asking
//! where they stand, correcting, resubmitting and appealing before the
//! payer's limits run out; it is never dunned as a consumer (see
//! `dunning::Facts::payer`).
//!
//! Pure: the store reads each open claim's facts, [`assess`] says whether
//! and why it needs work and which deadline it runs against, and
//! [`order`] ranks the list:
//!
//! 1. claims within `warn_days` of a deadline, the nearest first;
//! 2. the rest that need work (no answer after `no_answer_days`, a
//!    follow-up date reached, a rejection to correct, a denial to appeal),
//!    the most dollars first, then the oldest;
//! 3. claims past their deadline (to write off with the reason ready),
//!    the most dollars first.
//!
//! Ties fall to the claim number, so the order is the same every time.

use std::cmp::Ordering;

use crate::claim_status::Answer;
use crate::claims::ClaimStatus;
use crate::Date;

/// How long to wait before asking, and how early to warn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FollowUpPolicy {
    /// Days after submission with no final answer before a claim needs a
    /// status inquiry (276) or a call.
    pub no_answer_days: i64,
    /// Days before a deadline at which a claim is flagged.
    pub warn_days: i64,
}

impl Default for FollowUpPolicy {
    fn default() -> FollowUpPolicy {
        FollowUpPolicy {
            no_answer_days: 30,
            warn_days: 14,
        }
    }
}

/// What the store knows of one open claim.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenClaim {
    pub status: ClaimStatus,
    /// The first date of service: timely filing counts from it.
    pub first_service: Date,
    /// When the claim first went to the payer.
    pub submitted_on: Option<Date>,
    /// When the payer denied it (the last denial).
    pub denied_on: Option<Date>,
    /// The payer's limits, in days.
    pub timely_filing_days: i64,
    pub appeal_days: i64,
    /// Days after the payer's decision within which it takes a corrected
    /// claim (frequency 7); `None` when the payer takes corrections within
    /// its timely filing limit from the date of service (Medicare's rule).
    pub corrected_claim_days: Option<i64>,
    /// What the payer still owes on it, in minor units.
    pub open_minor: i64,
    /// The next follow-up date a person set (after a call), if any.
    pub next_follow_up: Option<Date>,
    /// The payer's last answer to a status request (277), if any.
    pub payer_said: Option<PayerSaid>,
}

/// What a payer last said of a claim in a 277.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PayerSaid {
    pub answer: crate::claim_status::Answer,
    /// The status in words (`claim_status::describe`).
    pub words: String,
    pub on: Date,
}

/// Which limit a claim runs against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeadlineKind {
    /// The payer's timely filing limit, from the date of service: a claim
    /// the payer has not taken in (unanswered, rejected) must reach it
    /// before then.
    TimelyFiling,
    /// The payer's appeal window, from the denial.
    Appeal,
    /// The payer's window for a corrected claim, from its decision (or the
    /// filing limit from the date of service, where the payer says so).
    CorrectedClaim,
}

impl DeadlineKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DeadlineKind::TimelyFiling => "timely filing",
            DeadlineKind::Appeal => "appeal",
            DeadlineKind::CorrectedClaim => "corrected claim",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deadline {
    pub kind: DeadlineKind,
    pub on: Date,
    /// Negative once passed.
    pub days_left: i64,
}

/// The three groups of the ranked list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Urgency {
    /// Within `warn_days` of its deadline.
    NearDeadline,
    /// Needs work; no deadline close.
    Due,
    /// Past its deadline: write it off, with the reason ready.
    PastDeadline,
}

impl Urgency {
    pub fn as_str(self) -> &'static str {
        match self {
            Urgency::NearDeadline => "near deadline",
            Urgency::Due => "due",
            Urgency::PastDeadline => "past deadline",
        }
    }
}

/// Why a claim is on the list, and what to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FollowUp {
    pub urgency: Urgency,
    /// Days since submission (or since the date of service, if never sent).
    pub age_days: i64,
    /// 0-30, 31-60, 61-90, 91-120 or 120+.
    pub bucket: &'static str,
    pub deadline: Option<Deadline>,
    /// In words: "no answer 45 days after submission".
    pub why: String,
    /// ask status, correct and resend, appeal, write off, call back.
    pub next_step: &'static str,
}

fn days(from: Date, to: Date) -> i64 {
    i64::from(to.since(from).map(|s| s.get_days()).unwrap_or(0))
}

/// The aging bucket a count of days falls in.
pub fn bucket(age_days: i64) -> &'static str {
    match age_days {
        ..=30 => "0-30",
        31..=60 => "31-60",
        61..=90 => "61-90",
        91..=120 => "91-120",
        _ => "120+",
    }
}

fn deadline(kind: DeadlineKind, from: Date, limit: i64, today: Date) -> Deadline {
    let on = from.checked_add(jiff::Span::new().days(limit)).unwrap_or(from);
    Deadline {
        kind,
        on,
        days_left: days(today, on),
    }
}

/// Whether a claim needs work on `today`, and why; `None` when it waits
/// (a payer's answer not yet due, a follow-up date still ahead, or no
/// answer is awaited: paid, closed, not sent).
pub fn assess(claim: &OpenClaim, policy: &FollowUpPolicy, today: Date) -> Option<FollowUp> {
    let since = claim.submitted_on.unwrap_or(claim.first_service);
    let age_days = days(since, today).max(0);
    let filing = deadline(DeadlineKind::TimelyFiling, claim.first_service, claim.timely_filing_days, today);
    let acting = acting_on_answer(claim, today);
    let (deadline, why, next_step) = match claim.status {
        ClaimStatus::Rejected => (Some(filing), "rejected: the payer never took it in".to_string(), "correct and resend"),
        ClaimStatus::Denied => {
            let denied = claim.denied_on.unwrap_or(since);
            let appeal = deadline(DeadlineKind::Appeal, denied, claim.appeal_days, today);
            let corrected = match claim.corrected_claim_days {
                Some(limit) => deadline(DeadlineKind::CorrectedClaim, denied, limit, today),
                None => Deadline {
                    kind: DeadlineKind::CorrectedClaim,
                    ..filing
                },
            };
            let (runs, step) = denial_deadline(appeal, corrected);
            let other = if runs.kind == DeadlineKind::Appeal { corrected } else { appeal };
            let other = match other.days_left {
                ..0 => format!("; {} passed on {}", other.kind.as_str(), other.on),
                _ => format!("; {} by {}", other.kind.as_str(), other.on),
            };
            (Some(runs), format!("denied {} days ago{other}", days(denied, today).max(0)), step)
        }
        ClaimStatus::Submitted | ClaimStatus::Accepted | ClaimStatus::PartiallyPaid if acting.is_some() => {
            let (said, step) = acting?;
            // A payer with no record of the claim has not taken it in: the
            // filing limit runs as if it had never been sent.
            let runs = (claim.status == ClaimStatus::Submitted || said.answer == Answer::NotFound).then_some(filing);
            (runs, format!("payer said on {}: {}", said.on, said.words), step)
        }
        ClaimStatus::Submitted | ClaimStatus::Accepted | ClaimStatus::PartiallyPaid => {
            let waited = claim.next_follow_up.is_none_or(|d| d <= today) && age_days >= policy.no_answer_days;
            let called_back = claim.next_follow_up.is_some_and(|d| d <= today);
            // Until the payer acknowledges a claim, the filing limit runs.
            let runs = (claim.status == ClaimStatus::Submitted).then_some(filing);
            let near = runs.is_some_and(|d| d.days_left <= policy.warn_days);
            if !(waited || called_back || near) {
                return None;
            }
            let why = match claim.status {
                ClaimStatus::PartiallyPaid => format!("paid in part; the rest unanswered {age_days} days after submission"),
                ClaimStatus::Accepted => format!("accepted, no payment {age_days} days after submission"),
                _ => format!("no answer {age_days} days after submission"),
            };
            let why = if called_back && claim.next_follow_up.is_some() {
                format!("{why}; follow-up date reached")
            } else {
                why
            };
            let why = match &claim.payer_said {
                Some(said) => format!("{why}; payer said on {}: {}", said.on, said.words),
                None => why,
            };
            (runs, why, if called_back { "call back" } else { "ask status" })
        }
        _ => return None,
    };
    let urgency = match deadline {
        Some(d) if d.days_left < 0 => Urgency::PastDeadline,
        Some(d) if d.days_left <= policy.warn_days => Urgency::NearDeadline,
        _ => Urgency::Due,
    };
    let next_step = if urgency == Urgency::PastDeadline { "write off" } else { next_step };
    Some(FollowUp {
        urgency,
        age_days,
        bucket: bucket(age_days),
        deadline,
        why,
        next_step,
    })
}

/// A denied claim may be appealed or corrected, each until its own limit:
/// it runs against the nearer limit still open (the later one once both
/// have passed), and the step offers what is still open.
fn denial_deadline(appeal: Deadline, corrected: Deadline) -> (Deadline, &'static str) {
    match (appeal.days_left >= 0, corrected.days_left >= 0) {
        (true, true) if corrected.on < appeal.on => (corrected, "appeal or correct"),
        (true, true) => (appeal, "appeal or correct"),
        (true, false) => (appeal, "appeal"),
        (false, true) => (corrected, "correct and resend"),
        (false, false) if corrected.on > appeal.on => (corrected, "write off"),
        (false, false) => (appeal, "write off"),
    }
}

/// A payer's answer that asks the biller to act now (unless a follow-up
/// date after it is still ahead): decided (post its remittance), wanting
/// more (send it), or no record (resend); with the step.
fn acting_on_answer(claim: &OpenClaim, today: Date) -> Option<(&PayerSaid, &'static str)> {
    let said = claim.payer_said.as_ref()?;
    let step = match said.answer {
        Answer::Finalized => "get the remittance (835)",
        Answer::InformationRequested => "send what the payer asks",
        Answer::NotFound => "resend the claim",
        _ => return None,
    };
    claim.next_follow_up.is_none_or(|d| d <= today).then_some((said, step))
}

/// The order of the list (see the module's comment): `a` and `b` are
/// (follow-up, open dollars in minor units, claim number).
pub fn order(a: (&FollowUp, i64, &str), b: (&FollowUp, i64, &str)) -> Ordering {
    let (fa, oa, na) = a;
    let (fb, ob, nb) = b;
    fa.urgency
        .cmp(&fb.urgency)
        .then_with(|| match fa.urgency {
            Urgency::NearDeadline => {
                let left = |f: &FollowUp| f.deadline.map(|d| d.days_left).unwrap_or(i64::MAX);
                left(fa).cmp(&left(fb)).then(ob.cmp(&oa))
            }
            Urgency::Due => ob.cmp(&oa).then(fb.age_days.cmp(&fa.age_days)),
            Urgency::PastDeadline => ob.cmp(&oa),
        })
        .then_with(|| na.cmp(nb))
}

/// The list's order as a key a database can index: sorting by
/// (group, a, b, claim number) gives [`order`]'s order, and claims that
/// wait (`None`) come after every claim that needs work. The keys hold on
/// the day they were made (days left and age move with the calendar).
pub fn sort_key(follow_up: Option<&FollowUp>, open_minor: i64) -> (i64, i64, i64) {
    let Some(f) = follow_up else { return (3, 0, 0) };
    let less = open_minor.saturating_neg();
    match f.urgency {
        Urgency::NearDeadline => (0, f.deadline.map_or(i64::MAX, |d| d.days_left), less),
        Urgency::Due => (1, less, f.age_days.saturating_neg()),
        Urgency::PastDeadline => (2, less, 0),
    }
}

#[cfg(test)]
mod tests;
