//! The books-out page: what the next export sends to the general ledger
//! (each day's journal, and corrections of days sent before), exports made
//! (downloaded in any format under the same ids), the mapping of Settle's
//! chart to the customer's, and closing a period. The same store calls as
//! the API and the CLI.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use settle_domain::access::Permission;
use settle_domain::gl_export::ExportFormat;
use settle_store::gl_export::{BooksCloseView, CloseBooks, GlExportView, GlJournalView, MappingView, NewGlExport, SetMapping};

use crate::web::{encode, render, store_error_page, today, Ctx, Errors, FormData};
use crate::AppState;

#[derive(Template)]
#[template(path = "books.html")]
struct BooksPage<'a> {
    ctx: Option<&'a Ctx>,
    through: String,
    due: Vec<GlJournalView>,
    due_error: String,
    exports: Vec<GlExportView>,
    mapping: Vec<MappingView>,
    closes: Vec<BooksCloseView>,
    formats: Vec<(&'static str, &'static str)>,
    can_export: bool,
    can_map: bool,
    msg: String,
    errors: Errors,
    form: FormData,
    failed: &'static str,
}

#[derive(serde::Deserialize, Default)]
pub struct BooksQuery {
    #[serde(default)]
    msg: String,
    #[serde(default)]
    through: String,
}

const FORMATS: [(&str, &str); 5] = [
    ("qbo-csv", "QuickBooks Online (CSV import)"),
    ("qbo-json", "QuickBooks Online (API JSON)"),
    ("iif", "QuickBooks Desktop (IIF)"),
    ("xero-csv", "Xero (manual journal CSV)"),
    ("csv", "Plain CSV"),
];

fn yesterday() -> settle_domain::Date {
    let t = today();
    t.yesterday().unwrap_or(t)
}

async fn page(state: &AppState, ctx: &Ctx, through: settle_domain::Date, msg: String, errors: Errors, form: FormData, failed: &'static str) -> Response {
    let org = &ctx.principal.org;
    let loaded = async {
        Ok::<_, settle_store::StoreError>((
            state.store.gl_exports(org, 20).await?,
            state.store.gl_mapping(org).await?,
            state.store.books_closes(org).await?,
        ))
    };
    let (exports, mapping, closes) = match loaded.await {
        Ok(all) => all,
        Err(e) => return store_error_page(Some(ctx), e),
    };
    // A closed "through" is said beside the list, not as a failed page.
    let (due, due_error) = match state.store.gl_export_due(org, None, through).await {
        Ok(due) => (due, String::new()),
        Err(settle_store::StoreError::Invalid { message, .. }) => (Vec::new(), crate::web::sentence(&message)),
        Err(e) => return store_error_page(Some(ctx), e),
    };
    let status = if errors.any() {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::OK
    };
    let page = BooksPage {
        ctx: Some(ctx),
        through: through.to_string(),
        due,
        due_error,
        exports,
        mapping,
        closes,
        formats: FORMATS.to_vec(),
        can_export: ctx.can(Permission::BooksExport),
        can_map: ctx.can(Permission::SettingsManage),
        msg,
        errors,
        form,
        failed,
    };
    (status, render(&page)).into_response()
}

pub async fn books(State(state): State<AppState>, ctx: Ctx, Query(q): Query<BooksQuery>) -> Response {
    let through = q.through.trim().parse().unwrap_or_else(|_| yesterday());
    page(&state, &ctx, through, q.msg, Errors::default(), FormData::default(), "").await
}

fn done(msg: &str) -> Response {
    Redirect::to(&format!("/books?msg={}", encode(msg))).into_response()
}

async fn refused(state: &AppState, ctx: &Ctx, e: settle_store::StoreError, form: FormData, failed: &'static str, fields: &[(&str, &str)]) -> Response {
    match Errors::from_store(e, fields) {
        Ok(errors) => page(state, ctx, yesterday(), String::new(), errors, form, failed).await,
        Err(e) => store_error_page(Some(ctx), e),
    }
}

