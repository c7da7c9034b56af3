//! Money in over the API: ACH originating accounts, mandates, debits,
//! plans paid by ACH, the daily run, the bank's return/NOC file, files and
//! return rates. A door like the CLI: every rule is the store's.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use settle_domain::Date;
use settle_store::money_in::{
    AchFileView, AchRun, AchVerify, AutopayPlan, DebitView, MandateView, NewBankDetails, NewDebit, NewMandate, NewOriginator, OriginatorView, ReturnRateView,
    ReturnsApplied,
};
use utoipa::{IntoParams, ToSchema};

use crate::guard::Auth;
use crate::problem::{ApiResult, Body, Params, Path};
use crate::AppState;

/// Add an originating bank account (the ODFI and the company
/// identification its bank assigned); 422 naming the field (a routing
/// number whose check digit is wrong).
#[utoipa::path(post, path = "/api/v1/ach/originators", tag = "money in", request_body = NewOriginator,
    responses((status = 201, body = OriginatorView), (status = 422, description = "bad input, naming the field")),
    security(("bearer" = ["settings.manage"])))]
pub async fn add_originator(State(state): State<AppState>, Auth(p): Auth, Body(cmd): Body<NewOriginator>) -> ApiResult<(StatusCode, Json<OriginatorView>)> {
    Ok((StatusCode::CREATED, Json(state.store.add_ach_originator(&p.org, &cmd).await?)))
}

/// The organisation's originating bank accounts.
#[utoipa::path(get, path = "/api/v1/ach/originators", tag = "money in",
    responses((status = 200, body = Vec<OriginatorView>)),
    security(("bearer" = ["accounts.read"])))]
pub async fn list_originators(State(state): State<AppState>, Auth(p): Auth) -> ApiResult<Json<Vec<OriginatorView>>> {
    Ok(Json(state.store.ach_originators(&p.org).await?))
}

#[derive(Deserialize, IntoParams, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MandateFilter {
    /// One account's mandates.
    pub account_number: Option<String>,
}

/// Take a payer's authorisation to debit a bank account (its words, day,
/// channel and who took it are kept); an online one waits for a prenote.
#[utoipa::path(post, path = "/api/v1/ach/mandates", tag = "money in", request_body = NewMandate,
    responses((status = 201, body = MandateView), (status = 422, description = "bad input, naming the field")),
    security(("bearer" = ["payments.post"])))]
pub async fn add_mandate(State(state): State<AppState>, Auth(p): Auth, Body(cmd): Body<NewMandate>) -> ApiResult<(StatusCode, Json<MandateView>)> {
    Ok((StatusCode::CREATED, Json(state.store.add_mandate(&p.org, &cmd, crate::api::today()).await?)))
}

/// Mandates with every change (bank accounts by their last four digits).
#[utoipa::path(get, path = "/api/v1/ach/mandates", tag = "money in", params(MandateFilter),
    responses((status = 200, body = Vec<MandateView>)),
    security(("bearer" = ["accounts.read"])))]
pub async fn list_mandates(State(state): State<AppState>, Auth(p): Auth, Params(q): Params<MandateFilter>) -> ApiResult<Json<Vec<MandateView>>> {
    Ok(Json(state.store.mandates(&p.org, q.account_number.as_deref()).await?))
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Revoke {
    pub reason: String,
}

/// End a mandate: its scheduled debits are cancelled.
#[utoipa::path(post, path = "/api/v1/ach/mandates/{id}/revoke", tag = "money in", request_body = Revoke,
    params(("id" = i64, Path, description = "The mandate", example = 1)),
    responses((status = 200, body = MandateView), (status = 422, description = "bad input, naming the field")),
    security(("bearer" = ["payments.post"])))]
pub async fn revoke_mandate(State(state): State<AppState>, Auth(p): Auth, Path(id): Path<i64>, Body(cmd): Body<Revoke>) -> ApiResult<Json<MandateView>> {
    Ok(Json(state.store.revoke_mandate(&p.org, id, &cmd.reason, crate::api::today()).await?))
}

