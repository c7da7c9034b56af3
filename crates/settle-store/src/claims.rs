//! Payers, providers and coverages: the parties of a medical claim.
//!
//! Each write is one transaction with its audit row; each value is checked
//! by the domain's types (an NPI's check digit, a filing indicator) before
//! anything is written.

use serde::{Deserialize, Serialize};
use settle_domain::claims::ClaimFilingIndicator;
use settle_domain::codes::Npi;
use settle_domain::Date;
use sqlx::Row;

use crate::address::{self, AddressInput, ContactPoint, PostalView};
use crate::audit;
use crate::batch::{self, Batch};
use crate::ops::{next_ids, Organisation};
use crate::{now_text, Result, Store, StoreError};
use settle_domain::address::PostalAddress;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPayer {
    /// The payer's id for electronic claims (NM109 of loop 2010BB).
    pub payer_code: String,
    pub name: String,
    /// MB, MC, HM, CI or BL.
    pub filing_indicator: String,
    /// Days after the date of service within which claims are accepted.
    pub timely_filing_days: u32,
    /// Days after a denial within which it may be appealed; 180 if absent
    /// (Medicare's redetermination window is 120).
    #[serde(default)]
    pub appeal_days: Option<u32>,
    /// The payer's claims address: fields, or one line of text; none if absent.
    #[serde(default)]
    pub address: AddressInput,
}

#[derive(Clone, Debug, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct PayerView {
    pub payer_code: String,
    pub name: String,
    pub filing_indicator: String,
    pub timely_filing_days: i64,
    pub appeal_days: i64,
    /// As one line ("" for none).
    pub address: String,
    /// By its fields; none when there is no address or its old text could
    /// not be read (`settle account unread-addresses` lists those).
    pub postal: Option<PostalView>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProvider {
    /// Ten digits with a valid check digit.
    pub npi: String,
    pub name: String,
    /// "person" (a rendering clinician) or "organisation" (a billing entity).
    pub kind: String,
    /// The NUCC taxonomy code, such as 207Q00000X.
    #[serde(default)]
    pub taxonomy: String,
    /// EIN or SSN, 9 digits (billing providers).
    #[serde(default)]
    pub tax_id: String,
    /// The provider's address (a billing provider's 837P needs one with a
    /// ZIP+4): fields, or one line of text; none if absent.
    #[serde(default)]
    pub address: AddressInput,
}

