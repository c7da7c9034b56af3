//! Aging, trial balance and the journal, with amounts as decimal strings.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use settle_domain::aging::AgingBuckets;
use settle_domain::money::{Currency, Money};
use settle_domain::Date;
use utoipa::{IntoParams, ToSchema};

use crate::api::today;
use crate::api::{id_cursor, page_size, Page};
use crate::guard::Auth;
use crate::problem::{ApiError, ApiResult, Params};
use crate::AppState;

fn money(minor: i64, code: &str) -> ApiResult<String> {
    let currency = Currency::from_code(code).map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    Ok(Money::from_minor(minor, currency).to_decimal_string())
}

fn all_money(minors: &[i64], code: &str) -> ApiResult<Vec<String>> {
    minors.iter().map(|m| money(*m, code)).collect()
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AgingQuery {
    /// The date to age as of; today if absent.
    as_of: Option<Date>,
    /// "account" (a row per account, the default), "bucket" (totals only) or
    /// "responsibility" (a row per payer, then the patients together).
    #[param(inline)]
    by: Option<AgingBy>,
    /// Bucket edges in days past due, such as "0,30,60,90,120"; the organisation's if absent.
    #[param(max_length = 100)]
    buckets: Option<String>,
    /// Which currency's receivables; the organisation's if absent.
    #[param(max_length = 3)]
    currency: Option<String>,
}

#[derive(Clone, Copy, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum AgingBy {
    Account,
    Bucket,
    /// A row per payer (insurance), then the patients and customers together.
    Responsibility,
}

#[derive(Serialize, ToSchema)]
pub struct AgingRowView {
    pub account_number: String,
    pub name: String,
    /// One amount per bucket, in the order of `labels`.
    pub buckets: Vec<String>,
    pub credit: String,
    pub total: String,
}

#[derive(Serialize, ToSchema)]
pub struct AgingView {
    pub as_of: Date,
    pub currency: String,
    pub labels: Vec<String>,
    /// Empty when aged by bucket.
    pub rows: Vec<AgingRowView>,
    pub totals: Vec<String>,
    pub credit: String,
    pub total: String,
}

/// Receivables aged by due date, per account or in total.
#[utoipa::path(get, path = "/api/v1/reports/aging", tag = "reports", params(AgingQuery),
    responses((status = 200, body = AgingView)),
    security(("bearer" = ["reports.read"])))]
pub async fn aging(State(state): State<AppState>, Auth(p): Auth, Params(q): Params<AgingQuery>) -> ApiResult<Json<AgingView>> {
    let buckets = AgingBuckets::parse(q.buckets.as_deref().unwrap_or(&p.org.aging_buckets))
        .map_err(|e| ApiError::field(StatusCode::BAD_REQUEST, "buckets", e.to_string()))?;
    let as_of = q.as_of.unwrap_or_else(today);
    let report = match q.by.unwrap_or(AgingBy::Account) {
        AgingBy::Account => state.store.aging(&p.org, as_of, &buckets, q.currency.as_deref()).await?,
        AgingBy::Responsibility => state.store.aging_by_responsibility(&p.org, as_of, &buckets, q.currency.as_deref()).await?,
        AgingBy::Bucket => state.store.aging_totals(&p.org, as_of, &buckets, q.currency.as_deref()).await?,
    };
    let code = report.currency.clone();
    let rows = report
        .rows
        .iter()
        .map(|r| {
            Ok(AgingRowView {
                account_number: r.account_number.clone(),
                name: r.name.clone(),
                buckets: all_money(&r.buckets_minor, &code)?,
                credit: money(r.credit_minor, &code)?,
                total: money(r.total_minor, &code)?,
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    if q.by.unwrap_or(AgingBy::Account) == AgingBy::Account {
        state.store.note_read(p.org.org_id, "report.aging", "accounts").await?;
    }
    Ok(Json(AgingView {
        as_of: report.as_of,
        labels: report.labels,
        rows,
        totals: all_money(&report.totals_minor, &code)?,
        credit: money(report.credit_minor, &code)?,
        total: money(report.total_minor, &code)?,
        currency: code,
    }))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AsOfQuery {
    /// Entries on or before this date; all if absent.
    as_of: Option<Date>,
}

#[derive(Serialize, ToSchema)]
pub struct TrialBalanceLine {
    pub code: String,
    pub name: String,
    pub currency: String,
    pub debit: String,
    pub credit: String,
    /// Debit less credit.
    pub balance: String,
}

/// The trial balance: each GL account's debits and credits. Sums to zero.
#[utoipa::path(get, path = "/api/v1/reports/trial-balance", tag = "reports", params(AsOfQuery),
    responses((status = 200, body = Vec<TrialBalanceLine>)),
    security(("bearer" = ["reports.read"])))]
pub async fn trial_balance(State(state): State<AppState>, Auth(p): Auth, Params(q): Params<AsOfQuery>) -> ApiResult<Json<Vec<TrialBalanceLine>>> {
    let rows = state.store.trial_balance(&p.org, q.as_of).await?;
    let lines = rows
        .into_iter()
        .map(|r| {
            Ok(TrialBalanceLine {
                debit: money(r.debit_minor, &r.currency)?,
                credit: money(r.credit_minor, &r.currency)?,
                balance: money(r.balance_minor, &r.currency)?,
                code: r.code,
                name: r.name,
                currency: r.currency,
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(Json(lines))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct JournalQuery {
    cursor: Option<String>,
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct PostingView {
    pub gl_code: String,
    pub account_number: Option<String>,
    pub item: Option<String>,
    /// Debit positive, credit negative.
    pub amount: String,
}

#[derive(Serialize, ToSchema)]
pub struct EntryView {
    pub entry_id: i64,
    pub date: String,
    pub kind: String,
    pub currency: String,
    pub memo: String,
    pub postings: Vec<PostingView>,
}

/// The double-entry journal, oldest entry first. Each entry sums to zero.
#[utoipa::path(get, path = "/api/v1/journal", tag = "reports", params(JournalQuery),
    responses((status = 200, body = Page<EntryView>)),
    security(("bearer" = ["journal.read"])))]
pub async fn journal(State(state): State<AppState>, Auth(p): Auth, Params(q): Params<JournalQuery>) -> ApiResult<Json<Page<EntryView>>> {
    let limit = page_size(q.limit, 1000)?;
    let after = id_cursor(q.cursor.as_deref())?.unwrap_or(0);
    let entries = state.store.journal_page(&p.org, after, limit).await?;
    let items = entries
        .into_iter()
        .map(|e| {
            let postings = e
                .postings
                .into_iter()
                .map(|x| {
                    Ok(PostingView {
                        amount: money(x.amount_minor, &e.currency)?,
                        gl_code: x.gl_code,
                        account_number: x.account_number,
                        item: x.item,
                    })
                })
                .collect::<ApiResult<Vec<_>>>()?;
            Ok(EntryView {
                entry_id: e.entry_id,
                date: e.date,
                kind: e.kind,
                currency: e.currency,
                memo: e.memo,
                postings,
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(Json(Page::of(items, limit, |e| e.entry_id.to_string())))
}
