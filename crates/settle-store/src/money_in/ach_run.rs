//! The daily ACH run, all in one transaction or none of it:
//! 1. debits sent whose return window (two banking days after they
//!    settled) has passed move to `settled`; a mandate whose prenote
//!    settled unreturned becomes active;
//! 2. each mandate owing a prenote gets one (live debits wait three
//!    banking days after it);
//! 3. each scheduled debit due by the next banking day, under a mandate
//!    that may be debited, is sent: never more than the account owes (a
//!    debit for an account that owes nothing is cancelled, saying so), its
//!    payment posted as `ach` with the trace number as reference;
//! 4. one NACHA file per originating bank account, kept.

use crate::batch::Batch;
use crate::billing::{AccountRow, ItemRow, NewPayment};
use crate::money_in::ach_read::{file_view, AchFileView};
use crate::money_in::ach_setup::{account_kind, originators_in, record_change, routing};
use crate::platform::Organisation;
use crate::write::{parse_date, IdBlock, Staging};
use crate::{now_text, sha256_hex, Result, Store, StoreError};
use serde::{Deserialize, Serialize};
use settle_domain::ach::mandate::{add_banking_days, first_live_debit_on};
use settle_domain::ach::nacha_write::{self, trace_number, Direction, OutEntry};
use settle_domain::status::{DebitStatus, MandateStatus};
use settle_domain::Date;
use sqlx::Row;
use std::collections::HashMap;

/// What a run did.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct AchRun {
    pub as_of: String,
    /// The day the debits sent settle (the next banking day).
    pub effective_on: String,
    pub files: Vec<AchFileView>,
    pub debits_sent: i64,
    pub prenotes_sent: i64,
    /// Debits past their return window, now settled.
    pub settled: i64,
    /// Mandates whose prenote settled unreturned.
    pub activated: i64,
    /// Debits not sent, and why (an account that owes nothing).
    pub cancelled: Vec<String>,
    /// Debits due but waiting on their mandate (prenote, new details, hold).
    pub waiting: i64,
}

/// The trace sequence of a debit: its id, wrapped within seven digits.
fn sequence(debit_id: i64) -> u32 {
    ((debit_id - 1).rem_euclid(9_999_999) + 1) as u32
}

