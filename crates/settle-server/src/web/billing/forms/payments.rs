//! Payments posted from the pages, with the allocation previewed before it
//! is posted (oldest due first, or to the items named).

use crate::web::billing::forms::back_to_account;
use crate::web::billing::forms::date_field;
use crate::web::billing::forms::invoices::account_or_page;
use crate::web::billing::forms::refused;
use crate::web::{money, render, sentence, today, Ctx, Errors, FormData};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use settle_domain::allocation::{allocate, AllocationPlan, AllocationTarget, OpenItem};
use settle_domain::money::{Currency, Money};
use settle_store::billing::{AccountDetail, ApplyTo, ItemView, NewPayment, PAYMENT_METHODS};

#[derive(Clone)]
pub struct PlanRow {
    pub reference: String,
    pub description: String,
    pub due_date: String,
    pub balance: String,
    pub apply: String,
}

#[derive(Template)]
#[template(path = "payment_form.html")]
pub(super) struct PaymentForm<'a> {
    ctx: Option<&'a Ctx>,
    a: AccountDetail,
    amount: String,
    method: String,
    reference: String,
    received_on: String,
    methods: &'static [&'static str],
    plan: Vec<PlanRow>,
    left_over: String,
    currency: String,
    error: String,
    errors: Errors,
    /// The clerk set the amounts by hand ("As I set below").
    manual: bool,
}

#[derive(Template)]
#[template(path = "payment_plan.html")]
pub(super) struct PaymentPlan {
    currency: String,
    plan: Vec<PlanRow>,
    left_over: String,
    error: String,
}

pub(super) fn open_items(a: &AccountDetail) -> Vec<&ItemView> {
    let mut items: Vec<&ItemView> = a.items.iter().filter(|i| i.status == "open" && i.balance != "0.00").collect();
    items.sort_by(|x, y| x.due_date.cmp(&y.due_date));
    items
}

/// Oldest due first: the domain's own rule, the one the store applies
/// when not told otherwise, so the preview is what will post.
pub(super) fn plan(a: &AccountDetail, amount: &str) -> Result<(Vec<PlanRow>, String), String> {
    let cur = Currency::from_code(&a.summary.currency).map_err(|e| e.to_string())?;
    let total = if amount.trim().is_empty() {
        0
    } else {
        Money::parse(&amount.replace([',', '$'], ""), cur)
            .map_err(|e| format!("The amount {e}."))?
            .amount_minor()
    };
    let items = open_items(a);
    // Positions stand in for item ids: the account page lists items by due
    // date and id, so they tie-break as the store's ids do.
    let open: Vec<OpenItem> = items
        .iter()
        .enumerate()
        .map(|(position, item)| OpenItem {
            item_id: position as i64,
            due_date: item.due_date.parse().unwrap_or_default(),
            issue_date: item.issue_date.parse().unwrap_or_default(),
            balance_minor: Money::parse(&item.balance, cur).map(|m| m.amount_minor()).unwrap_or(0),
        })
        .collect();
    let allocation = if total > 0 {
        allocate(total, &open, &AllocationTarget::OldestFirst).map_err(|e| sentence(&e.to_string()))?
    } else {
        AllocationPlan::default()
    };
    let rows = items
        .iter()
        .enumerate()
        .map(|(position, item)| {
            let apply = allocation
                .allocations
                .iter()
                .find(|(id, _)| *id == position as i64)
                .map_or(0, |(_, minor)| *minor);
            PlanRow {
                reference: item.reference.clone(),
                description: item.description.clone(),
                due_date: item.due_date.clone(),
                balance: item.balance.clone(),
                apply: if apply > 0 {
                    Money::from_minor(apply, cur).to_decimal_string()
                } else {
                    String::new()
                },
            }
        })
        .collect();
    Ok((rows, Money::from_minor(allocation.unapplied_minor.max(0), cur).to_decimal_string()))
}

#[derive(Deserialize, Default)]
pub struct PreviewQuery {
    #[serde(default)]
    amount: String,
}

