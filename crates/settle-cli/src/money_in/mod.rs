//! Money in: ACH files (issue 24, begun).

pub mod ach;
