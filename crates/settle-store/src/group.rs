//! Group commit for payments: the hot write of a billing office.
//!
//! Payments posted at the same moment (from many API clients, say) are
//! queued to one task, which takes everything waiting and posts it in one
//! transaction: the accounts and open items read with one query each, ids
//! reserved in blocks, the rows written with multi-row inserts, the audit
//! rows chained in order and the idempotency responses kept, all in one
//! commit. Each payment is still decided alone, in arrival order, by the
//! same `stage_payment` the single path and the imports use; a payment the
//! rules refuse gets its own error and stages nothing, so it does not
//! disturb the others.
//!
//! If the group's write fails as a whole (a constraint, contention), every
//! payment in it is retried on its own through the one-at-a-time path, so a
//! caller always gets the answer it would have had alone.

use std::collections::HashMap;

use serde_json::json;
use settle_domain::account::AccountNumber;
use settle_domain::IdempotencyKey;
use sqlx::any::AnyArguments;
use sqlx::{Arguments, Row};
use tokio::sync::{mpsc, oneshot};

use crate::batch::{self, Batch};
use crate::billing::{AccountRow, ItemRow, NewPayment, PaymentPosted};
use crate::platform::audit::{self, Actor, ACTOR};
use crate::platform::Organisation;
use crate::write::{IdBlock, Staging};
use crate::{now_text, sha256_hex, Result, Store, StoreError};

/// The most payments one commit takes.
const MAX_GROUP: usize = 256;

pub(crate) struct PaymentJob {
    pub org: Organisation,
    pub cmd: NewPayment,
    pub key: Option<IdempotencyKey>,
    pub actor: Actor,
    pub reply: oneshot::Sender<Result<PaymentPosted>>,
}

/// Starts the group-commit task for `store` (which must not itself queue
/// into a group) and returns the queue's sender.
pub(crate) fn start(store: Store) -> mpsc::UnboundedSender<PaymentJob> {
    let (sender, mut receiver) = mpsc::unbounded_channel::<PaymentJob>();
    tokio::spawn(async move {
        while let Some(first) = receiver.recv().await {
            let mut jobs = vec![first];
            // Let requests already being parsed on other tasks join this
            // group: a couple of yields, no sleeping.
            for _ in 0..3 {
                while jobs.len() < MAX_GROUP {
                    match receiver.try_recv() {
                        Ok(job) => jobs.push(job),
                        Err(_) => break,
                    }
                }
                tokio::task::yield_now().await;
            }
            // One organisation per commit: each has its own audit chain.
            while !jobs.is_empty() {
                let org_id = jobs[0].org.org_id;
                let (same, rest): (Vec<_>, Vec<_>) = jobs.into_iter().partition(|j| j.org.org_id == org_id);
                jobs = rest;
                store.post_group(same).await;
            }
        }
    });
    sender
}

impl Store {
    async fn post_group(&self, jobs: Vec<PaymentJob>) {
        match self.try_group(&jobs).await {
            Ok(results) => {
                for (job, result) in jobs.into_iter().zip(results) {
                    let _ = job.reply.send(result);
                }
            }
            Err(_) => {
                for job in jobs {
                    let result = ACTOR
                        .scope(job.actor.clone(), self.post_payment_alone(&job.org, &job.cmd, job.key.as_ref()))
                        .await;
                    let _ = job.reply.send(result);
                }
            }
        }
    }

