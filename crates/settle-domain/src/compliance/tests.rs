//! The contact gate's rules, case by case.

use super::*;
use jiff::civil::date;

#[test]
fn the_opt_out_statement_names_every_way_there_is() {
    let s = email_opt_out_statement(Some("https://pay.example/opt-out/abc"), "(800) 555-0100", "PO Box 1, Springfield, IL 62701");
    assert!(s.starts_with("HOW TO STOP THESE EMAILS"), "{s}");
    assert!(
        s.contains("open https://pay.example/opt-out/abc and confirm, call us at (800) 555-0100, or write to us at PO Box 1"),
        "{s}"
    );
    let s = email_opt_out_statement(None, "", "");
    assert!(s.contains("To opt out, tell us by phone or in writing."), "{s}");
}

/// An instant given as a local time in a zone.
fn at(zone: &str, y: i16, m: i8, d: i8, h: i8, min: i8) -> Timestamp {
    date(y, m, d).at(h, min, 0, 0).in_tz(zone).unwrap().timestamp()
}

fn call(address: &str, when: Timestamp) -> Attempt {
    Attempt {
        channel: Channel::Call,
        address: address.into(),
        at_work: false,
        purpose: Purpose::Collection,
        at: when,
    }
}

fn agency() -> Policy {
    Policy {
        third_party: true,
        first_party: Vec::new(),
        territories_when_unknown: false,
    }
}

fn failed(d: &Decision) -> Vec<&'static str> {
    d.failures.iter().map(|f| f.rule.id()).collect()
}

#[test]
fn hours_hold_in_the_zone_of_the_address_and_of_every_phone() {
    // Lives in Florida (Eastern and Central), phone from Hawaii.
    let person = Person {
        address: Some("1 Kalakaua Ave, Honolulu, HI 96815".into()),
        phones: vec!["(305) 555-0100".into()],
        ..Person::default()
    };
    assert_eq!(person.zones(), vec![UsZone::Eastern, UsZone::Central, UsZone::Hawaii]);
    // 2026-11-30 14:00 Eastern is 09:00 in Honolulu: allowed everywhere.
    let d = may_contact(
        &person,
        &Debt::default(),
        &call("3055550100", at("America/New_York", 2026, 11, 30, 14, 0)),
        &agency(),
    );
    assert!(d.allowed(), "{d:?}");
    // 12:00 Eastern is 07:00 in Honolulu: refused, naming Hawaii, and allowed from 13:00 Eastern.
    let d = may_contact(
        &person,
        &Debt::default(),
        &call("3055550100", at("America/New_York", 2026, 11, 30, 12, 0)),
        &agency(),
    );
    assert_eq!(failed(&d), ["hours"]);
    assert!(d.failures[0].reason.contains("07:00 in Hawaii"), "{}", d.failures[0].reason);
    assert_eq!(d.failures[0].citation, "12 CFR 1006.6(b)(1)(i)");
    assert_eq!(d.allowed_from(), Some(at("America/New_York", 2026, 11, 30, 13, 0)));
    // 20:30 Central is 21:30 Eastern: refused for Eastern though the Central window is open.
    let d = may_contact(
        &person,
        &Debt::default(),
        &call("3055550100", at("America/Chicago", 2026, 11, 30, 20, 30)),
        &agency(),
    );
    assert!(d.failures[0].reason.contains("21:30 in Eastern"), "{}", d.failures[0].reason);
    // A letter has no hours.
    let letter = Attempt {
        channel: Channel::Letter,
        ..call("236 N Main St", at("America/New_York", 2026, 11, 30, 3, 0))
    };
    assert!(may_contact(&person, &Debt::default(), &letter, &agency()).allowed());
}

