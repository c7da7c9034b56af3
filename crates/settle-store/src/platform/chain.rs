//! The journal's hash chain: every entry and its postings, in id order,
//! folded into one running SHA-256 per organisation (`journal_head`).
//!
//! The chain moves in [`crate::batch::Batch::flush`], the one place entries
//! are written, in the same transaction; `audit_verify` walks the journal
//! again and compares. So an entry or a posting inserted, changed or deleted
//! around Settle (even a balanced one, which `verify` cannot see) breaks the
//! chain, and an anchor kept elsewhere (`settle audit anchor`) catches a
//! rewrite of journal and head together.

use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, Row};

use crate::{Result, StoreError};

/// One posting as the chain sees it: line, GL code, account, item, amount.
pub(crate) type PostingFacts<'a> = (i64, &'a str, Option<i64>, Option<i64>, i64);

/// A posting as read back from the database, owning its GL code.
type PostingRow = (i64, String, Option<i64>, Option<i64>, i64);

/// The facts of one entry that the chain covers. `created_at` is not among
/// them: it says when, not what.
pub(crate) struct EntryFacts<'a> {
    pub entry_id: i64,
    pub kind: &'a str,
    pub effective_date: &'a str,
    pub currency: &'a str,
    pub account_id: Option<i64>,
    pub memo: &'a str,
}

/// The digest of one entry with its postings: every text length-prefixed
/// and every number fixed-width, so no field can bleed into the next. Written
/// straight into the hasher: this runs once per entry on the import path.
pub(crate) fn entry_digest(org_id: i64, entry: &EntryFacts<'_>, postings: &[PostingFacts<'_>]) -> [u8; 32] {
    fn text(hasher: &mut Sha256, s: &str) {
        hasher.update((s.len() as u64).to_le_bytes());
        hasher.update(s.as_bytes());
    }
    let mut hasher = Sha256::new();
    for n in [org_id, entry.entry_id, entry.account_id.unwrap_or(-1), postings.len() as i64] {
        hasher.update(n.to_le_bytes());
    }
    text(&mut hasher, entry.kind);
    text(&mut hasher, entry.effective_date);
    text(&mut hasher, entry.currency);
    text(&mut hasher, entry.memo);
    for (line_no, gl, account_id, item_id, amount) in postings {
        for n in [*line_no, account_id.unwrap_or(-1), item_id.unwrap_or(-1), *amount] {
            hasher.update(n.to_le_bytes());
        }
        text(&mut hasher, gl);
    }
    hasher.finalize().into()
}

/// The next link: SHA-256 over the previous link (hex) and an entry's digest.
pub(crate) fn link(prev_hex: &str, digest: &[u8; 32]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(prev_hex.as_bytes());
    hasher.update(digest);
    hex::encode(hasher.finalize())
}

/// The head of an organisation's journal chain.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct JournalHead {
    pub entries: i64,
    pub last_entry_id: i64,
    pub hash: String,
}

/// Reads the head (locked on PostgreSQL).
pub(crate) async fn head(conn: &mut AnyConnection, for_update: &str, org_id: i64) -> Result<Option<JournalHead>> {
    let row = sqlx::query(&format!("SELECT entries, last_entry_id, hash FROM journal_head WHERE org_id = $1{for_update}"))
        .bind(org_id)
        .fetch_optional(&mut *conn)
        .await?;
    row.map(|r| {
        Ok(JournalHead {
            entries: r.try_get("entries")?,
            last_entry_id: r.try_get("last_entry_id")?,
            hash: r.try_get("hash")?,
        })
    })
    .transpose()
}

