//! The validation notice (12 CFR 1006.34, Model Form B-1): the debt
//! itemized from the journal, sent as a letter through the contact gate on
//! the day it is mailed, logged, and its date kept (it starts the validation
//! period the dispute rule counts from); and the letters kept on an account.

use crate::write::Unaudited;
use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};
use serde::{Deserialize, Serialize};
use settle_domain::address::KeptAddress;
use settle_domain::compliance;
use sqlx::{AnyConnection, Row};

use crate::collections::bad;
use crate::collections::contacts::{ContactRequest, DecisionView};
use crate::collections::gate::Record;
use crate::collections::profile::keep_profile_version;
use crate::platform::audit::current_actor;
use crate::platform::Organisation;
use crate::write::next_ids;
use crate::{now_text, Result, Store, StoreError};

/// What sending a validation notice did: the notice (to print), or the
/// gate's refusal.
pub struct NoticeSent {
    pub notice: Option<settle_pdf::letters::ValidationNotice>,
    /// The letter as kept on the account.
    pub letter: Option<LetterView>,
    pub decision: DecisionView,
}

/// A collection letter kept on the account.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct LetterView {
    pub letter_id: i64,
    pub account_number: String,
    /// validation_notice.
    pub kind: String,
    pub sent_on: String,
    pub contact_id: i64,
}

impl Store {
    /// The itemization of the account's debt (12 CFR 1006.34(c)(2)): as of
    /// the later of the last charge's date (the transaction date) and the
    /// last payment's, then the fees charged and the payments and credits
    /// since, all from the journal, so that the lines add up to what is
    /// owed now by construction.
    async fn itemization(&self, conn: &mut AnyConnection, org_id: i64, account_id: i64) -> Result<(String, &'static str, i64, i64, i64, i64)> {
        let charge: Option<String> = sqlx::query("SELECT MAX(issue_date) AS issue_date FROM open_item WHERE org_id = $1 AND account_id = $2 AND kind <> 'fee'")
            .bind(org_id)
            .bind(account_id)
            .fetch_one(&mut *conn)
            .await?
            .try_get("issue_date")?;
        // A payment that bounced (reversed) is not the last payment.
        let paid: Option<String> =
            sqlx::query("SELECT MAX(received_on) AS received_on FROM payment WHERE org_id = $1 AND account_id = $2 AND amount_minor > 0 AND status = 'posted'")
                .bind(org_id)
                .bind(account_id)
                .fetch_one(&mut *conn)
                .await?
                .try_get("received_on")?;
        let (mut date, mut kind) = match (charge, paid) {
            (Some(c), Some(p)) if p > c => (p, "the last payment date"),
            (Some(c), _) => (c, "the transaction date"),
            (None, Some(p)) => (p, "the last payment date"),
            (None, None) => return Err(bad("account_number", "the account has no charges: there is no debt to validate")),
        };
        // Model Form B-1 itemizes only interest, fees and payments or
        // credits since the date: a later debit that is none of these (a
        // bounced payment's reversal) moves the date to its own.
        let later_debit: Option<String> = sqlx::query(
            "SELECT MAX(p.effective_date) AS effective_date FROM posting p JOIN open_item o ON o.org_id = p.org_id AND o.item_id = p.item_id \
             WHERE p.org_id = $1 AND p.account_id = $2 AND p.gl_code IN ('1100', '1110', '1120') AND p.effective_date > $3 AND o.kind <> 'fee' \
             AND p.amount_minor > 0",
        )
        .bind(org_id)
        .bind(account_id)
        .bind(date.clone())
        .fetch_one(&mut *conn)
        .await?
        .try_get("effective_date")?;
        if let Some(later) = later_debit {
            date = later;
            kind = "the transaction date";
        }
        let sum = |sql: &'static str| sqlx::query(sql).bind(org_id).bind(account_id).bind(date.clone());
        let then: i64 = sum(
            "SELECT CAST(COALESCE(SUM(p.amount_minor), 0) AS BIGINT) AS amount_minor FROM posting p WHERE p.org_id = $1 AND p.account_id = $2 \
             AND p.gl_code IN ('1100', '1110', '1120') AND p.effective_date <= $3",
        )
        .fetch_one(&mut *conn)
        .await?
        .try_get("amount_minor")?;
        let fees: i64 = sum(
            "SELECT CAST(COALESCE(SUM(p.amount_minor), 0) AS BIGINT) AS amount_minor FROM posting p JOIN open_item o ON o.org_id = p.org_id AND o.item_id = p.item_id \
             WHERE p.org_id = $1 AND p.account_id = $2 AND p.gl_code IN ('1100', '1110', '1120') AND p.effective_date > $3 AND o.kind = 'fee'",
        )
        .fetch_one(&mut *conn)
        .await?
        .try_get("amount_minor")?;
        let other: i64 = sum(
            "SELECT CAST(COALESCE(SUM(p.amount_minor), 0) AS BIGINT) AS amount_minor FROM posting p JOIN open_item o ON o.org_id = p.org_id AND o.item_id = p.item_id \
             WHERE p.org_id = $1 AND p.account_id = $2 AND p.gl_code IN ('1100', '1110', '1120') AND p.effective_date > $3 AND o.kind <> 'fee'",
        )
        .fetch_one(&mut *conn)
        .await?
        .try_get("amount_minor")?;
        // Debits after the date were moved before it: what is left are payments and credits.
        Ok((date, kind, then, fees, (-other).max(0), then + fees + other))
    }

