//! What one account's step comes to: the rows the run keeps, the actions
//! it must carry out (a letter or an email through the contact gate, a late
//! fee), the account's dunning state after, and whether it enters the
//! collectors' queue. Pure: the store reads the facts, asks [`step`] and
//! [`plan`], and writes what the plan says; nothing here reads a database.
//!
//! [`step`]: super::step

use jiff::civil::Date;

use super::{tier, Action, Facts, LetterKind, Policy, QueueFacts, Step};
use crate::money::{Currency, Money};

/// How the run can reach the person who answers for an account.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Reach {
    /// A postal address the envelope can carry.
    pub postal: bool,
    /// At least one email address.
    pub email: bool,
}

/// One account as the run knows it, besides its [`Facts`].
#[derive(Clone, Debug)]
pub struct Account<'a> {
    pub facts: &'a Facts,
    /// The consumer's name, as the declined rows name them.
    pub consumer: &'a str,
    pub currency: Currency,
    /// The collection stage kept on the account ("" before the first level).
    pub stage: &'a str,
    /// The level reached before this run, by name.
    pub level_name: Option<&'a str>,
    /// Levels a pause was already recorded for.
    pub paused_levels: &'a [String],
    /// The account's agreement allows late fees (12 CFR 1006.22(b)).
    pub late_fees_allowed: bool,
    /// Late fees charged so far, counted against the cap.
    pub fees_charged_minor: i64,
    /// An attorney represents the consumer: no calls, so no queue.
    pub attorney: bool,
    pub promise_due: bool,
    pub broken_recently: bool,
    pub broken_total: i64,
    pub last_contact: Option<Date>,
    /// Who can be written to; `None` when no one answers for the account.
    pub reach: Option<Reach>,
}

/// What became of one action, as the `dunning_action` row keeps it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Done,
    Skipped,
    /// The account's terms do not allow it.
    NotAllowed,
    /// The contact gate refused it.
    Refused,
    Paused,
    Cured,
    /// Carried out after the run (the validation notice).
    Due,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Done => "done",
            Outcome::Skipped => "skipped",
            Outcome::NotAllowed => "not_allowed",
            Outcome::Refused => "refused",
            Outcome::Paused => "paused",
            Outcome::Cured => "cured",
            Outcome::Due => "due",
        }
    }
}

/// What the store does for one planned action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Todo {
    /// Nothing but the row: decided here.
    Record { outcome: Outcome, detail: String },
    /// A letter of this kind, if the contact gate allows it.
    Letter(LetterKind),
    /// An email saying what this letter says, queued if the gate allows it.
    Email(LetterKind),
    /// A late fee of this amount, charged to the account.
    Fee { amount_minor: i64, memo: String },
}

/// One `dunning_action` row to write, at `level`, for `action`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Planned {
    pub level: String,
    /// "cure", "level", or the action's text ("letter:reminder", "fee").
    pub action: String,
    pub todo: Todo,
}

/// The account's dunning state after the run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StateChange {
    Keep,
    /// Cured: dunning starts again at the first level.
    Clear,
    /// At level `level` (an index into the policy), with its stage, held or not.
    Set {
        level: usize,
        stage: String,
        held: bool,
    },
}

/// An account the collectors' queue takes, with its level's name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueueEntry {
    pub facts: QueueFacts,
    pub level_name: String,
}

/// What one account's step comes to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    pub actions: Vec<Planned>,
    pub state: StateChange,
    pub queue: Option<QueueEntry>,
    /// The validation notice is sent after the run, through the gate.
    pub validation_notice_due: bool,
    /// Actions declined for want of an address, the terms or the fee cap.
    pub skipped: i64,
}

fn record(level: &str, action: &str, outcome: Outcome, detail: String) -> Planned {
    Planned {
        level: level.to_string(),
        action: action.to_string(),
        todo: Todo::Record { outcome, detail },
    }
}

