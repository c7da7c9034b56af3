//! Asking the gate about a contact, and the contact log: an outbound contact
//! is logged only with the gate's clearance (or recorded as a violation naming
//! the rules it broke); inbound ones and their outcomes are kept as they were.

use crate::collections::gate::{contact_row, decision_row, gate, ContactRow, Gated, Record};
use crate::collections::known::Known;
use crate::collections::{bad, local, parse_channel, parse_instant, parse_purpose, purpose_str, split_rules};
use crate::platform::audit::current_actor;
use crate::platform::Organisation;
use crate::write::next_ids;
use crate::write::{Unaudited, Write};
use crate::{now_text, Result, Store};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use settle_domain::address::KeptAddress;
use settle_domain::compliance::{Attempt, Channel};
use settle_domain::Date;
use sqlx::{AnyConnection, Row};

/// A contact to ask the gate about, or to log.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactRequest {
    pub account_number: String,
    /// call, text, email, letter or visit.
    pub channel: String,
    /// The phone number, email or postal address used; the consumer's
    /// own on record if left out.
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub at_work: bool,
    /// collection (the default), cease_response or verification.
    #[serde(default)]
    pub purpose: Option<String>,
    /// When (RFC 3339); now if left out.
    #[serde(default)]
    pub at: Option<String>,
}

/// A contact to log: outbound ones pass the gate first.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LogContact {
    pub account_number: String,
    /// call, text, email, letter or visit.
    pub channel: String,
    /// The phone number, email or postal address used; the consumer's own on record if left out.
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub at_work: bool,
    /// collection (the default), cease_response or verification.
    #[serde(default)]
    pub purpose: Option<String>,
    /// When (RFC 3339); now if left out.
    #[serde(default)]
    pub at: Option<String>,
    /// outbound (the default) or inbound: the consumer reached us.
    #[serde(default)]
    pub direction: Option<String>,
    /// For calls: right_party_contact, wrong_number, no_answer, voicemail,
    /// promise, refusal, dispute, paid, or not_connected (busy, out of
    /// service: not a call placed, 12 CFR 1006.14(b)(3)(ii)); for letters,
    /// emails, texts: sent.
    pub outcome: String,
    #[serde(default)]
    pub note: String,
    /// The contact already happened though the gate refuses it: record it
    /// as what happened, flagged with the rules it broke. Without this a
    /// refused outbound contact is not logged.
    #[serde(default)]
    pub violation: bool,
    /// When to call back (as the consumer asked, or the collector chose):
    /// on or after the contact's day. "Next account" leaves the account
    /// until then and takes it first that day; a later call, text or visit
    /// on or after the day clears it.
    #[serde(default)]
    pub call_back_on: Option<Date>,
}

impl LogContact {
    /// A contact the gate is asked about, with how it went.
    pub fn from_request(req: ContactRequest, direction: Option<String>, outcome: String, note: String) -> LogContact {
        LogContact {
            account_number: req.account_number,
            channel: req.channel,
            address: req.address,
            at_work: req.at_work,
            purpose: req.purpose,
            at: req.at,
            direction,
            outcome,
            note,
            violation: false,
            call_back_on: None,
        }
    }

    /// The contact as the gate is asked about it.
    pub fn contact(&self) -> ContactRequest {
        ContactRequest {
            account_number: self.account_number.clone(),
            channel: self.channel.clone(),
            address: self.address.clone(),
            at_work: self.at_work,
            purpose: self.purpose.clone(),
            at: self.at.clone(),
        }
    }
}

/// A rule of the gate and where Regulation F says it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct RuleView {
    pub rule: String,
    pub citation: String,
}

/// One failed rule, as the gate said it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct FailureView {
    pub rule: String,
    pub citation: String,
    pub reason: String,
    pub allowed_from: Option<String>,
}

