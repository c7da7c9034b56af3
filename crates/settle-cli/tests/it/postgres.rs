//! `settle` on PostgreSQL as a new user meets it: a database named in the
//! URL that does not exist yet is created by the first command, as a new
//! data directory is for SQLite. Needs `SETTLE_TEST_PG_URL` (CI sets it);
//! without it the test says it is skipped.

use assert_cmd::Command;

fn admin_url() -> Option<String> {
    match std::env::var("SETTLE_TEST_PG_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            eprintln!("skipped: PostgreSQL run (set SETTLE_TEST_PG_URL=postgres://USER@HOST/DB to run it)");
            None
        }
    }
}

fn settle(url: &str, args: &[&str]) -> assert_cmd::assert::Assert {
    Command::cargo_bin("settle")
        .unwrap()
        .env_remove("SETTLE_ORG")
        .env("SETTLE_DATABASE_URL", url)
        .args(args)
        .assert()
}

fn psql(admin: &str, sql: &str) {
    let status = std::process::Command::new("psql").arg(admin).arg("-qc").arg(sql).status();
    assert!(status.is_ok_and(|s| s.success()), "psql {sql}");
}

#[test]
fn init_creates_a_database_that_does_not_exist_yet() {
    let Some(admin) = admin_url() else { return };
    let name = format!("settle_new_{}", std::process::id());
    let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b).to_string();
    let url = format!("{base}/{name}");
    psql(&admin, &format!("DROP DATABASE IF EXISTS {name}"));
    settle(&url, &["init", "--slug", "shop", "--name", "Corner Shop"]).success();
    settle(&url, &["account", "add", "A-1", "--name", "Pat Doe", "--opened", "2026-01-01"]).success();
    let listed = settle(&url, &["account", "list"]).success().get_output().stdout.clone();
    assert!(String::from_utf8_lossy(&listed).contains("A-1"));
    // A server that cannot be reached is named as such, and creates nothing.
    let refused = settle("postgres://root@127.0.0.1:1/nowhere", &["init", "--slug", "x", "--name", "X"])
        .failure()
        .get_output()
        .stderr
        .clone();
    assert!(
        String::from_utf8_lossy(&refused).contains("database_url"),
        "{}",
        String::from_utf8_lossy(&refused)
    );
    psql(&admin, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
}

/// A URL naming several servers, as a highly available cluster hands it
/// out: the one that answers and takes writes is used, wherever it is in
/// the list; when none will do, each is named.
#[test]
fn a_url_with_several_servers_reaches_the_one_that_takes_writes() {
    let Some(admin) = admin_url() else { return };
    let name = format!("settle_hosts_{}", std::process::id());
    let (scheme_user, rest) = admin.split_once('@').expect("user@host in SETTLE_TEST_PG_URL");
    let (server, _) = rest.split_once('/').expect("a database in SETTLE_TEST_PG_URL");
    // Nothing listens on port 1: the first server is down.
    let url = format!("{scheme_user}@127.0.0.1:1,{server}/{name}?target_session_attrs=read-write");
    psql(&admin, &format!("DROP DATABASE IF EXISTS {name}"));
    settle(&url, &["init", "--slug", "shop", "--name", "Corner Shop"]).success();
    settle(&url, &["account", "add", "A-1", "--name", "Pat Doe", "--opened", "2026-01-01"]).success();
    let verified = settle(&url, &["verify"]).success().get_output().stdout.clone();
    assert!(String::from_utf8_lossy(&verified).contains("every balance agrees"));
    let refused = settle(&format!("{scheme_user}@127.0.0.1:1,127.0.0.1:2/{name}"), &["verify"])
        .failure()
        .get_output()
        .stderr
        .clone();
    let refused = String::from_utf8_lossy(&refused);
    assert!(refused.contains("database_url") && refused.contains("127.0.0.1:1, 127.0.0.1:2"), "{refused}");
    psql(&admin, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
}