    /// Posts every job in one transaction; `Err` means nothing was written.
    async fn try_group(&self, jobs: &[PaymentJob]) -> Result<Vec<Result<PaymentPosted>>> {
        let org = &jobs[0].org;
        let org_id = org.org_id;
        let mut tx = crate::write::Write::begin(self).await?;
        let conn = tx.conn();

        let requests: Vec<String> = jobs.iter().map(|j| serde_json::to_string(&j.cmd)).collect::<std::result::Result<_, _>>()?;
        let keys: Vec<String> = jobs.iter().filter_map(|j| j.key.as_ref().map(|k| k.as_str().to_string())).collect();
        let stored = self.stored_responses(conn, org_id, &keys).await?;
        let numbers: Vec<String> = jobs
            .iter()
            .filter_map(|j| AccountNumber::parse(&j.cmd.account_number).ok().map(|n| n.as_str().to_string()))
            .collect();
        let (mut accounts, mut items) = self.accounts_with_items(conn, org_id, &numbers).await?;

        let mut batch = Batch::default();
        let mut ids = IdBlock::with_block_size(2 * jobs.len() as i64 + 2);
        let mut results: Vec<Result<PaymentPosted>> = Vec::with_capacity(jobs.len());
        let mut audit_rows = Vec::new();
        let mut seen: HashMap<String, (String, usize)> = HashMap::new();
        let now = now_text();
        for (index, job) in jobs.iter().enumerate() {
            let request_hash = sha256_hex(&requests[index]);
            if let Some(key) = &job.key {
                let prior = stored
                    .get(key.as_str())
                    .map(|(hash, response)| (hash.clone(), serde_json::from_str::<PaymentPosted>(response).map_err(StoreError::from)))
                    .or_else(|| {
                        seen.get(key.as_str())
                            .map(|(hash, at)| (hash.clone(), results[*at].as_ref().map(Clone::clone).map_err(clone_error)))
                    });
                if let Some((hash, response)) = prior {
                    results.push(if hash == request_hash {
                        response
                    } else {
                        Err(StoreError::IdempotencyMismatch { key: key.as_str().to_string() })
                    });
                    continue;
                }
            }
            let number = match AccountNumber::parse(&job.cmd.account_number) {
                Ok(n) => n.as_str().to_string(),
                Err(e) => {
                    results.push(Err(StoreError::invalid("account_number", e)));
                    continue;
                }
            };
            let Some(account) = accounts.get_mut(&number) else {
                results.push(Err(StoreError::not_found("account", &number)));
                continue;
            };
            let open = items.entry(account.account_id).or_default();
            let before = account_state(account);
            match self
                .stage_payment(
                    Staging {
                        conn: &mut *conn,
                        org_id,
                        batch: &mut batch,
                        ids: &mut ids,
                    },
                    account,
                    open,
                    &job.cmd,
                )
                .await
            {
                Ok(posted) => {
                    open.retain(|i| i.balance_minor > 0);
                    let after = json!({
                        "state": account_state(account),
                        "request": serde_json::from_str::<serde_json::Value>(&requests[index])?,
                        "result": &posted,
                    });
                    audit_rows.push((job.actor.clone(), format!("account:{number}"), json!({ "state": before }), after));
                    if let Some(key) = &job.key {
                        batch.push(batch::IdempotencyKeyRow {
                            org_id: org_id.into(),
                            idem_key: key.as_str().into(),
                            request_sha256: request_hash.clone().into(),
                            response: serde_json::to_string(&posted)?.into(),
                            created_at: now.clone().into(),
                        });
                        seen.insert(key.as_str().to_string(), (request_hash, index));
                    }
                    results.push(Ok(posted));
                }
                Err(error) => results.push(Err(error)),
            }
        }
        let rows: Vec<audit::NewRow<'_>> = audit_rows
            .iter()
            .map(|(actor, record, before, after)| audit::NewRow {
                actor,
                action: "payment.post",
                record,
                before: Some(before),
                after: Some(after),
            })
            .collect();
        let head = tx.stage_audit(org_id, &rows, &mut batch).await?;
        if rows.is_empty() {
            // Every job was refused or answered from its stored response.
            tx.unaudited(crate::write::Unaudited::NothingWritten);
        }
        let conn = tx.conn();
        batch.flush(conn, org_id).await?;
        audit::set_head(conn, org_id, &head).await?;
        tx.commit().await?;
        Ok(results)
    }

    /// Stored idempotency responses for `keys`: key to (request hash, response).
    async fn stored_responses(&self, conn: &mut sqlx::AnyConnection, org_id: i64, keys: &[String]) -> Result<HashMap<String, (String, String)>> {
        let mut found = HashMap::new();
        if keys.is_empty() {
            return Ok(found);
        }
        // Each key looked up by the whole primary key, in a subquery of its
        // own: with `idem_key IN (...)` PostgreSQL, on statistics from when
        // the table was small, scanned every key of the organisation and
        // filtered (2-7 ms a group, growing with the table); a correlated
        // subquery is never flattened, so each is one unique-index probe.
        let (placeholders, args) = after_org(org_id, keys)?;
        let values = placeholders.iter().map(|p| format!("({p})")).collect::<Vec<_>>().join(", ");
        let sql = format!(
            "SELECT v.column1 AS idem_key, \
             (SELECT k.request_sha256 FROM idempotency_key k WHERE k.org_id = $1 AND k.idem_key = v.column1) AS request_sha256, \
             (SELECT k.response FROM idempotency_key k WHERE k.org_id = $1 AND k.idem_key = v.column1) AS response \
             FROM (VALUES {values}) AS v"
        );
        for row in sqlx::query_with(&sql, args).persistent(false).fetch_all(&mut *conn).await? {
            let hash: Option<String> = row.try_get("request_sha256")?;
            let response: Option<String> = row.try_get("response")?;
            if let (Some(hash), Some(response)) = (hash, response) {
                found.insert(row.try_get("idem_key")?, (hash, response));
            }
        }
        Ok(found)
    }