/// New bank details for a mandate a return stopped (new details asked for, or held).
#[utoipa::path(post, path = "/api/v1/ach/mandates/{id}/details", tag = "money in", request_body = NewBankDetails,
    params(("id" = i64, Path, description = "The mandate", example = 1)),
    responses((status = 200, body = MandateView), (status = 422, description = "bad input, naming the field")),
    security(("bearer" = ["payments.post"])))]
pub async fn mandate_details(
    State(state): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<i64>,
    Body(cmd): Body<NewBankDetails>,
) -> ApiResult<Json<MandateView>> {
    Ok(Json(state.store.mandate_new_details(&p.org, id, &cmd, crate::api::today()).await?))
}

/// Schedule one debit under a mandate (an amount, or "balance").
#[utoipa::path(post, path = "/api/v1/ach/debits", tag = "money in", request_body = NewDebit,
    responses((status = 201, body = DebitView), (status = 422, description = "bad input, naming the field")),
    security(("bearer" = ["payments.post"])))]
pub async fn schedule_debit(State(state): State<AppState>, Auth(p): Auth, Body(cmd): Body<NewDebit>) -> ApiResult<(StatusCode, Json<DebitView>)> {
    Ok((StatusCode::CREATED, Json(state.store.schedule_debit(&p.org, &cmd, crate::api::today()).await?)))
}

#[derive(Deserialize, IntoParams, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DebitFilter {
    /// scheduled, in_file, settled, returned or cancelled.
    pub status: Option<String>,
    pub account_number: Option<String>,
    /// At most this many, newest first (200 when left out).
    pub limit: Option<i64>,
}

/// Debits, newest first.
#[utoipa::path(get, path = "/api/v1/ach/debits", tag = "money in", params(DebitFilter),
    responses((status = 200, body = Vec<DebitView>)),
    security(("bearer" = ["accounts.read"])))]
pub async fn list_debits(State(state): State<AppState>, Auth(p): Auth, Params(q): Params<DebitFilter>) -> ApiResult<Json<Vec<DebitView>>> {
    Ok(Json(
        state
            .store
            .ach_debits(&p.org, q.status.as_deref(), q.account_number.as_deref(), q.limit.unwrap_or(200))
            .await?,
    ))
}

/// Cancel a debit not yet sent.
#[utoipa::path(post, path = "/api/v1/ach/debits/{id}/cancel", tag = "money in", request_body = Revoke,
    params(("id" = i64, Path, description = "The debit", example = 1)),
    responses((status = 200, body = DebitView), (status = 422, description = "bad input, naming the field")),
    security(("bearer" = ["payments.post"])))]
pub async fn cancel_debit(State(state): State<AppState>, Auth(p): Auth, Path(id): Path<i64>, Body(cmd): Body<Revoke>) -> ApiResult<Json<DebitView>> {
    Ok(Json(state.store.cancel_debit(&p.org, id, &cmd.reason).await?))
}

/// A payment plan's installments still to come, paid by ACH under a mandate of the same account.
#[utoipa::path(post, path = "/api/v1/ach/autopay", tag = "money in", request_body = AutopayPlan,
    responses((status = 201, body = Vec<DebitView>), (status = 422, description = "bad input, naming the field")),
    security(("bearer" = ["payments.post"])))]
pub async fn autopay(State(state): State<AppState>, Auth(p): Auth, Body(cmd): Body<AutopayPlan>) -> ApiResult<(StatusCode, Json<Vec<DebitView>>)> {
    Ok((StatusCode::CREATED, Json(state.store.autopay_plan(&p.org, &cmd, crate::api::today()).await?)))
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RunRequest {
    /// The day to run for (today when left out).
    pub as_of: Option<Date>,
    /// The files' creation time, HHMM (1700 when left out).
    pub time: Option<u16>,
}

/// The day's ACH run, all or nothing: debits past their return window
/// settled, prenotes sent, debits due by the next banking day sent and
/// their payments posted, one NACHA file per originating account.
#[utoipa::path(post, path = "/api/v1/ach/runs", tag = "money in", request_body = RunRequest,
    responses((status = 201, body = AchRun), (status = 422, description = "bad input, naming the field")),
    security(("bearer" = ["payments.post"])))]
