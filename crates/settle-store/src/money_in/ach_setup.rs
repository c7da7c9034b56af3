//! Originating bank accounts and payers' debit authorisations (mandates):
//! taken with their text, day, channel and who took them; the routing
//! number's check digit checked; a prenote owed before an online (WEB)
//! authorisation's first debit; revoked by hand; changed by a bank's
//! notification of change (`ach_returns`), every change kept.

use crate::money_in::masked;
use crate::platform::audit::current_actor;
use crate::platform::Organisation;
use crate::write::{check_text, fmt, next_ids, parse_amount, status};
use crate::{now_text, Result, Store, StoreError};
use serde::{Deserialize, Serialize};
use settle_domain::ach::mandate::{entry_class, Channel};
use settle_domain::ach::nacha_write::{AccountKind, Originator};
use settle_domain::ach::RoutingNumber;
use settle_domain::money::Currency;
use settle_domain::status::{DebitStatus, MandateStatus};
use settle_domain::Date;
use sqlx::{AnyConnection, Row};

/// An organisation's bank account that sends debits (its ODFI and the
/// company identification the bank assigned).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOriginator {
    /// A short name people pick it by ("operating").
    #[schema(example = "operating")]
    pub name: String,
    /// The originating bank's routing number (nine digits, check digit checked).
    #[schema(example = "091000019")]
    pub odfi: String,
    #[schema(example = "First Bank & Trust")]
    pub odfi_name: String,
    /// Ten characters, as the bank assigned them (often "1" and the EIN).
    #[schema(example = "1234567890")]
    pub company_id: String,
    #[schema(example = "Riverside Family Med")]
    pub company_name: String,
    /// The returned-payment fee charged when a debit comes back R01 or R09
    /// (the only codes that allow one); none when left out.
    #[serde(default)]
    pub return_fee: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct OriginatorView {
    pub originator_id: i64,
    pub name: String,
    pub odfi: String,
    pub odfi_name: String,
    pub company_id: String,
    pub company_name: String,
    pub return_fee: String,
}

/// A payer's authorisation to debit a bank account.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMandate {
    #[schema(example = "P-000001")]
    pub account_number: String,
    /// The originating account's name; the organisation's only one when left out.
    #[serde(default)]
    pub originator: Option<String>,
    /// The bank account holder's name as the bank knows it.
    pub holder_name: String,
    #[schema(example = "231380104")]
    pub routing: String,
    /// The payer's bank account number (4 to 17 letters, digits or hyphens).
    pub bank_account: String,
    /// checking or savings.
    #[schema(example = "checking")]
    pub account_kind: String,
    /// signed (PPD), online (WEB), phone (TEL) or business (CCD).
    #[schema(example = "signed")]
    pub channel: String,
    /// What the payer agreed to, word for word.
    pub authorization_text: String,
    pub authorized_on: Date,
    /// Validate the account with a prenote first (always for online).
    #[serde(default)]
    pub prenote: bool,
}

/// New bank details for a mandate a return stopped.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewBankDetails {
    pub holder_name: String,
    pub routing: String,
    pub bank_account: String,
    pub account_kind: String,
    #[serde(default)]
    pub prenote: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct MandateChangeView {
    pub day: String,
    /// created, prenote, noc, return, revoked, reinstated
    pub kind: String,
    pub code: String,
    pub before: String,
    pub after: String,
    pub note: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct MandateView {
    pub mandate_id: i64,
    pub account_number: String,
    pub originator: String,
    pub holder_name: String,
    pub routing: String,
    /// The last four digits only.
    pub bank_account: String,
    pub account_kind: String,
    pub channel: String,
    /// The entry class its debits go as (PPD, WEB, TEL, CCD).
    pub sec: String,
    pub authorization_text: String,
    pub authorized_on: String,
    pub taken_by: String,
    /// prenote_due, prenote_sent, active, new_details_needed, hold, revoked
    pub status: String,
    pub status_reason: String,
    /// No live debit settles before this day (three banking days after a prenote).
    pub live_from: Option<String>,
    pub changes: Vec<MandateChangeView>,
}

pub(super) fn channel(text: &str) -> Result<Channel> {
    match text.trim().to_ascii_lowercase().as_str() {
        "signed" | "ppd" => Ok(Channel::Signed),
        "online" | "web" => Ok(Channel::Online),
        "phone" | "tel" => Ok(Channel::Phone),
        "business" | "ccd" => Ok(Channel::BusinessAgreement),
        _ => Err(StoreError::invalid("channel", format!("{text:?} is not signed, online, phone or business"))),
    }
}

pub(super) fn channel_text(channel: Channel) -> &'static str {
    match channel {
        Channel::Signed => "signed",
        Channel::Online => "online",
        Channel::Phone => "phone",
        Channel::BusinessAgreement => "business",
    }
}

