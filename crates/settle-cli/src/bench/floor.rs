//! The floors under `settle bench ledger`: the least SQLite itself must do
//! to hold the same import, measured in the same run on the same machine.
//!
//! Each floor writes the same number of journal entries and postings as
//! Settle wrote (then, separately, of invoices, lines, open items, payments
//! and allocations), with Settle's columns. No value crosses from Rust:
//! every row is made inside SQLite by `INSERT ... SELECT` over a small
//! numbers table, so there is no binding, no driver and no decision. What
//! is left is SQLite writing b-tree pages and committing them.
//!
//! - The bare floor: tables kept in their key's order (`WITHOUT ROWID`)
//!   with no secondary index, no foreign key, no check and no trigger, the
//!   least any SQLite ledger that keeps its postings as rows must do.
//! - The schema floor: Settle's own migrations, so the same rows also keep
//!   every index the reports read by, every key, check and append-only
//!   trigger. The gap between the two is what the schema costs; the gap
//!   between the schema floor and Settle is the driver and the decisions.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Result;
use settle_store::{Location, Store};

use crate::bench::rows_in;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{ConnectOptions, Connection, Row};

/// What one floor took: the bare journal and its balances, then the documents.
struct Phases {
    journal: Duration,
    balances: Duration,
    documents: Duration,
}

/// The two floors: bare tables, and Settle's own schema.
pub struct Floor {
    bare: Phases,
    schema: Phases,
}

/// The target for import plus balances of 1,000,000 transactions.
const TARGET: Duration = Duration::from_secs(5);

const TABLES: &[&str] = &[
    "CREATE TABLE journal_entry (org_id BIGINT NOT NULL, entry_id BIGINT NOT NULL, kind TEXT NOT NULL, effective_date TEXT NOT NULL, \
     currency TEXT NOT NULL, account_id BIGINT, memo TEXT NOT NULL, created_at TEXT NOT NULL, PRIMARY KEY (org_id, entry_id)) WITHOUT ROWID",
    "CREATE TABLE posting (org_id BIGINT NOT NULL, entry_id BIGINT NOT NULL, line_no BIGINT NOT NULL, gl_code TEXT NOT NULL, account_id BIGINT, \
     item_id BIGINT, currency TEXT NOT NULL, amount_minor BIGINT NOT NULL, effective_date TEXT NOT NULL, PRIMARY KEY (org_id, entry_id, line_no)) WITHOUT ROWID",
    "CREATE TABLE invoice (org_id BIGINT NOT NULL, invoice_id BIGINT NOT NULL, invoice_number TEXT NOT NULL, account_id BIGINT NOT NULL, \
     status TEXT NOT NULL, issue_date TEXT NOT NULL, due_date TEXT NOT NULL, terms TEXT NOT NULL, currency TEXT NOT NULL, subtotal_minor BIGINT NOT NULL, \
     tax_minor BIGINT NOT NULL, total_minor BIGINT NOT NULL, memo TEXT NOT NULL, item_id BIGINT, entry_id BIGINT, void_entry_id BIGINT, \
     created_at TEXT NOT NULL, PRIMARY KEY (org_id, invoice_id)) WITHOUT ROWID",
    "CREATE TABLE invoice_line (org_id BIGINT NOT NULL, invoice_id BIGINT NOT NULL, line_no BIGINT NOT NULL, item_code TEXT NOT NULL, \
     description TEXT NOT NULL, quantity TEXT NOT NULL, unit_price_minor BIGINT NOT NULL, tax_rate TEXT NOT NULL, amount_minor BIGINT NOT NULL, \
     tax_minor BIGINT NOT NULL, PRIMARY KEY (org_id, invoice_id, line_no)) WITHOUT ROWID",
    "CREATE TABLE open_item (org_id BIGINT NOT NULL, item_id BIGINT NOT NULL, account_id BIGINT NOT NULL, reference TEXT NOT NULL, \
     kind TEXT NOT NULL, invoice_id BIGINT, description TEXT NOT NULL, issue_date TEXT NOT NULL, due_date TEXT NOT NULL, currency TEXT NOT NULL, \
     amount_minor BIGINT NOT NULL, balance_minor BIGINT NOT NULL, written_off BIGINT NOT NULL, status TEXT NOT NULL, \
     PRIMARY KEY (org_id, item_id)) WITHOUT ROWID",
    "CREATE TABLE payment (org_id BIGINT NOT NULL, payment_id BIGINT NOT NULL, account_id BIGINT NOT NULL, method TEXT NOT NULL, \
     reference TEXT NOT NULL, received_on TEXT NOT NULL, currency TEXT NOT NULL, amount_minor BIGINT NOT NULL, unapplied_minor BIGINT NOT NULL, \
     status TEXT NOT NULL, entry_id BIGINT NOT NULL, reversal_entry_id BIGINT, created_at TEXT NOT NULL, PRIMARY KEY (org_id, payment_id)) WITHOUT ROWID",
    "CREATE TABLE allocation (org_id BIGINT NOT NULL, allocation_id BIGINT NOT NULL, account_id BIGINT NOT NULL, item_id BIGINT NOT NULL, \
     source TEXT NOT NULL, payment_id BIGINT, credit_note_id BIGINT, amount_minor BIGINT NOT NULL, effective_date TEXT NOT NULL, \
     entry_id BIGINT NOT NULL, PRIMARY KEY (org_id, allocation_id)) WITHOUT ROWID",
];

