//! A biller works the insurance follow-up list over the API and in the
//! pages: a claim sent weeks ago with no answer is on it; a call to the
//! payer takes it off until its follow-up date; the claim's page keeps the
//! calls and hands the claim to a person; a collector sees none of it.

use crate::claims_pages::clinic_with_patient;
use crate::pages::{browser, page, session};
use crate::Server;
use jiff::ToSpan;
use reqwest::{Method, StatusCode};
use serde_json::json;
use settle_domain::access::Role;
use settle_store::claims::{ClaimInput, ClaimLineInput, ExportClaims, NewClaim};
use std::time::Duration;

/// A 99213 visit for `account` five days before `sent`, billed and sent to
/// `payer` on `sent` (the organisation's X12 contact set), unanswered
/// since: its claim number.
pub(crate) async fn sent_unanswered(
    store: &settle_store::Store,
    org: &settle_store::platform::Organisation,
    account: &str,
    payer: &str,
    sent: settle_domain::Date,
) -> String {
    let settings = store.settings(org).await.unwrap();
    store
        .update_settings(
            org,
            &settle_store::billing::SettingsUpdate {
                default_terms: settings.default_terms,
                aging_buckets: settings.aging_buckets,
                writeoff_approval_limit: settings.writeoff_approval_limit,
                refund_approval_limit: None,
                bills_insurance: None,
                x12_submitter_id: None,
                x12_contact_phone: Some("3055552222".into()),
                scrub_rules_off: None,
            },
        )
        .await
        .unwrap();
    let claim = ClaimInput {
        account_number: account.into(),
        payer_code: None,
        billing_npi: "1912301953".into(),
        rendering_npi: None,
        place_of_service: "11".into(),
        diagnoses: vec!["I10".into()],
        lines: vec![ClaimLineInput {
            date_of_service: sent.checked_sub(5.days()).unwrap(),
            procedure_code: "99213".into(),
            modifiers: vec![],
            diagnosis_pointers: vec![1],
            units: settle_domain::units::Units::ONE,
            charge: Some("125.00".into()),
            place_of_service: None,
            facts: Default::default(),
        }],
        stated_total: None,
        facts: Default::default(),
    };
    let made = store.create_claim(org, &NewClaim { claim, draft: false }, sent, None).await.unwrap();
    assert_eq!(made.status, "ready", "{:?}", made.findings);
    let request = ExportClaims {
        claims: vec![],
        payer_code: payer.into(),
        production: false,
    };
    store.export_claims(org, &request, sent).await.unwrap();
    made.claim_number
}

