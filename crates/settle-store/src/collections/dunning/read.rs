//! One chunk of accounts read with everything the run decides on: balance,
//! past due, level reached, pauses (disputes, plans, claims, cease,
//! bankruptcy, death), fees charged, promises and the last contact.

use crate::collections::dunning::policy::Settings;
use crate::collections::known::PROFILE_COLUMNS;
use crate::collections::letters::LetterFacts;
use crate::write::status;
use crate::{Result, Store, StoreError};
use jiff::civil::Date;
use settle_domain::dunning::{Facts, Pause};
use settle_domain::money::Currency;
use settle_domain::status::PromiseStatus;
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;

/// One account as the run reads it.
pub(in crate::collections) struct AccountFacts {
    pub(in crate::collections) account_id: i64,
    pub(in crate::collections) number: String,
    pub(in crate::collections) name: String,
    /// Who is written to: the guarantor, or else the account's party.
    pub(in crate::collections) party_id: i64,
    /// The account's `collection_profile` row ([`PROFILE_COLUMNS`]), if any.
    pub(in crate::collections) profile: Option<sqlx::any::AnyRow>,
    pub(in crate::collections) currency: Currency,
    pub(in crate::collections) ar_kind: String,
    pub(in crate::collections) facts: Facts,
    pub(in crate::collections) stage: String,
    pub(in crate::collections) level_name: Option<String>,
    pub(in crate::collections) late_fees_allowed: bool,
    pub(in crate::collections) fees_charged: i64,
    pub(in crate::collections) promise_due: bool,
    pub(in crate::collections) broken_recently: bool,
    pub(in crate::collections) broken_total: i64,
    pub(in crate::collections) last_contact: Option<Date>,
    pub(in crate::collections) pause_queue: bool,
    /// Levels a pause was already recorded for.
    pub(in crate::collections) paused_levels: Vec<String>,
}

fn parse_day(text: &str) -> Option<Date> {
    text.get(..10).and_then(|d| d.parse().ok())
}

impl AccountFacts {
    pub(in crate::collections) fn letter_facts(&self) -> LetterFacts {
        LetterFacts {
            number: self.number.clone(),
            currency: self.currency,
            balance_minor: self.facts.balance_minor,
            past_due_minor: self.facts.past_due_minor,
            oldest_past_due: self.facts.oldest_past_due,
        }
    }
}

