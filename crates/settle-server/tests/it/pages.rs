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

const PASSWORD: &str = "pages test password";

fn browser() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// Logs a new user of `role` in; returns the cookie header and CSRF token.
async fn session(srv: &Server, org: &Organisation, username: &str, role: Role) -> (String, String) {
    srv.store.add_user(org, username, username, role, Some(PASSWORD)).await.unwrap();
    let (_, secret) = srv.store.login(username, PASSWORD, "127.0.0.1").await.unwrap().unwrap();
    (format!("settle_session={secret}"), csrf_token(&secret))
}

async fn page(client: &reqwest::Client, srv: &Server, method: Method, path: &str, cookie: Option<&str>, form: &[(&str, &str)]) -> (StatusCode, String, String) {
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

async fn setup(srv: &Server) -> Organisation {
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

#[tokio::test]
async fn a_visit_entered_fixed_sent_and_acknowledged_in_the_pages() {
    for srv in Server::each(Duration::from_secs(900)).await {
        let name = srv.name;
        let org = srv.store.create_organisation("clinic", "Clinic", "USD").await.unwrap();
        let admin = srv.token(&org, Role::Admin).await;
        let patient = json!({
            "account_number": "P-1", "ar_kind": "patient", "opened_on": "2026-01-01",
            "party": { "kind": "person", "name": "Jane Smith", "date_of_birth": "1970-04-02", "sex": "F", "address": "236 N Main St, Miami, FL 33413" }
        });
        assert_eq!(srv.post(&admin, "/api/v1/accounts", patient).await.status, StatusCode::CREATED);
        srv.post(
            &admin,
            "/api/v1/payers",
            json!({ "payer_code": "66783JJT", "name": "Key Insurance", "filing_indicator": "CI", "timely_filing_days": 90 }),
        )
        .await;
        srv.post(
            &admin,
            "/api/v1/providers",
            json!({ "npi": "1912301953", "name": "Ben Kildare Service", "kind": "organisation", "tax_id": "587654321", "address": "234 Seaway St, Miami, FL 33111-0000" }),
        )
        .await;
        srv.post(
            &admin,
            "/api/v1/accounts/P-1/coverages",
            json!({ "payer_code": "66783JJT", "member_id": "JS001", "relationship": "self", "priority": "primary", "effective_from": "2026-01-01" }),
        )
        .await;
        let client = browser();
        let (cookie, csrf) = session(&srv, &org, "sam", Role::BillingSpecialist).await;
        let (collector, collector_csrf) = session(&srv, &org, "cole", Role::CollectionsSpecialist).await;
        let today = settle_server::web::today().to_string();
        let visit = |dx: &'static str| -> Vec<(&'static str, String)> {
            vec![
                ("account_number", "P-1".into()),
                ("payer_code", String::new()),
                ("billing_npi", "1912301953".into()),
                ("place_of_service", "11".into()),
                ("diagnosis0", dx.into()),
                ("line0.date_of_service", today.clone()),
                ("line0.procedure_code", "99213".into()),
                ("line0.modifiers", "25".into()),
                ("line0.diagnosis_pointers", "1".into()),
                ("line0.units", "1".into()),
                ("line0.charge", "125.00".into()),
            ]
        };
        let with_csrf = |mut f: Vec<(&'static str, String)>, token: &str| {
            f.push(("csrf", token.to_string()));
            f
        };
        let form = with_csrf(visit("E11"), &csrf);
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (status, location, _) = page(&client, &srv, Method::POST, "/claims/new", Some(&cookie), &pairs).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{name}");
        assert!(location.starts_with("/claims/CLM-000001?msg="), "{name}: {location}");
        let (_, _, body) = page(&client, &srv, Method::GET, "/claims/CLM-000001", Some(&cookie), &[]).await;
        assert!(
            body.contains("is a category, not a billable code") && body.contains("diagnoses[0]"),
            "{name}: {body}"
        );
        let (_, _, body) = page(&client, &srv, Method::GET, "/claims/CLM-000001/edit", Some(&cookie), &[]).await;
        assert!(body.contains("id=\"diagnosis0-error\""), "{name}: the finding shows at its box");
        let (_, _, body) = page(&client, &srv, Method::GET, "/claims/icd10?q=type+2+diabetes+without", Some(&cookie), &[]).await;
        assert!(body.contains("E11.9"), "{name}: {body}");

        // A collector neither sees claims (diagnoses and procedures: minimum necessary) nor enters or sends them.
        let (status, _, _) = page(&client, &srv, Method::GET, "/claims?status=scrubbed", Some(&collector), &[]).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{name}");
        let form = with_csrf(visit("E11.9"), &collector_csrf);
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (status, _, _) = page(&client, &srv, Method::POST, "/claims/CLM-000001/edit", Some(&collector), &pairs).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{name}");

        // Fixed: ready. A line with no code but a date is ignored; a bad units box is named.
        let mut bad = with_csrf(visit("E11.9"), &csrf);
        bad.push(("line1.procedure_code", "36415".into()));
        bad.push(("line1.date_of_service", today.clone()));
        bad.push(("line1.units", "two".into()));
        let pairs: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (status, _, body) = page(&client, &srv, Method::POST, "/claims/CLM-000001/edit", Some(&cookie), &pairs).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(body.contains("Units are a whole number"), "{name}: {body}");
        let form = with_csrf(visit("E11.9"), &csrf);
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (status, location, _) = page(&client, &srv, Method::POST, "/claims/CLM-000001/edit", Some(&cookie), &pairs).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{name}");
        assert!(location.contains("ready+to+send"), "{name}: {location}");

        // Sending needs the contact phone; then the file is there to download.
        let (status, _, body) = page(
            &client,
            &srv,
            Method::POST,
            "/claims/send",
            Some(&cookie),
            &[("csrf", &csrf), ("payer_code", "66783JJT")],
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(body.contains("contact phone"), "{name}");
        let s = srv.store.settings(&org).await.unwrap();
        srv.store
            .update_settings(
                &org,
                &settle_store::billing::SettingsUpdate {
                    default_terms: s.default_terms,
                    aging_buckets: s.aging_buckets,
                    writeoff_approval_limit: s.writeoff_approval_limit,
                    x12_submitter_id: None,
                    x12_contact_phone: Some("3055552222".into()),
                    scrub_rules_off: None,
                },
            )
            .await
            .unwrap();
        let (status, _, body) = page(
            &client,
            &srv,
            Method::POST,
            "/claims/send",
            Some(&cookie),
            &[("csrf", &csrf), ("payer_code", "66783JJT")],
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{name}");
        assert!(body.contains("Sent 1 claim(s)") && body.contains("/x12-files/1"), "{name}: {body}");
        let (status, _, file) = page(&client, &srv, Method::GET, "/x12-files/1", Some(&cookie), &[]).await;
        assert_eq!(status, StatusCode::OK, "{name}");
        assert!(file.starts_with("ISA*") && file.contains("CLM*CLM-000001*125"), "{name}");

        // A 277CA pasted in: accepted.
        let ack = "ISA*00*          *00*          *ZZ*66783JJT       *ZZ*587654321      *261125*1008*^*00501*000014420*0*T*:~\
GS*HN*66783JJT*587654321*20261125*100831*14420*X*005010X214~ST*277*0001*005010X214~BHT*0085*08*1*20261125*1008*TH~\
HL*1**20*1~NM1*PR*2*KEY*****PI*66783JJT~HL*2*1*21*1~NM1*41*2*CLINIC*****46*587654321~HL*3*2*19*1~NM1*85*2*BEN*****XX*1912301953~\
HL*4*3*PT~NM1*QC*1*SMITH*JANE****MI*JS001~TRN*2*CLM-000001~STC*A2:20*20261125*WQ*125~REF*1K*ICN42~SE*14*0001~GE*1*14420~IEA*1*000014420~";
        let (status, _, body) = page(
            &client,
            &srv,
            Method::POST,
            "/claims/acknowledgments",
            Some(&cookie),
            &[("csrf", &csrf), ("file_name", "a.277"), ("body", ack)],
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{name}");
        assert!(body.contains("277CA read: 1 claim(s) changed"), "{name}: {body}");
        let (_, _, body) = page(&client, &srv, Method::GET, "/accounts/P-1", Some(&cookie), &[]).await;
        assert!(
            body.contains("CLM-000001") && body.contains("Key Insurance"),
            "{name}: the account page shows coverage and claims"
        );
        // The ERA: the claim paid (its EOB on the claim page), a stranger in the exception queue.
        let era = "ISA*00*          *00*          *ZZ*66783JJT       *ZZ*587654321      *261201*1200*^*00501*000000042*0*P*:~\
GS*HP*66783JJT*587654321*20261201*1200*42*X*005010X221A1~ST*835*0001*005010X221A1~\
BPR*I*150.00*C*ACH*CCP*01*999999999*DA*123456*1666666666**01*999888777*DA*654321*20261201~TRN*1*EFT-77*1666666666~\
N1*PR*KEY INSURANCE~N1*PE*BEN KILDARE SERVICE*XX*1912301953~LX*1~CLP*CLM-000001*1*125.00*100.00*5.00*12*ICN42~\
SVC*HC:99213:25*125.00*100.00~CAS*CO*45*20.00~CAS*PR*3*5.00~REF*6R*CLM-000001-1~\
CLP*CLM-999*1*50.00*50.00**12*ICN43~SVC*HC:99213*50.00*50.00~SE*14*0001~GE*1*42~IEA*1*000000042~";
        let (status, _, body) = page(
            &client,
            &srv,
            Method::POST,
            "/claims/era",
            Some(&cookie),
            &[("csrf", &csrf), ("file_name", "era.835"), ("body", era)],
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{name}: {body}");
        assert!(
            body.contains("1 claim(s) to post, 1 to the exception list") && body.contains("Post it"),
            "{name}: {body}"
        );
        assert_eq!(
            srv.store.claim(&org, "CLM-000001").await.unwrap().status,
            "accepted",
            "{name}: the preview posts nothing"
        );
        let (status, _, body) = page(
            &client,
            &srv,
            Method::POST,
            "/claims/era",
            Some(&cookie),
            &[("csrf", &csrf), ("file_name", "era.835"), ("body", era), ("confirm", "1")],
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{name}: {body}");
        assert!(body.contains("Posted ERA EFT-77"), "{name}: {body}");
        let (_, _, body) = page(&client, &srv, Method::GET, "/claims/CLM-000001", Some(&cookie), &[]).await;
        assert!(
            body.contains("What the payer said") && body.contains("CO-45 20.00") && body.contains("PR-3 5.00"),
            "{name}: {body}"
        );
        let (_, _, body) = page(&client, &srv, Method::GET, "/claims/exceptions", Some(&collector), &[]).await;
        assert!(body.contains("CLM-999") && body.contains("no claim CLM-999"), "{name}: {body}");
        assert!(!body.contains("Post to this claim"), "{name}: a collector does not resolve exceptions");
        let (_, _, body) = page(&client, &srv, Method::GET, "/claims/exceptions", Some(&cookie), &[]).await;
        assert!(
            body.contains("Post to this claim") && body.contains(">50.00</td>"),
            "{name}: the 50.00 held in suspense: {body}"
        );
        // Matched to a claim it does not fit: refused beside the row, nothing posted.
        let resolve = |action: &'static str, claim: &'static str| {
            vec![
                ("csrf", csrf.clone()),
                ("remittance_id", "1".to_string()),
                ("seq", "2".to_string()),
                ("action", action.to_string()),
                ("claim_number", claim.to_string()),
                ("note", "not our patient".to_string()),
            ]
        };
        let form = resolve("match", "CLM-000001");
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (status, location, _) = page(&client, &srv, Method::POST, "/claims/exceptions/resolve", Some(&cookie), &form).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{name}");
        assert!(location.contains("error=Nothing+was+posted"), "{name}: {location}");
        let form = resolve("return", "");
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (status, location, _) = page(&client, &srv, Method::POST, "/claims/exceptions/resolve", Some(&cookie), &form).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{name}");
        assert!(location.contains("owed+back+to+the+payer"), "{name}: {location}");
        assert!(srv.store.remit_exceptions(&org).await.unwrap().is_empty(), "{name}");
        let (status, _, body) = page(&client, &srv, Method::GET, "/claims/secondaries", Some(&cookie), &[]).await;
        assert_eq!(status, StatusCode::OK, "{name}");
        assert!(body.contains("Secondaries to bill"), "{name}");
        // A second visit, denied: the denial worklist explains it, and it is appealed and written off here.
        let second = srv
            .post(
                &admin,
                "/api/v1/claims",
                json!({ "account_number": "P-1", "billing_npi": "1912301953", "place_of_service": "11", "diagnoses": ["E11.9"],
                        "lines": [{ "date_of_service": today, "procedure_code": "99214", "diagnosis_pointers": [1], "charge": "150.00" }] }),
            )
            .await;
        assert_eq!(second.body["status"], "ready", "{name}: {}", second.body);
        let number = second.body["claim_number"].as_str().unwrap().to_string();
        srv.post(&admin, "/api/v1/claim-batches", json!({ "payer_code": "66783JJT" })).await;
        let deny = format!(
            "ISA*00*          *00*          *ZZ*66783JJT       *ZZ*587654321      *261202*1200*^*00501*000000043*0*P*:~\
GS*HP*66783JJT*587654321*20261202*1200*43*X*005010X221A1~ST*835*0001*005010X221A1~BPR*H*0.00*C*NON************20261202~\
TRN*1*EFT-78*1666666666~N1*PR*KEY INSURANCE~N1*PE*BEN KILDARE SERVICE*XX*1912301953~LX*1~CLP*{number}*4*150.00*0.00**12*ICN45~\
SVC*HC:99214*150.00*0.00~CAS*CO*16*150.00~REF*6R*{number}-1~LQ*HE*MA130~SE*12*0001~GE*1*43~IEA*1*000000043~"
        );
        let posted = srv.post(&admin, "/api/v1/remittances", json!({ "file_name": "deny.835", "body": deny })).await;
        assert_eq!(posted.status, StatusCode::CREATED, "{name}: {}", posted.body);
        let (status, _, _) = page(&client, &srv, Method::GET, "/claims/denials", Some(&collector), &[]).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{name}: codes are not a collector's to see");
        let (status, _, body) = page(&client, &srv, Method::GET, "/claims/denials", Some(&cookie), &[]).await;
        assert_eq!(status, StatusCode::OK, "{name}");
        assert!(
            body.contains(&number) && body.contains("CO-16") && body.contains("cannot be appealed") && body.contains("correct and resubmit"),
            "{name}: {body}"
        );
        let (_, _, body) = page(&client, &srv, Method::GET, "/claims/denials?reason=50", Some(&cookie), &[]).await;
        assert!(body.contains("0 denial(s)"), "{name}: the reason filter");
        let (status, location, _) = page(
            &client,
            &srv,
            Method::POST,
            "/claims/denials/1/appeal",
            Some(&cookie),
            &[("csrf", &csrf), ("argument", "too short")],
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{name}");
        assert!(location.contains("Nothing+was+changed"), "{name}: {location}");
        let (_, location, _) = page(
            &client,
            &srv,
            Method::POST,
            "/claims/denials/1/appeal",
            Some(&cookie),
            &[
                ("csrf", &csrf),
                ("argument", "The information the payer says was missing is on the claim as sent."),
            ],
        )
        .await;
        assert!(location.contains("letter=1"), "{name}: {location}");
        let (status, _, letter) = page(&client, &srv, Method::GET, "/claims/denials/1/letter", Some(&cookie), &[]).await;
        assert_eq!(status, StatusCode::OK, "{name}");
        assert!(letter.starts_with("%PDF-"), "{name}");
        let (status, _, _) = page(
            &client,
            &srv,
            Method::POST,
            "/claims/denials/1/write-off",
            Some(&collector),
            &[("csrf", &collector_csrf), ("memo", "not worth it")],
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{name}");
        let (_, location, _) = page(
            &client,
            &srv,
            Method::POST,
            "/claims/denials/1/write-off",
            Some(&cookie),
            &[("csrf", &csrf), ("memo", "the payer upheld the denial")],
        )
        .await;
        assert!(location.contains("written+off"), "{name}: {location}");
        assert_eq!(srv.store.claim(&org, &number).await.unwrap().status, "closed", "{name}");
        // The first claim left the patient a 5.00 copay: a statement, previewed, then sent.
        // (The ERA paid on 2026-12-01, so the statement is made the day after.)
        let day = "2026-12-02".to_string();
        let run = |dry: &'static str| {
            vec![
                ("csrf", csrf.clone()),
                ("as_of", day.clone()),
                ("min_balance", "5.00".into()),
                ("dry_run", dry.into()),
            ]
        };
        let form = run("1");
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (status, _, body) = page(&client, &srv, Method::POST, "/statements", Some(&cookie), &pairs).await;
        assert_eq!(status, StatusCode::OK, "{name}: {body}");
        assert!(body.contains("Would send 1 statement(s) for 5.00"), "{name}: {body}");
        let (status, _, _) = page(
            &client,
            &srv,
            Method::POST,
            "/statements",
            Some(&collector),
            &[("csrf", &collector_csrf), ("as_of", &day)],
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{name}");
        let form = run("0");
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (_, _, body) = page(&client, &srv, Method::POST, "/statements", Some(&cookie), &pairs).await;
        assert!(body.contains("Sent 1 statement(s) for 5.00") && body.contains("S-000001"), "{name}: {body}");
        let (status, _, pdf) = page(&client, &srv, Method::GET, "/statements/1/pdf", Some(&collector), &[]).await;
        assert_eq!(status, StatusCode::OK, "{name}");
        assert!(pdf.starts_with("%PDF-"), "{name}");
        let (status, _, pdf) = page(&client, &srv, Method::GET, &format!("/statements/day/{day}"), Some(&cookie), &[]).await;
        assert!(status == StatusCode::OK && pdf.starts_with("%PDF-"), "{name}: {status}");
        let (_, _, body) = page(&client, &srv, Method::GET, "/accounts/P-1", Some(&cookie), &[]).await;
        assert!(body.contains("statements-h") && body.contains("S-000001"), "{name}");
        let again = srv.post(&admin, "/api/v1/statement-runs", json!({ "as_of": day, "dry_run": false })).await;
        assert_eq!(
            (again.body["count"].as_i64(), again.body["skipped_in_cycle"].as_i64()),
            (Some(0), Some(1)),
            "{name}: {}",
            again.body
        );
        let listed = srv.get(&admin, "/api/v1/statements?account=P-1").await;
        assert_eq!(listed.body[0]["amount"], "5.00", "{name}: {}", listed.body);
        let pdf = srv.get(&admin, "/api/v1/statements/1/pdf").await;
        assert_eq!(pdf.headers["content-type"], "application/pdf", "{name}");
        let (status, _, body) = page(
            &client,
            &srv,
            Method::POST,
            "/claims/acknowledgments",
            Some(&cookie),
            &[("csrf", &csrf), ("body", "ISA*garbage")],
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(body.contains("segment") || body.contains("ISA"), "{name}: {body}");
    }
}

#[tokio::test]
async fn payers_providers_and_coverages_from_the_pages() {
    for srv in Server::each(Duration::from_secs(900)).await {
        let name = srv.name;
        let org = setup(&srv).await;
        let client = browser();
        let (cookie, csrf) = session(&srv, &org, "cora", Role::BillingCoordinator).await;
        let (sam, sam_csrf) = session(&srv, &org, "sam", Role::BillingSpecialist).await;
        let payer = |days: &'static str, token: &str| {
            vec![
                ("csrf", token.to_string()),
                ("payer_code", "60054".to_string()),
                ("name", "Aetna".to_string()),
                ("filing_indicator", "CI".to_string()),
                ("timely_filing_days", days.to_string()),
            ]
        };
        let form = payer("ninety", &csrf);
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (status, _, body) = page(&client, &srv, Method::POST, "/claims/setup/payers", Some(&cookie), &pairs).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(body.contains("timely filing limit in days"), "{name}: {body}");
        let form = payer("90", &sam_csrf);
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (status, _, _) = page(&client, &srv, Method::POST, "/claims/setup/payers", Some(&sam), &pairs).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{name}: a specialist does not manage payers");
        let form = payer("90", &csrf);
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (status, location, _) = page(&client, &srv, Method::POST, "/claims/setup/payers", Some(&cookie), &pairs).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{name}");
        assert!(location.contains("Aetna"), "{name}: {location}");
        let (status, _, body) = page(
            &client,
            &srv,
            Method::POST,
            "/claims/setup/providers",
            Some(&cookie),
            &[("csrf", &csrf), ("npi", "1234567890"), ("provider_name", "Made Up"), ("kind", "organisation")],
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(body.contains("check digit"), "{name}: {body}");
        let (_, location, _) = page(
            &client,
            &srv,
            Method::POST,
            "/accounts/P-000001/coverages",
            Some(&cookie),
            &[
                ("csrf", &csrf),
                ("payer_code", "60054"),
                ("member_id", "W123"),
                ("priority", "primary"),
                ("relationship", "self"),
                ("effective_from", "2026-01-01"),
            ],
        )
        .await;
        assert!(location.contains("Primary+coverage+with+Aetna+added"), "{name}: {location}");
        let (_, _, body) = page(&client, &srv, Method::GET, "/claims/setup", Some(&sam), &[]).await;
        assert!(
            body.contains("60054") && !body.contains("Add a payer"),
            "{name}: a specialist sees the payers but cannot add one"
        );
        assert_eq!(srv.store.coverages(&org, "P-000001").await.unwrap()[0].member_id, "W123", "{name}");
    }
}

#[tokio::test]
async fn a_collector_asks_the_gate_and_logs_calls_from_the_account_page() {
    for srv in Server::each(Duration::from_secs(900)).await {
        let name = srv.name;
        let org = setup(&srv).await;
        let client = browser();
        let (collector, csrf) = session(&srv, &org, "casey", Role::CollectionsSpecialist).await;
        let (auditor, audit_csrf) = session(&srv, &org, "avery", Role::Auditor).await;
        // Pat lives in Toronto, outside every US zone, and has no geographic phone.
        let toronto = settle_store::testing::address_abroad();
        srv.store
            .set_contact(&org, "P-000001", "address", &toronto.into(), "2026-01-01".parse().unwrap())
            .await
            .unwrap();
        let (_, _, body) = page(&client, &srv, Method::GET, "/accounts/P-000001", Some(&collector), &[]).await;
        // Nothing says where in the US Pat is: every state's zone, from Eastern to Hawaii.
        assert!(
            body.contains("Collections: contacts and Regulation F") && body.contains("Eastern, Central, Mountain"),
            "{name}"
        );
        assert!(body.contains("May I contact now?"), "{name}");
        let call = |action: &'static str, at: &'static str, outcome: &'static str| {
            vec![
                ("csrf", csrf.clone()),
                ("action", action.to_string()),
                ("channel", "call".to_string()),
                ("at", at.to_string()),
                ("outcome", outcome.to_string()),
                ("note", "left a message".to_string()),
            ]
        };
        let form = call("log", "2026-12-07T09:00:00-05:00", "voicemail");
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (status, location, _) = page(&client, &srv, Method::POST, "/accounts/P-000001/collection-contacts", Some(&collector), &form).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{name}");
        assert!(
            location.contains("error=Refused") && location.contains("Nothing+was+logged"),
            "{name}: {location}"
        );
        let (_, _, body) = page(&client, &srv, Method::GET, &location, Some(&collector), &[]).await;
        assert!(
            body.contains("notice bad") && body.contains("1006.6(b)(1)(i)") && body.contains("in Hawaii"),
            "{name}: {body}"
        );
        let form = call("log", "2026-12-07T14:00:00-05:00", "voicemail");
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (_, location, _) = page(&client, &srv, Method::POST, "/accounts/P-000001/collection-contacts", Some(&collector), &form).await;
        assert!(location.contains("msg=Logged"), "{name}: {location}");
        let (_, _, body) = page(&client, &srv, Method::GET, "/accounts/P-000001", Some(&collector), &[]).await;
        assert!(body.contains("left a message") && body.contains("voicemail"), "{name}");
        // Their requests: a stated zone changes the hours kept to.
        let (_, location, _) = page(
            &client,
            &srv,
            Method::POST,
            "/accounts/P-000001/collection-profile",
            Some(&collector),
            &[("csrf", &csrf), ("stated_zone", "central"), ("opt_outs", "text"), ("inconvenient", "")],
        )
        .await;
        assert!(location.contains("msg=Saved") && location.contains("Central"), "{name}: {location}");
        let (_, location, _) = page(
            &client,
            &srv,
            Method::POST,
            "/accounts/P-000001/collection-profile",
            Some(&collector),
            &[("csrf", &csrf), ("inconvenient", "someday 9-12")],
        )
        .await;
        assert!(
            location.contains("error=Nothing+was+changed") && location.contains("Inconvenient"),
            "{name}: {location}"
        );
        assert_eq!(
            srv.store.collection_profile(&org, "P-000001").await.unwrap().stated_zone,
            "central",
            "{name}: unchanged"
        );
        // An auditor sees the log but has no forms, and may not post them.
        let (_, _, body) = page(&client, &srv, Method::GET, "/accounts/P-000001", Some(&auditor), &[]).await;
        assert!(body.contains("left a message") && !body.contains("May I contact now?"), "{name}");
        let (status, _, _) = page(
            &client,
            &srv,
            Method::POST,
            "/accounts/P-000001/disputes",
            Some(&auditor),
            &[("csrf", &audit_csrf), ("received_on", "2026-12-08")],
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{name}");
        assert!(srv.store.disputes(&org, "P-000001").await.unwrap().is_empty(), "{name}");
        // A promise from the page: refused in the past, recorded by a future date.
        let today = settle_server::web::today();
        let yesterday = today.yesterday().unwrap().to_string();
        let next_week = today.checked_add(jiff::ToSpan::days(7)).unwrap().to_string();
        let (_, location, _) = page(
            &client,
            &srv,
            Method::POST,
            "/accounts/P-000001/promises",
            Some(&collector),
            &[("csrf", &csrf), ("amount", "50.00"), ("due_on", &yesterday)],
        )
        .await;
        assert!(
            location.contains("error=No+promise+was+recorded") && location.contains("past"),
            "{name}: {location}"
        );
        let (_, location, _) = page(
            &client,
            &srv,
            Method::POST,
            "/accounts/P-000001/promises",
            Some(&collector),
            &[("csrf", &csrf), ("amount", "50.00"), ("due_on", &next_week), ("note", "payday")],
        )
        .await;
        assert!(location.contains("msg=Promise+recorded"), "{name}: {location}");
        let (_, _, body) = page(&client, &srv, Method::GET, "/accounts/P-000001", Some(&collector), &[]).await;
        assert!(body.contains("Promises to pay") && body.contains("payday"), "{name}");
        // The validation notice from the page: refused without a return address, then sent, kept and downloadable.
        let (_, location, _) = page(
            &client,
            &srv,
            Method::POST,
            "/accounts/P-000001/validation-notice",
            Some(&collector),
            &[("csrf", &csrf)],
        )
        .await;
        assert!(location.contains("error=No+notice+was+sent"), "{name}: {location}");
        srv.store
            .set_collector_contact(&org, "PO Box 12, Springfield, IL 62701", "217-555-0100", "8 a.m. to 5 p.m. Central")
            .await
            .unwrap();
        let (_, location, _) = page(
            &client,
            &srv,
            Method::POST,
            "/accounts/P-000001/validation-notice",
            Some(&collector),
            &[("csrf", &csrf)],
        )
        .await;
        assert!(location.contains("msg=Validation+notice+1+sent"), "{name}: {location}");
        let (status, _, pdf) = page(&client, &srv, Method::GET, "/letters/1/pdf", Some(&auditor), &[]).await;
        assert_eq!(status, StatusCode::OK, "{name}");
        assert!(pdf.starts_with("%PDF-") && pdf.contains("How can you dispute the debt?"), "{name}");
        let (_, _, body) = page(&client, &srv, Method::GET, "/accounts/P-000001", Some(&collector), &[]).await;
        assert!(
            body.contains("validation notice of") && !body.contains("Send the validation notice"),
            "{name}: sent once"
        );
    }
}
