//! Contacts with the people who owe: what they asked of us (zone, cease,
//! attorney, work, inconvenient times, opt-outs), disputes, the contact
//! log, and the contact gate. Every outbound contact is asked of
//! `settle_domain::compliance::may_contact` first, with the person and the
//! debt read from the books; every answer is kept (`contact_decision`),
//! allowed or not, and a refused contact is not logged.

use jiff::civil::{Date, Time, Weekday};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use settle_domain::address::KeptAddress;
use settle_domain::compliance::{self, Attempt, CallMade, Channel, Debt, InconvenientTime, OptOut, Person, Policy, Purpose, Rule, UsZone};
use sqlx::{AnyConnection, Row};

use crate::audit::{self, current_actor};
use crate::gate::{contact_row, decision_row, gate, ContactRow, Gated, Record};
use crate::ops::{next_ids, Organisation};
pub use crate::validation_notice::{LetterView, NoticeSent};
use crate::{now_text, Result, Store, StoreError};

pub(crate) fn bad(field: &'static str, message: impl std::fmt::Display) -> StoreError {
    StoreError::invalid(field, message)
}

/// Changes to what the consumer asked of us; a field left out stays.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileUpdate {
    pub account_number: String,
    /// The zone they said they are in (eastern, central, mountain, arizona,
    /// pacific, alaska, hawaii, ...); "" forgets it.
    #[serde(default)]
    pub stated_zone: Option<String>,
    /// When their written request to stop contact arrived (RFC 3339 or a date).
    #[serde(default)]
    pub cease_requested_at: Option<String>,
    /// An attorney who represents them for this debt; "" for none.
    #[serde(default)]
    pub attorney_name: Option<String>,
    #[serde(default)]
    pub attorney_phone: Option<String>,
    #[serde(default)]
    pub no_contact_at_work: Option<bool>,
    /// Spans they said are inconvenient, such as "tue 09:00-12:00" or
    /// "18:00-20:00"; replaces the list.
    #[serde(default)]
    pub inconvenient: Option<Vec<String>>,
    /// Media or addresses they asked us not to use, such as "text" or
    /// "email pat@example.com"; replaces the list.
    #[serde(default)]
    pub opt_outs: Option<Vec<String>>,
    /// When the validation notice (12 CFR 1006.34) was sent.
    #[serde(default)]
    pub validation_sent_on: Option<Date>,
    /// Whether the account's agreement allows late fees (12 CFR 1006.22(b)).
    #[serde(default)]
    pub late_fees_allowed: Option<bool>,
    /// The day a bankruptcy was filed (dunning stops); "" clears it.
    #[serde(default)]
    pub bankruptcy_on: Option<String>,
    /// The day the consumer died (dunning stops); "" clears it.
    #[serde(default)]
    pub deceased_on: Option<String>,
    /// A claim is with the insurer for this balance (dunning waits).
    #[serde(default)]
    pub insurance_pending: Option<bool>,
    /// The phones, emails and addresses that are the person's workplace
    /// (the work rule applies to them unasked); replaces the list.
    #[serde(default)]
    pub work_addresses: Option<Vec<String>>,
    /// For a collection agency: the creditor to whom the debt is owed now
    /// (the validation notice names it); "" for the organisation itself.
    #[serde(default)]
    pub current_creditor: Option<String>,
    /// The creditor as of the itemization date, if another.
    #[serde(default)]
    pub itemization_creditor: Option<String>,
    /// That creditor's account number for the debt.
    #[serde(default)]
    pub creditor_account_number: Option<String>,
}

/// What the consumer answering for an account asked of us.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct ProfileView {
    pub account_number: String,
    /// Who is contacted: the guarantor if there is one, else the account's party.
    pub consumer: String,
    pub stated_zone: String,
    /// The zones the gate keeps to, from what is known.
    pub zones: Vec<String>,
    pub cease_requested_at: Option<String>,
    pub attorney_name: String,
    pub attorney_phone: String,
    pub no_contact_at_work: bool,
    pub inconvenient: Vec<String>,
    pub opt_outs: Vec<String>,
    pub validation_sent_on: Option<String>,
    /// The validation period's last day (receipt assumed five business days after sending, then 30 days).
    pub validation_period_end: Option<String>,
    pub late_fees_allowed: bool,
    pub bankruptcy_on: Option<String>,
    pub deceased_on: Option<String>,
    pub insurance_pending: bool,
    /// The phones, emails and addresses that are the person's workplace.
    #[serde(default)]
    pub work_addresses: Vec<String>,
    /// The creditor to whom the debt is owed now ("" for the organisation itself).
    #[serde(default)]
    pub current_creditor: String,
    /// The creditor as of the itemization date ("" for the current one).
    #[serde(default)]
    pub itemization_creditor: String,
    /// That creditor's account number ("" for the account number).
    #[serde(default)]
    pub creditor_account_number: String,
}

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

/// A dispute received.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDispute {
    pub account_number: String,
    pub received_on: Date,
    #[serde(default)]
    pub note: String,
    /// Not a dispute of the debt but a written request for the original
    /// creditor's name and address (12 CFR 1006.38(c)): it halts collection
    /// alike until the answer is sent (recorded as its verification).
    #[serde(default)]
    pub original_creditor: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct DisputeView {
    pub dispute_id: i64,
    pub account_number: String,
    pub received_on: String,
    pub note: String,
    pub verification_sent_on: Option<String>,
    /// Received within the validation period: collection waits for verification.
    pub within_validation_period: bool,
    /// dispute, or original_creditor (a request for the original creditor's name and address).
    pub kind: String,
}

/// The organisation's footing under the FDCPA.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct CollectionPolicyView {
    /// A debt collector (an agency): every rule holds.
    pub third_party: bool,
    /// A creditor's chosen rules (ids).
    pub first_party_rules: Vec<String>,
    /// Every rule with its citation.
    pub rules: Vec<RuleView>,
    /// Where consumers write to the collector, as printed on letters.
    pub mail_address: String,
    pub phone: String,
    /// When the collector answers, such as "8 a.m. to 5 p.m. Central".
    pub hours: String,
    /// A person of unknown location may be in the territories too (their
    /// zones join the hours rule), not only the fifty states.
    pub territories_when_unknown: bool,
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

/// Rule ids kept comma separated.
pub(crate) fn split_rules(text: &str) -> Vec<String> {
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

pub(crate) fn parse_purpose(text: Option<&str>) -> Result<Purpose> {
    match text.map(|t| t.trim().to_ascii_lowercase()).as_deref() {
        None | Some("") | Some("collection") => Ok(Purpose::Collection),
        Some("cease_response") => Ok(Purpose::CeaseResponse),
        Some("verification") => Ok(Purpose::Verification),
        Some(other) => Err(bad("purpose", format!("{other:?} is not one of collection, cease_response, verification"))),
    }
}

pub(crate) fn purpose_str(p: Purpose) -> &'static str {
    match p {
        Purpose::Collection => "collection",
        Purpose::CeaseResponse => "cease_response",
        Purpose::Verification => "verification",
    }
}

