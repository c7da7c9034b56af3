//! Storage errors, mapped once from `sqlx::Error`.

use settle_domain::{
    account::PartyError, aging::AgingError, allocation::AllocationError, events::EventError, invoice::InvoiceError, money::MoneyError, IdempotencyKeyError,
};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A record the command names does not exist (in this organisation).
    #[error("{what} {key:?} not found")]
    NotFound { what: &'static str, key: String },
    /// The command is well formed but not allowed by the books' state.
    #[error("{field}: {message}")]
    Invalid { field: &'static str, message: String },
    /// A uniqueness or integrity constraint refused the write.
    #[error("conflict: {constraint}")]
    Conflict { constraint: String },
    /// The idempotency key was used before for a different request.
    #[error("idempotency key {key:?} was already used for a different request; use a new key for a new request")]
    IdempotencyMismatch { key: String },
    /// Another writer changed what this command read; it was rolled back
    /// and may be retried.
    #[error("the books changed under this command; nothing was written, try again")]
    Contention,
    /// The database could not be reached, or the connection broke (a
    /// failover, a restart) before this write was kept: nothing was
    /// written, and it may be retried.
    #[error("the database could not be reached ({0}); nothing was written, try again")]
    Unavailable(String),
    /// The connection broke while the database was committing a write
    /// that leaves nothing to look for afterwards: it may have been kept
    /// or not.
    #[error("the connection to the database broke while this was being kept, and whether it was kept is unknown: look before doing it again")]
    OutcomeUnknown,
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// A total the database was asked for does not fit in 64 bits. The
    /// money limits keep Settle's own writes far from it; rows written
    /// around Settle can reach it, and `settle verify` names them.
    #[error("a total here is too large to compute ({0}); run `settle verify`, which names the rows past the money limit")]
    TotalTooLarge(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

impl StoreError {
    pub fn invalid(field: &'static str, message: impl std::fmt::Display) -> StoreError {
        StoreError::Invalid {
            field,
            message: message.to_string(),
        }
    }

    pub fn not_found(what: &'static str, key: impl std::fmt::Display) -> StoreError {
        StoreError::NotFound { what, key: key.to_string() }
    }

    /// Whether a retry of the whole command may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(self, StoreError::Contention | StoreError::Unavailable(_))
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> StoreError {
        // The server went away (killed, failed over, restarting) or a pool
        // found no server to connect to in time.
        if matches!(error, sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut) {
            return StoreError::Unavailable(error.to_string());
        }
        if let sqlx::Error::Database(db) = &error {
            let code = db.code().map(|c| c.to_string()).unwrap_or_default();
            // PostgreSQL: connection exceptions (08...), the server shutting
            // down or starting (57P01-57P03), and a write reaching a server
            // that became a standby (25006).
            if code.starts_with("08") || matches!(code.as_str(), "57P01" | "57P02" | "57P03" | "25006") {
                return StoreError::Unavailable(db.message().to_string());
            }
            let message = db.message().to_string();
            // PostgreSQL: serialization failure, deadlock. SQLite: busy, locked.
            if matches!(code.as_str(), "40001" | "40P01" | "5" | "6" | "517" | "261") || message.contains("database is locked") {
                return StoreError::Contention;
            }
            // A total refused for overflowing: SQLite's "integer overflow",
            // PostgreSQL's numeric_value_out_of_range (22003).
            if code == "22003" || message.contains("integer overflow") {
                return StoreError::TotalTooLarge(message);
            }
            if db.is_unique_violation() || db.is_foreign_key_violation() || db.is_check_violation() || code == "23514" || message.contains("CHECK constraint") {
                let constraint = db.constraint().map(str::to_string).unwrap_or(message);
                return StoreError::Conflict { constraint };
            }
        }
        StoreError::Database(error)
    }
}

macro_rules! invalid_from {
    ($($ty:ty => $field:literal),* $(,)?) => {
        $(impl From<$ty> for StoreError {
            fn from(error: $ty) -> StoreError {
                StoreError::Invalid { field: $field, message: error.to_string() }
            }
        })*
    };
}

invalid_from! {
    MoneyError => "amount",
    PartyError => "party",
    InvoiceError => "invoice",
    AllocationError => "allocation",
    EventError => "amount",
    AgingError => "buckets",
    IdempotencyKeyError => "idempotency_key",
}

impl From<serde_json::Error> for StoreError {
    fn from(error: serde_json::Error) -> StoreError {
        StoreError::Corrupt(error.to_string())
    }
}