impl Store {
    /// Runs the day's ACH work for `as_of`; `time` (HHMM) stamps the files.
    pub async fn ach_run(&self, org: &Organisation, as_of: Date, time: u16) -> Result<AchRun> {
        // NACHA files carry two-digit years read as 2000-2099.
        if !(2000..=2098).contains(&as_of.year()) {
            return Err(StoreError::invalid("as_of", format!("{as_of} is not a day ACH files can carry (2000 to 2098)")));
        }
        self.write(|tx| Box::pin(async move {
            let conn = tx.conn();
            let effective = add_banking_days(as_of, 1);
            let mut run = AchRun {
                as_of: as_of.to_string(),
                effective_on: effective.to_string(),
                ..AchRun::default()
            };
            // 1. Past the return window: settled.
            let sent = sqlx::query("SELECT debit_id, effective_on, purpose, mandate_id FROM ach_debit WHERE org_id = $1 AND status = 'in_file'")
                .bind(org.org_id)
                .fetch_all(&mut *conn)
                .await?;
            for r in &sent {
                let settled_on = add_banking_days(parse_date(&r.try_get::<String, _>("effective_on")?)?, 2);
                if settled_on > as_of {
                    continue;
                }
                let debit_id: i64 = r.try_get("debit_id")?;
                // Not one a return file applied meanwhile returned.
                let done = sqlx::query("UPDATE ach_debit SET status = 'settled', settled_on = $3 WHERE org_id = $1 AND debit_id = $2 AND status = 'in_file'")
                    .bind(org.org_id)
                    .bind(debit_id)
                    .bind(settled_on.to_string())
                    .execute(&mut *conn)
                    .await?;
                if done.rows_affected() != 1 {
                    continue;
                }
                run.settled += 1;
                if r.try_get::<String, _>("purpose")? == "prenote" {
                    let mandate_id: i64 = r.try_get("mandate_id")?;
                    let status: String = sqlx::query("SELECT status FROM ach_mandate WHERE org_id = $1 AND mandate_id = $2")
                        .bind(org.org_id)
                        .bind(mandate_id)
                        .fetch_one(&mut *conn)
                        .await?
                        .try_get("status")?;
                    if status == MandateStatus::PrenoteSent.as_str() {
                        record_change(
                            conn,
                            org.org_id,
                            mandate_id,
                            as_of,
                            ("prenote", "", status.as_str(), MandateStatus::Active.as_str(), "the prenote settled with no return"),
                            Some((MandateStatus::Active, "")),
                        )
                        .await?;
                        run.activated += 1;
                    }
                }
            }
            // 2. Prenotes owed.
            let owed = sqlx::query("SELECT mandate_id, account_id, channel FROM ach_mandate WHERE org_id = $1 AND status = 'prenote_due' ORDER BY mandate_id")
                .bind(org.org_id)
                .fetch_all(&mut *conn)
                .await?;
            for r in &owed {
                let mandate_id: i64 = r.try_get("mandate_id")?;
                let channel = super::ach_setup::channel(&r.try_get::<String, _>("channel")?)?;
                let live_from = first_live_debit_on(channel, Some(effective))
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?
                    .unwrap_or(effective);
                super::ach_debits::insert_debit(
                    conn,
                    org.org_id,
                    &super::ach_debits::DebitRow {
                        mandate_id,
                        account_id: r.try_get("account_id")?,
                        purpose: "prenote",
                        amount_minor: 0,
                        due_on: effective,
                        plan: None,
                        retry_of: None,
                        note: "validates the account before the first debit",
                    },
                )
                .await?;
                sqlx::query("UPDATE ach_mandate SET live_from = $3 WHERE org_id = $1 AND mandate_id = $2")
                    .bind(org.org_id)
                    .bind(mandate_id)
                    .bind(live_from.to_string())
                    .execute(&mut *conn)
                    .await?;
                record_change(
                    conn,
                    org.org_id,
                    mandate_id,
                    as_of,
                    ("prenote", "", MandateStatus::PrenoteDue.as_str(), MandateStatus::PrenoteSent.as_str(), &format!("live debits from {live_from}")),
                    Some((MandateStatus::PrenoteSent, &format!("prenote sent; live debits from {live_from}"))),
                )
                .await?;
            }
            // 3. What is due, with its mandate's bank details.
            let due = sqlx::query(
                "SELECT d.debit_id, d.purpose, d.amount_minor, d.account_id, a.account_number, m.originator_id, m.holder_name, m.routing, m.bank_account, \
                 m.account_kind, m.sec, m.status AS mandate_status, m.live_from FROM ach_debit d \
                 JOIN ach_mandate m ON m.org_id = d.org_id AND m.mandate_id = d.mandate_id \
                 JOIN account a ON a.org_id = d.org_id AND a.account_id = d.account_id \
                 WHERE d.org_id = $1 AND d.status = 'scheduled' AND d.due_on <= $2 ORDER BY d.debit_id",
            )
            .bind(org.org_id)
            .bind(effective.to_string())
            .fetch_all(&mut *conn)
            .await?;
            let mut accounts: HashMap<i64, (AccountRow, Vec<ItemRow>)> = HashMap::new();
            let (mut batch, mut ids) = (Batch::default(), IdBlock::default());
            let mut by_originator: HashMap<i64, Vec<(i64, OutEntry, Option<i64>)>> = HashMap::new();
            for r in &due {
                let debit_id: i64 = r.try_get("debit_id")?;
                let purpose: String = r.try_get("purpose")?;
                let mandate_status: MandateStatus = crate::write::status(r, "mandate_status")?;
                let live_from: Option<String> = r.try_get("live_from")?;
                let prenote = purpose == "prenote";
                let may = match mandate_status {
                    MandateStatus::PrenoteSent => prenote,
                    MandateStatus::Active => prenote || live_from.as_deref().is_none_or(|d| d <= effective.to_string().as_str()),
                    _ => false,
                };
                if !may {
                    run.waiting += 1;
                    continue;
                }
                let account_id: i64 = r.try_get("account_id")?;
                let account_number: String = r.try_get("account_number")?;
                let mut amount: i64 = r.try_get("amount_minor")?;
                let mut payment_id = None;
                if !prenote {
                    let (account, items) = match accounts.entry(account_id) {
                        std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                        std::collections::hash_map::Entry::Vacant(e) => {
                            let account = self.account_by_id(conn, org.org_id, account_id).await?;
                            let items = self.open_items(conn, org.org_id, account_id).await?;
                            e.insert((account, items))
                        }
                    };
                    amount = amount.min(account.balance_minor);
                    if amount <= 0 {
                        let why = format!("debit {debit_id} for account {account_number}: the account owes nothing; not sent");
                        let done = sqlx::query("UPDATE ach_debit SET status = 'cancelled', note = $3 WHERE org_id = $1 AND debit_id = $2 AND status = 'scheduled'")
                            .bind(org.org_id)
                            .bind(debit_id)
                            .bind("cancelled by the run: the account owed nothing")
                            .execute(&mut *conn)
                            .await?;
                        if done.rows_affected() != 1 {
                            // Another run sent it meanwhile (and so the account owes less): start again.
                            return Err(StoreError::Contention);
                        }
                        run.cancelled.push(why);
                        continue;
                    }
                    let posted = self
                        .stage_payment(
                            Staging {
                                conn,
                                org_id: org.org_id,
                                batch: &mut batch,
                                ids: &mut ids,
                            },
                            account,
                            items,
                            &NewPayment {
                                account_number: account_number.clone(),
                                amount: crate::write::fmt(amount, account.currency),
                                method: "ach".into(),
                                reference: format!("ACH debit {debit_id}"),
                                received_on: effective,
                                apply_to: vec![],
                            },
                        )
                        .await?;
                    payment_id = Some(posted.payment_id);
                }
                let entry = OutEntry {
                    sec: r.try_get("sec")?,
                    description: if purpose == "retry" {
                        settle_domain::ach::returns::RETRY_DESCRIPTION.into()
                    } else {
                        "PAYMENT".into()
                    },
                    effective_on: effective,
                    direction: if prenote { Direction::PrenoteDebit } else { Direction::Debit },
                    account_kind: account_kind(&r.try_get::<String, _>("account_kind")?)?,
                    routing: routing("routing", &r.try_get::<String, _>("routing")?)?,
                    account: r.try_get("bank_account")?,
                    amount_minor: amount,
                    individual_id: account_number,
                    name: r.try_get("holder_name")?,
                    trace: sequence(debit_id),
                };
                by_originator
                    .entry(r.try_get("originator_id")?)
                    .or_default()
                    .push((debit_id, entry, payment_id));
            }
            batch.flush(conn, org.org_id).await?;
            // 4. One file per originating account.
            for o in originators_in(conn, org.org_id).await? {
                let Some(entries) = by_originator.remove(&o.originator_id) else {
                    continue;
                };
                let made_today: i64 = sqlx::query("SELECT COUNT(*) AS n FROM ach_file WHERE org_id = $1 AND originator_id = $2 AND direction = 'sent' AND made_on = $3")
                    .bind(org.org_id)
                    .bind(o.originator_id)
                    .bind(as_of.to_string())
                    .fetch_one(&mut *conn)
                    .await?
                    .try_get("n")?;
                let modifier = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                    .get(made_today as usize)
                    .map(|b| *b as char)
                    .ok_or_else(|| StoreError::invalid("as_of", format!("{} files were already sent on {as_of} from {}", made_today, o.name)))?;
                let out: Vec<OutEntry> = entries.iter().map(|(_, e, _)| e.clone()).collect();
                let text = nacha_write::write(&o.originator, (as_of, time), modifier, &out).map_err(|e| StoreError::invalid("debits", e))?;
                let file_id = crate::write::next_ids(conn, org.org_id, "ach_file", 1).await?;
                let total: i64 = out.iter().map(|e| e.amount_minor).sum();
                sqlx::query(
                    "INSERT INTO ach_file (org_id, file_id, originator_id, direction, made_on, modifier, sha256, entries, debit_total_minor, content, created_at) \
                     VALUES ($1, $2, $3, 'sent', $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(org.org_id)
                .bind(file_id)
                .bind(o.originator_id)
                .bind(as_of.to_string())
                .bind(modifier.to_string())
                .bind(sha256_hex(&text))
                .bind(out.len() as i64)
                .bind(total)
                .bind(&text)
                .bind(now_text())
                .execute(&mut *conn)
                .await?;
                for (debit_id, entry, payment_id) in &entries {
                    // Only a debit still scheduled: a run committed meanwhile
                    // (another server, another click) sent it, and this one
                    // is retried from the start, so nothing is sent twice.
                    let done = sqlx::query(
                        "UPDATE ach_debit SET status = $3, file_id = $4, trace = $5, effective_on = $6, payment_id = $7, amount_minor = $8 \
                         WHERE org_id = $1 AND debit_id = $2 AND status = 'scheduled'",
                    )
                    .bind(org.org_id)
                    .bind(debit_id)
                    .bind(DebitStatus::InFile.as_str())
                    .bind(file_id)
                    .bind(trace_number(&o.originator.odfi, entry.trace))
                    .bind(effective.to_string())
                    .bind(payment_id)
                    .bind(entry.amount_minor)
                    .execute(&mut *conn)
                    .await?;
                    if done.rows_affected() != 1 {
                        return Err(StoreError::Contention);
                    }
                    if payment_id.is_some() {
                        run.debits_sent += 1;
                    } else {
                        run.prenotes_sent += 1;
                    }
                }
                run.files.push(file_view(conn, org.org_id, file_id).await?);
            }
            if by_originator.values().any(|v| !v.is_empty()) {
                return Err(StoreError::Corrupt("a mandate names an originating account that is not there".into()));
            }
            tx.audit(org.org_id, "ach.run", &format!("ach_run:{as_of}"), None, Some(&serde_json::to_value(&run)?))
                .await?;
            Ok(run)
        }))
        .await
    }
}
