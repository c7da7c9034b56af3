//! The person and the debt as the contact gate reads them from the books:
//! the consumer answering for an account (the guarantor, else the party), their
//! phones, emails and postal address, what they asked of us, and the debt's
//! disputes and validation period. Read one at a time or many at once.

use crate::collections::disputes::{dispute_from, DISPUTE_COLUMNS};
use crate::collections::lines;
use crate::collections::profile::{parse_opt_out, parse_span, ProfileView};
use crate::{Result, Store, StoreError};
use jiff::Timestamp;
use settle_domain::address::KeptAddress;
use settle_domain::compliance::{CallMade, Debt, Person, UsZone};
use sqlx::{AnyConnection, Row};

/// The person and the debt as the books have them.
pub(super) struct Known {
    pub(super) account_id: i64,
    pub(super) account_number: String,
    pub(super) consumer: String,
    pub(super) person: Person,
    pub(super) debt: Debt,
    pub(super) profile: ProfileView,
    pub(super) phones: Vec<String>,
    pub(super) emails: Vec<String>,
    pub(super) address: Option<KeptAddress>,
    /// The account is a payer's receivable (insurance AR): no consumer
    /// owes it, so the gate lets no collection contact through.
    pub(super) payer: bool,
}

/// Which accounts [`known_many`] reads.
#[derive(Clone, Copy)]
pub(super) enum Which<'a> {
    Ids(&'a [i64]),
}

/// The person and the debt as the books have them, for many accounts in a
/// few queries (the dunning run asks the gate for thousands at a time).
pub(super) async fn known_many(conn: &mut AnyConnection, org_id: i64, which: Which<'_>) -> Result<std::collections::HashMap<i64, Known>> {
    let mut out = std::collections::HashMap::new();
    let conditions: Vec<String> = match which {
        // Ids are numbers, written into the SQL as such.
        Which::Ids(ids) => ids.chunks(500).map(|c| format!("IN ({})", crate::in_list(c))).collect(),
    };
    for cond in conditions {
        let on = |col: &str| format!("{col} {cond}");
        let mut party_of: std::collections::HashMap<i64, Vec<i64>> = std::collections::HashMap::new();
        for r in sqlx::query(&format!(
            "SELECT a.account_id, a.account_number, a.ar_kind, p.name, p.party_id FROM account a JOIN party p ON p.org_id = a.org_id \
             AND p.party_id = COALESCE(a.guarantor_party_id, a.party_id) WHERE a.org_id = $1 AND {}",
            on("a.account_id")
        ))
        .bind(org_id)
        .fetch_all(&mut *conn)
        .await?
        {
            let account_id: i64 = r.try_get("account_id")?;
            party_of.entry(r.try_get::<i64, _>("party_id")?).or_default().push(account_id);
            let mut known = Known::new(account_id, r.try_get("account_number")?, r.try_get("name")?);
            known.payer = r.try_get::<String, _>("ar_kind")? == settle_domain::account::ArKind::Insurance.as_str();
            out.insert(account_id, known);
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
            if let Some(k) = out.get_mut(&p.try_get::<i64, _>("account_id")?) {
                k.apply_profile(&p)?;
            }
        }
    }
    for k in out.values_mut() {
        k.finish();
    }
    Ok(out)
}

/// The `collection_profile` columns [`Known::apply_profile`] reads, account id first.
pub(super) const PROFILE_COLUMNS: &str =
    "account_id, stated_zone, cease_requested_at, attorney_name, attorney_phone, no_contact_at_work, inconvenient, opt_outs, \
     validation_sent_on, late_fees_allowed, bankruptcy_on, deceased_on, insurance_pending, work_addresses, current_creditor, itemization_creditor, \
     creditor_account_number";

