//! The forms that change the books: accounts, notes and contacts
//! (`accounts`), invoices (`invoices`), payments (`payments`), adjustments,
//! refunds and the approvals queue (`credits`), small balances written off
//! in bulk (`write_offs`), CSV imports (`imports`). Each calls the same store
//! command as the API and CLI; a refusal comes back as the form with the
//! message beside its field, and nothing is written.

use crate::web::{encode, store_error_page, today, Ctx, Errors, FormData};
use axum::response::{IntoResponse, Redirect, Response};
use settle_domain::Date;
use settle_store::StoreError;

pub(in crate::web) mod accounts;
pub(in crate::web) mod corrections;
pub(in crate::web) mod credits;
pub(in crate::web) mod imports;
pub(in crate::web) mod invoices;
pub(in crate::web) mod payments;
pub(in crate::web) mod write_offs;

pub(in crate::web) fn back_to_account(number: &str, msg: &str) -> Response {
    Redirect::to(&format!("/accounts/{}?msg={}", encode(number), encode(msg))).into_response()
}

/// Back to the account page with a refusal at the top, in words.
pub(in crate::web) fn back_to_account_error(number: &str, error: &str) -> Response {
    Redirect::to(&format!(
        "/accounts/{}?error={}",
        encode(number),
        encode(&format!("Nothing was done: {}", crate::web::sentence(error)))
    ))
    .into_response()
}

/// A date field: empty means today; anything else must be a date.
pub(super) fn date_field(form: &FormData, name: &str, errors: &mut Errors) -> Date {
    let text = form.get(name);
    if text.is_empty() {
        return today();
    }
    text.parse().unwrap_or_else(|_| {
        errors.add(name, format!("“{text}” is not a date; use the date picker or YYYY-MM-DD."));
        today()
    })
}

/// Reports a store refusal on the form, or the error page for anything worse.
pub(super) fn refused(ctx: &Ctx, error: StoreError, fields: &[(&str, &str)]) -> Result<Errors, Response> {
    Errors::from_store(error, fields).map_err(|e| store_error_page(Some(ctx), e))
}

// ---------------------------------------------------------------------------
// Notes and contacts: posted from the account page, shown there again on error.
