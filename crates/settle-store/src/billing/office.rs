//! The billing office's own records: organisation settings, notes on
//! accounts, write-offs and refunds held for approval, and an account's
//! timeline.
//!
//! A write-off above the organisation's approval limit is not posted when
//! it is asked for: it waits in the approvals queue until someone other
//! than the person who asked approves it (then it posts, unchanged, in the
//! approval's transaction) or rejects it (then nothing posts). A billing
//! specialist's refund above the refund limit waits the same way
//! (`Store::refund`); approving it pays it from the credit as it is then.

use crate::write::status;
use serde::{Deserialize, Serialize};
use settle_domain::aging::AgingBuckets;
use settle_domain::invoice::PaymentTerms;
use settle_domain::money::{Currency, Money};
use settle_domain::status::ApprovalStatus;
use settle_domain::{Date, IdempotencyKey};
use sqlx::{AnyConnection, Row};

use crate::batch::Batch;
use crate::billing::{AdjustmentPosted, NewAdjustment, NewRefund};
use crate::platform::audit::{self, current_actor};
use crate::platform::Organisation;
use crate::write::{check_text, fmt, next_ids, parse_amount, Audited};
use crate::{now_text, Result, Store, StoreError};

/// The write-off approval limit when an organisation has set none.
pub const DEFAULT_WRITEOFF_APPROVAL_MINOR: i64 = 10_000;
/// A billing specialist's refunds above this (in minor units) wait for
/// approval, unless the organisation chose another limit.
pub const DEFAULT_REFUND_APPROVAL_MINOR: i64 = 10_000;
/// Payment terms for new accounts when an organisation has set none.
pub const DEFAULT_TERMS: &str = "net30";

/// What an organisation has chosen: terms for new accounts, aging buckets
/// and the write-off amount above which a second person must approve.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct OrgSettings {
    #[schema(example = "net30")]
    pub default_terms: String,
    /// Upper bounds in days past due, like "30,60,90,120".
    #[schema(example = "30,60,90,120")]
    pub aging_buckets: String,
    /// Write-offs above this amount wait for a coordinator's approval.
    #[schema(pattern = r"^(0|[1-9][0-9]{0,12})(\.[0-9]{1,4})?$", example = "100.00")]
    pub writeoff_approval_limit: String,
    /// A billing specialist's refunds above this amount wait for a
    /// coordinator's approval; coordinators and admins refund any amount.
    #[schema(pattern = r"^(0|[1-9][0-9]{0,12})(\.[0-9]{1,4})?$", example = "100.00")]
    pub refund_approval_limit: String,
    /// Whether the organisation bills insurance (claims, ERAs, eligibility).
    pub bills_insurance: bool,
    pub currency: String,
    /// The id this organisation sends X12 under (ISA06, GS02, 1000A);
    /// empty means the billing provider's EIN.
    pub x12_submitter_id: String,
    /// The telephone number an 837P gives for questions (PER04), ten digits.
    pub x12_contact_phone: String,
    /// Optional scrubber rules turned off.
    pub scrub_rules_off: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingsUpdate {
    #[schema(example = "net30")]
    pub default_terms: String,
    #[schema(example = "30,60,90,120")]
    pub aging_buckets: String,
    #[schema(pattern = r"^(0|[1-9][0-9]{0,12})(\.[0-9]{1,4})?$", example = "100.00")]
    pub writeoff_approval_limit: String,
    /// A billing specialist's refunds above this wait for approval; left out: unchanged.
    #[serde(default)]
    pub refund_approval_limit: Option<String>,
    /// Whether the organisation bills insurance; left out: unchanged.
    #[serde(default)]
    pub bills_insurance: Option<bool>,
    /// Left out: unchanged.
    #[serde(default)]
    pub x12_submitter_id: Option<String>,
    /// Left out: unchanged.
    #[serde(default)]
    pub x12_contact_phone: Option<String>,
    /// Optional scrubber rule ids to turn off; left out: unchanged.
    #[serde(default)]
    pub scrub_rules_off: Option<Vec<String>>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct NoteView {
    pub note_id: i64,
    pub body: String,
    pub author: String,
    pub created_at: String,
}

/// A held write-off or refund and what became of it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct ApprovalView {
    pub approval_id: i64,
    /// adjustment (a write-off above the limit) or refund (a specialist's above theirs).
    pub kind: String,
    pub account_number: String,
    pub name: String,
    pub reference: String,
    pub reason: String,
    pub amount: String,
    pub currency: String,
    pub date: Date,
    pub memo: String,
    pub requested_by: String,
    pub requested_at: String,
    /// pending, approved or rejected.
    pub status: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub decision_note: String,
    /// The adjustment posted on approval.
    pub adjustment_id: Option<i64>,
    /// The refund paid on approval.
    pub refund_id: Option<i64>,
}

