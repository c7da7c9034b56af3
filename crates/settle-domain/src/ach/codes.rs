//! What an ACH return or notification of change code means, on the day it
//! was sent, and what it asks of the originator.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::Date;

/// The code tables as shipped, with their source in the file's comments.
pub const CODES: &str = include_str!("../../data/ach_codes.csv");

/// What the originator does after a return (or a notification of change).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Handling {
    /// May be sent again: at most twice within 180 days of the first entry.
    Retry,
    /// Stop; ask the payer for new bank details.
    NewDetails,
    /// The authorisation is ended; no entry without a new one.
    Revoke,
    /// Fix the error and send again under the same authorisation.
    Correct,
    /// Do not debit again.
    Stop,
    /// A person decides.
    Review,
    /// A notification of change: update the mandate before the next entry.
    Update,
}

impl Handling {
    fn parse(text: &str) -> Option<Handling> {
        Some(match text {
            "retry" => Handling::Retry,
            "new-details" => Handling::NewDetails,
            "revoke" => Handling::Revoke,
            "correct" => Handling::Correct,
            "stop" => Handling::Stop,
            "review" => Handling::Review,
            "update" => Handling::Update,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Handling::Retry => "retry",
            Handling::NewDetails => "new-details",
            Handling::Revoke => "revoke",
            Handling::Correct => "correct",
            Handling::Stop => "stop",
            Handling::Review => "review",
            Handling::Update => "update",
        }
    }
}

/// The Nacha return rate a return counts toward, besides the overall one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RateClass {
    /// Unauthorized returns (R05, R07, R10, R11 since 2020-04-01, R29, R51).
    Unauthorized,
    /// Administrative returns (R02, R03, R04).
    Administrative,
    None,
}

/// One meaning of one code, and the days it applies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AchCode {
    /// `R` (return) or `C` (notification of change).
    pub kind: char,
    pub code: String,
    pub from: Option<Date>,
    pub to: Option<Date>,
    pub handling: Handling,
    pub class: RateClass,
    pub words: String,
}

impl AchCode {
    fn applies_on(&self, day: Date) -> bool {
        self.from.is_none_or(|from| from <= day) && self.to.is_none_or(|to| day <= to)
    }
}

/// Reads the code tables: `kind,code,from,to,handling,class,words`, `#`
/// comments; a bad line is named by its number and field, and two meanings
/// of one code on the same day are refused.
pub fn parse_codes(text: &str) -> Result<Vec<AchCode>, String> {
    let mut out: Vec<AchCode> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = |field: &str, why: &str| format!("line {}: {field}: {why}: {line:?}", i + 1);
        let parts: Vec<&str> = line.splitn(7, ',').collect();
        let [kind, code, from, to, handling, class, words] = parts[..] else {
            return Err(bad("line", "not kind,code,from,to,handling,class,words"));
        };
        let kind = match kind {
            "R" => 'R',
            "C" => 'C',
            _ => return Err(bad("kind", "R (return) or C (notification of change)")),
        };
        let well_formed = code.len() == 3 && code.starts_with(kind) && code[1..].bytes().all(|b| b.is_ascii_digit());
        if !well_formed {
            return Err(bad("code", &format!("{kind} and two digits")));
        }
        let day = |field: &str, text: &str| -> Result<Option<Date>, String> {
            match text.trim() {
                "" => Ok(None),
                t => t.parse().map(Some).map_err(|_| bad(field, "a date (YYYY-MM-DD) or empty")),
            }
        };
        let (from, to) = (day("from", from)?, day("to", to)?);
        if let (Some(f), Some(t)) = (from, to) {
            if t < f {
                return Err(bad("to", "before from"));
            }
        }
        let handling = Handling::parse(handling).ok_or_else(|| bad("handling", "retry, new-details, revoke, correct, stop, review or update"))?;
        if (kind == 'C') != (handling == Handling::Update) {
            return Err(bad("handling", "update is for notifications of change, and only they take it"));
        }
        let class = match class {
            "unauthorized" => RateClass::Unauthorized,
            "administrative" => RateClass::Administrative,
            "none" => RateClass::None,
            _ => return Err(bad("class", "unauthorized, administrative or none")),
        };
        if words.trim().is_empty() {
            return Err(bad("words", "required"));
        }
        let entry = AchCode {
            kind,
            code: code.to_string(),
            from,
            to,
            handling,
            class,
            words: words.trim().to_string(),
        };
        let overlaps = |other: &AchCode| {
            let starts_before_other_ends = match (entry.from, other.to) {
                (Some(f), Some(t)) => f <= t,
                _ => true,
            };
            let other_starts_before_this_ends = match (other.from, entry.to) {
                (Some(f), Some(t)) => f <= t,
                _ => true,
            };
            starts_before_other_ends && other_starts_before_this_ends
        };
        if out.iter().any(|other| other.code == entry.code && overlaps(other)) {
            return Err(bad("from", &format!("{} has another meaning on some of the same days", entry.code)));
        }
        out.push(entry);
    }
    Ok(out)
}

