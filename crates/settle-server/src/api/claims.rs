//! Payers, providers and patients' coverages.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use settle_domain::Date;
use settle_store::claims::{
    AppealDenial, CoverageView, DenialFilter, DenialGroup, DenialView, NewCoverage, NewPayer, NewProvider, PayerView, ProviderView, SetPayTo, StatementRun,
    StatementRunOutcome, StatementSummary, WriteOffDenial,
};
use utoipa::ToSchema;

use crate::guard::Auth;
use crate::problem::{ApiError, ApiResult, Body, Params, Path};
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

/// What payers require (prior authorizations, referrals, NDCs, CLIA,
/// accident facts), by rule: Settle's built-in rules and the organisation's
/// own, with its own as CSV. The rules name procedure and diagnosis
/// codes, so they are for those who may read clinical codes.
#[utoipa::path(get, path = "/api/v1/payer-rules", tag = "claims",
    responses((status = 200, body = settle_store::claims::PayerRules)),
    security(("bearer" = ["clinical.read"])))]
pub async fn payer_rules(State(state): State<AppState>, Auth(p): Auth) -> ApiResult<Json<settle_store::claims::PayerRules>> {
    Ok(Json(state.store.payer_rules(&p.org).await?))
}

/// Replace the organisation's own payer rules with a CSV file's
/// (`scope,requires,procedures,places,diagnoses,level,why`), all or nothing:
/// a refusal names every problem by line and column.
#[utoipa::path(put, path = "/api/v1/payer-rules", tag = "claims", request_body = settle_store::claims::ReplacePayerRules,
    responses((status = 200, body = settle_store::claims::PayerRules)),
    security(("bearer" = ["payers.manage"])))]
pub async fn set_payer_rules(
    State(state): State<AppState>,
    Auth(p): Auth,
    Body(cmd): Body<settle_store::claims::ReplacePayerRules>,
) -> ApiResult<Json<settle_store::claims::PayerRules>> {
    state.store.replace_payer_rules(&p.org, &cmd).await?;
    Ok(Json(state.store.payer_rules(&p.org).await?))
}

/// Authorizations and referrals on file (one account's with `?account=`),
/// with what claims used and what is left.
#[utoipa::path(get, path = "/api/v1/authorizations", tag = "claims", params(AuthorizationQuery),
    responses((status = 200, body = Vec<settle_store::claims::AuthorizationView>)),
    security(("bearer" = ["clinical.read"])))]
pub async fn list_authorizations(
    State(state): State<AppState>,
    Auth(p): Auth,
    Params(q): Params<AuthorizationQuery>,
) -> ApiResult<Json<Vec<settle_store::claims::AuthorizationView>>> {
    Ok(Json(state.store.authorizations(&p.org, q.account.as_deref(), crate::web::today()).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuthorizationQuery {
    /// One patient account's.
    pub account: Option<String>,
}

/// Record an authorization or referral a payer gave a patient: claims for
/// its services use it (its number is sent) and count it.
#[utoipa::path(post, path = "/api/v1/authorizations", tag = "claims", request_body = settle_store::claims::NewAuthorization,
    responses((status = 201, body = settle_store::claims::AuthorizationView)),
    security(("bearer" = ["claims.write"])))]
pub async fn add_authorization(
    State(state): State<AppState>,
    Auth(p): Auth,
    Body(cmd): Body<settle_store::claims::NewAuthorization>,
) -> ApiResult<(StatusCode, Json<settle_store::claims::AuthorizationView>)> {
    Ok((
        StatusCode::CREATED,
        Json(state.store.add_authorization(&p.org, &cmd, crate::web::today()).await?),
    ))
}

/// Claims not yet with the payer whose service needs an authorization or
/// referral that is missing, lapsed or used up.
#[utoipa::path(get, path = "/api/v1/authorizations/worklist", tag = "claims",
    responses((status = 200, body = Vec<settle_store::claims::AuthorizationGap>)),
    security(("bearer" = ["clinical.read"])))]
