//! Settlements: a discount with an expiry, a coordinator's approval over the
//! policy's limit (never one's own), the rest adjusted off when paid; reviewed
//! daily.

use crate::batch::Batch;
use crate::billing::NewAdjustment;
use crate::collections::bad;
use crate::collections::contacts::DecisionView;
use crate::collections::validation_notice::LetterView;
use crate::platform::audit::current_actor;
use crate::platform::Organisation;
use crate::write::{fmt, next_ids};
use crate::write::{Unaudited, Write};
use crate::{now_text, Result, Store, StoreError};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use settle_domain::money::{Currency, Money};
use settle_domain::plans::{self};
use settle_domain::status::SettlementStatus;
use settle_pdf::letters::SettlementTerms;
use sqlx::{AnyConnection, Row};

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSettlement {
    pub account_number: String,
    /// What will settle the account in full.
    pub amount: String,
    pub expires_on: Date,
    #[serde(default)]
    pub note: String,
    /// Send the offer letter (through the contact gate) once it may be offered.
    #[serde(default)]
    pub send_offer: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct SettlementView {
    pub settlement_id: i64,
    pub account_number: String,
    pub balance: String,
    pub amount: String,
    /// "30.00"
    pub discount_percent: String,
    pub offered_on: String,
    pub expires_on: String,
    /// awaiting_approval, offered, paid, expired, declined, cancelled
    pub status: String,
    pub approved_by: Option<String>,
    pub paid_on: Option<String>,
    pub adjustment_entry_id: Option<i64>,
    pub letter_id: Option<i64>,
    pub note: String,
    pub created_by: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct SettlementMade {
    pub settlement: SettlementView,
    pub offer: Option<LetterView>,
    pub decision: Option<DecisionView>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct SettlementReview {
    pub paid: i64,
    pub expired: i64,
}

fn percent(bp: i64) -> String {
    format!("{}.{:02}", bp / 100, bp % 100)
}

impl Store {
    /// Offers a settlement. A discount above the organisation's limit waits
    /// for a coordinator's approval before it may be offered.
    pub async fn offer_settlement(&self, org: &Organisation, cmd: &NewSettlement, today: Date) -> Result<SettlementMade> {
        self.write(|tx| Box::pin(async move {
            let conn = tx.conn();
            let account = self.account_by_number(conn, org.org_id, &cmd.account_number).await?;
            let settings = self.collections_settings_in(conn, org).await?;
            let amount = Money::parse(&cmd.amount, account.currency).map_err(|e| bad("amount", e))?.amount_minor();
            plans::check_settlement(account.balance_minor, amount, cmd.expires_on, today).map_err(|e| {
                let text = e.to_string();
                let (field, message) = text.split_once(": ").unwrap_or(("amount", text.as_str()));
                bad(if field == "expires_on" { "expires_on" } else { "amount" }, message)
            })?;
            let open: Option<i64> =
                sqlx::query("SELECT settlement_id FROM settlement WHERE org_id = $1 AND account_id = $2 AND status IN ('awaiting_approval', 'offered')")
                    .bind(org.org_id)
                    .bind(account.account_id)
                    .fetch_optional(&mut *conn)
                    .await?
                    .map(|r| r.try_get("settlement_id"))
                    .transpose()?;
            if let Some(s) = open {
                return Err(bad(
                    "account_number",
                    format!("account {} already has settlement {s} open; cancel it first", account.account_number),
                ));
            }
            let discount = plans::discount_bp(account.balance_minor, amount);
            let status = if discount > settings.settlement_limit_bp {
                SettlementStatus::AwaitingApproval
            } else {
                SettlementStatus::Offered
            };
            let id = next_ids(conn, org.org_id, "settlement", 1).await?;
            sqlx::query(
                "INSERT INTO settlement (org_id, settlement_id, account_id, currency, balance_minor, amount_minor, discount_bp, offered_on, expires_on, status, note, \
                 created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            )
            .bind(org.org_id)
            .bind(id)
            .bind(account.account_id)
            .bind(account.currency.code())
            .bind(account.balance_minor)
            .bind(amount)
            .bind(discount)
            .bind(today.to_string())
            .bind(cmd.expires_on.to_string())
            .bind(status.as_str())
            .bind(cmd.note.trim())
            .bind(current_actor().name)
            .bind(now_text())
            .execute(&mut *conn)
            .await?;
            let (offer, decision) = if status == SettlementStatus::Offered && cmd.send_offer {
                let (l, d) = self.send_offer_in(tx, org, id, today).await?;
                (l, Some(d))
            } else {
                (None, None)
            };
            let settlement = self.settlement_in(tx.conn(), org.org_id, id).await?;
            tx.audit(
                org.org_id,
                "settlement.offer",
                &format!("account:{}", account.account_number),
                None,
                Some(&serde_json::to_value(&settlement)?),
            )
            .await?;
            Ok(SettlementMade { settlement, offer, decision })
        }))
        .await
    }

    async fn send_offer_in(&self, tx: &mut Write<'_>, org: &Organisation, id: i64, today: Date) -> Result<(Option<LetterView>, DecisionView)> {
        let conn = tx.conn();
        let s = self.settlement_in(conn, org.org_id, id).await?;
        let account_id: i64 = sqlx::query("SELECT account_id FROM settlement WHERE org_id = $1 AND settlement_id = $2")
            .bind(org.org_id)
            .bind(id)
            .fetch_one(&mut *conn)
            .await?
            .try_get("account_id")?;
        let terms = SettlementTerms {
            balance: s.balance.clone(),
            amount: s.amount.clone(),
            discount: format!("{}%", s.discount_percent),
            expires_on: s.expires_on.clone(),
        };
        let (letter, decision) = self
            .send_letter_in(tx, org, account_id, "settlement_offer", today, |l| l.settlement = Some(terms))
            .await?;
        if let Some(l) = &letter {
            sqlx::query("UPDATE settlement SET letter_id = $3 WHERE org_id = $1 AND settlement_id = $2")
                .bind(org.org_id)
                .bind(id)
                .bind(l.letter_id)
                .execute(tx.conn())
                .await?;
        }
        Ok((letter, decision))
    }

    /// A coordinator approves a settlement awaiting approval (never their own
    /// offer); it becomes an offer, and its letter may go.
    pub async fn approve_settlement(&self, org: &Organisation, id: i64, send_offer: bool, today: Date) -> Result<SettlementMade> {
        self.write(|tx| {
            Box::pin(async move {
                let conn = tx.conn();
                let before = self.settlement_in(conn, org.org_id, id).await?;
                if crate::write::status_of::<SettlementStatus>(&before.status)? != SettlementStatus::AwaitingApproval {
                    return Err(bad(
                        "settlement_id",
                        format!("settlement {id} is {}; only one awaiting approval can be approved", before.status),
                    ));
                }
                let actor = current_actor().name;
                if actor == before.created_by {
                    return Err(bad(
                        "settlement_id",
                        "a settlement is approved by someone other than the person who proposed it",
                    ));
                }
                sqlx::query("UPDATE settlement SET status = 'offered', approved_by = $3, approved_at = $4 WHERE org_id = $1 AND settlement_id = $2")
                    .bind(org.org_id)
                    .bind(id)
                    .bind(&actor)
                    .bind(now_text())
                    .execute(&mut *conn)
                    .await?;
                let (offer, decision) = if send_offer {
                    let (l, d) = self.send_offer_in(tx, org, id, today).await?;
                    (l, Some(d))
                } else {
                    (None, None)
                };
                let settlement = self.settlement_in(tx.conn(), org.org_id, id).await?;
                tx.audit(
                    org.org_id,
                    "settlement.approve",
                    &format!("settlement:{id}"),
                    Some(&serde_json::to_value(&before)?),
                    Some(&serde_json::to_value(&settlement)?),
                )
                .await?;
                Ok(SettlementMade { settlement, offer, decision })
            })
        })
        .await
    }

    /// Declines (a coordinator, for one awaiting approval) or cancels (an offer) a settlement.
    pub async fn close_settlement(&self, org: &Organisation, id: i64, status: &str) -> Result<SettlementView> {
        self.write(|tx| {
            Box::pin(async move {
                let conn = tx.conn();
                let before = self.settlement_in(conn, org.org_id, id).await?;
                let ok = match status.parse::<SettlementStatus>() {
                    Ok(to) => crate::write::status_of::<SettlementStatus>(&before.status)?.may_close_as(to),
                    Err(_) => false,
                };
                if !ok {
                    return Err(bad("settlement_id", format!("settlement {id} is {}; it cannot be {status}", before.status)));
                }
                sqlx::query("UPDATE settlement SET status = $3 WHERE org_id = $1 AND settlement_id = $2")
                    .bind(org.org_id)
                    .bind(id)
                    .bind(status)
                    .execute(&mut *conn)
                    .await?;
                let after = self.settlement_in(conn, org.org_id, id).await?;
                tx.audit(
                    org.org_id,
                    "settlement.close",
                    &format!("settlement:{id}"),
                    Some(&serde_json::to_value(&before)?),
                    Some(&serde_json::to_value(&after)?),
                )
                .await?;
                Ok(after)
            })
        })
        .await
    }

    async fn settlement_in(&self, conn: &mut AnyConnection, org_id: i64, id: i64) -> Result<SettlementView> {
        let r = sqlx::query(
            "SELECT s.settlement_id, a.account_number, s.currency, s.balance_minor, s.amount_minor, s.discount_bp, s.offered_on, s.expires_on, s.status, \
             s.approved_by, s.paid_on, s.adjustment_entry_id, s.letter_id, s.note, s.created_by FROM settlement s \
             JOIN account a ON a.org_id = s.org_id AND a.account_id = s.account_id WHERE s.org_id = $1 AND s.settlement_id = $2",
        )
        .bind(org_id)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::not_found("settlement", id))?;
        let currency = Currency::from_code(&r.try_get::<String, _>("currency")?).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        Ok(SettlementView {
            settlement_id: r.try_get("settlement_id")?,
            account_number: r.try_get("account_number")?,
            balance: fmt(r.try_get("balance_minor")?, currency),
            amount: fmt(r.try_get("amount_minor")?, currency),
            discount_percent: percent(r.try_get("discount_bp")?),
            offered_on: r.try_get("offered_on")?,
            expires_on: r.try_get("expires_on")?,
            status: r.try_get("status")?,
            approved_by: r.try_get("approved_by")?,
            paid_on: r.try_get("paid_on")?,
            adjustment_entry_id: r.try_get("adjustment_entry_id")?,
            letter_id: r.try_get("letter_id")?,
            note: r.try_get("note")?,
            created_by: r.try_get("created_by")?,
        })
    }

    /// Settlements of one account, or all awaiting approval or offered.
    pub async fn settlements(&self, org: &Organisation, account_number: Option<&str>) -> Result<Vec<SettlementView>> {
        self.note_read(
            org.org_id,
            "settlement.list",
            &account_number.map_or_else(|| "settlements".to_string(), |n| format!("account:{}", n.trim().to_ascii_uppercase())),
        )
        .await?;
        let mut conn = self.pool().acquire().await?;
        let rows = match account_number {
            Some(n) => {
                let account = self.account_by_number(&mut conn, org.org_id, n).await?;
                sqlx::query("SELECT settlement_id FROM settlement WHERE org_id = $1 AND account_id = $2 ORDER BY settlement_id DESC")
                    .bind(org.org_id)
                    .bind(account.account_id)
                    .fetch_all(&mut *conn)
                    .await?
            }
            None => {
                sqlx::query("SELECT settlement_id FROM settlement WHERE org_id = $1 ORDER BY settlement_id DESC LIMIT 500")
                    .bind(org.org_id)
                    .fetch_all(&mut *conn)
                    .await?
            }
        };
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push(self.settlement_in(&mut conn, org.org_id, r.try_get("settlement_id")?).await?);
        }
        Ok(out)
    }

    /// Offers paid by their expiry: the rest of the balance is adjusted off
    /// ("settlement"), item by item, in the same transaction as the status.
    /// Offers past their expiry unpaid expire.
    pub async fn review_settlements(&self, org: &Organisation, as_of: Date) -> Result<SettlementReview> {
        let mut review = SettlementReview::default();
        let offered: Vec<(i64, i64, i64, String, String)> = {
            let mut conn = self.pool().acquire().await?;
            sqlx::query("SELECT settlement_id, account_id, amount_minor, offered_on, expires_on FROM settlement WHERE org_id = $1 AND status = 'offered' ORDER BY settlement_id")
                .bind(org.org_id)
                .fetch_all(&mut *conn)
                .await?
                .iter()
                .map(|r| Ok((r.try_get("settlement_id")?, r.try_get("account_id")?, r.try_get("amount_minor")?, r.try_get("offered_on")?, r.try_get("expires_on")?)))
                .collect::<Result<_>>()?
        };
        for (id, account_id, amount, offered_on, expires_on) in offered {
            let (offered_on, expires_on) = (&offered_on, &expires_on);
            let reviewed = self
                .write(|tx| {
                    Box::pin(async move {
                        let conn = tx.conn();
                        let expires: Date = expires_on.parse().map_err(|e| StoreError::Corrupt(format!("settlement expiry: {e}")))?;
                        let payments = self.payments_since(conn, org.org_id, account_id, offered_on).await?;
                        let paid: i64 = payments.iter().filter(|(on, _)| *on <= expires && *on <= as_of).map(|(_, a)| a).sum();
                        if paid >= amount {
                            let paid_on = payments.iter().filter(|(on, _)| *on <= expires).map(|(on, _)| *on).max().unwrap_or(as_of);
                            let items = sqlx::query(
                        "SELECT reference, balance_minor, currency FROM open_item WHERE org_id = $1 AND account_id = $2 AND balance_minor > 0 ORDER BY item_id",
                    )
                    .bind(org.org_id)
                    .bind(account_id)
                    .fetch_all(&mut *conn)
                    .await?;
                            let mut b = Batch::default();
                            let mut last_entry = None;
                            for it in &items {
                                let (reference, balance, currency): (String, i64, String) =
                                    (it.try_get("reference")?, it.try_get("balance_minor")?, it.try_get("currency")?);
                                let currency = Currency::from_code(&currency).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                                let cmd = NewAdjustment {
                                    reference,
                                    reason: "settlement".into(),
                                    amount: fmt(balance, currency),
                                    date: paid_on,
                                    memo: format!("settlement {id} paid"),
                                };
                                self.stage_adjustment(conn, org.org_id, &cmd, &mut b).await?;
                                b.flush(conn, org.org_id).await?;
                                last_entry = Some(
                                    sqlx::query("SELECT MAX(entry_id) AS entry_id FROM journal_entry WHERE org_id = $1 AND account_id = $2")
                                        .bind(org.org_id)
                                        .bind(account_id)
                                        .fetch_one(&mut *conn)
                                        .await?
                                        .try_get::<i64, _>("entry_id")?,
                                );
                            }
                            sqlx::query(
                                "UPDATE settlement SET status = 'paid', paid_on = $3, adjustment_entry_id = $4 WHERE org_id = $1 AND settlement_id = $2",
                            )
                            .bind(org.org_id)
                            .bind(id)
                            .bind(paid_on.to_string())
                            .bind(last_entry)
                            .execute(&mut *conn)
                            .await?;
                            tx.audit(
                                org.org_id,
                                "settlement.paid",
                                &format!("settlement:{id}"),
                                None,
                                Some(&serde_json::json!({ "paid_on": paid_on.to_string(), "items_adjusted": items.len() })),
                            )
                            .await?;
                            Ok(Some(Reviewed::Paid))
                        } else if as_of > expires {
                            sqlx::query("UPDATE settlement SET status = 'expired' WHERE org_id = $1 AND settlement_id = $2")
                                .bind(org.org_id)
                                .bind(id)
                                .execute(&mut *conn)
                                .await?;
                            tx.audit(org.org_id, "settlement.expired", &format!("settlement:{id}"), None, None).await?;
                            Ok(Some(Reviewed::Expired))
                        } else {
                            tx.unaudited(Unaudited::NothingWritten);
                            Ok(None)
                        }
                    })
                })
                .await?;
            match reviewed {
                Some(Reviewed::Paid) => review.paid += 1,
                Some(Reviewed::Expired) => review.expired += 1,
                None => {}
            }
        }
        Ok(review)
    }
}

/// What the review did with one offer.
enum Reviewed {
    Paid,
    Expired,
}
