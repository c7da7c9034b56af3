//! What Settle does with a returned debit, by its code (Nacha Operating
//! Rules, Subsection 2.12.4 on reinitiation): the payment it made is
//! reversed as a returned check is; a fee for the return may be charged
//! only for insufficient or uncollected funds (R01, R09); those two may be
//! sent again at most twice after the first return, within 180 days of the
//! original entry's settlement, in a batch described "RETRY PYMT"; other
//! codes stop, ask for new details or end the authorisation; a notification
//! of change updates the mandate before its next entry.

use jiff::ToSpan;

use crate::ach::codes::{self, Handling};
use crate::Date;

/// How long after the original entry's settlement a retry may go.
pub const RETRY_WINDOW_DAYS: i64 = 180;
/// Retries allowed after the first return.
pub const MAX_RETRIES: usize = 2;
/// The description a retry's batch carries (Nacha requires these words).
pub const RETRY_DESCRIPTION: &str = "RETRY PYMT";

/// What becomes of the mandate the returned debit was made under.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MandateAction {
    /// Keep it (the debit may be retried or corrected under it).
    Keep,
    /// Stop debiting until the payer gives new bank details.
    AskNewDetails,
    /// The authorisation is ended; a new one is needed.
    Revoke,
    /// Stop debiting this account; a person decides what next.
    Hold,
}

/// The decision for one returned debit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReturnDecision {
    pub code: String,
    /// The code in words, as it meant on the day of the return.
    pub meaning: String,
    /// A returned-payment fee may be charged (where the terms allow it).
    pub fee_allowed: bool,
    /// The last day a retry may settle, when one is allowed.
    pub retry_until: Option<Date>,
    pub mandate: MandateAction,
    /// Why, for the account's history.
    pub reason: String,
}

/// Decides what to do with a debit returned with `code` on `returned_on`;
/// `original_settled_on` is the day the original entry settled, and
/// `retries_sent` how many retries of it were already sent. A code Settle
/// does not hold is refused (a person looks it up), never guessed.
pub fn decide(code: &str, returned_on: Date, original_settled_on: Date, retries_sent: usize) -> Result<ReturnDecision, String> {
    let entry = codes::lookup(code, returned_on)
        .ok_or_else(|| format!("return reason code {code:?} is not one Settle holds for {returned_on}; see the Nacha Operating Rules, appendix four"))?;
    if entry.kind != 'R' {
        return Err(format!("{code} is a notification of change, not a return"));
    }
    let window_ends = original_settled_on.checked_add(RETRY_WINDOW_DAYS.days()).map_err(|e| e.to_string())?;
    let funds = entry.handling == Handling::Retry;
    let (retry_until, mandate, reason) = match entry.handling {
        Handling::Retry if retries_sent >= MAX_RETRIES => (
            None,
            MandateAction::Keep,
            format!("{code}: already retried {retries_sent} times, the most the rules allow; collect another way"),
        ),
        Handling::Retry if returned_on > window_ends => (
            None,
            MandateAction::Keep,
            format!("{code}: more than {RETRY_WINDOW_DAYS} days after the original entry settled ({original_settled_on}); no retry"),
        ),
        Handling::Retry => (
            Some(window_ends),
            MandateAction::Keep,
            format!(
                "{code}: may be sent again as {RETRY_DESCRIPTION:?} until {window_ends} (retry {} of {MAX_RETRIES})",
                retries_sent + 1
            ),
        ),
        Handling::NewDetails => (None, MandateAction::AskNewDetails, format!("{code}: ask the payer for new bank details")),
        Handling::Revoke => (None, MandateAction::Revoke, format!("{code}: the authorisation is ended; a new one is needed")),
        Handling::Correct => (
            None,
            MandateAction::Keep,
            format!("{code}: correct the error (amount or day) and send a new entry under the same authorisation"),
        ),
        Handling::Stop | Handling::Review | Handling::Update => {
            (None, MandateAction::Hold, format!("{code}: stop debiting this account until a person decides"))
        }
    };
    Ok(ReturnDecision {
        code: entry.code.clone(),
        meaning: entry.words.clone(),
        fee_allowed: funds,
        retry_until,
        mandate,
        reason,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> Date {
        text.parse().unwrap()
    }

    #[test]
    fn insufficient_funds_may_be_retried_twice_within_180_days_and_carry_a_fee() {
        let settled = day("2026-06-01");
        let first = decide("R01", day("2026-06-03"), settled, 0).unwrap();
        assert_eq!(first.retry_until, Some(day("2026-11-28")));
        assert!(first.fee_allowed);
        assert_eq!(first.mandate, MandateAction::Keep);
        assert!(first.reason.contains("RETRY PYMT") && first.reason.contains("retry 1 of 2"), "{}", first.reason);
        assert!(decide("R09", day("2026-06-20"), settled, 1).unwrap().retry_until.is_some());
        let third = decide("R01", day("2026-07-01"), settled, 2).unwrap();
        assert_eq!(third.retry_until, None);
        assert!(third.fee_allowed, "the fee is for the return, retried or not");
        let late = decide("R01", day("2026-11-29"), settled, 0).unwrap();
        assert_eq!(late.retry_until, None);
    }

    #[test]
    fn each_code_moves_the_mandate_as_the_rules_say() {
        let (on, settled) = (day("2026-12-01"), day("2026-11-30"));
        for (code, action) in [
            ("R02", MandateAction::AskNewDetails),
            ("R03", MandateAction::AskNewDetails),
            ("R04", MandateAction::AskNewDetails),
            ("R20", MandateAction::AskNewDetails),
            ("R05", MandateAction::Revoke),
            ("R07", MandateAction::Revoke),
            ("R10", MandateAction::Revoke),
            ("R29", MandateAction::Revoke),
            ("R51", MandateAction::Revoke),
            ("R11", MandateAction::Keep),
            ("R08", MandateAction::Hold),
            ("R16", MandateAction::Hold),
        ] {
            let d = decide(code, on, settled, 0).unwrap();
            assert_eq!(d.mandate, action, "{code}");
            assert!(!d.fee_allowed, "{code}: only R01 and R09 carry a fee");
            assert_eq!(d.retry_until, None, "{code}");
        }
    }

    #[test]
    fn an_unknown_code_or_a_change_code_is_refused_not_guessed() {
        let on = day("2026-12-01");
        assert!(decide("R98", on, on, 0).unwrap_err().contains("not one Settle holds"));
        assert!(decide("C01", on, on, 0).unwrap_err().contains("notification of change"));
    }
}
