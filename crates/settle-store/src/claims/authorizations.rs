//! Authorizations and referrals on file for a patient and payer (see
//! `settle_domain::authorizations`): added and listed with what claims have
//! used of them, loaded with the books so each claim saved uses and counts
//! them, and the worklist of claims whose service needs one that is
//! missing, lapsed or used up.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use settle_domain::authorizations::{AuthorizationKind, Counts, OnFile, Use};
use settle_domain::claims::Finding;
use settle_domain::payer_rules::Codes;
use settle_domain::units::Units;
use settle_domain::Date;
use sqlx::{AnyConnection, Row};

use crate::claims::{bad, parse_date};
use crate::platform::Organisation;
use crate::write::next_ids;
use crate::{now_text, Result, Store, StoreError};

/// Record an authorization or referral a payer gave for a patient.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAuthorization {
    #[schema(example = "P-000001")]
    pub account_number: String,
    #[schema(example = "60054")]
    pub payer_code: String,
    /// prior_authorization or referral.
    #[schema(example = "prior_authorization")]
    pub kind: String,
    /// The payer's number for it, sent as REF*G1 or REF*9F.
    #[schema(example = "PA-2026-118")]
    pub number: String,
    /// The services it covers: CPT/HCPCS codes and ranges ("97110 97140",
    /// "70551-70553"); empty for every service.
    #[serde(default)]
    pub procedures: String,
    /// How many visits or units it allows (units to the thousandth); absent
    /// for no limit.
    #[serde(default)]
    pub allowed: Option<Units>,
    /// visits (each claim counts one, the default) or units (each line's units).
    #[serde(default)]
    pub counts: Option<String>,
    pub valid_from: Date,
    pub valid_to: Date,
    #[serde(default)]
    pub note: String,
}

/// An authorization on file, with what has been used of it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct AuthorizationView {
    pub authorization_id: i64,
    pub account_number: String,
    pub payer_code: String,
    pub kind: String,
    pub number: String,
    pub procedures: String,
    pub allowed: Option<Units>,
    pub counts: String,
    pub valid_from: Date,
    pub valid_to: Date,
    /// Visits or units used by claims.
    pub used: Units,
    pub remaining: Option<Units>,
    /// active, not_yet, expired or used_up, as of the day asked.
    pub state: String,
    /// The claims that used it.
    pub claims: Vec<String>,
    pub note: String,
}

/// A claim whose service needs an authorization or referral that is
/// missing, lapsed or used up.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct AuthorizationGap {
    pub claim_number: String,
    pub account_number: String,
    pub payer_code: String,
    pub status: String,
    /// error (the claim is held) or warning.
    pub level: String,
    pub field: String,
    pub message: String,
}

/// An authorization's row and the uses of it, by claim.
pub(super) struct OnFileRow {
    pub(super) on_file: OnFile,
    pub(super) account_id: i64,
    pub(super) uses: Vec<(i64, Units)>,
}

impl OnFileRow {
    /// The authorization as a claim sees it: used by the other claims.
    pub(super) fn for_claim(&self, exclude: Option<i64>) -> OnFile {
        let used = self.uses.iter().filter(|(claim, _)| Some(*claim) != exclude).map(|(_, n)| n).sum();
        OnFile { used, ..self.on_file.clone() }
    }
}

const COLUMNS: &str =
    "a.authorization_id, a.account_id, y.payer_code, a.kind, a.number, a.procedures, a.allowed_thousandths, a.counts, a.valid_from, a.valid_to";

fn on_file_from_row(r: &sqlx::any::AnyRow) -> Result<(OnFile, i64)> {
    let kind: String = r.try_get("kind")?;
    let counts: String = r.try_get("counts")?;
    let procedures: String = r.try_get("procedures")?;
    Ok((
        OnFile {
            id: r.try_get("authorization_id")?,
            kind: AuthorizationKind::parse(&kind).ok_or_else(|| StoreError::Corrupt(format!("authorization kind {kind:?}")))?,
            number: r.try_get("number")?,
            payer_code: r.try_get("payer_code")?,
            procedures: Codes::parse(&procedures, "procedure code").map_err(StoreError::Corrupt)?,
            allowed: match r.try_get::<Option<i64>, _>("allowed_thousandths")? {
                Some(_) => Some(crate::write::units(r, "allowed_thousandths")?),
                None => None,
            },
            counts: Counts::parse(&counts).ok_or_else(|| StoreError::Corrupt(format!("authorization counts {counts:?}")))?,
            from: parse_date(&r.try_get::<String, _>("valid_from")?)?,
            to: parse_date(&r.try_get::<String, _>("valid_to")?)?,
            used: Units::ZERO,
        },
        r.try_get("account_id")?,
    ))
}

