//! Fee schedules: the charge master and payers' schedules, imported whole
//! or refused whole, looked up by code and modifiers.

use crate::platform::Organisation;
use crate::{now_text, Result, Store, StoreError};
use serde::{Deserialize, Serialize};
use settle_domain::Date;
use sqlx::Row;

/// The practice's own prices, as opposed to a payer's allowed amounts.
pub const CHARGE_MASTER: &str = "charge-master";

/// One price in a fee schedule.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct FeeEntry {
    pub procedure_code: String,
    /// "" for none.
    pub modifier: String,
    pub effective_from: Date,
    /// A decimal amount in the organisation's currency.
    pub amount: String,
}

/// A fee schedule file (procedure_code, modifier (optional), amount,
/// effective_from) read whole: its prices, or every problem by line and
/// column (a price given twice for one code, modifier and day among them).
pub fn read_fee_csv(bytes: &[u8], currency: settle_domain::money::Currency) -> std::result::Result<Vec<FeeEntry>, Vec<crate::csv_file::Problem>> {
    use crate::csv_file::{check_date, check_money, CsvFile, Problem};
    use settle_domain::codes::{Modifier, ProcedureCode};
    let mut file = CsvFile::read(bytes, &["procedure_code", "amount", "effective_from"], &["modifier"]).map_err(|p| vec![p])?;
    let mut problems = std::mem::take(&mut file.problems);
    let mut entries = Vec::new();
    let mut seen: std::collections::HashMap<(String, String, String), u64> = std::collections::HashMap::new();
    for (line, record) in &file.rows {
        let line = *line;
        let code = file.get(record, "procedure_code");
        let modifier = file.get(record, "modifier");
        let amount = file.get(record, "amount");
        let from = file.get(record, "effective_from");
        let code_ok = ProcedureCode::parse(code).map_err(|e| {
            problems.push(Problem {
                line,
                column: "procedure_code".into(),
                reason: e.to_string(),
            })
        });
        if !modifier.is_empty() {
            let _ = Modifier::parse(modifier).map_err(|e| {
                problems.push(Problem {
                    line,
                    column: "modifier".into(),
                    reason: e.to_string(),
                })
            });
        }
        check_money(&mut problems, line, "amount", amount, currency, true);
        let date = check_date(&mut problems, line, "effective_from", from);
        if let (Ok(code), Some(date)) = (code_ok, date) {
            let key = (code.as_str().to_string(), modifier.to_ascii_uppercase(), date.to_string());
            if let Some(first) = seen.insert(key, line) {
                problems.push(Problem {
                    line,
                    column: "procedure_code".into(),
                    reason: format!("{} {modifier} from {date} is already priced on line {first}", code.as_str()),
                });
            }
            entries.push(FeeEntry {
                procedure_code: code.as_str().to_string(),
                modifier: modifier.to_string(),
                effective_from: date,
                amount: amount.to_string(),
            });
        }
    }
    if problems.is_empty() {
        Ok(entries)
    } else {
        Err(problems)
    }
}

/// "charge-master", or a payer's code in capitals.
pub(super) fn schedule_name(schedule: &str) -> String {
    let schedule = schedule.trim().to_ascii_uppercase();
    if schedule == CHARGE_MASTER.to_ascii_uppercase() {
        CHARGE_MASTER.to_string()
    } else {
        schedule
    }
}

/// procedure_code, modifier, effective_from, currency, amount_minor.
pub(super) fn fee_from_row(r: &sqlx::any::AnyRow) -> Result<FeeEntry> {
    let currency = settle_domain::money::Currency::from_code(&r.try_get::<String, _>("currency")?).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    Ok(FeeEntry {
        procedure_code: r.try_get("procedure_code")?,
        modifier: r.try_get("modifier")?,
        effective_from: crate::write::parse_date(&r.try_get::<String, _>("effective_from")?)?,
        amount: settle_domain::money::Money::from_minor(r.try_get("amount_minor")?, currency).to_decimal_string(),
    })
}

