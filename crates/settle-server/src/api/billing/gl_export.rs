//! The books out over the API: the mapping to the general ledger's chart,
//! what is due, exports (QuickBooks Online JSON or CSV, IIF, Xero CSV,
//! plain CSV) and closing a period. A door like the CLI: every rule is the
//! store's and the domain's.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use settle_domain::Date;
use settle_store::gl_export::{BooksCloseView, CloseBooks, GlExportView, GlJournalView, MappingView, NewGlExport, SetMapping};
use utoipa::{IntoParams, ToSchema};

use crate::guard::Auth;
use crate::problem::{ApiResult, Body, Params, Path};
use crate::AppState;

/// Settle's chart of accounts and where each account goes in the general
/// ledger (empty: not mapped).
#[utoipa::path(get, path = "/api/v1/books/mapping", tag = "books out",
    responses((status = 200, body = Vec<MappingView>)),
    security(("bearer" = ["journal.read"])))]
pub async fn mapping(State(state): State<AppState>, Auth(p): Auth) -> ApiResult<Json<Vec<MappingView>>> {
    Ok(Json(state.store.gl_mapping(&p.org).await?))
}

/// Map one of Settle's accounts to the general ledger's (a QuickBooks
/// account name, a Xero code; QuickBooks Online's account id for its API).
#[utoipa::path(put, path = "/api/v1/books/mapping", tag = "books out", request_body = SetMapping,
    responses((status = 200, body = MappingView), (status = 422, description = "bad input, naming the field")),
    security(("bearer" = ["settings.manage"])))]
pub async fn set_mapping(State(state): State<AppState>, Auth(p): Auth, Body(cmd): Body<SetMapping>) -> ApiResult<Json<MappingView>> {
    Ok(Json(state.store.set_gl_mapping(&p.org, &cmd).await?))
}

#[derive(Deserialize, IntoParams, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DueQuery {
    /// The last day (yesterday when left out).
    pub through: Option<Date>,
    pub from: Option<Date>,
}

fn yesterday() -> Date {
    let today = crate::api::today();
    today.yesterday().unwrap_or(today)
}

/// The daily journals the next export would send (nothing recorded).
#[utoipa::path(get, path = "/api/v1/books/due", tag = "books out", params(DueQuery),
    responses((status = 200, body = Vec<GlJournalView>), (status = 422, description = "a closed period, naming the field")),
    security(("bearer" = ["journal.read"])))]
pub async fn due(State(state): State<AppState>, Auth(p): Auth, Params(q): Params<DueQuery>) -> ApiResult<Json<Vec<GlJournalView>>> {
    Ok(Json(state.store.gl_export_due(&p.org, q.from, q.through.unwrap_or_else(yesterday)).await?))
}

/// An export and its file.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct GlExportBody {
    /// None when nothing was due: every day was sent and nothing changed since.
    pub export: Option<GlExportView>,
    pub format: String,
    /// The file, empty when nothing was due.
    pub content: String,
}

/// Send what is due through a day: each day's journal, and a correcting
/// journal for a day sent before that changed since; recorded, so a
/// re-export never duplicates. 422 naming an unmapped account or a closed
/// period.
#[utoipa::path(post, path = "/api/v1/books/exports", tag = "books out", request_body = NewGlExport,
    responses((status = 201, body = GlExportBody), (status = 200, body = GlExportBody, description = "nothing was due"),
        (status = 422, description = "bad input, naming the field")),
    security(("bearer" = ["books.export"])))]
pub async fn export(State(state): State<AppState>, Auth(p): Auth, Body(cmd): Body<NewGlExport>) -> ApiResult<(StatusCode, Json<GlExportBody>)> {
    let format = cmd.format.trim().to_ascii_lowercase();
    Ok(match state.store.export_gl(&p.org, &cmd).await? {
        Some((export, content)) => (
            StatusCode::CREATED,
            Json(GlExportBody {
                export: Some(export),
                format,
                content,
            }),
        ),
        None => (
            StatusCode::OK,
            Json(GlExportBody {
                export: None,
                format,
                content: String::new(),
            }),
        ),
    })
}

#[derive(Deserialize, IntoParams, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExportsQuery {
    /// At most this many, newest first (20 when left out).
    pub limit: Option<i64>,
}

/// The exports made, newest first, with their journals.
#[utoipa::path(get, path = "/api/v1/books/exports", tag = "books out", params(ExportsQuery),
    responses((status = 200, body = Vec<GlExportView>)),
    security(("bearer" = ["journal.read"])))]
pub async fn exports(State(state): State<AppState>, Auth(p): Auth, Params(q): Params<ExportsQuery>) -> ApiResult<Json<Vec<GlExportView>>> {
    Ok(Json(state.store.gl_exports(&p.org, q.limit.unwrap_or(20).clamp(1, 500)).await?))
}

#[derive(Deserialize, IntoParams, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FileQuery {
    /// qbo-json, qbo-csv, iif, xero-csv or csv.
    pub format: String,
}

/// An export written again, in any format, under the ids it was sent with.
#[utoipa::path(get, path = "/api/v1/books/exports/{id}/file", tag = "books out", params(("id" = i64, Path, description = "The export", example = 1), FileQuery),
    responses((status = 200, body = GlExportBody), (status = 404, description = "no such export"), (status = 422, description = "bad input, naming the field")),
    security(("bearer" = ["journal.read"])))]
pub async fn file(State(state): State<AppState>, Auth(p): Auth, Path(id): Path<i64>, Params(q): Params<FileQuery>) -> ApiResult<Json<GlExportBody>> {
    let (export, content) = state.store.gl_export_file(&p.org, id, &q.format).await?;
    Ok(Json(GlExportBody {
        export: Some(export),
        format: q.format.trim().to_ascii_lowercase(),
        content,
    }))
}

/// Close the books through a day: refused while a day up to it was not
/// exported (unless `without_export`), and only forward; afterwards every
/// write dated on or before it is refused (422 naming `effective_date`).
#[utoipa::path(post, path = "/api/v1/books/close", tag = "books out", request_body = CloseBooks,
    responses((status = 201, body = BooksCloseView), (status = 422, description = "bad input, naming the field")),
    security(("bearer" = ["books.export"])))]
pub async fn close(State(state): State<AppState>, Auth(p): Auth, Body(cmd): Body<CloseBooks>) -> ApiResult<(StatusCode, Json<BooksCloseView>)> {
    Ok((StatusCode::CREATED, Json(state.store.close_books(&p.org, &cmd).await?)))
}

/// The closes, newest first.
#[utoipa::path(get, path = "/api/v1/books/closes", tag = "books out",
    responses((status = 200, body = Vec<BooksCloseView>)),
    security(("bearer" = ["journal.read"])))]
pub async fn closes(State(state): State<AppState>, Auth(p): Auth) -> ApiResult<Json<Vec<BooksCloseView>>> {
    Ok(Json(state.store.books_closes(&p.org).await?))
}