pub async fn authorization_worklist(State(state): State<AppState>, Auth(p): Auth) -> ApiResult<Json<Vec<settle_store::claims::AuthorizationGap>>> {
    Ok(Json(state.store.authorization_worklist(&p.org).await?))
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

/// Set or clear a billing provider's pay-to address (the 837P's loop
/// 2010AB), where the payer sends payments when not to the provider's own
/// address. The change is audited.
#[utoipa::path(put, path = "/api/v1/providers/{npi}/pay-to", tag = "claims", request_body = SetPayTo,
    params(("npi" = String, Path, description = "The provider's NPI", example = "1912301953")),
    responses((status = 200, body = ProviderView)),
    security(("bearer" = ["payers.manage"])))]
pub async fn set_provider_pay_to(
    State(state): State<AppState>,
    Auth(p): Auth,
    Path(npi): Path<String>,
    Body(cmd): Body<SetPayTo>,
) -> ApiResult<Json<ProviderView>> {
    Ok(Json(state.store.set_provider_pay_to(&p.org, &npi, &cmd).await?))
}

/// A patient account's insurance coverages, primary first.
#[utoipa::path(get, path = "/api/v1/accounts/{number}/coverages", tag = "claims",
    params(("number" = String, Path, description = "The account number", example = "P-000001")),
    responses((status = 200, body = Vec<CoverageView>)),
    security(("bearer" = ["accounts.read"])))]
pub async fn list_coverages(State(state): State<AppState>, Auth(p): Auth, Path(number): Path<String>) -> ApiResult<Json<Vec<CoverageView>>> {
    let coverages = state.store.coverages(&p.org, &number).await?;
    let record = format!("account:{}", number.trim().to_ascii_uppercase());
    state.store.note_read(p.org.org_id, "coverage.read", &record).await?;
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
    /// The subscriber's name by its parts, instead of `subscriber_name`.
    #[serde(default)]
    pub subscriber_name_parts: Option<settle_store::names::NameParts>,
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
        subscriber_name_parts: body.subscriber_name_parts,
        relationship: body.relationship,
        priority: body.priority,
        effective_from: body.effective_from,
        effective_to: body.effective_to,
    };
    Ok((StatusCode::CREATED, Json(state.store.add_coverage(&p.org, &cmd).await?)))
}

// ------------------------------------------------------------------ claims

use settle_store::claims::{
    AckOutcome, ClaimFilter, ClaimInput, ClaimSummary, ClaimView, CorrectClaim, EditClaim, ExportClaims, ExportOutcome, FindingView, ImportAcknowledgment,
    NewClaim, ScrubClaim, VoidClaim, X12FileView,
};
use utoipa::IntoParams;

use super::Key;

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ClaimQuery {
    /// draft, scrubbed, ready, submitted, accepted, rejected, paid, denied, partially_paid or closed.
    status: Option<String>,
    payer_code: Option<String>,
    account_number: Option<String>,
    /// Text in the claim number, account number or patient's name.
    q: Option<String>,
    /// number, patient, payer, service, total, status or updated (newest first when absent).
    sort: Option<String>,
    /// asc or desc (asc by default when `sort` is given).
    dir: Option<String>,
    /// Claims skipped, for the next page of a sorted list.
    #[param(minimum = 0)]
    offset: Option<i64>,
    /// At most this many, newest first (500 by default).
    #[param(minimum = 1, maximum = 5000)]
    limit: Option<i64>,
}

/// Claims, newest first; `status=rejected` is the rejection worklist.
#[utoipa::path(get, path = "/api/v1/claims", tag = "claims", params(ClaimQuery),
    responses((status = 200, body = Vec<ClaimSummary>)),
    security(("bearer" = ["clinical.read"])))]
pub async fn list_claims(State(state): State<AppState>, Auth(p): Auth, Params(q): Params<ClaimQuery>) -> ApiResult<Json<Vec<ClaimSummary>>> {
    let filter = ClaimFilter {
        status: q.status,
        payer_code: q.payer_code,
        account_number: q.account_number,
        search: q.q,
        limit: q.limit,
        sort: q.sort,
        descending: match q.dir.as_deref() {
            None | Some("asc") => false,
            Some("desc") => true,
            Some(_) => return Err(ApiError::field(StatusCode::BAD_REQUEST, "dir", "is not a direction; use asc or desc")),
        },
        offset: q.offset.unwrap_or(0),
    };
    let claims = state.store.claims(&p.org, &filter).await?;
    state.store.note_read(p.org.org_id, "claim.list", "claims").await?;
    Ok(Json(claims))
}

