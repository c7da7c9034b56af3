//! Claims in the pages: the worklist and the claim page (`worklist`), visit
//! entry with diagnosis lookup (`entry`), sending 837P batches and reading
//! acknowledgments (`send`), payers, providers and coverages (`payers`),
//! fee schedules loaded from CSV (`fees`),
//! remittances (`remit`), denials (`denials`) and patient statements
//! (`statements`).

use crate::web::encode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use settle_store::claims::ClaimView;

pub(super) mod ambulance_form;
pub(super) mod authorizations;
pub(super) mod denials;
pub(super) mod entry;
pub(super) mod facts_form;
pub(super) mod fees;
pub(super) mod follow_up;
pub(super) mod payers;
pub(super) mod remit;
pub(super) mod send;
pub(super) mod statements;
pub(super) mod worklist;

/// The worklist's tabs: status, label.
pub(super) const TABS: [(&str, &str); 10] = [
    ("scrubbed", "To fix"),
    ("rejected", "Rejected"),
    ("draft", "Drafts"),
    ("ready", "Ready to send"),
    ("submitted", "Sent"),
    ("accepted", "Accepted"),
    ("denied", "Denied"),
    ("partially_paid", "Partly paid"),
    ("paid", "Paid"),
    ("closed", "Closed"),
];

#[derive(Deserialize)]
pub struct MsgQuery {
    #[serde(default)]
    msg: String,
    #[serde(default)]
    error: String,
}

pub(super) fn to_claim(number: &str, msg: &str) -> Response {
    Redirect::to(&format!("/claims/{}?msg={}", encode(number), encode(msg))).into_response()
}

pub(super) fn to_claim_error(number: &str, error: &str) -> Response {
    Redirect::to(&format!("/claims/{}?error={}", encode(number), encode(error))).into_response()
}

pub(super) fn outcome_message(c: &ClaimView) -> String {
    let errors = c.findings.iter().filter(|f| f.level == "error").count();
    match c.status.as_str() {
        "ready" if c.findings.is_empty() => format!("Claim {} is ready to send; its charges are on {}'s account.", c.claim_number, c.payer_name),
        "ready" => format!("Claim {} is ready to send, with warnings to look at.", c.claim_number),
        "scrubbed" => format!("Claim {} saved with {errors} error(s) to fix before it can go.", c.claim_number),
        "draft" => format!("Claim {} saved as a draft.", c.claim_number),
        other => format!("Claim {} is {other}.", c.claim_number),
    }
}
