//! Claims in the pages: the worklist by status, the claim page with the
//! scrubber's findings, visit entry with diagnosis lookup, sending 837P
//! batches, and reading acknowledgments.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use settle_domain::{claims::ClaimStatus, icd10::IcdCatalog, Date};
use settle_store::claims::{
    AckOutcome, ClaimFilter, ClaimInput, ClaimLineInput, ClaimSummary, ClaimView, CorrectClaim, EditClaim, ExportClaims, ExportOutcome, ImportAcknowledgment,
    NewClaim, ScrubClaim, VoidClaim, X12FileView,
};
use settle_store::claims::{PayerView, ProviderView};

use super::{encode, render, store_error_page, today, Ctx, Errors, FormData};
use crate::AppState;

/// The worklist's tabs: status, label.
const TABS: [(&str, &str); 10] = [
    ("scrubbed", "To fix"),
    ("rejected", "Rejected"),
    ("draft", "Drafts"),
    ("ready", "Ready to send"),
    ("submitted", "Sent"),
    ("accepted", "Accepted"),
    ("denied", "Denied"),
    ("partially_paid", "Partly paid"),
    ("paid", "Paid"),
    ("closed", "Closed"),
];

#[derive(Deserialize)]
pub struct ClaimsQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    payer: String,
    #[serde(default)]
    msg: String,
}

#[derive(Template)]
#[template(path = "claims.html")]
struct ClaimsPage<'a> {
    ctx: Option<&'a Ctx>,
    tabs: Vec<(&'static str, &'static str, i64)>,
    status: String,
    payer: String,
    payers: Vec<PayerView>,
    claims: Vec<ClaimSummary>,
    msg: String,
}

pub async fn claims(State(state): State<AppState>, ctx: Ctx, Query(q): Query<ClaimsQuery>) -> Response {
    let org = &ctx.principal.org;
    let counts = match state.store.claim_counts(org).await {
        Ok(c) => c,
        Err(e) => return store_error_page(Some(&ctx), e),
    };
    let status = if q.status.is_empty() {
        TABS.iter()
            .find(|(s, _)| counts.get(*s).copied().unwrap_or(0) > 0)
            .map_or("scrubbed", |(s, _)| s)
            .to_string()
    } else {
        q.status.clone()
    };
    let filter = ClaimFilter {
        status: Some(status.clone()),
        payer_code: Some(q.payer.clone()).filter(|p| !p.is_empty()),
        account_number: None,
        limit: Some(500),
    };
    let (claims, payers) = match (state.store.claims(org, &filter).await, state.store.payers(org).await) {
        (Ok(c), Ok(p)) => (c, p),
        (Err(e), _) | (_, Err(e)) => return store_error_page(Some(&ctx), e),
    };
    let tabs = TABS.iter().map(|(s, l)| (*s, *l, counts.get(*s).copied().unwrap_or(0))).collect();
    render(&ClaimsPage {
        ctx: Some(&ctx),
        tabs,
        status,
        payer: q.payer,
        payers,
        claims,
        msg: q.msg,
    })
    .into_response()
}

/// A diagnosis with its description, for the claim page.
pub struct Diagnosis {
    pub pointer: usize,
    pub code: String,
    pub description: String,
}

#[derive(Template)]
#[template(path = "claim.html")]
struct ClaimPage<'a> {
    ctx: Option<&'a Ctx>,
    c: ClaimView,
    remits: Vec<settle_store::claims::RemitClaimView>,
    diagnoses: Vec<Diagnosis>,
    msg: String,
    error: String,
}

impl ClaimPage<'_> {
    fn editable(&self) -> bool {
        ClaimStatus::parse(&self.c.status).is_some_and(ClaimStatus::editable) && self.c.frequency != "8"
    }
    fn with_payer(&self) -> bool {
        ClaimStatus::parse(&self.c.status).is_some_and(ClaimStatus::with_payer)
    }
    fn errors(&self) -> usize {
        self.c.findings.iter().filter(|f| f.level == "error").count()
    }
    fn frequency_name(&self) -> &'static str {
        match self.c.frequency.as_str() {
            "7" => "corrected claim (7)",
            "8" => "void (8)",
            _ => "original (1)",
        }
    }
}

#[derive(Deserialize)]
pub struct MsgQuery {
    #[serde(default)]
    msg: String,
    #[serde(default)]
    error: String,
}

fn describe(codes: &[String]) -> Vec<Diagnosis> {
    codes
        .iter()
        .enumerate()
        .map(|(i, code)| Diagnosis {
            pointer: i + 1,
            code: code.clone(),
            description: settle_domain::codes::IcdCode::parse(code)
                .ok()
                .and_then(|c| IcdCatalog::get().lookup(&c).map(|e| e.description.clone()))
                .unwrap_or_else(|| "not in ICD-10-CM".into()),
        })
        .collect()
}

