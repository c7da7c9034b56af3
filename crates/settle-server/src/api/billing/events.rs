//! Invoices, payments, reversals, adjustments, credit notes and refunds.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use settle_domain::Date;
use settle_store::billing::{AdjustmentOutcome, InvoiceDetail, InvoiceFilter, InvoiceSummary, PaymentFilter, PaymentSummary, *};
use utoipa::{IntoParams, ToSchema};

use crate::api::{id_cursor, page_size, Key, Page};
use crate::guard::Auth;
use crate::problem::{ApiResult, Body, Params, Path};
use crate::AppState;

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct InvoiceQuery {
    /// draft, open, paid, void or written_off.
    status: Option<String>,
    account_number: Option<String>,
    /// Text in the invoice number, account number or name.
    #[param(max_length = 100)]
    search: Option<String>,
    /// Issued on or after this date.
    issued_from: Option<Date>,
    /// Issued on or before this date.
    issued_to: Option<Date>,
    cursor: Option<String>,
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<i64>,
}

/// List invoices, oldest first, with filters.
#[utoipa::path(get, path = "/api/v1/invoices", tag = "invoices", params(InvoiceQuery),
    responses((status = 200, body = Page<InvoiceSummary>)),
    security(("bearer" = ["accounts.read"])))]
pub async fn list_invoices(State(state): State<AppState>, Auth(p): Auth, Params(q): Params<InvoiceQuery>) -> ApiResult<Json<Page<InvoiceSummary>>> {
    let limit = page_size(q.limit, 1000)?;
    let filter = InvoiceFilter {
        status: q.status,
        account_number: q.account_number,
        search: q.search.clone(),
        issued_from: q.issued_from,
        issued_to: q.issued_to,
        limit,
        after: id_cursor(q.cursor.as_deref())?,
        ..Default::default()
    };
    let items = state.store.list_invoices(&p.org, &filter).await?;
    state.store.note_read(p.org.org_id, "invoice.list", "invoices").await?;
    Ok(Json(Page::of(items, limit, |i| i.invoice_id.to_string())))
}

/// Create an invoice, issued unless `draft` is true.
#[utoipa::path(post, path = "/api/v1/invoices", tag = "invoices", request_body = NewInvoice,
    responses((status = 201, body = InvoiceCreated)),
    security(("bearer" = ["invoices.write"])))]
pub async fn create_invoice(
    State(state): State<AppState>,
    Auth(p): Auth,
    Key(key): Key,
    Body(cmd): Body<NewInvoice>,
) -> ApiResult<(StatusCode, Json<InvoiceCreated>)> {
    Ok((StatusCode::CREATED, Json(state.store.create_invoice(&p.org, &cmd, key.as_ref()).await?)))
}

/// One invoice with its lines and everything applied to it (an audited read).
#[utoipa::path(get, path = "/api/v1/invoices/{number}", tag = "invoices",
    params(("number" = String, Path, description = "The invoice number", example = "INV-000001")),
    responses((status = 200, body = InvoiceDetail)),
    security(("bearer" = ["accounts.read"])))]
pub async fn show_invoice(State(state): State<AppState>, Auth(p): Auth, Path(number): Path<String>) -> ApiResult<Json<InvoiceDetail>> {
    let detail = state.store.invoice_detail(&p.org, &number).await?;
    let record = format!("invoice:{}", detail.invoice_number);
    state.store.note_read(p.org.org_id, "invoice.read", &record).await?;
    Ok(Json(detail))
}

/// Issue a draft invoice: it posts to the ledger and becomes due.
#[utoipa::path(post, path = "/api/v1/invoices/{number}/issue", tag = "invoices",
    params(("number" = String, Path, description = "The invoice number", example = "INV-000001")),
    responses((status = 200, body = InvoiceCreated)),
    security(("bearer" = ["invoices.write"])))]
