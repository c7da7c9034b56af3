//! Answers read from the reporting replica say how far behind it is: the
//! API's reports and dashboard carry `Settle-Replica-Behind-Bytes` and
//! `Settle-Replica-Lag-Seconds` when the store reads them from a replica
//! (`--read-database-url`); the pages say it in words (`_replica.html`).

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;

use crate::AppState;

/// The API routes whose answers come from the reporting replica.
const READ_FROM_REPLICA: &[&str] = &[
    "/api/v1/reports/aging",
    "/api/v1/reports/trial-balance",
    "/api/v1/reports/journal",
    "/api/v1/dashboard",
];

pub(crate) async fn lag_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let reads = READ_FROM_REPLICA.contains(&req.uri().path());
    let mut response = next.run(req).await;
    if reads && response.status().is_success() {
        match state.store.replica_lag().await {
            Ok(Some(lag)) => {
                let headers = response.headers_mut();
                headers.insert("settle-replica-behind-bytes", lag.behind_bytes.into());
                headers.insert("settle-replica-lag-seconds", lag.seconds.into());
            }
            Ok(None) => {}
            Err(error) => tracing::warn!(error = %error, "asking the reporting replica how far behind it is"),
        }
    }
    response
}
