//! Visit entry: a claim's lines and diagnoses typed in (with ICD-10-CM
//! lookup), saved as a draft or checked and made ready.

use crate::web::claims::facts_form::{self, FactsBoxes, LineFactsBoxes};
use crate::web::claims::outcome_message;
use crate::web::claims::to_claim;
use crate::web::{render, store_error_page, today, Ctx, Errors, FormData};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use settle_domain::units::Units;
use settle_domain::{icd10::IcdCatalog, Date};
use settle_store::claims::{ClaimInput, ClaimLineInput, EditClaim, NewClaim};
use settle_store::claims::{PayerView, ProviderView};

/// The most service lines a visit takes: an 837P claim's 2400 loop repeats
/// up to 50 times.
pub(super) const LINE_ROWS: usize = 50;

/// Blank rows shown before "Add a line" is needed.
const ROWS_SHOWN: usize = 6;

pub(super) const DIAGNOSIS_BOXES: usize = 12;

pub struct LineRow {
    pub date_of_service: String,
    pub procedure_code: String,
    pub modifiers: String,
    pub pointers: String,
    pub units: String,
    pub charge: String,
    pub place_of_service: String,
    /// The line's drug, authorization and ordering provider boxes.
    pub facts: LineFactsBoxes,
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
            facts: LineFactsBoxes::default(),
        }
    }
}

#[derive(Template)]
#[template(path = "claim_form.html")]
pub(super) struct ClaimForm<'a> {
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
    /// What the payer needs beyond codes: authorization, referral, accident...
    facts: FactsBoxes,
    payers: Vec<PayerView>,
    billing: Vec<ProviderView>,
    rendering: Vec<ProviderView>,
    /// The charge master's codes in force, for the line boxes' lookup: (code, "code: price").
    procedures: Vec<(String, String)>,
    errors: Errors,
    msg: String,
}

impl ClaimForm<'_> {
    /// Whether line row `i` is shown: every filled row, one blank after the
    /// last, at least six; the rest wait behind "Add a line".
    fn line_shown(&self, i: &usize) -> bool {
        let filled = self
            .lines
            .iter()
            .rposition(|l| !(l.procedure_code.is_empty() && l.charge.is_empty() && l.modifiers.is_empty() && l.pointers.is_empty()))
            .map_or(0, |last| last + 2);
        let errors = self
            .errors
            .0
            .iter()
            .filter_map(|(f, _)| f.strip_prefix("line")?.split('.').next()?.parse::<usize>().ok())
            .max()
            .map_or(0, |i| i + 1);
        *i < filled.max(errors).max(ROWS_SHOWN)
    }

    /// The claim's facts section opens when it holds a value or an error.
    fn facts_open(&self) -> bool {
        self.facts.any() || self.errors.0.iter().any(|(f, _)| f.starts_with("facts."))
    }

    /// The lines' facts section opens when a line has one or an error.
    fn line_facts_open(&self) -> bool {
        let boxes = [
            ".ndc",
            ".drug_quantity",
            ".drug_unit",
            ".authorization",
            ".ordering_last",
            ".ordering_npi",
            ".description",
        ];
        self.lines.iter().any(|l| l.facts.any()) || self.errors.0.iter().any(|(f, _)| f.starts_with("line") && boxes.iter().any(|b| f.ends_with(b)))
    }

    /// CR104's codes and what each says.
    fn ambulance_reasons(&self) -> &'static [(&'static str, &'static str)] {
        settle_domain::claim_facts::ambulance::TRANSPORT_REASONS
    }

    /// CRC*07's condition codes and what each says.
    fn ambulance_conditions(&self) -> &'static [(&'static str, &'static str)] {
        settle_domain::claim_facts::ambulance::CONDITIONS
    }

    /// (box name, label, value, placeholder) for the claim's numbers.
    fn number_boxes(&self) -> [(&'static str, &'static str, &str, &'static str); 3] {
        [
            ("prior_authorization", "Prior authorization number", &self.facts.prior_authorization, "REF*G1"),
            ("referral_number", "Referral number", &self.facts.referral_number, "REF*9F"),
            ("clia_number", "CLIA number (laboratory)", &self.facts.clia_number, "05D0987654"),
        ]
    }

    /// (box name, label, value, "npi" for the NPI box) for the referring provider.
    fn referring_boxes(&self) -> [(&'static str, &'static str, &str, &'static str); 3] {
        [
            ("referring_last", "Last name or organisation", &self.facts.referring_last, ""),
            ("referring_first", "First name", &self.facts.referring_first, ""),
            ("referring_npi", "NPI", &self.facts.referring_npi, "npi"),
        ]
    }

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

pub(super) async fn blank_form<'a>(state: &AppState, ctx: &'a Ctx) -> Result<ClaimForm<'a>, Response> {
    let org = &ctx.principal.org;
    let payers = state.store.payers(org).await.map_err(|e| store_error_page(Some(ctx), e))?;
    let providers = state.store.providers(org).await.map_err(|e| store_error_page(Some(ctx), e))?;
    let billing: Vec<ProviderView> = providers.iter().filter(|p| p.kind == "organisation" || !p.tax_id.is_empty()).cloned().collect();
    let prices = state
        .store
        .fee_schedule(org, settle_store::claims::CHARGE_MASTER)
        .await
        .map_err(|e| store_error_page(Some(ctx), e))?;
    let procedures = procedure_choices(&prices, today(), &org.base_currency);
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
        facts: FactsBoxes::default(),
        payers,
        billing,
        rendering: providers.into_iter().filter(|p| p.kind == "person").collect(),
        procedures,
        errors: Errors::default(),
        msg: String::new(),
    })
}