#[test]
fn an_unknown_location_allows_only_hours_good_from_hawaii_to_eastern() {
    let person = Person::default();
    // In winter, 8 a.m. in Honolulu is 13:00 Eastern; 9 p.m. Eastern is 16:00 in Honolulu.
    let ok = |h: i8, m: i8| may_contact(&person, &Debt::default(), &call("x", at("America/New_York", 2026, 12, 7, h, m)), &agency()).allowed();
    assert!(!ok(12, 59));
    assert!(ok(13, 0));
    assert!(ok(20, 59));
    assert!(!ok(21, 0));
    let d = may_contact(&person, &Debt::default(), &call("x", at("America/New_York", 2026, 12, 7, 10, 0)), &agency());
    assert!(d.failures[0].reason.contains("unknown"), "{}", d.failures[0].reason);
    // In summer Eastern is on daylight time and Hawaii is not: 8 a.m. Honolulu is 14:00 Eastern.
    let summer = |h: i8| may_contact(&person, &Debt::default(), &call("x", at("America/New_York", 2026, 7, 7, h, 0)), &agency()).allowed();
    assert!(!summer(13));
    assert!(summer(14));
    // A book that reaches the territories: from 8 a.m. on Guam to 9 p.m. in Puerto Rico.
    let reaching = Policy {
        territories_when_unknown: true,
        ..agency()
    };
    let ok = |h: i8, m: i8| may_contact(&person, &Debt::default(), &call("x", at("America/New_York", 2026, 12, 7, h, m)), &reaching).allowed();
    assert!(!ok(16, 59));
    assert!(ok(17, 0));
    assert!(ok(19, 59));
    assert!(!ok(20, 0));
    let d = may_contact(&person, &Debt::default(), &call("x", at("America/New_York", 2026, 12, 7, 10, 0)), &reaching);
    assert!(d.failures[0].reason.contains("every state's and territory's zone"), "{}", d.failures[0].reason);
}

#[test]
fn daylight_saving_changes_move_the_window_with_the_clock() {
    // A stated zone decides alone. On 2026-03-08 Eastern springs forward at 2 a.m.:
    // 12:30 UTC is 07:30 EST the day before, 08:30 EDT that day.
    let person = Person {
        stated_zone: Some(UsZone::Eastern),
        ..Person::default()
    };
    let utc = |d: i8, h: i8, m: i8| date(2026, 3, d).at(h, m, 0, 0).in_tz("UTC").unwrap().timestamp();
    assert!(!may_contact(&person, &Debt::default(), &call("x", utc(7, 12, 30)), &agency()).allowed());
    assert!(may_contact(&person, &Debt::default(), &call("x", utc(8, 12, 30)), &agency()).allowed());
    // Arizona keeps standard time, the Navajo Nation daylight saving:
    // 2026-07-01 20:30 in Window Rock (86515) is 21:30 on Navajo time...
    let navajo = Person {
        address: Some("PO Box 9000, Window Rock, AZ 86515".into()),
        ..Person::default()
    };
    let d = may_contact(&navajo, &Debt::default(), &call("x", at("America/Phoenix", 2026, 7, 1, 20, 30)), &agency());
    assert!(d.failures[0].reason.contains("21:30 in Mountain"), "{}", d.failures[0].reason);
    // ...but in Phoenix (85004) it is 20:30, and the call may go.
    let phoenix = Person {
        address: Some("200 W Washington St, Phoenix, AZ 85004".into()),
        ..Person::default()
    };
    assert!(may_contact(&phoenix, &Debt::default(), &call("x", at("America/Phoenix", 2026, 7, 1, 20, 30)), &agency()).allowed());
    // Falls back on 2026-11-01: 13:30 UTC is 08:30 EST (allowed) though it was 09:30 EDT the day before.
    assert!(may_contact(&person, &Debt::default(), &call("x", utc_nov(1, 13, 30)), &agency()).allowed());
    assert!(!may_contact(&person, &Debt::default(), &call("x", utc_nov(1, 12, 30)), &agency()).allowed());
}

fn utc_nov(d: i8, h: i8, m: i8) -> Timestamp {
    date(2026, 11, d).at(h, m, 0, 0).in_tz("UTC").unwrap().timestamp()
}

