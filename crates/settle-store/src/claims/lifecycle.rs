//! A claim's life by command: saved (scrubbed at once, charged to the payer's
//! receivable when ready), edited, scrubbed again, corrected (frequency 7)
//! or voided (frequency 8), and its status settled from what it owes.

use crate::claims::books::{provider_by_key, Prepared, Version};
use crate::claims::read::ClaimView;
use crate::claims::rows::{add_event, claim_head, claim_head_by_id, diagnosis_text, insert_claim, insert_lines, next_claim, set_status};
use crate::claims::secondary::BillSecondary;
use crate::claims::{bad, facts_of, parse_date, split_list};
use crate::platform::audit::{current_actor, Subject};
use crate::platform::Organisation;
use crate::write::{audited, fmt, write_command, Audited};
use crate::{now_text, Result, Store, StoreError};
use serde::{Deserialize, Serialize};
use settle_domain::claim_facts::{ClaimFacts, LineFacts};
use settle_domain::claims::{ClaimFrequency, ClaimStatus, Finding, FindingLevel};
use settle_domain::money::Currency;
use settle_domain::units::Units;
use settle_domain::Date;
use sqlx::{AnyConnection, Row};

/// A visit as a billing specialist codes it: the patient's account, the
/// payer billed (the primary coverage when left out), the providers, the
/// diagnoses and the service lines.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimInput {
    pub account_number: String,
    /// The payer to bill; the patient's primary coverage on the first date
    /// of service when left out.
    #[serde(default)]
    pub payer_code: Option<String>,
    pub billing_npi: String,
    #[serde(default)]
    pub rendering_npi: Option<String>,
    /// Two digits, such as 11 (office).
    pub place_of_service: String,
    /// ICD-10-CM codes, with or without the dot; the first is the principal.
    pub diagnoses: Vec<String>,
    pub lines: Vec<ClaimLineInput>,
    /// The claim total as another system stated it (CLM02), checked against
    /// the lines; left out, the sum of the lines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stated_total: Option<String>,
    /// What the payer needs beyond codes and charges: authorization and
    /// referral numbers, referring and supervising providers, the service
    /// facility, related causes and the accident, dates, CLIA, a note,
    /// attachments and the patient's consents.
    #[serde(default)]
    pub facts: ClaimFacts,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimLineInput {
    pub date_of_service: Date,
    /// CPT or HCPCS Level II.
    pub procedure_code: String,
    #[serde(default)]
    pub modifiers: Vec<String>,
    /// 1-based pointers into the diagnoses.
    pub diagnosis_pointers: Vec<u8>,
    #[serde(default = "one")]
    pub units: Units,
    /// The line's charge; when left out, the charge master's price times
    /// the units.
    #[serde(default)]
    pub charge: Option<String>,
    #[serde(default)]
    pub place_of_service: Option<String>,
    /// The line's authorization, drug (NDC), anesthesia minutes, ordering,
    /// referring and supervising providers, note and attachments.
    #[serde(default)]
    pub facts: LineFacts,
}

pub(super) fn one() -> Units {
    Units::ONE
}

/// Enter a visit as a new claim. Saved as a draft when asked; otherwise
/// scrubbed at once, and charged if nothing stops it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewClaim {
    #[serde(flatten)]
    pub claim: ClaimInput,
    #[serde(default)]
    pub draft: bool,
}

/// Replace a claim's codes and lines (draft, scrubbed, ready or rejected).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EditClaim {
    pub claim_number: String,
    pub claim: ClaimInput,
    #[serde(default)]
    pub draft: bool,
}

/// Scrub a claim again (after fixing a coverage, a provider, a setting).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScrubClaim {
    pub claim_number: String,
}

/// Start a corrected claim (frequency 7) for one the payer already has.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CorrectClaim {
    pub claim_number: String,
}

/// Void a claim: one the payer has gets a frequency-8 claim to send; one it
/// never had is simply closed. Its charges come off the books.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VoidClaim {
    pub claim_number: String,
    pub reason: String,
}

audited! {
    BillSecondary => "claim.secondary", |c| Subject::Claim(c.claim_number.clone());
    NewClaim => "claim.create", |c| Subject::Account(c.claim.account_number.clone());
    EditClaim => "claim.edit", |c| Subject::Claim(c.claim_number.clone());
    ScrubClaim => "claim.scrub", |c| Subject::Claim(c.claim_number.clone());
    CorrectClaim => "claim.correct", |c| Subject::Claim(c.claim_number.clone());
    VoidClaim => "claim.void", |c| Subject::Claim(c.claim_number.clone());
}

