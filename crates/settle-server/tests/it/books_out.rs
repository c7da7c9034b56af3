//! The books out over the API and the pages: an admin maps the chart, a
//! coordinator exports (a specialist and an auditor cannot), a second export
//! sends nothing, the file is written again in another format under the
//! same ids, the period closes and a payment dated in it is refused (422
//! naming `effective_date`); on the page the mapping, the export and its
//! download, and a close refused beside its box.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::json;
use settle_domain::access::Role;

use crate::pages::{browser, page, session, setup};
use crate::{new_account, new_invoice, new_payment, Server};

#[tokio::test]
async fn the_day_goes_to_the_general_ledger_once_over_the_api() {
    for srv in Server::each(Duration::from_secs(900)).await {
        let name = srv.name;
        let org = srv.store.create_organisation("clinic", "Riverside", "USD").await.unwrap();
        let admin = srv.token(&org, Role::Admin).await;
        let coordinator = srv.token(&org, Role::BillingCoordinator).await;
        let specialist = srv.token(&org, Role::BillingSpecialist).await;
        let auditor = srv.token(&org, Role::Auditor).await;
        assert_eq!(
            srv.post(&admin, "/api/v1/accounts", new_account("P-1", "Ana Ruiz")).await.status,
            StatusCode::CREATED
        );
        assert_eq!(
            srv.post(&admin, "/api/v1/invoices", new_invoice("P-1", "180.00")).await.status,
            StatusCode::CREATED
        );
        assert_eq!(
            srv.post(&admin, "/api/v1/payments", new_payment("P-1", "80.00")).await.status,
            StatusCode::CREATED
        );

        let export = json!({ "through": "2026-03-31", "format": "qbo-json" });
        let unmapped = srv.post(&coordinator, "/api/v1/books/exports", export.clone()).await;
        assert_eq!(unmapped.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {}", unmapped.body);
        assert!(unmapped.body.to_string().contains("mapping"), "{name}: {}", unmapped.body);

        let due = srv.get(&auditor, "/api/v1/books/due?through=2026-03-31").await;
        assert_eq!(due.status, StatusCode::OK, "{name}");
        let mut codes: Vec<String> = due
            .body
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|j| j["lines"].as_array().unwrap().iter().map(|l| l["gl_code"].as_str().unwrap().to_string()))
            .collect();
        codes.sort();
        codes.dedup();
        assert!(codes.contains(&"1000".to_string()) && codes.contains(&"4000".to_string()), "{name}: {codes:?}");
        for (n, code) in codes.iter().enumerate() {
            let body = json!({ "gl_code": code, "target_account": format!("Ledger {code}"), "target_id": format!("{}", 10 + n) });
            assert_eq!(
                srv.put(&coordinator, "/api/v1/books/mapping", body.clone()).await.status,
                StatusCode::FORBIDDEN,
                "{name}"
            );
            assert_eq!(srv.put(&admin, "/api/v1/books/mapping", body).await.status, StatusCode::OK, "{name}");
        }
        let bad = srv
            .put(&admin, "/api/v1/books/mapping", json!({ "gl_code": "9999", "target_account": "X" }))
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(bad.body.to_string().contains("gl_code"), "{name}: {}", bad.body);

        assert_eq!(
            srv.post(&specialist, "/api/v1/books/exports", export.clone()).await.status,
            StatusCode::FORBIDDEN,
            "{name}"
        );
        assert_eq!(
            srv.post(&auditor, "/api/v1/books/exports", export.clone()).await.status,
            StatusCode::FORBIDDEN,
            "{name}"
        );
        let made = srv.post(&coordinator, "/api/v1/books/exports", export.clone()).await;
        assert_eq!(made.status, StatusCode::CREATED, "{name}: {}", made.body);
        let sent: serde_json::Value = serde_json::from_str(made.body["content"].as_str().unwrap()).unwrap();
        let ids: Vec<&str> = sent.as_array().unwrap().iter().map(|j| j["DocNumber"].as_str().unwrap()).collect();
        assert_eq!(ids, ["ST-20260201-USD-1", "ST-20260301-USD-1"], "{name}");
        let again = srv.post(&coordinator, "/api/v1/books/exports", export).await;
        assert_eq!(again.status, StatusCode::OK, "{name}");
        assert!(again.body["export"].is_null(), "{name}: {}", again.body);
        let id = made.body["export"]["export_id"].as_i64().unwrap();
        let iif = srv.get(&auditor, &format!("/api/v1/books/exports/{id}/file?format=iif")).await;
        assert_eq!(iif.status, StatusCode::OK, "{name}");
        assert!(iif.body["content"].as_str().unwrap().contains("\tST-20260301-USD-1\t"), "{name}");
        assert_eq!(
            srv.get(&auditor, "/api/v1/books/exports/99/file?format=csv").await.status,
            StatusCode::NOT_FOUND,
            "{name}"
        );

        let close = json!({ "through": "2026-03-31", "note": "Q1" });
        assert_eq!(
            srv.post(&auditor, "/api/v1/books/close", close.clone()).await.status,
            StatusCode::FORBIDDEN,
            "{name}"
        );
        assert_eq!(srv.post(&coordinator, "/api/v1/books/close", close).await.status, StatusCode::CREATED, "{name}");
        let late = srv.post(&admin, "/api/v1/payments", new_payment("P-1", "10.00")).await;
        assert_eq!(late.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {}", late.body);
        assert!(
            late.body.to_string().contains("effective_date") && late.body.to_string().contains("closed through 2026-03-31"),
            "{name}: {}",
            late.body
        );
        let closes = srv.get(&auditor, "/api/v1/books/closes").await;
        assert_eq!(closes.body[0]["closed_through"], "2026-03-31", "{name}");
    }
}

#[tokio::test]
async fn the_books_page_maps_exports_downloads_and_closes() {
    for srv in Server::each(Duration::from_secs(900)).await {
        let name = srv.name;
        let org = setup(&srv).await;
        let client = browser();
        let (admin, admin_csrf) = session(&srv, &org, "books-admin", Role::Admin).await;
        let (coordinator, csrf) = session(&srv, &org, "books-coordinator", Role::BillingCoordinator).await;
        let (status, _, body) = page(&client, &srv, Method::GET, "/books?through=2026-02-28", Some(&coordinator), &[]).await;
        assert_eq!(status, StatusCode::OK, "{name}");
        assert!(body.contains("ST-20260201-USD-1") && body.contains("not mapped"), "{name}");
        assert!(!body.contains("Save the mapping"), "{name}: a coordinator reads the mapping");

        // Unmapped: the export is refused and says which accounts.
        let (status, _, body) = page(
            &client,
            &srv,
            Method::POST,
            "/books/exports",
            Some(&coordinator),
            &[("csrf", &csrf), ("through", "2026-02-28"), ("format", "iif")],
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(body.contains("must be mapped"), "{name}");

        let mut form: Vec<(String, String)> = vec![("csrf".into(), admin_csrf.clone())];
        for code in ["1000", "1100", "1110", "1120", "4000"] {
            form.push((format!("account_{code}"), format!("GL {code}")));
        }
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let (status, location, _) = page(&client, &srv, Method::POST, "/books/mapping", Some(&admin), &form).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{name}: {location}");
        assert!(location.contains("5+account"), "{name}: {location}");

        let (status, location, _) = page(
            &client,
            &srv,
            Method::POST,
            "/books/exports",
            Some(&coordinator),
            &[("csrf", &csrf), ("through", "2026-02-28"), ("format", "iif")],
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{name}: {location}");
        let (status, _, file) = page(&client, &srv, Method::GET, "/books/exports/1/file?format=xero-csv", Some(&coordinator), &[]).await;
        assert_eq!(status, StatusCode::OK, "{name}");
        assert!(file.starts_with("*Narration,*Date") && file.contains("ST-20260201-USD-1"), "{name}: {file}");

        // A close backwards of nothing: a bad date is refused beside its box.
        let (status, _, body) = page(
            &client,
            &srv,
            Method::POST,
            "/books/close",
            Some(&coordinator),
            &[("csrf", &csrf), ("through", "soon"), ("note", "")],
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(body.contains("close-through-error"), "{name}");
        let (status, location, _) = page(
            &client,
            &srv,
            Method::POST,
            "/books/close",
            Some(&coordinator),
            &[("csrf", &csrf), ("through", "2026-02-28"), ("note", "February")],
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{name}: {location}");
        let (_, _, body) = page(&client, &srv, Method::GET, "/books", Some(&coordinator), &[]).await;
        assert!(body.contains("closed through <strong>2026-02-28</strong>"), "{name}");
    }
}
