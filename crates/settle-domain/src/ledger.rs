//! The double-entry journal and the chart of accounts.
//!
//! Every business event becomes one [`JournalEntry`]: postings whose amounts
//! sum to zero per currency. An entry can only be built balanced
//! ([`JournalEntry::new`] refuses anything else), so an unbalanced entry never
//! reaches the store. Entries are never changed; a correction is a new entry.
//! Amounts are signed: a debit is positive, a credit negative.

use jiff::civil::Date;

use crate::money::{Currency, MAX_AMOUNT_MINOR};

/// The general-ledger accounts every organisation gets. Codes are stable:
/// they are what the journal stores and what exports name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum GlAccount {
    /// Cash and undeposited funds.
    Cash,
    /// Trust cash held for an agency's clients.
    TrustCash,
    /// Receivable from customers (businesses, schools).
    ArCustomer,
    /// Receivable from patients and guarantors.
    ArPatient,
    /// Receivable from insurance payers.
    ArInsurance,
    /// What payers kept back from an ERA's payment or added to it at the
    /// provider level (835 PLB: recoupments, withholdings, forwarding
    /// balances), to be reconciled with the payer.
    PayerOffsets,
    /// Money received but not yet applied to an item: the customer's credit.
    UnappliedCash,
    /// ERA payments received for claims Settle could not match yet; a
    /// person resolves each (matched to a claim, or owed back to the payer).
    EraSuspense,
    /// Refunds approved but not yet paid out.
    RefundsPayable,
    /// Sales tax collected on invoices.
    TaxPayable,
    /// What an agency owes its clients from collections.
    ClientPayable,
    /// Revenue from services and goods billed.
    Revenue,
    /// Late and returned-payment (NSF) fees.
    FeeIncome,
    /// An agency's commission on collections.
    CommissionIncome,
    /// Interest payers add for paying late (835 PLB reason L6).
    InterestIncome,
    /// Credit notes: returns and allowances against revenue.
    SalesReturns,
    /// Contractual adjustments agreed with payers.
    ContractualAdjustments,
    /// Courtesy (prompt-pay, goodwill) discounts.
    CourtesyDiscounts,
    /// What a settlement forgave: the balance less the settled amount.
    SettlementDiscounts,
    /// Small balances written off.
    SmallBalanceWriteOffs,
    /// Bad debt written off.
    BadDebt,
    /// Charity care.
    CharityCare,
    /// Corrections of billing errors.
    BillingCorrections,
}

/// What kind of balance an account carries, for the trial balance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GlKind {
    Asset,
    Liability,
    Income,
    ContraIncome,
    Expense,
}

impl GlAccount {
    pub const ALL: [GlAccount; 23] = [
        GlAccount::Cash,
        GlAccount::TrustCash,
        GlAccount::ArCustomer,
        GlAccount::ArPatient,
        GlAccount::ArInsurance,
        GlAccount::PayerOffsets,
        GlAccount::UnappliedCash,
        GlAccount::EraSuspense,
        GlAccount::RefundsPayable,
        GlAccount::TaxPayable,
        GlAccount::ClientPayable,
        GlAccount::Revenue,
        GlAccount::FeeIncome,
        GlAccount::CommissionIncome,
        GlAccount::InterestIncome,
        GlAccount::SalesReturns,
        GlAccount::ContractualAdjustments,
        GlAccount::CourtesyDiscounts,
        GlAccount::SettlementDiscounts,
        GlAccount::SmallBalanceWriteOffs,
        GlAccount::BadDebt,
        GlAccount::CharityCare,
        GlAccount::BillingCorrections,
    ];

