//! Choosing your own password: the one page a login on a one-time password
//! opens (the page guard sends every other request here until it is done),
//! and the place any user changes theirs.

use crate::web::{render, store_error_page, Ctx, Errors, FormData};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use settle_store::platform::access::{PasswordChange, MIN_PASSWORD_CHARS};

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage<'a> {
    ctx: Option<&'a Ctx>,
    errors: Errors,
    min_chars: usize,
}

pub async fn password_form(ctx: Ctx) -> Response {
    render(&PasswordPage {
        ctx: Some(&ctx),
        errors: Errors::default(),
        min_chars: MIN_PASSWORD_CHARS,
    })
    .into_response()
}

/// The password fields are read raw: a password may begin or end with spaces.
fn raw(form: &FormData, name: &str) -> String {
    form.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default()
}

pub async fn change_password(State(state): State<AppState>, ctx: Ctx, form: FormData) -> Response {
    let (current, new, again) = (raw(&form, "current_password"), raw(&form, "new_password"), raw(&form, "again"));
    let refused = |errors: Errors| {
        let page = PasswordPage {
            ctx: Some(&ctx),
            errors,
            min_chars: MIN_PASSWORD_CHARS,
        };
        (StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response()
    };
    if new != again {
        let mut errors = Errors::default();
        errors.add("again", "Is not the same as the new password: type it again.");
        return refused(errors);
    }
    let change = PasswordChange::Own { current: &current, new: &new };
    match state.store.set_password(&ctx.principal.org, ctx.user(), change).await {
        Ok(()) => {
            // Every session of the user has ended, this one too.
            let mut response = Redirect::to("/login?msg=password").into_response();
            let secure = if state.config.secure_cookies() { "; Secure" } else { "" };
            let clear = format!("{}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}", crate::guard::SESSION_COOKIE);
            if let Ok(value) = HeaderValue::from_str(&clear) {
                response.headers_mut().append(header::SET_COOKIE, value);
            }
            response
        }
        Err(error) => match Errors::from_store(
            error,
            &[
                ("current_password", "current_password"),
                ("new_password", "new_password"),
                ("password", "new_password"),
            ],
        ) {
            Ok(errors) => refused(errors),
            Err(e) => store_error_page(Some(&ctx), e),
        },
    }
}
