//! Money in: how money arrives other than typed by hand. So far, ACH
//! (issue 24): the organisation's originating bank accounts and payers'
//! authorisations (`ach_setup`), debits scheduled from payment plans or
//! one at a time (`ach_debits`), the daily run that writes one NACHA file
//! per originating account and posts what it debits (`ach_run`), the
//! bank's return and change file applied all or nothing (`ach_returns`),
//! what was sent, received and returned, read (`ach_read`), and all of it
//! replayed against the rules (`ach_verify`).
//!
//! The rules are the domain's (`settle_domain::ach`): what a code means and
//! asks, when a debit may go, how a change corrects a mandate. Bank
//! account numbers are shown only by their last four digits; the full
//! number is read only to write a NACHA file.
//!
//! The area's types are named from here; the step files are private.

mod ach_debits;
mod ach_read;
mod ach_returns;
mod ach_run;
mod ach_setup;
mod ach_verify;

pub use ach_debits::{AutopayPlan, DebitView, NewDebit};
pub use ach_read::{AchFileView, ReturnRateView};
pub use ach_returns::{ReturnApplied, ReturnsApplied};
pub use ach_run::AchRun;
pub use ach_setup::{MandateChangeView, MandateView, NewBankDetails, NewMandate, NewOriginator, OriginatorView};
pub use ach_verify::{AchFinding, AchVerify};

/// A bank account number as pages, the API and the CLI show it.
pub fn masked(account: &str) -> String {
    let tail: String = account.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
    format!("****{tail}")
}