/// The gate's answer, as kept.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct DecisionView {
    pub decision_id: i64,
    pub account_number: String,
    pub channel: String,
    pub address: String,
    pub purpose: String,
    pub at: String,
    /// The same instant in the person's own time.
    pub at_local: String,
    pub allowed: bool,
    pub checked: Vec<String>,
    pub failures: Vec<FailureView>,
    /// When waiting is all it takes: the earliest the same contact is allowed.
    pub allowed_from: Option<String>,
    /// The same, in the person's own time: "2026-11-30 08:00 Central".
    pub allowed_from_local: Option<String>,
    pub asked_by: String,
}

impl DecisionView {
    /// Each failed rule as "rule (citation): reason".
    pub fn reasons(&self) -> Vec<String> {
        self.failures.iter().map(|f| format!("{} ({}): {}", f.rule, f.citation, f.reason)).collect()
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct ContactView {
    pub contact_id: i64,
    pub account_number: String,
    pub channel: String,
    pub direction: String,
    pub address: String,
    pub at_work: bool,
    pub purpose: String,
    pub outcome: String,
    pub conversation: bool,
    pub at: String,
    /// The same instant in the person's own time: "2026-11-30 14:05 Central".
    pub at_local: String,
    pub note: String,
    pub decision_id: Option<i64>,
    pub logged_by: String,
    /// The gate rules this contact broke (it was logged as a violation); empty when none.
    #[serde(default)]
    pub violation: Vec<String>,
}

/// What logging asked for: the contact if the gate allowed it, and the answer.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct LogOutcome {
    pub contact: Option<ContactView>,
    pub decision: Option<DecisionView>,
}

const OUTCOMES: &[&str] = &[
    "right_party_contact",
    "wrong_number",
    "no_answer",
    "voicemail",
    "promise",
    "refusal",
    "dispute",
    "paid",
    "not_connected",
    "sent",
    "note",
];

/// Outcomes that mean the person and the collector spoke (1006.14(b)(2)(ii)).
fn is_conversation(outcome: &str) -> bool {
    matches!(outcome, "right_party_contact" | "promise" | "refusal" | "dispute" | "paid")
}

impl Store {
    /// Asks the gate, records its answer, and returns it (with the person read in `conn`).
    pub(super) async fn decide_contact(&self, conn: &mut AnyConnection, org: &Organisation, req: &ContactRequest) -> Result<(Known, Gated)> {
        let channel = parse_channel(&req.channel)?;
        let purpose = parse_purpose(req.purpose.as_deref())?;
        let at = match req.at.as_deref().filter(|a| !a.trim().is_empty()) {
            Some(a) => parse_instant("at", a)?,
            None => Timestamp::now(),
        };
        let mut known = self.known(conn, org.org_id, &req.account_number).await?;
        self.read_debt(conn, org.org_id, &mut known, at).await?;
        let address = match req.address.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
            Some(a) => a.to_string(),
            None => match channel {
                Channel::Call | Channel::Text => known.phones.first().cloned(),
                Channel::Email => known.emails.first().cloned(),
                Channel::Letter | Channel::Visit => known.address.as_ref().map(KeptAddress::one_line),
            }
            .ok_or_else(|| {
                bad(
                    "address",
                    format!(
                        "{} has no {} on record; give one",
                        known.consumer,
                        match channel {
                            Channel::Call | Channel::Text => "phone number",
                            Channel::Email => "email address",
                            _ => "postal address",
                        }
                    ),
                )
            })?,
        };
        let policy = self.collection_policy_in(conn, org.org_id).await?;
        let decision_id = next_ids(conn, org.org_id, "contact_decision", 1).await?;
        let actor = current_actor().name;
        let gated = gate(
            &known,
            Attempt {
                channel,
                address,
                at_work: req.at_work,
                purpose,
                at,
            },
            &policy,
            decision_id,
            &actor,
        )?;
        let mut batch = crate::batch::Batch::default();
        batch.push(decision_row(org.org_id, known.account_id, &gated.view, &now_text()));
        batch.flush(conn, org.org_id).await?;
        Ok((known, gated))
    }

