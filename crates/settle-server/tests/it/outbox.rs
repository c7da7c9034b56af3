//! The email outbox against a real SMTP server: aiosmtpd (PyPI) on a
//! loopback port. With the server down an email waits and is retried
//! later; with it up the email goes, carrying the debt-collector
//! disclosure. Without aiosmtpd the test says it is skipped, unless
//! SETTLE_REQUIRE_SMTP=1 (CI) makes its absence a failure.

use std::process::{Command, Stdio};
use std::time::Duration;

use jiff::Timestamp;
use settle_server::daily::{deliver, Mail};
use settle_store::billing::{NewAccount, NewInvoice, NewInvoiceLine, NewParty};
use settle_store::collections::dunning::RunRequest;
use settle_store::testing::all_backends;

fn aiosmtpd() -> bool {
    let found = Command::new("python3")
        .args(["-c", "import aiosmtpd"])
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !found {
        assert!(
            std::env::var("SETTLE_REQUIRE_SMTP").is_err(),
            "SETTLE_REQUIRE_SMTP is set but aiosmtpd is missing (pip install aiosmtpd)"
        );
        eprintln!("skipped: the SMTP test needs aiosmtpd (python3 -m pip install aiosmtpd)");
    }
    found
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// An organisation with one account, Avery Stone of Madison (Central), and
/// one dunning email queued for 2026-11-25 14:00 Eastern.
async fn queue_one_email(store: &settle_store::Store, name: &str) -> settle_store::platform::Organisation {
    let org = store.create_organisation("clinic", "Lakeside Clinic", "USD").await.unwrap();
    store
        .set_collector_contact(&org, "PO Box 10, Madison, WI 53701", "(608) 555-0100", "8 a.m. to 5 p.m. Central")
        .await
        .unwrap();
    store
        .add_account(
            &org,
            &NewAccount {
                account_number: "E-1".into(),
                party: NewParty {
                    kind: "person".into(),
                    name: "Avery Stone".into(),
                    email: Some("avery@example.com".into()),
                    ..NewParty::default()
                },
                ar_kind: "customer".into(),
                currency: None,
                payment_terms: Some("net30".into()),
                opened_on: "2026-01-01".parse().unwrap(),
            },
            None,
        )
        .await
        .unwrap();
    store
        .create_invoice(
            &org,
            &NewInvoice {
                account_number: "E-1".into(),
                issue_date: "2026-10-20".parse().unwrap(),
                terms: None,
                lines: vec![NewInvoiceLine {
                    item_code: "SVC".into(),
                    description: "Visit".into(),
                    quantity: "1".into(),
                    unit_price: "120.00".into(),
                    tax_rate: "0".into(),
                }],
                memo: String::new(),
                draft: false,
            },
            None,
        )
        .await
        .unwrap();
    let run = RunRequest {
        as_of: "2026-11-25".parse().unwrap(),
        at: Some("2026-11-25T14:00:00-05:00".into()),
        dry_run: false,
    };
    assert_eq!(store.dunning_run(&org, &run).await.unwrap().emails, 1, "{name}");
    org
}

#[tokio::test]
async fn emails_wait_for_the_server_then_go_with_the_disclosure() {
    if !aiosmtpd() {
        return;
    }
    for backend in all_backends().await {
        let (store, name) = (&backend.store, backend.name);
        let org = queue_one_email(store, name).await;
        let port = free_port();
        let mail = Mail {
            smtp_url: format!("smtp://127.0.0.1:{port}"),
            from: "collections@lakeside.example".into(),
            public_url: Some("https://pay.lakeside.example/".into()),
        };
        let now: Timestamp = "2026-11-25T20:00:00Z".parse().unwrap();
        // Nobody listening: it waits, and says why.
        let down = deliver(store, &mail, now).await.unwrap();
        assert_eq!((down.sent, down.retrying), (0, 1), "{name}");
        let queued = store.outbox(&org, Some("queued"), 10).await.unwrap();
        assert_eq!(queued[0].attempts, 1, "{name}");
        assert!(!queued[0].last_error.is_empty(), "{name}");
        assert!(deliver(store, &mail, now).await.unwrap() == Default::default(), "{name}: not due again yet");

        let mut server = Command::new("python3")
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Debugging"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let later = now.checked_add(jiff::SignedDuration::from_mins(5)).unwrap();
        let up = deliver(store, &mail, later).await.unwrap();
        server.kill().unwrap();
        let printed = String::from_utf8(server.wait_with_output().unwrap().stdout).unwrap();
        assert_eq!(up.sent, 1, "{name}");
        let sent = store.outbox(&org, Some("sent"), 10).await.unwrap();
        assert_eq!((sent.len(), sent[0].attempts), (1, 2), "{name}");
        assert!(printed.contains("avery@example.com"), "{name}: the server got it: {printed}");
        assert!(printed.contains("Subject: Payment reminder: account E-1"), "{name}: {printed}");
        assert!(
            printed.contains("This communication is from a debt collector."),
            "{name}: the disclosure: {printed}"
        );
        // The opt-out statement (12 CFR 1006.6(e)) with a working link, the phone and the address.
        assert!(printed.contains("HOW TO STOP THESE EMAILS"), "{name}: {printed}");
        assert!(printed.contains("open https://pay.lakeside.example/opt-out/"), "{name}: {printed}");
        assert!(printed.contains("call us at (608) 555-0100"), "{name}: {printed}");
        // Logged as a contact when it went, not when it was queued.
        let contacts = store.contacts(&org, "E-1").await.unwrap();
        let emails: Vec<_> = contacts.iter().filter(|c| c.channel == "email").collect();
        assert_eq!(emails.len(), 1, "{name}: {contacts:?}");
        let at: Timestamp = emails[0].at.parse().unwrap();
        let by = later.checked_add(jiff::SignedDuration::from_mins(1)).unwrap();
        assert!(at >= later && at < by, "{name}: at the instant the gate cleared it, not the queuing: {at}");
    }
}

/// A mail relay nobody listens on: the gate's answer comes before any send.
fn no_relay() -> Mail {
    Mail {
        smtp_url: format!("smtp://127.0.0.1:{}", free_port()),
        from: "collections@lakeside.example".into(),
        public_url: Some("https://pay.lakeside.example".into()),
    }
}

#[tokio::test]
async fn the_outbox_asks_the_gate_again_at_delivery_a_cease_cancels_and_the_night_holds() {
    for backend in all_backends().await {
        let (store, name) = (&backend.store, backend.name);
        let org = queue_one_email(store, name).await;
        // At 03:00 Central the gate refuses for the hour: held until 08:00, not sent, not logged.
        let night: Timestamp = "2026-11-26T09:00:00Z".parse().unwrap();
        let d = deliver(store, &no_relay(), night).await.unwrap();
        assert_eq!((d.held, d.sent, d.retrying), (1, 0, 0), "{name}: {d:?}");
        let queued = store.outbox(&org, Some("queued"), 10).await.unwrap();
        assert_eq!(queued[0].attempts, 0, "{name}: no send was tried");
        assert!(
            queued[0].last_error.starts_with("held by the contact gate until"),
            "{name}: {}",
            queued[0].last_error
        );
        assert!(queued[0].not_before.as_str() > night.to_string().as_str(), "{name}: waits until it opens");
        // A written cease arrives before it opens: at delivery the email is cancelled, the reason kept.
        store
            .update_collection_profile(
                &org,
                &settle_store::collections::ProfileUpdate {
                    account_number: "E-1".into(),
                    cease_requested_at: Some("2026-11-26T13:30:00Z".into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        // Due again when the gate opens (08:00 in Hawaii: where she is is unknown).
        let morning: Timestamp = queued[0].not_before.parse().unwrap();
        assert_eq!(morning, "2026-11-26T18:00:00Z".parse().unwrap(), "{name}");
        let d = deliver(store, &no_relay(), morning).await.unwrap();
        assert_eq!((d.cancelled, d.sent, d.retrying), (1, 0, 0), "{name}: {d:?}");
        let cancelled = store.outbox(&org, Some("cancelled"), 10).await.unwrap();
        assert!(cancelled[0].last_error.contains("cease"), "{name}: {}", cancelled[0].last_error);
        assert!(
            store.contacts(&org, "E-1").await.unwrap().iter().all(|c| c.channel != "email"),
            "{name}: nothing was logged as sent"
        );
    }
}

#[tokio::test]
async fn the_opt_out_link_records_the_opt_out_and_cancels_what_waits() {
    use settle_store::collections::Clearing;
    for backend in all_backends().await {
        let (store, name) = (&backend.store, backend.name);
        let org = queue_one_email(store, name).await;
        let due = store.due_emails("2026-11-25T20:00:00Z".parse().unwrap(), 10).await.unwrap();
        let Clearing::Send(ready) = store
            .clear_email(&due[0], "2026-11-25T20:00:00Z".parse().unwrap(), Some("https://pay.lakeside.example"))
            .await
            .unwrap()
        else {
            panic!("{name}: the gate allows 14:00 Central")
        };
        let link = ready.email.body.split_whitespace().find(|w| w.contains("/opt-out/")).unwrap().to_string();
        let token = link.rsplit('/').next().unwrap();
        let target = store.opt_out_target(token).await.unwrap().unwrap();
        assert_eq!((target.address.as_str(), target.done), ("avery@example.com", false), "{name}");
        assert!(
            store.opt_out_target("0123456789abcdef0123456789abcdef").await.unwrap().is_none(),
            "{name}: unknown token"
        );
        assert!(store.opt_out_by_link(token).await.unwrap().unwrap().done, "{name}");
        // The queued email is cancelled, and the profile holds the opt-out the gate reads.
        assert_eq!(store.outbox(&org, Some("cancelled"), 10).await.unwrap().len(), 1, "{name}");
        let profile = store.collection_profile(&org, "E-1").await.unwrap();
        assert_eq!(profile.opt_outs, ["email avery@example.com"], "{name}");
        assert!(store.opt_out_target(token).await.unwrap().unwrap().done, "{name}");
        // The cleared email can no longer be marked sent: it is not queued.
        assert!(store.email_sent(&ready, "2026-11-25T20:00:01Z".parse().unwrap()).await.is_err(), "{name}");
    }
}

/// An email queued by a version that logged the contact when it queued is
/// sent once and logged once after the upgrade.
#[tokio::test]
async fn an_email_queued_before_the_upgrade_is_not_logged_twice() {
    use settle_store::collections::Clearing;
    for backend in all_backends().await {
        let (store, name) = (&backend.store, backend.name);
        let org = queue_one_email(store, name).await;
        // As the old queue wrote it: the contact, with the outbox's contact id.
        sqlx::query(
            "INSERT INTO contact_attempt (org_id, contact_id, account_id, channel, direction, address, at_work, purpose, outcome, conversation, at, note, \
             decision_id, logged_by, logged_at, violation) SELECT org_id, contact_id, account_id, 'email', 'outbound', to_address, 0, 'collection', 'sent', 0, \
             not_before, 'email: queued earlier', NULL, 'system:dunning', created_at, '' FROM email_outbox",
        )
        .execute(store.pool())
        .await
        .unwrap();
        let at: Timestamp = "2026-11-25T20:00:00Z".parse().unwrap();
        let due = store.due_emails(at, 10).await.unwrap();
        let Clearing::Send(ready) = store.clear_email(&due[0], at, None).await.unwrap() else {
            panic!("{name}: the gate allows 14:00 Central")
        };
        store.email_sent(&ready, at).await.unwrap();
        let emails = store.contacts(&org, "E-1").await.unwrap().into_iter().filter(|c| c.channel == "email").count();
        assert_eq!(emails, 1, "{name}");
        assert_eq!(store.outbox(&org, Some("sent"), 10).await.unwrap().len(), 1, "{name}");
    }
}

#[tokio::test]
async fn the_supervisor_opens_the_outbox_by_status_and_the_read_is_audited() {
    use crate::pages::{browser, page, session};
    use reqwest::{Method, StatusCode};
    use settle_domain::access::Role;
    for srv in crate::Server::each(Duration::from_secs(900)).await {
        let name = srv.name;
        let org = queue_one_email(&srv.store, name).await;
        let client = browser();
        let (coordinator, _) = session(&srv, &org, "cora", Role::BillingCoordinator).await;
        let (status, _, body) = page(&client, &srv, Method::GET, "/collections/outbox", Some(&coordinator), &[]).await;
        assert_eq!(status, StatusCode::OK, "{name}: {body}");
        assert!(
            body.contains("avery@example.com") && body.contains("Waiting to go (1)") && body.contains("Sent (0)"),
            "{name}: {body}"
        );
        let (_, _, sent) = page(&client, &srv, Method::GET, "/collections/outbox?status=sent", Some(&coordinator), &[]).await;
        assert!(!sent.contains("avery@example.com") && sent.contains("No email with this status"), "{name}");
        let (status, _, body) = page(&client, &srv, Method::GET, "/collections/outbox?status=lost", Some(&coordinator), &[]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{name}");
        assert!(body.contains("queued, sent, cancelled or failed"), "{name}");
        let reads = srv
            .store
            .audit_search(
                &org,
                &settle_store::platform::trail_search::TrailFilter {
                    who: "cora".into(),
                    action: "outbox".into(),
                    ..Default::default()
                },
                settle_store::platform::trail_search::TrailOrder::OldestAfter(0),
                10,
            )
            .await
            .unwrap();
        assert_eq!(reads.len(), 2, "{name}: one row per page read: {reads:?}");
        let (collector, _) = session(&srv, &org, "cole", Role::CollectionsSpecialist).await;
        let (status, _, _) = page(&client, &srv, Method::GET, "/collections/outbox", Some(&collector), &[]).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{name}: a supervisor's page");
    }
}
