//! The addresses kept as text that could not be read into fields.

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

pub async fn unread(State(state): State<AppState>, ctx: Ctx) -> Response {
    match state.store.unread_addresses(&ctx.principal.org).await {
        Ok(unread) => render(&UnreadPage { ctx: Some(&ctx), unread }).into_response(),
        Err(e) => store_error_page(Some(&ctx), e),
    }
}
