//! The email outbox for the collections supervisor: what waits for the mail
//! server, what went, what was stopped by the gate (and why) and what was
//! given up, by status, newest first. Reading it is audited (addresses and
//! messages are people's).

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use settle_domain::status::EmailStatus;
use settle_store::collections::OutboxEmail;

use crate::web::{error_page, render, store_error_page, Ctx};
use crate::AppState;

/// Emails on the page.
const SHOWN: i64 = 200;

#[derive(Deserialize, Default)]
pub struct OutboxQuery {
    #[serde(default)]
    status: String,
}

/// One status tab: its name, words and count.
pub struct Tab {
    pub status: &'static str,
    pub label: &'static str,
    pub count: i64,
}

#[derive(Template)]
#[template(path = "collections_outbox.html")]
struct OutboxPage<'a> {
    ctx: Option<&'a Ctx>,
    status: String,
    tabs: Vec<Tab>,
    total: i64,
    emails: Vec<OutboxEmail>,
}

fn label(status: EmailStatus) -> &'static str {
    match status {
        EmailStatus::Queued => "Waiting to go",
        EmailStatus::Sent => "Sent",
        EmailStatus::Cancelled => "Stopped by the gate",
        EmailStatus::Failed => "Given up",
    }
}

pub async fn outbox(State(state): State<AppState>, ctx: Ctx, Query(q): Query<OutboxQuery>) -> Response {
    let org = &ctx.principal.org;
    let status = match q.status.trim() {
        "" => None,
        s => match s.parse::<EmailStatus>() {
            Ok(status) => Some(status),
            Err(e) => {
                let message = format!("{e}: choose queued, sent, cancelled or failed.");
                return error_page(Some(&ctx), StatusCode::BAD_REQUEST, "No such status", &message);
            }
        },
    };
    let work = async {
        let counts = state.store.outbox_counts(org).await?;
        let emails = state.store.outbox(org, status.map(|s| s.as_str()), SHOWN).await?;
        Ok::<_, settle_store::StoreError>((counts, emails))
    };
    let (counts, emails) = match work.await {
        Ok(v) => v,
        Err(e) => return store_error_page(Some(&ctx), e),
    };
    let tabs: Vec<Tab> = EmailStatus::ALL
        .iter()
        .map(|s| Tab {
            status: s.as_str(),
            label: label(*s),
            count: counts.iter().find(|(c, _)| c == s.as_str()).map_or(0, |(_, n)| *n),
        })
        .collect();
    render(&OutboxPage {
        ctx: Some(&ctx),
        status: status.map(|s| s.as_str().to_string()).unwrap_or_default(),
        total: tabs.iter().map(|t| t.count).sum(),
        tabs,
        emails,
    })
    .into_response()
}
