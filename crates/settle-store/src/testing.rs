//! Test support shared by the store's and the server's tests: a fresh,
//! empty store on each available backend. SQLite in a temporary directory
//! always; PostgreSQL when `SETTLE_TEST_PG_URL` names a server (a new
//! database each time), otherwise it says the PostgreSQL run is skipped.

use std::sync::atomic::{AtomicUsize, Ordering};

use sqlx::Connection;

use crate::{Location, Store};

pub struct TestBackend {
    pub name: &'static str,
    pub store: Store,
    /// Where the store is, to open it again (as a restart would).
    pub location: Location,
    _dir: Option<tempfile::TempDir>,
}

static NEXT_DATABASE: AtomicUsize = AtomicUsize::new(0);

/// A fresh, empty store on each available backend.
pub async fn all_backends() -> Vec<TestBackend> {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let location = Location::DataDir(dir.path().to_path_buf());
    let sqlite = Store::open(&location).await.expect("SQLite opens");
    let mut out = vec![TestBackend {
        name: "sqlite",
        store: sqlite,
        location,
        _dir: Some(dir),
    }];
    match std::env::var("SETTLE_TEST_PG_URL") {
        Ok(admin_url) if !admin_url.is_empty() => {
            sqlx::any::install_default_drivers();
            let name = format!("settle_test_{}_{}", std::process::id(), NEXT_DATABASE.fetch_add(1, Ordering::SeqCst));
            let mut admin = sqlx::AnyConnection::connect(&admin_url)
                .await
                .expect("SETTLE_TEST_PG_URL is set but PostgreSQL is not reachable");
            sqlx::query(&format!("DROP DATABASE IF EXISTS {name}")).execute(&mut admin).await.expect("drop");
            sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await.expect("create");
            let location = Location::Url(crate::url_with_database(&admin_url, &name));
            let store = Store::open(&location).await.expect("PostgreSQL opens");
            out.push(TestBackend {
                name: "postgres",
                store,
                location,
                _dir: None,
            });
        }
        _ => eprintln!("skipped: PostgreSQL run (set SETTLE_TEST_PG_URL=postgres://USER@HOST/DB to run it)"),
    }
    out
}

/// An address outside the US (Toronto), which the contact gate cannot
/// place: the person's location is unknown.
pub fn address_abroad() -> crate::address::AddressFields {
    crate::address::AddressFields {
        line1: "100 Queen St W".into(),
        city: "Toronto".into(),
        state: "ON".into(),
        postal_code: "M5H 2N2".into(),
        country: "CA".into(),
        ..Default::default()
    }
}
