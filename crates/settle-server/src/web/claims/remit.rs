//! Remittances: an ERA posted from the pages, its exceptions resolved,
//! secondaries billed, underpayments listed.

use crate::web::claims::to_claim;
use crate::web::list::{Key, ListState};
use crate::web::{encode, render, store_error_page, today, Ctx, FormData};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

#[derive(Template)]
#[template(path = "remit_exceptions.html")]
pub(super) struct ExceptionsPage<'a> {
    ctx: Option<&'a Ctx>,
    rows: Vec<settle_store::claims::RemitClaimView>,
    list: ListState,
    msg: String,
    error: String,
}

#[derive(serde::Deserialize, Default)]
pub struct ExceptionsQuery {
    #[serde(default)]
    msg: String,
    #[serde(default)]
    error: String,
    sort: Option<String>,
    dir: Option<String>,
    page: Option<i64>,
}

/// ERA claims that were not posted, with the reason each was not: in the
/// order the ERAs came, or sorted by any column; a page at a time.
pub async fn exceptions(State(state): State<AppState>, ctx: Ctx, Query(q): Query<ExceptionsQuery>) -> Response {
    let mut list = ListState::read(
        q.sort.as_deref(),
        q.dir.as_deref(),
        q.page,
        &["era", "paid_on", "theirs", "paid", "held"],
        false,
        &[],
    );
    list.csv = false;
    match state.store.remit_exceptions(&ctx.principal.org).await {
        Ok(rows) => {
            let rows = list.sort_page(rows, |r, column| match column {
                "paid_on" => Key::text(&r.paid_on),
                "theirs" => Key::text(&r.their_claim_number),
                "paid" => Key::amount(&r.paid),
                "held" => Key::amount(&r.held),
                _ => Key::text(&format!("{:012} {:06}", r.remittance_id, r.seq)),
            });
            render(&ExceptionsPage {
                ctx: Some(&ctx),
                rows,
                list,
                msg: q.msg,
                error: q.error,
            })
            .into_response()
        }
        Err(e) => store_error_page(Some(&ctx), e),
    }
}

/// Resolves one exception from its row: matched to the claim typed there, or returned to the payer.
pub async fn resolve_exception(State(state): State<AppState>, ctx: Ctx, form: FormData) -> Response {
    let back = |key: &str, text: &str| Redirect::to(&format!("/claims/exceptions?{key}={}", encode(text))).into_response();
    let (Ok(remittance_id), Ok(seq)) = (form.get("remittance_id").parse::<i64>(), form.get("seq").parse::<i64>()) else {
        return back("error", "That exception is not on the list any more.");
    };
    let returning = form.get("action") == "return";
    let claim = form.get("claim_number");
    if !returning && claim.trim().is_empty() {
        return back("error", "Type the claim number this ERA claim answers, then post it.");
    }
    let cmd = settle_store::claims::ResolveRemitException {
        remittance_id,
        seq,
        claim_number: (!returning).then_some(claim),
        return_to_payer: returning,
        note: form.get("note"),
    };
    match state.store.resolve_remit_exception(&ctx.principal.org, &cmd, today()).await {
        Ok(r) if r.outcome == "posted" => back(
            "msg",
            &format!(
                "{} from the ERA is posted to claim {}: paid {}, written down {}, the patient's share {}; the claim is {}.",
                r.their_claim_number,
                r.claim_number.unwrap_or_default(),
                r.paid,
                r.written_down,
                r.patient,
                crate::web::words(&r.status)
            ),
        ),
        Ok(r) if r.outcome == "returned" => back(
            "msg",
            &format!(
                "{}: the {} it paid is now owed back to the payer (refunds payable).",
                r.their_claim_number, r.paid
            ),
        ),
        Ok(r) => back("msg", &format!("{} is closed; it paid nothing.", r.their_claim_number)),
        Err(e) => back("error", &format!("Nothing was posted: {}", crate::web::sentence(&e.to_string()))),
    }
}

#[derive(Template)]
#[template(path = "secondaries.html")]
pub(super) struct SecondariesPage<'a> {
    ctx: Option<&'a Ctx>,
    rows: Vec<settle_store::claims::SecondaryDue>,
    list: ListState,
    error: String,
}

#[derive(serde::Deserialize, Default)]
pub struct SortedQuery {
    #[serde(default)]
    error: String,
    sort: Option<String>,
    dir: Option<String>,
    page: Option<i64>,
}

