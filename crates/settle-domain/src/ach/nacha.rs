//! A NACHA file read whole or refused whole: the fixed-width records of the
//! Nacha Operating Rules' Appendix One (file header 1, batch header 5,
//! entry 6, addenda 7, batch control 8, file control 9, padding of 9s to a
//! block of ten), every count, hash and total checked against what the
//! file holds, and each problem named by its line and field.
//!
//! What Settle reads from a bank is its answers to Settle's debits: return
//! entries (addenda type 99, a return reason code) and notifications of
//! change (type 98, a change code and the corrected data); payment-related
//! addenda (05) are kept as text. Batches in the ADV layout (accounting
//! advices between banks) are not entries of an originator and are refused.

use crate::ach::RoutingNumber;
use crate::Date;

/// One record's length, and the records a block holds.
const RECORD: usize = 94;
const BLOCK: usize = 10;

/// A file that read cleanly.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NachaFile {
    /// Immediate destination and origin (ten characters each, as sent).
    pub destination: String,
    pub origin: String,
    pub created_on: Date,
    pub file_id_modifier: char,
    pub destination_name: String,
    pub origin_name: String,
    pub batches: Vec<Batch>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Batch {
    /// 200 mixed, 220 credits only, 225 debits only.
    pub service_class: u16,
    pub company_name: String,
    pub company_id: String,
    /// Standard entry class: PPD, WEB, TEL, CCD, COR, ...
    pub sec: String,
    pub description: String,
    /// The day the originator asked for (`None` where a bank's answer left
    /// it blank or zero).
    pub effective_on: Option<Date>,
    pub odfi: String,
    pub number: u32,
    pub entries: Vec<Entry>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// 22/27 checking credit/debit, 32/37 savings, 23/28 prenotes, 21/26
    /// returns and notifications of change, ...
    pub transaction_code: u8,
    pub routing: RoutingNumber,
    pub account: String,
    pub amount_minor: i64,
    pub individual_id: String,
    pub name: String,
    pub trace: String,
    pub addenda: Vec<Addenda>,
    /// The line the entry is on, counting from 1.
    pub line: usize,
}

impl Entry {
    pub fn is_debit(&self) -> bool {
        is_debit(self.transaction_code)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Addenda {
    /// Type 05: payment-related information, as text.
    Payment(String),
    /// Type 99: the entry is returned.
    Return {
        code: String,
        original_trace: String,
        date_of_death: Option<Date>,
        original_rdfi: String,
        information: String,
    },
    /// Type 98: notification of change.
    Change {
        code: String,
        original_trace: String,
        original_rdfi: String,
        corrected_data: String,
    },
}

pub use crate::file_problem::Problem;

/// Reads a NACHA file, or says every problem found (up to a hundred); a
/// file with any problem is refused whole.
pub fn read(text: &str) -> Result<NachaFile, Vec<Problem>> {
    let mut reader = Reader::default();
    let lines = split_records(text, &mut reader.problems);
    let file = reader.file(&lines);
    if reader.problems.is_empty() {
        file.ok_or_else(|| vec![problem(1, "file", "no file header")])
    } else {
        reader.problems.truncate(100);
        Err(reader.problems)
    }
}

fn problem(line: usize, field: &'static str, message: impl Into<String>) -> Problem {
    Problem {
        line,
        field,
        message: message.into(),
    }
}

/// The records, one per line; a file sent as one unbroken stream of
/// 94-character records is split; a trailing carriage return is dropped.
fn split_records<'a>(text: &'a str, problems: &mut Vec<Problem>) -> Vec<&'a str> {
    let mut lines: Vec<&str> = text.lines().map(|l| l.strip_suffix('\r').unwrap_or(l)).collect();
    while lines.last().is_some_and(|l| l.trim().is_empty()) {
        lines.pop();
    }
    if lines.len() == 1 && lines[0].len() > RECORD && lines[0].len() % RECORD == 0 && lines[0].is_ascii() {
        let one = lines[0];
        lines = (0..one.len() / RECORD).map(|i| &one[i * RECORD..(i + 1) * RECORD]).collect();
    }
    for (i, line) in lines.iter().enumerate() {
        if !line.is_ascii() {
            problems.push(problem(i + 1, "record", "holds characters outside ASCII"));
        } else if line.len() != RECORD {
            problems.push(problem(i + 1, "record", format!("is {} characters long; every record is {RECORD}", line.len())));
        }
    }
    lines
}

#[derive(Default)]
struct Reader {
    problems: Vec<Problem>,
}

/// Where a control record keeps its count, hash and totals (positions
/// from 1, inclusive).
#[derive(Clone, Copy)]
struct Control {
    count: (usize, usize),
    hash: (usize, usize),
    debits: (usize, usize),
    credits: (usize, usize),
}

