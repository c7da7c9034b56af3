//! Read models: account lists and details, invoices, aging, trial balance,
//! and the journal for export. Reports compute from the journal (or from
//! cached balances when those are provably the same) and never write.

use std::collections::BTreeMap;

use serde::Serialize;
use settle_domain::aging::AgingBuckets;
use settle_domain::ledger::GlAccount;
use settle_domain::money::{report_total, Currency, Money};
use settle_domain::Date;
use sqlx::Row;

use crate::filter::Filter;
use crate::platform::Organisation;
use crate::write::parse_date;
use crate::{Result, Store, StoreError};

pub(super) fn currency(code: &str) -> Result<Currency> {
    Currency::from_code(code).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn fmt(amount_minor: i64, currency: Currency) -> String {
    Money::from_minor(amount_minor, currency).to_decimal_string()
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct AccountSummary {
    pub account_number: String,
    pub name: String,
    pub ar_kind: String,
    pub status: String,
    pub currency: String,
    /// What the open items add up to.
    pub balance: String,
    /// Unapplied credit held for the customer.
    pub credit: String,
    /// Balance less credit: what the customer owes on net.
    pub net: String,
}

#[derive(Clone, Debug, Default)]
pub struct AccountFilter {
    pub status: Option<String>,
    /// Matches the account number or the party's name (case-insensitive).
    pub search: Option<String>,
    /// Only accounts whose balance is not zero.
    pub with_balance: bool,
    /// Only accounts holding unapplied credit (to refund or to apply).
    pub in_credit: bool,
    pub limit: i64,
    /// Accounts whose number sorts after this one (cursor pagination).
    pub after: Option<String>,
    /// One of [`ACCOUNT_SORTS`] (the account number when empty).
    pub sort: String,
    pub descending: bool,
    /// Rows skipped (a page of a sorted list).
    pub offset: i64,
}

/// What an account list can be ordered by: the query string's name, the SQL.
pub const ACCOUNT_SORTS: [(&str, &str); 5] = [
    ("number", "a.account_number"),
    ("name", "LOWER(p.name)"),
    ("kind", "a.ar_kind"),
    ("credit", "a.credit_minor"),
    ("balance", "a.balance_minor"),
];

/// How many accounts a filter matches, and the credit and balance they
/// hold in the organisation's currency.
#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema)]
pub struct AccountTally {
    pub count: i64,
    pub credit: String,
    pub balance: String,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Contact {
    pub kind: String,
    /// A phone's digits, an email, or an address as one line.
    pub value: String,
    pub valid_from: String,
    pub valid_to: Option<String>,
    /// An address by its fields; none for a phone or email, or for old
    /// text that could not be read (`settle account unread-addresses` lists it).
    pub postal: Option<crate::address::PostalView>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ItemView {
    pub reference: String,
    pub kind: String,
    pub description: String,
    pub issue_date: String,
    pub due_date: String,
    pub amount: String,
    pub balance: String,
    pub status: String,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct PaymentView {
    pub payment_id: i64,
    pub received_on: String,
    pub method: String,
    pub reference: String,
    pub amount: String,
    pub status: String,
    pub allocations: Vec<crate::billing::Applied>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct LedgerLine {
    pub entry_id: i64,
    pub date: String,
    pub kind: String,
    pub memo: String,
    pub gl_code: String,
    pub item: Option<String>,
    pub amount: String,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct AccountDetail {
    pub summary: AccountSummary,
    pub party_kind: String,
    /// A person's name by its parts, as claims send it; none for a company,
    /// or for a name kept as one line that could not be read into parts.
    pub name_parts: Option<crate::names::NameParts>,
    /// Why a person's name kept as one line could not be read into parts.
    pub name_unread: Option<String>,
    pub date_of_birth: Option<String>,
    pub payment_terms: String,
    pub opened_on: String,
    pub contacts: Vec<Contact>,
    pub items: Vec<ItemView>,
    pub payments: Vec<PaymentView>,
    pub ledger: Vec<LedgerLine>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct InvoiceLineView {
    pub line_no: i64,
    pub item_code: String,
    pub description: String,
    pub quantity: String,
    pub unit_price: String,
    pub tax_rate: String,
    pub amount: String,
    pub tax: String,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct InvoiceDetail {
    pub invoice_number: String,
    pub account_number: String,
    pub status: String,
    pub issue_date: String,
    pub due_date: String,
    pub terms: String,
    pub currency: String,
    pub subtotal: String,
    pub tax: String,
    pub total: String,
    pub balance: String,
    pub memo: String,
    pub lines: Vec<InvoiceLineView>,
    /// (date, source, amount) of everything applied to it.
    pub applied: Vec<AppliedToInvoice>,
}

/// Something applied to an invoice: a payment, a credit or an adjustment.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct AppliedToInvoice {
    pub date: String,
    pub source: String,
    pub amount: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct AgingRow {
    pub account_number: String,
    pub name: String,
    /// Minor units per bucket, in the order of `AgingReport::labels`.
    pub buckets_minor: Vec<i64>,
    pub credit_minor: i64,
    pub total_minor: i64,
}

#[derive(Clone, Debug, Serialize)]
pub struct AgingReport {
    pub as_of: Date,
    pub currency: String,
    pub labels: Vec<String>,
    pub rows: Vec<AgingRow>,
    pub totals_minor: Vec<i64>,
    pub credit_minor: i64,
    pub total_minor: i64,
}

#[derive(Clone, Debug, Serialize)]
pub struct TrialBalanceRow {
    pub code: String,
    pub name: String,
    pub currency: String,
    pub debit_minor: i64,
    pub credit_minor: i64,
    /// Debit less credit.
    pub balance_minor: i64,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct JournalPosting {
    pub gl_code: String,
    pub account_number: Option<String>,
    pub item: Option<String>,
    pub amount_minor: i64,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct JournalEntryView {
    pub entry_id: i64,
    pub date: String,
    pub kind: String,
    pub currency: String,
    pub memo: String,
    pub postings: Vec<JournalPosting>,
}

pub(crate) fn like_pattern(search: &str) -> String {
    format!("%{}%", search.trim().to_lowercase().replace(['%', '_'], ""))
}

/// The accounts a filter matches, with `select` over them.
fn account_query(org: &Organisation, select: &str, filter: &AccountFilter) -> Result<Filter> {
    let q = Filter::new(
        format!("{select} FROM account a JOIN party p ON p.org_id = a.org_id AND p.party_id = a.party_id WHERE a.org_id = $1"),
        org.org_id,
    );
    account_filters(q, filter)
}

fn account_filters(mut q: Filter, filter: &AccountFilter) -> Result<Filter> {
    if let Some(status) = &filter.status {
        q.and(" AND a.status = $?", status.trim().to_ascii_lowercase())?;
    }
    if let Some(search) = filter.search.as_deref().filter(|s| !s.trim().is_empty()) {
        q.and(" AND (LOWER(a.account_number) LIKE $? OR LOWER(p.name) LIKE $?)", like_pattern(search))?;
    }
    if let Some(after) = &filter.after {
        q.and(" AND a.account_number > $?", after.to_ascii_uppercase())?;
    }
    if filter.with_balance {
        q.sql.push_str(" AND (a.balance_minor <> 0 OR a.credit_minor <> 0)");
    }
    if filter.in_credit {
        q.sql.push_str(" AND a.credit_minor > 0");
    }
    Ok(q)
}

/// The columns of [`PaymentSummary`], for `payment_summary_from_row`.
const PAYMENT_SELECT: &str = "SELECT y.payment_id, a.account_number, p.name, y.received_on, y.method, y.reference, y.currency, y.amount_minor, \
     y.unapplied_minor, y.status \
     FROM payment y JOIN account a ON a.org_id = y.org_id AND a.account_id = y.account_id \
     JOIN party p ON p.org_id = a.org_id AND p.party_id = a.party_id WHERE y.org_id = $1";

/// One payment in a list.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct PaymentSummary {
    pub payment_id: i64,
    pub account_number: String,
    pub name: String,
    pub received_on: String,
    pub method: String,
    pub reference: String,
    pub currency: String,
    pub amount: String,
    pub unapplied: String,
    pub status: String,
}

#[derive(Clone, Debug, Default)]
pub struct PaymentFilter {
    pub status: Option<String>,
    pub method: Option<String>,
    pub account_number: Option<String>,
    pub received_from: Option<Date>,
    pub received_to: Option<Date>,
    pub limit: i64,
    pub after: Option<i64>,
}

impl Store {
    pub async fn list_payments(&self, org: &Organisation, filter: &PaymentFilter) -> Result<Vec<PaymentSummary>> {
        self.note_read(org.org_id, "payment.list", "payments").await?;
        let mut q = Filter::new(PAYMENT_SELECT.to_string(), org.org_id);
        if let Some(status) = &filter.status {
            q.and(" AND y.status = $?", status.trim().to_ascii_lowercase())?;
        }
        if let Some(method) = &filter.method {
            q.and(" AND y.method = $?", method.trim().to_ascii_lowercase())?;
        }
        if let Some(number) = &filter.account_number {
            q.and(" AND a.account_number = $?", number.trim().to_ascii_uppercase())?;
        }
        if let Some(from) = filter.received_from {
            q.and(" AND y.received_on >= $?", from.to_string())?;
        }
        if let Some(to) = filter.received_to {
            q.and(" AND y.received_on <= $?", to.to_string())?;
        }
        if let Some(after) = filter.after {
            q.and(" AND y.payment_id > $?", after)?;
        }
        q.sql.push_str(&format!(" ORDER BY y.payment_id LIMIT {}", filter.limit.clamp(1, 1_000)));
        q.fetch(&self.pool).await?.iter().map(payment_summary_from_row).collect()
    }

    /// One payment with where it went.
    pub async fn payment_detail(&self, org: &Organisation, payment_id: i64) -> Result<(PaymentSummary, Vec<crate::billing::Applied>)> {
        self.note_read(org.org_id, "payment.read", &format!("payment:{payment_id}")).await?;
        let mut q = Filter::new(PAYMENT_SELECT.to_string(), org.org_id);
        q.and(" AND y.payment_id = $?", payment_id)?;
        let rows = q.fetch(&self.pool).await?;
        let row = rows.first().ok_or_else(|| StoreError::not_found("payment", payment_id))?;
        let summary = payment_summary_from_row(row)?;
        let cur = currency(&summary.currency)?;
        let allocations = sqlx::query(
            "SELECT o.reference, CAST(SUM(l.amount_minor) AS BIGINT) AS amount FROM allocation l \
             JOIN open_item o ON o.org_id = l.org_id AND o.item_id = l.item_id \
             WHERE l.org_id = $1 AND l.payment_id = $2 GROUP BY o.reference ORDER BY o.reference",
        )
        .bind(org.org_id)
        .bind(payment_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(crate::billing::Applied {
                reference: r.try_get("reference")?,
                amount: fmt(r.try_get("amount")?, cur),
            })
        })
        .collect::<Result<Vec<_>>>()?;
        Ok((summary, allocations))
    }

    pub async fn list_accounts(&self, org: &Organisation, filter: &AccountFilter) -> Result<Vec<AccountSummary>> {
        self.note_read(org.org_id, "account.list", "accounts").await?;
        let mut q = account_query(
            org,
            "SELECT a.account_number, p.name, a.ar_kind, a.status, a.currency, a.balance_minor, a.credit_minor",
            filter,
        )?;
        let column = match filter.sort.as_str() {
            "" => "a.account_number",
            name => ACCOUNT_SORTS
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, c)| *c)
                .ok_or_else(|| StoreError::invalid("sort", format!("{name:?} is not a column of the account list")))?,
        };
        let way = if filter.descending { "DESC" } else { "ASC" };
        q.sql.push_str(&format!(
            " ORDER BY {column} {way}, a.account_number {way} LIMIT {} OFFSET {}",
            filter.limit.clamp(1, 10_000),
            filter.offset.max(0)
        ));
        q.fetch(&self.pool).await?.iter().map(summary_from_row).collect()
    }

    /// How many accounts a filter matches (sort and page aside), with the
    /// credit and balance they hold in the organisation's currency.
    pub async fn tally_accounts(&self, org: &Organisation, filter: &AccountFilter) -> Result<AccountTally> {
        let mut q = account_query(
            org,
            "SELECT CAST(COUNT(*) AS BIGINT) AS n, \
             CAST(COALESCE(SUM(CASE WHEN a.currency = $2 THEN a.credit_minor ELSE 0 END), 0) AS BIGINT) AS credit, \
             CAST(COALESCE(SUM(CASE WHEN a.currency = $2 THEN a.balance_minor ELSE 0 END), 0) AS BIGINT) AS balance",
            &AccountFilter::default(),
        )?;
        // The currency is the second argument ($2 above); the filter's clauses follow it.
        q.and("", org.base_currency.clone())?;
        let q = account_filters(q, filter)?;
        let rows = q.fetch(&self.pool).await?;
        let cur = currency(&org.base_currency)?;
        let r = rows.first().ok_or_else(|| StoreError::Corrupt("no count".into()))?;
        Ok(AccountTally {
            count: r.try_get("n")?,
            credit: fmt(r.try_get("credit")?, cur),
            balance: fmt(r.try_get("balance")?, cur),
        })
    }

    pub async fn account_detail(&self, org: &Organisation, number: &str) -> Result<AccountDetail> {
        self.note_read(org.org_id, "account.read", &format!("account:{}", number.trim().to_ascii_uppercase()))
            .await?;
        let number = number.trim().to_ascii_uppercase();
        let row = sqlx::query(&format!(
            "SELECT a.account_number, p.name, a.ar_kind, a.status, a.currency, a.balance_minor, a.credit_minor, \
             p.kind, p.date_of_birth, a.payment_terms, a.opened_on, a.account_id, a.party_id, {}, p.name_unread \
             FROM account a JOIN party p ON p.org_id = a.org_id AND p.party_id = a.party_id WHERE a.org_id = $1 AND a.account_number = $2",
            crate::names::PARTY_NAME_COLUMNS
        ))
        .bind(org.org_id)
        .bind(&number)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| StoreError::not_found("account", &number))?;
        let summary = summary_from_row(&row)?;
        let cur = currency(&summary.currency)?;
        let account_id: i64 = row.try_get("account_id")?;
        let party_id: i64 = row.try_get("party_id")?;
        let contacts = sqlx::query(&format!(
            "SELECT kind, value, valid_from, valid_to, {} FROM party_contact WHERE org_id = $1 AND party_id = $2 ORDER BY kind, valid_from, contact_id",
            crate::address::COLUMNS
        ))
        .bind(org.org_id)
        .bind(party_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(Contact {
                kind: r.try_get("kind")?,
                value: r.try_get("value")?,
                valid_from: r.try_get("valid_from")?,
                valid_to: r.try_get("valid_to")?,
                postal: crate::address::postal_from(r, "")?.as_ref().map(Into::into),
            })
        })
        .collect::<Result<Vec<_>>>()?;
        let items = sqlx::query("SELECT reference, kind, description, issue_date, due_date, amount_minor, balance_minor, status FROM open_item WHERE org_id = $1 AND account_id = $2 ORDER BY due_date, item_id")
            .bind(org.org_id)
            .bind(account_id)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| {
                Ok(ItemView {
                    reference: r.try_get("reference")?,
                    kind: r.try_get("kind")?,
                    description: r.try_get("description")?,
                    issue_date: r.try_get("issue_date")?,
                    due_date: r.try_get("due_date")?,
                    amount: fmt(r.try_get("amount_minor")?, cur),
                    balance: fmt(r.try_get("balance_minor")?, cur),
                    status: r.try_get("status")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let payment_rows = sqlx::query("SELECT payment_id, received_on, method, reference, amount_minor, status FROM payment WHERE org_id = $1 AND account_id = $2 ORDER BY received_on, payment_id")
            .bind(org.org_id)
            .bind(account_id)
            .fetch_all(&self.pool)
            .await?;
        let allocation_rows = sqlx::query("SELECT a.payment_id, i.reference, a.amount_minor FROM allocation a JOIN open_item i ON i.org_id = a.org_id AND i.item_id = a.item_id WHERE a.org_id = $1 AND a.account_id = $2 AND a.payment_id IS NOT NULL ORDER BY a.allocation_id")
            .bind(org.org_id)
            .bind(account_id)
            .fetch_all(&self.pool)
            .await?;
        let mut by_payment: BTreeMap<i64, Vec<crate::billing::Applied>> = BTreeMap::new();
        for r in &allocation_rows {
            by_payment.entry(r.try_get("payment_id")?).or_default().push(crate::billing::Applied {
                reference: r.try_get("reference")?,
                amount: fmt(r.try_get("amount_minor")?, cur),
            });
        }
        let payments = payment_rows
            .iter()
            .map(|r| {
                let payment_id: i64 = r.try_get("payment_id")?;
                Ok(PaymentView {
                    payment_id,
                    received_on: r.try_get("received_on")?,
                    method: r.try_get("method")?,
                    reference: r.try_get("reference")?,
                    amount: fmt(r.try_get("amount_minor")?, cur),
                    status: r.try_get("status")?,
                    allocations: by_payment.remove(&payment_id).unwrap_or_default(),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let ledger = sqlx::query(
            "SELECT e.entry_id, e.effective_date, e.kind, e.memo, p.gl_code, i.reference, p.amount_minor FROM posting p \
             JOIN journal_entry e ON e.org_id = p.org_id AND e.entry_id = p.entry_id \
             LEFT JOIN open_item i ON i.org_id = p.org_id AND i.item_id = p.item_id \
             WHERE p.org_id = $1 AND p.account_id = $2 ORDER BY e.effective_date, e.entry_id, p.line_no",
        )
        .bind(org.org_id)
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(LedgerLine {
                entry_id: r.try_get("entry_id")?,
                date: r.try_get("effective_date")?,
                kind: r.try_get("kind")?,
                memo: r.try_get("memo")?,
                gl_code: r.try_get("gl_code")?,
                item: r.try_get("reference")?,
                amount: fmt(r.try_get("amount_minor")?, cur),
            })
        })
        .collect::<Result<Vec<_>>>()?;
        Ok(AccountDetail {
            summary,
            party_kind: row.try_get("kind")?,
            name_parts: crate::names::parts_from(&row, "name_")?.as_ref().map(Into::into),
            name_unread: row.try_get("name_unread")?,
            date_of_birth: row.try_get("date_of_birth")?,
            payment_terms: row.try_get("payment_terms")?,
            opened_on: row.try_get("opened_on")?,
            contacts,
            items,
            payments,
            ledger,
        })
    }

    pub async fn invoice_detail(&self, org: &Organisation, number: &str) -> Result<InvoiceDetail> {
        self.note_read(org.org_id, "invoice.read", &format!("invoice:{}", number.trim().to_ascii_uppercase()))
            .await?;
        let number = number.trim().to_ascii_uppercase();
        let row = sqlx::query(
            "SELECT v.invoice_id, a.account_number, v.status, v.issue_date, v.due_date, v.terms, v.currency, v.subtotal_minor, v.tax_minor, v.total_minor, v.memo, \
             COALESCE(i.balance_minor, 0) AS balance, v.item_id FROM invoice v JOIN account a ON a.org_id = v.org_id AND a.account_id = v.account_id \
             LEFT JOIN open_item i ON i.org_id = v.org_id AND i.item_id = v.item_id WHERE v.org_id = $1 AND v.invoice_number = $2",
        )
        .bind(org.org_id)
        .bind(&number)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| StoreError::not_found("invoice", &number))?;
        let cur = currency(&row.try_get::<String, _>("currency")?)?;
        let invoice_id: i64 = row.try_get("invoice_id")?;
        let lines = sqlx::query("SELECT line_no, item_code, description, quantity, unit_price_minor, tax_rate, amount_minor, tax_minor FROM invoice_line WHERE org_id = $1 AND invoice_id = $2 ORDER BY line_no")
            .bind(org.org_id)
            .bind(invoice_id)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| {
                Ok(InvoiceLineView {
                    line_no: r.try_get("line_no")?,
                    item_code: crate::platform::sight::item_code(r.try_get("item_code")?),
                    description: r.try_get("description")?,
                    quantity: r.try_get("quantity")?,
                    unit_price: fmt(r.try_get("unit_price_minor")?, cur),
                    tax_rate: r.try_get("tax_rate")?,
                    amount: fmt(r.try_get("amount_minor")?, cur),
                    tax: fmt(r.try_get("tax_minor")?, cur),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let item_id: Option<i64> = row.try_get("item_id")?;
        let mut applied = Vec::new();
        if let Some(item_id) = item_id {
            let rows = sqlx::query(
                "SELECT effective_date, source || COALESCE(' ' || CAST(payment_id AS TEXT), '') AS source, amount_minor, allocation_id AS seq FROM allocation WHERE org_id = $1 AND item_id = $2 \
                 UNION ALL SELECT effective_date, 'adjustment ' || reason, amount_minor, adjustment_id FROM adjustment WHERE org_id = $1 AND item_id = $2",
            )
            .bind(org.org_id)
            .bind(item_id)
            .fetch_all(&self.pool)
            .await?;
            // Sorted here: an ORDER BY would tempt SQLite to walk the
            // organisation's adjustments by date instead of by item.
            let mut rows = rows
                .into_iter()
                .map(|r| Ok((r.try_get::<String, _>("effective_date")?, r.try_get::<i64, _>("seq")?, r)))
                .collect::<Result<Vec<_>>>()?;
            rows.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
            for (_, _, r) in rows {
                applied.push(AppliedToInvoice {
                    date: r.try_get("effective_date")?,
                    source: r.try_get("source")?,
                    amount: fmt(r.try_get("amount_minor")?, cur),
                });
            }
        }
        Ok(InvoiceDetail {
            invoice_number: number,
            account_number: row.try_get("account_number")?,
            status: row.try_get("status")?,
            issue_date: row.try_get("issue_date")?,
            due_date: row.try_get("due_date")?,
            terms: row.try_get("terms")?,
            currency: cur.code().to_string(),
            subtotal: fmt(row.try_get("subtotal_minor")?, cur),
            tax: fmt(row.try_get("tax_minor")?, cur),
            total: fmt(row.try_get("total_minor")?, cur),
            balance: fmt(row.try_get("balance")?, cur),
            memo: row.try_get("memo")?,
            lines,
            applied,
        })
    }

    /// The latest effective date in an organisation's journal, if any.
    pub async fn last_entry_date(&self, org: &Organisation) -> Result<Option<Date>> {
        let row = sqlx::query("SELECT MAX(effective_date) AS effective_date FROM journal_entry WHERE org_id = $1")
            .bind(org.org_id)
            .fetch_one(&self.pool)
            .await?;
        row.try_get::<Option<String>, _>("effective_date")?.map(|d| parse_date(&d)).transpose()
    }

    /// Ages open items as of `as_of` by due date. Amounts are in the
    /// organisation's base currency (accounts in other currencies are aged in
    /// a report of their own, by passing `currency`).
    pub async fn aging(&self, org: &Organisation, as_of: Date, buckets: &AgingBuckets, currency_code: Option<&str>) -> Result<AgingReport> {
        self.note_read(org.org_id, "report.aging", "accounts").await?;
        self.aging_report(org, as_of, buckets, currency_code, true).await
    }

    /// [`Store::aging`] by who owes: a row per payer (each payer's
    /// receivable, AR kind insurance, named for the payer), then one row for
    /// every patient and customer together (`PATIENTS`). The payers' rows
    /// sum to the insurance receivable's control account (1120) and the whole
    /// to the same total as the other views, as of any date. It names no
    /// person (payers, and the patients summed), so it is no audited read.
    pub async fn aging_by_responsibility(&self, org: &Organisation, as_of: Date, buckets: &AgingBuckets, currency_code: Option<&str>) -> Result<AgingReport> {
        let mut report = self.aging_report(org, as_of, buckets, currency_code, true).await?;
        let payers: std::collections::BTreeSet<String> = sqlx::query("SELECT account_number FROM account WHERE org_id = $1 AND ar_kind = 'insurance'")
            .bind(org.org_id)
            .fetch_all(self.reports_pool())
            .await?
            .iter()
            .map(|r| r.try_get("account_number"))
            .collect::<std::result::Result<_, _>>()?;
        let (mut insurance, rest): (Vec<AgingRow>, Vec<AgingRow>) = report.rows.drain(..).partition(|r| payers.contains(&r.account_number));
        insurance.sort_by(|a, b| a.name.cmp(&b.name).then(a.account_number.cmp(&b.account_number)));
        let mut patients = AgingRow {
            account_number: "PATIENTS".into(),
            name: format!("Patients and customers ({} accounts)", rest.len()),
            buckets_minor: vec![0; buckets.len()],
            credit_minor: 0,
            total_minor: 0,
        };
        for r in &rest {
            for (sum, amount) in patients.buckets_minor.iter_mut().zip(&r.buckets_minor) {
                *sum = sum.saturating_add(*amount);
            }
            patients.credit_minor = patients.credit_minor.saturating_add(r.credit_minor);
            patients.total_minor = patients.total_minor.saturating_add(r.total_minor);
        }
        report.rows = insurance;
        if !rest.is_empty() {
            report.rows.push(patients);
        }
        Ok(report)
    }

    /// The same totals as [`Store::aging`] without the per-account rows:
    /// what the bucket summary needs, grouped by bucket alone.
    pub async fn aging_totals(&self, org: &Organisation, as_of: Date, buckets: &AgingBuckets, currency_code: Option<&str>) -> Result<AgingReport> {
        self.aging_report(org, as_of, buckets, currency_code, false).await
    }

    async fn aging_report(
        &self,
        org: &Organisation,
        as_of: Date,
        buckets: &AgingBuckets,
        currency_code: Option<&str>,
        by_account: bool,
    ) -> Result<AgingReport> {
        // Grouping by a constant folds every account into one row.
        let group = if by_account { "i.account_id" } else { "0" };
        let cur = match currency_code {
            Some(code) => Currency::from_code(code).map_err(|e| StoreError::invalid("currency", e))?,
            None => currency(&org.base_currency)?,
        };
        let cutoffs = buckets.due_date_cutoffs(as_of);
        let mut case = String::from("CASE");
        for (index, _) in cutoffs.iter().enumerate() {
            case.push_str(&format!(" WHEN i.due_date >= ${} THEN {index}", index + 4));
        }
        case.push_str(&format!(" ELSE {} END", cutoffs.len()));
        // When nothing is dated after as_of, the cached balances are the
        // as-of balances (verify proves they equal the journal), and reading
        // them avoids summing every posting.
        let current = self.last_entry_date(org).await?.is_none_or(|last| last <= as_of);
        let sql = if current {
            format!(
                "SELECT {group} AS grp, {case} AS bucket, CAST(SUM(i.balance_minor) AS BIGINT) AS balance FROM open_item i \
                 WHERE i.org_id = $1 AND i.currency = $2 AND i.balance_minor > 0 AND i.issue_date <= $3 GROUP BY grp, bucket"
            )
        } else {
            format!(
                "SELECT {group} AS grp, {case} AS bucket, CAST(SUM(t.balance) AS BIGINT) AS balance FROM \
                 (SELECT p.item_id, SUM(p.amount_minor) AS balance FROM posting p WHERE p.org_id = $1 AND p.currency = $2 AND p.item_id IS NOT NULL AND p.effective_date <= $3 \
                  GROUP BY p.item_id HAVING SUM(p.amount_minor) <> 0) t \
                 JOIN open_item i ON i.org_id = $1 AND i.item_id = t.item_id GROUP BY grp, bucket"
            )
        };
        let mut query = sqlx::query(&sql).bind(org.org_id).bind(cur.code()).bind(as_of.to_string());
        for cutoff in &cutoffs {
            query = query.bind(cutoff.to_string());
        }
        let rows = query.fetch_all(self.reports_pool()).await?;
        let mut per_group: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
        for row in rows {
            let bucket: i64 = row.try_get("bucket")?;
            let slot = per_group.entry(row.try_get("grp")?).or_insert_with(|| vec![0; buckets.len()]);
            slot[bucket as usize] = slot[bucket as usize].saturating_add(row.try_get::<i64, _>("balance")?);
        }
        let credit_sql = match (current, by_account) {
            (true, true) => "SELECT account_id, credit_minor AS credit FROM account WHERE org_id = $1 AND currency = $2 AND credit_minor <> 0 AND $3 = $3",
            (true, false) => "SELECT 0 AS account_id, CAST(SUM(credit_minor) AS BIGINT) AS credit FROM account WHERE org_id = $1 AND currency = $2 AND credit_minor <> 0 AND $3 = $3 HAVING SUM(credit_minor) <> 0",
            (false, true) => "SELECT account_id, CAST(-SUM(amount_minor) AS BIGINT) AS credit FROM posting WHERE org_id = $1 AND currency = $2 AND gl_code = '2100' AND effective_date <= $3 GROUP BY account_id HAVING SUM(amount_minor) <> 0",
            (false, false) => "SELECT 0 AS account_id, CAST(-SUM(amount_minor) AS BIGINT) AS credit FROM posting WHERE org_id = $1 AND currency = $2 AND gl_code = '2100' AND effective_date <= $3 HAVING SUM(amount_minor) <> 0",
        };
        let mut credits: BTreeMap<i64, i64> = BTreeMap::new();
        for row in sqlx::query(credit_sql)
            .bind(org.org_id)
            .bind(cur.code())
            .bind(as_of.to_string())
            .fetch_all(self.reports_pool())
            .await?
        {
            credits.insert(row.try_get("account_id")?, row.try_get("credit")?);
        }
        let names: BTreeMap<i64, (String, String)> = if by_account {
            sqlx::query(
                "SELECT a.account_id, a.account_number, p.name FROM account a JOIN party p ON p.org_id = a.org_id AND p.party_id = a.party_id \
                 WHERE a.org_id = $1 AND a.currency = $2",
            )
            .bind(org.org_id)
            .bind(cur.code())
            .fetch_all(self.reports_pool())
            .await?
            .iter()
            .map(|r| Ok((r.try_get("account_id")?, (r.try_get("account_number")?, r.try_get("name")?))))
            .collect::<Result<_>>()?
        } else {
            BTreeMap::new()
        };
        let mut report = AgingReport {
            as_of,
            currency: cur.code().to_string(),
            labels: buckets.labels(),
            rows: Vec::with_capacity(per_group.len()),
            totals_minor: vec![0; buckets.len()],
            credit_minor: 0,
            total_minor: 0,
        };
        let account_ids: std::collections::BTreeSet<i64> = per_group.keys().chain(credits.keys()).copied().collect();
        for account_id in account_ids {
            let buckets_minor = per_group.remove(&account_id).unwrap_or_else(|| vec![0; buckets.len()]);
            let credit_minor = credits.get(&account_id).copied().unwrap_or(0);
            let total_minor = report_total(buckets_minor.iter().copied()).saturating_sub(credit_minor);
            for (total, amount) in report.totals_minor.iter_mut().zip(&buckets_minor) {
                *total = total.saturating_add(*amount);
            }
            report.credit_minor = report.credit_minor.saturating_add(credit_minor);
            report.total_minor = report.total_minor.saturating_add(total_minor);
            if !by_account {
                continue;
            }
            let (account_number, name) = names.get(&account_id).cloned().unwrap_or_default();
            report.rows.push(AgingRow {
                account_number,
                name,
                buckets_minor,
                credit_minor,
                total_minor,
            });
        }
        report.rows.sort_by(|a, b| a.account_number.cmp(&b.account_number));
        Ok(report)
    }

    /// Debits and credits per general-ledger account up to `as_of` (all if None).
    pub async fn trial_balance(&self, org: &Organisation, as_of: Option<Date>) -> Result<Vec<TrialBalanceRow>> {
        let as_of = as_of.map_or_else(|| "9999-12-31".to_string(), |d| d.to_string());
        let rows = sqlx::query(
            "SELECT p.gl_code, g.name, p.currency, CAST(SUM(CASE WHEN p.amount_minor > 0 THEN p.amount_minor ELSE 0 END) AS BIGINT) AS debit_minor, \
             CAST(SUM(CASE WHEN p.amount_minor < 0 THEN -p.amount_minor ELSE 0 END) AS BIGINT) AS credit_minor FROM posting p \
             JOIN gl_account g ON g.org_id = p.org_id AND g.code = p.gl_code WHERE p.org_id = $1 AND p.effective_date <= $2 \
             GROUP BY p.gl_code, g.name, p.currency ORDER BY p.gl_code, p.currency",
        )
        .bind(org.org_id)
        .bind(as_of)
        .fetch_all(self.reports_pool())
        .await?;
        rows.iter()
            .map(|r| {
                let debit_minor: i64 = r.try_get("debit_minor")?;
                let credit_minor: i64 = r.try_get("credit_minor")?;
                Ok(TrialBalanceRow {
                    code: r.try_get("gl_code")?,
                    name: r.try_get("name")?,
                    currency: r.try_get("currency")?,
                    debit_minor,
                    credit_minor,
                    balance_minor: debit_minor - credit_minor,
                })
            })
            .collect()
    }

    /// Every entry with its postings, in order, `limit` entries from `after_entry_id`.
    pub async fn journal_page(&self, org: &Organisation, after_entry_id: i64, limit: i64) -> Result<Vec<JournalEntryView>> {
        self.note_read(org.org_id, "journal.read", "journal").await?;
        let entries = sqlx::query(
            "SELECT entry_id, effective_date, kind, currency, memo FROM journal_entry WHERE org_id = $1 AND entry_id > $2 ORDER BY entry_id LIMIT $3",
        )
        .bind(org.org_id)
        .bind(after_entry_id)
        .bind(limit)
        .fetch_all(self.reports_pool())
        .await?;
        let Some(last) = entries.last() else { return Ok(Vec::new()) };
        let last_id: i64 = last.try_get("entry_id")?;
        let postings = sqlx::query(
            "SELECT p.entry_id, p.gl_code, a.account_number, i.reference, p.amount_minor FROM posting p \
             LEFT JOIN account a ON a.org_id = p.org_id AND a.account_id = p.account_id \
             LEFT JOIN open_item i ON i.org_id = p.org_id AND i.item_id = p.item_id \
             WHERE p.org_id = $1 AND p.entry_id > $2 AND p.entry_id <= $3 ORDER BY p.entry_id, p.line_no",
        )
        .bind(org.org_id)
        .bind(after_entry_id)
        .bind(last_id)
        .fetch_all(self.reports_pool())
        .await?;
        let mut by_entry: BTreeMap<i64, Vec<JournalPosting>> = BTreeMap::new();
        for r in postings {
            by_entry.entry(r.try_get("entry_id")?).or_default().push(JournalPosting {
                gl_code: r.try_get("gl_code")?,
                account_number: r.try_get("account_number")?,
                item: r.try_get("reference")?,
                amount_minor: r.try_get("amount_minor")?,
            });
        }
        entries
            .iter()
            .map(|r| {
                let entry_id: i64 = r.try_get("entry_id")?;
                Ok(JournalEntryView {
                    entry_id,
                    date: r.try_get("effective_date")?,
                    kind: r.try_get("kind")?,
                    currency: r.try_get("currency")?,
                    memo: r.try_get("memo")?,
                    postings: by_entry.remove(&entry_id).unwrap_or_default(),
                })
            })
            .collect()
    }
}

/// The ledger path of a GL code, for exports.
pub fn ledger_path(code: &str) -> &'static str {
    GlAccount::from_code(code).map_or("Unknown", GlAccount::ledger_path)
}

fn payment_summary_from_row(r: &sqlx::any::AnyRow) -> Result<PaymentSummary> {
    let cur = currency(&r.try_get::<String, _>("currency")?)?;
    Ok(PaymentSummary {
        payment_id: r.try_get("payment_id")?,
        account_number: r.try_get("account_number")?,
        name: r.try_get("name")?,
        received_on: r.try_get("received_on")?,
        method: r.try_get("method")?,
        reference: r.try_get("reference")?,
        currency: cur.code().to_string(),
        amount: fmt(r.try_get("amount_minor")?, cur),
        unapplied: fmt(r.try_get("unapplied_minor")?, cur),
        status: r.try_get("status")?,
    })
}

fn summary_from_row(r: &sqlx::any::AnyRow) -> Result<AccountSummary> {
    let cur = currency(&r.try_get::<String, _>("currency")?)?;
    let balance: i64 = r.try_get("balance_minor")?;
    let credit: i64 = r.try_get("credit_minor")?;
    Ok(AccountSummary {
        account_number: r.try_get("account_number")?,
        name: r.try_get("name")?,
        ar_kind: r.try_get("ar_kind")?,
        status: r.try_get("status")?,
        currency: cur.code().to_string(),
        balance: fmt(balance, cur),
        credit: fmt(credit, cur),
        net: fmt(balance - credit, cur),
    })
}

impl Store {
    /// Every account number of an organisation, for checking imports.
    pub async fn account_numbers(&self, org: &Organisation) -> Result<std::collections::HashSet<String>> {
        let rows = sqlx::query("SELECT account_number FROM account WHERE org_id = $1")
            .bind(org.org_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| Ok(r.try_get("account_number")?)).collect()
    }
}
