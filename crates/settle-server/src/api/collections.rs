//! Collections over the API: the contact gate, the contact log, what a
//! consumer asked of us, disputes, and the organisation's footing.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use settle_domain::Date;
use settle_store::collections::dunning::{ActionView, DunningPolicyUpdate, DunningPolicyView, QueueRow, RuleInput, RunReport, RunRequest, SupervisorView};
use settle_store::collections::{
    CollectionPolicyView, ContactRequest, ContactView, DecisionView, DisputeView, LogContact, LogOutcome, NewDispute, NewPromise, ProfileUpdate, ProfileView,
    PromiseFilter, PromiseReview, PromiseView,
};
use settle_store::collections::{
    GateReplay, Kpis, LetterView, NewPlan, NewSettlement, OutboxEmail, PlanCreated, PlanView, SendLetter, SettlementMade, SettlementView,
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
    /// A person of unknown location may be in the territories too (Puerto
    /// Rico, the Virgin Islands, Guam, the Northern Marianas, American
    /// Samoa); left out: unchanged.
    #[serde(default)]
    pub territories_when_unknown: Option<bool>,
}

/// Set the organisation's footing under the FDCPA.
#[utoipa::path(post, path = "/api/v1/collections/policy", tag = "collections", request_body = PolicyRequest,
    responses((status = 200, body = CollectionPolicyView)),
    security(("bearer" = ["settings.manage"])))]
pub async fn set_policy(State(state): State<AppState>, Auth(p): Auth, Body(req): Body<PolicyRequest>) -> ApiResult<Json<CollectionPolicyView>> {
    let mut view = state.store.set_collection_policy(&p.org, req.third_party, &req.first_party_rules).await?;
    if let Some(territories) = req.territories_when_unknown {
        view = state.store.set_territories_when_unknown(&p.org, territories).await?;
    }
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
    Ok((StatusCode::CREATED, Json(state.store.record_promise(&p.org, &cmd, crate::api::today()).await?)))
}

/// Promises, each decided from the payments received so far.
#[utoipa::path(get, path = "/api/v1/promises", tag = "collections", params(PromiseFilter),
    responses((status = 200, body = Vec<PromiseView>)),
    security(("bearer" = ["accounts.read"])))]
pub async fn list_promises(State(state): State<AppState>, Auth(p): Auth, Params(q): Params<PromiseFilter>) -> ApiResult<Json<Vec<PromiseView>>> {
    Ok(Json(state.store.promises(&p.org, &q, crate::api::today()).await?))
}

/// Decide every pending promise as of today and keep the answers.
#[utoipa::path(post, path = "/api/v1/promises/review", tag = "collections",
    responses((status = 200, body = PromiseReview)),
    security(("bearer" = ["collections.work"])))]
pub async fn review_promises(State(state): State<AppState>, Auth(p): Auth) -> ApiResult<Json<PromiseReview>> {
    Ok(Json(state.store.review_promises(&p.org, crate::api::today()).await?))
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
    let sent = state.store.send_validation_notice(&p.org, &number, crate::api::today()).await?;
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
    let letter = state.store.letter(&p.org, id).await?;
    Ok(crate::pdf_response(&format!("letter-{id}.pdf"), letter.pdf()))
}

/// The dunning policy: levels, late fees, plan and settlement limits.
#[utoipa::path(get, path = "/api/v1/dunning/policy", tag = "dunning",
    responses((status = 200, body = DunningPolicyView)),
    security(("bearer" = ["reports.read"])))]
pub async fn dunning_policy(State(state): State<AppState>, Auth(p): Auth) -> ApiResult<Json<DunningPolicyView>> {
    Ok(Json(state.store.dunning_policy(&p.org).await?))
}

/// Change the dunning policy; what is left out stays. Checked whole: a bad
/// level changes nothing.
#[utoipa::path(post, path = "/api/v1/dunning/policy", tag = "dunning", request_body = DunningPolicyUpdate,
    responses((status = 200, body = DunningPolicyView), (status = 422, description = "bad input, naming the field")),
    security(("bearer" = ["collections.manage"])))]
