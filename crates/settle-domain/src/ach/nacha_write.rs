//! A NACHA file written from an originator's entries: one batch per
//! standard entry class, effective day and description, in the order
//! given; counts, entry hashes and totals computed; padded with records of
//! nines to a block of ten. Text is folded to what the format carries
//! (ASCII, upper case) and cut to each field's width; a value that cannot
//! be carried (an amount over ten digits, an empty name) is refused naming
//! the entry and field. Whatever this writes, `nacha::read` reads back.

use crate::ach::RoutingNumber;
use crate::Date;
use std::fmt::Write as _;

/// Who sends the file and through which bank.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Originator {
    /// The originating bank (ODFI), which receives the file.
    pub odfi: RoutingNumber,
    pub odfi_name: String,
    /// The company's identification as the bank assigned it (ten
    /// characters; often "1" and the employer identification number).
    pub company_id: String,
    pub company_name: String,
}

/// Which kind of bank account an entry moves money in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountKind {
    Checking,
    Savings,
}

/// What an entry does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Debit,
    Credit,
    /// A zero-amount prenotification of a debit: the account is checked
    /// before the first live entry.
    PrenoteDebit,
}

/// One entry to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutEntry {
    /// PPD, WEB, TEL or CCD.
    pub sec: String,
    /// Ten characters on the receiver's statement ("PAYMENT", "RETRY PYMT").
    pub description: String,
    pub effective_on: Date,
    pub direction: Direction,
    pub account_kind: AccountKind,
    pub routing: RoutingNumber,
    pub account: String,
    pub amount_minor: i64,
    /// The receiver's identification at the originator (the account number in Settle).
    pub individual_id: String,
    pub name: String,
    /// The entry's sequence in its trace number (1 to 9999999), unique in
    /// the file; the trace number is the ODFI's first eight digits and
    /// this (`trace_number`), which a return or NOC quotes back.
    pub trace: u32,
}

/// The trace number an entry with sequence `sequence` carries.
pub fn trace_number(odfi: &RoutingNumber, sequence: u32) -> String {
    format!("{}{sequence:07}", odfi.first_eight())
}

const SECS: &[&str] = &["PPD", "WEB", "TEL", "CCD"];

/// Writes the file. `created` is the file's creation day and time (HHMM),
/// `modifier` tells apart files sent the same day (A-Z, 0-9).
pub fn write(originator: &Originator, created: (Date, u16), modifier: char, entries: &[OutEntry]) -> Result<String, String> {
    if !modifier.is_ascii_uppercase() && !modifier.is_ascii_digit() {
        return Err(format!("file ID modifier: {modifier:?} is not A-Z or 0-9"));
    }
    let (day, time) = created;
    if time / 100 > 23 || time % 100 > 59 {
        return Err(format!("creation time: {time:04} is not a time of day (HHMM)"));
    }
    let company_id = text(&originator.company_id, 10);
    if company_id.trim().is_empty() {
        return Err("company identification: required".into());
    }
    let mut traces = std::collections::HashSet::with_capacity(entries.len());
    for (i, e) in entries.iter().enumerate() {
        let bad = |field: &str, why: String| format!("entry {}: {field}: {why}", i + 1);
        if !SECS.contains(&e.sec.as_str()) {
            return Err(bad("standard entry class", format!("{:?} is not PPD, WEB, TEL or CCD", e.sec)));
        }
        let max = 9_999_999_999;
        let amount_ok = match e.direction {
            Direction::PrenoteDebit => e.amount_minor == 0,
            _ => (1..=max).contains(&e.amount_minor),
        };
        if !amount_ok {
            return Err(bad(
                "amount",
                format!("{} minor units cannot be sent (1 to 9999999999; a prenote is 0)", e.amount_minor),
            ));
        }
        if folded(&e.account).trim().is_empty() || e.account.trim().len() > 17 {
            return Err(bad("account", "1 to 17 characters are needed".into()));
        }
        if folded(&e.name).trim().is_empty() {
            return Err(bad("name", "required".into()));
        }
        if folded(&e.description).trim().is_empty() {
            return Err(bad("description", "required".into()));
        }
        if !(1..=9_999_999).contains(&e.trace) {
            return Err(bad("trace", format!("sequence {} is not 1 to 9999999", e.trace)));
        }
        if !traces.insert(e.trace) {
            return Err(bad("trace", format!("sequence {} is already used in this file", e.trace)));
        }
    }
    let mut records = Records::with_capacity(entries.len() + 16);
    records.push(&format!(
        "101 {}{}{}{}{modifier}094101{}{}{}",
        originator.odfi.as_str(),
        text(&originator.company_id, 10),
        yymmdd(day),
        format_args!("{time:04}"),
        text(&originator.odfi_name, 23),
        text(&originator.company_name, 23),
        " ".repeat(8)
    ));
    // Batches by class, day and description, in the order first met.
    let mut keys: Vec<(&str, Date, String)> = Vec::new();
    let mut members: std::collections::HashMap<(&str, Date, String), Vec<&OutEntry>> = std::collections::HashMap::new();
    for e in entries {
        let key = (e.sec.as_str(), e.effective_on, text(&e.description, 10));
        if let Some(list) = members.get_mut(&key) {
            list.push(e);
        } else {
            keys.push(key.clone());
            members.insert(key, vec![e]);
        }
    }
    let (mut file_count, mut file_hash, mut file_debits, mut file_credits) = (0u64, 0u64, 0i64, 0i64);
    for (b, (sec, effective_on, description)) in keys.iter().enumerate() {
        let mut batch = members.remove(&(*sec, *effective_on, description.clone())).unwrap_or_default();
        // Trace numbers ascend within a batch.
        batch.sort_by_key(|e| e.trace);
        let debits_only = batch.iter().all(|e| e.direction != Direction::Credit);
        let credits_only = batch.iter().all(|e| e.direction == Direction::Credit);
        let class = if debits_only {
            225
        } else if credits_only {
            220
        } else {
            200
        };
        let number = b + 1;
        records.push(&format!(
            "5{class}{}{}{company_id}{sec}{description}{}{}   1{}{number:07}",
            text(&originator.company_name, 16),
            " ".repeat(20),
            " ".repeat(6),
            yymmdd(*effective_on),
            originator.odfi.first_eight()
        ));
        let (mut hash, mut debits, mut credits) = (0u64, 0i64, 0i64);
        let odfi8 = originator.odfi.first_eight();
        for e in &batch {
            let code = match (e.account_kind, e.direction) {
                (AccountKind::Checking, Direction::Credit) => 22,
                (AccountKind::Checking, Direction::Debit) => 27,
                (AccountKind::Checking, Direction::PrenoteDebit) => 28,
                (AccountKind::Savings, Direction::Credit) => 32,
                (AccountKind::Savings, Direction::Debit) => 37,
                (AccountKind::Savings, Direction::PrenoteDebit) => 38,
            };
            let payment_type = if *sec == "WEB" || *sec == "TEL" { "S " } else { "  " };
            // The entry record, written in place: 100,000 of them are a
            // file a day for a large originator.
            let r = records.start();
            let _ = write!(r, "6{code}{}", e.routing.as_str());
            push_text(r, &e.account, 17);
            let _ = write!(r, "{:010}", e.amount_minor);
            push_text(r, &e.individual_id, 15);
            push_text(r, &e.name, 22);
            let _ = write!(r, "{payment_type}0{}{:07}", odfi8, e.trace);
            hash += e.routing.first_eight().bytes().fold(0u64, |n, b| n * 10 + u64::from(b - b'0'));
            match e.direction {
                Direction::Credit => credits += e.amount_minor,
                _ => debits += e.amount_minor,
            }
        }
        let count = batch.len() as u64;
        records.push(&format!(
            "8{class}{count:06}{:010}{debits:012}{credits:012}{company_id}{}{}{}{number:07}",
            hash % 10_000_000_000,
            " ".repeat(19),
            " ".repeat(6),
            originator.odfi.first_eight()
        ));
        file_count += count;
        file_hash += hash;
        file_debits += debits;
        file_credits += credits;
    }
    let blocks = (records.len() + 1).div_ceil(10);
    records.push(&format!(
        "9{:06}{blocks:06}{file_count:08}{:010}{file_debits:012}{file_credits:012}{}",
        keys.len(),
        file_hash % 10_000_000_000,
        " ".repeat(39)
    ));
    while records.len() % 10 != 0 {
        records.push(&"9".repeat(94));
    }
    let mut out = records.text;
    out.push('\n');
    debug_assert!(out.lines().all(|r| r.len() == 94), "{out}");
    Ok(out)
}