    /// The accounts named (locked on PostgreSQL) and their open items.
    async fn accounts_with_items(
        &self,
        conn: &mut sqlx::AnyConnection,
        org_id: i64,
        numbers: &[String],
    ) -> Result<(HashMap<String, AccountRow>, HashMap<i64, Vec<ItemRow>>)> {
        let mut accounts = HashMap::new();
        let mut items: HashMap<i64, Vec<ItemRow>> = HashMap::new();
        if numbers.is_empty() {
            return Ok((accounts, items));
        }
        let mut distinct = numbers.to_vec();
        distinct.sort();
        distinct.dedup();
        let (sql, args) = in_list(
            "SELECT account_id, account_number, ar_kind, currency, status, payment_terms, balance_minor, credit_minor \
             FROM account WHERE org_id = $1 AND account_number IN",
            org_id,
            &distinct,
            &format!(" ORDER BY account_id{}", self.for_update()),
        )?;
        let mut ids = Vec::new();
        for row in sqlx::query_with(&sql, args).fetch_all(&mut *conn).await? {
            let account = crate::billing::account_from_row(&row)?;
            ids.push(account.account_id);
            accounts.insert(account.account_number.clone(), account);
        }
        if ids.is_empty() {
            return Ok((accounts, items));
        }
        let (sql, args) = in_list(
            "SELECT item_id, reference, invoice_id, issue_date, due_date, amount_minor, balance_minor, status, account_id \
             FROM open_item WHERE org_id = $1 AND status = 'open' AND account_id IN",
            org_id,
            &ids,
            " ORDER BY account_id, due_date, item_id",
        )?;
        for row in sqlx::query_with(&sql, args).fetch_all(&mut *conn).await? {
            let account_id: i64 = row.try_get("account_id")?;
            items.entry(account_id).or_default().push(crate::billing::item_from_row(&row)?);
        }
        Ok((accounts, items))
    }
}

/// `head ($2, $3, ...)tail` with `values` bound after the organisation.
fn in_list<T>(head: &str, org_id: i64, values: &[T], tail: &str) -> Result<(String, AnyArguments<'static>)>
where
    T: Clone + Send + 'static + sqlx::Encode<'static, sqlx::Any> + sqlx::Type<sqlx::Any>,
{
    let (placeholders, args) = after_org(org_id, values)?;
    Ok((format!("{head} ({}){tail}", placeholders.join(", ")), args))
}

/// The organisation bound as `$1` and `values` after it: their
/// placeholders (`$2`, `$3`, ...) and the arguments.
fn after_org<T>(org_id: i64, values: &[T]) -> Result<(Vec<String>, AnyArguments<'static>)>
where
    T: Clone + Send + 'static + sqlx::Encode<'static, sqlx::Any> + sqlx::Type<sqlx::Any>,
{
    let mut args = AnyArguments::default();
    args.add(org_id).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let mut placeholders = Vec::with_capacity(values.len());
    for (n, value) in values.iter().enumerate() {
        placeholders.push(format!("${}", n + 2));
        args.add(value.clone()).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    }
    Ok((placeholders, args))
}

/// An account's state as the audit trail records it (the same shape as
/// `audit::snapshot` reads from the database).
fn account_state(account: &AccountRow) -> serde_json::Value {
    json!({
        "account": account.account_number,
        "account_status": account.status.as_str(),
        "currency": account.currency.code(),
        "balance_minor": account.balance_minor,
        "credit_minor": account.credit_minor,
    })
}

/// Errors are not `Clone`; a duplicate in one group gets the same kind.
fn clone_error(error: &StoreError) -> StoreError {
    match error {
        StoreError::NotFound { what, key } => StoreError::NotFound { what, key: key.clone() },
        StoreError::Invalid { field, message } => StoreError::Invalid {
            field,
            message: message.clone(),
        },
        StoreError::IdempotencyMismatch { key } => StoreError::IdempotencyMismatch { key: key.clone() },
        other => StoreError::Corrupt(other.to_string()),
    }
}
