//! The `settle` binary: glue between the command line and the store.

mod address_args;
mod bench;
mod billing;
mod claims;
mod collections;
mod demo;
mod money_in;
mod name_args;
mod output;
mod platform;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use settle_domain::{Date, IdempotencyKey};
use settle_store::{Location, Store};

/// Settle: billing, claims and collections with an exact ledger.
#[derive(Parser, Debug)]
#[command(name = "settle", version, about, propagate_version = true)]
struct Cli {
    /// Directory for the embedded SQLite database.
    #[arg(long, env = "SETTLE_DATA_DIR", default_value = "./settle-data", global = true)]
    data_dir: PathBuf,
    /// A postgres:// URL; when given, the data directory is not used.
    #[arg(long, env = "SETTLE_DATABASE_URL", global = true, hide_env_values = true)]
    database_url: Option<String>,
    /// A read-only PostgreSQL replica of the database (streaming
    /// replication) for reports, dashboards and exports; the pages and
    /// reports that read it say how far behind it is.
    #[arg(long, env = "SETTLE_READ_DATABASE_URL", global = true, hide_env_values = true)]
    read_database_url: Option<String>,
    /// Which organisation (by its short name); needed when there are several.
    #[arg(long, env = "SETTLE_ORG", global = true)]
    org: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Create an organisation (and the database, if new).
    Init {
        /// Short name used with --org, like "clinic".
        #[arg(long = "slug", default_value = "main")]
        slug: String,
        #[arg(long, default_value = "My Organisation")]
        name: String,
        #[arg(long, default_value = "USD")]
        currency: String,
    },
    /// Build a realistic demo dataset: a medical practice and a small business.
    Demo {
        /// Accounts per organisation.
        #[arg(long, default_value_t = 1000)]
        accounts: u32,
        /// The demo's "today"; invoices run over the 18 months before it.
        #[arg(long)]
        as_of: Option<Date>,
        #[arg(long, default_value_t = 7)]
        seed: u64,
        /// Then start Settle on it (`settle serve`) with a login for each role.
        #[arg(long)]
        serve: bool,
        #[command(flatten)]
        serve_args: platform::admin::ServeArgs,
    },
    #[command(flatten)]
    Billing(billing::BillingCommand),
    /// Benchmarks, printed as ratios against a plain-SQL baseline.
    #[command(subcommand)]
    Bench(bench::BenchCommand),
    /// Run the HTTP API (and, on first start, create an admin per organisation).
    Serve(platform::admin::ServeArgs),
    /// Users who log in to the API.
    #[command(subcommand)]
    User(platform::admin::UserCommand),
    /// API tokens for other systems.
    #[command(subcommand)]
    Token(platform::admin::TokenCommand),
    /// The tamper-evident audit trail.
    #[command(subcommand)]
    Audit(platform::admin::AuditCommand),
    /// Print the permission matrix (docs/permissions.md) from the code.
    Permissions,
    /// X12 files: check envelopes, counts and control numbers.
    #[command(subcommand)]
    X12(X12Command),
    /// ACH: routing numbers, NACHA files read, originating accounts, mandates, debits, the daily run, returns.
    #[command(subcommand)]
    Ach(money_in::ach::AchCommand),
    /// The books out to a general ledger (QuickBooks, Xero, CSV): mapping, daily journals, closing a period.
    #[command(subcommand)]
    Books(billing::gl_export::BooksCommand),
    /// Bank statements (BAI2) read whole, without the books.
    #[command(subcommand)]
    Bank(money_in::bank::BankCommand),
    /// A bank that answers a NACHA file with returns and changes by rules (tests, the demo).
    BankSim(money_in::ach::BankSimArgs),
    /// Code sets: ICD-10-CM.
    #[command(subcommand)]
    Codes(claims::codes::CodesCommand),
    /// Insurance payers.
    #[command(subcommand)]
    Payer(claims::parties::PayerCommand),
    /// Billing and rendering providers.
    #[command(subcommand)]
    Provider(claims::parties::ProviderCommand),
    /// Patients' insurance coverages.
    #[command(subcommand)]
    Coverage(claims::parties::CoverageCommand),
    /// Authorizations and referrals on file, and the claims waiting on one.
    #[command(subcommand, alias = "auth")]
    Authorization(claims::authorizations::AuthorizationCommand),
    /// Insurance follow-up: the claims payers have not finished with, ranked by deadline and dollars; calls to payers.
    #[command(subcommand)]
    FollowUp(claims::follow_up::FollowUpCommand),
    /// Fee schedules: the charge master and payers' allowed amounts.
    #[command(subcommand)]
    Fees(FeesCommand),
    /// Medical claims.
    #[command(subcommand)]
    Claim(claims::claim::ClaimCommand),
    /// Patient statements: what each patient owes after insurance, visit by visit.
    #[command(subcommand)]
    Statements(claims::claim::StatementCommand),
    /// The organisation's settings: terms, aging buckets, approval limit, X12 identity, scrubber rules.
    #[command(subcommand)]
    Settings(SettingsCommand),
    /// Contacts with the people who owe, through the Regulation F gate.
    #[command(subcommand)]
    Contact(collections::contacts::ContactCommand),
    /// What the person answering for an account asked of us: zone, cease, attorney, opt-outs, ...
    #[command(subcommand)]
    Consumer(collections::contacts::ConsumerCommand),
    /// Disputes of a debt.
    #[command(subcommand)]
    Dispute(collections::contacts::DisputeCommand),
    /// Collection letters: the validation notice, reminders and notices, receipts, the day's print run.
    #[command(subcommand)]
    Letter(collections::contacts::LetterCommand),
    /// Promises to pay, kept or broken by the payments that come.
    #[command(subcommand)]
    Promise(collections::contacts::PromiseCommand),
    /// Collections policy: a debt collector (every rule) or a creditor (its chosen rules).
    #[command(subcommand)]
    Collections(collections::contacts::CollectionsCommand),
    /// Dunning: the policy's levels and the daily run.
    #[command(subcommand)]
    Dunning(collections::dunning::DunningCommand),
    /// The collectors' work queue: order, assignment, the next account, the supervisor's view.
    #[command(subcommand)]
    Queue(collections::dunning::QueueCommand),
    /// Payment plans.
    #[command(subcommand)]
    Plan(collections::dunning::PlanCommand),
    /// Settlements: a discounted payoff by a date.
    #[command(subcommand)]
    Settlement(collections::dunning::SettlementCommand),
    /// Collection emails waiting for the SMTP server, sent, or given up.
    #[command(subcommand)]
    Outbox(collections::dunning::OutboxCommand),
    /// Write-offs in bulk: the small balances across every account.
    #[command(subcommand)]
    WriteOff(billing::write_offs::WriteOffCommand),
}

