//! What a claim is made from, read from the books for one claim or a batch:
//! the payer, the patient's coverages, the provider, the patient, the billed
//! lines (Books); `prepare` turns them into a claim the domain scrubs.

use crate::billing::AccountRow;
use crate::claims::lifecycle::ClaimInput;
use crate::claims::read::FindingView;
use crate::names::{or_parsed, parts_from, PARTY_NAME_COLUMNS, SUBSCRIBER_NAME_COLUMNS};
use crate::platform::Organisation;
use crate::{Result, Store, StoreError};
use settle_domain::address::KeptAddress;
use settle_domain::claims::{scrub_with, BilledLine, ClaimFilingIndicator, ClaimFrequency, Finding, ProfessionalClaim, ServiceLine, Sex};
use settle_domain::codes::{IcdCode, Modifier, Npi, PlaceOfService, ProcedureCode};
use settle_domain::icd10::IcdCatalog;
use settle_domain::money::{Currency, Money};
use settle_domain::names::{PersonName, X12Value};
use settle_domain::Date;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use std::collections::{HashMap, HashSet};

#[derive(Clone, Debug)]
pub(super) struct PayerRow {
    pub(super) payer_key: i64,
    pub(super) code: String,
    pub(super) name: String,
    pub(super) filing: ClaimFilingIndicator,
    pub(super) timely_days: u32,
    pub(super) account_id: Option<i64>,
}

#[derive(Clone, Debug)]
pub(super) struct CoverageRow {
    pub(super) coverage_key: i64,
    pub(super) priority: String,
    pub(super) member_id: String,
    pub(super) group_number: String,
    pub(super) subscriber_name: String,
    /// The subscriber's name by its parts, when kept (see `crate::names`).
    pub(super) subscriber_parts: Option<PersonName>,
    pub(super) relationship: String,
    pub(super) from: Date,
    pub(super) to: Option<Date>,
    pub(super) payer: PayerRow,
}

impl CoverageRow {
    pub(super) fn covers(&self, date: Date) -> bool {
        date >= self.from && self.to.is_none_or(|to| date <= to)
    }
    pub(super) fn priority_code(&self) -> char {
        match self.priority.as_str() {
            "secondary" => 'S',
            "tertiary" => 'T',
            _ => 'P',
        }
    }
    /// PAT01 / 2320 SBR02 for a dependent.
    pub(super) fn relationship_code(&self) -> &'static str {
        match self.relationship.as_str() {
            "self" => "18",
            "spouse" => "01",
            "child" => "19",
            _ => "G8",
        }
    }
}

#[derive(Clone, Debug)]
pub(super) struct ProviderRow {
    pub(super) provider_key: i64,
    pub(super) npi: String,
    pub(super) name: String,
    pub(super) kind: String,
    pub(super) taxonomy: String,
    pub(super) tax_id: String,
    pub(super) address: Option<KeptAddress>,
    /// Where payments go, when not to `address` (2010AB).
    pub(super) pay_to: Option<settle_domain::address::PostalAddress>,
}

#[derive(Clone, Debug)]
pub(super) struct Patient {
    pub(super) name: String,
    /// The name by its parts, when kept (see `crate::names`).
    pub(super) parts: Option<PersonName>,
    pub(super) date_of_birth: Option<Date>,
    pub(super) sex: Sex,
    pub(super) address: Option<KeptAddress>,
}

use crate::address::{CURRENT_COLUMNS as CURRENT_ADDRESS_COLUMNS, CURRENT_JOIN as CURRENT_ADDRESS_JOIN};
use crate::claims::{bad, parse_date, split_list};

pub(super) const PROVIDER_COLUMNS: &str = "provider_key, npi, name, kind, taxonomy, tax_id, address, pay_to, line1, line2, city, state, postal_code, country";

/// Which version of a claim this is: an original, or a replacement or
/// void of the claim the payer knows by `payer_claim_number`.
#[derive(Clone, Copy)]
pub(super) struct Version<'a> {
    pub(super) frequency: ClaimFrequency,
    pub(super) payer_claim_number: &'a str,
}

impl Version<'_> {
    pub(super) const ORIGINAL: Version<'static> = Version {
        frequency: ClaimFrequency::Original,
        payer_claim_number: "",
    };
}