/// Authorizations on file for the accounts asked (all when `None`), with
/// their uses by claim.
pub(super) async fn on_file(conn: &mut AnyConnection, org_id: i64, account_id: Option<i64>) -> Result<Vec<OnFileRow>> {
    let filter = if account_id.is_some() { " AND a.account_id = $2" } else { "" };
    let sql = format!(
        "SELECT {COLUMNS} FROM authorization_on_file a JOIN payer y ON y.org_id = a.org_id AND y.payer_key = a.payer_key \
         WHERE a.org_id = $1{filter} ORDER BY a.valid_from, a.authorization_id"
    );
    let mut query = sqlx::query(&sql).bind(org_id);
    if let Some(id) = account_id {
        query = query.bind(id);
    }
    let rows = query.fetch_all(&mut *conn).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let (on_file, account_id) = on_file_from_row(r)?;
        out.push(OnFileRow {
            on_file,
            account_id,
            uses: Vec::new(),
        });
    }
    if out.is_empty() {
        return Ok(out);
    }
    let sql = format!(
        "SELECT u.authorization_id, u.claim_id, CAST(SUM(u.amount_thousandths) AS BIGINT) AS amount_thousandths FROM authorization_use u \
         JOIN authorization_on_file a ON a.org_id = u.org_id AND a.authorization_id = u.authorization_id \
         WHERE u.org_id = $1{filter} GROUP BY u.authorization_id, u.claim_id"
    );
    let mut query = sqlx::query(&sql).bind(org_id);
    if let Some(id) = account_id {
        query = query.bind(id);
    }
    let mut uses: HashMap<i64, Vec<(i64, Units)>> = HashMap::new();
    for r in query.fetch_all(&mut *conn).await? {
        let amount = crate::write::units(&r, "amount_thousandths")?;
        uses.entry(r.try_get("authorization_id")?).or_default().push((r.try_get("claim_id")?, amount));
    }
    for row in &mut out {
        row.uses = uses.remove(&row.on_file.id).unwrap_or_default();
    }
    Ok(out)
}

/// Keeps what a claim uses of the authorizations on file, replacing what
/// it used before (an edit may use less, or another).
pub(super) async fn keep_uses(conn: &mut AnyConnection, org_id: i64, claim_id: i64, uses: &[Use]) -> Result<()> {
    sqlx::query("DELETE FROM authorization_use WHERE org_id = $1 AND claim_id = $2")
        .bind(org_id)
        .bind(claim_id)
        .execute(&mut *conn)
        .await?;
    add_uses(conn, org_id, claim_id, uses).await
}

