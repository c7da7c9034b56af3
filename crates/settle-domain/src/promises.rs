//! Promises to pay: an amount by a date, kept or broken by what the
//! account is actually paid. A promise is kept on the day the payments
//! received since it was made reach its amount, if that day is no later
//! than its date plus the grace days; it is broken once that last day has
//! passed without it. Nothing here reads the clock: "today" is an argument.

use jiff::civil::Date;
use jiff::ToSpan;

use crate::money::Money;

/// Days after a promise's date in which a payment still keeps it (mail in transit).
pub const GRACE_DAYS: i64 = 3;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PromiseState {
    /// Not yet kept, and its last day has not passed.
    Pending,
    /// Paid in full by the day given.
    Kept(Date),
    /// Its last day passed before it was paid in full.
    Broken,
}

impl PromiseState {
    pub fn as_str(self) -> &'static str {
        match self {
            PromiseState::Pending => "pending",
            PromiseState::Kept(_) => "kept",
            PromiseState::Broken => "broken",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PromiseError {
    #[error("the amount must be greater than zero")]
    NotPositive,
    #[error("the promised date {due} is in the past (today is {today})")]
    InThePast { due: Date, today: Date },
    #[error("the promise of {amount} is more than the account owes ({owed})")]
    MoreThanOwed { amount: Money, owed: Money },
}

/// Checks a new promise against today and what the account owes.
pub fn check_new(amount: Money, due: Date, owed_minor: i64, today: Date) -> Result<(), PromiseError> {
    let amount_minor = amount.amount_minor();
    if amount_minor <= 0 {
        return Err(PromiseError::NotPositive);
    }
    if due < today {
        return Err(PromiseError::InThePast { due, today });
    }
    if amount_minor > owed_minor {
        return Err(PromiseError::MoreThanOwed {
            amount,
            owed: Money::from_minor(owed_minor, amount.currency()),
        });
    }
    Ok(())
}

/// The last day a payment keeps a promise due on `due`.
pub fn last_day(due: Date) -> Date {
    due.checked_add(GRACE_DAYS.days()).unwrap_or(Date::MAX)
}

/// Whether a promise due on `due` is falling due on `today`: due today or
/// within its grace days, so a payment is expected now.
pub fn falling_due(due: Date, today: Date) -> bool {
    due <= today && last_day(due) >= today
}

/// The promise's state as of `today`, from the payments received since it
/// was made (`(received_on, amount_minor)`, reversals as negative amounts).
pub fn state(amount_minor: i64, made_on: Date, due: Date, payments: &[(Date, i64)], today: Date) -> PromiseState {
    let last = last_day(due);
    let mut paid: Vec<&(Date, i64)> = payments.iter().filter(|(on, _)| *on >= made_on && *on <= last && *on <= today).collect();
    paid.sort_by_key(|(on, _)| *on);
    // Net of reversals: a returned check un-keeps the promise it kept.
    let mut total = 0i64;
    let mut reached = None;
    for (on, amount) in paid {
        total += amount;
        reached = match (total >= amount_minor, reached) {
            (true, None) => Some(*on),
            (true, kept) => kept,
            (false, _) => None,
        };
    }
    if let Some(on) = reached {
        return PromiseState::Kept(on);
    }
    if today > last {
        PromiseState::Broken
    } else {
        PromiseState::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;
    use jiff::civil::date;

    fn usd(minor: i64) -> Money {
        Money::from_minor(minor, Currency::USD)
    }

    #[test]
    fn a_promise_is_kept_by_payments_adding_up_by_its_last_day() {
        let made = date(2026, 12, 1);
        let due = date(2026, 12, 15);
        // Two payments: 60.00 on the 10th, 40.00 on the 17th (within the three days' grace).
        let paid = [(date(2026, 12, 10), 6_000), (date(2026, 12, 17), 4_000)];
        assert_eq!(state(10_000, made, due, &paid, date(2026, 12, 12)), PromiseState::Pending);
        assert_eq!(state(10_000, made, due, &paid, date(2026, 12, 20)), PromiseState::Kept(date(2026, 12, 17)));
        // A payment before the promise was made does not count toward it.
        let early = [(date(2026, 11, 30), 10_000)];
        assert_eq!(state(10_000, made, due, &early, date(2026, 12, 19)), PromiseState::Broken);
        // Late by a day past the grace: broken, and a reversal undoes a payment.
        let late = [(date(2026, 12, 19), 10_000)];
        assert_eq!(state(10_000, made, due, &late, date(2026, 12, 19)), PromiseState::Broken);
        let bounced = [(date(2026, 12, 10), 10_000), (date(2026, 12, 12), -10_000)];
        assert_eq!(state(10_000, made, due, &bounced, date(2026, 12, 11)), PromiseState::Kept(date(2026, 12, 10)));
        assert_eq!(
            state(10_000, made, due, &bounced, date(2026, 12, 13)),
            PromiseState::Pending,
            "the check came back"
        );
        assert_eq!(state(10_000, made, due, &bounced, date(2026, 12, 19)), PromiseState::Broken);
        assert_eq!(last_day(due), date(2026, 12, 18));
    }

    #[test]
    fn a_new_promise_must_be_owed_positive_and_not_in_the_past() {
        let today = date(2026, 12, 1);
        assert_eq!(check_new(usd(0), today, 5_000, today), Err(PromiseError::NotPositive));
        assert_eq!(
            check_new(usd(1_000), date(2026, 11, 30), 5_000, today),
            Err(PromiseError::InThePast {
                due: date(2026, 11, 30),
                today
            })
        );
        assert_eq!(
            check_new(usd(6_000), today, 5_000, today).unwrap_err().to_string(),
            "the promise of 60.00 USD is more than the account owes (50.00 USD)"
        );
        assert_eq!(check_new(usd(5_000), today, 5_000, today), Ok(()));
    }
}
