//! Patient statements: after insurance, what each patient (or their
//! guarantor) owes, visit by visit: the charges, what insurance paid and
//! adjusted, what is left and why (deductible, coinsurance, copay), and how
//! to pay. A statement cycle sends one to every patient account with an
//! open balance that has not had one within the cycle; running it twice on
//! a day sends nothing twice. Each statement keeps what it showed, so its
//! PDF can be drawn again exactly, and its place in the account's run of
//! statements (first, second, final notice), which collections dunning
//! reads.

use serde::{Deserialize, Serialize};
use settle_domain::address::KeptAddress;
use settle_domain::money::Currency;
use settle_domain::Date;
use settle_pdf::letters::{AgeBand, Party, Statement, StatementLine, StatementVisit};

use crate::billing::Letterhead;
use sqlx::{AnyConnection, Row};

use crate::platform::audit::current_actor;
use crate::platform::Organisation;
use crate::write::{fmt, next_ids};
use crate::{now_text, Result, Store, StoreError};

/// Make the statements due on a day.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatementRun {
    pub as_of: Date,
    /// Days between two statements to the same account; 30 if absent.
    #[serde(default)]
    pub cycle_days: Option<u32>,
    /// The smallest balance worth a statement; 5.00 if absent.
    #[serde(default)]
    pub min_balance: Option<String>,
    /// Say what would be sent, and send nothing.
    #[serde(default)]
    pub dry_run: bool,
    /// One account's statement now, asked for by someone (at the front
    /// desk, on the phone): made whatever the cycle and the smallest
    /// balance, refused if the account owes nothing.
    #[serde(default)]
    pub account_number: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct StatementSummary {
    pub statement_id: i64,
    pub statement_number: String,
    pub account_number: String,
    /// Who it is addressed to: the guarantor, or the patient.
    pub to: String,
    pub cycle_date: String,
    /// 1 for the first statement of these charges, 2 for the second, 3 and on: final notice.
    pub sequence: i64,
    pub amount: String,
    pub due_on: String,
    pub visits: i64,
}

impl StatementSummary {
    /// The statement as one row of text (number, account, to, date, notice,
    /// visits, amount, due): the CLI's table and the pages' CSV.
    pub fn cells(&self) -> Vec<String> {
        vec![
            self.statement_number.clone(),
            self.account_number.clone(),
            self.to.clone(),
            self.cycle_date.clone(),
            self.sequence.to_string(),
            self.visits.to_string(),
            self.amount.clone(),
            self.due_on.clone(),
        ]
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct StatementRunOutcome {
    pub as_of: String,
    pub dry_run: bool,
    pub count: i64,
    pub total: String,
    /// Accounts with a balance that had a statement within the cycle.
    pub skipped_in_cycle: i64,
    pub statements: Vec<StatementSummary>,
}

/// An item waiting on a secondary payer is not billed to the patient yet.
const NOT_PENDING_SECONDARY: &str = " AND NOT EXISTS (SELECT 1 FROM claim s JOIN claim p ON p.org_id = s.org_id AND p.claim_id = s.primary_claim_id \
     WHERE s.org_id = o.org_id AND s.status IN ('draft', 'scrubbed', 'ready', 'submitted', 'accepted', 'rejected') \
     AND o.kind = 'patient_share' AND o.reference LIKE p.claim_number || '-PR-%')";

/// Days a statement gives to pay.
const DAYS_TO_PAY: i64 = 21;

/// Which statement to draw up: the account, the day, and its number.
struct Drawing<'a> {
    account_id: i64,
    number: &'a str,
    as_of: Date,
    statement_id: i64,
}

fn message(sequence: i64) -> &'static str {
    match sequence {
        1 => "This is what you owe after your insurance. Thank you for choosing us.",
        2 => "Reminder: this balance is past due. Please pay it, or call us to set up a payment plan.",
        _ => "Final notice: please pay within 10 days or call us to arrange a payment plan; unpaid balances go to our collections process.",
    }
}

fn why_text(group_reason: &str, minor: i64, cur: Currency) -> String {
    let amount = settle_pdf::dollars(&fmt(minor, cur));
    match group_reason {
        "1" => format!("deductible {amount}"),
        "2" => format!("coinsurance {amount}"),
        "3" => format!("copay {amount}"),
        other => format!("{amount}: {}", settle_domain::carc::carc_text(other).trim_end_matches('.').to_lowercase()),
    }
}

