//! Accounts: list and search, open, show (an audited read), contacts, and
//! applying an account's credit.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use settle_domain::Date;
use settle_store::billing::{AccountCreated, AccountDetail, AccountFilter, AccountSummary, ApplyCredit, ApplyTo, CreditApplied, NewAccount};
use utoipa::{IntoParams, ToSchema};

use crate::api::{page_size, Key, Page};
use crate::guard::Auth;
use crate::problem::{ApiResult, Body, Params, Path};
use crate::AppState;

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AccountQuery {
    /// open, closed, ...
    status: Option<String>,
    /// Text in the account number or the name.
    #[param(max_length = 100)]
    search: Option<String>,
    /// Only accounts with a balance or credit.
    with_balance: Option<bool>,
    /// Only accounts holding unapplied credit (to refund or apply).
    in_credit: Option<bool>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Page size, 1 to 1000 (50 by default).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<i64>,
}

/// List or search accounts, by account number.
#[utoipa::path(get, path = "/api/v1/accounts", tag = "accounts", params(AccountQuery),
    responses((status = 200, body = Page<AccountSummary>)),
    security(("bearer" = ["accounts.read"])))]
pub async fn list(State(state): State<AppState>, Auth(p): Auth, Params(q): Params<AccountQuery>) -> ApiResult<Json<Page<AccountSummary>>> {
    let limit = page_size(q.limit, 1000)?;
    let filter = AccountFilter {
        status: q.status.clone(),
        search: q.search.clone(),
        with_balance: q.with_balance.unwrap_or(false),
        in_credit: q.in_credit.unwrap_or(false),
        limit,
        after: q.cursor.clone(),
        ..AccountFilter::default()
    };
    let items = state.store.list_accounts(&p.org, &filter).await?;
    state.store.note_read(p.org.org_id, "account.list", "accounts").await?;
    Ok(Json(Page::of(items, limit, |a| a.account_number.clone())))
}

/// Open an account for a person or company.
#[utoipa::path(post, path = "/api/v1/accounts", tag = "accounts", request_body = NewAccount,
    responses((status = 201, body = AccountCreated)),
    security(("bearer" = ["accounts.write"])))]
pub async fn create(State(state): State<AppState>, Auth(p): Auth, Key(key): Key, Body(cmd): Body<NewAccount>) -> ApiResult<(StatusCode, Json<AccountCreated>)> {
    Ok((StatusCode::CREATED, Json(state.store.add_account(&p.org, &cmd, key.as_ref()).await?)))
}

/// Everything about one account: party, contacts, open items, payments with
/// their allocations, and the ledger. The read is written to the audit trail.
#[utoipa::path(get, path = "/api/v1/accounts/{number}", tag = "accounts",
    params(("number" = String, Path, description = "The account number", example = "P-000001")),
    responses((status = 200, body = AccountDetail)),
    security(("bearer" = ["accounts.read"])))]
pub async fn show(State(state): State<AppState>, Auth(p): Auth, Path(number): Path<String>) -> ApiResult<Json<AccountDetail>> {
    let detail = state.store.account_detail(&p.org, &number).await?;
    let record = format!("account:{}", detail.summary.account_number);
    state.store.note_read(p.org.org_id, "account.read", &record).await?;
    Ok(Json(detail))
}

/// Addresses kept as text that could not be read into street, city, state
/// and ZIP (written before addresses had fields): accounts', payers' and
/// providers', with what is missing. The read is written to the audit trail.
#[utoipa::path(get, path = "/api/v1/addresses/unread", tag = "accounts",
    responses((status = 200, body = Vec<settle_store::address::UnreadAddress>)),
    security(("bearer" = ["accounts.read"])))]
pub async fn unread_addresses(State(state): State<AppState>, Auth(p): Auth) -> ApiResult<Json<Vec<settle_store::address::UnreadAddress>>> {
    Ok(Json(state.store.unread_addresses(&p.org).await?))
}

