//! `settle collections verify`: the contact log replayed against the gate.
//! Every outbound contact (call, letter, email, text, visit) is asked of
//! `settle_domain::compliance::may_contact` again, at its own instant and
//! with the facts as the books knew them when it was logged: the collection
//! profile's version then, the policy's version then, the disputes recorded
//! by then, the calls logged before it, the phones and address in force on
//! that day. A contact the gate would refuse is a finding; a contact logged
//! as a violation is listed apart, as what it is. This is to the contact
//! rules what `settle verify` is to the ledger: a proof from the records,
//! not from the code paths that wrote them.

use std::collections::HashMap;

use jiff::civil::Date;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use settle_domain::address::KeptAddress;
use settle_domain::compliance::{self, Attempt, CallMade, Channel, Dispute, Policy, Rule};
use sqlx::{AnyConnection, Row};

use crate::collections::disputes::{dispute_from, DISPUTE_COLUMNS};
use crate::collections::known::{known_many, Known, Which, PROFILE_COLUMNS};
use crate::collections::{local, split_rules};
use crate::platform::Organisation;
use crate::{Result, Store, StoreError};

/// One contact the replay speaks of.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct GateFinding {
    pub contact_id: i64,
    pub account_number: String,
    pub channel: String,
    pub address: String,
    pub purpose: String,
    pub at: String,
    /// The same instant in the person's own time.
    pub at_local: String,
    pub logged_by: String,
    pub logged_at: String,
    /// The rules it was logged as breaking (a deliberate violation record).
    pub recorded_violation: Vec<String>,
    /// What the gate says of it now, with the facts of its moment: each
    /// failed rule as "rule (citation): reason".
    pub reasons: Vec<String>,
}

/// An address on record that names no state Settle can read: the gate
/// counts it as a location unknown (every zone), never as no address.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct UnplacedAddress {
    pub account_number: String,
    pub address: String,
}

/// The replay's answer.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct GateReplay {
    /// No contact went out that the gate refuses (`refused` is empty).
    pub clean: bool,
    /// Outbound contacts asked of the gate again.
    pub checked: usize,
    /// Contacts the gate refuses that were not logged as violations: each is
    /// a contact that went out past the gate. None on sound books.
    pub refused: Vec<GateFinding>,
    /// Contacts logged as violations (they happened against the rules and
    /// were recorded as such).
    pub violations: Vec<GateFinding>,
    /// Current addresses of accounts contacted that the gate cannot place
    /// (it keeps every zone's hours for them): worth correcting.
    #[serde(default)]
    pub unplaced_addresses: Vec<UnplacedAddress>,
}

/// A row of the contact log, as the replay reads it.
struct Logged {
    contact_id: i64,
    account_id: i64,
    channel: String,
    outbound: bool,
    address: String,
    at_work: bool,
    purpose: String,
    outcome: String,
    conversation: bool,
    at: Timestamp,
    /// Compared as an instant: as text, "05.12Z" sorts after "05.123Z".
    logged_at: Timestamp,
    logged_at_text: String,
    logged_by: String,
    violation: String,
}

fn instant(text: &str, what: &str) -> Result<Timestamp> {
    text.parse().map_err(|e| StoreError::Corrupt(format!("{what} {text:?}: {e}")))
}

/// The value in force at `when` among versions sorted by their recording time.
fn as_of<T>(versions: &[(Timestamp, T)], when: Timestamp) -> Option<&T> {
    versions.iter().take_while(|(at, _)| *at <= when).last().map(|(_, v)| v)
}

