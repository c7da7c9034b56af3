//! Remittances (835) posted: each claim the payer answered is matched to
//! Settle's claim (CLP01) and its lines (REF*6R, else code, modifiers and
//! date), and posted as one balanced entry: the payment applied to the
//! lines, CO/PI/OA/CR written down to contractual adjustments, and PR moved
//! to a new item on the patient's account. A claim that cannot be matched
//! or does not fit what is owed goes to the exception queue, unposted,
//! with the reason. A file that does not balance, or an ERA already posted
//! (same trace number), is refused whole.

use serde::{Deserialize, Serialize};
use settle_domain::claims::ClaimStatus;
use settle_domain::ledger::GlAccount;
use settle_domain::money::{Currency, Money};
use settle_domain::remit::{
    check, claim_remitted, era_held_in_suspense, era_suspense_returned, hold_denials, provider_adjusted, with_claim_level, ChargedLine, Funding, LineAnswer,
    ProviderLevel,
};
use settle_domain::Date;
use settle_x12::remit::{ClaimPayment, Remittance};
use std::collections::{HashMap, HashSet};

use sqlx::any::AnyArguments;
use sqlx::{AnyConnection, Arguments, Row};

use crate::audit::{self, current_actor, Subject};
use crate::batch::IdPool;
use crate::batch::{self, Batch, V};
use crate::ops::{audited, fmt, idempotency_lookup, idempotency_store, next_ids, write_command, AccountRow, Audited, Organisation};
use crate::{now_text, Result, Store, StoreError};

/// An 835 as received.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Import835 {
    pub file_name: String,
    pub body: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct RemittedClaim {
    pub their_claim_number: String,
    pub claim_number: Option<String>,
    /// posted or exception.
    pub outcome: String,
    /// The claim's status after posting, or why it was not posted.
    pub status: String,
    pub reason: String,
    pub paid: String,
    pub written_down: String,
    pub patient: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct RemitOutcome {
    pub remittance_id: i64,
    pub trace: String,
    pub amount: String,
    pub posted: i64,
    pub exceptions: i64,
    /// What the exceptions' payments add up to, held in suspense until matched.
    pub held_in_suspense: String,
    /// The provider-level adjustments' (PLB) sum: positive, what the payer kept back.
    pub provider_adjustments: String,
    pub claims: Vec<RemittedClaim>,
}

/// How a person resolves an ERA claim on the exception list: match it to
/// Settle's claim (posted now, its payment taken out of suspense), or
/// return it (not this organisation's: what it paid is owed back to the
/// payer; a denial of a claim Settle never had is simply closed).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveRemitException {
    pub remittance_id: i64,
    /// The claim's place in the ERA: 1 for its first CLP.
    pub seq: i64,
    /// Settle's claim that this ERA claim answers.
    #[serde(default)]
    pub claim_number: Option<String>,
    /// Not ours: owed back to the payer (or closed, if it paid nothing).
    #[serde(default)]
    pub return_to_payer: bool,
    /// Why: kept with the resolution.
    #[serde(default)]
    pub note: String,
}

audited! {
    ResolveRemitException => "remittance.resolve", |c| Subject::Claim(c.claim_number.clone().unwrap_or_default());
}

fn bad(field: &'static str, message: impl std::fmt::Display) -> StoreError {
    StoreError::invalid(field, message)
}

fn method(bpr04: &str) -> &'static str {
    match bpr04 {
        "CHK" => "check",
        "ACH" => "ach",
        "FWT" | "BOP" => "eft",
        _ => "other",
    }
}

#[derive(Clone)]
struct ClaimLineRow {
    line_no: i64,
    units: i64,
    procedure: String,
    modifiers: Vec<String>,
    date: String,
    item_id: i64,
    balance: i64,
}

/// Where a claim's denials come from: which ERA, which claim, and when.
struct Held {
    remittance_id: i64,
    seq: i64,
    claim_id: i64,
    denied_on: Date,
    appeal_days: i64,
}

/// A claim the ERA answers that can be posted, with everything posting needs.
struct ToPost {
    claim_id: i64,
    /// The account whose items the payment is applied to: the payer's,
    /// or for a secondary claim the patient's (its share is paid there).
    insurance_account: i64,
    /// A secondary claim: it adds no charge of its own, so it owes nothing after.
    secondary: bool,
    claim_number: String,
    patient_account: i64,
    patient_name: String,
    lines: Vec<(ChargedLine, LineAnswer)>,
    /// Each line's number, code, first modifier, date and units, for the allowed amount.
    coded: Vec<(i64, String, String, String, i64)>,
    payer_code: String,
    /// Each line's denied amount, held open on the payer's account.
    denied: Vec<i64>,
    /// For each line, the SVC (index into the claim payment's lines) that answered it.
    line_svc: Vec<Option<usize>>,
    appeal_days: i64,
}

/// What posting one claim did.
struct Posted {
    entry_id: Option<i64>,
    claim_id: i64,
    claim_number: String,
    status: String,
    written_down: i64,
    patient: i64,
    /// For each SVC, the claim line it answered.
    svc_lines: Vec<Option<i64>>,
}

/// A claim an ERA names, as Settle has it.
#[derive(Clone)]
struct KnownClaim {
    claim_id: i64,
    number: String,
    status: String,
    account_id: i64,
    patient_name: String,
    payer_code: String,
    appeal_days: i64,
    primary: Option<i64>,
    /// Its charged lines, with the payer's receivable account.
    lines: Vec<ClaimLineRow>,
    insurance_account: Option<i64>,
}

/// What posting one ERA keeps between its claims, so that fifty thousand
/// claims are not fifty thousand rounds of small statements: one batch of
/// rows for them all (written when it grows large, and before anything
/// reads what it holds), ids taken in blocks, the claims the ERA names read
/// in a few queries, and status changes written together. A claim the ERA
/// has already posted to (a reversal and its new payment, say) is read
/// again after the batch is written, so every decision sees the books as
/// the claims before it left them.
#[derive(Default)]
struct EraWork {
    batch: Batch,
    ids: IdPool,
    known: HashMap<String, KnownClaim>,
    /// Claims posted to (or reversed) by this work.
    posted: HashSet<i64>,
    /// Claims with a denial still open or appealed.
    denied: HashSet<i64>,
    accounts: HashMap<i64, AccountRow>,
    /// Whether each payer has a fee schedule (no schedule, no underpayment to look for).
    fee_payers: HashMap<String, bool>,
    /// The next claim_event number of each claim read.
    next_event: HashMap<i64, i64>,
    /// Claim status changes, written with the batch: (claim, status, note, the payer's claim number).
    statuses: Vec<(i64, &'static str, String, String)>,
}

impl EraWork {
    const FLUSH_ROWS: usize = 40_000;

    /// Reads the named claims (their lines, events and open denials) in a
    /// few queries per 400.
    async fn learn(&mut self, conn: &mut AnyConnection, org_id: i64, numbers: &[String]) -> Result<()> {
        let mut numbers: Vec<&String> = numbers.iter().collect();
        numbers.sort();
        numbers.dedup();
        for chunk in numbers.chunks(400) {
            let list = placeholders(2, chunk.len());
            let sql = format!(
                "SELECT c.claim_id, c.claim_number, c.status, c.account_id, p.name, y.payer_code, y.appeal_days, c.primary_claim_id FROM claim c \
                 JOIN account a ON a.org_id = c.org_id AND a.account_id = c.account_id JOIN party p ON p.org_id = a.org_id AND p.party_id = a.party_id \
                 JOIN payer y ON y.org_id = c.org_id AND y.payer_key = c.payer_key WHERE c.org_id = $1 AND c.claim_number IN ({list})"
            );
            let mut q = sqlx::query_as::<_, (i64, String, String, i64, String, String, i64, Option<i64>)>(&sql).bind(org_id);
            for n in chunk {
                q = q.bind(n.as_str());
            }
            let heads = q.fetch_all(&mut *conn).await?;
            if heads.is_empty() {
                continue;
            }
            let ids: Vec<i64> = heads.iter().map(|h| h.0).collect();
            let id_list = placeholders(2, ids.len());
            let mut lines: HashMap<i64, Vec<ClaimLineRow>> = HashMap::new();
            let mut insurance: HashMap<i64, i64> = HashMap::new();
            let sql = format!(
                "SELECT l.claim_id, l.line_no, l.procedure_code, l.modifiers, l.date_of_service, o.item_id, o.balance_minor, l.units, o.account_id FROM claim_line l \
                 JOIN open_item o ON o.org_id = l.org_id AND o.item_id = l.item_id WHERE l.org_id = $1 AND l.claim_id IN ({id_list}) ORDER BY l.claim_id, l.line_no"
            );
            let mut q = sqlx::query(&sql).bind(org_id);
            for id in &ids {
                q = q.bind(*id);
            }
            for l in q.fetch_all(&mut *conn).await? {
                let claim_id: i64 = l.try_get(0)?;
                insurance.entry(claim_id).or_insert(l.try_get(8)?);
                lines.entry(claim_id).or_default().push(ClaimLineRow {
                    line_no: l.try_get(1)?,
                    units: l.try_get(7)?,
                    procedure: l.try_get(2)?,
                    modifiers: l.try_get::<String, _>(3)?.split_whitespace().map(str::to_string).collect(),
                    date: l.try_get::<String, _>(4)?.replace('-', ""),
                    item_id: l.try_get(5)?,
                    balance: l.try_get(6)?,
                });
            }
            let sql = format!("SELECT claim_id, CAST(MAX(seq) AS BIGINT) FROM claim_event WHERE org_id = $1 AND claim_id IN ({id_list}) GROUP BY claim_id");
            let mut q = sqlx::query(&sql).bind(org_id);
            for id in &ids {
                q = q.bind(*id);
            }
            for e in q.fetch_all(&mut *conn).await? {
                self.next_event.insert(e.try_get(0)?, e.try_get::<i64, _>(1)? + 1);
            }
            let sql = format!("SELECT DISTINCT claim_id FROM denial WHERE org_id = $1 AND status IN ('open', 'appealed') AND claim_id IN ({id_list})");
            let mut q = sqlx::query(&sql).bind(org_id);
            for id in &ids {
                q = q.bind(*id);
            }
            for d in q.fetch_all(&mut *conn).await? {
                self.denied.insert(d.try_get(0)?);
            }
            // The patients' and payers' accounts, for the entries.
            let mut accounts: Vec<i64> = heads.iter().map(|h| h.3).chain(insurance.values().copied()).collect();
            accounts.sort_unstable();
            accounts.dedup();
            accounts.retain(|a| !self.accounts.contains_key(a));
            if !accounts.is_empty() {
                let sql = format!(
                    "SELECT account_id, account_number, ar_kind, currency, status, payment_terms, balance_minor, credit_minor FROM account \
                     WHERE org_id = $1 AND account_id IN ({})",
                    placeholders(2, accounts.len())
                );
                let mut q = sqlx::query(&sql).bind(org_id);
                for a in &accounts {
                    q = q.bind(*a);
                }
                for row in q.fetch_all(&mut *conn).await? {
                    let a = crate::ops::account_from_row(&row)?;
                    self.accounts.insert(a.account_id, a);
                }
            }
            for (claim_id, number, status, account_id, patient_name, payer_code, appeal_days, primary) in heads {
                self.known.insert(
                    number.clone(),
                    KnownClaim {
                        claim_id,
                        number,
                        status,
                        account_id,
                        patient_name,
                        payer_code,
                        appeal_days,
                        primary,
                        lines: lines.remove(&claim_id).unwrap_or_default(),
                        insurance_account: insurance.get(&claim_id).copied(),
                    },
                );
            }
        }
        Ok(())
    }

