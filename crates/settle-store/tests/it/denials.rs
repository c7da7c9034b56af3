//! Denials on every backend: held open on the payer's account with their
//! reasons in words, then appealed and paid, corrected, or written off,
//! with the books verified after each step.

use settle_store::claims::{AppealDenial, DenialFilter, Import835, WriteOffDenial, *};
use settle_store::platform::Organisation;
use settle_store::{Store, StoreError};

use crate::backends::{all, assert_verified, date};
use crate::claim_life::{allow_sending, clinic, era, insurance_balance, visit, visit_of, TODAY};

/// Replaces one segment run in an 835 and keeps SE01's count true.
fn edit_835(body: &str, from: &str, to: &str) -> String {
    assert!(body.contains(from), "{from} not in the ERA");
    let added = to.matches('~').count() as i64 - from.matches('~').count() as i64;
    let body = body.replacen(from, to, 1);
    let se = body.find("~SE*").unwrap() + 4;
    let end = se + body[se..].find('*').unwrap();
    let count: i64 = body[se..end].parse().unwrap();
    format!("{}{}{}", &body[..se], count + added, &body[end..])
}

async fn post(store: &Store, org: &Organisation, name: &str, body: String) {
    store.post_835(org, &Import835 { file_name: name.into(), body }, date(TODAY)).await.unwrap();
}

