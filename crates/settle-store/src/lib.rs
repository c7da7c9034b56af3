//! Settle's storage: sqlx over SQLite (embedded, the default) and PostgreSQL.
//!
//! This is the only crate that knows SQL. It opens either engine through
//! sqlx's `Any` driver, so one body of queries serves both; the schema's
//! migrations are kept per engine. Each business event is one database
//! transaction: the domain decides, [`batch::Batch`] collects the rows, and
//! the transaction writes them all or none.

pub mod address;
pub mod batch;
pub mod billing;
pub mod bulk;
pub mod claims;
pub mod collections;
pub mod csv_file;
mod error;
mod failover;
mod filter;
mod foreign_keys;
pub mod gl_export;
mod group;
pub mod money_in;
pub mod names;
pub mod platform;
#[cfg(feature = "testing")]
pub mod testing;
mod write;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyConnection, AnyPool, Executor, Transaction};
use tokio::sync::{Mutex, OwnedMutexGuard};

pub use error::{Result, StoreError};

/// Which engine a [`Store`] talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Where the books live.
#[derive(Clone, Debug)]
pub enum Location {
    /// A SQLite file `settle.db` in this directory (created if missing).
    DataDir(PathBuf),
    /// A `postgres://` (or `sqlite://`) URL.
    Url(String),
}

impl Location {
    /// `--database-url` wins; otherwise the data directory.
    pub fn from_options(database_url: Option<&str>, data_dir: &Path) -> Location {
        match database_url {
            Some(url) if !url.is_empty() => Location::Url(url.to_string()),
            _ => Location::DataDir(data_dir.to_path_buf()),
        }
    }
}

/// The same server's database named `database`, the URL's parameters kept:
/// a scratch database, a test's own, the server's `postgres`.
pub fn url_with_database(url: &str, database: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let server = base.rsplit_once('/').map_or(base, |(server, _)| server);
    match query {
        Some(query) => format!("{server}/{database}?{query}"),
        None => format!("{server}/{database}"),
    }
}

/// The SQLite writer's page cache in KiB (each reader keeps 16 MiB).
pub const SQLITE_WRITER_CACHE_KIB: i64 = 65_536;

/// A handle on the books. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    /// Where write transactions run: on SQLite one connection of its own,
    /// on PostgreSQL the same pool as reads.
    write_pool: AnyPool,
    backend: Backend,
    /// SQLite has one writer at a time; taking this before `BEGIN IMMEDIATE`
    /// queues this process's writers instead of failing them with "busy".
    sqlite_writer: Arc<Mutex<()>>,
    /// The group-commit queue for payments; `None` in the task that drains it.
    payments: Option<tokio::sync::mpsc::UnboundedSender<group::PaymentJob>>,
    /// Where reports, dashboards and exports read: a read-only replica when
    /// one is given ([`Store::with_replica`]), else the same pool as reads.
    reports: AnyPool,
    replica: bool,
}

/// How far a reporting replica is behind its primary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ReplicaLag {
    /// Write-ahead log the replica has not replayed yet (0: caught up).
    pub behind_bytes: i64,
    /// Seconds since the last change it replayed, while it is behind.
    pub seconds: i64,
}

impl ReplicaLag {
    /// What a page says above figures read from the replica.
    pub fn describe(&self) -> String {
        if self.behind_bytes == 0 {
            "Read from the reporting replica, which is up to date.".to_string()
        } else {
            format!(
                "Read from the reporting replica, {} behind the books: the latest changes may not show yet.",
                match self.seconds {
                    0 => "less than a second".to_string(),
                    1 => "1 second".to_string(),
                    n => format!("{n} seconds"),
                }
            )
        }
    }
}

/// A write transaction, holding the SQLite writer lock while it lives.
pub struct WriteTx {
    tx: Transaction<'static, sqlx::Any>,
    _writer: Option<OwnedMutexGuard<()>>,
}

impl WriteTx {
    pub fn conn(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }
    pub async fn commit(self) -> Result<()> {
        self.tx.commit().await?;
        Ok(())
    }
}