    /// Asks the gate whether a contact may be made; the answer is recorded.
    pub async fn check_contact(&self, org: &Organisation, req: &ContactRequest) -> Result<DecisionView> {
        self.write(|tx| {
            Box::pin(async move {
                let (_, gated) = self.decide_contact(tx.conn(), org, req).await?;
                tx.unaudited(Unaudited::GateDecision);
                Ok(gated.view)
            })
        })
        .await
    }

    /// Logs a contact. An outbound one is asked of the gate first: refused,
    /// it is not logged (the refusal is kept), unless the caller says it
    /// already happened (`violation`), when it is logged as what happened,
    /// flagged with the rules it broke. An inbound one (the consumer
    /// reached us) is logged as it happened.
    pub async fn log_contact(&self, org: &Organisation, cmd: &LogContact) -> Result<LogOutcome> {
        let outcome = cmd.outcome.trim().to_ascii_lowercase();
        if !OUTCOMES.contains(&outcome.as_str()) {
            return Err(bad("outcome", format!("{outcome:?} is not one of {}", OUTCOMES.join(", "))));
        }
        let direction = match cmd.direction.as_deref().map(|d| d.trim().to_ascii_lowercase()).as_deref() {
            None | Some("") | Some("outbound") => "outbound",
            Some("inbound") => "inbound",
            Some(other) => return Err(bad("direction", format!("{other:?} is not outbound or inbound"))),
        };
        let channel = parse_channel(&cmd.channel)?;
        if channel != Channel::Call && channel != Channel::Visit && (is_conversation(&outcome) || outcome == "not_connected") {
            // A letter or an email cannot be a conversation; its outcome is "sent" (or a note).
            return Err(bad("outcome", format!("{outcome:?} is a call's outcome; a {} is \"sent\"", channel.as_str())));
        }
        if cmd.violation && direction == "inbound" {
            return Err(bad("violation", "an inbound contact breaks no rule of ours: the consumer reached us"));
        }
        let outcome = &outcome;
        self.write(|tx| {
            Box::pin(async move {
                let conn = tx.conn();
                let view = if direction == "outbound" {
                    let (known, gated) = self.decide_contact(conn, org, &cmd.contact()).await?;
                    let record = match (gated.cleared(), gated.refused()) {
                        (Some(cleared), _) => Record::Cleared(cleared),
                        (None, Some(refused)) if cmd.violation => Record::Violation(refused),
                        _ => {
                            // The refusal is kept; nothing else is written.
                            tx.unaudited(Unaudited::GateDecision);
                            return Ok(LogOutcome {
                                contact: None,
                                decision: Some(gated.view),
                            });
                        }
                    };
                    let view = self.insert_contact(tx, org, &known, record, outcome, &cmd.note).await?;
                    call_back(tx, org.org_id, &known, &view, cmd.call_back_on).await?;
                    (view, Some(gated.view))
                } else {
                    let at = match cmd.at.as_deref().filter(|a| !a.trim().is_empty()) {
                        Some(a) => parse_instant("at", a)?,
                        None => Timestamp::now(),
                    };
                    let known = self.known(conn, org.org_id, &cmd.account_number).await?;
                    known.consumer()?;
                    let attempt = Attempt {
                        channel,
                        address: cmd.address.clone().unwrap_or_default(),
                        at_work: cmd.at_work,
                        purpose: parse_purpose(cmd.purpose.as_deref())?,
                        at,
                    };
                    let record = Record::Inbound {
                        account_id: known.account_id,
                        attempt: &attempt,
                    };
                    let view = self.insert_contact(tx, org, &known, record, outcome, &cmd.note).await?;
                    call_back(tx, org.org_id, &known, &view, cmd.call_back_on).await?;
                    (view, None)
                };
                Ok(LogOutcome {
                    contact: Some(view.0),
                    decision: view.1,
                })
            })
        })
        .await
    }

