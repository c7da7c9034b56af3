//! CSV imports over the API: accounts, invoices and payments read by the
//! same reader as the command line and the pages, all or nothing. A file
//! with problems is a 422 listing every one by line and column.

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use settle_store::billing::csv_import::{CsvImport, CsvKind, CsvRefused};
use settle_store::csv_file::Problem;
use utoipa::ToSchema;

use crate::api::Key;
use crate::guard::Auth;
use crate::problem::{ApiError, Body};
use crate::AppState;

/// A CSV file to import.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CsvUpload {
    /// The file's text, header line first.
    pub csv: String,
    /// The name it is remembered by ("api" when absent).
    #[serde(default)]
    pub file_name: Option<String>,
    /// Import it although the same content was imported before.
    #[serde(default)]
    pub force: bool,
}

/// What an import did.
#[derive(Serialize, ToSchema)]
pub struct CsvImportedView {
    pub kind: String,
    /// Rows (accounts, payments) or invoices the file held.
    pub records: usize,
    pub accounts: u64,
    pub invoices: u64,
    pub payments: u64,
    /// Answered from its Idempotency-Key: nothing was posted again.
    pub replayed: bool,
}

/// A refused file: every problem, nothing imported.
#[derive(Serialize, ToSchema)]
pub struct CsvProblems {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// `csv` for a file's problems; the field at fault in a body that is not an upload.
    #[serde(default)]
    pub field: String,
    /// Every problem in the file, by line and column (absent when the body is not an upload).
    #[serde(default)]
    pub problems: Vec<Problem>,
}

async fn import(
    state: AppState,
    p: settle_store::platform::access::Principal,
    kind: CsvKind,
    key: Option<settle_domain::IdempotencyKey>,
    upload: CsvUpload,
) -> Response {
    let file = CsvImport {
        kind,
        file_name: upload.file_name.filter(|n| !n.trim().is_empty()).unwrap_or_else(|| "api".into()),
        bytes: upload.csv.as_bytes(),
        force: upload.force,
        key,
        today: crate::api::today(),
    };
    match state.store.import_csv(&p.org, &file, &mut |_| {}).await {
        Ok(done) => (
            if done.replayed { StatusCode::OK } else { StatusCode::CREATED },
            Json(CsvImportedView {
                kind: kind.as_str().into(),
                records: done.records,
                accounts: done.applied.accounts,
                invoices: done.applied.invoices,
                payments: done.applied.payments,
                replayed: done.replayed,
            }),
        )
            .into_response(),
        Err(CsvRefused::Problems(problems)) => {
            let first = problems.first().map(ToString::to_string).unwrap_or_default();
            let body = CsvProblems {
                kind: "https://settle.invalid/problems/invalid-file".into(),
                title: "The file was refused".into(),
                status: 422,
                detail: format!("{} problem(s), the first {first}; nothing was imported", problems.len()),
                field: "csv".into(),
                problems,
            };
            let mut response = (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response();
            response
                .headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
            response
        }
        Err(CsvRefused::Store(e)) => ApiError::from(e).into_response(),
    }
}

/// Open accounts from a CSV file, all or nothing (the columns of `settle import accounts`).
#[utoipa::path(post, path = "/api/v1/imports/accounts", tag = "accounts", request_body = CsvUpload,
    responses((status = 201, body = CsvImportedView), (status = 200, body = CsvImportedView, description = "Replayed from its Idempotency-Key"), (status = 422, body = CsvProblems, content_type = "application/problem+json", description = "Every problem in the file, or a body that is not an upload")),
    security(("bearer" = ["accounts.write"])))]
pub async fn accounts(State(state): State<AppState>, Auth(p): Auth, Key(key): Key, Body(upload): Body<CsvUpload>) -> Response {
    import(state, p, CsvKind::Accounts, key, upload).await
}

/// Issue invoices from a CSV file, all or nothing (the columns of `settle import invoices`).
#[utoipa::path(post, path = "/api/v1/imports/invoices", tag = "invoices", request_body = CsvUpload,
    responses((status = 201, body = CsvImportedView), (status = 200, body = CsvImportedView, description = "Replayed from its Idempotency-Key"), (status = 422, body = CsvProblems, content_type = "application/problem+json", description = "Every problem in the file, or a body that is not an upload")),
    security(("bearer" = ["invoices.write"])))]
pub async fn invoices(State(state): State<AppState>, Auth(p): Auth, Key(key): Key, Body(upload): Body<CsvUpload>) -> Response {
    import(state, p, CsvKind::Invoices, key, upload).await
}

/// Post payments from a CSV file, all or nothing (the columns of `settle import payments`).
#[utoipa::path(post, path = "/api/v1/imports/payments", tag = "payments", request_body = CsvUpload,
    responses((status = 201, body = CsvImportedView), (status = 200, body = CsvImportedView, description = "Replayed from its Idempotency-Key"), (status = 422, body = CsvProblems, content_type = "application/problem+json", description = "Every problem in the file, or a body that is not an upload")),
    security(("bearer" = ["payments.post"])))]
pub async fn payments(State(state): State<AppState>, Auth(p): Auth, Key(key): Key, Body(upload): Body<CsvUpload>) -> Response {
    import(state, p, CsvKind::Payments, key, upload).await
}