/// A claim just saved: which one, whether as a draft, and how ("entered",
/// "edited", ...) for its history.
pub(super) struct Saved<'a> {
    pub(super) claim_id: i64,
    pub(super) number: &'a str,
    pub(super) draft: bool,
    pub(super) what: &'a str,
}

impl Store {
    pub async fn create_claim(&self, org: &Organisation, cmd: &NewClaim, today: Date, key: Option<&settle_domain::IdempotencyKey>) -> Result<ClaimView> {
        let number = write_command!(self, org.org_id, key, cmd, after = |number| Some(Subject::Claim(String::clone(number))), |tx| {
            let conn = tx.conn();
            let prepared = self.prepare(conn, org, &cmd.claim, today, None, Version::ORIGINAL).await?;
            let (claim_id, number) = next_claim(conn, org.org_id).await?;
            insert_claim(conn, org.org_id, claim_id, &number, &prepared, Version::ORIGINAL, None).await?;
            self.settle_status(
                conn,
                org,
                Saved {
                    claim_id,
                    number: &number,
                    draft: cmd.draft,
                    what: "entered",
                },
                &prepared,
                today,
            )
            .await?;
            number
        })?;
        self.claim(org, &number).await
    }

    /// Replaces a claim's codes and lines; a claim that was charged has its
    /// charges taken off first (refused if money was applied to them).
    pub async fn edit_claim(&self, org: &Organisation, cmd: &EditClaim, today: Date, key: Option<&settle_domain::IdempotencyKey>) -> Result<ClaimView> {
        let number = write_command!(self, org.org_id, key, cmd, after = |number| Some(Subject::Claim(String::clone(number))), |tx| {
            let conn = tx.conn();
            let head = claim_head(conn, org.org_id, &cmd.claim_number, self.for_update()).await?;
            if !head.status.editable() {
                return Err(bad(
                    "claim_number",
                    format!(
                        "claim {} is {}; the payer has it, so change it with a corrected claim (frequency 7) or void it",
                        head.number, head.status
                    ),
                ));
            }
            if head.frequency == ClaimFrequency::Void {
                return Err(bad("claim_number", format!("claim {} is a void; it has no lines to edit", head.number)));
            }
            let prepared = self
                .prepare(
                    conn,
                    org,
                    &cmd.claim,
                    today,
                    Some(head.claim_id),
                    Version {
                        frequency: head.frequency,
                        payer_claim_number: &head.payer_claim_number,
                    },
                )
                .await?;
            if head.charged_entry_id.is_some() {
                self.uncharge(conn, org, &head, today, "edited").await?;
            }
            sqlx::query("DELETE FROM claim_line WHERE org_id = $1 AND claim_id = $2")
                .bind(org.org_id)
                .bind(head.claim_id)
                .execute(&mut *conn)
                .await?;
            sqlx::query(
                "UPDATE claim SET account_id = $3, payer_key = $4, coverage_key = $5, billing_provider_key = $6, rendering_provider_key = $7, \
                 place_of_service = $8, diagnoses = $9, total_minor = $10, updated_at = $11, facts = $12 WHERE org_id = $1 AND claim_id = $2",
            )
            .bind(org.org_id)
            .bind(head.claim_id)
            .bind(prepared.account.account_id)
            .bind(prepared.coverage.payer.payer_key)
            .bind(prepared.coverage.coverage_key)
            .bind(prepared.billing.provider_key)
            .bind(prepared.rendering.as_ref().map(|r| r.provider_key))
            .bind(prepared.place.as_str())
            .bind(diagnosis_text(&prepared.diagnoses))
            .bind(prepared.claim.stated_total.amount_minor())
            .bind(now_text())
            .bind(crate::claims::facts_text(&prepared.claim.facts)?)
            .execute(&mut *conn)
            .await?;
            insert_lines(conn, org.org_id, head.claim_id, &prepared.lines).await?;
            crate::claims::authorizations::keep_uses(conn, org.org_id, head.claim_id, &prepared.uses).await?;
            self.settle_status(
                conn,
                org,
                Saved {
                    claim_id: head.claim_id,
                    number: &head.number,
                    draft: cmd.draft,
                    what: "edited",
                },
                &prepared,
                today,
            )
            .await?;
            head.number
        })?;
        self.claim(org, &number).await
    }

