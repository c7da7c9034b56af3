//! Payment plans and settlements. A plan spreads what is owed over
//! installments; its schedule always adds up to the plan's total, the last
//! installment taking the rounding. Payments received since the plan began
//! pay its installments in date order; an installment is *missed* when its
//! date plus the grace days has passed without the plan being paid up to
//! it. A plan defaults on its Nth missed installment, and is in good
//! standing (dunning paused) while it is active with none missed.
//!
//! A settlement accepts less than the balance if paid by its expiry date;
//! once paid, the rest is adjusted off with the reason "settlement".

use jiff::civil::Date;
use jiff::ToSpan;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Frequency {
    Weekly,
    Biweekly,
    Monthly,
}

impl Frequency {
    pub fn as_str(self) -> &'static str {
        match self {
            Frequency::Weekly => "weekly",
            Frequency::Biweekly => "biweekly",
            Frequency::Monthly => "monthly",
        }
    }

    pub fn parse(text: &str) -> Option<Frequency> {
        match text.trim().to_ascii_lowercase().replace(['-', ' ', '_'], "").as_str() {
            "weekly" => Some(Frequency::Weekly),
            "biweekly" | "everytwoweeks" | "fortnightly" => Some(Frequency::Biweekly),
            "monthly" => Some(Frequency::Monthly),
            _ => None,
        }
    }

    /// The n-th date from `first` (n = 0 is `first`); monthly dates keep the
    /// first one's day, or the month's last day when it is shorter. None past
    /// the end of the calendar.
    pub fn nth(self, first: Date, n: i64) -> Option<Date> {
        match self {
            Frequency::Weekly => first.checked_add((7 * n).days()),
            Frequency::Biweekly => first.checked_add((14 * n).days()),
            Frequency::Monthly => first.checked_add(n.months()),
        }
        .ok()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("total: the plan's total must be greater than zero")]
    Total,
    #[error("total: the plan's total {total_minor} is more than the account owes ({owed_minor})")]
    MoreThanOwed { total_minor: i64, owed_minor: i64 },
    #[error("down_payment: the down payment {down_minor} must be from 0 up to less than the total {total_minor}")]
    Down { down_minor: i64, total_minor: i64 },
    #[error("installment: the installment amount must be greater than zero")]
    Installment,
    #[error("installments: a plan may have at most {max} installments; this one needs {needed}")]
    TooMany { needed: i64, max: i64 },
    #[error("installments: they add up to {sum_minor}, but the total less the down payment is {expected_minor}")]
    DoesNotAddUp { sum_minor: i64, expected_minor: i64 },
    #[error("installments: line {line}: {reason}")]
    Line { line: usize, reason: String },
    #[error("first_due: the first installment's date {first} is before today ({today})")]
    FirstInPast { first: Date, today: Date },
    #[error("first_due: the installments would run past the end of the calendar")]
    PastTheCalendar,
}

/// The longest plan Settle writes: ten years of monthly installments.
pub const MAX_INSTALLMENTS: i64 = 520;

/// One installment: its number (from 1), date and amount.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Installment {
    pub number: i64,
    pub due: Date,
    pub amount_minor: i64,
}

/// Installments of `installment_minor` every `frequency` from `first`, until
/// `total - down` is covered; the last takes what is left (the rounding).
pub fn schedule(total_minor: i64, down_minor: i64, installment_minor: i64, frequency: Frequency, first: Date) -> Result<Vec<Installment>, PlanError> {
    if total_minor <= 0 {
        return Err(PlanError::Total);
    }
    if down_minor < 0 || down_minor >= total_minor {
        return Err(PlanError::Down { down_minor, total_minor });
    }
    if installment_minor <= 0 {
        return Err(PlanError::Installment);
    }
    let rest = total_minor - down_minor;
    let count = (rest + installment_minor - 1) / installment_minor;
    if count > MAX_INSTALLMENTS {
        return Err(PlanError::TooMany {
            needed: count,
            max: MAX_INSTALLMENTS,
        });
    }
    (0..count)
        .map(|n| {
            Ok(Installment {
                number: n + 1,
                due: frequency.nth(first, n).ok_or(PlanError::PastTheCalendar)?,
                amount_minor: if n + 1 == count {
                    rest - installment_minor * (count - 1)
                } else {
                    installment_minor
                },
            })
        })
        .collect()
}

