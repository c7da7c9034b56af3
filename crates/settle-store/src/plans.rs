//! Payment plans, settlements, and the collection letters sent by hand
//! (reminder, notices, receipt, plan agreement, settlement offer). Each
//! letter goes through the contact gate like the dunning run's, and is kept
//! on the account as sent, to be drawn again or printed with the day's
//! others in one PDF.

use jiff::civil::Date;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use settle_domain::address::KeptAddress;
use settle_domain::compliance::{Channel, Purpose};
use settle_domain::money::{Currency, Money};
use settle_domain::plans::{self, Frequency, Installment, PlanError, PlanStatus};
use settle_pdf::letters::{AnyLetter, CollectionLetter, PlanTerms, ReceiptTerms, SettlementTerms};
use sqlx::{AnyConnection, Row};

use crate::audit::{self, current_actor};
use crate::batch::{self, Batch};
use crate::collections::{known_many, DecisionView, LetterView, Which};
use crate::dunning::{compose_letter, LetterFacts};
use crate::gate::{decision_row, gate, sent_row};
use crate::ops::{fmt, next_ids, NewAdjustment, Organisation};
use crate::{now_text, Result, Store, StoreError};

fn bad(field: &'static str, message: impl std::fmt::Display) -> StoreError {
    StoreError::invalid(field, message)
}