    /// Scrubs a stored claim again.
    pub async fn scrub_claim(&self, org: &Organisation, cmd: &ScrubClaim, today: Date) -> Result<ClaimView> {
        let number = write_command!(
            self,
            org.org_id,
            None::<&settle_domain::IdempotencyKey>,
            cmd,
            after = |number| Some(Subject::Claim(String::clone(number))),
            |tx| {
                let conn = tx.conn();
                let head = claim_head(conn, org.org_id, &cmd.claim_number, self.for_update()).await?;
                if !matches!(head.status, ClaimStatus::Draft | ClaimStatus::Scrubbed | ClaimStatus::Ready) {
                    return Err(bad(
                        "claim_number",
                        format!("claim {} is {}; only a draft, scrubbed or ready claim is scrubbed", head.number, head.status),
                    ));
                }
                let input = self.stored_input(conn, org, head.claim_id).await?;
                let prepared = self
                    .prepare(
                        conn,
                        org,
                        &input,
                        today,
                        Some(head.claim_id),
                        Version {
                            frequency: head.frequency,
                            payer_claim_number: &head.payer_claim_number,
                        },
                    )
                    .await?;
                crate::claims::rows::keep_authorizations(conn, org.org_id, head.claim_id, &prepared).await?;
                self.settle_status(
                    conn,
                    org,
                    Saved {
                        claim_id: head.claim_id,
                        number: &head.number,
                        draft: false,
                        what: "scrubbed again",
                    },
                    &prepared,
                    today,
                )
                .await?;
                head.number
            }
        )?;
        self.claim(org, &number).await
    }

    /// Starts a corrected claim (frequency 7) as a draft copy of one the
    /// payer has; the original is closed when the correction is charged.
    pub async fn correct_claim(&self, org: &Organisation, cmd: &CorrectClaim, today: Date) -> Result<ClaimView> {
        let number = write_command!(
            self,
            org.org_id,
            None::<&settle_domain::IdempotencyKey>,
            cmd,
            after = |number| Some(Subject::Claim(String::clone(number))),
            |tx| {
                let conn = tx.conn();
                let head = claim_head(conn, org.org_id, &cmd.claim_number, self.for_update()).await?;
                if !head.status.with_payer() {
                    return Err(bad(
                        "claim_number",
                        format!("claim {} is {}; the payer does not have it, so edit it instead", head.number, head.status),
                    ));
                }
                let open = sqlx::query("SELECT claim_number FROM claim WHERE org_id = $1 AND replaces_claim_id = $2 AND status <> 'closed'")
                    .bind(org.org_id)
                    .bind(head.claim_id)
                    .fetch_optional(&mut *conn)
                    .await?;
                if let Some(open) = open {
                    return Err(bad(
                        "claim_number",
                        format!(
                            "claim {} already has a correction under way: {}",
                            head.number,
                            open.try_get::<String, _>("claim_number")?
                        ),
                    ));
                }
                let input = self.stored_input(conn, org, head.claim_id).await?;
                let prepared = self
                    .prepare(
                        conn,
                        org,
                        &input,
                        today,
                        Some(head.claim_id),
                        Version {
                            frequency: ClaimFrequency::Replacement,
                            payer_claim_number: &head.payer_claim_number,
                        },
                    )
                    .await?;
                let (claim_id, number) = next_claim(conn, org.org_id).await?;
                insert_claim(
                    conn,
                    org.org_id,
                    claim_id,
                    &number,
                    &prepared,
                    Version {
                        frequency: ClaimFrequency::Replacement,
                        payer_claim_number: &head.payer_claim_number,
                    },
                    Some(head.claim_id),
                )
                .await?;
                add_event(conn, org.org_id, claim_id, ClaimStatus::Draft, &format!("correction of {}", head.number)).await?;
                add_event(conn, org.org_id, head.claim_id, head.status, &format!("correction {number} started")).await?;
                number
            }
        )?;
        self.claim(org, &number).await
    }

