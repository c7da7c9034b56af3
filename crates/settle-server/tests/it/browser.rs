//! The pages end to end in real headless Chromium (Debian's `chromium` and
//! `chromedriver`): log in, find an account, post a payment and see the
//! balance change, ask for a write-off above the limit, approve it as a
//! coordinator, download the aging CSV and check its totals, keep a
//! collector out of the admin pages, and work a biller's insurance
//! follow-up day (the list, a call to the payer, a 276 written, the payer's
//! 277 read, the claim's next step). Screenshots of every main page go to
//! `target/screenshots/` (or `SETTLE_SCREENSHOTS`).
//!
//! Without chromedriver the test says it is skipped, unless
//! `SETTLE_REQUIRE_BROWSER=1` (as in CI), when it fails.
// Cents written as dollars_cents (180_00) read as the money they are.
#![allow(clippy::inconsistent_digit_grouping)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use settle_domain::access::Role;
use settle_domain::aging::AgingBuckets;
use settle_store::billing::{NewAccount, NewInvoice, NewInvoiceLine, NewParty, NewPayment};
use settle_store::platform::Organisation;
use settle_store::Store;

const PASSWORD: &str = "a long test password";

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn find_program(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for name in names {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    None
}

fn screenshots_dir() -> PathBuf {
    let dir = std::env::var_os("SETTLE_SCREENSHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/screenshots")));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// axe-core's script (npm's axe-core 4, as `.ci/run` fetches it) from
/// SETTLE_AXE_JS. None (the check skipped, said once) unless
/// SETTLE_REQUIRE_AXE=1, as in CI, makes its absence a failure.
fn axe_source() -> Option<&'static str> {
    static SOURCE: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    SOURCE
        .get_or_init(|| {
            let source = std::env::var("SETTLE_AXE_JS").ok().and_then(|p| std::fs::read_to_string(p).ok());
            if source.is_none() {
                assert!(
                    std::env::var("SETTLE_REQUIRE_AXE").is_err(),
                    "SETTLE_REQUIRE_AXE is set but SETTLE_AXE_JS names no axe.min.js (npm pack axe-core@4)"
                );
                eprintln!("skipped: the accessibility check needs axe-core: SETTLE_AXE_JS=path/to/axe.min.js (npm pack axe-core@4)");
            }
            source
        })
        .as_deref()
}

/// The page's serious and critical accessibility violations, by axe-core.
async fn axe_violations(client: &Client) -> Vec<String> {
    let Some(source) = axe_source() else { return Vec::new() };
    client.execute(&format!("{source}\nreturn true;"), vec![]).await.unwrap();
    let found = client
        .execute_async(
            "const done = arguments[arguments.length - 1]; \
             axe.run(document, { resultTypes: ['violations'] }).then(r => done(r.violations \
               .filter(v => v.impact === 'serious' || v.impact === 'critical') \
               .map(v => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3).map(n => n.target.join(' ') + ' ' + (n.failureSummary || '').split('\\n').slice(1, 2).join('')).join('; ')))) \
               .catch(e => done(['axe failed: ' + e]));",
            vec![],
        )
        .await
        .unwrap();
    serde_json::from_value(found).unwrap_or_default()
}

/// A screenshot of the page, and axe-core over it: a serious or critical
/// accessibility violation fails the walk, named with the page.
pub(crate) async fn shot(client: &Client, name: &str) {
    let png = client.screenshot().await.unwrap();
    std::fs::write(screenshots_dir().join(format!("{name}.png")), png).unwrap();
    let violations = axe_violations(client).await;
    assert!(violations.is_empty(), "{name}: axe-core finds {violations:#?}");
}

