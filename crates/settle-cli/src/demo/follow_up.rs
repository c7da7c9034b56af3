//! The demo practice's older claims, so the insurance follow-up list has
//! every state on first look: Blue Cross accepted claims 95 and 65 days ago
//! and has not paid them, Medicaid never acknowledged claims sent 35 days
//! ago, Aetna never acknowledged one near its 90-day filing limit and
//! rejected one that is now past it.

use anyhow::Result;
use jiff::ToSpan;
use settle_domain::Date;
use settle_store::claims::{ClaimInput, ClaimLineInput, ExportClaims, ImportAcknowledgment, NewClaim};
use settle_store::platform::Organisation;
use settle_store::Store;

/// (days before `as_of` the claims went out, payer, days the service came
/// before, how many, the payer's answer: Some(accepted) or None for none).
const WAVES: [(i64, &str, i64, usize, Option<bool>); 5] = [
    (95, "BCBS1", 4, 2, Some(true)),
    (65, "BCBS1", 3, 2, Some(true)),
    (35, "MCD01", 5, 2, None),
    (80, "60054", 2, 1, None),
    (97, "60054", 3, 1, Some(false)),
];

/// The first insured patients whose primary plan is `payer`.
async fn patients_of(store: &Store, org: &Organisation, insured: &[(String, Date)], payer: &str, n: usize) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for (account, _) in insured {
        let primary = store.coverages(org, account).await?.into_iter().find(|c| c.priority == "primary");
        if primary.is_some_and(|c| c.payer_code == payer) {
            out.push(account.clone());
            if out.len() == n {
                break;
            }
        }
    }
    Ok(out)
}

pub async fn older_claims(store: &Store, org: &Organisation, insured: &[(String, Date)], billing: &str, doctor: &str, as_of: Date) -> Result<usize> {
    let mut sent = 0;
    for (n, (ago, payer, before, count, answer)) in WAVES.into_iter().enumerate() {
        let day = as_of.checked_sub(ago.days())?;
        let served = day.checked_sub(before.days())?;
        for account in patients_of(store, org, insured, payer, count).await? {
            let input = ClaimInput {
                account_number: account,
                payer_code: None,
                billing_npi: billing.to_string(),
                rendering_npi: Some(doctor.to_string()),
                place_of_service: "11".into(),
                diagnoses: vec!["I10".into()],
                stated_total: None,
                facts: Default::default(),
                lines: vec![ClaimLineInput {
                    date_of_service: served,
                    procedure_code: "99214".into(),
                    modifiers: vec![],
                    diagnosis_pointers: vec![1],
                    units: settle_domain::units::Units::ONE,
                    charge: None,
                    place_of_service: None,
                    facts: Default::default(),
                }],
            };
            store.create_claim(org, &NewClaim { claim: input, draft: false }, day, None).await?;
        }
        let outcome = store
            .export_claims(
                org,
                &ExportClaims {
                    claims: vec![],
                    payer_code: payer.into(),
                    production: false,
                },
                day,
            )
            .await?;
        sent += outcome.claims.len();
        if let Some(accepted) = answer {
            let answers: Vec<(String, bool)> = outcome.claims.iter().map(|c| (c.clone(), accepted)).collect();
            let body = super::claims::payer_277ca(payer, 8000 + n as u32, day.checked_add(1.days())?, &answers);
            store
                .import_acknowledgment(
                    org,
                    &ImportAcknowledgment {
                        file_name: format!("{payer}-277CA-{ago}.txt"),
                        body,
                    },
                )
                .await?;
        }
    }
    Ok(sent)
}
