//! Remittance posting rules: how one claim's payment from a payer lands on
//! its service lines, and the one balanced entry that records it.
//!
//! Each charged line is an open item on the payer's account. The payer's
//! answer for a line reduces it by: what it paid (cash), what it adjusted
//! (CO contractual, PI payer-initiated, OA other, CR correction: written
//! down to contractual adjustments), and what it left to the patient (PR:
//! deductible, coinsurance, copay, moved to a new item on the patient's
//! account). Claim-level adjustments are spread over the lines in order, up
//! to what each still owes. Nothing is decided that would take a line below
//! zero.

use jiff::civil::Date;

mod matching;

pub use matching::{match_claim, secondary_answer, split_adjustments, takes_answer, AnsweredLine, BilledLine, ClaimAnswer, Matched};

use crate::events::{EventError, Receivable};
use crate::ledger::{EntryKind, GlAccount, JournalEntry, Posting};
use crate::money::Currency;

/// The payer's answer for one line, in minor units.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LineAnswer {
    pub paid: i64,
    /// CO, PI, OA and CR together.
    pub written_down: i64,
    /// PR.
    pub patient: i64,
}

impl LineAnswer {
    pub fn total(&self) -> i64 {
        self.paid + self.written_down + self.patient
    }
}

/// One charged line: its item and what the payer still owes on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChargedLine {
    pub item_id: i64,
    pub balance_minor: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RemitError {
    #[error("line {line}: the payer accounts for {accounted} but only {balance} is owed on it (minor units)")]
    MoreThanOwed { line: usize, accounted: i64, balance: i64 },
    #[error("line {line}: the payer's amounts are negative; a reversal is posted by reversing the earlier remittance")]
    Negative { line: usize },
    #[error("the claim-level adjustment of {left} (minor units) is more than the lines still owe")]
    ClaimLevelTooLarge { left: i64 },
}

/// Spreads claim-level adjustments (written-down and patient) over the
/// lines in order, up to what each still owes after its own answer.
pub fn with_claim_level(lines: &[ChargedLine], answers: &[LineAnswer], written_down: i64, patient: i64) -> Result<Vec<LineAnswer>, RemitError> {
    let mut out = answers.to_vec();
    for (kind, mut left) in [(0, written_down), (1, patient)] {
        for (i, line) in lines.iter().enumerate() {
            if left <= 0 {
                break;
            }
            let room = (line.balance_minor - out[i].total()).max(0);
            let take = room.min(left);
            if kind == 0 {
                out[i].written_down += take;
            } else {
                out[i].patient += take;
            }
            left -= take;
        }
        if left > 0 {
            return Err(RemitError::ClaimLevelTooLarge { left });
        }
    }
    Ok(out)
}

/// Checks every line's answer against what it owes.
pub fn check(lines: &[ChargedLine], answers: &[LineAnswer]) -> Result<(), RemitError> {
    for (i, (line, answer)) in lines.iter().zip(answers).enumerate() {
        if answer.paid < 0 || answer.written_down < 0 || answer.patient < 0 {
            return Err(RemitError::Negative { line: i + 1 });
        }
        if answer.total() > line.balance_minor {
            return Err(RemitError::MoreThanOwed {
                line: i + 1,
                accounted: answer.total(),
                balance: line.balance_minor,
            });
        }
    }
    Ok(())
}

/// A line the payer paid nothing on and left nothing to the patient for is
/// denied: its write-down is held back, not posted, so the balance stays
/// open on the payer's account for a person to appeal, correct or write
/// off. Returns each line's denied amount (0 where it was not denied).
pub fn hold_denials(answers: &mut [LineAnswer]) -> Vec<i64> {
    answers
        .iter_mut()
        .map(|a| {
            if a.paid == 0 && a.patient == 0 && a.written_down > 0 {
                std::mem::take(&mut a.written_down)
            } else {
                0
            }
        })
        .collect()
}

