//! The permission matrix: every route, every role, allow or deny exactly as
//! docs/permissions.md says; and that file is what the code generates.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::json;
use settle_domain::access::Role;
use settle_server::Access;

use crate::Server;

#[test]
fn docs_permissions_md_is_generated_from_the_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/permissions.md");
    let generated = settle_server::permissions_markdown();
    if std::env::var("SETTLE_UPDATE_DOCS").is_ok() {
        std::fs::write(path, &generated).unwrap();
    }
    let written = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        written == generated,
        "docs/permissions.md is out of date: run `SETTLE_UPDATE_DOCS=1 cargo test -p settle-server matrix` or `settle permissions > docs/permissions.md`"
    );
}

#[test]
fn every_route_declares_its_access() {
    let routes = settle_server::route_access();
    assert!(routes.len() >= 30, "only {} routes found", routes.len());
    let spec = serde_json::to_value(settle_server::openapi()).unwrap();
    let operations: usize = spec["paths"].as_object().unwrap().values().map(|item| item.as_object().unwrap().len()).sum();
    assert_eq!(operations, routes.len(), "every operation in the document must declare its access");
}

#[tokio::test]
async fn every_route_with_every_role() {
    let srv = Server::each(Duration::from_secs(900)).await.into_iter().next().unwrap();
    let org = srv.store.create_organisation("clinic", "Clinic", "USD").await.unwrap();
    let mut tokens = Vec::new();
    for role in Role::ALL {
        tokens.push((role, srv.token(&org, role).await));
    }
    let mut checked = 0;
    for (method, path, access) in settle_server::route_access() {
        let concrete = path
            .replace("{number}", "X-404")
            .replace("{payment_id}", "404")
            .replace("{token_id}", "404")
            .replace("{username}", "nobody");
        let body = (method == Method::POST).then(|| json!({}));
        // Without credentials: 401 unless public.
        let anonymous = srv.send(method.clone(), &concrete, None, body.as_ref(), None).await;
        if access != Access::Public {
            assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED, "{method} {path} without credentials");
        }
        for (role, token) in &tokens {
            let answer = srv.send(method.clone(), &concrete, Some(token), body.as_ref(), None).await;
            let allowed = match access {
                Access::Public | Access::Authenticated => true,
                Access::Needs(permission) => role.allows(permission),
            };
            if allowed {
                assert!(
                    answer.status != StatusCode::FORBIDDEN && answer.status != StatusCode::UNAUTHORIZED,
                    "{method} {path} as {role}: expected to be allowed, got {} {}",
                    answer.status,
                    answer.body
                );
                assert!(!answer.status.is_server_error(), "{method} {path} as {role}: {} {}", answer.status, answer.body);
            } else {
                assert_eq!(
                    answer.status,
                    StatusCode::FORBIDDEN,
                    "{method} {path} as {role}: expected 403, got {}",
                    answer.body
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 150, "{checked}");
}

#[test]
fn created_records_link_to_what_reads_and_acts_on_them() {
    let spec = settle_server::openapi_document();
    let links = &spec["paths"]["/api/v1/payments"]["post"]["responses"]["201"]["links"];
    assert_eq!(links["ReversePayment"]["parameters"]["payment_id"], "$response.body#/payment_id", "{links}");
    assert_eq!(
        spec["paths"]["/api/v1/accounts"]["post"]["responses"]["201"]["links"]["GetAccount"]["operationRef"], "#/paths/~1api~1v1~1accounts~1{number}/get",
        "{}",
        spec["paths"]["/api/v1/accounts"]["post"]["responses"]["201"]
    );
    assert_eq!(
        spec["paths"]["/api/v1/accounts"]["post"]["responses"]["201"]["links"]["GetAccount"]["operationRef"],
        "#/paths/~1api~1v1~1accounts~1{number}/get"
    );
}
