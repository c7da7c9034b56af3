//! Authorizations and referrals on file: a claim for a service a payer
//! authorizes is held until one is on file, then uses it (its number goes
//! out) and counts it; one used up holds the next claim; a voided claim
//! gives its use back; the worklist lists what waits.

use settle_domain::claim_facts::LineFacts;
use settle_domain::units::Units;
use settle_store::claims::*;

use crate::backends::{all, date};
use crate::claim_facts::export;
use crate::claim_life::{allow_sending, clinic, visit, TODAY};

fn therapy(account: &str, day: &str) -> ClaimInput {
    let mut input = visit(account, &["M54.50"], "97110", vec![1]);
    input.lines.truncate(1);
    input.lines[0].date_of_service = date(day);
    input.lines[0].units = Units::whole(2);
    input.lines[0].facts = LineFacts::default();
    input.facts = Default::default();
    input
}

async fn save(store: &settle_store::Store, org: &settle_store::platform::Organisation, input: ClaimInput) -> ClaimView {
    store
        .create_claim(org, &NewClaim { claim: input, draft: false }, date(TODAY), None)
        .await
        .unwrap()
}

#[tokio::test]
async fn an_authorization_on_file_is_used_counted_and_given_back() {
    for backend in all().await {
        let store = &backend.store;
        let name = backend.name;
        let org = clinic(store).await;
        let rules =
            "scope,requires,procedures,places,diagnoses,level,why\npayer:66783JJT,prior_authorization,97110-97546,,,error,Key authorizes therapy in advance\n";
        store.replace_payer_rules(&org, &ReplacePayerRules { csv: rules.into() }).await.unwrap();

        let held = save(store, &org, therapy("P-1", "2026-11-02")).await;
        assert_eq!(held.status, "scrubbed", "{name}: {:#?}", held.findings);
        let gaps = store.authorization_worklist(&org).await.unwrap();
        assert_eq!(gaps.len(), 1, "{name}: {gaps:#?}");
        assert_eq!(
            (gaps[0].claim_number.as_str(), gaps[0].field.as_str()),
            (held.claim_number.as_str(), "lines[0].facts.prior_authorization"),
            "{name}"
        );

        let cmd = NewAuthorization {
            account_number: "P-1".into(),
            payer_code: "66783JJT".into(),
            kind: "prior_authorization".into(),
            number: "PA-PT-7".into(),
            procedures: "97110 97140".into(),
            allowed: Some(Units::whole(2)),
            counts: Some("visits".into()),
            valid_from: date("2026-10-01"),
            valid_to: date("2026-12-31"),
            note: "by phone, ref 554".into(),
        };
        let on_file = store.add_authorization(&org, &cmd, date(TODAY)).await.unwrap();
        assert_eq!(
            (on_file.used, on_file.remaining, on_file.state.as_str()),
            (Units::ZERO, Some(Units::whole(2)), "active"),
            "{name}"
        );
        let again = store.add_authorization(&org, &cmd, date(TODAY)).await.expect_err("the same number twice");
        assert!(again.to_string().contains("already has"), "{name}: {again}");

        // Scrubbed again, the held claim uses it and carries its number.
        let ready = store
            .scrub_claim(
                &org,
                &ScrubClaim {
                    claim_number: held.claim_number.clone(),
                },
                date(TODAY),
            )
            .await
            .unwrap();
        assert_eq!(ready.status, "ready", "{name}: {:#?}", ready.findings);
        assert_eq!(ready.lines[0].facts.prior_authorization, "PA-PT-7", "{name}");
        assert!(store.authorization_worklist(&org).await.unwrap().is_empty(), "{name}");

        let second = save(store, &org, therapy("P-1", "2026-11-09")).await;
        assert_eq!(second.status, "ready", "{name}: {:#?}", second.findings);
        let third = save(store, &org, therapy("P-1", "2026-11-16")).await;
        assert_eq!(third.status, "scrubbed", "{name}: {:#?}", third.findings);
        assert!(
            third.findings.iter().any(|f| f.message.contains("allows 2 visits; 2 used")),
            "{name}: {:#?}",
            third.findings
        );
        let listed = store.authorizations(&org, Some("P-1"), date(TODAY)).await.unwrap();
        assert_eq!(
            (listed[0].used, listed[0].state.as_str(), listed[0].claims.len()),
            (Units::whole(2), "used_up", 2),
            "{name}: {listed:#?}"
        );

        // A visit voided before it is sent gives its use back: the third fits.
        store
            .void_claim(
                &org,
                &VoidClaim {
                    claim_number: second.claim_number.clone(),
                    reason: "entered twice".into(),
                },
                date(TODAY),
            )
            .await
            .unwrap();
        assert_eq!(
            store.authorizations(&org, Some("P-1"), date(TODAY)).await.unwrap()[0].used,
            Units::ONE,
            "{name}"
        );
        let third = store
            .scrub_claim(
                &org,
                &ScrubClaim {
                    claim_number: third.claim_number.clone(),
                },
                date(TODAY),
            )
            .await
            .unwrap();
        assert_eq!(third.status, "ready", "{name}: {:#?}", third.findings);

        // The number goes to the payer on each line that used it.
        allow_sending(store, &org, "3055552222").await;
        let sent = export(store, &org, date(TODAY)).await;
        assert_eq!(sent.body.matches("REF*G1*PA-PT-7~").count(), 2, "{name}: {}", sent.body);
    }
}