    /// Sends the validation notice (12 CFR 1006.34) for the account as a
    /// letter through the gate: refused, nothing is logged; sent, the letter
    /// is logged and the notice's date kept (it starts the validation
    /// period), in one transaction. The notice is returned to be printed.
    pub async fn send_validation_notice(&self, org: &Organisation, account_number: &str, today: Date) -> Result<NoticeSent> {
        self.write(|tx| Box::pin(async move {
            let conn = tx.conn();
            let (mail_address, phone, hours) = self.collector_contact_in(conn, org.org_id).await?;
            if mail_address.is_empty() {
                return Err(bad(
                    "mail_address",
                    "the notice must say where to write: set the collector's address first (settle collections contact --address ...)",
                ));
            }
            // The notice is dated the day it is mailed: today or a mailing day
            // within 30 days, never the past (its validation period would
            // already be running, or gone).
            let now_day = jiff::Zoned::now().date();
            if today < now_day {
                return Err(bad(
                    "as_of",
                    format!("{today} is in the past: a validation notice is dated the day it is mailed (today, {now_day}, or a later mailing day)"),
                ));
            }
            if today > now_day.checked_add(30.days()).unwrap_or(now_day) {
                return Err(bad(
                    "as_of",
                    format!("{today} is more than 30 days ahead: date the notice when it will be mailed"),
                ));
            }
            // The gate is asked for the mailing day: now, or that day's start.
            let at = if today == now_day {
                Timestamp::now()
            } else {
                today.to_zoned(jiff::tz::TimeZone::UTC).map(|z| z.timestamp()).map_err(|e| bad("as_of", e))?
            };
            let request = ContactRequest {
                account_number: account_number.to_string(),
                channel: "letter".into(),
                address: None,
                at_work: false,
                purpose: None,
                at: Some(at.to_string()),
            };
            let (known, gated) = self.decide_contact(conn, org, &request).await?;
            let Some(cleared) = gated.cleared() else {
                tx.unaudited(Unaudited::GateDecision);
                return Ok(NoticeSent {
                    notice: None,
                    letter: None,
                    decision: gated.view,
                });
            };
            if let Some(sent) = &known.profile.validation_sent_on {
                return Err(bad("account_number", format!("a validation notice was already sent for this debt on {sent}")));
            }
            let account = self.account_by_id(conn, org.org_id, known.account_id).await?;
            let (date, kind, then, fees, paid, now) = self.itemization(conn, org.org_id, known.account_id).await?;
            debug_assert_eq!(now, account.balance_minor, "the itemization adds up to the balance");
            let item_day: Date = date.parse().map_err(|e| StoreError::Corrupt(format!("itemization date {date:?}: {e}")))?;
            if item_day > today {
                return Err(bad(
                    "as_of",
                    format!("{today} is before the debt's itemization date ({item_day}): the notice cannot predate the debt"),
                ));
            }
            let long = settle_domain::calendar::long_date;
            let p = &known.profile;
            let fmt = |m: i64| settle_domain::money::Money::from_minor(m, account.currency).to_decimal_string();
            let notice = settle_pdf::letters::ValidationNotice {
                date: long(today),
                collector: settle_pdf::letters::Party {
                    name: org.name.clone(),
                    lines: mail_address.split(',').map(|l| l.trim().to_string()).filter(|l| !l.is_empty()).collect(),
                },
                collector_phone: phone.clone(),
                collector_hours: hours.clone(),
                consumer: settle_pdf::letters::Party {
                    name: known.consumer.clone(),
                    lines: known.address.as_ref().map(KeptAddress::envelope_lines).unwrap_or_default(),
                },
                reference: known.account_number.clone(),
                creditor: if p.current_creditor.is_empty() {
                    org.name.clone()
                } else {
                    p.current_creditor.clone()
                },
                account_number: known.account_number.clone(),
                itemization_creditor: p.itemization_creditor.clone(),
                creditor_account_number: p.creditor_account_number.clone(),
                spanish_offer: false,
                itemization_date: long(item_day),
                itemization_kind: kind.to_string(),
                owed_then: fmt(then),
                interest_since: fmt(0),
                fees_since: fmt(fees),
                paid_since: fmt(paid),
                owed_now: fmt(now),
                respond_by: long(settle_domain::calendar::validation_period_end(today)),
                disclosure: compliance::debt_collector_disclosure(true).to_string(),
            };
            let contact = self
                .insert_contact(tx, org, &known, Record::Cleared(cleared), "sent", "validation notice (12 CFR 1006.34)")
                .await?;
            let conn = tx.conn();
            let letter_id = next_ids(conn, org.org_id, "collection_letter", 1).await?;
            sqlx::query(
                "INSERT INTO collection_letter (org_id, letter_id, account_id, kind, sent_on, contact_id, data) VALUES ($1, $2, $3, 'validation_notice', $4, $5, $6)",
            )
            .bind(org.org_id)
            .bind(letter_id)
            .bind(known.account_id)
            .bind(today.to_string())
            .bind(contact.contact_id)
            .bind(serde_json::to_string(&notice)?)
            .execute(&mut *conn)
            .await?;
            sqlx::query("UPDATE collection_profile SET validation_sent_on = $3 WHERE org_id = $1 AND account_id = $2")
                .bind(org.org_id)
                .bind(known.account_id)
                .bind(today.to_string())
                .execute(&mut *conn)
                .await?;
            if sqlx::query("SELECT 1 FROM collection_profile WHERE org_id = $1 AND account_id = $2")
                .bind(org.org_id)
                .bind(known.account_id)
                .fetch_optional(&mut *conn)
                .await?
                .is_none()
            {
                sqlx::query("INSERT INTO collection_profile (org_id, account_id, validation_sent_on, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5)")
                    .bind(org.org_id)
                    .bind(known.account_id)
                    .bind(today.to_string())
                    .bind(current_actor().name)
                    .bind(now_text())
                    .execute(&mut *conn)
                    .await?;
            }
            keep_profile_version(conn, org.org_id, known.account_id).await?;
            Ok(NoticeSent {
                notice: Some(notice),
                letter: Some(LetterView {
                    letter_id,
                    account_number: known.account_number,
                    kind: "validation_notice".into(),
                    sent_on: today.to_string(),
                    contact_id: contact.contact_id,
                }),
                decision: gated.view,
            })
        }))
        .await
    }

    /// The collection letters sent on an account, newest first.
    pub async fn letters(&self, org: &Organisation, account_number: &str) -> Result<Vec<LetterView>> {
        self.note_read(org.org_id, "letter.list", &format!("account:{}", account_number.trim().to_ascii_uppercase()))
            .await?;
        let mut conn = self.pool().acquire().await?;
        let account = self.account_by_number(&mut conn, org.org_id, account_number).await?;
        let rows =
            sqlx::query("SELECT letter_id, kind, sent_on, contact_id FROM collection_letter WHERE org_id = $1 AND account_id = $2 ORDER BY letter_id DESC")
                .bind(org.org_id)
                .bind(account.account_id)
                .fetch_all(&mut *conn)
                .await?;
        rows.iter()
            .map(|r| {
                Ok(LetterView {
                    letter_id: r.try_get("letter_id")?,
                    account_number: account.account_number.clone(),
                    kind: r.try_get("kind")?,
                    sent_on: r.try_get("sent_on")?,
                    contact_id: r.try_get("contact_id")?,
                })
            })
            .collect()
    }
}
