//! The contact gate from the command line: a refused contact exits 1,
//! names each rule with its citation, and logs nothing.

use crate::Books;

#[test]
fn contacts_go_through_the_gate_and_refusals_name_their_rules() {
    let books = Books::new();
    books.ok(&["collections", "third-party"]);
    books.ok(&[
        "consumer",
        "set",
        "A-1",
        "--zone",
        "pacific",
        "--opt-out",
        "text",
        "--validation-sent",
        "2026-11-02",
    ]);
    let shown = books.ok(&["consumer", "show", "A-1"]);
    assert!(
        shown.contains("zones kept to    Pacific") && shown.contains("period ends 2026-12-09"),
        "{shown}"
    );

    // 07:30 in Los Angeles: refused, with the rule, its citation and when it opens.
    let out = books.refused(&[
        "contact",
        "log",
        "A-1",
        "--channel",
        "call",
        "--to",
        "2135550100",
        "--at",
        "2026-12-01T07:30:00-08:00",
        "--outcome",
        "no_answer",
    ]);
    assert!(
        out.contains("hours (12 CFR 1006.6(b)(1)(i))")
            && out.contains("allowed from 2026-12-01T16:00:00Z (2026-12-01 08:00 Pacific)")
            && out.contains("nothing logged"),
        "{out}"
    );
    let out = books.ok(&[
        "contact",
        "log",
        "A-1",
        "--channel",
        "call",
        "--to",
        "2135550100",
        "--at",
        "2026-12-01T10:00:00-08:00",
        "--outcome",
        "right_party_contact",
        "--note",
        "promised Friday",
    ]);
    assert!(out.contains("logged contact 1"), "{out}");
    // The refused 07:30 call happened after all: recorded as what it was.
    let out = books.ok(&[
        "contact",
        "log",
        "A-1",
        "--channel",
        "call",
        "--to",
        "2135550100",
        "--at",
        "2026-12-01T07:30:00-08:00",
        "--outcome",
        "no_answer",
        "--violation",
    ]);
    assert!(out.contains("recorded as a VIOLATION of: hours"), "{out}");
    assert!(books.ok(&["contact", "list", "A-1"]).contains("[VIOLATION: hours]"));
    // Where a person of unknown location may be is the collector's choice, kept.
    let out = books.ok(&["collections", "unknown-location", "with-territories"]);
    assert!(out.contains("location unknown: every state's and territory's zone"), "{out}");
    assert!(books.ok(&["collections", "policy"]).contains("every state's and territory's zone"));
    books.ok(&["collections", "unknown-location", "states"]);
    let out = books.ok(&["collections", "verify"]);
    assert!(
        out.contains("2 outbound contacts replayed against the gate: 0 refused, 1 logged as violations"),
        "{out}"
    );
    // A week of quiet after a conversation; texts opted out.
    let out = books.refused(&[
        "contact",
        "check",
        "A-1",
        "--channel",
        "call",
        "--to",
        "2135550100",
        "--at",
        "2026-12-03T10:00:00-08:00",
    ]);
    assert!(out.contains("after_conversation") && out.contains("no call until 2026-12-08"), "{out}");
    let out = books.refused(&[
        "contact",
        "check",
        "A-1",
        "--channel",
        "text",
        "--to",
        "2135550100",
        "--at",
        "2026-12-03T10:00:00-08:00",
    ]);
    assert!(out.contains("opt_out"), "{out}");
    books.ok(&[
        "contact",
        "check",
        "A-1",
        "--channel",
        "call",
        "--to",
        "2135550100",
        "--at",
        "2026-12-08T10:00:00-08:00",
    ]);
    let list = books.ok(&["contact", "list", "A-1"]);
    assert!(
        list.contains("right_party_contact") && list.contains("promised Friday") && list.lines().count() == 2,
        "{list}"
    );
    let decisions = books.ok(&["contact", "decisions", "A-1"]);
    assert_eq!(decisions.lines().count(), 6, "{decisions}");
    // A dispute within the validation period stops letters until verified.
    let out = books.ok(&["dispute", "add", "A-1", "--received", "2026-12-04", "--note", "not mine"]);
    assert!(out.contains("within the validation period"), "{out}");
    books
        .cmd(&[
            "contact",
            "check",
            "A-1",
            "--channel",
            "letter",
            "--at",
            "2026-12-10T10:00:00-08:00",
            "--to",
            "1 Main St",
        ])
        .code(1);
    books.ok(&["dispute", "verified", "1", "--sent", "2026-12-09"]);
    books.ok(&[
        "contact",
        "check",
        "A-1",
        "--channel",
        "letter",
        "--at",
        "2026-12-10T10:00:00-08:00",
        "--to",
        "1 Main St",
    ]);
    // Bad input names the field and changes nothing.
    let err = books.fails(&["consumer", "set", "A-1", "--zone", "mars"]);
    assert!(err.contains("stated_zone") && err.contains("mars"), "{err}");
    let err = books.fails(&["contact", "log", "A-1", "--channel", "pigeon", "--outcome", "sent"]);
    assert!(err.contains("channel"), "{err}");
    assert!(books.ok(&["consumer", "show", "A-1"]).contains("Pacific"));
    // Promises: refused in the past or above what is owed; kept by the payments that come.
    let err = books.fails(&["promise", "add", "A-1", "50.00", "--due", "2026-11-30", "--as-of", "2026-12-01"]);
    assert!(err.contains("due_on") && err.contains("in the past"), "{err}");
    let err = books.fails(&["promise", "add", "A-1", "9999.00", "--due", "2026-12-10", "--as-of", "2026-12-01"]);
    assert!(err.contains("more than the account owes"), "{err}");
    let out = books.ok(&[
        "promise",
        "add",
        "A-1",
        "100.00",
        "--due",
        "2026-12-10",
        "--as-of",
        "2026-12-01",
        "--note",
        "on the phone",
    ]);
    assert!(out.contains("pending") && out.contains("last day 2026-12-13"), "{out}");
    books.ok(&["payment", "post", "A-1", "100.00", "--method", "check", "--date", "2026-12-09"]);
    let out = books.ok(&["promise", "review", "--as-of", "2026-12-11"]);
    assert!(out.contains("1 kept, 0 broken") && out.contains("on 2026-12-09"), "{out}");
}

