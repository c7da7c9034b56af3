//! A claim's lines moved to the payer's receivable (one open item per line)
//! and back with a mirror entry, never once money has been applied.

use crate::batch::{self, Batch, ItemChange, V};
use crate::billing::{AccountRow, NewAccount, NewParty};
use crate::claims::bad;
use crate::claims::books::{PayerRow, Prepared};
use crate::claims::rows::ClaimHead;
use crate::platform::Organisation;
use crate::write::{fmt, next_ids, IdBlock};
use crate::{now_text, Result, Store};
use settle_domain::account::PartyKind;
use settle_domain::events::{self, Receivable};
use settle_domain::ledger::GlAccount;
use settle_domain::Date;
use sqlx::{AnyConnection, Row};

impl Store {
    /// The payer's receivable account, made on its first claim.
    pub(super) async fn payer_account(&self, conn: &mut AnyConnection, org: &Organisation, payer: &PayerRow, today: Date) -> Result<AccountRow> {
        if let Some(id) = payer.account_id {
            return self.account_by_id(conn, org.org_id, id).await;
        }
        let code: String = payer.code.chars().filter(char::is_ascii_alphanumeric).take(24).collect();
        let mut number = format!("INS-{code}");
        let taken = sqlx::query("SELECT 1 FROM account WHERE org_id = $1 AND account_number = $2")
            .bind(org.org_id)
            .bind(&number)
            .fetch_optional(&mut *conn)
            .await?;
        if taken.is_some() {
            number = format!("INS-{code}-{}", payer.payer_key);
        }
        let mut batch = Batch::default();
        let created = self
            .stage_account(
                conn,
                org,
                &NewAccount {
                    account_number: number,
                    party: NewParty {
                        kind: PartyKind::Company.as_str().into(),
                        name: payer.name.clone(),
                        ..NewParty::default()
                    },
                    ar_kind: "insurance".into(),
                    currency: None,
                    payment_terms: Some("net30".into()),
                    opened_on: today,
                },
                &mut batch,
                &mut IdBlock::default(),
            )
            .await?;
        batch.flush(conn, org.org_id).await?;
        sqlx::query("UPDATE payer SET account_id = $3 WHERE org_id = $1 AND payer_key = $2")
            .bind(org.org_id)
            .bind(payer.payer_key)
            .bind(created.account_id)
            .execute(&mut *conn)
            .await?;
        self.account_by_id(conn, org.org_id, created.account_id).await
    }

