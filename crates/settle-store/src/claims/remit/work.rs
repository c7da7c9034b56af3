//! An ERA's work: the books it touches loaded at once (EraWork), each claim
//! payment matched to Settle's claim and lines and decided (post, hold in
//! suspense, a secondary's answer).

use crate::batch::{Batch, IdPool};
use crate::billing::AccountRow;
use crate::platform::Organisation;
use crate::{now_text, Result, Store, StoreError};
use settle_domain::claims::ClaimStatus;
use settle_domain::money::Currency;
use settle_domain::remit::{self, AnsweredLine, BilledLine, ChargedLine, ClaimAnswer, Funding, LineAnswer};
use settle_domain::Date;
use settle_x12::remit::{Adjustment, ClaimPayment, Remittance};
use sqlx::any::AnyArguments;
use sqlx::{AnyConnection, Arguments, Row};
use std::collections::{HashMap, HashSet};

#[derive(Clone)]
pub(in crate::claims) struct ClaimLineRow {
    pub(in crate::claims) line_no: i64,
    pub(in crate::claims) units: settle_domain::units::Units,
    pub(in crate::claims) procedure: String,
    pub(in crate::claims) modifiers: Vec<String>,
    pub(in crate::claims) date: String,
    pub(in crate::claims) item_id: i64,
    pub(in crate::claims) balance: i64,
}

/// Where a claim's denials come from: which ERA, which claim, and when.
pub(in crate::claims) struct Held {
    pub(in crate::claims) remittance_id: i64,
    pub(in crate::claims) seq: i64,
    pub(in crate::claims) claim_id: i64,
    pub(in crate::claims) denied_on: Date,
    pub(in crate::claims) appeal_days: i64,
}

/// One remittance (an 835's ST-SE) being posted: what each of its claims
/// is posted with.
#[derive(Clone, Copy)]
pub(in crate::claims) struct Era<'a> {
    pub(in crate::claims) org: &'a Organisation,
    pub(in crate::claims) r: &'a Remittance,
    pub(in crate::claims) remittance_id: i64,
    pub(in crate::claims) paid_on: Date,
    pub(in crate::claims) cur: Currency,
    pub(in crate::claims) actor: &'a str,
}

/// A claim the ERA answers that can be posted, with everything posting needs.
pub(in crate::claims) struct ToPost {
    pub(in crate::claims) claim_id: i64,
    /// The account whose items the payment is applied to: the payer's,
    /// or for a secondary claim the patient's (its share is paid there).
    pub(in crate::claims) insurance_account: i64,
    /// A secondary claim: it adds no charge of its own, so it owes nothing after.
    pub(in crate::claims) secondary: bool,
    pub(in crate::claims) claim_number: String,
    pub(in crate::claims) patient_account: i64,
    pub(in crate::claims) patient_name: String,
    pub(in crate::claims) lines: Vec<(ChargedLine, LineAnswer)>,
    /// Each line's number, code, first modifier, date and units, for the allowed amount.
    pub(in crate::claims) coded: Vec<(i64, String, String, String, settle_domain::units::Units)>,
    pub(in crate::claims) payer_code: String,
    /// Each line's denied amount, held open on the payer's account.
    pub(in crate::claims) denied: Vec<i64>,
    /// For each line, the SVC (index into the claim payment's lines) that answered it.
    pub(in crate::claims) line_svc: Vec<Option<usize>>,
    pub(in crate::claims) appeal_days: i64,
    /// Where the money comes from: the ERA's cash, or suspense when an
    /// exception held it and a person matched it later.
    pub(in crate::claims) funding: Funding,
}

/// What posting one claim did.
pub(in crate::claims) struct Posted {
    pub(in crate::claims) entry_id: Option<i64>,
    pub(in crate::claims) claim_id: i64,
    pub(in crate::claims) claim_number: String,
    pub(in crate::claims) status: String,
    pub(in crate::claims) written_down: i64,
    pub(in crate::claims) patient: i64,
    /// For each SVC, the claim line it answered.
    pub(in crate::claims) svc_lines: Vec<Option<i64>>,
}

