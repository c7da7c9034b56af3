//! The ACH page: return rates against Nacha's thresholds, the day's run,
//! the bank's return file (chosen or pasted; all or nothing, each problem
//! named by line), mandates (taken, revoked), debits (scheduled one at a
//! time or a plan's installments), files sent and received (downloaded),
//! and the originating bank accounts. The same store calls as the API and
//! the CLI; bank account numbers only by their last four digits.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use settle_store::money_in::{
    AchFileView, AchVerify, AutopayPlan, DebitView, MandateView, NewDebit, NewMandate, NewOriginator, OriginatorView, ReturnRateView, ReturnsApplied,
};

use crate::web::{encode, render, store_error_page, today, Ctx, Errors, FormData};
use crate::AppState;

#[derive(Template)]
#[template(path = "ach.html")]
struct AchPage<'a> {
    ctx: Option<&'a Ctx>,
    originators: Vec<OriginatorView>,
    rates: Vec<ReturnRateView>,
    mandates: Vec<MandateView>,
    debits: Vec<DebitView>,
    files: Vec<AchFileView>,
    replay: AchVerify,
    applied: Option<ReturnsApplied>,
    msg: String,
    errors: Errors,
    form: FormData,
    /// Which form the errors belong to.
    failed: &'static str,
}

#[derive(serde::Deserialize, Default)]
pub struct AchQuery {
    #[serde(default)]
    msg: String,
}

async fn page(state: &AppState, ctx: &Ctx, msg: String, errors: Errors, form: FormData, failed: &'static str, applied: Option<ReturnsApplied>) -> Response {
    let org = &ctx.principal.org;
    let loaded = async {
        Ok::<_, settle_store::StoreError>((
            state.store.ach_originators(org).await?,
            state.store.ach_return_rates(org, today()).await?,
            state.store.mandates(org, None).await?,
            state.store.ach_debits(org, None, None, 100).await?,
            state.store.ach_files(org, 30).await?,
            state.store.ach_verify(org).await?,
        ))
    };
    let (originators, rates, mandates, debits, files, replay) = match loaded.await {
        Ok(all) => all,
        Err(e) => return store_error_page(Some(ctx), e),
    };
    let status = if errors.any() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let page = AchPage {
        ctx: Some(ctx),
        originators,
        rates,
        mandates,
        debits,
        files,
        replay,
        applied,
        msg,
        errors,
        form,
        failed,
    };
    (status, render(&page)).into_response()
}

pub async fn ach(State(state): State<AppState>, ctx: Ctx, Query(q): Query<AchQuery>) -> Response {
    page(&state, &ctx, q.msg, Errors::default(), FormData::default(), "", None).await
}

fn done(msg: &str) -> Response {
    Redirect::to(&format!("/ach?msg={}", encode(msg))).into_response()
}

/// A store refusal shown beside the form that caused it.
async fn refused(state: &AppState, ctx: &Ctx, e: settle_store::StoreError, form: FormData, failed: &'static str, fields: &[(&str, &str)]) -> Response {
    match Errors::from_store(e, fields) {
        Ok(errors) => page(state, ctx, String::new(), errors, form, failed, None).await,
        Err(e) => store_error_page(Some(ctx), e),
    }
}

fn date_field(form: &FormData, name: &'static str, errors: &mut Errors) -> Option<settle_domain::Date> {
    match form.get(name).parse() {
        Ok(d) => Some(d),
        Err(_) => {
            errors.add(name, "Give the date as YYYY-MM-DD.");
            None
        }
    }
}

fn id_field(form: &FormData, name: &'static str, errors: &mut Errors) -> Option<i64> {
    match form.get(name).trim_start_matches('#').parse() {
        Ok(n) => Some(n),
        Err(_) => {
            errors.add(name, "Give its number.");
            None
        }
    }
}

