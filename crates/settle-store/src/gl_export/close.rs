//! Closing the books through a day: refused while a day up to it has
//! movement not yet sent to the general ledger (unless the organisation
//! does not export), and only ever forward. From then on no entry dated on
//! or before it is taken (`refuse_closed`, in `Batch::flush`).

use serde::{Deserialize, Serialize};
use settle_domain::Date;
use sqlx::Row;

use super::export::{due, window};
use super::{closed_through, hold_journal};
use crate::platform::audit::current_actor;
use crate::platform::Organisation;
use crate::write::{check_text, next_ids};
use crate::{now_text, Result, Store, StoreError};

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseBooks {
    /// The last day of the closed period (a month's last day, usually).
    pub through: Date,
    #[serde(default)]
    pub note: String,
    /// Close although days up to `through` were never sent to a general
    /// ledger (an organisation that does not export).
    #[serde(default)]
    pub without_export: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct BooksCloseView {
    pub close_id: i64,
    pub closed_through: String,
    pub last_entry_id: i64,
    pub note: String,
    pub created_at: String,
    pub created_by: String,
}

impl Store {
    /// Closes the books through a day.
    pub async fn close_books(&self, org: &Organisation, cmd: &CloseBooks) -> Result<BooksCloseView> {
        let note = check_text("note", &cmd.note, 500)?;
        self.write(|tx| {
            let note = note.clone();
            Box::pin(async move {
                let conn = tx.conn();
                let last_entry_id = hold_journal(conn, org.org_id).await?;
                if let Some(closed) = closed_through(conn, org.org_id).await? {
                    if cmd.through <= closed {
                        return Err(StoreError::invalid(
                            "through",
                            format!("the books are already closed through {closed}; a close only moves forward"),
                        ));
                    }
                }
                if !cmd.without_export {
                    let from = window(conn, org.org_id, None, cmd.through).await?;
                    let unsent = due(conn, org.org_id, from, cmd.through).await?;
                    if let Some(first) = unsent.first() {
                        return Err(StoreError::invalid(
                            "through",
                            format!(
                                "{} journal(s) up to {} are not yet sent to the general ledger (first: {}); export through {} first, or close without export",
                                unsent.len(),
                                cmd.through,
                                first.id,
                                cmd.through
                            ),
                        ));
                    }
                }
                let close_id = next_ids(conn, org.org_id, "books_close", 1).await?;
                let view = BooksCloseView {
                    close_id,
                    closed_through: cmd.through.to_string(),
                    last_entry_id,
                    note,
                    created_at: now_text(),
                    created_by: current_actor().name,
                };
                sqlx::query(
                    "INSERT INTO books_close (org_id, close_id, closed_through, last_entry_id, note, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(org.org_id)
                .bind(close_id)
                .bind(&view.closed_through)
                .bind(last_entry_id)
                .bind(&view.note)
                .bind(&view.created_at)
                .bind(&view.created_by)
                .execute(&mut *conn)
                .await?;
                tx.audit(org.org_id, "books.close", &format!("books_close:{close_id}"), None, Some(&serde_json::to_value(&view)?))
                    .await?;
                Ok(view)
            })
        })
        .await
    }

    /// The closes, newest first.
    pub async fn books_closes(&self, org: &Organisation) -> Result<Vec<BooksCloseView>> {
        let rows = sqlx::query(
            "SELECT close_id, closed_through, last_entry_id, note, created_at, created_by FROM books_close WHERE org_id = $1 ORDER BY close_id DESC",
        )
        .bind(org.org_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(BooksCloseView {
                    close_id: r.try_get("close_id")?,
                    closed_through: r.try_get("closed_through")?,
                    last_entry_id: r.try_get("last_entry_id")?,
                    note: r.try_get("note")?,
                    created_at: r.try_get("created_at")?,
                    created_by: r.try_get("created_by")?,
                })
            })
            .collect()
    }
}
