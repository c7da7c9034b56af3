//! The office's own records over the API: held write-offs and their
//! approval, notes on accounts, organisation settings, the dashboard's
//! figures and account search.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use settle_domain::aging::AgingBuckets;
use settle_domain::Date;
use settle_store::billing::{amount, ApprovalView, LetterheadSettings, NoteView, OrgSettings, SearchHit, SettingsUpdate};
use utoipa::{IntoParams, ToSchema};

use crate::guard::Auth;
use crate::problem::{ApiError, ApiResult, Body, Params, Path};
use crate::AppState;

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ApprovalQuery {
    /// pending (the default), approved, rejected or all.
    #[param(max_length = 20)]
    status: Option<String>,
}

/// Write-offs held for approval, oldest first.
#[utoipa::path(get, path = "/api/v1/approvals", tag = "credits", params(ApprovalQuery),
    responses((status = 200, body = Vec<ApprovalView>)),
    security(("bearer" = ["adjustments.approve"])))]
pub async fn list_approvals(State(state): State<AppState>, Auth(p): Auth, Params(q): Params<ApprovalQuery>) -> ApiResult<Json<Vec<ApprovalView>>> {
    let status = match q.status.as_deref().unwrap_or("pending").trim() {
        "all" => None,
        s @ ("pending" | "approved" | "rejected") => Some(s.to_string()),
        other => {
            return Err(ApiError::field(
                StatusCode::BAD_REQUEST,
                "status",
                format!("{other:?} is not a status; use pending, approved, rejected or all"),
            ))
        }
    };
    Ok(Json(state.store.approvals(&p.org, status.as_deref(), 1000).await?))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    /// Why, for the record.
    #[serde(default)]
    #[schema(max_length = 500)]
    pub note: String,
}

/// Approve a held write-off or refund: it posts (or is paid) now, as it was
/// asked for, if the item or the credit is still as it was.
#[utoipa::path(post, path = "/api/v1/approvals/{id}/approve", tag = "credits", request_body = Decision,
    params(("id" = i64, Path, description = "The approval request")),
    responses((status = 200, body = ApprovalView)),
    security(("bearer" = ["adjustments.approve"])))]
pub async fn approve(State(state): State<AppState>, Auth(p): Auth, Path(id): Path<i64>, Body(d): Body<Decision>) -> ApiResult<Json<ApprovalView>> {
    Ok(Json(state.store.decide_approval(&p.org, id, true, &d.note).await?))
}

/// Reject a held write-off or refund: nothing posts.
#[utoipa::path(post, path = "/api/v1/approvals/{id}/reject", tag = "credits", request_body = Decision,
    params(("id" = i64, Path, description = "The approval request")),
    responses((status = 200, body = ApprovalView)),
    security(("bearer" = ["adjustments.approve"])))]
pub async fn reject(State(state): State<AppState>, Auth(p): Auth, Path(id): Path<i64>, Body(d): Body<Decision>) -> ApiResult<Json<ApprovalView>> {
    Ok(Json(state.store.decide_approval(&p.org, id, false, &d.note).await?))
}

/// An account's notes, newest first.
#[utoipa::path(get, path = "/api/v1/accounts/{number}/notes", tag = "accounts",
    params(("number" = String, Path, description = "The account number", example = "P-000001")),
    responses((status = 200, body = Vec<NoteView>)),
    security(("bearer" = ["accounts.read"])))]
pub async fn list_notes(State(state): State<AppState>, Auth(p): Auth, Path(number): Path<String>) -> ApiResult<Json<Vec<NoteView>>> {
    state.store.account_detail(&p.org, &number).await?;
    Ok(Json(state.store.notes(&p.org, &number).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewNote {
    #[schema(min_length = 1, max_length = 4000)]
    pub body: String,
}

/// Add a note to an account. Notes are never edited; add another to correct one.
#[utoipa::path(post, path = "/api/v1/accounts/{number}/notes", tag = "accounts", request_body = NewNote,
    params(("number" = String, Path, description = "The account number", example = "P-000001")),
    responses((status = 201, body = NoteView)),
    security(("bearer" = ["notes.write"])))]
pub async fn add_note(
    State(state): State<AppState>,
    Auth(p): Auth,
    Path(number): Path<String>,
    Body(n): Body<NewNote>,
) -> ApiResult<(StatusCode, Json<NoteView>)> {
    Ok((StatusCode::CREATED, Json(state.store.add_note(&p.org, &number, &n.body).await?)))
}

/// The organisation's settings: default terms, aging buckets and the write-off approval limit.
#[utoipa::path(get, path = "/api/v1/settings", tag = "admin",
    responses((status = 200, body = OrgSettings)),
    security(("bearer" = [])))]
pub async fn settings(State(state): State<AppState>, Auth(p): Auth) -> ApiResult<Json<OrgSettings>> {
    Ok(Json(state.store.settings(&p.org).await?))
}

/// Change the organisation's settings, all at once.
#[utoipa::path(post, path = "/api/v1/settings", tag = "admin", request_body = SettingsUpdate,
    responses((status = 200, body = OrgSettings)),
    security(("bearer" = ["settings.manage"])))]
