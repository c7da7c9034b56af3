//! Who may do what: roles, permissions and the matrix between them.
//!
//! Every API route (and, later, every page) declares one [`Permission`];
//! a user's or token's [`Role`] either grants it or not. The matrix lives
//! here, in one function, so that `docs/permissions.md` can be generated
//! from it and a test can walk every route with every role against it.

use serde::{Deserialize, Serialize};

/// The jobs people do in a billing office.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything, including users, tokens and the audit trail.
    Admin,
    /// Runs the billing office: every billing action, voids, reversals,
    /// write-offs, credit notes and refunds.
    BillingCoordinator,
    /// Day-to-day billing: accounts, invoices, payments, applying credit.
    BillingSpecialist,
    /// Works overdue accounts: reads accounts, takes payments, updates contacts.
    CollectionsSpecialist,
    /// Reads everything, including the journal and the audit trail; changes nothing.
    Auditor,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::BillingCoordinator,
        Role::BillingSpecialist,
        Role::CollectionsSpecialist,
        Role::Auditor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::BillingCoordinator => "billing_coordinator",
            Role::BillingSpecialist => "billing_specialist",
            Role::CollectionsSpecialist => "collections_specialist",
            Role::Auditor => "auditor",
        }
    }

    pub fn parse(text: &str) -> Result<Role, UnknownRole> {
        let wanted = text.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == wanted)
            .ok_or_else(|| UnknownRole(text.to_string()))
    }

    /// The permission matrix.
    pub fn allows(self, permission: Permission) -> bool {
        use Permission::*;
        match self {
            Role::Admin => true,
            Role::BillingCoordinator => !matches!(permission, AuditRead | UsersManage | SettingsManage),
            Role::BillingSpecialist => matches!(
                permission,
                AccountsRead
                    | AccountsWrite
                    | ContactsWrite
                    | NotesWrite
                    | InvoicesWrite
                    | PaymentsPost
                    | CreditsApply
                    | AdjustmentsPost
                    | RefundsIssue
                    | ReportsRead
                    | ClaimsWrite
                    | CollectionsWork
                    | ClinicalRead
            ),
            Role::CollectionsSpecialist => matches!(
                permission,
                AccountsRead | ContactsWrite | NotesWrite | PaymentsPost | ReportsRead | CollectionsWork
            ),
            Role::Auditor => matches!(permission, AccountsRead | ReportsRead | JournalRead | AuditRead | ClinicalRead),
        }
    }
}

/// Whether a refund waits for a second person: someone who approves
/// (a coordinator, an admin, the database owner's command line) pays any
/// amount the credit allows; anyone else (a billing specialist) up to the
/// organisation's limit, and above it the refund is held until an approver
/// other than the one who asked decides it.
pub fn refund_needs_approval(amount_minor: i64, limit_minor: i64, approves: bool) -> bool {
    !approves && amount_minor > limit_minor
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a role; use one of admin, billing_coordinator, billing_specialist, collections_specialist, auditor")]
pub struct UnknownRole(pub String);

/// What a route needs. Reads of people's records are audited whatever the permission.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Accounts, parties, invoices, payments and their allocations.
    AccountsRead,
    /// Open accounts.
    AccountsWrite,
    /// Change an address, phone or email.
    ContactsWrite,
    /// Create and issue invoices.
    InvoicesWrite,
    /// Void an invoice with nothing applied.
    InvoicesVoid,
    /// Post a payment received.
    PaymentsPost,
    /// Reverse a returned payment (NSF), with a fee.
    PaymentsReverse,
    /// Apply unapplied credit to open items.
    CreditsApply,
    /// Discounts, write-offs and corrections; a write-off above the
    /// organisation's approval limit is held for someone else's approval.
    AdjustmentsPost,
    /// Approve or reject a held write-off (never one's own).
    AdjustmentsApprove,
    /// Issue credit notes.
    CreditNotesIssue,
    /// Pay money back out of a credit balance.
    RefundsIssue,
    /// Aging and trial balance.
    ReportsRead,
    /// The double-entry journal.
    JournalRead,
    /// The audit trail.
    AuditRead,
    /// Users and API tokens.
    UsersManage,
    /// Insurance payers and providers.
    PayersManage,
    /// Add notes to an account.
    NotesWrite,
    /// Organisation settings: default terms, aging buckets, approval limit.
    SettingsManage,
    /// Enter, fix, send, correct and void insurance claims; import acknowledgments.
    ClaimsWrite,
    /// Work delinquent accounts: ask the contact gate, log contacts, record
    /// what a consumer asked of us and their disputes.
    CollectionsWork,
    /// Run collections: the dunning policy and run, who works which
    /// accounts, approving settlements over the limit (never one's own).
    CollectionsManage,
    /// Diagnoses and procedure codes: claims, denials, the services on a
    /// patient's items. Collectors work balances without them (HIPAA's
    /// minimum necessary, 45 CFR 164.502(b)).
    ClinicalRead,
    /// Send the day's journals to the general ledger and close periods.
    BooksExport,
}

