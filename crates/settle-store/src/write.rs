//! The write path: every write runs through [`Store::write`] (a write
//! transaction, retries on contention, and no commit without an audit row
//! or a named reason for none); a command with a request adds the
//! idempotency key's request hash and stored response and the audit row
//! with before and after ([`Store::command`], `write_command!`); ids come from per-organisation counters (`next_ids`, and
//! `IdBlock` for bulk work); the parsing every door shares (amounts, dates,
//! text) and money as text (`fmt`).

use crate::platform::audit::Subject;
use crate::{now_text, sha256_hex, Result, StoreError};
use settle_domain::money::{Currency, Money};
use settle_domain::{Date, IdempotencyKey};
use sqlx::{AnyConnection, Row};

/// Sugar for [`Store::command`]: `$tx` names the [`Write`] inside the
/// body, whose value is the command's result. With `after`, the audit row's
/// after-state is read from the subject it names for the result (a claim
/// created under an account, say) instead of the request's.
macro_rules! write_command {
    ($store:expr, $org:expr, $key:expr, $request:expr, |$tx:ident| $body:expr) => {
        $crate::write::write_command!($store, $org, $key, $request, after = |_result| None, |$tx| $body)
    };
    ($store:expr, $org:expr, $key:expr, $request:expr, after = |$r:ident| $after:expr, |$tx:ident| $body:expr) => {
        $store
            .command($org, $key, $request, |$r| $after, |$tx| Box::pin(async move { Ok($body) }))
            .await
    };
}

pub(crate) use write_command;

/// A write in progress: the transaction, and whether what it did is in the
/// audit trail. Only [`Store::write`] makes one, and it commits only when
/// the body recorded an audit row ([`Write::audit`]) or said why none is
/// due ([`Write::unaudited`]).
///
/// `'env` is what the body borrows from its caller: naming it in the type
/// lets a body's future hold those borrows (see [`Body`]).
pub(crate) struct Write<'env> {
    tx: crate::WriteTx,
    store: crate::Store,
    for_update: &'static str,
    audited: bool,
    /// The last audit row this write added (organisation, seq, hash): what
    /// to look for when the answer to its commit was lost.
    mark: Option<(i64, (i64, String))>,
    /// Said by an unaudited write whose commit may be lost without harm:
    /// it wrote nothing, or only what doing it again writes the same.
    repeatable: bool,
    /// False for a preview or a dry run: everything is rolled back.
    keep: bool,
    env: std::marker::PhantomData<&'env ()>,
}

/// A write's body: given the write, a future of its result. Boxed, as
/// sqlx's own transaction callbacks are, because an `async` closure over a
/// borrowed argument cannot yet promise its future is `Send`.
pub(crate) type Body<'w, R> = std::pin::Pin<Box<dyn std::future::Future<Output = Result<R>> + Send + 'w>>;

/// Writes that keep no audit row, each for a reason of its own.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Unaudited {
    /// An idempotent request answered from its stored response: nothing written.
    Replayed,
    /// A session's last-seen time moved on, or the session ended.
    SessionKept,
    /// Rows from before a migration brought up to date when the store opens.
    Migration,
    /// The outbox's own bookkeeping of a delivery (sent, failed, tried
    /// again later); the contact it made is kept in the contact log.
    Delivery,
    /// A refused contact or letter: the gate's answer is kept in its own
    /// record (`contact_decision`), which `verify` replays.
    GateDecision,
    /// Figures recomputed from the books (a plan's paid and missed counts),
    /// which replay from the postings; changes of status are audited.
    Recomputed,
    /// A chunk of a dunning run; the run's audit row is written with its
    /// last chunk.
    RunChunk,
    /// The body found nothing to do and wrote nothing (an export with no
    /// ready claim, say).
    NothingWritten,
    /// An API response kept under its idempotency key, after the command
    /// it answers was audited.
    ResponseKept,
    /// Idempotency keys past the promised 24 hours forgotten.
    Expired,
    /// A kept ranking brought up to date from the records it ranks (the
    /// follow-up list), which it can always be made again from.
    Ranking,
}

impl Unaudited {
    /// Whether running the write again after a lost commit is harmless:
    /// it wrote nothing, or recomputes what it wrote.
    fn repeatable(self) -> bool {
        match self {
            Unaudited::Replayed
            | Unaudited::SessionKept
            | Unaudited::Migration
            | Unaudited::Recomputed
            | Unaudited::NothingWritten
            | Unaudited::Expired
            | Unaudited::Ranking => true,
            Unaudited::Delivery | Unaudited::GateDecision | Unaudited::RunChunk | Unaudited::ResponseKept => false,
        }
    }
}

