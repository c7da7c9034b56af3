//! Users, login sessions and API tokens.
//!
//! Passwords are kept as argon2id hashes. Session cookies and API tokens are
//! 256-bit random secrets of which only the SHA-256 is stored: a stolen
//! database gives no way in. Five wrong passwords in a row lock a login for
//! fifteen minutes; every login, failure, lockout, user and token change is
//! written to the audit trail.

use crate::write::status;
use crate::write::Unaudited;
use settle_domain::status::UserStatus;
use std::time::Duration;

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rand::RngCore;
use serde::Serialize;
use settle_domain::access::Role;
use sqlx::Row;

use crate::platform::audit::{self, Actor, ACTOR};
use crate::platform::Organisation;
use crate::write::next_ids;
use crate::{now_text, sha256_hex, Result, Store, StoreError};

/// Failed logins in a row that lock the login.
pub const MAX_FAILED_LOGINS: i64 = 5;
/// How long a lockout lasts.
pub const LOCKOUT: Duration = Duration::from_secs(15 * 60);
/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// Who a request acts as, once authenticated.
#[derive(Clone, Debug, Serialize)]
pub struct Principal {
    pub org: Organisation,
    pub role: Role,
    /// "user:alice" or "token:3:practice-sync": the audit trail's actor.
    pub actor: String,
    pub user_id: Option<i64>,
    pub token_id: Option<i64>,
    /// The user logged in with a one-time password (set by someone else):
    /// until they choose their own, the only thing they may do is that.
    pub must_change_password: bool,
}

/// A new user's first password.
#[derive(Clone, Copy, Debug)]
pub enum FirstPassword<'a> {
    /// Made up by Settle and shown once to whoever adds the user: one-time.
    Generated,
    /// Typed by an admin or the operator for someone else: one-time.
    OneTime(&'a str),
    /// Kept as it is: the operator's own (`SETTLE_ADMIN_PASSWORD`) or a
    /// demo login printed for trying Settle out.
    Kept(&'a str),
}

impl<'a> FirstPassword<'a> {
    /// A password an admin typed for someone else, or none (Settle makes
    /// one): one-time either way.
    pub fn set_by_admin(typed: Option<&'a str>) -> FirstPassword<'a> {
        typed.map_or(FirstPassword::Generated, FirstPassword::OneTime)
    }
}

/// Who sets a password, which decides whether it is one-time.
#[derive(Clone, Copy, Debug)]
pub enum PasswordChange<'a> {
    /// The user choosing their own: `current` must match.
    Own { current: &'a str, new: &'a str },
    /// An admin or the operator resetting it: one-time, changed at next login.
    Reset { new: &'a str },
    /// Kept as it is (the demo's logins, set anew on each run).
    Kept { new: &'a str },
}

impl PasswordChange<'_> {
    fn new_password(&self) -> &str {
        match self {
            PasswordChange::Own { new, .. } | PasswordChange::Reset { new } | PasswordChange::Kept { new } => new,
        }
    }
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct UserView {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// "active" or "disabled".
    pub status: String,
    pub locked_until: Option<String>,
    pub last_login_at: Option<String>,
    pub created_at: String,
    /// Still on a one-time password someone else set.
    pub must_change_password: bool,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct TokenView {
    pub token_id: i64,
    pub name: String,
    pub role: Role,
    pub created_by: String,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

/// Why a login was refused. The message shown to the person is the same
/// for all of them, so that a login attempt does not reveal which usernames
/// exist; the kinds differ for the audit trail and the backoff.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LoginRefused {
    /// Wrong username or password; `failures` in a row so far.
    BadCredentials {
        failures: i64,
    },
    /// Locked after too many failures, until this instant.
    Locked {
        until: String,
    },
    Disabled,
}

/// A new random secret as 64 hex digits.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Hashes a password with argon2id and a random salt (CPU-heavy: ~20 ms).
pub fn hash_password(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| StoreError::invalid("password", e))
}

fn password_matches(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
        .unwrap_or(false)
}

/// A hash to verify against when the username is unknown, so that the
/// answer takes as long as for a known one.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password("decoy password for unknown users").unwrap_or_default())
}

pub fn check_username(username: &str) -> Result<String> {
    let name = username.trim().to_ascii_lowercase();
    let ok = (3..=64).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"._@-".contains(&b));
    if ok {
        Ok(name)
    } else {
        Err(StoreError::invalid(
            "username",
            "must be 3 to 64 letters, digits, dots, dashes, underscores or @",
        ))
    }
}

pub fn check_password(password: &str) -> Result<()> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(StoreError::invalid(
            "password",
            format!("is {chars} characters long; use at least {MIN_PASSWORD_CHARS}"),
        ));
    }
    if chars > 256 {
        return Err(StoreError::invalid("password", "is longer than 256 characters"));
    }
    Ok(())
}

