//! Password login, session cookies, idle logoff, lockout, logout, and
//! revoked tokens.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::json;
use settle_domain::access::Role;

use crate::Server;

fn session_of(answer: &crate::Answer) -> String {
    let cookie = answer.headers["set-cookie"].to_str().unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("Secure") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    cookie.split(';').next().unwrap().to_string()
}

#[tokio::test]
async fn login_idle_logoff_lockout_and_revocation() {
    for srv in Server::each(Duration::from_millis(1500)).await {
        let name = srv.name;
        let org = srv.store.create_organisation("clinic", "Clinic", "USD").await.unwrap();
        srv.store
            .add_user(
                &org,
                "carol",
                "Carol",
                Role::CollectionsSpecialist,
                settle_store::platform::access::FirstPassword::Kept("a long enough secret"),
            )
            .await
            .unwrap();
        let srv = &srv;
        let login = |password: &'static str| {
            let body = json!({ "username": "carol", "password": password });
            async move { srv.send(Method::POST, "/api/v1/auth/login", None, Some(&body), None).await }
        };

        let ok = login("a long enough secret").await;
        assert_eq!(ok.status, StatusCode::OK, "{name}: {}", ok.body);
        assert_eq!(ok.body["role"], "collections_specialist", "{name}");
        let cookie = session_of(&ok);
        let me = srv.send(Method::GET, "/api/v1/auth/me", Some(&cookie), None, None).await;
        assert_eq!(me.body["actor"], "user:carol", "{name}: {}", me.body);
        // A collector may not refund.
        let refund = json!({ "account_number": "X-1", "amount": "1.00", "method": "check", "date": "2026-01-01" });
        assert_eq!(
            srv.send(Method::POST, "/api/v1/refunds", Some(&cookie), Some(&refund), None).await.status,
            StatusCode::FORBIDDEN
        );

        // Idle past the timeout: logged off.
        tokio::time::sleep(Duration::from_millis(1700)).await;
        let idle = srv.send(Method::GET, "/api/v1/auth/me", Some(&cookie), None, None).await;
        assert_eq!(idle.status, StatusCode::UNAUTHORIZED, "{name}");

        // Log out ends the session at once.
        let cookie = session_of(&login("a long enough secret").await);
        let out = srv.send(Method::POST, "/api/v1/auth/logout", Some(&cookie), None, None).await;
        assert_eq!(out.status, StatusCode::NO_CONTENT, "{name}");
        assert_eq!(
            srv.send(Method::GET, "/api/v1/auth/me", Some(&cookie), None, None).await.status,
            StatusCode::UNAUTHORIZED
        );

        // Five wrong passwords lock the login; the right one is then refused too,
        // with the same words as for an unknown user.
        for _ in 0..5 {
            assert_eq!(login("wrong password!!").await.status, StatusCode::UNAUTHORIZED, "{name}");
        }
        let locked = login("a long enough secret").await;
        assert_eq!(locked.status, StatusCode::UNAUTHORIZED, "{name}");
        let body = json!({ "username": "nobody-here", "password": "whatever it is" });
        let unknown = srv.send(Method::POST, "/api/v1/auth/login", None, Some(&body), None).await;
        assert_eq!(locked.body["detail"], unknown.body["detail"], "{name}");
        // An admin unlocks by enabling.
        let admin = srv.token(&org, Role::Admin).await;
        assert_eq!(srv.post(&admin, "/api/v1/users/carol/enable", json!(null)).await.status, StatusCode::OK);
        assert_eq!(login("a long enough secret").await.status, StatusCode::OK, "{name}");

        // Tokens made over the API work once shown, and stop when revoked.
        let made = srv
            .post(&admin, "/api/v1/tokens", json!({ "name": "bank sync", "role": "billing_specialist" }))
            .await;
        assert_eq!(made.status, StatusCode::CREATED, "{name}: {}", made.body);
        let secret = made.body["secret"].as_str().unwrap().to_string();
        assert_eq!(srv.get(&secret, "/api/v1/auth/me").await.body["role"], "billing_specialist", "{name}");
        let listed = srv.get(&admin, "/api/v1/tokens").await;
        assert!(!listed.body.to_string().contains(&secret), "{name}: a token list shows a secret");
        let id = made.body["token"]["token_id"].as_i64().unwrap();
        assert_eq!(
            srv.post(&admin, &format!("/api/v1/tokens/{id}/revoke"), json!(null)).await.status,
            StatusCode::NO_CONTENT
        );
        assert_eq!(srv.get(&secret, "/api/v1/auth/me").await.status, StatusCode::UNAUTHORIZED, "{name}");

        // Changing one's own password ends the session; the old one stops working.
        let cookie = session_of(&login("a long enough secret").await);
        let wrong = json!({ "current_password": "not the one", "new_password": "a brand new secret" });
        let refused = srv.send(Method::POST, "/api/v1/auth/password", Some(&cookie), Some(&wrong), None).await;
        assert_eq!(refused.body["field"], "current_password", "{name}: {}", refused.body);
        let change = json!({ "current_password": "a long enough secret", "new_password": "a brand new secret" });
        let changed = srv.send(Method::POST, "/api/v1/auth/password", Some(&cookie), Some(&change), None).await;
        assert_eq!(changed.status, StatusCode::NO_CONTENT, "{name}: {}", changed.body);
        assert_eq!(
            srv.send(Method::GET, "/api/v1/auth/me", Some(&cookie), None, None).await.status,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(login("a long enough secret").await.status, StatusCode::UNAUTHORIZED, "{name}");
        let reset = json!({ "new_password": "a long enough secret" });
        assert_eq!(
            srv.post(&admin, "/api/v1/users/carol/password", reset).await.status,
            StatusCode::NO_CONTENT,
            "{name}"
        );
        let by_token = srv.post(&admin, "/api/v1/auth/password", change.clone()).await;
        assert_eq!(by_token.status, StatusCode::FORBIDDEN, "{name}");

        // Users over the API; a disabled user's session ends.
        let added = srv
            .post(
                &admin,
                "/api/v1/users",
                json!({ "username": "dave", "display_name": "Dave", "role": "auditor" }),
            )
            .await;
        assert_eq!(added.status, StatusCode::CREATED, "{name}: {}", added.body);
        assert!(added.body["password"].as_str().unwrap().len() >= 12, "{name}");
        // Made in the organisation's own namespace, so "is taken" can only
        // ever be about this organisation's names.
        assert_eq!(added.body["user"]["username"], "dave@clinic", "{name}: {}", added.body);
        let foreign = srv
            .post(
                &admin,
                "/api/v1/users",
                json!({ "username": "dave@other", "display_name": "Dave", "role": "auditor" }),
            )
            .await;
        assert_eq!(foreign.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {}", foreign.body);
        let cookie = session_of(&login("a long enough secret").await);
        srv.post(&admin, "/api/v1/users/carol/disable", json!(null)).await;
        assert_eq!(
            srv.send(Method::GET, "/api/v1/auth/me", Some(&cookie), None, None).await.status,
            StatusCode::UNAUTHORIZED
        );
    }
}
