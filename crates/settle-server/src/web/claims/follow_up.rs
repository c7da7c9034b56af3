//! Insurance follow-up in the pages: the ranked list of claims payers have
//! not finished with (by payer, by person, or everything), and on each
//! claim's page its calls to the payer with the form to record one and to
//! hand the claim to a person.

use crate::web::{encode, render, store_error_page, today, Ctx, Errors, FormData};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use settle_store::claims::{AskClaimStatus, AssignFollowUp, FollowUpCounts, FollowUpFilter, FollowUpRow, PayerCall, PayerView};

/// Claims on one page of the list.
const PAGE: u32 = 100;

#[derive(Template)]
#[template(path = "claims_follow_up.html")]
pub(super) struct FollowUpPage<'a> {
    ctx: Option<&'a Ctx>,
    rows: Vec<FollowUpRow>,
    counts: FollowUpCounts,
    /// The page shown (from 1) and the query string of the list without it.
    page: u32,
    pages: u32,
    query: String,
    payers: Vec<PayerView>,
    payer: String,
    assigned_to: String,
    all: bool,
    msg: String,
    /// A 276 just written, to download.
    file: Option<i64>,
}

impl FollowUpPage<'_> {
    /// The claims the list holds: those to work, and those that wait when
    /// asked for.
    fn listed(&self) -> i64 {
        self.counts.to_work() + if self.all { self.counts.waiting } else { 0 }
    }

    fn first_rank(&self) -> i64 {
        self.rows.first().map_or(0, |r| r.rank)
    }
}

#[derive(Deserialize, Default)]
pub struct FollowUpQuery {
    #[serde(default)]
    payer: String,
    #[serde(default)]
    assigned_to: Option<String>,
    #[serde(default)]
    all: Option<String>,
    #[serde(default)]
    msg: String,
    #[serde(default)]
    file: Option<i64>,
    #[serde(default)]
    page: Option<u32>,
}

pub async fn follow_up(State(state): State<AppState>, ctx: Ctx, Query(q): Query<FollowUpQuery>) -> Response {
    let org = &ctx.principal.org;
    let all = q.all.as_deref() == Some("1");
    // "mine" is the signed-in person's own list.
    let assigned_to = q.assigned_to.map(|a| if a == "mine" { ctx.user().to_string() } else { a });
    let page = q.page.unwrap_or(1).clamp(1, 100_000);
    let filter = FollowUpFilter {
        payer: Some(q.payer.clone()).filter(|p| !p.is_empty()),
        assigned_to: assigned_to.clone(),
        all: Some(all),
        claim: None,
        limit: Some(PAGE),
        offset: Some((page - 1) * PAGE),
    };
    let loaded = async {
        let counts = state.store.follow_up_counts(org, &filter, today()).await?;
        Ok::<_, settle_store::StoreError>((counts, state.store.follow_up(org, &filter, today()).await?, state.store.payers(org).await?))
    };
    let (counts, rows, payers) = match loaded.await {
        Ok(x) => x,
        Err(e) => return store_error_page(Some(&ctx), e),
    };
    let listed = counts.to_work() + if all { counts.waiting } else { 0 };
    let pages = u32::try_from((listed + i64::from(PAGE) - 1) / i64::from(PAGE)).unwrap_or(u32::MAX).max(1);
    let mut query = format!("payer={}", encode(&q.payer));
    if let Some(a) = &assigned_to {
        query.push_str(&format!("&assigned_to={}", encode(a)));
    }
    if all {
        query.push_str("&all=1");
    }
    render(&FollowUpPage {
        ctx: Some(&ctx),
        rows,
        counts,
        page,
        pages,
        query,
        payers,
        payer: q.payer,
        assigned_to: assigned_to.unwrap_or_default(),
        all,
        msg: q.msg,
        file: q.file,
    })
    .into_response()
}

fn back(number: &str, msg: &str) -> Response {
    Redirect::to(&format!("/claims/{}?msg={}#follow-up", encode(number), encode(msg))).into_response()
}

