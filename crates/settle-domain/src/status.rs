//! The states a stored record moves through, as enums: what a status
//! column may hold, and the text it holds. The store reads a status column
//! into one of these (an unknown value is corruption, named) and compares
//! enums, never strings; claims, invoices, accounts and plans have theirs
//! beside their rules (`ClaimStatus`, `InvoiceStatus`, `AccountStatus`,
//! `PlanStatus`).

use std::fmt;

/// A status column's value that no state of its kind is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownStatus {
    pub kind: &'static str,
    pub text: String,
}

impl fmt::Display for UnknownStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} is not a {} status", self.text, self.kind)
    }
}

impl std::error::Error for UnknownStatus {}

macro_rules! statuses {
    ($(
        $(#[$doc:meta])*
        $name:ident ($kind:literal) { $($(#[$vdoc:meta])* $variant:ident = $text:literal,)+ }
    )+) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vdoc])* $variant,)+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The text the status column holds.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = UnknownStatus;

            /// Exactly the stored text: a row is not a person typing.
            fn from_str(text: &str) -> Result<$name, UnknownStatus> {
                match text {
                    $($text => Ok($name::$variant),)+
                    _ => Err(UnknownStatus { kind: $kind, text: text.to_string() }),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    )+};
}

statuses! {
    /// A payment: posted, or reversed (returned) by a later entry.
    PaymentStatus ("payment") {
        Posted = "posted",
        Reversed = "reversed",
    }

    /// An open item (what an invoice or a charge left to pay).
    ItemStatus ("item") {
        Open = "open",
        Closed = "closed",
        Void = "void",
    }

    /// A write-off waiting for a second person.
    ApprovalStatus ("approval") {
        Pending = "pending",
        Approved = "approved",
        Rejected = "rejected",
    }

    /// A denied claim line being worked.
    DenialStatus ("denial") {
        Open = "open",
        Appealed = "appealed",
        Corrected = "corrected",
        Resolved = "resolved",
        WrittenOff = "written_off",
    }

    /// A promise to pay.
    PromiseStatus ("promise") {
        Pending = "pending",
        Kept = "kept",
        Broken = "broken",
        Cancelled = "cancelled",
    }

    /// A settlement offer.
    SettlementStatus ("settlement") {
        /// Past the collector's own limit: a coordinator decides.
        AwaitingApproval = "awaiting_approval",
        Offered = "offered",
        Paid = "paid",
        Expired = "expired",
        Declined = "declined",
        Cancelled = "cancelled",
    }

    /// An email in the outbox.
    EmailStatus ("email") {
        Queued = "queued",
        Sent = "sent",
        Cancelled = "cancelled",
        Failed = "failed",
    }

    /// A user of Settle.
    UserStatus ("user") {
        Active = "active",
        Disabled = "disabled",
    }

    /// An ACH debit authorisation (mandate).
    MandateStatus ("mandate") {
        /// The account is validated by a prenote before the first debit.
        PrenoteDue = "prenote_due",
        /// The prenote is sent; live debits wait three banking days.
        PrenoteSent = "prenote_sent",
        Active = "active",
        /// A return asked for new bank details; nothing is debited.
        NewDetailsNeeded = "new_details_needed",
        /// A return stopped debits until a person decides.
        Hold = "hold",
        /// Ended by the payer, by a return, or by hand; never debited again.
        Revoked = "revoked",
    }

    /// A scheduled ACH debit (or prenote).
    DebitStatus ("debit") {
        Scheduled = "scheduled",
        /// Written into a NACHA file; its payment is posted.
        InFile = "in_file",
        /// Past the return window with no return.
        Settled = "settled",
        /// Came back; its payment reversed.
        Returned = "returned",
        Cancelled = "cancelled",
    }
}

impl std::str::FromStr for crate::invoice::InvoiceStatus {
    type Err = UnknownStatus;
    fn from_str(text: &str) -> Result<Self, UnknownStatus> {
        crate::invoice::InvoiceStatus::parse(text).ok_or_else(|| UnknownStatus {
            kind: "invoice",
            text: text.to_string(),
        })
    }
}

impl std::str::FromStr for crate::plans::PlanStatus {
    type Err = UnknownStatus;
    fn from_str(text: &str) -> Result<Self, UnknownStatus> {
        use crate::plans::PlanStatus;
        [PlanStatus::Active, PlanStatus::Completed, PlanStatus::Defaulted, PlanStatus::Cancelled]
            .into_iter()
            .find(|s| s.as_str() == text)
            .ok_or_else(|| UnknownStatus {
                kind: "plan",
                text: text.to_string(),
            })
    }
}

impl DenialStatus {
    /// Whether the denial is still being worked (an appeal may still go).
    pub fn worked(self) -> bool {
        matches!(self, DenialStatus::Open | DenialStatus::Appealed)
    }
}

impl SettlementStatus {
    /// Whether a status can be closed as `to` (declined by a coordinator,
    /// cancelled by the collector).
    pub fn may_close_as(self, to: SettlementStatus) -> bool {
        match to {
            SettlementStatus::Declined => self == SettlementStatus::AwaitingApproval,
            SettlementStatus::Cancelled => matches!(self, SettlementStatus::AwaitingApproval | SettlementStatus::Offered),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_reads_back_from_its_text_and_nothing_else_does() {
        fn round<T: Copy + PartialEq + fmt::Debug + std::str::FromStr<Err = UnknownStatus>>(all: &[T], text: impl Fn(T) -> &'static str) {
            for s in all {
                assert_eq!(text(*s).parse::<T>().ok(), Some(*s));
            }
        }
        round(PaymentStatus::ALL, PaymentStatus::as_str);
        round(ItemStatus::ALL, ItemStatus::as_str);
        round(ApprovalStatus::ALL, ApprovalStatus::as_str);
        round(DenialStatus::ALL, DenialStatus::as_str);
        round(PromiseStatus::ALL, PromiseStatus::as_str);
        round(SettlementStatus::ALL, SettlementStatus::as_str);
        round(EmailStatus::ALL, EmailStatus::as_str);
        round(UserStatus::ALL, UserStatus::as_str);
        assert_eq!("written_off".parse(), Ok(crate::invoice::InvoiceStatus::WrittenOff));
        assert_eq!("defaulted".parse(), Ok(crate::plans::PlanStatus::Defaulted));
        assert!("Open".parse::<crate::invoice::InvoiceStatus>().is_err());
        let wrong = "Posted".parse::<PaymentStatus>().unwrap_err();
        assert_eq!(wrong.to_string(), "\"Posted\" is not a payment status");
        assert!("written off".parse::<DenialStatus>().is_err());
    }

    #[test]
    fn a_settlement_closes_only_from_where_it_may() {
        use SettlementStatus::*;
        assert!(AwaitingApproval.may_close_as(Declined));
        assert!(!Offered.may_close_as(Declined));
        assert!(Offered.may_close_as(Cancelled));
        assert!(!Paid.may_close_as(Cancelled));
        assert!(!Offered.may_close_as(Paid));
    }
}
