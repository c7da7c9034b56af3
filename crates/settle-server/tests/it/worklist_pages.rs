//! Worklists on the list component, with their bulk actions, on every
//! backend: the claims list sorted and paged, ready claims of one payer
//! chosen and sent as one 837P (refused whole, in words, when one cannot
//! go); the collectors' queue sorted, with accounts chosen and handed to a
//! collector together; follow-ups assigned in bulk; accounts in credit as
//! a list and as CSV.

use std::time::Duration;

use jiff::ToSpan;
use reqwest::{Method, StatusCode};
use serde_json::json;
use settle_domain::access::Role;
use settle_store::claims::{ClaimInput, ClaimLineInput, NewClaim};

use crate::claims_pages::clinic_with_patient;
use crate::pages::{browser, page, session};
use crate::Server;

/// A ready 99213 claim for P-1 on `day`.
async fn ready_claim(srv: &Server, org: &settle_store::platform::Organisation, day: settle_domain::Date, charge: &str) -> String {
    let claim = ClaimInput {
        account_number: "P-1".into(),
        payer_code: None,
        billing_npi: "1912301953".into(),
        rendering_npi: None,
        place_of_service: "11".into(),
        diagnoses: vec!["I10".into()],
        lines: vec![ClaimLineInput {
            date_of_service: day,
            procedure_code: "99213".into(),
            modifiers: vec![],
            diagnosis_pointers: vec![1],
            units: settle_domain::units::Units::ONE,
            charge: Some(charge.into()),
            place_of_service: None,
            facts: Default::default(),
        }],
        stated_total: None,
        facts: Default::default(),
    };
    let today = settle_server::web::today();
    let made = srv.store.create_claim(org, &NewClaim { claim, draft: false }, today, None).await.unwrap();
    assert_eq!(made.status, "ready", "{:?}", made.findings);
    made.claim_number
}

fn first_row(body: &str) -> String {
    body.split("<tbody>").nth(1).unwrap().split("</tr>").next().unwrap().to_string()
}

