//! CSV imports from the pages and the API, on every backend: the file to
//! fill in comes with a row that imports as it is; a file with problems is
//! refused whole, every problem by line and column beside the form (or in
//! the API's 422), and nothing is written; the same file twice is refused;
//! each kind needs its own right.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::json;
use settle_domain::access::Role;

use crate::pages::{browser, page, session};
use crate::Server;

#[tokio::test]
async fn files_are_imported_whole_or_refused_whole_from_the_pages_and_the_api() {
    for srv in Server::each(Duration::from_secs(900)).await {
        let name = srv.name;
        let org = srv.store.create_organisation("clinic", "Lakeside Clinic", "USD").await.unwrap();
        let client = browser();
        let (sam, csrf) = session(&srv, &org, "sam", Role::BillingSpecialist).await;
        let (cole, cole_csrf) = session(&srv, &org, "cole", Role::CollectionsSpecialist).await;

        // Each kind's file to fill in imports as it is, in order.
        for kind in ["accounts", "invoices", "payments"] {
            let (status, _, template) = page(&client, &srv, Method::GET, &format!("/import/template?kind={kind}"), Some(&sam), &[]).await;
            assert_eq!(status, StatusCode::OK, "{name}: {kind}");
            let (status, location, _) = page(
                &client,
                &srv,
                Method::POST,
                "/import",
                Some(&sam),
                &[("csrf", &csrf), ("kind", kind), ("file_name", &format!("{kind}.csv")), ("body", &template)],
            )
            .await;
            assert_eq!(status, StatusCode::SEE_OTHER, "{name}: {kind}: {template}");
            let (_, _, done) = page(&client, &srv, Method::GET, &location, Some(&sam), &[]).await;
            assert!(done.contains(&format!("Imported 1 {kind} from {kind}.csv")), "{name}: {done}");
        }
        let account = srv.store.account_detail(&org, "P-000101").await.unwrap();
        assert_eq!(
            (account.summary.name.as_str(), account.summary.balance.as_str()),
            ("María García", "0.00"),
            "{name}"
        );

        // Problems on two lines: both named, nothing written.
        let bad = "account_number,amount,method,received_on\nP-000101,12.5x,check,2026-11-20\nP-404,10.00,bitcoin,2026-11-20\n";
        let (status, _, refused) = page(
            &client,
            &srv,
            Method::POST,
            "/import",
            Some(&sam),
            &[("csrf", &csrf), ("kind", "payments"), ("body", bad)],
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        for words in [
            "Line 2, column amount",
            "Line 3, column method",
            "Line 3, column account_number",
            "nothing was imported",
        ] {
            assert!(refused.contains(words), "{name}: {words} not in {refused}");
        }
        assert!(refused.contains("P-404,10.00,bitcoin"), "{name}: the pasted text comes back to fix");
        // The same file again is refused; a collector imports no accounts.
        let (_, _, template) = page(&client, &srv, Method::GET, "/import/template?kind=payments", Some(&sam), &[]).await;
        let (status, _, again) = page(
            &client,
            &srv,
            Method::POST,
            "/import",
            Some(&sam),
            &[("csrf", &csrf), ("kind", "payments"), ("body", &template)],
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(again.contains("imported before"), "{name}: {again}");
        let (status, _, _) = page(
            &client,
            &srv,
            Method::POST,
            "/import",
            Some(&cole),
            &[("csrf", &cole_csrf), ("kind", "accounts"), ("body", "x")],
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{name}");
        let (_, _, cole_page) = page(&client, &srv, Method::GET, "/import", Some(&cole), &[]).await;
        assert!(!cole_page.contains("href=\"/import?kind=accounts\""), "{name}: only the kinds one may import");

        // The API alike: 201 with what was done, 422 listing every problem.
        let token = srv.token(&org, Role::BillingSpecialist).await;
        let ok = srv
            .post(&token, "/api/v1/imports/invoices", json!({ "csv": "account_number,issue_date,item_code,description,quantity,unit_price\nP-000101,2026-11-03,LAB,Lab work,2,40.00\n", "file_name": "lab.csv" }))
            .await;
        assert_eq!((ok.status, ok.body["invoices"].as_u64()), (StatusCode::CREATED, Some(1)), "{name}: {}", ok.body);
        let refused = srv
            .post(
                &token,
                "/api/v1/imports/invoices",
                json!({ "csv": "account_number,issue_date,item_code,description,quantity,unit_price\nP-000101,2026-13-03,LAB,,0,40.00\n" }),
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {}", refused.body);
        let columns: Vec<&str> = refused.body["problems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["column"].as_str().unwrap())
            .collect();
        assert_eq!(columns, ["issue_date", "quantity", "description"], "{name}: {}", refused.body);
        let collector = srv.token(&org, Role::CollectionsSpecialist).await;
        let forbidden = srv
            .post(&collector, "/api/v1/imports/accounts", json!({ "csv": "account_number,kind\n" }))
            .await;
        assert_eq!(forbidden.status, StatusCode::FORBIDDEN, "{name}");
        let invoices = srv.get(&token, "/api/v1/invoices?account_number=P-000101").await;
        assert_eq!(invoices.body["items"].as_array().map(Vec::len), Some(2), "{name}: {}", invoices.body);
    }
}
