//! The administration an office does from its pages, on every backend: a
//! one-time password that opens nothing but the page to choose your own
//! (pages and API alike), API tokens made and revoked, and the audit trail
//! found by who, action, record and days and exported as CSV.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use settle_domain::access::Role;
use settle_server::web::csrf_token;

use crate::pages::{browser, page, session, setup};
use crate::Server;

async fn login_cookie(srv: &Server, username: &str, password: &str) -> (String, String) {
    let (_, secret) = srv.store.login(username, password, "127.0.0.1").await.unwrap().unwrap();
    (format!("settle_session={secret}"), csrf_token(&secret))
}

#[tokio::test]
async fn a_one_time_password_opens_only_the_page_to_choose_your_own() {
    for srv in Server::each(Duration::from_secs(900)).await {
        let name = srv.name;
        let org = setup(&srv).await;
        let client = browser();
        let (admin, admin_csrf) = session(&srv, &org, "ada", Role::Admin).await;
        // The admin adds a user and Settle makes the password.
        let (status, _, body) = page(
            &client,
            &srv,
            Method::POST,
            "/admin/users",
            Some(&admin),
            &[
                ("csrf", &admin_csrf),
                ("username", "nia"),
                ("display_name", "Nia Okafor"),
                ("role", "billing_specialist"),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{name}: {body}");
        let start = body.find("id=\"one-time-password\">").expect("the password shown once") + "id=\"one-time-password\">".len();
        let one_time = body[start..].split('<').next().unwrap().to_string();
        assert!(body.contains("on a one-time password"), "{name}: the users list says so");

        // Logged in with it, every page leads to the password page.
        let (cookie, csrf) = login_cookie(&srv, "nia@clinic", &one_time).await;
        for path in ["/accounts", "/accounts/P-000001", "/reports"] {
            let (status, location, _) = page(&client, &srv, Method::GET, path, Some(&cookie), &[]).await;
            assert_eq!((status, location.as_str()), (StatusCode::SEE_OTHER, "/account/password"), "{name} {path}");
        }
        let (status, location, _) = page(
            &client,
            &srv,
            Method::POST,
            "/accounts/P-000001/notes",
            Some(&cookie),
            &[("csrf", &csrf), ("body", "before choosing a password")],
        )
        .await;
        assert_eq!((status, location.as_str()), (StatusCode::SEE_OTHER, "/account/password"), "{name}");
        assert!(srv.store.notes(&org, "P-000001").await.unwrap().is_empty(), "{name}: nothing written");
        // The API says the same, but answers who you are.
        let api = srv.send(Method::GET, "/api/v1/accounts", Some(&cookie), None, None).await;
        assert_eq!(api.status, StatusCode::FORBIDDEN, "{name}");
        assert!(api.body["detail"].as_str().unwrap().contains("one-time"), "{name}: {}", api.body);
        assert_eq!(srv.send(Method::GET, "/api/v1/auth/me", Some(&cookie), None, None).await.status, StatusCode::OK);

        let (status, _, body) = page(&client, &srv, Method::GET, "/account/password", Some(&cookie), &[]).await;
        assert_eq!(status, StatusCode::OK, "{name}");
        assert!(
            body.contains("works once") && !body.contains("aria-label=\"Main\""),
            "{name}: no menu until chosen"
        );
        // Refusals name the field and change nothing.
        for (form, field, words) in [
            (
                vec![
                    ("current_password", one_time.as_str()),
                    ("new_password", "a new long password"),
                    ("again", "a new long passwort"),
                ],
                "again",
                "not the same",
            ),
            (
                vec![
                    ("current_password", "not the password"),
                    ("new_password", "a new long password"),
                    ("again", "a new long password"),
                ],
                "current_password",
                "not your current password",
            ),
            (
                vec![("current_password", one_time.as_str()), ("new_password", "short"), ("again", "short")],
                "new_password",
                "12",
            ),
            (
                vec![
                    ("current_password", one_time.as_str()),
                    ("new_password", one_time.as_str()),
                    ("again", one_time.as_str()),
                ],
                "new_password",
                "choose another",
            ),
        ] {
            let mut form = form;
            form.push(("csrf", &csrf));
            let (status, _, body) = page(&client, &srv, Method::POST, "/account/password", Some(&cookie), &form).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name} {field}: {body}");
            assert!(
                body.contains(&format!("id=\"{field}-error\"")) && body.contains(words),
                "{name} {field}: {body}"
            );
        }
        // Chosen: logged out, and the new password opens everything.
        let form = [
            ("csrf", csrf.as_str()),
            ("current_password", &one_time),
            ("new_password", "nia's own long password"),
            ("again", "nia's own long password"),
        ];
        let (status, location, _) = page(&client, &srv, Method::POST, "/account/password", Some(&cookie), &form).await;
        assert_eq!((status, location.as_str()), (StatusCode::SEE_OTHER, "/login?msg=password"), "{name}");
        let (status, _, _) = page(&client, &srv, Method::GET, "/accounts", Some(&cookie), &[]).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{name}: the old session ended");
        assert!(
            srv.store.login("nia@clinic", &one_time, "127.0.0.1").await.unwrap().is_err(),
            "{name}: the one-time password is gone"
        );
        let (cookie, _) = login_cookie(&srv, "nia@clinic", "nia's own long password").await;
        let (status, _, _) = page(&client, &srv, Method::GET, "/accounts", Some(&cookie), &[]).await;
        assert_eq!(status, StatusCode::OK, "{name}");

        // A reset by the admin is one-time again; over the API too.
        let (status, _, body) = page(
            &client,
            &srv,
            Method::POST,
            "/admin/users/nia@clinic/password",
            Some(&admin),
            &[("csrf", &admin_csrf)],
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{name}: {body}");
        let users = srv.store.users(&org).await.unwrap();
        assert!(users.iter().find(|u| u.username == "nia@clinic").unwrap().must_change_password, "{name}");
        let admin_token = srv.token(&org, Role::Admin).await;
        let reset = srv
            .post(
                &admin_token,
                "/api/v1/users/nia@clinic/password",
                serde_json::json!({ "new_password": "set by the admin here" }),
            )
            .await;
        assert_eq!(reset.status, StatusCode::NO_CONTENT, "{name}");
        let (cookie, _) = login_cookie(&srv, "nia@clinic", "set by the admin here").await;
        let api = srv.send(Method::GET, "/api/v1/accounts", Some(&cookie), None, None).await;
        assert_eq!(api.status, StatusCode::FORBIDDEN, "{name}");
        let change = serde_json::json!({ "current_password": "set by the admin here", "new_password": "nia's second own password" });
        assert_eq!(
            srv.send(Method::POST, "/api/v1/auth/password", Some(&cookie), Some(&change), None).await.status,
            StatusCode::NO_CONTENT,
            "{name}"
        );
        let (cookie, _) = login_cookie(&srv, "nia@clinic", "nia's second own password").await;
        assert_eq!(
            srv.send(Method::GET, "/api/v1/accounts", Some(&cookie), None, None).await.status,
            StatusCode::OK,
            "{name}"
        );
        // The trail says which passwords were one-time.
        let resets = srv
            .store
            .audit_search(
                &org,
                &settle_store::platform::trail_search::TrailFilter {
                    action: "password".into(),
                    record: "nia".into(),
                    ..Default::default()
                },
                settle_store::platform::trail_search::TrailOrder::OldestAfter(0),
                100,
            )
            .await
            .unwrap();
        let kinds: Vec<(String, Option<String>)> = resets.into_iter().map(|r| (r.action, r.after)).collect();
        assert_eq!(kinds.len(), 4, "{name}: {kinds:?}");
        assert!(
            kinds[1].0 == "password.reset" && kinds[1].1.as_deref().unwrap().contains("\"one_time\":true"),
            "{name}: {kinds:?}"
        );
    }
}

#[tokio::test]
async fn tokens_are_made_and_revoked_from_the_pages() {
    for srv in Server::each(Duration::from_secs(900)).await {
        let name = srv.name;
        let org = setup(&srv).await;
        let client = browser();
        let (admin, csrf) = session(&srv, &org, "ada", Role::Admin).await;
        let (status, _, body) = page(
            &client,
            &srv,
            Method::POST,
            "/admin/tokens",
            Some(&admin),
            &[("csrf", &csrf), ("name", ""), ("role", "auditor")],
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {body}");
        assert!(body.contains("id=\"name-error\""), "{name}: {body}");
        let (status, _, body) = page(
            &client,
            &srv,
            Method::POST,
            "/admin/tokens",
            Some(&admin),
            &[("csrf", &csrf), ("name", "month-end report"), ("role", "auditor")],
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{name}: {body}");
        let start = body.find("id=\"token-secret\">").expect("the secret shown once") + "id=\"token-secret\">".len();
        let secret = body[start..].split('<').next().unwrap().to_string();
        assert_eq!(srv.get(&secret, "/api/v1/accounts").await.status, StatusCode::OK, "{name}");
        assert_eq!(
            srv.get(&secret, "/api/v1/users").await.status,
            StatusCode::FORBIDDEN,
            "{name}: an auditor's token"
        );
        let token = srv
            .store
            .tokens(&org)
            .await
            .unwrap()
            .into_iter()
            .find(|t| t.name == "month-end report")
            .unwrap();
        let (_, _, listed) = page(&client, &srv, Method::GET, "/admin/tokens", Some(&admin), &[]).await;
        assert!(
            listed.contains("month-end report") && !listed.contains(&secret),
            "{name}: listed, the secret never again"
        );
        let path = format!("/admin/tokens/{}/revoke", token.token_id);
        let (status, _, body) = page(&client, &srv, Method::POST, &path, Some(&admin), &[("csrf", &csrf)]).await;
        assert_eq!(status, StatusCode::OK, "{name}: {body}");
        assert!(body.contains("revoked"), "{name}");
        assert_eq!(srv.get(&secret, "/api/v1/accounts").await.status, StatusCode::UNAUTHORIZED, "{name}: at once");
        // A collector cannot reach the page.
        let (collector, _) = session(&srv, &org, "cole", Role::CollectionsSpecialist).await;
        let (status, _, _) = page(&client, &srv, Method::GET, "/admin/tokens", Some(&collector), &[]).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{name}");
    }
}

#[tokio::test]
async fn the_audit_trail_is_found_by_who_what_record_and_day_and_exported() {
    for srv in Server::each(Duration::from_secs(900)).await {
        let name = srv.name;
        let org = setup(&srv).await;
        let client = browser();
        let (auditor, _) = session(&srv, &org, "audrey", Role::Auditor).await;
        let (sam, sam_csrf) = session(&srv, &org, "sam", Role::BillingSpecialist).await;
        let (status, _, _) = page(&client, &srv, Method::GET, "/accounts/P-000001", Some(&sam), &[]).await;
        assert_eq!(status, StatusCode::OK);
        let (status, _, _) = page(
            &client,
            &srv,
            Method::POST,
            "/accounts/P-000001/notes",
            Some(&sam),
            &[("csrf", &sam_csrf), ("body", "Called; will pay Friday")],
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{name}");
        assert!(srv.store.login("sam", "wrong password here", "127.0.0.1").await.unwrap().is_err());

        // The landing view checks the chains and shows the newest rows.
        let (status, _, body) = page(&client, &srv, Method::GET, "/audit", Some(&auditor), &[]).await;
        assert_eq!(status, StatusCode::OK, "{name}");
        assert!(body.contains("The hash chains vouch for all"), "{name}");
        // By person: sam's rows only, the read and the note among them.
        let (_, _, body) = page(&client, &srv, Method::GET, "/audit?who=sam", Some(&auditor), &[]).await;
        assert!(
            body.contains("account.read") && body.contains("note.add") && !body.contains("<td>audrey@clinic</td>"),
            "{name}: {body}"
        );
        // By kind of action: login covers login.failed.
        let (_, _, body) = page(&client, &srv, Method::GET, "/audit?action=login", Some(&auditor), &[]).await;
        assert!(body.contains("login.failed") && !body.contains("note.add"), "{name}");
        // By record, in any case; a LIKE wildcard is only a character.
        let (_, _, body) = page(&client, &srv, Method::GET, "/audit?record=p-000001&action=note", Some(&auditor), &[]).await;
        assert!(body.contains("1 row match"), "{name}: {body}");
        let (_, _, body) = page(&client, &srv, Method::GET, "/audit?record=%25", Some(&auditor), &[]).await;
        assert!(body.contains("0 rows match"), "{name}: % matches nothing: {body}");
        // By day: tomorrow has nothing; a bad day and a backwards range are named.
        let tomorrow = jiff::Zoned::now().with_time_zone(jiff::tz::TimeZone::UTC).date().tomorrow().unwrap();
        let (_, _, body) = page(&client, &srv, Method::GET, &format!("/audit?from={tomorrow}"), Some(&auditor), &[]).await;
        assert!(body.contains("0 rows match"), "{name}");
        let (status, _, body) = page(&client, &srv, Method::GET, "/audit?from=2026-13-01", Some(&auditor), &[]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(body.contains("id=\"from-error\""), "{name}");
        let (status, _, body) = page(&client, &srv, Method::GET, "/audit?from=2026-12-05&to=2026-12-01", Some(&auditor), &[]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(body.contains("id=\"to-error\"") && body.contains("before the from day"), "{name}");

        // Pages of 50, newest first, with a link to the older ones.
        for i in 0..60 {
            srv.store.audit_event(org.org_id, "test.filler", &format!("filler:{i}"), None).await.unwrap();
        }
        let (_, _, body) = page(&client, &srv, Method::GET, "/audit?action=test", Some(&auditor), &[]).await;
        assert!(
            body.contains("60 rows match") && body.contains("filler:59") && !body.contains("filler:9<"),
            "{name}"
        );
        let older = body.split("before=").nth(1).unwrap().split('"').next().unwrap();
        let (_, _, body) = page(&client, &srv, Method::GET, &format!("/audit?action=test&before={older}"), Some(&auditor), &[]).await;
        assert!(
            body.contains("filler:9<") && body.contains("filler:0<") && !body.contains("filler:10<"),
            "{name}"
        );

        // The export: every matching row, and the export itself in the trail.
        let response = client
            .get(format!("{}/audit/export.csv?who=sam", srv.base))
            .header("cookie", &auditor)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{name}");
        assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
        let csv = response.text().await.unwrap();
        let mut reader = csv::Reader::from_reader(csv.as_bytes());
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert!(rows.iter().all(|r| &r[3] == "sam"), "{name}: {csv}");
        assert!(rows.iter().any(|r| &r[5] == "note.add"), "{name}: {csv}");
        let exports = srv
            .store
            .audit_search(
                &org,
                &settle_store::platform::trail_search::TrailFilter {
                    action: "audit.export".into(),
                    ..Default::default()
                },
                settle_store::platform::trail_search::TrailOrder::NewestBefore(None),
                5,
            )
            .await
            .unwrap();
        assert_eq!(exports.len(), 1, "{name}");
        assert_eq!(exports[0].actor, "user:audrey", "{name}");
        assert!(exports[0].after.as_deref().unwrap().contains("\"sam\""), "{name}: the filter kept");
        // The API filters alike.
        let token = srv.token(&org, Role::Auditor).await;
        let api = srv.get(&token, "/api/v1/audit?who=sam&action=note").await;
        assert_eq!(api.status, StatusCode::OK, "{name}: {}", api.body);
        assert_eq!(api.body["items"].as_array().unwrap().len(), 1, "{name}: {}", api.body);
        let bad = srv.get(&token, "/api/v1/audit?from=2026-12-05&to=2026-12-01").await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {}", bad.body);
    }
}

#[tokio::test]
async fn a_business_that_bills_no_insurance_sees_no_claims() {
    for srv in Server::each(Duration::from_secs(900)).await {
        let name = srv.name;
        let org = setup(&srv).await;
        let client = browser();
        let (ada, csrf) = session(&srv, &org, "ada", Role::Admin).await;
        let (_, _, home) = page(&client, &srv, Method::GET, "/accounts", Some(&ada), &[]).await;
        assert!(home.contains("href=\"/claims\""), "{name}: a practice has the Claims menu");
        let settings = srv.store.settings(&org).await.unwrap();
        let form = [
            ("csrf", csrf.as_str()),
            ("default_terms", settings.default_terms.as_str()),
            ("aging_buckets", settings.aging_buckets.as_str()),
            ("writeoff_approval_limit", settings.writeoff_approval_limit.as_str()),
            ("refund_approval_limit", settings.refund_approval_limit.as_str()),
            ("x12_submitter_id", ""),
            ("x12_contact_phone", ""),
        ];
        let (status, _, body) = page(&client, &srv, Method::POST, "/admin/settings", Some(&ada), &form).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{name}: {body}");
        assert!(!srv.store.settings(&org).await.unwrap().bills_insurance, "{name}: the unticked box says no");
        let (_, _, home) = page(&client, &srv, Method::GET, "/accounts", Some(&ada), &[]).await;
        assert!(!home.contains("href=\"/claims\""), "{name}: no Claims menu for a business");
        let token = srv.token(&org, Role::Admin).await;
        assert_eq!(srv.get(&token, "/api/v1/organisation").await.body["bills_insurance"], false, "{name}");
    }
}
