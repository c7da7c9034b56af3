//! Several PostgreSQL servers behind one URL, as a highly available
//! cluster (pg_auto_failover, Patroni) hands them out:
//! `postgres://user@node1:5432,node2:5432/settle?target_session_attrs=read-write`.
//!
//! sqlx connects to one host, so Settle relays: the store's pools connect
//! to a listener of its own on 127.0.0.1, and each connection made there
//! is passed, byte for byte, to the first server that answers and takes
//! writes (`pg_is_in_recovery()` false and not read-only), the last one
//! found first. When the primary fails its connections break, the pools
//! open new ones, and those reach whichever server was promoted; the write
//! path ([`crate::write`]) runs a write whose connection died again, and
//! after a commit whose answer was lost it looks for the write's audit row
//! before deciding, so a failover costs latency, never a lost or doubled
//! write.
//!
//! TLS passes through the relay untouched, so `sslmode=require` works; a
//! mode that checks the server's name (`verify-ca`, `verify-full`) would
//! check 127.0.0.1 and is refused.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use sqlx::any::AnyConnectOptions;
use sqlx::{AnyConnection, Connection};
use tokio::net::{TcpListener, TcpStream};

use crate::{Result, StoreError};

/// A URL naming several servers (or asking for a writable one).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Hosts {
    /// `postgres://user:password@`
    prefix: String,
    /// Each server's host and port, in the URL's order.
    servers: Vec<(String, u16)>,
    /// `/database?params`, without `target_session_attrs`.
    rest: String,
    /// `target_session_attrs=read-write` (or `primary`): only a server that
    /// takes writes will do. `any`: the first that answers.
    writable_only: bool,
}

fn named(message: impl std::fmt::Display) -> StoreError {
    StoreError::invalid("database_url", message)
}

impl Hosts {
    /// `None` for an ordinary one-server URL without `target_session_attrs`.
    pub(crate) fn parse(url: &str) -> Result<Option<Hosts>> {
        let Some((scheme, after)) = url.split_once("://") else { return Ok(None) };
        let end = after.find(['/', '?']).unwrap_or(after.len());
        let (authority, path) = after.split_at(end);
        let (userinfo, host_list) = match authority.rfind('@') {
            Some(at) => (&authority[..=at], &authority[at + 1..]),
            None => ("", authority),
        };
        let (path_only, query) = match path.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (path, None),
        };
        let mut writable_only = None;
        let mut params = Vec::new();
        for pair in query.into_iter().flat_map(|q| q.split('&')).filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            match key {
                "target_session_attrs" => {
                    writable_only = Some(match value {
                        "read-write" | "primary" => true,
                        "any" => false,
                        other => return Err(named(format!("target_session_attrs={other:?}: Settle writes, so read-write, primary or any"))),
                    })
                }
                "sslmode" if matches!(value, "verify-ca" | "verify-full") && host_list.contains(',') => {
                    return Err(named(format!(
                        "sslmode={value} with several hosts: Settle relays the connection through 127.0.0.1, whose name the certificate does not carry; use sslmode=require"
                    )))
                }
                _ => params.push(pair),
            }
        }
        if !host_list.contains(',') && writable_only.is_none() {
            return Ok(None);
        }
        let mut servers = Vec::new();
        for (index, entry) in host_list.split(',').enumerate() {
            let number = index + 1;
            let (host, port) = if let Some(bracketed) = entry.strip_prefix('[') {
                let (host, after) = bracketed
                    .split_once(']')
                    .ok_or_else(|| named(format!("host {number} ({entry:?}) opens [ without closing it")))?;
                (host, after.strip_prefix(':'))
            } else {
                match entry.rsplit_once(':') {
                    Some((host, port)) => (host, Some(port)),
                    None => (entry, None),
                }
            };
            if host.is_empty() {
                return Err(named(format!("host {number} of {host_list:?} is empty")));
            }
            let port = match port {
                None => 5432,
                Some(text) => text
                    .parse::<u16>()
                    .ok()
                    .filter(|p| *p > 0)
                    .ok_or_else(|| named(format!("host {number} ({entry:?}): {text:?} is not a port")))?,
            };
            servers.push((host.to_string(), port));
        }
        let rest = if params.is_empty() {
            path_only.to_string()
        } else {
            format!("{path_only}?{}", params.join("&"))
        };
        Ok(Some(Hosts {
            prefix: format!("{scheme}://{userinfo}"),
            servers,
            rest,
            writable_only: writable_only.unwrap_or(true),
        }))
    }

    fn url_for(&self, host: &str, port: u16) -> String {
        let host = if host.contains(':') { format!("[{host}]") } else { host.to_string() };
        format!("{}{host}:{port}{}", self.prefix, self.rest)
    }
}

/// How long one server may take to answer the relay's question.
const PROBE_TIMEOUT: Duration = Duration::from_secs(3);

struct Relay {
    hosts: Hosts,
    /// The server found last, asked first.
    last: AtomicUsize,
}

