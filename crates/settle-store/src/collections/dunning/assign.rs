//! Who works which account: a coordinator's assignment first, then the
//! organisation's rules (balance, alphabet, everyone, in turn).

use crate::collections::bad;
use crate::platform::audit::current_actor;
use crate::platform::Organisation;
use crate::write::fmt;
use crate::{now_text, Result, Store, StoreError};
use serde::{Deserialize, Serialize};
use settle_domain::dunning::{Assign, AssignmentRule};
use settle_domain::money::{Currency, Money};
use sqlx::{AnyConnection, Row};

/// An assignment rule as shown and set.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleInput {
    /// balance, alphabet or everyone.
    pub kind: String,
    #[serde(default)]
    pub min_balance: Option<String>,
    #[serde(default)]
    pub max_balance: Option<String>,
    /// "A-M" for alphabet rules.
    #[serde(default)]
    pub letters: Option<String>,
    /// Collectors (user names) who share these accounts in turn.
    pub collectors: Vec<String>,
}

impl RuleInput {
    /// A rule in one line, as the CLI and the supervisor page take it:
    /// "balance:MIN-MAX:ann+bo" (either bound may be empty), "alphabet:A-M:cy"
    /// or "everyone:dee". None when the line has none of these shapes; the
    /// values themselves are checked by `set_assignment_rules`.
    pub fn parse(line: &str) -> Option<RuleInput> {
        let names = |t: &str| t.split('+').map(|n| n.trim().to_string()).collect::<Vec<_>>();
        let rule = |kind: &str, min: Option<&str>, max: Option<&str>, letters: Option<&str>, who: &str| RuleInput {
            kind: kind.into(),
            min_balance: min.filter(|m| !m.is_empty()).map(str::to_string),
            max_balance: max.filter(|m| !m.is_empty()).map(str::to_string),
            letters: letters.map(str::to_string),
            collectors: names(who),
        };
        match line.trim().split(':').collect::<Vec<_>>().as_slice() {
            ["balance", range, who] => range.split_once('-').map(|(min, max)| rule("balance", Some(min), Some(max), None, who)),
            ["alphabet", range, who] => Some(rule("alphabet", None, None, Some(range), who)),
            ["everyone", who] => Some(rule("everyone", None, None, None, who)),
            _ => None,
        }
    }

    /// The rule as one line [`RuleInput::parse`] reads back.
    pub fn to_line(&self) -> String {
        let who = self.collectors.join("+");
        match self.kind.as_str() {
            "balance" => format!(
                "balance:{}-{}:{who}",
                self.min_balance.as_deref().unwrap_or(""),
                self.max_balance.as_deref().unwrap_or("")
            ),
            "alphabet" => format!("alphabet:{}:{who}", self.letters.as_deref().unwrap_or("")),
            _ => format!("everyone:{who}"),
        }
    }
}

