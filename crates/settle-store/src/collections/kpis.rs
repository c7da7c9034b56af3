//! Collection KPIs for a period, per collector and in total, all from the
//! journal and the collections tables. Rates are basis points (8750 is
//! 87.50 %); money is minor units. No float is used.
//!
//! - **Collected**: payments received in the period (net of those returned
//!   in it) on accounts that were in collections (dunning reached a level,
//!   or a collector logged a contact); per collector by the account's
//!   current queue assignment.
//! - **Promise-kept rate**: promises falling due in the period, kept over
//!   kept plus broken; per collector by who took the promise.
//! - **Right-party contacts**: logged conversations; **calls**: outbound calls.
//! - **Plans**: plans set up by the end of the period, by status; the kept
//!   rate is active-with-nothing-missed plus completed over all but cancelled.
//! - **Roll rates**: of what was owed at the start in each aging bucket,
//!   the share still owed at the end in a later bucket.
//! - **CEI** (collection effectiveness index), the standard formula over the
//!   customer and patient receivables (GL 1100 and 1110):
//!   `(beginning receivables + charges − ending receivables) /
//!   (beginning receivables + charges − ending current receivables) × 100`,
//!   where charges are everything newly owed in the period (every positive
//!   posting to those receivables) and current means not yet past due.
//!   It is an organisation-wide measure, so it is given in total only.

use crate::write::status;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use settle_domain::aging::AgingBuckets;
use settle_domain::plans::PlanStatus;
use sqlx::Row;

