//! The platform over the API: logging in and out (`auth`); users, API
//! tokens and the audit trail (`admin`).

pub(super) mod admin;
pub(super) mod auth;