    /// Voids a claim. One the payer has gets a frequency-8 claim, ready to
    /// send; either way the original's charges come off and it is closed.
    pub async fn void_claim(&self, org: &Organisation, cmd: &VoidClaim, today: Date) -> Result<ClaimView> {
        let reason = cmd.reason.trim();
        if reason.is_empty() {
            return Err(bad("reason", "say why the claim is voided"));
        }
        let number = write_command!(
            self,
            org.org_id,
            None::<&settle_domain::IdempotencyKey>,
            cmd,
            after = |number| Some(Subject::Claim(String::clone(number))),
            |tx| {
                let conn = tx.conn();
                let head = claim_head(conn, org.org_id, &cmd.claim_number, self.for_update()).await?;
                if head.status == ClaimStatus::Closed {
                    return Err(bad("claim_number", format!("claim {} is already closed", head.number)));
                }
                if head.frequency == ClaimFrequency::Void {
                    return Err(bad("claim_number", format!("claim {} is itself a void", head.number)));
                }
                if head.charged_entry_id.is_some() {
                    self.uncharge(conn, org, &head, today, "voided").await?;
                }
                // A voided visit uses no authorization.
                crate::claims::authorizations::keep_uses(conn, org.org_id, head.claim_id, &[]).await?;
                let shown = if head.status.with_payer() {
                    let input = self.stored_input(conn, org, head.claim_id).await?;
                    let prepared = self
                        .prepare(
                            conn,
                            org,
                            &input,
                            today,
                            Some(head.claim_id),
                            Version {
                                frequency: ClaimFrequency::Void,
                                payer_claim_number: &head.payer_claim_number,
                            },
                        )
                        .await?;
                    let (claim_id, number) = next_claim(conn, org.org_id).await?;
                    insert_claim(
                        conn,
                        org.org_id,
                        claim_id,
                        &number,
                        &prepared,
                        Version {
                            frequency: ClaimFrequency::Void,
                            payer_claim_number: &head.payer_claim_number,
                        },
                        Some(head.claim_id),
                    )
                    .await?;
                    let errors: Vec<&Finding> = prepared
                        .findings
                        .iter()
                        .filter(|f| f.level == FindingLevel::Error && f.rule == "payer_claim_number")
                        .collect();
                    let status = if errors.is_empty() { ClaimStatus::Ready } else { ClaimStatus::Scrubbed };
                    set_status(
                        conn,
                        org.org_id,
                        claim_id,
                        status,
                        &format!("void of {}: {reason}", head.number),
                        &prepared.findings,
                    )
                    .await?;
                    set_status(
                        conn,
                        org.org_id,
                        head.claim_id,
                        ClaimStatus::Closed,
                        &format!("voided by {number}: {reason}"),
                        &[],
                    )
                    .await?;
                    number
                } else {
                    set_status(conn, org.org_id, head.claim_id, ClaimStatus::Closed, &format!("voided: {reason}"), &[]).await?;
                    head.number.clone()
                };
                shown
            }
        )?;
        self.claim(org, &number).await
    }

