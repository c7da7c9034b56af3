//! The audit trail: who did or saw what, when, from where, with the record's
//! state before and after, in a hash chain per organisation.
//!
//! Row *n*'s hash is SHA-256 over row *n−1*'s hash and row *n*'s fields, and
//! `audit_head` keeps the last row's number and hash. Rows are appended in
//! the same transaction as the write they describe, so a write without its
//! audit row cannot commit. [`Store::audit_verify`] recomputes the chain and
//! names every row that was edited, inserted or deleted.
//!
//! Who is acting comes from [`ACTOR`], a task-local the server sets for each
//! request; outside a request (the CLI) it is the local operating-system user.

use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, Row};

use crate::platform::Organisation;
use crate::{now_text, Result, Store, StoreError};

/// The hash before an organisation's first row.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Who is acting, and from which address.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Actor {
    /// "user:alice", "token:7:practice-sync", "cli:root" or "system".
    pub name: String,
    /// The client's IP address, or "local".
    pub address: String,
    /// Whether this actor's role reads clinical data (diagnoses, procedure
    /// codes). The store's views leave them out for everyone else, so a
    /// page or route inherits HIPAA's minimum necessary by reading through
    /// the store (see [`crate::sight`]).
    pub clinical: bool,
    /// Whether this actor's role approves what others ask for (a write-off
    /// or a refund held for a second person). Below that, the store holds
    /// a refund above the organisation's limit instead of paying it.
    pub approves: bool,
}

/// The username behind an actor's name ("user:ann" is "ann"); other
/// actors ("cli:root", "system") as they are. Work is attributed to people
/// by this, so a person's rows never split between two names.
pub fn person_of(actor: &str) -> &str {
    actor.strip_prefix("user:").unwrap_or(actor)
}

impl Actor {
    /// Someone logged in (a user or a token) acting from `address`: what
    /// they may see follows their role.
    pub fn of(principal: &crate::platform::access::Principal, address: String) -> Actor {
        Actor {
            name: principal.actor.clone(),
            address,
            clinical: principal.role.allows(settle_domain::access::Permission::ClinicalRead),
            approves: principal.role.allows(settle_domain::access::Permission::AdjustmentsApprove),
        }
    }

    /// The person at this machine's command line.
    pub fn local() -> Actor {
        let user = std::env::var("USER")
            .or_else(|_| std::env::var("USERNAME"))
            .unwrap_or_else(|_| "unknown".into());
        Actor {
            name: format!("cli:{user}"),
            address: "local".into(),
            // The command line is the database's owner: it sees and approves everything.
            clinical: true,
            approves: true,
        }
    }
}

tokio::task_local! {
    /// The actor of the request being served; see [`current_actor`].
    pub static ACTOR: Actor;
}

/// A read of a person's record that a store view noted (see [`Store::note_read`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotedRead {
    pub org_id: i64,
    pub action: String,
    pub record: String,
}

tokio::task_local! {
    /// The reads of the request being served, written as one audit row when
    /// it ends (see [`collect_reads`]).
    static READS: std::cell::RefCell<Vec<NotedRead>>;
}

/// Runs `work` with the store's reads of people's records collected instead
/// of written one by one, and returns them beside its output, for the
/// caller (a request's guard, a CLI command) to write with
/// [`Store::audit_reads`] as one row.
pub async fn collect_reads<F: std::future::Future>(work: F) -> (F::Output, Vec<NotedRead>) {
    READS
        .scope(std::cell::RefCell::new(Vec::new()), async move {
            let output = work.await;
            let reads = READS.with(|r| r.take());
            (output, reads)
        })
        .await
}

/// The actor of the current task: the request's, or the local user's.
pub fn current_actor() -> Actor {
    ACTOR.try_with(Clone::clone).unwrap_or_else(|_| Actor::local())
}

/// One row of the trail.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct AuditRow {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub address: String,
    pub action: String,
    pub record: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// A row of `audit_log` as read (every column, `before_json`/`after_json` as text).
pub(crate) fn audit_row_from(r: &sqlx::any::AnyRow) -> Result<AuditRow> {
    Ok(AuditRow {
        seq: r.try_get("seq")?,
        at: r.try_get("at")?,
        actor: r.try_get("actor")?,
        address: r.try_get("address")?,
        action: r.try_get("action")?,
        record: r.try_get("record")?,
        before: r.try_get("before_json")?,
        after: r.try_get("after_json")?,
        prev_hash: r.try_get("prev_hash")?,
        hash: r.try_get("hash")?,
    })
}