fn check_label(field: &'static str, text: &str) -> Result<String> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > 100 || text.chars().any(char::is_control) {
        return Err(StoreError::invalid(field, "must be 1 to 100 characters with no control characters"));
    }
    Ok(text.to_string())
}

fn parse_role(text: &str) -> Result<Role> {
    Role::parse(text).map_err(|e| StoreError::Corrupt(e.to_string()))
}

const USER_COLUMNS: &str = "user_id, username, display_name, role, status, locked_until, last_login_at, created_at, must_change_password";

fn user_from_row(row: &sqlx::any::AnyRow) -> Result<UserView> {
    Ok(UserView {
        user_id: row.try_get("user_id")?,
        username: row.try_get("username")?,
        display_name: row.try_get("display_name")?,
        role: parse_role(&row.try_get::<String, _>("role")?)?,
        status: row.try_get("status")?,
        locked_until: row.try_get("locked_until")?,
        last_login_at: row.try_get("last_login_at")?,
        created_at: row.try_get("created_at")?,
        must_change_password: row.try_get::<i64, _>("must_change_password")? != 0,
    })
}

pub(crate) const ORG_COLUMNS: &str =
    "o.org_id AS org_id, o.slug AS org_slug, o.name AS org_name, o.base_currency AS org_base_currency, o.aging_buckets AS org_aging_buckets, \
     COALESCE((SELECT bp.bills_insurance FROM org_policy bp WHERE bp.org_id = o.org_id), 1) AS org_bills_insurance";

fn later_than_now(instant: &str) -> bool {
    instant.parse::<jiff::Timestamp>().map(|t| t > jiff::Timestamp::now()).unwrap_or(false)
}

fn now_plus(duration: Duration) -> String {
    let span = jiff::SignedDuration::try_from(duration).unwrap_or(jiff::SignedDuration::ZERO);
    jiff::Timestamp::now().checked_add(span).unwrap_or(jiff::Timestamp::MAX).to_string()
}

/// A one-time password: 20 random characters.
pub fn generate_password() -> String {
    new_secret()[..20].to_string()
}

/// A username as an organisation's administrator makes it, in the
/// organisation's own namespace: "carol" becomes "carol@clinic"; a name
/// ending in another organisation's "@slug" is refused. Usernames are the
/// login name across the whole database, so this keeps "is taken" from
/// telling one organisation which names another uses. (The command line,
/// the database owner's door, may make any name.)
pub fn username_in(org: &Organisation, typed: &str) -> Result<String> {
    let typed = typed.trim().to_ascii_lowercase();
    let suffix = format!("@{}", org.slug);
    match typed.rsplit_once('@') {
        None => Ok(format!("{typed}{suffix}")),
        Some((_, slug)) if slug == org.slug => Ok(typed),
        Some(_) => Err(StoreError::invalid(
            "username",
            format!(
                "the usernames of this organisation end in {suffix}: use {:?}",
                format!("{}{suffix}", typed.rsplit_once('@').map_or("", |(n, _)| n))
            ),
        )),
    }
}

