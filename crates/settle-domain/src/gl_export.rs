//! The books out (issue 24, part 4): the journal summarised into one
//! journal per day and currency for a general ledger (QuickBooks Online,
//! QuickBooks Desktop, Xero or any other), with ids that never repeat for
//! different content, so a re-export never duplicates; what changed on a
//! day already exported goes as a new, correcting journal (the ledger's own
//! rule: corrections are new entries); and the rule that a closed period
//! takes no new entry.

pub mod formats;
#[cfg(test)]
mod formats_tests;
pub mod summary;

pub use formats::{ExportFormat, Mapping, Target};
pub use summary::{closed_period_refusal, journal_id, journals_due, DayJournal, DayTotals};
