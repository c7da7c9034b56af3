//! The pages over plain HTTP on every backend: every page with every role
//! (the same permissions as the API), CSRF on every form, the idle logoff,
//! and the write-off approval flow with its four-eyes rule.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::json;
use settle_domain::access::Role;
use settle_server::web::{csrf_token, PAGES};
use settle_server::Access;
use settle_store::platform::Organisation;

use crate::{new_account, new_invoice, Server};

pub(crate) const PASSWORD: &str = "pages test password";

pub(crate) fn browser() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// Logs a new user of `role` in; returns the cookie header and CSRF token.
pub(crate) async fn session(srv: &Server, org: &Organisation, username: &str, role: Role) -> (String, String) {
    srv.store
        .add_user(org, username, username, role, settle_store::platform::access::FirstPassword::Kept(PASSWORD))
        .await
        .unwrap();
    let (_, secret) = srv.store.login(username, PASSWORD, "127.0.0.1").await.unwrap().unwrap();
    (format!("settle_session={secret}"), csrf_token(&secret))
}

pub(crate) async fn page(
    client: &reqwest::Client,
    srv: &Server,
    method: Method,
    path: &str,
    cookie: Option<&str>,
    form: &[(&str, &str)],
) -> (StatusCode, String, String) {
    let mut request = client.request(method.clone(), format!("{}{path}", srv.base));
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    if method == Method::POST {
        request = request.form(form);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let location = response.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    (status, location, response.text().await.unwrap())
}

pub(crate) async fn setup(srv: &Server) -> Organisation {
    let org = srv.store.create_organisation("clinic", "Clinic", "USD").await.unwrap();
    let admin = srv.token(&org, Role::Admin).await;
    assert_eq!(
        srv.post(&admin, "/api/v1/accounts", new_account("P-000001", "Pat Doe")).await.status,
        StatusCode::CREATED
    );
    assert_eq!(
        srv.post(&admin, "/api/v1/invoices", new_invoice("P-000001", "400.00")).await.status,
        StatusCode::CREATED
    );
    org
}

#[tokio::test]
async fn every_page_with_every_role() {
    for srv in Server::each(Duration::from_secs(900)).await {
        let org = setup(&srv).await;
        let client = browser();
        let mut sessions = Vec::new();
        for role in Role::ALL {
            sessions.push((role, session(&srv, &org, &format!("u-{}", role.as_str().replace('_', "-")), role).await));
        }
        for (method, path, access) in PAGES {
            if *path == "/logout" || *path == "/login" && *method == "POST" {
                // Logging out ends the session the loop uses; logging in
                // needs its own form token (tested in the browser).
                continue;
            }
            let method: Method = method.parse().unwrap();
            let concrete = path
                .replace("{number}", "P-000001")
                .replace("{id}", "404")
                .replace("{index}", "1")
                .replace("{username}", "nobody")
                .replace("{token_id}", "404")
                .replace("{file}", "settle.css");
            let (status, location, _) = page(&client, &srv, method.clone(), &concrete, None, &[]).await;
            if *access == Access::Public {
                assert!(!status.is_server_error(), "{} {path} is public", srv.name);
                if method == Method::GET && !path.contains("{token}") {
                    assert_eq!(status, StatusCode::OK, "{} {path} is public", srv.name);
                }
            } else {
                assert_eq!(status, StatusCode::SEE_OTHER, "{} {method} {path} without a session", srv.name);
                assert!(location.starts_with("/login?next="), "{location}");
            }
            for (role, (cookie, csrf)) in &sessions {
                let (status, _, body) = page(&client, &srv, method.clone(), &concrete, Some(cookie), &[("csrf", csrf.as_str())]).await;
                let allowed = match access {
                    Access::Public | Access::Authenticated => true,
                    Access::Needs(permission) => role.allows(*permission),
                };
                if allowed {
                    assert_ne!(status, StatusCode::FORBIDDEN, "{} {method} {path} as {role}: {body}", srv.name);
                    assert!(!status.is_server_error(), "{} {method} {path} as {role}: {status}", srv.name);
                } else {
                    assert_eq!(status, StatusCode::FORBIDDEN, "{} {method} {path} as {role}", srv.name);
                    assert!(body.contains("Not open to your role"), "{body}");
                }
            }
        }
        // A collector is refused the admin pages, in words.
        let collector = &sessions.iter().find(|(r, _)| *r == Role::CollectionsSpecialist).unwrap().1;
        let (status, _, body) = page(&client, &srv, Method::GET, "/admin/users", Some(&collector.0), &[]).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert!(body.contains("users.manage"), "{body}");
    }
}

#[tokio::test]
async fn forms_need_the_session_csrf_token_and_change_nothing_without_it() {
    for srv in Server::each(Duration::from_secs(900)).await {
        let org = setup(&srv).await;
        let client = browser();
        let (cookie, csrf) = session(&srv, &org, "sam", Role::BillingSpecialist).await;
        let (other_cookie, other_csrf) = session(&srv, &org, "cora", Role::BillingCoordinator).await;
        let path = "/accounts/P-000001/notes";
        for form in [
            vec![("body", "no token")],
            vec![("body", "another session's token"), ("csrf", other_csrf.as_str())],
        ] {
            let (status, _, body) = page(&client, &srv, Method::POST, path, Some(&cookie), &form).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{}", srv.name);
            assert!(body.contains("security token"), "{body}");
        }
        assert!(srv.store.notes(&org, "P-000001").await.unwrap().is_empty(), "a refused form writes nothing");
        let (status, location, _) = page(
            &client,
            &srv,
            Method::POST,
            path,
            Some(&cookie),
            &[("body", "Called, left voicemail"), ("csrf", &csrf)],
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{}", srv.name);
        assert!(location.starts_with("/accounts/P-000001?msg="), "{location}");
        let notes = srv.store.notes(&org, "P-000001").await.unwrap();
        assert_eq!(notes.len(), 1);
        assert_eq!(notes[0].author, "user:sam");
        // An empty note is refused beside the field and not saved.
        let (status, _, body) = page(&client, &srv, Method::POST, path, Some(&cookie), &[("body", "  "), ("csrf", &csrf)]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("id=\"note-error\"") && body.contains("Write the note first."), "{body}");
        assert_eq!(srv.store.notes(&org, "P-000001").await.unwrap().len(), 1);
        // Logging out ends the session: the cookie no longer opens pages.
        let (status, _, _) = page(&client, &srv, Method::POST, "/logout", Some(&other_cookie), &[("csrf", &other_csrf)]).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (status, location, _) = page(&client, &srv, Method::GET, "/accounts", Some(&other_cookie), &[]).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert!(location.contains("expired=1"), "{location}");
    }
}

#[tokio::test]
async fn idle_sessions_are_logged_off() {
    let srv = Server::each(Duration::from_secs(1)).await.into_iter().next().unwrap();
    let org = setup(&srv).await;
    let (cookie, _) = session(&srv, &org, "sam", Role::BillingSpecialist).await;
    let client = browser();
    assert_eq!(page(&client, &srv, Method::GET, "/accounts", Some(&cookie), &[]).await.0, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let (status, location, _) = page(&client, &srv, Method::GET, "/accounts", Some(&cookie), &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location, "/login?next=%2Faccounts&expired=1");
}

#[tokio::test]
async fn write_offs_above_the_limit_wait_for_someone_else() {
    for srv in Server::each(Duration::from_secs(900)).await {
        let org = setup(&srv).await;
        let client = browser();
        let (sam, sam_csrf) = session(&srv, &org, "sam", Role::BillingSpecialist).await;
        let (cora, cora_csrf) = session(&srv, &org, "cora", Role::BillingCoordinator).await;
        let form = |csrf: &str| {
            vec![
                ("reference", "INV-000001".to_string()),
                ("reason", "bad_debt_write_off".to_string()),
                ("amount", "150.00".to_string()),
                ("date", "2026-11-01".to_string()),
                ("memo", "Moved away".to_string()),
                ("csrf", csrf.to_string()),
            ]
        };
        let as_pairs = |v: &Vec<(&'static str, String)>| v.iter().map(|(k, v)| (*k, v.clone())).collect::<Vec<_>>();
        let sam_form = as_pairs(&form(&sam_csrf));
        let sam_form: Vec<(&str, &str)> = sam_form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (status, location, _) = page(&client, &srv, Method::POST, "/accounts/P-000001/adjustments/new", Some(&sam), &sam_form).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{}", srv.name);
        assert!(location.contains("approval"), "{location}");
        let pending = srv.store.approvals(&org, Some("pending"), 10).await.unwrap();
        assert_eq!(pending.len(), 1);
        let id = pending[0].approval_id;
        let detail = srv.store.account_detail(&org, "P-000001").await.unwrap();
        assert_eq!(detail.summary.balance, "400.00", "nothing posts while it waits");

        // The specialist may not approve at all; the coordinator may not
        // approve a request of their own.
        let approve = format!("/approvals/{id}/approve");
        assert_eq!(
            page(&client, &srv, Method::POST, &approve, Some(&sam), &[("csrf", sam_csrf.as_str())]).await.0,
            StatusCode::FORBIDDEN
        );
        let cora_form = as_pairs(&form(&cora_csrf));
        let cora_form: Vec<(&str, &str)> = cora_form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        page(&client, &srv, Method::POST, "/accounts/P-000001/adjustments/new", Some(&cora), &cora_form).await;
        let own = srv
            .store
            .approvals(&org, Some("pending"), 10)
            .await
            .unwrap()
            .into_iter()
            .find(|v| v.requested_by == "user:cora")
            .unwrap();
        let (status, _, body) = page(
            &client,
            &srv,
            Method::POST,
            &format!("/approvals/{}/approve", own.approval_id),
            Some(&cora),
            &[("csrf", cora_csrf.as_str())],
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("is your own"), "{body}");

        // The coordinator approves the specialist's: it posts as asked.
        let (status, location, _) = page(
            &client,
            &srv,
            Method::POST,
            &approve,
            Some(&cora),
            &[("note", "Confirmed skip trace failed"), ("csrf", cora_csrf.as_str())],
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{}", srv.name);
        assert!(location.starts_with("/approvals?msg=Approved"), "{location}");
        let detail = srv.store.account_detail(&org, "P-000001").await.unwrap();
        assert_eq!(detail.summary.balance, "250.00");
        let decided = srv.store.approval(&org, id).await.unwrap();
        assert_eq!((decided.status.as_str(), decided.decided_by.as_deref()), ("approved", Some("user:cora")));
        assert!(decided.adjustment_id.is_some());
        // Deciding twice is refused.
        let again = srv.store.decide_approval(&org, id, false, "").await.unwrap_err();
        assert!(again.to_string().contains("already approved"), "{again}");

        // Through the API: 202 and "held" above the limit, 201 below it.
        let token = srv.token(&org, Role::BillingSpecialist).await;
        let held = srv
            .post(
                &token,
                "/api/v1/adjustments",
                json!({ "reference": "INV-000001", "reason": "charity", "amount": "100.01", "date": "2026-11-02" }),
            )
            .await;
        assert_eq!(held.status, StatusCode::ACCEPTED, "{}", held.body);
        assert_eq!(held.body["outcome"], "held");
        let posted = srv
            .post(
                &token,
                "/api/v1/adjustments",
                json!({ "reference": "INV-000001", "reason": "charity", "amount": "100.00", "date": "2026-11-02" }),
            )
            .await;
        assert_eq!(posted.status, StatusCode::CREATED, "{}", posted.body);
        assert_eq!(posted.body["outcome"], "posted");
        assert_eq!(posted.body["balance"], "150.00");
    }
}

#[tokio::test]
async fn forms_open_accounts_take_payments_where_told_and_refund_credit() {
    for srv in Server::each(Duration::from_secs(900)).await {
        let org = setup(&srv).await;
        let client = browser();
        let (cookie, csrf) = session(&srv, &org, "cora", Role::BillingCoordinator).await;
        let post = |path: &'static str, form: Vec<(&'static str, String)>| {
            let client = client.clone();
            let cookie = cookie.clone();
            let csrf = csrf.clone();
            let base = srv.base.clone();
            async move {
                let mut form = form;
                form.push(("csrf", csrf));
                let response = client.post(format!("{base}{path}")).header("cookie", cookie).form(&form).send().await.unwrap();
                let status = response.status();
                let location = response.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
                (status, location, response.text().await.unwrap())
            }
        };
        // A refusal names the field, keeps what was typed, and opens nothing.
        let (status, _, body) = post(
            "/accounts/new",
            vec![
                ("account_number", "P-000777".into()),
                ("name", "".into()),
                ("kind", "person".into()),
                ("ar_kind", "patient".into()),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{}", srv.name);
        assert!(body.contains("id=\"name-error\""), "{body}");
        assert!(body.contains("value=\"P-000777\""), "what was typed is kept");
        assert!(srv.store.account_detail(&org, "P-000777").await.is_err());
        // An address without its ZIP: refused under the address fields, what was typed kept.
        let (status, _, body) = post(
            "/accounts/new",
            vec![
                ("account_number", "P-000777".into()),
                ("name", "Robin Hale".into()),
                ("kind", "person".into()),
                ("ar_kind", "patient".into()),
                ("street", "12 Oak St".into()),
                ("city", "Springfield".into()),
                ("state", "Illinois".into()),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{}", srv.name);
        assert!(body.contains("id=\"address-error\"") && body.contains("ZIP"), "{body}");
        assert!(body.contains("value=\"12 Oak St\""), "what was typed is kept");
        assert!(srv.store.account_detail(&org, "P-000777").await.is_err());
        // The organisation's default terms apply when none are given.
        srv.store
            .update_settings(
                &org,
                &settle_store::billing::SettingsUpdate {
                    default_terms: "net15".into(),
                    aging_buckets: "30,60,90,120".into(),
                    writeoff_approval_limit: "100.00".into(),
                    refund_approval_limit: None,
                    bills_insurance: None,
                    x12_submitter_id: None,
                    x12_contact_phone: None,
                    scrub_rules_off: None,
                },
            )
            .await
            .unwrap();
        let (status, location, _) = post(
            "/accounts/new",
            vec![
                ("account_number", "P-000777".into()),
                ("name", "Robin Hale".into()),
                ("kind", "person".into()),
                ("ar_kind", "patient".into()),
                ("date_of_birth", "1979-04-30".into()),
                ("phone", "555-444-1212".into()),
                ("street", "12 Oak St".into()),
                ("street2", "Unit 5".into()),
                ("city", "Springfield".into()),
                ("state", "Illinois".into()),
                ("zip", "62704".into()),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{}", srv.name);
        assert_eq!(location, "/accounts/P-000777?msg=Account+opened.");
        let opened = srv.store.account_detail(&org, "P-000777").await.unwrap();
        let kept = opened
            .contacts
            .iter()
            .find(|c| c.kind == "address")
            .and_then(|c| c.postal.clone())
            .expect("the address by its fields");
        assert_eq!(kept.lines, ["12 Oak St", "Unit 5", "Springfield, IL 62704"], "{}", srv.name);
        assert_eq!(srv.store.account_detail(&org, "P-000777").await.unwrap().payment_terms, "net15");
        let hits = srv.store.search_accounts(&org, "4/30/1979", 5).await.unwrap();
        assert_eq!(hits.first().map(|h| h.account_number.as_str()), Some("P-000777"));
        let hits = srv.store.search_accounts(&org, "444-1212", 5).await.unwrap();
        assert_eq!(
            hits.first().map(|h| (h.account_number.as_str(), h.matched.starts_with("phone"))),
            Some(("P-000777", true))
        );

        // Two invoices; a payment put on the newer one by hand, the rest kept as credit.
        let admin = srv.token(&org, Role::Admin).await;
        for price in ["100.00", "80.00"] {
            assert_eq!(
                srv.post(&admin, "/api/v1/invoices", new_invoice("P-000777", price)).await.status,
                StatusCode::CREATED
            );
        }
        let detail = srv.store.account_detail(&org, "P-000777").await.unwrap();
        let newer = detail.items.last().unwrap().reference.clone();
        let older = detail.items.first().unwrap().reference.clone();
        let (status, _, body) = post(
            "/accounts/P-000777/payments/new",
            vec![
                ("amount", "130.00".into()),
                ("method", "check".into()),
                ("reference", "2001".into()),
                ("received_on", "2026-03-01".into()),
                ("allocation", "manual".into()),
                ("apply_reference", older.clone()),
                ("apply_amount", "".into()),
                ("apply_reference", newer.clone()),
                ("apply_amount", "80.00".into()),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{}: {body}", srv.name);
        let detail = srv.store.account_detail(&org, "P-000777").await.unwrap();
        let balance_of = |r: &str| detail.items.iter().find(|i| i.reference == r).unwrap().balance.clone();
        assert_eq!(
            (balance_of(&older).as_str(), balance_of(&newer).as_str(), detail.summary.credit.as_str()),
            ("100.00", "0.00", "50.00")
        );

        // A refund above the credit is refused beside the amount; within it, recorded.
        let (status, _, body) = post(
            "/accounts/P-000777/refunds/new",
            vec![("amount", "60.00".into()), ("method", "check".into()), ("date", "2026-03-05".into())],
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{}", srv.name);
        assert!(body.contains("id=\"amount-error\""), "{body}");
        let (status, location, _) = post(
            "/accounts/P-000777/refunds/new",
            vec![("amount", "50.00".into()), ("method", "check".into()), ("date", "2026-03-05".into())],
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert!(location.contains("Refund"), "{location}");
        assert_eq!(srv.store.account_detail(&org, "P-000777").await.unwrap().summary.credit, "0.00");
        assert!(srv.store.verify(&org).await.unwrap().discrepancies.is_empty());
    }
}

#[tokio::test]
async fn an_admin_changes_roles_but_never_leaves_the_organisation_without_one() {
    for srv in Server::each(Duration::from_secs(900)).await {
        let org = setup(&srv).await;
        let client = browser();
        let (admin, admin_csrf) = session(&srv, &org, "ada", Role::Admin).await;
        let (cole, _) = session(&srv, &org, "cole", Role::CollectionsSpecialist).await;
        let invoice_form = "/accounts/P-000001/invoices/new";
        assert_eq!(page(&client, &srv, Method::GET, invoice_form, Some(&cole), &[]).await.0, StatusCode::FORBIDDEN);
        let (status, location, _) = page(
            &client,
            &srv,
            Method::POST,
            "/admin/users/cole/role",
            Some(&admin),
            &[("role", "billing_specialist"), ("csrf", &admin_csrf)],
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{}", srv.name);
        assert!(location.contains("billing+specialist"), "{location}");
        assert_eq!(
            page(&client, &srv, Method::GET, invoice_form, Some(&cole), &[]).await.0,
            StatusCode::OK,
            "the new role applies at once"
        );
        // The only admin cannot step down.
        let (status, _, body) = page(
            &client,
            &srv,
            Method::POST,
            "/admin/users/ada/role",
            Some(&admin),
            &[("role", "auditor"), ("csrf", &admin_csrf)],
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("only active admin"), "{body}");
        assert_eq!(
            srv.store.users(&org).await.unwrap().iter().find(|u| u.username == "ada").unwrap().role,
            Role::Admin
        );
    }
}

/// Finding people by name as a front desk types them: surname first with a
/// comma, words in any order, one letter; a long list says more match and
/// can show up to 100, so no one is out of reach by surname.
#[tokio::test]
async fn people_are_found_by_their_names_words_in_any_order() {
    for srv in Server::each(Duration::from_secs(900)).await {
        let name = srv.name;
        let org = setup(&srv).await;
        let admin = srv.token(&org, Role::Admin).await;
        let firsts = [
            "Ana", "Beatriz", "Carlos", "Diego", "Elena", "Fernando", "Gloria", "Hector", "Ines", "Jorge", "Karla", "Luis", "Marta", "Nora", "Oscar", "Pablo",
            "Rosa", "Sofia", "Tomas", "Ursula", "Victor", "Ximena", "Yolanda", "Zoe",
        ];
        for (i, first) in firsts.iter().chain(["Kwame"].iter()).enumerate() {
            let number = format!("G-{i:03}");
            let created = srv.post(&admin, "/api/v1/accounts", new_account(&number, &format!("{first} Garcia"))).await;
            assert_eq!(created.status, StatusCode::CREATED, "{name}: {}", created.body);
        }
        for typed in ["Garcia, Kwame", "garcia kwame", "kwame garcia", "GARCIA KW"] {
            let hits = srv.store.search_accounts(&org, typed, 20).await.unwrap();
            assert_eq!(hits.iter().map(|h| h.name.as_str()).collect::<Vec<_>>(), ["Kwame Garcia"], "{name}: {typed}");
        }
        assert!(!srv.store.search_accounts(&org, "g", 20).await.unwrap().is_empty(), "{name}: one letter");
        assert!(srv.store.search_accounts(&org, "garcia zzz", 20).await.unwrap().is_empty(), "{name}");
        let client = browser();
        let (cookie, _) = session(&srv, &org, "sam", Role::BillingSpecialist).await;
        let (_, _, body) = page(&client, &srv, Method::GET, "/accounts/search?q=garcia", Some(&cookie), &[]).await;
        assert!(
            body.contains("The first 20 accounts that match; more match too") && body.contains("limit=100"),
            "{name}: {body}"
        );
        let (_, _, body) = page(&client, &srv, Method::GET, "/accounts?q=garcia&limit=100", Some(&cookie), &[]).await;
        assert!(body.contains("25 accounts found"), "{name}: {body}");
        assert!(
            firsts.iter().all(|f| body.contains(&format!("{f} Garcia"))),
            "{name}: every Garcia is reachable"
        );
        let (_, _, body) = page(&client, &srv, Method::GET, "/accounts/search?q=g", Some(&cookie), &[]).await;
        assert!(!body.contains("No account matches"), "{name}: {body}");
    }
}

#[tokio::test]
async fn a_mistyped_address_gets_a_page_and_the_icon_is_there() {
    for srv in Server::each(Duration::from_secs(900)).await {
        let client = browser();
        let page = client.get(format!("{}/acounts/P-1", srv.base)).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::NOT_FOUND, "{}", srv.name);
        assert!(page.headers()["content-type"].to_str().unwrap().starts_with("text/html"), "{}", srv.name);
        assert!(page.text().await.unwrap().contains("Page not found"), "{}", srv.name);
        let api = client.get(format!("{}/api/v1/nope", srv.base)).send().await.unwrap();
        assert_eq!(api.status(), StatusCode::NOT_FOUND, "{}", srv.name);
        assert_eq!(api.headers()["content-type"], "application/problem+json", "{}", srv.name);
        let icon = client.get(format!("{}/favicon.ico", srv.base)).send().await.unwrap();
        assert_eq!(icon.status(), StatusCode::OK, "{}", srv.name);
        assert_eq!(icon.headers()["content-type"], "image/svg+xml", "{}", srv.name);
    }
}
