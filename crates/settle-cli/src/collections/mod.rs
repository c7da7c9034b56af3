//! Collections from the command line: `settle contact`, `consumer`,
//! `dispute`, `letter`, `promise` and `collections` (`contacts`); `settle
//! dunning`, `queue`, `plan`, `settlement` and `outbox` (`dunning`).

pub(crate) mod contacts;
pub(crate) mod dunning;
