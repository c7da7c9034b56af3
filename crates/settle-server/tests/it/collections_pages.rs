//! Collections in the pages: the contact gate and the call log on the account page.

use crate::Server;
use reqwest::{Method, StatusCode};
use settle_domain::access::Role;
use std::time::Duration;

use crate::pages::{browser, page, session, setup};

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
        // A call-back day: kept and shown; one that is not a date logs nothing.
        let mut form = call("log", "2026-12-07T15:00:00-05:00", "voicemail");
        form.push(("call_back_on", "2026-12-09".to_string()));
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (_, location, _) = page(&client, &srv, Method::POST, "/accounts/P-000001/collection-contacts", Some(&collector), &form).await;
        assert!(location.contains("Call+back+on+2026-12-09"), "{name}: {location}");
        let (_, _, body) = page(&client, &srv, Method::GET, "/accounts/P-000001", Some(&collector), &[]).await;
        assert!(body.contains("call back on 2026-12-09"), "{name}");
        let mut form = call("log", "2026-12-07T15:30:00-05:00", "voicemail");
        form.push(("call_back_on", "next tuesday".to_string()));
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (_, location, _) = page(&client, &srv, Method::POST, "/accounts/P-000001/collection-contacts", Some(&collector), &form).await;
        assert!(
            location.contains("Nothing+was+logged") && location.contains("call-back+day"),
            "{name}: {location}"
        );
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