/// Records the uses of a claim that has none yet (one just inserted).
pub(super) async fn add_uses(conn: &mut AnyConnection, org_id: i64, claim_id: i64, uses: &[Use]) -> Result<()> {
    for u in uses {
        sqlx::query("INSERT INTO authorization_use (org_id, authorization_id, claim_id, line_no, amount_thousandths) VALUES ($1, $2, $3, $4, $5)")
            .bind(org_id)
            .bind(u.authorization_id)
            .bind(claim_id)
            .bind(u.line as i64 + 1)
            .bind(u.amount.thousandths())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

fn state(a: &OnFile, today: Date) -> &'static str {
    if today < a.from {
        "not_yet"
    } else if today > a.to {
        "expired"
    } else if a.allowed.is_some_and(|n| a.used >= n) {
        "used_up"
    } else {
        "active"
    }
}

impl Store {
    /// Records an authorization or referral on file for a patient and payer.
    pub async fn add_authorization(&self, org: &Organisation, cmd: &NewAuthorization, today: Date) -> Result<AuthorizationView> {
        let kind = AuthorizationKind::parse(&cmd.kind).ok_or_else(|| bad("kind", format!("{:?} is not prior_authorization or referral", cmd.kind)))?;
        let number = cmd.number.trim();
        if number.is_empty() || number.chars().count() > 50 || number.contains(['*', '~', ':', '^']) {
            return Err(bad("number", "takes 1 to 50 characters, without * ~ : ^"));
        }
        let procedures = Codes::parse(&cmd.procedures, "procedure code").map_err(|e| bad("procedures", e))?;
        let counts = match cmd.counts.as_deref().filter(|c| !c.trim().is_empty()) {
            Some(text) => Counts::parse(text).ok_or_else(|| bad("counts", format!("{text:?} is not visits or units")))?,
            None => Counts::Visits,
        };
        if cmd.allowed.is_some_and(Units::is_zero) {
            return Err(bad("allowed", "allows at least one visit or unit (leave it out for no limit)"));
        }
        if counts == Counts::Visits && cmd.allowed.is_some_and(|n| !n.is_whole()) {
            return Err(bad("allowed", "visits are counted whole; give a whole number, or count units"));
        }
        if cmd.valid_to < cmd.valid_from {
            return Err(bad("valid_to", format!("{} is before {}", cmd.valid_to, cmd.valid_from)));
        }
        let procedures = &procedures.to_text();
        let id = self
            .write(|tx| {
                Box::pin(async move {
                    let conn = tx.conn();
                    let account = self.account_by_number(conn, org.org_id, &cmd.account_number).await?;
                    let payer = crate::claims::books::payer_by_code(conn, org.org_id, &cmd.payer_code).await?;
                    let taken = sqlx::query("SELECT 1 AS taken FROM authorization_on_file WHERE org_id = $1 AND payer_key = $2 AND kind = $3 AND number = $4")
                        .bind(org.org_id)
                        .bind(payer.payer_key)
                        .bind(kind.as_str())
                        .bind(number)
                        .fetch_optional(&mut *conn)
                        .await?;
                    if taken.is_some() {
                        return Err(bad("number", format!("{} already has {} {number} on file", payer.code, kind.as_str())));
                    }
                    let id = next_ids(conn, org.org_id, "authorization", 1).await?;
                    sqlx::query(
                        "INSERT INTO authorization_on_file (org_id, authorization_id, account_id, payer_key, kind, number, procedures, allowed_thousandths, counts, valid_from, valid_to, note, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
                    )
                    .bind(org.org_id)
                    .bind(id)
                    .bind(account.account_id)
                    .bind(payer.payer_key)
                    .bind(kind.as_str())
                    .bind(number)
                    .bind(procedures)
                    .bind(cmd.allowed.map(Units::thousandths))
                    .bind(counts.as_str())
                    .bind(cmd.valid_from.to_string())
                    .bind(cmd.valid_to.to_string())
                    .bind(cmd.note.trim())
                    .bind(now_text())
                    .execute(&mut *conn)
                    .await?;
                    let after = serde_json::json!({ "kind": kind.as_str(), "number": number, "payer": payer.code, "allowed": cmd.allowed, "counts": counts.as_str() });
                    tx.audit(org.org_id, "authorization.add", &format!("account:{}", account.account_number), None, Some(&after))
                        .await?;
                    Ok(id)
                })
            })
            .await?;
        let all = self.authorizations(org, Some(&cmd.account_number), today).await?;
        all.into_iter()
            .find(|a| a.authorization_id == id)
            .ok_or_else(|| StoreError::Corrupt(format!("authorization {id} not read back")))
    }

    /// Authorizations on file (for one account, or all), newest first, with
    /// what claims used of them and their state on `today`.
    pub async fn authorizations(&self, org: &Organisation, account_number: Option<&str>, today: Date) -> Result<Vec<AuthorizationView>> {
        let mut conn = self.pool().acquire().await?;
        let account = match account_number {
            Some(n) => Some(self.account_by_number(&mut conn, org.org_id, n).await?),
            None => None,
        };
        if let Some(a) = &account {
            self.note_read(org.org_id, "authorization.list", &format!("account:{}", a.account_number))
                .await?;
        } else {
            self.note_read(org.org_id, "authorization.list", "authorizations").await?;
        }
        let rows = on_file(&mut conn, org.org_id, account.as_ref().map(|a| a.account_id)).await?;
        let extra = sqlx::query(
            "SELECT a.authorization_id, a.note, n.account_number FROM authorization_on_file a JOIN account n ON n.org_id = a.org_id AND n.account_id = a.account_id WHERE a.org_id = $1",
        )
        .bind(org.org_id)
        .fetch_all(&mut *conn)
        .await?;
        let mut about: HashMap<i64, (String, String)> = HashMap::new();
        for r in &extra {
            about.insert(r.try_get("authorization_id")?, (r.try_get("note")?, r.try_get("account_number")?));
        }
        let claim_ids: Vec<i64> = rows.iter().flat_map(|r| r.uses.iter().map(|(c, _)| *c)).collect();
        let mut numbers: HashMap<i64, String> = HashMap::new();
        for chunk in claim_ids.chunks(500) {
            let list = chunk.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
            let sql = format!("SELECT claim_id, claim_number FROM claim WHERE org_id = $1 AND claim_id IN ({list})");
            for r in sqlx::query(&sql).bind(org.org_id).fetch_all(&mut *conn).await? {
                numbers.insert(r.try_get("claim_id")?, r.try_get("claim_number")?);
            }
        }
        let mut out: Vec<AuthorizationView> = rows
            .iter()
            .map(|row| {
                let a = row.for_claim(None);
                let (note, account_number) = about.get(&a.id).cloned().unwrap_or_default();
                AuthorizationView {
                    authorization_id: a.id,
                    account_number,
                    payer_code: a.payer_code.clone(),
                    kind: a.kind.as_str().to_string(),
                    number: a.number.clone(),
                    procedures: a.procedures.to_text(),
                    allowed: a.allowed,
                    counts: a.counts.as_str().to_string(),
                    valid_from: a.from,
                    valid_to: a.to,
                    used: a.used,
                    remaining: a.allowed.map(|n| n.checked_sub(a.used).unwrap_or_default()),
                    state: state(&a, today).to_string(),
                    claims: row.uses.iter().filter_map(|(c, _)| numbers.get(c).cloned()).collect(),
                    note,
                }
            })
            .collect();
        out.reverse();
        Ok(out)
    }

    /// Claims not yet with the payer whose service needs an authorization
    /// or referral that is missing, lapsed or used up, as the scrubber
    /// found when each was last saved or scrubbed.
    pub async fn authorization_worklist(&self, org: &Organisation) -> Result<Vec<AuthorizationGap>> {
        self.note_read(org.org_id, "authorization.worklist", "claims").await?;
        let rows = sqlx::query(
            "SELECT c.claim_number, a.account_number, y.payer_code, c.status, c.findings FROM claim c \
             JOIN account a ON a.org_id = c.org_id AND a.account_id = c.account_id JOIN payer y ON y.org_id = c.org_id AND y.payer_key = c.payer_key \
             WHERE c.org_id = $1 AND c.status IN ('draft', 'scrubbed', 'ready', 'rejected') \
             AND (c.findings LIKE '%prior_authorization%' OR c.findings LIKE '%referral_number%') ORDER BY c.claim_id",
        )
        .bind(org.org_id)
        .fetch_all(self.pool())
        .await?;
        let mut out = Vec::new();
        for r in &rows {
            let findings: Vec<Finding> = serde_json::from_str(&r.try_get::<String, _>("findings")?)?;
            for f in findings
                .iter()
                .filter(|f| f.field.ends_with(".prior_authorization") || f.field.ends_with(".referral_number"))
            {
                out.push(AuthorizationGap {
                    claim_number: r.try_get("claim_number")?,
                    account_number: r.try_get("account_number")?,
                    payer_code: r.try_get("payer_code")?,
                    status: r.try_get("status")?,
                    level: crate::claims::FindingView::from(f).level,
                    field: f.field.clone(),
                    message: f.message.clone(),
                });
            }
        }
        Ok(out)
    }
}