#[test]
fn the_eighth_call_in_seven_days_is_refused_and_the_first_after_a_conversation_waits_a_week() {
    let person = Person {
        stated_zone: Some(UsZone::Central),
        ..Person::default()
    };
    let noon = |d: i8| at("America/Chicago", 2026, 11, d, 12, 0);
    // Seven unanswered calls, Monday 2 to Sunday 8 November.
    let debt = Debt {
        calls: (2..=8)
            .map(|d| CallMade {
                at: noon(d),
                conversation: false,
            })
            .collect(),
        ..Debt::default()
    };
    let d = may_contact(&person, &debt, &call("x", at("America/Chicago", 2026, 11, 8, 15, 0)), &agency());
    assert_eq!(failed(&d), ["call_frequency"]);
    assert!(d.failures[0].reason.contains("7 calls"), "{}", d.failures[0].reason);
    // The call of the 2nd leaves the window on the 9th, and calls may be made from 8 a.m.
    assert_eq!(d.allowed_from(), Some(at("America/Chicago", 2026, 11, 9, 8, 0)));
    assert!(may_contact(&person, &debt, &call("x", noon(9)), &agency()).allowed());
    // A conversation on Tuesday the 10th: no call until Tuesday the 17th, though only one call was made.
    let talked = Debt {
        calls: vec![CallMade {
            at: noon(10),
            conversation: true,
        }],
        ..Debt::default()
    };
    let d = may_contact(&person, &talked, &call("x", noon(16)), &agency());
    assert_eq!(failed(&d), ["after_conversation"]);
    assert!(d.failures[0].reason.contains("no call until 2026-11-17"));
    assert!(may_contact(&person, &talked, &call("x", noon(17)), &agency()).allowed());
    // A conversation the person began (they called us) starts the week too.
    let they_called = Debt {
        conversations: vec![noon(10)],
        ..Debt::default()
    };
    let d = may_contact(&person, &they_called, &call("x", noon(16)), &agency());
    assert_eq!(failed(&d), ["after_conversation"]);
    assert!(may_contact(&person, &they_called, &call("x", noon(17)), &agency()).allowed());
    // A letter is not a call.
    let letter = Attempt {
        channel: Channel::Letter,
        ..call("1 Main St", noon(11))
    };
    assert!(may_contact(&person, &talked, &letter, &agency()).allowed());
    // A creditor that did not choose the call rules is not held to them.
    let creditor = Policy {
        third_party: false,
        first_party: Policy::first_party_default(),
        territories_when_unknown: false,
    };
    assert!(may_contact(&person, &talked, &call("x", noon(11)), &creditor).allowed());
}

#[test]
fn the_persons_own_requests_are_kept() {
    let when = at("America/New_York", 2026, 12, 1, 10, 0);
    let mut person = Person {
        stated_zone: Some(UsZone::Eastern),
        opt_outs: vec![
            OptOut {
                channel: Channel::Email,
                address: Some("Pat@Example.com".into()),
            },
            OptOut {
                channel: Channel::Text,
                address: None,
            },
        ],
        no_contact_at_work: true,
        inconvenient: vec![InconvenientTime {
            weekday: Some(jiff::civil::Weekday::Tuesday),
            from: Time::constant(9, 0, 0, 0),
            to: Time::constant(12, 0, 0, 0),
        }],
        ..Person::default()
    };
    let by = |channel: Channel, address: &str| Attempt {
        channel,
        address: address.into(),
        at_work: address.contains("work"),
        purpose: Purpose::Collection,
        at: when,
    };
    let d = may_contact(&person, &Debt::default(), &by(Channel::Email, "pat@example.com"), &agency());
    // 2026-12-01 is a Tuesday, 10:00: inconvenient too.
    assert_eq!(failed(&d), ["opt_out", "inconvenient_time"]);
    assert_eq!(d.allowed_from(), None, "an opt-out is not waited out");
    let d = may_contact(&person, &Debt::default(), &by(Channel::Email, "pat.other@example.com"), &agency());
    assert_eq!(failed(&d), ["inconvenient_time"]);
    assert_eq!(d.allowed_from(), Some(at("America/New_York", 2026, 12, 1, 12, 0)));
    assert_eq!(
        failed(&may_contact(&person, &Debt::default(), &by(Channel::Text, "2175550100"), &agency())),
        ["opt_out", "inconvenient_time"]
    );
    assert!(failed(&may_contact(&person, &Debt::default(), &by(Channel::Letter, "work: 1 Plant Rd"), &agency())).contains(&"work"));
    person.inconvenient.clear();
    person.attorney = true;
    assert_eq!(
        failed(&may_contact(&person, &Debt::default(), &by(Channel::Letter, "1 Main St"), &agency())),
        ["attorney"]
    );
    person.attorney = false;
    person.cease_requested_at = Some(at("America/New_York", 2026, 11, 20, 9, 0));
    let d = may_contact(&person, &Debt::default(), &by(Channel::Letter, "1 Main St"), &agency());
    assert_eq!(failed(&d), ["cease"]);
    assert_eq!(d.failures[0].citation, "12 CFR 1006.6(c)");
    let closing = Attempt {
        purpose: Purpose::CeaseResponse,
        ..by(Channel::Letter, "1 Main St")
    };
    assert!(may_contact(&person, &Debt::default(), &closing, &agency()).allowed());
}

