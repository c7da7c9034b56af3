//! What goes to a customer, from the pages, the API and the settings, on
//! every backend: the letterhead set (and refused field by field), a
//! patient's statement previewed and sent from the account page, an
//! invoice as PDF. Each PDF is read back with poppler's pdftotext and
//! checked for what a customer needs on it (skipped without poppler unless
//! SETTLE_REQUIRE_POPPLER=1, as in CI).

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::json;
use settle_domain::access::Role;

use crate::pages::{browser, page, session, setup};
use crate::{new_payment, Server};

/// The text of a PDF as pdftotext reads it, or None without poppler.
fn pdf_text(bytes: &[u8]) -> Option<String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("read.pdf");
    std::fs::write(&path, bytes).unwrap();
    match std::process::Command::new("pdftotext").arg("-layout").arg(&path).arg("-").output() {
        Ok(out) if out.status.success() => Some(String::from_utf8_lossy(&out.stdout).into_owned()),
        _ => {
            assert!(
                std::env::var("SETTLE_REQUIRE_POPPLER").is_err(),
                "SETTLE_REQUIRE_POPPLER is set but pdftotext is missing (apt-get install poppler-utils)"
            );
            eprintln!("skipped: reading PDFs back needs poppler-utils (pdftotext)");
            None
        }
    }
}