pub async fn new_payment(State(state): State<AppState>, ctx: Ctx, Path(number): Path<String>) -> Response {
    let a = match account_or_page(&state, &ctx, &number).await {
        Ok(a) => a,
        Err(response) => return response,
    };
    let (plan, left_over) = plan(&a, "").unwrap_or_default();
    render(&PaymentForm {
        ctx: Some(&ctx),
        currency: a.summary.currency.clone(),
        a,
        amount: String::new(),
        method: "check".into(),
        reference: String::new(),
        received_on: today().to_string(),
        methods: PAYMENT_METHODS,
        plan,
        left_over,
        error: String::new(),
        errors: Errors::default(),
        manual: false,
    })
    .into_response()
}

/// The allocation the amount typed would make, for the user to keep or change.
pub async fn payment_preview(State(state): State<AppState>, ctx: Ctx, Path(number): Path<String>, Query(q): Query<PreviewQuery>) -> Response {
    let a = match account_or_page(&state, &ctx, &number).await {
        Ok(a) => a,
        Err(response) => return response,
    };
    let (rows, left_over, error) = match plan(&a, &q.amount) {
        Ok((rows, left)) => (rows, left, String::new()),
        Err(error) => (plan(&a, "").map(|p| p.0).unwrap_or_default(), String::new(), error),
    };
    render(&PaymentPlan {
        currency: a.summary.currency.clone(),
        plan: rows,
        left_over,
        error,
    })
    .into_response()
}

pub async fn post_payment(State(state): State<AppState>, ctx: Ctx, Path(number): Path<String>, form: FormData) -> Response {
    let a = match account_or_page(&state, &ctx, &number).await {
        Ok(a) => a,
        Err(response) => return response,
    };
    let mut errors = Errors::default();
    let received_on = date_field(&form, "received_on", &mut errors);
    let amount = form.get("amount").replace([',', '$'], "");
    if amount.is_empty() {
        errors.add("amount", "Enter the amount received.");
    }
    let refs = form.all("apply_reference");
    let amounts = form.all("apply_amount");
    let overridden = form.get("allocation") == "manual";
    let apply_to: Vec<ApplyTo> = if overridden {
        refs.iter()
            .zip(amounts.iter())
            .filter(|(_, amount)| !amount.is_empty())
            .map(|(reference, amount)| ApplyTo {
                reference: reference.clone(),
                amount: Some(amount.replace([',', '$'], "")),
            })
            .collect()
    } else {
        Vec::new()
    };
    if !errors.any() {
        let cmd = NewPayment {
            account_number: a.summary.account_number.clone(),
            amount: amount.clone(),
            method: form.get("method"),
            reference: form.get("reference"),
            received_on,
            apply_to,
        };
        match state.store.post_payment(&ctx.principal.org, &cmd, None).await {
            Ok(posted) => {
                let cur = &a.summary.currency;
                let applied: Vec<String> = posted.applied.iter().map(|x| format!("{} {}", x.reference, money(&x.amount, cur))).collect();
                let mut msg = format!("Payment {} of {} posted", posted.payment_id, money(&posted.amount, cur));
                if !applied.is_empty() {
                    msg.push_str(&format!(": applied to {}", applied.join(", ")));
                }
                if posted.unapplied != "0.00" {
                    msg.push_str(&format!("; {} kept as credit", money(&posted.unapplied, cur)));
                }
                msg.push('.');
                return back_to_account(&a.summary.account_number, &msg);
            }
            Err(error) => match refused(
                &ctx,
                error,
                &[
                    ("amount", "amount"),
                    ("method", "method"),
                    ("reference", "reference"),
                    ("apply_to", "allocation"),
                    ("received_on", "received_on"),
                ],
            ) {
                Ok(e) => errors = e,
                Err(response) => return response,
            },
        }
    }
    let (mut rows, left_over) = plan(&a, &amount).unwrap_or_default();
    if overridden {
        for row in &mut rows {
            row.apply = refs
                .iter()
                .position(|r| *r == row.reference)
                .and_then(|i| amounts.get(i).cloned())
                .unwrap_or_default();
        }
    }
    let page = PaymentForm {
        ctx: Some(&ctx),
        currency: a.summary.currency.clone(),
        error: String::new(),
        a,
        amount: form.get("amount"),
        method: form.get("method"),
        reference: form.get("reference"),
        received_on: form.get("received_on"),
        methods: PAYMENT_METHODS,
        plan: rows,
        left_over,
        errors,
        manual: overridden,
    };
    (StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response()
}

// ---------------------------------------------------------------------------
// Adjustments, held above the approval limit.