pub async fn claim(State(state): State<AppState>, ctx: Ctx, Path(number): Path<String>, Query(q): Query<MsgQuery>) -> Response {
    let c = match state.store.claim(&ctx.principal.org, &number).await {
        Ok(c) => c,
        Err(e) => return store_error_page(Some(&ctx), e),
    };
    if let Err(e) = state
        .store
        .note_read(ctx.principal.org.org_id, "claim.read", &format!("claim:{}", c.claim_number))
        .await
    {
        return store_error_page(Some(&ctx), e);
    }
    let diagnoses = describe(&c.diagnoses);
    let remits = match state.store.claim_remittances(&ctx.principal.org, &c.claim_number).await {
        Ok(r) => r,
        Err(e) => return store_error_page(Some(&ctx), e),
    };
    render(&ClaimPage {
        ctx: Some(&ctx),
        remits,
        c,
        diagnoses,
        msg: q.msg,
        error: q.error,
    })
    .into_response()
}

fn to_claim(number: &str, msg: &str) -> Response {
    Redirect::to(&format!("/claims/{}?msg={}", encode(number), encode(msg))).into_response()
}

fn to_claim_error(number: &str, error: &str) -> Response {
    Redirect::to(&format!("/claims/{}?error={}", encode(number), encode(error))).into_response()
}

fn outcome_message(c: &ClaimView) -> String {
    let errors = c.findings.iter().filter(|f| f.level == "error").count();
    match c.status.as_str() {
        "ready" if c.findings.is_empty() => format!("Claim {} is ready to send; its charges are on {}'s account.", c.claim_number, c.payer_name),
        "ready" => format!("Claim {} is ready to send, with warnings to look at.", c.claim_number),
        "scrubbed" => format!("Claim {} saved with {errors} error(s) to fix before it can go.", c.claim_number),
        "draft" => format!("Claim {} saved as a draft.", c.claim_number),
        other => format!("Claim {} is {other}.", c.claim_number),
    }
}

pub async fn rescrub(State(state): State<AppState>, ctx: Ctx, Path(number): Path<String>) -> Response {
    match state
        .store
        .scrub_claim(&ctx.principal.org, &ScrubClaim { claim_number: number.clone() }, today())
        .await
    {
        Ok(c) => to_claim(&c.claim_number, &outcome_message(&c)),
        Err(e) => to_claim_error(&number, &super::sentence(&e.to_string())),
    }
}

pub async fn correct(State(state): State<AppState>, ctx: Ctx, Path(number): Path<String>) -> Response {
    match state
        .store
        .correct_claim(&ctx.principal.org, &CorrectClaim { claim_number: number.clone() }, today())
        .await
    {
        Ok(c) => Redirect::to(&format!(
            "/claims/{}/edit?msg={}",
            encode(&c.claim_number),
            encode("A corrected claim (frequency 7) was started from the original: change what was wrong and save.")
        ))
        .into_response(),
        Err(e) => to_claim_error(&number, &super::sentence(&e.to_string())),
    }
}

pub async fn void(State(state): State<AppState>, ctx: Ctx, Path(number): Path<String>, form: FormData) -> Response {
    let reason = form.get("reason");
    if reason.trim().is_empty() {
        return to_claim_error(&number, "Say why the claim is voided.");
    }
    match state
        .store
        .void_claim(
            &ctx.principal.org,
            &VoidClaim {
                claim_number: number.clone(),
                reason,
            },
            today(),
        )
        .await
    {
        Ok(c) if c.claim_number != number.trim().to_ascii_uppercase() => to_claim(
            &c.claim_number,
            &format!("Claim {number} is voided; this void claim (frequency 8) goes with the next batch to the payer."),
        ),
        Ok(c) => to_claim(
            &c.claim_number,
            &format!("Claim {} is voided and closed; its charges are off the books.", c.claim_number),
        ),
        Err(e) => to_claim_error(&number, &super::sentence(&e.to_string())),
    }
}

// ------------------------------------------------------------- visit form

const LINE_ROWS: usize = 6;
const DIAGNOSIS_BOXES: usize = 12;

pub struct LineRow {
    pub date_of_service: String,
    pub procedure_code: String,
    pub modifiers: String,
    pub pointers: String,
    pub units: String,
    pub charge: String,
    pub place_of_service: String,
}

impl LineRow {
    fn blank() -> LineRow {
        LineRow {
            date_of_service: String::new(),
            procedure_code: String::new(),
            modifiers: String::new(),
            pointers: String::new(),
            units: String::new(),
            charge: String::new(),
            place_of_service: String::new(),
        }
    }
}

