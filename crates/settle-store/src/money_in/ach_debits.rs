//! Debits scheduled under a mandate: one at a time ("pay my balance" or an
//! amount on a day), or a payment plan's installments set to pay
//! themselves (autopay). Each waits as `scheduled` until the daily run
//! sends it; see `ach_run`.

use crate::money_in::ach_setup::record_change;
use crate::platform::Organisation;
use crate::write::{check_text, fmt, next_ids, positive_amount, status};
use crate::{now_text, Result, Store, StoreError};
use serde::{Deserialize, Serialize};
use settle_domain::money::Currency;
use settle_domain::status::{DebitStatus, MandateStatus};
use settle_domain::Date;
use sqlx::{AnyConnection, Row};

/// One debit to schedule.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDebit {
    pub mandate_id: i64,
    /// An amount, or "balance" for what the account owes now.
    #[schema(example = "125.00")]
    pub amount: String,
    /// The day it should settle (the run sends it the banking day before).
    pub due_on: Date,
    #[serde(default)]
    pub note: String,
}

/// A payment plan's installments paid by ACH under a mandate.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AutopayPlan {
    pub plan_id: i64,
    pub mandate_id: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct DebitView {
    pub debit_id: i64,
    pub mandate_id: i64,
    pub account_number: String,
    /// one_time, installment, retry or prenote
    pub purpose: String,
    pub amount: String,
    pub due_on: String,
    /// scheduled, in_file, settled, returned, cancelled
    pub status: String,
    pub plan_id: Option<i64>,
    pub installment_no: Option<i64>,
    /// The debit this one sends again (RETRY PYMT).
    pub retry_of: Option<i64>,
    pub file_id: Option<i64>,
    pub trace: Option<String>,
    pub effective_on: Option<String>,
    pub payment_id: Option<i64>,
    pub return_code: Option<String>,
    pub returned_on: Option<String>,
    pub settled_on: Option<String>,
    pub note: String,
}

pub(super) struct MandateFacts {
    pub account_id: i64,
    pub account_number: String,
    pub status: MandateStatus,
}

pub(super) async fn mandate_facts(conn: &mut AnyConnection, org_id: i64, mandate_id: i64) -> Result<MandateFacts> {
    let r = sqlx::query(
        "SELECT m.account_id, a.account_number, m.status FROM ach_mandate m JOIN account a ON a.org_id = m.org_id AND a.account_id = m.account_id \
         WHERE m.org_id = $1 AND m.mandate_id = $2",
    )
    .bind(org_id)
    .bind(mandate_id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| StoreError::not_found("mandate", mandate_id))?;
    Ok(MandateFacts {
        account_id: r.try_get("account_id")?,
        account_number: r.try_get("account_number")?,
        status: status(&r, "status")?,
    })
}

/// A debit row to insert.
pub(super) struct DebitRow<'a> {
    pub mandate_id: i64,
    pub account_id: i64,
    pub purpose: &'a str,
    pub amount_minor: i64,
    pub due_on: Date,
    pub plan: Option<(i64, i64)>,
    pub retry_of: Option<i64>,
    pub note: &'a str,
}

