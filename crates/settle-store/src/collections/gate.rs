//! The one door every outbound contact passes. [`gate`] asks
//! `settle_domain::compliance::clear` about a contact with a known person
//! and keeps the answer's proof: a [`Cleared`] when the gate allowed it, a
//! [`Refused`] when it did not. The only functions that write an outbound
//! row of the contact log ([`contact_row`]) take one of the two, and neither
//! can be made anywhere but here: a contact the gate refused can be written
//! only as what it is, a contact that happened against the rules, flagged
//! with the rules it broke. Inbound contacts (the consumer reached us) need
//! no clearance and are written as inbound. A payer's receivable is refused
//! before the rules are asked: no consumer owes it.

use settle_domain::compliance::{self, Attempt, Breach, Clearance, Policy, UsZone};

use crate::collections::contacts::{DecisionView, FailureView};
use crate::collections::known::Known;
use crate::collections::{local, purpose_str};

/// A contact the gate allowed, with the kept answer's id.
#[derive(Debug)]
pub(super) struct Cleared {
    account_id: i64,
    decision_id: i64,
    clearance: Clearance,
}

impl Cleared {
    pub(super) fn attempt(&self) -> &Attempt {
        self.clearance.attempt()
    }
}

/// A contact the gate refused, with the kept answer's id: it can be written
/// only as a violation that already happened.
#[derive(Debug)]
pub(super) struct Refused {
    account_id: i64,
    decision_id: i64,
    breach: Breach,
}

/// The gate's answer about one contact: as kept and shown, and its proof.
#[derive(Debug)]
pub(super) struct Gated {
    pub(super) view: DecisionView,
    pub(super) decision: compliance::Decision,
    proof: Result<Cleared, Refused>,
}

impl Gated {
    pub(super) fn allowed(&self) -> bool {
        self.proof.is_ok()
    }

    pub(super) fn cleared(&self) -> Option<&Cleared> {
        self.proof.as_ref().ok()
    }

    pub(super) fn refused(&self) -> Option<&Refused> {
        self.proof.as_ref().err()
    }

    pub(super) fn into_cleared(self) -> Option<Cleared> {
        self.proof.ok()
    }
}

/// Asks the gate about a contact with a known person.
pub(super) fn gate(known: &Known, attempt: Attempt, policy: &Policy, decision_id: i64, actor: &str) -> crate::Result<Gated> {
    // A payer's receivable is no consumer's debt: refused before any rule
    // is asked, on every path (a call, a letter, an email, the dunning run).
    known.consumer()?;
    let Attempt {
        channel,
        ref address,
        purpose,
        at,
        ..
    } = attempt;
    let address = address.clone();
    let (decision, proof) = compliance::clear(&known.person, &known.debt, &attempt, policy);
    let failures: Vec<FailureView> = decision
        .failures
        .iter()
        .map(|f| FailureView {
            rule: f.rule.id().into(),
            citation: f.citation.into(),
            reason: f.reason.clone(),
            allowed_from: f.allowed_from.map(|t| t.to_string()),
        })
        .collect();
    let zone = known.person.zones().first().copied().unwrap_or(UsZone::Eastern);
    let allowed_from_local = decision
        .allowed_from()
        .map(|t| format!("{} {}", t.to_zoned(zone.tz()).strftime("%Y-%m-%d %H:%M"), zone.name()));
    let view = DecisionView {
        decision_id,
        account_number: known.account_number.clone(),
        channel: channel.as_str().into(),
        address,
        purpose: purpose_str(purpose).into(),
        at: at.to_string(),
        at_local: local(&at.to_string(), zone),
        allowed: decision.allowed(),
        checked: decision.checked.iter().map(|r| r.id().to_string()).collect(),
        failures,
        allowed_from: decision.allowed_from().map(|t| t.to_string()),
        allowed_from_local,
        asked_by: actor.to_string(),
    };
    let account_id = known.account_id;
    let proof = match proof {
        Ok(clearance) => Ok(Cleared {
            account_id,
            decision_id,
            clearance,
        }),
        Err(breach) => Err(Refused {
            account_id,
            decision_id,
            breach,
        }),
    };
    Ok(Gated { view, decision, proof })
}