#[derive(Template)]
#[template(path = "claim_form.html")]
struct ClaimForm<'a> {
    ctx: Option<&'a Ctx>,
    /// None for a new claim.
    number: Option<String>,
    account_number: String,
    payer_code: String,
    billing_npi: String,
    rendering_npi: String,
    place_of_service: String,
    diagnoses: Vec<String>,
    lines: Vec<LineRow>,
    payers: Vec<PayerView>,
    billing: Vec<ProviderView>,
    rendering: Vec<ProviderView>,
    errors: Errors,
    msg: String,
}

impl ClaimForm<'_> {
    fn action(&self) -> String {
        match &self.number {
            Some(n) => format!("/claims/{n}/edit"),
            None => "/claims/new".into(),
        }
    }
}

#[derive(Deserialize)]
pub struct NewQuery {
    #[serde(default)]
    account: String,
    #[serde(default)]
    msg: String,
}

async fn blank_form<'a>(state: &AppState, ctx: &'a Ctx) -> Result<ClaimForm<'a>, Response> {
    let org = &ctx.principal.org;
    let payers = state.store.payers(org).await.map_err(|e| store_error_page(Some(ctx), e))?;
    let providers = state.store.providers(org).await.map_err(|e| store_error_page(Some(ctx), e))?;
    let billing: Vec<ProviderView> = providers.iter().filter(|p| p.kind == "organisation" || !p.tax_id.is_empty()).cloned().collect();
    let mut lines: Vec<LineRow> = (0..LINE_ROWS).map(|_| LineRow::blank()).collect();
    lines[0].date_of_service = today().to_string();
    lines[0].units = "1".into();
    Ok(ClaimForm {
        ctx: Some(ctx),
        number: None,
        account_number: String::new(),
        payer_code: String::new(),
        billing_npi: billing.first().map(|p| p.npi.clone()).unwrap_or_default(),
        rendering_npi: String::new(),
        place_of_service: "11".into(),
        diagnoses: vec![String::new(); DIAGNOSIS_BOXES],
        lines,
        payers,
        billing,
        rendering: providers.into_iter().filter(|p| p.kind == "person").collect(),
        errors: Errors::default(),
        msg: String::new(),
    })
}

pub async fn new_claim(State(state): State<AppState>, ctx: Ctx, Query(q): Query<NewQuery>) -> Response {
    match blank_form(&state, &ctx).await {
        Ok(mut page) => {
            page.account_number = q.account;
            page.msg = q.msg;
            render(&page).into_response()
        }
        Err(r) => r,
    }
}

pub async fn edit_claim(State(state): State<AppState>, ctx: Ctx, Path(number): Path<String>, Query(q): Query<NewQuery>) -> Response {
    let mut page = match blank_form(&state, &ctx).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let c = match state.store.claim(&ctx.principal.org, &number).await {
        Ok(c) => c,
        Err(e) => return store_error_page(Some(&ctx), e),
    };
    page.number = Some(c.claim_number.clone());
    page.account_number = c.account_number.clone();
    page.payer_code = c.payer_code.clone();
    page.billing_npi = c.billing_npi.clone();
    page.rendering_npi = c.rendering_npi.clone().unwrap_or_default();
    page.place_of_service = c.place_of_service.clone();
    for (i, d) in c.diagnoses.iter().enumerate().take(DIAGNOSIS_BOXES) {
        page.diagnoses[i] = d.clone();
    }
    page.lines = c
        .lines
        .iter()
        .map(|l| LineRow {
            date_of_service: l.date_of_service.clone(),
            procedure_code: l.procedure_code.clone(),
            modifiers: l.modifiers.join(" "),
            pointers: l.diagnosis_pointers.iter().map(u8::to_string).collect::<Vec<_>>().join(","),
            units: l.units.to_string(),
            charge: l.charge.clone(),
            place_of_service: l.place_of_service.clone().unwrap_or_default(),
        })
        .collect();
    while page.lines.len() < LINE_ROWS {
        page.lines.push(LineRow::blank());
    }
    for f in &c.findings {
        page.errors.add(
            &form_field(&f.field),
            format!("{}{}", if f.level == "error" { "" } else { "Warning: " }, super::sentence(&f.message)),
        );
    }
    page.msg = q.msg;
    render(&page).into_response()
}

/// The form's field for a claim field: `lines[2].units` is line 3's units box.
fn form_field(field: &str) -> String {
    if let Some(rest) = field.strip_prefix("lines[") {
        if let Some((index, name)) = rest.split_once("].") {
            return format!("line{index}.{name}");
        }
    }
    if let Some(rest) = field.strip_prefix("diagnoses[") {
        return format!("diagnosis{}", rest.trim_end_matches(']'));
    }
    field.to_string()
}

