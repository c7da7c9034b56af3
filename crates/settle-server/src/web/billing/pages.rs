//! The dashboard, account search, the account page and the invoice page.

use crate::web::billing::charts;
use crate::web::{money_minor, render, store_error_page, Ctx, Errors};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use settle_store::billing::{AccountDetail, ApprovalView, Dashboard, InvoiceDetail, NoteView, SearchHit, TimelineEvent};

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage<'a> {
    /// How far behind the reporting replica the figures were read from is.
    replica: Option<String>,
    claim_work: Vec<(&'static str, &'static str, i64)>,
    /// ACH return rates over 60 days (for those who run ACH, once any debit went out).
    ach_rates: Vec<settle_store::money_in::ReturnRateView>,
    ctx: Option<&'a Ctx>,
    d: Dashboard,
    aging_chart: String,
    cash_chart: String,
    cash_total: String,
    computed_at: String,
    computed_ms: u128,
}

pub async fn dashboard(State(state): State<AppState>, ctx: Ctx) -> Response {
    let org = &ctx.principal.org;
    let snapshot = match crate::web::DashboardCache::get(&state, org, crate::web::today()).await {
        Ok(s) => s,
        Err(error) => return store_error_page(Some(&ctx), error),
    };
    let d = snapshot.dashboard;
    let computed_at = snapshot.computed_at.strftime("%H:%M:%S UTC").to_string();
    let computed_ms = snapshot.computed_in.as_millis();
    let aging_chart = charts::bars(&d.buckets, &d.currency, "Receivables by days past due");
    let cash_chart = charts::line(&d.cash_by_month, &d.currency, "Cash collected per month");
    let cash_total = money_minor(d.cash_by_month.iter().map(|(_, v)| *v).sum::<i64>(), &d.currency);
    // Claims by status: one small GROUP BY, read live (not from the snapshot).
    let claims = match state.store.claim_counts(org).await {
        Ok(c) => c,
        Err(error) => return store_error_page(Some(&ctx), error),
    };
    let count = |s: &str| claims.get(s).copied().unwrap_or(0);
    let claim_work = [
        ("scrubbed", "Claims to fix", count("scrubbed")),
        ("rejected", "Claims rejected", count("rejected")),
        ("ready", "Claims ready to send", count("ready")),
    ]
    .into_iter()
    // Only for those who may open the claims they lead to (a collector may not).
    // and only where the organisation bills insurance.
    .filter(|_| !claims.is_empty() && ctx.can_see_clinical() && ctx.bills_insurance())
    .collect();
    let ach_rates = if ctx.can_post() {
        match state.store.ach_return_rates(org, crate::web::today()).await {
            Ok(rates) if rates.iter().any(|r| r.debits > 0) => rates,
            Ok(_) => Vec::new(),
            Err(error) => return store_error_page(Some(&ctx), error),
        }
    } else {
        Vec::new()
    };
    render(&DashboardPage {
        replica: crate::web::billing::reports::replica_note(&state.store).await,
        claim_work,
        ach_rates,
        ctx: Some(&ctx),
        d,
        aging_chart,
        cash_chart,
        cash_total,
        computed_at,
        computed_ms,
    })
    .into_response()
}

#[derive(Deserialize, Default)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
    /// How many to show: 20, or up to 100 when asked.
    #[serde(default)]
    limit: Option<usize>,
}

/// Found accounts, at most `limit`; `more` when others match too.
struct Found {
    hits: Vec<SearchHit>,
    more: bool,
    limit: usize,
}

#[derive(Template)]
#[template(path = "accounts.html")]
struct AccountsPage<'a> {
    ctx: Option<&'a Ctx>,
    q: String,
    hits: Vec<SearchHit>,
    more: bool,
    limit: usize,
}

#[derive(Template)]
#[template(path = "search_results.html")]
struct SearchResults {
    q: String,
    hits: Vec<SearchHit>,
    more: bool,
    limit: usize,
}

