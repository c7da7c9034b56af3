//! The daily summary journals sent to the general ledger: what is due (the
//! journal's movement per day, currency and account, less what was sent),
//! an export recorded with every journal and line it sent, and any export
//! written again in any format under the same ids.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use settle_domain::gl_export::formats::render;
use settle_domain::gl_export::summary::Sent;
use settle_domain::gl_export::{journals_due, DayJournal, DayTotals, ExportFormat, Mapping};
use settle_domain::ledger::GlAccount;
use settle_domain::money::{format_minor, Currency};
use settle_domain::Date;
use sqlx::{AnyConnection, Row};

use super::mapping::mapping_in;
use super::{closed_through, date_text, hold_journal};
use crate::platform::audit::current_actor;
use crate::platform::Organisation;
use crate::write::next_ids;
use crate::{now_text, Result, Store, StoreError};

/// Sends the journals due through a day.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewGlExport {
    /// The last day sent (usually yesterday).
    pub through: Date,
    /// The first day ever sent, for an organisation whose general ledger
    /// already holds what came before; later exports keep the first
    /// export's start when left out.
    #[serde(default)]
    pub from: Option<Date>,
    /// qbo-json, qbo-csv, iif, xero-csv or csv.
    #[schema(example = "qbo-csv")]
    pub format: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct GlLineView {
    pub gl_code: String,
    pub gl_account: String,
    /// Where the mapping sends it (empty: not mapped).
    pub target_account: String,
    pub debit: String,
    pub credit: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct GlJournalView {
    /// `ST-20261207-USD-1`: the general ledger's document number.
    pub journal_id: String,
    pub day: String,
    pub currency: String,
    pub seq: u32,
    /// Whether it corrects a journal sent earlier for its day.
    pub correction: bool,
    pub debits: String,
    pub lines: Vec<GlLineView>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct GlExportView {
    pub export_id: i64,
    pub from: Option<String>,
    pub through: String,
    pub created_at: String,
    pub created_by: String,
    pub journals: Vec<GlJournalView>,
}

fn journal_view(j: &DayJournal, mapping: &Mapping) -> GlJournalView {
    let money = |minor: i64| format_minor(minor, j.currency.exponent());
    GlJournalView {
        journal_id: j.id.clone(),
        day: j.day.to_string(),
        currency: j.currency.code().to_string(),
        seq: j.seq,
        correction: j.is_correction(),
        debits: money(j.debits()),
        lines: j
            .lines
            .iter()
            .map(|(gl, amount)| GlLineView {
                gl_code: gl.code().to_string(),
                gl_account: gl.name().to_string(),
                target_account: mapping.0.get(gl).map(|t| t.account.clone()).unwrap_or_default(),
                debit: if *amount > 0 { money(*amount) } else { String::new() },
                credit: if *amount < 0 { money(-*amount) } else { String::new() },
            })
            .collect(),
    }
}

fn gl(code: &str) -> Result<GlAccount> {
    GlAccount::from_code(code).ok_or_else(|| StoreError::Corrupt(format!("unknown general-ledger code {code:?}")))
}

fn currency(code: &str) -> Result<Currency> {
    Currency::from_code(code).map_err(|e| StoreError::Corrupt(format!("currency {code:?}: {e}")))
}

/// The first day exports cover: asked, else the first export's start; never
/// a closed day.
async fn start(conn: &mut AnyConnection, org_id: i64, asked: Option<Date>, closed: Option<Date>) -> Result<Option<Date>> {
    let first = match asked {
        Some(day) => Some(day),
        None => {
            let row = sqlx::query("SELECT from_date FROM gl_export WHERE org_id = $1 ORDER BY export_id LIMIT 1")
                .bind(org_id)
                .fetch_optional(&mut *conn)
                .await?;
            match row {
                Some(r) => r
                    .try_get::<Option<String>, _>("from_date")?
                    .map(|t| date_text("gl_export.from_date", &t))
                    .transpose()?,
                None => None,
            }
        }
    };
    let open = closed.and_then(|d| d.tomorrow().ok());
    Ok(match (first, open) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    })
}

/// The journals due for days `from..=through`.
pub(super) async fn due(conn: &mut AnyConnection, org_id: i64, from: Option<Date>, through: Date) -> Result<Vec<DayJournal>> {
    let from_text = from.map_or_else(|| "0000-01-01".to_string(), |d| d.to_string());
    let through_text = through.to_string();
    let rows = sqlx::query(
        "SELECT effective_date, currency, gl_code, CAST(SUM(amount_minor) AS BIGINT) AS total FROM posting \
         WHERE org_id = $1 AND effective_date >= $2 AND effective_date <= $3 GROUP BY effective_date, currency, gl_code",
    )
    .bind(org_id)
    .bind(&from_text)
    .bind(&through_text)
    .fetch_all(&mut *conn)
    .await?;
    let mut current: BTreeMap<(Date, Currency), BTreeMap<GlAccount, i64>> = BTreeMap::new();
    for r in rows {
        let day = date_text("posting.effective_date", &r.try_get::<String, _>("effective_date")?)?;
        let cur = currency(&r.try_get::<String, _>("currency")?)?;
        current
            .entry((day, cur))
            .or_default()
            .insert(gl(&r.try_get::<String, _>("gl_code")?)?, r.try_get("total")?);
    }
    let rows = sqlx::query(
        "SELECT j.day, j.currency, j.seq, l.gl_code, l.amount_minor FROM gl_export_journal j \
         LEFT JOIN gl_export_line l ON l.org_id = j.org_id AND l.journal_id = j.journal_id \
         WHERE j.org_id = $1 AND j.day >= $2 AND j.day <= $3",
    )
    .bind(org_id)
    .bind(&from_text)
    .bind(&through_text)
    .fetch_all(&mut *conn)
    .await?;
    let mut sent: BTreeMap<(Date, Currency), Sent> = BTreeMap::new();
    for r in rows {
        let day = date_text("gl_export_journal.day", &r.try_get::<String, _>("day")?)?;
        let cur = currency(&r.try_get::<String, _>("currency")?)?;
        let s = sent.entry((day, cur)).or_default();
        let seq: i64 = r.try_get("seq")?;
        s.last_seq = s
            .last_seq
            .max(u32::try_from(seq).map_err(|_| StoreError::Corrupt(format!("gl_export_journal.seq {seq}")))?);
        if let Some(code) = r.try_get::<Option<String>, _>("gl_code")? {
            *s.by_account.entry(gl(&code)?).or_default() += r.try_get::<i64, _>("amount_minor")?;
        }
    }
    let totals: Vec<DayTotals> = current
        .into_iter()
        .map(|((day, currency), by_account)| DayTotals { day, currency, by_account })
        .collect();
    journals_due(&totals, &sent).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// Where an export may start and end, or which field is refused.
pub(super) async fn window(conn: &mut AnyConnection, org_id: i64, from: Option<Date>, through: Date) -> Result<Option<Date>> {
    let closed = closed_through(conn, org_id).await?;
    if let Some(closed) = closed {
        if through <= closed {
            return Err(StoreError::invalid(
                "through",
                format!("the books are closed through {closed}: nothing on or before it is exported again (an earlier export can be written again)"),
            ));
        }
        if let Some(from) = from.filter(|f| *f <= closed) {
            return Err(StoreError::invalid(
                "from",
                format!("{from} is in a closed period (the books are closed through {closed})"),
            ));
        }
    }
    if let Some(from) = from.filter(|f| *f > through) {
        return Err(StoreError::invalid("from", format!("{from} is after through ({through})")));
    }
    start(conn, org_id, from, closed).await
}

async fn load(conn: &mut AnyConnection, org_id: i64, export_id: i64) -> Result<(GlExportView, Vec<DayJournal>, Mapping)> {
    let head = sqlx::query("SELECT from_date, through_date, created_at, created_by FROM gl_export WHERE org_id = $1 AND export_id = $2")
        .bind(org_id)
        .bind(export_id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::NotFound {
            what: "general-ledger export",
            key: export_id.to_string(),
        })?;
    let rows = sqlx::query(
        "SELECT j.journal_id, j.day, j.currency, j.seq, l.gl_code, l.amount_minor FROM gl_export_journal j \
         JOIN gl_export_line l ON l.org_id = j.org_id AND l.journal_id = j.journal_id WHERE j.org_id = $1 AND j.export_id = $2",
    )
    .bind(org_id)
    .bind(export_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut journals: BTreeMap<(Date, Currency, i64), DayJournal> = BTreeMap::new();
    for r in rows {
        let day = date_text("gl_export_journal.day", &r.try_get::<String, _>("day")?)?;
        let cur = currency(&r.try_get::<String, _>("currency")?)?;
        let seq: i64 = r.try_get("seq")?;
        let j = journals.entry((day, cur, seq)).or_insert_with(|| DayJournal {
            id: String::new(),
            day,
            currency: cur,
            seq: u32::try_from(seq).unwrap_or(u32::MAX),
            lines: Vec::new(),
        });
        j.id = r.try_get("journal_id")?;
        j.lines.push((gl(&r.try_get::<String, _>("gl_code")?)?, r.try_get("amount_minor")?));
    }
    let journals: Vec<DayJournal> = journals
        .into_values()
        .map(|mut j| {
            j.lines.sort();
            j
        })
        .collect();
    let mapping = mapping_in(conn, org_id).await?;
    let view = GlExportView {
        export_id,
        from: head.try_get("from_date")?,
        through: head.try_get("through_date")?,
        created_at: head.try_get("created_at")?,
        created_by: head.try_get("created_by")?,
        journals: journals.iter().map(|j| journal_view(j, &mapping)).collect(),
    };
    Ok((view, journals, mapping))
}

fn rendered(format: ExportFormat, journals: &[DayJournal], mapping: &Mapping) -> Result<String> {
    render(format, journals, mapping).map_err(|e| StoreError::invalid("mapping", e))
}

impl Store {
    /// What the next export through `through` would send (nothing recorded).
    pub async fn gl_export_due(&self, org: &Organisation, from: Option<Date>, through: Date) -> Result<Vec<GlJournalView>> {
        let mut conn = self.pool().acquire().await?;
        let from = window(&mut conn, org.org_id, from, through).await?;
        let journals = due(&mut conn, org.org_id, from, through).await?;
        let mapping = mapping_in(&mut conn, org.org_id).await?;
        Ok(journals.iter().map(|j| journal_view(j, &mapping)).collect())
    }

    /// Sends what is due through a day: the journals are recorded with every
    /// line and written in the format asked (every account it uses mapped,
    /// or nothing is recorded). `None` when every day was sent and nothing
    /// changed since: a re-export never duplicates.
    pub async fn export_gl(&self, org: &Organisation, cmd: &NewGlExport) -> Result<Option<(GlExportView, String)>> {
        let format = ExportFormat::parse(&cmd.format).map_err(|m| StoreError::invalid("format", m))?;
        self.write(|tx| {
            Box::pin(async move {
                let conn = tx.conn();
                hold_journal(conn, org.org_id).await?;
                let from = window(conn, org.org_id, cmd.from, cmd.through).await?;
                let journals = due(conn, org.org_id, from, cmd.through).await?;
                if journals.is_empty() {
                    // Nothing written: nothing to keep or audit.
                    tx.roll_back();
                    return Ok(None);
                }
                let mapping = mapping_in(conn, org.org_id).await?;
                let content = rendered(format, &journals, &mapping)?;
                let export_id = next_ids(conn, org.org_id, "gl_export", 1).await?;
                let view = GlExportView {
                    export_id,
                    from: from.map(|d| d.to_string()),
                    through: cmd.through.to_string(),
                    created_at: now_text(),
                    created_by: current_actor().name,
                    journals: journals.iter().map(|j| journal_view(j, &mapping)).collect(),
                };
                sqlx::query(
                    "INSERT INTO gl_export (org_id, export_id, from_date, through_date, journals, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(org.org_id)
                .bind(export_id)
                .bind(&view.from)
                .bind(&view.through)
                .bind(journals.len() as i64)
                .bind(&view.created_at)
                .bind(&view.created_by)
                .execute(&mut *conn)
                .await?;
                for j in &journals {
                    sqlx::query("INSERT INTO gl_export_journal (org_id, journal_id, export_id, day, currency, seq) VALUES ($1, $2, $3, $4, $5, $6)")
                        .bind(org.org_id)
                        .bind(&j.id)
                        .bind(export_id)
                        .bind(j.day.to_string())
                        .bind(j.currency.code())
                        .bind(i64::from(j.seq))
                        .execute(&mut *conn)
                        .await?;
                    for (gl, amount) in &j.lines {
                        sqlx::query("INSERT INTO gl_export_line (org_id, journal_id, gl_code, amount_minor) VALUES ($1, $2, $3, $4)")
                            .bind(org.org_id)
                            .bind(&j.id)
                            .bind(gl.code())
                            .bind(*amount)
                            .execute(&mut *conn)
                            .await?;
                    }
                }
                let ids: Vec<&str> = journals.iter().map(|j| j.id.as_str()).collect();
                tx.audit(
                    org.org_id,
                    "gl.export",
                    &format!("gl_export:{export_id}"),
                    None,
                    Some(&serde_json::json!({ "through": cmd.through.to_string(), "format": format.as_str(), "journals": ids })),
                )
                .await?;
                Ok(Some((view, content)))
            })
        })
        .await
    }

    /// An export written again, in any format, under the ids it was sent with.
    pub async fn gl_export_file(&self, org: &Organisation, export_id: i64, format: &str) -> Result<(GlExportView, String)> {
        let format = ExportFormat::parse(format).map_err(|m| StoreError::invalid("format", m))?;
        let mut conn = self.pool().acquire().await?;
        let (view, journals, mapping) = load(&mut conn, org.org_id, export_id).await?;
        let content = rendered(format, &journals, &mapping)?;
        Ok((view, content))
    }

    /// Exports, newest first.
    pub async fn gl_exports(&self, org: &Organisation, limit: i64) -> Result<Vec<GlExportView>> {
        let mut conn = self.pool().acquire().await?;
        let ids: Vec<i64> = sqlx::query("SELECT export_id FROM gl_export WHERE org_id = $1 ORDER BY export_id DESC LIMIT $2")
            .bind(org.org_id)
            .bind(limit)
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| r.try_get("export_id"))
            .collect::<std::result::Result<_, _>>()?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(load(&mut conn, org.org_id, id).await?.0);
        }
        Ok(out)
    }
}
