//! HIPAA at the doors, proved on the demo practice through a real `settle
//! serve`: a collector (no `clinical.read`) walks every GET route of the API
//! and every GET page, PDFs read back with poppler, and no procedure or
//! diagnosis code of the demo reaches them; and every answer that shows a
//! person leaves exactly one audit row, while the routes declared to show no
//! one (`settle_server::reads::SHOWS_NO_PERSON`) name nobody.

use std::collections::BTreeSet;
use std::time::Duration;

use settle_store::{Location, Store};

struct Demo {
    dir: tempfile::TempDir,
}

/// What the walk fills the routes' placeholders with, and looks for.
struct Facts {
    patient_account: String,
    insurance_account: String,
    statement_id: i64,
    cycle_date: String,
    letter_id: i64,
    letter_day: String,
    payment_id: i64,
    invoice_number: String,
    claim_number: String,
    denial_id: i64,
    x12_file_id: i64,
    /// Procedure codes and diagnoses (with and without the dot).
    clinical: BTreeSet<String>,
    people: BTreeSet<String>,
}

fn settle(dir: &std::path::Path) -> std::process::Command {
    let mut command = std::process::Command::new(assert_cmd::cargo::cargo_bin("settle"));
    command.env_remove("SETTLE_DATABASE_URL").env_remove("SETTLE_ORG").arg("--data-dir").arg(dir);
    command
}

async fn facts(dir: &std::path::Path) -> Facts {
    let store = Store::open(&Location::DataDir(dir.to_path_buf())).await.unwrap();
    let pool = store.pool();
    let org: i64 = sqlx::query_scalar("SELECT org_id FROM organisation WHERE slug = 'clinic'")
        .fetch_one(pool)
        .await
        .unwrap();
    let text = |sql: &'static str| async move { sqlx::query_scalar::<_, String>(sql).bind(org).fetch_one(pool).await.unwrap() };
    let id = |sql: &'static str| async move { sqlx::query_scalar::<_, i64>(sql).bind(org).fetch_one(pool).await.unwrap() };
    let mut clinical = BTreeSet::new();
    for code in sqlx::query_scalar::<_, String>("SELECT DISTINCT procedure_code FROM claim_line WHERE org_id = $1")
        .bind(org)
        .fetch_all(pool)
        .await
        .unwrap()
    {
        clinical.insert(code);
    }
    for list in sqlx::query_scalar::<_, String>("SELECT DISTINCT diagnoses FROM claim WHERE org_id = $1")
        .bind(org)
        .fetch_all(pool)
        .await
        .unwrap()
    {
        for code in list.split_whitespace() {
            clinical.insert(code.to_string());
            if code.len() > 3 {
                clinical.insert(format!("{}.{}", &code[..3], &code[3..]));
            }
        }
    }
    assert!(clinical.len() >= 8, "the demo's claims carry codes: {clinical:?}");
    let people: BTreeSet<String> = sqlx::query_scalar::<_, String>("SELECT name FROM party WHERE org_id = $1 AND kind = 'person'")
        .bind(org)
        .fetch_all(pool)
        .await
        .unwrap()
        .into_iter()
        .collect();
    Facts {
        patient_account: text(
            "SELECT a.account_number FROM statement s JOIN account a ON a.org_id = s.org_id AND a.account_id = s.account_id WHERE s.org_id = $1 ORDER BY s.statement_id LIMIT 1",
        )
        .await,
        insurance_account: text("SELECT account_number FROM account WHERE org_id = $1 AND ar_kind = 'insurance' ORDER BY balance_minor DESC LIMIT 1").await,
        statement_id: id("SELECT MIN(statement_id) FROM statement WHERE org_id = $1").await,
        cycle_date: text("SELECT MIN(cycle_date) FROM statement WHERE org_id = $1").await,
        letter_id: id("SELECT MIN(letter_id) FROM collection_letter WHERE org_id = $1").await,
        letter_day: text("SELECT MAX(sent_on) FROM collection_letter WHERE org_id = $1").await,
        payment_id: id("SELECT MAX(payment_id) FROM payment WHERE org_id = $1").await,
        invoice_number: text("SELECT MIN(invoice_number) FROM invoice WHERE org_id = $1").await,
        claim_number: text("SELECT MIN(claim_number) FROM claim WHERE org_id = $1").await,
        denial_id: id("SELECT MIN(denial_id) FROM denial WHERE org_id = $1").await,
        x12_file_id: id("SELECT MIN(file_id) FROM x12_file WHERE org_id = $1").await,
        clinical,
        people,
    }
}

