//! Bad input gets a 4xx problem naming the field, and changes nothing.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};
use settle_domain::access::Role;

use crate::{new_account, new_invoice, new_payment, Server};

#[tokio::test]
async fn bad_requests_are_problems_that_change_nothing() {
    for srv in Server::each(Duration::from_secs(900)).await {
        let name = srv.name;
        let org = srv.store.create_organisation("clinic", "Clinic", "USD").await.unwrap();
        let other = srv.store.create_organisation("other", "Other", "USD").await.unwrap();
        let token = srv.token(&org, Role::BillingCoordinator).await;
        let their_token = srv.token(&other, Role::BillingCoordinator).await;
        srv.post(&token, "/api/v1/accounts", new_account("P-1", "Ada")).await;
        srv.post(&token, "/api/v1/invoices", new_invoice("P-1", "100.00")).await;
        srv.post(&their_token, "/api/v1/accounts", new_account("Q-1", "Theirs")).await;
        let entries = srv.entry_count(&org).await;
        let audit_before = srv.store.audit_page(&org, 0, 100_000).await.unwrap().len();

        let with = |field: &str, value: Value| {
            let mut body = new_payment("P-1", "10.00");
            body[field] = value;
            body
        };
        let cases: Vec<(&str, Value, StatusCode, Option<&str>)> = vec![
            ("wrong type", with("amount", json!(10)), StatusCode::UNPROCESSABLE_ENTITY, Some("amount")),
            (
                "unknown field",
                with("surprise", json!(true)),
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("surprise"),
            ),
            (
                "negative amount",
                with("amount", json!("-5.00")),
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("amount"),
            ),
            ("zero amount", with("amount", json!("0")), StatusCode::UNPROCESSABLE_ENTITY, Some("amount")),
            (
                "over-precise amount",
                with("amount", json!("10.001")),
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("amount"),
            ),
            ("not a number", with("amount", json!("ten")), StatusCode::UNPROCESSABLE_ENTITY, Some("amount")),
            (
                "i64::MAX minor units",
                with("amount", json!("92233720368547758.07")),
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("amount"),
            ),
            (
                "the maximum plus one cent",
                with("amount", json!("100000000000.00")),
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("amount"),
            ),
            ("a plus sign", with("amount", json!("+5.00")), StatusCode::UNPROCESSABLE_ENTITY, Some("amount")),
            (
                "a leading space",
                with("amount", json!(" 5.00")),
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("amount"),
            ),
            ("a bare point", with("amount", json!("5.")), StatusCode::UNPROCESSABLE_ENTITY, Some("amount")),
            ("no whole part", with("amount", json!(".5")), StatusCode::UNPROCESSABLE_ENTITY, Some("amount")),
            (
                "leading zeros",
                with("amount", json!("00005.00")),
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("amount"),
            ),
            (
                "bad date",
                with("received_on", json!("2026-02-30")),
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("received_on"),
            ),
            ("bad method", with("method", json!("bitcoin")), StatusCode::UNPROCESSABLE_ENTITY, Some("method")),
            (
                "over-long reference",
                with("reference", json!("x".repeat(5000))),
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("reference"),
            ),
            ("unknown account", with("account_number", json!("P-404")), StatusCode::NOT_FOUND, None),
            (
                "another organisation's account",
                with("account_number", json!("Q-1")),
                StatusCode::NOT_FOUND,
                None,
            ),
            (
                "unknown item",
                with("apply_to", json!([{ "reference": "INV-999999" }])),
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("apply_to"),
            ),
            ("missing field", json!({ "account_number": "P-1" }), StatusCode::UNPROCESSABLE_ENTITY, None),
        ];
        for (what, body, status, field) in cases {
            let answer = srv.post(&token, "/api/v1/payments", body).await;
            assert_eq!(answer.status, status, "{name}: {what}: {}", answer.body);
            if let Some(field) = field {
                assert_eq!(answer.body["field"], field, "{name}: {what}: {}", answer.body);
            }
            assert!(!answer.body["detail"].as_str().unwrap().is_empty(), "{name}: {what}");
        }

        // Malformed JSON, wrong content type, a body over the limit.
        let raw = |body: &'static str, content_type: &'static str| {
            srv.client
                .post(format!("{}/api/v1/payments", srv.base))
                .bearer_auth(&token)
                .header("content-type", content_type)
                .body(body)
        };
        let answer = raw("{\"account_number\": ", "application/json").send().await.unwrap();
        assert_eq!(answer.status(), StatusCode::BAD_REQUEST, "{name}");
        let answer = raw("account_number=P-1", "application/x-www-form-urlencoded").send().await.unwrap();
        assert_eq!(answer.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE, "{name}");
        let huge = format!("{{\"memo\": \"{}\"}}", "x".repeat(2 << 20));
        let answer = srv
            .client
            .post(format!("{}/api/v1/invoices", srv.base))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(huge)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), StatusCode::PAYLOAD_TOO_LARGE, "{name}");
        assert_eq!(answer.headers()["content-type"], "application/problem+json", "{name}");

        // An invoice line at fault is named by its path.
        let mut invoice = new_invoice("P-1", "100.00");
        invoice["lines"][0]["quantity"] = json!(2);
        let answer = srv.post(&token, "/api/v1/invoices", invoice).await;
        assert_eq!(answer.body["field"], "lines[0].quantity", "{name}: {}", answer.body);

        // Bad queries and paths.
        assert_eq!(srv.get(&token, "/api/v1/accounts?limit=0").await.body["field"], "limit", "{name}");
        assert_eq!(
            srv.get(&token, "/api/v1/invoices?issued_from=yesterday").await.body["field"],
            "issued_from",
            "{name}"
        );
        assert_eq!(srv.get(&token, "/api/v1/invoices?cursor=abc").await.body["field"], "cursor", "{name}");
        assert_eq!(srv.get(&token, "/api/v1/accounts?colour=red").await.status, StatusCode::BAD_REQUEST, "{name}");
        assert_eq!(srv.get(&token, "/api/v1/payments/not-a-number").await.status, StatusCode::BAD_REQUEST, "{name}");
        assert_eq!(srv.get(&token, "/api/v1/nowhere").await.status, StatusCode::NOT_FOUND, "{name}");
        assert_eq!(srv.get(&token, "/api/v1/reports/aging?buckets=banana").await.body["field"], "buckets", "{name}");

        assert_eq!(srv.entry_count(&org).await, entries, "{name}: a refused request wrote to the journal");
        let audit_after = srv.store.audit_page(&org, 0, 100_000).await.unwrap();
        assert!(
            audit_after[audit_before..]
                .iter()
                .all(|r| !r.action.contains("post") && !r.action.contains("create")),
            "{name}: a refused request wrote an audit row of a write"
        );
    }
}

