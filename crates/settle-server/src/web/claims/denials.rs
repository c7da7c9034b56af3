//! The denial worklist on the list component (nearest appeal deadline
//! first, or sorted by any column; paged; CSV): appeal (with its letter),
//! correct, write off.

use crate::web::list::{Key, ListState};
use crate::web::{encode, render, store_error_page, today, Ctx, FormData};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};

#[derive(Template)]
#[template(path = "denials.html")]
pub(super) struct DenialsPage<'a> {
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
    list: ListState,
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
    sort: Option<String>,
    dir: Option<String>,
    page: Option<i64>,
    format: Option<String>,
}

/// What the denial list sorts by.
const COLUMNS: [&str; 6] = ["appeal", "claim", "payer", "denied", "owed", "status"];

/// A row's value in a column: nearest appeal deadline first unless a column is named.
fn key(d: &settle_store::claims::DenialView, column: &str) -> Key {
    match column {
        "claim" => Key::text(&format!("{} {:05}", d.claim_number, d.line_no.unwrap_or(0))),
        "payer" => Key::text(&d.payer_code),
        "denied" => Key::amount(&d.amount),
        "owed" => Key::amount(&d.open),
        "status" => Key::text(&d.status),
        _ => Key::count(d.days_left),
    }
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
    let mut list = ListState::read(
        q.sort.as_deref(),
        q.dir.as_deref(),
        q.page,
        &COLUMNS,
        false,
        &[("status", &status), ("payer", &q.payer), ("reason", &q.reason)],
    );
    if q.format.as_deref() == Some("csv") {
        let rows = list.sorted(rows, key);
        let header = [
            "claim",
            "line",
            "account",
            "patient",
            "payer",
            "procedure",
            "service",
            "denied",
            "still_owed",
            "reasons",
            "next_step",
            "appeal_by",
            "status",
        ];
        let lines = rows
            .iter()
            .map(|d| {
                vec![
                    d.claim_number.clone(),
                    d.line_no.map(|n| n.to_string()).unwrap_or_default(),
                    d.account_number.clone(),
                    d.patient_name.clone(),
                    d.payer_code.clone(),
                    d.procedure_code.clone(),
                    d.date_of_service.clone(),
                    d.amount.clone(),
                    d.open.clone(),
                    d.reasons.iter().map(|r| r.code.clone()).collect::<Vec<_>>().join(" "),
                    d.next_step.clone(),
                    d.appeal_by.clone(),
                    d.status.clone(),
                ]
            })
            .collect();
        return crate::web::billing::reports::csv_download("denials.csv", &header, lines);
    }
    let rows = list.sort_page(rows, key);
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
        list,
    })
    .into_response()
}

pub(super) fn to_denials(msg: &str, error: &str, letter: Option<i64>) -> Response {
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
        Err(e) => to_denials("", &format!("Nothing was changed: {}", crate::web::sentence(&e.to_string())), None),
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
        Err(e) => to_denials("", &format!("Nothing was written off: {}", crate::web::sentence(&e.to_string())), None),
    }
}

// ---------------------------------------------------------------- statements
