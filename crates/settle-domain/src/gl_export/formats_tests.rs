//! Every format read back: balanced, every line, the ids and amounts exact.

use std::collections::BTreeMap;

use jiff::civil::date;

use super::formats::{render, ExportFormat, Mapping, Target};
use super::summary::{journals_due, DayTotals, Sent};
use crate::ledger::GlAccount;
use crate::money::Currency;

fn journals() -> Vec<super::DayJournal> {
    let d = date(2026, 12, 7);
    let current = [
        DayTotals {
            day: d,
            currency: Currency::USD,
            by_account: [
                (GlAccount::Cash, 123_456),
                (GlAccount::ArPatient, -100_001),
                (GlAccount::UnappliedCash, -23_455),
            ]
            .into_iter()
            .collect(),
        },
        DayTotals {
            day: date(2026, 12, 8),
            currency: Currency::from_code("JPY").unwrap(),
            by_account: [(GlAccount::Cash, 5_000), (GlAccount::Revenue, -5_000)].into_iter().collect(),
        },
    ];
    let mut sent = BTreeMap::new();
    sent.insert(
        (d, Currency::USD),
        Sent {
            last_seq: 1,
            by_account: BTreeMap::new(),
        },
    );
    journals_due(&current, &sent).unwrap()
}

fn mapping(with_ids: bool) -> Mapping {
    let mut m = Mapping::default();
    for (gl, name, id) in [
        (GlAccount::Cash, "Undeposited Funds", "4"),
        (GlAccount::ArPatient, "Accounts Receivable:Patients", "84"),
        (GlAccount::UnappliedCash, "Customer \u{e9}Credits, unapplied", "91"),
        (GlAccount::Revenue, "Services", "1"),
    ] {
        m.0.insert(gl, Target::new(name, if with_ids { id } else { "" }).unwrap());
    }
    m
}

#[test]
fn targets_refuse_what_an_import_cannot_carry() {
    assert_eq!(Target::new("  ", "").unwrap_err().0, "target_account");
    assert_eq!(Target::new("Check\ting", "").unwrap_err().0, "target_account");
    assert_eq!(Target::new("Say \"cash\"", "").unwrap_err().0, "target_account");
    assert_eq!(Target::new("Cash", "4 5").unwrap_err().0, "target_id");
    assert_eq!(Target::new(&"x".repeat(101), "").unwrap_err().0, "target_account");
    let formula = Target::new("=HYPERLINK(\"http://x\")", "").unwrap_err();
    assert!(formula.1.contains("formula"), "{formula:?}");
    assert_eq!(Target::new("@SUM(A1)", "").unwrap_err().0, "target_account");
    assert_eq!(
        Target::new(" Checking ", " 35 ").unwrap(),
        Target {
            account: "Checking".into(),
            id: "35".into()
        }
    );
}

#[test]
fn an_unmapped_account_is_named_and_plain_csv_needs_no_mapping() {
    let js = journals();
    let mut partial = mapping(true);
    partial.0.remove(&GlAccount::UnappliedCash);
    let err = render(ExportFormat::Iif, &js, &partial).unwrap_err();
    assert_eq!(err.accounts, vec!["2100 Unapplied cash (credit balances)"]);
    assert!(err.to_string().contains("this account must be mapped"), "{err}");
    let err = render(ExportFormat::QboJson, &js, &mapping(false)).unwrap_err();
    assert!(err.needs_id && err.accounts.len() == 4, "{err}");
    assert!(err.to_string().contains("QuickBooks Online's account id"));
    assert!(
        render(ExportFormat::QboCsv, &js, &mapping(false)).is_ok(),
        "names are enough for the CSV import"
    );
    let plain = render(ExportFormat::Csv, &js, &Mapping::default()).unwrap();
    assert_eq!(plain.lines().count(), 1 + 5);
}

