//! Users, API tokens and the audit trail.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use settle_domain::access::Role;
use settle_store::platform::access::{TokenView, UserView};
use settle_store::platform::audit::{Anchor, AuditFinding, AuditRow};
use settle_store::platform::trail_search::{TrailFilter, TrailOrder};
use utoipa::{IntoParams, ToSchema};

use crate::api::{id_cursor, page_size, Page};
use crate::guard::Auth;
use crate::problem::{ApiResult, Body, Params, Path};
use crate::AppState;

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    cursor: Option<String>,
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<i64>,
    /// Who: an actor as the trail writes it ("user:alice@clinic", "token:3", "cli:root") or a username.
    #[param(max_length = 200)]
    who: Option<String>,
    /// An action ("login.failed") or every action of a kind ("login").
    #[param(max_length = 200)]
    action: Option<String>,
    /// Any part of the record, in any case ("A-1001", "invoice:").
    #[param(max_length = 200)]
    record: Option<String>,
    /// From this day (UTC), inclusive.
    #[serde(default)]
    from: Option<settle_domain::Date>,
    /// To this day (UTC), inclusive.
    #[serde(default)]
    to: Option<settle_domain::Date>,
}

/// The audit trail, oldest first: who did or saw what, when and from where,
/// filtered by who, action, record and days.
#[utoipa::path(get, path = "/api/v1/audit", tag = "admin", params(AuditQuery),
    responses((status = 200, body = Page<AuditRow>)),
    security(("bearer" = ["audit.read"])))]
pub async fn audit(State(state): State<AppState>, Auth(p): Auth, Params(q): Params<AuditQuery>) -> ApiResult<Json<Page<AuditRow>>> {
    let limit = page_size(q.limit, 1000)?;
    let after = id_cursor(q.cursor.as_deref())?.unwrap_or(0);
    let filter = TrailFilter {
        who: q.who.unwrap_or_default(),
        action: q.action.unwrap_or_default(),
        record: q.record.unwrap_or_default(),
        from: q.from,
        to: q.to,
    };
    let rows = state.store.audit_search(&p.org, &filter, TrailOrder::OldestAfter(after), limit).await?;
    Ok(Json(Page::of(rows, limit, |r| r.seq.to_string())))
}

#[derive(Serialize, ToSchema)]
pub struct AuditVerdict {
    /// Rows checked.
    pub checked: u64,
    /// True when the chains vouch for every audit row and every journal entry.
    pub intact: bool,
    /// Each row the chain does not vouch for, and why.
    pub findings: Vec<AuditFinding>,
}

/// Recompute the audit trail's hash chain and name any row edited, inserted or deleted.
#[utoipa::path(get, path = "/api/v1/audit/verify", tag = "admin",
    responses((status = 200, body = AuditVerdict)),
    security(("bearer" = ["audit.read"])))]
pub async fn audit_verify(State(state): State<AppState>, Auth(p): Auth) -> ApiResult<Json<AuditVerdict>> {
    let (checked, findings) = state.store.audit_verify(&p.org).await?;
    Ok(Json(AuditVerdict {
        checked,
        intact: findings.is_empty(),
        findings,
    }))
}

/// The heads of the audit trail and of the journal's hash chain now: keep it
/// where the database's owner cannot write, and check the books against it
/// later with `settle audit verify --against FILE`.
#[utoipa::path(get, path = "/api/v1/audit/anchor", tag = "admin",
    responses((status = 200, body = Anchor)),
    security(("bearer" = ["audit.read"])))]
pub async fn audit_anchor(State(state): State<AppState>, Auth(p): Auth) -> ApiResult<Json<Anchor>> {
    Ok(Json(state.store.audit_anchor(&p.org).await?))
}

/// The users of your organisation.
#[utoipa::path(get, path = "/api/v1/users", tag = "admin",
    responses((status = 200, body = Vec<UserView>)),
    security(("bearer" = ["users.manage"])))]
pub async fn list_users(State(state): State<AppState>, Auth(p): Auth) -> ApiResult<Json<Vec<UserView>>> {
    Ok(Json(state.store.users(&p.org).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    #[schema(min_length = 3, max_length = 64)]
    pub username: String,
    #[schema(max_length = 100)]
    pub display_name: String,
    pub role: Role,
    /// At least 12 characters; one is generated (and shown once) if absent.
    /// Either way it is one-time: the user chooses their own at first login.
    #[schema(max_length = 256)]
    pub password: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct UserCreated {
    pub user: UserView,
    /// The generated password, shown only in this answer.
    pub password: Option<String>,
}

/// Add a user to your organisation.
#[utoipa::path(post, path = "/api/v1/users", tag = "admin", request_body = NewUser,
    responses((status = 201, body = UserCreated)),
    security(("bearer" = ["users.manage"])))]
pub async fn add_user(State(state): State<AppState>, Auth(p): Auth, Body(new): Body<NewUser>) -> ApiResult<(StatusCode, Json<UserCreated>)> {
    let username = settle_store::platform::access::username_in(&p.org, &new.username)?;
    let (user, password) = state
        .store
        .add_user(
            &p.org,
            &username,
            &new.display_name,
            new.role,
            settle_store::platform::access::FirstPassword::set_by_admin(new.password.as_deref()),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(UserCreated { user, password })))
}

