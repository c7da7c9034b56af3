//! ACH from mandate to return, on every backend: mandates taken, a plan
//! set to pay itself, the daily run writing one NACHA file and posting
//! what it debits, the bank (simulated) answering with returns and a
//! change, the answer applied all or nothing (each return reversing its
//! payment and decided by its code), and the next run sending the retry
//! and the corrected account; the books still verify.

use settle_domain::ach::{bank_sim, nacha};
use settle_store::collections::{NewPlan, NewPromise, PromiseFilter};
use settle_store::money_in::*;
use settle_store::platform::Organisation;
use settle_store::Store;

use crate::backends::{account, all, assert_verified, date, invoice};

const WORDS: &str = "I authorize Riverside Family Medicine to debit my account for the amounts agreed.";

async fn balance(store: &Store, org: &Organisation, number: &str) -> String {
    store.account_detail(org, number).await.unwrap().summary.balance
}

fn mandate(account: &str, bank: &str, channel: &str) -> NewMandate {
    NewMandate {
        account_number: account.into(),
        originator: None,
        holder_name: format!("Holder of {account}"),
        routing: "231380104".into(),
        bank_account: bank.into(),
        account_kind: "checking".into(),
        channel: channel.into(),
        authorization_text: WORDS.into(),
        authorized_on: date("2026-12-01"),
        prenote: false,
    }
}