/// Enter a visit as a claim: scrubbed at once (unless `draft`), and charged
/// to the payer's receivable if the scrubber finds no error.
#[utoipa::path(post, path = "/api/v1/claims", tag = "claims", request_body = NewClaim,
    responses((status = 201, body = ClaimView)),
    security(("bearer" = ["claims.write"])))]
pub async fn create_claim(
    State(state): State<AppState>,
    Auth(p): Auth,
    Key(key): Key,
    Body(body): Body<serde_json::Value>,
) -> ApiResult<(StatusCode, Json<ClaimView>)> {
    // The visit and `draft` side by side: taken apart here so that a bad
    // field deep in the visit is named by its path (a flattened struct's
    // own deserializer loses it).
    let mut body = body;
    let draft = match body.as_object_mut().and_then(|fields| fields.remove("draft")) {
        None => false,
        Some(value) => crate::problem::from_value::<Option<bool>>(value)
            .map_err(|_| ApiError::field(StatusCode::UNPROCESSABLE_ENTITY, "draft", "draft is true or false"))?
            .unwrap_or(false),
    };
    let cmd = NewClaim {
        claim: crate::problem::from_value(body)?,
        draft,
    };
    let view = state.store.create_claim(&p.org, &cmd, crate::api::today(), key.as_ref()).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// Scrub a visit without saving it: the findings it would get.
#[utoipa::path(post, path = "/api/v1/claims/check", tag = "claims", request_body = ClaimInput,
    responses((status = 200, body = Vec<FindingView>)),
    security(("bearer" = ["claims.write"])))]
pub async fn check_claim(State(state): State<AppState>, Auth(p): Auth, Body(input): Body<ClaimInput>) -> ApiResult<Json<Vec<FindingView>>> {
    Ok(Json(state.store.check_claim(&p.org, &input, crate::api::today()).await?))
}

/// One claim with its findings, lines (and what the payer still owes on
/// each) and status history (an audited read).
#[utoipa::path(get, path = "/api/v1/claims/{number}", tag = "claims",
    params(("number" = String, Path, description = "The claim number", example = "CLM-000001")),
    responses((status = 200, body = ClaimView)),
    security(("bearer" = ["clinical.read"])))]
pub async fn show_claim(State(state): State<AppState>, Auth(p): Auth, Path(number): Path<String>) -> ApiResult<Json<ClaimView>> {
    let view = state.store.claim(&p.org, &number).await?;
    state
        .store
        .note_read(p.org.org_id, "claim.read", &format!("claim:{}", view.claim_number))
        .await?;
    Ok(Json(view))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimEditRequest {
    pub claim: ClaimInput,
    #[serde(default)]
    pub draft: bool,
}

/// Replace a draft, scrubbed, ready or rejected claim's codes and lines; it
/// is scrubbed again (a charged claim's charges come off and go back on).
#[utoipa::path(post, path = "/api/v1/claims/{number}", tag = "claims", request_body = ClaimEditRequest,
    params(("number" = String, Path, description = "The claim number", example = "CLM-000001")),
    responses((status = 200, body = ClaimView)),
    security(("bearer" = ["claims.write"])))]
pub async fn edit_claim(
    State(state): State<AppState>,
    Auth(p): Auth,
    Key(key): Key,
    Path(number): Path<String>,
    Body(req): Body<ClaimEditRequest>,
) -> ApiResult<Json<ClaimView>> {
    let cmd = EditClaim {
        claim_number: number,
        claim: req.claim,
        draft: req.draft,
    };
    Ok(Json(state.store.edit_claim(&p.org, &cmd, crate::api::today(), key.as_ref()).await?))
}

/// Scrub a saved claim again (after fixing a coverage, a provider or a setting).
#[utoipa::path(post, path = "/api/v1/claims/{number}/scrub", tag = "claims",
    params(("number" = String, Path, description = "The claim number", example = "CLM-000001")),
    responses((status = 200, body = ClaimView)),
    security(("bearer" = ["claims.write"])))]
pub async fn scrub_claim(State(state): State<AppState>, Auth(p): Auth, Path(number): Path<String>) -> ApiResult<Json<ClaimView>> {
    Ok(Json(
        state
            .store
            .scrub_claim(&p.org, &ScrubClaim { claim_number: number }, crate::api::today())
            .await?,
    ))
}

