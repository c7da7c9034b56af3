//! The platform's pages: logging in and out (`login`), choosing your own
//! password (`password`), users and roles (`admin`), API tokens (`tokens`),
//! the audit trail (`audit`).

pub(super) mod admin;
pub(super) mod audit;
pub(super) mod login;
pub(super) mod password;
pub(super) mod tokens;
