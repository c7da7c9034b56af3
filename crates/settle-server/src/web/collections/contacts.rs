//! Collections on the account page: ask the contact gate, log a contact,
//! record what the consumer asked of us and their disputes. The same store
//! calls as the API; a refusal comes back naming each rule.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use settle_store::collections::{ContactRequest, DecisionView, LogContact, NewDispute, ProfileUpdate};

use crate::web::{encode, Ctx, FormData};
use crate::AppState;

fn back(number: &str, key: &str, text: &str) -> Response {
    Redirect::to(&format!("/accounts/{}?{key}={}#collections-h", encode(number), encode(text))).into_response()
}

fn refusal(d: &DecisionView) -> String {
    let rules: Vec<String> = d
        .failures
        .iter()
        .map(|f| format!("{} ({}): {}", f.rule, f.citation, crate::web::sentence(&f.reason)))
        .collect();
    let when = d
        .allowed_from_local
        .as_deref()
        .or(d.allowed_from.as_deref())
        .map(|t| format!(" Allowed from {t}."))
        .unwrap_or_default();
    format!("Refused: {} to {}. {}{when}", d.channel, d.address, rules.join(" "))
}

/// The page's date-and-time box gives a wall-clock time ("2026-11-30T14:05")
/// and the browser's offset from UTC in minutes; together they are an
/// instant. A time that already carries its offset is kept as typed.
fn with_offset(at: &str, offset_minutes: &str) -> String {
    let at = at.trim();
    let wall = at.len() == 16 && at.as_bytes().get(10) == Some(&b'T') && at.parse::<jiff::civil::DateTime>().is_ok();
    match (wall, offset_minutes.trim().parse::<i32>()) {
        (true, Ok(minutes)) if minutes.abs() <= 14 * 60 => {
            let sign = if minutes < 0 { '-' } else { '+' };
            format!("{at}:00{sign}{:02}:{:02}", minutes.abs() / 60, minutes.abs() % 60)
        }
        _ => at.to_string(),
    }
}

fn request(number: &str, form: &FormData) -> ContactRequest {
    let opt = |name: &str| Some(form.get(name)).filter(|v| !v.is_empty());
    ContactRequest {
        account_number: number.to_string(),
        channel: form.get("channel"),
        address: opt("address"),
        at_work: form.get("at_work") == "on",
        purpose: opt("purpose"),
        at: opt("at").map(|at| with_offset(&at, &form.get("tz_offset"))),
    }
}

/// Asks the gate, or logs the contact (an outbound one only if the gate allows it).
pub async fn contact(State(state): State<AppState>, ctx: Ctx, Path(number): Path<String>, form: FormData) -> Response {
    let org = &ctx.principal.org;
    if form.get("action") == "check" {
        return match state.store.check_contact(org, &request(&number, &form)).await {
            Ok(d) if d.allowed => back(
                &number,
                "msg",
                &format!(
                    "Allowed: {} to {} ({} rules checked). Decision {} kept.",
                    d.channel,
                    d.address,
                    d.checked.len(),
                    d.decision_id
                ),
            ),
            Ok(d) => back(&number, "error", &refusal(&d)),
            Err(e) => back(&number, "error", &format!("Nothing was asked: {}", crate::web::sentence(&e.to_string()))),
        };
    }
    let mut cmd = LogContact::from_request(
        request(&number, &form),
        Some(if form.get("inbound") == "on" { "inbound" } else { "outbound" }.into()),
        form.get("outcome"),
        form.get("note"),
    );
    cmd.violation = form.get("violation") == "on";
    match form.get("call_back_on").as_str() {
        "" => {}
        day => match day.parse() {
            Ok(day) => cmd.call_back_on = Some(day),
            Err(_) => {
                return back(
                    &number,
                    "error",
                    &format!("Nothing was logged: the call-back day {day:?} is not a date (YYYY-MM-DD)."),
                )
            }
        },
    }
    match state.store.log_contact(org, &cmd).await {
        Ok(done) => match (done.contact, done.decision) {
            // A promise to pay: logged, and on to the promise form itself.
            (Some(c), _) if c.outcome == "promise" && c.violation.is_empty() => Redirect::to(&format!(
                "/accounts/{}?msg={}&then=promise#pr-amount",
                encode(&number),
                encode(&format!(
                    "Logged: {} {} {} (promise to pay). Now record the promise: how much and by when.",
                    c.direction, c.channel, c.address
                ))
            ))
            .into_response(),
            (Some(c), _) => back(
                &number,
                "msg",
                &if c.violation.is_empty() {
                    format!(
                        "Logged: {} {} {} ({}).{}",
                        c.direction,
                        c.channel,
                        c.address,
                        crate::web::words(&c.outcome),
                        cmd.call_back_on.map(|d| format!(" Call back on {d}.")).unwrap_or_default()
                    )
                } else {
                    format!(
                        "Logged as a violation of {}: {} {} {} ({}). A supervisor sees it.",
                        c.violation.join(", "),
                        c.direction,
                        c.channel,
                        c.address,
                        crate::web::words(&c.outcome)
                    )
                },
            ),
            (None, Some(d)) => back(&number, "error", &format!("{} Nothing was logged.", refusal(&d))),
            (None, None) => back(&number, "error", "Nothing was logged."),
        },
        Err(e) => back(&number, "error", &format!("Nothing was logged: {}", crate::web::sentence(&e.to_string()))),
    }
}

