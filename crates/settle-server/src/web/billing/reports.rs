//! Reports as pages, each downloadable as CSV (`?format=csv`): aging with
//! drill-down (bucket, then accounts, then items), trial balance, cash
//! receipts by day and method, and adjustments by reason.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use jiff::ToSpan;
use serde::Deserialize;
use settle_domain::aging::AgingBuckets;
use settle_domain::money::report_total;
use settle_domain::Date;
use settle_store::billing::{amount, AdjustmentTotal, AgedItem, AgingRow, ReceiptRow, TrialBalanceRow};

use crate::web::{error_page, render, store_error_page, today, Ctx};
use crate::AppState;

#[derive(Deserialize, Default)]
pub struct ReportQuery {
    as_of: Option<String>,
    from: Option<String>,
    to: Option<String>,
    format: Option<String>,
    /// Cash receipts: the day whose payments to list, one by one.
    day: Option<String>,
    /// Cash receipts: only this method's payments on the day.
    method: Option<String>,
}

impl ReportQuery {
    fn csv(&self) -> bool {
        self.format.as_deref() == Some("csv")
    }
    fn date(&self, text: Option<&String>, default: Date, name: &str, ctx: &Ctx) -> Result<Date, Response> {
        match text.map(|t| t.trim()).filter(|t| !t.is_empty()) {
            None => Ok(default),
            Some(t) => t.parse().map_err(|_| {
                error_page(
                    Some(ctx),
                    StatusCode::BAD_REQUEST,
                    "That is not a date",
                    &format!("The {name} “{t}” is not a date; use YYYY-MM-DD."),
                )
            }),
        }
    }
}

/// A CSV file to download.
pub(crate) fn csv_download(name: &str, header_row: &[&str], rows: Vec<Vec<String>>) -> Response {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let _ = writer.write_record(header_row);
    for row in rows {
        let _ = writer.write_record(&row);
    }
    let body = writer.into_inner().unwrap_or_default();
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        body,
    )
        .into_response()
}

#[derive(Template)]
#[template(path = "reports.html")]
struct IndexPage<'a> {
    ctx: Option<&'a Ctx>,
    today: String,
    month_start: String,
}

pub async fn index(ctx: Ctx) -> Response {
    let today = today();
    render(&IndexPage {
        ctx: Some(&ctx),
        today: today.to_string(),
        month_start: today.first_of_month().to_string(),
    })
    .into_response()
}

#[derive(Template)]
#[template(path = "aging.html")]
struct AgingPage<'a> {
    /// How far behind the reporting replica these figures were read from is.
    replica: Option<String>,
    ctx: Option<&'a Ctx>,
    as_of: String,
    currency: String,
    buckets: Vec<(String, i64)>,
    credit_minor: i64,
    total_minor: i64,
    /// A row per payer, then the patients together.
    by_payer: Vec<settle_store::billing::AgingRow>,
}

impl AgingPage<'_> {
    /// Whether any payer owes: the by-who-owes table is shown then.
    fn has_payers(&self) -> bool {
        self.by_payer.iter().any(|r| r.account_number != "PATIENTS")
    }
}

fn buckets_of(ctx: &Ctx) -> AgingBuckets {
    AgingBuckets::parse(&ctx.principal.org.aging_buckets).unwrap_or_default()
}

pub async fn aging(State(state): State<AppState>, ctx: Ctx, Query(q): Query<ReportQuery>) -> Response {
    let as_of = match q.date(q.as_of.as_ref(), today(), "as-of date", &ctx) {
        Ok(d) => d,
        Err(r) => return r,
    };
    let org = &ctx.principal.org;
    let buckets = buckets_of(&ctx);
    if q.csv() {
        // Every account with its buckets, then a total row.
        let report = match state.store.aging(org, as_of, &buckets, None).await {
            Ok(r) => r,
            Err(e) => return store_error_page(Some(&ctx), e),
        };
        if let Err(e) = state.store.note_read(org.org_id, "report.aging.csv", "accounts").await {
            return store_error_page(Some(&ctx), e);
        }
        let mut header_row = vec!["account_number", "name"];
        header_row.extend(report.labels.iter().map(String::as_str));
        header_row.extend(["credit", "total"]);
        let code = report.currency.clone();
        let mut rows: Vec<Vec<String>> = report.rows.iter().map(|r| aging_csv_row(r, &code)).collect();
        let mut total = vec!["TOTAL".to_string(), String::new()];
        total.extend(report.totals_minor.iter().map(|m| amount(*m, &code)));
        total.push(amount(report.credit_minor, &code));
        total.push(amount(report.total_minor, &code));
        rows.push(total);
        return csv_download(&format!("aging-{as_of}.csv"), &header_row, rows);
    }
    let report = match state.store.aging_totals(org, as_of, &buckets, None).await {
        Ok(r) => r,
        Err(e) => return store_error_page(Some(&ctx), e),
    };
    let by_payer = match state.store.aging_by_responsibility(org, as_of, &buckets, None).await {
        Ok(r) => r.rows,
        Err(e) => return store_error_page(Some(&ctx), e),
    };
    render(&AgingPage {
        replica: replica_note(&state.store).await,
        by_payer,
        ctx: Some(&ctx),
        as_of: as_of.to_string(),
        buckets: report.labels.iter().cloned().zip(report.totals_minor.iter().copied()).collect(),
        credit_minor: report.credit_minor,
        total_minor: report.total_minor,
        currency: report.currency,
    })
    .into_response()
}

