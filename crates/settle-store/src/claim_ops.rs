//! Claims kept: a visit's coded lines for one payer, scrubbed on every save,
//! charged to the payer's receivable when ready, sent in 837P batches,
//! moved by acknowledgments (999, 277CA), corrected (frequency 7) or voided
//! (frequency 8).
//!
//! Invariants: a claim's lines are on the payer's books (one open item per
//! line, `charged_entry_id` set) from its first ready until an edit, a
//! replacement or a void takes them off with a mirror entry; nothing is
//! taken off once money has been applied to it. Every status change is a
//! `claim_event` row. Every write is one transaction with its audit row.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};
use settle_domain::account::PartyKind;
use settle_domain::address::KeptAddress;
use settle_domain::claims::{
    scrub_with, split_person_name, BilledLine, ClaimFilingIndicator, ClaimFrequency, ClaimStatus, Finding, FindingLevel, PostalAddress, ProfessionalClaim,
    ServiceLine, Sex,
};
use settle_domain::codes::{IcdCode, Modifier, Npi, PlaceOfService, ProcedureCode};
use settle_domain::events::{self, Receivable};
use settle_domain::icd10::IcdCatalog;
use settle_domain::ledger::GlAccount;
use settle_domain::money::{Currency, Money};
use settle_domain::Date;
use settle_x12::p837;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::audit::{self, current_actor, Subject};
use crate::batch::{self, Batch, ItemChange, V};
use crate::ops::{
    audited, fmt, idempotency_lookup, idempotency_store, next_ids, write_command, AccountRow, Audited, IdBlock, NewAccount, NewParty, Organisation,
};
use crate::{now_text, Result, Store, StoreError};

/// A visit as a billing specialist codes it: the patient's account, the
/// payer billed (the primary coverage when left out), the providers, the
/// diagnoses and the service lines.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimInput {
    pub account_number: String,
    /// The payer to bill; the patient's primary coverage on the first date
    /// of service when left out.
    #[serde(default)]
    pub payer_code: Option<String>,
    pub billing_npi: String,
    #[serde(default)]
    pub rendering_npi: Option<String>,
    /// Two digits, such as 11 (office).
    pub place_of_service: String,
    /// ICD-10-CM codes, with or without the dot; the first is the principal.
    pub diagnoses: Vec<String>,
    pub lines: Vec<ClaimLineInput>,
    /// The claim total as another system stated it (CLM02), checked against
    /// the lines; left out, the sum of the lines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stated_total: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimLineInput {
    pub date_of_service: Date,
    /// CPT or HCPCS Level II.
    pub procedure_code: String,
    #[serde(default)]
    pub modifiers: Vec<String>,
    /// 1-based pointers into the diagnoses.
    pub diagnosis_pointers: Vec<u8>,
    #[serde(default = "one")]
    pub units: u32,
    /// The line's charge; when left out, the charge master's price times
    /// the units.
    #[serde(default)]
    pub charge: Option<String>,
    #[serde(default)]
    pub place_of_service: Option<String>,
}

fn one() -> u32 {
    1
}

/// Enter a visit as a new claim. Saved as a draft when asked; otherwise
/// scrubbed at once, and charged if nothing stops it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewClaim {
    #[serde(flatten)]
    pub claim: ClaimInput,
    #[serde(default)]
    pub draft: bool,
}

/// Replace a claim's codes and lines (draft, scrubbed, ready or rejected).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EditClaim {
    pub claim_number: String,
    pub claim: ClaimInput,
    #[serde(default)]
    pub draft: bool,
}

/// Scrub a claim again (after fixing a coverage, a provider, a setting).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScrubClaim {
    pub claim_number: String,
}

/// Start a corrected claim (frequency 7) for one the payer already has.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CorrectClaim {
    pub claim_number: String,
}

/// Void a claim: one the payer has gets a frequency-8 claim to send; one it
/// never had is simply closed. Its charges come off the books.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VoidClaim {
    pub claim_number: String,
    pub reason: String,
}

/// Send every ready claim for one payer as an 837P batch.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExportClaims {
    pub payer_code: String,
    /// "T" test files unless asked for production.
    #[serde(default)]
    pub production: bool,
}

/// An acknowledgment file (999 or 277CA) as received.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportAcknowledgment {
    pub file_name: String,
    pub body: String,
}

/// Bill a paid claim's secondary payer: a claim to the account's secondary
/// coverage carrying the primary's adjudication, for the share the primary
/// left to the patient.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BillSecondary {
    /// The primary claim.
    pub claim_number: String,
}

/// A paid claim whose patient share the account's secondary coverage should see.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct SecondaryDue {
    pub claim_number: String,
    pub account_number: String,
    pub patient_name: String,
    pub primary_payer: String,
    pub secondary_payer: String,
    /// What the primary left to the patient, still unpaid.
    pub patient_share: String,
}