pub async fn set_dunning_policy(State(state): State<AppState>, Auth(p): Auth, Body(cmd): Body<DunningPolicyUpdate>) -> ApiResult<Json<DunningPolicyView>> {
    Ok(Json(state.store.set_dunning_policy(&p.org, &cmd).await?))
}

/// Run the dunning policy for a day and rebuild the work queue (a dry run
/// writes nothing). A second run for the same day changes nothing.
#[utoipa::path(post, path = "/api/v1/dunning/runs", tag = "dunning", request_body = RunRequest,
    responses((status = 200, body = RunReport)),
    security(("bearer" = ["collections.manage"])))]
pub async fn dunning_run(State(state): State<AppState>, Auth(p): Auth, Body(req): Body<RunRequest>) -> ApiResult<Json<RunReport>> {
    Ok(Json(state.store.dunning_run(&p.org, &req).await?))
}

/// Where the account stands in dunning, and what dunning did on it.
#[derive(Serialize, ToSchema)]
pub struct AccountDunning {
    /// "final notice since 2026-12-01", or none when current.
    pub state: Option<String>,
    pub actions: Vec<ActionView>,
}

#[utoipa::path(get, path = "/api/v1/accounts/{number}/dunning", tag = "dunning",
    params(("number" = String, Path, description = "The account number", example = "P-000001")),
    responses((status = 200, body = AccountDunning)),
    security(("bearer" = ["accounts.read"])))]
pub async fn account_dunning(State(state): State<AppState>, Auth(p): Auth, Path(number): Path<String>) -> ApiResult<Json<AccountDunning>> {
    let (state_text, actions) = state.store.dunning_actions(&p.org, &number).await?;
    Ok(Json(AccountDunning { state: state_text, actions }))
}

/// Release an account a level held, so that dunning may move it on.
#[utoipa::path(post, path = "/api/v1/accounts/{number}/dunning/release", tag = "dunning",
    params(("number" = String, Path, description = "The account number", example = "P-000001")),
    responses((status = 204, description = "released")),
    security(("bearer" = ["collections.manage"])))]
pub async fn release_hold(State(state): State<AppState>, Auth(p): Auth, Path(number): Path<String>) -> ApiResult<StatusCode> {
    state.store.release_hold(&p.org, &number).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct QueueQuery {
    /// One collector's queue ("" for the unassigned); everyone's when left out.
    #[serde(default)]
    pub collector: Option<String>,
    #[serde(default)]
    pub limit: Option<i64>,
}

/// The work queue in the documented order (tier, promise due, balance,
/// days past due, broken promises, last contact).
#[utoipa::path(get, path = "/api/v1/queue", tag = "dunning", params(QueueQuery),
    responses((status = 200, body = Vec<QueueRow>)),
    security(("bearer" = ["collections.work"])))]
pub async fn queue(State(state): State<AppState>, Auth(p): Auth, Params(q): Params<QueueQuery>) -> ApiResult<Json<Vec<QueueRow>>> {
    Ok(Json(
        state
            .store
            .queue(&p.org, q.collector.as_deref(), crate::api::today(), q.limit.unwrap_or(100))
            .await?,
    ))
}

/// The caller's next account (or a collector's): the first in their queue not called today; 204 when none is left.
#[utoipa::path(get, path = "/api/v1/queue/next", tag = "dunning", params(QueueQuery),
    responses((status = 200, body = QueueRow), (status = 204, description = "nothing left to call today")),
    security(("bearer" = ["collections.work"])))]
pub async fn queue_next(State(state): State<AppState>, Auth(p): Auth, Params(q): Params<QueueQuery>) -> ApiResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let me = q.collector.unwrap_or_else(|| crate::collector_name(&p.actor));
    Ok(match state.store.next_account(&p.org, &me, crate::api::today()).await? {
        Some(row) => Json(row).into_response(),
        None => StatusCode::NO_CONTENT.into_response(),
    })
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignRequest {
    /// One account; or name several in `account_numbers`.
    #[serde(default)]
    pub account_number: Option<String>,
    /// Accounts handed over together: all move, or none.
    #[serde(default)]
    pub account_numbers: Vec<String>,
    /// A user name; "" gives the accounts back to the rules.
    pub collector: String,
}

