//! Collections over the API: the contact gate, the contact log, what a
//! consumer asked of us, disputes, and the organisation's footing.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use settle_domain::Date;
use settle_store::collections::{
    CollectionPolicyView, ContactRequest, ContactView, DecisionView, DisputeView, LogContact, LogOutcome, NewDispute, NewPromise, ProfileUpdate, ProfileView,
    PromiseFilter, PromiseReview, PromiseView,
};
use utoipa::ToSchema;

use crate::guard::Auth;
use crate::problem::{ApiError, ApiResult, Body, Params, Path};
use crate::AppState;

/// 422 naming each rule the gate refused the contact by.
fn refused(d: &DecisionView) -> ApiError {
    ApiError::field(
        StatusCode::UNPROCESSABLE_ENTITY,
        "contact",
        format!("refused by the contact gate (decision {}): {}", d.decision_id, d.reasons().join("; ")),
    )
}

/// Ask the contact gate whether a contact may be made (now, or at `at`):
/// allowed, or each failed rule with its Regulation F citation and, when
/// waiting is all it takes, when it opens. The answer is kept.
#[utoipa::path(post, path = "/api/v1/contact-checks", tag = "collections", request_body = ContactRequest,
    responses((status = 200, body = DecisionView)),
    security(("bearer" = ["collections.work"])))]
pub async fn check(State(state): State<AppState>, Auth(p): Auth, Body(req): Body<ContactRequest>) -> ApiResult<Json<DecisionView>> {
    Ok(Json(state.store.check_contact(&p.org, &req).await?))
}

/// Log a contact. An outbound one passes the gate first: refused, nothing
/// is logged and the answer is 422 naming each rule (the refusal is kept
/// among the account's decisions). An inbound one is logged as it happened.
#[utoipa::path(post, path = "/api/v1/contacts", tag = "collections", request_body = LogContact,
    responses((status = 201, body = LogOutcome), (status = 422, description = "refused by the contact gate, or bad input")),
    security(("bearer" = ["collections.work"])))]
pub async fn log(State(state): State<AppState>, Auth(p): Auth, Body(cmd): Body<LogContact>) -> ApiResult<(StatusCode, Json<LogOutcome>)> {
    let done = state.store.log_contact(&p.org, &cmd).await?;
    match (&done.contact, &done.decision) {
        (None, Some(d)) => Err(refused(d)),
        _ => Ok((StatusCode::CREATED, Json(done))),
    }
}

/// The account's contacts, newest first.
#[utoipa::path(get, path = "/api/v1/accounts/{number}/contacts", tag = "collections",
    params(("number" = String, Path, description = "The account number", example = "P-000001")),
    responses((status = 200, body = Vec<ContactView>)),
    security(("bearer" = ["accounts.read"])))]
pub async fn contacts(State(state): State<AppState>, Auth(p): Auth, Path(number): Path<String>) -> ApiResult<Json<Vec<ContactView>>> {
    Ok(Json(state.store.contacts(&p.org, &number).await?))
}

/// The contact gate's answers for the account, newest first.
#[utoipa::path(get, path = "/api/v1/accounts/{number}/contact-decisions", tag = "collections",
    params(("number" = String, Path, description = "The account number", example = "P-000001")),
    responses((status = 200, body = Vec<DecisionView>)),
    security(("bearer" = ["accounts.read"])))]
pub async fn decisions(State(state): State<AppState>, Auth(p): Auth, Path(number): Path<String>) -> ApiResult<Json<Vec<DecisionView>>> {
    Ok(Json(state.store.contact_decisions(&p.org, &number).await?))
}

/// What the consumer answering for the account asked of us, and the zones the gate keeps to.
#[utoipa::path(get, path = "/api/v1/accounts/{number}/collection-profile", tag = "collections",
    params(("number" = String, Path, description = "The account number", example = "P-000001")),
    responses((status = 200, body = ProfileView)),
    security(("bearer" = ["accounts.read"])))]