#[test]
fn a_timely_dispute_halts_collection_until_verification() {
    let person = Person {
        stated_zone: Some(UsZone::Pacific),
        ..Person::default()
    };
    // Notice sent Monday 2026-11-02: received 2026-11-09, the period ends 2026-12-09.
    let mut debt = Debt {
        validation_sent_on: Some(date(2026, 11, 2)),
        disputes: vec![Dispute {
            received_on: date(2026, 12, 9),
            verification_sent_on: None,
            original_creditor: false,
        }],
        calls: Vec::new(),
        conversations: Vec::new(),
    };
    let letter = Attempt {
        channel: Channel::Letter,
        address: "1 Main St".into(),
        at_work: false,
        purpose: Purpose::Collection,
        at: at("America/Los_Angeles", 2026, 12, 14, 10, 0),
    };
    let d = may_contact(&person, &debt, &letter, &agency());
    assert_eq!(failed(&d), ["dispute"]);
    assert!(d.failures[0].reason.contains("to 2026-12-09"));
    // The verification itself may go.
    let verification = Attempt {
        purpose: Purpose::Verification,
        ..letter.clone()
    };
    assert!(may_contact(&person, &debt, &verification, &agency()).allowed());
    // A request for the original creditor's name and address halts alike, and says so.
    debt.disputes[0].original_creditor = true;
    let d = may_contact(&person, &debt, &letter, &agency());
    assert!(
        d.failures[0].reason.contains("original creditor's name and address"),
        "{}",
        d.failures[0].reason
    );
    debt.disputes[0].original_creditor = false;
    // A dispute after the period does not halt collection.
    debt.disputes[0].received_on = date(2026, 12, 10);
    assert!(may_contact(&person, &debt, &letter, &agency()).allowed());
    debt.disputes[0].received_on = date(2026, 12, 1);
    debt.disputes[0].verification_sent_on = Some(date(2026, 12, 12));
    assert!(may_contact(&person, &debt, &letter, &agency()).allowed());
}

#[test]
fn the_dispute_rule_reads_the_dispute_as_it_stood_at_the_asked_instant() {
    let person = Person {
        stated_zone: Some(UsZone::Pacific),
        ..Person::default()
    };
    let debt = Debt {
        validation_sent_on: Some(date(2026, 11, 2)),
        disputes: vec![Dispute {
            received_on: date(2026, 11, 20),
            verification_sent_on: Some(date(2026, 12, 1)),
            original_creditor: false,
        }],
        ..Debt::default()
    };
    let letter_on = |d: i8, m: i8| Attempt {
        channel: Channel::Letter,
        address: "1 Main St".into(),
        at_work: false,
        purpose: Purpose::Collection,
        at: at("America/Los_Angeles", 2026, m, d, 10, 0),
    };
    // Before the dispute arrived, and after the verification went: allowed.
    assert!(may_contact(&person, &debt, &letter_on(19, 11), &agency()).allowed());
    assert!(may_contact(&person, &debt, &letter_on(1, 12), &agency()).allowed());
    // Between the two: halted, though today the dispute is answered.
    assert_eq!(failed(&may_contact(&person, &debt, &letter_on(25, 11), &agency())), ["dispute"]);
}

#[test]
fn allowed_from_is_an_instant_every_rule_allows() {
    // A conversation on Monday: the next call may be made the following
    // Monday, but not at midnight, when the hours rule refuses.
    let person = Person {
        stated_zone: Some(UsZone::Eastern),
        ..Person::default()
    };
    let debt = Debt {
        calls: vec![CallMade {
            at: at("America/New_York", 2026, 11, 30, 10, 0),
            conversation: true,
        }],
        ..Debt::default()
    };
    let d = may_contact(&person, &debt, &call("2125550100", at("America/New_York", 2026, 12, 2, 10, 0)), &agency());
    assert_eq!(failed(&d), ["after_conversation"]);
    assert_eq!(d.allowed_from(), Some(at("America/New_York", 2026, 12, 7, 8, 0)));
    // Refusals that waiting cannot lift have no such instant.
    let ceased = Person {
        cease_requested_at: Some(at("America/New_York", 2026, 11, 1, 9, 0)),
        ..person.clone()
    };
    assert_eq!(
        may_contact(&ceased, &debt, &call("2125550100", at("America/New_York", 2026, 12, 2, 10, 0)), &agency()).allowed_from(),
        None
    );
}

