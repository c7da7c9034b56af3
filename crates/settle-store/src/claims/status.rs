//! Claim status by X12 (005010X212): a 276 asks one payer where claims
//! stand; the 277 that answers is read through the acknowledgment door
//! (`import_acknowledgment`), each status kept once on its claim with its
//! words, and the follow-up list moves by it (`follow_up`).

use serde::{Deserialize, Serialize};
use settle_domain::claim_status::Answer;
use settle_domain::claims::ClaimStatus;
use settle_domain::names::x12_text;
use settle_domain::Date;
use sqlx::{AnyConnection, Row};

use crate::claims::acks::{AckApplied, AckOutcome};
use crate::claims::follow_up::set_next_follow_up;
use crate::claims::rows::{add_event, set_status_keep_findings};
use crate::claims::{bad, parse_date};
use crate::names::{or_parsed, parts_from, PARTY_NAME_COLUMNS, SUBSCRIBER_NAME_COLUMNS};
use crate::platform::audit::current_actor;
use crate::platform::Organisation;
use crate::write::next_ids;
use crate::{now_text, Result, Store, StoreError};

/// Ask a payer where claims stand (a 276).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AskClaimStatus {
    #[schema(example = "66783JJT")]
    pub payer_code: String,
    /// The claims to ask about; empty: every claim of this payer the
    /// follow-up list says to ask about today.
    #[serde(default)]
    pub claim_numbers: Vec<String>,
}

/// The 276 written, and the claims it asks about.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct StatusAsked {
    pub file_id: i64,
    pub file_name: String,
    pub claims: Vec<String>,
    pub body: String,
}

/// Statuses the payer may be asked about: it has the claim.
const ASKABLE: &[ClaimStatus] = &[ClaimStatus::Submitted, ClaimStatus::Accepted, ClaimStatus::PartiallyPaid, ClaimStatus::Denied];

/// Days a payer is given to answer a 276, and to move a pending claim,
/// before the claim is back on the list.
const ANSWER_DAYS: i64 = 7;
const PENDING_DAYS: i64 = 14;

fn claim_status(row: &sqlx::any::AnyRow) -> Result<ClaimStatus> {
    let text: String = row.try_get("status")?;
    ClaimStatus::parse(&text).ok_or_else(|| StoreError::Corrupt(format!("claim status {text:?}")))
}

fn plus_days(day: Date, days: i64) -> Date {
    day.checked_add(jiff::Span::new().days(days)).unwrap_or(day)
}

