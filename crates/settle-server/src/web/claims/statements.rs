//! Patient statements: the cycle run, each statement's PDF, the day's
//! statements in one file.

use crate::web::list::{Key, ListState};
use crate::web::{render, store_error_page, today, Ctx, FormData};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

#[derive(Template)]
#[template(path = "statements.html")]
pub(super) struct StatementsPage<'a> {
    ctx: Option<&'a Ctx>,
    rows: Vec<settle_store::claims::StatementSummary>,
    /// The statements sent, sorted and paged (none for a run's own result, shown whole).
    list: Option<ListState>,
    outcome: Option<settle_store::claims::StatementRunOutcome>,
    as_of: String,
    msg: String,
    error: String,
}

#[derive(serde::Deserialize, Default)]
pub struct StatementsQuery {
    #[serde(default)]
    msg: String,
    sort: Option<String>,
    dir: Option<String>,
    page: Option<i64>,
    format: Option<String>,
}

/// What the statements sent sort by: the newest first unless a column is named.
const COLUMNS: [&str; 6] = ["number", "account", "to", "date", "amount", "due"];

/// The statements sent, newest first (or sorted by any column), a page at a
/// time, and as CSV.
pub async fn statements(State(state): State<AppState>, ctx: Ctx, axum::extract::Query(q): axum::extract::Query<StatementsQuery>) -> Response {
    let sort_given = q.sort.is_some();
    let mut list = ListState::read(q.sort.as_deref(), q.dir.as_deref(), q.page, &COLUMNS, false, &[]);
    if !sort_given {
        list.descending = true;
    }
    let rows = match state.store.statements(&ctx.principal.org, None).await {
        Ok(rows) => rows,
        Err(e) => return store_error_page(Some(&ctx), e),
    };
    let key = |s: &settle_store::claims::StatementSummary, column: &str| match column {
        "account" => Key::text(&s.account_number),
        "to" => Key::text(&s.to),
        "date" => Key::text(&format!("{} {:012}", s.cycle_date, s.statement_id)),
        "amount" => Key::amount(&s.amount),
        "due" => Key::text(&s.due_on),
        _ => Key::count(s.statement_id),
    };
    if q.format.as_deref() == Some("csv") {
        let rows = list.sorted(rows, key);
        let header = ["statement", "account", "to", "date", "notice", "visits", "amount_due", "due"];
        let lines = rows.iter().map(|s| s.cells()).collect();
        return crate::web::billing::reports::csv_download("statements.csv", &header, lines);
    }
    let rows = list.sort_page(rows, key);
    render(&StatementsPage {
        ctx: Some(&ctx),
        rows,
        list: Some(list),
        outcome: None,
        as_of: today().to_string(),
        msg: q.msg,
        error: String::new(),
    })
    .into_response()
}

/// Previews or makes the statements due on the day given.
pub async fn statements_run(State(state): State<AppState>, ctx: Ctx, form: FormData) -> Response {
    let as_of_text = form.get("as_of");
    let mut page = StatementsPage {
        ctx: Some(&ctx),
        rows: Vec::new(),
        list: None,
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
        account_number: None,
    };
    match state.store.run_statements(&ctx.principal.org, &cmd).await {
        Ok(outcome) => {
            page.rows = outcome.statements.clone();
            page.outcome = Some(outcome);
            render(&page).into_response()
        }
        Err(e) => {
            page.error = format!("Nothing was sent: {}", crate::web::sentence(&e.to_string()));
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

/// One patient's statement as of today, before it is sent: drawn from the
/// books now, kept by nothing.
pub async fn account_statement_preview(State(state): State<AppState>, ctx: Ctx, Path(number): Path<String>) -> Response {
    match state.store.preview_statement(&ctx.principal.org, &number, today()).await {
        Ok(s) => crate::pdf_response(&format!("statement-preview-{}.pdf", s.account_number), settle_pdf::letters::statement(&s)),
        Err(e) => store_error_page(Some(&ctx), e),
    }
}

/// One patient's statement now: made, kept (it counts as a statement sent
/// for the cycle and the next notice), and opened as PDF to print or mail.
pub async fn account_statement_send(State(state): State<AppState>, ctx: Ctx, Path(number): Path<String>) -> Response {
    let cmd = settle_store::claims::StatementRun {
        as_of: today(),
        cycle_days: None,
        min_balance: None,
        dry_run: false,
        account_number: Some(number.clone()),
    };
    match state.store.run_statements(&ctx.principal.org, &cmd).await {
        Ok(outcome) => match outcome.statements.first() {
            Some(made) => axum::response::Redirect::to(&format!("/statements/{}/pdf", made.statement_id)).into_response(),
            None => crate::web::billing::forms::back_to_account(&number, "No statement was made: nothing is owed."),
        },
        Err(e) => crate::web::billing::forms::back_to_account_error(&number, &e.to_string()),
    }
}

/// An invoice as the customer receives it, as PDF.
pub async fn invoice_pdf(State(state): State<AppState>, ctx: Ctx, Path(number): Path<String>) -> Response {
    match state.store.invoice_document(&ctx.principal.org, &number).await {
        Ok(doc) => crate::pdf_response(&format!("invoice-{}.pdf", doc.number), settle_pdf::invoice::invoice(&doc)),
        Err(e) => store_error_page(Some(&ctx), e),
    }
}
