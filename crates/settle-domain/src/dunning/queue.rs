//! The collectors' work queue: the order accounts are worked in, and how
//! they are handed out by the organisation's rules.

use jiff::civil::Date;

/// Where an account stands in a collector's queue. Sorting by [`QueueFacts::key`]
/// gives the work order, highest first:
///
/// 1. severity tier: the dunning level reached (1 for the first level), one
///    more when a promise was broken in the last 30 days;
/// 2. a promise falling due today or in its grace days comes before others of the tier;
/// 3. the larger balance;
/// 4. the more days past due;
/// 5. the more promises broken, ever;
/// 6. the longer since the last contact (never contacted first).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QueueFacts {
    pub tier: i64,
    pub promise_due: bool,
    pub balance_minor: i64,
    pub days_past_due: i64,
    pub broken_promises: i64,
    pub last_contact: Option<Date>,
}

impl QueueFacts {
    /// Larger keys are worked first.
    pub fn key(&self) -> (i64, bool, i64, i64, i64, std::cmp::Reverse<Option<Date>>) {
        (
            self.tier,
            self.promise_due,
            self.balance_minor,
            self.days_past_due,
            self.broken_promises,
            std::cmp::Reverse(self.last_contact),
        )
    }
}

/// Severity tier: the level reached (counted from 1) plus one for a recent broken promise.
pub fn tier(level: Option<usize>, broken_recently: bool) -> i64 {
    level.map(|l| l as i64 + 1).unwrap_or(0) + i64::from(broken_recently)
}

/// How a rule assigns queue accounts to collectors.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Assign {
    /// Balances from `min` up to (not including) `max`, when given.
    Balance { min_minor: i64, max_minor: Option<i64> },
    /// Consumers whose name starts with a letter in `from..=to`.
    Alphabet { from: char, to: char },
    /// Everyone left.
    Everyone,
}

/// A rule: which accounts, and the collectors who share them in turn.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssignmentRule {
    pub matches: Assign,
    pub collectors: Vec<String>,
}

impl AssignmentRule {
    pub fn takes(&self, balance_minor: i64, name: &str) -> bool {
        match &self.matches {
            Assign::Balance { min_minor, max_minor } => balance_minor >= *min_minor && max_minor.is_none_or(|m| balance_minor < m),
            Assign::Alphabet { from, to } => name
                .chars()
                .find(|c| c.is_alphabetic())
                .map(|c| c.to_ascii_uppercase())
                .is_some_and(|c| c >= *from && c <= *to),
            Assign::Everyone => true,
        }
    }
}

/// Hands out queue accounts (in work order) to collectors: the first rule
/// that takes an account gives it to its collectors in turn (round robin
/// within the rule), so each collector's queue keeps the work order.
pub struct Assigner<'a> {
    rules: &'a [AssignmentRule],
    turns: Vec<usize>,
}

impl<'a> Assigner<'a> {
    pub fn new(rules: &'a [AssignmentRule]) -> Assigner<'a> {
        Assigner {
            rules,
            turns: vec![0; rules.len()],
        }
    }

    pub fn assign(&mut self, balance_minor: i64, name: &str) -> Option<&'a str> {
        let (i, rule) = self
            .rules
            .iter()
            .enumerate()
            .find(|(_, r)| !r.collectors.is_empty() && r.takes(balance_minor, name))?;
        let who = &rule.collectors[self.turns[i] % rule.collectors.len()];
        self.turns[i] += 1;
        Some(who)
    }
}
