//! The email outbox: emails the contact gate allowed wait here until the
//! sender (in `settle serve`, or `settle outbox send`) hands them to an SMTP
//! server. Queuing is not sending: at delivery the outbox asks the gate
//! again, at that instant and with the facts as they are then
//! ([`Store::clear_email`]); an email refused only for the hour is held
//! until it opens, any other refusal cancels it, the reason kept. Only a
//! cleared email can be marked sent, and the contact is logged then. Every
//! email ends with the opt-out statement (12 CFR 1006.6(e)) and, when the
//! server knows its public address, a link that records the opt-out.
//! A failed attempt is retried after 2, 4, 8 and 16 minutes; after
//! the fifth it is given up as failed, with the server's last answer kept.
//! The store does no network I/O: it says what is due and records what the
//! sender reports.

use crate::write::Unaudited;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use settle_domain::status::EmailStatus;
use sqlx::Row;

use settle_domain::compliance::{self, Attempt, Channel, Purpose};

use crate::batch::Batch;
use crate::collections::gate::{decision_row, gate, sent_row, Cleared};
use crate::collections::known::{known_many, Which};
use crate::platform::audit::current_actor;
use crate::platform::Organisation;
use crate::write::next_ids;
use crate::{now_text, Result, Store, StoreError};

/// Attempts before an email is given up.
pub const MAX_ATTEMPTS: i64 = 5;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct OutboxEmail {
    pub org_id: i64,
    pub email_id: i64,
    pub account_number: String,
    pub to_address: String,
    pub subject: String,
    pub body: String,
    /// queued, sent, failed, or cancelled (by the gate at delivery, or an opt-out)
    pub status: String,
    pub attempts: i64,
    pub not_before: String,
    pub last_error: String,
    pub sent_at: Option<String>,
}

const SELECT: &str =
    "SELECT e.org_id, e.email_id, a.account_number, e.to_address, e.subject, e.body, e.status, e.attempts, e.not_before, e.last_error, e.sent_at \
     FROM email_outbox e JOIN account a ON a.org_id = e.org_id AND a.account_id = e.account_id";

fn from_row(r: &sqlx::any::AnyRow) -> Result<OutboxEmail> {
    Ok(OutboxEmail {
        org_id: r.try_get("org_id")?,
        email_id: r.try_get("email_id")?,
        account_number: r.try_get("account_number")?,
        to_address: r.try_get("to_address")?,
        subject: r.try_get("subject")?,
        body: r.try_get("body")?,
        status: r.try_get("status")?,
        attempts: r.try_get("attempts")?,
        not_before: r.try_get("not_before")?,
        last_error: r.try_get("last_error")?,
        sent_at: r.try_get("sent_at")?,
    })
}

/// The `email_outbox` row of an email queued for `not_before`.
/// An email for the outbox: to whom, what, and from when it may go.
pub(super) struct NewEmail<'a> {
    pub(super) to: &'a str,
    pub(super) subject: &'a str,
    pub(super) body: &'a str,
    pub(super) not_before: &'a str,
    /// The contact log's row for it.
    pub(super) contact_id: i64,
}

pub(super) fn queued_row(org_id: i64, email_id: i64, account_id: i64, email: NewEmail<'_>, created_at: &str) -> crate::batch::EmailOutboxRow {
    let NewEmail {
        to,
        subject,
        body,
        not_before,
        contact_id,
    } = email;
    let mut token = [0u8; 16];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut token);
    crate::batch::EmailOutboxRow {
        org_id: org_id.into(),
        email_id: email_id.into(),
        account_id: account_id.into(),
        to_address: to.into(),
        subject: subject.into(),
        body: body.into(),
        status: "queued".into(),
        attempts: 0i64.into(),
        not_before: not_before.into(),
        last_error: "".into(),
        contact_id: contact_id.into(),
        created_at: created_at.into(),
        sent_at: None::<String>.into(),
        opt_out_token: hex::encode(token).into(),
        decision_id: None::<i64>.into(),
    }
}

/// What the gate said when the outbox asked again at delivery.
#[derive(Debug)]
pub enum Clearing {
    /// Send it now: the body with the opt-out statement.
    Send(Box<ReadyEmail>),
    /// Refused for now; the email waits until the gate opens.
    Held { until: String, reason: String },
    /// Refused for good (a cease, an opt-out, a dispute, an attorney): not sent.
    Cancelled { reason: String },
    /// No longer queued and due (another sender took it, or it was cancelled).
    Gone,
}