impl Store {
    /// Adds a user. Without a password, one is generated and returned.
    pub async fn add_user(
        &self,
        org: &Organisation,
        username: &str,
        display_name: &str,
        role: Role,
        first: FirstPassword<'_>,
    ) -> Result<(UserView, Option<String>)> {
        let username = check_username(username)?;
        let display_name = check_label("display_name", display_name)?;
        let (password, one_time) = match first {
            FirstPassword::Generated => (None, true),
            FirstPassword::OneTime(p) => (Some(p), true),
            FirstPassword::Kept(p) => (Some(p), false),
        };
        let generated = match password {
            Some(p) => {
                check_password(p)?;
                None
            }
            None => Some(generate_password()),
        };
        let password = password.map(str::to_string).or_else(|| generated.clone()).unwrap_or_default();
        let hash = tokio::task::spawn_blocking(move || hash_password(&password))
            .await
            .map_err(|e| StoreError::Corrupt(e.to_string()))??;
        let (username, display_name, hash) = (&username, &display_name, &hash);
        let (user_id, now) = self
            .write(|tx| {
                Box::pin(async move {
                    let conn = tx.conn();
                    let user_id = next_ids(conn, org.org_id, "user", 1).await?;
                    let now = now_text();
                    // A sign-in name is unique across organisations: its
                    // reference row is taken first.
                    sqlx::query("INSERT INTO sign_in_name (username, org_id, user_id) VALUES ($1, $2, $3)")
                        .bind(username)
                        .bind(org.org_id)
                        .bind(user_id)
                        .execute(&mut *conn)
                        .await
                        .map_err(|e| match StoreError::from(e) {
                            StoreError::Conflict { .. } => StoreError::invalid("username", format!("{username:?} is taken")),
                            other => other,
                        })?;
                    sqlx::query(
                        "INSERT INTO app_user (org_id, user_id, username, display_name, role, password_hash, status, failed_logins, created_at, \
                 must_change_password) VALUES ($1, $2, $3, $4, $5, $6, 'active', 0, $7, $8)",
                    )
                    .bind(org.org_id)
                    .bind(user_id)
                    .bind(username)
                    .bind(display_name)
                    .bind(role.as_str())
                    .bind(hash)
                    .bind(&now)
                    .bind(i64::from(one_time))
                    .execute(&mut *conn)
                    .await?;
                    let after = serde_json::json!({ "username": username, "display_name": display_name, "role": role, "one_time_password": one_time });
                    tx.audit(org.org_id, "user.add", &format!("user:{username}"), None, Some(&after)).await?;
                    Ok((user_id, now))
                })
            })
            .await?;
        let user = UserView {
            user_id,
            username: username.clone(),
            display_name: display_name.clone(),
            role,
            status: "active".into(),
            locked_until: None,
            last_login_at: None,
            created_at: now,
            must_change_password: one_time,
        };
        Ok((user, generated))
    }

    pub async fn users(&self, org: &Organisation) -> Result<Vec<UserView>> {
        let rows = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM app_user WHERE org_id = $1 ORDER BY username"))
            .bind(org.org_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(user_from_row).collect()
    }

    /// Whether an organisation has any user yet (the first start makes an admin).
    pub async fn has_users(&self, org: &Organisation) -> Result<bool> {
        let row = sqlx::query("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM app_user WHERE org_id = $1")
            .bind(org.org_id)
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get::<i64, _>("n")? > 0)
    }

