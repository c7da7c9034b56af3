//! Write-offs in bulk: the small balances left open across accounts, and
//! several adjustments asked for at once, all checked and then all posted
//! (or held, above the approval limit) in one transaction, or none when any
//! one is refused, named by its place in the list and its item.

use serde::{Deserialize, Serialize};
use settle_domain::money::Money;
use sqlx::Row;

use crate::batch::Batch;
use crate::billing::office::AdjustmentOutcome;
use crate::billing::NewAdjustment;
use crate::platform::Organisation;
use crate::write::fmt;
use crate::{Result, Store, StoreError};

/// Most adjustments one request may carry.
pub const MAX_BULK: usize = 1_000;

/// An open item whose balance is small.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct SmallBalance {
    pub account_number: String,
    pub name: String,
    pub reference: String,
    pub description: String,
    pub due_date: String,
    pub currency: String,
    pub balance: String,
}

impl Store {
    /// Open items with a balance above zero and at most `under`, oldest due
    /// first, at most `limit` of them.
    pub async fn small_balances(&self, org: &Organisation, under: Money, limit: i64) -> Result<Vec<SmallBalance>> {
        if under.amount_minor() <= 0 {
            return Err(StoreError::invalid("under", "must be more than zero"));
        }
        self.note_read(org.org_id, "item.list", "small-balances").await?;
        let rows = sqlx::query(&format!(
            "SELECT a.account_number, p.name, o.reference, o.description, o.due_date, o.currency, o.balance_minor \
             FROM open_item o JOIN account a ON a.org_id = o.org_id AND a.account_id = o.account_id \
             JOIN party p ON p.org_id = a.org_id AND p.party_id = a.party_id \
             WHERE o.org_id = $1 AND o.balance_minor > 0 AND o.balance_minor <= $2 AND o.currency = $3 \
             ORDER BY o.due_date, o.item_id LIMIT {}",
            limit.clamp(1, 10_000)
        ))
        .bind(org.org_id)
        .bind(under.amount_minor())
        .bind(under.currency().code())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let cur = under.currency();
                Ok(SmallBalance {
                    account_number: r.try_get("account_number")?,
                    name: r.try_get("name")?,
                    reference: r.try_get("reference")?,
                    description: r.try_get("description")?,
                    due_date: r.try_get("due_date")?,
                    currency: cur.code().to_string(),
                    balance: fmt(r.try_get("balance_minor")?, cur),
                })
            })
            .collect()
    }

    /// Several adjustments at once (a bulk write-off): each checked as
    /// [`Store::submit_adjustment`] checks one, then every one posted, or
    /// held when it is a write-off above the approval limit, in one
    /// transaction. If any is refused, nothing is written and the refusal
    /// names its place (from 1) and its item. One item may appear once.
    pub async fn submit_adjustments(&self, org: &Organisation, cmds: &[NewAdjustment]) -> Result<Vec<AdjustmentOutcome>> {
        if cmds.is_empty() {
            return Err(StoreError::invalid("adjustments", "choose at least one item"));
        }
        if cmds.len() > MAX_BULK {
            return Err(StoreError::invalid("adjustments", format!("{} items; at most {MAX_BULK} at once", cmds.len())));
        }
        let mut seen = std::collections::HashSet::new();
        for (i, cmd) in cmds.iter().enumerate() {
            let reference = cmd.reference.trim().to_ascii_uppercase();
            if !seen.insert(reference.clone()) {
                return Err(StoreError::invalid("adjustments", format!("item {} ({reference}) is chosen twice", i + 1)));
            }
        }
        self.write(|tx| {
            Box::pin(async move {
                let limit = self.writeoff_limit_minor(tx.conn(), org.org_id).await?;
                let mut batch = Batch::default();
                let mut outcomes = Vec::with_capacity(cmds.len());
                for (i, cmd) in cmds.iter().enumerate() {
                    let place = |e: StoreError| match e {
                        StoreError::Invalid { field, message } => StoreError::invalid(
                            "adjustments",
                            format!("item {} ({}): {field} {message}; nothing was written off", i + 1, cmd.reference.trim()),
                        ),
                        StoreError::NotFound { .. } => StoreError::invalid(
                            "adjustments",
                            format!("item {} ({}) is not an open item; nothing was written off", i + 1, cmd.reference.trim()),
                        ),
                        other => other,
                    };
                    let checked = self.check_adjustment(tx.conn(), org.org_id, cmd).await.map_err(place)?;
                    let reference = checked.item.reference.clone();
                    let outcome = self.post_or_hold(tx.conn(), org.org_id, cmd, checked, limit, &mut batch).await?;
                    let after = serde_json::json!({ "request": cmd, "result": &outcome, "bulk": { "place": i + 1, "of": cmds.len() } });
                    tx.audit(org.org_id, "adjustment.submit", &format!("item:{reference}"), None, Some(&after))
                        .await?;
                    outcomes.push(outcome);
                }
                batch.flush(tx.conn(), org.org_id).await?;
                Ok(outcomes)
            })
        })
        .await
    }
}