impl Known {
    /// An account and its consumer, before contacts and profile are added.
    pub(super) fn new(account_id: i64, account_number: String, consumer: String) -> Known {
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
            payer: false,
        }
    }

    /// Refuses a consumer contact about a payer's receivable: payers are
    /// worked by claim follow-up, never contacted as debtors.
    pub(super) fn consumer(&self) -> Result<()> {
        if self.payer {
            return Err(StoreError::invalid(
                "account_number",
                format!(
                    "{} is a payer's receivable ({}): payers are worked by claim follow-up (settle follow-up, the Follow-up page), never contacted or written to as consumers",
                    self.account_number, self.consumer
                ),
            ));
        }
        Ok(())
    }

    /// Takes the account's collection profile from a row of [`PROFILE_COLUMNS`].
    pub(super) fn apply_profile(&mut self, p: &sqlx::any::AnyRow) -> Result<()> {
        let (view, person, debt) = (&mut self.profile, &mut self.person, &mut self.debt);
        view.stated_zone = p.try_get("stated_zone")?;
        person.stated_zone = UsZone::parse(&view.stated_zone).filter(|_| !view.stated_zone.is_empty());
        view.cease_requested_at = p.try_get("cease_requested_at")?;
        person.cease_requested_at = view.cease_requested_at.as_deref().and_then(|t| t.parse().ok());
        view.attorney_name = p.try_get("attorney_name")?;
        view.attorney_phone = p.try_get("attorney_phone")?;
        person.attorney = !view.attorney_name.is_empty();
        view.no_contact_at_work = p.try_get::<i64, _>("no_contact_at_work")? == 1;
        person.no_contact_at_work = view.no_contact_at_work;
        view.inconvenient = lines(&p.try_get::<String, _>("inconvenient")?);
        person.inconvenient = view.inconvenient.iter().filter_map(|s| parse_span(s).ok()).collect();
        view.opt_outs = lines(&p.try_get::<String, _>("opt_outs")?);
        person.opt_outs = view.opt_outs.iter().filter_map(|s| parse_opt_out(s).ok()).collect();
        view.validation_sent_on = p.try_get("validation_sent_on")?;
        debt.validation_sent_on = view.validation_sent_on.as_deref().and_then(|d| d.parse().ok());
        view.validation_period_end = debt.validation_sent_on.map(|d| settle_domain::calendar::validation_period_end(d).to_string());
        view.late_fees_allowed = p.try_get::<i64, _>("late_fees_allowed")? == 1;
        view.bankruptcy_on = p.try_get("bankruptcy_on")?;
        view.deceased_on = p.try_get("deceased_on")?;
        view.insurance_pending = p.try_get::<i64, _>("insurance_pending")? == 1;
        view.work_addresses = lines(&p.try_get::<String, _>("work_addresses")?);
        person.work_addresses = view.work_addresses.clone();
        view.current_creditor = p.try_get("current_creditor")?;
        view.itemization_creditor = p.try_get("itemization_creditor")?;
        view.creditor_account_number = p.try_get("creditor_account_number")?;
        Ok(())
    }

    /// What follows from the contacts and the profile: the state, the phones, the zones.
    pub(super) fn finish(&mut self) {
        self.person.address = self.address.clone();
        self.person.phones = self.phones.clone();
        self.profile.zones = self.person.zones().iter().map(|z| z.name().to_string()).collect();
    }
}

/// Adds the current phones, emails and postal address of each party's
/// accounts (`party_of`: party id to account ids) to `out`.
pub(super) async fn add_contacts(
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
                c.try_get("contact_id")?,
                c.try_get("party_id")?,
                c.try_get("kind")?,
                c.try_get("value")?,
                crate::address::kept_if_address(c, "")?,
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

impl Store {
    pub(super) async fn known(&self, conn: &mut AnyConnection, org_id: i64, account_number: &str) -> Result<Known> {
        let account = self.account_by_number(conn, org_id, account_number).await?;
        known_many(conn, org_id, Which::Ids(&[account.account_id]))
            .await?
            .remove(&account.account_id)
            .ok_or_else(|| StoreError::not_found("account", account_number))
    }

    /// What the debt's rules look at, read only when the gate is asked: its
    /// disputes and the calls of the last fortnight before `at`.
    pub(super) async fn read_debt(&self, conn: &mut AnyConnection, org_id: i64, known: &mut Known, at: Timestamp) -> Result<()> {
        for d in sqlx::query(&format!("SELECT {DISPUTE_COLUMNS} FROM dispute WHERE org_id = $1 AND account_id = $2"))
            .bind(org_id)
            .bind(known.account_id)
            .fetch_all(&mut *conn)
            .await?
        {
            known.debt.disputes.push(dispute_from(&d)?);
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
                .try_get::<String, _>("at")?
                .parse()
                .map_err(|e| StoreError::Corrupt(format!("contact time: {e}")))?;
            let conversation = c.try_get::<i64, _>("conversation")? == 1;
            if c.try_get::<String, _>("direction")? == "outbound" {
                known.debt.calls.push(CallMade { at, conversation });
            } else if conversation {
                // The consumer called us: a conversation, but not a call we placed.
                known.debt.conversations.push(at);
            }
        }
        Ok(())
    }
}