/// Checks installments a person wrote out: dated in order, positive, and
/// adding up to the total less the down payment.
pub fn check_custom(total_minor: i64, down_minor: i64, installments: &[(Date, i64)]) -> Result<Vec<Installment>, PlanError> {
    if total_minor <= 0 {
        return Err(PlanError::Total);
    }
    if down_minor < 0 || down_minor >= total_minor {
        return Err(PlanError::Down { down_minor, total_minor });
    }
    let mut out = Vec::with_capacity(installments.len());
    for (i, (due, amount)) in installments.iter().enumerate() {
        if *amount <= 0 {
            return Err(PlanError::Line {
                line: i + 1,
                reason: "the amount must be greater than zero".into(),
            });
        }
        if let Some(prev) = out.last().map(|p: &Installment| p.due) {
            if *due <= prev {
                return Err(PlanError::Line {
                    line: i + 1,
                    reason: format!("{due} is not after the installment before it ({prev})"),
                });
            }
        }
        out.push(Installment {
            number: i as i64 + 1,
            due: *due,
            amount_minor: *amount,
        });
    }
    if out.is_empty() {
        return Err(PlanError::Line {
            line: 1,
            reason: "a plan needs at least one installment".into(),
        });
    }
    let sum: i64 = out.iter().map(|i| i.amount_minor).sum();
    if sum != total_minor - down_minor {
        return Err(PlanError::DoesNotAddUp {
            sum_minor: sum,
            expected_minor: total_minor - down_minor,
        });
    }
    Ok(out)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlanStatus {
    Active,
    Completed,
    Defaulted,
    Cancelled,
}

impl PlanStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PlanStatus::Active => "active",
            PlanStatus::Completed => "completed",
            PlanStatus::Defaulted => "defaulted",
            PlanStatus::Cancelled => "cancelled",
        }
    }
}

/// How a plan stands on a day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Standing {
    pub status: PlanStatus,
    /// Paid toward the plan (down payment first, then installments).
    pub paid_minor: i64,
    /// Installments whose last day passed unpaid.
    pub missed: i64,
    /// Installments fully paid.
    pub paid_installments: i64,
    /// The next installment not yet fully paid, and what is left on it.
    pub next_due: Option<(Date, i64)>,
}

impl Standing {
    /// Active with nothing missed: dunning waits.
    pub fn good(&self) -> bool {
        self.status == PlanStatus::Active && self.missed == 0
    }
}

