//! One row per case: what the list says of a claim, and the ranking.

use super::*;
use jiff::civil::date;

const TODAY: Date = date(2026, 12, 1);

fn claim(status: ClaimStatus, served: Date, submitted: Option<Date>) -> OpenClaim {
    OpenClaim {
        status,
        first_service: served,
        submitted_on: submitted,
        denied_on: None,
        timely_filing_days: 90,
        appeal_days: 120,
        corrected_claim_days: None,
        open_minor: 10_000,
        next_follow_up: None,
        payer_said: None,
    }
}

fn with_corrected(mut c: OpenClaim, days: i64) -> OpenClaim {
    c.corrected_claim_days = Some(days);
    c
}

fn denied_on(mut c: OpenClaim, on: Date) -> OpenClaim {
    c.denied_on = Some(on);
    c
}

#[test]
fn each_state_is_assessed_as_documented() {
    let p = FollowUpPolicy::default();
    // (claim, Some((urgency, next step, deadline kind, days left)) or None)
    type Expect = Option<(Urgency, &'static str, Option<(DeadlineKind, i64)>)>;
    let mut called = claim(ClaimStatus::Accepted, date(2026, 9, 1), Some(date(2026, 9, 5)));
    called.next_follow_up = Some(date(2026, 12, 10));
    let mut call_back = called.clone();
    call_back.next_follow_up = Some(date(2026, 11, 30));
    let mut denied = claim(ClaimStatus::Denied, date(2026, 8, 1), Some(date(2026, 8, 3)));
    denied.denied_on = Some(date(2026, 8, 15));
    let cases: Vec<(&str, OpenClaim, Expect)> = vec![
        (
            "answered soon enough",
            claim(ClaimStatus::Accepted, date(2026, 11, 10), Some(date(2026, 11, 12))),
            None,
        ),
        (
            "accepted, no payment after 30 days",
            claim(ClaimStatus::Accepted, date(2026, 10, 1), Some(date(2026, 10, 20))),
            Some((Urgency::Due, "ask status", None)),
        ),
        (
            "sent, never acknowledged, the filing limit near",
            claim(ClaimStatus::Submitted, date(2026, 9, 10), Some(date(2026, 11, 20))),
            Some((Urgency::NearDeadline, "ask status", Some((DeadlineKind::TimelyFiling, 8)))),
        ),
        ("a follow-up date ahead waits", called, None),
        ("a follow-up date reached", call_back, Some((Urgency::Due, "call back", None))),
        (
            "rejected, limit 29 days away",
            claim(ClaimStatus::Rejected, date(2026, 10, 1), Some(date(2026, 10, 3))),
            Some((Urgency::Due, "correct and resend", Some((DeadlineKind::TimelyFiling, 29)))),
        ),
        (
            "rejected past the limit",
            claim(ClaimStatus::Rejected, date(2026, 8, 1), Some(date(2026, 8, 3))),
            Some((Urgency::PastDeadline, "write off", Some((DeadlineKind::TimelyFiling, -32)))),
        ),
        (
            "denied, the filing limit passed, the appeal window open",
            denied.clone(),
            Some((Urgency::NearDeadline, "appeal", Some((DeadlineKind::Appeal, 12)))),
        ),
        (
            "denied, both open, the corrected-claim limit nearer",
            with_corrected(denied.clone(), 110),
            Some((Urgency::NearDeadline, "appeal or correct", Some((DeadlineKind::CorrectedClaim, 2)))),
        ),
        (
            "denied, the corrected-claim window (100 days from the denial) passed",
            with_corrected(denied.clone(), 100),
            Some((Urgency::NearDeadline, "appeal", Some((DeadlineKind::Appeal, 12)))),
        ),
        (
            "denied, the appeal window passed, a correction still open",
            with_corrected(denied_on(denied.clone(), date(2026, 7, 20)), 150),
            Some((Urgency::Due, "correct and resend", Some((DeadlineKind::CorrectedClaim, 16)))),
        ),
        (
            "denied, both limits passed",
            denied_on(denied.clone(), date(2026, 6, 1)),
            Some((Urgency::PastDeadline, "write off", Some((DeadlineKind::CorrectedClaim, -32)))),
        ),
        ("paid", claim(ClaimStatus::Paid, date(2026, 8, 1), Some(date(2026, 8, 3))), None),
        ("never sent", claim(ClaimStatus::Ready, date(2026, 8, 1), None), None),
    ];
    for (name, c, expected) in cases {
        let got = assess(&c, &p, TODAY).map(|f| (f.urgency, f.next_step, f.deadline.map(|d| (d.kind, d.days_left))));
        assert_eq!(got, expected, "{name}");
    }
}

#[test]
fn buckets_by_age() {
    for (days, b) in [(0, "0-30"), (30, "0-30"), (31, "31-60"), (90, "61-90"), (120, "91-120"), (121, "120+")] {
        assert_eq!(bucket(days), b, "{days}");
    }
}

#[test]
fn the_list_ranks_deadlines_then_dollars_then_the_lost() {
    let p = FollowUpPolicy::default();
    let rows = [
        ("C-DUE-SMALL", claim(ClaimStatus::Accepted, date(2026, 9, 1), Some(date(2026, 9, 5))), 5_000),
        ("C-DUE-BIG", claim(ClaimStatus::Accepted, date(2026, 10, 1), Some(date(2026, 10, 5))), 90_000),
        ("C-NEAR-9", claim(ClaimStatus::Submitted, date(2026, 9, 11), Some(date(2026, 11, 20))), 1_000),
        ("C-NEAR-3", claim(ClaimStatus::Rejected, date(2026, 9, 5), Some(date(2026, 9, 7))), 2_000),
        ("C-LOST", claim(ClaimStatus::Rejected, date(2026, 7, 1), Some(date(2026, 7, 3))), 70_000),
    ];
    let mut assessed: Vec<(FollowUp, i64, &str)> = rows.iter().map(|(n, c, open)| (assess(c, &p, TODAY).unwrap(), *open, *n)).collect();
    assessed.sort_by(|a, b| order((&a.0, a.1, a.2), (&b.0, b.1, b.2)));
    let names: Vec<&str> = assessed.iter().map(|r| r.2).collect();
    assert_eq!(names, ["C-NEAR-3", "C-NEAR-9", "C-DUE-BIG", "C-DUE-SMALL", "C-LOST"]);
}

#[test]
fn the_index_key_sorts_as_the_list_ranks() {
    let p = FollowUpPolicy::default();
    // Every state above, at several amounts, ages and deadlines, some tied.
    let mut rows: Vec<(Option<FollowUp>, i64, String)> = Vec::new();
    for (i, served) in [date(2026, 6, 1), date(2026, 8, 20), date(2026, 9, 10), date(2026, 10, 1), date(2026, 11, 20)]
        .into_iter()
        .enumerate()
    {
        for status in [
            ClaimStatus::Submitted,
            ClaimStatus::Accepted,
            ClaimStatus::Rejected,
            ClaimStatus::Denied,
            ClaimStatus::PartiallyPaid,
        ] {
            for open in [500, 10_000, 10_000, 250_000] {
                let mut c = claim(status, served, Some(served.checked_add(jiff::Span::new().days(3)).unwrap()));
                c.denied_on = Some(served.checked_add(jiff::Span::new().days(20)).unwrap());
                c.open_minor = open;
                rows.push((assess(&c, &p, TODAY), open, format!("C-{i}-{status:?}-{open}-{}", rows.len() % 3)));
            }
        }
    }
    let mut by_order: Vec<usize> = (0..rows.len()).collect();
    by_order.sort_by(|&a, &b| match (&rows[a].0, &rows[b].0) {
        (Some(fa), Some(fb)) => order((fa, rows[a].1, &rows[a].2), (fb, rows[b].1, &rows[b].2)),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => rows[a].2.cmp(&rows[b].2),
    });
    let mut by_key: Vec<usize> = (0..rows.len()).collect();
    by_key.sort_by_key(|&i| (sort_key(rows[i].0.as_ref(), rows[i].1), rows[i].2.clone()));
    assert!(rows.iter().any(|r| r.0.is_none()) && rows.iter().filter(|r| r.0.is_some()).count() > 20);
    assert_eq!(by_key, by_order);
}

#[test]
fn a_payers_277_answer_moves_the_claim() {
    let p = FollowUpPolicy::default();
    let said = |answer, on| PayerSaid {
        answer,
        words: "F1 finalized: paid".into(),
        on,
    };
    // Finalized ten days after submission: act now (post the 835), not at 30 days.
    let mut paid = claim(ClaimStatus::Accepted, date(2026, 11, 10), Some(date(2026, 11, 12)));
    paid.payer_said = Some(said(Answer::Finalized, date(2026, 11, 22)));
    let f = assess(&paid, &p, TODAY).unwrap();
    assert_eq!((f.urgency, f.next_step), (Urgency::Due, "get the remittance (835)"));
    assert!(f.why.starts_with("payer said on 2026-11-22: F1"), "{}", f.why);
    // Pending with a follow-up date ahead: it waits.
    let mut pending = paid.clone();
    pending.payer_said = Some(said(Answer::Pending, date(2026, 11, 22)));
    pending.next_follow_up = Some(date(2026, 12, 6));
    assert_eq!(assess(&pending, &p, TODAY), None);
    // Not found, accepted earlier: the filing limit runs again.
    let mut lost = claim(ClaimStatus::Accepted, date(2026, 9, 15), Some(date(2026, 9, 16)));
    lost.payer_said = Some(said(Answer::NotFound, date(2026, 11, 30)));
    let f = assess(&lost, &p, TODAY).unwrap();
    assert_eq!((f.urgency, f.next_step), (Urgency::NearDeadline, "resend the claim"));
    assert_eq!(f.deadline.map(|d| d.kind), Some(DeadlineKind::TimelyFiling));
    // An old claim still pending says what the payer said last.
    let mut old = claim(ClaimStatus::Accepted, date(2026, 9, 1), Some(date(2026, 9, 5)));
    old.payer_said = Some(said(Answer::Pending, date(2026, 10, 1)));
    assert!(assess(&old, &p, TODAY).unwrap().why.ends_with("payer said on 2026-10-01: F1 finalized: paid"));
}
