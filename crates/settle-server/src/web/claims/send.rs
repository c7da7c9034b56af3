//! Sending: the ready claims sent as an 837P batch, the files kept,
//! acknowledgments (999, 277CA) read back, eligibility asked (270).

use crate::web::{encode, render, store_error_page, today, Ctx, FormData};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use settle_store::claims::{AckOutcome, ClaimFilter, ClaimSummary, ExportClaims, ExportOutcome, ImportAcknowledgment, X12FileView};

#[derive(Template)]
#[template(path = "claims_send.html")]
pub(super) struct SendPage<'a> {
    ctx: Option<&'a Ctx>,
    ready: Vec<(String, String, usize, String)>,
    files: Vec<X12FileView>,
    outcome: Option<ExportOutcome>,
    error: String,
    phone_missing: bool,
}

pub(super) async fn send_page<'a>(state: &AppState, ctx: &'a Ctx) -> Result<SendPage<'a>, Response> {
    let org = &ctx.principal.org;
    let ready = state
        .store
        .claims(
            org,
            &ClaimFilter {
                status: Some("ready".into()),
                limit: Some(5000),
                ..Default::default()
            },
        )
        .await
        .map_err(|e| store_error_page(Some(ctx), e))?;
    let payers = state.store.payers(org).await.map_err(|e| store_error_page(Some(ctx), e))?;
    let files = state.store.x12_files(org).await.map_err(|e| store_error_page(Some(ctx), e))?;
    let settings = state.store.settings(org).await.map_err(|e| store_error_page(Some(ctx), e))?;
    let mut rows = Vec::new();
    for p in payers {
        let mine: Vec<&ClaimSummary> = ready.iter().filter(|c| c.payer_code == p.payer_code).collect();
        if mine.is_empty() {
            continue;
        }
        let total: i64 = mine
            .iter()
            .filter_map(|c| settle_domain::money::Money::parse(&c.total, settle_domain::money::Currency::USD).ok())
            .map(|m| m.amount_minor())
            .sum();
        rows.push((p.payer_code, p.name, mine.len(), crate::web::money_minor(total, &org.base_currency)));
    }
    Ok(SendPage {
        ctx: Some(ctx),
        ready: rows,
        files,
        outcome: None,
        error: String::new(),
        phone_missing: settings.x12_contact_phone.is_empty(),
    })
}

pub async fn send(State(state): State<AppState>, ctx: Ctx) -> Response {
    match send_page(&state, &ctx).await {
        Ok(page) => render(&page).into_response(),
        Err(r) => r,
    }
}

