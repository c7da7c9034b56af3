//! The books out (issue 24, part 4): Settle's chart mapped to the
//! customer's general ledger, the daily summary journals exported (every
//! journal kept, so the next export sends only what changed, under a new
//! id), and the periods closed. A closed period takes no new entry: the one
//! door is `Batch::flush`, which calls [`refuse_closed`] while it holds the
//! journal's head; `settle verify` replays the rule.

mod close;
mod export;
mod mapping;

pub use close::{BooksCloseView, CloseBooks};
pub use export::{GlExportView, GlJournalView, GlLineView, NewGlExport};
pub use mapping::{MappingView, SetMapping};

use settle_domain::gl_export::closed_period_refusal;
use settle_domain::Date;
use sqlx::{AnyConnection, Row};

use crate::{Result, StoreError};

/// The last day the books are closed through, if ever closed.
pub(crate) async fn closed_through(conn: &mut AnyConnection, org_id: i64) -> Result<Option<Date>> {
    let row = sqlx::query("SELECT MAX(closed_through) AS d FROM books_close WHERE org_id = $1")
        .bind(org_id)
        .fetch_one(&mut *conn)
        .await?;
    let text: Option<String> = row.try_get("d")?;
    text.map(|t| t.parse().map_err(|e| StoreError::Corrupt(format!("books_close.closed_through {t:?}: {e}"))))
        .transpose()
}

/// Refuses a write whose earliest entry is dated in a closed period.
pub(crate) async fn refuse_closed(conn: &mut AnyConnection, org_id: i64, earliest: Date) -> Result<()> {
    match closed_period_refusal(earliest, closed_through(conn, org_id).await?) {
        Some(message) => Err(StoreError::invalid("effective_date", message)),
        None => Ok(()),
    }
}

/// Holds the organisation's journal head until the transaction ends
/// (PostgreSQL; SQLite has one writer), so a close or an export sees every
/// entry committed before it and none commits beside it; returns the last
/// entry id.
async fn hold_journal(conn: &mut AnyConnection, org_id: i64) -> Result<i64> {
    let for_update = if conn.backend_name() == "SQLite" { "" } else { " FOR UPDATE" };
    let head = crate::platform::chain::head(conn, for_update, org_id)
        .await?
        .ok_or_else(|| StoreError::Corrupt(format!("the journal's chain head is missing for organisation {org_id}")))?;
    Ok(head.last_entry_id)
}

fn date_text(field: &'static str, text: &str) -> Result<Date> {
    text.parse().map_err(|e| StoreError::Corrupt(format!("{field} {text:?}: {e}")))
}
