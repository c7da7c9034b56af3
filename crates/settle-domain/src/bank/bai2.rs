//! A BAI2 bank statement (the Cash Management Balance Reporting
//! Specifications, version 2) read whole or refused whole: continuation
//! (88) records joined to the record they continue before fields are split,
//! a detail's text kept with its commas, the funds types (immediate,
//! distributed, value-dated, detailed) read, and every control total and
//! record count checked (account 49, group 98, file 99). Each problem is
//! named by line and field; nothing is read when any is found.

use jiff::civil::Date;

pub use crate::file_problem::Problem;

/// When the funds are available.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Funds {
    /// Not said (blank or Z).
    Unknown,
    Immediate,
    OneDay,
    TwoOrMoreDays,
    /// S: what is available immediately, in one day and in two or more.
    Distributed {
        immediate: i64,
        one_day: i64,
        more: i64,
    },
    /// V: on a value date (and time).
    ValueDated {
        date: Date,
        time: String,
    },
    /// D: amounts by the number of days until available.
    Detailed(Vec<(u32, i64)>),
}

/// A balance or total of an account (an 03 record's type code and amount).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Summary {
    pub type_code: String,
    pub amount_minor: Option<i64>,
    pub item_count: Option<u64>,
    pub funds: Funds,
}

/// One transaction (a 16 record with its continuations).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Detail {
    pub line: usize,
    pub type_code: String,
    /// Unsigned, in the currency's minor units; `credit()` says the direction.
    pub amount_minor: i64,
    pub funds: Funds,
    pub bank_reference: String,
    pub customer_reference: String,
    pub text: String,
}

