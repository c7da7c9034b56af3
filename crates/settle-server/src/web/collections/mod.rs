//! Collections' pages: the account page's contact gate, contact log,
//! consumer requests, disputes and promises (`contacts`); the collector's
//! queue with bulk assignment (`queue`); the supervisor, KPIs, plans,
//! settlements and letters (`dunning`);
//! the consumer's own opt-out link (`opt_out`); the email outbox (`outbox`).

pub(super) mod contacts;
pub(super) mod dunning;
pub(super) mod opt_out;
pub(super) mod outbox;
pub(super) mod queue;
