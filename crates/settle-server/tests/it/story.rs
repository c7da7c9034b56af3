//! A billing day over the API: everything the CLI can do, by a token with
//! the right role; the books verify and the audit trail proves it.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;
use settle_domain::access::Role;

use crate::{new_account, new_invoice, new_payment, Server};

#[tokio::test]
async fn a_billing_day_over_the_api() {
    for srv in Server::each(Duration::from_secs(900)).await {
        let name = srv.name;
        let org = srv.store.create_organisation("clinic", "Clinic", "USD").await.unwrap();
        let other = srv.store.create_organisation("other", "Other Practice", "USD").await.unwrap();
        let coord = srv.token(&org, Role::BillingCoordinator).await;
        let outsider = srv.token(&other, Role::Admin).await;

        let created = srv.post(&coord, "/api/v1/accounts", new_account("P-1", "Ada Lovelace")).await;
        assert_eq!(created.status, StatusCode::CREATED, "{name}: {}", created.body);
        let inv = srv.post(&coord, "/api/v1/invoices", new_invoice("P-1", "150.00")).await;
        assert_eq!(inv.status, StatusCode::CREATED, "{name}: {}", inv.body);
        assert!(inv.body["invoice_number"].as_str().unwrap().starts_with("INV-"), "{name}");
        assert_eq!(inv.body["total"], "150.00");
        let inv2 = srv.post(&coord, "/api/v1/invoices", new_invoice("P-1", "40.00")).await.body["invoice_number"]
            .as_str()
            .unwrap()
            .to_string();
        let mut draft = new_invoice("P-1", "25.00");
        draft["draft"] = json!(true);
        let draft = srv.post(&coord, "/api/v1/invoices", draft).await;
        assert_eq!(draft.body["status"], "draft", "{name}");
        let draft_number = draft.body["invoice_number"].as_str().unwrap().to_string();
        let issued = srv.post(&coord, &format!("/api/v1/invoices/{draft_number}/issue"), json!(null)).await;
        assert_eq!(issued.status, StatusCode::OK, "{name}: {}", issued.body);
        let voided = srv
            .post(
                &coord,
                &format!("/api/v1/invoices/{draft_number}/void"),
                json!({ "date": "2026-02-02", "reason": "duplicate" }),
            )
            .await;
        assert_eq!(voided.body["status"], "void", "{name}: {}", voided.body);

        // A payment pays the oldest first; the rest is credit.
        let paid = srv.post(&coord, "/api/v1/payments", new_payment("P-1", "200.00")).await;
        assert_eq!(paid.status, StatusCode::CREATED, "{name}: {}", paid.body);
        assert_eq!(paid.body["unapplied"], "10.00", "{name}");
        let payment_id = paid.body["payment_id"].as_i64().unwrap();
        let shown = srv.get(&coord, &format!("/api/v1/payments/{payment_id}")).await;
        assert_eq!(shown.body["allocations"].as_array().unwrap().len(), 2, "{name}: {}", shown.body);

        // Returned check: everything reopens and a fee is charged.
        let reversed = srv
            .post(
                &coord,
                &format!("/api/v1/payments/{payment_id}/reverse"),
                json!({ "date": "2026-03-05", "reason": "NSF", "fee": "25.00" }),
            )
            .await;
        assert_eq!(reversed.status, StatusCode::OK, "{name}: {}", reversed.body);
        let account = srv.get(&coord, "/api/v1/accounts/P-1").await;
        assert_eq!(account.body["summary"]["balance"], "215.00", "{name}: {}", account.body);

        // Pay again, adjust, credit note, apply credit, refund.
        srv.post(&coord, "/api/v1/payments", new_payment("P-1", "100.00")).await;
        let adj = srv
            .post(
                &coord,
                "/api/v1/adjustments",
                json!({ "reference": inv2, "reason": "courtesy_discount", "amount": "5.00", "date": "2026-03-06" }),
            )
            .await;
        assert_eq!(adj.status, StatusCode::CREATED, "{name}: {}", adj.body);
        let cn = srv
            .post(
                &coord,
                "/api/v1/credit-notes",
                json!({ "account_number": "P-1", "amount": "120.00", "date": "2026-03-07" }),
            )
            .await;
        assert_eq!(cn.body["unapplied"], "120.00", "{name}: {}", cn.body);
        let applied = srv
            .post(&coord, "/api/v1/accounts/P-1/apply-credit", json!({ "date": "2026-03-08", "amount": "100.00" }))
            .await;
        assert_eq!(applied.body["credit_left"], "20.00", "{name}: {}", applied.body);
        let refund = srv
            .post(
                &coord,
                "/api/v1/refunds",
                json!({ "account_number": "P-1", "amount": "20.00", "method": "check", "date": "2026-03-09" }),
            )
            .await;
        assert_eq!(refund.body["credit_left"], "0.00", "{name}: {}", refund.body);
        let contact = srv
            .post(&coord, "/api/v1/accounts/P-1/contacts", json!({ "kind": "phone", "value": "555-010-9999" }))
            .await;
        assert_eq!(contact.status, StatusCode::OK, "{name}: {}", contact.body);

        // Insurance: a payer, a provider with a checked NPI, the patient's coverage.
        let payer = srv
            .post(
                &coord,
                "/api/v1/payers",
                json!({ "payer_code": "66783JJT", "name": "Key Insurance", "filing_indicator": "CI", "timely_filing_days": 90 }),
            )
            .await;
        assert_eq!(payer.status, StatusCode::CREATED, "{name}: {}", payer.body);
        let bad_npi = srv
            .post(&coord, "/api/v1/providers", json!({ "npi": "1234567890", "name": "Made Up", "kind": "person" }))
            .await;
        assert_eq!(bad_npi.body["field"], "npi", "{name}: {}", bad_npi.body);
        let coverage = json!({ "payer_code": "66783JJT", "member_id": "JS001", "relationship": "self", "priority": "primary", "effective_from": "2026-01-01" });
        assert_eq!(
            srv.post(&coord, "/api/v1/accounts/P-1/coverages", coverage).await.status,
            StatusCode::CREATED,
            "{name}"
        );
        let coverages = srv.get(&coord, "/api/v1/accounts/P-1/coverages").await;
        assert_eq!(coverages.body[0]["payer_name"], "Key Insurance", "{name}: {}", coverages.body);

        // Lists, filters and cursors.
        let page = srv.get(&coord, "/api/v1/invoices?limit=2").await;
        assert_eq!(page.body["items"].as_array().unwrap().len(), 2, "{name}");
        let cursor = page.body["next_cursor"].as_str().unwrap().to_string();
        let rest = srv.get(&coord, &format!("/api/v1/invoices?limit=2&cursor={cursor}")).await;
        assert!(!rest.body["items"].as_array().unwrap().is_empty(), "{name}");
        let open = srv.get(&coord, "/api/v1/invoices?status=void").await;
        assert_eq!(open.body["items"].as_array().unwrap().len(), 1, "{name}");
        let found = srv.get(&coord, "/api/v1/accounts?search=lovel").await;
        assert_eq!(found.body["items"][0]["account_number"], "P-1", "{name}");
        let march = srv
            .get(&coord, "/api/v1/payments?received_from=2026-03-01&received_to=2026-03-31&method=check")
            .await;
        assert_eq!(march.body["items"].as_array().unwrap().len(), 2, "{name}");

        // Reports: aging as of a date, a balanced trial balance, the journal.
        let aging = srv.get(&coord, "/api/v1/reports/aging?as_of=2026-06-30").await;
        assert_eq!(aging.status, StatusCode::OK, "{name}: {}", aging.body);
        assert_eq!(aging.body["total"], account_balance(&srv, &coord).await, "{name}");
        let tb = srv.get(&coord, "/api/v1/reports/trial-balance").await;
        let sum: i64 = tb.body.as_array().unwrap().iter().map(|l| cents(l["balance"].as_str().unwrap())).sum();
        assert_eq!(sum, 0, "{name}: {}", tb.body);
        let journal = srv.get(&coord, "/api/v1/journal?limit=1000").await;
        for entry in journal.body["items"].as_array().unwrap() {
            let total: i64 = entry["postings"].as_array().unwrap().iter().map(|p| cents(p["amount"].as_str().unwrap())).sum();
            assert_eq!(total, 0, "{name}: unbalanced {entry}");
        }

        // Another organisation sees nothing, not even whether P-1 exists.
        let theirs = srv.get(&outsider, "/api/v1/accounts/P-1").await;
        let nowhere = srv.get(&outsider, "/api/v1/accounts/P-404").await;
        assert_eq!((theirs.status, nowhere.status), (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND), "{name}");
        assert_eq!(theirs.body["detail"], "account \"P-1\" not found", "{name}");
        assert_eq!(srv.get(&outsider, "/api/v1/accounts").await.body["items"], json!([]), "{name}");
        let stolen = srv.post(&outsider, "/api/v1/payments", new_payment("P-1", "1.00")).await;
        assert_eq!(stolen.status, StatusCode::NOT_FOUND, "{name}");
        assert_eq!(
            srv.get(&outsider, &format!("/api/v1/payments/{payment_id}")).await.status,
            StatusCode::NOT_FOUND,
            "{name}"
        );

        // The books verify; the audit trail names who did and saw what.
        assert!(srv.store.verify(&org).await.unwrap().discrepancies.is_empty(), "{name}");
        let auditor = srv.token(&org, Role::Auditor).await;
        let trail = srv.get(&auditor, "/api/v1/audit?limit=1000").await;
        let rows = trail.body["items"].as_array().unwrap();
        let has = |action: &str| rows.iter().any(|r| r["action"] == action && r["actor"].as_str().unwrap().starts_with("token:"));
        for action in [
            "account.create",
            "invoice.create",
            "payment.post",
            "payment.reverse",
            "refund.issue",
            "account.read",
            "payment.read",
            "contact.change",
        ] {
            assert!(has(action), "{name}: no {action} in the audit trail");
        }
        assert!(
            rows.iter()
                .all(|r| r["address"] == "127.0.0.1" || r["actor"] == "system" || r["actor"].as_str().unwrap().starts_with("cli:")),
            "{name}"
        );
        let verdict = srv.get(&auditor, "/api/v1/audit/verify").await;
        assert_eq!(verdict.body["intact"], true, "{name}: {}", verdict.body);

        let metrics = srv.client.get(format!("{}/metrics", srv.base)).send().await.unwrap().text().await.unwrap();
        assert!(metrics.contains("settle_postings_total{permission=\"payments.post\"} 2"), "{name}: {metrics}");
        assert!(metrics.contains("settle_http_request_duration_seconds_bucket"), "{name}");
        let health = srv.client.get(format!("{}/healthz", srv.base)).send().await.unwrap();
        assert_eq!(health.status(), StatusCode::OK);
        let spec: serde_json::Value = srv
            .client
            .get(format!("{}/api/v1/openapi.json", srv.base))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(spec["openapi"], "3.1.0", "{name}");
    }
}

async fn account_balance(srv: &Server, token: &str) -> serde_json::Value {
    srv.get(token, "/api/v1/accounts/P-1").await.body["summary"]["net"].clone()
}

fn cents(text: &str) -> i64 {
    let negative = text.starts_with('-');
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    let value: i64 = digits.parse().unwrap();
    if negative {
        -value
    } else {
        value
    }
}