/// The one entry for one claim's remittance: cash in, each line's item
/// reduced, write-downs to contractual adjustments, and the patient's share
/// moved to a new item on the patient's account.
pub fn claim_remitted(
    date: Date,
    currency: Currency,
    funded_from: Funding,
    insurance: Receivable,
    lines: &[(ChargedLine, LineAnswer)],
    patient: Option<(Receivable, i64)>,
    memo: &str,
) -> Result<JournalEntry, EventError> {
    let paid: i64 = lines.iter().map(|(_, a)| a.paid).sum();
    let written_down: i64 = lines.iter().map(|(_, a)| a.written_down).sum();
    let share: i64 = lines.iter().map(|(_, a)| a.patient).sum();
    let mut postings = vec![Posting::debit(funded_from.gl(), paid).for_account(insurance.account_id)];
    for (line, answer) in lines {
        postings.push(Posting::credit(insurance.gl, answer.total()).for_item(insurance.account_id, line.item_id));
    }
    postings.push(Posting::debit(GlAccount::ContractualAdjustments, written_down));
    if let Some((ar, item_id)) = patient {
        postings.push(Posting::debit(ar.gl, share).for_item(ar.account_id, item_id));
    }
    Ok(JournalEntry::new(EntryKind::Remittance, date, currency, memo, postings)?)
}

/// Where the money a claim's posting applies comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Funding {
    /// The ERA's payment, received now.
    Cash,
    /// An ERA payment received earlier for a claim that was not matched
    /// then, and held in suspense until a person matched it.
    Suspense,
}

impl Funding {
    fn gl(self) -> GlAccount {
        match self {
            Funding::Cash => GlAccount::Cash,
            Funding::Suspense => GlAccount::EraSuspense,
        }
    }
}

/// An ERA claim Settle could not match: its payment (negative for a
/// reversal) is received all the same, so it is held in suspense and the
/// ERA's cash still equals its BPR02.
pub fn era_held_in_suspense(date: Date, currency: Currency, paid_minor: i64, memo: &str) -> Result<JournalEntry, EventError> {
    let postings = vec![Posting::debit(GlAccount::Cash, paid_minor), Posting::credit(GlAccount::EraSuspense, paid_minor)];
    Ok(JournalEntry::new(EntryKind::EraSuspense, date, currency, memo, postings)?)
}

/// An unmatched ERA payment that is not the organisation's to keep: out of
/// suspense into refunds payable, to be returned to the payer.
pub fn era_suspense_returned(date: Date, currency: Currency, paid_minor: i64, memo: &str) -> Result<JournalEntry, EventError> {
    let postings = vec![
        Posting::debit(GlAccount::EraSuspense, paid_minor),
        Posting::credit(GlAccount::RefundsPayable, paid_minor),
    ];
    Ok(JournalEntry::new(EntryKind::EraSuspense, date, currency, memo, postings)?)
}

/// One provider-level adjustment (835 PLB), in minor units: positive means
/// the payer kept that much back from the payment, negative that it added it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderLevel {
    /// PLB03-1, e.g. WO (overpayment recovery), L6 (interest), FB (forwarding balance).
    pub reason: String,
    pub amount_minor: i64,
}

/// The PLB reason for interest a payer adds for paying late.
pub const PLB_INTEREST: &str = "L6";

