//! Invoices as a list: filtered by status, account, text and days issued,
//! ordered by any column either way, a page at a time, and tallied (how
//! many match, their totals by currency).

use serde::Serialize;
use settle_domain::Date;
use sqlx::Row;

use super::reports::{currency, like_pattern};
use crate::filter::Filter;
use crate::platform::Organisation;
use crate::write::fmt;
use crate::{Result, Store};

/// One invoice in a list.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct InvoiceSummary {
    pub invoice_id: i64,
    pub invoice_number: String,
    pub account_number: String,
    pub name: String,
    pub status: String,
    pub issue_date: String,
    pub due_date: String,
    pub currency: String,
    pub total: String,
    pub balance: String,
}

#[derive(Clone, Debug, Default)]
pub struct InvoiceFilter {
    pub status: Option<String>,
    pub account_number: Option<String>,
    /// Text in the invoice number, account number or name.
    pub search: Option<String>,
    pub issued_from: Option<Date>,
    pub issued_to: Option<Date>,
    pub limit: i64,
    /// Invoices after this invoice id (cursor pagination, by number only).
    pub after: Option<i64>,
    /// The column the list is ordered by, and which way.
    pub sort: InvoiceSort,
    pub descending: bool,
    /// Rows skipped (a page of a sorted list).
    pub offset: i64,
}

/// What an invoice list can be ordered by.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum InvoiceSort {
    #[default]
    Number,
    Issued,
    Due,
    Name,
    Status,
    Total,
    Balance,
}

impl InvoiceSort {
    /// Every column, by the name a list's query string uses.
    pub const ALL: [(&'static str, InvoiceSort); 7] = [
        ("number", InvoiceSort::Number),
        ("issued", InvoiceSort::Issued),
        ("due", InvoiceSort::Due),
        ("name", InvoiceSort::Name),
        ("status", InvoiceSort::Status),
        ("total", InvoiceSort::Total),
        ("balance", InvoiceSort::Balance),
    ];

    fn column(self) -> &'static str {
        match self {
            InvoiceSort::Number => "i.invoice_id",
            InvoiceSort::Issued => "i.issue_date",
            InvoiceSort::Due => "i.due_date",
            InvoiceSort::Name => "LOWER(p.name)",
            InvoiceSort::Status => "i.status",
            InvoiceSort::Total => "i.total_minor",
            InvoiceSort::Balance => "COALESCE(o.balance_minor, 0)",
        }
    }
}

/// How many invoices a filter matches, and their sums by currency.
#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema)]
pub struct InvoiceTally {
    pub count: i64,
    /// One line per currency: the invoices' totals and what is still owed on them.
    pub sums: Vec<InvoiceSums>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct InvoiceSums {
    pub currency: String,
    pub total: String,
    pub balance: String,
}

/// The invoices a filter matches, with `select` over them (sort and page aside).
fn invoice_query(org: &Organisation, select: &str, filter: &InvoiceFilter) -> Result<Filter> {
    let mut q = Filter::new(
        format!(
            "{select} FROM invoice i JOIN account a ON a.org_id = i.org_id AND a.account_id = i.account_id \
             JOIN party p ON p.org_id = a.org_id AND p.party_id = a.party_id \
             LEFT JOIN open_item o ON o.org_id = i.org_id AND o.item_id = i.item_id WHERE i.org_id = $1"
        ),
        org.org_id,
    );
    if let Some(status) = &filter.status {
        q.and(" AND i.status = $?", status.trim().to_ascii_lowercase())?;
    }
    if let Some(number) = &filter.account_number {
        q.and(" AND a.account_number = $?", number.trim().to_ascii_uppercase())?;
    }
    if let Some(search) = filter.search.as_deref().filter(|s| !s.trim().is_empty()) {
        q.and(
            " AND (LOWER(i.invoice_number) LIKE $? OR LOWER(a.account_number) LIKE $? OR LOWER(p.name) LIKE $?)",
            like_pattern(search),
        )?;
    }
    if let Some(from) = filter.issued_from {
        q.and(" AND i.issue_date >= $?", from.to_string())?;
    }
    if let Some(to) = filter.issued_to {
        q.and(" AND i.issue_date <= $?", to.to_string())?;
    }
    Ok(q)
}

impl Store {
    pub async fn list_invoices(&self, org: &Organisation, filter: &InvoiceFilter) -> Result<Vec<InvoiceSummary>> {
        self.note_read(org.org_id, "invoice.list", "invoices").await?;
        let mut q = invoice_query(
            org,
            "SELECT i.invoice_id, i.invoice_number, a.account_number, p.name, i.status, i.issue_date, i.due_date, i.currency, \
             i.total_minor, COALESCE(o.balance_minor, 0) AS balance",
            filter,
        )?;
        if let Some(after) = filter.after {
            q.and(" AND i.invoice_id > $?", after)?;
        }
        let direction = if filter.descending { "DESC" } else { "ASC" };
        q.sql.push_str(&format!(
            " ORDER BY {} {direction}, i.invoice_id {direction} LIMIT {} OFFSET {}",
            filter.sort.column(),
            filter.limit.clamp(1, 10_000),
            filter.offset.max(0)
        ));
        q.fetch(&self.pool)
            .await?
            .iter()
            .map(|r| {
                let cur = currency(&r.try_get::<String, _>("currency")?)?;
                Ok(InvoiceSummary {
                    invoice_id: r.try_get("invoice_id")?,
                    invoice_number: r.try_get("invoice_number")?,
                    account_number: r.try_get("account_number")?,
                    name: r.try_get("name")?,
                    status: r.try_get("status")?,
                    issue_date: r.try_get("issue_date")?,
                    due_date: r.try_get("due_date")?,
                    currency: cur.code().to_string(),
                    total: fmt(r.try_get("total_minor")?, cur),
                    balance: fmt(r.try_get("balance")?, cur),
                })
            })
            .collect()
    }

    /// How many invoices match `filter` (its sort and page aside), and their sums.
    pub async fn tally_invoices(&self, org: &Organisation, filter: &InvoiceFilter) -> Result<InvoiceTally> {
        let mut q = invoice_query(
            org,
            "SELECT i.currency, CAST(COUNT(*) AS BIGINT) AS n, CAST(SUM(i.total_minor) AS BIGINT) AS total, \
             CAST(SUM(COALESCE(o.balance_minor, 0)) AS BIGINT) AS balance",
            filter,
        )?;
        q.sql.push_str(" GROUP BY i.currency ORDER BY i.currency");
        let mut tally = InvoiceTally::default();
        for r in q.fetch(&self.pool).await? {
            let cur = currency(&r.try_get::<String, _>("currency")?)?;
            tally.count += r.try_get::<i64, _>("n")?;
            tally.sums.push(InvoiceSums {
                currency: cur.code().to_string(),
                total: fmt(r.try_get("total")?, cur),
                balance: fmt(r.try_get("balance")?, cur),
            });
        }
        Ok(tally)
    }
}
