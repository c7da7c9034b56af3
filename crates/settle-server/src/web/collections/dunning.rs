//! The collector's queue and the supervisor's page, and the account page's
//! plans, settlements and letters: the same store calls as the API and CLI.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use settle_store::collections::dunning::{DunningPolicyView, RuleInput, RunReport, RunRequest, SupervisorView};
use settle_store::collections::{InstallmentInput, NewPlan, NewSettlement, SendLetter, SettlementView};

use crate::web::{encode, render, store_error_page, today, Ctx, FormData};
use crate::AppState;

fn to_account(number: &str, key: &str, text: &str) -> Response {
    Redirect::to(&format!("/accounts/{}?{key}={}#plans-h", encode(number), encode(text))).into_response()
}

pub(super) fn to_page(path: &str, key: &str, text: &str) -> Response {
    Redirect::to(&format!("{path}?{key}={}", encode(text))).into_response()
}

/// What became of a plan's or settlement's letter, as a sentence to add.
fn letter_said(what: &str, letter: Option<settle_store::collections::LetterView>, decision: Option<settle_store::collections::DecisionView>) -> String {
    match (letter, decision) {
        (Some(l), _) => {
            let mut title = what.to_string();
            title[..1].make_ascii_uppercase();
            format!(" {title} letter {} sent.", l.letter_id)
        }
        (None, Some(d)) => format!(" The {what} letter was refused: {}.", d.reasons().join("; ")),
        _ => String::new(),
    }
}

pub(super) fn failed(e: impl ToString) -> String {
    format!("Nothing was changed: {}", crate::web::sentence(&e.to_string()))
}

/// "user:ann" works as collector "ann".
pub fn me(ctx: &Ctx) -> String {
    crate::collector_name(&ctx.principal.actor)
}

#[derive(Template)]
#[template(path = "collections_supervisor.html")]
struct SupervisorPage<'a> {
    ctx: Option<&'a Ctx>,
    s: SupervisorView,
    policy: DunningPolicyView,
    rules_text: String,
    pending: Vec<SettlementView>,
    report: Option<RunReport>,
    letters_today: usize,
    outbox_queued: usize,
    outbox_failed: usize,
    /// Emails the gate stopped at delivery (or an opt-out cancelled), newest first.
    outbox_cancelled: Vec<settle_store::collections::OutboxEmail>,
    day: String,
    msg: String,
    error: String,
}

async fn supervisor_page(state: &AppState, ctx: &Ctx, report: Option<RunReport>, msg: String, error: String) -> Response {
    let org = &ctx.principal.org;
    let day = today();
    let read = async {
        let s = state.store.supervisor(org, day).await?;
        let policy = state.store.dunning_policy(org).await?;
        let pending = state
            .store
            .settlements(org, None)
            .await?
            .into_iter()
            .filter(|s| s.status == "awaiting_approval")
            .collect::<Vec<_>>();
        let letters_today = state.store.letters_on(org, day).await?.len();
        let outbox_queued = state.store.outbox(org, Some("queued"), 10_000).await?.len();
        let outbox_failed = state.store.outbox(org, Some("failed"), 10_000).await?.len();
        let outbox_cancelled = state.store.outbox(org, Some("cancelled"), 20).await?;
        Ok::<_, settle_store::StoreError>((s, policy, pending, letters_today, outbox_queued, outbox_failed, outbox_cancelled))
    };
    match read.await {
        Ok((s, policy, pending, letters_today, outbox_queued, outbox_failed, outbox_cancelled)) => render(&SupervisorPage {
            ctx: Some(ctx),
            rules_text: s.rules.iter().map(RuleInput::to_line).collect::<Vec<_>>().join("\n"),
            s,
            policy,
            pending,
            report,
            letters_today,
            outbox_queued,
            outbox_failed,
            outbox_cancelled,
            day: day.to_string(),
            msg,
            error,
        })
        .into_response(),
        Err(e) => store_error_page(Some(ctx), e),
    }
}

#[derive(Deserialize, Default)]
pub struct MsgQuery {
    #[serde(default)]
    msg: String,
    #[serde(default)]
    error: String,
}