impl Store {
    /// Reads one chunk of accounts (ids from `lo` up to `hi`) with everything the run decides on.
    pub(in crate::collections) async fn read_chunk(
        &self,
        conn: &mut AnyConnection,
        org_id: i64,
        (lo, hi): (i64, i64),
        today: Date,
        settings: &Settings,
    ) -> Result<Vec<AccountFacts>> {
        let range = |sql: &'static str| sqlx::query(sql).bind(org_id).bind(lo).bind(hi);
        let mut out: Vec<AccountFacts> = Vec::new();
        let mut index: HashMap<i64, usize> = HashMap::new();
        for r in range(
            "SELECT a.account_id, a.account_number, p.name, a.currency, a.ar_kind, a.balance_minor, d.level_seq, d.level_name, d.stage, d.held_on, p.party_id \
             FROM account a JOIN party p ON p.org_id = a.org_id AND p.party_id = COALESCE(a.guarantor_party_id, a.party_id) \
             LEFT JOIN dunning_state d ON d.org_id = a.org_id AND d.account_id = a.account_id \
             WHERE a.org_id = $1 AND a.account_id >= $2 AND a.account_id < $3 AND (a.balance_minor > 0 OR d.account_id IS NOT NULL) ORDER BY a.account_id",
        )
        .fetch_all(&mut *conn)
        .await?
        {
            let account_id: i64 = r.try_get("account_id")?;
            let level_name: Option<String> = r.try_get("level_name")?;
            let level_seq: Option<i64> = r.try_get("level_seq")?;
            // The level by name, so that a changed policy keeps what was reached.
            let level = level_name.as_deref().map(|n| {
                settings
                    .policy
                    .levels
                    .iter()
                    .position(|l| l.name == n)
                    .unwrap_or_else(|| (level_seq.unwrap_or(1) - 1).clamp(0, settings.policy.levels.len() as i64 - 1) as usize)
            });
            index.insert(account_id, out.len());
            out.push(AccountFacts {
                account_id,
                number: r.try_get("account_number")?,
                name: r.try_get("name")?,
                party_id: r.try_get("party_id")?,
                profile: None,
                currency: Currency::from_code(&r.try_get::<String, _>("currency")?).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                ar_kind: r.try_get("ar_kind")?,
                facts: Facts {
                    balance_minor: r.try_get("balance_minor")?,
                    level,
                    held: r.try_get::<Option<String>, _>("held_on")?.is_some(),
                    payer: r.try_get::<String, _>("ar_kind")? == settle_domain::account::ArKind::Insurance.as_str(),
                    ..Facts::default()
                },
                stage: r.try_get::<Option<String>, _>("stage")?.unwrap_or_default(),
                level_name,
                late_fees_allowed: false,
                fees_charged: 0,
                promise_due: false,
                broken_recently: false,
                broken_total: 0,
                last_contact: None,
                pause_queue: false,
                paused_levels: Vec::new(),
            });
        }
        if out.is_empty() {
            return Ok(out);
        }
        let today_text = today.to_string();
        for r in sqlx::query(
            "SELECT account_id, MIN(due_date) AS due_date, CAST(SUM(balance_minor) AS BIGINT) AS balance_minor FROM open_item \
             WHERE org_id = $1 AND account_id >= $2 AND account_id < $3 AND balance_minor > 0 AND due_date < $4 GROUP BY account_id",
        )
        .bind(org_id)
        .bind(lo)
        .bind(hi)
        .bind(&today_text)
        .fetch_all(&mut *conn)
        .await?
        {
            if let Some(&i) = index.get(&r.try_get::<i64, _>("account_id")?) {
                out[i].facts.oldest_past_due = r.try_get::<String, _>("due_date")?.parse().ok();
                out[i].facts.past_due_minor = r.try_get("balance_minor")?;
            }
        }
        let profiles = format!("SELECT {PROFILE_COLUMNS} FROM collection_profile WHERE org_id = $1 AND account_id >= $2 AND account_id < $3");
        for r in sqlx::query(&profiles).bind(org_id).bind(lo).bind(hi).fetch_all(&mut *conn).await? {
            let Some(&i) = index.get(&r.try_get::<i64, _>("account_id")?) else { continue };
            let a = &mut out[i];
            // By PROFILE_COLUMNS' order.
            if r.try_get::<Option<String>, _>("cease_requested_at")?.is_some() {
                a.facts.pauses.push(Pause::Cease);
            }
            if r.try_get::<Option<String>, _>("bankruptcy_on")?.is_some() {
                a.facts.pauses.push(Pause::Bankruptcy);
            }
            if r.try_get::<Option<String>, _>("deceased_on")?.is_some() {
                a.facts.pauses.push(Pause::Deceased);
            }
            if r.try_get::<i64, _>("insurance_pending")? == 1 {
                a.facts.pauses.push(Pause::InsurancePending);
            }
            a.late_fees_allowed = r.try_get::<i64, _>("late_fees_allowed")? == 1;
            // Represented by an attorney: no calls to the consumer, so no queue.
            a.pause_queue = !r.try_get::<String, _>("attorney_name")?.is_empty();
            a.profile = Some(r);
        }
        for r in range("SELECT DISTINCT account_id FROM dispute WHERE org_id = $1 AND account_id >= $2 AND account_id < $3 AND verification_sent_on IS NULL")
            .fetch_all(&mut *conn)
            .await?
        {
            if let Some(&i) = index.get(&r.try_get::<i64, _>("account_id")?) {
                out[i].facts.pauses.push(Pause::Dispute);
            }
        }
        for r in range(
            "SELECT DISTINCT account_id FROM payment_plan WHERE org_id = $1 AND account_id >= $2 AND account_id < $3 AND status = 'active' AND missed = 0",
        )
        .fetch_all(&mut *conn)
        .await?
        {
            if let Some(&i) = index.get(&r.try_get::<i64, _>("account_id")?) {
                out[i].facts.pauses.push(Pause::Plan);
            }
        }
        for r in range(
            "SELECT DISTINCT account_id FROM claim WHERE org_id = $1 AND account_id >= $2 AND account_id < $3 AND status IN ('ready', 'submitted', 'accepted')",
        )
        .fetch_all(&mut *conn)
        .await?
        {
            if let Some(&i) = index.get(&r.try_get::<i64, _>("account_id")?) {
                out[i].facts.pauses.push(Pause::InsurancePending);
            }
        }
        for r in range(
            "SELECT account_id, CAST(SUM(amount_minor) AS BIGINT) AS fees_minor FROM dunning_action WHERE org_id = $1 AND account_id >= $2 AND account_id < $3 \
             AND action = 'fee' AND outcome = 'done' GROUP BY account_id",
        )
        .fetch_all(&mut *conn)
        .await?
        {
            if let Some(&i) = index.get(&r.try_get::<i64, _>("account_id")?) {
                out[i].fees_charged = r.try_get("fees_minor")?;
            }
        }
        for r in range("SELECT account_id, level_name FROM dunning_action WHERE org_id = $1 AND account_id >= $2 AND account_id < $3 AND outcome = 'paused'")
            .fetch_all(&mut *conn)
            .await?
        {
            if let Some(&i) = index.get(&r.try_get::<i64, _>("account_id")?) {
                out[i].paused_levels.push(r.try_get("level_name")?);
            }
        }
        let recent = today.checked_sub(jiff::Span::new().days(30)).unwrap_or(today);
        for r in range(
            "SELECT account_id, status, due_on FROM promise WHERE org_id = $1 AND account_id >= $2 AND account_id < $3 AND status IN ('pending', 'broken')",
        )
        .fetch_all(&mut *conn)
        .await?
        {
            let Some(&i) = index.get(&r.try_get::<i64, _>("account_id")?) else { continue };
            let status: PromiseStatus = status(&r, "status")?;
            let due: Option<Date> = r.try_get::<String, _>("due_on")?.parse().ok();
            let a = &mut out[i];
            if status == PromiseStatus::Broken {
                a.broken_total += 1;
                // Broken once its grace ran out: recent if that was in the last 30 days.
                if due.is_some_and(|d| settle_domain::promises::last_day(d) >= recent) {
                    a.broken_recently = true;
                }
            } else if due.is_some_and(|d| settle_domain::promises::falling_due(d, today)) {
                a.promise_due = true;
            }
        }
        for r in
            range("SELECT account_id, MAX(at) AS last_at FROM contact_attempt WHERE org_id = $1 AND account_id >= $2 AND account_id < $3 GROUP BY account_id")
                .fetch_all(&mut *conn)
                .await?
        {
            if let Some(&i) = index.get(&r.try_get::<i64, _>("account_id")?) {
                out[i].last_contact = r.try_get::<Option<String>, _>("last_at")?.as_deref().and_then(parse_day);
            }
        }
        Ok(out)
    }
}