fn through_field(form: &FormData, errors: &mut Errors) -> Option<settle_domain::Date> {
    match form.get("through").trim().parse() {
        Ok(d) => Some(d),
        Err(_) => {
            errors.add("through", "Give the date as YYYY-MM-DD.");
            None
        }
    }
}

pub async fn export(State(state): State<AppState>, ctx: Ctx, form: FormData) -> Response {
    let mut errors = Errors::default();
    let through = through_field(&form, &mut errors);
    let Some(through) = through else {
        return page(&state, &ctx, yesterday(), String::new(), errors, form, "export").await;
    };
    let cmd = NewGlExport {
        through,
        from: None,
        format: form.get("format"),
    };
    match state.store.export_gl(&ctx.principal.org, &cmd).await {
        Ok(None) => done(&format!("Nothing to export through {through}: every day was sent and nothing changed since.")),
        Ok(Some((view, _))) => done(&format!(
            "Export {} is made: {} journal(s) through {}. Download it below and import it into the general ledger.",
            view.export_id,
            view.journals.len(),
            view.through
        )),
        Err(e) => {
            refused(
                &state,
                &ctx,
                e,
                form,
                "export",
                &[("through", "through"), ("format", "format"), ("mapping", "form")],
            )
            .await
        }
    }
}

#[derive(serde::Deserialize)]
pub struct FileQuery {
    format: String,
}

pub async fn file(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Query(q): Query<FileQuery>) -> Response {
    let format = match ExportFormat::parse(&q.format) {
        Ok(f) => f,
        Err(m) => return store_error_page(Some(&ctx), settle_store::StoreError::invalid("format", m)),
    };
    match state.store.gl_export_file(&ctx.principal.org, id, format.as_str()).await {
        Ok((view, text)) => (
            [
                (header::CONTENT_TYPE, format.content_type().to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!(
                        "attachment; filename=\"settle-journals-{}-{}.{}\"",
                        view.export_id,
                        format.as_str(),
                        format.extension()
                    ),
                ),
            ],
            text,
        )
            .into_response(),
        Err(e) => store_error_page(Some(&ctx), e),
    }
}

pub async fn map(State(state): State<AppState>, ctx: Ctx, form: FormData) -> Response {
    let current = match state.store.gl_mapping(&ctx.principal.org).await {
        Ok(m) => m,
        Err(e) => return store_error_page(Some(&ctx), e),
    };
    // Only the rows typed into and changed: an empty row stays unmapped.
    let cmds: Vec<SetMapping> = current
        .iter()
        .filter_map(|m| {
            let account = form.get(&format!("account_{}", m.gl_code)).trim().to_string();
            let id = form.get(&format!("id_{}", m.gl_code)).trim().to_string();
            let changed = account != m.target_account || id != m.target_id;
            (changed && !account.is_empty()).then(|| SetMapping {
                gl_code: m.gl_code.clone(),
                target_account: account,
                target_id: Some(id),
            })
        })
        .collect();
    if cmds.is_empty() {
        return done("The mapping is unchanged.");
    }
    match state.store.set_gl_mappings(&ctx.principal.org, &cmds).await {
        Ok(views) => done(&format!("{} account(s) mapped.", views.len())),
        Err(e) => {
            refused(
                &state,
                &ctx,
                e,
                form,
                "mapping",
                &[("target_account", "form"), ("target_id", "form"), ("gl_code", "form")],
            )
            .await
        }
    }
}

pub async fn close(State(state): State<AppState>, ctx: Ctx, form: FormData) -> Response {
    let mut errors = Errors::default();
    let Some(through) = through_field(&form, &mut errors) else {
        return page(&state, &ctx, yesterday(), String::new(), errors, form, "close").await;
    };
    let cmd = CloseBooks {
        through,
        note: form.get("note"),
        without_export: form.get("without_export") == "on",
    };
    match state.store.close_books(&ctx.principal.org, &cmd).await {
        Ok(c) => done(&format!(
            "The books are closed through {}: nothing dated on or before it can be posted now.",
            c.closed_through
        )),
        Err(e) => refused(&state, &ctx, e, form, "close", &[("through", "through"), ("note", "note")]).await,
    }
}