/// A request held for a second person: what the approvals queue keeps.
pub(crate) struct Held<'a> {
    pub kind: &'static str,
    pub account_id: i64,
    pub reference: &'a str,
    pub reason: &'static str,
    pub currency: Currency,
    pub amount_minor: i64,
    /// The request as it will be carried out on approval (JSON).
    pub request: String,
}

/// What asking for an adjustment did: posted it, or held it for approval.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum AdjustmentOutcome {
    Posted(AdjustmentPosted),
    Held(Box<ApprovalView>),
}

/// An adjustment as asked for: posted at once, or held if it is a
/// write-off above the approval limit.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct SubmitAdjustment(pub NewAdjustment);

impl Audited for SubmitAdjustment {
    fn action(&self) -> &'static str {
        "adjustment.submit"
    }
    fn subject(&self) -> audit::Subject {
        audit::Subject::Item(self.0.reference.clone())
    }
}

/// One line of an account's history, newest first.
#[derive(Clone, Debug, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct TimelineEvent {
    /// A date (ledger events) or an instant (notes, contacts, approvals).
    pub at: String,
    /// ledger, note, contact or approval.
    pub kind: String,
    pub title: String,
    pub detail: String,
    pub by: String,
}

const APPROVAL_SELECT: &str = "SELECT v.approval_id, v.kind, a.account_number, p.name, v.reference, v.reason, v.amount_minor, v.currency, v.request, \
     v.requested_by, v.requested_at, v.status, v.decided_by, v.decided_at, v.decision_note, v.adjustment_id, v.refund_id \
     FROM approval v JOIN account a ON a.org_id = v.org_id AND a.account_id = v.account_id \
     JOIN party p ON p.org_id = a.org_id AND p.party_id = a.party_id WHERE v.org_id = $1";

fn approval_from_row(row: &sqlx::any::AnyRow) -> Result<ApprovalView> {
    let cur = Currency::from_code(&row.try_get::<String, _>("currency")?).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let kind: String = row.try_get("kind")?;
    let text: String = row.try_get("request")?;
    let (date, memo) = if kind == "refund" {
        let request: NewRefund = serde_json::from_str(&text)?;
        let by = if request.reference.is_empty() {
            request.method.clone()
        } else {
            format!("{} {}", request.method, request.reference)
        };
        (request.date, format!("Pay back by {by}"))
    } else {
        let request: NewAdjustment = serde_json::from_str(&text)?;
        (request.date, request.memo)
    };
    Ok(ApprovalView {
        approval_id: row.try_get("approval_id")?,
        kind,
        account_number: row.try_get("account_number")?,
        name: row.try_get("name")?,
        reference: row.try_get("reference")?,
        reason: row.try_get("reason")?,
        amount: fmt(row.try_get("amount_minor")?, cur),
        currency: cur.code().to_string(),
        date,
        memo,
        requested_by: row.try_get("requested_by")?,
        requested_at: row.try_get("requested_at")?,
        status: row.try_get("status")?,
        decided_by: row.try_get("decided_by")?,
        decided_at: row.try_get("decided_at")?,
        decision_note: row.try_get("decision_note")?,
        adjustment_id: row.try_get("adjustment_id")?,
        refund_id: row.try_get("refund_id")?,
    })
}

