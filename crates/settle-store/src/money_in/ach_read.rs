//! What was sent and received by ACH, read: files (and a file's text, as
//! the bank got it), debits by status or account, and the originator's
//! return rates against Nacha's thresholds over the last 60 days.

use crate::money_in::ach_debits::{debits_in, DebitView};
use crate::platform::Organisation;
use crate::write::{fmt, parse_date};
use crate::{Result, Store, StoreError};
use serde::{Deserialize, Serialize};
use settle_domain::ach::return_rates::{self, WINDOW_DAYS};
use settle_domain::money::Currency;
use settle_domain::status::DebitStatus;
use settle_domain::Date;
use sqlx::{AnyConnection, Row};

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct AchFileView {
    pub file_id: i64,
    /// sent (a NACHA file of debits) or received (returns and changes).
    pub direction: String,
    pub made_on: String,
    pub modifier: String,
    /// The originating account it was sent from (sent files).
    pub originator: Option<String>,
    pub entries: i64,
    pub debit_total: String,
    pub sha256: String,
    /// The name to save it as.
    pub file_name: String,
}

/// One of Nacha's return rates.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct ReturnRateView {
    /// unauthorized, administrative, overall
    pub name: String,
    pub returns: u64,
    pub debits: u64,
    pub percent: String,
    pub threshold_percent: String,
    /// Over the threshold: Nacha may review the originator.
    pub over: bool,
}

const FILE_SELECT: &str = "SELECT f.file_id, f.direction, f.made_on, f.modifier, o.name AS originator, f.entries, f.debit_total_minor, f.sha256 \
     FROM ach_file f LEFT JOIN ach_originator o ON o.org_id = f.org_id AND o.originator_id = f.originator_id";

fn file_from_row(r: &sqlx::any::AnyRow) -> Result<AchFileView> {
    let file_id: i64 = r.try_get("file_id")?;
    let direction: String = r.try_get("direction")?;
    let made_on: String = r.try_get("made_on")?;
    Ok(AchFileView {
        file_name: format!("ach-{direction}-{made_on}-{file_id}.ach"),
        file_id,
        direction,
        made_on,
        modifier: r.try_get("modifier")?,
        originator: r.try_get("originator")?,
        entries: r.try_get("entries")?,
        debit_total: fmt(r.try_get("debit_total_minor")?, Currency::USD),
        sha256: r.try_get("sha256")?,
    })
}

pub(super) async fn file_view(conn: &mut AnyConnection, org_id: i64, file_id: i64) -> Result<AchFileView> {
    let r = sqlx::query(&format!("{FILE_SELECT} WHERE f.org_id = $1 AND f.file_id = $2"))
        .bind(org_id)
        .bind(file_id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::not_found("ACH file", file_id))?;
    file_from_row(&r)
}

impl Store {
    /// ACH files, newest first.
    pub async fn ach_files(&self, org: &Organisation, limit: i64) -> Result<Vec<AchFileView>> {
        let mut conn = self.pool().acquire().await?;
        let rows = sqlx::query(&format!("{FILE_SELECT} WHERE f.org_id = $1 ORDER BY f.file_id DESC LIMIT $2"))
            .bind(org.org_id)
            .bind(limit)
            .fetch_all(&mut *conn)
            .await?;
        rows.iter().map(file_from_row).collect()
    }

    /// A file as sent to or received from the bank (it holds bank account
    /// numbers: the read is audited).
    pub async fn ach_file_content(&self, org: &Organisation, file_id: i64) -> Result<(AchFileView, String)> {
        self.note_read(org.org_id, "ach.file.read", &format!("ach_file:{file_id}")).await?;
        let mut conn = self.pool().acquire().await?;
        let view = file_view(&mut conn, org.org_id, file_id).await?;
        let text: String = sqlx::query("SELECT content FROM ach_file WHERE org_id = $1 AND file_id = $2")
            .bind(org.org_id)
            .bind(file_id)
            .fetch_one(&mut *conn)
            .await?
            .try_get("content")?;
        Ok((view, text))
    }

    /// Debits, newest first: by status, by account, at most `limit`.
    pub async fn ach_debits(&self, org: &Organisation, status: Option<&str>, account_number: Option<&str>, limit: i64) -> Result<Vec<DebitView>> {
        let status: Option<DebitStatus> = match status.map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => Some(
                s.parse()
                    .map_err(|_| StoreError::invalid("status", format!("{s:?} is not scheduled, in_file, settled, returned or cancelled")))?,
            ),
            None => None,
        };
        let subject = account_number.map_or_else(|| "ach_debits".to_string(), |n| format!("account:{}", n.trim().to_ascii_uppercase()));
        self.note_read(org.org_id, "ach.debit.list", &subject).await?;
        let mut conn = self.pool().acquire().await?;
        let account_id = match account_number {
            Some(n) => Some(self.account_by_number(&mut conn, org.org_id, n).await?.account_id),
            None => None,
        };
        debits_in(&mut conn, org.org_id, status, account_id, limit.clamp(1, 10_000)).await
    }

    /// Return rates over the 60 days to `as_of`: debits sent (effective in
    /// the window) against returns received in it, by Nacha's classes.
    pub async fn ach_return_rates(&self, org: &Organisation, as_of: Date) -> Result<Vec<ReturnRateView>> {
        let mut conn = self.pool().acquire().await?;
        let from = as_of
            .checked_sub(jiff::Span::new().days(WINDOW_DAYS))
            .map_err(|e| StoreError::invalid("as_of", e))?
            .to_string();
        let to = as_of.to_string();
        let sent: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM ach_debit WHERE org_id = $1 AND purpose <> 'prenote' AND effective_on > $2 AND effective_on <= $3 \
             AND status IN ('in_file', 'settled', 'returned')",
        )
        .bind(org.org_id)
        .bind(&from)
        .bind(&to)
        .fetch_one(&mut *conn)
        .await?
        .try_get("n")?;
        let returned = sqlx::query(
            "SELECT return_code, returned_on FROM ach_debit WHERE org_id = $1 AND purpose <> 'prenote' AND status = 'returned' \
             AND returned_on > $2 AND returned_on <= $3",
        )
        .bind(org.org_id)
        .bind(&from)
        .bind(&to)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| Ok((r.try_get::<String, _>("return_code")?, parse_date(&r.try_get::<String, _>("returned_on")?)?)))
        .collect::<Result<Vec<_>>>()?;
        Ok(return_rates::rates(sent.max(0) as u64, &returned)
            .iter()
            .map(|rate| ReturnRateView {
                name: rate.threshold.name.to_string(),
                returns: rate.returns,
                debits: rate.debits,
                percent: rate.percent_text(),
                threshold_percent: format!(
                    "{}.{:02}%",
                    rate.threshold.hundredths_of_percent / 100,
                    rate.threshold.hundredths_of_percent % 100
                ),
                over: rate.over(),
            })
            .collect())
    }
}
