use crate::batch::{self, Batch};
use crate::billing::accounts::AccountRow;
use crate::billing::payments::{Applied, ApplyTo};
use crate::write::status;
use crate::write::{fmt, parse_date, positive_amount};
use crate::{Result, Store, StoreError};
use settle_domain::allocation::{allocate, AllocationError, AllocationPlan, AllocationTarget, OpenItem};
use settle_domain::invoice::InvoiceStatus;
use settle_domain::money::Currency;
use settle_domain::status::ItemStatus;
use settle_domain::Date;
use sqlx::{AnyConnection, Row};

#[derive(Clone, Debug)]
pub(crate) struct ItemRow {
    pub item_id: i64,
    pub reference: String,
    pub invoice_id: Option<i64>,
    pub issue_date: Date,
    pub due_date: Date,
    pub amount_minor: i64,
    pub balance_minor: i64,
    pub status: ItemStatus,
}

pub(crate) fn item_from_row(row: &sqlx::any::AnyRow) -> Result<ItemRow> {
    Ok(ItemRow {
        item_id: row.try_get("item_id")?,
        reference: row.try_get("reference")?,
        invoice_id: row.try_get("invoice_id")?,
        issue_date: parse_date(&row.try_get::<String, _>("issue_date")?)?,
        due_date: parse_date(&row.try_get::<String, _>("due_date")?)?,
        amount_minor: row.try_get("amount_minor")?,
        balance_minor: row.try_get("balance_minor")?,
        status: status(row, "status")?,
    })
}

/// Turns the user's named items into an allocation target over `items`.
fn target_for(apply_to: &[ApplyTo], items: &[ItemRow], currency: Currency) -> Result<AllocationTarget> {
    if apply_to.is_empty() {
        return Ok(AllocationTarget::OldestFirst);
    }
    let mut named = Vec::with_capacity(apply_to.len());
    for target in apply_to {
        let reference = target.reference.trim().to_ascii_uppercase();
        let item = items
            .iter()
            .find(|i| i.reference == reference)
            .ok_or_else(|| StoreError::invalid("apply_to", format!("{reference} is not an open item of this account")))?;
        let amount = match &target.amount {
            Some(text) => Some(positive_amount("apply_to.amount", text, currency)?.amount_minor()),
            None => None,
        };
        named.push((item.item_id, amount));
    }
    Ok(AllocationTarget::Items(named))
}

/// How `amount_minor` is applied to `items` as `apply_to` asks (oldest
/// due first when it is empty), or why not, in the account's money and the
/// items' own references: the one way the store decides an allocation.
pub(super) fn plan_for(amount_minor: i64, apply_to: &[ApplyTo], items: &[ItemRow], currency: Currency) -> Result<AllocationPlan> {
    let target = target_for(apply_to, items, currency)?;
    allocate(amount_minor, &domain_items(items), &target).map_err(|error| {
        let money = |minor: i64| settle_domain::money::Money::from_minor(minor, currency).to_string();
        let reference = |id: i64| {
            items
                .iter()
                .find(|i| i.item_id == id)
                .map_or_else(|| format!("item {id}"), |i| i.reference.clone())
        };
        let message = match error {
            AllocationError::NonPositiveAmount => return StoreError::invalid("amount", "the amount must be greater than zero"),
            AllocationError::UnknownItem { item } => format!("{} is not an open item of this account", reference(item)),
            AllocationError::DuplicateItem { item } => format!("{} is named twice", reference(item)),
            AllocationError::NonPositiveAllocation { item, .. } => format!("the amount for {} must be greater than zero", reference(item)),
            AllocationError::ExceedsBalance { item, excess_minor } => {
                let row = items.iter().find(|i| i.item_id == item);
                format!(
                    "{} is {} more than {}'s balance of {}",
                    money(row.map_or(0, |r| r.balance_minor) + excess_minor),
                    money(excess_minor),
                    reference(item),
                    money(row.map_or(0, |r| r.balance_minor))
                )
            }
            AllocationError::ExceedsAmount { excess_minor } => format!(
                "the amounts set add up to {}, {} more than the {} there is to apply",
                money(amount_minor + excess_minor),
                money(excess_minor),
                money(amount_minor)
            ),
        };
        StoreError::invalid("apply_to", message)
    })
}

fn domain_items(items: &[ItemRow]) -> Vec<OpenItem> {
    items
        .iter()
        .map(|i| OpenItem {
            item_id: i.item_id,
            due_date: i.due_date,
            issue_date: i.issue_date,
            balance_minor: i.balance_minor,
        })
        .collect()
}

pub(super) fn describe_plan(plan: &AllocationPlan, items: &[ItemRow], currency: Currency) -> Vec<Applied> {
    plan.allocations
        .iter()
        .map(|(item_id, amount)| Applied {
            reference: items.iter().find(|i| i.item_id == *item_id).map(|i| i.reference.clone()).unwrap_or_default(),
            amount: fmt(*amount, currency),
        })
        .collect()
}

