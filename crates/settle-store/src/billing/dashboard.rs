//! What the pages read at a glance: the dashboard's figures, account
//! search as you type, cash receipts, adjustments by reason, and aging
//! drilled down from a bucket to its accounts and from an account to its
//! items. Each reads through an index and never writes.

use std::collections::BTreeMap;

use jiff::ToSpan;
use serde::Serialize;
use settle_domain::aging::{days_past_due, AgingBuckets};
use settle_domain::money::{Currency, Money};
use settle_domain::Date;
use sqlx::Row;

use crate::billing::AgingReport;
use crate::platform::Organisation;
use crate::write::{fmt, parse_date};
use crate::{Result, Store, StoreError};

fn currency(code: &str) -> Result<Currency> {
    Currency::from_code(code).map_err(|e| StoreError::Corrupt(e.to_string()))
}

#[derive(Clone, Debug, Serialize)]
pub struct Dashboard {
    pub as_of: Date,
    pub currency: String,
    /// Open items less unapplied credit.
    pub total_ar_minor: i64,
    /// Bucket labels and the amount in each.
    pub buckets: Vec<(String, i64)>,
    pub credit_minor: i64,
    /// "YYYY-MM" and the cash received that month net of returned payments,
    /// for the twelve months ending with `as_of`'s.
    pub cash_by_month: Vec<(String, i64)>,
    /// Days sales outstanding over the last 90 days; None with no sales.
    pub dso_days: Option<i64>,
    pub accounts_with_balance: i64,
    pub accounts_over_90: i64,
    pub accounts_with_credit: i64,
    pub pending_approvals: i64,
    pub draft_invoices: i64,
    /// What payers owe (accounts of AR kind insurance), and the rest, net
    /// of unapplied credit; they add up to `total_ar_minor`.
    pub insurance_ar_minor: i64,
    pub patient_ar_minor: i64,
    /// The insurance follow-up list today, by urgency; `None` while the
    /// day's ranking is still to be made (`Store::rank_follow_up`).
    pub follow_up: Option<crate::claims::FollowUpCounts>,
}

impl Dashboard {
    /// Whether these figures were bucketed by `buckets` ("30,60,90,120").
    pub fn labels_match(&self, buckets: &str) -> bool {
        AgingBuckets::parse(buckets).is_ok_and(|b| b.labels().iter().eq(self.buckets.iter().map(|(l, _)| l)))
    }
}

/// An account found by search, with why it matched.
#[derive(Clone, Debug, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct SearchHit {
    pub account_number: String,
    pub name: String,
    pub date_of_birth: Option<String>,
    pub status: String,
    pub balance: String,
    pub currency: String,
    /// What matched: "account number", "name", "phone 555-...", "date of birth", "invoice INV-...".
    pub matched: String,
}

#[derive(Clone, Debug, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct ReceiptRow {
    pub date: String,
    pub method: String,
    pub count: i64,
    pub amount_minor: i64,
}

#[derive(Clone, Debug, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct AdjustmentTotal {
    pub reason: String,
    pub count: i64,
    pub amount_minor: i64,
}

/// One open item of an account, with its age.
#[derive(Clone, Debug, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct AgedItem {
    pub reference: String,
    pub description: String,
    pub issue_date: String,
    pub due_date: String,
    pub days_past_due: i64,
    pub bucket: String,
    pub amount_minor: i64,
    pub balance_minor: i64,
}

