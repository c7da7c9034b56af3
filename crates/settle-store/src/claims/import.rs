//! 837P in from another system, all or nothing: every problem named by claim
//! and segment; patients found by name and birth date or opened; missing
//! payers, providers and coverages added; an adjudication attached.

use crate::batch::Batch;
use crate::billing::{NewAccount, NewParty};
use crate::claims::books::{coverages_of, Version};
use crate::claims::lifecycle::Saved;
use crate::claims::lifecycle::{ClaimInput, ClaimLineInput};
use crate::claims::rows::{claim_head_by_id, claim_number_taken, insert_claim};
use crate::claims::{bad, parse_date};
use crate::platform::Organisation;
use crate::write::{next_ids, IdBlock};
use crate::{now_text, Result, Store, StoreError};
use serde::{Deserialize, Serialize};
use settle_domain::claims::{ClaimFilingIndicator, FindingLevel, PostalAddress, Sex};
use settle_domain::codes::{Npi, ProcedureCode};
use settle_domain::money::{Currency, Money};
use settle_domain::units::Units;
use settle_domain::Date;
use settle_x12::p837;
use sqlx::{AnyConnection, Row};

/// An 837P from another system, to take its claims in.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Import837 {
    pub file_name: String,
    pub body: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct ImportedClaim {
    /// The other system's claim number (CLM01).
    pub their_number: String,
    pub claim_number: String,
    pub account_number: String,
    pub status: String,
    pub errors: i64,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Import837Outcome {
    pub claims: Vec<ImportedClaim>,
    pub payers_added: Vec<String>,
    pub providers_added: Vec<String>,
    pub accounts_added: Vec<String>,
    pub coverages_added: i64,
    /// What the file says that Settle read but does not keep, by claim and
    /// segment ("claim 051068: CR1 (segment 31, loop 2300)"), so nothing is
    /// dropped without saying so.
    #[serde(default)]
    pub not_kept: Vec<String>,
}

pub(super) fn x12_date(field: &str, text: &str, at: usize) -> std::result::Result<Date, String> {
    settle_x12::parse_date8(text).ok_or_else(|| format!("segment {at}: {field} {text:?} is not a date (CCYYMMDD)"))
}

pub(super) fn title(text: &str) -> String {
    text.split_whitespace()
        .map(|w| {
            let lower = w.to_lowercase();
            let mut c = lower.chars();
            c.next().map(|f| f.to_uppercase().collect::<String>() + c.as_str()).unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The address of N3/N4, street and city in title case, checked as any
/// address is; `who` names the loop in a refusal.
pub(super) fn incoming_address(p: &settle_x12::p837::PersonIn, who: &str) -> Result<Option<PostalAddress>> {
    if !p.has_address() {
        return Ok(None);
    }
    let region = if p.country.is_empty() { &p.state } else { &p.region };
    PostalAddress::new(&title(&p.street), &title(&p.street2), &title(&p.city), region, &p.zip, &p.country)
        .map(Some)
        .map_err(|e| bad("file", format!("{who}'s address (N3/N4): {e}")))
}

/// A claim read from the file, checked, with what it needs from the books.
pub(super) struct Incoming {
    pub(super) claim: settle_x12::p837::ClaimIn,
    pub(super) patient: settle_x12::p837::PersonIn,
    pub(super) relationship: &'static str,
    pub(super) born: Date,
    pub(super) filing: ClaimFilingIndicator,
    pub(super) first_date: Date,
}

/// Puts the primary payer's adjudication (its latest posted answer) on the
/// primary coverage of a secondary claim: 2320 CAS and AMT, 2430 per line.
pub(super) async fn attach_adjudication(conn: &mut AnyConnection, org_id: i64, primary_claim_id: i64, out: &mut p837::ClaimOut) -> Result<()> {
    let Some(row) = sqlx::query(
        "SELECT x.remittance_id, x.seq, x.paid_minor, x.patient_minor, r.paid_on, r.currency FROM remittance_claim x \
         JOIN remittance r ON r.org_id = x.org_id AND r.remittance_id = x.remittance_id \
         WHERE x.org_id = $1 AND x.claim_id = $2 AND x.outcome = 'posted' ORDER BY x.remittance_id DESC, x.seq DESC LIMIT 1",
    )
    .bind(org_id)
    .bind(primary_claim_id)
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Err(bad("claim_number", "the primary claim has no posted remittance to pass on"));
    };
    let (remittance_id, seq): (i64, i64) = (row.try_get("remittance_id")?, row.try_get("seq")?);
    let cur = Currency::from_code(&row.try_get::<String, _>("currency")?).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let adjustments = sqlx::query(
        "SELECT line_seq, group_code, reason_code, amount_minor FROM remittance_adjustment WHERE org_id = $1 AND remittance_id = $2 AND seq = $3 ORDER BY line_seq, n",
    )
    .bind(org_id)
    .bind(remittance_id)
    .bind(seq)
    .fetch_all(&mut *conn)
    .await?;
    let adjustment_rows: Vec<(i64, p837::AdjustmentOut)> = adjustments
        .iter()
        .map(|a| {
            Ok((
                a.try_get("line_seq")?,
                p837::AdjustmentOut {
                    group: a.try_get("group_code")?,
                    reason: a.try_get("reason_code")?,
                    amount: Money::from_minor(a.try_get("amount_minor")?, cur),
                },
            ))
        })
        .collect::<Result<_>>()?;
    let lines = sqlx::query(
        "SELECT line_seq, claim_line_no, paid_minor, units FROM remittance_line WHERE org_id = $1 AND remittance_id = $2 AND seq = $3 ORDER BY line_seq",
    )
    .bind(org_id)
    .bind(remittance_id)
    .bind(seq)
    .fetch_all(&mut *conn)
    .await?;
    let mut answered = Vec::new();
    for l in &lines {
        let (line_seq, line_no): (i64, Option<i64>) = (l.try_get("line_seq")?, l.try_get("claim_line_no")?);
        let Some(line_no) = line_no else { continue };
        // SVC05 left out means one unit (the 835 guide).
        let units: String = l.try_get("units")?;
        let units = Units::parse(&units).ok().filter(|u| !u.is_zero()).unwrap_or(Units::ONE);
        answered.push(p837::LineAdjudication {
            line: (line_no - 1).max(0) as usize,
            paid: Money::from_minor(l.try_get("paid_minor")?, cur),
            units,
            adjustments: adjustment_rows.iter().filter(|(s, _)| *s == line_seq).map(|(_, a)| a.clone()).collect(),
        });
    }
    let adjudication = p837::Adjudication {
        paid: Money::from_minor(row.try_get("paid_minor")?, cur),
        patient_responsibility: Money::from_minor(row.try_get("patient_minor")?, cur),
        adjudicated_on: parse_date(&row.try_get::<String, _>("paid_on")?)?,
        claim_adjustments: adjustment_rows.iter().filter(|(s, _)| *s == 0).map(|(_, a)| a.clone()).collect(),
        lines: answered,
    };
    match out.other_coverage.iter_mut().find(|o| o.priority == 'P') {
        Some(primary) => primary.adjudication = Some(adjudication),
        None => return Err(bad("claim_number", "the secondary claim has no primary coverage to carry the adjudication")),
    }
    Ok(())
}

/// A sender's claim number (CLM01) as Settle keeps it.
fn their_number(clm01: &str) -> String {
    clm01.trim().to_ascii_uppercase()
}

/// The number an imported claim keeps: its CLM01, upper-cased, if it can
/// name a claim in Settle (it appears in addresses and file names).
fn kept_number(clm01: &str) -> std::result::Result<String, String> {
    let number = their_number(clm01);
    if number.is_empty() || number.len() > 38 {
        return Err(format!("CLM01 {clm01:?} must be 1 to 38 characters"));
    }
    if !number.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_')) {
        return Err(format!(
            "CLM01 {clm01:?}: an imported claim keeps its number, and Settle's claim numbers are letters, digits, '-', '.' and '_'"
        ));
    }
    Ok(number)
}

impl Store {
    /// Takes in the claims of an 837P from another system, all or nothing:
    /// every problem in the file is reported by segment and nothing is
    /// written, or every claim is entered (and scrubbed), with the payers,
    /// providers, patients and coverages it names added where missing.
    pub async fn import_837p(&self, org: &Organisation, cmd: &Import837, today: Date) -> Result<Import837Outcome> {
        let parsed = settle_x12::read(cmd.body.as_bytes());
        let mut problems: Vec<String> = parsed
            .diagnostics
            .iter()
            .filter(|d| d.severity == settle_x12::Severity::Error)
            .map(|d| d.to_string())
            .collect();
        let (claims, loose) = settle_x12::p837::read_837p(&parsed);
        problems.extend(loose.iter().map(|d| d.to_string()));
        let mut incoming = Vec::new();
        for c in claims {
            let at = c.segment_number;
            problems.extend(c.problems.iter().map(|d| format!("claim {}: {d}", c.claim_number)));
            let (relationship, patient) = match &c.patient {
                None => ("self", c.subscriber.clone()),
                Some((code, p)) => (
                    match code.as_str() {
                        "01" => "spouse",
                        "19" => "child",
                        _ => "other",
                    },
                    p.clone(),
                ),
            };
            let born = match x12_date("the patient's date of birth (DMG02)", &patient.date_of_birth, at) {
                Ok(d) => Some(d),
                Err(e) => {
                    problems.push(format!("claim {}: {e}", c.claim_number));
                    None
                }
            };
            let filing = ClaimFilingIndicator::parse(&c.filing_indicator);
            if filing.is_none() {
                problems.push(format!(
                    "claim {}: SBR09 {:?} is not a claim filing indicator Settle bills (MB, MC, HM, CI, BL)",
                    c.claim_number, c.filing_indicator
                ));
            }
            if c.payer_id.is_empty() {
                problems.push(format!("claim {}: no payer id (NM109 of 2010BB)", c.claim_number));
            }
            if let Err(e) = kept_number(&c.claim_number) {
                problems.push(format!("claim {} (segment {}): {e}", c.claim_number, c.segment_number));
            }
            if c.subscriber.id.is_empty() {
                problems.push(format!("claim {}: no member id (NM109 of 2010BA)", c.claim_number));
            }
            for (label, npi) in [("billing", Some(&c.billing.npi)), ("rendering", c.rendering.as_ref().map(|r| &r.npi))] {
                if let Some(npi) = npi {
                    if let Err(e) = Npi::parse(npi) {
                        problems.push(format!("claim {}: the {label} provider's NPI: {e}", c.claim_number));
                    }
                }
            }
            let mut first = None;
            for line in &c.lines {
                match x12_date("the date of service (DTP*472)", &line.date_of_service, line.segment_number) {
                    Ok(d) => first = Some(first.map_or(d, |f: Date| f.min(d))),
                    Err(e) => problems.push(format!("claim {}: {e}", c.claim_number)),
                }
                if line.qualifier != "HC" {
                    problems.push(format!(
                        "claim {}: segment {}: procedure qualifier {:?} is not HC (CPT/HCPCS)",
                        c.claim_number, line.segment_number, line.qualifier
                    ));
                } else if let Err(e) = ProcedureCode::parse(&line.procedure) {
                    problems.push(format!("claim {}: segment {}: {e}", c.claim_number, line.segment_number));
                }
            }
            if let (Some(born), Some(filing), Some(first_date)) = (born, filing, first) {
                incoming.push(Incoming {
                    claim: c,
                    patient,
                    relationship,
                    born,
                    filing,
                    first_date,
                });
            }
        }
        if incoming.is_empty() && problems.is_empty() {
            problems.push("the file holds no professional claims".into());
        }
        if !problems.is_empty() {
            let shown = problems.len().min(50);
            let more = if problems.len() > shown {
                format!(" (and {} more)", problems.len() - shown)
            } else {
                String::new()
            };
            return Err(bad(
                "file",
                format!("{}: nothing imported: {}{more}", cmd.file_name, problems[..shown].join("; ")),
            ));
        }

        let incoming = &incoming;
        self.write(|tx| Box::pin(async move {
            let conn = tx.conn();
            // Each claim keeps its sender's number (CLM01), so the payer's
            // answers to the sender's file find it: one already in the books
            // refuses the file.
            let mut taken = Vec::new();
            for inc in incoming {
                let number = their_number(&inc.claim.claim_number);
                if claim_number_taken(conn, org.org_id, &number).await? {
                    taken.push(format!("{number} (segment {})", inc.claim.segment_number));
                }
            }
            if !taken.is_empty() {
                return Err(bad(
                    "file",
                    format!(
                        "{}: nothing imported: the books already hold claim(s) {}; an imported claim keeps its number, so it cannot be imported twice",
                        cmd.file_name,
                        taken.join(", ")
                    ),
                ));
            }
            let mut outcome = Import837Outcome::default();
            let mut told_pay_to = std::collections::BTreeSet::new();
            for inc in incoming {
                let c = &inc.claim;
                let account_number = self.import_patient(conn, org, inc, today, &mut outcome).await?;
                let payer_code = c.payer_id.trim().to_ascii_uppercase();
                let exists = sqlx::query("SELECT 1 FROM payer WHERE org_id = $1 AND payer_code = $2")
                    .bind(org.org_id)
                    .bind(&payer_code)
                    .fetch_optional(&mut *conn)
                    .await?
                    .is_some();
                if !exists {
                    let key = next_ids(conn, org.org_id, "payer", 1).await?;
                    sqlx::query(
                        "INSERT INTO payer (org_id, payer_key, payer_code, name, filing_indicator, timely_filing_days, address, created_at) VALUES ($1, $2, $3, $4, $5, 365, '', $6)",
                    )
                    .bind(org.org_id)
                    .bind(key)
                    .bind(&payer_code)
                    .bind(title(&c.payer_name))
                    .bind(inc.filing.code())
                    .bind(now_text())
                    .execute(&mut *conn)
                    .await?;
                    outcome.payers_added.push(payer_code.clone());
                }
                for (p, billing) in [(Some(&c.billing), true), (c.rendering.as_ref(), false)] {
                    let Some(p) = p else { continue };
                    let npi = Npi::parse(&p.npi).map_err(|e| bad("file", e))?;
                    let pay_to = match (&p.pay_to, billing) {
                        (Some(to), true) => incoming_address(to, &format!("billing provider {}'s pay-to (2010AB)", p.npi))?,
                        _ => None,
                    };
                    let on_file: Option<String> = sqlx::query_scalar("SELECT pay_to FROM provider WHERE org_id = $1 AND npi = $2")
                        .bind(org.org_id)
                        .bind(npi.as_str())
                        .fetch_optional(&mut *conn)
                        .await?;
                    if let Some(on_file) = on_file {
                        // The provider on file is the organisation's own
                        // record; a file that says otherwise is told, not
                        // merged.
                        let kept = super::payers::pay_to_of(&on_file)?;
                        if billing && pay_to.is_some() && kept != pay_to && !told_pay_to.contains(npi.as_str()) {
                            told_pay_to.insert(npi.as_str().to_string());
                            outcome.not_kept.push(format!(
                                "billing provider {}: the file's pay-to address (2010AB) {} is not the one on file ({}); the one on file is kept",
                                npi.as_str(),
                                pay_to.as_ref().map(PostalAddress::one_line).unwrap_or_default(),
                                kept.as_ref().map(PostalAddress::one_line).unwrap_or_else(|| "none: payments go to its own address".into())
                            ));
                        }
                        continue;
                    }
                    let key = next_ids(conn, org.org_id, "provider", 1).await?;
                    let address = if billing {
                        incoming_address(&p.person, &format!("the billing provider {}", p.npi))?
                    } else {
                        None
                    };
                    let sql = format!(
                        "INSERT INTO provider (org_id, provider_key, npi, name, kind, taxonomy, tax_id, address, created_at, pay_to, {}) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
                        crate::address::COLUMNS
                    );
                    let query = sqlx::query(&sql)
                        .bind(org.org_id)
                        .bind(key)
                        .bind(npi.as_str())
                        .bind(title(&p.name))
                        .bind(if p.entity == "2" { "organisation" } else { "person" })
                        .bind(p.taxonomy.to_ascii_uppercase())
                        .bind(if billing { p.tax_id.replace('-', "") } else { String::new() })
                        .bind(address.as_ref().map(PostalAddress::one_line).unwrap_or_default())
                        .bind(now_text())
                        .bind(super::payers::pay_to_text(pay_to.as_ref())?);
                    crate::address::bind_fields(query, address.as_ref()).execute(&mut *conn).await?;
                    outcome.providers_added.push(npi.as_str().to_string());
                }
                let account = self.account_by_number(conn, org.org_id, &account_number).await?;
                let covered = coverages_of(conn, org.org_id, account.account_id)
                    .await?
                    .into_iter()
                    .any(|v| v.payer.code == payer_code);
                if !covered {
                    let key = next_ids(conn, org.org_id, "coverage", 1).await?;
                    let priority = match c.priority.as_str() {
                        "S" => "secondary",
                        "T" => "tertiary",
                        _ => "primary",
                    };
                    let subscriber = if inc.relationship == "self" {
                        String::new()
                    } else {
                        title(&format!("{} {}", c.subscriber.first, c.subscriber.last))
                    };
                    let from = Date::new(inc.first_date.year(), 1, 1).unwrap_or(inc.first_date);
                    sqlx::query(
                        "INSERT INTO coverage (org_id, coverage_key, account_id, payer_key, member_id, group_number, subscriber_name, relationship, priority, effective_from, effective_to, created_at) \
                         SELECT $1, $2, $3, payer_key, $4, $5, $6, $7, $8, $9, NULL, $10 FROM payer WHERE org_id = $1 AND payer_code = $11",
                    )
                    .bind(org.org_id)
                    .bind(key)
                    .bind(account.account_id)
                    .bind(&c.subscriber.id)
                    .bind(&c.group_number)
                    .bind(subscriber)
                    .bind(inc.relationship)
                    .bind(priority)
                    .bind(from.to_string())
                    .bind(now_text())
                    .bind(&payer_code)
                    .execute(&mut *conn)
                    .await?;
                    outcome.coverages_added += 1;
                }
                // Units as sent, to the thousandth; a finer fraction or
                // no units is refused, never rounded away.
                let mut units = Vec::with_capacity(c.lines.len());
                for l in &c.lines {
                    match Units::parse(&l.units) {
                        Ok(u) if !u.is_zero() => units.push(u),
                        Ok(_) => return Err(bad("file", format!("{}: claim {} (segment {}): SV104 {:?} is not above zero", cmd.file_name, c.claim_number, l.segment_number, l.units))),
                        Err(e) => return Err(bad("file", format!("{}: claim {} (segment {}): SV104 {e}", cmd.file_name, c.claim_number, l.segment_number))),
                    }
                }
                let input = ClaimInput {
                    account_number: account_number.clone(),
                    payer_code: Some(payer_code.clone()),
                    billing_npi: c.billing.npi.clone(),
                    rendering_npi: c.rendering.as_ref().map(|r| r.npi.clone()),
                    place_of_service: c.place_of_service.clone(),
                    diagnoses: c.diagnoses.clone(),
                    lines: c
                        .lines
                        .iter()
                        .zip(&units)
                        .map(|(l, units)| ClaimLineInput {
                            date_of_service: x12_date("", &l.date_of_service, 0).unwrap_or(inc.first_date),
                            procedure_code: l.procedure.clone(),
                            modifiers: l.modifiers.clone(),
                            diagnosis_pointers: l.pointers.iter().filter_map(|p| p.parse().ok()).collect(),
                            units: *units,
                            charge: Some(l.charge.clone()),
                            place_of_service: Some(l.place_of_service.clone()).filter(|p| !p.is_empty()),
                            facts: l.facts.clone(),
                        })
                        .collect(),
                    stated_total: Some(c.total.clone()),
                    facts: c.facts.clone(),
                };
                let prepared = self.prepare(conn, org, &input, today, None, Version::ORIGINAL).await.map_err(|e| {
                    bad(
                        "file",
                        format!("{}: claim {} (segment {}): {e}", cmd.file_name, c.claim_number, c.segment_number),
                    )
                })?;
                let claim_id = next_ids(conn, org.org_id, "claim", 1).await?;
                let number = their_number(&c.claim_number);
                insert_claim(conn, org.org_id, claim_id, &number, &prepared, Version::ORIGINAL, None).await?;
                self.settle_status(
                    conn,
                    org,
                    Saved {
                        claim_id,
                        number: &number,
                        draft: false,
                        what: &format!("imported from {} (their claim {})", cmd.file_name, c.claim_number),
                    },
                    &prepared,
                    today,
                )
                .await?;
                let head = claim_head_by_id(conn, org.org_id, claim_id).await?;
                if !c.not_kept.is_empty() {
                    let listed: Vec<String> = c.not_kept.iter().map(|(n, id, l)| format!("{id} (segment {n}, loop {l})")).collect();
                    outcome.not_kept.push(format!("claim {}: {}", c.claim_number, listed.join(", ")));
                }
                outcome.claims.push(ImportedClaim {
                    their_number: c.claim_number.clone(),
                    claim_number: number,
                    account_number,
                    status: head.status.as_str().into(),
                    errors: prepared.findings.iter().filter(|f| f.level == FindingLevel::Error).count() as i64,
                });
            }
            tx.audit(
                org.org_id,
                "claims.import",
                &format!("file:{}", cmd.file_name),
                None,
                Some(&serde_json::to_value(&outcome)?),
            )
            .await?;
            Ok(outcome)
        }))
        .await
    }

    /// The patient's account: found by name and date of birth, or opened.
    pub(super) async fn import_patient(
        &self,
        conn: &mut AnyConnection,
        org: &Organisation,
        inc: &Incoming,
        today: Date,
        outcome: &mut Import837Outcome,
    ) -> Result<String> {
        let name = title(&format!("{} {}", inc.patient.first, inc.patient.last));
        let found = sqlx::query(
            "SELECT a.account_number FROM account a JOIN party p ON p.org_id = a.org_id AND p.party_id = a.party_id \
             WHERE a.org_id = $1 AND a.ar_kind = 'patient' AND p.date_of_birth = $2 AND LOWER(p.name) = LOWER($3) ORDER BY a.account_id LIMIT 1",
        )
        .bind(org.org_id)
        .bind(inc.born.to_string())
        .bind(&name)
        .fetch_optional(&mut *conn)
        .await?;
        if let Some(row) = found {
            return Ok(row.try_get("account_number")?);
        }
        let taken: i64 = sqlx::query("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM account WHERE org_id = $1 AND account_number LIKE 'IMP-%'")
            .bind(org.org_id)
            .fetch_one(&mut *conn)
            .await?
            .try_get("n")?;
        let number = format!("IMP-{:06}", taken + 1);
        let address = incoming_address(&inc.patient, &format!("the patient of claim {}", inc.claim.claim_number))?
            .map(|a| crate::address::AddressFields::from(&a).into());
        let mut batch = Batch::default();
        self.stage_account(
            conn,
            org,
            &NewAccount {
                account_number: number.clone(),
                party: NewParty {
                    kind: "person".into(),
                    // The sender's NM103 and NM104: the parts as they came.
                    name_parts: Some(crate::names::NameParts {
                        last: title(&inc.patient.last),
                        first: title(&inc.patient.first),
                        ..Default::default()
                    }),
                    date_of_birth: Some(inc.born),
                    sex: Some(inc.patient.sex.clone()).filter(|s| Sex::parse(s).is_some()),
                    address,
                    ..NewParty::default()
                },
                ar_kind: "patient".into(),
                currency: None,
                payment_terms: None,
                opened_on: today,
            },
            &mut batch,
            &mut IdBlock::default(),
        )
        .await?;
        batch.flush(conn, org.org_id).await?;
        outcome.accounts_added.push(number.clone());
        Ok(number)
    }
}