pub(super) async fn insert_debit(conn: &mut AnyConnection, org_id: i64, row: &DebitRow<'_>) -> Result<i64> {
    let id = next_ids(conn, org_id, "ach_debit", 1).await?;
    sqlx::query(
        "INSERT INTO ach_debit (org_id, debit_id, mandate_id, account_id, purpose, amount_minor, due_on, plan_id, installment_no, retry_of, status, note, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(org_id)
    .bind(id)
    .bind(row.mandate_id)
    .bind(row.account_id)
    .bind(row.purpose)
    .bind(row.amount_minor)
    .bind(row.due_on.to_string())
    .bind(row.plan.map(|p| p.0))
    .bind(row.plan.map(|p| p.1))
    .bind(row.retry_of)
    .bind(DebitStatus::Scheduled.as_str())
    .bind(row.note)
    .bind(now_text())
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

fn usable(facts: &MandateFacts, mandate_id: i64) -> Result<()> {
    match facts.status {
        MandateStatus::Revoked | MandateStatus::NewDetailsNeeded | MandateStatus::Hold => Err(StoreError::invalid(
            "mandate_id",
            format!("mandate {mandate_id} is {}; nothing can be debited under it", facts.status),
        )),
        _ => Ok(()),
    }
}

impl Store {
    /// Schedules one debit.
    pub async fn schedule_debit(&self, org: &Organisation, cmd: &NewDebit, today: Date) -> Result<DebitView> {
        self.write(|tx| {
            Box::pin(async move {
                let conn = tx.conn();
                let facts = mandate_facts(conn, org.org_id, cmd.mandate_id).await?;
                usable(&facts, cmd.mandate_id)?;
                if cmd.due_on < today {
                    return Err(StoreError::invalid("due_on", format!("{} is before today ({today})", cmd.due_on)));
                }
                let account = self.account_by_id(conn, org.org_id, facts.account_id).await?;
                let amount = if cmd.amount.trim().eq_ignore_ascii_case("balance") {
                    if account.balance_minor <= 0 {
                        return Err(StoreError::invalid("amount", format!("account {} owes nothing", facts.account_number)));
                    }
                    account.balance_minor
                } else {
                    positive_amount("amount", &cmd.amount, Currency::USD)?.amount_minor()
                };
                let note = check_text("note", &cmd.note, 200)?;
                let id = insert_debit(
                    conn,
                    org.org_id,
                    &DebitRow {
                        mandate_id: cmd.mandate_id,
                        account_id: facts.account_id,
                        purpose: "one_time",
                        amount_minor: amount,
                        due_on: cmd.due_on,
                        plan: None,
                        retry_of: None,
                        note: &note,
                    },
                )
                .await?;
                let view = debit_in(conn, org.org_id, id).await?;
                tx.audit(
                    org.org_id,
                    "ach.debit",
                    &format!("account:{}", facts.account_number),
                    None,
                    Some(&serde_json::to_value(&view)?),
                )
                .await?;
                Ok(view)
            })
        })
        .await
    }

    /// Sets a payment plan's installments still to come to pay themselves
    /// under a mandate of the same account. Installments already scheduled
    /// are left as they are.
    pub async fn autopay_plan(&self, org: &Organisation, cmd: &AutopayPlan, today: Date) -> Result<Vec<DebitView>> {
        self.write(|tx| {
            Box::pin(async move {
                let conn = tx.conn();
                let facts = mandate_facts(conn, org.org_id, cmd.mandate_id).await?;
                usable(&facts, cmd.mandate_id)?;
                let plan = sqlx::query("SELECT account_id, status FROM payment_plan WHERE org_id = $1 AND plan_id = $2")
                    .bind(org.org_id)
                    .bind(cmd.plan_id)
                    .fetch_optional(&mut *conn)
                    .await?
                    .ok_or_else(|| StoreError::not_found("payment plan", cmd.plan_id))?;
                if plan.try_get::<i64, _>("account_id")? != facts.account_id {
                    return Err(StoreError::invalid(
                        "mandate_id",
                        format!("mandate {} is for account {}, not the plan's", cmd.mandate_id, facts.account_number),
                    ));
                }
                let plan_status: String = plan.try_get("status")?;
                if plan_status != "active" {
                    return Err(StoreError::invalid("plan_id", format!("plan {} is {plan_status}", cmd.plan_id)));
                }
                let installments = sqlx::query(
                    "SELECT i.number, i.due_on, i.amount_minor FROM plan_installment i WHERE i.org_id = $1 AND i.plan_id = $2 AND i.due_on >= $3 \
                 AND NOT EXISTS (SELECT 1 FROM ach_debit d WHERE d.org_id = i.org_id AND d.plan_id = i.plan_id AND d.installment_no = i.number \
                 AND d.retry_of IS NULL AND d.status IN ('scheduled', 'in_file', 'settled')) ORDER BY i.number",
                )
                .bind(org.org_id)
                .bind(cmd.plan_id)
                .bind(today.to_string())
                .fetch_all(&mut *conn)
                .await?;
                if installments.is_empty() {
                    return Err(StoreError::invalid(
                        "plan_id",
                        format!("plan {} has no installment left to schedule", cmd.plan_id),
                    ));
                }
                let mut ids = Vec::new();
                for i in &installments {
                    let number: i64 = i.try_get("number")?;
                    let due_on: Date = crate::write::parse_date(&i.try_get::<String, _>("due_on")?)?;
                    ids.push(
                        insert_debit(
                            conn,
                            org.org_id,
                            &DebitRow {
                                mandate_id: cmd.mandate_id,
                                account_id: facts.account_id,
                                purpose: "installment",
                                amount_minor: i.try_get("amount_minor")?,
                                due_on,
                                plan: Some((cmd.plan_id, number)),
                                retry_of: None,
                                note: &format!("plan {} installment {number}", cmd.plan_id),
                            },
                        )
                        .await?,
                    );
                }
                record_change(
                    conn,
                    org.org_id,
                    cmd.mandate_id,
                    today,
                    (
                        "autopay",
                        "",
                        "",
                        &format!("plan {}", cmd.plan_id),
                        &format!("{} installments scheduled", ids.len()),
                    ),
                    None,
                )
                .await?;
                let mut views = Vec::new();
                for id in ids {
                    views.push(debit_in(conn, org.org_id, id).await?);
                }
                tx.audit(
                    org.org_id,
                    "ach.autopay",
                    &format!("account:{}", facts.account_number),
                    None,
                    Some(&serde_json::json!({ "plan_id": cmd.plan_id, "mandate_id": cmd.mandate_id, "debits": views.len() })),
                )
                .await?;
                Ok(views)
            })
        })
        .await
    }

    /// Cancels a debit not yet sent.
    pub async fn cancel_debit(&self, org: &Organisation, debit_id: i64, reason: &str) -> Result<DebitView> {
        self.write(|tx| {
            Box::pin(async move {
                let conn = tx.conn();
                let before = debit_in(conn, org.org_id, debit_id).await?;
                if before.status != DebitStatus::Scheduled.as_str() {
                    return Err(StoreError::invalid(
                        "debit_id",
                        format!("debit {debit_id} is {}; only a scheduled debit is cancelled", before.status),
                    ));
                }
                let reason = check_text("reason", reason, 200)?;
                let done = sqlx::query("UPDATE ach_debit SET status = $3, note = $4 WHERE org_id = $1 AND debit_id = $2 AND status = 'scheduled'")
                    .bind(org.org_id)
                    .bind(debit_id)
                    .bind(DebitStatus::Cancelled.as_str())
                    .bind(format!("cancelled: {reason}"))
                    .execute(&mut *conn)
                    .await?;
                if done.rows_affected() != 1 {
                    // A run sent it meanwhile: asked again, it is refused as sent.
                    return Err(StoreError::Contention);
                }
                let after = debit_in(conn, org.org_id, debit_id).await?;
                tx.audit(
                    org.org_id,
                    "ach.debit.cancel",
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
}

const DEBIT_SELECT: &str = "SELECT d.debit_id, d.mandate_id, a.account_number, d.purpose, d.amount_minor, d.due_on, d.status, d.plan_id, d.installment_no, \
     d.retry_of, d.file_id, d.trace, d.effective_on, d.payment_id, d.return_code, d.returned_on, d.settled_on, d.note FROM ach_debit d \
     JOIN account a ON a.org_id = d.org_id AND a.account_id = d.account_id";

pub(super) fn debit_from_row(r: &sqlx::any::AnyRow) -> Result<DebitView> {
    let status: DebitStatus = status(r, "status")?;
    Ok(DebitView {
        debit_id: r.try_get("debit_id")?,
        mandate_id: r.try_get("mandate_id")?,
        account_number: r.try_get("account_number")?,
        purpose: r.try_get("purpose")?,
        amount: fmt(r.try_get("amount_minor")?, Currency::USD),
        due_on: r.try_get("due_on")?,
        status: status.as_str().to_string(),
        plan_id: r.try_get("plan_id")?,
        installment_no: r.try_get("installment_no")?,
        retry_of: r.try_get("retry_of")?,
        file_id: r.try_get("file_id")?,
        trace: r.try_get("trace")?,
        effective_on: r.try_get("effective_on")?,
        payment_id: r.try_get("payment_id")?,
        return_code: r.try_get("return_code")?,
        returned_on: r.try_get("returned_on")?,
        settled_on: r.try_get("settled_on")?,
        note: r.try_get("note")?,
    })
}

pub(super) async fn debit_in(conn: &mut AnyConnection, org_id: i64, debit_id: i64) -> Result<DebitView> {
    let r = sqlx::query(&format!("{DEBIT_SELECT} WHERE d.org_id = $1 AND d.debit_id = $2"))
        .bind(org_id)
        .bind(debit_id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::not_found("debit", debit_id))?;
    debit_from_row(&r)
}

/// Debits by status and account, newest first, at most `limit`.
pub(super) async fn debits_in(
    conn: &mut AnyConnection,
    org_id: i64,
    status: Option<DebitStatus>,
    account_id: Option<i64>,
    limit: i64,
) -> Result<Vec<DebitView>> {
    let mut sql = format!("{DEBIT_SELECT} WHERE d.org_id = $1");
    if status.is_some() {
        sql.push_str(" AND d.status = $2");
    } else {
        sql.push_str(" AND $2 = ''");
    }
    if account_id.is_some() {
        sql.push_str(" AND d.account_id = $3");
    } else {
        sql.push_str(" AND $3 = 0");
    }
    sql.push_str(" ORDER BY d.debit_id DESC LIMIT $4");
    let rows = sqlx::query(&sql)
        .bind(org_id)
        .bind(status.map_or("", |s| s.as_str()))
        .bind(account_id.unwrap_or(0))
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(debit_from_row).collect()
}