impl Store {
    pub(in crate::collections) async fn assignment_rules_in(&self, conn: &mut AnyConnection, org_id: i64) -> Result<Vec<AssignmentRule>> {
        sqlx::query("SELECT kind, min_minor, max_minor, letter_from, letter_to, collectors FROM assignment_rule WHERE org_id = $1 ORDER BY seq")
            .bind(org_id)
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| {
                let kind: String = r.try_get("kind")?;
                let letter = |column: &str| -> Result<char> { Ok(r.try_get::<Option<String>, _>(column)?.and_then(|t| t.chars().next()).unwrap_or('A')) };
                Ok(AssignmentRule {
                    matches: match kind.as_str() {
                        "balance" => Assign::Balance {
                            min_minor: r.try_get::<Option<i64>, _>("min_minor")?.unwrap_or(0),
                            max_minor: r.try_get("max_minor")?,
                        },
                        "alphabet" => Assign::Alphabet {
                            from: letter("letter_from")?,
                            to: letter("letter_to")?,
                        },
                        _ => Assign::Everyone,
                    },
                    collectors: r
                        .try_get::<String, _>("collectors")?
                        .split(',')
                        .map(str::trim)
                        .filter(|c| !c.is_empty())
                        .map(str::to_string)
                        .collect(),
                })
            })
            .collect()
    }

    fn rule_view(rule: &AssignmentRule, currency: Currency) -> RuleInput {
        let (kind, min_balance, max_balance, letters) = match &rule.matches {
            Assign::Balance { min_minor, max_minor } => ("balance", Some(fmt(*min_minor, currency)), max_minor.map(|m| fmt(m, currency)), None),
            Assign::Alphabet { from, to } => ("alphabet", None, None, Some(format!("{from}-{to}"))),
            Assign::Everyone => ("everyone", None, None, None),
        };
        RuleInput {
            kind: kind.into(),
            min_balance,
            max_balance,
            letters,
            collectors: rule.collectors.clone(),
        }
    }

    pub async fn assignment_rules(&self, org: &Organisation) -> Result<Vec<RuleInput>> {
        let mut conn = self.pool().acquire().await?;
        let currency = Currency::from_code(&org.base_currency).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        Ok(self
            .assignment_rules_in(&mut conn, org.org_id)
            .await?
            .iter()
            .map(|r| Self::rule_view(r, currency))
            .collect())
    }

    /// Replaces the assignment rules (checked whole first); the queue takes
    /// them at its next rebuild.
    pub async fn set_assignment_rules(&self, org: &Organisation, rules: &[RuleInput]) -> Result<Vec<RuleInput>> {
        let currency = Currency::from_code(&org.base_currency).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let mut rows = Vec::with_capacity(rules.len());
        for (i, r) in rules.iter().enumerate() {
            let n = i + 1;
            let collectors: Vec<String> = r.collectors.iter().map(|c| c.trim().to_string()).filter(|c| !c.is_empty()).collect();
            if collectors.is_empty() {
                return Err(bad("rules", format!("rule {n}: name at least one collector")));
            }
            let money = |t: &Option<String>, what: &str| -> Result<Option<i64>> {
                t.as_deref()
                    .filter(|t| !t.trim().is_empty())
                    .map(|t| {
                        Money::parse(t, currency)
                            .map(|m| m.amount_minor())
                            .map_err(|e| bad("rules", format!("rule {n}: {what}: {e}")))
                    })
                    .transpose()
            };
            let (min, max, from, to) = match r.kind.trim().to_ascii_lowercase().as_str() {
                "balance" => {
                    let (min, max) = (money(&r.min_balance, "min_balance")?, money(&r.max_balance, "max_balance")?);
                    if let (Some(a), Some(b)) = (min, max) {
                        if b <= a {
                            return Err(bad("rules", format!("rule {n}: max_balance must be above min_balance")));
                        }
                    }
                    (min, max, None, None)
                }
                "alphabet" => {
                    let text = r.letters.clone().unwrap_or_default().to_ascii_uppercase();
                    let (a, b) = text
                        .split_once('-')
                        .map(|(a, b)| (a.trim().chars().next(), b.trim().chars().next()))
                        .filter(|(a, b)| a.is_some_and(|c| c.is_ascii_uppercase()) && b.is_some_and(|c| c.is_ascii_uppercase()))
                        .map(|(a, b)| (a.unwrap_or('A'), b.unwrap_or('Z')))
                        .ok_or_else(|| bad("rules", format!("rule {n}: letters must be a range such as A-M")))?;
                    if b < a {
                        return Err(bad("rules", format!("rule {n}: {a}-{b} runs backwards")));
                    }
                    (None, None, Some(a.to_string()), Some(b.to_string()))
                }
                "everyone" => (None, None, None, None),
                other => return Err(bad("rules", format!("rule {n}: {other:?} is not balance, alphabet or everyone"))),
            };
            rows.push((r.kind.trim().to_ascii_lowercase(), min, max, from, to, collectors.join(",")));
        }
        let rows = &rows;
        self.write(|tx| Box::pin(async move {
            let conn = tx.conn();
            let before: Vec<RuleInput> = self
                .assignment_rules_in(conn, org.org_id)
                .await?
                .iter()
                .map(|r| Self::rule_view(r, currency))
                .collect();
            sqlx::query("DELETE FROM assignment_rule WHERE org_id = $1")
                .bind(org.org_id)
                .execute(&mut *conn)
                .await?;
            for (seq, (kind, min, max, from, to, collectors)) in rows.iter().enumerate() {
                sqlx::query("INSERT INTO assignment_rule (org_id, seq, kind, min_minor, max_minor, letter_from, letter_to, collectors) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                    .bind(org.org_id)
                    .bind(seq as i64 + 1)
                    .bind(kind)
                    .bind(*min)
                    .bind(*max)
                    .bind(from.clone())
                    .bind(to.clone())
                    .bind(collectors)
                    .execute(&mut *conn)
                    .await?;
            }
            let after: Vec<RuleInput> = self
                .assignment_rules_in(conn, org.org_id)
                .await?
                .iter()
                .map(|r| Self::rule_view(r, currency))
                .collect();
            tx.audit(
                org.org_id,
                "worklist.rules",
                "organisation",
                Some(&serde_json::to_value(&before)?),
                Some(&serde_json::to_value(&after)?),
            )
            .await?;
            Ok(after)
        }))
        .await
    }

    /// A coordinator hands an account to a collector ("" takes it back to the
    /// rules). The queue row moves at once; the assignment outlives rebuilds.
    pub async fn assign_account(&self, org: &Organisation, account_number: &str, collector: &str) -> Result<()> {
        self.assign_accounts(org, &[account_number.to_string()], collector).await.map(|_| ())
    }

    /// Hands several accounts to one collector together: every one moves,
    /// or (an account unknown or named twice, the collector unknown) none,
    /// the refusal naming which. Each move is a row of the trail.
    pub async fn assign_accounts(&self, org: &Organisation, accounts: &[String], collector: &str) -> Result<usize> {
        if accounts.is_empty() {
            return Err(bad("accounts", "choose at least one account to assign"));
        }
        self.write(|tx| {
            Box::pin(async move {
                let collector = collector.trim();
                if !collector.is_empty() {
                    let known: Option<String> = sqlx::query("SELECT role FROM app_user WHERE org_id = $1 AND username = $2")
                        .bind(org.org_id)
                        .bind(collector)
                        .fetch_optional(tx.conn())
                        .await?
                        .map(|r| r.try_get("role"))
                        .transpose()?;
                    if known.is_none() {
                        return Err(bad("collector", format!("there is no user {collector:?}")));
                    }
                }
                let mut seen: Vec<String> = Vec::with_capacity(accounts.len());
                for (i, number) in accounts.iter().enumerate() {
                    let wanted = number.trim().to_ascii_uppercase();
                    if seen.contains(&wanted) {
                        return Err(bad("accounts", format!("choice {}: account {wanted} is chosen twice", i + 1)));
                    }
                    let account = match self.account_by_number(tx.conn(), org.org_id, &wanted).await {
                        Err(StoreError::NotFound { .. }) if accounts.len() > 1 => {
                            return Err(bad("accounts", format!("choice {}: there is no account {wanted}", i + 1)));
                        }
                        other => other?,
                    };
                    seen.push(wanted);
                    let before = move_account(tx.conn(), org.org_id, account.account_id, collector).await?;
                    tx.audit(
                        org.org_id,
                        "worklist.assign",
                        &format!("account:{}", account.account_number),
                        Some(&serde_json::json!({ "collector": before })),
                        Some(&serde_json::json!({ "collector": collector })),
                    )
                    .await?;
                }
                Ok(())
            })
        })
        .await?;
        Ok(accounts.len())
    }
}