    pub fn code(self) -> &'static str {
        match self {
            GlAccount::Cash => "1000",
            GlAccount::TrustCash => "1010",
            GlAccount::ArCustomer => "1100",
            GlAccount::ArPatient => "1110",
            GlAccount::ArInsurance => "1120",
            GlAccount::PayerOffsets => "1130",
            GlAccount::EraSuspense => "2150",
            GlAccount::InterestIncome => "4300",
            GlAccount::UnappliedCash => "2100",
            GlAccount::RefundsPayable => "2200",
            GlAccount::TaxPayable => "2300",
            GlAccount::ClientPayable => "2400",
            GlAccount::Revenue => "4000",
            GlAccount::FeeIncome => "4100",
            GlAccount::CommissionIncome => "4200",
            GlAccount::SalesReturns => "4900",
            GlAccount::ContractualAdjustments => "5000",
            GlAccount::CourtesyDiscounts => "5100",
            GlAccount::SettlementDiscounts => "5150",
            GlAccount::SmallBalanceWriteOffs => "5200",
            GlAccount::BadDebt => "5300",
            GlAccount::CharityCare => "5400",
            GlAccount::BillingCorrections => "5500",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            GlAccount::Cash => "Cash / undeposited funds",
            GlAccount::TrustCash => "Trust cash",
            GlAccount::ArCustomer => "AR - customer",
            GlAccount::ArPatient => "AR - patient",
            GlAccount::ArInsurance => "AR - insurance",
            GlAccount::PayerOffsets => "Payer offsets and withholdings (PLB)",
            GlAccount::EraSuspense => "ERA payments not yet matched",
            GlAccount::InterestIncome => "Interest from payers",
            GlAccount::UnappliedCash => "Unapplied cash (credit balances)",
            GlAccount::RefundsPayable => "Refunds payable",
            GlAccount::TaxPayable => "Tax payable",
            GlAccount::ClientPayable => "Client payable",
            GlAccount::Revenue => "Revenue",
            GlAccount::FeeIncome => "Late and NSF fee income",
            GlAccount::CommissionIncome => "Commission income",
            GlAccount::SalesReturns => "Credit notes (returns and allowances)",
            GlAccount::ContractualAdjustments => "Contractual adjustments",
            GlAccount::CourtesyDiscounts => "Courtesy discounts",
            GlAccount::SettlementDiscounts => "Settlement discounts",
            GlAccount::SmallBalanceWriteOffs => "Small-balance write-offs",
            GlAccount::BadDebt => "Bad debt",
            GlAccount::CharityCare => "Charity care",
            GlAccount::BillingCorrections => "Billing corrections",
        }
    }

    pub fn kind(self) -> GlKind {
        match self {
            GlAccount::Cash | GlAccount::TrustCash | GlAccount::ArCustomer | GlAccount::ArPatient | GlAccount::ArInsurance | GlAccount::PayerOffsets => {
                GlKind::Asset
            }
            GlAccount::UnappliedCash | GlAccount::EraSuspense | GlAccount::RefundsPayable | GlAccount::TaxPayable | GlAccount::ClientPayable => {
                GlKind::Liability
            }
            GlAccount::Revenue | GlAccount::FeeIncome | GlAccount::CommissionIncome | GlAccount::InterestIncome => GlKind::Income,
            GlAccount::SalesReturns | GlAccount::ContractualAdjustments | GlAccount::CourtesyDiscounts | GlAccount::SettlementDiscounts => GlKind::ContraIncome,
            GlAccount::SmallBalanceWriteOffs | GlAccount::BadDebt | GlAccount::CharityCare | GlAccount::BillingCorrections => GlKind::Expense,
        }
    }

    /// The account path used in ledger, hledger and beancount exports.
    pub fn ledger_path(self) -> &'static str {
        match self {
            GlAccount::Cash => "Assets:Cash",
            GlAccount::TrustCash => "Assets:TrustCash",
            GlAccount::ArCustomer => "Assets:Receivable:Customer",
            GlAccount::ArPatient => "Assets:Receivable:Patient",
            GlAccount::ArInsurance => "Assets:Receivable:Insurance",
            GlAccount::PayerOffsets => "Assets:PayerOffsets",
            GlAccount::EraSuspense => "Liabilities:EraSuspense",
            GlAccount::InterestIncome => "Income:Interest",
            GlAccount::UnappliedCash => "Liabilities:UnappliedCash",
            GlAccount::RefundsPayable => "Liabilities:RefundsPayable",
            GlAccount::TaxPayable => "Liabilities:TaxPayable",
            GlAccount::ClientPayable => "Liabilities:ClientPayable",
            GlAccount::Revenue => "Income:Revenue",
            GlAccount::FeeIncome => "Income:Fees",
            GlAccount::CommissionIncome => "Income:Commission",
            GlAccount::SalesReturns => "Income:CreditNotes",
            GlAccount::ContractualAdjustments => "Income:ContractualAdjustments",
            GlAccount::CourtesyDiscounts => "Income:CourtesyDiscounts",
            GlAccount::SettlementDiscounts => "Income:SettlementDiscounts",
            GlAccount::SmallBalanceWriteOffs => "Expenses:SmallBalanceWriteOffs",
            GlAccount::BadDebt => "Expenses:BadDebt",
            GlAccount::CharityCare => "Expenses:CharityCare",
            GlAccount::BillingCorrections => "Expenses:BillingCorrections",
        }
    }

    pub fn from_code(code: &str) -> Option<GlAccount> {
        GlAccount::ALL.into_iter().find(|gl| gl.code() == code)
    }

    /// Whether this is an accounts-receivable control account, whose balance
    /// must equal the sum of its open items.
    pub fn is_receivable(self) -> bool {
        matches!(self, GlAccount::ArCustomer | GlAccount::ArPatient | GlAccount::ArInsurance)
    }
}

