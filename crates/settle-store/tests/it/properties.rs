//! Any sequence of commands, valid or not, leaves the stored balances equal
//! to what the journal says.

use proptest::prelude::*;
use settle_store::billing::*;
use settle_store::{Location, Store};

use crate::backends::{account, assert_verified, date};

#[derive(Clone, Debug)]
enum Op {
    Invoice { account: u8, cents: i64, day: u8 },
    Pay { account: u8, cents: i64, day: u8 },
    Adjust { item: u8, cents: i64 },
    Refund { account: u8, cents: i64 },
    Reverse { payment: u8, fee: bool },
    ApplyCredit { account: u8 },
    Void { item: u8 },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0u8..3, 1i64..50_000, 1u8..28).prop_map(|(account, cents, day)| Op::Invoice { account, cents, day }),
        (0u8..3, 1i64..60_000, 1u8..28).prop_map(|(account, cents, day)| Op::Pay { account, cents, day }),
        (0u8..20, 1i64..20_000).prop_map(|(item, cents)| Op::Adjust { item, cents }),
        (0u8..3, 1i64..20_000).prop_map(|(account, cents)| Op::Refund { account, cents }),
        (1u8..20, any::<bool>()).prop_map(|(payment, fee)| Op::Reverse { payment, fee }),
        (0u8..3).prop_map(|account| Op::ApplyCredit { account }),
        (1u8..20).prop_map(|item| Op::Void { item }),
    ]
}

fn cents(c: i64) -> String {
    format!("{}.{:02}", c / 100, c % 100)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]
    #[test]
    fn journal_and_caches_agree_after_any_sequence(ops in proptest::collection::vec(op(), 1..40)) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let dir = tempfile::tempdir().unwrap();
            let store = Store::open(&Location::DataDir(dir.path().to_path_buf())).await.unwrap();
            let org = store.create_organisation("prop", "Prop", "USD").await.unwrap();
            for n in 0..3 {
                account(&store, &org, &format!("A-{n}")).await;
            }
            for op in ops {
                // Errors are allowed (a refund with no credit); a half-write is not.
                let _ = match op {
                    Op::Invoice { account, cents: c, day } => store.create_invoice(&org, &NewInvoice { account_number: format!("A-{account}"), issue_date: date(&format!("2026-01-{day:02}")), terms: None, lines: vec![NewInvoiceLine { item_code: "X".into(), description: "x".into(), quantity: "1".into(), unit_price: cents(c), tax_rate: "5".into() }], memo: String::new(), draft: false }, None).await.map(|_| ()),
                    Op::Pay { account, cents: c, day } => store.post_payment(&org, &NewPayment { account_number: format!("A-{account}"), amount: cents(c), method: "cash".into(), reference: String::new(), received_on: date(&format!("2026-02-{day:02}")), apply_to: vec![] }, None).await.map(|_| ()),
                    Op::Adjust { item, cents: c } => store.adjust(&org, &NewAdjustment { reference: format!("INV-{item:06}"), reason: "charity".into(), amount: cents(c), date: date("2026-03-01"), memo: String::new() }, None).await.map(|_| ()),
                    Op::Refund { account, cents: c } => store.refund(&org, &NewRefund { account_number: format!("A-{account}"), amount: cents(c), method: "check".into(), reference: String::new(), date: date("2026-03-02") }, None).await.map(|_| ()),
                    Op::Reverse { payment, fee } => store.reverse_payment(&org, &ReversePayment { payment_id: i64::from(payment), date: date("2026-03-03"), reason: "NSF".into(), fee: fee.then(|| "15.00".to_string()) }, None).await.map(|_| ()),
                    Op::ApplyCredit { account } => store.apply_credit(&org, &ApplyCredit { account_number: format!("A-{account}"), date: date("2026-03-04"), apply_to: vec![], amount: None }, None).await.map(|_| ()),
                    Op::Void { item } => store.void_invoice(&org, &VoidInvoice { invoice_number: format!("INV-{item:06}"), date: date("2026-03-05"), reason: "x".into() }, None).await.map(|_| ()),
                };
            }
            assert_verified(&store, &org).await;
            let trial = store.trial_balance(&org, None).await.unwrap();
            assert_eq!(trial.iter().map(|r| r.balance_minor).sum::<i64>(), 0);
        });
    }
}
