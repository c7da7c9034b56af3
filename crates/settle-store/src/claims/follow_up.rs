//! Insurance follow-up: the worklist of claims a payer has not finished
//! with (no answer, rejected, denied, paid in part), ranked by the domain
//! (`settle_domain::follow_up`), with each call to a payer recorded on the
//! claim (who, the payer's reference, what was said, when to follow up)
//! and each claim assigned to a person. Payers are worked here, never
//! dunned (`settle_domain::dunning::Facts::payer`).

use serde::{Deserialize, Serialize};
use settle_domain::claims::ClaimStatus;
use settle_domain::follow_up::{assess, FollowUpPolicy};
use settle_domain::Date;
use sqlx::Row;

use crate::platform::audit::{current_actor, Subject};
use crate::platform::Organisation;
use crate::write::{audited, check_text, fmt, write_command, Audited};
use crate::{now_text, Result, Store, StoreError};

/// Which follow-up claims to list.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq, utoipa::IntoParams, utoipa::ToSchema)]
#[into_params(parameter_in = Query)]
pub struct FollowUpFilter {
    /// One payer, by its code.
    #[serde(default)]
    pub payer: Option<String>,
    /// One person's claims (their login); "" for the unassigned.
    #[serde(default)]
    pub assigned_to: Option<String>,
    /// Also list claims that are waiting (a follow-up date ahead, an answer
    /// not yet due), with no urgency.
    #[serde(default)]
    pub all: Option<bool>,
    /// One claim, by its number (the claim's page shows its deadline).
    #[serde(default)]
    pub claim: Option<String>,
    /// At most this many claims (a page); all if absent.
    #[serde(default)]
    pub limit: Option<u32>,
    /// Skip this many ranked claims first (the next page).
    #[serde(default)]
    pub offset: Option<u32>,
}

/// One claim on the follow-up list.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct FollowUpRow {
    pub rank: i64,
    pub claim_number: String,
    pub status: String,
    pub account_number: String,
    pub patient_name: String,
    pub payer_code: String,
    pub payer_name: String,
    pub first_date_of_service: String,
    pub submitted_on: Option<String>,
    /// Days since submission.
    pub age_days: i64,
    /// 0-30, 31-60, 61-90, 91-120 or 120+.
    pub bucket: String,
    /// What the payer still owes.
    pub open: String,
    pub currency: String,
    /// near deadline, due, past deadline, or waiting.
    pub urgency: String,
    /// timely filing, appeal or corrected claim, with its date and the days left (negative
    /// once passed).
    pub deadline: Option<String>,
    pub deadline_on: Option<String>,
    pub days_left: Option<i64>,
    pub why: String,
    /// ask status, call back, correct and resend, appeal or correct, write off.
    pub next_step: String,
    pub next_follow_up: Option<String>,
    pub assigned_to: String,
}

/// A call to a payer about a claim.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PayerCall {
    /// The claim (from the path, over the API).
    #[serde(default)]
    pub claim_number: String,
    /// The day of the call; today if absent.
    #[serde(default)]
    pub called_on: Option<Date>,
    /// The payer's call reference number.
    #[serde(default)]
    #[schema(example = "CR-20261201-4471")]
    pub reference: String,
    /// Who answered for the payer.
    #[serde(default)]
    #[schema(example = "Dana at provider services")]
    pub rep: String,
    /// What the payer said.
    #[schema(example = "In process; expected to pay within 14 days")]
    pub said: String,
    /// When to look again; none to leave the claim to the list's rules.
    #[serde(default)]
    pub next_follow_up: Option<Date>,
}

/// A call as recorded.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct PayerCallView {
    pub called_on: String,
    pub reference: String,
    pub rep: String,
    pub said: String,
    pub next_follow_up: Option<String>,
    pub by: String,
    pub at: String,
}

/// Who works a claim's follow-up.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignFollowUp {
    /// The claim (from the path, over the API).
    #[serde(default)]
    pub claim_number: String,
    /// A login; "" gives it back to no one.
    pub assigned_to: String,
}

audited! {
    PayerCall => "claim.payer_call", |c| Subject::Claim(c.claim_number.clone());
    AssignFollowUp => "claim.follow_up_assign", |c| Subject::Claim(c.claim_number.clone());
}

pub(super) const OPEN: &str = "('submitted', 'accepted', 'rejected', 'denied', 'partially_paid')";

fn day(text: Option<String>) -> Option<Date> {
    text.and_then(|t| t.get(..10).and_then(|d| d.parse().ok()))
}