/// A claim an ERA names, as Settle has it.
#[derive(Clone)]
pub(in crate::claims) struct KnownClaim {
    pub(in crate::claims) claim_id: i64,
    pub(in crate::claims) number: String,
    pub(in crate::claims) status: String,
    pub(in crate::claims) account_id: i64,
    pub(in crate::claims) patient_name: String,
    pub(in crate::claims) payer_code: String,
    pub(in crate::claims) appeal_days: i64,
    pub(in crate::claims) primary: Option<i64>,
    /// Its charged lines, with the payer's receivable account.
    pub(in crate::claims) lines: Vec<ClaimLineRow>,
    pub(in crate::claims) insurance_account: Option<i64>,
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
pub(in crate::claims) struct EraWork {
    pub(in crate::claims) batch: Batch,
    pub(in crate::claims) ids: IdPool,
    pub(in crate::claims) known: HashMap<String, KnownClaim>,
    /// Claims posted to (or reversed) by this work.
    pub(in crate::claims) posted: HashSet<i64>,
    /// Claims with a denial still open or appealed.
    pub(in crate::claims) denied: HashSet<i64>,
    pub(in crate::claims) accounts: HashMap<i64, AccountRow>,
    /// Whether each payer has a fee schedule (no schedule, no underpayment to look for).
    pub(in crate::claims) fee_payers: HashMap<String, bool>,
    /// The next claim_event number of each claim read.
    pub(in crate::claims) next_event: HashMap<i64, i64>,
    /// Claim status changes, written with the batch: (claim, status, note, the payer's claim number).
    pub(in crate::claims) statuses: Vec<(i64, &'static str, String, String)>,
}

impl EraWork {
    const FLUSH_ROWS: usize = 40_000;