/// A coordinator hands accounts to a collector (all or none); it outlives queue rebuilds.
#[utoipa::path(post, path = "/api/v1/queue/assignments", tag = "dunning", request_body = AssignRequest,
    responses((status = 204, description = "assigned")),
    security(("bearer" = ["collections.manage"])))]
pub async fn assign(State(state): State<AppState>, Auth(p): Auth, Body(req): Body<AssignRequest>) -> ApiResult<StatusCode> {
    let mut accounts = req.account_numbers;
    if let Some(one) = req.account_number {
        accounts.insert(0, one);
    }
    if accounts.is_empty() {
        return Err(ApiError::field(
            StatusCode::UNPROCESSABLE_ENTITY,
            "account_numbers",
            "name at least one account",
        ));
    }
    state.store.assign_accounts(&p.org, &accounts, &req.collector).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The assignment rules, tried in order.
#[utoipa::path(get, path = "/api/v1/queue/rules", tag = "dunning",
    responses((status = 200, body = Vec<RuleInput>)),
    security(("bearer" = ["collections.work"])))]
pub async fn rules(State(state): State<AppState>, Auth(p): Auth) -> ApiResult<Json<Vec<RuleInput>>> {
    Ok(Json(state.store.assignment_rules(&p.org).await?))
}

/// Replace the assignment rules (checked whole first).
#[utoipa::path(post, path = "/api/v1/queue/rules", tag = "dunning", request_body = Vec<RuleInput>,
    responses((status = 200, body = Vec<RuleInput>)),
    security(("bearer" = ["collections.manage"])))]
pub async fn set_rules(State(state): State<AppState>, Auth(p): Auth, Body(rules): Body<Vec<RuleInput>>) -> ApiResult<Json<Vec<RuleInput>>> {
    Ok(Json(state.store.set_assignment_rules(&p.org, &rules).await?))
}

/// Replay every outbound contact against the contact gate with the facts of
/// its moment: `refused` lists each the gate refuses that was not logged as
/// a violation (`clean` is false if any); `violations` those logged as such.
#[utoipa::path(get, path = "/api/v1/collections/verify", tag = "collections",
    responses((status = 200, body = GateReplay)),
    security(("bearer" = ["collections.manage"])))]
pub async fn verify(State(state): State<AppState>, Auth(p): Auth) -> ApiResult<Json<GateReplay>> {
    Ok(Json(state.store.collections_verify(&p.org).await?))
}

/// Queue sizes and the day's work per collector, and the last run.
#[utoipa::path(get, path = "/api/v1/queue/supervisor", tag = "dunning",
    responses((status = 200, body = SupervisorView)),
    security(("bearer" = ["collections.manage"])))]
pub async fn supervisor(State(state): State<AppState>, Auth(p): Auth) -> ApiResult<Json<SupervisorView>> {
    Ok(Json(state.store.supervisor(&p.org, crate::api::today()).await?))
}

/// Set up a payment plan: 201, or 422 naming the field (installments that
/// do not add up, a first date in the past, more than is owed); nothing is
/// written when refused.
#[utoipa::path(post, path = "/api/v1/plans", tag = "dunning", request_body = NewPlan,
    responses((status = 201, body = PlanCreated), (status = 422, description = "bad input, naming the field")),
    security(("bearer" = ["collections.work"])))]
pub async fn create_plan(State(state): State<AppState>, Auth(p): Auth, Body(cmd): Body<NewPlan>) -> ApiResult<(StatusCode, Json<PlanCreated>)> {
    Ok((StatusCode::CREATED, Json(state.store.create_plan(&p.org, &cmd, crate::api::today()).await?)))
}