pub async fn supervisor(State(state): State<AppState>, ctx: Ctx, Query(q): Query<MsgQuery>) -> Response {
    supervisor_page(&state, &ctx, None, q.msg, q.error).await
}

/// Runs (or previews) the day's dunning and shows what it did.
pub async fn run(State(state): State<AppState>, ctx: Ctx, form: FormData) -> Response {
    let as_of = form.get("as_of");
    let as_of = if as_of.is_empty() {
        today()
    } else {
        match as_of.parse() {
            Ok(d) => d,
            Err(_) => {
                return to_page(
                    "/collections/supervisor",
                    "error",
                    &format!("Nothing was run: as_of: {as_of:?} is not a date (YYYY-MM-DD)."),
                )
            }
        }
    };
    let req = RunRequest {
        as_of,
        at: None,
        // One pattern for every batch job: a Preview button beside the real one.
        dry_run: matches!(form.get("dry_run").as_str(), "1" | "on"),
    };
    match state.store.dunning_run(&ctx.principal.org, &req).await {
        Ok(report) => supervisor_page(&state, &ctx, Some(report), String::new(), String::new()).await,
        Err(e) => to_page(
            "/collections/supervisor",
            "error",
            &format!("Nothing was run: {}", crate::web::sentence(&e.to_string())),
        ),
    }
}

/// Replaces the assignment rules from one rule a line.
pub async fn save_rules(State(state): State<AppState>, ctx: Ctx, form: FormData) -> Response {
    let mut rules = Vec::new();
    for (i, line) in form.get("rules").lines().map(str::trim).filter(|l| !l.is_empty()).enumerate() {
        let rule = RuleInput::parse(line);
        match rule {
            Some(r) => rules.push(r),
            None => {
                return to_page(
                    "/collections/supervisor",
                    "error",
                    &format!(
                        "Nothing was changed: rules: line {}: {line:?} is not balance:MIN-MAX:NAMES, alphabet:A-M:NAMES or everyone:NAMES.",
                        i + 1
                    ),
                )
            }
        }
    }
    match state.store.set_assignment_rules(&ctx.principal.org, &rules).await {
        Ok(r) => to_page(
            "/collections/supervisor",
            "msg",
            &format!("Saved {} rules; the queue takes them at its next rebuild (the next dunning run).", r.len()),
        ),
        Err(e) => to_page("/collections/supervisor", "error", &failed(e)),
    }
}

/// A coordinator hands an account to a collector.
pub async fn assign(State(state): State<AppState>, ctx: Ctx, form: FormData) -> Response {
    let (account, collector) = (form.get("account_number"), form.get("collector"));
    match state.store.assign_account(&ctx.principal.org, &account, &collector).await {
        Ok(()) if collector.is_empty() => to_page("/collections/supervisor", "msg", &format!("Account {account} goes back to the rules.")),
        Ok(()) => to_page("/collections/supervisor", "msg", &format!("Account {account} is {collector}'s.")),
        Err(e) => to_page("/collections/supervisor", "error", &failed(e)),
    }
}

/// The day's letters in one PDF.
pub async fn letters_of_day(State(state): State<AppState>, ctx: Ctx, Path(day): Path<String>) -> Response {
    let Ok(day) = day.parse::<settle_domain::Date>() else {
        return to_page("/collections/supervisor", "error", "The day must be a date (YYYY-MM-DD).");
    };
    match state.store.letters_on(&ctx.principal.org, day).await {
        Ok(letters) if letters.is_empty() => to_page("/collections/supervisor", "msg", &format!("No letters were sent on {day}.")),
        Ok(letters) => crate::pdf_response(
            &format!("letters-{day}.pdf"),
            settle_pdf::letters::letters_batch(&letters, &format!("Letters of {day}")),
        ),
        Err(e) => store_error_page(Some(&ctx), e),
    }
}

