//! Authentication and authorisation for every API route.
//!
//! The route's declared access comes from its OpenAPI `security`: none
//! (`security(())`) is public, an empty scope list is any logged-in user,
//! and a scope names the [`Permission`] needed. A route with no declaration
//! is refused: the guard fails closed.

use std::collections::HashMap;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts, MatchedPath, Request, State};
use axum::http::request::Parts;
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use settle_domain::access::Permission;
use settle_store::platform::access::Principal;
use settle_store::platform::audit::{Actor, ACTOR};

use crate::problem::ApiError;
use crate::{idempotency, AppState};

pub const SESSION_COOKIE: &str = "settle_session";

/// What a route needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    Public,
    Authenticated,
    Needs(Permission),
}

impl Access {
    pub fn describe(self) -> String {
        match self {
            Access::Public => "anyone".into(),
            Access::Authenticated => "any logged-in user or token".into(),
            Access::Needs(p) => format!("`{}`", p.as_str()),
        }
    }
}

/// Reads each operation's declared access out of the OpenAPI document.
pub fn access_map(openapi: &utoipa::openapi::OpenApi) -> HashMap<(Method, String), Access> {
    let doc = serde_json::to_value(openapi).unwrap_or_default();
    let mut map = HashMap::new();
    let Some(paths) = doc["paths"].as_object() else { return map };
    for (path, item) in paths {
        let Some(item) = item.as_object() else { continue };
        for (method, operation) in item {
            let Ok(method) = method.to_ascii_uppercase().parse::<Method>() else {
                continue;
            };
            let access = match operation.get("security").and_then(|s| s.as_array()) {
                None => continue,
                Some(requirements) => declared(requirements),
            };
            if let Some(access) = access {
                map.insert((method, path.clone()), access);
            }
        }
    }
    map
}

fn declared(requirements: &[serde_json::Value]) -> Option<Access> {
    let scopes: Vec<&str> = requirements
        .iter()
        .filter_map(|r| r.as_object())
        .flat_map(|r| r.values())
        .filter_map(|v| v.as_array())
        .flatten()
        .filter_map(|s| s.as_str())
        .collect();
    let any_scheme = requirements.iter().any(|r| r.as_object().is_some_and(|o| !o.is_empty()));
    match (any_scheme, scopes.as_slice()) {
        (false, _) => Some(Access::Public),
        (true, []) => Some(Access::Authenticated),
        (true, [scope]) => Permission::ALL.into_iter().find(|p| p.as_str() == *scope).map(Access::Needs),
        _ => None,
    }
}

/// Recently checked API tokens, keyed by the secret's SHA-256.
#[derive(Default)]
pub struct TokenCache {
    entries: std::sync::Mutex<HashMap<String, (Principal, std::time::Instant)>>,
}

impl TokenCache {
    fn digest(secret: &str) -> String {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(secret.as_bytes()))
    }

    pub fn get(&self, secret: &str) -> Option<Principal> {
        let entries = self.entries.lock().ok()?;
        let (principal, at) = entries.get(&Self::digest(secret))?;
        (at.elapsed() < TOKEN_CACHE_TTL).then(|| principal.clone())
    }

    pub fn put(&self, secret: String, principal: Principal) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() > 10_000 {
                entries.retain(|_, (_, at)| at.elapsed() < TOKEN_CACHE_TTL);
            }
            entries.insert(Self::digest(&secret), (principal, std::time::Instant::now()));
        }
    }

    /// Forgets everything: after a revocation or a user change.
    pub fn clear(&self) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.clear();
        }
    }
}

/// The authenticated principal, for handlers behind the guard.
pub struct Auth(pub Principal);

impl<S: Send + Sync> FromRequestParts<S> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Principal>().cloned().map(Auth).ok_or_else(ApiError::unauthorized)
    }
}

/// The client's address, for the audit trail.
pub fn client_address(req: &Request) -> String {
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

fn bearer(headers: &axum::http::HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_string())
}

/// Whether a request a browser sent with our cookie came from another site:
/// its Origin names another host than the one it was sent to, or the
/// browser says so (Sec-Fetch-Site). SameSite=Strict already keeps the
/// cookie off most such requests; this refuses the rest.
pub fn cross_site(headers: &axum::http::HeaderMap) -> bool {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if text("sec-fetch-site").is_some_and(|s| s == "cross-site" || s == "same-site") {
        return true;
    }
    let Some(origin) = text("origin") else { return false };
    let host = text("x-forwarded-host").or_else(|| text("host")).unwrap_or("");
    let origin_host = origin.split_once("://").map_or(origin, |(_, rest)| rest).trim_end_matches('/');
    origin == "null" || !origin_host.eq_ignore_ascii_case(host)
}

