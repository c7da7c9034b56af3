//! Posting rules: which journal entry each business event makes.
//!
//! Each function here takes a decision already made (what was billed, how a
//! payment was allocated) and returns the one balanced entry that records it.
//! Receivable postings carry the open item they change, and money held for a
//! customer (unapplied credit) carries the account, so every item balance and
//! every credit balance can be recomputed from the journal alone.

use jiff::civil::Date;

use crate::allocation::AllocationPlan;
use crate::invoice::InvoiceTotals;
use crate::ledger::{EntryKind, GlAccount, JournalEntry, LedgerError, Posting};
use crate::money::{Currency, Money};

/// The account an event concerns and the receivable its items sit in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Receivable {
    pub account_id: i64,
    pub gl: GlAccount,
}

/// Why a balance was reduced without cash.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AdjustmentReason {
    CourtesyDiscount,
    SmallBalanceWriteOff,
    BadDebtWriteOff,
    Charity,
    Correction,
    Contractual,
    /// The rest of a balance forgiven when a settlement was paid.
    Settlement,
}

impl AdjustmentReason {
    pub const ALL: [AdjustmentReason; 7] = [
        AdjustmentReason::CourtesyDiscount,
        AdjustmentReason::SmallBalanceWriteOff,
        AdjustmentReason::BadDebtWriteOff,
        AdjustmentReason::Charity,
        AdjustmentReason::Correction,
        AdjustmentReason::Contractual,
        AdjustmentReason::Settlement,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AdjustmentReason::CourtesyDiscount => "courtesy_discount",
            AdjustmentReason::SmallBalanceWriteOff => "small_balance_write_off",
            AdjustmentReason::BadDebtWriteOff => "bad_debt_write_off",
            AdjustmentReason::Charity => "charity",
            AdjustmentReason::Correction => "correction",
            AdjustmentReason::Contractual => "contractual",
            AdjustmentReason::Settlement => "settlement",
        }
    }

    pub fn parse(text: &str) -> Option<AdjustmentReason> {
        let normalised = text.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        AdjustmentReason::ALL.into_iter().find(|r| r.as_str() == normalised)
    }

    pub fn gl(self) -> GlAccount {
        match self {
            AdjustmentReason::CourtesyDiscount => GlAccount::CourtesyDiscounts,
            AdjustmentReason::SmallBalanceWriteOff => GlAccount::SmallBalanceWriteOffs,
            AdjustmentReason::BadDebtWriteOff => GlAccount::BadDebt,
            AdjustmentReason::Charity => GlAccount::CharityCare,
            AdjustmentReason::Correction => GlAccount::BillingCorrections,
            AdjustmentReason::Contractual => GlAccount::ContractualAdjustments,
            AdjustmentReason::Settlement => GlAccount::SettlementDiscounts,
        }
    }

    /// Whether an item closed by this adjustment counts as written off
    /// rather than paid.
    pub fn is_write_off(self) -> bool {
        matches!(
            self,
            AdjustmentReason::SmallBalanceWriteOff | AdjustmentReason::BadDebtWriteOff | AdjustmentReason::Charity
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    #[error("the amount must be greater than zero")]
    NonPositiveAmount,
    #[error("the amount is more than the item's balance of {balance}")]
    ExceedsItemBalance { balance: Money },
    #[error("the refund is more than the account's credit of {credit}")]
    ExceedsCredit { credit: Money },
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

pub fn invoice_issued(date: Date, currency: Currency, ar: Receivable, item_id: i64, totals: InvoiceTotals, memo: &str) -> Result<JournalEntry, EventError> {
    let postings = vec![
        Posting::debit(ar.gl, totals.total_minor).for_item(ar.account_id, item_id),
        Posting::credit(GlAccount::Revenue, totals.subtotal_minor),
        Posting::credit(GlAccount::TaxPayable, totals.tax_minor),
    ];
    Ok(JournalEntry::new(EntryKind::Invoice, date, currency, memo, postings)?)
}

/// Voiding takes the invoice off the books with the mirror of its entry.
pub fn invoice_voided(date: Date, currency: Currency, ar: Receivable, item_id: i64, totals: InvoiceTotals, memo: &str) -> Result<JournalEntry, EventError> {
    let postings = vec![
        Posting::credit(ar.gl, totals.total_minor).for_item(ar.account_id, item_id),
        Posting::debit(GlAccount::Revenue, totals.subtotal_minor),
        Posting::debit(GlAccount::TaxPayable, totals.tax_minor),
    ];
    Ok(JournalEntry::new(EntryKind::InvoiceVoid, date, currency, memo, postings)?)
}

/// A claim's charges: each service line an item on the payer's receivable.
pub fn claim_charged(date: Date, currency: Currency, ar: Receivable, lines: &[(i64, i64)], memo: &str) -> Result<JournalEntry, EventError> {
    let total: i64 = lines.iter().map(|(_, amount)| amount).sum();
    let mut postings: Vec<Posting> = lines
        .iter()
        .map(|(item_id, amount)| Posting::debit(ar.gl, *amount).for_item(ar.account_id, *item_id))
        .collect();
    postings.push(Posting::credit(GlAccount::Revenue, total));
    Ok(JournalEntry::new(EntryKind::ClaimCharge, date, currency, memo, postings)?)
}

/// Takes a claim's charges off again (an edit, a replacement or a void):
/// the mirror of [`claim_charged`], for items nothing has been applied to.
pub fn claim_charges_reversed(date: Date, currency: Currency, ar: Receivable, lines: &[(i64, i64)], memo: &str) -> Result<JournalEntry, EventError> {
    let total: i64 = lines.iter().map(|(_, amount)| amount).sum();
    let mut postings: Vec<Posting> = lines
        .iter()
        .map(|(item_id, amount)| Posting::credit(ar.gl, *amount).for_item(ar.account_id, *item_id))
        .collect();
    postings.push(Posting::debit(GlAccount::Revenue, total));
    Ok(JournalEntry::new(EntryKind::ClaimChargeReversal, date, currency, memo, postings)?)
}

fn applied_credits(ar: Receivable, plan: &AllocationPlan) -> impl Iterator<Item = Posting> + '_ {
    plan.allocations
        .iter()
        .map(move |(item_id, amount)| Posting::credit(ar.gl, *amount).for_item(ar.account_id, *item_id))
}

/// Cash in: applied amounts leave the items, the rest becomes the account's credit.
pub fn payment_received(
    date: Date,
    currency: Currency,
    ar: Receivable,
    amount_minor: i64,
    plan: &AllocationPlan,
    memo: &str,
) -> Result<JournalEntry, EventError> {
    if amount_minor <= 0 {
        return Err(EventError::NonPositiveAmount);
    }
    let mut postings = vec![Posting::debit(GlAccount::Cash, amount_minor).for_account(ar.account_id)];
    postings.extend(applied_credits(ar, plan));
    postings.push(Posting::credit(GlAccount::UnappliedCash, plan.unapplied_minor).for_account(ar.account_id));
    Ok(JournalEntry::new(EntryKind::Payment, date, currency, memo, postings)?)
}

/// Moves an account's unapplied credit onto its items.
pub fn credit_applied(date: Date, currency: Currency, ar: Receivable, plan: &AllocationPlan, memo: &str) -> Result<JournalEntry, EventError> {
    let mut postings = vec![Posting::debit(GlAccount::UnappliedCash, plan.applied_minor()).for_account(ar.account_id)];
    postings.extend(applied_credits(ar, plan));
    Ok(JournalEntry::new(EntryKind::CreditApplication, date, currency, memo, postings)?)
}

/// An open item as an adjustment finds it: which, and what it still owes.
#[derive(Clone, Copy, Debug)]
pub struct ItemBalance {
    pub item_id: i64,
    pub balance_minor: i64,
}

/// A non-cash reduction of one item's balance.
pub fn adjustment(
    date: Date,
    currency: Currency,
    ar: Receivable,
    item: ItemBalance,
    reason: AdjustmentReason,
    amount_minor: i64,
    memo: &str,
) -> Result<JournalEntry, EventError> {
    let ItemBalance {
        item_id,
        balance_minor: item_balance_minor,
    } = item;
    if amount_minor <= 0 {
        return Err(EventError::NonPositiveAmount);
    }
    if amount_minor > item_balance_minor {
        return Err(EventError::ExceedsItemBalance {
            balance: Money::from_minor(item_balance_minor, currency),
        });
    }
    let postings = vec![
        Posting::debit(reason.gl(), amount_minor),
        Posting::credit(ar.gl, amount_minor).for_item(ar.account_id, item_id),
    ];
    Ok(JournalEntry::new(EntryKind::Adjustment, date, currency, memo, postings)?)
}

/// A credit note reduces revenue; what it does not apply to items becomes credit.
pub fn credit_note(date: Date, currency: Currency, ar: Receivable, amount_minor: i64, plan: &AllocationPlan, memo: &str) -> Result<JournalEntry, EventError> {
    if amount_minor <= 0 {
        return Err(EventError::NonPositiveAmount);
    }
    let mut postings = vec![Posting::debit(GlAccount::SalesReturns, amount_minor)];
    postings.extend(applied_credits(ar, plan));
    postings.push(Posting::credit(GlAccount::UnappliedCash, plan.unapplied_minor).for_account(ar.account_id));
    Ok(JournalEntry::new(EntryKind::CreditNote, date, currency, memo, postings)?)
}

/// Pays a customer back out of their credit balance.
pub fn refund(date: Date, currency: Currency, account_id: i64, amount_minor: i64, credit_minor: i64, memo: &str) -> Result<JournalEntry, EventError> {
    if amount_minor <= 0 {
        return Err(EventError::NonPositiveAmount);
    }
    if amount_minor > credit_minor {
        return Err(EventError::ExceedsCredit {
            credit: Money::from_minor(credit_minor, currency),
        });
    }
    let postings = vec![
        Posting::debit(GlAccount::UnappliedCash, amount_minor).for_account(account_id),
        Posting::credit(GlAccount::Cash, amount_minor).for_account(account_id),
    ];
    Ok(JournalEntry::new(EntryKind::Refund, date, currency, memo, postings)?)
}

/// A new charge for a fee (late fee, returned-payment fee) on its own item.
pub fn fee(date: Date, currency: Currency, ar: Receivable, item_id: i64, amount_minor: i64, memo: &str) -> Result<JournalEntry, EventError> {
    if amount_minor <= 0 {
        return Err(EventError::NonPositiveAmount);
    }
    let postings = vec![
        Posting::debit(ar.gl, amount_minor).for_item(ar.account_id, item_id),
        Posting::credit(GlAccount::FeeIncome, amount_minor),
    ];
    Ok(JournalEntry::new(EntryKind::Fee, date, currency, memo, postings)?)
}

/// How a returned payment is undone.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ReversalPlan {
    /// Items the payment paid, reopened by what it paid on each.
    pub reopen: Vec<(i64, i64)>,
    /// The part of the payment left as credit that is still there, taken back.
    pub from_credit_minor: i64,
    /// The part of the payment's credit already used or refunded: it is owed
    /// again, as a new "returned payment" item.
    pub shortfall_minor: i64,
}