/// Everything a claim is built from, resolved and checked.
pub(super) struct Prepared {
    pub(super) account: AccountRow,
    pub(super) patient: Patient,
    pub(super) coverage: CoverageRow,
    pub(super) others: Vec<CoverageRow>,
    pub(super) billing: ProviderRow,
    pub(super) rendering: Option<ProviderRow>,
    pub(super) place: PlaceOfService,
    pub(super) diagnoses: Vec<IcdCode>,
    pub(super) lines: Vec<ServiceLine>,
    pub(super) claim: ProfessionalClaim,
    pub(super) findings: Vec<Finding>,
    /// What the claim uses of the authorizations on file, to keep.
    pub(super) uses: Vec<settle_domain::authorizations::Use>,
    /// Whether a line took an authorization's number from the file (its
    /// facts changed, to be kept with the uses).
    pub(super) filled: bool,
}

pub(super) fn filing(code: &str) -> Result<ClaimFilingIndicator> {
    ClaimFilingIndicator::parse(code).ok_or_else(|| StoreError::Corrupt(format!("filing indicator {code:?}")))
}

pub(super) async fn payer_by_code(conn: &mut AnyConnection, org_id: i64, code: &str) -> Result<PayerRow> {
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

pub(super) fn payer_from_row(row: &AnyRow) -> Result<PayerRow> {
    Ok(PayerRow {
        payer_key: row.try_get("payer_key")?,
        code: row.try_get("payer_code")?,
        name: row.try_get("name")?,
        filing: filing(&row.try_get::<String, _>("filing_indicator")?)?,
        timely_days: u32::try_from(row.try_get::<i64, _>("timely_filing_days")?).unwrap_or(365),
        account_id: row.try_get("account_id")?,
    })
}

pub(super) async fn coverages_of(conn: &mut AnyConnection, org_id: i64, account_id: i64) -> Result<Vec<CoverageRow>> {
    Ok(coverages_in(conn, org_id, Scope::Account(account_id))
        .await?
        .remove(&account_id)
        .unwrap_or_default())
}

/// Coverages by account id, for the accounts in scope.
pub(super) async fn coverages_in(conn: &mut AnyConnection, org_id: i64, scope: Scope) -> Result<HashMap<i64, Vec<CoverageRow>>> {
    let rows = sqlx::query(&format!(
        "SELECT c.coverage_key, c.priority, c.member_id, c.group_number, c.subscriber_name, {SUBSCRIBER_NAME_COLUMNS}, c.relationship, \
         c.effective_from, c.effective_to, y.payer_key, y.payer_code, y.name, y.filing_indicator, y.timely_filing_days, y.account_id AS payer_account_id, c.account_id AS patient_account_id \
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
        out.entry(r.try_get("patient_account_id")?).or_default().push(CoverageRow {
            coverage_key: r.try_get("coverage_key")?,
            priority: r.try_get("priority")?,
            member_id: r.try_get("member_id")?,
            group_number: r.try_get("group_number")?,
            subscriber_name: r.try_get("subscriber_name")?,
            subscriber_parts: parts_from(r, "sub_")?,
            relationship: r.try_get("relationship")?,
            from: parse_date(&r.try_get::<String, _>("effective_from")?)?,
            to: r.try_get::<Option<String>, _>("effective_to")?.map(|d| parse_date(&d)).transpose()?,
            payer: PayerRow {
                payer_key: r.try_get("payer_key")?,
                code: r.try_get("payer_code")?,
                name: r.try_get("name")?,
                filing: filing(&r.try_get::<String, _>("filing_indicator")?)?,
                timely_days: u32::try_from(r.try_get::<i64, _>("timely_filing_days")?).unwrap_or(365),
                account_id: r.try_get("payer_account_id")?,
            },
        });
    }
    Ok(out)
}

pub(super) async fn provider_by_key(conn: &mut AnyConnection, org_id: i64, key: i64) -> Result<ProviderRow> {
    let row = sqlx::query(&format!("SELECT {PROVIDER_COLUMNS} FROM provider WHERE org_id = $1 AND provider_key = $2"))
        .bind(org_id)
        .bind(key)
        .fetch_one(&mut *conn)
        .await?;
    provider_from_row(&row)
}

pub(super) fn provider_from_row(row: &AnyRow) -> Result<ProviderRow> {
    Ok(ProviderRow {
        provider_key: row.try_get("provider_key")?,
        npi: row.try_get("npi")?,
        name: row.try_get("name")?,
        kind: row.try_get("kind")?,
        taxonomy: row.try_get("taxonomy")?,
        tax_id: row.try_get("tax_id")?,
        address: crate::address::kept_from(row, "address", "")?,
        pay_to: super::payers::pay_to_of(&row.try_get::<String, _>("pay_to")?)?,
    })
}

pub(super) async fn patient_of(conn: &mut AnyConnection, org_id: i64, account_id: i64) -> Result<Patient> {
    let row = sqlx::query(&format!(
        "SELECT p.name, {PARTY_NAME_COLUMNS}, p.date_of_birth, p.sex, {CURRENT_ADDRESS_COLUMNS} \
             FROM account a JOIN party p ON p.org_id = a.org_id AND p.party_id = a.party_id {CURRENT_ADDRESS_JOIN} \
             WHERE a.org_id = $1 AND a.account_id = $2"
    ))
    .bind(org_id)
    .bind(account_id)
    .fetch_one(&mut *conn)
    .await?;
    Ok(Patient {
        name: row.try_get("name")?,
        parts: parts_from(&row, "name_")?,
        date_of_birth: row.try_get::<Option<String>, _>("date_of_birth")?.map(|d| parse_date(&d)).transpose()?,
        sex: Sex::parse(&row.try_get::<String, _>("sex")?).unwrap_or(Sex::Unknown),
        address: crate::address::kept_from(&row, "value", "")?,
    })
}

/// Which accounts a bulk read covers.
#[derive(Clone, Copy)]
pub(super) enum Scope {
    Account(i64),
    /// The accounts of a payer's ready claims (by payer key).
    ReadyFor(i64),
}

impl Scope {
    /// The condition on an account id column, over $1 (org) and $2.
    pub(super) fn on(self, column: &str) -> String {
        match self {
            Scope::Account(_) => format!("{column} = $2"),
            Scope::ReadyFor(_) => format!("{column} IN (SELECT account_id FROM claim WHERE org_id = $1 AND payer_key = $2 AND status = 'ready')"),
        }
    }
    pub(super) fn key(self) -> i64 {
        match self {
            Scope::Account(k) | Scope::ReadyFor(k) => k,
        }
    }
}

/// Lines on live original claims, by account, each with its claim id.
pub(super) async fn billed_lines(conn: &mut AnyConnection, org_id: i64, scope: Scope) -> Result<HashMap<i64, Vec<(i64, i64, BilledLine)>>> {
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
            ProcedureCode::parse(&r.try_get::<String, _>("procedure_code")?),
            split_list(&r.try_get::<String, _>("modifiers")?)
                .iter()
                .map(|m| Modifier::parse(m))
                .collect::<Result<Vec<_>, _>>(),
        ) else {
            continue;
        };
        out.entry(r.try_get("account_id")?).or_default().push((
            r.try_get("claim_id")?,
            r.try_get("payer_key")?,
            BilledLine {
                claim_number: r.try_get("claim_number")?,
                date_of_service: parse_date(&r.try_get::<String, _>("date_of_service")?)?,
                procedure,
                modifiers,
            },
        ));
    }
    Ok(out)
}

