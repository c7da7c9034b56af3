//! The list component on the invoices list, on every backend: tabs by
//! status (the dashboard's draft tile leads there), sorting by any column
//! both ways, pages of 50 with the number that match, the totals of the
//! page and of everything that matches, the same list as CSV, and refusals
//! in words.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::json;
use settle_domain::access::Role;

use crate::pages::{browser, page, session, setup};
use crate::{new_account, new_invoice, Server};

#[tokio::test]
async fn the_invoice_list_sorts_pages_totals_and_exports() {
    for srv in Server::each(Duration::from_secs(900)).await {
        let name = srv.name;
        let org = setup(&srv).await; // P-000001 with one 400.00 invoice
        let admin = srv.token(&org, Role::Admin).await;
        assert_eq!(
            srv.post(&admin, "/api/v1/accounts", new_account("P-000002", "Ana Zamora")).await.status,
            StatusCode::CREATED
        );
        for i in 1..=60 {
            let price = format!("{}.00", 10 + i);
            let answer = srv.post(&admin, "/api/v1/invoices", new_invoice("P-000002", &price)).await;
            assert_eq!(answer.status, StatusCode::CREATED, "{name}: {}", answer.body);
        }
        let mut draft = new_invoice("P-000001", "999.00");
        draft["draft"] = json!(true);
        assert_eq!(srv.post(&admin, "/api/v1/invoices", draft).await.status, StatusCode::CREATED);

        let client = browser();
        let (sam, _) = session(&srv, &org, "sam", Role::BillingSpecialist).await;
        let (_, _, dashboard) = page(&client, &srv, Method::GET, "/", Some(&sam), &[]).await;
        assert!(dashboard.contains("href=\"/invoices?status=draft\""), "{name}: the draft tile is a link");
        let (status, _, drafts) = page(&client, &srv, Method::GET, "/invoices?status=draft", Some(&sam), &[]).await;
        assert_eq!(status, StatusCode::OK, "{name}");
        assert!(
            drafts.contains("1-1 of 1") && drafts.contains("$999.00") && !drafts.contains("$400.00"),
            "{name}: {drafts}"
        );

        // All 62, newest first: two pages, the first of 50.
        let (_, _, all) = page(&client, &srv, Method::GET, "/invoices", Some(&sam), &[]).await;
        assert!(all.contains("1-50 of 62") && all.contains("page 1 of 2"), "{name}");
        assert!(all.contains("aria-sort=\"descending\""), "{name}: the number column says how it is sorted");
        // The totals of everything that matches: 400 + 999 + (11..=70) = 1399 + 2430.
        assert!(all.contains("All 62 that match") && all.contains("$3,829.00"), "{name}: {all}");
        let next = all
            .split("rel=\"next\"")
            .next()
            .unwrap()
            .rsplit("href=\"")
            .next()
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .replace("&amp;", "&")
            .replace("&#38;", "&");
        let (_, _, second) = page(&client, &srv, Method::GET, &format!("/invoices{next}"), Some(&sam), &[]).await;
        assert!(second.contains("51-62 of 62") && second.contains("rel=\"prev\""), "{name}: {next}");

        // Sorted by total, largest first; then smallest first.
        let (_, _, by_total) = page(&client, &srv, Method::GET, "/invoices?sort=total&dir=desc", Some(&sam), &[]).await;
        let first_row = by_total.split("<tbody>").nth(1).unwrap().split("</tr>").next().unwrap().to_string();
        assert!(first_row.contains("$999.00"), "{name}: {first_row}");
        let (_, _, by_total) = page(&client, &srv, Method::GET, "/invoices?sort=total&dir=asc&q=zamora", Some(&sam), &[]).await;
        let first_row = by_total.split("<tbody>").nth(1).unwrap().split("</tr>").next().unwrap().to_string();
        assert!(first_row.contains("$11.00"), "{name}: {first_row}");
        assert!(by_total.contains("1-50 of 60"), "{name}: the search filters, and the sort keeps it");
        assert!(
            by_total.replace("&#38;", "&").contains("q=zamora&sort=balance"),
            "{name}: header links keep the filter"
        );

        // The same list as CSV: every match, in its order.
        let response = client
            .get(format!("{}/invoices?q=zamora&sort=total&dir=desc&format=csv", srv.base))
            .header("cookie", &sam)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let csv = response.text().await.unwrap();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 61, "{name}: a header and 60 invoices");
        assert!(lines[1].ends_with(",USD,70.00,70.00"), "{name}: {}", lines[1]);

        // Refusals say what was wrong; a made-up sort falls back.
        let (status, _, body) = page(&client, &srv, Method::GET, "/invoices?status=lost", Some(&sam), &[]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{name}");
        assert!(body.contains("not an invoice status"), "{name}");
        let (status, _, body) = page(&client, &srv, Method::GET, "/invoices?from=2026-02-30", Some(&sam), &[]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{name}");
        assert!(body.contains("is not a date"), "{name}");
        let (status, _, _) = page(&client, &srv, Method::GET, "/invoices?sort=1;drop&page=-3", Some(&sam), &[]).await;
        assert_eq!(status, StatusCode::OK, "{name}");
    }
}

#[tokio::test]
async fn a_fee_schedule_is_loaded_from_the_page_whole_or_refused_by_line() {
    for srv in Server::each(Duration::from_secs(900)).await {
        let name = srv.name;
        let org = setup(&srv).await;
        let client = browser();
        let (cora, csrf) = session(&srv, &org, "cora", Role::BillingCoordinator).await;
        let (status, _, empty) = page(&client, &srv, Method::GET, "/claims/fees", Some(&cora), &[]).await;
        assert_eq!(status, StatusCode::OK, "{name}");
        assert!(empty.contains("No price yet."), "{name}");
        let post = |body: &'static str| {
            let (client, srv, cora, csrf) = (&client, &srv, &cora, &csrf);
            async move {
                page(
                    client,
                    srv,
                    Method::POST,
                    "/claims/fees",
                    Some(cora.as_str()),
                    &[
                        ("csrf", csrf.as_str()),
                        ("schedule", "charge-master"),
                        ("body", body),
                        ("file_name", "prices.csv"),
                    ],
                )
                .await
            }
        };
        let (status, _, body) = post("procedure_code,ammount,effective_from\n99213,95.00,2026-01-01\n").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(
            body.contains("Line 1, column ammount") && body.contains("did you mean amount?"),
            "{name}: {body}"
        );
        let (status, _, body) =
            post("procedure_code,modifier,amount,effective_from\n99213,,95.00,2026-01-01\n99213,,97.00,2026-01-01\n99214,,-1,2026-01-01\n").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(
            body.contains("Line 3, column procedure_code") && body.contains("already priced on line 2"),
            "{name}: {body}"
        );
        assert!(body.contains("Line 4, column amount"), "{name}: every problem at once");
        assert!(body.contains("99213,,97.00"), "{name}: the text comes back to be fixed");
        assert!(
            srv.store.fee_schedule(&org, "charge-master").await.unwrap().is_empty(),
            "{name}: nothing loaded"
        );
        let (status, location, _) = post("procedure_code,modifier,amount,effective_from\n99213,,95.00,2026-01-01\n99214,25,140.00,2026-01-01\n").await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{name}");
        let (_, _, loaded) = page(&client, &srv, Method::GET, &location, Some(&cora), &[]).await;
        assert!(
            loaded.contains("Loaded 2 prices into the charge master from prices.csv.") && loaded.contains("$140.00"),
            "{name}: {loaded}"
        );
        let (status, _, _) = page(&client, &srv, Method::GET, "/claims/fees?schedule=NOPE", Some(&cora), &[]).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{name}");
        let (sam, sam_csrf) = session(&srv, &org, "sam", Role::BillingSpecialist).await;
        let (status, _, _) = page(&client, &srv, Method::GET, "/claims/fees", Some(&sam), &[]).await;
        assert_eq!(status, StatusCode::OK, "{name}: a biller reads the prices");
        let (status, _, _) = page(&client, &srv, Method::POST, "/claims/fees", Some(&sam), &[("csrf", &sam_csrf), ("body", "x")]).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{name}: but only a coordinator loads them");
    }
}
