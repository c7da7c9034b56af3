//! People's names by their parts, on every backend: given by parts they go
//! out in the 837P as given (a two-word last name no guess could find),
//! refusals name the field and write nothing, names kept as one line
//! before names had parts are read into them when the store opens, the
//! ones no one could split without looking are listed, and correcting one
//! takes it off the list.

use settle_store::billing::{NewAccount, NewParty};
use settle_store::claims::{ExportClaims, NewClaim, NewCoverage};
use settle_store::names::{NameParts, SetName};
use settle_store::platform::Organisation;
use settle_store::{Store, StoreError};

use crate::backends::{all, date};
use crate::claim_life::{allow_sending, clinic, visit, TODAY};

fn parts(last: &str, first: &str, middle: &str, suffix: &str) -> NameParts {
    NameParts {
        last: last.into(),
        first: first.into(),
        middle: middle.into(),
        suffix: suffix.into(),
    }
}

async fn open(store: &Store, org: &Organisation, number: &str, kind: &str, name: &str, name_parts: Option<NameParts>) -> Result<(), StoreError> {
    store
        .add_account(
            org,
            &NewAccount {
                account_number: number.into(),
                party: NewParty {
                    kind: kind.into(),
                    name: name.into(),
                    name_parts,
                    date_of_birth: Some(date("1980-02-03")),
                    sex: Some("M".into()),
                    address: Some("12 Main St, Miami, FL 33413".into()),
                    ..NewParty::default()
                },
                ar_kind: "patient".into(),
                currency: None,
                payment_terms: None,
                opened_on: date("2026-01-01"),
            },
            None,
        )
        .await
        .map(|_| ())
}

#[tokio::test]
async fn a_name_given_by_its_parts_goes_out_as_given() {
    for b in all().await {
        let store = &b.store;
        let org = clinic(store).await;
        open(store, &org, "P-3", "person", "", Some(parts("Smith Jones", "John", "Q", "III")))
            .await
            .unwrap();
        let detail = store.account_detail(&org, "P-3").await.unwrap();
        assert_eq!(detail.summary.name, "John Q Smith Jones III", "{}", b.name);

        // Refused, naming the field; nothing written.
        let both = open(store, &org, "P-4", "person", "John Smith", Some(parts("Smith", "John", "", "")))
            .await
            .unwrap_err();
        assert!(matches!(both, StoreError::Invalid { field: "party.name", .. }), "{}: {both}", b.name);
        let company = open(store, &org, "P-4", "company", "", Some(parts("Acme", "", "", ""))).await.unwrap_err();
        assert!(
            matches!(company, StoreError::Invalid { field: "party.name_parts", .. }),
            "{}: {company}",
            b.name
        );
        let no_last = open(store, &org, "P-4", "person", "", Some(parts("", "John", "", ""))).await.unwrap_err();
        assert!(
            matches!(&no_last, StoreError::Invalid { field: "party.name_parts", message } if message.starts_with("last")),
            "{}: {no_last}",
            b.name
        );
        assert!(store.account_detail(&org, "P-4").await.is_err(), "{}: a refused account was written", b.name);

        // The subscriber by parts too.
        store
            .add_coverage(
                &org,
                &NewCoverage {
                    account_number: "P-3".into(),
                    payer_code: "66783JJT".into(),
                    member_id: "JS00999".into(),
                    group_number: "2222-SJ".into(),
                    subscriber_name: String::new(),
                    subscriber_name_parts: Some(parts("de la Cruz", "Maria", "", "")),
                    relationship: "spouse".into(),
                    priority: "primary".into(),
                    effective_from: date("2026-01-01"),
                    effective_to: None,
                },
            )
            .await
            .unwrap();
        let today = date(TODAY);
        store
            .create_claim(
                &org,
                &NewClaim {
                    claim: visit("P-3", &["E11.9"], "99213", vec![1]),
                    draft: false,
                },
                today,
                None,
            )
            .await
            .unwrap();
        allow_sending(store, &org, "3055552222").await;
        let sent = store
            .export_claims(
                &org,
                &ExportClaims {
                    claims: vec![],
                    payer_code: "66783JJT".into(),
                    production: false,
                },
                today,
            )
            .await
            .unwrap();
        assert!(sent.held.is_empty(), "{}: {:?}", b.name, sent.held);
        assert!(sent.body.contains("NM1*IL*1*DE LA CRUZ*MARIA****MI*JS00999~"), "{}: {}", b.name, sent.body);
        assert!(sent.body.contains("NM1*QC*1*SMITH JONES*JOHN*Q**III~"), "{}: {}", b.name, sent.body);
    }
}

#[tokio::test]
async fn old_names_are_read_into_parts_when_the_store_opens_and_the_unsplittable_are_listed() {
    for b in all().await {
        let store = &b.store;
        let org = store.create_organisation("clinic", "Clinic", "USD").await.unwrap();
        for (number, name) in [
            ("P-1", "Maria de la Cruz"),
            ("P-2", "Madonna"),
            ("P-3", "John and Mary Smith"),
            ("P-4", "Acme Supply"),
        ] {
            let kind = if number == "P-4" { "company" } else { "person" };
            open(store, &org, number, kind, name, None).await.unwrap();
        }
        // As the books kept them before names had parts.
        sqlx::query("UPDATE party SET last_name = NULL, first_name = NULL, middle_name = NULL, name_suffix = NULL WHERE org_id = $1")
            .bind(org.org_id)
            .execute(store.pool())
            .await
            .unwrap();
        let reopened = Store::open(&b.location).await.unwrap();
        let unread = reopened.unread_names(&org).await.unwrap();
        let listed: Vec<(&str, &str)> = unread.iter().map(|u| (u.account_number.as_str(), u.name.as_str())).collect();
        assert_eq!(listed, [("P-2", "Madonna"), ("P-3", "John and Mary Smith")], "{}", b.name);
        assert!(unread.iter().all(|u| u.kind == "account" && !u.reason.is_empty()), "{unread:?}");
        let kept: Option<String> = sqlx::query_scalar("SELECT p.last_name FROM party p JOIN account a ON a.org_id = p.org_id AND a.party_id = p.party_id WHERE a.org_id = $1 AND a.account_number = 'P-1'")
            .bind(org.org_id)
            .fetch_one(reopened.pool())
            .await
            .unwrap();
        assert_eq!(kept.as_deref(), Some("de la Cruz"), "{}", b.name);

        // Opening again reads nothing twice; giving the parts takes one off the list.
        let again = Store::open(&b.location).await.unwrap();
        let set = again
            .set_name(
                &org,
                &SetName {
                    account_number: "P-2".into(),
                    whose: String::new(),
                    coverage_key: None,
                    parts: parts("Madonna", "", "", ""),
                },
            )
            .await
            .unwrap();
        assert_eq!(set.name, "Madonna");
        let listed: Vec<String> = again.unread_names(&org).await.unwrap().into_iter().map(|u| u.account_number).collect();
        assert_eq!(listed, ["P-3"], "{}", b.name);
        let company = again
            .set_name(
                &org,
                &SetName {
                    account_number: "P-4".into(),
                    whose: String::new(),
                    coverage_key: None,
                    parts: parts("Acme", "", "", ""),
                },
            )
            .await
            .unwrap_err();
        assert!(matches!(company, StoreError::Invalid { field: "whose", .. }), "{}: {company}", b.name);
    }
}
