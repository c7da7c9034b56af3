//! The books from the command line: `settle account`, `invoice`, `payment`,
//! `apply-credit`, `adjust`, `approval`, `credit-note`, `refund`, `report`,
//! `verify`, `import` (CSV, all or nothing) and `export` (the journal for
//! hledger, ledger and beancount).

mod export;
pub(crate) mod gl_export;
pub(crate) mod import;
pub(crate) mod write_offs;

use crate::address_args::{AddressArgs, AddressFieldArgs};
use crate::{output, today, Format, KeyArg};
use anyhow::{Context, Result};
use clap::{Subcommand, ValueEnum};
use settle_domain::aging::AgingBuckets;
use settle_domain::Date;
use settle_store::address::AddressInput;
use settle_store::billing::csv_import::CsvKind;
use settle_store::billing::*;
use settle_store::platform::Organisation;
use settle_store::Store;
use std::path::PathBuf;
use std::process::ExitCode;

/// The billing commands, flattened into `settle`'s own.
#[derive(Subcommand, Debug)]
// Parsed once per process: boxing the large variants would buy nothing.
#[allow(clippy::large_enum_variant)]
pub(crate) enum BillingCommand {
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
}

#[derive(Subcommand, Debug)]
pub(crate) enum ApprovalAction {
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
pub(crate) enum AccountCommand {
    /// Set who answers for a patient's bill (a parent, a spouse); `--relationship self` clears it.
    Guarantor {
        number: String,
        /// parent, spouse, guardian, other or self.
        #[arg(long)]
        relationship: String,
        /// The guarantor's name as one line (or by its parts).
        #[arg(long, default_value = "")]
        name: String,
        #[command(flatten)]
        name_parts: crate::name_args::NameArgs,
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
        /// The name as one line: a company's, or a person's read into its parts (or give the parts).
        #[arg(long, default_value = "", required_unless_present = "last_name")]
        name: String,
        #[command(flatten)]
        name_parts: crate::name_args::NameArgs,
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
        /// Only accounts holding unapplied credit (to refund or apply).
        #[arg(long)]
        in_credit: bool,
        #[arg(long, default_value_t = 50)]
        limit: i64,
        /// Continue after this account number.
        #[arg(long)]
        after: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Everything about one account: items, payments, ledger, contacts.
    /// Print an invoice: its lines, totals and what was applied to it.
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
    /// Give a person's name by its parts: the account's person, its guarantor (`--whose guarantor`)
    /// or a coverage's subscriber (`--whose subscriber --coverage KEY`). How an unread name is corrected.
    Name {
        number: String,
        /// person, guarantor or subscriber.
        #[arg(long, default_value = "person")]
        whose: String,
        /// For a subscriber: the coverage's key (`coverage list`).
        #[arg(long)]
        coverage: Option<i64>,
        /// The last name, with its particles ("de la Cruz").
        #[arg(long)]
        last_name: String,
        #[arg(long, default_value = "")]
        first_name: String,
        #[arg(long, default_value = "")]
        middle_name: String,
        /// Jr, Sr, III.
        #[arg(long, default_value = "")]
        suffix: String,
    },
    /// People's names kept as one line that could not be read into last, first, middle and suffix
    /// (written before names had parts): accounts' people and coverages' subscribers, with why.
    /// Claims read the line as best they can until someone gives the parts.
    UnreadNames {
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
pub(crate) enum InvoiceCommand {
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
    /// Print an invoice: its lines, totals and what was applied to it.
    Show {
        number: String,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Write the invoice as the customer receives it (letterhead, bill-to, remit-to) as PDF.
    Pdf {
        number: String,
        /// The file; invoice-NUMBER.pdf if absent.
        #[arg(long)]
        out: Option<std::path::PathBuf>,
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
pub(crate) enum PaymentCommand {
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
pub(crate) enum AgingBy {
    Account,
    Bucket,
    /// A row per payer (insurance), then the patients and customers together.
    Responsibility,
}

#[derive(Subcommand, Debug)]
pub(crate) enum ReportCommand {
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
pub(crate) enum ImportCommand {
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
    /// Accounts from CSV, names by their parts (see the README for the columns).
    Accounts {
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
pub(crate) enum ExportCommand {
    Journal {
        #[arg(long, value_enum, default_value_t = JournalFormat::Csv)]
        format: JournalFormat,
        /// Write here instead of standard output.
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

/// Runs one billing command for `org`.
pub(crate) async fn run(store: &Store, org: &Organisation, command: BillingCommand) -> Result<ExitCode> {
    match command {
        BillingCommand::Account(command) => match command {
            AccountCommand::Add {
                number,
                name,
                name_parts,
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
                        name_parts: name_parts.parts(),
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
                let created = store.add_account(org, &cmd, key.parse()?.as_ref()).await?;
                println!("Opened account {}", created.account_number);
            }
            AccountCommand::Guarantor {
                number,
                relationship,
                name,
                name_parts,
                phone,
                email,
                address,
            } => {
                let cmd = settle_store::claims::SetGuarantor {
                    name_parts: name_parts.parts(),
                    account_number: number.clone(),
                    relationship,
                    name,
                    phone,
                    email,
                    address: address.input(),
                };
                match store.set_guarantor(org, &cmd).await? {
                    Some(g) => println!("{} answers for account {number} ({}).", g.name, g.relationship),
                    None => println!("The patient answers for account {number} again."),
                }
            }
            AccountCommand::List {
                status,
                search,
                with_balance,
                in_credit,
                limit,
                after,
                format,
            } => {
                let accounts = store
                    .list_accounts(
                        org,
                        &AccountFilter {
                            status,
                            search,
                            with_balance,
                            in_credit,
                            limit,
                            after,
                            ..AccountFilter::default()
                        },
                    )
                    .await?;
                output::accounts(&accounts, format)?;
            }
            AccountCommand::Show { number, format } => {
                let detail = store.account_detail(org, &number).await?;
                let record = format!("account:{}", detail.summary.account_number);
                store.note_read(org.org_id, "account.read", &record).await?;
                output::account_detail(&detail, format)?;
            }
            AccountCommand::Name {
                number,
                whose,
                coverage,
                last_name,
                first_name,
                middle_name,
                suffix,
            } => {
                let cmd = settle_store::names::SetName {
                    account_number: number,
                    whose,
                    coverage_key: coverage,
                    parts: settle_store::names::NameParts {
                        last: last_name,
                        first: first_name,
                        middle: middle_name,
                        suffix,
                    },
                };
                let set = store.set_name(org, &cmd).await?;
                println!("The name is now {}.", set.name);
            }
            AccountCommand::UnreadNames { format } => {
                let unread = store.unread_names(org).await?;
                match format {
                    Format::Json => println!("{}", serde_json::to_string_pretty(&unread)?),
                    Format::Csv => {
                        let mut w = csv::Writer::from_writer(std::io::stdout());
                        w.write_record(["kind", "account_number", "name", "reason"])?;
                        for u in &unread {
                            w.write_record([u.kind.as_str(), &u.account_number, &u.name, &u.reason])?;
                        }
                        w.flush()?;
                    }
                    Format::Table => {
                        for u in &unread {
                            println!("{} {}: {:?}: {}", u.kind, u.account_number, u.name, u.reason);
                        }
                        println!("{} name(s) kept as one line only.", unread.len());
                    }
                }
            }
            AccountCommand::UnreadAddresses { format } => {
                let unread = store.unread_addresses(org).await?;
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
                store.set_contact(org, &number, &kind, &value, from.unwrap_or_else(today)).await?;
                println!("Updated {kind} for {}", number.to_ascii_uppercase());
            }
        },
        BillingCommand::Invoice(command) => match command {
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
                let created = store.create_invoice(org, &cmd, key.parse()?.as_ref()).await?;
                println!(
                    "{} {} for {} (subtotal {}, tax {}), due {}",
                    created.invoice_number, created.status, created.total, created.subtotal, created.tax, created.due_date
                );
            }
            InvoiceCommand::Issue { number, key } => {
                let issued = store
                    .issue_invoice(org, &IssueInvoice { invoice_number: number }, key.parse()?.as_ref())
                    .await?;
                println!("{} issued for {}, due {}", issued.invoice_number, issued.total, issued.due_date);
            }
            InvoiceCommand::Show { number, format } => {
                let detail = store.invoice_detail(org, &number).await?;
                store
                    .note_read(org.org_id, "invoice.read", &format!("invoice:{}", detail.invoice_number))
                    .await?;
                output::invoice(&detail, format)?;
            }
            InvoiceCommand::Pdf { number, out } => {
                let doc = store.invoice_document(org, &number).await?;
                let path = out.unwrap_or_else(|| std::path::PathBuf::from(format!("invoice-{}.pdf", doc.number)));
                std::fs::write(&path, settle_pdf::invoice::invoice(&doc)).with_context(|| format!("writing {}", path.display()))?;
                println!("invoice {} for account {} is in {}", doc.number, doc.account_number, path.display());
            }
            InvoiceCommand::Void { number, reason, date, key } => {
                let voided = store
                    .void_invoice(
                        org,
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
        BillingCommand::Payment(command) => match command {
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
                let posted = store.post_payment(org, &cmd, key.parse()?.as_ref()).await?;
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
                        org,
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
        BillingCommand::ApplyCredit {
            account,
            amount,
            apply,
            date,
            key,
        } => {
            let applied = store
                .apply_credit(
                    org,
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
        BillingCommand::Adjust {
            reference,
            amount,
            reason,
            memo,
            date,
            key,
        } => {
            let outcome = store
                .submit_adjustment(
                    org,
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
        BillingCommand::Approval { action } => match action {
            ApprovalAction::List { all } => {
                let rows = store.approvals(org, if all { None } else { Some("pending") }, 1000).await?;
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
                let decided = store.decide_approval(org, id, true, &note).await?;
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
                let decided = store.decide_approval(org, id, false, &note).await?;
                println!("Rejected request {}; nothing was posted", decided.approval_id);
            }
        },
        BillingCommand::CreditNote {
            account,
            amount,
            apply,
            memo,
            date,
            key,
        } => {
            let note = store
                .credit_note(
                    org,
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
        BillingCommand::Refund {
            account,
            amount,
            method,
            reference,
            date,
            key,
        } => {
            let refund = store
                .refund(
                    org,
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
            match refund {
                settle_store::billing::RefundOutcome::Issued(refund) => {
                    println!("Refund {} of {} issued; credit left {}", refund.refund_id, refund.amount, refund.credit_left)
                }
                settle_store::billing::RefundOutcome::Held(held) => println!(
                    "Refund of {} {} held for approval (request {}): above your refund limit; a coordinator decides it",
                    held.amount, held.currency, held.approval_id
                ),
            }
        }
        BillingCommand::Report(ReportCommand::Aging {
            as_of,
            by,
            format,
            buckets,
            currency,
        }) => {
            let buckets = AgingBuckets::parse(buckets.as_deref().unwrap_or(&org.aging_buckets)).context("--buckets")?;
            let as_of = as_of.unwrap_or_else(today);
            let report = match by {
                AgingBy::Account => store.aging(org, as_of, &buckets, currency.as_deref()).await?,
                AgingBy::Responsibility => store.aging_by_responsibility(org, as_of, &buckets, currency.as_deref()).await?,
                AgingBy::Bucket => store.aging_totals(org, as_of, &buckets, currency.as_deref()).await?,
            };
            output::aging(&report, by != AgingBy::Bucket, format)?;
            say_replica_lag(store).await?;
        }
        BillingCommand::Report(ReportCommand::TrialBalance { as_of, format }) => {
            output::trial_balance(&store.trial_balance(org, as_of).await?, format)?;
            say_replica_lag(store).await?;
        }
        BillingCommand::Verify => {
            let report = store.verify(org).await?;
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
        BillingCommand::Import(ImportCommand::Invoices { file, options }) => {
            return import::csv(store, org, CsvKind::Invoices, &file, &options.options()?, today()).await
        }
        BillingCommand::Import(ImportCommand::Payments { file, options }) => {
            return import::csv(store, org, CsvKind::Payments, &file, &options.options()?, today()).await
        }
        BillingCommand::Import(ImportCommand::Accounts { file, options }) => {
            return import::csv(store, org, CsvKind::Accounts, &file, &options.options()?, today()).await
        }
        BillingCommand::Export(ExportCommand::Journal { format, output }) => export::journal(store, org, format, output.as_deref()).await?,
    }
    Ok(ExitCode::SUCCESS)
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

/// Says on standard error (the report itself may be CSV or JSON on standard
/// output) how far behind the reporting replica it was read from is.
async fn say_replica_lag(store: &Store) -> Result<()> {
    if let Some(lag) = store.replica_lag().await? {
        eprintln!("{}", lag.describe());
    }
    Ok(())
}
