//! The federal holiday calendar and the Regulation F dates built on it.
//!
//! Regulation F counts some periods in days "excluding legal public
//! holidays identified in 5 U.S.C. 6103(a), Saturdays, and Sundays"
//! (12 CFR 1006.34(b)(5), the validation period). The holidays are the
//! eleven of 5 U.S.C. 6103(a); when one falls on a Saturday or a Sunday,
//! the Friday before or the Monday after is observed (6103(b) and
//! Executive Order 11582). Settle excludes both the day itself and the day
//! observed: counting fewer days as business days only moves the assumed
//! receipt, and so the end of the validation period, later, which is the
//! consumer's side of any doubt.

use jiff::civil::{Date, Weekday};
use jiff::ToSpan;

/// A legal public holiday: its date, the date observed, and its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Holiday {
    pub date: Date,
    pub observed: Date,
    pub name: &'static str,
}

/// The `n`th `weekday` of a month (n from 1), or the last when `n` is 0.
fn nth_weekday(year: i16, month: i8, weekday: Weekday, n: i8) -> Date {
    if n == 0 {
        let last = Date::new(year, month, 1).expect("a month's first day").last_of_month();
        let back = (last.weekday().to_monday_zero_offset() - weekday.to_monday_zero_offset()).rem_euclid(7);
        return last.checked_sub(i64::from(back).days()).expect("within the month");
    }
    let first = Date::new(year, month, 1).expect("a month's first day");
    let ahead = (weekday.to_monday_zero_offset() - first.weekday().to_monday_zero_offset()).rem_euclid(7);
    first.checked_add((i64::from(ahead) + 7 * i64::from(n - 1)).days()).expect("within the month")
}

fn observed(date: Date) -> Date {
    match date.weekday() {
        Weekday::Saturday => date.yesterday().expect("not the first day"),
        Weekday::Sunday => date.tomorrow().expect("not the last day"),
        _ => date,
    }
}

/// The legal public holidays of 5 U.S.C. 6103(a) in `year`, in date order.
/// Juneteenth counts from 2021, when it became one.
pub fn federal_holidays(year: i16) -> Vec<Holiday> {
    let fixed = |month: i8, day: i8| Date::new(year, month, day).expect("a valid date");
    let mut days = vec![
        (fixed(1, 1), "New Year's Day"),
        (nth_weekday(year, 1, Weekday::Monday, 3), "Birthday of Martin Luther King, Jr."),
        (nth_weekday(year, 2, Weekday::Monday, 3), "Washington's Birthday"),
        (nth_weekday(year, 5, Weekday::Monday, 0), "Memorial Day"),
        (fixed(7, 4), "Independence Day"),
        (nth_weekday(year, 9, Weekday::Monday, 1), "Labor Day"),
        (nth_weekday(year, 10, Weekday::Monday, 2), "Columbus Day"),
        (fixed(11, 11), "Veterans Day"),
        (nth_weekday(year, 11, Weekday::Thursday, 4), "Thanksgiving Day"),
        (fixed(12, 25), "Christmas Day"),
    ];
    if year >= 2021 {
        days.push((fixed(6, 19), "Juneteenth National Independence Day"));
    }
    days.sort();
    days.into_iter()
        .map(|(date, name)| Holiday {
            date,
            observed: observed(date),
            name,
        })
        .collect()
}

/// The holiday on `date` (itself or observed), if any.
pub fn holiday_on(date: Date) -> Option<Holiday> {
    // An observed day can fall in the next or the last year (New Year's Day on a Saturday).
    [date.year() - 1, date.year(), date.year() + 1]
        .into_iter()
        .flat_map(federal_holidays)
        .find(|h| h.date == date || h.observed == date)
}

/// Not a Saturday, a Sunday or a legal public holiday (itself or observed).
pub fn is_business_day(date: Date) -> bool {
    !matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday) && holiday_on(date).is_none()
}

/// `count` business days after `date`.
pub fn add_business_days(date: Date, count: u32) -> Date {
    add_days_counting(date, count, is_business_day)
}

/// `count` days after `date`, counting only the days `counts` accepts
/// (business days here, the Federal Reserve's banking days for ACH).
pub fn add_days_counting(date: Date, count: u32, counts: impl Fn(Date) -> bool) -> Date {
    let mut day = date;
    let mut left = count;
    // Bounded: a year has fewer than 130 days that are not business days.
    for _ in 0..(count as usize * 2 + 30) {
        if left == 0 {
            break;
        }
        day = day.tomorrow().expect("within the calendar");
        if counts(day) {
            left -= 1;
        }
    }
    day
}

