//! A posted claim payment reversed (a payer's takeback): a mirror entry and
//! the claim's status back.

use crate::batch::{self, Batch, V};
use crate::claims::remit::work::{Decision, Era};
use crate::write::next_ids;
use crate::{now_text, Result, Store, StoreError};
use settle_domain::claims::ClaimStatus;
use settle_domain::ledger::GlAccount;
use settle_domain::money::Money;
use settle_x12::remit::ClaimPayment;
use sqlx::{AnyConnection, Row};

impl Store {
    /// A reversal (CLP02 22) undoes the claim's last posted remittance with
    /// the mirror of its entry and of its documents, if nothing has moved
    /// since (the patient has not paid on their share).
    pub(in crate::claims) async fn reverse_claim(
        &self,
        conn: &mut AnyConnection,
        era: &Era<'_>,
        c: &ClaimPayment,
    ) -> Result<std::result::Result<(i64, String, i64), Decision>> {
        let Era { org, r, paid_on, cur, .. } = *era;
        let exception = |claim_id: Option<i64>, number: Option<String>, reason: String| Decision::Exception {
            claim_id,
            claim_number: number,
            reason,
        };
        let row = sqlx::query("SELECT claim_id, claim_number FROM claim WHERE org_id = $1 AND claim_number = $2")
            .bind(org.org_id)
            .bind(c.claim_number.trim().to_ascii_uppercase())
            .fetch_optional(&mut *conn)
            .await?;
        let Some(row) = row else {
            return Ok(Err(exception(
                None,
                None,
                format!("a reversal for claim {}, which Settle does not have", c.claim_number),
            )));
        };
        let (claim_id, number): (i64, String) = (row.try_get("claim_id")?, row.try_get("claim_number")?);
        let earlier = sqlx::query(
            "SELECT remittance_id, seq, entry_id, paid_minor FROM remittance_claim WHERE org_id = $1 AND claim_id = $2 AND outcome = 'posted' AND entry_id IS NOT NULL \
             ORDER BY remittance_id DESC, seq DESC LIMIT 1",
        )
        .bind(org.org_id)
        .bind(claim_id)
        .fetch_optional(&mut *conn)
        .await?;
        let Some(earlier) = earlier else {
            return Ok(Err(exception(
                Some(claim_id),
                Some(number.clone()),
                format!("a reversal for claim {number}, which has no posted payment to reverse"),
            )));
        };
        let (was_remit, was_seq, was_entry, was_paid): (i64, i64, i64, i64) = (
            earlier.try_get("remittance_id")?,
            earlier.try_get("seq")?,
            earlier.try_get("entry_id")?,
            earlier.try_get("paid_minor")?,
        );
        if c.paid.amount_minor() != -was_paid {
            return Ok(Err(exception(
                Some(claim_id),
                Some(number.clone()),
                format!(
                    "the reversal takes back {} but {} was posted; reverse by hand",
                    c.paid,
                    Money::from_minor(was_paid, cur)
                ),
            )));
        }
        let postings = sqlx::query("SELECT gl_code, account_id, item_id, amount_minor FROM posting WHERE org_id = $1 AND entry_id = $2 ORDER BY line_no")
            .bind(org.org_id)
            .bind(was_entry)
            .fetch_all(&mut *conn)
            .await?;
        let mut mirror = Vec::new();
        let mut batch = Batch::default();
        for p in &postings {
            let code: String = p.try_get("gl_code")?;
            let gl = match GlAccount::from_code(&code).ok_or_else(|| StoreError::Corrupt(format!("GL {code}")))? {
                // A payment first held in suspense and matched later: the reversal takes cash back all the same.
                GlAccount::EraSuspense => GlAccount::Cash,
                gl => gl,
            };
            let account: Option<i64> = p.try_get("account_id")?;
            let item: Option<i64> = p.try_get("item_id")?;
            let amount: i64 = p.try_get("amount_minor")?;
            let mut posting = settle_domain::ledger::Posting::debit(gl, -amount);
            if let (Some(a), Some(i)) = (account, item) {
                // The patient's share must still be whole to be taken back.
                let balance: i64 = sqlx::query("SELECT balance_minor FROM open_item WHERE org_id = $1 AND item_id = $2")
                    .bind(org.org_id)
                    .bind(i)
                    .fetch_one(&mut *conn)
                    .await?
                    .try_get("balance_minor")?;
                if amount > 0 && balance < amount {
                    return Ok(Err(exception(
                        Some(claim_id),
                        Some(number.clone()),
                        format!("the patient has paid part of their share of claim {number}; reverse by hand"),
                    )));
                }
                posting = posting.for_item(a, i);
                batch.change_item(i, -amount);
                if amount > 0 {
                    // The patient's share this entry created: void, as if never billed.
                    batch.item_changes.entry(i).or_default().void = true;
                }
                batch.change_account(a, -amount, 0);
            } else if let Some(a) = account {
                posting = posting.for_account(a);
            }
            mirror.push(posting);
        }
        let entry = settle_domain::ledger::JournalEntry::new(
            settle_domain::ledger::EntryKind::Remittance,
            paid_on,
            cur,
            format!("ERA {} reverses the payment of claim {number}", r.trace),
            mirror,
        )
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let entry_id = next_ids(conn, org.org_id, "entry", 1).await?;
        let now = now_text();
        let insurance_account = postings.iter().find_map(|p| p.try_get::<Option<i64>, _>("account_id").ok().flatten());
        batch.add_entry(org.org_id, entry_id, insurance_account, &entry, &now);
        // The documents' mirrors: a negative payment, negative allocations and adjustments.
        let payment = sqlx::query("SELECT payment_id, account_id, method, amount_minor FROM payment WHERE org_id = $1 AND entry_id = $2")
            .bind(org.org_id)
            .bind(was_entry)
            .fetch_optional(&mut *conn)
            .await?;
        let mut new_payment = None;
        if let Some(p) = payment {
            let id = next_ids(conn, org.org_id, "payment", 1).await?;
            new_payment = Some((p.try_get::<i64, _>("payment_id")?, id));
            batch.push(batch::PaymentRow {
                org_id: org.org_id.into(),
                payment_id: id.into(),
                account_id: p.try_get::<i64, _>("account_id")?.into(),
                method: p.try_get::<String, _>("method")?.into(),
                reference: format!("ERA {} reversal {number}", r.trace).into(),
                received_on: paid_on.into(),
                currency: cur.code().into(),
                amount_minor: (-p.try_get::<i64, _>("amount_minor")?).into(),
                unapplied_minor: 0i64.into(),
                status: "posted".into(),
                entry_id: entry_id.into(),
                reversal_entry_id: V::NI(None),
                created_at: now.clone().into(),
            });
        }
        let allocations = sqlx::query("SELECT account_id, item_id, source, payment_id, amount_minor FROM allocation WHERE org_id = $1 AND entry_id = $2")
            .bind(org.org_id)
            .bind(was_entry)
            .fetch_all(&mut *conn)
            .await?;
        for a in &allocations {
            let id = next_ids(conn, org.org_id, "allocation", 1).await?;
            let payment_id: Option<i64> = a.try_get("payment_id")?;
            let payment_id = payment_id.and_then(|old| new_payment.filter(|(was, _)| *was == old).map(|(_, new)| new));
            batch.push(batch::AllocationRow {
                org_id: org.org_id.into(),
                allocation_id: id.into(),
                account_id: a.try_get::<i64, _>("account_id")?.into(),
                item_id: a.try_get::<i64, _>("item_id")?.into(),
                source: a.try_get::<String, _>("source")?.into(),
                payment_id: payment_id.into(),
                credit_note_id: V::NI(None),
                amount_minor: (-a.try_get::<i64, _>("amount_minor")?).into(),
                effective_date: paid_on.into(),
                entry_id: entry_id.into(),
            });
        }
        let adjustments = sqlx::query("SELECT account_id, item_id, reason, amount_minor FROM adjustment WHERE org_id = $1 AND entry_id = $2")
            .bind(org.org_id)
            .bind(was_entry)
            .fetch_all(&mut *conn)
            .await?;
        for a in &adjustments {
            let id = next_ids(conn, org.org_id, "adjustment", 1).await?;
            batch.push(batch::AdjustmentRow {
                org_id: org.org_id.into(),
                adjustment_id: id.into(),
                account_id: a.try_get::<i64, _>("account_id")?.into(),
                item_id: a.try_get::<i64, _>("item_id")?.into(),
                reason: a.try_get::<String, _>("reason")?.into(),
                amount_minor: (-a.try_get::<i64, _>("amount_minor")?).into(),
                effective_date: paid_on.into(),
                memo: format!("ERA {} reversal", r.trace).into(),
                entry_id: entry_id.into(),
            });
        }
        batch.flush(conn, org.org_id).await?;
        sqlx::query("UPDATE remittance_claim SET outcome = 'reversed' WHERE org_id = $1 AND remittance_id = $2 AND seq = $3")
            .bind(org.org_id)
            .bind(was_remit)
            .bind(was_seq)
            .execute(&mut *conn)
            .await?;
        crate::claims::rows::set_status_keep_findings(
            conn,
            org.org_id,
            claim_id,
            ClaimStatus::Accepted,
            &format!("ERA {} reversed the earlier payment of {}", r.trace, Money::from_minor(was_paid, cur)),
        )
        .await?;
        Ok(Ok((claim_id, number, entry_id)))
    }
}
