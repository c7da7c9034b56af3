//! The daily journals written for a general ledger: QuickBooks Online (the
//! JSON of its JournalEntry API and the CSV its journal import takes),
//! QuickBooks Desktop (IIF), Xero (the manual journal import CSV) and plain
//! CSV. Amounts are written from minor units, never through a float.

use std::collections::BTreeMap;

use crate::ledger::GlAccount;
use crate::money::format_minor;

use super::DayJournal;

/// Where one of Settle's accounts goes in the customer's general ledger.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// The account as the ledger names it: a QuickBooks account name
    /// ("Checking", "Accounts Receivable:Patients") or a Xero account code.
    pub account: String,
    /// QuickBooks Online's account id (its API refers to accounts by id);
    /// empty where not known.
    pub id: String,
}

impl Target {
    /// A target as typed, or the reason it cannot be written into a file
    /// (named by field).
    pub fn new(account: &str, id: &str) -> Result<Target, (&'static str, String)> {
        let account = account.trim();
        let id = id.trim();
        if account.is_empty() {
            return Err(("target_account", "required".into()));
        }
        if account.chars().count() > 100 {
            return Err(("target_account", "at most 100 characters".into()));
        }
        // A name a spreadsheet would run as a formula when the CSV is opened
        // there; no ledger names an account so.
        if account.starts_with(['=', '+', '-', '@']) {
            return Err((
                "target_account",
                format!("cannot begin with {:?}: a spreadsheet would run it as a formula", &account[..1]),
            ));
        }
        for (field, text) in [("target_account", account), ("target_id", id)] {
            if let Some(c) = text.chars().find(|c| c.is_control() || *c == '"') {
                return Err((field, format!("{c:?} cannot be carried by an IIF or CSV import")));
            }
        }
        if !id.chars().all(|c| c.is_ascii_alphanumeric()) || id.len() > 20 {
            return Err(("target_id", "QuickBooks Online's account id: letters and digits, at most 20".into()));
        }
        Ok(Target {
            account: account.to_string(),
            id: id.to_string(),
        })
    }
}

/// Settle's chart mapped to the customer's.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Mapping(pub BTreeMap<GlAccount, Target>);

/// A file format for the general ledger.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    /// QuickBooks Online: a JSON array of JournalEntry objects for its API.
    QboJson,
    /// QuickBooks Online: the CSV its journal entry import takes.
    QboCsv,
    /// QuickBooks Desktop: IIF, GENERAL JOURNAL transactions.
    Iif,
    /// Xero: the manual journal import CSV.
    XeroCsv,
    /// Plain CSV: one row per journal line with Settle's codes beside the mapped account.
    Csv,
}

impl ExportFormat {
    pub const ALL: [ExportFormat; 5] = [
        ExportFormat::QboJson,
        ExportFormat::QboCsv,
        ExportFormat::Iif,
        ExportFormat::XeroCsv,
        ExportFormat::Csv,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ExportFormat::QboJson => "qbo-json",
            ExportFormat::QboCsv => "qbo-csv",
            ExportFormat::Iif => "iif",
            ExportFormat::XeroCsv => "xero-csv",
            ExportFormat::Csv => "csv",
        }
    }

    pub fn parse(text: &str) -> Result<ExportFormat, String> {
        let wanted = text.trim().to_ascii_lowercase().replace('_', "-");
        ExportFormat::ALL
            .into_iter()
            .find(|f| f.as_str() == wanted)
            .ok_or_else(|| format!("{text:?} is not qbo-json, qbo-csv, iif, xero-csv or csv"))
    }

    /// The file name's ending.
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::QboJson => "json",
            ExportFormat::Iif => "iif",
            _ => "csv",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            ExportFormat::QboJson => "application/json",
            ExportFormat::Iif => "text/plain; charset=utf-8",
            _ => "text/csv; charset=utf-8",
        }
    }

    /// Whether every account used must be mapped (the ledger refuses an
    /// account it does not have; plain CSV carries Settle's own codes).
    fn needs_mapping(self) -> bool {
        self != ExportFormat::Csv
    }
}

/// Accounts used by the journals that the mapping leaves out (or, for the
/// QuickBooks Online API, maps without an account id).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{} must be mapped to the general ledger's accounts{} before a {format} export: {}", if .accounts.len() == 1 { "this account" } else { "these accounts" }, if *.needs_id { " (with QuickBooks Online's account id)" } else { "" }, .accounts.join(", "))]
pub struct Unmapped {
    pub format: &'static str,
    pub needs_id: bool,
    /// "1000 Cash / undeposited funds", ...
    pub accounts: Vec<String>,
}

fn label(gl: GlAccount) -> String {
    format!("{} {}", gl.code(), gl.name())
}

fn memo(journal: &DayJournal) -> String {
    if journal.is_correction() {
        format!("Settle daily summary {}: correction {} ({})", journal.day, journal.seq, journal.id)
    } else {
        format!("Settle daily summary {} ({})", journal.day, journal.id)
    }
}

fn us_date(journal: &DayJournal) -> String {
    journal.day.strftime("%m/%d/%Y").to_string()
}

fn money(journal: &DayJournal, minor: i64) -> String {
    format_minor(minor, journal.currency.exponent())
}

