//! The demo practice's insurance side: payers, providers, coverages
//! (primary, secondary, dependents), a charge master, and a few hundred
//! visits billed as claims, sent as 837P and acknowledged by a make-believe
//! payer's 277CA, so that every claim status the claims issue knows shows up:
//! draft, scrubbed (with findings to fix), ready, submitted, accepted,
//! rejected (by 277CA and by 999), corrected (frequency 7) and voided.

use anyhow::Result;
use jiff::ToSpan;
use rand::rngs::StdRng;
use rand::Rng;
use settle_domain::codes::luhn_check_digit;
use settle_domain::units::Units;
use settle_domain::Date;
use settle_store::billing::SettingsUpdate;
use settle_store::claims::{
    ClaimInput, ClaimLineInput, CorrectClaim, EditClaim, ExportClaims, FeeEntry, ImportAcknowledgment, NewClaim, NewCoverage, NewPayer, NewProvider, VoidClaim,
    CHARGE_MASTER,
};
use settle_store::platform::Organisation;
use settle_store::Store;

/// Id, name, filing indicator, timely filing days, appeal days,
/// corrected-claim days (none: within the filing limit), address.
type DemoPayer = (&'static str, &'static str, &'static str, u32, u32, Option<u32>, &'static str);
const PAYERS: [DemoPayer; 5] = [
    ("MCRB1", "Medicare Part B", "MB", 365, 120, None, "PO Box 6703, Indianapolis, IN 46206-6703"),
    ("MCD01", "State Medicaid", "MC", 365, 90, None, "PO Box 19105, Springfield, IL 62794-9105"),
    (
        "BCBS1",
        "Blue Cross Blue Shield",
        "BL",
        180,
        180,
        Some(180),
        "300 E Randolph St, Chicago, IL 60601-5099",
    ),
    ("60054", "Aetna", "CI", 90, 180, Some(90), "PO Box 14463, Lexington, KY 40512-4463"),
    (
        "HMO77",
        "Prairie Health HMO",
        "HM",
        90,
        60,
        Some(60),
        "500 S 2nd St, Springfield, IL 62701-1704",
    ),
];

/// Code, charge, the diagnoses it goes with.
const SERVICES: [(&str, &str, &[&str]); 10] = [
    ("99213", "125.00", &["E11.9", "I10", "E78.5"]),
    ("99214", "185.00", &["E11.65", "I10", "N18.30"]),
    ("99203", "160.00", &["J06.9", "R05.9"]),
    ("99392", "150.00", &["Z00.129"]),
    ("99396", "210.00", &["Z00.00", "Z13.220"]),
    ("36415", "12.00", &["E11.9", "E78.5"]),
    ("80053", "45.00", &["E11.9", "N18.30"]),
    ("83036", "38.00", &["E11.9", "E11.65"]),
    ("90686", "42.00", &["Z23"]),
    ("93000", "65.00", &["I10", "R00.2"]),
];

fn npi(first_nine: &str) -> String {
    let digits: Vec<u32> = first_nine.bytes().map(|b| u32::from(b - b'0')).collect();
    format!("{first_nine}{}", luhn_check_digit(&digits))
}

/// A payer's 277CA for the claims given: accepted with a claim control
/// number, or rejected with a status code.
pub(super) fn payer_277ca(payer: &str, control: u32, day: Date, claims: &[(String, bool)]) -> String {
    let d = day.strftime("%Y%m%d").to_string();
    let short = day.strftime("%y%m%d").to_string();
    let mut s = vec![
        format!("ST*277*{control:04}*005010X214"),
        format!("BHT*0085*08*{control}*{d}*1200*TH"),
        "HL*1**20*1".to_string(),
        format!("NM1*PR*2*PAYER*****PI*{payer}"),
        format!("TRN*1*{control}"),
        format!("DTP*050*D8*{d}"),
        format!("DTP*009*D8*{d}"),
        "HL*2*1*21*1".to_string(),
        "NM1*41*2*SPRINGFIELD FAMILY MEDICINE*****46*376543210".to_string(),
        "HL*3*2*19*1".to_string(),
        "NM1*85*2*SPRINGFIELD FAMILY MEDICINE*****XX*1234567893".to_string(),
    ];
    for (i, (number, accepted)) in claims.iter().enumerate() {
        s.push(format!("HL*{}*3*PT", i + 4));
        s.push("NM1*QC*1*PATIENT*DEMO".to_string());
        s.push(format!("TRN*2*{number}"));
        if *accepted {
            s.push(format!("STC*A2:20*{d}*WQ*0"));
            s.push(format!("REF*1K*{}{:07}", day.strftime("%y%j"), control as usize * 1000 + i));
        } else {
            // 33: subscriber and subscriber id not found; 562: the NPI.
            let reason = if i % 2 == 0 { "A7:33:IL" } else { "A7:562:85" };
            s.push(format!("STC*{reason}*{d}*U*0"));
        }
    }
    let count = s.len() + 1;
    format!(
        "ISA*00*          *00*          *ZZ*{payer:<15}*ZZ*376543210      *{short}*1200*^*00501*{control:09}*0*T*:~GS*HN*{payer}*376543210*{d}*1200*{control}*X*005010X214~{}~SE*{count}*{control:04}~GE*1*{control}~IEA*1*{control:09}~",
        s.join("~")
    )
}

