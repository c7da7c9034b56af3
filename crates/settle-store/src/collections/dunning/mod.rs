//! The daily dunning run and the collectors' work queue. Once a day (`settle
//! dunning run`, or inside `settle serve`) every account with a balance is
//! read in chunks (`read`); each account's step and what its level's actions
//! come to is asked of `settle_domain::dunning`, and `run` carries that out
//! in one transaction per chunk: levels reached, letters and emails (each
//! through the contact gate, every answer kept), capped late fees, stages
//! and holds, and one `dunning_action` row for everything done or declined.
//! The same pass rebuilds the queue (`queue`), handed out by the rules in
//! `assign`. The policy itself is `policy`. A second run for the same day
//! finds every account at its level and does nothing.

mod assign;
mod history;
mod policy;
mod queue;
mod read;
mod run;

pub use assign::RuleInput;
pub use policy::{DunningPolicyUpdate, DunningPolicyView, LevelView};
pub use queue::{CollectorDay, QueueFilter, QueueRow, RunSummary, SupervisorView, QUEUE_SORTS};
pub use run::{ActionView, LevelCount, RunReport, RunRequest};

pub(in crate::collections) use policy::Settings;