/// One line of a journal entry. `item_id` ties a receivable posting to the
/// open item it changes; `account_id` ties it to the customer account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Posting {
    pub gl: GlAccount,
    /// Signed: debit positive, credit negative.
    pub amount_minor: i64,
    pub account_id: Option<i64>,
    pub item_id: Option<i64>,
}

impl Posting {
    pub fn debit(gl: GlAccount, amount_minor: i64) -> Posting {
        Posting {
            gl,
            amount_minor,
            account_id: None,
            item_id: None,
        }
    }

    pub fn credit(gl: GlAccount, amount_minor: i64) -> Posting {
        Posting {
            gl,
            amount_minor: -amount_minor,
            account_id: None,
            item_id: None,
        }
    }

    pub fn for_account(mut self, account_id: i64) -> Posting {
        self.account_id = Some(account_id);
        self
    }

    pub fn for_item(mut self, account_id: i64, item_id: i64) -> Posting {
        self.account_id = Some(account_id);
        self.item_id = Some(item_id);
        self
    }
}

/// What business event an entry records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EntryKind {
    Invoice,
    InvoiceVoid,
    Payment,
    PaymentReversal,
    CreditApplication,
    Adjustment,
    CreditNote,
    Refund,
    Fee,
    ClaimCharge,
    ClaimChargeReversal,
    Remittance,
    /// An ERA's provider-level adjustments (PLB).
    ProviderAdjustment,
    /// An ERA payment for a claim not matched yet, held in suspense, and
    /// its later release (to a claim, or back to the payer).
    EraSuspense,
}

impl EntryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Invoice => "invoice",
            EntryKind::InvoiceVoid => "invoice_void",
            EntryKind::Payment => "payment",
            EntryKind::PaymentReversal => "payment_reversal",
            EntryKind::CreditApplication => "credit_application",
            EntryKind::Adjustment => "adjustment",
            EntryKind::CreditNote => "credit_note",
            EntryKind::Refund => "refund",
            EntryKind::Fee => "fee",
            EntryKind::ClaimCharge => "claim_charge",
            EntryKind::ClaimChargeReversal => "claim_charge_reversal",
            EntryKind::Remittance => "remittance",
            EntryKind::ProviderAdjustment => "provider_adjustment",
            EntryKind::EraSuspense => "era_suspense",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    #[error("a journal entry needs at least two postings")]
    TooFewPostings,
    #[error("journal entry does not balance: postings sum to {sum_minor} minor units")]
    Unbalanced { sum_minor: i64 },
    #[error("a posting has a zero amount")]
    ZeroPosting,
    #[error("posting amounts overflow")]
    Overflow,
    #[error("a posting of {amount_minor} minor units is more than the largest amount Settle takes ({max} minor units)")]
    AmountTooLarge { amount_minor: i64, max: i64 },
}