/// When a consumer is assumed to have received a validation notice sent on
/// `sent_on`: five days later, not counting Saturdays, Sundays and legal
/// public holidays (12 CFR 1006.34(b)(5)).
pub fn assumed_receipt(sent_on: Date) -> Date {
    add_business_days(sent_on, 5)
}

/// A date as Model Form B-1 and letters print it: "December 6, 2026".
pub fn long_date(date: Date) -> String {
    date.strftime("%B %-d, %Y").to_string()
}

/// The validation period's last day for a notice sent on `sent_on`: 30 days
/// after the assumed receipt (12 CFR 1006.34(b)(5)).
pub fn validation_period_end(sent_on: Date) -> Date {
    assumed_receipt(sent_on).checked_add(30.days()).expect("within the calendar")
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn long_dates_read_as_model_form_b1_writes_them() {
        assert_eq!(long_date(date(2026, 12, 6)), "December 6, 2026");
        assert_eq!(long_date(date(2027, 1, 15)), "January 15, 2027");
    }

    #[test]
    fn the_2026_holidays_and_their_observed_days() {
        let h = federal_holidays(2026);
        let listed: Vec<(String, String)> = h.iter().map(|h| (h.date.to_string(), h.observed.to_string())).collect();
        let expect = [
            ("2026-01-01", "2026-01-01"),
            ("2026-01-19", "2026-01-19"),
            ("2026-02-16", "2026-02-16"),
            ("2026-05-25", "2026-05-25"),
            ("2026-06-19", "2026-06-19"),
            // Independence Day 2026 is a Saturday: observed on Friday the 3rd.
            ("2026-07-04", "2026-07-03"),
            ("2026-09-07", "2026-09-07"),
            ("2026-10-12", "2026-10-12"),
            // Veterans Day 2026 is a Wednesday.
            ("2026-11-11", "2026-11-11"),
            ("2026-11-26", "2026-11-26"),
            ("2026-12-25", "2026-12-25"),
        ];
        assert_eq!(listed, expect.map(|(a, b)| (a.to_string(), b.to_string())));
        // 2027: Juneteenth and Christmas on a Saturday, New Year's Day 2028 too (observed 2027-12-31).
        assert_eq!(holiday_on(date(2027, 6, 18)).unwrap().name, "Juneteenth National Independence Day");
        assert_eq!(holiday_on(date(2027, 12, 31)).unwrap().name, "New Year's Day");
        assert!(!is_business_day(date(2027, 12, 31)));
        // Before 2021 Juneteenth was not one.
        assert!(holiday_on(date(2020, 6, 19)).is_none());
    }

    #[test]
    fn receipt_is_five_business_days_after_sending_and_the_period_thirty_days_after_that() {
        // Sent Monday 2026-11-02: Tue..Fri (4) and Monday the 9th (5): received 2026-11-09.
        assert_eq!(assumed_receipt(date(2026, 11, 2)), date(2026, 11, 9));
        assert_eq!(validation_period_end(date(2026, 11, 2)), date(2026, 12, 9));
        // Sent Friday 2026-11-06: Veterans Day (Wed the 11th) is skipped: Mon 9, Tue 10, Thu 12, Fri 13, Mon 16.
        assert_eq!(assumed_receipt(date(2026, 11, 6)), date(2026, 11, 16));
        assert_eq!(validation_period_end(date(2026, 11, 6)), date(2026, 12, 16));
        // Sent Tuesday 2026-11-24: Wed 25, Thanksgiving skipped, Fri 27, Mon 30, Tue 1 Dec, Wed 2 Dec.
        assert_eq!(assumed_receipt(date(2026, 11, 24)), date(2026, 12, 2));
        // Sent Wednesday 2026-12-23: Thu 24, Christmas skipped, Mon 28, Tue 29, Wed 30, Thu 31.
        assert_eq!(assumed_receipt(date(2026, 12, 23)), date(2026, 12, 31));
        assert_eq!(validation_period_end(date(2026, 12, 23)), date(2027, 1, 30));
        // Sent Thursday 2026-07-02: Independence Day observed Friday the 3rd is skipped.
        assert_eq!(assumed_receipt(date(2026, 7, 2)), date(2026, 7, 10));
    }
}
