//! Printing reports as aligned tables, CSV or JSON.

use std::io::Write;

use anyhow::Result;
use settle_domain::money::{format_minor, Currency};
use settle_store::billing::{AccountDetail, AccountSummary, AgingReport, InvoiceDetail, TrialBalanceRow};

use crate::Format;

/// Prints rows as a table with right-aligned numbers, or as CSV.
pub fn rows(header: &[&str], rows: &[Vec<String>], format: Format) -> Result<()> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match format {
        Format::Csv | Format::Json => {
            let mut writer = csv::Writer::from_writer(out);
            writer.write_record(header)?;
            for row in rows {
                writer.write_record(row)?;
            }
            writer.flush()?;
        }
        Format::Table => {
            let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
            for row in rows {
                for (width, cell) in widths.iter_mut().zip(row) {
                    *width = (*width).max(cell.chars().count());
                }
            }
            let numeric = |cell: &str| !cell.is_empty() && cell.trim_start_matches('-').chars().all(|c| c.is_ascii_digit() || c == '.');
            let line = |out: &mut std::io::StdoutLock, cells: &[String]| -> std::io::Result<()> {
                let mut text = String::new();
                for (i, (cell, width)) in cells.iter().zip(&widths).enumerate() {
                    if i > 0 {
                        text.push_str("  ");
                    }
                    if numeric(cell) {
                        text.push_str(&format!("{cell:>width$}"));
                    } else {
                        text.push_str(&format!("{cell:<width$}"));
                    }
                }
                writeln!(out, "{}", text.trim_end())
            };
            line(&mut out, &header.iter().map(|h| h.to_string()).collect::<Vec<_>>())?;
            writeln!(out, "{}", widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>().join("  "))?;
            for row in rows {
                line(&mut out, row)?;
            }
        }
    }
    Ok(())
}

fn json<T: serde::Serialize>(value: &T) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

pub fn accounts(accounts: &[AccountSummary], format: Format) -> Result<()> {
    if format == Format::Json {
        return json(&accounts);
    }
    let body: Vec<Vec<String>> = accounts
        .iter()
        .map(|a| {
            vec![
                a.account_number.clone(),
                a.name.clone(),
                a.ar_kind.clone(),
                a.status.clone(),
                a.currency.clone(),
                a.balance.clone(),
                a.credit.clone(),
                a.net.clone(),
            ]
        })
        .collect();
    rows(&["account", "name", "kind", "status", "currency", "balance", "credit", "net"], &body, format)
}

pub fn account_detail(detail: &AccountDetail, format: Format) -> Result<()> {
    if format != Format::Table {
        return json(detail);
    }
    let s = &detail.summary;
    println!("Account {}  {}  ({} {}, {})", s.account_number, s.name, detail.party_kind, s.ar_kind, s.status);
    println!(
        "Balance {} {}   credit {}   net {}   terms {}   opened {}",
        s.balance, s.currency, s.credit, s.net, detail.payment_terms, detail.opened_on
    );
    if let Some(dob) = &detail.date_of_birth {
        println!("Date of birth {dob}");
    }
    for c in &detail.contacts {
        let until = c.valid_to.as_deref().map(|t| format!(" (until {t})")).unwrap_or_default();
        println!("  {}: {}  from {}{until}", c.kind, c.value, c.valid_from);
    }
    println!("\nItems");
    let items: Vec<Vec<String>> = detail
        .items
        .iter()
        .map(|i| {
            vec![
                i.reference.clone(),
                i.kind.clone(),
                i.issue_date.clone(),
                i.due_date.clone(),
                i.amount.clone(),
                i.balance.clone(),
                i.status.clone(),
            ]
        })
        .collect();
    rows(&["reference", "kind", "issued", "due", "amount", "balance", "status"], &items, Format::Table)?;
    println!("\nPayments");
    let payments: Vec<Vec<String>> = detail
        .payments
        .iter()
        .map(|p| {
            let applied = p
                .allocations
                .iter()
                .map(|a| format!("{} {}", a.reference, a.amount))
                .collect::<Vec<_>>()
                .join(", ");
            vec![
                p.payment_id.to_string(),
                p.received_on.clone(),
                p.method.clone(),
                p.reference.clone(),
                p.amount.clone(),
                p.status.clone(),
                applied,
            ]
        })
        .collect();
    rows(
        &["id", "received", "method", "reference", "amount", "status", "applied"],
        &payments,
        Format::Table,
    )?;
    println!("\nLedger");
    let ledger: Vec<Vec<String>> = detail
        .ledger
        .iter()
        .map(|l| {
            vec![
                l.entry_id.to_string(),
                l.date.clone(),
                l.kind.clone(),
                l.gl_code.clone(),
                l.item.clone().unwrap_or_default(),
                l.amount.clone(),
                l.memo.clone(),
            ]
        })
        .collect();
    rows(&["entry", "date", "kind", "gl", "item", "amount", "memo"], &ledger, Format::Table)
}