async fn find(state: &AppState, ctx: &Ctx, q: &str, limit: Option<usize>) -> Result<Found, Response> {
    let q: String = q.chars().take(100).collect();
    let limit = limit.unwrap_or(20).clamp(1, 100);
    // One more than shown, to say when others match too.
    let mut hits = state
        .store
        .search_accounts(&ctx.principal.org, &q, limit + 1)
        .await
        .map_err(|e| store_error_page(Some(ctx), e))?;
    if !q.trim().is_empty() {
        state
            .store
            .note_read(ctx.principal.org.org_id, "account.search", "accounts")
            .await
            .map_err(|e| store_error_page(Some(ctx), e))?;
    }
    let more = hits.len() > limit;
    hits.truncate(limit);
    Ok(Found { hits, more, limit })
}

#[derive(Template)]
#[template(path = "accounts_in_credit.html")]
pub struct InCreditPage<'a> {
    ctx: Option<&'a Ctx>,
    rows: Vec<settle_store::billing::AccountSummary>,
    list: crate::web::list::ListState,
    tally: settle_store::billing::AccountTally,
    q: String,
}

#[derive(Deserialize, Default)]
pub struct InCreditQuery {
    #[serde(default)]
    q: String,
    sort: Option<String>,
    dir: Option<String>,
    page: Option<i64>,
    format: Option<String>,
}

/// Every account holding unapplied credit, to apply or refund: largest
/// credit first unless sorted otherwise, a page at a time, with the count
/// and the credit of all of them.
pub async fn accounts_in_credit(State(state): State<AppState>, ctx: Ctx, Query(q): Query<InCreditQuery>) -> Response {
    use crate::web::list::{ListState, PER_PAGE};
    use settle_store::billing::ACCOUNT_SORTS;
    let mut columns: Vec<&str> = ACCOUNT_SORTS.iter().map(|(name, _)| *name).collect();
    // Largest credit first by default.
    columns.sort_by_key(|c| *c != "credit");
    let sort_given = q.sort.is_some();
    let mut list = ListState::read(q.sort.as_deref(), q.dir.as_deref(), q.page, &columns, false, &[("q", &q.q)]);
    if !sort_given {
        list.descending = true;
    }
    let csv = q.format.as_deref() == Some("csv");
    let filter = settle_store::billing::AccountFilter {
        in_credit: true,
        search: Some(q.q.trim().to_string()).filter(|s| !s.is_empty()),
        limit: if csv { 10_000 } else { PER_PAGE },
        sort: list.sort.clone(),
        descending: list.descending,
        offset: if csv { 0 } else { list.offset() },
        ..Default::default()
    };
    let org = &ctx.principal.org;
    let work = async {
        let tally = state.store.tally_accounts(org, &filter).await?;
        let rows = state.store.list_accounts(org, &filter).await?;
        Ok::<_, settle_store::StoreError>((tally, rows))
    };
    match work.await {
        Ok((_, rows)) if csv => {
            let header = ["account", "name", "kind", "currency", "credit", "balance"];
            let lines = rows
                .iter()
                .map(|a| {
                    vec![
                        a.account_number.clone(),
                        a.name.clone(),
                        a.ar_kind.clone(),
                        a.currency.clone(),
                        a.credit.clone(),
                        a.balance.clone(),
                    ]
                })
                .collect();
            crate::web::billing::reports::csv_download("accounts-in-credit.csv", &header, lines)
        }
        Ok((tally, rows)) => {
            list.total = tally.count;
            render(&InCreditPage {
                ctx: Some(&ctx),
                rows,
                list,
                tally,
                q: q.q,
            })
            .into_response()
        }
        Err(e) => store_error_page(Some(&ctx), e),
    }
}

pub async fn accounts(State(state): State<AppState>, ctx: Ctx, Query(q): Query<SearchQuery>) -> Response {
    match find(&state, &ctx, &q.q, q.limit).await {
        Ok(f) => render(&AccountsPage {
            ctx: Some(&ctx),
            q: q.q,
            hits: f.hits,
            more: f.more,
            limit: f.limit,
        })
        .into_response(),
        Err(response) => response,
    }
}

/// The results list alone, for search as you type.
pub async fn search(State(state): State<AppState>, ctx: Ctx, Query(q): Query<SearchQuery>) -> Response {
    match find(&state, &ctx, &q.q, q.limit).await {
        Ok(f) => render(&SearchResults {
            q: q.q,
            hits: f.hits,
            more: f.more,
            limit: f.limit,
        })
        .into_response(),
        Err(response) => response,
    }
}

