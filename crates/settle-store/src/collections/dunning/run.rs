//! The daily run: a chunk loop that reads accounts, asks the domain for each
//! account's step and plan, and writes what the plan comes to (through the
//! contact gate for letters and emails) in one transaction per chunk.

use crate::write::{Unaudited, Write};
use std::collections::HashMap;

use jiff::civil::Date;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use settle_domain::account::ArKind;
use settle_domain::address::KeptAddress;
use settle_domain::compliance::{self, Attempt, Channel, Purpose};
use settle_domain::dunning::{self, Account, Action, LetterKind, Outcome, Plan, Planned, QueueFacts, Reach, StateChange, Step, Todo};
use settle_domain::events::{self, Receivable};
use sqlx::{AnyConnection, Row};

use crate::batch::{self, Batch, IdPool};
use crate::collections::bad;
use crate::collections::disputes::{dispute_from, DISPUTE_COLUMNS};
use crate::collections::dunning::read::AccountFacts;
use crate::collections::dunning::Settings;
use crate::collections::gate::{decision_row, gate, sent_row};
use crate::collections::known::{add_contacts, Known};
use crate::collections::letters::{compose_letter, email_text};
use crate::platform::audit::current_actor;
use crate::platform::Organisation;
use crate::write::{fmt, next_ids};
use crate::{in_list, now_text, Result, Store, StoreError};

/// A run of the dunning policy.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RunRequest {
    /// The day the run is for.
    pub as_of: Date,
    /// The instant the contact gate is asked at (RFC 3339); by default now
    /// when `as_of` is today, else 2 p.m. Eastern on `as_of`.
    #[serde(default)]
    pub at: Option<String>,
    /// Work out everything and write nothing.
    #[serde(default)]
    pub dry_run: bool,
}

/// One thing a run did or declined to do.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct ActionView {
    pub account_number: String,
    pub on_date: String,
    pub level: String,
    pub action: String,
    /// done, refused (the contact gate said no), skipped, not_allowed, paused, held, cured
    pub outcome: String,
    pub amount: Option<String>,
    pub detail: String,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct LevelCount {
    pub level: String,
    pub accounts: i64,
}

/// What a run did.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct RunReport {
    /// None for a dry run, or when the day's run had already done everything.
    pub run_id: Option<i64>,
    pub as_of: String,
    pub dry_run: bool,
    /// Accounts read (with a balance, or in dunning).
    pub accounts: i64,
    pub advanced: i64,
    pub cured: i64,
    pub paused: i64,
    pub held: i64,
    pub letters: i64,
    pub emails: i64,
    pub fees: i64,
    pub fees_total_minor: i64,
    /// Validation notices sent by the levels that send them (debt collectors).
    #[serde(default)]
    pub validation_notices: i64,
    /// Letters and emails the contact gate refused.
    pub refused: i64,
    /// Actions that could not be done (no address, the cap reached, terms).
    pub skipped: i64,
    /// Accounts now in the work queue.
    pub queue: i64,
    /// Accounts that reached each level in this run.
    pub reached: Vec<LevelCount>,
    /// The first 500 actions, in account order (all are kept on the accounts).
    pub actions: Vec<ActionView>,
    pub promises_kept: i64,
    pub promises_broken: i64,
    pub plans_defaulted: i64,
    pub plans_completed: i64,
    pub settlements_paid: i64,
    pub settlements_expired: i64,
}

/// Accounts read and decided at a time; each chunk is its own transaction.
const CHUNK: i64 = 5_000;

/// Accounts decided while the slice before them is written.
const SLICE: usize = 1_250;

const REPORTED_ACTIONS: usize = 500;

