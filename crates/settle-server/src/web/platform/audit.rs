//! The audit trail for auditors: whether the chains hold, the anchor to
//! keep elsewhere, and the rows filtered by person, action, record and
//! days, newest first a page at a time, exported as CSV (the export is
//! itself a row of the trail).

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use settle_store::platform::audit::{person_of, AuditFinding, AuditRow};
use settle_store::platform::trail_search::{TrailFilter, TrailOrder};

use crate::web::{render, store_error_page, Ctx, Errors};
use crate::AppState;

/// Rows on a page.
const PAGE_ROWS: i64 = 50;
/// Most rows one export writes (narrow the filter for more).
const EXPORT_ROWS: i64 = 200_000;

#[derive(Deserialize, Default)]
pub struct TrailQuery {
    #[serde(default)]
    who: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    record: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    before: Option<i64>,
}

impl TrailQuery {
    /// The filter, or the fields it refuses with why.
    fn filter(&self) -> Result<TrailFilter, Errors> {
        let mut errors = Errors::default();
        let mut day = |field: &str, text: &str| match text.trim() {
            "" => None,
            t => t.parse().map_err(|_| errors.add(field, format!("“{t}” is not a date: use YYYY-MM-DD."))).ok(),
        };
        let (from, to) = (day("from", &self.from), day("to", &self.to));
        let filter = TrailFilter {
            who: self.who.trim().to_string(),
            action: self.action.trim().to_string(),
            record: self.record.trim().to_string(),
            from,
            to,
        };
        if let Err(e) = filter.check() {
            if let Ok(more) = Errors::from_store(e, &[("to", "to"), ("who", "who"), ("action", "action"), ("record", "record")]) {
                errors.0.extend(more.0);
            }
        }
        if errors.0.is_empty() {
            Ok(filter)
        } else {
            Err(errors)
        }
    }

    /// The filter as a query string, for the pager and the export link.
    fn query_string(&self) -> String {
        let pairs = [
            ("who", &self.who),
            ("action", &self.action),
            ("record", &self.record),
            ("from", &self.from),
            ("to", &self.to),
        ];
        form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs.iter().filter(|(_, v)| !v.trim().is_empty()).map(|(k, v)| (*k, v.trim())))
            .finish()
    }
}

/// One row as the page shows it.
pub struct ShownRow {
    pub row: AuditRow,
    pub person: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage<'a> {
    ctx: Option<&'a Ctx>,
    q: TrailQuery,
    errors: Errors,
    /// Whether this view checked the chains (the unfiltered first page does).
    verified: bool,
    checked: u64,
    findings: Vec<AuditFinding>,
    anchor: String,
    rows: Vec<ShownRow>,
    total: i64,
    /// The query string of the filter (for links).
    qs: String,
    /// Where the next (older) page starts, if there is one.
    older: Option<i64>,
    people: Vec<String>,
}

pub async fn audit(State(state): State<AppState>, ctx: Ctx, Query(q): Query<TrailQuery>) -> Response {
    let org = &ctx.principal.org;
    let people: Vec<String> = match state.store.users(org).await {
        Ok(users) => users.into_iter().map(|u| u.username).collect(),
        Err(e) => return store_error_page(Some(&ctx), e),
    };
    let qs = q.query_string();
    let filter = match q.filter() {
        Ok(filter) => filter,
        Err(errors) => {
            let page = AuditPage {
                ctx: Some(&ctx),
                q,
                errors,
                verified: false,
                checked: 0,
                findings: Vec::new(),
                anchor: String::new(),
                rows: Vec::new(),
                total: 0,
                qs,
                older: None,
                people,
            };
            return (StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response();
        }
    };
    let landing = filter.is_empty() && q.before.is_none();
    let work = async {
        // The chains are recomputed on the landing view only: paging and
        // filtering should not reread the whole trail each time.
        let (checked, findings, anchor) = if landing {
            let (checked, findings) = state.store.audit_verify(org).await?;
            let anchor = serde_json::to_string_pretty(&state.store.audit_anchor(org).await?).unwrap_or_default();
            (checked, findings, anchor)
        } else {
            (0, Vec::new(), String::new())
        };
        let rows = state
            .store
            .audit_search(org, &filter, TrailOrder::NewestBefore(q.before), PAGE_ROWS + 1)
            .await?;
        let total = state.store.audit_count(org, &filter).await?;
        Ok::<_, settle_store::StoreError>((checked, findings, anchor, rows, total))
    };
    let (checked, findings, anchor, mut rows, total) = match work.await {
        Ok(v) => v,
        Err(e) => return store_error_page(Some(&ctx), e),
    };
    let older = (rows.len() as i64 > PAGE_ROWS).then(|| {
        rows.truncate(PAGE_ROWS as usize);
        rows.last().map(|r| r.seq)
    });
    let rows = rows
        .into_iter()
        .map(|row| ShownRow {
            person: person_of(&row.actor).to_string(),
            row,
        })
        .collect();
    render(&AuditPage {
        ctx: Some(&ctx),
        q,
        errors: Errors::default(),
        verified: landing,
        checked,
        findings,
        anchor,
        rows,
        total,
        qs,
        older: older.flatten(),
        people,
    })
    .into_response()
}

/// A cell a spreadsheet would take for a formula is written as text.
fn cell(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    }
}

/// The rows that match the filter, oldest first, as CSV. Exporting is
/// written to the trail with the filter it used.
pub async fn export(State(state): State<AppState>, ctx: Ctx, Query(q): Query<TrailQuery>) -> Response {
    let org = &ctx.principal.org;
    let filter = match q.filter() {
        Ok(filter) => filter,
        Err(errors) => {
            let message = errors.0.iter().map(|(f, m)| format!("{f}: {m}")).collect::<Vec<_>>().join(" ");
            return crate::web::error_page(Some(&ctx), StatusCode::UNPROCESSABLE_ENTITY, "That filter cannot be read", &message);
        }
    };
    let mut writer = csv::Writer::from_writer(Vec::new());
    let _ = writer.write_record(["row", "at_utc", "actor", "person", "address", "action", "record", "before", "after", "hash"]);
    let mut after = 0;
    let mut written = 0i64;
    loop {
        let page = match state.store.audit_search(org, &filter, TrailOrder::OldestAfter(after), 5_000).await {
            Ok(page) => page,
            Err(e) => return store_error_page(Some(&ctx), e),
        };
        let Some(last) = page.last() else { break };
        after = last.seq;
        for r in &page {
            if written == EXPORT_ROWS {
                break;
            }
            let _ = writer.write_record([
                r.seq.to_string(),
                r.at.clone(),
                cell(&r.actor),
                cell(person_of(&r.actor)),
                cell(&r.address),
                cell(&r.action),
                cell(&r.record),
                cell(r.before.as_deref().unwrap_or("")),
                cell(r.after.as_deref().unwrap_or("")),
                r.hash.clone(),
            ]);
            written += 1;
        }
        if written == EXPORT_ROWS {
            break;
        }
    }
    let detail = serde_json::json!({ "filter": filter, "rows": written });
    if let Err(e) = state.store.audit_event(org.org_id, "audit.export", "audit", Some(&detail)).await {
        return store_error_page(Some(&ctx), e);
    }
    let body = writer.into_inner().unwrap_or_default();
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"audit-{}.csv\"", org.slug)),
        ],
        body,
    )
        .into_response()
}