    /// The account's call-back day, if one is set.
    pub async fn call_back_on(&self, org: &Organisation, account_number: &str) -> Result<Option<String>> {
        let row = sqlx::query(
            "SELECT b.call_back_on FROM collection_call_back b JOIN account a ON a.org_id = b.org_id AND a.account_id = b.account_id \
             WHERE b.org_id = $1 AND a.account_number = $2",
        )
        .bind(org.org_id)
        .bind(account_number.trim().to_ascii_uppercase())
        .fetch_optional(self.pool())
        .await?;
        row.map(|r| r.try_get("call_back_on")).transpose().map_err(Into::into)
    }

    /// Writes a row of the contact log, audited: only from a clearance, a
    /// refusal being recorded as a violation, or an inbound contact.
    pub(super) async fn insert_contact(
        &self,
        tx: &mut Write<'_>,
        org: &Organisation,
        known: &Known,
        record: Record<'_>,
        outcome: &str,
        note: &str,
    ) -> Result<ContactView> {
        let conn = tx.conn();
        let contact_id = next_ids(conn, org.org_id, "contact_attempt", 1).await?;
        let actor = current_actor().name;
        let conversation = is_conversation(outcome);
        let attempt = record.attempt().clone();
        let direction = record.direction();
        let decision_id = record.decision_id();
        let violation = record.violation();
        let mut batch = crate::batch::Batch::default();
        batch.push(contact_row(ContactRow {
            org_id: org.org_id,
            contact_id,
            record,
            outcome,
            conversation,
            note: note.trim(),
            actor: &actor,
            logged_at: &now_text(),
        }));
        batch.flush(conn, org.org_id).await?;
        let view = ContactView {
            contact_id,
            account_number: known.account_number.clone(),
            channel: attempt.channel.as_str().into(),
            direction: direction.into(),
            address: attempt.address.clone(),
            at_work: attempt.at_work,
            purpose: purpose_str(attempt.purpose).into(),
            outcome: outcome.to_string(),
            conversation,
            at: attempt.at.to_string(),
            at_local: local(&attempt.at.to_string(), known.person.zones()[0]),
            note: note.trim().into(),
            decision_id,
            logged_by: actor,
            violation: split_rules(&violation),
        };
        tx.audit(
            org.org_id,
            if view.violation.is_empty() { "contact.log" } else { "contact.violation" },
            &format!("account:{}", known.account_number),
            None,
            Some(&serde_json::to_value(&view)?),
        )
        .await?;
        Ok(view)
    }

