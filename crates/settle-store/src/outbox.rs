//! The email outbox: emails the contact gate allowed wait here until the
//! sender (in `settle serve`, or `settle outbox send`) hands them to an SMTP
//! server. A failed attempt is retried after 2, 4, 8 and 16 minutes; after
//! the fifth it is given up as failed, with the server's last answer kept.
//! The store does no network I/O: it says what is due and records what the
//! sender reports.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::ops::Organisation;
use crate::{Result, Store, StoreError};

/// Attempts before an email is given up.
pub const MAX_ATTEMPTS: i64 = 5;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct OutboxEmail {
    pub org_id: i64,
    pub email_id: i64,
    pub account_number: String,
    pub to_address: String,
    pub subject: String,
    pub body: String,
    /// queued, sent, failed
    pub status: String,
    pub attempts: i64,
    pub not_before: String,
    pub last_error: String,
    pub sent_at: Option<String>,
}

const SELECT: &str =
    "SELECT e.org_id, e.email_id, a.account_number, e.to_address, e.subject, e.body, e.status, e.attempts, e.not_before, e.last_error, e.sent_at \
     FROM email_outbox e JOIN account a ON a.org_id = e.org_id AND a.account_id = e.account_id";

fn from_row(r: &sqlx::any::AnyRow) -> Result<OutboxEmail> {
    Ok(OutboxEmail {
        org_id: r.try_get(0)?,
        email_id: r.try_get(1)?,
        account_number: r.try_get(2)?,
        to_address: r.try_get(3)?,
        subject: r.try_get(4)?,
        body: r.try_get(5)?,
        status: r.try_get(6)?,
        attempts: r.try_get(7)?,
        not_before: r.try_get(8)?,
        last_error: r.try_get(9)?,
        sent_at: r.try_get(10)?,
    })
}

impl Store {
    /// Emails due at `now`, every organisation's, oldest first.
    pub async fn due_emails(&self, now: Timestamp, limit: i64) -> Result<Vec<OutboxEmail>> {
        let mut conn = self.pool().acquire().await?;
        sqlx::query(&format!(
            "{SELECT} WHERE e.status = 'queued' AND e.not_before <= $1 ORDER BY e.not_before, e.org_id, e.email_id LIMIT $2"
        ))
        .bind(now.to_string())
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(from_row)
        .collect()
    }

    /// The organisation's outbox, newest first; one status, or all.
    pub async fn outbox(&self, org: &Organisation, status: Option<&str>, limit: i64) -> Result<Vec<OutboxEmail>> {
        let mut conn = self.pool().acquire().await?;
        let sql = format!(
            "{SELECT} WHERE e.org_id = $1 {} ORDER BY e.email_id DESC LIMIT {}",
            if status.is_some() { "AND e.status = $2" } else { "" },
            limit.clamp(1, 10_000)
        );
        let mut q = sqlx::query(&sql).bind(org.org_id);
        if let Some(s) = status {
            q = q.bind(s.to_string());
        }
        q.fetch_all(&mut *conn).await?.iter().map(from_row).collect()
    }

    /// The SMTP server took the email.
    pub async fn email_sent(&self, org_id: i64, email_id: i64, at: Timestamp) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query("UPDATE email_outbox SET status = 'sent', attempts = attempts + 1, sent_at = $3, last_error = '' WHERE org_id = $1 AND email_id = $2 AND status = 'queued'")
            .bind(org_id)
            .bind(email_id)
            .bind(at.to_string())
            .execute(tx.conn())
            .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Contention);
        }
        tx.commit().await
    }

    /// The attempt failed: retried later with a doubling wait, or given up
    /// after [`MAX_ATTEMPTS`]. Returns whether it will be tried again.
    pub async fn email_failed(&self, org_id: i64, email_id: i64, error: &str, at: Timestamp) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let conn = tx.conn();
        let attempts: i64 = sqlx::query("SELECT attempts FROM email_outbox WHERE org_id = $1 AND email_id = $2")
            .bind(org_id)
            .bind(email_id)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| StoreError::not_found("email", email_id))?
            .try_get(0)?;
        let attempts = attempts + 1;
        let again = attempts < MAX_ATTEMPTS;
        let next = at.checked_add(SignedDuration::from_mins(2i64.pow(attempts.clamp(1, 10) as u32))).unwrap_or(at);
        sqlx::query("UPDATE email_outbox SET attempts = $3, last_error = $4, not_before = $5, status = $6 WHERE org_id = $1 AND email_id = $2")
            .bind(org_id)
            .bind(email_id)
            .bind(attempts)
            .bind(error.chars().take(500).collect::<String>())
            .bind(next.to_string())
            .bind(if again { "queued" } else { "failed" })
            .execute(&mut *conn)
            .await?;
        tx.commit().await?;
        Ok(again)
    }
}
