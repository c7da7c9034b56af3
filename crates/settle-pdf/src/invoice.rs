//! An invoice as the customer receives it: who it is from (the letterhead)
//! and to (bill-to), its number, dates and terms, the lines with their tax,
//! the totals, what has been paid and what is due, and where and how to
//! pay (remit-to and the organisation's payment instructions).

use serde::{Deserialize, Serialize};

use crate::letters::{address, parse_minor, Party};
use crate::{money_in, Column, Document};

/// One line of an invoice; amounts are decimal strings.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceLine {
    pub code: String,
    pub description: String,
    pub quantity: String,
    pub unit_price: String,
    /// Percent, like "8.25"; "0" when untaxed.
    pub tax_rate: String,
    pub amount: String,
}

/// An invoice to print.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceDocument {
    pub number: String,
    /// draft, open, paid or void: a draft and a void invoice say so on top.
    pub status: String,
    pub issue_date: String,
    pub due_date: String,
    /// Such as "net30" or "due-on-receipt".
    pub terms: String,
    pub currency: String,
    pub seller: Party,
    pub phone: String,
    pub bill_to: Party,
    pub account_number: String,
    pub lines: Vec<InvoiceLine>,
    pub subtotal: String,
    pub tax: String,
    pub total: String,
    /// Payments, credits and adjustments applied so far.
    pub paid: String,
    pub balance: String,
    pub memo: String,
    pub remit_to: Party,
    pub payment_instructions: Vec<String>,
}

fn terms_words(terms: &str) -> String {
    match terms.strip_prefix("net").and_then(|d| d.parse::<u32>().ok()) {
        Some(days) => format!("Net {days} days"),
        None if terms == "due-on-receipt" => "Due on receipt".into(),
        None => terms.to_string(),
    }
}

/// The invoice as PDF.
pub fn invoice(inv: &InvoiceDocument) -> Vec<u8> {
    let footer = format!("{}  {}  Invoice {}", inv.seller.name, inv.phone, inv.number);
    let mut doc = Document::new(&format!("Invoice {}", inv.number), footer.trim());
    let money = |amount: &str| money_in(amount, &inv.currency);
    address(&mut doc, &inv.seller, 10.0);
    if !inv.phone.is_empty() {
        doc.lines(&[&format!("Phone {}", inv.phone)], 9.0);
    }
    let title = match inv.status.as_str() {
        "draft" => "DRAFT INVOICE",
        "void" => "VOID INVOICE",
        _ => "INVOICE",
    };
    doc.place_right(558.0, 70.0, title, 16.0, true);
    let facts = [
        format!("Invoice {}", inv.number),
        format!("Date {}", inv.issue_date),
        format!("Due {}", inv.due_date),
        format!("Terms: {}", terms_words(&inv.terms)),
        format!("Account {}", inv.account_number),
    ];
    for (i, fact) in facts.iter().enumerate() {
        doc.place_right(558.0, 88.0 + 12.0 * i as f32, fact, 9.0, false);
    }
    doc.move_below(150.0);
    doc.heading("Bill to", 10.0);
    address(&mut doc, &inv.bill_to, 10.0);
    let rows: Vec<Vec<String>> = inv
        .lines
        .iter()
        .map(|l| {
            vec![
                format!("{} {}", l.code, l.description).trim().to_string(),
                l.quantity.clone(),
                money(&l.unit_price),
                if l.tax_rate == "0" || l.tax_rate.is_empty() {
                    String::new()
                } else {
                    format!("{}%", l.tax_rate)
                },
                money(&l.amount),
            ]
        })
        .collect();
    let columns = [
        Column::left("Description", 3.2),
        Column::right("Qty", 0.6),
        Column::right("Unit price", 1.1),
        Column::right("Tax", 0.7),
        Column::right("Amount", 1.1),
    ];
    let mut totals = vec![
        vec!["Subtotal".into(), String::new(), String::new(), String::new(), money(&inv.subtotal)],
        vec!["Tax".into(), String::new(), String::new(), String::new(), money(&inv.tax)],
        vec!["=Total".into(), String::new(), String::new(), String::new(), money(&inv.total)],
    ];
    if parse_minor(&inv.paid) != 0 {
        totals.push(vec![
            "Paid and credited".into(),
            String::new(),
            String::new(),
            String::new(),
            format!("-{}", money(&inv.paid)),
        ]);
    }
    totals.push(vec!["=Balance due".into(), String::new(), String::new(), String::new(), money(&inv.balance)]);
    doc.table(&columns, &[rows, totals].concat(), 9.0);
    if !inv.memo.is_empty() {
        doc.paragraph(&inv.memo, 9.0);
    }
    doc.keep_together(130.0);
    doc.boxed(
        &[
            (&format!("Balance due: {}", money(&inv.balance)), true),
            (
                &format!(
                    "Please pay by {}, quoting invoice {} and account {}.",
                    inv.due_date, inv.number, inv.account_number
                ),
                false,
            ),
        ],
        10.0,
    );
    doc.heading("How to pay", 10.0);
    let mut remit = vec![format!(
        "By mail: a check payable to {}{}.",
        inv.remit_to.name,
        if inv.remit_to.lines.is_empty() {
            String::new()
        } else {
            format!(", to {}", inv.remit_to.lines.join(", "))
        }
    )];
    remit.extend(inv.payment_instructions.iter().cloned());
    if !inv.phone.is_empty() {
        remit.push(format!("Questions about this invoice? Call {}.", inv.phone));
    }
    for line in &remit {
        doc.paragraph(line, 9.0);
    }
    doc.finish()
}
