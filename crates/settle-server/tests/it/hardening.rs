//! The doors around the books, hardened: HEAD like GET, security headers on
//! every answer, no cookie-borne write from another site, one answer and
//! one wait for every refused login, and two first starts at once.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::json;
use settle_domain::access::Role;

use crate::{new_account, new_payment, Server};

const PASSWORD: &str = "a long enough secret";

/// An organisation with account P-1, an admin token, and an admin's
/// session cookie.
async fn admin_with_account(srv: &Server) -> (settle_store::platform::Organisation, String, String) {
    let org = srv.store.create_organisation("clinic", "Clinic", "USD").await.unwrap();
    let token = srv.token(&org, Role::Admin).await;
    srv.post(&token, "/api/v1/accounts", new_account("P-1", "Ada")).await;
    srv.store
        .add_user(&org, "hal", "Hal", Role::Admin, settle_store::platform::access::FirstPassword::Kept(PASSWORD))
        .await
        .unwrap();
    let (_, secret) = srv.store.login("hal", PASSWORD, "127.0.0.1").await.unwrap().unwrap();
    (org, token, format!("settle_session={secret}"))
}

#[tokio::test]
async fn head_is_answered_like_get_on_pages_and_guarded_routes() {
    for srv in Server::each(Duration::from_secs(900)).await {
        let name = srv.name;
        let (_org, token, cookie) = admin_with_account(&srv).await;
        for path in ["/api/v1/accounts/P-1", "/api/v1/reports/trial-balance", "/healthz"] {
            let head = srv.client.head(format!("{}{path}", srv.base)).bearer_auth(&token).send().await.unwrap();
            assert_eq!(head.status(), StatusCode::OK, "{name}: HEAD {path}");
        }
        for path in ["/accounts/P-1", "/", "/login"] {
            let head = srv.client.head(format!("{}{path}", srv.base)).header("cookie", &cookie).send().await.unwrap();
            assert_eq!(head.status(), StatusCode::OK, "{name}: HEAD {path}");
        }
        let anonymous = srv.client.head(format!("{}/api/v1/accounts/P-1", srv.base)).send().await.unwrap();
        assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED, "{name}");
    }
}

#[tokio::test]
async fn every_answer_carries_the_security_headers() {
    let srv = Server::each(Duration::from_secs(900)).await.into_iter().next().unwrap();
    for path in ["/login", "/api/v1/openapi.json", "/api/v1/docs", "/nope", "/static/settle.css"] {
        let answer = srv.client.get(format!("{}{path}", srv.base)).send().await.unwrap();
        let h = answer.headers();
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        if path != "/api/v1/docs" {
            assert!(csp.contains("script-src 'self';"), "no inline script on {path}: {csp}");
        }
    }
    // No page template runs inline script, so the policy breaks nothing.
    let templates = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");
    for entry in std::fs::read_dir(templates).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        for handler in ["onclick=", "onchange=", "onsubmit=", "oninput=", "onload=", "javascript:"] {
            assert!(!text.contains(handler), "{} runs inline script ({handler})", path.display());
        }
        assert!(!text.contains("<script>"), "{} has an inline <script>", path.display());
    }
}

