//! Organisations, parties and accounts: who owes what to whom.
//!
//! Each type here is valid once built: an [`AccountNumber`], an [`Email`] or a
//! [`Phone`] refuses bad input in its constructor, so the rest of Settle never
//! re-checks it.

use std::fmt;

use crate::ledger::GlAccount;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PartyError {
    #[error("address {0}")]
    Address(crate::address::AddressError),
    #[error("account number {0:?} must be 1 to 32 letters, digits or dashes")]
    AccountNumber(String),
    #[error("email {0:?} is not an address like name@example.com")]
    Email(String),
    #[error("phone {0:?} must have 7 to 15 digits")]
    Phone(String),
    #[error("a name must not be empty")]
    EmptyName,
    #[error("{field} is too long ({len} characters; at most {max})")]
    TooLong { field: &'static str, len: usize, max: usize },
    #[error("unknown {field} {value:?}; expected one of {expected}")]
    UnknownValue {
        field: &'static str,
        value: String,
        expected: &'static str,
    },
}

/// An account number: 1-32 ASCII letters, digits or dashes, unique per organisation.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountNumber(String);

impl AccountNumber {
    pub fn parse(text: &str) -> Result<AccountNumber, PartyError> {
        let text = text.trim();
        let ok = !text.is_empty() && text.len() <= 32 && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if ok {
            Ok(AccountNumber(text.to_ascii_uppercase()))
        } else {
            Err(PartyError::AccountNumber(text.to_string()))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AccountNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An email address, checked for shape (one `@`, a dot in the domain).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(text: &str) -> Result<Email, PartyError> {
        let text = text.trim();
        let valid = match text.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !domain.contains('@')
                    && !text.contains(char::is_whitespace)
                    && text.len() <= 254
            }
            None => false,
        };
        if valid {
            Ok(Email(text.to_string()))
        } else {
            Err(PartyError::Email(text.to_string()))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A phone number kept as its digits (E.164 has at most 15).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Phone(String);

impl Phone {
    pub fn parse(text: &str) -> Result<Phone, PartyError> {
        let allowed = text.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c));
        let digits: String = text.chars().filter(char::is_ascii_digit).collect();
        if allowed && (7..=15).contains(&digits.len()) {
            Ok(Phone(digits))
        } else {
            Err(PartyError::Phone(text.to_string()))
        }
    }
    pub fn digits(&self) -> &str {
        &self.0
    }
}

/// A person or a company.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PartyKind {
    Person,
    Company,
}

impl PartyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PartyKind::Person => "person",
            PartyKind::Company => "company",
        }
    }
    pub fn parse(text: &str) -> Result<PartyKind, PartyError> {
        match text {
            "person" => Ok(PartyKind::Person),
            "company" => Ok(PartyKind::Company),
            other => Err(PartyError::UnknownValue {
                field: "party kind",
                value: other.to_string(),
                expected: "person, company",
            }),
        }
    }
}

/// Checks a display name: not empty, at most 200 characters.
pub fn check_name(name: &str) -> Result<String, PartyError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(PartyError::EmptyName);
    }
    let len = name.chars().count();
    if len > 200 {
        return Err(PartyError::TooLong { field: "name", len, max: 200 });
    }
    Ok(name.to_string())
}

/// How a party can be reached. Contact points are kept with history: a change
/// ends the old one (its `valid_to`) and starts a new one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContactKind {
    Address,
    Phone,
    Email,
}

impl ContactKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ContactKind::Address => "address",
            ContactKind::Phone => "phone",
            ContactKind::Email => "email",
        }
    }
    pub fn parse(text: &str) -> Result<ContactKind, PartyError> {
        match text {
            "address" => Ok(ContactKind::Address),
            "phone" => Ok(ContactKind::Phone),
            "email" => Ok(ContactKind::Email),
            other => Err(PartyError::UnknownValue {
                field: "contact kind",
                value: other.to_string(),
                expected: "address, phone, email",
            }),
        }
    }

    /// Checks and normalises a value of this kind.
    pub fn normalise(self, value: &str) -> Result<String, PartyError> {
        match self {
            ContactKind::Email => Email::parse(value).map(|e| e.as_str().to_string()),
            ContactKind::Phone => Phone::parse(value).map(|p| p.digits().to_string()),
            ContactKind::Address => crate::address::PostalAddress::parse(value).map(|a| a.one_line()).map_err(PartyError::Address),
        }
    }
}

/// Whether an account may take new charges and be worked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountStatus {
    Active,
    OnHold,
    Closed,
}

impl AccountStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountStatus::Active => "active",
            AccountStatus::OnHold => "on_hold",
            AccountStatus::Closed => "closed",
        }
    }
    pub fn parse(text: &str) -> Result<AccountStatus, PartyError> {
        match text {
            "active" => Ok(AccountStatus::Active),
            "on_hold" => Ok(AccountStatus::OnHold),
            "closed" => Ok(AccountStatus::Closed),
            other => Err(PartyError::UnknownValue {
                field: "account status",
                value: other.to_string(),
                expected: "active, on_hold, closed",
            }),
        }
    }
}

/// Which receivable an account's items sit in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArKind {
    Customer,
    Patient,
    Insurance,
}

impl ArKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ArKind::Customer => "customer",
            ArKind::Patient => "patient",
            ArKind::Insurance => "insurance",
        }
    }
    pub fn parse(text: &str) -> Result<ArKind, PartyError> {
        match text {
            "customer" => Ok(ArKind::Customer),
            "patient" => Ok(ArKind::Patient),
            "insurance" => Ok(ArKind::Insurance),
            other => Err(PartyError::UnknownValue {
                field: "account kind",
                value: other.to_string(),
                expected: "customer, patient, insurance",
            }),
        }
    }
    pub fn gl(self) -> GlAccount {
        match self {
            ArKind::Customer => GlAccount::ArCustomer,
            ArKind::Patient => GlAccount::ArPatient,
            ArKind::Insurance => GlAccount::ArInsurance,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_numbers_are_checked_and_upper_cased() {
        assert_eq!(AccountNumber::parse(" a-100 ").unwrap().as_str(), "A-100");
        assert!(AccountNumber::parse("").is_err());
        assert!(AccountNumber::parse("has space").is_err());
        assert!(AccountNumber::parse(&"x".repeat(33)).is_err());
    }

    #[test]
    fn contacts_are_checked() {
        assert!(Email::parse("pat@example.com").is_ok());
        for bad in ["pat", "pat@", "@example.com", "pat@example", "a b@example.com"] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Phone::parse("(555) 010-4477").unwrap().digits(), "5550104477");
        assert!(Phone::parse("555-CALL").is_err());
    }
}
