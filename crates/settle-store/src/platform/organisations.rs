//! Organisations: each one's books, users and settings are its own; every
//! row carries its `org_id`, and no read crosses it.

use crate::platform::audit::{self};
use crate::write::COUNTERS;
use crate::{now_text, Result, Store, StoreError};
use serde::{Deserialize, Serialize};
use settle_domain::account::check_name;
use settle_domain::ledger::GlAccount;
use settle_domain::money::Currency;
use sqlx::Row;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Organisation {
    pub org_id: i64,
    pub slug: String,
    pub name: String,
    pub base_currency: String,
    pub aging_buckets: String,
    /// Whether it bills insurance (claims, ERAs, eligibility); a business
    /// selling on invoices does not, and its pages show no claims.
    pub bills_insurance: bool,
}

impl Store {
    /// Creates an organisation with its chart of accounts and counters.
    pub async fn create_organisation(&self, slug: &str, name: &str, currency: &str) -> Result<Organisation> {
        let slug = slug.trim().to_ascii_lowercase();
        if slug.is_empty() || slug.len() > 40 || !slug.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return Err(StoreError::invalid("org", format!("{slug:?} must be 1 to 40 letters, digits or dashes")));
        }
        let name = check_name(name).map_err(|e| StoreError::invalid("name", e))?;
        let currency = Currency::from_code(currency).map_err(|e| StoreError::invalid("currency", e))?;
        let (slug, name) = (&slug, &name);
        self.write(|tx| {
            Box::pin(async move {
                let conn = tx.conn();
                let org_id: i64 = sqlx::query("SELECT CAST(COALESCE(MAX(org_id), 0) + 1 AS BIGINT) AS org_id FROM organisation")
                    .fetch_one(&mut *conn)
                    .await?
                    .try_get("org_id")?;
                let buckets = settle_domain::aging::AgingBuckets::default().to_config_string();
                sqlx::query("INSERT INTO organisation (org_id, slug, name, base_currency, aging_buckets, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
                    .bind(org_id)
                    .bind(slug)
                    .bind(name)
                    .bind(currency.code())
                    .bind(&buckets)
                    .bind(now_text())
                    .execute(&mut *conn)
                    .await
                    .map_err(|e| match StoreError::from(e) {
                        StoreError::Conflict { .. } => StoreError::invalid("org", format!("an organisation {slug:?} already exists")),
                        other => other,
                    })?;
                for counter in COUNTERS {
                    sqlx::query("INSERT INTO counter (org_id, name, next_value) VALUES ($1, $2, 1)")
                        .bind(org_id)
                        .bind(*counter)
                        .execute(&mut *conn)
                        .await?;
                }
                sqlx::query("INSERT INTO audit_head (org_id, seq, hash) VALUES ($1, 0, $2)")
                    .bind(org_id)
                    .bind(audit::GENESIS)
                    .execute(&mut *conn)
                    .await?;
                sqlx::query("INSERT INTO journal_head (org_id, entries, last_entry_id, hash) VALUES ($1, 0, 0, $2)")
                    .bind(org_id)
                    .bind(audit::GENESIS)
                    .execute(&mut *conn)
                    .await?;
                let created = serde_json::json!({ "slug": slug, "name": name, "currency": currency.code() });
                tx.audit(org_id, "organisation.create", &format!("organisation:{slug}"), None, Some(&created))
                    .await?;
                let conn = tx.conn();
                for gl in GlAccount::ALL {
                    sqlx::query("INSERT INTO gl_account (org_id, code, name, kind) VALUES ($1, $2, $3, $4)")
                        .bind(org_id)
                        .bind(gl.code())
                        .bind(gl.name())
                        .bind(format!("{:?}", gl.kind()).to_ascii_lowercase())
                        .execute(&mut *conn)
                        .await?;
                }
                Ok(Organisation {
                    org_id,
                    slug: slug.clone(),
                    name: name.clone(),
                    base_currency: currency.code().to_string(),
                    aging_buckets: buckets,
                    bills_insurance: true,
                })
            })
        })
        .await
    }

    pub async fn organisations(&self) -> Result<Vec<Organisation>> {
        use crate::platform::access::{org_from_row, ORG_COLUMNS};
        let rows = sqlx::query(&format!("SELECT {ORG_COLUMNS} FROM organisation o ORDER BY o.org_id"))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(org_from_row).collect()
    }

    /// Finds an organisation by slug; with none given, the only one there is.
    pub async fn organisation(&self, slug: Option<&str>) -> Result<Organisation> {
        let all = self.organisations().await?;
        match slug {
            Some(slug) => all
                .into_iter()
                .find(|o| o.slug == slug.to_ascii_lowercase())
                .ok_or_else(|| StoreError::not_found("organisation", slug)),
            None => match all.len() {
                0 => Err(StoreError::invalid(
                    "org",
                    "there is no organisation yet; run `settle init` or `settle demo` first",
                )),
                1 => Ok(all.into_iter().next().expect("one organisation")),
                _ => Err(StoreError::invalid(
                    "org",
                    format!(
                        "there are several organisations ({}); choose one with --org",
                        all.iter().map(|o| o.slug.as_str()).collect::<Vec<_>>().join(", ")
                    ),
                )),
            },
        }
    }
}
