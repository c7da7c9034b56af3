//! The denial worklist: every claim line a payer denied (paid nothing,
//! left nothing to the patient) stays open on the payer's account as a
//! denial, with its reasons and remarks in words, the next step they
//! suggest and the appeal deadline from the payer's appeal window. A
//! specialist appeals it (a letter), corrects the claim (a frequency-7
//! replacement), or writes it off (a contractual adjustment on the line).
//! A later ERA that pays the line resolves it.

use crate::write::status;
use serde::{Deserialize, Serialize};
use settle_domain::carc;
use settle_domain::money::Currency;
use settle_domain::status::DenialStatus;
use settle_domain::Date;
use sqlx::{AnyConnection, Row};

use crate::batch::Batch;
use crate::billing::NewAdjustment;
use crate::platform::audit::{current_actor, Subject};
use crate::platform::Organisation;
use crate::write::{audited, fmt, write_command, Audited};
use crate::{now_text, Result, Store, StoreError};

/// A code and what it means.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct CodeMeaning {
    /// Such as "CO-50" or "N115".
    pub code: String,
    pub meaning: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct DenialView {
    pub denial_id: i64,
    pub claim_number: String,
    pub claim_status: String,
    pub account_number: String,
    pub patient_name: String,
    pub payer_code: String,
    pub payer_name: String,
    pub line_no: Option<i64>,
    pub procedure_code: String,
    pub modifiers: String,
    pub date_of_service: String,
    pub billed: String,
    /// What the payer denied.
    pub amount: String,
    /// What is still open on the line.
    pub open: String,
    pub reasons: Vec<CodeMeaning>,
    pub remarks: Vec<CodeMeaning>,
    /// correct and resubmit, appeal, bill the other payer, or review, then write off.
    pub next_step: String,
    pub denied_on: String,
    pub appeal_by: String,
    /// Days from the given day to the appeal deadline (negative: passed).
    pub days_left: i64,
    /// open, appealed, corrected, written_off or resolved.
    pub status: String,
    pub note: String,
    pub trace: String,
    pub updated_by: String,
}

/// Denials summed by payer and reason, for the top of the worklist.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct DenialGroup {
    pub payer_code: String,
    pub reason: String,
    pub meaning: String,
    pub count: i64,
    pub amount: String,
}

/// Send an appeal for a denial: it becomes "appealed" and the letter is drawn.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppealDenial {
    pub denial_id: i64,
    /// Why the payer should pay, in the specialist's words (printed in the letter).
    #[schema(example = "The visit notes show the medical necessity: the patient's symptoms met the payer's own criteria.")]
    pub argument: String,
}

/// Write a denial off: the open amount on its line is adjusted off as contractual.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WriteOffDenial {
    pub denial_id: i64,
    pub date: Date,
    /// Why it is not worth working.
    pub memo: String,
}

audited! {
    AppealDenial => "denial.appeal", |c| Subject::Denial(c.denial_id);
    WriteOffDenial => "denial.write_off", |c| Subject::Denial(c.denial_id);
}

fn bad(field: &'static str, message: impl std::fmt::Display) -> StoreError {
    StoreError::invalid(field, message)
}

/// "CO-50 OA-23" as codes with their meanings.
fn reasons_in_words(text: &str) -> Vec<CodeMeaning> {
    text.split_whitespace()
        .map(|code| {
            let reason = code.split_once('-').map_or(code, |(_, r)| r);
            CodeMeaning {
                code: code.to_string(),
                meaning: carc::carc_text(reason),
            }
        })
        .collect()
}

fn remarks_in_words(text: &str) -> Vec<CodeMeaning> {
    text.split_whitespace()
        .map(|code| CodeMeaning {
            code: code.to_string(),
            meaning: carc::rarc_text(code),
        })
        .collect()
}