/// An email the gate cleared at delivery: the only thing [`Store::email_sent`] takes.
#[derive(Debug)]
pub struct ReadyEmail {
    pub email: OutboxEmail,
    cleared: Cleared,
    contact_id: i64,
}

/// The link a consumer opens to stop collection email to an address.
pub fn opt_out_link(public_url: &str, token: &str) -> String {
    format!("{}/opt-out/{token}", public_url.trim_end_matches('/'))
}

/// An opt-out link's email, as its page shows it.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct OptOutTarget {
    pub organisation: String,
    pub address: String,
    /// Already recorded for this address.
    pub done: bool,
}

/// The email an opt-out link's token names: its organisation, and the
/// address as the page shows it (with whether its opt-out is recorded).
async fn opt_out_lookup(conn: &mut sqlx::AnyConnection, token: &str) -> Result<Option<(i64, OptOutTarget)>> {
    if token.len() != 32 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    let Some(r) = sqlx::query(
        "SELECT o.name, e.to_address, e.org_id, p.opt_outs FROM email_outbox e JOIN organisation o ON o.org_id = e.org_id \
         LEFT JOIN collection_profile p ON p.org_id = e.org_id AND p.account_id = e.account_id WHERE e.opt_out_token = $1",
    )
    .bind(token.to_ascii_lowercase())
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    let address: String = r.try_get("to_address")?;
    let line = format!("email {address}");
    let done = r
        .try_get::<Option<String>, _>("opt_outs")?
        .is_some_and(|o| o.lines().any(|l| l.trim().eq_ignore_ascii_case(&line)));
    Ok(Some((
        r.try_get("org_id")?,
        OptOutTarget {
            organisation: r.try_get("name")?,
            address,
            done,
        },
    )))
}

