//! An ERA posted: each decided claim as one balanced entry, adjudications
//! kept, denials held on the worklist, underpayments noted, provider-level
//! adjustments (PLB); a file refused whole when it does not balance or was
//! posted before.

use crate::batch::{self, Batch, V};
use crate::claims::bad;
use crate::claims::remit::work::{placeholders, Decision, Era, EraWork, Held, Posted, ToPost};
use crate::claims::remit::{method, Import835, RemitOutcome, RemittedClaim};
use crate::platform::audit::current_actor;
use crate::platform::Organisation;
use crate::write::{fmt, next_ids};
use crate::{now_text, Result, Store, StoreError};
use settle_domain::claims::ClaimStatus;
use settle_domain::money::{Currency, Money};
use settle_domain::remit::{claim_remitted, provider_adjusted, ProviderLevel};
use settle_domain::Date;
use settle_x12::remit::{ClaimPayment, Remittance};
use sqlx::{AnyConnection, Row};

/// A `remittance_claim` row: how one claim of an ERA was answered.
pub(in crate::claims) struct RemitClaimRow<'a> {
    pub(in crate::claims) claim_id: Option<i64>,
    pub(in crate::claims) c: &'a ClaimPayment,
    pub(in crate::claims) entry_id: Option<i64>,
    /// "posted", "exception" or "reversed".
    pub(in crate::claims) outcome: &'a str,
    pub(in crate::claims) reason: &'a str,
    pub(in crate::claims) written_down: i64,
    pub(in crate::claims) patient: i64,
    pub(in crate::claims) suspense_entry_id: Option<i64>,
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
        let remits = &remits;
        self.write(|tx| {
            Box::pin(async move {
                let conn = tx.conn();
                let mut outcomes = Vec::new();
                for r in remits {
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
                                row.try_get::<String, _>("posted_at")?
                            ),
                        ));
                    }
                    let mut work = EraWork::default();
                    outcomes.push(self.post_remittance(conn, org, cmd, r, today, &mut work).await?);
                    work.finish(conn, org.org_id).await?;
                }
                if !commit {
                    // The preview writes nothing.
                    tx.roll_back();
                    return Ok(outcomes);
                }
                tx.audit(
                    org.org_id,
                    "remittance.post",
                    &format!("file:{}", cmd.file_name),
                    None,
                    Some(&serde_json::to_value(&outcomes)?),
                )
                .await?;
                Ok(outcomes)
            })
        })
        .await
    }

    pub(in crate::claims) async fn post_remittance(
        &self,
        conn: &mut AnyConnection,
        org: &Organisation,
        cmd: &Import835,
        r: &Remittance,
        today: Date,
        work: &mut EraWork,
    ) -> Result<RemitOutcome> {
        let cur = Currency::from_code(&org.base_currency).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let actor = current_actor();
        let actor = actor.name.as_str();
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
        let era = Era {
            org,
            r,
            remittance_id,
            paid_on,
            cur,
            actor,
        };
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
            .filter(|c| !c.is_reversal())
            .map(|c| c.claim_number.trim().to_ascii_uppercase())
            .collect();
        work.learn(conn, org.org_id, &numbers).await?;
        for (seq, c) in r.claims.iter().enumerate() {
            work.maybe_flush(conn, org.org_id).await?;
            let decision = if c.is_reversal() {
                // A reversal reads the posting it undoes: the books must be written first.
                work.flush(conn, org.org_id).await?;
                let reversed = self.reverse_claim(conn, &era, c).await?;
                if let Some(known) = work.known.get(&c.claim_number.trim().to_ascii_uppercase()) {
                    work.posted.insert(known.claim_id);
                }
                match reversed {
                    Ok((claim_id, number, entry_id)) => {
                        outcome.posted += 1;
                        work.posted.insert(claim_id);
                        self.record_remit_claim(
                            &mut work.batch,
                            &era,
                            seq,
                            RemitClaimRow {
                                claim_id: Some(claim_id),
                                c,
                                entry_id: Some(entry_id),
                                outcome: "reversed",
                                reason: "",
                                written_down: 0,
                                patient: 0,
                                suspense_entry_id: None,
                            },
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
                        suspense_entry = Some(self.hold_in_suspense(conn, &era, c, work).await?);
                        held_minor += c.paid.amount_minor();
                    }
                    (None, claim_id, claim_number, "exception".to_string(), reason, 0, 0, false)
                }
                Decision::Post(to_post) => {
                    outcome.posted += 1;
                    let done = self.post_decided(conn, &era, c, seq, to_post, work).await?;
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
                &era,
                seq,
                RemitClaimRow {
                    claim_id,
                    c,
                    entry_id,
                    outcome: label,
                    reason: &reason,
                    written_down: written_down_total,
                    patient: patient_total,
                    suspense_entry_id: suspense_entry,
                },
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
            let total = self.post_provider_adjustments(conn, &era, work).await?;
            outcome.provider_adjustments = fmt(total, cur);
        }
        Ok(outcome)
    }

    /// The ERA's provider-level adjustments (PLB) as one entry on the
    /// payer's account, each kept as the payer said it. Returns their sum
    /// (positive: what the payer kept back).
    pub(in crate::claims) async fn post_provider_adjustments(&self, conn: &mut AnyConnection, era: &Era<'_>, work: &mut EraWork) -> Result<i64> {
        let Era {
            org,
            r,
            remittance_id,
            paid_on,
            cur,
            ..
        } = *era;
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
        .map(|row| row.try_get("account_id"))
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
    pub(in crate::claims) async fn post_decided(
        &self,
        conn: &mut AnyConnection,
        era: &Era<'_>,
        c: &ClaimPayment,
        seq: usize,
        p: ToPost,
        work: &mut EraWork,
    ) -> Result<Posted> {
        let mut svc_lines: Vec<Option<i64>> = vec![None; c.lines.len()];
        for (i, svc) in p.line_svc.iter().enumerate() {
            if let Some(svc) = svc {
                svc_lines[*svc] = Some(p.coded[i].0);
            }
        }
        let entry_id = self.post_claim(conn, era, c, &p, work).await?;
        work.posted.insert(p.claim_id);
        self.note_underpayments(conn, era, &p, work).await?;
        let held = Held {
            remittance_id: era.remittance_id,
            seq: seq as i64 + 1,
            claim_id: p.claim_id,
            denied_on: era.paid_on,
            appeal_days: p.appeal_days,
        };
        self.hold_denials(conn, era, &held, c, &p, work).await?;
        let status = self.settle_after_remit(conn, era, &p, c, work).await?;
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
            batch.push(batch::RemittanceAdjustmentRow {
                org_id: org_id.into(),
                remittance_id: remittance_id.into(),
                seq: seq.into(),
                line_seq: line_seq.into(),
                n: (n as i64 + 1).into(),
                group_code: a.group.clone().into(),
                reason_code: a.reason.clone().into(),
                amount_minor: a.amount.amount_minor().into(),
                quantity: a.quantity.clone().into(),
            });
        };
        for (n, a) in c.adjustments.iter().enumerate() {
            adjustment(batch, 0, n, a);
        }
        for (i, line) in c.lines.iter().enumerate() {
            let line_seq = i as i64 + 1;
            batch.push(batch::RemittanceLineRow {
                org_id: org_id.into(),
                remittance_id: remittance_id.into(),
                seq: seq.into(),
                line_seq: line_seq.into(),
                claim_line_no: svc_lines.get(i).copied().flatten().into(),
                procedure_code: line.procedure.clone().into(),
                modifiers: line.modifiers.join(" ").into(),
                units: line.units.clone().into(),
                service_date: line.date_of_service.clone().into(),
                charge_minor: line.charge.amount_minor().into(),
                paid_minor: line.paid.amount_minor().into(),
                remarks: line.remarks.join(" ").into(),
            });
            for (n, a) in line.adjustments.iter().enumerate() {
                adjustment(batch, line_seq, n, a);
            }
        }
    }

    /// A denial row for each line the payer denied, with the reasons (its
    /// own CAS and the claim's, PR aside) and remarks, the next step they
    /// suggest, and the appeal deadline from the payer's appeal window.
    pub(in crate::claims) async fn hold_denials(
        &self,
        conn: &mut AnyConnection,
        era: &Era<'_>,
        held: &Held,
        c: &ClaimPayment,
        p: &ToPost,
        work: &mut EraWork,
    ) -> Result<()> {
        let (org_id, actor) = (era.org.org_id, era.actor);
        let (lines, coded, denied, line_svc) = (&p.lines, &p.coded, &p.denied, &p.line_svc);
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
            work.batch.push(batch::DenialRow {
                org_id: org_id.into(),
                denial_id: next.into(),
                claim_id: held.claim_id.into(),
                remittance_id: held.remittance_id.into(),
                seq: held.seq.into(),
                claim_line_no: Some(coded[i].0).into(),
                item_id: Some(lines[i].0.item_id).into(),
                amount_minor: (*amount).into(),
                reasons: reasons.join(" ").into(),
                remarks: remarks.join(" ").into(),
                next_step: next_step.as_str().into(),
                denied_on: held.denied_on.to_string().into(),
                appeal_by: appeal_by.to_string().into(),
                status: "open".into(),
                note: "".into(),
                updated_by: actor.into(),
                updated_at: now.clone().into(),
            });
            next += 1;
        }
        Ok(())
    }

    /// Lines paid below the payer's allowed amount (paid + patient share
    /// against the fee schedule named by the payer's id).
    pub(in crate::claims) async fn note_underpayments(&self, conn: &mut AnyConnection, era: &Era<'_>, p: &ToPost, work: &mut EraWork) -> Result<()> {
        let (org_id, remittance_id) = (era.org.org_id, era.remittance_id);
        let (claim_id, payer_code, lines, coded) = (p.claim_id, p.payer_code.as_str(), &p.lines, &p.coded);
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
            let units = if units.is_zero() { settle_domain::units::Units::ONE } else { *units };
            let Ok(allowed) = units.price(fee, settle_domain::money::RoundingRule::HalfAwayFromZero) else {
                continue;
            };
            let allowed = allowed.amount_minor();
            let got = answer.paid + answer.patient;
            if got < allowed {
                work.batch.push(batch::UnderpaymentRow {
                    org_id: org_id.into(),
                    remittance_id: remittance_id.into(),
                    claim_id: claim_id.into(),
                    line_no: (*line_no).into(),
                    procedure_code: code.clone().into(),
                    allowed_minor: allowed.into(),
                    paid_minor: answer.paid.into(),
                    patient_minor: answer.patient.into(),
                    short_minor: (allowed - got).into(),
                    created_at: now_text().into(),
                });
            }
        }
        Ok(())
    }

    pub(in crate::claims) fn record_remit_claim(&self, batch: &mut Batch, era: &Era<'_>, seq: usize, row: RemitClaimRow<'_>) {
        let (org_id, remittance_id) = (era.org.org_id, era.remittance_id);
        let RemitClaimRow {
            claim_id,
            c,
            entry_id,
            outcome,
            reason,
            written_down,
            patient,
            suspense_entry_id,
        } = row;
        let adjustments: Vec<String> = c
            .all_adjustments()
            .map(|a| format!("{}-{} {}", a.group, a.reason, a.amount.to_decimal_string()))
            .collect();
        batch.push(batch::RemittanceClaimRow {
            org_id: org_id.into(),
            remittance_id: remittance_id.into(),
            seq: (seq as i64 + 1).into(),
            claim_id: claim_id.into(),
            their_claim_number: c.claim_number.clone().into(),
            status_code: c.status.clone().into(),
            charge_minor: c.charge.amount_minor().into(),
            paid_minor: c.paid.amount_minor().into(),
            written_down_minor: written_down.into(),
            patient_minor: patient.into(),
            entry_id: entry_id.into(),
            outcome: outcome.into(),
            reason: reason.into(),
            adjustments: adjustments.join(" ").into(),
            remarks: c.remarks.join(" ").into(),
            suspense_entry_id: suspense_entry_id.into(),
        });
    }

    pub(in crate::claims) async fn post_claim(
        &self,
        conn: &mut AnyConnection,
        era: &Era<'_>,
        c: &ClaimPayment,
        p: &ToPost,
        work: &mut EraWork,
    ) -> Result<Option<i64>> {
        let Era {
            org,
            r,
            remittance_id,
            paid_on,
            cur,
            ..
        } = *era;
        let (claim_number, patient_account, patient_name) = (p.claim_number.as_str(), p.patient_account, p.patient_name.as_str());
        let (lines, funding, insurance_account) = (p.lines.as_slice(), p.funding, p.insurance_account);
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
            batch.push(batch::PaymentRow {
                org_id: org.org_id.into(),
                payment_id: id.into(),
                account_id: insurance.account_id.into(),
                method: method(&r.method).into(),
                reference: format!("ERA {} {claim_number}", r.trace).into(),
                received_on: paid_on.into(),
                currency: cur.code().into(),
                amount_minor: paid.into(),
                unapplied_minor: 0i64.into(),
                status: "posted".into(),
                entry_id: entry_id.into(),
                reversal_entry_id: V::NI(None),
                created_at: now.clone().into(),
            });
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
                batch.push(batch::AllocationRow {
                    org_id: org.org_id.into(),
                    allocation_id: allocation_id.into(),
                    account_id: insurance.account_id.into(),
                    item_id: line.item_id.into(),
                    source: source.into(),
                    payment_id: if source == "payment" { payment_id.into() } else { V::NI(None) },
                    credit_note_id: V::NI(None),
                    amount_minor: amount.into(),
                    effective_date: paid_on.into(),
                    entry_id: entry_id.into(),
                });
            }
            if answer.written_down != 0 {
                let adjustment_id = next_adjustment;
                next_adjustment += 1;
                batch.push(batch::AdjustmentRow {
                    org_id: org.org_id.into(),
                    adjustment_id: adjustment_id.into(),
                    account_id: insurance.account_id.into(),
                    item_id: line.item_id.into(),
                    reason: "contractual".into(),
                    amount_minor: answer.written_down.into(),
                    effective_date: paid_on.into(),
                    memo: format!("ERA {}: {memo}", r.trace).into(),
                    entry_id: entry_id.into(),
                });
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
            batch.push(batch::OpenItemRow {
                org_id: org.org_id.into(),
                item_id: item_id.into(),
                account_id: patient.account_id.into(),
                reference: format!("{claim_number}-PR-{remittance_id}").into(),
                kind: "patient_share".into(),
                invoice_id: V::NI(None),
                description: format!("Your share of claim {claim_number} for {patient_name}: {}", reasons.join(", ")).into(),
                issue_date: paid_on.into(),
                due_date: due.into(),
                currency: cur.code().into(),
                amount_minor: share.into(),
                balance_minor: share.into(),
                written_off: 0i64.into(),
                status: "open".into(),
            });
            batch.change_account(patient.account_id, share, 0);
        }
        Ok(Some(entry_id))
    }

    /// The claim's status after a payment: denied, paid or partially paid;
    /// decided from what this posting left on its lines, and written with
    /// the batch.
    pub(in crate::claims) async fn settle_after_remit(
        &self,
        conn: &mut AnyConnection,
        era: &Era<'_>,
        p: &ToPost,
        c: &ClaimPayment,
        work: &mut EraWork,
    ) -> Result<String> {
        let (org_id, trace, cur) = (era.org.org_id, era.r.trace.as_str(), era.cur);
        // A secondary claim adds no charge: it owes nothing of its own after.
        let left: Vec<(i64, i64)> = if p.secondary {
            Vec::new()
        } else {
            p.lines.iter().map(|(l, a)| (l.item_id, l.balance_minor - a.total())).collect()
        };
        let owed: i64 = left.iter().map(|(_, b)| b).sum();
        let status = if c.is_denied() || (c.paid.amount_minor() == 0 && owed > 0) {
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
            None => sqlx::query("SELECT CAST(COALESCE(MAX(seq), 0) + 1 AS BIGINT) AS seq FROM claim_event WHERE org_id = $1 AND claim_id = $2")
                .bind(org_id)
                .bind(p.claim_id)
                .fetch_one(&mut *conn)
                .await?
                .try_get("seq")?,
        };
        work.next_event.insert(p.claim_id, seq + 1);
        work.batch.push(batch::ClaimEventRow {
            org_id: org_id.into(),
            claim_id: p.claim_id.into(),
            seq: seq.into(),
            status: status.as_str().into(),
            note: note.clone().into(),
            actor: current_actor().name.into(),
            at: now_text().into(),
        });
        work.statuses.push((p.claim_id, status.as_str(), note, c.payer_claim_number.clone()));
        Ok(status.as_str().to_string())
    }
}
