//! What the consumer asked of us, kept per account: the zone they say they
//! are in, a cease, an attorney, no contact at work, inconvenient times,
//! opt-outs by channel, the validation notice, late fees allowed, bankruptcy,
//! death, insurance pending, the creditor facts. Every change keeps a version
//! (the replay reads the profile as it stood).

use crate::collections::known::PROFILE_COLUMNS;
use crate::collections::{bad, parse_instant};
use crate::platform::audit::current_actor;
use crate::platform::Organisation;
use crate::{now_text, Result, Store};
use jiff::civil::{Date, Time, Weekday};
use serde::{Deserialize, Serialize};
use settle_domain::compliance::{Channel, InconvenientTime, OptOut, UsZone};
use sqlx::AnyConnection;

/// Changes to what the consumer asked of us; a field left out stays.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileUpdate {
    pub account_number: String,
    /// The zone they said they are in (eastern, central, mountain, arizona,
    /// pacific, alaska, hawaii, ...); "" forgets it.
    #[serde(default)]
    pub stated_zone: Option<String>,
    /// When their written request to stop contact arrived (RFC 3339 or a date).
    #[serde(default)]
    pub cease_requested_at: Option<String>,
    /// An attorney who represents them for this debt; "" for none.
    #[serde(default)]
    pub attorney_name: Option<String>,
    #[serde(default)]
    pub attorney_phone: Option<String>,
    #[serde(default)]
    pub no_contact_at_work: Option<bool>,
    /// Spans they said are inconvenient, such as "tue 09:00-12:00" or
    /// "18:00-20:00"; replaces the list.
    #[serde(default)]
    pub inconvenient: Option<Vec<String>>,
    /// Media or addresses they asked us not to use, such as "text" or
    /// "email pat@example.com"; replaces the list.
    #[serde(default)]
    pub opt_outs: Option<Vec<String>>,
    /// When the validation notice (12 CFR 1006.34) was sent.
    #[serde(default)]
    pub validation_sent_on: Option<Date>,
    /// Whether the account's agreement allows late fees (12 CFR 1006.22(b)).
    #[serde(default)]
    pub late_fees_allowed: Option<bool>,
    /// The day a bankruptcy was filed (dunning stops); "" clears it.
    #[serde(default)]
    pub bankruptcy_on: Option<String>,
    /// The day the consumer died (dunning stops); "" clears it.
    #[serde(default)]
    pub deceased_on: Option<String>,
    /// A claim is with the insurer for this balance (dunning waits).
    #[serde(default)]
    pub insurance_pending: Option<bool>,
    /// The phones, emails and addresses that are the person's workplace
    /// (the work rule applies to them unasked); replaces the list.
    #[serde(default)]
    pub work_addresses: Option<Vec<String>>,
    /// For a collection agency: the creditor to whom the debt is owed now
    /// (the validation notice names it); "" for the organisation itself.
    #[serde(default)]
    pub current_creditor: Option<String>,
    /// The creditor as of the itemization date, if another.
    #[serde(default)]
    pub itemization_creditor: Option<String>,
    /// That creditor's account number for the debt.
    #[serde(default)]
    pub creditor_account_number: Option<String>,
}

/// What the consumer answering for an account asked of us.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct ProfileView {
    pub account_number: String,
    /// Who is contacted: the guarantor if there is one, else the account's party.
    pub consumer: String,
    pub stated_zone: String,
    /// The zones the gate keeps to, from what is known.
    pub zones: Vec<String>,
    pub cease_requested_at: Option<String>,
    pub attorney_name: String,
    pub attorney_phone: String,
    pub no_contact_at_work: bool,
    pub inconvenient: Vec<String>,
    pub opt_outs: Vec<String>,
    pub validation_sent_on: Option<String>,
    /// The validation period's last day (receipt assumed five business days after sending, then 30 days).
    pub validation_period_end: Option<String>,
    pub late_fees_allowed: bool,
    pub bankruptcy_on: Option<String>,
    pub deceased_on: Option<String>,
    pub insurance_pending: bool,
    /// The phones, emails and addresses that are the person's workplace.
    #[serde(default)]
    pub work_addresses: Vec<String>,
    /// The creditor to whom the debt is owed now ("" for the organisation itself).
    #[serde(default)]
    pub current_creditor: String,
    /// The creditor as of the itemization date ("" for the current one).
    #[serde(default)]
    pub itemization_creditor: String,
    /// That creditor's account number ("" for the account number).
    #[serde(default)]
    pub creditor_account_number: String,
}

