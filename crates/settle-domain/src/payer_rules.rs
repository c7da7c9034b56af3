//! Payer rules: which payers require what for which services, as data an
//! organisation keeps and changes without code. Each rule names who it is
//! for (every payer, a kind of plan by its claim filing indicator, or one
//! payer by code), what it requires (a prior authorization, a referral, the
//! drug's NDC, the laboratory's CLIA number, the accident's facts), for
//! which procedure codes, places of service or diagnoses, and how hard the
//! scrubber says so (an error holds the claim, a warning asks a person to
//! look).
//!
//! Rules travel as CSV (`scope,requires,procedures,places,diagnoses,level,why`),
//! read whole or refused whole with the line and column of each problem.
//! Settle ships a few widely held rules ([`BUILT_IN`], with their source);
//! an organisation's own rules are added to them, and any rule can be
//! turned off by its id like the scrubber's other optional rules.

use crate::claims::{ClaimFilingIndicator, Finding, FindingLevel, ProfessionalClaim};

/// What a rule requires of a claim.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Requirement {
    /// REF*G1 on the claim or the line (box 23), or an authorization on file.
    PriorAuthorization,
    /// REF*9F on the claim or the line (box 23).
    Referral,
    /// The drug's NDC on the line (2410 LIN/CTP).
    Ndc,
    /// The laboratory's CLIA number (REF*X4, box 23).
    Clia,
    /// Whether the condition is related to an accident or employment, with
    /// the accident's date (box 10, CLM11, DTP*439).
    AccidentFacts,
    /// The QW modifier on the line: a CLIA-waived test from a laboratory
    /// holding a certificate of waiver.
    WaivedModifier,
    /// The ambulance's transport facts (CR1, CRC*07, 2310E, 2310F).
    Ambulance,
}

impl Requirement {
    pub const ALL: [Requirement; 7] = [
        Requirement::PriorAuthorization,
        Requirement::Referral,
        Requirement::Ndc,
        Requirement::Clia,
        Requirement::AccidentFacts,
        Requirement::WaivedModifier,
        Requirement::Ambulance,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Requirement::PriorAuthorization => "prior_authorization",
            Requirement::Referral => "referral",
            Requirement::Ndc => "ndc",
            Requirement::Clia => "clia",
            Requirement::AccidentFacts => "accident_facts",
            Requirement::WaivedModifier => "qw_modifier",
            Requirement::Ambulance => "ambulance",
        }
    }

    pub fn parse(text: &str) -> Option<Requirement> {
        Requirement::ALL.into_iter().find(|r| r.as_str() == text.trim().to_ascii_lowercase())
    }

    /// The claim field and 837P element a finding names.
    fn place(self, line: Option<usize>) -> (String, &'static str) {
        let at = |name: &str| match line {
            Some(i) => format!("lines[{i}].facts.{name}"),
            None => format!("facts.{name}"),
        };
        match self {
            Requirement::PriorAuthorization => (at("prior_authorization"), "REF*G1 (2300/2400)"),
            Requirement::Referral => (at("referral_number"), "REF*9F (2300/2400)"),
            Requirement::Ndc => (at("drug.ndc"), "LIN03 (2410)"),
            Requirement::Clia => (at("clia_number"), "REF*X4 (2300/2400)"),
            Requirement::AccidentFacts => ("facts.related_causes".to_string(), "CLM11 and DTP*439 (2300)"),
            Requirement::WaivedModifier => (
                line.map_or("modifiers".to_string(), |i| format!("lines[{i}].modifiers")),
                "SV101-03 to 06 (2400)",
            ),
            Requirement::Ambulance => ("facts.ambulance".to_string(), "CR1, CRC (2300), 2310E, 2310F"),
        }
    }

    fn what(self) -> &'static str {
        match self {
            Requirement::PriorAuthorization => "a prior authorization number",
            Requirement::Referral => "a referral number",
            Requirement::Ndc => "the drug's NDC, quantity and unit",
            Requirement::Clia => "the laboratory's CLIA number",
            Requirement::AccidentFacts => "whether the condition came from an accident or employment, and the accident's date",
            Requirement::WaivedModifier => "the QW modifier (CLIA-waived test)",
            Requirement::Ambulance => "the transport's miles and reason, the patient's condition and the pick-up and drop-off addresses",
        }
    }
}