impl Store {
    /// Opens (creating if need be) and migrates the database.
    pub async fn open(location: &Location) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let url = match location {
            Location::DataDir(dir) => {
                std::fs::create_dir_all(dir).map_err(|e| StoreError::invalid("data_dir", format!("cannot create {}: {e}", dir.display())))?;
                format!("sqlite://{}?mode=rwc", dir.join("settle.db").display())
            }
            Location::Url(url) => url.clone(),
        };
        let backend = if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            return Err(StoreError::invalid(
                "database_url",
                format!("{url:?} is neither postgres://... nor sqlite://..."),
            ));
        };
        // Several servers (a highly available cluster): the pools connect
        // through a relay that follows the primary.
        let url = match failover::Hosts::parse(&url)? {
            Some(hosts) if backend == Backend::Postgres => failover::start(hosts).await?,
            _ => url,
        };
        let options: AnyConnectOptions = url.parse().map_err(|e| StoreError::invalid("database_url", e))?;
        if backend == Backend::Postgres {
            create_missing_database(&url).await?;
        }
        let pool_options = AnyPoolOptions::new().acquire_timeout(Duration::from_secs(30));
        // The page cache in KiB: the one writer's is larger, so that a big
        // transaction (a day's dunning over a million accounts) rewrites its
        // index pages in memory instead of spilling them to the WAL again and again.
        let sqlite_pool = |connections: u32, cache_kib: i64| {
            pool_options.clone().max_connections(connections).after_connect(move |conn, _meta| {
                Box::pin(async move {
                    conn.execute(
                        format!(
                            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; \
                             PRAGMA cache_size = -{cache_kib}; PRAGMA temp_store = MEMORY;"
                        )
                        .as_str(),
                    )
                    .await?;
                    Ok(())
                })
            })
        };
        let (pool, write_pool) = match backend {
            // Readers share a pool; the one writer keeps a connection of its
            // own, whose page cache stays warm (SQLite empties a connection's
            // cache whenever another connection has written).
            Backend::Sqlite => {
                let pool = sqlite_pool(8, 16_384).connect_with(options.clone()).await?;
                let writer = sqlite_pool(1, SQLITE_WRITER_CACHE_KIB).connect_with(options).await?;
                (pool, writer)
            }
            Backend::Postgres => {
                let pool = pool_options.max_connections(16).connect_with(options).await?;
                (pool.clone(), pool)
            }
        };
        let mut store = Store {
            reports: pool.clone(),
            replica: false,
            pool,
            write_pool,
            backend,
            sqlite_writer: Arc::new(Mutex::new(())),
            payments: None,
        };
        store.migrate().await?;
        address::read_old(&store).await?;
        names::read_old(&store).await?;
        platform::chain::start_unstarted(&store).await?;
        store.payments = Some(group::start(store.clone()));
        Ok(store)
    }

    async fn migrate(&self) -> Result<()> {
        let migrator = match self.backend {
            Backend::Sqlite => sqlx::migrate!("./migrations/sqlite"),
            Backend::Postgres => sqlx::migrate!("./migrations/postgres"),
        };
        // Two processes opening a new database together (two `settle serve`
        // started at once) race to migrate it; PostgreSQL's migrator takes
        // an advisory lock, SQLite's does not, so the loser of a race reads
        // what the winner applied and tries again.
        let mut attempt = 0;
        loop {
            attempt += 1;
            match migrator.run(&self.pool).await {
                Ok(()) => return Ok(()),
                Err(_) if attempt < 20 => tokio::time::sleep(std::time::Duration::from_millis(50 * attempt)).await,
                Err(error) => return Err(StoreError::Database(error.into())),
            }
        }
    }

    /// Reads reports, dashboards and exports from a read-only PostgreSQL
    /// replica of this store's database (streaming replication), so long
    /// reads leave the primary to the writers. Everything else, and every
    /// write (the audit rows of those reads too), stays on the primary. The
    /// replica is not migrated: it follows the primary.
    pub async fn with_replica(mut self, read_url: &str) -> Result<Store> {
        let named = |why: String| StoreError::invalid("read_database_url", why);
        if self.backend != Backend::Postgres || !(read_url.starts_with("postgres:") || read_url.starts_with("postgresql:")) {
            return Err(named("a reporting replica is a postgres:// URL beside a PostgreSQL primary".into()));
        }
        let options: AnyConnectOptions = read_url.parse().map_err(|e| named(format!("{e}")))?;
        // One connection first, which fails at once where a pool would
        // keep trying until its timeout.
        let mut probe = <AnyConnection as sqlx::Connection>::connect_with(&options)
            .await
            .map_err(|e| named(format!("cannot reach the replica: {e}")))?;
        // The replica must hold this database: the same migrations applied.
        const LATEST_MIGRATION: &str = "SELECT CAST(MAX(version) AS BIGINT) FROM _sqlx_migrations";
        let theirs: Option<i64> = sqlx::query_scalar(LATEST_MIGRATION)
            .fetch_one(&mut probe)
            .await
            .map_err(|e| named(format!("the replica does not hold Settle's database: {e}")))?;
        let ours: Option<i64> = sqlx::query_scalar(LATEST_MIGRATION).fetch_one(&self.pool).await?;
        if theirs.is_none() || theirs > ours {
            return Err(named(format!(
                "the replica's schema (migration {theirs:?}) is not this database's (migration {ours:?})"
            )));
        }
        // A primary named as the replica would take the reports' load the
        // replica is there to keep off it, and say "up to date" falsely.
        let standby: bool = sqlx::query_scalar("SELECT pg_is_in_recovery()").fetch_one(&mut probe).await?;
        if !standby {
            return Err(named("that server takes writes: it is a primary, not a read-only replica".into()));
        }
        let _ = sqlx::Connection::close(probe).await;
        self.reports = AnyPoolOptions::new()
            .acquire_timeout(Duration::from_secs(30))
            .max_connections(8)
            .connect_lazy_with(options);
        self.replica = true;
        Ok(self)
    }

    /// Where reports, dashboards and exports read.
    pub(crate) fn reports_pool(&self) -> &AnyPool {
        &self.reports
    }

    /// How far the reporting replica is behind the primary; `None` when
    /// reports read the primary itself.
    pub async fn replica_lag(&self) -> Result<Option<ReplicaLag>> {
        if !self.replica {
            return Ok(None);
        }
        let primary: i64 = sqlx::query_scalar("SELECT CAST(pg_current_wal_lsn() - '0/0'::pg_lsn AS BIGINT)")
            .fetch_one(&self.pool)
            .await?;
        let row = sqlx::query(
            "SELECT CAST(COALESCE(pg_last_wal_replay_lsn(), '0/0'::pg_lsn) - '0/0'::pg_lsn AS BIGINT) AS replayed, \
             CAST(COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) AS BIGINT) AS seconds",
        )
        .fetch_one(&self.reports)
        .await?;
        use sqlx::Row;
        let replayed: i64 = row.try_get("replayed")?;
        let behind_bytes = (primary - replayed).max(0);
        Ok(Some(ReplicaLag {
            behind_bytes,
            // Caught up is caught up, however long ago the last change was.
            seconds: if behind_bytes == 0 { 0 } else { row.try_get::<i64, _>("seconds")?.max(0) },
        }))
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// For long-running servers on SQLite: checkpoints the WAL from a
    /// background task (every half second, PASSIVE, on a reading
    /// connection) instead of inside whichever commit crosses the threshold,
    /// so no request waits for a checkpoint. Does nothing on PostgreSQL.
    pub async fn checkpoint_in_background(&self) -> Result<()> {
        if self.backend != Backend::Sqlite {
            return Ok(());
        }
        sqlx::query("PRAGMA wal_autocheckpoint = 0").execute(&self.write_pool).await?;
        let pool = self.pool.clone();
        let writer = self.write_pool.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(500)).await;
                if pool.is_closed() {
                    // Leave the last checkpoint to the writer when it closes.
                    let _ = sqlx::query("PRAGMA wal_autocheckpoint = 1000").execute(&writer).await;
                    break;
                }
                if let Err(error) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(&pool).await {
                    tracing::warn!(error = %error, "background WAL checkpoint failed");
                }
            }
        });
        Ok(())
    }

    /// Starts a write transaction: `BEGIN IMMEDIATE` behind the process's
    /// writer lock on SQLite, a plain transaction on PostgreSQL (where the
    /// command locks the rows it reads with `FOR UPDATE`). Settle's own
    /// writes take one through `Store::write` (which will not commit a write
    /// that kept no audit row); public only for the benchmarks' seeding of
    /// millions of rows and for tests that hold the writer.
    pub async fn begin_write(&self) -> Result<WriteTx> {
        match self.backend {
            Backend::Sqlite => {
                let writer = self.sqlite_writer.clone().lock_owned().await;
                let tx = self.write_pool.begin_with("BEGIN IMMEDIATE").await?;
                Ok(WriteTx { tx, _writer: Some(writer) })
            }
            Backend::Postgres => Ok(WriteTx {
                tx: self.pool.begin().await?,
                _writer: None,
            }),
        }
    }

    /// " FOR UPDATE" on PostgreSQL; nothing on SQLite, whose write
    /// transactions already exclude each other.
    pub(crate) fn for_update(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR UPDATE",
        }
    }

    pub async fn close(&self) {
        self.write_pool.close().await;
        self.pool.close().await;
    }
}