    /// The claim as the books are now: read again, after the batch is
    /// written, if this work has posted to it.
    async fn claim(&mut self, conn: &mut AnyConnection, org_id: i64, number: &str) -> Result<Option<KnownClaim>> {
        let stale = self.known.get(number).is_some_and(|k| self.posted.contains(&k.claim_id));
        if stale {
            self.flush(conn, org_id).await?;
            self.known.remove(number);
            self.learn(conn, org_id, &[number.to_string()]).await?;
        }
        Ok(self.known.get(number).cloned())
    }

    async fn account(&mut self, store: &Store, conn: &mut AnyConnection, org_id: i64, account_id: i64) -> Result<AccountRow> {
        if let Some(a) = self.accounts.get(&account_id) {
            return Ok(a.clone());
        }
        let a = store.account_by_id(conn, org_id, account_id).await?;
        self.accounts.insert(account_id, a.clone());
        Ok(a)
    }

    /// Writes what is waiting: the batch, then the claims' new statuses.
    async fn flush(&mut self, conn: &mut AnyConnection, org_id: i64) -> Result<()> {
        self.batch.flush(conn, org_id).await?;
        let statuses = std::mem::take(&mut self.statuses);
        let now = now_text();
        for chunk in statuses.chunks(200) {
            let mut args = AnyArguments::default();
            let mut values = Vec::with_capacity(chunk.len());
            args.add(org_id).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            let mut n = 1;
            for (claim_id, status, note, payer_number) in chunk {
                values.push(format!("(${}, ${}, ${}, ${}, ${})", n + 1, n + 2, n + 3, n + 4, n + 5));
                n += 5;
                for added in [
                    args.add(*claim_id),
                    args.add(status.to_string()),
                    args.add(note.clone()),
                    args.add(payer_number.clone()),
                    args.add(now.clone()),
                ] {
                    added.map_err(|e| StoreError::Corrupt(e.to_string()))?;
                }
            }
            let sql = format!(
                "UPDATE claim SET status = v.column2, status_reason = v.column3, \
                 payer_claim_number = CASE WHEN claim.payer_claim_number = '' THEN v.column4 ELSE claim.payer_claim_number END, updated_at = v.column5 \
                 FROM (VALUES {}) AS v WHERE claim.org_id = $1 AND claim.claim_id = v.column1",
                values.join(", ")
            );
            sqlx::query_with(&sql, args).execute(&mut *conn).await?;
        }
        Ok(())
    }

    async fn maybe_flush(&mut self, conn: &mut AnyConnection, org_id: i64) -> Result<()> {
        if self.batch.row_count() >= Self::FLUSH_ROWS {
            self.flush(conn, org_id).await?;
        }
        Ok(())
    }

    /// Writes everything and returns the ids not used.
    async fn finish(&mut self, conn: &mut AnyConnection, org_id: i64) -> Result<()> {
        self.flush(conn, org_id).await?;
        self.ids.give_back(conn, org_id).await
    }
}

/// `$first, $first+1, ...`: `count` numbered placeholders.
fn placeholders(first: usize, count: usize) -> String {
    (first..first + count).map(|n| format!("${n}")).collect::<Vec<_>>().join(", ")
}

enum Decision {
    Post(ToPost),
    Exception {
        claim_id: Option<i64>,
        claim_number: Option<String>,
        reason: String,
    },
}

impl Store {
    /// Posts an 835: every claim it answers, or the file is refused whole.
    pub async fn post_835(&self, org: &Organisation, cmd: &Import835, today: Date) -> Result<Vec<RemitOutcome>> {
        self.run_835(org, cmd, today, true).await
    }

    /// What posting the 835 would do, exactly (the same work, rolled back).
    pub async fn preview_835(&self, org: &Organisation, cmd: &Import835, today: Date) -> Result<Vec<RemitOutcome>> {
        self.run_835(org, cmd, today, false).await
    }

    async fn run_835(&self, org: &Organisation, cmd: &Import835, today: Date, commit: bool) -> Result<Vec<RemitOutcome>> {
        let parsed = settle_x12::read(cmd.body.as_bytes());
        let mut problems: Vec<String> = parsed
            .diagnostics
            .iter()
            .filter(|d| d.severity == settle_x12::Severity::Error)
            .map(|d| d.to_string())
            .collect();
        let (remits, loose) = settle_x12::remit::read_835(&parsed);
        problems.extend(loose.iter().map(|d| d.to_string()));
        for r in &remits {
            problems.extend(r.problems.iter().map(|d| d.to_string()));
            if r.trace.is_empty() {
                problems.push("the ERA has no trace number (TRN02); it cannot be told apart from another".into());
            }
        }
        if !problems.is_empty() {
            return Err(bad("file", format!("{}: nothing posted: {}", cmd.file_name, problems.join("; "))));
        }
        let cur = Currency::from_code(&org.base_currency).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let actor = current_actor();
        let mut tx = self.begin_write().await?;
        let conn = tx.conn();
        let mut outcomes = Vec::new();
        for r in &remits {
            let seen = sqlx::query("SELECT posted_at FROM remittance WHERE org_id = $1 AND trace = $2")
                .bind(org.org_id)
                .bind(&r.trace)
                .fetch_optional(&mut *conn)
                .await?;
            if let Some(row) = seen {
                return Err(bad(
                    "file",
                    format!(
                        "{}: the ERA with trace number {} was already posted at {}; nothing posted again",
                        cmd.file_name,
                        r.trace,
                        row.try_get::<String, _>(0)?
                    ),
                ));
            }
            let mut work = EraWork::default();
            outcomes.push(self.post_remittance(conn, org, cmd, r, cur, today, &actor.name, &mut work).await?);
            work.finish(conn, org.org_id).await?;
        }
        if !commit {
            // Dropped without commit: the preview writes nothing.
            return Ok(outcomes);
        }
        audit::append(
            conn,
            self.for_update(),
            org.org_id,
            "remittance.post",
            &format!("file:{}", cmd.file_name),
            None,
            Some(&serde_json::to_value(&outcomes)?),
        )
        .await?;
        tx.commit().await?;
        Ok(outcomes)
    }