impl Store {
    /// Writes a 276 to one payer about claims it holds and records it; each
    /// claim waits `ANSWER_DAYS` for the answer before the list shows it
    /// again (unless a deadline is near).
    pub async fn ask_claim_status(&self, org: &Organisation, cmd: &AskClaimStatus, today: Date) -> Result<StatusAsked> {
        let payer_code = cmd.payer_code.trim().to_ascii_uppercase();
        let mut numbers: Vec<String> = cmd
            .claim_numbers
            .iter()
            .map(|n| n.trim().to_ascii_uppercase())
            .filter(|n| !n.is_empty())
            .collect();
        if numbers.is_empty() {
            let filter = crate::claims::FollowUpFilter {
                payer: Some(payer_code.clone()),
                ..Default::default()
            };
            numbers = self
                .follow_up(org, &filter, today)
                .await?
                .into_iter()
                .filter(|r| r.next_step == "ask status")
                .map(|r| r.claim_number)
                .collect();
            if numbers.is_empty() {
                return Err(bad(
                    "claim_numbers",
                    format!("no claim of {payer_code} needs a status request today; name the claims to ask about"),
                ));
            }
        }
        numbers.sort();
        numbers.dedup();
        let settings = self.settings(org).await?;
        let actor = current_actor();
        let (actor, settings, numbers, payer_code) = (&actor, &settings, &numbers, &payer_code);
        self.write(|tx| Box::pin(async move {
            let conn = tx.conn();
            let payer = sqlx::query("SELECT payer_key, name FROM payer WHERE org_id = $1 AND UPPER(payer_code) = $2")
                .bind(org.org_id)
                .bind(payer_code)
                .fetch_optional(&mut *conn)
                .await?
                .ok_or_else(|| bad("payer_code", format!("no payer {payer_code}")))?;
            let payer_key: i64 = payer.try_get("payer_key")?;
            let mut by_provider: Vec<(String, String, String, Vec<settle_x12::claim_status::StatusClaim>)> = Vec::new();
            let mut claim_ids = Vec::new();
            for number in numbers {
                let row = sqlx::query(&format!(
                    "SELECT k.claim_id, k.status, k.payer_key, k.payer_claim_number, k.total_minor, k.currency, \
                     c.member_id, c.relationship, c.subscriber_name, {SUBSCRIBER_NAME_COLUMNS}, p.name AS patient, {PARTY_NAME_COLUMNS}, p.date_of_birth, p.sex, \
                     b.name AS provider_name, b.npi AS provider_npi, b.tax_id, \
                     (SELECT MIN(l.date_of_service || '') FROM claim_line l WHERE l.org_id = k.org_id AND l.claim_id = k.claim_id) AS first_service, \
                     (SELECT MAX(l.date_of_service || '') FROM claim_line l WHERE l.org_id = k.org_id AND l.claim_id = k.claim_id) AS last_service \
                     FROM claim k JOIN coverage c ON c.org_id = k.org_id AND c.coverage_key = k.coverage_key \
                     JOIN account a ON a.org_id = k.org_id AND a.account_id = k.account_id \
                     JOIN party p ON p.org_id = a.org_id AND p.party_id = a.party_id \
                     JOIN provider b ON b.org_id = k.org_id AND b.provider_key = k.billing_provider_key \
                     WHERE k.org_id = $1 AND k.claim_number = $2"
                ))
                .bind(org.org_id)
                .bind(number)
                .fetch_optional(&mut *conn)
                .await?
                .ok_or_else(|| bad("claim_numbers", format!("no claim {number}")))?;
                let status = claim_status(&row)?;
                if row.try_get::<i64, _>("payer_key")? != payer_key {
                    return Err(bad("claim_numbers", format!("claim {number} is not billed to {payer_code}")));
                }
                if !ASKABLE.contains(&status) {
                    return Err(bad("claim_numbers", format!("claim {number} is {status}; a payer is asked only about claims it holds")));
                }
                let patient = or_parsed(parts_from(&row, "name_")?.as_ref(), &row.try_get::<String, _>("patient")?);
                let born: Option<Date> = row.try_get::<Option<String>, _>("date_of_birth")?.and_then(|d| d.parse().ok());
                let sex: String = row.try_get("sex")?;
                let (subscriber_last, subscriber_first, dependent) = if row.try_get::<String, _>("relationship")? == "self" {
                    let (l, f) = patient.two_parts();
                    (l, f, None)
                } else {
                    let (l, f) = or_parsed(parts_from(&row, "sub_")?.as_ref(), &row.try_get::<String, _>("subscriber_name")?).two_parts();
                    let (pl, pf) = patient.two_parts();
                    let born = born.ok_or_else(|| bad("claim_numbers", format!("claim {number}: the patient's date of birth is missing; a dependent's request needs it")))?;
                    (l, f, Some((x12_text(&pl), x12_text(&pf), born, sex.clone())))
                };
                let first = parse_date(&row.try_get::<String, _>("first_service")?)?;
                let last = parse_date(&row.try_get::<String, _>("last_service")?)?;
                let currency = settle_domain::money::Currency::from_code(&row.try_get::<String, _>("currency")?).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                let total = settle_domain::money::Money::from_minor(row.try_get("total_minor")?, currency);
                let asked = settle_x12::claim_status::StatusClaim {
                    claim_number: number.clone(),
                    payer_claim_number: row.try_get("payer_claim_number")?,
                    subscriber_last: x12_text(&subscriber_last),
                    subscriber_first: x12_text(&subscriber_first),
                    member_id: row.try_get("member_id")?,
                    subscriber_date_of_birth: if dependent.is_none() { born } else { None },
                    subscriber_sex: if dependent.is_none() { sex } else { String::new() },
                    dependent,
                    total_charge: settle_x12::p837::decimal(&total),
                    first_service: first,
                    last_service: last,
                };
                let npi: String = row.try_get("provider_npi")?;
                match by_provider.iter_mut().find(|(n, ..)| *n == npi) {
                    Some((.., claims)) => claims.push(asked),
                    None => by_provider.push((npi, row.try_get("provider_name")?, row.try_get("tax_id")?, vec![asked])),
                }
                claim_ids.push((row.try_get::<i64, _>("claim_id")?, status));
            }
            // One 276 a billing provider; Settle's practices bill as one, so
            // a request naming claims of two is refused rather than split.
            if by_provider.len() != 1 {
                return Err(bad("claim_numbers", "these claims have different billing providers; ask for each provider's claims apart"));
            }
            let (npi, provider_name, tax_id, claims) = by_provider.remove(0);
            let control = next_ids(conn, org.org_id, "x12_control", 1).await?;
            let file_id = next_ids(conn, org.org_id, "x12_file", 1).await?;
            let sender = if settings.x12_submitter_id.is_empty() { tax_id.clone() } else { settings.x12_submitter_id.clone() };
            let request = settle_x12::claim_status::StatusRequest {
                sender_id: sender,
                receiver_id: payer_code.clone(),
                created_on: today,
                created_at: jiff::Zoned::now().with_time_zone(jiff::tz::TimeZone::UTC).strftime("%H%M").to_string(),
                interchange_control: u32::try_from(control).map_err(|_| StoreError::Corrupt("control number overflow".into()))?,
                reference: format!("STATUS{control}"),
                payer_name: x12_text(&payer.try_get::<String, _>("name")?),
                payer_id: payer_code.clone(),
                receiver_name: x12_text(&org.name),
                receiver_tax_id: tax_id,
                provider_name: x12_text(&provider_name),
                provider_npi: npi,
                claims,
            };
            let body = settle_x12::claim_status::write_276(&request).map_err(|e| bad("claim_numbers", e))?;
            sqlx::query(
                "INSERT INTO x12_file (org_id, file_id, direction, kind, payer_key, interchange_control, group_control, claim_count, total_minor, body, summary, created_by, created_at) \
                 VALUES ($1, $2, 'out', '276', $3, $4, $4, $5, 0, $6, $7, $8, $9)",
            )
            .bind(org.org_id)
            .bind(file_id)
            .bind(payer_key)
            .bind(control)
            .bind(claim_ids.len() as i64)
            .bind(&body)
            .bind(format!("status request to {payer_code} about {}", numbers.join(", ")))
            .bind(&actor.name)
            .bind(now_text())
            .execute(&mut *conn)
            .await?;
            let wait = plus_days(today, ANSWER_DAYS);
            for (claim_id, status) in &claim_ids {
                add_event(conn, org.org_id, *claim_id, *status, &format!("status asked of {payer_code} (276, file {file_id})")).await?;
                set_next_follow_up(conn, org.org_id, *claim_id, Some(wait)).await?;
            }
            tx.audit(org.org_id, "claims.status_request", &format!("x12_file:{file_id}"), None, Some(&serde_json::json!({ "payer": payer_code, "claims": numbers })))
                .await?;
            Ok(StatusAsked {
                file_id,
                file_name: format!("276-{payer_code}-{control:09}.x12"),
                claims: numbers.clone(),
                body,
            })
        }))
        .await
    }

