//! The organisation's footing under the FDCPA (first party or debt collector,
//! the rules a first party keeps), where people of unknown location may be, and
//! the collector's own mailing address, phone and hours printed on letters.

use crate::collections::bad;
use crate::collections::contacts::RuleView;
use crate::platform::audit::current_actor;
use crate::platform::Organisation;
use crate::{now_text, Result, Store};
use serde::{Deserialize, Serialize};
use settle_domain::compliance::{Policy, Rule};
use sqlx::{AnyConnection, Row};

/// The organisation's footing under the FDCPA.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct CollectionPolicyView {
    /// A debt collector (an agency): every rule holds.
    pub third_party: bool,
    /// A creditor's chosen rules (ids).
    pub first_party_rules: Vec<String>,
    /// Every rule with its citation.
    pub rules: Vec<RuleView>,
    /// Where consumers write to the collector, as printed on letters.
    pub mail_address: String,
    pub phone: String,
    /// When the collector answers, such as "8 a.m. to 5 p.m. Central".
    pub hours: String,
    /// A person of unknown location may be in the territories too (their
    /// zones join the hours rule), not only the fifty states.
    pub territories_when_unknown: bool,
}

impl Store {
    pub(super) async fn collection_policy_in(&self, conn: &mut AnyConnection, org_id: i64) -> Result<Policy> {
        let row = sqlx::query("SELECT third_party, first_party_rules, territories_when_unknown FROM collection_policy WHERE org_id = $1")
            .bind(org_id)
            .fetch_optional(&mut *conn)
            .await?;
        Ok(match row {
            None => Policy {
                third_party: false,
                first_party: Policy::first_party_default(),
                territories_when_unknown: false,
            },
            Some(r) => Policy {
                third_party: r.try_get::<i64, _>("third_party")? == 1,
                first_party: r.try_get::<String, _>("first_party_rules")?.split(',').filter_map(Rule::parse).collect(),
                territories_when_unknown: r.try_get::<i64, _>("territories_when_unknown")? == 1,
            },
        })
    }

    /// Whether the organisation is a debt collector, and a creditor's rules.
    pub async fn collection_policy(&self, org: &Organisation) -> Result<CollectionPolicyView> {
        let mut conn = self.pool().acquire().await?;
        let p = self.collection_policy_in(&mut conn, org.org_id).await?;
        let (mail_address, phone, hours) = self.collector_contact_in(&mut conn, org.org_id).await?;
        Ok(CollectionPolicyView {
            third_party: p.third_party,
            first_party_rules: p.first_party.iter().map(|r| r.id().to_string()).collect(),
            rules: Rule::ALL
                .iter()
                .map(|r| RuleView {
                    rule: r.id().to_string(),
                    citation: r.citation().to_string(),
                })
                .collect(),
            mail_address,
            phone,
            hours,
            territories_when_unknown: p.territories_when_unknown,
        })
    }

    pub(super) async fn collector_contact_in(&self, conn: &mut AnyConnection, org_id: i64) -> Result<(String, String, String)> {
        let row = sqlx::query("SELECT mail_address, phone, hours FROM collection_policy WHERE org_id = $1")
            .bind(org_id)
            .fetch_optional(&mut *conn)
            .await?;
        Ok(match row {
            Some(r) => (r.try_get("mail_address")?, r.try_get("phone")?, r.try_get("hours")?),
            None => Default::default(),
        })
    }

