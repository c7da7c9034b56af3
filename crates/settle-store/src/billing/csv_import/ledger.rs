//! Invoices and payments from CSV: rows checked one by one and together
//! (rows sharing an invoice_ref are one invoice and must agree on what
//! belongs to the whole invoice), every problem named by line and column.

use std::collections::{HashMap, HashSet};

use settle_domain::money::Currency;
use settle_domain::Decimal;

use super::{check_accounts, finish, ReadFile};
use crate::billing::{ApplyTo, NewInvoice, NewInvoiceLine, NewPayment, PAYMENT_METHODS};
use crate::bulk::BulkCommand;
use crate::csv_file::{check_date, check_money, CsvFile, Problem};

pub(super) const INVOICE_REQUIRED: &[&str] = &["account_number", "issue_date", "item_code", "description", "quantity", "unit_price"];
pub(super) const INVOICE_OPTIONAL: &[&str] = &["invoice_ref", "tax_rate", "terms", "memo"];
pub(super) const PAYMENT_REQUIRED: &[&str] = &["account_number", "amount", "method", "received_on"];
pub(super) const PAYMENT_OPTIONAL: &[&str] = &["reference", "apply_to"];

/// Columns: account_number, issue_date, invoice_ref (optional: rows sharing
/// it form one invoice), item_code, description, quantity, unit_price,
/// tax_rate (optional, percent), terms (optional), memo (optional).
pub(super) fn read_invoices(mut reader: CsvFile, currency: Currency, known: &HashSet<String>) -> Result<ReadFile, Vec<Problem>> {
    let mut problems = std::mem::take(&mut reader.problems);
    let mut used = Vec::new();
    // Invoices in file order, each with the line it starts on; rows of one
    // account sharing an invoice_ref join the invoice its first row began.
    let mut invoices: Vec<(u64, NewInvoice)> = Vec::new();
    let mut index_of: HashMap<(String, String), usize> = HashMap::new();
    // Which account each invoice_ref was first used for, and on which line.
    let mut ref_owner: HashMap<String, (String, u64)> = HashMap::new();
    for (line, record) in &reader.rows {
        let line = *line;
        let account = reader.get(record, "account_number").to_string();
        used.push((line, account.clone()));
        let issue = check_date(&mut problems, line, "issue_date", reader.get(record, "issue_date"));
        let quantity = reader.get(record, "quantity");
        match quantity.parse::<Decimal>() {
            Ok(q) if q > Decimal::ZERO => {}
            _ => problems.push(Problem {
                line,
                column: "quantity".into(),
                reason: format!("{quantity:?} must be a number greater than zero"),
            }),
        }
        check_money(&mut problems, line, "unit_price", reader.get(record, "unit_price"), currency, false);
        let tax = reader.get(record, "tax_rate");
        let tax = if tax.is_empty() { "0" } else { tax };
        match tax.parse::<Decimal>() {
            Ok(t) if t >= Decimal::ZERO && t <= Decimal::ONE_HUNDRED => {}
            _ => problems.push(Problem {
                line,
                column: "tax_rate".into(),
                reason: format!("{tax:?} must be a percentage from 0 to 100"),
            }),
        }
        let description = reader.get(record, "description");
        if description.is_empty() {
            problems.push(Problem {
                line,
                column: "description".into(),
                reason: "is empty".into(),
            });
        }
        let terms = reader.get(record, "terms");
        if !terms.is_empty() {
            if let Err(e) = settle_domain::invoice::PaymentTerms::parse(terms) {
                problems.push(Problem {
                    line,
                    column: "terms".into(),
                    reason: e.to_string(),
                });
            }
        }
        let Some(issue) = issue else { continue };
        let reference = reader.get(record, "invoice_ref");
        let key = (
            account.to_ascii_uppercase(),
            if reference.is_empty() {
                format!("#line{line}")
            } else {
                reference.to_string()
            },
        );
        let new_line = NewInvoiceLine {
            item_code: reader.get(record, "item_code").into(),
            description: description.into(),
            quantity: quantity.into(),
            unit_price: reader.get(record, "unit_price").into(),
            tax_rate: tax.into(),
        };
        if !reference.is_empty() {
            let (owner, first_line) = ref_owner
                .entry(reference.to_string())
                .or_insert_with(|| (account.to_ascii_uppercase(), line))
                .clone();
            if owner != account.to_ascii_uppercase() {
                problems.push(Problem {
                    line,
                    column: "invoice_ref".into(),
                    reason: format!("{reference:?} is account {owner}'s invoice (line {first_line}); one invoice_ref is one invoice"),
                });
                continue;
            }
        }
        if let Some(index) = index_of.get(&key) {
            // Rows of one invoice must agree on what belongs to the whole
            // invoice; a different date or terms is refused, not dropped.
            let (first_line, first) = &invoices[*index];
            let mut differs = |column: &str, first_value: String, value: String| {
                if first_value != value {
                    problems.push(Problem {
                        line,
                        column: column.into(),
                        reason: format!("{value:?} differs from {first_value:?} on line {first_line}, the first row of invoice {reference:?}"),
                    });
                }
            };
            differs("issue_date", first.issue_date.to_string(), issue.to_string());
            differs("terms", first.terms.clone().unwrap_or_default(), terms.to_string());
            differs("memo", first.memo.clone(), reader.get(record, "memo").to_string());
        }
        let index = *index_of.entry(key).or_insert_with(|| {
            let invoice = NewInvoice {
                account_number: account.clone(),
                issue_date: issue,
                terms: (!terms.is_empty()).then(|| terms.to_string()),
                lines: vec![],
                memo: reader.get(record, "memo").to_string(),
                draft: false,
            };
            invoices.push((line, invoice));
            invoices.len() - 1
        });
        invoices[index].1.lines.push(new_line);
    }
    check_accounts(&mut problems, known, &used);
    let (lines, commands) = invoices.into_iter().map(|(line, invoice)| (line, BulkCommand::Invoice(invoice))).unzip();
    finish(problems, ReadFile { commands, lines })
}

