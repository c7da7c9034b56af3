//! Write commands: one business event each, one transaction each.
//!
//! Every command is a serde struct (what the CLI and, later, the API send)
//! and returns a serde struct. With an idempotency key, the request's hash
//! and the response are stored in the same transaction as the event, so a
//! retry with the same key and request gets the first response back and
//! writes nothing, and the same key with another request is refused.

use serde::{Deserialize, Serialize};
use settle_domain::account::{check_name, AccountNumber, AccountStatus, ArKind, ContactKind, PartyKind};
use settle_domain::allocation::{allocate, AllocationPlan, AllocationTarget, OpenItem};
use settle_domain::events::{self, AdjustmentReason, Receivable};
use settle_domain::invoice::{price_lines, InvoiceStatus, LineInput, PaymentTerms};
use settle_domain::ledger::GlAccount;
use settle_domain::money::{Currency, Money};
use settle_domain::{Date, Decimal, IdempotencyKey};
use sqlx::{AnyConnection, Row};

use crate::address::{AddressInput, ContactPoint};
use crate::audit::{self, Subject};
use crate::batch::{self, Batch, V};
use crate::{now_text, sha256_hex, Result, Store, StoreError};

/// Runs `$body` in a write transaction with idempotency and retries on
/// contention. `$tx` names the transaction inside the body. With `after`,
/// the audit row's after-state is read from the subject it names for the
/// result (a claim created under an account, say) instead of the request's.
macro_rules! write_command {
    ($store:expr, $org:expr, $key:expr, $request:expr, |$tx:ident| $body:expr) => {
        $crate::ops::write_command!($store, $org, $key, $request, after = |_result| None, |$tx| $body)
    };
    ($store:expr, $org:expr, $key:expr, $request:expr, after = |$r:ident| $after:expr, |$tx:ident| $body:expr) => {{
        let request_json = serde_json::to_string(&$request)?;
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let mut $tx = $store.begin_write().await?;
            let outcome = async {
                if let Some(key) = $key {
                    if let Some(stored) = idempotency_lookup($tx.conn(), $org, key, &request_json).await? {
                        return Ok((serde_json::from_str(&stored)?, true));
                    }
                }
                let subject = Audited::subject($request);
                let before = audit::snapshot($tx.conn(), $org, &subject).await?;
                let result = $body;
                let after_subject: Option<$crate::audit::Subject> = {
                    let $r = &result;
                    $after
                };
                let after_subject = after_subject.unwrap_or_else(|| subject.clone());
                let after = serde_json::json!({
                    "state": audit::snapshot($tx.conn(), $org, &after_subject).await?,
                    "request": serde_json::from_str::<serde_json::Value>(&request_json)?,
                    "result": &result,
                });
                let for_update = $store.for_update();
                audit::append($tx.conn(), for_update, $org, Audited::action($request), &subject.label(), before.map(|b| serde_json::json!({ "state": b })).as_ref(), Some(&after)).await?;
                if let Some(key) = $key {
                    idempotency_store($tx.conn(), $org, key, &request_json, &serde_json::to_string(&result)?).await?;
                }
                Ok::<_, StoreError>((result, false))
            }
            .await;
            match outcome {
                Ok((result, replayed)) => {
                    if !replayed {
                        $tx.commit().await?;
                    }
                    break Ok(result);
                }
                Err(error) if error.is_retryable() && attempt < 8 => {
                    drop($tx);
                    tokio::time::sleep(std::time::Duration::from_millis(5 * u64::from(attempt))).await;
                }
                Err(error) => break Err(error),
            }
        }
    }};
}
pub(crate) use write_command;

pub(crate) async fn idempotency_lookup(conn: &mut AnyConnection, org_id: i64, key: &IdempotencyKey, request_json: &str) -> Result<Option<String>> {
    let row = sqlx::query("SELECT request_sha256, response FROM idempotency_key WHERE org_id = $1 AND idem_key = $2")
        .bind(org_id)
        .bind(key.as_str())
        .fetch_optional(&mut *conn)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let stored_hash: String = row.try_get(0)?;
    if stored_hash != sha256_hex(request_json) {
        return Err(StoreError::IdempotencyMismatch { key: key.as_str().to_string() });
    }
    Ok(Some(row.try_get(1)?))
}

pub(crate) async fn idempotency_store(conn: &mut AnyConnection, org_id: i64, key: &IdempotencyKey, request_json: &str, response_json: &str) -> Result<()> {
    let outcome = sqlx::query("INSERT INTO idempotency_key (org_id, idem_key, request_sha256, response, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(org_id)
        .bind(key.as_str())
        .bind(sha256_hex(request_json))
        .bind(response_json)
        .bind(now_text())
        .execute(&mut *conn)
        .await;
    match outcome.map_err(StoreError::from) {
        Ok(_) => Ok(()),
        // Another request with this key committed first: roll back and retry,
        // and the retry finds its response.
        Err(StoreError::Conflict { .. }) => Err(StoreError::Contention),
        Err(other) => Err(other),
    }
}

/// Reserves `count` consecutive ids from an organisation's counter.
pub(crate) async fn next_ids(conn: &mut AnyConnection, org_id: i64, name: &str, count: i64) -> Result<i64> {
    let row = sqlx::query("UPDATE counter SET next_value = next_value + $3 WHERE org_id = $1 AND name = $2 RETURNING next_value")
        .bind(org_id)
        .bind(name)
        .bind(count)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::Corrupt(format!("counter {name} missing for organisation {org_id}")))?;
    let end: i64 = row.try_get(0)?;
    Ok(end - count)
}

const COUNTERS: &[&str] = &[
    "party",
    "contact",
    "account",
    "invoice",
    "item",
    "entry",
    "payment",
    "allocation",
    "adjustment",
    "credit_note",
    "refund",
    "user",
    "token",
    "payer",
    "provider",
    "coverage",
    "note",
    "approval",
    "claim",
    "x12_file",
    "x12_control",
    "eligibility",
    "remittance",
    "denial",
    "statement",
    "dispute",
    "contact_decision",
    "contact_attempt",
    "promise",
    "collection_letter",
    "dunning_run",
    "dunning_action",
    "payment_plan",
    "settlement",
    "email",
];

