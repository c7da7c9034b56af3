//! The platform from the command line: `settle serve`, users, tokens, the
//! audit trail and the permission matrix (`admin`).

pub(crate) mod admin;