/// Plans one account's `step` on `today`. A debt collector (`third_party`)
/// sends the validation notice; a creditor's own policy skips it.
pub fn plan(policy: &Policy, account: &Account<'_>, step: &Step, today: Date, third_party: bool) -> Plan {
    let facts = account.facts;
    let mut plan = Plan {
        actions: Vec::new(),
        state: StateChange::Keep,
        queue: None,
        validation_notice_due: false,
        skipped: 0,
    };
    let mut level_after = facts.level;
    let mut held = facts.held;
    match step {
        Step::Payer => {
            if facts.level.is_some() {
                plan.state = StateChange::Clear;
            }
            return plan;
        }
        Step::Stay | Step::Held => {}
        Step::Cured => {
            level_after = None;
            plan.state = StateChange::Clear;
            plan.actions.push(record(
                account.level_name.unwrap_or(""),
                "cure",
                Outcome::Cured,
                "nothing is past due: dunning starts again at the first level next time".into(),
            ));
        }
        Step::Paused { would_reach, pauses } => {
            // Recorded once per level it would reach, not every day.
            let name = &policy.levels[*would_reach].name;
            if !account.paused_levels.contains(name) {
                let why: Vec<&str> = pauses.iter().map(|p| p.as_str()).collect();
                plan.actions
                    .push(record(name, "level", Outcome::Paused, format!("held back by: {}", why.join(", "))));
            }
        }
        Step::Advance { to, skipped } => {
            let level = &policy.levels[*to];
            // One row for the level, naming the levels jumped over (their actions are not done).
            let jumped: Vec<&str> = skipped.iter().map(|s| policy.levels[*s].name.as_str()).collect();
            let days = facts.days_past_due(today);
            let detail = if jumped.is_empty() {
                format!("{days} days past due")
            } else {
                format!("{days} days past due; jumped over {}", jumped.join(", "))
            };
            plan.actions.push(record(&level.name, "level", Outcome::Done, detail));
            let mut stage = if account.stage.is_empty() {
                level.name.clone()
            } else {
                account.stage.to_string()
            };
            let letter_of_level = level
                .actions
                .iter()
                .find_map(|a| match a {
                    Action::Letter(k) => Some(*k),
                    _ => None,
                })
                .unwrap_or(LetterKind::Reminder);
            for action in &level.actions {
                let (todo, declined) = act(policy, account, &level.name, action, letter_of_level, third_party);
                plan.skipped += i64::from(declined);
                match action {
                    Action::Stage(s) => stage = s.clone(),
                    Action::Hold => held = true,
                    Action::ValidationNotice if third_party => plan.validation_notice_due = true,
                    _ => {}
                }
                plan.actions.push(Planned {
                    level: level.name.clone(),
                    action: action.to_text(),
                    todo,
                });
            }
            level_after = Some(*to);
            plan.state = StateChange::Set { level: *to, stage, held };
        }
    }
    // The queue: accounts at or past the first level with a call, or with a
    // promise due or lately broken; not held, not paused, not represented.
    let first_call_level = policy.levels.iter().position(|l| l.actions.contains(&Action::CallTask));
    let paused = !facts.pauses.is_empty() || account.attorney || held;
    let past_due = facts.past_due_minor > 0 && level_after.is_some();
    let calls = level_after.zip(first_call_level).is_some_and(|(l, f)| l >= f);
    if !paused && ((past_due && calls) || account.promise_due || (account.broken_recently && facts.balance_minor > 0)) {
        plan.queue = Some(QueueEntry {
            facts: QueueFacts {
                tier: tier(level_after, account.broken_recently),
                promise_due: account.promise_due,
                balance_minor: facts.balance_minor,
                days_past_due: facts.days_past_due(today),
                broken_promises: account.broken_total,
                last_contact: account.last_contact,
            },
            level_name: level_after.map(|l| policy.levels[l].name.clone()).unwrap_or_default(),
        });
    }
    plan
}