#[tokio::test]
async fn debits_go_out_come_back_by_code_and_go_again() {
    for backend in all().await {
        let (store, name) = (&backend.store, backend.name);
        let org = store.create_organisation("clinic", "Riverside", "USD").await.unwrap();
        let today = date("2026-12-07");
        for n in ["P-1", "P-2", "P-3", "P-4"] {
            account(store, &org, n).await;
            invoice(store, &org, n, "2026-11-01", "300.00").await;
        }
        // No originating account yet: a mandate is refused, naming it.
        let early = store.add_mandate(&org, &mandate("P-1", "1000001", "signed"), today).await.unwrap_err();
        assert!(early.to_string().contains("originator"), "{name}: {early}");
        let bad_odfi = NewOriginator {
            name: "operating".into(),
            odfi: "091000018".into(),
            odfi_name: "First Bank".into(),
            company_id: "1234567890".into(),
            company_name: "Riverside".into(),
            return_fee: Some("25.00".into()),
        };
        let refused = store.add_ach_originator(&org, &bad_odfi).await.unwrap_err();
        assert!(refused.to_string().contains("odfi"), "{name}: {refused}");
        store
            .add_ach_originator(
                &org,
                &NewOriginator {
                    odfi: "091000019".into(),
                    ..bad_odfi
                },
            )
            .await
            .unwrap();

        // Mandates: a mistyped routing number and missing words are refused.
        let typo = store
            .add_mandate(
                &org,
                &NewMandate {
                    routing: "231380105".into(),
                    ..mandate("P-1", "1000001", "signed")
                },
                today,
            )
            .await
            .unwrap_err();
        assert!(typo.to_string().contains("routing"), "{name}: {typo}");
        let wordless = store
            .add_mandate(
                &org,
                &NewMandate {
                    authorization_text: "ok".into(),
                    ..mandate("P-1", "1000001", "signed")
                },
                today,
            )
            .await
            .unwrap_err();
        assert!(wordless.to_string().contains("authorization_text"), "{name}: {wordless}");
        let m1 = store.add_mandate(&org, &mandate("P-1", "1000001", "signed"), today).await.unwrap();
        let m2 = store.add_mandate(&org, &mandate("P-2", "2000005", "online"), today).await.unwrap();
        let m3 = store.add_mandate(&org, &mandate("P-3", "3000003", "signed"), today).await.unwrap();
        let m4 = store.add_mandate(&org, &mandate("P-4", "4009999", "phone"), today).await.unwrap();
        assert_eq!(
            (m1.status.as_str(), m1.sec.as_str(), m1.bank_account.as_str()),
            ("active", "PPD", "****0001"),
            "{name}"
        );
        assert_eq!((m2.status.as_str(), m2.sec.as_str()), ("prenote_due", "WEB"), "{name}: online needs a prenote");
        assert_eq!(m4.sec, "TEL", "{name}");

        // One-off debits, and P-4's plan paying itself.
        for (m, amount) in [(&m1, "100.00"), (&m3, "50.00"), (&m2, "balance")] {
            store
                .schedule_debit(
                    &org,
                    &NewDebit {
                        mandate_id: m.mandate_id,
                        amount: amount.into(),
                        due_on: date("2026-12-08"),
                        note: String::new(),
                    },
                    today,
                )
                .await
                .unwrap();
        }
        let plan = store
            .create_plan(
                &org,
                &NewPlan {
                    account_number: "P-4".into(),
                    total: None,
                    down_payment: None,
                    installment: Some("100.00".into()),
                    frequency: Some("monthly".into()),
                    first_due: Some(date("2026-12-08")),
                    installments: None,
                    note: String::new(),
                    send_agreement: false,
                },
                today,
            )
            .await
            .unwrap();
        let autopay = store
            .autopay_plan(
                &org,
                &AutopayPlan {
                    plan_id: plan.plan.plan_id,
                    mandate_id: m4.mandate_id,
                },
                today,
            )
            .await
            .unwrap();
        assert_eq!(autopay.len(), 3, "{name}: three installments of 100.00");
        let wrong = store
            .autopay_plan(
                &org,
                &AutopayPlan {
                    plan_id: plan.plan.plan_id,
                    mandate_id: m1.mandate_id,
                },
                today,
            )
            .await
            .unwrap_err();
        assert!(wrong.to_string().contains("not the plan's"), "{name}: {wrong}");

        // P-1 also promises the 100.00 the debit brings: kept, until the debit comes back.
        store
            .record_promise(
                &org,
                &NewPromise {
                    account_number: "P-1".into(),
                    amount: "100.00".into(),
                    due_on: date("2026-12-08"),
                    note: String::new(),
                },
                today,
            )
            .await
            .unwrap();
        let promise_on = |day: &'static str| {
            let org = &org;
            async move {
                let filter = PromiseFilter {
                    account_number: Some("P-1".into()),
                    status: None,
                };
                store.promises(org, &filter, date(day)).await.unwrap().remove(0).status
            }
        };

        // The first run: P-1, P-3 and P-4's first installment debited; P-2's prenote; its debit waits.
        let run = store.ach_run(&org, today, 1700).await.unwrap();
        assert_eq!(
            (run.effective_on.as_str(), run.debits_sent, run.prenotes_sent, run.waiting),
            ("2026-12-08", 3, 1, 1),
            "{name}: {run:#?}"
        );
        assert_eq!(run.files.len(), 1, "{name}");
        assert_eq!(balance(store, &org, "P-1").await, "200.00", "{name}");
        let (_, sent) = store.ach_file_content(&org, run.files[0].file_id).await.unwrap();
        let read = nacha::read(&sent).expect("what Settle sent reads back");
        assert_eq!(read.batches.iter().map(|b| b.entries.len()).sum::<usize>(), 4, "{name}");

        // The bank answers: R01 for P-1, R10 for P-3, C01 on P-2's prenote.
        let rules = bank_sim::parse_rules(bank_sim::DEMO_RULES).unwrap();
        let answer = bank_sim::answer(&read, &rules, date("2026-12-09"), 900).expect("the bank answers");

        // A file naming a trace Settle never sent is refused whole, naming the line.
        let forged = answer.replacen("R01091000010000001", "R01091000019999999", 1);
        assert_ne!(forged, answer, "{name}: P-1's debit has the first trace");
        let refused = store.apply_ach_returns(&org, &forged, date("2026-12-09")).await.unwrap_err().to_string();
        assert!(refused.contains("line") && refused.contains("no debit Settle sent"), "{name}: {refused}");
        assert_eq!(balance(store, &org, "P-1").await, "200.00", "{name}: nothing applied");

        assert_eq!(promise_on("2026-12-08").await, "kept", "{name}: the debit keeps the promise");
        let applied = store.apply_ach_returns(&org, &answer, date("2026-12-09")).await.unwrap();
        assert_eq!(
            promise_on("2026-12-20").await,
            "broken",
            "{name}: a returned autopay breaks it as a returned check does"
        );
        assert_eq!((applied.returns.len(), applied.changes.len()), (2, 1), "{name}: {applied:#?}");
        let r01 = applied.returns.iter().find(|r| r.code == "R01").unwrap();
        assert!(
            r01.outcome.contains("reversed") && r01.outcome.contains("fee 25.00") && r01.outcome.contains("RETRY PYMT"),
            "{name}: {r01:#?}"
        );
        let r10 = applied.returns.iter().find(|r| r.code == "R10").unwrap();
        assert!(r10.outcome.contains("revoked") && !r10.outcome.contains("fee"), "{name}: {r10:#?}");
        assert_eq!(balance(store, &org, "P-1").await, "325.00", "{name}: reopened, with the fee");
        assert_eq!(balance(store, &org, "P-3").await, "300.00", "{name}: reopened, no fee for R10");
        let p3 = &store.mandates(&org, Some("P-3")).await.unwrap()[0];
        assert_eq!(p3.status, "revoked", "{name}");
        let p2 = &store.mandates(&org, Some("P-2")).await.unwrap()[0];
        assert_eq!(p2.bank_account, "****0055", "{name}: corrected by the NOC: {p2:#?}");
        assert!(p2.changes.iter().any(|c| c.kind == "noc" && c.code == "C01"), "{name}");

        // The same file again changes nothing.
        let again = store.apply_ach_returns(&org, &answer, date("2026-12-09")).await.unwrap_err().to_string();
        assert!(again.contains("already applied"), "{name}: {again}");
        assert_eq!(balance(store, &org, "P-1").await, "325.00", "{name}");

        // Two banking days later: P-4's debit and P-2's prenote settle,
        // P-2 is live from 2026-12-11; the retry and P-2's debit go out.
        let run = store.ach_run(&org, date("2026-12-10"), 1700).await.unwrap();
        assert_eq!(
            (run.settled, run.activated, run.debits_sent, run.prenotes_sent),
            (2, 1, 2, 0),
            "{name}: {run:#?}"
        );
        let (_, second) = store.ach_file_content(&org, run.files[0].file_id).await.unwrap();
        let second = nacha::read(&second).unwrap();
        let descriptions: Vec<&str> = second.batches.iter().map(|b| b.description.as_str()).collect();
        assert!(descriptions.contains(&"RETRY PYMT"), "{name}: {descriptions:?}");
        let accounts: Vec<&str> = second.batches.iter().flat_map(|b| &b.entries).map(|e| e.account.trim()).collect();
        assert!(accounts.contains(&"55500055"), "{name}: the corrected account is debited: {accounts:?}");
        assert_eq!(balance(store, &org, "P-1").await, "225.00", "{name}");
        assert_eq!(balance(store, &org, "P-2").await, "0.00", "{name}: the balance debited");

        // Return rates over 60 days: 2 of 5 debits returned, one unauthorized.
        let rates = store.ach_return_rates(&org, date("2026-12-11")).await.unwrap();
        let overall = rates.iter().find(|r| r.name.contains("overall")).unwrap();
        assert_eq!((overall.returns, overall.debits, overall.over), (2, 5, true), "{name}: {rates:#?}");
        assert_verified(store, &org).await;

        // The rules replayed over everything sent: clean. Then P-3's debit,
        // moved around Settle into the file made after its mandate was
        // revoked, is named by its rule.
        let replay = store.ach_verify(&org).await.unwrap();
        assert!(replay.clean, "{name}: {replay:#?}");
        assert_eq!((replay.debits_checked, replay.fees_checked), (6, 1), "{name}: {replay:#?}");
        sqlx::query("UPDATE ach_debit SET file_id = (SELECT MAX(file_id) FROM ach_file WHERE org_id = $1 AND direction = 'sent'), status = 'in_file' WHERE org_id = $1 AND debit_id = (SELECT MIN(debit_id) FROM ach_debit WHERE org_id = $1 AND mandate_id = $2 AND status = 'returned')")
            .bind(org.org_id)
            .bind(m3.mandate_id)
            .execute(store.pool())
            .await
            .unwrap();
        let replay = store.ach_verify(&org).await.unwrap();
        let rules: Vec<&str> = replay.findings.iter().map(|f| f.rule.as_str()).collect();
        assert!(
            !replay.clean && rules.contains(&"mandate"),
            "{name}: a debit in a file made after its mandate was revoked: {replay:#?}"
        );
    }
}