/// People's names kept as one line that could not be read into last,
/// first, middle and suffix (written before names had parts): accounts'
/// people and coverages' subscribers, with why. The read is written to the
/// audit trail.
#[utoipa::path(get, path = "/api/v1/names/unread", tag = "accounts",
    responses((status = 200, body = Vec<settle_store::names::UnreadName>)),
    security(("bearer" = ["accounts.read"])))]
pub async fn unread_names(State(state): State<AppState>, Auth(p): Auth) -> ApiResult<Json<Vec<settle_store::names::UnreadName>>> {
    Ok(Json(state.store.unread_names(&p.org).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactChange {
    /// address, phone or email.
    pub kind: String,
    /// The phone or email as text; an address by its fields or as one line
    /// of text read into them ("12 Main St, Apt 4, Springfield, IL 62704").
    pub value: settle_store::address::AddressInput,
    /// When the new one takes effect; today if absent.
    pub from: Option<Date>,
}

/// Change an address, phone or email; the old one is kept as history.
#[utoipa::path(post, path = "/api/v1/accounts/{number}/contacts", tag = "accounts", request_body = ContactChange,
    params(("number" = String, Path, description = "The account number", example = "P-000001")),
    responses((status = 200, description = "The account after the change", body = AccountDetail)),
    security(("bearer" = ["contacts.write"])))]
pub async fn change_contact(
    State(state): State<AppState>,
    Auth(p): Auth,
    Path(number): Path<String>,
    Body(change): Body<ContactChange>,
) -> ApiResult<Json<AccountDetail>> {
    let from = change.from.unwrap_or_else(today);
    state.store.set_contact(&p.org, &number, &change.kind, &change.value, from).await?;
    let detail = state.store.account_detail(&p.org, &number).await?;
    Ok(Json(detail))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NameChange {
    /// "person" (the account's, the default), "guarantor" or "subscriber".
    #[serde(default)]
    pub whose: String,
    /// For a subscriber: which coverage.
    #[serde(default)]
    pub coverage_key: Option<i64>,
    pub parts: settle_store::names::NameParts,
}

/// Give a person's name by its parts (last, first, middle, suffix): the
/// account's person, its guarantor, or a coverage's subscriber. How a name
/// listed by `/api/v1/names/unread` is corrected.
#[utoipa::path(put, path = "/api/v1/accounts/{number}/name", tag = "accounts", request_body = NameChange,
    params(("number" = String, Path, description = "The account number", example = "P-000001")),
    responses((status = 200, body = settle_store::names::NameSet)),
    security(("bearer" = ["contacts.write"])))]
pub async fn set_name(
    State(state): State<AppState>,
    Auth(p): Auth,
    Path(number): Path<String>,
    Body(change): Body<NameChange>,
) -> ApiResult<Json<settle_store::names::NameSet>> {
    let cmd = settle_store::names::SetName {
        account_number: number,
        whose: change.whose,
        coverage_key: change.coverage_key,
        parts: change.parts,
    };
    Ok(Json(state.store.set_name(&p.org, &cmd).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplyCreditRequest {
    pub date: Date,
    /// Items to apply to; oldest due first if empty.
    #[serde(default)]
    pub apply_to: Vec<ApplyTo>,
    /// How much of the credit; all of it if absent.
    pub amount: Option<String>,
}

/// Apply an account's unapplied credit to its open items.
#[utoipa::path(post, path = "/api/v1/accounts/{number}/apply-credit", tag = "credits", request_body = ApplyCreditRequest,
    params(("number" = String, Path, description = "The account number", example = "P-000001")),
    responses((status = 200, body = CreditApplied)),
    security(("bearer" = ["credits.apply"])))]
pub async fn apply_credit(
    State(state): State<AppState>,
    Auth(p): Auth,
    Key(key): Key,
    Path(number): Path<String>,
    Body(body): Body<ApplyCreditRequest>,
) -> ApiResult<(StatusCode, Json<CreditApplied>)> {
    let cmd = ApplyCredit {
        account_number: number,
        date: body.date,
        apply_to: body.apply_to,
        amount: body.amount,
    };
    Ok((StatusCode::OK, Json(state.store.apply_credit(&p.org, &cmd, key.as_ref()).await?)))
}

pub fn today() -> Date {
    jiff::Zoned::now().date()
}