pub fn session_cookie(headers: &axum::http::HeaderMap) -> Option<String> {
    cookie(headers, SESSION_COOKIE)
}

/// The value of the cookie `name` the request carries, if any.
pub fn cookie(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, value)| value.to_string())
}

/// How long a token, once checked, is trusted without asking the database.
/// Revoking through this server forgets at once; a revocation made by
/// another process (`settle token revoke`) takes effect within this time.
pub const TOKEN_CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(5);

/// Finds who is calling, by API token or session cookie.
pub async fn principal_of(state: &AppState, headers: &axum::http::HeaderMap) -> Result<Option<Principal>, ApiError> {
    if let Some(token) = bearer(headers) {
        if let Some(principal) = state.token_cache.get(&token) {
            return Ok(Some(principal));
        }
        let principal = state.store.token_principal(&token).await?;
        if let Some(principal) = &principal {
            state.token_cache.put(token, principal.clone());
        }
        return Ok(principal);
    }
    if let Some(secret) = session_cookie(headers) {
        return Ok(state.store.session_principal(&secret, state.config.idle_timeout).await?);
    }
    Ok(None)
}

/// What a login on a one-time password may do over the API: change it,
/// log out, and ask who it is.
const ONE_TIME_PASSWORD_ROUTES: [&str; 3] = ["/api/v1/auth/password", "/api/v1/auth/logout", "/api/v1/auth/me"];

/// The route layer: access check, then idempotency, then the handler, with
/// the audit trail's actor set for everything the handler writes.
pub async fn guard(State(state): State<AppState>, matched: MatchedPath, mut req: Request, next: Next) -> Response {
    // HEAD is answered like GET (axum runs the GET handler and drops the
    // body), so it needs what GET needs.
    let method = if req.method() == Method::HEAD { Method::GET } else { req.method().clone() };
    let key = (method, matched.as_str().to_string());
    let Some(access) = state.access.get(&key).copied() else {
        tracing::error!(method = %key.0, route = %key.1, "the route declares no access; refused");
        return ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "this route declares no permission, so it is closed").into_response();
    };
    let address = client_address(&req);
    if access == Access::Public {
        let actor = Actor {
            name: "anonymous".into(),
            address,
            clinical: false,
            approves: false,
        };
        return ACTOR.scope(actor, next.run(req)).await;
    }
    let principal = match principal_of(&state, req.headers()).await {
        Ok(Some(principal)) => principal,
        Ok(None) => return ApiError::unauthorized().into_response(),
        Err(error) => return error.into_response(),
    };
    if req.method() != Method::GET && req.method() != Method::HEAD && bearer(req.headers()).is_none() && cross_site(req.headers()) {
        return ApiError::new(
            StatusCode::FORBIDDEN,
            "a write with a session cookie must come from this site's own pages (its Origin is another site); use an API token from elsewhere",
        )
        .into_response();
    }
    if principal.must_change_password && !ONE_TIME_PASSWORD_ROUTES.contains(&key.1.as_str()) {
        return ApiError::new(
            StatusCode::FORBIDDEN,
            "your password is one-time (someone else set it): choose your own with POST /api/v1/auth/password, then log in again",
        )
        .into_response();
    }
    if let Access::Needs(permission) = access {
        if !principal.role.allows(permission) {
            return ApiError::forbidden(permission.as_str()).into_response();
        }
    }
    crate::logging::record_principal(&principal.org.slug, &principal.actor);
    let actor = Actor::of(&principal, address);
    let org_id = principal.org.org_id;
    req.extensions_mut().insert(principal);
    let permission = match access {
        Access::Needs(p) => Some(p),
        _ => None,
    };
    let line = crate::reads::RequestLine::of(&req);
    let store = state.store.clone();
    ACTOR
        .scope(actor, async move {
            let handler = async move {
                if req.method() == Method::POST {
                    let response = idempotency::run(&state, org_id, permission, req, next).await;
                    if response.status().is_success() {
                        state.dashboards.touch(org_id);
                    }
                    response
                } else {
                    next.run(req).await
                }
            };
            crate::reads::audited(&store, org_id, line, &key.1, handler).await
        })
        .await
}
