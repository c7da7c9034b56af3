//! The forms that change the books: invoices, payments, adjustments,
//! refunds, notes, contacts, and the approvals queue. Each calls the same
//! store command as the API and CLI; a refusal comes back as the form
//! again, with the values typed and the message beside the field.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use settle_domain::allocation::{allocate, AllocationPlan, AllocationTarget, OpenItem};
use settle_domain::events::AdjustmentReason;
use settle_domain::money::{Currency, Money};
use settle_domain::Date;
use settle_store::billing::{
    limit_money, AccountDetail, AdjustmentOutcome, ApplyTo, ApprovalView, EditDraftInvoice, IssueInvoice, ItemView, NewAdjustment, NewInvoice, NewInvoiceLine,
    NewPayment, NewRefund, VoidInvoice, PAYMENT_METHODS,
};
use settle_store::StoreError;

use crate::web::billing::pages::{account_page, MsgQuery};
use crate::web::{encode, money, render, sentence, store_error_page, today, Ctx, Errors, FormData};
use crate::AppState;

fn back_to_account(number: &str, msg: &str) -> Response {
    Redirect::to(&format!("/accounts/{}?msg={}", encode(number), encode(msg))).into_response()
}

/// A date field: empty means today; anything else must be a date.
fn date_field(form: &FormData, name: &str, errors: &mut Errors) -> Date {
    let text = form.get(name);
    if text.is_empty() {
        return today();
    }
    text.parse().unwrap_or_else(|_| {
        errors.add(name, format!("“{text}” is not a date; use the date picker or YYYY-MM-DD."));
        today()
    })
}

/// Reports a store refusal on the form, or the error page for anything worse.
fn refused(ctx: &Ctx, error: StoreError, fields: &[(&str, &str)]) -> Result<Errors, Response> {
    Errors::from_store(error, fields).map_err(|e| store_error_page(Some(ctx), e))
}

// ---------------------------------------------------------------------------
// Notes and contacts: posted from the account page, shown there again on error.