    /// Gives a user another role; it applies to their next request. The
    /// organisation's last active admin keeps the role.
    pub async fn set_user_role(&self, org: &Organisation, username: &str, role: Role) -> Result<UserView> {
        let username = check_username(username)?;
        let username = &username;
        self.write(|tx| {
            Box::pin(async move {
                let conn = tx.conn();
                let before = sqlx::query(&format!(
                    "SELECT role, status FROM app_user WHERE org_id = $1 AND username = $2{}",
                    self.for_update()
                ))
                .bind(org.org_id)
                .bind(username)
                .fetch_optional(&mut *conn)
                .await?
                .ok_or_else(|| StoreError::not_found("user", username))?;
                let old_role = parse_role(&before.try_get::<String, _>("role")?)?;
                let old_status: UserStatus = status(&before, "status")?;
                if old_role == Role::Admin && role != Role::Admin && old_status == UserStatus::Active {
                    let admins: i64 =
                        sqlx::query("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM app_user WHERE org_id = $1 AND role = 'admin' AND status = 'active'")
                            .bind(org.org_id)
                            .fetch_one(&mut *conn)
                            .await?
                            .try_get("n")?;
                    if admins <= 1 {
                        return Err(StoreError::invalid(
                            "role",
                            format!("{username} is the organisation's only active admin; make someone else an admin first"),
                        ));
                    }
                }
                let row = sqlx::query(&format!(
                    "UPDATE app_user SET role = $3 WHERE org_id = $1 AND username = $2 RETURNING {USER_COLUMNS}"
                ))
                .bind(org.org_id)
                .bind(username)
                .bind(role.as_str())
                .fetch_one(&mut *conn)
                .await?;
                let user = user_from_row(&row)?;
                tx.audit(
                    org.org_id,
                    "user.role",
                    &format!("user:{username}"),
                    Some(&serde_json::json!({ "role": old_role.as_str() })),
                    Some(&serde_json::json!({ "role": role.as_str() })),
                )
                .await?;
                Ok(user)
            })
        })
        .await
    }

    /// Disables or re-enables a user; disabling ends their sessions.
    pub async fn set_user_enabled(&self, org: &Organisation, username: &str, enabled: bool) -> Result<UserView> {
        let username = check_username(username)?;
        let username = &username;
        self.write(|tx| {
            Box::pin(async move {
                let conn = tx.conn();
                let status = if enabled { UserStatus::Active } else { UserStatus::Disabled }.as_str();
                let row = sqlx::query(&format!(
                    "UPDATE app_user SET status = $3, failed_logins = 0, locked_until = NULL WHERE org_id = $1 AND username = $2 RETURNING {USER_COLUMNS}"
                ))
                .bind(org.org_id)
                .bind(username)
                .bind(status)
                .fetch_optional(&mut *conn)
                .await?
                .ok_or_else(|| StoreError::not_found("user", username))?;
                let user = user_from_row(&row)?;
                if !enabled {
                    sqlx::query("UPDATE user_session SET ended_at = $3 WHERE org_id = $1 AND user_id = $2 AND ended_at IS NULL")
                        .bind(org.org_id)
                        .bind(user.user_id)
                        .bind(now_text())
                        .execute(&mut *conn)
                        .await?;
                }
                let action = if enabled { "user.enable" } else { "user.disable" };
                tx.audit(
                    org.org_id,
                    action,
                    &format!("user:{username}"),
                    None,
                    Some(&serde_json::json!({ "status": status })),
                )
                .await?;
                Ok(user)
            })
        })
        .await
    }

