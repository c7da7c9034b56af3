//! Where a payer says a claim stands: the status category (X12 list 507),
//! the status code (list 508) and the entity it is about, in words, and
//! what each kind of answer asks of the biller.
//!
//! The code lists are data (`data/claim_status_codes.csv`, with their
//! source); a code Settle does not hold is shown by number with a pointer
//! to the list, never guessed. 277 claim status responses (005010X212) and
//! 277CA acknowledgments (005010X214) share the lists.

use std::collections::HashMap;
use std::sync::OnceLock;

/// The code lists as shipped, with their source in the file's comments.
pub const CODES: &str = include_str!("../data/claim_status_codes.csv");

/// One entry of the code lists.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeEntry {
    /// 507 (category) or 508 (status).
    pub list: u16,
    pub code: String,
    pub words: String,
    /// When Settle took the entry.
    pub since: crate::Date,
}

/// Reads the code lists file: `list,code,words,since`, `#` comments; a bad
/// line is named by its number.
pub fn parse_codes(text: &str) -> Result<Vec<CodeEntry>, String> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = |why: &str| format!("line {}: {why}: {line:?}", i + 1);
        let (head, since) = line.rsplit_once(',').ok_or_else(|| bad("no since date"))?;
        let mut parts = head.splitn(3, ',');
        let (Some(list), Some(code), Some(words)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(bad("not list,code,words,since"));
        };
        let list: u16 = match list {
            "507" => 507,
            "508" => 508,
            _ => return Err(bad("list is 507 or 508")),
        };
        if code.is_empty() || words.trim().is_empty() {
            return Err(bad("a code and its words are required"));
        }
        out.push(CodeEntry {
            list,
            code: code.to_string(),
            words: words.trim().to_string(),
            since: since.trim().parse().map_err(|_| bad("since is a date (YYYY-MM-DD)"))?,
        });
    }
    Ok(out)
}

fn table() -> &'static HashMap<(u16, String), String> {
    static TABLE: OnceLock<HashMap<(u16, String), String>> = OnceLock::new();
    TABLE.get_or_init(|| {
        parse_codes(CODES)
            .expect("the shipped claim status codes parse (a test proves it)")
            .into_iter()
            .map(|e| ((e.list, e.code), e.words))
            .collect()
    })
}

/// The words for a category code (507), if Settle holds it.
pub fn category_words(code: &str) -> Option<&'static str> {
    table().get(&(507, code.trim().to_ascii_uppercase())).map(String::as_str)
}

/// The words for a status code (508), if Settle holds it.
pub fn status_words(code: &str) -> Option<&'static str> {
    table().get(&(508, code.trim().to_string())).map(String::as_str)
}

/// Entity identifier codes (X12 element 98) that 277s name most.
const ENTITIES: &[(&str, &str)] = &[
    ("03", "dependent"),
    ("1P", "provider"),
    ("40", "receiver"),
    ("41", "submitter"),
    ("45", "drop-off location"),
    ("71", "attending physician"),
    ("72", "operating physician"),
    ("77", "service location"),
    ("82", "rendering provider"),
    ("85", "billing provider"),
    ("87", "pay-to provider"),
    ("DK", "ordering provider"),
    ("DN", "referring provider"),
    ("DQ", "supervising provider"),
    ("IL", "subscriber"),
    ("PR", "payer"),
    ("PW", "pick-up location"),
    ("QC", "patient"),
];

/// The words for an entity code, if Settle holds it.
pub fn entity_words(code: &str) -> Option<&'static str> {
    let code = code.trim().to_ascii_uppercase();
    ENTITIES.iter().find(|(c, _)| *c == code).map(|(_, w)| *w)
}

/// One STC composite in words: "A7 rejected for invalid information: the
/// entity's National Provider Identifier (NPI) (status 562), about the
/// billing provider (85)".
pub fn describe(category: &str, status: &str, entity: &str) -> String {
    let category = category.trim();
    let mut text = match category_words(category) {
        Some(words) => format!("{category} {words}"),
        None => format!("category {category} (not in Settle's list; see X12 list 507)"),
    };
    let status = status.trim();
    if !status.is_empty() {
        match status_words(status) {
            Some(words) => text.push_str(&format!(": {words} (status {status})")),
            None => text.push_str(&format!(": status {status} (see X12 list 508)")),
        }
    }
    let entity = entity.trim();
    if !entity.is_empty() {
        match entity_words(entity) {
            Some(words) => text.push_str(&format!(", about the {words} ({entity})")),
            None => text.push_str(&format!(", about entity {entity}")),
        }
    }
    text
}

/// What kind of answer a category is, and so what the biller does next.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Answer {
    /// A0, A1, A2, A5: the payer has the claim.
    Acknowledged,
    /// A3, A6, A7, A8: the payer refused it; correct and resend.
    Rejected,
    /// A4: the payer has no record of it; resend (the filing limit runs).
    NotFound,
    /// P0-P5: in the payer's hands.
    Pending,
    /// F0-F4: decided; the remittance (835) says how.
    Finalized,
    /// R0-R16: the payer wants more before deciding.
    InformationRequested,
    /// E0-E4, D0 and anything else: no status could be given.
    NoAnswer,
}

impl Answer {
    /// The kind of answer a category code is.
    pub fn of(category: &str) -> Answer {
        let c = category.trim().to_ascii_uppercase();
        match c.as_str() {
            "A3" | "A6" | "A7" | "A8" => Answer::Rejected,
            "A4" => Answer::NotFound,
            _ if c.starts_with('A') => Answer::Acknowledged,
            _ if c.starts_with('P') => Answer::Pending,
            _ if c.starts_with('F') => Answer::Finalized,
            _ if c.starts_with('R') => Answer::InformationRequested,
            _ => Answer::NoAnswer,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Answer::Acknowledged => "acknowledged",
            Answer::Rejected => "rejected",
            Answer::NotFound => "not found",
            Answer::Pending => "pending",
            Answer::Finalized => "finalized",
            Answer::InformationRequested => "information requested",
            Answer::NoAnswer => "no answer",
        }
    }

    /// Stored text back to the kind.
    pub fn parse(text: &str) -> Option<Answer> {
        [
            Answer::Acknowledged,
            Answer::Rejected,
            Answer::NotFound,
            Answer::Pending,
            Answer::Finalized,
            Answer::InformationRequested,
            Answer::NoAnswer,
        ]
        .into_iter()
        .find(|a| a.as_str() == text)
    }
}

#[cfg(test)]
mod tests;
