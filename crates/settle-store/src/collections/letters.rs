//! Collection letters: composed from the account's facts, asked of the gate
//! for the mailing day, kept on the account as sent (`settle letter send`, a
//! plan's agreement, a settlement's offer); the day's letters in one PDF. The
//! dunning run composes its letters and emails here too.

use crate::batch::{self, Batch};
use crate::collections::bad;
use crate::collections::contacts::DecisionView;
use crate::collections::gate::{decision_row, gate, sent_row};
use crate::collections::known::{known_many, Known, Which};
use crate::collections::validation_notice::LetterView;
use crate::platform::audit::current_actor;
use crate::platform::Organisation;
use crate::write::{fmt, next_ids};
use crate::write::{Unaudited, Write};
use crate::{now_text, Result, Store, StoreError};
use jiff::civil::Date;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use settle_domain::address::KeptAddress;
use settle_domain::compliance::{Attempt, Channel, Purpose};
use settle_domain::money::Currency;
use settle_pdf::letters::{AnyLetter, CollectionLetter, ReceiptTerms};
use sqlx::{AnyConnection, Row};

/// A letter to send by hand.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendLetter {
    pub account_number: String,
    /// reminder, first_notice, final_notice or receipt (plan agreements and
    /// settlement offers go with their plan or settlement).
    pub kind: String,
    /// For a receipt: the payment it acknowledges.
    #[serde(default)]
    pub payment_id: Option<i64>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct LetterSent {
    pub letter: Option<LetterView>,
    pub decision: DecisionView,
}

fn letter_from(kind: &str, data: &str) -> Result<AnyLetter> {
    Ok(if kind == "validation_notice" {
        AnyLetter::Validation(serde_json::from_str(data)?)
    } else {
        AnyLetter::Collection(serde_json::from_str(data)?)
    })
}

/// What a letter says of the account.
pub(super) struct LetterFacts {
    pub number: String,
    pub currency: Currency,
    pub balance_minor: i64,
    pub past_due_minor: i64,
    pub oldest_past_due: Option<Date>,
}

/// A letter's data from what the books say of the account today.
pub(super) fn compose_letter(
    org: &Organisation,
    collector: &(String, String, String),
    k: &Known,
    a: &LetterFacts,
    kind: &str,
    today: Date,
    first: bool,
) -> settle_pdf::letters::CollectionLetter {
    settle_pdf::letters::CollectionLetter {
        kind: kind.to_string(),
        date: today.to_string(),
        collector: settle_pdf::letters::Party {
            name: org.name.clone(),
            lines: collector.0.split(',').map(|l| l.trim().to_string()).filter(|l| !l.is_empty()).collect(),
        },
        collector_phone: collector.1.clone(),
        collector_hours: collector.2.clone(),
        consumer: settle_pdf::letters::Party {
            name: k.consumer.clone(),
            lines: k.address.as_ref().map(KeptAddress::envelope_lines).unwrap_or_default(),
        },
        creditor: org.name.clone(),
        account_number: a.number.clone(),
        balance: fmt(a.balance_minor, a.currency),
        past_due: fmt(a.past_due_minor, a.currency),
        oldest_due: a.oldest_past_due.map(|d| d.to_string()).unwrap_or_default(),
        days_past_due: a.oldest_past_due.map(|d| i64::from((today - d).get_days()).max(0)).unwrap_or(0),
        plan: None,
        settlement: None,
        receipt: None,
        // The full disclosure on the first letter, the short one after (15 U.S.C. 1692e(11)).
        disclosure: settle_domain::compliance::debt_collector_disclosure(first).to_string(),
    }
}

/// An email's subject and text from the letter it stands for, with the disclosure.
pub(super) fn email_text(l: &settle_pdf::letters::CollectionLetter) -> (String, String) {
    let subject = format!("{}: account {}", l.title(), l.account_number);
    let mut body = format!("Dear {},\n\n", l.consumer.name);
    for p in l.body() {
        body.push_str(&p);
        body.push_str("\n\n");
    }
    body.push_str(&format!(
        "{}\n{}\n{}\n\n{}\n",
        l.collector.name, l.collector_phone, l.collector_hours, l.disclosure
    ));
    (subject, body)
}

