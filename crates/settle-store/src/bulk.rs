//! Many commands in one transaction: the demo builder, CSV imports and the
//! benchmark. The commands are staged by the same functions the one-at-a-time
//! commands use; what differs is that ids come in blocks, the accounts and
//! their open items are kept in memory, and rows are flushed in large
//! multi-row inserts. Either every command is applied or none is.

use std::collections::{HashMap, HashSet};

use settle_domain::account::AccountNumber;

use crate::batch::Batch;
use crate::billing::{AccountRow, ItemRow, NewAccount, NewAdjustment, NewInvoice, NewPayment};
use crate::platform::Organisation;
use crate::write::{IdBlock, Staging};
use crate::{Result, Store, StoreError};

#[derive(Clone, Debug)]
pub enum BulkCommand {
    Account(Box<NewAccount>),
    Invoice(NewInvoice),
    Payment(NewPayment),
    Adjustment(NewAdjustment),
}

#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
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

/// The file a bulk import came from: remembered by its content's SHA-256,
/// so the same file is refused the second time unless forced, and
/// optionally under an idempotency key, so a retried import replays.
#[derive(Clone, Debug)]
pub struct ImportedFile {
    /// invoices or payments.
    pub kind: &'static str,
    pub file_name: String,
    pub sha256: String,
    /// Import it again although the same content was imported before.
    pub force: bool,
    pub key: Option<settle_domain::IdempotencyKey>,
}

/// What an import did: applied now, or replayed from its idempotency key.
#[derive(Clone, Debug)]
pub struct ImportOutcome {
    pub applied: BulkOutcome,
    pub replayed: bool,
}

impl Store {
    /// Applies `commands` in one transaction, calling `progress` with the
    /// count done every 1,000 commands.
    pub async fn bulk_apply(
        &self,
        org: &Organisation,
        commands: impl IntoIterator<Item = BulkCommand>,
        progress: &mut (dyn FnMut(u64) + Send),
    ) -> Result<BulkOutcome, BulkError> {
        Ok(self.bulk_import(org, None, commands, progress).await?.applied)
    }