/// The journals in `format`, every account mapped where the format needs it.
pub fn render(format: ExportFormat, journals: &[DayJournal], mapping: &Mapping) -> Result<String, Unmapped> {
    let needs_id = format == ExportFormat::QboJson;
    if format.needs_mapping() {
        let mut used: Vec<GlAccount> = journals.iter().flat_map(|j| j.lines.iter().map(|(gl, _)| *gl)).collect();
        used.sort();
        used.dedup();
        let missing: Vec<String> = used
            .into_iter()
            .filter(|gl| mapping.0.get(gl).is_none_or(|t| needs_id && t.id.is_empty()))
            .map(label)
            .collect();
        if !missing.is_empty() {
            return Err(Unmapped {
                format: format.as_str(),
                needs_id,
                accounts: missing,
            });
        }
    }
    let target = |gl: GlAccount| mapping.0.get(&gl);
    let account = |gl: GlAccount| target(gl).map_or_else(|| label(gl), |t| t.account.clone());
    Ok(match format {
        ExportFormat::QboJson => qbo_json(journals, mapping),
        ExportFormat::QboCsv => csv_rows(
            &["Journal No", "Journal Date", "Account", "Debits", "Credits", "Description", "Currency"],
            journals,
            |j, gl, amount| {
                let (debit, credit) = sides(j, amount);
                vec![j.id.clone(), us_date(j), account(gl), debit, credit, memo(j), j.currency.code().to_string()]
            },
        ),
        ExportFormat::XeroCsv => csv_rows(
            &["*Narration", "*Date", "Description", "*AccountCode", "*TaxRate", "*Amount"],
            journals,
            |j, gl, amount| vec![memo(j), us_date(j), label(gl), account(gl), "Tax Exempt".into(), money(j, amount)],
        ),
        ExportFormat::Csv => csv_rows(
            &[
                "journal_id",
                "date",
                "currency",
                "gl_code",
                "gl_account",
                "target_account",
                "debit",
                "credit",
                "memo",
            ],
            journals,
            |j, gl, amount| {
                let (debit, credit) = sides(j, amount);
                let mapped = target(gl).map(|t| t.account.clone()).unwrap_or_default();
                vec![
                    j.id.clone(),
                    j.day.to_string(),
                    j.currency.code().to_string(),
                    gl.code().into(),
                    gl.name().into(),
                    mapped,
                    debit,
                    credit,
                    memo(j),
                ]
            },
        ),
        ExportFormat::Iif => iif(journals, &account),
    })
}

/// Debit and credit columns, each positive, the other empty.
fn sides(journal: &DayJournal, amount: i64) -> (String, String) {
    if amount >= 0 {
        (money(journal, amount), String::new())
    } else {
        (String::new(), money(journal, -amount))
    }
}

fn csv_rows(header: &[&str], journals: &[DayJournal], row: impl Fn(&DayJournal, GlAccount, i64) -> Vec<String>) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    // Writing to memory cannot fail; a failure here is a bug worth a panic.
    w.write_record(header).expect("writing CSV to memory");
    for j in journals {
        for (gl, amount) in &j.lines {
            w.write_record(row(j, *gl, *amount)).expect("writing CSV to memory");
        }
    }
    String::from_utf8(w.into_inner().expect("writing CSV to memory")).expect("CSV of UTF-8 fields")
}

fn iif(journals: &[DayJournal], account: &dyn Fn(GlAccount) -> String) -> String {
    let mut out =
        String::from("!TRNS\tTRNSID\tTRNSTYPE\tDATE\tACCNT\tAMOUNT\tDOCNUM\tMEMO\n!SPL\tSPLID\tTRNSTYPE\tDATE\tACCNT\tAMOUNT\tDOCNUM\tMEMO\n!ENDTRNS\n");
    for j in journals {
        for (n, (gl, amount)) in j.lines.iter().enumerate() {
            let kind = if n == 0 { "TRNS" } else { "SPL" };
            out.push_str(&format!(
                "{kind}\t\tGENERAL JOURNAL\t{}\t{}\t{}\t{}\t{}\n",
                us_date(j),
                account(*gl),
                money(j, *amount),
                j.id,
                memo(j)
            ));
        }
        out.push_str("ENDTRNS\n");
    }
    out
}

fn qbo_json(journals: &[DayJournal], mapping: &Mapping) -> String {
    let text = |s: &str| serde_json::to_string(s).expect("a string is JSON");
    let mut out = String::from("[");
    for (n, j) in journals.iter().enumerate() {
        if n > 0 {
            out.push(',');
        }
        out.push_str(&format!(
            "\n  {{\"DocNumber\": {}, \"TxnDate\": \"{}\", \"CurrencyRef\": {{\"value\": \"{}\"}}, \"PrivateNote\": {}, \"Line\": [",
            text(&j.id),
            j.day,
            j.currency.code(),
            text(&memo(j))
        ));
        for (i, (gl, amount)) in j.lines.iter().enumerate() {
            let t = &mapping.0[gl];
            out.push_str(&format!(
                "{}\n    {{\"Description\": {}, \"Amount\": {}, \"DetailType\": \"JournalEntryLineDetail\", \"JournalEntryLineDetail\": {{\"PostingType\": \"{}\", \"AccountRef\": {{\"value\": {}, \"name\": {}}}}}}}",
                if i > 0 { "," } else { "" },
                text(&label(*gl)),
                money(j, amount.abs()),
                if *amount >= 0 { "Debit" } else { "Credit" },
                text(&t.id),
                text(&t.account)
            ));
        }
        out.push_str("\n  ]}");
    }
    out.push_str("\n]\n");
    out
}