fn aging_csv_row(r: &AgingRow, code: &str) -> Vec<String> {
    let mut row = vec![r.account_number.clone(), r.name.clone()];
    row.extend(r.buckets_minor.iter().map(|m| amount(*m, code)));
    row.push(amount(r.credit_minor, code));
    row.push(amount(r.total_minor, code));
    row
}

#[derive(Template)]
#[template(path = "aging_bucket.html")]
struct BucketPage<'a> {
    /// How far behind the reporting replica these figures were read from is.
    replica: Option<String>,
    ctx: Option<&'a Ctx>,
    as_of: String,
    index: usize,
    label: String,
    currency: String,
    rows: Vec<(String, String, i64, i64)>,
    shown: usize,
    bucket_total: i64,
}

pub async fn aging_bucket(State(state): State<AppState>, ctx: Ctx, Path(index): Path<usize>, Query(q): Query<ReportQuery>) -> Response {
    let as_of = match q.date(q.as_of.as_ref(), today(), "as-of date", &ctx) {
        Ok(d) => d,
        Err(r) => return r,
    };
    let org = &ctx.principal.org;
    let buckets = buckets_of(&ctx);
    if index >= buckets.len() {
        return error_page(
            Some(&ctx),
            StatusCode::NOT_FOUND,
            "No such bucket",
            "That aging bucket does not exist; go back to the aging report.",
        );
    }
    let report = match state.store.aging(org, as_of, &buckets, None).await {
        Ok(r) => r,
        Err(e) => return store_error_page(Some(&ctx), e),
    };
    let label = report.labels[index].clone();
    let mut rows: Vec<(String, String, i64, i64)> = report
        .rows
        .iter()
        .filter(|r| r.buckets_minor[index] != 0)
        .map(|r| (r.account_number.clone(), r.name.clone(), r.buckets_minor[index], r.total_minor))
        .collect();
    rows.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
    let bucket_total = report_total(rows.iter().map(|r| r.2));
    if let Err(e) = state.store.note_read(org.org_id, "report.aging.bucket", "accounts").await {
        return store_error_page(Some(&ctx), e);
    }
    let code = report.currency.clone();
    if q.csv() {
        let mut out: Vec<Vec<String>> = rows
            .iter()
            .map(|(n, name, b, t)| vec![n.clone(), name.clone(), amount(*b, &code), amount(*t, &code)])
            .collect();
        out.push(vec!["TOTAL".into(), String::new(), amount(bucket_total, &code), String::new()]);
        return csv_download(
            &format!("aging-{label}-{as_of}.csv"),
            &["account_number", "name", "in_bucket", "account_total"],
            out,
        );
    }
    let shown = rows.len().min(500);
    rows.truncate(500);
    render(&BucketPage {
        replica: replica_note(&state.store).await,
        ctx: Some(&ctx),
        as_of: as_of.to_string(),
        index,
        label,
        currency: code,
        shown,
        rows,
        bucket_total,
    })
    .into_response()
}

#[derive(Template)]
#[template(path = "aging_account.html")]
struct AgedItemsPage<'a> {
    ctx: Option<&'a Ctx>,
    as_of: String,
    account_number: String,
    name: String,
    currency: String,
    items: Vec<AgedItem>,
    total: i64,
}

