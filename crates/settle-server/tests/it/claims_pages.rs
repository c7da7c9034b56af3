//! Claims in the pages: visit entry, the scrubber's findings, sending, acknowledgments, ERA posting, payers, providers and coverages.

use crate::Server;
use reqwest::{Method, StatusCode};
use serde_json::json;
use settle_domain::access::Role;
use std::time::Duration;

use crate::pages::{browser, page, session, setup};

/// A clinic with a patient (P-1), a payer, a billing provider and the
/// patient's coverage, set up over the API.
pub(crate) async fn clinic_with_patient(srv: &Server) -> settle_store::platform::Organisation {
    let org = srv.store.create_organisation("clinic", "Clinic", "USD").await.unwrap();
    let admin = srv.token(&org, Role::Admin).await;
    let patient = json!({
        "account_number": "P-1", "ar_kind": "patient", "opened_on": "2026-01-01",
        "party": { "kind": "person", "name": "Jane Smith", "date_of_birth": "1970-04-02", "sex": "F", "address": "236 N Main St, Miami, FL 33413" }
    });
    assert_eq!(srv.post(&admin, "/api/v1/accounts", patient).await.status, StatusCode::CREATED);
    srv.post(
        &admin,
        "/api/v1/payers",
        json!({ "payer_code": "66783JJT", "name": "Key Insurance", "filing_indicator": "CI", "timely_filing_days": 90 }),
    )
    .await;
    srv.post(
        &admin,
        "/api/v1/providers",
        json!({ "npi": "1912301953", "name": "Ben Kildare Service", "kind": "organisation", "tax_id": "587654321", "address": "234 Seaway St, Miami, FL 33111-0000" }),
    )
    .await;
    srv.post(
        &admin,
        "/api/v1/accounts/P-1/coverages",
        json!({ "payer_code": "66783JJT", "member_id": "JS001", "relationship": "self", "priority": "primary", "effective_from": "2026-01-01" }),
    )
    .await;
    org
}