/// "tue 09:00-12:00" or "18:00-20:00".
fn parse_span(text: &str) -> Result<InconvenientTime> {
    let t = text.trim().to_ascii_lowercase();
    let (day, span) = match t.split_once(' ') {
        Some((d, s)) => (Some(d.to_string()), s.trim().to_string()),
        None => (None, t.clone()),
    };
    let weekday = match day.as_deref() {
        None => None,
        Some(d) => Some(match &d[..d.len().min(3)] {
            "mon" => Weekday::Monday,
            "tue" => Weekday::Tuesday,
            "wed" => Weekday::Wednesday,
            "thu" => Weekday::Thursday,
            "fri" => Weekday::Friday,
            "sat" => Weekday::Saturday,
            "sun" => Weekday::Sunday,
            _ => return Err(bad("inconvenient", format!("{text:?}: {d:?} is not a weekday (mon, tue, ...)"))),
        }),
    };
    let (from, to) = span
        .split_once('-')
        .ok_or_else(|| bad("inconvenient", format!("{text:?} is not a span such as \"tue 09:00-12:00\"")))?;
    let time = |s: &str| {
        s.trim()
            .parse::<Time>()
            .map_err(|_| bad("inconvenient", format!("{text:?}: {s:?} is not a time (HH:MM)")))
    };
    Ok(InconvenientTime {
        weekday,
        from: time(from)?,
        to: time(to)?,
    })
}

/// "email" or "email pat@example.com".
fn parse_opt_out(text: &str) -> Result<OptOut> {
    let t = text.trim();
    let (channel, address) = match t.split_once(' ') {
        Some((c, a)) => (c, Some(a.trim().to_string()).filter(|a| !a.is_empty())),
        None => (t, None),
    };
    Ok(OptOut {
        channel: Channel::parse(channel).ok_or_else(|| bad("opt_outs", format!("{text:?}: {channel:?} is not call, text, email, letter or visit")))?,
        address,
    })
}

/// An instant in the first zone the person may be in, for people to read.
pub(crate) fn local(at: &str, zone: UsZone) -> String {
    at.parse::<Timestamp>()
        .map(|t| format!("{} {}", t.to_zoned(zone.tz()).strftime("%Y-%m-%d %H:%M"), zone.name()))
        .unwrap_or_else(|_| at.to_string())
}

fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect()
}

/// The person and the debt as the books have them.
pub(crate) struct Known {
    pub(crate) account_id: i64,
    pub(crate) account_number: String,
    pub(crate) consumer: String,
    pub(crate) person: Person,
    pub(crate) debt: Debt,
    pub(crate) profile: ProfileView,
    pub(crate) phones: Vec<String>,
    pub(crate) emails: Vec<String>,
    pub(crate) address: Option<KeptAddress>,
}

impl Store {
    pub(crate) async fn collection_policy_in(&self, conn: &mut AnyConnection, org_id: i64) -> Result<Policy> {
        let row = sqlx::query("SELECT third_party, first_party_rules, territories_when_unknown FROM collection_policy WHERE org_id = $1")
            .bind(org_id)
            .fetch_optional(&mut *conn)
            .await?;
        Ok(match row {
            None => Policy {
                third_party: false,
                first_party: Policy::first_party_default(),
                territories_when_unknown: false,
            },
            Some(r) => Policy {
                third_party: r.try_get::<i64, _>(0)? == 1,
                first_party: r.try_get::<String, _>(1)?.split(',').filter_map(Rule::parse).collect(),
                territories_when_unknown: r.try_get::<i64, _>(2)? == 1,
            },
        })
    }

    /// Whether the organisation is a debt collector, and a creditor's rules.
    pub async fn collection_policy(&self, org: &Organisation) -> Result<CollectionPolicyView> {
        let mut conn = self.pool().acquire().await?;
        let p = self.collection_policy_in(&mut conn, org.org_id).await?;
        let (mail_address, phone, hours) = self.collector_contact_in(&mut conn, org.org_id).await?;
        Ok(CollectionPolicyView {
            third_party: p.third_party,
            first_party_rules: p.first_party.iter().map(|r| r.id().to_string()).collect(),
            rules: Rule::ALL
                .iter()
                .map(|r| RuleView {
                    rule: r.id().to_string(),
                    citation: r.citation().to_string(),
                })
                .collect(),
            mail_address,
            phone,
            hours,
            territories_when_unknown: p.territories_when_unknown,
        })
    }

    pub(crate) async fn collector_contact_in(&self, conn: &mut AnyConnection, org_id: i64) -> Result<(String, String, String)> {
        let row = sqlx::query("SELECT mail_address, phone, hours FROM collection_policy WHERE org_id = $1")
            .bind(org_id)
            .fetch_optional(&mut *conn)
            .await?;
        Ok(match row {
            Some(r) => (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?),
            None => Default::default(),
        })
    }