pub async fn add_note(State(state): State<AppState>, ctx: Ctx, Path(number): Path<String>, form: FormData) -> Response {
    let body = form.get("body");
    match state.store.add_note(&ctx.principal.org, &number, &body).await {
        Ok(_) => back_to_account(&number, "Note saved."),
        Err(error) => {
            let errors = match refused(&ctx, error, &[("body", "body")]) {
                Ok(errors) => errors,
                Err(response) => return response,
            };
            match account_page(&state, &ctx, &number, String::new()).await {
                Ok(mut page) => {
                    page.errors = errors;
                    page.note_text = body;
                    (StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response()
                }
                Err(response) => response,
            }
        }
    }
}

pub async fn change_contact(State(state): State<AppState>, ctx: Ctx, Path(number): Path<String>, form: FormData) -> Response {
    let kind = form.get("kind");
    let value = match form.address() {
        Some(address) if kind == "address" => address,
        _ => settle_store::address::AddressInput::Text(form.get("value")),
    };
    match state.store.set_contact(&ctx.principal.org, &number, &kind, &value, today()).await {
        Ok(()) => back_to_account(&number, &format!("The {kind} is changed; the old one is kept in the history.")),
        Err(error) => {
            let field = if kind == "address" { "address" } else { "value" };
            let errors = match refused(&ctx, error, &[("value", field), ("kind", field)]) {
                Ok(errors) => errors,
                Err(response) => return response,
            };
            match account_page(&state, &ctx, &number, String::new()).await {
                Ok(mut page) => {
                    page.errors = errors;
                    (StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response()
                }
                Err(response) => response,
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Opening an account.

#[derive(Template)]
#[template(path = "account_form.html")]
struct AccountForm<'a> {
    ctx: Option<&'a Ctx>,
    f: FormData,
    errors: Errors,
}

pub async fn new_account(State(state): State<AppState>, ctx: Ctx) -> Response {
    let terms = match state.store.settings(&ctx.principal.org).await {
        Ok(s) => s.default_terms,
        Err(e) => return store_error_page(Some(&ctx), e),
    };
    let f = FormData(vec![
        ("kind".into(), "person".into()),
        ("ar_kind".into(), "patient".into()),
        ("payment_terms".into(), terms),
        ("opened_on".into(), today().to_string()),
    ]);
    render(&AccountForm {
        ctx: Some(&ctx),
        f,
        errors: Errors::default(),
    })
    .into_response()
}

pub async fn create_account(State(state): State<AppState>, ctx: Ctx, form: FormData) -> Response {
    let mut errors = Errors::default();
    let opened_on = date_field(&form, "opened_on", &mut errors);
    let date_of_birth = match form.get("date_of_birth") {
        text if text.is_empty() => None,
        text => match text.parse::<Date>() {
            Ok(date) => Some(date),
            Err(_) => {
                errors.add("date_of_birth", format!("“{text}” is not a date; use the date picker or YYYY-MM-DD."));
                None
            }
        },
    };
    let optional = |name: &str| Some(form.get(name)).filter(|v| !v.is_empty());
    if !errors.any() {
        let cmd = settle_store::billing::NewAccount {
            account_number: form.get("account_number"),
            party: settle_store::billing::NewParty {
                sex: None,
                kind: form.get("kind"),
                name: form.get("name"),
                date_of_birth,
                email: optional("email"),
                phone: optional("phone"),
                address: form.address(),
            },
            ar_kind: form.get("ar_kind"),
            currency: None,
            payment_terms: optional("payment_terms"),
            opened_on,
        };
        match state.store.add_account(&ctx.principal.org, &cmd, None).await {
            Ok(created) => return back_to_account(&created.account_number, "Account opened."),
            Err(error) => match refused(
                &ctx,
                error,
                &[
                    ("account_number", "account_number"),
                    ("name", "name"),
                    ("party.name", "name"),
                    ("kind", "kind"),
                    ("party.kind", "kind"),
                    ("email", "email"),
                    ("phone", "phone"),
                    ("party.address", "address"),
                    ("ar_kind", "ar_kind"),
                    ("payment_terms", "payment_terms"),
                    ("date_of_birth", "date_of_birth"),
                ],
            ) {
                Ok(e) => errors = e,
                Err(response) => return response,
            },
        }
    }
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        render(&AccountForm {
            ctx: Some(&ctx),
            f: form,
            errors,
        }),
    )
        .into_response()
}

// ---------------------------------------------------------------------------
// Invoices.

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
struct InvoiceForm<'a> {
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

fn lines_from(form: &FormData) -> Vec<LineRow> {
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
fn typed_lines(rows: &[LineRow]) -> Vec<NewInvoiceLine> {
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

const INVOICE_FIELDS: &[(&str, &str)] = &[
    ("lines", "lines"),
    ("lines.item_code", "lines"),
    ("lines.description", "lines"),
    ("terms", "terms"),
    ("memo", "memo"),
    ("issue_date", "issue_date"),
    ("account_number", "form"),
];

async fn account_or_page(state: &AppState, ctx: &Ctx, number: &str) -> Result<AccountDetail, Response> {
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

#[derive(Clone)]
pub struct PlanRow {
    pub reference: String,
    pub description: String,
    pub due_date: String,
    pub balance: String,
    pub apply: String,
}

#[derive(Template)]
#[template(path = "payment_form.html")]
struct PaymentForm<'a> {
    ctx: Option<&'a Ctx>,
    a: AccountDetail,
    amount: String,
    method: String,
    reference: String,
    received_on: String,
    methods: &'static [&'static str],
    plan: Vec<PlanRow>,
    left_over: String,
    currency: String,
    error: String,
    errors: Errors,
}

#[derive(Template)]
#[template(path = "payment_plan.html")]
struct PaymentPlan {
    currency: String,
    plan: Vec<PlanRow>,
    left_over: String,
    error: String,
}

fn open_items(a: &AccountDetail) -> Vec<&ItemView> {
    let mut items: Vec<&ItemView> = a.items.iter().filter(|i| i.status == "open" && i.balance != "0.00").collect();
    items.sort_by(|x, y| x.due_date.cmp(&y.due_date));
    items
}

/// Oldest due first: the domain's own rule, the one the store applies
/// when not told otherwise, so the preview is what will post.
fn plan(a: &AccountDetail, amount: &str) -> Result<(Vec<PlanRow>, String), String> {
    let cur = Currency::from_code(&a.summary.currency).map_err(|e| e.to_string())?;
    let total = if amount.trim().is_empty() {
        0
    } else {
        Money::parse(&amount.replace([',', '$'], ""), cur)
            .map_err(|e| format!("The amount {e}."))?
            .amount_minor()
    };
    let items = open_items(a);
    // Positions stand in for item ids: the account page lists items by due
    // date and id, so they tie-break as the store's ids do.
    let open: Vec<OpenItem> = items
        .iter()
        .enumerate()
        .map(|(position, item)| OpenItem {
            item_id: position as i64,
            due_date: item.due_date.parse().unwrap_or_default(),
            issue_date: item.issue_date.parse().unwrap_or_default(),
            balance_minor: Money::parse(&item.balance, cur).map(|m| m.amount_minor()).unwrap_or(0),
        })
        .collect();
    let allocation = if total > 0 {
        allocate(total, &open, &AllocationTarget::OldestFirst).map_err(|e| sentence(&e.to_string()))?
    } else {
        AllocationPlan::default()
    };
    let rows = items
        .iter()
        .enumerate()
        .map(|(position, item)| {
            let apply = allocation
                .allocations
                .iter()
                .find(|(id, _)| *id == position as i64)
                .map_or(0, |(_, minor)| *minor);
            PlanRow {
                reference: item.reference.clone(),
                description: item.description.clone(),
                due_date: item.due_date.clone(),
                balance: item.balance.clone(),
                apply: if apply > 0 {
                    Money::from_minor(apply, cur).to_decimal_string()
                } else {
                    String::new()
                },
            }
        })
        .collect();
    Ok((rows, Money::from_minor(allocation.unapplied_minor.max(0), cur).to_decimal_string()))
}

#[derive(Deserialize, Default)]
pub struct PreviewQuery {
    #[serde(default)]
    amount: String,
}

pub async fn new_payment(State(state): State<AppState>, ctx: Ctx, Path(number): Path<String>) -> Response {
    let a = match account_or_page(&state, &ctx, &number).await {
        Ok(a) => a,
        Err(response) => return response,
    };
    let (plan, left_over) = plan(&a, "").unwrap_or_default();
    render(&PaymentForm {
        ctx: Some(&ctx),
        currency: a.summary.currency.clone(),
        a,
        amount: String::new(),
        method: "check".into(),
        reference: String::new(),
        received_on: today().to_string(),
        methods: PAYMENT_METHODS,
        plan,
        left_over,
        error: String::new(),
        errors: Errors::default(),
    })
    .into_response()
}

/// The allocation the amount typed would make, for the user to keep or change.
pub async fn payment_preview(State(state): State<AppState>, ctx: Ctx, Path(number): Path<String>, Query(q): Query<PreviewQuery>) -> Response {
    let a = match account_or_page(&state, &ctx, &number).await {
        Ok(a) => a,
        Err(response) => return response,
    };
    let (rows, left_over, error) = match plan(&a, &q.amount) {
        Ok((rows, left)) => (rows, left, String::new()),
        Err(error) => (plan(&a, "").map(|p| p.0).unwrap_or_default(), String::new(), error),
    };
    render(&PaymentPlan {
        currency: a.summary.currency.clone(),
        plan: rows,
        left_over,
        error,
    })
    .into_response()
}

pub async fn post_payment(State(state): State<AppState>, ctx: Ctx, Path(number): Path<String>, form: FormData) -> Response {
    let a = match account_or_page(&state, &ctx, &number).await {
        Ok(a) => a,
        Err(response) => return response,
    };
    let mut errors = Errors::default();
    let received_on = date_field(&form, "received_on", &mut errors);
    let amount = form.get("amount").replace([',', '$'], "");
    if amount.is_empty() {
        errors.add("amount", "Enter the amount received.");
    }
    let refs = form.all("apply_reference");
    let amounts = form.all("apply_amount");
    let overridden = form.get("allocation") == "manual";
    let apply_to: Vec<ApplyTo> = if overridden {
        refs.iter()
            .zip(amounts.iter())
            .filter(|(_, amount)| !amount.is_empty())
            .map(|(reference, amount)| ApplyTo {
                reference: reference.clone(),
                amount: Some(amount.replace([',', '$'], "")),
            })
            .collect()
    } else {
        Vec::new()
    };
    if !errors.any() {
        let cmd = NewPayment {
            account_number: a.summary.account_number.clone(),
            amount: amount.clone(),
            method: form.get("method"),
            reference: form.get("reference"),
            received_on,
            apply_to,
        };
        match state.store.post_payment(&ctx.principal.org, &cmd, None).await {
            Ok(posted) => {
                let cur = &a.summary.currency;
                let applied: Vec<String> = posted.applied.iter().map(|x| format!("{} {}", x.reference, money(&x.amount, cur))).collect();
                let mut msg = format!("Payment {} of {} posted", posted.payment_id, money(&posted.amount, cur));
                if !applied.is_empty() {
                    msg.push_str(&format!(": applied to {}", applied.join(", ")));
                }
                if posted.unapplied != "0.00" {
                    msg.push_str(&format!("; {} kept as credit", money(&posted.unapplied, cur)));
                }
                msg.push('.');
                return back_to_account(&a.summary.account_number, &msg);
            }
            Err(error) => match refused(
                &ctx,
                error,
                &[
                    ("amount", "amount"),
                    ("method", "method"),
                    ("reference", "reference"),
                    ("apply_to", "allocation"),
                    ("received_on", "received_on"),
                ],
            ) {
                Ok(e) => errors = e,
                Err(response) => return response,
            },
        }
    }
    let (mut rows, left_over) = plan(&a, &amount).unwrap_or_default();
    if overridden {
        for row in &mut rows {
            row.apply = refs
                .iter()
                .position(|r| *r == row.reference)
                .and_then(|i| amounts.get(i).cloned())
                .unwrap_or_default();
        }
    }
    let page = PaymentForm {
        ctx: Some(&ctx),
        currency: a.summary.currency.clone(),
        error: String::new(),
        a,
        amount: form.get("amount"),
        method: form.get("method"),
        reference: form.get("reference"),
        received_on: form.get("received_on"),
        methods: PAYMENT_METHODS,
        plan: rows,
        left_over,
        errors,
    };
    (StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response()
}

// ---------------------------------------------------------------------------
// Adjustments, held above the approval limit.

#[derive(Template)]
#[template(path = "adjustment_form.html")]
struct AdjustmentForm<'a> {
    ctx: Option<&'a Ctx>,
    a: AccountDetail,
    items: Vec<ItemView>,
    reasons: Vec<(&'static str, String)>,
    limit: String,
    reference: String,
    reason: String,
    amount: String,
    date: String,
    memo: String,
    errors: Errors,
}

fn reasons() -> Vec<(&'static str, String)> {
    AdjustmentReason::ALL.iter().map(|r| (r.as_str(), r.as_str().replace('_', " "))).collect()
}

async fn adjustment_form<'a>(state: &AppState, ctx: &'a Ctx, number: &str) -> Result<AdjustmentForm<'a>, Response> {
    let a = account_or_page(state, ctx, number).await?;
    let settings = state.store.settings(&ctx.principal.org).await.map_err(|e| store_error_page(Some(ctx), e))?;
    let limit = limit_money(&settings).map_or(settings.writeoff_approval_limit.clone(), |m| money(&m.to_decimal_string(), &settings.currency));
    let items = open_items(&a).into_iter().cloned().collect();
    Ok(AdjustmentForm {
        ctx: Some(ctx),
        a,
        items,
        reasons: reasons(),
        limit,
        reference: String::new(),
        reason: "courtesy_discount".into(),
        amount: String::new(),
        date: today().to_string(),
        memo: String::new(),
        errors: Errors::default(),
    })
}

pub async fn new_adjustment(State(state): State<AppState>, ctx: Ctx, Path(number): Path<String>) -> Response {
    match adjustment_form(&state, &ctx, &number).await {
        Ok(page) => render(&page).into_response(),
        Err(response) => response,
    }
}

pub async fn post_adjustment(State(state): State<AppState>, ctx: Ctx, Path(number): Path<String>, form: FormData) -> Response {
    let mut page = match adjustment_form(&state, &ctx, &number).await {
        Ok(page) => page,
        Err(response) => return response,
    };
    let mut errors = Errors::default();
    let date = date_field(&form, "date", &mut errors);
    if form.get("reference").is_empty() {
        errors.add("reference", "Choose the item to adjust.");
    }
    if form.get("amount").is_empty() {
        errors.add("amount", "Enter the amount to take off.");
    }
    if !errors.any() {
        let cmd = NewAdjustment {
            reference: form.get("reference"),
            reason: form.get("reason"),
            amount: form.get("amount").replace([',', '$'], ""),
            date,
            memo: form.get("memo"),
        };
        match state.store.submit_adjustment(&ctx.principal.org, &cmd, None).await {
            Ok(AdjustmentOutcome::Posted(p)) => {
                let cur = &page.a.summary.currency;
                return back_to_account(
                    &page.a.summary.account_number,
                    &format!(
                        "{} adjusted by {}; its balance is now {}.",
                        p.reference,
                        money(&p.amount, cur),
                        money(&p.balance, cur)
                    ),
                );
            }
            Ok(AdjustmentOutcome::Held(h)) => {
                let cur = &page.a.summary.currency;
                return back_to_account(
                    &page.a.summary.account_number,
                    &format!(
                        "The {} of {} on {} is above the approval limit of {}: it is waiting for a coordinator's approval (request {}) and nothing is posted yet.",
                        h.reason.replace('_', " "),
                        money(&h.amount, cur),
                        h.reference,
                        page.limit,
                        h.approval_id
                    ),
                );
            }
            Err(error) => match refused(
                &ctx,
                error,
                &[
                    ("reference", "reference"),
                    ("reason", "reason"),
                    ("amount", "amount"),
                    ("memo", "memo"),
                    ("date", "date"),
                ],
            ) {
                Ok(e) => errors = e,
                Err(response) => return response,
            },
        }
    }
    page.reference = form.get("reference");
    page.reason = form.get("reason");
    page.amount = form.get("amount");
    page.date = form.get("date");
    page.memo = form.get("memo");
    page.errors = errors;
    (StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response()
}

// ---------------------------------------------------------------------------
// Refunds out of credit.

#[derive(Template)]
#[template(path = "refund_form.html")]
struct RefundForm<'a> {
    ctx: Option<&'a Ctx>,
    a: AccountDetail,
    methods: &'static [&'static str],
    amount: String,
    method: String,
    reference: String,
    date: String,
    errors: Errors,
}

pub async fn new_refund(State(state): State<AppState>, ctx: Ctx, Path(number): Path<String>) -> Response {
    let a = match account_or_page(&state, &ctx, &number).await {
        Ok(a) => a,
        Err(response) => return response,
    };
    let amount = a.summary.credit.clone();
    render(&RefundForm {
        ctx: Some(&ctx),
        a,
        methods: PAYMENT_METHODS,
        amount,
        method: "check".into(),
        reference: String::new(),
        date: today().to_string(),
        errors: Errors::default(),
    })
    .into_response()
}

pub async fn post_refund(State(state): State<AppState>, ctx: Ctx, Path(number): Path<String>, form: FormData) -> Response {
    let a = match account_or_page(&state, &ctx, &number).await {
        Ok(a) => a,
        Err(response) => return response,
    };
    let mut errors = Errors::default();
    let date = date_field(&form, "date", &mut errors);
    if !errors.any() {
        let cmd = NewRefund {
            account_number: a.summary.account_number.clone(),
            amount: form.get("amount").replace([',', '$'], ""),
            method: form.get("method"),
            reference: form.get("reference"),
            date,
        };
        match state.store.refund(&ctx.principal.org, &cmd, None).await {
            Ok(r) => {
                return back_to_account(
                    &a.summary.account_number,
                    &format!(
                        "Refund {} of {} recorded; credit left {}.",
                        r.refund_id,
                        money(&r.amount, &a.summary.currency),
                        money(&r.credit_left, &a.summary.currency)
                    ),
                )
            }
            Err(error) => match refused(
                &ctx,
                error,
                &[("amount", "amount"), ("method", "method"), ("reference", "reference"), ("date", "date")],
            ) {
                Ok(e) => errors = e,
                Err(response) => return response,
            },
        }
    }
    let page = RefundForm {
        ctx: Some(&ctx),
        a,
        methods: PAYMENT_METHODS,
        amount: form.get("amount"),
        method: form.get("method"),
        reference: form.get("reference"),
        date: form.get("date"),
        errors,
    };
    (StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response()
}

// ---------------------------------------------------------------------------
// The approvals queue.

#[derive(Template)]
#[template(path = "approvals.html")]
struct ApprovalsPage<'a> {
    ctx: Option<&'a Ctx>,
    pending: Vec<ApprovalView>,
    decided: Vec<ApprovalView>,
    limit: String,
    msg: String,
    error: String,
}

async fn approvals_page<'a>(state: &AppState, ctx: &'a Ctx, msg: String, error: String) -> Result<ApprovalsPage<'a>, Response> {
    let org = &ctx.principal.org;
    let fail = |e| store_error_page(Some(ctx), e);
    let pending = state.store.approvals(org, Some("pending"), 1000).await.map_err(fail)?;
    let mut decided: Vec<ApprovalView> = state
        .store
        .approvals(org, None, 1000)
        .await
        .map_err(fail)?
        .into_iter()
        .filter(|v| v.status != "pending")
        .collect();
    decided.reverse();
    decided.truncate(25);
    let settings = state.store.settings(org).await.map_err(fail)?;
    Ok(ApprovalsPage {
        ctx: Some(ctx),
        pending,
        decided,
        limit: money(&settings.writeoff_approval_limit, &settings.currency),
        msg,
        error,
    })
}

pub async fn approvals(State(state): State<AppState>, ctx: Ctx, Query(q): Query<MsgQuery>) -> Response {
    match approvals_page(&state, &ctx, q.msg, String::new()).await {
        Ok(page) => render(&page).into_response(),
        Err(response) => response,
    }
}

async fn decide(state: AppState, ctx: Ctx, id: i64, form: FormData, approve: bool) -> Response {
    match state.store.decide_approval(&ctx.principal.org, id, approve, &form.get("note")).await {
        Ok(v) => {
            let msg = if approve {
                format!(
                    "Approved: {} of {} posted to {} ({}).",
                    v.reason.replace('_', " "),
                    money(&v.amount, &v.currency),
                    v.reference,
                    v.name
                )
            } else {
                format!("Rejected: nothing was posted to {} ({}).", v.reference, v.name)
            };
            Redirect::to(&format!("/approvals?msg={}", encode(&msg))).into_response()
        }
        Err(StoreError::Invalid { message, .. }) => match approvals_page(&state, &ctx, String::new(), crate::web::sentence(&message)).await {
            Ok(page) => (StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response(),
            Err(response) => response,
        },
        Err(error) => store_error_page(Some(&ctx), error),
    }
}

pub async fn approve(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>, form: FormData) -> Response {
    decide(state, ctx, id, form, true).await
}

pub async fn reject(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>, form: FormData) -> Response {
    decide(state, ctx, id, form, false).await
}