pub fn invoice(detail: &InvoiceDetail, format: Format) -> Result<()> {
    if format != Format::Table {
        return json(detail);
    }
    println!("Invoice {}  account {}  {}", detail.invoice_number, detail.account_number, detail.status);
    println!("Issued {}  due {}  terms {}  {}", detail.issue_date, detail.due_date, detail.terms, detail.memo);
    let lines: Vec<Vec<String>> = detail
        .lines
        .iter()
        .map(|l| {
            vec![
                l.line_no.to_string(),
                l.item_code.clone(),
                l.description.clone(),
                l.quantity.clone(),
                l.unit_price.clone(),
                l.tax_rate.clone(),
                l.amount.clone(),
                l.tax.clone(),
            ]
        })
        .collect();
    rows(
        &["#", "code", "description", "qty", "unit price", "tax %", "amount", "tax"],
        &lines,
        Format::Table,
    )?;
    println!(
        "Subtotal {}  tax {}  total {} {}  balance {}",
        detail.subtotal, detail.tax, detail.total, detail.currency, detail.balance
    );
    for applied in &detail.applied {
        println!("  {}  {}  {}", applied.date, applied.source, applied.amount);
    }
    Ok(())
}

pub fn aging(report: &AgingReport, by_account: bool, format: Format) -> Result<()> {
    let currency = Currency::from_code(&report.currency)?;
    let money = |minor: i64| format_minor(minor, currency.exponent());
    if format == Format::Json {
        #[derive(serde::Serialize)]
        struct Json<'a> {
            as_of: String,
            currency: &'a str,
            buckets: Vec<(&'a str, String)>,
            credit: String,
            total: String,
            accounts: Option<Vec<serde_json::Value>>,
        }
        let accounts = by_account.then(|| {
            report
                .rows
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "account": r.account_number, "name": r.name,
                        "buckets": report.labels.iter().zip(&r.buckets_minor).map(|(l, m)| (l.clone(), money(*m))).collect::<std::collections::BTreeMap<_, _>>(),
                        "credit": money(r.credit_minor), "total": money(r.total_minor),
                    })
                })
                .collect()
        });
        return json(&Json {
            as_of: report.as_of.to_string(),
            currency: &report.currency,
            buckets: report
                .labels
                .iter()
                .map(String::as_str)
                .zip(report.totals_minor.iter().map(|m| money(*m)))
                .collect(),
            credit: money(-report.credit_minor),
            total: money(report.total_minor),
            accounts,
        });
    }
    if by_account {
        let mut header: Vec<&str> = vec!["account", "name"];
        header.extend(report.labels.iter().map(String::as_str));
        header.extend(["credit", "total"]);
        let mut body: Vec<Vec<String>> = report
            .rows
            .iter()
            .map(|r| {
                let mut row = vec![r.account_number.clone(), r.name.clone()];
                row.extend(r.buckets_minor.iter().map(|m| money(*m)));
                row.push(money(-r.credit_minor));
                row.push(money(r.total_minor));
                row
            })
            .collect();
        let mut total = vec!["TOTAL".to_string(), String::new()];
        total.extend(report.totals_minor.iter().map(|m| money(*m)));
        total.push(money(-report.credit_minor));
        total.push(money(report.total_minor));
        body.push(total);
        rows(&header, &body, format)
    } else {
        let grand: i64 = report.totals_minor.iter().sum();
        let mut body: Vec<Vec<String>> = report
            .labels
            .iter()
            .zip(&report.totals_minor)
            .map(|(label, minor)| {
                let share = if grand == 0 {
                    "0.0".to_string()
                } else {
                    (rust_decimal::Decimal::from(*minor) * rust_decimal::Decimal::ONE_HUNDRED / rust_decimal::Decimal::from(grand))
                        .round_dp(1)
                        .to_string()
                };
                vec![label.clone(), money(*minor), share]
            })
            .collect();
        body.push(vec!["credit balances".into(), money(-report.credit_minor), String::new()]);
        body.push(vec!["TOTAL".into(), money(report.total_minor), String::new()]);
        if format == Format::Table {
            println!(
                "Aging as of {} ({}), by due date, {} accounts",
                report.as_of,
                report.currency,
                report.rows.len()
            );
        }
        rows(&["bucket", "amount", "% of open"], &body, format)
    }
}

pub fn trial_balance(rows_in: &[TrialBalanceRow], format: Format) -> Result<()> {
    if format == Format::Json {
        return json(&rows_in);
    }
    let mut body = Vec::new();
    let (mut debit, mut credit) = (0i64, 0i64);
    let mut exponent = 2;
    for r in rows_in {
        let cur = Currency::from_code(&r.currency)?;
        exponent = cur.exponent();
        debit += r.debit_minor;
        credit += r.credit_minor;
        body.push(vec![
            r.code.clone(),
            r.name.clone(),
            r.currency.clone(),
            format_minor(r.debit_minor, cur.exponent()),
            format_minor(r.credit_minor, cur.exponent()),
            format_minor(r.balance_minor, cur.exponent()),
        ]);
    }
    body.push(vec![
        "".into(),
        "TOTAL".into(),
        "".into(),
        format_minor(debit, exponent),
        format_minor(credit, exponent),
        format_minor(debit - credit, exponent),
    ]);
    rows(&["code", "account", "currency", "debit", "credit", "balance"], &body, format)
}