#[derive(Template)]
#[template(path = "account.html")]
pub struct AccountPage<'a> {
    pub ctx: Option<&'a Ctx>,
    pub a: AccountDetail,
    pub notes: Vec<NoteView>,
    pub timeline: Vec<TimelineEvent>,
    pub pending: Vec<ApprovalView>,
    pub msg: String,
    pub past_due_90: bool,
    pub errors: Errors,
    pub note_text: String,
    pub coverages: Vec<settle_store::claims::CoverageView>,
    pub eligibility: Vec<settle_store::claims::EligibilityView>,
    pub guarantor: Option<settle_store::claims::GuarantorView>,
    pub claims: Vec<settle_store::claims::ClaimSummary>,
    pub statements: Vec<settle_store::claims::StatementSummary>,
    /// Collections: what the consumer asked of us, disputes, contacts and the gate's answers.
    pub profile: settle_store::collections::ProfileView,
    pub disputes: Vec<settle_store::collections::DisputeView>,
    pub contact_log: Vec<settle_store::collections::ContactView>,
    /// The day a logged contact asked to call back.
    pub call_back_on: Option<String>,
    pub decisions: Vec<settle_store::collections::DecisionView>,
    pub promises: Vec<settle_store::collections::PromiseView>,
    pub letters: Vec<settle_store::collections::LetterView>,
    /// The account's emails: waiting, held or cancelled by the gate (with why), sent.
    pub emails: Vec<settle_store::collections::OutboxEmail>,
    /// Dunning: where the account stands, and what was done.
    pub dunning_state: Option<String>,
    pub dunning_actions: Vec<settle_store::collections::dunning::ActionView>,
    pub plans: Vec<settle_store::collections::PlanView>,
    pub settlements: Vec<settle_store::collections::SettlementView>,
    /// ACH: the account's mandates and its latest debits.
    pub mandates: Vec<settle_store::money_in::MandateView>,
    pub debits: Vec<settle_store::money_in::DebitView>,
    pub error: String,
}

impl AccountPage<'_> {
    /// The latest eligibility answer for a coverage's payer.
    pub fn eligibility_of(&self, payer_code: &str) -> Option<&settle_store::claims::EligibilityView> {
        self.eligibility.iter().find(|e| e.payer_code == payer_code)
    }
}

#[derive(Deserialize, Default)]
pub struct MsgQuery {
    #[serde(default)]
    pub msg: String,
    #[serde(default)]
    pub error: String,
}