#[tokio::test]
async fn denials_are_held_open_then_appealed_corrected_or_written_off() {
    for backend in all().await {
        let store = &backend.store;
        let name = backend.name;
        let org = clinic(store).await;
        let today = date(TODAY);
        let mut numbers = Vec::new();
        for (account, code) in [("P-1", "99213"), ("P-2", "99392"), ("P-1", "99214")] {
            let mut claim = visit(account, &["E11.9"], code, vec![1]);
            if code == "99214" {
                // Another day's visit, so that its test is not a duplicate of the first.
                claim.lines[1].modifiers = vec!["91".into()];
            }
            let c = store.create_claim(&org, &NewClaim { claim, draft: false }, today, None).await.unwrap();
            numbers.push(c.claim_number);
        }
        let (a, b, c) = (numbers[0].clone(), numbers[1].clone(), numbers[2].clone());
        allow_sending(store, &org, "3055552222").await;
        store
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
        // A: the visit denied as not medically necessary, the test paid. B: both lines
        // denied for missing information. C: the visit denied as a duplicate, the test paid.
        let body = era(
            "EFT-DENY-1",
            &[
                (
                    a.as_str(),
                    vec![("99213", "125.00", "0.00", "125.00", "0.00"), ("82947", "30.50", "20.00", "5.50", "5.00")],
                ),
                (
                    b.as_str(),
                    vec![("99392", "125.00", "0.00", "125.00", "0.00"), ("82947", "30.50", "0.00", "30.50", "0.00")],
                ),
                (
                    c.as_str(),
                    vec![("99214", "125.00", "0.00", "125.00", "0.00"), ("82947:91", "30.50", "30.50", "0.00", "0.00")],
                ),
            ],
        );
        let body = edit_835(
            &body,
            &format!("CAS*CO*45*125.00~REF*6R*{a}-1"),
            &format!("CAS*CO*50*125.00~REF*6R*{a}-1~LQ*HE*N115"),
        );
        let body = edit_835(
            &body,
            &format!("CAS*CO*45*125.00~REF*6R*{b}-1"),
            &format!("CAS*CO*16*125.00~REF*6R*{b}-1~LQ*HE*MA130"),
        );
        let body = edit_835(&body, &format!("CAS*CO*45*30.50~REF*6R*{b}-2"), &format!("CAS*CO*16*30.50~REF*6R*{b}-2"));
        let body = edit_835(&body, &format!("CAS*CO*45*125.00~REF*6R*{c}-1"), &format!("CAS*CO*18*125.00~REF*6R*{c}-1"));
        post(store, &org, "deny.835", body).await;

        // Denied amounts stay owed by the payer: 466.50 charged, 50.50 paid, 5.50 written down, 5.00 to the patient.
        assert_eq!(insurance_balance(store, &org, "INS-66783JJT").await, "405.50", "{name}");
        let statuses = [store.claim(&org, &a).await.unwrap().status, store.claim(&org, &b).await.unwrap().status];
        assert_eq!(statuses, ["partially_paid".to_string(), "denied".to_string()], "{name}");
        // B on the follow-up list: it may be corrected within the payer's
        // corrected-claim window (30 days after the denial here) or appealed
        // within 180; the nearer open limit runs, then the other.
        let mut conn = store.pool().acquire().await.unwrap();
        sqlx::query("UPDATE payer SET corrected_claim_days = 30").execute(&mut *conn).await.unwrap();
        drop(conn);
        let follow = |day| {
            let filter = FollowUpFilter {
                claim: Some(b.clone()),
                ..Default::default()
            };
            let org = org.clone();
            async move { store.follow_up(&org, &filter, day).await.unwrap().remove(0) }
        };
        let row = follow(today).await;
        assert_eq!(
            (row.deadline.as_deref(), row.deadline_on.as_deref(), row.next_step.as_str()),
            (Some("corrected claim"), Some("2026-12-31"), "appeal or correct"),
            "{name}: {row:?}"
        );
        assert!(row.why.contains("appeal by 2027-05-30"), "{name}: {row:?}");
        let later = follow(date("2027-01-10")).await;
        assert_eq!(
            (later.deadline.as_deref(), later.days_left, later.next_step.as_str()),
            (Some("appeal"), Some(140), "appeal"),
            "{name}: {later:?}"
        );
        assert!(later.why.contains("corrected claim passed on 2026-12-31"), "{name}: {later:?}");
        let open = store.denials(&org, &DenialFilter::default(), today).await.unwrap();
        assert_eq!(open.len(), 4, "{name}: {open:#?}");
        let of = |number: &str, line: i64| open.iter().find(|d| d.claim_number == number && d.line_no == Some(line)).unwrap().clone();
        let necessity = of(&a, 1);
        assert_eq!((necessity.amount.as_str(), necessity.open.as_str()), ("125.00", "125.00"), "{name}");
        assert_eq!(necessity.reasons[0].code, "CO-50", "{name}");
        assert!(necessity.reasons[0].meaning.contains("medically necessary"), "{name}: {necessity:#?}");
        assert!(necessity.remarks[0].meaning.contains("local coverage determination"), "{name}");
        assert_eq!(necessity.next_step, "appeal", "{name}");
        // Paid on 2026-12-01; the payer's appeal window is 180 days.
        assert_eq!(
            (necessity.denied_on.as_str(), necessity.appeal_by.as_str()),
            ("2026-12-01", "2027-05-30"),
            "{name}"
        );
        assert_eq!(necessity.days_left, 187, "{name}");
        assert_eq!(of(&b, 2).next_step, "correct and resubmit", "{name}");
        assert_eq!(of(&c, 1).next_step, "review, then write off", "{name}");
        let by_reason = store
            .denials(
                &org,
                &DenialFilter {
                    reason: Some("16".into()),
                    ..Default::default()
                },
                today,
            )
            .await
            .unwrap();
        assert_eq!(by_reason.len(), 2, "{name}");
        let groups = store.denial_groups(&org, today).await.unwrap();
        assert_eq!(
            (groups[0].reason.as_str(), groups[0].count, groups[0].amount.as_str()),
            ("CO-16", 2, "155.50"),
            "{name}"
        );
        assert_verified(store, &org).await;

        // A: appealed (an argument is required), then paid by the payer.
        let thin = store
            .appeal_denial(
                &org,
                &AppealDenial {
                    denial_id: necessity.denial_id,
                    argument: "pay it".into(),
                },
                today,
            )
            .await
            .unwrap_err();
        assert!(matches!(thin, StoreError::Invalid { field: "argument", .. }), "{name}: {thin}");
        // Appealed by a person signed in: the letter is signed with their name, not their login.
        store
            .add_user(
                &org,
                "sam@clinic",
                "Sam Rivera",
                settle_domain::access::Role::BillingSpecialist,
                settle_store::platform::access::FirstPassword::Kept("a long enough password"),
            )
            .await
            .unwrap();
        let sam = settle_store::platform::audit::Actor {
            name: "user:sam@clinic".into(),
            address: "127.0.0.1".into(),
            clinical: true,
            approves: false,
        };
        let letter = settle_store::platform::audit::ACTOR
            .scope(
                sam,
                store.appeal_denial(
                    &org,
                    &AppealDenial {
                        denial_id: necessity.denial_id,
                        argument: "The visit notes show the patient's symptoms met the payer's own coverage criteria.".into(),
                    },
                    today,
                ),
            )
            .await
            .unwrap();
        assert_eq!(letter.signer, "Sam Rivera", "{name}");
        assert_eq!(
            (letter.claim_number.as_str(), letter.payer_claim_number.as_str()),
            (a.as_str(), "ICN1"),
            "{name}"
        );
        assert_eq!(letter.services.len(), 1, "{name}");
        assert!(
            letter.reasons[0].1.contains("medically necessary") && letter.argument.contains("coverage criteria"),
            "{name}"
        );
        assert!(settle_pdf::letters::appeal_letter(&letter).starts_with(b"%PDF-"), "{name}");
        assert_eq!(store.denial(&org, necessity.denial_id, today).await.unwrap().status, "appealed", "{name}");
        post(
            store,
            &org,
            "appeal-paid.835",
            era("EFT-DENY-2", &[(a.as_str(), vec![("99213", "125.00", "100.00", "25.00", "0.00")])]),
        )
        .await;
        assert_eq!(store.denial(&org, necessity.denial_id, today).await.unwrap().status, "resolved", "{name}");
        assert_eq!(store.claim(&org, &a).await.unwrap().status, "paid", "{name}");

        // B: corrected; once the correction is ready, the original's denials are closed as corrected.
        let correction = store.correct_claim(&org, &CorrectClaim { claim_number: b.clone() }, today).await.unwrap();
        let input = visit_of(store, &org, &correction.claim_number).await;
        store
            .edit_claim(
                &org,
                &EditClaim {
                    claim_number: correction.claim_number.clone(),
                    claim: input,
                    draft: false,
                },
                today,
                None,
            )
            .await
            .unwrap();
        assert_eq!(store.denial(&org, of(&b, 1).denial_id, today).await.unwrap().status, "corrected", "{name}");

        // C: a duplicate, written off; the claim owes nothing more and is paid.
        let dup = of(&c, 1);
        let no_memo = store
            .write_off_denial(
                &org,
                &WriteOffDenial {
                    denial_id: dup.denial_id,
                    date: today,
                    memo: " ".into(),
                },
            )
            .await
            .unwrap_err();
        assert!(matches!(no_memo, StoreError::Invalid { field: "memo", .. }), "{name}: {no_memo}");
        let written = store
            .write_off_denial(
                &org,
                &WriteOffDenial {
                    denial_id: dup.denial_id,
                    date: today,
                    memo: "the first claim for this visit was paid".into(),
                },
            )
            .await
            .unwrap();
        assert_eq!((written.status.as_str(), written.open.as_str()), ("written_off", "0.00"), "{name}");
        assert_eq!(store.claim(&org, &c).await.unwrap().status, "paid", "{name}");
        let again = store
            .write_off_denial(
                &org,
                &WriteOffDenial {
                    denial_id: dup.denial_id,
                    date: today,
                    memo: "again".into(),
                },
            )
            .await
            .unwrap_err();
        assert!(again.to_string().contains("written_off"), "{name}: {again}");
        assert!(store.denials(&org, &DenialFilter::default(), today).await.unwrap().is_empty(), "{name}");
        assert_verified(store, &org).await;
    }
}

