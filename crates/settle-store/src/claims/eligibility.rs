//! Eligibility: a 270 asked about a patient's coverage, and the 271 read
//! back into the coverage's status, plan dates, copay, coinsurance and
//! deductible. The answer also moves the coverage's own dates to the plan's.

use crate::names::{or_parsed, parts_from, PARTY_NAME_COLUMNS, SUBSCRIBER_NAME_COLUMNS};
use serde::{Deserialize, Serialize};
use settle_domain::money::{Currency, Money};
use settle_domain::names::x12_text;
use settle_domain::Date;
use sqlx::{AnyConnection, Row};

use crate::claims::acks::AckOutcome;
use crate::platform::audit::current_actor;
use crate::platform::Organisation;
use crate::write::{fmt, next_ids};
use crate::{now_text, Result, Store, StoreError};

/// Ask a payer about a patient's coverage.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AskEligibility {
    pub account_number: String,
    pub payer_code: String,
    /// The day to ask about; today when left out.
    #[serde(default)]
    pub service_date: Option<Date>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct EligibilityAsked {
    pub check_id: i64,
    pub trace: String,
    pub file_id: i64,
    pub file_name: String,
    /// The 270 itself.
    pub body: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct EligibilityView {
    pub check_id: i64,
    pub account_number: String,
    pub payer_code: String,
    pub member_id: String,
    pub trace: String,
    pub service_date: String,
    /// asked (no answer yet), active, inactive or rejected.
    pub status: String,
    pub answered_at: Option<String>,
    pub plan_name: String,
    pub plan_begin: Option<String>,
    pub plan_end: Option<String>,
    pub copay: Option<String>,
    /// As a percentage, such as "20".
    pub coinsurance_percent: Option<String>,
    pub deductible: Option<String>,
    pub deductible_remaining: Option<String>,
    pub message: String,
}

fn bad(field: &'static str, message: impl std::fmt::Display) -> StoreError {
    StoreError::invalid(field, message)
}

/// ".2" or "0.20" as a percentage, "20".
fn percent(fraction: &str) -> Option<String> {
    let value: rust_decimal::Decimal = fraction.trim().parse().ok()?;
    Some((value * rust_decimal::Decimal::from(100)).normalize().to_string())
}

const VIEW: &str = "SELECT e.check_id, a.account_number, y.payer_code, c.member_id, e.trace, e.service_date, e.status, e.answered_at, e.plan_name, \
     e.plan_begin, e.plan_end, e.copay_minor, e.coinsurance, e.deductible_minor, e.deductible_remaining_minor, e.message \
     FROM coverage_eligibility e JOIN coverage c ON c.org_id = e.org_id AND c.coverage_key = e.coverage_key \
     JOIN account a ON a.org_id = c.org_id AND a.account_id = c.account_id \
     JOIN payer y ON y.org_id = c.org_id AND y.payer_key = c.payer_key WHERE e.org_id = $1";

fn view_from(r: &sqlx::any::AnyRow, cur: Currency) -> Result<EligibilityView> {
    let money = |i: usize| -> Result<Option<String>> { Ok(r.try_get::<Option<i64>, _>(i)?.map(|m| fmt(m, cur))) };
    Ok(EligibilityView {
        check_id: r.try_get("check_id")?,
        account_number: r.try_get("account_number")?,
        payer_code: r.try_get("payer_code")?,
        member_id: r.try_get("member_id")?,
        trace: r.try_get("trace")?,
        service_date: r.try_get("service_date")?,
        status: r.try_get("status")?,
        answered_at: r.try_get("answered_at")?,
        plan_name: r.try_get("plan_name")?,
        plan_begin: r.try_get("plan_begin")?,
        plan_end: r.try_get("plan_end")?,
        copay: money(11)?,
        coinsurance_percent: r.try_get::<Option<String>, _>("coinsurance")?.and_then(|c| percent(&c)),
        deductible: money(13)?,
        deductible_remaining: money(14)?,
        message: r.try_get("message")?,
    })
}

impl Store {
    /// Writes a 270 for the patient's coverage with the payer and records it.
    pub async fn ask_eligibility(&self, org: &Organisation, cmd: &AskEligibility, today: Date) -> Result<EligibilityAsked> {
        let service_date = cmd.service_date.unwrap_or(today);
        let settings = self.settings(org).await?;
        let actor = current_actor();
        let (actor, settings) = (&actor, &settings);
        self.write(|tx| Box::pin(async move {
            let conn = tx.conn();
            let row = sqlx::query(&format!(
                "SELECT c.coverage_key, c.member_id, c.relationship, c.subscriber_name, {SUBSCRIBER_NAME_COLUMNS}, p.name AS patient, {PARTY_NAME_COLUMNS}, \
                 p.date_of_birth, y.payer_code, y.name AS payer_name, y.payer_key \
                 FROM coverage c JOIN account a ON a.org_id = c.org_id AND a.account_id = c.account_id \
                 JOIN party p ON p.org_id = a.org_id AND p.party_id = a.party_id \
                 JOIN payer y ON y.org_id = c.org_id AND y.payer_key = c.payer_key \
                 WHERE c.org_id = $1 AND a.account_number = $2 AND y.payer_code = $3 ORDER BY c.coverage_key DESC LIMIT 1"
            ))
            .bind(org.org_id)
            .bind(cmd.account_number.trim().to_ascii_uppercase())
            .bind(cmd.payer_code.trim().to_ascii_uppercase())
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| {
                bad(
                    "payer_code",
                    format!("account {} has no coverage with {}", cmd.account_number.trim(), cmd.payer_code.trim()),
                )
            })?;
            let provider = sqlx::query(
                "SELECT name, npi, tax_id FROM provider WHERE org_id = $1 AND tax_id <> '' ORDER BY CASE kind WHEN 'organisation' THEN 0 ELSE 1 END, provider_key LIMIT 1",
            )
            .bind(org.org_id)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| bad("provider", "add a billing provider (with its EIN) before asking payers about coverage"))?;
            let coverage_key: i64 = row.try_get("coverage_key")?;
            let relationship: String = row.try_get("relationship")?;
            let patient = or_parsed(parts_from(&row, "name_")?.as_ref(), &row.try_get::<String, _>("patient")?);
            let born: Option<Date> = row.try_get::<Option<String>, _>("date_of_birth")?.and_then(|d| d.parse().ok());
            let (subscriber_last, subscriber_first, dependent) = if relationship == "self" {
                let (l, f) = patient.two_parts();
                (l, f, None)
            } else {
                let (l, f) = or_parsed(parts_from(&row, "sub_")?.as_ref(), &row.try_get::<String, _>("subscriber_name")?).two_parts();
                let (pl, pf) = patient.two_parts();
                let born = born.ok_or_else(|| bad("account_number", "the patient's date of birth is missing; a dependent's inquiry needs it"))?;
                (l, f, Some((x12_text(&pl), x12_text(&pf), born)))
            };
            let check_id = next_ids(conn, org.org_id, "eligibility", 1).await?;
            let control = next_ids(conn, org.org_id, "x12_control", 1).await?;
            let file_id = next_ids(conn, org.org_id, "x12_file", 1).await?;
            let trace = format!("SETTLE-{coverage_key}-{check_id}");
            let tax_id: String = provider.try_get("tax_id")?;
            let payer_code: String = row.try_get("payer_code")?;
            let sender = if settings.x12_submitter_id.is_empty() {
                tax_id.clone()
            } else {
                settings.x12_submitter_id.clone()
            };
            let inquiry = settle_x12::elig::Inquiry {
                sender_id: sender,
                receiver_id: payer_code.clone(),
                created_on: today,
                created_at: jiff::Zoned::now().with_time_zone(jiff::tz::TimeZone::UTC).strftime("%H%M").to_string(),
                interchange_control: u32::try_from(control).map_err(|_| StoreError::Corrupt("control number overflow".into()))?,
                reference: format!("{check_id}"),
                payer_name: x12_text(&row.try_get::<String, _>("payer_name")?),
                payer_id: payer_code.clone(),
                provider_name: x12_text(&provider.try_get::<String, _>("name")?),
                provider_npi: provider.try_get("npi")?,
                provider_tax_id: tax_id,
                trace: trace.clone(),
                subscriber_last: x12_text(&subscriber_last),
                subscriber_first: x12_text(&subscriber_first),
                member_id: row.try_get("member_id")?,
                subscriber_date_of_birth: if relationship == "self" { born } else { None },
                dependent,
                service_date,
            };
            let body = settle_x12::elig::write_270(&inquiry).map_err(|e| bad("coverage", e))?;
            sqlx::query(
                "INSERT INTO x12_file (org_id, file_id, direction, kind, payer_key, interchange_control, group_control, claim_count, total_minor, body, summary, created_by, created_at) \
                 VALUES ($1, $2, 'out', '270', $3, $4, $4, 0, 0, $5, $6, $7, $8)",
            )
            .bind(org.org_id)
            .bind(file_id)
            .bind(row.try_get::<i64, _>("payer_key")?)
            .bind(control)
            .bind(&body)
            .bind(format!("eligibility of {} with {payer_code} on {service_date} (trace {trace})", cmd.account_number.trim().to_ascii_uppercase()))
            .bind(&actor.name)
            .bind(now_text())
            .execute(&mut *conn)
            .await?;
            sqlx::query(
                "INSERT INTO coverage_eligibility (org_id, check_id, coverage_key, trace, service_date, asked_file_id, status, answered_at, plan_name, plan_begin, plan_end, \
                 copay_minor, coinsurance, deductible_minor, deductible_remaining_minor, message, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, 'asked', NULL, '', NULL, NULL, NULL, NULL, NULL, NULL, '', $7)",
            )
            .bind(org.org_id)
            .bind(check_id)
            .bind(coverage_key)
            .bind(&trace)
            .bind(service_date.to_string())
            .bind(file_id)
            .bind(now_text())
            .execute(&mut *conn)
            .await?;
            tx.audit(
                org.org_id,
                "eligibility.ask",
                &format!("coverage:{coverage_key}"),
                None,
                Some(&serde_json::json!({ "trace": trace, "file": file_id })),
            )
            .await?;
            Ok(EligibilityAsked {
                check_id,
                trace,
                file_id,
                file_name: format!("270-{payer_code}-{control:09}.x12"),
                body,
            })
        }))
        .await
    }

    /// Reads a 271's answers into the checks they answer (by trace number).
    pub(crate) async fn apply_271(&self, conn: &mut AnyConnection, org: &Organisation, parsed: &settle_x12::Parsed, outcome: &mut AckOutcome) -> Result<()> {
        let cur = Currency::from_code(&org.base_currency).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let (answers, loose) = settle_x12::elig::read_271(parsed);
        outcome.unmatched.extend(loose.iter().map(|d| d.to_string()));
        for b in answers {
            let row = sqlx::query("SELECT check_id, coverage_key, status FROM coverage_eligibility WHERE org_id = $1 AND trace = $2")
                .bind(org.org_id)
                .bind(&b.trace)
                .fetch_optional(&mut *conn)
                .await?;
            let Some(row) = row else {
                outcome.unmatched.push(format!(
                    "segment {}: trace {:?} (member {}) answers no inquiry Settle sent",
                    b.segment_number, b.trace, b.member_id
                ));
                continue;
            };
            let (check_id, coverage_key): (i64, i64) = (row.try_get("check_id")?, row.try_get("coverage_key")?);
            let amount = |text: &Option<String>| -> Option<i64> { text.as_deref().and_then(|t| Money::parse(t.trim(), cur).ok()).map(|m| m.amount_minor()) };
            let status = if b.status.is_empty() { "inactive".to_string() } else { b.status.clone() };
            let message = if b.rejections.is_empty() { String::new() } else { b.rejections.join("; ") };
            let begin = settle_x12::parse_date8(&b.plan_begin);
            let end = settle_x12::parse_date8(&b.plan_end);
            sqlx::query(
                "UPDATE coverage_eligibility SET status = $3, answered_at = $4, plan_name = $5, plan_begin = $6, plan_end = $7, copay_minor = $8, \
                 coinsurance = $9, deductible_minor = $10, deductible_remaining_minor = $11, message = $12 WHERE org_id = $1 AND check_id = $2",
            )
            .bind(org.org_id)
            .bind(check_id)
            .bind(&status)
            .bind(now_text())
            .bind(&b.plan_name)
            .bind(begin.map(|d| d.to_string()))
            .bind(end.map(|d| d.to_string()))
            .bind(amount(&b.copay))
            .bind(b.coinsurance.clone())
            .bind(amount(&b.deductible))
            .bind(amount(&b.deductible_remaining))
            .bind(&message)
            .execute(&mut *conn)
            .await?;
            // The plan's dates become the coverage's: claims are scrubbed against them.
            if let Some(begin) = begin {
                sqlx::query("UPDATE coverage SET effective_from = $3 WHERE org_id = $1 AND coverage_key = $2")
                    .bind(org.org_id)
                    .bind(coverage_key)
                    .bind(begin.to_string())
                    .execute(&mut *conn)
                    .await?;
            }
            if let Some(end) = end {
                sqlx::query("UPDATE coverage SET effective_to = $3 WHERE org_id = $1 AND coverage_key = $2")
                    .bind(org.org_id)
                    .bind(coverage_key)
                    .bind(end.to_string())
                    .execute(&mut *conn)
                    .await?;
            }
            let row = sqlx::query(&format!("{VIEW} AND e.check_id = $2"))
                .bind(org.org_id)
                .bind(check_id)
                .fetch_one(&mut *conn)
                .await?;
            outcome.eligibility.push(view_from(&row, cur)?);
        }
        Ok(())
    }

    /// A patient's eligibility checks, newest first.
    pub async fn eligibility(&self, org: &Organisation, account_number: &str) -> Result<Vec<EligibilityView>> {
        self.note_read(
            org.org_id,
            "eligibility.read",
            &format!("account:{}", account_number.trim().to_ascii_uppercase()),
        )
        .await?;
        let cur = Currency::from_code(&org.base_currency).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let rows = sqlx::query(&format!("{VIEW} AND a.account_number = $2 ORDER BY e.check_id DESC LIMIT 50"))
            .bind(org.org_id)
            .bind(account_number.trim().to_ascii_uppercase())
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(|r| view_from(r, cur)).collect()
    }
}
