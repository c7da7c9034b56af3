//! Claims: a visit's coded lines billed to a payer, and everything the payer
//! answers. The steps, one file each:
//!
//! - `payers`, `coverage`, `fees`: the parties of a claim (payers, providers,
//!   patients' coverages, the guarantor) and fee schedules; `payer_rules`:
//!   what each payer requires, as CSV the organisation keeps;
//!   `authorizations`: authorizations and referrals on file, their uses;
//! - `books`: what a claim is made from, read for one claim or a batch
//!   (payer, coverages, provider, patient, billed lines), and `prepare`;
//! - `lifecycle`: save (scrubbed at once), edit, scrub, correct (7), void (8);
//!   `rows`: the claim's rows written and read; `charges`: the lines moved to
//!   the payer's receivable and back; `read`: claims shown; `secondary`;
//! - `export`: 837P batches out; `acks`: 999 and 277CA in; `import`: 837P in,
//!   all or nothing; `eligibility`: 270 out, 271 in;
//! - `remit/`: 835 in (work: matching; post; exceptions; reverse; read);
//! - `follow_up`: the insurance follow-up list, calls to payers, assignment;
//!   `follow_up_rank`: the list kept ranked; `status`: 276 out, 277 in;
//!   `write_off`: a claim the payer will never pay, written off and closed;
//! - `denials`: the denial worklist; `statements`: patient statement cycles.
//!
//! Invariants: a claim's lines are on the payer's books (one open item per
//! line, `charged_entry_id` set) from its first ready until an edit, a
//! replacement or a void takes them off with a mirror entry; nothing is
//! taken off once money has been applied to it. Every status change is a
//! `claim_event` row. Every write is one transaction with its audit row.
//!
//! A claim's first or last date of service is read as
//! `MIN(l.date_of_service || '')`: a bare `MIN(l.date_of_service)` lets
//! SQLite answer it by walking the date index of every claim's lines
//! (`claim_line_duplicate`) instead of this claim's own, which made each
//! row cost a scan of the whole table (found by `settle bench follow-up`).
//!
//! The area's types are named from here (`settle_store::claims::NewClaim`);
//! the step files are private.

use settle_domain::Date;

use crate::{Result, StoreError};

mod acks;
mod authorizations;
mod books;
mod charges;
mod claim_list;
mod coverage;
mod denials;
mod eligibility;
mod export;
mod fees;
mod follow_up;
mod follow_up_rank;
mod import;
mod lifecycle;
mod payer_rules;
mod payers;
mod read;
mod remit;
mod rows;
mod secondary;
mod statements;
mod status;
mod write_off;

pub use acks::{AckApplied, AckOutcome, ImportAcknowledgment};
pub use authorizations::{AuthorizationGap, AuthorizationView, NewAuthorization};
pub use claim_list::{ClaimFilter, ClaimTally, CLAIM_SORTS};
pub use coverage::{CoverageView, GuarantorView, NewCoverage, SetGuarantor};
pub use denials::{AppealDenial, CodeMeaning, DenialFilter, DenialGroup, DenialView, WriteOffDenial};
pub use eligibility::{AskEligibility, EligibilityAsked, EligibilityView};
pub use export::{ExportClaims, ExportOutcome, HeldClaim, X12FileView};
pub use fees::{read_fee_csv, FeeEntry, CHARGE_MASTER};
pub use follow_up::{AssignFollowUp, FollowUpFilter, FollowUpRow, PayerCall, PayerCallView};
pub use follow_up_rank::FollowUpCounts;
pub use import::{Import837, Import837Outcome, ImportedClaim};
pub use lifecycle::{ClaimInput, ClaimLineInput, CorrectClaim, EditClaim, NewClaim, ScrubClaim, VoidClaim};
pub use payer_rules::{PayerRuleView, PayerRules, ReplacePayerRules};
pub use payers::{NewPayer, NewProvider, PayerView, ProviderView, SetPayTo};
pub use read::{ClaimEventView, ClaimLineView, ClaimSummary, ClaimView, FindingView};
pub use remit::{Import835, RemitClaimView, RemitOutcome, RemittedClaim, ResolveRemitException, UnderpaymentView};
pub use secondary::{BillSecondary, SecondaryDue};
pub use statements::{StatementRun, StatementRunOutcome, StatementSummary};
pub use status::{AskClaimStatus, StatusAsked};
pub use write_off::WriteOffClaim;

fn bad(field: &'static str, message: impl std::fmt::Display) -> StoreError {
    StoreError::invalid(field, message)
}

fn parse_date(text: &str) -> Result<Date> {
    text.parse().map_err(|e| StoreError::Corrupt(format!("date {text:?}: {e}")))
}

fn split_list(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_string).collect()
}

/// A claim's or line's facts from the row's `facts` column (JSON); a
/// value that is not what Settle wrote is corruption, not an empty claim.
fn facts_of<T: serde::de::DeserializeOwned + Default>(row: &sqlx::any::AnyRow) -> Result<T> {
    use sqlx::Row;
    let text: String = row.try_get("facts")?;
    // Most claims and lines have none: no parse for those.
    if text == "{}" {
        return Ok(T::default());
    }
    serde_json::from_str(&text).map_err(|e| StoreError::Corrupt(format!("claim facts {text:?}: {e}")))
}

/// A claim's or line's facts as the `facts` column keeps them: `{}` for
/// none (most), so reading them back needs no parse.
fn facts_text<T: serde::Serialize + Default + PartialEq>(facts: &T) -> Result<String> {
    if *facts == T::default() {
        Ok("{}".to_string())
    } else {
        Ok(serde_json::to_string(facts)?)
    }
}