/// Plans a reversal of a payment of `amount_minor` that was applied as
/// `applied` (item, amount) with the rest left as credit; `credit_minor` is
/// the account's credit balance now.
pub fn plan_reversal(amount_minor: i64, applied: &[(i64, i64)], credit_minor: i64) -> ReversalPlan {
    let applied_minor: i64 = applied.iter().map(|(_, a)| a).sum();
    let left_as_credit = amount_minor - applied_minor;
    let from_credit_minor = left_as_credit.min(credit_minor.max(0));
    ReversalPlan {
        reopen: applied.to_vec(),
        from_credit_minor,
        shortfall_minor: left_as_credit - from_credit_minor,
    }
}

/// The reversal entry; `shortfall_item` is the item created for the shortfall, if any.
pub fn payment_reversed(
    date: Date,
    currency: Currency,
    ar: Receivable,
    amount_minor: i64,
    plan: &ReversalPlan,
    shortfall_item: Option<i64>,
    memo: &str,
) -> Result<JournalEntry, EventError> {
    let mut postings = vec![Posting::credit(GlAccount::Cash, amount_minor).for_account(ar.account_id)];
    postings.extend(
        plan.reopen
            .iter()
            .map(|(item, amount)| Posting::debit(ar.gl, *amount).for_item(ar.account_id, *item)),
    );
    postings.push(Posting::debit(GlAccount::UnappliedCash, plan.from_credit_minor).for_account(ar.account_id));
    if let Some(item) = shortfall_item {
        postings.push(Posting::debit(ar.gl, plan.shortfall_minor).for_item(ar.account_id, item));
    }
    Ok(JournalEntry::new(EntryKind::PaymentReversal, date, currency, memo, postings)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    const AR: Receivable = Receivable {
        account_id: 7,
        gl: GlAccount::ArCustomer,
    };

    #[test]
    fn payment_entry_splits_applied_and_unapplied() {
        let plan = AllocationPlan {
            allocations: vec![(1, 300), (2, 500)],
            unapplied_minor: 200,
        };
        let entry = payment_received(date(2026, 2, 1), Currency::USD, AR, 1000, &plan, "check 1001").unwrap();
        assert_eq!(entry.postings().len(), 4);
        assert_eq!(entry.postings().iter().map(|p| p.amount_minor).sum::<i64>(), 0);
    }

    #[test]
    fn reversal_takes_back_remaining_credit_and_rebills_the_rest() {
        let plan = plan_reversal(1000, &[(1, 600)], 100);
        assert_eq!(
            plan,
            ReversalPlan {
                reopen: vec![(1, 600)],
                from_credit_minor: 100,
                shortfall_minor: 300
            }
        );
        let entry = payment_reversed(date(2026, 2, 3), Currency::USD, AR, 1000, &plan, Some(9), "NSF").unwrap();
        assert_eq!(entry.postings().iter().map(|p| p.amount_minor).sum::<i64>(), 0);
    }

    #[test]
    fn refunds_and_adjustments_are_limited() {
        let refused = refund(date(2026, 1, 1), Currency::USD, 7, 501, 500, "").unwrap_err();
        assert_eq!(refused.to_string(), "the refund is more than the account's credit of 5.00 USD");
        assert_eq!(
            adjustment(
                date(2026, 1, 1),
                Currency::USD,
                AR,
                ItemBalance {
                    item_id: 1,
                    balance_minor: 100
                },
                AdjustmentReason::Charity,
                101,
                ""
            ),
            Err(EventError::ExceedsItemBalance {
                balance: Money::from_minor(100, Currency::USD)
            })
        );
        assert_eq!(AdjustmentReason::parse("Bad-Debt write off"), Some(AdjustmentReason::BadDebtWriteOff));
    }
}