/// The text `account_kind` reads back.
pub(super) fn account_kind_text(kind: AccountKind) -> &'static str {
    match kind {
        AccountKind::Checking => "checking",
        AccountKind::Savings => "savings",
    }
}

pub(super) fn account_kind(text: &str) -> Result<AccountKind> {
    match text.trim().to_ascii_lowercase().as_str() {
        "checking" => Ok(AccountKind::Checking),
        "savings" => Ok(AccountKind::Savings),
        _ => Err(StoreError::invalid("account_kind", format!("{text:?} is not checking or savings"))),
    }
}

pub(super) fn routing(field: &'static str, text: &str) -> Result<RoutingNumber> {
    RoutingNumber::parse(text).map_err(|e| StoreError::invalid(field, e))
}

pub(super) fn bank_account(text: &str) -> Result<String> {
    let t = text.trim();
    let ok = (4..=17).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if !ok {
        return Err(StoreError::invalid("bank_account", "4 to 17 letters, digits or hyphens"));
    }
    Ok(t.to_string())
}

/// An originating account, read for a run or a view.
pub(super) struct OriginatorRow {
    pub originator_id: i64,
    pub name: String,
    pub originator: Originator,
    pub return_fee_minor: i64,
}

pub(super) async fn originators_in(conn: &mut AnyConnection, org_id: i64) -> Result<Vec<OriginatorRow>> {
    let rows = sqlx::query(
        "SELECT originator_id, name, odfi, odfi_name, company_id, company_name, return_fee_minor FROM ach_originator WHERE org_id = $1 ORDER BY originator_id",
    )
    .bind(org_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            let odfi: String = r.try_get("odfi")?;
            Ok(OriginatorRow {
                originator_id: r.try_get("originator_id")?,
                name: r.try_get("name")?,
                originator: Originator {
                    odfi: RoutingNumber::parse(&odfi).map_err(|e| StoreError::Corrupt(format!("ach_originator.odfi: {e}")))?,
                    odfi_name: r.try_get("odfi_name")?,
                    company_id: r.try_get("company_id")?,
                    company_name: r.try_get("company_name")?,
                },
                return_fee_minor: r.try_get("return_fee_minor")?,
            })
        })
        .collect()
}

/// Keeps one change of a mandate (and moves its status when `to` is given).
pub(super) async fn record_change(
    conn: &mut AnyConnection,
    org_id: i64,
    mandate_id: i64,
    day: Date,
    change: (&str, &str, &str, &str, &str),
    to: Option<(MandateStatus, &str)>,
) -> Result<()> {
    let (kind, code, before, after, note) = change;
    sqlx::query(
        "INSERT INTO ach_mandate_change (org_id, mandate_id, seq, day, kind, code, before_value, after_value, note, created_at) \
         SELECT $1, $2, COALESCE(MAX(seq), 0) + 1, $3, $4, $5, $6, $7, $8, $9 FROM ach_mandate_change WHERE org_id = $1 AND mandate_id = $2",
    )
    .bind(org_id)
    .bind(mandate_id)
    .bind(day.to_string())
    .bind(kind)
    .bind(code)
    .bind(before)
    .bind(after)
    .bind(note)
    .bind(now_text())
    .execute(&mut *conn)
    .await?;
    if let Some((status, reason)) = to {
        sqlx::query("UPDATE ach_mandate SET status = $3, status_reason = $4, changed_on = $5 WHERE org_id = $1 AND mandate_id = $2")
            .bind(org_id)
            .bind(mandate_id)
            .bind(status.as_str())
            .bind(reason)
            .bind(day.to_string())
            .execute(&mut *conn)
            .await?;
        if status == MandateStatus::Revoked {
            sqlx::query("UPDATE ach_debit SET status = $3, note = $4 WHERE org_id = $1 AND mandate_id = $2 AND status = $5")
                .bind(org_id)
                .bind(mandate_id)
                .bind(DebitStatus::Cancelled.as_str())
                .bind(format!("mandate revoked: {reason}"))
                .bind(DebitStatus::Scheduled.as_str())
                .execute(&mut *conn)
                .await?;
        }
    }
    Ok(())
}

