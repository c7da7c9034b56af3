//! Secondary claims: what the primary left, billed to the next payer; the
//! list of claims whose secondary is due.

use crate::claims::bad;
use crate::claims::books::{coverages_of, Version};
use crate::claims::lifecycle::Saved;
use crate::claims::read::ClaimView;
use crate::claims::rows::{add_event, claim_head, insert_claim, next_claim};
use crate::platform::audit::Subject;
use crate::platform::Organisation;
use crate::write::{fmt, write_command};
use crate::{Result, Store, StoreError};
use serde::{Deserialize, Serialize};
use settle_domain::claims::ClaimStatus;
use settle_domain::money::Currency;
use settle_domain::Date;
use sqlx::Row;

/// Bill a paid claim's secondary payer: a claim to the account's secondary
/// coverage carrying the primary's adjudication, for the share the primary
/// left to the patient.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BillSecondary {
    /// The primary claim.
    pub claim_number: String,
}

/// A paid claim whose patient share the account's secondary coverage should see.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct SecondaryDue {
    pub claim_number: String,
    pub account_number: String,
    pub patient_name: String,
    pub primary_payer: String,
    pub secondary_payer: String,
    /// What the primary left to the patient, still unpaid.
    pub patient_share: String,
}

impl Store {
    /// Enters a visit as a claim.
    /// Starts the secondary claim for a paid primary: same visit, billed to
    /// the secondary coverage, with the primary's answer in loops 2320 and
    /// 2430 when it is sent. It adds no charge: what the secondary pays is
    /// applied to the patient's share of the primary.
    pub async fn bill_secondary(&self, org: &Organisation, cmd: &BillSecondary, today: Date) -> Result<ClaimView> {
        let number = write_command!(
            self,
            org.org_id,
            None::<&settle_domain::IdempotencyKey>,
            cmd,
            after = |number| Some(Subject::Claim(String::clone(number))),
            |tx| {
                let conn = tx.conn();
                let head = claim_head(conn, org.org_id, &cmd.claim_number, self.for_update()).await?;
                if head.primary_claim_id.is_some() {
                    return Err(bad("claim_number", format!("claim {} is itself a secondary claim", head.number)));
                }
                if !matches!(head.status, ClaimStatus::Paid | ClaimStatus::PartiallyPaid) {
                    return Err(bad(
                        "claim_number",
                        format!("claim {} is {}; the secondary is billed once the primary has paid", head.number, head.status),
                    ));
                }
                let live = sqlx::query("SELECT claim_number FROM claim WHERE org_id = $1 AND primary_claim_id = $2 AND status <> 'closed'")
                    .bind(org.org_id)
                    .bind(head.claim_id)
                    .fetch_optional(&mut *conn)
                    .await?;
                if let Some(live) = live {
                    return Err(bad(
                        "claim_number",
                        format!(
                            "claim {} already has a secondary claim: {}",
                            head.number,
                            live.try_get::<String, _>("claim_number")?
                        ),
                    ));
                }
                let share: i64 = sqlx::query(
                    "SELECT CAST(COALESCE(SUM(o.balance_minor), 0) AS BIGINT) AS balance_minor FROM open_item o WHERE o.org_id = $1 AND o.reference LIKE $2 AND o.kind = 'patient_share'",
                )
                .bind(org.org_id)
                .bind(format!("{}-PR-%", head.number))
                .fetch_one(&mut *conn)
                .await?
                .try_get("balance_minor")?;
                if share <= 0 {
                    return Err(bad(
                        "claim_number",
                        format!(
                            "the primary left nothing unpaid to the patient on claim {}; there is nothing for a secondary to pay",
                            head.number
                        ),
                    ));
                }
                let mut input = self.stored_input(conn, org, head.claim_id).await?;
                let account = self.account_by_number(conn, org.org_id, &input.account_number).await?;
                let first_date = input.lines.iter().map(|l| l.date_of_service).min().unwrap_or(today);
                let secondary = coverages_of(conn, org.org_id, account.account_id)
                    .await?
                    .into_iter()
                    .filter(|c| c.priority == "secondary")
                    .min_by_key(|c| !c.covers(first_date))
                    .ok_or_else(|| {
                        bad(
                            "claim_number",
                            format!("account {} has no secondary coverage; add it first", input.account_number),
                        )
                    })?;
                input.payer_code = Some(secondary.payer.code.clone());
                let prepared = self.prepare(conn, org, &input, today, None, Version::ORIGINAL).await?;
                let (claim_id, number) = next_claim(conn, org.org_id).await?;
                insert_claim(conn, org.org_id, claim_id, &number, &prepared, Version::ORIGINAL, None).await?;
                sqlx::query("UPDATE claim SET primary_claim_id = $3 WHERE org_id = $1 AND claim_id = $2")
                    .bind(org.org_id)
                    .bind(claim_id)
                    .bind(head.claim_id)
                    .execute(&mut *conn)
                    .await?;
                add_event(
                    conn,
                    org.org_id,
                    head.claim_id,
                    head.status,
                    &format!("secondary claim {number} to {} started", secondary.payer.name),
                )
                .await?;
                self.settle_status(
                    conn,
                    org,
                    Saved {
                        claim_id,
                        number: &number,
                        draft: false,
                        what: &format!("secondary to {} after {}", secondary.payer.name, head.number),
                    },
                    &prepared,
                    today,
                )
                .await?;
                number
            }
        )?;
        self.claim(org, &number).await
    }