    /// Decides the status after a save or scrub, and charges a claim that
    /// became ready (closing the claim a correction replaces).
    pub(super) async fn settle_status(&self, conn: &mut AnyConnection, org: &Organisation, saved: Saved<'_>, prepared: &Prepared, today: Date) -> Result<()> {
        let Saved { claim_id, number, draft, what } = saved;
        if draft {
            return set_status(conn, org.org_id, claim_id, ClaimStatus::Draft, &format!("{what} as a draft"), &[]).await;
        }
        let errors = prepared.findings.iter().filter(|f| f.level == FindingLevel::Error).count();
        let warnings = prepared.findings.len() - errors;
        if errors > 0 {
            let note = format!("{what}; {errors} error(s) to fix, {warnings} warning(s)");
            sqlx::query("UPDATE claim SET scrubbed_on = $3 WHERE org_id = $1 AND claim_id = $2")
                .bind(org.org_id)
                .bind(claim_id)
                .bind(today.to_string())
                .execute(&mut *conn)
                .await?;
            return set_status(conn, org.org_id, claim_id, ClaimStatus::Scrubbed, &note, &prepared.findings).await;
        }
        sqlx::query("UPDATE claim SET scrubbed_on = $3 WHERE org_id = $1 AND claim_id = $2")
            .bind(org.org_id)
            .bind(claim_id)
            .bind(today.to_string())
            .execute(&mut *conn)
            .await?;
        let head = claim_head(conn, org.org_id, number, "").await?;
        // A secondary claim bills the patient's share the primary left; it adds no charge.
        if head.charged_entry_id.is_none() && head.frequency != ClaimFrequency::Void && head.primary_claim_id.is_none() {
            if let Some(original) = head.replaces_claim_id {
                let original = claim_head_by_id(conn, org.org_id, original).await?;
                if original.charged_entry_id.is_some() {
                    self.uncharge(conn, org, &original, today, &format!("replaced by {number}")).await?;
                }
                if original.status != ClaimStatus::Closed {
                    set_status(conn, org.org_id, original.claim_id, ClaimStatus::Closed, &format!("replaced by {number}"), &[]).await?;
                }
                sqlx::query(
                    "UPDATE denial SET status = 'corrected', note = $3, updated_by = $4, updated_at = $5 WHERE org_id = $1 AND claim_id = $2 \
                     AND status IN ('open', 'appealed')",
                )
                .bind(org.org_id)
                .bind(original.claim_id)
                .bind(format!("replaced by corrected claim {number}"))
                .bind(current_actor().name)
                .bind(now_text())
                .execute(&mut *conn)
                .await?;
            }
            self.charge(conn, org, &head, prepared, today).await?;
        }
        let note = if warnings > 0 {
            format!("{what}; ready, with {warnings} warning(s) to look at")
        } else {
            format!("{what}; ready to send")
        };
        set_status(conn, org.org_id, claim_id, ClaimStatus::Ready, &note, &prepared.findings).await
    }

    /// A stored claim read back as the input it was entered with.
    pub(super) async fn stored_input(&self, conn: &mut AnyConnection, org: &Organisation, claim_id: i64) -> Result<ClaimInput> {
        let row = sqlx::query(
            "SELECT a.account_number, y.payer_code, c.billing_provider_key, c.rendering_provider_key, c.place_of_service, c.diagnoses, c.currency, c.facts \
             FROM claim c JOIN account a ON a.org_id = c.org_id AND a.account_id = c.account_id \
             JOIN payer y ON y.org_id = c.org_id AND y.payer_key = c.payer_key WHERE c.org_id = $1 AND c.claim_id = $2",
        )
        .bind(org.org_id)
        .bind(claim_id)
        .fetch_one(&mut *conn)
        .await?;
        let billing = provider_by_key(conn, org.org_id, row.try_get("billing_provider_key")?).await?;
        let rendering = match row.try_get::<Option<i64>, _>("rendering_provider_key")? {
            Some(key) => Some(provider_by_key(conn, org.org_id, key).await?.npi),
            None => None,
        };
        let cur = Currency::from_code(&row.try_get::<String, _>("currency")?).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let lines = sqlx::query(
            "SELECT date_of_service, procedure_code, modifiers, diagnosis_pointers, units_thousandths, charge_minor, place_of_service, facts \
             FROM claim_line WHERE org_id = $1 AND claim_id = $2 ORDER BY line_no",
        )
        .bind(org.org_id)
        .bind(claim_id)
        .fetch_all(&mut *conn)
        .await?;
        let lines = lines
            .iter()
            .map(|l| {
                Ok(ClaimLineInput {
                    date_of_service: parse_date(&l.try_get::<String, _>("date_of_service")?)?,
                    procedure_code: l.try_get("procedure_code")?,
                    modifiers: split_list(&l.try_get::<String, _>("modifiers")?),
                    diagnosis_pointers: split_list(&l.try_get::<String, _>("diagnosis_pointers")?)
                        .iter()
                        .filter_map(|p| p.parse().ok())
                        .collect(),
                    units: crate::write::units(l, "units_thousandths")?,
                    charge: Some(fmt(l.try_get("charge_minor")?, cur)),
                    place_of_service: l.try_get("place_of_service")?,
                    facts: facts_of(l)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(ClaimInput {
            account_number: row.try_get("account_number")?,
            payer_code: Some(row.try_get("payer_code")?),
            billing_npi: billing.npi,
            rendering_npi: rendering,
            place_of_service: row.try_get("place_of_service")?,
            diagnoses: split_list(&row.try_get::<String, _>("diagnoses")?),
            lines,
            stated_total: None,
            facts: facts_of(&row)?,
        })
    }
}
