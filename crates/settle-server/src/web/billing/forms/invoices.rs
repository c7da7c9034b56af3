//! Invoices: drafts typed in (lines priced by the store), edited, issued,
//! voided.

use crate::web::billing::forms::date_field;
use crate::web::billing::forms::refused;
use crate::web::{encode, money, render, store_error_page, today, Ctx, Errors, FormData};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use settle_store::billing::{AccountDetail, EditDraftInvoice, IssueInvoice, NewInvoice, NewInvoiceLine, VoidInvoice};

#[derive(Clone, Default)]
pub struct LineRow {
    pub item_code: String,
    pub description: String,
    pub quantity: String,
    pub unit_price: String,
    pub tax_rate: String,
}

#[derive(Template)]
#[template(path = "invoice_form.html")]
pub(super) struct InvoiceForm<'a> {
    ctx: Option<&'a Ctx>,
    title: String,
    action: String,
    account_number: String,
    name: String,
    currency: String,
    issue_date: String,
    terms: String,
    memo: String,
    lines: Vec<LineRow>,
    errors: Errors,
}

pub(super) fn lines_from(form: &FormData) -> Vec<LineRow> {
    let codes = form.all("item_code");
    let descriptions = form.all("description");
    let quantities = form.all("quantity");
    let prices = form.all("unit_price");
    let taxes = form.all("tax_rate");
    let at = |v: &Vec<String>, i: usize| v.get(i).cloned().unwrap_or_default();
    (0..codes.len().max(prices.len()))
        .map(|i| LineRow {
            item_code: at(&codes, i),
            description: at(&descriptions, i),
            quantity: at(&quantities, i),
            unit_price: at(&prices, i),
            tax_rate: at(&taxes, i),
        })
        .collect()
}

/// The lines someone filled in (a row left blank is not a line).
pub(super) fn typed_lines(rows: &[LineRow]) -> Vec<NewInvoiceLine> {
    rows.iter()
        .filter(|r| !(r.item_code.is_empty() && r.description.is_empty() && r.unit_price.is_empty()))
        .map(|r| NewInvoiceLine {
            item_code: r.item_code.clone(),
            description: r.description.clone(),
            quantity: if r.quantity.is_empty() { "1".into() } else { r.quantity.clone() },
            unit_price: r.unit_price.replace([',', '$'], ""),
            tax_rate: if r.tax_rate.is_empty() { "0".into() } else { r.tax_rate.clone() },
        })
        .collect()
}

pub(super) const INVOICE_FIELDS: &[(&str, &str)] = &[
    ("lines", "lines"),
    ("lines.item_code", "lines"),
    ("lines.description", "lines"),
    ("terms", "terms"),
    ("memo", "memo"),
    ("issue_date", "issue_date"),
    ("account_number", "form"),
];

pub(super) async fn account_or_page(state: &AppState, ctx: &Ctx, number: &str) -> Result<AccountDetail, Response> {
    state
        .store
        .account_detail(&ctx.principal.org, number)
        .await
        .map_err(|e| store_error_page(Some(ctx), e))
}

pub async fn new_invoice(State(state): State<AppState>, ctx: Ctx, Path(number): Path<String>) -> Response {
    let a = match account_or_page(&state, &ctx, &number).await {
        Ok(a) => a,
        Err(response) => return response,
    };
    let blank = LineRow {
        quantity: "1".into(),
        tax_rate: "0".into(),
        ..LineRow::default()
    };
    render(&InvoiceForm {
        ctx: Some(&ctx),
        title: "New invoice".into(),
        action: format!("/accounts/{}/invoices/new", a.summary.account_number),
        account_number: a.summary.account_number.clone(),
        name: a.summary.name.clone(),
        currency: a.summary.currency.clone(),
        issue_date: today().to_string(),
        terms: a.payment_terms.clone(),
        memo: String::new(),
        lines: vec![blank.clone(), blank],
        errors: Errors::default(),
    })
    .into_response()
}