/// A payer's 835 for the claims given: each line paid at 70%, 20% written
/// down (CO-45) and 10% left to the patient (PR-1, the deductible); every
/// seventh claim denied (CO-50, CO-16 or CO-97, with remarks), every fifth
/// answered for its first line only, and every sixth Medicare claim paid at
/// 40% (below the fee schedule: an underpayment).
/// The patient as a payer names them in an 835 (NM1*QC).
fn patient_name(name: &str) -> String {
    let upper = name.to_uppercase();
    let (first, last) = upper.rsplit_once(' ').unwrap_or(("", upper.as_str()));
    format!("NM1*QC*1*{last}*{first}")
}

fn payer_835(payer: &str, control: u32, day: Date, claims: &[settle_store::claims::ClaimView]) -> String {
    let cents = |t: &str| -> i64 { t.replace('.', "").parse().unwrap_or(0) };
    let m = |v: i64| format!("{}.{:02}", v / 100, v % 100);
    let d = day.strftime("%Y%m%d").to_string();
    let mut s = vec![
        format!("ST*835*{control:04}*005010X221A1"),
        String::new(),
        format!("TRN*1*DEMO-{payer}-{d}*1999999999"),
    ];
    s.push(format!("N1*PR*{}", if payer == "MCRB1" { "MEDICARE PART B" } else { "AETNA" }));
    s.push("N3*PO BOX 1602".into());
    s.push("N4*OMAHA*NE*68101".into());
    s.push("N1*PE*SPRINGFIELD FAMILY MEDICINE*XX*1234567893".into());
    let mut total = 0;
    for (i, c) in claims.iter().enumerate() {
        let denied = i % 7 == 3;
        let lines: Vec<_> = if i % 5 == 4 {
            c.lines.iter().take(1).collect()
        } else {
            c.lines.iter().collect()
        };
        let mut answers = Vec::new();
        for l in &lines {
            let charge = cents(&l.charge);
            // Every sixth Medicare claim is paid short of the fee schedule (an underpayment).
            let pay = if payer == "MCRB1" && i % 6 == 1 { 4 } else { 7 };
            let (paid, down, patient) = if denied {
                (0, charge, 0)
            } else {
                (charge * pay / 10, charge - charge * pay / 10 - charge / 10, charge / 10)
            };
            answers.push((l, charge, paid, down, patient));
        }
        // The claim's charge as answered here: lines not answered yet stay owed.
        let charge: i64 = answers.iter().map(|a| a.1).sum();
        let paid: i64 = answers.iter().map(|a| a.2).sum();
        let patient: i64 = answers.iter().map(|a| a.4).sum();
        total += paid;
        s.push(format!("LX*{}", i + 1));
        s.push(format!(
            "CLP*{}*{}*{}*{}*{}*12*DEMO{control}{i:04}",
            c.claim_number,
            if denied { 4 } else { 1 },
            m(charge),
            m(paid),
            m(patient)
        ));
        s.push(patient_name(&c.patient_name));
        for (l, ch, pd, dn, pt) in &answers {
            let modifiers: String = l.modifiers.iter().map(|x| format!(":{x}")).collect();
            s.push(format!("SVC*HC:{}{modifiers}*{}*{}", l.procedure_code, m(*ch), m(*pd)));
            s.push(format!("DTM*472*{}", l.date_of_service.replace('-', "")));
            // Denials vary: not medically necessary (CO-50, under a local coverage
            // determination), missing information (CO-16, to correct), or bundled (CO-97).
            let (reason, remark) = match (i / 7) % 3 {
                0 => ("50", Some("N115")),
                1 => ("16", Some("MA130")),
                _ => ("97", None),
            };
            if *dn > 0 {
                s.push(format!("CAS*CO*{}*{}", if denied { reason } else { "45" }, m(*dn)));
            }
            if *pt > 0 {
                s.push(format!("CAS*PR*1*{}", m(*pt)));
            }
            s.push(format!("REF*6R*{}-{}", c.claim_number, l.line_no));
            if let (true, Some(remark)) = (denied, remark) {
                s.push(format!("LQ*HE*{remark}"));
            }
        }
    }
    if payer == "MCRB1" {
        // A claim number Medicare keyed wrong: its 40.00 waits in suspense on the
        // exception list until someone matches it. And interest for paying late (PLB L6).
        s.push(format!("LX*{}", claims.len() + 1));
        s.push(format!("CLP*CLM-00X042*1*80.00*40.00**12*DEMO{control}9999"));
        s.push("NM1*QC*1*UNKNOWN*PATIENT".into());
        s.push("SVC*HC:99213*80.00*40.00".into());
        s.push(format!("DTM*472*{d}"));
        s.push("CAS*CO*45*40.00".into());
        total += 4_000;
        s.push(format!("PLB*1234567893*{d}*L6*-3.27"));
        total += 327;
    } else {
        // Aetna recoups an overpayment from an earlier year out of this payment (PLB WO).
        s.push(format!("PLB*1234567893*{d}*WO:OVP-2025-0113*15.00"));
        total -= 1_500;
    }
    s[1] = format!("BPR*I*{}*C*ACH*CCP*01*999999999*DA*123456*1999999999**01*999888777*DA*654321*{d}", m(total));
    let count = s.len() + 1;
    format!(
        "ISA*00*          *00*          *ZZ*{payer:<15}*ZZ*376543210      *{}*1200*^*00501*{control:09}*0*P*:~GS*HP*{payer}*376543210*{d}*1200*{control}*X*005010X221A1~{}~SE*{count}*{control:04}~GE*1*{control}~IEA*1*{control:09}~",
        day.strftime("%y%m%d"),
        s.join("~")
    )
}

