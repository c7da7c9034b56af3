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
    insurance: Receivable,
    lines: &[(ChargedLine, LineAnswer)],
    patient: Option<(Receivable, i64)>,
    memo: &str,
) -> Result<JournalEntry, EventError> {
    let paid: i64 = lines.iter().map(|(_, a)| a.paid).sum();
    let written_down: i64 = lines.iter().map(|(_, a)| a.written_down).sum();
    let share: i64 = lines.iter().map(|(_, a)| a.patient).sum();
    let mut postings = vec![Posting::debit(GlAccount::Cash, paid).for_account(insurance.account_id)];
    for (line, answer) in lines {
        postings.push(Posting::credit(insurance.gl, answer.total()).for_item(insurance.account_id, line.item_id));
    }
    postings.push(Posting::debit(GlAccount::ContractualAdjustments, written_down));
    if let Some((ar, item_id)) = patient {
        postings.push(Posting::debit(ar.gl, share).for_item(ar.account_id, item_id));
    }
    Ok(JournalEntry::new(EntryKind::Remittance, date, currency, memo, postings)?)
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
        let entry = claim_remitted(Date::constant(2026, 11, 24), usd, insurance, &lines, Some((patient, 77)), "ERA").unwrap();
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
}
