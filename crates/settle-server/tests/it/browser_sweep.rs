//! Every page at phone width, by the role with the fewest rights that may
//! open it: each page's route from the one table the guard reads, its
//! parameters filled from the day's books. None may scroll sideways or
//! hide a menu item off-screen, and axe-core must find nothing serious or
//! critical on any of them; each is kept as a screenshot.

use fantoccini::{Client, Locator};
use serde_json::json;
use settle_domain::access::Role;
use settle_server::web::routes_table::{Access, PAGES};

use crate::browser::{log_in, log_out, shot};

/// The roles in the walk, fewest rights first, with their logins.
const ROLES: [(&str, Role); 4] = [
    ("cole", Role::CollectionsSpecialist),
    ("sam", Role::BillingSpecialist),
    ("cora", Role::BillingCoordinator),
    ("ada", Role::Admin),
];

/// Values for a route's parameters; a route with any other is not a page
/// one reaches by its address (files, tokens, PDFs).
pub(crate) struct Fill {
    pub account: String,
    pub invoice: String,
    pub claim: Option<String>,
}

impl Fill {
    /// The day's account, its first invoice and the newest claim.
    pub(crate) async fn from_books(store: &settle_store::Store, org: &settle_store::platform::Organisation) -> Fill {
        let invoice = store
            .list_invoices(
                org,
                &settle_store::billing::InvoiceFilter {
                    account_number: Some("P-000101".into()),
                    limit: 1,
                    ..Default::default()
                },
            )
            .await
            .unwrap()
            .first()
            .map(|i| i.invoice_number.clone())
            .expect("the day's account has an invoice");
        let claim = store
            .claims(
                org,
                &settle_store::claims::ClaimFilter {
                    limit: Some(1),
                    ..Default::default()
                },
            )
            .await
            .unwrap()
            .first()
            .map(|c| c.claim_number.clone());
        Fill {
            account: "P-000101".into(),
            invoice,
            claim,
        }
    }
}

/// The day's main pages at 390 px, screenshotted, nothing off-screen;
/// the window is left at phone width.
pub(crate) async fn main_pages_at_phone_width(client: &Client, base: &str) {
    client.set_window_size(390, 844).await.unwrap();
    client.goto(&format!("{base}/claims/follow-up")).await.unwrap();
    shot(client, "32-follow-up-phone").await;
    client.goto(&format!("{base}/accounts/P-000101")).await.unwrap();
    shot(client, "17-account-phone").await;
    client.goto(&format!("{base}/")).await.unwrap();
    shot(client, "18-dashboard-phone").await;
    // Nothing off-screen at phone width: no sideways scroll, every menu item
    // in sight, the payment form's Apply boxes within reach.
    for path in [
        "/",
        "/accounts/P-000101",
        "/accounts/P-000101/payments/new",
        "/claims/follow-up",
        "/reports/cash-receipts",
    ] {
        client.goto(&format!("{base}{path}")).await.unwrap();
        let fit = client
            .execute(
                "const w = window.innerWidth; \
                 const out = Array.from(document.querySelectorAll('header.top nav a, input[name=apply_amount]')) \
                   .filter(e => e.getBoundingClientRect().right > w + 1).map(e => e.textContent || e.name); \
                 return [document.documentElement.scrollWidth <= w + 1, out];",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(fit[0], json!(true), "{path} scrolls sideways at phone width");
        assert_eq!(fit[1], json!([]), "{path}: off-screen at phone width");
    }
    client.goto(&format!("{base}/accounts/P-000101/payments/new")).await.unwrap();
    shot(client, "18b-payment-phone").await;
}

fn filled(path: &str, fill: &Fill) -> Option<String> {
    if path.ends_with("/pdf")
        || path.ends_with(".csv")
        || path.ends_with("/template")
        || path.contains("/letters/")
        || path.contains("/statements/day/")
        || path.ends_with("/preview")
    {
        return None;
    }
    let mut out = path.to_string();
    let pairs: [(&str, Option<&str>); 3] = [
        ("/accounts/{number}", Some(&fill.account)),
        ("/invoices/{number}", Some(&fill.invoice)),
        ("/claims/{number}", fill.claim.as_deref()),
    ];
    for (pattern, value) in pairs {
        if out.starts_with(pattern) || out.contains(&format!("/aging{pattern}")) {
            out = out.replacen("{number}", value?, 1);
        }
    }
    if out.contains("/aging/account/{number}") {
        out = out.replacen("{number}", &fill.account, 1);
    }
    out = out.replace("{index}", "0");
    (!out.contains('{')).then_some(out)
}

/// Every GET page in the route table, at 390 px, by the first role that may open it.
pub(crate) async fn every_page_at_phone_width(client: &Client, base: &str, fill: &Fill) {
    client.set_window_size(390, 844).await.unwrap();
    client.goto(&format!("{base}/")).await.unwrap();
    if client.find(Locator::Id("logout-form")).await.is_ok() {
        log_out(client).await;
    }
    let mut seen = 0;
    for (i, (user, role)) in ROLES.iter().enumerate() {
        let mine: Vec<String> = PAGES
            .iter()
            .filter(|(method, path, access)| {
                *method == "GET"
                    && !matches!(*path, "/login" | "/favicon.ico" | "/accounts/search" | "/account/password")
                    && match access {
                        Access::Public => false,
                        Access::Authenticated => i == 0,
                        Access::Needs(p) => role.allows(*p) && ROLES[..i].iter().all(|(_, r)| !r.allows(*p)),
                    }
            })
            .filter_map(|(_, path, _)| filled(path, fill))
            .collect();
        if mine.is_empty() {
            continue;
        }
        log_in(client, base, user).await;
        for path in &mine {
            client.goto(&format!("{base}{path}")).await.unwrap();
            let fit = client
                .execute(
                    "if (document.contentType !== 'text/html' || !document.querySelector('header.top')) return null; \
                     const w = window.innerWidth; \
                     const out = Array.from(document.querySelectorAll('header.top nav a')) \
                       .filter(e => e.getBoundingClientRect().right > w + 1).map(e => e.textContent); \
                     const wide = Array.from(document.querySelectorAll('main *')) \
                       .filter(e => e.getBoundingClientRect().right > w + 1 && !e.closest('.table-wrap')) \
                       .slice(0, 3).map(e => e.tagName + (e.id ? '#' + e.id : '') + (e.className ? '.' + e.className : '')); \
                     return [document.documentElement.scrollWidth <= w + 1, out, wide];",
                    vec![],
                )
                .await
                .unwrap();
            if fit.is_null() {
                continue;
            }
            assert_eq!(fit[0], json!(true), "{path} ({user}) scrolls sideways at phone width: {}", fit[2]);
            assert_eq!(fit[1], json!([]), "{path} ({user}): menu items off-screen at phone width");
            let name = format!("phone{}", path.replace('/', "-"));
            shot(client, &name).await;
            seen += 1;
        }
        log_out(client).await;
    }
    assert!(seen > 40, "only {seen} pages were looked at");
    client.set_window_size(1280, 900).await.unwrap();
}