impl Store {
    /// The account holder's name, and who paper for the account is
    /// addressed to: the guarantor ("for" the patient) when there is one,
    /// else the holder, at their current address.
    pub(crate) async fn addressee(&self, conn: &mut AnyConnection, org_id: i64, account_id: i64) -> Result<(String, Party)> {
        let patient = sqlx::query(&format!(
            "SELECT p.name, {} FROM account a JOIN party p ON p.org_id = a.org_id AND p.party_id = a.party_id {} \
             WHERE a.org_id = $1 AND a.account_id = $2",
            crate::address::CURRENT_COLUMNS,
            crate::address::CURRENT_JOIN
        ))
        .bind(org_id)
        .bind(account_id)
        .fetch_one(&mut *conn)
        .await?;
        let patient_name: String = patient.try_get("name")?;
        let to = match self.guarantor_in(conn, org_id, account_id).await? {
            Some(g) => Party {
                name: g.name,
                lines: [
                    vec![format!("for {patient_name}")],
                    match (g.postal, g.address) {
                        (Some(p), _) => p.lines,
                        (None, text) => text.map(|t| KeptAddress::Text(t).envelope_lines()).unwrap_or_default(),
                    },
                ]
                .concat(),
            },
            None => Party {
                name: patient_name.clone(),
                lines: crate::address::kept_from(&patient, "value", "")?
                    .map(|a| a.envelope_lines())
                    .unwrap_or_default(),
            },
        };
        Ok((patient_name, to))
    }

