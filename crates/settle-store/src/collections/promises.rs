//! Promises to pay: an amount by a date, kept when the payments since reach it
//! (three days' grace), broken once its last day passes; reviewed daily.

use crate::collections::bad;
use crate::platform::audit::current_actor;
use crate::platform::Organisation;
use crate::write::next_ids;
use crate::write::status;
use crate::write::Unaudited;
use crate::{now_text, Result, Store, StoreError};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use settle_domain::status::PromiseStatus;
use sqlx::{AnyConnection, Row};

/// A promise to pay, as the consumer made it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPromise {
    pub account_number: String,
    /// A decimal amount, such as "150.00".
    pub amount: String,
    /// The day they promised to pay by: today or later.
    pub due_on: Date,
    #[serde(default)]
    pub note: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct PromiseView {
    pub promise_id: i64,
    pub account_number: String,
    pub amount: String,
    pub made_on: String,
    pub due_on: String,
    /// The last day a payment still keeps it (the date plus the grace days).
    pub last_day: String,
    /// pending, kept or broken, as of the day asked; cancelled when a newer promise replaced it.
    pub status: String,
    pub kept_on: Option<String>,
    pub note: String,
    pub recorded_by: String,
}

/// Promises to list: one account's, or the organisation's in one status.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PromiseFilter {
    pub account_number: Option<String>,
    /// pending, kept or broken.
    pub status: Option<String>,
}

/// What a review changed.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct PromiseReview {
    pub as_of: String,
    pub kept: Vec<PromiseView>,
    pub broken: Vec<PromiseView>,
    pub still_pending: i64,
}

impl Store {
    /// Payments into the account since `since`, reversals as negative amounts on their own day.
    pub(super) async fn payments_since(&self, conn: &mut AnyConnection, org_id: i64, account_id: i64, since: &str) -> Result<Vec<(Date, i64)>> {
        let rows = sqlx::query(
            "SELECT p.received_on, p.amount_minor, e.effective_date FROM payment p \
             LEFT JOIN journal_entry e ON e.org_id = p.org_id AND e.entry_id = p.reversal_entry_id \
             WHERE p.org_id = $1 AND p.account_id = $2 AND (p.received_on >= $3 OR e.effective_date >= $3)",
        )
        .bind(org_id)
        .bind(account_id)
        .bind(since)
        .fetch_all(&mut *conn)
        .await?;
        let mut out = Vec::new();
        for r in rows {
            let on: Date = r
                .try_get::<String, _>("received_on")?
                .parse()
                .map_err(|e| StoreError::Corrupt(format!("payment date: {e}")))?;
            let amount: i64 = r.try_get("amount_minor")?;
            out.push((on, amount));
            if let Some(back) = r.try_get::<Option<String>, _>("effective_date")? {
                let back: Date = back.parse().map_err(|e| StoreError::Corrupt(format!("reversal date: {e}")))?;
                out.push((back, -amount));
            }
        }
        Ok(out)
    }

    /// Records a promise to pay; refused (nothing written) if it is not
    /// positive, dated in the past, or more than the account owes.
    pub async fn record_promise(&self, org: &Organisation, cmd: &NewPromise, today: Date) -> Result<PromiseView> {
        self.write(|tx| Box::pin(async move {
            let conn = tx.conn();
            let account = self.account_by_number(conn, org.org_id, &cmd.account_number).await?;
            let amount = settle_domain::money::Money::parse(&cmd.amount, account.currency).map_err(|e| bad("amount", e))?;
            settle_domain::promises::check_new(amount, cmd.due_on, account.balance_minor, today).map_err(|e| match e {
                settle_domain::promises::PromiseError::InThePast { .. } => bad("due_on", e),
                _ => bad("amount", e),
            })?;
            // One promise stands at a time: a new one supersedes what is pending,
            // so the same payment never keeps two.
            sqlx::query("UPDATE promise SET status = 'cancelled', reviewed_at = $3 WHERE org_id = $1 AND account_id = $2 AND status = 'pending'")
                .bind(org.org_id)
                .bind(account.account_id)
                .bind(now_text())
                .execute(&mut *conn)
                .await?;
            let id = next_ids(conn, org.org_id, "promise", 1).await?;
            sqlx::query(
                "INSERT INTO promise (org_id, promise_id, account_id, currency, amount_minor, made_on, due_on, status, kept_on, note, recorded_by, recorded_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', NULL, $8, $9, $10)",
            )
            .bind(org.org_id)
            .bind(id)
            .bind(account.account_id)
            .bind(account.currency.code())
            .bind(amount.amount_minor())
            .bind(today.to_string())
            .bind(cmd.due_on.to_string())
            .bind(cmd.note.trim())
            .bind(current_actor().name)
            .bind(now_text())
            .execute(&mut *conn)
            .await?;
            let view = self.promises_in(conn, org, "AND x.promise_id = $2", Some(id), today).await?.remove(0);
            tx.audit(
                org.org_id,
                "promise.record",
                &format!("account:{}", account.account_number),
                None,
                Some(&serde_json::to_value(&view)?),
            )
            .await?;
            Ok(view)
        }))
        .await
    }

