//! Logs: `tracing` events, written by `tracing-subscriber` as text to a
//! terminal and as JSON lines elsewhere (`SETTLE_LOG_FORMAT=text|json`
//! decides), filtered by `SETTLE_LOG` (`info` if unset; sqlx's statements
//! only from `warn`). Every request has a span: its request id (also sent
//! back as `x-request-id`), method, route template (never the path's values
//! or the query, which can hold a name), and once known its organisation
//! and actor. What must never be logged is listed in LOGGING.md.

use std::io::IsTerminal;

use axum::extract::MatchedPath;
use axum::http::Request;
use tracing::Span;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::EnvFilter;

/// The filter when `SETTLE_LOG` is unset.
const DEFAULT_FILTER: &str = "info,sqlx=warn,hyper=warn,h2=warn,rustls=warn,lettre=warn";

/// Installs the process's subscriber, writing to stderr. Does nothing if
/// one is installed already (tests install their own).
pub fn init() {
    let json = match std::env::var("SETTLE_LOG_FORMAT").ok().as_deref() {
        Some("json") => true,
        Some("text") => false,
        _ => !std::io::stderr().is_terminal(),
    };
    init_with(std::io::stderr, json);
}

/// Installs a subscriber writing to `writer`, JSON lines or text.
pub fn init_with<W>(writer: W, json: bool)
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let filter = EnvFilter::try_from_env("SETTLE_LOG").unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(writer).with_target(true);
    let _ = if json {
        builder.json().flatten_event(true).with_current_span(true).with_span_list(false).try_init()
    } else {
        builder.with_ansi(std::io::stderr().is_terminal()).try_init()
    };
}

/// The span of one request: fields filled in as they become known.
pub fn request_span<B>(request: &Request<B>) -> Span {
    let route = request.extensions().get::<MatchedPath>().map_or("(no route)", MatchedPath::as_str);
    let request_id = request.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or_default();
    tracing::info_span!(
        "request",
        request_id = %request_id,
        method = %request.method(),
        route = %route,
        org = tracing::field::Empty,
        actor = tracing::field::Empty,
        status = tracing::field::Empty,
    )
}

/// Notes on the current request's span who is asking, once the guard knows.
pub fn record_principal(org: &str, actor: &str) {
    let span = Span::current();
    span.record("org", org);
    span.record("actor", actor);
}