/// One action of a level reached: what the store does, and whether it was
/// declined in a way the run's report counts as skipped.
fn act(policy: &Policy, account: &Account<'_>, level_name: &str, action: &Action, letter_of_level: LetterKind, third_party: bool) -> (Todo, bool) {
    let done = |detail: String| Todo::Record {
        outcome: Outcome::Done,
        detail,
    };
    match action {
        Action::Letter(_) | Action::Email if account.reach.is_none() => (
            Todo::Record {
                outcome: Outcome::Skipped,
                detail: "the account has no one to write to".into(),
            },
            false,
        ),
        Action::Letter(kind) => match account.reach {
            Some(Reach { postal: true, .. }) => (Todo::Letter(*kind), false),
            _ => (
                Todo::Record {
                    outcome: Outcome::Skipped,
                    detail: format!("{} has no postal address", account.consumer),
                },
                true,
            ),
        },
        Action::Email => match account.reach {
            Some(Reach { email: true, .. }) => (Todo::Email(letter_of_level), false),
            _ => (
                Todo::Record {
                    outcome: Outcome::Skipped,
                    detail: format!("{} has no email address", account.consumer),
                },
                true,
            ),
        },
        Action::CallTask => (
            done(if account.attorney {
                "not queued: an attorney represents the consumer (12 CFR 1006.6(b)(2))".into()
            } else {
                "in the work queue".into()
            }),
            false,
        ),
        Action::LateFee if !account.late_fees_allowed => (
            Todo::Record {
                outcome: Outcome::NotAllowed,
                detail: "the account's agreement does not allow late fees (12 CFR 1006.22(b))".into(),
            },
            true,
        ),
        Action::LateFee => match policy.late_fee(account.facts.past_due_minor, account.fees_charged_minor) {
            None => (
                Todo::Record {
                    outcome: Outcome::Skipped,
                    detail: format!(
                        "the late-fee cap of {} is reached",
                        Money::from_minor(policy.late_fee.cap_minor, account.currency).to_decimal_string()
                    ),
                },
                true,
            ),
            Some(fee) => (
                Todo::Fee {
                    amount_minor: fee,
                    memo: format!("Late fee ({})", level_name.replace('_', " ")),
                },
                false,
            ),
        },
        Action::Stage(s) => (done(format!("stage {s}")), false),
        Action::Hold => (done("held: only a person moves it on".into()), false),
        Action::ValidationNotice if !third_party => (
            Todo::Record {
                outcome: Outcome::Skipped,
                detail: "only a debt collector sends the validation notice (12 CFR 1006.34)".into(),
            },
            false,
        ),
        Action::ValidationNotice => (
            Todo::Record {
                outcome: Outcome::Due,
                detail: "sent after the run, through the contact gate".into(),
            },
            false,
        ),
    }
}

#[cfg(test)]
mod tests {
    use expect_test::{expect, Expect};
    use jiff::civil::{date, Date};

    use super::*;
    use crate::dunning::{step, Level, Pause};

    const TODAY: Date = date(2026, 12, 1);

    fn policy() -> Policy {
        let mut p = Policy::standard(100);
        p.late_fee.cap_minor = 5_000;
        p
    }

    /// An account `days` past due on `balance` (minor units), at `level` before.
    fn facts(balance: i64, days: i16, level: Option<usize>) -> Facts {
        Facts {
            balance_minor: balance,
            past_due_minor: balance,
            oldest_past_due: Some(TODAY.checked_sub(jiff::Span::new().days(days)).unwrap()),
            level,
            ..Facts::default()
        }
    }

    fn account<'a>(facts: &'a Facts, paused: &'a [String]) -> Account<'a> {
        Account {
            facts,
            consumer: "Renée O'Connor-Nguyễn",
            currency: Currency::from_code("USD").unwrap(),
            stage: "",
            level_name: None,
            paused_levels: paused,
            late_fees_allowed: true,
            fees_charged_minor: 0,
            attorney: false,
            promise_due: false,
            broken_recently: false,
            broken_total: 0,
            last_contact: None,
            reach: Some(Reach { postal: true, email: true }),
        }
    }