impl Detail {
    /// BAI's ranges: 100-399 credits, 400-699 debits; other codes (loans,
    /// a bank's own 9xx) are the bank's to say: `None`.
    pub fn credit(&self) -> Option<bool> {
        match self.type_code.parse::<u16>().ok()? {
            100..=399 => Some(true),
            400..=699 => Some(false),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub line: usize,
    pub number: String,
    /// Blank: the group's currency.
    pub currency: String,
    pub summaries: Vec<Summary>,
    pub details: Vec<Detail>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    pub line: usize,
    pub receiver: String,
    /// The bank that sent it (often its routing number).
    pub originator: String,
    /// 1 update, 2 deletion, 3 correction, 4 test only.
    pub status: String,
    pub as_of: Date,
    pub currency: String,
    pub accounts: Vec<Account>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bai2File {
    pub sender: String,
    pub receiver: String,
    pub created: Date,
    pub file_id: String,
    pub groups: Vec<Group>,
}

/// A logical record: its code, first physical line, the physical lines it
/// spans, and its fields (a detail's text left whole as the last).
struct Record {
    code: String,
    line: usize,
    physical: u64,
    fields: Vec<String>,
}

fn logical_records(text: &str) -> Vec<Record> {
    let mut out: Vec<Record> = Vec::new();
    // The raw content of the record being built and whether it ended with
    // its '/' (a continuation then adds fields; otherwise it adds text).
    let mut raw: Vec<(String, usize, u64, bool)> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_end_matches(['\r', ' ', '\t']);
        if line.trim().is_empty() {
            continue;
        }
        let (code, rest) = line.split_once(',').unwrap_or((line, ""));
        let code = code.trim();
        let ended = rest.ends_with('/');
        if code == "88" && !raw.is_empty() {
            let last = raw.last_mut().expect("checked");
            let joiner = if last.3 || !last.0.starts_with("16,") { "," } else { " " };
            let body = last.0.trim_end_matches('/').to_string();
            last.0 = format!("{body}{joiner}{rest}");
            last.2 += 1;
            last.3 = ended;
            continue;
        }
        raw.push((line.to_string(), i + 1, 1, ended));
    }
    for (content, line, physical, _) in raw {
        let (code, rest) = content.split_once(',').unwrap_or((content.as_str(), ""));
        let fields = if code == "16" {
            // Fields up to the references are split; the text keeps its commas.
            let mut parts: Vec<String> = Vec::new();
            let mut rest = rest;
            let fixed = fixed_detail_fields(rest);
            for _ in 0..fixed {
                match rest.split_once(',') {
                    Some((a, b)) => {
                        parts.push(a.to_string());
                        rest = b;
                    }
                    None => {
                        parts.push(rest.trim_end_matches('/').to_string());
                        rest = "";
                        break;
                    }
                }
            }
            let text = rest.trim_end();
            let text = text.strip_suffix('/').unwrap_or(text).trim_end();
            parts.push(text.to_string());
            parts
        } else {
            let body = rest.split('/').next().unwrap_or("");
            body.split(',').map(|f| f.trim().to_string()).collect()
        };
        out.push(Record {
            code: code.trim().to_string(),
            line,
            physical,
            fields,
        });
    }
    out
}

/// How many comma-separated fields a detail has before its text: type,
/// amount, funds type and what that type carries, bank and customer reference.
fn fixed_detail_fields(rest: &str) -> usize {
    let fields: Vec<&str> = rest.splitn(5, ',').collect();
    let funds = fields.get(2).map_or("", |f| f.trim());
    let extra = match funds {
        "S" => 3,
        "V" => 2,
        "D" => {
            let count = fields.get(3).and_then(|n| n.trim().parse::<usize>().ok()).unwrap_or(0);
            1 + 2 * count
        }
        _ => 0,
    };
    3 + extra + 2
}

struct Reader {
    problems: Vec<Problem>,
}

impl Reader {
    fn problem(&mut self, line: usize, field: &'static str, message: impl Into<String>) {
        self.problems.push(Problem {
            line,
            field,
            message: message.into(),
        });
    }

    fn amount(&mut self, line: usize, field: &'static str, text: &str, signed: bool) -> Option<i64> {
        let t = text.trim();
        let (negative, digits) = match t.as_bytes().first() {
            Some(b'-') if signed => (true, &t[1..]),
            Some(b'+') if signed => (false, &t[1..]),
            _ => (false, t),
        };
        if digits.is_empty() || digits.len() > 18 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            self.problem(
                line,
                field,
                format!(
                    "{text:?} is not an amount in minor units{}",
                    if signed { " (a sign, then digits)" } else { " (digits only)" }
                ),
            );
            return None;
        }
        let n: i64 = digits.parse().ok()?;
        Some(if negative { -n } else { n })
    }

    fn date(&mut self, line: usize, field: &'static str, text: &str) -> Option<Date> {
        let t = text.trim();
        let ok = t.len() == 6 && t.bytes().all(|b| b.is_ascii_digit());
        let parsed = ok
            .then(|| {
                let yy: i16 = t[0..2].parse().ok()?;
                let year = if yy < 70 { 2000 + yy } else { 1900 + yy };
                Date::new(year, t[2..4].parse().ok()?, t[4..6].parse().ok()?).ok()
            })
            .flatten();
        if parsed.is_none() {
            self.problem(line, field, format!("{text:?} is not a date as YYMMDD"));
        }
        parsed
    }

    /// The funds type at `fields[at]` and what it carries; moves `at` past them.
    fn funds(&mut self, line: usize, fields: &[String], at: &mut usize) -> Funds {
        let get = |i: usize| fields.get(i).map(String::as_str).unwrap_or("");
        let code = get(*at).trim().to_string();
        *at += 1;
        match code.as_str() {
            "" | "Z" => Funds::Unknown,
            "0" => Funds::Immediate,
            "1" => Funds::OneDay,
            "2" => Funds::TwoOrMoreDays,
            "S" => {
                let mut amount = |i: usize| {
                    let t = get(i);
                    if t.trim().is_empty() {
                        Some(0)
                    } else {
                        self.amount(line, "funds availability", t, true)
                    }
                };
                let (a, b, c) = (amount(*at), amount(*at + 1), amount(*at + 2));
                *at += 3;
                Funds::Distributed {
                    immediate: a.unwrap_or(0),
                    one_day: b.unwrap_or(0),
                    more: c.unwrap_or(0),
                }
            }
            "V" => {
                let date = self.date(line, "value date", get(*at));
                let time = get(*at + 1).trim().to_string();
                *at += 2;
                date.map_or(Funds::Unknown, |date| Funds::ValueDated { date, time })
            }
            "D" => {
                let count: usize = match get(*at).trim().parse() {
                    Ok(n) if n <= 99 => n,
                    _ => {
                        self.problem(line, "funds availability", format!("{:?} is not the number of availability pairs", get(*at)));
                        return Funds::Unknown;
                    }
                };
                *at += 1;
                let mut pairs = Vec::with_capacity(count);
                for _ in 0..count {
                    let days = get(*at).trim().parse::<u32>();
                    let amount = self.amount(line, "funds availability", get(*at + 1), true);
                    match (days, amount) {
                        (Ok(d), Some(a)) => pairs.push((d, a)),
                        (Err(_), _) => self.problem(line, "funds availability", format!("{:?} is not a number of days", get(*at))),
                        _ => {}
                    }
                    *at += 2;
                }
                Funds::Detailed(pairs)
            }
            other => {
                self.problem(line, "funds type", format!("{other:?} is not 0, 1, 2, S, V, D or Z"));
                Funds::Unknown
            }
        }
    }
}

fn field(fields: &[String], i: usize) -> &str {
    fields.get(i).map(String::as_str).unwrap_or("")
}

/// Reads a BAI2 file whole, or refuses it with every problem found.
pub fn read(text: &str) -> Result<Bai2File, Vec<Problem>> {
    let mut r = Reader { problems: Vec::new() };
    let records = logical_records(text);
    let mut file: Option<Bai2File> = None;
    let mut group: Option<(Group, i64, u64)> = None; // the group, its 49 totals, its physical records
    let mut account: Option<(Account, i64, u64)> = None; // the account, its amounts, its physical records
    let mut file_total: i64 = 0;
    let mut file_records: u64 = 0;
    let mut ended = false;
    let last_line = text.lines().count().max(1);
    for rec in &records {
        file_records += rec.physical;
        if let Some(g) = group.as_mut() {
            g.2 += rec.physical;
        }
        if let Some(a) = account.as_mut() {
            a.2 += rec.physical;
        }
        let (line, f) = (rec.line, &rec.fields);
        if ended {
            r.problem(line, "record", "a record after the file trailer (99)");
            break;
        }
        match rec.code.as_str() {
            "01" => {
                if file.is_some() {
                    r.problem(line, "record", "a second file header (01)");
                    continue;
                }
                if field(f, 7).trim() != "2" {
                    r.problem(line, "version", format!("{:?}: only BAI version 2 is read", field(f, 7)));
                }
                let created = r.date(line, "creation date", field(f, 2));
                file = Some(Bai2File {
                    sender: field(f, 0).to_string(),
                    receiver: field(f, 1).to_string(),
                    created: created.unwrap_or(Date::constant(2000, 1, 1)),
                    file_id: field(f, 4).to_string(),
                    groups: Vec::new(),
                });
            }
            "02" => {
                if file.is_none() {
                    r.problem(line, "record", "a group header (02) before the file header (01)");
                }
                if group.is_some() {
                    r.problem(line, "record", "a group header (02) before the last group's trailer (98)");
                }
                let as_of = r.date(line, "as-of date", field(f, 3));
                group = Some((
                    Group {
                        line,
                        receiver: field(f, 0).to_string(),
                        originator: field(f, 1).to_string(),
                        status: field(f, 2).to_string(),
                        as_of: as_of.unwrap_or(Date::constant(2000, 1, 1)),
                        currency: field(f, 5).to_string(),
                        accounts: Vec::new(),
                    },
                    0,
                    rec.physical,
                ));
            }
            "03" => {
                if group.is_none() {
                    r.problem(line, "record", "an account identifier (03) outside a group");
                }
                if account.is_some() {
                    r.problem(line, "record", "an account identifier (03) before the last account's trailer (49)");
                }
                let mut summaries = Vec::new();
                let mut total = 0i64;
                let mut at = 2;
                while f[at.min(f.len())..].iter().any(|x| !x.trim().is_empty()) {
                    let type_code = field(f, at).trim().to_string();
                    let amount_text = field(f, at + 1);
                    let amount = if amount_text.trim().is_empty() {
                        None
                    } else {
                        r.amount(line, "summary amount", amount_text, true)
                    };
                    let count_text = field(f, at + 2).trim();
                    let item_count = if count_text.is_empty() {
                        None
                    } else {
                        match count_text.parse() {
                            Ok(n) => Some(n),
                            Err(_) => {
                                r.problem(line, "item count", format!("{count_text:?} is not a count"));
                                None
                            }
                        }
                    };
                    at += 3;
                    let funds = r.funds(line, f, &mut at);
                    if type_code.len() != 3 || !type_code.bytes().all(|b| b.is_ascii_digit()) {
                        r.problem(line, "type code", format!("{type_code:?} is not a three-digit type code"));
                    }
                    total = total.saturating_add(amount.unwrap_or(0));
                    summaries.push(Summary {
                        type_code,
                        amount_minor: amount,
                        item_count,
                        funds,
                    });
                }
                account = Some((
                    Account {
                        line,
                        number: field(f, 0).to_string(),
                        currency: field(f, 1).to_string(),
                        summaries,
                        details: Vec::new(),
                    },
                    total,
                    rec.physical,
                ));
            }
            "16" => {
                let Some((acct, total, _)) = account.as_mut() else {
                    r.problem(line, "record", "a transaction detail (16) outside an account");
                    continue;
                };
                let type_code = field(f, 0).trim().to_string();
                if type_code.len() != 3 || !type_code.bytes().all(|b| b.is_ascii_digit()) {
                    r.problem(line, "type code", format!("{type_code:?} is not a three-digit type code"));
                }
                let amount = r.amount(line, "amount", field(f, 1), false).unwrap_or(0);
                let mut at = 2;
                let funds = r.funds(line, f, &mut at);
                *total = total.saturating_add(amount);
                acct.details.push(Detail {
                    line,
                    type_code,
                    amount_minor: amount,
                    funds,
                    bank_reference: field(f, at).trim().to_string(),
                    customer_reference: field(f, at + 1).trim().to_string(),
                    text: f.get(at + 2).map(|t| t.trim().to_string()).unwrap_or_default(),
                });
            }
            "49" => {
                let Some((acct, total, records)) = account.take() else {
                    r.problem(line, "record", "an account trailer (49) without its account (03)");
                    continue;
                };
                let said = r.amount(line, "account control total", field(f, 0), true);
                if said.is_some_and(|s| s != total) {
                    r.problem(
                        line,
                        "account control total",
                        format!("says {}; the account's amounts add up to {total}", said.unwrap_or(0)),
                    );
                }
                match field(f, 1).trim().parse::<u64>() {
                    Ok(n) if n == records => {}
                    Ok(n) => r.problem(line, "number of records", format!("says {n}; the account has {records} (its 03 to this 49)")),
                    Err(_) => r.problem(line, "number of records", format!("{:?} is not a count", field(f, 1))),
                }
                if let Some(g) = group.as_mut() {
                    g.1 = g.1.saturating_add(said.unwrap_or(total));
                    g.0.accounts.push(acct);
                }
            }
            "98" => {
                if account.is_some() {
                    r.problem(line, "record", "a group trailer (98) before the account's trailer (49)");
                    account = None;
                }
                let Some((g, total, records)) = group.take() else {
                    r.problem(line, "record", "a group trailer (98) without its group (02)");
                    continue;
                };
                let said = r.amount(line, "group control total", field(f, 0), true);
                if said.is_some_and(|s| s != total) {
                    r.problem(
                        line,
                        "group control total",
                        format!("says {}; its accounts' totals add up to {total}", said.unwrap_or(0)),
                    );
                }
                match field(f, 1).trim().parse::<usize>() {
                    Ok(n) if n == g.accounts.len() => {}
                    _ => r.problem(
                        line,
                        "number of accounts",
                        format!("says {:?}; the group has {}", field(f, 1), g.accounts.len()),
                    ),
                }
                match field(f, 2).trim().parse::<u64>() {
                    Ok(n) if n == records => {}
                    _ => r.problem(
                        line,
                        "number of records",
                        format!("says {:?}; the group has {records} (its 02 to this 98)", field(f, 2)),
                    ),
                }
                file_total = file_total.saturating_add(said.unwrap_or(total));
                if let Some(file) = file.as_mut() {
                    file.groups.push(g);
                }
            }
            "99" => {
                if group.is_some() {
                    r.problem(line, "record", "the file trailer (99) before the group's trailer (98)");
                }
                let said = r.amount(line, "file control total", field(f, 0), true);
                if said.is_some_and(|s| s != file_total) {
                    r.problem(
                        line,
                        "file control total",
                        format!("says {}; its groups' totals add up to {file_total}", said.unwrap_or(0)),
                    );
                }
                let groups = file.as_ref().map_or(0, |f| f.groups.len());
                match field(f, 1).trim().parse::<usize>() {
                    Ok(n) if n == groups => {}
                    _ => r.problem(line, "number of groups", format!("says {:?}; the file has {groups}", field(f, 1))),
                }
                match field(f, 2).trim().parse::<u64>() {
                    Ok(n) if n == file_records => {}
                    _ => r.problem(line, "number of records", format!("says {:?}; the file has {file_records}", field(f, 2))),
                }
                ended = true;
            }
            "88" => r.problem(line, "record", "a continuation (88) with nothing before it to continue"),
            other => r.problem(line, "record code", format!("{other:?} is not a BAI2 record (01, 02, 03, 16, 88, 49, 98, 99)")),
        }
    }
    if records.is_empty() {
        r.problem(1, "file", "empty");
    } else if !ended && r.problems.is_empty() {
        r.problem(last_line, "record", "the file ends without its trailer (99): it may have been cut short");
    }
    match file {
        Some(file) if r.problems.is_empty() => Ok(file),
        Some(_) => Err(r.problems),
        None => {
            if r.problems.is_empty() {
                r.problem(1, "record", "the file does not begin with a file header (01)");
            }
            Err(r.problems)
        }
    }
}
