//! What the current actor may see (HIPAA's minimum necessary), decided in
//! one place for every view the store builds.
//!
//! Clinical facts (diagnoses, procedure codes and modifiers) live only in
//! the claim tables; no description, memo or note the store writes carries
//! them (a claim line's open item says "2026-09-22 service for Omar
//! Kowalski"). The views that do carry them (a statement's lines, an
//! underpayment's procedure, an account's claim items) are made by the store
//! without them unless [`sees_clinical`], so a new page or route that reads
//! through the store inherits the rule instead of having to remember it.

use crate::platform::audit::current_actor;

/// Whether the actor of this request (or the command line) may see
/// diagnoses and procedure codes: roles with `clinical.read`.
pub fn sees_clinical() -> bool {
    current_actor().clinical
}

/// Shown where a clinical value was left out.
pub const WITHHELD: &str = "service";

/// `value` for those who may see it; [`WITHHELD`] for everyone else.
pub fn clinical(value: String) -> String {
    if sees_clinical() {
        value
    } else {
        WITHHELD.to_string()
    }
}

/// An invoice line's item code as the current actor may see it: a practice
/// bills self-pay visits by CPT or HCPCS code, which is a procedure code
/// like any other; other item codes (SKUs, "SHIP") are shown to all.
pub fn item_code(code: String) -> String {
    if sees_clinical() || settle_domain::codes::ProcedureCode::parse(&code).is_err() {
        code
    } else {
        WITHHELD.to_string()
    }
}