#[tokio::test]
async fn a_cookie_borne_write_from_another_site_is_refused() {
    for srv in Server::each(Duration::from_secs(900)).await {
        let name = srv.name;
        let (org, token, cookie) = admin_with_account(&srv).await;
        let entries = srv.entry_count(&org).await;
        let post = |origin: Option<&str>, fetch_site: Option<&str>, bearer: bool| {
            let mut request = srv.client.post(format!("{}/api/v1/payments", srv.base)).json(&new_payment("P-1", "5.00"));
            request = if bearer {
                request.bearer_auth(&token)
            } else {
                request.header("cookie", &cookie)
            };
            if let Some(origin) = origin {
                request = request.header("origin", origin);
            }
            if let Some(site) = fetch_site {
                request = request.header("sec-fetch-site", site);
            }
            request.send()
        };
        let foreign = post(Some("https://evil.example"), None, false).await.unwrap();
        assert_eq!(foreign.status(), StatusCode::FORBIDDEN, "{name}");
        let cross = post(None, Some("cross-site"), false).await.unwrap();
        assert_eq!(cross.status(), StatusCode::FORBIDDEN, "{name}");
        assert_eq!(srv.entry_count(&org).await, entries, "{name}: a refused write wrote");
        let own = srv.base.trim_start_matches("http://").to_string();
        let same = post(Some(&format!("http://{own}")), Some("same-origin"), false).await.unwrap();
        assert_eq!(same.status(), StatusCode::CREATED, "{name}");
        // A token is not a browser's ambient credential: any origin may use it.
        let with_token = post(Some("https://integration.example"), None, true).await.unwrap();
        assert_eq!(with_token.status(), StatusCode::CREATED, "{name}");
        // The pages refuse a cross-site form even with the right token.
        let (_, secret2) = srv.store.login("hal", PASSWORD, "127.0.0.1").await.unwrap().unwrap();
        let csrf = settle_server::web::csrf_token(&secret2);
        let form = srv
            .client
            .post(format!("{}/accounts/P-1/notes", srv.base))
            .header("cookie", format!("settle_session={secret2}"))
            .header("origin", "https://evil.example")
            .form(&[("body", "from elsewhere"), ("csrf", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(form.status(), StatusCode::FORBIDDEN, "{name}");
    }
}

#[tokio::test]
async fn a_refused_login_says_and_waits_the_same_for_known_and_unknown_names() {
    let srv = Server::each(Duration::from_secs(900)).await.into_iter().next().unwrap();
    let org = srv.store.create_organisation("clinic", "Clinic", "USD").await.unwrap();
    srv.store
        .add_user(
            &org,
            "real@clinic",
            "Real",
            Role::Auditor,
            settle_store::platform::access::FirstPassword::Kept(PASSWORD),
        )
        .await
        .unwrap();
    srv.store
        .add_user(
            &org,
            "gone@clinic",
            "Gone",
            Role::Auditor,
            settle_store::platform::access::FirstPassword::Kept(PASSWORD),
        )
        .await
        .unwrap();
    srv.store.set_user_enabled(&org, "gone@clinic", false).await.unwrap();
    let srv = &srv;
    let try_login = |username: &'static str, password: &'static str| async move {
        let started = Instant::now();
        let answer = srv
            .send(
                Method::POST,
                "/api/v1/auth/login",
                None,
                Some(&json!({ "username": username, "password": password })),
                None,
            )
            .await;
        (answer.status, answer.body["detail"].clone(), started.elapsed())
    };
    let mut waits = Vec::new();
    let mut details = Vec::new();
    for round in 0..3 {
        for (username, password) in [
            ("real@clinic", "wrong password!"),
            ("nobody@clinic", "wrong password!"),
            ("gone@clinic", PASSWORD),
        ] {
            let (status, detail, took) = try_login(username, password).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{username}");
            details.push(detail);
            waits.push((round, username, took));
        }
    }
    assert!(details.windows(2).all(|w| w[0] == w[1]), "one answer for all: {details:?}");
    // Every name waits at least the round's step. The schedule itself,
    // which depends only on the count of refusals, is unit-tested in
    // login_wait; wall-clock spreads are not compared here, as a loaded
    // machine stretches any of them.
    for (round, username, took) in &waits {
        assert!(*took >= Duration::from_millis(125 << round), "round {round}, {username}: {waits:?}");
    }
}

#[tokio::test]
async fn two_first_starts_at_once_make_one_admin_and_both_run() {
    for backend in settle_store::testing::all_backends().await {
        let store = &backend.store;
        store.create_organisation("clinic", "Clinic", "USD").await.unwrap();
        let (a, b) = tokio::join!(settle_server::bootstrap_admins(store), settle_server::bootstrap_admins(store));
        let made = a.unwrap().len() + b.unwrap().len();
        assert_eq!(made, 1, "{}: exactly one admin is made", backend.name);
    }
}

#[tokio::test]
async fn behind_a_tls_proxy_every_cookie_is_secure_and_browsers_keep_to_https() {
    let backend = settle_store::testing::all_backends().await.into_iter().next().unwrap();
    let org = backend.store.create_organisation("clinic", "Clinic", "USD").await.unwrap();
    backend
        .store
        .add_user(&org, "hal", "Hal", Role::Admin, settle_store::platform::access::FirstPassword::Kept(PASSWORD))
        .await
        .unwrap();
    let serve = |behind_tls_proxy: bool| {
        let store = backend.store.clone();
        async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let config = settle_server::Config {
                listen: addr,
                behind_tls_proxy,
                ..settle_server::Config::default()
            };
            let app = settle_server::app(store, config).into_make_service_with_connect_info::<std::net::SocketAddr>();
            tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
            format!("http://{addr}")
        }
    };
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    for behind in [false, true] {
        let base = serve(behind).await;
        let form = client.get(format!("{base}/login")).send().await.unwrap();
        let hsts = form.headers().get("strict-transport-security").is_some();
        let login_cookie = form.headers()["set-cookie"].to_str().unwrap().to_string();
        assert_eq!(login_cookie.contains("; Secure"), behind, "{login_cookie}");
        assert_eq!(hsts, behind);
        let token = login_cookie.split(';').next().unwrap().split_once('=').unwrap().1.to_string();
        let logged_in = client
            .post(format!("{base}/login"))
            .header("cookie", format!("settle_login={token}"))
            .form(&[("username", "hal"), ("password", PASSWORD), ("csrf", token.as_str())])
            .send()
            .await
            .unwrap();
        assert!(logged_in.status().is_redirection(), "{}", logged_in.status());
        let session = logged_in.headers()["set-cookie"].to_str().unwrap();
        assert_eq!(session.contains("; Secure"), behind, "{session}");
    }
}
