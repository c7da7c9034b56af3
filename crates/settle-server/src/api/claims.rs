//! Payers, providers and patients' coverages.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use settle_domain::Date;
use settle_store::claims::{CoverageView, NewCoverage, NewPayer, NewProvider, PayerView, ProviderView};
use utoipa::ToSchema;

use crate::guard::Auth;
use crate::problem::{ApiResult, Body, Path};
use crate::AppState;

/// The insurance payers claims go to.
#[utoipa::path(get, path = "/api/v1/payers", tag = "claims",
    responses((status = 200, body = Vec<PayerView>)),
    security(("bearer" = ["accounts.read"])))]
pub async fn list_payers(State(state): State<AppState>, Auth(p): Auth) -> ApiResult<Json<Vec<PayerView>>> {
    Ok(Json(state.store.payers(&p.org).await?))
}

/// Add a payer: its electronic payer id, claim filing indicator and timely filing limit.
#[utoipa::path(post, path = "/api/v1/payers", tag = "claims", request_body = NewPayer,
    responses((status = 201, body = PayerView)),
    security(("bearer" = ["payers.manage"])))]
pub async fn add_payer(State(state): State<AppState>, Auth(p): Auth, Body(cmd): Body<NewPayer>) -> ApiResult<(StatusCode, Json<PayerView>)> {
    Ok((StatusCode::CREATED, Json(state.store.add_payer(&p.org, &cmd).await?)))
}

/// The billing and rendering providers.
#[utoipa::path(get, path = "/api/v1/providers", tag = "claims",
    responses((status = 200, body = Vec<ProviderView>)),
    security(("bearer" = ["accounts.read"])))]
pub async fn list_providers(State(state): State<AppState>, Auth(p): Auth) -> ApiResult<Json<Vec<ProviderView>>> {
    Ok(Json(state.store.providers(&p.org).await?))
}

/// Add a provider; the NPI's check digit is verified.
#[utoipa::path(post, path = "/api/v1/providers", tag = "claims", request_body = NewProvider,
    responses((status = 201, body = ProviderView)),
    security(("bearer" = ["payers.manage"])))]
pub async fn add_provider(State(state): State<AppState>, Auth(p): Auth, Body(cmd): Body<NewProvider>) -> ApiResult<(StatusCode, Json<ProviderView>)> {
    Ok((StatusCode::CREATED, Json(state.store.add_provider(&p.org, &cmd).await?)))
}

/// A patient account's insurance coverages, primary first.
#[utoipa::path(get, path = "/api/v1/accounts/{number}/coverages", tag = "claims",
    params(("number" = String, Path, description = "The account number", example = "P-000001")),
    responses((status = 200, body = Vec<CoverageView>)),
    security(("bearer" = ["accounts.read"])))]
pub async fn list_coverages(State(state): State<AppState>, Auth(p): Auth, Path(number): Path<String>) -> ApiResult<Json<Vec<CoverageView>>> {
    let coverages = state.store.coverages(&p.org, &number).await?;
    let record = format!("account:{}", number.trim().to_ascii_uppercase());
    state.store.audit_event(p.org.org_id, "coverage.read", &record, None).await?;
    Ok(Json(coverages))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CoverageRequest {
    #[schema(example = "66783JJT")]
    pub payer_code: String,
    #[schema(max_length = 80)]
    pub member_id: String,
    #[serde(default)]
    pub group_number: String,
    /// The subscriber, when the patient is not.
    #[serde(default)]
    pub subscriber_name: String,
    /// self, spouse, child or other.
    pub relationship: String,
    /// primary, secondary or tertiary.
    pub priority: String,
    pub effective_from: Date,
    pub effective_to: Option<Date>,
}

/// Add an insurance coverage to a patient account.
#[utoipa::path(post, path = "/api/v1/accounts/{number}/coverages", tag = "claims", request_body = CoverageRequest,
    params(("number" = String, Path, description = "The account number", example = "P-000001")),
    responses((status = 201, body = CoverageView)),
    security(("bearer" = ["accounts.write"])))]
pub async fn add_coverage(
    State(state): State<AppState>,
    Auth(p): Auth,
    Path(number): Path<String>,
    Body(body): Body<CoverageRequest>,
) -> ApiResult<(StatusCode, Json<CoverageView>)> {
    let cmd = NewCoverage {
        account_number: number,
        payer_code: body.payer_code,
        member_id: body.member_id,
        group_number: body.group_number,
        subscriber_name: body.subscriber_name,
        relationship: body.relationship,
        priority: body.priority,
        effective_from: body.effective_from,
        effective_to: body.effective_to,
    };
    Ok((StatusCode::CREATED, Json(state.store.add_coverage(&p.org, &cmd).await?)))
}
