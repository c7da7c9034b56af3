//! The platform's pages: logging in and out (`login`), users and roles
//! (`admin`).

pub(super) mod admin;
pub(super) mod login;
