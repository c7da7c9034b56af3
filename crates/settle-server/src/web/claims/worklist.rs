//! The claims worklist by status (sorted, paged, ready claims chosen to
//! send), and the claim page with the scrubber's
//! findings and its actions (scrub again, correct, void).

use crate::web::claims::outcome_message;
use crate::web::claims::to_claim;
use crate::web::claims::to_claim_error;
use crate::web::claims::MsgQuery;
use crate::web::claims::TABS;
use crate::web::list::{ListState, PER_PAGE};
use crate::web::{encode, render, store_error_page, today, Ctx, FormData};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use settle_domain::{claims::ClaimStatus, icd10::IcdCatalog};
use settle_store::claims::PayerView;
use settle_store::claims::{ClaimFilter, ClaimSummary, ClaimTally, ClaimView, CorrectClaim, ScrubClaim, VoidClaim, CLAIM_SORTS};

#[derive(Deserialize)]
pub struct ClaimsQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    payer: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    msg: String,
    sort: Option<String>,
    dir: Option<String>,
    page: Option<i64>,
    format: Option<String>,
}

#[derive(Template)]
#[template(path = "claims.html")]
pub(super) struct ClaimsPage<'a> {
    ctx: Option<&'a Ctx>,
    tabs: Vec<(&'static str, &'static str, i64)>,
    status: String,
    payer: String,
    q: String,
    payers: Vec<PayerView>,
    claims: Vec<ClaimSummary>,
    list: ListState,
    tally: ClaimTally,
    msg: String,
}

impl ClaimsPage<'_> {
    /// Ready claims of one payer can be chosen and sent together.
    fn choosing(&self) -> bool {
        self.status == "ready" && !self.payer.is_empty() && !self.claims.is_empty() && self.ctx.is_some_and(Ctx::can_claims)
    }
}

/// The claims worklist: one tab a status, by payer and text, sorted by any
/// column a page at a time with the count and total of all that match;
/// ready claims of one payer chosen and sent as one 837P.
pub async fn claims(State(state): State<AppState>, ctx: Ctx, Query(q): Query<ClaimsQuery>) -> Response {
    let org = &ctx.principal.org;
    let counts = match state.store.claim_counts(org).await {
        Ok(c) => c,
        Err(e) => return store_error_page(Some(&ctx), e),
    };
    let status = if q.status.is_empty() {
        TABS.iter()
            .find(|(s, _)| counts.get(*s).copied().unwrap_or(0) > 0)
            .map_or("scrubbed", |(s, _)| s)
            .to_string()
    } else {
        q.status.clone()
    };
    let columns: Vec<&str> = CLAIM_SORTS.iter().map(|(name, _)| *name).collect();
    let mut list = ListState::read(
        q.sort.as_deref(),
        q.dir.as_deref(),
        q.page,
        &columns,
        true,
        &[("status", &status), ("payer", &q.payer), ("q", &q.q)],
    );
    let csv = q.format.as_deref() == Some("csv");
    let filter = ClaimFilter {
        status: Some(status.clone()),
        payer_code: Some(q.payer.clone()).filter(|p| !p.is_empty()),
        search: Some(q.q.trim().to_string()).filter(|s| !s.is_empty()),
        limit: Some(if csv { 5001 } else { PER_PAGE }),
        sort: Some(list.sort.clone()),
        descending: list.descending,
        offset: if csv { 0 } else { list.offset() },
        ..Default::default()
    };
    let work = async {
        let tally = state.store.tally_claims(org, &filter).await?;
        let claims = state.store.claims(org, &filter).await?;
        let payers = state.store.payers(org).await?;
        Ok::<_, settle_store::StoreError>((tally, claims, payers))
    };
    let (tally, claims, payers) = match work.await {
        Ok(v) => v,
        Err(e) => return store_error_page(Some(&ctx), e),
    };
    if csv {
        let header = ["claim", "account", "patient", "payer", "service", "currency", "total", "status", "why"];
        let lines = claims
            .iter()
            .map(|k| {
                vec![
                    k.claim_number.clone(),
                    k.account_number.clone(),
                    k.patient_name.clone(),
                    k.payer_code.clone(),
                    k.first_date_of_service.clone(),
                    k.currency.clone(),
                    k.total.clone(),
                    k.status.clone(),
                    k.status_reason.clone(),
                ]
            })
            .collect();
        return crate::web::billing::reports::csv_download("claims.csv", &header, lines);
    }
    list.total = tally.count;
    let tabs = TABS.iter().map(|(s, l)| (*s, *l, counts.get(*s).copied().unwrap_or(0))).collect();
    render(&ClaimsPage {
        ctx: Some(&ctx),
        tabs,
        status,
        payer: q.payer,
        q: q.q,
        payers,
        claims,
        list,
        tally,
        msg: q.msg,
    })
    .into_response()
}

/// A diagnosis with its description, for the claim page.
pub struct Diagnosis {
    pub pointer: usize,
    pub code: String,
    pub description: String,
}

#[derive(Template)]
#[template(path = "claim.html")]
pub(super) struct ClaimPage<'a> {
    ctx: Option<&'a Ctx>,
    c: ClaimView,
    remits: Vec<settle_store::claims::RemitClaimView>,
    /// Calls to the payer about the claim.
    calls: Vec<settle_store::claims::PayerCallView>,
    /// The claim on the follow-up list: deadline, why, next step.
    follow_up: Option<settle_store::claims::FollowUpRow>,
    diagnoses: Vec<Diagnosis>,
    msg: String,
    error: String,
}