    /// Writes the whole policy row (it has no other writer).
    async fn write_collection_policy(&self, conn: &mut AnyConnection, org_id: i64, policy: &Policy, contact: &(String, String, String)) -> Result<()> {
        sqlx::query("DELETE FROM collection_policy WHERE org_id = $1")
            .bind(org_id)
            .execute(&mut *conn)
            .await?;
        sqlx::query(
            "INSERT INTO collection_policy (org_id, third_party, first_party_rules, mail_address, phone, hours, updated_by, updated_at, \
             territories_when_unknown) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(org_id)
        .bind(i64::from(policy.third_party))
        .bind(policy.first_party.iter().map(|r| r.id()).collect::<Vec<_>>().join(","))
        .bind(contact.0.trim())
        .bind(contact.1.trim())
        .bind(contact.2.trim())
        .bind(current_actor().name)
        .bind(now_text())
        .bind(i64::from(policy.territories_when_unknown))
        .execute(&mut *conn)
        .await?;
        // Kept as a version too: `collections verify` asks the gate with the policy of each contact's moment.
        sqlx::query(
            "INSERT INTO collection_policy_version (org_id, seq, recorded_at, third_party, first_party_rules, territories_when_unknown) \
             SELECT $1, COALESCE((SELECT MAX(seq) FROM collection_policy_version WHERE org_id = $1), 0) + 1, $2, third_party, first_party_rules, \
             territories_when_unknown FROM collection_policy WHERE org_id = $1",
        )
        .bind(org_id)
        .bind(now_text())
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    pub async fn set_collection_policy(&self, org: &Organisation, third_party: bool, first_party_rules: &[String]) -> Result<CollectionPolicyView> {
        let mut rules = Vec::new();
        for id in first_party_rules.iter().map(|r| r.trim()).filter(|r| !r.is_empty()) {
            let rule = Rule::parse(id).ok_or_else(|| {
                bad(
                    "first_party_rules",
                    format!("{id:?} is not a rule; the rules: {}", Rule::ALL.map(|r| r.id()).join(", ")),
                )
            })?;
            rules.push(rule);
        }
        let mut tx = self.begin_write().await?;
        let conn = tx.conn();
        let contact = self.collector_contact_in(conn, org.org_id).await?;
        let policy = Policy {
            third_party,
            first_party: rules.clone(),
            territories_when_unknown: self.collection_policy_in(conn, org.org_id).await?.territories_when_unknown,
        };
        self.write_collection_policy(conn, org.org_id, &policy, &contact).await?;
        let after = serde_json::json!({ "third_party": third_party, "first_party_rules": rules.iter().map(|r| r.id()).collect::<Vec<_>>() });
        audit::append(conn, self.for_update(), org.org_id, "collections.policy", "organisation", None, Some(&after)).await?;
        tx.commit().await?;
        self.collection_policy(org).await
    }

    /// Whether a person of unknown location may be in the territories too
    /// (Puerto Rico, the Virgin Islands, Guam, the Northern Marianas,
    /// American Samoa): a choice for a book that reaches them (audited).
    pub async fn set_territories_when_unknown(&self, org: &Organisation, territories: bool) -> Result<CollectionPolicyView> {
        let mut tx = self.begin_write().await?;
        let conn = tx.conn();
        let contact = self.collector_contact_in(conn, org.org_id).await?;
        let policy = Policy {
            territories_when_unknown: territories,
            ..self.collection_policy_in(conn, org.org_id).await?
        };
        self.write_collection_policy(conn, org.org_id, &policy, &contact).await?;
        let after = serde_json::json!({ "territories_when_unknown": territories });
        audit::append(conn, self.for_update(), org.org_id, "collections.policy", "organisation", None, Some(&after)).await?;
        tx.commit().await?;
        self.collection_policy(org).await
    }

    /// Where and when consumers reach the collector, as letters print it.
    pub async fn set_collector_contact(&self, org: &Organisation, mail_address: &str, phone: &str, hours: &str) -> Result<CollectionPolicyView> {
        if mail_address.trim().is_empty() {
            return Err(bad("mail_address", "letters must say where to write: give the mailing address"));
        }
        let mut tx = self.begin_write().await?;
        let conn = tx.conn();
        let policy = self.collection_policy_in(conn, org.org_id).await?;
        let contact = (mail_address.to_string(), phone.to_string(), hours.to_string());
        self.write_collection_policy(conn, org.org_id, &policy, &contact).await?;
        let after = serde_json::json!({ "mail_address": mail_address, "phone": phone, "hours": hours });
        audit::append(conn, self.for_update(), org.org_id, "collections.contact", "organisation", None, Some(&after)).await?;
        tx.commit().await?;
        self.collection_policy(org).await
    }

    async fn known(&self, conn: &mut AnyConnection, org_id: i64, account_number: &str) -> Result<Known> {
        let account = self.account_by_number(conn, org_id, account_number).await?;
        known_many(conn, org_id, Which::Ids(&[account.account_id]))
            .await?
            .remove(&account.account_id)
            .ok_or_else(|| StoreError::not_found("account", account_number))
    }

    /// What the debt's rules look at, read only when the gate is asked: its
    /// disputes and the calls of the last fortnight before `at`.
    pub(crate) async fn read_debt(&self, conn: &mut AnyConnection, org_id: i64, known: &mut Known, at: Timestamp) -> Result<()> {
        for d in sqlx::query(&format!("SELECT {DISPUTE_COLUMNS} FROM dispute WHERE org_id = $1 AND account_id = $2"))
            .bind(org_id)
            .bind(known.account_id)
            .fetch_all(&mut *conn)
            .await?
        {
            known.debt.disputes.push(dispute_from(&d, 0)?);
        }
        // Calls of the last fortnight are all the call rules look at.
        let since = at.checked_sub(jiff::SignedDuration::from_hours(24 * 15)).unwrap_or(at);
        for c in sqlx::query(
            "SELECT at, conversation, direction FROM contact_attempt WHERE org_id = $1 AND account_id = $2 AND channel = 'call' AND at >= $3 \
             AND outcome <> 'not_connected' ORDER BY at",
        )
        .bind(org_id)
        .bind(known.account_id)
        .bind(since.to_string())
        .fetch_all(&mut *conn)
        .await?
        {
            let at: Timestamp = c
                .try_get::<String, _>(0)?
                .parse()
                .map_err(|e| StoreError::Corrupt(format!("contact time: {e}")))?;
            let conversation = c.try_get::<i64, _>(1)? == 1;
            if c.try_get::<String, _>(2)? == "outbound" {
                known.debt.calls.push(CallMade { at, conversation });
            } else if conversation {
                // The consumer called us: a conversation, but not a call we placed.
                known.debt.conversations.push(at);
            }
        }
        Ok(())
    }

    /// What the consumer answering for the account asked of us, and the zones the gate keeps to.
    pub async fn collection_profile(&self, org: &Organisation, account_number: &str) -> Result<ProfileView> {
        self.note_read(org.org_id, "profile.read", &format!("account:{}", account_number.trim().to_ascii_uppercase()))
            .await?;
        let mut conn = self.pool().acquire().await?;
        Ok(self.known(&mut conn, org.org_id, account_number).await?.profile)
    }

    /// Records what the consumer asked of us (audited).
    pub async fn update_collection_profile(&self, org: &Organisation, cmd: &ProfileUpdate) -> Result<ProfileView> {
        if let Some(z) = cmd.stated_zone.as_deref().filter(|z| !z.trim().is_empty()) {
            UsZone::parse(z).ok_or_else(|| {
                bad(
                    "stated_zone",
                    format!("{z:?} is not a US time zone (eastern, central, mountain, arizona, pacific, alaska, hawaii, ...)"),
                )
            })?;
        }
        let cease = match cmd.cease_requested_at.as_deref().filter(|c| !c.trim().is_empty()) {
            Some(c) => Some(parse_instant("cease_requested_at", c)?.to_string()),
            None => None,
        };
        for s in cmd.inconvenient.iter().flatten() {
            parse_span(s)?;
        }
        for o in cmd.opt_outs.iter().flatten() {
            parse_opt_out(o)?;
        }
        let mut tx = self.begin_write().await?;
        let conn = tx.conn();
        let before = self.known(conn, org.org_id, &cmd.account_number).await?;
        let p = &before.profile;
        let zone = cmd
            .stated_zone
            .as_deref()
            .map(|z| UsZone::parse(z).map(UsZone::id).unwrap_or_default())
            .unwrap_or_else(|| p.stated_zone.clone());
        let cease = if cmd.cease_requested_at.is_some() {
            // A date alone: the request counts from the start of that day
            // where the person may be (the earliest of their zones), not
            // from UTC midnight, which is the evening before in the US.
            match cmd.cease_requested_at.as_deref().map(str::trim).and_then(|c| c.parse::<Date>().ok()) {
                Some(day) => before
                    .person
                    .zones()
                    .iter()
                    .filter_map(|z| day.to_zoned(z.tz()).ok().map(|t| t.timestamp()))
                    .min()
                    .map(|t| t.to_string())
                    .or(cease),
                None => cease,
            }
        } else {
            p.cease_requested_at.clone()
        };
        let attorney_name = cmd.attorney_name.clone().unwrap_or_else(|| p.attorney_name.clone());
        let attorney_phone = cmd.attorney_phone.clone().unwrap_or_else(|| p.attorney_phone.clone());
        let work = cmd.no_contact_at_work.unwrap_or(p.no_contact_at_work);
        let inconvenient = cmd.inconvenient.clone().unwrap_or_else(|| p.inconvenient.clone());
        let opt_outs = cmd.opt_outs.clone().unwrap_or_else(|| p.opt_outs.clone());
        let validation = cmd.validation_sent_on.map(|d| d.to_string()).or_else(|| p.validation_sent_on.clone());
        let day = |field: &'static str, given: &Option<String>, was: &Option<String>| -> Result<Option<String>> {
            match given.as_deref().map(str::trim) {
                None => Ok(was.clone()),
                Some("") => Ok(None),
                Some(d) => d
                    .parse::<Date>()
                    .map(|d| Some(d.to_string()))
                    .map_err(|_| bad(field, format!("{d:?} is not a date (YYYY-MM-DD)"))),
            }
        };
        let bankruptcy = day("bankruptcy_on", &cmd.bankruptcy_on, &p.bankruptcy_on)?;
        let deceased = day("deceased_on", &cmd.deceased_on, &p.deceased_on)?;
        let late_fees = cmd.late_fees_allowed.unwrap_or(p.late_fees_allowed);
        let insurance = cmd.insurance_pending.unwrap_or(p.insurance_pending);
        let work_addresses = cmd.work_addresses.clone().unwrap_or_else(|| p.work_addresses.clone());
        let keep = |given: &Option<String>, was: &String| given.as_deref().map(|g| g.trim().to_string()).unwrap_or_else(|| was.clone());
        let current_creditor = keep(&cmd.current_creditor, &p.current_creditor);
        let itemization_creditor = keep(&cmd.itemization_creditor, &p.itemization_creditor);
        let creditor_account_number = keep(&cmd.creditor_account_number, &p.creditor_account_number);
        sqlx::query("DELETE FROM collection_profile WHERE org_id = $1 AND account_id = $2")
            .bind(org.org_id)
            .bind(before.account_id)
            .execute(&mut *conn)
            .await?;
        sqlx::query(
            "INSERT INTO collection_profile (org_id, account_id, stated_zone, cease_requested_at, attorney_name, attorney_phone, no_contact_at_work, \
             inconvenient, opt_outs, validation_sent_on, updated_by, updated_at, late_fees_allowed, bankruptcy_on, deceased_on, insurance_pending, \
             work_addresses, current_creditor, itemization_creditor, creditor_account_number) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)",
        )
        .bind(org.org_id)
        .bind(before.account_id)
        .bind(&zone)
        .bind(cease)
        .bind(attorney_name.trim())
        .bind(attorney_phone.trim())
        .bind(i64::from(work))
        .bind(inconvenient.join("\n"))
        .bind(opt_outs.join("\n"))
        .bind(validation)
        .bind(current_actor().name)
        .bind(now_text())
        .bind(i64::from(late_fees))
        .bind(bankruptcy)
        .bind(deceased)
        .bind(i64::from(insurance))
        .bind(work_addresses.iter().map(|w| w.trim()).filter(|w| !w.is_empty()).collect::<Vec<_>>().join("\n"))
        .bind(current_creditor)
        .bind(itemization_creditor)
        .bind(creditor_account_number)
        .execute(&mut *conn)
        .await?;
        keep_profile_version(conn, org.org_id, before.account_id).await?;
        let after = self.known(conn, org.org_id, &cmd.account_number).await?.profile;
        audit::append(
            conn,
            self.for_update(),
            org.org_id,
            "collections.profile",
            &format!("account:{}", before.account_number),
            Some(&serde_json::to_value(&before.profile)?),
            Some(&serde_json::to_value(&after)?),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Asks the gate, records its answer, and returns it (with the person read in `conn`).
    pub(crate) async fn decide_contact(&self, conn: &mut AnyConnection, org: &Organisation, req: &ContactRequest) -> Result<(Known, Gated)> {
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
        let gated = gate(&known, channel, purpose, address, req.at_work, at, &policy, decision_id, &actor);
        let mut batch = crate::batch::Batch::default();
        batch.add(
            &crate::batch::CONTACT_DECISION,
            decision_row(org.org_id, known.account_id, &gated.view, &now_text()),
        );
        batch.flush(conn, org.org_id).await?;
        Ok((known, gated))
    }

    /// Asks the gate whether a contact may be made; the answer is recorded.
    pub async fn check_contact(&self, org: &Organisation, req: &ContactRequest) -> Result<DecisionView> {
        let mut tx = self.begin_write().await?;
        let (_, gated) = self.decide_contact(tx.conn(), org, req).await?;
        tx.commit().await?;
        Ok(gated.view)
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
        let mut tx = self.begin_write().await?;
        let conn = tx.conn();
        let view = if direction == "outbound" {
            let (known, gated) = self.decide_contact(conn, org, &cmd.contact()).await?;
            let record = match (gated.cleared(), gated.refused()) {
                (Some(cleared), _) => Record::Cleared(cleared),
                (None, Some(refused)) if cmd.violation => Record::Violation(refused),
                _ => {
                    // The refusal is kept; nothing else is written.
                    tx.commit().await?;
                    return Ok(LogOutcome {
                        contact: None,
                        decision: Some(gated.view),
                    });
                }
            };
            let view = self.insert_contact(conn, org, &known, record, &outcome, &cmd.note).await?;
            (view, Some(gated.view))
        } else {
            let at = match cmd.at.as_deref().filter(|a| !a.trim().is_empty()) {
                Some(a) => parse_instant("at", a)?,
                None => Timestamp::now(),
            };
            let known = self.known(conn, org.org_id, &cmd.account_number).await?;
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
            (self.insert_contact(conn, org, &known, record, &outcome, &cmd.note).await?, None)
        };
        tx.commit().await?;
        Ok(LogOutcome {
            contact: Some(view.0),
            decision: view.1,
        })
    }

    /// Writes a row of the contact log, audited: only from a clearance, a
    /// refusal being recorded as a violation, or an inbound contact.
    pub(crate) async fn insert_contact(
        &self,
        conn: &mut AnyConnection,
        org: &Organisation,
        known: &Known,
        record: Record<'_>,
        outcome: &str,
        note: &str,
    ) -> Result<ContactView> {
        let contact_id = next_ids(conn, org.org_id, "contact_attempt", 1).await?;
        let actor = current_actor().name;
        let conversation = is_conversation(outcome);
        let attempt = record.attempt().clone();
        let direction = record.direction();
        let decision_id = record.decision_id();
        let violation = record.violation();
        let mut batch = crate::batch::Batch::default();
        batch.add(
            &crate::batch::CONTACT_ATTEMPT,
            contact_row(ContactRow {
                org_id: org.org_id,
                contact_id,
                record,
                outcome,
                conversation,
                note: note.trim(),
                actor: &actor,
                logged_at: &now_text(),
            }),
        );
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
        audit::append(
            conn,
            self.for_update(),
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
                    contact_id: r.try_get(0)?,
                    account_number: known.account_number.clone(),
                    channel: r.try_get(1)?,
                    direction: r.try_get(2)?,
                    address: r.try_get(3)?,
                    at_work: r.try_get::<i64, _>(4)? == 1,
                    purpose: r.try_get(5)?,
                    outcome: r.try_get(6)?,
                    conversation: r.try_get::<i64, _>(7)? == 1,
                    at: r.try_get(8)?,
                    at_local: local(&r.try_get::<String, _>(8)?, zone),
                    note: r.try_get(9)?,
                    decision_id: r.try_get(10)?,
                    logged_by: r.try_get(11)?,
                    violation: split_rules(&r.try_get::<String, _>(12)?),
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
                let failures: Vec<FailureView> = serde_json::from_str(&r.try_get::<String, _>(7)?)?;
                let allowed_from = if failures.iter().any(|f| f.allowed_from.is_none()) {
                    None
                } else {
                    failures.iter().filter_map(|f| f.allowed_from.clone()).max()
                };
                Ok(DecisionView {
                    decision_id: r.try_get(0)?,
                    account_number: known.account_number.clone(),
                    channel: r.try_get(1)?,
                    address: r.try_get(2)?,
                    purpose: r.try_get(3)?,
                    at: r.try_get(4)?,
                    at_local: local(&r.try_get::<String, _>(4)?, zone),
                    allowed: r.try_get::<i64, _>(5)? == 1,
                    checked: r.try_get::<String, _>(6)?.split(',').filter(|s| !s.is_empty()).map(str::to_string).collect(),
                    failures,
                    allowed_from,
                    allowed_from_local: r.try_get(9)?,
                    asked_by: r.try_get(8)?,
                })
            })
            .collect()
    }

    /// Records a dispute; within the validation period it halts collection
    /// until `dispute_verified`.
    pub async fn record_dispute(&self, org: &Organisation, cmd: &NewDispute) -> Result<DisputeView> {
        let mut tx = self.begin_write().await?;
        let conn = tx.conn();
        let known = self.known(conn, org.org_id, &cmd.account_number).await?;
        let id = next_ids(conn, org.org_id, "dispute", 1).await?;
        sqlx::query(
            "INSERT INTO dispute (org_id, dispute_id, account_id, received_on, note, verification_sent_on, recorded_by, recorded_at, kind) \
             VALUES ($1, $2, $3, $4, $5, NULL, $6, $7, $8)",
        )
        .bind(org.org_id)
        .bind(id)
        .bind(known.account_id)
        .bind(cmd.received_on.to_string())
        .bind(cmd.note.trim())
        .bind(current_actor().name)
        .bind(now_text())
        .bind(if cmd.original_creditor { "original_creditor" } else { "dispute" })
        .execute(&mut *conn)
        .await?;
        let view = self.dispute_in(conn, org.org_id, id).await?;
        audit::append(
            conn,
            self.for_update(),
            org.org_id,
            "dispute.record",
            &format!("account:{}", known.account_number),
            None,
            Some(&serde_json::to_value(&view)?),
        )
        .await?;
        tx.commit().await?;
        Ok(view)
    }

    /// The verification of a dispute was sent: collection may go on.
    pub async fn dispute_verified(&self, org: &Organisation, dispute_id: i64, sent_on: Date) -> Result<DisputeView> {
        let mut tx = self.begin_write().await?;
        let conn = tx.conn();
        let before = self.dispute_in(conn, org.org_id, dispute_id).await?;
        if before.verification_sent_on.is_some() {
            return Err(bad("dispute", format!("dispute {dispute_id}'s verification was already sent")));
        }
        if sent_on.to_string() < before.received_on {
            return Err(bad(
                "sent_on",
                format!("{sent_on} is before the dispute arrived ({}); the verification answers it", before.received_on),
            ));
        }
        sqlx::query("UPDATE dispute SET verification_sent_on = $3 WHERE org_id = $1 AND dispute_id = $2")
            .bind(org.org_id)
            .bind(dispute_id)
            .bind(sent_on.to_string())
            .execute(&mut *conn)
            .await?;
        let after = self.dispute_in(conn, org.org_id, dispute_id).await?;
        audit::append(
            conn,
            self.for_update(),
            org.org_id,
            "dispute.verified",
            &format!("account:{}", after.account_number),
            Some(&serde_json::to_value(&before)?),
            Some(&serde_json::to_value(&after)?),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    async fn dispute_in(&self, conn: &mut AnyConnection, org_id: i64, dispute_id: i64) -> Result<DisputeView> {
        let r = sqlx::query(
            "SELECT d.dispute_id, a.account_number, d.received_on, d.note, d.verification_sent_on, p.validation_sent_on, d.kind FROM dispute d \
             JOIN account a ON a.org_id = d.org_id AND a.account_id = d.account_id \
             LEFT JOIN collection_profile p ON p.org_id = d.org_id AND p.account_id = d.account_id WHERE d.org_id = $1 AND d.dispute_id = $2",
        )
        .bind(org_id)
        .bind(dispute_id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::not_found("dispute", dispute_id))?;
        let received: String = r.try_get(2)?;
        let within = r.try_get::<Option<String>, _>(5)?.and_then(|v| v.parse::<Date>().ok()).is_some_and(|sent| {
            received
                .parse::<Date>()
                .is_ok_and(|d| d <= settle_domain::calendar::validation_period_end(sent))
        });
        Ok(DisputeView {
            dispute_id: r.try_get(0)?,
            account_number: r.try_get(1)?,
            received_on: received,
            note: r.try_get(3)?,
            verification_sent_on: r.try_get(4)?,
            within_validation_period: within,
            kind: r.try_get(6)?,
        })
    }

    /// The account's disputes.
    pub async fn disputes(&self, org: &Organisation, account_number: &str) -> Result<Vec<DisputeView>> {
        self.note_read(org.org_id, "disputes.read", &format!("account:{}", account_number.trim().to_ascii_uppercase()))
            .await?;
        let mut conn = self.pool().acquire().await?;
        let account = self.account_by_number(&mut conn, org.org_id, account_number).await?;
        let ids: Vec<i64> = sqlx::query("SELECT dispute_id FROM dispute WHERE org_id = $1 AND account_id = $2 ORDER BY dispute_id")
            .bind(org.org_id)
            .bind(account.account_id)
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| r.try_get(0))
            .collect::<std::result::Result<_, _>>()?;
        let mut out = Vec::new();
        for id in ids {
            out.push(self.dispute_in(&mut conn, org.org_id, id).await?);
        }
        Ok(out)
    }
}

/// A promise to pay, as the consumer made it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPromise {
    pub account_number: String,
    /// A decimal amount, such as "150.00".
    pub amount: String,
    /// The day they promised to pay by: today or later.
    pub due_on: Date,
    #[serde(default)]
    pub note: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct PromiseView {
    pub promise_id: i64,
    pub account_number: String,
    pub amount: String,
    pub made_on: String,
    pub due_on: String,
    /// The last day a payment still keeps it (the date plus the grace days).
    pub last_day: String,
    /// pending, kept or broken, as of the day asked; cancelled when a newer promise replaced it.
    pub status: String,
    pub kept_on: Option<String>,
    pub note: String,
    pub recorded_by: String,
}

/// Promises to list: one account's, or the organisation's in one status.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PromiseFilter {
    pub account_number: Option<String>,
    /// pending, kept or broken.
    pub status: Option<String>,
}

/// What a review changed.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct PromiseReview {
    pub as_of: String,
    pub kept: Vec<PromiseView>,
    pub broken: Vec<PromiseView>,
    pub still_pending: i64,
}

impl Store {
    /// Payments into the account since `since`, reversals as negative amounts on their own day.
    pub(crate) async fn payments_since(&self, conn: &mut AnyConnection, org_id: i64, account_id: i64, since: &str) -> Result<Vec<(Date, i64)>> {
        let rows = sqlx::query(
            "SELECT p.received_on, p.amount_minor, e.effective_date FROM payment p \
             LEFT JOIN journal_entry e ON e.org_id = p.org_id AND e.entry_id = p.reversal_entry_id \
             WHERE p.org_id = $1 AND p.account_id = $2 AND (p.received_on >= $3 OR e.effective_date >= $3)",
        )
        .bind(org_id)
        .bind(account_id)
        .bind(since)
        .fetch_all(&mut *conn)
        .await?;
        let mut out = Vec::new();
        for r in rows {
            let on: Date = r
                .try_get::<String, _>(0)?
                .parse()
                .map_err(|e| StoreError::Corrupt(format!("payment date: {e}")))?;
            let amount: i64 = r.try_get(1)?;
            out.push((on, amount));
            if let Some(back) = r.try_get::<Option<String>, _>(2)? {
                let back: Date = back.parse().map_err(|e| StoreError::Corrupt(format!("reversal date: {e}")))?;
                out.push((back, -amount));
            }
        }
        Ok(out)
    }