#[derive(Deserialize, ToSchema, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AccountQuery {
    /// One account's; the latest of all when left out.
    #[serde(default)]
    pub account: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/plans", tag = "dunning", params(AccountQuery),
    responses((status = 200, body = Vec<PlanView>)),
    security(("bearer" = ["accounts.read"])))]
pub async fn list_plans(State(state): State<AppState>, Auth(p): Auth, Params(q): Params<AccountQuery>) -> ApiResult<Json<Vec<PlanView>>> {
    Ok(Json(state.store.plans(&p.org, q.account.as_deref()).await?))
}

/// Cancel an active plan; dunning resumes at the next run.
#[utoipa::path(post, path = "/api/v1/plans/{id}/cancel", tag = "dunning",
    params(("id" = i64, Path, description = "The plan's id", example = 1)),
    responses((status = 200, body = PlanView)),
    security(("bearer" = ["collections.work"])))]
pub async fn cancel_plan(State(state): State<AppState>, Auth(p): Auth, Path(id): Path<i64>) -> ApiResult<Json<PlanView>> {
    Ok(Json(state.store.cancel_plan(&p.org, id, crate::api::today()).await?))
}

/// Offer a settlement: offered at once, or awaiting a coordinator's approval above the limit.
#[utoipa::path(post, path = "/api/v1/settlements", tag = "dunning", request_body = NewSettlement,
    responses((status = 201, body = SettlementMade), (status = 422, description = "bad input, naming the field")),
    security(("bearer" = ["collections.work"])))]
pub async fn offer_settlement(State(state): State<AppState>, Auth(p): Auth, Body(cmd): Body<NewSettlement>) -> ApiResult<(StatusCode, Json<SettlementMade>)> {
    Ok((
        StatusCode::CREATED,
        Json(state.store.offer_settlement(&p.org, &cmd, crate::api::today()).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/settlements", tag = "dunning", params(AccountQuery),
    responses((status = 200, body = Vec<SettlementView>)),
    security(("bearer" = ["accounts.read"])))]
pub async fn list_settlements(State(state): State<AppState>, Auth(p): Auth, Params(q): Params<AccountQuery>) -> ApiResult<Json<Vec<SettlementView>>> {
    Ok(Json(state.store.settlements(&p.org, q.account.as_deref()).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApproveRequest {
    /// Send the offer letter once approved.
    #[serde(default)]
    pub send_offer: bool,
}

/// Approve a settlement over the limit (never one's own proposal).
#[utoipa::path(post, path = "/api/v1/settlements/{id}/approve", tag = "dunning", request_body = ApproveRequest,
    params(("id" = i64, Path, description = "The settlement's id", example = 1)),
    responses((status = 200, body = SettlementMade)),
    security(("bearer" = ["collections.manage"])))]
pub async fn approve_settlement(
    State(state): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<i64>,
    Body(req): Body<ApproveRequest>,
) -> ApiResult<Json<SettlementMade>> {
    Ok(Json(state.store.approve_settlement(&p.org, id, req.send_offer, crate::api::today()).await?))
}

/// Decline a settlement awaiting approval.
#[utoipa::path(post, path = "/api/v1/settlements/{id}/decline", tag = "dunning",
    params(("id" = i64, Path, description = "The settlement's id", example = 1)),
    responses((status = 200, body = SettlementView)),
    security(("bearer" = ["collections.manage"])))]
pub async fn decline_settlement(State(state): State<AppState>, Auth(p): Auth, Path(id): Path<i64>) -> ApiResult<Json<SettlementView>> {
    Ok(Json(state.store.close_settlement(&p.org, id, "declined").await?))
}

/// Withdraw a settlement offer.
#[utoipa::path(post, path = "/api/v1/settlements/{id}/cancel", tag = "dunning",
    params(("id" = i64, Path, description = "The settlement's id", example = 1)),
    responses((status = 200, body = SettlementView)),
    security(("bearer" = ["collections.work"])))]