/// Start a corrected claim (frequency 7) for one the payer has; returns the new draft.
#[utoipa::path(post, path = "/api/v1/claims/{number}/correct", tag = "claims",
    params(("number" = String, Path, description = "The claim number", example = "CLM-000001")),
    responses((status = 201, body = ClaimView)),
    security(("bearer" = ["claims.write"])))]
pub async fn correct_claim(State(state): State<AppState>, Auth(p): Auth, Path(number): Path<String>) -> ApiResult<(StatusCode, Json<ClaimView>)> {
    let view = state
        .store
        .correct_claim(&p.org, &CorrectClaim { claim_number: number }, crate::api::today())
        .await?;
    Ok((StatusCode::CREATED, Json(view)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VoidRequest {
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
}

/// Void a claim: one the payer has gets a frequency-8 claim to send; its charges come off.
#[utoipa::path(post, path = "/api/v1/claims/{number}/void", tag = "claims", request_body = VoidRequest,
    params(("number" = String, Path, description = "The claim number", example = "CLM-000001")),
    responses((status = 200, body = ClaimView)),
    security(("bearer" = ["claims.write"])))]
pub async fn void_claim(State(state): State<AppState>, Auth(p): Auth, Path(number): Path<String>, Body(req): Body<VoidRequest>) -> ApiResult<Json<ClaimView>> {
    let cmd = VoidClaim {
        claim_number: number,
        reason: req.reason,
    };
    Ok(Json(state.store.void_claim(&p.org, &cmd, crate::api::today()).await?))
}

/// Send every ready claim for one payer as an 837P (005010X222A1) file;
/// claims the scrubber now refuses are held back and listed.
#[utoipa::path(post, path = "/api/v1/claim-batches", tag = "claims", request_body = ExportClaims,
    responses((status = 201, body = ExportOutcome)),
    security(("bearer" = ["claims.write"])))]
pub async fn export_claims(State(state): State<AppState>, Auth(p): Auth, Body(cmd): Body<ExportClaims>) -> ApiResult<(StatusCode, Json<ExportOutcome>)> {
    Ok((StatusCode::CREATED, Json(state.store.export_claims(&p.org, &cmd, crate::api::today()).await?)))
}

/// Read a 999 or 277CA and move the claims it names.
#[utoipa::path(post, path = "/api/v1/acknowledgments", tag = "claims", request_body = ImportAcknowledgment,
    responses((status = 201, body = AckOutcome)),
    security(("bearer" = ["claims.write"])))]
pub async fn import_acknowledgment(
    State(state): State<AppState>,
    Auth(p): Auth,
    Body(cmd): Body<ImportAcknowledgment>,
) -> ApiResult<(StatusCode, Json<AckOutcome>)> {
    Ok((StatusCode::CREATED, Json(state.store.import_acknowledgment(&p.org, &cmd).await?)))
}

/// Take in the claims of an 837P from another system, all or nothing:
/// every problem is named by segment, or every claim is entered and scrubbed.
#[utoipa::path(post, path = "/api/v1/claims/import", tag = "claims", request_body = settle_store::claims::Import837,
    responses((status = 201, body = settle_store::claims::Import837Outcome)),
    security(("bearer" = ["claims.write"])))]
pub async fn import_claims(
    State(state): State<AppState>,
    Auth(p): Auth,
    Body(cmd): Body<settle_store::claims::Import837>,
) -> ApiResult<(StatusCode, Json<settle_store::claims::Import837Outcome>)> {
    Ok((StatusCode::CREATED, Json(state.store.import_837p(&p.org, &cmd, crate::api::today()).await?)))
}

/// X12 files sent (837P) and received (999, 277CA), newest first.
#[utoipa::path(get, path = "/api/v1/x12-files", tag = "claims",
    responses((status = 200, body = Vec<X12FileView>)),
    security(("bearer" = ["accounts.read"])))]
pub async fn list_x12_files(State(state): State<AppState>, Auth(p): Auth) -> ApiResult<Json<Vec<X12FileView>>> {
    Ok(Json(state.store.x12_files(&p.org).await?))
}

#[derive(serde::Serialize, ToSchema)]
pub struct X12FileBody {
    pub file: X12FileView,
    /// The file's text, as sent or received.
    pub body: String,
}