#[test]
fn the_validation_notice_itemizes_the_debt_and_starts_the_period() {
    let books = Books::new();
    books.ok(&["collections", "third-party"]);
    // A notice must say where to write, and where to send it.
    let err = books.fails(&["letter", "validation", "A-1"]);
    assert!(err.contains("mail_address"), "{err}");
    books.ok(&[
        "collections",
        "contact",
        "--address",
        "PO Box 12, Springfield, IL 62701",
        "--phone",
        "217-555-0100",
        "--hours",
        "8 a.m. to 5 p.m. Central",
    ]);
    let err = books.fails(&["letter", "validation", "A-1"]);
    assert!(err.contains("postal address"), "{err}");
    books.ok(&["account", "contact", "A-1", "address", "12 Oak St, Peoria, IL 61602"]);
    // 330.00 billed on 2026-01-05 and 30.00 paid on 2026-02-01: itemized as of the later, the last payment date.
    books.ok(&["payment", "post", "A-1", "30.00", "--method", "check", "--date", "2026-02-01"]);
    // A check of 50.00 that bounced is not the last payment, and never prints as "- -$50.00".
    let posted = books.ok(&["payment", "post", "A-1", "50.00", "--method", "check", "--date", "2026-03-01"]);
    let bounced = posted.split_whitespace().nth(1).unwrap().to_string();
    books.ok(&[
        "payment",
        "reverse",
        &bounced,
        "--reason",
        "returned: insufficient funds",
        "--date",
        "2026-03-05",
    ]);
    // The agency's client, named on the notice as the creditor.
    books.ok(&[
        "consumer",
        "set",
        "A-1",
        "--creditor",
        "Riverside Family Medicine",
        "--creditor-account",
        "RFM-00417",
    ]);
    // Never dated in the past, never before the debt.
    let err = books.fails(&["letter", "validation", "A-1", "--as-of", "2026-11-02"]);
    assert!(err.contains("as_of") && err.contains("in the past"), "{err}");
    let today = jiff::Zoned::now().date();
    let respond_by = settle_domain::calendar::long_date(settle_domain::calendar::validation_period_end(today));
    let pdf = books.dir.path().join("notice.pdf").display().to_string();
    let out = books.ok(&["letter", "validation", "A-1", "--as-of", &today.to_string(), "--out", &pdf]);
    // The reversal is a debit after the last payment: the itemization date moves to it.
    assert!(
        out.contains("owed 300.00 as of March 5, 2026 (the transaction date)")
            && out.contains("paid or credited 0.00")
            && out.contains("now 300.00")
            && out.contains(&format!("disputes by {respond_by}")),
        "{out}"
    );
    let text = String::from_utf8_lossy(&std::fs::read(&pdf).unwrap()).to_string();
    assert!(
        text.contains("How can you dispute the debt?") && text.contains("is a debt collector") && text.contains("RFM-00417"),
        "the notice follows Model Form B-1"
    );
    let shown = books.ok(&["consumer", "show", "A-1"]);
    assert!(shown.contains(&format!("sent {today}")), "{shown}");
    assert!(books.ok(&["contact", "list", "A-1"]).contains("validation notice"));
    // Once sent, not again; and an attorney stops it at the gate.
    let err = books.fails(&["letter", "validation", "A-1"]);
    assert!(err.contains("already sent"), "{err}");
}