const BATCH_CONTROL: Control = Control {
    count: (5, 10),
    hash: (11, 20),
    debits: (21, 32),
    credits: (33, 44),
};

const FILE_CONTROL: Control = Control {
    count: (14, 21),
    hash: (22, 31),
    debits: (32, 43),
    credits: (44, 55),
};

/// Totals a control record must agree with.
#[derive(Default)]
struct Totals {
    entries_and_addenda: u64,
    hash: u64,
    debits: i64,
    credits: i64,
}

impl Reader {
    fn file(&mut self, lines: &[&str]) -> Option<NachaFile> {
        if !self.problems.is_empty() {
            return None;
        }
        let Some(first) = lines.first() else {
            self.problems.push(problem(1, "file", "is empty"));
            return None;
        };
        if !first.starts_with('1') {
            self.problems
                .push(problem(1, "record type", "a file starts with its file header (record type 1)"));
            return None;
        }
        let mut file = self.header(first)?;
        let mut at = 1;
        let mut totals = Totals::default();
        let mut control_seen = false;
        while at < lines.len() {
            let line = lines[at];
            match &line[..1] {
                "5" => {
                    let (batch, next, batch_totals) = self.batch(lines, at);
                    totals.entries_and_addenda += batch_totals.entries_and_addenda;
                    totals.hash += batch_totals.hash;
                    totals.debits += batch_totals.debits;
                    totals.credits += batch_totals.credits;
                    if let Some(batch) = batch {
                        file.batches.push(batch);
                    }
                    at = next;
                }
                "9" => {
                    self.file_control(lines, at, file.batches.len(), &totals);
                    control_seen = true;
                    // What follows is padding: records of nines to the block.
                    for (i, rest) in lines.iter().enumerate().skip(at + 1) {
                        if !rest.bytes().all(|b| b == b'9') {
                            self.problems
                                .push(problem(i + 1, "record", "after the file control only padding (all 9s) may follow"));
                        }
                    }
                    break;
                }
                other => {
                    self.problems.push(problem(
                        at + 1,
                        "record type",
                        format!("{other:?} where a batch header (5) or the file control (9) belongs"),
                    ));
                    at += 1;
                }
            }
        }
        if !control_seen {
            self.problems
                .push(problem(lines.len(), "file control", "the file ends without its file control record (9)"));
        }
        Some(file)
    }

    fn header(&mut self, line: &str) -> Option<NachaFile> {
        let before = self.problems.len();
        self.expect(1, line, 2, 3, "priority code", "01");
        self.expect(1, line, 35, 37, "record size", "094");
        self.expect(1, line, 38, 39, "blocking factor", "10");
        self.expect(1, line, 40, 40, "format code", "1");
        let created_on = self.date(1, line, 24, 29, "file creation date");
        let modifier = line.as_bytes()[33] as char;
        if !modifier.is_ascii_uppercase() && !modifier.is_ascii_digit() {
            self.problems.push(problem(1, "file ID modifier", format!("{modifier:?} is not A-Z or 0-9")));
        }
        if self.problems.len() > before {
            return None;
        }
        Some(NachaFile {
            destination: field(line, 4, 13).to_string(),
            origin: field(line, 14, 23).to_string(),
            created_on: created_on?,
            file_id_modifier: modifier,
            destination_name: field(line, 41, 63).trim().to_string(),
            origin_name: field(line, 64, 86).trim().to_string(),
            batches: Vec::new(),
        })
    }

