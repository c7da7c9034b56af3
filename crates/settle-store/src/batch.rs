//! Rows to write for one or many business events, written in one go.
//!
//! Every write goes through a [`Batch`]: a single payment posted from the
//! CLI and a million rows from an import take the same path, so the import
//! cannot drift from the one-at-a-time rules. Rows are inserted with
//! multi-row `INSERT`s (kept under both engines' bind-parameter limits), then
//! the cached balances of rows that already existed are moved by guarded
//! `UPDATE`s that refuse to take an item below zero or a credit negative.

use std::collections::BTreeMap;

use settle_domain::ledger::JournalEntry;
use settle_domain::money::MAX_ACCOUNT_BALANCE_MINOR;
use settle_domain::Date;
use sqlx::any::AnyArguments;
use sqlx::{AnyConnection, Arguments, Row};

use crate::{Result, StoreError};

/// One SQL value.
#[derive(Clone, Debug)]
pub enum V {
    I(i64),
    T(String),
    NI(Option<i64>),
    NT(Option<String>),
}

impl From<i64> for V {
    fn from(v: i64) -> V {
        V::I(v)
    }
}
impl From<String> for V {
    fn from(v: String) -> V {
        V::T(v)
    }
}
impl From<&str> for V {
    fn from(v: &str) -> V {
        V::T(v.to_string())
    }
}
impl From<Option<i64>> for V {
    fn from(v: Option<i64>) -> V {
        V::NI(v)
    }
}
impl From<Option<String>> for V {
    fn from(v: Option<String>) -> V {
        V::NT(v)
    }
}
impl From<Date> for V {
    fn from(v: Date) -> V {
        V::T(v.to_string())
    }
}

/// A table and the columns a batch writes, in insertion order.
pub struct Table {
    pub name: &'static str,
    pub columns: &'static [&'static str],
}

/// A row a batch can write: one struct per table, its fields the table's
/// columns, so a row is written by column name and a missing or extra
/// column does not compile.
pub trait BatchRow {
    const TABLE: &'static Table;
    fn cells(self) -> Vec<V>;
}

impl Table {
    /// Where `column` sits in this table's rows; a name the table does not
    /// have fails to compile where it is used in a `const`.
    pub const fn at(&self, column: &str) -> usize {
        let mut i = 0;
        while i < self.columns.len() {
            if same(self.columns[i].as_bytes(), column.as_bytes()) {
                return i;
            }
            i += 1;
        }
        panic!("no such column")
    }
}

const fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// The cached columns a batch moves in rows it creates itself.
const ITEM_BALANCE: usize = OPEN_ITEM.at("balance_minor");
const ITEM_STATUS: usize = OPEN_ITEM.at("status");
const INVOICE_STATUS: usize = INVOICE.at("status");
const ACCOUNT_ID: usize = ACCOUNT.at("account_id");
const ACCOUNT_BALANCE: usize = ACCOUNT.at("balance_minor");
const ACCOUNT_CREDIT: usize = ACCOUNT.at("credit_minor");

macro_rules! tables {
    ($($konst:ident = $name:literal $row:ident [$($col:ident),* $(,)?];)*) => {
        $(
            pub const $konst: Table = Table { name: $name, columns: &[$(stringify!($col)),*] };
            #[doc = concat!("A row of `", $name, "`, column by column.")]
            pub struct $row {
                $(pub $col: V,)*
            }
            impl BatchRow for $row {
                const TABLE: &'static Table = &$konst;
                fn cells(self) -> Vec<V> {
                    vec![$(self.$col),*]
                }
            }
        )*
        /// Insertion order: a row's references are written before it.
        const ORDER: &[&Table] = &[$(&$konst),*];
    };
}

