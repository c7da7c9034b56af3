//! The addresses kept as text that could not be read into fields, and the
//! names kept as one line that could not be read into their parts.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};

use crate::web::{render, store_error_page, Ctx};
use crate::AppState;

#[derive(Template)]
#[template(path = "addresses_unread.html")]
struct UnreadPage<'a> {
    ctx: Option<&'a Ctx>,
    unread: Vec<settle_store::address::UnreadAddress>,
}

#[derive(Template)]
#[template(path = "names_unread.html")]
struct UnreadNamesPage<'a> {
    ctx: Option<&'a Ctx>,
    unread: Vec<settle_store::names::UnreadName>,
}

pub async fn unread_names(State(state): State<AppState>, ctx: Ctx) -> Response {
    match state.store.unread_names(&ctx.principal.org).await {
        Ok(unread) => render(&UnreadNamesPage { ctx: Some(&ctx), unread }).into_response(),
        Err(e) => store_error_page(Some(&ctx), e),
    }
}

pub async fn unread(State(state): State<AppState>, ctx: Ctx) -> Response {
    match state.store.unread_addresses(&ctx.principal.org).await {
        Ok(unread) => render(&UnreadPage { ctx: Some(&ctx), unread }).into_response(),
        Err(e) => store_error_page(Some(&ctx), e),
    }
}