    /// Reads the named claims (their lines, events and open denials) in a
    /// few queries per 400.
    pub(in crate::claims) async fn learn(&mut self, conn: &mut AnyConnection, org_id: i64, numbers: &[String]) -> Result<()> {
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
                "SELECT l.claim_id, l.line_no, l.procedure_code, l.modifiers, l.date_of_service, o.item_id, o.balance_minor, l.units_thousandths, o.account_id FROM claim_line l \
                 JOIN open_item o ON o.org_id = l.org_id AND o.item_id = l.item_id WHERE l.org_id = $1 AND l.claim_id IN ({id_list}) ORDER BY l.claim_id, l.line_no"
            );
            let mut q = sqlx::query(&sql).bind(org_id);
            for id in &ids {
                q = q.bind(*id);
            }
            for l in q.fetch_all(&mut *conn).await? {
                let claim_id: i64 = l.try_get("claim_id")?;
                insurance.entry(claim_id).or_insert(l.try_get("account_id")?);
                lines.entry(claim_id).or_default().push(ClaimLineRow {
                    line_no: l.try_get("line_no")?,
                    units: crate::write::units(&l, "units_thousandths")?,
                    procedure: l.try_get("procedure_code")?,
                    modifiers: l.try_get::<String, _>("modifiers")?.split_whitespace().map(str::to_string).collect(),
                    date: l.try_get::<String, _>("date_of_service")?.replace('-', ""),
                    item_id: l.try_get("item_id")?,
                    balance: l.try_get("balance_minor")?,
                });
            }
            let sql =
                format!("SELECT claim_id, CAST(MAX(seq) AS BIGINT) AS seq FROM claim_event WHERE org_id = $1 AND claim_id IN ({id_list}) GROUP BY claim_id");
            let mut q = sqlx::query(&sql).bind(org_id);
            for id in &ids {
                q = q.bind(*id);
            }
            for e in q.fetch_all(&mut *conn).await? {
                self.next_event.insert(e.try_get("claim_id")?, e.try_get::<i64, _>("seq")? + 1);
            }
            let sql = format!("SELECT DISTINCT claim_id FROM denial WHERE org_id = $1 AND status IN ('open', 'appealed') AND claim_id IN ({id_list})");
            let mut q = sqlx::query(&sql).bind(org_id);
            for id in &ids {
                q = q.bind(*id);
            }
            for d in q.fetch_all(&mut *conn).await? {
                self.denied.insert(d.try_get("claim_id")?);
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
                    let a = crate::billing::account_from_row(&row)?;
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
    pub(in crate::claims) async fn claim(&mut self, conn: &mut AnyConnection, org_id: i64, number: &str) -> Result<Option<KnownClaim>> {
        let stale = self.known.get(number).is_some_and(|k| self.posted.contains(&k.claim_id));
        if stale {
            self.flush(conn, org_id).await?;
            self.known.remove(number);
            self.learn(conn, org_id, &[number.to_string()]).await?;
        }
        Ok(self.known.get(number).cloned())
    }

    pub(in crate::claims) async fn account(&mut self, store: &Store, conn: &mut AnyConnection, org_id: i64, account_id: i64) -> Result<AccountRow> {
        if let Some(a) = self.accounts.get(&account_id) {
            return Ok(a.clone());
        }
        let a = store.account_by_id(conn, org_id, account_id).await?;
        self.accounts.insert(account_id, a.clone());
        Ok(a)
    }

    /// Writes what is waiting: the batch, then the claims' new statuses.
    pub(in crate::claims) async fn flush(&mut self, conn: &mut AnyConnection, org_id: i64) -> Result<()> {
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

    pub(in crate::claims) async fn maybe_flush(&mut self, conn: &mut AnyConnection, org_id: i64) -> Result<()> {
        if self.batch.row_count() >= Self::FLUSH_ROWS {
            self.flush(conn, org_id).await?;
        }
        Ok(())
    }

    /// Writes everything and returns the ids not used.
    pub(in crate::claims) async fn finish(&mut self, conn: &mut AnyConnection, org_id: i64) -> Result<()> {
        self.flush(conn, org_id).await?;
        self.ids.give_back(conn, org_id).await
    }
}

/// `$first, $first+1, ...`: `count` numbered placeholders.
pub(in crate::claims) fn placeholders(first: usize, count: usize) -> String {
    (first..first + count).map(|n| format!("${n}")).collect::<Vec<_>>().join(", ")
}

pub(in crate::claims) enum Decision {
    Post(ToPost),
    Exception {
        claim_id: Option<i64>,
        claim_number: Option<String>,
        reason: String,
    },
}

impl Store {
    /// Finds the claim a claim payment answers and asks the domain what the
    /// answer comes to on its lines (`settle_domain::remit::match_claim`).
    pub(in crate::claims) async fn decide(&self, conn: &mut AnyConnection, org_id: i64, c: &ClaimPayment, work: &mut EraWork) -> Result<Decision> {
        let exception = |claim_id: Option<i64>, number: Option<String>, reason: String| Decision::Exception {
            claim_id,
            claim_number: number,
            reason,
        };
        if c.is_reversal() {
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
        let status = ClaimStatus::parse(&known.status).ok_or_else(|| StoreError::Corrupt(format!("claim {}: status {:?}", known.number, known.status)))?;
        if let (Some(primary), true) = (known.primary, remit::takes_answer(status)) {
            // It pays the patient's share of the primary: read that as the books have it now.
            work.flush(conn, org_id).await?;
            return self.decide_secondary(conn, org_id, c, &known, primary).await;
        }
        let billed: Vec<BilledLine> = known
            .lines
            .iter()
            .map(|l| BilledLine {
                line_no: l.line_no,
                procedure: &l.procedure,
                modifiers: &l.modifiers,
                date: &l.date,
                item_id: l.item_id,
                balance_minor: l.balance,
            })
            .collect();
        let cas = |adjustments: &[Adjustment]| remit::split_adjustments(adjustments.iter().map(|a| (a.group.as_str(), a.amount.amount_minor())));
        let (written_down_minor, patient_minor) = cas(&c.adjustments);
        let answer = ClaimAnswer {
            paid_minor: c.paid.amount_minor(),
            currency: c.paid.currency(),
            written_down_minor,
            patient_minor,
            lines: c
                .lines
                .iter()
                .map(|svc| {
                    let (down, patient) = cas(&svc.adjustments);
                    AnsweredLine {
                        segment_number: svc.segment_number,
                        control_number: &svc.control_number,
                        procedure: &svc.procedure,
                        modifiers: &svc.modifiers,
                        date_of_service: &svc.date_of_service,
                        paid_minor: svc.paid.amount_minor(),
                        written_down_minor: down,
                        patient_minor: patient,
                    }
                })
                .collect(),
        };
        let matched = match remit::match_claim(&known.number, status, &billed, &answer) {
            Ok(m) => m,
            Err(reason) => return Ok(exception(Some(known.claim_id), Some(known.number.clone()), reason)),
        };
        Ok(Decision::Post(ToPost {
            claim_id: known.claim_id,
            claim_number: known.number.clone(),
            patient_account: known.account_id,
            patient_name: known.patient_name.clone(),
            insurance_account: known
                .insurance_account
                .ok_or_else(|| StoreError::Corrupt("charged lines without an account".into()))?,
            secondary: false,
            lines: matched.lines,
            coded: known
                .lines
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
            denied: matched.denied,
            line_svc: matched.line_svc,
            appeal_days: known.appeal_days,
            funding: Funding::Cash,
        }))
    }

    /// A secondary payer's answer lands on the patient's share of the
    /// primary claim, as `settle_domain::remit::secondary_answer` spreads it.
    pub(in crate::claims) async fn decide_secondary(
        &self,
        conn: &mut AnyConnection,
        org_id: i64,
        c: &ClaimPayment,
        known: &KnownClaim,
        primary: i64,
    ) -> Result<Decision> {
        let items = sqlx::query(
            "SELECT o.item_id, o.balance_minor FROM open_item o JOIN claim p ON p.org_id = o.org_id AND p.claim_id = $2 \
             WHERE o.org_id = $1 AND o.kind = 'patient_share' AND o.reference LIKE p.claim_number || '-PR-%' AND o.balance_minor > 0 ORDER BY o.item_id",
        )
        .bind(org_id)
        .bind(primary)
        .fetch_all(&mut *conn)
        .await?;
        let shares: Vec<ChargedLine> = items
            .iter()
            .map(|i| {
                Ok(ChargedLine {
                    item_id: i.try_get("item_id")?,
                    balance_minor: i.try_get("balance_minor")?,
                })
            })
            .collect::<Result<_>>()?;
        // Its own write-downs; reason 23 is the prior payer's part, already taken off.
        let down: i64 = c
            .all_adjustments()
            .filter(|a| a.group != "PR" && a.reason != "23")
            .map(|a| a.amount.amount_minor())
            .sum();
        let answers = match remit::secondary_answer(&known.number, &shares, c.paid, down) {
            Ok(a) => a,
            Err(reason) => {
                return Ok(Decision::Exception {
                    claim_id: Some(known.claim_id),
                    claim_number: Some(known.number.clone()),
                    reason,
                })
            }
        };
        let count = shares.len();
        Ok(Decision::Post(ToPost {
            claim_id: known.claim_id,
            claim_number: known.number.clone(),
            patient_account: known.account_id,
            patient_name: known.patient_name.clone(),
            // The share is on the patient's own account.
            insurance_account: known.account_id,
            secondary: true,
            lines: shares.into_iter().zip(answers).collect(),
            coded: Vec::new(),
            payer_code: known.payer_code.clone(),
            denied: vec![0; count],
            line_svc: vec![None; count],
            appeal_days: known.appeal_days,
            funding: Funding::Cash,
        }))
    }
}