/// Each table's rows as a SELECT over `n` (0, 1, 2, ...) and `a` (an
/// account id), with values as wide as Settle's; `{entries}` and `{items}`
/// stand for how many journal entries and open items there are.
const ROWS: &[(&str, &str)] = &[
    (
        "journal_entry",
        "1, n + 1, 'invoice', '2025-03-04', 'USD', a, '', '2026-11-29T19:50:55.123456789Z'",
    ),
    // Postings spread over every entry, lines numbered within each.
    (
        "posting",
        "1, n % {entries} + 1, n / {entries} + 1, '1100', a, n % {items} + 1, 'USD', 1234, '2025-03-04'",
    ),
    (
        "invoice",
        "1, n + 1, printf('INV-%07d', n + 1), a, 'open', '2025-03-04', '2025-04-03', 'net30', 'USD', 1234, 0, 1234, '', n + 1, n + 1, NULL, \
         '2026-11-29T19:50:55.123456789Z'",
    ),
    ("invoice_line", "1, n + 1, 1, 'SVC', 'Service', '1', 1234, '0', 1234, 0"),
    (
        "open_item",
        "1, n + 1, a, printf('INV-%07d', n + 1), 'invoice', n + 1, 'Service', '2025-03-04', '2025-04-03', 'USD', 1234, 617, 0, 'open'",
    ),
    (
        "payment",
        "1, n + 1, a, 'ach', '', '2025-03-04', 'USD', 617, 0, 'posted', n + 1, NULL, '2026-11-29T19:50:55.123456789Z'",
    ),
    // Allocations spread over every open item.
    ("allocation", "1, n + 1, a, n % {items} + 1, 'payment', n + 1, NULL, 617, '2025-03-04', n + 1"),
];