/// An ERA's provider-level adjustments as one entry, so that the ERA's cash
/// (its claims' payments less PLB) equals the BPR02 deposit. What a payer
/// kept back (a recoupment, a withholding, a forwarding balance) is a payer
/// offset to reconcile with it; money it added is interest income (L6) or
/// settles an earlier offset.
pub fn provider_adjusted(
    date: Date,
    currency: Currency,
    payer_account: Option<i64>,
    adjustments: &[ProviderLevel],
    memo: &str,
) -> Result<JournalEntry, EventError> {
    let mut postings = Vec::with_capacity(adjustments.len() * 2);
    let cash = |amount: i64| match payer_account {
        Some(account_id) => Posting::credit(GlAccount::Cash, amount).for_account(account_id),
        None => Posting::credit(GlAccount::Cash, amount),
    };
    for a in adjustments {
        postings.push(cash(a.amount_minor));
        let other = if a.amount_minor < 0 && a.reason == PLB_INTEREST {
            GlAccount::InterestIncome
        } else {
            GlAccount::PayerOffsets
        };
        postings.push(Posting::debit(other, a.amount_minor));
    }
    Ok(JournalEntry::new(EntryKind::ProviderAdjustment, date, currency, memo, postings)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claim_level_adjustments_fill_the_lines_in_order() {
        let lines = [
            ChargedLine {
                item_id: 1,
                balance_minor: 80_000,
            },
            ChargedLine {
                item_id: 2,
                balance_minor: 20_000,
            },
        ];
        let answers = [
            LineAnswer {
                paid: 50_000,
                written_down: 0,
                patient: 25_000,
            },
            LineAnswer::default(),
        ];
        let spread = with_claim_level(&lines, &answers, 10_000, 0).unwrap();
        assert_eq!(spread[0].written_down, 5_000);
        assert_eq!(spread[1].written_down, 5_000);
        assert!(check(&lines, &spread).is_ok());
        assert_eq!(
            with_claim_level(&lines, &answers, 30_000, 0),
            Err(RemitError::ClaimLevelTooLarge { left: 5_000 })
        );
    }

    #[test]
    fn a_line_with_nothing_paid_and_nothing_to_the_patient_is_held_as_a_denial() {
        let mut answers = [
            LineAnswer {
                paid: 0,
                written_down: 12_000,
                patient: 0,
            },
            LineAnswer {
                paid: 0,
                written_down: 2_000,
                patient: 3_000,
            },
            LineAnswer {
                paid: 7_000,
                written_down: 1_000,
                patient: 0,
            },
        ];
        assert_eq!(hold_denials(&mut answers), vec![12_000, 0, 0]);
        assert_eq!(answers[0], LineAnswer::default());
        assert_eq!(answers[1].written_down, 2_000);
    }

    #[test]
    fn the_entry_balances_and_names_every_item() {
        let usd = Currency::from_code("USD").unwrap();
        let insurance = Receivable {
            account_id: 9,
            gl: GlAccount::ArInsurance,
        };
        let patient = Receivable {
            account_id: 3,
            gl: GlAccount::ArPatient,
        };
        let lines = [(
            ChargedLine {
                item_id: 1,
                balance_minor: 80_000,
            },
            LineAnswer {
                paid: 45_000,
                written_down: 5_000,
                patient: 30_000,
            },
        )];
        let entry = claim_remitted(Date::constant(2026, 11, 24), usd, Funding::Cash, insurance, &lines, Some((patient, 77)), "ERA").unwrap();
        let to_item = |id: i64| entry.postings().iter().find(|p| p.item_id == Some(id)).unwrap().amount_minor;
        assert_eq!((to_item(1), to_item(77)), (-80_000, 30_000));
        assert!(check(
            &[ChargedLine {
                item_id: 1,
                balance_minor: 70_000
            }],
            &[lines[0].1]
        )
        .is_err());
    }

    #[test]
    fn provider_level_adjustments_take_cash_down_to_the_deposit() {
        let date = Date::constant(2026, 11, 2);
        let usd = Currency::from_code("USD").unwrap();
        let entry = provider_adjusted(
            date,
            usd,
            Some(7),
            &[
                ProviderLevel {
                    reason: "WO".into(),
                    amount_minor: 5_000,
                },
                ProviderLevel {
                    reason: "L6".into(),
                    amount_minor: -127,
                },
                ProviderLevel {
                    reason: "FB".into(),
                    amount_minor: -300,
                },
            ],
            "PLB",
        )
        .unwrap();
        let sum = |gl: GlAccount| entry.postings().iter().filter(|p| p.gl == gl).map(|p| p.amount_minor).sum::<i64>();
        // The payer kept 50.00 and added 1.27 interest and 3.00 of an earlier balance.
        assert_eq!(sum(GlAccount::Cash), -5_000 + 127 + 300);
        assert_eq!(sum(GlAccount::PayerOffsets), 5_000 - 300);
        assert_eq!(sum(GlAccount::InterestIncome), -127);
        assert!(entry.postings().iter().filter(|p| p.gl == GlAccount::Cash).all(|p| p.account_id == Some(7)));
    }

    #[test]
    fn an_unmatched_payment_waits_in_suspense_and_can_be_owed_back() {
        let date = Date::constant(2026, 11, 2);
        let usd = Currency::from_code("USD").unwrap();
        let held = era_held_in_suspense(date, usd, 4_200, "held").unwrap();
        assert_eq!(held.postings()[0].gl, GlAccount::Cash);
        assert_eq!(held.postings()[1], Posting::credit(GlAccount::EraSuspense, 4_200));
        // A reversal that matched nothing takes money back out.
        let back = era_held_in_suspense(date, usd, -4_200, "reversal").unwrap();
        assert_eq!(back.postings()[0].amount_minor, -4_200);
        let returned = era_suspense_returned(date, usd, 4_200, "not ours").unwrap();
        assert_eq!(returned.postings()[1], Posting::credit(GlAccount::RefundsPayable, 4_200));
    }
}
