//! A payer's authorisation to debit a bank account, as the Nacha Operating
//! Rules require it by entry class, when its first live debit may go, and
//! how a notification of change corrects it.
//!
//! - PPD: written and signed (or similarly authenticated) by the consumer.
//! - WEB: given online; the account must be validated before the first
//!   debit (Settle validates with a prenote).
//! - TEL: given by phone, recorded or confirmed in writing before the
//!   settlement date.
//! - CCD: an agreement with a business.
//!
//! After a prenote, live entries wait three banking days after its
//! settlement day. Banking days are the Federal Reserve's: weekdays that are
//! not its holidays (a holiday on a Sunday closes the Monday; one on a
//! Saturday does not close the Friday).

use jiff::civil::Weekday;

use crate::ach::nacha_write::AccountKind;
use crate::ach::RoutingNumber;
use crate::calendar::federal_holidays;
use crate::Date;

/// How the payer gave the authorisation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Channel {
    /// Signed in writing (on paper or electronically).
    Signed,
    /// Online, on a page the payer used.
    Online,
    /// By phone, recorded or confirmed in writing.
    Phone,
    /// A business's agreement.
    BusinessAgreement,
}

/// The entry class an authorisation given this way allows.
pub fn entry_class(channel: Channel) -> &'static str {
    match channel {
        Channel::Signed => "PPD",
        Channel::Online => "WEB",
        Channel::Phone => "TEL",
        Channel::BusinessAgreement => "CCD",
    }
}

/// The first day a live debit may settle: `Ok(None)` at once, `Ok(Some)`
/// from that day, `Err` not until the account is validated.
pub fn first_live_debit_on(channel: Channel, prenote_settled_on: Option<Date>) -> Result<Option<Date>, String> {
    match (channel, prenote_settled_on) {
        (_, Some(settled)) => Ok(Some(add_banking_days(settled, 3))),
        (Channel::Online, None) => Err("an online (WEB) authorisation needs the account validated first: send a prenote".into()),
        (_, None) => Ok(None),
    }
}

/// A day the Federal Reserve settles ACH entries.
pub fn is_banking_day(day: Date) -> bool {
    if matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday) {
        return false;
    }
    let closed = |h: &crate::calendar::Holiday| h.date == day || (h.date.weekday() == Weekday::Sunday && h.observed == day);
    ![day.year() - 1, day.year()].into_iter().flat_map(federal_holidays).any(|h| closed(&h))
}

/// `count` banking days after `day`.
pub fn add_banking_days(day: Date, count: u32) -> Date {
    crate::calendar::add_days_counting(day, count, is_banking_day)
}

/// The bank details a mandate debits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BankDetails {
    pub routing: RoutingNumber,
    pub account: String,
    pub kind: AccountKind,
    pub name: String,
    pub individual_id: String,
}