pub async fn profile(State(state): State<AppState>, Auth(p): Auth, Path(number): Path<String>) -> ApiResult<Json<ProfileView>> {
    Ok(Json(state.store.collection_profile(&p.org, &number).await?))
}

/// Record what the consumer asked of us: zone, cease, attorney, work,
/// inconvenient times, opt-outs, the validation notice; what is left out stays.
#[utoipa::path(post, path = "/api/v1/collection-profiles", tag = "collections", request_body = ProfileUpdate,
    responses((status = 200, body = ProfileView)),
    security(("bearer" = ["collections.work"])))]
pub async fn update_profile(State(state): State<AppState>, Auth(p): Auth, Body(cmd): Body<ProfileUpdate>) -> ApiResult<Json<ProfileView>> {
    Ok(Json(state.store.update_collection_profile(&p.org, &cmd).await?))
}

/// Record a dispute; received within the validation period, it halts collection until verified.
#[utoipa::path(post, path = "/api/v1/disputes", tag = "collections", request_body = NewDispute,
    responses((status = 201, body = DisputeView)),
    security(("bearer" = ["collections.work"])))]
pub async fn add_dispute(State(state): State<AppState>, Auth(p): Auth, Body(cmd): Body<NewDispute>) -> ApiResult<(StatusCode, Json<DisputeView>)> {
    Ok((StatusCode::CREATED, Json(state.store.record_dispute(&p.org, &cmd).await?)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifiedRequest {
    /// When the verification was sent.
    pub sent_on: Date,
}

/// The dispute's verification was sent: collection may go on.
#[utoipa::path(post, path = "/api/v1/disputes/{id}/verified", tag = "collections", request_body = VerifiedRequest,
    params(("id" = i64, Path, description = "The dispute's id", example = 1)),
    responses((status = 200, body = DisputeView)),
    security(("bearer" = ["collections.work"])))]
pub async fn dispute_verified(
    State(state): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<i64>,
    Body(req): Body<VerifiedRequest>,
) -> ApiResult<Json<DisputeView>> {
    Ok(Json(state.store.dispute_verified(&p.org, id, req.sent_on).await?))
}

/// Whether the organisation is a debt collector (every rule) or a creditor (its chosen rules).
#[utoipa::path(get, path = "/api/v1/collections/policy", tag = "collections",
    responses((status = 200, body = CollectionPolicyView)),
    security(("bearer" = ["accounts.read"])))]
pub async fn policy(State(state): State<AppState>, Auth(p): Auth) -> ApiResult<Json<CollectionPolicyView>> {
    Ok(Json(state.store.collection_policy(&p.org).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyRequest {
    /// A debt collector: every rule holds.
    pub third_party: bool,
    /// A creditor's rules (ids), when not a debt collector.
    #[serde(default)]
    pub first_party_rules: Vec<String>,
    /// Where consumers write to the collector (lines separated by commas), as letters print it; left out: unchanged.
    #[serde(default)]
    pub mail_address: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    /// When the collector answers, such as "8 a.m. to 5 p.m. Central".
    #[serde(default)]
    pub hours: Option<String>,
}

/// Set the organisation's footing under the FDCPA.
#[utoipa::path(post, path = "/api/v1/collections/policy", tag = "collections", request_body = PolicyRequest,
    responses((status = 200, body = CollectionPolicyView)),
    security(("bearer" = ["settings.manage"])))]
pub async fn set_policy(State(state): State<AppState>, Auth(p): Auth, Body(req): Body<PolicyRequest>) -> ApiResult<Json<CollectionPolicyView>> {
    let view = state.store.set_collection_policy(&p.org, req.third_party, &req.first_party_rules).await?;
    match req.mail_address {
        Some(address) => Ok(Json(
            state
                .store
                .set_collector_contact(
                    &p.org,
                    &address,
                    req.phone.as_deref().unwrap_or(&view.phone),
                    req.hours.as_deref().unwrap_or(&view.hours),
                )
                .await?,
        )),
        None => Ok(Json(view)),
    }
}

/// Record a promise to pay (it replaces a pending one): refused (422, by
/// field) if dated in the past or more than the account owes.
#[utoipa::path(post, path = "/api/v1/promises", tag = "collections", request_body = NewPromise,
    responses((status = 201, body = PromiseView)),
    security(("bearer" = ["collections.work"])))]