    /// Records a promise to pay; refused (nothing written) if it is not
    /// positive, dated in the past, or more than the account owes.
    pub async fn record_promise(&self, org: &Organisation, cmd: &NewPromise, today: Date) -> Result<PromiseView> {
        let mut tx = self.begin_write().await?;
        let conn = tx.conn();
        let account = self.account_by_number(conn, org.org_id, &cmd.account_number).await?;
        let amount = settle_domain::money::Money::parse(&cmd.amount, account.currency).map_err(|e| bad("amount", e))?;
        settle_domain::promises::check_new(amount.amount_minor(), cmd.due_on, account.balance_minor, today).map_err(|e| match e {
            settle_domain::promises::PromiseError::InThePast { .. } => bad("due_on", e),
            _ => bad("amount", e),
        })?;
        // One promise stands at a time: a new one supersedes what is pending,
        // so the same payment never keeps two.
        sqlx::query("UPDATE promise SET status = 'cancelled', reviewed_at = $3 WHERE org_id = $1 AND account_id = $2 AND status = 'pending'")
            .bind(org.org_id)
            .bind(account.account_id)
            .bind(now_text())
            .execute(&mut *conn)
            .await?;
        let id = next_ids(conn, org.org_id, "promise", 1).await?;
        sqlx::query(
            "INSERT INTO promise (org_id, promise_id, account_id, currency, amount_minor, made_on, due_on, status, kept_on, note, recorded_by, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', NULL, $8, $9, $10)",
        )
        .bind(org.org_id)
        .bind(id)
        .bind(account.account_id)
        .bind(account.currency.code())
        .bind(amount.amount_minor())
        .bind(today.to_string())
        .bind(cmd.due_on.to_string())
        .bind(cmd.note.trim())
        .bind(current_actor().name)
        .bind(now_text())
        .execute(&mut *conn)
        .await?;
        let view = self.promises_in(conn, org, "AND x.promise_id = $2", Some(id), today).await?.remove(0);
        audit::append(
            conn,
            self.for_update(),
            org.org_id,
            "promise.record",
            &format!("account:{}", account.account_number),
            None,
            Some(&serde_json::to_value(&view)?),
        )
        .await?;
        tx.commit().await?;
        Ok(view)
    }