/// Reads the form into a visit, naming each box that is not right.
fn read_form(form: &FormData, errors: &mut Errors) -> (ClaimInput, Vec<LineRow>, Vec<String>) {
    let diagnoses_boxes: Vec<String> = (0..DIAGNOSIS_BOXES).map(|i| form.get(&format!("diagnosis{i}"))).collect();
    let mut rows = Vec::new();
    let mut lines = Vec::new();
    for i in 0..LINE_ROWS {
        let row = LineRow {
            date_of_service: form.get(&format!("line{i}.date_of_service")),
            procedure_code: form.get(&format!("line{i}.procedure_code")),
            modifiers: form.get(&format!("line{i}.modifiers")),
            pointers: form.get(&format!("line{i}.diagnosis_pointers")),
            units: form.get(&format!("line{i}.units")),
            charge: form.get(&format!("line{i}.charge")),
            place_of_service: form.get(&format!("line{i}.place_of_service")),
        };
        if !row.procedure_code.trim().is_empty() {
            let date = match row.date_of_service.parse::<Date>() {
                Ok(d) => d,
                Err(_) => {
                    errors.add(&format!("line{i}.date_of_service"), "Give the date of service (YYYY-MM-DD).");
                    today()
                }
            };
            let units = if row.units.trim().is_empty() {
                1
            } else {
                row.units.trim().parse::<u32>().unwrap_or_else(|_| {
                    errors.add(&format!("line{i}.units"), "Units are a whole number, such as 1.");
                    1
                })
            };
            let mut pointers = Vec::new();
            for p in row.pointers.split([',', ' ']).filter(|p| !p.is_empty()) {
                match p.parse::<u8>() {
                    Ok(n) => pointers.push(n),
                    Err(_) => errors.add(&format!("line{i}.diagnosis_pointers"), "Pointers are diagnosis numbers, such as 1,2."),
                }
            }
            lines.push(ClaimLineInput {
                date_of_service: date,
                procedure_code: row.procedure_code.clone(),
                modifiers: row.modifiers.split([',', ' ']).filter(|m| !m.is_empty()).map(str::to_string).collect(),
                diagnosis_pointers: pointers,
                units,
                charge: Some(row.charge.replace([',', '$'], "")).filter(|c| !c.trim().is_empty()),
                place_of_service: Some(row.place_of_service.clone()).filter(|p| !p.trim().is_empty()),
            });
        }
        rows.push(row);
    }
    if lines.is_empty() {
        errors.add("line0.procedure_code", "Enter at least one service line.");
    }
    let input = ClaimInput {
        account_number: form.get("account_number"),
        payer_code: Some(form.get("payer_code")).filter(|p| !p.is_empty()),
        billing_npi: form.get("billing_npi"),
        rendering_npi: Some(form.get("rendering_npi")).filter(|p| !p.is_empty()),
        place_of_service: form.get("place_of_service"),
        diagnoses: diagnoses_boxes.iter().filter(|d| !d.trim().is_empty()).cloned().collect(),
        lines,
        stated_total: None,
    };
    (input, rows, diagnoses_boxes)
}

async fn save(state: AppState, ctx: Ctx, number: Option<String>, form: FormData) -> Response {
    let mut page = match blank_form(&state, &ctx).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let mut errors = Errors::default();
    let (input, rows, boxes) = read_form(&form, &mut errors);
    let draft = form.get("draft") == "1";
    if !errors.any() {
        let org = &ctx.principal.org;
        let saved = match &number {
            None => state.store.create_claim(org, &NewClaim { claim: input.clone(), draft }, today(), None).await,
            Some(n) => {
                let cmd = EditClaim {
                    claim_number: n.clone(),
                    claim: input.clone(),
                    draft,
                };
                state.store.edit_claim(org, &cmd, today(), None).await
            }
        };
        match saved {
            Ok(c) => return to_claim(&c.claim_number, &outcome_message(&c)),
            Err(error) => {
                // The store names "lines" or "diagnoses" and says which one in its message.
                let message = error.to_string();
                match Errors::from_store(
                    error,
                    &[
                        ("account_number", "account_number"),
                        ("payer_code", "payer_code"),
                        ("billing_npi", "billing_npi"),
                        ("rendering_npi", "rendering_npi"),
                        ("place_of_service", "place_of_service"),
                        ("lines", "form"),
                        ("diagnoses", "form"),
                        ("claim_number", "form"),
                    ],
                ) {
                    Ok(mut e) => {
                        if let Some((_, detail)) = message.split_once(": ") {
                            if let Some((field, text)) = detail.split_once(": ") {
                                let f = form_field(field);
                                if f != field || f.starts_with("diagnosis") {
                                    e.add(&f, super::sentence(text));
                                }
                            }
                        }
                        errors = e;
                    }
                    Err(e) => return store_error_page(Some(&ctx), e),
                }
            }
        }
    }
    page.number = number;
    page.account_number = input.account_number;
    page.payer_code = input.payer_code.unwrap_or_default();
    page.billing_npi = input.billing_npi;
    page.rendering_npi = input.rendering_npi.unwrap_or_default();
    page.place_of_service = input.place_of_service;
    page.diagnoses = boxes;
    page.lines = rows;
    page.errors = errors;
    (StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response()
}

pub async fn create_claim(State(state): State<AppState>, ctx: Ctx, form: FormData) -> Response {
    save(state, ctx, None, form).await
}

pub async fn save_claim(State(state): State<AppState>, ctx: Ctx, Path(number): Path<String>, form: FormData) -> Response {
    save(state, ctx, Some(number.trim().to_ascii_uppercase()), form).await
}

#[derive(Deserialize)]
pub struct CodeQuery {
    #[serde(default)]
    q: String,
}

#[derive(Template)]
#[template(path = "icd10_results.html")]
struct IcdResults {
    hits: Vec<(String, String, bool)>,
    q: String,
}

/// Diagnosis lookup as you type: by code or by words.
pub async fn icd10(Query(q): Query<CodeQuery>) -> Response {
    let hits = IcdCatalog::get()
        .search(&q.q, 15)
        .into_iter()
        .map(|e| (e.code.dotted(), e.description.clone(), e.billable))
        .collect();
    render(&IcdResults { hits, q: q.q }).into_response()
}

// ------------------------------------------------------------- sending

#[derive(Template)]
#[template(path = "claims_send.html")]
struct SendPage<'a> {
    ctx: Option<&'a Ctx>,
    ready: Vec<(String, String, usize, String)>,
    files: Vec<X12FileView>,
    outcome: Option<ExportOutcome>,
    error: String,
    phone_missing: bool,
}