async fn claim_id(conn: &mut sqlx::AnyConnection, org_id: i64, number: &str) -> Result<i64> {
    sqlx::query("SELECT claim_id FROM claim WHERE org_id = $1 AND claim_number = $2")
        .bind(org_id)
        .bind(number.trim().to_ascii_uppercase())
        .fetch_optional(&mut *conn)
        .await?
        .map(|r| r.try_get::<i64, _>("claim_id"))
        .transpose()?
        .ok_or_else(|| StoreError::not_found("claim", number))
}

/// Sets (or clears) the day a claim is looked at again.
pub(super) async fn set_next_follow_up(conn: &mut sqlx::AnyConnection, org_id: i64, claim_id: i64, next_on: Option<Date>) -> Result<()> {
    follow_up_row(conn, org_id, claim_id).await?;
    sqlx::query("UPDATE claim_follow_up SET next_on = $3 WHERE org_id = $1 AND claim_id = $2")
        .bind(org_id)
        .bind(claim_id)
        .bind(next_on.map(|d| d.to_string()))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Makes sure the claim has its follow-up row.
async fn follow_up_row(conn: &mut sqlx::AnyConnection, org_id: i64, claim_id: i64) -> Result<()> {
    let exists = sqlx::query("SELECT 1 FROM claim_follow_up WHERE org_id = $1 AND claim_id = $2")
        .bind(org_id)
        .bind(claim_id)
        .fetch_optional(&mut *conn)
        .await?
        .is_some();
    if !exists {
        sqlx::query("INSERT INTO claim_follow_up (org_id, claim_id, next_on, assigned_to) VALUES ($1, $2, NULL, '')")
            .bind(org_id)
            .bind(claim_id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Which open claims to read.
pub(super) enum Scope {
    /// Every open claim with an id above this one, the next `limit` of them
    /// by id (the ranking is rebuilt a slice at a time).
    After {
        claim_id: i64,
        limit: i64,
    },
    Ids(Vec<i64>),
    Claim(String),
}

/// One open claim, assessed on a day.
pub(super) struct Assessed {
    pub(super) claim_id: i64,
    pub(super) claim_number: String,
    pub(super) payer_key: i64,
    pub(super) payer_code: String,
    pub(super) assigned_to: String,
    pub(super) open_minor: i64,
    pub(super) assessed: Option<settle_domain::follow_up::FollowUp>,
    /// As listed, when asked for (with the currency to show amounts in).
    pub(super) row: Option<FollowUpRow>,
}

/// Reads open claims' facts and assesses them on `today`.
pub(super) async fn read_open(
    conn: &mut sqlx::AnyConnection,
    org_id: i64,
    scope: &Scope,
    today: Date,
    listed: Option<settle_domain::money::Currency>,
) -> Result<Vec<Assessed>> {
    let (which, tail) = match scope {
        Scope::After { claim_id, limit } => (format!("c.claim_id > {claim_id}"), format!(" ORDER BY c.claim_id LIMIT {limit}")),
        Scope::Ids(ids) => (format!("c.claim_id IN ({})", crate::in_list(ids)), String::new()),
        Scope::Claim(_) => ("c.claim_number = $2".to_string(), String::new()),
    };
    // `c.status || ''`: the claims are found by their ids, never by the
    // status index (which SQLite would otherwise walk over every open claim).
    let sql = format!(
        "SELECT c.claim_id, c.claim_number, c.status, c.total_minor, c.payer_key, a.account_number, p.name AS patient_name, y.payer_code, y.name AS payer_name, \
         y.timely_filing_days, y.appeal_days, y.corrected_claim_days, f.next_on, COALESCE(f.assigned_to, '') AS assigned_to, \
         (SELECT MIN(l.date_of_service || '') FROM claim_line l WHERE l.org_id = c.org_id AND l.claim_id = c.claim_id) AS first_service, \
         c.submitted_on AS submitted_at, \
         (SELECT s.answer || '|' || s.effective_on || '|' || s.words FROM claim_status_answer s WHERE s.org_id = c.org_id AND s.claim_id = c.claim_id \
          ORDER BY s.seq DESC LIMIT 1) AS payer_said, \
         (SELECT MAX(d.denied_on) FROM denial d WHERE d.org_id = c.org_id AND d.claim_id = c.claim_id) AS denied_on, \
         (SELECT CAST(SUM(o.balance_minor) AS BIGINT) FROM claim_line l JOIN open_item o ON o.org_id = l.org_id AND o.item_id = l.item_id \
          WHERE l.org_id = c.org_id AND l.claim_id = c.claim_id) AS open_minor \
         FROM claim c JOIN account a ON a.org_id = c.org_id AND a.account_id = c.account_id \
         JOIN party p ON p.org_id = a.org_id AND p.party_id = a.party_id \
         JOIN payer y ON y.org_id = c.org_id AND y.payer_key = c.payer_key \
         LEFT JOIN claim_follow_up f ON f.org_id = c.org_id AND f.claim_id = c.claim_id \
         WHERE c.org_id = $1 AND (c.status || '') IN {OPEN} AND {which}{tail}"
    );
    let query = sqlx::query(&sql).bind(org_id);
    let query = match scope {
        Scope::Claim(number) => query.bind(number.clone()),
        _ => query,
    };
    let rows = query.fetch_all(&mut *conn).await?;
    let policy = FollowUpPolicy::default();
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let status: String = r.try_get("status")?;
        let parsed = ClaimStatus::parse(&status).ok_or_else(|| StoreError::Corrupt(format!("claim status {status}")))?;
        let first: Option<String> = r.try_get("first_service")?;
        let Some(first_service) = day(first.clone()) else { continue };
        let submitted = day(r.try_get("submitted_at")?);
        let open_minor = r.try_get::<Option<i64>, _>("open_minor")?.unwrap_or(r.try_get("total_minor")?);
        let claim = settle_domain::follow_up::OpenClaim {
            status: parsed,
            first_service,
            submitted_on: submitted,
            denied_on: day(r.try_get("denied_on")?),
            timely_filing_days: r.try_get("timely_filing_days")?,
            appeal_days: r.try_get("appeal_days")?,
            corrected_claim_days: r.try_get("corrected_claim_days")?,
            open_minor,
            next_follow_up: day(r.try_get("next_on")?),
            payer_said: r.try_get::<Option<String>, _>("payer_said")?.and_then(|text| {
                let mut parts = text.splitn(3, '|');
                let (answer, on, words) = (parts.next()?, parts.next()?, parts.next()?);
                Some(settle_domain::follow_up::PayerSaid {
                    answer: settle_domain::claim_status::Answer::parse(answer)?,
                    on: on.parse().ok()?,
                    words: words.to_string(),
                })
            }),
        };
        let assessed = assess(&claim, &policy, today);
        let number: String = r.try_get("claim_number")?;
        let assigned_to: String = r.try_get("assigned_to")?;
        let payer_code: String = r.try_get("payer_code")?;
        let row = match listed {
            None => None,
            Some(cur) => {
                let age = i64::from(today.since(submitted.unwrap_or(first_service)).map(|s| s.get_days()).unwrap_or(0)).max(0);
                let deadline = assessed.as_ref().and_then(|f| f.deadline);
                Some(FollowUpRow {
                    rank: 0,
                    claim_number: number.clone(),
                    status,
                    account_number: r.try_get("account_number")?,
                    patient_name: r.try_get("patient_name")?,
                    payer_code: payer_code.clone(),
                    payer_name: r.try_get("payer_name")?,
                    first_date_of_service: first.unwrap_or_default(),
                    submitted_on: submitted.map(|d| d.to_string()),
                    age_days: assessed.as_ref().map_or(age, |f| f.age_days),
                    bucket: settle_domain::follow_up::bucket(age).to_string(),
                    open: fmt(open_minor, cur),
                    currency: cur.code().to_string(),
                    urgency: assessed.as_ref().map_or("waiting", |f| f.urgency.as_str()).to_string(),
                    deadline: deadline.map(|d| d.kind.as_str().to_string()),
                    deadline_on: deadline.map(|d| d.on.to_string()),
                    days_left: deadline.map(|d| d.days_left),
                    why: assessed.as_ref().map_or_else(|| "waiting for the payer".to_string(), |f| f.why.clone()),
                    next_step: assessed.as_ref().map_or("wait", |f| f.next_step).to_string(),
                    next_follow_up: claim.next_follow_up.map(|d| d.to_string()),
                    assigned_to: assigned_to.clone(),
                })
            }
        };
        out.push(Assessed {
            claim_id: r.try_get("claim_id")?,
            claim_number: number,
            payer_key: r.try_get("payer_key")?,
            payer_code,
            assigned_to,
            open_minor,
            assessed,
            row,
        });
    }
    Ok(out)
}

impl Store {
    /// The follow-up list on `today`, ranked (see `settle_domain::follow_up`):
    /// read from the kept ranking (`follow_up_rank`), brought up to date
    /// first, a page at a time when the filter says so.
    pub async fn follow_up(&self, org: &Organisation, filter: &FollowUpFilter, today: Date) -> Result<Vec<FollowUpRow>> {
        self.note_read(org.org_id, "claim.follow_up", "claims").await?;
        let cur = Self::currency(org)?;
        let payer = filter.payer.as_deref().map(|p| p.trim().to_ascii_uppercase()).unwrap_or_default();
        if let Some(claim) = filter.claim.as_deref() {
            // One claim: assessed straight from its facts.
            let mut conn = self.pool().acquire().await?;
            let scope = Scope::Claim(claim.trim().to_ascii_uppercase());
            let mut found = read_open(&mut conn, org.org_id, &scope, today, Some(cur)).await?;
            found.retain(|c| (filter.all == Some(true) || c.assessed.is_some()) && (payer.is_empty() || c.payer_code == payer));
            return Ok(found
                .into_iter()
                .filter_map(|c| c.row)
                .map(|mut row| {
                    row.rank = 1;
                    row
                })
                .collect());
        }
        self.refresh_follow_up(org, today).await?;
        let ranked = self.ranked_ids(org, filter, &payer).await?;
        let offset = i64::from(filter.offset.unwrap_or(0));
        let mut conn = self.pool().acquire().await?;
        let mut rows = Vec::with_capacity(ranked.len());
        for chunk in ranked.chunks(500) {
            let found = read_open(&mut conn, org.org_id, &Scope::Ids(chunk.to_vec()), today, Some(cur)).await?;
            let mut by_id: std::collections::HashMap<i64, FollowUpRow> = found.into_iter().filter_map(|c| c.row.map(|r| (c.claim_id, r))).collect();
            rows.extend(chunk.iter().filter_map(|id| by_id.remove(id)));
        }
        for (i, row) in rows.iter_mut().enumerate() {
            row.rank = offset + i as i64 + 1;
        }
        Ok(rows)
    }

    /// Records a call to a payer about a claim: on the claim's history and
    /// its calls, with the follow-up date it sets.
    pub async fn log_payer_call(&self, org: &Organisation, cmd: &PayerCall, today: Date) -> Result<Vec<PayerCallView>> {
        let said = check_text("said", &cmd.said, 1000)?;
        if said.is_empty() {
            return Err(StoreError::invalid("said", "say what the payer said"));
        }
        let reference = check_text("reference", &cmd.reference, 80)?;
        let rep = check_text("rep", &cmd.rep, 80)?;
        let called_on = cmd.called_on.unwrap_or(today);
        if called_on > today {
            return Err(StoreError::invalid("called_on", format!("{called_on} is in the future")));
        }
        if cmd.next_follow_up.is_some_and(|d| d <= called_on) {
            return Err(StoreError::invalid("next_follow_up", "is a day after the call"));
        }
        let actor = &current_actor();
        let (said, reference, rep) = (&said, &reference, &rep);
        write_command!(self, org.org_id, None::<&settle_domain::IdempotencyKey>, cmd, |tx| {
            let conn = tx.conn();
            let claim_id = claim_id(conn, org.org_id, &cmd.claim_number).await?;
            let seq: i64 = sqlx::query("SELECT COALESCE(MAX(seq), 0) + 1 AS seq FROM payer_call WHERE org_id = $1 AND claim_id = $2")
                .bind(org.org_id)
                .bind(claim_id)
                .fetch_one(&mut *conn)
                .await?
                .try_get("seq")?;
            sqlx::query(
                "INSERT INTO payer_call (org_id, claim_id, seq, called_on, reference, rep, said, next_on, actor, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(org.org_id)
            .bind(claim_id)
            .bind(seq)
            .bind(called_on.to_string())
            .bind(reference)
            .bind(rep)
            .bind(said)
            .bind(cmd.next_follow_up.map(|d| d.to_string()))
            .bind(&actor.name)
            .bind(now_text())
            .execute(&mut *conn)
            .await?;
            set_next_follow_up(conn, org.org_id, claim_id, cmd.next_follow_up).await?;
            let mut note = format!("payer call on {called_on}");
            if !rep.is_empty() {
                note.push_str(&format!(" with {rep}"));
            }
            if !reference.is_empty() {
                note.push_str(&format!(" (reference {reference})"));
            }
            note.push_str(&format!(": {said}"));
            if let Some(next) = cmd.next_follow_up {
                note.push_str(&format!("; follow up on {next}"));
            }
            crate::claims::rows::note_event(conn, org.org_id, claim_id, &note).await?;
        })?;
        self.payer_calls(org, &cmd.claim_number).await
    }

    /// The calls recorded on a claim, oldest first.
    pub async fn payer_calls(&self, org: &Organisation, claim_number: &str) -> Result<Vec<PayerCallView>> {
        self.note_read(org.org_id, "claim.calls", &format!("claim:{}", claim_number.trim().to_ascii_uppercase()))
            .await?;
        let mut conn = self.pool().acquire().await?;
        let claim_id = claim_id(&mut conn, org.org_id, claim_number).await?;
        let rows = sqlx::query("SELECT called_on, reference, rep, said, next_on, actor, at FROM payer_call WHERE org_id = $1 AND claim_id = $2 ORDER BY seq")
            .bind(org.org_id)
            .bind(claim_id)
            .fetch_all(&mut *conn)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(PayerCallView {
                    called_on: r.try_get("called_on")?,
                    reference: r.try_get("reference")?,
                    rep: r.try_get("rep")?,
                    said: r.try_get("said")?,
                    next_follow_up: r.try_get("next_on")?,
                    by: r.try_get("actor")?,
                    at: r.try_get("at")?,
                })
            })
            .collect()
    }

    /// Hands a claim's follow-up to a person ("" to no one).
    pub async fn assign_follow_up(&self, org: &Organisation, cmd: &AssignFollowUp) -> Result<()> {
        let to = check_text("assigned_to", &cmd.assigned_to, 120)?;
        let to = &to;
        write_command!(self, org.org_id, None::<&settle_domain::IdempotencyKey>, cmd, |tx| {
            hand_over(tx.conn(), org.org_id, &cmd.claim_number, to).await?;
        })
    }

    /// Hands several claims' follow-up to one person together: all move,
    /// or (a claim unknown, not followed up, or named twice) none, the
    /// refusal naming which. Each is a row of the trail, as one alone is.
    pub async fn assign_follow_ups(&self, org: &Organisation, claims: &[String], assigned_to: &str) -> Result<usize> {
        let to = check_text("assigned_to", assigned_to, 120)?;
        if claims.is_empty() {
            return Err(StoreError::invalid("claims", "choose at least one claim to assign"));
        }
        let to = &to;
        self.write(|tx| {
            Box::pin(async move {
                let mut seen: Vec<String> = Vec::with_capacity(claims.len());
                for (i, raw) in claims.iter().enumerate() {
                    let number = raw.trim().to_ascii_uppercase();
                    if seen.contains(&number) {
                        return Err(StoreError::invalid("claims", format!("choice {}: claim {number} is chosen twice", i + 1)));
                    }
                    let subject = Subject::Claim(number.clone());
                    let before = crate::platform::audit::snapshot(tx.conn(), org.org_id, &subject).await?;
                    hand_over(tx.conn(), org.org_id, &number, to).await.map_err(|e| match e {
                        StoreError::NotFound { key, .. } => StoreError::invalid("claims", format!("choice {}: there is no claim {key}", i + 1)),
                        StoreError::Invalid { message, .. } => StoreError::invalid("claims", format!("choice {}, claim {number}: {message}", i + 1)),
                        other => other,
                    })?;
                    let after = serde_json::json!({
                        "state": crate::platform::audit::snapshot(tx.conn(), org.org_id, &subject).await?,
                        "request": { "claim_number": number, "assigned_to": to },
                    });
                    let before = before.map(|b| serde_json::json!({ "state": b }));
                    tx.audit(org.org_id, "claim.follow_up_assign", &subject.label(), before.as_ref(), Some(&after))
                        .await?;
                    seen.push(number);
                }
                Ok(seen.len())
            })
        })
        .await
    }
}

/// One claim's follow-up given to `to` ("" to no one), with a note on its history.
async fn hand_over(conn: &mut sqlx::AnyConnection, org_id: i64, claim_number: &str, to: &str) -> Result<()> {
    let claim_id = claim_id(conn, org_id, claim_number).await?;
    follow_up_row(conn, org_id, claim_id).await?;
    sqlx::query("UPDATE claim_follow_up SET assigned_to = $3 WHERE org_id = $1 AND claim_id = $2")
        .bind(org_id)
        .bind(claim_id)
        .bind(to)
        .execute(&mut *conn)
        .await?;
    let note = if to.is_empty() {
        "follow-up assigned to no one".to_string()
    } else {
        format!("follow-up assigned to {to}")
    };
    crate::claims::rows::note_event(conn, org_id, claim_id, &note).await
}