/// Two runs of the same day at once (two servers, a double click): each
/// debit goes out once, in one file, with one payment.
#[tokio::test]
async fn two_runs_at_once_send_each_debit_once() {
    for backend in all().await {
        let (store, name) = (&backend.store, backend.name);
        let org = store.create_organisation("clinic", "Riverside", "USD").await.unwrap();
        let today = date("2026-12-07");
        store
            .add_ach_originator(
                &org,
                &NewOriginator {
                    name: "operating".into(),
                    odfi: "091000019".into(),
                    odfi_name: "First Bank".into(),
                    company_id: "1234567890".into(),
                    company_name: "Riverside".into(),
                    return_fee: None,
                },
            )
            .await
            .unwrap();
        for n in 1..=20 {
            let number = format!("P-{n}");
            account(store, &org, &number).await;
            invoice(store, &org, &number, "2026-11-01", "80.00").await;
            let m = store.add_mandate(&org, &mandate(&number, &format!("77{n:05}"), "signed"), today).await.unwrap();
            store
                .schedule_debit(
                    &org,
                    &NewDebit {
                        mandate_id: m.mandate_id,
                        amount: "80.00".into(),
                        due_on: date("2026-12-08"),
                        note: String::new(),
                    },
                    today,
                )
                .await
                .unwrap();
        }
        let (a, b) = tokio::join!(store.ach_run(&org, today, 1700), store.ach_run(&org, today, 1700));
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(a.debits_sent + b.debits_sent, 20, "{name}: {a:?} {b:?}");
        assert_eq!(a.files.len() + b.files.len(), 1, "{name}: one file");
        let sent = store.ach_debits(&org, Some("in_file"), None, 100).await.unwrap();
        assert_eq!(sent.len(), 20, "{name}");
        assert_eq!(
            crate::story::entry_count(store, &org).await,
            40,
            "{name}: 20 invoices and 20 payments, none twice"
        );
        assert_verified(store, &org).await;
    }
}