/// One X12 file with its text.
#[utoipa::path(get, path = "/api/v1/x12-files/{id}", tag = "claims",
    params(("id" = i64, Path, description = "The file's id", example = 1)),
    responses((status = 200, body = X12FileBody)),
    security(("bearer" = ["claims.write"])))]
pub async fn show_x12_file(State(state): State<AppState>, Auth(p): Auth, Path(id): Path<i64>) -> ApiResult<Json<X12FileBody>> {
    let (file, body) = state.store.x12_file_body(&p.org, id).await?;
    state.store.note_read(p.org.org_id, "x12_file.read", &format!("x12_file:{id}")).await?;
    Ok(Json(X12FileBody { file, body }))
}

/// Ask a payer whether a patient's coverage is active: the 270 is written
/// and kept; post the payer's 271 to `/api/v1/acknowledgments`.
#[utoipa::path(post, path = "/api/v1/eligibility", tag = "claims", request_body = settle_store::claims::AskEligibility,
    responses((status = 201, body = settle_store::claims::EligibilityAsked)),
    security(("bearer" = ["claims.write"])))]
pub async fn ask_eligibility(
    State(state): State<AppState>,
    Auth(p): Auth,
    Body(cmd): Body<settle_store::claims::AskEligibility>,
) -> ApiResult<(StatusCode, Json<settle_store::claims::EligibilityAsked>)> {
    Ok((StatusCode::CREATED, Json(state.store.ask_eligibility(&p.org, &cmd, crate::api::today()).await?)))
}

/// A patient's eligibility checks and what the payers answered, newest first.
#[utoipa::path(get, path = "/api/v1/accounts/{number}/eligibility", tag = "claims",
    params(("number" = String, Path, description = "The account number", example = "P-000001")),
    responses((status = 200, body = Vec<settle_store::claims::EligibilityView>)),
    security(("bearer" = ["accounts.read"])))]
pub async fn list_eligibility(
    State(state): State<AppState>,
    Auth(p): Auth,
    Path(number): Path<String>,
) -> ApiResult<Json<Vec<settle_store::claims::EligibilityView>>> {
    let checks = state.store.eligibility(&p.org, &number).await?;
    state
        .store
        .note_read(p.org.org_id, "eligibility.read", &format!("account:{}", number.trim().to_ascii_uppercase()))
        .await?;
    Ok(Json(checks))
}

/// Set who answers for a patient's bill; `"relationship": "self"` clears it.
#[utoipa::path(post, path = "/api/v1/accounts/{number}/guarantor", tag = "claims", request_body = GuarantorRequest,
    params(("number" = String, Path, description = "The account number", example = "P-000001")),
    responses((status = 200, body = Option<settle_store::claims::GuarantorView>)),
    security(("bearer" = ["accounts.write"])))]
pub async fn set_guarantor(
    State(state): State<AppState>,
    Auth(p): Auth,
    Path(number): Path<String>,
    Body(body): Body<GuarantorRequest>,
) -> ApiResult<Json<Option<settle_store::claims::GuarantorView>>> {
    let cmd = settle_store::claims::SetGuarantor {
        account_number: number,
        relationship: body.relationship,
        name: body.name,
        name_parts: body.name_parts,
        phone: body.phone,
        email: body.email,
        address: body.address,
    };
    Ok(Json(state.store.set_guarantor(&p.org, &cmd).await?))
}

/// A patient's guarantor, if someone else answers for the bill (an audited read).
#[utoipa::path(get, path = "/api/v1/accounts/{number}/guarantor", tag = "claims",
    params(("number" = String, Path, description = "The account number", example = "P-000001")),
    responses((status = 200, body = Option<settle_store::claims::GuarantorView>)),
    security(("bearer" = ["accounts.read"])))]
pub async fn show_guarantor(
    State(state): State<AppState>,
    Auth(p): Auth,
    Path(number): Path<String>,
) -> ApiResult<Json<Option<settle_store::claims::GuarantorView>>> {
    let g = state.store.guarantor(&p.org, &number).await?;
    state
        .store
        .note_read(p.org.org_id, "guarantor.read", &format!("account:{}", number.trim().to_ascii_uppercase()))
        .await?;
    Ok(Json(g))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GuarantorRequest {
    /// parent, spouse, guardian, other, or self to clear.
    pub relationship: String,
    #[serde(default)]
    pub name: String,
    /// The guarantor's name by its parts, instead of `name`.
    #[serde(default)]
    pub name_parts: Option<settle_store::names::NameParts>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub address: Option<settle_store::address::AddressInput>,
}

/// Post an 835 ERA: each claim's payment applied to its lines, write-downs to
/// contractual adjustments, the patient's share moved to the patient's
/// account; unmatched claims listed as exceptions. Refused whole (422) if it
/// does not balance or its trace number was posted before.
#[utoipa::path(post, path = "/api/v1/remittances", tag = "claims", request_body = settle_store::claims::Import835,
    responses((status = 201, body = Vec<settle_store::claims::RemitOutcome>)),
    security(("bearer" = ["payments.post"])))]