#[test]
fn only_the_gate_makes_a_clearance_and_a_refusal_gives_only_a_breach() {
    let person = Person {
        stated_zone: Some(UsZone::Eastern),
        ..Person::default()
    };
    let ok = call("2125550100", at("America/New_York", 2026, 12, 2, 10, 0));
    let (decision, proof) = clear(&person, &Debt::default(), &ok, &agency());
    assert!(decision.allowed());
    let clearance = proof.expect("allowed");
    assert_eq!(clearance.attempt(), &ok);
    assert!(clearance.checked().contains(&Rule::Hours));
    let late = call("2125550100", at("America/New_York", 2026, 12, 2, 22, 0));
    let (decision, proof) = clear(&person, &Debt::default(), &late, &agency());
    assert!(!decision.allowed());
    let breach = proof.expect_err("refused");
    assert_eq!(breach.broken(), [Rule::Hours]);
    assert_eq!(breach.attempt(), &late);
}

#[test]
fn addresses_are_placed_however_they_are_written_and_an_unplaceable_one_is_a_location_unknown() {
    for written in [
        "111 S Grand Ave, Los Angeles, CA 90012",
        "111 S Grand Ave Los Angeles CA 90012",
        "111 S Grand Ave, Los Angeles, California",
        "111 S Grand Ave, Los Angeles, Ca.",
        "111 S Grand Ave\nLos Angeles, CA 90012-3401",
        "111 S Grand Ave, Los Angeles, CA 90012, USA",
        "111 S Grand Ave, Los Angeles, Calif. 90012 United States",
    ] {
        assert_eq!(place_address(written).map(|p| p.0), Some("CA"), "{written:?}");
    }
    assert_eq!(place_address("350 5th Ave, New York, New York 10118"), Some(("NY", Some("10118".into()))));
    assert_eq!(place_address("1 Main St, Charleston, West Virginia").map(|p| p.0), Some("WV"));
    assert_eq!(place_address("somewhere near the lake"), None);
    // A Los Angeles consumer with a New York phone: Pacific counts, so 07:30 Pacific is refused.
    let person = Person {
        address: Some("111 S Grand Ave Los Angeles CA 90012".into()),
        phones: vec!["212-555-0100".into()],
        ..Person::default()
    };
    assert_eq!(person.zones(), [UsZone::Eastern, UsZone::Pacific]);
    let early = may_contact(
        &person,
        &Debt::default(),
        &call("212-555-0100", at("America/Los_Angeles", 2026, 12, 2, 7, 30)),
        &agency(),
    );
    assert_eq!(failed(&early), ["hours"]);
    // An address that cannot be placed adds every state's zone, never none.
    let vague = Person {
        address: Some("the blue house by the lake".into()),
        phones: vec!["212-555-0100".into()],
        ..Person::default()
    };
    assert_eq!(vague.zones().len(), UsZone::STATES.len());
}

#[test]
fn a_workplace_on_record_is_work_without_being_told() {
    let person = Person {
        stated_zone: Some(UsZone::Eastern),
        no_contact_at_work: true,
        work_addresses: vec!["(212) 555-0199".into()],
        ..Person::default()
    };
    let d = may_contact(
        &person,
        &Debt::default(),
        &call("212.555.0199", at("America/New_York", 2026, 12, 2, 10, 0)),
        &agency(),
    );
    assert_eq!(failed(&d), ["work"]);
    assert!(may_contact(
        &person,
        &Debt::default(),
        &call("212-555-0100", at("America/New_York", 2026, 12, 2, 10, 0)),
        &agency()
    )
    .allowed());
}

#[test]
fn the_number_dialled_counts_among_the_zones() {
    // A New York consumer; a skip-traced Hawaii number dialled at 13:00
    // Eastern is 08:00 in Honolulu (allowed), at 12:00 it is 07:00 (refused).
    let person = Person {
        address: Some("350 5th Ave, New York, NY 10118".into()),
        ..Person::default()
    };
    let d = may_contact(
        &person,
        &Debt::default(),
        &call("808-555-0100", at("America/New_York", 2026, 12, 2, 12, 0)),
        &agency(),
    );
    assert_eq!(failed(&d), ["hours"]);
    assert!(d.failures[0].reason.contains("in Hawaii"), "{}", d.failures[0].reason);
    assert!(may_contact(
        &person,
        &Debt::default(),
        &call("808-555-0100", at("America/New_York", 2026, 12, 2, 13, 0)),
        &agency()
    )
    .allowed());
    // A letter's address is not a phone.
    let letter = Attempt {
        channel: Channel::Letter,
        ..call("808 Main St", at("America/New_York", 2026, 12, 2, 3, 0))
    };
    assert!(may_contact(&person, &Debt::default(), &letter, &agency()).allowed());
}