pub async fn issue_invoice(
    State(state): State<AppState>,
    Auth(p): Auth,
    Key(key): Key,
    Path(number): Path<String>,
) -> ApiResult<(StatusCode, Json<InvoiceCreated>)> {
    let cmd = IssueInvoice { invoice_number: number };
    Ok((StatusCode::OK, Json(state.store.issue_invoice(&p.org, &cmd, key.as_ref()).await?)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VoidRequest {
    pub date: Date,
    #[schema(max_length = 500)]
    pub reason: String,
}

/// Void an invoice on which nothing is applied.
#[utoipa::path(post, path = "/api/v1/invoices/{number}/void", tag = "invoices", request_body = VoidRequest,
    params(("number" = String, Path, description = "The invoice number", example = "INV-000001")),
    responses((status = 200, body = InvoiceCreated)),
    security(("bearer" = ["invoices.void"])))]
pub async fn void_invoice(
    State(state): State<AppState>,
    Auth(p): Auth,
    Key(key): Key,
    Path(number): Path<String>,
    Body(body): Body<VoidRequest>,
) -> ApiResult<(StatusCode, Json<InvoiceCreated>)> {
    let cmd = VoidInvoice {
        invoice_number: number,
        date: body.date,
        reason: body.reason,
    };
    Ok((StatusCode::OK, Json(state.store.void_invoice(&p.org, &cmd, key.as_ref()).await?)))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PaymentQuery {
    /// posted or reversed.
    status: Option<String>,
    /// cash, check, card, ach, eft or other.
    method: Option<String>,
    account_number: Option<String>,
    received_from: Option<Date>,
    received_to: Option<Date>,
    cursor: Option<String>,
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<i64>,
}

/// List payments, oldest first, with filters.
#[utoipa::path(get, path = "/api/v1/payments", tag = "payments", params(PaymentQuery),
    responses((status = 200, body = Page<PaymentSummary>)),
    security(("bearer" = ["accounts.read"])))]
pub async fn list_payments(State(state): State<AppState>, Auth(p): Auth, Params(q): Params<PaymentQuery>) -> ApiResult<Json<Page<PaymentSummary>>> {
    let limit = page_size(q.limit, 1000)?;
    let filter = PaymentFilter {
        status: q.status,
        method: q.method,
        account_number: q.account_number,
        received_from: q.received_from,
        received_to: q.received_to,
        limit,
        after: id_cursor(q.cursor.as_deref())?,
    };
    let items = state.store.list_payments(&p.org, &filter).await?;
    state.store.note_read(p.org.org_id, "payment.list", "payments").await?;
    Ok(Json(Page::of(items, limit, |i| i.payment_id.to_string())))
}

/// Post a payment received. It pays the named items, or the oldest due
/// first; what is left stays on the account as credit.
#[utoipa::path(post, path = "/api/v1/payments", tag = "payments", request_body = NewPayment,
    responses((status = 201, body = PaymentPosted)),
    security(("bearer" = ["payments.post"])))]
pub async fn post_payment(
    State(state): State<AppState>,
    Auth(p): Auth,
    Key(key): Key,
    Body(cmd): Body<NewPayment>,
) -> ApiResult<(StatusCode, Json<PaymentPosted>)> {
    Ok((StatusCode::CREATED, Json(state.store.post_payment(&p.org, &cmd, key.as_ref()).await?)))
}

/// A payment and where it went.
#[derive(Serialize, ToSchema)]
pub struct PaymentDetail {
    pub payment: PaymentSummary,
    pub allocations: Vec<Applied>,
}

/// One payment with its allocations (an audited read).
#[utoipa::path(get, path = "/api/v1/payments/{payment_id}", tag = "payments",
    params(("payment_id" = i64, Path, description = "The payment's id", example = 1)),
    responses((status = 200, body = PaymentDetail)),
    security(("bearer" = ["accounts.read"])))]
pub async fn show_payment(State(state): State<AppState>, Auth(p): Auth, Path(payment_id): Path<i64>) -> ApiResult<Json<PaymentDetail>> {
    let (payment, allocations) = state.store.payment_detail(&p.org, payment_id).await?;
    state.store.note_read(p.org.org_id, "payment.read", &format!("payment:{payment_id}")).await?;
    Ok(Json(PaymentDetail { payment, allocations }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReverseRequest {
    pub date: Date,
    /// Why: "NSF", "stopped", "chargeback", ...
    #[schema(max_length = 500)]
    pub reason: String,
    /// A returned-payment fee to charge, if any.
    pub fee: Option<String>,
}

/// Reverse a returned payment (NSF): reopens what it paid, may add a fee.
#[utoipa::path(post, path = "/api/v1/payments/{payment_id}/reverse", tag = "payments", request_body = ReverseRequest,
    params(("payment_id" = i64, Path, description = "The payment's id", example = 1)),
    responses((status = 200, body = PaymentReversed)),
    security(("bearer" = ["payments.reverse"])))]
pub async fn reverse_payment(
    State(state): State<AppState>,
    Auth(p): Auth,
    Key(key): Key,
    Path(payment_id): Path<i64>,
    Body(body): Body<ReverseRequest>,
) -> ApiResult<(StatusCode, Json<PaymentReversed>)> {
    let cmd = ReversePayment {
        payment_id,
        date: body.date,
        reason: body.reason,
        fee: body.fee,
    };
    Ok((StatusCode::OK, Json(state.store.reverse_payment(&p.org, &cmd, key.as_ref()).await?)))
}

/// Reduce an item's balance without cash: a discount, write-off or correction.
///
/// A write-off (small balance, bad debt, charity) above the organisation's
/// approval limit does not post: it is held for another person's approval
/// (`outcome` "held", status 202) and posts when approved.
#[utoipa::path(post, path = "/api/v1/adjustments", tag = "credits", request_body = NewAdjustment,
    responses((status = 201, body = AdjustmentOutcome, description = "Posted"), (status = 202, body = AdjustmentOutcome, description = "Held for approval")),
    security(("bearer" = ["adjustments.post"])))]
