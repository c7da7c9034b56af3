//! Settle's chart of accounts mapped to the customer's general ledger.

use serde::{Deserialize, Serialize};
use settle_domain::gl_export::{Mapping, Target};
use settle_domain::ledger::GlAccount;
use sqlx::{AnyConnection, Row};

use crate::platform::audit::current_actor;
use crate::platform::Organisation;
use crate::{now_text, Result, Store, StoreError};

/// One of Settle's accounts and where it goes.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct MappingView {
    #[schema(example = "1000")]
    pub gl_code: String,
    pub gl_account: String,
    /// The account as the general ledger names it; empty when not mapped.
    #[schema(example = "Undeposited Funds")]
    pub target_account: String,
    /// QuickBooks Online's account id; empty when not known.
    pub target_id: String,
    pub changed_at: String,
    pub changed_by: String,
}

/// Maps one of Settle's accounts.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetMapping {
    #[schema(example = "1000")]
    pub gl_code: String,
    #[schema(example = "Undeposited Funds")]
    pub target_account: String,
    /// QuickBooks Online's account id (needed for its API's JSON only).
    #[serde(default)]
    pub target_id: Option<String>,
}

pub(super) async fn mapping_in(conn: &mut AnyConnection, org_id: i64) -> Result<Mapping> {
    let rows = sqlx::query("SELECT gl_code, target_account, target_id FROM gl_mapping WHERE org_id = $1")
        .bind(org_id)
        .fetch_all(&mut *conn)
        .await?;
    let mut mapping = Mapping::default();
    for r in rows {
        let code: String = r.try_get("gl_code")?;
        let gl = GlAccount::from_code(&code).ok_or_else(|| StoreError::Corrupt(format!("gl_mapping.gl_code {code:?}")))?;
        mapping.0.insert(
            gl,
            Target {
                account: r.try_get("target_account")?,
                id: r.try_get("target_id")?,
            },
        );
    }
    Ok(mapping)
}

async fn views(conn: &mut AnyConnection, org_id: i64) -> Result<Vec<MappingView>> {
    let rows = sqlx::query("SELECT gl_code, target_account, target_id, changed_at, changed_by FROM gl_mapping WHERE org_id = $1")
        .bind(org_id)
        .fetch_all(&mut *conn)
        .await?;
    let mut by_code = std::collections::HashMap::new();
    for r in rows {
        let code: String = r.try_get("gl_code")?;
        by_code.insert(code, r);
    }
    GlAccount::ALL
        .into_iter()
        .map(|gl| {
            let row = by_code.get(gl.code());
            let get = |column: &str| -> Result<String> { row.map_or(Ok(String::new()), |r| Ok(r.try_get(column)?)) };
            Ok(MappingView {
                gl_code: gl.code().to_string(),
                gl_account: gl.name().to_string(),
                target_account: get("target_account")?,
                target_id: get("target_id")?,
                changed_at: get("changed_at")?,
                changed_by: get("changed_by")?,
            })
        })
        .collect()
}

impl Store {
    /// Every account of Settle's chart with where it goes (empty: not mapped).
    pub async fn gl_mapping(&self, org: &Organisation) -> Result<Vec<MappingView>> {
        let mut conn = self.pool().acquire().await?;
        views(&mut conn, org.org_id).await
    }

    /// Maps one account (a change replaces the last; the trail keeps both).
    pub async fn set_gl_mapping(&self, org: &Organisation, cmd: &SetMapping) -> Result<MappingView> {
        let mut views = self.set_gl_mappings(org, std::slice::from_ref(cmd)).await?;
        views.pop().ok_or_else(|| StoreError::Corrupt("a mapping just written is missing".into()))
    }

    /// Maps several accounts at once (the mapping page): every row checked
    /// first, then all written in one transaction, or none.
    pub async fn set_gl_mappings(&self, org: &Organisation, cmds: &[SetMapping]) -> Result<Vec<MappingView>> {
        let mut rows = Vec::with_capacity(cmds.len());
        for cmd in cmds {
            let code = cmd.gl_code.trim();
            let gl = GlAccount::from_code(code).ok_or_else(|| {
                StoreError::invalid(
                    "gl_code",
                    format!("{code:?} is not one of Settle's accounts (1000, 1010, 1100, ... as `settle books mapping` lists)"),
                )
            })?;
            let target = Target::new(&cmd.target_account, cmd.target_id.as_deref().unwrap_or(""))
                .map_err(|(field, m)| StoreError::invalid(field, format!("{code}: {m}")))?;
            rows.push((gl, target));
        }
        self.write(|tx| {
            let rows = rows.clone();
            Box::pin(async move {
                // What each account went to before, read once for the trail.
                let before = views(tx.conn(), org.org_id).await?;
                let (at, by) = (now_text(), current_actor().name);
                let mut out = Vec::with_capacity(rows.len());
                for (gl, target) in rows {
                    let conn = tx.conn();
                    sqlx::query("DELETE FROM gl_mapping WHERE org_id = $1 AND gl_code = $2")
                        .bind(org.org_id)
                        .bind(gl.code())
                        .execute(&mut *conn)
                        .await?;
                    sqlx::query("INSERT INTO gl_mapping (org_id, gl_code, target_account, target_id, changed_at, changed_by) VALUES ($1, $2, $3, $4, $5, $6)")
                        .bind(org.org_id)
                        .bind(gl.code())
                        .bind(&target.account)
                        .bind(&target.id)
                        .bind(&at)
                        .bind(&by)
                        .execute(&mut *conn)
                        .await?;
                    let after = MappingView {
                        gl_code: gl.code().to_string(),
                        gl_account: gl.name().to_string(),
                        target_account: target.account,
                        target_id: target.id,
                        changed_at: at.clone(),
                        changed_by: by.clone(),
                    };
                    let was = before.iter().find(|v| v.gl_code == gl.code() && !v.target_account.is_empty());
                    tx.audit(
                        org.org_id,
                        "gl.mapping",
                        &format!("gl_mapping:{}", gl.code()),
                        was.map(serde_json::to_value).transpose()?.as_ref(),
                        Some(&serde_json::to_value(&after)?),
                    )
                    .await?;
                    out.push(after);
                }
                Ok(out)
            })
        })
        .await
    }
}