async fn send_page<'a>(state: &AppState, ctx: &'a Ctx) -> Result<SendPage<'a>, Response> {
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
        rows.push((p.payer_code, p.name, mine.len(), super::money_minor(total, &org.base_currency)));
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
            page.error = super::sentence(&e.to_string());
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
struct AckPage<'a> {
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

pub async fn import_ack(State(state): State<AppState>, ctx: Ctx, form: FormData) -> Response {
    let body = form.get("body");
    let file_name = Some(form.get("file_name")).filter(|n| !n.trim().is_empty()).unwrap_or_else(|| "pasted".into());
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
            page.error = super::sentence(&e.to_string());
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
        Err(e) => super::sentence(&e.to_string()),
    };
    Redirect::to(&format!("/accounts/{}?msg={}", encode(&number), encode(&msg))).into_response()
}

// ------------------------------------------------------------- payers and providers

#[derive(Template)]
#[template(path = "claims_setup.html")]
struct SetupPage<'a> {
    ctx: Option<&'a Ctx>,
    payers: Vec<PayerView>,
    providers: Vec<ProviderView>,
    msg: String,
    errors: Errors,
    form: FormData,
}

async fn setup_page(state: &AppState, ctx: &Ctx, msg: String, errors: Errors, form: FormData) -> Response {
    let org = &ctx.principal.org;
    let (payers, providers) = match (state.store.payers(org).await, state.store.providers(org).await) {
        (Ok(p), Ok(v)) => (p, v),
        (Err(e), _) | (_, Err(e)) => return store_error_page(Some(ctx), e),
    };
    let status = if errors.any() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    (
        status,
        render(&SetupPage {
            ctx: Some(ctx),
            payers,
            providers,
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
    if !errors.any() {
        let cmd = settle_store::claims::NewPayer {
            payer_code: form.get("payer_code"),
            name: form.get("name"),
            filing_indicator: form.get("filing_indicator"),
            timely_filing_days,
            appeal_days,
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

pub async fn add_provider(State(state): State<AppState>, ctx: Ctx, form: FormData) -> Response {
    let cmd = settle_store::claims::NewProvider {
        npi: form.get("npi"),
        name: form.get("provider_name"),
        kind: form.get("kind"),
        taxonomy: form.get("taxonomy"),
        tax_id: form.get("tax_id"),
        address: form.address().unwrap_or_default(),
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
            ],
        ) {
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
        Err(e) => back(&format!("Nothing was added: {}", super::sentence(&e.to_string()))),
    }
}

/// Sets the guarantor from the account page.
pub async fn set_guarantor(State(state): State<AppState>, ctx: Ctx, Path(number): Path<String>, form: FormData) -> Response {
    let opt = |name: &str| Some(form.get(name)).filter(|v| !v.trim().is_empty());
    let cmd = settle_store::claims::SetGuarantor {
        account_number: number.clone(),
        relationship: form.get("relationship"),
        name: form.get("name"),
        phone: opt("phone"),
        email: opt("email"),
        address: form.address(),
    };
    let msg = match state.store.set_guarantor(&ctx.principal.org, &cmd).await {
        Ok(Some(g)) => format!("{} ({}) now answers for this account.", g.name, g.relationship),
        Ok(None) => "The patient answers for this account again.".to_string(),
        Err(e) => format!("Nothing was changed: {}", super::sentence(&e.to_string())),
    };
    Redirect::to(&format!("/accounts/{}?msg={}#insurance-h", encode(&number), encode(&msg))).into_response()
}

#[derive(Template)]
#[template(path = "remit_exceptions.html")]
struct ExceptionsPage<'a> {
    ctx: Option<&'a Ctx>,
    rows: Vec<settle_store::claims::RemitClaimView>,
    msg: String,
    error: String,
}

/// ERA claims that were not posted, with the reason each was not.
pub async fn exceptions(State(state): State<AppState>, ctx: Ctx, Query(q): Query<MsgQuery>) -> Response {
    match state.store.remit_exceptions(&ctx.principal.org).await {
        Ok(rows) => render(&ExceptionsPage {
            ctx: Some(&ctx),
            rows,
            msg: q.msg,
            error: q.error,
        })
        .into_response(),
        Err(e) => store_error_page(Some(&ctx), e),
    }
}

/// Resolves one exception from its row: matched to the claim typed there, or returned to the payer.
pub async fn resolve_exception(State(state): State<AppState>, ctx: Ctx, form: FormData) -> Response {
    let back = |key: &str, text: &str| Redirect::to(&format!("/claims/exceptions?{key}={}", encode(text))).into_response();
    let (Ok(remittance_id), Ok(seq)) = (form.get("remittance_id").parse::<i64>(), form.get("seq").parse::<i64>()) else {
        return back("error", "That exception is not on the list any more.");
    };
    let returning = form.get("action") == "return";
    let claim = form.get("claim_number");
    if !returning && claim.trim().is_empty() {
        return back("error", "Type the claim number this ERA claim answers, then post it.");
    }
    let cmd = settle_store::claims::ResolveRemitException {
        remittance_id,
        seq,
        claim_number: (!returning).then_some(claim),
        return_to_payer: returning,
        note: form.get("note"),
    };
    match state.store.resolve_remit_exception(&ctx.principal.org, &cmd, today()).await {
        Ok(r) if r.outcome == "posted" => back(
            "msg",
            &format!(
                "{} from the ERA is posted to claim {}: paid {}, written down {}, the patient's share {}; the claim is {}.",
                r.their_claim_number,
                r.claim_number.unwrap_or_default(),
                r.paid,
                r.written_down,
                r.patient,
                super::words(&r.status)
            ),
        ),
        Ok(r) if r.outcome == "returned" => back(
            "msg",
            &format!(
                "{}: the {} it paid is now owed back to the payer (refunds payable).",
                r.their_claim_number, r.paid
            ),
        ),
        Ok(r) => back("msg", &format!("{} is closed; it paid nothing.", r.their_claim_number)),
        Err(e) => back("error", &format!("Nothing was posted: {}", super::sentence(&e.to_string()))),
    }
}

#[derive(Template)]
#[template(path = "secondaries.html")]
struct SecondariesPage<'a> {
    ctx: Option<&'a Ctx>,
    rows: Vec<settle_store::claims::SecondaryDue>,
    error: String,
}

/// Paid claims whose patient share a secondary coverage should see first.
pub async fn secondaries(State(state): State<AppState>, ctx: Ctx, Query(q): Query<MsgQuery>) -> Response {
    match state.store.secondaries_due(&ctx.principal.org).await {
        Ok(rows) => render(&SecondariesPage {
            ctx: Some(&ctx),
            rows,
            error: q.error,
        })
        .into_response(),
        Err(e) => store_error_page(Some(&ctx), e),
    }
}

/// Starts the secondary claim and opens it.
pub async fn bill_secondary(State(state): State<AppState>, ctx: Ctx, Path(number): Path<String>) -> Response {
    let cmd = settle_store::claims::BillSecondary { claim_number: number.clone() };
    match state.store.bill_secondary(&ctx.principal.org, &cmd, today()).await {
        Ok(c) => to_claim(
            &c.claim_number,
            &format!(
                "Secondary claim {} to {} started from {number}: it is {}; it goes with the next batch to {} and carries the primary's answer.",
                c.claim_number,
                c.payer_name,
                super::words(&c.status),
                c.payer_name
            ),
        ),
        Err(e) => Redirect::to(&format!(
            "/claims/secondaries?error={}",
            encode(&format!("No secondary claim was started: {}", super::sentence(&e.to_string())))
        ))
        .into_response(),
    }
}

#[derive(Template)]
#[template(path = "underpayments.html")]
struct UnderpaymentsPage<'a> {
    ctx: Option<&'a Ctx>,
    rows: Vec<settle_store::claims::UnderpaymentView>,
}

/// Lines paid below the payer's contracted allowed amount.
pub async fn underpayments(State(state): State<AppState>, ctx: Ctx) -> Response {
    match state.store.underpayments(&ctx.principal.org).await {
        Ok(rows) => render(&UnderpaymentsPage { ctx: Some(&ctx), rows }).into_response(),
        Err(e) => store_error_page(Some(&ctx), e),
    }
}

#[derive(Template)]
#[template(path = "era.html")]
struct EraPage<'a> {
    ctx: Option<&'a Ctx>,
    file_name: String,
    body: String,
    preview: Option<Vec<settle_store::claims::RemitOutcome>>,
    posted: Option<Vec<settle_store::claims::RemitOutcome>>,
    error: String,
}

pub async fn era(ctx: Ctx) -> Response {
    render(&EraPage {
        ctx: Some(&ctx),
        file_name: String::new(),
        body: String::new(),
        preview: None,
        posted: None,
        error: String::new(),
    })
    .into_response()
}

/// Reads the ERA and shows what posting it would do; posts only when confirmed.
pub async fn era_post(State(state): State<AppState>, ctx: Ctx, form: FormData) -> Response {
    let body = form.get("body");
    let file_name = Some(form.get("file_name"))
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| "pasted.835".into());
    let confirm = form.get("confirm") == "1";
    let mut page = EraPage {
        ctx: Some(&ctx),
        file_name: file_name.clone(),
        body: body.clone(),
        preview: None,
        posted: None,
        error: String::new(),
    };
    if body.trim().is_empty() {
        page.error = "Choose an 835 file, or paste its text.".into();
        return (StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response();
    }
    let cmd = settle_store::claims::Import835 { file_name, body };
    let result = if confirm {
        state.store.post_835(&ctx.principal.org, &cmd, today()).await
    } else {
        state.store.preview_835(&ctx.principal.org, &cmd, today()).await
    };
    match result {
        Ok(outcomes) if confirm => {
            page.posted = Some(outcomes);
            page.body.clear();
            render(&page).into_response()
        }
        Ok(outcomes) => {
            page.preview = Some(outcomes);
            render(&page).into_response()
        }
        Err(e) => {
            page.error = super::sentence(&e.to_string());
            (StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response()
        }
    }
}

// ------------------------------------------------------------------- denials

#[derive(Template)]
#[template(path = "denials.html")]
struct DenialsPage<'a> {
    ctx: Option<&'a Ctx>,
    rows: Vec<settle_store::claims::DenialView>,
    groups: Vec<settle_store::claims::DenialGroup>,
    statuses: Vec<(&'static str, &'static str)>,
    filter_status: String,
    filter_payer: String,
    filter_reason: String,
    msg: String,
    error: String,
    letter: Option<i64>,
    source: &'static str,
}

#[derive(serde::Deserialize, Default)]
pub struct DenialsQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    payer: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    msg: String,
    #[serde(default)]
    error: String,
    #[serde(default)]
    letter: Option<i64>,
}

