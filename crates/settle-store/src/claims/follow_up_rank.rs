//! The follow-up list kept ranked, so its first page is read by an index
//! however many claims are open.
//!
//! `follow_up_rank` holds one row per open claim with the order keys the
//! domain gave it (`settle_domain::follow_up::sort_key`) on the day in
//! `follow_up_state.as_of`. Database triggers put every claim whose facts
//! change (its status, lines, open balance, denials, follow-up date or
//! person, a payer's 277 answer) in `follow_up_dirty`, whichever path
//! changed it; before the list is read, those claims are ranked again. A
//! new day, or a payer's limits changed, ranks every claim again, a slice
//! of claims per transaction (writers wait for a slice, never for the
//! book). The dirty rows are taken (deleted) before the facts are read, so
//! a change committed while the ranking is made leaves a row of its own
//! for the next read. The counts by urgency are kept beside the ranking.

use serde::Serialize;
use settle_domain::follow_up::sort_key;
use settle_domain::Date;
use sqlx::Row;

use super::follow_up::{read_open, Assessed, FollowUpFilter, Scope};
use crate::batch::{Batch, FollowUpRankRow};
use crate::platform::Organisation;
use crate::write::Unaudited;
use crate::{in_list, Result, Store};

/// Claims ranked per transaction of a whole ranking (as a dunning run's chunk).
const SLICE: i64 = 5_000;

/// How many claims the list holds, by urgency.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct FollowUpCounts {
    pub near_deadline: i64,
    pub due: i64,
    pub past_deadline: i64,
    /// Open claims that wait (an answer not yet due, a follow-up date ahead).
    pub waiting: i64,
}

impl FollowUpCounts {
    /// The claims that need work today.
    pub fn to_work(&self) -> i64 {
        self.near_deadline + self.due + self.past_deadline
    }

    /// Moves a group's count by `n`.
    fn add(&mut self, grp: i64, n: i64) {
        match grp {
            0 => self.near_deadline += n,
            1 => self.due += n,
            2 => self.past_deadline += n,
            _ => self.waiting += n,
        }
    }
}

const COUNT_COLUMNS: &str = "near_deadline, due, past_deadline, waiting";

async fn kept_counts(conn: &mut sqlx::AnyConnection, org_id: i64) -> Result<FollowUpCounts> {
    let r = sqlx::query(&format!("SELECT {COUNT_COLUMNS} FROM follow_up_state WHERE org_id = $1"))
        .bind(org_id)
        .fetch_one(&mut *conn)
        .await?;
    Ok(FollowUpCounts {
        near_deadline: r.try_get("near_deadline")?,
        due: r.try_get("due")?,
        past_deadline: r.try_get("past_deadline")?,
        waiting: r.try_get("waiting")?,
    })
}

/// Ranks a slice of claims, counting them into `counts`.
async fn rank_slice(conn: &mut sqlx::AnyConnection, org_id: i64, slice: &[Assessed], counts: &mut FollowUpCounts) -> Result<()> {
    let mut batch = Batch::default();
    for c in slice {
        counts.add(sort_key(c.assessed.as_ref(), c.open_minor).0, 1);
        batch.push(rank_row(org_id, c));
    }
    batch.flush(conn, org_id).await
}

