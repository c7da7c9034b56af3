//! The bank's return and notification-of-change file, applied all or
//! nothing: read whole (`nacha::read`), every entry matched to the debit it
//! answers by trace number, every problem named by line, then each return
//! reverses its payment exactly as a returned check does (what it paid
//! reopened, the originator's fee only where the code allows one) and the
//! code decides the rest (`returns::decide`: a retry as RETRY PYMT, new
//! details asked, the mandate revoked or held); each change corrects the
//! mandate before its next debit (`mandate::apply_change`), or holds it
//! for a person when it cannot. The same file twice is refused.

use crate::billing::ReversePayment;
use crate::money_in::ach_debits::{insert_debit, DebitRow};
use crate::money_in::ach_setup::{account_kind, account_kind_text, originators_in, record_change};
use crate::money_in::masked;
use crate::platform::Organisation;
use crate::write::{fmt, parse_date};
use crate::{now_text, sha256_hex, Result, Store, StoreError};
use serde::{Deserialize, Serialize};
use settle_domain::ach::mandate::{add_banking_days, apply_change, BankDetails};
use settle_domain::ach::nacha::{self, Addenda};
use settle_domain::ach::returns::{decide, MandateAction};
use settle_domain::ach::RoutingNumber;
use settle_domain::money::Currency;
use settle_domain::status::MandateStatus;
use settle_domain::Date;
use sqlx::Row;

/// What one returned or corrected entry did.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct ReturnApplied {
    pub line: usize,
    pub code: String,
    pub meaning: String,
    pub trace: String,
    pub debit_id: i64,
    pub account_number: String,
    pub amount: String,
    /// What Settle did, in words.
    pub outcome: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct ReturnsApplied {
    pub file_id: i64,
    pub returns: Vec<ReturnApplied>,
    pub changes: Vec<ReturnApplied>,
}

/// One answered entry, checked before anything is written.
struct Answer {
    line: usize,
    code: String,
    trace: String,
    corrected: Option<String>,
    debit_id: i64,
    mandate_id: i64,
    account_number: String,
    purpose: String,
    amount_minor: i64,
    effective_on: Date,
    payment_id: Option<i64>,
    chain_root: i64,
}