/// The charge master's codes (with a modifier where priced apart) and the
/// price in force on `day`, one each, in code order. CPT descriptions are
/// the AMA's to license, so the lookup names codes and prices only.
fn procedure_choices(prices: &[settle_store::claims::FeeEntry], day: settle_domain::Date, currency: &str) -> Vec<(String, String)> {
    let mut latest: std::collections::BTreeMap<(String, String), &settle_store::claims::FeeEntry> = std::collections::BTreeMap::new();
    for fee in prices.iter().filter(|f| f.effective_from <= day) {
        let key = (fee.procedure_code.clone(), fee.modifier.clone());
        if latest.get(&key).is_none_or(|kept| kept.effective_from < fee.effective_from) {
            latest.insert(key, fee);
        }
    }
    latest
        .into_iter()
        .map(|((code, modifier), fee)| {
            let price = crate::web::money(&fee.amount, currency);
            if modifier.is_empty() {
                (code.clone(), format!("{code}: {price}"))
            } else {
                (code.clone(), format!("{code}-{modifier}: {price}"))
            }
        })
        .collect()
}

#[derive(Deserialize)]
pub struct PatientQuery {
    #[serde(default)]
    account_number: String,
}

#[derive(Template)]
#[template(path = "patient_options.html")]
struct PatientOptions {
    hits: Vec<settle_store::billing::SearchHit>,
}

/// Patients found as one types in the visit form's account box (number,
/// "Last, First", phone or date of birth), as the box's choices.
pub async fn patients(State(state): State<AppState>, ctx: Ctx, Query(q): Query<PatientQuery>) -> Response {
    let text: String = q.account_number.chars().take(100).collect();
    if text.trim().is_empty() {
        return render(&PatientOptions { hits: vec![] }).into_response();
    }
    let org = &ctx.principal.org;
    let found = async {
        let hits = state.store.search_accounts(org, &text, 10).await?;
        state.store.note_read(org.org_id, "account.search", "accounts").await?;
        Ok::<_, settle_store::StoreError>(hits)
    };
    match found.await {
        Ok(hits) => render(&PatientOptions { hits }).into_response(),
        Err(e) => store_error_page(Some(&ctx), e),
    }
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
            facts: LineFactsBoxes::of(&l.facts),
        })
        .collect();
    page.facts = FactsBoxes::of(&c.facts);
    while page.lines.len() < LINE_ROWS {
        page.lines.push(LineRow::blank());
    }
    for f in &c.findings {
        let field = form_field(&f.field);
        page.errors.add(
            &facts_form::form_field(&field).unwrap_or(field),
            format!("{}{}", if f.level == "error" { "" } else { "Warning: " }, crate::web::sentence(&f.message)),
        );
    }
    page.msg = q.msg;
    render(&page).into_response()
}

/// The form's field for a claim field: `lines[2].units` is line 3's units box.
pub(super) fn form_field(field: &str) -> String {
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
pub(super) fn read_form(form: &FormData, errors: &mut Errors) -> (ClaimInput, Vec<LineRow>, Vec<String>, FactsBoxes) {
    let diagnoses_boxes: Vec<String> = (0..DIAGNOSIS_BOXES).map(|i| form.get(&format!("diagnosis{i}"))).collect();
    let (facts, facts_boxes) = facts_form::read_claim(form, errors);
    let mut rows = Vec::new();
    let mut lines = Vec::new();
    for i in 0..LINE_ROWS {
        let (line_facts, facts_boxes) = facts_form::read_line(form, i, errors);
        let row = LineRow {
            facts: facts_boxes,
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
                Units::ONE
            } else {
                Units::parse(&row.units).unwrap_or_else(|e| {
                    let message = match e {
                        settle_domain::units::UnitsError::NotANumber(_) => "Units are a number such as 1 or 1.5.".to_string(),
                        other => format!("Units {other}."),
                    };
                    errors.add(&format!("line{i}.units"), &message);
                    Units::ONE
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
                facts: line_facts,
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
        facts,
    };
    (input, rows, diagnoses_boxes, facts_boxes)
}

pub(super) async fn save(state: AppState, ctx: Ctx, number: Option<String>, form: FormData) -> Response {
    let mut page = match blank_form(&state, &ctx).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let mut errors = Errors::default();
    let (input, rows, boxes, facts_boxes) = read_form(&form, &mut errors);
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
                        ("facts", "form"),
                        ("claim_number", "form"),
                    ],
                ) {
                    Ok(mut e) => {
                        if let Some((_, detail)) = message.split_once(": ") {
                            if let Some((field, text)) = detail.split_once(": ") {
                                let f = form_field(field);
                                let f = facts_form::form_field(&f).unwrap_or(f);
                                if f != field || f.starts_with("diagnosis") || f.starts_with("facts.") {
                                    e.add(&f, crate::web::sentence(text));
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
    page.facts = facts_boxes;
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
pub(super) struct IcdResults {
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
