//! Money in: ACH (issue 24): files read, mandates, debits, the daily run, returns; the bank simulator.

pub mod ach;
pub mod ach_books;
pub mod bank;