/// Approves or declines a settlement over the limit.
pub async fn decide_settlement(State(state): State<AppState>, ctx: Ctx, Path((id, verb)): Path<(i64, String)>) -> Response {
    let org = &ctx.principal.org;
    let done = match verb.as_str() {
        "approve" => state.store.approve_settlement(org, id, true, today()).await.map(|m| {
            format!(
                "Settlement {id} approved: {} for {} by {}.{}",
                m.settlement.amount,
                m.settlement.account_number,
                m.settlement.expires_on,
                letter_said("offer", m.offer, m.decision)
            )
        }),
        "decline" => state
            .store
            .close_settlement(org, id, "declined")
            .await
            .map(|s| format!("Settlement {id} on {} declined.", s.account_number)),
        _ => return to_page("/collections/supervisor", "error", "Unknown action."),
    };
    match done {
        Ok(text) => to_page("/collections/supervisor", "msg", &text),
        Err(e) => to_page("/collections/supervisor", "error", &failed(e)),
    }
}

/// Sets up a plan from the account page.
pub async fn create_plan(State(state): State<AppState>, ctx: Ctx, Path(number): Path<String>, form: FormData) -> Response {
    let opt = |name: &str| Some(form.get(name)).filter(|v| !v.is_empty());
    let written = form.get("installments");
    let installments = if written.is_empty() {
        None
    } else {
        let mut list = Vec::new();
        for (i, line) in written.lines().map(str::trim).filter(|l| !l.is_empty()).enumerate() {
            let Some((d, a)) = line.split_once([' ', ':', ',']) else {
                return to_account(
                    &number,
                    "error",
                    &format!("Nothing was changed: installments: line {}: {line:?} is not \"DATE AMOUNT\".", i + 1),
                );
            };
            let Ok(due) = d.trim().parse() else {
                return to_account(
                    &number,
                    "error",
                    &format!("Nothing was changed: installments: line {}: {d:?} is not a date.", i + 1),
                );
            };
            list.push(InstallmentInput {
                due,
                amount: a.trim().to_string(),
            });
        }
        Some(list)
    };
    let first_due = match opt("first_due").map(|d| d.parse()) {
        Some(Ok(d)) => Some(d),
        Some(Err(_)) => return to_account(&number, "error", "Nothing was changed: first_due: give a date (YYYY-MM-DD)."),
        None => None,
    };
    let cmd = NewPlan {
        account_number: number.clone(),
        total: opt("total"),
        down_payment: opt("down_payment"),
        installment: opt("installment"),
        frequency: opt("frequency"),
        first_due,
        installments,
        note: form.get("note"),
        send_agreement: form.get("send_agreement") == "on",
    };
    match state.store.create_plan(&ctx.principal.org, &cmd, today()).await {
        Ok(made) => {
            let letter = letter_said("agreement", made.agreement, made.decision);
            to_account(
                &number,
                "msg",
                &format!(
                    "Plan {} set up: {} installments; dunning waits while it is kept.{letter}",
                    made.plan.plan_id,
                    made.plan.installments.len()
                ),
            )
        }
        Err(e) => to_account(&number, "error", &failed(e)),
    }
}

pub async fn cancel_plan(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>, form: FormData) -> Response {
    let number = form.get("account_number");
    match state.store.cancel_plan(&ctx.principal.org, id, today()).await {
        Ok(p) => to_account(&p.account_number, "msg", &format!("Plan {id} cancelled; dunning resumes at the next run.")),
        Err(e) => to_account(&number, "error", &failed(e)),
    }
}

/// Offers a settlement from the account page.
pub async fn offer_settlement(State(state): State<AppState>, ctx: Ctx, Path(number): Path<String>, form: FormData) -> Response {
    let Ok(expires_on) = form.get("expires_on").parse() else {
        return to_account(&number, "error", "Nothing was changed: expires_on: give the offer's last day (YYYY-MM-DD).");
    };
    let cmd = NewSettlement {
        account_number: number.clone(),
        amount: form.get("amount"),
        expires_on,
        note: form.get("note"),
        send_offer: form.get("send_offer") == "on",
    };
    match state.store.offer_settlement(&ctx.principal.org, &cmd, today()).await {
        Ok(m) if m.settlement.status == "awaiting_approval" => to_account(
            &number,
            "msg",
            &format!(
                "Settlement {} ({}% off) waits for a coordinator's approval: it is over the limit.",
                m.settlement.settlement_id, m.settlement.discount_percent
            ),
        ),
        Ok(m) => to_account(
            &number,
            "msg",
            &format!(
                "Settlement {} offered: {} by {}.{}",
                m.settlement.settlement_id,
                m.settlement.amount,
                m.settlement.expires_on,
                letter_said("offer", m.offer, m.decision)
            ),
        ),
        Err(e) => to_account(&number, "error", &failed(e)),
    }
}