/// Records what the consumer asked of us.
pub async fn profile(State(state): State<AppState>, ctx: Ctx, Path(number): Path<String>, form: FormData) -> Response {
    let list = |name: &str| {
        Some(
            form.get(name)
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect::<Vec<_>>(),
        )
    };
    let validation = form.get("validation_sent_on");
    let validation = if validation.is_empty() {
        None
    } else {
        match validation.parse() {
            Ok(d) => Some(d),
            Err(_) => {
                return back(
                    &number,
                    "error",
                    &format!("Nothing was changed: validation_sent_on: {validation:?} is not a date (YYYY-MM-DD)."),
                )
            }
        }
    };
    let cmd = ProfileUpdate {
        account_number: number.clone(),
        stated_zone: Some(form.get("stated_zone")),
        cease_requested_at: Some(form.get("cease_requested_at")),
        attorney_name: Some(form.get("attorney_name")),
        attorney_phone: Some(form.get("attorney_phone")),
        no_contact_at_work: Some(form.get("no_contact_at_work") == "on"),
        inconvenient: list("inconvenient"),
        opt_outs: list("opt_outs"),
        validation_sent_on: validation,
        late_fees_allowed: Some(form.get("late_fees_allowed") == "on"),
        bankruptcy_on: Some(form.get("bankruptcy_on")),
        deceased_on: Some(form.get("deceased_on")),
        insurance_pending: Some(form.get("insurance_pending") == "on"),
        work_addresses: list("work_addresses"),
        current_creditor: Some(form.get("current_creditor")),
        itemization_creditor: Some(form.get("itemization_creditor")),
        creditor_account_number: Some(form.get("creditor_account_number")),
    };
    match state.store.update_collection_profile(&ctx.principal.org, &cmd).await {
        Ok(p) => back(&number, "msg", &format!("Saved. The gate keeps to {}.", p.zones.join(", "))),
        Err(e) => back(&number, "error", &format!("Nothing was changed: {}", crate::web::sentence(&e.to_string()))),
    }
}