/// Medicare's second answer for a claim it paid at 40%: the first payment
/// reversed (every amount negated, CLP02 22) and the claim paid again at
/// 70% with 20% written down and 10% to the patient.
fn reprocessed_835(control: u32, day: Date, c: &settle_store::claims::ClaimView) -> String {
    let cents = |t: &str| -> i64 { t.replace('.', "").parse().unwrap_or(0) };
    let m = |v: i64| format!("{}{}.{:02}", if v < 0 { "-" } else { "" }, v.abs() / 100, v.abs() % 100);
    let d = day.strftime("%Y%m%d").to_string();
    let mut s = vec![
        format!("ST*835*{control:04}*005010X221A1"),
        String::new(),
        format!("TRN*1*DEMO-MCRB1-{d}-R*1999999999"),
        "N1*PR*MEDICARE PART B".into(),
        "N3*PO BOX 1602".into(),
        "N4*OMAHA*NE*68101".into(),
        "N1*PE*SPRINGFIELD FAMILY MEDICINE*XX*1234567893".into(),
    ];
    let mut total = 0;
    for (n, (status, pay, sign)) in [("22", 4, -1), ("1", 7, 1)].into_iter().enumerate() {
        let answers: Vec<(i64, i64, i64, i64)> = c
            .lines
            .iter()
            .map(|l| {
                let charge = cents(&l.charge);
                let paid = charge * pay / 10;
                (charge, paid, charge - paid - charge / 10, charge / 10)
            })
            .collect();
        let paid: i64 = answers.iter().map(|a| a.1).sum();
        let charge: i64 = answers.iter().map(|a| a.0).sum();
        let patient: i64 = answers.iter().map(|a| a.3).sum();
        total += sign * paid;
        s.push(format!("LX*{}", n + 1));
        s.push(format!(
            "CLP*{}*{status}*{}*{}*{}*12*DEMOR{control}{n}",
            c.claim_number,
            m(sign * charge),
            m(sign * paid),
            m(sign * patient)
        ));
        s.push(patient_name(&c.patient_name));
        for (l, (ch, pd, dn, pt)) in c.lines.iter().zip(&answers) {
            let modifiers: String = l.modifiers.iter().map(|x| format!(":{x}")).collect();
            s.push(format!("SVC*HC:{}{modifiers}*{}*{}", l.procedure_code, m(sign * ch), m(sign * pd)));
            s.push(format!("DTM*472*{}", l.date_of_service.replace('-', "")));
            s.push(format!("CAS*CO*45*{}", m(sign * dn)));
            s.push(format!("CAS*PR*1*{}", m(sign * pt)));
            s.push(format!("REF*6R*{}-{}", c.claim_number, l.line_no));
        }
    }
    s[1] = format!("BPR*I*{}*C*ACH*CCP*01*999999999*DA*123456*1999999999**01*999888777*DA*654321*{d}", m(total));
    let count = s.len() + 1;
    format!(
        "ISA*00*          *00*          *ZZ*MCRB1          *ZZ*376543210      *{}*1300*^*00501*{control:09}*0*P*:~GS*HP*MCRB1*376543210*{d}*1300*{control}*X*005010X221A1~{}~SE*{count}*{control:04}~GE*1*{control}~IEA*1*{control:09}~",
        day.strftime("%y%m%d"),
        s.join("~")
    )
}

