//! The audit trail as an auditor reads it: rows filtered by who, what,
//! which record and which days, newest first, a page at a time, with how
//! many match in all.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::filter::Filter;
use crate::platform::audit::{audit_row_from, AuditRow};
use crate::platform::Organisation;
use crate::{Result, Store, StoreError};

/// What an auditor looks for. An empty field matches every row.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrailFilter {
    /// Who: an actor as the trail writes it ("user:alice@clinic",
    /// "token:3", "cli:root") or a username ("alice@clinic").
    pub who: String,
    /// What: an action ("login.failed") or every action of a kind ("login").
    pub action: String,
    /// Which record: any part of it, in any case ("A-1001", "invoice:").
    pub record: String,
    /// From this day (UTC), inclusive.
    pub from: Option<Date>,
    /// To this day (UTC), inclusive.
    pub to: Option<Date>,
}

/// Which way a page runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrailOrder {
    /// Newest first, rows before `seq` (the auditor's page).
    NewestBefore(Option<i64>),
    /// Oldest first, rows after `seq` (the API's cursor, exports).
    OldestAfter(i64),
}

fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

impl TrailFilter {
    /// Refuses what cannot match anything sensibly, naming the field.
    pub fn check(&self) -> Result<()> {
        if let (Some(from), Some(to)) = (self.from, self.to) {
            if to < from {
                return Err(StoreError::invalid("to", format!("{to} is before the from day {from}")));
            }
        }
        for (field, value) in [("who", &self.who), ("action", &self.action), ("record", &self.record)] {
            if value.chars().count() > 200 {
                return Err(StoreError::invalid(field, "is longer than 200 characters"));
            }
        }
        Ok(())
    }

    pub fn is_empty(&self) -> bool {
        self == &TrailFilter::default()
    }

    fn apply(&self, q: &mut Filter) -> Result<()> {
        let who = self.who.trim();
        if !who.is_empty() {
            // The actor itself, a user by username, or a token by its id.
            q.and_each(
                " AND (actor = $? OR actor = $? OR actor LIKE $? ESCAPE '\\')",
                &[who.to_string(), format!("user:{who}"), format!("{}:%", escape_like(who))],
            )?;
        }
        let action = self.action.trim();
        if !action.is_empty() {
            q.and_each(
                " AND (action = $? OR action LIKE $? ESCAPE '\\')",
                &[action.to_string(), format!("{}.%", escape_like(action))],
            )?;
        }
        let record = self.record.trim();
        if !record.is_empty() {
            q.and(" AND LOWER(record) LIKE $? ESCAPE '\\'", format!("%{}%", escape_like(&record.to_lowercase())))?;
        }
        if let Some(from) = self.from {
            q.and(" AND at >= $?", from.to_string())?;
        }
        if let Some(to) = self.to {
            let next = to.tomorrow().map_err(|e| StoreError::invalid("to", e.to_string()))?;
            q.and(" AND at < $?", next.to_string())?;
        }
        Ok(())
    }
}

impl Store {
    /// A page of the trail that matches `filter`, in `order`.
    pub async fn audit_search(&self, org: &Organisation, filter: &TrailFilter, order: TrailOrder, limit: i64) -> Result<Vec<AuditRow>> {
        filter.check()?;
        let mut q = Filter::new(
            "SELECT seq, at, actor, address, action, record, before_json, after_json, prev_hash, hash FROM audit_log WHERE org_id = $1".into(),
            org.org_id,
        );
        filter.apply(&mut q)?;
        let tail = match order {
            TrailOrder::NewestBefore(before) => {
                if let Some(before) = before {
                    q.and(" AND seq < $?", before)?;
                }
                " ORDER BY seq DESC"
            }
            TrailOrder::OldestAfter(after) => {
                q.and(" AND seq > $?", after)?;
                " ORDER BY seq"
            }
        };
        let (mut sql, args) = q.finish();
        sql.push_str(tail);
        sql.push_str(&format!(" LIMIT {}", limit.clamp(1, 10_000)));
        let rows = sqlx::query_with(&sql, args).fetch_all(&self.pool).await?;
        rows.iter().map(audit_row_from).collect()
    }

    /// How many rows of the trail match `filter`.
    pub async fn audit_count(&self, org: &Organisation, filter: &TrailFilter) -> Result<i64> {
        filter.check()?;
        let mut q = Filter::new("SELECT COUNT(*) AS n FROM audit_log WHERE org_id = $1".into(), org.org_id);
        filter.apply(&mut q)?;
        let (sql, args) = q.finish();
        let row = sqlx::query_with(&sql, args).fetch_one(&self.pool).await?;
        Ok(row.try_get("n")?)
    }
}
