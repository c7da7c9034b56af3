//! Which of Settle's lines each line of a payer's answer is, and what the
//! answer comes to on each. Pure: the store reads the claim's charged lines
//! and the ERA, asks [`match_claim`] (or [`secondary_answer`] for a
//! secondary payer's answer to the patient's share), and posts what it
//! answers, or holds the claim as an exception with the reason given here.
//!
//! A service line is Settle's line when its line control number (REF*6R,
//! sent as `{claim}-{line}`) names it; else the first line not yet matched
//! with the same procedure code, the same modifiers and, when the payer
//! gave one, the same date of service. A line matching none of Settle's,
//! or two answers naming the same line, sends the whole claim to the
//! exception queue: nothing is posted on a guess, and nothing is merged.

use super::{check, hold_denials, with_claim_level, ChargedLine, LineAnswer};
use crate::claims::ClaimStatus;
use crate::money::{Currency, Money};

/// One of Settle's charged lines, as the books have it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BilledLine<'a> {
    pub line_no: i64,
    pub procedure: &'a str,
    pub modifiers: &'a [String],
    /// CCYY-MM-DD.
    pub date: &'a str,
    /// The open item on the payer's account, and what it still owes.
    pub item_id: i64,
    pub balance_minor: i64,
}

/// One service line of the payer's answer (SVC, its CAS, its REF*6R).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AnsweredLine<'a> {
    /// Where it is in the file, for the reason given when it matches nothing.
    pub segment_number: usize,
    /// REF*6R, or "".
    pub control_number: &'a str,
    pub procedure: &'a str,
    pub modifiers: &'a [String],
    /// DTM*472 as CCYY-MM-DD, or "" when the payer gave none.
    pub date_of_service: &'a str,
    pub paid_minor: i64,
    pub written_down_minor: i64,
    pub patient_minor: i64,
}

/// The payer's answer for one claim (CLP, its claim-level CAS, its lines).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClaimAnswer<'a> {
    pub paid_minor: i64,
    pub currency: Currency,
    /// Claim-level CAS: CO, PI, OA and CR together, and PR.
    pub written_down_minor: i64,
    pub patient_minor: i64,
    pub lines: Vec<AnsweredLine<'a>>,
}

/// What the answer comes to on the claim's lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Matched {
    /// Each charged line with the payer's answer for it, in line order.
    pub lines: Vec<(ChargedLine, LineAnswer)>,
    /// What was denied on each line (held for the denial worklist).
    pub denied: Vec<i64>,
    /// Which answered line (by index) each charged line was matched to.
    pub line_svc: Vec<Option<usize>>,
}

/// Splits CAS amounts by who bears them: PR is the patient's; CO, PI, OA
/// and CR are written down. Returns (written down, patient).
pub fn split_adjustments<'a>(adjustments: impl IntoIterator<Item = (&'a str, i64)>) -> (i64, i64) {
    adjustments.into_iter().fold(
        (0, 0),
        |(down, patient), (group, amount)| {
            if group == "PR" {
                (down, patient + amount)
            } else {
                (down + amount, patient)
            }
        },
    )
}

/// Whether a claim in `status` takes a payer's answer: the payer has it and
/// has not paid it in full.
pub fn takes_answer(status: ClaimStatus) -> bool {
    matches!(
        status,
        ClaimStatus::Submitted | ClaimStatus::Accepted | ClaimStatus::PartiallyPaid | ClaimStatus::Denied
    )
}