pub async fn cancel_settlement(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>, form: FormData) -> Response {
    let number = form.get("account_number");
    match state.store.close_settlement(&ctx.principal.org, id, "cancelled").await {
        Ok(s) => to_account(&s.account_number, "msg", &format!("Settlement {id} withdrawn.")),
        Err(e) => to_account(&number, "error", &failed(e)),
    }
}

/// Sends a reminder, a notice or a receipt from the account page.
pub async fn send_letter(State(state): State<AppState>, ctx: Ctx, Path(number): Path<String>, form: FormData) -> Response {
    let cmd = SendLetter {
        account_number: number.clone(),
        kind: form.get("kind"),
        payment_id: form.get("payment_id").parse().ok(),
    };
    match state.store.send_letter(&ctx.principal.org, &cmd, today()).await {
        Ok(sent) => match sent.letter {
            Some(l) => to_account(
                &number,
                "msg",
                &format!("{} sent: letter {} to {}.", crate::web::words(&l.kind), l.letter_id, sent.decision.address),
            ),
            None => to_account(&number, "error", &format!("Refused: {}", sent.decision.reasons().join("; "))),
        },
        Err(e) => to_account(&number, "error", &failed(e)),
    }
}

/// A coordinator releases an account a dunning level held.
pub async fn release(State(state): State<AppState>, ctx: Ctx, Path(number): Path<String>) -> Response {
    match state.store.release_hold(&ctx.principal.org, &number).await {
        Ok(()) => to_account(&number, "msg", "Released: the next dunning run may move it on."),
        Err(e) => to_account(&number, "error", &failed(e)),
    }
}

#[derive(Deserialize, Default)]
pub struct PeriodQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

#[derive(Template)]
#[template(path = "collections_kpis.html")]
struct KpisPage<'a> {
    ctx: Option<&'a Ctx>,
    k: settle_store::collections::Kpis,
    error: String,
}

impl KpisPage<'_> {
    fn pct(&self, bp: &Option<i64>) -> String {
        settle_store::collections::percent(*bp)
    }
    fn m(&self, minor: &i64) -> String {
        crate::web::money_minor(*minor, &self.k.currency)
    }
}

/// Collection KPIs for a period (the month so far by default).
pub async fn kpis(State(state): State<AppState>, ctx: Ctx, Query(q): Query<PeriodQuery>) -> Response {
    let mut error = String::new();
    let mut day = |text: &str, default: settle_domain::Date, name: &str| {
        if text.is_empty() {
            return default;
        }
        text.parse().unwrap_or_else(|_| {
            error = format!("{name}: {text:?} is not a date (YYYY-MM-DD); showing the month so far.");
            default
        })
    };
    let to = day(&q.to, today(), "to");
    let from = day(&q.from, to.first_of_month(), "from");
    match state.store.collection_kpis(&ctx.principal.org, from, to).await {
        Ok(k) => render(&KpisPage { ctx: Some(&ctx), k, error }).into_response(),
        Err(e) => store_error_page(Some(&ctx), e),
    }
}

#[derive(Template)]
#[template(path = "collections_verify.html")]
struct VerifyPage<'a> {
    ctx: Option<&'a Ctx>,
    r: settle_store::collections::GateReplay,
}

/// Every outbound contact replayed against the gate with the facts of its moment.
pub async fn verify(State(state): State<AppState>, ctx: Ctx) -> Response {
    match state.store.collections_verify(&ctx.principal.org).await {
        Ok(r) => render(&VerifyPage { ctx: Some(&ctx), r }).into_response(),
        Err(e) => store_error_page(Some(&ctx), e),
    }
}