    #[allow(clippy::too_many_arguments)]
    async fn post_remittance(
        &self,
        conn: &mut AnyConnection,
        org: &Organisation,
        cmd: &Import835,
        r: &Remittance,
        cur: Currency,
        today: Date,
        actor: &str,
        work: &mut EraWork,
    ) -> Result<RemitOutcome> {
        let paid_on = settle_x12::parse_date8(&r.payment_date).unwrap_or(today);
        let file_id = next_ids(conn, org.org_id, "x12_file", 1).await?;
        sqlx::query(
            "INSERT INTO x12_file (org_id, file_id, direction, kind, payer_key, interchange_control, group_control, claim_count, total_minor, body, summary, created_by, created_at) \
             VALUES ($1, $2, 'in', '835', NULL, 0, 0, $3, $4, $5, $6, $7, $8)",
        )
        .bind(org.org_id)
        .bind(file_id)
        .bind(r.claims.len() as i64)
        .bind(r.amount.amount_minor())
        .bind(&cmd.body)
        .bind(format!("{}: ERA {} from {}", cmd.file_name, r.trace, r.payer_name))
        .bind(actor)
        .bind(now_text())
        .execute(&mut *conn)
        .await?;
        let remittance_id = next_ids(conn, org.org_id, "remittance", 1).await?;
        sqlx::query(
            "INSERT INTO remittance (org_id, remittance_id, trace, payer_name, currency, amount_minor, method, paid_on, file_id, posted_by, posted_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(org.org_id)
        .bind(remittance_id)
        .bind(&r.trace)
        .bind(&r.payer_name)
        .bind(cur.code())
        .bind(r.amount.amount_minor())
        .bind(method(&r.method))
        .bind(paid_on.to_string())
        .bind(file_id)
        .bind(actor)
        .bind(now_text())
        .execute(&mut *conn)
        .await?;
        let mut outcome = RemitOutcome {
            remittance_id,
            trace: r.trace.clone(),
            amount: r.amount.to_decimal_string(),
            posted: 0,
            exceptions: 0,
            held_in_suspense: fmt(0, cur),
            provider_adjustments: fmt(0, cur),
            claims: Vec::new(),
        };
        let mut held_minor = 0i64;
        let numbers: Vec<String> = r
            .claims
            .iter()
            .filter(|c| c.status != "22")
            .map(|c| c.claim_number.trim().to_ascii_uppercase())
            .collect();
        work.learn(conn, org.org_id, &numbers).await?;
        for (seq, c) in r.claims.iter().enumerate() {
            work.maybe_flush(conn, org.org_id).await?;
            let decision = if c.status == "22" {
                // A reversal reads the posting it undoes: the books must be written first.
                work.flush(conn, org.org_id).await?;
                let reversed = self.reverse_claim(conn, org, r, c, paid_on, cur).await?;
                if let Some(known) = work.known.get(&c.claim_number.trim().to_ascii_uppercase()) {
                    work.posted.insert(known.claim_id);
                }
                match reversed {
                    Ok((claim_id, number, entry_id)) => {
                        outcome.posted += 1;
                        work.posted.insert(claim_id);
                        self.record_remit_claim(
                            &mut work.batch,
                            org.org_id,
                            remittance_id,
                            seq,
                            Some(claim_id),
                            c,
                            Some(entry_id),
                            "reversed",
                            "",
                            0,
                            0,
                            None,
                        );
                        self.record_adjudication(&mut work.batch, org.org_id, remittance_id, seq as i64 + 1, c, &vec![None; c.lines.len()]);
                        outcome.claims.push(RemittedClaim {
                            their_claim_number: c.claim_number.clone(),
                            claim_number: Some(number),
                            outcome: "reversed".into(),
                            status: "accepted".into(),
                            reason: String::new(),
                            paid: c.paid.to_decimal_string(),
                            written_down: fmt(0, cur),
                            patient: fmt(0, cur),
                        });
                        continue;
                    }
                    Err(exception) => exception,
                }
            } else {
                self.decide(conn, org.org_id, c, work).await?
            };
            let mut svc_lines: Vec<Option<i64>> = vec![None; c.lines.len()];
            let mut suspense_entry = None;
            let (entry_id, claim_id, claim_number, status, reason, written_down_total, patient_total, posted) = match decision {
                Decision::Exception {
                    claim_id,
                    claim_number,
                    reason,
                } => {
                    outcome.exceptions += 1;
                    if c.paid.amount_minor() != 0 {
                        // Received all the same: held in suspense until a person matches it.
                        suspense_entry = Some(self.hold_in_suspense(conn, org, r, c, paid_on, cur, work).await?);
                        held_minor += c.paid.amount_minor();
                    }
                    (None, claim_id, claim_number, "exception".to_string(), reason, 0, 0, false)
                }
                Decision::Post(to_post) => {
                    outcome.posted += 1;
                    let done = self
                        .post_decided(conn, org, r, c, remittance_id, seq, paid_on, cur, actor, Funding::Cash, to_post, work)
                        .await?;
                    svc_lines = done.svc_lines;
                    (
                        done.entry_id,
                        Some(done.claim_id),
                        Some(done.claim_number),
                        done.status,
                        String::new(),
                        done.written_down,
                        done.patient,
                        true,
                    )
                }
            };
            let label = if posted { "posted" } else { "exception" };
            self.record_remit_claim(
                &mut work.batch,
                org.org_id,
                remittance_id,
                seq,
                claim_id,
                c,
                entry_id,
                label,
                &reason,
                written_down_total,
                patient_total,
                suspense_entry,
            );
            self.record_adjudication(&mut work.batch, org.org_id, remittance_id, seq as i64 + 1, c, &svc_lines);
            outcome.claims.push(RemittedClaim {
                their_claim_number: c.claim_number.clone(),
                claim_number,
                outcome: label.into(),
                status,
                reason,
                paid: c.paid.to_decimal_string(),
                written_down: fmt(written_down_total, cur),
                patient: fmt(patient_total, cur),
            });
        }
        outcome.held_in_suspense = fmt(held_minor, cur);
        // The provider-level adjustments find the payer's account from the claims just recorded.
        work.flush(conn, org.org_id).await?;
        if !r.provider_adjustments.is_empty() {
            let total = self.post_provider_adjustments(conn, org, r, remittance_id, paid_on, cur, work).await?;
            outcome.provider_adjustments = fmt(total, cur);
        }
        Ok(outcome)
    }

    /// An exception's payment, received but not yet the claim's: cash in,
    /// held in suspense (one entry), so the ERA's cash equals its deposit.
    async fn hold_in_suspense(
        &self,
        conn: &mut AnyConnection,
        org: &Organisation,
        r: &Remittance,
        c: &ClaimPayment,
        paid_on: Date,
        cur: Currency,
        work: &mut EraWork,
    ) -> Result<i64> {
        let entry = era_held_in_suspense(
            paid_on,
            cur,
            c.paid.amount_minor(),
            &format!("ERA {}: payment for claim {} held until it is matched", r.trace, c.claim_number),
        )?;
        let entry_id = work.ids.take(conn, org.org_id, "entry", 1).await?;
        work.batch.add_entry(org.org_id, entry_id, None, &entry, &now_text());
        Ok(entry_id)
    }

    /// The ERA's provider-level adjustments (PLB) as one entry on the
    /// payer's account, each kept as the payer said it. Returns their sum
    /// (positive: what the payer kept back).
    async fn post_provider_adjustments(
        &self,
        conn: &mut AnyConnection,
        org: &Organisation,
        r: &Remittance,
        remittance_id: i64,
        paid_on: Date,
        cur: Currency,
        work: &mut EraWork,
    ) -> Result<i64> {
        // The payer's receivable account, from any primary claim this ERA answered.
        let payer_account: Option<i64> = sqlx::query(
            "SELECT o.account_id FROM remittance_claim x JOIN claim c ON c.org_id = x.org_id AND c.claim_id = x.claim_id \
             JOIN claim_line l ON l.org_id = c.org_id AND l.claim_id = c.claim_id JOIN open_item o ON o.org_id = l.org_id AND o.item_id = l.item_id \
             WHERE x.org_id = $1 AND x.remittance_id = $2 AND c.primary_claim_id IS NULL ORDER BY x.seq LIMIT 1",
        )
        .bind(org.org_id)
        .bind(remittance_id)
        .fetch_optional(&mut *conn)
        .await?
        .map(|row| row.try_get(0))
        .transpose()?;
        let levels: Vec<ProviderLevel> = r
            .provider_adjustments
            .iter()
            .map(|a| ProviderLevel {
                reason: a.reason.clone(),
                amount_minor: a.amount.amount_minor(),
            })
            .collect();
        let total: i64 = levels.iter().map(|l| l.amount_minor).sum();
        let said: Vec<String> = r
            .provider_adjustments
            .iter()
            .map(|a| format!("{} {} {}", a.reason, a.reference, a.amount.to_decimal_string()))
            .collect();
        let entry_id = if levels.iter().any(|l| l.amount_minor != 0) {
            let entry = provider_adjusted(
                paid_on,
                cur,
                payer_account,
                &levels,
                &format!("ERA {} provider-level adjustments: {}", r.trace, said.join("; ")),
            )?;
            let id = work.ids.take(conn, org.org_id, "entry", 1).await?;
            work.batch.add_entry(org.org_id, id, payer_account, &entry, &now_text());
            Some(id)
        } else {
            None
        };
        for (n, a) in r.provider_adjustments.iter().enumerate() {
            sqlx::query(
                "INSERT INTO remittance_provider_adjustment (org_id, remittance_id, seq, segment_number, provider, reason, reference, amount_minor) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(org.org_id)
            .bind(remittance_id)
            .bind(n as i64 + 1)
            .bind(a.segment_number as i64)
            .bind(&a.provider)
            .bind(&a.reason)
            .bind(&a.reference)
            .bind(a.amount.amount_minor())
            .execute(&mut *conn)
            .await?;
        }
        sqlx::query("UPDATE remittance SET plb_entry_id = $3 WHERE org_id = $1 AND remittance_id = $2")
            .bind(org.org_id)
            .bind(remittance_id)
            .bind(entry_id)
            .execute(&mut *conn)
            .await?;
        Ok(total)
    }

    /// Posts a claim the ERA answers: its entry, underpayments, denials held
    /// open, and the claim's new status.
    #[allow(clippy::too_many_arguments)]
    async fn post_decided(
        &self,
        conn: &mut AnyConnection,
        org: &Organisation,
        r: &Remittance,
        c: &ClaimPayment,
        remittance_id: i64,
        seq: usize,
        paid_on: Date,
        cur: Currency,
        actor: &str,
        funding: Funding,
        p: ToPost,
        work: &mut EraWork,
    ) -> Result<Posted> {
        let mut svc_lines: Vec<Option<i64>> = vec![None; c.lines.len()];
        for (i, svc) in p.line_svc.iter().enumerate() {
            if let Some(svc) = svc {
                svc_lines[*svc] = Some(p.coded[i].0);
            }
        }
        let entry_id = self
            .post_claim(
                conn,
                org,
                r,
                c,
                remittance_id,
                paid_on,
                &p.claim_number,
                p.patient_account,
                &p.patient_name,
                &p.lines,
                cur,
                funding,
                p.insurance_account,
                work,
            )
            .await?;
        work.posted.insert(p.claim_id);
        self.note_underpayments(conn, org.org_id, remittance_id, p.claim_id, &p.payer_code, &p.lines, &p.coded, work)
            .await?;
        let held = Held {
            remittance_id,
            seq: seq as i64 + 1,
            claim_id: p.claim_id,
            denied_on: paid_on,
            appeal_days: p.appeal_days,
        };
        self.hold_denials(conn, org.org_id, &held, c, &p.lines, &p.coded, &p.denied, &p.line_svc, actor, work)
            .await?;
        let status = self.settle_after_remit(conn, org.org_id, &p, c, &r.trace, cur, work).await?;
        Ok(Posted {
            entry_id,
            claim_id: p.claim_id,
            claim_number: p.claim_number,
            status,
            written_down: p.lines.iter().map(|(_, a)| a.written_down).sum(),
            patient: p.lines.iter().map(|(_, a)| a.patient).sum(),
            svc_lines,
        })
    }

    /// Resolves one claim on the exception list, in one transaction: matched
    /// to a claim (posted as the ERA said, paid from suspense), or returned
    /// to the payer. Anything that still does not fit is refused and
    /// nothing changes.
    pub async fn resolve_remit_exception(&self, org: &Organisation, cmd: &ResolveRemitException, today: Date) -> Result<RemittedClaim> {
        if cmd.claim_number.as_deref().is_some_and(|n| !n.trim().is_empty()) == cmd.return_to_payer {
            return Err(bad(
                "claim_number",
                "name the claim this ERA claim answers, or return it to the payer (one of the two)",
            ));
        }
        let cur = Currency::from_code(&org.base_currency).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let actor = current_actor();
        write_command!(self, org.org_id, None::<&settle_domain::IdempotencyKey>, cmd, |tx| {
            let conn = tx.conn();
            let row = sqlx::query(
                "SELECT x.outcome, x.paid_minor, x.suspense_entry_id, r.trace, r.file_id, x.their_claim_number, x.status_code, x.resolution \
                 FROM remittance_claim x JOIN remittance r ON r.org_id = x.org_id AND r.remittance_id = x.remittance_id \
                 WHERE x.org_id = $1 AND x.remittance_id = $2 AND x.seq = $3",
            )
            .bind(org.org_id)
            .bind(cmd.remittance_id)
            .bind(cmd.seq)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| bad("seq", format!("ERA {} has no claim {}", cmd.remittance_id, cmd.seq)))?;
            let (outcome, paid, suspense, trace, file_id, theirs): (String, i64, Option<i64>, String, i64, String) = (
                row.try_get(0)?,
                row.try_get(1)?,
                row.try_get(2)?,
                row.try_get(3)?,
                row.try_get(4)?,
                row.try_get(5)?,
            );
            if outcome != "exception" {
                return Err(bad(
                    "seq",
                    format!("ERA {trace}'s claim {theirs} is not on the exception list (it was {outcome})"),
                ));
            }
            let resolution = |what: &str| {
                if cmd.note.trim().is_empty() {
                    what.to_string()
                } else {
                    format!("{what}: {}", cmd.note.trim())
                }
            };
            if cmd.return_to_payer {
                let (label, entry_id) = if paid != 0 && suspense.is_some() {
                    let entry = era_suspense_returned(
                        today,
                        cur,
                        paid,
                        &format!("ERA {trace}: payment for claim {theirs} is not ours; owed back to the payer"),
                    )?;
                    let id = next_ids(conn, org.org_id, "entry", 1).await?;
                    let mut batch = Batch::default();
                    batch.add_entry(org.org_id, id, None, &entry, &now_text());
                    batch.flush(conn, org.org_id).await?;
                    ("returned", Some(id))
                } else {
                    ("closed", None)
                };
                sqlx::query(
                    "UPDATE remittance_claim SET outcome = $4, entry_id = $5, resolution = $6, resolved_by = $7, resolved_at = $8 \
                     WHERE org_id = $1 AND remittance_id = $2 AND seq = $3 AND outcome = 'exception'",
                )
                .bind(org.org_id)
                .bind(cmd.remittance_id)
                .bind(cmd.seq)
                .bind(label)
                .bind(entry_id)
                .bind(resolution(if label == "returned" { "owed back to the payer" } else { "closed" }))
                .bind(&actor.name)
                .bind(now_text())
                .execute(&mut *conn)
                .await?;
                RemittedClaim {
                    their_claim_number: theirs,
                    claim_number: None,
                    outcome: label.into(),
                    status: String::new(),
                    reason: cmd.note.clone(),
                    paid: fmt(paid, cur),
                    written_down: fmt(0, cur),
                    patient: fmt(0, cur),
                }
            } else {
                let number = cmd.claim_number.clone().unwrap_or_default().trim().to_ascii_uppercase();
                // The ERA as it was received, read again: the claim exactly as the payer answered it.
                let body: String = sqlx::query("SELECT body FROM x12_file WHERE org_id = $1 AND file_id = $2")
                    .bind(org.org_id)
                    .bind(file_id)
                    .fetch_one(&mut *conn)
                    .await?
                    .try_get(0)?;
                let parsed = settle_x12::read(body.as_bytes());
                let (remits, _) = settle_x12::remit::read_835(&parsed);
                let r = remits
                    .into_iter()
                    .find(|r| r.trace == trace)
                    .ok_or_else(|| StoreError::Corrupt(format!("ERA {trace} is no longer in its file")))?;
                let mut c = r
                    .claims
                    .get(cmd.seq as usize - 1)
                    .cloned()
                    .ok_or_else(|| StoreError::Corrupt(format!("ERA {trace} has no claim {}", cmd.seq)))?;
                if c.status == "22" {
                    return Err(bad(
                        "claim_number",
                        "a reversal is not matched by hand: return it to the payer or reverse the payment",
                    ));
                }
                c.claim_number = number.clone();
                let mut work = EraWork::default();
                work.learn(conn, org.org_id, std::slice::from_ref(&number)).await?;
                let to_post = match self.decide(conn, org.org_id, &c, &mut work).await? {
                    Decision::Post(p) => p,
                    Decision::Exception { reason, .. } => return Err(bad("claim_number", reason)),
                };
                let funding = if suspense.is_some() { Funding::Suspense } else { Funding::Cash };
                let paid_on = settle_x12::parse_date8(&r.payment_date).unwrap_or(today);
                let seq = cmd.seq as usize - 1;
                let done = self
                    .post_decided(
                        conn,
                        org,
                        &r,
                        &c,
                        cmd.remittance_id,
                        seq,
                        paid_on,
                        cur,
                        &actor.name,
                        funding,
                        to_post,
                        &mut work,
                    )
                    .await?;
                work.finish(conn, org.org_id).await?;
                sqlx::query(
                    "UPDATE remittance_claim SET outcome = 'posted', claim_id = $4, entry_id = $5, written_down_minor = $6, patient_minor = $7, \
                 resolution = $8, resolved_by = $9, resolved_at = $10 WHERE org_id = $1 AND remittance_id = $2 AND seq = $3 AND outcome = 'exception'",
                )
                .bind(org.org_id)
                .bind(cmd.remittance_id)
                .bind(cmd.seq)
                .bind(done.claim_id)
                .bind(done.entry_id)
                .bind(done.written_down)
                .bind(done.patient)
                .bind(resolution(&format!("matched to {}", done.claim_number)))
                .bind(&actor.name)
                .bind(now_text())
                .execute(&mut *conn)
                .await?;
                for (i, line) in done.svc_lines.iter().enumerate() {
                    if let Some(line_no) = line {
                        sqlx::query("UPDATE remittance_line SET claim_line_no = $5 WHERE org_id = $1 AND remittance_id = $2 AND seq = $3 AND line_seq = $4")
                            .bind(org.org_id)
                            .bind(cmd.remittance_id)
                            .bind(cmd.seq)
                            .bind(i as i64 + 1)
                            .bind(*line_no)
                            .execute(&mut *conn)
                            .await?;
                    }
                }
                RemittedClaim {
                    their_claim_number: theirs,
                    claim_number: Some(done.claim_number),
                    outcome: "posted".into(),
                    status: done.status,
                    reason: String::new(),
                    paid: fmt(paid, cur),
                    written_down: fmt(done.written_down, cur),
                    patient: fmt(done.patient, cur),
                }
            }
        })
    }

    /// Keeps what the ERA said line by line (SVC, CAS, LQ), for the EOB and
    /// for the secondary claim's 2320/2430 loops.
    fn record_adjudication(&self, batch: &mut Batch, org_id: i64, remittance_id: i64, seq: i64, c: &ClaimPayment, svc_lines: &[Option<i64>]) {
        let adjustment = |batch: &mut Batch, line_seq: i64, n: usize, a: &settle_x12::remit::Adjustment| {
            batch.add(
                &batch::REMITTANCE_ADJUSTMENT,
                vec![
                    org_id.into(),
                    remittance_id.into(),
                    seq.into(),
                    line_seq.into(),
                    (n as i64 + 1).into(),
                    a.group.clone().into(),
                    a.reason.clone().into(),
                    a.amount.amount_minor().into(),
                    a.quantity.clone().into(),
                ],
            );
        };
        for (n, a) in c.adjustments.iter().enumerate() {
            adjustment(batch, 0, n, a);
        }
        for (i, line) in c.lines.iter().enumerate() {
            let line_seq = i as i64 + 1;
            batch.add(
                &batch::REMITTANCE_LINE,
                vec![
                    org_id.into(),
                    remittance_id.into(),
                    seq.into(),
                    line_seq.into(),
                    svc_lines.get(i).copied().flatten().into(),
                    line.procedure.clone().into(),
                    line.modifiers.join(" ").into(),
                    line.units.clone().into(),
                    line.date_of_service.clone().into(),
                    line.charge.amount_minor().into(),
                    line.paid.amount_minor().into(),
                    line.remarks.join(" ").into(),
                ],
            );
            for (n, a) in line.adjustments.iter().enumerate() {
                adjustment(batch, line_seq, n, a);
            }
        }
    }

    /// A denial row for each line the payer denied, with the reasons (its
    /// own CAS and the claim's, PR aside) and remarks, the next step they
    /// suggest, and the appeal deadline from the payer's appeal window.
    #[allow(clippy::too_many_arguments)]
    async fn hold_denials(
        &self,
        conn: &mut AnyConnection,
        org_id: i64,
        held: &Held,
        c: &ClaimPayment,
        lines: &[(ChargedLine, LineAnswer)],
        coded: &[(i64, String, String, String, i64)],
        denied: &[i64],
        line_svc: &[Option<usize>],
        actor: &str,
        work: &mut EraWork,
    ) -> Result<()> {
        let count = denied.iter().filter(|d| **d > 0).count() as i64;
        if count == 0 {
            return Ok(());
        }
        work.denied.insert(held.claim_id);
        let mut next = work.ids.take(conn, org_id, "denial", count).await?;
        let appeal_by = held.denied_on.checked_add(jiff::ToSpan::days(held.appeal_days)).unwrap_or(held.denied_on);
        let now = now_text();
        for (i, amount) in denied.iter().enumerate() {
            if *amount <= 0 {
                continue;
            }
            let svc = line_svc[i].map(|s| &c.lines[s]);
            let mut reasons: Vec<String> = Vec::new();
            let mut codes: Vec<&str> = Vec::new();
            for a in svc.map(|s| s.adjustments.as_slice()).unwrap_or_default().iter().chain(&c.adjustments) {
                if a.group != "PR" && !reasons.contains(&format!("{}-{}", a.group, a.reason)) {
                    reasons.push(format!("{}-{}", a.group, a.reason));
                    codes.push(&a.reason);
                }
            }
            let mut remarks: Vec<String> = svc.map(|s| s.remarks.clone()).unwrap_or_default();
            remarks.extend(c.remarks.iter().cloned());
            let next_step = settle_domain::carc::next_step(codes);
            work.batch.add(
                &batch::DENIAL,
                vec![
                    org_id.into(),
                    next.into(),
                    held.claim_id.into(),
                    held.remittance_id.into(),
                    held.seq.into(),
                    Some(coded[i].0).into(),
                    Some(lines[i].0.item_id).into(),
                    (*amount).into(),
                    reasons.join(" ").into(),
                    remarks.join(" ").into(),
                    next_step.as_str().into(),
                    held.denied_on.to_string().into(),
                    appeal_by.to_string().into(),
                    "open".into(),
                    "".into(),
                    actor.into(),
                    now.clone().into(),
                ],
            );
            next += 1;
        }
        Ok(())
    }

    /// Lines paid below the payer's allowed amount (paid + patient share
    /// against the fee schedule named by the payer's id).
    #[allow(clippy::too_many_arguments)]
    async fn note_underpayments(
        &self,
        conn: &mut AnyConnection,
        org_id: i64,
        remittance_id: i64,
        claim_id: i64,
        payer_code: &str,
        lines: &[(ChargedLine, LineAnswer)],
        coded: &[(i64, String, String, String, i64)],
        work: &mut EraWork,
    ) -> Result<()> {
        if coded.is_empty() {
            return Ok(());
        }
        let has_schedule = match work.fee_payers.get(payer_code) {
            Some(has) => *has,
            None => {
                let has = sqlx::query("SELECT 1 FROM fee_schedule_entry WHERE org_id = $1 AND schedule = $2 LIMIT 1")
                    .bind(org_id)
                    .bind(payer_code)
                    .fetch_optional(&mut *conn)
                    .await?
                    .is_some();
                work.fee_payers.insert(payer_code.to_string(), has);
                has
            }
        };
        if !has_schedule {
            return Ok(());
        }
        for ((_, answer), (line_no, code, modifier, date, units)) in lines.iter().zip(coded) {
            if answer.paid == 0 && answer.patient == 0 {
                continue; // a denial, not an underpayment
            }
            let Some(date) = settle_x12::parse_date8(date) else { continue };
            let Some(fee) = self.fee_in(conn, org_id, payer_code, code, modifier, date).await? else {
                continue;
            };
            let allowed = fee.amount_minor().saturating_mul((*units).max(1));
            let got = answer.paid + answer.patient;
            if got < allowed {
                work.batch.add(
                    &batch::UNDERPAYMENT,
                    vec![
                        org_id.into(),
                        remittance_id.into(),
                        claim_id.into(),
                        (*line_no).into(),
                        code.clone().into(),
                        allowed.into(),
                        answer.paid.into(),
                        answer.patient.into(),
                        (allowed - got).into(),
                        now_text().into(),
                    ],
                );
            }
        }
        Ok(())
    }

    /// The underpayment worklist: lines paid below the contracted amount, largest shortfall first.
    pub async fn underpayments(&self, org: &Organisation) -> Result<Vec<UnderpaymentView>> {
        self.note_read(org.org_id, "underpayment.list", "underpayments").await?;
        let cur = Currency::from_code(&org.base_currency).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let rows = sqlx::query(
            "SELECT c.claim_number, y.payer_code, r.trace, u.line_no, u.procedure_code, u.allowed_minor, u.paid_minor, u.patient_minor, u.short_minor \
             FROM underpayment u JOIN claim c ON c.org_id = u.org_id AND c.claim_id = u.claim_id \
             JOIN payer y ON y.org_id = c.org_id AND y.payer_key = c.payer_key \
             JOIN remittance r ON r.org_id = u.org_id AND r.remittance_id = u.remittance_id \
             WHERE u.org_id = $1 ORDER BY u.short_minor DESC, c.claim_number LIMIT 500",
        )
        .bind(org.org_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(UnderpaymentView {
                    claim_number: r.try_get(0)?,
                    payer_code: r.try_get(1)?,
                    trace: r.try_get(2)?,
                    line_no: r.try_get(3)?,
                    procedure_code: crate::sight::clinical(r.try_get(4)?),
                    allowed: fmt(r.try_get(5)?, cur),
                    paid: fmt(r.try_get(6)?, cur),
                    patient: fmt(r.try_get(7)?, cur),
                    short: fmt(r.try_get(8)?, cur),
                })
            })
            .collect()
    }