/// Disable a user: their sessions end and they cannot log in.
#[utoipa::path(post, path = "/api/v1/users/{username}/disable", tag = "admin",
    params(("username" = String, Path, example = "admin@clinic")),
    responses((status = 200, body = UserView)),
    security(("bearer" = ["users.manage"])))]
pub async fn disable_user(State(state): State<AppState>, Auth(p): Auth, Path(username): Path<String>) -> ApiResult<Json<UserView>> {
    let user = state.store.set_user_enabled(&p.org, &username, false).await?;
    state.token_cache.clear();
    Ok(Json(user))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleChange {
    pub role: Role,
}

/// Give a user another role; it applies from their next request. The last
/// active admin keeps the role.
#[utoipa::path(post, path = "/api/v1/users/{username}/role", tag = "admin", request_body = RoleChange,
    params(("username" = String, Path, example = "admin@clinic")),
    responses((status = 200, body = UserView)),
    security(("bearer" = ["users.manage"])))]
pub async fn change_role(
    State(state): State<AppState>,
    Auth(p): Auth,
    Path(username): Path<String>,
    Body(change): Body<RoleChange>,
) -> ApiResult<Json<UserView>> {
    let user = state.store.set_user_role(&p.org, &username, change.role).await?;
    state.token_cache.clear();
    Ok(Json(user))
}

/// Enable a user again (also clears a lockout).
#[utoipa::path(post, path = "/api/v1/users/{username}/enable", tag = "admin",
    params(("username" = String, Path, example = "admin@clinic")),
    responses((status = 200, body = UserView)),
    security(("bearer" = ["users.manage"])))]
pub async fn enable_user(State(state): State<AppState>, Auth(p): Auth, Path(username): Path<String>) -> ApiResult<Json<UserView>> {
    Ok(Json(state.store.set_user_enabled(&p.org, &username, true).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordReset {
    /// At least 12 characters. One-time: until the user chooses their own
    /// (`POST /api/v1/auth/password`), that is all their login may do.
    #[schema(min_length = 12, max_length = 256)]
    pub new_password: String,
}

/// Reset a user's password (and clear a lockout); their sessions end.
#[utoipa::path(post, path = "/api/v1/users/{username}/password", tag = "admin", request_body = PasswordReset,
    params(("username" = String, Path, example = "admin@clinic")),
    responses((status = 204, description = "Reset")),
    security(("bearer" = ["users.manage"])))]
pub async fn reset_password(
    State(state): State<AppState>,
    Auth(p): Auth,
    Path(username): Path<String>,
    Body(reset): Body<PasswordReset>,
) -> ApiResult<StatusCode> {
    let change = settle_store::platform::access::PasswordChange::Reset { new: &reset.new_password };
    state.store.set_password(&p.org, &username, change).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The API tokens of your organisation (never their secrets).
#[utoipa::path(get, path = "/api/v1/tokens", tag = "admin",
    responses((status = 200, body = Vec<TokenView>)),
    security(("bearer" = ["users.manage"])))]
pub async fn list_tokens(State(state): State<AppState>, Auth(p): Auth) -> ApiResult<Json<Vec<TokenView>>> {
    Ok(Json(state.store.tokens(&p.org).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    /// What uses it, such as "practice-management sync".
    #[schema(max_length = 100)]
    pub name: String,
    pub role: Role,
}

#[derive(Serialize, ToSchema)]
pub struct TokenCreated {
    pub token: TokenView,
    /// Send as `Authorization: Bearer <secret>`. Shown only in this answer.
    pub secret: String,
}

/// Create an API token with a role. Its secret is shown once.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "admin", request_body = NewToken,
    responses((status = 201, body = TokenCreated)),
    security(("bearer" = ["users.manage"])))]
pub async fn create_token(State(state): State<AppState>, Auth(p): Auth, Body(new): Body<NewToken>) -> ApiResult<(StatusCode, Json<TokenCreated>)> {
    let (token, secret) = state.store.create_token(&p.org, &new.name, new.role).await?;
    Ok((StatusCode::CREATED, Json(TokenCreated { token, secret })))
}

/// Revoke an API token: it stops working at once.
#[utoipa::path(post, path = "/api/v1/tokens/{token_id}/revoke", tag = "admin",
    params(("token_id" = i64, Path, example = 1)),
    responses((status = 204, description = "Revoked")),
    security(("bearer" = ["users.manage"])))]
pub async fn revoke_token(State(state): State<AppState>, Auth(p): Auth, Path(token_id): Path<i64>) -> ApiResult<StatusCode> {
    state.store.revoke_token(&p.org, token_id).await?;
    state.token_cache.clear();
    Ok(StatusCode::NO_CONTENT)
}
