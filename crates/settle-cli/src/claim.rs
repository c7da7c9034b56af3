//! `settle claim scrub ENCOUNTER.json`: check a visit's claim against the
//! payer, the coverage, the provider and the code sets before sending it.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use serde::Deserialize;
use settle_domain::claims::{scrub, ClaimFilingIndicator, Finding, FindingLevel, ProfessionalClaim, ServiceLine};
use settle_domain::codes::{IcdCode, Modifier, Npi, PlaceOfService, ProcedureCode};
use settle_domain::icd10::IcdCatalog;
use settle_domain::money::{Currency, Money};
use settle_domain::Date;
use settle_store::ops::Organisation;
use settle_store::Store;

/// A visit to bill, as a billing specialist codes it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Encounter {
    pub account_number: String,
    pub payer_code: String,
    pub billing_npi: String,
    pub rendering_npi: Option<String>,
    pub place_of_service: String,
    pub diagnoses: Vec<String>,
    pub lines: Vec<EncounterLine>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EncounterLine {
    pub date_of_service: Date,
    pub procedure_code: String,
    #[serde(default)]
    pub modifiers: Vec<String>,
    pub diagnosis_pointers: Vec<u8>,
    pub units: u32,
    pub charge: String,
    pub place_of_service: Option<String>,
}

fn error(field: impl Into<String>, x12: &'static str, message: impl ToString) -> Finding {
    Finding {
        level: FindingLevel::Error,
        field: field.into(),
        x12,
        message: message.to_string(),
    }
}