#[derive(Clone, Debug, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct ProviderView {
    pub npi: String,
    pub name: String,
    pub kind: String,
    pub taxonomy: String,
    pub tax_id: String,
    /// As one line ("" for none).
    pub address: String,
    /// By its fields; none when there is no address or its old text could
    /// not be read.
    pub postal: Option<PostalView>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCoverage {
    /// The patient's account.
    pub account_number: String,
    pub payer_code: String,
    pub member_id: String,
    #[serde(default)]
    pub group_number: String,
    /// The subscriber's name, when the patient is not the subscriber.
    #[serde(default)]
    pub subscriber_name: String,
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

fn text(field: &'static str, value: &str, max: usize, required: bool) -> Result<String> {
    let value = value.trim();
    if required && value.is_empty() {
        return Err(StoreError::invalid(field, "is required"));
    }
    if value.chars().count() > max || value.chars().any(char::is_control) {
        return Err(StoreError::invalid(
            field,
            format!("must be at most {max} characters with no control characters"),
        ));
    }
    Ok(value.to_string())
}

fn one_of(field: &'static str, value: &str, allowed: &[&str]) -> Result<String> {
    let value = value.trim().to_ascii_lowercase();
    if allowed.contains(&value.as_str()) {
        Ok(value)
    } else {
        Err(StoreError::invalid(field, format!("{value:?} is not one of {}", allowed.join(", "))))
    }
}

impl Store {
    pub async fn add_payer(&self, org: &Organisation, cmd: &NewPayer) -> Result<PayerView> {
        let code = text("payer_code", &cmd.payer_code, 80, true)?.to_ascii_uppercase();
        let name = text("name", &cmd.name, 60, true)?;
        let filing = ClaimFilingIndicator::parse(&cmd.filing_indicator)
            .ok_or_else(|| StoreError::invalid("filing_indicator", format!("{:?} is not one of MB, MC, HM, CI, BL", cmd.filing_indicator)))?;
        if !(1..=3650).contains(&cmd.timely_filing_days) {
            return Err(StoreError::invalid("timely_filing_days", "must be 1 to 3650 days"));
        }
        let appeal_days = cmd.appeal_days.unwrap_or(180);
        if !(1..=3650).contains(&appeal_days) {
            return Err(StoreError::invalid("appeal_days", "must be 1 to 3650 days"));
        }
        let postal = AddressInput::read_optional(Some(&cmd.address), "address")?;
        let address = postal.as_ref().map(PostalAddress::one_line).unwrap_or_default();
        let mut tx = self.begin_write().await?;
        let conn = tx.conn();
        let key = next_ids(conn, org.org_id, "payer", 1).await?;
        let sql = format!(
            "INSERT INTO payer (org_id, payer_key, payer_code, name, filing_indicator, timely_filing_days, address, created_at, appeal_days, {}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
            address::COLUMNS
        );
        let query = sqlx::query(&sql);
        let query = query
            .bind(org.org_id)
            .bind(key)
            .bind(&code)
            .bind(&name)
            .bind(filing.code())
            .bind(i64::from(cmd.timely_filing_days))
            .bind(&address)
            .bind(now_text())
            .bind(i64::from(appeal_days));
        address::bind_fields(query, postal.as_ref())
            .execute(&mut *conn)
            .await
            .map_err(|e| match StoreError::from(e) {
                StoreError::Conflict { .. } => StoreError::invalid("payer_code", format!("a payer {code} already exists")),
                other => other,
            })?;
        let view = PayerView {
            payer_code: code,
            name,
            filing_indicator: filing.code().into(),
            timely_filing_days: i64::from(cmd.timely_filing_days),
            appeal_days: i64::from(appeal_days),
            address,
            postal: postal.as_ref().map(PostalView::from),
        };
        let after = serde_json::to_value(&view)?;
        audit::append(
            conn,
            self.for_update(),
            org.org_id,
            "payer.add",
            &format!("payer:{}", view.payer_code),
            None,
            Some(&after),
        )
        .await?;
        tx.commit().await?;
        Ok(view)
    }

    pub async fn payers(&self, org: &Organisation) -> Result<Vec<PayerView>> {
        let rows = sqlx::query(&format!(
            "SELECT payer_code, name, filing_indicator, timely_filing_days, address, appeal_days, {} FROM payer WHERE org_id = $1 ORDER BY payer_code",
            address::COLUMNS
        ))
        .bind(org.org_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(PayerView {
                    payer_code: r.try_get(0)?,
                    name: r.try_get(1)?,
                    filing_indicator: r.try_get(2)?,
                    timely_filing_days: r.try_get(3)?,
                    appeal_days: r.try_get(5)?,
                    address: r.try_get(4)?,
                    postal: address::postal_from(r, 6)?.as_ref().map(PostalView::from),
                })
            })
            .collect()
    }

    pub async fn add_provider(&self, org: &Organisation, cmd: &NewProvider) -> Result<ProviderView> {
        let npi = Npi::parse(&cmd.npi).map_err(|e| StoreError::invalid("npi", e))?;
        let name = text("name", &cmd.name, 60, true)?;
        let kind = one_of("kind", &cmd.kind, &["person", "organisation"])?;
        let taxonomy = text("taxonomy", &cmd.taxonomy, 10, false)?.to_ascii_uppercase();
        if !taxonomy.is_empty() && (taxonomy.len() != 10 || !taxonomy.bytes().all(|b| b.is_ascii_alphanumeric())) {
            return Err(StoreError::invalid(
                "taxonomy",
                "a NUCC taxonomy code is 10 letters and digits, such as 207Q00000X",
            ));
        }
        let tax_id: String = cmd.tax_id.chars().filter(|c| *c != '-').collect();
        if !tax_id.is_empty() && (tax_id.len() != 9 || !tax_id.bytes().all(|b| b.is_ascii_digit())) {
            return Err(StoreError::invalid("tax_id", "an EIN or SSN is 9 digits"));
        }
        let postal = AddressInput::read_optional(Some(&cmd.address), "address")?;
        let address = postal.as_ref().map(PostalAddress::one_line).unwrap_or_default();
        let mut tx = self.begin_write().await?;
        let conn = tx.conn();
        let key = next_ids(conn, org.org_id, "provider", 1).await?;
        let sql = format!(
            "INSERT INTO provider (org_id, provider_key, npi, name, kind, taxonomy, tax_id, address, created_at, {}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
            address::COLUMNS
        );
        let query = sqlx::query(&sql);
        let query = query
            .bind(org.org_id)
            .bind(key)
            .bind(npi.as_str())
            .bind(&name)
            .bind(&kind)
            .bind(&taxonomy)
            .bind(&tax_id)
            .bind(&address)
            .bind(now_text());
        address::bind_fields(query, postal.as_ref())
            .execute(&mut *conn)
            .await
            .map_err(|e| match StoreError::from(e) {
                StoreError::Conflict { .. } => StoreError::invalid("npi", format!("a provider with NPI {} already exists", npi.as_str())),
                other => other,
            })?;
        let view = ProviderView {
            npi: npi.as_str().to_string(),
            name,
            kind,
            taxonomy,
            tax_id,
            address,
            postal: postal.as_ref().map(PostalView::from),
        };
        let after = serde_json::to_value(&view)?;
        audit::append(
            conn,
            self.for_update(),
            org.org_id,
            "provider.add",
            &format!("provider:{}", view.npi),
            None,
            Some(&after),
        )
        .await?;
        tx.commit().await?;
        Ok(view)
    }

    pub async fn providers(&self, org: &Organisation) -> Result<Vec<ProviderView>> {
        let rows = sqlx::query(&format!(
            "SELECT npi, name, kind, taxonomy, tax_id, address, {} FROM provider WHERE org_id = $1 ORDER BY name, npi",
            address::COLUMNS
        ))
        .bind(org.org_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ProviderView {
                    npi: r.try_get(0)?,
                    name: r.try_get(1)?,
                    kind: r.try_get(2)?,
                    taxonomy: r.try_get(3)?,
                    tax_id: r.try_get(4)?,
                    address: r.try_get(5)?,
                    postal: address::postal_from(r, 6)?.as_ref().map(PostalView::from),
                })
            })
            .collect()
    }

    /// Adds a coverage to a patient account. Two active coverages of one
    /// priority that overlap in time are refused.
    pub async fn add_coverage(&self, org: &Organisation, cmd: &NewCoverage) -> Result<CoverageView> {
        let member_id = text("member_id", &cmd.member_id, 80, true)?;
        let group_number = text("group_number", &cmd.group_number, 50, false)?;
        let subscriber_name = text("subscriber_name", &cmd.subscriber_name, 60, false)?;
        let relationship = one_of("relationship", &cmd.relationship, &["self", "spouse", "child", "other"])?;
        if relationship != "self" && subscriber_name.is_empty() {
            return Err(StoreError::invalid("subscriber_name", "is required when the patient is not the subscriber"));
        }
        let priority = one_of("priority", &cmd.priority, &["primary", "secondary", "tertiary"])?;
        if cmd.effective_to.is_some_and(|to| to < cmd.effective_from) {
            return Err(StoreError::invalid("effective_to", "is before effective_from"));
        }
        let mut tx = self.begin_write().await?;
        let conn = tx.conn();
        let account = self.account_by_number(conn, org.org_id, &cmd.account_number).await?;
        let payer = sqlx::query("SELECT payer_key, name FROM payer WHERE org_id = $1 AND payer_code = $2")
            .bind(org.org_id)
            .bind(cmd.payer_code.trim().to_ascii_uppercase())
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| StoreError::not_found("payer", cmd.payer_code.trim()))?;
        let payer_key: i64 = payer.try_get(0)?;
        let payer_name: String = payer.try_get(1)?;
        let far_future = "9999-12-31".to_string();
        let overlapping = sqlx::query(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM coverage WHERE org_id = $1 AND account_id = $2 AND priority = $3 \
             AND effective_from <= $4 AND COALESCE(effective_to, '9999-12-31') >= $5",
        )
        .bind(org.org_id)
        .bind(account.account_id)
        .bind(&priority)
        .bind(cmd.effective_to.map_or(far_future, |d| d.to_string()))
        .bind(cmd.effective_from.to_string())
        .fetch_one(&mut *conn)
        .await?
        .try_get::<i64, _>(0)?;
        if overlapping > 0 {
            return Err(StoreError::invalid(
                "priority",
                format!("account {} already has {priority} coverage in those dates", account.account_number),
            ));
        }
        let key = next_ids(conn, org.org_id, "coverage", 1).await?;
        sqlx::query(
            "INSERT INTO coverage (org_id, coverage_key, account_id, payer_key, member_id, group_number, subscriber_name, relationship, priority, \
             effective_from, effective_to, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(org.org_id)
        .bind(key)
        .bind(account.account_id)
        .bind(payer_key)
        .bind(&member_id)
        .bind(&group_number)
        .bind(&subscriber_name)
        .bind(&relationship)
        .bind(&priority)
        .bind(cmd.effective_from.to_string())
        .bind(cmd.effective_to.map(|d| d.to_string()))
        .bind(now_text())
        .execute(&mut *conn)
        .await?;
        let view = CoverageView {
            coverage_key: key,
            payer_code: cmd.payer_code.trim().to_ascii_uppercase(),
            payer_name,
            member_id,
            group_number,
            subscriber_name,
            relationship,
            priority,
            effective_from: cmd.effective_from.to_string(),
            effective_to: cmd.effective_to.map(|d| d.to_string()),
        };
        let after = serde_json::to_value(&view)?;
        let record = format!("account:{}", account.account_number);
        audit::append(conn, self.for_update(), org.org_id, "coverage.add", &record, None, Some(&after)).await?;
        tx.commit().await?;
        Ok(view)
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
                    coverage_key: r.try_get(0)?,
                    payer_code: r.try_get(1)?,
                    payer_name: r.try_get(2)?,
                    member_id: r.try_get(3)?,
                    group_number: r.try_get(4)?,
                    subscriber_name: r.try_get(5)?,
                    relationship: r.try_get(6)?,
                    priority: r.try_get(7)?,
                    effective_from: r.try_get(8)?,
                    effective_to: r.try_get(9)?,
                })
            })
            .collect()
    }
}