pub async fn build(store: &Store, org: &Organisation, patients: u32, as_of: Date, rng: &mut StdRng) -> Result<String> {
    let settings = store.settings(org).await?;
    store
        .update_settings(
            org,
            &SettingsUpdate {
                default_terms: settings.default_terms,
                aging_buckets: settings.aging_buckets,
                writeoff_approval_limit: settings.writeoff_approval_limit,
                refund_approval_limit: None,
                bills_insurance: None,
                x12_submitter_id: Some("376543210".into()),
                x12_contact_phone: Some("2175550100".into()),
                scrub_rules_off: None,
            },
        )
        .await?;
    // Payments go to a lockbox, as most practices' do; the letterhead is the provider's.
    store
        .set_letterhead(
            org,
            &settle_store::billing::LetterheadSettings {
                remit_to: "PO Box 4410, Springfield, IL 62708".into(),
                phone: "2175550100".into(),
                payment_instructions: "Online: pay.springfieldfamily.example with your account number.".into(),
                ..Default::default()
            },
        )
        .await?;
    for (code, name, filing, days, appeal_days, corrected_claim_days, address) in PAYERS {
        store
            .add_payer(
                org,
                &NewPayer {
                    payer_code: code.into(),
                    name: name.into(),
                    filing_indicator: filing.into(),
                    timely_filing_days: days,
                    appeal_days: Some(appeal_days),
                    corrected_claim_days,
                    address: address.into(),
                },
            )
            .await?;
    }
    let billing = npi("123456789");
    store
        .add_provider(
            org,
            &NewProvider {
                npi: billing.clone(),
                name: "Springfield Family Medicine".into(),
                kind: "organisation".into(),
                taxonomy: "207Q00000X".into(),
                tax_id: "376543210".into(),
                address: "1200 Lincoln Ave, Springfield, IL 62704-1234".into(),
                // Payers mail checks to the practice's bank lockbox.
                pay_to: "PO Box 4410, Springfield, IL 62708-4410".into(),
            },
        )
        .await?;
    let mut doctors = Vec::new();
    for (base, name, taxonomy) in [
        ("198765432", "Rosa Alvarez", "207Q00000X"),
        ("167845321", "Samuel Okafor", "208D00000X"),
        ("145678912", "Lena Kim", "208000000X"),
    ] {
        let n = npi(base);
        store
            .add_provider(
                org,
                &NewProvider {
                    npi: n.clone(),
                    name: name.into(),
                    kind: "person".into(),
                    taxonomy: taxonomy.into(),
                    tax_id: String::new(),
                    address: Default::default(),
                    pay_to: Default::default(),
                },
            )
            .await?;
        doctors.push(n);
    }
    let mut fees: Vec<FeeEntry> = SERVICES
        .iter()
        .map(|(code, price, _)| FeeEntry {
            procedure_code: code.to_string(),
            modifier: String::new(),
            effective_from: Date::constant(2020, 1, 1),
            amount: price.to_string(),
        })
        .collect();
    store.import_fee_schedule(org, CHARGE_MASTER, &fees).await?;
    for fee in &mut fees {
        let minor: i64 = fee.amount.replace('.', "").parse().unwrap_or(0);
        let allowed = minor * 62 / 100;
        fee.amount = format!("{}.{:02}", allowed / 100, allowed % 100);
    }
    store.import_fee_schedule(org, "MCRB1", &fees).await?;

    // Coverages: adults carry their own; children are on a parent's plan;
    // people over 65 have Medicare first and a Blue Cross supplement.
    let mut insured: Vec<(String, Date)> = Vec::new();
    for n in 1..=patients.min(400) {
        let number = format!("P-{n:06}");
        let detail = store.account_detail(org, &number).await?;
        let Some(born) = detail.date_of_birth.as_deref().and_then(|d| d.parse::<Date>().ok()) else {
            continue;
        };
        let age = (as_of - born).get_days() / 365;
        let from = Date::constant(2025, 1, 1);
        let member = format!("{}{:08}", ["W", "X", "Y", "Z"][rng.gen_range(0..4)], rng.gen_range(10_000_000..99_999_999));
        let mut cover = |payer: &str, priority: &str, relationship: &str, subscriber: String| NewCoverage {
            subscriber_name_parts: None,
            account_number: number.clone(),
            payer_code: payer.into(),
            member_id: member.clone(),
            group_number: format!("G{}", rng.gen_range(1000..9999)),
            subscriber_name: subscriber,
            relationship: relationship.into(),
            priority: priority.into(),
            effective_from: from,
            effective_to: None,
        };
        let family = detail.summary.name.split(' ').next_back().unwrap_or("Doe").to_string();
        let plans: Vec<NewCoverage> = if age >= 65 {
            vec![
                cover("MCRB1", "primary", "self", String::new()),
                cover("BCBS1", "secondary", "self", String::new()),
            ]
        } else if age < 18 {
            let payer = ["MCD01", "60054", "HMO77"][n as usize % 3];
            vec![cover(payer, "primary", "child", format!("Morgan {family}"))]
        } else if n % 9 == 0 {
            continue; // self-pay
        } else {
            vec![cover(["60054", "BCBS1", "HMO77"][n as usize % 3], "primary", "self", String::new())]
        };
        if age < 18 {
            store
                .set_guarantor(
                    org,
                    &settle_store::claims::SetGuarantor {
                        name_parts: None,
                        account_number: number.clone(),
                        relationship: "parent".into(),
                        name: format!("Morgan {family}"),
                        phone: detail.contacts.iter().find(|c| c.kind == "phone").map(|c| c.value.clone()),
                        email: None,
                        address: detail.contacts.iter().find(|c| c.kind == "address").map(|c| c.value.clone().into()),
                    },
                )
                .await?;
        }
        for plan in plans {
            store.add_coverage(org, &plan).await?;
        }
        insured.push((number, born));
    }

    // A payer's authorization on file for the first insured patient's
    // office visits: the claims for them carry its number and count it.
    if let Some((account, _)) = insured.first() {
        if let Some(primary) = store.coverages(org, account).await?.into_iter().find(|c| c.priority == "primary") {
            let cmd = settle_store::claims::NewAuthorization {
                account_number: account.clone(),
                payer_code: primary.payer_code,
                kind: "prior_authorization".into(),
                number: "PA-2026-0042".into(),
                procedures: "99213 99214".into(),
                allowed: Some(Units::whole(6)),
                counts: Some("visits".into()),
                valid_from: as_of.checked_sub(120.days()).unwrap_or(as_of),
                valid_to: as_of.checked_add(60.days()).unwrap_or(as_of),
                note: "six office visits, approved by phone".into(),
            };
            store.add_authorization(org, &cmd, as_of).await?;
        }
    }
    // Claims sent weeks ago that payers have not finished with.
    let older = super::follow_up::older_claims(store, org, &insured, &billing, &doctors[0], as_of).await?;
    // Visits over the last four months.
    let mut created = Vec::new();
    for (i, (account, _)) in insured.iter().cycle().take(insured.len().min(320)).enumerate() {
        let dos = as_of.checked_sub(rng.gen_range(1..96).days()).unwrap_or(as_of);
        let visit = rng.gen_range(0..3);
        let (code, _, dx) = SERVICES[visit];
        let mut diagnoses: Vec<String> = dx.iter().map(|d| d.to_string()).collect();
        let mut lines = vec![ClaimLineInput {
            date_of_service: dos,
            procedure_code: code.into(),
            modifiers: if i % 5 == 0 { vec!["25".into()] } else { vec![] },
            diagnosis_pointers: (1..=diagnoses.len() as u8).take(4).collect(),
            units: Units::ONE,
            charge: None,
            place_of_service: None,
            facts: Default::default(),
        }];
        for extra in [5usize, 6, 7].into_iter().filter(|_| rng.gen_bool(0.4)) {
            lines.push(ClaimLineInput {
                date_of_service: dos,
                procedure_code: SERVICES[extra].0.into(),
                modifiers: vec![],
                diagnosis_pointers: vec![1],
                units: Units::ONE,
                charge: None,
                place_of_service: None,
                facts: Default::default(),
            });
        }
        // A few with mistakes the scrubber catches.
        match i % 37 {
            3 => diagnoses[0] = "E11".into(),
            8 => lines[0].diagnosis_pointers = vec![5],
            13 => lines[0].modifiers = vec!["LT".into(), "RT".into()],
            _ => {}
        }
        let input = ClaimInput {
            account_number: account.clone(),
            payer_code: None,
            billing_npi: billing.clone(),
            rendering_npi: Some(doctors[i % doctors.len()].clone()),
            place_of_service: if i % 17 == 0 { "02".into() } else { "11".into() },
            facts: facts_for(i, dos, &mut lines, &doctors),
            diagnoses,
            lines,
            stated_total: None,
        };
        let draft = i % 41 == 40;
        let view = store.create_claim(org, &NewClaim { claim: input, draft }, as_of, None).await?;
        created.push(view);
    }
    let (mut sent, mut accepted, mut rejected) = (0, 0, 0);
    let mut control = 9000;
    for (payer, ..) in PAYERS {
        let outcome = store
            .export_claims(
                org,
                &ExportClaims {
                    claims: vec![],
                    payer_code: payer.into(),
                    production: false,
                },
                as_of,
            )
            .await?;
        if outcome.claims.is_empty() {
            continue;
        }
        sent += outcome.claims.len();
        control += 1;
        if payer == "HMO77" {
            // The clearinghouse refused this file outright: a 999 rejection.
            let group = outcome.interchange_control;
            let d = as_of.strftime("%Y%m%d").to_string();
            let body = format!(
                "ISA*00*          *00*          *ZZ*HMO77          *ZZ*376543210      *{}*1200*^*00501*{control:09}*0*T*:~\
GS*FA*HMO77*376543210*{d}*1200*{control}*X*005010X231A1~ST*999*0001*005010X231A1~AK1*HC*{group}*005010X222A1~\
AK2*837*{group:04}~IK3*NM1*9*2010BA*8~IK4*9*67*7*XX~IK5*R*5~AK9*R*1*1*0~SE*8*0001~GE*1*{control}~IEA*1*{control:09}~",
                as_of.strftime("%y%m%d")
            );
            let ack = store
                .import_acknowledgment(
                    org,
                    &ImportAcknowledgment {
                        file_name: "HMO77-999.txt".into(),
                        body,
                    },
                )
                .await?;
            rejected += ack.applied.len();
            continue;
        }
        // Blue Cross has not answered for its last third yet: those stay submitted.
        let answered = if payer == "BCBS1" {
            outcome.claims.len() * 2 / 3
        } else {
            outcome.claims.len()
        };
        let answers: Vec<(String, bool)> = outcome
            .claims
            .iter()
            .take(answered)
            .enumerate()
            .map(|(i, c)| (c.clone(), i % 12 != 5))
            .collect();
        accepted += answers.iter().filter(|a| a.1).count();
        rejected += answers.iter().filter(|a| !a.1).count();
        store
            .import_acknowledgment(
                org,
                &ImportAcknowledgment {
                    file_name: format!("{payer}-277CA.txt"),
                    body: payer_277ca(payer, control, as_of, &answers),
                },
            )
            .await?;
    }
    // The payers pay: an ERA each from Aetna and Medicare for their accepted
    // claims (most paid with a write-down and a patient share, one denied,
    // one left partly open), posted like any other.
    let mut remitted = 0;
    let mut underpaid = None;
    for (n, payer) in ["60054", "MCRB1"].into_iter().enumerate() {
        let claims = store
            .claims(
                org,
                &settle_store::claims::ClaimFilter {
                    status: Some("accepted".into()),
                    payer_code: Some(payer.into()),
                    ..Default::default()
                },
            )
            .await?;
        let mut views = Vec::new();
        for c in claims.iter().skip(2).take(25) {
            views.push(store.claim(org, &c.claim_number).await?);
        }
        if views.is_empty() {
            continue;
        }
        if payer == "MCRB1" && views.len() > 1 {
            underpaid = Some(views[1].clone());
        }
        let body = payer_835(payer, n as u32 + 1, as_of, &views);
        let posted = store
            .post_835(
                org,
                &settle_store::claims::Import835 {
                    file_name: format!("{payer}-ERA.835"),
                    body,
                },
                as_of,
            )
            .await?;
        remitted += posted.iter().map(|r| r.posted).sum::<i64>();
    }
    // Medicare reprocesses the claim it underpaid: a reversal of the first
    // payment (CLP02 22) and the claim paid again at the right rate.
    if let Some(claim) = underpaid {
        store
            .post_835(
                org,
                &settle_store::claims::Import835 {
                    file_name: "MCRB1-reprocessed.835".into(),
                    body: reprocessed_835(9, as_of, &claim),
                },
                as_of,
            )
            .await?;
    }
    // Medicare's patients with a Blue Cross supplement: the supplement is billed
    // next, with Medicare's answer in the claim; their statements wait for it.
    let mut secondaries = 0;
    for due in store.secondaries_due(org).await?.into_iter().take(4) {
        let cmd = settle_store::claims::BillSecondary {
            claim_number: due.claim_number,
        };
        if store.bill_secondary(org, &cmd, as_of).await.is_ok() {
            secondaries += 1;
        }
    }
    // Statements for what the ERAs left to patients.
    let statements = store
        .run_statements(
            org,
            &settle_store::claims::StatementRun {
                as_of,
                cycle_days: None,
                min_balance: None,
                dry_run: false,
                account_number: None,
            },
        )
        .await?;
    // A correction and a void among the accepted ones.
    let accepted_claims = store
        .claims(
            org,
            &settle_store::claims::ClaimFilter {
                status: Some("accepted".into()),
                ..Default::default()
            },
        )
        .await?;
    if let Some(first) = accepted_claims.first() {
        let correction = store
            .correct_claim(
                org,
                &CorrectClaim {
                    claim_number: first.claim_number.clone(),
                },
                as_of,
            )
            .await?;
        let view = store.claim(org, &correction.claim_number).await?;
        let input = ClaimInput {
            account_number: view.account_number,
            payer_code: Some(view.payer_code),
            billing_npi: view.billing_npi,
            rendering_npi: view.rendering_npi,
            place_of_service: view.place_of_service,
            diagnoses: view.diagnoses,
            stated_total: None,
            lines: view
                .lines
                .iter()
                .map(|l| ClaimLineInput {
                    date_of_service: l.date_of_service.parse().unwrap_or(as_of),
                    procedure_code: l.procedure_code.clone(),
                    modifiers: vec!["25".into()],
                    diagnosis_pointers: l.diagnosis_pointers.clone(),
                    units: l.units,
                    charge: Some(l.charge.clone()),
                    place_of_service: l.place_of_service.clone(),
                    facts: l.facts.clone(),
                })
                .collect(),
            facts: view.facts,
        };
        store
            .edit_claim(
                org,
                &EditClaim {
                    claim_number: correction.claim_number,
                    claim: input,
                    draft: false,
                },
                as_of,
                None,
            )
            .await?;
    }
    if let Some(second) = accepted_claims.get(1) {
        store
            .void_claim(
                org,
                &VoidClaim {
                    claim_number: second.claim_number.clone(),
                    reason: "billed to the wrong payer".into(),
                },
                as_of,
            )
            .await?;
    }
    // New visits since the last batch: ready to send.
    let mut ready = 0;
    for (i, (account, _)) in insured.iter().take(20).enumerate() {
        let dos = as_of.checked_sub((1 + i as i64 % 5).days()).unwrap_or(as_of);
        let mut lines = vec![ClaimLineInput {
            date_of_service: dos,
            procedure_code: "99213".into(),
            modifiers: vec![],
            diagnosis_pointers: vec![1],
            units: Units::ONE,
            charge: None,
            place_of_service: None,
            facts: Default::default(),
        }];
        if i % 6 == 1 {
            // The office's HbA1c kit is a waived test; the practice holds a
            // CLIA certificate of waiver, so the line carries QW.
            lines.push(ClaimLineInput {
                procedure_code: "83036".into(),
                modifiers: vec!["QW".into()],
                charge: None,
                ..lines[0].clone()
            });
        }
        let input = ClaimInput {
            account_number: account.clone(),
            payer_code: None,
            billing_npi: billing.clone(),
            rendering_npi: Some(doctors[i % doctors.len()].clone()),
            place_of_service: "11".into(),
            diagnoses: vec!["I10".into()],
            stated_total: None,
            facts: facts_for(i, dos, &mut lines, &doctors),
            lines,
        };
        if store.create_claim(org, &NewClaim { claim: input, draft: false }, as_of, None).await?.status == "ready" {
            ready += 1;
        }
    }
    let counts = store.claim_counts(org).await?;
    Ok(format!(
        "{} insured patients, {} claims: {sent} sent ({accepted} accepted, {rejected} rejected by 277CA or 999), {remitted} paid by ERA (one reversed and paid again, one left in suspense on the exception list), {secondaries} secondary claim(s) billed, {ready} new ready to send, {older} sent weeks ago and not yet paid (the follow-up list); {} patient statement(s) for {}; by status: {}",
        insured.len(),
        counts.values().sum::<i64>(),
        statements.count,
        statements.total,
        counts.iter().map(|(s, n)| format!("{s} {n}")).collect::<Vec<_>>().join(", ")
    ))
}

