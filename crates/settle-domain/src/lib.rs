//! Settle's pure rules: money, the ledger, accounts, invoices, allocation,
//! posting rules and aging.
//!
//! Nothing here does I/O, reads the clock, or knows SQL: every function takes
//! what it needs (including "today") as an argument and returns a decision.
//! The store writes decisions; the CLI and server are doors to them.

pub mod access;
pub mod account;
pub mod ach;
pub mod address;
pub mod aging;
pub mod allocation;
pub mod authorizations;
pub mod bank;
pub mod calendar;
pub mod carc;
pub mod claim_facts;
pub mod claim_status;
pub mod claims;
pub mod codes;
pub mod compliance;
pub mod dunning;
pub mod events;
pub mod file_problem;
pub mod follow_up;
pub mod gl_export;
pub mod icd10;
pub mod invoice;
pub mod ledger;
pub mod location;
pub mod money;
pub mod names;
pub mod payer_rules;
pub mod plans;
pub mod promises;
pub mod remit;
pub mod status;
pub mod units;

pub use jiff::civil::Date;
pub use rust_decimal::Decimal;

/// A business-event idempotency key: 1 to 128 printable ASCII characters.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("idempotency key {0:?} must be 1 to 128 printable ASCII characters")]
pub struct IdempotencyKeyError(pub String);

impl IdempotencyKey {
    pub fn parse(text: &str) -> Result<IdempotencyKey, IdempotencyKeyError> {
        if !text.is_empty() && text.len() <= 128 && text.bytes().all(|b| b.is_ascii_graphic()) {
            Ok(IdempotencyKey(text.to_string()))
        } else {
            Err(IdempotencyKeyError(text.to_string()))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