/// The practice's own prices, as opposed to a payer's allowed amounts.
pub const CHARGE_MASTER: &str = "charge-master";

/// One price in a fee schedule.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct FeeEntry {
    pub procedure_code: String,
    /// "" for none.
    pub modifier: String,
    pub effective_from: Date,
    /// A decimal amount in the organisation's currency.
    pub amount: String,
}

/// "charge-master", or a payer's code in capitals.
fn schedule_name(schedule: &str) -> String {
    let schedule = schedule.trim().to_ascii_uppercase();
    if schedule == CHARGE_MASTER.to_ascii_uppercase() {
        CHARGE_MASTER.to_string()
    } else {
        schedule
    }
}

/// procedure_code, modifier, effective_from, currency, amount_minor.
fn fee_from_row(r: &sqlx::any::AnyRow) -> Result<FeeEntry> {
    let currency = settle_domain::money::Currency::from_code(&r.try_get::<String, _>(3)?).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    Ok(FeeEntry {
        procedure_code: r.try_get(0)?,
        modifier: r.try_get(1)?,
        effective_from: crate::ops::parse_date(&r.try_get::<String, _>(2)?)?,
        amount: settle_domain::money::Money::from_minor(r.try_get(4)?, currency).to_decimal_string(),
    })
}

impl Store {
    /// Loads prices into a schedule (the charge master, or a payer's code),
    /// all or nothing; a price for the same code, modifier and date is
    /// replaced. Returns how many were loaded.
    pub async fn import_fee_schedule(&self, org: &Organisation, schedule: &str, entries: &[FeeEntry]) -> Result<usize> {
        use settle_domain::codes::{Modifier, ProcedureCode};
        let currency = settle_domain::money::Currency::from_code(&org.base_currency).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let schedule = schedule_name(schedule);
        let mut rows = Vec::with_capacity(entries.len());
        for (i, entry) in entries.iter().enumerate() {
            let code = ProcedureCode::parse(&entry.procedure_code).map_err(|e| StoreError::invalid("procedure_code", format!("entry {}: {e}", i + 1)))?;
            let modifier = if entry.modifier.trim().is_empty() {
                String::new()
            } else {
                Modifier::parse(&entry.modifier)
                    .map_err(|e| StoreError::invalid("modifier", format!("entry {}: {e}", i + 1)))?
                    .as_str()
                    .to_string()
            };
            let amount = crate::ops::parse_amount("amount", &entry.amount, currency)?;
            if amount.amount_minor() <= 0 {
                return Err(StoreError::invalid(
                    "amount",
                    format!("entry {}: {:?} must be greater than zero", i + 1, entry.amount),
                ));
            }
            rows.push((code.as_str().to_string(), modifier, entry.effective_from.to_string(), amount.amount_minor()));
        }
        let mut tx = self.begin_write().await?;
        let conn = tx.conn();
        if schedule != CHARGE_MASTER {
            let known = sqlx::query("SELECT 1 FROM payer WHERE org_id = $1 AND payer_code = $2")
                .bind(org.org_id)
                .bind(&schedule)
                .fetch_optional(&mut *conn)
                .await?;
            if known.is_none() {
                return Err(StoreError::not_found("payer", &schedule));
            }
        }
        let now = now_text();
        for (code, modifier, from, amount_minor) in &rows {
            sqlx::query(
                "INSERT INTO fee_schedule_entry (org_id, schedule, procedure_code, modifier, effective_from, currency, amount_minor, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                 ON CONFLICT (org_id, schedule, procedure_code, modifier, effective_from) DO UPDATE SET amount_minor = excluded.amount_minor",
            )
            .bind(org.org_id)
            .bind(&schedule)
            .bind(code)
            .bind(modifier)
            .bind(from)
            .bind(currency.code())
            .bind(*amount_minor)
            .bind(&now)
            .execute(&mut *conn)
            .await?;
        }
        let after = serde_json::json!({ "entries": rows.len() });
        audit::append(
            conn,
            self.for_update(),
            org.org_id,
            "fees.import",
            &format!("fee_schedule:{schedule}"),
            None,
            Some(&after),
        )
        .await?;
        tx.commit().await?;
        Ok(rows.len())
    }