const SELECT: &str = "SELECT d.denial_id, c.claim_number, c.status AS claim_status, a.account_number, p.name AS patient_name, y.payer_code, y.name AS payer_name, d.claim_line_no, \
     COALESCE(l.procedure_code, '') AS procedure_code, COALESCE(l.modifiers, '') AS modifiers, COALESCE(l.date_of_service, '') AS date_of_service, COALESCE(l.charge_minor, 0) AS billed, d.amount_minor, \
     COALESCE(o.balance_minor, 0) AS open_minor, d.reasons, d.remarks, d.next_step, d.denied_on, d.appeal_by, d.status, d.note, r.trace, d.updated_by \
     FROM denial d JOIN claim c ON c.org_id = d.org_id AND c.claim_id = d.claim_id \
     JOIN account a ON a.org_id = c.org_id AND a.account_id = c.account_id JOIN party p ON p.org_id = a.org_id AND p.party_id = a.party_id \
     JOIN payer y ON y.org_id = c.org_id AND y.payer_key = c.payer_key \
     JOIN remittance r ON r.org_id = d.org_id AND r.remittance_id = d.remittance_id \
     LEFT JOIN claim_line l ON l.org_id = d.org_id AND l.claim_id = d.claim_id AND l.line_no = d.claim_line_no \
     LEFT JOIN open_item o ON o.org_id = d.org_id AND o.item_id = d.item_id WHERE d.org_id = $1";

fn view(r: &sqlx::any::AnyRow, cur: Currency, today: Date) -> Result<DenialView> {
    let appeal_by: String = r.try_get("appeal_by")?;
    let days_left = appeal_by
        .parse::<Date>()
        .ok()
        .and_then(|d| today.until(d).ok())
        .map_or(0, |span| i64::from(span.get_days()));
    Ok(DenialView {
        denial_id: r.try_get("denial_id")?,
        claim_number: r.try_get("claim_number")?,
        claim_status: r.try_get("claim_status")?,
        account_number: r.try_get("account_number")?,
        patient_name: r.try_get("patient_name")?,
        payer_code: r.try_get("payer_code")?,
        payer_name: r.try_get("payer_name")?,
        line_no: r.try_get("claim_line_no")?,
        procedure_code: r.try_get("procedure_code")?,
        modifiers: r.try_get("modifiers")?,
        date_of_service: r.try_get("date_of_service")?,
        billed: fmt(r.try_get("billed")?, cur),
        amount: fmt(r.try_get("amount_minor")?, cur),
        open: fmt(r.try_get("open_minor")?, cur),
        reasons: reasons_in_words(&r.try_get::<String, _>("reasons")?),
        remarks: remarks_in_words(&r.try_get::<String, _>("remarks")?),
        next_step: r.try_get("next_step")?,
        denied_on: r.try_get("denied_on")?,
        appeal_by,
        days_left,
        status: r.try_get("status")?,
        note: r.try_get("note")?,
        trace: r.try_get("trace")?,
        updated_by: r.try_get("updated_by")?,
    })
}

/// Which denials to list.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DenialFilter {
    /// open (the default: open and appealed, still to be paid), or one status, or all.
    pub status: Option<String>,
    /// A payer's id.
    pub payer: Option<String>,
    /// A reason code, such as 50 or CO-50.
    pub reason: Option<String>,
    pub claim: Option<String>,
}

impl Store {
    pub(super) fn currency(org: &Organisation) -> Result<Currency> {
        Currency::from_code(&org.base_currency).map_err(|e| StoreError::Corrupt(e.to_string()))
    }