/// What a run holds while it goes: what it decides with, and what it has
/// done so far.
struct Run<'a> {
    org: &'a Organisation,
    run_id: i64,
    as_of: Date,
    /// `as_of` as the rows keep it.
    today: String,
    /// The instant the contact gate is asked at.
    at: Timestamp,
    logged_at: String,
    actor: String,
    settings: Settings,
    gate_policy: compliance::Policy,
    /// The collector's mailing address, phone and hours, for letters.
    collector: (String, String, String),
    ids: IdPool,
    report: RunReport,
    reached: Vec<i64>,
    queue: Vec<(QueueFacts, i64, String, String)>,
    /// Accounts whose level sends the validation notice: sent after the run.
    notices_due: Vec<String>,
    written: i64,
}

/// The rows one slice of accounts adds, and the states it replaces.
#[derive(Default)]
struct Slice {
    batch: Batch,
    state_gone: Vec<i64>,
}

impl Store {
    /// A write transaction for (part of) a dunning run. On PostgreSQL it
    /// first locks the organisation's `dunning_run` counter, so that two runs
    /// take their chunks in turn and each reads what the other wrote; SQLite's
    /// write transactions already exclude each other.
    async fn dunning_tx(&self, org_id: i64) -> Result<Write<'static>> {
        let mut tx = Write::begin(self).await?;
        if self.backend == crate::Backend::Postgres {
            sqlx::query("SELECT next_value FROM counter WHERE org_id = $1 AND name = 'dunning_run' FOR UPDATE")
                .bind(org_id)
                .fetch_optional(tx.conn())
                .await?;
        }
        Ok(tx)
    }

    /// The dunning run for one day, and the queue rebuilt from it. With
    /// `dry_run`, everything is worked out in a transaction that is then
    /// dropped, so the report is exactly what a real run would do.
    pub async fn dunning_run(&self, org: &Organisation, req: &RunRequest) -> Result<RunReport> {
        let at = gate_instant(req)?;
        let mut report = RunReport {
            as_of: req.as_of.to_string(),
            dry_run: req.dry_run,
            ..RunReport::default()
        };
        if !req.dry_run {
            self.review_before_run(org, req.as_of, &mut report).await?;
        }
        let started = now_text();
        let mut tx = self.dunning_tx(org.org_id).await?;
        let conn = tx.conn();
        let settings = self.collections_settings_in(conn, org).await?;
        let mut run = Run {
            org,
            run_id: next_ids(conn, org.org_id, "dunning_run", 1).await?,
            as_of: req.as_of,
            today: req.as_of.to_string(),
            at,
            logged_at: now_text(),
            actor: current_actor().name,
            gate_policy: self.collection_policy_in(conn, org.org_id).await?,
            collector: self.collector_contact_in(conn, org.org_id).await?,
            reached: vec![0; settings.policy.levels.len()],
            settings,
            ids: IdPool::default(),
            report,
            queue: Vec::new(),
            notices_due: Vec::new(),
            written: 0,
        };
        let bounds = sqlx::query("SELECT MIN(account_id) AS lo, MAX(account_id) AS hi FROM account WHERE org_id = $1")
            .bind(org.org_id)
            .fetch_one(&mut *conn)
            .await?;
        let (mut lo, end) = (
            bounds.try_get::<Option<i64>, _>("lo")?.unwrap_or(1),
            bounds.try_get::<Option<i64>, _>("hi")?.unwrap_or(0),
        );
        while lo <= end {
            let hi = lo + CHUNK;
            let chunk = self.read_chunk(tx.conn(), org.org_id, (lo, hi), req.as_of, &run.settings).await?;
            lo = hi;
            self.run_chunk(tx.conn(), &mut run, &chunk).await?;
            if !req.dry_run {
                // Each chunk stands on its own: committing it keeps the
                // transaction (and SQLite's WAL and page cache) the size of
                // a chunk, and a run cut short is finished by running the
                // day again. A dry run keeps everything to drop it at the end.
                // The run's audit row goes with its last chunk.
                tx.unaudited(Unaudited::RunChunk);
                tx.commit().await?;
                tx = self.dunning_tx(org.org_id).await?;
            }
        }
        let conn = tx.conn();
        run.report.reached = run
            .settings
            .policy
            .levels
            .iter()
            .zip(&run.reached)
            .map(|(l, n)| LevelCount {
                level: l.name.clone(),
                accounts: *n,
            })
            .collect();
        run.report.queue = self.write_queue(conn, org.org_id, std::mem::take(&mut run.queue), req.as_of).await?;
        run.ids.give_back(conn, org.org_id).await?;
        if req.dry_run {
            drop(tx);
            return Ok(run.report);
        }
        self.keep_run(&mut tx, &mut run, &started).await?;
        tx.commit().await?;
        // Each validation notice through the one door, dated the day it is mailed.
        let mailing_day = jiff::Zoned::now().date();
        let mut report = run.report;
        for number in run.notices_due {
            match self.send_validation_notice(org, &number, mailing_day).await {
                Ok(sent) if sent.notice.is_some() => report.validation_notices += 1,
                Ok(_) => report.refused += 1,
                // Already sent for this debt, or nothing to itemize: nothing to do.
                Err(StoreError::Invalid { .. }) => report.skipped += 1,
                Err(e) => return Err(e),
            }
        }
        Ok(report)
    }

    /// Promises, plans and settlements first: what they decide holds back or releases dunning.
    async fn review_before_run(&self, org: &Organisation, as_of: Date, report: &mut RunReport) -> Result<()> {
        let promises = self.review_promises(org, as_of).await?;
        report.promises_kept = promises.kept.len() as i64;
        report.promises_broken = promises.broken.len() as i64;
        let plans = self.review_plans(org, as_of).await?;
        report.plans_defaulted = plans.defaulted;
        report.plans_completed = plans.completed;
        let settlements = self.review_settlements(org, as_of).await?;
        report.settlements_paid = settlements.paid;
        report.settlements_expired = settlements.expired;
        Ok(())
    }

    /// One chunk: each account's step and plan asked of the domain, then
    /// carried out a slice at a time, each slice written while the next is
    /// decided (SQLite works on its own thread, so the two overlap).
    async fn run_chunk(&self, conn: &mut AnyConnection, run: &mut Run<'_>, chunk: &[AccountFacts]) -> Result<()> {
        run.report.accounts += chunk.len() as i64;
        let policy = &run.settings.policy;
        let steps: Vec<Step> = chunk.iter().map(|a| dunning::step(policy, &a.facts, run.as_of)).collect();
        let known = recipients(conn, run.org.org_id, chunk, &steps, policy).await?;
        let plans: Vec<Plan> = chunk
            .iter()
            .zip(&steps)
            .map(|(a, s)| dunning::plan(policy, &a.account(known.get(&a.account_id)), s, run.as_of, run.gate_policy.third_party))
            .collect();
        run.reserve_ids(conn, &plans).await?;
        let org_id = run.org.org_id;
        let mut pending: Option<Slice> = None;
        let mut accounts = chunk.iter().zip(&steps).zip(&plans).peekable();
        while accounts.peek().is_some() || pending.is_some() {
            let mut slice = Slice::default();
            let taken: Vec<_> = accounts.by_ref().take(SLICE).collect();
            let write = async {
                match pending.take() {
                    Some(done) => write_slice(&mut *conn, org_id, done).await,
                    None => Ok(()),
                }
            };
            let decide = async {
                for ((a, step), plan) in taken {
                    run.count(step);
                    run.carry_out(&mut slice, a, plan, known.get(&a.account_id))?;
                    // Let the write go on between accounts.
                    tokio::task::yield_now().await;
                }
                Ok::<(), StoreError>(())
            };
            let (written, decided) = tokio::join!(write, decide);
            written?;
            decided?;
            if !slice.batch.is_empty() || !slice.state_gone.is_empty() {
                pending = Some(slice);
            }
        }
        run.ids.give_back(conn, org_id).await
    }

    /// The run's own row and its audit entry, when it did something or is the day's first.
    async fn keep_run(&self, tx: &mut Write<'_>, run: &mut Run<'_>, started: &str) -> Result<()> {
        let conn = tx.conn();
        let ran_today = sqlx::query("SELECT 1 FROM dunning_run WHERE org_id = $1 AND as_of = $2")
            .bind(run.org.org_id)
            .bind(&run.today)
            .fetch_optional(&mut *conn)
            .await?
            .is_some();
        if run.written == 0 && ran_today {
            // The day's run had already done everything.
            tx.unaudited(Unaudited::NothingWritten);
            return Ok(());
        }
        let r = &run.report;
        sqlx::query(
            "INSERT INTO dunning_run (org_id, run_id, as_of, accounts, advanced, cured, paused, letters, emails, fees, refused, queue, run_by, started_at, finished_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
        )
        .bind(run.org.org_id)
        .bind(run.run_id)
        .bind(&run.today)
        .bind(r.accounts)
        .bind(r.advanced)
        .bind(r.cured)
        .bind(r.paused)
        .bind(r.letters)
        .bind(r.emails)
        .bind(r.fees)
        .bind(r.refused)
        .bind(r.queue)
        .bind(&run.actor)
        .bind(started)
        .bind(now_text())
        .execute(&mut *conn)
        .await?;
        let mut summary = r.clone();
        summary.actions.clear();
        tx.audit(
            run.org.org_id,
            "dunning.run",
            &format!("dunning_run:{}", run.run_id),
            None,
            Some(&serde_json::to_value(&summary)?),
        )
        .await?;
        run.report.run_id = Some(run.run_id);
        Ok(())
    }
}