    /// The account's contacts, newest first.
    pub async fn contacts(&self, org: &Organisation, account_number: &str) -> Result<Vec<ContactView>> {
        self.note_read(org.org_id, "contacts.read", &format!("account:{}", account_number.trim().to_ascii_uppercase()))
            .await?;
        let mut conn = self.pool().acquire().await?;
        let known = self.known(&mut conn, org.org_id, account_number).await?;
        let zone = known.person.zones()[0];
        let rows = sqlx::query(
            "SELECT contact_id, channel, direction, address, at_work, purpose, outcome, conversation, at, note, decision_id, logged_by, violation \
             FROM contact_attempt WHERE org_id = $1 AND account_id = $2 ORDER BY at DESC, contact_id DESC LIMIT 500",
        )
        .bind(org.org_id)
        .bind(known.account_id)
        .fetch_all(&mut *conn)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ContactView {
                    contact_id: r.try_get("contact_id")?,
                    account_number: known.account_number.clone(),
                    channel: r.try_get("channel")?,
                    direction: r.try_get("direction")?,
                    address: r.try_get("address")?,
                    at_work: r.try_get::<i64, _>("at_work")? == 1,
                    purpose: r.try_get("purpose")?,
                    outcome: r.try_get("outcome")?,
                    conversation: r.try_get::<i64, _>("conversation")? == 1,
                    at: r.try_get("at")?,
                    at_local: local(&r.try_get::<String, _>("at")?, zone),
                    note: r.try_get("note")?,
                    decision_id: r.try_get("decision_id")?,
                    logged_by: r.try_get("logged_by")?,
                    violation: split_rules(&r.try_get::<String, _>("violation")?),
                })
            })
            .collect()
    }

    /// The gate's answers for an account, newest first.
    pub async fn contact_decisions(&self, org: &Organisation, account_number: &str) -> Result<Vec<DecisionView>> {
        self.note_read(org.org_id, "contacts.read", &format!("account:{}", account_number.trim().to_ascii_uppercase()))
            .await?;
        let mut conn = self.pool().acquire().await?;
        let known = self.known(&mut conn, org.org_id, account_number).await?;
        let zone = known.person.zones()[0];
        let rows = sqlx::query(
            "SELECT decision_id, channel, address, purpose, at, allowed, checked, failures, asked_by, allowed_from_local FROM contact_decision \
             WHERE org_id = $1 AND account_id = $2 ORDER BY decision_id DESC LIMIT 500",
        )
        .bind(org.org_id)
        .bind(known.account_id)
        .fetch_all(&mut *conn)
        .await?;
        rows.iter()
            .map(|r| {
                let failures: Vec<FailureView> = serde_json::from_str(&r.try_get::<String, _>("failures")?)?;
                let allowed_from = if failures.iter().any(|f| f.allowed_from.is_none()) {
                    None
                } else {
                    failures.iter().filter_map(|f| f.allowed_from.clone()).max()
                };
                Ok(DecisionView {
                    decision_id: r.try_get("decision_id")?,
                    account_number: known.account_number.clone(),
                    channel: r.try_get("channel")?,
                    address: r.try_get("address")?,
                    purpose: r.try_get("purpose")?,
                    at: r.try_get("at")?,
                    at_local: local(&r.try_get::<String, _>("at")?, zone),
                    allowed: r.try_get::<i64, _>("allowed")? == 1,
                    checked: r
                        .try_get::<String, _>("checked")?
                        .split(',')
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                        .collect(),
                    failures,
                    allowed_from,
                    allowed_from_local: r.try_get("allowed_from_local")?,
                    asked_by: r.try_get("asked_by")?,
                })
            })
            .collect()
    }
}

/// A logged contact's call-back: a day asked for is kept (on or after the
/// contact's own day, within a year), replacing any before it; a call,
/// text or visit on or after a kept day clears it, the call having been made.
async fn call_back(tx: &mut Write<'_>, org_id: i64, known: &Known, view: &ContactView, day: Option<Date>) -> Result<()> {
    let account_id = known.account_id;
    let contact_day = view
        .at
        .get(..10)
        .and_then(|d| d.parse::<Date>().ok())
        .ok_or_else(|| bad("at", "the contact has no day"))?;
    match day {
        Some(day) => {
            let latest = contact_day.checked_add(jiff::Span::new().days(366)).unwrap_or(contact_day);
            if day < contact_day || day > latest {
                return Err(bad(
                    "call_back_on",
                    format!("{day} is not between the contact's day, {contact_day}, and a year after it"),
                ));
            }
            let conn = tx.conn();
            sqlx::query("DELETE FROM collection_call_back WHERE org_id = $1 AND account_id = $2")
                .bind(org_id)
                .bind(account_id)
                .execute(&mut *conn)
                .await?;
            sqlx::query("INSERT INTO collection_call_back (org_id, account_id, call_back_on, contact_id, set_by, set_at) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(org_id)
                .bind(account_id)
                .bind(day.to_string())
                .bind(view.contact_id)
                .bind(&view.logged_by)
                .bind(now_text())
                .execute(&mut *conn)
                .await?;
            let after = serde_json::json!({ "call_back_on": day.to_string(), "contact_id": view.contact_id });
            tx.audit(org_id, "contact.call_back", &format!("account:{}", known.account_number), None, Some(&after))
                .await?;
        }
        None if ["call", "text", "visit"].contains(&view.channel.as_str()) && view.direction == "outbound" => {
            sqlx::query("DELETE FROM collection_call_back WHERE org_id = $1 AND account_id = $2 AND call_back_on <= $3")
                .bind(org_id)
                .bind(account_id)
                .bind(contact_day.to_string())
                .execute(tx.conn())
                .await?;
        }
        None => {}
    }
    Ok(())
}
