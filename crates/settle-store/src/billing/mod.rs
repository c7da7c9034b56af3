//! Billing: accounts and the people on them, invoices, payments,
//! adjustments, credit notes and refunds, each one business event in one
//! transaction (through `crate::write`), and the open items money is
//! applied to. The steps, one file each:
//!
//! - `accounts`: parties and accounts opened, contact points changed;
//! - `invoices`: drafts priced, edited, issued, voided;
//! - `payments`: payments posted (allocated oldest first or as named) and
//!   reversed (a returned check, NSF with its fee);
//! - `credits`: adjustments, credit notes, credit applied, refunds;
//! - `items`: open items and allocations, read and written.
//!
//! With an idempotency key, the request's hash and the response are stored
//! in the same transaction as the event, so a retry with the same key and
//! request gets the first response back and writes nothing, and the same
//! key with another request is refused.
//!
//! The area's types are named from here (`settle_store::billing::NewPayment`);
//! the step files are private.

use crate::platform::audit::Subject;
use crate::write::{audited, Audited};

mod accounts;
mod credits;
pub mod csv_import;
mod dashboard;
mod invoice_document;
mod invoice_list;
mod invoices;
mod items;
mod letterhead;
mod office;
mod payments;
mod reports;
mod write_offs;

pub(crate) use accounts::default_terms;
pub use accounts::{AccountCreated, CheckedAccount, NewAccount, NewParty};
pub use credits::{AdjustmentPosted, ApplyCredit, CreditApplied, CreditNoteIssued, NewAdjustment, NewCreditNote, NewRefund, RefundIssued, RefundOutcome};
pub use dashboard::{amount, AdjustmentTotal, AgedItem, Dashboard, ReceiptRow, SearchHit};
pub use invoice_list::{InvoiceFilter, InvoiceSort, InvoiceSummary, InvoiceSums, InvoiceTally};
pub use invoices::{EditDraftInvoice, InvoiceCreated, IssueInvoice, NewInvoice, NewInvoiceLine, VoidInvoice};
pub(crate) use letterhead::Letterhead;
pub use letterhead::{phone_display, LetterheadSettings};
pub use office::{
    limit_money, AdjustmentOutcome, ApprovalView, NoteView, OrgSettings, SettingsUpdate, SubmitAdjustment, TimelineEvent, DEFAULT_TERMS,
    DEFAULT_WRITEOFF_APPROVAL_MINOR,
};
pub use payments::{Applied, ApplyTo, NewPayment, PaymentPosted, PaymentReversed, ReversePayment, PAYMENT_METHODS};
pub(crate) use reports::like_pattern;
pub use reports::{
    ledger_path, AccountDetail, AccountFilter, AccountSummary, AccountTally, AgingReport, AgingRow, AppliedToInvoice, Contact, InvoiceDetail, InvoiceLineView,
    ItemView, JournalEntryView, JournalPosting, LedgerLine, PaymentFilter, PaymentSummary, PaymentView, TrialBalanceRow, ACCOUNT_SORTS,
};
pub use write_offs::{SmallBalance, MAX_BULK};

pub(crate) use accounts::{account_from_row, AccountRow};
pub(crate) use items::{item_from_row, ItemRow};

audited! {
    NewAccount => "account.create", |c| Subject::Account(c.account_number.clone());
    NewInvoice => "invoice.create", |c| Subject::Account(c.account_number.clone());
    IssueInvoice => "invoice.issue", |c| Subject::Invoice(c.invoice_number.clone());
    VoidInvoice => "invoice.void", |c| Subject::Invoice(c.invoice_number.clone());
    EditDraftInvoice => "invoice.edit", |c| Subject::Invoice(c.invoice_number.clone());
    NewPayment => "payment.post", |c| Subject::Account(c.account_number.clone());
    ReversePayment => "payment.reverse", |c| Subject::Payment(c.payment_id);
    NewAdjustment => "adjustment.post", |c| Subject::Item(c.reference.clone());
    NewCreditNote => "credit_note.issue", |c| Subject::Account(c.account_number.clone());
    ApplyCredit => "credit.apply", |c| Subject::Account(c.account_number.clone());
    NewRefund => "refund.issue", |c| Subject::Account(c.account_number.clone());
}