    /// A schedule's prices, by code and modifier, newest first within each.
    pub async fn fee_schedule(&self, org: &Organisation, schedule: &str) -> Result<Vec<FeeEntry>> {
        let schedule = schedule_name(schedule);
        let rows = sqlx::query(
            "SELECT procedure_code, modifier, effective_from, currency, amount_minor FROM fee_schedule_entry \
             WHERE org_id = $1 AND schedule = $2 ORDER BY procedure_code, modifier, effective_from DESC",
        )
        .bind(org.org_id)
        .bind(&schedule)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(fee_from_row).collect()
    }

    /// The price in effect on `date` for a code (and modifier, falling back
    /// to the code without one), or `None`.
    pub async fn fee_for(&self, org: &Organisation, schedule: &str, code: &str, modifier: &str, date: Date) -> Result<Option<FeeEntry>> {
        let schedule = schedule_name(schedule);
        let row = sqlx::query(
            "SELECT procedure_code, modifier, effective_from, currency, amount_minor FROM fee_schedule_entry \
             WHERE org_id = $1 AND schedule = $2 AND procedure_code = $3 AND (modifier = $4 OR modifier = '') AND effective_from <= $5 \
             ORDER BY CASE WHEN modifier = $4 THEN 0 ELSE 1 END, effective_from DESC LIMIT 1",
        )
        .bind(org.org_id)
        .bind(&schedule)
        .bind(code.trim().to_ascii_uppercase())
        .bind(modifier.trim().to_ascii_uppercase())
        .bind(date.to_string())
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(fee_from_row).transpose()
    }
}