/// What a visit's payer needs beyond its codes, as a practice's claims
/// have it: the laboratory's CLIA number on claims with lab tests; now and
/// then a referral from another doctor (HMO plans ask for it), a
/// steroid injection with its drug's NDC (Medicaid asks for it), and an
/// auto accident with its state and date.
fn facts_for(i: usize, dos: Date, lines: &mut Vec<ClaimLineInput>, doctors: &[String]) -> settle_domain::claim_facts::ClaimFacts {
    use settle_domain::claim_facts::{ClaimFacts, Drug, LineFacts, NamedProvider, RelatedCauses};
    let mut facts = ClaimFacts::default();
    if lines.iter().any(|l| ["80053", "83036"].contains(&l.procedure_code.as_str())) {
        facts.clia_number = "14D0987654".into();
    }
    if i % 7 == 2 {
        facts.referral_number = format!("REF-{:05}", 40_000 + i);
        facts.referring_provider = Some(NamedProvider {
            last: "Okafor".into(),
            first: "Ngozi".into(),
            npi: doctors.last().cloned().unwrap_or_default(),
        });
    }
    if i % 13 == 4 {
        lines.push(ClaimLineInput {
            date_of_service: dos,
            procedure_code: "J3301".into(),
            modifiers: vec![],
            diagnosis_pointers: vec![1],
            units: Units::whole(4),
            charge: Some("36.00".into()),
            place_of_service: None,
            facts: LineFacts {
                drug: Some(Drug {
                    ndc: "0003-0293-05".into(),
                    quantity: "1".into(),
                    unit: "ML".into(),
                    prescription_number: String::new(),
                }),
                ..LineFacts::default()
            },
        });
    }
    if i % 29 == 9 {
        facts.related_causes = RelatedCauses {
            auto_accident: true,
            auto_accident_state: "IL".into(),
            ..RelatedCauses::default()
        };
        facts.accident_date = dos.checked_sub(jiff::ToSpan::days(3)).ok();
    }
    facts
}