impl Store {
    /// Loads prices into a schedule (the charge master, or a payer's code),
    /// all or nothing; a price for the same code, modifier and date is
    /// replaced. Returns how many were loaded.
    pub async fn import_fee_schedule(&self, org: &Organisation, schedule: &str, entries: &[FeeEntry]) -> Result<usize> {
        use settle_domain::codes::{Modifier, ProcedureCode};
        let currency = settle_domain::money::Currency::from_code(&org.base_currency).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let schedule = schedule_name(schedule);
        let mut rows = Vec::with_capacity(entries.len());
        for (i, entry) in entries.iter().enumerate() {
            let code = ProcedureCode::parse(&entry.procedure_code).map_err(|e| StoreError::invalid("procedure_code", format!("entry {}: {e}", i + 1)))?;
            let modifier = if entry.modifier.trim().is_empty() {
                String::new()
            } else {
                Modifier::parse(&entry.modifier)
                    .map_err(|e| StoreError::invalid("modifier", format!("entry {}: {e}", i + 1)))?
                    .as_str()
                    .to_string()
            };
            let amount = crate::write::parse_amount("amount", &entry.amount, currency)?;
            if amount.amount_minor() <= 0 {
                return Err(StoreError::invalid(
                    "amount",
                    format!("entry {}: {:?} must be greater than zero", i + 1, entry.amount),
                ));
            }
            rows.push((code.as_str().to_string(), modifier, entry.effective_from.to_string(), amount.amount_minor()));
        }
        let (rows, schedule) = (&rows, &schedule);
        self.write(|tx| {
            Box::pin(async move {
                let conn = tx.conn();
                if schedule != CHARGE_MASTER {
                    let known = sqlx::query("SELECT 1 FROM payer WHERE org_id = $1 AND payer_code = $2")
                        .bind(org.org_id)
                        .bind(schedule)
                        .fetch_optional(&mut *conn)
                        .await?;
                    if known.is_none() {
                        return Err(StoreError::not_found("payer", schedule));
                    }
                }
                let now = now_text();
                for (code, modifier, from, amount_minor) in rows {
                    sqlx::query(
                        "INSERT INTO fee_schedule_entry (org_id, schedule, procedure_code, modifier, effective_from, currency, amount_minor, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                     ON CONFLICT (org_id, schedule, procedure_code, modifier, effective_from) DO UPDATE SET amount_minor = excluded.amount_minor",
                    )
                    .bind(org.org_id)
                    .bind(schedule)
                    .bind(code)
                    .bind(modifier)
                    .bind(from)
                    .bind(currency.code())
                    .bind(*amount_minor)
                    .bind(&now)
                    .execute(&mut *conn)
                    .await?;
                }
                let after = serde_json::json!({ "entries": rows.len() });
                tx.audit(org.org_id, "fees.import", &format!("fee_schedule:{schedule}"), None, Some(&after))
                    .await?;
                Ok(())
            })
        })
        .await?;
        Ok(rows.len())
    }

    /// A schedule's prices, by code and modifier, newest first within each.
    pub async fn fee_schedule(&self, org: &Organisation, schedule: &str) -> Result<Vec<FeeEntry>> {
        let schedule = schedule_name(schedule);
        let rows = sqlx::query(
            "SELECT procedure_code, modifier, effective_from, currency, amount_minor FROM fee_schedule_entry \
             WHERE org_id = $1 AND schedule = $2 ORDER BY procedure_code, modifier, effective_from DESC",
        )
        .bind(org.org_id)
        .bind(&schedule)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(fee_from_row).collect()
    }

    /// The price in effect on `date` for a code (and modifier, falling back
    /// to the code without one), or `None`.
    pub async fn fee_for(&self, org: &Organisation, schedule: &str, code: &str, modifier: &str, date: Date) -> Result<Option<FeeEntry>> {
        let schedule = schedule_name(schedule);
        let row = sqlx::query(
            "SELECT procedure_code, modifier, effective_from, currency, amount_minor FROM fee_schedule_entry \
             WHERE org_id = $1 AND schedule = $2 AND procedure_code = $3 AND (modifier = $4 OR modifier = '') AND effective_from <= $5 \
             ORDER BY CASE WHEN modifier = $4 THEN 0 ELSE 1 END, effective_from DESC LIMIT 1",
        )
        .bind(org.org_id)
        .bind(&schedule)
        .bind(code.trim().to_ascii_uppercase())
        .bind(modifier.trim().to_ascii_uppercase())
        .bind(date.to_string())
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(fee_from_row).transpose()
    }
}
