//! An originator's ACH return rates against Nacha's thresholds (Operating
//! Rules, Subsection 2.17.2): over the last sixty days, unauthorized
//! returns (R05, R07, R10, R11, R29, R51) above 0.5% of debits, administrative
//! returns (R02, R03, R04) above 3.0%, or all returns above 15.0% call for
//! the originator's bank to look at it. Rates are kept as exact fractions
//! and compared in integers: 1 return in 200 debits is exactly 0.5%, which
//! is at the threshold, not over it.

use crate::ach::codes::{self, RateClass};
use crate::Date;

/// The window the rates are counted over.
pub const WINDOW_DAYS: i64 = 60;

/// A threshold in hundredths of a percent (basis points): 50 = 0.50%.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Threshold {
    pub name: &'static str,
    pub hundredths_of_percent: u64,
}

pub const UNAUTHORIZED: Threshold = Threshold {
    name: "unauthorized",
    hundredths_of_percent: 50,
};
pub const ADMINISTRATIVE: Threshold = Threshold {
    name: "administrative",
    hundredths_of_percent: 300,
};
pub const OVERALL: Threshold = Threshold {
    name: "overall",
    hundredths_of_percent: 1500,
};

/// One rate: returns of a kind over debits sent in the window.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rate {
    pub threshold: Threshold,
    pub returns: u64,
    pub debits: u64,
}

impl Rate {
    /// Strictly over the threshold (at it is within it).
    pub fn over(&self) -> bool {
        // returns / debits > h / 10000, in integers.
        self.debits > 0 && u128::from(self.returns) * 10_000 > u128::from(self.threshold.hundredths_of_percent) * u128::from(self.debits)
    }

    /// The rate as a percentage with two decimals, rounded half up.
    pub fn percent_text(&self) -> String {
        if self.debits == 0 {
            return "0.00%".into();
        }
        let hundredths = (u128::from(self.returns) * 20_000 / u128::from(self.debits)).div_ceil(2);
        format!("{}.{:02}%", hundredths / 100, hundredths % 100)
    }
}

/// The three rates for debits sent in the window ending `as_of`, from the
/// return codes received (each with the day it came back). A code Settle
/// does not hold counts toward the overall rate only.
pub fn rates(debits_sent: u64, returns: &[(String, Date)]) -> [Rate; 3] {
    let mut unauthorized = 0;
    let mut administrative = 0;
    for (code, on) in returns {
        match codes::lookup(code, *on).map(|c| c.class) {
            Some(RateClass::Unauthorized) => unauthorized += 1,
            Some(RateClass::Administrative) => administrative += 1,
            _ => {}
        }
    }
    let rate = |threshold, returns| Rate {
        threshold,
        returns,
        debits: debits_sent,
    };
    [
        rate(UNAUTHORIZED, unauthorized),
        rate(ADMINISTRATIVE, administrative),
        rate(OVERALL, returns.len() as u64),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn returned(codes: &[&str], on: &str) -> Vec<(String, Date)> {
        codes.iter().map(|c| (c.to_string(), on.parse().unwrap())).collect()
    }

    #[test]
    fn each_rate_counts_its_codes_and_at_the_threshold_is_not_over_it() {
        // 1 unauthorized in 200 debits: exactly 0.50%, not over.
        let [u, a, o] = rates(200, &returned(&["R10"], "2026-12-01"));
        assert_eq!((u.returns, a.returns, o.returns), (1, 0, 1));
        assert_eq!(u.percent_text(), "0.50%");
        assert!(!u.over());
        // 2 in 200: 1.00%, over.
        let [u, ..] = rates(200, &returned(&["R10", "R05"], "2026-12-01"));
        assert!(u.over());
        // Administrative: 7 of 200 (3.5%) over 3%; the overall 15% not.
        let [_, a, o] = rates(200, &returned(&["R02", "R03", "R04", "R02", "R03", "R04", "R02"], "2026-12-01"));
        assert!(a.over() && !o.over(), "{} {}", a.percent_text(), o.percent_text());
        // Overall: 31 of 200 (15.5%) over.
        let many: Vec<&str> = std::iter::repeat_n("R01", 31).collect();
        let [.., o] = rates(200, &returned(&many, "2026-12-01"));
        assert!(o.over());
        assert_eq!(o.percent_text(), "15.50%");
    }

    #[test]
    fn r11_counts_as_unauthorized_only_from_its_repurposing() {
        let [u, ..] = rates(100, &returned(&["R11"], "2020-03-31"));
        assert_eq!(u.returns, 0);
        let [u, ..] = rates(100, &returned(&["R11"], "2020-04-01"));
        assert_eq!(u.returns, 1);
    }

    #[test]
    fn no_debits_is_no_rate() {
        let [u, a, o] = rates(0, &[]);
        assert!(!u.over() && !a.over() && !o.over());
        assert_eq!(o.percent_text(), "0.00%");
    }
}
