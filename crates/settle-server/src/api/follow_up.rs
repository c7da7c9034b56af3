//! Insurance follow-up over the API: the ranked list of claims payers have
//! not finished with, calls to payers recorded on a claim, and who works
//! each claim.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use settle_store::claims::{AskClaimStatus, AssignFollowUp, FollowUpFilter, FollowUpRow, PayerCall, PayerCallView, StatusAsked, WriteOffClaim};

use crate::guard::Auth;
use crate::problem::{ApiResult, Body, Params, Path};
use crate::AppState;

/// The claims to work today, ranked: within 14 days of a deadline (timely
/// filing, appeal) first, the nearest first; then those needing work (no
/// answer 30 days after submission, a follow-up date reached, a rejection
/// to correct, a denial to appeal), the most dollars first; then those past
/// their deadline, to write off. `all=true` adds the claims that wait.
#[utoipa::path(get, path = "/api/v1/follow-up", tag = "claims", params(FollowUpFilter),
    responses((status = 200, body = Vec<FollowUpRow>)),
    security(("bearer" = ["clinical.read"])))]
pub async fn list_follow_up(State(state): State<AppState>, Auth(p): Auth, Params(q): Params<FollowUpFilter>) -> ApiResult<Json<Vec<FollowUpRow>>> {
    Ok(Json(state.store.follow_up(&p.org, &q, crate::api::today()).await?))
}

/// The calls to payers recorded on a claim, oldest first.
#[utoipa::path(get, path = "/api/v1/claims/{number}/calls", tag = "claims",
    params(("number" = String, Path, description = "The claim number", example = "CLM-000001")),
    responses((status = 200, body = Vec<PayerCallView>)),
    security(("bearer" = ["clinical.read"])))]
pub async fn list_calls(State(state): State<AppState>, Auth(p): Auth, Path(number): Path<String>) -> ApiResult<Json<Vec<PayerCallView>>> {
    Ok(Json(state.store.payer_calls(&p.org, &number).await?))
}

/// Record a call to a payer about a claim (the payer's reference, who
/// answered, what was said, when to look again): kept on the claim's
/// history; the follow-up date takes it off the list until then.
#[utoipa::path(post, path = "/api/v1/claims/{number}/calls", tag = "claims", request_body = PayerCall,
    params(("number" = String, Path, description = "The claim number", example = "CLM-000001")),
    responses((status = 201, body = Vec<PayerCallView>)),
    security(("bearer" = ["claims.write"])))]
pub async fn log_call(
    State(state): State<AppState>,
    Auth(p): Auth,
    Path(number): Path<String>,
    Body(mut cmd): Body<PayerCall>,
) -> ApiResult<(StatusCode, Json<Vec<PayerCallView>>)> {
    cmd.claim_number = number;
    Ok((StatusCode::CREATED, Json(state.store.log_payer_call(&p.org, &cmd, crate::api::today()).await?)))
}

/// Hand a claim's follow-up to a person ("" to no one).
#[utoipa::path(post, path = "/api/v1/claims/{number}/follow-up-assign", tag = "claims", request_body = AssignFollowUp,
    params(("number" = String, Path, description = "The claim number", example = "CLM-000001")),
    responses((status = 204)),
    security(("bearer" = ["claims.write"])))]
pub async fn assign(State(state): State<AppState>, Auth(p): Auth, Path(number): Path<String>, Body(mut cmd): Body<AssignFollowUp>) -> ApiResult<StatusCode> {
    cmd.claim_number = number;
    state.store.assign_follow_up(&p.org, &cmd).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What was written off.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct WrittenOff {
    pub claim_number: String,
    /// What the payer owed, now adjusted off as contractual.
    pub amount: String,
}

/// Write off a claim the payer will never pay (past its timely filing
/// limit, or not worth working): what the payer still owes on each line is
/// adjusted off as contractual, never moved to the patient, and the claim
/// is closed with the reason on its history.
#[utoipa::path(post, path = "/api/v1/claims/{number}/write-off", tag = "claims", request_body = WriteOffClaim,
    params(("number" = String, Path, description = "The claim number", example = "CLM-000001")),
    responses((status = 200, body = WrittenOff)),
    security(("bearer" = ["adjustments.post"])))]
pub async fn write_off(
    State(state): State<AppState>,
    Auth(p): Auth,
    Path(number): Path<String>,
    Body(mut cmd): Body<WriteOffClaim>,
) -> ApiResult<Json<WrittenOff>> {
    cmd.claim_number = number.clone();
    let amount = state.store.write_off_claim(&p.org, &cmd, crate::api::today()).await?;
    Ok(Json(WrittenOff {
        claim_number: number.trim().to_ascii_uppercase(),
        amount,
    }))
}

/// Ask a payer where claims stand: a 276 (005010X212), recorded with the
/// other X12 files; each claim waits a week for the 277, which is read by
/// `POST /api/v1/acknowledgments`.
#[utoipa::path(post, path = "/api/v1/claim-status-requests", tag = "claims", request_body = AskClaimStatus,
    responses((status = 201, body = StatusAsked)),
    security(("bearer" = ["claims.write"])))]
pub async fn ask_status(State(state): State<AppState>, Auth(p): Auth, Body(cmd): Body<AskClaimStatus>) -> ApiResult<(StatusCode, Json<StatusAsked>)> {
    Ok((
        StatusCode::CREATED,
        Json(state.store.ask_claim_status(&p.org, &cmd, crate::api::today()).await?),
    ))
}
