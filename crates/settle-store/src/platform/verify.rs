//! `settle verify`: recompute every balance from the journal and compare it
//! with what is stored. The journal is the truth; everything else here is a
//! cache or a document that must agree with it.

use serde::Serialize;
use sqlx::Row;

use crate::platform::Organisation;
use crate::{Result, Store, StoreError};

/// One disagreement between the journal and what is stored.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Discrepancy {
    pub check: &'static str,
    pub subject: String,
    pub expected: i64,
    pub found: i64,
}

#[derive(Clone, Debug, Serialize, Default)]
pub struct VerifyReport {
    pub entries: i64,
    pub postings: i64,
    pub items: i64,
    pub accounts: i64,
    pub discrepancies: Vec<Discrepancy>,
}

/// Each check: a name and a query returning (subject, expected, found) rows
/// that disagree. `$1` is the organisation.
const CHECKS: &[(&str, &str)] = &[
    (
        "amount within the money limit",
        // Past MAX_AMOUNT_MINOR (9,999,999,999,999) no door lets a value in; a
        // row beyond it was written around Settle. Named first, because the
        // sums below may not be able to total it.
        "SELECT 'entry ' || CAST(entry_id AS TEXT) || ' line ' || CAST(line_no AS TEXT) AS subject, 9999999999999 AS expected, CAST(amount_minor AS BIGINT) AS found FROM posting \
         WHERE org_id = $1 AND (amount_minor > 9999999999999 OR amount_minor < -9999999999999) \
         UNION ALL SELECT 'item ' || reference, 9999999999999, CAST(amount_minor AS BIGINT) FROM open_item \
         WHERE org_id = $1 AND (amount_minor > 9999999999999 OR amount_minor < -9999999999999) \
         UNION ALL SELECT 'payment ' || CAST(payment_id AS TEXT), 9999999999999, CAST(amount_minor AS BIGINT) FROM payment \
         WHERE org_id = $1 AND (amount_minor > 9999999999999 OR amount_minor < -9999999999999) \
         UNION ALL SELECT 'account ' || account_number, 999999999999900, CAST(credit_minor AS BIGINT) FROM account \
         WHERE org_id = $1 AND (credit_minor > 999999999999900 OR balance_minor > 999999999999900 OR balance_minor < -999999999999900)",
    ),
    (
        "entry balances to zero per currency",
        "SELECT 'entry ' || CAST(entry_id AS TEXT) || ' ' || currency AS subject, 0 AS expected, CAST(SUM(amount_minor) AS BIGINT) AS found FROM posting WHERE org_id = $1 \
         GROUP BY entry_id, currency HAVING SUM(amount_minor) <> 0",
    ),
    (
        "entry has at least two postings",
        "SELECT 'entry ' || CAST(e.entry_id AS TEXT) AS subject, 2 AS expected, CAST(COUNT(p.line_no) AS BIGINT) AS found FROM journal_entry e LEFT JOIN posting p ON p.org_id = e.org_id AND p.entry_id = e.entry_id \
         WHERE e.org_id = $1 GROUP BY e.entry_id HAVING COUNT(p.line_no) < 2",
    ),
    (
        "item balance equals its journal postings",
        "SELECT 'item ' || i.reference AS subject, CAST(COALESCE(SUM(p.amount_minor), 0) AS BIGINT) AS expected, i.balance_minor AS found FROM open_item i \
         LEFT JOIN posting p ON p.org_id = i.org_id AND p.item_id = i.item_id WHERE i.org_id = $1 \
         GROUP BY i.item_id, i.reference, i.balance_minor HAVING COALESCE(SUM(p.amount_minor), 0) <> i.balance_minor",
    ),
    (
        "item balance equals amount less allocations and adjustments",
        "SELECT 'item ' || i.reference AS subject, CAST(i.amount_minor - COALESCE((SELECT SUM(a.amount_minor) FROM allocation a WHERE a.org_id = i.org_id AND a.item_id = i.item_id), 0) \
         - COALESCE((SELECT SUM(d.amount_minor) FROM adjustment d WHERE d.org_id = i.org_id AND d.item_id = i.item_id), 0) \
         - CASE WHEN i.status = 'void' THEN i.amount_minor ELSE 0 END AS BIGINT) AS expected, i.balance_minor AS found FROM open_item i WHERE i.org_id = $1 \
         AND i.amount_minor - COALESCE((SELECT SUM(a.amount_minor) FROM allocation a WHERE a.org_id = i.org_id AND a.item_id = i.item_id), 0) \
         - COALESCE((SELECT SUM(d.amount_minor) FROM adjustment d WHERE d.org_id = i.org_id AND d.item_id = i.item_id), 0) \
         - CASE WHEN i.status = 'void' THEN i.amount_minor ELSE 0 END <> i.balance_minor",
    ),
    (
        "account balance equals the sum of its items",
        // The items are summed once by account, then joined: a join per account
        // let SQLite walk the organisation's items once for every account.
        "SELECT 'account ' || a.account_number AS subject, CAST(COALESCE(s.total, 0) AS BIGINT) AS expected, a.balance_minor AS found FROM account a \
         LEFT JOIN (SELECT account_id, SUM(balance_minor) AS total FROM open_item WHERE org_id = $1 GROUP BY account_id) s ON s.account_id = a.account_id \
         WHERE a.org_id = $1 AND COALESCE(s.total, 0) <> a.balance_minor",
    ),
    (
        "account credit equals its unapplied-cash postings",
        "SELECT 'account ' || a.account_number AS subject, CAST(COALESCE(-SUM(p.amount_minor), 0) AS BIGINT) AS expected, a.credit_minor AS found FROM account a \
         LEFT JOIN posting p ON p.org_id = a.org_id AND p.account_id = a.account_id AND p.gl_code = '2100' WHERE a.org_id = $1 \
         GROUP BY a.account_id, a.account_number, a.credit_minor HAVING COALESCE(-SUM(p.amount_minor), 0) <> a.credit_minor",
    ),
    (
        "receivable control accounts equal the open items",
        "SELECT 'receivables ' || t.currency AS subject, CAST(t.items AS BIGINT) AS expected, CAST(t.journal AS BIGINT) AS found FROM (SELECT c.currency, \
         COALESCE((SELECT SUM(i.balance_minor) FROM open_item i WHERE i.org_id = $1 AND i.currency = c.currency), 0) AS items, \
         COALESCE((SELECT SUM(p.amount_minor) FROM posting p WHERE p.org_id = $1 AND p.currency = c.currency AND p.gl_code IN ('1100', '1110', '1120')), 0) AS journal \
         FROM (SELECT DISTINCT currency FROM posting WHERE org_id = $1) c) t WHERE t.items <> t.journal",
    ),
    (
        "receivable posting names an item",
        "SELECT 'entry ' || CAST(entry_id AS TEXT) || ' line ' || CAST(line_no AS TEXT) AS subject, 1 AS expected, 0 AS found FROM posting WHERE org_id = $1 AND gl_code IN ('1100', '1110', '1120') AND item_id IS NULL",
    ),
    (
        "invoice total equals its lines",
        "SELECT 'invoice ' || v.invoice_number AS subject, CAST(COALESCE(SUM(l.amount_minor + l.tax_minor), 0) AS BIGINT) AS expected, v.total_minor AS found FROM invoice v \
         LEFT JOIN invoice_line l ON l.org_id = v.org_id AND l.invoice_id = v.invoice_id WHERE v.org_id = $1 \
         GROUP BY v.invoice_id, v.invoice_number, v.total_minor HAVING COALESCE(SUM(l.amount_minor + l.tax_minor), 0) <> v.total_minor",
    ),
    (
        "payment equals what it applied plus what it left as credit",
        "SELECT 'payment ' || CAST(p.payment_id AS TEXT) AS subject, p.amount_minor AS expected, p.unapplied_minor + CAST(COALESCE(SUM(a.amount_minor), 0) AS BIGINT) AS found FROM payment p \
         LEFT JOIN allocation a ON a.org_id = p.org_id AND a.payment_id = p.payment_id AND a.source = 'payment' WHERE p.org_id = $1 \
         GROUP BY p.payment_id, p.amount_minor, p.unapplied_minor HAVING p.unapplied_minor + COALESCE(SUM(a.amount_minor), 0) <> p.amount_minor",
    ),
    (
        "no entry dated in a closed period after the close",
        // The flush refuses such an entry (`gl_export::refuse_closed`); one
        // here was written around Settle, or the close was.
        "SELECT 'entry ' || CAST(e.entry_id AS TEXT) || ' dated ' || e.effective_date || ', closed through ' || c.closed_through AS subject, 0 AS expected, 1 AS found \
         FROM journal_entry e JOIN books_close c ON c.org_id = e.org_id AND e.effective_date <= c.closed_through AND e.entry_id > c.last_entry_id WHERE e.org_id = $1",
    ),
    (
        "a closed day's exported journals equal its postings",
        // What went to the general ledger for a closed day, summed over every
        // journal of that day, is what the journal holds for it.
        "SELECT 'day ' || k.day || ' ' || k.currency || ' account ' || k.gl_code AS subject, CAST(SUM(k.journal) AS BIGINT) AS expected, CAST(SUM(k.sent) AS BIGINT) AS found FROM ( \
         SELECT p.effective_date AS day, p.currency, p.gl_code, p.amount_minor AS journal, 0 AS sent FROM posting p WHERE p.org_id = $1 \
         AND p.effective_date <= (SELECT MAX(closed_through) FROM books_close WHERE org_id = $1) \
         AND EXISTS (SELECT 1 FROM gl_export_journal j WHERE j.org_id = $1 AND j.day = p.effective_date AND j.currency = p.currency) \
         UNION ALL SELECT j.day, j.currency, l.gl_code, 0, l.amount_minor FROM gl_export_journal j JOIN gl_export_line l ON l.org_id = j.org_id AND l.journal_id = j.journal_id \
         WHERE j.org_id = $1 AND j.day <= (SELECT MAX(closed_through) FROM books_close WHERE org_id = $1) \
         ) k GROUP BY k.day, k.currency, k.gl_code HAVING SUM(k.journal) <> SUM(k.sent)",
    ),
    (
        "item balance within zero and its amount",
        "SELECT 'item ' || reference AS subject, amount_minor AS expected, balance_minor AS found FROM open_item WHERE org_id = $1 AND (balance_minor < 0 OR balance_minor > amount_minor)",
    ),
];