    #[allow(clippy::too_many_arguments)]
    #[allow(clippy::too_many_arguments)]
    fn record_remit_claim(
        &self,
        batch: &mut Batch,
        org_id: i64,
        remittance_id: i64,
        seq: usize,
        claim_id: Option<i64>,
        c: &ClaimPayment,
        entry_id: Option<i64>,
        outcome: &str,
        reason: &str,
        written_down: i64,
        patient: i64,
        suspense_entry_id: Option<i64>,
    ) {
        let adjustments: Vec<String> = c
            .all_adjustments()
            .map(|a| format!("{}-{} {}", a.group, a.reason, a.amount.to_decimal_string()))
            .collect();
        batch.add(
            &batch::REMITTANCE_CLAIM,
            vec![
                org_id.into(),
                remittance_id.into(),
                (seq as i64 + 1).into(),
                claim_id.into(),
                c.claim_number.clone().into(),
                c.status.clone().into(),
                c.charge.amount_minor().into(),
                c.paid.amount_minor().into(),
                written_down.into(),
                patient.into(),
                entry_id.into(),
                outcome.into(),
                reason.into(),
                adjustments.join(" ").into(),
                c.remarks.join(" ").into(),
                suspense_entry_id.into(),
            ],
        );
    }

    /// A reversal (CLP02 22) undoes the claim's last posted remittance with
    /// the mirror of its entry and of its documents, if nothing has moved
    /// since (the patient has not paid on their share).
    async fn reverse_claim(
        &self,
        conn: &mut AnyConnection,
        org: &Organisation,
        r: &Remittance,
        c: &ClaimPayment,
        paid_on: Date,
        cur: Currency,
    ) -> Result<std::result::Result<(i64, String, i64), Decision>> {
        let exception = |claim_id: Option<i64>, number: Option<String>, reason: String| Decision::Exception {
            claim_id,
            claim_number: number,
            reason,
        };
        let row = sqlx::query("SELECT claim_id, claim_number FROM claim WHERE org_id = $1 AND claim_number = $2")
            .bind(org.org_id)
            .bind(c.claim_number.trim().to_ascii_uppercase())
            .fetch_optional(&mut *conn)
            .await?;
        let Some(row) = row else {
            return Ok(Err(exception(
                None,
                None,
                format!("a reversal for claim {}, which Settle does not have", c.claim_number),
            )));
        };
        let (claim_id, number): (i64, String) = (row.try_get(0)?, row.try_get(1)?);
        let earlier = sqlx::query(
            "SELECT remittance_id, seq, entry_id, paid_minor FROM remittance_claim WHERE org_id = $1 AND claim_id = $2 AND outcome = 'posted' AND entry_id IS NOT NULL \
             ORDER BY remittance_id DESC, seq DESC LIMIT 1",
        )
        .bind(org.org_id)
        .bind(claim_id)
        .fetch_optional(&mut *conn)
        .await?;
        let Some(earlier) = earlier else {
            return Ok(Err(exception(
                Some(claim_id),
                Some(number.clone()),
                format!("a reversal for claim {number}, which has no posted payment to reverse"),
            )));
        };
        let (was_remit, was_seq, was_entry, was_paid): (i64, i64, i64, i64) =
            (earlier.try_get(0)?, earlier.try_get(1)?, earlier.try_get(2)?, earlier.try_get(3)?);
        if c.paid.amount_minor() != -was_paid {
            return Ok(Err(exception(
                Some(claim_id),
                Some(number.clone()),
                format!(
                    "the reversal takes back {} but {} was posted; reverse by hand",
                    c.paid,
                    Money::from_minor(was_paid, cur)
                ),
            )));
        }
        let postings = sqlx::query("SELECT gl_code, account_id, item_id, amount_minor FROM posting WHERE org_id = $1 AND entry_id = $2 ORDER BY line_no")
            .bind(org.org_id)
            .bind(was_entry)
            .fetch_all(&mut *conn)
            .await?;
        let mut mirror = Vec::new();
        let mut batch = Batch::default();
        for p in &postings {
            let code: String = p.try_get(0)?;
            let gl = match GlAccount::from_code(&code).ok_or_else(|| StoreError::Corrupt(format!("GL {code}")))? {
                // A payment first held in suspense and matched later: the reversal takes cash back all the same.
                GlAccount::EraSuspense => GlAccount::Cash,
                gl => gl,
            };
            let account: Option<i64> = p.try_get(1)?;
            let item: Option<i64> = p.try_get(2)?;
            let amount: i64 = p.try_get(3)?;
            let mut posting = settle_domain::ledger::Posting::debit(gl, -amount);
            if let (Some(a), Some(i)) = (account, item) {
                // The patient's share must still be whole to be taken back.
                let balance: i64 = sqlx::query("SELECT balance_minor FROM open_item WHERE org_id = $1 AND item_id = $2")
                    .bind(org.org_id)
                    .bind(i)
                    .fetch_one(&mut *conn)
                    .await?
                    .try_get(0)?;
                if amount > 0 && balance < amount {
                    return Ok(Err(exception(
                        Some(claim_id),
                        Some(number.clone()),
                        format!("the patient has paid part of their share of claim {number}; reverse by hand"),
                    )));
                }
                posting = posting.for_item(a, i);
                batch.change_item(i, -amount);
                if amount > 0 {
                    // The patient's share this entry created: void, as if never billed.
                    batch.item_changes.entry(i).or_default().void = true;
                }
                batch.change_account(a, -amount, 0);
            } else if let Some(a) = account {
                posting = posting.for_account(a);
            }
            mirror.push(posting);
        }
        let entry = settle_domain::ledger::JournalEntry::new(
            settle_domain::ledger::EntryKind::Remittance,
            paid_on,
            cur,
            format!("ERA {} reverses the payment of claim {number}", r.trace),
            mirror,
        )
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let entry_id = next_ids(conn, org.org_id, "entry", 1).await?;
        let now = now_text();
        let insurance_account = postings.iter().find_map(|p| p.try_get::<Option<i64>, _>(1).ok().flatten());
        batch.add_entry(org.org_id, entry_id, insurance_account, &entry, &now);
        // The documents' mirrors: a negative payment, negative allocations and adjustments.
        let payment = sqlx::query("SELECT payment_id, account_id, method, amount_minor FROM payment WHERE org_id = $1 AND entry_id = $2")
            .bind(org.org_id)
            .bind(was_entry)
            .fetch_optional(&mut *conn)
            .await?;
        let mut new_payment = None;
        if let Some(p) = payment {
            let id = next_ids(conn, org.org_id, "payment", 1).await?;
            new_payment = Some((p.try_get::<i64, _>(0)?, id));
            batch.add(
                &batch::PAYMENT,
                vec![
                    org.org_id.into(),
                    id.into(),
                    p.try_get::<i64, _>(1)?.into(),
                    p.try_get::<String, _>(2)?.into(),
                    format!("ERA {} reversal {number}", r.trace).into(),
                    paid_on.into(),
                    cur.code().into(),
                    (-p.try_get::<i64, _>(3)?).into(),
                    0i64.into(),
                    "posted".into(),
                    entry_id.into(),
                    V::NI(None),
                    now.clone().into(),
                ],
            );
        }
        let allocations = sqlx::query("SELECT account_id, item_id, source, payment_id, amount_minor FROM allocation WHERE org_id = $1 AND entry_id = $2")
            .bind(org.org_id)
            .bind(was_entry)
            .fetch_all(&mut *conn)
            .await?;
        for a in &allocations {
            let id = next_ids(conn, org.org_id, "allocation", 1).await?;
            let payment_id: Option<i64> = a.try_get(3)?;
            let payment_id = payment_id.and_then(|old| new_payment.filter(|(was, _)| *was == old).map(|(_, new)| new));
            batch.add(
                &batch::ALLOCATION,
                vec![
                    org.org_id.into(),
                    id.into(),
                    a.try_get::<i64, _>(0)?.into(),
                    a.try_get::<i64, _>(1)?.into(),
                    a.try_get::<String, _>(2)?.into(),
                    payment_id.into(),
                    V::NI(None),
                    (-a.try_get::<i64, _>(4)?).into(),
                    paid_on.into(),
                    entry_id.into(),
                ],
            );
        }
        let adjustments = sqlx::query("SELECT account_id, item_id, reason, amount_minor FROM adjustment WHERE org_id = $1 AND entry_id = $2")
            .bind(org.org_id)
            .bind(was_entry)
            .fetch_all(&mut *conn)
            .await?;
        for a in &adjustments {
            let id = next_ids(conn, org.org_id, "adjustment", 1).await?;
            batch.add(
                &batch::ADJUSTMENT,
                vec![
                    org.org_id.into(),
                    id.into(),
                    a.try_get::<i64, _>(0)?.into(),
                    a.try_get::<i64, _>(1)?.into(),
                    a.try_get::<String, _>(2)?.into(),
                    (-a.try_get::<i64, _>(3)?).into(),
                    paid_on.into(),
                    format!("ERA {} reversal", r.trace).into(),
                    entry_id.into(),
                ],
            );
        }
        batch.flush(conn, org.org_id).await?;
        sqlx::query("UPDATE remittance_claim SET outcome = 'reversed' WHERE org_id = $1 AND remittance_id = $2 AND seq = $3")
            .bind(org.org_id)
            .bind(was_remit)
            .bind(was_seq)
            .execute(&mut *conn)
            .await?;
        crate::claim_ops::set_status_keep_findings(
            conn,
            org.org_id,
            claim_id,
            ClaimStatus::Accepted,
            &format!("ERA {} reversed the earlier payment of {}", r.trace, Money::from_minor(was_paid, cur)),
        )
        .await?;
        Ok(Ok((claim_id, number, entry_id)))
    }