    /// Paid claims whose patient share a secondary coverage should see first:
    /// the account has a secondary payer and no secondary claim exists yet.
    pub async fn secondaries_due(&self, org: &Organisation) -> Result<Vec<SecondaryDue>> {
        self.note_read(org.org_id, "claim.list", "secondaries").await?;
        let cur = Currency::from_code(&org.base_currency).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let rows = sqlx::query(
            "SELECT c.claim_number, a.account_number, p.name AS patient_name, y.name AS primary_payer, \
             (SELECT MIN(z.name) FROM coverage v JOIN payer z ON z.org_id = v.org_id AND z.payer_key = v.payer_key \
              WHERE v.org_id = c.org_id AND v.account_id = c.account_id AND v.priority = 'secondary') AS secondary_payer, \
             CAST((SELECT COALESCE(SUM(o.balance_minor), 0) FROM open_item o WHERE o.org_id = c.org_id AND o.account_id = c.account_id \
              AND o.kind = 'patient_share' AND o.reference LIKE c.claim_number || '-PR-%') AS BIGINT) AS share \
             FROM claim c JOIN account a ON a.org_id = c.org_id AND a.account_id = c.account_id \
             JOIN party p ON p.org_id = a.org_id AND p.party_id = a.party_id JOIN payer y ON y.org_id = c.org_id AND y.payer_key = c.payer_key \
             WHERE c.org_id = $1 AND c.status IN ('paid', 'partially_paid') AND c.primary_claim_id IS NULL \
             AND EXISTS (SELECT 1 FROM coverage v WHERE v.org_id = c.org_id AND v.account_id = c.account_id AND v.priority = 'secondary') \
             AND NOT EXISTS (SELECT 1 FROM claim s WHERE s.org_id = c.org_id AND s.primary_claim_id = c.claim_id AND s.status <> 'closed') \
             ORDER BY c.claim_id LIMIT 500",
        )
        .bind(org.org_id)
        .fetch_all(self.pool())
        .await?;
        let mut out = Vec::new();
        for r in &rows {
            let share: i64 = r.try_get("share")?;
            if share <= 0 {
                continue;
            }
            out.push(SecondaryDue {
                claim_number: r.try_get("claim_number")?,
                account_number: r.try_get("account_number")?,
                patient_name: r.try_get("patient_name")?,
                primary_payer: r.try_get("primary_payer")?,
                secondary_payer: r.try_get::<Option<String>, _>("secondary_payer")?.unwrap_or_default(),
                patient_share: fmt(share, cur),
            });
        }
        Ok(out)
    }
}
