//! Refunds by billing specialists within a limit, on every backend: paid at
//! once up to the organisation's refund limit, held above it for a
//! coordinator (never the one who asked), paid on approval only if the
//! credit is still there; from the API and the pages alike, and `verify`
//! holds after.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::json;
use settle_domain::access::Role;

use crate::pages::{browser, page, session, setup};
use crate::{new_payment, Server};

fn refund(amount: &str) -> serde_json::Value {
    json!({ "account_number": "P-000001", "amount": amount, "method": "check", "reference": "4410", "date": "2026-03-02" })
}

#[tokio::test]
async fn a_specialist_refunds_within_the_limit_and_a_coordinator_approves_above_it() {
    for srv in Server::each(Duration::from_secs(900)).await {
        let name = srv.name;
        let org = setup(&srv).await;
        let coordinator = srv.token(&org, Role::BillingCoordinator).await;
        let specialist = srv.token(&org, Role::BillingSpecialist).await;
        // 700.00 received on a 400.00 invoice: 300.00 of credit.
        assert_eq!(
            srv.post(&coordinator, "/api/v1/payments", new_payment("P-000001", "700.00")).await.status,
            StatusCode::CREATED
        );
        let credit = |srv: &Server| {
            let store = srv.store.clone();
            let org = org.clone();
            async move { store.account_detail(&org, "P-000001").await.unwrap().summary.credit }
        };

        // Up to the limit (100.00 by default): paid at once.
        let paid = srv.post(&specialist, "/api/v1/refunds", refund("60.00")).await;
        assert_eq!(paid.status, StatusCode::CREATED, "{name}: {}", paid.body);
        assert_eq!(paid.body["outcome"], "issued", "{name}");
        assert_eq!(credit(&srv).await, "240.00", "{name}");
        // Above it: held, nothing paid.
        let held = srv.post(&specialist, "/api/v1/refunds", refund("150.00")).await;
        assert_eq!(held.status, StatusCode::ACCEPTED, "{name}: {}", held.body);
        assert_eq!(
            (held.body["outcome"].as_str(), held.body["kind"].as_str()),
            (Some("held"), Some("refund")),
            "{name}"
        );
        assert_eq!(credit(&srv).await, "240.00", "{name}: nothing paid while it waits");
        let id = held.body["approval_id"].as_i64().unwrap();
        // More than the credit is refused outright, never queued.
        let too_much = srv.post(&specialist, "/api/v1/refunds", refund("240.01")).await;
        assert_eq!(too_much.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {}", too_much.body);
        assert_eq!(srv.store.approvals(&org, Some("pending"), 10).await.unwrap().len(), 1, "{name}");
        // The specialist cannot decide it; a coordinator pays it.
        assert_eq!(
            srv.post(&specialist, &format!("/api/v1/approvals/{id}/approve"), json!({})).await.status,
            StatusCode::FORBIDDEN,
            "{name}"
        );
        let approved = srv
            .post(
                &coordinator,
                &format!("/api/v1/approvals/{id}/approve"),
                json!({ "note": "patient called twice" }),
            )
            .await;
        assert_eq!(approved.status, StatusCode::OK, "{name}: {}", approved.body);
        assert!(approved.body["refund_id"].as_i64().is_some(), "{name}: {}", approved.body);
        assert_eq!(credit(&srv).await, "90.00", "{name}: paid on approval");
        // A coordinator refunds any amount the credit allows, at once.
        let direct = srv.post(&coordinator, "/api/v1/refunds", refund("40.00")).await;
        assert_eq!(direct.status, StatusCode::CREATED, "{name}");

        // The organisation holds every specialist refund (limit 0).
        let admin = srv.token(&org, Role::Admin).await;
        let settings = srv.get(&admin, "/api/v1/settings").await.body;
        let mut update = json!({
            "default_terms": settings["default_terms"],
            "aging_buckets": settings["aging_buckets"],
            "writeoff_approval_limit": settings["writeoff_approval_limit"],
            "refund_approval_limit": "-1",
        });
        let refused = srv.post(&admin, "/api/v1/settings", update.clone()).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {}", refused.body);
        update["refund_approval_limit"] = json!("0");
        assert_eq!(srv.post(&admin, "/api/v1/settings", update).await.status, StatusCode::OK, "{name}");
        assert_eq!(srv.get(&admin, "/api/v1/settings").await.body["refund_approval_limit"], "0.00", "{name}");

        // From the page: the specialist is told it waits.
        let client = browser();
        let (sam, csrf) = session(&srv, &org, "sam", Role::BillingSpecialist).await;
        let (status, _, form) = page(&client, &srv, Method::GET, "/accounts/P-000001/refunds/new", Some(&sam), &[]).await;
        assert_eq!(status, StatusCode::OK, "{name}: a specialist has the refund form now");
        assert!(form.contains("above it the refund waits") || form.contains("Refund credit"), "{name}");
        let (status, location, _) = page(
            &client,
            &srv,
            Method::POST,
            "/accounts/P-000001/refunds/new",
            Some(&sam),
            &[
                ("csrf", &csrf),
                ("amount", "20.00"),
                ("method", "check"),
                ("reference", "4411"),
                ("date", "2026-03-03"),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{name}");
        let (_, _, account) = page(&client, &srv, Method::GET, &location, Some(&sam), &[]).await;
        assert!(account.contains("above your refund limit: it waits for a coordinator"), "{name}: {account}");
        assert!(account.contains("refund of $20.00"), "{name}: the account flags it");
        assert_eq!(credit(&srv).await, "50.00", "{name}");
        let pending = srv.store.approvals(&org, Some("pending"), 10).await.unwrap();
        assert_eq!(pending.len(), 1, "{name}");
        // Meanwhile the coordinator pays the whole credit back: the held
        // refund can no longer be paid, and approving it says why.
        assert_eq!(srv.post(&coordinator, "/api/v1/refunds", refund("50.00")).await.status, StatusCode::CREATED);
        let (cora, cora_csrf) = session(&srv, &org, "cora", Role::BillingCoordinator).await;
        let (_, _, queue) = page(&client, &srv, Method::GET, "/approvals", Some(&cora), &[]).await;
        assert!(queue.contains("Refund of credit") && queue.contains("$20.00"), "{name}");
        let (_, _, sorted) = page(&client, &srv, Method::GET, "/approvals?sort=amount&dir=desc", Some(&cora), &[]).await;
        assert!(
            sorted.contains("1-1 of 1") && sorted.contains("aria-sort=\"descending\""),
            "{name}: the queue sorts"
        );
        let path = format!("/approvals/{}/approve", pending[0].approval_id);
        let (status, _, body) = page(&client, &srv, Method::POST, &path, Some(&cora), &[("csrf", &cora_csrf)]).await;
        assert_ne!(status, StatusCode::OK, "{name}: {body}");
        assert!(body.contains("has changed since this was asked for"), "{name}: {body}");
        assert_eq!(credit(&srv).await, "0.00", "{name}: nothing paid twice");
        let verified = srv.store.verify(&org).await.unwrap();
        assert!(verified.discrepancies.is_empty(), "{name}: {:?}", verified.discrepancies);
    }
}