    /// Matches a claim payment to a claim and its lines and decides each line's answer.
    async fn decide(&self, conn: &mut AnyConnection, org_id: i64, c: &ClaimPayment, work: &mut EraWork) -> Result<Decision> {
        let exception = |claim_id: Option<i64>, number: Option<String>, reason: String| Decision::Exception {
            claim_id,
            claim_number: number,
            reason,
        };
        if c.status == "22" {
            return Ok(exception(
                None,
                None,
                "a reversal (CLP02 22): reversals are not posted automatically yet".into(),
            ));
        }
        let Some(known) = work.claim(conn, org_id, &c.claim_number.trim().to_ascii_uppercase()).await? else {
            return Ok(exception(
                None,
                None,
                format!("no claim {} in Settle (CLP01, segment {})", c.claim_number, c.segment_number),
            ));
        };
        let (claim_id, number, status) = (known.claim_id, known.number.clone(), known.status.clone());
        if !matches!(status.as_str(), "submitted" | "accepted" | "partially_paid" | "denied") {
            return Ok(exception(
                Some(claim_id),
                Some(number.clone()),
                format!("claim {number} is {status}; only a claim the payer has and has not paid in full takes a payment"),
            ));
        }
        if let Some(primary) = known.primary {
            // It pays the patient's share of the primary: read that as the books have it now.
            work.flush(conn, org_id).await?;
            return self.decide_secondary(conn, org_id, c, &known, primary).await;
        }
        let lines = known.lines.clone();
        if lines.is_empty() {
            return Ok(exception(Some(claim_id), Some(number.clone()), format!("claim {number} has no charged lines")));
        }
        let charged: Vec<ChargedLine> = lines
            .iter()
            .map(|l| ChargedLine {
                item_id: l.item_id,
                balance_minor: l.balance,
            })
            .collect();
        let mut answers = vec![LineAnswer::default(); lines.len()];
        let split = |adjustments: &[settle_x12::remit::Adjustment]| -> (i64, i64) {
            let patient: i64 = adjustments.iter().filter(|a| a.group == "PR").map(|a| a.amount.amount_minor()).sum();
            let down: i64 = adjustments.iter().filter(|a| a.group != "PR").map(|a| a.amount.amount_minor()).sum();
            (down, patient)
        };
        let mut used = vec![false; lines.len()];
        let mut line_svc = vec![None; lines.len()];
        for (svc_index, svc) in c.lines.iter().enumerate() {
            let by_control = svc
                .control_number
                .strip_prefix(&format!("{number}-"))
                .and_then(|n| n.parse::<i64>().ok())
                .and_then(|n| lines.iter().position(|l| l.line_no == n));
            let by_code = || {
                lines.iter().enumerate().position(|(i, l)| {
                    !used[i]
                        && l.procedure == svc.procedure
                        && l.modifiers == svc.modifiers
                        && (svc.date_of_service.is_empty() || svc.date_of_service == l.date)
                })
            };
            let Some(i) = by_control.or_else(by_code) else {
                return Ok(exception(
                    Some(claim_id),
                    Some(number.clone()),
                    format!(
                        "segment {}: the line {} {} matches no line of claim {number}",
                        svc.segment_number,
                        svc.procedure,
                        svc.modifiers.join(" ")
                    ),
                ));
            };
            used[i] = true;
            line_svc[i] = Some(svc_index);
            let (down, patient) = split(&svc.adjustments);
            answers[i].paid += svc.paid.amount_minor();
            answers[i].written_down += down;
            answers[i].patient += patient;
        }
        let (down, patient) = split(&c.adjustments);
        if c.lines.is_empty() {
            // Paid at the claim level only: the payment fills the lines in order too.
            let mut left = c.paid.amount_minor();
            for (i, line) in charged.iter().enumerate() {
                let take = line.balance_minor.min(left);
                answers[i].paid += take;
                left -= take;
            }
            if left > 0 {
                return Ok(exception(
                    Some(claim_id),
                    Some(number.clone()),
                    format!("the payment {} is more than claim {number} still owes", c.paid),
                ));
            }
        }
        let mut answers = match with_claim_level(&charged, &answers, down, patient).and_then(|a| check(&charged, &a).map(|_| a)) {
            Ok(a) => a,
            Err(e) => return Ok(exception(Some(claim_id), Some(number.clone()), format!("claim {number}: {e}"))),
        };
        let denied = hold_denials(&mut answers);
        Ok(Decision::Post(ToPost {
            claim_id,
            claim_number: number,
            patient_account: known.account_id,
            patient_name: known.patient_name.clone(),
            insurance_account: known
                .insurance_account
                .ok_or_else(|| StoreError::Corrupt("charged lines without an account".into()))?,
            secondary: false,
            lines: charged.into_iter().zip(answers).collect(),
            coded: lines
                .iter()
                .map(|l| {
                    (
                        l.line_no,
                        l.procedure.clone(),
                        l.modifiers.first().cloned().unwrap_or_default(),
                        l.date.clone(),
                        l.units,
                    )
                })
                .collect(),
            payer_code: known.payer_code.clone(),
            denied,
            line_svc,
            appeal_days: known.appeal_days,
        }))
    }