tables! {
    PARTY = "party" PartyRow [org_id, party_id, kind, name, date_of_birth, created_at, sex, last_name, first_name, middle_name, name_suffix];
    PARTY_CONTACT = "party_contact" PartyContactRow [org_id, contact_id, party_id, kind, label, value, valid_from, valid_to, line1, line2, city, state, postal_code, country];
    ACCOUNT = "account" AccountRow [org_id, account_id, account_number, party_id, ar_kind, currency, status, payment_terms, opened_on, balance_minor, credit_minor, created_at];
    JOURNAL_ENTRY = "journal_entry" JournalEntryRow [org_id, entry_id, kind, effective_date, currency, account_id, memo, created_at];
    INVOICE = "invoice" InvoiceRow [org_id, invoice_id, invoice_number, account_id, status, issue_date, due_date, terms, currency, subtotal_minor, tax_minor, total_minor, memo, item_id, entry_id, void_entry_id, created_at];
    INVOICE_LINE = "invoice_line" InvoiceLineRow [org_id, invoice_id, line_no, item_code, description, quantity, unit_price_minor, tax_rate, amount_minor, tax_minor];
    OPEN_ITEM = "open_item" OpenItemRow [org_id, item_id, account_id, reference, kind, invoice_id, description, issue_date, due_date, currency, amount_minor, balance_minor, written_off, status];
    POSTING = "posting" PostingRow [org_id, entry_id, line_no, gl_code, account_id, item_id, currency, amount_minor, effective_date];
    PAYMENT = "payment" PaymentRow [org_id, payment_id, account_id, method, reference, received_on, currency, amount_minor, unapplied_minor, status, entry_id, reversal_entry_id, created_at];
    ALLOCATION = "allocation" AllocationRow [org_id, allocation_id, account_id, item_id, source, payment_id, credit_note_id, amount_minor, effective_date, entry_id];
    ADJUSTMENT = "adjustment" AdjustmentRow [org_id, adjustment_id, account_id, item_id, reason, amount_minor, effective_date, memo, entry_id];
    CREDIT_NOTE = "credit_note" CreditNoteRow [org_id, credit_note_id, credit_note_number, account_id, amount_minor, issue_date, memo, entry_id];
    REFUND = "refund" RefundRow [org_id, refund_id, account_id, amount_minor, method, reference, refund_date, entry_id];
    IDEMPOTENCY_KEY = "idempotency_key" IdempotencyKeyRow [org_id, idem_key, request_sha256, response, created_at];
    COVERAGE = "coverage" CoverageRow [org_id, coverage_key, account_id, payer_key, member_id, group_number, subscriber_name, relationship, priority, effective_from, effective_to, created_at];
    CLAIM = "claim" ClaimRow [org_id, claim_id, claim_number, account_id, payer_key, coverage_key, billing_provider_key, rendering_provider_key, place_of_service, frequency, replaces_claim_id, payer_claim_number, diagnoses, currency, total_minor, status, status_reason, findings, scrubbed_on, charged_entry_id, batch_id, created_at, updated_at];
    CLAIM_LINE = "claim_line" ClaimLineRow [org_id, claim_id, line_no, date_of_service, procedure_code, modifiers, diagnosis_pointers, units_thousandths, charge_minor, place_of_service, item_id];
    CLAIM_EVENT = "claim_event" ClaimEventRow [org_id, claim_id, seq, status, note, actor, at];
    REMITTANCE_CLAIM = "remittance_claim" RemittanceClaimRow [org_id, remittance_id, seq, claim_id, their_claim_number, status_code, charge_minor, paid_minor, written_down_minor, patient_minor, entry_id, outcome, reason, adjustments, remarks, suspense_entry_id];
    DENIAL = "denial" DenialRow [org_id, denial_id, claim_id, remittance_id, seq, claim_line_no, item_id, amount_minor, reasons, remarks, next_step, denied_on, appeal_by, status, note, updated_by, updated_at];
    UNDERPAYMENT = "underpayment" UnderpaymentRow [org_id, remittance_id, claim_id, line_no, procedure_code, allowed_minor, paid_minor, patient_minor, short_minor, created_at];
    REMITTANCE_LINE = "remittance_line" RemittanceLineRow [org_id, remittance_id, seq, line_seq, claim_line_no, procedure_code, modifiers, units, service_date, charge_minor, paid_minor, remarks];
    REMITTANCE_ADJUSTMENT = "remittance_adjustment" RemittanceAdjustmentRow [org_id, remittance_id, seq, line_seq, n, group_code, reason_code, amount_minor, quantity];
    CONTACT_DECISION = "contact_decision" ContactDecisionRow [org_id, decision_id, account_id, channel, address, purpose, at, allowed, checked, failures, allowed_from_local, asked_by, asked_at];
    CONTACT_ATTEMPT = "contact_attempt" ContactAttemptRow [org_id, contact_id, account_id, channel, direction, address, at_work, purpose, outcome, conversation, at, note, decision_id, logged_by, logged_at, violation];
    COLLECTION_LETTER = "collection_letter" CollectionLetterRow [org_id, letter_id, account_id, kind, sent_on, contact_id, data];
    EMAIL_OUTBOX = "email_outbox" EmailOutboxRow [org_id, email_id, account_id, to_address, subject, body, status, attempts, not_before, last_error, contact_id, created_at, sent_at, opt_out_token, decision_id];
    DUNNING_STATE = "dunning_state" DunningStateRow [org_id, account_id, level_seq, level_name, reached_on, stage, held_on];
    DUNNING_ACTION = "dunning_action" DunningActionRow [org_id, action_id, run_id, account_id, on_date, level_name, action, outcome, amount_minor, detail];
    WORKLIST_ITEM = "worklist_item" WorklistItemRow [org_id, account_id, queue_rank, tier, promise_due, balance_minor, days_past_due, broken_promises, last_contact_on, level_name, collector, built_on];
    FOLLOW_UP_RANK = "follow_up_rank" FollowUpRankRow [org_id, claim_id, claim_number, payer_key, assigned_to, grp, key_a, key_b];
    AUDIT_LOG = "audit_log" AuditLogRow [org_id, seq, at, actor, address, action, record, before_json, after_json, prev_hash, hash];
}

