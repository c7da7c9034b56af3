//! Adjustments and refunds, and the write-offs held for someone else's
//! approval.

use crate::web::billing::forms::back_to_account;
use crate::web::billing::forms::date_field;
use crate::web::billing::forms::invoices::account_or_page;
use crate::web::billing::forms::payments::open_items;
use crate::web::billing::forms::refused;
use crate::web::{encode, money, render, store_error_page, today, Ctx, Errors, FormData};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use settle_domain::events::AdjustmentReason;
use settle_store::billing::{limit_money, AccountDetail, AdjustmentOutcome, ApprovalView, ItemView, NewAdjustment, NewRefund, PAYMENT_METHODS};
use settle_store::StoreError;

#[derive(Template)]
#[template(path = "adjustment_form.html")]
pub(super) struct AdjustmentForm<'a> {
    ctx: Option<&'a Ctx>,
    a: AccountDetail,
    items: Vec<ItemView>,
    reasons: Vec<(&'static str, String)>,
    limit: String,
    reference: String,
    reason: String,
    amount: String,
    date: String,
    memo: String,
    errors: Errors,
}

pub(super) fn reasons() -> Vec<(&'static str, String)> {
    AdjustmentReason::ALL.iter().map(|r| (r.as_str(), r.as_str().replace('_', " "))).collect()
}

pub(super) async fn adjustment_form<'a>(state: &AppState, ctx: &'a Ctx, number: &str) -> Result<AdjustmentForm<'a>, Response> {
    let a = account_or_page(state, ctx, number).await?;
    let settings = state.store.settings(&ctx.principal.org).await.map_err(|e| store_error_page(Some(ctx), e))?;
    let limit = limit_money(&settings).map_or(settings.writeoff_approval_limit.clone(), |m| money(&m.to_decimal_string(), &settings.currency));
    let items = open_items(&a).into_iter().cloned().collect();
    Ok(AdjustmentForm {
        ctx: Some(ctx),
        a,
        items,
        reasons: reasons(),
        limit,
        reference: String::new(),
        reason: "courtesy_discount".into(),
        amount: String::new(),
        date: today().to_string(),
        memo: String::new(),
        errors: Errors::default(),
    })
}

pub async fn new_adjustment(State(state): State<AppState>, ctx: Ctx, Path(number): Path<String>) -> Response {
    match adjustment_form(&state, &ctx, &number).await {
        Ok(page) => render(&page).into_response(),
        Err(response) => response,
    }
}

pub async fn post_adjustment(State(state): State<AppState>, ctx: Ctx, Path(number): Path<String>, form: FormData) -> Response {
    let mut page = match adjustment_form(&state, &ctx, &number).await {
        Ok(page) => page,
        Err(response) => return response,
    };
    let mut errors = Errors::default();
    let date = date_field(&form, "date", &mut errors);
    if form.get("reference").is_empty() {
        errors.add("reference", "Choose the item to adjust.");
    }
    if form.get("amount").is_empty() {
        errors.add("amount", "Enter the amount to take off.");
    }
    if !errors.any() {
        let cmd = NewAdjustment {
            reference: form.get("reference"),
            reason: form.get("reason"),
            amount: form.get("amount").replace([',', '$'], ""),
            date,
            memo: form.get("memo"),
        };
        match state.store.submit_adjustment(&ctx.principal.org, &cmd, None).await {
            Ok(AdjustmentOutcome::Posted(p)) => {
                let cur = &page.a.summary.currency;
                return back_to_account(
                    &page.a.summary.account_number,
                    &format!(
                        "{} adjusted by {}; its balance is now {}.",
                        p.reference,
                        money(&p.amount, cur),
                        money(&p.balance, cur)
                    ),
                );
            }
            Ok(AdjustmentOutcome::Held(h)) => {
                let cur = &page.a.summary.currency;
                return back_to_account(
                    &page.a.summary.account_number,
                    &format!(
                        "The {} of {} on {} is above the approval limit of {}: it is waiting for a coordinator's approval (request {}) and nothing is posted yet.",
                        h.reason.replace('_', " "),
                        money(&h.amount, cur),
                        h.reference,
                        page.limit,
                        h.approval_id
                    ),
                );
            }
            Err(error) => match refused(
                &ctx,
                error,
                &[
                    ("reference", "reference"),
                    ("reason", "reason"),
                    ("amount", "amount"),
                    ("memo", "memo"),
                    ("date", "date"),
                ],
            ) {
                Ok(e) => errors = e,
                Err(response) => return response,
            },
        }
    }
    page.reference = form.get("reference");
    page.reason = form.get("reason");
    page.amount = form.get("amount");
    page.date = form.get("date");
    page.memo = form.get("memo");
    page.errors = errors;
    (StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response()
}

// ---------------------------------------------------------------------------
// Refunds out of credit.

#[derive(Template)]
#[template(path = "refund_form.html")]
pub(super) struct RefundForm<'a> {
    ctx: Option<&'a Ctx>,
    a: AccountDetail,
    methods: &'static [&'static str],
    amount: String,
    method: String,
    reference: String,
    date: String,
    errors: Errors,
}

pub async fn new_refund(State(state): State<AppState>, ctx: Ctx, Path(number): Path<String>) -> Response {
    let a = match account_or_page(&state, &ctx, &number).await {
        Ok(a) => a,
        Err(response) => return response,
    };
    let amount = a.summary.credit.clone();
    render(&RefundForm {
        ctx: Some(&ctx),
        a,
        methods: PAYMENT_METHODS,
        amount,
        method: "check".into(),
        reference: String::new(),
        date: today().to_string(),
        errors: Errors::default(),
    })
    .into_response()
}