#[tokio::test]
async fn ready_claims_are_sorted_chosen_and_sent_from_the_list() {
    for srv in Server::each(Duration::from_secs(900)).await {
        let name = srv.name;
        let org = clinic_with_patient(&srv).await;
        let admin = srv.token(&org, Role::Admin).await;
        let set = srv
            .post(
                &admin,
                "/api/v1/settings",
                json!({ "default_terms": "net30", "aging_buckets": "30,60,90,120", "writeoff_approval_limit": "100.00", "x12_contact_phone": "3055552222" }),
            )
            .await;
        assert!(set.status.is_success(), "{name}: {}", set.body);
        let today = settle_server::web::today();
        let mut numbers = Vec::new();
        for (i, charge) in ["125.00", "300.00", "80.00"].into_iter().enumerate() {
            numbers.push(ready_claim(&srv, &org, today.checked_sub((i as i64 + 3).days()).unwrap(), charge).await);
        }
        let client = browser();
        let (sam, csrf) = session(&srv, &org, "sam", Role::BillingSpecialist).await;
        let (_, _, all_payers) = page(&client, &srv, Method::GET, "/claims?status=ready", Some(&sam), &[]).await;
        assert!(
            all_payers.contains("Choose a payer above") && !all_payers.contains("name=\"claim\""),
            "{name}: claims of every payer are not chosen to send together"
        );
        assert!(
            all_payers.contains("1-3 of 3") && all_payers.contains("All 3 that match") && all_payers.contains("$505.00"),
            "{name}"
        );
        let (_, _, by_total) = page(
            &client,
            &srv,
            Method::GET,
            "/claims?status=ready&payer=66783JJT&sort=total&dir=desc",
            Some(&sam),
            &[],
        )
        .await;
        assert!(first_row(&by_total).contains("$300.00"), "{name}: {}", first_row(&by_total));
        assert!(
            by_total.contains("name=\"claim\"") && by_total.contains("Send the chosen claims as 837P"),
            "{name}"
        );
        assert!(
            by_total.replace("&#38;", "&").contains("payer=66783JJT&sort=number"),
            "{name}: the header links keep the payer"
        );
        let (_, _, csv) = page(
            &client,
            &srv,
            Method::GET,
            "/claims?status=ready&sort=total&dir=asc&format=csv",
            Some(&sam),
            &[],
        )
        .await;
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 4, "{name}: {csv}");
        assert!(lines[1].contains("80.00") && lines[3].contains("300.00"), "{name}: {csv}");

        // A claim named twice refuses the whole send, in words, and sends nothing.
        let (status, _, refused) = page(
            &client,
            &srv,
            Method::POST,
            "/claims/send",
            Some(&sam),
            &[("csrf", &csrf), ("payer_code", "66783JJT"), ("claim", &numbers[0]), ("claim", &numbers[0])],
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(refused.contains("chosen twice"), "{name}: {refused}");
        assert!(srv.store.x12_files(&org).await.unwrap().is_empty(), "{name}");
        // Two chosen go; the third stays ready.
        let (status, _, sent) = page(
            &client,
            &srv,
            Method::POST,
            "/claims/send",
            Some(&sam),
            &[("csrf", &csrf), ("payer_code", "66783JJT"), ("claim", &numbers[0]), ("claim", &numbers[2])],
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{name}: {sent}");
        assert!(sent.contains("Sent 2 claim(s) for $205.00"), "{name}: {sent}");
        let (_, _, left) = page(&client, &srv, Method::GET, "/claims?status=ready", Some(&sam), &[]).await;
        assert!(left.contains("1-1 of 1") && left.contains(&numbers[1]), "{name}");
    }
}

#[tokio::test]
async fn a_coordinator_hands_chosen_accounts_and_follow_ups_over_from_the_lists() {
    for srv in Server::each(Duration::from_secs(900)).await {
        let name = srv.name;
        let org = srv.store.create_organisation("clinic", "Lakeside Clinic", "USD").await.unwrap();
        let admin = srv.token(&org, Role::Admin).await;
        for (number, who, amount) in [
            ("P-1", "Avery Stone", "400.00"),
            ("P-2", "Bea Alvarez", "900.00"),
            ("P-3", "Cy Young", "150.00"),
        ] {
            assert_eq!(
                srv.post(&admin, "/api/v1/accounts", crate::new_account(number, who)).await.status,
                StatusCode::CREATED
            );
            let mut invoice = crate::new_invoice(number, amount);
            invoice["issue_date"] = json!("2026-08-01");
            assert_eq!(srv.post(&admin, "/api/v1/invoices", invoice).await.status, StatusCode::CREATED, "{name}");
        }
        let run = srv
            .post(
                &admin,
                "/api/v1/dunning/runs",
                json!({ "as_of": "2026-11-02", "at": "2026-11-02T15:00:00-05:00" }),
            )
            .await;
        assert_eq!(run.body["queue"].as_i64(), Some(3), "{name}: {}", run.body);
        let client = browser();
        let (boss, boss_csrf) = session(&srv, &org, "boss", Role::BillingCoordinator).await;
        let (cole, cole_csrf) = session(&srv, &org, "cole", Role::CollectionsSpecialist).await;

        let (_, _, everyone) = page(
            &client,
            &srv,
            Method::GET,
            "/collections/queue?collector=*&sort=balance&dir=desc",
            Some(&boss),
            &[],
        )
        .await;
        assert!(first_row(&everyone).contains("P-2"), "{name}: largest balance first: {}", first_row(&everyone));
        assert!(everyone.contains("1-3 of 3") && everyone.contains("name=\"account\""), "{name}");
        assert!(everyone.contains("<option value=\"cole\">cole</option>"), "{name}: collectors to hand to");
        // A collector sees no boxes and may not hand accounts over.
        let (_, _, own) = page(&client, &srv, Method::GET, "/collections/queue", Some(&cole), &[]).await;
        assert!(!own.contains("name=\"account\""), "{name}");
        let (status, _, _) = page(
            &client,
            &srv,
            Method::POST,
            "/collections/queue/assign",
            Some(&cole),
            &[("csrf", &cole_csrf), ("account", "P-1"), ("collector", "cole")],
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{name}");
        // One unknown account: nothing moves, and the answer says which.
        let (status, location, _) = page(
            &client,
            &srv,
            Method::POST,
            "/collections/queue/assign",
            Some(&boss),
            &[
                ("csrf", &boss_csrf),
                ("shown", "*"),
                ("account", "P-1"),
                ("account", "P-404"),
                ("collector", "cole"),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{name}");
        let (_, _, answer) = page(&client, &srv, Method::GET, &location, Some(&boss), &[]).await;
        assert!(
            answer.contains("Nothing was changed") && answer.contains("choice 2: there is no account P-404"),
            "{name}: {answer}"
        );
        let (_, _, cole_queue) = page(&client, &srv, Method::GET, "/collections/queue", Some(&cole), &[]).await;
        assert!(cole_queue.contains("Nothing in this queue"), "{name}");
        let (_, location, _) = page(
            &client,
            &srv,
            Method::POST,
            "/collections/queue/assign",
            Some(&boss),
            &[
                ("csrf", &boss_csrf),
                ("shown", "*"),
                ("account", "P-1"),
                ("account", "P-3"),
                ("collector", "cole"),
            ],
        )
        .await;
        let (_, _, answer) = page(&client, &srv, Method::GET, &location, Some(&boss), &[]).await;
        assert!(
            answer.contains("2 account(s) are now cole&#39;s") || answer.contains("2 account(s) are now cole's"),
            "{name}: {answer}"
        );
        let (_, _, cole_queue) = page(&client, &srv, Method::GET, "/collections/queue", Some(&cole), &[]).await;
        assert!(
            cole_queue.contains("P-1") && cole_queue.contains("P-3") && !cole_queue.contains("P-2"),
            "{name}"
        );
        // The API hands over several alike.
        let coordinator = srv.token(&org, Role::BillingCoordinator).await;
        let api = srv
            .post(
                &coordinator,
                "/api/v1/queue/assignments",
                json!({ "account_numbers": ["P-2"], "collector": "cole" }),
            )
            .await;
        assert_eq!(api.status, StatusCode::NO_CONTENT, "{name}: {}", api.body);
        let none = srv.post(&coordinator, "/api/v1/queue/assignments", json!({ "collector": "cole" })).await;
        assert_eq!(
            (none.status, none.body["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("account_numbers")),
            "{name}"
        );
    }
}

#[tokio::test]
async fn follow_ups_are_assigned_in_bulk_and_credit_is_listed() {
    for srv in Server::each(Duration::from_secs(900)).await {
        let name = srv.name;
        let org = clinic_with_patient(&srv).await;
        let today = settle_server::web::today();
        let first = crate::follow_up_pages::sent_unanswered(&srv.store, &org, "P-1", "66783JJT", today.checked_sub(45.days()).unwrap()).await;
        let second = crate::follow_up_pages::sent_unanswered(&srv.store, &org, "P-1", "66783JJT", today.checked_sub(50.days()).unwrap()).await;
        let client = browser();
        let (sam, csrf) = session(&srv, &org, "sam", Role::BillingSpecialist).await;
        let (_, _, list) = page(&client, &srv, Method::GET, "/claims/follow-up?payer=66783JJT", Some(&sam), &[]).await;
        assert!(list.contains("name=\"claim\"") && list.contains("1-2 of 2"), "{name}: {list}");
        assert!(list.contains("Ask 66783JJT about the chosen (276)"), "{name}");
        let (status, location, _) = page(
            &client,
            &srv,
            Method::POST,
            "/claims/follow-up/assign",
            Some(&sam),
            &[
                ("csrf", &csrf),
                ("payer", "66783JJT"),
                ("claim", &first),
                ("claim", &second),
                ("assigned_to", "me"),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{name}");
        let (_, _, answer) = page(&client, &srv, Method::GET, &location, Some(&sam), &[]).await;
        assert!(answer.contains("2 claim(s) are assigned to sam."), "{name}: {answer}");
        let (_, _, mine) = page(&client, &srv, Method::GET, "/claims/follow-up?assigned_to=mine", Some(&sam), &[]).await;
        assert!(mine.contains(&first) && mine.contains(&second), "{name}");
        // The chosen, asked about in one 276.
        let (_, location, _) = page(
            &client,
            &srv,
            Method::POST,
            "/claims/follow-up/ask-status",
            Some(&sam),
            &[("csrf", &csrf), ("payer", "66783JJT"), ("claim", &second)],
        )
        .await;
        let (_, _, asked) = page(&client, &srv, Method::GET, &location, Some(&sam), &[]).await;
        assert!(asked.contains(&format!("about 1 claim(s): {second}")), "{name}: {asked}");

        // Accounts in credit: a list with its count and credit, and CSV.
        let admin = srv.token(&org, Role::Admin).await;
        let paid = srv
            .post(
                &admin,
                "/api/v1/payments",
                json!({ "account_number": "P-1", "amount": "40.00", "method": "check", "received_on": today.to_string() }),
            )
            .await;
        assert_eq!(paid.status, StatusCode::CREATED, "{name}: {}", paid.body);
        let (_, _, credit) = page(&client, &srv, Method::GET, "/accounts/in-credit", Some(&sam), &[]).await;
        assert!(
            credit.contains("All 1 in credit") && credit.contains("$40.00") && credit.contains("aria-sort=\"descending\""),
            "{name}: {credit}"
        );
        let (_, _, csv) = page(&client, &srv, Method::GET, "/accounts/in-credit?format=csv", Some(&sam), &[]).await;
        assert!(
            csv.lines().nth(1).is_some_and(|l| l.starts_with("P-1,Jane Smith,patient,USD,40.00")),
            "{name}: {csv}"
        );
    }
}

#[tokio::test]
async fn the_visit_form_looks_up_patients_and_the_charge_masters_codes() {
    for srv in Server::each(Duration::from_secs(900)).await {
        let name = srv.name;
        let org = clinic_with_patient(&srv).await;
        let fee = |code: &str, modifier: &str, from: &str, amount: &str| settle_store::claims::FeeEntry {
            procedure_code: code.into(),
            modifier: modifier.into(),
            effective_from: from.parse().unwrap(),
            amount: amount.into(),
        };
        let prices = [
            fee("99213", "", "2026-01-01", "95.00"),
            fee("99213", "", "2026-06-01", "102.00"),
            fee("99213", "", "2999-01-01", "999.00"),
            fee("20610", "RT", "2026-01-01", "210.00"),
        ];
        srv.store.import_fee_schedule(&org, settle_store::claims::CHARGE_MASTER, &prices).await.unwrap();
        let client = browser();
        let (sam, _) = session(&srv, &org, "sam", Role::BillingSpecialist).await;
        let (_, _, form) = page(&client, &srv, Method::GET, "/claims/new", Some(&sam), &[]).await;
        let list = form.split("<datalist id=\"procedures\">").nth(1).unwrap().split("</datalist>").next().unwrap();
        assert!(
            list.contains(">99213: $102.00<") && !list.contains("$95.00") && !list.contains("$999.00"),
            "{name}: the price in force today: {list}"
        );
        assert!(list.contains(">20610-RT: $210.00<"), "{name}: {list}");
        assert!(form.contains("list=\"procedures\"") && form.contains("list=\"patients\""), "{name}");
        // Patients by name as people type it, last name first.
        for typed in ["smith, jane", "Jane Smith", "P-1"] {
            let (status, _, options) = page(
                &client,
                &srv,
                Method::GET,
                &format!("/claims/patients?account_number={}", typed.replace(' ', "+")),
                Some(&sam),
                &[],
            )
            .await;
            assert_eq!(status, StatusCode::OK, "{name}");
            assert!(
                options.contains("<option value=\"P-1\">Jane Smith · born 1970-04-02 · P-1</option>"),
                "{name}: {typed}: {options}"
            );
        }
        let (cole, _) = session(&srv, &org, "cole", Role::CollectionsSpecialist).await;
        let (status, _, _) = page(&client, &srv, Method::GET, "/claims/patients?account_number=smith", Some(&cole), &[]).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{name}: the lookup is the visit form's");
    }
}