    async fn promises_in(&self, conn: &mut AnyConnection, org: &Organisation, filter: &str, id: Option<i64>, as_of: Date) -> Result<Vec<PromiseView>> {
        let sql = format!(
            "SELECT x.promise_id, a.account_number, x.currency, x.amount_minor, x.made_on, x.due_on, x.status, x.kept_on, x.note, x.recorded_by, x.account_id \
             FROM promise x JOIN account a ON a.org_id = x.org_id AND a.account_id = x.account_id WHERE x.org_id = $1 {filter} \
             ORDER BY x.due_on, x.promise_id LIMIT 1000"
        );
        let mut q = sqlx::query(&sql).bind(org.org_id);
        if let Some(id) = id {
            q = q.bind(id);
        }
        let rows = q.fetch_all(&mut *conn).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let currency = settle_domain::money::Currency::from_code(&r.try_get::<String, _>("currency")?).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            let amount: i64 = r.try_get("amount_minor")?;
            let made_on: String = r.try_get("made_on")?;
            let due_on: String = r.try_get("due_on")?;
            let parse = |t: &str| t.parse::<Date>().map_err(|e| StoreError::Corrupt(format!("promise date: {e}")));
            let (made, due) = (parse(&made_on)?, parse(&due_on)?);
            let stored: PromiseStatus = status(&r, "status")?;
            // A cancelled promise stays as it was; the others are decided from the payments as of the day asked.
            let (status, kept_on) = if stored == PromiseStatus::Cancelled {
                (stored.as_str().to_string(), r.try_get::<Option<String>, _>("kept_on")?)
            } else {
                let payments = self.payments_since(conn, org.org_id, r.try_get("account_id")?, &made_on).await?;
                match settle_domain::promises::state(amount, made, due, &payments, as_of) {
                    settle_domain::promises::PromiseState::Kept(on) => (PromiseStatus::Kept.as_str().to_string(), Some(on.to_string())),
                    other => (other.as_str().to_string(), None),
                }
            };
            out.push(PromiseView {
                promise_id: r.try_get("promise_id")?,
                account_number: r.try_get("account_number")?,
                amount: settle_domain::money::Money::from_minor(amount, currency).to_decimal_string(),
                made_on,
                due_on,
                last_day: settle_domain::promises::last_day(due).to_string(),
                status,
                kept_on,
                note: r.try_get("note")?,
                recorded_by: r.try_get("recorded_by")?,
            });
        }
        Ok(out)
    }

    /// Promises as of `as_of`, each decided from the payments received.
    pub async fn promises(&self, org: &Organisation, filter: &PromiseFilter, as_of: Date) -> Result<Vec<PromiseView>> {
        self.note_read(org.org_id, "promise.list", "promises").await?;
        let mut conn = self.pool().acquire().await?;
        let list = match &filter.account_number {
            Some(n) => {
                let account = self.account_by_number(&mut conn, org.org_id, n).await?;
                self.promises_in(&mut conn, org, "AND x.account_id = $2", Some(account.account_id), as_of)
                    .await?
            }
            None => self.promises_in(&mut conn, org, "", None, as_of).await?,
        };
        Ok(match filter.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => {
                let wanted: PromiseStatus = s.parse().map_err(|_| {
                    let all: Vec<&str> = PromiseStatus::ALL.iter().map(|s| s.as_str()).collect();
                    bad("status", format!("{s:?} is not one of {}", all.join(", ")))
                })?;
                list.into_iter().filter(|p| p.status == wanted.as_str()).collect()
            }
            None => list,
        })
    }

    /// Decides every pending promise as of `as_of` and keeps the answer:
    /// kept when the payments reached it by its last day, broken when that
    /// day passed. Running it twice for one day changes nothing the second time.
    pub async fn review_promises(&self, org: &Organisation, as_of: Date) -> Result<PromiseReview> {
        self.write(|tx| {
            Box::pin(async move {
                let conn = tx.conn();
                let pending = self.promises_in(conn, org, "AND x.status = 'pending'", None, as_of).await?;
                let mut review = PromiseReview {
                    as_of: as_of.to_string(),
                    ..PromiseReview::default()
                };
                for p in pending {
                    let decided: PromiseStatus = crate::write::status_of(&p.status)?;
                    if decided == PromiseStatus::Pending {
                        review.still_pending += 1;
                        continue;
                    }
                    sqlx::query("UPDATE promise SET status = $3, kept_on = $4, reviewed_at = $5 WHERE org_id = $1 AND promise_id = $2 AND status = 'pending'")
                        .bind(org.org_id)
                        .bind(p.promise_id)
                        .bind(&p.status)
                        .bind(&p.kept_on)
                        .bind(now_text())
                        .execute(tx.conn())
                        .await?;
                    tx.audit(
                        org.org_id,
                        if decided == PromiseStatus::Kept { "promise.kept" } else { "promise.broken" },
                        &format!("account:{}", p.account_number),
                        None,
                        Some(&serde_json::to_value(&p)?),
                    )
                    .await?;
                    if decided == PromiseStatus::Kept {
                        review.kept.push(p);
                    } else {
                        review.broken.push(p);
                    }
                }
                if review.kept.is_empty() && review.broken.is_empty() {
                    tx.unaudited(Unaudited::NothingWritten);
                }
                Ok(review)
            })
        })
        .await
    }
}