use crate::platform::Organisation;
use crate::{Result, Store, StoreError};

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct CollectorKpis {
    /// "" for accounts no one is assigned; "total" for the whole organisation.
    pub collector: String,
    pub collected_minor: i64,
    pub calls: i64,
    pub right_party_contacts: i64,
    pub promises_kept: i64,
    pub promises_broken: i64,
    /// Basis points, when any promise fell due.
    pub promise_kept_rate_bp: Option<i64>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct RollRate {
    /// The bucket at the start ("1-30").
    pub from_bucket: String,
    pub owed_at_start_minor: i64,
    /// Still owed at the end, in a later bucket.
    pub rolled_minor: i64,
    pub rate_bp: Option<i64>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct PlanKpis {
    pub active: i64,
    pub in_good_standing: i64,
    pub completed: i64,
    pub defaulted: i64,
    pub cancelled: i64,
    pub kept_rate_bp: Option<i64>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Kpis {
    pub from: String,
    pub to: String,
    pub currency: String,
    pub total: CollectorKpis,
    pub collectors: Vec<CollectorKpis>,
    pub plans: PlanKpis,
    pub roll_rates: Vec<RollRate>,
    pub beginning_receivables_minor: i64,
    pub charges_minor: i64,
    pub ending_receivables_minor: i64,
    pub ending_current_minor: i64,
    /// Basis points; none when the denominator is not positive.
    pub cei_bp: Option<i64>,
    /// The formula, as it was computed.
    pub cei_formula: String,
}

fn rate(part: i64, whole: i64) -> Option<i64> {
    (whole > 0).then(|| ((i128::from(part) * 10_000 + i128::from(whole) / 2) / i128::from(whole)) as i64)
}

/// Basis points as "87.50%".
pub fn percent(bp: Option<i64>) -> String {
    match bp {
        Some(bp) => format!("{}{}.{:02}%", if bp < 0 { "-" } else { "" }, bp.abs() / 100, bp.abs() % 100),
        None => "-".into(),
    }
}

/// A collector's row ("user:ann" is "ann").
fn slot(by: &mut std::collections::BTreeMap<String, CollectorKpis>, who: String) -> &mut CollectorKpis {
    let key = crate::platform::audit::person_of(&who).to_string();
    by.entry(key.clone()).or_insert_with(|| CollectorKpis {
        collector: key,
        ..CollectorKpis::default()
    })
}

const AR: &str = "('1100', '1110')";

impl Store {
    pub async fn collection_kpis(&self, org: &Organisation, from: Date, to: Date) -> Result<Kpis> {
        if to < from {
            return Err(StoreError::invalid("to", format!("{to} is before {from}")));
        }
        let mut conn = self.pool().acquire().await?;
        let (f, t) = (from.to_string(), to.to_string());
        let mut by: std::collections::BTreeMap<String, CollectorKpis> = Default::default();
        // Collected: payments on accounts in collections, by the account's queue collector.
        for r in sqlx::query(
            "SELECT COALESCE(w.collector, '') AS collector, CAST(SUM(p.amount_minor) AS BIGINT) AS amount_minor FROM payment p \
             LEFT JOIN worklist_item w ON w.org_id = p.org_id AND w.account_id = p.account_id \
             WHERE p.org_id = $1 AND p.received_on >= $2 AND p.received_on <= $3 AND p.status = 'posted' \
             AND (EXISTS (SELECT 1 FROM dunning_action d WHERE d.org_id = p.org_id AND d.account_id = p.account_id AND d.outcome = 'done') \
              OR EXISTS (SELECT 1 FROM contact_attempt c WHERE c.org_id = p.org_id AND c.account_id = p.account_id AND c.channel = 'call')) \
             GROUP BY COALESCE(w.collector, '')",
        )
        .bind(org.org_id)
        .bind(&f)
        .bind(&t)
        .fetch_all(&mut *conn)
        .await?
        {
            slot(&mut by, r.try_get("collector")?).collected_minor += r.try_get::<i64, _>("amount_minor")?;
        }
        // Calls and conversations, by who logged them (instants: the period's days in UTC).
        let until = to.checked_add(jiff::Span::new().days(1)).map_err(|e| StoreError::invalid("to", e))?.to_string();
        for r in sqlx::query(
            "SELECT logged_by, CAST(SUM(CASE WHEN channel = 'call' AND direction = 'outbound' THEN 1 ELSE 0 END) AS BIGINT) AS outbound, \
             CAST(SUM(conversation) AS BIGINT) AS conversation FROM contact_attempt WHERE org_id = $1 AND at >= $2 AND at < $3 GROUP BY logged_by",
        )
        .bind(org.org_id)
        .bind(&f)
        .bind(&until)
        .fetch_all(&mut *conn)
        .await?
        {
            let k = slot(&mut by, r.try_get("logged_by")?);
            k.calls += r.try_get::<i64, _>("outbound")?;
            k.right_party_contacts += r.try_get::<i64, _>("conversation")?;
        }
        for r in sqlx::query(
            "SELECT recorded_by, CAST(SUM(CASE WHEN status = 'kept' THEN 1 ELSE 0 END) AS BIGINT) AS kept, CAST(SUM(CASE WHEN status = 'broken' THEN 1 ELSE 0 END) AS BIGINT) AS broken \
             FROM promise WHERE org_id = $1 AND due_on >= $2 AND due_on <= $3 GROUP BY recorded_by",
        )
        .bind(org.org_id)
        .bind(&f)
        .bind(&t)
        .fetch_all(&mut *conn)
        .await?
        {
            let k = slot(&mut by, r.try_get("recorded_by")?);
            k.promises_kept += r.try_get::<i64, _>("kept")?;
            k.promises_broken += r.try_get::<i64, _>("broken")?;
        }
        let mut total = CollectorKpis {
            collector: "total".into(),
            ..CollectorKpis::default()
        };
        for k in by.values_mut() {
            k.promise_kept_rate_bp = rate(k.promises_kept, k.promises_kept + k.promises_broken);
            total.collected_minor += k.collected_minor;
            total.calls += k.calls;
            total.right_party_contacts += k.right_party_contacts;
            total.promises_kept += k.promises_kept;
            total.promises_broken += k.promises_broken;
        }
        total.promise_kept_rate_bp = rate(total.promises_kept, total.promises_kept + total.promises_broken);

        let mut plans = PlanKpis::default();
        for r in sqlx::query(
            "SELECT status, CAST(COUNT(*) AS BIGINT) AS n, CAST(SUM(CASE WHEN missed = 0 THEN 1 ELSE 0 END) AS BIGINT) AS never_missed FROM payment_plan \
             WHERE org_id = $1 AND start_on <= $2 GROUP BY status",
        )
        .bind(org.org_id)
        .bind(&t)
        .fetch_all(&mut *conn)
        .await?
        {
            let (status, n, good): (PlanStatus, i64, i64) = (status(&r, "status")?, r.try_get("n")?, r.try_get("never_missed")?);
            match status {
                PlanStatus::Active => {
                    plans.active = n;
                    plans.in_good_standing = good;
                }
                PlanStatus::Completed => plans.completed = n,
                PlanStatus::Defaulted => plans.defaulted = n,
                PlanStatus::Cancelled => plans.cancelled = n,
            }
        }
        plans.kept_rate_bp = rate(plans.in_good_standing + plans.completed, plans.active + plans.completed + plans.defaulted);

        // Roll rates: each item's balance at the start and at the end.
        let buckets = AgingBuckets::parse(&org.aging_buckets).unwrap_or_default();
        let labels = buckets.labels();
        let mut start_by = vec![0i64; labels.len()];
        let mut rolled_by = vec![0i64; labels.len()];
        for r in sqlx::query(&format!(
            "SELECT o.due_date, CAST(SUM(CASE WHEN p.effective_date < $2 THEN p.amount_minor ELSE 0 END) AS BIGINT) AS at_start, \
             CAST(SUM(CASE WHEN p.effective_date <= $3 THEN p.amount_minor ELSE 0 END) AS BIGINT) AS at_end \
             FROM posting p JOIN open_item o ON o.org_id = p.org_id AND o.item_id = p.item_id \
             WHERE p.org_id = $1 AND p.gl_code IN {AR} AND p.effective_date <= $3 GROUP BY o.item_id, o.due_date"
        ))
        .bind(org.org_id)
        .bind(&f)
        .bind(&t)
        .fetch_all(&mut *conn)
        .await?
        {
            let (due, at_start, at_end): (String, i64, i64) = (r.try_get("due_date")?, r.try_get("at_start")?, r.try_get("at_end")?);
            if at_start <= 0 {
                continue;
            }
            let Ok(due) = due.parse::<Date>() else { continue };
            let b0 = buckets.bucket_index(settle_domain::aging::days_past_due(due, from));
            start_by[b0] += at_start;
            if at_end > 0 && buckets.bucket_index(settle_domain::aging::days_past_due(due, to)) > b0 {
                rolled_by[b0] += at_start.min(at_end);
            }
        }
        let roll_rates = labels
            .iter()
            .enumerate()
            .take(labels.len().saturating_sub(1))
            .map(|(i, l)| RollRate {
                from_bucket: l.clone(),
                owed_at_start_minor: start_by[i],
                rolled_minor: rolled_by[i],
                rate_bp: rate(rolled_by[i], start_by[i]),
            })
            .collect();

        let one = |row: sqlx::any::AnyRow| -> Result<i64> { Ok(row.try_get::<Option<i64>, _>("total")?.unwrap_or(0)) };
        let begin = one(sqlx::query(&format!(
            "SELECT CAST(SUM(amount_minor) AS BIGINT) AS total FROM posting WHERE org_id = $1 AND gl_code IN {AR} AND effective_date < $2"
        ))
        .bind(org.org_id)
        .bind(&f)
        .fetch_one(&mut *conn)
        .await?)?;
        let end = one(sqlx::query(&format!(
            "SELECT CAST(SUM(amount_minor) AS BIGINT) AS total FROM posting WHERE org_id = $1 AND gl_code IN {AR} AND effective_date <= $2"
        ))
        .bind(org.org_id)
        .bind(&t)
        .fetch_one(&mut *conn)
        .await?)?;
        let charges = one(
            sqlx::query(&format!(
                "SELECT CAST(SUM(amount_minor) AS BIGINT) AS total FROM posting WHERE org_id = $1 AND gl_code IN {AR} AND amount_minor > 0 AND effective_date >= $2 AND effective_date <= $3"
            ))
            .bind(org.org_id)
            .bind(&f)
            .bind(&t)
            .fetch_one(&mut *conn)
            .await?,
        )?;
        let current = one(sqlx::query(&format!(
            "SELECT CAST(SUM(p.amount_minor) AS BIGINT) AS total FROM posting p JOIN open_item o ON o.org_id = p.org_id AND o.item_id = p.item_id \
                 WHERE p.org_id = $1 AND p.gl_code IN {AR} AND p.effective_date <= $2 AND o.due_date >= $2"
        ))
        .bind(org.org_id)
        .bind(&t)
        .fetch_one(&mut *conn)
        .await?)?;
        let numerator = begin + charges - end;
        let denominator = begin + charges - current;
        Ok(Kpis {
            from: f,
            to: t,
            currency: org.base_currency.clone(),
            total,
            collectors: by.into_values().collect(),
            plans,
            roll_rates,
            beginning_receivables_minor: begin,
            charges_minor: charges,
            ending_receivables_minor: end,
            ending_current_minor: current,
            cei_bp: rate(numerator, denominator),
            cei_formula: format!("({begin} + {charges} - {end}) / ({begin} + {charges} - {current}) x 100"),
        })
    }
}