impl Write<'_> {
    pub(crate) fn conn(&mut self) -> &mut AnyConnection {
        self.tx.conn()
    }

    /// Appends a row to `org_id`'s audit trail in this write.
    pub(crate) async fn audit(
        &mut self,
        org_id: i64,
        action: &str,
        record: &str,
        before: Option<&serde_json::Value>,
        after: Option<&serde_json::Value>,
    ) -> Result<()> {
        let head = crate::platform::audit::append(self.tx.conn(), self.for_update, org_id, action, record, before, after).await?;
        self.mark = Some((org_id, head));
        self.audited = true;
        Ok(())
    }

    /// Chains audit rows into `batch` (a bulk path's), to be flushed with
    /// it; returns the new head for `audit::set_head`.
    pub(crate) async fn stage_audit(
        &mut self,
        org_id: i64,
        rows: &[crate::platform::audit::NewRow<'_>],
        batch: &mut crate::batch::Batch,
    ) -> Result<(i64, String)> {
        let head = crate::platform::audit::stage(self.tx.conn(), self.for_update, org_id, rows, batch).await?;
        if !rows.is_empty() {
            self.mark = Some((org_id, head.clone()));
        }
        self.audited = true;
        Ok(head)
    }

    /// Says why this write keeps no audit row.
    pub(crate) fn unaudited(&mut self, why: Unaudited) {
        self.repeatable = why.repeatable();
        self.audited = true;
    }

    /// Keeps nothing this write did: a preview or a dry run works it all
    /// out in the transaction and rolls it back.
    pub(crate) fn roll_back(&mut self) {
        self.keep = false;
    }
}

impl<'env> Write<'env> {
    /// A write of its own, for the bulk paths (group commit, imports,
    /// dunning chunks) that run their own loop; every other write is given
    /// one by [`Store::write`].
    pub(crate) async fn begin(store: &crate::Store) -> Result<Write<'env>> {
        Ok(Write {
            tx: store.begin_write().await?,
            store: store.clone(),
            for_update: store.for_update(),
            audited: false,
            mark: None,
            repeatable: false,
            keep: true,
            env: std::marker::PhantomData,
        })
    }

    /// Commits, unless the body neither audited nor said why not, or asked
    /// for everything to be rolled back.
    pub(crate) async fn commit(self) -> Result<()> {
        if !self.keep {
            return Ok(());
        }
        if !self.audited {
            return Err(StoreError::Corrupt("a write kept no audit row and gave no reason".into()));
        }
        let error = match self.tx.commit().await {
            Err(StoreError::Unavailable(error)) => error,
            other => return other,
        };
        // The connection broke during COMMIT: the write may be in the books
        // or not. Its audit row says which; without one, only a write that
        // is harmless to repeat may be run again.
        match self.mark {
            Some((org_id, head)) => match kept_after_all(&self.store, org_id, &head).await {
                Ok(true) => {
                    tracing::info!(org_id, "a commit whose answer was lost was kept");
                    Ok(())
                }
                Ok(false) => Err(StoreError::Unavailable(error)),
                // No answer to the question either: say so, never "nothing
                // was written".
                Err(asking) => {
                    tracing::error!(org_id, error = %asking, "whether a commit whose answer was lost was kept cannot be told");
                    Err(StoreError::OutcomeUnknown)
                }
            },
            None if self.repeatable => Err(StoreError::Unavailable(error)),
            None => Err(StoreError::OutcomeUnknown),
        }
    }
}

/// How long a write keeps trying while the database cannot be reached (a
/// failover promotes a standby in seconds).
const UNAVAILABLE_FOR_AT_MOST: std::time::Duration = std::time::Duration::from_secs(60);

/// Whether the write whose audit row is `head` was kept, asked again and
/// again until the database answers.
async fn kept_after_all(store: &crate::Store, org_id: i64, head: &(i64, String)) -> Result<bool> {
    let since = std::time::Instant::now();
    let mut attempt = 0;
    loop {
        attempt += 1;
        let answer = async {
            let mut tx = store.begin_write().await?;
            crate::platform::audit::kept(tx.conn(), store.for_update(), org_id, head).await
        }
        .await;
        match answer {
            Err(error @ StoreError::Unavailable(_)) => {
                if !again(&error, attempt, since).await {
                    return Err(error);
                }
            }
            other => return other,
        }
    }
}

