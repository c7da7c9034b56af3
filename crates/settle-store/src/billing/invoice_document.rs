//! An invoice drawn up for the customer: the invoice as kept, the
//! organisation's letterhead and remit-to, and the account's addressee.

use settle_pdf::invoice::{InvoiceDocument, InvoiceLine};
use sqlx::Row;

use crate::platform::Organisation;
use crate::{Result, Store, StoreError};

impl Store {
    /// An invoice as the customer receives it (read, so audited as a read).
    pub async fn invoice_document(&self, org: &Organisation, number: &str) -> Result<InvoiceDocument> {
        let detail = self.invoice_detail(org, number).await?;
        let mut conn = self.pool.acquire().await?;
        let account_id: i64 = sqlx::query("SELECT account_id FROM account WHERE org_id = $1 AND account_number = $2")
            .bind(org.org_id)
            .bind(&detail.account_number)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| StoreError::not_found("account", &detail.account_number))?
            .try_get("account_id")?;
        let letterhead = self.letterhead(&mut conn, org).await?;
        let (_, bill_to) = self.addressee(&mut conn, org.org_id, account_id).await?;
        let cur = settle_domain::money::Currency::from_code(&detail.currency).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let minor = |text: &str| settle_domain::money::Money::parse(text, cur).map(|m| m.amount_minor()).unwrap_or(0);
        let paid = if detail.status == "draft" || detail.status == "void" {
            0
        } else {
            minor(&detail.total) - minor(&detail.balance)
        };
        Ok(InvoiceDocument {
            number: detail.invoice_number.clone(),
            status: detail.status.clone(),
            issue_date: detail.issue_date.clone(),
            due_date: detail.due_date.clone(),
            terms: detail.terms.clone(),
            currency: detail.currency.clone(),
            seller: letterhead.from,
            phone: letterhead.phone,
            bill_to,
            account_number: detail.account_number.clone(),
            lines: detail
                .lines
                .iter()
                .map(|l| InvoiceLine {
                    code: l.item_code.clone(),
                    description: l.description.clone(),
                    quantity: l.quantity.clone(),
                    unit_price: l.unit_price.clone(),
                    tax_rate: l.tax_rate.clone(),
                    amount: l.amount.clone(),
                })
                .collect(),
            subtotal: detail.subtotal.clone(),
            tax: detail.tax.clone(),
            total: detail.total.clone(),
            paid: crate::write::fmt(paid, cur),
            balance: if detail.status == "draft" {
                detail.total.clone()
            } else {
                detail.balance.clone()
            },
            memo: detail.memo,
            remit_to: letterhead.remit_to,
            payment_instructions: letterhead.instructions,
        })
    }
}
