//! The ACH rules replayed over what was sent: every debit checked against
//! its mandate as it stood the moment its file was made, its prenote wait,
//! its retries, and any returned-payment fee. The store reads the records
//! (`settle ach verify`); the rules are here, so the run and the replay
//! cannot disagree about what the Nacha Operating Rules ask.

use crate::ach::codes::{self, Handling};
use crate::ach::mandate::{first_live_debit_on, Channel};
use crate::ach::returns::{MAX_RETRIES, RETRY_WINDOW_DAYS};
use crate::status::MandateStatus;
use crate::Date;
use jiff::{Timestamp, ToSpan};

/// A mandate's status after one of its changes, at the instant it was kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusChange {
    pub at: Timestamp,
    pub status: MandateStatus,
}

/// One debit (or prenote) as sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sent {
    pub prenote: bool,
    /// The instant its file was made.
    pub sent_at: Timestamp,
    pub effective_on: Date,
    pub authorized_on: Date,
    pub channel: Channel,
    /// The effective day of the mandate's latest prenote sent before it.
    pub prenote_effective_on: Option<Date>,
}

/// A retry: which one it is of its original, and what came back before it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Retry {
    /// 1 for the first retry.
    pub number: usize,
    pub original_effective_on: Date,
    /// The code the debit it sends again came back with, and when.
    pub after: Option<(String, Date)>,
}

/// A rule a record breaks, named, and how.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Breach {
    pub rule: &'static str,
    pub detail: String,
}

fn breach(rule: &'static str, detail: String) -> Breach {
    Breach { rule, detail }
}

/// The mandate's status at `at`: after its last change kept at or before it.
pub fn status_at(history: &[StatusChange], at: Timestamp) -> Option<MandateStatus> {
    history.iter().filter(|c| c.at <= at).max_by_key(|c| c.at).map(|c| c.status)
}

/// What a sent debit breaks, given its mandate's history and, for a retry,
/// what it retries.
pub fn check(sent: &Sent, history: &[StatusChange], retry: Option<&Retry>) -> Vec<Breach> {
    let mut out = Vec::new();
    if sent.authorized_on > sent.effective_on {
        out.push(breach(
            "authorized",
            format!("effective {} before the authorisation was given ({})", sent.effective_on, sent.authorized_on),
        ));
    }
    match status_at(history, sent.sent_at) {
        Some(MandateStatus::Active) => {}
        Some(MandateStatus::PrenoteDue | MandateStatus::PrenoteSent) if sent.prenote => {}
        Some(other) => out.push(breach("mandate", format!("sent while the mandate was {other}"))),
        None => out.push(breach("mandate", "sent before the mandate was taken".into())),
    }
    if !sent.prenote {
        match (sent.channel, sent.prenote_effective_on) {
            (_, Some(prenote)) => {
                if let Ok(Some(first)) = first_live_debit_on(sent.channel, Some(prenote)) {
                    if sent.effective_on < first {
                        out.push(breach(
                            "prenote wait",
                            format!(
                                "effective {}; live debits wait until {first}, three banking days after the prenote",
                                sent.effective_on
                            ),
                        ));
                    }
                }
            }
            (Channel::Online, None) => out.push(breach("validation", "an online (WEB) authorisation debited with no prenote first".into())),
            _ => {}
        }
    }
    if let Some(retry) = retry {
        if retry.number > MAX_RETRIES {
            out.push(breach(
                "retries",
                format!("retry {} of an entry; at most {MAX_RETRIES} are allowed", retry.number),
            ));
        }
        let window = retry.original_effective_on.checked_add(RETRY_WINDOW_DAYS.days()).ok();
        if window.is_some_and(|end| sent.effective_on > end) {
            out.push(breach(
                "retries",
                format!(
                    "retried {} days or more after the original settled ({})",
                    RETRY_WINDOW_DAYS, retry.original_effective_on
                ),
            ));
        }
        match &retry.after {
            Some((code, on)) => {
                let retryable = codes::lookup(code, *on).is_some_and(|c| c.handling == Handling::Retry);
                if !retryable {
                    out.push(breach("retries", format!("sent again after {code}, which may not be retried")));
                }
            }
            None => out.push(breach("retries", "a retry of an entry that was not returned".into())),
        }
    }
    out
}

/// A returned-payment fee charged for a return with `code` on `day`: a
/// breach unless the code allows one (R01 and R09).
pub fn check_fee(code: &str, day: Date) -> Option<Breach> {
    let allowed = codes::lookup(code, day).is_some_and(|c| c.handling == Handling::Retry);
    (!allowed).then(|| breach("fee", format!("a returned-payment fee charged for {code}; only R01 and R09 allow one")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> Date {
        text.parse().unwrap()
    }

    fn change(at: &str, status: MandateStatus) -> StatusChange {
        StatusChange {
            at: at.parse().unwrap(),
            status,
        }
    }

    fn sent(at: &str, effective: &str) -> Sent {
        Sent {
            prenote: false,
            sent_at: at.parse().unwrap(),
            effective_on: day(effective),
            authorized_on: day("2026-12-01"),
            channel: Channel::Signed,
            prenote_effective_on: None,
        }
    }

    #[test]
    fn each_rule_is_found_and_a_clean_debit_passes() {
        let history = [
            change("2026-12-01T10:00:00Z", MandateStatus::Active),
            change("2026-12-09T10:00:00Z", MandateStatus::Revoked),
        ];
        assert_eq!(check(&sent("2026-12-07T17:00:00Z", "2026-12-08"), &history, None), []);
        let after = check(&sent("2026-12-10T17:00:00Z", "2026-12-11"), &history, None);
        assert_eq!(after.iter().map(|b| b.rule).collect::<Vec<_>>(), ["mandate"], "{after:?}");
        let before = check(&sent("2026-11-30T17:00:00Z", "2026-12-01"), &history, None);
        assert_eq!(before.iter().map(|b| b.rule).collect::<Vec<_>>(), ["mandate"]);

        let mut web = sent("2026-12-07T17:00:00Z", "2026-12-08");
        web.channel = Channel::Online;
        assert_eq!(check(&web, &history, None)[0].rule, "validation");
        web.prenote_effective_on = Some(day("2026-12-07"));
        assert_eq!(check(&web, &history, None)[0].rule, "prenote wait", "three banking days after 12-07 is 12-10");
        web.effective_on = day("2026-12-10");
        assert_eq!(check(&web, &history, None), []);

        let retry = |number, code: &str, original: &str| Retry {
            number,
            original_effective_on: day(original),
            after: Some((code.into(), day("2026-12-05"))),
        };
        assert_eq!(
            check(&sent("2026-12-07T17:00:00Z", "2026-12-08"), &history, Some(&retry(2, "R01", "2026-12-01"))),
            []
        );
        for (r, why) in [
            (retry(3, "R01", "2026-12-01"), "third retry"),
            (retry(1, "R10", "2026-12-01"), "R10"),
            (retry(1, "R09", "2026-05-01"), "past 180 days"),
        ] {
            let found = check(&sent("2026-12-07T17:00:00Z", "2026-12-08"), &history, Some(&r));
            assert_eq!(found.iter().map(|b| b.rule).collect::<Vec<_>>(), ["retries"], "{why}: {found:?}");
        }
        assert_eq!(check_fee("R01", day("2026-12-09")), None);
        assert_eq!(check_fee("R10", day("2026-12-09")).unwrap().rule, "fee");
    }
}