    pub(super) async fn charge(&self, conn: &mut AnyConnection, org: &Organisation, head: &ClaimHead, prepared: &Prepared, today: Date) -> Result<()> {
        let account = self.payer_account(conn, org, &prepared.coverage.payer, today).await?;
        let count = prepared.lines.len() as i64;
        let first_item = next_ids(conn, org.org_id, "item", count).await?;
        let entry_id = next_ids(conn, org.org_id, "entry", 1).await?;
        let receivable = Receivable {
            account_id: account.account_id,
            gl: GlAccount::ArInsurance,
        };
        let amounts: Vec<(i64, i64)> = prepared
            .lines
            .iter()
            .enumerate()
            .map(|(i, l)| (first_item + i as i64, l.charge.amount_minor()))
            .collect();
        let entry = events::claim_charged(
            today,
            account.currency,
            receivable,
            &amounts,
            &format!("Claim {} for {} ({})", head.number, prepared.patient.name, prepared.account.account_number),
        )?;
        let now = now_text();
        // A claim charged again (after an edit) gets fresh item references.
        let recharged = sqlx::query("SELECT 1 FROM open_item WHERE org_id = $1 AND reference = $2")
            .bind(org.org_id)
            .bind(format!("{}-1", head.number))
            .fetch_optional(&mut *conn)
            .await?
            .is_some();
        let mut batch = Batch::default();
        batch.add_entry(org.org_id, entry_id, Some(account.account_id), &entry, &now);
        for (i, line) in prepared.lines.iter().enumerate() {
            let item_id = first_item + i as i64;
            let reference = if recharged {
                format!("{}-{}-{entry_id}", head.number, i + 1)
            } else {
                format!("{}-{}", head.number, i + 1)
            };
            batch.push(batch::OpenItemRow { org_id: org.org_id.into(), item_id: item_id.into(), account_id: account.account_id.into(), reference: reference.into(), kind: "claim".into(), invoice_id: V::NI(None), description: // No procedure code here: descriptions are read by every role
                    // (sight.rs); the code stays on the claim line.
                    format!("{} service for {}", line.date_of_service, prepared.patient.name).into(), issue_date: line.date_of_service.into(), due_date: line.date_of_service.into(), currency: account.currency.code().into(), amount_minor: line.charge.amount_minor().into(), balance_minor: line.charge.amount_minor().into(), written_off: 0i64.into(), status: "open".into() });
        }
        let total: i64 = amounts.iter().map(|(_, a)| a).sum();
        batch.change_account(account.account_id, total, 0);
        batch.flush(conn, org.org_id).await?;
        for (i, (item_id, _)) in amounts.iter().enumerate() {
            sqlx::query("UPDATE claim_line SET item_id = $4 WHERE org_id = $1 AND claim_id = $2 AND line_no = $3")
                .bind(org.org_id)
                .bind(head.claim_id)
                .bind(i as i64 + 1)
                .bind(item_id)
                .execute(&mut *conn)
                .await?;
        }
        sqlx::query("UPDATE claim SET charged_entry_id = $3 WHERE org_id = $1 AND claim_id = $2")
            .bind(org.org_id)
            .bind(head.claim_id)
            .bind(entry_id)
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    /// Takes a claim's charges off the payer's books with the mirror entry.
    pub(super) async fn uncharge(&self, conn: &mut AnyConnection, org: &Organisation, head: &ClaimHead, today: Date, why: &str) -> Result<()> {
        let rows = sqlx::query(
            "SELECT o.item_id, o.account_id, o.amount_minor, o.balance_minor, o.reference FROM claim_line l \
             JOIN open_item o ON o.org_id = l.org_id AND o.item_id = l.item_id \
             WHERE l.org_id = $1 AND l.claim_id = $2 ORDER BY l.line_no",
        )
        .bind(org.org_id)
        .bind(head.claim_id)
        .fetch_all(&mut *conn)
        .await?;
        let Some(first) = rows.first() else {
            return Ok(());
        };
        let account = self.account_by_id(conn, org.org_id, first.try_get("account_id")?).await?;
        let mut amounts = Vec::new();
        for r in &rows {
            let (amount, balance): (i64, i64) = (r.try_get("amount_minor")?, r.try_get("balance_minor")?);
            if amount != balance {
                return Err(bad(
                    "claim_number",
                    format!(
                        "claim {} has {} applied to line {}; money posted against a claim is undone from its remittance, not by editing the claim",
                        head.number,
                        fmt(amount - balance, account.currency),
                        r.try_get::<String, _>("reference")?
                    ),
                ));
            }
            amounts.push((r.try_get::<i64, _>("item_id")?, amount));
        }
        let entry = events::claim_charges_reversed(
            today,
            account.currency,
            Receivable {
                account_id: account.account_id,
                gl: GlAccount::ArInsurance,
            },
            &amounts,
            &format!("Claim {} {why}: charges taken off", head.number),
        )?;
        let entry_id = next_ids(conn, org.org_id, "entry", 1).await?;
        let mut batch = Batch::default();
        batch.add_entry(org.org_id, entry_id, Some(account.account_id), &entry, &now_text());
        for (item_id, amount) in &amounts {
            batch.item_changes.insert(
                *item_id,
                ItemChange {
                    balance_delta_minor: -amount,
                    written_off: false,
                    void: true,
                },
            );
        }
        let total: i64 = amounts.iter().map(|(_, a)| a).sum();
        batch.change_account(account.account_id, -total, 0);
        batch.flush(conn, org.org_id).await?;
        sqlx::query("UPDATE claim SET charged_entry_id = NULL WHERE org_id = $1 AND claim_id = $2")
            .bind(org.org_id)
            .bind(head.claim_id)
            .execute(&mut *conn)
            .await?;
        sqlx::query("UPDATE claim_line SET item_id = NULL WHERE org_id = $1 AND claim_id = $2")
            .bind(org.org_id)
            .bind(head.claim_id)
            .execute(&mut *conn)
            .await?;
        Ok(())
    }
}