pub async fn add_promise(State(state): State<AppState>, Auth(p): Auth, Body(cmd): Body<NewPromise>) -> ApiResult<(StatusCode, Json<PromiseView>)> {
    Ok((
        StatusCode::CREATED,
        Json(state.store.record_promise(&p.org, &cmd, super::accounts::today()).await?),
    ))
}

/// Promises, each decided from the payments received so far.
#[utoipa::path(get, path = "/api/v1/promises", tag = "collections", params(PromiseFilter),
    responses((status = 200, body = Vec<PromiseView>)),
    security(("bearer" = ["accounts.read"])))]
pub async fn list_promises(State(state): State<AppState>, Auth(p): Auth, Params(q): Params<PromiseFilter>) -> ApiResult<Json<Vec<PromiseView>>> {
    Ok(Json(state.store.promises(&p.org, &q, super::accounts::today()).await?))
}

/// Decide every pending promise as of today and keep the answers.
#[utoipa::path(post, path = "/api/v1/promises/review", tag = "collections",
    responses((status = 200, body = PromiseReview)),
    security(("bearer" = ["collections.work"])))]
pub async fn review_promises(State(state): State<AppState>, Auth(p): Auth) -> ApiResult<Json<PromiseReview>> {
    Ok(Json(state.store.review_promises(&p.org, super::accounts::today()).await?))
}

/// Send the account's validation notice (12 CFR 1006.34, Model Form B-1)
/// through the gate as a letter: 201 with the letter kept on the account
/// (its PDF at `/api/v1/letters/{id}/pdf`), or 422 naming each rule.
#[utoipa::path(post, path = "/api/v1/accounts/{number}/validation-notice", tag = "collections",
    params(("number" = String, Path, description = "The account number", example = "P-000001")),
    responses((status = 201, body = settle_store::collections::LetterView), (status = 422, description = "refused by the contact gate, or no address to send it to")),
    security(("bearer" = ["collections.work"])))]
pub async fn send_validation_notice(
    State(state): State<AppState>,
    Auth(p): Auth,
    Path(number): Path<String>,
) -> ApiResult<(StatusCode, Json<settle_store::collections::LetterView>)> {
    let sent = state.store.send_validation_notice(&p.org, &number, super::accounts::today()).await?;
    match sent.letter {
        Some(letter) => Ok((StatusCode::CREATED, Json(letter))),
        None => Err(refused(&sent.decision)),
    }
}

/// The collection letters sent on an account, newest first.
#[utoipa::path(get, path = "/api/v1/accounts/{number}/letters", tag = "collections",
    params(("number" = String, Path, description = "The account number", example = "P-000001")),
    responses((status = 200, body = Vec<settle_store::collections::LetterView>)),
    security(("bearer" = ["accounts.read"])))]
pub async fn letters(State(state): State<AppState>, Auth(p): Auth, Path(number): Path<String>) -> ApiResult<Json<Vec<settle_store::collections::LetterView>>> {
    Ok(Json(state.store.letters(&p.org, &number).await?))
}

/// A collection letter as it was sent, as PDF.
#[utoipa::path(get, path = "/api/v1/letters/{id}/pdf", tag = "collections",
    params(("id" = i64, Path, description = "The letter's id", example = 1)),
    responses((status = 200, description = "The letter", content_type = "application/pdf")),
    security(("bearer" = ["accounts.read"])))]
pub async fn letter_pdf(State(state): State<AppState>, Auth(p): Auth, Path(id): Path<i64>) -> ApiResult<axum::response::Response> {
    let notice = state.store.validation_notice(&p.org, id).await?;
    Ok(crate::pdf_response(
        &format!("validation-{}.pdf", notice.account_number),
        settle_pdf::letters::validation_notice(&notice),
    ))
}