pub async fn run(State(state): State<AppState>, Auth(p): Auth, Body(cmd): Body<RunRequest>) -> ApiResult<(StatusCode, Json<AchRun>)> {
    let day = cmd.as_of.unwrap_or_else(crate::api::today);
    Ok((StatusCode::CREATED, Json(state.store.ach_run(&p.org, day, cmd.time.unwrap_or(1700)).await?)))
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnFile {
    /// The bank's return / notification-of-change file, as received.
    pub content: String,
    /// The day it was received (today when left out).
    pub received_on: Option<Date>,
}

/// Apply the bank's return and change file, all or nothing: every problem
/// named by line (422), the same file twice refused, each return reversing
/// its payment and decided by its code, each change correcting its mandate.
#[utoipa::path(post, path = "/api/v1/ach/returns", tag = "money in", request_body = ReturnFile,
    responses((status = 201, body = ReturnsApplied), (status = 422, description = "the file refused whole, naming each line")),
    security(("bearer" = ["payments.reverse"])))]
pub async fn returns(State(state): State<AppState>, Auth(p): Auth, Body(cmd): Body<ReturnFile>) -> ApiResult<(StatusCode, Json<ReturnsApplied>)> {
    let day = cmd.received_on.unwrap_or_else(crate::api::today);
    Ok((StatusCode::CREATED, Json(state.store.apply_ach_returns(&p.org, &cmd.content, day).await?)))
}

/// ACH files sent and received, newest first.
#[utoipa::path(get, path = "/api/v1/ach/files", tag = "money in",
    responses((status = 200, body = Vec<AchFileView>)),
    security(("bearer" = ["accounts.read"])))]
pub async fn list_files(State(state): State<AppState>, Auth(p): Auth) -> ApiResult<Json<Vec<AchFileView>>> {
    Ok(Json(state.store.ach_files(&p.org, 200).await?))
}

#[derive(Serialize, ToSchema)]
pub struct AchFileBody {
    pub file: AchFileView,
    /// The file's text as sent or received (it holds bank account numbers).
    pub content: String,
}

/// One ACH file with its text.
#[utoipa::path(get, path = "/api/v1/ach/files/{id}", tag = "money in",
    params(("id" = i64, Path, description = "The file", example = 1)),
    responses((status = 200, body = AchFileBody)),
    security(("bearer" = ["payments.post"])))]
pub async fn show_file(State(state): State<AppState>, Auth(p): Auth, Path(id): Path<i64>) -> ApiResult<Json<AchFileBody>> {
    let (file, content) = state.store.ach_file_content(&p.org, id).await?;
    Ok(Json(AchFileBody { file, content }))
}

#[derive(Deserialize, IntoParams, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RatesQuery {
    /// The window's last day (today when left out).
    pub as_of: Option<Date>,
}

/// Return rates over the last 60 days against Nacha's thresholds
/// (unauthorized 0.5%, administrative 3%, overall 15%).
#[utoipa::path(get, path = "/api/v1/ach/return-rates", tag = "money in", params(RatesQuery),
    responses((status = 200, body = Vec<ReturnRateView>)),
    security(("bearer" = ["reports.read"])))]
pub async fn return_rates(State(state): State<AppState>, Auth(p): Auth, Params(q): Params<RatesQuery>) -> ApiResult<Json<Vec<ReturnRateView>>> {
    Ok(Json(state.store.ach_return_rates(&p.org, q.as_of.unwrap_or_else(crate::api::today)).await?))
}

/// Replay every debit and prenote sent against the rules: the mandate as it
/// stood when its file was made, the prenote wait, retries (at most two,
/// within 180 days, only after R01/R09) and returned-payment fees (R01/R09
/// only); `clean` is false with each breach named.
#[utoipa::path(get, path = "/api/v1/ach/verify", tag = "money in",
    responses((status = 200, body = AchVerify)),
    security(("bearer" = ["reports.read"])))]
pub async fn verify(State(state): State<AppState>, Auth(p): Auth) -> ApiResult<Json<AchVerify>> {
    Ok(Json(state.store.ach_verify(&p.org).await?))
}