impl Store {
    /// The organisation's settings, or the defaults where it has set none.
    pub async fn settings(&self, org: &Organisation) -> Result<OrgSettings> {
        let cur = Currency::from_code(&org.base_currency).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let row = sqlx::query(
            "SELECT o.aging_buckets, p.default_terms, p.writeoff_approval_minor, p.refund_approval_minor, p.bills_insurance, p.x12_submitter_id, p.x12_contact_phone, p.scrub_rules_off FROM organisation o \
             LEFT JOIN org_policy p ON p.org_id = o.org_id WHERE o.org_id = $1",
        )
        .bind(org.org_id)
        .fetch_one(&self.pool)
        .await?;
        Ok(OrgSettings {
            aging_buckets: row.try_get("aging_buckets")?,
            default_terms: row.try_get::<Option<String>, _>("default_terms")?.unwrap_or_else(|| DEFAULT_TERMS.to_string()),
            writeoff_approval_limit: fmt(
                row.try_get::<Option<i64>, _>("writeoff_approval_minor")?
                    .unwrap_or(DEFAULT_WRITEOFF_APPROVAL_MINOR),
                cur,
            ),
            refund_approval_limit: fmt(
                row.try_get::<Option<i64>, _>("refund_approval_minor")?.unwrap_or(DEFAULT_REFUND_APPROVAL_MINOR),
                cur,
            ),
            bills_insurance: row.try_get::<Option<i64>, _>("bills_insurance")?.unwrap_or(1) != 0,
            currency: cur.code().to_string(),
            x12_submitter_id: row.try_get::<Option<String>, _>("x12_submitter_id")?.unwrap_or_default(),
            x12_contact_phone: row.try_get::<Option<String>, _>("x12_contact_phone")?.unwrap_or_default(),
            scrub_rules_off: row
                .try_get::<Option<String>, _>("scrub_rules_off")?
                .unwrap_or_default()
                .split_whitespace()
                .map(str::to_string)
                .collect(),
        })
    }

    /// The refund limit of a billing specialist, in minor units.
    pub(super) async fn refund_limit_minor(&self, conn: &mut AnyConnection, org_id: i64) -> Result<i64> {
        let row = sqlx::query("SELECT refund_approval_minor FROM org_policy WHERE org_id = $1")
            .bind(org_id)
            .fetch_optional(&mut *conn)
            .await?;
        Ok(match row {
            Some(row) => row.try_get::<Option<i64>, _>("refund_approval_minor")?.unwrap_or(DEFAULT_REFUND_APPROVAL_MINOR),
            None => DEFAULT_REFUND_APPROVAL_MINOR,
        })
    }

    pub(super) async fn writeoff_limit_minor(&self, conn: &mut AnyConnection, org_id: i64) -> Result<i64> {
        let row = sqlx::query("SELECT writeoff_approval_minor FROM org_policy WHERE org_id = $1")
            .bind(org_id)
            .fetch_optional(&mut *conn)
            .await?;
        Ok(match row {
            Some(row) => row.try_get("writeoff_approval_minor")?,
            None => DEFAULT_WRITEOFF_APPROVAL_MINOR,
        })
    }