    /// [`Store::bulk_apply`] for a file: in the same transaction, refuses
    /// content imported before (unless `force`), replays an idempotency
    /// key's first outcome, and remembers the file.
    pub async fn bulk_import(
        &self,
        org: &Organisation,
        file: Option<&ImportedFile>,
        commands: impl IntoIterator<Item = BulkCommand>,
        progress: &mut (dyn FnMut(u64) + Send),
    ) -> Result<ImportOutcome, BulkError> {
        let outer = |error: StoreError| BulkError { index: 0, error };
        let mut tx = crate::write::Write::begin(self).await.map_err(outer)?;
        let request_json = file.map(|f| serde_json::json!({ "import": f.kind, "sha256": f.sha256 }).to_string());
        if let (Some(file), Some(request_json)) = (file, &request_json) {
            if let Some(key) = &file.key {
                if let Some(stored) = crate::write::idempotency_lookup(tx.conn(), org.org_id, key, request_json)
                    .await
                    .map_err(outer)?
                {
                    let applied: BulkOutcome = serde_json::from_str(&stored).map_err(|e| outer(e.into()))?;
                    return Ok(ImportOutcome { applied, replayed: true });
                }
            }
            if !file.force {
                let earlier: Option<String> = sqlx::query_scalar("SELECT MIN(imported_at) FROM import_file WHERE org_id = $1 AND kind = $2 AND sha256 = $3")
                    .bind(org.org_id)
                    .bind(file.kind)
                    .bind(&file.sha256)
                    .fetch_one(tx.conn())
                    .await
                    .map_err(|e| outer(e.into()))?;
                if let Some(at) = earlier {
                    return Err(outer(StoreError::invalid(
                        "file",
                        format!(
                            "these exact {} were imported on {at}; importing them again would post them twice (use --force if that is meant)",
                            file.kind
                        ),
                    )));
                }
            }
        }
        let mut batch = Batch::default();
        let mut ids = IdBlock::with_block_size(10_000);
        let mut accounts: HashMap<String, (AccountRow, Vec<ItemRow>)> = HashMap::new();
        // Accounts this import staged or changed since its last flush.
        let mut touched: HashSet<String> = HashSet::new();
        let mut outcome = BulkOutcome::default();
        let mut done: u64 = 0;
        let mut default_terms: Option<String> = None;
        // Read once, so a row dated in a closed period is named by its line
        // (the flush refuses it in any case, under the journal's lock).
        let closed = crate::gl_export::closed_through(tx.conn(), org.org_id).await.map_err(outer)?;
        for (index, command) in commands.into_iter().enumerate() {
            let at = |error: StoreError| BulkError { index, error };
            let conn = tx.conn();
            match command {
                BulkCommand::Account(mut cmd) => {
                    // Without terms of its own, an account takes the organisation's default.
                    if cmd.payment_terms.is_none() {
                        let terms = match &default_terms {
                            Some(terms) => terms.clone(),
                            None => default_terms.insert(crate::billing::default_terms(conn, org.org_id).await.map_err(at)?).clone(),
                        };
                        cmd.payment_terms = Some(terms);
                    }
                    let (created, row) = self.stage_account_row(conn, org, &cmd, &mut batch, &mut ids).await.map_err(at)?;
                    // A new account has no items: bill it from memory, with
                    // no flush and no read back.
                    if accounts.len() >= MAX_CACHED_ACCOUNTS {
                        batch.flush(conn, org.org_id).await.map_err(at)?;
                        accounts.clear();
                    }
                    touched.insert(created.account_number.clone());
                    accounts.insert(created.account_number, (row, Vec::new()));
                    outcome.accounts += 1;
                }
                BulkCommand::Invoice(cmd) => {
                    let (account, items) = cached_account(self, conn, org, &mut accounts, &mut touched, &mut batch, &cmd.account_number)
                        .await
                        .map_err(at)?;
                    self.stage_invoice(
                        Staging {
                            conn: &mut *conn,
                            org_id: org.org_id,
                            batch: &mut batch,
                            ids: &mut ids,
                        },
                        account,
                        items,
                        &cmd,
                    )
                    .await
                    .map_err(at)?;
                    outcome.invoices += 1;
                }
                BulkCommand::Payment(cmd) => {
                    let (account, items) = cached_account(self, conn, org, &mut accounts, &mut touched, &mut batch, &cmd.account_number)
                        .await
                        .map_err(at)?;
                    self.stage_payment(
                        Staging {
                            conn: &mut *conn,
                            org_id: org.org_id,
                            batch: &mut batch,
                            ids: &mut ids,
                        },
                        account,
                        items,
                        &cmd,
                    )
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
            if let Some(refusal) = batch
                .earliest_entry()
                .and_then(|day| settle_domain::gl_export::closed_period_refusal(day, closed))
            {
                return Err(at(StoreError::invalid("effective_date", refusal)));
            }
            if batch.row_count() >= FLUSH_ROWS {
                batch.flush(tx.conn(), org.org_id).await.map_err(at)?;
            }
            batch.analyze_as_it_grows(tx.conn()).await.map_err(at)?;
            done += 1;
            if done % 1000 == 0 {
                progress(done);
            }
        }
        batch
            .flush(tx.conn(), org.org_id)
            .await
            .map_err(|error| BulkError { index: done as usize, error })?;
        let at_end = |error: StoreError| BulkError { index: done as usize, error };
        ids.give_back(tx.conn(), org.org_id).await.map_err(at_end)?;
        if let (Some(file), Some(request_json)) = (file, &request_json) {
            sqlx::query("INSERT INTO import_file (org_id, kind, sha256, imported_at, file_name, commands, forced) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                .bind(org.org_id)
                .bind(file.kind)
                .bind(&file.sha256)
                .bind(crate::now_text())
                .bind(&file.file_name)
                .bind(done as i64)
                .bind(i64::from(file.force))
                .execute(tx.conn())
                .await
                .map_err(|e| at_end(e.into()))?;
            if let Some(key) = &file.key {
                let response = serde_json::to_string(&outcome).map_err(|e| at_end(e.into()))?;
                crate::write::idempotency_store(tx.conn(), org.org_id, key, request_json, &response)
                    .await
                    .map_err(at_end)?;
            }
        }
        let after =
            serde_json::json!({ "applied": &outcome, "file": file.map(|f| serde_json::json!({ "name": f.file_name, "sha256": f.sha256, "forced": f.force })) });
        tx.audit(org.org_id, "bulk.apply", &format!("organisation:{}", org.slug), None, Some(&after))
            .await
            .map_err(|error| BulkError { index: done as usize, error })?;
        tx.commit().await.map_err(|error| BulkError { index: done as usize, error })?;
        // What reads the books next (verify, reports) plans with what was
        // just written, not with the tables' statistics from before.
        if self.backend() == crate::Backend::Postgres {
            let mut conn = self.pool().acquire().await.map_err(|e| at_end(e.into()))?;
            crate::batch::analyze(&mut conn, batch.tables_written()).await.map_err(at_end)?;
        }
        progress(done);
        Ok(ImportOutcome {
            applied: outcome,
            replayed: false,
        })
    }
}

async fn cached_account<'a>(
    store: &Store,
    conn: &mut sqlx::AnyConnection,
    org: &Organisation,
    accounts: &'a mut HashMap<String, (AccountRow, Vec<ItemRow>)>,
    touched: &mut HashSet<String>,
    batch: &mut Batch,
    number: &str,
) -> Result<(&'a mut AccountRow, &'a mut Vec<ItemRow>)> {
    let number = AccountNumber::parse(number).map_err(|e| StoreError::invalid("account_number", e))?;
    if batch.is_empty() {
        // Everything this import did is in the database.
        touched.clear();
    }
    if !accounts.contains_key(number.as_str()) {
        // The account may have been staged by this very import, or changed
        // by it before it left the cache: write what is staged first. An
        // account this import has not met needs no flush.
        if touched.contains(number.as_str()) || accounts.len() >= MAX_CACHED_ACCOUNTS {
            batch.flush(conn, org.org_id).await?;
        }
        // Everything staged is now in the database, so forgetting cached
        // accounts loses nothing; it bounds memory on large imports.
        if accounts.len() >= MAX_CACHED_ACCOUNTS {
            accounts.clear();
        }
        touched.insert(number.as_str().to_string());
        let account = store.account_by_number(conn, org.org_id, number.as_str()).await?;
        let items = store.open_items(conn, org.org_id, account.account_id).await?;
        accounts.insert(number.as_str().to_string(), (account, items));
    }
    let (account, items) = accounts.get_mut(number.as_str()).expect("inserted above");
    Ok((account, items))
}