/// Creates the PostgreSQL database a URL names when it does not exist yet,
/// so `init` and `demo` work on a new server as they do on a new data
/// directory. Two processes racing to create it both succeed: the loser
/// finds the winner's database.
async fn create_missing_database(url: &str) -> Result<()> {
    use sqlx::migrate::MigrateDatabase;
    let named = |e: sqlx::Error| StoreError::invalid("database_url", format!("cannot reach the PostgreSQL server: {e}"));
    if sqlx::Any::database_exists(url).await.map_err(named)? {
        return Ok(());
    }
    match sqlx::Any::create_database(url).await {
        Ok(()) => {
            tracing::info!("created the PostgreSQL database named in the URL");
            Ok(())
        }
        Err(_) if sqlx::Any::database_exists(url).await.unwrap_or(false) => Ok(()),
        Err(e) => Err(StoreError::invalid(
            "database_url",
            format!("the database does not exist and could not be created: {e}"),
        )),
    }
}

/// SHA-256 of bytes as lowercase hex: an imported file's content.
pub fn sha256_hex_bytes(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// SHA-256 as lowercase hex: request hashes, token and session digests.
pub(crate) fn sha256_hex(text: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(text.as_bytes()))
}

/// The current instant as RFC 3339 text, for `created_at` columns. Only the
/// store and the doors read the clock; the domain never does.
pub(crate) fn now_text() -> String {
    jiff::Timestamp::now().to_string()
}

/// Integer keys written into an `IN (...)` list: they are numbers, so they
/// cannot carry SQL; an empty list matches nothing.
pub(crate) fn in_list(ids: &[i64]) -> String {
    if ids.is_empty() {
        return "NULL".to_string();
    }
    let mut out = String::with_capacity(ids.len() * 8);
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&id.to_string());
    }
    out
}
