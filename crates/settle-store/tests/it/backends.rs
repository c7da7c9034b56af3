use std::sync::atomic::{AtomicUsize, Ordering};

use settle_store::ops::{NewAccount, NewInvoice, NewInvoiceLine, NewParty, Organisation};
use settle_store::{Location, Store};
use sqlx::Connection;

pub struct Backend {
    pub name: &'static str,
    pub store: Store,
    _dir: Option<tempfile::TempDir>,
}

static NEXT_DATABASE: AtomicUsize = AtomicUsize::new(0);

/// A fresh, empty store on each available backend.
pub async fn all() -> Vec<Backend> {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = Store::open(&Location::DataDir(dir.path().to_path_buf())).await.unwrap();
    let mut out = vec![Backend {
        name: "sqlite",
        store: sqlite,
        _dir: Some(dir),
    }];
    match std::env::var("SETTLE_TEST_PG_URL") {
        Ok(admin_url) if !admin_url.is_empty() => {
            sqlx::any::install_default_drivers();
            let name = format!("settle_test_{}_{}", std::process::id(), NEXT_DATABASE.fetch_add(1, Ordering::SeqCst));
            let mut admin = sqlx::AnyConnection::connect(&admin_url)
                .await
                .expect("SETTLE_TEST_PG_URL is set but PostgreSQL is not reachable");
            sqlx::query(&format!("DROP DATABASE IF EXISTS {name}")).execute(&mut admin).await.unwrap();
            sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await.unwrap();
            let base = admin_url.rsplit_once('/').map_or(admin_url.as_str(), |(base, _)| base).to_string();
            let store = Store::open(&Location::Url(format!("{base}/{name}"))).await.unwrap();
            out.push(Backend {
                name: "postgres",
                store,
                _dir: None,
            });
        }
        _ => eprintln!("skipped: PostgreSQL run (set SETTLE_TEST_PG_URL=postgres://USER@HOST/DB to run it)"),
    }
    out
}

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
