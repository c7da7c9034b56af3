//! Settle's HTTP API: `settle serve`.
//!
//! A door to the store, like the CLI: handlers parse and check requests,
//! call one store command or report, and shape the answer as JSON. Every
//! route declares the permission it needs in its OpenAPI annotation
//! (`security(("bearer" = ["payments.post"]))`); [`guard`] reads those
//! declarations from the generated document and enforces them, so the
//! document, the enforcement and `docs/permissions.md` cannot disagree.

mod api;
pub mod daily;
pub mod docs;
mod guard;
pub mod idempotency;
pub mod logging;
pub mod login_wait;
mod metrics;
pub mod problem;
pub mod reads;
mod replica;
pub mod web;

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, Method, StatusCode};
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use axum::Router;
use settle_domain::access::Permission;
use settle_store::platform::access::FirstPassword;
use settle_store::Store;

pub use guard::Access;
use problem::ApiError;

/// The largest request body accepted: 1 MiB is thousands of invoice lines.
pub const BODY_LIMIT: usize = 1 << 20;

/// How `settle serve` runs.
#[derive(Clone, Debug)]
pub struct Config {
    pub listen: SocketAddr,
    /// Sessions idle for longer end (HIPAA automatic logoff).
    pub idle_timeout: Duration,
    pub tls: Option<(PathBuf, PathBuf)>,
    /// Run the day's dunning by itself once the date turns.
    pub daily_dunning: bool,
    /// Hand the email outbox to this SMTP server.
    pub mail: Option<daily::Mail>,
    /// A reverse proxy in front terminates TLS: cookies are marked Secure
    /// and browsers told to keep to HTTPS, as when serving TLS directly.
    pub behind_tls_proxy: bool,
}

impl Config {
    /// Whether browsers reach Settle over HTTPS, so every cookie is Secure.
    pub fn secure_cookies(&self) -> bool {
        self.tls.is_some() || self.behind_tls_proxy
    }
}

impl Default for Config {
    fn default() -> Config {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            idle_timeout: Duration::from_secs(15 * 60),
            tls: None,
            daily_dunning: true,
            mail: None,
            behind_tls_proxy: false,
        }
    }
}

/// What every handler can reach. One `Arc`: the router and each layer
/// clone the state for every request, and a clone of the fields one by one
/// was a tenth of the server's processor time under load.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// The state behind [`AppState`].
pub struct Shared {
    pub store: Store,
    pub config: Arc<Config>,
    access: Arc<HashMap<(Method, String), Access>>,
    inflight: Arc<Mutex<HashSet<(i64, String)>>>,
    token_cache: Arc<guard::TokenCache>,
    metrics: Arc<metrics::Metrics>,
    openapi_json: Arc<String>,
    pub dashboards: Arc<web::DashboardCache>,
}

/// The OpenAPI document of every route, as served at `/api/v1/openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    dates_inline(api::routes().split_for_parts().1)
}

/// The document as served at `/api/v1/openapi.json`: [`openapi`] with the
/// links between operations (utoipa's types cannot carry an operationRef).
pub fn openapi_document() -> serde_json::Value {
    with_links(&openapi())
}

/// OpenAPI links from what a POST made to the routes that read and act on
/// it (an account to its page, an invoice to its void, a payment to its
/// reversal), so a client, and schemathesis's stateful phase, can follow a
/// record from its creation through what is done to it.
const LINKS: &[(&str, &str, &str, &str, &str, &str)] = &[
    (
        "/api/v1/accounts",
        "201",
        "GetAccount",
        "/api/v1/accounts/{number}",
        "get",
        "number=$response.body#/account_number",
    ),
    (
        "/api/v1/accounts",
        "201",
        "GetAccountNotes",
        "/api/v1/accounts/{number}/notes",
        "get",
        "number=$response.body#/account_number",
    ),
    (
        "/api/v1/invoices",
        "201",
        "GetInvoice",
        "/api/v1/invoices/{number}",
        "get",
        "number=$response.body#/invoice_number",
    ),
    (
        "/api/v1/invoices",
        "201",
        "VoidInvoice",
        "/api/v1/invoices/{number}/void",
        "post",
        "number=$response.body#/invoice_number",
    ),
    (
        "/api/v1/payments",
        "201",
        "GetPayment",
        "/api/v1/payments/{payment_id}",
        "get",
        "payment_id=$response.body#/payment_id",
    ),
    (
        "/api/v1/payments",
        "201",
        "ReversePayment",
        "/api/v1/payments/{payment_id}/reverse",
        "post",
        "payment_id=$response.body#/payment_id",
    ),
];