    /// The worklist: nearest appeal deadline first.
    pub async fn denials(&self, org: &Organisation, filter: &DenialFilter, today: Date) -> Result<Vec<DenialView>> {
        self.note_read(org.org_id, "denial.list", "denials").await?;
        let cur = Self::currency(org)?;
        let status = filter.status.as_deref().unwrap_or("open").trim().to_ascii_lowercase();
        let status_sql = match status.as_str() {
            "open" => " AND d.status IN ('open', 'appealed')",
            "all" => "",
            "appealed" | "corrected" | "written_off" | "resolved" => " AND d.status = $2",
            other => {
                return Err(bad(
                    "status",
                    format!("{other:?} is not a denial status; use open, appealed, corrected, written_off, resolved or all"),
                ))
            }
        };
        let sql = format!("{SELECT}{status_sql} ORDER BY d.appeal_by, d.denial_id LIMIT 2000");
        let mut query = sqlx::query(&sql).bind(org.org_id);
        if status_sql.contains("$2") {
            query = query.bind(status.clone());
        }
        let rows = query.fetch_all(self.pool()).await?;
        let payer = filter.payer.as_deref().map(|p| p.trim().to_ascii_uppercase()).filter(|p| !p.is_empty());
        let reason = filter.reason.as_deref().map(|r| r.trim().to_ascii_uppercase()).filter(|r| !r.is_empty());
        let claim = filter.claim.as_deref().map(|c| c.trim().to_ascii_uppercase()).filter(|c| !c.is_empty());
        let mut out = Vec::new();
        for r in &rows {
            let v = view(r, cur, today)?;
            if payer.as_ref().is_some_and(|p| v.payer_code.to_ascii_uppercase() != *p) || claim.as_ref().is_some_and(|c| v.claim_number != *c) {
                continue;
            }
            if let Some(reason) = &reason {
                let hit = v
                    .reasons
                    .iter()
                    .any(|m| m.code == *reason || m.code.split_once('-').is_some_and(|(_, c)| c == reason));
                if !hit {
                    continue;
                }
            }
            out.push(v);
        }
        Ok(out)
    }

    /// Open denials summed by payer and reason, largest first.
    pub async fn denial_groups(&self, org: &Organisation, today: Date) -> Result<Vec<DenialGroup>> {
        self.note_read(org.org_id, "denial.list", "denials").await?;
        let cur = Self::currency(org)?;
        let mut groups: std::collections::BTreeMap<(String, String), (i64, i64)> = Default::default();
        for d in self.denials(org, &DenialFilter::default(), today).await? {
            let minor = settle_domain::money::Money::parse(&d.amount, cur).map(|m| m.amount_minor()).unwrap_or(0);
            let reason = d.reasons.first().map(|m| m.code.clone()).unwrap_or_else(|| "none given".into());
            let entry = groups.entry((d.payer_code.clone(), reason)).or_default();
            entry.0 += 1;
            entry.1 += minor;
        }
        let mut out: Vec<DenialGroup> = groups
            .into_iter()
            .map(|((payer_code, reason), (count, minor))| DenialGroup {
                meaning: carc::carc_text(reason.split_once('-').map_or(reason.as_str(), |(_, r)| r)),
                payer_code,
                reason,
                count,
                amount: fmt(minor, cur),
            })
            .collect();
        out.sort_by(|a, b| {
            let minor = |g: &DenialGroup| settle_domain::money::Money::parse(&g.amount, cur).map(|m| m.amount_minor()).unwrap_or(0);
            minor(b).cmp(&minor(a)).then(a.payer_code.cmp(&b.payer_code))
        });
        Ok(out)
    }

    /// One denial.
    pub async fn denial(&self, org: &Organisation, denial_id: i64, today: Date) -> Result<DenialView> {
        self.note_read(org.org_id, "denial.read", &format!("denial:{denial_id}")).await?;
        let cur = Self::currency(org)?;
        let sql = format!("{SELECT} AND d.denial_id = $2");
        let row = sqlx::query(&sql)
            .bind(org.org_id)
            .bind(denial_id)
            .fetch_optional(self.pool())
            .await?
            .ok_or_else(|| StoreError::not_found("denial", denial_id))?;
        view(&row, cur, today)
    }

