//! The platform under every area: organisations (each one's books are its
//! own), users, sessions and API tokens (`access`), the audit trail and its
//! hash chain over the journal (`audit`, `chain`) and its reading by
//! filters (`trail_search`), what the current actor
//! may see of clinical codes (`sight`), and `verify`, which recomputes the
//! books from the journal.

pub mod access;
pub mod audit;
pub mod chain;
pub mod sight;
pub mod trail_search;
pub mod verify;

mod organisations;

pub use organisations::Organisation;