pub async fn post_refund(State(state): State<AppState>, ctx: Ctx, Path(number): Path<String>, form: FormData) -> Response {
    let a = match account_or_page(&state, &ctx, &number).await {
        Ok(a) => a,
        Err(response) => return response,
    };
    let mut errors = Errors::default();
    let date = date_field(&form, "date", &mut errors);
    if !errors.any() {
        let cmd = NewRefund {
            account_number: a.summary.account_number.clone(),
            amount: form.get("amount").replace([',', '$'], ""),
            method: form.get("method"),
            reference: form.get("reference"),
            date,
        };
        match state.store.refund(&ctx.principal.org, &cmd, None).await {
            Ok(settle_store::billing::RefundOutcome::Issued(r)) => {
                return back_to_account(
                    &a.summary.account_number,
                    &format!(
                        "Refund {} of {} recorded; credit left {}.",
                        r.refund_id,
                        money(&r.amount, &a.summary.currency),
                        money(&r.credit_left, &a.summary.currency)
                    ),
                )
            }
            Ok(settle_store::billing::RefundOutcome::Held(held)) => {
                return back_to_account(
                    &a.summary.account_number,
                    &format!(
                        "The refund of {} is above your refund limit: it waits for a coordinator's approval (request {}). Nothing is paid until then.",
                        money(&held.amount, &held.currency),
                        held.approval_id
                    ),
                )
            }
            Err(error) => match refused(
                &ctx,
                error,
                &[("amount", "amount"), ("method", "method"), ("reference", "reference"), ("date", "date")],
            ) {
                Ok(e) => errors = e,
                Err(response) => return response,
            },
        }
    }
    let page = RefundForm {
        ctx: Some(&ctx),
        a,
        methods: PAYMENT_METHODS,
        amount: form.get("amount"),
        method: form.get("method"),
        reference: form.get("reference"),
        date: form.get("date"),
        errors,
    };
    (StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response()
}

// ---------------------------------------------------------------------------
// The approvals queue.

#[derive(Template)]
#[template(path = "approvals.html")]
pub(super) struct ApprovalsPage<'a> {
    ctx: Option<&'a Ctx>,
    pending: Vec<ApprovalView>,
    /// The pending requests' order and page.
    list: crate::web::list::ListState,
    decided: Vec<ApprovalView>,
    limit: String,
    refund_limit: String,
    msg: String,
    error: String,
}

#[derive(serde::Deserialize, Default)]
pub struct ApprovalsQuery {
    #[serde(default)]
    msg: String,
    sort: Option<String>,
    dir: Option<String>,
    page: Option<i64>,
}

/// What the pending requests sort by: oldest asked first unless a column is named.
const APPROVAL_COLUMNS: [&str; 4] = ["asked", "account", "amount", "kind"];

/// A request's value in a column.
fn key(v: &ApprovalView, column: &str) -> crate::web::list::Key {
    use crate::web::list::Key;
    match column {
        "account" => Key::text(&v.name),
        "amount" => Key::amount(&v.amount),
        "kind" => Key::text(&v.kind),
        _ => Key::count(v.approval_id),
    }
}

pub(super) async fn approvals_page<'a>(state: &AppState, ctx: &'a Ctx, q: ApprovalsQuery, error: String) -> Result<ApprovalsPage<'a>, Response> {
    let org = &ctx.principal.org;
    let fail = |e| store_error_page(Some(ctx), e);
    let pending = state.store.approvals(org, Some("pending"), 10_000).await.map_err(fail)?;
    let mut list = crate::web::list::ListState::read(q.sort.as_deref(), q.dir.as_deref(), q.page, &APPROVAL_COLUMNS, false, &[]);
    let pending = list.sort_page(pending, key);
    let msg = q.msg;
    let mut decided: Vec<ApprovalView> = state
        .store
        .approvals(org, None, 1000)
        .await
        .map_err(fail)?
        .into_iter()
        .filter(|v| v.status != "pending")
        .collect();
    decided.reverse();
    decided.truncate(25);
    let settings = state.store.settings(org).await.map_err(fail)?;
    Ok(ApprovalsPage {
        ctx: Some(ctx),
        pending,
        list,
        decided,
        limit: money(&settings.writeoff_approval_limit, &settings.currency),
        refund_limit: money(&settings.refund_approval_limit, &settings.currency),
        msg,
        error,
    })
}

pub async fn approvals(State(state): State<AppState>, ctx: Ctx, Query(q): Query<ApprovalsQuery>) -> Response {
    match approvals_page(&state, &ctx, q, String::new()).await {
        Ok(page) => render(&page).into_response(),
        Err(response) => response,
    }
}

pub(super) async fn decide(state: AppState, ctx: Ctx, id: i64, form: FormData, approve: bool) -> Response {
    match state.store.decide_approval(&ctx.principal.org, id, approve, &form.get("note")).await {
        Ok(v) => {
            let msg = if approve {
                format!(
                    "Approved: {} of {} posted to {} ({}).",
                    v.reason.replace('_', " "),
                    money(&v.amount, &v.currency),
                    v.reference,
                    v.name
                )
            } else {
                format!("Rejected: nothing was posted to {} ({}).", v.reference, v.name)
            };
            Redirect::to(&format!("/approvals?msg={}", encode(&msg))).into_response()
        }
        Err(StoreError::Invalid { message, .. }) => match approvals_page(&state, &ctx, ApprovalsQuery::default(), crate::web::sentence(&message)).await {
            Ok(page) => (StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response(),
            Err(response) => response,
        },
        Err(error) => store_error_page(Some(&ctx), error),
    }
}

pub async fn approve(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>, form: FormData) -> Response {
    decide(state, ctx, id, form, true).await
}

pub async fn reject(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>, form: FormData) -> Response {
    decide(state, ctx, id, form, false).await
}