    /// Changes the organisation's settings, all of them or none.
    pub async fn update_settings(&self, org: &Organisation, update: &SettingsUpdate) -> Result<OrgSettings> {
        let cur = Currency::from_code(&org.base_currency).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let terms = PaymentTerms::parse(update.default_terms.trim()).map_err(|e| StoreError::invalid("default_terms", e))?;
        let buckets = AgingBuckets::parse(&update.aging_buckets).map_err(|e| StoreError::invalid("aging_buckets", e))?;
        let limit = parse_amount("writeoff_approval_limit", &update.writeoff_approval_limit, cur)?;
        if limit.amount_minor() < 0 {
            return Err(StoreError::invalid(
                "writeoff_approval_limit",
                "cannot be negative; use 0 to hold every write-off",
            ));
        }
        let before = self.settings(org).await?;
        let refund_limit = match &update.refund_approval_limit {
            Some(text) => {
                let limit = parse_amount("refund_approval_limit", text, cur)?;
                if limit.amount_minor() < 0 {
                    return Err(StoreError::invalid(
                        "refund_approval_limit",
                        "cannot be negative; use 0 to hold every specialist refund",
                    ));
                }
                limit
            }
            None => parse_amount("refund_approval_limit", &before.refund_approval_limit, cur)?,
        };
        let submitter = match &update.x12_submitter_id {
            Some(id) => {
                let id = id.trim().to_string();
                if id.len() > 15 || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
                    return Err(StoreError::invalid("x12_submitter_id", "must be at most 15 letters and digits"));
                }
                id
            }
            None => before.x12_submitter_id.clone(),
        };
        let phone = match &update.x12_contact_phone {
            Some(p) => {
                let digits: String = p.chars().filter(char::is_ascii_digit).collect();
                if !(digits.is_empty() || digits.len() == 10) {
                    return Err(StoreError::invalid("x12_contact_phone", "must be ten digits, such as 305 555 2222"));
                }
                digits
            }
            None => before.x12_contact_phone.clone(),
        };
        let rules_off = match &update.scrub_rules_off {
            Some(rules) => {
                let mut off = Vec::new();
                for rule in rules.iter().flat_map(|r| r.split([' ', ','])).filter(|r| !r.is_empty()) {
                    // Settle's own payer rules (builtin:1...) may be turned off too.
                    if settle_domain::payer_rules::built_in().iter().any(|r| r.id == rule) {
                        off.push(rule.to_string());
                        continue;
                    }
                    match settle_domain::claims::RULES.iter().find(|r| r.id == rule) {
                        Some(r) if r.optional => off.push(r.id.to_string()),
                        Some(_) => {
                            return Err(StoreError::invalid(
                                "scrub_rules_off",
                                format!("the rule {rule} cannot be turned off: no payer can read a claim without it"),
                            ))
                        }
                        None => return Err(StoreError::invalid("scrub_rules_off", format!("{rule:?} is not a scrubber rule"))),
                    }
                }
                off.sort();
                off.dedup();
                off
            }
            None => before.scrub_rules_off.clone(),
        };
        let actor = current_actor();
        let (actor, before, buckets, phone, rules_off, submitter) = (&actor, &before, &buckets, &phone, &rules_off, &submitter);
        let refund_limit = &refund_limit;
        let bills_insurance = update.bills_insurance.unwrap_or(before.bills_insurance);
        self.write(|tx| Box::pin(async move {
            let conn = tx.conn();
            sqlx::query("UPDATE organisation SET aging_buckets = $2 WHERE org_id = $1")
                .bind(org.org_id)
                .bind(buckets.to_config_string())
                .execute(&mut *conn)
                .await?;
            // Updated in place, so what else the row holds (the letterhead) stays;
            // inserted when the organisation has none yet.
            for sql in [
                "UPDATE org_policy SET default_terms = $2, writeoff_approval_minor = $3, updated_at = $4, updated_by = $5, x12_submitter_id = $6, \
                 x12_contact_phone = $7, scrub_rules_off = $8, refund_approval_minor = $9, bills_insurance = $10 WHERE org_id = $1",
                "INSERT INTO org_policy (org_id, default_terms, writeoff_approval_minor, updated_at, updated_by, x12_submitter_id, x12_contact_phone, scrub_rules_off, \
                 refund_approval_minor, bills_insurance) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            ] {
                let done = sqlx::query(sql)
                    .bind(org.org_id)
                    .bind(terms.to_string())
                    .bind(limit.amount_minor())
                    .bind(now_text())
                    .bind(&actor.name)
                    .bind(submitter)
                    .bind(phone)
                    .bind(rules_off.join(" "))
                    .bind(refund_limit.amount_minor())
                    .bind(i64::from(bills_insurance))
                    .execute(&mut *conn)
                    .await?;
                if done.rows_affected() > 0 {
                    break;
                }
            }
            let after = OrgSettings {
                default_terms: terms.to_string(),
                aging_buckets: buckets.to_config_string(),
                writeoff_approval_limit: limit.to_decimal_string(),
                refund_approval_limit: refund_limit.to_decimal_string(),
                bills_insurance,
                currency: cur.code().to_string(),
                x12_submitter_id: submitter.clone(),
                x12_contact_phone: phone.clone(),
                scrub_rules_off: rules_off.clone(),
            };
            tx.audit(
                org.org_id,
                "settings.update",
                &format!("organisation:{}", org.slug),
                Some(&serde_json::to_value(before)?),
                Some(&serde_json::to_value(&after)?),
            )
            .await?;
            Ok(after)
        }))
        .await
    }

    /// Adds a note to an account's record.
    pub async fn add_note(&self, org: &Organisation, account_number: &str, body: &str) -> Result<NoteView> {
        let body = check_text("body", body, 4000)?;
        if body.is_empty() {
            return Err(StoreError::invalid("body", "write the note first"));
        }
        let actor = current_actor();
        let (actor, body) = (&actor, &body);
        self.write(|tx| {
            Box::pin(async move {
                let conn = tx.conn();
                let account = self.account_by_number(conn, org.org_id, account_number).await?;
                let note_id = next_ids(conn, org.org_id, "note", 1).await?;
                let created_at = now_text();
                sqlx::query("INSERT INTO account_note (org_id, note_id, account_id, body, author, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
                    .bind(org.org_id)
                    .bind(note_id)
                    .bind(account.account_id)
                    .bind(body)
                    .bind(&actor.name)
                    .bind(&created_at)
                    .execute(&mut *conn)
                    .await?;
                tx.audit(
                    org.org_id,
                    "note.add",
                    &format!("account:{}", account.account_number),
                    None,
                    Some(&serde_json::json!({ "note_id": note_id, "body": body })),
                )
                .await?;
                Ok(NoteView {
                    note_id,
                    body: body.clone(),
                    author: actor.name.clone(),
                    created_at,
                })
            })
        })
        .await
    }

    pub async fn notes(&self, org: &Organisation, account_number: &str) -> Result<Vec<NoteView>> {
        self.note_read(org.org_id, "notes.read", &format!("account:{}", account_number.trim().to_ascii_uppercase()))
            .await?;
        let number = account_number.trim().to_ascii_uppercase();
        sqlx::query(
            "SELECT n.note_id, n.body, n.author, n.created_at FROM account_note n \
             JOIN account a ON a.org_id = n.org_id AND a.account_id = n.account_id \
             WHERE n.org_id = $1 AND a.account_number = $2 ORDER BY n.note_id DESC",
        )
        .bind(org.org_id)
        .bind(&number)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(NoteView {
                note_id: r.try_get("note_id")?,
                body: r.try_get("body")?,
                author: r.try_get("author")?,
                created_at: r.try_get("created_at")?,
            })
        })
        .collect()
    }

    /// Asks for an adjustment: posts it, unless it is a write-off above the
    /// organisation's approval limit, which is held for approval instead.
    pub async fn submit_adjustment(&self, org: &Organisation, cmd: &NewAdjustment, key: Option<&IdempotencyKey>) -> Result<AdjustmentOutcome> {
        let request = SubmitAdjustment(cmd.clone());
        crate::write::write_command!(self, org.org_id, key, &request, |tx| {
            let checked = self.check_adjustment(tx.conn(), org.org_id, cmd).await?;
            let limit = self.writeoff_limit_minor(tx.conn(), org.org_id).await?;
            let mut batch = Batch::default();
            let outcome = self.post_or_hold(tx.conn(), org.org_id, cmd, checked, limit, &mut batch).await?;
            batch.flush(tx.conn(), org.org_id).await?;
            outcome
        })
    }

    /// A checked adjustment staged in `batch`, or held for approval when it
    /// is a write-off above `limit`.
    pub(super) async fn post_or_hold(
        &self,
        conn: &mut AnyConnection,
        org_id: i64,
        cmd: &NewAdjustment,
        checked: super::credits::CheckedAdjustment,
        limit: i64,
        batch: &mut Batch,
    ) -> Result<AdjustmentOutcome> {
        if checked.reason.is_write_off() && checked.amount.amount_minor() > limit {
            let mut request = cmd.clone();
            request.reference = checked.item.reference.clone();
            request.reason = checked.reason.as_str().to_string();
            request.amount = checked.amount.to_decimal_string();
            request.memo = checked.memo.clone();
            let held = Held {
                kind: "adjustment",
                account_id: checked.account.account_id,
                reference: &checked.item.reference,
                reason: checked.reason.as_str(),
                currency: checked.account.currency,
                amount_minor: checked.amount.amount_minor(),
                request: serde_json::to_string(&request)?,
            };
            Ok(AdjustmentOutcome::Held(Box::new(self.hold_for_approval(conn, org_id, held).await?)))
        } else {
            Ok(AdjustmentOutcome::Posted(self.stage_checked_adjustment(conn, org_id, checked, batch).await?))
        }
    }

    /// Puts a request in the approvals queue, asked by the current actor.
    pub(crate) async fn hold_for_approval(&self, conn: &mut AnyConnection, org_id: i64, held: Held<'_>) -> Result<ApprovalView> {
        let approval_id = next_ids(conn, org_id, "approval", 1).await?;
        sqlx::query(
            "INSERT INTO approval (org_id, approval_id, kind, account_id, reference, reason, currency, amount_minor, request, \
             requested_by, requested_at, status, decided_by, decided_at, decision_note, adjustment_id, refund_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'pending', NULL, NULL, '', NULL, NULL)",
        )
        .bind(org_id)
        .bind(approval_id)
        .bind(held.kind)
        .bind(held.account_id)
        .bind(held.reference)
        .bind(held.reason)
        .bind(held.currency.code())
        .bind(held.amount_minor)
        .bind(&held.request)
        .bind(current_actor().name)
        .bind(now_text())
        .execute(&mut *conn)
        .await?;
        self.approval_in(conn, org_id, approval_id).await
    }

    async fn approval_in(&self, conn: &mut AnyConnection, org_id: i64, approval_id: i64) -> Result<ApprovalView> {
        let sql = format!("{APPROVAL_SELECT} AND v.approval_id = $2");
        let row = sqlx::query(&sql)
            .bind(org_id)
            .bind(approval_id)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| StoreError::not_found("approval", approval_id))?;
        approval_from_row(&row)
    }

    /// Held adjustments, oldest first; `status` None means all.
    pub async fn approvals(&self, org: &Organisation, status: Option<&str>, limit: i64) -> Result<Vec<ApprovalView>> {
        self.note_read(org.org_id, "approval.list", "approvals").await?;
        let mut sql = String::from(APPROVAL_SELECT);
        if status.is_some() {
            sql.push_str(" AND v.status = $2");
        }
        sql.push_str(&format!(" ORDER BY v.approval_id LIMIT {}", limit.clamp(1, 1000)));
        let mut query = sqlx::query(&sql).bind(org.org_id);
        if let Some(status) = status {
            query = query.bind(status.trim().to_ascii_lowercase());
        }
        query.fetch_all(&self.pool).await?.iter().map(approval_from_row).collect()
    }

    /// The requests still waiting on one account, oldest first.
    pub async fn pending_approvals_on(&self, org: &Organisation, account_number: &str) -> Result<Vec<ApprovalView>> {
        self.note_read(org.org_id, "approval.list", &format!("account:{}", account_number.trim().to_ascii_uppercase()))
            .await?;
        let sql = format!("{APPROVAL_SELECT} AND a.account_number = $2 AND v.status = 'pending' ORDER BY v.approval_id");
        sqlx::query(&sql)
            .bind(org.org_id)
            .bind(account_number.trim().to_ascii_uppercase())
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(approval_from_row)
            .collect()
    }

    pub async fn approval(&self, org: &Organisation, approval_id: i64) -> Result<ApprovalView> {
        self.note_read(org.org_id, "approval.read", &format!("approval:{approval_id}")).await?;
        let mut conn = self.pool.acquire().await?;
        self.approval_in(&mut conn, org.org_id, approval_id).await
    }

    /// Approves (posting the adjustment as asked) or rejects a held
    /// adjustment. Nobody decides their own request, and a request is
    /// decided once.
    pub async fn decide_approval(&self, org: &Organisation, approval_id: i64, approve: bool, note: &str) -> Result<ApprovalView> {
        let note = check_text("note", note, 500)?;
        let actor = current_actor();
        let (actor, note) = (&actor, &note);
        self.write(|tx| {
            Box::pin(async move {
                let conn = tx.conn();
                let locked = sqlx::query(&format!(
                    "SELECT kind, status, requested_by, request FROM approval WHERE org_id = $1 AND approval_id = $2{}",
                    self.for_update()
                ))
                .bind(org.org_id)
                .bind(approval_id)
                .fetch_optional(&mut *conn)
                .await?
                .ok_or_else(|| StoreError::not_found("approval", approval_id))?;
                let status: ApprovalStatus = status(&locked, "status")?;
                let requested_by: String = locked.try_get("requested_by")?;
                if status != ApprovalStatus::Pending {
                    return Err(StoreError::invalid("approval", format!("request {approval_id} was already {status}")));
                }
                if requested_by == actor.name {
                    return Err(StoreError::invalid(
                        "approval",
                        format!("request {approval_id} is your own; another coordinator must decide it"),
                    ));
                }
                let before = self.approval_in(conn, org.org_id, approval_id).await?;
                let kind: String = locked.try_get("kind")?;
                let changed = |e: StoreError| match e {
                    StoreError::Invalid { message, .. } => StoreError::invalid(
                        "approval",
                        format!("the account has changed since this was asked for ({message}); reject it and ask again"),
                    ),
                    other => other,
                };
                let refund_id = if approve && kind == "refund" {
                    let request: NewRefund = serde_json::from_str(&locked.try_get::<String, _>("request")?)?;
                    let account = self.account_by_number(conn, org.org_id, &request.account_number).await?;
                    let amount = crate::write::positive_amount("amount", &request.amount, account.currency)?;
                    let paid = super::credits::pay_refund(conn, org.org_id, &account, amount, &request.method, &request.reference, request.date)
                        .await
                        .map_err(changed)?;
                    Some(paid.refund_id)
                } else {
                    None
                };
                let adjustment_id = if approve && kind != "refund" {
                    let request: NewAdjustment = serde_json::from_str(&locked.try_get::<String, _>("request")?)?;
                    let checked = self.check_adjustment(conn, org.org_id, &request).await.map_err(|e| match e {
                        StoreError::Invalid { message, .. } => StoreError::invalid(
                            "approval",
                            format!("the item has changed since this was asked for ({message}); reject it and ask again"),
                        ),
                        other => other,
                    })?;
                    let mut batch = Batch::default();
                    let posted = self.stage_checked_adjustment(conn, org.org_id, checked, &mut batch).await?;
                    batch.flush(conn, org.org_id).await?;
                    Some(posted.adjustment_id)
                } else {
                    None
                };
                sqlx::query(
                    "UPDATE approval SET status = $3, decided_by = $4, decided_at = $5, decision_note = $6, adjustment_id = $7, refund_id = $8 \
                 WHERE org_id = $1 AND approval_id = $2",
                )
                .bind(org.org_id)
                .bind(approval_id)
                .bind(if approve { ApprovalStatus::Approved } else { ApprovalStatus::Rejected }.as_str())
                .bind(&actor.name)
                .bind(now_text())
                .bind(note)
                .bind(adjustment_id)
                .bind(refund_id)
                .execute(&mut *conn)
                .await?;
                let after = self.approval_in(conn, org.org_id, approval_id).await?;
                tx.audit(
                    org.org_id,
                    if approve { "approval.approve" } else { "approval.reject" },
                    &if after.kind == "refund" {
                        format!("account:{}", after.account_number)
                    } else {
                        format!("item:{}", after.reference)
                    },
                    Some(&serde_json::to_value(&before)?),
                    Some(&serde_json::to_value(&after)?),
                )
                .await?;
                Ok(after)
            })
        })
        .await
    }

    /// Everything that happened on an account, newest first: ledger
    /// events, notes, contact changes and held adjustments.
    pub async fn account_timeline(&self, org: &Organisation, account_number: &str, limit: usize) -> Result<Vec<TimelineEvent>> {
        self.note_read(org.org_id, "account.read", &format!("account:{}", account_number.trim().to_ascii_uppercase()))
            .await?;
        let number = account_number.trim().to_ascii_uppercase();
        let row = sqlx::query("SELECT account_id, party_id, currency FROM account WHERE org_id = $1 AND account_number = $2")
            .bind(org.org_id)
            .bind(&number)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::not_found("account", &number))?;
        let account_id: i64 = row.try_get("account_id")?;
        let party_id: i64 = row.try_get("party_id")?;
        let cur = Currency::from_code(&row.try_get::<String, _>("currency")?).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let mut events = Vec::new();
        for r in sqlx::query(
            "SELECT e.effective_date, e.kind, e.memo, CAST(COALESCE((SELECT SUM(CASE WHEN p.account_id IS NOT NULL AND p.item_id IS NOT NULL THEN p.amount_minor ELSE 0 END) \
             FROM posting p WHERE p.org_id = e.org_id AND p.entry_id = e.entry_id), 0) AS BIGINT) AS change \
             FROM journal_entry e WHERE e.org_id = $1 AND e.account_id = $2 ORDER BY e.effective_date DESC, e.entry_id DESC",
        )
        .bind(org.org_id)
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?
        {
            let kind: String = r.try_get("kind")?;
            let change: i64 = r.try_get("change")?;
            events.push(TimelineEvent {
                at: r.try_get("effective_date")?,
                kind: "ledger".into(),
                title: kind.replace('_', " "),
                detail: if change == 0 {
                    r.try_get("memo")?
                } else {
                    format!("{} (owed {}{})", r.try_get::<String, _>("memo")?, if change > 0 { "+" } else { "" }, fmt(change, cur))
                },
                by: String::new(),
            });
        }
        for note in self.notes(org, &number).await? {
            events.push(TimelineEvent {
                at: note.created_at,
                kind: "note".into(),
                title: "note".into(),
                detail: note.body,
                by: note.author,
            });
        }
        for r in sqlx::query("SELECT valid_from, kind, label, value FROM party_contact WHERE org_id = $1 AND party_id = $2 ORDER BY contact_id DESC")
            .bind(org.org_id)
            .bind(party_id)
            .fetch_all(&self.pool)
            .await?
        {
            events.push(TimelineEvent {
                at: r.try_get("valid_from")?,
                kind: "contact".into(),
                title: format!("{} set", r.try_get::<String, _>("kind")?),
                detail: format!("{}: {}", r.try_get::<String, _>("label")?, r.try_get::<String, _>("value")?),
                by: String::new(),
            });
        }
        let sql = format!("{APPROVAL_SELECT} AND v.account_id = $2 ORDER BY v.approval_id DESC");
        for r in sqlx::query(&sql).bind(org.org_id).bind(account_id).fetch_all(&self.pool).await? {
            let v = approval_from_row(&r)?;
            events.push(TimelineEvent {
                at: v.decided_at.clone().unwrap_or_else(|| v.requested_at.clone()),
                kind: "approval".into(),
                title: format!("{} {} {}", v.reason.replace('_', " "), v.amount, v.status),
                detail: format!(
                    "asked by {} on {}{}",
                    v.requested_by,
                    v.reference,
                    if v.memo.is_empty() { String::new() } else { format!(": {}", v.memo) }
                ),
                by: v.decided_by.unwrap_or(v.requested_by),
            });
        }
        // Dates and instants sort together as text: "2026-11-20" before
        // "2026-11-20T10:00:00Z".
        events.sort_by(|a, b| b.at.cmp(&a.at));
        events.truncate(limit);
        Ok(events)
    }
}

/// The approval limit as money, for pages that explain it.
pub fn limit_money(settings: &OrgSettings) -> Option<Money> {
    let cur = Currency::from_code(&settings.currency).ok()?;
    Money::parse(&settings.writeoff_approval_limit, cur).ok()
}
