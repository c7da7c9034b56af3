//! Logging in and out: the login page (its own CSRF cookie), the session
//! cookie set and cleared, a safe place to go next.

use crate::guard::{client_address, cookie, session_cookie, SESSION_COOKIE};
use crate::web::{render, store_error_page, Ctx, FormData};
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

const LOGIN_CSRF_COOKIE: &str = "settle_login";

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage<'a> {
    ctx: Option<&'a Ctx>,
    csrf: String,
    next: String,
    username: String,
    error: String,
    message: String,
    expired: bool,
}

#[derive(Deserialize, Default)]
pub struct LoginQuery {
    next: Option<String>,
    expired: Option<String>,
    msg: Option<String>,
}

fn secure(state: &AppState) -> &'static str {
    if state.config.secure_cookies() {
        "; Secure"
    } else {
        ""
    }
}

/// Only a path on this site: never an address elsewhere.
fn safe_next(next: &str) -> String {
    if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') {
        next.to_string()
    } else {
        "/".to_string()
    }
}

fn login_form(state: &AppState, headers: &HeaderMap, page: LoginPage<'_>, status: StatusCode) -> Response {
    // A login CSRF token (double submit): a cookie and the same value in the form.
    let token = cookie(headers, LOGIN_CSRF_COOKIE)
        .filter(|t| t.len() == 32)
        .unwrap_or_else(|| hex::encode(rand::random::<[u8; 16]>()));
    let page = LoginPage { csrf: token.clone(), ..page };
    let mut response = (status, render(&page)).into_response();
    let cookie = format!("{LOGIN_CSRF_COOKIE}={token}; Path=/login; HttpOnly; SameSite=Strict{}", secure(state));
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

pub async fn login_page(State(state): State<AppState>, headers: HeaderMap, Query(q): Query<LoginQuery>) -> Response {
    let page = LoginPage {
        ctx: None,
        csrf: String::new(),
        next: safe_next(q.next.as_deref().unwrap_or("/")),
        username: String::new(),
        error: String::new(),
        // A known message by its key: the login page shows no text a link can choose.
        message: match q.msg.as_deref() {
            Some("out") => "You are logged out.".into(),
            Some("password") => "Your password is changed. Log in with the new one.".into(),
            _ => String::new(),
        },
        expired: q.expired.is_some(),
    };
    login_form(&state, &headers, page, StatusCode::OK)
}

pub async fn login(State(state): State<AppState>, req: axum::extract::Request) -> Response {
    let address = client_address(&req);
    let headers = req.headers().clone();
    let Ok(bytes) = axum::body::to_bytes(req.into_body(), 64 * 1024).await else {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    let form = FormData(form_urlencoded::parse(&bytes).map(|(k, v)| (k.into_owned(), v.into_owned())).collect());
    let next = safe_next(&form.get("next"));
    let mut page = LoginPage {
        ctx: None,
        csrf: String::new(),
        next: next.clone(),
        username: form.get("username"),
        error: String::new(),
        message: String::new(),
        expired: false,
    };
    let cookie = cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or_default();
    if cookie.is_empty() || cookie != form.get("csrf") {
        page.error = "The login form had expired. Enter your username and password again.".into();
        return login_form(&state, &headers, page, StatusCode::FORBIDDEN);
    }
    // The password is read raw: it may begin or end with spaces.
    let password = form.0.iter().find(|(k, _)| k == "password").map(|(_, v)| v.clone()).unwrap_or_default();
    match state.store.login(&page.username, &password, &address).await {
        Ok(Ok((principal, secret))) => {
            crate::login_wait::succeeded(&page.username);
            let role = principal.role;
            let target = if next == "/" && !role.allows(settle_domain::access::Permission::ReportsRead) {
                "/accounts".to_string()
            } else {
                next
            };
            let mut response = Redirect::to(&target).into_response();
            let cookie = format!(
                "{SESSION_COOKIE}={secret}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}",
                state.config.idle_timeout.as_secs().max(60) * 8,
                secure(&state)
            );
            if let Ok(value) = HeaderValue::from_str(&cookie) {
                response.headers_mut().append(header::SET_COOKIE, value);
            }
            response
        }
        Ok(Err(_refused)) => {
            // One answer for every refusal (login_wait.rs); the trail keeps why.
            crate::login_wait::refused(&page.username).await;
            page.error = crate::login_wait::REFUSED.into();
            login_form(&state, &headers, page, StatusCode::UNAUTHORIZED)
        }
        Err(error) => store_error_page(None, error),
    }
}

pub async fn logout(State(state): State<AppState>, headers: HeaderMap, form: FormData) -> Response {
    if let Some(secret) = session_cookie(&headers) {
        if let Err(error) = state.store.end_session(&secret).await {
            return store_error_page(None, error);
        }
    }
    let target = if form.get("expired") == "1" { "/login?expired=1" } else { "/login?msg=out" };
    let mut response = Redirect::to(target).into_response();
    let cookie = format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{}", secure(&state));
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}