impl Store {
    /// Asks the gate again about a queued email at the instant of delivery,
    /// with the facts as they are now; the answer is kept. Cleared, the
    /// email is returned ready to hand to the SMTP server with the opt-out
    /// statement; otherwise it is held or cancelled, the reason kept.
    pub async fn clear_email(&self, email: &OutboxEmail, now: Timestamp, public_url: Option<&str>) -> Result<Clearing> {
        self.write(|tx| {
            Box::pin(async move {
                let conn = tx.conn();
                let row = sqlx::query(
                    "SELECT account_id, contact_id, opt_out_token, not_before FROM email_outbox WHERE org_id = $1 AND email_id = $2 AND status = 'queued'",
                )
                .bind(email.org_id)
                .bind(email.email_id)
                .fetch_optional(&mut *conn)
                .await?;
                let Some(row) = row else {
                    tx.unaudited(Unaudited::NothingWritten);
                    return Ok(Clearing::Gone);
                };
                // Compared as instants: as text, "18:00:00.5Z" sorts before "18:00:00Z".
                let not_before: Timestamp = row
                    .try_get::<String, _>("not_before")?
                    .parse()
                    .map_err(|e| StoreError::Corrupt(format!("email {} not_before: {e}", email.email_id)))?;
                if not_before > now {
                    tx.unaudited(Unaudited::NothingWritten);
                    return Ok(Clearing::Gone);
                }
                let (account_id, contact_id, token): (i64, i64, String) =
                    (row.try_get("account_id")?, row.try_get("contact_id")?, row.try_get("opt_out_token")?);
                let mut known = known_many(conn, email.org_id, Which::Ids(&[account_id])).await?;
                let mut k = known.remove(&account_id).ok_or_else(|| StoreError::not_found("account", account_id))?;
                if let Err(StoreError::Invalid { message, .. }) = k.consumer() {
                    // Queued before payers were kept out: cancelled, not sent.
                    let note = format!("cancelled: {message}");
                    sqlx::query("UPDATE email_outbox SET status = $3, last_error = $4 WHERE org_id = $1 AND email_id = $2")
                        .bind(email.org_id)
                        .bind(email.email_id)
                        .bind(EmailStatus::Cancelled.as_str())
                        .bind(&note)
                        .execute(&mut *conn)
                        .await?;
                    audit_cancel(tx, email.org_id, email.email_id, &k.account_number, &note).await?;
                    return Ok(Clearing::Cancelled { reason: note });
                }
                self.read_debt(conn, email.org_id, &mut k, now).await?;
                let policy = self.collection_policy_in(conn, email.org_id).await?;
                let (mail, phone, _) = self.collector_contact_in(conn, email.org_id).await?;
                let decision_id = next_ids(conn, email.org_id, "contact_decision", 1).await?;
                let actor = current_actor().name;
                let gated = gate(
                    &k,
                    Attempt {
                        channel: Channel::Email,
                        address: email.to_address.clone(),
                        at_work: false,
                        purpose: Purpose::Collection,
                        at: now,
                    },
                    &policy,
                    decision_id,
                    &actor,
                )?;
                let mut b = Batch::default();
                b.push(decision_row(email.org_id, account_id, &gated.view, &now_text()));
                b.flush(conn, email.org_id).await?;
                let reasons = gated.view.reasons().join("; ");
                let (status, not_before, note, clearing) = match (gated.cleared(), gated.decision.allowed_from()) {
                    (Some(_), _) => (EmailStatus::Queued, email.not_before.clone(), String::new(), None),
                    (None, Some(open)) => {
                        let until = format!("{} ({})", open, gated.view.allowed_from_local.clone().unwrap_or_default());
                        let note = format!("held by the contact gate until {until}: {reasons}");
                        (
                            EmailStatus::Queued,
                            open.to_string(),
                            note.clone(),
                            Some(Clearing::Held {
                                until: open.to_string(),
                                reason: note,
                            }),
                        )
                    }
                    (None, None) => {
                        let note = format!("cancelled by the contact gate at delivery: {reasons}");
                        (
                            EmailStatus::Cancelled,
                            email.not_before.clone(),
                            note.clone(),
                            Some(Clearing::Cancelled { reason: note }),
                        )
                    }
                };
                sqlx::query("UPDATE email_outbox SET decision_id = $3, status = $4, not_before = $5, last_error = $6 WHERE org_id = $1 AND email_id = $2")
                    .bind(email.org_id)
                    .bind(email.email_id)
                    .bind(decision_id)
                    .bind(status.as_str())
                    .bind(&not_before)
                    .bind(&note)
                    .execute(&mut *conn)
                    .await?;
                if status == EmailStatus::Cancelled {
                    audit_cancel(tx, email.org_id, email.email_id, &k.account_number, &note).await?;
                } else {
                    tx.unaudited(Unaudited::GateDecision);
                }
                if let Some(other) = clearing {
                    return Ok(other);
                }
                let Some(cleared) = gated.into_cleared() else {
                    return Ok(Clearing::Gone);
                };
                let link = public_url
                    .filter(|u| !u.trim().is_empty() && !token.is_empty())
                    .map(|u| opt_out_link(u, &token));
                let mut ready = email.clone();
                ready.body = format!(
                    "{}\n\n{}\n",
                    email.body.trim_end(),
                    compliance::email_opt_out_statement(link.as_deref(), &phone, &mail)
                );
                Ok(Clearing::Send(Box::new(ReadyEmail {
                    email: ready,
                    cleared,
                    contact_id,
                })))
            })
        })
        .await
    }

    /// Emails due at `now`, every organisation's, oldest first.
    pub async fn due_emails(&self, now: Timestamp, limit: i64) -> Result<Vec<OutboxEmail>> {
        let mut conn = self.pool().acquire().await?;
        sqlx::query(&format!(
            "{SELECT} WHERE e.status = 'queued' AND e.not_before <= $1 ORDER BY e.not_before, e.org_id, e.email_id LIMIT $2"
        ))
        .bind(now.to_string())
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(from_row)
        .collect()
    }

    /// The organisation's outbox, newest first; one status, or all. The
    /// addresses and messages are people's: the read is audited.
    pub async fn outbox(&self, org: &Organisation, status: Option<&str>, limit: i64) -> Result<Vec<OutboxEmail>> {
        self.note_read(org.org_id, "outbox.list", &format!("outbox:{}", status.unwrap_or("all")))
            .await?;
        let mut conn = self.pool().acquire().await?;
        let sql = format!(
            "{SELECT} WHERE e.org_id = $1 {} ORDER BY e.email_id DESC LIMIT {}",
            if status.is_some() { "AND e.status = $2" } else { "" },
            limit.clamp(1, 10_000)
        );
        let mut q = sqlx::query(&sql).bind(org.org_id);
        if let Some(s) = status {
            q = q.bind(s.to_string());
        }
        q.fetch_all(&mut *conn).await?.iter().map(from_row).collect()
    }

