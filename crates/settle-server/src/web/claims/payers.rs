//! Claims setup: payers, providers, patients' coverages and the guarantor.

use crate::web::claims::MsgQuery;
use crate::web::{encode, render, store_error_page, Ctx, Errors, FormData};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use settle_domain::Date;
use settle_store::claims::{PayerView, ProviderView};

#[derive(Template)]
#[template(path = "claims_setup.html")]
pub(super) struct SetupPage<'a> {
    ctx: Option<&'a Ctx>,
    payers: Vec<PayerView>,
    providers: Vec<ProviderView>,
    rules: Option<settle_store::claims::PayerRules>,
    msg: String,
    errors: Errors,
    form: FormData,
}

pub(super) async fn setup_page(state: &AppState, ctx: &Ctx, msg: String, errors: Errors, form: FormData) -> Response {
    let org = &ctx.principal.org;
    let (payers, providers) = match (state.store.payers(org).await, state.store.providers(org).await) {
        (Ok(p), Ok(v)) => (p, v),
        (Err(e), _) | (_, Err(e)) => return store_error_page(Some(ctx), e),
    };
    // The rules name procedure and diagnosis codes: shown only to those
    // who may read clinical codes (minimum necessary).
    let mut rules = None;
    if ctx.can_see_clinical() {
        match state.store.payer_rules(org).await {
            Ok(r) => rules = Some(r),
            Err(e) => return store_error_page(Some(ctx), e),
        }
    }
    // A refused file is shown again as it was typed, to be fixed.
    if let Some(rules) = rules.as_mut().filter(|_| errors.has("csv")) {
        rules.csv = form.get("csv");
    }
    let status = if errors.any() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    (
        status,
        render(&SetupPage {
            ctx: Some(ctx),
            payers,
            providers,
            rules,
            msg,
            errors,
            form,
        }),
    )
        .into_response()
}

pub async fn setup(State(state): State<AppState>, ctx: Ctx, Query(q): Query<MsgQuery>) -> Response {
    setup_page(&state, &ctx, q.msg, Errors::default(), FormData(Vec::new())).await
}

pub async fn add_payer(State(state): State<AppState>, ctx: Ctx, form: FormData) -> Response {
    let days = form.get("timely_filing_days");
    let mut errors = Errors::default();
    let timely_filing_days = days.trim().parse::<u32>().unwrap_or_else(|_| {
        errors.add("timely_filing_days", "Give the payer's timely filing limit in days, such as 90 or 365.");
        0
    });
    let appeal = form.get("appeal_days");
    let appeal_days = if appeal.trim().is_empty() {
        None
    } else {
        Some(appeal.trim().parse::<u32>().unwrap_or_else(|_| {
            errors.add(
                "appeal_days",
                "Give the payer's appeal window in days, such as 120 or 180, or leave it empty for 180.",
            );
            0
        }))
    };
    let corrected = form.get("corrected_claim_days");
    let corrected_claim_days = if corrected.trim().is_empty() {
        None
    } else {
        Some(corrected.trim().parse::<u32>().unwrap_or_else(|_| {
            errors.add(
                "corrected_claim_days",
                "Give the days after the payer's decision within which it takes a corrected claim, such as 90, or leave it empty for the filing limit.",
            );
            0
        }))
    };
    if !errors.any() {
        let cmd = settle_store::claims::NewPayer {
            payer_code: form.get("payer_code"),
            name: form.get("name"),
            filing_indicator: form.get("filing_indicator"),
            timely_filing_days,
            appeal_days,
            corrected_claim_days,
            address: form.address().unwrap_or_default(),
        };
        match state.store.add_payer(&ctx.principal.org, &cmd).await {
            Ok(p) => return Redirect::to(&format!("/claims/setup?msg={}", encode(&format!("Payer {} ({}) added.", p.name, p.payer_code)))).into_response(),
            Err(e) => match Errors::from_store(
                e,
                &[
                    ("payer_code", "payer_code"),
                    ("name", "name"),
                    ("filing_indicator", "filing_indicator"),
                    ("timely_filing_days", "timely_filing_days"),
                    ("appeal_days", "appeal_days"),
                    ("corrected_claim_days", "corrected_claim_days"),
                    ("address", "address"),
                ],
            ) {
                Ok(e) => errors = e,
                Err(e) => return store_error_page(Some(&ctx), e),
            },
        }
    }
    setup_page(&state, &ctx, String::new(), errors, form).await
}

/// Replaces the organisation's own payer rules with the CSV typed or
/// pasted in, all or nothing.
pub async fn set_payer_rules(State(state): State<AppState>, ctx: Ctx, form: FormData) -> Response {
    let cmd = settle_store::claims::ReplacePayerRules { csv: form.get("csv") };
    let errors = match state.store.replace_payer_rules(&ctx.principal.org, &cmd).await {
        Ok(n) => {
            let msg = format!("{n} payer rule(s) of your own now apply; claims are checked against them when next scrubbed.");
            return Redirect::to(&format!("/claims/setup?msg={}#payer-rules", encode(&msg))).into_response();
        }
        Err(e) => match Errors::from_store(e, &[("csv", "csv")]) {
            Ok(e) => e,
            Err(e) => return store_error_page(Some(&ctx), e),
        },
    };
    setup_page(&state, &ctx, String::new(), errors, form).await
}