/// The denial worklist, with appeal, correction and write-off at each row.
pub async fn denials(State(state): State<AppState>, ctx: Ctx, axum::extract::Query(q): axum::extract::Query<DenialsQuery>) -> Response {
    let status = if q.status.is_empty() { "open".to_string() } else { q.status.clone() };
    let filter = settle_store::claims::DenialFilter {
        status: Some(status.clone()),
        payer: Some(q.payer.clone()),
        reason: Some(q.reason.clone()),
        claim: None,
    };
    let org = &ctx.principal.org;
    let (rows, groups) = match (state.store.denials(org, &filter, today()).await, state.store.denial_groups(org, today()).await) {
        (Ok(rows), Ok(groups)) => (rows, groups),
        (Err(e), _) | (_, Err(e)) => return store_error_page(Some(&ctx), e),
    };
    render(&DenialsPage {
        ctx: Some(&ctx),
        rows,
        groups,
        statuses: vec![
            ("open", "To work (open and appealed)"),
            ("appealed", "Appealed"),
            ("corrected", "Corrected"),
            ("written_off", "Written off"),
            ("resolved", "Paid after all"),
            ("all", "All"),
        ],
        filter_status: status,
        filter_payer: q.payer,
        filter_reason: q.reason,
        msg: q.msg,
        error: q.error,
        letter: q.letter,
        source: settle_domain::carc::SOURCE,
    })
    .into_response()
}