    /// The batch whose header is at `lines[at]`: the batch (if it read), the
    /// index after its control, and what it adds to the file's totals.
    fn batch(&mut self, lines: &[&str], at: usize) -> (Option<Batch>, usize, Totals) {
        let header = lines[at];
        let n = at + 1;
        let before = self.problems.len();
        let service_class = self.number(n, header, 2, 4, "service class code").unwrap_or(0) as u16;
        if ![200, 220, 225].contains(&service_class) {
            self.problems
                .push(problem(n, "service class code", format!("{service_class} is not 200, 220 or 225")));
        }
        let sec = field(header, 51, 53).to_string();
        if sec == "ADV" {
            self.problems.push(problem(
                n,
                "standard entry class",
                "ADV (accounting advices between banks) is not a file of an originator's entries",
            ));
        }
        // Banks' answers (COR batches, some returns) may leave it blank or zero.
        let effective_on = match field(header, 70, 75).trim() {
            "" | "000000" => None,
            _ => self.date(n, header, 70, 75, "effective entry date"),
        };
        let number = self.number(n, header, 88, 94, "batch number").unwrap_or(0) as u32;
        let mut batch = Batch {
            service_class,
            company_name: field(header, 5, 20).trim().to_string(),
            company_id: field(header, 41, 50).to_string(),
            sec,
            description: field(header, 54, 63).trim().to_string(),
            effective_on,
            odfi: field(header, 80, 87).to_string(),
            number,
            entries: Vec::new(),
        };
        let mut totals = Totals::default();
        let mut i = at + 1;
        while i < lines.len() && lines[i].starts_with('6') {
            let (entry, next) = self.entry(lines, i);
            totals.entries_and_addenda += (next - i) as u64;
            if let Some(entry) = entry {
                totals.hash += entry.routing.first_eight().parse::<u64>().unwrap_or(0);
                if is_debit(entry.transaction_code) {
                    totals.debits += entry.amount_minor;
                } else {
                    totals.credits += entry.amount_minor;
                }
                batch.entries.push(entry);
            }
            i = next;
        }
        if i >= lines.len() || !lines[i].starts_with('8') {
            let line = (i + 1).min(lines.len());
            self.problems.push(problem(
                line,
                "batch control",
                format!("batch {number} (line {n}) has no batch control record (8) after its entries"),
            ));
            return (None, i, totals);
        }
        let control = lines[i];
        let c = i + 1;
        if field(control, 2, 4) != field(header, 2, 4) {
            self.problems.push(problem(c, "service class code", "differs from its batch header's"));
        }
        if field(control, 45, 54).trim() != field(header, 41, 50).trim() {
            self.problems.push(problem(c, "company identification", "differs from its batch header's"));
        }
        if field(control, 80, 87) != field(header, 80, 87) || field(control, 88, 94) != field(header, 88, 94) {
            self.problems
                .push(problem(c, "originating bank and batch number", "differ from the batch header's"));
        }
        if batch.entries.is_empty() && self.problems.len() == before {
            self.problems.push(problem(n, "batch", "holds no entries"));
        }
        self.agree(c, control, &BATCH_CONTROL, &totals);
        let ok = self.problems.len() == before;
        (ok.then_some(batch), i + 1, totals)
    }

    /// The entry at `lines[at]` with its addenda: the entry (if it read) and
    /// the index after its last addenda.
    fn entry(&mut self, lines: &[&str], at: usize) -> (Option<Entry>, usize) {
        let line = lines[at];
        let n = at + 1;
        let before = self.problems.len();
        let code = self.number(n, line, 2, 3, "transaction code").unwrap_or(0) as u8;
        if !is_debit(code) && !is_credit(code) {
            self.problems
                .push(problem(n, "transaction code", format!("{code:02} is not a debit or credit code")));
        }
        let routing = match RoutingNumber::parse(field(line, 4, 12)) {
            Ok(r) => Some(r),
            Err(e) => {
                self.problems.push(problem(n, "receiving bank routing number", e));
                None
            }
        };
        let amount = self.number(n, line, 30, 39, "amount");
        let indicator = field(line, 79, 79);
        let mut next = at + 1;
        let mut addenda = Vec::new();
        while next < lines.len() && lines[next].starts_with('7') {
            if let Some(a) = self.addenda(lines[next], next + 1) {
                addenda.push(a);
            }
            next += 1;
        }
        match (indicator, addenda.len()) {
            ("0", 0) => {}
            ("1", 1..) => {}
            ("0", _) => self.problems.push(problem(n, "addenda record indicator", "says no addenda but addenda follow")),
            ("1", _) => self.problems.push(problem(n, "addenda record indicator", "says addenda follow but none do")),
            (other, _) => self.problems.push(problem(n, "addenda record indicator", format!("{other:?} is not 0 or 1"))),
        }
        let answers = addenda.iter().filter(|a| !matches!(a, Addenda::Payment(_))).count();
        if answers > 1 {
            self.problems
                .push(problem(n, "addenda", "a return or notification of change carries exactly one 98 or 99 addenda"));
        }
        if self.problems.len() > before {
            return (None, next);
        }
        let entry = Entry {
            transaction_code: code,
            routing: routing.expect("no problem means it parsed"),
            account: field(line, 13, 29).trim().to_string(),
            amount_minor: amount.expect("no problem means it parsed") as i64,
            individual_id: field(line, 40, 54).trim().to_string(),
            name: field(line, 55, 76).trim().to_string(),
            trace: field(line, 80, 94).to_string(),
            addenda,
            line: n,
        };
        (Some(entry), next)
    }