    /// Sets a user's password: their own choice (the current one must
    /// match), an admin's or the operator's reset (one-time: they choose
    /// their own at next login), or a kept one (the demo). Every session of
    /// the user ends either way.
    pub async fn set_password(&self, org: &Organisation, username: &str, change: PasswordChange<'_>) -> Result<()> {
        let username = check_username(username)?;
        let new_password = change.new_password();
        check_password(new_password)?;
        if let PasswordChange::Own { current, new } = change {
            if current == new {
                return Err(StoreError::invalid("new_password", "is the password you have now: choose another"));
            }
        }
        let (current, one_time) = match change {
            PasswordChange::Own { current, .. } => (Some(current), false),
            PasswordChange::Reset { .. } => (None, true),
            PasswordChange::Kept { .. } => (None, false),
        };
        let row = sqlx::query("SELECT user_id, password_hash FROM app_user WHERE org_id = $1 AND username = $2")
            .bind(org.org_id)
            .bind(&username)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::not_found("user", &username))?;
        let user_id: i64 = row.try_get("user_id")?;
        let stored: String = row.try_get("password_hash")?;
        if let Some(current) = current {
            let current = current.to_string();
            let matched = tokio::task::spawn_blocking(move || password_matches(&current, &stored))
                .await
                .map_err(|e| StoreError::Corrupt(e.to_string()))?;
            if !matched {
                return Err(StoreError::invalid("current_password", "is not your current password"));
            }
        }
        let new_password = new_password.to_string();
        let hash = tokio::task::spawn_blocking(move || hash_password(&new_password))
            .await
            .map_err(|e| StoreError::Corrupt(e.to_string()))??;
        let (hash, username) = (&hash, &username);
        self.write(|tx| {
            Box::pin(async move {
                let conn = tx.conn();
                sqlx::query(
                    "UPDATE app_user SET password_hash = $3, failed_logins = 0, locked_until = NULL, must_change_password = $4 \
                     WHERE org_id = $1 AND user_id = $2",
                )
                .bind(org.org_id)
                .bind(user_id)
                .bind(hash)
                .bind(i64::from(one_time))
                .execute(&mut *conn)
                .await?;
                sqlx::query("UPDATE user_session SET ended_at = $3 WHERE org_id = $1 AND user_id = $2 AND ended_at IS NULL")
                    .bind(org.org_id)
                    .bind(user_id)
                    .bind(now_text())
                    .execute(&mut *conn)
                    .await?;
                let action = if current.is_some() { "password.change" } else { "password.reset" };
                let detail = serde_json::json!({ "one_time": one_time });
                tx.audit(org.org_id, action, &format!("user:{username}"), None, Some(&detail)).await?;
                Ok(())
            })
        })
        .await
    }

    /// Checks a password. On success, starts a session and returns its
    /// secret (for the cookie) and the principal.
    pub async fn login(&self, username: &str, password: &str, address: &str) -> Result<std::result::Result<(Principal, String), LoginRefused>> {
        let username = username.trim().to_ascii_lowercase();
        let row = sqlx::query(&format!(
            "SELECT u.user_id, u.role, u.password_hash, u.status, u.failed_logins, u.locked_until, u.must_change_password, {ORG_COLUMNS} \
             FROM sign_in_name n JOIN app_user u ON u.org_id = n.org_id AND u.user_id = n.user_id \
             JOIN organisation o ON o.org_id = u.org_id WHERE n.username = $1"
        ))
        .bind(&username)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            let password = password.to_string();
            let _ = tokio::task::spawn_blocking(move || password_matches(&password, decoy_hash())).await;
            return Ok(Err(LoginRefused::BadCredentials { failures: 0 }));
        };
        let user_id: i64 = row.try_get("user_id")?;
        let role = parse_role(&row.try_get::<String, _>("role")?)?;
        let hash: String = row.try_get("password_hash")?;
        let user_status: UserStatus = status(&row, "status")?;
        let failures: i64 = row.try_get("failed_logins")?;
        let locked_until: Option<String> = row.try_get("locked_until")?;
        let must_change_password = row.try_get::<i64, _>("must_change_password")? != 0;
        let org = org_from_row(&row)?;
        let actor = Actor {
            name: format!("user:{username}"),
            address: address.to_string(),
            clinical: false,
            approves: false,
        };
        let record = format!("user:{username}");
        // The password is checked before anything else is decided, so a
        // disabled or locked login takes as long to refuse as an unknown
        // name (which is checked against a decoy): timing tells nothing.
        let password = password.to_string();
        let matched = tokio::task::spawn_blocking(move || password_matches(&password, &hash))
            .await
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        if user_status != UserStatus::Active {
            ACTOR
                .scope(
                    actor,
                    self.audit_event(org.org_id, "login.refused", &record, Some(&serde_json::json!({ "why": "disabled" }))),
                )
                .await?;
            return Ok(Err(LoginRefused::Disabled));
        }
        if let Some(until) = locked_until.filter(|u| later_than_now(u)) {
            ACTOR
                .scope(
                    actor,
                    self.audit_event(org.org_id, "login.refused", &record, Some(&serde_json::json!({ "why": "locked" }))),
                )
                .await?;
            return Ok(Err(LoginRefused::Locked { until }));
        }
        let work = async {
            let (org, record, username) = (&org, &record, &username);
            self.write(|tx| {
                Box::pin(async move {
                    let conn = tx.conn();
                    if !matched {
                        let failures = failures + 1;
                        let lock = (failures >= MAX_FAILED_LOGINS).then(|| now_plus(LOCKOUT));
                        sqlx::query("UPDATE app_user SET failed_logins = $3, locked_until = $4 WHERE org_id = $1 AND user_id = $2")
                            .bind(org.org_id)
                            .bind(user_id)
                            .bind(if lock.is_some() { 0 } else { failures })
                            .bind(&lock)
                            .execute(&mut *conn)
                            .await?;
                        let detail = serde_json::json!({ "failures": failures, "locked_until": lock });
                        let action = if lock.is_some() { "login.locked" } else { "login.failed" };
                        tx.audit(org.org_id, action, record, None, Some(&detail)).await?;
                        return Ok(Err(match lock {
                            Some(until) => LoginRefused::Locked { until },
                            None => LoginRefused::BadCredentials { failures },
                        }));
                    }
                    let now = now_text();
                    sqlx::query("UPDATE app_user SET failed_logins = 0, locked_until = NULL, last_login_at = $3 WHERE org_id = $1 AND user_id = $2")
                        .bind(org.org_id)
                        .bind(user_id)
                        .bind(&now)
                        .execute(&mut *conn)
                        .await?;
                    let secret = new_secret();
                    sqlx::query(
                        "INSERT INTO user_session (session_sha256, org_id, user_id, address, created_at, last_seen_at) VALUES ($1, $2, $3, $4, $5, $5)",
                    )
                    .bind(sha256_hex(&secret))
                    .bind(org.org_id)
                    .bind(user_id)
                    .bind(address)
                    .bind(&now)
                    .execute(&mut *conn)
                    .await?;
                    tx.audit(org.org_id, "login", record, None, None).await?;
                    let principal = Principal {
                        org: org.clone(),
                        role,
                        actor: format!("user:{username}"),
                        user_id: Some(user_id),
                        token_id: None,
                        must_change_password,
                    };
                    Ok(Ok((principal, secret)))
                })
            })
            .await
        };
        ACTOR.scope(actor.clone(), work).await
    }

    /// The principal of a live session, or `None` if it is unknown, ended,
    /// or idle for longer than `idle_timeout` (then it is ended).
    pub async fn session_principal(&self, secret: &str, idle_timeout: Duration) -> Result<Option<Principal>> {
        let digest = sha256_hex(secret);
        let row = sqlx::query(&format!(
            "SELECT s.user_id, s.last_seen_at, u.username, u.role, u.status, u.must_change_password, {ORG_COLUMNS} \
             FROM user_session s JOIN app_user u ON u.org_id = s.org_id AND u.user_id = s.user_id \
             JOIN organisation o ON o.org_id = s.org_id WHERE s.session_sha256 = $1 AND s.ended_at IS NULL"
        ))
        .bind(&digest)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let last_seen: String = row.try_get("last_seen_at")?;
        let username: String = row.try_get("username")?;
        let user_status: UserStatus = status(&row, "status")?;
        let last_seen_at: jiff::Timestamp = last_seen.parse().map_err(|_| StoreError::Corrupt(format!("bad instant {last_seen:?}")))?;
        let idle = jiff::Timestamp::now().duration_since(last_seen_at);
        let idle_limit = jiff::SignedDuration::try_from(idle_timeout).unwrap_or(jiff::SignedDuration::MAX);
        if user_status != UserStatus::Active || idle > idle_limit {
            self.end_session(secret).await?;
            return Ok(None);
        }
        // Touch at most every 30 seconds: a write per request would queue
        // every reader behind SQLite's one writer.
        if idle > jiff::SignedDuration::from_secs(30) {
            let digest = &digest;
            let org_id: i64 = row.try_get("org_id")?;
            self.write(|tx| {
                Box::pin(async move {
                    sqlx::query("UPDATE user_session SET last_seen_at = $2 WHERE org_id = $3 AND session_sha256 = $1")
                        .bind(digest)
                        .bind(now_text())
                        .bind(org_id)
                        .execute(tx.conn())
                        .await?;
                    tx.unaudited(Unaudited::SessionKept);
                    Ok(())
                })
            })
            .await?;
        }
        Ok(Some(Principal {
            org: org_from_row(&row)?,
            role: parse_role(&row.try_get::<String, _>("role")?)?,
            actor: format!("user:{username}"),
            user_id: Some(row.try_get("user_id")?),
            token_id: None,
            must_change_password: row.try_get::<i64, _>("must_change_password")? != 0,
        }))
    }

    /// Ends a session (log out); unknown secrets are ignored.
    pub async fn end_session(&self, secret: &str) -> Result<()> {
        self.write(|tx| {
            Box::pin(async move {
                sqlx::query("UPDATE user_session SET ended_at = $2 WHERE session_sha256 = $1 AND ended_at IS NULL")
                    .bind(sha256_hex(secret))
                    .bind(now_text())
                    .execute(tx.conn())
                    .await?;
                tx.unaudited(Unaudited::SessionKept);
                Ok(())
            })
        })
        .await
    }

    /// Creates an API token and returns it with its secret, shown only now.
    pub async fn create_token(&self, org: &Organisation, name: &str, role: Role) -> Result<(TokenView, String)> {
        let name = check_label("name", name)?;
        let actor = audit::current_actor();
        let (actor, name) = (&actor, &name);
        self.write(|tx| {
            Box::pin(async move {
                let conn = tx.conn();
                let token_id = next_ids(conn, org.org_id, "token", 1).await?;
                let secret = format!("stl_{}", new_secret());
                let now = now_text();
                sqlx::query("INSERT INTO api_token (org_id, token_id, name, role, token_sha256, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                    .bind(org.org_id)
                    .bind(token_id)
                    .bind(name)
                    .bind(role.as_str())
                    .bind(sha256_hex(&secret))
                    .bind(&actor.name)
                    .bind(&now)
                    .execute(&mut *conn)
                    .await?;
                let after = serde_json::json!({ "name": name, "role": role });
                tx.audit(org.org_id, "token.create", &format!("token:{token_id}"), None, Some(&after)).await?;
                let view = TokenView {
                    token_id,
                    name: name.clone(),
                    role,
                    created_by: actor.name.clone(),
                    created_at: now,
                    revoked_at: None,
                };
                Ok((view, secret))
            })
        })
        .await
    }

    pub async fn tokens(&self, org: &Organisation) -> Result<Vec<TokenView>> {
        let rows = sqlx::query("SELECT token_id, name, role, created_by, created_at, revoked_at FROM api_token WHERE org_id = $1 ORDER BY token_id")
            .bind(org.org_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(TokenView {
                    token_id: r.try_get("token_id")?,
                    name: r.try_get("name")?,
                    role: parse_role(&r.try_get::<String, _>("role")?)?,
                    created_by: r.try_get("created_by")?,
                    created_at: r.try_get("created_at")?,
                    revoked_at: r.try_get("revoked_at")?,
                })
            })
            .collect()
    }

    /// Revokes a token: from now on it authenticates nothing.
    pub async fn revoke_token(&self, org: &Organisation, token_id: i64) -> Result<()> {
        self.write(|tx| {
            Box::pin(async move {
                let conn = tx.conn();
                let done = sqlx::query("UPDATE api_token SET revoked_at = $3 WHERE org_id = $1 AND token_id = $2 AND revoked_at IS NULL")
                    .bind(org.org_id)
                    .bind(token_id)
                    .bind(now_text())
                    .execute(&mut *conn)
                    .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::not_found("token", token_id));
                }
                tx.audit(org.org_id, "token.revoke", &format!("token:{token_id}"), None, None).await?;
                Ok(())
            })
        })
        .await
    }

    /// The principal of a live API token.
    pub async fn token_principal(&self, secret: &str) -> Result<Option<Principal>> {
        let row = sqlx::query(&format!(
            "SELECT t.token_id, t.name, t.role, {ORG_COLUMNS} FROM api_token t JOIN organisation o ON o.org_id = t.org_id \
             WHERE t.token_sha256 = $1 AND t.revoked_at IS NULL"
        ))
        .bind(sha256_hex(secret))
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let token_id: i64 = row.try_get("token_id")?;
        let name: String = row.try_get("name")?;
        Ok(Some(Principal {
            org: org_from_row(&row)?,
            role: parse_role(&row.try_get::<String, _>("role")?)?,
            actor: format!("token:{token_id}:{name}"),
            user_id: None,
            token_id: Some(token_id),
            must_change_password: false,
        }))
    }

    /// An API response kept under an idempotency key: `Some((status, body))`
    /// for the same request, an error for a different one.
    pub async fn api_response_get(&self, org_id: i64, key: &str, request_sha256: &str) -> Result<Option<(u16, String)>> {
        let row = sqlx::query("SELECT request_sha256, response FROM idempotency_key WHERE org_id = $1 AND idem_key = $2")
            .bind(org_id)
            .bind(format!("api:{key}"))
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else { return Ok(None) };
        if row.try_get::<String, _>("request_sha256")? != request_sha256 {
            return Err(StoreError::IdempotencyMismatch { key: key.to_string() });
        }
        let stored: String = row.try_get("response")?;
        let (status, body) = stored
            .split_once('\n')
            .ok_or_else(|| StoreError::Corrupt("stored API response without status".into()))?;
        let status = status.parse().map_err(|_| StoreError::Corrupt(format!("stored API status {status:?}")))?;
        Ok(Some((status, body.to_string())))
    }

    /// Keeps an API response under its idempotency key (first one wins).
    pub async fn api_response_put(&self, org_id: i64, key: &str, request_sha256: &str, status: u16, body: &str) -> Result<()> {
        self.write(|tx| {
            Box::pin(async move {
                sqlx::query(
                    "INSERT INTO idempotency_key (org_id, idem_key, request_sha256, response, created_at) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (org_id, idem_key) DO NOTHING",
                )
                .bind(org_id)
                .bind(format!("api:{key}"))
                .bind(request_sha256)
                .bind(format!("{status}\n{body}"))
                .bind(now_text())
                .execute(tx.conn())
                .await?;
                tx.unaudited(Unaudited::ResponseKept);
                Ok(())
            })
        })
        .await
    }

    /// Forgets idempotency keys older than `keep` (the API promises 24 hours).
    pub async fn purge_idempotency_keys(&self, keep: Duration) -> Result<u64> {
        let span = jiff::SignedDuration::try_from(keep).unwrap_or(jiff::SignedDuration::MAX);
        let cutoff = jiff::Timestamp::now().checked_sub(span).unwrap_or(jiff::Timestamp::MIN).to_string();
        let cutoff = &cutoff;
        self.write(|tx| {
            Box::pin(async move {
                let done = sqlx::query("DELETE FROM idempotency_key WHERE created_at < $1")
                    .bind(cutoff)
                    .execute(tx.conn())
                    .await?;
                tx.unaudited(Unaudited::Expired);
                Ok(done.rows_affected())
            })
        })
        .await
    }
}

/// An organisation from the columns of [`ORG_COLUMNS`].
pub(crate) fn org_from_row(row: &sqlx::any::AnyRow) -> Result<Organisation> {
    Ok(Organisation {
        org_id: row.try_get("org_id")?,
        slug: row.try_get("org_slug")?,
        name: row.try_get("org_name")?,
        base_currency: row.try_get("org_base_currency")?,
        aging_buckets: row.try_get("org_aging_buckets")?,
        bills_insurance: row.try_get::<i64, _>("org_bills_insurance")? != 0,
    })
}
