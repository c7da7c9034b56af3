//! What the dunning runs did: an account's actions, newest first, with the
//! level it stands at; and whether a day's run has been made.

use jiff::civil::Date;
use sqlx::Row;

use super::ActionView;
use crate::platform::Organisation;
use crate::write::fmt;
use crate::{Result, Store};

impl Store {
    /// What dunning did on the account, newest first.
    pub async fn dunning_actions(&self, org: &Organisation, account_number: &str) -> Result<(Option<String>, Vec<ActionView>)> {
        self.note_read(org.org_id, "dunning.read", &format!("account:{}", account_number.trim().to_ascii_uppercase()))
            .await?;
        let mut conn = self.pool().acquire().await?;
        let account = self.account_by_number(&mut conn, org.org_id, account_number).await?;
        let state: Option<String> = sqlx::query("SELECT level_name, stage, reached_on, held_on FROM dunning_state WHERE org_id = $1 AND account_id = $2")
            .bind(org.org_id)
            .bind(account.account_id)
            .fetch_optional(&mut *conn)
            .await?
            .map(|r| -> Result<String> {
                let (level, stage, on, held): (String, String, String, Option<String>) =
                    (r.try_get("level_name")?, r.try_get("stage")?, r.try_get("reached_on")?, r.try_get("held_on")?);
                Ok(format!(
                    "{} since {on}{}{}",
                    level.replace('_', " "),
                    if stage != level {
                        format!(", stage {}", stage.replace('_', " "))
                    } else {
                        String::new()
                    },
                    held.map(|h| format!(", held since {h}")).unwrap_or_default()
                ))
            })
            .transpose()?;
        let rows = sqlx::query(
            "SELECT on_date, level_name, action, outcome, amount_minor, detail FROM dunning_action WHERE org_id = $1 AND account_id = $2 ORDER BY action_id DESC LIMIT 200",
        )
        .bind(org.org_id)
        .bind(account.account_id)
        .fetch_all(&mut *conn)
        .await?;
        let actions = rows
            .iter()
            .map(|r| {
                let amount: i64 = r.try_get("amount_minor")?;
                Ok(ActionView {
                    account_number: account.account_number.clone(),
                    on_date: r.try_get("on_date")?,
                    level: r.try_get("level_name")?,
                    action: r.try_get("action")?,
                    outcome: r.try_get("outcome")?,
                    amount: (amount != 0).then(|| fmt(amount, account.currency)),
                    detail: r.try_get("detail")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((state, actions))
    }

    /// Whether the organisation's dunning has run for this day.
    pub async fn dunning_ran_on(&self, org: &Organisation, day: Date) -> Result<bool> {
        let mut conn = self.pool().acquire().await?;
        Ok(sqlx::query("SELECT 1 FROM dunning_run WHERE org_id = $1 AND as_of = $2")
            .bind(org.org_id)
            .bind(day.to_string())
            .fetch_optional(&mut *conn)
            .await?
            .is_some())
    }
}
