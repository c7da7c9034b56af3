//! Who pays: patients' coverages (primary, secondary, tertiary; one of each
//! priority at a time) and an account's guarantor.

use crate::address::{self, AddressInput, ContactPoint, PostalView};
use crate::batch::Batch;
use crate::claims::payers::{one_of, text};
use crate::names::{read_person, NameParts};
use crate::platform::Organisation;
use crate::write::next_ids;
use crate::{now_text, Result, Store, StoreError};
use serde::{Deserialize, Serialize};
use settle_domain::account::PartyKind;
use settle_domain::Date;
use sqlx::Row;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCoverage {
    /// The patient's account.
    pub account_number: String,
    pub payer_code: String,
    pub member_id: String,
    #[serde(default)]
    pub group_number: String,
    /// The subscriber's name as one line, when the patient is not the
    /// subscriber (read into its parts; or give `subscriber_name_parts`).
    #[serde(default)]
    pub subscriber_name: String,
    /// The subscriber's name by its parts, instead of `subscriber_name`.
    #[serde(default)]
    pub subscriber_name_parts: Option<NameParts>,
    /// self, spouse, child or other.
    pub relationship: String,
    /// primary, secondary or tertiary.
    pub priority: String,
    pub effective_from: Date,
    pub effective_to: Option<Date>,
}

#[derive(Clone, Debug, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct CoverageView {
    pub coverage_key: i64,
    pub payer_code: String,
    pub payer_name: String,
    pub member_id: String,
    pub group_number: String,
    pub subscriber_name: String,
    pub relationship: String,
    pub priority: String,
    pub effective_from: String,
    pub effective_to: Option<String>,
}

/// Who answers for a patient's bill when it is not the patient.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetGuarantor {
    pub account_number: String,
    /// parent, spouse, guardian or other; "self" makes the patient their own guarantor again.
    pub relationship: String,
    /// The guarantor's name as one line (read into its parts), or
    /// `name_parts`.
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub name_parts: Option<NameParts>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub address: Option<AddressInput>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct GuarantorView {
    pub name: String,
    pub relationship: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    /// As one line.
    pub address: Option<String>,
    /// By its fields; none when its old text could not be read.
    pub postal: Option<PostalView>,
}

impl Store {
    /// Adds a coverage to a patient account. Two active coverages of one
    /// priority that overlap in time are refused.
    pub async fn add_coverage(&self, org: &Organisation, cmd: &NewCoverage) -> Result<CoverageView> {
        let member_id = text("member_id", &cmd.member_id, 80, true)?;
        let group_number = text("group_number", &cmd.group_number, 50, false)?;
        let relationship = one_of("relationship", &cmd.relationship, &["self", "spouse", "child", "other"])?;
        let (subscriber_name, subscriber) = if cmd.subscriber_name.trim().is_empty() && cmd.subscriber_name_parts.is_none() {
            if relationship != "self" {
                return Err(StoreError::invalid("subscriber_name", "is required when the patient is not the subscriber"));
            }
            (String::new(), None)
        } else {
            read_person(
                ("subscriber_name", "subscriber_name_parts"),
                PartyKind::Person,
                &cmd.subscriber_name,
                cmd.subscriber_name_parts.as_ref(),
            )?
        };
        let subscriber = &subscriber;
        let priority = one_of("priority", &cmd.priority, &["primary", "secondary", "tertiary"])?;
        if cmd.effective_to.is_some_and(|to| to < cmd.effective_from) {
            return Err(StoreError::invalid("effective_to", "is before effective_from"));
        }
        let (group_number, member_id, priority, relationship, subscriber_name) = (&group_number, &member_id, &priority, &relationship, &subscriber_name);
        self.write(|tx| {
            Box::pin(async move {
                let conn = tx.conn();
                let account = self.account_by_number(conn, org.org_id, &cmd.account_number).await?;
                let payer = sqlx::query("SELECT payer_key, name FROM payer WHERE org_id = $1 AND payer_code = $2")
                    .bind(org.org_id)
                    .bind(cmd.payer_code.trim().to_ascii_uppercase())
                    .fetch_optional(&mut *conn)
                    .await?
                    .ok_or_else(|| StoreError::not_found("payer", cmd.payer_code.trim()))?;
                let payer_key: i64 = payer.try_get("payer_key")?;
                let payer_name: String = payer.try_get("name")?;
                let far_future = "9999-12-31".to_string();
                let overlapping = sqlx::query(
                    "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM coverage WHERE org_id = $1 AND account_id = $2 AND priority = $3 \
                 AND effective_from <= $4 AND COALESCE(effective_to, '9999-12-31') >= $5",
                )
                .bind(org.org_id)
                .bind(account.account_id)
                .bind(priority)
                .bind(cmd.effective_to.map_or(far_future, |d| d.to_string()))
                .bind(cmd.effective_from.to_string())
                .fetch_one(&mut *conn)
                .await?
                .try_get::<i64, _>("n")?;
                if overlapping > 0 {
                    return Err(StoreError::invalid(
                        "priority",
                        format!("account {} already has {priority} coverage in those dates", account.account_number),
                    ));
                }
                let key = next_ids(conn, org.org_id, "coverage", 1).await?;
                sqlx::query(
                    "INSERT INTO coverage (org_id, coverage_key, account_id, payer_key, member_id, group_number, subscriber_name, relationship, priority, \
                 effective_from, effective_to, created_at, subscriber_last, subscriber_first, subscriber_middle, subscriber_suffix) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
                )
                .bind(org.org_id)
                .bind(key)
                .bind(account.account_id)
                .bind(payer_key)
                .bind(member_id)
                .bind(group_number)
                .bind(subscriber_name)
                .bind(relationship)
                .bind(priority)
                .bind(cmd.effective_from.to_string())
                .bind(cmd.effective_to.map(|d| d.to_string()))
                .bind(now_text())
                .bind(subscriber.as_ref().map(|n| n.last.clone()))
                .bind(subscriber.as_ref().map(|n| n.first.clone()))
                .bind(subscriber.as_ref().map(|n| n.middle.clone()))
                .bind(subscriber.as_ref().map(|n| n.suffix.clone()))
                .execute(&mut *conn)
                .await?;
                let view = CoverageView {
                    coverage_key: key,
                    payer_code: cmd.payer_code.trim().to_ascii_uppercase(),
                    payer_name,
                    member_id: member_id.clone(),
                    group_number: group_number.clone(),
                    subscriber_name: subscriber_name.clone(),
                    relationship: relationship.clone(),
                    priority: priority.clone(),
                    effective_from: cmd.effective_from.to_string(),
                    effective_to: cmd.effective_to.map(|d| d.to_string()),
                };
                let after = serde_json::to_value(&view)?;
                let record = format!("account:{}", account.account_number);
                tx.audit(org.org_id, "coverage.add", &record, None, Some(&after)).await?;
                Ok(view)
            })
        })
        .await
    }

