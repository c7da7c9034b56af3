//! The ACH page over plain HTTP: an admin sets up the originating account,
//! a specialist takes a mandate (a mistyped routing number refused beside
//! its box), schedules a debit and runs the day; the file downloads as the
//! bank gets it; a coordinator pastes the bank's answer and sees what each
//! return did.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use settle_domain::access::Role;
use settle_domain::ach::{bank_sim, nacha};

use crate::pages::{browser, page, session, setup};
use crate::Server;

#[tokio::test]
async fn the_ach_page_takes_a_mandate_runs_the_day_and_applies_the_answer() {
    for srv in Server::each(Duration::from_secs(900)).await {
        let name = srv.name;
        let org = setup(&srv).await;
        let client = browser();
        let (admin, admin_csrf) = session(&srv, &org, "ach-admin", Role::Admin).await;
        let (specialist, csrf) = session(&srv, &org, "ach-specialist", Role::BillingSpecialist).await;
        let (coordinator, coordinator_csrf) = session(&srv, &org, "ach-coordinator", Role::BillingCoordinator).await;
        let today = jiff::Zoned::now().date().to_string();
        let (status, location, _) = page(
            &client,
            &srv,
            Method::POST,
            "/ach/originators",
            Some(&admin),
            &[
                ("csrf", &admin_csrf),
                ("name", "operating"),
                ("odfi", "091000019"),
                ("odfi_name", "First Bank"),
                ("company_id", "1234567890"),
                ("company_name", "Clinic"),
                ("return_fee", ""),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{name}: {location}");

        let mandate = |routing: &'static str| {
            vec![
                ("csrf", csrf.clone()),
                ("account_number", "P-000001".to_string()),
                ("holder_name", "Pat Doe".to_string()),
                ("routing", routing.to_string()),
                ("bank_account", "7770001".to_string()),
                ("account_kind", "checking".to_string()),
                ("channel", "signed".to_string()),
                ("authorized_on", today.clone()),
                ("authorization_text", "I authorize Clinic to debit my checking account.".to_string()),
            ]
        };
        let as_refs = |v: &Vec<(&'static str, String)>| v.iter().map(|(k, v)| (*k, v.clone())).collect::<Vec<_>>();
        let typo = as_refs(&mandate("231380105"));
        let typo: Vec<(&str, &str)> = typo.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (status, _, body) = page(&client, &srv, Method::POST, "/ach/mandates", Some(&specialist), &typo).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(
            body.contains("check digit") && body.contains("routing-error"),
            "{name}: the refusal is beside its box"
        );
        let good = as_refs(&mandate("231380104"));
        let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (status, location, _) = page(&client, &srv, Method::POST, "/ach/mandates", Some(&specialist), &good).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{name}: {location}");
        assert!(location.contains("Mandate+1+for+P-000001+is+active"), "{name}: {location}");

        let (status, location, _) = page(
            &client,
            &srv,
            Method::POST,
            "/ach/debits",
            Some(&specialist),
            &[("csrf", &csrf), ("mandate_id", "1"), ("amount", "150.00"), ("due_on", &today), ("note", "")],
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{name}: {location}");
        let (status, location, _) = page(
            &client,
            &srv,
            Method::POST,
            "/ach/run",
            Some(&specialist),
            &[("csrf", &csrf), ("as_of", &today)],
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{name}");
        assert!(location.contains("sent+1+debits"), "{name}: {location}");
        let (status, _, file) = page(&client, &srv, Method::GET, "/ach/files/1", Some(&specialist), &[]).await;
        assert_eq!(status, StatusCode::OK, "{name}");
        let sent = nacha::read(&file).expect("the download is the file the bank gets");
        let answer = bank_sim::answer(&sent, &bank_sim::parse_rules(bank_sim::DEMO_RULES).unwrap(), jiff::Zoned::now().date(), 900).unwrap();

        let (status, _, _) = page(
            &client,
            &srv,
            Method::POST,
            "/ach/returns",
            Some(&specialist),
            &[("csrf", &csrf), ("body", &answer)],
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{name}: reversing is payments.reverse");
        let (status, _, body) = page(
            &client,
            &srv,
            Method::POST,
            "/ach/returns",
            Some(&coordinator),
            &[("csrf", &coordinator_csrf), ("body", "not a file")],
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(body.contains("Line 1") || body.contains("line 1"), "{name}: the problem by line");
        let (status, _, body) = page(
            &client,
            &srv,
            Method::POST,
            "/ach/returns",
            Some(&coordinator),
            &[("csrf", &coordinator_csrf), ("body", &answer)],
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{name}");
        assert!(
            body.contains("What the bank") && body.contains("R01") && body.contains("payment 1 reversed"),
            "{name}: {body}"
        );
        let (_, _, body) = page(&client, &srv, Method::GET, "/ach", Some(&coordinator), &[]).await;
        assert!(
            body.contains("****0001") && !body.contains("7770001"),
            "{name}: the bank account by its last four digits only"
        );
        assert!(body.contains("every rule held"), "{name}: the rules replayed on the page");
    }
}