impl Store {
    /// Adds an originating bank account.
    pub async fn add_ach_originator(&self, org: &Organisation, cmd: &NewOriginator) -> Result<OriginatorView> {
        self.write(|tx| {
            Box::pin(async move {
                let conn = tx.conn();
                let name = check_text("name", &cmd.name, 40)?;
                if name.is_empty() {
                    return Err(StoreError::invalid("name", "required"));
                }
                let odfi = routing("odfi", &cmd.odfi)?;
                let odfi_name = check_text("odfi_name", &cmd.odfi_name, 23)?;
                let company_name = check_text("company_name", &cmd.company_name, 16)?;
                let company_id = check_text("company_id", &cmd.company_id, 10)?;
                if company_id.is_empty() || company_name.is_empty() {
                    return Err(StoreError::invalid(
                        if company_id.is_empty() { "company_id" } else { "company_name" },
                        "required",
                    ));
                }
                let fee = match cmd.return_fee.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
                    Some(t) => parse_amount("return_fee", t, Currency::USD)?.amount_minor(),
                    None => 0,
                };
                if fee < 0 {
                    return Err(StoreError::invalid("return_fee", "cannot be below zero"));
                }
                let id = next_ids(conn, org.org_id, "ach_originator", 1).await?;
                sqlx::query(
                    "INSERT INTO ach_originator (org_id, originator_id, name, odfi, odfi_name, company_id, company_name, return_fee_minor, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(org.org_id)
                .bind(id)
                .bind(&name)
                .bind(odfi.as_str())
                .bind(&odfi_name)
                .bind(&company_id)
                .bind(&company_name)
                .bind(fee)
                .bind(now_text())
                .execute(&mut *conn)
                .await?;
                let view = OriginatorView {
                    originator_id: id,
                    name,
                    odfi: odfi.as_str().to_string(),
                    odfi_name,
                    company_id,
                    company_name,
                    return_fee: fmt(fee, Currency::USD),
                };
                tx.audit(
                    org.org_id,
                    "ach.originator",
                    &format!("ach_originator:{id}"),
                    None,
                    Some(&serde_json::to_value(&view)?),
                )
                .await?;
                Ok(view)
            })
        })
        .await
    }

    pub async fn ach_originators(&self, org: &Organisation) -> Result<Vec<OriginatorView>> {
        let mut conn = self.pool().acquire().await?;
        Ok(originators_in(&mut conn, org.org_id)
            .await?
            .into_iter()
            .map(|o| OriginatorView {
                originator_id: o.originator_id,
                name: o.name,
                odfi: o.originator.odfi.as_str().to_string(),
                odfi_name: o.originator.odfi_name,
                company_id: o.originator.company_id,
                company_name: o.originator.company_name,
                return_fee: fmt(o.return_fee_minor, Currency::USD),
            })
            .collect())
    }

