//! Idempotency-Key: a replay gets the stored answer, another body gets 422,
//! and a second request while the first is running gets 409.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use settle_domain::access::Role;
use settle_store::Backend;

use crate::{new_account, new_invoice, new_payment, Server};

/// A payment POST that can run on its own task: (status, body text).
fn post_in_background(srv: &Server, token: &str, key: &'static str, body: serde_json::Value) -> impl std::future::Future<Output = (StatusCode, String)> {
    let (url, client, token) = (format!("{}/api/v1/payments", srv.base), srv.client.clone(), token.to_string());
    async move {
        let response = client
            .post(url)
            .bearer_auth(token)
            .header("Idempotency-Key", key)
            .json(&body)
            .send()
            .await
            .unwrap();
        (response.status(), response.text().await.unwrap())
    }
}

#[tokio::test]
async fn replays_mismatches_and_concurrent_duplicates() {
    for srv in Server::each(Duration::from_secs(900)).await {
        let name = srv.name;
        let org = srv.store.create_organisation("clinic", "Clinic", "USD").await.unwrap();
        let token = srv.token(&org, Role::BillingSpecialist).await;
        srv.post(&token, "/api/v1/accounts", new_account("P-1", "Ada")).await;
        srv.post(&token, "/api/v1/invoices", new_invoice("P-1", "100.00")).await;
        let body = new_payment("P-1", "30.00");

        let first = srv.send(Method::POST, "/api/v1/payments", Some(&token), Some(&body), Some("pay-1")).await;
        assert_eq!(first.status, StatusCode::CREATED, "{name}: {}", first.body);
        let again = srv.send(Method::POST, "/api/v1/payments", Some(&token), Some(&body), Some("pay-1")).await;
        assert_eq!((again.status, &again.body), (StatusCode::CREATED, &first.body), "{name}");

        let other = srv
            .send(
                Method::POST,
                "/api/v1/payments",
                Some(&token),
                Some(&new_payment("P-1", "31.00")),
                Some("pay-1"),
            )
            .await;
        assert_eq!(other.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert_eq!(other.body["field"], "Idempotency-Key", "{name}");
        let bad_key = srv.send(Method::POST, "/api/v1/payments", Some(&token), Some(&body), Some("has space")).await;
        assert_eq!(bad_key.status, StatusCode::BAD_REQUEST, "{name}");
        let page = srv
            .store
            .list_payments(
                &org,
                &settle_store::billing::PaymentFilter {
                    limit: 100,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(page.len(), 1, "{name}: one payment for one key");

        // Two at once with one key. Hold the books so the first waits
        // inside its write; the second arrives while it runs.
        let held = match srv.store.backend() {
            Backend::Sqlite => Some(srv.store.begin_write().await.unwrap()),
            Backend::Postgres => None,
        };
        let body2 = new_payment("P-1", "5.00");
        let first = tokio::spawn(post_in_background(&srv, &token, "pay-2", body2.clone()));
        if held.is_some() {
            tokio::time::sleep(Duration::from_millis(300)).await;
            let second = srv.send(Method::POST, "/api/v1/payments", Some(&token), Some(&body2), Some("pay-2")).await;
            assert_eq!(second.status, StatusCode::CONFLICT, "{name}: {}", second.body);
            drop(held);
        }
        assert_eq!(first.await.unwrap().0, StatusCode::CREATED, "{name}");
        let replay = srv.send(Method::POST, "/api/v1/payments", Some(&token), Some(&body2), Some("pay-2")).await;
        assert_eq!(replay.status, StatusCode::CREATED, "{name}");

        // Many at once with one key: exactly one payment, every success the same answer.
        let mut tasks = Vec::new();
        for _ in 0..8 {
            tasks.push(tokio::spawn(post_in_background(&srv, &token, "pay-3", new_payment("P-1", "1.00"))));
        }
        let mut successes = Vec::new();
        for task in tasks {
            let (status, text) = task.await.unwrap();
            match status {
                StatusCode::CREATED => successes.push(serde_json::from_str::<serde_json::Value>(&text).unwrap()),
                StatusCode::CONFLICT => {}
                other => panic!("{name}: {other} {text}"),
            }
        }
        assert!(!successes.is_empty(), "{name}");
        assert!(successes.windows(2).all(|w| w[0] == w[1]), "{name}: {successes:?}");
        let page = srv
            .store
            .list_payments(
                &org,
                &settle_store::billing::PaymentFilter {
                    limit: 100,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(page.len(), 3, "{name}: three keys, three payments");
        assert!(srv.store.verify(&org).await.unwrap().discrepancies.is_empty(), "{name}");
    }
}
