//! What the log holds: each request's id, route, organisation and actor,
//! and never what a request says about a person (LOGGING.md).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;
use settle_domain::access::Role;

use crate::Server;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

#[tokio::test]
async fn a_request_carrying_a_patients_name_does_not_put_it_in_the_log() {
    let log = Captured::default();
    settle_server::logging::init_with(log.clone(), true);
    let mut request_ids = Vec::new();
    for srv in Server::each(Duration::from_secs(900)).await {
        let name = srv.name;
        let org = srv.store.create_organisation("clinic", "Clinic", "USD").await.unwrap();
        let token = srv.token(&org, Role::BillingCoordinator).await;
        let made = srv
            .post(
                &token,
                "/api/v1/accounts",
                json!({ "account_number": "P-1", "ar_kind": "patient", "opened_on": "2026-01-01",
                        "party": { "kind": "person", "name": "Zebulon Quackenbush", "date_of_birth": "1961-07-04",
                                   "phone": "555-867-5309", "email": "zeb@quackenbush.example",
                                   "address": "77 Wisteria Ln, Fairview, OH 45123" } }),
            )
            .await;
        assert_eq!(made.status, StatusCode::CREATED, "{name}: {}", made.body);
        let id = made
            .headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .expect("a request id")
            .to_string();
        request_ids.push(id);
        // The name in a search's query, and refused input that echoes it back.
        assert_eq!(srv.get(&token, "/api/v1/accounts?search=Quackenbush").await.status, StatusCode::OK, "{name}");
        let refused = srv
            .post(
                &token,
                "/api/v1/accounts",
                json!({ "account_number": "P-2", "ar_kind": "patient", "opened_on": "2026-01-01",
                "party": { "kind": "person", "name": "Zebulon Quackenbush", "address": "Wisteria Lane" } }),
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        // A client's own request id is not taken (it could carry anything).
        let answer = srv
            .client
            .get(format!("{}/api/v1/accounts/P-1", srv.base))
            .bearer_auth(&token)
            .header("x-request-id", "Quackenbush")
            .send()
            .await
            .unwrap();
        assert_ne!(answer.headers().get("x-request-id").unwrap(), "Quackenbush", "{name}");
    }
    let text = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    for never in ["Quackenbush", "Zebulon", "Wisteria", "8675309", "867-5309", "1961-07-04", "45123"] {
        assert!(!text.contains(never), "{never:?} is in the log:\n{text}");
    }
    // Each request is there, by its id, route template, organisation and actor.
    for id in &request_ids {
        let line = text
            .lines()
            .find(|l| l.contains(id.as_str()) && l.contains("answered"))
            .unwrap_or_else(|| panic!("request {id} is not in the log:\n{text}"));
        let event: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(event["span"]["route"], "/api/v1/accounts", "{line}");
        assert_eq!(event["span"]["org"], "clinic", "{line}");
        assert!(event["span"]["actor"].as_str().unwrap().starts_with("token:"), "{line}");
        assert_eq!(event["span"]["status"], 201, "{line}");
    }
    assert!(
        text.contains("\"route\":\"/api/v1/accounts/{number}\""),
        "the template, never the account number's path:\n{text}"
    );
}
