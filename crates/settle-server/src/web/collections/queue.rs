//! The collector's queue as a list: in work order or sorted by any column,
//! a page at a time with how many are in it; a coordinator looks at
//! anyone's, chooses accounts and hands them to a collector together.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use settle_domain::access::Role;
use settle_store::collections::dunning::{QueueFilter, QueueRow, QUEUE_SORTS};

use crate::web::collections::dunning::{failed, me, to_page};
use crate::web::list::{ListState, PER_PAGE};
use crate::web::{encode, render, store_error_page, today, Ctx, FormData};
use crate::AppState;

#[derive(Deserialize, Default)]
pub struct QueueQuery {
    #[serde(default)]
    collector: Option<String>,
    #[serde(default)]
    msg: String,
    #[serde(default)]
    error: String,
    sort: Option<String>,
    dir: Option<String>,
    page: Option<i64>,
    format: Option<String>,
}

#[derive(Template)]
#[template(path = "collections_queue.html")]
struct QueuePage<'a> {
    ctx: Option<&'a Ctx>,
    me: String,
    collector: String,
    everyone: bool,
    rows: Vec<QueueRow>,
    list: ListState,
    /// Who accounts can be handed to: active users who work collections.
    collectors: Vec<String>,
    msg: String,
    error: String,
}

/// The queue: one's own by default; a coordinator may look at anyone's, or everyone's.
pub async fn queue(State(state): State<AppState>, ctx: Ctx, Query(q): Query<QueueQuery>) -> Response {
    let me = me(&ctx);
    let manage = ctx.can_manage_collections();
    let (collector, everyone) = match q.collector.as_deref() {
        Some("*") if manage => (String::new(), true),
        Some(c) if manage => (c.to_string(), false),
        _ => (me.clone(), false),
    };
    let columns: Vec<&str> = QUEUE_SORTS.iter().map(|(name, _)| *name).collect();
    let shown_collector = if everyone { "*".to_string() } else { collector.clone() };
    let kept: Vec<(&str, &str)> = if manage { vec![("collector", shown_collector.as_str())] } else { vec![] };
    let mut list = ListState::read(q.sort.as_deref(), q.dir.as_deref(), q.page, &columns, false, &kept);
    let csv = q.format.as_deref() == Some("csv");
    let filter = QueueFilter {
        collector: (!everyone).then(|| collector.clone()),
        sort: list.sort.clone(),
        descending: list.descending,
        offset: if csv { 0 } else { list.offset() },
        limit: if csv { 10_000 } else { PER_PAGE },
    };
    let org = &ctx.principal.org;
    let work = async {
        let total = state.store.queue_count(org, filter.collector.as_deref()).await?;
        let rows = state.store.queue_list(org, &filter, today()).await?;
        let collectors = if manage {
            state
                .store
                .users(org)
                .await?
                .into_iter()
                .filter(|u| u.status == "active" && matches!(u.role, Role::CollectionsSpecialist | Role::BillingCoordinator))
                .map(|u| u.username)
                .collect()
        } else {
            Vec::new()
        };
        Ok::<_, settle_store::StoreError>((total, rows, collectors))
    };
    match work.await {
        Ok((_, rows, _)) if csv => {
            let header = [
                "rank",
                "account",
                "consumer",
                "phone",
                "tier",
                "level",
                "balance",
                "days_past_due",
                "broken_promises",
                "last_contact",
                "collector",
            ];
            let lines = rows
                .iter()
                .map(|r| {
                    vec![
                        r.rank.to_string(),
                        r.account_number.clone(),
                        r.consumer.clone(),
                        r.phone.clone().unwrap_or_default(),
                        r.tier.to_string(),
                        r.level.clone(),
                        r.balance.clone(),
                        r.days_past_due.to_string(),
                        r.broken_promises.to_string(),
                        r.last_contact_on.clone().unwrap_or_default(),
                        r.collector.clone(),
                    ]
                })
                .collect();
            crate::web::billing::reports::csv_download("queue.csv", &header, lines)
        }
        Ok((total, rows, collectors)) => {
            list.total = total;
            render(&QueuePage {
                ctx: Some(&ctx),
                me,
                collector,
                everyone,
                rows,
                list,
                collectors,
                msg: q.msg,
                error: q.error,
            })
            .into_response()
        }
        Err(e) => store_error_page(Some(&ctx), e),
    }
}

/// Chosen accounts handed to one collector together (or given back to the
/// rules): all move or none; the answer comes back to the same queue.
pub async fn assign_chosen(State(state): State<AppState>, ctx: Ctx, form: FormData) -> Response {
    let accounts = form.all("account");
    let collector = form.get("collector");
    let back = format!("/collections/queue?collector={}", encode(&form.get("shown")));
    let answer = |key: &str, text: &str| Redirect::to(&format!("{back}&{key}={}#queue-h", encode(text))).into_response();
    if accounts.is_empty() {
        return answer("error", "Choose at least one account to assign.");
    }
    match state.store.assign_accounts(&ctx.principal.org, &accounts, &collector).await {
        Ok(n) if collector.is_empty() => answer("msg", &format!("{n} account(s) go back to the assignment rules.")),
        Ok(n) => answer("msg", &format!("{n} account(s) are now {collector}'s.")),
        Err(e) => answer("error", &failed(e)),
    }
}

/// "Next account": opens the first account in one's queue not called today.
pub async fn next(State(state): State<AppState>, ctx: Ctx) -> Response {
    let me = me(&ctx);
    match state.store.next_account(&ctx.principal.org, &me, today()).await {
        Ok(Some(row)) => Redirect::to(&format!(
            "/accounts/{}?msg={}#collections-h",
            encode(&row.account_number),
            encode(&format!(
                "Next in your queue: rank {}, {}, {} days past due.",
                row.rank,
                crate::web::words(&row.level),
                row.days_past_due
            ))
        ))
        .into_response(),
        Ok(None) => to_page("/collections/queue", "msg", "Nothing left in your queue to call today."),
        Err(e) => store_error_page(Some(&ctx), e),
    }
}
