//! `settle demo`: a medical practice and a small business with 18 months of
//! invoices, full and partial payments, overpayments, returned checks,
//! write-offs and refunds. Deterministic for a given seed and date.

pub mod ach;
pub mod books_out;
pub mod claims;
pub mod collections;
pub mod follow_up;

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use jiff::ToSpan;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use settle_domain::access::Role;
use settle_domain::aging::AgingBuckets;
use settle_domain::money::{Currency, Money};
use settle_domain::Date;
use settle_store::billing::*;
use settle_store::bulk::BulkCommand;
use settle_store::platform::Organisation;
use settle_store::Store;

use crate::output;

const GIVEN: &[&str] = &[
    "Maria", "James", "Aisha", "Wei", "Olivia", "Carlos", "Fatima", "Noah", "Priya", "Liam", "Sofia", "Kwame", "Emma", "Mateo", "Hana", "Lucas", "Zara",
    "Ethan", "Ines", "Omar",
];
const FAMILY: &[&str] = &[
    "Garcia", "Smith", "Okafor", "Chen", "Johnson", "Patel", "Nguyen", "Brown", "Kowalski", "Haddad", "Silva", "Kim", "Martin", "Rossi", "Ali", "Jensen",
    "Lopez", "Novak", "Tanaka", "Murphy",
];
const COMPANIES: &[&str] = &[
    "Harbor",
    "Summit",
    "Bluebird",
    "Granite",
    "Maple",
    "Pioneer",
    "Riverside",
    "Keystone",
    "Lakeside",
    "Evergreen",
];
const COMPANY_KINDS: &[&str] = &[
    "Dental",
    "Logistics",
    "Bakery",
    "Law Office",
    "Auto Repair",
    "Architects",
    "Cafe",
    "Print Shop",
    "Florist",
    "Fitness",
];

/// (code, description, price) for office visits and procedures.
const CLINIC_SERVICES: &[(&str, &str, &str)] = &[
    ("99213", "Office visit, established patient, low complexity", "125.00"),
    ("99214", "Office visit, established patient, moderate complexity", "185.00"),
    ("99203", "Office visit, new patient, low complexity", "160.00"),
    ("36415", "Routine venipuncture", "18.00"),
    ("81002", "Urinalysis, non-automated", "12.00"),
    ("90471", "Immunization administration", "32.00"),
    ("93000", "Electrocardiogram, complete", "68.00"),
];
const SUPPLY_ITEMS: &[(&str, &str, &str)] = &[
    ("PAPER-A4", "Copy paper, case of 10 reams", "48.99"),
    ("TONER-85A", "Toner cartridge", "79.50"),
    ("CHAIR-ERG", "Ergonomic office chair", "289.00"),
    ("SVC-HOUR", "On-site service, per hour", "95.00"),
    ("PENS-BOX", "Ballpoint pens, box of 50", "12.75"),
];

struct Profile {
    slug: &'static str,
    name: &'static str,
    ar_kind: &'static str,
    terms: &'static str,
    services: &'static [(&'static str, &'static str, &'static str)],
    tax_rate: &'static str,
}

const PROFILES: [Profile; 2] = [
    Profile {
        slug: "clinic",
        name: "Riverside Family Medicine",
        ar_kind: "patient",
        terms: "net30",
        services: CLINIC_SERVICES,
        tax_rate: "0",
    },
    Profile {
        slug: "supply",
        name: "Harbor Office Supply",
        ar_kind: "customer",
        terms: "net30",
        services: SUPPLY_ITEMS,
        tax_rate: "7.25",
    },
];

const STREETS: [&str; 6] = ["Main Street", "Oak Avenue", "Lincoln Ave", "Cedar Lane", "Washington St", "Maple Drive"];

fn cents(minor: i64) -> String {
    format!("{}.{:02}", minor / 100, minor % 100)
}

