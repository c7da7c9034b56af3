//! Payers and providers (NPI checked): the parties a claim is sent to and
//! from. Each write is one transaction with its audit row.

use crate::address::{self, AddressInput, PostalView};
use crate::platform::Organisation;
use crate::write::next_ids;
use crate::{now_text, Result, Store, StoreError};
use serde::{Deserialize, Serialize};
use settle_domain::address::PostalAddress;
use settle_domain::claims::ClaimFilingIndicator;
use settle_domain::codes::Npi;
use sqlx::Row;

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
    /// Days after the payer's decision within which it takes a corrected
    /// claim; absent when it takes corrections within the timely filing
    /// limit from the date of service (Medicare's rule).
    #[serde(default)]
    pub corrected_claim_days: Option<u32>,
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
    /// None: corrections within the timely filing limit.
    pub corrected_claim_days: Option<i64>,
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
    /// Where the payer sends a billing provider's payments when not to its
    /// own address (the 837P's pay-to address, loop 2010AB); none if absent.
    #[serde(default)]
    pub pay_to: AddressInput,
}

/// A billing provider's pay-to address, set or cleared.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetPayTo {
    /// Fields, or one line of text; empty clears it (payments go to the
    /// provider's own address).
    #[serde(default)]
    pub pay_to: AddressInput,
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
    /// The pay-to address as one line ("" when payments go to `address`).
    pub pay_to: String,
}

/// The pay-to column's text: the address as JSON, "" for none.
pub(super) fn pay_to_text(address: Option<&PostalAddress>) -> Result<String> {
    Ok(match address {
        Some(a) => serde_json::to_string(a)?,
        None => String::new(),
    })
}

/// The pay-to column read back.
pub(super) fn pay_to_of(text: &str) -> Result<Option<PostalAddress>> {
    if text.is_empty() {
        return Ok(None);
    }
    serde_json::from_str(text)
        .map(Some)
        .map_err(|e| StoreError::Corrupt(format!("provider.pay_to: {e}")))
}

fn one_line(address: Option<&PostalAddress>) -> String {
    address.map(PostalAddress::one_line).unwrap_or_default()
}

