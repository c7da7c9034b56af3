//! Billing's pages: the dashboard, accounts and invoices (`pages`), every
//! invoice as a sorted, paged list (`invoices_list`), the
//! forms that open accounts and post invoices, payments, adjustments and
//! refunds (`forms`), the reports (`reports`, drawn by `charts`), and the
//! addresses that could not be read (`addresses`).

pub(super) mod addresses;
pub(super) mod charts;
pub(super) mod forms;
pub(super) mod gl_export;
pub(super) mod invoices_list;
pub(super) mod pages;
pub(super) mod reports;