pub async fn run(store: &Store, accounts: u32, as_of: Date, seed: u64, hints: bool) -> Result<()> {
    let existing = store.organisations().await?;
    let start = as_of.checked_sub(18.months()).context("demo date out of range")?;
    for profile in &PROFILES {
        if existing.iter().any(|o| o.slug == profile.slug) {
            println!("Organisation {} already exists; leaving it as it is.", profile.slug);
            continue;
        }
        let org = store.create_organisation(profile.slug, profile.name, "USD").await?;
        if profile.ar_kind != "patient" {
            // A business bills no insurance: its pages show no claims.
            let s = store.settings(&org).await?;
            let update = settle_store::billing::SettingsUpdate {
                default_terms: s.default_terms,
                aging_buckets: s.aging_buckets,
                writeoff_approval_limit: s.writeoff_approval_limit,
                refund_approval_limit: None,
                bills_insurance: Some(false),
                x12_submitter_id: None,
                x12_contact_phone: None,
                scrub_rules_off: None,
            };
            store.update_settings(&org, &update).await?;
            // A business prints its own name and address on its invoices.
            store
                .set_letterhead(
                    &org,
                    &settle_store::billing::LetterheadSettings {
                        name: profile.name.into(),
                        address: "45 Harbor Way, Portland, ME 04101".into(),
                        phone: "2075550142".into(),
                        payment_instructions: "Bank transfer (ACH): routing 011000138, account 4429 1180 22, with the invoice number.".into(),
                        ..Default::default()
                    },
                )
                .await?;
        }
        let mut rng = StdRng::seed_from_u64(seed ^ u64::from(profile.slug.len() as u32));
        let mut followups = Vec::new();
        let commands = generate(profile, accounts, start, as_of, &mut rng, &mut followups);
        let bar = ProgressBar::new(commands.len() as u64);
        bar.set_style(
            ProgressStyle::with_template("{msg:10} [{bar:40}] {pos}/{len} commands ({eta})")
                .expect("valid template")
                .progress_chars("=> "),
        );
        bar.set_message(profile.slug);
        let outcome = store.bulk_apply(&org, commands, &mut |done| bar.set_position(done)).await?;
        bar.finish_and_clear();
        // Returned checks, write-offs and refunds go one at a time, through
        // the same commands a user would run.
        let (mut reversals, mut write_offs, mut refunds) = (0, 0, 0);
        for followup in followups {
            match followup {
                Followup::WriteOff(account, date) => {
                    let detail = store.account_detail(&org, &account).await?;
                    if let Some(item) = detail.items.iter().find(|i| i.status == "open") {
                        let cmd = NewAdjustment {
                            reference: item.reference.clone(),
                            reason: "bad_debt_write_off".into(),
                            amount: item.balance.clone(),
                            date,
                            memo: "uncollectable after 120 days".into(),
                        };
                        store.adjust(&org, &cmd, None).await?;
                        write_offs += 1;
                    }
                }
                Followup::Refund(account, date) => {
                    let credit = store.account_detail(&org, &account).await?.summary.credit;
                    if credit != "0.00"
                        && store
                            .refund(
                                &org,
                                &NewRefund {
                                    account_number: account,
                                    amount: credit,
                                    method: "check".into(),
                                    reference: "overpayment".into(),
                                    date,
                                },
                                None,
                            )
                            .await
                            .is_ok()
                    {
                        refunds += 1;
                    }
                }
            }
        }
        let payments: Vec<(i64, Date)> = sample_payments(store, &org, &mut rng).await?;
        for (payment_id, received) in payments {
            let date = received.checked_add(5.days()).unwrap_or(received).min(as_of);
            if store
                .reverse_payment(
                    &org,
                    &ReversePayment {
                        payment_id,
                        date,
                        reason: "Returned check: NSF".into(),
                        fee: Some("25.00".into()),
                    },
                    None,
                )
                .await
                .is_ok()
            {
                reversals += 1;
            }
        }
        println!(
            "Built {} ({}): {} accounts, {} invoices, {} payments, {} returned checks, {} write-offs, {} refunds.",
            org.name, org.slug, outcome.accounts, outcome.invoices, outcome.payments, reversals, write_offs, refunds
        );
        if profile.ar_kind == "patient" {
            let claims = crate::demo::claims::build(store, &org, accounts, as_of, &mut rng).await?;
            println!("Insurance for {}: {claims}.", org.slug);
        }
        let collections = crate::demo::collections::build(store, &org, as_of).await?;
        println!("Collections for {}: {collections}.", org.slug);
        let ach = crate::demo::ach::build(store, &org, as_of).await?;
        println!("ACH for {}: {ach}.", org.slug);
        let books = crate::demo::books_out::build(store, &org, as_of).await?;
        println!("Books out for {}: {books}.", org.slug);
    }
    for profile in &PROFILES {
        let org = store.organisation(Some(profile.slug)).await?;
        println!("\n== {} ({}) ==", org.name, org.slug);
        let report = store.aging(&org, as_of, &AgingBuckets::default(), None).await?;
        output::aging(&report, false, crate::Format::Table)?;
        println!();
        output::trial_balance(&store.trial_balance(&org, None).await?, crate::Format::Table)?;
        let verify = store.verify(&org).await?;
        println!("\nverify: {} entries checked, {} disagreements.", verify.entries, verify.discrepancies.len());
    }
    if !hints {
        return Ok(());
    }
    // From a checkout `settle` is not on the PATH yet, so show the form that works there too.
    println!("\nNext, from this checkout (or with `settle` in place of `cargo run --release --`):");
    println!("  cargo run --release -- --org clinic account list --with-balance");
    println!("  cargo run --release -- --org supply report aging --by account");
    println!("  cargo run --release -- demo --serve   # the pages and the API at http://127.0.0.1:8080, with a login for each role");
    Ok(())
}

