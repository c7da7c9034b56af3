//! Any sequence of what consumers ask and collectors do, at any instants:
//! requests to stop, opt-outs, attorneys, disputes and requests for the
//! original creditor and their answers, calls either way, letters from
//! every door, validation notices, dunning runs, email deliveries, and
//! contacts logged as violations. Afterwards `collections verify` finds no
//! contact the gate refuses, and lists exactly the violations logged, on
//! every backend.

use proptest::prelude::*;
use settle_store::billing::{NewAccount, NewParty};
use settle_store::collections::dunning::RunRequest;
use settle_store::collections::{Clearing, ContactRequest, LogContact, NewDispute, ProfileUpdate, SendLetter};
use settle_store::platform::Organisation;
use settle_store::testing::all_backends;
use settle_store::Store;

use crate::backends::{date, invoice, set_levels};

const ACCOUNTS: [&str; 3] = ["G-0", "G-1", "G-2"];

#[derive(Clone, Debug)]
enum Op {
    Cease {
        account: usize,
        day: u8,
        hour: u8,
    },
    OptOut {
        account: usize,
        channel: usize,
    },
    Attorney {
        account: usize,
    },
    Dispute {
        account: usize,
        day: u8,
        original_creditor: bool,
    },
    Answer {
        dispute: u8,
        day: u8,
    },
    Call {
        account: usize,
        day: u8,
        hour: u8,
        outcome: usize,
        inbound: bool,
        violation: bool,
    },
    LogLetter {
        account: usize,
        day: u8,
        hour: u8,
        violation: bool,
    },
    SendLetter {
        account: usize,
    },
    Notice {
        account: usize,
    },
    Dunning {
        day: u8,
        hour: u8,
    },
    Deliver {
        day: u8,
        hour: u8,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let account = 0usize..3;
    prop_oneof![
        (account.clone(), 1u8..28, 0u8..24).prop_map(|(account, day, hour)| Op::Cease { account, day, hour }),
        (account.clone(), 0usize..3).prop_map(|(account, channel)| Op::OptOut { account, channel }),
        account.clone().prop_map(|account| Op::Attorney { account }),
        (account.clone(), 1u8..28, any::<bool>()).prop_map(|(account, day, original_creditor)| Op::Dispute {
            account,
            day,
            original_creditor
        }),
        (1u8..6, 1u8..28).prop_map(|(dispute, day)| Op::Answer { dispute, day }),
        (account.clone(), 1u8..28, 0u8..24, 0usize..5, any::<bool>(), any::<bool>()).prop_map(|(account, day, hour, outcome, inbound, violation)| Op::Call {
            account,
            day,
            hour,
            outcome,
            inbound,
            violation
        }),
        (account.clone(), 1u8..28, 0u8..24, any::<bool>()).prop_map(|(account, day, hour, violation)| Op::LogLetter { account, day, hour, violation }),
        account.clone().prop_map(|account| Op::SendLetter { account }),
        account.prop_map(|account| Op::Notice { account }),
        (1u8..28, 0u8..24).prop_map(|(day, hour)| Op::Dunning { day, hour }),
        (1u8..28, 0u8..24).prop_map(|(day, hour)| Op::Deliver { day, hour }),
    ]
}

fn instant(day: u8, hour: u8) -> String {
    format!("2026-12-{day:02}T{hour:02}:00:00Z")
}

async fn books(store: &Store) -> Organisation {
    let org = store.create_organisation("agency", "Prairie Recovery", "USD").await.unwrap();
    store.set_collection_policy(&org, true, &[]).await.unwrap();
    store
        .set_collector_contact(&org, "PO Box 12, Springfield, IL 62701", "(217) 555-0100", "8 a.m. to 5 p.m. Central")
        .await
        .unwrap();
    let people = [
        ("Dana Whitfield", "(305) 555-0142", "12 Lanai St, Miami, FL 33101"),
        ("Kai Akana", "(808) 555-0100", "1 Kalakaua Ave\nHonolulu HI 96815"),
        ("Ola Nordmann", "(212) 555-0199", ""),
    ];
    for (number, (name, phone, address)) in ACCOUNTS.iter().zip(people) {
        store
            .add_account(
                &org,
                &NewAccount {
                    account_number: number.to_string(),
                    party: NewParty {
                        kind: "person".into(),
                        name: name.into(),
                        phone: Some(phone.into()),
                        email: Some(format!("{}@example.com", number.to_ascii_lowercase())),
                        // Ola lives in Toronto: an address the gate cannot place.
                        address: Some(if address.is_empty() {
                            settle_store::testing::address_abroad().into()
                        } else {
                            address.into()
                        }),
                        ..NewParty::default()
                    },
                    ar_kind: "customer".into(),
                    currency: None,
                    payment_terms: Some("net30".into()),
                    opened_on: date("2026-01-01"),
                },
                None,
            )
            .await
            .unwrap();
        invoice(store, &org, number, "2026-08-01", "180.00").await;
    }
    set_levels(
        store,
        &org,
        &[
            ("placed", 1, &["validation_notice", "email", "call"]),
            ("reminded", 100, &["letter:reminder", "email"]),
            ("final", 120, &["letter:final_notice", "email"]),
        ],
    )
    .await;
    org
}

fn contact(account: usize, channel: &str, at: String) -> ContactRequest {
    ContactRequest {
        account_number: ACCOUNTS[account].into(),
        channel: channel.into(),
        address: None,
        at_work: false,
        purpose: None,
        at: Some(at),
    }
}

/// Does one step; refusals and bad input are allowed, a contact past the gate is not.
async fn apply(store: &Store, org: &Organisation, op: &Op, violations: &mut usize) {
    let today = jiff::Zoned::now().date();
    match op {
        Op::Cease { account, day, hour } => {
            let _ = store
                .update_collection_profile(
                    org,
                    &ProfileUpdate {
                        account_number: ACCOUNTS[*account].into(),
                        cease_requested_at: Some(instant(*day, *hour)),
                        ..ProfileUpdate::default()
                    },
                )
                .await;
        }
        Op::OptOut { account, channel } => {
            let _ = store
                .update_collection_profile(
                    org,
                    &ProfileUpdate {
                        account_number: ACCOUNTS[*account].into(),
                        opt_outs: Some(vec![["email", "call", "letter"][*channel].to_string()]),
                        ..ProfileUpdate::default()
                    },
                )
                .await;
        }
        Op::Attorney { account } => {
            let _ = store
                .update_collection_profile(
                    org,
                    &ProfileUpdate {
                        account_number: ACCOUNTS[*account].into(),
                        attorney_name: Some("Lee Counsel".into()),
                        attorney_phone: Some("(217) 555-0177".into()),
                        ..ProfileUpdate::default()
                    },
                )
                .await;
        }
        Op::Dispute {
            account,
            day,
            original_creditor,
        } => {
            let _ = store
                .record_dispute(
                    org,
                    &NewDispute {
                        account_number: ACCOUNTS[*account].into(),
                        received_on: date(&format!("2026-12-{day:02}")),
                        note: String::new(),
                        original_creditor: *original_creditor,
                    },
                )
                .await;
        }
        Op::Answer { dispute, day } => {
            let _ = store.dispute_verified(org, i64::from(*dispute), date(&format!("2026-12-{day:02}"))).await;
        }
        Op::Call {
            account,
            day,
            hour,
            outcome,
            inbound,
            violation,
        } => {
            let mut cmd = LogContact::from_request(
                contact(*account, "call", instant(*day, *hour)),
                Some(if *inbound { "inbound" } else { "outbound" }.into()),
                ["right_party_contact", "no_answer", "voicemail", "not_connected", "promise"][*outcome].into(),
                String::new(),
            );
            cmd.violation = *violation && !*inbound;
            if let Ok(done) = store.log_contact(org, &cmd).await {
                if done.contact.is_some_and(|c| !c.violation.is_empty()) {
                    *violations += 1;
                }
            }
        }
        Op::LogLetter { account, day, hour, violation } => {
            let mut cmd = LogContact::from_request(contact(*account, "letter", instant(*day, *hour)), None, "sent".into(), String::new());
            cmd.violation = *violation;
            if let Ok(done) = store.log_contact(org, &cmd).await {
                if done.contact.is_some_and(|c| !c.violation.is_empty()) {
                    *violations += 1;
                }
            }
        }
        Op::SendLetter { account } => {
            let _ = store
                .send_letter(
                    org,
                    &SendLetter {
                        account_number: ACCOUNTS[*account].into(),
                        kind: "reminder".into(),
                        payment_id: None,
                    },
                    today,
                )
                .await;
        }
        Op::Notice { account } => {
            let _ = store.send_validation_notice(org, ACCOUNTS[*account], today).await;
        }
        Op::Dunning { day, hour } => {
            let _ = store
                .dunning_run(
                    org,
                    &RunRequest {
                        as_of: date(&format!("2026-12-{day:02}")),
                        at: Some(instant(*day, *hour)),
                        dry_run: false,
                    },
                )
                .await;
        }
        Op::Deliver { day, hour } => {
            // The sender, without the SMTP server: cleared at the instant, then sent.
            let at: jiff::Timestamp = instant(*day, *hour).parse().unwrap();
            for due in store.due_emails(at, 100).await.unwrap() {
                if let Clearing::Send(ready) = store.clear_email(&due, at, Some("https://pay.example")).await.unwrap() {
                    store.email_sent(&ready, at).await.unwrap();
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 10, ..ProptestConfig::default() })]
    #[test]
    fn no_sequence_puts_a_contact_past_the_gate(ops in proptest::collection::vec(op(), 1..30)) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            for backend in all_backends().await {
                let (store, name) = (&backend.store, backend.name);
                let org = books(store).await;
                let mut violations = 0;
                for op in &ops {
                    apply(store, &org, op, &mut violations).await;
                }
                let replay = store.collections_verify(&org).await.unwrap();
                assert!(replay.clean, "{name}: contacts past the gate after {ops:?}: {:#?}", replay.refused);
                assert_eq!(replay.violations.len(), violations, "{name}: {ops:?}");
                // A Toronto address names no US zone: reported once contacted, never dropped.
                assert!(replay.unplaced_addresses.iter().all(|u| u.account_number == "G-2"), "{name}: {:?}", replay.unplaced_addresses);
            }
        });
    }
}