impl Store {
    /// Applies a return/NOC file received on `today`.
    pub async fn apply_ach_returns(&self, org: &Organisation, text: &str, today: Date) -> Result<ReturnsApplied> {
        let file = nacha::read(text).map_err(|problems| {
            let list: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
            StoreError::invalid("file", format!("refused whole, nothing applied: {}", list.join("; ")))
        })?;
        let digest = &sha256_hex(text);
        let file = &file;
        self.write(|tx| {
            Box::pin(async move {
                let conn = tx.conn();
                if let Some(r) = sqlx::query("SELECT file_id, made_on FROM ach_file WHERE org_id = $1 AND direction = 'received' AND sha256 = $2")
                    .bind(org.org_id)
                    .bind(digest)
                    .fetch_optional(&mut *conn)
                    .await?
                {
                    return Err(StoreError::invalid(
                        "file",
                        format!(
                            "this file was already applied (ACH file {} on {}); nothing changed",
                            r.try_get::<i64, _>("file_id")?,
                            r.try_get::<String, _>("made_on")?
                        ),
                    ));
                }
                let mut problems = Vec::new();
                let mut answers = Vec::new();
                let mut seen = std::collections::HashSet::new();
                for batch in &file.batches {
                    for entry in &batch.entries {
                        let (code, trace, corrected) = match &entry.addenda[..] {
                            [Addenda::Return { code, original_trace, .. }] => (code.clone(), original_trace.clone(), None),
                            [Addenda::Change {
                                code,
                                original_trace,
                                corrected_data,
                                ..
                            }] => (code.clone(), original_trace.clone(), Some(corrected_data.clone())),
                            _ => {
                                problems.push(format!(
                                    "line {}: the entry is neither a return (addenda 99) nor a change (addenda 98)",
                                    entry.line
                                ));
                                continue;
                            }
                        };
                        if !seen.insert((trace.clone(), corrected.is_some())) {
                            problems.push(format!("line {}: trace {trace} is answered twice in this file", entry.line));
                            continue;
                        }
                        let row = sqlx::query(
                            "SELECT d.debit_id, d.mandate_id, a.account_number, d.purpose, d.amount_minor, d.effective_on, d.payment_id, d.status, d.retry_of \
                         FROM ach_debit d JOIN account a ON a.org_id = d.org_id AND a.account_id = d.account_id \
                         WHERE d.org_id = $1 AND d.trace = $2 AND d.status IN ('in_file', 'settled', 'returned') ORDER BY d.debit_id DESC LIMIT 1",
                        )
                        .bind(org.org_id)
                        .bind(&trace)
                        .fetch_optional(&mut *conn)
                        .await?;
                        let Some(row) = row else {
                            problems.push(format!("line {}: trace {trace}: no debit Settle sent has this trace number", entry.line));
                            continue;
                        };
                        let debit_id: i64 = row.try_get("debit_id")?;
                        let amount_minor: i64 = row.try_get("amount_minor")?;
                        if corrected.is_none() {
                            if row.try_get::<String, _>("status")? == "returned" {
                                problems.push(format!("line {}: trace {trace}: debit {debit_id} was already returned", entry.line));
                                continue;
                            }
                            if entry.amount_minor != amount_minor {
                                problems.push(format!(
                                    "line {}: amount: {} returned, but debit {debit_id} was for {}",
                                    entry.line,
                                    fmt(entry.amount_minor, Currency::USD),
                                    fmt(amount_minor, Currency::USD)
                                ));
                                continue;
                            }
                        }
                        answers.push(Answer {
                            line: entry.line,
                            code,
                            trace,
                            corrected,
                            debit_id,
                            mandate_id: row.try_get("mandate_id")?,
                            account_number: row.try_get("account_number")?,
                            purpose: row.try_get("purpose")?,
                            amount_minor,
                            effective_on: parse_date(&row.try_get::<String, _>("effective_on")?)?,
                            payment_id: row.try_get("payment_id")?,
                            chain_root: row.try_get::<Option<i64>, _>("retry_of")?.unwrap_or(debit_id),
                        });
                    }
                }
                // Decide every return before writing anything: an unknown code refuses the file.
                let mut decisions = Vec::new();
                for a in answers.iter().filter(|a| a.corrected.is_none()) {
                    let retries: i64 = sqlx::query("SELECT COUNT(*) AS n FROM ach_debit WHERE org_id = $1 AND retry_of = $2 AND status <> 'cancelled'")
                        .bind(org.org_id)
                        .bind(a.chain_root)
                        .fetch_one(&mut *conn)
                        .await?
                        .try_get("n")?;
                    match decide(&a.code, file.created_on, a.effective_on, retries.max(0) as usize) {
                        Ok(d) => decisions.push(d),
                        Err(e) => problems.push(format!("line {}: return reason code: {e}", a.line)),
                    }
                }
                if !problems.is_empty() {
                    return Err(StoreError::invalid("file", format!("refused whole, nothing applied: {}", problems.join("; "))));
                }
                let file_id = crate::write::next_ids(conn, org.org_id, "ach_file", 1).await?;
                let total: i64 = file
                    .batches
                    .iter()
                    .flat_map(|b| &b.entries)
                    .filter(|e| e.is_debit())
                    .map(|e| e.amount_minor)
                    .sum();
                sqlx::query(
                "INSERT INTO ach_file (org_id, file_id, originator_id, direction, made_on, modifier, sha256, entries, debit_total_minor, content, created_at) \
                 VALUES ($1, $2, NULL, 'received', $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(org.org_id)
            .bind(file_id)
            .bind(today.to_string())
            .bind(file.file_id_modifier.to_string())
            .bind(digest)
            .bind(answers.len() as i64)
            .bind(total)
            .bind(text)
            .bind(now_text())
            .execute(&mut *conn)
            .await?;
                let fee_by_mandate = {
                    let originators = originators_in(conn, org.org_id).await?;
                    move |originator_id: i64| originators.iter().find(|o| o.originator_id == originator_id).map_or(0, |o| o.return_fee_minor)
                };
                let mut out = ReturnsApplied {
                    file_id,
                    returns: vec![],
                    changes: vec![],
                };
                let mut decisions = decisions.into_iter();
                for a in &answers {
                    let day = file.created_on;
                    if let Some(corrected) = &a.corrected {
                        let outcome = self.apply_change_to_mandate(conn, org.org_id, a, corrected, day).await?;
                        out.changes.push(applied(a, outcome));
                        continue;
                    }
                    let d = decisions.next().expect("one decision per return");
                    let mut outcome = Vec::new();
                    if let Some(payment_id) = a.payment_id {
                        let originator_id: i64 = sqlx::query("SELECT originator_id FROM ach_mandate WHERE org_id = $1 AND mandate_id = $2")
                            .bind(org.org_id)
                            .bind(a.mandate_id)
                            .fetch_one(&mut *conn)
                            .await?
                            .try_get("originator_id")?;
                        let fee_minor = if d.fee_allowed { fee_by_mandate(originator_id) } else { 0 };
                        let reversed = self
                            .stage_reversal(
                                conn,
                                org,
                                &ReversePayment {
                                    payment_id,
                                    date: day.max(a.effective_on),
                                    reason: format!("ACH return {}: {}", d.code, d.meaning),
                                    fee: (fee_minor > 0).then(|| fmt(fee_minor, Currency::USD)),
                                },
                            )
                            .await?;
                        outcome.push(format!("payment {payment_id} reversed"));
                        if let Some(fee) = reversed.fee {
                            outcome.push(format!("fee {} ({})", fee.amount, fee.reference));
                        }
                    }
                    // Only a debit not yet returned: another file applied
                    // meanwhile returned it, and this one is retried from the
                    // start (and then refused, naming the line).
                    let done = sqlx::query(
                        "UPDATE ach_debit SET status = 'returned', return_code = $3, returned_on = $4 WHERE org_id = $1 AND debit_id = $2 \
                         AND status IN ('in_file', 'settled')",
                    )
                    .bind(org.org_id)
                    .bind(a.debit_id)
                    .bind(&d.code)
                    .bind(day.to_string())
                    .execute(&mut *conn)
                    .await?;
                    if done.rows_affected() != 1 {
                        return Err(StoreError::Contention);
                    }
                    let prenote = a.purpose == "prenote";
                    if let (Some(until), false) = (d.retry_until, prenote) {
                        let retry_on = add_banking_days(day, 2);
                        if retry_on <= until {
                            let mandate: (i64, String) = {
                                let r = sqlx::query("SELECT account_id, status FROM ach_mandate WHERE org_id = $1 AND mandate_id = $2")
                                    .bind(org.org_id)
                                    .bind(a.mandate_id)
                                    .fetch_one(&mut *conn)
                                    .await?;
                                (r.try_get("account_id")?, r.try_get("status")?)
                            };
                            let id = insert_debit(
                                conn,
                                org.org_id,
                                &DebitRow {
                                    mandate_id: a.mandate_id,
                                    account_id: mandate.0,
                                    purpose: "retry",
                                    amount_minor: a.amount_minor,
                                    due_on: retry_on,
                                    plan: None,
                                    retry_of: Some(a.chain_root),
                                    note: &format!("retry of debit {} after {}", a.debit_id, d.code),
                                },
                            )
                            .await?;
                            outcome.push(format!("retry debit {id} due {retry_on} as RETRY PYMT"));
                        }
                    }
                    let action = match (&d.mandate, prenote) {
                        (MandateAction::Revoke, _) => Some((MandateStatus::Revoked, "mandate revoked")),
                        (MandateAction::AskNewDetails, _) | (MandateAction::Keep, true) => {
                            Some((MandateStatus::NewDetailsNeeded, "new bank details asked for"))
                        }
                        (MandateAction::Hold, _) => Some((MandateStatus::Hold, "mandate held for a person")),
                        (MandateAction::Keep, false) => None,
                    };
                    let before: String = sqlx::query("SELECT status FROM ach_mandate WHERE org_id = $1 AND mandate_id = $2")
                        .bind(org.org_id)
                        .bind(a.mandate_id)
                        .fetch_one(&mut *conn)
                        .await?
                        .try_get("status")?;
                    let to = action.filter(|(s, _)| before != MandateStatus::Revoked.as_str() || *s == MandateStatus::Revoked);
                    record_change(
                        conn,
                        org.org_id,
                        a.mandate_id,
                        day,
                        ("return", &d.code, &before, to.map_or(before.as_str(), |(s, _)| s.as_str()), &d.reason),
                        to.map(|(s, _)| (s, d.reason.as_str())),
                    )
                    .await?;
                    if let Some((_, words)) = to {
                        outcome.push(words.to_string());
                    }
                    let mut view = applied(a, outcome.join("; "));
                    view.meaning = d.meaning.clone();
                    out.returns.push(view);
                }
                tx.audit(
                    org.org_id,
                    "ach.returns",
                    &format!("ach_file:{file_id}"),
                    None,
                    Some(&serde_json::json!({ "returns": out.returns.len(), "changes": out.changes.len(), "sha256": digest })),
                )
                .await?;
                Ok(out)
            })
        })
        .await
    }

    /// A notification of change applied to the mandate it names: its bank
    /// details corrected (kept before and after, the account number shown by
    /// its last four digits), or the mandate held when the change cannot be
    /// applied by itself.
    async fn apply_change_to_mandate(&self, conn: &mut sqlx::AnyConnection, org_id: i64, a: &Answer, corrected: &str, day: Date) -> Result<String> {
        let r = sqlx::query("SELECT routing, bank_account, account_kind, holder_name, status FROM ach_mandate WHERE org_id = $1 AND mandate_id = $2")
            .bind(org_id)
            .bind(a.mandate_id)
            .fetch_one(&mut *conn)
            .await?;
        let details = BankDetails {
            routing: RoutingNumber::parse(&r.try_get::<String, _>("routing")?).map_err(StoreError::Corrupt)?,
            account: r.try_get("bank_account")?,
            kind: account_kind(&r.try_get::<String, _>("account_kind")?)?,
            name: r.try_get("holder_name")?,
            individual_id: a.account_number.clone(),
        };
        let status: String = r.try_get("status")?;
        let describe = |d: &BankDetails| format!("{} {} {} {}", d.routing.as_str(), masked(&d.account), account_kind_text(d.kind), d.name);
        match apply_change(&details, &a.code, corrected) {
            Ok(new) => {
                sqlx::query(
                    "UPDATE ach_mandate SET routing = $3, bank_account = $4, account_kind = $5, holder_name = $6 WHERE org_id = $1 AND mandate_id = $2",
                )
                .bind(org_id)
                .bind(a.mandate_id)
                .bind(new.routing.as_str())
                .bind(&new.account)
                .bind(account_kind_text(new.kind))
                .bind(&new.name)
                .execute(&mut *conn)
                .await?;
                let note = format!("notification of change {} on debit {}", a.code, a.debit_id);
                record_change(
                    conn,
                    org_id,
                    a.mandate_id,
                    day,
                    ("noc", &a.code, &describe(&details), &describe(&new), &note),
                    None,
                )
                .await?;
                Ok(format!("mandate {} corrected before its next debit", a.mandate_id))
            }
            Err(why) => {
                let to = (status != MandateStatus::Revoked.as_str()).then_some((MandateStatus::Hold, why.as_str()));
                record_change(
                    conn,
                    org_id,
                    a.mandate_id,
                    day,
                    ("noc", &a.code, &status, to.map_or(status.as_str(), |_| "hold"), &why),
                    to,
                )
                .await?;
                Ok(format!("mandate {} held for a person: {why}", a.mandate_id))
            }
        }
    }
}

fn applied(a: &Answer, outcome: String) -> ReturnApplied {
    ReturnApplied {
        line: a.line,
        code: a.code.clone(),
        meaning: settle_domain::ach::codes::lookup(&a.code, a.effective_on).map_or_else(String::new, |c| c.words.clone()),
        trace: a.trace.clone(),
        debit_id: a.debit_id,
        account_number: a.account_number.clone(),
        amount: fmt(a.amount_minor, Currency::USD),
        outcome,
    }
}