#[tokio::test]
async fn a_biller_works_the_follow_up_list_over_the_api_and_in_the_pages() {
    for srv in Server::each(Duration::from_secs(900)).await {
        let name = srv.name;
        let org = clinic_with_patient(&srv).await;
        let today = settle_server::web::today();
        let sent = today.checked_sub(45.days()).unwrap();
        let number = sent_unanswered(&srv.store, &org, "P-1", "66783JJT", sent).await;

        let specialist = srv.token(&org, Role::BillingSpecialist).await;
        let collector = srv.token(&org, Role::CollectionsSpecialist).await;
        assert_eq!(srv.get(&collector, "/api/v1/follow-up").await.status, StatusCode::FORBIDDEN, "{name}");
        let list = srv.get(&specialist, "/api/v1/follow-up").await;
        assert_eq!(list.status, StatusCode::OK, "{name}: {}", list.body);
        assert_eq!(list.body[0]["claim_number"], number.as_str(), "{name}: {}", list.body);
        assert_eq!(
            (list.body[0]["urgency"].as_str(), list.body[0]["age_days"].as_i64()),
            (Some("due"), Some(45)),
            "{name}"
        );
        assert_eq!(list.body[0]["next_step"], "ask status", "{name}");

        // Ask the payer where it stands (276) over the API: the claim then waits a week.
        let ask = json!({ "payer_code": "66783JJT" });
        assert_eq!(
            srv.post(&collector, "/api/v1/claim-status-requests", ask.clone()).await.status,
            StatusCode::FORBIDDEN,
            "{name}"
        );
        let asked = srv.post(&specialist, "/api/v1/claim-status-requests", ask.clone()).await;
        assert_eq!(asked.status, StatusCode::CREATED, "{name}: {}", asked.body);
        assert!(
            asked.body["body"].as_str().unwrap().contains(&format!("TRN*1*{number}~")),
            "{name}: {}",
            asked.body
        );
        assert_eq!(srv.get(&specialist, "/api/v1/follow-up").await.body, json!([]), "{name}: waits for the answer");
        let none_due = srv.post(&specialist, "/api/v1/claim-status-requests", ask).await;
        assert_eq!(
            (none_due.status, none_due.body["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("claim_numbers")),
            "{name}: {}",
            none_due.body
        );

        let calls: &'static str = Box::leak(format!("/api/v1/claims/{number}/calls").into_boxed_str());
        let next = today.checked_add(7.days()).unwrap().to_string();
        let call = json!({ "reference": "CR-4471", "rep": "Dana", "said": "In process; pays within two weeks", "next_follow_up": next });
        assert_eq!(srv.post(&collector, calls, call.clone()).await.status, StatusCode::FORBIDDEN, "{name}");
        let bad = srv.post(&specialist, calls, json!({ "said": "" })).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {}", bad.body);
        let logged = srv.post(&specialist, calls, call).await;
        assert_eq!(logged.status, StatusCode::CREATED, "{name}: {}", logged.body);
        assert_eq!(logged.body[0]["reference"], "CR-4471", "{name}");
        assert_eq!(srv.get(&specialist, "/api/v1/follow-up").await.body, json!([]), "{name}: waits until its date");
        let waiting = srv.get(&specialist, "/api/v1/follow-up?all=true").await;
        assert_eq!(
            (waiting.body[0]["urgency"].as_str(), waiting.body[0]["next_follow_up"].as_str()),
            (Some("waiting"), Some(next.as_str())),
            "{name}"
        );

        // In the pages: the list, the claim's calls, a call and an assignment.
        let client = browser();
        let (cookie, csrf) = session(&srv, &org, "sam", Role::BillingSpecialist).await;
        let (status, _, body) = page(&client, &srv, Method::GET, "/claims/follow-up?all=1", Some(&cookie), &[]).await;
        assert_eq!(status, StatusCode::OK, "{name}");
        assert!(body.contains(&number) && body.contains("Insurance follow-up"), "{name}: {body}");
        let claim_page = format!("/claims/{number}");
        let (_, _, body) = page(&client, &srv, Method::GET, &claim_page, Some(&cookie), &[]).await;
        assert!(body.contains("Follow-up with Key Insurance") && body.contains("CR-4471"), "{name}: {body}");
        let (status, location, _) = page(
            &client,
            &srv,
            Method::POST,
            &format!("/claims/{number}/calls"),
            Some(&cookie),
            &[
                ("csrf", &csrf),
                ("reference", "CR-5000"),
                ("rep", "Lee"),
                ("said", "Paid on the next cycle"),
                ("next_follow_up", ""),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{name}");
        assert!(location.contains("#follow-up"), "{name}: {location}");
        assert_eq!(srv.store.payer_calls(&org, &number).await.unwrap().len(), 2, "{name}");
        let (status, _, _) = page(
            &client,
            &srv,
            Method::POST,
            &format!("/claims/{number}/follow-up-assign"),
            Some(&cookie),
            &[("csrf", &csrf), ("assigned_to", "sam@clinic")],
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{name}");
        let mine = srv.get(&specialist, "/api/v1/follow-up?assigned_to=sam@clinic").await;
        assert_eq!(mine.body[0]["assigned_to"], "sam@clinic", "{name}: {}", mine.body);
        // A 276 from the pages, named claim by claim, to download.
        let (status, location, _) = page(
            &client,
            &srv,
            Method::POST,
            "/claims/follow-up/ask-status",
            Some(&cookie),
            &[("csrf", &csrf), ("payer", "66783JJT"), ("claim_numbers", &number)],
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{name}");
        assert!(location.contains("file="), "{name}: {location}");
        let (_, _, body) = page(&client, &srv, Method::GET, &location, Some(&cookie), &[]).await;
        assert!(
            body.contains("Download the 276") && body.contains("A 276 asks 66783JJT about 1 claim(s)"),
            "{name}: {body}"
        );

        // The payer's 277: finalized and paid. The claim is due at once
        // (post the 835); the same file again changes nothing.
        let day = today.strftime("%Y%m%d").to_string();
        let answer = format!(
            "ISA*00*          *00*          *ZZ*66783JJT       *ZZ*587654321      *{short}*1008*^*00501*000000031*0*T*:~\
GS*HN*66783JJT*587654321*{day}*1008*31*X*005010X212~ST*277*0001*005010X212~BHT*0010*08*277X212*{day}*1008*DG~\
HL*1**20*1~NM1*PR*2*KEY INSURANCE*****PI*66783JJT~HL*2*1*21*1~NM1*41*2*CLINIC*****46*587654321~\
HL*3*2*19*1~NM1*1P*2*CLINIC*****XX*1912301953~HL*4*3*22*0~NM1*IL*1*SMITH*JANE****MI*JS001~\
TRN*2*{number}~STC*F1:65*{day}**125*125~REF*1K*2026334000777~SE*14*0001~GE*1*31~IEA*1*000000031~",
            short = &day[2..]
        );
        let read = srv
            .post(
                &specialist,
                "/api/v1/acknowledgments",
                json!({ "file_name": "status.277", "body": answer.clone() }),
            )
            .await;
        assert_eq!(read.status, StatusCode::CREATED, "{name}: {}", read.body);
        assert_eq!(read.body["kind"], "277", "{name}: {}", read.body);
        let due = srv.get(&specialist, "/api/v1/follow-up").await;
        assert_eq!(due.body[0]["next_step"], "get the remittance (835)", "{name}: {}", due.body);
        let again = srv
            .post(&specialist, "/api/v1/acknowledgments", json!({ "file_name": "status.277", "body": answer }))
            .await;
        assert_eq!(
            (again.body["applied"].as_array().map(Vec::len), again.body["unchanged"].as_array().map(Vec::len)),
            (Some(0), Some(1)),
            "{name}: {}",
            again.body
        );
        // The claim's page says where it stands and what to do.
        let (_, _, body) = page(&client, &srv, Method::GET, &claim_page, Some(&cookie), &[]).await;
        assert!(
            body.contains("Next step: get the remittance (835)") && body.contains("F1 finalized: paid"),
            "{name}: {body}"
        );

        // Aging by who owes, over the API and on the aging page; the
        // dashboard splits what payers and patients owe and counts the list.
        let admin = srv.token(&org, Role::Admin).await;
        let dash = srv.get(&admin, &format!("/api/v1/dashboard?as_of={}", settle_server::web::today())).await;
        assert_eq!(dash.status, StatusCode::OK, "{name}: {}", dash.body);
        let cents = |v: &serde_json::Value| v.as_str().unwrap().replace('.', "").parse::<i64>().unwrap();
        assert_eq!(dash.body["insurance_ar"], "125.00", "{name}: {}", dash.body);
        assert_eq!(
            cents(&dash.body["insurance_ar"]) + cents(&dash.body["patient_ar"]),
            cents(&dash.body["total_ar"]),
            "{name}"
        );
        assert_eq!(
            (dash.body["follow_up"]["due"].as_i64(), dash.body["follow_up"]["near_deadline"].as_i64()),
            (Some(1), Some(0)),
            "{name}: {}",
            dash.body
        );
        let (_, _, body) = page(&client, &srv, Method::GET, "/", Some(&cookie), &[]).await;
        assert!(body.contains("Payers owe") && body.contains("Claims to follow up"), "{name}: {body}");
        let aging = srv.get(&admin, "/api/v1/reports/aging?by=responsibility").await;
        assert_eq!(aging.status, StatusCode::OK, "{name}: {}", aging.body);
        assert_eq!(
            (aging.body["rows"][0]["name"].as_str(), aging.body["rows"][0]["total"].as_str()),
            (Some("Key Insurance"), Some("125.00")),
            "{name}: {}",
            aging.body
        );
        let (boss, _) = session(&srv, &org, "ada", Role::Admin).await;
        let (_, _, body) = page(&client, &srv, Method::GET, "/reports/aging", Some(&boss), &[]).await;
        assert!(body.contains("By who owes") && body.contains("Key Insurance"), "{name}: {body}");
        // Past the payer's filing limit (cut to 10 days by hand: the list
        // follows), the claim's page offers the write-off with its reason.
        let mut conn = srv.store.pool().acquire().await.unwrap();
        sqlx::query("UPDATE payer SET timely_filing_days = 10").execute(&mut *conn).await.unwrap();
        drop(conn);
        let (_, _, body) = page(&client, &srv, Method::GET, &claim_page, Some(&cookie), &[]).await;
        assert!(
            body.contains("Write the claim off") && body.contains("The payer's timely filing limit passed on") && body.contains("(CARC 29"),
            "{name}: {body}"
        );
        let memo = json!({ "memo": "The payer's timely filing limit passed (CARC 29)." });
        let path = format!("/api/v1/claims/{number}/write-off");
        assert_eq!(srv.post(&collector, &path, memo.clone()).await.status, StatusCode::FORBIDDEN, "{name}");
        let written = srv.post(&specialist, &path, memo).await;
        assert_eq!(written.status, StatusCode::OK, "{name}: {}", written.body);
        assert_eq!(written.body["amount"], "125.00", "{name}: {}", written.body);
        assert_eq!(srv.get(&specialist, "/api/v1/follow-up?all=true").await.body, json!([]), "{name}");
        let (cole, _) = session(&srv, &org, "cole", Role::CollectionsSpecialist).await;
        let (status, _, _) = page(&client, &srv, Method::GET, "/claims/follow-up", Some(&cole), &[]).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{name}");
    }
}