/// Columns: account_number, amount, method, reference (optional),
/// received_on, apply_to (optional invoice number).
pub(super) fn read_payments(mut reader: CsvFile, currency: Currency, known: &HashSet<String>) -> Result<ReadFile, Vec<Problem>> {
    let mut problems = std::mem::take(&mut reader.problems);
    let mut used = Vec::new();
    let mut commands = Vec::new();
    let mut lines = Vec::new();
    for (line, record) in &reader.rows {
        let line = *line;
        let account = reader.get(record, "account_number").to_string();
        used.push((line, account.clone()));
        let amount = reader.get(record, "amount");
        check_money(&mut problems, line, "amount", amount, currency, true);
        let method = reader.get(record, "method").to_ascii_lowercase();
        if !PAYMENT_METHODS.contains(&method.as_str()) {
            problems.push(Problem {
                line,
                column: "method".into(),
                reason: format!("{method:?} is not one of {}", PAYMENT_METHODS.join(", ")),
            });
        }
        let Some(received_on) = check_date(&mut problems, line, "received_on", reader.get(record, "received_on")) else {
            continue;
        };
        let apply_to = reader.get(record, "apply_to");
        commands.push(BulkCommand::Payment(NewPayment {
            account_number: account,
            amount: amount.into(),
            method,
            reference: reader.get(record, "reference").into(),
            received_on,
            apply_to: if apply_to.is_empty() {
                vec![]
            } else {
                vec![ApplyTo {
                    reference: apply_to.into(),
                    amount: None,
                }]
            },
        }));
        lines.push(line);
    }
    check_accounts(&mut problems, known, &used);
    finish(problems, ReadFile { commands, lines })
}