/// "tue 09:00-12:00" or "18:00-20:00".
pub(super) fn parse_span(text: &str) -> Result<InconvenientTime> {
    let t = text.trim().to_ascii_lowercase();
    let (day, span) = match t.split_once(' ') {
        Some((d, s)) => (Some(d.to_string()), s.trim().to_string()),
        None => (None, t.clone()),
    };
    let weekday = match day.as_deref() {
        None => None,
        Some(d) => Some(match &d[..d.len().min(3)] {
            "mon" => Weekday::Monday,
            "tue" => Weekday::Tuesday,
            "wed" => Weekday::Wednesday,
            "thu" => Weekday::Thursday,
            "fri" => Weekday::Friday,
            "sat" => Weekday::Saturday,
            "sun" => Weekday::Sunday,
            _ => return Err(bad("inconvenient", format!("{text:?}: {d:?} is not a weekday (mon, tue, ...)"))),
        }),
    };
    let (from, to) = span
        .split_once('-')
        .ok_or_else(|| bad("inconvenient", format!("{text:?} is not a span such as \"tue 09:00-12:00\"")))?;
    let time = |s: &str| {
        s.trim()
            .parse::<Time>()
            .map_err(|_| bad("inconvenient", format!("{text:?}: {s:?} is not a time (HH:MM)")))
    };
    Ok(InconvenientTime {
        weekday,
        from: time(from)?,
        to: time(to)?,
    })
}

/// "email" or "email pat@example.com".
pub(super) fn parse_opt_out(text: &str) -> Result<OptOut> {
    let t = text.trim();
    let (channel, address) = match t.split_once(' ') {
        Some((c, a)) => (c, Some(a.trim().to_string()).filter(|a| !a.is_empty())),
        None => (t, None),
    };
    Ok(OptOut {
        channel: Channel::parse(channel).ok_or_else(|| bad("opt_outs", format!("{text:?}: {channel:?} is not call, text, email, letter or visit")))?,
        address,
    })
}