// ---------------------------------------------------------------------------
// Commands and their results.

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Organisation {
    pub org_id: i64,
    pub slug: String,
    pub name: String,
    pub base_currency: String,
    pub aging_buckets: String,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewParty {
    /// "person" or "company".
    #[schema(example = "person")]
    pub kind: String,
    pub name: String,
    pub date_of_birth: Option<Date>,
    /// F, M or U (unknown), as claims report it; U if absent.
    #[serde(default)]
    pub sex: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// The mailing address: its fields, or one line of text read into them.
    pub address: Option<AddressInput>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAccount {
    #[schema(example = "P-900001")]
    pub account_number: String,
    pub party: NewParty,
    /// "customer", "patient" or "insurance".
    #[schema(example = "patient")]
    pub ar_kind: String,
    /// Defaults to the organisation's currency.
    pub currency: Option<String>,
    /// Default payment terms for the account's invoices; "net30" if absent.
    pub payment_terms: Option<String>,
    pub opened_on: Date,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct AccountCreated {
    pub account_id: i64,
    pub account_number: String,
    pub party_id: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewInvoiceLine {
    pub item_code: String,
    #[serde(default)]
    pub description: String,
    /// A decimal such as "1" or "2.5".
    #[schema(pattern = r"^[0-9]{1,9}(\.[0-9]{1,4})?$", example = "1")]
    pub quantity: String,
    /// A decimal amount in the account's currency, such as "125.00".
    #[schema(pattern = r"^-?(0|[1-9][0-9]{0,12})(\.[0-9]{1,4})?$", example = "125.00")]
    pub unit_price: String,
    /// A percentage such as "8.25"; "0" for none.
    #[serde(default = "no_tax")]
    #[schema(pattern = r"^[0-9]{1,3}(\.[0-9]{1,4})?$", example = "0")]
    pub tax_rate: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewInvoice {
    #[schema(example = "P-000001")]
    pub account_number: String,
    pub issue_date: Date,
    /// Overrides the account's terms: "net30", "due-on-receipt" or a date.
    pub terms: Option<String>,
    pub lines: Vec<NewInvoiceLine>,
    #[serde(default)]
    pub memo: String,
    /// A draft has no ledger effect until issued.
    #[serde(default)]
    pub draft: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct InvoiceCreated {
    pub invoice_id: i64,
    pub invoice_number: String,
    pub status: String,
    pub due_date: Date,
    pub subtotal: String,
    pub tax: String,
    pub total: String,
}

fn no_tax() -> String {
    "0".into()
}

/// Names an open item (an invoice number or another item's reference) and,
/// optionally, how much to apply to it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplyTo {
    #[schema(example = "INV-000001")]
    pub reference: String,
    pub amount: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPayment {
    #[schema(example = "P-000001")]
    pub account_number: String,
    #[schema(pattern = r"^-?(0|[1-9][0-9]{0,12})(\.[0-9]{1,4})?$", example = "25.00")]
    pub amount: String,
    /// cash, check, card, ach, eft or other.
    #[schema(example = "check")]
    pub method: String,
    #[serde(default)]
    pub reference: String,
    pub received_on: Date,
    /// Empty: oldest due first.
    #[serde(default)]
    pub apply_to: Vec<ApplyTo>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Applied {
    pub reference: String,
    pub amount: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct PaymentPosted {
    pub payment_id: i64,
    pub amount: String,
    pub applied: Vec<Applied>,
    pub unapplied: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReversePayment {
    pub payment_id: i64,
    pub date: Date,
    pub reason: String,
    /// A returned-payment (NSF) fee to charge, if any.
    pub fee: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct PaymentReversed {
    pub payment_id: i64,
    pub reopened: Vec<Applied>,
    pub taken_from_credit: String,
    /// Credit already used or refunded, billed again as a new item.
    pub rebilled: Option<Applied>,
    pub fee: Option<Applied>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAdjustment {
    /// The item: an invoice number or another item's reference.
    #[schema(example = "INV-000001")]
    pub reference: String,
    #[schema(example = "courtesy_discount")]
    pub reason: String,
    #[schema(pattern = r"^-?(0|[1-9][0-9]{0,12})(\.[0-9]{1,4})?$", example = "5.00")]
    pub amount: String,
    pub date: Date,
    #[serde(default)]
    pub memo: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct AdjustmentPosted {
    pub adjustment_id: i64,
    pub reference: String,
    pub amount: String,
    pub balance: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCreditNote {
    #[schema(example = "P-000001")]
    pub account_number: String,
    #[schema(pattern = r"^-?(0|[1-9][0-9]{0,12})(\.[0-9]{1,4})?$", example = "10.00")]
    pub amount: String,
    pub date: Date,
    #[serde(default)]
    pub memo: String,
    /// Empty: the whole credit stays on the account as credit.
    #[serde(default)]
    pub apply_to: Vec<ApplyTo>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct CreditNoteIssued {
    pub credit_note_id: i64,
    pub credit_note_number: String,
    pub applied: Vec<Applied>,
    pub unapplied: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplyCredit {
    #[schema(example = "P-000001")]
    pub account_number: String,
    pub date: Date,
    /// Empty: oldest due first.
    #[serde(default)]
    pub apply_to: Vec<ApplyTo>,
    /// How much of the credit to apply; all of it if absent.
    pub amount: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct CreditApplied {
    pub applied: Vec<Applied>,
    pub credit_left: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRefund {
    #[schema(example = "P-000001")]
    pub account_number: String,
    #[schema(pattern = r"^-?(0|[1-9][0-9]{0,12})(\.[0-9]{1,4})?$", example = "5.00")]
    pub amount: String,
    #[schema(example = "check")]
    pub method: String,
    #[serde(default)]
    pub reference: String,
    pub date: Date,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct RefundIssued {
    pub refund_id: i64,
    pub amount: String,
    pub credit_left: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VoidInvoice {
    pub invoice_number: String,
    pub date: Date,
    pub reason: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueInvoice {
    pub invoice_number: String,
}

/// What the audit trail records of a command: its action and its subject.
pub(crate) trait Audited {
    fn action(&self) -> &'static str;
    fn subject(&self) -> Subject;
}

macro_rules! audited {
    ($($ty:ty => $action:literal, |$c:ident| $subject:expr;)*) => {
        $(impl Audited for $ty {
            fn action(&self) -> &'static str {
                $action
            }
            fn subject(&self) -> Subject {
                let $c = self;
                $subject
            }
        })*
    };
}

pub(crate) use audited;

audited! {
    NewAccount => "account.create", |c| Subject::Account(c.account_number.clone());
    NewInvoice => "invoice.create", |c| Subject::Account(c.account_number.clone());
    IssueInvoice => "invoice.issue", |c| Subject::Invoice(c.invoice_number.clone());
    VoidInvoice => "invoice.void", |c| Subject::Invoice(c.invoice_number.clone());
    EditDraftInvoice => "invoice.edit", |c| Subject::Invoice(c.invoice_number.clone());
    NewPayment => "payment.post", |c| Subject::Account(c.account_number.clone());
    ReversePayment => "payment.reverse", |c| Subject::Payment(c.payment_id);
    NewAdjustment => "adjustment.post", |c| Subject::Item(c.reference.clone());
    NewCreditNote => "credit_note.issue", |c| Subject::Account(c.account_number.clone());
    ApplyCredit => "credit.apply", |c| Subject::Account(c.account_number.clone());
    NewRefund => "refund.issue", |c| Subject::Account(c.account_number.clone());
}

pub const PAYMENT_METHODS: &[&str] = &["cash", "check", "card", "ach", "eft", "other"];

pub(crate) fn check_method(method: &str) -> Result<String> {
    let lower = method.trim().to_ascii_lowercase();
    if PAYMENT_METHODS.contains(&lower.as_str()) {
        Ok(lower)
    } else {
        Err(StoreError::invalid(
            "method",
            format!("{method:?} is not a payment method; use one of {}", PAYMENT_METHODS.join(", ")),
        ))
    }
}

pub(crate) fn check_text(field: &'static str, text: &str, max: usize) -> Result<String> {
    let len = text.chars().count();
    if len > max {
        return Err(StoreError::invalid(field, format!("is {len} characters long; at most {max}")));
    }
    if text.chars().any(|c| c.is_control() && c != '\n') {
        return Err(StoreError::invalid(field, "contains control characters"));
    }
    Ok(text.trim().to_string())
}

pub(crate) fn parse_amount(field: &'static str, text: &str, currency: Currency) -> Result<Money> {
    Money::parse(text, currency).map_err(|e| StoreError::invalid(field, e))
}

pub(crate) fn positive_amount(field: &'static str, text: &str, currency: Currency) -> Result<Money> {
    let money = parse_amount(field, text, currency)?;
    if money.amount_minor() <= 0 {
        return Err(StoreError::invalid(field, format!("{text:?} must be greater than zero")));
    }
    Ok(money)
}

pub(crate) fn fmt(amount_minor: i64, currency: Currency) -> String {
    Money::from_minor(amount_minor, currency).to_decimal_string()
}

// ---------------------------------------------------------------------------
// Rows read inside commands.

#[derive(Clone, Debug)]
pub(crate) struct AccountRow {
    pub account_id: i64,
    pub account_number: String,
    pub ar_kind: ArKind,
    pub currency: Currency,
    pub status: AccountStatus,
    pub payment_terms: String,
    pub balance_minor: i64,
    pub credit_minor: i64,
}

impl AccountRow {
    pub(crate) fn receivable(&self) -> Receivable {
        Receivable {
            account_id: self.account_id,
            gl: self.ar_kind.gl(),
        }
    }
}

/// Checks and prices an invoice's lines, terms and memo for `account`.
pub(crate) fn price_invoice(
    account: &AccountRow,
    cmd: &NewInvoice,
) -> Result<(
    String,
    Vec<settle_domain::invoice::PricedLine>,
    settle_domain::invoice::InvoiceTotals,
    PaymentTerms,
    Date,
)> {
    let memo = check_text("memo", &cmd.memo, 500)?;
    let mut inputs = Vec::with_capacity(cmd.lines.len());
    for (index, line) in cmd.lines.iter().enumerate() {
        let n = index + 1;
        let bad = |field: &str, e: &dyn std::fmt::Display| StoreError::Invalid {
            field: "lines",
            message: format!("line {n}: {field}: {e}"),
        };
        let quantity: Decimal = line.quantity.trim().parse().map_err(|e| bad("quantity", &e))?;
        let unit_price = Money::parse(&line.unit_price, account.currency).map_err(|e| bad("unit_price", &e))?;
        let tax_rate_percent: Decimal = line.tax_rate.trim().parse().map_err(|e| bad("tax_rate", &e))?;
        let item_code = check_text("lines.item_code", &line.item_code, 40)?;
        let description = check_text("lines.description", &line.description, 500)?;
        inputs.push(LineInput {
            item_code,
            description,
            quantity,
            unit_price,
            tax_rate_percent,
        });
    }
    let (priced, totals) = price_lines(inputs).map_err(|e| StoreError::invalid("lines", e))?;
    let terms_text = cmd.terms.clone().unwrap_or_else(|| account.payment_terms.clone());
    let terms = PaymentTerms::parse(&terms_text).map_err(|e| StoreError::invalid("terms", e))?;
    let due_date = terms.due_date(cmd.issue_date).map_err(|e| StoreError::invalid("terms", e))?;
    Ok((memo, priced, totals, terms, due_date))
}

/// Stages an invoice's priced lines, numbered from 1.
fn stage_invoice_lines(batch: &mut Batch, org_id: i64, invoice_id: i64, priced: &[settle_domain::invoice::PricedLine]) {
    for (index, line) in priced.iter().enumerate() {
        batch.add(
            &batch::INVOICE_LINE,
            vec![
                org_id.into(),
                invoice_id.into(),
                (index as i64 + 1).into(),
                line.input.item_code.clone().into(),
                line.input.description.clone().into(),
                line.input.quantity.normalize().to_string().into(),
                line.input.unit_price.amount_minor().into(),
                line.input.tax_rate_percent.normalize().to_string().into(),
                line.amount_minor.into(),
                line.tax_minor.into(),
            ],
        );
    }
}

/// A draft invoice's new content: it replaces the lines, dates and memo.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EditDraftInvoice {
    #[schema(example = "INV-000001")]
    pub invoice_number: String,
    pub issue_date: Date,
    pub terms: Option<String>,
    pub lines: Vec<NewInvoiceLine>,
    #[serde(default)]
    pub memo: String,
}

/// An adjustment that passed its checks, ready to stage or to hold.
pub(crate) struct CheckedAdjustment {
    pub reason: AdjustmentReason,
    pub item: ItemRow,
    pub account: AccountRow,
    pub amount: Money,
    pub memo: String,
    pub date: Date,
}

#[derive(Clone, Debug)]
pub(crate) struct ItemRow {
    pub item_id: i64,
    pub reference: String,
    pub invoice_id: Option<i64>,
    pub issue_date: Date,
    pub due_date: Date,
    pub amount_minor: i64,
    pub balance_minor: i64,
    pub status: String,
}

pub(crate) fn parse_date(text: &str) -> Result<Date> {
    text.parse().map_err(|_| StoreError::Corrupt(format!("bad date {text:?} in database")))
}

impl Store {
    pub(crate) async fn account_by_number(&self, conn: &mut AnyConnection, org_id: i64, number: &str) -> Result<AccountRow> {
        let number = AccountNumber::parse(number).map_err(|e| StoreError::invalid("account_number", e))?;
        let sql = self.account_select("account_number");
        let row = sqlx::query(&sql)
            .bind(org_id)
            .bind(number.as_str())
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| StoreError::not_found("account", number.as_str()))?;
        account_from_row(&row)
    }

    /// The account an item or payment belongs to, locked like [`Store::account_by_number`].
    pub(crate) async fn account_by_id(&self, conn: &mut AnyConnection, org_id: i64, account_id: i64) -> Result<AccountRow> {
        let sql = self.account_select("account_id");
        let row = sqlx::query(&sql)
            .bind(org_id)
            .bind(account_id)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| StoreError::not_found("account", account_id))?;
        account_from_row(&row)
    }

    fn account_select(&self, key_column: &str) -> String {
        format!(
            "SELECT account_id, account_number, ar_kind, currency, status, payment_terms, balance_minor, credit_minor \
             FROM account WHERE org_id = $1 AND {key_column} = $2{}",
            self.for_update()
        )
    }

    pub(crate) async fn open_items(&self, conn: &mut AnyConnection, org_id: i64, account_id: i64) -> Result<Vec<ItemRow>> {
        let rows = sqlx::query(
            "SELECT item_id, reference, invoice_id, issue_date, due_date, amount_minor, balance_minor, status \
             FROM open_item WHERE org_id = $1 AND account_id = $2 AND status = 'open' ORDER BY due_date, item_id",
        )
        .bind(org_id)
        .bind(account_id)
        .fetch_all(&mut *conn)
        .await?;
        rows.iter().map(item_from_row).collect()
    }

    pub(crate) async fn item_by_reference(&self, conn: &mut AnyConnection, org_id: i64, reference: &str) -> Result<(ItemRow, i64)> {
        let row = sqlx::query(
            "SELECT item_id, reference, invoice_id, issue_date, due_date, amount_minor, balance_minor, status, account_id \
             FROM open_item WHERE org_id = $1 AND reference = $2",
        )
        .bind(org_id)
        .bind(reference.trim().to_ascii_uppercase())
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::not_found("item", reference))?;
        Ok((item_from_row(&row)?, row.try_get(8)?))
    }
}

pub(crate) fn account_from_row(row: &sqlx::any::AnyRow) -> Result<AccountRow> {
    let currency: String = row.try_get(3)?;
    let ar_kind: String = row.try_get(2)?;
    let status: String = row.try_get(4)?;
    Ok(AccountRow {
        account_id: row.try_get(0)?,
        account_number: row.try_get(1)?,
        ar_kind: ArKind::parse(&ar_kind).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        currency: Currency::from_code(&currency).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        status: AccountStatus::parse(&status).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        payment_terms: row.try_get(5)?,
        balance_minor: row.try_get(6)?,
        credit_minor: row.try_get(7)?,
    })
}

pub(crate) fn item_from_row(row: &sqlx::any::AnyRow) -> Result<ItemRow> {
    Ok(ItemRow {
        item_id: row.try_get(0)?,
        reference: row.try_get(1)?,
        invoice_id: row.try_get(2)?,
        issue_date: parse_date(&row.try_get::<String, _>(3)?)?,
        due_date: parse_date(&row.try_get::<String, _>(4)?)?,
        amount_minor: row.try_get(5)?,
        balance_minor: row.try_get(6)?,
        status: row.try_get(7)?,
    })
}

/// Turns the user's named items into an allocation target over `items`.
fn target_for(apply_to: &[ApplyTo], items: &[ItemRow], currency: Currency) -> Result<AllocationTarget> {
    if apply_to.is_empty() {
        return Ok(AllocationTarget::OldestFirst);
    }
    let mut named = Vec::with_capacity(apply_to.len());
    for target in apply_to {
        let reference = target.reference.trim().to_ascii_uppercase();
        let item = items
            .iter()
            .find(|i| i.reference == reference)
            .ok_or_else(|| StoreError::invalid("apply_to", format!("{reference} is not an open item of this account")))?;
        let amount = match &target.amount {
            Some(text) => Some(positive_amount("apply_to.amount", text, currency)?.amount_minor()),
            None => None,
        };
        named.push((item.item_id, amount));
    }
    Ok(AllocationTarget::Items(named))
}

fn domain_items(items: &[ItemRow]) -> Vec<OpenItem> {
    items
        .iter()
        .map(|i| OpenItem {
            item_id: i.item_id,
            due_date: i.due_date,
            issue_date: i.issue_date,
            balance_minor: i.balance_minor,
        })
        .collect()
}

fn describe_plan(plan: &AllocationPlan, items: &[ItemRow], currency: Currency) -> Vec<Applied> {
    plan.allocations
        .iter()
        .map(|(item_id, amount)| Applied {
            reference: items.iter().find(|i| i.item_id == *item_id).map(|i| i.reference.clone()).unwrap_or_default(),
            amount: fmt(*amount, currency),
        })
        .collect()
}

/// Adds an open item: one charge on an account, owed in full until paid.
fn add_item_row(
    batch: &mut Batch,
    org_id: i64,
    account: &AccountRow,
    item_id: i64,
    reference: &str,
    kind: &str,
    invoice_id: Option<i64>,
    description: &str,
    (issue_date, due_date): (Date, Date),
    amount_minor: i64,
) {
    batch.add(
        &batch::OPEN_ITEM,
        vec![
            org_id.into(),
            item_id.into(),
            account.account_id.into(),
            reference.into(),
            kind.into(),
            invoice_id.into(),
            description.into(),
            issue_date.into(),
            due_date.into(),
            account.currency.code().into(),
            amount_minor.into(),
            amount_minor.into(),
            0i64.into(),
            "open".into(),
        ],
    );
}

/// Adds one allocation row; `source` is (kind, payment, credit note).
fn add_allocation_row(
    batch: &mut Batch,
    org_id: i64,
    allocation_id: i64,
    account_id: i64,
    item_id: i64,
    (source, payment_id, credit_note_id): (&str, Option<i64>, Option<i64>),
    amount_minor: i64,
    date: Date,
    entry_id: i64,
) {
    batch.add(
        &batch::ALLOCATION,
        vec![
            org_id.into(),
            allocation_id.into(),
            account_id.into(),
            item_id.into(),
            source.into(),
            payment_id.into(),
            credit_note_id.into(),
            amount_minor.into(),
            date.into(),
            entry_id.into(),
        ],
    );
}

/// Records allocations and moves item balances and statuses.
fn record_allocations(
    batch: &mut Batch,
    org_id: i64,
    first_allocation_id: i64,
    account_id: i64,
    source: &str,
    payment_id: Option<i64>,
    credit_note_id: Option<i64>,
    plan: &AllocationPlan,
    items: &[ItemRow],
    date: Date,
    entry_id: i64,
) {
    for (offset, (item_id, amount)) in plan.allocations.iter().enumerate() {
        add_allocation_row(
            batch,
            org_id,
            first_allocation_id + offset as i64,
            account_id,
            *item_id,
            (source, payment_id, credit_note_id),
            *amount,
            date,
            entry_id,
        );
        batch.change_item(*item_id, -amount);
        if let Some(item) = items.iter().find(|i| i.item_id == *item_id) {
            if let Some(invoice_id) = item.invoice_id {
                let status = InvoiceStatus::from_balance(item.balance_minor - amount, false);
                batch.set_invoice_status(invoice_id, status.as_str());
            }
        }
    }
}

impl Store {
    /// Creates an organisation with its chart of accounts and counters.
    pub async fn create_organisation(&self, slug: &str, name: &str, currency: &str) -> Result<Organisation> {
        let slug = slug.trim().to_ascii_lowercase();
        if slug.is_empty() || slug.len() > 40 || !slug.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return Err(StoreError::invalid("org", format!("{slug:?} must be 1 to 40 letters, digits or dashes")));
        }
        let name = check_name(name).map_err(|e| StoreError::invalid("name", e))?;
        let currency = Currency::from_code(currency).map_err(|e| StoreError::invalid("currency", e))?;
        let mut tx = self.begin_write().await?;
        let conn = tx.conn();
        let org_id: i64 = sqlx::query("SELECT CAST(COALESCE(MAX(org_id), 0) + 1 AS BIGINT) FROM organisation")
            .fetch_one(&mut *conn)
            .await?
            .try_get(0)?;
        let buckets = settle_domain::aging::AgingBuckets::default().to_config_string();
        sqlx::query("INSERT INTO organisation (org_id, slug, name, base_currency, aging_buckets, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(org_id)
            .bind(&slug)
            .bind(&name)
            .bind(currency.code())
            .bind(&buckets)
            .bind(now_text())
            .execute(&mut *conn)
            .await
            .map_err(|e| match StoreError::from(e) {
                StoreError::Conflict { .. } => StoreError::invalid("org", format!("an organisation {slug:?} already exists")),
                other => other,
            })?;
        for counter in COUNTERS {
            sqlx::query("INSERT INTO counter (org_id, name, next_value) VALUES ($1, $2, 1)")
                .bind(org_id)
                .bind(*counter)
                .execute(&mut *conn)
                .await?;
        }
        sqlx::query("INSERT INTO audit_head (org_id, seq, hash) VALUES ($1, 0, $2)")
            .bind(org_id)
            .bind(audit::GENESIS)
            .execute(&mut *conn)
            .await?;
        sqlx::query("INSERT INTO journal_head (org_id, entries, last_entry_id, hash) VALUES ($1, 0, 0, $2)")
            .bind(org_id)
            .bind(audit::GENESIS)
            .execute(&mut *conn)
            .await?;
        let created = serde_json::json!({ "slug": slug, "name": name, "currency": currency.code() });
        audit::append(
            conn,
            self.for_update(),
            org_id,
            "organisation.create",
            &format!("organisation:{slug}"),
            None,
            Some(&created),
        )
        .await?;
        for gl in GlAccount::ALL {
            sqlx::query("INSERT INTO gl_account (org_id, code, name, kind) VALUES ($1, $2, $3, $4)")
                .bind(org_id)
                .bind(gl.code())
                .bind(gl.name())
                .bind(format!("{:?}", gl.kind()).to_ascii_lowercase())
                .execute(&mut *conn)
                .await?;
        }
        tx.commit().await?;
        Ok(Organisation {
            org_id,
            slug,
            name,
            base_currency: currency.code().to_string(),
            aging_buckets: buckets,
        })
    }

    pub async fn organisations(&self) -> Result<Vec<Organisation>> {
        let rows = sqlx::query("SELECT org_id, slug, name, base_currency, aging_buckets FROM organisation ORDER BY org_id")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| crate::access::org_from_row_at(r, 0)).collect()
    }

    /// Finds an organisation by slug; with none given, the only one there is.
    pub async fn organisation(&self, slug: Option<&str>) -> Result<Organisation> {
        let all = self.organisations().await?;
        match slug {
            Some(slug) => all
                .into_iter()
                .find(|o| o.slug == slug.to_ascii_lowercase())
                .ok_or_else(|| StoreError::not_found("organisation", slug)),
            None => match all.len() {
                0 => Err(StoreError::invalid(
                    "org",
                    "there is no organisation yet; run `settle init` or `settle demo` first",
                )),
                1 => Ok(all.into_iter().next().expect("one organisation")),
                _ => Err(StoreError::invalid(
                    "org",
                    format!(
                        "there are several organisations ({}); choose one with --org",
                        all.iter().map(|o| o.slug.as_str()).collect::<Vec<_>>().join(", ")
                    ),
                )),
            },
        }
    }

    /// Validates a new account into batch rows, reserving ids in `conn`.
    pub(crate) async fn stage_account(
        &self,
        conn: &mut AnyConnection,
        org: &Organisation,
        cmd: &NewAccount,
        batch: &mut Batch,
        ids: &mut IdBlock,
    ) -> Result<AccountCreated> {
        let number = AccountNumber::parse(&cmd.account_number).map_err(|e| StoreError::invalid("account_number", e))?;
        let kind = PartyKind::parse(&cmd.party.kind).map_err(|e| StoreError::invalid("party.kind", e))?;
        let name = check_name(&cmd.party.name).map_err(|e| StoreError::invalid("party.name", e))?;
        let sex = settle_domain::claims::Sex::parse(cmd.party.sex.as_deref().unwrap_or("U"))
            .ok_or_else(|| StoreError::invalid("party.sex", "must be F, M or U (unknown)"))?;
        let ar_kind = ArKind::parse(&cmd.ar_kind).map_err(|e| StoreError::invalid("ar_kind", e))?;
        let currency = Currency::from_code(cmd.currency.as_deref().unwrap_or(&org.base_currency)).map_err(|e| StoreError::invalid("currency", e))?;
        let terms = PaymentTerms::parse(cmd.payment_terms.as_deref().unwrap_or("net30")).map_err(|e| StoreError::invalid("payment_terms", e))?;
        let mut contacts = Vec::new();
        for (kind, value, field) in [
            (ContactKind::Email, cmd.party.email.clone().map(AddressInput::from), "party.email"),
            (ContactKind::Phone, cmd.party.phone.clone().map(AddressInput::from), "party.phone"),
            (ContactKind::Address, cmd.party.address.clone(), "party.address"),
        ] {
            if let Some(value) = value.filter(|v| !v.is_blank()) {
                contacts.push(ContactPoint::read(kind, &value, field)?);
            }
        }
        let party_id = ids.take(conn, org.org_id, "party", 1).await?;
        let account_id = ids.take(conn, org.org_id, "account", 1).await?;
        let now = now_text();
        batch.add(
            &batch::PARTY,
            vec![
                org.org_id.into(),
                party_id.into(),
                kind.as_str().into(),
                name.into(),
                cmd.party.date_of_birth.map(|d| d.to_string()).into(),
                now.clone().into(),
                sex.code().into(),
            ],
        );
        if !contacts.is_empty() {
            let first_contact = ids.take(conn, org.org_id, "contact", contacts.len() as i64).await?;
            for (offset, point) in contacts.iter().enumerate() {
                batch.add(
                    &batch::PARTY_CONTACT,
                    point.row(org.org_id, first_contact + offset as i64, party_id, cmd.opened_on.into()),
                );
            }
        }
        batch.add(
            &batch::ACCOUNT,
            vec![
                org.org_id.into(),
                account_id.into(),
                number.as_str().into(),
                party_id.into(),
                ar_kind.as_str().into(),
                currency.code().into(),
                AccountStatus::Active.as_str().into(),
                terms.to_string().into(),
                cmd.opened_on.into(),
                0i64.into(),
                0i64.into(),
                now.into(),
            ],
        );
        Ok(AccountCreated {
            account_id,
            account_number: number.as_str().to_string(),
            party_id,
        })
    }

    pub async fn add_account(&self, org: &Organisation, cmd: &NewAccount, key: Option<&IdempotencyKey>) -> Result<AccountCreated> {
        write_command!(self, org.org_id, key, cmd, |tx| {
            let mut batch = Batch::default();
            // Without terms of its own, an account takes the organisation's default.
            let mut with_terms = cmd.clone();
            if with_terms.payment_terms.is_none() {
                let row = sqlx::query("SELECT default_terms FROM org_policy WHERE org_id = $1")
                    .bind(org.org_id)
                    .fetch_optional(tx.conn())
                    .await?;
                with_terms.payment_terms = Some(match row {
                    Some(row) => row.try_get(0)?,
                    None => crate::office::DEFAULT_TERMS.to_string(),
                });
            }
            let cmd = &with_terms;
            let created = self.stage_account(tx.conn(), org, cmd, &mut batch, &mut IdBlock::default()).await?;
            batch.flush(tx.conn(), org.org_id).await.map_err(|e| match e {
                StoreError::Conflict { .. } => StoreError::invalid("account_number", format!("account {} already exists", created.account_number)),
                other => other,
            })?;
            created
        })
    }

    /// Adds or replaces a party's contact point, keeping the old one as history.
    pub async fn set_contact(&self, org: &Organisation, account_number: &str, kind: &str, value: &AddressInput, from: Date) -> Result<()> {
        let kind = ContactKind::parse(kind).map_err(|e| StoreError::invalid("kind", e))?;
        let point = ContactPoint::read(kind, value, "value")?;
        let value = point.value.clone();
        let mut tx = self.begin_write().await?;
        let conn = tx.conn();
        let account = self.account_by_number(conn, org.org_id, account_number).await?;
        let party_id: i64 = sqlx::query("SELECT party_id FROM account WHERE org_id = $1 AND account_id = $2")
            .bind(org.org_id)
            .bind(account.account_id)
            .fetch_one(&mut *conn)
            .await?
            .try_get(0)?;
        let previous: Option<String> =
            sqlx::query("SELECT value FROM party_contact WHERE org_id = $1 AND party_id = $2 AND kind = $3 AND label = 'primary' AND valid_to IS NULL")
                .bind(org.org_id)
                .bind(party_id)
                .bind(kind.as_str())
                .fetch_optional(&mut *conn)
                .await?
                .map(|r| r.try_get(0))
                .transpose()?;
        let value_for_audit = value.clone();
        sqlx::query("UPDATE party_contact SET valid_to = $4 WHERE org_id = $1 AND party_id = $2 AND kind = $3 AND label = 'primary' AND valid_to IS NULL")
            .bind(org.org_id)
            .bind(party_id)
            .bind(kind.as_str())
            .bind(from.to_string())
            .execute(&mut *conn)
            .await?;
        let contact_id = next_ids(conn, org.org_id, "contact", 1).await?;
        let mut batch = Batch::default();
        batch.add(&batch::PARTY_CONTACT, point.row(org.org_id, contact_id, party_id, from.into()));
        batch.flush(conn, org.org_id).await?;
        let subject = Subject::Account(account.account_number.clone());
        let before = previous.map(|v| serde_json::json!({ "kind": kind.as_str(), "value": v }));
        let after = serde_json::json!({ "kind": kind.as_str(), "value": value_for_audit, "from": from });
        audit::append(
            conn,
            self.for_update(),
            org.org_id,
            "contact.change",
            &subject.label(),
            before.as_ref(),
            Some(&after),
        )
        .await?;
        tx.commit().await
    }

    /// Prices, numbers and (unless a draft) issues an invoice into `batch`.
    pub(crate) async fn stage_invoice(
        &self,
        conn: &mut AnyConnection,
        org_id: i64,
        account: &mut AccountRow,
        items: &mut Vec<ItemRow>,
        cmd: &NewInvoice,
        batch: &mut Batch,
        ids: &mut IdBlock,
    ) -> Result<InvoiceCreated> {
        if account.status == AccountStatus::Closed {
            return Err(StoreError::invalid("account_number", format!("account {} is closed", account.account_number)));
        }
        let (memo, priced, totals, terms, due_date) = price_invoice(account, cmd)?;
        let invoice_id = ids.take(conn, org_id, "invoice", 1).await?;
        let invoice_number = format!("INV-{invoice_id:06}");
        let status = if cmd.draft { InvoiceStatus::Draft } else { InvoiceStatus::Open };
        let now = now_text();
        let (item_id, entry_id) = if cmd.draft {
            (None, None)
        } else {
            (Some(ids.take(conn, org_id, "item", 1).await?), Some(ids.take(conn, org_id, "entry", 1).await?))
        };
        batch.add(
            &batch::INVOICE,
            vec![
                org_id.into(),
                invoice_id.into(),
                invoice_number.clone().into(),
                account.account_id.into(),
                status.as_str().into(),
                cmd.issue_date.into(),
                due_date.into(),
                terms.to_string().into(),
                account.currency.code().into(),
                totals.subtotal_minor.into(),
                totals.tax_minor.into(),
                totals.total_minor.into(),
                memo.clone().into(),
                item_id.into(),
                entry_id.into(),
                V::NI(None),
                now.clone().into(),
            ],
        );
        stage_invoice_lines(batch, org_id, invoice_id, &priced);
        if let (Some(item_id), Some(entry_id)) = (item_id, entry_id) {
            let description = priced.first().map(|l| l.input.description.clone()).unwrap_or_default();
            self.stage_issue(
                batch,
                org_id,
                account,
                invoice_id,
                &invoice_number,
                &description,
                cmd.issue_date,
                due_date,
                totals,
                item_id,
                entry_id,
                &memo,
                &now,
            )?;
            account.balance_minor += totals.total_minor;
            items.push(ItemRow {
                item_id,
                reference: invoice_number.clone(),
                invoice_id: Some(invoice_id),
                issue_date: cmd.issue_date,
                due_date,
                amount_minor: totals.total_minor,
                balance_minor: totals.total_minor,
                status: "open".into(),
            });
        }
        Ok(InvoiceCreated {
            invoice_id,
            invoice_number,
            status: status.as_str().to_string(),
            due_date,
            subtotal: fmt(totals.subtotal_minor, account.currency),
            tax: fmt(totals.tax_minor, account.currency),
            total: fmt(totals.total_minor, account.currency),
        })
    }

    fn stage_issue(
        &self,
        batch: &mut Batch,
        org_id: i64,
        account: &AccountRow,
        invoice_id: i64,
        invoice_number: &str,
        description: &str,
        issue_date: Date,
        due_date: Date,
        totals: settle_domain::invoice::InvoiceTotals,
        item_id: i64,
        entry_id: i64,
        memo: &str,
        now: &str,
    ) -> Result<()> {
        let entry = events::invoice_issued(
            issue_date,
            account.currency,
            account.receivable(),
            item_id,
            totals,
            format!("Invoice {invoice_number} {memo}").trim(),
        )?;
        batch.add_entry(org_id, entry_id, Some(account.account_id), &entry, now);
        add_item_row(
            batch,
            org_id,
            account,
            item_id,
            invoice_number,
            "invoice",
            Some(invoice_id),
            description,
            (issue_date, due_date),
            totals.total_minor,
        );
        batch.change_account(account.account_id, totals.total_minor, 0);
        Ok(())
    }

    pub async fn create_invoice(&self, org: &Organisation, cmd: &NewInvoice, key: Option<&IdempotencyKey>) -> Result<InvoiceCreated> {
        write_command!(self, org.org_id, key, cmd, |tx| {
            let mut account = self.account_by_number(tx.conn(), org.org_id, &cmd.account_number).await?;
            let mut batch = Batch::default();
            let created = self
                .stage_invoice(tx.conn(), org.org_id, &mut account, &mut Vec::new(), cmd, &mut batch, &mut IdBlock::default())
                .await?;
            batch.flush(tx.conn(), org.org_id).await?;
            created
        })
    }

    /// Replaces a draft invoice's lines, dates and memo. Issued invoices
    /// are never edited: void and reissue, or adjust.
    pub async fn edit_draft_invoice(&self, org: &Organisation, cmd: &EditDraftInvoice, key: Option<&IdempotencyKey>) -> Result<InvoiceCreated> {
        write_command!(self, org.org_id, key, cmd, |tx| {
            let conn = tx.conn();
            let number = cmd.invoice_number.trim().to_ascii_uppercase();
            let row = sqlx::query(&format!(
                "SELECT invoice_id, account_id, status FROM invoice WHERE org_id = $1 AND invoice_number = $2{}",
                self.for_update()
            ))
            .bind(org.org_id)
            .bind(&number)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| StoreError::not_found("invoice", &number))?;
            let invoice_id: i64 = row.try_get(0)?;
            let status: String = row.try_get(2)?;
            if status != "draft" {
                return Err(StoreError::invalid(
                    "invoice_number",
                    format!("invoice {number} is {status}; only a draft can be edited (void it or adjust it instead)"),
                ));
            }
            let account = self.account_by_id(conn, org.org_id, row.try_get(1)?).await?;
            let as_new = NewInvoice {
                account_number: account.account_number.clone(),
                issue_date: cmd.issue_date,
                terms: cmd.terms.clone(),
                lines: cmd.lines.clone(),
                memo: cmd.memo.clone(),
                draft: true,
            };
            let (memo, priced, totals, terms, due_date) = price_invoice(&account, &as_new)?;
            sqlx::query("DELETE FROM invoice_line WHERE org_id = $1 AND invoice_id = $2")
                .bind(org.org_id)
                .bind(invoice_id)
                .execute(&mut *conn)
                .await?;
            let mut batch = Batch::default();
            stage_invoice_lines(&mut batch, org.org_id, invoice_id, &priced);
            batch.flush(conn, org.org_id).await?;
            sqlx::query(
                "UPDATE invoice SET issue_date = $3, due_date = $4, terms = $5, subtotal_minor = $6, tax_minor = $7, total_minor = $8, memo = $9 \
                 WHERE org_id = $1 AND invoice_id = $2",
            )
            .bind(org.org_id)
            .bind(invoice_id)
            .bind(cmd.issue_date.to_string())
            .bind(due_date.to_string())
            .bind(terms.to_string())
            .bind(totals.subtotal_minor)
            .bind(totals.tax_minor)
            .bind(totals.total_minor)
            .bind(memo)
            .execute(&mut *conn)
            .await?;
            InvoiceCreated {
                invoice_id,
                invoice_number: number.clone(),
                status: "draft".into(),
                due_date,
                subtotal: fmt(totals.subtotal_minor, account.currency),
                tax: fmt(totals.tax_minor, account.currency),
                total: fmt(totals.total_minor, account.currency),
            }
        })
    }

    /// Issues a draft invoice: it gets its open item and journal entry now.
    pub async fn issue_invoice(&self, org: &Organisation, cmd: &IssueInvoice, key: Option<&IdempotencyKey>) -> Result<InvoiceCreated> {
        write_command!(self, org.org_id, key, cmd, |tx| {
            let conn = tx.conn();
            let number = cmd.invoice_number.trim().to_ascii_uppercase();
            let row = sqlx::query("SELECT invoice_id, account_id, status, issue_date, due_date, subtotal_minor, tax_minor, total_minor, memo FROM invoice WHERE org_id = $1 AND invoice_number = $2")
                .bind(org.org_id)
                .bind(&number)
                .fetch_optional(&mut *conn)
                .await?
                .ok_or_else(|| StoreError::not_found("invoice", &number))?;
            let status: String = row.try_get(2)?;
            if status != "draft" {
                return Err(StoreError::invalid(
                    "invoice_number",
                    format!("invoice {number} is {status}; only a draft can be issued"),
                ));
            }
            let account_id: i64 = row.try_get(1)?;
            let account = self.account_by_id(conn, org.org_id, account_id).await?;
            let totals = settle_domain::invoice::InvoiceTotals {
                subtotal_minor: row.try_get(5)?,
                tax_minor: row.try_get(6)?,
                total_minor: row.try_get(7)?,
            };
            let invoice_id: i64 = row.try_get(0)?;
            let issue_date = parse_date(&row.try_get::<String, _>(3)?)?;
            let due_date = parse_date(&row.try_get::<String, _>(4)?)?;
            let memo: String = row.try_get(8)?;
            let description: String = sqlx::query("SELECT description FROM invoice_line WHERE org_id = $1 AND invoice_id = $2 AND line_no = 1")
                .bind(org.org_id)
                .bind(invoice_id)
                .fetch_one(&mut *conn)
                .await?
                .try_get(0)?;
            let item_id = next_ids(conn, org.org_id, "item", 1).await?;
            let entry_id = next_ids(conn, org.org_id, "entry", 1).await?;
            let mut batch = Batch::default();
            self.stage_issue(
                &mut batch,
                org.org_id,
                &account,
                invoice_id,
                &number,
                &description,
                issue_date,
                due_date,
                totals,
                item_id,
                entry_id,
                &memo,
                &now_text(),
            )?;
            batch.flush(conn, org.org_id).await?;
            sqlx::query("UPDATE invoice SET status = 'open', item_id = $3, entry_id = $4 WHERE org_id = $1 AND invoice_id = $2")
                .bind(org.org_id)
                .bind(invoice_id)
                .bind(item_id)
                .bind(entry_id)
                .execute(&mut *conn)
                .await?;
            InvoiceCreated {
                invoice_id,
                invoice_number: number,
                status: "open".into(),
                due_date,
                subtotal: fmt(totals.subtotal_minor, account.currency),
                tax: fmt(totals.tax_minor, account.currency),
                total: fmt(totals.total_minor, account.currency),
            }
        })
    }

    /// Voids an open invoice on which nothing has been applied.
    pub async fn void_invoice(&self, org: &Organisation, cmd: &VoidInvoice, key: Option<&IdempotencyKey>) -> Result<InvoiceCreated> {
        write_command!(self, org.org_id, key, cmd, |tx| {
            let conn = tx.conn();
            let number = cmd.invoice_number.trim().to_ascii_uppercase();
            let (item, account_id) = self.item_by_reference(conn, org.org_id, &number).await.map_err(|e| match e {
                StoreError::NotFound { .. } => StoreError::not_found("invoice", &number),
                other => other,
            })?;
            let invoice_id = item
                .invoice_id
                .ok_or_else(|| StoreError::invalid("invoice_number", format!("{number} is not an invoice")))?;
            let row = sqlx::query("SELECT status, subtotal_minor, tax_minor, total_minor, due_date FROM invoice WHERE org_id = $1 AND invoice_id = $2")
                .bind(org.org_id)
                .bind(invoice_id)
                .fetch_one(&mut *conn)
                .await?;
            let status: String = row.try_get(0)?;
            if status != "open" {
                return Err(StoreError::invalid(
                    "invoice_number",
                    format!("invoice {number} is {status}; only an open invoice can be voided"),
                ));
            }
            let account = self.account_by_id(conn, org.org_id, account_id).await?;
            // Re-read the item under the account lock.
            let (item, _) = self.item_by_reference(conn, org.org_id, &number).await?;
            if item.balance_minor != item.amount_minor {
                return Err(StoreError::invalid(
                    "invoice_number",
                    format!(
                        "invoice {number} has {} applied; reverse the payments or credits before voiding",
                        fmt(item.amount_minor - item.balance_minor, account.currency)
                    ),
                ));
            }
            let totals = settle_domain::invoice::InvoiceTotals {
                subtotal_minor: row.try_get(1)?,
                tax_minor: row.try_get(2)?,
                total_minor: row.try_get(3)?,
            };
            let reason = check_text("reason", &cmd.reason, 500)?;
            let entry = events::invoice_voided(
                cmd.date,
                account.currency,
                account.receivable(),
                item.item_id,
                totals,
                &format!("Void {number}: {reason}"),
            )?;
            let entry_id = next_ids(conn, org.org_id, "entry", 1).await?;
            let mut batch = Batch::default();
            batch.add_entry(org.org_id, entry_id, Some(account.account_id), &entry, &now_text());
            batch.item_changes.insert(
                item.item_id,
                crate::batch::ItemChange {
                    balance_delta_minor: -item.balance_minor,
                    written_off: false,
                    void: true,
                },
            );
            batch.change_account(account.account_id, -item.balance_minor, 0);
            batch.invoice_updates.push((invoice_id, "void", Some(entry_id)));
            batch.flush(conn, org.org_id).await?;
            InvoiceCreated {
                invoice_id,
                invoice_number: number,
                status: "void".into(),
                due_date: item.due_date,
                subtotal: fmt(totals.subtotal_minor, account.currency),
                tax: fmt(totals.tax_minor, account.currency),
                total: fmt(totals.total_minor, account.currency),
            }
        })
    }

    /// Stages a payment against `items` (which it updates in place, so a
    /// batch of payments sees each other's effect).
    pub(crate) async fn stage_payment(
        &self,
        conn: &mut AnyConnection,
        org_id: i64,
        account: &mut AccountRow,
        items: &mut [ItemRow],
        cmd: &NewPayment,
        batch: &mut Batch,
        ids: &mut IdBlock,
    ) -> Result<PaymentPosted> {
        let amount = positive_amount("amount", &cmd.amount, account.currency)?;
        let method = check_method(&cmd.method)?;
        let reference = check_text("reference", &cmd.reference, 100)?;
        let target = target_for(&cmd.apply_to, items, account.currency)?;
        let plan = allocate(amount.amount_minor(), &domain_items(items), &target)?;
        let payment_id = ids.take(conn, org_id, "payment", 1).await?;
        let entry_id = ids.take(conn, org_id, "entry", 1).await?;
        let first_allocation = ids.take(conn, org_id, "allocation", plan.allocations.len() as i64).await?;
        let memo = if reference.is_empty() {
            format!("Payment {payment_id} ({method})")
        } else {
            format!("Payment {payment_id} ({method} {reference})")
        };
        let entry = events::payment_received(cmd.received_on, account.currency, account.receivable(), amount.amount_minor(), &plan, &memo)?;
        let now = now_text();
        batch.add_entry(org_id, entry_id, Some(account.account_id), &entry, &now);
        batch.add(
            &batch::PAYMENT,
            vec![
                org_id.into(),
                payment_id.into(),
                account.account_id.into(),
                method.into(),
                reference.into(),
                cmd.received_on.into(),
                account.currency.code().into(),
                amount.amount_minor().into(),
                plan.unapplied_minor.into(),
                "posted".into(),
                entry_id.into(),
                V::NI(None),
                now.into(),
            ],
        );
        record_allocations(
            batch,
            org_id,
            first_allocation,
            account.account_id,
            "payment",
            Some(payment_id),
            None,
            &plan,
            items,
            cmd.received_on,
            entry_id,
        );
        let posted = PaymentPosted {
            payment_id,
            amount: amount.to_decimal_string(),
            applied: describe_plan(&plan, items, account.currency),
            unapplied: fmt(plan.unapplied_minor, account.currency),
        };
        apply_plan_locally(items, &plan);
        batch.change_account(account.account_id, -plan.applied_minor(), plan.unapplied_minor);
        account.balance_minor -= plan.applied_minor();
        account.credit_minor += plan.unapplied_minor;
        Ok(posted)
    }

    /// Posts a payment. Payments arriving together are committed together
    /// (see [`crate::group`]); each is decided alone, in arrival order.
    pub async fn post_payment(&self, org: &Organisation, cmd: &NewPayment, key: Option<&IdempotencyKey>) -> Result<PaymentPosted> {
        let Some(queue) = &self.payments else {
            return self.post_payment_alone(org, cmd, key).await;
        };
        let (reply, answer) = tokio::sync::oneshot::channel();
        let job = crate::group::PaymentJob {
            org: org.clone(),
            cmd: cmd.clone(),
            key: key.cloned(),
            actor: audit::current_actor(),
            reply,
        };
        if queue.send(job).is_err() {
            return self.post_payment_alone(org, cmd, key).await;
        }
        answer.await.map_err(|_| StoreError::Corrupt("the payment queue stopped".into()))?
    }

    /// Posts one payment in a transaction of its own.
    pub(crate) async fn post_payment_alone(&self, org: &Organisation, cmd: &NewPayment, key: Option<&IdempotencyKey>) -> Result<PaymentPosted> {
        write_command!(self, org.org_id, key, cmd, |tx| {
            let mut account = self.account_by_number(tx.conn(), org.org_id, &cmd.account_number).await?;
            let mut items = self.open_items(tx.conn(), org.org_id, account.account_id).await?;
            let mut batch = Batch::default();
            let posted = self
                .stage_payment(tx.conn(), org.org_id, &mut account, &mut items, cmd, &mut batch, &mut IdBlock::default())
                .await?;
            batch.flush(tx.conn(), org.org_id).await?;
            posted
        })
    }

    /// Reverses a returned payment: reopens what it paid, takes back what is
    /// left of its credit, bills again any credit already used, and may add
    /// a returned-payment fee.
    pub async fn reverse_payment(&self, org: &Organisation, cmd: &ReversePayment, key: Option<&IdempotencyKey>) -> Result<PaymentReversed> {
        write_command!(self, org.org_id, key, cmd, |tx| {
            let conn = tx.conn();
            let row = sqlx::query("SELECT account_id, amount_minor, status, received_on FROM payment WHERE org_id = $1 AND payment_id = $2")
                .bind(org.org_id)
                .bind(cmd.payment_id)
                .fetch_optional(&mut *conn)
                .await?
                .ok_or_else(|| StoreError::not_found("payment", cmd.payment_id))?;
            let status: String = row.try_get(2)?;
            if status != "posted" {
                return Err(StoreError::invalid("payment_id", format!("payment {} is already {status}", cmd.payment_id)));
            }
            let received_on = parse_date(&row.try_get::<String, _>(3)?)?;
            if cmd.date < received_on {
                return Err(StoreError::invalid(
                    "date",
                    format!("{} is before the payment was received ({received_on})", cmd.date),
                ));
            }
            let amount_minor: i64 = row.try_get(1)?;
            let account = self.account_by_id(conn, org.org_id, row.try_get(0)?).await?;
            let reason = check_text("reason", &cmd.reason, 500)?;
            let fee = match &cmd.fee {
                Some(text) => Some(positive_amount("fee", text, account.currency)?),
                None => None,
            };
            let applied_rows = sqlx::query("SELECT a.item_id, CAST(SUM(a.amount_minor) AS BIGINT), i.reference, i.invoice_id, i.balance_minor, i.written_off FROM allocation a JOIN open_item i ON i.org_id = a.org_id AND i.item_id = a.item_id WHERE a.org_id = $1 AND a.payment_id = $2 GROUP BY a.item_id, i.reference, i.invoice_id, i.balance_minor, i.written_off ORDER BY a.item_id")
                .bind(org.org_id)
                .bind(cmd.payment_id)
                .fetch_all(&mut *conn)
                .await?;
            let mut applied = Vec::new();
            let mut references = Vec::new();
            for r in &applied_rows {
                let amount: i64 = r.try_get(1)?;
                if amount > 0 {
                    applied.push((r.try_get::<i64, _>(0)?, amount));
                    references.push((
                        r.try_get::<String, _>(2)?,
                        r.try_get::<Option<i64>, _>(3)?,
                        r.try_get::<i64, _>(4)?,
                        r.try_get::<i64, _>(5)?,
                    ));
                }
            }
            let plan = events::plan_reversal(amount_minor, &applied, account.credit_minor);
            let now = now_text();
            let mut batch = Batch::default();
            let entry_id = next_ids(conn, org.org_id, "entry", 1).await?;
            let shortfall_item = if plan.shortfall_minor > 0 {
                Some(next_ids(conn, org.org_id, "item", 1).await?)
            } else {
                None
            };
            let memo = format!("Reversal of payment {}: {reason}", cmd.payment_id);
            let entry = events::payment_reversed(cmd.date, account.currency, account.receivable(), amount_minor, &plan, shortfall_item, &memo)?;
            batch.add_entry(org.org_id, entry_id, Some(account.account_id), &entry, &now);
            let first_allocation = next_ids(conn, org.org_id, "allocation", plan.reopen.len() as i64).await?;
            let mut reopened = Vec::new();
            for (offset, ((item_id, amount), (reference, invoice_id, balance, written_off))) in plan.reopen.iter().zip(&references).enumerate() {
                add_allocation_row(
                    &mut batch,
                    org.org_id,
                    first_allocation + offset as i64,
                    account.account_id,
                    *item_id,
                    ("reversal", Some(cmd.payment_id), None),
                    -amount,
                    cmd.date,
                    entry_id,
                );
                batch.change_item(*item_id, *amount);
                if let Some(invoice_id) = invoice_id {
                    batch.set_invoice_status(*invoice_id, InvoiceStatus::from_balance(balance + amount, *written_off == 1).as_str());
                }
                reopened.push(Applied {
                    reference: reference.clone(),
                    amount: fmt(*amount, account.currency),
                });
            }
            let mut balance_delta = plan.reopen.iter().map(|(_, a)| a).sum::<i64>();
            let rebilled = if let Some(item_id) = shortfall_item {
                let reference = format!("RTN-{item_id:06}");
                add_item_row(
                    &mut batch,
                    org.org_id,
                    &account,
                    item_id,
                    &reference,
                    "returned_payment",
                    None,
                    &format!("Returned payment {} re-billed", cmd.payment_id),
                    (cmd.date, cmd.date),
                    plan.shortfall_minor,
                );
                balance_delta += plan.shortfall_minor;
                Some(Applied {
                    reference,
                    amount: fmt(plan.shortfall_minor, account.currency),
                })
            } else {
                None
            };
            batch.change_account(account.account_id, balance_delta, -plan.from_credit_minor);
            let fee = if let Some(fee) = fee {
                let item_id = next_ids(conn, org.org_id, "item", 1).await?;
                let fee_entry_id = next_ids(conn, org.org_id, "entry", 1).await?;
                let reference = format!("FEE-{item_id:06}");
                let entry = events::fee(
                    cmd.date,
                    account.currency,
                    account.receivable(),
                    item_id,
                    fee.amount_minor(),
                    &format!("Returned payment fee, payment {}", cmd.payment_id),
                )?;
                batch.add_entry(org.org_id, fee_entry_id, Some(account.account_id), &entry, &now);
                add_item_row(
                    &mut batch,
                    org.org_id,
                    &account,
                    item_id,
                    &reference,
                    "fee",
                    None,
                    "Returned payment fee",
                    (cmd.date, cmd.date),
                    fee.amount_minor(),
                );
                batch.change_account(account.account_id, fee.amount_minor(), 0);
                Some(Applied {
                    reference,
                    amount: fee.to_decimal_string(),
                })
            } else {
                None
            };
            batch.payment_reversals.push((cmd.payment_id, entry_id));
            batch.flush(conn, org.org_id).await?;
            PaymentReversed {
                payment_id: cmd.payment_id,
                reopened,
                taken_from_credit: fmt(plan.from_credit_minor, account.currency),
                rebilled,
                fee,
            }
        })
    }

    /// Applies an account's unapplied credit to its open items.
    pub async fn apply_credit(&self, org: &Organisation, cmd: &ApplyCredit, key: Option<&IdempotencyKey>) -> Result<CreditApplied> {
        write_command!(self, org.org_id, key, cmd, |tx| {
            let conn = tx.conn();
            let account = self.account_by_number(conn, org.org_id, &cmd.account_number).await?;
            let amount_minor = match &cmd.amount {
                Some(text) => positive_amount("amount", text, account.currency)?.amount_minor(),
                None => account.credit_minor,
            };
            if amount_minor > account.credit_minor || account.credit_minor == 0 {
                return Err(StoreError::invalid(
                    "amount",
                    format!(
                        "account {} has {} of credit to apply",
                        account.account_number,
                        fmt(account.credit_minor, account.currency)
                    ),
                ));
            }
            let items = self.open_items(conn, org.org_id, account.account_id).await?;
            let target = target_for(&cmd.apply_to, &items, account.currency)?;
            let mut plan = allocate(amount_minor, &domain_items(&items), &target)?;
            if plan.allocations.is_empty() {
                return Err(StoreError::invalid(
                    "apply_to",
                    format!("account {} has no open items to apply credit to", account.account_number),
                ));
            }
            // What the items could not take simply stays as credit.
            plan.unapplied_minor = 0;
            let entry_id = next_ids(conn, org.org_id, "entry", 1).await?;
            let first_allocation = next_ids(conn, org.org_id, "allocation", plan.allocations.len() as i64).await?;
            let entry = events::credit_applied(cmd.date, account.currency, account.receivable(), &plan, "Credit applied")?;
            let mut batch = Batch::default();
            batch.add_entry(org.org_id, entry_id, Some(account.account_id), &entry, &now_text());
            record_allocations(
                &mut batch,
                org.org_id,
                first_allocation,
                account.account_id,
                "credit",
                None,
                None,
                &plan,
                &items,
                cmd.date,
                entry_id,
            );
            batch.change_account(account.account_id, -plan.applied_minor(), -plan.applied_minor());
            batch.flush(conn, org.org_id).await?;
            CreditApplied {
                applied: describe_plan(&plan, &items, account.currency),
                credit_left: fmt(account.credit_minor - plan.applied_minor(), account.currency),
            }
        })
    }

    /// Checks an adjustment against the item as it stands, without staging it.
    pub(crate) async fn check_adjustment(&self, conn: &mut AnyConnection, org_id: i64, cmd: &NewAdjustment) -> Result<CheckedAdjustment> {
        let reason = AdjustmentReason::parse(&cmd.reason).ok_or_else(|| {
            StoreError::invalid(
                "reason",
                format!(
                    "{:?} is not an adjustment reason; use one of {}",
                    cmd.reason,
                    AdjustmentReason::ALL.map(|r| r.as_str()).join(", ")
                ),
            )
        })?;
        let (item, account_id) = self.item_by_reference(conn, org_id, &cmd.reference).await?;
        let account = self.account_by_id(conn, org_id, account_id).await?;
        if item.status != "open" {
            return Err(StoreError::invalid(
                "reference",
                format!("{} is {}; only an open item can be adjusted", item.reference, item.status),
            ));
        }
        let amount = positive_amount("amount", &cmd.amount, account.currency)?;
        if amount.amount_minor() > item.balance_minor {
            return Err(StoreError::invalid(
                "amount",
                format!(
                    "{} is more than the {} still owed on {}",
                    amount.to_decimal_string(),
                    fmt(item.balance_minor, account.currency),
                    item.reference
                ),
            ));
        }
        let memo = check_text("memo", &cmd.memo, 500)?;
        Ok(CheckedAdjustment {
            reason,
            item,
            account,
            amount,
            memo,
            date: cmd.date,
        })
    }

    pub(crate) async fn stage_adjustment(&self, conn: &mut AnyConnection, org_id: i64, cmd: &NewAdjustment, batch: &mut Batch) -> Result<AdjustmentPosted> {
        let checked = self.check_adjustment(conn, org_id, cmd).await?;
        self.stage_checked_adjustment(conn, org_id, checked, batch).await
    }

    pub(crate) async fn stage_checked_adjustment(
        &self,
        conn: &mut AnyConnection,
        org_id: i64,
        checked: CheckedAdjustment,
        batch: &mut Batch,
    ) -> Result<AdjustmentPosted> {
        let CheckedAdjustment {
            reason,
            item,
            account,
            amount,
            memo,
            date,
        } = checked;
        let entry = events::adjustment(
            date,
            account.currency,
            account.receivable(),
            item.item_id,
            item.balance_minor,
            reason,
            amount.amount_minor(),
            &format!("{} on {}: {memo}", reason.as_str(), item.reference),
        )
        .map_err(|e| StoreError::invalid("amount", format!("{e} ({})", fmt(item.balance_minor, account.currency))))?;
        let entry_id = next_ids(conn, org_id, "entry", 1).await?;
        let adjustment_id = next_ids(conn, org_id, "adjustment", 1).await?;
        batch.add_entry(org_id, entry_id, Some(account.account_id), &entry, &now_text());
        batch.add(
            &batch::ADJUSTMENT,
            vec![
                org_id.into(),
                adjustment_id.into(),
                account.account_id.into(),
                item.item_id.into(),
                reason.as_str().into(),
                amount.amount_minor().into(),
                date.into(),
                memo.into(),
                entry_id.into(),
            ],
        );
        let new_balance = item.balance_minor - amount.amount_minor();
        let written_off = reason.is_write_off() && new_balance == 0;
        batch.item_changes.insert(
            item.item_id,
            crate::batch::ItemChange {
                balance_delta_minor: -amount.amount_minor(),
                written_off,
                void: false,
            },
        );
        batch.change_account(account.account_id, -amount.amount_minor(), 0);
        if let Some(invoice_id) = item.invoice_id {
            batch.set_invoice_status(invoice_id, InvoiceStatus::from_balance(new_balance, written_off).as_str());
        }
        Ok(AdjustmentPosted {
            adjustment_id,
            reference: item.reference,
            amount: amount.to_decimal_string(),
            balance: fmt(new_balance, account.currency),
        })
    }

    pub async fn adjust(&self, org: &Organisation, cmd: &NewAdjustment, key: Option<&IdempotencyKey>) -> Result<AdjustmentPosted> {
        write_command!(self, org.org_id, key, cmd, |tx| {
            let mut batch = Batch::default();
            let posted = self.stage_adjustment(tx.conn(), org.org_id, cmd, &mut batch).await?;
            batch.flush(tx.conn(), org.org_id).await?;
            posted
        })
    }

    pub async fn credit_note(&self, org: &Organisation, cmd: &NewCreditNote, key: Option<&IdempotencyKey>) -> Result<CreditNoteIssued> {
        write_command!(self, org.org_id, key, cmd, |tx| {
            let conn = tx.conn();
            let account = self.account_by_number(conn, org.org_id, &cmd.account_number).await?;
            let amount = positive_amount("amount", &cmd.amount, account.currency)?;
            let memo = check_text("memo", &cmd.memo, 500)?;
            let items = self.open_items(conn, org.org_id, account.account_id).await?;
            let plan = if cmd.apply_to.is_empty() {
                AllocationPlan {
                    allocations: vec![],
                    unapplied_minor: amount.amount_minor(),
                }
            } else {
                allocate(
                    amount.amount_minor(),
                    &domain_items(&items),
                    &target_for(&cmd.apply_to, &items, account.currency)?,
                )?
            };
            let credit_note_id = next_ids(conn, org.org_id, "credit_note", 1).await?;
            let number = format!("CN-{credit_note_id:06}");
            let entry_id = next_ids(conn, org.org_id, "entry", 1).await?;
            let first_allocation = next_ids(conn, org.org_id, "allocation", plan.allocations.len() as i64).await?;
            let entry = events::credit_note(
                cmd.date,
                account.currency,
                account.receivable(),
                amount.amount_minor(),
                &plan,
                format!("Credit note {number} {memo}").trim(),
            )?;
            let mut batch = Batch::default();
            batch.add_entry(org.org_id, entry_id, Some(account.account_id), &entry, &now_text());
            batch.add(
                &batch::CREDIT_NOTE,
                vec![
                    org.org_id.into(),
                    credit_note_id.into(),
                    number.clone().into(),
                    account.account_id.into(),
                    amount.amount_minor().into(),
                    cmd.date.into(),
                    memo.into(),
                    entry_id.into(),
                ],
            );
            record_allocations(
                &mut batch,
                org.org_id,
                first_allocation,
                account.account_id,
                "credit_note",
                None,
                Some(credit_note_id),
                &plan,
                &items,
                cmd.date,
                entry_id,
            );
            batch.change_account(account.account_id, -plan.applied_minor(), plan.unapplied_minor);
            batch.flush(conn, org.org_id).await?;
            CreditNoteIssued {
                credit_note_id,
                credit_note_number: number,
                applied: describe_plan(&plan, &items, account.currency),
                unapplied: fmt(plan.unapplied_minor, account.currency),
            }
        })
    }

    pub async fn refund(&self, org: &Organisation, cmd: &NewRefund, key: Option<&IdempotencyKey>) -> Result<RefundIssued> {
        write_command!(self, org.org_id, key, cmd, |tx| {
            let conn = tx.conn();
            let account = self.account_by_number(conn, org.org_id, &cmd.account_number).await?;
            let amount = positive_amount("amount", &cmd.amount, account.currency)?;
            let method = check_method(&cmd.method)?;
            let reference = check_text("reference", &cmd.reference, 100)?;
            let entry = events::refund(
                cmd.date,
                account.currency,
                account.account_id,
                amount.amount_minor(),
                account.credit_minor,
                &format!("Refund ({method} {reference})"),
            )
            .map_err(|e| StoreError::invalid("amount", format!("{e} ({})", fmt(account.credit_minor, account.currency))))?;
            let entry_id = next_ids(conn, org.org_id, "entry", 1).await?;
            let refund_id = next_ids(conn, org.org_id, "refund", 1).await?;
            let mut batch = Batch::default();
            batch.add_entry(org.org_id, entry_id, Some(account.account_id), &entry, &now_text());
            batch.add(
                &batch::REFUND,
                vec![
                    org.org_id.into(),
                    refund_id.into(),
                    account.account_id.into(),
                    amount.amount_minor().into(),
                    method.into(),
                    reference.into(),
                    cmd.date.into(),
                    entry_id.into(),
                ],
            );
            batch.change_account(account.account_id, 0, -amount.amount_minor());
            batch.flush(conn, org.org_id).await?;
            RefundIssued {
                refund_id,
                amount: amount.to_decimal_string(),
                credit_left: fmt(account.credit_minor - amount.amount_minor(), account.currency),
            }
        })
    }
}

fn apply_plan_locally(items: &mut [ItemRow], plan: &AllocationPlan) {
    for (item_id, amount) in &plan.allocations {
        if let Some(item) = items.iter_mut().find(|i| i.item_id == *item_id) {
            item.balance_minor -= amount;
        }
    }
}

/// Ids reserved in blocks, so that a bulk import takes a counter once per
/// block instead of once per row. A single command uses a fresh block of
/// exactly what it needs.
#[derive(Default)]
pub(crate) struct IdBlock {
    blocks: std::collections::HashMap<&'static str, (i64, i64)>,
    pub block_size: i64,
}

impl IdBlock {
    pub(crate) fn with_block_size(block_size: i64) -> IdBlock {
        IdBlock {
            blocks: Default::default(),
            block_size,
        }
    }

    pub(crate) async fn take(&mut self, conn: &mut AnyConnection, org_id: i64, name: &'static str, count: i64) -> Result<i64> {
        if count == 0 {
            return Ok(0);
        }
        let (next, end) = self.blocks.get(name).copied().unwrap_or((0, 0));
        if next + count <= end {
            self.blocks.insert(name, (next + count, end));
            return Ok(next);
        }
        let size = count.max(self.block_size);
        let first = next_ids(conn, org_id, name, size).await?;
        if next < end && first == end {
            // The new block follows the old one: use the old tail first, so
            // numbers stay gapless (invoice and credit-note numbers are).
            self.blocks.insert(name, (next + count, first + size));
            return Ok(next);
        }
        self.blocks.insert(name, (first + count, first + size));
        Ok(first)
    }

    /// Hands the unused ends of the blocks back to the counters, if nothing
    /// was taken after them, so a bulk command leaves no gap in the numbers.
    pub(crate) async fn give_back(&mut self, conn: &mut AnyConnection, org_id: i64) -> Result<()> {
        crate::batch::give_back_blocks(conn, org_id, &mut self.blocks).await
    }
}