pub async fn cancel_settlement(State(state): State<AppState>, Auth(p): Auth, Path(id): Path<i64>) -> ApiResult<Json<SettlementView>> {
    Ok(Json(state.store.close_settlement(&p.org, id, "cancelled").await?))
}

/// Send a reminder, a notice or a receipt through the gate: 201 with the
/// letter kept, 422 naming each rule when refused or the field when bad.
#[utoipa::path(post, path = "/api/v1/letters", tag = "collections", request_body = SendLetter,
    responses((status = 201, body = LetterView), (status = 422, description = "refused by the contact gate, or bad input")),
    security(("bearer" = ["collections.work"])))]
pub async fn send_letter(State(state): State<AppState>, Auth(p): Auth, Body(cmd): Body<SendLetter>) -> ApiResult<(StatusCode, Json<LetterView>)> {
    let sent = state.store.send_letter(&p.org, &cmd, crate::api::today()).await?;
    match sent.letter {
        Some(l) => Ok((StatusCode::CREATED, Json(l))),
        None => Err(refused(&sent.decision)),
    }
}

#[derive(Deserialize, ToSchema, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DayQuery {
    /// The day (today when left out).
    #[serde(default)]
    pub date: Option<Date>,
}

/// Every letter sent on a day in one PDF, to print and mail; 404 when none was.
#[utoipa::path(get, path = "/api/v1/letters/batch", tag = "collections", params(DayQuery),
    responses((status = 200, description = "The day's letters", content_type = "application/pdf"), (status = 404, description = "no letters that day")),
    security(("bearer" = ["collections.work"])))]
pub async fn letters_batch(State(state): State<AppState>, Auth(p): Auth, Params(q): Params<DayQuery>) -> ApiResult<axum::response::Response> {
    let day = q.date.unwrap_or_else(crate::api::today);
    let letters = state.store.letters_on(&p.org, day).await?;
    if letters.is_empty() {
        return Err(ApiError::new(StatusCode::NOT_FOUND, format!("no letters were sent on {day}")));
    }
    Ok(crate::pdf_response(
        &format!("letters-{day}.pdf"),
        settle_pdf::letters::letters_batch(&letters, &format!("Letters of {day}")),
    ))
}

#[derive(Deserialize, ToSchema, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OutboxQuery {
    /// queued, sent or failed.
    #[serde(default)]
    pub status: Option<String>,
}

/// Collection emails: waiting for the SMTP server, sent, or given up.
#[utoipa::path(get, path = "/api/v1/outbox", tag = "collections", params(OutboxQuery),
    responses((status = 200, body = Vec<OutboxEmail>)),
    security(("bearer" = ["collections.manage"])))]
pub async fn outbox(State(state): State<AppState>, Auth(p): Auth, Params(q): Params<OutboxQuery>) -> ApiResult<Json<Vec<OutboxEmail>>> {
    Ok(Json(state.store.outbox(&p.org, q.status.as_deref(), 200).await?))
}

#[derive(Deserialize, ToSchema, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PeriodQuery {
    /// The first day (the first of the month of `to` when left out).
    #[serde(default)]
    pub from: Option<Date>,
    /// The last day (today when left out).
    #[serde(default)]
    pub to: Option<Date>,
}

/// Collection KPIs for a period, per collector and in total: collected,
/// promise-kept rate, right-party contacts, plans, roll rates, and the
/// collection effectiveness index (its formula and numbers included).
#[utoipa::path(get, path = "/api/v1/collections/kpis", tag = "dunning", params(PeriodQuery),
    responses((status = 200, body = Kpis)),
    security(("bearer" = ["reports.read"])))]
pub async fn kpis(State(state): State<AppState>, Auth(p): Auth, Params(q): Params<PeriodQuery>) -> ApiResult<Json<Kpis>> {
    let to = q.to.unwrap_or_else(crate::api::today);
    let from = q.from.unwrap_or_else(|| to.first_of_month());
    Ok(Json(state.store.collection_kpis(&p.org, from, to).await?))
}