/// The `contact_decision` row for a gate answer.
pub(super) fn decision_row(org_id: i64, account_id: i64, view: &DecisionView, asked_at: &str) -> crate::batch::ContactDecisionRow {
    crate::batch::ContactDecisionRow {
        org_id: org_id.into(),
        decision_id: view.decision_id.into(),
        account_id: account_id.into(),
        channel: view.channel.clone().into(),
        address: view.address.clone().into(),
        purpose: view.purpose.clone().into(),
        at: view.at.clone().into(),
        allowed: i64::from(view.allowed).into(),
        checked: view.checked.join(",").into(),
        failures: serde_json::to_string(&view.failures).expect("failures serialise").into(),
        allowed_from_local: view.allowed_from_local.clone().into(),
        asked_by: view.asked_by.clone().into(),
        asked_at: asked_at.into(),
    }
}

/// What a row of the contact log stands on.
pub(super) enum Record<'a> {
    /// An outbound contact the gate allowed.
    Cleared(&'a Cleared),
    /// An outbound contact the gate refused that happened all the same,
    /// flagged with the rules it broke.
    Violation(&'a Refused),
    /// The consumer reached us.
    Inbound { account_id: i64, attempt: &'a Attempt },
}

impl Record<'_> {
    pub(super) fn account_id(&self) -> i64 {
        match self {
            Record::Cleared(c) => c.account_id,
            Record::Violation(r) => r.account_id,
            Record::Inbound { account_id, .. } => *account_id,
        }
    }

    pub(super) fn attempt(&self) -> &Attempt {
        match self {
            Record::Cleared(c) => c.clearance.attempt(),
            Record::Violation(r) => r.breach.attempt(),
            Record::Inbound { attempt, .. } => attempt,
        }
    }

    pub(super) fn direction(&self) -> &'static str {
        match self {
            Record::Inbound { .. } => "inbound",
            _ => "outbound",
        }
    }

    pub(super) fn decision_id(&self) -> Option<i64> {
        match self {
            Record::Cleared(c) => Some(c.decision_id),
            Record::Violation(r) => Some(r.decision_id),
            Record::Inbound { .. } => None,
        }
    }

    /// The rules broken, as kept in `contact_attempt.violation`.
    pub(super) fn violation(&self) -> String {
        match self {
            Record::Violation(r) => r.breach.broken().iter().map(|rule| rule.id()).collect::<Vec<_>>().join(","),
            _ => String::new(),
        }
    }
}

/// One `contact_attempt` row.
pub(super) struct ContactRow<'a> {
    pub(super) org_id: i64,
    pub(super) contact_id: i64,
    pub(super) record: Record<'a>,
    pub(super) outcome: &'a str,
    pub(super) conversation: bool,
    pub(super) note: &'a str,
    pub(super) actor: &'a str,
    pub(super) logged_at: &'a str,
}

/// The `contact_attempt` row (columns as `batch::CONTACT_ATTEMPT`).
pub(super) fn contact_row(row: ContactRow<'_>) -> crate::batch::ContactAttemptRow {
    let attempt = row.record.attempt();
    crate::batch::ContactAttemptRow {
        org_id: row.org_id.into(),
        contact_id: row.contact_id.into(),
        account_id: row.record.account_id().into(),
        channel: attempt.channel.as_str().into(),
        direction: row.record.direction().into(),
        address: attempt.address.clone().into(),
        at_work: i64::from(attempt.at_work).into(),
        purpose: purpose_str(attempt.purpose).into(),
        outcome: row.outcome.into(),
        conversation: i64::from(row.conversation).into(),
        at: attempt.at.to_string().into(),
        note: row.note.into(),
        decision_id: row.record.decision_id().into(),
        logged_by: row.actor.into(),
        logged_at: row.logged_at.into(),
        violation: row.record.violation().into(),
    }
}

/// The row of an outbound letter or email the gate allowed, outcome "sent".
pub(super) fn sent_row(org_id: i64, contact_id: i64, cleared: &Cleared, note: &str, actor: &str, logged_at: &str) -> crate::batch::ContactAttemptRow {
    contact_row(ContactRow {
        org_id,
        contact_id,
        record: Record::Cleared(cleared),
        outcome: "sent",
        conversation: false,
        note,
        actor,
        logged_at,
    })
}