    /// A secondary payer's answer lands on the patient's share of the
    /// primary claim: its payment applied to the share items in order, its
    /// own write-downs (reason 23, the prior payer's part, aside) taken off
    /// what is left, and the rest still the patient's.
    async fn decide_secondary(&self, conn: &mut AnyConnection, org_id: i64, c: &ClaimPayment, known: &KnownClaim, primary: i64) -> Result<Decision> {
        let (claim_id, number) = (known.claim_id, known.number.clone());
        let items = sqlx::query(
            "SELECT o.item_id, o.balance_minor FROM open_item o JOIN claim p ON p.org_id = o.org_id AND p.claim_id = $2 \
             WHERE o.org_id = $1 AND o.kind = 'patient_share' AND o.reference LIKE p.claim_number || '-PR-%' AND o.balance_minor > 0 ORDER BY o.item_id",
        )
        .bind(org_id)
        .bind(primary)
        .fetch_all(&mut *conn)
        .await?;
        let charged: Vec<ChargedLine> = items
            .iter()
            .map(|i| {
                Ok(ChargedLine {
                    item_id: i.try_get(0)?,
                    balance_minor: i.try_get(1)?,
                })
            })
            .collect::<Result<_>>()?;
        let owed: i64 = charged.iter().map(|l| l.balance_minor).sum();
        let paid = c.paid.amount_minor();
        if paid > owed || (paid > 0 && charged.is_empty()) {
            return Ok(Decision::Exception {
                claim_id: Some(claim_id),
                claim_number: Some(number.clone()),
                reason: format!(
                    "the secondary paid {} on claim {number}, but the patient's share it was billed for is {}",
                    c.paid,
                    Money::from_minor(owed, c.paid.currency())
                ),
            });
        }
        let down: i64 = c
            .all_adjustments()
            .filter(|a| a.group != "PR" && a.reason != "23")
            .map(|a| a.amount.amount_minor())
            .sum();
        let mut answers = vec![LineAnswer::default(); charged.len()];
        let (mut pay_left, mut down_left) = (paid, down.clamp(0, owed - paid));
        for (i, line) in charged.iter().enumerate() {
            let take = line.balance_minor.min(pay_left);
            answers[i].paid = take;
            pay_left -= take;
            let room = line.balance_minor - take;
            let write = room.min(down_left);
            answers[i].written_down = write;
            down_left -= write;
        }
        let count = charged.len();
        Ok(Decision::Post(ToPost {
            claim_id,
            claim_number: number,
            patient_account: known.account_id,
            patient_name: known.patient_name.clone(),
            // The share is on the patient's own account.
            insurance_account: known.account_id,
            secondary: true,
            lines: charged.into_iter().zip(answers).collect(),
            coded: Vec::new(),
            payer_code: known.payer_code.clone(),
            denied: vec![0; count],
            line_svc: vec![None; count],
            appeal_days: known.appeal_days,
        }))
    }

