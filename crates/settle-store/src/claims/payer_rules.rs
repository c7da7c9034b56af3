//! Payer rules kept by an organisation: imported as CSV whole or refused
//! whole (every problem by line and column), exported as the same CSV,
//! listed beside Settle's built-in rules, and loaded with the books so the
//! scrubber applies them to every claim (see `settle_domain::payer_rules`).

use serde::{Deserialize, Serialize};
use settle_domain::claims::FindingLevel;
use settle_domain::payer_rules::{self, PayerRule};
use sqlx::{AnyConnection, Row};

use crate::platform::Organisation;
use crate::{Result, Store, StoreError};

/// One rule as shown.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct PayerRuleView {
    /// `builtin:N` (Settle's) or `org:N` (the organisation's, in file order).
    pub id: String,
    /// `any`, `filing:MC` (a kind of plan) or `payer:CODE`.
    pub scope: String,
    /// prior_authorization, referral, ndc, clia or accident_facts.
    pub requires: String,
    /// Procedure codes and ranges; "" for every line.
    pub procedures: String,
    /// Places of service; "" for every place.
    pub places: String,
    /// Diagnosis categories and ranges that make it apply; "" for every claim.
    pub diagnoses: String,
    /// error (holds the claim) or warning.
    pub level: String,
    pub why: String,
    /// Whether the organisation turned it off (built-in rules only).
    pub off: bool,
}

/// Every rule the scrubber applies for an organisation, and its own as CSV.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct PayerRules {
    pub built_in: Vec<PayerRuleView>,
    pub own: Vec<PayerRuleView>,
    /// The organisation's own rules as the CSV they import and export as.
    pub csv: String,
}

/// Replace the organisation's own payer rules with a CSV file's.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplacePayerRules {
    /// `scope,requires,procedures,places,diagnoses,level,why` and a row a rule.
    pub csv: String,
}

fn view(rule: &PayerRule, off: &[String]) -> PayerRuleView {
    PayerRuleView {
        id: rule.id.clone(),
        scope: rule.scope.to_text(),
        requires: rule.requires.as_str().to_string(),
        procedures: rule.procedures.to_text(),
        places: rule.places.join(" "),
        diagnoses: rule.diagnoses.to_text(),
        level: match rule.level {
            FindingLevel::Error => "error".into(),
            FindingLevel::Warning => "warning".into(),
        },
        why: rule.why.clone(),
        off: off.contains(&rule.id),
    }
}

/// The organisation's own rules, read back through the same parser that
/// let them in.
pub(super) async fn own_rules(conn: &mut AnyConnection, org_id: i64) -> Result<Vec<PayerRule>> {
    let rows = sqlx::query("SELECT scope, requires, procedures, places, diagnoses, level, why FROM payer_rule WHERE org_id = $1 ORDER BY rule_no")
        .bind(org_id)
        .fetch_all(&mut *conn)
        .await?;
    let mut csv = format!("{}\n", payer_rules::HEADER);
    for r in &rows {
        let cells: Vec<String> = ["scope", "requires", "procedures", "places", "diagnoses", "level", "why"]
            .iter()
            .map(|c| r.try_get::<String, _>(*c))
            .collect::<std::result::Result<_, _>>()?;
        csv.push_str(&cells.iter().map(|c| payer_rules::quote(c)).collect::<Vec<_>>().join(","));
        csv.push('\n');
    }
    payer_rules::parse_csv(&csv, "org").map_err(|e| StoreError::Corrupt(format!("payer rules: {}", e[0])))
}

impl Store {
    /// Settle's built-in payer rules (with those turned off marked) and
    /// the organisation's own.
    pub async fn payer_rules(&self, org: &Organisation) -> Result<PayerRules> {
        let off = self.settings(org).await?.scrub_rules_off;
        let mut conn = self.pool().acquire().await?;
        let own = own_rules(&mut conn, org.org_id).await?;
        Ok(PayerRules {
            built_in: payer_rules::built_in().iter().map(|r| view(r, &off)).collect(),
            own: own.iter().map(|r| view(r, &off)).collect(),
            csv: payer_rules::to_csv(&own),
        })
    }

    /// Replaces the organisation's own payer rules with a CSV file's, all
    /// or nothing; the refusal names every problem by line and column.
    /// Claims already scrubbed keep their findings until scrubbed again.
    pub async fn replace_payer_rules(&self, org: &Organisation, cmd: &ReplacePayerRules) -> Result<usize> {
        let rules = payer_rules::parse_csv(&cmd.csv, "org").map_err(|problems| {
            let listed: Vec<String> = problems.iter().take(20).map(|p| p.to_string()).collect();
            StoreError::invalid("csv", format!("{} problem(s), nothing changed: {}", problems.len(), listed.join("; ")))
        })?;
        let rules = &rules;
        self.write(|tx| {
            Box::pin(async move {
                let conn = tx.conn();
                let before = own_rules(conn, org.org_id).await?;
                sqlx::query("DELETE FROM payer_rule WHERE org_id = $1")
                    .bind(org.org_id)
                    .execute(&mut *conn)
                    .await?;
                for (n, r) in rules.iter().enumerate() {
                    let v = view(r, &[]);
                    sqlx::query(
                        "INSERT INTO payer_rule (org_id, rule_no, scope, requires, procedures, places, diagnoses, level, why) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                    )
                    .bind(org.org_id)
                    .bind(n as i64 + 1)
                    .bind(&v.scope)
                    .bind(&v.requires)
                    .bind(&v.procedures)
                    .bind(&v.places)
                    .bind(&v.diagnoses)
                    .bind(&v.level)
                    .bind(&v.why)
                    .execute(&mut *conn)
                    .await?;
                }
                let before = serde_json::json!({ "csv": payer_rules::to_csv(&before) });
                let after = serde_json::json!({ "csv": payer_rules::to_csv(rules) });
                tx.audit(org.org_id, "payer_rules.replace", "payer_rules", Some(&before), Some(&after)).await?;
                Ok(())
            })
        })
        .await?;
        Ok(rules.len())
    }
}