    /// Marks a denial appealed and returns the appeal letter's contents.
    pub async fn appeal_denial(&self, org: &Organisation, cmd: &AppealDenial, today: Date) -> Result<settle_pdf::letters::AppealLetter> {
        let argument = cmd.argument.trim();
        if argument.len() < 20 {
            return Err(bad(
                "argument",
                "say why the payer should pay (at least 20 characters); it is the heart of the appeal letter",
            ));
        }
        if argument.len() > 4000 {
            return Err(bad("argument", "the argument is longer than 4,000 characters"));
        }
        let actor = &current_actor();
        write_command!(self, org.org_id, None::<&settle_domain::IdempotencyKey>, cmd, |tx| {
            let conn = tx.conn();
            let (status, claim_id, line) = denial_head(conn, org.org_id, cmd.denial_id).await?;
            if !status.worked() {
                return Err(bad(
                    "denial_id",
                    format!("denial {} is {status}; only an open denial is appealed", cmd.denial_id),
                ));
            }
            sqlx::query("UPDATE denial SET status = 'appealed', note = $3, updated_by = $4, updated_at = $5 WHERE org_id = $1 AND denial_id = $2")
                .bind(org.org_id)
                .bind(cmd.denial_id)
                .bind(argument)
                .bind(&actor.name)
                .bind(now_text())
                .execute(&mut *conn)
                .await?;
            crate::claims::rows::note_event(
                conn,
                org.org_id,
                claim_id,
                &format!(
                    "appeal sent for denial {}{} on {today}",
                    cmd.denial_id,
                    line.map(|l| format!(" (line {l})")).unwrap_or_default()
                ),
            )
            .await?;
        })?;
        self.appeal_letter(org, cmd.denial_id, today).await
    }

    /// The appeal letter for a denial, as it would be printed today.
    pub async fn appeal_letter(&self, org: &Organisation, denial_id: i64, today: Date) -> Result<settle_pdf::letters::AppealLetter> {
        self.note_read(org.org_id, "denial.read", &format!("denial:{denial_id}")).await?;
        use settle_pdf::letters::{AppealLetter, AppealedService, Party};
        let d = self.denial(org, denial_id, today).await?;
        let claim = self.claim(org, &d.claim_number).await?;
        let mut conn = self.pool().acquire().await?;
        let who = sqlx::query(&format!(
            "SELECT b.name AS billing_name, b.address AS billing_address, b.npi, y.name AS payer_name, y.address AS payer_address, p.date_of_birth, {}, {} FROM claim c \
             JOIN provider b ON b.org_id = c.org_id AND b.provider_key = c.billing_provider_key \
             JOIN payer y ON y.org_id = c.org_id AND y.payer_key = c.payer_key \
             JOIN account a ON a.org_id = c.org_id AND a.account_id = c.account_id JOIN party p ON p.org_id = a.org_id AND p.party_id = a.party_id \
             WHERE c.org_id = $1 AND c.claim_number = $2",
            crate::address::columns_of("b"),
            crate::address::columns_of("y")
        ))
        .bind(org.org_id)
        .bind(&d.claim_number)
        .fetch_one(&mut *conn)
        .await?;
        let services = claim
            .lines
            .iter()
            .filter(|l| d.line_no.is_none_or(|n| n == l.line_no))
            .map(|l| AppealedService {
                date: l.date_of_service.clone(),
                code: format!("{} {}", l.procedure_code, l.modifiers.join(" ")).trim().to_string(),
                billed: l.charge.clone(),
                denied: d.amount.clone(),
            })
            .collect();
        // Signed with the person's name, never their login.
        let signer = match d.updated_by.strip_prefix("user:") {
            Some(login) => sqlx::query("SELECT display_name FROM app_user WHERE org_id = $1 AND username = $2")
                .bind(org.org_id)
                .bind(login)
                .fetch_optional(&mut *conn)
                .await?
                .map(|r| r.try_get::<String, _>("display_name"))
                .transpose()?,
            None => None,
        }
        .filter(|name| !name.trim().is_empty())
        .unwrap_or_else(|| "Billing office".into());
        Ok(AppealLetter {
            date: today.strftime("%B %-d, %Y").to_string(),
            from: Party {
                name: who.try_get("billing_name")?,
                lines: crate::address::kept_from(&who, "billing_address", "b_")?
                    .map(|a| a.envelope_lines())
                    .unwrap_or_default(),
            },
            from_npi: who.try_get("npi")?,
            to: Party {
                name: format!("{}, Appeals", who.try_get::<String, _>("payer_name")?),
                lines: crate::address::kept_from(&who, "payer_address", "y_")?
                    .map(|a| a.envelope_lines())
                    .unwrap_or_default(),
            },
            patient: d.patient_name.clone(),
            date_of_birth: who.try_get::<Option<String>, _>("date_of_birth")?.unwrap_or_default(),
            member_id: claim.member_id.clone(),
            claim_number: d.claim_number.clone(),
            payer_claim_number: claim.payer_claim_number.clone(),
            denied_on: d.denied_on.clone(),
            appeal_by: d.appeal_by.clone(),
            services,
            reasons: d.reasons.iter().map(|m| (m.code.clone(), m.meaning.clone())).collect(),
            remarks: d.remarks.iter().map(|m| (m.code.clone(), m.meaning.clone())).collect(),
            argument: if d.note.is_empty() { "(to be written)".into() } else { d.note.clone() },
            signer,
        })
    }