/// Who a rule is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Every payer.
    Any,
    /// Plans of one kind, by the claim filing indicator (MC Medicaid, MB
    /// Medicare Part B, HM HMO, CI commercial...).
    Filing(ClaimFilingIndicator),
    /// One payer, by its code in Settle.
    Payer(String),
}

impl Scope {
    /// `any`, `filing:MC`, or `payer:CODE`.
    pub fn parse(text: &str) -> Result<Scope, String> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("any") {
            return Ok(Scope::Any);
        }
        match text.split_once(':') {
            Some((kind, value)) if kind.eq_ignore_ascii_case("filing") => ClaimFilingIndicator::parse(value.trim())
                .map(Scope::Filing)
                .ok_or_else(|| format!("{value:?} is not a claim filing indicator (MC, MB, HM, CI, BL...)")),
            Some((kind, value)) if kind.eq_ignore_ascii_case("payer") && !value.trim().is_empty() => Ok(Scope::Payer(value.trim().to_ascii_uppercase())),
            _ => Err(format!("{text:?} is not a scope: any, filing:MC (a kind of plan) or payer:CODE")),
        }
    }

    pub fn to_text(&self) -> String {
        match self {
            Scope::Any => "any".into(),
            Scope::Filing(f) => format!("filing:{}", f.code()),
            Scope::Payer(code) => format!("payer:{code}"),
        }
    }

    fn covers(&self, claim: &ProfessionalClaim) -> bool {
        match self {
            Scope::Any => true,
            Scope::Filing(f) => *f == claim.filing_indicator,
            Scope::Payer(code) => code.eq_ignore_ascii_case(&claim.payer_id),
        }
    }
}

/// Codes a rule applies to: every code, or ranges and single codes
/// (`J0120-J9999 90281-90399 99213`). A range compares codes of the same
/// length as text, so `J0120-J9999` holds `J1550` and not `99213`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Codes(Vec<(String, String)>);

impl Codes {
    pub fn parse(text: &str, what: &str) -> Result<Codes, String> {
        let mut out = Vec::new();
        for part in text.split([' ', ';', ',']).map(str::trim).filter(|p| !p.is_empty() && *p != "*") {
            let (from, to) = part.split_once('-').unwrap_or((part, part));
            let (from, to) = (
                from.trim().to_ascii_uppercase().replace('.', ""),
                to.trim().to_ascii_uppercase().replace('.', ""),
            );
            if from.is_empty() || !from.bytes().chain(to.bytes()).all(|b| b.is_ascii_alphanumeric()) || from > to {
                return Err(format!("{part:?} is not a {what} or a range of them (J0120-J9999)"));
            }
            out.push((from, to));
        }
        Ok(Codes(out))
    }

    /// Whether no code was named (every code matches).
    pub fn is_any(&self) -> bool {
        self.0.is_empty()
    }

    pub fn contains(&self, code: &str) -> bool {
        // Codes from the domain's types are upper case without a dot
        // already; only other text is tidied (this runs for every line).
        let code: std::borrow::Cow<str> = if code.bytes().any(|b| b.is_ascii_lowercase() || b == b'.') {
            code.to_ascii_uppercase().replace('.', "").into()
        } else {
            code.into()
        };
        self.is_any()
            || self.0.iter().any(|(from, to)| {
                // A code of a range's length, compared as text; a longer
                // diagnosis (S93.401A) falls in a range of categories (S00-T88)
                // by its first characters.
                let width = from.len().max(to.len());
                let head = if code.len() > width { &code[..width] } else { &code[..] };
                head.len() == from.len() && head >= from.as_str() && head <= to.as_str()
            })
    }

    pub fn to_text(&self) -> String {
        self.0
            .iter()
            .map(|(from, to)| if from == to { from.clone() } else { format!("{from}-{to}") })
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// One payer rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PayerRule {
    /// `builtin:N` for Settle's own, `org:N` for an organisation's (its row).
    pub id: String,
    pub scope: Scope,
    pub requires: Requirement,
    /// Procedure codes (CPT/HCPCS) the rule is for; empty: every line.
    pub procedures: Codes,
    /// Places of service the rule is for; empty: every place.
    pub places: Vec<String>,
    /// Diagnoses (ICD-10-CM categories) that make the rule apply; empty:
    /// every claim.
    pub diagnoses: Codes,
    pub level: FindingLevel,
    /// Why, and where the rule comes from, for the person fixing the claim.
    pub why: String,
}

/// Settle's own rules, with their sources.
pub const BUILT_IN: &str = include_str!("../data/payer_rules.csv");

/// The CSV header rules are read and written with.
pub const HEADER: &str = "scope,requires,procedures,places,diagnoses,level,why";

/// A problem with one cell or row of a rules file; lines count from 1,
/// the header being line 1.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct RuleError {
    pub line: usize,
    pub column: &'static str,
    pub message: String,
}

