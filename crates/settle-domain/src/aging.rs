//! Aging: how long what is owed has been past due, as of any date.
//!
//! Buckets are configurable by their upper bounds in days past due: the
//! default `30,60,90,120` gives current, 1-30, 31-60, 61-90, 91-120 and 120+.
//! "Current" is everything not yet past due.

use jiff::civil::Date;
use jiff::ToSpan;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AgingError {
    #[error("aging buckets {0:?}: give increasing whole numbers of days, like 30,60,90,120")]
    Buckets(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgingBuckets {
    upper_days: Vec<u32>,
}

impl Default for AgingBuckets {
    fn default() -> Self {
        AgingBuckets {
            upper_days: vec![30, 60, 90, 120],
        }
    }
}

impl AgingBuckets {
    /// Parses comma-separated increasing day counts, 1 to 12 of them, each 1..=3650.
    pub fn parse(text: &str) -> Result<AgingBuckets, AgingError> {
        let err = || AgingError::Buckets(text.to_string());
        let mut upper_days = Vec::new();
        for part in text.split(',') {
            let days: u32 = part.trim().parse().map_err(|_| err())?;
            if days == 0 || days > 3650 || upper_days.last().is_some_and(|last| *last >= days) {
                return Err(err());
            }
            upper_days.push(days);
        }
        if upper_days.is_empty() || upper_days.len() > 12 {
            return Err(err());
        }
        Ok(AgingBuckets { upper_days })
    }

    /// How many buckets there are, "current" and the open-ended last included.
    pub fn len(&self) -> usize {
        self.upper_days.len() + 2
    }

    pub fn is_empty(&self) -> bool {
        false
    }

    pub fn labels(&self) -> Vec<String> {
        let mut labels = vec!["current".to_string()];
        let mut lower = 1;
        for upper in &self.upper_days {
            labels.push(format!("{lower}-{upper}"));
            lower = upper + 1;
        }
        labels.push(format!("{}+", self.upper_days.last().copied().unwrap_or(0)));
        labels
    }

    /// Which bucket an item `days_past_due` days past due falls in.
    pub fn bucket_index(&self, days_past_due: i64) -> usize {
        if days_past_due <= 0 {
            return 0;
        }
        self.upper_days
            .iter()
            .position(|upper| days_past_due <= i64::from(*upper))
            .map_or(self.upper_days.len() + 1, |i| i + 1)
    }

    /// For each bucket but the last, the earliest due date that falls in it
    /// as of `as_of`: an item is in the first bucket whose cutoff its due date
    /// is on or after. Lets a database bucket items with plain comparisons.
    pub fn due_date_cutoffs(&self, as_of: Date) -> Vec<Date> {
        let mut cutoffs = vec![as_of];
        for upper in &self.upper_days {
            cutoffs.push(as_of.checked_sub(i64::from(*upper).days()).unwrap_or(Date::MIN));
        }
        cutoffs
    }

    pub fn to_config_string(&self) -> String {
        self.upper_days.iter().map(u32::to_string).collect::<Vec<_>>().join(",")
    }
}

/// Days from `due_date` to `as_of`; positive when past due.
pub fn days_past_due(due_date: Date, as_of: Date) -> i64 {
    i64::from((as_of - due_date).get_days())
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use proptest::prelude::*;

    #[test]
    fn default_buckets() {
        let buckets = AgingBuckets::default();
        assert_eq!(buckets.labels(), ["current", "1-30", "31-60", "61-90", "91-120", "120+"]);
        assert_eq!(buckets.bucket_index(-5), 0);
        assert_eq!(buckets.bucket_index(0), 0);
        assert_eq!(buckets.bucket_index(1), 1);
        assert_eq!(buckets.bucket_index(30), 1);
        assert_eq!(buckets.bucket_index(31), 2);
        assert_eq!(buckets.bucket_index(121), 5);
        assert!(AgingBuckets::parse("30,20").is_err());
        assert!(AgingBuckets::parse("x").is_err());
        assert_eq!(AgingBuckets::parse("15, 45").unwrap().labels(), ["current", "1-15", "16-45", "45+"]);
    }

    proptest! {
        #[test]
        fn cutoffs_agree_with_bucket_index(offset in -400i64..400) {
            let buckets = AgingBuckets::default();
            let as_of = date(2026, 6, 30);
            let due = as_of.checked_sub(offset.days()).unwrap();
            let cutoffs = buckets.due_date_cutoffs(as_of);
            let by_cutoff = cutoffs.iter().position(|c| due >= *c).unwrap_or(cutoffs.len());
            prop_assert_eq!(by_cutoff, buckets.bucket_index(days_past_due(due, as_of)));
        }
    }
}