async fn seed(store: &Store) -> Organisation {
    let org = store.create_organisation("clinic", "Riverside Family Practice", "USD").await.unwrap();
    let people = [
        ("P-000101", "Maria Garcia", "555-201-3344", "1984-03-07"),
        ("P-000102", "James Okafor", "555-201-7788", "1971-11-20"),
        ("P-000103", "Linda Chen", "555-309-1200", "1990-06-02"),
    ];
    for (i, (number, name, phone, dob)) in people.iter().enumerate() {
        store
            .add_account(
                &org,
                &NewAccount {
                    account_number: number.to_string(),
                    party: NewParty {
                        name_parts: None,
                        kind: "person".into(),
                        name: name.to_string(),
                        date_of_birth: dob.parse().ok(),
                        sex: None,
                        email: Some(format!("patient{i}@example.com")),
                        phone: Some(phone.to_string()),
                        address: Some("12 Elm Street, Springfield, IL 62701".into()),
                    },
                    ar_kind: "patient".into(),
                    payment_terms: Some("net30".into()),
                    currency: None,
                    opened_on: "2026-01-05".parse().unwrap(),
                },
                None,
            )
            .await
            .unwrap();
        for (month, price) in [("2026-06-10", "180.00"), ("2026-08-12", "95.00"), ("2026-10-20", "240.00")] {
            store
                .create_invoice(
                    &org,
                    &NewInvoice {
                        account_number: number.to_string(),
                        issue_date: month.parse().unwrap(),
                        terms: None,
                        lines: vec![NewInvoiceLine {
                            item_code: "99214".into(),
                            description: "Office visit, established patient".into(),
                            quantity: "1".into(),
                            unit_price: price.into(),
                            tax_rate: "0".into(),
                        }],
                        memo: String::new(),
                        draft: false,
                    },
                    None,
                )
                .await
                .unwrap();
        }
    }
    store
        .post_payment(
            &org,
            &NewPayment {
                account_number: "P-000102".into(),
                amount: "60.00".into(),
                method: "card".into(),
                reference: "visa 4242".into(),
                received_on: "2026-09-01".parse().unwrap(),
                apply_to: vec![],
            },
            None,
        )
        .await
        .unwrap();
    for (username, role) in [
        ("sam", Role::BillingSpecialist),
        ("cora", Role::BillingCoordinator),
        ("cole", Role::CollectionsSpecialist),
        ("ada", Role::Admin),
    ] {
        store
            .add_user(
                &org,
                username,
                &format!("{username} (test)"),
                role,
                settle_store::platform::access::FirstPassword::Kept(PASSWORD),
            )
            .await
            .unwrap();
    }
    store
        .add_payer(
            &org,
            &settle_store::claims::NewPayer {
                payer_code: "60054".into(),
                name: "Aetna".into(),
                filing_indicator: "CI".into(),
                timely_filing_days: 90,
                appeal_days: None,
                corrected_claim_days: None,
                address: Default::default(),
            },
        )
        .await
        .unwrap();
    store
        .add_provider(
            &org,
            &settle_store::claims::NewProvider {
                npi: "1912301953".into(),
                name: "Riverside Family Practice".into(),
                kind: "organisation".into(),
                taxonomy: "207Q00000X".into(),
                tax_id: "376543210".into(),
                address: "1200 Lincoln Ave, Springfield, IL 62704-1234".into(),
                pay_to: Default::default(),
            },
        )
        .await
        .unwrap();
    store
        .add_coverage(
            &org,
            &settle_store::claims::NewCoverage {
                subscriber_name_parts: None,
                account_number: "P-000101".into(),
                payer_code: "60054".into(),
                member_id: "W12345678".into(),
                group_number: "G1001".into(),
                subscriber_name: String::new(),
                relationship: "self".into(),
                priority: "primary".into(),
                effective_from: "2026-01-01".parse().unwrap(),
                effective_to: None,
            },
        )
        .await
        .unwrap();
    org
}

pub(crate) async fn log_in(client: &Client, base: &str, username: &str) {
    client.goto(&format!("{base}/login")).await.unwrap();
    client.find(Locator::Id("username")).await.unwrap().send_keys(username).await.unwrap();
    client.find(Locator::Id("password")).await.unwrap().send_keys(PASSWORD).await.unwrap();
    client.find(Locator::Css("form button[type=submit]")).await.unwrap().click().await.unwrap();
    client.wait().for_element(Locator::Id("logout-form")).await.unwrap();
}

pub(crate) async fn log_out(client: &Client) {
    client.find(Locator::Css("#logout-form button")).await.unwrap().click().await.unwrap();
    client.wait().for_element(Locator::Id("username")).await.unwrap();
}