/// Reads a rules file whole: every problem, or every rule. Rules are
/// numbered `{prefix}:{n}` in file order.
pub fn parse_csv(text: &str, prefix: &str) -> Result<Vec<PayerRule>, Vec<RuleError>> {
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'));
    let mut problems = Vec::new();
    match lines.next() {
        Some((_, header)) if header.trim().eq_ignore_ascii_case(HEADER) => {}
        Some((n, header)) => problems.push(RuleError {
            line: n + 1,
            column: "header",
            message: format!("the header is {header:?}; it must be {HEADER}"),
        }),
        None => problems.push(RuleError {
            line: 1,
            column: "header",
            message: format!("the file is empty; it starts with the header {HEADER}"),
        }),
    }
    let mut rules = Vec::new();
    for (n, line) in lines {
        let line_no = n + 1;
        let cells = split_row(line);
        if cells.len() != 7 {
            problems.push(RuleError {
                line: line_no,
                column: "row",
                message: format!("has {} cells; a rule has 7 ({HEADER})", cells.len()),
            });
            continue;
        }
        let mut bad = |column: &'static str, message: String| {
            problems.push(RuleError {
                line: line_no,
                column,
                message,
            })
        };
        let scope = Scope::parse(&cells[0]).map_err(|e| bad("scope", e)).ok();
        let requires = Requirement::parse(&cells[1]);
        if requires.is_none() {
            bad(
                "requires",
                format!("{:?} is not one of {}", cells[1], Requirement::ALL.map(Requirement::as_str).join(", ")),
            );
        }
        let procedures = Codes::parse(&cells[2], "procedure code").map_err(|e| bad("procedures", e)).ok();
        let places: Vec<String> = cells[3].split([' ', ';', ',']).filter(|p| !p.is_empty()).map(str::to_string).collect();
        if let Some(p) = places.iter().find(|p| p.len() != 2 || !p.bytes().all(|b| b.is_ascii_digit())) {
            bad("places", format!("{p:?} is not a place of service (two digits, such as 11)"));
        }
        let diagnoses = Codes::parse(&cells[4], "diagnosis category").map_err(|e| bad("diagnoses", e)).ok();
        let level = match cells[5].trim().to_ascii_lowercase().as_str() {
            "error" => Some(FindingLevel::Error),
            "warning" => Some(FindingLevel::Warning),
            other => {
                bad("level", format!("{other:?} is not error or warning"));
                None
            }
        };
        if cells[6].trim().is_empty() {
            bad("why", "is empty; say why the payer requires it, for the person fixing the claim".into());
        }
        if let (Some(scope), Some(requires), Some(procedures), Some(diagnoses), Some(level)) = (scope, requires, procedures, diagnoses, level) {
            rules.push(PayerRule {
                id: format!("{prefix}:{}", rules.len() + 1),
                scope,
                requires,
                procedures,
                places,
                diagnoses,
                level,
                why: cells[6].trim().to_string(),
            });
        }
    }
    if problems.is_empty() {
        Ok(rules)
    } else {
        Err(problems)
    }
}

/// One CSV row's cells: commas separate, double quotes hold commas and
/// doubled quotes.
fn split_row(line: &str) -> Vec<String> {
    let mut cells = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                cells.last_mut().expect("a cell").push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => cells.push(String::new()),
            (c, _) => cells.last_mut().expect("a cell").push(c),
        }
    }
    cells
}

