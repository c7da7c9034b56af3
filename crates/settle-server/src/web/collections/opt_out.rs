//! The page a consumer reaches from the link in a collection email
//! (12 CFR 1006.6(e)): it names the address and asks them to confirm, and
//! the confirmation records the opt-out and cancels every queued email to
//! that address. Opening the link changes nothing (mail scanners open
//! links); only the button does. No login: the link's random token is the
//! only key, and it reveals nothing but the address it was sent to.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::web::{error_page, render, Ctx};
use crate::AppState;

#[derive(Template)]
#[template(path = "opt_out.html")]
struct OptOutPage<'a> {
    ctx: Option<&'a Ctx>,
    token: String,
    organisation: String,
    address: String,
    done: bool,
}

fn unknown() -> Response {
    error_page(
        None,
        StatusCode::NOT_FOUND,
        "This link is not known",
        "Check that the whole link from the email was opened. You can also opt out by phone or in writing, as the email says.",
    )
}

pub async fn opt_out_page(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    match state.store.opt_out_target(&token).await {
        Ok(Some(t)) => render(&OptOutPage {
            ctx: None,
            token,
            organisation: t.organisation,
            address: t.address,
            done: t.done,
        })
        .into_response(),
        Ok(None) => unknown(),
        Err(e) => crate::web::store_error_page(None, e),
    }
}

pub async fn opt_out(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    match state.store.opt_out_by_link(&token).await {
        Ok(Some(t)) => render(&OptOutPage {
            ctx: None,
            token,
            organisation: t.organisation,
            address: t.address,
            done: true,
        })
        .into_response(),
        Ok(None) => unknown(),
        Err(e) => crate::web::store_error_page(None, e),
    }
}
