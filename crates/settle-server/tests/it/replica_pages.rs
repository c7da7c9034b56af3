//! The pages that read the reporting replica say how far behind it is;
//! without a replica they say nothing of it. The replica run needs
//! `scripts/pg-replica.sh` and `SETTLE_TEST_PG_REPLICA_PORT` (CI sets both).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use reqwest::Method;
use settle_domain::access::Role;
use settle_store::Location;

use crate::pages::{browser, page, session, setup};
use crate::Server;

const REPORT_PAGES: &[&str] = &[
    "/",
    "/reports/aging",
    "/reports/aging/bucket/0",
    "/reports/trial-balance",
    "/reports/cash-receipts",
    "/reports/adjustments",
];

#[tokio::test]
async fn report_pages_say_when_they_read_the_replica_and_how_far_behind_it_is() {
    let port = std::env::var("SETTLE_TEST_PG_REPLICA_PORT").ok();
    if port.is_none() {
        eprintln!("skipped: reporting replica pages (run scripts/pg-replica.sh and set SETTLE_TEST_PG_REPLICA_PORT=5433)");
    }
    for srv in Server::each(Duration::from_secs(900)).await {
        let org = setup(&srv).await;
        let (cookie, _) = session(&srv, &org, "reader", Role::Auditor).await;
        let client = browser();
        for path in REPORT_PAGES {
            let (status, _, body) = page(&client, &srv, Method::GET, path, Some(&cookie), &[]).await;
            assert!(status.is_success(), "{}: {path} {status}", srv.name);
            assert!(!body.contains("reporting replica"), "{}: {path} names a replica it does not have", srv.name);
        }
        // The same books behind a server that reads reports from the replica.
        let (Some(port), Location::Url(url)) = (&port, &srv.backend_location()) else {
            continue;
        };
        let (server, name) = url.rsplit_once('/').unwrap();
        let (server, _) = server.rsplit_once(':').unwrap();
        let replica_url = format!("{server}:{port}/{name}");
        let started = Instant::now();
        let store = loop {
            match srv.store.clone().with_replica(&replica_url).await {
                Ok(store) => break store,
                Err(_) if started.elapsed() < Duration::from_secs(30) => tokio::time::sleep(Duration::from_millis(200)).await,
                Err(e) => panic!("the replica never held the test database: {e}"),
            }
        };
        while store.replica_lag().await.unwrap().is_some_and(|l| l.behind_bytes > 0) && started.elapsed() < Duration::from_secs(30) {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = settle_server::app(store, settle_server::Config::default()).into_make_service_with_connect_info::<SocketAddr>();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        let base = format!("http://{addr}");
        for path in REPORT_PAGES {
            let response = client.get(format!("{base}{path}")).header("cookie", &cookie).send().await.unwrap();
            let status = response.status();
            let body = response.text().await.unwrap();
            assert!(status.is_success(), "{path} {status}");
            // Up to date, or how far behind (other databases of the cluster
            // keep the log moving while the tests run).
            assert!(
                body.contains("Read from the reporting replica, which is up to date.")
                    || (body.contains("Read from the reporting replica, ") && body.contains(" behind the books")),
                "{path} does not say it read the replica"
            );
        }
        // The API's reports say it in headers.
        let token = srv.token(&org, Role::Auditor).await;
        for path in ["/api/v1/reports/aging", "/api/v1/reports/trial-balance", "/api/v1/dashboard"] {
            let response = client.get(format!("{base}{path}")).bearer_auth(&token).send().await.unwrap();
            assert!(response.status().is_success(), "{path} {}", response.status());
            let bytes = response.headers().get("settle-replica-behind-bytes").map(|v| v.to_str().unwrap().to_string());
            assert!(bytes.is_some_and(|b| b.parse::<i64>().is_ok_and(|n| n >= 0)), "{path}: no lag header");
            assert!(response.headers().contains_key("settle-replica-lag-seconds"), "{path}");
        }
        // And the server reading the books alone does not.
        let answer = srv.get(&token, "/api/v1/reports/aging").await;
        assert!(!answer.headers.contains_key("settle-replica-behind-bytes"));
    }
}
