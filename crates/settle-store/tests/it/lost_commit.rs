//! A write whose connection breaks at COMMIT is neither lost nor doubled.
//! A proxy between the store and PostgreSQL cuts the connection at the
//! next `COMMIT`: once after passing it on (the server keeps the write,
//! its answer never arrives) and once before (the server never sees it and
//! rolls the transaction back). Either way the payment is in the books
//! exactly once and the caller gets its answer: the store looks for the
//! write's audit row before deciding whether to run it again. PostgreSQL
//! only (SQLite has no connection to lose).

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::time::Duration;

use settle_domain::Date;
use settle_store::billing::{NewAccount, NewInvoice, NewInvoiceLine, NewParty, NewPayment};
use settle_store::testing::all_backends;
use settle_store::{Location, Store};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const PASS: u8 = 0;
/// Pass the next COMMIT on, then cut the connection before its answer.
const LOSE_ANSWER: u8 = 1;
/// Cut the connection instead of passing the next COMMIT on.
const LOSE_COMMIT: u8 = 2;

/// A TCP proxy to `server` that cuts a connection at a COMMIT when told.
async fn proxy(server: String, mode: Arc<AtomicU8>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let (server, mode) = (server.clone(), mode.clone());
            tokio::spawn(async move {
                let upstream = TcpStream::connect(server.as_str()).await.unwrap();
                let (mut from_client, mut to_client) = client.into_split();
                let (mut from_server, mut to_server) = upstream.into_split();
                // Set once a COMMIT has gone on whose answer is to be lost.
                let cut = std::sync::atomic::AtomicBool::new(false);
                let forward = async {
                    let mut buf = vec![0u8; 64 * 1024];
                    loop {
                        let n = from_client.read(&mut buf).await.ok().filter(|n| *n > 0)?;
                        let chunk = &buf[..n];
                        let commit = chunk.windows(7).any(|w| w == b"COMMIT\0");
                        if commit {
                            match mode.swap(PASS, Ordering::SeqCst) {
                                LOSE_COMMIT => return Some(()),
                                LOSE_ANSWER => {
                                    cut.store(true, Ordering::SeqCst);
                                    to_server.write_all(chunk).await.ok()?;
                                    // Time for the server to commit; its answer is dropped.
                                    tokio::time::sleep(Duration::from_millis(300)).await;
                                    return Some(());
                                }
                                _ => {}
                            }
                        }
                        to_server.write_all(chunk).await.ok()?;
                    }
                };
                let back = async {
                    let mut buf = vec![0u8; 64 * 1024];
                    loop {
                        let n = from_server.read(&mut buf).await.ok().filter(|n| *n > 0)?;
                        if cut.load(Ordering::SeqCst) {
                            return Some(());
                        }
                        to_client.write_all(&buf[..n]).await.ok()?;
                    }
                };
                // Both ways end together: when the one that cut returns, or
                // when either side closes.
                tokio::select! {
                    _ = forward => {}
                    _ = back => {}
                }
            });
        }
    });
    port
}

fn day() -> Date {
    Date::constant(2026, 3, 2)
}

async fn account_with_invoice(store: &Store, org: &settle_store::platform::Organisation) {
    let party = NewParty {
        kind: "person".into(),
        name: "Siobhán Ní Bhriain".into(),
        ..Default::default()
    };
    let account = NewAccount {
        account_number: "L-1".into(),
        party,
        ar_kind: "patient".into(),
        currency: None,
        payment_terms: Some("net30".into()),
        opened_on: day(),
    };
    store.add_account(org, &account, None).await.unwrap();
    let line = NewInvoiceLine {
        item_code: "99213".into(),
        description: "Office visit".into(),
        quantity: "1".into(),
        unit_price: "500.00".into(),
        tax_rate: "0".into(),
    };
    let invoice = NewInvoice {
        account_number: "L-1".into(),
        issue_date: day(),
        terms: None,
        lines: vec![line],
        memo: String::new(),
        draft: false,
    };
    store.create_invoice(org, &invoice, None).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payment_whose_commit_answer_is_lost_is_kept_once() {
    for backend in all_backends().await {
        let Location::Url(url) = &backend.location else { continue };
        // The same database, reached through the proxy.
        let (scheme_user, rest) = url.split_once('@').unwrap();
        let (server, database) = rest.split_once('/').unwrap();
        let mode = Arc::new(AtomicU8::new(PASS));
        let port = proxy(server.to_string(), mode.clone()).await;
        let store = Store::open(&Location::Url(format!("{scheme_user}@127.0.0.1:{port}/{database}"))).await.unwrap();
        let org = store.create_organisation("lost", "Lost Commit Clinic", "USD").await.unwrap();
        account_with_invoice(&store, &org).await;

        for (lose, reference) in [(LOSE_ANSWER, "answer-lost"), (LOSE_COMMIT, "commit-lost")] {
            mode.store(lose, Ordering::SeqCst);
            let payment = NewPayment {
                account_number: "L-1".into(),
                amount: "25.00".into(),
                method: "check".into(),
                reference: reference.into(),
                received_on: day(),
                apply_to: vec![],
            };
            // No idempotency key: the audit row alone decides.
            let posted = store.post_payment(&org, &payment, None).await.expect(reference);
            assert_eq!(mode.load(Ordering::SeqCst), PASS, "{reference}: the proxy never cut a COMMIT");
            let ids: Vec<i64> = sqlx::query_scalar("SELECT payment_id FROM payment WHERE org_id = $1 AND reference = $2")
                .bind(org.org_id)
                .bind(reference)
                .fetch_all(store.pool())
                .await
                .unwrap();
            assert_eq!(ids, vec![posted.payment_id], "{reference}: kept once, under the id answered");
        }
        // Commands other than payments take the same path.
        mode.store(LOSE_ANSWER, Ordering::SeqCst);
        let before = store.journal_page(&org, 0, 1_000).await.unwrap().len();
        store
            .create_invoice(
                &org,
                &NewInvoice {
                    account_number: "L-1".into(),
                    issue_date: day(),
                    terms: None,
                    lines: vec![NewInvoiceLine {
                        item_code: "99214".into(),
                        description: "Follow-up".into(),
                        quantity: "1".into(),
                        unit_price: "80.00".into(),
                        tax_rate: "0".into(),
                    }],
                    memo: String::new(),
                    draft: false,
                },
                None,
            )
            .await
            .expect("an invoice whose commit answer was lost");
        assert_eq!(
            store.journal_page(&org, 0, 1_000).await.unwrap().len(),
            before + 1,
            "one invoice entry, not two"
        );
        assert!(store.verify(&org).await.unwrap().discrepancies.is_empty());
        assert!(store.audit_verify(&org).await.unwrap().1.is_empty());
        store.close().await;
    }
}