#[test]
fn quickbooks_online_json_balances_to_the_cent_with_decimal_amounts() {
    let text = render(ExportFormat::QboJson, &journals(), &mapping(true)).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let list = v.as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["DocNumber"], "ST-20261207-USD-2");
    assert_eq!(list[0]["TxnDate"], "2026-12-07");
    assert!(list[0]["PrivateNote"].as_str().unwrap().contains("correction 2"));
    assert!(text.contains("\"Amount\": 1234.56,"), "written from minor units: {text}");
    assert!(text.contains("\"Amount\": 5000,"), "JPY has no minor unit");
    for je in list {
        let mut debit = rust_decimal::Decimal::ZERO;
        for line in je["Line"].as_array().unwrap() {
            let amount: rust_decimal::Decimal = line["Amount"].to_string().parse().unwrap();
            assert!(amount > rust_decimal::Decimal::ZERO);
            match line["JournalEntryLineDetail"]["PostingType"].as_str().unwrap() {
                "Debit" => debit += amount,
                "Credit" => debit -= amount,
                other => panic!("{other}"),
            }
            assert!(!line["JournalEntryLineDetail"]["AccountRef"]["value"].as_str().unwrap().is_empty());
        }
        assert_eq!(debit, rust_decimal::Decimal::ZERO, "{je}");
    }
    assert_eq!(
        list[0]["Line"][2]["JournalEntryLineDetail"]["AccountRef"]["name"],
        "Customer \u{e9}Credits, unapplied"
    );
}

fn csv_sum(text: &str, debit: usize, credit: Option<usize>) -> (usize, rust_decimal::Decimal) {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let mut total = rust_decimal::Decimal::ZERO;
    let mut rows = 0;
    for rec in r.records() {
        let rec = rec.unwrap();
        rows += 1;
        let d: rust_decimal::Decimal = rec[debit].parse().unwrap_or_default();
        total += d;
        if let Some(c) = credit {
            let c: rust_decimal::Decimal = rec[c].parse().unwrap_or_default();
            total -= c;
        }
    }
    (rows, total)
}

#[test]
fn the_csv_imports_read_back_balanced() {
    let js = journals();
    let qbo = render(ExportFormat::QboCsv, &js, &mapping(false)).unwrap();
    assert!(qbo.starts_with("Journal No,Journal Date,Account,Debits,Credits,Description,Currency\n"));
    assert!(qbo.contains("ST-20261207-USD-2,12/07/2026,Undeposited Funds,1234.56,,"), "{qbo}");
    assert_eq!(csv_sum(&qbo, 3, Some(4)), (5, rust_decimal::Decimal::ZERO));
    let xero = render(ExportFormat::XeroCsv, &js, &mapping(false)).unwrap();
    assert!(
        xero.contains(",12/07/2026,1110 AR - patient,Accounts Receivable:Patients,Tax Exempt,-1000.01\n"),
        "{xero}"
    );
    assert!(xero.contains("\"Customer \u{e9}Credits, unapplied\""), "quoted where it holds a comma");
    assert_eq!(csv_sum(&xero, 5, None), (5, rust_decimal::Decimal::ZERO));
    let plain = render(ExportFormat::Csv, &js, &mapping(false)).unwrap();
    assert_eq!(csv_sum(&plain, 6, Some(7)), (5, rust_decimal::Decimal::ZERO));
}

#[test]
fn iif_is_one_general_journal_per_day_that_sums_to_zero() {
    let text = render(ExportFormat::Iif, &journals(), &mapping(false)).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("!TRNS\t") && lines[1].starts_with("!SPL\t") && lines[2] == "!ENDTRNS");
    let mut open = rust_decimal::Decimal::ZERO;
    let mut transactions = 0;
    for line in &lines[3..] {
        let fields: Vec<&str> = line.split('\t').collect();
        match fields[0] {
            "TRNS" | "SPL" => {
                assert_eq!(fields.len(), 8, "{line}");
                assert_eq!(fields[2], "GENERAL JOURNAL");
                open += fields[5].parse::<rust_decimal::Decimal>().unwrap();
            }
            "ENDTRNS" => {
                assert_eq!(open, rust_decimal::Decimal::ZERO);
                transactions += 1;
            }
            other => panic!("{other}"),
        }
    }
    assert_eq!(transactions, 2);
    assert!(text.contains("TRNS\t\tGENERAL JOURNAL\t12/07/2026\tUndeposited Funds\t1234.56\tST-20261207-USD-2\t"));
}

#[test]
fn formats_parse_by_name() {
    for f in ExportFormat::ALL {
        assert_eq!(ExportFormat::parse(f.as_str()), Ok(f));
    }
    assert_eq!(ExportFormat::parse("QBO_JSON"), Ok(ExportFormat::QboJson));
    assert!(ExportFormat::parse("xlsx").unwrap_err().contains("qbo-json"));
}