pub async fn create_invoice(State(state): State<AppState>, ctx: Ctx, Path(number): Path<String>, form: FormData) -> Response {
    let a = match account_or_page(&state, &ctx, &number).await {
        Ok(a) => a,
        Err(response) => return response,
    };
    let mut errors = Errors::default();
    let issue_date = date_field(&form, "issue_date", &mut errors);
    let rows = lines_from(&form);
    let lines = typed_lines(&rows);
    if lines.is_empty() {
        errors.add("lines", "Add at least one line with a code, a description or a price.");
    }
    let draft = form.get("submit_as") == "draft";
    if !errors.any() {
        let cmd = NewInvoice {
            account_number: a.summary.account_number.clone(),
            issue_date,
            terms: Some(form.get("terms")).filter(|t| !t.is_empty()),
            lines,
            memo: form.get("memo"),
            draft,
        };
        match state.store.create_invoice(&ctx.principal.org, &cmd, None).await {
            Ok(created) => {
                let msg = if draft {
                    format!("Draft {} saved; it is not on the account until issued.", created.invoice_number)
                } else {
                    format!(
                        "Invoice {} issued for {}, due {}.",
                        created.invoice_number,
                        money(&created.total, &a.summary.currency),
                        created.due_date
                    )
                };
                return Redirect::to(&format!("/invoices/{}?msg={}", created.invoice_number, encode(&msg))).into_response();
            }
            Err(error) => match refused(&ctx, error, INVOICE_FIELDS) {
                Ok(e) => errors = e,
                Err(response) => return response,
            },
        }
    }
    let page = InvoiceForm {
        ctx: Some(&ctx),
        title: "New invoice".into(),
        action: format!("/accounts/{}/invoices/new", a.summary.account_number),
        account_number: a.summary.account_number.clone(),
        name: a.summary.name.clone(),
        currency: a.summary.currency.clone(),
        issue_date: form.get("issue_date"),
        terms: form.get("terms"),
        memo: form.get("memo"),
        lines: if rows.is_empty() { vec![LineRow::default()] } else { rows },
        errors,
    };
    (StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response()
}

pub async fn edit_invoice(State(state): State<AppState>, ctx: Ctx, Path(number): Path<String>) -> Response {
    let org = &ctx.principal.org;
    let i = match state.store.invoice_detail(org, &number).await {
        Ok(i) => i,
        Err(error) => return store_error_page(Some(&ctx), error),
    };
    if i.status != "draft" {
        return crate::web::error_page(
            Some(&ctx),
            StatusCode::CONFLICT,
            "Only drafts can be edited",
            &format!(
                "Invoice {} is {}. An issued invoice is never changed: void it and issue a new one, or adjust it.",
                i.invoice_number, i.status
            ),
        );
    }
    let a = match account_or_page(&state, &ctx, &i.account_number).await {
        Ok(a) => a,
        Err(response) => return response,
    };
    render(&InvoiceForm {
        ctx: Some(&ctx),
        title: format!("Edit draft {}", i.invoice_number),
        action: format!("/invoices/{}/edit", i.invoice_number),
        account_number: i.account_number.clone(),
        name: a.summary.name,
        currency: i.currency.clone(),
        issue_date: i.issue_date.to_string(),
        terms: i.terms.clone(),
        memo: i.memo.clone(),
        lines: i
            .lines
            .iter()
            .map(|l| LineRow {
                item_code: l.item_code.clone(),
                description: l.description.clone(),
                quantity: l.quantity.clone(),
                unit_price: l.unit_price.clone(),
                tax_rate: l.tax_rate.clone(),
            })
            .collect(),
        errors: Errors::default(),
    })
    .into_response()
}

pub async fn save_invoice(State(state): State<AppState>, ctx: Ctx, Path(number): Path<String>, form: FormData) -> Response {
    let org = &ctx.principal.org;
    let i = match state.store.invoice_detail(org, &number).await {
        Ok(i) => i,
        Err(error) => return store_error_page(Some(&ctx), error),
    };
    let mut errors = Errors::default();
    let issue_date = date_field(&form, "issue_date", &mut errors);
    let rows = lines_from(&form);
    let lines = typed_lines(&rows);
    if lines.is_empty() {
        errors.add("lines", "Add at least one line with a code, a description or a price.");
    }
    if !errors.any() {
        let cmd = EditDraftInvoice {
            invoice_number: i.invoice_number.clone(),
            issue_date,
            terms: Some(form.get("terms")).filter(|t| !t.is_empty()),
            lines,
            memo: form.get("memo"),
        };
        let saved = state.store.edit_draft_invoice(org, &cmd, None).await;
        let outcome = match saved {
            Ok(saved) if form.get("submit_as") != "draft" => state
                .store
                .issue_invoice(
                    org,
                    &IssueInvoice {
                        invoice_number: saved.invoice_number.clone(),
                    },
                    None,
                )
                .await
                .map(|_| format!("Invoice {} issued for {}.", saved.invoice_number, money(&saved.total, &i.currency))),
            Ok(saved) => Ok(format!("Draft {} saved.", saved.invoice_number)),
            Err(error) => Err(error),
        };
        match outcome {
            Ok(msg) => return Redirect::to(&format!("/invoices/{}?msg={}", i.invoice_number, encode(&msg))).into_response(),
            Err(error) => match refused(&ctx, error, INVOICE_FIELDS) {
                Ok(e) => errors = e,
                Err(response) => return response,
            },
        }
    }
    let page = InvoiceForm {
        ctx: Some(&ctx),
        title: format!("Edit draft {}", i.invoice_number),
        action: format!("/invoices/{}/edit", i.invoice_number),
        account_number: i.account_number.clone(),
        name: String::new(),
        currency: i.currency.clone(),
        issue_date: form.get("issue_date"),
        terms: form.get("terms"),
        memo: form.get("memo"),
        lines: if rows.is_empty() { vec![LineRow::default()] } else { rows },
        errors,
    };
    (StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response()
}

pub async fn issue_invoice(State(state): State<AppState>, ctx: Ctx, Path(number): Path<String>) -> Response {
    let cmd = IssueInvoice {
        invoice_number: number.clone(),
    };
    match state.store.issue_invoice(&ctx.principal.org, &cmd, None).await {
        Ok(_) => Redirect::to(&format!("/invoices/{}?msg={}", encode(&number), encode("Issued; it is now on the account."))).into_response(),
        Err(error) => store_error_page(Some(&ctx), error),
    }
}

pub async fn void_invoice(State(state): State<AppState>, ctx: Ctx, Path(number): Path<String>, form: FormData) -> Response {
    let reason = Some(form.get("reason"))
        .filter(|r| !r.is_empty())
        .unwrap_or_else(|| "voided in the pages".into());
    let cmd = VoidInvoice {
        invoice_number: number.clone(),
        date: today(),
        reason,
    };
    match state.store.void_invoice(&ctx.principal.org, &cmd, None).await {
        Ok(_) => Redirect::to(&format!("/invoices/{}?msg={}", encode(&number), encode("Voided; its charge is reversed."))).into_response(),
        Err(error) => store_error_page(Some(&ctx), error),
    }
}

// ---------------------------------------------------------------------------
// Payments, with an allocation preview.