    async fn promises_in(&self, conn: &mut AnyConnection, org: &Organisation, filter: &str, id: Option<i64>, as_of: Date) -> Result<Vec<PromiseView>> {
        let sql = format!(
            "SELECT x.promise_id, a.account_number, x.currency, x.amount_minor, x.made_on, x.due_on, x.status, x.kept_on, x.note, x.recorded_by, x.account_id \
             FROM promise x JOIN account a ON a.org_id = x.org_id AND a.account_id = x.account_id WHERE x.org_id = $1 {filter} \
             ORDER BY x.due_on, x.promise_id LIMIT 1000"
        );
        let mut q = sqlx::query(&sql).bind(org.org_id);
        if let Some(id) = id {
            q = q.bind(id);
        }
        let rows = q.fetch_all(&mut *conn).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let currency = settle_domain::money::Currency::from_code(&r.try_get::<String, _>(2)?).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            let amount: i64 = r.try_get(3)?;
            let made_on: String = r.try_get(4)?;
            let due_on: String = r.try_get(5)?;
            let parse = |t: &str| t.parse::<Date>().map_err(|e| StoreError::Corrupt(format!("promise date: {e}")));
            let (made, due) = (parse(&made_on)?, parse(&due_on)?);
            let stored: String = r.try_get(6)?;
            // A cancelled promise stays as it was; the others are decided from the payments as of the day asked.
            let (status, kept_on) = if stored == "cancelled" {
                (stored, r.try_get::<Option<String>, _>(7)?)
            } else {
                let payments = self.payments_since(conn, org.org_id, r.try_get(10)?, &made_on).await?;
                match settle_domain::promises::state(amount, made, due, &payments, as_of) {
                    settle_domain::promises::PromiseState::Kept(on) => ("kept".to_string(), Some(on.to_string())),
                    other => (other.as_str().to_string(), None),
                }
            };
            out.push(PromiseView {
                promise_id: r.try_get(0)?,
                account_number: r.try_get(1)?,
                amount: settle_domain::money::Money::from_minor(amount, currency).to_decimal_string(),
                made_on,
                due_on,
                last_day: settle_domain::promises::last_day(due).to_string(),
                status,
                kept_on,
                note: r.try_get(8)?,
                recorded_by: r.try_get(9)?,
            });
        }
        Ok(out)
    }

