//! Disputes: received (a written dispute in the validation period halts
//! collection until verification is sent, 12 CFR 1006.38(d)(2)), answered
//! with verification, and requests for the original creditor's name.

use crate::collections::bad;
use crate::platform::audit::current_actor;
use crate::platform::Organisation;
use crate::write::next_ids;
use crate::{now_text, Result, Store, StoreError};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use settle_domain::compliance::{self};
use sqlx::{AnyConnection, Row};

/// A dispute received.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDispute {
    pub account_number: String,
    pub received_on: Date,
    #[serde(default)]
    pub note: String,
    /// Not a dispute of the debt but a written request for the original
    /// creditor's name and address (12 CFR 1006.38(c)): it halts collection
    /// alike until the answer is sent (recorded as its verification).
    #[serde(default)]
    pub original_creditor: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct DisputeView {
    pub dispute_id: i64,
    pub account_number: String,
    pub received_on: String,
    pub note: String,
    pub verification_sent_on: Option<String>,
    /// Received within the validation period: collection waits for verification.
    pub within_validation_period: bool,
    /// dispute, or original_creditor (a request for the original creditor's name and address).
    pub kind: String,
}

/// The `dispute` columns [`dispute_from`] reads, in order.
pub(super) const DISPUTE_COLUMNS: &str = "received_on, verification_sent_on, kind";

/// The gate's view of a dispute, from the columns of [`DISPUTE_COLUMNS`].
pub(super) fn dispute_from(row: &sqlx::any::AnyRow) -> Result<compliance::Dispute> {
    let received: String = row.try_get("received_on")?;
    Ok(compliance::Dispute {
        received_on: received.parse().map_err(|e| StoreError::Corrupt(format!("dispute date {received:?}: {e}")))?,
        verification_sent_on: row.try_get::<Option<String>, _>("verification_sent_on")?.and_then(|t| t.parse().ok()),
        original_creditor: row.try_get::<String, _>("kind")? == "original_creditor",
    })
}

impl Store {
    /// Records a dispute; within the validation period it halts collection
    /// until `dispute_verified`.
    pub async fn record_dispute(&self, org: &Organisation, cmd: &NewDispute) -> Result<DisputeView> {
        self.write(|tx| {
            Box::pin(async move {
                let conn = tx.conn();
                let known = self.known(conn, org.org_id, &cmd.account_number).await?;
                let id = next_ids(conn, org.org_id, "dispute", 1).await?;
                sqlx::query(
                    "INSERT INTO dispute (org_id, dispute_id, account_id, received_on, note, verification_sent_on, recorded_by, recorded_at, kind) \
                 VALUES ($1, $2, $3, $4, $5, NULL, $6, $7, $8)",
                )
                .bind(org.org_id)
                .bind(id)
                .bind(known.account_id)
                .bind(cmd.received_on.to_string())
                .bind(cmd.note.trim())
                .bind(current_actor().name)
                .bind(now_text())
                .bind(if cmd.original_creditor { "original_creditor" } else { "dispute" })
                .execute(&mut *conn)
                .await?;
                let view = self.dispute_in(conn, org.org_id, id).await?;
                tx.audit(
                    org.org_id,
                    "dispute.record",
                    &format!("account:{}", known.account_number),
                    None,
                    Some(&serde_json::to_value(&view)?),
                )
                .await?;
                Ok(view)
            })
        })
        .await
    }

    /// The verification of a dispute was sent: collection may go on.
    pub async fn dispute_verified(&self, org: &Organisation, dispute_id: i64, sent_on: Date) -> Result<DisputeView> {
        self.write(|tx| {
            Box::pin(async move {
                let conn = tx.conn();
                let before = self.dispute_in(conn, org.org_id, dispute_id).await?;
                if before.verification_sent_on.is_some() {
                    return Err(bad("dispute", format!("dispute {dispute_id}'s verification was already sent")));
                }
                if sent_on.to_string() < before.received_on {
                    return Err(bad(
                        "sent_on",
                        format!("{sent_on} is before the dispute arrived ({}); the verification answers it", before.received_on),
                    ));
                }
                sqlx::query("UPDATE dispute SET verification_sent_on = $3 WHERE org_id = $1 AND dispute_id = $2")
                    .bind(org.org_id)
                    .bind(dispute_id)
                    .bind(sent_on.to_string())
                    .execute(&mut *conn)
                    .await?;
                let after = self.dispute_in(conn, org.org_id, dispute_id).await?;
                tx.audit(
                    org.org_id,
                    "dispute.verified",
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

    async fn dispute_in(&self, conn: &mut AnyConnection, org_id: i64, dispute_id: i64) -> Result<DisputeView> {
        let r = sqlx::query(
            "SELECT d.dispute_id, a.account_number, d.received_on, d.note, d.verification_sent_on, p.validation_sent_on, d.kind FROM dispute d \
             JOIN account a ON a.org_id = d.org_id AND a.account_id = d.account_id \
             LEFT JOIN collection_profile p ON p.org_id = d.org_id AND p.account_id = d.account_id WHERE d.org_id = $1 AND d.dispute_id = $2",
        )
        .bind(org_id)
        .bind(dispute_id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::not_found("dispute", dispute_id))?;
        let received: String = r.try_get("received_on")?;
        let within = r
            .try_get::<Option<String>, _>("validation_sent_on")?
            .and_then(|v| v.parse::<Date>().ok())
            .is_some_and(|sent| {
                received
                    .parse::<Date>()
                    .is_ok_and(|d| d <= settle_domain::calendar::validation_period_end(sent))
            });
        Ok(DisputeView {
            dispute_id: r.try_get("dispute_id")?,
            account_number: r.try_get("account_number")?,
            received_on: received,
            note: r.try_get("note")?,
            verification_sent_on: r.try_get("verification_sent_on")?,
            within_validation_period: within,
            kind: r.try_get("kind")?,
        })
    }

    /// The account's disputes.
    pub async fn disputes(&self, org: &Organisation, account_number: &str) -> Result<Vec<DisputeView>> {
        self.note_read(org.org_id, "disputes.read", &format!("account:{}", account_number.trim().to_ascii_uppercase()))
            .await?;
        let mut conn = self.pool().acquire().await?;
        let account = self.account_by_number(&mut conn, org.org_id, account_number).await?;
        let ids: Vec<i64> = sqlx::query("SELECT dispute_id FROM dispute WHERE org_id = $1 AND account_id = $2 ORDER BY dispute_id")
            .bind(org.org_id)
            .bind(account.account_id)
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| r.try_get("dispute_id"))
            .collect::<std::result::Result<_, _>>()?;
        let mut out = Vec::new();
        for id in ids {
            out.push(self.dispute_in(&mut conn, org.org_id, id).await?);
        }
        Ok(out)
    }
}