#[tokio::test]
async fn addresses_go_in_by_their_fields_or_a_line_and_a_bad_one_names_its_piece() {
    for srv in Server::each(Duration::from_secs(900)).await {
        let name = srv.name;
        let org = srv.store.create_organisation("clinic", "Clinic", "USD").await.unwrap();
        let token = srv.token(&org, Role::BillingCoordinator).await;
        let account = |number: &str, address: Value| {
            json!({ "account_number": number, "ar_kind": "patient", "opened_on": "2026-01-01",
                    "party": { "kind": "person", "name": "Kai Akana", "address": address } })
        };
        let fields = json!({ "line1": "1 Kalakaua Ave", "line2": "Apt 4", "city": "Honolulu", "state": "Hawaii", "postal_code": "96815" });
        let made = srv.post(&token, "/api/v1/accounts", account("P-1", fields)).await;
        assert_eq!(made.status, StatusCode::CREATED, "{name}: {}", made.body);
        let shown = srv.get(&token, "/api/v1/accounts/P-1").await;
        let address = shown.body["contacts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["kind"] == "address")
            .cloned()
            .unwrap();
        assert_eq!(address["value"], "1 Kalakaua Ave, Apt 4, Honolulu, HI 96815", "{name}");
        assert_eq!(address["postal"]["lines"], json!(["1 Kalakaua Ave", "Apt 4", "Honolulu, HI 96815"]), "{name}");
        let line = srv
            .post(&token, "/api/v1/accounts", account("P-2", json!("1 Kalakaua Ave, Apt 4, Honolulu, HI 96815")))
            .await;
        assert_eq!(line.status, StatusCode::CREATED, "{name}: {}", line.body);

        for (why, address, piece) in [
            ("no ZIP", json!("1 Kalakaua Ave, Honolulu, HI"), "postal_code"),
            ("no street", json!("Honolulu, HI 96815"), "line1"),
            (
                "no state",
                json!({ "line1": "1 Kalakaua Ave", "city": "Honolulu", "postal_code": "96815" }),
                "state",
            ),
            ("a bad country", json!({ "line1": "1 A St", "city": "Paris", "country": "France" }), "country"),
        ] {
            let refused = srv.post(&token, "/api/v1/accounts", account("P-3", address)).await;
            assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {why}: {}", refused.body);
            assert_eq!(refused.body["field"], "party.address", "{name}: {why}");
            assert!(refused.body["detail"].as_str().unwrap().starts_with(piece), "{name}: {why}: {}", refused.body);
            assert_eq!(srv.get(&token, "/api/v1/accounts/P-3").await.status, StatusCode::NOT_FOUND, "{name}: {why}");
        }
        let changed = srv
            .post(
                &token,
                "/api/v1/accounts/P-2/contacts",
                json!({ "kind": "address", "value": { "line1": "9 Pali Hwy", "city": "Honolulu", "state": "HI", "postal_code": "96813" } }),
            )
            .await;
        assert_eq!(changed.status, StatusCode::OK, "{name}: {}", changed.body);
        let unread = srv.get(&token, "/api/v1/addresses/unread").await;
        assert_eq!((unread.status, unread.body.clone()), (StatusCode::OK, json!([])), "{name}");
    }
}

#[tokio::test]
async fn names_go_in_by_their_parts_or_a_line_and_a_bad_one_names_its_field() {
    for srv in Server::each(Duration::from_secs(900)).await {
        let name = srv.name;
        let org = srv.store.create_organisation("clinic", "Clinic", "USD").await.unwrap();
        let token = srv.token(&org, Role::BillingCoordinator).await;
        let account = |number: &str, party: Value| json!({ "account_number": number, "ar_kind": "patient", "opened_on": "2026-01-01", "party": party });
        let made = srv
            .post(
                &token,
                "/api/v1/accounts",
                account(
                    "P-1",
                    json!({ "kind": "person", "name_parts": { "last": "Smith Jones", "first": "John", "suffix": "III" } }),
                ),
            )
            .await;
        assert_eq!(made.status, StatusCode::CREATED, "{name}: {}", made.body);
        let shown = srv.get(&token, "/api/v1/accounts/P-1").await;
        assert_eq!(shown.body["summary"]["name"], "John Smith Jones III", "{name}");
        assert_eq!(shown.body["name_parts"]["last"], "Smith Jones", "{name}");
        for (why, party, field) in [
            (
                "both",
                json!({ "kind": "person", "name": "John Smith", "name_parts": { "last": "Smith" } }),
                "party.name",
            ),
            (
                "a company's parts",
                json!({ "kind": "company", "name_parts": { "last": "Acme" } }),
                "party.name_parts",
            ),
            (
                "no last name",
                json!({ "kind": "person", "name_parts": { "last": " ", "first": "John" } }),
                "party.name_parts",
            ),
        ] {
            let refused = srv.post(&token, "/api/v1/accounts", account("P-2", party)).await;
            assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {why}: {}", refused.body);
            assert_eq!(refused.body["field"], field, "{name}: {why}: {}", refused.body);
            assert_eq!(srv.get(&token, "/api/v1/accounts/P-2").await.status, StatusCode::NOT_FOUND, "{name}: {why}");
        }
        let set = srv
            .put(
                &token,
                "/api/v1/accounts/P-1/name",
                json!({ "parts": { "last": "Jones", "first": "John", "middle": "Smith" } }),
            )
            .await;
        assert_eq!(set.status, StatusCode::OK, "{name}: {}", set.body);
        assert_eq!(set.body["name"], "John Smith Jones", "{name}");
        let unread = srv.get(&token, "/api/v1/names/unread").await;
        assert_eq!((unread.status, unread.body.clone()), (StatusCode::OK, json!([])), "{name}");
    }
}
