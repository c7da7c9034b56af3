//! 837P batches out: ready claims grouped by payer, the batch's books loaded
//! in a few queries, each claim checked again, the file kept; the files kept.

use crate::address::{CURRENT_COLUMNS as CURRENT_ADDRESS_COLUMNS, CURRENT_JOIN as CURRENT_ADDRESS_JOIN};
use crate::claims::books::{billed_lines, coverages_in, payer_by_code, Books, Patient, PayerRow, ProviderRow, Scope, Version};
use crate::claims::import::attach_adjudication;
use crate::claims::lifecycle::{ClaimInput, ClaimLineInput};
use crate::claims::read::FindingView;
use crate::claims::rows::{claim_out, head_from_row, mark_submitted, set_status, ClaimHead};
use crate::claims::{bad, facts_of, parse_date, split_list};
use crate::names::PARTY_NAME_COLUMNS;
use crate::platform::audit::current_actor;
use crate::platform::Organisation;
use crate::write::Unaudited;
use crate::write::{fmt, next_ids};
use crate::{now_text, Result, Store, StoreError};
use serde::{Deserialize, Serialize};
use settle_domain::address::KeptAddress;
use settle_domain::claims::{BilledLine, ClaimFrequency, ClaimStatus, FindingLevel, Sex};
use settle_domain::codes::{Modifier, ProcedureCode};
use settle_domain::money::{Currency, Money};
use settle_domain::Date;
use settle_x12::p837;
use sqlx::{AnyConnection, Row};
use std::collections::{BTreeMap, HashMap};

/// Send one payer's ready claims (every one, or those chosen) as an 837P batch.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExportClaims {
    pub payer_code: String,
    /// Only these claims (each ready and the payer's, named once); every
    /// ready claim of the payer when empty.
    #[serde(default)]
    pub claims: Vec<String>,
    /// "T" test files unless asked for production.
    #[serde(default)]
    pub production: bool,
}

/// A claim the export left behind, and why.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct HeldClaim {
    pub claim_number: String,
    pub findings: Vec<FindingView>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct ExportOutcome {
    /// None when no claim was ready.
    pub file_id: Option<i64>,
    pub file_name: String,
    pub interchange_control: i64,
    pub claims: Vec<String>,
    pub total: String,
    /// Ready claims that failed the scrubber at export (timely filing passed
    /// since they were saved, a coverage ended): back to scrubbed.
    pub held: Vec<HeldClaim>,
    /// The 837P itself.
    pub body: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct X12FileView {
    pub file_id: i64,
    /// out (837P) or in (999, 277CA).
    pub direction: String,
    pub kind: String,
    pub payer_code: Option<String>,
    pub interchange_control: i64,
    pub claim_count: i64,
    pub total: String,
    pub summary: String,
    pub created_by: String,
    pub created_at: String,
}

// ---------------------------------------------------------------- loading

/// The claims chosen to send, upper-cased: each must be named once, be the
/// payer's and be ready, or the whole send is refused naming it.
async fn chosen_claims(conn: &mut AnyConnection, org_id: i64, payer: &PayerRow, claims: &[String]) -> Result<Vec<String>> {
    let mut chosen: Vec<String> = Vec::with_capacity(claims.len());
    for (i, raw) in claims.iter().enumerate() {
        let number = raw.trim().to_ascii_uppercase();
        let place = i + 1;
        if number.is_empty() {
            return Err(bad("claims", format!("choice {place} is empty; name a claim number")));
        }
        if chosen.contains(&number) {
            return Err(bad("claims", format!("choice {place}: claim {number} is chosen twice")));
        }
        let row = sqlx::query("SELECT c.status, y.payer_code FROM claim c JOIN payer y ON y.org_id = c.org_id AND y.payer_key = c.payer_key WHERE c.org_id = $1 AND c.claim_number = $2")
            .bind(org_id)
            .bind(&number)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| bad("claims", format!("choice {place}: there is no claim {number}")))?;
        let (status, payer_code): (String, String) = (row.try_get("status")?, row.try_get("payer_code")?);
        if payer_code != payer.code {
            return Err(bad(
                "claims",
                format!(
                    "choice {place}: claim {number} is billed to {payer_code}, not {}; send one payer's claims at a time",
                    payer.code
                ),
            ));
        }
        if status != ClaimStatus::Ready.as_str() {
            return Err(bad(
                "claims",
                format!("choice {place}: claim {number} is {}, not ready to send", status.replace('_', " ")),
            ));
        }
        chosen.push(number);
    }
    Ok(chosen)
}