pub async fn add_originator(State(state): State<AppState>, ctx: Ctx, form: FormData) -> Response {
    let cmd = NewOriginator {
        name: form.get("name"),
        odfi: form.get("odfi"),
        odfi_name: form.get("odfi_name"),
        company_id: form.get("company_id"),
        company_name: form.get("company_name"),
        return_fee: Some(form.get("return_fee")),
    };
    match state.store.add_ach_originator(&ctx.principal.org, &cmd).await {
        Ok(o) => done(&format!("Originating account {} is set up: debits go out through {}.", o.name, o.odfi_name)),
        Err(e) => {
            let fields = [
                ("name", "name"),
                ("odfi", "odfi"),
                ("odfi_name", "odfi_name"),
                ("company_id", "company_id"),
                ("company_name", "company_name"),
                ("return_fee", "return_fee"),
            ];
            refused(&state, &ctx, e, form, "originator", &fields).await
        }
    }
}

pub async fn add_mandate(State(state): State<AppState>, ctx: Ctx, form: FormData) -> Response {
    let mut errors = Errors::default();
    let authorized_on = date_field(&form, "authorized_on", &mut errors);
    let Some(authorized_on) = authorized_on.filter(|_| !errors.any()) else {
        return page(&state, &ctx, String::new(), errors, form, "mandate", None).await;
    };
    let cmd = NewMandate {
        account_number: form.get("account_number"),
        originator: Some(form.get("originator")).filter(|o| !o.is_empty()),
        holder_name: form.get("holder_name"),
        routing: form.get("routing"),
        bank_account: form.get("bank_account"),
        account_kind: form.get("account_kind"),
        channel: form.get("channel"),
        authorization_text: form.get("authorization_text"),
        authorized_on,
        prenote: form.get("prenote") == "on",
    };
    match state.store.add_mandate(&ctx.principal.org, &cmd, today()).await {
        Ok(m) => done(&format!(
            "Mandate {} for {} is {} ({} to {}).",
            m.mandate_id,
            m.account_number,
            crate::web::words(&m.status),
            m.sec,
            m.bank_account
        )),
        Err(e) => {
            let fields = [
                ("account_number", "account_number"),
                ("originator", "originator"),
                ("holder_name", "holder_name"),
                ("routing", "routing"),
                ("bank_account", "bank_account"),
                ("account_kind", "account_kind"),
                ("channel", "channel"),
                ("authorization_text", "authorization_text"),
                ("authorized_on", "authorized_on"),
                ("account", "account_number"),
            ];
            refused(&state, &ctx, e, form, "mandate", &fields).await
        }
    }
}

pub async fn revoke_mandate(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>, form: FormData) -> Response {
    match state.store.revoke_mandate(&ctx.principal.org, id, &form.get("reason"), today()).await {
        Ok(m) => done(&format!(
            "Mandate {} for {} is revoked; its scheduled debits are cancelled.",
            m.mandate_id, m.account_number
        )),
        Err(e) => refused(&state, &ctx, e, form, "revoke", &[("reason", "reason")]).await,
    }
}

pub async fn schedule_debit(State(state): State<AppState>, ctx: Ctx, form: FormData) -> Response {
    let mut errors = Errors::default();
    let mandate = id_field(&form, "mandate_id", &mut errors);
    let due = date_field(&form, "due_on", &mut errors);
    let (Some(mandate_id), Some(due_on)) = (mandate, due) else {
        return page(&state, &ctx, String::new(), errors, form, "debit", None).await;
    };
    let cmd = NewDebit {
        mandate_id,
        amount: form.get("amount"),
        due_on,
        note: form.get("note"),
    };
    match state.store.schedule_debit(&ctx.principal.org, &cmd, today()).await {
        Ok(d) => done(&format!(
            "Debit {} of {} from {} is scheduled for {}.",
            d.debit_id, d.amount, d.account_number, d.due_on
        )),
        Err(e) => {
            refused(
                &state,
                &ctx,
                e,
                form,
                "debit",
                &[("mandate_id", "mandate_id"), ("amount", "amount"), ("due_on", "due_on"), ("note", "note")],
            )
            .await
        }
    }
}