pub async fn aging_account(State(state): State<AppState>, ctx: Ctx, Path(number): Path<String>, Query(q): Query<ReportQuery>) -> Response {
    let as_of = match q.date(q.as_of.as_ref(), today(), "as-of date", &ctx) {
        Ok(d) => d,
        Err(r) => return r,
    };
    let org = &ctx.principal.org;
    let account = match state.store.account_detail(org, &number).await {
        Ok(a) => a,
        Err(e) => return store_error_page(Some(&ctx), e),
    };
    let items = match state.store.aged_items(org, &number, as_of, &buckets_of(&ctx)).await {
        Ok(i) => i,
        Err(e) => return store_error_page(Some(&ctx), e),
    };
    if let Err(e) = state
        .store
        .note_read(org.org_id, "report.aging.account", &format!("account:{}", account.summary.account_number))
        .await
    {
        return store_error_page(Some(&ctx), e);
    }
    let code = account.summary.currency.clone();
    let total = report_total(items.iter().map(|i| i.balance_minor));
    if q.csv() {
        let rows = items
            .iter()
            .map(|i| {
                vec![
                    i.reference.clone(),
                    i.description.clone(),
                    i.issue_date.clone(),
                    i.due_date.clone(),
                    i.days_past_due.to_string(),
                    i.bucket.clone(),
                    amount(i.amount_minor, &code),
                    amount(i.balance_minor, &code),
                ]
            })
            .collect();
        return csv_download(
            &format!("aging-{}-{as_of}.csv", account.summary.account_number),
            &["reference", "description", "issued", "due", "days_past_due", "bucket", "amount", "balance"],
            rows,
        );
    }
    render(&AgedItemsPage {
        ctx: Some(&ctx),
        as_of: as_of.to_string(),
        account_number: account.summary.account_number,
        name: account.summary.name,
        currency: code,
        items,
        total,
    })
    .into_response()
}

#[derive(Template)]
#[template(path = "trial_balance.html")]
struct TrialBalancePage<'a> {
    /// How far behind the reporting replica these figures were read from is.
    replica: Option<String>,
    ctx: Option<&'a Ctx>,
    as_of: String,
    rows: Vec<TrialBalanceRow>,
    currency: String,
    debit: i64,
    credit: i64,
}

pub async fn trial_balance(State(state): State<AppState>, ctx: Ctx, Query(q): Query<ReportQuery>) -> Response {
    let as_of = match q.date(q.as_of.as_ref(), today(), "as-of date", &ctx) {
        Ok(d) => d,
        Err(r) => return r,
    };
    let rows = match state.store.trial_balance(&ctx.principal.org, Some(as_of)).await {
        Ok(r) => r,
        Err(e) => return store_error_page(Some(&ctx), e),
    };
    let currency = ctx.principal.org.base_currency.clone();
    let debit = report_total(rows.iter().filter(|r| r.currency == currency).map(|r| r.debit_minor));
    let credit = report_total(rows.iter().filter(|r| r.currency == currency).map(|r| r.credit_minor));
    if q.csv() {
        let out = rows
            .iter()
            .map(|r| {
                vec![
                    r.code.clone(),
                    r.name.clone(),
                    r.currency.clone(),
                    amount(r.debit_minor, &r.currency),
                    amount(r.credit_minor, &r.currency),
                    amount(r.balance_minor, &r.currency),
                ]
            })
            .collect();
        return csv_download(
            &format!("trial-balance-{as_of}.csv"),
            &["code", "name", "currency", "debit", "credit", "balance"],
            out,
        );
    }
    render(&TrialBalancePage {
        replica: replica_note(&state.store).await,
        ctx: Some(&ctx),
        as_of: as_of.to_string(),
        rows,
        currency,
        debit,
        credit,
    })
    .into_response()
}

#[derive(Template)]
#[template(path = "cash_receipts.html")]
struct ReceiptsPage<'a> {
    /// How far behind the reporting replica these figures were read from is.
    replica: Option<String>,
    ctx: Option<&'a Ctx>,
    from: String,
    to: String,
    currency: String,
    rows: Vec<ReceiptRow>,
    by_method: Vec<(String, i64, i64)>,
    total: i64,
    count: i64,
    /// The day (and method) listed payment by payment, to match a deposit.
    day: Option<(String, String)>,
    payments: Vec<settle_store::billing::PaymentSummary>,
    payments_total: i64,
}

fn range(q: &ReportQuery, ctx: &Ctx) -> Result<(Date, Date), Response> {
    let to = q.date(q.to.as_ref(), today(), "end date", ctx)?;
    let default_from = to.checked_sub(30.days()).unwrap_or(to);
    let from = q.date(q.from.as_ref(), default_from, "start date", ctx)?;
    if from > to {
        return Err(error_page(
            Some(ctx),
            StatusCode::BAD_REQUEST,
            "Dates the wrong way round",
            "The start date is after the end date.",
        ));
    }
    Ok((from, to))
}

