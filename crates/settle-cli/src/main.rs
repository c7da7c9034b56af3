//! The `settle` binary: glue between the command line and the store.

mod address_args;
mod admin;
mod bench;
mod claim;
mod claims;
mod codes;
mod contacts;
mod demo;
mod dunning;
mod export;
mod import;
mod output;
mod x12;

use std::path::PathBuf;
use std::process::ExitCode;

use address_args::{AddressArgs, AddressFieldArgs};
use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use settle_domain::aging::AgingBuckets;
use settle_domain::{Date, IdempotencyKey};
use settle_store::address::AddressInput;
use settle_store::billing::{AccountFilter, *};
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
    /// Which organisation (by its short name); needed when there are several.
    #[arg(long, env = "SETTLE_ORG", global = true)]
    org: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum ApprovalAction {
    /// What is waiting (or, with --all, everything decided too).
    List {
        #[arg(long)]
        all: bool,
    },
    /// Approve a held write-off: it posts now, as asked.
    Approve {
        id: i64,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Reject a held write-off: nothing posts.
    Reject {
        id: i64,
        #[arg(long, default_value = "")]
        note: String,
    },
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
        serve_args: admin::ServeArgs,
    },
    /// Customer accounts.
    #[command(subcommand)]
    Account(AccountCommand),
    /// Invoices.
    #[command(subcommand)]
    Invoice(InvoiceCommand),
    /// Payments received.
    #[command(subcommand)]
    Payment(PaymentCommand),
    /// Apply an account's unapplied credit to its open items.
    ApplyCredit {
        account: String,
        /// How much; all of the credit if absent.
        #[arg(long)]
        amount: Option<String>,
        /// An item reference (invoice number), optionally REF:AMOUNT; repeatable.
        #[arg(long = "apply")]
        apply: Vec<String>,
        #[arg(long)]
        date: Option<Date>,
        #[command(flatten)]
        key: KeyArg,
    },
    /// Reduce an item's balance without cash.
    Adjust {
        /// Invoice number or item reference.
        reference: String,
        #[arg(allow_negative_numbers = true)]
        amount: String,
        /// courtesy_discount, small_balance_write_off, bad_debt_write_off, charity, correction, contractual.
        #[arg(long)]
        reason: String,
        #[arg(long, default_value = "")]
        memo: String,
        #[arg(long)]
        date: Option<Date>,
        #[command(flatten)]
        key: KeyArg,
    },
    /// Write-offs held for approval: list, approve, reject.
    Approval {
        #[command(subcommand)]
        action: ApprovalAction,
    },
    /// Issue a credit note (returns, allowances) to an account.
    CreditNote {
        account: String,
        #[arg(allow_negative_numbers = true)]
        amount: String,
        /// Apply to these items (REF or REF:AMOUNT); otherwise it stays as credit.
        #[arg(long = "apply")]
        apply: Vec<String>,
        #[arg(long, default_value = "")]
        memo: String,
        #[arg(long)]
        date: Option<Date>,
        #[command(flatten)]
        key: KeyArg,
    },
    /// Pay money back out of an account's credit balance.
    Refund {
        account: String,
        #[arg(allow_negative_numbers = true)]
        amount: String,
        #[arg(long, default_value = "check")]
        method: String,
        #[arg(long, default_value = "")]
        reference: String,
        #[arg(long)]
        date: Option<Date>,
        #[command(flatten)]
        key: KeyArg,
    },
    /// Reports: aging and trial balance.
    #[command(subcommand)]
    Report(ReportCommand),
    /// Recompute every balance from the journal; exit 1 on any disagreement.
    Verify,
    /// Import invoices or payments from CSV, all or nothing.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Export the journal for hledger, ledger or beancount, or as CSV.
    #[command(subcommand)]
    Export(ExportCommand),
    /// Benchmarks, printed as ratios against a plain-SQL baseline.
    #[command(subcommand)]
    Bench(bench::BenchCommand),
    /// Run the HTTP API (and, on first start, create an admin per organisation).
    Serve(admin::ServeArgs),
    /// Users who log in to the API.
    #[command(subcommand)]
    User(admin::UserCommand),
    /// API tokens for other systems.
    #[command(subcommand)]
    Token(admin::TokenCommand),
    /// The tamper-evident audit trail.
    #[command(subcommand)]
    Audit(admin::AuditCommand),
    /// Print the permission matrix (docs/permissions.md) from the code.
    Permissions,
    /// X12 files: check envelopes, counts and control numbers.
    #[command(subcommand)]
    X12(X12Command),
    /// Code sets: ICD-10-CM.
    #[command(subcommand)]
    Codes(codes::CodesCommand),
    /// Insurance payers.
    #[command(subcommand)]
    Payer(claims::PayerCommand),
    /// Billing and rendering providers.
    #[command(subcommand)]
    Provider(claims::ProviderCommand),
    /// Patients' insurance coverages.
    #[command(subcommand)]
    Coverage(claims::CoverageCommand),
    /// Fee schedules: the charge master and payers' allowed amounts.
    #[command(subcommand)]
    Fees(FeesCommand),
    /// Medical claims.
    #[command(subcommand)]
    Claim(claim::ClaimCommand),
    /// Patient statements: what each patient owes after insurance, visit by visit.
    #[command(subcommand)]
    Statements(claim::StatementCommand),
    /// The organisation's settings: terms, aging buckets, approval limit, X12 identity, scrubber rules.
    #[command(subcommand)]
    Settings(SettingsCommand),
    /// Contacts with the people who owe, through the Regulation F gate.
    #[command(subcommand)]
    Contact(contacts::ContactCommand),
    /// What the person answering for an account asked of us: zone, cease, attorney, opt-outs, ...
    #[command(subcommand)]
    Consumer(contacts::ConsumerCommand),
    /// Disputes of a debt.
    #[command(subcommand)]
    Dispute(contacts::DisputeCommand),
    /// Collection letters: the validation notice, reminders and notices, receipts, the day's print run.
    #[command(subcommand)]
    Letter(contacts::LetterCommand),
    /// Promises to pay, kept or broken by the payments that come.
    #[command(subcommand)]
    Promise(contacts::PromiseCommand),
    /// Collections policy: a debt collector (every rule) or a creditor (its chosen rules).
    #[command(subcommand)]
    Collections(contacts::CollectionsCommand),
    /// Dunning: the policy's levels and the daily run.
    #[command(subcommand)]
    Dunning(dunning::DunningCommand),
    /// The collectors' work queue: order, assignment, the next account, the supervisor's view.
    #[command(subcommand)]
    Queue(dunning::QueueCommand),
    /// Payment plans.
    #[command(subcommand)]
    Plan(dunning::PlanCommand),
    /// Settlements: a discounted payoff by a date.
    #[command(subcommand)]
    Settlement(dunning::SettlementCommand),
    /// Collection emails waiting for the SMTP server, sent, or given up.
    #[command(subcommand)]
    Outbox(dunning::OutboxCommand),
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

#[derive(Subcommand, Debug)]
enum AccountCommand {
    /// Set who answers for a patient's bill (a parent, a spouse); `--relationship self` clears it.
    Guarantor {
        number: String,
        /// parent, spouse, guardian, other or self.
        #[arg(long)]
        relationship: String,
        #[arg(long, default_value = "")]
        name: String,
        #[arg(long)]
        phone: Option<String>,
        #[arg(long)]
        email: Option<String>,
        #[command(flatten)]
        address: AddressArgs,
    },
    /// Open an account for a person or company.
    Add {
        number: String,
        #[arg(long)]
        name: String,
        /// person or company.
        #[arg(long, default_value = "person")]
        kind: String,
        /// customer, patient or insurance.
        #[arg(long = "ar", default_value = "customer")]
        ar_kind: String,
        #[arg(long)]
        email: Option<String>,
        #[arg(long)]
        phone: Option<String>,
        #[command(flatten)]
        address: AddressArgs,
        #[arg(long)]
        date_of_birth: Option<Date>,
        /// F, M or U (unknown), as claims report it.
        #[arg(long)]
        sex: Option<String>,
        /// Default payment terms: net30, due-on-receipt, ...
        #[arg(long, default_value = "net30")]
        terms: String,
        #[arg(long)]
        currency: Option<String>,
        #[arg(long)]
        opened: Option<Date>,
        #[command(flatten)]
        key: KeyArg,
    },
    /// List accounts.
    List {
        #[arg(long)]
        status: Option<String>,
        /// Text in the account number or name.
        #[arg(long)]
        search: Option<String>,
        /// Only accounts with a balance or credit.
        #[arg(long)]
        with_balance: bool,
        #[arg(long, default_value_t = 50)]
        limit: i64,
        /// Continue after this account number.
        #[arg(long)]
        after: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Everything about one account: items, payments, ledger, contacts.
    Show {
        number: String,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Addresses kept as text that could not be read into street, city, state and ZIP (written before
    /// addresses had fields): accounts', payers' and providers', with what is missing. Correct each
    /// with `account contact NUMBER address --street ... --city ... --state ... --zip ...`.
    UnreadAddresses {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Change an address, phone or email, keeping the old one as history.
    Contact {
        number: String,
        /// address, phone or email.
        kind: String,
        /// The phone, the email, or the address as one line; an address may instead be given by its fields.
        #[arg(required_unless_present_any = ["street", "city"])]
        value: Option<String>,
        #[command(flatten)]
        fields: AddressFieldArgs,
        #[arg(long)]
        from: Option<Date>,
    },
}

#[derive(Subcommand, Debug)]
enum InvoiceCommand {
    /// Create (and issue, unless --draft) an invoice.
    Create {
        account: String,
        /// A line as CODE|DESCRIPTION|QUANTITY|UNIT_PRICE[|TAX_PERCENT]; repeatable.
        #[arg(long = "line", required = true)]
        lines: Vec<String>,
        #[arg(long)]
        date: Option<Date>,
        /// net30, due-on-receipt or a due date; the account's terms if absent.
        #[arg(long)]
        terms: Option<String>,
        #[arg(long, default_value = "")]
        memo: String,
        #[arg(long)]
        draft: bool,
        #[command(flatten)]
        key: KeyArg,
    },
    /// Issue a draft invoice.
    Issue {
        number: String,
        #[command(flatten)]
        key: KeyArg,
    },
    Show {
        number: String,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Void an invoice on which nothing is applied.
    Void {
        number: String,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        date: Option<Date>,
        #[command(flatten)]
        key: KeyArg,
    },
}

#[derive(Subcommand, Debug)]
enum PaymentCommand {
    /// Post a payment; oldest due first unless --apply names items.
    Post {
        account: String,
        #[arg(allow_negative_numbers = true)]
        amount: String,
        /// cash, check, card, ach, eft or other.
        #[arg(long, default_value = "check")]
        method: String,
        #[arg(long, default_value = "")]
        reference: String,
        #[arg(long)]
        date: Option<Date>,
        /// An item reference (invoice number), optionally REF:AMOUNT; repeatable.
        #[arg(long = "apply")]
        apply: Vec<String>,
        #[command(flatten)]
        key: KeyArg,
    },
    /// Reverse a returned payment (NSF, chargeback), optionally charging a fee.
    Reverse {
        payment_id: i64,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        fee: Option<String>,
        #[arg(long)]
        date: Option<Date>,
        #[command(flatten)]
        key: KeyArg,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
enum AgingBy {
    Account,
    Bucket,
}

#[derive(Subcommand, Debug)]
enum ReportCommand {
    /// What is owed, by how long past due.
    Aging {
        #[arg(long)]
        as_of: Option<Date>,
        #[arg(long, value_enum, default_value_t = AgingBy::Bucket)]
        by: AgingBy,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Bucket upper bounds in days; the organisation's (30,60,90,120) if absent.
        #[arg(long)]
        buckets: Option<String>,
        #[arg(long)]
        currency: Option<String>,
    },
    /// Debits and credits per general-ledger account.
    TrialBalance {
        #[arg(long)]
        as_of: Option<Date>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

#[derive(Subcommand, Debug)]
enum ImportCommand {
    /// Invoices from CSV (see the README for the columns).
    Invoices {
        file: PathBuf,
        #[command(flatten)]
        options: import::ImportArgs,
    },
    /// Payments from CSV (see the README for the columns).
    Payments {
        file: PathBuf,
        #[command(flatten)]
        options: import::ImportArgs,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum JournalFormat {
    Csv,
    Beancount,
    Ledger,
}

#[derive(Subcommand, Debug)]
enum ExportCommand {
    Journal {
        #[arg(long, value_enum, default_value_t = JournalFormat::Csv)]
        format: JournalFormat,
        /// Write here instead of standard output.
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

fn today() -> Date {
    jiff::Zoned::now().date()
}

/// Parses `REF` or `REF:AMOUNT`.
fn apply_targets(values: &[String]) -> Vec<ApplyTo> {
    values
        .iter()
        .map(|v| match v.split_once(':') {
            Some((reference, amount)) => ApplyTo {
                reference: reference.to_string(),
                amount: Some(amount.to_string()),
            },
            None => ApplyTo {
                reference: v.clone(),
                amount: None,
            },
        })
        .collect()
}

fn parse_line(text: &str, index: usize) -> Result<NewInvoiceLine> {
    let parts: Vec<&str> = text.split('|').collect();
    if !(4..=5).contains(&parts.len()) {
        anyhow::bail!("--line {}: {text:?} must be CODE|DESCRIPTION|QUANTITY|UNIT_PRICE[|TAX_PERCENT]", index + 1);
    }
    Ok(NewInvoiceLine {
        item_code: parts[0].to_string(),
        description: parts[1].to_string(),
        quantity: parts[2].to_string(),
        unit_price: parts[3].to_string(),
        tax_rate: parts.get(4).copied().unwrap_or("0").to_string(),
    })
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
    Store::open(&location).await.context("opening the database")
}

async fn run(cli: Cli) -> Result<ExitCode> {
    if let Command::Bench(command) = &cli.command {
        return bench::run(command).await.map(|()| ExitCode::SUCCESS);
    }
    if let Command::Codes(command) = &cli.command {
        return codes::run(command);
    }
    if let Command::X12(X12Command::Check { file }) = &cli.command {
        return x12::check(file);
    }
    if let Command::X12(X12Command::Remit { file }) = &cli.command {
        return x12::remit(file);
    }
    if let Command::Permissions = &cli.command {
        print!("{}", settle_server::permissions_markdown());
        return Ok(ExitCode::SUCCESS);
    }
    let store = open(&cli).await?;
    if let Command::Serve(args) = &cli.command {
        admin::serve(store, args).await?;
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
            admin::serve(store, serve_args).await?;
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
            | Command::Codes(_) => {
                unreachable!("handled above")
            }
            Command::User(command) => admin::user(&store, &org, command).await?,
            Command::Payer(command) => claims::payer(&store, &org, command).await?,
            Command::Provider(command) => claims::provider(&store, &org, command).await?,
            Command::Coverage(command) => claims::coverage(&store, &org, command).await?,
            Command::Fees(FeesCommand::Import { file, payer }) => {
                let schedule = payer.unwrap_or_else(|| settle_store::claims::CHARGE_MASTER.to_string());
                return import::fees(&store, &org, &file, &schedule).await;
            }
            Command::Claim(command) => return claim::run(&store, &org, command, today()).await,
            Command::Statements(command) => return claim::statements(&store, &org, command, today()).await,
            Command::Contact(command) => return contacts::contact(&store, &org, command).await,
            Command::Consumer(command) => return contacts::consumer(&store, &org, command).await,
            Command::Dispute(command) => return contacts::dispute(&store, &org, command).await,
            Command::Letter(command) => return contacts::letter(&store, &org, command, today()).await,
            Command::Promise(command) => return contacts::promise(&store, &org, command, today()).await,
            Command::Collections(command) => return contacts::collections(&store, &org, command, today()).await,
            Command::Dunning(command) => return dunning::dunning(&store, &org, command, today()).await,
            Command::Queue(command) => return dunning::queue(&store, &org, command, today()).await,
            Command::Plan(command) => return dunning::plan(&store, &org, command, today()).await,
            Command::Settlement(command) => return dunning::settlement(&store, &org, command, today()).await,
            Command::Outbox(command) => return dunning::outbox(&store, &org, command).await,
            Command::Settings(SettingsCommand::Show) => {
                let s = store.settings(&org).await?;
                println!("default terms           {}", s.default_terms);
                println!("aging buckets           {}", s.aging_buckets);
                println!("write-off approval over {} {}", s.writeoff_approval_limit, s.currency);
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
            Command::Settings(SettingsCommand::Set {
                default_terms,
                aging_buckets,
                writeoff_approval_limit,
                x12_submitter_id,
                x12_contact_phone,
                scrub_rules_off,
            }) => {
                let s = store.settings(&org).await?;
                let update = settle_store::billing::SettingsUpdate {
                    default_terms: default_terms.unwrap_or(s.default_terms),
                    aging_buckets: aging_buckets.unwrap_or(s.aging_buckets),
                    writeoff_approval_limit: writeoff_approval_limit.unwrap_or(s.writeoff_approval_limit),
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
            Command::Token(command) => admin::token(&store, &org, command).await?,
            Command::Audit(command) => return admin::audit(&store, &org, command).await,
            Command::Account(command) => match command {
                AccountCommand::Add {
                    number,
                    name,
                    kind,
                    ar_kind,
                    email,
                    phone,
                    address,
                    date_of_birth,
                    sex,
                    terms,
                    currency,
                    opened,
                    key,
                } => {
                    let cmd = NewAccount {
                        account_number: number,
                        party: NewParty {
                            sex,
                            kind,
                            name,
                            date_of_birth,
                            email,
                            phone,
                            address: address.input(),
                        },
                        ar_kind,
                        currency,
                        payment_terms: Some(terms),
                        opened_on: opened.unwrap_or_else(today),
                    };
                    let created = store.add_account(&org, &cmd, key.parse()?.as_ref()).await?;
                    println!("Opened account {}", created.account_number);
                }
                AccountCommand::Guarantor {
                    number,
                    relationship,
                    name,
                    phone,
                    email,
                    address,
                } => {
                    let cmd = settle_store::claims::SetGuarantor {
                        account_number: number.clone(),
                        relationship,
                        name,
                        phone,
                        email,
                        address: address.input(),
                    };
                    match store.set_guarantor(&org, &cmd).await? {
                        Some(g) => println!("{} answers for account {number} ({}).", g.name, g.relationship),
                        None => println!("The patient answers for account {number} again."),
                    }
                }
                AccountCommand::List {
                    status,
                    search,
                    with_balance,
                    limit,
                    after,
                    format,
                } => {
                    let accounts = store
                        .list_accounts(
                            &org,
                            &AccountFilter {
                                status,
                                search,
                                with_balance,
                                limit,
                                after,
                            },
                        )
                        .await?;
                    output::accounts(&accounts, format)?;
                }
                AccountCommand::Show { number, format } => {
                    let detail = store.account_detail(&org, &number).await?;
                    let record = format!("account:{}", detail.summary.account_number);
                    store.note_read(org.org_id, "account.read", &record).await?;
                    output::account_detail(&detail, format)?;
                }
                AccountCommand::UnreadAddresses { format } => {
                    let unread = store.unread_addresses(&org).await?;
                    match format {
                        Format::Json => println!("{}", serde_json::to_string_pretty(&unread)?),
                        Format::Csv => {
                            let mut w = csv::Writer::from_writer(std::io::stdout());
                            w.write_record(["kind", "key", "current", "text", "reason"])?;
                            for u in &unread {
                                w.write_record([u.kind.as_str(), &u.key, if u.current { "yes" } else { "no" }, &u.text, &u.reason])?;
                            }
                            w.flush()?;
                        }
                        Format::Table => {
                            for u in &unread {
                                let when = if u.current { "" } else { " (replaced since)" };
                                println!("{} {}{when}: {:?}: {}", u.kind, u.key, u.text, u.reason);
                            }
                            println!("{} address(es) kept as text only.", unread.len());
                        }
                    }
                }
                AccountCommand::Contact {
                    number,
                    kind,
                    value,
                    fields,
                    from,
                } => {
                    let value = match value {
                        Some(text) => AddressInput::Text(text),
                        None => fields.input().unwrap_or_default(),
                    };
                    store.set_contact(&org, &number, &kind, &value, from.unwrap_or_else(today)).await?;
                    println!("Updated {kind} for {}", number.to_ascii_uppercase());
                }
            },
            Command::Invoice(command) => match command {
                InvoiceCommand::Create {
                    account,
                    lines,
                    date,
                    terms,
                    memo,
                    draft,
                    key,
                } => {
                    let lines = lines.iter().enumerate().map(|(i, l)| parse_line(l, i)).collect::<Result<Vec<_>>>()?;
                    let cmd = NewInvoice {
                        account_number: account,
                        issue_date: date.unwrap_or_else(today),
                        terms,
                        lines,
                        memo,
                        draft,
                    };
                    let created = store.create_invoice(&org, &cmd, key.parse()?.as_ref()).await?;
                    println!(
                        "{} {} for {} (subtotal {}, tax {}), due {}",
                        created.invoice_number, created.status, created.total, created.subtotal, created.tax, created.due_date
                    );
                }
                InvoiceCommand::Issue { number, key } => {
                    let issued = store
                        .issue_invoice(&org, &IssueInvoice { invoice_number: number }, key.parse()?.as_ref())
                        .await?;
                    println!("{} issued for {}, due {}", issued.invoice_number, issued.total, issued.due_date);
                }
                InvoiceCommand::Show { number, format } => {
                    let detail = store.invoice_detail(&org, &number).await?;
                    store
                        .note_read(org.org_id, "invoice.read", &format!("invoice:{}", detail.invoice_number))
                        .await?;
                    output::invoice(&detail, format)?;
                }
                InvoiceCommand::Void { number, reason, date, key } => {
                    let voided = store
                        .void_invoice(
                            &org,
                            &VoidInvoice {
                                invoice_number: number,
                                date: date.unwrap_or_else(today),
                                reason,
                            },
                            key.parse()?.as_ref(),
                        )
                        .await?;
                    println!("{} voided ({} taken off the books)", voided.invoice_number, voided.total);
                }
            },
            Command::Payment(command) => match command {
                PaymentCommand::Post {
                    account,
                    amount,
                    method,
                    reference,
                    date,
                    apply,
                    key,
                } => {
                    let cmd = NewPayment {
                        account_number: account,
                        amount,
                        method,
                        reference,
                        received_on: date.unwrap_or_else(today),
                        apply_to: apply_targets(&apply),
                    };
                    let posted = store.post_payment(&org, &cmd, key.parse()?.as_ref()).await?;
                    println!("Payment {} of {} posted", posted.payment_id, posted.amount);
                    for applied in &posted.applied {
                        println!("  applied {} to {}", applied.amount, applied.reference);
                    }
                    if !posted.unapplied.chars().all(|c| c == '0' || c == '.') {
                        println!("  {} left as credit on the account", posted.unapplied);
                    }
                }
                PaymentCommand::Reverse {
                    payment_id,
                    reason,
                    fee,
                    date,
                    key,
                } => {
                    let reversed = store
                        .reverse_payment(
                            &org,
                            &ReversePayment {
                                payment_id,
                                date: date.unwrap_or_else(today),
                                reason,
                                fee,
                            },
                            key.parse()?.as_ref(),
                        )
                        .await?;
                    println!("Payment {payment_id} reversed");
                    for item in &reversed.reopened {
                        println!("  reopened {} by {}", item.reference, item.amount);
                    }
                    println!("  taken back from credit: {}", reversed.taken_from_credit);
                    if let Some(rebilled) = &reversed.rebilled {
                        println!("  credit already used, billed again as {} for {}", rebilled.reference, rebilled.amount);
                    }
                    if let Some(fee) = &reversed.fee {
                        println!("  fee {} charged as {}", fee.amount, fee.reference);
                    }
                }
            },
            Command::ApplyCredit {
                account,
                amount,
                apply,
                date,
                key,
            } => {
                let applied = store
                    .apply_credit(
                        &org,
                        &ApplyCredit {
                            account_number: account,
                            date: date.unwrap_or_else(today),
                            apply_to: apply_targets(&apply),
                            amount,
                        },
                        key.parse()?.as_ref(),
                    )
                    .await?;
                for item in &applied.applied {
                    println!("Applied {} to {}", item.amount, item.reference);
                }
                println!("Credit left: {}", applied.credit_left);
            }
            Command::Adjust {
                reference,
                amount,
                reason,
                memo,
                date,
                key,
            } => {
                let outcome = store
                    .submit_adjustment(
                        &org,
                        &NewAdjustment {
                            reference,
                            reason,
                            amount,
                            date: date.unwrap_or_else(today),
                            memo,
                        },
                        key.parse()?.as_ref(),
                    )
                    .await?;
                match outcome {
                    settle_store::billing::AdjustmentOutcome::Posted(posted) => {
                        println!("Adjusted {} by {}; balance now {}", posted.reference, posted.amount, posted.balance);
                    }
                    settle_store::billing::AdjustmentOutcome::Held(held) => {
                        println!(
                            "Held for approval as request {}: {} {} on {} is above the write-off approval limit; \
                             another coordinator approves it with `settle approval approve {}` or in the Approvals page",
                            held.approval_id, held.reason, held.amount, held.reference, held.approval_id
                        );
                    }
                }
            }
            Command::Approval { action } => match action {
                ApprovalAction::List { all } => {
                    let rows = store.approvals(&org, if all { None } else { Some("pending") }, 1000).await?;
                    if rows.is_empty() {
                        println!("Nothing is waiting for approval.");
                    }
                    for a in rows {
                        println!(
                            "#{:<5} {:<9} {:<12} {:<24} {:>12} {}  asked by {} on {}",
                            a.approval_id, a.status, a.reference, a.reason, a.amount, a.currency, a.requested_by, a.requested_at
                        );
                    }
                }
                ApprovalAction::Approve { id, note } => {
                    let decided = store.decide_approval(&org, id, true, &note).await?;
                    println!(
                        "Approved request {}: {} {} posted to {} as adjustment {}",
                        decided.approval_id,
                        decided.reason,
                        decided.amount,
                        decided.reference,
                        decided.adjustment_id.unwrap_or_default()
                    );
                }
                ApprovalAction::Reject { id, note } => {
                    let decided = store.decide_approval(&org, id, false, &note).await?;
                    println!("Rejected request {}; nothing was posted", decided.approval_id);
                }
            },
            Command::CreditNote {
                account,
                amount,
                apply,
                memo,
                date,
                key,
            } => {
                let note = store
                    .credit_note(
                        &org,
                        &NewCreditNote {
                            account_number: account,
                            amount,
                            date: date.unwrap_or_else(today),
                            memo,
                            apply_to: apply_targets(&apply),
                        },
                        key.parse()?.as_ref(),
                    )
                    .await?;
                println!("Credit note {} issued", note.credit_note_number);
                for item in &note.applied {
                    println!("  applied {} to {}", item.amount, item.reference);
                }
                println!("  left as credit: {}", note.unapplied);
            }
            Command::Refund {
                account,
                amount,
                method,
                reference,
                date,
                key,
            } => {
                let refund = store
                    .refund(
                        &org,
                        &NewRefund {
                            account_number: account,
                            amount,
                            method,
                            reference,
                            date: date.unwrap_or_else(today),
                        },
                        key.parse()?.as_ref(),
                    )
                    .await?;
                println!("Refund {} of {} issued; credit left {}", refund.refund_id, refund.amount, refund.credit_left);
            }
            Command::Report(ReportCommand::Aging {
                as_of,
                by,
                format,
                buckets,
                currency,
            }) => {
                let buckets = AgingBuckets::parse(buckets.as_deref().unwrap_or(&org.aging_buckets)).context("--buckets")?;
                let as_of = as_of.unwrap_or_else(today);
                let report = if by == AgingBy::Account {
                    store.aging(&org, as_of, &buckets, currency.as_deref()).await?
                } else {
                    store.aging_totals(&org, as_of, &buckets, currency.as_deref()).await?
                };
                output::aging(&report, by == AgingBy::Account, format)?;
            }
            Command::Report(ReportCommand::TrialBalance { as_of, format }) => {
                output::trial_balance(&store.trial_balance(&org, as_of).await?, format)?;
            }
            Command::Verify => {
                let report = store.verify(&org).await?;
                println!(
                    "Checked {} entries, {} postings, {} items and {} accounts of {}.",
                    report.entries, report.postings, report.items, report.accounts, org.slug
                );
                if report.discrepancies.is_empty() {
                    println!("OK: every balance agrees with the journal.");
                } else {
                    for d in &report.discrepancies {
                        println!("MISMATCH {}: {} (journal says {}, stored {})", d.check, d.subject, d.expected, d.found);
                    }
                    println!("{} disagreement(s).", report.discrepancies.len());
                    return Ok(ExitCode::FAILURE);
                }
            }
            Command::Import(ImportCommand::Invoices { file, options }) => return import::invoices(&store, &org, &file, &options.options()?).await,
            Command::Import(ImportCommand::Payments { file, options }) => return import::payments(&store, &org, &file, &options.options()?).await,
            Command::Export(ExportCommand::Journal { format, output }) => export::journal(&store, &org, format, output.as_deref()).await?,
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