pub async fn autopay(State(state): State<AppState>, ctx: Ctx, form: FormData) -> Response {
    let mut errors = Errors::default();
    let plan = id_field(&form, "plan_id", &mut errors);
    let mandate = id_field(&form, "autopay_mandate", &mut errors);
    let (Some(plan_id), Some(mandate_id)) = (plan, mandate) else {
        return page(&state, &ctx, String::new(), errors, form, "autopay", None).await;
    };
    match state
        .store
        .autopay_plan(&ctx.principal.org, &AutopayPlan { plan_id, mandate_id }, today())
        .await
    {
        Ok(debits) => done(&format!("Plan {plan_id} pays itself: {} installments scheduled by ACH.", debits.len())),
        Err(e) => refused(&state, &ctx, e, form, "autopay", &[("plan_id", "plan_id"), ("mandate_id", "autopay_mandate")]).await,
    }
}

pub async fn run(State(state): State<AppState>, ctx: Ctx, form: FormData) -> Response {
    let day = match form.get("as_of").as_str() {
        "" => today(),
        text => match text.parse() {
            Ok(d) => d,
            Err(_) => {
                let mut errors = Errors::default();
                errors.add("as_of", "Give the date as YYYY-MM-DD.");
                return page(&state, &ctx, String::new(), errors, form, "run", None).await;
            }
        },
    };
    match state.store.ach_run(&ctx.principal.org, day, 1700).await {
        Ok(r) => {
            let files = r
                .files
                .iter()
                .map(|f| format!("file {} ({} entries)", f.file_id, f.entries))
                .collect::<Vec<_>>();
            done(&format!(
                "The run for {} sent {} debits and {} prenotes effective {}{}; {} settled; {} wait on their mandate{}.",
                r.as_of,
                r.debits_sent,
                r.prenotes_sent,
                r.effective_on,
                if files.is_empty() {
                    String::new()
                } else {
                    format!(" in {}", files.join(", "))
                },
                r.settled,
                r.waiting,
                if r.cancelled.is_empty() {
                    String::new()
                } else {
                    format!("; not sent: {}", r.cancelled.join("; "))
                }
            ))
        }
        Err(e) => refused(&state, &ctx, e, form, "run", &[("as_of", "as_of")]).await,
    }
}

pub async fn returns(State(state): State<AppState>, ctx: Ctx, form: FormData) -> Response {
    let text = form.0.iter().find(|(k, _)| k == "body").map(|(_, v)| v.clone()).unwrap_or_default();
    if text.trim().is_empty() {
        let mut errors = Errors::default();
        errors.add("body", "Choose the bank's return file or paste its text.");
        return page(&state, &ctx, String::new(), errors, form, "returns", None).await;
    }
    match state.store.apply_ach_returns(&ctx.principal.org, &text, today()).await {
        Ok(applied) => {
            let msg = format!(
                "The bank's file is applied as ACH file {}: {} returns, {} changes.",
                applied.file_id,
                applied.returns.len(),
                applied.changes.len()
            );
            page(&state, &ctx, msg, Errors::default(), FormData::default(), "", Some(applied)).await
        }
        Err(e) => refused(&state, &ctx, e, form, "returns", &[("file", "body")]).await,
    }
}

/// A file as the bank got it (or sent it); reading it is audited.
pub async fn file(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Response {
    match state.store.ach_file_content(&ctx.principal.org, id).await {
        Ok((view, text)) => (
            [
                (header::CONTENT_TYPE, "text/plain; charset=utf-8".to_string()),
                (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{}\"", view.file_name)),
            ],
            text,
        )
            .into_response(),
        Err(e) => store_error_page(Some(&ctx), e),
    }
}