    /// The plan, one line per row, then the state, the queue and the count.
    fn show(policy: &Policy, a: &Account<'_>, third_party: bool) -> String {
        let s = step(policy, a.facts, TODAY);
        let p = plan(policy, a, &s, TODAY, third_party);
        let mut out = String::new();
        for r in &p.actions {
            let todo = match &r.todo {
                Todo::Record { outcome, detail } => format!("{}: {detail}", outcome.as_str()),
                Todo::Letter(k) => format!("gate, then letter {}", k.as_str()),
                Todo::Email(k) => format!("gate, then email saying {}", k.as_str()),
                Todo::Fee { amount_minor, memo } => format!("fee {amount_minor} ({memo})"),
            };
            out += &format!("{} / {} -> {todo}\n", r.level, r.action);
        }
        out += &format!("state {:?}\n", p.state);
        if let Some(q) = &p.queue {
            out += &format!("queue tier {} at {:?}, {} days\n", q.facts.tier, q.level_name, q.facts.days_past_due);
        }
        if p.validation_notice_due {
            out += "validation notice due\n";
        }
        out += &format!("skipped {}", p.skipped);
        out
    }

    fn check(policy: &Policy, a: &Account<'_>, third_party: bool, expect: Expect) {
        expect.assert_eq(&show(policy, a, third_party));
    }

    #[test]
    fn a_payer_gets_no_action_no_queue_and_loses_its_level() {
        let p = policy();
        for level in [None, Some(2)] {
            let mut f = facts(20_000, 95, level);
            f.payer = true;
            let plan = plan(&p, &account(&f, &[]), &Step::Payer, TODAY, false);
            assert!(plan.actions.is_empty() && plan.queue.is_none(), "{plan:?}");
            let expected = if level.is_some() { StateChange::Clear } else { StateChange::Keep };
            assert_eq!(plan.state, expected);
        }
    }

