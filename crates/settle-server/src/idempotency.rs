//! `Idempotency-Key` on every POST.
//!
//! - The same key and body again: the stored response, status and all.
//! - The same key with another body: 422.
//! - The same key while the first request is still running: 409.
//!
//! Ledger commands also take the key into their own transaction (the store
//! keeps the response beside the entry), so even a crash between the write
//! and storing the HTTP response cannot post twice. Secrets in responses
//! (new tokens, generated passwords) are not stored: a replay shows them
//! redacted, since they are shown once.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use settle_domain::access::Permission;
use settle_domain::IdempotencyKey;
use sha2::{Digest, Sha256};

use crate::problem::ApiError;
use crate::{AppState, BODY_LIMIT};

pub const HEADER: &str = "idempotency-key";

/// Removes the in-flight mark however the request ends.
struct InFlight<'a> {
    state: &'a AppState,
    entry: (i64, String),
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        if let Ok(mut set) = self.state.inflight.lock() {
            set.remove(&self.entry);
        }
    }
}

pub async fn run(state: &AppState, org_id: i64, permission: Option<Permission>, mut req: Request, next: Next) -> Response {
    let Some(raw) = req.headers().get(HEADER) else {
        let response = next.run(req).await;
        count_posting(state, permission, &response);
        return response;
    };
    let key = match raw.to_str().ok().map(IdempotencyKey::parse) {
        Some(Ok(key)) => key,
        _ => {
            return ApiError::field(StatusCode::BAD_REQUEST, "Idempotency-Key", "must be 1 to 128 printable ASCII characters").into_response();
        }
    };
    let entry = (org_id, key.as_str().to_string());
    {
        let Ok(mut set) = state.inflight.lock() else {
            return ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response();
        };
        if !set.insert(entry.clone()) {
            return ApiError::field(
                StatusCode::CONFLICT,
                "Idempotency-Key",
                "a request with this Idempotency-Key is still being processed; wait for its answer, then retry to get the same result",
            )
            .into_response();
        }
    }
    let _in_flight = InFlight { state, entry };

    // Ledger commands keep their answer in the store, with the write; a
    // retry finds it there, so nothing more is done here.
    if permission.is_some_and(kept_by_store) {
        req.extensions_mut().insert(key);
        let response = next.run(req).await;
        count_posting(state, permission, &response);
        return response;
    }

    // Other routes: the answer is kept here, under a hash of the request.
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, BODY_LIMIT).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("the body is larger than the limit of {BODY_LIMIT} bytes"),
            )
            .into_response();
        }
    };
    let mut hasher = Sha256::new();
    hasher.update(parts.method.as_str().as_bytes());
    hasher.update(b" ");
    hasher.update(parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or_default().as_bytes());
    hasher.update(b"\n");
    hasher.update(&bytes);
    let request_hash = hex::encode(hasher.finalize());
    match state.store.api_response_get(org_id, key.as_str(), &request_hash).await {
        Ok(Some((status, body))) => return replay(status, body),
        Ok(None) => {}
        Err(error) => return ApiError::from(error).into_response(),
    }

    let response = next.run(Request::from_parts(parts, Body::from(bytes))).await;
    count_posting(state, permission, &response);
    let status = response.status();
    // Answers that a retry could change are not kept: server errors and
    // "busy, try again".
    if status.is_server_error() || status == StatusCode::CONFLICT {
        return response;
    }
    let (parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response();
    };
    let stored = redact_secrets(&bytes);
    if let Err(error) = state
        .store
        .api_response_put(org_id, key.as_str(), &request_hash, status.as_u16(), &stored)
        .await
    {
        return ApiError::from(error).into_response();
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// The routes whose store command takes the Idempotency-Key itself and
/// keeps the answer in the same transaction as the write.
fn kept_by_store(permission: Permission) -> bool {
    use Permission::*;
    matches!(
        permission,
        AccountsWrite | InvoicesWrite | InvoicesVoid | PaymentsPost | PaymentsReverse | CreditsApply | AdjustmentsPost | CreditNotesIssue | RefundsIssue
    )
}

fn replay(status: u16, body: String) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let content_type = if status.is_success() {
        "application/json"
    } else {
        "application/problem+json"
    };
    let mut response = (status, body).into_response();
    response
        .headers_mut()
        .insert(axum::http::header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response.headers_mut().insert("idempotent-replay", HeaderValue::from_static("true"));
    response
}

/// The response body to keep, without secrets shown once.
fn redact_secrets(bytes: &[u8]) -> String {
    fn walk(value: &mut serde_json::Value) -> bool {
        match value {
            serde_json::Value::Object(map) => {
                let mut changed = false;
                for (name, inner) in map.iter_mut() {
                    if matches!(name.as_str(), "secret" | "password") && inner.is_string() {
                        *inner = "(shown once; not kept)".into();
                        changed = true;
                    } else {
                        changed |= walk(inner);
                    }
                }
                changed
            }
            serde_json::Value::Array(items) => {
                let mut changed = false;
                for item in items {
                    changed |= walk(item);
                }
                changed
            }
            _ => false,
        }
    }
    if let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(bytes) {
        if walk(&mut value) {
            return value.to_string();
        }
    }
    String::from_utf8_lossy(bytes).into_owned()
}

fn count_posting(state: &AppState, permission: Option<Permission>, response: &Response) {
    if let Some(permission) = permission {
        if response.status().is_success() {
            state.metrics.posting(permission.as_str());
        }
    }
}