    #[allow(clippy::too_many_arguments)]
    async fn post_claim(
        &self,
        conn: &mut AnyConnection,
        org: &Organisation,
        r: &Remittance,
        c: &ClaimPayment,
        remittance_id: i64,
        paid_on: Date,
        claim_number: &str,
        patient_account: i64,
        patient_name: &str,
        lines: &[(ChargedLine, LineAnswer)],
        cur: Currency,
        funding: Funding,
        insurance_account: i64,
        work: &mut EraWork,
    ) -> Result<Option<i64>> {
        if lines.iter().all(|(_, a)| a.total() == 0) {
            // Denied in full: nothing moves; the denial is held open.
            return Ok(None);
        }
        let insurance = work.account(self, conn, org.org_id, insurance_account).await?.receivable();
        let patient = work.account(self, conn, org.org_id, patient_account).await?.receivable();
        let paid: i64 = lines.iter().map(|(_, a)| a.paid).sum();
        let share: i64 = lines.iter().map(|(_, a)| a.patient).sum();
        let entry_id = work.ids.take(conn, org.org_id, "entry", 1).await?;
        let patient_item = if share > 0 {
            Some(work.ids.take(conn, org.org_id, "item", 1).await?)
        } else {
            None
        };
        let entry = claim_remitted(
            paid_on,
            cur,
            funding,
            // The payer's own account; for a secondary claim, the patient's (its share is paid there).
            insurance,
            lines,
            patient_item.map(|id| (patient, id)),
            &format!("ERA {} for claim {claim_number}: {}", r.trace, c.status_meaning()),
        )?;
        let now = now_text();
        let batch = &mut work.batch;
        batch.add_entry(org.org_id, entry_id, Some(insurance.account_id), &entry, &now);
        let payment_id = if paid > 0 {
            let id = work.ids.take(conn, org.org_id, "payment", 1).await?;
            batch.add(
                &batch::PAYMENT,
                vec![
                    org.org_id.into(),
                    id.into(),
                    insurance.account_id.into(),
                    method(&r.method).into(),
                    format!("ERA {} {claim_number}", r.trace).into(),
                    paid_on.into(),
                    cur.code().into(),
                    paid.into(),
                    0i64.into(),
                    "posted".into(),
                    entry_id.into(),
                    V::NI(None),
                    now.clone().into(),
                ],
            );
            Some(id)
        } else {
            None
        };
        let memo: String = c
            .all_adjustments()
            .filter(|a| a.group != "PR")
            .map(|a| format!("{}-{}", a.group, a.reason))
            .collect::<Vec<_>>()
            .join(" ");
        // Ids for every allocation and adjustment row, one counter update each.
        let allocations = lines.iter().map(|(_, a)| i64::from(a.paid != 0) + i64::from(a.patient != 0)).sum::<i64>();
        let adjustments = lines.iter().filter(|(_, a)| a.written_down != 0).count() as i64;
        let mut next_allocation = work.ids.take(conn, org.org_id, "allocation", allocations).await?;
        let mut next_adjustment = work.ids.take(conn, org.org_id, "adjustment", adjustments).await?;
        let batch = &mut work.batch;
        for (line, answer) in lines {
            for (amount, source) in [(answer.paid, "payment"), (answer.patient, "patient share")] {
                if amount == 0 {
                    continue;
                }
                let allocation_id = next_allocation;
                next_allocation += 1;
                batch.add(
                    &batch::ALLOCATION,
                    vec![
                        org.org_id.into(),
                        allocation_id.into(),
                        insurance.account_id.into(),
                        line.item_id.into(),
                        source.into(),
                        if source == "payment" { payment_id.into() } else { V::NI(None) },
                        V::NI(None),
                        amount.into(),
                        paid_on.into(),
                        entry_id.into(),
                    ],
                );
            }
            if answer.written_down != 0 {
                let adjustment_id = next_adjustment;
                next_adjustment += 1;
                batch.add(
                    &batch::ADJUSTMENT,
                    vec![
                        org.org_id.into(),
                        adjustment_id.into(),
                        insurance.account_id.into(),
                        line.item_id.into(),
                        "contractual".into(),
                        answer.written_down.into(),
                        paid_on.into(),
                        format!("ERA {}: {memo}", r.trace).into(),
                        entry_id.into(),
                    ],
                );
            }
            batch.change_item(line.item_id, -answer.total());
        }
        let total: i64 = lines.iter().map(|(_, a)| a.total()).sum();
        batch.change_account(insurance.account_id, -total, 0);
        if let Some(item_id) = patient_item {
            let reasons: Vec<String> = c
                .all_adjustments()
                .filter(|a| a.group == "PR")
                .map(|a| {
                    let what = match a.reason.as_str() {
                        "1" => "deductible",
                        "2" => "coinsurance",
                        "3" => "copay",
                        _ => "patient responsibility",
                    };
                    format!("{what} {}", a.amount.to_decimal_string())
                })
                .collect();
            let due = paid_on.checked_add(jiff::ToSpan::days(30)).unwrap_or(paid_on);
            batch.add(
                &batch::OPEN_ITEM,
                vec![
                    org.org_id.into(),
                    item_id.into(),
                    patient.account_id.into(),
                    format!("{claim_number}-PR-{remittance_id}").into(),
                    "patient_share".into(),
                    V::NI(None),
                    format!("Your share of claim {claim_number} for {patient_name}: {}", reasons.join(", ")).into(),
                    paid_on.into(),
                    due.into(),
                    cur.code().into(),
                    share.into(),
                    share.into(),
                    0i64.into(),
                    "open".into(),
                ],
            );
            batch.change_account(patient.account_id, share, 0);
        }
        Ok(Some(entry_id))
    }

