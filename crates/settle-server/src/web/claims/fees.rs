//! Fee schedules from the pages: the charge master's prices and each
//! payer's allowed amounts, shown by schedule, and a CSV file (chosen or
//! pasted) read whole and loaded whole, or refused with every problem by
//! line and column, as `settle fees import` does.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use settle_domain::money::Currency;
use settle_store::claims::{read_fee_csv, FeeEntry, PayerView, CHARGE_MASTER};
use settle_store::csv_file::Problem;

use crate::web::{encode, render, store_error_page, Ctx, FormData};
use crate::AppState;

#[derive(Deserialize, Default)]
pub struct FeesQuery {
    #[serde(default)]
    schedule: String,
    #[serde(default)]
    msg: String,
}

#[derive(Template)]
#[template(path = "claims_fees.html")]
struct FeesPage<'a> {
    ctx: Option<&'a Ctx>,
    schedule: String,
    payers: Vec<PayerView>,
    fees: Vec<FeeEntry>,
    currency: String,
    msg: String,
    problems: Vec<Problem>,
    body: String,
    file_name: String,
}

/// The schedule asked for: the charge master, or a payer's code.
fn schedule_of(text: &str) -> String {
    match text.trim() {
        "" => CHARGE_MASTER.to_string(),
        s if s.eq_ignore_ascii_case(CHARGE_MASTER) => CHARGE_MASTER.to_string(),
        s => s.to_ascii_uppercase(),
    }
}

async fn page<'a>(state: &AppState, ctx: &'a Ctx, schedule: String, msg: String) -> Result<FeesPage<'a>, Response> {
    let org = &ctx.principal.org;
    let payers = state.store.payers(org).await.map_err(|e| store_error_page(Some(ctx), e))?;
    if schedule != CHARGE_MASTER && !payers.iter().any(|p| p.payer_code == schedule) {
        let message = format!("There is no payer {schedule}; a fee schedule is the charge master's or a payer's.");
        return Err(crate::web::error_page(Some(ctx), StatusCode::NOT_FOUND, "No such schedule", &message));
    }
    let fees = state.store.fee_schedule(org, &schedule).await.map_err(|e| store_error_page(Some(ctx), e))?;
    Ok(FeesPage {
        ctx: Some(ctx),
        schedule,
        payers,
        fees,
        currency: org.base_currency.clone(),
        msg,
        problems: Vec::new(),
        body: String::new(),
        file_name: String::new(),
    })
}

pub async fn fees(State(state): State<AppState>, ctx: Ctx, Query(q): Query<FeesQuery>) -> Response {
    match page(&state, &ctx, schedule_of(&q.schedule), q.msg).await {
        Ok(p) => render(&p).into_response(),
        Err(r) => r,
    }
}

pub async fn import(State(state): State<AppState>, ctx: Ctx, form: FormData) -> Response {
    let schedule = schedule_of(&form.get("schedule"));
    // The pasted text is read raw: a CSV's spacing is its own.
    let body = form.0.iter().find(|(k, _)| k == "body").map(|(_, v)| v.clone()).unwrap_or_default();
    let file_name = form.get("file_name");
    let currency = Currency::from_code(&ctx.principal.org.base_currency).unwrap_or(Currency::USD);
    let problems = match read_fee_csv(body.as_bytes(), currency) {
        Ok(entries) => match state.store.import_fee_schedule(&ctx.principal.org, &schedule, &entries).await {
            Ok(count) => {
                let from = if file_name.is_empty() { String::new() } else { format!(" from {file_name}") };
                let msg = format!("Loaded {count} price{} into {}{from}.", if count == 1 { "" } else { "s" }, label(&schedule));
                return Redirect::to(&format!("/claims/fees?schedule={}&msg={}", encode(&schedule), encode(&msg))).into_response();
            }
            Err(settle_store::StoreError::Invalid { field, message }) => vec![Problem {
                line: 0,
                column: field.to_string(),
                reason: message,
            }],
            Err(e) => return store_error_page(Some(&ctx), e),
        },
        Err(problems) => problems,
    };
    let mut p = match page(&state, &ctx, schedule, String::new()).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    p.problems = problems;
    p.body = body;
    p.file_name = file_name;
    (StatusCode::UNPROCESSABLE_ENTITY, render(&p)).into_response()
}

/// "the charge master" or "payer 66783JJT's allowed amounts".
pub fn label(schedule: &str) -> String {
    if schedule == CHARGE_MASTER {
        "the charge master".into()
    } else {
        format!("payer {schedule}'s allowed amounts")
    }
}