/// Paid claims whose patient share a secondary coverage should see first.
pub async fn secondaries(State(state): State<AppState>, ctx: Ctx, Query(q): Query<SortedQuery>) -> Response {
    let mut list = ListState::read(
        q.sort.as_deref(),
        q.dir.as_deref(),
        q.page,
        &["claim", "patient", "primary", "secondary", "share"],
        false,
        &[],
    );
    list.csv = false;
    match state.store.secondaries_due(&ctx.principal.org).await {
        Ok(rows) => {
            let rows = list.sort_page(rows, |r, column| match column {
                "patient" => Key::text(&r.patient_name),
                "primary" => Key::text(&r.primary_payer),
                "secondary" => Key::text(&r.secondary_payer),
                "share" => Key::amount(&r.patient_share),
                _ => Key::text(&r.claim_number),
            });
            render(&SecondariesPage {
                ctx: Some(&ctx),
                rows,
                list,
                error: q.error,
            })
            .into_response()
        }
        Err(e) => store_error_page(Some(&ctx), e),
    }
}

/// Starts the secondary claim and opens it.
pub async fn bill_secondary(State(state): State<AppState>, ctx: Ctx, Path(number): Path<String>) -> Response {
    let cmd = settle_store::claims::BillSecondary { claim_number: number.clone() };
    match state.store.bill_secondary(&ctx.principal.org, &cmd, today()).await {
        Ok(c) => to_claim(
            &c.claim_number,
            &format!(
                "Secondary claim {} to {} started from {number}: it is {}; it goes with the next batch to {} and carries the primary's answer.",
                c.claim_number,
                c.payer_name,
                crate::web::words(&c.status),
                c.payer_name
            ),
        ),
        Err(e) => Redirect::to(&format!(
            "/claims/secondaries?error={}",
            encode(&format!("No secondary claim was started: {}", crate::web::sentence(&e.to_string())))
        ))
        .into_response(),
    }
}

#[derive(Template)]
#[template(path = "underpayments.html")]
pub(super) struct UnderpaymentsPage<'a> {
    ctx: Option<&'a Ctx>,
    rows: Vec<settle_store::claims::UnderpaymentView>,
    list: ListState,
}

/// Lines paid below the payer's contracted allowed amount: largest
/// shortfall first unless sorted otherwise.
pub async fn underpayments(State(state): State<AppState>, ctx: Ctx, Query(q): Query<SortedQuery>) -> Response {
    let sort_given = q.sort.is_some();
    let mut list = ListState::read(
        q.sort.as_deref(),
        q.dir.as_deref(),
        q.page,
        &["short", "claim", "payer", "allowed", "paid"],
        false,
        &[],
    );
    if !sort_given {
        list.descending = true;
    }
    list.csv = false;
    match state.store.underpayments(&ctx.principal.org).await {
        Ok(rows) => {
            let rows = list.sort_page(rows, |u, column| match column {
                "claim" => Key::text(&format!("{}-{:05}", u.claim_number, u.line_no)),
                "payer" => Key::text(&u.payer_code),
                "allowed" => Key::amount(&u.allowed),
                "paid" => Key::amount(&u.paid),
                _ => Key::amount(&u.short),
            });
            render(&UnderpaymentsPage { ctx: Some(&ctx), rows, list }).into_response()
        }
        Err(e) => store_error_page(Some(&ctx), e),
    }
}

#[derive(Template)]
#[template(path = "era.html")]
pub(super) struct EraPage<'a> {
    ctx: Option<&'a Ctx>,
    file_name: String,
    body: String,
    preview: Option<Vec<settle_store::claims::RemitOutcome>>,
    posted: Option<Vec<settle_store::claims::RemitOutcome>>,
    error: String,
}

pub async fn era(ctx: Ctx) -> Response {
    render(&EraPage {
        ctx: Some(&ctx),
        file_name: String::new(),
        body: String::new(),
        preview: None,
        posted: None,
        error: String::new(),
    })
    .into_response()
}

/// Reads the ERA and shows what posting it would do; posts only when confirmed.
pub async fn era_post(State(state): State<AppState>, ctx: Ctx, form: FormData) -> Response {
    let body = form.get("body");
    let file_name = Some(form.get("file_name"))
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| "pasted.835".into());
    let confirm = form.get("confirm") == "1";
    let mut page = EraPage {
        ctx: Some(&ctx),
        file_name: file_name.clone(),
        body: body.clone(),
        preview: None,
        posted: None,
        error: String::new(),
    };
    if body.trim().is_empty() {
        page.error = "Choose an 835 file, or paste its text.".into();
        return (StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response();
    }
    let cmd = settle_store::claims::Import835 { file_name, body };
    let result = if confirm {
        state.store.post_835(&ctx.principal.org, &cmd, today()).await
    } else {
        state.store.preview_835(&ctx.principal.org, &cmd, today()).await
    };
    match result {
        Ok(outcomes) if confirm => {
            page.posted = Some(outcomes);
            page.body.clear();
            render(&page).into_response()
        }
        Ok(outcomes) => {
            page.preview = Some(outcomes);
            render(&page).into_response()
        }
        Err(e) => {
            page.error = crate::web::sentence(&e.to_string());
            (StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response()
        }
    }
}

// ------------------------------------------------------------------- denials
