//! The write path: every single write command runs through
//! `write_command!` (a write transaction, the idempotency key's request hash
//! and stored response, the audit row with before and after, retries on
//! contention); ids come from per-organisation counters (`next_ids`, and
//! `IdBlock` for bulk work); the parsing every door shares (amounts, dates,
//! text) and money as text (`fmt`).

use crate::platform::audit::Subject;
use crate::{now_text, sha256_hex, Result, StoreError};
use settle_domain::money::{Currency, Money};
use settle_domain::{Date, IdempotencyKey};
use sqlx::{AnyConnection, Row};

/// Runs `$body` in a write transaction with idempotency and retries on
/// contention. `$tx` names the transaction inside the body. With `after`,
/// the audit row's after-state is read from the subject it names for the
/// result (a claim created under an account, say) instead of the request's.
macro_rules! write_command {
    ($store:expr, $org:expr, $key:expr, $request:expr, |$tx:ident| $body:expr) => {
        $crate::write::write_command!($store, $org, $key, $request, after = |_result| None, |$tx| $body)
    };
    ($store:expr, $org:expr, $key:expr, $request:expr, after = |$r:ident| $after:expr, |$tx:ident| $body:expr) => {{
        let request_json = serde_json::to_string(&$request)?;
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let mut $tx = $store.begin_write().await?;
            let outcome = async {
                if let Some(key) = $key {
                    if let Some(stored) = $crate::write::idempotency_lookup($tx.conn(), $org, key, &request_json).await? {
                        return Ok((serde_json::from_str(&stored)?, true));
                    }
                }
                let subject = $crate::write::Audited::subject($request);
                let before = $crate::platform::audit::snapshot($tx.conn(), $org, &subject).await?;
                let result = $body;
                let after_subject: Option<$crate::platform::audit::Subject> = {
                    let $r = &result;
                    $after
                };
                let after_subject = after_subject.unwrap_or_else(|| subject.clone());
                let after = serde_json::json!({
                    "state": $crate::platform::audit::snapshot($tx.conn(), $org, &after_subject).await?,
                    "request": serde_json::from_str::<serde_json::Value>(&request_json)?,
                    "result": &result,
                });
                let for_update = $store.for_update();
                $crate::platform::audit::append($tx.conn(), for_update, $org, $crate::write::Audited::action($request), &subject.label(), before.map(|b| serde_json::json!({ "state": b })).as_ref(), Some(&after)).await?;
                if let Some(key) = $key {
                    $crate::write::idempotency_store($tx.conn(), $org, key, &request_json, &serde_json::to_string(&result)?).await?;
                }
                Ok::<_, $crate::StoreError>((result, false))
            }
            .await;
            match outcome {
                Ok((result, replayed)) => {
                    if !replayed {
                        $tx.commit().await?;
                    }
                    break Ok(result);
                }
                Err(error) if error.is_retryable() && attempt < 8 => {
                    drop($tx);
                    tokio::time::sleep(std::time::Duration::from_millis(5 * u64::from(attempt))).await;
                }
                Err(error) => break Err(error),
            }
        }
    }};
}

pub(crate) use write_command;

pub(crate) async fn idempotency_lookup(conn: &mut AnyConnection, org_id: i64, key: &IdempotencyKey, request_json: &str) -> Result<Option<String>> {
    let row = sqlx::query("SELECT request_sha256, response FROM idempotency_key WHERE org_id = $1 AND idem_key = $2")
        .bind(org_id)
        .bind(key.as_str())
        .fetch_optional(&mut *conn)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let stored_hash: String = row.try_get("request_sha256")?;
    if stored_hash != sha256_hex(request_json) {
        return Err(StoreError::IdempotencyMismatch { key: key.as_str().to_string() });
    }
    Ok(Some(row.try_get("response")?))
}

pub(crate) async fn idempotency_store(conn: &mut AnyConnection, org_id: i64, key: &IdempotencyKey, request_json: &str, response_json: &str) -> Result<()> {
    let outcome = sqlx::query("INSERT INTO idempotency_key (org_id, idem_key, request_sha256, response, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(org_id)
        .bind(key.as_str())
        .bind(sha256_hex(request_json))
        .bind(response_json)
        .bind(now_text())
        .execute(&mut *conn)
        .await;
    match outcome.map_err(StoreError::from) {
        Ok(_) => Ok(()),
        // Another request with this key committed first: roll back and retry,
        // and the retry finds its response.
        Err(StoreError::Conflict { .. }) => Err(StoreError::Contention),
        Err(other) => Err(other),
    }
}

/// Where staged work goes: the open transaction, the organisation, the
/// rows to write and the ids reserved for them. Every bulk path (group
/// commit, imports) stages through it, as one command does.
pub(crate) struct Staging<'a> {
    pub(crate) conn: &'a mut AnyConnection,
    pub(crate) org_id: i64,
    pub(crate) batch: &'a mut crate::batch::Batch,
    pub(crate) ids: &'a mut IdBlock,
}