/// The names and addresses a claim writes, each with the element it goes
/// in and that element's maximum (X12 5010: NM103 60, NM104 35, NM105 25,
/// NM107 10, N301/N302 55, N401 30), for the scrubber's `x12_text` rule.
fn x12_texts(patient: &Patient, coverage: &CoverageRow, billing: &ProviderRow, rendering: Option<&ProviderRow>) -> Vec<X12Value> {
    let mut out = Vec::new();
    let person = |out: &mut Vec<X12Value>, who: &str, loop_id: &str, n: PersonName| {
        for (part, value, element, max) in [
            ("last_name", &n.last, "NM103", 60),
            ("first_name", &n.first, "NM104", 35),
            ("middle_name", &n.middle, "NM105", 25),
            ("suffix", &n.suffix, "NM107", 10),
        ] {
            out.push(X12Value::new(format!("{who}.{part}"), format!("{element} ({loop_id})"), value, max));
        }
    };
    let postal = |out: &mut Vec<X12Value>, who: &str, loop_id: &str, address: Option<&KeptAddress>| {
        if let Some(a) = address.and_then(KeptAddress::postal) {
            for (part, value, element, max) in [
                ("line1", a.line1(), "N301", 55),
                ("line2", a.line2(), "N302", 55),
                ("city", a.city(), "N401", 30),
            ] {
                out.push(X12Value::new(format!("{who}.address.{part}"), format!("{element} ({loop_id})"), value, max));
            }
        }
    };
    let patient_loop = if coverage.relationship == "self" { "2010BA" } else { "2010CA" };
    person(&mut out, "patient", patient_loop, or_parsed(patient.parts.as_ref(), &patient.name));
    postal(&mut out, "patient", patient_loop, patient.address.as_ref());
    if coverage.relationship != "self" {
        person(
            &mut out,
            "subscriber",
            "2010BA",
            or_parsed(coverage.subscriber_parts.as_ref(), &coverage.subscriber_name),
        );
    }
    out.push(X12Value::new("billing.name", "NM103 (2010AA)", &billing.name, 60));
    postal(&mut out, "billing", "2010AA", billing.address.as_ref());
    out.push(X12Value::new("payer.name", "NM103 (2010BB)", &coverage.payer.name, 60));
    if let Some(r) = rendering {
        person(&mut out, "rendering", "2310B", PersonName::parse(&r.name));
    }
    out
}

