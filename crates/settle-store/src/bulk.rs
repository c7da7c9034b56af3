//! Many commands in one transaction: the demo builder, CSV imports and the
//! benchmark. The commands are staged by the same functions the one-at-a-time
//! commands use; what differs is that ids come in blocks, the accounts and
//! their open items are kept in memory, and rows are flushed in large
//! multi-row inserts. Either every command is applied or none is.

use std::collections::HashMap;

use settle_domain::account::AccountNumber;

use crate::batch::Batch;
use crate::ops::{AccountRow, IdBlock, ItemRow, NewAccount, NewAdjustment, NewInvoice, NewPayment, Organisation};
use crate::{Result, Store, StoreError};

#[derive(Clone, Debug)]
pub enum BulkCommand {
    Account(NewAccount),
    Invoice(NewInvoice),
    Payment(NewPayment),
    Adjustment(NewAdjustment),
}

#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct BulkOutcome {
    pub accounts: u64,
    pub invoices: u64,
    pub payments: u64,
    pub adjustments: u64,
}

/// Which command failed (counting from 0) and why; nothing was applied.
#[derive(Debug, thiserror::Error)]
#[error("command {index}: {error}")]
pub struct BulkError {
    pub index: usize,
    #[source]
    pub error: StoreError,
}

/// Rows staged before a flush: bounds memory whatever the import's size.
const FLUSH_ROWS: usize = 20_000;

/// Accounts (with their open items) kept in memory during a bulk apply.
const MAX_CACHED_ACCOUNTS: usize = 2_000;

impl Store {
    /// Applies `commands` in one transaction, calling `progress` with the
    /// count done every 1,000 commands.
    pub async fn bulk_apply(
        &self,
        org: &Organisation,
        commands: impl IntoIterator<Item = BulkCommand>,
        progress: &mut dyn FnMut(u64),
    ) -> Result<BulkOutcome, BulkError> {
        let outer = |error: StoreError| BulkError { index: 0, error };
        let mut tx = self.begin_write().await.map_err(outer)?;
        let mut batch = Batch::default();
        let mut ids = IdBlock::with_block_size(10_000);
        let mut accounts: HashMap<String, (AccountRow, Vec<ItemRow>)> = HashMap::new();
        let mut outcome = BulkOutcome::default();
        let mut done: u64 = 0;
        for (index, command) in commands.into_iter().enumerate() {
            let at = |error: StoreError| BulkError { index, error };
            let conn = tx.conn();
            match command {
                BulkCommand::Account(cmd) => {
                    self.stage_account(conn, org, &cmd, &mut batch, &mut ids).await.map_err(at)?;
                    outcome.accounts += 1;
                }
                BulkCommand::Invoice(cmd) => {
                    let (account, items) = cached_account(self, conn, org, &mut accounts, &mut batch, &cmd.account_number)
                        .await
                        .map_err(at)?;
                    self.stage_invoice(conn, org.org_id, account, items, &cmd, &mut batch, &mut ids)
                        .await
                        .map_err(at)?;
                    outcome.invoices += 1;
                }
                BulkCommand::Payment(cmd) => {
                    let (account, items) = cached_account(self, conn, org, &mut accounts, &mut batch, &cmd.account_number)
                        .await
                        .map_err(at)?;
                    self.stage_payment(conn, org.org_id, account, items, &cmd, &mut batch, &mut ids)
                        .await
                        .map_err(at)?;
                    items.retain(|i| i.balance_minor > 0);
                    outcome.payments += 1;
                }
                BulkCommand::Adjustment(cmd) => {
                    // Reads the item from the database: write what is staged first.
                    batch.flush(conn, org.org_id).await.map_err(at)?;
                    let posted = self.stage_adjustment(conn, org.org_id, &cmd, &mut batch).await.map_err(at)?;
                    batch.flush(conn, org.org_id).await.map_err(at)?;
                    for (account, items) in accounts.values_mut() {
                        if let Some(item) = items.iter_mut().find(|i| i.reference == posted.reference) {
                            let before = item.balance_minor;
                            item.balance_minor = settle_domain::money::Money::parse(&posted.balance, account.currency)
                                .map(|m| m.amount_minor())
                                .unwrap_or(0);
                            account.balance_minor -= before - item.balance_minor;
                        }
                        items.retain(|i| i.balance_minor > 0);
                    }
                    outcome.adjustments += 1;
                }
            }
            if batch.row_count() >= FLUSH_ROWS {
                batch.flush(tx.conn(), org.org_id).await.map_err(at)?;
            }
            done += 1;
            if done % 1000 == 0 {
                progress(done);
            }
        }
        batch
            .flush(tx.conn(), org.org_id)
            .await
            .map_err(|error| BulkError { index: done as usize, error })?;
        let after = serde_json::json!({ "applied": &outcome });
        crate::audit::append(
            tx.conn(),
            self.for_update(),
            org.org_id,
            "bulk.apply",
            &format!("organisation:{}", org.slug),
            None,
            Some(&after),
        )
        .await
        .map_err(|error| BulkError { index: done as usize, error })?;
        tx.commit().await.map_err(|error| BulkError { index: done as usize, error })?;
        progress(done);
        Ok(outcome)
    }
}

async fn cached_account<'a>(
    store: &Store,
    conn: &mut sqlx::AnyConnection,
    org: &Organisation,
    accounts: &'a mut HashMap<String, (AccountRow, Vec<ItemRow>)>,
    batch: &mut Batch,
    number: &str,
) -> Result<(&'a mut AccountRow, &'a mut Vec<ItemRow>)> {
    let number = AccountNumber::parse(number).map_err(|e| StoreError::invalid("account_number", e))?;
    if !accounts.contains_key(number.as_str()) {
        // The account may have been staged by this very import.
        batch.flush(conn, org.org_id).await?;
        // Everything staged is now in the database, so forgetting cached
        // accounts loses nothing; it bounds memory on large imports.
        if accounts.len() >= MAX_CACHED_ACCOUNTS {
            accounts.clear();
        }
        let account = store.account_by_number(conn, org.org_id, number.as_str()).await?;
        let items = store.open_items(conn, org.org_id, account.account_id).await?;
        accounts.insert(number.as_str().to_string(), (account, items));
    }
    let (account, items) = accounts.get_mut(number.as_str()).expect("inserted above");
    Ok((account, items))
}
