//! Every read of a person audited, at the doors: each request a principal
//! makes runs with the store's reads collected (`audit::collect_reads`) and
//! leaves one audit row naming the records it read. A GET of any route not
//! listed in [`SHOWS_NO_PERSON`] leaves its row even if no store view noted
//! a record, so a new route or page is audited until someone declares here,
//! where a test checks it, that it shows no one.

use axum::extract::Request;
use axum::http::{Method, StatusCode};
use axum::response::Response;
use settle_store::platform::audit::collect_reads;
use settle_store::Store;

/// Routes and pages (as matched, with `{placeholders}`) whose answers name
/// no person: settings, the chart of accounts, payers and providers, the
/// trail's own checks. The walk in the CLI's tests reads each as a
/// collector and fails if a demo person's name is in the answer.
pub const SHOWS_NO_PERSON: &[&str] = &[
    "/api/v1/audit/anchor",
    "/api/v1/audit/verify",
    "/api/v1/auth/me",
    "/api/v1/books/closes",
    "/api/v1/books/due",
    "/api/v1/books/exports",
    "/api/v1/books/exports/{id}/file",
    "/api/v1/books/mapping",
    "/api/v1/collections/kpis",
    "/api/v1/collections/policy",
    "/api/v1/dunning/policy",
    "/api/v1/organisation",
    "/api/v1/payers",
    "/api/v1/payer-rules",
    "/api/v1/providers",
    "/api/v1/queue/rules",
    "/api/v1/reports/trial-balance",
    "/api/v1/settings",
    "/api/v1/tokens",
    "/api/v1/users",
    "/reports",
    "/reports/trial-balance",
    "/collections/kpis",
    "/admin/settings",
    "/admin/users",
    "/claims/setup",
    "/claims/icd10",
    "/accounts/new",
    "/books",
    "/books/exports/{id}/file",
];

/// Runs a request's handler with its reads collected, then writes them as
/// one audit row. A GET that shows people but noted nothing is still
/// recorded, by its path. If the row cannot be written, the answer is not
/// sent: a person's record is never shown unlogged.
/// `line` is the request's, taken before the handler consumed it, and
/// `route` its matched path.
pub async fn audited(store: &Store, org_id: i64, line: RequestLine, route: &str, handler: impl std::future::Future<Output = Response>) -> Response {
    let RequestLine { method, what } = line;
    let (response, reads) = collect_reads(handler).await;
    let shows_people = (method == Method::GET || method == Method::HEAD) && !SHOWS_NO_PERSON.contains(&route);
    if !response.status().is_success() || (reads.is_empty() && !shows_people) {
        return response;
    }
    match store.audit_reads(org_id, &what, &reads).await {
        Ok(()) => response,
        Err(error) => {
            tracing::error!(error = %error, "a read could not be written to the audit trail, so it was not answered");
            axum::response::IntoResponse::into_response((
                StatusCode::SERVICE_UNAVAILABLE,
                "The read could not be written to the audit trail, so it was not shown. Try again.",
            ))
        }
    }
}

/// A request's method and "METHOD /path?query", as its audit row names it.
pub struct RequestLine {
    method: Method,
    what: String,
}

impl RequestLine {
    pub fn of(req: &Request) -> RequestLine {
        RequestLine {
            method: req.method().clone(),
            what: format!("{} {}", req.method(), path_and_query(req)),
        }
    }
}

/// The request's path with its query.
pub fn path_and_query(req: &Request) -> String {
    req.uri()
        .path_and_query()
        .map_or_else(|| req.uri().path().to_string(), |p| p.as_str().to_string())
}