/// Chains `digests` (entry id and digest, in the order written) after the
/// head and moves it, inside the caller's transaction.
pub(crate) async fn extend(conn: &mut AnyConnection, org_id: i64, digests: &[(i64, [u8; 32])]) -> Result<()> {
    if digests.is_empty() {
        return Ok(());
    }
    let for_update = if conn.backend_name() == "SQLite" { "" } else { " FOR UPDATE" };
    let Some(mut head) = head(conn, for_update, org_id).await? else {
        return Err(StoreError::Corrupt(format!(
            "the journal's chain head is missing for organisation {org_id}; run `settle audit verify`"
        )));
    };
    if head.entries < 0 {
        // Not computed yet (an old database opened by this binary for the
        // first time); opening the store computes it first.
        return Err(StoreError::Corrupt(format!(
            "the journal's chain head of organisation {org_id} was never computed; open the store again"
        )));
    }
    for (entry_id, digest) in digests {
        if *entry_id <= head.last_entry_id {
            return Err(StoreError::Corrupt(format!(
                "journal entry {entry_id} would be chained after entry {}: entries must be written in id order",
                head.last_entry_id
            )));
        }
        head.hash = link(&head.hash, digest);
        head.entries += 1;
        head.last_entry_id = *entry_id;
    }
    sqlx::query("UPDATE journal_head SET entries = $2, last_entry_id = $3, hash = $4 WHERE org_id = $1")
        .bind(org_id)
        .bind(head.entries)
        .bind(head.last_entry_id)
        .bind(&head.hash)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Walks an organisation's journal in id order, calling `each` with the
/// running head after each entry; at most `limit` entries.
pub(crate) async fn walk(pool: &sqlx::AnyPool, org_id: i64, limit: Option<i64>, mut each: impl FnMut(&JournalHead)) -> Result<JournalHead> {
    let mut head = JournalHead {
        entries: 0,
        last_entry_id: 0,
        hash: crate::platform::audit::GENESIS.to_string(),
    };
    const PAGE: i64 = 5_000;
    loop {
        let take = limit.map_or(PAGE, |l| PAGE.min(l - head.entries));
        if take <= 0 {
            break;
        }
        let entries = sqlx::query(
            "SELECT entry_id, kind, effective_date, currency, account_id, memo FROM journal_entry \
             WHERE org_id = $1 AND entry_id > $2 ORDER BY entry_id LIMIT $3",
        )
        .bind(org_id)
        .bind(head.last_entry_id)
        .bind(take)
        .fetch_all(pool)
        .await?;
        let Some(last) = entries.last() else { break };
        let last_id: i64 = last.try_get("entry_id")?;
        let postings = sqlx::query(
            "SELECT entry_id, line_no, gl_code, account_id, item_id, amount_minor FROM posting \
             WHERE org_id = $1 AND entry_id > $2 AND entry_id <= $3 ORDER BY entry_id, line_no",
        )
        .bind(org_id)
        .bind(head.last_entry_id)
        .bind(last_id)
        .fetch_all(pool)
        .await?;
        let mut postings = postings.iter().peekable();
        for e in &entries {
            let entry_id: i64 = e.try_get("entry_id")?;
            let mut lines: Vec<PostingRow> = Vec::new();
            while let Some(p) = postings.peek() {
                let owner: i64 = p.try_get("entry_id")?;
                if owner < entry_id {
                    // A posting whose entry is gone: it breaks the chain.
                    lines.push((-1, String::from("orphan"), None, None, 0));
                    postings.next();
                    continue;
                }
                if owner > entry_id {
                    break;
                }
                lines.push((
                    p.try_get("line_no")?,
                    p.try_get("gl_code")?,
                    p.try_get("account_id")?,
                    p.try_get("item_id")?,
                    p.try_get("amount_minor")?,
                ));
                postings.next();
            }
            let kind: String = e.try_get("kind")?;
            let date: String = e.try_get("effective_date")?;
            let currency: String = e.try_get("currency")?;
            let memo: String = e.try_get("memo")?;
            let facts = EntryFacts {
                entry_id,
                kind: &kind,
                effective_date: &date,
                currency: &currency,
                account_id: e.try_get("account_id")?,
                memo: &memo,
            };
            let view: Vec<PostingFacts<'_>> = lines.iter().map(|(l, g, a, i, m)| (*l, g.as_str(), *a, *i, *m)).collect();
            head.hash = link(&head.hash, &entry_digest(org_id, &facts, &view));
            head.entries += 1;
            head.last_entry_id = entry_id;
            each(&head);
        }
    }
    Ok(head)
}

/// Computes the heads marked `entries = -1` (databases from before the
/// chain) from the journal as it stands, once.
pub(crate) async fn start_unstarted(store: &crate::Store) -> Result<()> {
    let pending: Vec<i64> = sqlx::query_scalar("SELECT org_id FROM journal_head WHERE entries < 0")
        .fetch_all(store.pool())
        .await?;
    for org_id in pending {
        // Holding the write lock (and the head's row on PostgreSQL) while the
        // journal is read, so no entry lands between the walk and the head.
        store
            .write(|tx| {
                Box::pin(async move {
                    head(tx.conn(), store.for_update(), org_id).await?;
                    let head = walk(store.pool(), org_id, None, |_| {}).await?;
                    sqlx::query("UPDATE journal_head SET entries = $2, last_entry_id = $3, hash = $4 WHERE org_id = $1 AND entries < 0")
                        .bind(org_id)
                        .bind(head.entries)
                        .bind(head.last_entry_id)
                        .bind(&head.hash)
                        .execute(tx.conn())
                        .await?;
                    tx.unaudited(crate::write::Unaudited::Migration);
                    Ok(())
                })
            })
            .await?;
    }
    Ok(())
}