/// Both engines accept far more, but smaller statements keep memory flat.
const MAX_PARAMS_PER_STATEMENT: usize = 8_000;

/// Changes to cached balances of an item that existed before this batch.
#[derive(Clone, Copy, Debug, Default)]
pub struct ItemChange {
    pub balance_delta_minor: i64,
    pub written_off: bool,
    pub void: bool,
}

#[derive(Default)]
pub struct Batch {
    rows: BTreeMap<&'static str, Vec<Vec<V>>>,
    /// Per pre-existing item: how its balance moves.
    pub item_changes: BTreeMap<i64, ItemChange>,
    /// Per pre-existing account: (balance delta, credit delta).
    pub account_deltas: BTreeMap<i64, (i64, i64)>,
    /// Invoice status changes: (invoice id, new status, void entry id).
    pub invoice_updates: Vec<(i64, &'static str, Option<i64>)>,
    /// Payments reversed: (payment id, reversal entry id).
    pub payment_reversals: Vec<(i64, i64)>,
    row_count: usize,
    /// Rows of this batch by id, so that a change to something the batch
    /// itself creates is made in the row instead of by a later UPDATE.
    new_items: std::collections::HashMap<i64, usize>,
    new_accounts: std::collections::HashMap<i64, usize>,
    new_invoices: std::collections::HashMap<i64, usize>,
    /// Entries added, in order, with their digests for the journal's chain.
    entry_digests: Vec<(i64, [u8; 32])>,
    /// The earliest day an entry of this batch is dated, checked against
    /// the day the books are closed through when it is flushed.
    earliest_entry: Option<jiff::civil::Date>,
    /// Rows inserted by this batch's flushes so far, and the count at which
    /// PostgreSQL's statistics are brought up to date next (bulk work).
    written: u64,
    analyze_at: u64,
    /// The tables those rows went into.
    written_to: std::collections::BTreeSet<&'static str>,
}

impl Batch {
    /// Whether this batch holds a change to (or the row of) this item.
    pub fn touches_item(&self, item_id: i64) -> bool {
        self.item_changes.contains_key(&item_id) || self.new_items.contains_key(&item_id)
    }

    /// Adds a row of its table.
    pub fn push<R: BatchRow>(&mut self, row: R) {
        self.add(R::TABLE, row.cells());
    }

    /// Adds a row given as cells in `table`'s column order (the benchmarks'
    /// baselines, which write rows of many tables from one generator).
    pub fn push_cells(&mut self, table: &'static Table, row: Vec<V>) {
        self.add(table, row);
    }

    fn add(&mut self, table: &Table, row: Vec<V>) {
        debug_assert_eq!(row.len(), table.columns.len(), "row for {} has the wrong width", table.name);
        let rows = self.rows.entry(table.name).or_default();
        if let V::I(id) = row[1] {
            let index = rows.len();
            match table.name {
                "open_item" => {
                    self.new_items.insert(id, index);
                }
                "account" => {
                    self.new_accounts.insert(id, index);
                }
                "invoice" => {
                    self.new_invoices.insert(id, index);
                }
                _ => {}
            }
        }
        rows.push(row);
        self.row_count += 1;
    }

