//! Postal addresses by their fields: text and fields read by one parser,
//! refusals that name the missing piece and write nothing, old text read
//! into fields when the store opens, and the unreadable listed, never
//! dropped; on every backend.

use settle_store::address::{AddressFields, AddressInput};
use settle_store::billing::{NewAccount, NewParty};
use settle_store::claims::{NewPayer, NewProvider, SetGuarantor};
use settle_store::platform::Organisation;
use settle_store::{Store, StoreError};
use sqlx::Row;

use crate::backends::{all, date};

async fn open(store: &Store, org: &Organisation, number: &str, address: Option<AddressInput>) -> Result<(), StoreError> {
    store
        .add_account(
            org,
            &NewAccount {
                account_number: number.into(),
                party: NewParty {
                    kind: "person".into(),
                    name: format!("Patient {number}"),
                    address,
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

/// A row as the books kept it before addresses had fields.
async fn old_row(store: &Store, org: &Organisation, number: &str, contact_id: i64, text: &str) {
    let party_id: i64 = sqlx::query("SELECT party_id FROM account WHERE org_id = $1 AND account_number = $2")
        .bind(org.org_id)
        .bind(number)
        .fetch_one(store.pool())
        .await
        .unwrap()
        .get(0);
    sqlx::query(
        "INSERT INTO party_contact (org_id, contact_id, party_id, kind, label, value, valid_from) VALUES ($1, $2, $3, 'address', 'primary', $4, '2026-01-01')",
    )
    .bind(org.org_id)
    .bind(contact_id)
    .bind(party_id)
    .bind(text)
    .execute(store.pool())
    .await
    .unwrap();
}

#[tokio::test]
async fn addresses_are_kept_by_their_fields_from_every_form_they_are_given_in() {
    for b in all().await {
        let store = &b.store;
        let org = store.create_organisation("clinic", "Clinic", "USD").await.unwrap();
        let fields = AddressFields {
            line1: "350 S Grand Ave".into(),
            line2: "Suite 400".into(),
            city: "Los Angeles".into(),
            state: "California".into(),
            postal_code: "90071-1234".into(),
            country: String::new(),
        };
        open(store, &org, "P-1", Some(fields.into())).await.unwrap();
        let detail = store.account_detail(&org, "P-1").await.unwrap();
        let address = detail.contacts.iter().find(|c| c.kind == "address").expect("an address");
        assert_eq!(address.value, "350 S Grand Ave, Suite 400, Los Angeles, CA 90071-1234", "{}", b.name);
        let postal = address.postal.as_ref().expect("its fields");
        assert_eq!(
            (
                postal.line1.as_str(),
                postal.line2.as_str(),
                postal.city.as_str(),
                postal.state.as_str(),
                postal.postal_code.as_str(),
                postal.country.as_str()
            ),
            ("350 S Grand Ave", "Suite 400", "Los Angeles", "CA", "90071-1234", "US")
        );
        assert_eq!(postal.lines, ["350 S Grand Ave", "Suite 400", "Los Angeles, CA 90071-1234"]);

        // One line of text, written loosely, comes to the same fields.
        open(store, &org, "P-2", Some("350 S Grand Ave\nSuite 400\nLos Angeles Ca. 90071-1234 USA".into()))
            .await
            .unwrap();
        let same = store.account_detail(&org, "P-2").await.unwrap();
        assert_eq!(same.contacts.iter().find(|c| c.kind == "address").unwrap().postal.as_ref(), Some(postal));

        // Refused whole, naming the piece: no account is opened.
        for (text, piece) in [
            ("Los Angeles, California", "postal_code"),
            ("12 Main St, Springfield, ZZ 62704", "state"),
            ("Los Angeles, CA 90071", "line1"),
        ] {
            match open(store, &org, "P-3", Some(text.into())).await {
                Err(StoreError::Invalid { field, message }) => {
                    assert_eq!(field, "party.address", "{text}");
                    assert!(message.starts_with(piece), "{text}: {message}");
                }
                other => panic!("{text:?} was not refused: {other:?}"),
            }
            assert!(matches!(store.account_detail(&org, "P-3").await, Err(StoreError::NotFound { .. })));
        }

        // A change keeps the old one as history and the new one by its fields.
        store
            .set_contact(&org, "P-1", "address", &"1 Kalakaua Ave, Honolulu, HI 96815".into(), date("2026-06-01"))
            .await
            .unwrap();
        let moved = store.account_detail(&org, "P-1").await.unwrap();
        let now: Vec<_> = moved.contacts.iter().filter(|c| c.kind == "address" && c.valid_to.is_none()).collect();
        assert_eq!(now.len(), 1);
        assert_eq!(now[0].postal.as_ref().map(|p| p.state.as_str()), Some("HI"));
        let refused = store.set_contact(&org, "P-1", "address", &"Honolulu".into(), date("2026-07-01")).await;
        assert!(matches!(refused, Err(StoreError::Invalid { field: "value", .. })), "{refused:?}");
        assert!(store
            .set_contact(&org, "P-1", "phone", &AddressFields::default().into(), date("2026-07-01"))
            .await
            .is_err());

        // A guarantor's address, a payer's and a provider's take the same path.
        let guarantor = store
            .set_guarantor(
                &org,
                &SetGuarantor {
                    name_parts: None,
                    account_number: "P-2".into(),
                    relationship: "parent".into(),
                    name: "Morgan Lee".into(),
                    phone: None,
                    email: None,
                    address: Some("77 Oak St, Apt 2, Austin, TX 78701".into()),
                },
            )
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            guarantor.postal.map(|p| p.lines),
            Some(vec!["77 Oak St".into(), "Apt 2".into(), "Austin, TX 78701".into()])
        );
        let payer = NewPayer {
            payer_code: "ACME".into(),
            name: "Acme Health".into(),
            filing_indicator: "CI".into(),
            timely_filing_days: 90,
            appeal_days: None,
            corrected_claim_days: None,
            address: "PO Box 14463, Lexington, Kentucky 40512-4463".into(),
        };
        assert_eq!(store.add_payer(&org, &payer).await.unwrap().postal.map(|p| p.state), Some("KY".into()));
        let bad = NewProvider {
            npi: "1234567893".into(),
            name: "Clinic".into(),
            kind: "organisation".into(),
            taxonomy: String::new(),
            tax_id: String::new(),
            address: "Springfield".into(),
            pay_to: Default::default(),
        };
        assert!(matches!(
            store.add_provider(&org, &bad).await,
            Err(StoreError::Invalid { field: "address", .. })
        ));
        assert!(store.providers(&org).await.unwrap().is_empty(), "{}: a refused provider was written", b.name);
    }
}

#[tokio::test]
async fn old_text_is_read_into_fields_when_the_store_opens_and_the_unreadable_is_listed() {
    for b in all().await {
        let store = &b.store;
        let org = store.create_organisation("clinic", "Clinic", "USD").await.unwrap();
        for number in ["P-1", "P-2", "P-3"] {
            open(store, &org, number, None).await.unwrap();
        }
        old_row(store, &org, "P-1", 900_001, "12 Main St\nSpringfield IL 62704").await;
        old_row(store, &org, "P-2", 900_002, "the blue house by the lake").await;
        old_row(store, &org, "P-3", 900_003, "Los Angeles, California").await;
        // What the books hold is listed nowhere yet: the rows are unread.
        let reopened = Store::open(&b.location).await.unwrap();
        let first = reopened.account_detail(&org, "P-1").await.unwrap();
        let kept = first.contacts.iter().find(|c| c.kind == "address").unwrap();
        assert_eq!(kept.value, "12 Main St\nSpringfield IL 62704", "{}: the text as written stays", b.name);
        let postal = kept.postal.as_ref().expect("read into fields");
        assert_eq!(
            (postal.line1.as_str(), postal.city.as_str(), postal.state.as_str(), postal.postal_code.as_str()),
            ("12 Main St", "Springfield", "IL", "62704")
        );
        let unread = reopened.unread_addresses(&org).await.unwrap();
        let listed: Vec<(&str, &str, bool)> = unread.iter().map(|u| (u.key.as_str(), u.text.as_str(), u.current)).collect();
        assert_eq!(
            listed,
            [("P-2", "the blue house by the lake", true), ("P-3", "Los Angeles, California", true)],
            "{}",
            b.name
        );
        assert!(unread.iter().all(|u| u.kind == "account" && u.reason.starts_with("postal_code")), "{unread:?}");
        assert!(reopened.account_detail(&org, "P-2").await.unwrap().contacts.iter().all(|c| c.postal.is_none()));
        // Opening again reads nothing twice; correcting one takes it off the list.
        let again = Store::open(&b.location).await.unwrap();
        again
            .set_contact(&org, "P-2", "address", &"4 Lake Rd, Madison, WI 53703".into(), date("2026-03-01"))
            .await
            .unwrap();
        let unread = again.unread_addresses(&org).await.unwrap();
        let listed: Vec<(&str, bool)> = unread.iter().map(|u| (u.key.as_str(), u.current)).collect();
        assert_eq!(listed, [("P-2", false), ("P-3", true)], "{}", b.name);
    }
}
