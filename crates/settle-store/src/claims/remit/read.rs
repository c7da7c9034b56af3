//! Remittances shown: an ERA's claims, a claim's remittances, underpayments
//! (without clinical codes for those who may not see them), exceptions.

use crate::platform::Organisation;
use crate::write::fmt;
use crate::{Result, Store, StoreError};
use serde::{Deserialize, Serialize};
use settle_domain::money::Currency;
use sqlx::Row;

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
                    claim_number: r.try_get("claim_number")?,
                    payer_code: r.try_get("payer_code")?,
                    trace: r.try_get("trace")?,
                    line_no: r.try_get("line_no")?,
                    procedure_code: crate::platform::sight::clinical(r.try_get("procedure_code")?),
                    allowed: fmt(r.try_get("allowed_minor")?, cur),
                    paid: fmt(r.try_get("paid_minor")?, cur),
                    patient: fmt(r.try_get("patient_minor")?, cur),
                    short: fmt(r.try_get("short_minor")?, cur),
                })
            })
            .collect()
    }

    pub(in crate::claims) async fn remit_claims(&self, org: &Organisation, filter: &str, key: Option<String>) -> Result<Vec<RemitClaimView>> {
        let cur = Currency::from_code(&org.base_currency).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let sql = format!(
            "SELECT r.remittance_id, r.trace, r.payer_name, r.paid_on, x.their_claim_number, c.claim_number, x.status_code, x.charge_minor, x.paid_minor, \
             x.written_down_minor, x.patient_minor, x.outcome, x.reason, x.adjustments, x.seq, \
             CASE WHEN x.suspense_entry_id IS NULL OR x.outcome <> 'exception' THEN 0 ELSE x.paid_minor END AS held, x.resolution FROM remittance_claim x JOIN remittance r ON r.org_id = x.org_id AND r.remittance_id = x.remittance_id \
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
                    remittance_id: r.try_get("remittance_id")?,
                    trace: r.try_get("trace")?,
                    payer_name: r.try_get("payer_name")?,
                    paid_on: r.try_get("paid_on")?,
                    their_claim_number: r.try_get("their_claim_number")?,
                    claim_number: r.try_get("claim_number")?,
                    status_code: r.try_get("status_code")?,
                    charge: fmt(r.try_get("charge_minor")?, cur),
                    paid: fmt(r.try_get("paid_minor")?, cur),
                    written_down: fmt(r.try_get("written_down_minor")?, cur),
                    patient: fmt(r.try_get("patient_minor")?, cur),
                    outcome: r.try_get("outcome")?,
                    reason: r.try_get("reason")?,
                    adjustments: r.try_get("adjustments")?,
                    seq: r.try_get("seq")?,
                    held: fmt(r.try_get("held")?, cur),
                    resolution: r.try_get("resolution")?,
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
}