audited! {
    BillSecondary => "claim.secondary", |c| Subject::Claim(c.claim_number.clone());
    NewClaim => "claim.create", |c| Subject::Account(c.claim.account_number.clone());
    EditClaim => "claim.edit", |c| Subject::Claim(c.claim_number.clone());
    ScrubClaim => "claim.scrub", |c| Subject::Claim(c.claim_number.clone());
    CorrectClaim => "claim.correct", |c| Subject::Claim(c.claim_number.clone());
    VoidClaim => "claim.void", |c| Subject::Claim(c.claim_number.clone());
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct ClaimLineView {
    pub line_no: i64,
    pub date_of_service: String,
    pub procedure_code: String,
    pub modifiers: Vec<String>,
    pub diagnosis_pointers: Vec<u8>,
    pub units: i64,
    pub charge: String,
    pub place_of_service: Option<String>,
    /// The line's open item on the payer's account, once charged.
    pub item_reference: Option<String>,
    /// What the payer still owes on the line.
    pub balance: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct ClaimEventView {
    pub status: String,
    pub note: String,
    pub actor: String,
    pub at: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct FindingView {
    /// error or warning.
    pub level: String,
    pub rule: String,
    pub field: String,
    pub x12: String,
    pub message: String,
}

impl From<&Finding> for FindingView {
    fn from(f: &Finding) -> FindingView {
        FindingView {
            level: match f.level {
                FindingLevel::Error => "error".into(),
                FindingLevel::Warning => "warning".into(),
            },
            rule: f.rule.clone(),
            field: f.field.clone(),
            x12: f.x12.clone(),
            message: f.message.clone(),
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct ClaimView {
    pub claim_number: String,
    pub account_number: String,
    pub patient_name: String,
    pub payer_code: String,
    pub payer_name: String,
    /// primary, secondary or tertiary: the coverage billed.
    pub coverage_priority: String,
    pub member_id: String,
    pub billing_npi: String,
    pub rendering_npi: Option<String>,
    pub place_of_service: String,
    /// 1 original, 7 replacement, 8 void.
    pub frequency: String,
    /// The claim this one replaces or voids.
    pub replaces: Option<String>,
    /// The payer's claim control number, once it has one.
    pub payer_claim_number: String,
    pub diagnoses: Vec<String>,
    pub currency: String,
    pub total: String,
    pub status: String,
    pub status_reason: String,
    pub findings: Vec<FindingView>,
    pub charged: bool,
    /// The 837P file it last went out in.
    pub file_id: Option<i64>,
    pub lines: Vec<ClaimLineView>,
    pub events: Vec<ClaimEventView>,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct ClaimSummary {
    pub claim_number: String,
    pub account_number: String,
    pub patient_name: String,
    pub payer_code: String,
    pub frequency: String,
    pub first_date_of_service: String,
    pub total: String,
    pub currency: String,
    pub status: String,
    pub status_reason: String,
    pub errors: i64,
    pub warnings: i64,
    pub updated_at: String,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct ClaimFilter {
    pub status: Option<String>,
    pub payer_code: Option<String>,
    pub account_number: Option<String>,
    pub limit: Option<i64>,
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
pub struct AckApplied {
    pub claim_number: String,
    /// The status the claim has now.
    pub status: String,
    pub note: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct AckOutcome {
    /// 999, 277CA or 271.
    pub kind: String,
    pub file_id: i64,
    /// Coverages a 271 answered for.
    #[serde(default)]
    pub eligibility: Vec<crate::eligibility::EligibilityView>,
    /// Claims whose status changed.
    pub applied: Vec<AckApplied>,
    /// Claims named that were already past this (a second import of one
    /// file changes nothing).
    pub unchanged: Vec<AckApplied>,
    /// What the file names that Settle does not know (a claim number, a
    /// group control number), each with the segment that named it.
    pub unmatched: Vec<String>,
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

#[derive(Clone, Debug)]
struct PayerRow {
    payer_key: i64,
    code: String,
    name: String,
    filing: ClaimFilingIndicator,
    timely_days: u32,
    account_id: Option<i64>,
}

#[derive(Clone, Debug)]
struct CoverageRow {
    coverage_key: i64,
    priority: String,
    member_id: String,
    group_number: String,
    subscriber_name: String,
    relationship: String,
    from: Date,
    to: Option<Date>,
    payer: PayerRow,
}

impl CoverageRow {
    fn covers(&self, date: Date) -> bool {
        date >= self.from && self.to.is_none_or(|to| date <= to)
    }
    fn priority_code(&self) -> char {
        match self.priority.as_str() {
            "secondary" => 'S',
            "tertiary" => 'T',
            _ => 'P',
        }
    }
    /// PAT01 / 2320 SBR02 for a dependent.
    fn relationship_code(&self) -> &'static str {
        match self.relationship.as_str() {
            "self" => "18",
            "spouse" => "01",
            "child" => "19",
            _ => "G8",
        }
    }
}

#[derive(Clone, Debug)]
struct ProviderRow {
    provider_key: i64,
    npi: String,
    name: String,
    kind: String,
    taxonomy: String,
    tax_id: String,
    address: Option<KeptAddress>,
}

#[derive(Clone, Debug)]
struct Patient {
    name: String,
    date_of_birth: Option<Date>,
    sex: Sex,
    address: Option<KeptAddress>,
}

use crate::address::{CURRENT_COLUMNS as CURRENT_ADDRESS_COLUMNS, CURRENT_JOIN as CURRENT_ADDRESS_JOIN};
const PROVIDER_COLUMNS: &str = "provider_key, npi, name, kind, taxonomy, tax_id, address, line1, line2, city, state, postal_code, country";

/// Everything a claim is built from, resolved and checked.
struct Prepared {
    account: AccountRow,
    patient: Patient,
    coverage: CoverageRow,
    others: Vec<CoverageRow>,
    billing: ProviderRow,
    rendering: Option<ProviderRow>,
    place: PlaceOfService,
    diagnoses: Vec<IcdCode>,
    lines: Vec<ServiceLine>,
    claim: ProfessionalClaim,
    findings: Vec<Finding>,
}

fn bad(field: &'static str, message: impl std::fmt::Display) -> StoreError {
    StoreError::invalid(field, message)
}

fn parse_date(text: &str) -> Result<Date> {
    text.parse().map_err(|e| StoreError::Corrupt(format!("date {text:?}: {e}")))
}

fn filing(code: &str) -> Result<ClaimFilingIndicator> {
    ClaimFilingIndicator::parse(code).ok_or_else(|| StoreError::Corrupt(format!("filing indicator {code:?}")))
}

async fn payer_by_code(conn: &mut AnyConnection, org_id: i64, code: &str) -> Result<PayerRow> {
    let code = code.trim().to_ascii_uppercase();
    let row =
        sqlx::query("SELECT payer_key, payer_code, name, filing_indicator, timely_filing_days, account_id FROM payer WHERE org_id = $1 AND payer_code = $2")
            .bind(org_id)
            .bind(&code)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| {
                bad(
                    "payer_code",
                    format!("no payer {code}; add it with `settle payer add` or on the Payers and providers page"),
                )
            })?;
    payer_from_row(&row)
}

fn payer_from_row(row: &AnyRow) -> Result<PayerRow> {
    Ok(PayerRow {
        payer_key: row.try_get(0)?,
        code: row.try_get(1)?,
        name: row.try_get(2)?,
        filing: filing(&row.try_get::<String, _>(3)?)?,
        timely_days: u32::try_from(row.try_get::<i64, _>(4)?).unwrap_or(365),
        account_id: row.try_get(5)?,
    })
}

async fn coverages_of(conn: &mut AnyConnection, org_id: i64, account_id: i64) -> Result<Vec<CoverageRow>> {
    Ok(coverages_in(conn, org_id, Scope::Account(account_id))
        .await?
        .remove(&account_id)
        .unwrap_or_default())
}

/// Coverages by account id, for the accounts in scope.
async fn coverages_in(conn: &mut AnyConnection, org_id: i64, scope: Scope) -> Result<HashMap<i64, Vec<CoverageRow>>> {
    let rows = sqlx::query(&format!(
        "SELECT c.coverage_key, c.priority, c.member_id, c.group_number, c.subscriber_name, c.relationship, c.effective_from, c.effective_to, \
         y.payer_key, y.payer_code, y.name, y.filing_indicator, y.timely_filing_days, y.account_id, c.account_id \
         FROM coverage c JOIN payer y ON y.org_id = c.org_id AND y.payer_key = c.payer_key \
         WHERE c.org_id = $1 AND {} ORDER BY c.coverage_key",
        scope.on("c.account_id")
    ))
    .bind(org_id)
    .bind(scope.key())
    .fetch_all(&mut *conn)
    .await?;
    let mut out: HashMap<i64, Vec<CoverageRow>> = HashMap::new();
    for r in &rows {
        out.entry(r.try_get(14)?).or_default().push(CoverageRow {
            coverage_key: r.try_get(0)?,
            priority: r.try_get(1)?,
            member_id: r.try_get(2)?,
            group_number: r.try_get(3)?,
            subscriber_name: r.try_get(4)?,
            relationship: r.try_get(5)?,
            from: parse_date(&r.try_get::<String, _>(6)?)?,
            to: r.try_get::<Option<String>, _>(7)?.map(|d| parse_date(&d)).transpose()?,
            payer: PayerRow {
                payer_key: r.try_get(8)?,
                code: r.try_get(9)?,
                name: r.try_get(10)?,
                filing: filing(&r.try_get::<String, _>(11)?)?,
                timely_days: u32::try_from(r.try_get::<i64, _>(12)?).unwrap_or(365),
                account_id: r.try_get(13)?,
            },
        });
    }
    Ok(out)
}

async fn provider_by_key(conn: &mut AnyConnection, org_id: i64, key: i64) -> Result<ProviderRow> {
    let row = sqlx::query(&format!("SELECT {PROVIDER_COLUMNS} FROM provider WHERE org_id = $1 AND provider_key = $2"))
        .bind(org_id)
        .bind(key)
        .fetch_one(&mut *conn)
        .await?;
    provider_from_row(&row)
}

fn provider_from_row(row: &AnyRow) -> Result<ProviderRow> {
    Ok(ProviderRow {
        provider_key: row.try_get(0)?,
        npi: row.try_get(1)?,
        name: row.try_get(2)?,
        kind: row.try_get(3)?,
        taxonomy: row.try_get(4)?,
        tax_id: row.try_get(5)?,
        address: crate::address::kept_from(row, 6, 7)?,
    })
}

async fn patient_of(conn: &mut AnyConnection, org_id: i64, account_id: i64) -> Result<Patient> {
    let row = sqlx::query(&format!(
        "SELECT p.name, p.date_of_birth, p.sex, {CURRENT_ADDRESS_COLUMNS} \
             FROM account a JOIN party p ON p.org_id = a.org_id AND p.party_id = a.party_id {CURRENT_ADDRESS_JOIN} \
             WHERE a.org_id = $1 AND a.account_id = $2"
    ))
    .bind(org_id)
    .bind(account_id)
    .fetch_one(&mut *conn)
    .await?;
    Ok(Patient {
        name: row.try_get(0)?,
        date_of_birth: row.try_get::<Option<String>, _>(1)?.map(|d| parse_date(&d)).transpose()?,
        sex: Sex::parse(&row.try_get::<String, _>(2)?).unwrap_or(Sex::Unknown),
        address: crate::address::kept_from(&row, 3, 4)?,
    })
}

/// Which accounts a bulk read covers.
#[derive(Clone, Copy)]
enum Scope {
    Account(i64),
    /// The accounts of a payer's ready claims (by payer key).
    ReadyFor(i64),
}

impl Scope {
    /// The condition on an account id column, over $1 (org) and $2.
    fn on(self, column: &str) -> String {
        match self {
            Scope::Account(_) => format!("{column} = $2"),
            Scope::ReadyFor(_) => format!("{column} IN (SELECT account_id FROM claim WHERE org_id = $1 AND payer_key = $2 AND status = 'ready')"),
        }
    }
    fn key(self) -> i64 {
        match self {
            Scope::Account(k) | Scope::ReadyFor(k) => k,
        }
    }
}

/// Lines on live original claims, by account, each with its claim id.
async fn billed_lines(conn: &mut AnyConnection, org_id: i64, scope: Scope) -> Result<HashMap<i64, Vec<(i64, i64, BilledLine)>>> {
    // A batch already holds its ready claims' lines; only the others are read.
    let skip = match scope {
        Scope::ReadyFor(_) => " AND c.status <> 'ready'",
        Scope::Account(_) => "",
    };
    let rows = sqlx::query(&format!(
        "SELECT c.account_id, c.claim_id, c.claim_number, l.date_of_service, l.procedure_code, l.modifiers, c.payer_key FROM claim c \
         JOIN claim_line l ON l.org_id = c.org_id AND l.claim_id = c.claim_id \
         WHERE c.org_id = $1 AND c.status <> 'closed' AND c.frequency = '1'{skip} AND {}",
        scope.on("c.account_id")
    ))
    .bind(org_id)
    .bind(scope.key())
    .fetch_all(&mut *conn)
    .await?;
    let mut out: HashMap<i64, Vec<(i64, i64, BilledLine)>> = HashMap::new();
    for r in rows {
        let (Ok(procedure), Ok(modifiers)) = (
            ProcedureCode::parse(&r.try_get::<String, _>(4)?),
            split_list(&r.try_get::<String, _>(5)?)
                .iter()
                .map(|m| Modifier::parse(m))
                .collect::<Result<Vec<_>, _>>(),
        ) else {
            continue;
        };
        out.entry(r.try_get(0)?).or_default().push((
            r.try_get(1)?,
            r.try_get(6)?,
            BilledLine {
                claim_number: r.try_get(2)?,
                date_of_service: parse_date(&r.try_get::<String, _>(3)?)?,
                procedure,
                modifiers,
            },
        ));
    }
    Ok(out)
}

fn split_list(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_string).collect()
}

fn address_finding(rule: &str, field: &str, x12: &str, who: &str, address: Option<&KeptAddress>, zip9: bool) -> Option<Finding> {
    let Some(address) = address else {
        return Some(Finding::error(
            rule,
            field,
            x12,
            format!("{who} has no address; add one (street, city, state, ZIP)"),
        ));
    };
    match address {
        KeptAddress::Text(text) => Some(Finding::error(
            rule,
            field,
            x12,
            format!("{who}'s address {text:?} is kept as text that could not be read into street, city, state and ZIP; enter it again by its fields"),
        )),
        KeptAddress::Postal(a) if !a.is_us() => Some(Finding::error(
            rule,
            field,
            x12,
            format!("{who}'s address is outside the US ({}); the 837P needs a US address here", a.country()),
        )),
        KeptAddress::Postal(a) if zip9 && a.postal_code().len() != 9 => Some(Finding::error(
            rule,
            field,
            x12,
            format!("{who}'s address needs a nine-digit ZIP+4 (the 837P requires it for the billing provider)"),
        )),
        KeptAddress::Postal(_) => None,
    }
}

/// What the scrubber needs to know about a claim's parties, loaded once
/// (for one claim, or for every claim of a batch).
#[derive(Default)]
struct Books {
    rules_off: Vec<String>,
    /// By account number: the account and its patient.
    accounts: HashMap<String, (AccountRow, Patient)>,
    /// By account id.
    coverages: HashMap<i64, Vec<CoverageRow>>,
    /// By NPI.
    providers: HashMap<String, ProviderRow>,
    payers: HashSet<String>,
    /// By account id: lines on live original claims, with their claim id
    /// and payer (a duplicate is the same service billed to the same payer).
    billed: HashMap<i64, Vec<(i64, i64, BilledLine)>>,
}

impl Books {
    async fn load_parties(&mut self, conn: &mut AnyConnection, org_id: i64) -> Result<()> {
        let rows = sqlx::query(&format!("SELECT {PROVIDER_COLUMNS} FROM provider WHERE org_id = $1"))
            .bind(org_id)
            .fetch_all(&mut *conn)
            .await?;
        for r in &rows {
            let p = provider_from_row(r)?;
            self.providers.insert(p.npi.clone(), p);
        }
        let rows = sqlx::query("SELECT payer_code FROM payer WHERE org_id = $1")
            .bind(org_id)
            .fetch_all(&mut *conn)
            .await?;
        for r in &rows {
            self.payers.insert(r.try_get(0)?);
        }
        Ok(())
    }

    fn provider(&self, field: &'static str, npi: &str) -> Result<ProviderRow> {
        let npi = Npi::parse(npi).map_err(|e| bad(field, e))?;
        self.providers.get(npi.as_str()).cloned().ok_or_else(|| {
            bad(
                field,
                format!(
                    "no provider with NPI {}; add it with `settle provider add` or on the Payers and providers page",
                    npi.as_str()
                ),
            )
        })
    }

    /// Builds and scrubs a claim from its input and these books.
    fn build(&self, input: &ClaimInput, today: Date, exclude: Option<i64>, frequency: ClaimFrequency, payer_claim_number: &str) -> Result<Prepared> {
        let number = settle_domain::account::AccountNumber::parse(&input.account_number).map_err(|e| bad("account_number", e))?;
        let (account, patient) = self
            .accounts
            .get(number.as_str())
            .cloned()
            .ok_or_else(|| StoreError::not_found("account", number.as_str()))?;
        if account.ar_kind != settle_domain::account::ArKind::Patient {
            return Err(bad(
                "account_number",
                format!("account {} is not a patient account; claims are for patients", account.account_number),
            ));
        }
        let Some(date_of_birth) = patient.date_of_birth else {
            return Err(bad(
                "account_number",
                format!(
                    "the patient on account {} has no date of birth; add it before billing insurance",
                    account.account_number
                ),
            ));
        };
        if input.lines.is_empty() {
            return Err(bad("lines", "a claim needs at least one service line"));
        }
        let mut lines = Vec::with_capacity(input.lines.len());
        for (i, l) in input.lines.iter().enumerate() {
            let at = |f: &str, e: &dyn std::fmt::Display| bad("lines", format!("lines[{i}].{f}: {e}"));
            let procedure = ProcedureCode::parse(&l.procedure_code).map_err(|e| at("procedure_code", &e))?;
            let modifiers = l
                .modifiers
                .iter()
                .filter(|m| !m.trim().is_empty())
                .map(|m| Modifier::parse(m).map_err(|e| at("modifiers", &e)))
                .collect::<Result<Vec<_>>>()?;
            let place_of_service = l
                .place_of_service
                .as_deref()
                .filter(|p| !p.trim().is_empty())
                .map(|p| PlaceOfService::parse(p).map_err(|e| at("place_of_service", &e)))
                .transpose()?;
            let charge = match l.charge.as_deref().filter(|c| !c.trim().is_empty()) {
                Some(text) => Money::parse(text.trim().trim_start_matches('$'), account.currency).map_err(|e| at("charge", &e))?,
                None => return Err(at("charge", &"no charge given")),
            };
            lines.push(ServiceLine {
                date_of_service: l.date_of_service,
                procedure,
                modifiers,
                diagnosis_pointers: l.diagnosis_pointers.clone(),
                units: l.units,
                charge,
                place_of_service,
            });
        }
        let mut diagnoses = Vec::with_capacity(input.diagnoses.len());
        for (i, d) in input.diagnoses.iter().enumerate().filter(|(_, d)| !d.trim().is_empty()) {
            diagnoses.push(IcdCode::parse(d).map_err(|e| bad("diagnoses", format!("diagnoses[{i}]: {e}")))?);
        }
        let place = PlaceOfService::parse(&input.place_of_service).map_err(|e| bad("place_of_service", e))?;
        let first_date = lines.iter().map(|l| l.date_of_service).min().unwrap_or(today);
        let all = self.coverages.get(&account.account_id).cloned().unwrap_or_default();
        let coverage = match input.payer_code.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
            Some(code) => {
                let code = code.to_ascii_uppercase();
                let mut with_payer: Vec<&CoverageRow> = all.iter().filter(|c| c.payer.code == code).collect();
                if with_payer.is_empty() {
                    if !self.payers.contains(&code) {
                        return Err(bad(
                            "payer_code",
                            format!("no payer {code}; add it with `settle payer add` or on the Payers and providers page"),
                        ));
                    }
                    return Err(bad(
                        "payer_code",
                        format!("account {} has no coverage with {code}; add the coverage first", account.account_number),
                    ));
                }
                with_payer.sort_by_key(|c| !c.covers(first_date));
                with_payer[0].clone()
            }
            None => all
                .iter()
                .find(|c| c.priority == "primary" && c.covers(first_date))
                .or_else(|| all.iter().find(|c| c.priority == "primary"))
                .cloned()
                .ok_or_else(|| {
                    bad(
                        "payer_code",
                        format!("account {} has no primary coverage; add one or name the payer", account.account_number),
                    )
                })?,
        };
        let others: Vec<CoverageRow> = all
            .iter()
            .filter(|c| c.coverage_key != coverage.coverage_key && c.covers(first_date))
            .cloned()
            .collect();
        let billing = self.provider("billing_npi", &input.billing_npi)?;
        let rendering = match input.rendering_npi.as_deref().filter(|n| !n.trim().is_empty()) {
            Some(npi) => Some(self.provider("rendering_npi", npi)?),
            None => None,
        };
        let total = lines
            .iter()
            .try_fold(Money::zero(account.currency), |sum, l| sum.checked_add(l.charge))
            .map_err(|e| bad("lines", e))?;
        let claim = ProfessionalClaim {
            billing_npi: Npi::parse(&billing.npi).map_err(|e| StoreError::Corrupt(e.to_string()))?,
            rendering_npi: rendering.as_ref().and_then(|r| Npi::parse(&r.npi).ok()),
            tax_id: billing.tax_id.clone(),
            payer_id: coverage.payer.code.clone(),
            filing_indicator: coverage.payer.filing,
            timely_filing_days: coverage.payer.timely_days,
            member_id: coverage.member_id.clone(),
            subscriber_is_patient: coverage.relationship == "self",
            subscriber_name: coverage.subscriber_name.clone(),
            patient_date_of_birth: date_of_birth,
            coverage_from: coverage.from,
            coverage_to: coverage.to,
            diagnoses: diagnoses.clone(),
            place_of_service: place.clone(),
            lines: lines.clone(),
            stated_total: match input.stated_total.as_deref().filter(|t| !t.trim().is_empty()) {
                Some(text) => Money::parse(text.trim(), account.currency).map_err(|e| bad("stated_total", e))?,
                None => total,
            },
            frequency,
            payer_claim_number: payer_claim_number.to_string(),
            other_lines: self
                .billed
                .get(&account.account_id)
                .map(|v| {
                    v.iter()
                        .filter(|(id, payer, _)| Some(*id) != exclude && *payer == coverage.payer.payer_key)
                        .map(|(_, _, l)| l.clone())
                        .collect()
                })
                .unwrap_or_default(),
        };
        let mut findings = scrub_with(&claim, IcdCatalog::get(), today, &self.rules_off);
        findings.extend(address_finding(
            "billing_address",
            "billing_npi",
            "N3/N4 (2010AA)",
            &format!("the billing provider {}", billing.name),
            billing.address.as_ref(),
            true,
        ));
        findings.extend(address_finding(
            "patient_address",
            "account_number",
            if coverage.relationship == "self" {
                "N3/N4 (2010BA)"
            } else {
                "N3/N4 (2010CA)"
            },
            &format!("the patient {}", patient.name),
            patient.address.as_ref(),
            false,
        ));
        if billing.kind != "organisation" && billing.tax_id.is_empty() {
            findings.push(Finding::error(
                "tax_id",
                "billing_npi",
                "REF02 (2010AA)",
                format!("the billing provider {} has no EIN or SSN", billing.name),
            ));
        }
        findings.sort_by_key(|f| f.level);
        findings.dedup();
        Ok(Prepared {
            account,
            patient,
            coverage,
            others,
            billing,
            rendering,
            place,
            diagnoses,
            lines,
            claim,
            findings,
        })
    }
}

impl Store {
    /// Resolves and checks one claim's input against the books: refuses what
    /// cannot be a claim at all (unknown account, payer, provider; codes of
    /// the wrong shape), and scrubs the rest into findings.
    #[allow(clippy::too_many_arguments)]
    async fn prepare(
        &self,
        conn: &mut AnyConnection,
        org: &Organisation,
        input: &ClaimInput,
        today: Date,
        exclude: Option<i64>,
        frequency: ClaimFrequency,
        payer_claim_number: &str,
    ) -> Result<Prepared> {
        let account = self.account_by_number(conn, org.org_id, &input.account_number).await?;
        let patient = patient_of(conn, org.org_id, account.account_id).await?;
        let mut books = Books {
            rules_off: self.settings(org).await?.scrub_rules_off,
            ..Books::default()
        };
        books.load_parties(conn, org.org_id).await?;
        books
            .coverages
            .insert(account.account_id, coverages_of(conn, org.org_id, account.account_id).await?);
        books.billed.insert(
            account.account_id,
            billed_lines(conn, org.org_id, Scope::Account(account.account_id))
                .await?
                .remove(&account.account_id)
                .unwrap_or_default(),
        );
        let input = self.fill_charges(conn, org.org_id, input, account.currency).await?;
        books.accounts.insert(account.account_number.clone(), (account, patient));
        books.build(&input, today, exclude, frequency, payer_claim_number)
    }

    /// Lines entered without a charge take the charge master's price.
    async fn fill_charges(&self, conn: &mut AnyConnection, org_id: i64, input: &ClaimInput, currency: Currency) -> Result<ClaimInput> {
        let mut input = input.clone();
        for (i, l) in input.lines.iter_mut().enumerate() {
            if l.charge.as_deref().is_some_and(|c| !c.trim().is_empty()) {
                continue;
            }
            let at = |f: &str, e: &dyn std::fmt::Display| bad("lines", format!("lines[{i}].{f}: {e}"));
            let procedure = ProcedureCode::parse(&l.procedure_code).map_err(|e| at("procedure_code", &e))?;
            let modifier = l
                .modifiers
                .iter()
                .find(|m| !m.trim().is_empty())
                .map(|m| m.trim().to_ascii_uppercase())
                .unwrap_or_default();
            let fee = self
                .fee_in(conn, org_id, crate::claims::CHARGE_MASTER, procedure.as_str(), &modifier, l.date_of_service)
                .await?
                .ok_or_else(|| {
                    at(
                        "charge",
                        &format!(
                            "no charge given and the charge master has no price for {} on {}; give the charge or import the charge master",
                            procedure.as_str(),
                            l.date_of_service
                        ),
                    )
                })?;
            let minor = fee
                .amount_minor()
                .checked_mul(i64::from(l.units.max(1)))
                .ok_or_else(|| at("charge", &"the charge is too large"))?;
            l.charge = Some(Money::from_minor(minor, currency).to_decimal_string());
        }
        Ok(input)
    }

    pub(crate) async fn fee_in(&self, conn: &mut AnyConnection, org_id: i64, schedule: &str, code: &str, modifier: &str, date: Date) -> Result<Option<Money>> {
        let row = sqlx::query(
            "SELECT currency, amount_minor FROM fee_schedule_entry WHERE org_id = $1 AND schedule = $2 AND procedure_code = $3 \
             AND modifier IN ($4, '') AND effective_from <= $5 ORDER BY CASE WHEN modifier = $4 THEN 0 ELSE 1 END, effective_from DESC LIMIT 1",
        )
        .bind(org_id)
        .bind(schedule)
        .bind(code)
        .bind(modifier)
        .bind(date.to_string())
        .fetch_optional(&mut *conn)
        .await?;
        match row {
            None => Ok(None),
            Some(r) => {
                let cur = Currency::from_code(&r.try_get::<String, _>(0)?).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                Ok(Some(Money::from_minor(r.try_get(1)?, cur)))
            }
        }
    }

    /// Scrubs a visit without saving it: the findings it would get.
    pub async fn check_claim(&self, org: &Organisation, input: &ClaimInput, today: Date) -> Result<Vec<FindingView>> {
        let mut conn = self.pool().acquire().await?;
        let prepared = self.prepare(&mut conn, org, input, today, None, ClaimFrequency::Original, "").await?;
        Ok(prepared.findings.iter().map(FindingView::from).collect())
    }

    /// Enters a visit as a claim.
    /// Starts the secondary claim for a paid primary: same visit, billed to
    /// the secondary coverage, with the primary's answer in loops 2320 and
    /// 2430 when it is sent. It adds no charge: what the secondary pays is
    /// applied to the patient's share of the primary.
    pub async fn bill_secondary(&self, org: &Organisation, cmd: &BillSecondary, today: Date) -> Result<ClaimView> {
        let number = write_command!(
            self,
            org.org_id,
            None::<&settle_domain::IdempotencyKey>,
            cmd,
            after = |number| Some(Subject::Claim(String::clone(number))),
            |tx| {
                let conn = tx.conn();
                let head = claim_head(conn, org.org_id, &cmd.claim_number, self.for_update()).await?;
                if head.primary_claim_id.is_some() {
                    return Err(bad("claim_number", format!("claim {} is itself a secondary claim", head.number)));
                }
                if !matches!(head.status, ClaimStatus::Paid | ClaimStatus::PartiallyPaid) {
                    return Err(bad(
                        "claim_number",
                        format!("claim {} is {}; the secondary is billed once the primary has paid", head.number, head.status),
                    ));
                }
                let live = sqlx::query("SELECT claim_number FROM claim WHERE org_id = $1 AND primary_claim_id = $2 AND status <> 'closed'")
                    .bind(org.org_id)
                    .bind(head.claim_id)
                    .fetch_optional(&mut *conn)
                    .await?;
                if let Some(live) = live {
                    return Err(bad(
                        "claim_number",
                        format!("claim {} already has a secondary claim: {}", head.number, live.try_get::<String, _>(0)?),
                    ));
                }
                let share: i64 = sqlx::query(
                    "SELECT CAST(COALESCE(SUM(o.balance_minor), 0) AS BIGINT) FROM open_item o WHERE o.org_id = $1 AND o.reference LIKE $2 AND o.kind = 'patient_share'",
                )
                .bind(org.org_id)
                .bind(format!("{}-PR-%", head.number))
                .fetch_one(&mut *conn)
                .await?
                .try_get(0)?;
                if share <= 0 {
                    return Err(bad(
                        "claim_number",
                        format!(
                            "the primary left nothing unpaid to the patient on claim {}; there is nothing for a secondary to pay",
                            head.number
                        ),
                    ));
                }
                let mut input = self.stored_input(conn, org, head.claim_id).await?;
                let account = self.account_by_number(conn, org.org_id, &input.account_number).await?;
                let first_date = input.lines.iter().map(|l| l.date_of_service).min().unwrap_or(today);
                let secondary = coverages_of(conn, org.org_id, account.account_id)
                    .await?
                    .into_iter()
                    .filter(|c| c.priority == "secondary")
                    .min_by_key(|c| !c.covers(first_date))
                    .ok_or_else(|| {
                        bad(
                            "claim_number",
                            format!("account {} has no secondary coverage; add it first", input.account_number),
                        )
                    })?;
                input.payer_code = Some(secondary.payer.code.clone());
                let prepared = self.prepare(conn, org, &input, today, None, ClaimFrequency::Original, "").await?;
                let claim_id = next_ids(conn, org.org_id, "claim", 1).await?;
                let number = format!("CLM-{claim_id:06}");
                insert_claim(conn, org.org_id, claim_id, &number, &prepared, ClaimFrequency::Original, None, "").await?;
                sqlx::query("UPDATE claim SET primary_claim_id = $3 WHERE org_id = $1 AND claim_id = $2")
                    .bind(org.org_id)
                    .bind(claim_id)
                    .bind(head.claim_id)
                    .execute(&mut *conn)
                    .await?;
                add_event(
                    conn,
                    org.org_id,
                    head.claim_id,
                    head.status,
                    &format!("secondary claim {number} to {} started", secondary.payer.name),
                )
                .await?;
                self.settle_status(
                    conn,
                    org,
                    claim_id,
                    &number,
                    &prepared,
                    false,
                    today,
                    &format!("secondary to {} after {}", secondary.payer.name, head.number),
                )
                .await?;
                number
            }
        )?;
        self.claim(org, &number).await
    }

    /// Paid claims whose patient share a secondary coverage should see first:
    /// the account has a secondary payer and no secondary claim exists yet.
    pub async fn secondaries_due(&self, org: &Organisation) -> Result<Vec<SecondaryDue>> {
        self.note_read(org.org_id, "claim.list", "secondaries").await?;
        let cur = Currency::from_code(&org.base_currency).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let rows = sqlx::query(
            "SELECT c.claim_number, a.account_number, p.name, y.name, \
             (SELECT MIN(z.name) FROM coverage v JOIN payer z ON z.org_id = v.org_id AND z.payer_key = v.payer_key \
              WHERE v.org_id = c.org_id AND v.account_id = c.account_id AND v.priority = 'secondary'), \
             CAST((SELECT COALESCE(SUM(o.balance_minor), 0) FROM open_item o WHERE o.org_id = c.org_id AND o.account_id = c.account_id \
              AND o.kind = 'patient_share' AND o.reference LIKE c.claim_number || '-PR-%') AS BIGINT) \
             FROM claim c JOIN account a ON a.org_id = c.org_id AND a.account_id = c.account_id \
             JOIN party p ON p.org_id = a.org_id AND p.party_id = a.party_id JOIN payer y ON y.org_id = c.org_id AND y.payer_key = c.payer_key \
             WHERE c.org_id = $1 AND c.status IN ('paid', 'partially_paid') AND c.primary_claim_id IS NULL \
             AND EXISTS (SELECT 1 FROM coverage v WHERE v.org_id = c.org_id AND v.account_id = c.account_id AND v.priority = 'secondary') \
             AND NOT EXISTS (SELECT 1 FROM claim s WHERE s.org_id = c.org_id AND s.primary_claim_id = c.claim_id AND s.status <> 'closed') \
             ORDER BY c.claim_id LIMIT 500",
        )
        .bind(org.org_id)
        .fetch_all(self.pool())
        .await?;
        let mut out = Vec::new();
        for r in &rows {
            let share: i64 = r.try_get(5)?;
            if share <= 0 {
                continue;
            }
            out.push(SecondaryDue {
                claim_number: r.try_get(0)?,
                account_number: r.try_get(1)?,
                patient_name: r.try_get(2)?,
                primary_payer: r.try_get(3)?,
                secondary_payer: r.try_get::<Option<String>, _>(4)?.unwrap_or_default(),
                patient_share: fmt(share, cur),
            });
        }
        Ok(out)
    }

    pub async fn create_claim(&self, org: &Organisation, cmd: &NewClaim, today: Date, key: Option<&settle_domain::IdempotencyKey>) -> Result<ClaimView> {
        let number = write_command!(self, org.org_id, key, cmd, after = |number| Some(Subject::Claim(String::clone(number))), |tx| {
            let conn = tx.conn();
            let prepared = self.prepare(conn, org, &cmd.claim, today, None, ClaimFrequency::Original, "").await?;
            let claim_id = next_ids(conn, org.org_id, "claim", 1).await?;
            let number = format!("CLM-{claim_id:06}");
            insert_claim(conn, org.org_id, claim_id, &number, &prepared, ClaimFrequency::Original, None, "").await?;
            self.settle_status(conn, org, claim_id, &number, &prepared, cmd.draft, today, "entered").await?;
            number
        })?;
        self.claim(org, &number).await
    }

    /// Replaces a claim's codes and lines; a claim that was charged has its
    /// charges taken off first (refused if money was applied to them).
    pub async fn edit_claim(&self, org: &Organisation, cmd: &EditClaim, today: Date, key: Option<&settle_domain::IdempotencyKey>) -> Result<ClaimView> {
        let number = write_command!(self, org.org_id, key, cmd, after = |number| Some(Subject::Claim(String::clone(number))), |tx| {
            let conn = tx.conn();
            let head = claim_head(conn, org.org_id, &cmd.claim_number, self.for_update()).await?;
            if !head.status.editable() {
                return Err(bad(
                    "claim_number",
                    format!(
                        "claim {} is {}; the payer has it, so change it with a corrected claim (frequency 7) or void it",
                        head.number, head.status
                    ),
                ));
            }
            if head.frequency == ClaimFrequency::Void {
                return Err(bad("claim_number", format!("claim {} is a void; it has no lines to edit", head.number)));
            }
            let prepared = self
                .prepare(conn, org, &cmd.claim, today, Some(head.claim_id), head.frequency, &head.payer_claim_number)
                .await?;
            if head.charged_entry_id.is_some() {
                self.uncharge(conn, org, &head, today, "edited").await?;
            }
            sqlx::query("DELETE FROM claim_line WHERE org_id = $1 AND claim_id = $2")
                .bind(org.org_id)
                .bind(head.claim_id)
                .execute(&mut *conn)
                .await?;
            sqlx::query(
                "UPDATE claim SET account_id = $3, payer_key = $4, coverage_key = $5, billing_provider_key = $6, rendering_provider_key = $7, \
                 place_of_service = $8, diagnoses = $9, total_minor = $10, updated_at = $11 WHERE org_id = $1 AND claim_id = $2",
            )
            .bind(org.org_id)
            .bind(head.claim_id)
            .bind(prepared.account.account_id)
            .bind(prepared.coverage.payer.payer_key)
            .bind(prepared.coverage.coverage_key)
            .bind(prepared.billing.provider_key)
            .bind(prepared.rendering.as_ref().map(|r| r.provider_key))
            .bind(prepared.place.as_str())
            .bind(diagnosis_text(&prepared.diagnoses))
            .bind(prepared.claim.stated_total.amount_minor())
            .bind(now_text())
            .execute(&mut *conn)
            .await?;
            insert_lines(conn, org.org_id, head.claim_id, &prepared.lines).await?;
            self.settle_status(conn, org, head.claim_id, &head.number, &prepared, cmd.draft, today, "edited")
                .await?;
            head.number
        })?;
        self.claim(org, &number).await
    }

    /// Scrubs a stored claim again.
    pub async fn scrub_claim(&self, org: &Organisation, cmd: &ScrubClaim, today: Date) -> Result<ClaimView> {
        let number = write_command!(
            self,
            org.org_id,
            None::<&settle_domain::IdempotencyKey>,
            cmd,
            after = |number| Some(Subject::Claim(String::clone(number))),
            |tx| {
                let conn = tx.conn();
                let head = claim_head(conn, org.org_id, &cmd.claim_number, self.for_update()).await?;
                if !matches!(head.status, ClaimStatus::Draft | ClaimStatus::Scrubbed | ClaimStatus::Ready) {
                    return Err(bad(
                        "claim_number",
                        format!("claim {} is {}; only a draft, scrubbed or ready claim is scrubbed", head.number, head.status),
                    ));
                }
                let input = self.stored_input(conn, org, head.claim_id).await?;
                let prepared = self
                    .prepare(conn, org, &input, today, Some(head.claim_id), head.frequency, &head.payer_claim_number)
                    .await?;
                self.settle_status(conn, org, head.claim_id, &head.number, &prepared, false, today, "scrubbed again")
                    .await?;
                head.number
            }
        )?;
        self.claim(org, &number).await
    }

    /// Starts a corrected claim (frequency 7) as a draft copy of one the
    /// payer has; the original is closed when the correction is charged.
    pub async fn correct_claim(&self, org: &Organisation, cmd: &CorrectClaim, today: Date) -> Result<ClaimView> {
        let number = write_command!(
            self,
            org.org_id,
            None::<&settle_domain::IdempotencyKey>,
            cmd,
            after = |number| Some(Subject::Claim(String::clone(number))),
            |tx| {
                let conn = tx.conn();
                let head = claim_head(conn, org.org_id, &cmd.claim_number, self.for_update()).await?;
                if !head.status.with_payer() {
                    return Err(bad(
                        "claim_number",
                        format!("claim {} is {}; the payer does not have it, so edit it instead", head.number, head.status),
                    ));
                }
                let open = sqlx::query("SELECT claim_number FROM claim WHERE org_id = $1 AND replaces_claim_id = $2 AND status <> 'closed'")
                    .bind(org.org_id)
                    .bind(head.claim_id)
                    .fetch_optional(&mut *conn)
                    .await?;
                if let Some(open) = open {
                    return Err(bad(
                        "claim_number",
                        format!("claim {} already has a correction under way: {}", head.number, open.try_get::<String, _>(0)?),
                    ));
                }
                let input = self.stored_input(conn, org, head.claim_id).await?;
                let prepared = self
                    .prepare(
                        conn,
                        org,
                        &input,
                        today,
                        Some(head.claim_id),
                        ClaimFrequency::Replacement,
                        &head.payer_claim_number,
                    )
                    .await?;
                let claim_id = next_ids(conn, org.org_id, "claim", 1).await?;
                let number = format!("CLM-{claim_id:06}");
                insert_claim(
                    conn,
                    org.org_id,
                    claim_id,
                    &number,
                    &prepared,
                    ClaimFrequency::Replacement,
                    Some(head.claim_id),
                    &head.payer_claim_number,
                )
                .await?;
                add_event(conn, org.org_id, claim_id, ClaimStatus::Draft, &format!("correction of {}", head.number)).await?;
                add_event(conn, org.org_id, head.claim_id, head.status, &format!("correction {number} started")).await?;
                number
            }
        )?;
        self.claim(org, &number).await
    }

    /// Voids a claim. One the payer has gets a frequency-8 claim, ready to
    /// send; either way the original's charges come off and it is closed.
    pub async fn void_claim(&self, org: &Organisation, cmd: &VoidClaim, today: Date) -> Result<ClaimView> {
        let reason = cmd.reason.trim();
        if reason.is_empty() {
            return Err(bad("reason", "say why the claim is voided"));
        }
        let number = write_command!(
            self,
            org.org_id,
            None::<&settle_domain::IdempotencyKey>,
            cmd,
            after = |number| Some(Subject::Claim(String::clone(number))),
            |tx| {
                let conn = tx.conn();
                let head = claim_head(conn, org.org_id, &cmd.claim_number, self.for_update()).await?;
                if head.status == ClaimStatus::Closed {
                    return Err(bad("claim_number", format!("claim {} is already closed", head.number)));
                }
                if head.frequency == ClaimFrequency::Void {
                    return Err(bad("claim_number", format!("claim {} is itself a void", head.number)));
                }
                if head.charged_entry_id.is_some() {
                    self.uncharge(conn, org, &head, today, "voided").await?;
                }
                let shown = if head.status.with_payer() {
                    let input = self.stored_input(conn, org, head.claim_id).await?;
                    let prepared = self
                        .prepare(conn, org, &input, today, Some(head.claim_id), ClaimFrequency::Void, &head.payer_claim_number)
                        .await?;
                    let claim_id = next_ids(conn, org.org_id, "claim", 1).await?;
                    let number = format!("CLM-{claim_id:06}");
                    insert_claim(
                        conn,
                        org.org_id,
                        claim_id,
                        &number,
                        &prepared,
                        ClaimFrequency::Void,
                        Some(head.claim_id),
                        &head.payer_claim_number,
                    )
                    .await?;
                    let errors: Vec<&Finding> = prepared
                        .findings
                        .iter()
                        .filter(|f| f.level == FindingLevel::Error && f.rule == "payer_claim_number")
                        .collect();
                    let status = if errors.is_empty() { ClaimStatus::Ready } else { ClaimStatus::Scrubbed };
                    set_status(
                        conn,
                        org.org_id,
                        claim_id,
                        status,
                        &format!("void of {}: {reason}", head.number),
                        &prepared.findings,
                    )
                    .await?;
                    set_status(
                        conn,
                        org.org_id,
                        head.claim_id,
                        ClaimStatus::Closed,
                        &format!("voided by {number}: {reason}"),
                        &[],
                    )
                    .await?;
                    number
                } else {
                    set_status(conn, org.org_id, head.claim_id, ClaimStatus::Closed, &format!("voided: {reason}"), &[]).await?;
                    head.number.clone()
                };
                shown
            }
        )?;
        self.claim(org, &number).await
    }

    /// Decides the status after a save or scrub, and charges a claim that
    /// became ready (closing the claim a correction replaces).
    #[allow(clippy::too_many_arguments)]
    async fn settle_status(
        &self,
        conn: &mut AnyConnection,
        org: &Organisation,
        claim_id: i64,
        number: &str,
        prepared: &Prepared,
        draft: bool,
        today: Date,
        what: &str,
    ) -> Result<()> {
        if draft {
            return set_status(conn, org.org_id, claim_id, ClaimStatus::Draft, &format!("{what} as a draft"), &[]).await;
        }
        let errors = prepared.findings.iter().filter(|f| f.level == FindingLevel::Error).count();
        let warnings = prepared.findings.len() - errors;
        if errors > 0 {
            let note = format!("{what}; {errors} error(s) to fix, {warnings} warning(s)");
            sqlx::query("UPDATE claim SET scrubbed_on = $3 WHERE org_id = $1 AND claim_id = $2")
                .bind(org.org_id)
                .bind(claim_id)
                .bind(today.to_string())
                .execute(&mut *conn)
                .await?;
            return set_status(conn, org.org_id, claim_id, ClaimStatus::Scrubbed, &note, &prepared.findings).await;
        }
        sqlx::query("UPDATE claim SET scrubbed_on = $3 WHERE org_id = $1 AND claim_id = $2")
            .bind(org.org_id)
            .bind(claim_id)
            .bind(today.to_string())
            .execute(&mut *conn)
            .await?;
        let head = claim_head(conn, org.org_id, number, "").await?;
        // A secondary claim bills the patient's share the primary left; it adds no charge.
        if head.charged_entry_id.is_none() && head.frequency != ClaimFrequency::Void && head.primary_claim_id.is_none() {
            if let Some(original) = head.replaces_claim_id {
                let original = claim_head_by_id(conn, org.org_id, original).await?;
                if original.charged_entry_id.is_some() {
                    self.uncharge(conn, org, &original, today, &format!("replaced by {number}")).await?;
                }
                if original.status != ClaimStatus::Closed {
                    set_status(conn, org.org_id, original.claim_id, ClaimStatus::Closed, &format!("replaced by {number}"), &[]).await?;
                }
                sqlx::query(
                    "UPDATE denial SET status = 'corrected', note = $3, updated_by = $4, updated_at = $5 WHERE org_id = $1 AND claim_id = $2 \
                     AND status IN ('open', 'appealed')",
                )
                .bind(org.org_id)
                .bind(original.claim_id)
                .bind(format!("replaced by corrected claim {number}"))
                .bind(current_actor().name)
                .bind(now_text())
                .execute(&mut *conn)
                .await?;
            }
            self.charge(conn, org, &head, prepared, today).await?;
        }
        let note = if warnings > 0 {
            format!("{what}; ready, with {warnings} warning(s) to look at")
        } else {
            format!("{what}; ready to send")
        };
        set_status(conn, org.org_id, claim_id, ClaimStatus::Ready, &note, &prepared.findings).await
    }

    /// The payer's receivable account, made on its first claim.
    async fn payer_account(&self, conn: &mut AnyConnection, org: &Organisation, payer: &PayerRow, today: Date) -> Result<AccountRow> {
        if let Some(id) = payer.account_id {
            return self.account_by_id(conn, org.org_id, id).await;
        }
        let code: String = payer.code.chars().filter(char::is_ascii_alphanumeric).take(24).collect();
        let mut number = format!("INS-{code}");
        let taken = sqlx::query("SELECT 1 FROM account WHERE org_id = $1 AND account_number = $2")
            .bind(org.org_id)
            .bind(&number)
            .fetch_optional(&mut *conn)
            .await?;
        if taken.is_some() {
            number = format!("INS-{code}-{}", payer.payer_key);
        }
        let mut batch = Batch::default();
        let created = self
            .stage_account(
                conn,
                org,
                &NewAccount {
                    account_number: number,
                    party: NewParty {
                        kind: PartyKind::Company.as_str().into(),
                        name: payer.name.clone(),
                        ..NewParty::default()
                    },
                    ar_kind: "insurance".into(),
                    currency: None,
                    payment_terms: Some("net30".into()),
                    opened_on: today,
                },
                &mut batch,
                &mut IdBlock::default(),
            )
            .await?;
        batch.flush(conn, org.org_id).await?;
        sqlx::query("UPDATE payer SET account_id = $3 WHERE org_id = $1 AND payer_key = $2")
            .bind(org.org_id)
            .bind(payer.payer_key)
            .bind(created.account_id)
            .execute(&mut *conn)
            .await?;
        self.account_by_id(conn, org.org_id, created.account_id).await
    }

    async fn charge(&self, conn: &mut AnyConnection, org: &Organisation, head: &ClaimHead, prepared: &Prepared, today: Date) -> Result<()> {
        let account = self.payer_account(conn, org, &prepared.coverage.payer, today).await?;
        let count = prepared.lines.len() as i64;
        let first_item = next_ids(conn, org.org_id, "item", count).await?;
        let entry_id = next_ids(conn, org.org_id, "entry", 1).await?;
        let receivable = Receivable {
            account_id: account.account_id,
            gl: GlAccount::ArInsurance,
        };
        let amounts: Vec<(i64, i64)> = prepared
            .lines
            .iter()
            .enumerate()
            .map(|(i, l)| (first_item + i as i64, l.charge.amount_minor()))
            .collect();
        let entry = events::claim_charged(
            today,
            account.currency,
            receivable,
            &amounts,
            &format!("Claim {} for {} ({})", head.number, prepared.patient.name, prepared.account.account_number),
        )?;
        let now = now_text();
        // A claim charged again (after an edit) gets fresh item references.
        let recharged = sqlx::query("SELECT 1 FROM open_item WHERE org_id = $1 AND reference = $2")
            .bind(org.org_id)
            .bind(format!("{}-1", head.number))
            .fetch_optional(&mut *conn)
            .await?
            .is_some();
        let mut batch = Batch::default();
        batch.add_entry(org.org_id, entry_id, Some(account.account_id), &entry, &now);
        for (i, line) in prepared.lines.iter().enumerate() {
            let item_id = first_item + i as i64;
            let reference = if recharged {
                format!("{}-{}-{entry_id}", head.number, i + 1)
            } else {
                format!("{}-{}", head.number, i + 1)
            };
            batch.add(
                &batch::OPEN_ITEM,
                vec![
                    org.org_id.into(),
                    item_id.into(),
                    account.account_id.into(),
                    reference.into(),
                    "claim".into(),
                    V::NI(None),
                    // No procedure code here: descriptions are read by every role
                    // (sight.rs); the code stays on the claim line.
                    format!("{} service for {}", line.date_of_service, prepared.patient.name).into(),
                    line.date_of_service.into(),
                    line.date_of_service.into(),
                    account.currency.code().into(),
                    line.charge.amount_minor().into(),
                    line.charge.amount_minor().into(),
                    0i64.into(),
                    "open".into(),
                ],
            );
        }
        let total: i64 = amounts.iter().map(|(_, a)| a).sum();
        batch.change_account(account.account_id, total, 0);
        batch.flush(conn, org.org_id).await?;
        for (i, (item_id, _)) in amounts.iter().enumerate() {
            sqlx::query("UPDATE claim_line SET item_id = $4 WHERE org_id = $1 AND claim_id = $2 AND line_no = $3")
                .bind(org.org_id)
                .bind(head.claim_id)
                .bind(i as i64 + 1)
                .bind(item_id)
                .execute(&mut *conn)
                .await?;
        }
        sqlx::query("UPDATE claim SET charged_entry_id = $3 WHERE org_id = $1 AND claim_id = $2")
            .bind(org.org_id)
            .bind(head.claim_id)
            .bind(entry_id)
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    /// Takes a claim's charges off the payer's books with the mirror entry.
    async fn uncharge(&self, conn: &mut AnyConnection, org: &Organisation, head: &ClaimHead, today: Date, why: &str) -> Result<()> {
        let rows = sqlx::query(
            "SELECT o.item_id, o.account_id, o.amount_minor, o.balance_minor, o.reference FROM claim_line l \
             JOIN open_item o ON o.org_id = l.org_id AND o.item_id = l.item_id \
             WHERE l.org_id = $1 AND l.claim_id = $2 ORDER BY l.line_no",
        )
        .bind(org.org_id)
        .bind(head.claim_id)
        .fetch_all(&mut *conn)
        .await?;
        let Some(first) = rows.first() else {
            return Ok(());
        };
        let account = self.account_by_id(conn, org.org_id, first.try_get(1)?).await?;
        let mut amounts = Vec::new();
        for r in &rows {
            let (amount, balance): (i64, i64) = (r.try_get(2)?, r.try_get(3)?);
            if amount != balance {
                return Err(bad(
                    "claim_number",
                    format!(
                        "claim {} has {} applied to line {}; money posted against a claim is undone from its remittance, not by editing the claim",
                        head.number,
                        fmt(amount - balance, account.currency),
                        r.try_get::<String, _>(4)?
                    ),
                ));
            }
            amounts.push((r.try_get::<i64, _>(0)?, amount));
        }
        let entry = events::claim_charges_reversed(
            today,
            account.currency,
            Receivable {
                account_id: account.account_id,
                gl: GlAccount::ArInsurance,
            },
            &amounts,
            &format!("Claim {} {why}: charges taken off", head.number),
        )?;
        let entry_id = next_ids(conn, org.org_id, "entry", 1).await?;
        let mut batch = Batch::default();
        batch.add_entry(org.org_id, entry_id, Some(account.account_id), &entry, &now_text());
        for (item_id, amount) in &amounts {
            batch.item_changes.insert(
                *item_id,
                ItemChange {
                    balance_delta_minor: -amount,
                    written_off: false,
                    void: true,
                },
            );
        }
        let total: i64 = amounts.iter().map(|(_, a)| a).sum();
        batch.change_account(account.account_id, -total, 0);
        batch.flush(conn, org.org_id).await?;
        sqlx::query("UPDATE claim SET charged_entry_id = NULL WHERE org_id = $1 AND claim_id = $2")
            .bind(org.org_id)
            .bind(head.claim_id)
            .execute(&mut *conn)
            .await?;
        sqlx::query("UPDATE claim_line SET item_id = NULL WHERE org_id = $1 AND claim_id = $2")
            .bind(org.org_id)
            .bind(head.claim_id)
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    /// A stored claim read back as the input it was entered with.
    async fn stored_input(&self, conn: &mut AnyConnection, org: &Organisation, claim_id: i64) -> Result<ClaimInput> {
        let row = sqlx::query(
            "SELECT a.account_number, y.payer_code, c.billing_provider_key, c.rendering_provider_key, c.place_of_service, c.diagnoses, c.currency \
             FROM claim c JOIN account a ON a.org_id = c.org_id AND a.account_id = c.account_id \
             JOIN payer y ON y.org_id = c.org_id AND y.payer_key = c.payer_key WHERE c.org_id = $1 AND c.claim_id = $2",
        )
        .bind(org.org_id)
        .bind(claim_id)
        .fetch_one(&mut *conn)
        .await?;
        let billing = provider_by_key(conn, org.org_id, row.try_get(2)?).await?;
        let rendering = match row.try_get::<Option<i64>, _>(3)? {
            Some(key) => Some(provider_by_key(conn, org.org_id, key).await?.npi),
            None => None,
        };
        let cur = Currency::from_code(&row.try_get::<String, _>(6)?).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let lines = sqlx::query(
            "SELECT date_of_service, procedure_code, modifiers, diagnosis_pointers, units, charge_minor, place_of_service \
             FROM claim_line WHERE org_id = $1 AND claim_id = $2 ORDER BY line_no",
        )
        .bind(org.org_id)
        .bind(claim_id)
        .fetch_all(&mut *conn)
        .await?;
        let lines = lines
            .iter()
            .map(|l| {
                Ok(ClaimLineInput {
                    date_of_service: parse_date(&l.try_get::<String, _>(0)?)?,
                    procedure_code: l.try_get(1)?,
                    modifiers: split_list(&l.try_get::<String, _>(2)?),
                    diagnosis_pointers: split_list(&l.try_get::<String, _>(3)?).iter().filter_map(|p| p.parse().ok()).collect(),
                    units: u32::try_from(l.try_get::<i64, _>(4)?).unwrap_or(0),
                    charge: Some(fmt(l.try_get(5)?, cur)),
                    place_of_service: l.try_get(6)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(ClaimInput {
            account_number: row.try_get(0)?,
            payer_code: Some(row.try_get(1)?),
            billing_npi: billing.npi,
            rendering_npi: rendering,
            place_of_service: row.try_get(4)?,
            diagnoses: split_list(&row.try_get::<String, _>(5)?),
            lines,
            stated_total: None,
        })
    }

    /// One claim in full.
    pub async fn claim(&self, org: &Organisation, claim_number: &str) -> Result<ClaimView> {
        self.note_read(org.org_id, "claim.read", &format!("claim:{}", claim_number.trim().to_ascii_uppercase()))
            .await?;
        let number = claim_number.trim().to_ascii_uppercase();
        let mut conn = self.pool().acquire().await?;
        let conn = &mut *conn;
        let row = sqlx::query(
            "SELECT c.claim_id, c.claim_number, a.account_number, p.name, y.payer_code, y.name, v.priority, v.member_id, \
             b.npi, r.npi, c.place_of_service, c.frequency, o.claim_number, c.payer_claim_number, c.diagnoses, c.currency, c.total_minor, \
             c.status, c.status_reason, c.findings, c.charged_entry_id, c.batch_id, c.created_at, c.updated_at \
             FROM claim c JOIN account a ON a.org_id = c.org_id AND a.account_id = c.account_id \
             JOIN party p ON p.org_id = a.org_id AND p.party_id = a.party_id \
             JOIN payer y ON y.org_id = c.org_id AND y.payer_key = c.payer_key \
             JOIN coverage v ON v.org_id = c.org_id AND v.coverage_key = c.coverage_key \
             JOIN provider b ON b.org_id = c.org_id AND b.provider_key = c.billing_provider_key \
             LEFT JOIN provider r ON r.org_id = c.org_id AND r.provider_key = c.rendering_provider_key \
             LEFT JOIN claim o ON o.org_id = c.org_id AND o.claim_id = c.replaces_claim_id \
             WHERE c.org_id = $1 AND c.claim_number = $2",
        )
        .bind(org.org_id)
        .bind(&number)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::not_found("claim", &number))?;
        let claim_id: i64 = row.try_get(0)?;
        let cur = Currency::from_code(&row.try_get::<String, _>(15)?).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let findings: Vec<Finding> = serde_json::from_str(&row.try_get::<String, _>(19)?)?;
        let lines = sqlx::query(
            "SELECT l.line_no, l.date_of_service, l.procedure_code, l.modifiers, l.diagnosis_pointers, l.units, l.charge_minor, l.place_of_service, \
             o.reference, o.balance_minor FROM claim_line l LEFT JOIN open_item o ON o.org_id = l.org_id AND o.item_id = l.item_id \
             WHERE l.org_id = $1 AND l.claim_id = $2 ORDER BY l.line_no",
        )
        .bind(org.org_id)
        .bind(claim_id)
        .fetch_all(&mut *conn)
        .await?;
        let lines = lines
            .iter()
            .map(|l| {
                Ok(ClaimLineView {
                    line_no: l.try_get(0)?,
                    date_of_service: l.try_get(1)?,
                    procedure_code: l.try_get(2)?,
                    modifiers: split_list(&l.try_get::<String, _>(3)?),
                    diagnosis_pointers: split_list(&l.try_get::<String, _>(4)?).iter().filter_map(|p| p.parse().ok()).collect(),
                    units: l.try_get(5)?,
                    charge: fmt(l.try_get(6)?, cur),
                    place_of_service: l.try_get(7)?,
                    item_reference: l.try_get(8)?,
                    balance: l.try_get::<Option<i64>, _>(9)?.map(|b| fmt(b, cur)),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let events = sqlx::query("SELECT status, note, actor, at FROM claim_event WHERE org_id = $1 AND claim_id = $2 ORDER BY seq")
            .bind(org.org_id)
            .bind(claim_id)
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|e| {
                Ok(ClaimEventView {
                    status: e.try_get(0)?,
                    note: e.try_get(1)?,
                    actor: e.try_get(2)?,
                    at: e.try_get(3)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(ClaimView {
            claim_number: row.try_get(1)?,
            account_number: row.try_get(2)?,
            patient_name: row.try_get(3)?,
            payer_code: row.try_get(4)?,
            payer_name: row.try_get(5)?,
            coverage_priority: row.try_get(6)?,
            member_id: row.try_get(7)?,
            billing_npi: row.try_get(8)?,
            rendering_npi: row.try_get(9)?,
            place_of_service: row.try_get(10)?,
            frequency: row.try_get(11)?,
            replaces: row.try_get(12)?,
            payer_claim_number: row.try_get(13)?,
            diagnoses: split_list(&row.try_get::<String, _>(14)?)
                .iter()
                .map(|d| IcdCode::parse(d).map(|c| c.dotted()).unwrap_or_else(|_| d.clone()))
                .collect(),
            currency: cur.code().to_string(),
            total: fmt(row.try_get(16)?, cur),
            status: row.try_get(17)?,
            status_reason: row.try_get(18)?,
            findings: findings.iter().map(FindingView::from).collect(),
            charged: row.try_get::<Option<i64>, _>(20)?.is_some(),
            file_id: row.try_get(21)?,
            lines,
            events,
            created_at: row.try_get(22)?,
            updated_at: row.try_get(23)?,
        })
    }

    /// Claims, newest first, filtered by status, payer or account.
    pub async fn claims(&self, org: &Organisation, filter: &ClaimFilter) -> Result<Vec<ClaimSummary>> {
        self.note_read(org.org_id, "claim.list", "claims").await?;
        let mut sql = String::from(
            "SELECT c.claim_number, a.account_number, p.name, y.payer_code, c.frequency, \
             (SELECT MIN(l.date_of_service) FROM claim_line l WHERE l.org_id = c.org_id AND l.claim_id = c.claim_id), \
             c.total_minor, c.currency, c.status, c.status_reason, c.findings, c.updated_at \
             FROM claim c JOIN account a ON a.org_id = c.org_id AND a.account_id = c.account_id \
             JOIN party p ON p.org_id = a.org_id AND p.party_id = a.party_id \
             JOIN payer y ON y.org_id = c.org_id AND y.payer_key = c.payer_key WHERE c.org_id = $1",
        );
        let mut binds: Vec<String> = Vec::new();
        if let Some(status) = filter.status.as_deref().filter(|s| !s.is_empty()) {
            let status = ClaimStatus::parse(status).ok_or_else(|| {
                bad(
                    "status",
                    format!(
                        "{status:?} is not a claim status; use one of {}",
                        ClaimStatus::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
                    ),
                )
            })?;
            binds.push(status.as_str().to_string());
            sql.push_str(&format!(" AND c.status = ${}", binds.len() + 1));
        }
        if let Some(payer) = filter.payer_code.as_deref().filter(|s| !s.is_empty()) {
            binds.push(payer.trim().to_ascii_uppercase());
            sql.push_str(&format!(" AND y.payer_code = ${}", binds.len() + 1));
        }
        if let Some(account) = filter.account_number.as_deref().filter(|s| !s.is_empty()) {
            binds.push(account.trim().to_ascii_uppercase());
            sql.push_str(&format!(" AND a.account_number = ${}", binds.len() + 1));
        }
        sql.push_str(&format!(" ORDER BY c.claim_id DESC LIMIT {}", filter.limit.unwrap_or(500).clamp(1, 5000)));
        let mut query = sqlx::query(&sql).bind(org.org_id);
        for b in &binds {
            query = query.bind(b.clone());
        }
        let rows = query.fetch_all(self.pool()).await?;
        rows.iter()
            .map(|r| {
                let cur = Currency::from_code(&r.try_get::<String, _>(7)?).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                let findings: Vec<Finding> = serde_json::from_str(&r.try_get::<String, _>(10)?)?;
                let errors = findings.iter().filter(|f| f.level == FindingLevel::Error).count() as i64;
                Ok(ClaimSummary {
                    claim_number: r.try_get(0)?,
                    account_number: r.try_get(1)?,
                    patient_name: r.try_get(2)?,
                    payer_code: r.try_get(3)?,
                    frequency: r.try_get(4)?,
                    first_date_of_service: r.try_get::<Option<String>, _>(5)?.unwrap_or_default(),
                    total: fmt(r.try_get(6)?, cur),
                    currency: cur.code().to_string(),
                    status: r.try_get(8)?,
                    status_reason: r.try_get(9)?,
                    errors,
                    warnings: findings.len() as i64 - errors,
                    updated_at: r.try_get(11)?,
                })
            })
            .collect()
    }

    /// How many claims are in each status.
    pub async fn claim_counts(&self, org: &Organisation) -> Result<BTreeMap<String, i64>> {
        let rows = sqlx::query("SELECT status, CAST(COUNT(*) AS BIGINT) FROM claim WHERE org_id = $1 GROUP BY status")
            .bind(org.org_id)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect()
    }

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
        let mut tx = self.begin_write().await?;
        let conn = tx.conn();
        let payer = payer_by_code(conn, org.org_id, &cmd.payer_code).await?;
        let ready = self.ready_batch(conn, org, &payer, &settings).await?;
        let mut held = Vec::new();
        let mut by_provider: BTreeMap<i64, (ProviderRow, Vec<p837::ClaimOut>)> = BTreeMap::new();
        let mut sent = Vec::new();
        let mut total = Money::zero(Currency::from_code(&org.base_currency).map_err(|e| StoreError::Corrupt(e.to_string()))?);
        let (books, claims) = ready;
        for (head, input) in &claims {
            let (claim_id, number) = (&head.claim_id, &head.number);
            let prepared = books.build(input, today, Some(*claim_id), head.frequency, &head.payer_claim_number)?;
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
            tx.commit().await?;
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
                },
                claims,
            });
        }
        let submission = p837::Submission {
            submitter_name: org.name.clone(),
            submitter_id: submitter_id.clone(),
            contact_name: "BILLING OFFICE".into(),
            contact_phone: phone,
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
        mark_submitted(conn, org.org_id, &ids, file_id, &format!("sent in 837P file {file_id} (ISA13 {control:09})")).await?;
        audit::append(
            conn,
            self.for_update(),
            org.org_id,
            "claims.export",
            &format!("x12_file:{file_id}"),
            None,
            Some(&serde_json::json!({ "payer": payer.code, "claims": claims, "held": held.iter().map(|h| &h.claim_number).collect::<Vec<_>>() })),
        )
        .await?;
        tx.commit().await?;
        Ok(ExportOutcome {
            file_id: Some(file_id),
            file_name: format!("837P-{}-{control:09}.x12", payer.code),
            interchange_control: control,
            claims,
            total: total.to_decimal_string(),
            held,
            body,
        })
    }

    /// A payer's ready claims (locked), read back as inputs, with the books
    /// to scrub them against, in a handful of queries whatever their number.
    async fn ready_batch(
        &self,
        conn: &mut AnyConnection,
        org: &Organisation,
        payer: &PayerRow,
        settings: &crate::office::OrgSettings,
    ) -> Result<(Books, Vec<(ClaimHead, ClaimInput)>)> {
        let scope = Scope::ReadyFor(payer.payer_key);
        let lock = if self.for_update().is_empty() { "" } else { " FOR UPDATE OF c" };
        let rows = sqlx::query(&format!(
            "SELECT c.claim_id, c.claim_number, c.status, c.frequency, c.payer_claim_number, c.replaces_claim_id, c.charged_entry_id, \
             a.account_number, b.npi, r.npi, c.place_of_service, c.diagnoses, c.primary_claim_id \
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
            "SELECT l.claim_id, l.date_of_service, l.procedure_code, l.modifiers, l.diagnosis_pointers, l.units, l.charge_minor, l.place_of_service \
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
            by_claim.entry(l.try_get(0)?).or_default().push(ClaimLineInput {
                date_of_service: parse_date(&l.try_get::<String, _>(1)?)?,
                procedure_code: l.try_get(2)?,
                modifiers: split_list(&l.try_get::<String, _>(3)?),
                diagnosis_pointers: split_list(&l.try_get::<String, _>(4)?).iter().filter_map(|p| p.parse().ok()).collect(),
                units: u32::try_from(l.try_get::<i64, _>(5)?).unwrap_or(0),
                charge: Some(fmt(l.try_get(6)?, cur)),
                place_of_service: l.try_get(7)?,
            });
        }
        let mut claims = Vec::with_capacity(rows.len());
        for r in &rows {
            let head = head_from_row(r)?;
            let input = ClaimInput {
                account_number: r.try_get(7)?,
                payer_code: Some(payer.code.clone()),
                billing_npi: r.try_get(8)?,
                rendering_npi: r.try_get(9)?,
                place_of_service: r.try_get(10)?,
                diagnoses: split_list(&r.try_get::<String, _>(11)?),
                lines: by_claim.remove(&head.claim_id).unwrap_or_default(),
                stated_total: None,
            };
            claims.push((head, input));
        }
        let mut books = Books {
            rules_off: settings.scrub_rules_off.clone(),
            ..Books::default()
        };
        books.load_parties(conn, org.org_id).await?;
        let accounts = sqlx::query(&format!(
            "SELECT a.account_id, a.account_number, a.ar_kind, a.currency, a.status, a.payment_terms, a.balance_minor, a.credit_minor, \
             p.name, p.date_of_birth, p.sex, {CURRENT_ADDRESS_COLUMNS} \
             FROM account a JOIN party p ON p.org_id = a.org_id AND p.party_id = a.party_id {CURRENT_ADDRESS_JOIN} WHERE a.org_id = $1 AND {}",
            scope.on("a.account_id")
        ))
        .bind(org.org_id)
        .bind(scope.key())
        .fetch_all(&mut *conn)
        .await?;
        for r in &accounts {
            let account = crate::ops::account_from_row(r)?;
            let patient = Patient {
                name: r.try_get(8)?,
                date_of_birth: r.try_get::<Option<String>, _>(9)?.map(|d| parse_date(&d)).transpose()?,
                sex: Sex::parse(&r.try_get::<String, _>(10)?).unwrap_or(Sex::Unknown),
                address: crate::address::kept_from(r, 11, 12)?,
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

    /// Reads a 999 or 277CA and moves the claims it names: all of it, or
    /// nothing if the file cannot be read.
    pub async fn import_acknowledgment(&self, org: &Organisation, cmd: &ImportAcknowledgment) -> Result<AckOutcome> {
        let parsed = settle_x12::read(cmd.body.as_bytes());
        if parsed.has_errors() {
            let problems: Vec<String> = parsed
                .diagnostics
                .iter()
                .filter(|d| d.severity == settle_x12::Severity::Error)
                .map(|d| d.to_string())
                .collect();
            return Err(bad("file", format!("{}: {}", cmd.file_name, problems.join("; "))));
        }
        let kinds: Vec<String> = parsed
            .interchanges
            .iter()
            .flat_map(|i| i.groups.iter().flat_map(|g| g.transactions.iter().map(|t| t.kind().to_string())))
            .collect();
        let as_error = |d: Vec<settle_x12::Diagnostic>| {
            bad(
                "file",
                format!("{}: {}", cmd.file_name, d.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("; ")),
            )
        };
        let actor = current_actor();
        let mut tx = self.begin_write().await?;
        let conn = tx.conn();
        let mut outcome = AckOutcome {
            kind: String::new(),
            file_id: 0,
            eligibility: vec![],
            applied: vec![],
            unchanged: vec![],
            unmatched: vec![],
        };
        if kinds.iter().any(|k| k == "999") {
            outcome.kind = "999".into();
            for ack in settle_x12::ack::read_999(&parsed).map_err(as_error)? {
                let control: i64 = ack.group_control.trim().parse().unwrap_or(-1);
                let file = sqlx::query("SELECT file_id FROM x12_file WHERE org_id = $1 AND direction = 'out' AND group_control = $2")
                    .bind(org.org_id)
                    .bind(control)
                    .fetch_optional(&mut *conn)
                    .await?;
                let Some(file) = file else {
                    outcome.unmatched.push(format!(
                        "segment {}: group control number {} is not a file Settle sent",
                        ack.segment_number, ack.group_control
                    ));
                    continue;
                };
                let file_id: i64 = file.try_get(0)?;
                let claims = sqlx::query("SELECT claim_id, claim_number, status FROM claim WHERE org_id = $1 AND batch_id = $2 ORDER BY claim_id")
                    .bind(org.org_id)
                    .bind(file_id)
                    .fetch_all(&mut *conn)
                    .await?;
                for c in claims {
                    let (claim_id, number, status): (i64, String, String) = (c.try_get(0)?, c.try_get(1)?, c.try_get(2)?);
                    let status = ClaimStatus::parse(&status).ok_or_else(|| StoreError::Corrupt(format!("claim status {status:?}")))?;
                    if ack.accepted() {
                        let note = format!("999 from file {}: transaction {} accepted ({})", cmd.file_name, ack.control_number, ack.code);
                        outcome.unchanged.push(AckApplied {
                            claim_number: number,
                            status: status.as_str().into(),
                            note,
                        });
                    } else if status == ClaimStatus::Submitted {
                        let note = format!("999 rejected the file's transaction {}: {}", ack.control_number, ack.errors.join("; "));
                        set_status_keep_findings(conn, org.org_id, claim_id, ClaimStatus::Rejected, &note).await?;
                        outcome.applied.push(AckApplied {
                            claim_number: number,
                            status: "rejected".into(),
                            note,
                        });
                    } else {
                        outcome.unchanged.push(AckApplied {
                            claim_number: number,
                            status: status.as_str().into(),
                            note: "already past submitted; the 999 changes nothing".into(),
                        });
                    }
                }
            }
        } else if kinds.iter().any(|k| k == "271") {
            outcome.kind = "271".into();
            self.apply_271(conn, org, &parsed, &mut outcome).await?;
        } else if kinds.iter().any(|k| k == "277") {
            outcome.kind = "277CA".into();
            for ack in settle_x12::ack::read_277ca(&parsed).map_err(as_error)? {
                let row = sqlx::query("SELECT claim_id, status FROM claim WHERE org_id = $1 AND claim_number = $2")
                    .bind(org.org_id)
                    .bind(ack.claim_number.trim().to_ascii_uppercase())
                    .fetch_optional(&mut *conn)
                    .await?;
                let Some(row) = row else {
                    outcome.unmatched.push(format!(
                        "segment {}: claim {} is not a claim Settle sent ({})",
                        ack.segment_number,
                        ack.claim_number,
                        ack.reason()
                    ));
                    continue;
                };
                let claim_id: i64 = row.try_get(0)?;
                let status = row.try_get::<String, _>(1)?;
                let status = ClaimStatus::parse(&status).ok_or_else(|| StoreError::Corrupt(format!("claim status {status:?}")))?;
                let next = if ack.accepted() { ClaimStatus::Accepted } else { ClaimStatus::Rejected };
                let note = ack.reason();
                if !ack.payer_claim_number.is_empty() {
                    sqlx::query("UPDATE claim SET payer_claim_number = $3 WHERE org_id = $1 AND claim_id = $2")
                        .bind(org.org_id)
                        .bind(claim_id)
                        .bind(&ack.payer_claim_number)
                        .execute(&mut *conn)
                        .await?;
                }
                if status.acknowledgment_may_move_to(next) {
                    set_status_keep_findings(conn, org.org_id, claim_id, next, &note).await?;
                    outcome.applied.push(AckApplied {
                        claim_number: ack.claim_number.clone(),
                        status: next.as_str().into(),
                        note,
                    });
                } else {
                    outcome.unchanged.push(AckApplied {
                        claim_number: ack.claim_number.clone(),
                        status: status.as_str().into(),
                        note: format!("{note}; the claim is already {status}, so nothing changed"),
                    });
                }
            }
        } else {
            return Err(bad(
                "file",
                format!(
                    "{}: holds no 999 or 277 acknowledgment and no 271 (found: {}){}",
                    cmd.file_name,
                    if kinds.is_empty() { "none".into() } else { kinds.join(", ") },
                    if kinds.iter().any(|k| k == "835") {
                        "; an 835 is posted with `settle claim remit` or on the Post an ERA page"
                    } else {
                        ""
                    }
                ),
            ));
        }
        let file_id = next_ids(conn, org.org_id, "x12_file", 1).await?;
        outcome.file_id = file_id;
        let control: i64 = parsed.interchanges.first().map(|i| i.control_number().trim().parse().unwrap_or(0)).unwrap_or(0);
        sqlx::query(
            "INSERT INTO x12_file (org_id, file_id, direction, kind, payer_key, interchange_control, group_control, claim_count, total_minor, body, summary, created_by, created_at) \
             VALUES ($1, $2, 'in', $3, NULL, $4, 0, $5, 0, $6, $7, $8, $9)",
        )
        .bind(org.org_id)
        .bind(file_id)
        .bind(&outcome.kind)
        .bind(control)
        .bind((outcome.applied.len() + outcome.unchanged.len()) as i64)
        .bind(&cmd.body)
        .bind(format!(
            "{}: {} applied, {} unchanged, {} unmatched",
            cmd.file_name,
            outcome.applied.len(),
            outcome.unchanged.len(),
            outcome.unmatched.len()
        ))
        .bind(&actor.name)
        .bind(now_text())
        .execute(&mut *conn)
        .await?;
        audit::append(
            conn,
            self.for_update(),
            org.org_id,
            "claims.acknowledgment",
            &format!("x12_file:{file_id}"),
            None,
            Some(&serde_json::to_value(&outcome)?),
        )
        .await?;
        tx.commit().await?;
        Ok(outcome)
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
                    file_id: r.try_get(0)?,
                    direction: r.try_get(1)?,
                    kind: r.try_get(2)?,
                    payer_code: r.try_get(3)?,
                    interchange_control: r.try_get(4)?,
                    claim_count: r.try_get(5)?,
                    total: fmt(r.try_get(6)?, cur),
                    summary: r.try_get(7)?,
                    created_by: r.try_get(8)?,
                    created_at: r.try_get(9)?,
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
            .try_get(0)?;
        let view = self
            .x12_files(org)
            .await?
            .into_iter()
            .find(|f| f.file_id == file_id)
            .ok_or_else(|| StoreError::not_found("x12 file", file_id))?;
        Ok((view, body))
    }
}

// ---------------------------------------------------------------- rows

#[derive(Clone, Debug)]
struct ClaimHead {
    claim_id: i64,
    number: String,
    status: ClaimStatus,
    frequency: ClaimFrequency,
    payer_claim_number: String,
    replaces_claim_id: Option<i64>,
    charged_entry_id: Option<i64>,
    /// For a secondary claim: the primary claim it follows.
    primary_claim_id: Option<i64>,
}

const HEAD: &str =
    "SELECT claim_id, claim_number, status, frequency, payer_claim_number, replaces_claim_id, charged_entry_id, primary_claim_id FROM claim WHERE org_id = $1";

fn head_from_row(row: &AnyRow) -> Result<ClaimHead> {
    let status: String = row.try_get(2)?;
    let frequency: String = row.try_get(3)?;
    Ok(ClaimHead {
        claim_id: row.try_get(0)?,
        number: row.try_get(1)?,
        status: ClaimStatus::parse(&status).ok_or_else(|| StoreError::Corrupt(format!("claim status {status:?}")))?,
        frequency: ClaimFrequency::parse(&frequency).ok_or_else(|| StoreError::Corrupt(format!("claim frequency {frequency:?}")))?,
        payer_claim_number: row.try_get(4)?,
        replaces_claim_id: row.try_get(5)?,
        charged_entry_id: row.try_get(6)?,
        primary_claim_id: row.try_get("primary_claim_id")?,
    })
}

async fn claim_head(conn: &mut AnyConnection, org_id: i64, number: &str, for_update: &str) -> Result<ClaimHead> {
    let number = number.trim().to_ascii_uppercase();
    let row = sqlx::query(&format!("{HEAD} AND claim_number = $2{for_update}"))
        .bind(org_id)
        .bind(&number)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::not_found("claim", &number))?;
    head_from_row(&row)
}

async fn claim_head_by_id(conn: &mut AnyConnection, org_id: i64, claim_id: i64) -> Result<ClaimHead> {
    let row = sqlx::query(&format!("{HEAD} AND claim_id = $2"))
        .bind(org_id)
        .bind(claim_id)
        .fetch_one(&mut *conn)
        .await?;
    head_from_row(&row)
}

fn diagnosis_text(diagnoses: &[IcdCode]) -> String {
    diagnoses.iter().map(|d| d.as_str()).collect::<Vec<_>>().join(" ")
}

#[allow(clippy::too_many_arguments)]
async fn insert_claim(
    conn: &mut AnyConnection,
    org_id: i64,
    claim_id: i64,
    number: &str,
    p: &Prepared,
    frequency: ClaimFrequency,
    replaces: Option<i64>,
    payer_claim_number: &str,
) -> Result<()> {
    let now = now_text();
    sqlx::query(
        "INSERT INTO claim (org_id, claim_id, claim_number, account_id, payer_key, coverage_key, billing_provider_key, rendering_provider_key, \
         place_of_service, frequency, replaces_claim_id, payer_claim_number, diagnoses, currency, total_minor, status, status_reason, findings, \
         scrubbed_on, charged_entry_id, batch_id, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 'draft', '', '[]', NULL, NULL, NULL, $16, $16)",
    )
    .bind(org_id)
    .bind(claim_id)
    .bind(number)
    .bind(p.account.account_id)
    .bind(p.coverage.payer.payer_key)
    .bind(p.coverage.coverage_key)
    .bind(p.billing.provider_key)
    .bind(p.rendering.as_ref().map(|r| r.provider_key))
    .bind(p.place.as_str())
    .bind(frequency.code())
    .bind(replaces)
    .bind(payer_claim_number)
    .bind(diagnosis_text(&p.diagnoses))
    .bind(p.account.currency.code())
    .bind(p.claim.stated_total.amount_minor())
    .bind(&now)
    .execute(&mut *conn)
    .await?;
    insert_lines(conn, org_id, claim_id, &p.lines).await
}

async fn insert_lines(conn: &mut AnyConnection, org_id: i64, claim_id: i64, lines: &[ServiceLine]) -> Result<()> {
    for (i, l) in lines.iter().enumerate() {
        sqlx::query(
            "INSERT INTO claim_line (org_id, claim_id, line_no, date_of_service, procedure_code, modifiers, diagnosis_pointers, units, charge_minor, place_of_service, item_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL)",
        )
        .bind(org_id)
        .bind(claim_id)
        .bind(i as i64 + 1)
        .bind(l.date_of_service.to_string())
        .bind(l.procedure.as_str())
        .bind(l.modifiers.iter().map(|m| m.as_str()).collect::<Vec<_>>().join(" "))
        .bind(l.diagnosis_pointers.iter().map(u8::to_string).collect::<Vec<_>>().join(" "))
        .bind(i64::from(l.units))
        .bind(l.charge.amount_minor())
        .bind(l.place_of_service.as_ref().map(|p| p.as_str().to_string()))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

async fn add_event(conn: &mut AnyConnection, org_id: i64, claim_id: i64, status: ClaimStatus, note: &str) -> Result<()> {
    let seq: i64 = sqlx::query("SELECT CAST(COALESCE(MAX(seq), 0) + 1 AS BIGINT) FROM claim_event WHERE org_id = $1 AND claim_id = $2")
        .bind(org_id)
        .bind(claim_id)
        .fetch_one(&mut *conn)
        .await?
        .try_get(0)?;
    sqlx::query("INSERT INTO claim_event (org_id, claim_id, seq, status, note, actor, at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(org_id)
        .bind(claim_id)
        .bind(seq)
        .bind(status.as_str())
        .bind(note)
        .bind(current_actor().name)
        .bind(now_text())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

async fn set_status(conn: &mut AnyConnection, org_id: i64, claim_id: i64, status: ClaimStatus, note: &str, findings: &[Finding]) -> Result<()> {
    sqlx::query("UPDATE claim SET status = $3, status_reason = $4, findings = $5, updated_at = $6 WHERE org_id = $1 AND claim_id = $2")
        .bind(org_id)
        .bind(claim_id)
        .bind(status.as_str())
        .bind(note)
        .bind(serde_json::to_string(findings)?)
        .bind(now_text())
        .execute(&mut *conn)
        .await?;
    add_event(conn, org_id, claim_id, status, note).await
}

/// Marks many claims submitted in one file: statuses, file, and an event
/// each, in a few statements whatever their number.
async fn mark_submitted(conn: &mut AnyConnection, org_id: i64, claim_ids: &[i64], file_id: i64, note: &str) -> Result<()> {
    let now = now_text();
    let actor = current_actor().name;
    for chunk in claim_ids.chunks(2_000) {
        let list = chunk.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        sqlx::query(&format!(
            "UPDATE claim SET status = 'submitted', status_reason = $2, batch_id = $3, updated_at = $4 WHERE org_id = $1 AND claim_id IN ({list})"
        ))
        .bind(org_id)
        .bind(note)
        .bind(file_id)
        .bind(&now)
        .execute(&mut *conn)
        .await?;
        let seqs = sqlx::query(&format!(
            "SELECT claim_id, CAST(MAX(seq) AS BIGINT) FROM claim_event WHERE org_id = $1 AND claim_id IN ({list}) GROUP BY claim_id"
        ))
        .bind(org_id)
        .fetch_all(&mut *conn)
        .await?;
        let last: HashMap<i64, i64> = seqs.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect::<Result<_>>()?;
        let mut batch = Batch::default();
        for id in chunk {
            batch.add(
                &batch::CLAIM_EVENT,
                vec![
                    org_id.into(),
                    (*id).into(),
                    (last.get(id).copied().unwrap_or(0) + 1).into(),
                    "submitted".into(),
                    note.into(),
                    actor.clone().into(),
                    now.clone().into(),
                ],
            );
        }
        batch.flush(conn, org_id).await?;
    }
    Ok(())
}

/// Moves a claim to `status` with a note, keeping its findings (an
/// acknowledgment, a submission, a remittance).
/// A note on the claim's history, its status unchanged.
pub(crate) async fn note_event(conn: &mut AnyConnection, org_id: i64, claim_id: i64, note: &str) -> Result<()> {
    let status: String = sqlx::query("SELECT status FROM claim WHERE org_id = $1 AND claim_id = $2")
        .bind(org_id)
        .bind(claim_id)
        .fetch_one(&mut *conn)
        .await?
        .try_get(0)?;
    let status = ClaimStatus::parse(&status).ok_or_else(|| StoreError::Corrupt(format!("claim status {status}")))?;
    add_event(conn, org_id, claim_id, status, note).await
}

/// After a denial is written off: a denied or partly paid claim that owes
/// nothing more is closed (nothing was paid) or paid.
pub(crate) async fn settle_claim_status(conn: &mut AnyConnection, org_id: i64, claim_id: i64) -> Result<()> {
    let row = sqlx::query(
        "SELECT c.status, CAST(COALESCE(SUM(o.balance_minor), 0) AS BIGINT) FROM claim c LEFT JOIN claim_line l ON l.org_id = c.org_id AND l.claim_id = c.claim_id \
         LEFT JOIN open_item o ON o.org_id = l.org_id AND o.item_id = l.item_id WHERE c.org_id = $1 AND c.claim_id = $2 GROUP BY c.status",
    )
    .bind(org_id)
    .bind(claim_id)
    .fetch_one(&mut *conn)
    .await?;
    let (status, owed): (String, i64) = (row.try_get(0)?, row.try_get(1)?);
    if owed != 0 {
        return Ok(());
    }
    match status.as_str() {
        "denied" => set_status_keep_findings(conn, org_id, claim_id, ClaimStatus::Closed, "closed: the denied amount was written off").await,
        "partially_paid" => set_status_keep_findings(conn, org_id, claim_id, ClaimStatus::Paid, "paid: the denied rest was written off").await,
        _ => Ok(()),
    }
}

pub(crate) async fn set_status_keep_findings(conn: &mut AnyConnection, org_id: i64, claim_id: i64, status: ClaimStatus, note: &str) -> Result<()> {
    sqlx::query("UPDATE claim SET status = $3, status_reason = $4, updated_at = $5 WHERE org_id = $1 AND claim_id = $2")
        .bind(org_id)
        .bind(claim_id)
        .bind(status.as_str())
        .bind(note)
        .bind(now_text())
        .execute(&mut *conn)
        .await?;
    add_event(conn, org_id, claim_id, status, note).await
}

fn person(name: &str, date_of_birth: Option<Date>, sex: Sex, address: Option<&KeptAddress>) -> p837::PersonOut {
    let (last, first) = split_person_name(name);
    p837::PersonOut {
        last: last.to_ascii_uppercase(),
        first: first.to_ascii_uppercase(),
        date_of_birth,
        sex,
        address: address.and_then(KeptAddress::postal).cloned(),
    }
}

fn claim_out(number: &str, head: &ClaimHead, p: &Prepared) -> Result<p837::ClaimOut> {
    let c = &p.coverage;
    let patient = person(&p.patient.name, p.patient.date_of_birth, p.patient.sex, p.patient.address.as_ref());
    let (subscriber, dependent) = if c.relationship == "self" {
        (patient, None)
    } else {
        let subscriber = person(&c.subscriber_name, None, Sex::Unknown, None);
        (subscriber, Some((c.relationship_code().to_string(), patient)))
    };
    let rendering = p.rendering.as_ref().filter(|r| r.npi != p.billing.npi).map(|r| {
        let (last, first) = split_person_name(&r.name);
        p837::RenderingOut {
            last: last.to_ascii_uppercase(),
            first: first.to_ascii_uppercase(),
            npi: r.npi.clone(),
            taxonomy: r.taxonomy.clone(),
        }
    });
    let other_coverage = p
        .others
        .iter()
        .map(|o| {
            let name = if o.relationship == "self" {
                p.patient.name.clone()
            } else {
                o.subscriber_name.clone()
            };
            let (last, first) = split_person_name(&name);
            p837::OtherCoverage {
                priority: o.priority_code(),
                relationship: o.relationship_code().to_string(),
                group_number: o.group_number.clone(),
                filing_indicator: o.payer.filing.code().to_string(),
                subscriber_last: last.to_ascii_uppercase(),
                subscriber_first: first.to_ascii_uppercase(),
                member_id: o.member_id.clone(),
                payer_name: o.payer.name.clone(),
                payer_id: o.payer.code.clone(),
                adjudication: None,
            }
        })
        .collect();
    Ok(p837::ClaimOut {
        claim_number: number.to_string(),
        total: p.claim.stated_total,
        place_of_service: p.place.as_str().to_string(),
        frequency: head.frequency,
        payer_claim_number: head.payer_claim_number.clone(),
        priority: c.priority_code(),
        filing_indicator: c.payer.filing.code().to_string(),
        group_number: c.group_number.clone(),
        subscriber,
        member_id: c.member_id.clone(),
        dependent,
        diagnoses: p.diagnoses.clone(),
        rendering,
        other_coverage,
        lines: p
            .lines
            .iter()
            .enumerate()
            .map(|(i, l)| p837::LineOut {
                control_number: format!("{number}-{}", i + 1),
                date_of_service: l.date_of_service,
                procedure: l.procedure.clone(),
                modifiers: l.modifiers.clone(),
                charge: l.charge,
                units: l.units,
                place_of_service: l.place_of_service.as_ref().map(|x| x.as_str().to_string()),
                diagnosis_pointers: l.diagnosis_pointers.clone(),
            })
            .collect(),
    })
}

// ---------------------------------------------------------------- 837P in

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
}

fn x12_date(field: &str, text: &str, at: usize) -> std::result::Result<Date, String> {
    settle_x12::parse_date8(text).ok_or_else(|| format!("segment {at}: {field} {text:?} is not a date (CCYYMMDD)"))
}

fn title(text: &str) -> String {
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
fn incoming_address(p: &settle_x12::p837::PersonIn, who: &str) -> Result<Option<PostalAddress>> {
    if !p.has_address() {
        return Ok(None);
    }
    let region = if p.country.is_empty() { &p.state } else { &p.region };
    PostalAddress::new(&title(&p.street), &title(&p.street2), &title(&p.city), region, &p.zip, &p.country)
        .map(Some)
        .map_err(|e| bad("file", format!("{who}'s address (N3/N4): {e}")))
}

/// A claim read from the file, checked, with what it needs from the books.
struct Incoming {
    claim: settle_x12::p837::ClaimIn,
    patient: settle_x12::p837::PersonIn,
    relationship: &'static str,
    born: Date,
    filing: ClaimFilingIndicator,
    first_date: Date,
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

        let mut tx = self.begin_write().await?;
        let conn = tx.conn();
        let mut outcome = Import837Outcome::default();
        for inc in &incoming {
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
                let exists = sqlx::query("SELECT 1 FROM provider WHERE org_id = $1 AND npi = $2")
                    .bind(org.org_id)
                    .bind(npi.as_str())
                    .fetch_optional(&mut *conn)
                    .await?
                    .is_some();
                if exists {
                    continue;
                }
                let key = next_ids(conn, org.org_id, "provider", 1).await?;
                let address = if billing {
                    incoming_address(&p.person, &format!("the billing provider {}", p.npi))?
                } else {
                    None
                };
                let sql = format!(
                    "INSERT INTO provider (org_id, provider_key, npi, name, kind, taxonomy, tax_id, address, created_at, {}) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
                    crate::address::COLUMNS
                );
                let query = sqlx::query(&sql)
                    .bind(org.org_id)
                    .bind(key)
                    .bind(npi.as_str())
                    .bind(title(&p.name))
                    .bind(if p.entity == "2" { "organisation" } else { "person" })
                    .bind(p.taxonomy.to_ascii_uppercase())
                    .bind(if billing { p.tax_id.clone() } else { String::new() })
                    .bind(address.as_ref().map(PostalAddress::one_line).unwrap_or_default())
                    .bind(now_text());
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
                    .map(|l| ClaimLineInput {
                        date_of_service: x12_date("", &l.date_of_service, 0).unwrap_or(inc.first_date),
                        procedure_code: l.procedure.clone(),
                        modifiers: l.modifiers.clone(),
                        diagnosis_pointers: l.pointers.iter().filter_map(|p| p.parse().ok()).collect(),
                        units: l.units.split('.').next().and_then(|u| u.parse().ok()).unwrap_or(0),
                        charge: Some(l.charge.clone()),
                        place_of_service: Some(l.place_of_service.clone()).filter(|p| !p.is_empty()),
                    })
                    .collect(),
                stated_total: Some(c.total.clone()),
            };
            let prepared = self.prepare(conn, org, &input, today, None, ClaimFrequency::Original, "").await.map_err(|e| {
                bad(
                    "file",
                    format!("{}: claim {} (segment {}): {e}", cmd.file_name, c.claim_number, c.segment_number),
                )
            })?;
            let claim_id = next_ids(conn, org.org_id, "claim", 1).await?;
            let number = format!("CLM-{claim_id:06}");
            insert_claim(conn, org.org_id, claim_id, &number, &prepared, ClaimFrequency::Original, None, "").await?;
            self.settle_status(
                conn,
                org,
                claim_id,
                &number,
                &prepared,
                false,
                today,
                &format!("imported from {} (their claim {})", cmd.file_name, c.claim_number),
            )
            .await?;
            let head = claim_head_by_id(conn, org.org_id, claim_id).await?;
            outcome.claims.push(ImportedClaim {
                their_number: c.claim_number.clone(),
                claim_number: number,
                account_number,
                status: head.status.as_str().into(),
                errors: prepared.findings.iter().filter(|f| f.level == FindingLevel::Error).count() as i64,
            });
        }
        audit::append(
            conn,
            self.for_update(),
            org.org_id,
            "claims.import",
            &format!("file:{}", cmd.file_name),
            None,
            Some(&serde_json::to_value(&outcome)?),
        )
        .await?;
        tx.commit().await?;
        Ok(outcome)
    }

    /// The patient's account: found by name and date of birth, or opened.
    async fn import_patient(
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
            return Ok(row.try_get(0)?);
        }
        let taken: i64 = sqlx::query("SELECT CAST(COUNT(*) AS BIGINT) FROM account WHERE org_id = $1 AND account_number LIKE 'IMP-%'")
            .bind(org.org_id)
            .fetch_one(&mut *conn)
            .await?
            .try_get(0)?;
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
                    name,
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

/// Puts the primary payer's adjudication (its latest posted answer) on the
/// primary coverage of a secondary claim: 2320 CAS and AMT, 2430 per line.
async fn attach_adjudication(conn: &mut AnyConnection, org_id: i64, primary_claim_id: i64, out: &mut p837::ClaimOut) -> Result<()> {
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
    let (remittance_id, seq): (i64, i64) = (row.try_get(0)?, row.try_get(1)?);
    let cur = Currency::from_code(&row.try_get::<String, _>(5)?).map_err(|e| StoreError::Corrupt(e.to_string()))?;
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
                a.try_get(0)?,
                p837::AdjustmentOut {
                    group: a.try_get(1)?,
                    reason: a.try_get(2)?,
                    amount: Money::from_minor(a.try_get(3)?, cur),
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
        let (line_seq, line_no): (i64, Option<i64>) = (l.try_get(0)?, l.try_get(1)?);
        let Some(line_no) = line_no else { continue };
        let units: String = l.try_get(3)?;
        answered.push(p837::LineAdjudication {
            line: (line_no - 1).max(0) as usize,
            paid: Money::from_minor(l.try_get(2)?, cur),
            units: units.trim().parse::<f64>().map(|u| u.round() as u32).unwrap_or(1).max(1),
            adjustments: adjustment_rows.iter().filter(|(s, _)| *s == line_seq).map(|(_, a)| a.clone()).collect(),
        });
    }
    let adjudication = p837::Adjudication {
        paid: Money::from_minor(row.try_get(2)?, cur),
        patient_responsibility: Money::from_minor(row.try_get(3)?, cur),
        adjudicated_on: parse_date(&row.try_get::<String, _>(4)?)?,
        claim_adjustments: adjustment_rows.iter().filter(|(s, _)| *s == 0).map(|(_, a)| a.clone()).collect(),
        lines: answered,
    };
    match out.other_coverage.iter_mut().find(|o| o.priority == 'P') {
        Some(primary) => primary.adjudication = Some(adjudication),
        None => return Err(bad("claim_number", "the secondary claim has no primary coverage to carry the adjudication")),
    }
    Ok(())
}
