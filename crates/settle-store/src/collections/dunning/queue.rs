//! The collectors' work queue, rebuilt by each run in the documented order;
//! the next account, the supervisor's view, holds released by a person.

use crate::batch::{self, Batch};
use crate::collections::bad;
use crate::collections::dunning::assign::RuleInput;
use crate::platform::Organisation;
use crate::write::fmt;
use crate::{Result, Store, StoreError};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use settle_domain::dunning::{self, QueueFacts};
use settle_domain::money::Currency;
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;

/// One account's row in the queue.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct QueueRow {
    pub rank: i64,
    pub account_number: String,
    pub consumer: String,
    pub tier: i64,
    pub level: String,
    pub promise_due: bool,
    pub balance: String,
    pub days_past_due: i64,
    pub broken_promises: i64,
    pub last_contact_on: Option<String>,
    pub collector: String,
    /// Whether a contact was logged on it today.
    pub worked_today: bool,
    /// A debt collector owes this account its validation notice (12 CFR
    /// 1006.34(a)(1)): "with the first contact", or the day by which it is
    /// due (five days after the initial communication). None when sent, or
    /// for a creditor.
    #[serde(default)]
    pub validation_notice_due: Option<String>,
    /// The number to call: the current phone of whoever answers for the
    /// account (the guarantor, else the holder).
    #[serde(default)]
    pub phone: Option<String>,
    /// The day a logged contact asked to call back, if one is set.
    #[serde(default)]
    pub call_back_on: Option<String>,
}

