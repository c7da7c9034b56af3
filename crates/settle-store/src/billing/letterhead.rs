//! The organisation as it appears on paper a customer receives: the name
//! and address at the top of a statement or an invoice, where payments are
//! mailed (remit-to), the phone number for questions, and how else to pay.
//! Each is set in the settings; what is left empty falls back to the
//! billing provider's name and address, the claim-file contact phone and
//! the usual ways to pay, so a new organisation's paper is never blank.

use serde::{Deserialize, Serialize};
use settle_domain::address::PostalAddress;
use settle_pdf::letters::Party;
use sqlx::{AnyConnection, Row};

use crate::platform::audit::current_actor;
use crate::platform::Organisation;
use crate::write::check_text;
use crate::{now_text, Result, Store, StoreError};

/// The letterhead as set; empty fields use the fallbacks.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LetterheadSettings {
    /// The name at the top; the billing provider's name if empty.
    #[serde(default)]
    #[schema(example = "Riverside Family Practice")]
    pub name: String,
    /// One line, such as "1200 Lincoln Ave, Springfield, IL 62704"; the
    /// billing provider's address if empty.
    #[serde(default)]
    #[schema(example = "1200 Lincoln Ave, Springfield, IL 62704")]
    pub address: String,
    /// Where payments are mailed; the letterhead address if empty.
    #[serde(default)]
    #[schema(example = "PO Box 4410, Springfield, IL 62708")]
    pub remit_to: String,
    /// Ten digits for billing questions; the claim-file contact phone if empty.
    #[serde(default)]
    #[schema(example = "2175550100")]
    pub phone: String,
    /// Other ways to pay, one per line (a payment website, bank transfer
    /// details); printed under "How to pay".
    #[serde(default)]
    #[schema(example = "Online: pay.riverside.example with your account number.")]
    pub payment_instructions: String,
}

/// The letterhead as printed, fallbacks filled in.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Letterhead {
    pub from: Party,
    pub remit_to: Party,
    /// Formatted, like (217) 555-0100; empty when none is known.
    pub phone: String,
    pub instructions: Vec<String>,
}

/// A ten-digit phone number as people write it.
pub fn phone_display(digits: &str) -> String {
    if digits.len() == 10 && digits.bytes().all(|b| b.is_ascii_digit()) {
        format!("({}) {}-{}", &digits[..3], &digits[3..6], &digits[6..])
    } else {
        digits.to_string()
    }
}

fn address_lines(text: &str) -> Vec<String> {
    match PostalAddress::parse(text) {
        Ok(a) => a.envelope_lines(),
        Err(_) => settle_domain::address::KeptAddress::Text(text.to_string()).envelope_lines(),
    }
}

fn checked_address(field: &'static str, text: &str) -> Result<String> {
    let text = check_text(field, text, 300)?;
    if text.is_empty() {
        return Ok(text);
    }
    // The address reader's own message already says how to write one.
    PostalAddress::parse(&text)
        .map(|a| a.one_line())
        .map_err(|e| StoreError::invalid(field, e.to_string()))
}