/// An open item to add: one charge on an account, owed in full until paid.
pub(super) struct NewItem<'a> {
    pub(super) item_id: i64,
    pub(super) reference: &'a str,
    pub(super) kind: &'a str,
    pub(super) invoice_id: Option<i64>,
    pub(super) description: &'a str,
    pub(super) issue_date: Date,
    pub(super) due_date: Date,
    pub(super) amount_minor: i64,
}

/// Adds an open item on `account`.
pub(super) fn add_item_row(batch: &mut Batch, org_id: i64, account: &AccountRow, item: NewItem<'_>) {
    batch.push(batch::OpenItemRow {
        org_id: org_id.into(),
        item_id: item.item_id.into(),
        account_id: account.account_id.into(),
        reference: item.reference.into(),
        kind: item.kind.into(),
        invoice_id: item.invoice_id.into(),
        description: item.description.into(),
        issue_date: item.issue_date.into(),
        due_date: item.due_date.into(),
        currency: account.currency.code().into(),
        amount_minor: item.amount_minor.into(),
        balance_minor: item.amount_minor.into(),
        written_off: 0i64.into(),
        status: ItemStatus::Open.as_str().into(),
    });
}

/// Where allocations come from: the source ("payment", "credit",
/// "credit_note", "reversal"), its payment or credit note, the date, and
/// the journal entry that moves the money.
#[derive(Clone, Copy)]
pub(super) struct AllocationSource<'a> {
    pub(super) source: &'a str,
    pub(super) payment_id: Option<i64>,
    pub(super) credit_note_id: Option<i64>,
    pub(super) date: Date,
    pub(super) entry_id: i64,
}

/// Adds one allocation row.
pub(super) fn add_allocation_row(
    batch: &mut Batch,
    org_id: i64,
    allocation_id: i64,
    account_id: i64,
    item_id: i64,
    from: &AllocationSource<'_>,
    amount_minor: i64,
) {
    batch.push(batch::AllocationRow {
        org_id: org_id.into(),
        allocation_id: allocation_id.into(),
        account_id: account_id.into(),
        item_id: item_id.into(),
        source: from.source.into(),
        payment_id: from.payment_id.into(),
        credit_note_id: from.credit_note_id.into(),
        amount_minor: amount_minor.into(),
        effective_date: from.date.into(),
        entry_id: from.entry_id.into(),
    });
}

/// Records allocations and moves item balances and statuses.
pub(super) fn record_allocations(
    batch: &mut Batch,
    org_id: i64,
    account_id: i64,
    first_allocation_id: i64,
    from: &AllocationSource<'_>,
    plan: &AllocationPlan,
    items: &[ItemRow],
) {
    for (offset, (item_id, amount)) in plan.allocations.iter().enumerate() {
        add_allocation_row(batch, org_id, first_allocation_id + offset as i64, account_id, *item_id, from, *amount);
        batch.change_item(*item_id, -amount);
        if let Some(item) = items.iter().find(|i| i.item_id == *item_id) {
            if let Some(invoice_id) = item.invoice_id {
                let status = InvoiceStatus::from_balance(item.balance_minor - amount, false);
                batch.set_invoice_status(invoice_id, status.as_str());
            }
        }
    }
}

pub(super) fn apply_plan_locally(items: &mut [ItemRow], plan: &AllocationPlan) {
    for (item_id, amount) in &plan.allocations {
        if let Some(item) = items.iter_mut().find(|i| i.item_id == *item_id) {
            item.balance_minor -= amount;
        }
    }
}

impl Store {
    pub(crate) async fn open_items(&self, conn: &mut AnyConnection, org_id: i64, account_id: i64) -> Result<Vec<ItemRow>> {
        let rows = sqlx::query(
            "SELECT item_id, reference, invoice_id, issue_date, due_date, amount_minor, balance_minor, status \
             FROM open_item WHERE org_id = $1 AND account_id = $2 AND status = 'open' ORDER BY due_date, item_id",
        )
        .bind(org_id)
        .bind(account_id)
        .fetch_all(&mut *conn)
        .await?;
        rows.iter().map(item_from_row).collect()
    }

    pub(crate) async fn item_by_reference(&self, conn: &mut AnyConnection, org_id: i64, reference: &str) -> Result<(ItemRow, i64)> {
        let row = sqlx::query(
            "SELECT item_id, reference, invoice_id, issue_date, due_date, amount_minor, balance_minor, status, account_id \
             FROM open_item WHERE org_id = $1 AND reference = $2",
        )
        .bind(org_id)
        .bind(reference.trim().to_ascii_uppercase())
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::not_found("item", reference))?;
        Ok((item_from_row(&row)?, row.try_get("account_id")?))
    }
}