/// A CSV cell: quoted when it holds a comma or a quote.
pub fn quote(text: &str) -> String {
    if text.contains([',', '"']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// Rules as CSV, the header first: what [`parse_csv`] reads back.
pub fn to_csv(rules: &[PayerRule]) -> String {
    let mut out = format!("{HEADER}\n");
    for r in rules {
        let level = match r.level {
            FindingLevel::Error => "error",
            FindingLevel::Warning => "warning",
        };
        out.push_str(&format!(
            "{},{},{},{},{},{},{}\n",
            r.scope.to_text(),
            r.requires.as_str(),
            quote(&r.procedures.to_text()),
            r.places.join(" "),
            quote(&r.diagnoses.to_text()),
            level,
            quote(&r.why)
        ));
    }
    out
}

/// Settle's own rules, read from [`BUILT_IN`].
pub fn built_in() -> Vec<PayerRule> {
    parse_csv(BUILT_IN, "builtin").expect("the built-in payer rules read")
}

/// Whether a requirement is met for a line (or the claim, `None`), given
/// whether an authorization on file covers it.
fn met(requires: Requirement, claim: &ProfessionalClaim, line: Option<usize>, authorized: bool) -> bool {
    let facts = &claim.facts;
    let line_facts = line.and_then(|i| claim.lines.get(i)).map(|l| &l.facts);
    match requires {
        Requirement::PriorAuthorization => authorized || !facts.prior_authorization.is_empty() || line_facts.is_some_and(|f| !f.prior_authorization.is_empty()),
        Requirement::Referral => !facts.referral_number.is_empty() || line_facts.is_some_and(|f| !f.referral_number.is_empty()),
        Requirement::Ndc => line_facts.is_some_and(|f| f.drug.is_some()),
        Requirement::Clia => !facts.clia_number.is_empty() || line_facts.is_some_and(|f| !f.clia_number.is_empty()),
        Requirement::AccidentFacts => facts.related_causes.any(),
        Requirement::WaivedModifier => line
            .and_then(|i| claim.lines.get(i))
            .is_some_and(|l| l.modifiers.iter().any(|m| m.as_str() == "QW")),
        Requirement::Ambulance => facts.ambulance.is_some(),
    }
}

/// What the rules (less those turned `off`) find missing on a claim.
/// `authorized(line)` says whether an authorization on file covers a line.
pub fn check(rules: &[PayerRule], off: &[String], claim: &ProfessionalClaim, authorized: &dyn Fn(usize) -> bool) -> Vec<Finding> {
    let mut found = Vec::new();
    for rule in rules.iter().filter(|r| !off.contains(&r.id) && r.scope.covers(claim)) {
        if !rule.diagnoses.is_any() && !claim.diagnoses.iter().any(|d| rule.diagnoses.contains(d.as_str())) {
            continue;
        }
        let place_of = |i: usize| claim.lines[i].place_of_service.as_ref().unwrap_or(&claim.place_of_service).as_str().to_string();
        let lines: Vec<usize> = (0..claim.lines.len())
            .filter(|&i| rule.procedures.contains(claim.lines[i].procedure.as_str()))
            .filter(|&i| rule.places.is_empty() || rule.places.contains(&place_of(i)))
            .collect();
        if lines.is_empty() {
            continue;
        }
        if matches!(rule.requires, Requirement::AccidentFacts | Requirement::Ambulance) {
            if !met(rule.requires, claim, None, false) {
                let (field, x12) = rule.requires.place(None);
                found.push(finding(
                    rule,
                    field,
                    x12,
                    format!("{} needs {}: {}", payer_words(rule), rule.requires.what(), rule.why),
                ));
            }
            continue;
        }
        for i in lines {
            if met(rule.requires, claim, Some(i), authorized(i)) {
                continue;
            }
            let line = &claim.lines[i];
            let (field, x12) = rule.requires.place(Some(i));
            found.push(finding(
                rule,
                field,
                x12,
                format!(
                    "{} needs {} for {} on line {}: {}",
                    payer_words(rule),
                    rule.requires.what(),
                    line.procedure.as_str(),
                    i + 1,
                    rule.why
                ),
            ));
        }
    }
    found
}

fn payer_words(rule: &PayerRule) -> String {
    match &rule.scope {
        Scope::Any => "the payer".into(),
        Scope::Filing(f) => format!("a {} plan", f.name()),
        Scope::Payer(code) => format!("payer {code}"),
    }
}

fn finding(rule: &PayerRule, field: String, x12: &str, message: String) -> Finding {
    Finding {
        level: rule.level,
        rule: rule.id.clone(),
        field,
        x12: x12.to_string(),
        message,
    }
}

#[cfg(test)]
mod tests;