    /// How many emails the outbox holds in each status.
    pub async fn outbox_counts(&self, org: &Organisation) -> Result<Vec<(String, i64)>> {
        let rows = sqlx::query("SELECT status, COUNT(*) AS n FROM email_outbox WHERE org_id = $1 GROUP BY status ORDER BY status")
            .bind(org.org_id)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(|r| Ok((r.try_get("status")?, r.try_get("n")?))).collect()
    }

    /// An account's emails, newest first: waiting, held (the reason in
    /// `last_error`), sent, given up or cancelled.
    pub async fn account_emails(&self, org: &Organisation, account_number: &str, limit: i64) -> Result<Vec<OutboxEmail>> {
        let mut conn = self.pool().acquire().await?;
        sqlx::query(&format!(
            "{SELECT} WHERE e.org_id = $1 AND a.account_number = $2 ORDER BY e.email_id DESC LIMIT {}",
            limit.clamp(1, 1_000)
        ))
        .bind(org.org_id)
        .bind(account_number.trim().to_ascii_uppercase())
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(from_row)
        .collect()
    }

    /// The SMTP server took the email the gate cleared: it is marked sent
    /// and the contact logged, at the instant the gate cleared it.
    pub async fn email_sent(&self, ready: &ReadyEmail, at: Timestamp) -> Result<()> {
        let (org_id, email_id) = (ready.email.org_id, ready.email.email_id);
        self.write(|tx| Box::pin(async move {
            let conn = tx.conn();
            let done = sqlx::query("UPDATE email_outbox SET status = 'sent', attempts = attempts + 1, sent_at = $3, last_error = '' WHERE org_id = $1 AND email_id = $2 AND status = 'queued'")
                .bind(org_id)
                .bind(email_id)
                .bind(at.to_string())
                .execute(&mut *conn)
                .await?;
            if done.rows_affected() != 1 {
                return Err(StoreError::Contention);
            }
            // An email queued before this version was logged as a contact when
            // it was queued; it is not logged twice.
            let logged = sqlx::query("SELECT 1 FROM contact_attempt WHERE org_id = $1 AND contact_id = $2")
                .bind(org_id)
                .bind(ready.contact_id)
                .fetch_optional(&mut *conn)
                .await?
                .is_some();
            tx.unaudited(Unaudited::Delivery);
            if logged {
                return Ok(());
            }
            let mut b = Batch::default();
            b.push(sent_row(
                org_id,
                ready.contact_id,
                &ready.cleared,
                &format!("email: {}", ready.email.subject),
                &current_actor().name,
                &now_text(),
            ));
            b.flush(tx.conn(), org_id).await?;
            Ok(())
        }))
        .await
    }

    /// Whose email an opt-out link names, for its page; None if no email has the token.
    pub async fn opt_out_target(&self, token: &str) -> Result<Option<OptOutTarget>> {
        let mut conn = self.pool().acquire().await?;
        Ok(opt_out_lookup(&mut conn, token).await?.map(|(_, target)| target))
    }

