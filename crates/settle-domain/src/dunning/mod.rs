//! Dunning: how far an overdue account has gone, what is done when it goes
//! further, and what holds it back. Pure: the store reads the facts, asks
//! [`step`], and writes what it answers; "today" is an argument.
//!
//! An account's *level* is the highest of the policy's levels whose days
//! past due (counted from the oldest item still owed) and minimum balance it
//! meets. When it reaches a higher level than it had, that level's actions
//! are done once; levels it jumped over are recorded as skipped, so a
//! debtor never gets a reminder, a first notice and a final notice on one
//! day. An account paid back to current is *cured*: its level is cleared, and
//! a later delinquency starts again at the first level. Running the same day
//! twice does nothing the second time, because the level is already reached.

use jiff::civil::Date;

mod plan;
mod queue;

pub use plan::{plan, Account, Outcome, Plan, Planned, QueueEntry, Reach, StateChange, Todo};
pub use queue::{tier, Assign, Assigner, AssignmentRule, QueueFacts};

/// Letters the dunning levels send.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LetterKind {
    Reminder,
    FirstNotice,
    FinalNotice,
    ValidationNotice,
    PlanAgreement,
    SettlementOffer,
    Receipt,
}

impl LetterKind {
    pub const ALL: [LetterKind; 7] = [
        LetterKind::Reminder,
        LetterKind::FirstNotice,
        LetterKind::FinalNotice,
        LetterKind::ValidationNotice,
        LetterKind::PlanAgreement,
        LetterKind::SettlementOffer,
        LetterKind::Receipt,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LetterKind::Reminder => "reminder",
            LetterKind::FirstNotice => "first_notice",
            LetterKind::FinalNotice => "final_notice",
            LetterKind::ValidationNotice => "validation_notice",
            LetterKind::PlanAgreement => "plan_agreement",
            LetterKind::SettlementOffer => "settlement_offer",
            LetterKind::Receipt => "receipt",
        }
    }

    pub fn parse(text: &str) -> Option<LetterKind> {
        let t = text.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        LetterKind::ALL.into_iter().find(|k| k.as_str() == t)
    }

    /// The letter's heading, as printed.
    pub fn title(self) -> &'static str {
        match self {
            LetterKind::Reminder => "Payment reminder",
            LetterKind::FirstNotice => "Past due notice",
            LetterKind::FinalNotice => "Final notice",
            LetterKind::ValidationNotice => "Validation notice",
            LetterKind::PlanAgreement => "Payment plan agreement",
            LetterKind::SettlementOffer => "Settlement offer",
            LetterKind::Receipt => "Payment receipt",
        }
    }
}

/// What a level does when an account reaches it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// An email, through the contact gate and the outbox.
    Email,
    /// A letter, through the contact gate, kept on the account.
    Letter(LetterKind),
    /// A call for a collector: the account is put in the work queue.
    CallTask,
    /// A late fee, only where the account's terms allow it, capped.
    LateFee,
    /// The account's collection stage becomes this ("pre_collection", "placed").
    Stage(String),
    /// Dunning stops at this level until a person releases the account.
    Hold,
    /// A debt collector's validation notice (12 CFR 1006.34), through the
    /// gate, once per debt: as the first action it is the initial
    /// communication itself.
    ValidationNotice,
}

impl Action {
    /// "email", "letter:first_notice", "call", "fee", "stage:placed", "hold", "validation_notice".
    pub fn parse(text: &str) -> Result<Action, DunningError> {
        let t = text.trim().to_ascii_lowercase();
        let (head, arg) = match t.split_once(':') {
            Some((h, a)) => (h.trim(), Some(a.trim())),
            None => (t.as_str(), None),
        };
        match (head, arg) {
            ("email", None) => Ok(Action::Email),
            ("letter", Some(kind)) => match LetterKind::parse(kind) {
                Some(k @ (LetterKind::Reminder | LetterKind::FirstNotice | LetterKind::FinalNotice)) => Ok(Action::Letter(k)),
                _ => Err(DunningError::Action(text.to_string())),
            },
            ("call", None) => Ok(Action::CallTask),
            ("fee", None) => Ok(Action::LateFee),
            ("stage", Some(stage)) if !stage.is_empty() && stage.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => Ok(Action::Stage(stage.to_string())),
            ("hold", None) => Ok(Action::Hold),
            ("validation_notice" | "validation-notice", None) => Ok(Action::ValidationNotice),
            _ => Err(DunningError::Action(text.to_string())),
        }
    }