fn with_links(doc: &utoipa::openapi::OpenApi) -> serde_json::Value {
    let Ok(mut value) = serde_json::to_value(doc) else {
        return serde_json::Value::Null;
    };
    for (from, status, name, to, method, parameter) in LINKS {
        let (param, expression) = parameter.split_once('=').unwrap_or_default();
        let reference = format!("#/paths/{}/{method}", to.replace('~', "~0").replace('/', "~1"));
        if value
            .pointer(&format!("/paths/{}/{method}", to.replace('~', "~0").replace('/', "~1")))
            .is_none()
        {
            continue;
        }
        let pointer = format!("/paths/{}/post/responses/{status}", from.replace('~', "~0").replace('/', "~1"));
        if let Some(response) = value.pointer_mut(&pointer).and_then(|r| r.as_object_mut()) {
            let links = response.entry("links").or_insert_with(|| serde_json::json!({}));
            links[*name] = serde_json::json!({ "operationRef": reference, "parameters": { param: expression } });
        }
    }
    value
}

/// utoipa describes our `Date` (jiff's civil date) as a reference to a
/// component named "String"; say what it is instead, inline: an ISO 8601
/// date.
fn dates_inline(doc: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    fn walk(value: &mut serde_json::Value) {
        match value {
            serde_json::Value::Object(map) => {
                if map.get("$ref").and_then(|r| r.as_str()) == Some("#/components/schemas/String") {
                    map.remove("$ref");
                    map.insert("type".into(), "string".into());
                    map.insert("format".into(), "date".into());
                    map.insert("examples".into(), serde_json::json!(["2026-11-20"]));
                }
                map.values_mut().for_each(walk);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    let Ok(mut value) = serde_json::to_value(&doc) else { return doc };
    walk(&mut value);
    if let Some(schemas) = value.pointer_mut("/components/schemas").and_then(|s| s.as_object_mut()) {
        schemas.remove("String");
    }
    serde_json::from_value(value).unwrap_or(doc)
}

/// Every route's method, path and declared access, read from the document.
pub fn route_access() -> Vec<(Method, String, Access)> {
    let mut routes: Vec<_> = guard::access_map(&openapi()).into_iter().map(|((m, p), a)| (m, p, a)).collect();
    routes.sort_by(|a, b| (&a.1, a.0.as_str()).cmp(&(&b.1, b.0.as_str())));
    routes
}

/// The whole application, ready to serve.
pub fn app(store: Store, config: Config) -> Router {
    let (router, openapi) = api::routes().split_for_parts();
    let openapi = dates_inline(openapi);
    let document = with_links(&openapi);
    let access = guard::access_map(&openapi);
    let state = AppState(Arc::new(Shared {
        store,
        config: Arc::new(config),
        access: Arc::new(access),
        inflight: Arc::default(),
        token_cache: Arc::default(),
        metrics: Arc::new(metrics::Metrics::default()),
        openapi_json: Arc::new(serde_json::to_string_pretty(&document).unwrap_or_default()),
        dashboards: Arc::default(),
    }));
    router
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), guard::guard))
        .merge(web::routes(state.clone()))
        .route("/api/v1/openapi.json", get(openapi_json))
        .route("/api/v1/docs", get(|| async { Html(docs::DOCS_PAGE) }))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics::render))
        .fallback(not_found)
        .method_not_allowed_fallback(|| async { ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "this route does not take that method; see /api/v1/docs") })
        .layer(axum::middleware::from_fn_with_state(state.clone(), replica::lag_headers))
        .layer(axum::middleware::from_fn_with_state(state.clone(), metrics::track))
        .layer(
            tower_http::trace::TraceLayer::new_for_http()
                .make_span_with(logging::request_span)
                .on_request(())
                .on_response(|response: &axum::response::Response, latency: Duration, span: &tracing::Span| {
                    span.record("status", response.status().as_u16());
                    tracing::info!(latency_ms = latency.as_millis() as u64, "answered");
                })
                .on_failure(()),
        )
        .layer(tower_http::request_id::PropagateRequestIdLayer::x_request_id())
        .layer(tower_http::request_id::SetRequestIdLayer::x_request_id(tower_http::request_id::MakeRequestUuid))
        // Settle makes every request id itself: one sent by the client could
        // carry anything (a name) into the logs.
        .layer(axum::middleware::map_request(|mut request: axum::extract::Request| async move {
            request.headers_mut().remove("x-request-id");
            request
        }))
        .layer(axum::middleware::from_fn_with_state(state.clone(), security_headers))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state)
}