pub(super) fn address_finding(rule: &str, field: &str, x12: &str, who: &str, address: Option<&KeptAddress>, zip9: bool) -> Option<Finding> {
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
pub(super) struct Books {
    pub(super) rules_off: Vec<String>,
    /// Settle's built-in payer rules and the organisation's own.
    pub(super) payer_rules: Vec<settle_domain::payer_rules::PayerRule>,
    /// By account id: authorizations and referrals on file, with their uses.
    pub(super) authorizations: HashMap<i64, Vec<crate::claims::authorizations::OnFileRow>>,
    /// By account number: the account and its patient.
    pub(super) accounts: HashMap<String, (AccountRow, Patient)>,
    /// By account id.
    pub(super) coverages: HashMap<i64, Vec<CoverageRow>>,
    /// By NPI.
    pub(super) providers: HashMap<String, ProviderRow>,
    pub(super) payers: HashSet<String>,
    /// By account id: lines on live original claims, with their claim id
    /// and payer (a duplicate is the same service billed to the same payer).
    pub(super) billed: HashMap<i64, Vec<(i64, i64, BilledLine)>>,
}

impl Books {
    pub(super) async fn load_parties(&mut self, conn: &mut AnyConnection, org_id: i64) -> Result<()> {
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
            self.payers.insert(r.try_get("payer_code")?);
        }
        self.payer_rules = settle_domain::payer_rules::built_in();
        self.payer_rules.extend(crate::claims::payer_rules::own_rules(conn, org_id).await?);
        Ok(())
    }

    /// Loads the authorizations on file of one account, or of every
    /// account (a batch), with their uses.
    pub(super) async fn load_authorizations(&mut self, conn: &mut AnyConnection, org_id: i64, account_id: Option<i64>) -> Result<()> {
        for row in crate::claims::authorizations::on_file(conn, org_id, account_id).await? {
            self.authorizations.entry(row.account_id).or_default().push(row);
        }
        Ok(())
    }

    pub(super) fn provider(&self, field: &'static str, npi: &str) -> Result<ProviderRow> {
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
    pub(super) fn build(&self, input: &ClaimInput, today: Date, exclude: Option<i64>, version: Version<'_>) -> Result<Prepared> {
        let Version { frequency, payer_claim_number } = version;
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
            l.facts.check(i).map_err(|e| bad("lines", e))?;
            if l.facts.service_through.is_some_and(|through| through < l.date_of_service) {
                return Err(at("facts.service_through", &"is before the line's date of service"));
            }
            lines.push(ServiceLine {
                date_of_service: l.date_of_service,
                procedure,
                modifiers,
                diagnosis_pointers: l.diagnosis_pointers.clone(),
                units: l.units,
                charge,
                place_of_service,
                facts: l.facts.clone(),
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
        input.facts.check().map_err(|e| bad("facts", e))?;
        let mut claim = ProfessionalClaim {
            facts: input.facts.clone(),
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
            texts: x12_texts(&patient, &coverage, &billing, rendering.as_ref()),
        };
        // Authorizations on file: used by the lines they cover, their
        // numbers written where none was cited, and what is wrong said.
        let on_file: Vec<settle_domain::authorizations::OnFile> = self
            .authorizations
            .get(&account.account_id)
            .map(|rows| rows.iter().map(|r| r.for_claim(exclude)).collect())
            .unwrap_or_default();
        let applied = settle_domain::authorizations::apply(&on_file, &claim);
        for (i, kind, number) in &applied.filled {
            for facts in [&mut claim.lines[*i].facts, &mut lines[*i].facts] {
                match kind {
                    settle_domain::authorizations::AuthorizationKind::PriorAuthorization => facts.prior_authorization = number.clone(),
                    settle_domain::authorizations::AuthorizationKind::Referral => facts.referral_number = number.clone(),
                }
            }
        }
        let mut findings = scrub_with(&claim, IcdCatalog::get(), today, &self.rules_off);
        findings.extend(applied.findings);
        findings.extend(settle_domain::payer_rules::check(&self.payer_rules, &self.rules_off, &claim, &|_| false));
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
            uses: applied.uses,
            filled: !applied.filled.is_empty(),
        })
    }
}

impl Store {
    /// Resolves and checks one claim's input against the books: refuses what
    /// cannot be a claim at all (unknown account, payer, provider; codes of
    /// the wrong shape), and scrubs the rest into findings.
    pub(super) async fn prepare(
        &self,
        conn: &mut AnyConnection,
        org: &Organisation,
        input: &ClaimInput,
        today: Date,
        exclude: Option<i64>,
        version: Version<'_>,
    ) -> Result<Prepared> {
        let account = self.account_by_number(conn, org.org_id, &input.account_number).await?;
        let patient = patient_of(conn, org.org_id, account.account_id).await?;
        let mut books = Books {
            rules_off: self.settings(org).await?.scrub_rules_off,
            ..Books::default()
        };
        books.load_parties(conn, org.org_id).await?;
        books.load_authorizations(conn, org.org_id, Some(account.account_id)).await?;
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
        books.build(&input, today, exclude, version)
    }

    /// Lines entered without a charge take the charge master's price.
    pub(super) async fn fill_charges(&self, conn: &mut AnyConnection, org_id: i64, input: &ClaimInput, currency: Currency) -> Result<ClaimInput> {
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
            // The price times the units, rounded once to the minor unit.
            let units = if l.units.is_zero() { settle_domain::units::Units::ONE } else { l.units };
            let charge = units
                .price(
                    Money::from_minor(fee.amount_minor(), currency),
                    settle_domain::money::RoundingRule::HalfAwayFromZero,
                )
                .map_err(|_| at("charge", &"the charge is too large"))?;
            l.charge = Some(charge.to_decimal_string());
        }
        Ok(input)
    }

    pub(super) async fn fee_in(&self, conn: &mut AnyConnection, org_id: i64, schedule: &str, code: &str, modifier: &str, date: Date) -> Result<Option<Money>> {
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
                let cur = Currency::from_code(&r.try_get::<String, _>("currency")?).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                Ok(Some(Money::from_minor(r.try_get("amount_minor")?, cur)))
            }
        }
    }

    /// Scrubs a visit without saving it: the findings it would get.
    pub async fn check_claim(&self, org: &Organisation, input: &ClaimInput, today: Date) -> Result<Vec<FindingView>> {
        let mut conn = self.pool().acquire().await?;
        let prepared = self.prepare(&mut conn, org, input, today, None, Version::ORIGINAL).await?;
        Ok(prepared.findings.iter().map(FindingView::from).collect())
    }
}
