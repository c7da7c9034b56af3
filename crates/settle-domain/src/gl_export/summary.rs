//! Daily summary journals: what the journal moved per day, currency and
//! general-ledger account, less what earlier exports already sent.

use std::collections::BTreeMap;

use jiff::civil::Date;

use crate::ledger::GlAccount;
use crate::money::Currency;

/// What the journal moved on one day in one currency, per account (signed:
/// debit positive).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DayTotals {
    pub day: Date,
    pub currency: Currency,
    pub by_account: BTreeMap<GlAccount, i64>,
}

/// One journal to send: a day's movement not yet exported, balanced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DayJournal {
    /// `ST-20261207-USD-1`: the day, the currency and the how-manyeth
    /// journal of that day; at most 21 characters (QuickBooks' DocNumber).
    pub id: String,
    pub day: Date,
    pub currency: Currency,
    /// 1 for a day's first journal; 2 and on correct it.
    pub seq: u32,
    /// Non-zero lines only, in chart order; they sum to zero.
    pub lines: Vec<(GlAccount, i64)>,
}

impl DayJournal {
    /// The total of the debit side (what the journal moved).
    pub fn debits(&self) -> i64 {
        self.lines.iter().map(|(_, a)| (*a).max(0)).sum()
    }

    /// Whether this journal corrects one already sent for its day.
    pub fn is_correction(&self) -> bool {
        self.seq > 1
    }
}

/// The id of a day's `seq`th journal in `currency`.
pub fn journal_id(day: Date, currency: Currency, seq: u32) -> String {
    format!("ST-{}-{}-{seq}", day.strftime("%Y%m%d"), currency.code())
}

/// What was sent before for one day and currency: the last journal's
/// number and the sums sent per account.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sent {
    pub last_seq: u32,
    pub by_account: BTreeMap<GlAccount, i64>,
}

/// Why no journal can be made: the movement left to send does not balance,
/// which only a damaged journal or export record can cause.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{day} {currency}: what is left to export does not balance (off by {off} minor units); run `settle verify`")]
pub struct Unbalanced {
    pub day: Date,
    pub currency: Currency,
    pub off: i64,
}

/// The journals to send now: for each day and currency, the movement less
/// what was sent; a day with nothing new gives nothing. The result is
/// ordered by day, then currency.
pub fn journals_due(current: &[DayTotals], sent: &BTreeMap<(Date, Currency), Sent>) -> Result<Vec<DayJournal>, Unbalanced> {
    let mut days: BTreeMap<(Date, Currency), BTreeMap<GlAccount, i64>> = BTreeMap::new();
    for t in current {
        let day = days.entry((t.day, t.currency)).or_default();
        for (gl, amount) in &t.by_account {
            *day.entry(*gl).or_default() += amount;
        }
    }
    // A day sent before whose movement is now gone entirely still owes a
    // correction back to zero.
    for key in sent.keys() {
        days.entry(*key).or_default();
    }
    let mut out = Vec::new();
    for ((day, currency), mut by_account) in days {
        let before = sent.get(&(day, currency));
        if let Some(before) = before {
            for (gl, amount) in &before.by_account {
                *by_account.entry(*gl).or_default() -= amount;
            }
        }
        let lines: Vec<(GlAccount, i64)> = by_account.into_iter().filter(|(_, a)| *a != 0).collect();
        if lines.is_empty() {
            continue;
        }
        let off: i64 = lines.iter().map(|(_, a)| a).sum();
        if off != 0 {
            return Err(Unbalanced { day, currency, off });
        }
        let seq = before.map_or(0, |b| b.last_seq) + 1;
        out.push(DayJournal {
            id: journal_id(day, currency, seq),
            day,
            currency,
            seq,
            lines,
        });
    }
    Ok(out)
}