    pub fn to_text(&self) -> String {
        match self {
            Action::Email => "email".into(),
            Action::Letter(k) => format!("letter:{}", k.as_str()),
            Action::CallTask => "call".into(),
            Action::LateFee => "fee".into(),
            Action::Stage(s) => format!("stage:{s}"),
            Action::Hold => "hold".into(),
            Action::ValidationNotice => "validation_notice".into(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DunningError {
    #[error("{0:?} is not an action: email, letter:reminder|first_notice|final_notice, call, fee, stage:NAME or hold")]
    Action(String),
    #[error("level {0:?}: its name must be letters, digits or _")]
    Name(String),
    #[error("levels must have increasing days past due: {later:?} ({later_days}) comes after {earlier:?} ({earlier_days})")]
    Order {
        earlier: String,
        earlier_days: i64,
        later: String,
        later_days: i64,
    },
    #[error("level {0:?}: days past due must be at least 1")]
    Days(String),
    #[error("a policy needs at least one level")]
    Empty,
}

/// One level of a policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Level {
    pub name: String,
    pub days_past_due: i64,
    pub min_balance_minor: i64,
    pub actions: Vec<Action>,
}

/// How late fees are charged when a level asks for one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LateFeeRule {
    /// A fixed fee, in minor units.
    pub fixed_minor: i64,
    /// Or a share of the past-due amount, in basis points (150 = 1.5 %);
    /// the larger of the two is charged.
    pub percent_bp: i64,
    /// No account is charged more than this in late fees, ever.
    pub cap_minor: i64,
}

/// An organisation's dunning policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    pub levels: Vec<Level>,
    pub late_fee: LateFeeRule,
}

impl Policy {
    /// The policy Settle starts with: a reminder at 1 day, a first notice at
    /// 30, a final notice at 60, pre-collection at 90 and agency placement at
    /// 120, on balances of at least 5.00 (in the currency's minor units).
    pub fn standard(minor_per_major: i64) -> Policy {
        let min = 5 * minor_per_major;
        let level = |name: &str, days: i64, actions: &[&str]| Level {
            name: name.into(),
            days_past_due: days,
            min_balance_minor: min,
            actions: actions.iter().map(|a| Action::parse(a).expect("standard actions parse")).collect(),
        };
        Policy {
            levels: vec![
                level("reminder", 1, &["email", "letter:reminder"]),
                level("first_notice", 30, &["letter:first_notice", "email", "fee"]),
                level("final_notice", 60, &["letter:final_notice", "call", "fee"]),
                level("pre_collection", 90, &["call", "stage:pre_collection"]),
                level("placement", 120, &["stage:placed", "hold"]),
            ],
            late_fee: LateFeeRule {
                fixed_minor: 15 * minor_per_major,
                percent_bp: 150,
                cap_minor: 50 * minor_per_major,
            },
        }
    }

    /// Checks that levels are named and in increasing order of days.
    pub fn check(&self) -> Result<(), DunningError> {
        if self.levels.is_empty() {
            return Err(DunningError::Empty);
        }
        for l in &self.levels {
            if l.name.is_empty() || !l.name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(DunningError::Name(l.name.clone()));
            }
            if l.days_past_due < 1 {
                return Err(DunningError::Days(l.name.clone()));
            }
        }
        for pair in self.levels.windows(2) {
            if pair[1].days_past_due <= pair[0].days_past_due {
                return Err(DunningError::Order {
                    earlier: pair[0].name.clone(),
                    earlier_days: pair[0].days_past_due,
                    later: pair[1].name.clone(),
                    later_days: pair[1].days_past_due,
                });
            }
        }
        Ok(())
    }

    /// The highest level an account with this lateness and balance meets.
    pub fn level_for(&self, days_past_due: i64, balance_minor: i64) -> Option<usize> {
        self.levels
            .iter()
            .enumerate()
            .rev()
            .find(|(_, l)| days_past_due >= l.days_past_due && balance_minor >= l.min_balance_minor)
            .map(|(i, _)| i)
    }

    /// The late fee for this past-due amount, given the late fees already
    /// charged: the larger of the fixed fee and the percentage, then cut to
    /// what the cap leaves. `None` when nothing may be charged.
    pub fn late_fee(&self, past_due_minor: i64, charged_minor: i64) -> Option<i64> {
        let rule = &self.late_fee;
        let by_percent = (i128::from(past_due_minor) * i128::from(rule.percent_bp) / 10_000) as i64;
        let fee = rule.fixed_minor.max(by_percent);
        let room = rule.cap_minor - charged_minor;
        let fee = fee.min(room);
        (fee > 0).then_some(fee)
    }
}

/// What holds dunning back for an account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Pause {
    /// A dispute not yet answered with verification (12 CFR 1006.38).
    Dispute,
    /// A payment plan in good standing.
    Plan,
    /// A claim still with the insurer.
    InsurancePending,
    /// A bankruptcy filing (the automatic stay, 11 U.S.C. 362).
    Bankruptcy,
    Deceased,
    /// The consumer asked that we stop (12 CFR 1006.6(c)).
    Cease,
}

