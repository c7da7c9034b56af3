//! ACH over the API: an admin sets up the originating account, a billing
//! specialist takes a mandate and schedules a debit, the run sends it, the
//! bank's answer reverses it (201), the same answer again or a broken one
//! is refused (422, naming why, nothing changed); an auditor reads but
//! cannot debit anyone.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;
use settle_domain::access::Role;
use settle_domain::ach::{bank_sim, nacha};

use crate::{new_account, new_invoice, Server};

#[tokio::test]
async fn a_debit_goes_out_and_comes_back_over_the_api() {
    for srv in Server::each(Duration::from_secs(900)).await {
        let name = srv.name;
        let org = srv.store.create_organisation("clinic", "Riverside", "USD").await.unwrap();
        let admin = srv.token(&org, Role::Admin).await;
        let specialist = srv.token(&org, Role::BillingSpecialist).await;
        let auditor = srv.token(&org, Role::Auditor).await;
        let today = jiff::Zoned::now().date();
        assert_eq!(
            srv.post(&admin, "/api/v1/accounts", new_account("P-1", "Ana Ruiz")).await.status,
            StatusCode::CREATED
        );
        assert_eq!(
            srv.post(&admin, "/api/v1/invoices", new_invoice("P-1", "180.00")).await.status,
            StatusCode::CREATED
        );
        let originator = json!({ "name": "operating", "odfi": "091000019", "odfi_name": "First Bank", "company_id": "1234567890",
            "company_name": "Riverside", "return_fee": "20.00" });
        assert_eq!(
            srv.post(&specialist, "/api/v1/ach/originators", originator.clone()).await.status,
            StatusCode::FORBIDDEN,
            "{name}"
        );
        assert_eq!(
            srv.post(&admin, "/api/v1/ach/originators", originator).await.status,
            StatusCode::CREATED,
            "{name}"
        );

        let mandate = json!({ "account_number": "P-1", "holder_name": "Ana Ruiz", "routing": "231380104", "bank_account": "5550001",
            "account_kind": "checking", "channel": "signed", "authorization_text": "I authorize Riverside to debit my checking account.",
            "authorized_on": today.to_string() });
        assert_eq!(
            srv.post(&auditor, "/api/v1/ach/mandates", mandate.clone()).await.status,
            StatusCode::FORBIDDEN,
            "{name}"
        );
        let mut typo = mandate.clone();
        typo["routing"] = json!("231380105");
        let refused = srv.post(&specialist, "/api/v1/ach/mandates", typo).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(refused.body.to_string().contains("routing"), "{name}: {}", refused.body);
        let made = srv.post(&specialist, "/api/v1/ach/mandates", mandate).await;
        assert_eq!(made.status, StatusCode::CREATED, "{name}: {}", made.body);
        assert_eq!(made.body["bank_account"], "****0001", "{name}: only the last four digits");
        let id = made.body["mandate_id"].as_i64().unwrap();
        let debit = srv
            .post(
                &specialist,
                "/api/v1/ach/debits",
                json!({ "mandate_id": id, "amount": "balance", "due_on": today.to_string() }),
            )
            .await;
        assert_eq!(
            (debit.status, debit.body["amount"].as_str()),
            (StatusCode::CREATED, Some("180.00")),
            "{name}: {}",
            debit.body
        );

        let run = srv.post(&specialist, "/api/v1/ach/runs", json!({ "as_of": today.to_string() })).await;
        assert_eq!(run.status, StatusCode::CREATED, "{name}: {}", run.body);
        assert_eq!(run.body["debits_sent"], 1, "{name}: {}", run.body);
        let file_id = run.body["files"][0]["file_id"].as_i64().unwrap();
        let file = srv.get(&specialist, &format!("/api/v1/ach/files/{file_id}")).await;
        let sent = nacha::read(file.body["content"].as_str().unwrap()).expect("the file reads back");
        let answer = bank_sim::answer(&sent, &bank_sim::parse_rules(bank_sim::DEMO_RULES).unwrap(), today, 900).expect("R01 for ...0001");

        let entries = srv.entry_count(&org).await;
        let broken = answer.replacen("799R01", "799R0X", 1);
        let bad = srv.post(&specialist, "/api/v1/ach/returns", json!({ "content": broken })).await;
        assert_eq!(bad.status, StatusCode::FORBIDDEN, "{name}: reversing payments is payments.reverse");
        let coordinator = srv.token(&org, Role::BillingCoordinator).await;
        let bad = srv.post(&coordinator, "/api/v1/ach/returns", json!({ "content": broken })).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {}", bad.body);
        assert!(bad.body["detail"].as_str().unwrap().contains("line 3"), "{name}: {}", bad.body);
        assert_eq!(srv.entry_count(&org).await, entries, "{name}: nothing posted");
        let applied = srv.post(&coordinator, "/api/v1/ach/returns", json!({ "content": answer })).await;
        assert_eq!(applied.status, StatusCode::CREATED, "{name}: {}", applied.body);
        assert_eq!(applied.body["returns"][0]["code"], "R01", "{name}");
        let again = srv.post(&coordinator, "/api/v1/ach/returns", json!({ "content": answer })).await;
        assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(again.body.to_string().contains("already applied"), "{name}: {}", again.body);

        let account = srv.get(&auditor, "/api/v1/accounts/P-1").await;
        assert_eq!(
            account.body["summary"]["balance"], "200.00",
            "{name}: reopened with the 20.00 fee: {}",
            account.body["summary"]
        );
        let debits = srv.get(&auditor, "/api/v1/ach/debits?account_number=P-1").await;
        let statuses: Vec<&str> = debits.body.as_array().unwrap().iter().map(|d| d["status"].as_str().unwrap()).collect();
        assert_eq!(statuses, ["scheduled", "returned"], "{name}: the retry waits: {}", debits.body);
        let rates = srv
            .get(
                &auditor,
                &format!(
                    "/api/v1/ach/return-rates?as_of={}",
                    jiff::Zoned::now().date().saturating_add(jiff::Span::new().days(5))
                ),
            )
            .await;
        assert_eq!(rates.status, StatusCode::OK, "{name}: {}", rates.body);
        assert_eq!(rates.body.as_array().unwrap().len(), 3, "{name}");
        let replay = srv.get(&auditor, "/api/v1/ach/verify").await;
        assert_eq!(
            (replay.status, replay.body["clean"].as_bool()),
            (StatusCode::OK, Some(true)),
            "{name}: {}",
            replay.body
        );
        assert_eq!(replay.body["fees_checked"], 1, "{name}: the R01 fee checked against its code");
    }
}