    /// The earliest day an entry staged since the last flush is dated.
    pub(crate) fn earliest_entry(&self) -> Option<jiff::civil::Date> {
        self.earliest_entry
    }

    pub fn row_count(&self) -> usize {
        self.row_count
    }

    pub fn is_empty(&self) -> bool {
        self.row_count == 0 && self.item_changes.is_empty() && self.account_deltas.is_empty() && self.invoice_updates.is_empty()
    }

    /// Adds a balanced entry and its postings.
    pub fn add_entry(&mut self, org_id: i64, entry_id: i64, account_id: Option<i64>, entry: &JournalEntry, created_at: &str) {
        let day = entry.effective_date();
        self.earliest_entry = Some(self.earliest_entry.map_or(day, |e| e.min(day)));
        let date = day.to_string();
        let currency = entry.currency().code().to_string();
        let postings: Vec<crate::platform::chain::PostingFacts<'_>> = entry
            .postings()
            .iter()
            .enumerate()
            .map(|(line_no, p)| (line_no as i64 + 1, p.gl.code(), p.account_id, p.item_id, p.amount_minor))
            .collect();
        let facts = crate::platform::chain::EntryFacts {
            entry_id,
            kind: entry.kind().as_str(),
            effective_date: &date,
            currency: &currency,
            account_id,
            memo: entry.memo(),
        };
        self.entry_digests
            .push((entry_id, crate::platform::chain::entry_digest(org_id, &facts, &postings)));
        self.push(JournalEntryRow {
            org_id: org_id.into(),
            entry_id: entry_id.into(),
            kind: entry.kind().as_str().into(),
            effective_date: date.clone().into(),
            currency: currency.clone().into(),
            account_id: account_id.into(),
            memo: entry.memo().into(),
            created_at: created_at.into(),
        });
        for (line_no, posting) in entry.postings().iter().enumerate() {
            self.push(PostingRow {
                org_id: org_id.into(),
                entry_id: entry_id.into(),
                line_no: (line_no as i64 + 1).into(),
                gl_code: posting.gl.code().into(),
                account_id: posting.account_id.into(),
                item_id: posting.item_id.into(),
                currency: currency.clone().into(),
                amount_minor: posting.amount_minor.into(),
                effective_date: date.clone().into(),
            });
        }
    }

    pub fn change_item(&mut self, item_id: i64, delta_minor: i64) {
        if let Some(index) = self.new_items.get(&item_id) {
            let row = &mut self.rows.get_mut("open_item").expect("indexed rows exist")[*index];
            if let V::I(balance) = &mut row[ITEM_BALANCE] {
                *balance += delta_minor;
                row[ITEM_STATUS] = V::T(if *balance == 0 { "closed" } else { "open" }.to_string());
            }
            return;
        }
        self.item_changes.entry(item_id).or_default().balance_delta_minor += delta_minor;
    }

    /// Sets an invoice's status, in its row if this batch creates it.
    pub fn set_invoice_status(&mut self, invoice_id: i64, status: &'static str) {
        if let Some(index) = self.new_invoices.get(&invoice_id) {
            self.rows.get_mut("invoice").expect("indexed rows exist")[*index][INVOICE_STATUS] = V::T(status.to_string());
            return;
        }
        self.invoice_updates.push((invoice_id, status, None));
    }

    pub fn change_account(&mut self, account_id: i64, balance_delta_minor: i64, credit_delta_minor: i64) {
        if let Some(index) = self.new_accounts.get(&account_id) {
            let row = &mut self.rows.get_mut("account").expect("indexed rows exist")[*index];
            if let V::I(balance) = &mut row[ACCOUNT_BALANCE] {
                *balance = balance.saturating_add(balance_delta_minor);
            }
            if let V::I(credit) = &mut row[ACCOUNT_CREDIT] {
                *credit = credit.saturating_add(credit_delta_minor);
            }
            return;
        }
        let entry = self.account_deltas.entry(account_id).or_default();
        entry.0 = entry.0.saturating_add(balance_delta_minor);
        entry.1 = entry.1.saturating_add(credit_delta_minor);
    }

