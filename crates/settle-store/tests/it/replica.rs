//! Reports, dashboards and exports read from a streaming replica when one
//! is given, and say how far behind it is. Needs a replica of the test
//! server (`scripts/pg-replica.sh`, which CI runs) named by
//! `SETTLE_TEST_PG_REPLICA_PORT`; without it the replica run says it is
//! skipped. A replica beside SQLite is refused by name on every machine.

use std::time::{Duration, Instant};

use settle_domain::aging::AgingBuckets;
use settle_domain::Date;
use settle_store::billing::{NewAccount, NewInvoice, NewInvoiceLine, NewParty, NewPayment};
use settle_store::testing::all_backends;
use settle_store::Location;

#[tokio::test]
async fn a_replica_beside_sqlite_or_unreachable_is_refused_by_name() {
    for backend in all_backends().await {
        let refused = backend
            .store
            .clone()
            .with_replica("postgres://root@127.0.0.1:1/nowhere")
            .await
            .err()
            .expect("refused");
        assert!(refused.to_string().contains("read_database_url"), "{}: {refused}", backend.name);
        // The primary itself named as its replica.
        if let Location::Url(url) = &backend.location {
            let refused = backend.store.clone().with_replica(url).await.err().expect("a primary is refused");
            assert!(refused.to_string().contains("not a read-only replica"), "{refused}");
        }
    }
}

#[tokio::test]
async fn reports_read_from_the_replica_match_the_books_once_it_catches_up() {
    let Ok(port) = std::env::var("SETTLE_TEST_PG_REPLICA_PORT") else {
        eprintln!("skipped: reporting replica run (run scripts/pg-replica.sh and set SETTLE_TEST_PG_REPLICA_PORT=5433)");
        return;
    };
    for backend in all_backends().await {
        let Location::Url(url) = &backend.location else { continue };
        let (server, name) = url.rsplit_once('/').expect("a database name");
        let (server, _) = server.rsplit_once(':').expect("a port");
        let replica_url = format!("{server}:{port}/{name}");
        let primary = backend.store.clone();
        let org = primary.create_organisation("replica", "Replica Clinic", "USD").await.unwrap();
        // The new database reaches the replica by streaming; wait for it.
        let started = Instant::now();
        let store = loop {
            match primary.clone().with_replica(&replica_url).await {
                Ok(store) => break store,
                Err(e) if started.elapsed() < Duration::from_secs(30) => {
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(e) => panic!("the replica never held the test database: {e}"),
            }
        };
        let day = Date::constant(2026, 3, 2);
        primary
            .add_account(
                &org,
                &NewAccount {
                    account_number: "R-1".into(),
                    party: NewParty {
                        kind: "person".into(),
                        name: "Ngozi Okafor-Brennan".into(),
                        ..Default::default()
                    },
                    ar_kind: "patient".into(),
                    currency: None,
                    payment_terms: Some("net30".into()),
                    opened_on: day,
                },
                None,
            )
            .await
            .unwrap();
        primary
            .create_invoice(
                &org,
                &NewInvoice {
                    account_number: "R-1".into(),
                    issue_date: day,
                    terms: None,
                    lines: vec![NewInvoiceLine {
                        item_code: "99213".into(),
                        description: "Office visit".into(),
                        quantity: "1".into(),
                        unit_price: "140.00".into(),
                        tax_rate: "0".into(),
                    }],
                    memo: String::new(),
                    draft: false,
                },
                None,
            )
            .await
            .unwrap();
        primary
            .post_payment(
                &org,
                &NewPayment {
                    account_number: "R-1".into(),
                    amount: "40.00".into(),
                    method: "card".into(),
                    reference: "r1".into(),
                    received_on: day,
                    apply_to: vec![],
                },
                None,
            )
            .await
            .unwrap();
        // Caught up: no bytes behind, and it says so.
        let started = Instant::now();
        let lag = loop {
            let lag = store.replica_lag().await.unwrap().expect("reading from a replica");
            if lag.behind_bytes == 0 || started.elapsed() > Duration::from_secs(30) {
                break lag;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        assert_eq!(lag.behind_bytes, 0, "the replica never caught up");
        assert!(lag.describe().contains("up to date"), "{}", lag.describe());
        assert_eq!(primary.replica_lag().await.unwrap(), None, "the primary alone reads the books");
        let as_of = Date::constant(2026, 6, 30);
        let buckets = AgingBuckets::default();
        let from_replica = store.aging(&org, as_of, &buckets, None).await.unwrap();
        let from_books = primary.aging(&org, as_of, &buckets, None).await.unwrap();
        assert_eq!(from_replica.total_minor, 10_000);
        assert_eq!(from_replica.total_minor, from_books.total_minor);
        assert_eq!(from_replica.totals_minor, from_books.totals_minor);
        let tb_replica = store.trial_balance(&org, None).await.unwrap();
        let tb_books = primary.trial_balance(&org, None).await.unwrap();
        assert_eq!(format!("{tb_replica:?}"), format!("{tb_books:?}"));
        // Writes still go to the primary, through the store that reads the replica.
        let posted = store
            .post_payment(
                &org,
                &NewPayment {
                    account_number: "R-1".into(),
                    amount: "10.00".into(),
                    method: "card".into(),
                    reference: "r2".into(),
                    received_on: day,
                    apply_to: vec![],
                },
                None,
            )
            .await;
        assert!(posted.is_ok(), "{posted:?}");
        assert_eq!(primary.aging(&org, as_of, &buckets, None).await.unwrap().total_minor, 9_000);
    }
}