/// Headers every answer carries: no framing (clickjacking), no MIME
/// sniffing, no referrer leaving the site, and a Content-Security-Policy
/// that lets pages load script, style and images from Settle only (inline
/// script is refused; the self-contained API docs page is the one place
/// that may run its own inline script). Over TLS, or behind a proxy that
/// says it terminated TLS (`--behind-tls-proxy`), browsers are told to keep
/// to HTTPS.
async fn security_headers(State(state): State<AppState>, req: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    let docs = req.uri().path() == "/api/v1/docs";
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    let csp = if docs {
        "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    } else {
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'"
    };
    headers.insert(header::CONTENT_SECURITY_POLICY, header::HeaderValue::from_static(csp));
    headers.insert(header::X_FRAME_OPTIONS, header::HeaderValue::from_static("DENY"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, header::HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, header::HeaderValue::from_static("same-origin"));
    if state.config.secure_cookies() {
        headers.insert(header::STRICT_TRANSPORT_SECURITY, header::HeaderValue::from_static("max-age=31536000"));
    }
    response
}

/// An unknown address: a problem document under /api/, a page elsewhere
/// (a person who mistypes an address gets Settle's page, not bare JSON).
async fn not_found(uri: axum::http::Uri) -> axum::response::Response {
    if uri.path().starts_with("/api/") {
        ApiError::new(StatusCode::NOT_FOUND, "there is no such route; see /api/v1/docs").into_response()
    } else {
        web::error_page(
            None,
            StatusCode::NOT_FOUND,
            "Page not found",
            "There is no page at this address. It may have been mistyped, or the link is old.",
        )
    }
}

async fn openapi_json(State(state): State<AppState>) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], state.openapi_json.as_str().to_string())
}

async fn healthz(State(state): State<AppState>) -> Result<&'static str, ApiError> {
    sqlx_ping(&state.store).await?;
    Ok("ok\n")
}

async fn sqlx_ping(store: &Store) -> Result<(), ApiError> {
    store.organisations().await.map(|_| ()).map_err(ApiError::from)
}

/// Makes an admin for each organisation that has no user yet, printing its
/// one-time password (or using `SETTLE_ADMIN_PASSWORD`).
pub async fn bootstrap_admins(store: &Store) -> Result<Vec<String>> {
    let mut lines = Vec::new();
    for org in store.organisations().await? {
        if store.has_users(&org).await? {
            continue;
        }
        let username = format!("admin@{}", org.slug);
        let from_env = std::env::var("SETTLE_ADMIN_PASSWORD").ok().filter(|p| !p.is_empty());
        let added = store
            .add_user(
                &org,
                &username,
                "Administrator",
                settle_domain::access::Role::Admin,
                // The operator's own password is kept; a generated one is printed once and changed at first login.
                from_env.as_deref().map_or(FirstPassword::Generated, FirstPassword::Kept),
            )
            .await;
        let generated = match added {
            Ok((_, generated)) => generated,
            // Another `settle serve` starting on the same database made it
            // first: that is the admin we wanted.
            Err(_) if store.has_users(&org).await? => continue,
            Err(error) => return Err(error).with_context(|| format!("creating the first admin of {}", org.slug)),
        };
        lines.push(match generated {
            Some(password) => format!("created admin {username:?} with one-time password {password} (you choose your own at first login)"),
            None => format!("created admin {username:?} with the password in SETTLE_ADMIN_PASSWORD"),
        });
    }
    Ok(lines)
}