/// The plan's standing on `today` from the payments received since it
/// began (`(received_on, amount)`, reversals negative). The down payment is
/// due on the start day and counts as an installment for missing.
pub fn standing(
    down_minor: i64,
    start: Date,
    installments: &[Installment],
    payments: &[(Date, i64)],
    grace_days: i64,
    default_after_missed: i64,
    today: Date,
) -> Standing {
    let paid: i64 = payments.iter().filter(|(on, _)| *on >= start && *on <= today).map(|(_, a)| a).sum();
    let paid = paid.max(0);
    let mut dues: Vec<(Date, i64)> = Vec::with_capacity(installments.len() + 1);
    if down_minor > 0 {
        dues.push((start, down_minor));
    }
    dues.extend(installments.iter().map(|i| (i.due, i.amount_minor)));
    let total: i64 = dues.iter().map(|(_, a)| a).sum();
    let mut cumulative = 0i64;
    let (mut missed, mut full, mut next) = (0i64, 0i64, None);
    for (due, amount) in &dues {
        cumulative += amount;
        if paid >= cumulative {
            full += 1;
            continue;
        }
        if next.is_none() {
            next = Some((*due, (cumulative - paid).min(*amount)));
        }
        let last_day = due.checked_add(grace_days.days()).unwrap_or(Date::MAX);
        if today > last_day {
            missed += 1;
        }
    }
    let status = if paid >= total {
        PlanStatus::Completed
    } else if missed >= default_after_missed.max(1) {
        PlanStatus::Defaulted
    } else {
        PlanStatus::Active
    };
    let installments_paid = if down_minor > 0 { (full - 1).max(0) } else { full };
    Standing {
        status,
        paid_minor: paid,
        missed,
        paid_installments: installments_paid,
        next_due: next,
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SettlementError {
    #[error("amount: the settlement amount must be greater than zero and less than the balance ({balance_minor})")]
    Amount { balance_minor: i64 },
    #[error("expires_on: the offer's expiry {expires} is before today ({today})")]
    Expired { expires: Date, today: Date },
}

/// The discount a settlement gives, in basis points of the balance (rounded up,
/// so a limit is never slipped under by rounding).
pub fn discount_bp(balance_minor: i64, amount_minor: i64) -> i64 {
    let off = i128::from(balance_minor - amount_minor) * 10_000;
    let b = i128::from(balance_minor);
    ((off + b - 1) / b) as i64
}

pub fn check_settlement(balance_minor: i64, amount_minor: i64, expires: Date, today: Date) -> Result<(), SettlementError> {
    if amount_minor <= 0 || amount_minor >= balance_minor {
        return Err(SettlementError::Amount { balance_minor });
    }
    if expires < today {
        return Err(SettlementError::Expired { expires, today });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use proptest::prelude::*;

    #[test]
    fn the_last_installment_takes_the_rounding() {
        let s = schedule(100_000, 10_000, 30_000, Frequency::Monthly, date(2027, 1, 31)).unwrap();
        let amounts: Vec<i64> = s.iter().map(|i| i.amount_minor).collect();
        assert_eq!(amounts, vec![30_000, 30_000, 30_000]);
        let s = schedule(100_001, 0, 25_000, Frequency::Monthly, date(2027, 1, 31)).unwrap();
        assert_eq!(s.iter().map(|i| i.amount_minor).collect::<Vec<_>>(), vec![25_000, 25_000, 25_000, 25_000, 1]);
        assert_eq!(s[1].due, date(2027, 2, 28), "a short month keeps to its last day");
        assert_eq!(s[2].due, date(2027, 3, 31));
        let w = schedule(1_000, 0, 300, Frequency::Biweekly, date(2027, 1, 1)).unwrap();
        assert_eq!(
            w.iter().map(|i| i.due).collect::<Vec<_>>(),
            vec![date(2027, 1, 1), date(2027, 1, 15), date(2027, 1, 29), date(2027, 2, 12)]
        );
        assert_eq!(w.last().unwrap().amount_minor, 100);
        assert_eq!(
            schedule(1_000, 1_000, 100, Frequency::Weekly, date(2027, 1, 1)),
            Err(PlanError::Down {
                down_minor: 1_000,
                total_minor: 1_000
            })
        );
        assert!(matches!(
            schedule(1_000_000, 0, 1, Frequency::Weekly, date(2027, 1, 1)),
            Err(PlanError::TooMany { .. })
        ));
    }

    #[test]
    fn a_schedule_past_the_calendar_is_refused_not_a_panic() {
        assert_eq!(
            schedule(3_000, 0, 1_000, Frequency::Monthly, date(9999, 11, 1)),
            Err(PlanError::PastTheCalendar)
        );
        assert_eq!(super::super::promises::last_day(date(9999, 12, 30)), Date::MAX);
    }

    #[test]
    fn written_out_installments_must_add_up() {
        let ok = check_custom(10_000, 1_000, &[(date(2027, 1, 1), 4_500), (date(2027, 2, 1), 4_500)]).unwrap();
        assert_eq!(ok.len(), 2);
        assert_eq!(
            check_custom(10_000, 1_000, &[(date(2027, 1, 1), 4_500), (date(2027, 2, 1), 4_000)]),
            Err(PlanError::DoesNotAddUp {
                sum_minor: 8_500,
                expected_minor: 9_000
            })
        );
        assert!(matches!(
            check_custom(10_000, 0, &[(date(2027, 2, 1), 5_000), (date(2027, 1, 1), 5_000)]),
            Err(PlanError::Line { line: 2, .. })
        ));
    }

    #[test]
    fn a_plan_defaults_on_its_second_missed_installment_after_grace() {
        let start = date(2027, 1, 1);
        let s = schedule(30_000, 0, 10_000, Frequency::Monthly, date(2027, 1, 15)).unwrap();
        let paid_first = [(date(2027, 1, 14), 10_000)];
        let st = standing(0, start, &s, &paid_first, 10, 2, date(2027, 2, 20));
        assert_eq!((st.status, st.missed, st.paid_installments), (PlanStatus::Active, 0, 1), "within grace");
        let st = standing(0, start, &s, &paid_first, 10, 2, date(2027, 2, 26));
        assert_eq!((st.status, st.missed), (PlanStatus::Active, 1));
        assert!(!st.good(), "a missed installment is not good standing");
        let st = standing(0, start, &s, &paid_first, 10, 2, date(2027, 3, 26));
        assert_eq!((st.status, st.missed), (PlanStatus::Defaulted, 2));
        // Catching up before the second miss puts it back in good standing.
        let caught_up = [(date(2027, 1, 14), 10_000), (date(2027, 3, 1), 10_000)];
        let st = standing(0, start, &s, &caught_up, 10, 2, date(2027, 3, 2));
        assert!(st.good());
        assert_eq!(st.next_due, Some((date(2027, 3, 15), 10_000)));
        let all = [(date(2027, 1, 14), 30_000)];
        assert_eq!(standing(0, start, &s, &all, 10, 2, date(2027, 1, 20)).status, PlanStatus::Completed);
        // A down payment is due on the first day.
        let st = standing(5_000, start, &s, &[], 10, 2, date(2027, 1, 12));
        assert_eq!(st.missed, 1);
    }

    #[test]
    fn settlement_discounts_round_up_and_offers_are_checked() {
        assert_eq!(discount_bp(10_000, 7_000), 3_000);
        assert_eq!(discount_bp(30_000, 20_000), 3_334, "33.33...% rounds up");
        assert_eq!(discount_bp(30_000, 20_001), 3_333);
        assert!(check_settlement(10_000, 10_000, date(2027, 1, 1), date(2026, 12, 1)).is_err());
        assert!(check_settlement(10_000, 5_000, date(2026, 11, 1), date(2026, 12, 1)).is_err());
        assert!(check_settlement(10_000, 5_000, date(2026, 12, 1), date(2026, 12, 1)).is_ok());
    }

    proptest! {
        #[test]
        fn schedules_add_up_and_only_the_last_differs(total in 1i64..10_000_000, down_share in 0i64..100, inst in 1i64..2_000_000) {
            let down = total * down_share / 100;
            prop_assume!(down < total);
            prop_assume!((total - down + inst - 1) / inst <= MAX_INSTALLMENTS);
            let s = schedule(total, down, inst, Frequency::Weekly, date(2027, 1, 1)).unwrap();
            prop_assert_eq!(s.iter().map(|i| i.amount_minor).sum::<i64>(), total - down);
            for i in &s[..s.len() - 1] {
                prop_assert_eq!(i.amount_minor, inst);
            }
            let last = s.last().unwrap().amount_minor;
            prop_assert!(last > 0 && last <= inst);
        }
    }
}
