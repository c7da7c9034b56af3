//! The plain baselines of `settle bench ledger`: the same number of rows in
//! the same tables as Settle's import wrote, with no decisions, written
//! once with plain multi-row `INSERT`s (both engines) and once with
//! PostgreSQL's `COPY` through a native connection (sqlx's `copy_in_raw`).
//! One generator gives both the same rows.

use anyhow::Result;
use settle_store::batch::{self, Batch, BatchRow, Table, V};
use settle_store::Store;
use sqlx::Connection;

use super::rows_in;

type Row = (&'static Table, Vec<V>);

fn row<R: BatchRow>(r: R) -> Row {
    (R::TABLE, r.cells())
}

/// The baseline's rows, table by table, in an order their references allow.
fn rows<'a>(org: i64, counts: &'a [(&'static str, i64)]) -> impl Iterator<Item = Row> + 'a {
    let count = move |table: &str| rows_in(counts, table);
    let date = || V::T("2025-01-01".into());
    let accounts = count("account").max(1);
    let entries = count("journal_entry").max(1);
    let tables: Vec<Box<dyn Iterator<Item = Row> + 'a>> = vec![
        Box::new((1..=count("party")).map(move |i| {
            row(batch::PartyRow {
                org_id: org.into(),
                party_id: i.into(),
                kind: "person".into(),
                name: "Baseline".into(),
                date_of_birth: V::NT(None),
                created_at: "now".into(),
                sex: "U".into(),
                last_name: "Baseline".into(),
                first_name: "".into(),
                middle_name: "".into(),
                name_suffix: "".into(),
            })
        })),
        Box::new((1..=accounts).map(move |i| {
            row(batch::AccountRow {
                org_id: org.into(),
                account_id: i.into(),
                account_number: format!("B-{i:07}").into(),
                party_id: i.into(),
                ar_kind: "customer".into(),
                currency: "USD".into(),
                status: "active".into(),
                payment_terms: "net30".into(),
                opened_on: date(),
                balance_minor: 0i64.into(),
                credit_minor: 0i64.into(),
                created_at: "now".into(),
            })
        })),
        Box::new((1..=count("journal_entry")).map(move |i| {
            row(batch::JournalEntryRow {
                org_id: org.into(),
                entry_id: i.into(),
                kind: "invoice".into(),
                effective_date: date(),
                currency: "USD".into(),
                account_id: Some(i % accounts + 1).into(),
                memo: "".into(),
                created_at: "now".into(),
            })
        })),
        Box::new((1..=count("invoice")).map(move |i| {
            row(batch::InvoiceRow {
                org_id: org.into(),
                invoice_id: i.into(),
                invoice_number: format!("INV-{i:06}").into(),
                account_id: (i % accounts + 1).into(),
                status: "open".into(),
                issue_date: date(),
                due_date: date(),
                terms: "net30".into(),
                currency: "USD".into(),
                subtotal_minor: 100i64.into(),
                tax_minor: 0i64.into(),
                total_minor: 100i64.into(),
                memo: "".into(),
                item_id: Some(i).into(),
                entry_id: Some(i).into(),
                void_entry_id: V::NI(None),
                created_at: "now".into(),
            })
        })),
        Box::new((1..=count("invoice_line")).map(move |i| {
            row(batch::InvoiceLineRow {
                org_id: org.into(),
                invoice_id: i.into(),
                line_no: 1i64.into(),
                item_code: "SVC".into(),
                description: "Service".into(),
                quantity: "1".into(),
                unit_price_minor: 100i64.into(),
                tax_rate: "0".into(),
                amount_minor: 100i64.into(),
                tax_minor: 0i64.into(),
            })
        })),
        Box::new((1..=count("open_item")).map(move |i| {
            row(batch::OpenItemRow {
                org_id: org.into(),
                item_id: i.into(),
                account_id: (i % accounts + 1).into(),
                reference: format!("INV-{i:06}").into(),
                kind: "invoice".into(),
                invoice_id: Some(i).into(),
                description: "Service".into(),
                issue_date: date(),
                due_date: date(),
                currency: "USD".into(),
                amount_minor: 100i64.into(),
                balance_minor: 50i64.into(),
                written_off: 0i64.into(),
                status: "open".into(),
            })
        })),
        Box::new((0..count("posting")).map(move |i| {
            let sign = if i % 2 == 0 { 100i64 } else { -100 };
            row(batch::PostingRow {
                org_id: org.into(),
                entry_id: (i / 2 % entries + 1).into(),
                line_no: (i / (2 * entries) * 2 + i % 2 + 1).into(),
                gl_code: if sign > 0 { "1100" } else { "4000" }.into(),
                account_id: Some(i % accounts + 1).into(),
                item_id: Some(i % count("open_item").max(1) + 1).into(),
                currency: "USD".into(),
                amount_minor: sign.into(),
                effective_date: date(),
            })
        })),
        Box::new((1..=count("payment")).map(move |i| {
            row(batch::PaymentRow {
                org_id: org.into(),
                payment_id: i.into(),
                account_id: (i % accounts + 1).into(),
                method: "ach".into(),
                reference: "".into(),
                received_on: date(),
                currency: "USD".into(),
                amount_minor: 100i64.into(),
                unapplied_minor: 0i64.into(),
                status: "posted".into(),
                entry_id: i.into(),
                reversal_entry_id: V::NI(None),
                created_at: "now".into(),
            })
        })),
        Box::new((1..=count("allocation")).map(move |i| {
            row(batch::AllocationRow {
                org_id: org.into(),
                allocation_id: i.into(),
                account_id: (i % accounts + 1).into(),
                item_id: (i % count("open_item").max(1) + 1).into(),
                source: "payment".into(),
                payment_id: Some(i).into(),
                credit_note_id: V::NI(None),
                amount_minor: 50i64.into(),
                effective_date: date(),
                entry_id: i.into(),
            })
        })),
    ];
    tables.into_iter().flatten()
}

/// Plain multi-row `INSERT`s in one transaction.
pub(crate) async fn insert(store: &Store, org: i64, counts: &[(&'static str, i64)]) -> Result<()> {
    let mut tx = store.begin_write().await?;
    let mut batch = Batch::default();
    for (table, cells) in rows(org, counts) {
        batch.push_cells(table, cells);
        if batch.row_count() >= 60_000 {
            batch.flush(tx.conn(), org).await?;
        }
    }
    batch.flush(tx.conn(), org).await?;
    tx.commit().await?;
    Ok(())
}

/// One value in `COPY`'s text format.
fn copy_text(value: &V, out: &mut String) {
    match value {
        V::I(n) | V::NI(Some(n)) => out.push_str(&n.to_string()),
        V::T(t) | V::NT(Some(t)) => {
            for c in t.chars() {
                match c {
                    '\\' => out.push_str("\\\\"),
                    '\t' => out.push_str("\\t"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    c => out.push(c),
                }
            }
        }
        V::NI(None) | V::NT(None) => out.push_str("\\N"),
    }
}

/// The same rows with `COPY ... FROM STDIN` on a native PostgreSQL
/// connection, one `COPY` per table, in one transaction.
pub(crate) async fn copy(url: &str, org: i64, counts: &[(&'static str, i64)]) -> Result<()> {
    let mut conn = sqlx::postgres::PgConnection::connect(url).await?;
    let mut tx = conn.begin().await?;
    let mut rows = rows(org, counts).peekable();
    while let Some((table, _)) = rows.peek() {
        let table: &'static Table = table;
        let mut copy = tx
            .copy_in_raw(&format!("COPY {} ({}) FROM STDIN", table.name, table.columns.join(", ")))
            .await?;
        let mut chunk = String::with_capacity(1 << 20);
        while let Some((_, cells)) = rows.next_if(|(t, _)| std::ptr::eq(*t, table)) {
            for (i, cell) in cells.iter().enumerate() {
                if i > 0 {
                    chunk.push('\t');
                }
                copy_text(cell, &mut chunk);
            }
            chunk.push('\n');
            if chunk.len() >= 1 << 20 {
                copy.send(chunk.as_bytes()).await?;
                chunk.clear();
            }
        }
        copy.send(chunk.as_bytes()).await?;
        copy.finish().await?;
    }
    tx.commit().await?;
    Ok(())
}