    /// Promises as of `as_of`, each decided from the payments received.
    pub async fn promises(&self, org: &Organisation, filter: &PromiseFilter, as_of: Date) -> Result<Vec<PromiseView>> {
        self.note_read(org.org_id, "promise.list", "promises").await?;
        let mut conn = self.pool().acquire().await?;
        let list = match &filter.account_number {
            Some(n) => {
                let account = self.account_by_number(&mut conn, org.org_id, n).await?;
                self.promises_in(&mut conn, org, "AND x.account_id = $2", Some(account.account_id), as_of)
                    .await?
            }
            None => self.promises_in(&mut conn, org, "", None, as_of).await?,
        };
        Ok(match filter.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) if !["pending", "kept", "broken", "cancelled"].contains(&s) => {
                return Err(bad("status", format!("{s:?} is not one of pending, kept, broken, cancelled")));
            }
            Some(s) => list.into_iter().filter(|p| p.status == s).collect(),
            None => list,
        })
    }

    /// Decides every pending promise as of `as_of` and keeps the answer:
    /// kept when the payments reached it by its last day, broken when that
    /// day passed. Running it twice for one day changes nothing the second time.
    pub async fn review_promises(&self, org: &Organisation, as_of: Date) -> Result<PromiseReview> {
        let mut tx = self.begin_write().await?;
        let conn = tx.conn();
        let pending = self.promises_in(conn, org, "AND x.status = 'pending'", None, as_of).await?;
        let mut review = PromiseReview {
            as_of: as_of.to_string(),
            ..PromiseReview::default()
        };
        for p in pending {
            if p.status == "pending" {
                review.still_pending += 1;
                continue;
            }
            sqlx::query("UPDATE promise SET status = $3, kept_on = $4, reviewed_at = $5 WHERE org_id = $1 AND promise_id = $2 AND status = 'pending'")
                .bind(org.org_id)
                .bind(p.promise_id)
                .bind(&p.status)
                .bind(&p.kept_on)
                .bind(now_text())
                .execute(&mut *conn)
                .await?;
            audit::append(
                conn,
                self.for_update(),
                org.org_id,
                if p.status == "kept" { "promise.kept" } else { "promise.broken" },
                &format!("account:{}", p.account_number),
                None,
                Some(&serde_json::to_value(&p)?),
            )
            .await?;
            if p.status == "kept" {
                review.kept.push(p);
            } else {
                review.broken.push(p);
            }
        }
        tx.commit().await?;
        Ok(review)
    }
}