impl Store {
    /// What a letter says of the account now.
    async fn letter_facts(&self, conn: &mut AnyConnection, org_id: i64, account_id: i64, today: Date) -> Result<LetterFacts> {
        let account = self.account_by_id(conn, org_id, account_id).await?;
        let r = sqlx::query(
            "SELECT MIN(due_date) AS oldest_past_due, CAST(COALESCE(SUM(balance_minor), 0) AS BIGINT) AS past_due_minor FROM open_item WHERE org_id = $1 AND account_id = $2 AND balance_minor > 0 AND due_date < $3",
        )
        .bind(org_id)
        .bind(account_id)
        .bind(today.to_string())
        .fetch_one(&mut *conn)
        .await?;
        Ok(LetterFacts {
            number: account.account_number,
            currency: account.currency,
            balance_minor: account.balance_minor,
            past_due_minor: r.try_get("past_due_minor")?,
            oldest_past_due: r.try_get::<Option<String>, _>("oldest_past_due")?.and_then(|d| d.parse().ok()),
        })
    }

    /// Sends a letter through the gate in the write `tx`: refused, only the
    /// answer is kept; allowed, the contact is logged and the letter kept,
    /// as sent, and audited.
    pub(super) async fn send_letter_in(
        &self,
        tx: &mut Write<'_>,
        org: &Organisation,
        account_id: i64,
        kind: &str,
        today: Date,
        fill: impl FnOnce(&mut CollectionLetter),
    ) -> Result<(Option<LetterView>, DecisionView)> {
        let conn = tx.conn();
        let mut known = known_many(conn, org.org_id, Which::Ids(&[account_id])).await?;
        let mut k = known.remove(&account_id).ok_or_else(|| StoreError::not_found("account", account_id))?;
        k.consumer()?;
        // The debt's facts too (its disputes above all): a collection letter
        // during a dispute's halt is refused here as it is by `contact check`
        // (12 CFR 1006.38(d)(2)).
        let at = Timestamp::now();
        self.read_debt(conn, org.org_id, &mut k, at).await?;
        let address = k.address.as_ref().map(KeptAddress::one_line).ok_or_else(|| {
            bad(
                "address",
                format!("{} has no postal address on record; add one before sending a letter", k.consumer),
            )
        })?;
        let policy = self.collection_policy_in(conn, org.org_id).await?;
        let collector = self.collector_contact_in(conn, org.org_id).await?;
        let actor = current_actor().name;
        let now = now_text();
        let decision_id = next_ids(conn, org.org_id, "contact_decision", 1).await?;
        let gated = gate(
            &k,
            Attempt {
                channel: Channel::Letter,
                address,
                at_work: false,
                purpose: Purpose::Collection,
                at,
            },
            &policy,
            decision_id,
            &actor,
        )?;
        let mut b = Batch::default();
        b.push(decision_row(org.org_id, account_id, &gated.view, &now));
        let Some(cleared) = gated.cleared() else {
            b.flush(conn, org.org_id).await?;
            return Ok((None, gated.view));
        };
        let facts = self.letter_facts(conn, org.org_id, account_id, today).await?;
        let first: bool = sqlx::query("SELECT 1 FROM contact_attempt WHERE org_id = $1 AND account_id = $2 AND direction = 'outbound'")
            .bind(org.org_id)
            .bind(account_id)
            .fetch_optional(&mut *conn)
            .await?
            .is_none();
        let mut letter = compose_letter(org, &collector, &k, &facts, kind, today, first);
        fill(&mut letter);
        let contact_id = next_ids(conn, org.org_id, "contact_attempt", 1).await?;
        let letter_id = next_ids(conn, org.org_id, "collection_letter", 1).await?;
        b.push(sent_row(org.org_id, contact_id, cleared, letter.title(), &actor, &now));
        b.push(batch::CollectionLetterRow {
            org_id: org.org_id.into(),
            letter_id: letter_id.into(),
            account_id: account_id.into(),
            kind: kind.into(),
            sent_on: today.to_string().into(),
            contact_id: contact_id.into(),
            data: serde_json::to_string(&letter)?.into(),
        });
        b.flush(conn, org.org_id).await?;
        tx.audit(
            org.org_id,
            "letter.send",
            &format!("account:{}", k.account_number),
            None,
            Some(&serde_json::json!({ "letter_id": letter_id, "kind": kind })),
        )
        .await?;
        Ok((
            Some(LetterView {
                letter_id,
                account_number: k.account_number,
                kind: kind.to_string(),
                sent_on: today.to_string(),
                contact_id,
            }),
            gated.view,
        ))
    }

