//! Small balances written off in bulk: the open items at or under an
//! amount across every account, chosen by the boxes beside them (or all at
//! once), written off together in one transaction with one reason, memo
//! and date; those above the approval limit are held, the rest post, and a
//! refusal of any one writes nothing and names it.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use settle_domain::events::AdjustmentReason;
use settle_domain::money::{Currency, Money};
use settle_store::billing::{AdjustmentOutcome, NewAdjustment, SmallBalance};

use super::date_field;
use crate::web::{encode, render, store_error_page, today, Ctx, Errors, FormData};
use crate::AppState;

/// Rows on the page (and the most one form writes off).
const SHOWN: i64 = 500;

#[derive(Deserialize, Default)]
pub struct SmallQuery {
    #[serde(default)]
    under: String,
    #[serde(default)]
    msg: String,
}

#[derive(Template)]
#[template(path = "small_balances.html")]
struct SmallBalancesPage<'a> {
    ctx: Option<&'a Ctx>,
    under: String,
    currency: String,
    items: Vec<SmallBalance>,
    shown_total: String,
    reasons: Vec<(&'static str, String)>,
    reason: String,
    memo: String,
    date: String,
    msg: String,
    errors: Errors,
    /// The references chosen when a refused form comes back.
    chosen: Vec<String>,
}

fn reasons() -> Vec<(&'static str, String)> {
    [
        AdjustmentReason::SmallBalanceWriteOff,
        AdjustmentReason::BadDebtWriteOff,
        AdjustmentReason::Charity,
        AdjustmentReason::CourtesyDiscount,
    ]
    .iter()
    .map(|r| (r.as_str(), crate::web::words(r.as_str())))
    .collect()
}

fn currency_of(ctx: &Ctx) -> Currency {
    Currency::from_code(&ctx.principal.org.base_currency).unwrap_or(Currency::USD)
}

#[allow(clippy::result_large_err)]
fn read_under(ctx: &Ctx, text: &str) -> Result<Money, String> {
    let cur = currency_of(ctx);
    let text = text.trim().replace([',', '$'], "");
    let text = if text.is_empty() { "5.00".to_string() } else { text };
    match Money::parse(&text, cur) {
        Ok(m) if m.amount_minor() > 0 => Ok(m),
        _ => Err(format!("“{text}” is not an amount above zero; write it like 5.00.")),
    }
}

async fn page_for<'a>(state: &AppState, ctx: &'a Ctx, under: Money, msg: String) -> Result<SmallBalancesPage<'a>, Response> {
    let items = state
        .store
        .small_balances(&ctx.principal.org, under, SHOWN)
        .await
        .map_err(|e| store_error_page(Some(ctx), e))?;
    let cur = under.currency();
    let total: i64 = items.iter().filter_map(|i| Money::parse(&i.balance, cur).ok()).map(|m| m.amount_minor()).sum();
    Ok(SmallBalancesPage {
        ctx: Some(ctx),
        under: under.to_decimal_string(),
        currency: cur.code().to_string(),
        shown_total: crate::web::money_minor(total, cur.code()),
        items,
        reasons: reasons(),
        reason: AdjustmentReason::SmallBalanceWriteOff.as_str().into(),
        memo: String::new(),
        date: today().to_string(),
        msg,
        errors: Errors::default(),
        chosen: Vec::new(),
    })
}

pub async fn small_balances(State(state): State<AppState>, ctx: Ctx, Query(q): Query<SmallQuery>) -> Response {
    let under = match read_under(&ctx, &q.under) {
        Ok(m) => m,
        Err(message) => return crate::web::error_page(Some(&ctx), StatusCode::BAD_REQUEST, "That amount cannot be read", &message),
    };
    match page_for(&state, &ctx, under, q.msg).await {
        Ok(page) => render(&page).into_response(),
        Err(r) => r,
    }
}

pub async fn write_off(State(state): State<AppState>, ctx: Ctx, form: FormData) -> Response {
    let under = match read_under(&ctx, &form.get("under")) {
        Ok(m) => m,
        Err(message) => return crate::web::error_page(Some(&ctx), StatusCode::BAD_REQUEST, "That amount cannot be read", &message),
    };
    let mut errors = Errors::default();
    let date = date_field(&form, "date", &mut errors);
    let (reason, memo) = (form.get("reason"), form.get("memo"));
    // Each box carries its item and the balance it showed: if a payment
    // came in since, the amount is more than the balance and it is refused.
    let chosen = form.all("item");
    let cmds: Vec<NewAdjustment> = chosen
        .iter()
        .filter_map(|v| v.split_once('|'))
        .map(|(reference, amount)| NewAdjustment {
            reference: reference.to_string(),
            reason: reason.clone(),
            amount: amount.to_string(),
            date,
            memo: memo.clone(),
        })
        .collect();
    if !errors.any() {
        match state.store.submit_adjustments(&ctx.principal.org, &cmds).await {
            Ok(outcomes) => {
                let cur = under.currency();
                let (mut posted, mut held, mut total) = (0, 0, 0i64);
                for o in &outcomes {
                    match o {
                        AdjustmentOutcome::Posted(p) => {
                            posted += 1;
                            total += Money::parse(&p.amount, cur).map(|m| m.amount_minor()).unwrap_or(0);
                        }
                        AdjustmentOutcome::Held(_) => held += 1,
                    }
                }
                let mut msg = format!(
                    "Wrote off {posted} item{} ({}).",
                    if posted == 1 { "" } else { "s" },
                    crate::web::money_minor(total, cur.code())
                );
                if held > 0 {
                    msg.push_str(&format!(" {held} above the approval limit wait for a coordinator."));
                }
                return Redirect::to(&format!("/write-offs/small-balances?under={}&msg={}", under.to_decimal_string(), encode(&msg))).into_response();
            }
            Err(error) => match super::refused(
                &ctx,
                error,
                &[("adjustments", "form"), ("reason", "reason"), ("memo", "memo"), ("date", "date")],
            ) {
                Ok(e) => errors = e,
                Err(response) => return response,
            },
        }
    }
    let mut page = match page_for(&state, &ctx, under, String::new()).await {
        Ok(page) => page,
        Err(r) => return r,
    };
    page.errors = errors;
    page.reason = reason;
    page.memo = memo;
    page.date = form.get("date");
    page.chosen = chosen.iter().filter_map(|v| v.split_once('|')).map(|(r, _)| r.to_string()).collect();
    (StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response()
}
