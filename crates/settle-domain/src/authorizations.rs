//! Authorizations and referrals on file: a payer's prior authorization or
//! a referral for one patient (its number, the services it covers, how
//! many visits or units it allows, and its dates), used and counted by the
//! claims that cite it.
//!
//! [`apply`] decides, for a claim about to be saved, which authorization
//! each line uses: the one whose number the line (or the claim) cites, or,
//! when none is cited, the one on file that covers the service on its date
//! and has room left, whose number is then written on the line so the
//! payer receives it. A cited authorization the service falls outside of
//! (its dates, its services) or that has no room left is a finding on
//! that line; so is a line whose only authorizations on file have lapsed
//! or are used up. The store keeps the uses, so the next claim counts them.

use serde::{Deserialize, Serialize};

use crate::claims::{Finding, FindingLevel, ProfessionalClaim};
use crate::payer_rules::Codes;
use crate::units::Units;
use crate::Date;

/// A payer's prior authorization, or a referral.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AuthorizationKind {
    /// REF*G1.
    PriorAuthorization,
    /// REF*9F.
    Referral,
}

impl AuthorizationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthorizationKind::PriorAuthorization => "prior_authorization",
            AuthorizationKind::Referral => "referral",
        }
    }

    pub fn parse(text: &str) -> Option<AuthorizationKind> {
        match text.trim().to_ascii_lowercase().replace([' ', '-'], "_").as_str() {
            "prior_authorization" | "prior" | "authorization" => Some(AuthorizationKind::PriorAuthorization),
            "referral" => Some(AuthorizationKind::Referral),
            _ => None,
        }
    }

    fn words(self) -> &'static str {
        match self {
            AuthorizationKind::PriorAuthorization => "authorization",
            AuthorizationKind::Referral => "referral",
        }
    }

    fn field(self) -> &'static str {
        match self {
            AuthorizationKind::PriorAuthorization => "prior_authorization",
            AuthorizationKind::Referral => "referral_number",
        }
    }
}

/// What an authorization's allowance counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Counts {
    /// Each claim (a visit) using it counts one.
    Visits,
    /// Each line's units count.
    Units,
}

impl Counts {
    pub fn as_str(self) -> &'static str {
        match self {
            Counts::Visits => "visits",
            Counts::Units => "units",
        }
    }

    pub fn parse(text: &str) -> Option<Counts> {
        match text.trim().to_ascii_lowercase().as_str() {
            "visits" | "visit" => Some(Counts::Visits),
            "units" | "unit" => Some(Counts::Units),
            _ => None,
        }
    }
}

/// An authorization on file, with what other claims have used of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OnFile {
    pub id: i64,
    pub kind: AuthorizationKind,
    pub number: String,
    /// The payer it is from (its code, as the claim's payer id).
    pub payer_code: String,
    /// The services it covers; empty: every service.
    pub procedures: Codes,
    /// How many visits or units it allows; `None`: no limit.
    pub allowed: Option<Units>,
    pub counts: Counts,
    pub from: Date,
    pub to: Date,
    /// Used by other claims (not the one being saved).
    pub used: Units,
}

impl OnFile {
    fn covers_service(&self, code: &str) -> bool {
        self.procedures.contains(code)
    }

    fn in_dates(&self, date: Date) -> bool {
        self.from <= date && date <= self.to
    }
}

/// A line's use of an authorization: how much of its allowance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Use {
    pub line: usize,
    pub authorization_id: i64,
    pub amount: Units,
}

/// What applying the authorizations on file to a claim comes to: the uses
/// to keep, the numbers to write on lines that cited none, and findings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Applied {
    pub uses: Vec<Use>,
    /// (line, kind, number): a number taken from the file for a line.
    pub filled: Vec<(usize, AuthorizationKind, String)>,
    pub findings: Vec<Finding>,
}