pub async fn export(State(state): State<AppState>, ctx: Ctx, form: FormData) -> Response {
    let cmd = ExportClaims {
        claims: form.all("claim"),
        payer_code: form.get("payer_code"),
        production: form.get("production") == "1",
    };
    let result = state.store.export_claims(&ctx.principal.org, &cmd, today()).await;
    let mut page = match send_page(&state, &ctx).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    match result {
        Ok(outcome) => {
            page.outcome = Some(outcome);
            render(&page).into_response()
        }
        Err(e) => {
            page.error = crate::web::sentence(&e.to_string());
            (StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response()
        }
    }
}

pub async fn x12_file(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Response {
    match state.store.x12_file_body(&ctx.principal.org, id).await {
        Ok((file, body)) => {
            let _ = state
                .store
                .note_read(ctx.principal.org.org_id, "x12_file.read", &format!("x12_file:{id}"))
                .await;
            let name = format!(
                "{}-{}-{:09}.x12",
                file.kind,
                file.payer_code.unwrap_or_else(|| file.direction.clone()),
                file.interchange_control
            );
            (
                [
                    (header::CONTENT_TYPE, "text/plain; charset=utf-8".to_string()),
                    (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
                ],
                body,
            )
                .into_response()
        }
        Err(e) => store_error_page(Some(&ctx), e),
    }
}

// ------------------------------------------------------------- acknowledgments

#[derive(Template)]
#[template(path = "claims_acks.html")]
pub(super) struct AckPage<'a> {
    ctx: Option<&'a Ctx>,
    outcome: Option<AckOutcome>,
    file_name: String,
    body: String,
    error: String,
}

pub async fn acks(ctx: Ctx) -> Response {
    render(&AckPage {
        ctx: Some(&ctx),
        outcome: None,
        file_name: String::new(),
        body: String::new(),
        error: String::new(),
    })
    .into_response()
}

/// A file chosen or pasted on a form: its name ("pasted" when none) and text.
fn pasted_file(form: &FormData) -> (String, String) {
    let name = Some(form.get("file_name")).filter(|n| !n.trim().is_empty()).unwrap_or_else(|| "pasted".into());
    (name, form.get("body"))
}

pub async fn import_ack(State(state): State<AppState>, ctx: Ctx, form: FormData) -> Response {
    let (file_name, body) = pasted_file(&form);
    let mut page = AckPage {
        ctx: Some(&ctx),
        outcome: None,
        file_name: file_name.clone(),
        body: body.clone(),
        error: String::new(),
    };
    if body.trim().is_empty() {
        page.error = "Choose a 999 or 277CA file, or paste its text.".into();
        return (StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response();
    }
    match state
        .store
        .import_acknowledgment(&ctx.principal.org, &ImportAcknowledgment { file_name, body })
        .await
    {
        Ok(outcome) => {
            page.outcome = Some(outcome);
            page.body.clear();
            render(&page).into_response()
        }
        Err(e) => {
            page.error = crate::web::sentence(&e.to_string());
            (StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response()
        }
    }
}

/// Writes a 270 for one of the patient's coverages; the page links the file.
pub async fn ask_eligibility(State(state): State<AppState>, ctx: Ctx, Path(number): Path<String>, form: FormData) -> Response {
    let cmd = settle_store::claims::AskEligibility {
        account_number: number.clone(),
        payer_code: form.get("payer_code"),
        service_date: None,
    };
    let msg = match state.store.ask_eligibility(&ctx.principal.org, &cmd, today()).await {
        Ok(asked) => format!(
            "The 270 for {} is written (file {}, trace {}): download it from Send claims and send it to the payer; read the 271 on Read a 999, 277CA or 271.",
            cmd.payer_code, asked.file_id, asked.trace
        ),
        Err(e) => crate::web::sentence(&e.to_string()),
    };
    Redirect::to(&format!("/accounts/{}?msg={}", encode(&number), encode(&msg))).into_response()
}

// ------------------------------------------------------------- payers and providers

#[derive(Template)]
#[template(path = "claims_import.html")]
pub(super) struct ImportPage<'a> {
    ctx: Option<&'a Ctx>,
    outcome: Option<settle_store::claims::Import837Outcome>,
    file_name: String,
    body: String,
    error: String,
}

pub async fn import_form(ctx: Ctx) -> Response {
    render(&ImportPage {
        ctx: Some(&ctx),
        outcome: None,
        file_name: String::new(),
        body: String::new(),
        error: String::new(),
    })
    .into_response()
}

/// Takes in another system's 837P, all or nothing, and says what it added
/// and what it read but does not keep.
pub async fn import_claims(State(state): State<AppState>, ctx: Ctx, form: FormData) -> Response {
    let (file_name, body) = pasted_file(&form);
    let mut page = ImportPage {
        ctx: Some(&ctx),
        outcome: None,
        file_name: file_name.clone(),
        body: body.clone(),
        error: String::new(),
    };
    if body.trim().is_empty() {
        page.error = "Choose an 837P file, or paste its text.".into();
        return (StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response();
    }
    let cmd = settle_store::claims::Import837 { file_name, body };
    match state.store.import_837p(&ctx.principal.org, &cmd, today()).await {
        Ok(outcome) => {
            page.outcome = Some(outcome);
            page.body.clear();
            render(&page).into_response()
        }
        Err(e) => {
            page.error = crate::web::sentence(&e.to_string());
            (StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response()
        }
    }
}