impl Pause {
    pub fn as_str(self) -> &'static str {
        match self {
            Pause::Dispute => "dispute",
            Pause::Plan => "plan",
            Pause::InsurancePending => "insurance_pending",
            Pause::Bankruptcy => "bankruptcy",
            Pause::Deceased => "deceased",
            Pause::Cease => "cease",
        }
    }
}

/// One account's facts as of the run's date.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Facts {
    /// What is owed on open items.
    pub balance_minor: i64,
    /// What is owed on items past their due date.
    pub past_due_minor: i64,
    /// The due date of the oldest item still owed that is past due.
    pub oldest_past_due: Option<Date>,
    /// The level reached before this run (an index into the policy's levels).
    pub level: Option<usize>,
    pub held: bool,
    pub pauses: Vec<Pause>,
    /// The receivable is a payer's (insurance AR): a payer is worked by
    /// claim follow-up, never dunned as a consumer.
    pub payer: bool,
}

impl Facts {
    pub fn days_past_due(&self, today: Date) -> i64 {
        self.oldest_past_due.map(|d| (today - d).get_days().into()).unwrap_or(0).max(0)
    }
}

/// What a run does to one account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Nothing new.
    Stay,
    /// It was in dunning and nothing is past due any more.
    Cured,
    /// It would move up, but something holds it back.
    Paused { would_reach: usize, pauses: Vec<Pause> },
    /// Held by a level's hold: only a person moves it on.
    Held,
    /// It reaches level `to`: do its actions; `skipped` were jumped over.
    Advance { to: usize, skipped: Vec<usize> },
    /// A payer's receivable: no dunning, no letters, no queue; a level it
    /// holds from before is taken away.
    Payer,
}