/// The instant the gate is asked at: as given, now for today, else 2 p.m. Eastern on the day.
fn gate_instant(req: &RunRequest) -> Result<Timestamp> {
    if !(1900..=9000).contains(&req.as_of.year()) {
        return Err(bad("as_of", format!("{} is not a day to run dunning for", req.as_of)));
    }
    Ok(match req.at.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
        Some(a) => a
            .parse::<Timestamp>()
            .or_else(|_| a.parse::<jiff::Zoned>().map(|z| z.timestamp()))
            .map_err(|_| bad("at", format!("{a:?} is not an instant such as 2026-12-01T14:00:00-05:00")))?,
        None if req.as_of == jiff::Zoned::now().date() => Timestamp::now(),
        None => req
            .as_of
            .at(14, 0, 0, 0)
            .to_zoned(jiff::tz::TimeZone::get("America/New_York").unwrap_or(jiff::tz::TimeZone::UTC))
            .map_err(|e| bad("as_of", e))?
            .timestamp(),
    })
}

/// The people to write to, for the accounts whose level sends a letter or
/// an email: from the rows just read, their contacts, and the debt's
/// disputes (the gate's dispute rule reads them).
async fn recipients(conn: &mut AnyConnection, org_id: i64, chunk: &[AccountFacts], steps: &[Step], policy: &dunning::Policy) -> Result<HashMap<i64, Known>> {
    let writes = |s: &Step| matches!(s, Step::Advance { to, .. } if policy.levels[*to].actions.iter().any(|a| matches!(a, Action::Letter(_) | Action::Email)));
    let mut known: HashMap<i64, Known> = HashMap::new();
    let mut party_of: HashMap<i64, Vec<i64>> = HashMap::new();
    for (a, _) in chunk.iter().zip(steps).filter(|(_, s)| writes(s)) {
        let mut k = Known::new(a.account_id, a.number.clone(), a.name.clone());
        if let Some(p) = &a.profile {
            k.apply_profile(p)?;
        }
        party_of.entry(a.party_id).or_default().push(a.account_id);
        known.insert(a.account_id, k);
    }
    if known.is_empty() {
        return Ok(known);
    }
    add_contacts(conn, org_id, &party_of, &mut known).await?;
    known.values_mut().for_each(Known::finish);
    let mut ids: Vec<i64> = known.keys().copied().collect();
    ids.sort_unstable();
    let sql = format!(
        "SELECT account_id, {DISPUTE_COLUMNS} FROM dispute WHERE org_id = $1 AND account_id IN ({})",
        in_list(&ids)
    );
    for d in sqlx::query(&sql).bind(org_id).fetch_all(&mut *conn).await? {
        if let Some(k) = known.get_mut(&d.try_get::<i64, _>("account_id")?) {
            k.debt.disputes.push(dispute_from(&d)?);
        }
    }
    Ok(known)
}

