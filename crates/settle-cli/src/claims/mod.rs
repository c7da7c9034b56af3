//! Claims from the command line: `settle claim` and `settle statements`
//! (`claim`), `settle payer`, `provider` and `coverage` (`parties`), `settle
//! codes` (`codes`), `settle x12` (`x12`), `settle authorization`
//! (`authorizations`), `settle follow-up` (`follow_up`).

pub(crate) mod authorizations;
pub(crate) mod claim;
pub(crate) mod codes;
pub(crate) mod follow_up;
pub(crate) mod parties;
pub(crate) mod x12;