    /// The claim's status after a payment: denied, paid or partially paid;
    /// decided from what this posting left on its lines, and written with
    /// the batch.
    #[allow(clippy::too_many_arguments)]
    async fn settle_after_remit(
        &self,
        conn: &mut AnyConnection,
        org_id: i64,
        p: &ToPost,
        c: &ClaimPayment,
        trace: &str,
        cur: Currency,
        work: &mut EraWork,
    ) -> Result<String> {
        // A secondary claim adds no charge: it owes nothing of its own after.
        let left: Vec<(i64, i64)> = if p.secondary {
            Vec::new()
        } else {
            p.lines.iter().map(|(l, a)| (l.item_id, l.balance_minor - a.total())).collect()
        };
        let owed: i64 = left.iter().map(|(_, b)| b).sum();
        let status = if c.status == "4" || (c.paid.amount_minor() == 0 && owed > 0) {
            ClaimStatus::Denied
        } else if owed == 0 {
            ClaimStatus::Paid
        } else {
            ClaimStatus::PartiallyPaid
        };
        // Earlier denials the payer has now paid (their line owes nothing) are resolved.
        let paid_off: Vec<i64> = left.iter().filter(|(_, b)| *b == 0).map(|(item, _)| *item).collect();
        if work.denied.contains(&p.claim_id) && !paid_off.is_empty() {
            work.flush(conn, org_id).await?;
            let sql = format!(
                "UPDATE denial SET status = 'resolved', note = $3, updated_at = $4 WHERE org_id = $1 AND claim_id = $2 AND status IN ('open', 'appealed') \
                 AND item_id IN ({})",
                placeholders(5, paid_off.len())
            );
            let mut q = sqlx::query(&sql)
                .bind(org_id)
                .bind(p.claim_id)
                .bind(format!("paid by ERA {trace}"))
                .bind(now_text());
            for item in &paid_off {
                q = q.bind(*item);
            }
            q.execute(&mut *conn).await?;
        }
        let codes: Vec<String> = c.all_adjustments().map(|a| format!("{}-{}", a.group, a.reason)).collect();
        let note = format!(
            "ERA {trace}: {}; paid {}{}; the payer still owes {}",
            c.status_meaning(),
            c.paid,
            if codes.is_empty() {
                String::new()
            } else {
                format!(" (adjustments {})", codes.join(" "))
            },
            Money::from_minor(owed, cur)
        );
        let seq = match work.next_event.get(&p.claim_id) {
            Some(seq) => *seq,
            None => sqlx::query("SELECT CAST(COALESCE(MAX(seq), 0) + 1 AS BIGINT) FROM claim_event WHERE org_id = $1 AND claim_id = $2")
                .bind(org_id)
                .bind(p.claim_id)
                .fetch_one(&mut *conn)
                .await?
                .try_get(0)?,
        };
        work.next_event.insert(p.claim_id, seq + 1);
        work.batch.add(
            &batch::CLAIM_EVENT,
            vec![
                org_id.into(),
                p.claim_id.into(),
                seq.into(),
                status.as_str().into(),
                note.clone().into(),
                current_actor().name.into(),
                now_text().into(),
            ],
        );
        work.statuses.push((p.claim_id, status.as_str(), note, c.payer_claim_number.clone()));
        Ok(status.as_str().to_string())
    }
}

/// A line the payer paid below its contracted allowed amount.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct UnderpaymentView {
    pub claim_number: String,
    pub payer_code: String,
    pub trace: String,
    pub line_no: i64,
    pub procedure_code: String,
    /// The payer's allowed amount times the units.
    pub allowed: String,
    pub paid: String,
    pub patient: String,
    /// allowed - paid - patient.
    pub short: String,
}

/// What one ERA said about one claim, as kept.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct RemitClaimView {
    pub remittance_id: i64,
    pub trace: String,
    pub payer_name: String,
    pub paid_on: String,
    pub their_claim_number: String,
    pub claim_number: Option<String>,
    /// CLP02.
    pub status_code: String,
    pub charge: String,
    pub paid: String,
    pub written_down: String,
    pub patient: String,
    /// posted or exception.
    pub outcome: String,
    pub reason: String,
    /// Each adjustment as group-reason amount, such as "CO-45 25.00".
    pub adjustments: String,
    /// The claim's place in the ERA (1 for its first CLP).
    pub seq: i64,
    /// An exception's payment waiting in suspense ("0.00" if none).
    pub held: String,
    /// How a person resolved it, if it was an exception.
    pub resolution: String,
}

impl Store {
    async fn remit_claims(&self, org: &Organisation, filter: &str, key: Option<String>) -> Result<Vec<RemitClaimView>> {
        let cur = Currency::from_code(&org.base_currency).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let sql = format!(
            "SELECT r.remittance_id, r.trace, r.payer_name, r.paid_on, x.their_claim_number, c.claim_number, x.status_code, x.charge_minor, x.paid_minor, \
             x.written_down_minor, x.patient_minor, x.outcome, x.reason, x.adjustments, x.seq, \
             CASE WHEN x.suspense_entry_id IS NULL OR x.outcome <> 'exception' THEN 0 ELSE x.paid_minor END, x.resolution FROM remittance_claim x JOIN remittance r ON r.org_id = x.org_id AND r.remittance_id = x.remittance_id \
             LEFT JOIN claim c ON c.org_id = x.org_id AND c.claim_id = x.claim_id WHERE x.org_id = $1 {filter} \
             ORDER BY x.remittance_id DESC, x.seq LIMIT 500"
        );
        let mut query = sqlx::query(&sql).bind(org.org_id);
        if let Some(k) = key {
            query = query.bind(k);
        }
        let rows = query.fetch_all(self.pool()).await?;
        rows.iter()
            .map(|r| {
                Ok(RemitClaimView {
                    remittance_id: r.try_get(0)?,
                    trace: r.try_get(1)?,
                    payer_name: r.try_get(2)?,
                    paid_on: r.try_get(3)?,
                    their_claim_number: r.try_get(4)?,
                    claim_number: r.try_get(5)?,
                    status_code: r.try_get(6)?,
                    charge: fmt(r.try_get(7)?, cur),
                    paid: fmt(r.try_get(8)?, cur),
                    written_down: fmt(r.try_get(9)?, cur),
                    patient: fmt(r.try_get(10)?, cur),
                    outcome: r.try_get(11)?,
                    reason: r.try_get(12)?,
                    adjustments: r.try_get(13)?,
                    seq: r.try_get(14)?,
                    held: fmt(r.try_get(15)?, cur),
                    resolution: r.try_get(16)?,
                })
            })
            .collect()
    }

    /// What every ERA said about a claim, newest first (the EOB).
    pub async fn claim_remittances(&self, org: &Organisation, claim_number: &str) -> Result<Vec<RemitClaimView>> {
        self.note_read(org.org_id, "claim.read", &format!("claim:{}", claim_number.trim().to_ascii_uppercase()))
            .await?;
        self.remit_claims(org, "AND c.claim_number = $2", Some(claim_number.trim().to_ascii_uppercase()))
            .await
    }

    /// The exception queue: ERA claims that were not posted, and why.
    pub async fn remit_exceptions(&self, org: &Organisation) -> Result<Vec<RemitClaimView>> {
        self.note_read(org.org_id, "remittance.list", "remittance exceptions").await?;
        self.remit_claims(org, "AND x.outcome = 'exception'", None).await
    }
}
