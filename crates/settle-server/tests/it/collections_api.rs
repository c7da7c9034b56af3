//! Collections over the API: a collector asks the gate, logs what it
//! allows, is refused (422, each rule named, nothing logged) what Reg F
//! forbids; an auditor reads but changes nothing; only settings.manage sets
//! the organisation's footing.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;
use settle_domain::access::Role;

use crate::Server;

#[tokio::test]
async fn a_collector_is_refused_what_regulation_f_forbids() {
    for srv in Server::each(Duration::from_secs(900)).await {
        let name = srv.name;
        let org = srv.store.create_organisation("agency", "Prairie Recovery", "USD").await.unwrap();
        let admin = srv.token(&org, Role::Admin).await;
        let collector = srv.token(&org, Role::CollectionsSpecialist).await;
        let auditor = srv.token(&org, Role::Auditor).await;
        let account = json!({
            "account_number": "C-1", "ar_kind": "customer", "opened_on": "2026-01-01",
            "party": { "kind": "person", "name": "Dana Whitfield", "phone": "907-555-0142", "address": "12 Spruce Rd, Juneau, AK 99801" }
        });
        assert_eq!(srv.post(&admin, "/api/v1/accounts", account).await.status, StatusCode::CREATED, "{name}");
        let third = srv.post(&collector, "/api/v1/collections/policy", json!({ "third_party": true })).await;
        assert_eq!(third.status, StatusCode::FORBIDDEN, "{name}: a collector does not set the footing");
        let third = srv.post(&admin, "/api/v1/collections/policy", json!({ "third_party": true })).await;
        assert_eq!(third.body["third_party"], true, "{name}: {}", third.body);

        // 07:00 in Juneau (Alaska time): refused with the rule and its citation; nothing logged.
        let call = |at: &str, outcome: &str| json!({ "account_number": "C-1", "channel": "call", "at": at, "outcome": outcome });
        let refused = srv.post(&collector, "/api/v1/contacts", call("2026-12-01T07:00:00-09:00", "no_answer")).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {}", refused.body);
        let detail = refused.body["detail"].as_str().unwrap();
        assert!(
            detail.contains("hours (12 CFR 1006.6(b)(1)(i))") && detail.contains("in Alaska"),
            "{name}: {detail}"
        );
        let logged = srv.post(&collector, "/api/v1/contacts", call("2026-12-01T10:00:00-09:00", "voicemail")).await;
        assert_eq!(logged.status, StatusCode::CREATED, "{name}: {}", logged.body);
        assert_eq!(logged.body["contact"]["address"], "9075550142", "{name}: the phone on record");
        let contacts = srv.get(&auditor, "/api/v1/accounts/C-1/contacts").await;
        assert_eq!(contacts.body.as_array().unwrap().len(), 1, "{name}: {}", contacts.body);
        let decisions = srv.get(&auditor, "/api/v1/accounts/C-1/contact-decisions").await;
        assert_eq!(decisions.body.as_array().unwrap().len(), 2, "{name}: the refusal is kept too");
        assert_eq!(decisions.body[0]["allowed"], true, "{name}");
        assert_eq!(decisions.body[1]["failures"][0]["rule"], "hours", "{name}");

        // An attorney: nothing goes to her any more.
        let denied = srv
            .post(
                &auditor,
                "/api/v1/collection-profiles",
                json!({ "account_number": "C-1", "attorney_name": "R. Ortiz" }),
            )
            .await;
        assert_eq!(denied.status, StatusCode::FORBIDDEN, "{name}");
        let set = srv
            .post(
                &collector,
                "/api/v1/collection-profiles",
                json!({ "account_number": "C-1", "attorney_name": "R. Ortiz", "attorney_phone": "907-555-0199" }),
            )
            .await;
        assert_eq!(set.status, StatusCode::OK, "{name}: {}", set.body);
        let check = srv
            .post(
                &collector,
                "/api/v1/contact-checks",
                json!({ "account_number": "C-1", "channel": "letter", "at": "2026-12-02T12:00:00-09:00" }),
            )
            .await;
        assert_eq!(check.body["allowed"], false, "{name}: {}", check.body);
        assert_eq!(check.body["failures"][0]["rule"], "attorney", "{name}");
        assert_eq!(check.body["failures"][0]["citation"], "12 CFR 1006.6(b)(2)", "{name}");
        let bad = srv
            .post(&collector, "/api/v1/contact-checks", json!({ "account_number": "C-1", "channel": "fax" }))
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert_eq!(bad.body["field"], "channel", "{name}: {}", bad.body);
        let dispute = srv
            .post(
                &collector,
                "/api/v1/disputes",
                json!({ "account_number": "C-1", "received_on": "2026-12-03", "note": "not mine" }),
            )
            .await;
        assert_eq!(dispute.status, StatusCode::CREATED, "{name}: {}", dispute.body);
        let id = dispute.body["dispute_id"].as_i64().unwrap();
        let verified = srv
            .post(&collector, &format!("/api/v1/disputes/{id}/verified"), json!({ "sent_on": "2026-12-10" }))
            .await;
        assert_eq!(verified.body["verification_sent_on"], "2026-12-10", "{name}: {}", verified.body);
        // Promises over the API: the account owes nothing here, so any promise is more than owed.
        let promise = srv
            .post(
                &collector,
                "/api/v1/promises",
                json!({ "account_number": "C-1", "amount": "10.00", "due_on": "2099-01-01" }),
            )
            .await;
        assert_eq!(promise.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {}", promise.body);
        assert_eq!(promise.body["field"], "amount", "{name}: {}", promise.body);
        let listed = srv.get(&auditor, "/api/v1/promises?account_number=C-1").await;
        assert_eq!(listed.status, StatusCode::OK, "{name}: {}", listed.body);
        assert_eq!(listed.body.as_array().unwrap().len(), 0, "{name}");
        let review = srv.post(&collector, "/api/v1/promises/review", json!({})).await;
        assert_eq!(review.status, StatusCode::OK, "{name}: {}", review.body);
        // The validation notice: it must say where to write, and the gate stops it (the attorney).
        let notice = srv.post(&collector, "/api/v1/accounts/C-1/validation-notice", json!({})).await;
        assert_eq!(
            (notice.status, notice.body["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("mail_address")),
            "{name}: {}",
            notice.body
        );
        let set = srv
            .post(
                &admin,
                "/api/v1/collections/policy",
                json!({ "third_party": true, "mail_address": "PO Box 9, Juneau, AK 99801", "phone": "907-555-0100" }),
            )
            .await;
        assert_eq!(set.body["mail_address"], "PO Box 9, Juneau, AK 99801", "{name}: {}", set.body);
        let notice = srv.post(&collector, "/api/v1/accounts/C-1/validation-notice", json!({})).await;
        assert_eq!(notice.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {}", notice.body);
        assert!(notice.body["detail"].as_str().unwrap().contains("attorney"), "{name}: {}", notice.body);
    }
}

/// Dunning, the queue, plans and settlements over the API: a coordinator
/// runs the day (a collector may not), the second run changes nothing, the
/// collector gets the next account, a plan that does not add up is a 422
/// naming the field, and the day's letters come back as one PDF.
#[tokio::test]
async fn a_coordinator_runs_the_day_and_a_collector_works_it() {
    for srv in Server::each(Duration::from_secs(900)).await {
        let name = srv.name;
        let org = srv.store.create_organisation("clinic", "Lakeside Clinic", "USD").await.unwrap();
        let admin = srv.token(&org, Role::Admin).await;
        let coordinator = srv.token(&org, Role::BillingCoordinator).await;
        let collector = srv.token(&org, Role::CollectionsSpecialist).await;
        assert_eq!(
            srv.post(&admin, "/api/v1/accounts", crate::new_account("P-1", "Avery Stone")).await.status,
            StatusCode::CREATED,
            "{name}"
        );
        let mut invoice = crate::new_invoice("P-1", "400.00");
        invoice["issue_date"] = json!("2026-08-01");
        assert_eq!(srv.post(&admin, "/api/v1/invoices", invoice).await.status, StatusCode::CREATED, "{name}");
        let run = json!({ "as_of": "2026-11-02", "at": "2026-11-02T15:00:00-05:00" });
        assert_eq!(
            srv.post(&collector, "/api/v1/dunning/runs", run.clone()).await.status,
            StatusCode::FORBIDDEN,
            "{name}"
        );
        let first = srv.post(&coordinator, "/api/v1/dunning/runs", run.clone()).await;
        assert_eq!(first.status, StatusCode::OK, "{name}: {}", first.body);
        assert_eq!(
            (first.body["advanced"].as_i64(), first.body["letters"].as_i64(), first.body["queue"].as_i64()),
            (Some(1), Some(1), Some(1)),
            "{name}: {}",
            first.body
        );
        let again = srv.post(&coordinator, "/api/v1/dunning/runs", run).await;
        assert_eq!(
            (again.body["advanced"].as_i64(), again.body["run_id"].clone()),
            (Some(0), json!(null)),
            "{name}: {}",
            again.body
        );
        let mine = srv.get(&collector, "/api/v1/queue?collector=").await;
        assert_eq!(mine.body[0]["account_number"], "P-1", "{name}: unassigned without rules: {}", mine.body);
        let dunning = srv.get(&collector, "/api/v1/accounts/P-1/dunning").await;
        assert!(
            dunning.body["state"].as_str().unwrap().starts_with("final notice since 2026-11-02"),
            "{name}: {}",
            dunning.body
        );

        let bad = srv
            .post(
                &collector,
                "/api/v1/plans",
                json!({ "account_number": "P-1", "installments": [{ "due": "2099-01-01", "amount": "100.00" }] }),
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(bad.body["detail"].as_str().unwrap().contains("add up to 100.00"), "{name}: {}", bad.body);
        let settle = srv
            .post(
                &collector,
                "/api/v1/settlements",
                json!({ "account_number": "P-1", "amount": "300.00", "expires_on": "2099-01-31" }),
            )
            .await;
        assert_eq!(settle.status, StatusCode::CREATED, "{name}: {}", settle.body);
        assert_eq!(settle.body["settlement"]["status"], "offered", "{name}: 25% is within the limit");

        let day = first.body["actions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["action"] == "letter:first_notice" || a["action"].as_str().unwrap().starts_with("letter"))
            .is_some();
        assert!(day, "{name}: {}", first.body);
        let pdf = srv
            .client
            .get(format!("{}/api/v1/letters/batch?date=2026-11-02", srv.base))
            .bearer_auth(&collector)
            .send()
            .await
            .unwrap();
        assert_eq!(pdf.status(), StatusCode::OK, "{name}");
        assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF"), "{name}");
        let none = srv.get(&collector, "/api/v1/letters/batch?date=2026-01-01").await;
        assert_eq!(none.status, StatusCode::NOT_FOUND, "{name}");

        // Minimum necessary: a collector works balances, not diagnoses or procedures.
        for path in ["/api/v1/claims", "/api/v1/denials"] {
            assert_eq!(srv.get(&collector, path).await.status, StatusCode::FORBIDDEN, "{name}: {path}");
            assert_eq!(srv.get(&coordinator, path).await.status, StatusCode::OK, "{name}: {path}");
        }
        let kpis = srv.get(&collector, "/api/v1/collections/kpis?from=2026-11-01&to=2026-11-30").await;
        assert_eq!(kpis.status, StatusCode::OK, "{name}: {}", kpis.body);
        assert!(kpis.body["cei_formula"].as_str().unwrap().contains(") / ("), "{name}: {}", kpis.body);
    }
}