/// Applies the authorizations on file to a claim (see the module's docs).
pub fn apply(on_file: &[OnFile], claim: &ProfessionalClaim) -> Applied {
    let mut out = Applied::default();
    // Nothing on file: nothing to use, count or say (most claims).
    if on_file.is_empty() {
        return out;
    }
    // What this claim has used of each, so far, by id.
    let mut taken: std::collections::HashMap<i64, Units> = std::collections::HashMap::new();
    let mut visited: std::collections::HashSet<i64> = std::collections::HashSet::new();
    for kind in [AuthorizationKind::PriorAuthorization, AuthorizationKind::Referral] {
        for (i, line) in claim.lines.iter().enumerate() {
            let code = line.procedure.as_str();
            let date = line.date_of_service;
            let cited = match kind {
                AuthorizationKind::PriorAuthorization => first_given(&line.facts.prior_authorization, &claim.facts.prior_authorization),
                AuthorizationKind::Referral => first_given(&line.facts.referral_number, &claim.facts.referral_number),
            };
            let of_payer = |a: &&OnFile| a.kind == kind && a.payer_code.eq_ignore_ascii_case(&claim.payer_id);
            let amount = |a: &OnFile| match a.counts {
                Counts::Units => line.units,
                // A visit counts once per claim, however many lines it has.
                Counts::Visits => {
                    if visited.contains(&a.id) {
                        Units::ZERO
                    } else {
                        Units::ONE
                    }
                }
            };
            let room = |a: &OnFile, taken: &std::collections::HashMap<i64, Units>| {
                a.allowed.is_none_or(|allowed| {
                    a.used
                        .checked_add(taken.get(&a.id).copied().unwrap_or_default())
                        .and_then(|u| u.checked_add(amount(a)))
                        .is_some_and(|u| u <= allowed)
                })
            };
            let field = format!("lines[{i}].facts.{}", kind.field());
            let x12 = match kind {
                AuthorizationKind::PriorAuthorization => "REF*G1 (2300/2400)",
                AuthorizationKind::Referral => "REF*9F (2300/2400)",
            };
            let chosen = match cited {
                Some(number) => {
                    // A number not on file is sent as given: the payer may
                    // have issued it without anyone recording it here.
                    let Some(a) = on_file.iter().filter(of_payer).find(|a| a.number.eq_ignore_ascii_case(number)) else {
                        continue;
                    };
                    let problem = if !a.in_dates(date) {
                        Some(format!(
                            "{} {} runs {} to {}; line {} ({code}) is on {date}",
                            kind.words(),
                            a.number,
                            a.from,
                            a.to,
                            i + 1
                        ))
                    } else if !a.covers_service(code) {
                        Some(format!(
                            "{} {} covers {}, not {code} on line {}",
                            kind.words(),
                            a.number,
                            a.procedures.to_text(),
                            i + 1
                        ))
                    } else if !room(a, &taken) {
                        Some(used_up(kind, a))
                    } else {
                        None
                    };
                    if let Some(message) = problem {
                        out.findings.push(finding(FindingLevel::Error, &field, x12, message));
                        continue;
                    }
                    a
                }
                None => {
                    let covering: Vec<&OnFile> = on_file.iter().filter(of_payer).filter(|a| a.covers_service(code)).collect();
                    match covering.iter().copied().find(|a| a.in_dates(date) && room(a, &taken)) {
                        Some(a) => {
                            out.filled.push((i, kind, a.number.clone()));
                            a
                        }
                        None => {
                            // On file, but none can be used: say why.
                            if let Some(a) = covering.iter().find(|a| a.in_dates(date)) {
                                out.findings.push(finding(FindingLevel::Warning, &field, x12, used_up(kind, a)));
                            } else if let Some(a) = covering.iter().max_by_key(|a| a.to) {
                                out.findings.push(finding(
                                    FindingLevel::Warning,
                                    &field,
                                    x12,
                                    format!(
                                        "the {} on file for {code} ({}) runs {} to {}; line {} is on {date}: ask the payer for a new one",
                                        kind.words(),
                                        a.number,
                                        a.from,
                                        a.to,
                                        i + 1
                                    ),
                                ));
                            }
                            continue;
                        }
                    }
                }
            };
            let n = amount(chosen);
            let so_far = taken.entry(chosen.id).or_default();
            *so_far = so_far.checked_add(n).unwrap_or(*so_far);
            visited.insert(chosen.id);
            out.uses.push(Use {
                line: i,
                authorization_id: chosen.id,
                amount: n,
            });
        }
    }
    out
}

fn first_given<'a>(line: &'a str, claim: &'a str) -> Option<&'a str> {
    [line, claim].into_iter().map(str::trim).find(|n| !n.is_empty())
}

fn used_up(kind: AuthorizationKind, a: &OnFile) -> String {
    format!(
        "{} {} allows {} {}; {} used: ask the payer for more",
        kind.words(),
        a.number,
        a.allowed.unwrap_or_default(),
        a.counts.as_str(),
        a.used
    )
}

fn finding(level: FindingLevel, field: &str, x12: &str, message: String) -> Finding {
    Finding {
        level,
        rule: "authorization".into(),
        field: field.to_string(),
        x12: x12.to_string(),
        message,
    }
}

#[cfg(test)]
mod tests;
