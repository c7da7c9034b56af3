//! Remittances (835) posted: each claim the payer answered is matched to
//! Settle's claim (CLP01) and its lines (REF*6R, else code, modifiers and
//! date), and posted as one balanced entry: the payment applied to the
//! lines, CO/PI/OA/CR written down to contractual adjustments, and PR moved
//! to a new item on the patient's account. A claim that cannot be matched
//! or does not fit what is owed goes to the exception queue, unposted,
//! with the reason. A file that does not balance, or an ERA already posted
//! (same trace number), is refused whole.
//!
//! - `work`: an ERA's books loaded at once (EraWork) and each claim matched
//!   and decided;
//! - `post`: the decided claims posted, adjudications, denials held,
//!   underpayments noted, PLB;
//! - `exceptions`: money held in suspense and its resolution;
//! - `reverse`: a posted claim reversed;
//! - `read`: remittances, underpayments and exceptions shown.

use crate::platform::audit::Subject;
use crate::write::{audited, Audited};
use serde::{Deserialize, Serialize};

mod exceptions;
mod post;
mod read;
mod reverse;
mod work;

pub use exceptions::ResolveRemitException;
pub use read::{RemitClaimView, UnderpaymentView};

/// An 835 as received.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Import835 {
    pub file_name: String,
    pub body: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct RemittedClaim {
    pub their_claim_number: String,
    pub claim_number: Option<String>,
    /// posted or exception.
    pub outcome: String,
    /// The claim's status after posting, or why it was not posted.
    pub status: String,
    pub reason: String,
    pub paid: String,
    pub written_down: String,
    pub patient: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct RemitOutcome {
    pub remittance_id: i64,
    pub trace: String,
    pub amount: String,
    pub posted: i64,
    pub exceptions: i64,
    /// What the exceptions' payments add up to, held in suspense until matched.
    pub held_in_suspense: String,
    /// The provider-level adjustments' (PLB) sum: positive, what the payer kept back.
    pub provider_adjustments: String,
    pub claims: Vec<RemittedClaim>,
}

audited! {
    ResolveRemitException => "remittance.resolve", |c| Subject::Claim(c.claim_number.clone().unwrap_or_default());
}

pub(in crate::claims) fn method(bpr04: &str) -> &'static str {
    match bpr04 {
        "CHK" => "check",
        "ACH" => "ach",
        "FWT" | "BOP" => "eft",
        _ => "other",
    }
}