    /// Writes everything in the open transaction `conn`.
    pub async fn flush(&mut self, conn: &mut AnyConnection, org_id: i64) -> Result<()> {
        if let Some(rows) = self.rows.get("account") {
            for row in rows {
                if let (V::I(id), V::I(balance), V::I(credit)) = (&row[ACCOUNT_ID], &row[ACCOUNT_BALANCE], &row[ACCOUNT_CREDIT]) {
                    check_account_limit(conn, org_id, *id, *balance, *credit).await?;
                }
            }
        }
        for (account_id, (balance_delta, credit_delta)) in &self.account_deltas {
            // A delta this large cannot fit however the account stands now;
            // refusing it here also keeps the SQL below from overflowing.
            if balance_delta.unsigned_abs() > 2 * MAX_ACCOUNT_BALANCE_MINOR.unsigned_abs()
                || credit_delta.unsigned_abs() > 2 * MAX_ACCOUNT_BALANCE_MINOR.unsigned_abs()
            {
                check_account_limit(conn, org_id, *account_id, *balance_delta, *credit_delta).await?;
            }
        }
        // The journal's chain moves with the entries, in this transaction.
        let digests = std::mem::take(&mut self.entry_digests);
        crate::platform::chain::extend(conn, org_id, &digests).await?;
        // After the head is held (PostgreSQL: locked until commit), so a
        // close that takes the head first is seen here, never raced. Its own
        // statement on purpose: read in the head's SELECT ... FOR UPDATE it
        // would come from that statement's snapshot, taken before the wait
        // for the lock, and miss a close committed during the wait (a test
        // racing a close with payments caught it).
        if let Some(earliest) = self.earliest_entry.take() {
            crate::gl_export::refuse_closed(conn, org_id, earliest).await?;
        }
        // A large flush on PostgreSQL checks its foreign keys once per key
        // rather than once per row (see `foreign_keys`).
        let mut plan = if self.row_count >= crate::foreign_keys::AT_LEAST_ROWS {
            crate::foreign_keys::Plan::load(conn).await?
        } else {
            None
        };
        let mut triggers_on = true;
        for table in ORDER {
            let Some(rows) = self.rows.remove(table.name) else { continue };
            self.written += rows.len() as u64;
            self.written_to.insert(table.name);
            if let Some(plan) = plan.as_mut() {
                let defer = plan.defers(table);
                if defer == triggers_on {
                    crate::foreign_keys::triggers(conn, !defer).await?;
                    triggers_on = !defer;
                }
                if defer {
                    plan.note(table, &rows)?;
                }
            }
            insert_rows(conn, table, rows).await?;
        }
        if !triggers_on {
            crate::foreign_keys::triggers(conn, true).await?;
        }
        if let Some(plan) = plan.as_mut() {
            plan.check(conn).await?;
        }
        self.row_count = 0;
        self.new_items.clear();
        self.new_accounts.clear();
        self.new_invoices.clear();
        // The guards are the last line of defence against over-application:
        // a concurrent writer that already moved a balance makes its row
        // fail the guard, the count comes up short, and the whole command
        // rolls back. Many changes go in one statement each for items and
        // accounts: `UPDATE ... FROM (VALUES ...)`, which both engines take.
        let items: Vec<Vec<i64>> = std::mem::take(&mut self.item_changes)
            .into_iter()
            .map(|(item_id, c)| vec![item_id, c.balance_delta_minor, i64::from(c.written_off), i64::from(c.void)])
            .collect();
        update_from_values(conn, org_id, &items, |values| {
            format!(
                "UPDATE open_item SET balance_minor = open_item.balance_minor + v.column2, \
                 written_off = CASE WHEN v.column3 = 1 THEN 1 WHEN open_item.balance_minor + v.column2 > 0 THEN 0 ELSE open_item.written_off END, \
                 status = CASE WHEN v.column4 = 1 THEN 'void' WHEN open_item.balance_minor + v.column2 = 0 THEN 'closed' ELSE 'open' END \
                 FROM (VALUES {values}) AS v WHERE open_item.org_id = $1 AND open_item.item_id = v.column1 \
                 AND open_item.balance_minor + v.column2 >= 0 AND open_item.balance_minor + v.column2 <= open_item.amount_minor"
            )
        })
        .await?;
        let accounts: Vec<Vec<i64>> = std::mem::take(&mut self.account_deltas)
            .into_iter()
            .map(|(account_id, (balance_delta, credit_delta))| vec![account_id, balance_delta, credit_delta])
            .collect();
        let limit = MAX_ACCOUNT_BALANCE_MINOR;
        let updated = update_from_values(conn, org_id, &accounts, |values| {
            format!(
                "UPDATE account SET balance_minor = account.balance_minor + v.column2, credit_minor = account.credit_minor + v.column3 \
                 FROM (VALUES {values}) AS v WHERE account.org_id = $1 AND account.account_id = v.column1 AND account.credit_minor + v.column3 >= 0 \
                 AND account.credit_minor + v.column3 <= {limit} AND account.balance_minor + v.column2 BETWEEN -{limit} AND {limit}"
            )
        })
        .await;
        if let Err(StoreError::Contention) = updated {
            // Say so when the guard refused a row for the limit, not a race.
            for row in &accounts {
                let now = sqlx::query("SELECT balance_minor, credit_minor FROM account WHERE org_id = $1 AND account_id = $2")
                    .bind(org_id)
                    .bind(row[0])
                    .fetch_optional(&mut *conn)
                    .await?;
                if let Some(now) = now {
                    let balance: i64 = now.try_get("balance_minor")?;
                    let credit: i64 = now.try_get("credit_minor")?;
                    check_account_limit(conn, org_id, row[0], balance.saturating_add(row[1]), credit.saturating_add(row[2])).await?;
                }
            }
        }
        updated?;
        // Each invoice's last status (and the void entry, which a later
        // change of status keeps), then one UPDATE per status: a group of
        // payments pays many invoices, and a statement each is a round trip
        // each on PostgreSQL.
        let mut last: std::collections::BTreeMap<i64, (&'static str, Option<i64>)> = std::collections::BTreeMap::new();
        for (invoice_id, status, void_entry) in std::mem::take(&mut self.invoice_updates) {
            let kept_void = last.get(&invoice_id).and_then(|(_, void)| *void);
            last.insert(invoice_id, (status, void_entry.or(kept_void)));
        }
        let mut by_status: std::collections::BTreeMap<&'static str, Vec<i64>> = std::collections::BTreeMap::new();
        for (invoice_id, (status, void_entry)) in last {
            match void_entry {
                Some(entry_id) => {
                    sqlx::query("UPDATE invoice SET status = $3, void_entry_id = COALESCE($4, void_entry_id) WHERE org_id = $1 AND invoice_id = $2")
                        .bind(org_id)
                        .bind(invoice_id)
                        .bind(status)
                        .bind(entry_id)
                        .execute(&mut *conn)
                        .await?;
                }
                None => by_status.entry(status).or_default().push(invoice_id),
            }
        }
        for (status, ids) in by_status {
            sqlx::query(&format!(
                "UPDATE invoice SET status = $2 WHERE org_id = $1 AND invoice_id IN ({})",
                crate::in_list(&ids)
            ))
            .persistent(false)
            .bind(org_id)
            .bind(status)
            .execute(&mut *conn)
            .await?;
        }
        for (payment_id, entry_id) in std::mem::take(&mut self.payment_reversals) {
            let done =
                sqlx::query("UPDATE payment SET status = 'reversed', reversal_entry_id = $3 WHERE org_id = $1 AND payment_id = $2 AND status = 'posted'")
                    .bind(org_id)
                    .bind(payment_id)
                    .bind(entry_id)
                    .execute(&mut *conn)
                    .await?;
            if done.rows_affected() != 1 {
                return Err(StoreError::Contention);
            }
        }
        Ok(())
    }
}

impl Batch {
    /// On PostgreSQL, brings the planner's statistics up to date when this
    /// batch has written ten times as many rows as at the last look (from
    /// 2,000 on). A bulk import fills tables the planner last saw empty: with
    /// those statistics every foreign-key check and lookup of the same
    /// transaction scans the rows written so far, and an import slows down
    /// as it grows. `ANALYZE` inside the transaction counts its own rows.
    pub async fn analyze_as_it_grows(&mut self, conn: &mut AnyConnection) -> Result<()> {
        if conn.backend_name() == "SQLite" {
            return Ok(());
        }
        let at = self.analyze_at.max(2_000);
        if self.written < at {
            return Ok(());
        }
        self.analyze_at = self.written.saturating_mul(10);
        analyze(conn, &self.written_to).await
    }