enum Followup {
    WriteOff(String, Date),
    Refund(String, Date),
}

fn generate(profile: &Profile, accounts: u32, start: Date, as_of: Date, rng: &mut StdRng, followups: &mut Vec<Followup>) -> Vec<BulkCommand> {
    let days = i64::from((as_of - start).get_days()).max(1);
    let mut commands = Vec::new();
    for n in 1..=accounts {
        let number = format!("{}-{n:06}", if profile.ar_kind == "patient" { "P" } else { "C" });
        let (kind, name) = if profile.ar_kind == "patient" || rng.gen_bool(0.3) {
            (
                "person",
                format!("{} {}", GIVEN[rng.gen_range(0..GIVEN.len())], FAMILY[rng.gen_range(0..FAMILY.len())]),
            )
        } else {
            (
                "company",
                format!(
                    "{} {}",
                    COMPANIES[rng.gen_range(0..COMPANIES.len())],
                    COMPANY_KINDS[rng.gen_range(0..COMPANY_KINDS.len())]
                ),
            )
        };
        let opened = start.checked_add(rng.gen_range(0..30).days()).unwrap_or(start);
        let dob = (profile.ar_kind == "patient").then(|| Date::new(rng.gen_range(1940..2020), rng.gen_range(1..=12), rng.gen_range(1..=28)).unwrap_or(start));
        commands.push(BulkCommand::Account(Box::new(NewAccount {
            account_number: number.clone(),
            party: NewParty {
                name_parts: None,
                kind: kind.into(),
                name: name.clone(),
                date_of_birth: dob,
                sex: (kind == "person").then(|| if rng.gen_bool(0.5) { "F" } else { "M" }.to_string()),
                email: Some(format!("{}@example.com", name.to_ascii_lowercase().replace(' ', "."))),
                phone: Some(format!("555-{:03}-{:04}", rng.gen_range(100..999), rng.gen_range(0..9999))),
                address: Some(
                    format!(
                        "{} {}, Springfield, IL {}",
                        rng.gen_range(1..999),
                        STREETS[rng.gen_range(0..STREETS.len())],
                        ["62701", "62702", "62703", "62704"][rng.gen_range(0..4)]
                    )
                    .into(),
                ),
            },
            ar_kind: profile.ar_kind.into(),
            currency: None,
            payment_terms: Some(profile.terms.into()),
            opened_on: opened,
        })));
        // How this customer pays: most pay in full, some partly, some late or never.
        let habit = rng.gen_range(0..100);
        let mut events: Vec<(Date, u8, BulkCommand)> = Vec::new();
        let invoices = rng.gen_range(2..12);
        for _ in 0..invoices {
            let issue = start.checked_add(rng.gen_range(30..days).days()).unwrap_or(as_of).min(as_of);
            let lines: Vec<NewInvoiceLine> = (0..rng.gen_range(1..4))
                .map(|_| {
                    let (code, description, price) = profile.services[rng.gen_range(0..profile.services.len())];
                    NewInvoiceLine {
                        item_code: code.into(),
                        description: description.into(),
                        quantity: rng.gen_range(1..4).to_string(),
                        unit_price: price.into(),
                        tax_rate: profile.tax_rate.into(),
                    }
                })
                .collect();
            let price_minor = |text: &str| Money::parse(text, Currency::USD).map_or(0, |m| m.amount_minor());
            let subtotal: i64 = lines.iter().map(|l| price_minor(&l.unit_price) * l.quantity.parse::<i64>().unwrap_or(1)).sum();
            let total = subtotal + subtotal * if profile.tax_rate == "0" { 0 } else { 725 } / 10_000;
            events.push((
                issue,
                0,
                BulkCommand::Invoice(NewInvoice {
                    account_number: number.clone(),
                    issue_date: issue,
                    terms: None,
                    lines,
                    memo: String::new(),
                    draft: false,
                }),
            ));
            let (pay, amount) = match habit {
                0..=59 => (true, total),
                60..=74 => (true, total / 2),
                75..=79 => (true, total + 2_000),
                80..=89 => (rng.gen_bool(0.5), total),
                _ => (false, 0),
            };
            if pay && amount > 0 {
                let received = issue.checked_add(rng.gen_range(5..75).days()).unwrap_or(as_of);
                if received <= as_of {
                    let method = ["check", "card", "ach", "cash", "eft"][rng.gen_range(0..5)];
                    events.push((
                        received,
                        1,
                        BulkCommand::Payment(NewPayment {
                            account_number: number.clone(),
                            amount: cents(amount),
                            method: method.into(),
                            reference: format!("{}", rng.gen_range(1000..99999)),
                            received_on: received,
                            apply_to: vec![],
                        }),
                    ));
                }
            }
        }
        events.sort_by_key(|(date, order, _)| (*date, *order));
        commands.extend(events.into_iter().map(|(_, _, c)| c));
        if habit >= 90 && rng.gen_bool(0.4) {
            followups.push(Followup::WriteOff(number.clone(), as_of));
        }
        if (75..=79).contains(&habit) && rng.gen_bool(0.5) {
            followups.push(Followup::Refund(number.clone(), as_of));
        }
    }
    commands
}