pub async fn add_provider(State(state): State<AppState>, ctx: Ctx, form: FormData) -> Response {
    let cmd = settle_store::claims::NewProvider {
        npi: form.get("npi"),
        name: form.get("provider_name"),
        kind: form.get("kind"),
        taxonomy: form.get("taxonomy"),
        tax_id: form.get("tax_id"),
        address: form.address().unwrap_or_default(),
        pay_to: form.get("pay_to").into(),
    };
    match state.store.add_provider(&ctx.principal.org, &cmd).await {
        Ok(p) => Redirect::to(&format!("/claims/setup?msg={}", encode(&format!("Provider {} (NPI {}) added.", p.name, p.npi)))).into_response(),
        Err(e) => match Errors::from_store(
            e,
            &[
                ("npi", "npi"),
                ("name", "provider_name"),
                ("kind", "kind"),
                ("taxonomy", "taxonomy"),
                ("tax_id", "tax_id"),
                ("address", "provider_address"),
                ("pay_to", "pay_to"),
            ],
        ) {
            Ok(errors) => setup_page(&state, &ctx, String::new(), errors, form).await,
            Err(e) => store_error_page(Some(&ctx), e),
        },
    }
}

/// Sets or clears a billing provider's pay-to address.
pub async fn set_pay_to(State(state): State<AppState>, ctx: Ctx, form: FormData) -> Response {
    let cmd = settle_store::claims::SetPayTo {
        pay_to: form.get("new_pay_to").into(),
    };
    match state.store.set_provider_pay_to(&ctx.principal.org, &form.get("pay_to_npi"), &cmd).await {
        Ok(p) => {
            let msg = if p.pay_to.is_empty() {
                format!("{} is paid at its own address.", p.name)
            } else {
                format!("{} is paid at {}.", p.name, p.pay_to)
            };
            Redirect::to(&format!("/claims/setup?msg={}#providers", encode(&msg))).into_response()
        }
        Err(e) => match Errors::from_store(e, &[("npi", "pay_to_npi"), ("pay_to", "new_pay_to")]) {
            Ok(errors) => setup_page(&state, &ctx, String::new(), errors, form).await,
            Err(e) => store_error_page(Some(&ctx), e),
        },
    }
}

/// Adds a coverage from the account page.
pub async fn add_coverage(State(state): State<AppState>, ctx: Ctx, Path(number): Path<String>, form: FormData) -> Response {
    let back = |msg: &str| Redirect::to(&format!("/accounts/{}?msg={}#insurance-h", encode(&number), encode(msg))).into_response();
    let from = match form.get("effective_from").parse::<Date>() {
        Ok(d) => d,
        Err(_) => return back("The coverage needs the date it starts (YYYY-MM-DD); nothing was added."),
    };
    let to = match form.get("effective_to") {
        t if t.trim().is_empty() => None,
        t => match t.parse::<Date>() {
            Ok(d) => Some(d),
            Err(_) => return back("The end date is not a date (YYYY-MM-DD); nothing was added."),
        },
    };
    let cmd = settle_store::claims::NewCoverage {
        account_number: number.clone(),
        payer_code: form.get("payer_code"),
        member_id: form.get("member_id"),
        group_number: form.get("group_number"),
        subscriber_name: form.get("subscriber_name"),
        subscriber_name_parts: form.name_parts(),
        relationship: form.get("relationship"),
        priority: form.get("priority"),
        effective_from: from,
        effective_to: to,
    };
    match state.store.add_coverage(&ctx.principal.org, &cmd).await {
        Ok(c) => {
            let mut priority = c.priority.clone();
            if let Some(first) = priority.get_mut(0..1) {
                first.make_ascii_uppercase();
            }
            back(&format!("{priority} coverage with {} added.", c.payer_name))
        }
        Err(e) => back(&format!("Nothing was added: {}", crate::web::sentence(&e.to_string()))),
    }
}

/// Sets the guarantor from the account page.
pub async fn set_guarantor(State(state): State<AppState>, ctx: Ctx, Path(number): Path<String>, form: FormData) -> Response {
    let opt = |name: &str| Some(form.get(name)).filter(|v| !v.trim().is_empty());
    let cmd = settle_store::claims::SetGuarantor {
        account_number: number.clone(),
        relationship: form.get("relationship"),
        name: form.get("name"),
        name_parts: form.name_parts(),
        phone: opt("phone"),
        email: opt("email"),
        address: form.address(),
    };
    let msg = match state.store.set_guarantor(&ctx.principal.org, &cmd).await {
        Ok(Some(g)) => format!("{} ({}) now answers for this account.", g.name, g.relationship),
        Ok(None) => "The patient answers for this account again.".to_string(),
        Err(e) => format!("Nothing was changed: {}", crate::web::sentence(&e.to_string())),
    };
    Redirect::to(&format!("/accounts/{}?msg={}#insurance-h", encode(&number), encode(&msg))).into_response()
}