pub async fn post_remittance(
    State(state): State<AppState>,
    Auth(p): Auth,
    Body(cmd): Body<settle_store::claims::Import835>,
) -> ApiResult<(StatusCode, Json<Vec<settle_store::claims::RemitOutcome>>)> {
    Ok((StatusCode::CREATED, Json(state.store.post_835(&p.org, &cmd, crate::api::today()).await?)))
}

/// The ERA exception queue: claims a payer answered that were not posted,
/// with why, and each one's payment held in suspense.
#[utoipa::path(get, path = "/api/v1/remittances/exceptions", tag = "claims",
    responses((status = 200, body = Vec<settle_store::claims::RemitClaimView>)),
    security(("bearer" = ["accounts.read"])))]
pub async fn list_remit_exceptions(State(state): State<AppState>, Auth(p): Auth) -> ApiResult<Json<Vec<settle_store::claims::RemitClaimView>>> {
    Ok(Json(state.store.remit_exceptions(&p.org).await?))
}

/// Resolve one exception: match it to Settle's claim (posted as the payer
/// answered, its payment taken out of suspense) or return it to the payer
/// (what it paid becomes owed back). Refused (422) if the claim does not
/// fit the answer; nothing changes then.
#[utoipa::path(post, path = "/api/v1/remittances/exceptions/resolve", tag = "claims",
    request_body = settle_store::claims::ResolveRemitException,
    responses((status = 200, body = settle_store::claims::RemittedClaim)),
    security(("bearer" = ["claims.write"])))]
pub async fn resolve_remit_exception(
    State(state): State<AppState>,
    Auth(p): Auth,
    Body(cmd): Body<settle_store::claims::ResolveRemitException>,
) -> ApiResult<Json<settle_store::claims::RemittedClaim>> {
    Ok(Json(state.store.resolve_remit_exception(&p.org, &cmd, crate::api::today()).await?))
}

/// Paid claims whose patient share the account's secondary coverage should
/// see first (no secondary claim yet).
#[utoipa::path(get, path = "/api/v1/secondaries", tag = "claims",
    responses((status = 200, body = Vec<settle_store::claims::SecondaryDue>)),
    security(("bearer" = ["accounts.read"])))]
pub async fn list_secondaries(State(state): State<AppState>, Auth(p): Auth) -> ApiResult<Json<Vec<settle_store::claims::SecondaryDue>>> {
    Ok(Json(state.store.secondaries_due(&p.org).await?))
}

/// Start the secondary claim for a paid primary: the same visit billed to
/// the secondary coverage, carrying the primary's adjudication (837P loops
/// 2320 and 2430) when sent. It adds no charge.
#[utoipa::path(post, path = "/api/v1/claims/{number}/secondary", tag = "claims",
    params(("number" = String, Path, description = "The primary claim", example = "CLM-000001")),
    responses((status = 201, body = ClaimView)),
    security(("bearer" = ["claims.write"])))]
pub async fn bill_secondary(State(state): State<AppState>, Auth(p): Auth, Path(number): Path<String>) -> ApiResult<(StatusCode, Json<ClaimView>)> {
    let cmd = settle_store::claims::BillSecondary { claim_number: number };
    Ok((StatusCode::CREATED, Json(state.store.bill_secondary(&p.org, &cmd, crate::api::today()).await?)))
}

/// Lines paid below the payer's contracted allowed amount, largest shortfall first.
#[utoipa::path(get, path = "/api/v1/underpayments", tag = "claims",
    responses((status = 200, body = Vec<settle_store::claims::UnderpaymentView>)),
    security(("bearer" = ["accounts.read"])))]
