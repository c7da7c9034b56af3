//! The email outbox against a real SMTP server: aiosmtpd (PyPI) on a
//! loopback port. With the server down an email waits and is retried
//! later; with it up the email goes, carrying the debt-collector
//! disclosure. Without aiosmtpd the test says it is skipped, unless
//! SETTLE_REQUIRE_SMTP=1 (CI) makes its absence a failure.

use std::process::{Command, Stdio};
use std::time::Duration;

use jiff::Timestamp;
use settle_server::daily::{deliver, Mail};
use settle_store::dunning::RunRequest;
use settle_store::ops::{NewAccount, NewInvoice, NewInvoiceLine, NewParty};
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

#[tokio::test]
async fn emails_wait_for_the_server_then_go_with_the_disclosure() {
    if !aiosmtpd() {
        return;
    }
    for backend in all_backends().await {
        let (store, name) = (&backend.store, backend.name);
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
        let port = free_port();
        let mail = Mail {
            smtp_url: format!("smtp://127.0.0.1:{port}"),
            from: "collections@lakeside.example".into(),
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
    }
}