/// Writes one decided slice: the states it replaces go, then its rows.
async fn write_slice(conn: &mut AnyConnection, org_id: i64, mut slice: Slice) -> Result<()> {
    if !slice.state_gone.is_empty() {
        sqlx::query(&format!(
            "DELETE FROM dunning_state WHERE org_id = $1 AND account_id IN ({})",
            in_list(&slice.state_gone)
        ))
        .bind(org_id)
        .execute(&mut *conn)
        .await?;
    }
    slice.batch.flush(conn, org_id).await
}

impl AccountFacts {
    /// The account as the domain's planner reads it.
    fn account<'a>(&'a self, known: Option<&Known>) -> Account<'a> {
        Account {
            facts: &self.facts,
            consumer: &self.name,
            currency: self.currency,
            stage: &self.stage,
            level_name: self.level_name.as_deref(),
            paused_levels: &self.paused_levels,
            late_fees_allowed: self.late_fees_allowed,
            fees_charged_minor: self.fees_charged,
            attorney: self.pause_queue,
            promise_due: self.promise_due,
            broken_recently: self.broken_recently,
            broken_total: self.broken_total,
            last_contact: self.last_contact,
            reach: known.map(|k| Reach {
                postal: k.address.is_some(),
                email: !k.emails.is_empty(),
            }),
        }
    }
}

