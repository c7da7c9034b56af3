//! The organisation's dunning policy: levels by days past due and minimum
//! balance with their actions, the late-fee rule, plan grace and default,
//! the settlement limit; the standard policy until one is set.

use crate::collections::bad;
use crate::platform::audit::current_actor;
use crate::platform::Organisation;
use crate::write::fmt;
use crate::{now_text, Result, Store, StoreError};
use serde::{Deserialize, Serialize};
use settle_domain::dunning::{self, Action, LateFeeRule, Level};
use settle_domain::money::{Currency, Money};
use settle_domain::Decimal;
use sqlx::{AnyConnection, Row};

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
pub(in crate::collections) struct Settings {
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

impl Store {
    pub(in crate::collections) async fn collections_settings_in(&self, conn: &mut AnyConnection, org: &Organisation) -> Result<Settings> {
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
                        name: r.try_get("name")?,
                        days_past_due: r.try_get("days_past_due")?,
                        min_balance_minor: r.try_get("min_balance_minor")?,
                        actions: r
                            .try_get::<String, _>("actions")?
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
                fixed_minor: r.try_get("late_fee_fixed_minor")?,
                percent_bp: r.try_get("late_fee_percent_bp")?,
                cap_minor: r.try_get("late_fee_cap_minor")?,
            };
            settings.plan_grace_days = r.try_get("plan_grace_days")?;
            settings.plan_default_missed = r.try_get("plan_default_missed")?;
            settings.settlement_limit_bp = r.try_get("settlement_limit_bp")?;
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
        self.write(|tx| {
            Box::pin(async move {
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
                            min_balance_minor: money("levels", &l.min_balance)
                                .map_err(|e| bad("levels", format!("level {} ({}): min_balance: {e}", i + 1, l.name)))?,
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
                tx.audit(
                    org.org_id,
                    "dunning.policy",
                    "organisation",
                    Some(&serde_json::to_value(&before)?),
                    Some(&serde_json::to_value(&after)?),
                )
                .await?;
                Ok(after)
            })
        })
        .await
    }
}