pub async fn adjust(
    State(state): State<AppState>,
    Auth(p): Auth,
    Key(key): Key,
    Body(cmd): Body<NewAdjustment>,
) -> ApiResult<(StatusCode, Json<AdjustmentOutcome>)> {
    let outcome = state.store.submit_adjustment(&p.org, &cmd, key.as_ref()).await?;
    let status = match outcome {
        AdjustmentOutcome::Posted(_) => StatusCode::CREATED,
        AdjustmentOutcome::Held(_) => StatusCode::ACCEPTED,
    };
    Ok((status, Json(outcome)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdjustmentBatch {
    /// 1 to 1,000 adjustments, each on a different item.
    pub adjustments: Vec<NewAdjustment>,
}

/// Several adjustments at once (a bulk write-off): every one checked, then
/// all posted (write-offs above the approval limit held) in one
/// transaction, or none if any is refused; the refusal names its place
/// (from 1) and item. The outcomes come back in the order asked.
#[utoipa::path(post, path = "/api/v1/adjustments/batch", tag = "credits", request_body = AdjustmentBatch,
    responses((status = 200, body = Vec<AdjustmentOutcome>, description = "Every one posted or held")),
    security(("bearer" = ["adjustments.post"])))]
pub async fn adjust_batch(State(state): State<AppState>, Auth(p): Auth, Body(batch): Body<AdjustmentBatch>) -> ApiResult<Json<Vec<AdjustmentOutcome>>> {
    Ok(Json(state.store.submit_adjustments(&p.org, &batch.adjustments).await?))
}

/// Issue a credit note, applied to items or kept as credit.
#[utoipa::path(post, path = "/api/v1/credit-notes", tag = "credits", request_body = NewCreditNote,
    responses((status = 201, body = CreditNoteIssued)),
    security(("bearer" = ["credit_notes.issue"])))]
pub async fn credit_note(
    State(state): State<AppState>,
    Auth(p): Auth,
    Key(key): Key,
    Body(cmd): Body<NewCreditNote>,
) -> ApiResult<(StatusCode, Json<CreditNoteIssued>)> {
    Ok((StatusCode::CREATED, Json(state.store.credit_note(&p.org, &cmd, key.as_ref()).await?)))
}

/// Pay money back out of an account's credit balance. A billing
/// specialist's refund above the organisation's refund limit is not paid:
/// it is held for a coordinator's approval (`outcome` "held", status 202)
/// and paid when approved. Coordinators and admins refund any amount the
/// credit allows.
#[utoipa::path(post, path = "/api/v1/refunds", tag = "credits", request_body = NewRefund,
    responses((status = 201, body = RefundOutcome, description = "Paid"), (status = 202, body = RefundOutcome, description = "Held for approval")),
    security(("bearer" = ["refunds.issue"])))]
pub async fn refund(State(state): State<AppState>, Auth(p): Auth, Key(key): Key, Body(cmd): Body<NewRefund>) -> ApiResult<(StatusCode, Json<RefundOutcome>)> {
    let outcome = state.store.refund(&p.org, &cmd, key.as_ref()).await?;
    let status = match outcome {
        RefundOutcome::Issued(_) => StatusCode::CREATED,
        RefundOutcome::Held(_) => StatusCode::ACCEPTED,
    };
    Ok((status, Json(outcome)))
}