/// Serves until Ctrl-C or SIGTERM, then finishes the requests in flight.
/// The first admins are made beforehand ([`bootstrap_admins`]), by the
/// caller, which shows their passwords.
pub async fn serve(store: Store, config: Config) -> Result<()> {
    spawn_housekeeping(store.clone());
    daily::spawn(store.clone(), config.daily_dunning, config.mail.clone());
    store.checkpoint_in_background().await?;
    let listen = config.listen;
    let tls = config.tls.clone();
    let app = app(store, config).into_make_service_with_connect_info::<SocketAddr>();
    match tls {
        None => {
            let listener = tokio::net::TcpListener::bind(listen)
                .await
                .with_context(|| format!("cannot listen on {listen}"))?;
            tracing::info!("listening on http://{}  (API docs at /api/v1/docs)", listener.local_addr()?);
            axum::serve(listener, app).with_graceful_shutdown(shutdown_signal()).await?;
        }
        Some((cert, key)) => {
            let _ = rustls::crypto::ring::default_provider().install_default();
            let tls = axum_server::tls_rustls::RustlsConfig::from_pem_file(&cert, &key)
                .await
                .with_context(|| format!("reading TLS certificate {} and key {}", cert.display(), key.display()))?;
            let handle = axum_server::Handle::new();
            let on_signal = handle.clone();
            tokio::spawn(async move {
                shutdown_signal().await;
                on_signal.graceful_shutdown(Some(Duration::from_secs(30)));
            });
            tracing::info!("listening on https://{listen}  (API docs at /api/v1/docs)");
            axum_server::bind_rustls(listen, tls).handle(handle).serve(app).await?;
        }
    }
    tracing::info!("stopped after finishing requests in flight");
    Ok(())
}

/// Forgets idempotency keys after a week (the API promises at least a day).
fn spawn_housekeeping(store: Store) {
    tokio::spawn(async move {
        loop {
            if let Err(error) = store.purge_idempotency_keys(Duration::from_secs(7 * 24 * 3600)).await {
                tracing::error!(error = %error, "purging old idempotency keys failed");
            }
            tokio::time::sleep(Duration::from_secs(3600)).await;
        }
    });
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down; finishing requests in flight");
}

/// The permission matrix as Markdown: every route with the permission it
/// needs, and every role's yes or no. `docs/permissions.md` is this text.
pub fn permissions_markdown() -> String {
    use settle_domain::access::Role;
    let mut out = String::from(
        "# Permissions\n\n\
         Generated from the API's OpenAPI document by `settle permissions`; a test fails if this file and the code disagree.\n\n\
         ## Roles\n\n| permission |",
    );
    for role in Role::ALL {
        out.push_str(&format!(" {role} |"));
    }
    out.push_str("\n|---|");
    out.push_str(&"---|".repeat(Role::ALL.len()));
    out.push('\n');
    for permission in Permission::ALL {
        out.push_str(&format!("| `{}` |", permission.as_str()));
        for role in Role::ALL {
            out.push_str(if role.allows(permission) { " yes |" } else { " no |" });
        }
        out.push('\n');
    }
    out.push_str("\n## Routes\n\n| method | path | needs |\n|---|---|---|\n");
    for (method, path, access) in route_access() {
        out.push_str(&format!("| {method} | `{path}` | {} |\n", access.describe()));
    }
    out.push_str("\n## Pages\n\nThe web pages take the session cookie only, and every form must carry the session's CSRF token.\n\n| method | path | needs |\n|---|---|---|\n");
    for (method, path, access) in web::PAGES {
        out.push_str(&format!("| {method} | `{path}` | {} |\n", access.describe()));
    }
    out.push_str(
        "\nAlso open to anyone: `GET /healthz`, `GET /metrics`, `GET /api/v1/openapi.json` and `GET /api/v1/docs`.\n\
         Every read of a person's record and every write is written to the audit trail, whoever makes it.\n",
    );
    out
}

/// A PDF to download (a letter or a statement).
pub(crate) fn pdf_response(name: &str, bytes: Vec<u8>) -> axum::response::Response {
    use axum::http::header;
    use axum::response::IntoResponse;
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (header::CONTENT_DISPOSITION, format!("inline; filename=\"{name}\"")),
        ],
        bytes,
    )
        .into_response()
}

/// The collector a signed-in user works as: "user:ann" is "ann".
pub(crate) fn collector_name(actor: &str) -> String {
    actor.strip_prefix("user:").unwrap_or(actor).to_string()
}