/// Digits only, for matching phone numbers however they were typed.
fn digits(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

/// A date typed as 1984-03-07, 03/07/1984 or 3/7/1984.
fn typed_date(text: &str) -> Option<Date> {
    let text = text.trim();
    if let Ok(date) = text.parse::<Date>() {
        return Some(date);
    }
    let parts: Vec<&str> = text.split('/').collect();
    if let [m, d, y] = parts.as_slice() {
        if y.len() == 4 {
            return Date::new(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?).ok();
        }
    }
    None
}

/// Adds search rows not already found, up to `limit`.
fn add_hits(hits: &mut Vec<SearchHit>, limit: usize, rows: Vec<sqlx::any::AnyRow>, matched: &dyn Fn(&sqlx::any::AnyRow) -> Result<String>) -> Result<()> {
    for r in rows {
        let number: String = r.try_get("account_number")?;
        if hits.iter().any(|h| h.account_number == number) || hits.len() >= limit {
            continue;
        }
        let cur = currency(&r.try_get::<String, _>("currency")?)?;
        hits.push(SearchHit {
            account_number: number,
            name: r.try_get("name")?,
            date_of_birth: r.try_get("date_of_birth")?,
            status: r.try_get("status")?,
            balance: fmt(r.try_get("balance")?, cur),
            currency: cur.code().to_string(),
            matched: matched(&r)?,
        });
    }
    Ok(())
}

const HIT_SELECT: &str = "SELECT a.account_number, p.name, p.date_of_birth, a.status, a.balance_minor - a.credit_minor AS balance, a.currency \
     FROM account a JOIN party p ON p.org_id = a.org_id AND p.party_id = a.party_id WHERE a.org_id = $1";

impl Store {
    /// The dashboard's figures as of `as_of`.
    pub async fn dashboard(&self, org: &Organisation, as_of: Date, buckets: &AgingBuckets) -> Result<Dashboard> {
        let aging: AgingReport = self.aging_totals(org, as_of, buckets, None).await?;
        let cur = currency(&org.base_currency)?;
        let first_month = as_of
            .first_of_month()
            .checked_sub(11.months())
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let mut months: BTreeMap<String, i64> = BTreeMap::new();
        let mut month = first_month;
        while month <= as_of {
            months.insert(month.to_string()[..7].to_string(), 0);
            month = month.checked_add(1.month()).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        }
        for r in sqlx::query(
            "SELECT SUBSTR(received_on, 1, 7) AS month, CAST(SUM(amount_minor) AS BIGINT) AS amount_minor FROM payment \
             WHERE org_id = $1 AND currency = $2 AND received_on >= $3 AND received_on <= $4 AND status = 'posted' GROUP BY 1",
        )
        .bind(org.org_id)
        .bind(cur.code())
        .bind(first_month.to_string())
        .bind(as_of.to_string())
        .fetch_all(self.reports_pool())
        .await?
        {
            if let Some(slot) = months.get_mut(&r.try_get::<String, _>("month")?) {
                *slot = slot.saturating_add(r.try_get::<i64, _>("amount_minor")?);
            }
        }
        let since = as_of.checked_sub(90.days()).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let sales: Option<i64> = sqlx::query(
            "SELECT CAST(SUM(total_minor) AS BIGINT) AS total_minor FROM invoice WHERE org_id = $1 AND currency = $2 AND issue_date > $3 AND issue_date <= $4 \
             AND status IN ('open', 'paid', 'written_off')",
        )
        .bind(org.org_id)
        .bind(cur.code())
        .bind(since.to_string())
        .bind(as_of.to_string())
        .fetch_one(self.reports_pool())
        .await?
        .try_get("total_minor")?;
        let dso_days = sales.filter(|s| *s > 0).map(|s| (aging.total_minor.max(0) * 90 + s / 2) / s);
        let over_90 = as_of.checked_sub(90.days()).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let accounts_row = sqlx::query(
            "SELECT CAST(SUM(CASE WHEN balance_minor > 0 THEN 1 ELSE 0 END) AS BIGINT) AS accounts_with_balance, CAST(SUM(CASE WHEN credit_minor > 0 THEN 1 ELSE 0 END) AS BIGINT) AS accounts_with_credit \
             FROM account WHERE org_id = $1",
        )
        .bind(org.org_id)
        .fetch_one(self.reports_pool())
        .await?;
        let accounts_over_90: i64 = sqlx::query(
            "SELECT CAST(COUNT(DISTINCT account_id) AS BIGINT) AS past_due_accounts FROM open_item WHERE org_id = $1 AND currency = $2 AND balance_minor > 0 AND due_date < $3",
        )
        .bind(org.org_id)
        .bind(cur.code())
        .bind(over_90.to_string())
        .fetch_one(self.reports_pool())
        .await?
        .try_get("past_due_accounts")?;
        let pending_approvals: i64 = sqlx::query("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM approval WHERE org_id = $1 AND status = 'pending'")
            .bind(org.org_id)
            .fetch_one(self.reports_pool())
            .await?
            .try_get("n")?;
        let draft_invoices: i64 = sqlx::query("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM invoice WHERE org_id = $1 AND status = 'draft'")
            .bind(org.org_id)
            .fetch_one(self.reports_pool())
            .await?
            .try_get("n")?;
        let insurance_ar_minor: i64 = sqlx::query(
            "SELECT CAST(COALESCE(SUM(balance_minor - credit_minor), 0) AS BIGINT) AS n FROM account WHERE org_id = $1 AND currency = $2 AND ar_kind = 'insurance'",
        )
        .bind(org.org_id)
        .bind(cur.code())
        .fetch_one(self.reports_pool())
        .await?
        .try_get("n")?;
        let follow_up = self.follow_up_counts_if_ranked(org, as_of).await?;
        Ok(Dashboard {
            insurance_ar_minor,
            patient_ar_minor: aging.total_minor - insurance_ar_minor,
            follow_up,
            as_of,
            currency: cur.code().to_string(),
            total_ar_minor: aging.total_minor,
            buckets: aging.labels.iter().cloned().zip(aging.totals_minor.iter().copied()).collect(),
            credit_minor: aging.credit_minor,
            cash_by_month: months.into_iter().collect(),
            dso_days,
            accounts_with_balance: accounts_row.try_get::<Option<i64>, _>("accounts_with_balance")?.unwrap_or(0),
            accounts_over_90,
            accounts_with_credit: accounts_row.try_get::<Option<i64>, _>("accounts_with_credit")?.unwrap_or(0),
            pending_approvals,
            draft_invoices,
        })
    }

    /// Finds accounts by account number, name, phone, date of birth or
    /// invoice number, best matches first, at most `limit`.
    pub async fn search_accounts(&self, org: &Organisation, text: &str, limit: usize) -> Result<Vec<SearchHit>> {
        if !text.trim().is_empty() {
            self.note_read(org.org_id, "account.search", &format!("search:{}", text.trim())).await?;
        }
        let text = text.trim();
        if text.is_empty() {
            return Ok(Vec::new());
        }
        let limit = limit.clamp(1, 200);
        let mut hits: Vec<SearchHit> = Vec::new();
        let upper = text.to_ascii_uppercase();
        let lim = limit as i64;
        // An invoice number, typed whole or as its digits.
        let invoice_number = if upper.starts_with("INV-") {
            Some(upper.clone())
        } else if !upper.is_empty() && upper.len() <= 6 && upper.bytes().all(|b| b.is_ascii_digit()) {
            upper.parse::<u64>().ok().map(|n| format!("INV-{n:06}"))
        } else {
            None
        };
        if let Some(number) = &invoice_number {
            let rows = sqlx::query(&format!(
                "{HIT_SELECT} AND a.account_id IN (SELECT account_id FROM invoice WHERE org_id = $1 AND invoice_number = $2) LIMIT 1"
            ))
            .bind(org.org_id)
            .bind(number)
            .fetch_all(&self.pool)
            .await?;
            let label = format!("invoice {number}");
            add_hits(&mut hits, limit, rows, &|_| Ok(label.clone()))?;
        }
        let rows = sqlx::query(&format!(
            "{HIT_SELECT} AND a.account_number >= $2 AND a.account_number < $3 ORDER BY a.account_number LIMIT {lim}"
        ))
        .bind(org.org_id)
        .bind(&upper)
        .bind(format!("{upper}\u{10FFFF}"))
        .fetch_all(&self.pool)
        .await?;
        add_hits(&mut hits, limit, rows, &|_| Ok("account number".into()))?;
        // Subqueries drive these from the index on what was typed; a join
        // would let SQLite's planner walk every account instead.
        if let Some(date) = typed_date(text) {
            let rows = sqlx::query(&format!(
                "{HIT_SELECT} AND a.party_id IN (SELECT party_id FROM party WHERE org_id = $1 AND date_of_birth = $2) ORDER BY p.name LIMIT {lim}"
            ))
            .bind(org.org_id)
            .bind(date.to_string())
            .fetch_all(&self.pool)
            .await?;
            add_hits(&mut hits, limit, rows, &|_| Ok("date of birth".into()))?;
        }
        // Phones are kept as digits (see ContactKind::normalise).
        let phone = digits(text);
        if phone.len() >= 4 && !text.chars().any(char::is_alphabetic) {
            let rows = sqlx::query(&format!(
                "{HIT_SELECT} AND a.party_id IN (SELECT party_id FROM party_contact WHERE org_id = $1 AND kind = 'phone' AND valid_to IS NULL AND value LIKE $2) \
                 ORDER BY p.name LIMIT {lim}"
            ))
            .bind(org.org_id)
            .bind(format!("%{phone}%"))
            .fetch_all(&self.pool)
            .await?;
            let label = format!("phone …{phone}…");
            add_hits(&mut hits, limit, rows, &|_| Ok(label.clone()))?;
        }
        // A name: every word typed starts a word of the name, in any order
        // ("Garcia, Kwame", "garcia kwame", one letter). Without an ORDER BY
        // the scan stops at the limit; the hits are ranked here instead.
        let looks_like_number = hits.iter().any(|h| h.matched == "account number");
        let words = settle_domain::names::search_words(text);
        if text.chars().any(char::is_alphabetic) && !words.is_empty() && !looks_like_number {
            let mut sql = HIT_SELECT.to_string();
            for i in 0..words.len() {
                sql.push_str(&format!(" AND (LOWER(p.name) LIKE ${} OR LOWER(p.name) LIKE ${})", 2 * i + 2, 2 * i + 3));
            }
            sql.push_str(&format!(" LIMIT {lim}"));
            let mut query = sqlx::query(&sql).bind(org.org_id);
            for w in &words {
                query = query.bind(format!("{w}%")).bind(format!("% {w}%"));
            }
            let rows = query.fetch_all(&self.pool).await?;
            let before = hits.len();
            add_hits(&mut hits, limit, rows, &|_| Ok("name".into()))?;
            // The name that starts with the first word typed first (a
            // surname typed first, as "Garcia, Kwame" is), then by name.
            let first = words[0].clone();
            hits[before..].sort_by(|a, b| {
                let rank = |h: &SearchHit| (!h.name.to_lowercase().starts_with(&first), h.name.clone());
                rank(a).cmp(&rank(b))
            });
        }
        Ok(hits)
    }

    /// Cash received per day and method between two dates, returned
    /// payments excluded.
    pub async fn cash_receipts(&self, org: &Organisation, from: Date, to: Date) -> Result<(String, Vec<ReceiptRow>)> {
        let cur = currency(&org.base_currency)?;
        let rows = sqlx::query(
            "SELECT received_on, method, CAST(COUNT(*) AS BIGINT) AS count, CAST(SUM(amount_minor) AS BIGINT) AS amount_minor FROM payment \
             WHERE org_id = $1 AND currency = $2 AND received_on >= $3 AND received_on <= $4 AND status = 'posted' \
             GROUP BY received_on, method ORDER BY received_on, method",
        )
        .bind(org.org_id)
        .bind(cur.code())
        .bind(from.to_string())
        .bind(to.to_string())
        .fetch_all(self.reports_pool())
        .await?
        .iter()
        .map(|r| {
            Ok(ReceiptRow {
                date: r.try_get("received_on")?,
                method: r.try_get("method")?,
                count: r.try_get("count")?,
                amount_minor: r.try_get("amount_minor")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        Ok((cur.code().to_string(), rows))
    }

    /// Adjustments per reason between two dates.
    pub async fn adjustments_by_reason(&self, org: &Organisation, from: Date, to: Date) -> Result<(String, Vec<AdjustmentTotal>)> {
        let cur = currency(&org.base_currency)?;
        let rows = sqlx::query(
            "SELECT d.reason, CAST(COUNT(*) AS BIGINT) AS count, CAST(SUM(d.amount_minor) AS BIGINT) AS amount_minor FROM adjustment d \
             JOIN account a ON a.org_id = d.org_id AND a.account_id = d.account_id \
             WHERE d.org_id = $1 AND a.currency = $2 AND d.effective_date >= $3 AND d.effective_date <= $4 GROUP BY d.reason ORDER BY d.reason",
        )
        .bind(org.org_id)
        .bind(cur.code())
        .bind(from.to_string())
        .bind(to.to_string())
        .fetch_all(self.reports_pool())
        .await?
        .iter()
        .map(|r| {
            Ok(AdjustmentTotal {
                reason: r.try_get("reason")?,
                count: r.try_get("count")?,
                amount_minor: r.try_get("amount_minor")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        Ok((cur.code().to_string(), rows))
    }

    /// An account's open items with their age and bucket as of `as_of`.
    pub async fn aged_items(&self, org: &Organisation, account_number: &str, as_of: Date, buckets: &AgingBuckets) -> Result<Vec<AgedItem>> {
        let number = account_number.trim().to_ascii_uppercase();
        let labels = buckets.labels();
        sqlx::query(
            "SELECT o.reference, o.description, o.issue_date, o.due_date, o.amount_minor, o.balance_minor FROM open_item o \
             JOIN account a ON a.org_id = o.org_id AND a.account_id = o.account_id \
             WHERE o.org_id = $1 AND a.account_number = $2 AND o.balance_minor > 0 AND o.issue_date <= $3 ORDER BY o.due_date, o.item_id",
        )
        .bind(org.org_id)
        .bind(&number)
        .bind(as_of.to_string())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            let due: String = r.try_get("due_date")?;
            let days = days_past_due(parse_date(&due)?, as_of);
            Ok(AgedItem {
                reference: r.try_get("reference")?,
                description: r.try_get("description")?,
                issue_date: r.try_get("issue_date")?,
                due_date: due,
                days_past_due: days,
                bucket: labels[buckets.bucket_index(days)].clone(),
                amount_minor: r.try_get("amount_minor")?,
                balance_minor: r.try_get("balance_minor")?,
            })
        })
        .collect()
    }
}

/// Minor units as a decimal string in `currency` (for pages and CSV).
pub fn amount(minor: i64, currency_code: &str) -> String {
    match Currency::from_code(currency_code) {
        Ok(cur) => Money::from_minor(minor, cur).to_decimal_string(),
        Err(_) => minor.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_dates_and_digits() {
        assert_eq!(typed_date("1984-03-07"), Date::new(1984, 3, 7).ok());
        assert_eq!(typed_date("3/7/1984"), Date::new(1984, 3, 7).ok());
        assert_eq!(typed_date("Smith"), None);
        assert_eq!(digits("(555) 123-4567"), "5551234567");
    }
}