/// Matches the payer's answer to claim `number`'s charged lines and spreads
/// it over them. `Err` is the reason the claim goes to the exception queue.
pub fn match_claim(number: &str, status: ClaimStatus, billed: &[BilledLine<'_>], answer: &ClaimAnswer<'_>) -> Result<Matched, String> {
    if !takes_answer(status) {
        return Err(format!(
            "claim {number} is {}; only a claim the payer has and has not paid in full takes a payment",
            status.as_str()
        ));
    }
    if billed.is_empty() {
        return Err(format!("claim {number} has no charged lines"));
    }
    let charged: Vec<ChargedLine> = billed
        .iter()
        .map(|l| ChargedLine {
            item_id: l.item_id,
            balance_minor: l.balance_minor,
        })
        .collect();
    let mut answers = vec![LineAnswer::default(); billed.len()];
    let mut line_svc: Vec<Option<usize>> = vec![None; billed.len()];
    let prefix = format!("{number}-");
    for (svc_index, svc) in answer.lines.iter().enumerate() {
        let by_control = svc
            .control_number
            .strip_prefix(&prefix)
            .and_then(|n| n.parse::<i64>().ok())
            .and_then(|n| billed.iter().position(|l| l.line_no == n));
        let by_code = || {
            billed.iter().enumerate().position(|(i, l)| {
                line_svc[i].is_none()
                    && l.procedure == svc.procedure
                    && l.modifiers == svc.modifiers
                    && (svc.date_of_service.is_empty() || svc.date_of_service == l.date)
            })
        };
        let Some(i) = by_control.or_else(by_code) else {
            return Err(format!(
                "segment {}: the line {} {} matches no line of claim {number}",
                svc.segment_number,
                svc.procedure,
                svc.modifiers.join(" ")
            ));
        };
        if let Some(earlier) = line_svc[i] {
            // Two answers for one line would be added together: a merge, not a match.
            return Err(format!(
                "segment {}: line {} of claim {number} is already answered by the line at segment {}",
                svc.segment_number, billed[i].line_no, answer.lines[earlier].segment_number
            ));
        }
        line_svc[i] = Some(svc_index);
        answers[i].paid += svc.paid_minor;
        answers[i].written_down += svc.written_down_minor;
        answers[i].patient += svc.patient_minor;
    }
    if answer.lines.is_empty() {
        // Paid at the claim level only: the payment fills the lines in order.
        let mut left = answer.paid_minor;
        for (i, line) in charged.iter().enumerate() {
            let take = line.balance_minor.min(left);
            answers[i].paid += take;
            left -= take;
        }
        if left > 0 {
            return Err(format!(
                "the payment {} is more than claim {number} still owes",
                Money::from_minor(answer.paid_minor, answer.currency)
            ));
        }
    }
    let mut answers = with_claim_level(&charged, &answers, answer.written_down_minor, answer.patient_minor)
        .and_then(|a| check(&charged, &a).map(|_| a))
        .map_err(|e| format!("claim {number}: {e}"))?;
    let denied = hold_denials(&mut answers);
    Ok(Matched {
        lines: charged.into_iter().zip(answers).collect(),
        denied,
        line_svc,
    })
}

/// A secondary payer's answer to the patient's share of the primary claim:
/// its payment applied to the share items in order, its own write-downs
/// (`written_down_minor`, the prior payer's part, reason 23, already left
/// out) taken off what is left, and the rest still the patient's. `Err` is
/// the reason the claim goes to the exception queue.
pub fn secondary_answer(number: &str, shares: &[ChargedLine], paid: Money, written_down_minor: i64) -> Result<Vec<LineAnswer>, String> {
    let owed: i64 = shares.iter().map(|l| l.balance_minor).sum();
    let paid_minor = paid.amount_minor();
    if paid_minor > owed || (paid_minor > 0 && shares.is_empty()) {
        return Err(format!(
            "the secondary paid {} on claim {number}, but the patient's share it was billed for is {}",
            paid,
            Money::from_minor(owed, paid.currency())
        ));
    }
    let mut answers = vec![LineAnswer::default(); shares.len()];
    let (mut pay_left, mut down_left) = (paid_minor, written_down_minor.clamp(0, owed - paid_minor));
    for (answer, line) in answers.iter_mut().zip(shares) {
        let take = line.balance_minor.min(pay_left);
        answer.paid = take;
        pay_left -= take;
        let write = (line.balance_minor - take).min(down_left);
        answer.written_down = write;
        down_left -= write;
    }
    Ok(answers)
}

#[cfg(test)]
mod tests {
    use expect_test::{expect, Expect};

    use super::*;

    fn usd() -> Currency {
        Currency::from_code("USD").unwrap()
    }

    fn mods(m: &[&str]) -> Vec<String> {
        m.iter().map(|s| s.to_string()).collect()
    }

    /// The matched lines, one per charged line, or the reason.
    fn show(result: Result<Matched, String>) -> String {
        match result {
            Err(reason) => format!("exception: {reason}"),
            Ok(m) => m
                .lines
                .iter()
                .zip(&m.denied)
                .zip(&m.line_svc)
                .map(|(((c, a), d), s)| {
                    format!(
                        "item {} owes {}: paid {} down {} patient {} denied {d} svc {s:?}",
                        c.item_id, c.balance_minor, a.paid, a.written_down, a.patient
                    )
                })
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }

    /// A service line answered with [paid, written down, patient].
    fn svc<'a>(control: &'a str, procedure: &'a str, modifiers: &'a [String], [paid, down, patient]: [i64; 3]) -> AnsweredLine<'a> {
        AnsweredLine {
            segment_number: 20,
            control_number: control,
            procedure,
            modifiers,
            date_of_service: "",
            paid_minor: paid,
            written_down_minor: down,
            patient_minor: patient,
        }
    }

    fn check_match(status: ClaimStatus, billed: &[BilledLine<'_>], answer: &ClaimAnswer<'_>, expect: Expect) {
        expect.assert_eq(&show(match_claim("CLM-000001", status, billed, answer)));
    }

    #[test]
    fn lines_are_found_by_control_number_then_by_code_modifiers_and_date() {
        let (none, m25, m59) = (mods(&[]), mods(&["25"]), mods(&["59"]));
        let billed = [
            BilledLine {
                line_no: 1,
                procedure: "99214",
                modifiers: &m25,
                date: "2026-09-22",
                item_id: 11,
                balance_minor: 15_000,
            },
            BilledLine {
                line_no: 2,
                procedure: "36415",
                modifiers: &none,
                date: "2026-09-22",
                item_id: 12,
                balance_minor: 2_000,
            },
            BilledLine {
                line_no: 3,
                procedure: "36415",
                modifiers: &m59,
                date: "2026-09-22",
                item_id: 13,
                balance_minor: 2_000,
            },
        ];
        let answer = ClaimAnswer {
            paid_minor: 11_000,
            currency: usd(),
            written_down_minor: 0,
            patient_minor: 0,
            lines: vec![
                // Out of order, found by REF*6R.
                svc("CLM-000001-1", "99214", &none, [9_000, 4_000, 2_000]),
                // No REF*6R: the 59 line by its modifier, not the first 36415.
                svc("", "36415", &m59, [2_000, 0, 0]),
            ],
        };
        check_match(
            ClaimStatus::Submitted,
            &billed,
            &answer,
            expect![[r#"
                item 11 owes 15000: paid 9000 down 4000 patient 2000 denied 0 svc Some(0)
                item 12 owes 2000: paid 0 down 0 patient 0 denied 0 svc None
                item 13 owes 2000: paid 2000 down 0 patient 0 denied 0 svc Some(1)"#]],
        );
    }

    #[test]
    fn a_claim_is_held_rather_than_posted_on_a_guess() {
        let none = mods(&[]);
        let billed = [BilledLine {
            line_no: 1,
            procedure: "99213",
            modifiers: &none,
            date: "2026-09-22",
            item_id: 11,
            balance_minor: 10_000,
        }];
        let stranger = [AnsweredLine {
            segment_number: 31,
            control_number: "",
            procedure: "99215",
            modifiers: &none,
            date_of_service: "2026-09-22",
            paid_minor: 5_000,
            written_down_minor: 0,
            patient_minor: 0,
        }];
        let answer = ClaimAnswer {
            paid_minor: 5_000,
            currency: usd(),
            written_down_minor: 0,
            patient_minor: 0,
            lines: stranger.to_vec(),
        };
        check_match(
            ClaimStatus::Accepted,
            &billed,
            &answer,
            expect!["exception: segment 31: the line 99215  matches no line of claim CLM-000001"],
        );
        check_match(
            ClaimStatus::Paid,
            &billed,
            &answer,
            expect!["exception: claim CLM-000001 is paid; only a claim the payer has and has not paid in full takes a payment"],
        );
        check_match(
            ClaimStatus::Submitted,
            &[],
            &answer,
            expect!["exception: claim CLM-000001 has no charged lines"],
        );
        let mut twice = stranger.to_vec();
        twice[0].control_number = "CLM-000001-1";
        twice.push(AnsweredLine {
            segment_number: 38,
            ..twice[0]
        });
        let answered_twice = ClaimAnswer {
            paid_minor: 10_000,
            currency: usd(),
            written_down_minor: 0,
            patient_minor: 0,
            lines: twice,
        };
        check_match(
            ClaimStatus::Submitted,
            &billed,
            &answered_twice,
            expect!["exception: segment 38: line 1 of claim CLM-000001 is already answered by the line at segment 31"],
        );
        let too_much = ClaimAnswer {
            paid_minor: 12_000,
            currency: usd(),
            written_down_minor: 0,
            patient_minor: 0,
            lines: vec![],
        };
        check_match(
            ClaimStatus::Submitted,
            &billed,
            &too_much,
            expect!["exception: the payment 120.00 USD is more than claim CLM-000001 still owes"],
        );
        let over = ClaimAnswer {
            paid_minor: 9_000,
            currency: usd(),
            written_down_minor: 2_000,
            patient_minor: 0,
            lines: vec![],
        };
        check_match(
            ClaimStatus::Submitted,
            &billed,
            &over,
            expect!["exception: claim CLM-000001: the claim-level adjustment of 1000 (minor units) is more than the lines still owe"],
        );
    }

    #[test]
    fn claim_level_answers_fill_the_lines_in_order_and_denials_are_held() {
        let none = mods(&[]);
        let billed = [
            BilledLine {
                line_no: 1,
                procedure: "99213",
                modifiers: &none,
                date: "2026-09-22",
                item_id: 11,
                balance_minor: 10_000,
            },
            BilledLine {
                line_no: 2,
                procedure: "81002",
                modifiers: &none,
                date: "2026-09-22",
                item_id: 12,
                balance_minor: 1_500,
            },
        ];
        let paid_at_claim = ClaimAnswer {
            paid_minor: 10_500,
            currency: usd(),
            written_down_minor: 500,
            patient_minor: 500,
            lines: vec![],
        };
        check_match(
            ClaimStatus::Submitted,
            &billed,
            &paid_at_claim,
            expect![[r#"
                item 11 owes 10000: paid 10000 down 0 patient 0 denied 0 svc None
                item 12 owes 1500: paid 500 down 500 patient 500 denied 0 svc None"#]],
        );
        let denied = ClaimAnswer {
            paid_minor: 0,
            currency: usd(),
            written_down_minor: 11_500,
            patient_minor: 0,
            lines: vec![],
        };
        check_match(
            ClaimStatus::Submitted,
            &billed,
            &denied,
            expect![[r#"
                item 11 owes 10000: paid 0 down 0 patient 0 denied 10000 svc None
                item 12 owes 1500: paid 0 down 0 patient 0 denied 1500 svc None"#]],
        );
    }

    #[test]
    fn adjustments_split_by_who_bears_them() {
        assert_eq!(
            split_adjustments([("CO", 4_000), ("PR", 2_000), ("OA", 100), ("PR", 500), ("PI", 1)]),
            (4_101, 2_500)
        );
    }

    #[test]
    fn a_secondary_pays_the_share_in_order_and_writes_down_what_it_may() {
        let shares = [
            ChargedLine {
                item_id: 21,
                balance_minor: 2_000,
            },
            ChargedLine {
                item_id: 22,
                balance_minor: 1_000,
            },
        ];
        let usd = usd();
        let show = |r: Result<Vec<LineAnswer>, String>| match r {
            Ok(a) => a
                .iter()
                .map(|a| format!("paid {} down {}", a.paid, a.written_down))
                .collect::<Vec<_>>()
                .join("; "),
            Err(e) => format!("exception: {e}"),
        };
        expect!["paid 2000 down 0; paid 500 down 300"].assert_eq(&show(secondary_answer("CLM-000001", &shares, Money::from_minor(2_500, usd), 300)));
        expect!["paid 0 down 2000; paid 0 down 1000"].assert_eq(&show(secondary_answer("CLM-000001", &shares, Money::from_minor(0, usd), 9_000)));
        expect!["exception: the secondary paid 31.00 USD on claim CLM-000001, but the patient's share it was billed for is 30.00 USD"]
            .assert_eq(&show(secondary_answer("CLM-000001", &shares, Money::from_minor(3_100, usd), 0)));
        expect!["exception: the secondary paid 1.00 USD on claim CLM-000001, but the patient's share it was billed for is 0.00 USD"]
            .assert_eq(&show(secondary_answer("CLM-000001", &[], Money::from_minor(100, usd), 0)));
    }
}