/// A plan's refusal in the account's money, naming the field.
fn plan_error(e: PlanError, currency: Currency) -> StoreError {
    let m = |minor: i64| fmt(minor, currency);
    match e {
        PlanError::Total => bad("total", "the plan's total must be greater than zero"),
        PlanError::MoreThanOwed { total_minor, owed_minor } => bad("total", format!("{} is more than the account owes ({})", m(total_minor), m(owed_minor))),
        PlanError::Down { down_minor, total_minor } => bad(
            "down_payment",
            format!("{} must be from 0 up to less than the total {}", m(down_minor), m(total_minor)),
        ),
        PlanError::Installment => bad("installment", "the installment amount must be greater than zero"),
        PlanError::TooMany { needed, max } => bad("installment", format!("the plan would need {needed} installments; at most {max} are allowed")),
        PlanError::DoesNotAddUp { sum_minor, expected_minor } => bad(
            "installments",
            format!("they add up to {}, but the total less the down payment is {}", m(sum_minor), m(expected_minor)),
        ),
        PlanError::Line { line, reason } => bad("installments", format!("line {line}: {reason}")),
        PlanError::FirstInPast { first, today } => bad("first_due", format!("the first installment's date {first} is before today ({today})")),
        PlanError::PastTheCalendar => bad("first_due", "the installments would run past the end of the calendar"),
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InstallmentInput {
    pub due: Date,
    pub amount: String,
}

/// A payment plan to set up: by installment amount and frequency, or with
/// the installments written out (they must add up).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPlan {
    pub account_number: String,
    /// What the plan pays off; the whole balance when left out.
    #[serde(default)]
    pub total: Option<String>,
    #[serde(default)]
    pub down_payment: Option<String>,
    /// The amount of each installment (the last takes the rounding).
    #[serde(default)]
    pub installment: Option<String>,
    /// weekly, biweekly or monthly.
    #[serde(default)]
    pub frequency: Option<String>,
    /// The first installment's date.
    #[serde(default)]
    pub first_due: Option<Date>,
    /// Installments written out instead.
    #[serde(default)]
    pub installments: Option<Vec<InstallmentInput>>,
    #[serde(default)]
    pub note: String,
    /// Send the plan agreement letter (through the contact gate).
    #[serde(default)]
    pub send_agreement: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct InstallmentView {
    pub number: i64,
    pub due: String,
    pub amount: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct PlanView {
    pub plan_id: i64,
    pub account_number: String,
    pub total: String,
    pub down_payment: String,
    pub installment: String,
    pub frequency: String,
    pub start_on: String,
    /// active, completed, defaulted, cancelled
    pub status: String,
    pub missed: i64,
    pub paid: String,
    pub reviewed_on: Option<String>,
    pub ended_on: Option<String>,
    pub installments: Vec<InstallmentView>,
    pub letter_id: Option<i64>,
    pub note: String,
    pub created_by: String,
}

/// What setting up a plan did.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct PlanCreated {
    pub plan: PlanView,
    pub agreement: Option<LetterView>,
    /// The gate's answer for the agreement letter, when one was asked for.
    pub decision: Option<DecisionView>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct PlanReview {
    pub reviewed: i64,
    pub defaulted: i64,
    pub completed: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSettlement {
    pub account_number: String,
    /// What will settle the account in full.
    pub amount: String,
    pub expires_on: Date,
    #[serde(default)]
    pub note: String,
    /// Send the offer letter (through the contact gate) once it may be offered.
    #[serde(default)]
    pub send_offer: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct SettlementView {
    pub settlement_id: i64,
    pub account_number: String,
    pub balance: String,
    pub amount: String,
    /// "30.00"
    pub discount_percent: String,
    pub offered_on: String,
    pub expires_on: String,
    /// awaiting_approval, offered, paid, expired, declined, cancelled
    pub status: String,
    pub approved_by: Option<String>,
    pub paid_on: Option<String>,
    pub adjustment_entry_id: Option<i64>,
    pub letter_id: Option<i64>,
    pub note: String,
    pub created_by: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct SettlementMade {
    pub settlement: SettlementView,
    pub offer: Option<LetterView>,
    pub decision: Option<DecisionView>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct SettlementReview {
    pub paid: i64,
    pub expired: i64,
}

/// A letter to send by hand.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendLetter {
    pub account_number: String,
    /// reminder, first_notice, final_notice or receipt (plan agreements and
    /// settlement offers go with their plan or settlement).
    pub kind: String,
    /// For a receipt: the payment it acknowledges.
    #[serde(default)]
    pub payment_id: Option<i64>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct LetterSent {
    pub letter: Option<LetterView>,
    pub decision: DecisionView,
}

fn percent(bp: i64) -> String {
    format!("{}.{:02}", bp / 100, bp % 100)
}

impl Store {
    /// What a letter says of the account now.
    async fn letter_facts(&self, conn: &mut AnyConnection, org_id: i64, account_id: i64, today: Date) -> Result<LetterFacts> {
        let account = self.account_by_id(conn, org_id, account_id).await?;
        let r = sqlx::query(
            "SELECT MIN(due_date), CAST(COALESCE(SUM(balance_minor), 0) AS BIGINT) FROM open_item WHERE org_id = $1 AND account_id = $2 AND balance_minor > 0 AND due_date < $3",
        )
        .bind(org_id)
        .bind(account_id)
        .bind(today.to_string())
        .fetch_one(&mut *conn)
        .await?;
        Ok(LetterFacts {
            number: account.account_number,
            currency: account.currency,
            balance_minor: account.balance_minor,
            past_due_minor: r.try_get(1)?,
            oldest_past_due: r.try_get::<Option<String>, _>(0)?.and_then(|d| d.parse().ok()),
        })
    }

    /// Sends a letter through the gate in `conn`: refused, only the answer is
    /// kept; allowed, the contact is logged and the letter kept, as sent.
    async fn send_letter_in(
        &self,
        conn: &mut AnyConnection,
        org: &Organisation,
        account_id: i64,
        kind: &str,
        today: Date,
        fill: impl FnOnce(&mut CollectionLetter),
    ) -> Result<(Option<LetterView>, DecisionView)> {
        let mut known = known_many(conn, org.org_id, Which::Ids(&[account_id])).await?;
        let mut k = known.remove(&account_id).ok_or_else(|| StoreError::not_found("account", account_id))?;
        // The debt's facts too (its disputes above all): a collection letter
        // during a dispute's halt is refused here as it is by `contact check`
        // (12 CFR 1006.38(d)(2)).
        let at = Timestamp::now();
        self.read_debt(conn, org.org_id, &mut k, at).await?;
        let address = k.address.as_ref().map(KeptAddress::one_line).ok_or_else(|| {
            bad(
                "address",
                format!("{} has no postal address on record; add one before sending a letter", k.consumer),
            )
        })?;
        let policy = self.collection_policy_in(conn, org.org_id).await?;
        let collector = self.collector_contact_in(conn, org.org_id).await?;
        let actor = current_actor().name;
        let now = now_text();
        let decision_id = next_ids(conn, org.org_id, "contact_decision", 1).await?;
        let gated = gate(&k, Channel::Letter, Purpose::Collection, address, false, at, &policy, decision_id, &actor);
        let mut b = Batch::default();
        b.add(&batch::CONTACT_DECISION, decision_row(org.org_id, account_id, &gated.view, &now));
        let Some(cleared) = gated.cleared() else {
            b.flush(conn, org.org_id).await?;
            return Ok((None, gated.view));
        };
        let facts = self.letter_facts(conn, org.org_id, account_id, today).await?;
        let first: bool = sqlx::query("SELECT 1 FROM contact_attempt WHERE org_id = $1 AND account_id = $2 AND direction = 'outbound'")
            .bind(org.org_id)
            .bind(account_id)
            .fetch_optional(&mut *conn)
            .await?
            .is_none();
        let mut letter = compose_letter(org, &collector, &k, &facts, kind, today, first);
        fill(&mut letter);
        let contact_id = next_ids(conn, org.org_id, "contact_attempt", 1).await?;
        let letter_id = next_ids(conn, org.org_id, "collection_letter", 1).await?;
        b.add(&batch::CONTACT_ATTEMPT, sent_row(org.org_id, contact_id, cleared, letter.title(), &actor, &now));
        b.add(
            &batch::COLLECTION_LETTER,
            vec![
                org.org_id.into(),
                letter_id.into(),
                account_id.into(),
                kind.into(),
                today.to_string().into(),
                contact_id.into(),
                serde_json::to_string(&letter)?.into(),
            ],
        );
        b.flush(conn, org.org_id).await?;
        audit::append(
            conn,
            self.for_update(),
            org.org_id,
            "letter.send",
            &format!("account:{}", k.account_number),
            None,
            Some(&serde_json::json!({ "letter_id": letter_id, "kind": kind })),
        )
        .await?;
        Ok((
            Some(LetterView {
                letter_id,
                account_number: k.account_number,
                kind: kind.to_string(),
                sent_on: today.to_string(),
                contact_id,
            }),
            gated.view,
        ))
    }

    /// Sends a reminder, a notice or a receipt by hand.
    pub async fn send_letter(&self, org: &Organisation, cmd: &SendLetter, today: Date) -> Result<LetterSent> {
        let kind = cmd.kind.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        if !matches!(kind.as_str(), "reminder" | "first_notice" | "final_notice" | "receipt") {
            return Err(bad(
                "kind",
                format!("{kind:?} is not reminder, first_notice, final_notice or receipt (the validation notice, plan agreement and settlement offer have their own commands)"),
            ));
        }
        let mut tx = self.begin_write().await?;
        let conn = tx.conn();
        let account = self.account_by_number(conn, org.org_id, &cmd.account_number).await?;
        let receipt = if kind == "receipt" {
            let id = cmd.payment_id.ok_or_else(|| bad("payment_id", "a receipt names the payment it acknowledges"))?;
            let r = sqlx::query(
                "SELECT received_on, amount_minor, method, reference, status FROM payment WHERE org_id = $1 AND payment_id = $2 AND account_id = $3",
            )
            .bind(org.org_id)
            .bind(id)
            .bind(account.account_id)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| bad("payment_id", format!("account {} has no payment {id}", account.account_number)))?;
            if r.try_get::<String, _>(4)? != "posted" {
                return Err(bad("payment_id", format!("payment {id} was reversed; there is nothing to acknowledge")));
            }
            Some(ReceiptTerms {
                received_on: r.try_get(0)?,
                amount: fmt(r.try_get(1)?, account.currency),
                method: r.try_get(2)?,
                reference: r.try_get(3)?,
            })
        } else {
            None
        };
        let (letter, decision) = self
            .send_letter_in(conn, org, account.account_id, &kind, today, |l| l.receipt = receipt)
            .await?;
        tx.commit().await?;
        Ok(LetterSent { letter, decision })
    }

    /// A letter as it was sent, any kind.
    pub async fn letter(&self, org: &Organisation, letter_id: i64) -> Result<AnyLetter> {
        self.note_read(org.org_id, "letter.read", &format!("letter:{letter_id}")).await?;
        let mut conn = self.pool().acquire().await?;
        let r = sqlx::query("SELECT kind, data FROM collection_letter WHERE org_id = $1 AND letter_id = $2")
            .bind(org.org_id)
            .bind(letter_id)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| StoreError::not_found("letter", letter_id))?;
        letter_from(&r.try_get::<String, _>(0)?, &r.try_get::<String, _>(1)?)
    }

    /// Every letter sent on a day, in order, for one PDF to print and mail.
    pub async fn letters_on(&self, org: &Organisation, day: Date) -> Result<Vec<AnyLetter>> {
        self.note_read(org.org_id, "letter.list", &format!("letters:{day}")).await?;
        let mut conn = self.pool().acquire().await?;
        sqlx::query("SELECT kind, data FROM collection_letter WHERE org_id = $1 AND sent_on = $2 ORDER BY letter_id")
            .bind(org.org_id)
            .bind(day.to_string())
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| letter_from(&r.try_get::<String, _>(0)?, &r.try_get::<String, _>(1)?))
            .collect()
    }

    /// Sets up a payment plan; refused whole (nothing written) when its
    /// numbers do not hold, or the account already has an active plan.
    pub async fn create_plan(&self, org: &Organisation, cmd: &NewPlan, today: Date) -> Result<PlanCreated> {
        let mut tx = self.begin_write().await?;
        let conn = tx.conn();
        let account = self.account_by_number(conn, org.org_id, &cmd.account_number).await?;
        let settings = self.collections_settings_in(conn, org).await?;
        let money = |field: &'static str, text: &str| -> Result<i64> { Ok(Money::parse(text, account.currency).map_err(|e| bad(field, e))?.amount_minor()) };
        let total = match cmd.total.as_deref().filter(|t| !t.trim().is_empty()) {
            Some(t) => money("total", t)?,
            None => account.balance_minor,
        };
        if total > account.balance_minor {
            return Err(plan_error(
                PlanError::MoreThanOwed {
                    total_minor: total,
                    owed_minor: account.balance_minor,
                },
                account.currency,
            ));
        }
        let down = match cmd.down_payment.as_deref().filter(|t| !t.trim().is_empty()) {
            Some(t) => money("down_payment", t)?,
            None => 0,
        };
        let (installments, frequency, each): (Vec<Installment>, String, i64) = match &cmd.installments {
            Some(list) => {
                let mut parsed = Vec::with_capacity(list.len());
                for (i, inst) in list.iter().enumerate() {
                    let amount = Money::parse(&inst.amount, account.currency)
                        .map_err(|e| bad("installments", format!("line {}: amount: {e}", i + 1)))?
                        .amount_minor();
                    parsed.push((inst.due, amount));
                }
                let checked = plans::check_custom(total, down, &parsed).map_err(|e| plan_error(e, account.currency))?;
                let each = checked.first().map(|i| i.amount_minor).unwrap_or(0);
                (checked, "custom".to_string(), each)
            }
            None => {
                let freq_text = cmd.frequency.as_deref().unwrap_or("monthly");
                let frequency = Frequency::parse(freq_text).ok_or_else(|| bad("frequency", format!("{freq_text:?} is not weekly, biweekly or monthly")))?;
                let each = money(
                    "installment",
                    cmd.installment
                        .as_deref()
                        .ok_or_else(|| bad("installment", "give the installment amount, or write the installments out"))?,
                )?;
                let first = cmd.first_due.ok_or_else(|| bad("first_due", "give the first installment's date"))?;
                (
                    plans::schedule(total, down, each, frequency, first).map_err(|e| plan_error(e, account.currency))?,
                    frequency.as_str().to_string(),
                    each,
                )
            }
        };
        if let Some(first) = installments.first() {
            if first.due < today {
                return Err(plan_error(PlanError::FirstInPast { first: first.due, today }, account.currency));
            }
        }
        let active: Option<i64> = sqlx::query("SELECT plan_id FROM payment_plan WHERE org_id = $1 AND account_id = $2 AND status = 'active'")
            .bind(org.org_id)
            .bind(account.account_id)
            .fetch_optional(&mut *conn)
            .await?
            .map(|r| r.try_get(0))
            .transpose()?;
        if let Some(p) = active {
            return Err(bad(
                "account_number",
                format!("account {} already has active plan {p}; cancel it first", account.account_number),
            ));
        }
        let plan_id = next_ids(conn, org.org_id, "payment_plan", 1).await?;
        let actor = current_actor().name;
        sqlx::query(
            "INSERT INTO payment_plan (org_id, plan_id, account_id, currency, total_minor, down_minor, installment_minor, frequency, start_on, status, missed, \
             paid_minor, note, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'active', 0, 0, $10, $11, $12)",
        )
        .bind(org.org_id)
        .bind(plan_id)
        .bind(account.account_id)
        .bind(account.currency.code())
        .bind(total)
        .bind(down)
        .bind(each)
        .bind(&frequency)
        .bind(today.to_string())
        .bind(cmd.note.trim())
        .bind(&actor)
        .bind(now_text())
        .execute(&mut *conn)
        .await?;
        for i in &installments {
            sqlx::query("INSERT INTO plan_installment (org_id, plan_id, number, due_on, amount_minor) VALUES ($1, $2, $3, $4, $5)")
                .bind(org.org_id)
                .bind(plan_id)
                .bind(i.number)
                .bind(i.due.to_string())
                .bind(i.amount_minor)
                .execute(&mut *conn)
                .await?;
        }
        let (agreement, decision) = if cmd.send_agreement {
            let terms = PlanTerms {
                plan_id,
                total: fmt(total, account.currency),
                down_payment: fmt(down, account.currency),
                frequency: frequency.clone(),
                installments: installments
                    .iter()
                    .map(|i| (i.number, i.due.to_string(), fmt(i.amount_minor, account.currency)))
                    .collect(),
                grace_days: settings.plan_grace_days,
                default_after_missed: settings.plan_default_missed,
            };
            let (letter, decision) = self
                .send_letter_in(conn, org, account.account_id, "plan_agreement", today, |l| l.plan = Some(terms))
                .await?;
            if let Some(l) = &letter {
                sqlx::query("UPDATE payment_plan SET letter_id = $3 WHERE org_id = $1 AND plan_id = $2")
                    .bind(org.org_id)
                    .bind(plan_id)
                    .bind(l.letter_id)
                    .execute(&mut *conn)
                    .await?;
            }
            (letter, Some(decision))
        } else {
            (None, None)
        };
        let plan = self.plan_in(conn, org.org_id, plan_id).await?;
        audit::append(
            conn,
            self.for_update(),
            org.org_id,
            "plan.create",
            &format!("account:{}", account.account_number),
            None,
            Some(&serde_json::to_value(&plan)?),
        )
        .await?;
        tx.commit().await?;
        Ok(PlanCreated { plan, agreement, decision })
    }

    async fn plan_in(&self, conn: &mut AnyConnection, org_id: i64, plan_id: i64) -> Result<PlanView> {
        let r = sqlx::query(
            "SELECT p.plan_id, a.account_number, p.currency, p.total_minor, p.down_minor, p.installment_minor, p.frequency, p.start_on, p.status, p.missed, \
             p.paid_minor, p.reviewed_on, p.ended_on, p.letter_id, p.note, p.created_by FROM payment_plan p \
             JOIN account a ON a.org_id = p.org_id AND a.account_id = p.account_id WHERE p.org_id = $1 AND p.plan_id = $2",
        )
        .bind(org_id)
        .bind(plan_id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::not_found("plan", plan_id))?;
        let currency = Currency::from_code(&r.try_get::<String, _>(2)?).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let installments = sqlx::query("SELECT number, due_on, amount_minor FROM plan_installment WHERE org_id = $1 AND plan_id = $2 ORDER BY number")
            .bind(org_id)
            .bind(plan_id)
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|i| {
                Ok(InstallmentView {
                    number: i.try_get(0)?,
                    due: i.try_get(1)?,
                    amount: fmt(i.try_get(2)?, currency),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(PlanView {
            plan_id: r.try_get(0)?,
            account_number: r.try_get(1)?,
            total: fmt(r.try_get(3)?, currency),
            down_payment: fmt(r.try_get(4)?, currency),
            installment: fmt(r.try_get(5)?, currency),
            frequency: r.try_get(6)?,
            start_on: r.try_get(7)?,
            status: r.try_get(8)?,
            missed: r.try_get(9)?,
            paid: fmt(r.try_get(10)?, currency),
            reviewed_on: r.try_get(11)?,
            ended_on: r.try_get(12)?,
            installments,
            letter_id: r.try_get(13)?,
            note: r.try_get(14)?,
            created_by: r.try_get(15)?,
        })
    }

    pub async fn plans(&self, org: &Organisation, account_number: Option<&str>) -> Result<Vec<PlanView>> {
        self.note_read(
            org.org_id,
            "plan.list",
            &account_number.map_or_else(|| "plans".to_string(), |n| format!("account:{}", n.trim().to_ascii_uppercase())),
        )
        .await?;
        let mut conn = self.pool().acquire().await?;
        let ids: Vec<i64> = match account_number {
            Some(n) => {
                let account = self.account_by_number(&mut conn, org.org_id, n).await?;
                sqlx::query("SELECT plan_id FROM payment_plan WHERE org_id = $1 AND account_id = $2 ORDER BY plan_id DESC")
                    .bind(org.org_id)
                    .bind(account.account_id)
                    .fetch_all(&mut *conn)
                    .await?
            }
            None => {
                sqlx::query("SELECT plan_id FROM payment_plan WHERE org_id = $1 ORDER BY plan_id DESC LIMIT 500")
                    .bind(org.org_id)
                    .fetch_all(&mut *conn)
                    .await?
            }
        }
        .iter()
        .map(|r| r.try_get(0))
        .collect::<std::result::Result<_, _>>()?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(self.plan_in(&mut conn, org.org_id, id).await?);
        }
        Ok(out)
    }

    /// Cancels an active plan (dunning resumes at the next run).
    pub async fn cancel_plan(&self, org: &Organisation, plan_id: i64, today: Date) -> Result<PlanView> {
        let mut tx = self.begin_write().await?;
        let conn = tx.conn();
        let before = self.plan_in(conn, org.org_id, plan_id).await?;
        if before.status != "active" {
            return Err(bad(
                "plan_id",
                format!("plan {plan_id} is {}; only an active plan can be cancelled", before.status),
            ));
        }
        sqlx::query("UPDATE payment_plan SET status = 'cancelled', ended_on = $3 WHERE org_id = $1 AND plan_id = $2")
            .bind(org.org_id)
            .bind(plan_id)
            .bind(today.to_string())
            .execute(&mut *conn)
            .await?;
        let after = self.plan_in(conn, org.org_id, plan_id).await?;
        audit::append(
            conn,
            self.for_update(),
            org.org_id,
            "plan.cancel",
            &format!("account:{}", after.account_number),
            Some(&serde_json::to_value(&before)?),
            Some(&serde_json::to_value(&after)?),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Brings every active plan's standing up to `as_of` from the payments
    /// received: paid up, missed installments, completed or defaulted.
    pub async fn review_plans(&self, org: &Organisation, as_of: Date) -> Result<PlanReview> {
        let mut tx = self.begin_write().await?;
        let conn = tx.conn();
        let settings = self.collections_settings_in(conn, org).await?;
        let active = sqlx::query("SELECT plan_id, account_id, down_minor, start_on FROM payment_plan WHERE org_id = $1 AND status = 'active' ORDER BY plan_id")
            .bind(org.org_id)
            .fetch_all(&mut *conn)
            .await?;
        let mut review = PlanReview::default();
        for r in active {
            let (plan_id, account_id, down, start): (i64, i64, i64, String) = (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?);
            let start_on: Date = start.parse().map_err(|e| StoreError::Corrupt(format!("plan start: {e}")))?;
            let installments = sqlx::query("SELECT number, due_on, amount_minor FROM plan_installment WHERE org_id = $1 AND plan_id = $2 ORDER BY number")
                .bind(org.org_id)
                .bind(plan_id)
                .fetch_all(&mut *conn)
                .await?
                .iter()
                .map(|i| {
                    Ok(Installment {
                        number: i.try_get(0)?,
                        due: i
                            .try_get::<String, _>(1)?
                            .parse()
                            .map_err(|e| StoreError::Corrupt(format!("installment date: {e}")))?,
                        amount_minor: i.try_get(2)?,
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            let payments = self.payments_since(conn, org.org_id, account_id, &start).await?;
            let st = plans::standing(
                down,
                start_on,
                &installments,
                &payments,
                settings.plan_grace_days,
                settings.plan_default_missed,
                as_of,
            );
            review.reviewed += 1;
            let ended = matches!(st.status, PlanStatus::Completed | PlanStatus::Defaulted).then(|| as_of.to_string());
            match st.status {
                PlanStatus::Completed => review.completed += 1,
                PlanStatus::Defaulted => review.defaulted += 1,
                _ => {}
            }
            sqlx::query(
                "UPDATE payment_plan SET status = $3, missed = $4, paid_minor = $5, reviewed_on = $6, ended_on = $7 WHERE org_id = $1 AND plan_id = $2",
            )
            .bind(org.org_id)
            .bind(plan_id)
            .bind(st.status.as_str())
            .bind(st.missed)
            .bind(st.paid_minor)
            .bind(as_of.to_string())
            .bind(ended)
            .execute(&mut *conn)
            .await?;
            if st.status != PlanStatus::Active {
                audit::append(
                    conn,
                    self.for_update(),
                    org.org_id,
                    "plan.review",
                    &format!("plan:{plan_id}"),
                    None,
                    Some(&serde_json::json!({ "status": st.status.as_str(), "missed": st.missed, "as_of": as_of.to_string() })),
                )
                .await?;
            }
        }
        tx.commit().await?;
        Ok(review)
    }

    /// Offers a settlement. A discount above the organisation's limit waits
    /// for a coordinator's approval before it may be offered.
    pub async fn offer_settlement(&self, org: &Organisation, cmd: &NewSettlement, today: Date) -> Result<SettlementMade> {
        let mut tx = self.begin_write().await?;
        let conn = tx.conn();
        let account = self.account_by_number(conn, org.org_id, &cmd.account_number).await?;
        let settings = self.collections_settings_in(conn, org).await?;
        let amount = Money::parse(&cmd.amount, account.currency).map_err(|e| bad("amount", e))?.amount_minor();
        plans::check_settlement(account.balance_minor, amount, cmd.expires_on, today).map_err(|e| {
            let text = e.to_string();
            let (field, message) = text.split_once(": ").unwrap_or(("amount", text.as_str()));
            bad(if field == "expires_on" { "expires_on" } else { "amount" }, message)
        })?;
        let open: Option<i64> =
            sqlx::query("SELECT settlement_id FROM settlement WHERE org_id = $1 AND account_id = $2 AND status IN ('awaiting_approval', 'offered')")
                .bind(org.org_id)
                .bind(account.account_id)
                .fetch_optional(&mut *conn)
                .await?
                .map(|r| r.try_get(0))
                .transpose()?;
        if let Some(s) = open {
            return Err(bad(
                "account_number",
                format!("account {} already has settlement {s} open; cancel it first", account.account_number),
            ));
        }
        let discount = plans::discount_bp(account.balance_minor, amount);
        let status = if discount > settings.settlement_limit_bp {
            "awaiting_approval"
        } else {
            "offered"
        };
        let id = next_ids(conn, org.org_id, "settlement", 1).await?;
        sqlx::query(
            "INSERT INTO settlement (org_id, settlement_id, account_id, currency, balance_minor, amount_minor, discount_bp, offered_on, expires_on, status, note, \
             created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(org.org_id)
        .bind(id)
        .bind(account.account_id)
        .bind(account.currency.code())
        .bind(account.balance_minor)
        .bind(amount)
        .bind(discount)
        .bind(today.to_string())
        .bind(cmd.expires_on.to_string())
        .bind(status)
        .bind(cmd.note.trim())
        .bind(current_actor().name)
        .bind(now_text())
        .execute(&mut *conn)
        .await?;
        let (offer, decision) = if status == "offered" && cmd.send_offer {
            let (l, d) = self.send_offer_in(conn, org, id, today).await?;
            (l, Some(d))
        } else {
            (None, None)
        };
        let settlement = self.settlement_in(conn, org.org_id, id).await?;
        audit::append(
            conn,
            self.for_update(),
            org.org_id,
            "settlement.offer",
            &format!("account:{}", account.account_number),
            None,
            Some(&serde_json::to_value(&settlement)?),
        )
        .await?;
        tx.commit().await?;
        Ok(SettlementMade { settlement, offer, decision })
    }

    async fn send_offer_in(&self, conn: &mut AnyConnection, org: &Organisation, id: i64, today: Date) -> Result<(Option<LetterView>, DecisionView)> {
        let s = self.settlement_in(conn, org.org_id, id).await?;
        let account_id: i64 = sqlx::query("SELECT account_id FROM settlement WHERE org_id = $1 AND settlement_id = $2")
            .bind(org.org_id)
            .bind(id)
            .fetch_one(&mut *conn)
            .await?
            .try_get(0)?;
        let terms = SettlementTerms {
            balance: s.balance.clone(),
            amount: s.amount.clone(),
            discount: format!("{}%", s.discount_percent),
            expires_on: s.expires_on.clone(),
        };
        let (letter, decision) = self
            .send_letter_in(conn, org, account_id, "settlement_offer", today, |l| l.settlement = Some(terms))
            .await?;
        if let Some(l) = &letter {
            sqlx::query("UPDATE settlement SET letter_id = $3 WHERE org_id = $1 AND settlement_id = $2")
                .bind(org.org_id)
                .bind(id)
                .bind(l.letter_id)
                .execute(&mut *conn)
                .await?;
        }
        Ok((letter, decision))
    }

    /// A coordinator approves a settlement awaiting approval (never their own
    /// offer); it becomes an offer, and its letter may go.
    pub async fn approve_settlement(&self, org: &Organisation, id: i64, send_offer: bool, today: Date) -> Result<SettlementMade> {
        let mut tx = self.begin_write().await?;
        let conn = tx.conn();
        let before = self.settlement_in(conn, org.org_id, id).await?;
        if before.status != "awaiting_approval" {
            return Err(bad(
                "settlement_id",
                format!("settlement {id} is {}; only one awaiting approval can be approved", before.status),
            ));
        }
        let actor = current_actor().name;
        if actor == before.created_by {
            return Err(bad(
                "settlement_id",
                "a settlement is approved by someone other than the person who proposed it",
            ));
        }
        sqlx::query("UPDATE settlement SET status = 'offered', approved_by = $3, approved_at = $4 WHERE org_id = $1 AND settlement_id = $2")
            .bind(org.org_id)
            .bind(id)
            .bind(&actor)
            .bind(now_text())
            .execute(&mut *conn)
            .await?;
        let (offer, decision) = if send_offer {
            let (l, d) = self.send_offer_in(conn, org, id, today).await?;
            (l, Some(d))
        } else {
            (None, None)
        };
        let settlement = self.settlement_in(conn, org.org_id, id).await?;
        audit::append(
            conn,
            self.for_update(),
            org.org_id,
            "settlement.approve",
            &format!("settlement:{id}"),
            Some(&serde_json::to_value(&before)?),
            Some(&serde_json::to_value(&settlement)?),
        )
        .await?;
        tx.commit().await?;
        Ok(SettlementMade { settlement, offer, decision })
    }

    /// Declines (a coordinator, for one awaiting approval) or cancels (an offer) a settlement.
    pub async fn close_settlement(&self, org: &Organisation, id: i64, status: &str) -> Result<SettlementView> {
        let mut tx = self.begin_write().await?;
        let conn = tx.conn();
        let before = self.settlement_in(conn, org.org_id, id).await?;
        let ok = match status {
            "declined" => before.status == "awaiting_approval",
            "cancelled" => matches!(before.status.as_str(), "awaiting_approval" | "offered"),
            _ => false,
        };
        if !ok {
            return Err(bad("settlement_id", format!("settlement {id} is {}; it cannot be {status}", before.status)));
        }
        sqlx::query("UPDATE settlement SET status = $3 WHERE org_id = $1 AND settlement_id = $2")
            .bind(org.org_id)
            .bind(id)
            .bind(status)
            .execute(&mut *conn)
            .await?;
        let after = self.settlement_in(conn, org.org_id, id).await?;
        audit::append(
            conn,
            self.for_update(),
            org.org_id,
            "settlement.close",
            &format!("settlement:{id}"),
            Some(&serde_json::to_value(&before)?),
            Some(&serde_json::to_value(&after)?),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    async fn settlement_in(&self, conn: &mut AnyConnection, org_id: i64, id: i64) -> Result<SettlementView> {
        let r = sqlx::query(
            "SELECT s.settlement_id, a.account_number, s.currency, s.balance_minor, s.amount_minor, s.discount_bp, s.offered_on, s.expires_on, s.status, \
             s.approved_by, s.paid_on, s.adjustment_entry_id, s.letter_id, s.note, s.created_by FROM settlement s \
             JOIN account a ON a.org_id = s.org_id AND a.account_id = s.account_id WHERE s.org_id = $1 AND s.settlement_id = $2",
        )
        .bind(org_id)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::not_found("settlement", id))?;
        let currency = Currency::from_code(&r.try_get::<String, _>(2)?).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        Ok(SettlementView {
            settlement_id: r.try_get(0)?,
            account_number: r.try_get(1)?,
            balance: fmt(r.try_get(3)?, currency),
            amount: fmt(r.try_get(4)?, currency),
            discount_percent: percent(r.try_get(5)?),
            offered_on: r.try_get(6)?,
            expires_on: r.try_get(7)?,
            status: r.try_get(8)?,
            approved_by: r.try_get(9)?,
            paid_on: r.try_get(10)?,
            adjustment_entry_id: r.try_get(11)?,
            letter_id: r.try_get(12)?,
            note: r.try_get(13)?,
            created_by: r.try_get(14)?,
        })
    }

    /// Settlements of one account, or all awaiting approval or offered.
    pub async fn settlements(&self, org: &Organisation, account_number: Option<&str>) -> Result<Vec<SettlementView>> {
        self.note_read(
            org.org_id,
            "settlement.list",
            &account_number.map_or_else(|| "settlements".to_string(), |n| format!("account:{}", n.trim().to_ascii_uppercase())),
        )
        .await?;
        let mut conn = self.pool().acquire().await?;
        let rows = match account_number {
            Some(n) => {
                let account = self.account_by_number(&mut conn, org.org_id, n).await?;
                sqlx::query("SELECT settlement_id FROM settlement WHERE org_id = $1 AND account_id = $2 ORDER BY settlement_id DESC")
                    .bind(org.org_id)
                    .bind(account.account_id)
                    .fetch_all(&mut *conn)
                    .await?
            }
            None => {
                sqlx::query("SELECT settlement_id FROM settlement WHERE org_id = $1 ORDER BY settlement_id DESC LIMIT 500")
                    .bind(org.org_id)
                    .fetch_all(&mut *conn)
                    .await?
            }
        };
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push(self.settlement_in(&mut conn, org.org_id, r.try_get(0)?).await?);
        }
        Ok(out)
    }

    /// Offers paid by their expiry: the rest of the balance is adjusted off
    /// ("settlement"), item by item, in the same transaction as the status.
    /// Offers past their expiry unpaid expire.
    pub async fn review_settlements(&self, org: &Organisation, as_of: Date) -> Result<SettlementReview> {
        let mut review = SettlementReview::default();
        let offered: Vec<(i64, i64, i64, String, String)> = {
            let mut conn = self.pool().acquire().await?;
            sqlx::query("SELECT settlement_id, account_id, amount_minor, offered_on, expires_on FROM settlement WHERE org_id = $1 AND status = 'offered' ORDER BY settlement_id")
                .bind(org.org_id)
                .fetch_all(&mut *conn)
                .await?
                .iter()
                .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?, r.try_get(4)?)))
                .collect::<Result<_>>()?
        };
        for (id, account_id, amount, offered_on, expires_on) in offered {
            let mut tx = self.begin_write().await?;
            let conn = tx.conn();
            let expires: Date = expires_on.parse().map_err(|e| StoreError::Corrupt(format!("settlement expiry: {e}")))?;
            let payments = self.payments_since(conn, org.org_id, account_id, &offered_on).await?;
            let paid: i64 = payments.iter().filter(|(on, _)| *on <= expires && *on <= as_of).map(|(_, a)| a).sum();
            if paid >= amount {
                let paid_on = payments.iter().filter(|(on, _)| *on <= expires).map(|(on, _)| *on).max().unwrap_or(as_of);
                let items = sqlx::query(
                    "SELECT reference, balance_minor, currency FROM open_item WHERE org_id = $1 AND account_id = $2 AND balance_minor > 0 ORDER BY item_id",
                )
                .bind(org.org_id)
                .bind(account_id)
                .fetch_all(&mut *conn)
                .await?;
                let mut b = Batch::default();
                let mut last_entry = None;
                for it in &items {
                    let (reference, balance, currency): (String, i64, String) = (it.try_get(0)?, it.try_get(1)?, it.try_get(2)?);
                    let currency = Currency::from_code(&currency).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                    let cmd = NewAdjustment {
                        reference,
                        reason: "settlement".into(),
                        amount: fmt(balance, currency),
                        date: paid_on,
                        memo: format!("settlement {id} paid"),
                    };
                    self.stage_adjustment(conn, org.org_id, &cmd, &mut b).await?;
                    b.flush(conn, org.org_id).await?;
                    last_entry = Some(
                        sqlx::query("SELECT MAX(entry_id) FROM journal_entry WHERE org_id = $1 AND account_id = $2")
                            .bind(org.org_id)
                            .bind(account_id)
                            .fetch_one(&mut *conn)
                            .await?
                            .try_get::<i64, _>(0)?,
                    );
                }
                sqlx::query("UPDATE settlement SET status = 'paid', paid_on = $3, adjustment_entry_id = $4 WHERE org_id = $1 AND settlement_id = $2")
                    .bind(org.org_id)
                    .bind(id)
                    .bind(paid_on.to_string())
                    .bind(last_entry)
                    .execute(&mut *conn)
                    .await?;
                audit::append(
                    conn,
                    self.for_update(),
                    org.org_id,
                    "settlement.paid",
                    &format!("settlement:{id}"),
                    None,
                    Some(&serde_json::json!({ "paid_on": paid_on.to_string(), "items_adjusted": items.len() })),
                )
                .await?;
                review.paid += 1;
            } else if as_of > expires {
                sqlx::query("UPDATE settlement SET status = 'expired' WHERE org_id = $1 AND settlement_id = $2")
                    .bind(org.org_id)
                    .bind(id)
                    .execute(&mut *conn)
                    .await?;
                audit::append(
                    conn,
                    self.for_update(),
                    org.org_id,
                    "settlement.expired",
                    &format!("settlement:{id}"),
                    None,
                    None,
                )
                .await?;
                review.expired += 1;
            } else {
                continue;
            }
            tx.commit().await?;
        }
        Ok(review)
    }
}

fn letter_from(kind: &str, data: &str) -> Result<AnyLetter> {
    Ok(if kind == "validation_notice" {
        AnyLetter::Validation(serde_json::from_str(data)?)
    } else {
        AnyLetter::Collection(serde_json::from_str(data)?)
    })
}