/// Keeps the account's collection profile as it now stands as a new
/// version, so the gate can later be asked with the facts of any moment.
pub(super) async fn keep_profile_version(conn: &mut AnyConnection, org_id: i64, account_id: i64) -> Result<()> {
    sqlx::query(&format!(
        "INSERT INTO collection_profile_version (org_id, account_id, seq, recorded_at, {cols}) \
         SELECT p.org_id, p.account_id, COALESCE((SELECT MAX(v.seq) FROM collection_profile_version v WHERE v.org_id = p.org_id \
         AND v.account_id = p.account_id), 0) + 1, $3, {pcols} FROM collection_profile p WHERE p.org_id = $1 AND p.account_id = $2",
        cols = PROFILE_COLUMNS.trim_start_matches("account_id, "),
        pcols = PROFILE_COLUMNS
            .trim_start_matches("account_id, ")
            .split(", ")
            .map(|c| format!("p.{}", c.trim()))
            .collect::<Vec<_>>()
            .join(", "),
    ))
    .bind(org_id)
    .bind(account_id)
    .bind(now_text())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

impl Store {
    /// What the consumer answering for the account asked of us, and the zones the gate keeps to.
    pub async fn collection_profile(&self, org: &Organisation, account_number: &str) -> Result<ProfileView> {
        self.note_read(org.org_id, "profile.read", &format!("account:{}", account_number.trim().to_ascii_uppercase()))
            .await?;
        let mut conn = self.pool().acquire().await?;
        Ok(self.known(&mut conn, org.org_id, account_number).await?.profile)
    }

    /// Records what the consumer asked of us (audited).
    pub async fn update_collection_profile(&self, org: &Organisation, cmd: &ProfileUpdate) -> Result<ProfileView> {
        if let Some(z) = cmd.stated_zone.as_deref().filter(|z| !z.trim().is_empty()) {
            UsZone::parse(z).ok_or_else(|| {
                bad(
                    "stated_zone",
                    format!("{z:?} is not a US time zone (eastern, central, mountain, arizona, pacific, alaska, hawaii, ...)"),
                )
            })?;
        }
        let cease = match cmd.cease_requested_at.as_deref().filter(|c| !c.trim().is_empty()) {
            Some(c) => Some(parse_instant("cease_requested_at", c)?.to_string()),
            None => None,
        };
        for s in cmd.inconvenient.iter().flatten() {
            parse_span(s)?;
        }
        for o in cmd.opt_outs.iter().flatten() {
            parse_opt_out(o)?;
        }
        let cease = &cease;
        self.write(|tx| {
            Box::pin(async move {
                let conn = tx.conn();
                let before = self.known(conn, org.org_id, &cmd.account_number).await?;
                let p = &before.profile;
                let zone = cmd
                    .stated_zone
                    .as_deref()
                    .map(|z| UsZone::parse(z).map(UsZone::id).unwrap_or_default())
                    .unwrap_or_else(|| p.stated_zone.clone());
                let cease = if cmd.cease_requested_at.is_some() {
                    // A date alone: the request counts from the start of that day
                    // where the person may be (the earliest of their zones), not
                    // from UTC midnight, which is the evening before in the US.
                    match cmd.cease_requested_at.as_deref().map(str::trim).and_then(|c| c.parse::<Date>().ok()) {
                        Some(day) => before
                            .person
                            .zones()
                            .iter()
                            .filter_map(|z| day.to_zoned(z.tz()).ok().map(|t| t.timestamp()))
                            .min()
                            .map(|t| t.to_string())
                            .or(cease.clone()),
                        None => cease.clone(),
                    }
                } else {
                    p.cease_requested_at.clone()
                };
                let attorney_name = cmd.attorney_name.clone().unwrap_or_else(|| p.attorney_name.clone());
                let attorney_phone = cmd.attorney_phone.clone().unwrap_or_else(|| p.attorney_phone.clone());
                let work = cmd.no_contact_at_work.unwrap_or(p.no_contact_at_work);
                let inconvenient = cmd.inconvenient.clone().unwrap_or_else(|| p.inconvenient.clone());
                let opt_outs = cmd.opt_outs.clone().unwrap_or_else(|| p.opt_outs.clone());
                let validation = cmd.validation_sent_on.map(|d| d.to_string()).or_else(|| p.validation_sent_on.clone());
                let day = |field: &'static str, given: &Option<String>, was: &Option<String>| -> Result<Option<String>> {
                    match given.as_deref().map(str::trim) {
                        None => Ok(was.clone()),
                        Some("") => Ok(None),
                        Some(d) => d
                            .parse::<Date>()
                            .map(|d| Some(d.to_string()))
                            .map_err(|_| bad(field, format!("{d:?} is not a date (YYYY-MM-DD)"))),
                    }
                };
                let bankruptcy = day("bankruptcy_on", &cmd.bankruptcy_on, &p.bankruptcy_on)?;
                let deceased = day("deceased_on", &cmd.deceased_on, &p.deceased_on)?;
                let late_fees = cmd.late_fees_allowed.unwrap_or(p.late_fees_allowed);
                let insurance = cmd.insurance_pending.unwrap_or(p.insurance_pending);
                let work_addresses = cmd.work_addresses.clone().unwrap_or_else(|| p.work_addresses.clone());
                let keep = |given: &Option<String>, was: &String| given.as_deref().map(|g| g.trim().to_string()).unwrap_or_else(|| was.clone());
                let current_creditor = keep(&cmd.current_creditor, &p.current_creditor);
                let itemization_creditor = keep(&cmd.itemization_creditor, &p.itemization_creditor);
                let creditor_account_number = keep(&cmd.creditor_account_number, &p.creditor_account_number);
                sqlx::query("DELETE FROM collection_profile WHERE org_id = $1 AND account_id = $2")
                    .bind(org.org_id)
                    .bind(before.account_id)
                    .execute(&mut *conn)
                    .await?;
                sqlx::query(
                    "INSERT INTO collection_profile (org_id, account_id, stated_zone, cease_requested_at, attorney_name, attorney_phone, no_contact_at_work, \
                 inconvenient, opt_outs, validation_sent_on, updated_by, updated_at, late_fees_allowed, bankruptcy_on, deceased_on, insurance_pending, \
                 work_addresses, current_creditor, itemization_creditor, creditor_account_number) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)",
                )
                .bind(org.org_id)
                .bind(before.account_id)
                .bind(&zone)
                .bind(cease)
                .bind(attorney_name.trim())
                .bind(attorney_phone.trim())
                .bind(i64::from(work))
                .bind(inconvenient.join("\n"))
                .bind(opt_outs.join("\n"))
                .bind(validation)
                .bind(current_actor().name)
                .bind(now_text())
                .bind(i64::from(late_fees))
                .bind(bankruptcy)
                .bind(deceased)
                .bind(i64::from(insurance))
                .bind(work_addresses.iter().map(|w| w.trim()).filter(|w| !w.is_empty()).collect::<Vec<_>>().join("\n"))
                .bind(current_creditor)
                .bind(itemization_creditor)
                .bind(creditor_account_number)
                .execute(&mut *conn)
                .await?;
                keep_profile_version(conn, org.org_id, before.account_id).await?;
                let after = self.known(conn, org.org_id, &cmd.account_number).await?.profile;
                tx.audit(
                    org.org_id,
                    "collections.profile",
                    &format!("account:{}", before.account_number),
                    Some(&serde_json::to_value(&before.profile)?),
                    Some(&serde_json::to_value(&after)?),
                )
                .await?;
                Ok(after)
            })
        })
        .await
    }
}