pub async fn list_underpayments(State(state): State<AppState>, Auth(p): Auth) -> ApiResult<Json<Vec<settle_store::claims::UnderpaymentView>>> {
    Ok(Json(state.store.underpayments(&p.org).await?))
}

/// The denial worklist: denied claim lines still to be worked (open or
/// appealed, by default), nearest appeal deadline first, each with its
/// reasons and remarks in words and the next step they suggest.
#[utoipa::path(get, path = "/api/v1/denials", tag = "claims", params(DenialFilter),
    responses((status = 200, body = Vec<DenialView>)),
    security(("bearer" = ["clinical.read"])))]
pub async fn list_denials(State(state): State<AppState>, Auth(p): Auth, Params(q): Params<DenialFilter>) -> ApiResult<Json<Vec<DenialView>>> {
    Ok(Json(state.store.denials(&p.org, &q, crate::api::today()).await?))
}

/// Open denials summed by payer and reason, largest first.
#[utoipa::path(get, path = "/api/v1/denials/groups", tag = "claims",
    responses((status = 200, body = Vec<DenialGroup>)),
    security(("bearer" = ["clinical.read"])))]
pub async fn denial_groups(State(state): State<AppState>, Auth(p): Auth) -> ApiResult<Json<Vec<DenialGroup>>> {
    Ok(Json(state.store.denial_groups(&p.org, crate::api::today()).await?))
}

/// One denial.
#[utoipa::path(get, path = "/api/v1/denials/{id}", tag = "claims",
    params(("id" = i64, Path, description = "The denial's id", example = 1)),
    responses((status = 200, body = DenialView)),
    security(("bearer" = ["clinical.read"])))]
pub async fn show_denial(State(state): State<AppState>, Auth(p): Auth, Path(id): Path<i64>) -> ApiResult<Json<DenialView>> {
    Ok(Json(state.store.denial(&p.org, id, crate::api::today()).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppealRequest {
    /// Why the payer should pay, printed in the letter (at least 20 characters).
    #[schema(example = "The visit notes show the patient's symptoms met the payer's own coverage criteria.")]
    pub argument: String,
}

/// Appeal a denial: it becomes "appealed"; fetch the letter from
/// `/api/v1/denials/{id}/appeal-letter`.
#[utoipa::path(post, path = "/api/v1/denials/{id}/appeal", tag = "claims", request_body = AppealRequest,
    params(("id" = i64, Path, description = "The denial's id", example = 1)),
    responses((status = 200, body = DenialView)),
    security(("bearer" = ["claims.write"])))]
pub async fn appeal_denial(State(state): State<AppState>, Auth(p): Auth, Path(id): Path<i64>, Body(body): Body<AppealRequest>) -> ApiResult<Json<DenialView>> {
    let today = crate::api::today();
    state
        .store
        .appeal_denial(
            &p.org,
            &AppealDenial {
                denial_id: id,
                argument: body.argument,
            },
            today,
        )
        .await?;
    Ok(Json(state.store.denial(&p.org, id, today).await?))
}

/// The appeal letter for a denial, as PDF.
#[utoipa::path(get, path = "/api/v1/denials/{id}/appeal-letter", tag = "claims",
    params(("id" = i64, Path, description = "The denial's id", example = 1)),
    responses((status = 200, description = "The letter", content_type = "application/pdf")),
    security(("bearer" = ["claims.write"])))]
pub async fn appeal_letter(State(state): State<AppState>, Auth(p): Auth, Path(id): Path<i64>) -> ApiResult<axum::response::Response> {
    let letter = state.store.appeal_letter(&p.org, id, crate::api::today()).await?;
    Ok(crate::pdf_response(
        &format!("appeal-{}.pdf", letter.claim_number),
        settle_pdf::letters::appeal_letter(&letter),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WriteOffRequest {
    pub date: Date,
    /// Why it is written off rather than appealed or corrected.
    #[schema(example = "A duplicate: the first claim for the visit was paid.")]
    pub memo: String,
}

/// Write a denial off: the open amount on its line is adjusted off as
/// contractual, and a claim that owes nothing more is closed or paid.
#[utoipa::path(post, path = "/api/v1/denials/{id}/write-off", tag = "claims", request_body = WriteOffRequest,
    params(("id" = i64, Path, description = "The denial's id", example = 1)),
    responses((status = 200, body = DenialView)),
    security(("bearer" = ["adjustments.post"])))]
pub async fn write_off_denial(
    State(state): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<i64>,
    Body(body): Body<WriteOffRequest>,
) -> ApiResult<Json<DenialView>> {
    Ok(Json(
        state
            .store
            .write_off_denial(
                &p.org,
                &WriteOffDenial {
                    denial_id: id,
                    date: body.date,
                    memo: body.memo,
                },
            )
            .await?,
    ))
}

/// Send the patient statements due on a day: one per patient account with
/// a balance after insurance and none within the cycle. A dry run lists
/// them and sends nothing. Running it twice on a day sends nothing twice.
#[utoipa::path(post, path = "/api/v1/statement-runs", tag = "claims", request_body = StatementRun,
    responses((status = 200, body = StatementRunOutcome)),
    security(("bearer" = ["invoices.write"])))]