async fn keep_counts(conn: &mut sqlx::AnyConnection, org_id: i64, counts: &FollowUpCounts) -> Result<()> {
    sqlx::query("UPDATE follow_up_state SET near_deadline = $2, due = $3, past_deadline = $4, waiting = $5 WHERE org_id = $1")
        .bind(org_id)
        .bind(counts.near_deadline)
        .bind(counts.due)
        .bind(counts.past_deadline)
        .bind(counts.waiting)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

fn rank_row(org_id: i64, c: &Assessed) -> FollowUpRankRow {
    let (grp, key_a, key_b) = sort_key(c.assessed.as_ref(), c.open_minor);
    FollowUpRankRow {
        org_id: org_id.into(),
        claim_id: c.claim_id.into(),
        claim_number: c.claim_number.as_str().into(),
        payer_key: c.payer_key.into(),
        assigned_to: c.assigned_to.as_str().into(),
        grp: grp.into(),
        key_a: key_a.into(),
        key_b: key_b.into(),
    }
}

/// The filter's conditions on the ranking, after `org_id = $1`.
fn conditions(filter: &FollowUpFilter, payer_key: Option<i64>) -> (String, Option<String>) {
    let mut sql = String::new();
    if filter.all != Some(true) {
        sql.push_str(" AND grp < 3");
    }
    if let Some(key) = payer_key {
        sql.push_str(&format!(" AND payer_key = {key}"));
    }
    let person = filter.assigned_to.as_ref().map(|a| a.trim().to_string());
    if person.is_some() {
        sql.push_str(" AND assigned_to = $2");
    }
    (sql, person)
}

impl Store {
    /// Ranks the follow-up list for `today` now (a nightly job's work, so
    /// the first reader of a day does not wait for a large book's ranking).
    pub async fn rank_follow_up(&self, org: &Organisation, today: Date) -> Result<FollowUpCounts> {
        self.follow_up_counts(org, &FollowUpFilter::default(), today).await
    }

    /// The whole list's counts when it is already ranked for `today` (the
    /// changes since brought in); `None` while the day's ranking is still
    /// to be made, so a dashboard never waits for it.
    pub async fn follow_up_counts_if_ranked(&self, org: &Organisation, today: Date) -> Result<Option<FollowUpCounts>> {
        let as_of: Option<String> = sqlx::query("SELECT as_of FROM follow_up_state WHERE org_id = $1")
            .bind(org.org_id)
            .fetch_optional(self.pool())
            .await?
            .map(|r| r.try_get("as_of"))
            .transpose()?
            .flatten();
        if as_of != Some(today.to_string()) {
            return Ok(None);
        }
        self.follow_up_counts(org, &FollowUpFilter::default(), today).await.map(Some)
    }

    /// Brings the kept ranking up to `today`: the claims changed since it
    /// was made, or every claim on a new day.
    pub(super) async fn refresh_follow_up(&self, org: &Organisation, today: Date) -> Result<()> {
        let org_id = org.org_id;
        let state: Option<Option<String>> = sqlx::query("SELECT as_of FROM follow_up_state WHERE org_id = $1")
            .bind(org_id)
            .fetch_optional(self.pool())
            .await?
            .map(|r| r.try_get("as_of"))
            .transpose()?;
        let current = state.as_ref().is_some_and(|s| s.as_deref() == Some(today.to_string().as_str()));
        if !current {
            self.rank_every_claim(org_id, today).await?;
        }
        let dirty = sqlx::query("SELECT 1 FROM follow_up_dirty WHERE org_id = $1 LIMIT 1")
            .bind(org_id)
            .fetch_optional(self.pool())
            .await?
            .is_some();
        if dirty {
            self.rank_changed_claims(org_id, today).await?;
        }
        Ok(())
    }

    /// Takes the state row, locked (one ranker at a time per
    /// organisation), and says whether it is ranked as of `today`.
    async fn lock_state(conn: &mut sqlx::AnyConnection, for_update: &str, org_id: i64, today: &str) -> Result<bool> {
        sqlx::query("INSERT INTO follow_up_state (org_id, as_of) VALUES ($1, NULL) ON CONFLICT (org_id) DO NOTHING")
            .bind(org_id)
            .execute(&mut *conn)
            .await?;
        let as_of: Option<String> = sqlx::query(&format!("SELECT as_of FROM follow_up_state WHERE org_id = $1{for_update}"))
            .bind(org_id)
            .fetch_one(&mut *conn)
            .await?
            .try_get("as_of")?;
        Ok(as_of.as_deref() == Some(today))
    }

    /// Ranks every open claim on a new day, a slice of claims per
    /// transaction, so payments and claims written meanwhile wait for one
    /// slice, never for the whole book. Claims changed meanwhile leave
    /// their own dirty rows, ranked again after.
    async fn rank_every_claim(&self, org_id: i64, today: Date) -> Result<()> {
        let for_update = self.for_update();
        let today_text = &today.to_string();
        // Every claim is read afresh below: the changes noted so far are in it.
        let current = self
            .write(|tx| {
                Box::pin(async move {
                    tx.unaudited(Unaudited::Ranking);
                    let conn = tx.conn();
                    let current = Self::lock_state(conn, for_update, org_id, today_text).await?;
                    if !current {
                        sqlx::query("DELETE FROM follow_up_dirty WHERE org_id = $1")
                            .bind(org_id)
                            .execute(&mut *conn)
                            .await?;
                    }
                    Ok(current)
                })
            })
            .await?;
        if current {
            return Ok(());
        }
        let mut after = 0;
        loop {
            let (done, last) = self
                .write(|tx| {
                    Box::pin(async move {
                        tx.unaudited(Unaudited::Ranking);
                        let conn = tx.conn();
                        Self::lock_state(conn, for_update, org_id, today_text).await?;
                        let slice = read_open(conn, org_id, &Scope::After { claim_id: after, limit: SLICE }, today, None).await?;
                        // The slice's range, claims no longer open included.
                        let (done, last) = match slice.last() {
                            Some(last) => (false, last.claim_id),
                            None => (true, i64::MAX),
                        };
                        sqlx::query("DELETE FROM follow_up_rank WHERE org_id = $1 AND claim_id > $2 AND claim_id <= $3")
                            .bind(org_id)
                            .bind(after)
                            .bind(last)
                            .execute(&mut *conn)
                            .await?;
                        rank_slice(conn, org_id, &slice, &mut FollowUpCounts::default()).await?;
                        if done {
                            let mut counts = FollowUpCounts::default();
                            for r in sqlx::query("SELECT grp, CAST(COUNT(*) AS BIGINT) AS n FROM follow_up_rank WHERE org_id = $1 GROUP BY grp")
                                .bind(org_id)
                                .fetch_all(&mut *conn)
                                .await?
                            {
                                counts.add(r.try_get("grp")?, r.try_get("n")?);
                            }
                            sqlx::query("UPDATE follow_up_state SET as_of = $2 WHERE org_id = $1")
                                .bind(org_id)
                                .bind(today_text)
                                .execute(&mut *conn)
                                .await?;
                            keep_counts(conn, org_id, &counts).await?;
                        }
                        Ok((done, last))
                    })
                })
                .await?;
            if done {
                return Ok(());
            }
            after = last;
        }
    }

    /// Ranks again the claims whose facts changed since they were ranked.
    /// Their dirty rows are taken (deleted) before their facts are read, so
    /// a change committed meanwhile leaves a row for the next read.
    async fn rank_changed_claims(&self, org_id: i64, today: Date) -> Result<()> {
        let for_update = self.for_update();
        let today_text = &today.to_string();
        self.write(|tx| {
            Box::pin(async move {
                tx.unaudited(Unaudited::Ranking);
                let conn = tx.conn();
                Self::lock_state(conn, for_update, org_id, today_text).await?;
                let taken = sqlx::query("DELETE FROM follow_up_dirty WHERE org_id = $1 RETURNING claim_id")
                    .bind(org_id)
                    .fetch_all(&mut *conn)
                    .await?;
                let mut ids = taken
                    .iter()
                    .map(|r| r.try_get::<i64, _>("claim_id"))
                    .collect::<std::result::Result<Vec<_>, _>>()?;
                ids.sort_unstable();
                ids.dedup();
                let mut counts = kept_counts(conn, org_id).await?;
                for chunk in ids.chunks(SLICE as usize) {
                    let list = in_list(chunk);
                    let before = sqlx::query(&format!(
                        "SELECT grp, CAST(COUNT(*) AS BIGINT) AS n FROM follow_up_rank WHERE org_id = $1 AND claim_id IN ({list}) GROUP BY grp"
                    ))
                    .bind(org_id)
                    .fetch_all(&mut *conn)
                    .await?;
                    for r in before {
                        counts.add(r.try_get("grp")?, -r.try_get::<i64, _>("n")?);
                    }
                    sqlx::query(&format!("DELETE FROM follow_up_rank WHERE org_id = $1 AND claim_id IN ({list})"))
                        .bind(org_id)
                        .execute(&mut *conn)
                        .await?;
                    let slice = read_open(conn, org_id, &Scope::Ids(chunk.to_vec()), today, None).await?;
                    rank_slice(conn, org_id, &slice, &mut counts).await?;
                }
                keep_counts(conn, org_id, &counts).await
            })
        })
        .await
    }

    /// The ranked claims' ids, the filter's page of them.
    pub(super) async fn ranked_ids(&self, org: &Organisation, filter: &FollowUpFilter, payer: &str) -> Result<Vec<i64>> {
        let Some(payer_key) = self.payer_key_for(org, payer).await? else {
            return Ok(Vec::new());
        };
        let (conditions, person) = conditions(filter, payer_key);
        let page = match filter.limit {
            Some(limit) => format!(" LIMIT {limit} OFFSET {}", filter.offset.unwrap_or(0)),
            // Both engines take a LIMIT before an OFFSET.
            None if filter.offset.is_some() => format!(" LIMIT {} OFFSET {}", i64::MAX, filter.offset.unwrap_or(0)),
            None => String::new(),
        };
        let sql = format!("SELECT claim_id FROM follow_up_rank WHERE org_id = $1{conditions} ORDER BY grp, key_a, key_b, claim_number{page}");
        let query = sqlx::query(&sql).bind(org.org_id);
        let query = match &person {
            Some(p) => query.bind(p.clone()),
            None => query,
        };
        query
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(|r| Ok(r.try_get::<i64, _>("claim_id")?))
            .collect()
    }

    /// `Some(None)` for no payer named, `Some(Some(key))` for a payer,
    /// `None` when the payer named is not one of the organisation's.
    async fn payer_key_for(&self, org: &Organisation, payer: &str) -> Result<Option<Option<i64>>> {
        if payer.is_empty() {
            return Ok(Some(None));
        }
        Ok(sqlx::query("SELECT payer_key FROM payer WHERE org_id = $1 AND UPPER(payer_code) = $2")
            .bind(org.org_id)
            .bind(payer)
            .fetch_optional(self.pool())
            .await?
            .map(|r| r.try_get::<i64, _>("payer_key"))
            .transpose()?
            .map(Some))
    }

    /// How many claims the follow-up list holds on `today`, by urgency
    /// (the filter's payer and person; its page is ignored).
    pub async fn follow_up_counts(&self, org: &Organisation, filter: &FollowUpFilter, today: Date) -> Result<FollowUpCounts> {
        self.refresh_follow_up(org, today).await?;
        let payer = filter.payer.as_deref().map(|p| p.trim().to_ascii_uppercase()).unwrap_or_default();
        let Some(payer_key) = self.payer_key_for(org, &payer).await? else {
            return Ok(FollowUpCounts::default());
        };
        if payer_key.is_none() && filter.assigned_to.is_none() {
            // The whole list: the counts kept with the ranking.
            let mut conn = self.pool().acquire().await?;
            return kept_counts(&mut conn, org.org_id).await;
        }
        let all = FollowUpFilter {
            all: Some(true),
            ..filter.clone()
        };
        let (conditions, person) = conditions(&all, payer_key);
        let sql = format!("SELECT grp, CAST(COUNT(*) AS BIGINT) AS n FROM follow_up_rank WHERE org_id = $1{conditions} GROUP BY grp");
        let query = sqlx::query(&sql).bind(org.org_id);
        let query = match &person {
            Some(p) => query.bind(p.clone()),
            None => query,
        };
        let mut counts = FollowUpCounts::default();
        for r in query.fetch_all(self.pool()).await? {
            counts.add(r.try_get("grp")?, r.try_get("n")?);
        }
        Ok(counts)
    }
}
