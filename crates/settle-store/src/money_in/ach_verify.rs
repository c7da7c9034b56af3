//! `settle ach verify`: every debit and prenote sent, replayed against the
//! rules (`settle_domain::ach::replay`) with its mandate as it stood the
//! moment its file was made (from the kept changes), its prenote, its
//! retries; and every returned-payment fee against the code it followed.
//! Reads only; a clean answer proves the run and the returns held.

use crate::money_in::ach_setup::channel;
use crate::platform::Organisation;
use crate::write::parse_date;
use crate::{Result, Store, StoreError};
use serde::{Deserialize, Serialize};
use settle_domain::ach::replay::{self, Retry, Sent, StatusChange};
use settle_domain::status::MandateStatus;
use settle_domain::Date;
use sqlx::Row;
use std::collections::HashMap;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct AchFinding {
    pub debit_id: i64,
    pub account_number: String,
    /// authorized, mandate, validation, prenote wait, retries, fee
    pub rule: String,
    pub detail: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct AchVerify {
    pub debits_checked: i64,
    pub fees_checked: i64,
    pub findings: Vec<AchFinding>,
    pub clean: bool,
}

struct SentRow {
    debit_id: i64,
    mandate_id: i64,
    account_number: String,
    prenote: bool,
    effective_on: Date,
    sent_at: jiff::Timestamp,
    retry_of: Option<i64>,
    return_code: Option<String>,
    returned_on: Option<Date>,
    payment_id: Option<i64>,
}

fn instant(text: &str) -> Result<jiff::Timestamp> {
    text.parse().map_err(|_| StoreError::Corrupt(format!("bad instant {text:?} in database")))
}

impl Store {
    pub async fn ach_verify(&self, org: &Organisation) -> Result<AchVerify> {
        let mut conn = self.pool().acquire().await?;
        let mut mandates: HashMap<i64, (settle_domain::ach::mandate::Channel, Date)> = HashMap::new();
        for r in sqlx::query("SELECT mandate_id, channel, authorized_on FROM ach_mandate WHERE org_id = $1")
            .bind(org.org_id)
            .fetch_all(&mut *conn)
            .await?
        {
            mandates.insert(
                r.try_get("mandate_id")?,
                (
                    channel(&r.try_get::<String, _>("channel")?)?,
                    parse_date(&r.try_get::<String, _>("authorized_on")?)?,
                ),
            );
        }
        let mut history: HashMap<i64, Vec<StatusChange>> = HashMap::new();
        for r in sqlx::query("SELECT mandate_id, created_at, after_value FROM ach_mandate_change WHERE org_id = $1 ORDER BY mandate_id, seq")
            .bind(org.org_id)
            .fetch_all(&mut *conn)
            .await?
        {
            // Changes that set a status say it as their "after" (a NOC's or an autopay's do not).
            if let Ok(status) = r.try_get::<String, _>("after_value")?.parse::<MandateStatus>() {
                history.entry(r.try_get("mandate_id")?).or_default().push(StatusChange {
                    at: instant(&r.try_get::<String, _>("created_at")?)?,
                    status,
                });
            }
        }
        let rows = sqlx::query(
            "SELECT d.debit_id, d.mandate_id, a.account_number, d.purpose, d.effective_on, f.created_at AS sent_at, d.retry_of, d.return_code, \
             d.returned_on, d.payment_id FROM ach_debit d JOIN ach_file f ON f.org_id = d.org_id AND f.file_id = d.file_id \
             JOIN account a ON a.org_id = d.org_id AND a.account_id = d.account_id WHERE d.org_id = $1 ORDER BY d.debit_id",
        )
        .bind(org.org_id)
        .fetch_all(&mut *conn)
        .await?;
        let mut sent = Vec::with_capacity(rows.len());
        for r in &rows {
            sent.push(SentRow {
                debit_id: r.try_get("debit_id")?,
                mandate_id: r.try_get("mandate_id")?,
                account_number: r.try_get("account_number")?,
                prenote: r.try_get::<String, _>("purpose")? == "prenote",
                effective_on: parse_date(&r.try_get::<String, _>("effective_on")?)?,
                sent_at: instant(&r.try_get::<String, _>("sent_at")?)?,
                retry_of: r.try_get("retry_of")?,
                return_code: r.try_get("return_code")?,
                returned_on: r.try_get::<Option<String>, _>("returned_on")?.map(|d| parse_date(&d)).transpose()?,
                payment_id: r.try_get("payment_id")?,
            });
        }
        let by_id: HashMap<i64, &SentRow> = sent.iter().map(|s| (s.debit_id, s)).collect();
        let mut findings = Vec::new();
        let mut found = |s: &SentRow, rule: &str, detail: String| {
            findings.push(AchFinding {
                debit_id: s.debit_id,
                account_number: s.account_number.clone(),
                rule: rule.to_string(),
                detail,
            })
        };
        let empty = Vec::new();
        for s in &sent {
            let (channel, authorized_on) = *mandates
                .get(&s.mandate_id)
                .ok_or_else(|| StoreError::Corrupt(format!("debit {} names mandate {} that is not there", s.debit_id, s.mandate_id)))?;
            let prenote_effective_on = sent
                .iter()
                .filter(|p| p.prenote && p.mandate_id == s.mandate_id && p.sent_at < s.sent_at)
                .max_by_key(|p| p.sent_at)
                .map(|p| p.effective_on);
            let retry = s.retry_of.map(|root| {
                let chain: Vec<&SentRow> = sent.iter().filter(|o| o.retry_of == Some(root) && o.debit_id < s.debit_id).collect();
                let before = chain.last().copied().or_else(|| by_id.get(&root).copied());
                Retry {
                    number: chain.len() + 1,
                    original_effective_on: by_id.get(&root).map_or(s.effective_on, |o| o.effective_on),
                    after: before.and_then(|b| Some((b.return_code.clone()?, b.returned_on?))),
                }
            });
            let debit = Sent {
                prenote: s.prenote,
                sent_at: s.sent_at,
                effective_on: s.effective_on,
                authorized_on,
                channel,
                prenote_effective_on,
            };
            for b in replay::check(&debit, history.get(&s.mandate_id).unwrap_or(&empty), retry.as_ref()) {
                found(s, b.rule, b.detail);
            }
        }
        // Fees: each returned payment's fee entry against its code.
        let mut fees_checked = 0;
        for s in sent.iter().filter(|s| s.return_code.is_some()) {
            let (Some(payment_id), Some(code), Some(on)) = (s.payment_id, &s.return_code, s.returned_on) else {
                continue;
            };
            let fees: i64 = sqlx::query("SELECT COUNT(*) AS n FROM journal_entry WHERE org_id = $1 AND memo = $2")
                .bind(org.org_id)
                .bind(format!("Returned payment fee, payment {payment_id}"))
                .fetch_one(&mut *conn)
                .await?
                .try_get("n")?;
            fees_checked += fees;
            if fees > 0 {
                if let Some(b) = replay::check_fee(code, on) {
                    found(s, b.rule, b.detail);
                }
            }
        }
        Ok(AchVerify {
            debits_checked: sent.len() as i64,
            fees_checked,
            clean: findings.is_empty(),
            findings,
        })
    }
}