/// Every concrete path to ask for a route or page, its placeholders filled
/// with the demo's records (an account route with a patient and a payer).
fn concrete(route: &str, f: &Facts) -> Vec<String> {
    let numbers: Vec<String> =
        if route.starts_with("/api/v1/accounts/{number}") || route.starts_with("/accounts/{number}") || route.starts_with("/reports/aging/account/") {
            vec![f.patient_account.clone(), f.insurance_account.clone()]
        } else if route.contains("invoices/{number}") {
            vec![f.invoice_number.clone()]
        } else {
            vec![f.claim_number.clone()]
        };
    let id = if route.contains("statements/") {
        f.statement_id
    } else if route.contains("letters/") {
        f.letter_id
    } else if route.contains("denials/") {
        f.denial_id
    } else {
        f.x12_file_id
    };
    let day = if route.contains("statements/day") { &f.cycle_date } else { &f.letter_day };
    numbers
        .iter()
        .map(|n| {
            route
                .replace("{number}", n)
                .replace("{id}", &id.to_string())
                .replace("{payment_id}", &f.payment_id.to_string())
                .replace("{day}", day)
                .replace("{index}", "2")
                .replace("{token_id}", "1")
                .replace("{username}", "walker")
        })
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// `code` standing alone in `text` (not inside a longer word or number).
fn mentions(text: &str, code: &str) -> bool {
    text.match_indices(code).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + code.len()..].chars().next();
        !before.is_some_and(|c| c.is_ascii_alphanumeric()) && !after.is_some_and(|c| c.is_ascii_alphanumeric() || c == '.')
    })
}

fn pdf_text(bytes: &[u8]) -> Option<String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("read.pdf");
    std::fs::write(&path, bytes).unwrap();
    let out = std::process::Command::new("pdftotext").arg(&path).arg("-").output();
    match out {
        Ok(out) if out.status.success() => Some(String::from_utf8_lossy(&out.stdout).into_owned()),
        _ => {
            assert!(std::env::var("SETTLE_REQUIRE_POPPLER").is_err(), "pdftotext (poppler-utils) is required");
            None
        }
    }
}

async fn audit_rows_by(store: &Store, actor: &str) -> Vec<settle_store::platform::audit::AuditRow> {
    let org = store.organisation(Some("clinic")).await.unwrap();
    let mut rows = Vec::new();
    let mut after = 0;
    loop {
        let page = store.audit_page(&org, after, 5_000).await.unwrap();
        let Some(last) = page.last() else { break };
        after = last.seq;
        rows.extend(page.into_iter().filter(|r| r.actor == actor));
    }
    rows
}

struct Walker {
    client: reqwest::Client,
    base: String,
    cookie: String,
}

impl Walker {
    async fn login(base: &str, username: &str, password: &str) -> Walker {
        let client = reqwest::Client::new();
        let login = client
            .post(format!("{base}/api/v1/auth/login"))
            .json(&serde_json::json!({ "username": username, "password": password }))
            .send()
            .await
            .unwrap();
        assert!(login.status().is_success(), "login {username}: {}", login.status());
        let cookie = login.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
        Walker {
            client,
            base: base.to_string(),
            cookie,
        }
    }