pub async fn cash_receipts(State(state): State<AppState>, ctx: Ctx, Query(q): Query<ReportQuery>) -> Response {
    let (from, to) = match range(&q, &ctx) {
        Ok(r) => r,
        Err(r) => return r,
    };
    let (currency, rows) = match state.store.cash_receipts(&ctx.principal.org, from, to).await {
        Ok(r) => r,
        Err(e) => return store_error_page(Some(&ctx), e),
    };
    if q.csv() && q.day.is_none() {
        let out = rows
            .iter()
            .map(|r| vec![r.date.clone(), r.method.clone(), r.count.to_string(), amount(r.amount_minor, &currency)])
            .collect();
        return csv_download(&format!("cash-receipts-{from}-{to}.csv"), &["date", "method", "payments", "amount"], out);
    }
    // One day's payments one by one (check numbers and all), to match a deposit slip.
    let day = match q.day.as_ref().map(|d| d.trim()).filter(|d| !d.is_empty()) {
        Some(d) => match q.date(Some(&d.to_string()), to, "day", &ctx) {
            Ok(d) => Some((d, q.method.clone().unwrap_or_default())),
            Err(r) => return r,
        },
        None => None,
    };
    let payments = match &day {
        Some((d, method)) => {
            let filter = settle_store::billing::PaymentFilter {
                status: Some("posted".into()),
                method: Some(method.clone()).filter(|m| !m.is_empty()),
                received_from: Some(*d),
                received_to: Some(*d),
                limit: 5000,
                ..Default::default()
            };
            match state.store.list_payments(&ctx.principal.org, &filter).await {
                Ok(p) => p,
                Err(e) => return store_error_page(Some(&ctx), e),
            }
        }
        None => Vec::new(),
    };
    if let (true, Some((d, _))) = (q.csv(), &day) {
        let out = payments
            .iter()
            .map(|p| {
                vec![
                    p.received_on.clone(),
                    p.method.clone(),
                    p.payment_id.to_string(),
                    p.account_number.clone(),
                    p.name.clone(),
                    p.reference.clone(),
                    p.amount.clone(),
                ]
            })
            .collect();
        return csv_download(
            &format!("payments-{d}.csv"),
            &["received_on", "method", "payment", "account", "name", "reference", "amount"],
            out,
        );
    }
    let cur = settle_domain::money::Currency::from_code(&currency).ok();
    let payments_total = report_total(payments.iter().map(|p| {
        cur.and_then(|c| settle_domain::money::Money::parse(&p.amount, c).ok())
            .map_or(0, |m| m.amount_minor())
    }));
    let mut by_method: std::collections::BTreeMap<String, (i64, i64)> = std::collections::BTreeMap::new();
    for r in &rows {
        let slot = by_method.entry(r.method.clone()).or_default();
        slot.0 += r.count;
        slot.1 += r.amount_minor;
    }
    render(&ReceiptsPage {
        replica: replica_note(&state.store).await,
        ctx: Some(&ctx),
        from: from.to_string(),
        to: to.to_string(),
        total: report_total(rows.iter().map(|r| r.amount_minor)),
        count: rows.iter().map(|r| r.count).sum(),
        by_method: by_method.into_iter().map(|(m, (c, a))| (m, c, a)).collect(),
        rows,
        currency,
        day: day.map(|(d, m)| (d.to_string(), m)),
        payments,
        payments_total,
    })
    .into_response()
}

#[derive(Template)]
#[template(path = "adjustments_report.html")]
struct AdjustmentsPage<'a> {
    /// How far behind the reporting replica these figures were read from is.
    replica: Option<String>,
    ctx: Option<&'a Ctx>,
    from: String,
    to: String,
    currency: String,
    rows: Vec<AdjustmentTotal>,
    total: i64,
}

pub async fn adjustments(State(state): State<AppState>, ctx: Ctx, Query(q): Query<ReportQuery>) -> Response {
    let (from, to) = match range(&q, &ctx) {
        Ok(r) => r,
        Err(r) => return r,
    };
    let (currency, rows) = match state.store.adjustments_by_reason(&ctx.principal.org, from, to).await {
        Ok(r) => r,
        Err(e) => return store_error_page(Some(&ctx), e),
    };
    if q.csv() {
        let out = rows
            .iter()
            .map(|r| vec![r.reason.clone(), r.count.to_string(), amount(r.amount_minor, &currency)])
            .collect();
        return csv_download(&format!("adjustments-{from}-{to}.csv"), &["reason", "count", "amount"], out);
    }
    render(&AdjustmentsPage {
        replica: replica_note(&state.store).await,
        ctx: Some(&ctx),
        from: from.to_string(),
        to: to.to_string(),
        total: report_total(rows.iter().map(|r| r.amount_minor)),
        rows,
        currency,
    })
    .into_response()
}

/// What a page reading figures from the reporting replica says about it;
/// nothing when reports read the books themselves.
pub(crate) async fn replica_note(store: &settle_store::Store) -> Option<String> {
    match store.replica_lag().await {
        Ok(lag) => lag.map(|l| l.describe()),
        Err(e) => {
            tracing::warn!(error = %e, "asking the reporting replica how far behind it is");
            Some("Read from the reporting replica; how far behind it is could not be told.".to_string())
        }
    }
}
