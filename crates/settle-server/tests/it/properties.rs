//! Any sequence of API requests, amounts at and past the limits included,
//! never makes Settle answer 5xx, and leaves `verify` and `audit verify`
//! clean: no input breaks the books.

use std::time::Duration;

use proptest::prelude::*;
use reqwest::Method;
use serde_json::{json, Value};
use settle_domain::access::Role;

use crate::{new_account, Server};

#[derive(Clone, Debug)]
enum Op {
    Invoice { account: u8, price: String, quantity: String },
    Pay { account: u8, amount: String, to: Option<u8> },
    Adjust { item: u8, amount: String },
    Refund { account: u8, amount: String },
    Reverse { payment: u8, fee: Option<String> },
    Void { item: u8 },
    Read { account: u8 },
}

/// Amounts a person or a program might send: ordinary, at the limit, a
/// cent past it, i64's end, and malformed.
fn amount() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => (1i64..500_000).prop_map(|c| format!("{}.{:02}", c / 100, c % 100)),
        1 => Just("99999999999.99".to_string()),
        1 => Just("100000000000.00".to_string()),
        1 => Just("92233720368547758.07".to_string()),
        1 => Just("-0.01".to_string()),
        1 => prop::sample::select(vec!["+5.00", " 5.00", "5.", ".5", "00005.00", "1e3", "", "NaN", "0", "9".repeat(40).leak()]).prop_map(str::to_string),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0u8..3, amount(), prop::sample::select(vec!["1", "2", "1000", "0.5", "99999"])).prop_map(|(account, price, quantity)| Op::Invoice {
            account,
            price,
            quantity: quantity.to_string()
        }),
        (0u8..3, amount(), proptest::option::of(1u8..8)).prop_map(|(account, amount, to)| Op::Pay { account, amount, to }),
        (1u8..8, amount()).prop_map(|(item, amount)| Op::Adjust { item, amount }),
        (0u8..3, amount()).prop_map(|(account, amount)| Op::Refund { account, amount }),
        (1u8..8, proptest::option::of(amount())).prop_map(|(payment, fee)| Op::Reverse { payment, fee }),
        (1u8..8).prop_map(|item| Op::Void { item }),
        (0u8..3).prop_map(|account| Op::Read { account }),
    ]
}

fn request(op: &Op) -> (Method, String, Option<Value>) {
    let invoice = |n: u8| format!("INV-{n:06}");
    match op {
        Op::Invoice { account, price, quantity } => (
            Method::POST,
            "/api/v1/invoices".into(),
            Some(json!({ "account_number": format!("A-{account}"), "issue_date": "2026-02-01",
                "lines": [{ "item_code": "SVC", "description": "Work", "quantity": quantity, "unit_price": price, "tax_rate": "10" }] })),
        ),
        Op::Pay { account, amount, to } => (
            Method::POST,
            "/api/v1/payments".into(),
            Some(
                json!({ "account_number": format!("A-{account}"), "amount": amount, "method": "check", "received_on": "2026-02-10",
                "apply_to": to.map(|n| vec![json!({ "reference": invoice(n) })]).unwrap_or_default() }),
            ),
        ),
        Op::Adjust { item, amount } => (
            Method::POST,
            "/api/v1/adjustments".into(),
            Some(json!({ "reference": invoice(*item), "reason": "charity", "amount": amount, "date": "2026-02-11" })),
        ),
        Op::Refund { account, amount } => (
            Method::POST,
            "/api/v1/refunds".into(),
            Some(json!({ "account_number": format!("A-{account}"), "amount": amount, "method": "check", "date": "2026-02-12" })),
        ),
        Op::Reverse { payment, fee } => (
            Method::POST,
            format!("/api/v1/payments/{payment}/reverse"),
            Some(json!({ "date": "2026-02-13", "reason": "NSF", "fee": fee })),
        ),
        Op::Void { item } => (
            Method::POST,
            format!("/api/v1/invoices/{}/void", invoice(*item)),
            Some(json!({ "date": "2026-02-14", "reason": "entered twice" })),
        ),
        Op::Read { account } => (Method::GET, format!("/api/v1/accounts/A-{account}"), None),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]
    #[test]
    fn no_request_sequence_answers_5xx_or_breaks_the_books(ops in proptest::collection::vec(op(), 1..30)) {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        runtime.block_on(async {
            let srv = Server::each(Duration::from_secs(900)).await.into_iter().next().unwrap();
            let org = srv.store.create_organisation("prop", "Prop", "USD").await.unwrap();
            let token = srv.token(&org, Role::Admin).await;
            for n in 0..3 {
                srv.post(&token, "/api/v1/accounts", new_account(&format!("A-{n}"), "Pat")).await;
            }
            for op in &ops {
                let (method, path, body) = request(op);
                let answer = srv.send(method, &path, Some(&token), body.as_ref(), None).await;
                assert!(!answer.status.is_server_error(), "{op:?}: {} {}", answer.status, answer.body);
            }
            for path in ["/api/v1/reports/trial-balance", "/api/v1/dashboard", "/api/v1/reports/aging?by=account", "/api/v1/accounts/A-0", "/api/v1/accounts/A-1", "/api/v1/accounts/A-2"] {
                let answer = srv.get(&token, path).await;
                assert!(answer.status.is_success(), "{path}: {} {}", answer.status, answer.body);
            }
            let report = srv.store.verify(&org).await.unwrap();
            assert!(report.discrepancies.is_empty(), "{ops:?}: {:?}", report.discrepancies);
            let (_, findings) = srv.store.audit_verify(&org).await.unwrap();
            assert!(findings.is_empty(), "{ops:?}: {findings:?}");
        });
    }
}