impl Store {
    /// Replays every outbound contact of the organisation against the gate.
    pub async fn collections_verify(&self, org: &Organisation) -> Result<GateReplay> {
        // It reads every contacted person's log, requests and addresses.
        self.note_read(org.org_id, "contacts.replay", "organisation").await?;
        let mut conn = self.pool().acquire().await?;
        let conn = &mut *conn;
        let log = read_log(conn, org.org_id).await?;
        let accounts: Vec<i64> = {
            let mut ids: Vec<i64> = log.iter().filter(|c| c.outbound).map(|c| c.account_id).collect();
            ids.sort_unstable();
            ids.dedup();
            ids
        };
        let mut replay = GateReplay {
            clean: true,
            ..GateReplay::default()
        };
        if accounts.is_empty() {
            return Ok(replay);
        }
        let base = known_many(conn, org.org_id, Which::Ids(&accounts)).await?;
        let policies = read_policies(conn, org.org_id).await?;
        let profiles = read_profiles(conn, org.org_id).await?;
        let disputes = read_disputes(conn, org.org_id).await?;
        let addresses = read_addresses(conn, org.org_id, &accounts).await?;
        let default_policy = Policy {
            third_party: false,
            first_party: Policy::first_party_default(),
            territories_when_unknown: false,
        };
        let mut by_account: HashMap<i64, Vec<&Logged>> = HashMap::new();
        for c in &log {
            by_account.entry(c.account_id).or_default().push(c);
        }
        for account_id in &accounts {
            let Some(known) = base.get(account_id) else { continue };
            if let Some(address) = known.address.as_ref().filter(|a| a.zones().is_none()).map(KeptAddress::one_line) {
                replay.unplaced_addresses.push(UnplacedAddress {
                    account_number: known.account_number.clone(),
                    address: address.to_string(),
                });
            }
        }
        for account_id in accounts {
            let Some(known) = base.get(&account_id) else { continue };
            let history = &by_account[&account_id];
            for c in history.iter().filter(|c| c.outbound) {
                let mut k = known_as_of(known, profiles.get(&account_id), addresses.get(&account_id), c.logged_at)?;
                for (recorded_at, d) in disputes.get(&account_id).into_iter().flatten() {
                    if *recorded_at <= c.logged_at {
                        k.debt.disputes.push(d.clone());
                    }
                }
                let since = c.at.checked_sub(jiff::SignedDuration::from_hours(24 * 15)).unwrap_or(c.at);
                for earlier in history.iter().filter(|e| {
                    (e.logged_at, e.contact_id) < (c.logged_at, c.contact_id) && e.channel == "call" && e.outcome != "not_connected" && e.at >= since
                }) {
                    if earlier.outbound {
                        k.debt.calls.push(CallMade {
                            at: earlier.at,
                            conversation: earlier.conversation,
                        });
                    } else if earlier.conversation {
                        k.debt.conversations.push(earlier.at);
                    }
                }
                let attempt = Attempt {
                    channel: Channel::parse(&c.channel).ok_or_else(|| StoreError::Corrupt(format!("contact {}: channel {:?}", c.contact_id, c.channel)))?,
                    address: c.address.clone(),
                    at_work: c.at_work,
                    purpose: crate::collections::parse_purpose(Some(&c.purpose))?,
                    at: c.at,
                };
                let policy = as_of(&policies, c.logged_at).unwrap_or(&default_policy);
                let decision = compliance::may_contact(&k.person, &k.debt, &attempt, policy);
                replay.checked += 1;
                if decision.allowed() && c.violation.is_empty() {
                    continue;
                }
                let finding = GateFinding {
                    contact_id: c.contact_id,
                    account_number: k.account_number.clone(),
                    channel: c.channel.clone(),
                    address: c.address.clone(),
                    purpose: c.purpose.clone(),
                    at: c.at.to_string(),
                    at_local: local(&c.at.to_string(), k.person.zones()[0]),
                    logged_by: c.logged_by.clone(),
                    logged_at: c.logged_at_text.clone(),
                    recorded_violation: split_rules(&c.violation),
                    reasons: decision
                        .failures
                        .iter()
                        .map(|f| format!("{} ({}): {}", f.rule.id(), f.citation, f.reason))
                        .collect(),
                };
                if c.violation.is_empty() {
                    replay.refused.push(finding);
                } else {
                    replay.violations.push(finding);
                }
            }
        }
        replay.clean = replay.refused.is_empty();
        Ok(replay)
    }
}

/// The person as the books knew them at `when`: the profile's version then
/// and the phones, emails and postal address in force that day.
fn known_as_of(
    current: &Known,
    profiles: Option<&Vec<(Timestamp, sqlx::any::AnyRow)>>,
    addresses: Option<&Vec<Contactable>>,
    when: Timestamp,
) -> Result<Known> {
    let mut k = Known::new(current.account_id, current.account_number.clone(), current.consumer.clone());
    if let Some(row) = profiles.and_then(|p| as_of(p, when)) {
        k.apply_profile(row)?;
    }
    let day: Option<Date> = Some(when.to_zoned(jiff::tz::TimeZone::UTC).date());
    for a in addresses.into_iter().flatten() {
        let in_force = day.is_none_or(|d| a.from <= d && a.to.is_none_or(|to| to > d));
        if !in_force {
            continue;
        }
        match a.kind.as_str() {
            "phone" => k.phones.push(a.value.clone()),
            "email" => k.emails.push(a.value.clone()),
            "address" if k.address.is_none() => k.address = a.kept.clone(),
            _ => {}
        }
    }
    k.finish();
    Ok(k)
}

async fn read_log(conn: &mut AnyConnection, org_id: i64) -> Result<Vec<Logged>> {
    sqlx::query(
        "SELECT contact_id, account_id, channel, direction, address, at_work, purpose, outcome, conversation, at, logged_at, logged_by, violation \
         FROM contact_attempt WHERE org_id = $1",
    )
    .bind(org_id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| {
        Ok(Logged {
            contact_id: r.try_get("contact_id")?,
            account_id: r.try_get("account_id")?,
            channel: r.try_get("channel")?,
            outbound: r.try_get::<String, _>("direction")? == "outbound",
            address: r.try_get("address")?,
            at_work: r.try_get::<i64, _>("at_work")? == 1,
            purpose: r.try_get("purpose")?,
            outcome: r.try_get("outcome")?,
            conversation: r.try_get::<i64, _>("conversation")? == 1,
            at: instant(&r.try_get::<String, _>("at")?, "contact time")?,
            logged_at: instant(&r.try_get::<String, _>("logged_at")?, "logged at")?,
            logged_at_text: r.try_get("logged_at")?,
            logged_by: r.try_get("logged_by")?,
            violation: r.try_get("violation")?,
        })
    })
    .collect::<Result<Vec<_>>>()
    .map(|mut log| {
        log.sort_by_key(|c| (c.account_id, c.logged_at, c.contact_id));
        log
    })
}