    /// Writes the open amount of a denied line off as contractual.
    pub async fn write_off_denial(&self, org: &Organisation, cmd: &WriteOffDenial) -> Result<DenialView> {
        let memo = cmd.memo.trim();
        if memo.is_empty() {
            return Err(bad("memo", "say why the denial is written off rather than appealed or corrected"));
        }
        let actor = &current_actor();
        let cur = Self::currency(org)?;
        write_command!(self, org.org_id, None::<&settle_domain::IdempotencyKey>, cmd, |tx| {
            let conn = tx.conn();
            let (status, claim_id, _) = denial_head(conn, org.org_id, cmd.denial_id).await?;
            if !status.worked() {
                return Err(bad("denial_id", format!("denial {} is {status}; there is nothing to write off", cmd.denial_id)));
            }
            let item = sqlx::query(
                "SELECT o.reference, o.balance_minor, d.reasons FROM denial d JOIN open_item o ON o.org_id = d.org_id AND o.item_id = d.item_id \
                 WHERE d.org_id = $1 AND d.denial_id = $2",
            )
            .bind(org.org_id)
            .bind(cmd.denial_id)
            .fetch_one(&mut *conn)
            .await?;
            let (reference, balance, reasons): (String, i64, String) = (item.try_get("reference")?, item.try_get("balance_minor")?, item.try_get("reasons")?);
            if balance <= 0 {
                return Err(bad("denial_id", format!("the line of denial {} owes nothing now", cmd.denial_id)));
            }
            let mut batch = Batch::default();
            let adjustment = NewAdjustment {
                reference: reference.clone(),
                reason: "contractual".into(),
                amount: fmt(balance, cur),
                date: cmd.date,
                memo: format!("denial {} ({reasons}) written off: {memo}", cmd.denial_id),
            };
            self.stage_adjustment(conn, org.org_id, &adjustment, &mut batch).await?;
            batch.flush(conn, org.org_id).await?;
            sqlx::query("UPDATE denial SET status = 'written_off', note = $3, updated_by = $4, updated_at = $5 WHERE org_id = $1 AND denial_id = $2")
                .bind(org.org_id)
                .bind(cmd.denial_id)
                .bind(memo)
                .bind(&actor.name)
                .bind(now_text())
                .execute(&mut *conn)
                .await?;
            crate::claims::rows::note_event(
                conn,
                org.org_id,
                claim_id,
                &format!("denial {} on {reference} written off ({}): {memo}", cmd.denial_id, fmt(balance, cur)),
            )
            .await?;
            crate::claims::rows::settle_claim_status(conn, org.org_id, claim_id).await?;
        })?;
        self.denial(org, cmd.denial_id, cmd.date).await
    }
}

async fn denial_head(conn: &mut AnyConnection, org_id: i64, denial_id: i64) -> Result<(DenialStatus, i64, Option<i64>)> {
    let row = sqlx::query("SELECT status, claim_id, claim_line_no FROM denial WHERE org_id = $1 AND denial_id = $2")
        .bind(org_id)
        .bind(denial_id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| bad("denial_id", format!("no denial {denial_id}")))?;
    Ok((status(&row, "status")?, row.try_get("claim_id")?, row.try_get("claim_line_no")?))
}
