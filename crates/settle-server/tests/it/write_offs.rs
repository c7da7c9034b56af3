//! Small balances written off in bulk, on every backend: listed across
//! accounts, chosen on the page, written off together or (any one refused)
//! not at all, the refusal naming its place and item; the API's batch
//! likewise, with write-offs above the approval limit held.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::json;
use settle_domain::access::Role;

use crate::pages::{browser, page, session, setup};
use crate::{new_account, new_invoice, new_payment, Server};

#[tokio::test]
async fn small_balances_are_written_off_together_or_not_at_all() {
    for srv in Server::each(Duration::from_secs(900)).await {
        let name = srv.name;
        let org = setup(&srv).await; // P-000001: INV-000001 for 400.00
        let admin = srv.token(&org, Role::Admin).await;
        assert_eq!(
            srv.post(&admin, "/api/v1/payments", new_payment("P-000001", "396.00")).await.status,
            StatusCode::CREATED
        );
        for (number, person, price) in [
            ("P-000002", "Ana Zamora", "3.00"),
            ("P-000003", "Bo Li", "50.00"),
            ("P-000004", "Cy Oduya", "150.00"),
        ] {
            assert_eq!(
                srv.post(&admin, "/api/v1/accounts", new_account(number, person)).await.status,
                StatusCode::CREATED
            );
            assert_eq!(
                srv.post(&admin, "/api/v1/invoices", new_invoice(number, price)).await.status,
                StatusCode::CREATED
            );
        }
        let balance = |number: &'static str| {
            let store = srv.store.clone();
            let org = org.clone();
            async move { store.account_detail(&org, number).await.unwrap().summary.balance }
        };

        let client = browser();
        let (sam, csrf) = session(&srv, &org, "sam", Role::BillingSpecialist).await;
        let (status, _, list) = page(&client, &srv, Method::GET, "/write-offs/small-balances", Some(&sam), &[]).await;
        assert_eq!(status, StatusCode::OK, "{name}");
        assert!(
            list.contains("INV-000001") && list.contains("INV-000002") && !list.contains("INV-000003"),
            "{name}: {list}"
        );
        assert!(list.contains("All 2 shown") && list.contains("$7.00"), "{name}");
        // A box whose balance changed since it was shown: refused, named, nothing written.
        let stale = [
            ("csrf", csrf.as_str()),
            ("under", "5.00"),
            ("item", "INV-000001|4.00"),
            ("item", "INV-000002|3.50"),
            ("reason", "small_balance_write_off"),
            ("memo", "month-end"),
            ("date", "2026-03-31"),
        ];
        let (status, _, body) = page(&client, &srv, Method::POST, "/write-offs/small-balances", Some(&sam), &stale).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {body}");
        assert!(
            body.contains("Item 2 (INV-000002)") && body.contains("nothing was written off"),
            "{name}: {body}"
        );
        assert!(
            body.contains("value=\"INV-000001|4.00\" data-amount=\"4.00\" checked"),
            "{name}: the choice comes back"
        );
        assert_eq!(
            (balance("P-000001").await, balance("P-000002").await),
            ("4.00".to_string(), "3.00".to_string()),
            "{name}"
        );
        // As shown: both go, in one step.
        let good = [
            ("csrf", csrf.as_str()),
            ("under", "5.00"),
            ("item", "INV-000001|4.00"),
            ("item", "INV-000002|3.00"),
            ("reason", "small_balance_write_off"),
            ("memo", "month-end"),
            ("date", "2026-03-31"),
        ];
        let (status, location, _) = page(&client, &srv, Method::POST, "/write-offs/small-balances", Some(&sam), &good).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{name}");
        let (_, _, after) = page(&client, &srv, Method::GET, &location, Some(&sam), &[]).await;
        assert!(after.contains("Wrote off 2 items ($7.00)."), "{name}: {after}");
        assert!(after.contains("No open item owes"), "{name}");
        assert_eq!(
            (balance("P-000001").await, balance("P-000002").await),
            ("0.00".to_string(), "0.00".to_string()),
            "{name}"
        );

        // The API's batch: a twice-chosen item and an empty list are refused;
        // a bad-debt write-off above the limit (100.00) is held, the other posts.
        let specialist = srv.token(&org, Role::BillingSpecialist).await;
        let adj = |reference: &str, amount: &str, reason: &str| json!({ "reference": reference, "reason": reason, "amount": amount, "date": "2026-03-31" });
        let twice = srv
            .post(
                &specialist,
                "/api/v1/adjustments/batch",
                json!({ "adjustments": [adj("INV-000003", "1.00", "correction"), adj("inv-000003", "1.00", "correction")] }),
            )
            .await;
        assert_eq!(twice.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {}", twice.body);
        assert!(twice.body["detail"].as_str().unwrap().contains("chosen twice"), "{name}");
        let empty = srv.post(&specialist, "/api/v1/adjustments/batch", json!({ "adjustments": [] })).await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        let mixed = srv
            .post(
                &specialist,
                "/api/v1/adjustments/batch",
                json!({ "adjustments": [adj("INV-000003", "50.00", "bad_debt_write_off"), adj("INV-000004", "150.00", "bad_debt_write_off")] }),
            )
            .await;
        assert_eq!(mixed.status, StatusCode::OK, "{name}: {}", mixed.body);
        assert_eq!(mixed.body[0]["outcome"], "posted", "{name}");
        assert_eq!(mixed.body[1]["outcome"], "held", "{name}");
        assert_eq!(
            (balance("P-000003").await, balance("P-000004").await),
            ("0.00".to_string(), "150.00".to_string()),
            "{name}"
        );
        let verified = srv.store.verify(&org).await.unwrap();
        assert!(verified.discrepancies.is_empty(), "{name}: {:?}", verified.discrepancies);
        // A collector cannot write off.
        let (cole, _) = session(&srv, &org, "cole", Role::CollectionsSpecialist).await;
        let (status, _, _) = page(&client, &srv, Method::GET, "/write-offs/small-balances", Some(&cole), &[]).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{name}");
    }
}
