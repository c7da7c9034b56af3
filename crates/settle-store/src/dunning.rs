//! The dunning run and the work queue. Once a day (`settle dunning run`, or
//! inside `settle serve`) every account with a balance is read in chunks
//! of account ids, each account's step is asked of
//! `settle_domain::dunning::step`, and what it answers is written in one
//! transaction: levels reached, letters and emails (each through the
//! contact gate, every answer kept), capped late fees, stages and holds,
//! and one `dunning_action` row for everything done or declined. The same
//! pass rebuilds the collectors' queue. A second run for the same day finds
//! every account already at its level and does nothing.

use std::collections::HashMap;

use jiff::civil::Date;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use settle_domain::account::ArKind;
use settle_domain::address::KeptAddress;
use settle_domain::compliance::{Channel, Purpose};
use settle_domain::dunning::{self, Action, Assign, AssignmentRule, Facts, LateFeeRule, Level, Pause, QueueFacts, Step};
use settle_domain::events::{self, Receivable};
use settle_domain::money::{Currency, Money};
use settle_domain::Decimal;
use sqlx::{AnyConnection, Row};

use crate::audit::{self, current_actor};
use crate::batch::{self, Batch, IdPool};
use crate::collections::{add_contacts, Known, PROFILE_COLUMNS};
use crate::gate::{decision_row, gate, sent_row};
use crate::ops::{fmt, next_ids, Organisation};
use crate::{in_list, now_text, Result, Store, StoreError};

fn bad(field: &'static str, message: impl std::fmt::Display) -> StoreError {
    StoreError::invalid(field, message)
}

/// One level of the policy, as shown and as set.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LevelView {
    pub name: String,
    pub days_past_due: i64,
    /// Decimal, in the organisation's currency.
    pub min_balance: String,
    /// email, letter:reminder|first_notice|final_notice, validation_notice, call, fee, stage:NAME, hold
    pub actions: Vec<String>,
}

/// The organisation's dunning policy and the collections settings beside it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct DunningPolicyView {
    /// True while the organisation has not set its own levels.
    pub standard: bool,
    pub levels: Vec<LevelView>,
    pub late_fee_fixed: String,
    /// Percent of the past-due amount ("1.5"); the larger of the two is charged.
    pub late_fee_percent: String,
    /// No account is charged more than this in late fees.
    pub late_fee_cap: String,
    /// Days after an installment's date it may still be paid on time.
    pub plan_grace_days: i64,
    /// Missed installments after which a plan defaults.
    pub plan_default_missed: i64,
    /// Settlement discounts above this percent need a coordinator's approval.
    pub settlement_limit_percent: String,
}

/// Changes to the policy; a field left out stays.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DunningPolicyUpdate {
    #[serde(default)]
    pub levels: Option<Vec<LevelView>>,
    #[serde(default)]
    pub late_fee_fixed: Option<String>,
    #[serde(default)]
    pub late_fee_percent: Option<String>,
    #[serde(default)]
    pub late_fee_cap: Option<String>,
    #[serde(default)]
    pub plan_grace_days: Option<i64>,
    #[serde(default)]
    pub plan_default_missed: Option<i64>,
    #[serde(default)]
    pub settlement_limit_percent: Option<String>,
}

/// What the collections rules need besides the contact gate.
#[derive(Clone, Debug)]
pub(crate) struct Settings {
    pub policy: dunning::Policy,
    pub standard: bool,
    pub plan_grace_days: i64,
    pub plan_default_missed: i64,
    pub settlement_limit_bp: i64,
    pub currency: Currency,
}

fn percent_to_bp(field: &'static str, text: &str) -> Result<i64> {
    let d: Decimal = text
        .trim()
        .trim_end_matches('%')
        .parse()
        .map_err(|_| bad(field, format!("{text:?} is not a percent such as 1.5")))?;
    let bp = d * Decimal::from(100);
    if bp.fract() != Decimal::ZERO || bp < Decimal::ZERO || bp > Decimal::from(10_000) {
        return Err(bad(field, format!("{text:?} must be from 0 to 100 with at most two decimals")));
    }
    Ok(i64::try_from(bp.trunc().mantissa()).unwrap_or(0) / 10i64.pow(bp.trunc().scale()))
}

fn bp_to_percent(bp: i64) -> String {
    let d = Decimal::new(bp, 2).normalize();
    d.to_string()
}

/// A run of the dunning policy.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RunRequest {
    /// The day the run is for.
    pub as_of: Date,
    /// The instant the contact gate is asked at (RFC 3339); by default now
    /// when `as_of` is today, else 2 p.m. Eastern on `as_of`.
    #[serde(default)]
    pub at: Option<String>,
    /// Work out everything and write nothing.
    #[serde(default)]
    pub dry_run: bool,
}

/// One thing a run did or declined to do.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct ActionView {
    pub account_number: String,
    pub on_date: String,
    pub level: String,
    pub action: String,
    /// done, refused (the contact gate said no), skipped, not_allowed, paused, held, cured
    pub outcome: String,
    pub amount: Option<String>,
    pub detail: String,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct LevelCount {
    pub level: String,
    pub accounts: i64,
}

/// What a run did.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct RunReport {
    /// None for a dry run, or when the day's run had already done everything.
    pub run_id: Option<i64>,
    pub as_of: String,
    pub dry_run: bool,
    /// Accounts read (with a balance, or in dunning).
    pub accounts: i64,
    pub advanced: i64,
    pub cured: i64,
    pub paused: i64,
    pub held: i64,
    pub letters: i64,
    pub emails: i64,
    pub fees: i64,
    pub fees_total_minor: i64,
    /// Validation notices sent by the levels that send them (debt collectors).
    #[serde(default)]
    pub validation_notices: i64,
    /// Letters and emails the contact gate refused.
    pub refused: i64,
    /// Actions that could not be done (no address, the cap reached, terms).
    pub skipped: i64,
    /// Accounts now in the work queue.
    pub queue: i64,
    /// Accounts that reached each level in this run.
    pub reached: Vec<LevelCount>,
    /// The first 500 actions, in account order (all are kept on the accounts).
    pub actions: Vec<ActionView>,
    pub promises_kept: i64,
    pub promises_broken: i64,
    pub plans_defaulted: i64,
    pub plans_completed: i64,
    pub settlements_paid: i64,
    pub settlements_expired: i64,
}

/// One account's row in the queue.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct QueueRow {
    pub rank: i64,
    pub account_number: String,
    pub consumer: String,
    pub tier: i64,
    pub level: String,
    pub promise_due: bool,
    pub balance: String,
    pub days_past_due: i64,
    pub broken_promises: i64,
    pub last_contact_on: Option<String>,
    pub collector: String,
    /// Whether a contact was logged on it today.
    pub worked_today: bool,
    /// A debt collector owes this account its validation notice (12 CFR
    /// 1006.34(a)(1)): "with the first contact", or the day by which it is
    /// due (five days after the initial communication). None when sent, or
    /// for a creditor.
    #[serde(default)]
    pub validation_notice_due: Option<String>,
}

/// An assignment rule as shown and set.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleInput {
    /// balance, alphabet or everyone.
    pub kind: String,
    #[serde(default)]
    pub min_balance: Option<String>,
    #[serde(default)]
    pub max_balance: Option<String>,
    /// "A-M" for alphabet rules.
    #[serde(default)]
    pub letters: Option<String>,
    /// Collectors (user names) who share these accounts in turn.
    pub collectors: Vec<String>,
}

impl RuleInput {
    /// A rule in one line, as the CLI and the supervisor page take it:
    /// "balance:MIN-MAX:ann+bo" (either bound may be empty), "alphabet:A-M:cy"
    /// or "everyone:dee". None when the line has none of these shapes; the
    /// values themselves are checked by `set_assignment_rules`.
    pub fn parse(line: &str) -> Option<RuleInput> {
        let names = |t: &str| t.split('+').map(|n| n.trim().to_string()).collect::<Vec<_>>();
        let rule = |kind: &str, min: Option<&str>, max: Option<&str>, letters: Option<&str>, who: &str| RuleInput {
            kind: kind.into(),
            min_balance: min.filter(|m| !m.is_empty()).map(str::to_string),
            max_balance: max.filter(|m| !m.is_empty()).map(str::to_string),
            letters: letters.map(str::to_string),
            collectors: names(who),
        };
        match line.trim().split(':').collect::<Vec<_>>().as_slice() {
            ["balance", range, who] => range.split_once('-').map(|(min, max)| rule("balance", Some(min), Some(max), None, who)),
            ["alphabet", range, who] => Some(rule("alphabet", None, None, Some(range), who)),
            ["everyone", who] => Some(rule("everyone", None, None, None, who)),
            _ => None,
        }
    }

    /// The rule as one line [`RuleInput::parse`] reads back.
    pub fn to_line(&self) -> String {
        let who = self.collectors.join("+");
        match self.kind.as_str() {
            "balance" => format!(
                "balance:{}-{}:{who}",
                self.min_balance.as_deref().unwrap_or(""),
                self.max_balance.as_deref().unwrap_or("")
            ),
            "alphabet" => format!("alphabet:{}:{who}", self.letters.as_deref().unwrap_or("")),
            _ => format!("everyone:{who}"),
        }
    }
}

