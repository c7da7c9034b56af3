//! Insurance follow-up in the pages: the ranked list of claims payers have
//! not finished with (by payer, by person, or everything), and on each
//! claim's page its calls to the payer with the form to record one and to
//! hand the claim to a person.

use crate::web::list::{ListState, PER_PAGE};
use crate::web::{encode, render, store_error_page, today, Ctx, Errors, FormData};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use settle_store::claims::{AskClaimStatus, AssignFollowUp, FollowUpCounts, FollowUpFilter, FollowUpRow, PayerCall, PayerView};

/// Claims on one page of the list.
const PAGE: u32 = PER_PAGE as u32;

#[derive(Template)]
#[template(path = "claims_follow_up.html")]
pub(super) struct FollowUpPage<'a> {
    ctx: Option<&'a Ctx>,
    rows: Vec<FollowUpRow>,
    counts: FollowUpCounts,
    /// The page shown, how many match, the filters its links keep.
    list: ListState,
    payers: Vec<PayerView>,
    payer: String,
    assigned_to: String,
    all: bool,
    msg: String,
    /// A 276 just written, to download.
    file: Option<i64>,
}

impl FollowUpPage<'_> {
    /// Claims can be chosen to assign or to ask about together.
    fn choosing(&self) -> bool {
        !self.rows.is_empty() && self.ctx.is_some_and(Ctx::can_claims)
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
    page: Option<i64>,
    format: Option<String>,
}

pub async fn follow_up(State(state): State<AppState>, ctx: Ctx, Query(q): Query<FollowUpQuery>) -> Response {
    let org = &ctx.principal.org;
    let all = q.all.as_deref() == Some("1");
    // "mine" is the signed-in person's own list.
    let assigned_to = q.assigned_to.map(|a| if a == "mine" { ctx.user().to_string() } else { a });
    let all_text = if all { "1" } else { "" };
    let person = assigned_to.clone().unwrap_or_default();
    let mut list = ListState::read(
        None,
        None,
        q.page.map(|p| p.clamp(1, 100_000)),
        &["rank"],
        false,
        &[("payer", &q.payer), ("assigned_to", &person), ("all", all_text)],
    );
    let csv = q.format.as_deref() == Some("csv");
    let filter = FollowUpFilter {
        payer: Some(q.payer.clone()).filter(|p| !p.is_empty()),
        assigned_to: assigned_to.clone(),
        all: Some(all),
        claim: None,
        limit: (!csv).then_some(PAGE),
        offset: (!csv).then(|| u32::try_from(list.offset()).unwrap_or(u32::MAX)),
    };
    let loaded = async {
        let counts = state.store.follow_up_counts(org, &filter, today()).await?;
        Ok::<_, settle_store::StoreError>((counts, state.store.follow_up(org, &filter, today()).await?, state.store.payers(org).await?))
    };
    let (counts, rows, payers) = match loaded.await {
        Ok(x) => x,
        Err(e) => return store_error_page(Some(&ctx), e),
    };
    if csv {
        let header = [
            "rank",
            "claim",
            "payer",
            "account",
            "patient",
            "status",
            "age_days",
            "currency",
            "payer_owes",
            "deadline",
            "deadline_on",
            "why",
            "next_step",
            "assigned_to",
        ];
        let lines = rows
            .iter()
            .map(|r| {
                vec![
                    r.rank.to_string(),
                    r.claim_number.clone(),
                    r.payer_name.clone(),
                    r.account_number.clone(),
                    r.patient_name.clone(),
                    r.status.clone(),
                    r.age_days.to_string(),
                    r.currency.clone(),
                    r.open.clone(),
                    r.deadline.clone().unwrap_or_default(),
                    r.deadline_on.clone().unwrap_or_default(),
                    r.why.clone(),
                    r.next_step.clone(),
                    r.assigned_to.clone(),
                ]
            })
            .collect();
        return crate::web::billing::reports::csv_download("follow-up.csv", &header, lines);
    }
    list.total = counts.to_work() + if all { counts.waiting } else { 0 };
    render(&FollowUpPage {
        ctx: Some(&ctx),
        rows,
        counts,
        list,
        payers,
        payer: q.payer,
        assigned_to: person,
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
            .chain(form.all("claim"))
            .collect(),
    };
    let to_list = |msg: &str, file: Option<i64>| {
        let file = file.map(|id| format!("&file={id}")).unwrap_or_default();
        Redirect::to(&format!("/claims/follow-up?payer={}&msg={}{file}#list-h", encode(&payer), encode(msg))).into_response()
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

/// Hands the chosen claims' follow-up to one person together (all or
/// none), back to the same list.
pub async fn assign_chosen(State(state): State<AppState>, ctx: Ctx, form: FormData) -> Response {
    let to = form.get("assigned_to");
    let to = if to == "me" { ctx.user().to_string() } else { to };
    let claims = form.all("claim");
    let shown = form.get("shown_assigned_to");
    let person = if shown.is_empty() {
        String::new()
    } else {
        format!("&assigned_to={}", encode(&shown))
    };
    let back = |msg: &str| {
        Redirect::to(&format!(
            "/claims/follow-up?payer={}{person}&msg={}#list-h",
            encode(&form.get("payer")),
            encode(msg)
        ))
        .into_response()
    };
    if claims.is_empty() {
        return back("Nothing was assigned: choose at least one claim.");
    }
    match state.store.assign_follow_ups(&ctx.principal.org, &claims, &to).await {
        Ok(n) if to.is_empty() => back(&format!("{n} claim(s) are assigned to no one.")),
        Ok(n) => back(&format!("{n} claim(s) are assigned to {to}.")),
        Err(settle_store::StoreError::Invalid { field, message }) => back(&format!("Nothing was assigned: {field} {message}.")),
        Err(e) => store_error_page(Some(&ctx), e),
    }
}