/// Whether to run a write again after `error`, having waited a little:
/// contention a few times, a database out of reach for up to a minute.
async fn again(error: &StoreError, attempt: u32, since: std::time::Instant) -> bool {
    let wait = match error {
        StoreError::Contention if attempt < 8 => 5 * u64::from(attempt),
        StoreError::Unavailable(why) if since.elapsed() < UNAVAILABLE_FOR_AT_MOST => {
            if attempt == 1 {
                tracing::warn!(error = %why, "the database cannot be reached; trying again");
            }
            (50 * u64::from(attempt)).min(500)
        }
        _ => return false,
    };
    tokio::time::sleep(std::time::Duration::from_millis(wait)).await;
    true
}

impl crate::Store {
    /// Runs `body` in a write transaction and commits it, running the body
    /// again (in a new transaction) when the database reports contention.
    /// The body must record an audit row or say why none is due: a write
    /// that does neither is refused, not committed.
    pub(crate) async fn write<'env, R>(&self, mut body: impl for<'w> FnMut(&'w mut Write<'env>) -> Body<'w, R>) -> Result<R> {
        let (mut attempt, since) = (0u32, std::time::Instant::now());
        loop {
            attempt += 1;
            let outcome = async {
                let mut write = Write::begin(self).await?;
                let result = body(&mut write).await?;
                write.commit().await.map(|()| result)
            }
            .await;
            let error = match outcome {
                Ok(result) => return Ok(result),
                Err(error) => error,
            };
            if !again(&error, attempt, since).await {
                return Err(error);
            }
        }
    }

    /// A command from a door: [`Store::write`] with the idempotency key's
    /// stored response, and one audit row holding the subject's state before
    /// and after, the request and the result. `after` may name another
    /// subject for the after-state (the claim a command created, say).
    pub(crate) async fn command<'env, C, R>(
        &self,
        org_id: i64,
        key: Option<&IdempotencyKey>,
        request: &C,
        after: impl Fn(&R) -> Option<Subject>,
        mut body: impl for<'w> FnMut(&'w mut Write<'env>) -> Body<'w, R>,
    ) -> Result<R>
    where
        C: Audited + serde::Serialize + ?Sized,
        R: serde::Serialize + serde::de::DeserializeOwned,
    {
        let request_json = serde_json::to_string(request)?;
        let request_value: serde_json::Value = serde_json::from_str(&request_json)?;
        let subject = request.subject();
        let (mut attempt, since) = (0u32, std::time::Instant::now());
        loop {
            attempt += 1;
            let outcome = async {
                let mut w = Write::begin(self).await?;
                let result = async {
                    if let Some(key) = key {
                        if let Some(stored) = idempotency_lookup(w.conn(), org_id, key, &request_json).await? {
                            w.unaudited(Unaudited::Replayed);
                            return Ok::<R, StoreError>(serde_json::from_str(&stored)?);
                        }
                    }
                    let before = crate::platform::audit::snapshot(w.conn(), org_id, &subject).await?;
                    let result = body(&mut w).await?;
                    let after_subject = after(&result).unwrap_or_else(|| subject.clone());
                    let after = serde_json::json!({
                        "state": crate::platform::audit::snapshot(w.conn(), org_id, &after_subject).await?,
                        "request": &request_value,
                        "result": &result,
                    });
                    let before = before.map(|b| serde_json::json!({ "state": b }));
                    w.audit(org_id, request.action(), &subject.label(), before.as_ref(), Some(&after)).await?;
                    if let Some(key) = key {
                        idempotency_store(w.conn(), org_id, key, &request_json, &serde_json::to_string(&result)?).await?;
                    }
                    Ok(result)
                }
                .await?;
                w.commit().await.map(|()| result)
            }
            .await;
            let error = match outcome {
                Ok(result) => return Ok(result),
                Err(error) => error,
            };
            if !again(&error, attempt, since).await {
                return Err(error);
            }
        }
    }
}

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
    "authorization",
    "ach_originator",
    "ach_mandate",
    "ach_file",
    "ach_debit",
    "gl_export",
    "books_close",
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

/// A status column read into its enum (`settle_domain::status`): a value
/// no state of its kind is, is corruption, named with its column.
pub(crate) fn status<T>(row: &sqlx::any::AnyRow, column: &str) -> Result<T>
where
    T: std::str::FromStr<Err = settle_domain::status::UnknownStatus>,
{
    let text: String = row.try_get(column)?;
    status_of(&text).map_err(|e| StoreError::Corrupt(format!("{column}: {e}")))
}