    #[test]
    fn each_standard_level_as_reached() {
        let p = policy();
        let f = facts(20_000, 1, None);
        check(
            &p,
            &account(&f, &[]),
            false,
            expect![[r#"
                reminder / level -> done: 1 days past due
                reminder / email -> gate, then email saying reminder
                reminder / letter:reminder -> gate, then letter reminder
                state Set { level: 0, stage: "reminder", held: false }
                skipped 0"#]],
        );
        let f = facts(20_000, 35, Some(0));
        check(
            &p,
            &account(&f, &[]),
            false,
            expect![[r#"
            first_notice / level -> done: 35 days past due
            first_notice / letter:first_notice -> gate, then letter first_notice
            first_notice / email -> gate, then email saying first_notice
            first_notice / fee -> fee 1500 (Late fee (first notice))
            state Set { level: 1, stage: "first_notice", held: false }
            skipped 0"#]],
        );
        let f = facts(20_000, 95, Some(0));
        check(
            &p,
            &account(&f, &[]),
            false,
            expect![[r#"
                pre_collection / level -> done: 95 days past due; jumped over first_notice, final_notice
                pre_collection / call -> done: in the work queue
                pre_collection / stage:pre_collection -> done: stage pre_collection
                state Set { level: 3, stage: "pre_collection", held: false }
                queue tier 4 at "pre_collection", 95 days
                skipped 0"#]],
        );
    }

    #[test]
    fn declined_for_want_of_an_address_terms_or_room_under_the_cap() {
        let p = policy();
        let f = facts(20_000, 65, Some(1));
        let mut a = account(&f, &[]);
        a.reach = Some(Reach { postal: false, email: true });
        a.late_fees_allowed = false;
        check(
            &p,
            &a,
            false,
            expect![[r#"
                final_notice / level -> done: 65 days past due
                final_notice / letter:final_notice -> skipped: Renée O'Connor-Nguyễn has no postal address
                final_notice / call -> done: in the work queue
                final_notice / fee -> not_allowed: the account's agreement does not allow late fees (12 CFR 1006.22(b))
                state Set { level: 2, stage: "final_notice", held: false }
                queue tier 3 at "final_notice", 65 days
                skipped 2"#]],
        );
        a.late_fees_allowed = true;
        a.fees_charged_minor = 5_000;
        a.reach = None;
        a.attorney = true;
        check(
            &p,
            &a,
            false,
            expect![[r#"
                final_notice / level -> done: 65 days past due
                final_notice / letter:final_notice -> skipped: the account has no one to write to
                final_notice / call -> done: not queued: an attorney represents the consumer (12 CFR 1006.6(b)(2))
                final_notice / fee -> skipped: the late-fee cap of 50.00 is reached
                state Set { level: 2, stage: "final_notice", held: false }
                skipped 1"#]],
        );
    }

    #[test]
    fn cured_paused_once_per_level_and_held() {
        let p = policy();
        let mut cured = facts(0, 40, Some(1));
        cured.past_due_minor = 0;
        let mut a = account(&cured, &[]);
        a.level_name = Some("first_notice");
        check(
            &p,
            &a,
            false,
            expect![[r#"
                first_notice / cure -> cured: nothing is past due: dunning starts again at the first level next time
                state Clear
                skipped 0"#]],
        );
        let mut paused = facts(20_000, 40, Some(0));
        paused.pauses = vec![Pause::Plan, Pause::Dispute, Pause::Plan];
        check(
            &p,
            &account(&paused, &[]),
            false,
            expect![[r#"
                first_notice / level -> paused: held back by: dispute, plan
                state Keep
                skipped 0"#]],
        );
        let already = ["first_notice".to_string()];
        check(
            &p,
            &account(&paused, &already),
            false,
            expect![[r#"
                state Keep
                skipped 0"#]],
        );
        let mut held = facts(20_000, 95, Some(1));
        held.held = true;
        check(
            &p,
            &account(&held, &[]),
            false,
            expect![[r#"
                state Keep
                skipped 0"#]],
        );
    }

    #[test]
    fn stage_hold_and_the_validation_notice_by_footing() {
        let mut p = policy();
        p.levels = vec![Level {
            name: "placed".into(),
            days_past_due: 120,
            min_balance_minor: 0,
            actions: vec![Action::ValidationNotice, Action::Stage("placed".into()), Action::Hold, Action::CallTask],
        }];
        let f = facts(20_000, 130, None);
        check(
            &p,
            &account(&f, &[]),
            true,
            expect![[r#"
                placed / level -> done: 130 days past due
                placed / validation_notice -> due: sent after the run, through the contact gate
                placed / stage:placed -> done: stage placed
                placed / hold -> done: held: only a person moves it on
                placed / call -> done: in the work queue
                state Set { level: 0, stage: "placed", held: true }
                validation notice due
                skipped 0"#]],
        );
        check(
            &p,
            &account(&f, &[]),
            false,
            expect![[r#"
                placed / level -> done: 130 days past due
                placed / validation_notice -> skipped: only a debt collector sends the validation notice (12 CFR 1006.34)
                placed / stage:placed -> done: stage placed
                placed / hold -> done: held: only a person moves it on
                placed / call -> done: in the work queue
                state Set { level: 0, stage: "placed", held: true }
                skipped 0"#]],
        );
    }

    #[test]
    fn the_queue_takes_promises_and_recent_breaks_below_the_call_level() {
        let p = policy();
        let f = facts(20_000, 1, Some(0));
        let mut a = account(&f, &[]);
        a.promise_due = true;
        check(
            &p,
            &a,
            false,
            expect![[r#"
                state Keep
                queue tier 1 at "reminder", 1 days
                skipped 0"#]],
        );
        a.promise_due = false;
        a.broken_recently = true;
        a.last_contact = Some(date(2026, 11, 20));
        check(
            &p,
            &a,
            false,
            expect![[r#"
                state Keep
                queue tier 2 at "reminder", 1 days
                skipped 0"#]],
        );
    }
}