/// Reads everything the account page shows; the read is audited.
pub async fn account_page<'a>(state: &AppState, ctx: &'a Ctx, number: &str, msg: String) -> Result<AccountPage<'a>, Response> {
    let org = &ctx.principal.org;
    let fail = |e| store_error_page(Some(ctx), e);
    let a = state.store.account_detail(org, number).await.map_err(fail)?;
    let record = format!("account:{}", a.summary.account_number);
    state.store.note_read(org.org_id, "account.read", &record).await.map_err(fail)?;
    let notes = state.store.notes(org, number).await.map_err(fail)?;
    let timeline = state.store.account_timeline(org, number, 200).await.map_err(fail)?;
    let pending = state.store.pending_approvals_on(org, &a.summary.account_number).await.map_err(fail)?;
    let cutoff = crate::web::today()
        .checked_sub(jiff::ToSpan::days(90))
        .map(|d| d.to_string())
        .unwrap_or_default();
    let past_due_90 = a.items.iter().any(|i| i.status == "open" && i.balance != "0.00" && i.due_date < cutoff);
    let eligibility = if a.summary.ar_kind == "patient" {
        state.store.eligibility(org, &a.summary.account_number).await.map_err(fail)?
    } else {
        Vec::new()
    };
    let (coverages, claims) = if a.summary.ar_kind == "patient" {
        let filter = settle_store::claims::ClaimFilter {
            account_number: Some(a.summary.account_number.clone()),
            limit: Some(50),
            ..Default::default()
        };
        (
            state.store.coverages(org, &a.summary.account_number).await.map_err(fail)?,
            state.store.claims(org, &filter).await.map_err(fail)?,
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let guarantor = if a.summary.ar_kind == "patient" {
        state.store.guarantor(org, &a.summary.account_number).await.map_err(fail)?
    } else {
        None
    };
    let statements = if a.summary.ar_kind == "patient" {
        state.store.statements(org, Some(&a.summary.account_number)).await.map_err(fail)?
    } else {
        Vec::new()
    };
    let profile = state.store.collection_profile(org, &a.summary.account_number).await.map_err(fail)?;
    let disputes = state.store.disputes(org, &a.summary.account_number).await.map_err(fail)?;
    let mut contact_log = state.store.contacts(org, &a.summary.account_number).await.map_err(fail)?;
    contact_log.truncate(25);
    let call_back_on = state.store.call_back_on(org, &a.summary.account_number).await.map_err(fail)?;
    let mut decisions = state.store.contact_decisions(org, &a.summary.account_number).await.map_err(fail)?;
    decisions.truncate(10);
    let promise_filter = settle_store::collections::PromiseFilter {
        account_number: Some(a.summary.account_number.clone()),
        status: None,
    };
    let mut promises = state.store.promises(org, &promise_filter, crate::web::today()).await.map_err(fail)?;
    promises.reverse();
    promises.truncate(10);
    let letters = state.store.letters(org, &a.summary.account_number).await.map_err(fail)?;
    let emails = state.store.account_emails(org, &a.summary.account_number, 10).await.map_err(fail)?;
    let (dunning_state, mut dunning_actions) = state.store.dunning_actions(org, &a.summary.account_number).await.map_err(fail)?;
    dunning_actions.truncate(12);
    let plans = state.store.plans(org, Some(&a.summary.account_number)).await.map_err(fail)?;
    let settlements = state.store.settlements(org, Some(&a.summary.account_number)).await.map_err(fail)?;
    let mandates = state.store.mandates(org, Some(&a.summary.account_number)).await.map_err(fail)?;
    let debits = state.store.ach_debits(org, None, Some(&a.summary.account_number), 8).await.map_err(fail)?;
    Ok(AccountPage {
        mandates,
        debits,
        dunning_state,
        dunning_actions,
        plans,
        settlements,
        letters,
        emails,
        promises,
        profile,
        disputes,
        contact_log,
        call_back_on,
        decisions,
        error: String::new(),
        statements,
        guarantor,
        eligibility,
        coverages,
        claims,
        ctx: Some(ctx),
        a,
        notes,
        timeline,
        pending,
        msg,
        past_due_90,
        errors: Errors::default(),
        note_text: String::new(),
    })
}

pub async fn account(State(state): State<AppState>, ctx: Ctx, Path(number): Path<String>, Query(q): Query<MsgQuery>) -> Response {
    match account_page(&state, &ctx, &number, q.msg).await {
        Ok(mut page) => {
            page.error = q.error;
            render(&page).into_response()
        }
        Err(response) => response,
    }
}

#[derive(Template)]
#[template(path = "invoice.html")]
struct InvoicePage<'a> {
    ctx: Option<&'a Ctx>,
    i: InvoiceDetail,
    name: String,
    msg: String,
}

pub async fn invoice(State(state): State<AppState>, ctx: Ctx, Path(number): Path<String>, Query(q): Query<MsgQuery>) -> Response {
    let org = &ctx.principal.org;
    let i = match state.store.invoice_detail(org, &number).await {
        Ok(i) => i,
        Err(error) => return store_error_page(Some(&ctx), error),
    };
    let name = match state.store.account_detail(org, &i.account_number).await {
        Ok(a) => a.summary.name,
        Err(error) => return store_error_page(Some(&ctx), error),
    };
    if let Err(error) = state
        .store
        .note_read(org.org_id, "invoice.read", &format!("invoice:{}", i.invoice_number))
        .await
    {
        return store_error_page(Some(&ctx), error);
    }
    render(&InvoicePage {
        ctx: Some(&ctx),
        i,
        name,
        msg: q.msg,
    })
    .into_response()
}