#[tokio::test]
async fn a_reversal_takes_back_the_payment_and_the_patients_share() {
    for backend in all().await {
        let store = &backend.store;
        let name = backend.name;
        let org = clinic(store).await;
        let today = date(TODAY);
        let claim = store
            .create_claim(
                &org,
                &NewClaim {
                    claim: visit("P-1", &["E11.9"], "99213", vec![1]),
                    draft: false,
                },
                today,
                None,
            )
            .await
            .unwrap();
        let number = claim.claim_number;
        allow_sending(store, &org, "3055552222").await;
        store
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
        let lines = vec![("99213", "125.00", "80.00", "25.00", "20.00"), ("82947", "30.50", "20.00", "5.50", "5.00")];
        post(store, &org, "paid.835", era("EFT-R-1", &[(number.as_str(), lines)])).await;
        let patient = store.account_detail(&org, "P-1").await.unwrap().summary.balance;
        assert_eq!(patient, "25.00", "{name}");
        // The payer takes it all back (CLP02 22, every amount negated), then pays it again, less.
        let reversal = crate::claim_life::era_with(
            "EFT-R-2",
            "22",
            &[(
                number.as_str(),
                vec![
                    ("99213", "-125.00", "-80.00", "-25.00", "-20.00"),
                    ("82947", "-30.50", "-20.00", "-5.50", "-5.00"),
                ],
            )],
        );
        let again = era(
            "EFT-R-2",
            &[(
                number.as_str(),
                vec![("99213", "125.00", "70.00", "35.00", "20.00"), ("82947", "30.50", "20.00", "5.50", "5.00")],
            )],
        );
        // One ERA with both claims: the reversal's LX..REF, then the new payment's, and BPR the net.
        let take = |body: &str| body[body.find("~LX*").unwrap()..body.find("~SE*").unwrap()].to_string();
        let mut both = again.replacen(&take(&again), &format!("{}{}", take(&reversal), take(&again).replacen("LX*1", "LX*2", 1)), 1);
        both = both.replacen("BPR*I*90.00*", "BPR*I*-10.00*", 1);
        let segments = both[both.find("ST*835").unwrap()..both.find("~SE*").unwrap()].matches('~').count() + 2;
        let se = both.find("~SE*").unwrap() + 4;
        let end = se + both[se..].find('*').unwrap();
        both = format!("{}{segments}{}", &both[..se], &both[end..]);
        let outcome = store
            .post_835(
                &org,
                &Import835 {
                    file_name: "reprocessed.835".into(),
                    body: both,
                },
                today,
            )
            .await
            .unwrap();
        assert_eq!(outcome[0].claims[0].outcome, "reversed", "{name}: {outcome:#?}");
        assert_eq!(outcome[0].claims[1].outcome, "posted", "{name}: {outcome:#?}");
        // The first share is void; the new one is the same 25.00; the payer's account owes nothing.
        let detail = store.account_detail(&org, "P-1").await.unwrap();
        assert_eq!(detail.summary.balance, "25.00", "{name}");
        assert_eq!(insurance_balance(store, &org, "INS-66783JJT").await, "0.00", "{name}");
        assert_eq!(store.claim(&org, &number).await.unwrap().status, "paid", "{name}");
        assert_verified(store, &org).await;
    }
}