    /// The tables this batch has written rows into.
    pub fn tables_written(&self) -> &std::collections::BTreeSet<&'static str> {
        &self.written_to
    }
}

/// `ANALYZE` of the tables named (PostgreSQL); nothing on SQLite, whose
/// planner reads the indexes it has.
pub async fn analyze(conn: &mut AnyConnection, tables: &std::collections::BTreeSet<&'static str>) -> Result<()> {
    if conn.backend_name() == "SQLite" || tables.is_empty() {
        return Ok(());
    }
    let names: Vec<&str> = ORDER.iter().map(|t| t.name).filter(|n| tables.contains(n)).collect();
    sqlx::query(&format!("ANALYZE {}", names.join(", "))).execute(&mut *conn).await?;
    Ok(())
}

/// `ANALYZE` of the tables whose statistics are missing or stale by
/// autovacuum's own rule (a tenth of the rows changed since): what reads
/// the whole books next (`verify`) then plans with what is there, not with
/// the nearly empty tables the planner last saw (a nested loop over every
/// payment and allocation took 14 s after 8,000 payments through the API).
/// PostgreSQL only; autovacuum would get there within a minute or so.
pub(crate) async fn analyze_stale(pool: &sqlx::AnyPool) -> Result<()> {
    let stale: Vec<String> = sqlx::query_scalar(
        "SELECT CAST(relname AS TEXT) FROM pg_stat_user_tables WHERE schemaname = current_schema() AND n_live_tup + n_mod_since_analyze > 1000 \
         AND (COALESCE(last_analyze, last_autoanalyze) IS NULL OR n_mod_since_analyze > n_live_tup / 10)",
    )
    .fetch_all(pool)
    .await?;
    let tables = ORDER.iter().map(|t| t.name).filter(|n| stale.iter().any(|s| s == n)).collect();
    analyze(&mut *pool.acquire().await?, &tables).await
}

/// Refuses an account's balance or credit past [`MAX_ACCOUNT_BALANCE_MINOR`],
/// naming the account.
async fn check_account_limit(conn: &mut AnyConnection, org_id: i64, account_id: i64, balance_minor: i64, credit_minor: i64) -> Result<()> {
    let limit = MAX_ACCOUNT_BALANCE_MINOR.unsigned_abs();
    if balance_minor.unsigned_abs() <= limit && credit_minor.unsigned_abs() <= limit {
        return Ok(());
    }
    let number: Option<String> = sqlx::query_scalar("SELECT account_number FROM account WHERE org_id = $1 AND account_id = $2")
        .bind(org_id)
        .bind(account_id)
        .fetch_optional(&mut *conn)
        .await?;
    let what = if balance_minor.unsigned_abs() > limit { "balance" } else { "credit" };
    Err(StoreError::invalid(
        "amount",
        format!(
            "this would take account {}'s {what} past the largest an account may carry ({} minor units); nothing was written",
            number.unwrap_or_else(|| format!("#{account_id}")),
            MAX_ACCOUNT_BALANCE_MINOR
        ),
    ))
}

/// Runs `statement(values)` over `rows` in chunks, where `values` is the
/// `($2, $3, ...), (...)` list of the chunk and `$1` the organisation; each
/// row must be updated exactly once, or a guard refused it and the whole
/// command rolls back as contention.
async fn update_from_values(conn: &mut AnyConnection, org_id: i64, rows: &[Vec<i64>], statement: impl Fn(&str) -> String) -> Result<()> {
    for chunk in rows.chunks(500) {
        let mut values = Vec::with_capacity(chunk.len());
        let mut args = AnyArguments::default();
        args.add(org_id).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let mut n = 1;
        for row in chunk {
            let placeholders: Vec<String> = row
                .iter()
                .map(|_| {
                    n += 1;
                    format!("${n}")
                })
                .collect();
            values.push(format!("({})", placeholders.join(", ")));
            for value in row {
                args.add(*value).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            }
        }
        let done = sqlx::query_with(&statement(&values.join(", ")), args).execute(&mut *conn).await?;
        if done.rows_affected() != chunk.len() as u64 {
            return Err(StoreError::Contention);
        }
    }
    Ok(())
}

async fn insert_rows(conn: &mut AnyConnection, table: &Table, rows: Vec<Vec<V>>) -> Result<()> {
    let width = table.columns.len();
    let rows_per_statement = (MAX_PARAMS_PER_STATEMENT / width).max(1);
    let head = format!("INSERT INTO {} ({}) VALUES ", table.name, table.columns.join(", "));
    // sqlx asks SQLite for every parameter's name while binding, and SQLite
    // finds a name by scanning all of them: with thousands of `$N` that is
    // quadratic. Anonymous `?` have no names, so SQLite gets those.
    // PostgreSQL needs `$N`.
    let numbered = conn.backend_name() != "SQLite";
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<Vec<V>> = rows.by_ref().take(rows_per_statement).collect();
        let mut sql = String::with_capacity(head.len() + chunk.len() * width * 5);
        sql.push_str(&head);
        let mut args = AnyArguments::default();
        let mut n = 0usize;
        for (i, row) in chunk.into_iter().enumerate() {
            if i > 0 {
                sql.push(',');
            }
            sql.push('(');
            for (j, value) in row.into_iter().enumerate() {
                if j > 0 {
                    sql.push(',');
                }
                n += 1;
                if numbered {
                    sql.push('$');
                    sql.push_str(&n.to_string());
                } else {
                    sql.push('?');
                }
                let bound = match value {
                    V::I(v) => args.add(v),
                    V::T(v) => args.add(v),
                    V::NI(v) => args.add(v),
                    V::NT(v) => args.add(v),
                };
                bound.map_err(|e| StoreError::Corrupt(e.to_string()))?;
            }
            sql.push(')');
        }
        sqlx::query_with(&sql, args).execute(&mut *conn).await?;
    }
    Ok(())
}