/// Which accounts [`known_many`] reads.
#[derive(Clone, Copy)]
pub(crate) enum Which<'a> {
    Ids(&'a [i64]),
}

/// The person and the debt as the books have them, for many accounts in a
/// few queries (the dunning run asks the gate for thousands at a time).
pub(crate) async fn known_many(conn: &mut AnyConnection, org_id: i64, which: Which<'_>) -> Result<std::collections::HashMap<i64, Known>> {
    let mut out = std::collections::HashMap::new();
    let conditions: Vec<String> = match which {
        // Ids are numbers, written into the SQL as such.
        Which::Ids(ids) => ids.chunks(500).map(|c| format!("IN ({})", crate::in_list(c))).collect(),
    };
    for cond in conditions {
        let on = |col: &str| format!("{col} {cond}");
        let mut party_of: std::collections::HashMap<i64, Vec<i64>> = std::collections::HashMap::new();
        for r in sqlx::query(&format!(
            "SELECT a.account_id, a.account_number, p.name, p.party_id FROM account a JOIN party p ON p.org_id = a.org_id \
             AND p.party_id = COALESCE(a.guarantor_party_id, a.party_id) WHERE a.org_id = $1 AND {}",
            on("a.account_id")
        ))
        .bind(org_id)
        .fetch_all(&mut *conn)
        .await?
        {
            let account_id: i64 = r.try_get(0)?;
            party_of.entry(r.try_get::<i64, _>(3)?).or_default().push(account_id);
            out.insert(account_id, Known::new(account_id, r.try_get(1)?, r.try_get(2)?));
        }
        add_contacts(conn, org_id, &party_of, &mut out).await?;
        for p in sqlx::query(&format!(
            "SELECT {PROFILE_COLUMNS} FROM collection_profile WHERE org_id = $1 AND {}",
            on("account_id")
        ))
        .bind(org_id)
        .fetch_all(&mut *conn)
        .await?
        {
            if let Some(k) = out.get_mut(&p.try_get::<i64, _>(0)?) {
                k.apply_profile(&p)?;
            }
        }
    }
    for k in out.values_mut() {
        k.finish();
    }
    Ok(out)
}

/// The `dispute` columns [`dispute_from`] reads, in order.
pub(crate) const DISPUTE_COLUMNS: &str = "received_on, verification_sent_on, kind";