/// Reserves `count` consecutive ids from an organisation's counter.
pub(crate) async fn next_ids(conn: &mut AnyConnection, org_id: i64, name: &str, count: i64) -> Result<i64> {
    let row = sqlx::query("UPDATE counter SET next_value = next_value + $3 WHERE org_id = $1 AND name = $2 RETURNING next_value")
        .bind(org_id)
        .bind(name)
        .bind(count)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::Corrupt(format!("counter {name} missing for organisation {org_id}")))?;
    let end: i64 = row.try_get("next_value")?;
    Ok(end - count)
}

pub(crate) const COUNTERS: &[&str] = &[
    "party",
    "contact",
    "account",
    "invoice",
    "item",
    "entry",
    "payment",
    "allocation",
    "adjustment",
    "credit_note",
    "refund",
    "user",
    "token",
    "payer",
    "provider",
    "coverage",
    "note",
    "approval",
    "claim",
    "x12_file",
    "x12_control",
    "eligibility",
    "remittance",
    "denial",
    "statement",
    "dispute",
    "contact_decision",
    "contact_attempt",
    "promise",
    "collection_letter",
    "dunning_run",
    "dunning_action",
    "payment_plan",
    "settlement",
    "email",
];

// ---------------------------------------------------------------------------
// Commands and their results.

/// What the audit trail records of a command: its action and its subject.
pub(crate) trait Audited {
    fn action(&self) -> &'static str;
    fn subject(&self) -> Subject;
}

macro_rules! audited {
    ($($ty:ty => $action:literal, |$c:ident| $subject:expr;)*) => {
        $(impl Audited for $ty {
            fn action(&self) -> &'static str {
                $action
            }
            fn subject(&self) -> Subject {
                let $c = self;
                $subject
            }
        })*
    };
}

pub(crate) use audited;

pub(crate) fn check_text(field: &'static str, text: &str, max: usize) -> Result<String> {
    let len = text.chars().count();
    if len > max {
        return Err(StoreError::invalid(field, format!("is {len} characters long; at most {max}")));
    }
    if text.chars().any(|c| c.is_control() && c != '\n') {
        return Err(StoreError::invalid(field, "contains control characters"));
    }
    Ok(text.trim().to_string())
}

pub(crate) fn parse_amount(field: &'static str, text: &str, currency: Currency) -> Result<Money> {
    Money::parse(text, currency).map_err(|e| StoreError::invalid(field, e))
}

pub(crate) fn positive_amount(field: &'static str, text: &str, currency: Currency) -> Result<Money> {
    let money = parse_amount(field, text, currency)?;
    if money.amount_minor() <= 0 {
        return Err(StoreError::invalid(field, format!("{text:?} must be greater than zero")));
    }
    Ok(money)
}

pub(crate) fn fmt(amount_minor: i64, currency: Currency) -> String {
    Money::from_minor(amount_minor, currency).to_decimal_string()
}

// ---------------------------------------------------------------------------
// Rows read inside commands.

pub(crate) fn parse_date(text: &str) -> Result<Date> {
    text.parse().map_err(|_| StoreError::Corrupt(format!("bad date {text:?} in database")))
}

/// Ids reserved in blocks, so that a bulk import takes a counter once per
/// block instead of once per row. A single command uses a fresh block of
/// exactly what it needs.
#[derive(Default)]
pub(crate) struct IdBlock {
    blocks: std::collections::HashMap<&'static str, (i64, i64)>,
    pub block_size: i64,
}

impl IdBlock {
    pub(crate) fn with_block_size(block_size: i64) -> IdBlock {
        IdBlock {
            blocks: Default::default(),
            block_size,
        }
    }

    pub(crate) async fn take(&mut self, conn: &mut AnyConnection, org_id: i64, name: &'static str, count: i64) -> Result<i64> {
        if count == 0 {
            return Ok(0);
        }
        let (next, end) = self.blocks.get(name).copied().unwrap_or((0, 0));
        if next + count <= end {
            self.blocks.insert(name, (next + count, end));
            return Ok(next);
        }
        let size = count.max(self.block_size);
        let first = next_ids(conn, org_id, name, size).await?;
        if next < end && first == end {
            // The new block follows the old one: use the old tail first, so
            // numbers stay gapless (invoice and credit-note numbers are).
            self.blocks.insert(name, (next + count, first + size));
            return Ok(next);
        }
        self.blocks.insert(name, (first + count, first + size));
        Ok(first)
    }

    /// Hands the unused ends of the blocks back to the counters, if nothing
    /// was taken after them, so a bulk command leaves no gap in the numbers.
    pub(crate) async fn give_back(&mut self, conn: &mut AnyConnection, org_id: i64) -> Result<()> {
        crate::batch::give_back_blocks(conn, org_id, &mut self.blocks).await
    }
}