/// The refusal of an entry dated on or before the day the books were
/// closed through; `None` when the entry's day is open.
pub fn closed_period_refusal(entry_day: Date, closed_through: Option<Date>) -> Option<String> {
    let closed = closed_through?;
    if entry_day > closed {
        return None;
    }
    let open = closed.tomorrow().map(|d| d.to_string()).unwrap_or_default();
    Some(format!(
        "{entry_day} is in a closed period: the books are closed through {closed}; date it {open} or later"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn totals(day: Date, lines: &[(GlAccount, i64)]) -> DayTotals {
        DayTotals {
            day,
            currency: Currency::USD,
            by_account: lines.iter().copied().collect(),
        }
    }

    #[test]
    fn a_day_goes_once_and_what_changed_after_goes_as_a_correction() {
        let d = date(2026, 12, 7);
        let first = [totals(d, &[(GlAccount::Cash, 10_000), (GlAccount::ArPatient, -10_000)])];
        let due = journals_due(&first, &BTreeMap::new()).unwrap();
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].id, "ST-20261207-USD-1");
        assert!(due[0].id.len() <= 21);
        assert_eq!(due[0].debits(), 10_000);
        // Sent: nothing new, nothing due (a re-export never duplicates).
        let mut sent = BTreeMap::new();
        sent.insert(
            (d, Currency::USD),
            Sent {
                last_seq: 1,
                by_account: due[0].lines.iter().copied().collect(),
            },
        );
        assert!(journals_due(&first, &sent).unwrap().is_empty());
        // A payment back-dated into that day afterwards: a correcting journal
        // with only the difference.
        let later = [totals(
            d,
            &[(GlAccount::Cash, 12_500), (GlAccount::ArPatient, -10_000), (GlAccount::UnappliedCash, -2_500)],
        )];
        let due = journals_due(&later, &sent).unwrap();
        assert_eq!(due[0].id, "ST-20261207-USD-2");
        assert!(due[0].is_correction());
        assert_eq!(due[0].lines, vec![(GlAccount::Cash, 2_500), (GlAccount::UnappliedCash, -2_500)]);
    }

    #[test]
    fn a_day_whose_movement_vanished_is_corrected_to_zero_and_unbalance_is_named() {
        let d = date(2026, 12, 1);
        let mut sent = BTreeMap::new();
        sent.insert(
            (d, Currency::USD),
            Sent {
                last_seq: 3,
                by_account: [(GlAccount::Cash, 500), (GlAccount::Revenue, -500)].into_iter().collect(),
            },
        );
        let due = journals_due(&[], &sent).unwrap();
        assert_eq!(due[0].seq, 4);
        assert_eq!(due[0].lines, vec![(GlAccount::Cash, -500), (GlAccount::Revenue, 500)]);
        let broken = [totals(d, &[(GlAccount::Cash, 700), (GlAccount::Revenue, -500)])];
        let err = journals_due(&broken, &sent).unwrap_err();
        assert_eq!(err.off, 200);
        assert!(err.to_string().contains("2026-12-01 USD"), "{err}");
    }

    #[test]
    fn days_and_currencies_each_get_their_own_journal_in_order() {
        let eur = Currency::from_code("EUR").unwrap();
        let current = [
            totals(date(2026, 12, 2), &[(GlAccount::Cash, 1), (GlAccount::Revenue, -1)]),
            DayTotals {
                day: date(2026, 12, 1),
                currency: eur,
                by_account: [(GlAccount::Cash, 3), (GlAccount::Revenue, -3)].into_iter().collect(),
            },
            totals(date(2026, 12, 1), &[(GlAccount::Cash, 2), (GlAccount::Revenue, -2)]),
        ];
        let ids: Vec<String> = journals_due(&current, &BTreeMap::new()).unwrap().into_iter().map(|j| j.id).collect();
        assert_eq!(ids, ["ST-20261201-EUR-1", "ST-20261201-USD-1", "ST-20261202-USD-1"]);
    }

    #[test]
    fn a_closed_day_refuses_and_the_next_is_open() {
        let closed = Some(date(2026, 11, 30));
        assert!(closed_period_refusal(date(2026, 12, 1), closed).is_none());
        assert!(closed_period_refusal(date(2026, 12, 1), None).is_none());
        let msg = closed_period_refusal(date(2026, 11, 30), closed).unwrap();
        assert!(msg.contains("closed through 2026-11-30") && msg.contains("2026-12-01 or later"), "{msg}");
        assert!(closed_period_refusal(date(2025, 1, 1), closed).is_some());
    }
}