/// Stops a corrupt database from printing millions of lines.
const MAX_DISCREPANCIES_PER_CHECK: usize = 1000;

impl Store {
    pub async fn verify(&self, org: &Organisation) -> Result<VerifyReport> {
        let mut report = VerifyReport::default();
        if self.backend() == crate::Backend::Postgres {
            crate::batch::analyze_stale(&self.pool).await?;
        }
        let count = |table: &'static str| format!("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM {table} WHERE org_id = $1");
        report.entries = sqlx::query(&count("journal_entry"))
            .bind(org.org_id)
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?;
        report.postings = sqlx::query(&count("posting")).bind(org.org_id).fetch_one(&self.pool).await?.try_get("n")?;
        report.items = sqlx::query(&count("open_item")).bind(org.org_id).fetch_one(&self.pool).await?.try_get("n")?;
        report.accounts = sqlx::query(&count("account")).bind(org.org_id).fetch_one(&self.pool).await?.try_get("n")?;
        for (check, sql) in CHECKS {
            let rows = match sqlx::query(sql).bind(org.org_id).fetch_all(&self.pool).await.map_err(StoreError::from) {
                Ok(rows) => rows,
                // A total past i64 (only rows written around Settle can make
                // one): say which check could not add up instead of failing.
                Err(StoreError::TotalTooLarge(message)) => {
                    report.discrepancies.push(Discrepancy {
                        check,
                        subject: format!("cannot be totalled ({message}); see the rows past the money limit"),
                        expected: 0,
                        found: 0,
                    });
                    continue;
                }
                Err(other) => return Err(other),
            };
            for row in rows.iter().take(MAX_DISCREPANCIES_PER_CHECK) {
                report.discrepancies.push(Discrepancy {
                    check,
                    subject: row.try_get("subject")?,
                    expected: row.try_get("expected")?,
                    found: row.try_get("found")?,
                });
            }
        }
        Ok(report)
    }
}