/// Builds the claim from the encounter and the books, or the findings that
/// stop it from being built.
async fn build(store: &Store, org: &Organisation, e: &Encounter) -> Result<Result<ProfessionalClaim, Vec<Finding>>> {
    let mut findings = Vec::new();
    let payer_code = e.payer_code.trim().to_ascii_uppercase();
    let payer = store.payers(org).await?.into_iter().find(|p| p.payer_code == payer_code);
    let Some(payer) = payer else {
        findings.push(error(
            "payer_code",
            "NM109 (2010BB)",
            format!("no payer {payer_code}; add it with `settle payer add`"),
        ));
        return Ok(Err(findings));
    };
    let detail = store.account_detail(org, &e.account_number).await?;
    let date_of_birth = detail.date_of_birth.as_deref().and_then(|d| d.parse::<Date>().ok());
    if date_of_birth.is_none() {
        findings.push(error(
            "account_number",
            "DMG02 (2010BA)",
            "the patient's date of birth is missing from the account",
        ));
    }
    let coverage = store.coverages(org, &e.account_number).await?.into_iter().find(|c| c.payer_code == payer_code);
    if coverage.is_none() {
        findings.push(error(
            "payer_code",
            "SBR (2000B)",
            format!(
                "account {} has no coverage with {payer_code}; add it with `settle coverage add`",
                detail.summary.account_number
            ),
        ));
    }
    let billing = Npi::parse(&e.billing_npi).map_err(|x| error("billing_npi", "NM109 (2010AA)", x));
    let provider = match &billing {
        Ok(npi) => store.providers(org).await?.into_iter().find(|p| p.npi == npi.as_str()),
        Err(_) => None,
    };
    if billing.is_ok() && provider.is_none() {
        findings.push(error(
            "billing_npi",
            "NM109 (2010AA)",
            "no provider with this NPI; add it with `settle provider add`",
        ));
    }
    let rendering = match &e.rendering_npi {
        Some(text) => Npi::parse(text).map(Some).map_err(|x| error("rendering_npi", "NM109 (2310B)", x)),
        None => Ok(None),
    };
    let place = PlaceOfService::parse(&e.place_of_service).map_err(|x| error("place_of_service", "CLM05-1", x));
    let mut diagnoses = Vec::new();
    for (i, d) in e.diagnoses.iter().enumerate() {
        match IcdCode::parse(d) {
            Ok(code) => diagnoses.push(code),
            Err(x) => findings.push(error(format!("diagnoses[{i}]"), "HI", x)),
        }
    }
    let currency = Currency::from_code(&org.base_currency)?;
    let mut lines = Vec::new();
    for (i, l) in e.lines.iter().enumerate() {
        let at = |f: &str| format!("lines[{i}].{f}");
        let procedure = ProcedureCode::parse(&l.procedure_code).map_err(|x| error(at("procedure_code"), "SV101-2", x));
        let modifiers: Result<Vec<Modifier>, Finding> = l
            .modifiers
            .iter()
            .map(|m| Modifier::parse(m).map_err(|x| error(at("modifiers"), "SV101-3", x)))
            .collect();
        let charge = Money::parse(&l.charge, currency).map_err(|x| error(at("charge"), "SV102", x));
        let line_place = l
            .place_of_service
            .as_deref()
            .map(|p| PlaceOfService::parse(p).map_err(|x| error(at("place_of_service"), "SV105", x)))
            .transpose();
        match (procedure, modifiers, charge, line_place) {
            (Ok(procedure), Ok(modifiers), Ok(charge), Ok(place_of_service)) => lines.push(ServiceLine {
                date_of_service: l.date_of_service,
                procedure,
                modifiers,
                diagnosis_pointers: l.diagnosis_pointers.clone(),
                units: l.units,
                charge,
                place_of_service,
            }),
            (a, b, c, d) => findings.extend([a.err(), b.err(), c.err(), d.err()].into_iter().flatten()),
        }
    }
    for f in [billing.as_ref().err(), rendering.as_ref().err(), place.as_ref().err()].into_iter().flatten() {
        findings.push(f.clone());
    }
    let (Some(date_of_birth), Some(coverage), Some(provider), Ok(billing_npi), Ok(rendering_npi), Ok(place_of_service)) =
        (date_of_birth, coverage, provider, billing, rendering, place)
    else {
        return Ok(Err(findings));
    };
    if !findings.is_empty() {
        return Ok(Err(findings));
    }
    Ok(Ok(ProfessionalClaim {
        billing_npi,
        rendering_npi,
        tax_id: provider.tax_id,
        payer_id: payer.payer_code,
        filing_indicator: ClaimFilingIndicator::parse(&payer.filing_indicator).unwrap_or(ClaimFilingIndicator::Commercial),
        timely_filing_days: u32::try_from(payer.timely_filing_days).unwrap_or(365),
        member_id: coverage.member_id,
        patient_date_of_birth: date_of_birth,
        coverage_from: coverage.effective_from.parse().context("stored coverage date")?,
        coverage_to: coverage.effective_to.as_deref().map(str::parse).transpose().context("stored coverage date")?,
        diagnoses,
        place_of_service,
        lines,
    }))
}

pub async fn scrub_file(store: &Store, org: &Organisation, path: &Path, today: Date) -> Result<ExitCode> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let encounter: Encounter = serde_json::from_str(&text).with_context(|| format!("{}: not an encounter", path.display()))?;
    let findings = match build(store, org, &encounter).await? {
        Ok(claim) => scrub(&claim, IcdCatalog::get(), today),
        Err(findings) => findings,
    };
    if findings.is_empty() {
        println!("{}: ready to send; no findings.", path.display());
        return Ok(ExitCode::SUCCESS);
    }
    for f in &findings {
        let level = match f.level {
            FindingLevel::Error => "ERROR",
            FindingLevel::Warning => "warning",
        };
        println!("{level} {} ({}): {}", f.field, f.x12, f.message);
    }
    let errors = findings.iter().filter(|f| f.level == FindingLevel::Error).count();
    if errors == 0 {
        println!("{}: ready to send, with {} warning(s) to look at.", path.display(), findings.len());
        Ok(ExitCode::SUCCESS)
    } else {
        println!("{}: not ready: {errors} error(s) to fix first.", path.display());
        Ok(ExitCode::FAILURE)
    }
}