impl ClaimPage<'_> {
    fn editable(&self) -> bool {
        ClaimStatus::parse(&self.c.status).is_some_and(ClaimStatus::editable) && self.c.frequency != "8"
    }
    fn with_payer(&self) -> bool {
        ClaimStatus::parse(&self.c.status).is_some_and(ClaimStatus::with_payer)
    }
    /// Whether the claim is one a biller follows up with its payer.
    fn followed_up(&self) -> bool {
        ["submitted", "accepted", "rejected", "denied", "partially_paid"].contains(&self.c.status.as_str()) || !self.calls.is_empty()
    }
    fn errors(&self) -> usize {
        self.c.findings.iter().filter(|f| f.level == "error").count()
    }
    fn frequency_name(&self) -> &'static str {
        match self.c.frequency.as_str() {
            "7" => "corrected claim (7)",
            "8" => "void (8)",
            _ => "original (1)",
        }
    }
}

pub(super) fn describe(codes: &[String]) -> Vec<Diagnosis> {
    codes
        .iter()
        .enumerate()
        .map(|(i, code)| Diagnosis {
            pointer: i + 1,
            code: code.clone(),
            description: settle_domain::codes::IcdCode::parse(code)
                .ok()
                .and_then(|c| IcdCatalog::get().lookup(&c).map(|e| e.description.clone()))
                .unwrap_or_else(|| "not in ICD-10-CM".into()),
        })
        .collect()
}

pub async fn claim(State(state): State<AppState>, ctx: Ctx, Path(number): Path<String>, Query(q): Query<MsgQuery>) -> Response {
    let c = match state.store.claim(&ctx.principal.org, &number).await {
        Ok(c) => c,
        Err(e) => return store_error_page(Some(&ctx), e),
    };
    if let Err(e) = state
        .store
        .note_read(ctx.principal.org.org_id, "claim.read", &format!("claim:{}", c.claim_number))
        .await
    {
        return store_error_page(Some(&ctx), e);
    }
    let diagnoses = describe(&c.diagnoses);
    let remits = match state.store.claim_remittances(&ctx.principal.org, &c.claim_number).await {
        Ok(r) => r,
        Err(e) => return store_error_page(Some(&ctx), e),
    };
    let calls = match state.store.payer_calls(&ctx.principal.org, &c.claim_number).await {
        Ok(r) => r,
        Err(e) => return store_error_page(Some(&ctx), e),
    };
    // Where the claim stands on the follow-up list: its deadline, why, the next step.
    let this_claim = settle_store::claims::FollowUpFilter {
        claim: Some(c.claim_number.clone()),
        all: Some(true),
        ..Default::default()
    };
    let follow_up = if ctx.can(settle_domain::access::Permission::ClinicalRead) {
        match state.store.follow_up(&ctx.principal.org, &this_claim, today()).await {
            Ok(mut rows) => rows.pop(),
            Err(e) => return store_error_page(Some(&ctx), e),
        }
    } else {
        None
    };
    render(&ClaimPage {
        ctx: Some(&ctx),
        remits,
        calls,
        follow_up,
        c,
        diagnoses,
        msg: q.msg,
        error: q.error,
    })
    .into_response()
}

pub async fn rescrub(State(state): State<AppState>, ctx: Ctx, Path(number): Path<String>) -> Response {
    match state
        .store
        .scrub_claim(&ctx.principal.org, &ScrubClaim { claim_number: number.clone() }, today())
        .await
    {
        Ok(c) => to_claim(&c.claim_number, &outcome_message(&c)),
        Err(e) => to_claim_error(&number, &crate::web::sentence(&e.to_string())),
    }
}

pub async fn correct(State(state): State<AppState>, ctx: Ctx, Path(number): Path<String>) -> Response {
    match state
        .store
        .correct_claim(&ctx.principal.org, &CorrectClaim { claim_number: number.clone() }, today())
        .await
    {
        Ok(c) => Redirect::to(&format!(
            "/claims/{}/edit?msg={}",
            encode(&c.claim_number),
            encode("A corrected claim (frequency 7) was started from the original: change what was wrong and save.")
        ))
        .into_response(),
        Err(e) => to_claim_error(&number, &crate::web::sentence(&e.to_string())),
    }
}

pub async fn void(State(state): State<AppState>, ctx: Ctx, Path(number): Path<String>, form: FormData) -> Response {
    let reason = form.get("reason");
    if reason.trim().is_empty() {
        return to_claim_error(&number, "Say why the claim is voided.");
    }
    match state
        .store
        .void_claim(
            &ctx.principal.org,
            &VoidClaim {
                claim_number: number.clone(),
                reason,
            },
            today(),
        )
        .await
    {
        Ok(c) if c.claim_number != number.trim().to_ascii_uppercase() => to_claim(
            &c.claim_number,
            &format!("Claim {number} is voided; this void claim (frequency 8) goes with the next batch to the payer."),
        ),
        Ok(c) => to_claim(
            &c.claim_number,
            &format!("Claim {} is voided and closed; its charges are off the books.", c.claim_number),
        ),
        Err(e) => to_claim_error(&number, &crate::web::sentence(&e.to_string())),
    }
}

// ------------------------------------------------------------- visit form
