//! CSV imports of accounts, invoices and payments, all or nothing: every
//! row checked first and every problem named by line and column; only a
//! file with no problems is applied, in one transaction ([`Store::bulk_import`]),
//! and a refusal while applying is named by the line it came from. The
//! command line and the pages import through [`Store::import_csv`].

mod accounts;
mod ledger;

use std::collections::HashSet;

use settle_domain::money::Currency;
use settle_domain::{Date, IdempotencyKey};

use crate::bulk::{BulkCommand, BulkOutcome, ImportedFile};
use crate::csv_file::{CsvFile, Problem};
use crate::platform::Organisation;
use crate::{Store, StoreError};

/// What a CSV file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CsvKind {
    Accounts,
    Invoices,
    Payments,
}

impl CsvKind {
    pub const ALL: [CsvKind; 3] = [CsvKind::Accounts, CsvKind::Invoices, CsvKind::Payments];

    pub fn as_str(self) -> &'static str {
        match self {
            CsvKind::Accounts => "accounts",
            CsvKind::Invoices => "invoices",
            CsvKind::Payments => "payments",
        }
    }

    pub fn parse(text: &str) -> Option<CsvKind> {
        CsvKind::ALL.into_iter().find(|k| k.as_str() == text.trim().to_ascii_lowercase())
    }

    /// The columns a file must have, and those it may have.
    pub fn columns(self) -> (&'static [&'static str], Vec<&'static str>) {
        match self {
            CsvKind::Accounts => (accounts::REQUIRED, accounts::optional()),
            CsvKind::Invoices => (ledger::INVOICE_REQUIRED, ledger::INVOICE_OPTIONAL.to_vec()),
            CsvKind::Payments => (ledger::PAYMENT_REQUIRED, ledger::PAYMENT_OPTIONAL.to_vec()),
        }
    }
}

/// A file to import and how.
#[derive(Clone, Debug)]
pub struct CsvImport<'a> {
    pub kind: CsvKind,
    /// The name it is remembered by (a path, or the uploaded file's name).
    pub file_name: String,
    pub bytes: &'a [u8],
    /// Import it again although the same content was imported before.
    pub force: bool,
    pub key: Option<IdempotencyKey>,
    /// Accounts opened with no date are opened on this day.
    pub today: Date,
}

/// What an import did.
#[derive(Clone, Debug)]
pub struct CsvImported {
    /// The rows (accounts, payments) or invoices the file held.
    pub records: usize,
    pub applied: BulkOutcome,
    /// Answered from its idempotency key: nothing was posted again.
    pub replayed: bool,
}

/// Why nothing was imported: the file's problems by line and column, or
/// the books could not be reached.
#[derive(Debug)]
pub enum CsvRefused {
    Problems(Vec<Problem>),
    Store(StoreError),
}

impl From<StoreError> for CsvRefused {
    fn from(e: StoreError) -> CsvRefused {
        CsvRefused::Store(e)
    }
}

/// A file read into commands, each with the line it starts on.
pub(crate) struct ReadFile {
    pub(crate) commands: Vec<BulkCommand>,
    pub(crate) lines: Vec<u64>,
}

/// The file read whole: its header checked, its rows kept.
pub(crate) fn open(bytes: &[u8], kind: CsvKind) -> Result<CsvFile, Vec<Problem>> {
    let (required, optional) = kind.columns();
    CsvFile::read(bytes, required, &optional).map_err(|p| vec![p])
}

/// Every row naming an account this organisation has.
pub(crate) fn check_accounts(problems: &mut Vec<Problem>, known: &HashSet<String>, used: &[(u64, String)]) {
    for (line, number) in used {
        if number.is_empty() {
            problems.push(Problem {
                line: *line,
                column: "account_number".into(),
                reason: "is empty".into(),
            });
        } else if !known.contains(&number.to_ascii_uppercase()) {
            problems.push(Problem {
                line: *line,
                column: "account_number".into(),
                reason: format!("no account {number:?} in this organisation"),
            });
        }
    }
}

/// Problems in line order, or the commands if there are none.
pub(crate) fn finish(mut problems: Vec<Problem>, read: ReadFile) -> Result<ReadFile, Vec<Problem>> {
    if problems.is_empty() {
        Ok(read)
    } else {
        problems.sort_by_key(|p| p.line);
        Err(problems)
    }
}

impl Store {
    /// Reads a CSV file of accounts, invoices or payments and applies it
    /// all or nothing. `progress` hears how many commands are done.
    pub async fn import_csv(&self, org: &Organisation, file: &CsvImport<'_>, progress: &mut (dyn FnMut(u64) + Send)) -> Result<CsvImported, CsvRefused> {
        let currency = Currency::from_code(&org.base_currency).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let known = self.account_numbers(org).await?;
        let (read, sha256) = {
            let mut csv = open(file.bytes, file.kind).map_err(CsvRefused::Problems)?;
            let sha256 = std::mem::take(&mut csv.sha256);
            let read = match file.kind {
                CsvKind::Accounts => accounts::read(csv, &org.base_currency, &known, file.today),
                CsvKind::Invoices => ledger::read_invoices(csv, currency, &known),
                CsvKind::Payments => ledger::read_payments(csv, currency, &known),
            };
            (read.map_err(CsvRefused::Problems)?, sha256)
        };
        let imported = ImportedFile {
            kind: file.kind.as_str(),
            file_name: file.file_name.clone(),
            sha256,
            force: file.force,
            key: file.key.clone(),
        };
        let records = read.commands.len();
        match self.bulk_import(org, Some(&imported), read.commands, progress).await {
            Ok(outcome) => Ok(CsvImported {
                records,
                applied: outcome.applied,
                replayed: outcome.replayed,
            }),
            Err(error) => Err(CsvRefused::Problems(vec![Problem {
                line: read.lines.get(error.index).copied().unwrap_or(0),
                column: String::new(),
                reason: error.error.to_string(),
            }])),
        }
    }
}