    fn addenda(&mut self, line: &str, n: usize) -> Option<Addenda> {
        let original_trace = || field(line, 7, 21).to_string();
        match field(line, 2, 3) {
            "05" => Some(Addenda::Payment(field(line, 4, 83).trim().to_string())),
            "99" => {
                let code = field(line, 4, 6).to_string();
                if !code.starts_with('R') || !code[1..].bytes().all(|b| b.is_ascii_digit()) {
                    self.problems
                        .push(problem(n, "return reason code", format!("{code:?} is not R and two digits")));
                    return None;
                }
                let date_of_death = match field(line, 22, 27).trim() {
                    "" => None,
                    _ => Some(self.date(n, line, 22, 27, "date of death")?),
                };
                Some(Addenda::Return {
                    code,
                    original_trace: original_trace(),
                    date_of_death,
                    original_rdfi: field(line, 28, 35).to_string(),
                    information: field(line, 36, 79).trim().to_string(),
                })
            }
            "98" => {
                let code = field(line, 4, 6).to_string();
                if !code.starts_with('C') || !code[1..].bytes().all(|b| b.is_ascii_digit()) {
                    self.problems.push(problem(n, "change code", format!("{code:?} is not C and two digits")));
                    return None;
                }
                Some(Addenda::Change {
                    code,
                    original_trace: original_trace(),
                    original_rdfi: field(line, 28, 35).to_string(),
                    corrected_data: field(line, 36, 64).trim().to_string(),
                })
            }
            other => {
                self.problems.push(problem(n, "addenda type code", format!("{other:?} is not 05, 98 or 99")));
                None
            }
        }
    }

    fn file_control(&mut self, lines: &[&str], at: usize, batches: usize, totals: &Totals) {
        let line = lines[at];
        let n = at + 1;
        if let Some(count) = self.number(n, line, 2, 7, "batch count") {
            let found = lines.iter().filter(|l| l.starts_with('5')).count() as u64;
            if count != found {
                self.problems
                    .push(problem(n, "batch count", format!("says {count}; the file holds {found} ({batches} read)")));
            }
        }
        if let Some(blocks) = self.number(n, line, 8, 13, "block count") {
            let needed = lines.len().div_ceil(BLOCK) as u64;
            if blocks != needed {
                self.problems
                    .push(problem(n, "block count", format!("says {blocks}; {} records make {needed}", lines.len())));
            }
        }
        self.agree(n, line, &FILE_CONTROL, totals);
    }

    /// A control record's count, hash and totals against what was read.
    fn agree(&mut self, n: usize, line: &str, layout: &Control, totals: &Totals) {
        let Control { count, hash, debits, credits } = *layout;
        if let Some(said) = self.number(n, line, count.0, count.1, "entry and addenda count") {
            if said != totals.entries_and_addenda {
                self.problems.push(problem(
                    n,
                    "entry and addenda count",
                    format!("says {said}; {} are there", totals.entries_and_addenda),
                ));
            }
        }
        if let Some(said) = self.number(n, line, hash.0, hash.1, "entry hash") {
            let sum = totals.hash % 10_000_000_000;
            if said != sum {
                self.problems
                    .push(problem(n, "entry hash", format!("says {said}; the routing numbers add up to {sum}")));
            }
        }
        for ((from, to), name, total) in [(debits, "total debit amount", totals.debits), (credits, "total credit amount", totals.credits)] {
            if let Some(said) = self.number(n, line, from, to, name) {
                if said as i64 != total {
                    self.problems.push(problem(n, name, format!("says {said}; the entries add up to {total}")));
                }
            }
        }
    }

    /// A field that must hold exactly `want`.
    fn expect(&mut self, n: usize, line: &str, from: usize, to: usize, name: &'static str, want: &str) {
        let got = field(line, from, to);
        if got != want {
            self.problems.push(problem(n, name, format!("is {got:?}; it must be {want:?}")));
        }
    }

    /// A numeric field (digits only; positions counted from 1, inclusive).
    fn number(&mut self, n: usize, line: &str, from: usize, to: usize, name: &'static str) -> Option<u64> {
        let text = field(line, from, to);
        if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
            self.problems.push(problem(n, name, format!("{text:?} is not a number")));
            return None;
        }
        text.parse().ok()
    }

    /// A YYMMDD date (years 00-99 read as 2000-2099).
    fn date(&mut self, n: usize, line: &str, from: usize, to: usize, name: &'static str) -> Option<Date> {
        let text = field(line, from, to);
        let parsed = (text.len() == 6 && text.bytes().all(|b| b.is_ascii_digit()))
            .then(|| {
                let (y, m, d) = (&text[0..2], &text[2..4], &text[4..6]);
                format!("20{y}-{m}-{d}").parse::<Date>().ok()
            })
            .flatten();
        if parsed.is_none() {
            self.problems.push(problem(n, name, format!("{text:?} is not a date (YYMMDD)")));
        }
        parsed
    }
}

/// Positions `from..=to` counted from 1, as the Rules number them.
fn field(line: &str, from: usize, to: usize) -> &str {
    line.get(from - 1..to).unwrap_or("")
}

/// Debit transaction codes (checking, savings, general ledger, loan).
fn is_debit(code: u8) -> bool {
    matches!(code, 26..=29 | 36..=39 | 46..=49 | 55 | 56)
}

fn is_credit(code: u8) -> bool {
    matches!(code, 21..=24 | 31..=34 | 41..=44 | 51..=54)
}