/// Ids for a command's many rows (an ERA's, a dunning run's), taken from the counters in blocks; what is
/// left of a block goes back at the end, so ids stay without gaps.
#[derive(Default)]
pub(crate) struct IdPool {
    /// Per counter: the next id to hand out and the end of the block.
    blocks: std::collections::HashMap<&'static str, (i64, i64)>,
}

impl IdPool {
    const BLOCK: i64 = 1024;

    pub(crate) async fn take(&mut self, conn: &mut AnyConnection, org_id: i64, name: &'static str, count: i64) -> Result<i64> {
        self.reserve(conn, org_id, name, count).await?;
        let (next, _) = self.blocks.get_mut(name).expect("reserved above");
        *next += count;
        Ok(*next - count)
    }

    /// Makes sure `count` ids of `name` can be had from [`IdPool::next`]
    /// without the database.
    pub(crate) async fn reserve(&mut self, conn: &mut AnyConnection, org_id: i64, name: &'static str, count: i64) -> Result<()> {
        let (next, end) = self.blocks.entry(name).or_insert((0, 0));
        if *next + count > *end {
            let size = count.max(Self::BLOCK);
            let start = crate::write::next_ids(conn, org_id, name, size).await?;
            if start != *end {
                *next = start;
            }
            *end = start + size;
        }
        Ok(())
    }

