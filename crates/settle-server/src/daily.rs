//! What `settle serve` does by itself: the day's dunning run for every
//! organisation once the date turns (a second run that day would change
//! nothing anyway), and the email outbox handed to an SMTP server.

use std::time::Duration;
use tracing::Instrument;

use jiff::Timestamp;
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use settle_store::collections::dunning::RunRequest;
use settle_store::collections::Clearing;
use settle_store::platform::audit::{Actor, ACTOR};
use settle_store::Store;

/// Where and as whom email goes.
#[derive(Clone, Debug)]
pub struct Mail {
    /// smtp://host:port: a relay spoken to in plain SMTP
    pub smtp_url: String,
    pub from: String,
    /// Where consumers reach this server (https://pay.example.com): each
    /// email's opt-out link points there. Without it the statement names
    /// the phone and the mailing address only.
    pub public_url: Option<String>,
}

/// "smtp://host:port": a relay on this machine or the local network, spoken
/// to in plain SMTP (the relay carries mail onward with TLS).
fn relay(url: &str) -> anyhow::Result<(String, u16)> {
    let rest = url
        .strip_prefix("smtp://")
        .ok_or_else(|| anyhow::anyhow!("--smtp-url {url:?}: give smtp://HOST:PORT (a local relay)"))?;
    let rest = rest.trim_end_matches('/');
    match rest.rsplit_once(':') {
        Some((host, port)) => Ok((
            host.to_string(),
            port.parse().map_err(|_| anyhow::anyhow!("--smtp-url {url:?}: {port:?} is not a port"))?,
        )),
        None => Ok((rest.to_string(), 25)),
    }
}

/// What one pass over the outbox did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Delivery {
    pub sent: usize,
    pub retrying: usize,
    pub given_up: usize,
    /// The gate refused them for now; they wait until it opens.
    pub held: usize,
    /// The gate refused them for good at delivery; not sent.
    pub cancelled: usize,
}

/// Hands every email due at `now` to the SMTP server, each cleared by the
/// contact gate at that instant first (held or cancelled if it refuses);
/// each is marked sent, or failed and retried later (given up after five
/// attempts).
pub async fn deliver(store: &Store, mail: &Mail, now: Timestamp) -> anyhow::Result<Delivery> {
    let (host, port) = relay(&mail.smtp_url)?;
    let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
        .port(port)
        .timeout(Some(Duration::from_secs(20)))
        .build();
    let from = mail.from.parse().map_err(|e| anyhow::anyhow!("--mail-from {:?}: {e}", mail.from))?;
    let mut done = Delivery::default();
    let started = std::time::Instant::now();
    for due in store.due_emails(now, 500).await? {
        // Each email is cleared at the moment it is handed over: a long
        // delivery run can cross 9 p.m. somewhere.
        let at = now.checked_add(started.elapsed()).unwrap_or(now);
        let ready = match store.clear_email(&due, at, mail.public_url.as_deref()).await? {
            Clearing::Send(ready) => ready,
            Clearing::Held { .. } => {
                done.held += 1;
                continue;
            }
            Clearing::Cancelled { .. } => {
                done.cancelled += 1;
                continue;
            }
            Clearing::Gone => continue,
        };
        let email = &ready.email;
        let message = email
            .to_address
            .parse()
            .map_err(|e: lettre::address::AddressError| format!("the address {:?}: {e}", email.to_address))
            .and_then(|to| {
                Message::builder()
                    .from(Clone::clone(&from))
                    .to(to)
                    .subject(email.subject.clone())
                    .header(ContentType::TEXT_PLAIN)
                    .body(email.body.clone())
                    .map_err(|e| e.to_string())
            });
        let outcome: Result<(), String> = match message {
            Ok(m) => transport.send(m).await.map(|_| ()).map_err(|e| e.to_string()),
            Err(e) => Err(e),
        };
        match outcome {
            Ok(()) => {
                store.email_sent(&ready, Timestamp::now()).await?;
                done.sent += 1;
            }
            Err(error) => {
                if store.email_failed(email.org_id, email.email_id, &error, now).await? {
                    done.retrying += 1;
                } else {
                    done.given_up += 1;
                }
            }
        }
    }
    Ok(done)
}

/// Runs the day's dunning for each organisation that has no run for today.
pub async fn run_due_dunning(store: &Store) -> anyhow::Result<usize> {
    let today = jiff::Zoned::now().date();
    let mut ran = 0;
    for org in store.organisations().await? {
        if store.dunning_ran_on(&org, today).await? {
            continue;
        }
        let actor = Actor {
            name: "system:dunning".into(),
            address: "local".into(),
            clinical: false,
            approves: false,
        };
        let report = ACTOR
            .scope(
                actor,
                store.dunning_run(
                    &org,
                    &RunRequest {
                        as_of: today,
                        at: None,
                        dry_run: false,
                    },
                ),
            )
            .await?;
        tracing::info!(
            org = %org.slug,
            day = %today,
            advanced = report.advanced,
            letters = report.letters,
            emails = report.emails,
            fees = report.fees,
            queue = report.queue,
            "the day's dunning ran"
        );
        ran += 1;
    }
    Ok(ran)
}

/// The daily run (checked every minute) and, with `mail`, the outbox (every 30 seconds).
pub fn spawn(store: Store, daily_dunning: bool, mail: Option<Mail>) {
    if daily_dunning {
        let store = store.clone();
        tokio::spawn(
            async move {
                loop {
                    if let Err(error) = run_due_dunning(&store).await {
                        tracing::error!(error = format!("{error:#}"), "the day's dunning failed; it is tried again in a minute");
                    }
                    tokio::time::sleep(Duration::from_secs(60)).await;
                }
            }
            .instrument(tracing::info_span!("daily_dunning")),
        );
    }
    if let Some(mail) = mail {
        tokio::spawn(
            async move {
                loop {
                    match deliver(&store, &mail, Timestamp::now()).await {
                        Ok(d) if d.sent + d.retrying + d.given_up > 0 => {
                            tracing::info!(sent = d.sent, retrying = d.retrying, given_up = d.given_up, "emails delivered")
                        }
                        Ok(_) => {}
                        Err(error) => tracing::error!(error = format!("{error:#}"), "email delivery failed"),
                    }
                    tokio::time::sleep(Duration::from_secs(30)).await;
                }
            }
            .instrument(tracing::info_span!("outbox")),
        );
    }
}