/// Starts the relay for `hosts` and returns the one-server URL the pools
/// connect to. The relay lives as long as the runtime.
pub(crate) async fn start(hosts: Hosts) -> Result<String> {
    let listener = TcpListener::bind(("127.0.0.1", 0))
        .await
        .map_err(|e| named(format!("cannot open the relay to the servers: {e}")))?;
    let port = listener.local_addr().map_err(|e| named(e.to_string()))?.port();
    let url = hosts.url_for("127.0.0.1", port);
    let relay = Arc::new(Relay {
        hosts,
        last: AtomicUsize::new(0),
    });
    // Fail at once, naming the servers, when none of them will do.
    if relay.find().await.is_none() {
        let servers: Vec<String> = relay.hosts.servers.iter().map(|(host, port)| format!("{host}:{port}")).collect();
        return Err(named(format!("none of the servers ({}) answers{}", servers.join(", "), relay.wanted())));
    }
    tokio::spawn(async move {
        loop {
            match listener.accept().await {
                Ok((client, _)) => {
                    let relay = relay.clone();
                    tokio::spawn(async move { relay.serve(client).await });
                }
                Err(error) => {
                    tracing::warn!(error = %error, "the database relay could not accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    });
    Ok(url)
}

impl Relay {
    fn wanted(&self) -> &'static str {
        if self.hosts.writable_only {
            " and takes writes"
        } else {
            ""
        }
    }

    /// Passes one connection to the server that will take it; when none
    /// will (mid-failover), closes it, and the pool tries again.
    async fn serve(&self, mut client: TcpStream) {
        let Some(index) = self.find().await else {
            tracing::warn!(servers = ?self.hosts.servers, "no database server answers{}", self.wanted());
            return;
        };
        let (host, port) = &self.hosts.servers[index];
        let Ok(mut server) = TcpStream::connect((host.as_str(), *port)).await else {
            return;
        };
        let _ = client.set_nodelay(true);
        let _ = server.set_nodelay(true);
        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
    }

    /// The first server that answers as wanted, starting from the last found.
    async fn find(&self) -> Option<usize> {
        let count = self.hosts.servers.len();
        let first = self.last.load(Ordering::Relaxed);
        for step in 0..count {
            let index = (first + step) % count;
            if self.will_do(index).await {
                if index != first {
                    tracing::info!(server = ?self.hosts.servers[index], "database connections now go to another server");
                }
                self.last.store(index, Ordering::Relaxed);
                return Some(index);
            }
        }
        None
    }

    async fn will_do(&self, index: usize) -> bool {
        let (host, port) = &self.hosts.servers[index];
        let url = self.hosts.url_for(host, *port);
        let probe = async {
            let mut conn = match connect(&url).await {
                // A database not made yet (Settle makes it next): ask the
                // server's maintenance database instead.
                Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("3D000") => connect(&crate::url_with_database(&url, "postgres")).await.ok()?,
                other => other.ok()?,
            };
            let read_only: bool = if self.hosts.writable_only {
                sqlx::query_scalar("SELECT pg_is_in_recovery() OR current_setting('transaction_read_only') = 'on'")
                    .fetch_one(&mut conn)
                    .await
                    .ok()?
            } else {
                false
            };
            let _ = conn.close().await;
            Some(!read_only)
        };
        matches!(tokio::time::timeout(PROBE_TIMEOUT, probe).await, Ok(Some(true)))
    }
}

async fn connect(url: &str) -> std::result::Result<AnyConnection, sqlx::Error> {
    AnyConnection::connect_with(&url.parse::<AnyConnectOptions>()?).await
}

#[cfg(test)]
mod tests {
    use super::Hosts;

    #[test]
    fn one_server_without_attributes_is_left_alone() {
        assert_eq!(Hosts::parse("postgres://root@127.0.0.1:5432/test").unwrap(), None);
        assert_eq!(Hosts::parse("sqlite://x.db").unwrap(), None);
    }

    #[test]
    fn several_servers_are_read_in_order_with_default_ports() {
        let hosts = Hosts::parse("postgres://u:p%40ss@a:5441,b,[::1]:5443/settle?sslmode=disable&target_session_attrs=read-write")
            .unwrap()
            .unwrap();
        assert_eq!(hosts.servers, vec![("a".into(), 5441), ("b".into(), 5432), ("::1".into(), 5443)]);
        assert!(hosts.writable_only);
        assert_eq!(hosts.url_for("::1", 5443), "postgres://u:p%40ss@[::1]:5443/settle?sslmode=disable");
        // Several hosts ask for a writable one unless told otherwise.
        assert!(Hosts::parse("postgres://a,b/x").unwrap().unwrap().writable_only);
        assert!(!Hosts::parse("postgres://a,b/x?target_session_attrs=any").unwrap().unwrap().writable_only);
        // One host asking for a writable server is relayed too.
        assert!(Hosts::parse("postgres://a/x?target_session_attrs=primary").unwrap().is_some());
        assert_eq!(
            crate::url_with_database("postgres://u@a:1/settle?sslmode=disable", "postgres"),
            "postgres://u@a:1/postgres?sslmode=disable"
        );
    }

    #[test]
    fn what_cannot_work_is_refused_naming_the_url() {
        for (url, says) in [
            ("postgres://a,b/x?target_session_attrs=standby", "target_session_attrs"),
            ("postgres://a,b:99999/x", "host 2"),
            ("postgres://a,,b/x", "host 2"),
            ("postgres://a,[::1/x", "host 2"),
            ("postgres://a,b/x?sslmode=verify-full", "verify-full"),
        ] {
            let error = Hosts::parse(url).unwrap_err().to_string();
            assert!(error.starts_with("database_url") && error.contains(says), "{url}: {error}");
        }
    }
}
