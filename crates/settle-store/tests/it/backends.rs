use settle_store::billing::{NewAccount, NewInvoice, NewInvoiceLine, NewParty};
use settle_store::platform::Organisation;
pub use settle_store::testing::all_backends as all;
use settle_store::Store;

pub fn date(text: &str) -> settle_domain::Date {
    text.parse().unwrap()
}

pub async fn account(store: &Store, org: &Organisation, number: &str) {
    store
        .add_account(
            org,
            &NewAccount {
                account_number: number.into(),
                party: NewParty {
                    sex: None,
                    kind: "person".into(),
                    name: format!("Customer {number}"),
                    email: Some("pat@example.com".into()),
                    ..Default::default()
                },
                ar_kind: "customer".into(),
                currency: None,
                payment_terms: Some("net30".into()),
                opened_on: date("2026-01-01"),
            },
            None,
        )
        .await
        .unwrap();
}

/// A debt collector (every Regulation F rule holds) with one account, C-1:
/// Dana Whitfield of Miami, with a Miami phone.
pub async fn agency_with_dana(store: &Store) -> Organisation {
    let org = store.create_organisation("agency", "Prairie Recovery", "USD").await.unwrap();
    store.set_collection_policy(&org, true, &[]).await.unwrap();
    store
        .add_account(
            &org,
            &NewAccount {
                account_number: "C-1".into(),
                party: NewParty {
                    kind: "person".into(),
                    name: "Dana Whitfield".into(),
                    phone: Some("(305) 555-0142".into()),
                    address: Some("12 Lanai St, Miami, FL 33101".into()),
                    ..NewParty::default()
                },
                ar_kind: "customer".into(),
                currency: None,
                payment_terms: None,
                opened_on: date("2026-01-01"),
            },
            None,
        )
        .await
        .unwrap();
    org
}

/// Replaces the dunning policy's levels: (name, days past due, actions), no minimum balance.
pub async fn set_levels(store: &Store, org: &Organisation, levels: &[(&str, i64, &[&str])]) {
    let levels = levels
        .iter()
        .map(|(name, days, actions)| settle_store::collections::dunning::LevelView {
            name: name.to_string(),
            days_past_due: *days,
            min_balance: "0.00".into(),
            actions: actions.iter().map(|a| a.to_string()).collect(),
        })
        .collect();
    store
        .set_dunning_policy(
            org,
            &settle_store::collections::dunning::DunningPolicyUpdate {
                levels: Some(levels),
                late_fee_fixed: None,
                late_fee_percent: None,
                late_fee_cap: None,
                plan_grace_days: None,
                plan_default_missed: None,
                settlement_limit_percent: None,
            },
        )
        .await
        .unwrap();
}

pub async fn invoice(store: &Store, org: &Organisation, number: &str, issue: &str, price: &str) -> String {
    store
        .create_invoice(
            org,
            &NewInvoice {
                account_number: number.into(),
                issue_date: date(issue),
                terms: None,
                lines: vec![NewInvoiceLine {
                    item_code: "SVC".into(),
                    description: "Service".into(),
                    quantity: "1".into(),
                    unit_price: price.into(),
                    tax_rate: "0".into(),
                }],
                memo: String::new(),
                draft: false,
            },
            None,
        )
        .await
        .unwrap()
        .invoice_number
}

pub async fn assert_verified(store: &Store, org: &Organisation) {
    let report = store.verify(org).await.unwrap();
    assert!(report.discrepancies.is_empty(), "verify found: {:#?}", report.discrepancies);
}
