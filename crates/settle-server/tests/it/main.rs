//! The API end to end over real HTTP, on every backend (SQLite always;
//! PostgreSQL when `SETTLE_TEST_PG_URL` is set, otherwise skipped).

mod ach_api;
mod ach_pages;
mod admin_pages;
mod bad_input;
mod books_out;
mod browser;
mod browser_admin;
mod browser_sweep;
mod claims_api;
mod claims_pages;
mod collections_api;
mod collections_pages;
mod customer_paper;
mod failover;
mod follow_up_pages;
mod hardening;
mod idempotency;
mod imports;
mod lists;
mod logging;
mod matrix;
mod outbox;
mod pages;
mod properties;
mod refund_limits;
mod replica_pages;
mod sessions;
mod story;
mod worklist_pages;
mod write_offs;

use std::net::SocketAddr;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use settle_domain::access::Role;
use settle_store::platform::Organisation;
use settle_store::testing::{all_backends, TestBackend};
use settle_store::Store;

pub struct Server {
    pub name: &'static str,
    pub base: String,
    pub store: Store,
    pub client: reqwest::Client,
    _backend: TestBackend,
}

pub struct Answer {
    pub status: StatusCode,
    pub body: Value,
    pub headers: reqwest::header::HeaderMap,
}

impl Server {
    /// A server on each backend, listening on a free loopback port.
    pub async fn each(idle_timeout: Duration) -> Vec<Server> {
        let mut out = Vec::new();
        for backend in all_backends().await {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let config = settle_server::Config {
                listen: addr,
                idle_timeout,
                tls: None,
                ..settle_server::Config::default()
            };
            let app = settle_server::app(backend.store.clone(), config).into_make_service_with_connect_info::<SocketAddr>();
            tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
            out.push(Server {
                name: backend.name,
                base: format!("http://{addr}"),
                store: backend.store.clone(),
                client: reqwest::Client::new(),
                _backend: backend,
            });
        }
        out
    }

    /// Where this server's books are.
    pub fn backend_location(&self) -> settle_store::Location {
        self._backend.location.clone()
    }

    pub async fn token(&self, org: &Organisation, role: Role) -> String {
        self.store.create_token(org, &format!("test {role}"), role).await.unwrap().1
    }

    pub async fn send(&self, method: Method, path: &str, auth: Option<&str>, body: Option<&Value>, key: Option<&str>) -> Answer {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(token) = auth {
            request = if token.starts_with("settle_session=") {
                request.header("cookie", token)
            } else {
                request.bearer_auth(token)
            };
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        if status.is_client_error() || status.is_server_error() {
            let content_type = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default();
            assert_eq!(content_type, "application/problem+json", "{path}: {status} {body}");
            assert_eq!(body["status"], status.as_u16(), "{path}: {body}");
        }
        Answer { status, body, headers }
    }

    pub async fn get(&self, token: &str, path: &str) -> Answer {
        self.send(Method::GET, path, Some(token), None, None).await
    }

    pub async fn post(&self, token: &str, path: &str, body: Value) -> Answer {
        self.send(Method::POST, path, Some(token), Some(&body), None).await
    }

    pub async fn put(&self, token: &str, path: &str, body: Value) -> Answer {
        self.send(Method::PUT, path, Some(token), Some(&body), None).await
    }

    /// The journal's entry count, to prove a refused request wrote nothing.
    pub async fn entry_count(&self, org: &Organisation) -> usize {
        self.store.journal_page(org, 0, 1_000_000).await.unwrap().len()
    }
}

pub fn new_account(number: &str, name: &str) -> Value {
    json!({
        "account_number": number,
        "party": { "kind": "person", "name": name, "email": "pat@example.com", "phone": "555-010-2000", "address": "1 Main St, Springfield, IL 62701" },
        "ar_kind": "patient",
        "payment_terms": "net30",
        "opened_on": "2026-01-02"
    })
}

pub fn new_invoice(account: &str, price: &str) -> Value {
    json!({
        "account_number": account,
        "issue_date": "2026-02-01",
        "lines": [{ "item_code": "99213", "description": "Office visit", "quantity": "1", "unit_price": price }]
    })
}

pub fn new_payment(account: &str, amount: &str) -> Value {
    json!({ "account_number": account, "amount": amount, "method": "check", "reference": "1001", "received_on": "2026-03-01" })
}
