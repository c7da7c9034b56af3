//! Claims as a list: filtered by status, payer, account and text, ordered
//! by any column either way, a page at a time, and counted with their
//! total, so a worklist reaches every claim it holds.

use crate::billing::like_pattern;
use crate::claims::bad;
use crate::claims::read::ClaimSummary;
use crate::filter::Filter;
use crate::platform::Organisation;
use crate::write::fmt;
use crate::{Result, Store, StoreError};
use serde::{Deserialize, Serialize};
use settle_domain::claims::{ClaimStatus, Finding, FindingLevel};
use settle_domain::money::Currency;
use sqlx::Row;

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct ClaimFilter {
    pub status: Option<String>,
    pub payer_code: Option<String>,
    pub account_number: Option<String>,
    /// Text in the claim number, account number or patient's name.
    #[serde(default)]
    pub search: Option<String>,
    /// At most this many (500 unless set; at most 5,001).
    pub limit: Option<i64>,
    /// The column the list is ordered by (one of [`CLAIM_SORTS`]); newest
    /// first unless set.
    #[serde(default)]
    pub sort: Option<String>,
    #[serde(default)]
    pub descending: bool,
    /// Rows skipped (a page of a sorted list).
    #[serde(default)]
    pub offset: i64,
}

/// What a claim list can be ordered by: the query string's name, the SQL.
pub const CLAIM_SORTS: [(&str, &str); 7] = [
    ("number", "c.claim_id"),
    ("patient", "LOWER(p.name)"),
    ("payer", "y.payer_code"),
    ("service", "first_date_of_service"),
    ("total", "c.total_minor"),
    ("status", "c.status"),
    ("updated", "c.updated_at"),
];

/// How many claims a filter matches, and what they total.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct ClaimTally {
    pub count: i64,
    pub total: String,
}

/// The claims a filter matches, with `select` over them.
fn claim_query(org: &Organisation, select: &str, filter: &ClaimFilter) -> Result<Filter> {
    let mut q = Filter::new(
        format!(
            "{select} FROM claim c JOIN account a ON a.org_id = c.org_id AND a.account_id = c.account_id \
             JOIN party p ON p.org_id = a.org_id AND p.party_id = a.party_id \
             JOIN payer y ON y.org_id = c.org_id AND y.payer_key = c.payer_key WHERE c.org_id = $1"
        ),
        org.org_id,
    );
    if let Some(status) = filter.status.as_deref().filter(|s| !s.trim().is_empty()) {
        let status = ClaimStatus::parse(status.trim()).ok_or_else(|| {
            bad(
                "status",
                format!(
                    "{status:?} is not a claim status; use one of {}",
                    ClaimStatus::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
                ),
            )
        })?;
        q.and(" AND c.status = $?", status.as_str().to_string())?;
    }
    if let Some(payer) = filter.payer_code.as_deref().filter(|s| !s.trim().is_empty()) {
        q.and(" AND y.payer_code = $?", payer.trim().to_ascii_uppercase())?;
    }
    if let Some(account) = filter.account_number.as_deref().filter(|s| !s.trim().is_empty()) {
        q.and(" AND a.account_number = $?", account.trim().to_ascii_uppercase())?;
    }
    if let Some(search) = filter.search.as_deref().filter(|s| !s.trim().is_empty()) {
        q.and(
            " AND (LOWER(c.claim_number) LIKE $? OR LOWER(a.account_number) LIKE $? OR LOWER(p.name) LIKE $?)",
            like_pattern(search),
        )?;
    }
    Ok(q)
}

impl Store {
    /// Claims filtered by status, payer, account or text, in the order
    /// asked (newest first by default), a page at a time.
    pub async fn claims(&self, org: &Organisation, filter: &ClaimFilter) -> Result<Vec<ClaimSummary>> {
        self.note_read(org.org_id, "claim.list", "claims").await?;
        let order = match filter.sort.as_deref() {
            None | Some("") => "c.claim_id DESC".to_string(),
            Some(name) => {
                let column = CLAIM_SORTS.iter().find(|(n, _)| *n == name).map(|(_, c)| *c).ok_or_else(|| {
                    bad(
                        "sort",
                        format!("{name:?} is not a column to sort by; use one of {}", CLAIM_SORTS.map(|(n, _)| n).join(", ")),
                    )
                })?;
                let way = if filter.descending { "DESC" } else { "ASC" };
                format!("{column} {way}, c.claim_id {way}")
            }
        };
        let mut q = claim_query(
            org,
            "SELECT c.claim_number, a.account_number, p.name, y.payer_code, c.frequency, \
             (SELECT MIN(l.date_of_service || '') FROM claim_line l WHERE l.org_id = c.org_id AND l.claim_id = c.claim_id) AS first_date_of_service, \
             c.total_minor, c.currency, c.status, c.status_reason, c.findings, c.updated_at",
            filter,
        )?;
        q.sql.push_str(&format!(
            " ORDER BY {order} LIMIT {} OFFSET {}",
            filter.limit.unwrap_or(500).clamp(1, 5001),
            filter.offset.max(0)
        ));
        let rows = q.fetch(self.pool()).await?;
        rows.iter()
            .map(|r| {
                let cur = Currency::from_code(&r.try_get::<String, _>("currency")?).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                let findings: Vec<Finding> = serde_json::from_str(&r.try_get::<String, _>("findings")?)?;
                let errors = findings.iter().filter(|f| f.level == FindingLevel::Error).count() as i64;
                Ok(ClaimSummary {
                    claim_number: r.try_get("claim_number")?,
                    account_number: r.try_get("account_number")?,
                    patient_name: r.try_get("name")?,
                    payer_code: r.try_get("payer_code")?,
                    frequency: r.try_get("frequency")?,
                    first_date_of_service: r.try_get::<Option<String>, _>("first_date_of_service")?.unwrap_or_default(),
                    total: fmt(r.try_get("total_minor")?, cur),
                    currency: cur.code().to_string(),
                    status: r.try_get("status")?,
                    status_reason: r.try_get("status_reason")?,
                    errors,
                    warnings: findings.len() as i64 - errors,
                    updated_at: r.try_get("updated_at")?,
                })
            })
            .collect()
    }

    /// How many claims a filter matches (sort and page aside), and their
    /// total in the organisation's currency.
    pub async fn tally_claims(&self, org: &Organisation, filter: &ClaimFilter) -> Result<ClaimTally> {
        let q = claim_query(
            org,
            "SELECT CAST(COUNT(*) AS BIGINT) AS n, CAST(COALESCE(SUM(c.total_minor), 0) AS BIGINT) AS total",
            filter,
        )?;
        let rows = q.fetch(self.pool()).await?;
        let cur = Currency::from_code(&org.base_currency).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let (count, total) = match rows.first() {
            Some(r) => (r.try_get("n")?, r.try_get("total")?),
            None => (0, 0),
        };
        Ok(ClaimTally { count, total: fmt(total, cur) })
    }
}