/// Who answers for a patient's bill when it is not the patient.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetGuarantor {
    pub account_number: String,
    /// parent, spouse, guardian or other; "self" makes the patient their own guarantor again.
    pub relationship: String,
    #[serde(default)]
    pub name: String,
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
    /// Sets (or, with "self", clears) a patient account's guarantor.
    pub async fn set_guarantor(&self, org: &Organisation, cmd: &SetGuarantor) -> Result<Option<GuarantorView>> {
        use settle_domain::account::{check_name, ContactKind};
        let relationship = one_of("relationship", &cmd.relationship, &["self", "parent", "spouse", "guardian", "other"])?;
        let mut tx = self.begin_write().await?;
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
            let name = check_name(&cmd.name).map_err(|e| StoreError::invalid("name", e))?;
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
            sqlx::query("INSERT INTO party (org_id, party_id, kind, name, date_of_birth, created_at, sex) VALUES ($1, $2, 'person', $3, NULL, $4, 'U')")
                .bind(org.org_id)
                .bind(party_id)
                .bind(&name)
                .bind(&now)
                .execute(&mut *conn)
                .await?;
            let mut batch = Batch::default();
            for point in &contacts {
                let contact_id = next_ids(conn, org.org_id, "contact", 1).await?;
                batch.add(&batch::PARTY_CONTACT, point.row(org.org_id, contact_id, party_id, now[..10].into()));
            }
            batch.flush(conn, org.org_id).await?;
            sqlx::query("UPDATE account SET guarantor_party_id = $3, guarantor_relationship = $4 WHERE org_id = $1 AND account_id = $2")
                .bind(org.org_id)
                .bind(account.account_id)
                .bind(party_id)
                .bind(&relationship)
                .execute(&mut *conn)
                .await?;
            self.guarantor_in(conn, org.org_id, account.account_id).await?
        };
        audit::append(
            conn,
            self.for_update(),
            org.org_id,
            "account.guarantor",
            &format!("account:{}", account.account_number),
            Some(&serde_json::to_value(&before)?),
            Some(&serde_json::to_value(&view)?),
        )
        .await?;
        tx.commit().await?;
        Ok(view)
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
        self.guarantor_in(&mut conn, org.org_id, row.try_get(0)?).await
    }

    pub(crate) async fn guarantor_in(&self, conn: &mut sqlx::AnyConnection, org_id: i64, account_id: i64) -> Result<Option<GuarantorView>> {
        let row = sqlx::query(
            "SELECT p.name, a.guarantor_relationship, p.party_id FROM account a JOIN party p ON p.org_id = a.org_id AND p.party_id = a.guarantor_party_id \
             WHERE a.org_id = $1 AND a.account_id = $2",
        )
        .bind(org_id)
        .bind(account_id)
        .fetch_optional(&mut *conn)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let party_id: i64 = row.try_get(2)?;
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
                .filter(|c| c.try_get::<String, _>(0).is_ok_and(|k| k == kind))
                .filter_map(|c| c.try_get::<String, _>(1).ok())
                .next_back()
        };
        Ok(Some(GuarantorView {
            name: row.try_get(0)?,
            relationship: row.try_get(1)?,
            phone: find("phone"),
            email: find("email"),
            address: find("address"),
            postal: contacts
                .iter()
                .rfind(|c| c.try_get::<String, _>(0).is_ok_and(|k| k == "address"))
                .map(|c| address::postal_from(c, 2))
                .transpose()?
                .flatten()
                .as_ref()
                .map(PostalView::from),
        }))
    }
}