/// One account's assignment replaced (or removed, for ""), its queue row
/// moved at once; answers who had it before.
async fn move_account(conn: &mut AnyConnection, org_id: i64, account_id: i64, collector: &str) -> Result<Option<String>> {
    let before: Option<String> = sqlx::query("SELECT collector FROM worklist_assignment WHERE org_id = $1 AND account_id = $2")
        .bind(org_id)
        .bind(account_id)
        .fetch_optional(&mut *conn)
        .await?
        .map(|r| r.try_get("collector"))
        .transpose()?;
    sqlx::query("DELETE FROM worklist_assignment WHERE org_id = $1 AND account_id = $2")
        .bind(org_id)
        .bind(account_id)
        .execute(&mut *conn)
        .await?;
    if !collector.is_empty() {
        sqlx::query("INSERT INTO worklist_assignment (org_id, account_id, collector, assigned_by, assigned_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(org_id)
            .bind(account_id)
            .bind(collector)
            .bind(current_actor().name)
            .bind(now_text())
            .execute(&mut *conn)
            .await?;
        sqlx::query("UPDATE worklist_item SET collector = $3 WHERE org_id = $1 AND account_id = $2")
            .bind(org_id)
            .bind(account_id)
            .bind(collector)
            .execute(&mut *conn)
            .await?;
    }
    Ok(before)
}
