//! Payment plans: a schedule (made or written out and checked), a down
//! payment, standing from the payments, default after missed installments and
//! a grace period, the agreement letter; reviewed daily.

use crate::collections::bad;
use crate::collections::contacts::DecisionView;
use crate::collections::validation_notice::LetterView;
use crate::platform::audit::current_actor;
use crate::platform::Organisation;
use crate::write::Unaudited;
use crate::write::{fmt, next_ids};
use crate::{now_text, Result, Store, StoreError};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use settle_domain::money::{Currency, Money};
use settle_domain::plans::{self, Frequency, Installment, PlanError, PlanStatus};
use settle_pdf::letters::PlanTerms;
use sqlx::{AnyConnection, Row};

/// A plan's refusal in the account's money, naming the field.
fn plan_error(e: PlanError, currency: Currency) -> StoreError {
    let m = |minor: i64| fmt(minor, currency);
    match e {
        PlanError::Total => bad("total", "the plan's total must be greater than zero"),
        PlanError::MoreThanOwed { total_minor, owed_minor } => bad("total", format!("{} is more than the account owes ({})", m(total_minor), m(owed_minor))),
        PlanError::Down { down_minor, total_minor } => bad(
            "down_payment",
            format!("{} must be from 0 up to less than the total {}", m(down_minor), m(total_minor)),
        ),
        PlanError::Installment => bad("installment", "the installment amount must be greater than zero"),
        PlanError::TooMany { needed, max } => bad("installment", format!("the plan would need {needed} installments; at most {max} are allowed")),
        PlanError::DoesNotAddUp { sum_minor, expected_minor } => bad(
            "installments",
            format!("they add up to {}, but the total less the down payment is {}", m(sum_minor), m(expected_minor)),
        ),
        PlanError::Line { line, reason } => bad("installments", format!("line {line}: {reason}")),
        PlanError::FirstInPast { first, today } => bad("first_due", format!("the first installment's date {first} is before today ({today})")),
        PlanError::PastTheCalendar => bad("first_due", "the installments would run past the end of the calendar"),
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InstallmentInput {
    pub due: Date,
    pub amount: String,
}

/// A payment plan to set up: by installment amount and frequency, or with
/// the installments written out (they must add up).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPlan {
    pub account_number: String,
    /// What the plan pays off; the whole balance when left out.
    #[serde(default)]
    pub total: Option<String>,
    #[serde(default)]
    pub down_payment: Option<String>,
    /// The amount of each installment (the last takes the rounding).
    #[serde(default)]
    pub installment: Option<String>,
    /// weekly, biweekly or monthly.
    #[serde(default)]
    pub frequency: Option<String>,
    /// The first installment's date.
    #[serde(default)]
    pub first_due: Option<Date>,
    /// Installments written out instead.
    #[serde(default)]
    pub installments: Option<Vec<InstallmentInput>>,
    #[serde(default)]
    pub note: String,
    /// Send the plan agreement letter (through the contact gate).
    #[serde(default)]
    pub send_agreement: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct InstallmentView {
    pub number: i64,
    pub due: String,
    pub amount: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct PlanView {
    pub plan_id: i64,
    pub account_number: String,
    pub total: String,
    pub down_payment: String,
    pub installment: String,
    pub frequency: String,
    pub start_on: String,
    /// active, completed, defaulted, cancelled
    pub status: String,
    pub missed: i64,
    pub paid: String,
    pub reviewed_on: Option<String>,
    pub ended_on: Option<String>,
    pub installments: Vec<InstallmentView>,
    pub letter_id: Option<i64>,
    pub note: String,
    pub created_by: String,
}

/// What setting up a plan did.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct PlanCreated {
    pub plan: PlanView,
    pub agreement: Option<LetterView>,
    /// The gate's answer for the agreement letter, when one was asked for.
    pub decision: Option<DecisionView>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct PlanReview {
    pub reviewed: i64,
    pub defaulted: i64,
    pub completed: i64,
}

impl Store {
    /// Sets up a payment plan; refused whole (nothing written) when its
    /// numbers do not hold, or the account already has an active plan.
    pub async fn create_plan(&self, org: &Organisation, cmd: &NewPlan, today: Date) -> Result<PlanCreated> {
        self.write(|tx| Box::pin(async move {
            let conn = tx.conn();
            let account = self.account_by_number(conn, org.org_id, &cmd.account_number).await?;
            let settings = self.collections_settings_in(conn, org).await?;
            let money = |field: &'static str, text: &str| -> Result<i64> { Ok(Money::parse(text, account.currency).map_err(|e| bad(field, e))?.amount_minor()) };
            let total = match cmd.total.as_deref().filter(|t| !t.trim().is_empty()) {
                Some(t) => money("total", t)?,
                None => account.balance_minor,
            };
            if total > account.balance_minor {
                return Err(plan_error(
                    PlanError::MoreThanOwed {
                        total_minor: total,
                        owed_minor: account.balance_minor,
                    },
                    account.currency,
                ));
            }
            let down = match cmd.down_payment.as_deref().filter(|t| !t.trim().is_empty()) {
                Some(t) => money("down_payment", t)?,
                None => 0,
            };
            let (installments, frequency, each): (Vec<Installment>, String, i64) = match &cmd.installments {
                Some(list) => {
                    let mut parsed = Vec::with_capacity(list.len());
                    for (i, inst) in list.iter().enumerate() {
                        let amount = Money::parse(&inst.amount, account.currency)
                            .map_err(|e| bad("installments", format!("line {}: amount: {e}", i + 1)))?
                            .amount_minor();
                        parsed.push((inst.due, amount));
                    }
                    let checked = plans::check_custom(total, down, &parsed).map_err(|e| plan_error(e, account.currency))?;
                    let each = checked.first().map(|i| i.amount_minor).unwrap_or(0);
                    (checked, "custom".to_string(), each)
                }
                None => {
                    let freq_text = cmd.frequency.as_deref().unwrap_or("monthly");
                    let frequency = Frequency::parse(freq_text).ok_or_else(|| bad("frequency", format!("{freq_text:?} is not weekly, biweekly or monthly")))?;
                    let each = money(
                        "installment",
                        cmd.installment
                            .as_deref()
                            .ok_or_else(|| bad("installment", "give the installment amount, or write the installments out"))?,
                    )?;
                    let first = cmd.first_due.ok_or_else(|| bad("first_due", "give the first installment's date"))?;
                    (
                        plans::schedule(total, down, each, frequency, first).map_err(|e| plan_error(e, account.currency))?,
                        frequency.as_str().to_string(),
                        each,
                    )
                }
            };
            if let Some(first) = installments.first() {
                if first.due < today {
                    return Err(plan_error(PlanError::FirstInPast { first: first.due, today }, account.currency));
                }
            }
            let active: Option<i64> = sqlx::query("SELECT plan_id FROM payment_plan WHERE org_id = $1 AND account_id = $2 AND status = 'active'")
                .bind(org.org_id)
                .bind(account.account_id)
                .fetch_optional(&mut *conn)
                .await?
                .map(|r| r.try_get("plan_id"))
                .transpose()?;
            if let Some(p) = active {
                return Err(bad(
                    "account_number",
                    format!("account {} already has active plan {p}; cancel it first", account.account_number),
                ));
            }
            let plan_id = next_ids(conn, org.org_id, "payment_plan", 1).await?;
            let actor = current_actor().name;
            sqlx::query(
                "INSERT INTO payment_plan (org_id, plan_id, account_id, currency, total_minor, down_minor, installment_minor, frequency, start_on, status, missed, \
                 paid_minor, note, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'active', 0, 0, $10, $11, $12)",
            )
            .bind(org.org_id)
            .bind(plan_id)
            .bind(account.account_id)
            .bind(account.currency.code())
            .bind(total)
            .bind(down)
            .bind(each)
            .bind(&frequency)
            .bind(today.to_string())
            .bind(cmd.note.trim())
            .bind(&actor)
            .bind(now_text())
            .execute(&mut *conn)
            .await?;
            for i in &installments {
                sqlx::query("INSERT INTO plan_installment (org_id, plan_id, number, due_on, amount_minor) VALUES ($1, $2, $3, $4, $5)")
                    .bind(org.org_id)
                    .bind(plan_id)
                    .bind(i.number)
                    .bind(i.due.to_string())
                    .bind(i.amount_minor)
                    .execute(&mut *conn)
                    .await?;
            }
            let (agreement, decision) = if cmd.send_agreement {
                let terms = PlanTerms {
                    plan_id,
                    total: fmt(total, account.currency),
                    down_payment: fmt(down, account.currency),
                    frequency: frequency.clone(),
                    installments: installments
                        .iter()
                        .map(|i| (i.number, i.due.to_string(), fmt(i.amount_minor, account.currency)))
                        .collect(),
                    grace_days: settings.plan_grace_days,
                    default_after_missed: settings.plan_default_missed,
                };
                let (letter, decision) = self
                    .send_letter_in(tx, org, account.account_id, "plan_agreement", today, |l| l.plan = Some(terms))
                    .await?;
                if let Some(l) = &letter {
                    sqlx::query("UPDATE payment_plan SET letter_id = $3 WHERE org_id = $1 AND plan_id = $2")
                        .bind(org.org_id)
                        .bind(plan_id)
                        .bind(l.letter_id)
                        .execute(tx.conn())
                        .await?;
                }
                (letter, Some(decision))
            } else {
                (None, None)
            };
            let plan = self.plan_in(tx.conn(), org.org_id, plan_id).await?;
            tx.audit(
                org.org_id,
                "plan.create",
                &format!("account:{}", account.account_number),
                None,
                Some(&serde_json::to_value(&plan)?),
            )
            .await?;
            Ok(PlanCreated { plan, agreement, decision })
        }))
        .await
    }

    async fn plan_in(&self, conn: &mut AnyConnection, org_id: i64, plan_id: i64) -> Result<PlanView> {
        let r = sqlx::query(
            "SELECT p.plan_id, a.account_number, p.currency, p.total_minor, p.down_minor, p.installment_minor, p.frequency, p.start_on, p.status, p.missed, \
             p.paid_minor, p.reviewed_on, p.ended_on, p.letter_id, p.note, p.created_by FROM payment_plan p \
             JOIN account a ON a.org_id = p.org_id AND a.account_id = p.account_id WHERE p.org_id = $1 AND p.plan_id = $2",
        )
        .bind(org_id)
        .bind(plan_id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::not_found("plan", plan_id))?;
        let currency = Currency::from_code(&r.try_get::<String, _>("currency")?).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let installments = sqlx::query("SELECT number, due_on, amount_minor FROM plan_installment WHERE org_id = $1 AND plan_id = $2 ORDER BY number")
            .bind(org_id)
            .bind(plan_id)
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|i| {
                Ok(InstallmentView {
                    number: i.try_get("number")?,
                    due: i.try_get("due_on")?,
                    amount: fmt(i.try_get("amount_minor")?, currency),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(PlanView {
            plan_id: r.try_get("plan_id")?,
            account_number: r.try_get("account_number")?,
            total: fmt(r.try_get("total_minor")?, currency),
            down_payment: fmt(r.try_get("down_minor")?, currency),
            installment: fmt(r.try_get("installment_minor")?, currency),
            frequency: r.try_get("frequency")?,
            start_on: r.try_get("start_on")?,
            status: r.try_get("status")?,
            missed: r.try_get("missed")?,
            paid: fmt(r.try_get("paid_minor")?, currency),
            reviewed_on: r.try_get("reviewed_on")?,
            ended_on: r.try_get("ended_on")?,
            installments,
            letter_id: r.try_get("letter_id")?,
            note: r.try_get("note")?,
            created_by: r.try_get("created_by")?,
        })
    }

    pub async fn plans(&self, org: &Organisation, account_number: Option<&str>) -> Result<Vec<PlanView>> {
        self.note_read(
            org.org_id,
            "plan.list",
            &account_number.map_or_else(|| "plans".to_string(), |n| format!("account:{}", n.trim().to_ascii_uppercase())),
        )
        .await?;
        let mut conn = self.pool().acquire().await?;
        let ids: Vec<i64> = match account_number {
            Some(n) => {
                let account = self.account_by_number(&mut conn, org.org_id, n).await?;
                sqlx::query("SELECT plan_id FROM payment_plan WHERE org_id = $1 AND account_id = $2 ORDER BY plan_id DESC")
                    .bind(org.org_id)
                    .bind(account.account_id)
                    .fetch_all(&mut *conn)
                    .await?
            }
            None => {
                sqlx::query("SELECT plan_id FROM payment_plan WHERE org_id = $1 ORDER BY plan_id DESC LIMIT 500")
                    .bind(org.org_id)
                    .fetch_all(&mut *conn)
                    .await?
            }
        }
        .iter()
        .map(|r| r.try_get("plan_id"))
        .collect::<std::result::Result<_, _>>()?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(self.plan_in(&mut conn, org.org_id, id).await?);
        }
        Ok(out)
    }

    /// Cancels an active plan (dunning resumes at the next run).
    pub async fn cancel_plan(&self, org: &Organisation, plan_id: i64, today: Date) -> Result<PlanView> {
        self.write(|tx| {
            Box::pin(async move {
                let conn = tx.conn();
                let before = self.plan_in(conn, org.org_id, plan_id).await?;
                if crate::write::status_of::<PlanStatus>(&before.status)? != PlanStatus::Active {
                    return Err(bad(
                        "plan_id",
                        format!("plan {plan_id} is {}; only an active plan can be cancelled", before.status),
                    ));
                }
                sqlx::query("UPDATE payment_plan SET status = 'cancelled', ended_on = $3 WHERE org_id = $1 AND plan_id = $2")
                    .bind(org.org_id)
                    .bind(plan_id)
                    .bind(today.to_string())
                    .execute(&mut *conn)
                    .await?;
                let after = self.plan_in(conn, org.org_id, plan_id).await?;
                tx.audit(
                    org.org_id,
                    "plan.cancel",
                    &format!("account:{}", after.account_number),
                    Some(&serde_json::to_value(&before)?),
                    Some(&serde_json::to_value(&after)?),
                )
                .await?;
                Ok(after)
            })
        })
        .await
    }

    /// Brings every active plan's standing up to `as_of` from the payments
    /// received: paid up, missed installments, completed or defaulted.
    pub async fn review_plans(&self, org: &Organisation, as_of: Date) -> Result<PlanReview> {
        self.write(|tx| {
            Box::pin(async move {
                let conn = tx.conn();
                let settings = self.collections_settings_in(conn, org).await?;
                let active =
                    sqlx::query("SELECT plan_id, account_id, down_minor, start_on FROM payment_plan WHERE org_id = $1 AND status = 'active' ORDER BY plan_id")
                        .bind(org.org_id)
                        .fetch_all(&mut *conn)
                        .await?;
                let mut review = PlanReview::default();
                for r in active {
                    let conn = tx.conn();
                    let (plan_id, account_id, down, start): (i64, i64, i64, String) = (
                        r.try_get("plan_id")?,
                        r.try_get("account_id")?,
                        r.try_get("down_minor")?,
                        r.try_get("start_on")?,
                    );
                    let start_on: Date = start.parse().map_err(|e| StoreError::Corrupt(format!("plan start: {e}")))?;
                    let installments =
                        sqlx::query("SELECT number, due_on, amount_minor FROM plan_installment WHERE org_id = $1 AND plan_id = $2 ORDER BY number")
                            .bind(org.org_id)
                            .bind(plan_id)
                            .fetch_all(&mut *conn)
                            .await?
                            .iter()
                            .map(|i| {
                                Ok(Installment {
                                    number: i.try_get("number")?,
                                    due: i
                                        .try_get::<String, _>("due_on")?
                                        .parse()
                                        .map_err(|e| StoreError::Corrupt(format!("installment date: {e}")))?,
                                    amount_minor: i.try_get("amount_minor")?,
                                })
                            })
                            .collect::<Result<Vec<_>>>()?;
                    let payments = self.payments_since(conn, org.org_id, account_id, &start).await?;
                    let st = plans::standing(
                        down,
                        start_on,
                        &installments,
                        &payments,
                        settings.plan_grace_days,
                        settings.plan_default_missed,
                        as_of,
                    );
                    review.reviewed += 1;
                    let ended = matches!(st.status, PlanStatus::Completed | PlanStatus::Defaulted).then(|| as_of.to_string());
                    match st.status {
                        PlanStatus::Completed => review.completed += 1,
                        PlanStatus::Defaulted => review.defaulted += 1,
                        _ => {}
                    }
                    sqlx::query(
                        "UPDATE payment_plan SET status = $3, missed = $4, paid_minor = $5, reviewed_on = $6, ended_on = $7 WHERE org_id = $1 AND plan_id = $2",
                    )
                    .bind(org.org_id)
                    .bind(plan_id)
                    .bind(st.status.as_str())
                    .bind(st.missed)
                    .bind(st.paid_minor)
                    .bind(as_of.to_string())
                    .bind(ended)
                    .execute(tx.conn())
                    .await?;
                    if st.status != PlanStatus::Active {
                        tx.audit(
                            org.org_id,
                            "plan.review",
                            &format!("plan:{plan_id}"),
                            None,
                            Some(&serde_json::json!({ "status": st.status.as_str(), "missed": st.missed, "as_of": as_of.to_string() })),
                        )
                        .await?;
                    }
                }
                // A review that ended no plan moved only figures the postings
                // recompute (paid so far, installments missed).
                tx.unaudited(Unaudited::Recomputed);
                Ok(review)
            })
        })
        .await
    }
}