/// The text of an element a form's answer brings: waited for, and read
/// again if the page was still being replaced when it was first found.
pub(crate) async fn answer_text(client: &Client, id: &str) -> String {
    for _ in 0..20 {
        if let Ok(element) = client.wait().for_element(Locator::Id(id)).await {
            if let Ok(text) = element.text().await {
                return text;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("#{id} never appeared");
}

/// Waits (up to 10 s) for the page to say `needle`: after a form is sent,
/// the old page may still be there when the next step looks.
pub(crate) async fn wait_for_text(client: &Client, needle: &str) -> String {
    for _ in 0..100 {
        if let Ok(source) = client.source().await {
            if source.contains(needle) {
                return source;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    client.source().await.unwrap_or_default()
}

pub(crate) async fn text_of(client: &Client, css: &str) -> String {
    client.find(Locator::Css(css)).await.unwrap().text().await.unwrap()
}

fn cents(text: &str) -> i64 {
    let clean: String = text.chars().filter(|c| c.is_ascii_digit() || *c == '-' || *c == '.').collect();
    let negative = clean.starts_with('-');
    let (whole, frac) = clean.trim_start_matches('-').split_once('.').unwrap_or((clean.trim_start_matches('-'), "0"));
    let value = whole.parse::<i64>().unwrap_or(0) * 100 + format!("{frac:0<2}")[..2].parse::<i64>().unwrap();
    if negative {
        -value
    } else {
        value
    }
}

async fn apply_values(client: &Client) -> Vec<String> {
    let mut values = Vec::new();
    for input in client.find_all(Locator::Css("input[name=apply_amount]")).await.unwrap() {
        values.push(input.prop("value").await.ok().flatten().unwrap_or_default());
    }
    values
}

async fn split_by_hand(client: &Client, base: &str) {
    client.goto(&format!("{base}/accounts/P-000102/payments/new")).await.unwrap();
    client.find(Locator::Id("amount")).await.unwrap().send_keys("100.00").await.unwrap();
    let mut previewed = false;
    for _ in 0..50 {
        if apply_values(client).await.first().map(String::as_str) == Some("100.00") {
            previewed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(previewed, "oldest first puts the 100.00 on INV-000004");
    client.find(Locator::Id("allocation-manual")).await.unwrap().click().await.unwrap();
    let rows = client.find_all(Locator::Css("input[name=apply_amount]")).await.unwrap();
    rows[0].clear().await.unwrap();
    rows[1].send_keys("95.00").await.unwrap();
    let amount = client.find(Locator::Id("amount")).await.unwrap();
    amount.clear().await.unwrap();
    amount.send_keys("50.00").await.unwrap();
    tokio::time::sleep(Duration::from_millis(900)).await;
    assert_eq!(apply_values(client).await, ["", "95.00", ""], "a new amount leaves the split set by hand");
    let note = text_of(client, "#allocated-note").await;
    assert!(note.contains("$45.00 more than received"), "{note}");
    client
        .find(Locator::Css("form.payment-form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let refused = client.wait().for_element(Locator::Id("allocation-error")).await.unwrap().text().await.unwrap();
    assert!(
        refused.contains("45.00 USD more than the 50.00 USD"),
        "the over-split is said in money: {refused}"
    );
    assert!(!refused.contains("minor units"), "{refused}");
    assert!(
        client
            .find(Locator::Id("allocation-manual"))
            .await
            .unwrap()
            .prop("checked")
            .await
            .unwrap()
            .as_deref()
            == Some("true"),
        "the refused form keeps \"As I set below\""
    );
    assert_eq!(apply_values(client).await, ["", "95.00", ""], "the refused form keeps the split");
    shot(client, "05b-payment-split-refused").await;
    let amount = client.find(Locator::Id("amount")).await.unwrap();
    amount.clear().await.unwrap();
    amount.send_keys("95.00").await.unwrap();
    tokio::time::sleep(Duration::from_millis(900)).await;
    assert_eq!(apply_values(client).await, ["", "95.00", ""]);
    client
        .find(Locator::Css("form.payment-form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let flash = client.wait().for_element(Locator::Id("flash")).await.unwrap().text().await.unwrap();
    assert!(
        flash.contains("applied to INV-000005 $95.00"),
        "the payment goes where the clerk put it: {flash}"
    );
}

#[tokio::test]
async fn a_day_in_the_pages() {
    let Some(chromedriver) = find_program(&["chromedriver", "chromium-driver"]) else {
        assert!(
            std::env::var("SETTLE_REQUIRE_BROWSER").is_err(),
            "SETTLE_REQUIRE_BROWSER is set but chromedriver is not installed (apt-get install chromium chromium-driver)"
        );
        eprintln!("skipped: chromedriver not found (install Debian's chromium and chromium-driver to run the browser test)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&settle_store::Location::DataDir(dir.path().to_path_buf())).await.unwrap();
    let org = seed(&store).await;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let config = settle_server::Config {
        listen: addr,
        idle_timeout: Duration::from_secs(900),
        tls: None,
        ..settle_server::Config::default()
    };
    let app = settle_server::app(store.clone(), config).into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let base = format!("http://{addr}");

    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let _driver = Driver(
        Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts"),
    );
    let mut caps = serde_json::Map::new();
    let mut args = vec![
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1280,900",
    ];
    if std::env::var("SETTLE_BROWSER_SHOW").is_ok() {
        args.retain(|a| *a != "--headless=new");
    }
    let mut chrome = json!({ "args": args });
    if let Some(binary) = find_program(&["chromium", "chromium-browser", "google-chrome"]) {
        chrome["binary"] = json!(binary);
    }
    caps.insert("goog:chromeOptions".into(), chrome);
    let mut client = None;
    for _ in 0..50 {
        match ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(c) => {
                client = Some(c);
                break;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
    let client = client.expect("chromedriver answers");
    day(&client, &base, &store, &org).await;
    let fill = crate::browser_sweep::Fill::from_books(&store, &org).await;
    crate::browser_sweep::every_page_at_phone_width(&client, &base, &fill).await;
    let _ = client.close().await;
}

async fn day(client: &Client, base: &str, store: &Store, org: &Organisation) {
    // Logging in.
    client.goto(&format!("{base}/")).await.unwrap();
    assert!(
        client.current_url().await.unwrap().path().starts_with("/login"),
        "the dashboard sends a stranger to log in"
    );
    shot(client, "01-login").await;
    log_in(client, base, "sam").await;
    shot(client, "02-dashboard").await;
    let total = text_of(client, "#total-ar").await;
    assert!(total.starts_with('$'), "total AR shows as money: {total}");
    assert!(client.source().await.unwrap().contains("<svg"), "the dashboard draws its charts");

    // Finding an account as you type.
    client.goto(&format!("{base}/accounts")).await.unwrap();
    client.find(Locator::Id("q")).await.unwrap().send_keys("garc").await.unwrap();
    let hit = client.wait().for_element(Locator::Css("#results a.hit")).await.unwrap();
    shot(client, "03-search").await;
    assert!(hit.text().await.unwrap().contains("Maria Garcia"));
    hit.click().await.unwrap();
    client.wait().for_element(Locator::Id("balance")).await.unwrap();
    assert_eq!(client.current_url().await.unwrap().path(), "/accounts/P-000101");
    shot(client, "04-account").await;
    let before = cents(&text_of(client, "#balance").await);
    assert_eq!(before, 180_00 + 95_00 + 240_00);

    // Posting a payment, with the allocation preview.
    client.find(Locator::LinkText("Post payment")).await.unwrap().click().await.unwrap();
    client.find(Locator::Id("amount")).await.unwrap().send_keys("50.00").await.unwrap();
    client.find(Locator::Id("reference")).await.unwrap().send_keys("1042").await.unwrap();
    // The preview puts the 50.00 on the oldest item.
    let mut previewed = false;
    for _ in 0..50 {
        // htmx swaps the rows in while we read them: a stale row is read again.
        let mut values = Vec::new();
        if let Ok(inputs) = client.find_all(Locator::Css("input[name=apply_amount]")).await {
            for input in inputs {
                values.push(input.prop("value").await.ok().flatten().unwrap_or_default());
            }
        }
        if values.first().map(String::as_str) == Some("50.00") {
            previewed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(previewed, "the allocation preview follows the amount typed");
    shot(client, "05-payment").await;
    client
        .find(Locator::Css("form.payment-form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let flash = client.wait().for_element(Locator::Id("flash")).await.unwrap().text().await.unwrap();
    assert!(flash.contains("posted"), "{flash}");
    let after = cents(&text_of(client, "#balance").await);
    assert_eq!(after, before - 50_00, "the balance falls by the payment");

    // A payment split by hand stays where the clerk put it when the
    // amount received changes; an over-split is refused beside the rows.
    split_by_hand(client, base).await;

    // A new invoice, with live totals.
    client.goto(&format!("{base}/accounts/P-000101/invoices/new")).await.unwrap();
    client
        .find(Locator::Css("input[name=item_code]"))
        .await
        .unwrap()
        .send_keys("99213")
        .await
        .unwrap();
    client
        .find(Locator::Css("input[name=description]"))
        .await
        .unwrap()
        .send_keys("Office visit")
        .await
        .unwrap();
    let quantity = client.find(Locator::Css("input[name=quantity]")).await.unwrap();
    quantity.clear().await.unwrap();
    quantity.send_keys("2").await.unwrap();
    client
        .find(Locator::Css("input[name=unit_price]"))
        .await
        .unwrap()
        .send_keys("75.50")
        .await
        .unwrap();
    assert_eq!(text_of(client, "#total").await, "$151.00", "the total follows the lines as typed");
    shot(client, "06-invoice-form").await;
    client.find(Locator::Css("button[value=issue]")).await.unwrap().click().await.unwrap();
    client.wait().for_element(Locator::Css(".totals .grand")).await.unwrap();
    assert!(client.source().await.unwrap().contains("$151.00"));
    shot(client, "07-invoice").await;

    // A write-off above the limit is held for approval.
    client.goto(&format!("{base}/accounts/P-000103/adjustments/new")).await.unwrap();
    shot(client, "08-adjustment-form").await;
    client
        .find(Locator::Css("#reference option:nth-child(2)"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .find(Locator::Css("#reason option[value=bad_debt_write_off]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client.find(Locator::Id("amount")).await.unwrap().send_keys("150.00").await.unwrap();
    client
        .find(Locator::Id("memo"))
        .await
        .unwrap()
        .send_keys("Patient moved away, no forwarding address")
        .await
        .unwrap();
    client.find(Locator::Css("form.card button[type=submit]")).await.unwrap().click().await.unwrap();
    let flash = client.wait().for_element(Locator::Id("flash")).await.unwrap().text().await.unwrap();
    assert!(flash.contains("waiting for a coordinator"), "{flash}");
    let held_balance = cents(&text_of(client, "#balance").await);
    assert_eq!(held_balance, 180_00 + 95_00 + 240_00, "nothing posts while it waits");
    // A specialist has no approvals page.
    client.goto(&format!("{base}/approvals")).await.unwrap();
    assert!(client.source().await.unwrap().contains("Not open to your role"));
    log_out(client).await;

    // The coordinator approves it.
    log_in(client, base, "cora").await;
    client.goto(&format!("{base}/approvals")).await.unwrap();
    shot(client, "09-approvals").await;
    client
        .find(Locator::Css("tr[id^=approval-] button[type=submit]:not(.danger)"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let notice = client.wait().for_element(Locator::Css(".notice.ok")).await.unwrap().text().await.unwrap();
    assert!(notice.starts_with("Approved"), "{notice}");
    client.goto(&format!("{base}/accounts/P-000103")).await.unwrap();
    assert_eq!(cents(&text_of(client, "#balance").await), 180_00 + 95_00 + 240_00 - 150_00);

    // Reports: aging, and its CSV's totals.
    client.goto(&format!("{base}/reports/aging")).await.unwrap();
    shot(client, "10-aging").await;
    let page_total = cents(&text_of(client, "#aging-total").await);
    let csv = client
        .execute_async(
            "const done = arguments[arguments.length - 1]; fetch('/reports/aging?format=csv').then(r => r.text()).then(done);",
            vec![],
        )
        .await
        .unwrap();
    let csv = csv.as_str().unwrap().to_string();
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let total_col = headers.iter().position(|h| h == "total").unwrap();
    let mut sum = 0;
    let mut total_row = None;
    for record in reader.records() {
        let record = record.unwrap();
        if &record[0] == "TOTAL" {
            total_row = Some(cents(&record[total_col]));
        } else {
            sum += cents(&record[total_col]);
        }
    }
    let as_of = settle_server::web::today();
    let expected = store.aging_totals(org, as_of, &AgingBuckets::default(), None).await.unwrap().total_minor;
    assert_eq!(total_row, Some(sum), "the CSV's TOTAL row adds up its accounts");
    assert_eq!(sum, expected, "the CSV agrees with the books");
    assert_eq!(page_total, expected, "the page agrees with the CSV");
    client.find(Locator::LinkText("Accounts")).await.unwrap();
    client.goto(&format!("{base}/reports/aging/bucket/3")).await.unwrap();
    shot(client, "11-aging-bucket").await;
    client.goto(&format!("{base}/reports/trial-balance")).await.unwrap();
    assert!(client.source().await.unwrap().contains("(balanced)"));
    shot(client, "12-trial-balance").await;
    client.goto(&format!("{base}/reports/cash-receipts?from=2026-01-01")).await.unwrap();
    shot(client, "13-cash-receipts").await;
    // Every open invoice, the largest balance first, from the menu.
    client.find(Locator::LinkText("Invoices")).await.unwrap().click().await.unwrap();
    client.wait().for_element(Locator::Css("nav.pager")).await.unwrap();
    client.goto(&format!("{base}/invoices?status=open&sort=balance&dir=desc")).await.unwrap();
    assert!(client.source().await.unwrap().contains("aria-sort=\"descending\""));
    shot(client, "13b-invoices").await;
    // Small balances: "choose all" counts and totals what is chosen.
    client.goto(&format!("{base}/write-offs/small-balances?under=500.00")).await.unwrap();
    let rows = client.find_all(Locator::Css("input[name=item]")).await.unwrap().len();
    assert!(rows > 0, "the seeded books have balances under 500.00");
    client.find(Locator::Id("choose-all")).await.unwrap().click().await.unwrap();
    let chosen = text_of(client, "#chosen").await;
    assert!(chosen.starts_with(&format!("{rows} chosen, ")), "{chosen}");
    shot(client, "13c-small-balances").await;
    log_out(client).await;

    // A collector cannot reach the admin pages; an admin can.
    log_in(client, base, "cole").await;
    client.goto(&format!("{base}/admin/users")).await.unwrap();
    assert!(client.source().await.unwrap().contains("Not open to your role"));
    shot(client, "14-collector-refused").await;
    // A refused promise: the refusal beside the promise form, what was typed kept.
    client.goto(&format!("{base}/accounts/P-000102")).await.unwrap();
    client.find(Locator::Id("pr-amount")).await.unwrap().send_keys("9999.00").await.unwrap();
    let due = client.find(Locator::Id("pr-due")).await.unwrap();
    client
        .execute("arguments[0].value = '2099-01-15';", vec![serde_json::to_value(&due).unwrap()])
        .await
        .unwrap();
    client.find(Locator::Id("pr-note")).await.unwrap().send_keys("said Friday").await.unwrap();
    client
        .find(Locator::Css("form[action$='/promises'] button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let refusal = client.wait().for_element(Locator::Id("flash-error")).await.unwrap().text().await.unwrap();
    assert!(refusal.contains("more than the account owes") && refusal.contains("USD"), "{refusal}");
    let beside = client
        .execute(
            "const n = document.getElementById('flash-error'); return n.nextElementSibling && n.nextElementSibling.getAttribute('action');",
            vec![],
        )
        .await
        .unwrap();
    assert!(
        beside.as_str().is_some_and(|a| a.ends_with("/promises")),
        "the refusal sits just above the promise form, not at the top: {beside}"
    );
    assert_eq!(
        client.find(Locator::Id("pr-amount")).await.unwrap().prop("value").await.unwrap().as_deref(),
        Some("9999.00"),
        "the amount typed is kept"
    );
    assert_eq!(
        client.find(Locator::Id("pr-note")).await.unwrap().prop("value").await.unwrap().as_deref(),
        Some("said Friday")
    );
    shot(client, "14b-promise-refused-beside-its-form").await;
    // Keys: "?" lists this page's shortcuts; "l" goes to the contact log.
    let press = |key: &'static str| {
        client.execute(
            "document.dispatchEvent(new KeyboardEvent('keydown', { key: arguments[0], bubbles: true }));",
            vec![json!(key)],
        )
    };
    press("?").await.unwrap();
    let listed = text_of(client, "dialog#shortcuts[open]").await;
    assert!(listed.contains("Next account in my queue") && listed.contains("Log a contact"), "{listed}");
    shot(client, "14c-keyboard-shortcuts").await;
    client.execute("document.getElementById('shortcuts').close();", vec![]).await.unwrap();
    press("l").await.unwrap();
    let focused = client.execute("return document.activeElement.id;", vec![]).await.unwrap();
    assert_eq!(focused, json!("cc-channel"), "l goes to the contact log");
    // They call in and promise: logging it leads straight to the promise form.
    client.goto(&format!("{base}/accounts/P-000102")).await.unwrap();
    client
        .execute(
            "document.getElementById('cc-outcome').value = 'promise'; document.querySelector('input[name=inbound]').checked = true;",
            vec![],
        )
        .await
        .unwrap();
    client
        .find(Locator::Css("form[action$='/collection-contacts'] button[value=log]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client.wait().for_element(Locator::Id("flash")).await.unwrap();
    let (url, focused) = (
        client.current_url().await.unwrap(),
        client.execute("return document.activeElement.id;", vec![]).await.unwrap(),
    );
    assert!(url.query().unwrap_or("").contains("then=promise"), "{url}");
    assert_eq!(focused, json!("pr-amount"), "the promise form is next");
    log_out(client).await;
    crate::browser_admin::admin_day(client, base).await;
    // Every contact replayed against the gate, from the supervisor's page.
    client.goto(&format!("{base}/collections/supervisor")).await.unwrap();
    client
        .find(Locator::LinkText("Check every contact against the gate"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let replay = client.source().await.unwrap();
    assert!(replay.contains("nothing went past the gate"), "the replay page says the log is clean");
    shot(client, "16c-collections-verify").await;

    // A visit billed to insurance: looked up, refused by the scrubber, fixed, ready.
    client.goto(&format!("{base}/claims/new?account=P-000101")).await.unwrap();
    client
        .find(Locator::Id("icd-q"))
        .await
        .unwrap()
        .send_keys("type 2 diabetes without")
        .await
        .unwrap();
    let found = client.wait().for_element(Locator::Css("#icd-results li")).await.unwrap();
    assert!(found.text().await.unwrap().contains("E11"), "the lookup finds diabetes codes");
    client.find(Locator::Id("diagnosis0")).await.unwrap().send_keys("E11").await.unwrap();
    client.find(Locator::Css(".code-pick[data-code='E11.9']")).await.unwrap().click().await.unwrap();
    assert_eq!(
        client.find(Locator::Id("diagnosis1")).await.unwrap().prop("value").await.unwrap().as_deref(),
        Some("E11.9"),
        "a picked code fills the next empty box"
    );
    client
        .find(Locator::Css("input[name='line0.procedure_code']"))
        .await
        .unwrap()
        .send_keys("99213")
        .await
        .unwrap();
    client
        .find(Locator::Css("input[name='line0.diagnosis_pointers']"))
        .await
        .unwrap()
        .send_keys("1")
        .await
        .unwrap();
    client
        .find(Locator::Css("input[name='line0.charge']"))
        .await
        .unwrap()
        .send_keys("125.00")
        .await
        .unwrap();
    // A seventh line waits behind "Add a line", which shows it and puts the cursor there.
    let hidden = client
        .execute("return document.querySelector('tr[data-line=\"6\"]').hidden;", vec![])
        .await
        .unwrap();
    assert_eq!(hidden, json!(true));
    client.find(Locator::Css("[data-add-line]")).await.unwrap().click().await.unwrap();
    let (shown, focused) = (
        client
            .execute("return !document.querySelector('tr[data-line=\"6\"]').hidden;", vec![])
            .await
            .unwrap(),
        client.execute("return document.activeElement.name;", vec![]).await.unwrap(),
    );
    assert_eq!((shown, focused), (json!(true), json!("line6.date_of_service")));
    shot(client, "19-visit-form").await;
    client.find(Locator::Css("form.card button[type=submit]")).await.unwrap().click().await.unwrap();
    assert!(wait_for_text(client, "is a category, not a billable code")
        .await
        .contains("is a category, not a billable code"));
    shot(client, "20-claim-findings").await;
    client.find(Locator::LinkText("Fix the claim")).await.unwrap().click().await.unwrap();
    let dx = client.wait().for_element(Locator::Id("diagnosis0")).await.unwrap();
    dx.clear().await.unwrap();
    dx.send_keys("E11.65").await.unwrap();
    client.find(Locator::Css("form.card button[type=submit]")).await.unwrap().click().await.unwrap();
    assert!(
        wait_for_text(client, "ready to send").await.contains("ready to send"),
        "fixed, the claim is ready"
    );
    client.goto(&format!("{base}/claims?status=ready")).await.unwrap();
    shot(client, "21-claims").await;
    // One payer's ready claims, chosen together: the count and total beside the button.
    client.goto(&format!("{base}/claims?status=ready&payer=60054")).await.unwrap();
    client.find(Locator::Id("choose-all")).await.unwrap().click().await.unwrap();
    let chosen = text_of(client, "#chosen").await;
    assert_eq!(chosen, "1 chosen, 125.00 in all.", "choose-all counts and totals what it chose");
    shot(client, "21b-claims-chosen").await;
    client.goto(&format!("{base}/claims/send")).await.unwrap();
    shot(client, "22-claims-send").await;
    client.goto(&format!("{base}/accounts/P-000101")).await.unwrap();
    client.find(Locator::Id("insurance-h")).await.unwrap();
    client.execute("document.getElementById('insurance-h').scrollIntoView()", vec![]).await.unwrap();
    shot(client, "23-account-insurance").await;
    client.goto(&format!("{base}/claims/setup")).await.unwrap();
    shot(client, "24-payers-providers").await;
    // An ERA read and previewed before posting: a claim Settle does not have goes to the exception list.
    client.goto(&format!("{base}/claims/era")).await.unwrap();
    let era = "ISA*00*          *00*          *ZZ*60054          *ZZ*376543210      *261201*1200*^*00501*000000042*0*P*:~\
GS*HP*60054*376543210*20261201*1200*42*X*005010X221A1~ST*835*0001*005010X221A1~\
BPR*I*50.00*C*ACH*CCP*01*999999999*DA*123456*1666666666**01*999888777*DA*654321*20261201~TRN*1*EFT-9*1666666666~\
N1*PR*AETNA~N3*PO BOX 1~N4*MIAMI*FL*33111~N1*PE*RIVERSIDE FAMILY PRACTICE*XX*1912301953~LX*1~CLP*CLM-999*1*50.00*50.00**12*ICN9~NM1*QC*1*DOE*JANE~\
SVC*HC:99213*50.00*50.00~SE*12*0001~GE*1*42~IEA*1*000000042~";
    client.find(Locator::Id("body")).await.unwrap().send_keys(era).await.unwrap();
    client.find(Locator::Css("form.card button[type=submit]")).await.unwrap().click().await.unwrap();
    let preview = client.wait().for_element(Locator::XPath("//h2[text()='What posting will do']")).await.unwrap();
    assert!(client.source().await.unwrap().contains("to the exception list"));
    preview.click().await.unwrap();
    shot(client, "25-era-preview").await;

    // A biller's follow-up day: a claim sent 45 days ago with no answer is
    // on the list and the dashboard; a call to the payer is recorded on it;
    // a 276 asks where it stands; the payer's 277 (finalized) is read and
    // the claim's next step is to get the remittance.
    let sent = settle_server::web::today().checked_sub(jiff::Span::new().days(45)).unwrap();
    let number = crate::follow_up_pages::sent_unanswered(store, org, "P-000101", "60054", sent).await;
    log_out(client).await;
    log_in(client, base, "sam").await;
    client.goto(&format!("{base}/")).await.unwrap();
    assert!(
        client.source().await.unwrap().contains("Claims to follow up"),
        "the dashboard counts the follow-up list"
    );
    shot(client, "26-dashboard-follow-up").await;
    client.goto(&format!("{base}/claims/follow-up")).await.unwrap();
    let list = client.source().await.unwrap();
    assert!(
        list.contains(&number) && list.contains("answer 45 days after submission"),
        "the list shows the unanswered claim"
    );
    shot(client, "27-follow-up-list").await;
    client.find(Locator::LinkText(&number)).await.unwrap().click().await.unwrap();
    client.wait().for_element(Locator::Id("said")).await.unwrap();
    let next = settle_server::web::today().checked_add(jiff::Span::new().days(14)).unwrap();
    client
        .find(Locator::Id("reference"))
        .await
        .unwrap()
        .send_keys("CR-20261207-4471")
        .await
        .unwrap();
    client
        .find(Locator::Id("rep"))
        .await
        .unwrap()
        .send_keys("Dana at provider services")
        .await
        .unwrap();
    // A date input takes the date as the browser's locale types it: set it directly.
    client
        .execute(&format!("document.getElementById('next_follow_up').value = '{next}'"), vec![])
        .await
        .unwrap();
    client
        .find(Locator::Id("said"))
        .await
        .unwrap()
        .send_keys("In process; expected to pay within 14 days")
        .await
        .unwrap();
    client
        .find(Locator::XPath("//button[text()='Record the call']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let page = wait_for_text(client, "The call is recorded on the claim.").await;
    assert!(
        page.contains("The call is recorded on the claim.") && page.contains("CR-20261207-4471"),
        "the call is on the claim"
    );
    client.execute("document.getElementById('follow-up').scrollIntoView()", vec![]).await.unwrap();
    shot(client, "28-claim-payer-call").await;
    client.goto(&format!("{base}/claims/follow-up?all=1")).await.unwrap();
    assert!(
        client.source().await.unwrap().contains(&format!("follow up on {next}")),
        "the claim waits until its date"
    );
    client.find(Locator::Id("claim_numbers")).await.unwrap().send_keys(&number).await.unwrap();
    client
        .find(Locator::XPath("//button[text()='Write the 276']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client.wait().for_element(Locator::LinkText("Download the 276")).await.unwrap();
    assert!(client.source().await.unwrap().contains("A 276 asks 60054 about 1 claim(s)"));
    shot(client, "29-follow-up-276").await;
    let day = settle_server::web::today().strftime("%Y%m%d").to_string();
    let answer = format!(
        "ISA*00*          *00*          *ZZ*60054          *ZZ*376543210      *{short}*1008*^*00501*000000031*0*T*:~\
GS*HN*60054*376543210*{day}*1008*31*X*005010X212~ST*277*0001*005010X212~BHT*0010*08*277X212*{day}*1008*DG~\
HL*1**20*1~NM1*PR*2*AETNA*****PI*60054~HL*2*1*21*1~NM1*41*2*RIVERSIDE FAMILY PRACTICE*****46*376543210~\
HL*3*2*19*1~NM1*1P*2*RIVERSIDE FAMILY PRACTICE*****XX*1912301953~HL*4*3*22*0~NM1*IL*1*GARCIA*MARIA****MI*W12345678~\
TRN*2*{number}~STC*F1:65*{day}**125*125~REF*1K*2026341000777~SE*14*0001~GE*1*31~IEA*1*000000031~",
        short = &day[2..]
    );
    client.goto(&format!("{base}/claims/acknowledgments")).await.unwrap();
    client.find(Locator::Id("body")).await.unwrap().send_keys(&answer).await.unwrap();
    client.find(Locator::XPath("//button[text()='Read it']")).await.unwrap().click().await.unwrap();
    client
        .wait()
        .for_element(Locator::XPath(&format!("//*[contains(text(), '{number}')]")))
        .await
        .unwrap();
    shot(client, "30-277-read").await;
    client.goto(&format!("{base}/claims/{number}")).await.unwrap();
    let page = client.source().await.unwrap();
    assert!(
        page.contains("Next step: get the remittance (835)") && page.contains("F1 finalized: paid"),
        "the payer's answer moves the claim"
    );
    assert!(page.contains("(status 65). Next step"), "the payer's words end their sentence");
    client.execute("document.getElementById('follow-up').scrollIntoView()", vec![]).await.unwrap();
    shot(client, "31-claim-after-277").await;

    crate::browser_sweep::main_pages_at_phone_width(client, base).await;
    client.goto(&format!("{base}/")).await.unwrap();
    // After the day's payment, invoice and write-off, the dashboard agrees with the books.
    let books = store
        .aging_totals(org, settle_server::web::today(), &AgingBuckets::default(), None)
        .await
        .unwrap()
        .total_minor;
    assert_eq!(
        cents(&text_of(client, "#total-ar").await),
        books,
        "the dashboard shows the books after the day's writes"
    );
}