impl Permission {
    pub const ALL: [Permission; 24] = [
        Permission::AccountsRead,
        Permission::AccountsWrite,
        Permission::ContactsWrite,
        Permission::InvoicesWrite,
        Permission::InvoicesVoid,
        Permission::PaymentsPost,
        Permission::PaymentsReverse,
        Permission::CreditsApply,
        Permission::AdjustmentsPost,
        Permission::AdjustmentsApprove,
        Permission::CreditNotesIssue,
        Permission::RefundsIssue,
        Permission::ReportsRead,
        Permission::JournalRead,
        Permission::AuditRead,
        Permission::UsersManage,
        Permission::PayersManage,
        Permission::NotesWrite,
        Permission::SettingsManage,
        Permission::ClaimsWrite,
        Permission::CollectionsWork,
        Permission::CollectionsManage,
        Permission::ClinicalRead,
        Permission::BooksExport,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Permission::AccountsRead => "accounts.read",
            Permission::AccountsWrite => "accounts.write",
            Permission::ContactsWrite => "contacts.write",
            Permission::InvoicesWrite => "invoices.write",
            Permission::InvoicesVoid => "invoices.void",
            Permission::PaymentsPost => "payments.post",
            Permission::PaymentsReverse => "payments.reverse",
            Permission::CreditsApply => "credits.apply",
            Permission::AdjustmentsPost => "adjustments.post",
            Permission::AdjustmentsApprove => "adjustments.approve",
            Permission::CreditNotesIssue => "credit_notes.issue",
            Permission::RefundsIssue => "refunds.issue",
            Permission::ReportsRead => "reports.read",
            Permission::JournalRead => "journal.read",
            Permission::AuditRead => "audit.read",
            Permission::UsersManage => "users.manage",
            Permission::PayersManage => "payers.manage",
            Permission::NotesWrite => "notes.write",
            Permission::SettingsManage => "settings.manage",
            Permission::ClaimsWrite => "claims.write",
            Permission::CollectionsWork => "collections.work",
            Permission::CollectionsManage => "collections.manage",
            Permission::ClinicalRead => "clinical.read",
            Permission::BooksExport => "books.export",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_and_accept_dashes() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Ok(role));
        }
        assert_eq!(Role::parse("Billing-Coordinator"), Ok(Role::BillingCoordinator));
        assert!(Role::parse("root").is_err());
    }

    #[test]
    fn auditor_writes_nothing_and_only_admin_manages_users() {
        let writes = [
            Permission::AccountsWrite,
            Permission::ContactsWrite,
            Permission::InvoicesWrite,
            Permission::InvoicesVoid,
            Permission::PaymentsPost,
            Permission::PaymentsReverse,
            Permission::CreditsApply,
            Permission::AdjustmentsPost,
            Permission::CreditNotesIssue,
            Permission::RefundsIssue,
            Permission::UsersManage,
            Permission::PayersManage,
            Permission::AdjustmentsApprove,
            Permission::NotesWrite,
            Permission::SettingsManage,
            Permission::ClaimsWrite,
            Permission::CollectionsWork,
            Permission::CollectionsManage,
            Permission::BooksExport,
        ];
        assert!(writes.iter().all(|p| !Role::Auditor.allows(*p)));
        assert!(Role::Auditor.allows(Permission::AuditRead));
        for role in Role::ALL {
            assert_eq!(role.allows(Permission::UsersManage), role == Role::Admin, "{role}");
        }
        assert!(!Role::CollectionsSpecialist.allows(Permission::RefundsIssue));
        assert!(Role::BillingSpecialist.allows(Permission::RefundsIssue), "within a limit");
        assert!(!Role::BillingSpecialist.allows(Permission::AdjustmentsApprove));
        assert!(Role::BillingCoordinator.allows(Permission::AdjustmentsApprove));
        assert!(!Role::BillingCoordinator.allows(Permission::SettingsManage));
        assert!(Role::BillingCoordinator.allows(Permission::CollectionsManage));
        assert!(!Role::CollectionsSpecialist.allows(Permission::CollectionsManage));
        assert!(
            !Role::CollectionsSpecialist.allows(Permission::ClinicalRead),
            "collectors see balances, not diagnoses"
        );
        assert!(Role::BillingSpecialist.allows(Permission::ClinicalRead) && Role::Auditor.allows(Permission::ClinicalRead));
    }

    #[test]
    fn a_refund_above_the_limit_waits_unless_an_approver_pays_it() {
        assert!(!refund_needs_approval(10_000, 10_000, false), "at the limit: paid");
        assert!(refund_needs_approval(10_001, 10_000, false), "a cent above: held");
        assert!(!refund_needs_approval(1_000_000, 10_000, true), "an approver pays any amount");
        assert!(refund_needs_approval(1, 0, false), "a limit of 0 holds every refund");
    }
}
