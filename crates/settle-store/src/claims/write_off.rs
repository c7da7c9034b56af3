//! A claim the payer will never pay, written off: past its timely filing
//! limit (the follow-up list says so, with the reason ready), or not worth
//! working. What the payer still owes on each line is adjusted off as
//! contractual (the provider's loss, as CARC 29 has it: never moved to the
//! patient), and the claim is closed with the reason on its history.

use serde::{Deserialize, Serialize};
use settle_domain::claims::ClaimStatus;
use settle_domain::Date;
use sqlx::Row;

use crate::batch::Batch;
use crate::billing::NewAdjustment;
use crate::platform::audit::Subject;
use crate::platform::Organisation;
use crate::write::{audited, check_text, fmt, write_command, Audited};
use crate::{Result, Store, StoreError};

/// A claim written off.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WriteOffClaim {
    /// The claim (from the path, over the API).
    #[serde(default)]
    pub claim_number: String,
    /// The day of the adjustment; today if absent.
    #[serde(default)]
    pub date: Option<Date>,
    /// Why: the follow-up list offers the reason for a claim past its limit.
    #[schema(example = "The payer's timely filing limit passed on 2026-11-30 (CARC 29).")]
    pub memo: String,
}

audited! {
    WriteOffClaim => "claim.write_off", |c| Subject::Claim(c.claim_number.clone());
}

impl Store {
    /// Writes off what the payer still owes on an open claim and closes it.
    pub async fn write_off_claim(&self, org: &Organisation, cmd: &WriteOffClaim, today: Date) -> Result<String> {
        let memo = check_text("memo", &cmd.memo, 500)?;
        if memo.is_empty() {
            return Err(StoreError::invalid("memo", "say why the claim is written off"));
        }
        let date = cmd.date.unwrap_or(today);
        if date > today {
            return Err(StoreError::invalid("date", format!("{date} is in the future")));
        }
        let cur = Self::currency(org)?;
        let number = cmd.claim_number.trim().to_ascii_uppercase();
        let (memo, number) = (&memo, &number);
        let total = write_command!(self, org.org_id, None::<&settle_domain::IdempotencyKey>, cmd, |tx| {
            let conn = tx.conn();
            let head = sqlx::query("SELECT claim_id, status FROM claim WHERE org_id = $1 AND claim_number = $2")
                .bind(org.org_id)
                .bind(number)
                .fetch_optional(&mut *conn)
                .await?
                .ok_or_else(|| StoreError::not_found("claim", number))?;
            let claim_id: i64 = head.try_get("claim_id")?;
            let text: String = head.try_get("status")?;
            let status = ClaimStatus::parse(&text).ok_or_else(|| StoreError::Corrupt(format!("claim status {text}")))?;
            if !matches!(
                status,
                ClaimStatus::Submitted | ClaimStatus::Accepted | ClaimStatus::Rejected | ClaimStatus::Denied | ClaimStatus::PartiallyPaid
            ) {
                return Err(StoreError::invalid(
                    "claim_number",
                    format!("{number} is {}; only a claim sent and not finished with is written off here", status.as_str()),
                ));
            }
            let items = sqlx::query(
                "SELECT o.reference, o.balance_minor FROM claim_line l JOIN open_item o ON o.org_id = l.org_id AND o.item_id = l.item_id \
                 WHERE l.org_id = $1 AND l.claim_id = $2 AND o.balance_minor > 0 ORDER BY l.line_no",
            )
            .bind(org.org_id)
            .bind(claim_id)
            .fetch_all(&mut *conn)
            .await?;
            if items.is_empty() {
                return Err(StoreError::invalid("claim_number", format!("the payer owes nothing on {number}")));
            }
            let mut batch = Batch::default();
            let mut total = 0_i64;
            for item in &items {
                let balance: i64 = item.try_get("balance_minor")?;
                total += balance;
                let adjustment = NewAdjustment {
                    reference: item.try_get("reference")?,
                    reason: "contractual".into(),
                    amount: fmt(balance, cur),
                    date,
                    memo: format!("claim {number} written off: {memo}"),
                };
                self.stage_adjustment(conn, org.org_id, &adjustment, &mut batch).await?;
            }
            batch.flush(conn, org.org_id).await?;
            crate::claims::rows::set_status_keep_findings(
                conn,
                org.org_id,
                claim_id,
                ClaimStatus::Closed,
                &format!("closed: {} written off: {memo}", fmt(total, cur)),
            )
            .await?;
            total
        })?;
        Ok(fmt(total, cur))
    }
}