#[derive(Subcommand, Debug)]
enum SettingsCommand {
    /// Print the settings and the scrubber's rules.
    Show,
    /// Change some settings; the others stay as they are.
    Set {
        #[arg(long)]
        default_terms: Option<String>,
        #[arg(long)]
        aging_buckets: Option<String>,
        #[arg(long)]
        writeoff_approval_limit: Option<String>,
        /// A billing specialist's refunds above this wait for a coordinator's approval (0 holds all).
        #[arg(long)]
        refund_approval_limit: Option<String>,
        /// Whether the organisation bills insurance (claims, ERAs, eligibility): true or false.
        #[arg(long)]
        bills_insurance: Option<bool>,
        /// The id claims are sent under (ISA06, GS02); the billing provider's EIN if empty.
        #[arg(long)]
        x12_submitter_id: Option<String>,
        /// Ten digits: who a payer calls about a claim file.
        #[arg(long)]
        x12_contact_phone: Option<String>,
        /// Optional scrubber rules to turn off, comma-separated ("" turns all back on).
        #[arg(long)]
        scrub_rules_off: Option<String>,
    },
    /// What statements and invoices print: the name and address on top, the remit-to, the billing phone, other ways to pay. Fields left out stay; "" clears one.
    Letterhead {
        #[arg(long)]
        name: Option<String>,
        /// Street, city, state and ZIP on one line.
        #[arg(long)]
        address: Option<String>,
        /// Where payments are mailed, if not the address.
        #[arg(long)]
        remit_to: Option<String>,
        /// Ten digits for billing questions.
        #[arg(long)]
        phone: Option<String>,
        /// Other ways to pay, one per line (use \n between lines).
        #[arg(long)]
        payment_instructions: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
enum FeesCommand {
    /// Load prices from CSV (procedure_code, modifier, amount, effective_from), all or nothing.
    Import {
        file: PathBuf,
        /// A payer's allowed amounts; the charge master if absent.
        #[arg(long)]
        payer: Option<String>,
    },
    /// A schedule's prices.
    List {
        #[arg(long)]
        payer: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
enum X12Command {
    /// Read an X12 file; list its envelopes and every problem by segment and element; exit 1 on errors.
    Check { file: PathBuf },
    /// Read an 835 remittance: the payment, each claim's payment, adjustments (CARC by group) and patient share, and every sum that does not balance; exit 1 if any.
    Remit { file: PathBuf },
}

#[derive(Args, Debug, Clone)]
pub(crate) struct KeyArg {
    /// Makes the command safe to retry: the same key and request give the same result once.
    #[arg(long = "idempotency-key")]
    idempotency_key: Option<String>,
}

impl KeyArg {
    pub(crate) fn parse(&self) -> Result<Option<IdempotencyKey>> {
        self.idempotency_key
            .as_deref()
            .map(IdempotencyKey::parse)
            .transpose()
            .context("--idempotency-key")
    }
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Table,
    Csv,
    Json,
}

fn today() -> Date {
    jiff::Zoned::now().date()
}

// mimalloc instead of the system allocator: bulk work (imports, the dunning
// run) allocates and frees millions of small rows and values across sqlx's
// worker thread and ours, where glibc's allocator spent a fifth of the time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // `settle ... | head` ends quietly when head stops reading, as Unix tools
    // do. Not the server: a client that hangs up mid-answer (a vectored
    // write to its socket) must cost that answer, not the process.
    let serving = matches!(&cli.command, Command::Serve(_) | Command::Demo { serve: true, .. });
    if !serving {
        sigpipe::reset();
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn open(cli: &Cli) -> Result<Store> {
    let location = Location::from_options(cli.database_url.as_deref(), &cli.data_dir);
    let store = Store::open(&location).await.context("opening the database")?;
    match cli.read_database_url.as_deref().filter(|u| !u.is_empty()) {
        Some(url) => store.with_replica(url).await.context("opening the reporting replica"),
        None => Ok(store),
    }
}

async fn run(cli: Cli) -> Result<ExitCode> {
    if let Command::Bench(command) = &cli.command {
        return bench::run(command).await.map(|()| ExitCode::SUCCESS);
    }
    if let Command::Codes(command) = &cli.command {
        return claims::codes::run(command);
    }
    if let Command::Ach(command) = &cli.command {
        if command.without_books() {
            return money_in::ach::run(command);
        }
    }
    if let Command::Bank(command) = &cli.command {
        return money_in::bank::run(command);
    }
    if let Command::BankSim(args) = &cli.command {
        return money_in::ach::bank_sim(args, today());
    }
    if let Command::X12(X12Command::Check { file }) = &cli.command {
        return claims::x12::check(file);
    }
    if let Command::X12(X12Command::Remit { file }) = &cli.command {
        return claims::x12::remit(file);
    }
    if let Command::Permissions = &cli.command {
        print!("{}", settle_server::permissions_markdown());
        return Ok(ExitCode::SUCCESS);
    }
    let store = open(&cli).await?;
    if let Command::Serve(args) = &cli.command {
        platform::admin::serve(store, args).await?;
        return Ok(ExitCode::SUCCESS);
    }
    if let Command::Init { slug, name, currency } = &cli.command {
        let org = store.create_organisation(slug, name, currency).await?;
        println!(
            "Created organisation {} ({}), currency {}, in {}",
            org.slug,
            org.name,
            org.base_currency,
            describe_location(&cli)
        );
        return Ok(ExitCode::SUCCESS);
    }
    if let Command::Demo {
        accounts,
        as_of,
        seed,
        serve,
        serve_args,
    } = &cli.command
    {
        demo::run(&store, *accounts, as_of.unwrap_or_else(today), *seed, !*serve).await?;
        if *serve {
            demo::office(&store, as_of.unwrap_or_else(today), serve_args).await?;
            platform::admin::serve(store, serve_args).await?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let org = store.organisation(cli.org.as_deref()).await?;
    // One audit row per command for the people's records it read (the
    // store notes each read; see settle_store::platform::audit::collect_reads).
    let what = format!("settle {}", std::env::args().skip(1).collect::<Vec<_>>().join(" "));
    let command = cli.command;
    let work = async {
        match command {
            Command::Init { .. }
            | Command::Demo { .. }
            | Command::Bench(_)
            | Command::Serve(_)
            | Command::Permissions
            | Command::X12(_)
            | Command::BankSim(_)
            | Command::Bank(_)
            | Command::Codes(_) => {
                unreachable!("handled above")
            }
            Command::User(command) => platform::admin::user(&store, &org, command).await?,
            Command::Payer(command) => claims::parties::payer(&store, &org, command).await?,
            Command::Provider(command) => claims::parties::provider(&store, &org, command).await?,
            Command::Coverage(command) => claims::parties::coverage(&store, &org, command).await?,
            Command::Authorization(command) => claims::authorizations::run(&store, &org, command, today()).await?,
            Command::FollowUp(command) => claims::follow_up::run(&store, &org, command, today()).await?,
            Command::Fees(FeesCommand::Import { file, payer }) => {
                let schedule = payer.unwrap_or_else(|| settle_store::claims::CHARGE_MASTER.to_string());
                return billing::import::fees(&store, &org, &file, &schedule).await;
            }
            Command::Claim(command) => return claims::claim::run(&store, &org, command, today()).await,
            Command::Statements(command) => return claims::claim::statements(&store, &org, command, today()).await,
            Command::Contact(command) => return collections::contacts::contact(&store, &org, command).await,
            Command::Consumer(command) => return collections::contacts::consumer(&store, &org, command).await,
            Command::Dispute(command) => return collections::contacts::dispute(&store, &org, command).await,
            Command::Letter(command) => return collections::contacts::letter(&store, &org, command, today()).await,
            Command::Promise(command) => return collections::contacts::promise(&store, &org, command, today()).await,
            Command::Collections(command) => return collections::contacts::collections(&store, &org, command, today()).await,
            Command::Dunning(command) => return collections::dunning::dunning(&store, &org, command, today()).await,
            Command::Queue(command) => return collections::dunning::queue(&store, &org, command, today()).await,
            Command::Plan(command) => return collections::dunning::plan(&store, &org, command, today()).await,
            Command::Ach(command) => return money_in::ach_books::run(&store, &org, command, today()).await,
            Command::Books(command) => return billing::gl_export::run(&store, &org, command, today()).await,
            Command::Settlement(command) => return collections::dunning::settlement(&store, &org, command, today()).await,
            Command::Outbox(command) => return collections::dunning::outbox(&store, &org, command).await,
            Command::Settings(SettingsCommand::Show) => {
                let s = store.settings(&org).await?;
                println!("default terms           {}", s.default_terms);
                println!("aging buckets           {}", s.aging_buckets);
                println!("write-off approval over {} {}", s.writeoff_approval_limit, s.currency);
                println!("specialist refunds over {} {} wait for approval", s.refund_approval_limit, s.currency);
                println!("bills insurance         {}", if s.bills_insurance { "yes" } else { "no" });
                println!(
                    "X12 submitter id        {}",
                    if s.x12_submitter_id.is_empty() {
                        "(the billing provider's EIN)"
                    } else {
                        &s.x12_submitter_id
                    }
                );
                println!(
                    "X12 contact phone       {}",
                    if s.x12_contact_phone.is_empty() {
                        "(not set: claims cannot be sent)"
                    } else {
                        &s.x12_contact_phone
                    }
                );
                let l = store.letterhead_settings(&org).await?;
                let or = |v: &str, fallback: &'static str| if v.is_empty() { fallback.to_string() } else { v.to_string() };
                println!("letterhead name         {}", or(&l.name, "(the billing provider's name)"));
                println!("letterhead address      {}", or(&l.address, "(the billing provider's address)"));
                println!("remit-to                {}", or(&l.remit_to, "(the letterhead address)"));
                println!("billing phone           {}", or(&l.phone, "(the X12 contact phone)"));
                for line in l.payment_instructions.lines() {
                    println!("other ways to pay       {line}");
                }
                println!("scrubber rules:");
                for rule in settle_domain::claims::RULES {
                    let state = if s.scrub_rules_off.iter().any(|r| r == rule.id) {
                        "off"
                    } else if rule.optional {
                        "on"
                    } else {
                        "always"
                    };
                    println!("  {:<20} {:<6} {}", rule.id, state, rule.checks);
                }
            }
            Command::Settings(SettingsCommand::Letterhead {
                name,
                address,
                remit_to,
                phone,
                payment_instructions,
            }) => {
                let l = store.letterhead_settings(&org).await?;
                let set = settle_store::billing::LetterheadSettings {
                    name: name.unwrap_or(l.name),
                    address: address.unwrap_or(l.address),
                    remit_to: remit_to.unwrap_or(l.remit_to),
                    phone: phone.unwrap_or(l.phone),
                    payment_instructions: payment_instructions.map(|p| p.replace("\\n", "\n")).unwrap_or(l.payment_instructions),
                };
                let saved = store.set_letterhead(&org, &set).await?;
                println!(
                    "Letterhead saved: {}",
                    if saved.name.is_empty() {
                        "(the billing provider's name)"
                    } else {
                        &saved.name
                    }
                );
            }
            Command::Settings(SettingsCommand::Set {
                default_terms,
                aging_buckets,
                writeoff_approval_limit,
                refund_approval_limit,
                bills_insurance,
                x12_submitter_id,
                x12_contact_phone,
                scrub_rules_off,
            }) => {
                let s = store.settings(&org).await?;
                let update = settle_store::billing::SettingsUpdate {
                    default_terms: default_terms.unwrap_or(s.default_terms),
                    aging_buckets: aging_buckets.unwrap_or(s.aging_buckets),
                    writeoff_approval_limit: writeoff_approval_limit.unwrap_or(s.writeoff_approval_limit),
                    refund_approval_limit,
                    bills_insurance,
                    x12_submitter_id,
                    x12_contact_phone,
                    scrub_rules_off: scrub_rules_off.map(|r| r.split(',').map(|x| x.trim().to_string()).filter(|x| !x.is_empty()).collect()),
                };
                store.update_settings(&org, &update).await?;
                println!("Settings saved.");
            }
            Command::Fees(FeesCommand::List { payer }) => {
                let schedule = payer.unwrap_or_else(|| settle_store::claims::CHARGE_MASTER.to_string());
                let fees = store.fee_schedule(&org, &schedule).await?;
                if fees.is_empty() {
                    println!("The {schedule} fee schedule has no prices; load some with `settle fees import FILE.csv`.");
                }
                for fee in fees {
                    println!("{:<6} {:<3} from {}  {:>12}", fee.procedure_code, fee.modifier, fee.effective_from, fee.amount);
                }
            }
            Command::Token(command) => platform::admin::token(&store, &org, command).await?,
            Command::Audit(command) => return platform::admin::audit(&store, &org, command).await,
            Command::WriteOff(command) => billing::write_offs::run(&store, &org, command, today()).await?,
            Command::Billing(command) => return billing::run(&store, &org, command).await,
        }
        Ok(ExitCode::SUCCESS)
    };
    let (outcome, reads) = settle_store::platform::audit::collect_reads(work).await;
    if !reads.is_empty() {
        store.audit_reads(org.org_id, &what, &reads).await?;
    }
    outcome
}

fn describe_location(cli: &Cli) -> String {
    match &cli.database_url {
        Some(_) => "the PostgreSQL database".to_string(),
        None => cli.data_dir.display().to_string(),
    }
}