/// The details as a notification of change corrects them: `code` C01-C09
/// with the corrected data in its Nacha layout. C08 (international) and
/// C10-C14 (the originator's own identification or format) change nothing
/// here and are refused so that a person looks at them.
pub fn apply_change(details: &BankDetails, code: &str, corrected: &str) -> Result<BankDetails, String> {
    let mut out = details.clone();
    let data = corrected.trim_end();
    let bad = |what: &str| format!("{code}: the corrected data {corrected:?} is not {what}");
    let routing = |text: &str| RoutingNumber::parse(text).map_err(|e| format!("{code}: {e}"));
    let account = |text: &str| {
        let t = text.trim();
        if t.is_empty() || t.len() > 17 {
            Err(bad("an account number of 1 to 17 characters"))
        } else {
            Ok(t.to_string())
        }
    };
    let kind = |text: &str| match text.trim() {
        "22" | "23" | "27" | "28" => Ok(AccountKind::Checking),
        "32" | "33" | "37" | "38" => Ok(AccountKind::Savings),
        _ => Err(bad("a checking (22, 27) or savings (32, 37) transaction code")),
    };
    let required = |text: &str, what: &str| match text.trim() {
        "" => Err(bad(what)),
        t => Ok(t.to_string()),
    };
    let at = |from: usize, to: usize| corrected.get(from..to.min(corrected.len())).unwrap_or("");
    match code {
        "C01" => out.account = account(data)?,
        "C02" => out.routing = routing(data)?,
        // Routing (9), three spaces, account (17).
        "C03" => {
            out.routing = routing(at(0, 9))?;
            out.account = account(at(12, 29))?;
        }
        "C04" => out.name = required(data, "a name")?,
        "C05" => out.kind = kind(data)?,
        // Account (17), three spaces, transaction code (2).
        "C06" => {
            out.account = account(at(0, 17))?;
            out.kind = kind(at(20, 22))?;
        }
        // Routing (9), account (17), transaction code (2).
        "C07" => {
            out.routing = routing(at(0, 9))?;
            out.account = account(at(9, 26))?;
            out.kind = kind(at(26, 28))?;
        }
        "C09" => out.individual_id = required(data, "an identification number")?,
        other => return Err(format!("{other}: not a change Settle makes to a payer's bank details; a person looks at it")),
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> Date {
        text.parse().unwrap()
    }

    #[test]
    fn banking_days_are_the_federal_reserves() {
        // Thanksgiving 2026 is Thursday 26 November; Christmas a Friday.
        assert!(!is_banking_day(day("2026-11-26")));
        assert!(is_banking_day(day("2026-11-27")));
        assert!(!is_banking_day(day("2026-12-25")));
        // Independence Day 2026 is a Saturday: the Fed is open Friday 3 July.
        assert!(is_banking_day(day("2026-07-03")));
        // New Year's Day 2023 was a Sunday: closed Monday 2 January.
        assert!(!is_banking_day(day("2023-01-02")));
        assert!(!is_banking_day(day("2026-12-05")), "a Saturday");
        assert_eq!(add_banking_days(day("2026-11-24"), 3), day("2026-11-30"));
    }

    #[test]
    fn live_debits_wait_three_banking_days_after_a_prenote_and_web_needs_one() {
        assert_eq!(first_live_debit_on(Channel::Online, Some(day("2026-12-23"))), Ok(Some(day("2026-12-29"))));
        assert!(first_live_debit_on(Channel::Online, None).unwrap_err().contains("prenote"));
        assert_eq!(first_live_debit_on(Channel::Signed, None), Ok(None), "PPD without a prenote: at once");
        assert_eq!(entry_class(Channel::Phone), "TEL");
    }

    fn details() -> BankDetails {
        BankDetails {
            routing: RoutingNumber::parse("231380104").unwrap(),
            account: "744-5678-99".into(),
            kind: AccountKind::Checking,
            name: "PAT DOE".into(),
            individual_id: "A-1".into(),
        }
    }

    #[test]
    fn a_notification_of_change_corrects_the_details_in_its_layout() {
        // moov-io's cor-example.ach: C01 with account 1918171614.
        assert_eq!(apply_change(&details(), "C01", "1918171614                   ").unwrap().account, "1918171614");
        assert_eq!(apply_change(&details(), "C02", "091000019").unwrap().routing.as_str(), "091000019");
        let c03 = apply_change(&details(), "C03", "091000019   12345678901234567").unwrap();
        assert_eq!((c03.routing.as_str(), c03.account.as_str()), ("091000019", "12345678901234567"));
        assert_eq!(apply_change(&details(), "C05", "37").unwrap().kind, AccountKind::Savings);
        let c06 = apply_change(&details(), "C06", &format!("{:<17}   32", "55555")).unwrap();
        assert_eq!((c06.account.as_str(), c06.kind), ("55555", AccountKind::Savings));
        let c07 = apply_change(&details(), "C07", &format!("091000019{:<17}37", "55555")).unwrap();
        assert_eq!(
            (c07.routing.as_str(), c07.account.as_str(), c07.kind),
            ("091000019", "55555", AccountKind::Savings)
        );
        assert_eq!(apply_change(&details(), "C04", "PAT DOE-SMITH").unwrap().name, "PAT DOE-SMITH");
    }

    #[test]
    fn a_change_that_cannot_be_right_is_refused_naming_why() {
        assert!(apply_change(&details(), "C02", "091000018").unwrap_err().contains("check digit"));
        assert!(apply_change(&details(), "C05", "99").unwrap_err().contains("transaction code"));
        assert!(apply_change(&details(), "C01", "   ").unwrap_err().contains("account number"));
        assert!(apply_change(&details(), "C13", "").unwrap_err().contains("a person looks at it"));
    }
}