pub(super) fn text(field: &'static str, value: &str, max: usize, required: bool) -> Result<String> {
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

pub(super) fn one_of(field: &'static str, value: &str, allowed: &[&str]) -> Result<String> {
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
        if cmd.corrected_claim_days.is_some_and(|d| !(1..=3650).contains(&d)) {
            return Err(StoreError::invalid("corrected_claim_days", "must be 1 to 3650 days, or absent"));
        }
        let postal = AddressInput::read_optional(Some(&cmd.address), "address")?;
        let address = postal.as_ref().map(PostalAddress::one_line).unwrap_or_default();
        let (address, code, name, postal) = (&address, &code, &name, &postal);
        self.write(|tx| {
            Box::pin(async move {
                let conn = tx.conn();
                let key = next_ids(conn, org.org_id, "payer", 1).await?;
                let sql = format!(
                    "INSERT INTO payer (org_id, payer_key, payer_code, name, filing_indicator, timely_filing_days, address, created_at, appeal_days, corrected_claim_days, {}) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
                    address::COLUMNS
                );
                let query = sqlx::query(&sql);
                let query = query
                    .bind(org.org_id)
                    .bind(key)
                    .bind(code)
                    .bind(name)
                    .bind(filing.code())
                    .bind(i64::from(cmd.timely_filing_days))
                    .bind(address)
                    .bind(now_text())
                    .bind(i64::from(appeal_days))
                    .bind(cmd.corrected_claim_days.map(i64::from));
                address::bind_fields(query, postal.as_ref())
                    .execute(&mut *conn)
                    .await
                    .map_err(|e| match StoreError::from(e) {
                        StoreError::Conflict { .. } => StoreError::invalid("payer_code", format!("a payer {code} already exists")),
                        other => other,
                    })?;
                let view = PayerView {
                    payer_code: code.clone(),
                    name: name.clone(),
                    filing_indicator: filing.code().into(),
                    timely_filing_days: i64::from(cmd.timely_filing_days),
                    appeal_days: i64::from(appeal_days),
                    corrected_claim_days: cmd.corrected_claim_days.map(i64::from),
                    address: address.clone(),
                    postal: postal.as_ref().map(PostalView::from),
                };
                let after = serde_json::to_value(&view)?;
                tx.audit(org.org_id, "payer.add", &format!("payer:{}", view.payer_code), None, Some(&after))
                    .await?;
                Ok(view)
            })
        })
        .await
    }

    pub async fn payers(&self, org: &Organisation) -> Result<Vec<PayerView>> {
        let rows = sqlx::query(&format!(
            "SELECT payer_code, name, filing_indicator, timely_filing_days, address, appeal_days, corrected_claim_days, {} FROM payer WHERE org_id = $1 ORDER BY payer_code",
            address::COLUMNS
        ))
        .bind(org.org_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(PayerView {
                    payer_code: r.try_get("payer_code")?,
                    name: r.try_get("name")?,
                    filing_indicator: r.try_get("filing_indicator")?,
                    timely_filing_days: r.try_get("timely_filing_days")?,
                    appeal_days: r.try_get("appeal_days")?,
                    corrected_claim_days: r.try_get("corrected_claim_days")?,
                    address: r.try_get("address")?,
                    postal: address::postal_from(r, "")?.as_ref().map(PostalView::from),
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
        let pay_to = AddressInput::read_optional(Some(&cmd.pay_to), "pay_to")?;
        let pay_to_json = pay_to_text(pay_to.as_ref())?;
        let (address, kind, name, npi, postal, tax_id, taxonomy) = (&address, &kind, &name, &npi, &postal, &tax_id, &taxonomy);
        let (pay_to, pay_to_json) = (&pay_to, &pay_to_json);
        self.write(|tx| {
            Box::pin(async move {
                let conn = tx.conn();
                let key = next_ids(conn, org.org_id, "provider", 1).await?;
                let sql = format!(
                    "INSERT INTO provider (org_id, provider_key, npi, name, kind, taxonomy, tax_id, address, created_at, pay_to, {}) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
                    address::COLUMNS
                );
                let query = sqlx::query(&sql);
                let query = query
                    .bind(org.org_id)
                    .bind(key)
                    .bind(npi.as_str())
                    .bind(name)
                    .bind(kind)
                    .bind(taxonomy)
                    .bind(tax_id)
                    .bind(address)
                    .bind(now_text())
                    .bind(pay_to_json);
                address::bind_fields(query, postal.as_ref())
                    .execute(&mut *conn)
                    .await
                    .map_err(|e| match StoreError::from(e) {
                        StoreError::Conflict { .. } => StoreError::invalid("npi", format!("a provider with NPI {} already exists", npi.as_str())),
                        other => other,
                    })?;
                let view = ProviderView {
                    npi: npi.as_str().to_string(),
                    name: name.clone(),
                    kind: kind.clone(),
                    taxonomy: taxonomy.clone(),
                    tax_id: tax_id.clone(),
                    address: address.clone(),
                    postal: postal.as_ref().map(PostalView::from),
                    pay_to: one_line(pay_to.as_ref()),
                };
                let after = serde_json::to_value(&view)?;
                tx.audit(org.org_id, "provider.add", &format!("provider:{}", view.npi), None, Some(&after))
                    .await?;
                Ok(view)
            })
        })
        .await
    }

    pub async fn providers(&self, org: &Organisation) -> Result<Vec<ProviderView>> {
        let rows = sqlx::query(&format!(
            "SELECT npi, name, kind, taxonomy, tax_id, address, pay_to, {} FROM provider WHERE org_id = $1 ORDER BY name, npi",
            address::COLUMNS
        ))
        .bind(org.org_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ProviderView {
                    npi: r.try_get("npi")?,
                    name: r.try_get("name")?,
                    kind: r.try_get("kind")?,
                    taxonomy: r.try_get("taxonomy")?,
                    tax_id: r.try_get("tax_id")?,
                    address: r.try_get("address")?,
                    postal: address::postal_from(r, "")?.as_ref().map(PostalView::from),
                    pay_to: one_line(pay_to_of(&r.try_get::<String, _>("pay_to")?)?.as_ref()),
                })
            })
            .collect()
    }

    /// Sets or clears a billing provider's pay-to address, with its audit
    /// row (before and after).
    pub async fn set_provider_pay_to(&self, org: &Organisation, npi: &str, cmd: &SetPayTo) -> Result<ProviderView> {
        let npi = Npi::parse(npi).map_err(|e| StoreError::invalid("npi", e))?;
        let pay_to = AddressInput::read_optional(Some(&cmd.pay_to), "pay_to")?;
        let json = pay_to_text(pay_to.as_ref())?;
        let (npi, json, pay_to) = (&npi, &json, &pay_to);
        self.write(|tx| {
            Box::pin(async move {
                let conn = tx.conn();
                let before: Option<String> = sqlx::query_scalar("SELECT pay_to FROM provider WHERE org_id = $1 AND npi = $2")
                    .bind(org.org_id)
                    .bind(npi.as_str())
                    .fetch_optional(&mut *conn)
                    .await?;
                let Some(before) = before else {
                    return Err(StoreError::not_found("provider", npi.as_str()));
                };
                sqlx::query("UPDATE provider SET pay_to = $1 WHERE org_id = $2 AND npi = $3")
                    .bind(json)
                    .bind(org.org_id)
                    .bind(npi.as_str())
                    .execute(&mut *conn)
                    .await?;
                let was = one_line(pay_to_of(&before)?.as_ref());
                let now = one_line(pay_to.as_ref());
                tx.audit(
                    org.org_id,
                    "provider.pay_to",
                    &format!("provider:{}", npi.as_str()),
                    Some(&serde_json::json!({ "pay_to": was })),
                    Some(&serde_json::json!({ "pay_to": now })),
                )
                .await?;
                Ok(())
            })
        })
        .await?;
        self.providers(org)
            .await?
            .into_iter()
            .find(|p| p.npi == npi.as_str())
            .ok_or_else(|| StoreError::not_found("provider", npi.as_str()))
    }
}