impl Store {
    /// Sends every ready claim for a payer as one 837P: claims that fail
    /// the scrubber now are held back (status scrubbed), the rest are
    /// written, recorded and marked submitted, all in one transaction.
    pub async fn export_claims(&self, org: &Organisation, cmd: &ExportClaims, today: Date) -> Result<ExportOutcome> {
        let settings = self.settings(org).await?;
        let phone = settings.x12_contact_phone.clone();
        if phone.len() != 10 {
            return Err(bad(
                "x12_contact_phone",
                "set the organisation's X12 contact phone (ten digits) in Settings before sending claims; the 837P must name someone to call",
            ));
        }
        let actor = current_actor();
        let (actor, phone, settings) = (&actor, &phone, &settings);
        self.write(|tx| Box::pin(async move {
            let conn = tx.conn();
            let payer = payer_by_code(conn, org.org_id, &cmd.payer_code).await?;
            let chosen = chosen_claims(conn, org.org_id, &payer, &cmd.claims).await?;
            let ready = self.ready_batch(conn, org, &payer, settings, &chosen).await?;
            let mut held = Vec::new();
            let mut by_provider: BTreeMap<i64, (ProviderRow, Vec<p837::ClaimOut>)> = BTreeMap::new();
            let mut sent = Vec::new();
            let mut total = Money::zero(Currency::from_code(&org.base_currency).map_err(|e| StoreError::Corrupt(e.to_string()))?);
            let (books, claims) = ready;
            // Each claim's input is let go once its 837P segments are built.
            for (head, input) in claims {
                let (head, input) = (&head, &input);
                let (claim_id, number) = (&head.claim_id, &head.number);
                let prepared = books.build(
                    input,
                    today,
                    Some(*claim_id),
                    Version {
                        frequency: head.frequency,
                        payer_claim_number: &head.payer_claim_number,
                    },
                )?;
                if prepared.findings.iter().any(|f| f.level == FindingLevel::Error) {
                    set_status(
                        conn,
                        org.org_id,
                        *claim_id,
                        ClaimStatus::Scrubbed,
                        "held back from the 837P: the scrubber found errors",
                        &prepared.findings,
                    )
                    .await?;
                    held.push(HeldClaim {
                        claim_number: number.clone(),
                        findings: prepared.findings.iter().map(FindingView::from).collect(),
                    });
                    continue;
                }
                total = total.checked_add(prepared.claim.stated_total).map_err(|e| bad("total", e))?;
                if prepared.filled {
                    // An authorization recorded since the claim was saved: kept as sent.
                    crate::claims::rows::keep_authorizations(conn, org.org_id, *claim_id, &prepared).await?;
                }
                let mut out = claim_out(number, head, &prepared)?;
                if let Some(primary) = head.primary_claim_id {
                    attach_adjudication(conn, org.org_id, primary, &mut out).await?;
                }
                by_provider
                    .entry(prepared.billing.provider_key)
                    .or_insert_with(|| (prepared.billing.clone(), Vec::new()))
                    .1
                    .push(out);
                sent.push((*claim_id, number.clone()));
            }
            if sent.is_empty() {
                if held.is_empty() {
                    tx.unaudited(Unaudited::NothingWritten);
                } else {
                    let held_numbers: Vec<&String> = held.iter().map(|h| &h.claim_number).collect();
                    let detail = serde_json::json!({ "payer": payer.code, "claims": [], "held": held_numbers });
                    tx.audit(org.org_id, "claims.export", "x12_file:none", None, Some(&detail)).await?;
                }
                return Ok(ExportOutcome {
                    file_id: None,
                    file_name: String::new(),
                    interchange_control: 0,
                    claims: vec![],
                    total: total.to_decimal_string(),
                    held,
                    body: String::new(),
                });
            }
            let control = next_ids(conn, org.org_id, "x12_control", 1).await?;
            let file_id = next_ids(conn, org.org_id, "x12_file", 1).await?;
            let first = by_provider
                .values()
                .next()
                .map(|(p, _)| p.clone())
                .ok_or_else(|| StoreError::Corrupt("no provider".into()))?;
            let submitter_id = if settings.x12_submitter_id.is_empty() {
                first.tax_id.clone()
            } else {
                settings.x12_submitter_id.clone()
            };
            let now = jiff::Zoned::now().with_time_zone(jiff::tz::TimeZone::UTC);
            let mut providers = Vec::new();
            for (provider, claims) in by_provider.into_values() {
                let address = provider
                    .address
                    .as_ref()
                    .and_then(KeptAddress::postal)
                    .cloned()
                    .ok_or_else(|| bad("billing_npi", format!("the billing provider {} has no address read into fields", provider.name)))?;
                providers.push(p837::ProviderClaims {
                    billing: p837::BillingProvider {
                        name: provider.name.clone(),
                        npi: provider.npi.clone(),
                        taxonomy: provider.taxonomy.clone(),
                        tax_id: provider.tax_id.clone(),
                        address,
                        pay_to: provider.pay_to.clone(),
                    },
                    claims,
                });
            }
            let submission = p837::Submission {
                submitter_name: org.name.clone(),
                submitter_id: submitter_id.clone(),
                contact_name: "BILLING OFFICE".into(),
                contact_phone: phone.clone(),
                receiver_name: payer.name.clone(),
                receiver_id: payer.code.clone(),
                created_on: today,
                created_at: now.strftime("%H%M").to_string(),
                interchange_control: u32::try_from(control).map_err(|_| StoreError::Corrupt("control number overflow".into()))?,
                group_control: u32::try_from(control).map_err(|_| StoreError::Corrupt("control number overflow".into()))?,
                reference: format!("{file_id:06}"),
                production: cmd.production,
                payer_name: payer.name.clone(),
                payer_id: payer.code.clone(),
                providers,
            };
            let body = p837::write_837p(&submission).map_err(|e| bad("claims", e))?;
            let claims: Vec<String> = sent.iter().map(|(_, n)| n.clone()).collect();
            sqlx::query(
                "INSERT INTO x12_file (org_id, file_id, direction, kind, payer_key, interchange_control, group_control, claim_count, total_minor, body, summary, created_by, created_at) \
                 VALUES ($1, $2, 'out', '837P', $3, $4, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(org.org_id)
            .bind(file_id)
            .bind(payer.payer_key)
            .bind(control)
            .bind(claims.len() as i64)
            .bind(total.amount_minor())
            .bind(&body)
            .bind(format!("{} claim(s): {}", claims.len(), claims.join(" ")))
            .bind(&actor.name)
            .bind(now_text())
            .execute(&mut *conn)
            .await?;
            let ids: Vec<i64> = sent.iter().map(|(id, _)| *id).collect();
            mark_submitted(conn, org.org_id, &ids, file_id, today, &format!("sent in 837P file {file_id} (ISA13 {control:09})")).await?;
            tx.audit(
                org.org_id,
                "claims.export",
                &format!("x12_file:{file_id}"),
                None,
                Some(&serde_json::json!({ "payer": payer.code, "claims": claims, "held": held.iter().map(|h| &h.claim_number).collect::<Vec<_>>() })),
            )
            .await?;
            Ok(ExportOutcome {
                file_id: Some(file_id),
                file_name: format!("837P-{}-{control:09}.x12", payer.code),
                interchange_control: control,
                claims,
                total: total.to_decimal_string(),
                held,
                body,
            })
        }))
        .await
    }

    /// A payer's ready claims (locked), read back as inputs, with the books
    /// to scrub them against, in a handful of queries whatever their number.
    pub(super) async fn ready_batch(
        &self,
        conn: &mut AnyConnection,
        org: &Organisation,
        payer: &PayerRow,
        settings: &crate::billing::OrgSettings,
        chosen: &[String],
    ) -> Result<(Books, Vec<(ClaimHead, ClaimInput)>)> {
        let scope = Scope::ReadyFor(payer.payer_key);
        let lock = if self.for_update().is_empty() { "" } else { " FOR UPDATE OF c" };
        let rows = sqlx::query(&format!(
            "SELECT c.claim_id, c.claim_number, c.status, c.frequency, c.payer_claim_number, c.replaces_claim_id, c.charged_entry_id, \
             a.account_number, b.npi AS billing_npi, r.npi AS rendering_npi, c.place_of_service, c.diagnoses, c.primary_claim_id, c.facts \
             FROM claim c JOIN account a ON a.org_id = c.org_id AND a.account_id = c.account_id \
             JOIN provider b ON b.org_id = c.org_id AND b.provider_key = c.billing_provider_key \
             LEFT JOIN provider r ON r.org_id = c.org_id AND r.provider_key = c.rendering_provider_key \
             WHERE c.org_id = $1 AND c.payer_key = $2 AND c.status = 'ready' ORDER BY c.claim_id{lock}"
        ))
        .bind(org.org_id)
        .bind(payer.payer_key)
        .fetch_all(&mut *conn)
        .await?;
        let lines = sqlx::query(
            "SELECT l.claim_id, l.date_of_service, l.procedure_code, l.modifiers, l.diagnosis_pointers, l.units_thousandths, l.charge_minor, l.place_of_service, l.facts \
             FROM claim_line l JOIN claim c ON c.org_id = l.org_id AND c.claim_id = l.claim_id \
             WHERE c.org_id = $1 AND c.payer_key = $2 AND c.status = 'ready' ORDER BY l.claim_id, l.line_no",
        )
        .bind(org.org_id)
        .bind(payer.payer_key)
        .fetch_all(&mut *conn)
        .await?;
        let cur = Currency::from_code(&org.base_currency).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let mut by_claim: HashMap<i64, Vec<ClaimLineInput>> = HashMap::new();
        for l in &lines {
            by_claim.entry(l.try_get("claim_id")?).or_default().push(ClaimLineInput {
                date_of_service: parse_date(&l.try_get::<String, _>("date_of_service")?)?,
                procedure_code: l.try_get("procedure_code")?,
                modifiers: split_list(&l.try_get::<String, _>("modifiers")?),
                diagnosis_pointers: split_list(&l.try_get::<String, _>("diagnosis_pointers")?)
                    .iter()
                    .filter_map(|p| p.parse().ok())
                    .collect(),
                units: crate::write::units(l, "units_thousandths")?,
                charge: Some(fmt(l.try_get("charge_minor")?, cur)),
                place_of_service: l.try_get("place_of_service")?,
                facts: facts_of(l)?,
            });
        }
        // The rows are read into claims and let go as they are: a batch of
        // 100,000 claims should not hold its rows and its claims at once.
        drop(lines);
        let mut claims = Vec::with_capacity(rows.len());
        for r in rows {
            let r = &r;
            let head = head_from_row(r)?;
            if !chosen.is_empty() && !chosen.contains(&head.number) {
                continue;
            }
            let input = ClaimInput {
                account_number: r.try_get("account_number")?,
                payer_code: Some(payer.code.clone()),
                billing_npi: r.try_get("billing_npi")?,
                rendering_npi: r.try_get("rendering_npi")?,
                place_of_service: r.try_get("place_of_service")?,
                diagnoses: split_list(&r.try_get::<String, _>("diagnoses")?),
                lines: by_claim.remove(&head.claim_id).unwrap_or_default(),
                stated_total: None,
                facts: facts_of(r)?,
            };
            claims.push((head, input));
        }
        let mut books = Books {
            rules_off: settings.scrub_rules_off.clone(),
            ..Books::default()
        };
        books.load_parties(conn, org.org_id).await?;
        books.load_authorizations(conn, org.org_id, None).await?;
        let accounts = sqlx::query(&format!(
            "SELECT a.account_id, a.account_number, a.ar_kind, a.currency, a.status, a.payment_terms, a.balance_minor, a.credit_minor, \
             p.name, {PARTY_NAME_COLUMNS}, p.date_of_birth, p.sex, {CURRENT_ADDRESS_COLUMNS} \
             FROM account a JOIN party p ON p.org_id = a.org_id AND p.party_id = a.party_id {CURRENT_ADDRESS_JOIN} WHERE a.org_id = $1 AND {}",
            scope.on("a.account_id")
        ))
        .bind(org.org_id)
        .bind(scope.key())
        .fetch_all(&mut *conn)
        .await?;
        for r in &accounts {
            let account = crate::billing::account_from_row(r)?;
            let patient = Patient {
                name: r.try_get("name")?,
                parts: crate::names::parts_from(r, "name_")?,
                date_of_birth: r.try_get::<Option<String>, _>("date_of_birth")?.map(|d| parse_date(&d)).transpose()?,
                sex: Sex::parse(&r.try_get::<String, _>("sex")?).unwrap_or(Sex::Unknown),
                address: crate::address::kept_from(r, "value", "")?,
            };
            books.accounts.insert(account.account_number.clone(), (account, patient));
        }
        books.coverages = coverages_in(conn, org.org_id, scope).await?;
        books.billed = billed_lines(conn, org.org_id, scope).await?;
        // The batch's own original claims count too (each against the others).
        for (head, input) in claims.iter().filter(|(h, _)| h.frequency == ClaimFrequency::Original) {
            let Some((account, _)) = books.accounts.get(&input.account_number) else {
                continue;
            };
            let account_id = account.account_id;
            for l in &input.lines {
                let (Ok(procedure), Ok(modifiers)) = (
                    ProcedureCode::parse(&l.procedure_code),
                    l.modifiers.iter().map(|m| Modifier::parse(m)).collect::<Result<Vec<_>, _>>(),
                ) else {
                    continue;
                };
                books.billed.entry(account_id).or_default().push((
                    head.claim_id,
                    payer.payer_key,
                    BilledLine {
                        claim_number: head.number.clone(),
                        date_of_service: l.date_of_service,
                        procedure,
                        modifiers,
                    },
                ));
            }
        }
        Ok((books, claims))
    }

    /// X12 files sent and received, newest first.
    pub async fn x12_files(&self, org: &Organisation) -> Result<Vec<X12FileView>> {
        let rows = sqlx::query(
            "SELECT f.file_id, f.direction, f.kind, y.payer_code, f.interchange_control, f.claim_count, f.total_minor, f.summary, f.created_by, f.created_at \
             FROM x12_file f LEFT JOIN payer y ON y.org_id = f.org_id AND y.payer_key = f.payer_key WHERE f.org_id = $1 ORDER BY f.file_id DESC LIMIT 500",
        )
        .bind(org.org_id)
        .fetch_all(self.pool())
        .await?;
        let cur = Currency::from_code(&org.base_currency).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        rows.iter()
            .map(|r| {
                Ok(X12FileView {
                    file_id: r.try_get("file_id")?,
                    direction: r.try_get("direction")?,
                    kind: r.try_get("kind")?,
                    payer_code: r.try_get("payer_code")?,
                    interchange_control: r.try_get("interchange_control")?,
                    claim_count: r.try_get("claim_count")?,
                    total: fmt(r.try_get("total_minor")?, cur),
                    summary: r.try_get("summary")?,
                    created_by: r.try_get("created_by")?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect()
    }

    /// One X12 file's text, as sent or received.
    pub async fn x12_file_body(&self, org: &Organisation, file_id: i64) -> Result<(X12FileView, String)> {
        let body: String = sqlx::query("SELECT body FROM x12_file WHERE org_id = $1 AND file_id = $2")
            .bind(org.org_id)
            .bind(file_id)
            .fetch_optional(self.pool())
            .await?
            .ok_or_else(|| StoreError::not_found("x12 file", file_id))?
            .try_get("body")?;
        let view = self
            .x12_files(org)
            .await?
            .into_iter()
            .find(|f| f.file_id == file_id)
            .ok_or_else(|| StoreError::not_found("x12 file", file_id))?;
        Ok((view, body))
    }
}
