//! ACH (Nacha) debits and credits: what a bank's routing number must be,
//! what each return and notification of change code means and asks of the
//! originator, a NACHA file written, or read whole or refused whole, and
//! what a returned debit decides. The beginning of money in by ACH (issue
//! 24); the code tables are data with their source and the days each
//! meaning applies (`data/ach_codes.csv`).

pub mod bank_sim;
pub mod codes;
pub mod mandate;
pub mod nacha;
#[cfg(test)]
mod nacha_tests;
pub mod nacha_write;
pub mod replay;
pub mod return_rates;
pub mod returns;
pub mod routing;

pub use codes::{AchCode, Handling, RateClass};
pub use routing::RoutingNumber;