pub async fn run_statements(State(state): State<AppState>, Auth(p): Auth, Body(cmd): Body<StatementRun>) -> ApiResult<Json<StatementRunOutcome>> {
    Ok(Json(state.store.run_statements(&p.org, &cmd).await?))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct StatementQuery {
    /// Only this account's.
    pub account: Option<String>,
}

/// Patient statements sent, newest first.
#[utoipa::path(get, path = "/api/v1/statements", tag = "claims", params(StatementQuery),
    responses((status = 200, body = Vec<StatementSummary>)),
    security(("bearer" = ["accounts.read"])))]
pub async fn list_statements(State(state): State<AppState>, Auth(p): Auth, Params(q): Params<StatementQuery>) -> ApiResult<Json<Vec<StatementSummary>>> {
    Ok(Json(state.store.statements(&p.org, q.account.as_deref()).await?))
}

/// One statement as sent, as PDF.
#[utoipa::path(get, path = "/api/v1/statements/{id}/pdf", tag = "claims",
    params(("id" = i64, Path, description = "The statement's id", example = 1)),
    responses((status = 200, description = "The statement", content_type = "application/pdf")),
    security(("bearer" = ["accounts.read"])))]
pub async fn statement_pdf(State(state): State<AppState>, Auth(p): Auth, Path(id): Path<i64>) -> ApiResult<axum::response::Response> {
    let s = state.store.statement(&p.org, id).await?;
    Ok(crate::pdf_response(
        &format!("statement-{}.pdf", s.statement_number),
        settle_pdf::letters::statement(&s),
    ))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PreviewQuery {
    /// The statement date; today unless given.
    pub as_of: Option<settle_domain::Date>,
}

/// One patient's statement as it would be made, as PDF; nothing is kept
/// (make and keep it with `POST /api/v1/statements` and `account_number`).
#[utoipa::path(get, path = "/api/v1/accounts/{number}/statement-preview", tag = "claims",
    params(("number" = String, Path, description = "The account number", example = "P-000101"), PreviewQuery),
    responses((status = 200, description = "The statement as of the day", content_type = "application/pdf")),
    security(("bearer" = ["accounts.read"])))]
pub async fn statement_preview(
    State(state): State<AppState>,
    Auth(p): Auth,
    Path(number): Path<String>,
    Params(q): Params<PreviewQuery>,
) -> ApiResult<axum::response::Response> {
    let as_of = q.as_of.unwrap_or_else(|| jiff::Zoned::now().date());
    let s = state.store.preview_statement(&p.org, &number, as_of).await?;
    Ok(crate::pdf_response(
        &format!("statement-preview-{}.pdf", s.account_number),
        settle_pdf::letters::statement(&s),
    ))
}

/// An invoice as the customer receives it (letterhead, bill-to, lines,
/// tax, terms, remit-to, how to pay), as PDF.
#[utoipa::path(get, path = "/api/v1/invoices/{number}/pdf", tag = "invoices",
    params(("number" = String, Path, description = "The invoice number", example = "INV-000001")),
    responses((status = 200, description = "The invoice", content_type = "application/pdf")),
    security(("bearer" = ["accounts.read"])))]
pub async fn invoice_pdf(State(state): State<AppState>, Auth(p): Auth, Path(number): Path<String>) -> ApiResult<axum::response::Response> {
    let doc = state.store.invoice_document(&p.org, &number).await?;
    Ok(crate::pdf_response(&format!("invoice-{}.pdf", doc.number), settle_pdf::invoice::invoice(&doc)))
}