/// Per collector: the queue and the day's work.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct CollectorDay {
    /// "" for accounts no rule or person assigned.
    pub collector: String,
    pub queue: i64,
    pub queue_balance_minor: i64,
    pub worked_today: i64,
    pub calls_today: i64,
    pub right_party_today: i64,
    pub promises_today: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct SupervisorView {
    pub day: String,
    pub built_on: Option<String>,
    pub collectors: Vec<CollectorDay>,
    pub rules: Vec<RuleInput>,
    pub last_run: Option<RunSummary>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct RunSummary {
    pub run_id: i64,
    pub as_of: String,
    pub advanced: i64,
    pub letters: i64,
    pub emails: i64,
    pub fees: i64,
    pub refused: i64,
    pub queue: i64,
    pub run_by: String,
    pub finished_at: String,
}

/// Which queue, in which order, which page.
#[derive(Clone, Debug)]
pub struct QueueFilter {
    /// One collector's ("" for the unassigned), or everyone's.
    pub collector: Option<String>,
    /// One of [`QUEUE_SORTS`].
    pub sort: String,
    pub descending: bool,
    pub offset: i64,
    pub limit: i64,
}

impl Default for QueueFilter {
    fn default() -> QueueFilter {
        QueueFilter {
            collector: None,
            sort: "rank".into(),
            descending: false,
            offset: 0,
            limit: 200,
        }
    }
}

/// What a queue can be ordered by: the query string's name, the SQL.
pub const QUEUE_SORTS: [(&str, &str); 9] = [
    ("rank", "w.queue_rank"),
    ("account", "a.account_number"),
    ("consumer", "LOWER(p.name)"),
    ("tier", "w.tier"),
    ("balance", "w.balance_minor"),
    ("days", "w.days_past_due"),
    ("broken", "w.broken_promises"),
    ("last", "w.last_contact_on"),
    ("collector", "w.collector"),
];

impl Store {
    /// Replaces the queue: sorted by the documented order, ranked, and
    /// handed out (a coordinator's assignment first, then the rules).
    pub(in crate::collections) async fn write_queue(
        &self,
        conn: &mut AnyConnection,
        org_id: i64,
        mut queue: Vec<(QueueFacts, i64, String, String)>,
        today: Date,
    ) -> Result<i64> {
        queue.sort_by(|a, b| b.0.key().cmp(&a.0.key()).then(a.1.cmp(&b.1)));
        let manual: HashMap<i64, String> = sqlx::query("SELECT account_id, collector FROM worklist_assignment WHERE org_id = $1")
            .bind(org_id)
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| Ok((r.try_get("account_id")?, r.try_get("collector")?)))
            .collect::<Result<_>>()?;
        let rules = self.assignment_rules_in(conn, org_id).await?;
        let mut assigner = dunning::Assigner::new(&rules);
        sqlx::query("DELETE FROM worklist_item WHERE org_id = $1")
            .bind(org_id)
            .execute(&mut *conn)
            .await?;
        let mut batch = Batch::default();
        let built = today.to_string();
        for (rank, (q, account_id, name, level)) in queue.iter().enumerate() {
            let collector = match manual.get(account_id) {
                Some(c) => c.clone(),
                None => assigner.assign(q.balance_minor, name).unwrap_or("").to_string(),
            };
            batch.push(batch::WorklistItemRow {
                org_id: org_id.into(),
                account_id: (*account_id).into(),
                queue_rank: (rank as i64 + 1).into(),
                tier: q.tier.into(),
                promise_due: i64::from(q.promise_due).into(),
                balance_minor: q.balance_minor.into(),
                days_past_due: q.days_past_due.into(),
                broken_promises: q.broken_promises.into(),
                last_contact_on: q.last_contact.map(|d| d.to_string()).into(),
                level_name: level.clone().into(),
                collector: collector.into(),
                built_on: built.clone().into(),
            });
            if batch.row_count() >= 20_000 {
                batch.flush(conn, org_id).await?;
            }
        }
        batch.flush(conn, org_id).await?;
        Ok(queue.len() as i64)
    }

    /// The queue in work order: one collector's (Some("") for the unassigned), or everyone's.
    pub async fn queue(&self, org: &Organisation, collector: Option<&str>, today: Date, limit: i64) -> Result<Vec<QueueRow>> {
        let filter = QueueFilter {
            collector: collector.map(str::to_string),
            limit,
            ..QueueFilter::default()
        };
        self.queue_list(org, &filter, today).await
    }

    /// How many accounts a queue holds: one collector's, or everyone's.
    pub async fn queue_count(&self, org: &Organisation, collector: Option<&str>) -> Result<i64> {
        let sql = format!(
            "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM worklist_item w WHERE w.org_id = $1 {}",
            if collector.is_some() { "AND w.collector = $2" } else { "" }
        );
        let mut q = sqlx::query(&sql).bind(org.org_id);
        if let Some(c) = collector {
            q = q.bind(c.to_string());
        }
        Ok(q.fetch_one(self.pool()).await?.try_get("n")?)
    }

    /// A page of a queue in the order asked (work order unless a column is
    /// named).
    pub async fn queue_list(&self, org: &Organisation, filter: &QueueFilter, today: Date) -> Result<Vec<QueueRow>> {
        self.note_read(org.org_id, "queue.read", "queue").await?;
        let collector = filter.collector.as_deref();
        let column = QUEUE_SORTS
            .iter()
            .find(|(n, _)| *n == filter.sort)
            .map(|(_, c)| *c)
            .ok_or_else(|| crate::collections::bad("sort", format!("{:?} is not a column of the queue", filter.sort)))?;
        let way = if filter.descending { "DESC" } else { "ASC" };
        let mut conn = self.pool().acquire().await?;
        let start = today.to_string();
        let sql = format!(
            "SELECT w.queue_rank, a.account_number, p.name, w.tier, w.level_name, w.promise_due, w.balance_minor, a.currency, w.days_past_due, w.broken_promises, \
             w.last_contact_on, w.collector, \
             (SELECT COUNT(*) FROM contact_attempt c WHERE c.org_id = w.org_id AND c.account_id = w.account_id AND c.logged_at >= $2 AND c.channel IN ('call', 'text', 'visit')) AS worked_today, \
             (SELECT validation_sent_on FROM collection_profile cp WHERE cp.org_id = w.org_id AND cp.account_id = w.account_id) AS sent, \
             (SELECT MIN(c.at) FROM contact_attempt c WHERE c.org_id = w.org_id AND c.account_id = w.account_id AND c.direction = 'outbound') AS first, \
             (SELECT MIN(pc.value) FROM party_contact pc WHERE pc.org_id = p.org_id AND pc.party_id = p.party_id AND pc.kind = 'phone' AND pc.valid_to IS NULL) AS phone, \
             (SELECT cb.call_back_on FROM collection_call_back cb WHERE cb.org_id = w.org_id AND cb.account_id = w.account_id) AS call_back \
             FROM worklist_item w JOIN account a ON a.org_id = w.org_id AND a.account_id = w.account_id \
             JOIN party p ON p.org_id = a.org_id AND p.party_id = COALESCE(a.guarantor_party_id, a.party_id) \
             WHERE w.org_id = $1 {} ORDER BY {column} {way}, w.queue_rank LIMIT {} OFFSET {}",
            if collector.is_some() { "AND w.collector = $3" } else { "" },
            filter.limit.clamp(1, 10_000),
            filter.offset.max(0)
        );
        let third_party = self.collection_policy_in(&mut conn, org.org_id).await?.third_party;
        let mut q = sqlx::query(&sql).bind(org.org_id).bind(&start);
        if let Some(c) = collector {
            q = q.bind(c.to_string());
        }
        q.fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| {
                let currency = Currency::from_code(&r.try_get::<String, _>("currency")?).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                let sent: Option<String> = r.try_get("sent")?;
                let first: Option<String> = r.try_get("first")?;
                let validation_notice_due = (third_party && sent.is_none()).then(|| match first.and_then(|f| f.parse::<jiff::Timestamp>().ok()) {
                    None => "with the first contact".to_string(),
                    Some(at) => {
                        let day = at.to_zoned(jiff::tz::TimeZone::UTC).date();
                        format!("by {}", day.checked_add(jiff::ToSpan::days(5)).unwrap_or(day))
                    }
                });
                Ok(QueueRow {
                    rank: r.try_get("queue_rank")?,
                    account_number: r.try_get("account_number")?,
                    consumer: r.try_get("name")?,
                    tier: r.try_get("tier")?,
                    level: r.try_get("level_name")?,
                    promise_due: r.try_get::<i64, _>("promise_due")? == 1,
                    balance: fmt(r.try_get("balance_minor")?, currency),
                    days_past_due: r.try_get("days_past_due")?,
                    broken_promises: r.try_get("broken_promises")?,
                    last_contact_on: r.try_get("last_contact_on")?,
                    collector: r.try_get("collector")?,
                    worked_today: r.try_get::<i64, _>("worked_today")? > 0,
                    validation_notice_due,
                    phone: r.try_get("phone")?,
                    call_back_on: r.try_get("call_back")?,
                })
            })
            .collect()
    }

    /// The collector's next account: a call-back due first (one asked for
    /// today comes back though the account was called today), then the
    /// first in the queue not worked today; an account waits for its
    /// call-back day.
    pub async fn next_account(&self, org: &Organisation, collector: &str, today: Date) -> Result<Option<QueueRow>> {
        self.note_read(org.org_id, "queue.read", "queue").await?;
        let mut conn = self.pool().acquire().await?;
        let row = sqlx::query(
            "SELECT a.account_number FROM worklist_item w JOIN account a ON a.org_id = w.org_id AND a.account_id = w.account_id \
             LEFT JOIN collection_call_back cb ON cb.org_id = w.org_id AND cb.account_id = w.account_id \
             WHERE w.org_id = $1 AND w.collector = $2 AND (cb.call_back_on = $3 OR NOT EXISTS (SELECT 1 FROM contact_attempt c \
             WHERE c.org_id = w.org_id AND c.account_id = w.account_id AND c.logged_at >= $3 AND c.channel IN ('call', 'text', 'visit'))) \
             AND (cb.call_back_on IS NULL OR cb.call_back_on <= $3) \
             ORDER BY CASE WHEN cb.call_back_on IS NULL THEN 1 ELSE 0 END, w.queue_rank LIMIT 1",
        )
        .bind(org.org_id)
        .bind(collector)
        .bind(today.to_string())
        .fetch_optional(&mut *conn)
        .await?;
        drop(conn);
        let Some(row) = row else { return Ok(None) };
        let number: String = row.try_get("account_number")?;
        Ok(self
            .queue(org, Some(collector), today, 10_000)
            .await?
            .into_iter()
            .find(|q| q.account_number == number))
    }

    /// Queue sizes and the day's work, per collector.
    pub async fn supervisor(&self, org: &Organisation, today: Date) -> Result<SupervisorView> {
        self.note_read(org.org_id, "queue.read", "supervisor").await?;
        let mut conn = self.pool().acquire().await?;
        let mut by: std::collections::BTreeMap<String, CollectorDay> = Default::default();
        let blank = |c: &str| CollectorDay {
            collector: c.to_string(),
            queue: 0,
            queue_balance_minor: 0,
            worked_today: 0,
            calls_today: 0,
            right_party_today: 0,
            promises_today: 0,
        };
        for r in sqlx::query(
            "SELECT collector, COUNT(*) AS n, CAST(SUM(balance_minor) AS BIGINT) AS balance_minor FROM worklist_item WHERE org_id = $1 GROUP BY collector",
        )
        .bind(org.org_id)
        .fetch_all(&mut *conn)
        .await?
        {
            let c: String = r.try_get("collector")?;
            let e = by.entry(c.clone()).or_insert_with(|| blank(&c));
            e.queue = r.try_get("n")?;
            e.queue_balance_minor = r.try_get("balance_minor")?;
        }
        let start = today.to_string();
        for r in sqlx::query(
            "SELECT logged_by, COUNT(DISTINCT account_id) AS worked_today, CAST(SUM(CASE WHEN channel = 'call' AND direction = 'outbound' THEN 1 ELSE 0 END) AS BIGINT) AS outbound, \
             CAST(SUM(CASE WHEN conversation = 1 THEN 1 ELSE 0 END) AS BIGINT) AS conversation, CAST(SUM(CASE WHEN outcome = 'promise' THEN 1 ELSE 0 END) AS BIGINT) AS promise \
             FROM contact_attempt WHERE org_id = $1 AND logged_at >= $2 AND channel IN ('call', 'text', 'visit') GROUP BY logged_by",
        )
        .bind(org.org_id)
        .bind(&start)
        .fetch_all(&mut *conn)
        .await?
        {
            // Logged by "user:ann", queued to "ann": one person, one row.
            let logged_by: String = r.try_get("logged_by")?;
            let c = crate::platform::audit::person_of(&logged_by).to_string();
            let e = by.entry(c.clone()).or_insert_with(|| blank(&c));
            e.worked_today += r.try_get::<i64, _>("worked_today")?;
            e.calls_today += r.try_get::<i64, _>("outbound")?;
            e.right_party_today += r.try_get::<i64, _>("conversation")?;
            e.promises_today += r.try_get::<i64, _>("promise")?;
        }
        let built_on: Option<String> = sqlx::query("SELECT MAX(built_on) AS built_on FROM worklist_item WHERE org_id = $1")
            .bind(org.org_id)
            .fetch_one(&mut *conn)
            .await?
            .try_get("built_on")?;
        let last_run = sqlx::query(
            "SELECT run_id, as_of, advanced, letters, emails, fees, refused, queue, run_by, finished_at FROM dunning_run WHERE org_id = $1 ORDER BY run_id DESC LIMIT 1",
        )
        .bind(org.org_id)
        .fetch_optional(&mut *conn)
        .await?
        .map(|r| {
            Ok::<_, StoreError>(RunSummary {
                run_id: r.try_get("run_id")?,
                as_of: r.try_get("as_of")?,
                advanced: r.try_get("advanced")?,
                letters: r.try_get("letters")?,
                emails: r.try_get("emails")?,
                fees: r.try_get("fees")?,
                refused: r.try_get("refused")?,
                queue: r.try_get("queue")?,
                run_by: r.try_get("run_by")?,
                finished_at: r.try_get("finished_at")?,
            })
        })
        .transpose()?;
        drop(conn);
        Ok(SupervisorView {
            day: start,
            built_on,
            collectors: by.into_values().collect(),
            rules: self.assignment_rules(org).await?,
            last_run,
        })
    }

    /// A person releases a held account: dunning may move it on again.
    pub async fn release_hold(&self, org: &Organisation, account_number: &str) -> Result<()> {
        self.write(|tx| {
            Box::pin(async move {
                let conn = tx.conn();
                let account = self.account_by_number(conn, org.org_id, account_number).await?;
                let done = sqlx::query("UPDATE dunning_state SET held_on = NULL WHERE org_id = $1 AND account_id = $2 AND held_on IS NOT NULL")
                    .bind(org.org_id)
                    .bind(account.account_id)
                    .execute(&mut *conn)
                    .await?;
                if done.rows_affected() == 0 {
                    return Err(bad("account_number", format!("account {} is not held", account.account_number)));
                }
                tx.audit(org.org_id, "dunning.release", &format!("account:{}", account.account_number), None, None)
                    .await?;
                Ok(())
            })
        })
        .await?;
        Ok(())
    }
}