fn table() -> &'static HashMap<String, Vec<AchCode>> {
    static TABLE: OnceLock<HashMap<String, Vec<AchCode>>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut by_code: HashMap<String, Vec<AchCode>> = HashMap::new();
        for entry in parse_codes(CODES).expect("the shipped ACH codes parse (a test proves it)") {
            by_code.entry(entry.code.clone()).or_default().push(entry);
        }
        by_code
    })
}

/// Every code Settle holds (any day).
pub fn table_codes() -> impl Iterator<Item = &'static str> {
    table().keys().map(String::as_str)
}

/// What `code` (R01, C02, ...) meant on `day`, the day the bank sent it;
/// `None` for a code Settle does not hold (shown by its number, never
/// guessed).
pub fn lookup(code: &str, day: Date) -> Option<&'static AchCode> {
    table().get(code.trim().to_ascii_uppercase().as_str())?.iter().find(|e| e.applies_on(day))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> Date {
        text.parse().unwrap()
    }

    #[test]
    fn the_shipped_tables_parse_and_say_what_each_return_asks() {
        let all = parse_codes(CODES).expect("parses");
        assert!(all.iter().filter(|c| c.kind == 'C').count() == 14, "C01-C14");
        let today = day("2026-12-07");
        assert_eq!(lookup("R01", today).unwrap().handling, Handling::Retry);
        assert_eq!(lookup("r09", today).unwrap().handling, Handling::Retry);
        for code in ["R02", "R03", "R04"] {
            let c = lookup(code, today).unwrap();
            assert_eq!((c.handling, c.class), (Handling::NewDetails, RateClass::Administrative), "{code}");
        }
        assert_eq!(lookup("R20", today).unwrap().handling, Handling::NewDetails);
        for code in ["R05", "R07", "R10", "R29", "R51"] {
            let c = lookup(code, today).unwrap();
            assert_eq!((c.handling, c.class), (Handling::Revoke, RateClass::Unauthorized), "{code}");
        }
        assert_eq!(lookup("C01", today).unwrap().handling, Handling::Update);
        assert_eq!(lookup("R99", today), None);
        assert_eq!(
            lookup("C07", today).unwrap().words,
            "incorrect routing number, bank account number and transaction code"
        );
    }

    #[test]
    fn a_code_means_what_it_meant_on_the_day_it_was_sent() {
        let before = lookup("R11", day("2020-03-31")).unwrap();
        assert_eq!((before.handling, before.class), (Handling::Review, RateClass::None));
        assert!(before.words.contains("check truncation"));
        let after = lookup("R11", day("2020-04-01")).unwrap();
        assert_eq!((after.handling, after.class), (Handling::Correct, RateClass::Unauthorized));
    }

    #[test]
    fn a_bad_table_line_is_named_by_line_and_field() {
        let cases = [
            ("X,R01,,,retry,none,x", "line 1: kind"),
            ("R,C01,,,retry,none,x", "line 1: code"),
            ("R,R1,,,retry,none,x", "line 1: code"),
            ("R,R01,2020-13-01,,retry,none,x", "line 1: from"),
            ("R,R01,2021-01-01,2020-01-01,retry,none,x", "line 1: to"),
            ("R,R01,,,again,none,x", "line 1: handling"),
            ("R,R01,,,update,none,x", "line 1: handling"),
            ("C,C01,,,retry,none,x", "line 1: handling"),
            ("R,R01,,,retry,often,x", "line 1: class"),
            ("R,R01,,,retry,none, ", "line 1: words"),
            ("R,R01,,,retry", "line 1: line"),
            ("# c\nR,R11,,2020-03-31,review,none,a\nR,R11,2020-03-31,,correct,unauthorized,b", "line 3: from"),
        ];
        for (text, start) in cases {
            let error = parse_codes(text).unwrap_err();
            assert!(error.starts_with(start), "{text:?}: {error}");
        }
    }
}
