//! Correcting money from the account page, with the same store commands
//! and permissions as the API and the CLI: a returned payment reversed
//! (with the returned-check fee), a credit note issued, credit applied to
//! what is open. Each form names the field a refusal is about and keeps
//! what was typed; each confirms before it changes the books.

use crate::web::billing::forms::invoices::account_or_page;
use crate::web::billing::forms::payments::open_items;
use crate::web::billing::forms::{back_to_account, date_field, refused};
use crate::web::{money, render, store_error_page, today, Ctx, Errors, FormData};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use settle_store::billing::{AccountDetail, ApplyCredit, ApplyTo, ItemView, NewCreditNote, PaymentView, ReversePayment};
use settle_store::StoreError;

/// Which correction the form makes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Reverse,
    CreditNote,
    ApplyCredit,
}

#[derive(Template)]
#[template(path = "correction_form.html")]
pub(super) struct CorrectionForm<'a> {
    ctx: Option<&'a Ctx>,
    a: AccountDetail,
    kind: Kind,
    payment: Option<PaymentView>,
    items: Vec<ItemView>,
    amount: String,
    date: String,
    reason: String,
    fee: String,
    memo: String,
    apply_to: String,
    errors: Errors,
}

impl CorrectionForm<'_> {
    fn title(&self) -> &'static str {
        match self.kind {
            Kind::Reverse => "Reverse a returned payment",
            Kind::CreditNote => "Issue a credit note",
            Kind::ApplyCredit => "Apply credit to what is owed",
        }
    }
    fn action(&self) -> String {
        let n = &self.a.summary.account_number;
        match (self.kind, &self.payment) {
            (Kind::Reverse, Some(p)) => format!("/accounts/{n}/payments/{}/reverse", p.payment_id),
            (Kind::CreditNote, _) => format!("/accounts/{n}/credit-notes/new"),
            _ => format!("/accounts/{n}/apply-credit"),
        }
    }
    fn confirm(&self) -> String {
        match (self.kind, &self.payment) {
            (Kind::Reverse, Some(p)) => format!(
                "Reverse payment {} of {}? What it paid is owed again.",
                p.payment_id,
                money(&p.amount, &self.a.summary.currency)
            ),
            (Kind::CreditNote, _) => "Issue this credit note? It is posted to the books and cannot be edited.".into(),
            _ => "Apply this credit to the account's open items?".into(),
        }
    }
    fn is(&self, kind: &str) -> bool {
        matches!(
            (kind, self.kind),
            ("reverse", Kind::Reverse) | ("credit_note", Kind::CreditNote) | ("apply_credit", Kind::ApplyCredit)
        )
    }
}

/// The reasons a payment comes back, as a clerk picks them.
pub(super) const RETURN_REASONS: &[&str] = &[
    "Returned check: not sufficient funds",
    "Returned check: account closed",
    "Stop payment",
    "Card chargeback",
    "Posted to the wrong account",
];

async fn form<'a>(state: &AppState, ctx: &'a Ctx, number: &str, kind: Kind, payment_id: Option<i64>) -> Result<CorrectionForm<'a>, Response> {
    let a = account_or_page(state, ctx, number).await?;
    let payment = match payment_id {
        Some(id) => match a.payments.iter().find(|p| p.payment_id == id) {
            Some(p) => Some(p.clone()),
            None => return Err(store_error_page(Some(ctx), StoreError::not_found("payment on this account", id))),
        },
        None => None,
    };
    let items = open_items(&a).into_iter().cloned().collect();
    let amount = if kind == Kind::ApplyCredit { a.summary.credit.clone() } else { String::new() };
    Ok(CorrectionForm {
        ctx: Some(ctx),
        a,
        kind,
        payment,
        items,
        amount,
        date: today().to_string(),
        reason: RETURN_REASONS[0].into(),
        fee: String::new(),
        memo: String::new(),
        apply_to: String::new(),
        errors: Errors::default(),
    })
}

fn show(result: Result<CorrectionForm<'_>, Response>) -> Response {
    match result {
        Ok(page) => render(&page).into_response(),
        Err(response) => response,
    }
}

pub async fn reverse_form(State(state): State<AppState>, ctx: Ctx, Path((number, id)): Path<(String, i64)>) -> Response {
    show(form(&state, &ctx, &number, Kind::Reverse, Some(id)).await)
}

pub async fn credit_note_form(State(state): State<AppState>, ctx: Ctx, Path(number): Path<String>) -> Response {
    show(form(&state, &ctx, &number, Kind::CreditNote, None).await)
}

pub async fn apply_credit_form(State(state): State<AppState>, ctx: Ctx, Path(number): Path<String>) -> Response {
    show(form(&state, &ctx, &number, Kind::ApplyCredit, None).await)
}

/// The item chosen to apply to; none means the store's own order.
fn apply_to(form: &FormData) -> Vec<ApplyTo> {
    let reference = form.get("apply_to");
    if reference.is_empty() {
        Vec::new()
    } else {
        vec![ApplyTo { reference, amount: None }]
    }
}