    /// The consumer opened the link in an email and confirmed: no more
    /// collection email to that address, for the account the email was
    /// about and every other account it was queued for; every queued email
    /// to it is cancelled. Audited, as the consumer's request.
    pub async fn opt_out_by_link(&self, token: &str) -> Result<Option<OptOutTarget>> {
        self.write(|tx| {
            Box::pin(async move {
                let conn = tx.conn();
                let Some((org_id, target)) = opt_out_lookup(conn, token).await? else {
                    tx.unaudited(Unaudited::NothingWritten);
                    return Ok(None);
                };
                let accounts: Vec<i64> = sqlx::query(
                    "SELECT DISTINCT account_id FROM email_outbox WHERE org_id = $1 AND (opt_out_token = $2 OR (to_address = $3 AND status = 'queued'))",
                )
                .bind(org_id)
                .bind(token.to_ascii_lowercase())
                .bind(&target.address)
                .fetch_all(&mut *conn)
                .await?
                .iter()
                .map(|r| r.try_get("account_id"))
                .collect::<std::result::Result<_, _>>()?;
                let line = format!("email {}", target.address);
                let mut opted_out = 0;
                for account_id in accounts {
                    let conn = tx.conn();
                    let had: Option<String> = sqlx::query("SELECT opt_outs FROM collection_profile WHERE org_id = $1 AND account_id = $2")
                        .bind(org_id)
                        .bind(account_id)
                        .fetch_optional(&mut *conn)
                        .await?
                        .map(|r| r.try_get("opt_outs"))
                        .transpose()?;
                    match had {
                        Some(o) if o.lines().any(|l| l.trim().eq_ignore_ascii_case(&line)) => continue,
                        Some(o) => {
                            let joined = if o.trim().is_empty() {
                                line.clone()
                            } else {
                                format!("{}\n{line}", o.trim_end())
                            };
                            sqlx::query("UPDATE collection_profile SET opt_outs = $3, updated_by = $4, updated_at = $5 WHERE org_id = $1 AND account_id = $2")
                                .bind(org_id)
                                .bind(account_id)
                                .bind(joined)
                                .bind("consumer (opt-out link)")
                                .bind(now_text())
                                .execute(&mut *conn)
                                .await?;
                        }
                        None => {
                            sqlx::query("INSERT INTO collection_profile (org_id, account_id, opt_outs, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5)")
                                .bind(org_id)
                                .bind(account_id)
                                .bind(&line)
                                .bind("consumer (opt-out link)")
                                .bind(now_text())
                                .execute(&mut *conn)
                                .await?;
                        }
                    }
                    crate::collections::profile::keep_profile_version(conn, org_id, account_id).await?;
                    let number: String = sqlx::query("SELECT account_number FROM account WHERE org_id = $1 AND account_id = $2")
                        .bind(org_id)
                        .bind(account_id)
                        .fetch_one(&mut *conn)
                        .await?
                        .try_get("account_number")?;
                    tx.audit(
                        org_id,
                        "collections.opt_out",
                        &format!("account:{number}"),
                        None,
                        Some(&serde_json::json!({ "opt_out": line, "by": "the consumer, through the link in an email" })),
                    )
                    .await?;
                    opted_out += 1;
                }
                if opted_out == 0 {
                    // Every account already had the opt-out: its queued email
                    // was cancelled then.
                    tx.unaudited(Unaudited::NothingWritten);
                }
                sqlx::query("UPDATE email_outbox SET status = 'cancelled', last_error = $3 WHERE org_id = $1 AND to_address = $2 AND status = 'queued'")
                    .bind(org_id)
                    .bind(&target.address)
                    .bind("cancelled: the person opted out of email at this address")
                    .execute(tx.conn())
                    .await?;
                Ok(Some(OptOutTarget { done: true, ..target }))
            })
        })
        .await
    }

    /// The attempt failed: retried later with a doubling wait, or given up
    /// after [`MAX_ATTEMPTS`]. Returns whether it will be tried again.
    pub async fn email_failed(&self, org_id: i64, email_id: i64, error: &str, at: Timestamp) -> Result<bool> {
        self.write(|tx| {
            Box::pin(async move {
                let conn = tx.conn();
                let attempts: i64 = sqlx::query("SELECT attempts FROM email_outbox WHERE org_id = $1 AND email_id = $2")
                    .bind(org_id)
                    .bind(email_id)
                    .fetch_optional(&mut *conn)
                    .await?
                    .ok_or_else(|| StoreError::not_found("email", email_id))?
                    .try_get("attempts")?;
                let attempts = attempts + 1;
                let again = attempts < MAX_ATTEMPTS;
                let next = at.checked_add(SignedDuration::from_mins(2i64.pow(attempts.clamp(1, 10) as u32))).unwrap_or(at);
                sqlx::query("UPDATE email_outbox SET attempts = $3, last_error = $4, not_before = $5, status = $6 WHERE org_id = $1 AND email_id = $2")
                    .bind(org_id)
                    .bind(email_id)
                    .bind(attempts)
                    .bind(error.chars().take(500).collect::<String>())
                    .bind(next.to_string())
                    .bind(if again { EmailStatus::Queued } else { EmailStatus::Failed }.as_str())
                    .execute(&mut *conn)
                    .await?;
                tx.unaudited(Unaudited::Delivery);
                Ok(again)
            })
        })
        .await
    }
}

/// The audit row of an email cancelled at delivery.
async fn audit_cancel(tx: &mut crate::write::Write<'_>, org_id: i64, email_id: i64, account_number: &str, note: &str) -> Result<()> {
    tx.audit(
        org_id,
        "email.cancel",
        &format!("account:{account_number}"),
        None,
        Some(&serde_json::json!({ "email_id": email_id, "reason": note })),
    )
    .await
}
