//! API tokens from the pages: those of the organisation (never their
//! secrets), a new one made with a role (its secret shown once), and one
//! revoked (it stops working at once on this server).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use settle_domain::access::Role;
use settle_store::platform::access::TokenView;

use crate::web::{render, role_label, store_error_page, Ctx, Errors, FormData};
use crate::AppState;

#[derive(Template)]
#[template(path = "admin_tokens.html")]
struct TokensPage<'a> {
    ctx: Option<&'a Ctx>,
    tokens: Vec<TokenView>,
    roles: Vec<(String, String)>,
    msg: String,
    secret: String,
    errors: Errors,
    name: String,
    role: String,
}

async fn tokens_page<'a>(state: &AppState, ctx: &'a Ctx, msg: String) -> Result<TokensPage<'a>, Response> {
    let mut tokens = state.store.tokens(&ctx.principal.org).await.map_err(|e| store_error_page(Some(ctx), e))?;
    // Live tokens first, newest first; revoked ones after.
    tokens.sort_by_key(|t| (t.revoked_at.is_some(), std::cmp::Reverse(t.token_id)));
    Ok(TokensPage {
        ctx: Some(ctx),
        tokens,
        roles: Role::ALL.iter().map(|r| (r.as_str().to_string(), role_label(*r))).collect(),
        msg,
        secret: String::new(),
        errors: Errors::default(),
        name: String::new(),
        role: "auditor".into(),
    })
}

pub async fn tokens(State(state): State<AppState>, ctx: Ctx) -> Response {
    match tokens_page(&state, &ctx, String::new()).await {
        Ok(page) => render(&page).into_response(),
        Err(r) => r,
    }
}

pub async fn create_token(State(state): State<AppState>, ctx: Ctx, form: FormData) -> Response {
    let mut page = match tokens_page(&state, &ctx, String::new()).await {
        Ok(page) => page,
        Err(r) => return r,
    };
    page.name = form.get("name");
    page.role = form.get("role");
    let role = match Role::parse(&page.role) {
        Ok(role) => role,
        Err(e) => {
            page.errors.add("role", crate::web::sentence(&e.to_string()));
            return (StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response();
        }
    };
    match state.store.create_token(&ctx.principal.org, &page.name, role).await {
        Ok((token, secret)) => {
            let mut page = match tokens_page(
                &state,
                &ctx,
                format!("Token {} ({}) made with the role {}.", token.token_id, token.name, role_label(role)),
            )
            .await
            {
                Ok(page) => page,
                Err(r) => return r,
            };
            page.secret = secret;
            render(&page).into_response()
        }
        Err(error) => match Errors::from_store(error, &[("name", "name")]) {
            Ok(errors) => {
                page.errors = errors;
                (StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response()
            }
            Err(e) => store_error_page(Some(&ctx), e),
        },
    }
}

pub async fn revoke_token(State(state): State<AppState>, ctx: Ctx, Path(token_id): Path<i64>) -> Response {
    match state.store.revoke_token(&ctx.principal.org, token_id).await {
        Ok(()) => {
            state.token_cache.clear();
            match tokens_page(&state, &ctx, format!("Token {token_id} is revoked: it opens nothing from now on.")).await {
                Ok(page) => render(&page).into_response(),
                Err(r) => r,
            }
        }
        Err(e) => store_error_page(Some(&ctx), e),
    }
}
