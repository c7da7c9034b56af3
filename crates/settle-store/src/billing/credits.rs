use crate::batch::{self, Batch};
use crate::billing::accounts::AccountRow;
use crate::billing::items::{describe_plan, plan_for, record_allocations, AllocationSource, ItemRow};
use crate::billing::payments::{check_method, Applied, ApplyTo};
use crate::platform::Organisation;
use crate::write::{check_text, fmt, next_ids, positive_amount, write_command};
use crate::{now_text, Result, Store, StoreError};
use serde::{Deserialize, Serialize};
use settle_domain::allocation::AllocationPlan;
use settle_domain::events::{self, AdjustmentReason};
use settle_domain::invoice::InvoiceStatus;
use settle_domain::money::Money;
use settle_domain::{Date, IdempotencyKey};
use sqlx::AnyConnection;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAdjustment {
    /// The item: an invoice number or another item's reference.
    #[schema(example = "INV-000001")]
    pub reference: String,
    #[schema(example = "courtesy_discount")]
    pub reason: String,
    #[schema(pattern = r"^-?(0|[1-9][0-9]{0,12})(\.[0-9]{1,4})?$", example = "5.00")]
    pub amount: String,
    pub date: Date,
    #[serde(default)]
    pub memo: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct AdjustmentPosted {
    pub adjustment_id: i64,
    pub reference: String,
    pub amount: String,
    pub balance: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCreditNote {
    #[schema(example = "P-000001")]
    pub account_number: String,
    #[schema(pattern = r"^-?(0|[1-9][0-9]{0,12})(\.[0-9]{1,4})?$", example = "10.00")]
    pub amount: String,
    pub date: Date,
    #[serde(default)]
    pub memo: String,
    /// Empty: the whole credit stays on the account as credit.
    #[serde(default)]
    pub apply_to: Vec<ApplyTo>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct CreditNoteIssued {
    pub credit_note_id: i64,
    pub credit_note_number: String,
    pub applied: Vec<Applied>,
    pub unapplied: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplyCredit {
    #[schema(example = "P-000001")]
    pub account_number: String,
    pub date: Date,
    /// Empty: oldest due first.
    #[serde(default)]
    pub apply_to: Vec<ApplyTo>,
    /// How much of the credit to apply; all of it if absent.
    pub amount: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct CreditApplied {
    pub applied: Vec<Applied>,
    pub credit_left: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRefund {
    #[schema(example = "P-000001")]
    pub account_number: String,
    #[schema(pattern = r"^-?(0|[1-9][0-9]{0,12})(\.[0-9]{1,4})?$", example = "5.00")]
    pub amount: String,
    #[schema(example = "check")]
    pub method: String,
    #[serde(default)]
    pub reference: String,
    pub date: Date,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct RefundIssued {
    pub refund_id: i64,
    pub amount: String,
    pub credit_left: String,
}

/// What asking for a refund did: paid it, or (a billing specialist above
/// the organisation's refund limit) held it for a coordinator's approval.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum RefundOutcome {
    Issued(RefundIssued),
    Held(Box<crate::billing::ApprovalView>),
}

/// An adjustment that passed its checks, ready to stage or to hold.
pub(crate) struct CheckedAdjustment {
    pub reason: AdjustmentReason,
    pub item: ItemRow,
    pub account: AccountRow,
    pub amount: Money,
    pub memo: String,
    pub date: Date,
}

impl Store {
    /// Applies an account's unapplied credit to its open items.
    pub async fn apply_credit(&self, org: &Organisation, cmd: &ApplyCredit, key: Option<&IdempotencyKey>) -> Result<CreditApplied> {
        write_command!(self, org.org_id, key, cmd, |tx| {
            let conn = tx.conn();
            let account = self.account_by_number(conn, org.org_id, &cmd.account_number).await?;
            let amount_minor = match &cmd.amount {
                Some(text) => positive_amount("amount", text, account.currency)?.amount_minor(),
                None => account.credit_minor,
            };
            if amount_minor > account.credit_minor || account.credit_minor == 0 {
                return Err(StoreError::invalid(
                    "amount",
                    format!(
                        "account {} has {} of credit to apply",
                        account.account_number,
                        fmt(account.credit_minor, account.currency)
                    ),
                ));
            }
            let items = self.open_items(conn, org.org_id, account.account_id).await?;
            let mut plan = plan_for(amount_minor, &cmd.apply_to, &items, account.currency)?;
            if plan.allocations.is_empty() {
                return Err(StoreError::invalid(
                    "apply_to",
                    format!("account {} has no open items to apply credit to", account.account_number),
                ));
            }
            // What the items could not take simply stays as credit.
            plan.unapplied_minor = 0;
            let entry_id = next_ids(conn, org.org_id, "entry", 1).await?;
            let first_allocation = next_ids(conn, org.org_id, "allocation", plan.allocations.len() as i64).await?;
            let entry = events::credit_applied(cmd.date, account.currency, account.receivable(), &plan, "Credit applied")?;
            let mut batch = Batch::default();
            batch.add_entry(org.org_id, entry_id, Some(account.account_id), &entry, &now_text());
            record_allocations(
                &mut batch,
                org.org_id,
                account.account_id,
                first_allocation,
                &AllocationSource {
                    source: "credit",
                    payment_id: None,
                    credit_note_id: None,
                    date: cmd.date,
                    entry_id,
                },
                &plan,
                &items,
            );
            batch.change_account(account.account_id, -plan.applied_minor(), -plan.applied_minor());
            batch.flush(conn, org.org_id).await?;
            CreditApplied {
                applied: describe_plan(&plan, &items, account.currency),
                credit_left: fmt(account.credit_minor - plan.applied_minor(), account.currency),
            }
        })
    }

    /// Checks an adjustment against the item as it stands, without staging it.
    pub(super) async fn check_adjustment(&self, conn: &mut AnyConnection, org_id: i64, cmd: &NewAdjustment) -> Result<CheckedAdjustment> {
        let reason = AdjustmentReason::parse(&cmd.reason).ok_or_else(|| {
            StoreError::invalid(
                "reason",
                format!(
                    "{:?} is not an adjustment reason; use one of {}",
                    cmd.reason,
                    AdjustmentReason::ALL.map(|r| r.as_str()).join(", ")
                ),
            )
        })?;
        let (item, account_id) = self.item_by_reference(conn, org_id, &cmd.reference).await?;
        let account = self.account_by_id(conn, org_id, account_id).await?;
        if item.status != settle_domain::status::ItemStatus::Open {
            return Err(StoreError::invalid(
                "reference",
                format!("{} is {}; only an open item can be adjusted", item.reference, item.status),
            ));
        }
        let amount = positive_amount("amount", &cmd.amount, account.currency)?;
        if amount.amount_minor() > item.balance_minor {
            return Err(StoreError::invalid(
                "amount",
                format!(
                    "{} is more than the {} still owed on {}",
                    amount.to_decimal_string(),
                    fmt(item.balance_minor, account.currency),
                    item.reference
                ),
            ));
        }
        let memo = check_text("memo", &cmd.memo, 500)?;
        Ok(CheckedAdjustment {
            reason,
            item,
            account,
            amount,
            memo,
            date: cmd.date,
        })
    }

    pub(crate) async fn stage_adjustment(&self, conn: &mut AnyConnection, org_id: i64, cmd: &NewAdjustment, batch: &mut Batch) -> Result<AdjustmentPosted> {
        let checked = self.check_adjustment(conn, org_id, cmd).await?;
        self.stage_checked_adjustment(conn, org_id, checked, batch).await
    }

    pub(super) async fn stage_checked_adjustment(
        &self,
        conn: &mut AnyConnection,
        org_id: i64,
        checked: CheckedAdjustment,
        batch: &mut Batch,
    ) -> Result<AdjustmentPosted> {
        let CheckedAdjustment {
            reason,
            item,
            account,
            amount,
            memo,
            date,
        } = checked;
        let entry = events::adjustment(
            date,
            account.currency,
            account.receivable(),
            events::ItemBalance {
                item_id: item.item_id,
                balance_minor: item.balance_minor,
            },
            reason,
            amount.amount_minor(),
            &format!("{} on {}: {memo}", reason.as_str(), item.reference),
        )
        .map_err(|e| StoreError::invalid("amount", format!("{e} ({})", fmt(item.balance_minor, account.currency))))?;
        let entry_id = next_ids(conn, org_id, "entry", 1).await?;
        let adjustment_id = next_ids(conn, org_id, "adjustment", 1).await?;
        batch.add_entry(org_id, entry_id, Some(account.account_id), &entry, &now_text());
        batch.push(batch::AdjustmentRow {
            org_id: org_id.into(),
            adjustment_id: adjustment_id.into(),
            account_id: account.account_id.into(),
            item_id: item.item_id.into(),
            reason: reason.as_str().into(),
            amount_minor: amount.amount_minor().into(),
            effective_date: date.into(),
            memo: memo.into(),
            entry_id: entry_id.into(),
        });
        let new_balance = item.balance_minor - amount.amount_minor();
        let written_off = reason.is_write_off() && new_balance == 0;
        batch.item_changes.insert(
            item.item_id,
            crate::batch::ItemChange {
                balance_delta_minor: -amount.amount_minor(),
                written_off,
                void: false,
            },
        );
        batch.change_account(account.account_id, -amount.amount_minor(), 0);
        if let Some(invoice_id) = item.invoice_id {
            batch.set_invoice_status(invoice_id, InvoiceStatus::from_balance(new_balance, written_off).as_str());
        }
        Ok(AdjustmentPosted {
            adjustment_id,
            reference: item.reference,
            amount: amount.to_decimal_string(),
            balance: fmt(new_balance, account.currency),
        })
    }

    pub async fn adjust(&self, org: &Organisation, cmd: &NewAdjustment, key: Option<&IdempotencyKey>) -> Result<AdjustmentPosted> {
        write_command!(self, org.org_id, key, cmd, |tx| {
            let mut batch = Batch::default();
            let posted = self.stage_adjustment(tx.conn(), org.org_id, cmd, &mut batch).await?;
            batch.flush(tx.conn(), org.org_id).await?;
            posted
        })
    }

    pub async fn credit_note(&self, org: &Organisation, cmd: &NewCreditNote, key: Option<&IdempotencyKey>) -> Result<CreditNoteIssued> {
        write_command!(self, org.org_id, key, cmd, |tx| {
            let conn = tx.conn();
            let account = self.account_by_number(conn, org.org_id, &cmd.account_number).await?;
            let amount = positive_amount("amount", &cmd.amount, account.currency)?;
            let memo = check_text("memo", &cmd.memo, 500)?;
            let items = self.open_items(conn, org.org_id, account.account_id).await?;
            let plan = if cmd.apply_to.is_empty() {
                AllocationPlan {
                    allocations: vec![],
                    unapplied_minor: amount.amount_minor(),
                }
            } else {
                plan_for(amount.amount_minor(), &cmd.apply_to, &items, account.currency)?
            };
            let credit_note_id = next_ids(conn, org.org_id, "credit_note", 1).await?;
            let number = format!("CN-{credit_note_id:06}");
            let entry_id = next_ids(conn, org.org_id, "entry", 1).await?;
            let first_allocation = next_ids(conn, org.org_id, "allocation", plan.allocations.len() as i64).await?;
            let entry = events::credit_note(
                cmd.date,
                account.currency,
                account.receivable(),
                amount.amount_minor(),
                &plan,
                format!("Credit note {number} {memo}").trim(),
            )?;
            let mut batch = Batch::default();
            batch.add_entry(org.org_id, entry_id, Some(account.account_id), &entry, &now_text());
            batch.push(batch::CreditNoteRow {
                org_id: org.org_id.into(),
                credit_note_id: credit_note_id.into(),
                credit_note_number: number.clone().into(),
                account_id: account.account_id.into(),
                amount_minor: amount.amount_minor().into(),
                issue_date: cmd.date.into(),
                memo: memo.into(),
                entry_id: entry_id.into(),
            });
            record_allocations(
                &mut batch,
                org.org_id,
                account.account_id,
                first_allocation,
                &AllocationSource {
                    source: "credit_note",
                    payment_id: None,
                    credit_note_id: Some(credit_note_id),
                    date: cmd.date,
                    entry_id,
                },
                &plan,
                &items,
            );
            batch.change_account(account.account_id, -plan.applied_minor(), plan.unapplied_minor);
            batch.flush(conn, org.org_id).await?;
            CreditNoteIssued {
                credit_note_id,
                credit_note_number: number,
                applied: describe_plan(&plan, &items, account.currency),
                unapplied: fmt(plan.unapplied_minor, account.currency),
            }
        })
    }

    /// Pays credit back out, or holds the refund for approval when the
    /// actor does not approve and it is above the organisation's refund
    /// limit ([`settle_domain::access::refund_needs_approval`]). Every
    /// refund, from the API, the pages or the CLI, passes here.
    pub async fn refund(&self, org: &Organisation, cmd: &NewRefund, key: Option<&IdempotencyKey>) -> Result<RefundOutcome> {
        write_command!(self, org.org_id, key, cmd, |tx| {
            let conn = tx.conn();
            let account = self.account_by_number(conn, org.org_id, &cmd.account_number).await?;
            let amount = positive_amount("amount", &cmd.amount, account.currency)?;
            let method = check_method(&cmd.method)?;
            let reference = check_text("reference", &cmd.reference, 100)?;
            // Checked before it is held too: nobody is asked to approve a
            // refund of credit the account does not have.
            refund_entry(&account, amount, &method, &reference, cmd.date)?;
            let limit = self.refund_limit_minor(conn, org.org_id).await?;
            if settle_domain::access::refund_needs_approval(amount.amount_minor(), limit, crate::platform::audit::current_actor().approves) {
                let request = NewRefund {
                    account_number: account.account_number.clone(),
                    amount: amount.to_decimal_string(),
                    method: method.to_string(),
                    reference: reference.clone(),
                    date: cmd.date,
                };
                let held = crate::billing::office::Held {
                    kind: "refund",
                    account_id: account.account_id,
                    reference: &account.account_number,
                    reason: "refund",
                    currency: account.currency,
                    amount_minor: amount.amount_minor(),
                    request: serde_json::to_string(&request)?,
                };
                let approval = self.hold_for_approval(conn, org.org_id, held).await?;
                RefundOutcome::Held(Box::new(approval))
            } else {
                RefundOutcome::Issued(pay_refund(conn, org.org_id, &account, amount, &method, &reference, cmd.date).await?)
            }
        })
    }
}

fn refund_entry(account: &AccountRow, amount: Money, method: &str, reference: &str, date: Date) -> Result<settle_domain::ledger::JournalEntry> {
    events::refund(
        date,
        account.currency,
        account.account_id,
        amount.amount_minor(),
        account.credit_minor,
        &format!("Refund ({method} {reference})"),
    )
    .map_err(|e| StoreError::invalid("amount", format!("{e} ({})", fmt(account.credit_minor, account.currency))))
}

/// Pays a checked refund: the journal entry, the refund row, the credit down.
pub(super) async fn pay_refund(
    conn: &mut AnyConnection,
    org_id: i64,
    account: &AccountRow,
    amount: Money,
    method: &str,
    reference: &str,
    date: Date,
) -> Result<RefundIssued> {
    let entry = refund_entry(account, amount, method, reference, date)?;
    let entry_id = next_ids(conn, org_id, "entry", 1).await?;
    let refund_id = next_ids(conn, org_id, "refund", 1).await?;
    let mut batch = Batch::default();
    batch.add_entry(org_id, entry_id, Some(account.account_id), &entry, &now_text());
    batch.push(batch::RefundRow {
        org_id: org_id.into(),
        refund_id: refund_id.into(),
        account_id: account.account_id.into(),
        amount_minor: amount.amount_minor().into(),
        method: method.into(),
        reference: reference.into(),
        refund_date: date.into(),
        entry_id: entry_id.into(),
    });
    batch.change_account(account.account_id, 0, -amount.amount_minor());
    batch.flush(conn, org_id).await?;
    Ok(RefundIssued {
        refund_id,
        amount: amount.to_decimal_string(),
        credit_left: fmt(account.credit_minor - amount.amount_minor(), account.currency),
    })
}