    /// Reads a 277 (005010X212) into the claims it answers: each status kept
    /// once, the claim moved where the answer says (a rejection rejects, an
    /// acknowledgment accepts a claim still submitted), the follow-up date
    /// set (a pending claim waits `PENDING_DAYS`; an answer to act on is due
    /// now), and the payer's claim number kept.
    pub(crate) async fn apply_277_status(
        &self,
        conn: &mut AnyConnection,
        org: &Organisation,
        parsed: &settle_x12::Parsed,
        file_id: i64,
        today: Date,
        outcome: &mut AckOutcome,
    ) -> Result<()> {
        let response = settle_x12::claim_status::read_277(parsed).map_err(|d| bad("file", d.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("; ")))?;
        for level in &response.levels {
            let words: Vec<String> = level.statuses.iter().map(|s| s.words()).collect();
            outcome.unmatched.push(format!(
                "segment {}: at the {} level the payer said {}",
                level.segment_number,
                level.level,
                words.join("; ")
            ));
        }
        for answer in &response.claims {
            let mut row = None;
            for key in [&answer.trace, &answer.patient_control_number] {
                if key.trim().is_empty() {
                    continue;
                }
                row = sqlx::query("SELECT claim_id, claim_number, status FROM claim WHERE org_id = $1 AND claim_number = $2")
                    .bind(org.org_id)
                    .bind(key.trim().to_ascii_uppercase())
                    .fetch_optional(&mut *conn)
                    .await?;
                if row.is_some() {
                    break;
                }
            }
            let Some(row) = row else {
                outcome.unmatched.push(format!(
                    "segment {}: trace {:?} answers no claim Settle sent",
                    answer.segment_number, answer.trace
                ));
                continue;
            };
            let claim_id: i64 = row.try_get("claim_id")?;
            // Matched by its trace or by the patient control number (REF*EJ).
            let number: String = row.try_get("claim_number")?;
            let status = claim_status(&row)?;
            let effective = settle_x12::parse_date8(&answer.effective).unwrap_or(today);
            let mut kept_any = false;
            for s in &answer.statuses {
                let seen = sqlx::query(
                    "SELECT 1 FROM claim_status_answer WHERE org_id = $1 AND claim_id = $2 AND effective_on = $3 AND category = $4 AND status_code = $5 AND entity = $6",
                )
                .bind(org.org_id)
                .bind(claim_id)
                .bind(effective.to_string())
                .bind(&s.category)
                .bind(&s.code)
                .bind(&s.entity)
                .fetch_optional(&mut *conn)
                .await?
                .is_some();
                if seen {
                    continue;
                }
                let seq: i64 =
                    sqlx::query("SELECT CAST(COALESCE(MAX(seq), 0) + 1 AS BIGINT) AS seq FROM claim_status_answer WHERE org_id = $1 AND claim_id = $2")
                        .bind(org.org_id)
                        .bind(claim_id)
                        .fetch_one(&mut *conn)
                        .await?
                        .try_get("seq")?;
                sqlx::query(
                    "INSERT INTO claim_status_answer (org_id, claim_id, seq, effective_on, category, status_code, entity, answer, words, file_id, at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                )
                .bind(org.org_id)
                .bind(claim_id)
                .bind(seq)
                .bind(effective.to_string())
                .bind(&s.category)
                .bind(&s.code)
                .bind(&s.entity)
                .bind(Answer::of(&s.category).as_str())
                .bind(s.words())
                .bind(file_id)
                .bind(now_text())
                .execute(&mut *conn)
                .await?;
                kept_any = true;
            }
            let words: Vec<String> = answer.statuses.iter().map(|s| s.words()).collect();
            let note = format!("277 status of {effective}: {}", words.join("; "));
            if !kept_any {
                outcome.unchanged.push(AckApplied {
                    claim_number: number,
                    status: status.as_str().into(),
                    note: format!("{note}; already read, so nothing changed"),
                });
                continue;
            }
            if !answer.payer_claim_number.is_empty() {
                sqlx::query("UPDATE claim SET payer_claim_number = $3 WHERE org_id = $1 AND claim_id = $2")
                    .bind(org.org_id)
                    .bind(claim_id)
                    .bind(&answer.payer_claim_number)
                    .execute(&mut *conn)
                    .await?;
            }
            let kind = answer.statuses.first().map(|s| Answer::of(&s.category)).unwrap_or(Answer::NoAnswer);
            let next = match kind {
                Answer::Rejected => Some(ClaimStatus::Rejected),
                Answer::Acknowledged | Answer::Pending => Some(ClaimStatus::Accepted),
                _ => None,
            }
            .filter(|n| status.acknowledgment_may_move_to(*n));
            match next {
                Some(n) => set_status_keep_findings(conn, org.org_id, claim_id, n, &note).await?,
                None => add_event(conn, org.org_id, claim_id, status, &note).await?,
            }
            let follow_up = match kind {
                Answer::Pending | Answer::Acknowledged => Some(plus_days(effective.max(today), PENDING_DAYS)),
                _ => None,
            };
            set_next_follow_up(conn, org.org_id, claim_id, follow_up).await?;
            outcome.applied.push(AckApplied {
                claim_number: number,
                status: next.unwrap_or(status).as_str().into(),
                note,
            });
        }
        Ok(())
    }
}