pub async fn update_settings(State(state): State<AppState>, Auth(p): Auth, Body(u): Body<SettingsUpdate>) -> ApiResult<Json<OrgSettings>> {
    Ok(Json(state.store.update_settings(&p.org, &u).await?))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DashboardQuery {
    /// Today unless given.
    as_of: Option<Date>,
}

#[derive(serde::Serialize, ToSchema)]
pub struct Labelled {
    /// A bucket ("1-30") or a month ("2026-11").
    pub label: String,
    #[schema(example = "1250.00")]
    pub amount: String,
}

#[derive(serde::Serialize, ToSchema)]
pub struct DashboardView {
    pub as_of: Date,
    pub currency: String,
    /// Open items less unapplied credit.
    pub total_ar: String,
    pub aging: Vec<Labelled>,
    pub unapplied_credit: String,
    /// Cash received per month, net of returned payments, for twelve months.
    pub cash_by_month: Vec<Labelled>,
    /// Days sales outstanding over the last 90 days; absent with no sales.
    pub dso_days: Option<i64>,
    pub accounts_with_balance: i64,
    pub accounts_over_90_days: i64,
    pub accounts_with_credit: i64,
    pub pending_approvals: i64,
    pub draft_invoices: i64,
    /// What payers owe and what patients and customers owe; they add up to `total_ar`.
    pub insurance_ar: String,
    pub patient_ar: String,
    /// Claims on the insurance follow-up list today, by urgency; absent
    /// while the day's ranking is being made (it is started by this call).
    pub follow_up: Option<settle_store::claims::FollowUpCounts>,
}

/// Total AR, AR by aging bucket, cash per month, DSO and what needs work.
#[utoipa::path(get, path = "/api/v1/dashboard", tag = "reports", params(DashboardQuery),
    responses((status = 200, body = DashboardView)),
    security(("bearer" = ["reports.read"])))]
pub async fn dashboard(State(state): State<AppState>, Auth(p): Auth, Params(q): Params<DashboardQuery>) -> ApiResult<Json<DashboardView>> {
    let buckets = AgingBuckets::parse(&p.org.aging_buckets).unwrap_or_default();
    let as_of = q.as_of.unwrap_or_else(crate::api::today);
    let d = state.store.dashboard(&p.org, as_of, &buckets).await?;
    if d.follow_up.is_none() {
        crate::web::rank_follow_up_later(&state, &p.org, as_of);
    }
    let labelled = |rows: &[(String, i64)]| {
        rows.iter()
            .map(|(label, minor)| Labelled {
                label: label.clone(),
                amount: amount(*minor, &d.currency),
            })
            .collect()
    };
    Ok(Json(DashboardView {
        as_of: d.as_of,
        total_ar: amount(d.total_ar_minor, &d.currency),
        aging: labelled(&d.buckets),
        unapplied_credit: amount(d.credit_minor, &d.currency),
        cash_by_month: labelled(&d.cash_by_month),
        dso_days: d.dso_days,
        accounts_with_balance: d.accounts_with_balance,
        accounts_over_90_days: d.accounts_over_90,
        accounts_with_credit: d.accounts_with_credit,
        pending_approvals: d.pending_approvals,
        draft_invoices: d.draft_invoices,
        insurance_ar: amount(d.insurance_ar_minor, &d.currency),
        patient_ar: amount(d.patient_ar_minor, &d.currency),
        follow_up: d.follow_up,
        currency: d.currency,
    }))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// An account number, a name, a phone number, a date of birth or an invoice number.
    #[param(max_length = 100)]
    q: String,
    /// 1 to 100, 20 by default.
    #[param(minimum = 1, maximum = 100)]
    limit: Option<i64>,
}

/// Find accounts by account number, name, phone, date of birth or invoice number.
#[utoipa::path(get, path = "/api/v1/search", tag = "accounts", params(SearchQuery),
    responses((status = 200, body = Vec<SearchHit>)),
    security(("bearer" = ["accounts.read"])))]
pub async fn search(State(state): State<AppState>, Auth(p): Auth, Params(q): Params<SearchQuery>) -> ApiResult<Json<Vec<SearchHit>>> {
    let limit = crate::api::page_size(q.limit.or(Some(20)), 100)?;
    if q.q.chars().count() > 100 {
        return Err(ApiError::field(StatusCode::BAD_REQUEST, "q", "is longer than 100 characters"));
    }
    let hits = state.store.search_accounts(&p.org, &q.q, limit as usize).await?;
    state.store.note_read(p.org.org_id, "account.search", "accounts").await?;
    Ok(Json(hits))
}

/// What statements and invoices print about the organisation: letterhead,
/// remit-to, billing phone, other ways to pay (empty fields fall back).
#[utoipa::path(get, path = "/api/v1/settings/letterhead", tag = "admin",
    responses((status = 200, body = LetterheadSettings)),
    security(("bearer" = [])))]
pub async fn letterhead(State(state): State<AppState>, Auth(p): Auth) -> ApiResult<Json<LetterheadSettings>> {
    Ok(Json(state.store.letterhead_settings(&p.org).await?))
}

/// Set the letterhead, all of it at once.
#[utoipa::path(put, path = "/api/v1/settings/letterhead", tag = "admin", request_body = LetterheadSettings,
    responses((status = 200, body = LetterheadSettings)),
    security(("bearer" = ["settings.manage"])))]
pub async fn set_letterhead(State(state): State<AppState>, Auth(p): Auth, Body(l): Body<LetterheadSettings>) -> ApiResult<Json<LetterheadSettings>> {
    Ok(Json(state.store.set_letterhead(&p.org, &l).await?))
}
