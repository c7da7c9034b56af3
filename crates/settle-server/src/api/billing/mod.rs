//! Billing over the API: accounts (open, show, contacts, credit applied),
//! invoices, payments, adjustments, credit notes and refunds (`events`), the
//! office's own records (`office`), CSV imports (`imports`), and the
//! reports (`reports`).

pub(super) mod accounts;
pub(super) mod events;
pub(super) mod gl_export;
pub(super) mod imports;
pub(super) mod office;
pub(super) mod reports;