/// Builds the two floor databases beside the others and measures them;
/// `counts` are the rows Settle's import wrote, per table.
pub async fn run(dir: &Path, counts: &[(&'static str, i64)]) -> Result<Floor> {
    // Bare: the tables above, in an empty file.
    std::fs::create_dir_all(dir)?;
    let mut conn = connect(&dir.join("floor.db")).await?;
    for table in TABLES {
        sqlx::query(table).execute(&mut conn).await?;
    }
    let bare = measure(conn, counts).await?;

    // Settle's schema: its migrations, so every index, key, check and
    // trigger is kept, with the organisation, its chart and the accounts
    // (not measured) for the foreign keys to find.
    let schema_dir = dir.join("schema");
    let store = Store::open(&Location::DataDir(schema_dir.clone())).await?;
    let org = store.create_organisation("floor", "Floor", "USD").await?;
    anyhow::ensure!(org.org_id == 1, "the floor's rows are written for organisation 1");
    store.close().await;
    let mut conn = connect(&schema_dir.join("settle.db")).await?;
    let accounts = rows_in(counts, "account").max(1);
    let mut tx = conn.begin().await?;
    let people = "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < $1) \
                  INSERT INTO party (org_id, party_id, kind, name, created_at) SELECT 1, i, 'person', 'P ' || i, '2026-11-29' FROM s";
    sqlx::query(people).bind(accounts).execute(&mut *tx).await?;
    let books = "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < $1) \
                 INSERT INTO account (org_id, account_id, account_number, party_id, ar_kind, currency, status, payment_terms, opened_on, \
                 balance_minor, credit_minor, created_at) SELECT 1, i, 'A-' || i, i, 'patient', 'USD', 'active', 'net30', '2025-01-01', 0, 0, \
                 '2026-11-29' FROM s";
    sqlx::query(books).bind(accounts).execute(&mut *tx).await?;
    tx.commit().await?;
    let schema = measure(conn, counts).await?;
    Ok(Floor { bare, schema })
}

/// One connection as Settle's writer opens it (WAL, synchronous NORMAL,
/// foreign keys on, the writer's page cache).
async fn connect(file: &Path) -> Result<sqlx::SqliteConnection> {
    Ok(SqliteConnectOptions::new()
        .filename(file)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .pragma("cache_size", format!("-{}", settle_store::SQLITE_WRITER_CACHE_KIB))
        .connect()
        .await?)
}

/// Writes the journal, reports balances, then writes the documents, each
/// timed; checks that the rows are all there.
async fn measure(mut conn: sqlx::SqliteConnection, counts: &[(&'static str, i64)]) -> Result<Phases> {
    let accounts = rows_in(counts, "account").max(1);
    let most = counts.iter().map(|(_, n)| *n).max().unwrap_or(0);
    // n = hi * side + lo over a side x side numbers table.
    let side = (1..).find(|s: &i64| s * s >= most).unwrap_or(1);
    sqlx::query("CREATE TEMP TABLE k (i INTEGER PRIMARY KEY)").execute(&mut conn).await?;
    sqlx::query("WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i + 1 < $1) INSERT INTO k SELECT i FROM s")
        .bind(side)
        .execute(&mut conn)
        .await?;
    let shape = Shape {
        side,
        accounts,
        entries: rows_in(counts, "journal_entry").max(1),
        items: rows_in(counts, "open_item").max(1),
    };
    let journal = shape.fill(&mut conn, &["journal_entry", "posting"], counts).await?;
    let started = Instant::now();
    let balances = sqlx::query("SELECT account_id, SUM(amount_minor) FROM posting WHERE org_id = 1 AND gl_code = '1100' GROUP BY account_id")
        .fetch_all(&mut conn)
        .await?;
    let balances_time = started.elapsed();
    anyhow::ensure!(
        balances.len() as i64 == accounts.min(rows_in(counts, "posting")),
        "the floor's balances missed accounts"
    );
    let documents = shape
        .fill(&mut conn, &["invoice", "invoice_line", "open_item", "payment", "allocation"], counts)
        .await?;
    let written: i64 = sqlx::query("SELECT (SELECT COUNT(*) FROM posting) + (SELECT COUNT(*) FROM allocation) AS written")
        .fetch_one(&mut conn)
        .await?
        .try_get("written")?;
    anyhow::ensure!(
        written == rows_in(counts, "posting") + rows_in(counts, "allocation"),
        "the floor wrote {written} rows, not Settle's count"
    );
    conn.close().await?;
    Ok(Phases {
        journal,
        balances: balances_time,
        documents,
    })
}

/// How `n` and the account id are made from the numbers table.
struct Shape {
    side: i64,
    accounts: i64,
    /// Journal entries and open items, for postings and allocations to point at.
    entries: i64,
    items: i64,
}

impl Shape {
    /// Fills `tables` with Settle's row counts in one transaction.
    async fn fill(&self, conn: &mut sqlx::SqliteConnection, tables: &[&str], counts: &[(&'static str, i64)]) -> Result<Duration> {
        let started = Instant::now();
        let mut tx = conn.begin().await?;
        for table in tables {
            let (_, values) = ROWS.iter().find(|(t, _)| t == table).expect("every table has its rows");
            let rows = rows_in(counts, table);
            // Whole numbers of ours, written into the text: not every
            // table's rows name them, and a statement binds only what it names.
            let values = values
                .replace("{entries}", &self.entries.to_string())
                .replace("{items}", &self.items.to_string());
            let sql = format!(
                "INSERT INTO {table} SELECT {values} FROM \
                 (SELECT hi.i * $1 + lo.i AS n, (hi.i * $1 + lo.i) % $2 + 1 AS a FROM k hi, k lo WHERE hi.i <= $3) WHERE n < $4"
            );
            sqlx::query(&sql)
                .bind(self.side)
                .bind(self.accounts)
                .bind(rows / self.side)
                .bind(rows)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(started.elapsed())
    }
}

impl Phases {
    fn total(&self) -> Duration {
        self.journal + self.balances + self.documents
    }

    fn print(&self, what: &str) {
        println!(
            "  floor, {what:<52} journal {:>8.3?} + balances {:>8.3?} + documents {:>8.3?} = {:>8.3?}   {} of the {:?} target",
            self.journal,
            self.balances,
            self.documents,
            self.total(),
            crate::bench::ratio(self.total(), TARGET),
            TARGET
        );
    }
}

impl Floor {
    pub fn print(&self, settle: Duration) {
        self.bare.print("bare tables (no index, key, check or trigger)");
        self.schema.print("Settle's schema (every index, key, check, trigger)");
        println!(
            "  settle's import + balances {:>8.3?} is {} the floor in Settle's schema, {} the bare floor",
            settle,
            crate::bench::ratio(settle, self.schema.total()),
            crate::bench::ratio(settle, self.bare.total()),
        );
    }
}
