use crate::batch::{self, Batch, V};
use crate::billing::accounts::AccountRow;
use crate::billing::items::{
    add_allocation_row, add_item_row, apply_plan_locally, describe_plan, plan_for, record_allocations, AllocationSource, ItemRow, NewItem,
};
use crate::platform::audit;
use crate::platform::Organisation;
use crate::write::status;
use crate::write::{check_text, fmt, next_ids, parse_date, positive_amount, write_command, IdBlock, Staging};
use crate::{now_text, Result, Store, StoreError};
use serde::{Deserialize, Serialize};
use settle_domain::events::{self};
use settle_domain::invoice::InvoiceStatus;
use settle_domain::status::PaymentStatus;
use settle_domain::{Date, IdempotencyKey};
use sqlx::Row;

/// Names an open item (an invoice number or another item's reference) and,
/// optionally, how much to apply to it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplyTo {
    #[schema(example = "INV-000001")]
    pub reference: String,
    pub amount: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPayment {
    #[schema(example = "P-000001")]
    pub account_number: String,
    #[schema(pattern = r"^-?(0|[1-9][0-9]{0,12})(\.[0-9]{1,4})?$", example = "25.00")]
    pub amount: String,
    /// cash, check, card, ach, eft or other.
    #[schema(example = "check")]
    pub method: String,
    #[serde(default)]
    pub reference: String,
    pub received_on: Date,
    /// Empty: oldest due first.
    #[serde(default)]
    pub apply_to: Vec<ApplyTo>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Applied {
    pub reference: String,
    pub amount: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct PaymentPosted {
    pub payment_id: i64,
    pub amount: String,
    pub applied: Vec<Applied>,
    pub unapplied: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReversePayment {
    pub payment_id: i64,
    pub date: Date,
    pub reason: String,
    /// A returned-payment (NSF) fee to charge, if any.
    pub fee: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct PaymentReversed {
    pub payment_id: i64,
    pub reopened: Vec<Applied>,
    pub taken_from_credit: String,
    /// Credit already used or refunded, billed again as a new item.
    pub rebilled: Option<Applied>,
    pub fee: Option<Applied>,
}

pub const PAYMENT_METHODS: &[&str] = &["cash", "check", "card", "ach", "eft", "other"];

pub(super) fn check_method(method: &str) -> Result<String> {
    let lower = method.trim().to_ascii_lowercase();
    if PAYMENT_METHODS.contains(&lower.as_str()) {
        Ok(lower)
    } else {
        Err(StoreError::invalid(
            "method",
            format!("{method:?} is not a payment method; use one of {}", PAYMENT_METHODS.join(", ")),
        ))
    }
}

impl Store {
    /// Stages a payment against `items` (which it updates in place, so a
    /// batch of payments sees each other's effect).
    pub(crate) async fn stage_payment(&self, st: Staging<'_>, account: &mut AccountRow, items: &mut [ItemRow], cmd: &NewPayment) -> Result<PaymentPosted> {
        let Staging { conn, org_id, batch, ids } = st;
        let amount = positive_amount("amount", &cmd.amount, account.currency)?;
        let method = check_method(&cmd.method)?;
        let reference = check_text("reference", &cmd.reference, 100)?;
        let plan = plan_for(amount.amount_minor(), &cmd.apply_to, items, account.currency)?;
        let payment_id = ids.take(conn, org_id, "payment", 1).await?;
        let entry_id = ids.take(conn, org_id, "entry", 1).await?;
        let first_allocation = ids.take(conn, org_id, "allocation", plan.allocations.len() as i64).await?;
        let memo = if reference.is_empty() {
            format!("Payment {payment_id} ({method})")
        } else {
            format!("Payment {payment_id} ({method} {reference})")
        };
        let entry = events::payment_received(cmd.received_on, account.currency, account.receivable(), amount.amount_minor(), &plan, &memo)?;
        let now = now_text();
        batch.add_entry(org_id, entry_id, Some(account.account_id), &entry, &now);
        batch.push(batch::PaymentRow {
            org_id: org_id.into(),
            payment_id: payment_id.into(),
            account_id: account.account_id.into(),
            method: method.into(),
            reference: reference.into(),
            received_on: cmd.received_on.into(),
            currency: account.currency.code().into(),
            amount_minor: amount.amount_minor().into(),
            unapplied_minor: plan.unapplied_minor.into(),
            status: "posted".into(),
            entry_id: entry_id.into(),
            reversal_entry_id: V::NI(None),
            created_at: now.into(),
        });
        record_allocations(
            batch,
            org_id,
            account.account_id,
            first_allocation,
            &AllocationSource {
                source: "payment",
                payment_id: Some(payment_id),
                credit_note_id: None,
                date: cmd.received_on,
                entry_id,
            },
            &plan,
            items,
        );
        let posted = PaymentPosted {
            payment_id,
            amount: amount.to_decimal_string(),
            applied: describe_plan(&plan, items, account.currency),
            unapplied: fmt(plan.unapplied_minor, account.currency),
        };
        apply_plan_locally(items, &plan);
        batch.change_account(account.account_id, -plan.applied_minor(), plan.unapplied_minor);
        account.balance_minor -= plan.applied_minor();
        account.credit_minor += plan.unapplied_minor;
        Ok(posted)
    }

    /// Posts a payment. Payments arriving together are committed together
    /// (see [`crate::group`]); each is decided alone, in arrival order.
    pub async fn post_payment(&self, org: &Organisation, cmd: &NewPayment, key: Option<&IdempotencyKey>) -> Result<PaymentPosted> {
        let Some(queue) = &self.payments else {
            return self.post_payment_alone(org, cmd, key).await;
        };
        let (reply, answer) = tokio::sync::oneshot::channel();
        let job = crate::group::PaymentJob {
            org: org.clone(),
            cmd: cmd.clone(),
            key: key.cloned(),
            actor: audit::current_actor(),
            reply,
        };
        if queue.send(job).is_err() {
            return self.post_payment_alone(org, cmd, key).await;
        }
        answer.await.map_err(|_| StoreError::Corrupt("the payment queue stopped".into()))?
    }

    /// Posts one payment in a transaction of its own.
    pub(crate) async fn post_payment_alone(&self, org: &Organisation, cmd: &NewPayment, key: Option<&IdempotencyKey>) -> Result<PaymentPosted> {
        write_command!(self, org.org_id, key, cmd, |tx| {
            let mut account = self.account_by_number(tx.conn(), org.org_id, &cmd.account_number).await?;
            let mut items = self.open_items(tx.conn(), org.org_id, account.account_id).await?;
            let mut batch = Batch::default();
            let posted = self
                .stage_payment(
                    Staging {
                        conn: tx.conn(),
                        org_id: org.org_id,
                        batch: &mut batch,
                        ids: &mut IdBlock::default(),
                    },
                    &mut account,
                    &mut items,
                    cmd,
                )
                .await?;
            batch.flush(tx.conn(), org.org_id).await?;
            posted
        })
    }

    /// Reverses a returned payment: reopens what it paid, takes back what is
    /// left of its credit, bills again any credit already used, and may add
    /// a returned-payment fee.
    pub async fn reverse_payment(&self, org: &Organisation, cmd: &ReversePayment, key: Option<&IdempotencyKey>) -> Result<PaymentReversed> {
        write_command!(self, org.org_id, key, cmd, |tx| self.stage_reversal(tx.conn(), org, cmd).await?)
    }

    /// Reverses a payment inside a write another command opened (a
    /// returned check by hand, or each return of an ACH return file in one
    /// transaction); writes its rows before it answers.
    pub(crate) async fn stage_reversal(&self, conn: &mut sqlx::AnyConnection, org: &Organisation, cmd: &ReversePayment) -> Result<PaymentReversed> {
        {
            let row = sqlx::query("SELECT account_id, amount_minor, status, received_on FROM payment WHERE org_id = $1 AND payment_id = $2")
                .bind(org.org_id)
                .bind(cmd.payment_id)
                .fetch_optional(&mut *conn)
                .await?
                .ok_or_else(|| StoreError::not_found("payment", cmd.payment_id))?;
            let status: PaymentStatus = status(&row, "status")?;
            if status != PaymentStatus::Posted {
                return Err(StoreError::invalid("payment_id", format!("payment {} is already {status}", cmd.payment_id)));
            }
            let received_on = parse_date(&row.try_get::<String, _>("received_on")?)?;
            if cmd.date < received_on {
                return Err(StoreError::invalid(
                    "date",
                    format!("{} is before the payment was received ({received_on})", cmd.date),
                ));
            }
            let amount_minor: i64 = row.try_get("amount_minor")?;
            let account = self.account_by_id(conn, org.org_id, row.try_get("account_id")?).await?;
            let reason = check_text("reason", &cmd.reason, 500)?;
            let fee = match &cmd.fee {
                Some(text) => Some(positive_amount("fee", text, account.currency)?),
                None => None,
            };
            let applied_rows = sqlx::query("SELECT a.item_id, CAST(SUM(a.amount_minor) AS BIGINT) AS amount, i.reference, i.invoice_id, i.balance_minor, i.written_off FROM allocation a JOIN open_item i ON i.org_id = a.org_id AND i.item_id = a.item_id WHERE a.org_id = $1 AND a.payment_id = $2 GROUP BY a.item_id, i.reference, i.invoice_id, i.balance_minor, i.written_off ORDER BY a.item_id")
                .bind(org.org_id)
                .bind(cmd.payment_id)
                .fetch_all(&mut *conn)
                .await?;
            let mut applied = Vec::new();
            let mut references = Vec::new();
            for r in &applied_rows {
                let amount: i64 = r.try_get("amount")?;
                if amount > 0 {
                    applied.push((r.try_get::<i64, _>("item_id")?, amount));
                    references.push((
                        r.try_get::<String, _>("reference")?,
                        r.try_get::<Option<i64>, _>("invoice_id")?,
                        r.try_get::<i64, _>("balance_minor")?,
                        r.try_get::<i64, _>("written_off")?,
                    ));
                }
            }
            let plan = events::plan_reversal(amount_minor, &applied, account.credit_minor);
            let now = now_text();
            let mut batch = Batch::default();
            let entry_id = next_ids(conn, org.org_id, "entry", 1).await?;
            let shortfall_item = if plan.shortfall_minor > 0 {
                Some(next_ids(conn, org.org_id, "item", 1).await?)
            } else {
                None
            };
            let memo = format!("Reversal of payment {}: {reason}", cmd.payment_id);
            let entry = events::payment_reversed(cmd.date, account.currency, account.receivable(), amount_minor, &plan, shortfall_item, &memo)?;
            batch.add_entry(org.org_id, entry_id, Some(account.account_id), &entry, &now);
            let first_allocation = next_ids(conn, org.org_id, "allocation", plan.reopen.len() as i64).await?;
            let mut reopened = Vec::new();
            for (offset, ((item_id, amount), (reference, invoice_id, balance, written_off))) in plan.reopen.iter().zip(&references).enumerate() {
                add_allocation_row(
                    &mut batch,
                    org.org_id,
                    first_allocation + offset as i64,
                    account.account_id,
                    *item_id,
                    &AllocationSource {
                        source: "reversal",
                        payment_id: Some(cmd.payment_id),
                        credit_note_id: None,
                        date: cmd.date,
                        entry_id,
                    },
                    -amount,
                );
                batch.change_item(*item_id, *amount);
                if let Some(invoice_id) = invoice_id {
                    batch.set_invoice_status(*invoice_id, InvoiceStatus::from_balance(balance + amount, *written_off == 1).as_str());
                }
                reopened.push(Applied {
                    reference: reference.clone(),
                    amount: fmt(*amount, account.currency),
                });
            }
            let mut balance_delta = plan.reopen.iter().map(|(_, a)| a).sum::<i64>();
            let rebilled = if let Some(item_id) = shortfall_item {
                let reference = format!("RTN-{item_id:06}");
                add_item_row(
                    &mut batch,
                    org.org_id,
                    &account,
                    NewItem {
                        item_id,
                        reference: &reference,
                        kind: "returned_payment",
                        invoice_id: None,
                        description: &format!("Returned payment {} re-billed", cmd.payment_id),
                        issue_date: cmd.date,
                        due_date: cmd.date,
                        amount_minor: plan.shortfall_minor,
                    },
                );
                balance_delta += plan.shortfall_minor;
                Some(Applied {
                    reference,
                    amount: fmt(plan.shortfall_minor, account.currency),
                })
            } else {
                None
            };
            batch.change_account(account.account_id, balance_delta, -plan.from_credit_minor);
            let fee = if let Some(fee) = fee {
                let item_id = next_ids(conn, org.org_id, "item", 1).await?;
                let fee_entry_id = next_ids(conn, org.org_id, "entry", 1).await?;
                let reference = format!("FEE-{item_id:06}");
                let entry = events::fee(
                    cmd.date,
                    account.currency,
                    account.receivable(),
                    item_id,
                    fee.amount_minor(),
                    &format!("Returned payment fee, payment {}", cmd.payment_id),
                )?;
                batch.add_entry(org.org_id, fee_entry_id, Some(account.account_id), &entry, &now);
                add_item_row(
                    &mut batch,
                    org.org_id,
                    &account,
                    NewItem {
                        item_id,
                        reference: &reference,
                        kind: "fee",
                        invoice_id: None,
                        description: "Returned payment fee",
                        issue_date: cmd.date,
                        due_date: cmd.date,
                        amount_minor: fee.amount_minor(),
                    },
                );
                batch.change_account(account.account_id, fee.amount_minor(), 0);
                Some(Applied {
                    reference,
                    amount: fee.to_decimal_string(),
                })
            } else {
                None
            };
            batch.payment_reversals.push((cmd.payment_id, entry_id));
            batch.flush(conn, org.org_id).await?;
            Ok(PaymentReversed {
                payment_id: cmd.payment_id,
                reopened,
                taken_from_credit: fmt(plan.from_credit_minor, account.currency),
                rebilled,
                fee,
            })
        }
    }
}