/// The gate's view of a dispute, from [`DISPUTE_COLUMNS`] starting at `first`.
pub(crate) fn dispute_from(row: &sqlx::any::AnyRow, first: usize) -> Result<compliance::Dispute> {
    let received: String = row.try_get(first)?;
    Ok(compliance::Dispute {
        received_on: received.parse().map_err(|e| StoreError::Corrupt(format!("dispute date {received:?}: {e}")))?,
        verification_sent_on: row.try_get::<Option<String>, _>(first + 1)?.and_then(|t| t.parse().ok()),
        original_creditor: row.try_get::<String, _>(first + 2)? == "original_creditor",
    })
}

/// Keeps the account's collection profile as it now stands as a new
/// version, so the gate can later be asked with the facts of any moment.
pub(crate) async fn keep_profile_version(conn: &mut AnyConnection, org_id: i64, account_id: i64) -> Result<()> {
    sqlx::query(&format!(
        "INSERT INTO collection_profile_version (org_id, account_id, seq, recorded_at, {cols}) \
         SELECT p.org_id, p.account_id, COALESCE((SELECT MAX(v.seq) FROM collection_profile_version v WHERE v.org_id = p.org_id \
         AND v.account_id = p.account_id), 0) + 1, $3, {pcols} FROM collection_profile p WHERE p.org_id = $1 AND p.account_id = $2",
        cols = PROFILE_COLUMNS.trim_start_matches("account_id, "),
        pcols = PROFILE_COLUMNS
            .trim_start_matches("account_id, ")
            .split(", ")
            .map(|c| format!("p.{}", c.trim()))
            .collect::<Vec<_>>()
            .join(", "),
    ))
    .bind(org_id)
    .bind(account_id)
    .bind(now_text())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The `collection_profile` columns [`Known::apply_profile`] reads, account id first.
pub(crate) const PROFILE_COLUMNS: &str =
    "account_id, stated_zone, cease_requested_at, attorney_name, attorney_phone, no_contact_at_work, inconvenient, opt_outs, \
     validation_sent_on, late_fees_allowed, bankruptcy_on, deceased_on, insurance_pending, work_addresses, current_creditor, itemization_creditor, \
     creditor_account_number";

impl Known {
    /// An account and its consumer, before contacts and profile are added.
    pub(crate) fn new(account_id: i64, account_number: String, consumer: String) -> Known {
        Known {
            account_id,
            profile: ProfileView {
                account_number: account_number.clone(),
                consumer: consumer.clone(),
                ..ProfileView::default()
            },
            account_number,
            consumer,
            person: Person::default(),
            debt: Debt::default(),
            phones: Vec::new(),
            emails: Vec::new(),
            address: None,
        }
    }

    /// Takes the account's collection profile from a row of [`PROFILE_COLUMNS`].
    pub(crate) fn apply_profile(&mut self, p: &sqlx::any::AnyRow) -> Result<()> {
        let (view, person, debt) = (&mut self.profile, &mut self.person, &mut self.debt);
        view.stated_zone = p.try_get(1)?;
        person.stated_zone = UsZone::parse(&view.stated_zone).filter(|_| !view.stated_zone.is_empty());
        view.cease_requested_at = p.try_get(2)?;
        person.cease_requested_at = view.cease_requested_at.as_deref().and_then(|t| t.parse().ok());
        view.attorney_name = p.try_get(3)?;
        view.attorney_phone = p.try_get(4)?;
        person.attorney = !view.attorney_name.is_empty();
        view.no_contact_at_work = p.try_get::<i64, _>(5)? == 1;
        person.no_contact_at_work = view.no_contact_at_work;
        view.inconvenient = lines(&p.try_get::<String, _>(6)?);
        person.inconvenient = view.inconvenient.iter().filter_map(|s| parse_span(s).ok()).collect();
        view.opt_outs = lines(&p.try_get::<String, _>(7)?);
        person.opt_outs = view.opt_outs.iter().filter_map(|s| parse_opt_out(s).ok()).collect();
        view.validation_sent_on = p.try_get(8)?;
        debt.validation_sent_on = view.validation_sent_on.as_deref().and_then(|d| d.parse().ok());
        view.validation_period_end = debt.validation_sent_on.map(|d| settle_domain::calendar::validation_period_end(d).to_string());
        view.late_fees_allowed = p.try_get::<i64, _>(9)? == 1;
        view.bankruptcy_on = p.try_get(10)?;
        view.deceased_on = p.try_get(11)?;
        view.insurance_pending = p.try_get::<i64, _>(12)? == 1;
        view.work_addresses = lines(&p.try_get::<String, _>(13)?);
        person.work_addresses = view.work_addresses.clone();
        view.current_creditor = p.try_get(14)?;
        view.itemization_creditor = p.try_get(15)?;
        view.creditor_account_number = p.try_get(16)?;
        Ok(())
    }

    /// What follows from the contacts and the profile: the state, the phones, the zones.
    pub(crate) fn finish(&mut self) {
        self.person.address = self.address.clone();
        self.person.phones = self.phones.clone();
        self.profile.zones = self.person.zones().iter().map(|z| z.name().to_string()).collect();
    }
}

/// Adds the current phones, emails and postal address of each party's
/// accounts (`party_of`: party id to account ids) to `out`.
pub(crate) async fn add_contacts(
    conn: &mut AnyConnection,
    org_id: i64,
    party_of: &std::collections::HashMap<i64, Vec<i64>>,
    out: &mut std::collections::HashMap<i64, Known>,
) -> Result<()> {
    // The people by the party index, their ids written out: a join on
    // COALESCE, or IN (a subquery), has SQLite scan every contact.
    let parties: Vec<i64> = party_of.keys().copied().collect();
    for ids in parties.chunks(500) {
        // Sorted here, not by ORDER BY: sorting by contact_id has SQLite walk
        // the whole table in key order instead of using the party index.
        let mut rows: Vec<(i64, i64, String, String, Option<KeptAddress>)> = sqlx::query(&format!(
            "SELECT contact_id, party_id, kind, value, {} FROM party_contact WHERE org_id = $1 AND party_id IN ({}) AND valid_to IS NULL",
            crate::address::COLUMNS,
            crate::in_list(ids)
        ))
        .bind(org_id)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|c| {
            Ok((
                c.try_get(0)?,
                c.try_get(1)?,
                c.try_get(2)?,
                c.try_get(3)?,
                crate::address::kept_if_address(c, 2, 3, 4)?,
            ))
        })
        .collect::<Result<_>>()?;
        rows.sort_unstable_by_key(|r| r.0);
        for (_, party_id, kind, value, kept) in rows {
            for account_id in party_of.get(&party_id).into_iter().flatten() {
                let Some(k) = out.get_mut(account_id) else { continue };
                match kind.as_str() {
                    "phone" => k.phones.push(value.clone()),
                    "email" => k.emails.push(value.clone()),
                    "address" if k.address.is_none() => k.address = kept.clone(),
                    _ => {}
                }
            }
        }
    }
    Ok(())
}
