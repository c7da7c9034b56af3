use crate::batch::{self, Batch, V};
use crate::billing::accounts::AccountRow;
use crate::billing::items::{add_item_row, ItemRow, NewItem};
use crate::platform::Organisation;
use crate::write::status;
use crate::write::{check_text, fmt, next_ids, parse_date, write_command, IdBlock, Staging};
use crate::{now_text, Result, Store, StoreError};
use serde::{Deserialize, Serialize};
use settle_domain::account::AccountStatus;
use settle_domain::events::{self};
use settle_domain::invoice::{price_lines, InvoiceStatus, LineInput, PaymentTerms};
use settle_domain::money::Money;
use settle_domain::{Date, Decimal, IdempotencyKey};
use sqlx::Row;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewInvoiceLine {
    pub item_code: String,
    #[serde(default)]
    pub description: String,
    /// A decimal such as "1" or "2.5".
    #[schema(pattern = r"^[0-9]{1,9}(\.[0-9]{1,4})?$", example = "1")]
    pub quantity: String,
    /// A decimal amount in the account's currency, such as "125.00".
    #[schema(pattern = r"^-?(0|[1-9][0-9]{0,12})(\.[0-9]{1,4})?$", example = "125.00")]
    pub unit_price: String,
    /// A percentage such as "8.25"; "0" for none.
    #[serde(default = "no_tax")]
    #[schema(pattern = r"^[0-9]{1,3}(\.[0-9]{1,4})?$", example = "0")]
    pub tax_rate: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewInvoice {
    #[schema(example = "P-000001")]
    pub account_number: String,
    pub issue_date: Date,
    /// Overrides the account's terms: "net30", "due-on-receipt" or a date.
    pub terms: Option<String>,
    pub lines: Vec<NewInvoiceLine>,
    #[serde(default)]
    pub memo: String,
    /// A draft has no ledger effect until issued.
    #[serde(default)]
    pub draft: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct InvoiceCreated {
    pub invoice_id: i64,
    pub invoice_number: String,
    pub status: String,
    pub due_date: Date,
    pub subtotal: String,
    pub tax: String,
    pub total: String,
}

fn no_tax() -> String {
    "0".into()
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VoidInvoice {
    pub invoice_number: String,
    pub date: Date,
    pub reason: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueInvoice {
    pub invoice_number: String,
}

/// Checks and prices an invoice's lines, terms and memo for `account`.
pub(super) fn price_invoice(
    account: &AccountRow,
    cmd: &NewInvoice,
) -> Result<(
    String,
    Vec<settle_domain::invoice::PricedLine>,
    settle_domain::invoice::InvoiceTotals,
    PaymentTerms,
    Date,
)> {
    let memo = check_text("memo", &cmd.memo, 500)?;
    let mut inputs = Vec::with_capacity(cmd.lines.len());
    for (index, line) in cmd.lines.iter().enumerate() {
        let n = index + 1;
        let bad = |field: &str, e: &dyn std::fmt::Display| StoreError::Invalid {
            field: "lines",
            message: format!("line {n}: {field}: {e}"),
        };
        let quantity: Decimal = line.quantity.trim().parse().map_err(|e| bad("quantity", &e))?;
        let unit_price = Money::parse(&line.unit_price, account.currency).map_err(|e| bad("unit_price", &e))?;
        let tax_rate_percent: Decimal = line.tax_rate.trim().parse().map_err(|e| bad("tax_rate", &e))?;
        let item_code = check_text("lines.item_code", &line.item_code, 40)?;
        let description = check_text("lines.description", &line.description, 500)?;
        inputs.push(LineInput {
            item_code,
            description,
            quantity,
            unit_price,
            tax_rate_percent,
        });
    }
    let (priced, totals) = price_lines(inputs).map_err(|e| StoreError::invalid("lines", e))?;
    let terms_text = cmd.terms.clone().unwrap_or_else(|| account.payment_terms.clone());
    let terms = PaymentTerms::parse(&terms_text).map_err(|e| StoreError::invalid("terms", e))?;
    let due_date = terms.due_date(cmd.issue_date).map_err(|e| StoreError::invalid("terms", e))?;
    Ok((memo, priced, totals, terms, due_date))
}

/// Stages an invoice's priced lines, numbered from 1.
fn stage_invoice_lines(batch: &mut Batch, org_id: i64, invoice_id: i64, priced: &[settle_domain::invoice::PricedLine]) {
    for (index, line) in priced.iter().enumerate() {
        batch.push(batch::InvoiceLineRow {
            org_id: org_id.into(),
            invoice_id: invoice_id.into(),
            line_no: (index as i64 + 1).into(),
            item_code: line.input.item_code.clone().into(),
            description: line.input.description.clone().into(),
            quantity: line.input.quantity.normalize().to_string().into(),
            unit_price_minor: line.input.unit_price.amount_minor().into(),
            tax_rate: line.input.tax_rate_percent.normalize().to_string().into(),
            amount_minor: line.amount_minor.into(),
            tax_minor: line.tax_minor.into(),
        });
    }
}

/// A draft invoice's new content: it replaces the lines, dates and memo.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EditDraftInvoice {
    #[schema(example = "INV-000001")]
    pub invoice_number: String,
    pub issue_date: Date,
    pub terms: Option<String>,
    pub lines: Vec<NewInvoiceLine>,
    #[serde(default)]
    pub memo: String,
}

/// An invoice being issued: its numbers, dates and totals, the open item
/// it becomes and the entry that books it.
struct Issue<'a> {
    invoice_id: i64,
    invoice_number: &'a str,
    description: &'a str,
    issue_date: Date,
    due_date: Date,
    totals: settle_domain::invoice::InvoiceTotals,
    item_id: i64,
    entry_id: i64,
    memo: &'a str,
}

impl Store {
    /// Prices, numbers and (unless a draft) issues an invoice into `batch`.
    pub(crate) async fn stage_invoice(&self, st: Staging<'_>, account: &mut AccountRow, items: &mut Vec<ItemRow>, cmd: &NewInvoice) -> Result<InvoiceCreated> {
        let Staging { conn, org_id, batch, ids } = st;
        if account.status == AccountStatus::Closed {
            return Err(StoreError::invalid("account_number", format!("account {} is closed", account.account_number)));
        }
        let (memo, priced, totals, terms, due_date) = price_invoice(account, cmd)?;
        let invoice_id = ids.take(conn, org_id, "invoice", 1).await?;
        let invoice_number = format!("INV-{invoice_id:06}");
        let status = if cmd.draft { InvoiceStatus::Draft } else { InvoiceStatus::Open };
        let now = now_text();
        let (item_id, entry_id) = if cmd.draft {
            (None, None)
        } else {
            (Some(ids.take(conn, org_id, "item", 1).await?), Some(ids.take(conn, org_id, "entry", 1).await?))
        };
        batch.push(batch::InvoiceRow {
            org_id: org_id.into(),
            invoice_id: invoice_id.into(),
            invoice_number: invoice_number.clone().into(),
            account_id: account.account_id.into(),
            status: status.as_str().into(),
            issue_date: cmd.issue_date.into(),
            due_date: due_date.into(),
            terms: terms.to_string().into(),
            currency: account.currency.code().into(),
            subtotal_minor: totals.subtotal_minor.into(),
            tax_minor: totals.tax_minor.into(),
            total_minor: totals.total_minor.into(),
            memo: memo.clone().into(),
            item_id: item_id.into(),
            entry_id: entry_id.into(),
            void_entry_id: V::NI(None),
            created_at: now.clone().into(),
        });
        stage_invoice_lines(batch, org_id, invoice_id, &priced);
        if let (Some(item_id), Some(entry_id)) = (item_id, entry_id) {
            let description = priced.first().map(|l| l.input.description.clone()).unwrap_or_default();
            self.stage_issue(
                batch,
                org_id,
                account,
                Issue {
                    invoice_id,
                    invoice_number: &invoice_number,
                    description: &description,
                    issue_date: cmd.issue_date,
                    due_date,
                    totals,
                    item_id,
                    entry_id,
                    memo: &memo,
                },
                &now,
            )?;
            account.balance_minor += totals.total_minor;
            items.push(ItemRow {
                item_id,
                reference: invoice_number.clone(),
                invoice_id: Some(invoice_id),
                issue_date: cmd.issue_date,
                due_date,
                amount_minor: totals.total_minor,
                balance_minor: totals.total_minor,
                status: settle_domain::status::ItemStatus::Open,
            });
        }
        Ok(InvoiceCreated {
            invoice_id,
            invoice_number,
            status: status.as_str().to_string(),
            due_date,
            subtotal: fmt(totals.subtotal_minor, account.currency),
            tax: fmt(totals.tax_minor, account.currency),
            total: fmt(totals.total_minor, account.currency),
        })
    }

    fn stage_issue(&self, batch: &mut Batch, org_id: i64, account: &AccountRow, issue: Issue<'_>, now: &str) -> Result<()> {
        let Issue {
            invoice_id,
            invoice_number,
            description,
            issue_date,
            due_date,
            totals,
            item_id,
            entry_id,
            memo,
        } = issue;
        let entry = events::invoice_issued(
            issue_date,
            account.currency,
            account.receivable(),
            item_id,
            totals,
            format!("Invoice {invoice_number} {memo}").trim(),
        )?;
        batch.add_entry(org_id, entry_id, Some(account.account_id), &entry, now);
        add_item_row(
            batch,
            org_id,
            account,
            NewItem {
                item_id,
                reference: invoice_number,
                kind: "invoice",
                invoice_id: Some(invoice_id),
                description,
                issue_date,
                due_date,
                amount_minor: totals.total_minor,
            },
        );
        batch.change_account(account.account_id, totals.total_minor, 0);
        Ok(())
    }

    pub async fn create_invoice(&self, org: &Organisation, cmd: &NewInvoice, key: Option<&IdempotencyKey>) -> Result<InvoiceCreated> {
        write_command!(self, org.org_id, key, cmd, |tx| {
            let mut account = self.account_by_number(tx.conn(), org.org_id, &cmd.account_number).await?;
            let mut batch = Batch::default();
            let created = self
                .stage_invoice(
                    Staging {
                        conn: tx.conn(),
                        org_id: org.org_id,
                        batch: &mut batch,
                        ids: &mut IdBlock::default(),
                    },
                    &mut account,
                    &mut Vec::new(),
                    cmd,
                )
                .await?;
            batch.flush(tx.conn(), org.org_id).await?;
            created
        })
    }

    /// Replaces a draft invoice's lines, dates and memo. Issued invoices
    /// are never edited: void and reissue, or adjust.
    pub async fn edit_draft_invoice(&self, org: &Organisation, cmd: &EditDraftInvoice, key: Option<&IdempotencyKey>) -> Result<InvoiceCreated> {
        write_command!(self, org.org_id, key, cmd, |tx| {
            let conn = tx.conn();
            let number = cmd.invoice_number.trim().to_ascii_uppercase();
            let row = sqlx::query(&format!(
                "SELECT invoice_id, account_id, status FROM invoice WHERE org_id = $1 AND invoice_number = $2{}",
                self.for_update()
            ))
            .bind(org.org_id)
            .bind(&number)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| StoreError::not_found("invoice", &number))?;
            let invoice_id: i64 = row.try_get("invoice_id")?;
            let status: InvoiceStatus = status(&row, "status")?;
            if status != InvoiceStatus::Draft {
                return Err(StoreError::invalid(
                    "invoice_number",
                    format!("invoice {number} is {status}; only a draft can be edited (void it or adjust it instead)"),
                ));
            }
            let account = self.account_by_id(conn, org.org_id, row.try_get("account_id")?).await?;
            let as_new = NewInvoice {
                account_number: account.account_number.clone(),
                issue_date: cmd.issue_date,
                terms: cmd.terms.clone(),
                lines: cmd.lines.clone(),
                memo: cmd.memo.clone(),
                draft: true,
            };
            let (memo, priced, totals, terms, due_date) = price_invoice(&account, &as_new)?;
            sqlx::query("DELETE FROM invoice_line WHERE org_id = $1 AND invoice_id = $2")
                .bind(org.org_id)
                .bind(invoice_id)
                .execute(&mut *conn)
                .await?;
            let mut batch = Batch::default();
            stage_invoice_lines(&mut batch, org.org_id, invoice_id, &priced);
            batch.flush(conn, org.org_id).await?;
            sqlx::query(
                "UPDATE invoice SET issue_date = $3, due_date = $4, terms = $5, subtotal_minor = $6, tax_minor = $7, total_minor = $8, memo = $9 \
                 WHERE org_id = $1 AND invoice_id = $2",
            )
            .bind(org.org_id)
            .bind(invoice_id)
            .bind(cmd.issue_date.to_string())
            .bind(due_date.to_string())
            .bind(terms.to_string())
            .bind(totals.subtotal_minor)
            .bind(totals.tax_minor)
            .bind(totals.total_minor)
            .bind(memo)
            .execute(&mut *conn)
            .await?;
            InvoiceCreated {
                invoice_id,
                invoice_number: number.clone(),
                status: "draft".into(),
                due_date,
                subtotal: fmt(totals.subtotal_minor, account.currency),
                tax: fmt(totals.tax_minor, account.currency),
                total: fmt(totals.total_minor, account.currency),
            }
        })
    }

    /// Issues a draft invoice: it gets its open item and journal entry now.
    pub async fn issue_invoice(&self, org: &Organisation, cmd: &IssueInvoice, key: Option<&IdempotencyKey>) -> Result<InvoiceCreated> {
        write_command!(self, org.org_id, key, cmd, |tx| {
            let conn = tx.conn();
            let number = cmd.invoice_number.trim().to_ascii_uppercase();
            let row = sqlx::query("SELECT invoice_id, account_id, status, issue_date, due_date, subtotal_minor, tax_minor, total_minor, memo FROM invoice WHERE org_id = $1 AND invoice_number = $2")
                .bind(org.org_id)
                .bind(&number)
                .fetch_optional(&mut *conn)
                .await?
                .ok_or_else(|| StoreError::not_found("invoice", &number))?;
            let status: InvoiceStatus = status(&row, "status")?;
            if status != InvoiceStatus::Draft {
                return Err(StoreError::invalid(
                    "invoice_number",
                    format!("invoice {number} is {status}; only a draft can be issued"),
                ));
            }
            let account_id: i64 = row.try_get("account_id")?;
            let account = self.account_by_id(conn, org.org_id, account_id).await?;
            let totals = settle_domain::invoice::InvoiceTotals {
                subtotal_minor: row.try_get("subtotal_minor")?,
                tax_minor: row.try_get("tax_minor")?,
                total_minor: row.try_get("total_minor")?,
            };
            let invoice_id: i64 = row.try_get("invoice_id")?;
            let issue_date = parse_date(&row.try_get::<String, _>("issue_date")?)?;
            let due_date = parse_date(&row.try_get::<String, _>("due_date")?)?;
            let memo: String = row.try_get("memo")?;
            let description: String = sqlx::query("SELECT description FROM invoice_line WHERE org_id = $1 AND invoice_id = $2 AND line_no = 1")
                .bind(org.org_id)
                .bind(invoice_id)
                .fetch_one(&mut *conn)
                .await?
                .try_get("description")?;
            let item_id = next_ids(conn, org.org_id, "item", 1).await?;
            let entry_id = next_ids(conn, org.org_id, "entry", 1).await?;
            let mut batch = Batch::default();
            self.stage_issue(
                &mut batch,
                org.org_id,
                &account,
                Issue {
                    invoice_id,
                    invoice_number: &number,
                    description: &description,
                    issue_date,
                    due_date,
                    totals,
                    item_id,
                    entry_id,
                    memo: &memo,
                },
                &now_text(),
            )?;
            batch.flush(conn, org.org_id).await?;
            sqlx::query("UPDATE invoice SET status = 'open', item_id = $3, entry_id = $4 WHERE org_id = $1 AND invoice_id = $2")
                .bind(org.org_id)
                .bind(invoice_id)
                .bind(item_id)
                .bind(entry_id)
                .execute(&mut *conn)
                .await?;
            InvoiceCreated {
                invoice_id,
                invoice_number: number,
                status: "open".into(),
                due_date,
                subtotal: fmt(totals.subtotal_minor, account.currency),
                tax: fmt(totals.tax_minor, account.currency),
                total: fmt(totals.total_minor, account.currency),
            }
        })
    }

    /// Voids an open invoice on which nothing has been applied.
    pub async fn void_invoice(&self, org: &Organisation, cmd: &VoidInvoice, key: Option<&IdempotencyKey>) -> Result<InvoiceCreated> {
        write_command!(self, org.org_id, key, cmd, |tx| {
            let conn = tx.conn();
            let number = cmd.invoice_number.trim().to_ascii_uppercase();
            let (item, account_id) = self.item_by_reference(conn, org.org_id, &number).await.map_err(|e| match e {
                StoreError::NotFound { .. } => StoreError::not_found("invoice", &number),
                other => other,
            })?;
            let invoice_id = item
                .invoice_id
                .ok_or_else(|| StoreError::invalid("invoice_number", format!("{number} is not an invoice")))?;
            let row = sqlx::query("SELECT status, subtotal_minor, tax_minor, total_minor, due_date FROM invoice WHERE org_id = $1 AND invoice_id = $2")
                .bind(org.org_id)
                .bind(invoice_id)
                .fetch_one(&mut *conn)
                .await?;
            let status: InvoiceStatus = status(&row, "status")?;
            if status != InvoiceStatus::Open {
                return Err(StoreError::invalid(
                    "invoice_number",
                    format!("invoice {number} is {status}; only an open invoice can be voided"),
                ));
            }
            let account = self.account_by_id(conn, org.org_id, account_id).await?;
            // Re-read the item under the account lock.
            let (item, _) = self.item_by_reference(conn, org.org_id, &number).await?;
            if item.balance_minor != item.amount_minor {
                return Err(StoreError::invalid(
                    "invoice_number",
                    format!(
                        "invoice {number} has {} applied; reverse the payments or credits before voiding",
                        fmt(item.amount_minor - item.balance_minor, account.currency)
                    ),
                ));
            }
            let totals = settle_domain::invoice::InvoiceTotals {
                subtotal_minor: row.try_get("subtotal_minor")?,
                tax_minor: row.try_get("tax_minor")?,
                total_minor: row.try_get("total_minor")?,
            };
            let reason = check_text("reason", &cmd.reason, 500)?;
            let entry = events::invoice_voided(
                cmd.date,
                account.currency,
                account.receivable(),
                item.item_id,
                totals,
                &format!("Void {number}: {reason}"),
            )?;
            let entry_id = next_ids(conn, org.org_id, "entry", 1).await?;
            let mut batch = Batch::default();
            batch.add_entry(org.org_id, entry_id, Some(account.account_id), &entry, &now_text());
            batch.item_changes.insert(
                item.item_id,
                crate::batch::ItemChange {
                    balance_delta_minor: -item.balance_minor,
                    written_off: false,
                    void: true,
                },
            );
            batch.change_account(account.account_id, -item.balance_minor, 0);
            batch.invoice_updates.push((invoice_id, "void", Some(entry_id)));
            batch.flush(conn, org.org_id).await?;
            InvoiceCreated {
                invoice_id,
                invoice_number: number,
                status: "void".into(),
                due_date: item.due_date,
                subtotal: fmt(totals.subtotal_minor, account.currency),
                tax: fmt(totals.tax_minor, account.currency),
                total: fmt(totals.total_minor, account.currency),
            }
        })
    }
}
