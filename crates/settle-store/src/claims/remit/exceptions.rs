//! Remittance exceptions: money held in suspense for a claim that could not
//! be matched or did not fit, and its resolution (matched to the right claim,
//! or returned to the payer).

use crate::batch::Batch;
use crate::claims::bad;
use crate::claims::remit::read::RemitClaimView;
use crate::claims::remit::work::{Decision, Era, EraWork};
use crate::claims::remit::RemittedClaim;
use crate::platform::audit::current_actor;
use crate::platform::Organisation;
use crate::write::{fmt, next_ids, write_command};
use crate::{now_text, Result, Store, StoreError};
use serde::{Deserialize, Serialize};
use settle_domain::money::Currency;
use settle_domain::remit::{era_held_in_suspense, era_suspense_returned, Funding};
use settle_domain::Date;
use settle_x12::remit::ClaimPayment;
use sqlx::{AnyConnection, Row};

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

impl Store {
    /// An exception's payment, received but not yet the claim's: cash in,
    /// held in suspense (one entry), so the ERA's cash equals its deposit.
    pub(in crate::claims) async fn hold_in_suspense(&self, conn: &mut AnyConnection, era: &Era<'_>, c: &ClaimPayment, work: &mut EraWork) -> Result<i64> {
        let Era { org, r, paid_on, cur, .. } = *era;
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
        let actor = &current_actor();
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
                row.try_get("outcome")?,
                row.try_get("paid_minor")?,
                row.try_get("suspense_entry_id")?,
                row.try_get("trace")?,
                row.try_get("file_id")?,
                row.try_get("their_claim_number")?,
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
                    .try_get("body")?;
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
                if c.is_reversal() {
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
                let mut to_post = to_post;
                to_post.funding = if suspense.is_some() { Funding::Suspense } else { Funding::Cash };
                let era = Era {
                    org,
                    r: &r,
                    remittance_id: cmd.remittance_id,
                    paid_on: settle_x12::parse_date8(&r.payment_date).unwrap_or(today),
                    cur,
                    actor: &actor.name,
                };
                let seq = cmd.seq as usize - 1;
                let done = self.post_decided(conn, &era, &c, seq, to_post, &mut work).await?;
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

    /// The exception queue: ERA claims that were not posted, and why.
    pub async fn remit_exceptions(&self, org: &Organisation) -> Result<Vec<RemitClaimView>> {
        self.note_read(org.org_id, "remittance.list", "remittance exceptions").await?;
        self.remit_claims(org, "AND x.outcome = 'exception'", None).await
    }
}
