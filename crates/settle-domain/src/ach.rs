//! ACH (Nacha) debits and credits: what a bank's routing number must be,
//! and what each return and notification of change code means and asks
//! of the originator. The beginning of money in by ACH (issue 24); the
//! code tables are data with their source and the days each meaning
//! applies (`data/ach_codes.csv`).

pub mod codes;
pub mod routing;

pub use codes::{AchCode, Handling, RateClass};
pub use routing::RoutingNumber;