/// Records written one after another into one text, a newline between.
struct Records {
    text: String,
    count: usize,
}

impl Records {
    fn with_capacity(records: usize) -> Records {
        Records {
            text: String::with_capacity(records * 95),
            count: 0,
        }
    }
    fn len(&self) -> usize {
        self.count
    }
    fn push(&mut self, record: &str) {
        self.start().push_str(record);
    }
    /// Starts the next record and gives the text to write it into.
    fn start(&mut self) -> &mut String {
        if self.count > 0 {
            self.text.push('\n');
        }
        self.count += 1;
        &mut self.text
    }
}

/// `value` as an alphanumeric field: folded as every outgoing file folds
/// text (`names::x12_text`: ASCII, no control characters, single spaces,
/// upper case), cut to `width`, padded with spaces.
pub(crate) fn text(value: &str, width: usize) -> String {
    let mut out = String::with_capacity(width);
    push_text(&mut out, value, width);
    out
}

/// `value` folded (borrowed when it is already what the format carries:
/// printable ASCII capitals, single spaces inside).
fn folded(value: &str) -> std::borrow::Cow<'_, str> {
    let b = value.as_bytes();
    let plain = b.iter().all(|c| (0x20..0x7f).contains(c) && !c.is_ascii_lowercase())
        && b.first() != Some(&b' ')
        && b.last() != Some(&b' ')
        && !b.windows(2).any(|w| w == b"  ");
    if plain {
        return std::borrow::Cow::Borrowed(value);
    }
    if !b.iter().all(|c| (0x20..0x7f).contains(c)) {
        return std::borrow::Cow::Owned(crate::names::x12_text(value));
    }
    // Printable ASCII: capitals, single spaces, in one pass (what
    // names::x12_text makes of it).
    let mut out = String::with_capacity(b.len());
    for word in value.split(' ').filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(word.chars().map(|c| c.to_ascii_uppercase()));
    }
    std::borrow::Cow::Owned(out)
}

/// [`text`] appended to `out`.
fn push_text(out: &mut String, value: &str, width: usize) {
    let folded = folded(value);
    // Folded text is ASCII: a byte is a character.
    let cut = &folded[..folded.len().min(width)];
    out.push_str(cut);
    out.extend(std::iter::repeat_n(' ', width - cut.len()));
}

pub(crate) fn yymmdd(day: Date) -> String {
    format!("{:02}{:02}{:02}", day.year() % 100, day.month(), day.day())
}
