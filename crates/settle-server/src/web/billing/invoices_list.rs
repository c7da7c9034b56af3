//! Every invoice, as a list: by status (drafts waiting to be issued, open,
//! paid, void, written off), by text and by days issued; sorted by any
//! column, a page at a time, with the totals of the page and of everything
//! that matches, and the same list as CSV.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use settle_domain::invoice::InvoiceStatus;
use settle_store::billing::{InvoiceFilter, InvoiceSort, InvoiceSummary, InvoiceTally};

use crate::web::list::{ListState, PER_PAGE};
use crate::web::{error_page, render, store_error_page, Ctx};
use crate::AppState;

#[derive(Deserialize, Default)]
pub struct InvoicesQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    sort: Option<String>,
    dir: Option<String>,
    page: Option<i64>,
    format: Option<String>,
}

/// The statuses a list can show, in the order of the tabs.
const STATUSES: [(&str, &str); 5] = [
    ("draft", "Drafts"),
    ("open", "Open"),
    ("paid", "Paid"),
    ("written_off", "Written off"),
    ("void", "Void"),
];

#[derive(Template)]
#[template(path = "invoices.html")]
struct InvoicesPage<'a> {
    ctx: Option<&'a Ctx>,
    q: InvoicesQuery,
    list: ListState,
    rows: Vec<InvoiceSummary>,
    tally: InvoiceTally,
    /// The page's own totals, by currency: (currency, total, balance).
    page_sums: Vec<(String, String, String)>,
    statuses: &'static [(&'static str, &'static str)],
}

fn bad(ctx: &Ctx, message: String) -> Response {
    error_page(Some(ctx), StatusCode::BAD_REQUEST, "That list cannot be shown", &message)
}

/// Sums of decimal amounts by currency, in the order they first appear.
fn page_sums(rows: &[InvoiceSummary]) -> Vec<(String, String, String)> {
    use settle_domain::money::{Currency, Money};
    let mut sums: Vec<(String, i64, i64)> = Vec::new();
    for r in rows {
        let Ok(cur) = Currency::from_code(&r.currency) else { continue };
        let minor = |text: &str| Money::parse(text, cur).map(|m| m.amount_minor()).unwrap_or(0);
        match sums.iter_mut().find(|(c, _, _)| *c == r.currency) {
            Some(s) => {
                s.1 += minor(&r.total);
                s.2 += minor(&r.balance);
            }
            None => sums.push((r.currency.clone(), minor(&r.total), minor(&r.balance))),
        }
    }
    sums.into_iter()
        .map(|(c, t, b)| (c.clone(), crate::web::money_minor(t, &c), crate::web::money_minor(b, &c)))
        .collect()
}

pub async fn invoices(State(state): State<AppState>, ctx: Ctx, Query(q): Query<InvoicesQuery>) -> Response {
    let status = match q.status.trim() {
        "" => None,
        s => match InvoiceStatus::parse(s) {
            Some(status) => Some(status.as_str().to_string()),
            None => return bad(&ctx, format!("“{s}” is not an invoice status: draft, open, paid, written_off or void.")),
        },
    };
    let day = |name: &str, text: &str| match text.trim() {
        "" => Ok(None),
        t => t.parse().map(Some).map_err(|_| format!("The {name} day “{t}” is not a date; use YYYY-MM-DD.")),
    };
    let (from, to) = match (day("from", &q.from), day("to", &q.to)) {
        (Ok(f), Ok(t)) => (f, t),
        (Err(m), _) | (_, Err(m)) => return bad(&ctx, m),
    };
    let columns: Vec<&str> = InvoiceSort::ALL.iter().map(|(name, _)| *name).collect();
    let mut list = ListState::read(
        q.sort.as_deref(),
        q.dir.as_deref(),
        q.page,
        &columns,
        true,
        &[("status", &q.status), ("q", &q.q), ("from", &q.from), ("to", &q.to)],
    );
    let sort = InvoiceSort::ALL
        .iter()
        .find(|(name, _)| *name == list.sort)
        .map_or(InvoiceSort::Number, |(_, s)| *s);
    let csv = q.format.as_deref() == Some("csv");
    let filter = InvoiceFilter {
        status,
        search: Some(q.q.trim().to_string()).filter(|s| !s.is_empty()),
        issued_from: from,
        issued_to: to,
        limit: if csv { 10_000 } else { PER_PAGE },
        sort,
        descending: list.descending,
        offset: if csv { 0 } else { list.offset() },
        ..Default::default()
    };
    let org = &ctx.principal.org;
    let work = async {
        let tally = state.store.tally_invoices(org, &filter).await?;
        let rows = state.store.list_invoices(org, &filter).await?;
        Ok::<_, settle_store::StoreError>((tally, rows))
    };
    let (tally, rows) = match work.await {
        Ok(v) => v,
        Err(e) => return store_error_page(Some(&ctx), e),
    };
    if csv {
        let header = ["invoice", "account", "name", "status", "issued", "due", "currency", "total", "balance"];
        let lines = rows
            .iter()
            .map(|r| {
                vec![
                    r.invoice_number.clone(),
                    r.account_number.clone(),
                    r.name.clone(),
                    r.status.clone(),
                    r.issue_date.clone(),
                    r.due_date.clone(),
                    r.currency.clone(),
                    r.total.clone(),
                    r.balance.clone(),
                ]
            })
            .collect();
        return crate::web::billing::reports::csv_download("invoices.csv", &header, lines);
    }
    list.total = tally.count;
    let page_sums = page_sums(&rows);
    render(&InvoicesPage {
        ctx: Some(&ctx),
        q,
        list,
        rows,
        tally,
        page_sums,
        statuses: &STATUSES,
    })
    .into_response()
}
