//! Logging in and out, and who the caller is.

use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use settle_domain::access::{Permission, Role};
use settle_store::platform::access::Principal;
use settle_store::platform::Organisation;
use utoipa::ToSchema;

use crate::guard::{client_address, session_cookie, Auth, SESSION_COOKIE};
use crate::problem::{parse_json, ApiError, ApiResult};
use crate::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    #[schema(max_length = 64)]
    pub username: String,
    #[schema(max_length = 256)]
    pub password: String,
}

/// Who is calling, and what they may do.
#[derive(Serialize, ToSchema)]
pub struct Me {
    /// "user:alice" or "token:3:practice-sync".
    pub actor: String,
    pub role: Role,
    pub organisation: Organisation,
    /// The permissions the role grants.
    pub permissions: Vec<String>,
    /// Seconds of inactivity after which a login session ends.
    pub idle_timeout_seconds: u64,
}

fn me_of(principal: Principal, idle: Duration) -> Me {
    Me {
        actor: principal.actor,
        role: principal.role,
        permissions: Permission::ALL
            .into_iter()
            .filter(|p| principal.role.allows(*p))
            .map(|p| p.as_str().to_string())
            .collect(),
        organisation: principal.org,
        idle_timeout_seconds: idle.as_secs(),
    }
}

/// Log in with a username and password; answers with a session cookie.
///
/// Wrong passwords slow each next try down; five in a row lock the login
/// for 15 minutes. The answer does not say whether the username exists.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "session", request_body = LoginRequest,
    responses((status = 200, description = "Logged in; the `settle_session` cookie is set", body = Me)),
    security(()))]
pub async fn login(State(state): State<AppState>, req: Request) -> ApiResult<Response> {
    let address = client_address(&req);
    let body = axum::body::to_bytes(req.into_body(), 64 * 1024)
        .await
        .map_err(|_| ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "the body is too large"))?;
    let LoginRequest { username, password } = parse_json(&body)?;
    match state.store.login(&username, &password, &address).await? {
        Ok((principal, secret)) => {
            crate::login_wait::succeeded(&username);
            let cookie = format!(
                "{SESSION_COOKIE}={secret}; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age={}",
                state.config.idle_timeout.as_secs().max(60) * 8
            );
            let mut response = Json(me_of(principal, state.config.idle_timeout)).into_response();
            response.headers_mut().insert(
                header::SET_COOKIE,
                HeaderValue::from_str(&cookie).map_err(|_| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "cookie"))?,
            );
            Ok(response)
        }
        Err(_refused) => {
            crate::login_wait::refused(&username).await;
            Err(ApiError::new(StatusCode::UNAUTHORIZED, crate::login_wait::REFUSED))
        }
    }
}

/// Log out: ends the session and clears its cookie.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "session",
    responses((status = 204, description = "Logged out")),
    security(("bearer" = [])))]
pub async fn logout(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<Response> {
    if let Some(secret) = session_cookie(&headers) {
        state.store.end_session(&secret).await?;
    }
    let clear = format!("{SESSION_COOKIE}=; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=0");
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, clear)]).into_response())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    #[schema(max_length = 256)]
    pub current_password: String,
    /// At least 12 characters.
    #[schema(min_length = 12, max_length = 256)]
    pub new_password: String,
}

/// Change your own password (a logged-in user, not a token). Every session
/// of yours ends, this one too: log in again with the new password.
#[utoipa::path(post, path = "/api/v1/auth/password", tag = "session", request_body = PasswordChange,
    responses((status = 204, description = "Changed; log in again")),
    security(("bearer" = [])))]
pub async fn change_password(
    State(state): State<AppState>,
    Auth(principal): Auth,
    crate::problem::Body(change): crate::problem::Body<PasswordChange>,
) -> ApiResult<Response> {
    let Some(username) = principal.actor.strip_prefix("user:").filter(|_| principal.user_id.is_some()) else {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "only a logged-in user can change a password; an API token has none",
        ));
    };
    state
        .store
        .set_password(
            &principal.org,
            username,
            settle_store::platform::access::PasswordChange::Own {
                current: &change.current_password,
                new: &change.new_password,
            },
        )
        .await?;
    let clear = format!("{SESSION_COOKIE}=; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=0");
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, clear)]).into_response())
}

/// Who am I: the caller's role, organisation and permissions.
#[utoipa::path(get, path = "/api/v1/auth/me", tag = "session",
    responses((status = 200, body = Me)),
    security(("bearer" = [])))]
pub async fn me(State(state): State<AppState>, Auth(principal): Auth) -> Json<Me> {
    Json(me_of(principal, state.config.idle_timeout))
}

/// The caller's organisation.
#[utoipa::path(get, path = "/api/v1/organisation", tag = "session",
    responses((status = 200, body = Organisation)),
    security(("bearer" = [])))]
pub async fn organisation(Auth(principal): Auth) -> Json<Organisation> {
    Json(principal.org)
}