/// "INV-000001 $40.00, INV-000002 $5.00".
fn applied_words(applied: &[settle_store::billing::Applied], currency: &str) -> String {
    applied
        .iter()
        .map(|x| format!("{} {}", x.reference, money(&x.amount, currency)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn amount_of(form: &FormData, name: &str) -> String {
    form.get(name).replace([',', '$'], "")
}

/// The form again with what was typed and the refusal beside its field.
fn again(mut page: CorrectionForm<'_>, form: &FormData, errors: Errors) -> Response {
    page.amount = form.get("amount");
    page.date = form.get("date");
    page.reason = form.get("reason");
    page.fee = form.get("fee");
    page.memo = form.get("memo");
    page.apply_to = form.get("apply_to");
    page.errors = errors;
    (StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response()
}

pub async fn reverse(State(state): State<AppState>, ctx: Ctx, Path((number, id)): Path<(String, i64)>, data: FormData) -> Response {
    let page = match form(&state, &ctx, &number, Kind::Reverse, Some(id)).await {
        Ok(page) => page,
        Err(response) => return response,
    };
    let mut errors = Errors::default();
    let date = date_field(&data, "date", &mut errors);
    let reason = data.get("reason");
    if reason.trim().is_empty() {
        errors.add("reason", "Say why the payment came back.");
    }
    if errors.any() {
        return again(page, &data, errors);
    }
    let fee = Some(amount_of(&data, "fee")).filter(|f| !f.is_empty() && f != "0" && f != "0.00");
    let cmd = ReversePayment {
        payment_id: id,
        date,
        reason,
        fee,
    };
    match state.store.reverse_payment(&ctx.principal.org, &cmd, None).await {
        Ok(r) => {
            let cur = &page.a.summary.currency;
            let mut msg = format!("Payment {} reversed", r.payment_id);
            if !r.reopened.is_empty() {
                msg.push_str(&format!(": owed again on {}", applied_words(&r.reopened, cur)));
            }
            if r.taken_from_credit != "0.00" {
                msg.push_str(&format!("; {} taken back from credit", money(&r.taken_from_credit, cur)));
            }
            if let Some(x) = &r.rebilled {
                msg.push_str(&format!("; credit already used billed again as {} ({})", x.reference, money(&x.amount, cur)));
            }
            if let Some(x) = &r.fee {
                msg.push_str(&format!("; a returned-payment fee of {} charged as {}", money(&x.amount, cur), x.reference));
            }
            msg.push('.');
            back_to_account(&page.a.summary.account_number, &msg)
        }
        Err(error) => match refused(
            &ctx,
            error,
            &[
                ("payment_id", "form"),
                ("date", "date"),
                ("reason", "reason"),
                ("fee", "fee"),
                ("amount", "fee"),
            ],
        ) {
            Ok(e) => again(page, &data, e),
            Err(response) => response,
        },
    }
}

pub async fn credit_note(State(state): State<AppState>, ctx: Ctx, Path(number): Path<String>, data: FormData) -> Response {
    let page = match form(&state, &ctx, &number, Kind::CreditNote, None).await {
        Ok(page) => page,
        Err(response) => return response,
    };
    let mut errors = Errors::default();
    let date = date_field(&data, "date", &mut errors);
    let amount = amount_of(&data, "amount");
    if amount.is_empty() {
        errors.add("amount", "Enter the amount of the credit.");
    }
    if data.get("memo").trim().is_empty() {
        errors.add("memo", "Say what the credit is for; it prints on the customer's records.");
    }
    if errors.any() {
        return again(page, &data, errors);
    }
    let cmd = NewCreditNote {
        account_number: page.a.summary.account_number.clone(),
        amount,
        date,
        memo: data.get("memo"),
        apply_to: apply_to(&data),
    };
    match state.store.credit_note(&ctx.principal.org, &cmd, None).await {
        Ok(c) => {
            let cur = &page.a.summary.currency;
            let mut msg = format!("Credit note {} issued", c.credit_note_number);
            if !c.applied.is_empty() {
                msg.push_str(&format!(": applied to {}", applied_words(&c.applied, cur)));
            }
            if c.unapplied != "0.00" {
                msg.push_str(&format!("; {} kept as credit", money(&c.unapplied, cur)));
            }
            msg.push('.');
            back_to_account(&page.a.summary.account_number, &msg)
        }
        Err(error) => match refused(
            &ctx,
            error,
            &[("amount", "amount"), ("date", "date"), ("memo", "memo"), ("apply_to", "apply_to")],
        ) {
            Ok(e) => again(page, &data, e),
            Err(response) => response,
        },
    }
}

pub async fn apply_credit(State(state): State<AppState>, ctx: Ctx, Path(number): Path<String>, data: FormData) -> Response {
    let page = match form(&state, &ctx, &number, Kind::ApplyCredit, None).await {
        Ok(page) => page,
        Err(response) => return response,
    };
    let mut errors = Errors::default();
    let date = date_field(&data, "date", &mut errors);
    if errors.any() {
        return again(page, &data, errors);
    }
    let cmd = ApplyCredit {
        account_number: page.a.summary.account_number.clone(),
        date,
        apply_to: apply_to(&data),
        amount: Some(amount_of(&data, "amount")).filter(|a| !a.is_empty()),
    };
    match state.store.apply_credit(&ctx.principal.org, &cmd, None).await {
        Ok(c) => {
            let cur = &page.a.summary.currency;
            back_to_account(
                &page.a.summary.account_number,
                &format!(
                    "Credit applied to {}; credit left {}.",
                    applied_words(&c.applied, cur),
                    money(&c.credit_left, cur)
                ),
            )
        }
        Err(error) => match refused(&ctx, error, &[("amount", "amount"), ("date", "date"), ("apply_to", "apply_to")]) {
            Ok(e) => again(page, &data, e),
            Err(response) => response,
        },
    }
}