async fn pdf(client: &reqwest::Client, srv: &Server, path: &str, cookie: &str) -> (StatusCode, Vec<u8>) {
    let response = client.get(format!("{}{path}", srv.base)).header("cookie", cookie).send().await.unwrap();
    let status = response.status();
    if status == StatusCode::OK {
        assert_eq!(response.headers()["content-type"], "application/pdf", "{path}");
    }
    (status, response.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn statements_and_invoices_go_out_with_letterhead_remit_to_and_todays_balance() {
    for srv in Server::each(Duration::from_secs(900)).await {
        let name = srv.name;
        let org = setup(&srv).await;
        let admin_token = srv.token(&org, Role::Admin).await;
        let client = browser();
        let (ada, ada_csrf) = session(&srv, &org, "ada", Role::Admin).await;
        let (sam, sam_csrf) = session(&srv, &org, "sam", Role::BillingSpecialist).await;
        let (cole, cole_csrf) = session(&srv, &org, "cole", Role::CollectionsSpecialist).await;

        // The letterhead from the settings page: a bad remit-to is named beside its field.
        let letterhead = |remit: &'static str, csrf: String| {
            vec![
                ("csrf", csrf),
                ("letterhead_name", "Lakeside Family Clinic".to_string()),
                ("letterhead_address", "1200 Lincoln Ave, Springfield, IL 62704".to_string()),
                ("remit_to", remit.to_string()),
                ("billing_phone", "217-555-0100".to_string()),
                ("payment_instructions", "Online: pay.lakeside.example".to_string()),
            ]
        };
        let form = letterhead("a box somewhere", ada_csrf.clone());
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (status, _, body) = page(&client, &srv, Method::POST, "/admin/settings/letterhead", Some(&ada), &pairs).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(body.contains("id=\"remit_to-error\""), "{name}: the refusal sits beside the remit-to field");
        assert!(body.contains("value=\"Lakeside Family Clinic\""), "{name}: what was typed is kept");
        assert_eq!(
            srv.get(&admin_token, "/api/v1/settings/letterhead").await.body["name"],
            "",
            "{name}: nothing kept"
        );
        let form = letterhead("PO Box 4410, Springfield, IL 62708", ada_csrf.clone());
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (status, location, _) = page(&client, &srv, Method::POST, "/admin/settings/letterhead", Some(&ada), &pairs).await;
        assert_eq!((status, location.starts_with("/admin/settings?msg=")), (StatusCode::SEE_OTHER, true), "{name}");
        let (status, _, _) = page(&client, &srv, Method::POST, "/admin/settings/letterhead", Some(&sam), &pairs).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{name}: only an admin sets the letterhead");
        let kept = srv.get(&admin_token, "/api/v1/settings/letterhead").await.body;
        assert_eq!(
            (kept["phone"].as_str(), kept["remit_to"].as_str()),
            (Some("2175550100"), Some("PO Box 4410, Springfield, IL 62708")),
            "{name}"
        );
        let put = srv
            .put(
                &admin_token,
                "/api/v1/settings/letterhead",
                json!({ "name": "Lakeside Family Clinic", "address": "nowhere" }),
            )
            .await;
        assert_eq!(put.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {}", put.body);

        // A payment after the invoice: the preview shows today's 150.00, not 400.00.
        assert_eq!(
            srv.post(&admin_token, "/api/v1/payments", new_payment("P-000001", "250.00")).await.status,
            StatusCode::CREATED
        );
        let (_, _, account) = page(&client, &srv, Method::GET, "/accounts/P-000001", Some(&sam), &[]).await;
        assert!(
            account.contains("/accounts/P-000001/statement/preview") && account.contains("Send a statement now"),
            "{name}"
        );
        assert!(!account.contains("data-print"), "{name}: no printing the internal page as a statement");
        let (status, bytes) = pdf(&client, &srv, "/accounts/P-000001/statement/preview", &sam).await;
        assert_eq!(status, StatusCode::OK, "{name}");
        if let Some(text) = pdf_text(&bytes) {
            for needed in [
                "Lakeside Family Clinic",
                "1200 Lincoln Ave",
                "STATEMENT",
                "Pat Doe",
                "Amount due: $150.00",
                "Please pay by",
                "Your balance by age",
                "Please detach and return this part with your payment",
                "PO Box 4410",
                "Springfield, IL 62708",
                "Amount enclosed",
                "Online: pay.lakeside.example",
                "(217) 555-0100",
                "(preview, not sent)",
            ] {
                assert!(text.contains(needed), "{name}: the statement lacks {needed:?}:\n{text}");
            }
            assert!(
                text.contains("You have paid $250.00 on this visit; $150.00 is left."),
                "{name}: a statement drawn now counts today's payment:\n{text}"
            );
        }
        assert!(
            srv.store.statements(&org, Some("P-000001")).await.unwrap().is_empty(),
            "{name}: a preview keeps nothing"
        );

        // Sending one now: kept, opened as PDF; a collector may not send it.
        let (status, _, _) = page(
            &client,
            &srv,
            Method::POST,
            "/accounts/P-000001/statement",
            Some(&cole),
            &[("csrf", &cole_csrf)],
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{name}");
        let (status, location, _) = page(&client, &srv, Method::POST, "/accounts/P-000001/statement", Some(&sam), &[("csrf", &sam_csrf)]).await;
        assert_eq!((status, location.as_str()), (StatusCode::SEE_OTHER, "/statements/1/pdf"), "{name}");
        let (status, bytes) = pdf(&client, &srv, &location, &sam).await;
        assert_eq!(status, StatusCode::OK, "{name}");
        if let Some(text) = pdf_text(&bytes) {
            assert!(text.contains("S-000001") && text.contains("Amount due: $150.00"), "{name}:\n{text}");
        }
        let (status, location, _) = page(&client, &srv, Method::POST, "/accounts/P-000001/statement", Some(&sam), &[("csrf", &sam_csrf)]).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{name}");
        let (_, _, account) = page(&client, &srv, Method::GET, &location, Some(&sam), &[]).await;
        assert!(
            account.contains("already had statement S-000001"),
            "{name}: a second the same day is refused in words"
        );
        let one = srv
            .post(
                &admin_token,
                "/api/v1/statement-runs",
                json!({ "as_of": "2026-12-31", "account_number": "P-000001" }),
            )
            .await;
        assert_eq!((one.status, one.body["count"].as_i64()), (StatusCode::OK, Some(1)), "{name}: {}", one.body);
        let preview = srv
            .send(
                Method::GET,
                "/api/v1/accounts/P-000001/statement-preview?as_of=2026-12-31",
                Some(&admin_token),
                None,
                None,
            )
            .await;
        assert_eq!(preview.status, StatusCode::OK, "{name}");

        // The day's check deposit, payment by payment, from cash receipts.
        let (_, _, receipts) = page(
            &client,
            &srv,
            Method::GET,
            "/reports/cash-receipts?from=2026-03-01&to=2026-03-31",
            Some(&ada),
            &[],
        )
        .await;
        assert!(
            receipts.contains("day=2026-03-01&amp;method=check#payments"),
            "{name}: each day and method opens its payments"
        );
        let (_, _, listed) = page(
            &client,
            &srv,
            Method::GET,
            "/reports/cash-receipts?from=2026-03-01&to=2026-03-31&day=2026-03-01&method=check",
            Some(&ada),
            &[],
        )
        .await;
        assert!(
            listed.contains("Payments received 2026-03-01 by CHECK") && listed.contains("<td>1001</td>") && listed.contains("id=\"payments-total\">$250.00"),
            "{name}: the check number and the total to match the deposit"
        );
        let (_, _, csv) = page(
            &client,
            &srv,
            Method::GET,
            "/reports/cash-receipts?day=2026-03-01&method=check&format=csv",
            Some(&ada),
            &[],
        )
        .await;
        assert!(csv.lines().nth(1).is_some_and(|l| l.contains("1001") && l.contains("250.00")), "{name}: {csv}");

        // The invoice as the customer receives it.
        let (_, _, invoice) = page(&client, &srv, Method::GET, "/invoices/INV-000001", Some(&sam), &[]).await;
        assert!(invoice.contains("/invoices/INV-000001/pdf"), "{name}");
        let (status, bytes) = pdf(&client, &srv, "/invoices/INV-000001/pdf", &sam).await;
        assert_eq!(status, StatusCode::OK, "{name}");
        if let Some(text) = pdf_text(&bytes) {
            for needed in [
                "Lakeside Family Clinic",
                "INVOICE",
                "Invoice INV-000001",
                "Terms: Net 30 days",
                "Bill to",
                "Pat Doe",
                "1 Main St",
                "Springfield, IL 62701",
                "Office visit",
                "$400.00",
                "Paid and credited",
                "-$250.00",
                "Balance due: $150.00",
                "PO Box 4410, Springfield, IL 62708",
                "Online: pay.lakeside.example",
            ] {
                assert!(text.contains(needed), "{name}: the invoice lacks {needed:?}:\n{text}");
            }
        }
        let api = srv.send(Method::GET, "/api/v1/invoices/INV-000001/pdf", Some(&admin_token), None, None).await;
        assert_eq!(api.status, StatusCode::OK, "{name}");
        let (status, _) = pdf(&client, &srv, "/invoices/INV-404/pdf", &sam).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{name}");
    }
}

#[tokio::test]
async fn money_is_corrected_from_the_pages_with_the_apis_rights() {
    for srv in Server::each(Duration::from_secs(900)).await {
        let name = srv.name;
        let org = setup(&srv).await;
        let admin_token = srv.token(&org, Role::Admin).await;
        let client = browser();
        let (cora, cora_csrf) = session(&srv, &org, "cora", Role::BillingCoordinator).await;
        let (cole, cole_csrf) = session(&srv, &org, "cole", Role::CollectionsSpecialist).await;
        let post = |path: String, cookie: String, form: Vec<(&'static str, String)>| {
            let client = client.clone();
            let base = srv.base.clone();
            async move {
                let response = client.post(format!("{base}{path}")).header("cookie", cookie).form(&form).send().await.unwrap();
                let status = response.status();
                let location = response.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
                (status, location, response.text().await.unwrap())
            }
        };
        // A 400.00 check pays the invoice; it comes back NSF with a 25.00 fee.
        let paid = srv.post(&admin_token, "/api/v1/payments", new_payment("P-000001", "400.00")).await;
        let id = paid.body["payment_id"].as_i64().unwrap();
        let (_, _, account) = page(&client, &srv, Method::GET, "/accounts/P-000001", Some(&cora), &[]).await;
        let reverse = format!("/accounts/P-000001/payments/{id}/reverse");
        assert!(account.contains(&reverse), "{name}: each posted payment offers its reversal");
        let (_, _, account) = page(&client, &srv, Method::GET, "/accounts/P-000001", Some(&cole), &[]).await;
        assert!(!account.contains(&reverse), "{name}: not to a collector");
        let (status, _, _) = post(reverse.clone(), cole.clone(), vec![("csrf", cole_csrf.clone()), ("reason", "NSF".into())]).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{name}");
        let (status, _, form) = page(&client, &srv, Method::GET, &reverse, Some(&cora), &[]).await;
        assert_eq!(status, StatusCode::OK, "{name}");
        assert!(
            form.contains("data-confirm=\"Reverse payment") && form.contains("INV-000001"),
            "{name}: it says what it will undo"
        );
        let (status, _, form) = post(
            reverse.clone(),
            cora.clone(),
            vec![
                ("csrf", cora_csrf.clone()),
                ("reason", "Returned check: not sufficient funds".into()),
                ("fee", "-5".into()),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(
            form.contains("id=\"fee-error\"") && form.contains("value=\"-5\""),
            "{name}: a bad fee is named beside its field"
        );
        assert_eq!(
            srv.store.account_detail(&org, "P-000001").await.unwrap().summary.balance,
            "0.00",
            "{name}: nothing changed"
        );
        let (status, location, _) = post(
            reverse.clone(),
            cora.clone(),
            vec![
                ("csrf", cora_csrf.clone()),
                ("reason", "Returned check: not sufficient funds".into()),
                ("fee", "25.00".into()),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{name}");
        let (_, _, account) = page(&client, &srv, Method::GET, &location, Some(&cora), &[]).await;
        assert!(
            account.contains("owed again on INV-000001 $400.00") && account.contains("a returned-payment fee of $25.00"),
            "{name}: the result is said in money"
        );
        assert_eq!(srv.store.account_detail(&org, "P-000001").await.unwrap().summary.balance, "425.00", "{name}");
        let (status, _, _) = post(reverse, cora.clone(), vec![("csrf", cora_csrf.clone()), ("reason", "twice".into())]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}: a payment is reversed once");

        // A credit note: its reason is required; applied to the invoice named.
        let (status, _, form) = post(
            "/accounts/P-000001/credit-notes/new".into(),
            cora.clone(),
            vec![("csrf", cora_csrf.clone()), ("amount", "40.00".into()), ("memo", "".into())],
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(form.contains("id=\"memo-error\""), "{name}");
        let (status, location, _) = post(
            "/accounts/P-000001/credit-notes/new".into(),
            cora.clone(),
            vec![
                ("csrf", cora_csrf.clone()),
                ("amount", "40.00".into()),
                ("memo", "Billed twice for the boot fitting".into()),
                ("apply_to", "INV-000001".into()),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{name}");
        let (_, _, account) = page(&client, &srv, Method::GET, &location, Some(&cora), &[]).await;
        assert!(account.contains("Credit note CN-000001 issued: applied to INV-000001 $40.00."), "{name}");
        // A credit note kept as credit, then applied from the page to what is oldest.
        let (status, _, _) = post(
            "/accounts/P-000001/credit-notes/new".into(),
            cora.clone(),
            vec![("csrf", cora_csrf.clone()), ("amount", "15.00".into()), ("memo", "Goodwill".into())],
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{name}");
        let (_, _, account) = page(&client, &srv, Method::GET, "/accounts/P-000001", Some(&cora), &[]).await;
        assert!(
            account.contains("/accounts/P-000001/apply-credit"),
            "{name}: credit and something owed: apply is offered"
        );
        let (_, _, dashboard) = page(&client, &srv, Method::GET, "/", Some(&cora), &[]).await;
        assert!(dashboard.contains("href=\"/accounts/in-credit\""), "{name}: the tile leads to the list");
        let (_, _, in_credit) = page(&client, &srv, Method::GET, "/accounts/in-credit", Some(&cora), &[]).await;
        assert!(
            in_credit.contains("/accounts/P-000001\"") && in_credit.contains("$15.00") && in_credit.contains("/accounts/P-000001/apply-credit"),
            "{name}: {in_credit}"
        );
        let (status, _, form) = post(
            "/accounts/P-000001/apply-credit".into(),
            cora.clone(),
            vec![("csrf", cora_csrf.clone()), ("amount", "99.00".into())],
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(
            form.contains("id=\"amount-error\""),
            "{name}: more than the credit is refused beside the amount"
        );
        let (status, location, _) = post("/accounts/P-000001/apply-credit".into(), cora.clone(), vec![("csrf", cora_csrf.clone())]).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{name}");
        let (_, _, account) = page(&client, &srv, Method::GET, &location, Some(&cora), &[]).await;
        assert!(account.contains("Credit applied to INV-000001 $15.00; credit left $0.00."), "{name}");
        let detail = srv.store.account_detail(&org, "P-000001").await.unwrap();
        assert_eq!((detail.summary.balance.as_str(), detail.summary.credit.as_str()), ("370.00", "0.00"), "{name}");
        let verified = srv.store.verify(&org).await.unwrap();
        assert!(verified.discrepancies.is_empty(), "{name}: {:?}", verified.discrepancies);
    }
}
