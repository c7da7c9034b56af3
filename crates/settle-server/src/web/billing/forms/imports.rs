//! CSV imports from the pages: accounts, invoices or payments from another
//! system, a file chosen or pasted, read by the store's one reader and
//! applied all or nothing, as `settle import` and the API do. A refused
//! file comes back beside the form with every problem by line and column.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use settle_domain::access::Permission;
use settle_store::billing::csv_import::{CsvImport, CsvKind, CsvRefused};
use settle_store::csv_file::Problem;

use crate::web::{encode, error_page, render, store_error_page, today, Ctx, FormData};
use crate::AppState;

#[derive(Deserialize, Default)]
pub struct ImportQuery {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    msg: String,
}

/// What each kind needs of the person importing it.
fn needs(kind: CsvKind) -> Permission {
    match kind {
        CsvKind::Accounts => Permission::AccountsWrite,
        CsvKind::Invoices => Permission::InvoicesWrite,
        CsvKind::Payments => Permission::PaymentsPost,
    }
}

/// What a row of each kind is, in words, with an example line.
fn example(kind: CsvKind) -> &'static str {
    match kind {
        CsvKind::Accounts => "P-000101,patient,García,María,,,12 Palm Ave,,Miami,FL,33101,US,person,,1961-07-04,F,maria@example.com,3055550100,,,",
        CsvKind::Invoices => "P-000101,2026-11-02,OV,Office visit,1,125.00,INV-A,0,net30,",
        CsvKind::Payments => "P-000101,125.00,check,2026-11-20,4417,",
    }
}

#[derive(Template)]
#[template(path = "imports.html")]
struct ImportPage<'a> {
    ctx: Option<&'a Ctx>,
    /// The kinds this person may import: (name, columns in order).
    kinds: Vec<(&'static str, String)>,
    kind: String,
    msg: String,
    problems: Vec<Problem>,
    body: String,
    file_name: String,
    force: bool,
}

impl ImportPage<'_> {
    fn example(&self) -> &'static str {
        CsvKind::parse(&self.kind).map_or("", example)
    }
}

/// The columns of a kind, required first, as the header line.
fn header_line(kind: CsvKind) -> String {
    let (required, optional) = kind.columns();
    required.iter().copied().chain(optional).collect::<Vec<_>>().join(",")
}

fn page<'a>(ctx: &'a Ctx, kind: &str, msg: String) -> ImportPage<'a> {
    let kinds: Vec<(&'static str, String)> = CsvKind::ALL
        .into_iter()
        .filter(|k| ctx.can(needs(*k)))
        .map(|k| (k.as_str(), header_line(k)))
        .collect();
    let kind = CsvKind::parse(kind)
        .filter(|k| ctx.can(needs(*k)))
        .map_or_else(|| kinds.first().map_or("", |(k, _)| *k).to_string(), |k| k.as_str().to_string());
    ImportPage {
        ctx: Some(ctx),
        kinds,
        kind,
        msg,
        problems: vec![],
        body: String::new(),
        file_name: String::new(),
        force: false,
    }
}

pub async fn form(ctx: Ctx, Query(q): Query<ImportQuery>) -> Response {
    render(&page(&ctx, &q.kind, q.msg)).into_response()
}

/// The header line of a kind, as a file to fill in.
pub async fn template(ctx: Ctx, Query(q): Query<ImportQuery>) -> Response {
    let Some(kind) = CsvKind::parse(&q.kind) else {
        return error_page(
            Some(&ctx),
            StatusCode::NOT_FOUND,
            "No such import",
            "Imports take accounts, invoices or payments.",
        );
    };
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{}.csv\"", kind.as_str())),
        ],
        format!("{}\n{}\n", header_line(kind), example(kind)),
    )
        .into_response()
}

pub async fn import(State(state): State<AppState>, ctx: Ctx, form: FormData) -> Response {
    let Some(kind) = CsvKind::parse(&form.get("kind")) else {
        return error_page(
            Some(&ctx),
            StatusCode::BAD_REQUEST,
            "No such import",
            "Imports take accounts, invoices or payments.",
        );
    };
    if !ctx.can(needs(kind)) {
        let message = format!("Importing {} needs the right to {}; ask an administrator.", kind.as_str(), needs(kind).as_str());
        return error_page(Some(&ctx), StatusCode::FORBIDDEN, "Not open to your role", &message);
    }
    // The pasted text is read raw: a CSV's spacing is its own.
    let body = form.0.iter().find(|(k, _)| k == "body").map(|(_, v)| v.clone()).unwrap_or_default();
    let file_name = Some(form.get("file_name")).filter(|n| !n.is_empty()).unwrap_or_else(|| "pasted".into());
    let force = form.get("force") == "1";
    let file = CsvImport {
        kind,
        file_name: file_name.clone(),
        bytes: body.as_bytes(),
        force,
        key: None,
        today: today(),
    };
    let problems = match state.store.import_csv(&ctx.principal.org, &file, &mut |_| {}).await {
        Ok(done) => {
            let msg = format!("Imported {} {} from {file_name}: all of them, in one go.", done.records, kind.as_str());
            return Redirect::to(&format!("/import?kind={}&msg={}", kind.as_str(), encode(&msg))).into_response();
        }
        Err(CsvRefused::Problems(problems)) => problems,
        Err(CsvRefused::Store(e)) => return store_error_page(Some(&ctx), e),
    };
    let mut p = page(&ctx, kind.as_str(), String::new());
    p.problems = problems;
    p.body = body;
    p.file_name = file_name;
    p.force = force;
    (StatusCode::UNPROCESSABLE_ENTITY, render(&p)).into_response()
}