/// Per collector: the queue and the day's work.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct CollectorDay {
    /// "" for accounts no rule or person assigned.
    pub collector: String,
    pub queue: i64,
    pub queue_balance_minor: i64,
    pub worked_today: i64,
    pub calls_today: i64,
    pub right_party_today: i64,
    pub promises_today: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct SupervisorView {
    pub day: String,
    pub built_on: Option<String>,
    pub collectors: Vec<CollectorDay>,
    pub rules: Vec<RuleInput>,
    pub last_run: Option<RunSummary>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct RunSummary {
    pub run_id: i64,
    pub as_of: String,
    pub advanced: i64,
    pub letters: i64,
    pub emails: i64,
    pub fees: i64,
    pub refused: i64,
    pub queue: i64,
    pub run_by: String,
    pub finished_at: String,
}

/// One account as the run reads it.
struct AccountFacts {
    account_id: i64,
    number: String,
    name: String,
    /// Who is written to: the guarantor, or else the account's party.
    party_id: i64,
    /// The account's `collection_profile` row ([`PROFILE_COLUMNS`]), if any.
    profile: Option<sqlx::any::AnyRow>,
    currency: Currency,
    ar_kind: String,
    facts: Facts,
    stage: String,
    level_name: Option<String>,
    late_fees_allowed: bool,
    fees_charged: i64,
    promise_due: bool,
    broken_recently: bool,
    broken_total: i64,
    last_contact: Option<Date>,
    pause_queue: bool,
    /// Levels a pause was already recorded for.
    paused_levels: Vec<String>,
}

const CHUNK: i64 = 5_000;
/// Accounts decided while the slice before them is written.
const SLICE: usize = 1_250;
const REPORTED_ACTIONS: usize = 500;

fn parse_day(text: &str) -> Option<Date> {
    text.get(..10).and_then(|d| d.parse().ok())
}

impl Store {
    pub(crate) async fn collections_settings_in(&self, conn: &mut AnyConnection, org: &Organisation) -> Result<Settings> {
        let currency = Currency::from_code(&org.base_currency).map_err(|e| StoreError::Corrupt(format!("organisation currency: {e}")))?;
        let unit = 10i64.pow(u32::from(currency.exponent()));
        let mut policy = dunning::Policy::standard(unit);
        let levels = sqlx::query("SELECT name, days_past_due, min_balance_minor, actions FROM dunning_level WHERE org_id = $1 ORDER BY seq")
            .bind(org.org_id)
            .fetch_all(&mut *conn)
            .await?;
        let standard = levels.is_empty();
        if !standard {
            policy.levels = levels
                .iter()
                .map(|r| {
                    Ok(Level {
                        name: r.try_get(0)?,
                        days_past_due: r.try_get(1)?,
                        min_balance_minor: r.try_get(2)?,
                        actions: r
                            .try_get::<String, _>(3)?
                            .split(',')
                            .filter(|a| !a.trim().is_empty())
                            .map(|a| Action::parse(a).map_err(|e| StoreError::Corrupt(e.to_string())))
                            .collect::<Result<Vec<_>>>()?,
                    })
                })
                .collect::<Result<Vec<_>>>()?;
        }
        let mut settings = Settings {
            policy,
            standard,
            plan_grace_days: 10,
            plan_default_missed: 2,
            settlement_limit_bp: 3_000,
            currency,
        };
        if let Some(r) = sqlx::query(
            "SELECT late_fee_fixed_minor, late_fee_percent_bp, late_fee_cap_minor, plan_grace_days, plan_default_missed, settlement_limit_bp \
             FROM dunning_settings WHERE org_id = $1",
        )
        .bind(org.org_id)
        .fetch_optional(&mut *conn)
        .await?
        {
            settings.policy.late_fee = LateFeeRule {
                fixed_minor: r.try_get(0)?,
                percent_bp: r.try_get(1)?,
                cap_minor: r.try_get(2)?,
            };
            settings.plan_grace_days = r.try_get(3)?;
            settings.plan_default_missed = r.try_get(4)?;
            settings.settlement_limit_bp = r.try_get(5)?;
        }
        Ok(settings)
    }

    fn policy_view(s: &Settings) -> DunningPolicyView {
        let f = |m: i64| fmt(m, s.currency);
        DunningPolicyView {
            standard: s.standard,
            levels: s
                .policy
                .levels
                .iter()
                .map(|l| LevelView {
                    name: l.name.clone(),
                    days_past_due: l.days_past_due,
                    min_balance: f(l.min_balance_minor),
                    actions: l.actions.iter().map(Action::to_text).collect(),
                })
                .collect(),
            late_fee_fixed: f(s.policy.late_fee.fixed_minor),
            late_fee_percent: bp_to_percent(s.policy.late_fee.percent_bp),
            late_fee_cap: f(s.policy.late_fee.cap_minor),
            plan_grace_days: s.plan_grace_days,
            plan_default_missed: s.plan_default_missed,
            settlement_limit_percent: bp_to_percent(s.settlement_limit_bp),
        }
    }

    pub async fn dunning_policy(&self, org: &Organisation) -> Result<DunningPolicyView> {
        let mut conn = self.pool().acquire().await?;
        Ok(Self::policy_view(&self.collections_settings_in(&mut conn, org).await?))
    }

    /// Replaces the levels and settings given; checked whole first, so a bad
    /// level changes nothing.
    pub async fn set_dunning_policy(&self, org: &Organisation, cmd: &DunningPolicyUpdate) -> Result<DunningPolicyView> {
        let mut tx = self.begin_write().await?;
        let conn = tx.conn();
        let mut s = self.collections_settings_in(conn, org).await?;
        let before = Self::policy_view(&s);
        let money = |field: &'static str, text: &str| -> Result<i64> {
            let m = Money::parse(text, s.currency).map_err(|e| bad(field, e))?;
            if m.amount_minor() < 0 {
                return Err(bad(field, "must not be negative"));
            }
            Ok(m.amount_minor())
        };
        if let Some(levels) = &cmd.levels {
            let mut parsed = Vec::with_capacity(levels.len());
            for (i, l) in levels.iter().enumerate() {
                let actions = l
                    .actions
                    .iter()
                    .map(|a| Action::parse(a).map_err(|e| bad("levels", format!("level {} ({}): {e}", i + 1, l.name))))
                    .collect::<Result<Vec<_>>>()?;
                parsed.push(Level {
                    name: l.name.trim().to_string(),
                    days_past_due: l.days_past_due,
                    min_balance_minor: money("levels", &l.min_balance).map_err(|e| bad("levels", format!("level {} ({}): min_balance: {e}", i + 1, l.name)))?,
                    actions,
                });
            }
            s.policy.levels = parsed;
            s.policy.check().map_err(|e| bad("levels", e))?;
            s.standard = false;
        }
        if let Some(t) = &cmd.late_fee_fixed {
            s.policy.late_fee.fixed_minor = money("late_fee_fixed", t)?;
        }
        if let Some(t) = &cmd.late_fee_cap {
            s.policy.late_fee.cap_minor = money("late_fee_cap", t)?;
        }
        if let Some(t) = &cmd.late_fee_percent {
            s.policy.late_fee.percent_bp = percent_to_bp("late_fee_percent", t)?;
        }
        if let Some(t) = &cmd.settlement_limit_percent {
            s.settlement_limit_bp = percent_to_bp("settlement_limit_percent", t)?;
        }
        if let Some(d) = cmd.plan_grace_days {
            if !(0..=60).contains(&d) {
                return Err(bad("plan_grace_days", "must be from 0 to 60 days"));
            }
            s.plan_grace_days = d;
        }
        if let Some(n) = cmd.plan_default_missed {
            if !(1..=12).contains(&n) {
                return Err(bad("plan_default_missed", "must be from 1 to 12 installments"));
            }
            s.plan_default_missed = n;
        }
        if cmd.levels.is_some() {
            sqlx::query("DELETE FROM dunning_level WHERE org_id = $1")
                .bind(org.org_id)
                .execute(&mut *conn)
                .await?;
            for (seq, l) in s.policy.levels.iter().enumerate() {
                sqlx::query("INSERT INTO dunning_level (org_id, seq, name, days_past_due, min_balance_minor, actions) VALUES ($1, $2, $3, $4, $5, $6)")
                    .bind(org.org_id)
                    .bind(seq as i64 + 1)
                    .bind(&l.name)
                    .bind(l.days_past_due)
                    .bind(l.min_balance_minor)
                    .bind(l.actions.iter().map(Action::to_text).collect::<Vec<_>>().join(","))
                    .execute(&mut *conn)
                    .await?;
            }
        }
        sqlx::query("DELETE FROM dunning_settings WHERE org_id = $1")
            .bind(org.org_id)
            .execute(&mut *conn)
            .await?;
        sqlx::query(
            "INSERT INTO dunning_settings (org_id, late_fee_fixed_minor, late_fee_percent_bp, late_fee_cap_minor, plan_grace_days, plan_default_missed, \
             settlement_limit_bp, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(org.org_id)
        .bind(s.policy.late_fee.fixed_minor)
        .bind(s.policy.late_fee.percent_bp)
        .bind(s.policy.late_fee.cap_minor)
        .bind(s.plan_grace_days)
        .bind(s.plan_default_missed)
        .bind(s.settlement_limit_bp)
        .bind(current_actor().name)
        .bind(now_text())
        .execute(&mut *conn)
        .await?;
        let after = Self::policy_view(&s);
        audit::append(
            conn,
            self.for_update(),
            org.org_id,
            "dunning.policy",
            "organisation",
            Some(&serde_json::to_value(&before)?),
            Some(&serde_json::to_value(&after)?),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// A write transaction for (part of) a dunning run. On PostgreSQL it
    /// first locks the organisation's `dunning_run` counter, so that two runs
    /// take their chunks in turn and each reads what the other wrote; SQLite's
    /// write transactions already exclude each other.
    async fn dunning_tx(&self, org_id: i64) -> Result<crate::WriteTx> {
        let mut tx = self.begin_write().await?;
        if self.backend == crate::Backend::Postgres {
            sqlx::query("SELECT next_value FROM counter WHERE org_id = $1 AND name = 'dunning_run' FOR UPDATE")
                .bind(org_id)
                .fetch_optional(tx.conn())
                .await?;
        }
        Ok(tx)
    }

    /// Reads one chunk of accounts (ids from `lo` up to `hi`) with everything the run decides on.
    async fn read_chunk(&self, conn: &mut AnyConnection, org_id: i64, (lo, hi): (i64, i64), today: Date, settings: &Settings) -> Result<Vec<AccountFacts>> {
        let range = |sql: &'static str| sqlx::query(sql).bind(org_id).bind(lo).bind(hi);
        let mut out: Vec<AccountFacts> = Vec::new();
        let mut index: HashMap<i64, usize> = HashMap::new();
        for r in range(
            "SELECT a.account_id, a.account_number, p.name, a.currency, a.ar_kind, a.balance_minor, d.level_seq, d.level_name, d.stage, d.held_on, p.party_id \
             FROM account a JOIN party p ON p.org_id = a.org_id AND p.party_id = COALESCE(a.guarantor_party_id, a.party_id) \
             LEFT JOIN dunning_state d ON d.org_id = a.org_id AND d.account_id = a.account_id \
             WHERE a.org_id = $1 AND a.account_id >= $2 AND a.account_id < $3 AND (a.balance_minor > 0 OR d.account_id IS NOT NULL) ORDER BY a.account_id",
        )
        .fetch_all(&mut *conn)
        .await?
        {
            let account_id: i64 = r.try_get(0)?;
            let level_name: Option<String> = r.try_get(7)?;
            let level_seq: Option<i64> = r.try_get(6)?;
            // The level by name, so that a changed policy keeps what was reached.
            let level = level_name.as_deref().map(|n| {
                settings
                    .policy
                    .levels
                    .iter()
                    .position(|l| l.name == n)
                    .unwrap_or_else(|| (level_seq.unwrap_or(1) - 1).clamp(0, settings.policy.levels.len() as i64 - 1) as usize)
            });
            index.insert(account_id, out.len());
            out.push(AccountFacts {
                account_id,
                number: r.try_get(1)?,
                name: r.try_get(2)?,
                party_id: r.try_get(10)?,
                profile: None,
                currency: Currency::from_code(&r.try_get::<String, _>(3)?).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                ar_kind: r.try_get(4)?,
                facts: Facts {
                    balance_minor: r.try_get(5)?,
                    level,
                    held: r.try_get::<Option<String>, _>(9)?.is_some(),
                    ..Facts::default()
                },
                stage: r.try_get::<Option<String>, _>(8)?.unwrap_or_default(),
                level_name,
                late_fees_allowed: false,
                fees_charged: 0,
                promise_due: false,
                broken_recently: false,
                broken_total: 0,
                last_contact: None,
                pause_queue: false,
                paused_levels: Vec::new(),
            });
        }
        if out.is_empty() {
            return Ok(out);
        }
        let today_text = today.to_string();
        for r in sqlx::query(
            "SELECT account_id, MIN(due_date), CAST(SUM(balance_minor) AS BIGINT) FROM open_item \
             WHERE org_id = $1 AND account_id >= $2 AND account_id < $3 AND balance_minor > 0 AND due_date < $4 GROUP BY account_id",
        )
        .bind(org_id)
        .bind(lo)
        .bind(hi)
        .bind(&today_text)
        .fetch_all(&mut *conn)
        .await?
        {
            if let Some(&i) = index.get(&r.try_get::<i64, _>(0)?) {
                out[i].facts.oldest_past_due = r.try_get::<String, _>(1)?.parse().ok();
                out[i].facts.past_due_minor = r.try_get(2)?;
            }
        }
        let profiles = format!("SELECT {PROFILE_COLUMNS} FROM collection_profile WHERE org_id = $1 AND account_id >= $2 AND account_id < $3");
        for r in sqlx::query(&profiles).bind(org_id).bind(lo).bind(hi).fetch_all(&mut *conn).await? {
            let Some(&i) = index.get(&r.try_get::<i64, _>(0)?) else { continue };
            let a = &mut out[i];
            // By PROFILE_COLUMNS' order.
            if r.try_get::<Option<String>, _>(2)?.is_some() {
                a.facts.pauses.push(Pause::Cease);
            }
            if r.try_get::<Option<String>, _>(10)?.is_some() {
                a.facts.pauses.push(Pause::Bankruptcy);
            }
            if r.try_get::<Option<String>, _>(11)?.is_some() {
                a.facts.pauses.push(Pause::Deceased);
            }
            if r.try_get::<i64, _>(12)? == 1 {
                a.facts.pauses.push(Pause::InsurancePending);
            }
            a.late_fees_allowed = r.try_get::<i64, _>(9)? == 1;
            // Represented by an attorney: no calls to the consumer, so no queue.
            a.pause_queue = !r.try_get::<String, _>(3)?.is_empty();
            a.profile = Some(r);
        }
        for r in range("SELECT DISTINCT account_id FROM dispute WHERE org_id = $1 AND account_id >= $2 AND account_id < $3 AND verification_sent_on IS NULL")
            .fetch_all(&mut *conn)
            .await?
        {
            if let Some(&i) = index.get(&r.try_get::<i64, _>(0)?) {
                out[i].facts.pauses.push(Pause::Dispute);
            }
        }
        for r in range(
            "SELECT DISTINCT account_id FROM payment_plan WHERE org_id = $1 AND account_id >= $2 AND account_id < $3 AND status = 'active' AND missed = 0",
        )
        .fetch_all(&mut *conn)
        .await?
        {
            if let Some(&i) = index.get(&r.try_get::<i64, _>(0)?) {
                out[i].facts.pauses.push(Pause::Plan);
            }
        }
        for r in range(
            "SELECT DISTINCT account_id FROM claim WHERE org_id = $1 AND account_id >= $2 AND account_id < $3 AND status IN ('ready', 'submitted', 'accepted')",
        )
        .fetch_all(&mut *conn)
        .await?
        {
            if let Some(&i) = index.get(&r.try_get::<i64, _>(0)?) {
                out[i].facts.pauses.push(Pause::InsurancePending);
            }
        }
        for r in range(
            "SELECT account_id, CAST(SUM(amount_minor) AS BIGINT) FROM dunning_action WHERE org_id = $1 AND account_id >= $2 AND account_id < $3 \
             AND action = 'fee' AND outcome = 'done' GROUP BY account_id",
        )
        .fetch_all(&mut *conn)
        .await?
        {
            if let Some(&i) = index.get(&r.try_get::<i64, _>(0)?) {
                out[i].fees_charged = r.try_get(1)?;
            }
        }
        for r in range("SELECT account_id, level_name FROM dunning_action WHERE org_id = $1 AND account_id >= $2 AND account_id < $3 AND outcome = 'paused'")
            .fetch_all(&mut *conn)
            .await?
        {
            if let Some(&i) = index.get(&r.try_get::<i64, _>(0)?) {
                out[i].paused_levels.push(r.try_get(1)?);
            }
        }
        let recent = today.checked_sub(jiff::Span::new().days(30)).unwrap_or(today);
        for r in range(
            "SELECT account_id, status, due_on FROM promise WHERE org_id = $1 AND account_id >= $2 AND account_id < $3 AND status IN ('pending', 'broken')",
        )
        .fetch_all(&mut *conn)
        .await?
        {
            let Some(&i) = index.get(&r.try_get::<i64, _>(0)?) else { continue };
            let status: String = r.try_get(1)?;
            let due: Option<Date> = r.try_get::<String, _>(2)?.parse().ok();
            let a = &mut out[i];
            if status == "broken" {
                a.broken_total += 1;
                // Broken once its grace ran out: recent if that was in the last 30 days.
                if due.is_some_and(|d| settle_domain::promises::last_day(d) >= recent) {
                    a.broken_recently = true;
                }
            } else if due.is_some_and(|d| settle_domain::promises::falling_due(d, today)) {
                a.promise_due = true;
            }
        }
        for r in range("SELECT account_id, MAX(at) FROM contact_attempt WHERE org_id = $1 AND account_id >= $2 AND account_id < $3 GROUP BY account_id")
            .fetch_all(&mut *conn)
            .await?
        {
            if let Some(&i) = index.get(&r.try_get::<i64, _>(0)?) {
                out[i].last_contact = r.try_get::<Option<String>, _>(1)?.as_deref().and_then(parse_day);
            }
        }
        Ok(out)
    }

    /// The dunning run for one day, and the queue rebuilt from it. With
    /// `dry_run`, everything is worked out in a transaction that is then
    /// dropped, so the report is exactly what a real run would do.
    pub async fn dunning_run(&self, org: &Organisation, req: &RunRequest) -> Result<RunReport> {
        if !(1900..=9000).contains(&req.as_of.year()) {
            return Err(bad("as_of", format!("{} is not a day to run dunning for", req.as_of)));
        }
        let at = match req.at.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
            Some(a) => a
                .parse::<Timestamp>()
                .or_else(|_| a.parse::<jiff::Zoned>().map(|z| z.timestamp()))
                .map_err(|_| bad("at", format!("{a:?} is not an instant such as 2026-12-01T14:00:00-05:00")))?,
            None if req.as_of == jiff::Zoned::now().date() => Timestamp::now(),
            None => req
                .as_of
                .at(14, 0, 0, 0)
                .to_zoned(jiff::tz::TimeZone::get("America/New_York").unwrap_or(jiff::tz::TimeZone::UTC))
                .map_err(|e| bad("as_of", e))?
                .timestamp(),
        };
        let mut report = RunReport {
            as_of: req.as_of.to_string(),
            dry_run: req.dry_run,
            ..RunReport::default()
        };
        if !req.dry_run {
            // Promises, plans and settlements first: what they decide holds back or releases dunning.
            let promises = self.review_promises(org, req.as_of).await?;
            report.promises_kept = promises.kept.len() as i64;
            report.promises_broken = promises.broken.len() as i64;
            let plans = self.review_plans(org, req.as_of).await?;
            report.plans_defaulted = plans.defaulted;
            report.plans_completed = plans.completed;
            let settlements = self.review_settlements(org, req.as_of).await?;
            report.settlements_paid = settlements.paid;
            report.settlements_expired = settlements.expired;
        }
        let started = now_text();
        let mut tx = self.dunning_tx(org.org_id).await?;
        let conn = tx.conn();
        let settings = self.collections_settings_in(conn, org).await?;
        let gate_policy = self.collection_policy_in(conn, org.org_id).await?;
        let collector = self.collector_contact_in(conn, org.org_id).await?;
        let actor = current_actor().name;
        let mut ids = IdPool::default();
        let run_id = next_ids(conn, org.org_id, "dunning_run", 1).await?;
        let bounds = sqlx::query("SELECT MIN(account_id), MAX(account_id) FROM account WHERE org_id = $1")
            .bind(org.org_id)
            .fetch_one(&mut *conn)
            .await?;
        let (min_id, max_id): (Option<i64>, Option<i64>) = (bounds.try_get(0)?, bounds.try_get(1)?);
        let first_call_level = settings.policy.levels.iter().position(|l| l.actions.contains(&Action::CallTask));
        let most_actions = settings.policy.levels.iter().map(|l| l.actions.len() as i64).max().unwrap_or(0);
        let mut queue: Vec<(QueueFacts, i64, String, String)> = Vec::new();
        let mut reached: Vec<i64> = vec![0; settings.policy.levels.len()];
        // Accounts whose level sends the validation notice: sent after the run.
        let mut notices_due: Vec<String> = Vec::new();
        let mut written = 0i64;
        let logged_at = now_text();
        let today = req.as_of.to_string();
        let mut lo = min_id.unwrap_or(1);
        let end = max_id.unwrap_or(0);
        while lo <= end {
            let conn = tx.conn();
            let hi = lo + CHUNK;
            let chunk = self.read_chunk(conn, org.org_id, (lo, hi), req.as_of, &settings).await?;
            lo = hi;
            report.accounts += chunk.len() as i64;
            let steps: Vec<Step> = chunk.iter().map(|a| dunning::step(&settings.policy, &a.facts, req.as_of)).collect();
            let need_contact: Vec<i64> = chunk
                .iter()
                .zip(&steps)
                .filter(|(_, s)| matches!(s, Step::Advance { to, .. } if settings.policy.levels[*to].actions.iter().any(|a| matches!(a, Action::Letter(_) | Action::Email))))
                .map(|(a, _)| a.account_id)
                .collect();
            // The people to write to, from the rows just read and their contacts.
            let mut known: HashMap<i64, Known> = HashMap::with_capacity(need_contact.len());
            let mut party_of: HashMap<i64, Vec<i64>> = HashMap::new();
            for (a, _) in chunk.iter().zip(&steps).filter(|(a, _)| need_contact.binary_search(&a.account_id).is_ok()) {
                let mut k = Known::new(a.account_id, a.number.clone(), a.name.clone());
                if let Some(p) = &a.profile {
                    k.apply_profile(p)?;
                }
                party_of.entry(a.party_id).or_default().push(a.account_id);
                known.insert(a.account_id, k);
            }
            add_contacts(conn, org.org_id, &party_of, &mut known).await?;
            known.values_mut().for_each(Known::finish);
            if !need_contact.is_empty() {
                // The gate's dispute rule reads the debt's disputes.
                for d in sqlx::query(&format!(
                    "SELECT account_id, {} FROM dispute WHERE org_id = $1 AND account_id IN ({})",
                    crate::collections::DISPUTE_COLUMNS,
                    in_list(&need_contact)
                ))
                .bind(org.org_id)
                .fetch_all(&mut *conn)
                .await?
                {
                    if let Some(k) = known.get_mut(&d.try_get::<i64, _>(0)?) {
                        k.debt.disputes.push(crate::collections::dispute_from(&d, 1)?);
                    }
                }
            }
            let mut act = |report: &mut RunReport,
                           batch: &mut Batch,
                           action_id: i64,
                           a: &AccountFacts,
                           level: &str,
                           action: &str,
                           outcome: &str,
                           amount: i64,
                           detail: String| {
                written += 1;
                batch.add(
                    &batch::DUNNING_ACTION,
                    vec![
                        org.org_id.into(),
                        action_id.into(),
                        run_id.into(),
                        a.account_id.into(),
                        today.clone().into(),
                        level.into(),
                        action.into(),
                        outcome.into(),
                        amount.into(),
                        detail.clone().into(),
                    ],
                );
                if report.actions.len() < REPORTED_ACTIONS {
                    report.actions.push(ActionView {
                        account_number: a.number.clone(),
                        on_date: today.clone(),
                        level: level.to_string(),
                        action: action.to_string(),
                        outcome: outcome.to_string(),
                        amount: (amount != 0).then(|| fmt(amount, a.currency)),
                        detail,
                    });
                }
            };
            // Ids for everything the chunk may write, taken now so that
            // deciding needs no database; what is left goes back at the end.
            let moving = steps.iter().filter(|s| !matches!(s, Step::Stay | Step::Held)).count() as i64;
            for name in [
                "dunning_action",
                "contact_decision",
                "contact_attempt",
                "collection_letter",
                "email",
                "item",
                "entry",
            ] {
                ids.reserve(conn, org.org_id, name, moving * (most_actions + 1)).await?;
            }
            // Accounts are decided a slice at a time, and each slice is
            // written while the next is decided: SQLite works on its own
            // thread, so the two overlap.
            let mut pending: Option<(Batch, Vec<i64>)> = None;
            let mut accounts = chunk.iter().zip(&steps).peekable();
            while accounts.peek().is_some() || pending.is_some() {
                let mut batch = Batch::default();
                let mut state_gone: Vec<i64> = Vec::new();
                let slice: Vec<(&AccountFacts, &Step)> = accounts.by_ref().take(SLICE).collect();
                let write = async {
                    if let Some((mut batch, state_gone)) = pending.take() {
                        if !state_gone.is_empty() {
                            sqlx::query(&format!(
                                "DELETE FROM dunning_state WHERE org_id = $1 AND account_id IN ({})",
                                in_list(&state_gone)
                            ))
                            .bind(org.org_id)
                            .execute(&mut *conn)
                            .await?;
                        }
                        batch.flush(&mut *conn, org.org_id).await?;
                    }
                    Ok::<(), StoreError>(())
                };
                let decide = async {
                    for (a, step) in slice {
                        let mut level_after = a.facts.level;
                        let mut held = a.facts.held;
                        match step {
                            Step::Stay => {}
                            Step::Cured => {
                                report.cured += 1;
                                state_gone.push(a.account_id);
                                level_after = None;
                                let id = ids.next("dunning_action")?;
                                act(
                                    &mut report,
                                    &mut batch,
                                    id,
                                    a,
                                    a.level_name.as_deref().unwrap_or(""),
                                    "cure",
                                    "cured",
                                    0,
                                    "nothing is past due: dunning starts again at the first level next time".into(),
                                );
                            }
                            Step::Held => report.held += 1,
                            Step::Paused { would_reach, pauses } => {
                                report.paused += 1;
                                // Recorded once per level it would reach, not every day.
                                if !a.paused_levels.contains(&settings.policy.levels[*would_reach].name) {
                                    let id = ids.next("dunning_action")?;
                                    let why: Vec<&str> = pauses.iter().map(|p| p.as_str()).collect();
                                    act(
                                        &mut report,
                                        &mut batch,
                                        id,
                                        a,
                                        &settings.policy.levels[*would_reach].name,
                                        "level",
                                        "paused",
                                        0,
                                        format!("held back by: {}", why.join(", ")),
                                    );
                                }
                            }
                            Step::Advance { to, skipped } => {
                                report.advanced += 1;
                                reached[*to] += 1;
                                let level = &settings.policy.levels[*to];
                                // One row for the level, naming the levels jumped over (their actions are not done).
                                let jumped: Vec<&str> = skipped.iter().map(|s| settings.policy.levels[*s].name.as_str()).collect();
                                let id = ids.next("dunning_action")?;
                                let days = a.facts.days_past_due(req.as_of);
                                let detail = if jumped.is_empty() {
                                    format!("{days} days past due")
                                } else {
                                    format!("{days} days past due; jumped over {}", jumped.join(", "))
                                };
                                act(&mut report, &mut batch, id, a, &level.name, "level", "done", 0, detail);
                                let mut stage = if a.stage.is_empty() { level.name.clone() } else { a.stage.clone() };
                                for action in &level.actions {
                                    let action_id = ids.next("dunning_action")?;
                                    let (outcome, amount, detail) = match action {
                                        Action::Letter(_) | Action::Email if !known.contains_key(&a.account_id) => {
                                            ("skipped", 0, "the account has no one to write to".to_string())
                                        }
                                        Action::Letter(kind) => {
                                            let k = &known[&a.account_id];
                                            match k.address.as_ref().map(KeptAddress::one_line) {
                                                None => {
                                                    report.skipped += 1;
                                                    ("skipped", 0, format!("{} has no postal address", k.consumer))
                                                }
                                                Some(address) => {
                                                    let decision_id = ids.next("contact_decision")?;
                                                    let gated =
                                                        gate(k, Channel::Letter, Purpose::Collection, address, false, at, &gate_policy, decision_id, &actor);
                                                    batch.add(&batch::CONTACT_DECISION, decision_row(org.org_id, a.account_id, &gated.view, &logged_at));
                                                    if let Some(cleared) = gated.cleared() {
                                                        let contact_id = ids.next("contact_attempt")?;
                                                        batch.add(
                                                            &batch::CONTACT_ATTEMPT,
                                                            sent_row(
                                                                org.org_id,
                                                                contact_id,
                                                                cleared,
                                                                &format!("{} (dunning)", kind.title()),
                                                                &actor,
                                                                &logged_at,
                                                            ),
                                                        );
                                                        let letter_id = ids.next("collection_letter")?;
                                                        let letter = compose_letter(
                                                            org,
                                                            &collector,
                                                            k,
                                                            &a.letter_facts(),
                                                            kind.as_str(),
                                                            req.as_of,
                                                            a.last_contact.is_none(),
                                                        );
                                                        batch.add(
                                                            &batch::COLLECTION_LETTER,
                                                            vec![
                                                                org.org_id.into(),
                                                                letter_id.into(),
                                                                a.account_id.into(),
                                                                kind.as_str().into(),
                                                                today.clone().into(),
                                                                contact_id.into(),
                                                                serde_json::to_string(&letter)?.into(),
                                                            ],
                                                        );
                                                        report.letters += 1;
                                                        ("done", 0, format!("letter {letter_id} to {}", cleared.attempt().address))
                                                    } else {
                                                        report.refused += 1;
                                                        ("refused", 0, view_reasons(&gated.view))
                                                    }
                                                }
                                            }
                                        }
                                        Action::Email => {
                                            let k = &known[&a.account_id];
                                            match k.emails.first().cloned() {
                                                None => {
                                                    report.skipped += 1;
                                                    ("skipped", 0, format!("{} has no email address", k.consumer))
                                                }
                                                Some(address) => {
                                                    let decision_id = ids.next("contact_decision")?;
                                                    let mut gated = gate(
                                                        k,
                                                        Channel::Email,
                                                        Purpose::Collection,
                                                        address.clone(),
                                                        false,
                                                        at,
                                                        &gate_policy,
                                                        decision_id,
                                                        &actor,
                                                    );
                                                    // Refused only for the hour: ask again for the first moment it opens, and queue it for then.
                                                    if let Some(open) = gated.decision.allowed_from() {
                                                        gated = gate(
                                                            k,
                                                            Channel::Email,
                                                            Purpose::Collection,
                                                            address,
                                                            false,
                                                            open,
                                                            &gate_policy,
                                                            decision_id,
                                                            &actor,
                                                        );
                                                    }
                                                    batch.add(&batch::CONTACT_DECISION, decision_row(org.org_id, a.account_id, &gated.view, &logged_at));
                                                    if gated.allowed() {
                                                        // Queued, not sent: the outbox asks the gate again at
                                                        // delivery, and the contact is logged only then.
                                                        let contact_id = ids.next("contact_attempt")?;
                                                        let letter = compose_letter(
                                                            org,
                                                            &collector,
                                                            k,
                                                            &a.letter_facts(),
                                                            level_letter(level).unwrap_or("reminder"),
                                                            req.as_of,
                                                            a.last_contact.is_none(),
                                                        );
                                                        let (subject, body) = email_text(&letter);
                                                        let email_id = ids.next("email")?;
                                                        batch.add(
                                                            &batch::EMAIL_OUTBOX,
                                                            crate::outbox::queued_row(
                                                                org.org_id,
                                                                email_id,
                                                                a.account_id,
                                                                &gated.view.address,
                                                                &subject,
                                                                &body,
                                                                &gated.view.at,
                                                                contact_id,
                                                                &logged_at,
                                                            ),
                                                        );
                                                        report.emails += 1;
                                                        (
                                                            "done",
                                                            0,
                                                            format!("email {email_id} to {} queued for {}", gated.view.address, gated.view.at_local),
                                                        )
                                                    } else {
                                                        report.refused += 1;
                                                        ("refused", 0, view_reasons(&gated.view))
                                                    }
                                                }
                                            }
                                        }
                                        Action::CallTask => (
                                            "done",
                                            0,
                                            if a.pause_queue {
                                                "not queued: an attorney represents the consumer (12 CFR 1006.6(b)(2))".to_string()
                                            } else {
                                                "in the work queue".to_string()
                                            },
                                        ),
                                        Action::LateFee => {
                                            if !a.late_fees_allowed {
                                                report.skipped += 1;
                                                (
                                                    "not_allowed",
                                                    0,
                                                    "the account's agreement does not allow late fees (12 CFR 1006.22(b))".to_string(),
                                                )
                                            } else {
                                                match settings.policy.late_fee(a.facts.past_due_minor, a.fees_charged) {
                                                    None => {
                                                        report.skipped += 1;
                                                        (
                                                            "skipped",
                                                            0,
                                                            format!("the late-fee cap of {} is reached", fmt(settings.policy.late_fee.cap_minor, a.currency)),
                                                        )
                                                    }
                                                    Some(fee) => {
                                                        let item_id = ids.next("item")?;
                                                        let entry_id = ids.next("entry")?;
                                                        let ar = Receivable {
                                                            gl: ArKind::parse(&a.ar_kind).map_err(|e| StoreError::Corrupt(e.to_string()))?.gl(),
                                                            account_id: a.account_id,
                                                        };
                                                        let memo = format!("Late fee ({})", level.name.replace('_', " "));
                                                        let entry = events::fee(req.as_of, a.currency, ar, item_id, fee, &memo)?;
                                                        batch.add_entry(org.org_id, entry_id, Some(a.account_id), &entry, &logged_at);
                                                        batch.add(
                                                            &batch::OPEN_ITEM,
                                                            vec![
                                                                org.org_id.into(),
                                                                item_id.into(),
                                                                a.account_id.into(),
                                                                format!("FEE-{item_id:06}").into(),
                                                                "fee".into(),
                                                                None::<i64>.into(),
                                                                memo.clone().into(),
                                                                today.clone().into(),
                                                                today.clone().into(),
                                                                a.currency.code().into(),
                                                                fee.into(),
                                                                fee.into(),
                                                                0i64.into(),
                                                                "open".into(),
                                                            ],
                                                        );
                                                        batch.change_account(a.account_id, fee, 0);
                                                        report.fees += 1;
                                                        report.fees_total_minor += fee;
                                                        ("done", fee, format!("FEE-{item_id:06}, entry {entry_id}"))
                                                    }
                                                }
                                            }
                                        }
                                        Action::Stage(s) => {
                                            stage = s.clone();
                                            ("done", 0, format!("stage {s}"))
                                        }
                                        Action::Hold => {
                                            held = true;
                                            ("done", 0, "held: only a person moves it on".to_string())
                                        }
                                        Action::ValidationNotice if !gate_policy.third_party => {
                                            ("skipped", 0, "only a debt collector sends the validation notice (12 CFR 1006.34)".to_string())
                                        }
                                        Action::ValidationNotice => {
                                            // Sent after the run, each through the gate by itself,
                                            // as `settle letter validation` sends it.
                                            notices_due.push(a.number.clone());
                                            ("due", 0, "sent after the run, through the contact gate".to_string())
                                        }
                                    };
                                    act(&mut report, &mut batch, action_id, a, &level.name, &action.to_text(), outcome, amount, detail);
                                }
                                level_after = Some(*to);
                                state_gone.push(a.account_id);
                                batch.add(
                                    &batch::DUNNING_STATE,
                                    vec![
                                        org.org_id.into(),
                                        a.account_id.into(),
                                        (*to as i64 + 1).into(),
                                        level.name.clone().into(),
                                        today.clone().into(),
                                        stage.into(),
                                        held.then(|| today.clone()).into(),
                                    ],
                                );
                            }
                        }
                        // The queue: accounts at or past the first level with a call,
                        // or with a promise due or lately broken; not held, not paused.
                        let paused = !a.facts.pauses.is_empty() || a.pause_queue || held;
                        let past_due = a.facts.past_due_minor > 0 && level_after.is_some();
                        let calls = level_after.zip(first_call_level).is_some_and(|(l, f)| l >= f);
                        if !paused && ((past_due && calls) || a.promise_due || (a.broken_recently && a.facts.balance_minor > 0)) {
                            let level_name = level_after.map(|l| settings.policy.levels[l].name.clone()).unwrap_or_default();
                            queue.push((
                                QueueFacts {
                                    tier: dunning::tier(level_after, a.broken_recently),
                                    promise_due: a.promise_due,
                                    balance_minor: a.facts.balance_minor,
                                    days_past_due: a.facts.days_past_due(req.as_of),
                                    broken_promises: a.broken_total,
                                    last_contact: a.last_contact,
                                },
                                a.account_id,
                                a.name.clone(),
                                level_name,
                            ));
                        }

                        // Let the write go on between accounts.
                        tokio::task::yield_now().await;
                    }
                    Ok::<(), StoreError>(())
                };
                let (written_ok, decided) = tokio::join!(write, decide);
                written_ok?;
                decided?;
                if !batch.is_empty() || !state_gone.is_empty() {
                    pending = Some((batch, state_gone));
                }
            }
            ids.give_back(conn, org.org_id).await?;
            if !req.dry_run {
                // Each chunk stands on its own: committing it keeps the
                // transaction (and SQLite's WAL and page cache) the size of
                // a chunk, and a run cut short is finished by running the
                // day again. A dry run keeps everything to drop it at the end.
                tx.commit().await?;
                tx = self.dunning_tx(org.org_id).await?;
            }
        }
        let conn = tx.conn();
        report.reached = settings
            .policy
            .levels
            .iter()
            .zip(&reached)
            .map(|(l, n)| LevelCount {
                level: l.name.clone(),
                accounts: *n,
            })
            .collect();
        report.queue = self.write_queue(conn, org.org_id, queue, req.as_of).await?;
        ids.give_back(conn, org.org_id).await?;
        let did_something = written > 0;
        let ran_today: bool = sqlx::query("SELECT 1 FROM dunning_run WHERE org_id = $1 AND as_of = $2")
            .bind(org.org_id)
            .bind(&today)
            .fetch_optional(&mut *conn)
            .await?
            .is_some();
        if req.dry_run {
            drop(tx);
            return Ok(report);
        }
        if did_something || !ran_today {
            sqlx::query(
                "INSERT INTO dunning_run (org_id, run_id, as_of, accounts, advanced, cured, paused, letters, emails, fees, refused, queue, run_by, started_at, finished_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
            )
            .bind(org.org_id)
            .bind(run_id)
            .bind(&today)
            .bind(report.accounts)
            .bind(report.advanced)
            .bind(report.cured)
            .bind(report.paused)
            .bind(report.letters)
            .bind(report.emails)
            .bind(report.fees)
            .bind(report.refused)
            .bind(report.queue)
            .bind(&actor)
            .bind(&started)
            .bind(now_text())
            .execute(&mut *conn)
            .await?;
            let mut summary = report.clone();
            summary.actions.clear();
            audit::append(
                conn,
                self.for_update(),
                org.org_id,
                "dunning.run",
                &format!("dunning_run:{run_id}"),
                None,
                Some(&serde_json::to_value(&summary)?),
            )
            .await?;
            report.run_id = Some(run_id);
        }
        tx.commit().await?;
        // Each validation notice through the one door, dated the day it is mailed.
        let mailing_day = jiff::Zoned::now().date();
        for number in notices_due {
            match self.send_validation_notice(org, &number, mailing_day).await {
                Ok(sent) if sent.notice.is_some() => report.validation_notices += 1,
                Ok(_) => report.refused += 1,
                // Already sent for this debt, or nothing to itemize: nothing to do.
                Err(StoreError::Invalid { .. }) => report.skipped += 1,
                Err(e) => return Err(e),
            }
        }
        Ok(report)
    }

    /// Replaces the queue: sorted by the documented order, ranked, and
    /// handed out (a coordinator's assignment first, then the rules).
    async fn write_queue(&self, conn: &mut AnyConnection, org_id: i64, mut queue: Vec<(QueueFacts, i64, String, String)>, today: Date) -> Result<i64> {
        queue.sort_by(|a, b| b.0.key().cmp(&a.0.key()).then(a.1.cmp(&b.1)));
        let manual: HashMap<i64, String> = sqlx::query("SELECT account_id, collector FROM worklist_assignment WHERE org_id = $1")
            .bind(org_id)
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect::<Result<_>>()?;
        let rules = self.assignment_rules_in(conn, org_id).await?;
        let mut assigner = dunning::Assigner::new(&rules);
        sqlx::query("DELETE FROM worklist_item WHERE org_id = $1")
            .bind(org_id)
            .execute(&mut *conn)
            .await?;
        let mut batch = Batch::default();
        let built = today.to_string();
        for (rank, (q, account_id, name, level)) in queue.iter().enumerate() {
            let collector = match manual.get(account_id) {
                Some(c) => c.clone(),
                None => assigner.assign(q.balance_minor, name).unwrap_or("").to_string(),
            };
            batch.add(
                &batch::WORKLIST_ITEM,
                vec![
                    org_id.into(),
                    (*account_id).into(),
                    (rank as i64 + 1).into(),
                    q.tier.into(),
                    i64::from(q.promise_due).into(),
                    q.balance_minor.into(),
                    q.days_past_due.into(),
                    q.broken_promises.into(),
                    q.last_contact.map(|d| d.to_string()).into(),
                    level.clone().into(),
                    collector.into(),
                    built.clone().into(),
                ],
            );
            if batch.row_count() >= 20_000 {
                batch.flush(conn, org_id).await?;
            }
        }
        batch.flush(conn, org_id).await?;
        Ok(queue.len() as i64)
    }

    async fn assignment_rules_in(&self, conn: &mut AnyConnection, org_id: i64) -> Result<Vec<AssignmentRule>> {
        sqlx::query("SELECT kind, min_minor, max_minor, letter_from, letter_to, collectors FROM assignment_rule WHERE org_id = $1 ORDER BY seq")
            .bind(org_id)
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| {
                let kind: String = r.try_get(0)?;
                let letter = |i: usize| -> Result<char> { Ok(r.try_get::<Option<String>, _>(i)?.and_then(|t| t.chars().next()).unwrap_or('A')) };
                Ok(AssignmentRule {
                    matches: match kind.as_str() {
                        "balance" => Assign::Balance {
                            min_minor: r.try_get::<Option<i64>, _>(1)?.unwrap_or(0),
                            max_minor: r.try_get(2)?,
                        },
                        "alphabet" => Assign::Alphabet {
                            from: letter(3)?,
                            to: letter(4)?,
                        },
                        _ => Assign::Everyone,
                    },
                    collectors: r
                        .try_get::<String, _>(5)?
                        .split(',')
                        .map(str::trim)
                        .filter(|c| !c.is_empty())
                        .map(str::to_string)
                        .collect(),
                })
            })
            .collect()
    }

    fn rule_view(rule: &AssignmentRule, currency: Currency) -> RuleInput {
        let (kind, min_balance, max_balance, letters) = match &rule.matches {
            Assign::Balance { min_minor, max_minor } => ("balance", Some(fmt(*min_minor, currency)), max_minor.map(|m| fmt(m, currency)), None),
            Assign::Alphabet { from, to } => ("alphabet", None, None, Some(format!("{from}-{to}"))),
            Assign::Everyone => ("everyone", None, None, None),
        };
        RuleInput {
            kind: kind.into(),
            min_balance,
            max_balance,
            letters,
            collectors: rule.collectors.clone(),
        }
    }

    pub async fn assignment_rules(&self, org: &Organisation) -> Result<Vec<RuleInput>> {
        let mut conn = self.pool().acquire().await?;
        let currency = Currency::from_code(&org.base_currency).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        Ok(self
            .assignment_rules_in(&mut conn, org.org_id)
            .await?
            .iter()
            .map(|r| Self::rule_view(r, currency))
            .collect())
    }

    /// Replaces the assignment rules (checked whole first); the queue takes
    /// them at its next rebuild.
    pub async fn set_assignment_rules(&self, org: &Organisation, rules: &[RuleInput]) -> Result<Vec<RuleInput>> {
        let currency = Currency::from_code(&org.base_currency).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let mut rows = Vec::with_capacity(rules.len());
        for (i, r) in rules.iter().enumerate() {
            let n = i + 1;
            let collectors: Vec<String> = r.collectors.iter().map(|c| c.trim().to_string()).filter(|c| !c.is_empty()).collect();
            if collectors.is_empty() {
                return Err(bad("rules", format!("rule {n}: name at least one collector")));
            }
            let money = |t: &Option<String>, what: &str| -> Result<Option<i64>> {
                t.as_deref()
                    .filter(|t| !t.trim().is_empty())
                    .map(|t| {
                        Money::parse(t, currency)
                            .map(|m| m.amount_minor())
                            .map_err(|e| bad("rules", format!("rule {n}: {what}: {e}")))
                    })
                    .transpose()
            };
            let (min, max, from, to) = match r.kind.trim().to_ascii_lowercase().as_str() {
                "balance" => {
                    let (min, max) = (money(&r.min_balance, "min_balance")?, money(&r.max_balance, "max_balance")?);
                    if let (Some(a), Some(b)) = (min, max) {
                        if b <= a {
                            return Err(bad("rules", format!("rule {n}: max_balance must be above min_balance")));
                        }
                    }
                    (min, max, None, None)
                }
                "alphabet" => {
                    let text = r.letters.clone().unwrap_or_default().to_ascii_uppercase();
                    let (a, b) = text
                        .split_once('-')
                        .map(|(a, b)| (a.trim().chars().next(), b.trim().chars().next()))
                        .filter(|(a, b)| a.is_some_and(|c| c.is_ascii_uppercase()) && b.is_some_and(|c| c.is_ascii_uppercase()))
                        .map(|(a, b)| (a.unwrap_or('A'), b.unwrap_or('Z')))
                        .ok_or_else(|| bad("rules", format!("rule {n}: letters must be a range such as A-M")))?;
                    if b < a {
                        return Err(bad("rules", format!("rule {n}: {a}-{b} runs backwards")));
                    }
                    (None, None, Some(a.to_string()), Some(b.to_string()))
                }
                "everyone" => (None, None, None, None),
                other => return Err(bad("rules", format!("rule {n}: {other:?} is not balance, alphabet or everyone"))),
            };
            rows.push((r.kind.trim().to_ascii_lowercase(), min, max, from, to, collectors.join(",")));
        }
        let mut tx = self.begin_write().await?;
        let conn = tx.conn();
        let before: Vec<RuleInput> = self
            .assignment_rules_in(conn, org.org_id)
            .await?
            .iter()
            .map(|r| Self::rule_view(r, currency))
            .collect();
        sqlx::query("DELETE FROM assignment_rule WHERE org_id = $1")
            .bind(org.org_id)
            .execute(&mut *conn)
            .await?;
        for (seq, (kind, min, max, from, to, collectors)) in rows.iter().enumerate() {
            sqlx::query("INSERT INTO assignment_rule (org_id, seq, kind, min_minor, max_minor, letter_from, letter_to, collectors) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                .bind(org.org_id)
                .bind(seq as i64 + 1)
                .bind(kind)
                .bind(*min)
                .bind(*max)
                .bind(from.clone())
                .bind(to.clone())
                .bind(collectors)
                .execute(&mut *conn)
                .await?;
        }
        let after: Vec<RuleInput> = self
            .assignment_rules_in(conn, org.org_id)
            .await?
            .iter()
            .map(|r| Self::rule_view(r, currency))
            .collect();
        audit::append(
            conn,
            self.for_update(),
            org.org_id,
            "worklist.rules",
            "organisation",
            Some(&serde_json::to_value(&before)?),
            Some(&serde_json::to_value(&after)?),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// A coordinator hands an account to a collector ("" takes it back to the
    /// rules). The queue row moves at once; the assignment outlives rebuilds.
    pub async fn assign_account(&self, org: &Organisation, account_number: &str, collector: &str) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let conn = tx.conn();
        let account = self.account_by_number(conn, org.org_id, account_number).await?;
        let collector = collector.trim();
        if !collector.is_empty() {
            let known: Option<String> = sqlx::query("SELECT role FROM app_user WHERE org_id = $1 AND username = $2")
                .bind(org.org_id)
                .bind(collector)
                .fetch_optional(&mut *conn)
                .await?
                .map(|r| r.try_get(0))
                .transpose()?;
            if known.is_none() {
                return Err(bad("collector", format!("there is no user {collector:?}")));
            }
        }
        let before: Option<String> = sqlx::query("SELECT collector FROM worklist_assignment WHERE org_id = $1 AND account_id = $2")
            .bind(org.org_id)
            .bind(account.account_id)
            .fetch_optional(&mut *conn)
            .await?
            .map(|r| r.try_get(0))
            .transpose()?;
        sqlx::query("DELETE FROM worklist_assignment WHERE org_id = $1 AND account_id = $2")
            .bind(org.org_id)
            .bind(account.account_id)
            .execute(&mut *conn)
            .await?;
        if !collector.is_empty() {
            sqlx::query("INSERT INTO worklist_assignment (org_id, account_id, collector, assigned_by, assigned_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(org.org_id)
                .bind(account.account_id)
                .bind(collector)
                .bind(current_actor().name)
                .bind(now_text())
                .execute(&mut *conn)
                .await?;
            sqlx::query("UPDATE worklist_item SET collector = $3 WHERE org_id = $1 AND account_id = $2")
                .bind(org.org_id)
                .bind(account.account_id)
                .bind(collector)
                .execute(&mut *conn)
                .await?;
        }
        audit::append(
            conn,
            self.for_update(),
            org.org_id,
            "worklist.assign",
            &format!("account:{}", account.account_number),
            Some(&serde_json::json!({ "collector": before })),
            Some(&serde_json::json!({ "collector": collector })),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The queue in work order: one collector's (Some("") for the unassigned), or everyone's.
    pub async fn queue(&self, org: &Organisation, collector: Option<&str>, today: Date, limit: i64) -> Result<Vec<QueueRow>> {
        self.note_read(org.org_id, "queue.read", "queue").await?;
        let mut conn = self.pool().acquire().await?;
        let start = today.to_string();
        let sql = format!(
            "SELECT w.queue_rank, a.account_number, p.name, w.tier, w.level_name, w.promise_due, w.balance_minor, a.currency, w.days_past_due, w.broken_promises, \
             w.last_contact_on, w.collector, \
             (SELECT COUNT(*) FROM contact_attempt c WHERE c.org_id = w.org_id AND c.account_id = w.account_id AND c.logged_at >= $2 AND c.channel IN ('call', 'text', 'visit')), \
             (SELECT validation_sent_on FROM collection_profile cp WHERE cp.org_id = w.org_id AND cp.account_id = w.account_id), \
             (SELECT MIN(c.at) FROM contact_attempt c WHERE c.org_id = w.org_id AND c.account_id = w.account_id AND c.direction = 'outbound') \
             FROM worklist_item w JOIN account a ON a.org_id = w.org_id AND a.account_id = w.account_id \
             JOIN party p ON p.org_id = a.org_id AND p.party_id = COALESCE(a.guarantor_party_id, a.party_id) \
             WHERE w.org_id = $1 {} ORDER BY w.queue_rank LIMIT {}",
            if collector.is_some() { "AND w.collector = $3" } else { "" },
            limit.clamp(1, 10_000)
        );
        let third_party = self.collection_policy_in(&mut conn, org.org_id).await?.third_party;
        let mut q = sqlx::query(&sql).bind(org.org_id).bind(&start);
        if let Some(c) = collector {
            q = q.bind(c.to_string());
        }
        q.fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| {
                let currency = Currency::from_code(&r.try_get::<String, _>(7)?).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                let sent: Option<String> = r.try_get(13)?;
                let first: Option<String> = r.try_get(14)?;
                let validation_notice_due = (third_party && sent.is_none()).then(|| match first.and_then(|f| f.parse::<jiff::Timestamp>().ok()) {
                    None => "with the first contact".to_string(),
                    Some(at) => {
                        let day = at.to_zoned(jiff::tz::TimeZone::UTC).date();
                        format!("by {}", day.checked_add(jiff::ToSpan::days(5)).unwrap_or(day))
                    }
                });
                Ok(QueueRow {
                    rank: r.try_get(0)?,
                    account_number: r.try_get(1)?,
                    consumer: r.try_get(2)?,
                    tier: r.try_get(3)?,
                    level: r.try_get(4)?,
                    promise_due: r.try_get::<i64, _>(5)? == 1,
                    balance: fmt(r.try_get(6)?, currency),
                    days_past_due: r.try_get(8)?,
                    broken_promises: r.try_get(9)?,
                    last_contact_on: r.try_get(10)?,
                    collector: r.try_get(11)?,
                    worked_today: r.try_get::<i64, _>(12)? > 0,
                    validation_notice_due,
                })
            })
            .collect()
    }

    /// The collector's next account: the first in their queue not worked today.
    pub async fn next_account(&self, org: &Organisation, collector: &str, today: Date) -> Result<Option<QueueRow>> {
        self.note_read(org.org_id, "queue.read", "queue").await?;
        let mut conn = self.pool().acquire().await?;
        let row = sqlx::query(
            "SELECT a.account_number FROM worklist_item w JOIN account a ON a.org_id = w.org_id AND a.account_id = w.account_id \
             WHERE w.org_id = $1 AND w.collector = $2 AND NOT EXISTS (SELECT 1 FROM contact_attempt c WHERE c.org_id = w.org_id \
             AND c.account_id = w.account_id AND c.logged_at >= $3 AND c.channel IN ('call', 'text', 'visit')) ORDER BY w.queue_rank LIMIT 1",
        )
        .bind(org.org_id)
        .bind(collector)
        .bind(today.to_string())
        .fetch_optional(&mut *conn)
        .await?;
        drop(conn);
        let Some(row) = row else { return Ok(None) };
        let number: String = row.try_get(0)?;
        Ok(self
            .queue(org, Some(collector), today, 10_000)
            .await?
            .into_iter()
            .find(|q| q.account_number == number))
    }

    /// Queue sizes and the day's work, per collector.
    pub async fn supervisor(&self, org: &Organisation, today: Date) -> Result<SupervisorView> {
        self.note_read(org.org_id, "queue.read", "supervisor").await?;
        let mut conn = self.pool().acquire().await?;
        let mut by: std::collections::BTreeMap<String, CollectorDay> = Default::default();
        let blank = |c: &str| CollectorDay {
            collector: c.to_string(),
            queue: 0,
            queue_balance_minor: 0,
            worked_today: 0,
            calls_today: 0,
            right_party_today: 0,
            promises_today: 0,
        };
        for r in sqlx::query("SELECT collector, COUNT(*), CAST(SUM(balance_minor) AS BIGINT) FROM worklist_item WHERE org_id = $1 GROUP BY collector")
            .bind(org.org_id)
            .fetch_all(&mut *conn)
            .await?
        {
            let c: String = r.try_get(0)?;
            let e = by.entry(c.clone()).or_insert_with(|| blank(&c));
            e.queue = r.try_get(1)?;
            e.queue_balance_minor = r.try_get(2)?;
        }
        let start = today.to_string();
        for r in sqlx::query(
            "SELECT logged_by, COUNT(DISTINCT account_id), CAST(SUM(CASE WHEN channel = 'call' AND direction = 'outbound' THEN 1 ELSE 0 END) AS BIGINT), \
             CAST(SUM(CASE WHEN conversation = 1 THEN 1 ELSE 0 END) AS BIGINT), CAST(SUM(CASE WHEN outcome = 'promise' THEN 1 ELSE 0 END) AS BIGINT) \
             FROM contact_attempt WHERE org_id = $1 AND logged_at >= $2 AND channel IN ('call', 'text', 'visit') GROUP BY logged_by",
        )
        .bind(org.org_id)
        .bind(&start)
        .fetch_all(&mut *conn)
        .await?
        {
            let c: String = r.try_get(0)?;
            let e = by.entry(c.clone()).or_insert_with(|| blank(&c));
            e.worked_today = r.try_get(1)?;
            e.calls_today = r.try_get(2)?;
            e.right_party_today = r.try_get(3)?;
            e.promises_today = r.try_get(4)?;
        }
        let built_on: Option<String> = sqlx::query("SELECT MAX(built_on) FROM worklist_item WHERE org_id = $1")
            .bind(org.org_id)
            .fetch_one(&mut *conn)
            .await?
            .try_get(0)?;
        let last_run = sqlx::query(
            "SELECT run_id, as_of, advanced, letters, emails, fees, refused, queue, run_by, finished_at FROM dunning_run WHERE org_id = $1 ORDER BY run_id DESC LIMIT 1",
        )
        .bind(org.org_id)
        .fetch_optional(&mut *conn)
        .await?
        .map(|r| {
            Ok::<_, StoreError>(RunSummary {
                run_id: r.try_get(0)?,
                as_of: r.try_get(1)?,
                advanced: r.try_get(2)?,
                letters: r.try_get(3)?,
                emails: r.try_get(4)?,
                fees: r.try_get(5)?,
                refused: r.try_get(6)?,
                queue: r.try_get(7)?,
                run_by: r.try_get(8)?,
                finished_at: r.try_get(9)?,
            })
        })
        .transpose()?;
        drop(conn);
        Ok(SupervisorView {
            day: start,
            built_on,
            collectors: by.into_values().collect(),
            rules: self.assignment_rules(org).await?,
            last_run,
        })
    }

    /// What dunning did on the account, newest first.
    pub async fn dunning_actions(&self, org: &Organisation, account_number: &str) -> Result<(Option<String>, Vec<ActionView>)> {
        self.note_read(org.org_id, "dunning.read", &format!("account:{}", account_number.trim().to_ascii_uppercase()))
            .await?;
        let mut conn = self.pool().acquire().await?;
        let account = self.account_by_number(&mut conn, org.org_id, account_number).await?;
        let state: Option<String> = sqlx::query("SELECT level_name, stage, reached_on, held_on FROM dunning_state WHERE org_id = $1 AND account_id = $2")
            .bind(org.org_id)
            .bind(account.account_id)
            .fetch_optional(&mut *conn)
            .await?
            .map(|r| -> Result<String> {
                let (level, stage, on, held): (String, String, String, Option<String>) = (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?);
                Ok(format!(
                    "{} since {on}{}{}",
                    level.replace('_', " "),
                    if stage != level {
                        format!(", stage {}", stage.replace('_', " "))
                    } else {
                        String::new()
                    },
                    held.map(|h| format!(", held since {h}")).unwrap_or_default()
                ))
            })
            .transpose()?;
        let rows = sqlx::query(
            "SELECT on_date, level_name, action, outcome, amount_minor, detail FROM dunning_action WHERE org_id = $1 AND account_id = $2 ORDER BY action_id DESC LIMIT 200",
        )
        .bind(org.org_id)
        .bind(account.account_id)
        .fetch_all(&mut *conn)
        .await?;
        let actions = rows
            .iter()
            .map(|r| {
                let amount: i64 = r.try_get(4)?;
                Ok(ActionView {
                    account_number: account.account_number.clone(),
                    on_date: r.try_get(0)?,
                    level: r.try_get(1)?,
                    action: r.try_get(2)?,
                    outcome: r.try_get(3)?,
                    amount: (amount != 0).then(|| fmt(amount, account.currency)),
                    detail: r.try_get(5)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((state, actions))
    }

    /// Whether the organisation's dunning has run for this day.
    pub async fn dunning_ran_on(&self, org: &Organisation, day: Date) -> Result<bool> {
        let mut conn = self.pool().acquire().await?;
        Ok(sqlx::query("SELECT 1 FROM dunning_run WHERE org_id = $1 AND as_of = $2")
            .bind(org.org_id)
            .bind(day.to_string())
            .fetch_optional(&mut *conn)
            .await?
            .is_some())
    }

    /// A person releases a held account: dunning may move it on again.
    pub async fn release_hold(&self, org: &Organisation, account_number: &str) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let conn = tx.conn();
        let account = self.account_by_number(conn, org.org_id, account_number).await?;
        let done = sqlx::query("UPDATE dunning_state SET held_on = NULL WHERE org_id = $1 AND account_id = $2 AND held_on IS NOT NULL")
            .bind(org.org_id)
            .bind(account.account_id)
            .execute(&mut *conn)
            .await?;
        if done.rows_affected() == 0 {
            return Err(bad("account_number", format!("account {} is not held", account.account_number)));
        }
        audit::append(
            conn,
            self.for_update(),
            org.org_id,
            "dunning.release",
            &format!("account:{}", account.account_number),
            None,
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

fn view_reasons(view: &crate::collections::DecisionView) -> String {
    view.reasons().join("; ")
}

/// The letter a level sends, for an email's wording.
fn level_letter(level: &Level) -> Option<&'static str> {
    level.actions.iter().find_map(|a| match a {
        Action::Letter(k) => Some(k.as_str()),
        _ => None,
    })
}

/// What a letter says of the account.
pub(crate) struct LetterFacts {
    pub number: String,
    pub currency: Currency,
    pub balance_minor: i64,
    pub past_due_minor: i64,
    pub oldest_past_due: Option<Date>,
}

impl AccountFacts {
    fn letter_facts(&self) -> LetterFacts {
        LetterFacts {
            number: self.number.clone(),
            currency: self.currency,
            balance_minor: self.facts.balance_minor,
            past_due_minor: self.facts.past_due_minor,
            oldest_past_due: self.facts.oldest_past_due,
        }
    }
}

/// A letter's data from what the books say of the account today.
pub(crate) fn compose_letter(
    org: &Organisation,
    collector: &(String, String, String),
    k: &Known,
    a: &LetterFacts,
    kind: &str,
    today: Date,
    first: bool,
) -> settle_pdf::letters::CollectionLetter {
    settle_pdf::letters::CollectionLetter {
        kind: kind.to_string(),
        date: today.to_string(),
        collector: settle_pdf::letters::Party {
            name: org.name.clone(),
            lines: collector.0.split(',').map(|l| l.trim().to_string()).filter(|l| !l.is_empty()).collect(),
        },
        collector_phone: collector.1.clone(),
        collector_hours: collector.2.clone(),
        consumer: settle_pdf::letters::Party {
            name: k.consumer.clone(),
            lines: k.address.as_ref().map(KeptAddress::envelope_lines).unwrap_or_default(),
        },
        creditor: org.name.clone(),
        account_number: a.number.clone(),
        balance: fmt(a.balance_minor, a.currency),
        past_due: fmt(a.past_due_minor, a.currency),
        oldest_due: a.oldest_past_due.map(|d| d.to_string()).unwrap_or_default(),
        days_past_due: a.oldest_past_due.map(|d| i64::from((today - d).get_days()).max(0)).unwrap_or(0),
        plan: None,
        settlement: None,
        receipt: None,
        // The full disclosure on the first letter, the short one after (15 U.S.C. 1692e(11)).
        disclosure: settle_domain::compliance::debt_collector_disclosure(first).to_string(),
    }
}

/// An email's subject and text from the letter it stands for, with the disclosure.
pub(crate) fn email_text(l: &settle_pdf::letters::CollectionLetter) -> (String, String) {
    let subject = format!("{}: account {}", l.title(), l.account_number);
    let mut body = format!("Dear {},\n\n", l.consumer.name);
    for p in l.body() {
        body.push_str(&p);
        body.push_str("\n\n");
    }
    body.push_str(&format!(
        "{}\n{}\n{}\n\n{}\n",
        l.collector.name, l.collector_phone, l.collector_hours, l.disclosure
    ));
    (subject, body)
}
