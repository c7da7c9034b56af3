//! Claims over the API: a specialist enters a visit, reads the scrubber's
//! findings by field, fixes them, sends the batch and reads the 277CA; a
//! collections specialist may read claims but not write them.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;
use settle_domain::access::Role;

use crate::Server;

#[tokio::test]
async fn a_visit_becomes_an_accepted_claim_over_the_api() {
    for srv in Server::each(Duration::from_secs(900)).await {
        let name = srv.name;
        let org = srv.store.create_organisation("clinic", "Clinic", "USD").await.unwrap();
        let coord = srv.token(&org, Role::BillingCoordinator).await;
        let specialist = srv.token(&org, Role::BillingSpecialist).await;
        let collector = srv.token(&org, Role::CollectionsSpecialist).await;
        let patient = json!({
            "account_number": "P-1", "ar_kind": "patient", "opened_on": "2026-01-01",
            "party": { "kind": "person", "name": "Jane Smith", "date_of_birth": "1970-04-02", "sex": "F",
                       "address": "236 N Main St, Miami, FL 33413" }
        });
        assert_eq!(srv.post(&coord, "/api/v1/accounts", patient).await.status, StatusCode::CREATED, "{name}");
        let payer = json!({ "payer_code": "66783JJT", "name": "Key Insurance", "filing_indicator": "CI", "timely_filing_days": 90 });
        assert_eq!(srv.post(&coord, "/api/v1/payers", payer).await.status, StatusCode::CREATED, "{name}");
        let provider = json!({ "npi": "1912301953", "name": "Ben Kildare Service", "kind": "organisation", "tax_id": "587654321",
                               "address": "234 Seaway St, Miami, FL 33111-0000" });
        assert_eq!(srv.post(&coord, "/api/v1/providers", provider).await.status, StatusCode::CREATED, "{name}");
        let coverage = json!({ "payer_code": "66783JJT", "member_id": "JS001", "relationship": "self", "priority": "primary", "effective_from": "2026-01-01" });
        assert_eq!(
            srv.post(&coord, "/api/v1/accounts/P-1/coverages", coverage).await.status,
            StatusCode::CREATED,
            "{name}"
        );

        let today = settle_server::web::today();
        let visit = |diagnosis: &str| {
            json!({ "account_number": "P-1", "billing_npi": "1912301953", "place_of_service": "11", "diagnoses": [diagnosis],
                    "lines": [{ "date_of_service": today.to_string(), "procedure_code": "99213", "modifiers": ["25"], "diagnosis_pointers": [1], "charge": "125.00" }] })
        };
        let denied = srv.post(&collector, "/api/v1/claims", visit("I10")).await;
        assert_eq!(denied.status, StatusCode::FORBIDDEN, "{name}");
        let checked = srv.post(&specialist, "/api/v1/claims/check", visit("E11")).await;
        assert_eq!(checked.status, StatusCode::OK, "{name}: {}", checked.body);
        assert_eq!(checked.body[0]["field"], "diagnoses[0]", "{name}: {}", checked.body);
        let created = srv.post(&specialist, "/api/v1/claims", visit("E11")).await;
        assert_eq!(created.status, StatusCode::CREATED, "{name}: {}", created.body);
        assert_eq!(created.body["status"], "scrubbed", "{name}");
        let number = created.body["claim_number"].as_str().unwrap().to_string();
        let fixed = srv
            .post(&specialist, &format!("/api/v1/claims/{number}"), json!({ "claim": visit("E11.9") }))
            .await;
        assert_eq!(fixed.body["status"], "ready", "{name}: {}", fixed.body);
        let bad = srv
            .post(
                &specialist,
                &format!("/api/v1/claims/{number}"),
                json!({ "claim": { "account_number": "P-1" } }),
            )
            .await;
        assert_eq!(
            (bad.status, bad.body["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("claim")),
            "{name}: {}",
            bad.body
        );

        // What the payer needs beyond codes: kept, shown, and refused by field.
        let mut with_facts = visit("E11.9");
        with_facts["facts"] = json!({ "prior_authorization": "PA-1", "related_causes": { "employment": true },
                                      "referring_provider": { "last": "Okafor", "first": "Ngozi", "npi": "1003000126" } });
        with_facts["lines"][0]["procedure_code"] = json!("J3301");
        with_facts["lines"][0]["modifiers"] = json!([]);
        with_facts["lines"][0]["facts"] = json!({ "drug": { "ndc": "0409-4888-01", "quantity": "1", "unit": "ML" } });
        let checked = srv.post(&specialist, "/api/v1/claims/check", with_facts.clone()).await;
        assert_eq!(
            (checked.status, checked.body.as_array().map(Vec::len)),
            (StatusCode::OK, Some(0)),
            "{name}: {}",
            checked.body
        );
        with_facts["lines"][0]["facts"]["drug"]["ndc"] = json!("409-4888");
        let refused = srv.post(&specialist, "/api/v1/claims", with_facts.clone()).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {}", refused.body);
        assert!(refused.body.to_string().contains("lines[0].facts.drug.ndc"), "{name}: {}", refused.body);
        // Units finer than a thousandth are refused, naming where.
        let mut finer = with_facts.clone();
        finer["lines"][0]["facts"]["drug"]["ndc"] = json!("0409-4888-01");
        finer["lines"][0]["units"] = json!(1.0005);
        let refused = srv.post(&specialist, "/api/v1/claims", finer.clone()).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {}", refused.body);
        assert!(
            refused.body.to_string().contains("three decimal places") && refused.body.to_string().contains("lines[0].units"),
            "{name}: {}",
            refused.body
        );
        finer["lines"][0]["units"] = json!("1.5");
        let checked = srv.post(&specialist, "/api/v1/claims/check", finer).await;
        assert_eq!(checked.status, StatusCode::OK, "{name}: {}", checked.body);
        with_facts["facts"]["unknown"] = json!("x");
        let unknown = srv.post(&specialist, "/api/v1/claims", with_facts).await;
        assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {}", unknown.body);
        let kept = srv.get(&specialist, &format!("/api/v1/claims/{number}")).await;
        assert_eq!(kept.body["facts"]["prior_authorization"], "", "{name}: a refused claim changed another");

        let settings = json!({ "default_terms": "net30", "aging_buckets": "30,60,90,120", "writeoff_approval_limit": "100.00",
                               "x12_contact_phone": "3055552222" });
        let admin = srv.token(&org, Role::Admin).await;
        assert_eq!(srv.post(&admin, "/api/v1/settings", settings).await.status, StatusCode::OK, "{name}");
        let batch = srv.post(&specialist, "/api/v1/claim-batches", json!({ "payer_code": "66783JJT" })).await;
        assert_eq!(batch.status, StatusCode::CREATED, "{name}: {}", batch.body);
        assert!(batch.body["body"].as_str().unwrap().starts_with("ISA*"), "{name}");
        let file_id = batch.body["file_id"].as_i64().unwrap();
        let file = srv.get(&specialist, &format!("/api/v1/x12-files/{file_id}")).await;
        assert_eq!(file.body["file"]["kind"], "837P", "{name}: {}", file.body);

        let ack = format!(
            "ISA*00*          *00*          *ZZ*66783JJT       *ZZ*587654321      *261125*1008*^*00501*000014420*0*T*:~\
GS*HN*66783JJT*587654321*20261125*100831*14420*X*005010X214~ST*277*0001*005010X214~BHT*0085*08*1*20261125*1008*TH~\
HL*1**20*1~NM1*PR*2*KEY*****PI*66783JJT~TRN*1*0001~DTP*050*D8*20261125~DTP*009*D8*20261125~HL*2*1*21*1~NM1*41*2*CLINIC*****46*587654321~HL*3*2*19*1~NM1*85*2*BEN*****XX*1912301953~\
HL*4*3*PT~NM1*QC*1*SMITH*JANE****MI*JS001~TRN*2*{number}~STC*A2:20*20261125*WQ*125~REF*1K*ICN42~SE*17*0001~GE*1*14420~IEA*1*000014420~"
        );
        let read = srv
            .post(&specialist, "/api/v1/acknowledgments", json!({ "file_name": "a.277", "body": ack }))
            .await;
        assert_eq!(read.status, StatusCode::CREATED, "{name}: {}", read.body);
        // A collector works balances, not diagnoses (HIPAA's minimum necessary).
        let hidden = srv.get(&collector, &format!("/api/v1/claims/{number}")).await;
        assert_eq!(hidden.status, StatusCode::FORBIDDEN, "{name}");
        let shown = srv.get(&specialist, &format!("/api/v1/claims/{number}")).await;
        assert_eq!(
            (shown.body["status"].as_str(), shown.body["payer_claim_number"].as_str()),
            (Some("accepted"), Some("ICN42")),
            "{name}"
        );
        let worklist = srv.get(&specialist, "/api/v1/claims?status=accepted").await;
        assert_eq!(worklist.body.as_array().unwrap().len(), 1, "{name}: {}", worklist.body);
        // The payer's ERA: 100.00 paid, 25.00 written down; posted by a specialist, the claim paid.
        let era = format!(
            "ISA*00*          *00*          *ZZ*66783JJT       *ZZ*587654321      *261201*1200*^*00501*000000042*0*P*:~\
GS*HP*66783JJT*587654321*20261201*1200*42*X*005010X221A1~ST*835*0001*005010X221A1~\
BPR*I*100.00*C*ACH*CCP*01*999999999*DA*123456*1666666666**01*999888777*DA*654321*20261201~TRN*1*EFT-77*1666666666~\
N1*PR*KEY INSURANCE~N3*PO BOX 1~N4*MIAMI*FL*33111~N1*PE*BEN KILDARE SERVICE*XX*1912301953~LX*1~CLP*{number}*1*125.00*100.00**12*ICN42~NM1*QC*1*DOE*JANE~\
SVC*HC:99213:25*125.00*100.00~CAS*CO*45*25.00~REF*6R*{number}-1~SE*14*0001~GE*1*42~IEA*1*000000042~"
        );
        let posted = srv
            .post(&specialist, "/api/v1/remittances", json!({ "file_name": "era.835", "body": era }))
            .await;
        assert_eq!(posted.status, StatusCode::CREATED, "{name}: {}", posted.body);
        assert_eq!(posted.body[0]["claims"][0]["status"], "paid", "{name}: {}", posted.body);
        let twice = srv
            .post(&specialist, "/api/v1/remittances", json!({ "file_name": "era.835", "body": era }))
            .await;
        assert_eq!(
            (twice.status, twice.body["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("file")),
            "{name}: {}",
            twice.body
        );
        // A second visit, denied as not medically necessary: worked over the API.
        let mut second = visit("E11.9");
        second["lines"][0]["procedure_code"] = json!("99214");
        let second = srv.post(&specialist, "/api/v1/claims", second).await;
        assert_eq!(second.body["status"], "ready", "{name}: {}", second.body);
        let other = second.body["claim_number"].as_str().unwrap().to_string();
        let batch = srv.post(&specialist, "/api/v1/claim-batches", json!({ "payer_code": "66783JJT" })).await;
        assert_eq!(batch.status, StatusCode::CREATED, "{name}: {}", batch.body);
        let denial_era = format!(
            "ISA*00*          *00*          *ZZ*66783JJT       *ZZ*587654321      *261202*1200*^*00501*000000043*0*P*:~\
GS*HP*66783JJT*587654321*20261202*1200*43*X*005010X221A1~ST*835*0001*005010X221A1~\
BPR*H*0.00*C*NON************20261202~TRN*1*EFT-78*1666666666~\
N1*PR*KEY INSURANCE~N3*PO BOX 1~N4*MIAMI*FL*33111~N1*PE*BEN KILDARE SERVICE*XX*1912301953~LX*1~CLP*{other}*4*125.00*0.00**12*ICN44~NM1*QC*1*DOE*JANE~\
SVC*HC:99214:25*125.00*0.00~CAS*CO*50*125.00~REF*6R*{other}-1~LQ*HE*N115~SE*15*0001~GE*1*43~IEA*1*000000043~"
        );
        let posted = srv
            .post(&specialist, "/api/v1/remittances", json!({ "file_name": "deny.835", "body": denial_era }))
            .await;
        assert_eq!(posted.status, StatusCode::CREATED, "{name}: {}", posted.body);
        assert_eq!(posted.body[0]["claims"][0]["status"], "denied", "{name}: {}", posted.body);
        let list = srv.get(&specialist, "/api/v1/denials").await;
        assert_eq!(list.status, StatusCode::OK, "{name}: {}", list.body);
        let denial = &list.body[0];
        assert_eq!(
            (
                denial["claim_number"].as_str(),
                denial["reasons"][0]["code"].as_str(),
                denial["next_step"].as_str()
            ),
            (Some(other.as_str()), Some("CO-50"), Some("appeal")),
            "{name}: {}",
            list.body
        );
        assert!(denial["remarks"][0]["meaning"].as_str().unwrap().contains("local coverage"), "{name}");
        let id = denial["denial_id"].as_i64().unwrap();
        let groups = srv.get(&specialist, "/api/v1/denials/groups").await;
        assert_eq!(groups.body[0]["count"], 1, "{name}: {}", groups.body);
        let argument = json!({ "argument": "The notes show the visit met the payer's criteria for an extended visit." });
        let forbidden = srv.post(&collector, &format!("/api/v1/denials/{id}/appeal"), argument.clone()).await;
        assert_eq!(forbidden.status, StatusCode::FORBIDDEN, "{name}");
        let short = srv
            .post(&specialist, &format!("/api/v1/denials/{id}/appeal"), json!({ "argument": "pay" }))
            .await;
        assert_eq!(
            (short.status, short.body["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("argument")),
            "{name}: {}",
            short.body
        );
        let appealed = srv.post(&specialist, &format!("/api/v1/denials/{id}/appeal"), argument).await;
        assert_eq!(
            (appealed.status, appealed.body["status"].as_str()),
            (StatusCode::OK, Some("appealed")),
            "{name}: {}",
            appealed.body
        );
        let letter = srv.get(&specialist, &format!("/api/v1/denials/{id}/appeal-letter")).await;
        assert_eq!(letter.status, StatusCode::OK, "{name}");
        assert_eq!(letter.headers["content-type"], "application/pdf", "{name}");
        assert!(letter.body.as_str().unwrap().starts_with("%PDF-"), "{name}");
        let written = srv
            .post(
                &specialist,
                &format!("/api/v1/denials/{id}/write-off"),
                json!({ "date": today.to_string(), "memo": "the appeal was lost" }),
            )
            .await;
        assert_eq!(
            (written.status, written.body["status"].as_str(), written.body["open"].as_str()),
            (StatusCode::OK, Some("written_off"), Some("0.00")),
            "{name}: {}",
            written.body
        );
        let closed = srv.get(&specialist, &format!("/api/v1/claims/{other}")).await;
        assert_eq!(closed.body["status"], "closed", "{name}: {}", closed.body);
        let missing = srv.get(&specialist, "/api/v1/denials/999").await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND, "{name}");
        let wrong = srv.get(&specialist, "/api/v1/claims?status=lost").await;
        assert_eq!(
            (wrong.status, wrong.body["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("status")),
            "{name}: {}",
            wrong.body
        );
    }
}