/// A row the chain does not vouch for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AuditFinding {
    pub seq: i64,
    pub problem: String,
}

/// The hash of a row: SHA-256 over the previous hash and the row's fields,
/// as a JSON array so that no field can bleed into the next.
pub fn row_hash(org_id: i64, row: &AuditRow) -> String {
    let fields = serde_json::json!([org_id, row.seq, row.at, row.actor, row.address, row.action, row.record, row.before, row.after]);
    let mut hasher = Sha256::new();
    hasher.update(row.prev_hash.as_bytes());
    hasher.update(b"\n");
    hasher.update(fields.to_string().as_bytes());
    hex::encode(hasher.finalize())
}

/// Appends one row to `org_id`'s chain inside the caller's transaction,
/// as the current [`Actor`].
pub(crate) async fn append(
    conn: &mut AnyConnection,
    for_update: &str,
    org_id: i64,
    action: &str,
    record: &str,
    before: Option<&Value>,
    after: Option<&Value>,
) -> Result<(i64, String)> {
    let actor = current_actor();
    let row = NewRow {
        actor: &actor,
        action,
        record,
        before,
        after,
    };
    let mut batch = crate::batch::Batch::default();
    let head = stage(conn, for_update, org_id, &[row], &mut batch).await?;
    batch.flush(conn, org_id).await?;
    set_head(conn, org_id, &head).await?;
    Ok(head)
}

/// Whether the audit row `(seq, hash)` of `org_id` is in the books: after
/// a commit whose answer was lost, whether that write was kept. The head is
/// locked first (on PostgreSQL), so a commit still finishing on the same
/// server is waited for, not missed.
pub(crate) async fn kept(conn: &mut AnyConnection, for_update: &str, org_id: i64, (seq, hash): &(i64, String)) -> Result<bool> {
    sqlx::query(&format!("SELECT seq FROM audit_head WHERE org_id = $1{for_update}"))
        .bind(org_id)
        .fetch_optional(&mut *conn)
        .await?;
    let found: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE org_id = $1 AND seq = $2 AND hash = $3")
        .bind(org_id)
        .bind(*seq)
        .bind(hash.as_str())
        .fetch_one(&mut *conn)
        .await?;
    Ok(found > 0)
}

/// A row to add to the chain with [`stage`].
pub(crate) struct NewRow<'a> {
    pub actor: &'a Actor,
    pub action: &'a str,
    pub record: &'a str,
    pub before: Option<&'a Value>,
    pub after: Option<&'a Value>,
}