fn to_denials(msg: &str, error: &str, letter: Option<i64>) -> Response {
    let letter = letter.map(|id| format!("&letter={id}")).unwrap_or_default();
    Redirect::to(&format!("/claims/denials?msg={}&error={}{letter}", encode(msg), encode(error))).into_response()
}

pub async fn appeal_denial(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>, form: FormData) -> Response {
    let cmd = settle_store::claims::AppealDenial {
        denial_id: id,
        argument: form.get("argument"),
    };
    match state.store.appeal_denial(&ctx.principal.org, &cmd, today()).await {
        Ok(letter) => to_denials(&format!("Denial {id} on claim {} is marked appealed.", letter.claim_number), "", Some(id)),
        Err(e) => to_denials("", &format!("Nothing was changed: {}", super::sentence(&e.to_string())), None),
    }
}

pub async fn appeal_letter(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Response {
    match state.store.appeal_letter(&ctx.principal.org, id, today()).await {
        Ok(letter) => crate::pdf_response(&format!("appeal-{}.pdf", letter.claim_number), settle_pdf::letters::appeal_letter(&letter)),
        Err(e) => store_error_page(Some(&ctx), e),
    }
}

pub async fn write_off_denial(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>, form: FormData) -> Response {
    let cmd = settle_store::claims::WriteOffDenial {
        denial_id: id,
        date: today(),
        memo: form.get("memo"),
    };
    match state.store.write_off_denial(&ctx.principal.org, &cmd).await {
        Ok(d) => to_denials(&format!("Denial {id} on claim {}: {} written off.", d.claim_number, d.amount), "", None),
        Err(e) => to_denials("", &format!("Nothing was written off: {}", super::sentence(&e.to_string())), None),
    }
}

// ---------------------------------------------------------------- statements

#[derive(Template)]
#[template(path = "statements.html")]
struct StatementsPage<'a> {
    ctx: Option<&'a Ctx>,
    rows: Vec<settle_store::claims::StatementSummary>,
    outcome: Option<settle_store::claims::StatementRunOutcome>,
    as_of: String,
    msg: String,
    error: String,
}