    /// A patient account's coverages, primary first.
    pub async fn coverages(&self, org: &Organisation, account_number: &str) -> Result<Vec<CoverageView>> {
        self.note_read(org.org_id, "coverage.read", &format!("account:{}", account_number.trim().to_ascii_uppercase()))
            .await?;
        let rows = sqlx::query(
            "SELECT c.coverage_key, y.payer_code, y.name, c.member_id, c.group_number, c.subscriber_name, c.relationship, c.priority, \
             c.effective_from, c.effective_to FROM coverage c \
             JOIN account a ON a.org_id = c.org_id AND a.account_id = c.account_id \
             JOIN payer y ON y.org_id = c.org_id AND y.payer_key = c.payer_key \
             WHERE c.org_id = $1 AND a.account_number = $2 \
             ORDER BY CASE c.priority WHEN 'primary' THEN 1 WHEN 'secondary' THEN 2 ELSE 3 END, c.effective_from",
        )
        .bind(org.org_id)
        .bind(account_number.trim().to_ascii_uppercase())
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(CoverageView {
                    coverage_key: r.try_get("coverage_key")?,
                    payer_code: r.try_get("payer_code")?,
                    payer_name: r.try_get("name")?,
                    member_id: r.try_get("member_id")?,
                    group_number: r.try_get("group_number")?,
                    subscriber_name: r.try_get("subscriber_name")?,
                    relationship: r.try_get("relationship")?,
                    priority: r.try_get("priority")?,
                    effective_from: r.try_get("effective_from")?,
                    effective_to: r.try_get("effective_to")?,
                })
            })
            .collect()
    }

    /// Sets (or, with "self", clears) a patient account's guarantor.
    pub async fn set_guarantor(&self, org: &Organisation, cmd: &SetGuarantor) -> Result<Option<GuarantorView>> {
        use settle_domain::account::ContactKind;
        let relationship = one_of("relationship", &cmd.relationship, &["self", "parent", "spouse", "guardian", "other"])?;
        let relationship = &relationship;
        self.write(|tx| {
            Box::pin(async move {
                let conn = tx.conn();
                let account = self.account_by_number(conn, org.org_id, &cmd.account_number).await?;
                let before = self.guarantor_in(conn, org.org_id, account.account_id).await?;
                let view = if relationship == "self" {
                    sqlx::query("UPDATE account SET guarantor_party_id = NULL, guarantor_relationship = '' WHERE org_id = $1 AND account_id = $2")
                        .bind(org.org_id)
                        .bind(account.account_id)
                        .execute(&mut *conn)
                        .await?;
                    None
                } else {
                    let (name, parts) = read_person(("name", "name_parts"), PartyKind::Person, &cmd.name, cmd.name_parts.as_ref())?;
                    let mut contacts = Vec::new();
                    for (kind, value, field) in [
                        (ContactKind::Phone, cmd.phone.clone().map(AddressInput::from), "phone"),
                        (ContactKind::Email, cmd.email.clone().map(AddressInput::from), "email"),
                        (ContactKind::Address, cmd.address.clone(), "address"),
                    ] {
                        if let Some(value) = value.filter(|v| !v.is_blank()) {
                            contacts.push(ContactPoint::read(kind, &value, field)?);
                        }
                    }
                    let party_id = next_ids(conn, org.org_id, "party", 1).await?;
                    let now = now_text();
                    sqlx::query(
                        "INSERT INTO party (org_id, party_id, kind, name, date_of_birth, created_at, sex, last_name, first_name, middle_name, name_suffix) \
                         VALUES ($1, $2, 'person', $3, NULL, $4, 'U', $5, $6, $7, $8)",
                    )
                    .bind(org.org_id)
                    .bind(party_id)
                    .bind(&name)
                    .bind(&now)
                    .bind(parts.as_ref().map(|n| n.last.clone()))
                    .bind(parts.as_ref().map(|n| n.first.clone()))
                    .bind(parts.as_ref().map(|n| n.middle.clone()))
                    .bind(parts.as_ref().map(|n| n.suffix.clone()))
                    .execute(&mut *conn)
                    .await?;
                    let mut batch = Batch::default();
                    for point in &contacts {
                        let contact_id = next_ids(conn, org.org_id, "contact", 1).await?;
                        batch.push(point.row(org.org_id, contact_id, party_id, now[..10].into()));
                    }
                    batch.flush(conn, org.org_id).await?;
                    sqlx::query("UPDATE account SET guarantor_party_id = $3, guarantor_relationship = $4 WHERE org_id = $1 AND account_id = $2")
                        .bind(org.org_id)
                        .bind(account.account_id)
                        .bind(party_id)
                        .bind(relationship)
                        .execute(&mut *conn)
                        .await?;
                    self.guarantor_in(conn, org.org_id, account.account_id).await?
                };
                tx.audit(
                    org.org_id,
                    "account.guarantor",
                    &format!("account:{}", account.account_number),
                    Some(&serde_json::to_value(&before)?),
                    Some(&serde_json::to_value(&view)?),
                )
                .await?;
                Ok(view)
            })
        })
        .await
    }

    /// A patient account's guarantor, if someone else answers for the bill.
    pub async fn guarantor(&self, org: &Organisation, account_number: &str) -> Result<Option<GuarantorView>> {
        self.note_read(org.org_id, "guarantor.read", &format!("account:{}", account_number.trim().to_ascii_uppercase()))
            .await?;
        let mut conn = self.pool().acquire().await?;
        let row = sqlx::query("SELECT account_id FROM account WHERE org_id = $1 AND account_number = $2")
            .bind(org.org_id)
            .bind(account_number.trim().to_ascii_uppercase())
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| StoreError::not_found("account", account_number.trim()))?;
        self.guarantor_in(&mut conn, org.org_id, row.try_get("account_id")?).await
    }

    pub(super) async fn guarantor_in(&self, conn: &mut sqlx::AnyConnection, org_id: i64, account_id: i64) -> Result<Option<GuarantorView>> {
        let row = sqlx::query(
            "SELECT p.name, a.guarantor_relationship, p.party_id FROM account a JOIN party p ON p.org_id = a.org_id AND p.party_id = a.guarantor_party_id \
             WHERE a.org_id = $1 AND a.account_id = $2",
        )
        .bind(org_id)
        .bind(account_id)
        .fetch_optional(&mut *conn)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let party_id: i64 = row.try_get("party_id")?;
        let contacts = sqlx::query(&format!(
            "SELECT kind, value, {} FROM party_contact WHERE org_id = $1 AND party_id = $2 AND valid_to IS NULL ORDER BY contact_id",
            address::COLUMNS
        ))
        .bind(org_id)
        .bind(party_id)
        .fetch_all(&mut *conn)
        .await?;
        let find = |kind: &str| -> Option<String> {
            contacts
                .iter()
                .filter(|c| c.try_get::<String, _>("kind").is_ok_and(|k| k == kind))
                .filter_map(|c| c.try_get::<String, _>("value").ok())
                .next_back()
        };
        Ok(Some(GuarantorView {
            name: row.try_get("name")?,
            relationship: row.try_get("guarantor_relationship")?,
            phone: find("phone"),
            email: find("email"),
            address: find("address"),
            postal: contacts
                .iter()
                .rfind(|c| c.try_get::<String, _>("kind").is_ok_and(|k| k == "address"))
                .map(|c| address::postal_from(c, ""))
                .transpose()?
                .flatten()
                .as_ref()
                .map(PostalView::from),
        }))
    }
}
