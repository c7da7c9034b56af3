//! A bank that answers: reads a NACHA file an originator sent and writes
//! the return and notification-of-change file its receiving banks would
//! send back, by rules (an account number's ending, an amount, a name), as
//! moov-io's ach-test-harness does. For tests and the demo, so the whole
//! cycle (debit, return or NOC, what Settle does about it) runs on one
//! machine. What it writes, `nacha::read` reads back.
//!
//! Rules are CSV, `field,value,code,corrected`, the first that matches an
//! entry wins:
//! - `account_ends`: the receiver's account number ends with `value`;
//! - `amount`: the entry is exactly `value` minor units (cents);
//! - `name`: the receiver's name contains `value` (case folded as sent).
//!
//! `code` is a return (R01...) or a change (C01...); `corrected` is the
//! corrected data a change carries, in its Nacha layout.

use crate::ach::codes;
use crate::ach::nacha::{Entry, NachaFile};
use crate::ach::nacha_write::{text, yymmdd};
use crate::Date;

/// What a rule looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    AccountEnds,
    Amount,
    Name,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    pub field: Field,
    pub value: String,
    pub code: String,
    pub corrected: String,
}

/// The rules the demo's bank answers by (`data/bank_sim_rules.csv`).
pub const DEMO_RULES: &str = include_str!("../../data/bank_sim_rules.csv");

/// Reads rules, or names the line and column of the first one that is wrong.
pub fn parse_rules(text: &str) -> Result<Vec<Rule>, String> {
    let mut rules = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || (n == 1 && line.starts_with("field,")) {
            continue;
        }
        let parts: Vec<&str> = line.split(',').map(str::trim).collect();
        let [field, value, code, corrected] = parts[..] else {
            return Err(format!("line {n}: expected field,value,code,corrected"));
        };
        let field = match field {
            "account_ends" => Field::AccountEnds,
            "amount" => Field::Amount,
            "name" => Field::Name,
            other => return Err(format!("line {n}, field: {other:?} is not account_ends, amount or name")),
        };
        if value.is_empty() {
            return Err(format!("line {n}, value: required"));
        }
        if field == Field::Amount && value.parse::<u64>().is_err() {
            return Err(format!("line {n}, value: {value:?} is not an amount in minor units (cents)"));
        }
        let code = code.to_ascii_uppercase();
        let known = codes::table_codes().any(|c| c == code);
        if !known {
            return Err(format!("line {n}, code: {code:?} is not a return or change code Settle holds"));
        }
        if code.starts_with('C') && corrected.is_empty() {
            return Err(format!("line {n}, corrected: a change ({code}) carries the corrected data"));
        }
        rules.push(Rule {
            field,
            value: value.to_string(),
            code,
            corrected: corrected.to_string(),
        });
    }
    Ok(rules)
}

fn matches(rule: &Rule, entry: &Entry) -> bool {
    match rule.field {
        Field::AccountEnds => entry.account.trim_end().ends_with(&rule.value),
        Field::Amount => rule.value.parse::<i64>().ok() == Some(entry.amount_minor),
        Field::Name => entry.name.to_ascii_uppercase().contains(&rule.value.to_ascii_uppercase()),
    }
}