    /// Sends a reminder, a notice or a receipt by hand.
    pub async fn send_letter(&self, org: &Organisation, cmd: &SendLetter, today: Date) -> Result<LetterSent> {
        let kind = cmd.kind.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        if !matches!(kind.as_str(), "reminder" | "first_notice" | "final_notice" | "receipt") {
            return Err(bad(
                "kind",
                format!("{kind:?} is not reminder, first_notice, final_notice or receipt (the validation notice, plan agreement and settlement offer have their own commands)"),
            ));
        }
        let kind = &kind;
        self.write(|tx| {
            Box::pin(async move {
                let conn = tx.conn();
                let account = self.account_by_number(conn, org.org_id, &cmd.account_number).await?;
                let receipt = if kind == "receipt" {
                    let id = cmd.payment_id.ok_or_else(|| bad("payment_id", "a receipt names the payment it acknowledges"))?;
                    let r = sqlx::query(
                        "SELECT received_on, amount_minor, method, reference, status FROM payment WHERE org_id = $1 AND payment_id = $2 AND account_id = $3",
                    )
                    .bind(org.org_id)
                    .bind(id)
                    .bind(account.account_id)
                    .fetch_optional(&mut *conn)
                    .await?
                    .ok_or_else(|| bad("payment_id", format!("account {} has no payment {id}", account.account_number)))?;
                    if crate::write::status::<settle_domain::status::PaymentStatus>(&r, "status")? != settle_domain::status::PaymentStatus::Posted {
                        return Err(bad("payment_id", format!("payment {id} was reversed; there is nothing to acknowledge")));
                    }
                    Some(ReceiptTerms {
                        received_on: r.try_get("received_on")?,
                        amount: fmt(r.try_get("amount_minor")?, account.currency),
                        method: r.try_get("method")?,
                        reference: r.try_get("reference")?,
                    })
                } else {
                    None
                };
                let (letter, decision) = self.send_letter_in(tx, org, account.account_id, kind, today, |l| l.receipt = receipt).await?;
                if letter.is_none() {
                    tx.unaudited(Unaudited::GateDecision);
                }
                Ok(LetterSent { letter, decision })
            })
        })
        .await
    }

    /// A letter as it was sent, any kind.
    pub async fn letter(&self, org: &Organisation, letter_id: i64) -> Result<AnyLetter> {
        self.note_read(org.org_id, "letter.read", &format!("letter:{letter_id}")).await?;
        let mut conn = self.pool().acquire().await?;
        let r = sqlx::query("SELECT kind, data FROM collection_letter WHERE org_id = $1 AND letter_id = $2")
            .bind(org.org_id)
            .bind(letter_id)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| StoreError::not_found("letter", letter_id))?;
        letter_from(&r.try_get::<String, _>("kind")?, &r.try_get::<String, _>("data")?)
    }

    /// Every letter sent on a day, in order, for one PDF to print and mail.
    pub async fn letters_on(&self, org: &Organisation, day: Date) -> Result<Vec<AnyLetter>> {
        self.note_read(org.org_id, "letter.list", &format!("letters:{day}")).await?;
        let mut conn = self.pool().acquire().await?;
        sqlx::query("SELECT kind, data FROM collection_letter WHERE org_id = $1 AND sent_on = $2 ORDER BY letter_id")
            .bind(org.org_id)
            .bind(day.to_string())
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| letter_from(&r.try_get::<String, _>("kind")?, &r.try_get::<String, _>("data")?))
            .collect()
    }
}