    /// Makes (or, dry, lists) the statements due on a day.
    pub async fn run_statements(&self, org: &Organisation, cmd: &StatementRun) -> Result<StatementRunOutcome> {
        let cur = Currency::from_code(&org.base_currency).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let cycle = i64::from(cmd.cycle_days.unwrap_or(30));
        if !(1..=365).contains(&cycle) {
            return Err(StoreError::invalid("cycle_days", "must be 1 to 365 days"));
        }
        let min = match &cmd.min_balance {
            Some(text) => settle_domain::money::Money::parse(text, cur)
                .map_err(|e| StoreError::invalid("min_balance", e))?
                .amount_minor(),
            None => 500,
        };
        if min < 0 {
            return Err(StoreError::invalid("min_balance", "must not be negative"));
        }
        let actor = current_actor();
        let actor = &actor;
        self.write(|tx| {
            Box::pin(async move {
                let conn = tx.conn();
                let as_of = cmd.as_of.to_string();
                let one = match &cmd.account_number {
                    Some(number) => Some(patient_account(self.account_by_number(conn, org.org_id, number).await?)?),
                    None => None,
                };
                let candidates = sqlx::query(&format!(
                    "SELECT a.account_id, a.account_number, CAST(SUM(o.balance_minor) AS BIGINT) FROM open_item o \
                 JOIN account a ON a.org_id = o.org_id AND a.account_id = o.account_id \
                 WHERE o.org_id = $1 AND a.ar_kind = 'patient' AND o.balance_minor > 0 AND o.issue_date <= $2{NOT_PENDING_SECONDARY}{} \
                 GROUP BY a.account_id, a.account_number HAVING SUM(o.balance_minor) >= $3 ORDER BY a.account_number",
                    if one.is_some() { " AND a.account_id = $4" } else { "" }
                ))
                .bind(org.org_id)
                .bind(&as_of)
                .bind(if one.is_some() { 1 } else { min.max(1) })
                .bind(one.as_ref().map_or(0, |a| a.account_id))
                .fetch_all(&mut *conn)
                .await?;
                if let Some(account) = &one {
                    let today: Option<i64> = sqlx::query("SELECT statement_id FROM statement WHERE org_id = $1 AND account_id = $2 AND cycle_date = $3")
                        .bind(org.org_id)
                        .bind(account.account_id)
                        .bind(&as_of)
                        .fetch_optional(&mut *conn)
                        .await?
                        .map(|r| r.try_get("statement_id"))
                        .transpose()?;
                    if let Some(id) = today {
                        return Err(StoreError::invalid(
                            "account_number",
                            format!(
                                "{} already had statement S-{id:06} on {as_of} (one a day); print it again, or preview the statement for today's figures",
                                account.account_number
                            ),
                        ));
                    }
                }
                if let (Some(account), true) = (&one, candidates.is_empty()) {
                    return Err(StoreError::invalid(
                        "account_number",
                        format!(
                            "{} owes nothing a statement would show on {as_of} (nothing open, or all of it waiting on insurance)",
                            account.account_number
                        ),
                    ));
                }
                let last: std::collections::HashMap<i64, String> =
                    sqlx::query("SELECT account_id, MAX(cycle_date) AS cycle_date FROM statement WHERE org_id = $1 GROUP BY account_id")
                        .bind(org.org_id)
                        .fetch_all(&mut *conn)
                        .await?
                        .iter()
                        .map(|r| Ok((r.try_get::<i64, _>("account_id")?, r.try_get::<String, _>("cycle_date")?)))
                        .collect::<Result<_>>()?;
                let since = cmd.as_of.checked_sub(jiff::ToSpan::days(cycle - 1)).unwrap_or(cmd.as_of).to_string();
                let from = self.letterhead(conn, org).await?;
                let mut outcome = StatementRunOutcome {
                    as_of: as_of.clone(),
                    dry_run: cmd.dry_run,
                    count: 0,
                    total: fmt(0, cur),
                    skipped_in_cycle: 0,
                    statements: Vec::new(),
                };
                let mut total = 0i64;
                for row in &candidates {
                    let (account_id, number): (i64, String) = (row.try_get("account_id")?, row.try_get("account_number")?);
                    if one.is_none() && last.get(&account_id).is_some_and(|d| *d >= since) {
                        outcome.skipped_in_cycle += 1;
                        continue;
                    }
                    let statement_id = if cmd.dry_run { 0 } else { next_ids(conn, org.org_id, "statement", 1).await? };
                    let drawing = Drawing {
                        account_id,
                        number: &number,
                        as_of: cmd.as_of,
                        statement_id,
                    };
                    let statement = self.draw_up(conn, org, cur, drawing, &from).await?;
                    let amount = settle_domain::money::Money::parse(&statement.amount_due, cur)
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?
                        .amount_minor();
                    total += amount;
                    if !cmd.dry_run {
                        sqlx::query(
                        "INSERT INTO statement (org_id, statement_id, account_id, cycle_date, sequence, amount_minor, due_on, body, created_by, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                    )
                    .bind(org.org_id)
                    .bind(statement_id)
                    .bind(account_id)
                    .bind(&as_of)
                    .bind(statement.sequence)
                    .bind(amount)
                    .bind(&statement.due)
                    .bind(serde_json::to_string(&statement)?)
                    .bind(&actor.name)
                    .bind(now_text())
                    .execute(&mut *conn)
                    .await?;
                    }
                    outcome.statements.push(summary(statement_id, &statement, &as_of));
                }
                outcome.count = outcome.statements.len() as i64;
                outcome.total = fmt(total, cur);
                if cmd.dry_run {
                    tx.roll_back();
                    return Ok(outcome);
                }
                tx.audit(
                    org.org_id,
                    "statement.run",
                    &format!("statements:{as_of}"),
                    None,
                    Some(&serde_json::json!({ "count": outcome.count, "total": outcome.total })),
                )
                .await?;
                Ok(outcome)
            })
        })
        .await
    }

    /// One account's statement as of a day, from the books.
    async fn draw_up(&self, conn: &mut AnyConnection, org: &Organisation, cur: Currency, d: Drawing<'_>, letterhead: &Letterhead) -> Result<Statement> {
        let Drawing {
            account_id,
            number,
            as_of,
            statement_id,
        } = d;
        let (patient_name, to) = self.addressee(conn, org.org_id, account_id).await?;
        let items = sqlx::query(&format!(
            "SELECT o.reference, o.kind, o.description, o.issue_date, o.amount_minor, o.balance_minor FROM open_item o \
             WHERE o.org_id = $1 AND o.account_id = $2 AND o.balance_minor > 0 AND o.issue_date <= $3{NOT_PENDING_SECONDARY} ORDER BY o.issue_date, o.item_id"
        ))
        .bind(org.org_id)
        .bind(account_id)
        .bind(as_of.to_string())
        .fetch_all(&mut *conn)
        .await?;
        let mut visits: Vec<StatementVisit> = Vec::new();
        let mut due = 0i64;
        let mut bands = [0i64; 4];
        let mut oldest: Option<String> = None;
        for item in &items {
            let (reference, kind, description, issued, amount, balance): (String, String, String, String, i64, i64) = (
                item.try_get("reference")?,
                item.try_get("kind")?,
                item.try_get("description")?,
                item.try_get("issue_date")?,
                item.try_get("amount_minor")?,
                item.try_get("balance_minor")?,
            );
            due += balance;
            let age = issued.parse::<Date>().map_or(0, |d| (as_of - d).get_days());
            bands[match age {
                ..=30 => 0,
                31..=60 => 1,
                61..=90 => 2,
                _ => 3,
            }] += balance;
            if oldest.as_ref().is_none_or(|o| issued < *o) {
                oldest = Some(issued.clone());
            }
            let claim_number = reference.split_once("-PR-").map(|(c, _)| c.to_string());
            match (kind.as_str(), claim_number) {
                ("patient_share", Some(claim_number)) => {
                    let visit = self.visit_of(conn, org.org_id, cur, &claim_number, &patient_name).await?;
                    if let Some(v) = visits.iter_mut().find(|v| v.claim_number == claim_number) {
                        let paid = settle_pdf::letters::parse_minor(&v.you_paid) + amount - balance;
                        let left = settle_pdf::letters::parse_minor(&v.balance) + balance;
                        v.you_paid = fmt(paid, cur);
                        v.balance = fmt(left, cur);
                    } else {
                        let mut visit = visit;
                        visit.you_paid = fmt(amount - balance, cur);
                        visit.balance = fmt(balance, cur);
                        visits.push(visit);
                    }
                }
                _ => visits.push(StatementVisit {
                    date: issued.clone(),
                    patient: patient_name.clone(),
                    claim_number: reference.clone(),
                    insurer: String::new(),
                    lines: vec![StatementLine {
                        code: String::new(),
                        description,
                        charge: fmt(amount, cur),
                        insurance_paid: fmt(0, cur),
                        adjusted: fmt(0, cur),
                        you_owe: fmt(amount, cur),
                    }],
                    why: Vec::new(),
                    you_paid: fmt(amount - balance, cur),
                    balance: fmt(balance, cur),
                }),
            }
        }
        // Which statement of these charges this is: one more than those sent since the oldest.
        let earlier: i64 = sqlx::query("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM statement WHERE org_id = $1 AND account_id = $2 AND cycle_date >= $3")
            .bind(org.org_id)
            .bind(account_id)
            .bind(oldest.unwrap_or_default())
            .fetch_one(&mut *conn)
            .await?
            .try_get("n")?;
        let sequence = earlier + 1;
        let Letterhead {
            from: sender,
            remit_to,
            phone,
            instructions,
        } = letterhead;
        let mut how_to_pay = instructions.clone();
        if !phone.is_empty() {
            how_to_pay.push(format!("By phone: call {phone} with a card or bank account."));
        }
        how_to_pay.push(format!(
            "By mail: a check payable to {}, with your account number {number} on it{}.",
            remit_to.name,
            if remit_to.lines.is_empty() {
                String::new()
            } else {
                format!(", to {}", remit_to.lines.join(", "))
            }
        ));
        how_to_pay.push("In person: at the front desk at your next visit.".into());
        Ok(Statement {
            statement_number: if statement_id == 0 {
                "(preview, not sent)".into()
            } else {
                format!("S-{statement_id:06}")
            },
            date: as_of.to_string(),
            due: as_of.checked_add(jiff::ToSpan::days(DAYS_TO_PAY)).unwrap_or(as_of).to_string(),
            from: sender.clone(),
            phone: phone.clone(),
            to,
            account_number: number.to_string(),
            sequence,
            message: message(sequence).into(),
            visits,
            amount_due: fmt(due, cur),
            how_to_pay,
            remit_to: remit_to.clone(),
            aging: ["Current", "31-60 days", "61-90 days", "Over 90 days"]
                .iter()
                .zip(bands)
                .map(|(label, minor)| AgeBand {
                    label: label.to_string(),
                    amount: fmt(minor, cur),
                })
                .collect(),
        })
    }

    /// A claim as the patient sees it: each line's charge, what insurance
    /// paid and adjusted, and the patient's share with its reasons.
    async fn visit_of(&self, conn: &mut AnyConnection, org_id: i64, cur: Currency, claim_number: &str, patient: &str) -> Result<StatementVisit> {
        let head = sqlx::query(
            "SELECT c.claim_id, y.name, (SELECT MIN(l.date_of_service || '') FROM claim_line l WHERE l.org_id = c.org_id AND l.claim_id = c.claim_id) AS date \
             FROM claim c JOIN payer y ON y.org_id = c.org_id AND y.payer_key = c.payer_key WHERE c.org_id = $1 AND c.claim_number = $2",
        )
        .bind(org_id)
        .bind(claim_number)
        .fetch_one(&mut *conn)
        .await?;
        let claim_id: i64 = head.try_get("claim_id")?;
        let lines = sqlx::query(
            "SELECT l.procedure_code, l.modifiers, l.charge_minor, \
             CAST(COALESCE((SELECT SUM(x.amount_minor) FROM allocation x WHERE x.org_id = l.org_id AND x.item_id = l.item_id AND x.source = 'payment'), 0) AS BIGINT) AS insurance_paid, \
             CAST(COALESCE((SELECT SUM(d.amount_minor) FROM adjustment d WHERE d.org_id = l.org_id AND d.item_id = l.item_id), 0) AS BIGINT) AS adjusted, \
             CAST(COALESCE((SELECT SUM(x.amount_minor) FROM allocation x WHERE x.org_id = l.org_id AND x.item_id = l.item_id AND x.source = 'patient share'), 0) AS BIGINT) AS you_owe \
             FROM claim_line l WHERE l.org_id = $1 AND l.claim_id = $2 ORDER BY l.line_no",
        )
        .bind(org_id)
        .bind(claim_id)
        .fetch_all(&mut *conn)
        .await?;
        let lines = lines
            .iter()
            .map(|l| {
                let code: String = l.try_get("procedure_code")?;
                let modifiers: String = l.try_get("modifiers")?;
                Ok(StatementLine {
                    code: format!("{code} {modifiers}").trim().to_string(),
                    description: String::new(),
                    charge: fmt(l.try_get("charge_minor")?, cur),
                    insurance_paid: fmt(l.try_get("insurance_paid")?, cur),
                    adjusted: fmt(l.try_get("adjusted")?, cur),
                    you_owe: fmt(l.try_get("you_owe")?, cur),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        // Why: the PR adjustments of the ERAs posted for the claim.
        let reasons = sqlx::query(
            "SELECT a.reason_code, CAST(SUM(a.amount_minor) AS BIGINT) AS amount_minor FROM remittance_adjustment a \
             JOIN remittance_claim x ON x.org_id = a.org_id AND x.remittance_id = a.remittance_id AND x.seq = a.seq \
             WHERE a.org_id = $1 AND x.claim_id = $2 AND x.outcome = 'posted' AND a.group_code = 'PR' GROUP BY a.reason_code ORDER BY a.reason_code",
        )
        .bind(org_id)
        .bind(claim_id)
        .fetch_all(&mut *conn)
        .await?;
        let why = reasons
            .iter()
            .map(|r| Ok(why_text(&r.try_get::<String, _>("reason_code")?, r.try_get("amount_minor")?, cur)))
            .collect::<Result<Vec<_>>>()?;
        Ok(StatementVisit {
            date: head.try_get::<Option<String>, _>("date")?.unwrap_or_default(),
            patient: patient.to_string(),
            claim_number: claim_number.to_string(),
            insurer: head.try_get("name")?,
            lines,
            why,
            you_paid: fmt(0, cur),
            balance: fmt(0, cur),
        })
    }

    /// Statements sent, newest first; one account's if named.
    pub async fn statements(&self, org: &Organisation, account_number: Option<&str>) -> Result<Vec<StatementSummary>> {
        self.note_read(
            org.org_id,
            "statement.list",
            &account_number.map_or_else(|| "statements".to_string(), |n| format!("account:{}", n.trim().to_ascii_uppercase())),
        )
        .await?;
        let mut sql = String::from(
            "SELECT s.statement_id, s.body, s.cycle_date FROM statement s JOIN account a ON a.org_id = s.org_id AND a.account_id = s.account_id WHERE s.org_id = $1",
        );
        if account_number.is_some() {
            sql.push_str(" AND a.account_number = $2");
        }
        sql.push_str(" ORDER BY s.statement_id DESC LIMIT 1000");
        let mut query = sqlx::query(&sql).bind(org.org_id);
        if let Some(n) = account_number {
            query = query.bind(n.trim().to_ascii_uppercase());
        }
        let rows = query.fetch_all(self.pool()).await?;
        rows.iter()
            .map(|r| {
                let body: String = r.try_get("body")?;
                let s: Statement = serde_json::from_str(&body)?;
                Ok(summary(r.try_get("statement_id")?, &s, &r.try_get::<String, _>("cycle_date")?))
            })
            .collect()
    }

    /// A statement as sent.
    pub async fn statement(&self, org: &Organisation, statement_id: i64) -> Result<Statement> {
        let row = sqlx::query("SELECT body FROM statement WHERE org_id = $1 AND statement_id = $2")
            .bind(org.org_id)
            .bind(statement_id)
            .fetch_optional(self.pool())
            .await?
            .ok_or_else(|| StoreError::not_found("statement", statement_id))?;
        let statement: Statement = serde_json::from_str(&row.try_get::<String, _>("body")?)?;
        self.note_read(org.org_id, "statement.read", &format!("account:{}", statement.account_number))
            .await?;
        Ok(for_sight(statement))
    }

    /// One patient's statement as it would be made on `as_of`, made and
    /// kept by nothing (the page's preview before it is sent).
    pub async fn preview_statement(&self, org: &Organisation, account_number: &str, as_of: Date) -> Result<Statement> {
        let cur = Currency::from_code(&org.base_currency).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.note_read(
            org.org_id,
            "statement.preview",
            &format!("account:{}", account_number.trim().to_ascii_uppercase()),
        )
        .await?;
        let mut conn = self.pool().acquire().await?;
        let account = patient_account(self.account_by_number(&mut conn, org.org_id, account_number).await?)?;
        let letterhead = self.letterhead(&mut conn, org).await?;
        let drawing = Drawing {
            account_id: account.account_id,
            number: &account.account_number,
            as_of,
            statement_id: 0,
        };
        let statement = self.draw_up(&mut conn, org, cur, drawing, &letterhead).await?;
        Ok(for_sight(statement))
    }

    /// The statements of one cycle day, for printing in one PDF.
    pub async fn statements_of_day(&self, org: &Organisation, cycle_date: Date) -> Result<Vec<Statement>> {
        let rows = sqlx::query("SELECT body FROM statement WHERE org_id = $1 AND cycle_date = $2 ORDER BY statement_id")
            .bind(org.org_id)
            .bind(cycle_date.to_string())
            .fetch_all(self.pool())
            .await?;
        let statements = rows
            .iter()
            .map(|r| Ok(for_sight(serde_json::from_str(&r.try_get::<String, _>("body")?)?)))
            .collect::<Result<Vec<Statement>>>()?;
        for s in &statements {
            self.note_read(org.org_id, "statement.read", &format!("account:{}", s.account_number)).await?;
        }
        Ok(statements)
    }
}

/// A statement as the current actor may see it: the patient got the
/// procedure codes; someone without clinical.read gets "service" instead.
/// Statements go to patients; a business's account gets an invoice.
fn patient_account(account: crate::billing::AccountRow) -> Result<crate::billing::AccountRow> {
    if account.ar_kind != settle_domain::account::ArKind::Patient {
        return Err(StoreError::invalid(
            "account_number",
            format!(
                "{} is not a patient's account: statements go to patients (send an invoice)",
                account.account_number
            ),
        ));
    }
    Ok(account)
}

fn for_sight(mut statement: Statement) -> Statement {
    if !crate::platform::sight::sees_clinical() {
        for line in statement.visits.iter_mut().flat_map(|v| v.lines.iter_mut()).filter(|l| !l.code.is_empty()) {
            line.code = crate::platform::sight::WITHHELD.to_string();
        }
    }
    statement
}

fn summary(statement_id: i64, s: &Statement, cycle_date: &str) -> StatementSummary {
    StatementSummary {
        statement_id,
        statement_number: s.statement_number.clone(),
        account_number: s.account_number.clone(),
        to: s.to.name.clone(),
        cycle_date: cycle_date.to_string(),
        sequence: s.sequence,
        amount: s.amount_due.clone(),
        due_on: s.due.clone(),
        visits: s.visits.len() as i64,
    }
}