    /// Status and what a reader sees: the body, or a PDF's text.
    async fn get(&self, path: &str) -> (reqwest::StatusCode, Option<String>) {
        let answer = self
            .client
            .get(format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .send()
            .await
            .unwrap();
        let status = answer.status();
        let pdf = answer.headers().get("content-type").is_some_and(|t| t.to_str().unwrap_or("").contains("pdf"));
        let bytes = answer.bytes().await.unwrap();
        let text = if pdf {
            pdf_text(&bytes)
        } else {
            Some(String::from_utf8_lossy(&bytes).into_owned())
        };
        (status, text)
    }
}

fn get_routes() -> Vec<String> {
    let spec = serde_json::to_value(settle_server::openapi()).unwrap();
    let mut routes: Vec<String> = spec["paths"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, item)| item.get("get").is_some())
        .map(|(path, _)| path.clone())
        .collect();
    routes.extend(
        settle_server::web::PAGES
            .iter()
            .filter(|(method, _, access)| *method == "GET" && *access != settle_server::Access::Public)
            .map(|(_, path, _)| (*path).to_string()),
    );
    routes
}

#[test]
fn a_collector_never_receives_a_clinical_code_and_every_read_of_a_person_is_audited() {
    let demo = Demo {
        dir: tempfile::tempdir().unwrap(),
    };
    let dir = demo.dir.path();
    assert!(settle(dir).args(["demo"]).output().unwrap().status.success());
    for (user, role) in [("walker", "collections_specialist"), ("biller", "billing_specialist")] {
        let added = settle(dir)
            .env("WALK_PASSWORD", "a long walking password")
            .args([
                "--org",
                "clinic",
                "user",
                "add",
                user,
                "--role",
                role,
                "--password-env",
                "WALK_PASSWORD",
                "--keep",
            ])
            .output()
            .unwrap();
        assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
    }
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let facts = runtime.block_on(facts(dir));
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut server = settle(dir)
        .args(["serve", "--no-daily-dunning", "--listen", &format!("127.0.0.1:{port}")])
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let outcome = runtime.block_on(async {
        let client = reqwest::Client::new();
        for _ in 0..200 {
            if client.get(format!("{base}/healthz")).send().await.is_ok_and(|r| r.status().is_success()) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let store = Store::open(&Location::DataDir(dir.to_path_buf())).await.unwrap();
        let collector = Walker::login(&base, "walker", "a long walking password").await;
        let biller = Walker::login(&base, "biller", "a long walking password").await;
        let mut problems: Vec<String> = Vec::new();
        let mut read = 0;
        let mut biller_saw_clinical = false;
        for route in get_routes() {
            let person_free = settle_server::reads::SHOWS_NO_PERSON.contains(&route.as_str());
            for path in concrete(&route, &facts) {
                let before = audit_rows_by(&store, "user:walker").await.len();
                let (status, text) = collector.get(&path).await;
                if status.is_server_error() {
                    problems.push(format!("GET {path}: {status}"));
                }
                if !status.is_success() {
                    continue;
                }
                read += 1;
                let rows = audit_rows_by(&store, "user:walker").await.len() - before;
                let text = text.unwrap_or_default();
                for code in &facts.clinical {
                    if mentions(&text, code) {
                        problems.push(format!("GET {path}: a collector received the clinical code {code}"));
                    }
                }
                if person_free {
                    if rows != 0 {
                        problems.push(format!("GET {path}: declared to show no one, yet wrote {rows} audit rows"));
                    }
                    if let Some(name) = facts.people.iter().find(|n| text.contains(n.as_str())) {
                        problems.push(format!("GET {path}: declared to show no one, yet names {name}"));
                    }
                } else if rows != 1 {
                    problems.push(format!("GET {path}: a read of people's records wrote {rows} audit rows, not one"));
                }
                // The same walk as a biller shows the codes are there to find.
                if !biller_saw_clinical {
                    let (_, seen) = biller.get(&path).await;
                    biller_saw_clinical = seen.is_some_and(|t| facts.clinical.iter().any(|c| mentions(&t, c)));
                }
            }
        }
        (problems, read, biller_saw_clinical)
    });
    let _ = server.kill();
    let _ = server.wait();
    let (problems, read, biller_saw_clinical) = outcome;
    assert!(read >= 40, "only {read} answers were read");
    assert!(
        biller_saw_clinical,
        "a billing specialist should see procedure codes somewhere, or the search proves nothing"
    );
    assert!(problems.is_empty(), "{} problem(s):\n{}", problems.len(), problems.join("\n"));
}
