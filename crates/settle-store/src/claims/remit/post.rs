//! An ERA posted: each decided claim as one balanced entry, adjudications
//! kept, denials held on the worklist, underpayments noted, provider-level
//! adjustments (PLB); a file refused whole when it does not balance or was
//! posted before.

use crate::batch::{self, Batch, V};
use crate::claims::bad;
use crate::claims::remit::work::{placeholders, Decision, EraWork, Held, Posted, ToPost};
use crate::claims::remit::{method, Import835, RemitOutcome, RemittedClaim};
use crate::platform::audit::{self, current_actor};
use crate::platform::Organisation;
use crate::write::{fmt, next_ids};
use crate::{now_text, Result, Store, StoreError};
use settle_domain::claims::ClaimStatus;
use settle_domain::money::{Currency, Money};
use settle_domain::remit::{claim_remitted, provider_adjusted, ChargedLine, Funding, LineAnswer, ProviderLevel};
use settle_domain::Date;
use settle_x12::remit::{ClaimPayment, Remittance};
use sqlx::{AnyConnection, Row};

impl Store {
    /// Posts an 835: every claim it answers, or the file is refused whole.
    pub async fn post_835(&self, org: &Organisation, cmd: &Import835, today: Date) -> Result<Vec<RemitOutcome>> {
        self.run_835(org, cmd, today, true).await
    }

    /// What posting the 835 would do, exactly (the same work, rolled back).
    pub async fn preview_835(&self, org: &Organisation, cmd: &Import835, today: Date) -> Result<Vec<RemitOutcome>> {
        self.run_835(org, cmd, today, false).await
    }

    pub(in crate::claims) async fn run_835(&self, org: &Organisation, cmd: &Import835, today: Date, commit: bool) -> Result<Vec<RemitOutcome>> {
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
    pub(in crate::claims) async fn post_remittance(
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

    /// The ERA's provider-level adjustments (PLB) as one entry on the
    /// payer's account, each kept as the payer said it. Returns their sum
    /// (positive: what the payer kept back).
    pub(in crate::claims) async fn post_provider_adjustments(
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
    pub(in crate::claims) async fn post_decided(
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

    /// Keeps what the ERA said line by line (SVC, CAS, LQ), for the EOB and
    /// for the secondary claim's 2320/2430 loops.
    pub(in crate::claims) fn record_adjudication(
        &self,
        batch: &mut Batch,
        org_id: i64,
        remittance_id: i64,
        seq: i64,
        c: &ClaimPayment,
        svc_lines: &[Option<i64>],
    ) {
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
    pub(in crate::claims) async fn hold_denials(
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
    pub(in crate::claims) async fn note_underpayments(
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

    #[allow(clippy::too_many_arguments)]
    #[allow(clippy::too_many_arguments)]
    pub(in crate::claims) fn record_remit_claim(
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

    #[allow(clippy::too_many_arguments)]
    pub(in crate::claims) async fn post_claim(
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
    pub(in crate::claims) async fn settle_after_remit(
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