/// A balanced set of postings in one currency on one effective date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JournalEntry {
    kind: EntryKind,
    effective_date: Date,
    currency: Currency,
    memo: String,
    postings: Vec<Posting>,
}

impl JournalEntry {
    /// Builds an entry; zero postings are dropped (an invoice with no tax has
    /// no tax posting) and the rest must sum to zero.
    pub fn new(
        kind: EntryKind,
        effective_date: Date,
        currency: Currency,
        memo: impl Into<String>,
        postings: Vec<Posting>,
    ) -> Result<JournalEntry, LedgerError> {
        let postings: Vec<Posting> = postings.into_iter().filter(|p| p.amount_minor != 0).collect();
        if postings.len() < 2 {
            return Err(LedgerError::TooFewPostings);
        }
        let mut sum: i64 = 0;
        for posting in &postings {
            if posting.amount_minor.unsigned_abs() > MAX_AMOUNT_MINOR.unsigned_abs() {
                return Err(LedgerError::AmountTooLarge {
                    amount_minor: posting.amount_minor,
                    max: MAX_AMOUNT_MINOR,
                });
            }
            sum = sum.checked_add(posting.amount_minor).ok_or(LedgerError::Overflow)?;
        }
        if sum != 0 {
            return Err(LedgerError::Unbalanced { sum_minor: sum });
        }
        Ok(JournalEntry {
            kind,
            effective_date,
            currency,
            memo: memo.into(),
            postings,
        })
    }

    pub fn kind(&self) -> EntryKind {
        self.kind
    }
    pub fn effective_date(&self) -> Date {
        self.effective_date
    }
    pub fn currency(&self) -> Currency {
        self.currency
    }
    pub fn memo(&self) -> &str {
        &self.memo
    }
    pub fn postings(&self) -> &[Posting] {
        &self.postings
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn refuses_unbalanced_entries() {
        let err = JournalEntry::new(
            EntryKind::Payment,
            date(2026, 1, 1),
            Currency::USD,
            "",
            vec![Posting::debit(GlAccount::Cash, 100), Posting::credit(GlAccount::ArCustomer, 99)],
        )
        .unwrap_err();
        assert_eq!(err, LedgerError::Unbalanced { sum_minor: 1 });
    }

    #[test]
    fn refuses_a_posting_past_the_largest_amount() {
        let entry = |minor: i64| {
            JournalEntry::new(
                EntryKind::Payment,
                date(2026, 1, 1),
                Currency::USD,
                "",
                vec![Posting::debit(GlAccount::Cash, minor), Posting::credit(GlAccount::UnappliedCash, minor)],
            )
        };
        assert!(entry(MAX_AMOUNT_MINOR).is_ok());
        assert!(matches!(entry(MAX_AMOUNT_MINOR + 1), Err(LedgerError::AmountTooLarge { .. })));
        assert!(matches!(entry(i64::MAX), Err(LedgerError::AmountTooLarge { .. })));
    }

    #[test]
    fn codes_are_unique_and_round_trip() {
        for gl in GlAccount::ALL {
            assert_eq!(GlAccount::from_code(gl.code()), Some(gl));
        }
        let mut codes: Vec<&str> = GlAccount::ALL.iter().map(|g| g.code()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), GlAccount::ALL.len());
    }
}