/// Units kept as thousandths (`settle_domain::units`) read back: a count
/// below zero or past what SV104 holds is corruption, named with its column.
pub(crate) fn units(row: &sqlx::any::AnyRow, column: &str) -> Result<settle_domain::units::Units> {
    let thousandths: i64 = row.try_get(column)?;
    settle_domain::units::Units::from_thousandths(thousandths)
        .ok_or_else(|| StoreError::Corrupt(format!("{column}: {thousandths} thousandths is not a count of units")))
}

/// A status kept in a view (as text) read back into its enum: a value no
/// state of its kind is, is corruption.
pub(crate) fn status_of<T>(text: &str) -> Result<T>
where
    T: std::str::FromStr<Err = settle_domain::status::UnknownStatus>,
{
    text.parse()
        .map_err(|e: settle_domain::status::UnknownStatus| StoreError::Corrupt(e.to_string()))
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

#[cfg(test)]
mod tests {
    //! The one write path's promises, on every backend: no commit without
    //! an audit row or a reason, a rolled-back write keeps nothing, and
    //! contention runs the body again.

    use super::Unaudited;
    use crate::testing::all_backends;
    use crate::StoreError;

    async fn notes(store: &crate::Store, org_id: i64) -> i64 {
        let row: i64 = sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM idempotency_key WHERE org_id = $1")
            .bind(org_id)
            .fetch_one(store.pool())
            .await
            .expect("count");
        row
    }

    async fn put(w: &mut super::Write<'_>, org_id: i64, key: &str) -> crate::Result<()> {
        sqlx::query("INSERT INTO idempotency_key (org_id, idem_key, request_sha256, response, created_at) VALUES ($1, $2, 'x', 'y', 'z')")
            .bind(org_id)
            .bind(key)
            .execute(w.conn())
            .await?;
        Ok(())
    }

    #[tokio::test]
    async fn a_write_commits_only_what_it_audited_or_said_why_not() {
        for b in all_backends().await {
            let store = &b.store;
            let org = store.create_organisation("acme", "Acme", "USD").await.expect("org");
            let org_id = org.org_id;

            let silent = store.write(|w| Box::pin(async move { put(w, org_id, "silent").await })).await;
            assert!(matches!(silent, Err(StoreError::Corrupt(_))), "{}: {silent:?}", b.name);
            assert_eq!(notes(store, org_id).await, 0, "{}: the unaudited write kept nothing", b.name);

            store
                .write(|w| {
                    Box::pin(async move {
                        put(w, org_id, "preview").await?;
                        w.roll_back();
                        Ok(())
                    })
                })
                .await
                .expect("a preview");
            assert_eq!(notes(store, org_id).await, 0, "{}: the preview kept nothing", b.name);

            store
                .write(|w| {
                    Box::pin(async move {
                        put(w, org_id, "kept").await?;
                        w.unaudited(Unaudited::ResponseKept);
                        Ok(())
                    })
                })
                .await
                .expect("a write with its reason");
            store
                .write(|w| {
                    Box::pin(async move {
                        put(w, org_id, "audited").await?;
                        w.audit(org_id, "test.put", "test:audited", None, None).await
                    })
                })
                .await
                .expect("an audited write");
            assert_eq!(notes(store, org_id).await, 2, "{}", b.name);
            let trail = store.audit_page(&org, 0, 100).await.expect("trail");
            assert_eq!(trail.iter().filter(|r| r.action == "test.put").count(), 1, "{}", b.name);
        }
    }

    #[tokio::test]
    async fn contention_runs_the_body_again_in_a_new_transaction() {
        for b in all_backends().await {
            let store = &b.store;
            let org_id = store.create_organisation("acme", "Acme", "USD").await.expect("org").org_id;
            let tries = std::sync::atomic::AtomicU32::new(0);
            let tries = &tries;
            let answer = store
                .write(|w| {
                    Box::pin(async move {
                        put(w, org_id, "once").await?;
                        if tries.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
                            return Err(StoreError::Contention);
                        }
                        w.audit(org_id, "test.put", "test:once", None, None).await?;
                        Ok(7)
                    })
                })
                .await
                .expect("the second try commits");
            assert_eq!(answer, 7);
            assert_eq!(tries.load(std::sync::atomic::Ordering::SeqCst), 2, "{}", b.name);
            assert_eq!(notes(store, org_id).await, 1, "{}: the first try was rolled back", b.name);
        }
    }
}