/// Decides one account's step on `today`.
pub fn step(policy: &Policy, facts: &Facts, today: Date) -> Step {
    // Debt collection rules are for consumers' debts; a payer owes on
    // claims and is worked by claim follow-up. Decided first, so no
    // balance, level or pause can send a payer a letter.
    if facts.payer {
        return Step::Payer;
    }
    if facts.past_due_minor <= 0 || facts.oldest_past_due.is_none_or(|d| d >= today) {
        return if facts.level.is_some() { Step::Cured } else { Step::Stay };
    }
    let Some(target) = policy.level_for(facts.days_past_due(today), facts.balance_minor) else {
        return Step::Stay;
    };
    if facts.level.is_some_and(|l| l >= target) {
        return Step::Stay;
    }
    if facts.held {
        return Step::Held;
    }
    if !facts.pauses.is_empty() {
        let mut pauses = facts.pauses.clone();
        pauses.sort();
        pauses.dedup();
        return Step::Paused { would_reach: target, pauses };
    }
    let from = facts.level.map(|l| l + 1).unwrap_or(0);
    Step::Advance {
        to: target,
        skipped: (from..target).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn facts(balance: i64, oldest: Date, level: Option<usize>) -> Facts {
        Facts {
            balance_minor: balance,
            past_due_minor: balance,
            oldest_past_due: Some(oldest),
            level,
            ..Facts::default()
        }
    }

    /// A payer's receivable is never dunned, however late or large, held
    /// or paused; a level it held from before is taken away, with no
    /// action recorded.
    #[test]
    fn a_payer_is_never_dunned() {
        let p = Policy::standard(100);
        let today = date(2026, 12, 1);
        for level in [None, Some(0), Some(2)] {
            let mut f = facts(9_000_000, date(2025, 1, 1), level);
            f.payer = true;
            f.held = true;
            f.pauses = vec![Pause::InsurancePending];
            assert_eq!(step(&p, &f, today), Step::Payer, "{level:?}");
        }
    }

    #[test]
    fn an_account_reaches_the_highest_level_it_meets_once() {
        let p = Policy::standard(100);
        let today = date(2026, 12, 1);
        // Due yesterday: a reminder.
        assert_eq!(
            step(&p, &facts(10_000, date(2026, 11, 30), None), today),
            Step::Advance { to: 0, skipped: vec![] }
        );
        // Due today is not yet late.
        assert_eq!(step(&p, &facts(10_000, today, None), today), Step::Stay);
        // 61 days late with no level yet: straight to the final notice, two skipped.
        assert_eq!(
            step(&p, &facts(10_000, date(2026, 10, 1), None), today),
            Step::Advance { to: 2, skipped: vec![0, 1] }
        );
        // Already there: the same day again does nothing.
        assert_eq!(step(&p, &facts(10_000, date(2026, 10, 1), Some(2)), today), Step::Stay);
        // 30 days exactly from the reminder level: the first notice.
        assert_eq!(
            step(&p, &facts(10_000, date(2026, 11, 1), Some(0)), today),
            Step::Advance { to: 1, skipped: vec![] }
        );
        // Under the minimum balance nothing is sent.
        assert_eq!(step(&p, &facts(499, date(2026, 10, 1), None), today), Step::Stay);
    }

    #[test]
    fn paid_to_current_cures_and_pauses_and_holds_stop_the_climb() {
        let p = Policy::standard(100);
        let today = date(2026, 12, 1);
        let paid = Facts {
            balance_minor: 5_000,
            past_due_minor: 0,
            oldest_past_due: None,
            level: Some(1),
            ..Facts::default()
        };
        assert_eq!(step(&p, &paid, today), Step::Cured);
        let mut disputed = facts(10_000, date(2026, 10, 1), Some(0));
        disputed.pauses = vec![Pause::Plan, Pause::Dispute, Pause::Plan];
        assert_eq!(
            step(&p, &disputed, today),
            Step::Paused {
                would_reach: 2,
                pauses: vec![Pause::Dispute, Pause::Plan]
            }
        );
        let mut held = facts(10_000, date(2026, 5, 1), Some(3));
        held.held = true;
        assert_eq!(step(&p, &held, today), Step::Held);
    }

    #[test]
    fn late_fees_take_the_larger_rule_and_stop_at_the_cap() {
        let p = Policy::standard(100);
        assert_eq!(p.late_fee(10_000, 0), Some(1_500), "15.00 beats 1.5% of 100.00");
        assert_eq!(p.late_fee(200_000, 0), Some(3_000), "1.5% of 2,000.00");
        assert_eq!(p.late_fee(200_000, 3_000), Some(2_000), "the cap of 50.00 leaves 20.00");
        assert_eq!(p.late_fee(200_000, 5_000), None);
    }

    #[test]
    fn policies_are_checked_and_actions_parse_both_ways() {
        let mut p = Policy::standard(100);
        assert_eq!(p.check(), Ok(()));
        for l in &p.levels {
            for a in &l.actions {
                assert_eq!(Action::parse(&a.to_text()), Ok(a.clone()));
            }
        }
        p.levels[2].days_past_due = 30;
        assert!(matches!(p.check(), Err(DunningError::Order { .. })));
        assert!(Action::parse("letter:receipt").is_err(), "dunning sends only reminder and notices");
        assert_eq!(Action::parse("validation_notice"), Ok(Action::ValidationNotice));
        assert_eq!(Action::ValidationNotice.to_text(), "validation_notice");
        assert!(Action::parse("fax").is_err());
    }

    #[test]
    fn the_queue_orders_by_tier_then_promise_then_balance_then_age() {
        let mut q = [
            QueueFacts {
                tier: 1,
                balance_minor: 90_000,
                ..QueueFacts::default()
            },
            QueueFacts {
                tier: 3,
                balance_minor: 1_000,
                ..QueueFacts::default()
            },
            QueueFacts {
                tier: 3,
                balance_minor: 500,
                promise_due: true,
                ..QueueFacts::default()
            },
            QueueFacts {
                tier: 3,
                balance_minor: 1_000,
                last_contact: Some(date(2026, 11, 1)),
                ..QueueFacts::default()
            },
        ];
        q.sort_by_key(|f| std::cmp::Reverse(f.key()));
        assert!(q[0].promise_due);
        assert_eq!((q[1].balance_minor, q[1].last_contact), (1_000, None), "never contacted comes first");
        assert_eq!(q[2].last_contact, Some(date(2026, 11, 1)));
        assert_eq!(q[3].tier, 1);
        assert_eq!(tier(Some(2), true), 4);
    }

    #[test]
    fn rules_assign_in_turn_and_by_first_match() {
        let rules = vec![
            AssignmentRule {
                matches: Assign::Balance {
                    min_minor: 100_000,
                    max_minor: None,
                },
                collectors: vec!["senior".into()],
            },
            AssignmentRule {
                matches: Assign::Alphabet { from: 'A', to: 'M' },
                collectors: vec!["ann".into()],
            },
            AssignmentRule {
                matches: Assign::Everyone,
                collectors: vec!["bo".into(), "cy".into()],
            },
        ];
        let mut a = Assigner::new(&rules);
        assert_eq!(a.assign(150_000, "Zed"), Some("senior"));
        assert_eq!(a.assign(1_000, "lee, pat"), Some("ann"));
        assert_eq!(a.assign(1_000, "Nguyen"), Some("bo"));
        assert_eq!(a.assign(1_000, "Owens"), Some("cy"));
        assert_eq!(a.assign(1_000, "Perez"), Some("bo"));
        assert_eq!(Assigner::new(&[]).assign(1, "A"), None);
    }
}