/// Records a dispute, or that its verification was sent.
pub async fn dispute(State(state): State<AppState>, ctx: Ctx, Path(number): Path<String>, form: FormData) -> Response {
    let org = &ctx.principal.org;
    let date = |name: &str| form.get(name).parse::<settle_domain::Date>();
    if let Ok(id) = form.get("dispute_id").parse::<i64>() {
        let Ok(sent) = date("sent_on") else {
            return back(
                &number,
                "error",
                "Nothing was changed: sent_on: give the date the verification was sent (YYYY-MM-DD).",
            );
        };
        return match state.store.dispute_verified(org, id, sent).await {
            Ok(_) => back(&number, "msg", &format!("Dispute {id}: verification sent on {sent}; collection may go on.")),
            Err(e) => back(&number, "error", &format!("Nothing was changed: {}", crate::web::sentence(&e.to_string()))),
        };
    }
    let Ok(received) = date("received_on") else {
        return back(
            &number,
            "error",
            "Nothing was recorded: received_on: give the date the dispute arrived (YYYY-MM-DD).",
        );
    };
    let cmd = NewDispute {
        account_number: number.clone(),
        received_on: received,
        note: form.get("note"),
        original_creditor: form.get("original_creditor") == "on",
    };
    match state.store.record_dispute(org, &cmd).await {
        Ok(d) if d.within_validation_period => back(
            &number,
            "msg",
            &format!(
                "Dispute {} recorded, within the validation period: collection waits until verification is sent.",
                d.dispute_id
            ),
        ),
        Ok(d) => back(&number, "msg", &format!("Dispute {} recorded.", d.dispute_id)),
        Err(e) => back(&number, "error", &format!("Nothing was recorded: {}", crate::web::sentence(&e.to_string()))),
    }
}

/// Records a promise to pay from the account page.
pub async fn promise(State(state): State<AppState>, ctx: Ctx, Path(number): Path<String>, form: FormData) -> Response {
    let due = form.get("due_on");
    let Ok(due_on) = due.parse() else {
        return back(
            &number,
            "error",
            &format!("No promise was recorded: due_on: {due:?} is not a date (YYYY-MM-DD)."),
        );
    };
    let cmd = settle_store::collections::NewPromise {
        account_number: number.clone(),
        amount: form.get("amount"),
        due_on,
        note: form.get("note"),
    };
    match state.store.record_promise(&ctx.principal.org, &cmd, crate::web::today()).await {
        Ok(p) => back(
            &number,
            "msg",
            &format!("Promise recorded: {} by {} (kept if paid by {}).", p.amount, p.due_on, p.last_day),
        ),
        Err(e) => back(&number, "error", &format!("No promise was recorded: {}", crate::web::sentence(&e.to_string()))),
    }
}

/// Sends the validation notice from the account page: refused beside the form, or kept and linked.
pub async fn validation_notice(State(state): State<AppState>, ctx: Ctx, Path(number): Path<String>) -> Response {
    match state.store.send_validation_notice(&ctx.principal.org, &number, crate::web::today()).await {
        Ok(sent) => match (sent.letter, sent.notice) {
            (Some(letter), Some(notice)) => back(
                &number,
                "msg",
                &format!(
                    "Validation notice {} sent and kept (letters below): {} owed now; disputes by {}.",
                    letter.letter_id, notice.owed_now, notice.respond_by
                ),
            ),
            _ => back(&number, "error", &format!("{} No notice was sent.", refusal(&sent.decision))),
        },
        Err(e) => back(&number, "error", &format!("No notice was sent: {}", crate::web::sentence(&e.to_string()))),
    }
}

/// A collection letter as it was sent.
pub async fn letter_pdf(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Response {
    match state.store.letter(&ctx.principal.org, id).await {
        Ok(l) => crate::pdf_response(&format!("letter-{id}.pdf"), l.pdf()),
        Err(e) => crate::web::store_error_page(Some(&ctx), e),
    }
}

#[cfg(test)]
mod tests {
    use super::with_offset;

    #[test]
    fn a_wall_clock_time_takes_the_browsers_offset() {
        assert_eq!(with_offset("2026-11-30T14:05", "-300"), "2026-11-30T14:05:00-05:00");
        assert_eq!(with_offset("2026-11-30T14:05", "330"), "2026-11-30T14:05:00+05:30");
        assert_eq!(with_offset("2026-11-30T14:05:00-06:00", "-300"), "2026-11-30T14:05:00-06:00");
        assert_eq!(
            with_offset("2026-11-30T14:05", ""),
            "2026-11-30T14:05",
            "no offset: refused by the store, by name"
        );
        assert_eq!(with_offset("2026-11-30T14:05", "9999"), "2026-11-30T14:05");
    }
}