    /// Writes the whole policy row (it has no other writer).
    async fn write_collection_policy(&self, conn: &mut AnyConnection, org_id: i64, policy: &Policy, contact: &(String, String, String)) -> Result<()> {
        sqlx::query("DELETE FROM collection_policy WHERE org_id = $1")
            .bind(org_id)
            .execute(&mut *conn)
            .await?;
        sqlx::query(
            "INSERT INTO collection_policy (org_id, third_party, first_party_rules, mail_address, phone, hours, updated_by, updated_at, \
             territories_when_unknown) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(org_id)
        .bind(i64::from(policy.third_party))
        .bind(policy.first_party.iter().map(|r| r.id()).collect::<Vec<_>>().join(","))
        .bind(contact.0.trim())
        .bind(contact.1.trim())
        .bind(contact.2.trim())
        .bind(current_actor().name)
        .bind(now_text())
        .bind(i64::from(policy.territories_when_unknown))
        .execute(&mut *conn)
        .await?;
        // Kept as a version too: `collections verify` asks the gate with the policy of each contact's moment.
        sqlx::query(
            "INSERT INTO collection_policy_version (org_id, seq, recorded_at, third_party, first_party_rules, territories_when_unknown) \
             SELECT $1, COALESCE((SELECT MAX(seq) FROM collection_policy_version WHERE org_id = $1), 0) + 1, $2, third_party, first_party_rules, \
             territories_when_unknown FROM collection_policy WHERE org_id = $1",
        )
        .bind(org_id)
        .bind(now_text())
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    pub async fn set_collection_policy(&self, org: &Organisation, third_party: bool, first_party_rules: &[String]) -> Result<CollectionPolicyView> {
        let mut rules = Vec::new();
        for id in first_party_rules.iter().map(|r| r.trim()).filter(|r| !r.is_empty()) {
            let rule = Rule::parse(id).ok_or_else(|| {
                bad(
                    "first_party_rules",
                    format!("{id:?} is not a rule; the rules: {}", Rule::ALL.map(|r| r.id()).join(", ")),
                )
            })?;
            rules.push(rule);
        }
        let rules = &rules;
        self.write(|tx| {
            Box::pin(async move {
                let conn = tx.conn();
                let contact = self.collector_contact_in(conn, org.org_id).await?;
                let policy = Policy {
                    third_party,
                    first_party: rules.clone(),
                    territories_when_unknown: self.collection_policy_in(conn, org.org_id).await?.territories_when_unknown,
                };
                self.write_collection_policy(conn, org.org_id, &policy, &contact).await?;
                let after = serde_json::json!({ "third_party": third_party, "first_party_rules": rules.iter().map(|r| r.id()).collect::<Vec<_>>() });
                tx.audit(org.org_id, "collections.policy", "organisation", None, Some(&after)).await?;
                Ok(())
            })
        })
        .await?;
        self.collection_policy(org).await
    }

    /// Whether a person of unknown location may be in the territories too
    /// (Puerto Rico, the Virgin Islands, Guam, the Northern Marianas,
    /// American Samoa): a choice for a book that reaches them (audited).
    pub async fn set_territories_when_unknown(&self, org: &Organisation, territories: bool) -> Result<CollectionPolicyView> {
        self.write(|tx| {
            Box::pin(async move {
                let conn = tx.conn();
                let contact = self.collector_contact_in(conn, org.org_id).await?;
                let policy = Policy {
                    territories_when_unknown: territories,
                    ..self.collection_policy_in(conn, org.org_id).await?
                };
                self.write_collection_policy(conn, org.org_id, &policy, &contact).await?;
                let after = serde_json::json!({ "territories_when_unknown": territories });
                tx.audit(org.org_id, "collections.policy", "organisation", None, Some(&after)).await?;
                Ok(())
            })
        })
        .await?;
        self.collection_policy(org).await
    }

    /// Where and when consumers reach the collector, as letters print it.
    pub async fn set_collector_contact(&self, org: &Organisation, mail_address: &str, phone: &str, hours: &str) -> Result<CollectionPolicyView> {
        if mail_address.trim().is_empty() {
            return Err(bad("mail_address", "letters must say where to write: give the mailing address"));
        }
        self.write(|tx| {
            Box::pin(async move {
                let conn = tx.conn();
                let policy = self.collection_policy_in(conn, org.org_id).await?;
                let contact = (mail_address.to_string(), phone.to_string(), hours.to_string());
                self.write_collection_policy(conn, org.org_id, &policy, &contact).await?;
                let after = serde_json::json!({ "mail_address": mail_address, "phone": phone, "hours": hours });
                tx.audit(org.org_id, "collections.contact", "organisation", None, Some(&after)).await?;
                Ok(())
            })
        })
        .await?;
        self.collection_policy(org).await
    }
}
