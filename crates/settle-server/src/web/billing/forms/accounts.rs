//! Accounts opened from the pages, notes added, contact points changed.

use crate::web::billing::forms::back_to_account;
use crate::web::billing::forms::date_field;
use crate::web::billing::forms::refused;
use crate::web::billing::pages::account_page;
use crate::web::{render, store_error_page, today, Ctx, Errors, FormData};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use settle_domain::Date;

pub async fn add_note(State(state): State<AppState>, ctx: Ctx, Path(number): Path<String>, form: FormData) -> Response {
    let body = form.get("body");
    match state.store.add_note(&ctx.principal.org, &number, &body).await {
        Ok(_) => back_to_account(&number, "Note saved."),
        Err(error) => {
            let errors = match refused(&ctx, error, &[("body", "body")]) {
                Ok(errors) => errors,
                Err(response) => return response,
            };
            match account_page(&state, &ctx, &number, String::new()).await {
                Ok(mut page) => {
                    page.errors = errors;
                    page.note_text = body;
                    (StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response()
                }
                Err(response) => response,
            }
        }
    }
}

pub async fn change_contact(State(state): State<AppState>, ctx: Ctx, Path(number): Path<String>, form: FormData) -> Response {
    let kind = form.get("kind");
    let value = match form.address() {
        Some(address) if kind == "address" => address,
        _ => settle_store::address::AddressInput::Text(form.get("value")),
    };
    match state.store.set_contact(&ctx.principal.org, &number, &kind, &value, today()).await {
        Ok(()) => back_to_account(&number, &format!("The {kind} is changed; the old one is kept in the history.")),
        Err(error) => {
            let field = if kind == "address" { "address" } else { "value" };
            let errors = match refused(&ctx, error, &[("value", field), ("kind", field)]) {
                Ok(errors) => errors,
                Err(response) => return response,
            };
            match account_page(&state, &ctx, &number, String::new()).await {
                Ok(mut page) => {
                    page.errors = errors;
                    (StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response()
                }
                Err(response) => response,
            }
        }
    }
}

/// Gives a person's name by its parts from the account page (the
/// account's person, its guarantor, or a coverage's subscriber).
pub async fn set_name(State(state): State<AppState>, ctx: Ctx, Path(number): Path<String>, form: FormData) -> Response {
    let cmd = settle_store::names::SetName {
        account_number: number.clone(),
        whose: form.get("whose"),
        coverage_key: form.get("coverage_key").parse().ok(),
        parts: form.name_parts().unwrap_or_default(),
    };
    match state.store.set_name(&ctx.principal.org, &cmd).await {
        Ok(set) => back_to_account(&number, &format!("The name is now {}, by its parts.", set.name)),
        Err(error) => {
            let errors = match refused(
                &ctx,
                error,
                &[
                    ("parts", "name_parts"),
                    ("whose", "name_parts"),
                    ("coverage_key", "name_parts"),
                    ("name", "name_parts"),
                ],
            ) {
                Ok(errors) => errors,
                Err(response) => return response,
            };
            match account_page(&state, &ctx, &number, String::new()).await {
                Ok(mut page) => {
                    page.errors = errors;
                    (StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response()
                }
                Err(response) => response,
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Opening an account.

#[derive(Template)]
#[template(path = "account_form.html")]
pub(super) struct AccountForm<'a> {
    ctx: Option<&'a Ctx>,
    f: FormData,
    errors: Errors,
}

pub async fn new_account(State(state): State<AppState>, ctx: Ctx) -> Response {
    let terms = match state.store.settings(&ctx.principal.org).await {
        Ok(s) => s.default_terms,
        Err(e) => return store_error_page(Some(&ctx), e),
    };
    let f = FormData(vec![
        ("kind".into(), "person".into()),
        ("ar_kind".into(), "patient".into()),
        ("payment_terms".into(), terms),
        ("opened_on".into(), today().to_string()),
    ]);
    render(&AccountForm {
        ctx: Some(&ctx),
        f,
        errors: Errors::default(),
    })
    .into_response()
}

pub async fn create_account(State(state): State<AppState>, ctx: Ctx, form: FormData) -> Response {
    let mut errors = Errors::default();
    let opened_on = date_field(&form, "opened_on", &mut errors);
    let date_of_birth = match form.get("date_of_birth") {
        text if text.is_empty() => None,
        text => match text.parse::<Date>() {
            Ok(date) => Some(date),
            Err(_) => {
                errors.add("date_of_birth", format!("“{text}” is not a date; use the date picker or YYYY-MM-DD."));
                None
            }
        },
    };
    let optional = |name: &str| Some(form.get(name)).filter(|v| !v.is_empty());
    if !errors.any() {
        let cmd = settle_store::billing::NewAccount {
            account_number: form.get("account_number"),
            party: settle_store::billing::NewParty {
                sex: None,
                kind: form.get("kind"),
                name: form.get("name"),
                name_parts: form.name_parts(),
                date_of_birth,
                email: optional("email"),
                phone: optional("phone"),
                address: form.address(),
            },
            ar_kind: form.get("ar_kind"),
            currency: None,
            payment_terms: optional("payment_terms"),
            opened_on,
        };
        match state.store.add_account(&ctx.principal.org, &cmd, None).await {
            Ok(created) => return back_to_account(&created.account_number, "Account opened."),
            Err(error) => match refused(
                &ctx,
                error,
                &[
                    ("account_number", "account_number"),
                    ("name", "name"),
                    ("party.name", "name"),
                    ("party.name_parts", "name_parts"),
                    ("kind", "kind"),
                    ("party.kind", "kind"),
                    ("email", "email"),
                    ("phone", "phone"),
                    ("party.address", "address"),
                    ("ar_kind", "ar_kind"),
                    ("payment_terms", "payment_terms"),
                    ("date_of_birth", "date_of_birth"),
                ],
            ) {
                Ok(e) => errors = e,
                Err(response) => return response,
            },
        }
    }
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        render(&AccountForm {
            ctx: Some(&ctx),
            f: form,
            errors,
        }),
    )
        .into_response()
}

// ---------------------------------------------------------------------------
// Invoices.