/// Records a call to the payer from the claim's page.
pub async fn log_call(State(state): State<AppState>, ctx: Ctx, Path(number): Path<String>, form: FormData) -> Response {
    let mut errors = Errors::default();
    let date = |name: &str, errors: &mut Errors| match form.get(name).trim() {
        "" => None,
        text => text.parse().map_err(|_| errors.add(name, "Give the date as YYYY-MM-DD.")).ok(),
    };
    let called_on = date("called_on", &mut errors);
    let next_follow_up = date("next_follow_up", &mut errors);
    if let Some((_, message)) = errors.0.first() {
        return back(&number, &format!("The call was not recorded: {message}"));
    }
    let cmd = PayerCall {
        claim_number: number.clone(),
        called_on,
        reference: form.get("reference"),
        rep: form.get("rep"),
        said: form.get("said"),
        next_follow_up,
    };
    match state.store.log_payer_call(&ctx.principal.org, &cmd, today()).await {
        Ok(_) => back(&number, "The call is recorded on the claim."),
        Err(settle_store::StoreError::Invalid { field, message }) => back(&number, &format!("The call was not recorded: {field} {message}.")),
        Err(e) => store_error_page(Some(&ctx), e),
    }
}

/// Writes off a claim the payer will never pay, from its page.
pub async fn write_off(State(state): State<AppState>, ctx: Ctx, Path(number): Path<String>, form: FormData) -> Response {
    let cmd = settle_store::claims::WriteOffClaim {
        claim_number: number.clone(),
        date: None,
        memo: form.get("memo"),
    };
    match state.store.write_off_claim(&ctx.principal.org, &cmd, today()).await {
        Ok(amount) => back(&number, &format!("{amount} written off; the claim is closed.")),
        Err(settle_store::StoreError::Invalid { field, message }) => back(&number, &format!("Nothing was written off: {field} {message}.")),
        Err(e) => store_error_page(Some(&ctx), e),
    }
}

/// Writes a 276 asking the chosen payer where claims stand (those named,
/// or every claim of the payer the list says to ask about), and comes back
/// to the list with the file to download.
pub async fn ask_status(State(state): State<AppState>, ctx: Ctx, form: FormData) -> Response {
    let payer = form.get("payer");
    let cmd = AskClaimStatus {
        payer_code: payer.clone(),
        claim_numbers: form
            .get("claim_numbers")
            .split([' ', ',', '\n'])
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(String::from)
            .collect(),
    };
    let to_list = |msg: &str, file: Option<i64>| {
        let file = file.map(|id| format!("&file={id}")).unwrap_or_default();
        Redirect::to(&format!("/claims/follow-up?payer={}&msg={}{file}", encode(&payer), encode(msg))).into_response()
    };
    match state.store.ask_claim_status(&ctx.principal.org, &cmd, today()).await {
        Ok(asked) => to_list(
            &format!(
                "A 276 asks {payer} about {} claim(s): {}. Send it to the payer; read its 277 on the acknowledgment page.",
                asked.claims.len(),
                asked.claims.join(", ")
            ),
            Some(asked.file_id),
        ),
        Err(settle_store::StoreError::Invalid { field, message }) => to_list(&format!("No 276 was written: {field} {message}."), None),
        Err(e) => store_error_page(Some(&ctx), e),
    }
}

/// Hands the claim's follow-up to a person.
pub async fn assign(State(state): State<AppState>, ctx: Ctx, Path(number): Path<String>, form: FormData) -> Response {
    let to = form.get("assigned_to");
    let to = if to == "me" { ctx.user().to_string() } else { to };
    let cmd = AssignFollowUp {
        claim_number: number.clone(),
        assigned_to: to.clone(),
    };
    match state.store.assign_follow_up(&ctx.principal.org, &cmd).await {
        Ok(()) if to.is_empty() => back(&number, "The follow-up is assigned to no one."),
        Ok(()) => back(&number, &format!("The follow-up is assigned to {to}.")),
        Err(settle_store::StoreError::Invalid { field, message }) => back(&number, &format!("Not assigned: {field} {message}.")),
        Err(e) => store_error_page(Some(&ctx), e),
    }
}