impl Run<'_> {
    /// Ids for everything the chunk's plans write, taken now so that
    /// deciding needs no database; what is left goes back at the end.
    async fn reserve_ids(&mut self, conn: &mut AnyConnection, plans: &[Plan]) -> Result<()> {
        let (mut rows, mut letters, mut emails, mut fees) = (0i64, 0i64, 0i64, 0i64);
        for todo in plans.iter().flat_map(|p| &p.actions).map(|a| &a.todo) {
            rows += 1;
            match todo {
                Todo::Letter(_) => letters += 1,
                Todo::Email(_) => emails += 1,
                Todo::Fee { .. } => fees += 1,
                Todo::Record { .. } => {}
            }
        }
        for (name, n) in [
            ("dunning_action", rows),
            ("contact_decision", letters + emails),
            ("contact_attempt", letters + emails),
            ("collection_letter", letters),
            ("email", emails),
            ("item", fees),
            ("entry", fees),
        ] {
            if n > 0 {
                self.ids.reserve(conn, self.org.org_id, name, n).await?;
            }
        }
        Ok(())
    }

    fn count(&mut self, step: &Step) {
        let r = &mut self.report;
        match step {
            Step::Stay | Step::Payer => {}
            Step::Cured => r.cured += 1,
            Step::Held => r.held += 1,
            Step::Paused { .. } => r.paused += 1,
            Step::Advance { to, .. } => {
                r.advanced += 1;
                self.reached[*to] += 1;
            }
        }
    }

    /// Carries out one account's plan into the slice's rows.
    fn carry_out(&mut self, slice: &mut Slice, a: &AccountFacts, plan: &Plan, known: Option<&Known>) -> Result<()> {
        self.report.skipped += plan.skipped;
        for planned in &plan.actions {
            let action_id = self.ids.next("dunning_action")?;
            let done = match (&planned.todo, known) {
                (Todo::Record { outcome, detail }, _) => (*outcome, 0, detail.clone()),
                (Todo::Letter(kind), Some(k)) => self.letter(slice, a, k, *kind)?,
                (Todo::Email(kind), Some(k)) => self.email(slice, a, k, *kind)?,
                (Todo::Letter(_) | Todo::Email(_), None) => return Err(StoreError::Corrupt(format!("{}: a letter planned with no one to write to", a.number))),
                (Todo::Fee { amount_minor, memo }, _) => self.fee(slice, a, *amount_minor, memo)?,
            };
            self.keep_action(slice, a, action_id, planned, done);
        }
        match &plan.state {
            StateChange::Keep => {}
            StateChange::Clear => slice.state_gone.push(a.account_id),
            StateChange::Set { level, stage, held } => {
                slice.state_gone.push(a.account_id);
                slice.batch.push(batch::DunningStateRow {
                    org_id: self.org.org_id.into(),
                    account_id: a.account_id.into(),
                    level_seq: (*level as i64 + 1).into(),
                    level_name: self.settings.policy.levels[*level].name.clone().into(),
                    reached_on: self.today.clone().into(),
                    stage: stage.clone().into(),
                    held_on: held.then(|| self.today.clone()).into(),
                });
            }
        }
        if plan.validation_notice_due {
            self.notices_due.push(a.number.clone());
        }
        if let Some(q) = &plan.queue {
            self.queue.push((q.facts.clone(), a.account_id, a.name.clone(), q.level_name.clone()));
        }
        Ok(())
    }

    /// One `dunning_action` row, and the report's first few.
    fn keep_action(&mut self, slice: &mut Slice, a: &AccountFacts, action_id: i64, planned: &Planned, (outcome, amount, detail): (Outcome, i64, String)) {
        let (level, action) = (planned.level.as_str(), planned.action.as_str());
        self.written += 1;
        if self.report.actions.len() < REPORTED_ACTIONS {
            self.report.actions.push(ActionView {
                account_number: a.number.clone(),
                on_date: self.today.clone(),
                level: level.to_string(),
                action: action.to_string(),
                outcome: outcome.as_str().to_string(),
                amount: (amount != 0).then(|| fmt(amount, a.currency)),
                detail: detail.clone(),
            });
        }
        slice.batch.push(batch::DunningActionRow {
            org_id: self.org.org_id.into(),
            action_id: action_id.into(),
            run_id: self.run_id.into(),
            account_id: a.account_id.into(),
            on_date: self.today.clone().into(),
            level_name: level.into(),
            action: action.into(),
            outcome: outcome.as_str().into(),
            amount_minor: amount.into(),
            detail: detail.into(),
        });
    }

    /// A letter through the contact gate: the answer kept, and if allowed, the contact logged and the letter kept.
    fn letter(&mut self, slice: &mut Slice, a: &AccountFacts, k: &Known, kind: LetterKind) -> Result<(Outcome, i64, String)> {
        // The plan asks for a letter only where there is an address.
        let address = k.address.as_ref().map(KeptAddress::one_line).unwrap_or_default();
        let org_id = self.org.org_id;
        let decision_id = self.ids.next("contact_decision")?;
        let gated = gate(
            k,
            Attempt {
                channel: Channel::Letter,
                address,
                at_work: false,
                purpose: Purpose::Collection,
                at: self.at,
            },
            &self.gate_policy,
            decision_id,
            &self.actor,
        )?;
        slice.batch.push(decision_row(org_id, a.account_id, &gated.view, &self.logged_at));
        let Some(cleared) = gated.cleared() else {
            self.report.refused += 1;
            return Ok((Outcome::Refused, 0, view_reasons(&gated.view)));
        };
        let contact_id = self.ids.next("contact_attempt")?;
        slice.batch.push(sent_row(
            org_id,
            contact_id,
            cleared,
            &format!("{} (dunning)", kind.title()),
            &self.actor,
            &self.logged_at,
        ));
        let letter_id = self.ids.next("collection_letter")?;
        let letter = compose_letter(
            self.org,
            &self.collector,
            k,
            &a.letter_facts(),
            kind.as_str(),
            self.as_of,
            a.last_contact.is_none(),
        );
        slice.batch.push(batch::CollectionLetterRow {
            org_id: org_id.into(),
            letter_id: letter_id.into(),
            account_id: a.account_id.into(),
            kind: kind.as_str().into(),
            sent_on: self.today.clone().into(),
            contact_id: contact_id.into(),
            data: serde_json::to_string(&letter)?.into(),
        });
        self.report.letters += 1;
        Ok((Outcome::Done, 0, format!("letter {letter_id} to {}", cleared.attempt().address)))
    }

    /// An email through the contact gate, queued for the first moment the
    /// gate opens; the outbox asks again at delivery and logs the contact then.
    fn email(&mut self, slice: &mut Slice, a: &AccountFacts, k: &Known, kind: LetterKind) -> Result<(Outcome, i64, String)> {
        // The plan asks for an email only where there is an address.
        let address = k.emails.first().cloned().unwrap_or_default();
        let org_id = self.org.org_id;
        let decision_id = self.ids.next("contact_decision")?;
        let ask = |at: Timestamp, address: String| {
            gate(
                k,
                Attempt {
                    channel: Channel::Email,
                    address,
                    at_work: false,
                    purpose: Purpose::Collection,
                    at,
                },
                &self.gate_policy,
                decision_id,
                &self.actor,
            )
        };
        let mut gated = ask(self.at, address.clone())?;
        // Refused only for the hour: ask again for the first moment it opens, and queue it for then.
        if let Some(open) = gated.decision.allowed_from() {
            gated = ask(open, address)?;
        }
        slice.batch.push(decision_row(org_id, a.account_id, &gated.view, &self.logged_at));
        if !gated.allowed() {
            self.report.refused += 1;
            return Ok((Outcome::Refused, 0, view_reasons(&gated.view)));
        }
        let contact_id = self.ids.next("contact_attempt")?;
        let letter = compose_letter(
            self.org,
            &self.collector,
            k,
            &a.letter_facts(),
            kind.as_str(),
            self.as_of,
            a.last_contact.is_none(),
        );
        let (subject, body) = email_text(&letter);
        let email_id = self.ids.next("email")?;
        let email = crate::collections::outbox::NewEmail {
            to: &gated.view.address,
            subject: &subject,
            body: &body,
            not_before: &gated.view.at,
            contact_id,
        };
        slice
            .batch
            .push(crate::collections::outbox::queued_row(org_id, email_id, a.account_id, email, &self.logged_at));
        self.report.emails += 1;
        Ok((
            Outcome::Done,
            0,
            format!("email {email_id} to {} queued for {}", gated.view.address, gated.view.at_local),
        ))
    }

    /// A late fee: a journal entry and an open item on the account.
    fn fee(&mut self, slice: &mut Slice, a: &AccountFacts, fee: i64, memo: &str) -> Result<(Outcome, i64, String)> {
        let org_id = self.org.org_id;
        let item_id = self.ids.next("item")?;
        let entry_id = self.ids.next("entry")?;
        let ar = Receivable {
            gl: ArKind::parse(&a.ar_kind).map_err(|e| StoreError::Corrupt(e.to_string()))?.gl(),
            account_id: a.account_id,
        };
        let entry = events::fee(self.as_of, a.currency, ar, item_id, fee, memo)?;
        slice.batch.add_entry(org_id, entry_id, Some(a.account_id), &entry, &self.logged_at);
        slice.batch.push(batch::OpenItemRow {
            org_id: org_id.into(),
            item_id: item_id.into(),
            account_id: a.account_id.into(),
            reference: format!("FEE-{item_id:06}").into(),
            kind: "fee".into(),
            invoice_id: None::<i64>.into(),
            description: memo.into(),
            issue_date: self.today.clone().into(),
            due_date: self.today.clone().into(),
            currency: a.currency.code().into(),
            amount_minor: fee.into(),
            balance_minor: fee.into(),
            written_off: 0i64.into(),
            status: "open".into(),
        });
        slice.batch.change_account(a.account_id, fee, 0);
        self.report.fees += 1;
        self.report.fees_total_minor += fee;
        Ok((Outcome::Done, fee, format!("FEE-{item_id:06}, entry {entry_id}")))
    }
}

fn view_reasons(view: &crate::collections::DecisionView) -> String {
    view.reasons().join("; ")
}