/// About 2% of payments come back as returned checks.
async fn sample_payments(store: &Store, org: &Organisation, rng: &mut StdRng) -> Result<Vec<(i64, Date)>> {
    let accounts = store
        .list_accounts(
            org,
            &settle_store::billing::AccountFilter {
                limit: 10_000,
                ..Default::default()
            },
        )
        .await?;
    let mut out = Vec::new();
    for account in accounts.iter().filter(|_| rng.gen_bool(0.03)) {
        let detail = store.account_detail(org, &account.account_number).await?;
        if let Some(payment) = detail.payments.iter().find(|p| p.status == "posted" && p.method == "check") {
            out.push((payment.payment_id, payment.received_on.parse()?));
        }
    }
    Ok(out)
}

/// The people of the demo practice, one per role, as "role@clinic".
/// The demo's logins: the practice's people by role, and the business's
/// admin and biller. Their one password is printed with the list and kept
/// (not one-time), so trying Settle starts at its pages.
const DEMO_USERS: [(&str, Role, &str); 7] = [
    ("specialist@clinic", Role::BillingSpecialist, "clinic"),
    ("coordinator@clinic", Role::BillingCoordinator, "clinic"),
    ("collector@clinic", Role::CollectionsSpecialist, "clinic"),
    ("auditor@clinic", Role::Auditor, "clinic"),
    ("admin@clinic", Role::Admin, "clinic"),
    ("specialist@supply", Role::BillingSpecialist, "supply"),
    ("admin@supply", Role::Admin, "supply"),
];