impl Store {
    /// The letterhead as set (empty fields unset).
    pub async fn letterhead_settings(&self, org: &Organisation) -> Result<LetterheadSettings> {
        let row =
            sqlx::query("SELECT letterhead_name, letterhead_address, remit_to_address, billing_phone, payment_instructions FROM org_policy WHERE org_id = $1")
                .bind(org.org_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(match row {
            Some(r) => LetterheadSettings {
                name: r.try_get("letterhead_name")?,
                address: r.try_get("letterhead_address")?,
                remit_to: r.try_get("remit_to_address")?,
                phone: r.try_get("billing_phone")?,
                payment_instructions: r.try_get("payment_instructions")?,
            },
            None => LetterheadSettings::default(),
        })
    }

    /// Sets the letterhead, all of it or none; every address must read as
    /// a postal address, the phone as ten digits.
    pub async fn set_letterhead(&self, org: &Organisation, set: &LetterheadSettings) -> Result<LetterheadSettings> {
        let name = check_text("name", &set.name, 120)?;
        let address = checked_address("address", &set.address)?;
        let remit_to = checked_address("remit_to", &set.remit_to)?;
        let digits: String = set.phone.chars().filter(char::is_ascii_digit).collect();
        if !(digits.is_empty() || digits.len() == 10) {
            return Err(StoreError::invalid("phone", "must be ten digits, such as 217 555 0100"));
        }
        let instructions = check_text("payment_instructions", &set.payment_instructions, 1000)?;
        let after = LetterheadSettings {
            name,
            address,
            remit_to,
            phone: digits,
            payment_instructions: instructions,
        };
        let before = self.letterhead_settings(org).await?;
        let actor = current_actor();
        let (actor, after_ref, before) = (&actor, &after, &before);
        self.write(|tx| {
            Box::pin(async move {
                let conn = tx.conn();
                let updated = sqlx::query(
                    "UPDATE org_policy SET letterhead_name = $2, letterhead_address = $3, remit_to_address = $4, billing_phone = $5, \
                     payment_instructions = $6, updated_at = $7, updated_by = $8 WHERE org_id = $1",
                )
                .bind(org.org_id)
                .bind(&after_ref.name)
                .bind(&after_ref.address)
                .bind(&after_ref.remit_to)
                .bind(&after_ref.phone)
                .bind(&after_ref.payment_instructions)
                .bind(now_text())
                .bind(&actor.name)
                .execute(&mut *conn)
                .await?
                .rows_affected();
                if updated == 0 {
                    sqlx::query(
                        "INSERT INTO org_policy (org_id, default_terms, writeoff_approval_minor, updated_at, updated_by, letterhead_name, letterhead_address, \
                         remit_to_address, billing_phone, payment_instructions) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                    )
                    .bind(org.org_id)
                    .bind(crate::billing::DEFAULT_TERMS)
                    .bind(crate::billing::DEFAULT_WRITEOFF_APPROVAL_MINOR)
                    .bind(now_text())
                    .bind(&actor.name)
                    .bind(&after_ref.name)
                    .bind(&after_ref.address)
                    .bind(&after_ref.remit_to)
                    .bind(&after_ref.phone)
                    .bind(&after_ref.payment_instructions)
                    .execute(&mut *conn)
                    .await?;
                }
                tx.audit(
                    org.org_id,
                    "settings.letterhead",
                    &format!("organisation:{}", org.slug),
                    Some(&serde_json::to_value(before)?),
                    Some(&serde_json::to_value(after_ref)?),
                )
                .await?;
                Ok(())
            })
        })
        .await?;
        Ok(after)
    }

    /// The letterhead as printed: what is set, else the first billing
    /// organisation among the providers (else the organisation's name),
    /// the claim-file phone, and the usual ways to pay.
    pub(crate) async fn letterhead(&self, conn: &mut AnyConnection, org: &Organisation) -> Result<Letterhead> {
        let provider = sqlx::query(&format!(
            "SELECT name, address, {} FROM provider WHERE org_id = $1 AND kind = 'organisation' ORDER BY provider_key LIMIT 1",
            crate::address::COLUMNS
        ))
        .bind(org.org_id)
        .fetch_optional(&mut *conn)
        .await?;
        let policy = sqlx::query(
            "SELECT x12_contact_phone, letterhead_name, letterhead_address, remit_to_address, billing_phone, payment_instructions FROM org_policy WHERE org_id = $1",
        )
        .bind(org.org_id)
        .fetch_optional(&mut *conn)
        .await?;
        let get = |column: &str| -> Result<String> {
            Ok(match &policy {
                Some(r) => r.try_get::<String, _>(column)?,
                None => String::new(),
            })
        };
        let (provider_name, provider_lines) = match &provider {
            Some(p) => (
                p.try_get::<String, _>("name")?,
                crate::address::kept_from(p, "address", "")?.map(|a| a.envelope_lines()).unwrap_or_default(),
            ),
            None => (org.name.clone(), Vec::new()),
        };
        let name = Some(get("letterhead_name")?).filter(|n| !n.is_empty()).unwrap_or(provider_name);
        let address = get("letterhead_address")?;
        let lines = if address.is_empty() { provider_lines } else { address_lines(&address) };
        let remit = get("remit_to_address")?;
        let remit_lines = if remit.is_empty() { lines.clone() } else { address_lines(&remit) };
        let phone = Some(get("billing_phone")?).filter(|p| !p.is_empty()).unwrap_or(get("x12_contact_phone")?);
        let instructions = get("payment_instructions")?
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect();
        Ok(Letterhead {
            from: Party { name: name.clone(), lines },
            remit_to: Party { name, lines: remit_lines },
            phone: phone_display(&phone),
            instructions,
        })
    }
}
