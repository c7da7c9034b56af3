//! Acknowledgments in: a 999 moves a batch's transaction sets, a 277CA each
//! claim (accepted, rejected with reasons in words).

use crate::claims::bad;
use crate::claims::rows::set_status_keep_findings;
use crate::platform::audit::current_actor;
use crate::platform::Organisation;
use crate::write::next_ids;
use crate::{now_text, Result, Store, StoreError};
use serde::{Deserialize, Serialize};
use settle_domain::claims::ClaimStatus;
use sqlx::Row;

/// An acknowledgment file (999 or 277CA) as received.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportAcknowledgment {
    pub file_name: String,
    pub body: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct AckApplied {
    pub claim_number: String,
    /// The status the claim has now.
    pub status: String,
    pub note: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct AckOutcome {
    /// 999, 277CA or 271.
    pub kind: String,
    pub file_id: i64,
    /// Coverages a 271 answered for.
    #[serde(default)]
    pub eligibility: Vec<crate::claims::EligibilityView>,
    /// Claims whose status changed.
    pub applied: Vec<AckApplied>,
    /// Claims named that were already past this (a second import of one
    /// file changes nothing).
    pub unchanged: Vec<AckApplied>,
    /// What the file names that Settle does not know (a claim number, a
    /// group control number), each with the segment that named it.
    pub unmatched: Vec<String>,
}

impl Store {
    /// Reads a 999 or 277CA and moves the claims it names: all of it, or
    /// nothing if the file cannot be read.
    pub async fn import_acknowledgment(&self, org: &Organisation, cmd: &ImportAcknowledgment) -> Result<AckOutcome> {
        let parsed = settle_x12::read(cmd.body.as_bytes());
        if parsed.has_errors() {
            let problems: Vec<String> = parsed
                .diagnostics
                .iter()
                .filter(|d| d.severity == settle_x12::Severity::Error)
                .map(|d| d.to_string())
                .collect();
            return Err(bad("file", format!("{}: {}", cmd.file_name, problems.join("; "))));
        }
        let kinds: Vec<String> = parsed
            .interchanges
            .iter()
            .flat_map(|i| i.groups.iter().flat_map(|g| g.transactions.iter().map(|t| t.kind().to_string())))
            .collect();
        let as_error = |d: Vec<settle_x12::Diagnostic>| {
            bad(
                "file",
                format!("{}: {}", cmd.file_name, d.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("; ")),
            )
        };
        let actor = current_actor();
        let (actor, kinds, parsed) = (&actor, &kinds, &parsed);
        self.write(|tx| Box::pin(async move {
            let conn = tx.conn();
            let file_id = next_ids(conn, org.org_id, "x12_file", 1).await?;
            let mut outcome = AckOutcome {
                kind: String::new(),
                file_id: 0,
                eligibility: vec![],
                applied: vec![],
                unchanged: vec![],
                unmatched: vec![],
            };
            if kinds.iter().any(|k| k == "999") {
                outcome.kind = "999".into();
                for ack in settle_x12::ack::read_999(parsed).map_err(as_error)? {
                    let control: i64 = ack.group_control.trim().parse().unwrap_or(-1);
                    let file = sqlx::query("SELECT file_id FROM x12_file WHERE org_id = $1 AND direction = 'out' AND group_control = $2")
                        .bind(org.org_id)
                        .bind(control)
                        .fetch_optional(&mut *conn)
                        .await?;
                    let Some(file) = file else {
                        outcome.unmatched.push(format!(
                            "segment {}: group control number {} is not a file Settle sent",
                            ack.segment_number, ack.group_control
                        ));
                        continue;
                    };
                    let file_id: i64 = file.try_get("file_id")?;
                    let claims = sqlx::query("SELECT claim_id, claim_number, status FROM claim WHERE org_id = $1 AND batch_id = $2 ORDER BY claim_id")
                        .bind(org.org_id)
                        .bind(file_id)
                        .fetch_all(&mut *conn)
                        .await?;
                    for c in claims {
                        let (claim_id, number, status): (i64, String, String) = (c.try_get("claim_id")?, c.try_get("claim_number")?, c.try_get("status")?);
                        let status = ClaimStatus::parse(&status).ok_or_else(|| StoreError::Corrupt(format!("claim status {status:?}")))?;
                        if ack.accepted() {
                            let note = format!("999 from file {}: transaction {} accepted ({})", cmd.file_name, ack.control_number, ack.code);
                            outcome.unchanged.push(AckApplied {
                                claim_number: number,
                                status: status.as_str().into(),
                                note,
                            });
                        } else if status == ClaimStatus::Submitted {
                            let note = format!("999 rejected the file's transaction {}: {}", ack.control_number, ack.errors.join("; "));
                            set_status_keep_findings(conn, org.org_id, claim_id, ClaimStatus::Rejected, &note).await?;
                            outcome.applied.push(AckApplied {
                                claim_number: number,
                                status: "rejected".into(),
                                note,
                            });
                        } else {
                            outcome.unchanged.push(AckApplied {
                                claim_number: number,
                                status: status.as_str().into(),
                                note: "already past submitted; the 999 changes nothing".into(),
                            });
                        }
                    }
                }
            } else if kinds.iter().any(|k| k == "271") {
                outcome.kind = "271".into();
                self.apply_271(conn, org, parsed, &mut outcome).await?;
            } else if parsed
                .interchanges
                .iter()
                .flat_map(|i| &i.groups)
                .flat_map(|g| &g.transactions)
                .any(|t| t.kind() == "277" && t.st.value(3) == settle_x12::claim_status::IMPLEMENTATION)
            {
                outcome.kind = "277".into();
                // The day the payer made the file (GS04) stands for "today"
                // where a status carries no date of its own.
                let made_on = parsed
                    .interchanges
                    .iter()
                    .flat_map(|i| &i.groups)
                    .find_map(|g| settle_x12::parse_date8(g.gs.value(4)))
                    .ok_or_else(|| bad("file", format!("{}: GS04 is not a date", cmd.file_name)))?;
                self.apply_277_status(conn, org, parsed, file_id, made_on, &mut outcome).await?;
            } else if kinds.iter().any(|k| k == "277") {
                outcome.kind = "277CA".into();
                for ack in settle_x12::ack::read_277ca(parsed).map_err(as_error)? {
                    let row = sqlx::query("SELECT claim_id, status FROM claim WHERE org_id = $1 AND claim_number = $2")
                        .bind(org.org_id)
                        .bind(ack.claim_number.trim().to_ascii_uppercase())
                        .fetch_optional(&mut *conn)
                        .await?;
                    let Some(row) = row else {
                        outcome.unmatched.push(format!(
                            "segment {}: claim {} is not a claim Settle sent ({})",
                            ack.segment_number,
                            ack.claim_number,
                            ack.reason()
                        ));
                        continue;
                    };
                    let claim_id: i64 = row.try_get("claim_id")?;
                    let status = row.try_get::<String, _>("status")?;
                    let status = ClaimStatus::parse(&status).ok_or_else(|| StoreError::Corrupt(format!("claim status {status:?}")))?;
                    let next = if ack.accepted() { ClaimStatus::Accepted } else { ClaimStatus::Rejected };
                    let note = ack.reason();
                    if !ack.payer_claim_number.is_empty() {
                        sqlx::query("UPDATE claim SET payer_claim_number = $3 WHERE org_id = $1 AND claim_id = $2")
                            .bind(org.org_id)
                            .bind(claim_id)
                            .bind(&ack.payer_claim_number)
                            .execute(&mut *conn)
                            .await?;
                    }
                    if status.acknowledgment_may_move_to(next) {
                        set_status_keep_findings(conn, org.org_id, claim_id, next, &note).await?;
                        outcome.applied.push(AckApplied {
                            claim_number: ack.claim_number.clone(),
                            status: next.as_str().into(),
                            note,
                        });
                    } else {
                        outcome.unchanged.push(AckApplied {
                            claim_number: ack.claim_number.clone(),
                            status: status.as_str().into(),
                            note: format!("{note}; the claim is already {status}, so nothing changed"),
                        });
                    }
                }
            } else {
                return Err(bad(
                    "file",
                    format!(
                        "{}: holds no 999 or 277 acknowledgment and no 271 (found: {}){}",
                        cmd.file_name,
                        if kinds.is_empty() { "none".into() } else { kinds.join(", ") },
                        if kinds.iter().any(|k| k == "835") {
                            "; an 835 is posted with `settle claim remit` or on the Post an ERA page"
                        } else {
                            ""
                        }
                    ),
                ));
            }
            outcome.file_id = file_id;
            let control: i64 = parsed.interchanges.first().map(|i| i.control_number().trim().parse().unwrap_or(0)).unwrap_or(0);
            sqlx::query(
                "INSERT INTO x12_file (org_id, file_id, direction, kind, payer_key, interchange_control, group_control, claim_count, total_minor, body, summary, created_by, created_at) \
                 VALUES ($1, $2, 'in', $3, NULL, $4, 0, $5, 0, $6, $7, $8, $9)",
            )
            .bind(org.org_id)
            .bind(file_id)
            .bind(&outcome.kind)
            .bind(control)
            .bind((outcome.applied.len() + outcome.unchanged.len()) as i64)
            .bind(&cmd.body)
            .bind(format!(
                "{}: {} applied, {} unchanged, {} unmatched",
                cmd.file_name,
                outcome.applied.len(),
                outcome.unchanged.len(),
                outcome.unmatched.len()
            ))
            .bind(&actor.name)
            .bind(now_text())
            .execute(&mut *conn)
            .await?;
            tx.audit(
                org.org_id,
                "claims.acknowledgment",
                &format!("x12_file:{file_id}"),
                None,
                Some(&serde_json::to_value(&outcome)?),
            )
            .await?;
            Ok(outcome)
        }))
        .await
    }
}