#[tokio::test]
async fn a_visit_entered_fixed_sent_and_acknowledged_in_the_pages() {
    for srv in Server::each(Duration::from_secs(900)).await {
        let name = srv.name;
        let org = clinic_with_patient(&srv).await;
        let admin = srv.token(&org, Role::Admin).await;
        let client = browser();
        let (cookie, csrf) = session(&srv, &org, "sam", Role::BillingSpecialist).await;
        let (collector, collector_csrf) = session(&srv, &org, "cole", Role::CollectionsSpecialist).await;
        let today = settle_server::web::today().to_string();
        let visit = |dx: &'static str| -> Vec<(&'static str, String)> {
            vec![
                ("account_number", "P-1".into()),
                ("payer_code", String::new()),
                ("billing_npi", "1912301953".into()),
                ("place_of_service", "11".into()),
                ("diagnosis0", dx.into()),
                ("line0.date_of_service", today.clone()),
                ("line0.procedure_code", "99213".into()),
                ("line0.modifiers", "25".into()),
                ("line0.diagnosis_pointers", "1".into()),
                ("line0.units", "1".into()),
                ("line0.charge", "125.00".into()),
            ]
        };
        let with_csrf = |mut f: Vec<(&'static str, String)>, token: &str| {
            f.push(("csrf", token.to_string()));
            f
        };
        let form = with_csrf(visit("E11"), &csrf);
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (status, location, _) = page(&client, &srv, Method::POST, "/claims/new", Some(&cookie), &pairs).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{name}");
        assert!(location.starts_with("/claims/CLM-000001?msg="), "{name}: {location}");
        let (_, _, body) = page(&client, &srv, Method::GET, "/claims/CLM-000001", Some(&cookie), &[]).await;
        assert!(
            body.contains("is a category, not a billable code") && body.contains("diagnosis 1") && !body.contains("diagnoses[0]"),
            "{name}: {body}"
        );
        let (_, _, body) = page(&client, &srv, Method::GET, "/claims/CLM-000001/edit", Some(&cookie), &[]).await;
        assert!(body.contains("id=\"diagnosis0-error\""), "{name}: the finding shows at its box");
        let (_, _, body) = page(&client, &srv, Method::GET, "/claims/icd10?q=type+2+diabetes+without", Some(&cookie), &[]).await;
        assert!(body.contains("E11.9"), "{name}: {body}");

        // A collector neither sees claims (diagnoses and procedures: minimum necessary) nor enters or sends them.
        let (status, _, _) = page(&client, &srv, Method::GET, "/claims?status=scrubbed", Some(&collector), &[]).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{name}");
        let form = with_csrf(visit("E11.9"), &collector_csrf);
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (status, _, _) = page(&client, &srv, Method::POST, "/claims/CLM-000001/edit", Some(&collector), &pairs).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{name}");

        // Fixed: ready. A line with no code but a date is ignored; a bad units box is named.
        let mut bad = with_csrf(visit("E11.9"), &csrf);
        bad.push(("line1.procedure_code", "36415".into()));
        bad.push(("line1.date_of_service", today.clone()));
        bad.push(("line1.units", "two".into()));
        let pairs: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (status, _, body) = page(&client, &srv, Method::POST, "/claims/CLM-000001/edit", Some(&cookie), &pairs).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(body.contains("Units are a number such as 1 or 1.5."), "{name}: {body}");
        let mut finer = with_csrf(visit("E11.9"), &csrf);
        finer.push(("line1.procedure_code", "J1100".into()));
        finer.push(("line1.date_of_service", today.clone()));
        finer.push(("line1.units", "1.0005".into()));
        let pairs: Vec<(&str, &str)> = finer.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (status, _, body) = page(&client, &srv, Method::POST, "/claims/CLM-000001/edit", Some(&cookie), &pairs).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(body.contains("more than three decimal places"), "{name}: {body}");
        let form = with_csrf(visit("E11.9"), &csrf);
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (status, location, _) = page(&client, &srv, Method::POST, "/claims/CLM-000001/edit", Some(&cookie), &pairs).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{name}");
        assert!(location.contains("ready+to+send"), "{name}: {location}");

        // Sending needs the contact phone; then the file is there to download.
        let (status, _, body) = page(
            &client,
            &srv,
            Method::POST,
            "/claims/send",
            Some(&cookie),
            &[("csrf", &csrf), ("payer_code", "66783JJT")],
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(body.contains("contact phone"), "{name}");
        let s = srv.store.settings(&org).await.unwrap();
        srv.store
            .update_settings(
                &org,
                &settle_store::billing::SettingsUpdate {
                    default_terms: s.default_terms,
                    aging_buckets: s.aging_buckets,
                    writeoff_approval_limit: s.writeoff_approval_limit,
                    refund_approval_limit: None,
                    bills_insurance: None,
                    x12_submitter_id: None,
                    x12_contact_phone: Some("3055552222".into()),
                    scrub_rules_off: None,
                },
            )
            .await
            .unwrap();
        let (status, _, body) = page(
            &client,
            &srv,
            Method::POST,
            "/claims/send",
            Some(&cookie),
            &[("csrf", &csrf), ("payer_code", "66783JJT")],
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{name}");
        assert!(body.contains("Sent 1 claim(s)") && body.contains("/x12-files/1"), "{name}: {body}");
        let (status, _, file) = page(&client, &srv, Method::GET, "/x12-files/1", Some(&cookie), &[]).await;
        assert_eq!(status, StatusCode::OK, "{name}");
        assert!(file.starts_with("ISA*") && file.contains("CLM*CLM-000001*125"), "{name}");

        // A 277CA pasted in: accepted.
        let ack = "ISA*00*          *00*          *ZZ*66783JJT       *ZZ*587654321      *261125*1008*^*00501*000014420*0*T*:~\
GS*HN*66783JJT*587654321*20261125*100831*14420*X*005010X214~ST*277*0001*005010X214~BHT*0085*08*1*20261125*1008*TH~\
HL*1**20*1~NM1*PR*2*KEY*****PI*66783JJT~TRN*1*0001~DTP*050*D8*20261125~DTP*009*D8*20261125~HL*2*1*21*1~NM1*41*2*CLINIC*****46*587654321~HL*3*2*19*1~NM1*85*2*BEN*****XX*1912301953~\
HL*4*3*PT~NM1*QC*1*SMITH*JANE****MI*JS001~TRN*2*CLM-000001~STC*A2:20*20261125*WQ*125~REF*1K*ICN42~SE*17*0001~GE*1*14420~IEA*1*000014420~";
        let (status, _, body) = page(
            &client,
            &srv,
            Method::POST,
            "/claims/acknowledgments",
            Some(&cookie),
            &[("csrf", &csrf), ("file_name", "a.277"), ("body", ack)],
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{name}");
        assert!(body.contains("277CA read: 1 claim(s) changed"), "{name}: {body}");
        let (_, _, body) = page(&client, &srv, Method::GET, "/accounts/P-1", Some(&cookie), &[]).await;
        assert!(
            body.contains("CLM-000001") && body.contains("Key Insurance"),
            "{name}: the account page shows coverage and claims"
        );
        // The ERA: the claim paid (its EOB on the claim page), a stranger in the exception queue.
        let era = "ISA*00*          *00*          *ZZ*66783JJT       *ZZ*587654321      *261201*1200*^*00501*000000042*0*P*:~\
GS*HP*66783JJT*587654321*20261201*1200*42*X*005010X221A1~ST*835*0001*005010X221A1~\
BPR*I*150.00*C*ACH*CCP*01*999999999*DA*123456*1666666666**01*999888777*DA*654321*20261201~TRN*1*EFT-77*1666666666~\
N1*PR*KEY INSURANCE~N3*PO BOX 1~N4*MIAMI*FL*33111~N1*PE*BEN KILDARE SERVICE*XX*1912301953~LX*1~CLP*CLM-000001*1*125.00*100.00*5.00*12*ICN42~NM1*QC*1*DOE*JANE~\
SVC*HC:99213:25*125.00*100.00~CAS*CO*45*20.00~CAS*PR*3*5.00~REF*6R*CLM-000001-1~\
CLP*CLM-999*1*50.00*50.00**12*ICN43~NM1*QC*1*DOE*JANE~SVC*HC:99213*50.00*50.00~SE*18*0001~GE*1*42~IEA*1*000000042~";
        let (status, _, body) = page(
            &client,
            &srv,
            Method::POST,
            "/claims/era",
            Some(&cookie),
            &[("csrf", &csrf), ("file_name", "era.835"), ("body", era)],
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{name}: {body}");
        assert!(
            body.contains("1 claim(s) to post, 1 to the exception list") && body.contains("Post it"),
            "{name}: {body}"
        );
        assert_eq!(
            srv.store.claim(&org, "CLM-000001").await.unwrap().status,
            "accepted",
            "{name}: the preview posts nothing"
        );
        let (status, _, body) = page(
            &client,
            &srv,
            Method::POST,
            "/claims/era",
            Some(&cookie),
            &[("csrf", &csrf), ("file_name", "era.835"), ("body", era), ("confirm", "1")],
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{name}: {body}");
        assert!(body.contains("Posted ERA EFT-77"), "{name}: {body}");
        let (_, _, body) = page(&client, &srv, Method::GET, "/claims/CLM-000001", Some(&cookie), &[]).await;
        assert!(
            body.contains("What the payer said") && body.contains("CO-45 20.00") && body.contains("PR-3 5.00"),
            "{name}: {body}"
        );
        let (_, _, body) = page(&client, &srv, Method::GET, "/claims/exceptions", Some(&collector), &[]).await;
        assert!(body.contains("CLM-999") && body.contains("no claim CLM-999"), "{name}: {body}");
        assert!(!body.contains("Post to this claim"), "{name}: a collector does not resolve exceptions");
        let (_, _, body) = page(&client, &srv, Method::GET, "/claims/exceptions", Some(&cookie), &[]).await;
        assert!(
            body.contains("Post to this claim") && body.contains(">50.00</td>"),
            "{name}: the 50.00 held in suspense: {body}"
        );
        let (_, _, sorted) = page(&client, &srv, Method::GET, "/claims/exceptions?sort=held&dir=desc", Some(&cookie), &[]).await;
        assert!(
            sorted.contains("CLM-999") && sorted.contains("aria-sort=\"descending\""),
            "{name}: exceptions sort"
        );
        // Matched to a claim it does not fit: refused beside the row, nothing posted.
        let resolve = |action: &'static str, claim: &'static str| {
            vec![
                ("csrf", csrf.clone()),
                ("remittance_id", "1".to_string()),
                ("seq", "2".to_string()),
                ("action", action.to_string()),
                ("claim_number", claim.to_string()),
                ("note", "not our patient".to_string()),
            ]
        };
        let form = resolve("match", "CLM-000001");
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (status, location, _) = page(&client, &srv, Method::POST, "/claims/exceptions/resolve", Some(&cookie), &form).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{name}");
        assert!(location.contains("error=Nothing+was+posted"), "{name}: {location}");
        let form = resolve("return", "");
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (status, location, _) = page(&client, &srv, Method::POST, "/claims/exceptions/resolve", Some(&cookie), &form).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{name}");
        assert!(location.contains("owed+back+to+the+payer"), "{name}: {location}");
        assert!(srv.store.remit_exceptions(&org).await.unwrap().is_empty(), "{name}");
        let (status, _, body) = page(&client, &srv, Method::GET, "/claims/secondaries", Some(&cookie), &[]).await;
        assert_eq!(status, StatusCode::OK, "{name}");
        assert!(body.contains("Secondaries to bill"), "{name}");
        let (status, _, _) = page(&client, &srv, Method::GET, "/claims/secondaries?sort=share&dir=desc", Some(&cookie), &[]).await;
        assert_eq!(status, StatusCode::OK, "{name}");
        let (status, _, body) = page(&client, &srv, Method::GET, "/claims/underpayments?sort=paid", Some(&cookie), &[]).await;
        assert!(status == StatusCode::OK && body.contains("Underpayments"), "{name}");
        // A second visit, denied: the denial worklist explains it, and it is appealed and written off here.
        let second = srv
            .post(
                &admin,
                "/api/v1/claims",
                json!({ "account_number": "P-1", "billing_npi": "1912301953", "place_of_service": "11", "diagnoses": ["E11.9"],
                        "lines": [{ "date_of_service": today, "procedure_code": "99214", "diagnosis_pointers": [1], "charge": "150.00" }] }),
            )
            .await;
        assert_eq!(second.body["status"], "ready", "{name}: {}", second.body);
        let number = second.body["claim_number"].as_str().unwrap().to_string();
        srv.post(&admin, "/api/v1/claim-batches", json!({ "payer_code": "66783JJT" })).await;
        let deny = format!(
            "ISA*00*          *00*          *ZZ*66783JJT       *ZZ*587654321      *261202*1200*^*00501*000000043*0*P*:~\
GS*HP*66783JJT*587654321*20261202*1200*43*X*005010X221A1~ST*835*0001*005010X221A1~BPR*H*0.00*C*NON************20261202~\
TRN*1*EFT-78*1666666666~N1*PR*KEY INSURANCE~N3*PO BOX 1~N4*MIAMI*FL*33111~N1*PE*BEN KILDARE SERVICE*XX*1912301953~LX*1~CLP*{number}*4*150.00*0.00**12*ICN45~NM1*QC*1*DOE*JANE~\
SVC*HC:99214*150.00*0.00~CAS*CO*16*150.00~REF*6R*{number}-1~LQ*HE*MA130~SE*15*0001~GE*1*43~IEA*1*000000043~"
        );
        let posted = srv.post(&admin, "/api/v1/remittances", json!({ "file_name": "deny.835", "body": deny })).await;
        assert_eq!(posted.status, StatusCode::CREATED, "{name}: {}", posted.body);
        let (status, _, _) = page(&client, &srv, Method::GET, "/claims/denials", Some(&collector), &[]).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{name}: codes are not a collector's to see");
        let (status, _, body) = page(&client, &srv, Method::GET, "/claims/denials", Some(&cookie), &[]).await;
        assert_eq!(status, StatusCode::OK, "{name}");
        assert!(
            body.contains(&number) && body.contains("CO-16") && body.contains("cannot be appealed") && body.contains("correct and resubmit"),
            "{name}: {body}"
        );
        let (_, _, body) = page(&client, &srv, Method::GET, "/claims/denials?reason=50", Some(&cookie), &[]).await;
        assert!(body.contains("0 denial(s)"), "{name}: the reason filter");
        let (_, _, csv) = page(&client, &srv, Method::GET, "/claims/denials?format=csv&sort=owed&dir=desc", Some(&cookie), &[]).await;
        let lines: Vec<&str> = csv.lines().collect();
        assert!(
            lines[0].starts_with("claim,line,account") && lines.len() == 2 && lines[1].starts_with(&number),
            "{name}: {csv}"
        );
        let (_, _, sorted) = page(&client, &srv, Method::GET, "/claims/denials?sort=owed&dir=desc", Some(&cookie), &[]).await;
        assert!(sorted.contains("1-1 of 1") && sorted.contains("aria-sort=\"descending\""), "{name}");
        let (status, location, _) = page(
            &client,
            &srv,
            Method::POST,
            "/claims/denials/1/appeal",
            Some(&cookie),
            &[("csrf", &csrf), ("argument", "too short")],
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{name}");
        assert!(location.contains("Nothing+was+changed"), "{name}: {location}");
        let (_, location, _) = page(
            &client,
            &srv,
            Method::POST,
            "/claims/denials/1/appeal",
            Some(&cookie),
            &[
                ("csrf", &csrf),
                ("argument", "The information the payer says was missing is on the claim as sent."),
            ],
        )
        .await;
        assert!(location.contains("letter=1"), "{name}: {location}");
        let (status, _, letter) = page(&client, &srv, Method::GET, "/claims/denials/1/letter", Some(&cookie), &[]).await;
        assert_eq!(status, StatusCode::OK, "{name}");
        assert!(letter.starts_with("%PDF-"), "{name}");
        let (status, _, _) = page(
            &client,
            &srv,
            Method::POST,
            "/claims/denials/1/write-off",
            Some(&collector),
            &[("csrf", &collector_csrf), ("memo", "not worth it")],
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{name}");
        let (_, location, _) = page(
            &client,
            &srv,
            Method::POST,
            "/claims/denials/1/write-off",
            Some(&cookie),
            &[("csrf", &csrf), ("memo", "the payer upheld the denial")],
        )
        .await;
        assert!(location.contains("written+off"), "{name}: {location}");
        assert_eq!(srv.store.claim(&org, &number).await.unwrap().status, "closed", "{name}");
        // The first claim left the patient a 5.00 copay: a statement, previewed, then sent.
        // (The ERA paid on 2026-12-01, so the statement is made the day after.)
        let day = "2026-12-02".to_string();
        let run = |dry: &'static str| {
            vec![
                ("csrf", csrf.clone()),
                ("as_of", day.clone()),
                ("min_balance", "5.00".into()),
                ("dry_run", dry.into()),
            ]
        };
        let form = run("1");
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (status, _, body) = page(&client, &srv, Method::POST, "/statements", Some(&cookie), &pairs).await;
        assert_eq!(status, StatusCode::OK, "{name}: {body}");
        assert!(body.contains("Would send 1 statement(s) for 5.00"), "{name}: {body}");
        let (status, _, _) = page(
            &client,
            &srv,
            Method::POST,
            "/statements",
            Some(&collector),
            &[("csrf", &collector_csrf), ("as_of", &day)],
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{name}");
        let form = run("0");
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (_, _, body) = page(&client, &srv, Method::POST, "/statements", Some(&cookie), &pairs).await;
        assert!(body.contains("Sent 1 statement(s) for 5.00") && body.contains("S-000001"), "{name}: {body}");
        let (status, _, pdf) = page(&client, &srv, Method::GET, "/statements/1/pdf", Some(&collector), &[]).await;
        assert_eq!(status, StatusCode::OK, "{name}");
        assert!(pdf.starts_with("%PDF-"), "{name}");
        let (status, _, pdf) = page(&client, &srv, Method::GET, &format!("/statements/day/{day}"), Some(&cookie), &[]).await;
        assert!(status == StatusCode::OK && pdf.starts_with("%PDF-"), "{name}: {status}");
        let (_, _, body) = page(&client, &srv, Method::GET, "/accounts/P-1", Some(&cookie), &[]).await;
        assert!(body.contains("statements-h") && body.contains("S-000001"), "{name}");
        let again = srv.post(&admin, "/api/v1/statement-runs", json!({ "as_of": day, "dry_run": false })).await;
        assert_eq!(
            (again.body["count"].as_i64(), again.body["skipped_in_cycle"].as_i64()),
            (Some(0), Some(1)),
            "{name}: {}",
            again.body
        );
        let listed = srv.get(&admin, "/api/v1/statements?account=P-1").await;
        assert_eq!(listed.body[0]["amount"], "5.00", "{name}: {}", listed.body);
        // The statements sent, as a list sorted by any column and as CSV.
        let (_, _, sent) = page(&client, &srv, Method::GET, "/statements?sort=amount&dir=desc", Some(&cookie), &[]).await;
        assert!(
            sent.contains("1-1 of 1") && sent.contains("S-000001") && sent.contains("aria-sort=\"descending\""),
            "{name}: {sent}"
        );
        let (_, _, csv) = page(&client, &srv, Method::GET, "/statements?format=csv", Some(&cookie), &[]).await;
        assert!(csv.lines().nth(1).is_some_and(|l| l.starts_with("S-000001,P-1,")), "{name}: {csv}");
        let pdf = srv.get(&admin, "/api/v1/statements/1/pdf").await;
        assert_eq!(pdf.headers["content-type"], "application/pdf", "{name}");
        let (status, _, body) = page(
            &client,
            &srv,
            Method::POST,
            "/claims/acknowledgments",
            Some(&cookie),
            &[("csrf", &csrf), ("body", "ISA*garbage")],
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(body.contains("segment") || body.contains("ISA"), "{name}: {body}");
    }
}

#[tokio::test]
async fn payers_providers_and_coverages_from_the_pages() {
    for srv in Server::each(Duration::from_secs(900)).await {
        let name = srv.name;
        let org = setup(&srv).await;
        let client = browser();
        let (cookie, csrf) = session(&srv, &org, "cora", Role::BillingCoordinator).await;
        let (sam, sam_csrf) = session(&srv, &org, "sam", Role::BillingSpecialist).await;
        let payer = |days: &'static str, token: &str| {
            vec![
                ("csrf", token.to_string()),
                ("payer_code", "60054".to_string()),
                ("name", "Aetna".to_string()),
                ("filing_indicator", "CI".to_string()),
                ("timely_filing_days", days.to_string()),
            ]
        };
        let form = payer("ninety", &csrf);
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (status, _, body) = page(&client, &srv, Method::POST, "/claims/setup/payers", Some(&cookie), &pairs).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(body.contains("timely filing limit in days"), "{name}: {body}");
        let form = payer("90", &sam_csrf);
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (status, _, _) = page(&client, &srv, Method::POST, "/claims/setup/payers", Some(&sam), &pairs).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{name}: a specialist does not manage payers");
        let form = payer("90", &csrf);
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (status, location, _) = page(&client, &srv, Method::POST, "/claims/setup/payers", Some(&cookie), &pairs).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{name}");
        assert!(location.contains("Aetna"), "{name}: {location}");
        let (status, _, body) = page(
            &client,
            &srv,
            Method::POST,
            "/claims/setup/providers",
            Some(&cookie),
            &[("csrf", &csrf), ("npi", "1234567890"), ("provider_name", "Made Up"), ("kind", "organisation")],
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(body.contains("check digit"), "{name}: {body}");
        let (_, location, _) = page(
            &client,
            &srv,
            Method::POST,
            "/accounts/P-000001/coverages",
            Some(&cookie),
            &[
                ("csrf", &csrf),
                ("payer_code", "60054"),
                ("member_id", "W123"),
                ("priority", "primary"),
                ("relationship", "self"),
                ("effective_from", "2026-01-01"),
            ],
        )
        .await;
        assert!(location.contains("Primary+coverage+with+Aetna+added"), "{name}: {location}");
        let (_, _, body) = page(&client, &srv, Method::GET, "/claims/setup", Some(&sam), &[]).await;
        assert!(
            body.contains("60054") && !body.contains("Add a payer"),
            "{name}: a specialist sees the payers but cannot add one"
        );
        assert_eq!(srv.store.coverages(&org, "P-000001").await.unwrap()[0].member_id, "W123", "{name}");
    }
}

/// The visit form's "what the payer needs" boxes: a drug's NDC, an
/// authorization, the referring provider and an auto accident go in and
/// show on the claim; a wrong NDC is named at its box; and saving the page
/// keeps what the API entered that the page has no box for.
#[tokio::test]
async fn what_the_payer_needs_is_entered_and_kept_in_the_pages() {
    for srv in Server::each(Duration::from_secs(900)).await {
        let name = srv.name;
        let org = clinic_with_patient(&srv).await;
        let client = browser();
        let (cookie, csrf) = session(&srv, &org, "sam", Role::BillingSpecialist).await;
        let today = settle_server::web::today().to_string();
        let form = |ndc: &str| -> Vec<(&'static str, String)> {
            vec![
                ("csrf", csrf.clone()),
                ("account_number", "P-1".into()),
                ("billing_npi", "1912301953".into()),
                ("place_of_service", "11".into()),
                ("diagnosis0", "S93.401A".into()),
                ("line0.date_of_service", today.clone()),
                ("line0.procedure_code", "J3301".into()),
                ("line0.diagnosis_pointers", "1".into()),
                ("line0.units", "4".into()),
                ("line0.charge", "36.00".into()),
                ("line0.ndc", ndc.into()),
                ("line0.drug_quantity", "1".into()),
                ("line0.drug_unit", "ML".into()),
                ("facts.prior_authorization", "PA-77".into()),
                ("facts.referring_last", "Okafor".into()),
                ("facts.referring_first", "Ngozi".into()),
                ("facts.referring_npi", "1003000126".into()),
                ("facts.auto_accident", "1".into()),
                ("facts.accident_state", "fl".into()),
                ("facts.accident_date", today.clone()),
                ("facts.note_kind", "ADD".into()),
                ("facts.note_text", "Seen the same day".into()),
            ]
        };
        let post = |fields: Vec<(&'static str, String)>, path: &'static str| {
            let client = &client;
            let srv = &srv;
            let cookie = &cookie;
            async move {
                let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
                page(client, srv, Method::POST, path, Some(cookie), &pairs).await
            }
        };
        let (status, _, body) = post(form("409-4888"), "/claims/new").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(
            body.contains("name=\"line0.ndc\" value=\"409-4888\"") && body.contains("is not an NDC"),
            "{name}: {body}"
        );
        assert!(body.contains("value=\"PA-77\""), "{name}: the other boxes keep what was typed");
        let (status, location, _) = post(form("0409-4888-01"), "/claims/new").await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{name}");
        let number = location.trim_start_matches("/claims/").split('?').next().unwrap().to_string();
        let (_, _, body) = page(&client, &srv, Method::GET, &format!("/claims/{number}"), Some(&cookie), &[]).await;
        for expected in ["PA-77", "Okafor, Ngozi (NPI 1003000126)", "auto accident (FL)", "NDC 00409488801 1 ML"] {
            assert!(body.contains(expected), "{name}: {expected} not on the claim page");
        }
        // An attachment entered over the API has no box; saving the page keeps it.
        let specialist = srv.token(&org, Role::BillingSpecialist).await;
        let mut claim = srv.get(&specialist, &format!("/api/v1/claims/{number}")).await.body;
        let mut facts = claim["facts"].take();
        facts["attachments"] = json!([{ "report_type": "OZ", "transmission": "FX", "control_number": "ATT-1" }]);
        let store_claim = srv.store.claim(&org, &number).await.unwrap();
        let mut input = serde_json::to_value(settle_store::claims::ClaimInput {
            account_number: store_claim.account_number.clone(),
            payer_code: Some(store_claim.payer_code.clone()),
            billing_npi: store_claim.billing_npi.clone(),
            rendering_npi: None,
            place_of_service: "11".into(),
            diagnoses: store_claim.diagnoses.clone(),
            lines: vec![],
            stated_total: None,
            facts: serde_json::from_value(facts).unwrap(),
        })
        .unwrap();
        input["lines"] = json!([{ "date_of_service": today, "procedure_code": "J3301", "diagnosis_pointers": [1], "units": 4, "charge": "36.00",
                                  "facts": { "drug": { "ndc": "00409488801", "quantity": "1", "unit": "ML" } } }]);
        let edited = srv.post(&specialist, &format!("/api/v1/claims/{number}"), json!({ "claim": input })).await;
        assert_eq!(edited.status, StatusCode::OK, "{name}: {}", edited.body);
        let (_, _, edit_page) = page(&client, &srv, Method::GET, &format!("/claims/{number}/edit"), Some(&cookie), &[]).await;
        let hidden = edit_page
            .split("name=\"facts_json\" value=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .replace("&quot;", "\"")
            .replace("&#34;", "\"");
        let mut resave = form("0409-4888-01");
        resave.push(("facts_json", hidden));
        let path: &'static str = Box::leak(format!("/claims/{number}/edit").into_boxed_str());
        let (status, _, body) = post(resave, path).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{name}: {body}");
        let kept = srv.store.claim(&org, &number).await.unwrap();
        assert_eq!(kept.facts.attachments.len(), 1, "{name}: {:?}", kept.facts);
        assert_eq!(kept.facts.prior_authorization, "PA-77", "{name}");

        // An ambulance run: the transport's boxes, an address refused by
        // its box, then the claim carries CR1, CRC and both addresses.
        let ambulance = |pickup: &str| -> Vec<(&'static str, String)> {
            vec![
                ("csrf", csrf.clone()),
                ("account_number", "P-1".into()),
                ("billing_npi", "1912301953".into()),
                ("place_of_service", "41".into()),
                ("diagnosis0", "S93.401A".into()),
                ("line0.date_of_service", today.clone()),
                ("line0.procedure_code", "A0427".into()),
                ("line0.diagnosis_pointers", "1".into()),
                ("line0.units", "1".into()),
                ("line0.charge", "700.00".into()),
                ("line0.emergency", "1".into()),
                ("facts.other_accident", "1".into()),
                ("facts.accident_date", today.clone()),
                ("facts.ambulance_miles", "21".into()),
                ("facts.ambulance_reason", "A".into()),
                ("facts.ambulance_stretcher", "Patient immobilized".into()),
                ("facts.ambulance_condition", "04".into()),
                ("facts.ambulance_condition", "06".into()),
                ("facts.ambulance_pickup", pickup.into()),
                ("facts.ambulance_dropoff_name", "Mercy Hospital".into()),
                ("facts.ambulance_dropoff", "3663 S Miami Ave, Miami, FL 33133".into()),
            ]
        };
        let (status, _, body) = post(ambulance("somewhere on the road"), "/claims/new").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(body.contains("id=\"facts.ambulance_pickup-error\""), "{name}: {body}");
        assert!(body.contains("value=\"Patient immobilized\""), "{name}: the boxes keep what was typed");
        let (status, location, body) = post(ambulance("236 N Main St, Miami, FL 33413"), "/claims/new").await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{name}: {body}");
        let number = location.trim_start_matches("/claims/").split('?').next().unwrap().to_string();
        let saved = srv.store.claim(&org, &number).await.unwrap();
        let run = saved.facts.ambulance.as_ref().unwrap();
        assert_eq!(
            (
                run.miles.as_str(),
                run.certifications[0].conditions.join(" "),
                run.pickup.as_ref().unwrap().zip.as_str()
            ),
            ("21", "04 06".to_string(), "33413"),
            "{name}"
        );
        assert!(saved.lines[0].facts.emergency, "{name}");
        assert!(!saved.findings.iter().any(|f| f.rule == "builtin:6"), "{name}: {:?}", saved.findings);
        let (_, _, body) = page(&client, &srv, Method::GET, &format!("/claims/{number}"), Some(&cookie), &[]).await;
        assert!(body.contains("21 miles") && body.contains("to Mercy Hospital"), "{name}: {body}");
    }
}

/// Payer rules over the API and in the pages: listed, replaced all or
/// nothing (a refusal names the line and column and keeps what was typed),
/// and only by those who manage payers.
#[tokio::test]
async fn payer_rules_over_the_api_and_in_the_pages() {
    for srv in Server::each(Duration::from_secs(900)).await {
        let name = srv.name;
        let org = clinic_with_patient(&srv).await;
        let coordinator = srv.token(&org, Role::BillingCoordinator).await;
        let collector = srv.token(&org, Role::CollectionsSpecialist).await;
        let good = "scope,requires,procedures,places,diagnoses,level,why\npayer:66783JJT,referral,99242-99245,,,warning,Key wants the PCP's referral\n";
        let refused = srv.put(&collector, "/api/v1/payer-rules", json!({ "csv": good })).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{name}");
        let bad = srv
            .put(
                &coordinator,
                "/api/v1/payer-rules",
                json!({ "csv": "scope,requires,procedures,places,diagnoses,level,why\nany,ndc,,,,severe,x\n" }),
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {}", bad.body);
        assert!(bad.body.to_string().contains("line 2, column level"), "{name}: {}", bad.body);
        let saved = srv.put(&coordinator, "/api/v1/payer-rules", json!({ "csv": good })).await;
        assert_eq!(saved.status, StatusCode::OK, "{name}: {}", saved.body);
        assert_eq!(saved.body["own"][0]["id"], "org:1", "{name}: {}", saved.body);
        let listed = srv.get(&coordinator, "/api/v1/payer-rules").await;
        assert_eq!(listed.body["csv"], good, "{name}");
        // The rules name procedure codes: not for a collector (minimum
        // necessary), on the API or the page.
        assert_eq!(srv.get(&collector, "/api/v1/payer-rules").await.status, StatusCode::FORBIDDEN, "{name}");
        {
            let (cookie, _) = session(&srv, &org, "colin", Role::CollectionsSpecialist).await;
            let (_, _, body) = page(&browser(), &srv, Method::GET, "/claims/setup", Some(&cookie), &[]).await;
            assert!(body.contains("Providers") && !body.contains("builtin:1"), "{name}: {body}");
        }

        // A billing provider's pay-to address, over the API and the page.
        let npi = srv.store.providers(&org).await.unwrap()[0].npi.clone();
        let path: &'static str = Box::leak(format!("/api/v1/providers/{npi}/pay-to").into_boxed_str());
        assert_eq!(
            srv.put(&collector, path, json!({ "pay_to": "PO Box 1, Miami, FL 33111" })).await.status,
            StatusCode::FORBIDDEN,
            "{name}"
        );
        let wrong = srv.put(&coordinator, path, json!({ "pay_to": "PO Box 1" })).await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {}", wrong.body);
        assert!(wrong.body.to_string().contains("pay_to"), "{name}: {}", wrong.body);
        let set = srv.put(&coordinator, path, json!({ "pay_to": "PO Box 1, Miami, FL 33111-0001" })).await;
        assert_eq!(set.body["pay_to"], "PO Box 1, Miami, FL 33111-0001", "{name}: {}", set.body);

        let client = browser();
        let (cookie, csrf) = session(&srv, &org, "cora", Role::BillingCoordinator).await;
        let (_, _, body) = page(&client, &srv, Method::GET, "/claims/setup", Some(&cookie), &[]).await;
        assert!(
            body.contains("builtin:1") && body.contains("Key wants the PCP&#39;s referral"),
            "{name}: {body}"
        );
        let typed = "scope,requires,procedures,places,diagnoses,level,why\nany,clia,80047-89398,,,fatal,labs\n";
        let (status, _, body) = page(
            &client,
            &srv,
            Method::POST,
            "/claims/setup/payer-rules",
            Some(&cookie),
            &[("csrf", &csrf), ("csv", typed)],
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(body.contains("line 2, column level") && body.contains("fatal,labs"), "{name}: {body}");
        let fixed = typed.replace("fatal", "error");
        let (status, location, _) = page(
            &client,
            &srv,
            Method::POST,
            "/claims/setup/payer-rules",
            Some(&cookie),
            &[("csrf", &csrf), ("csv", &fixed)],
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{name}");
        assert!(location.contains("#payer-rules"), "{name}: {location}");
        assert_eq!(srv.store.payer_rules(&org).await.unwrap().csv, fixed, "{name}");
        let (status, location, _) = page(
            &client,
            &srv,
            Method::POST,
            "/claims/setup/providers/pay-to",
            Some(&cookie),
            &[("csrf", &csrf), ("pay_to_npi", &npi), ("new_pay_to", "")],
        )
        .await;
        assert_eq!((status, location.contains("#providers")), (StatusCode::SEE_OTHER, true), "{name}");
        assert_eq!(srv.store.providers(&org).await.unwrap()[0].pay_to, "", "{name}: cleared from the page");
    }
}

/// Authorizations over the API and in the pages: recorded (refused by
/// field), listed with what is left, read only by those who see claims.
#[tokio::test]
async fn authorizations_over_the_api_and_in_the_pages() {
    for srv in Server::each(Duration::from_secs(900)).await {
        let name = srv.name;
        let org = clinic_with_patient(&srv).await;
        let specialist = srv.token(&org, Role::BillingSpecialist).await;
        let collector = srv.token(&org, Role::CollectionsSpecialist).await;
        let auth = json!({ "account_number": "P-1", "payer_code": "66783JJT", "kind": "referral", "number": "REF-9", "procedures": "99242-99245",
                           "allowed": 1, "valid_from": "2026-01-01", "valid_to": "2026-12-31" });
        assert_eq!(
            srv.post(&collector, "/api/v1/authorizations", auth.clone()).await.status,
            StatusCode::FORBIDDEN,
            "{name}"
        );
        let mut bad = auth.clone();
        bad["valid_to"] = json!("2025-12-31");
        let refused = srv.post(&specialist, "/api/v1/authorizations", bad).await;
        assert_eq!(
            (refused.status, refused.body["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("valid_to")),
            "{name}: {}",
            refused.body
        );
        let added = srv.post(&specialist, "/api/v1/authorizations", auth).await;
        assert_eq!(added.status, StatusCode::CREATED, "{name}: {}", added.body);
        assert_eq!(
            (added.body["remaining"].as_u64(), added.body["kind"].as_str()),
            (Some(1), Some("referral")),
            "{name}"
        );
        let listed = srv.get(&specialist, "/api/v1/authorizations?account=P-1").await;
        assert_eq!(listed.body[0]["number"], "REF-9", "{name}: {}", listed.body);
        assert_eq!(srv.get(&collector, "/api/v1/authorizations").await.status, StatusCode::FORBIDDEN, "{name}");
        let worklist = srv.get(&specialist, "/api/v1/authorizations/worklist").await;
        assert_eq!(worklist.body, json!([]), "{name}");

        let client = browser();
        let (cookie, csrf) = session(&srv, &org, "sam", Role::BillingSpecialist).await;
        let (status, _, body) = page(&client, &srv, Method::GET, "/claims/authorizations", Some(&cookie), &[]).await;
        assert_eq!(status, StatusCode::OK, "{name}");
        assert!(body.contains("REF-9") && body.contains("No claim waits"), "{name}: {body}");
        let form = [
            ("csrf", csrf.as_str()),
            ("account_number", "P-1"),
            ("payer_code", "66783JJT"),
            ("kind", "prior_authorization"),
            ("number", "PA-PT"),
            ("procedures", "97110"),
            ("allowed", "twelve"),
            ("counts", "units"),
            ("valid_from", "2026-10-01"),
            ("valid_to", "2026-12-31"),
        ];
        let (status, _, body) = page(&client, &srv, Method::POST, "/claims/authorizations", Some(&cookie), &form).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(body.contains("id=\"allowed-error\"") && body.contains("value=\"PA-PT\""), "{name}: {body}");
        let mut form = form;
        form[6] = ("allowed", "12");
        let (status, location, _) = page(&client, &srv, Method::POST, "/claims/authorizations", Some(&cookie), &form).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{name}");
        assert!(location.starts_with("/claims/authorizations?msg="), "{name}: {location}");
        let (_, _, sorted) = page(&client, &srv, Method::GET, "/claims/authorizations?sort=number&dir=desc", Some(&cookie), &[]).await;
        assert!(
            sorted.contains("aria-sort=\"descending\"") && sorted.contains("class=\"pager\""),
            "{name}: the list on file sorts and pages: {sorted}"
        );
        let (collector_cookie, _) = session(&srv, &org, "cole", Role::CollectionsSpecialist).await;
        let (status, _, _) = page(&client, &srv, Method::GET, "/claims/authorizations", Some(&collector_cookie), &[]).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{name}");
    }
}

/// Another system's 837P taken in from the pages: refused when empty,
/// imported whole, its claims listed with their numbers.
#[tokio::test]
async fn claims_import_from_the_pages() {
    for srv in Server::each(Duration::from_secs(900)).await {
        let name = srv.name;
        let org = clinic_with_patient(&srv).await;
        let specialist = srv.token(&org, Role::BillingSpecialist).await;
        let admin = srv.token(&org, Role::Admin).await;
        let settings =
            json!({ "default_terms": "net30", "aging_buckets": "30,60,90,120", "writeoff_approval_limit": "100.00", "x12_contact_phone": "3055552222" });
        srv.post(&admin, "/api/v1/settings", settings).await;
        let today = settle_server::web::today().to_string();
        let visit = json!({ "account_number": "P-1", "billing_npi": "1912301953", "place_of_service": "11", "diagnoses": ["E11.9"],
                            "lines": [{ "date_of_service": today, "procedure_code": "99213", "diagnosis_pointers": [1], "charge": "125.00" }] });
        assert_eq!(srv.post(&specialist, "/api/v1/claims", visit).await.body["status"], "ready", "{name}");
        let batch = srv.post(&specialist, "/api/v1/claim-batches", json!({ "payer_code": "66783JJT" })).await;
        let body = batch.body["body"].as_str().unwrap().to_string();

        let other = srv.store.create_organisation("other", "Other Practice", "USD").await.unwrap();
        let client = browser();
        let (cookie, csrf) = session(&srv, &other, "ola", Role::BillingSpecialist).await;
        let (status, _, _) = page(&client, &srv, Method::GET, "/claims/import", Some(&cookie), &[]).await;
        assert_eq!(status, StatusCode::OK, "{name}");
        let (status, _, page_body) = page(&client, &srv, Method::POST, "/claims/import", Some(&cookie), &[("csrf", &csrf), ("body", "")]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(page_body.contains("Choose an 837P file"), "{name}");
        let (status, _, page_body) = page(
            &client,
            &srv,
            Method::POST,
            "/claims/import",
            Some(&cookie),
            &[("csrf", &csrf), ("file_name", "clinic.837"), ("body", &body)],
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{name}: {page_body}");
        assert!(
            page_body.contains("Imported 1 claim(s)") && page_body.contains("(theirs CLM-000001)"),
            "{name}: {page_body}"
        );
    }
}

#[tokio::test]
async fn a_visit_takes_more_lines_than_the_form_first_shows() {
    for srv in Server::each(Duration::from_secs(900)).await {
        let name = srv.name;
        let org = clinic_with_patient(&srv).await;
        let client = browser();
        let (cookie, csrf) = session(&srv, &org, "sam", Role::BillingSpecialist).await;
        let (_, _, blank) = page(&client, &srv, Method::GET, "/claims/new?account=P-1", Some(&cookie), &[]).await;
        assert!(
            blank.contains("data-add-line") && blank.contains("<tr data-line=\"6\" hidden>"),
            "{name}: six rows shown, more behind Add a line"
        );
        let today = settle_server::web::today().to_string();
        let mut form: Vec<(String, String)> = vec![
            ("csrf".into(), csrf.clone()),
            ("account_number".into(), "P-1".into()),
            ("payer_code".into(), "66783JJT".into()),
            ("billing_npi".into(), "1912301953".into()),
            ("place_of_service".into(), "11".into()),
            ("diagnosis0".into(), "E11.9".into()),
        ];
        for i in 0..8 {
            form.push((format!("line{i}.date_of_service"), today.clone()));
            form.push((format!("line{i}.procedure_code"), "99213".into()));
            form.push((format!("line{i}.diagnosis_pointers"), "1".into()));
            form.push((format!("line{i}.units"), "1".into()));
            form.push((format!("line{i}.charge"), format!("{}.00", 100 + i)));
        }
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let (status, location, body) = page(&client, &srv, Method::POST, "/claims/new", Some(&cookie), &pairs).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{name}: {body}");
        let number = location.trim_start_matches("/claims/").split('?').next().unwrap().to_string();
        let claim = srv.store.claim(&org, &number).await.unwrap();
        assert_eq!(claim.lines.len(), 8, "{name}: all eight lines kept");
        // Editing it shows the eight and one blank; the rest wait.
        let (_, _, edit) = page(&client, &srv, Method::GET, &format!("/claims/{number}/edit"), Some(&cookie), &[]).await;
        assert!(edit.contains("<tr data-line=\"8\" >") && edit.contains("<tr data-line=\"9\" hidden>"), "{name}");
    }
}