    /// Takes a payer's authorisation. Refused whole, by field: an account
    /// not in US dollars, a routing number whose check digit is wrong, an
    /// authorisation without its words or dated after today.
    pub async fn add_mandate(&self, org: &Organisation, cmd: &NewMandate, today: Date) -> Result<MandateView> {
        self.write(|tx| {
            Box::pin(async move {
                let conn = tx.conn();
                let account = self.account_by_number(conn, org.org_id, &cmd.account_number).await?;
                if account.currency != Currency::USD {
                    return Err(StoreError::invalid(
                        "account_number",
                        format!(
                            "account {} is in {}; ACH moves US dollars only",
                            account.account_number,
                            account.currency.code()
                        ),
                    ));
                }
                let originators = originators_in(conn, org.org_id).await?;
                let originator = match cmd.originator.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
                    Some(name) => originators
                        .iter()
                        .find(|o| o.name.eq_ignore_ascii_case(name))
                        .ok_or_else(|| StoreError::invalid("originator", format!("no originating account is named {name:?}")))?,
                    None => match &originators[..] {
                        [one] => one,
                        [] => return Err(StoreError::invalid("originator", "set up the organisation's originating bank account first")),
                        _ => return Err(StoreError::invalid("originator", "name the originating account; the organisation has several")),
                    },
                };
                let holder = check_text("holder_name", &cmd.holder_name, 60)?;
                if holder.is_empty() {
                    return Err(StoreError::invalid("holder_name", "required"));
                }
                let routing = routing("routing", &cmd.routing)?;
                let bank = bank_account(&cmd.bank_account)?;
                let kind = account_kind(&cmd.account_kind)?;
                let channel = channel(&cmd.channel)?;
                let words = check_text("authorization_text", &cmd.authorization_text, 4000)?;
                if words.len() < 20 {
                    return Err(StoreError::invalid("authorization_text", "keep what the payer agreed to, word for word"));
                }
                if cmd.authorized_on > today {
                    return Err(StoreError::invalid("authorized_on", format!("{} is after today ({today})", cmd.authorized_on)));
                }
                let prenote = cmd.prenote || channel == Channel::Online;
                let status = if prenote { MandateStatus::PrenoteDue } else { MandateStatus::Active };
                let id = next_ids(conn, org.org_id, "ach_mandate", 1).await?;
                sqlx::query(
                    "INSERT INTO ach_mandate (org_id, mandate_id, account_id, originator_id, holder_name, routing, bank_account, account_kind, channel, sec, \
                 authorization_text, authorized_on, taken_by, status, status_reason, live_from, changed_on, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, NULL, $16, $17)",
                )
                .bind(org.org_id)
                .bind(id)
                .bind(account.account_id)
                .bind(originator.originator_id)
                .bind(&holder)
                .bind(routing.as_str())
                .bind(&bank)
                .bind(account_kind_text(kind))
                .bind(channel_text(channel))
                .bind(entry_class(channel))
                .bind(&words)
                .bind(cmd.authorized_on.to_string())
                .bind(current_actor().name)
                .bind(status.as_str())
                .bind(if prenote {
                    "the account is validated by a prenote before the first debit"
                } else {
                    ""
                })
                .bind(today.to_string())
                .bind(now_text())
                .execute(&mut *conn)
                .await?;
                record_change(conn, org.org_id, id, today, ("created", "", "", status.as_str(), ""), None).await?;
                let view = self.mandate_in(conn, org.org_id, id).await?;
                tx.audit(
                    org.org_id,
                    "ach.mandate",
                    &format!("account:{}", account.account_number),
                    None,
                    Some(&serde_json::to_value(&view)?),
                )
                .await?;
                Ok(view)
            })
        })
        .await
    }

    /// Ends a mandate: nothing more is debited; its scheduled debits are cancelled.
    pub async fn revoke_mandate(&self, org: &Organisation, mandate_id: i64, reason: &str, today: Date) -> Result<MandateView> {
        self.write(|tx| {
            Box::pin(async move {
                let conn = tx.conn();
                let before = self.mandate_in(conn, org.org_id, mandate_id).await?;
                if before.status == MandateStatus::Revoked.as_str() {
                    return Err(StoreError::invalid("mandate_id", format!("mandate {mandate_id} is already revoked")));
                }
                let reason = check_text("reason", reason, 500)?;
                if reason.is_empty() {
                    return Err(StoreError::invalid("reason", "say why (the payer asked, by phone on ...)"));
                }
                record_change(
                    conn,
                    org.org_id,
                    mandate_id,
                    today,
                    ("revoked", "", &before.status, MandateStatus::Revoked.as_str(), &reason),
                    Some((MandateStatus::Revoked, &reason)),
                )
                .await?;
                let after = self.mandate_in(conn, org.org_id, mandate_id).await?;
                tx.audit(
                    org.org_id,
                    "ach.mandate.revoke",
                    &format!("account:{}", after.account_number),
                    Some(&serde_json::to_value(&before)?),
                    Some(&serde_json::to_value(&after)?),
                )
                .await?;
                Ok(after)
            })
        })
        .await
    }

    /// New bank details for a mandate a return stopped (new details asked
    /// for, or held): checked like a new mandate's, then debits resume
    /// (after a prenote for an online authorisation, or when `prenote`).
    pub async fn mandate_new_details(&self, org: &Organisation, mandate_id: i64, cmd: &NewBankDetails, today: Date) -> Result<MandateView> {
        self.write(|tx| Box::pin(async move {
            let conn = tx.conn();
            let before = self.mandate_in(conn, org.org_id, mandate_id).await?;
            let allowed = [MandateStatus::NewDetailsNeeded.as_str(), MandateStatus::Hold.as_str(), MandateStatus::Active.as_str()];
            if !allowed.contains(&before.status.as_str()) {
                return Err(StoreError::invalid("mandate_id", format!("mandate {mandate_id} is {}; take a new authorisation", before.status)));
            }
            let holder = check_text("holder_name", &cmd.holder_name, 60)?;
            if holder.is_empty() {
                return Err(StoreError::invalid("holder_name", "required"));
            }
            let routing = routing("routing", &cmd.routing)?;
            let bank = bank_account(&cmd.bank_account)?;
            let kind = account_kind(&cmd.account_kind)?;
            let prenote = cmd.prenote || before.channel == "online";
            let status = if prenote { MandateStatus::PrenoteDue } else { MandateStatus::Active };
            sqlx::query(
                "UPDATE ach_mandate SET routing = $3, bank_account = $4, account_kind = $5, holder_name = $6, live_from = NULL WHERE org_id = $1 AND mandate_id = $2",
            )
            .bind(org.org_id)
            .bind(mandate_id)
            .bind(routing.as_str())
            .bind(&bank)
            .bind(account_kind_text(kind))
            .bind(&holder)
            .execute(&mut *conn)
            .await?;
            let after_text = format!("{} {}", routing.as_str(), masked(&bank));
            let before_text = format!("{} {}", before.routing, before.bank_account);
            record_change(
                conn,
                org.org_id,
                mandate_id,
                today,
                (
                    "new_details",
                    "",
                    &before.status,
                    status.as_str(),
                    &format!("new bank details from the payer: {before_text} -> {after_text}"),
                ),
                Some((status, "")),
            )
            .await?;
            let after = self.mandate_in(conn, org.org_id, mandate_id).await?;
            tx.audit(
                org.org_id,
                "ach.mandate.details",
                &format!("account:{}", after.account_number),
                Some(&serde_json::to_value(&before)?),
                Some(&serde_json::to_value(&after)?),
            )
            .await?;
            Ok(after)
        }))
        .await
    }

    /// An account's mandates (or every one), newest first.
    pub async fn mandates(&self, org: &Organisation, account_number: Option<&str>) -> Result<Vec<MandateView>> {
        let subject = account_number.map_or_else(|| "mandates".to_string(), |n| format!("account:{}", n.trim().to_ascii_uppercase()));
        self.note_read(org.org_id, "ach.mandate.list", &subject).await?;
        let mut conn = self.pool().acquire().await?;
        let ids: Vec<i64> = match account_number {
            Some(number) => {
                let account = self.account_by_number(&mut conn, org.org_id, number).await?;
                sqlx::query("SELECT mandate_id FROM ach_mandate WHERE org_id = $1 AND account_id = $2 ORDER BY mandate_id DESC")
                    .bind(org.org_id)
                    .bind(account.account_id)
                    .fetch_all(&mut *conn)
                    .await?
            }
            None => {
                sqlx::query("SELECT mandate_id FROM ach_mandate WHERE org_id = $1 ORDER BY mandate_id DESC")
                    .bind(org.org_id)
                    .fetch_all(&mut *conn)
                    .await?
            }
        }
        .iter()
        .map(|r| r.try_get("mandate_id"))
        .collect::<std::result::Result<_, _>>()?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(self.mandate_in(&mut conn, org.org_id, id).await?);
        }
        Ok(out)
    }

    pub(super) async fn mandate_in(&self, conn: &mut AnyConnection, org_id: i64, mandate_id: i64) -> Result<MandateView> {
        let r = sqlx::query(
            "SELECT m.mandate_id, a.account_number, o.name AS originator, m.holder_name, m.routing, m.bank_account, m.account_kind, m.channel, m.sec, \
             m.authorization_text, m.authorized_on, m.taken_by, m.status, m.status_reason, m.live_from FROM ach_mandate m \
             JOIN account a ON a.org_id = m.org_id AND a.account_id = m.account_id \
             JOIN ach_originator o ON o.org_id = m.org_id AND o.originator_id = m.originator_id WHERE m.org_id = $1 AND m.mandate_id = $2",
        )
        .bind(org_id)
        .bind(mandate_id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::not_found("mandate", mandate_id))?;
        let changes =
            sqlx::query("SELECT day, kind, code, before_value, after_value, note FROM ach_mandate_change WHERE org_id = $1 AND mandate_id = $2 ORDER BY seq")
                .bind(org_id)
                .bind(mandate_id)
                .fetch_all(&mut *conn)
                .await?
                .iter()
                .map(|c| {
                    Ok(MandateChangeView {
                        day: c.try_get("day")?,
                        kind: c.try_get("kind")?,
                        code: c.try_get("code")?,
                        before: c.try_get("before_value")?,
                        after: c.try_get("after_value")?,
                        note: c.try_get("note")?,
                    })
                })
                .collect::<Result<Vec<_>>>()?;
        let status: MandateStatus = status(&r, "status")?;
        Ok(MandateView {
            mandate_id,
            account_number: r.try_get("account_number")?,
            originator: r.try_get("originator")?,
            holder_name: r.try_get("holder_name")?,
            routing: r.try_get("routing")?,
            bank_account: masked(&r.try_get::<String, _>("bank_account")?),
            account_kind: r.try_get("account_kind")?,
            channel: r.try_get("channel")?,
            sec: r.try_get("sec")?,
            authorization_text: r.try_get("authorization_text")?,
            authorized_on: r.try_get("authorized_on")?,
            taken_by: r.try_get("taken_by")?,
            status: status.as_str().to_string(),
            status_reason: r.try_get("status_reason")?,
            live_from: r.try_get("live_from")?,
            changes,
        })
    }
}