    /// The next id of `name` from what [`IdPool::reserve`] set aside.
    pub(crate) fn next(&mut self, name: &'static str) -> Result<i64> {
        match self.blocks.get_mut(name) {
            Some((next, end)) if *next < *end => {
                *next += 1;
                Ok(*next - 1)
            }
            _ => Err(StoreError::Corrupt(format!("no {name} id was set aside"))),
        }
    }

    /// Hands back what was not used, if nothing was taken after it.
    pub(crate) async fn give_back(&mut self, conn: &mut AnyConnection, org_id: i64) -> Result<()> {
        give_back_blocks(conn, org_id, &mut self.blocks).await
    }
}

/// Returns the unused ends of id blocks (`name` -> (next, end)) to their
/// counters, where nothing was taken after them, so numbers stay gapless.
pub(crate) async fn give_back_blocks(conn: &mut AnyConnection, org_id: i64, blocks: &mut std::collections::HashMap<&'static str, (i64, i64)>) -> Result<()> {
    for (name, (next, end)) in blocks.drain() {
        if next < end {
            sqlx::query("UPDATE counter SET next_value = $3 WHERE org_id = $1 AND name = $2 AND next_value = $4")
                .bind(org_id)
                .bind(name)
                .bind(next)
                .bind(end)
                .execute(&mut *conn)
                .await?;
        }
    }
    Ok(())
}
