//! Collections: the people who owe, what they asked of us, and every
//! contact made to collect. One door (`gate`) decides every outbound
//! contact; every other step asks it. The steps, one file each:
//!
//! - `policy`: the organisation's footing under the FDCPA and how it is reached;
//! - `known`: the person and the debt as the gate reads them from the books;
//! - `profile`: what the consumer asked of us (zone, cease, attorney, work, times, opt-outs);
//! - `gate`: the contact gate's door (a contact-log row is written only from its answer);
//! - `contacts`: asking the gate, and the contact log;
//! - `verify`: every logged contact replayed against the gate;
//! - `disputes`, `promises`, `plans`, `settlements`;
//! - `letters`: collection letters composed, gated and kept; `validation_notice`;
//! - `outbox`: emails queued, asked again at delivery, sent;
//! - `kpis`: the collectors' numbers;
//! - `dunning/`: the daily run (policy, read, run, queue, assign).
//!
//! The area's types are named from here (`settle_store::collections::NewPlan`);
//! the step files are private.

use jiff::civil::Date;
use jiff::Timestamp;
use settle_domain::compliance::{Channel, Purpose, UsZone};

use crate::{Result, StoreError};

pub mod dunning;

mod contacts;
mod disputes;
mod gate;
mod known;
mod kpis;
mod letters;
mod outbox;
mod plans;
mod policy;
mod profile;
mod promises;
mod settlements;
mod validation_notice;
mod verify;

pub use contacts::{ContactRequest, ContactView, DecisionView, FailureView, LogContact, LogOutcome, RuleView};
pub use disputes::{DisputeView, NewDispute};
pub use kpis::{percent, CollectorKpis, Kpis, PlanKpis, RollRate};
pub use letters::{LetterSent, SendLetter};
pub use outbox::{opt_out_link, Clearing, OptOutTarget, OutboxEmail, ReadyEmail, MAX_ATTEMPTS};
pub use plans::{InstallmentInput, InstallmentView, NewPlan, PlanCreated, PlanReview, PlanView};
pub use policy::CollectionPolicyView;
pub use profile::{ProfileUpdate, ProfileView};
pub use promises::{NewPromise, PromiseFilter, PromiseReview, PromiseView};
pub use settlements::{NewSettlement, SettlementMade, SettlementReview, SettlementView};
pub use validation_notice::{LetterView, NoticeSent};
pub use verify::{GateFinding, GateReplay, UnplacedAddress};

fn bad(field: &'static str, message: impl std::fmt::Display) -> StoreError {
    StoreError::invalid(field, message)
}

/// Rule ids kept comma separated.
fn split_rules(text: &str) -> Vec<String> {
    text.split(',').map(str::trim).filter(|r| !r.is_empty()).map(str::to_string).collect()
}

fn parse_instant(field: &'static str, text: &str) -> Result<Timestamp> {
    let t = text.trim();
    if let Ok(ts) = t.parse::<Timestamp>() {
        return Ok(ts);
    }
    if let Ok(z) = t.parse::<jiff::Zoned>() {
        return Ok(z.timestamp());
    }
    if let Ok(d) = t.parse::<Date>() {
        return d.to_zoned(jiff::tz::TimeZone::UTC).map(|z| z.timestamp()).map_err(|e| bad(field, e));
    }
    Err(bad(field, format!("{t:?} is not an instant (2026-11-30T14:00:00-05:00) or a date")))
}

fn parse_channel(text: &str) -> Result<Channel> {
    Channel::parse(text).ok_or_else(|| bad("channel", format!("{text:?} is not one of call, text, email, letter, visit")))
}

fn parse_purpose(text: Option<&str>) -> Result<Purpose> {
    match text.map(|t| t.trim().to_ascii_lowercase()).as_deref() {
        None | Some("") | Some("collection") => Ok(Purpose::Collection),
        Some("cease_response") => Ok(Purpose::CeaseResponse),
        Some("verification") => Ok(Purpose::Verification),
        Some(other) => Err(bad("purpose", format!("{other:?} is not one of collection, cease_response, verification"))),
    }
}

fn purpose_str(p: Purpose) -> &'static str {
    match p {
        Purpose::Collection => "collection",
        Purpose::CeaseResponse => "cease_response",
        Purpose::Verification => "verification",
    }
}

/// An instant in the first zone the person may be in, for people to read.
fn local(at: &str, zone: UsZone) -> String {
    at.parse::<Timestamp>()
        .map(|t| format!("{} {}", t.to_zoned(zone.tz()).strftime("%Y-%m-%d %H:%M"), zone.name()))
        .unwrap_or_else(|_| at.to_string())
}

fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect()
}