/// The answer to `sent`, made on `day` at `time` (HHMM): `None` when no
/// rule matched any entry. Returns keep their original batch's company and
/// class; changes go in a COR batch.
pub fn answer(sent: &NachaFile, rules: &[Rule], day: Date, time: u16) -> Option<String> {
    let mut returns: Vec<(usize, &Entry, &Rule)> = Vec::new();
    let mut changes: Vec<(usize, &Entry, &Rule)> = Vec::new();
    for (b, batch) in sent.batches.iter().enumerate() {
        for entry in &batch.entries {
            if let Some(rule) = rules.iter().find(|r| matches(r, entry)) {
                if rule.code.starts_with('R') {
                    returns.push((b, entry, rule));
                } else {
                    changes.push((b, entry, rule));
                }
            }
        }
    }
    if returns.is_empty() && changes.is_empty() {
        return None;
    }
    let odfi = sent.destination.trim().to_string();
    let mut records = vec![format!(
        "101 {odfi:>9}{:>10}{}{time:04}A094101{}{}{}",
        format!(" {odfi}"),
        yymmdd(day),
        text(&sent.destination_name, 23),
        text(&sent.destination_name, 23),
        " ".repeat(8)
    )];
    let mut groups: Vec<(usize, bool)> = Vec::new();
    for (b, _, _) in &returns {
        if !groups.contains(&(*b, false)) {
            groups.push((*b, false));
        }
    }
    for (b, _, _) in &changes {
        if !groups.contains(&(*b, true)) {
            groups.push((*b, true));
        }
    }
    let (mut file_count, mut file_hash, mut file_debits, mut file_credits) = (0u64, 0u64, 0i64, 0i64);
    let mut sequence = 0u32;
    for (number, (b, is_change)) in groups.iter().enumerate() {
        let original = &sent.batches[*b];
        let number = number + 1;
        let (sec, description) = if *is_change {
            ("COR", "NOC")
        } else {
            (original.sec.as_str(), original.description.as_str())
        };
        let effective = original.effective_on.map(yymmdd).unwrap_or_else(|| " ".repeat(6));
        let odfi8 = &original.odfi;
        records.push(format!(
            "5{}{}{}{}{sec}{}{}{effective}   1{odfi8:<8}{number:07}",
            original.service_class,
            text(&original.company_name, 16),
            " ".repeat(20),
            text(&original.company_id, 10),
            text(description, 10),
            " ".repeat(6),
        ));
        let list = if *is_change { &changes } else { &returns };
        let (mut count, mut hash, mut debits, mut credits) = (0u64, 0u64, 0i64, 0i64);
        for (_, entry, rule) in list.iter().filter(|(eb, _, _)| eb == b) {
            sequence += 1;
            // A return or change answers a debit with 26 (checking) or 36
            // (savings), a credit with 21 or 31.
            let code = match entry.transaction_code {
                c @ (22..=24 | 27..=29 | 32..=34 | 37..=39) => c - c % 5 + 1,
                c => c,
            };
            let amount = if *is_change { 0 } else { entry.amount_minor };
            let rdfi8 = &entry.routing.as_str()[..8];
            let trace = format!("{rdfi8}{sequence:07}");
            records.push(format!(
                "6{code}{}{}{amount:010}{}{}  1{trace}",
                entry.routing.as_str(),
                text(&entry.account, 17),
                text(&entry.individual_id, 15),
                text(&entry.name, 22),
            ));
            records.push(if *is_change {
                format!(
                    "798{}{}{}{rdfi8}{}{}{trace}",
                    rule.code,
                    entry.trace,
                    " ".repeat(6),
                    text(&rule.corrected, 29),
                    " ".repeat(15)
                )
            } else {
                format!("799{}{}{}{rdfi8}{}{trace}", rule.code, entry.trace, " ".repeat(6), " ".repeat(44))
            });
            count += 2;
            hash += rdfi8.parse::<u64>().unwrap_or(0);
            if matches!(code, 26 | 36) {
                debits += amount;
            } else {
                credits += amount;
            }
        }
        records.push(format!(
            "8{}{count:06}{:010}{debits:012}{credits:012}{}{}{}{odfi8:<8}{number:07}",
            original.service_class,
            hash % 10_000_000_000,
            text(&original.company_id, 10),
            " ".repeat(19),
            " ".repeat(6),
        ));
        file_count += count;
        file_hash += hash;
        file_debits += debits;
        file_credits += credits;
    }
    let blocks = (records.len() + 1).div_ceil(10);
    records.push(format!(
        "9{:06}{blocks:06}{file_count:08}{:010}{file_debits:012}{file_credits:012}{}",
        groups.len(),
        file_hash % 10_000_000_000,
        " ".repeat(39)
    ));
    while records.len() % 10 != 0 {
        records.push("9".repeat(94));
    }
    let mut out = records.join("\n");
    out.push('\n');
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ach::nacha::{read, Addenda};
    use crate::ach::nacha_write::{write, AccountKind, Direction, Originator, OutEntry};
    use crate::ach::RoutingNumber;

    fn sent() -> NachaFile {
        let originator = Originator {
            odfi: RoutingNumber::parse("091000019").unwrap(),
            odfi_name: "First Bank".into(),
            company_id: "1234567890".into(),
            company_name: "Riverside".into(),
        };
        let entry = |trace: u32, account: &str, amount_minor: i64, name: &str| OutEntry {
            sec: "PPD".into(),
            description: "PAYMENT".into(),
            effective_on: "2026-12-09".parse().unwrap(),
            direction: if amount_minor == 0 { Direction::PrenoteDebit } else { Direction::Debit },
            account_kind: AccountKind::Checking,
            routing: RoutingNumber::parse("231380104").unwrap(),
            account: account.into(),
            amount_minor,
            individual_id: format!("A-{trace}"),
            name: name.into(),
            trace,
        };
        let entries = [
            entry(1, "1000001", 2_500, "Ada Lovelace"),
            entry(2, "1000002", 4_000, "Grace Hopper"),
            entry(3, "1000003", 1_313, "Alan Turing"),
            entry(4, "1000004", 0, "Edsger Dijkstra"),
        ];
        read(&write(&originator, ("2026-12-07".parse().unwrap(), 900), 'A', &entries).unwrap()).unwrap()
    }

    #[test]
    fn the_answer_reads_back_with_each_code_against_the_entry_it_answers() {
        let rules = parse_rules("field,value,code,corrected\naccount_ends,0001,R01,\namount,1313,R10,\nname,DIJKSTRA,C01,99887766\n").unwrap();
        let text = answer(&sent(), &rules, "2026-12-10".parse().unwrap(), 1200).expect("some answered");
        let file = read(&text).unwrap_or_else(|p| panic!("{p:?}\n{text}"));
        let mut seen: Vec<(String, String, i64)> = Vec::new();
        for batch in &file.batches {
            for e in &batch.entries {
                match &e.addenda[..] {
                    [Addenda::Return { code, original_trace, .. }] => seen.push((code.clone(), original_trace.clone(), e.amount_minor)),
                    [Addenda::Change {
                        code,
                        original_trace,
                        corrected_data,
                        ..
                    }] => {
                        assert_eq!(corrected_data, "99887766");
                        assert_eq!(batch.sec, "COR");
                        seen.push((code.clone(), original_trace.clone(), e.amount_minor))
                    }
                    other => panic!("{other:?}"),
                }
            }
        }
        assert_eq!(
            seen,
            [
                ("R01".into(), "091000010000001".into(), 2_500),
                ("R10".into(), "091000010000003".into(), 1_313),
                ("C01".into(), "091000010000004".into(), 0),
            ]
        );
    }

    #[test]
    fn nothing_matched_is_no_file_and_bad_rules_are_named() {
        let rules = parse_rules("account_ends,9999,R01,\n").unwrap();
        assert_eq!(answer(&sent(), &rules, "2026-12-10".parse().unwrap(), 1200), None);
        for (text, expected) in [
            ("colour,1,R01,\n", "line 1, field"),
            ("amount,12.50,R01,\n", "line 1, value"),
            ("amount,1,R99,\n", "line 1, code"),
            ("account_ends,1,C01,\n", "line 1, corrected"),
            ("account_ends,1\n", "line 1: expected"),
        ] {
            let error = parse_rules(text).unwrap_err();
            assert!(error.starts_with(expected), "{text}: {error}");
        }
        parse_rules(DEMO_RULES).expect("the demo's rules parse");
    }
}
