//! Money in: the ACH page (`ach`).

pub(super) mod ach;