/// Readies the demo for people: a login per role (with a new password each
/// run, printed), a few notes, and write-offs waiting for approval.
pub async fn office(store: &Store, as_of: Date, serve: &crate::platform::admin::ServeArgs) -> Result<()> {
    let password = settle_store::platform::access::generate_password();
    for (username, role, slug) in DEMO_USERS {
        let org = store.organisation(Some(slug)).await?;
        let existing: Vec<String> = store.users(&org).await?.into_iter().map(|u| u.username).collect();
        if existing.iter().any(|u| u == username) {
            store
                .set_password(&org, username, settle_store::platform::access::PasswordChange::Kept { new: &password })
                .await?;
            store.set_user_enabled(&org, username, true).await?;
        } else {
            let name = format!("Demo {}", role.as_str().replace('_', " "));
            store
                .add_user(&org, username, &name, role, settle_store::platform::access::FirstPassword::Kept(&password))
                .await?;
        }
    }
    let org = store.organisation(Some("clinic")).await?;
    if store.approvals(&org, None, 1).await?.is_empty() {
        let actor = settle_store::platform::audit::Actor {
            name: "user:specialist@clinic".into(),
            address: "demo".into(),
            clinical: true,
            approves: false,
        };
        settle_store::platform::audit::ACTOR
            .scope(actor, async {
                let accounts = store
                    .list_accounts(
                        &org,
                        &settle_store::billing::AccountFilter {
                            with_balance: true,
                            limit: 400,
                            ..Default::default()
                        },
                    )
                    .await?;
                let mut held = 0;
                for account in accounts.iter().rev() {
                    if held == 2 {
                        break;
                    }
                    let detail = store.account_detail(&org, &account.account_number).await?;
                    let Some(item) = detail.items.iter().find(|i| {
                        i.status == "open" && i.amount == i.balance && Money::parse(&i.balance, Currency::USD).is_ok_and(|b| b.amount_minor() > 10_000)
                    }) else {
                        continue;
                    };
                    let cmd = NewAdjustment {
                        reference: item.reference.clone(),
                        reason: if held == 0 { "bad_debt_write_off" } else { "charity" }.into(),
                        amount: item.balance.clone(),
                        date: as_of,
                        memo: if held == 0 {
                            "Returned mail, phone disconnected; skip trace found nothing"
                        } else {
                            "Financial assistance application approved"
                        }
                        .into(),
                    };
                    store.submit_adjustment(&org, &cmd, None).await?;
                    store
                        .add_note(&org, &account.account_number, "Asked for a write-off; waiting for the coordinator.")
                        .await?;
                    held += 1;
                }
                anyhow::Ok(())
            })
            .await?;
    }
    let scheme = if serve.tls_cert.is_some() { "https" } else { "http" };
    println!("\nSettle is starting on the demo books.");
    println!("  Open {scheme}://{}/ and log in as one of:", serve.listen);
    for (username, role, slug) in DEMO_USERS {
        let books = if slug == "clinic" { "the practice" } else { "the office-supply business" };
        println!("    {username:<20} ({}, {books})", role.as_str().replace('_', " "));
    }
    println!("  Password for all of them (new each run): {password}");
    println!("  The JSON API's reference is at {scheme}://{}/api/v1/docs. Stop with Ctrl-C.\n", serve.listen);
    Ok(())
}