async fn read_policies(conn: &mut AnyConnection, org_id: i64) -> Result<Vec<(Timestamp, Policy)>> {
    sqlx::query("SELECT recorded_at, third_party, first_party_rules, territories_when_unknown FROM collection_policy_version WHERE org_id = $1 ORDER BY seq")
        .bind(org_id)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| {
            Ok((
                instant(&r.try_get::<String, _>("recorded_at")?, "policy version")?,
                Policy {
                    third_party: r.try_get::<i64, _>("third_party")? == 1,
                    first_party: r.try_get::<String, _>("first_party_rules")?.split(',').filter_map(Rule::parse).collect(),
                    territories_when_unknown: r.try_get::<i64, _>("territories_when_unknown")? == 1,
                },
            ))
        })
        .collect()
}

/// Each account's profile versions, oldest first, as rows of [`PROFILE_COLUMNS`].
async fn read_profiles(conn: &mut AnyConnection, org_id: i64) -> Result<HashMap<i64, Vec<(Timestamp, sqlx::any::AnyRow)>>> {
    let mut out: HashMap<i64, Vec<(Timestamp, sqlx::any::AnyRow)>> = HashMap::new();
    for r in sqlx::query(&format!(
        "SELECT {PROFILE_COLUMNS}, recorded_at FROM collection_profile_version WHERE org_id = $1 ORDER BY account_id, seq"
    ))
    .bind(org_id)
    .fetch_all(&mut *conn)
    .await?
    {
        let account_id: i64 = r.try_get("account_id")?;
        let recorded_at = instant(&r.try_get::<String, _>("recorded_at")?, "profile version")?;
        out.entry(account_id).or_default().push((recorded_at, r));
    }
    Ok(out)
}

async fn read_disputes(conn: &mut AnyConnection, org_id: i64) -> Result<HashMap<i64, Vec<(Timestamp, Dispute)>>> {
    let mut out: HashMap<i64, Vec<(Timestamp, Dispute)>> = HashMap::new();
    for r in sqlx::query(&format!("SELECT account_id, recorded_at, {DISPUTE_COLUMNS} FROM dispute WHERE org_id = $1"))
        .bind(org_id)
        .fetch_all(&mut *conn)
        .await?
    {
        out.entry(r.try_get("account_id")?)
            .or_default()
            .push((instant(&r.try_get::<String, _>("recorded_at")?, "dispute recorded at")?, dispute_from(&r)?));
    }
    Ok(out)
}

/// A phone, email or postal address of an account's person, with the days it held.
struct Contactable {
    kind: String,
    value: String,
    /// A postal address by its fields (or its old text).
    kept: Option<KeptAddress>,
    from: Date,
    to: Option<Date>,
}

/// Account, contact id, kind, value, from, to, and an address's fields.
type ContactRow = (i64, i64, String, String, String, Option<String>, Option<KeptAddress>);

async fn read_addresses(conn: &mut AnyConnection, org_id: i64, accounts: &[i64]) -> Result<HashMap<i64, Vec<Contactable>>> {
    let mut out: HashMap<i64, Vec<Contactable>> = HashMap::new();
    let day = |text: String| -> Result<Date> {
        text.get(..10)
            .unwrap_or(&text)
            .parse()
            .map_err(|e| StoreError::Corrupt(format!("contact date {text:?}: {e}")))
    };
    for ids in accounts.chunks(500) {
        let mut rows: Vec<ContactRow> = sqlx::query(&format!(
            "SELECT a.account_id, c.contact_id, c.kind, c.value, c.valid_from, c.valid_to, {} FROM account a JOIN party_contact c \
             ON c.org_id = a.org_id AND c.party_id = COALESCE(a.guarantor_party_id, a.party_id) WHERE a.org_id = $1 AND a.account_id IN ({})",
            crate::address::columns_of("c"),
            crate::in_list(ids)
        ))
        .bind(org_id)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| {
            Ok((
                r.try_get("account_id")?,
                r.try_get("contact_id")?,
                r.try_get("kind")?,
                r.try_get("value")?,
                r.try_get("valid_from")?,
                r.try_get("valid_to")?,
                crate::address::kept_if_address(r, "c_")?,
            ))
        })
        .collect::<Result<_>>()?;
        // In the order the gate reads them: by contact id.
        rows.sort_unstable_by_key(|r| (r.0, r.1));
        for (account_id, _, kind, value, from, to, kept) in rows {
            out.entry(account_id).or_default().push(Contactable {
                kind,
                value,
                kept,
                from: day(from)?,
                to: to.map(day).transpose()?,
            });
        }
    }
    Ok(out)
}