pub async fn statements(State(state): State<AppState>, ctx: Ctx, axum::extract::Query(q): axum::extract::Query<super::billing::pages::MsgQuery>) -> Response {
    match state.store.statements(&ctx.principal.org, None).await {
        Ok(mut rows) => {
            rows.truncate(200);
            render(&StatementsPage {
                ctx: Some(&ctx),
                rows,
                outcome: None,
                as_of: today().to_string(),
                msg: q.msg,
                error: String::new(),
            })
            .into_response()
        }
        Err(e) => store_error_page(Some(&ctx), e),
    }
}

/// Previews or makes the statements due on the day given.
pub async fn statements_run(State(state): State<AppState>, ctx: Ctx, form: FormData) -> Response {
    let as_of_text = form.get("as_of");
    let mut page = StatementsPage {
        ctx: Some(&ctx),
        rows: Vec::new(),
        outcome: None,
        as_of: as_of_text.clone(),
        msg: String::new(),
        error: String::new(),
    };
    let Ok(as_of) = as_of_text.trim().parse::<settle_domain::Date>() else {
        page.error = "Give the statement date as a date, such as 2026-12-01.".into();
        return (StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response();
    };
    let cycle = form.get("cycle_days");
    let cycle_days = if cycle.trim().is_empty() {
        None
    } else {
        match cycle.trim().parse::<u32>() {
            Ok(days) => Some(days),
            Err(_) => {
                page.error = "Give the days between statements as a whole number, such as 30.".into();
                return (StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response();
            }
        }
    };
    let min = form.get("min_balance");
    let cmd = settle_store::claims::StatementRun {
        as_of,
        cycle_days,
        min_balance: Some(min).filter(|m| !m.trim().is_empty()),
        dry_run: form.get("dry_run") == "1",
    };
    match state.store.run_statements(&ctx.principal.org, &cmd).await {
        Ok(outcome) => {
            page.rows = outcome.statements.clone();
            page.outcome = Some(outcome);
            render(&page).into_response()
        }
        Err(e) => {
            page.error = format!("Nothing was sent: {}", super::sentence(&e.to_string()));
            (StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response()
        }
    }
}

pub async fn statement_pdf(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Response {
    match state.store.statement(&ctx.principal.org, id).await {
        Ok(s) => crate::pdf_response(&format!("statement-{}.pdf", s.statement_number), settle_pdf::letters::statement(&s)),
        Err(e) => store_error_page(Some(&ctx), e),
    }
}

/// A day's statements in one PDF, for printing and mailing.
pub async fn statements_of_day(State(state): State<AppState>, ctx: Ctx, Path(day): Path<String>) -> Response {
    let Ok(date) = day.parse::<settle_domain::Date>() else {
        return store_error_page(Some(&ctx), settle_store::StoreError::not_found("statement day", day));
    };
    match state.store.statements_of_day(&ctx.principal.org, date).await {
        Ok(all) if all.is_empty() => store_error_page(Some(&ctx), settle_store::StoreError::not_found("statements of", day)),
        Ok(all) => crate::pdf_response(
            &format!("statements-{date}.pdf"),
            settle_pdf::letters::statements(&all, &format!("Statements of {date}")),
        ),
        Err(e) => store_error_page(Some(&ctx), e),
    }
}