/// Chains `rows` after the organisation's head (locked on PostgreSQL) into
/// `batch`, and returns the new head for [`set_head`] once they are written.
pub(crate) async fn stage(
    conn: &mut AnyConnection,
    for_update: &str,
    org_id: i64,
    rows: &[NewRow<'_>],
    batch: &mut crate::batch::Batch,
) -> Result<(i64, String)> {
    let head = sqlx::query(&format!("SELECT seq, hash FROM audit_head WHERE org_id = $1{for_update}"))
        .bind(org_id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::Corrupt(format!("audit head missing for organisation {org_id}")))?;
    let (mut seq, mut hash): (i64, String) = (head.try_get("seq")?, head.try_get("hash")?);
    let at = now_text();
    for new in rows {
        let mut row = AuditRow {
            seq: seq + 1,
            at: at.clone(),
            actor: new.actor.name.clone(),
            address: new.actor.address.clone(),
            action: new.action.to_string(),
            record: new.record.to_string(),
            before: new.before.map(Value::to_string),
            after: new.after.map(Value::to_string),
            prev_hash: hash,
            hash: String::new(),
        };
        row.hash = row_hash(org_id, &row);
        seq = row.seq;
        hash = row.hash.clone();
        batch.push(crate::batch::AuditLogRow {
            org_id: org_id.into(),
            seq: row.seq.into(),
            at: row.at.into(),
            actor: row.actor.into(),
            address: row.address.into(),
            action: row.action.into(),
            record: row.record.into(),
            before_json: row.before.into(),
            after_json: row.after.into(),
            prev_hash: row.prev_hash.into(),
            hash: row.hash.into(),
        });
    }
    Ok((seq, hash))
}

/// Moves the organisation's head after staged rows were written.
pub(crate) async fn set_head(conn: &mut AnyConnection, org_id: i64, (seq, hash): &(i64, String)) -> Result<()> {
    sqlx::query("UPDATE audit_head SET seq = $2, hash = $3 WHERE org_id = $1")
        .bind(org_id)
        .bind(*seq)
        .bind(hash.as_str())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// What an audited write is about: the record, and where to read its state.
#[derive(Clone, Debug)]
pub enum Subject {
    Account(String),
    Invoice(String),
    Payment(i64),
    Item(String),
    Claim(String),
    Denial(i64),
}

impl Subject {
    pub fn label(&self) -> String {
        match self {
            Subject::Account(n) => format!("account:{}", n.trim().to_ascii_uppercase()),
            Subject::Invoice(n) => format!("invoice:{}", n.trim().to_ascii_uppercase()),
            Subject::Payment(id) => format!("payment:{id}"),
            Subject::Item(r) => format!("item:{}", r.trim().to_ascii_uppercase()),
            Subject::Claim(n) => format!("claim:{}", n.trim().to_ascii_uppercase()),
            Subject::Denial(id) => format!("denial:{id}"),
        }
    }
}

/// The state an audit row records before and after a write: the account's
/// balance, credit and status, and the invoice, payment or item named.
pub(crate) async fn snapshot(conn: &mut AnyConnection, org_id: i64, subject: &Subject) -> Result<Option<Value>> {
    enum Key {
        Text(String),
        Id(i64),
    }
    let (sql, key) = match subject {
        Subject::Account(n) => (
            "SELECT a.account_number, a.status AS account_status, a.currency, a.balance_minor, a.credit_minor, NULL AS record, NULL AS record_status, NULL AS record_balance \
             FROM account a WHERE a.org_id = $1 AND a.account_number = $2",
            Key::Text(n.trim().to_ascii_uppercase()),
        ),
        Subject::Invoice(n) => (
            "SELECT a.account_number, a.status AS account_status, a.currency, a.balance_minor, a.credit_minor, i.invoice_number AS record, i.status AS record_status, NULL AS record_balance \
             FROM invoice i JOIN account a ON a.org_id = i.org_id AND a.account_id = i.account_id \
             WHERE i.org_id = $1 AND i.invoice_number = $2",
            Key::Text(n.trim().to_ascii_uppercase()),
        ),
        Subject::Payment(id) => (
            "SELECT a.account_number, a.status AS account_status, a.currency, a.balance_minor, a.credit_minor, CAST(p.payment_id AS TEXT) AS record, p.status AS record_status, NULL AS record_balance \
             FROM payment p JOIN account a ON a.org_id = p.org_id AND a.account_id = p.account_id \
             WHERE p.org_id = $1 AND p.payment_id = $2",
            Key::Id(*id),
        ),
        Subject::Item(r) => (
            "SELECT a.account_number, a.status AS account_status, a.currency, a.balance_minor, a.credit_minor, o.reference AS record, o.status AS record_status, o.balance_minor AS record_balance \
             FROM open_item o JOIN account a ON a.org_id = o.org_id AND a.account_id = o.account_id \
             WHERE o.org_id = $1 AND o.reference = $2",
            Key::Text(r.trim().to_ascii_uppercase()),
        ),
        Subject::Claim(n) => (
            "SELECT a.account_number, a.status AS account_status, a.currency, a.balance_minor, a.credit_minor, c.claim_number AS record, c.status AS record_status, c.total_minor AS record_balance \
             FROM claim c JOIN account a ON a.org_id = c.org_id AND a.account_id = c.account_id \
             WHERE c.org_id = $1 AND c.claim_number = $2",
            Key::Text(n.trim().to_ascii_uppercase()),
        ),
        Subject::Denial(id) => (
            "SELECT a.account_number, a.status AS account_status, a.currency, a.balance_minor, a.credit_minor, CAST(d.denial_id AS TEXT) AS record, d.status AS record_status, o.balance_minor AS record_balance \
             FROM denial d JOIN open_item o ON o.org_id = d.org_id AND o.item_id = d.item_id JOIN account a ON a.org_id = o.org_id AND a.account_id = o.account_id \
             WHERE d.org_id = $1 AND d.denial_id = $2",
            Key::Id(*id),
        ),
    };
    let query = sqlx::query(sql).bind(org_id);
    let query = match key {
        Key::Text(text) => query.bind(text),
        Key::Id(id) => query.bind(id),
    };
    let Some(row) = query.fetch_optional(&mut *conn).await? else {
        return Ok(None);
    };
    let mut state = serde_json::json!({
        "account": row.try_get::<String, _>("account_number")?,
        "account_status": row.try_get::<String, _>("account_status")?,
        "currency": row.try_get::<String, _>("currency")?,
        "balance_minor": row.try_get::<i64, _>("balance_minor")?,
        "credit_minor": row.try_get::<i64, _>("credit_minor")?,
    });
    if let Some(name) = row.try_get::<Option<String>, _>("record")? {
        state["record"] = name.into();
        state["record_status"] = row.try_get::<Option<String>, _>("record_status")?.into();
    }
    if let Some(balance) = row.try_get::<Option<i64>, _>("record_balance")? {
        state["record_balance_minor"] = balance.into();
    }
    Ok(Some(state))
}

/// What was kept elsewhere of one row: its whole copy (an export) or its
/// number and hash (an anchor).
struct Kept {
    seq: i64,
    hash: String,
    row: Option<AuditRow>,
}

/// What `settle audit anchor` prints: the heads of the trail and of the
/// journal at one moment, to keep somewhere the database's owner cannot
/// write. `audit verify --against` checks the books still extend it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Anchor {
    pub organisation: String,
    pub at: String,
    pub audit_seq: i64,
    pub audit_hash: String,
    pub journal: crate::platform::chain::JournalHead,
}

impl Store {
    /// Every view of a person's record the store builds calls this: inside
    /// [`collect_reads`] (every request, every CLI command) the read joins
    /// the request's one audit row; anywhere else it is written at once. So
    /// a new page, route or command that reads through the store is audited
    /// without remembering to be.
    pub async fn note_read(&self, org_id: i64, action: &str, record: &str) -> Result<()> {
        let noted = READS.try_with(|r| {
            r.borrow_mut().push(NotedRead {
                org_id,
                action: action.to_string(),
                record: record.to_string(),
            })
        });
        if noted.is_ok() {
            return Ok(());
        }
        self.audit_event(org_id, action, record, None).await
    }

    /// Writes a request's reads as one audit row: the first record's action
    /// and record, with every record read and `what` (the request: method
    /// and path, or the command) in its detail.
    pub async fn audit_reads(&self, org_id: i64, what: &str, reads: &[NotedRead]) -> Result<()> {
        let mut records: Vec<&str> = Vec::new();
        let mut actions: Vec<&str> = Vec::new();
        for read in reads.iter().filter(|r| r.org_id == org_id) {
            if !records.contains(&read.record.as_str()) {
                records.push(&read.record);
            }
            if !actions.contains(&read.action.as_str()) {
                actions.push(&read.action);
            }
        }
        let action = actions.first().copied().unwrap_or("read");
        let record = match records.as_slice() {
            [] => what.to_string(),
            [one] => (*one).to_string(),
            [first, rest @ ..] => format!("{first} and {} more", rest.len()),
        };
        let detail = serde_json::json!({ "request": what, "records": records, "views": actions });
        self.audit_event(org_id, action, &record, Some(&detail)).await
    }

    /// The journal's chain recomputed and compared with its head.
    async fn journal_findings(&self, org: &Organisation) -> Result<Vec<AuditFinding>> {
        let mut findings = Vec::new();
        let walked = crate::platform::chain::walk(&self.pool, org.org_id, None, |_| {}).await?;
        let head = crate::platform::chain::head(&mut *self.pool.acquire().await?, "", org.org_id).await?;
        match head {
            None => findings.push(AuditFinding {
                seq: 0,
                problem: "the journal's chain head is missing: it was deleted around Settle".into(),
            }),
            Some(head) if head != walked => findings.push(AuditFinding {
                seq: 0,
                problem: format!(
                    "the journal does not match its chain: the head covers {} entries up to entry {}, the journal now has {} up to entry {} \
                     {}(an entry or posting was inserted, changed or deleted around Settle)",
                    head.entries,
                    head.last_entry_id,
                    walked.entries,
                    walked.last_entry_id,
                    if head.entries == walked.entries { "with other contents " } else { "" }
                ),
            }),
            Some(_) => {}
        }
        let orphans: i64 = sqlx::query_scalar(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM posting p WHERE p.org_id = $1 \
             AND NOT EXISTS (SELECT 1 FROM journal_entry e WHERE e.org_id = p.org_id AND e.entry_id = p.entry_id)",
        )
        .bind(org.org_id)
        .fetch_one(&self.pool)
        .await?;
        if orphans > 0 {
            findings.push(AuditFinding {
                seq: 0,
                problem: format!("{orphans} posting(s) belong to no journal entry: inserted around Settle"),
            });
        }
        Ok(findings)
    }

    /// The heads of the trail and the journal now, for `settle audit anchor`.
    pub async fn audit_anchor(&self, org: &Organisation) -> Result<Anchor> {
        let mut conn = self.pool.acquire().await?;
        let row = sqlx::query("SELECT seq, hash FROM audit_head WHERE org_id = $1")
            .bind(org.org_id)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| StoreError::Corrupt("the trail's head is missing; run `settle audit verify`".into()))?;
        let journal = crate::platform::chain::head(&mut conn, "", org.org_id)
            .await?
            .ok_or_else(|| StoreError::Corrupt("the journal's chain head is missing; run `settle audit verify`".into()))?;
        Ok(Anchor {
            organisation: org.slug.clone(),
            at: now_text(),
            audit_seq: row.try_get("seq")?,
            audit_hash: row.try_get("hash")?,
            journal,
        })
    }

    /// Checks the books against an anchor or an earlier `audit export`
    /// (JSON lines): every row kept elsewhere must still be in the trail
    /// unchanged, and the journal's first entries must still hash to the
    /// anchor's head. Names each difference; empty: the books extend it.
    pub async fn audit_verify_against(&self, org: &Organisation, file: &str) -> Result<Vec<AuditFinding>> {
        let mut findings = Vec::new();
        let trimmed = file.trim_start();
        let mut kept: Vec<Kept> = Vec::new();
        let mut anchor: Option<Anchor> = None;
        if trimmed.starts_with('{') && trimmed.contains("\"audit_seq\"") {
            anchor = Some(serde_json::from_str(trimmed).map_err(|e| StoreError::invalid("against", format!("not an anchor: {e}")))?);
        } else {
            for (n, line) in file.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
                let row: AuditRow = serde_json::from_str(line)
                    .map_err(|e| StoreError::invalid("against", format!("line {}: not an audit row from `settle audit export`: {e}", n + 1)))?;
                kept.push(Kept {
                    seq: row.seq,
                    hash: row.hash.clone(),
                    row: Some(row),
                });
            }
        }
        if let Some(anchor) = &anchor {
            if anchor.organisation != org.slug {
                return Err(StoreError::invalid(
                    "against",
                    format!("the anchor is of organisation {:?}, not {:?}", anchor.organisation, org.slug),
                ));
            }
            if anchor.audit_seq > 0 {
                kept.push(Kept {
                    seq: anchor.audit_seq,
                    hash: anchor.audit_hash.clone(),
                    row: None,
                });
            }
            let limit = anchor.journal.entries.max(0);
            let walked = crate::platform::chain::walk(&self.pool, org.org_id, Some(limit), |_| {}).await?;
            if walked != anchor.journal {
                findings.push(AuditFinding {
                    seq: 0,
                    problem: format!(
                        "the journal's first {} entries no longer hash to the anchor's head (up to entry {}): the journal was rewritten",
                        anchor.journal.entries, anchor.journal.last_entry_id
                    ),
                });
            }
        }
        if anchor.is_none() && kept.is_empty() {
            return Err(StoreError::invalid("against", "the file holds neither an anchor nor audit rows"));
        }
        findings.extend(self.kept_rows_findings(org, kept).await?);
        Ok(findings)
    }

    /// Walks the trail once beside what was kept of it (sorted by row) and
    /// names each kept row that is gone or no longer the same.
    async fn kept_rows_findings(&self, org: &Organisation, mut kept: Vec<Kept>) -> Result<Vec<AuditFinding>> {
        kept.sort_by_key(|k| k.seq);
        let mut findings = Vec::new();
        let missing = |k: &Kept, findings: &mut Vec<AuditFinding>| {
            findings.push(AuditFinding {
                seq: k.seq,
                problem: format!("row {} that was kept elsewhere is gone: the trail was cut back or rewritten", k.seq),
            })
        };
        let mut next = 0;
        let mut after = kept.first().map_or(0, |k| k.seq - 1);
        while next < kept.len() && findings.len() < 1000 {
            let page = self.audit_page(org, after, 5_000).await?;
            let Some(last) = page.last() else { break };
            after = last.seq;
            for row in &page {
                while next < kept.len() && kept[next].seq < row.seq {
                    missing(&kept[next], &mut findings);
                    next += 1;
                }
                if let Some(k) = kept.get(next).filter(|k| k.seq == row.seq) {
                    if row.hash != k.hash || k.row.as_ref().is_some_and(|copy| copy != row) {
                        findings.push(AuditFinding {
                            seq: row.seq,
                            problem: format!("row {} differs from the copy kept elsewhere: the trail was rewritten", row.seq),
                        });
                    }
                    next += 1;
                }
            }
        }
        for k in kept.iter().skip(next) {
            missing(k, &mut findings);
        }
        Ok(findings)
    }

    /// Appends one row in a transaction of its own: reads of people's
    /// records, logins, and other events with no ledger write.
    pub async fn audit_event(&self, org_id: i64, action: &str, record: &str, detail: Option<&Value>) -> Result<()> {
        self.write(|tx| Box::pin(async move { tx.audit(org_id, action, record, None, detail).await }))
            .await
    }

    /// A page of the trail, oldest first, after row `after_seq`.
    pub async fn audit_page(&self, org: &Organisation, after_seq: i64, limit: i64) -> Result<Vec<AuditRow>> {
        let rows = sqlx::query(
            "SELECT seq, at, actor, address, action, record, before_json, after_json, prev_hash, hash \
             FROM audit_log WHERE org_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
        )
        .bind(org.org_id)
        .bind(after_seq)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(audit_row_from).collect()
    }

    /// Recomputes the chain and names each row it does not vouch for:
    /// rows whose contents changed, rows missing (deleted), rows that do not
    /// follow the one before (inserted or reordered), and a head that does
    /// not match the last row (rows deleted from the end). Empty: intact.
    pub async fn audit_verify(&self, org: &Organisation) -> Result<(u64, Vec<AuditFinding>)> {
        let mut findings = Vec::new();
        let mut expected_seq = 1i64;
        let mut prev_hash = GENESIS.to_string();
        let mut last_seq = 0i64;
        let mut checked = 0u64;
        loop {
            let page = self.audit_page(org, last_seq, 5_000).await?;
            let Some(last) = page.last() else { break };
            last_seq = last.seq;
            for row in &page {
                checked += 1;
                if row.seq != expected_seq {
                    let missing = if row.seq == expected_seq + 1 {
                        format!("row {expected_seq} is missing (deleted)")
                    } else {
                        format!("rows {expected_seq} to {} are missing (deleted)", row.seq - 1)
                    };
                    findings.push(AuditFinding {
                        seq: expected_seq,
                        problem: missing,
                    });
                }
                if row_hash(org.org_id, row) != row.hash {
                    findings.push(AuditFinding {
                        seq: row.seq,
                        problem: format!("row {} was changed: its contents no longer match its hash", row.seq),
                    });
                } else if row.prev_hash != prev_hash {
                    findings.push(AuditFinding {
                        seq: row.seq,
                        problem: format!("row {} does not follow the row before it (a row was inserted, changed or deleted)", row.seq),
                    });
                }
                prev_hash = row.hash.clone();
                expected_seq = row.seq + 1;
            }
        }
        let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE org_id = $1")
            .bind(org.org_id)
            .fetch_optional(&self.pool)
            .await?;
        match head {
            Some(head) => {
                let head_seq: i64 = head.try_get("seq")?;
                let head_hash: String = head.try_get("hash")?;
                if head_seq != expected_seq - 1 || head_hash != prev_hash {
                    findings.push(AuditFinding {
                        seq: head_seq,
                        problem: format!(
                            "the chain's head is row {head_seq} but the last row found is {}: rows at the end were deleted or inserted",
                            expected_seq - 1
                        ),
                    });
                }
            }
            None => findings.push(AuditFinding {
                seq: 0,
                problem: "the trail's head is missing: it was deleted around Settle, so rows deleted from the end cannot be ruled out".into(),
            }),
        }
        // Creating an organisation is its first audited write, so a trail
        // with no rows beside a journal with entries was emptied.
        let entries: i64 = sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM journal_entry WHERE org_id = $1")
            .bind(org.org_id)
            .fetch_one(&self.pool)
            .await?;
        if checked == 0 {
            findings.push(AuditFinding {
                seq: 0,
                problem: format!("the trail is empty beside a journal of {entries} entries: it was emptied"),
            });
        }
        findings.extend(self.journal_findings(org).await?);
        Ok((checked, findings))
    }
}
