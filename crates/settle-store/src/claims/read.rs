//! Claims shown: one claim with its lines, events and findings; lists by
//! filter; counts by status. Reads of a patient's claim are audited.

use crate::claims::{facts_of, split_list};
use crate::platform::Organisation;
use crate::write::fmt;
use crate::{Result, Store, StoreError};
use serde::{Deserialize, Serialize};
use settle_domain::claims::{Finding, FindingLevel};
use settle_domain::codes::IcdCode;
use settle_domain::money::Currency;
use sqlx::Row;
use std::collections::BTreeMap;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct ClaimLineView {
    pub line_no: i64,
    pub date_of_service: String,
    pub procedure_code: String,
    pub modifiers: Vec<String>,
    pub diagnosis_pointers: Vec<u8>,
    pub units: settle_domain::units::Units,
    pub charge: String,
    pub place_of_service: Option<String>,
    /// The line's open item on the payer's account, once charged.
    pub item_reference: Option<String>,
    /// What the payer still owes on the line.
    pub balance: Option<String>,
    /// The line's authorization, drug, providers, note and attachments.
    pub facts: settle_domain::claim_facts::LineFacts,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct ClaimEventView {
    pub status: String,
    pub note: String,
    pub actor: String,
    pub at: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct FindingView {
    /// error or warning.
    pub level: String,
    pub rule: String,
    pub field: String,
    pub x12: String,
    pub message: String,
}

impl From<&Finding> for FindingView {
    fn from(f: &Finding) -> FindingView {
        FindingView {
            level: match f.level {
                FindingLevel::Error => "error".into(),
                FindingLevel::Warning => "warning".into(),
            },
            rule: f.rule.clone(),
            field: f.field.clone(),
            x12: f.x12.clone(),
            message: f.message.clone(),
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct ClaimView {
    pub claim_number: String,
    pub account_number: String,
    pub patient_name: String,
    pub payer_code: String,
    pub payer_name: String,
    /// primary, secondary or tertiary: the coverage billed.
    pub coverage_priority: String,
    pub member_id: String,
    pub billing_npi: String,
    pub rendering_npi: Option<String>,
    pub place_of_service: String,
    /// 1 original, 7 replacement, 8 void.
    pub frequency: String,
    /// The claim this one replaces or voids.
    pub replaces: Option<String>,
    /// The payer's claim control number, once it has one.
    pub payer_claim_number: String,
    pub diagnoses: Vec<String>,
    pub currency: String,
    pub total: String,
    pub status: String,
    pub status_reason: String,
    pub findings: Vec<FindingView>,
    pub charged: bool,
    /// The 837P file it last went out in.
    pub file_id: Option<i64>,
    pub lines: Vec<ClaimLineView>,
    /// Authorizations, other providers, accident and dates, note,
    /// attachments and consents.
    pub facts: settle_domain::claim_facts::ClaimFacts,
    pub events: Vec<ClaimEventView>,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct ClaimSummary {
    pub claim_number: String,
    pub account_number: String,
    pub patient_name: String,
    pub payer_code: String,
    pub frequency: String,
    pub first_date_of_service: String,
    pub total: String,
    pub currency: String,
    pub status: String,
    pub status_reason: String,
    pub errors: i64,
    pub warnings: i64,
    pub updated_at: String,
}

impl Store {
    /// One claim in full.
    pub async fn claim(&self, org: &Organisation, claim_number: &str) -> Result<ClaimView> {
        self.note_read(org.org_id, "claim.read", &format!("claim:{}", claim_number.trim().to_ascii_uppercase()))
            .await?;
        let number = claim_number.trim().to_ascii_uppercase();
        let mut conn = self.pool().acquire().await?;
        let conn = &mut *conn;
        let row = sqlx::query(
            "SELECT c.claim_id, c.claim_number, a.account_number, p.name AS patient_name, y.payer_code, y.name AS payer_name, v.priority, v.member_id, \
             b.npi AS billing_npi, r.npi AS rendering_npi, c.place_of_service, c.frequency, o.claim_number AS replaces, c.payer_claim_number, c.diagnoses, c.currency, c.total_minor, \
             c.status, c.status_reason, c.findings, c.charged_entry_id, c.batch_id, c.created_at, c.updated_at, c.facts \
             FROM claim c JOIN account a ON a.org_id = c.org_id AND a.account_id = c.account_id \
             JOIN party p ON p.org_id = a.org_id AND p.party_id = a.party_id \
             JOIN payer y ON y.org_id = c.org_id AND y.payer_key = c.payer_key \
             JOIN coverage v ON v.org_id = c.org_id AND v.coverage_key = c.coverage_key \
             JOIN provider b ON b.org_id = c.org_id AND b.provider_key = c.billing_provider_key \
             LEFT JOIN provider r ON r.org_id = c.org_id AND r.provider_key = c.rendering_provider_key \
             LEFT JOIN claim o ON o.org_id = c.org_id AND o.claim_id = c.replaces_claim_id \
             WHERE c.org_id = $1 AND c.claim_number = $2",
        )
        .bind(org.org_id)
        .bind(&number)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::not_found("claim", &number))?;
        let claim_id: i64 = row.try_get("claim_id")?;
        let cur = Currency::from_code(&row.try_get::<String, _>("currency")?).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let findings: Vec<Finding> = serde_json::from_str(&row.try_get::<String, _>("findings")?)?;
        let lines = sqlx::query(
            "SELECT l.line_no, l.date_of_service, l.procedure_code, l.modifiers, l.diagnosis_pointers, l.units_thousandths, l.charge_minor, l.place_of_service, \
             o.reference, o.balance_minor, l.facts FROM claim_line l LEFT JOIN open_item o ON o.org_id = l.org_id AND o.item_id = l.item_id \
             WHERE l.org_id = $1 AND l.claim_id = $2 ORDER BY l.line_no",
        )
        .bind(org.org_id)
        .bind(claim_id)
        .fetch_all(&mut *conn)
        .await?;
        let lines = lines
            .iter()
            .map(|l| {
                Ok(ClaimLineView {
                    line_no: l.try_get("line_no")?,
                    date_of_service: l.try_get("date_of_service")?,
                    procedure_code: l.try_get("procedure_code")?,
                    modifiers: split_list(&l.try_get::<String, _>("modifiers")?),
                    diagnosis_pointers: split_list(&l.try_get::<String, _>("diagnosis_pointers")?)
                        .iter()
                        .filter_map(|p| p.parse().ok())
                        .collect(),
                    units: crate::write::units(l, "units_thousandths")?,
                    charge: fmt(l.try_get("charge_minor")?, cur),
                    place_of_service: l.try_get("place_of_service")?,
                    item_reference: l.try_get("reference")?,
                    balance: l.try_get::<Option<i64>, _>("balance_minor")?.map(|b| fmt(b, cur)),
                    facts: facts_of(l)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let events = sqlx::query("SELECT status, note, actor, at FROM claim_event WHERE org_id = $1 AND claim_id = $2 ORDER BY seq")
            .bind(org.org_id)
            .bind(claim_id)
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|e| {
                Ok(ClaimEventView {
                    status: e.try_get("status")?,
                    note: e.try_get("note")?,
                    actor: e.try_get("actor")?,
                    at: e.try_get("at")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(ClaimView {
            claim_number: row.try_get("claim_number")?,
            account_number: row.try_get("account_number")?,
            patient_name: row.try_get("patient_name")?,
            payer_code: row.try_get("payer_code")?,
            payer_name: row.try_get("payer_name")?,
            coverage_priority: row.try_get("priority")?,
            member_id: row.try_get("member_id")?,
            billing_npi: row.try_get("billing_npi")?,
            rendering_npi: row.try_get("rendering_npi")?,
            place_of_service: row.try_get("place_of_service")?,
            frequency: row.try_get("frequency")?,
            replaces: row.try_get("replaces")?,
            payer_claim_number: row.try_get("payer_claim_number")?,
            diagnoses: split_list(&row.try_get::<String, _>("diagnoses")?)
                .iter()
                .map(|d| IcdCode::parse(d).map(|c| c.dotted()).unwrap_or_else(|_| d.clone()))
                .collect(),
            currency: cur.code().to_string(),
            total: fmt(row.try_get("total_minor")?, cur),
            status: row.try_get("status")?,
            status_reason: row.try_get("status_reason")?,
            findings: findings.iter().map(FindingView::from).collect(),
            charged: row.try_get::<Option<i64>, _>("charged_entry_id")?.is_some(),
            file_id: row.try_get("batch_id")?,
            lines,
            facts: facts_of(&row)?,
            events,
            created_at: row.try_get("created_at")?,
            updated_at: row.try_get("updated_at")?,
        })
    }

    /// How many claims are in each status.
    pub async fn claim_counts(&self, org: &Organisation) -> Result<BTreeMap<String, i64>> {
        let rows = sqlx::query("SELECT status, CAST(COUNT(*) AS BIGINT) AS n FROM claim WHERE org_id = $1 GROUP BY status")
            .bind(org.org_id)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(|r| Ok((r.try_get("status")?, r.try_get("n")?))).collect()
    }
}
