//! The identifiers and codes on a medical claim, each checked once when
//! built: NPI (with its check digit), ICD-10-CM diagnosis codes, CPT and
//! HCPCS Level II procedure codes, modifiers, and places of service.
//!
//! Only formats are checked here. Whether an ICD-10-CM code exists and is
//! billable is a question for the code list (a later part of the claims
//! work); CPT descriptions are the AMA's and are not shipped.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    #[error("NPI {0:?} must be 10 digits")]
    NpiFormat(String),
    #[error("NPI {0:?} fails its check digit (Luhn over 80840 and the first nine digits)")]
    NpiCheckDigit(String),
    #[error("{0:?} is not an ICD-10-CM code: a letter, a digit, a letter or digit, then up to four more letters or digits (a dot after the third is allowed)")]
    IcdFormat(String),
    #[error("{0:?} is neither a CPT code (five digits, or four digits and F, T or U) nor a HCPCS Level II code (a letter A to V and four digits)")]
    ProcedureFormat(String),
    #[error("{0:?} is not a modifier: two letters or digits")]
    ModifierFormat(String),
    #[error("{0:?} is not a place of service: two digits, 01 to 99")]
    PlaceOfServiceFormat(String),
}

/// A National Provider Identifier: ten digits whose last is a Luhn check
/// digit computed with the prefix 80840 (the NPI's ISO card issuer prefix).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Npi(String);

impl Npi {
    pub fn parse(text: &str) -> Result<Npi, CodeError> {
        let text = text.trim();
        if text.len() != 10 || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CodeError::NpiFormat(text.to_string()));
        }
        let digits: Vec<u32> = text.bytes().map(|b| u32::from(b - b'0')).collect();
        if luhn_check_digit(&digits[..9]) != digits[9] {
            return Err(CodeError::NpiCheckDigit(text.to_string()));
        }
        Ok(Npi(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The check digit for an NPI's first nine digits: Luhn over "80840" + them.
pub fn luhn_check_digit(first_nine: &[u32]) -> u32 {
    let mut sum = 24; // the constant for the prefix 80840, as the NPI standard gives it
    for (i, d) in first_nine.iter().rev().enumerate() {
        let doubled = if i % 2 == 0 { d * 2 } else { *d };
        sum += if doubled > 9 { doubled - 9 } else { doubled };
    }
    (10 - (sum % 10)) % 10
}

impl TryFrom<String> for Npi {
    type Error = CodeError;
    fn try_from(value: String) -> Result<Npi, CodeError> {
        Npi::parse(&value)
    }
}

impl From<Npi> for String {
    fn from(npi: Npi) -> String {
        npi.0
    }
}

/// An ICD-10-CM diagnosis code by format, kept without the dot ("E119"),
/// as X12 wants it; `dotted()` gives "E11.9" for people.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IcdCode(String);

impl IcdCode {
    pub fn parse(text: &str) -> Result<IcdCode, CodeError> {
        let raw = text.trim().to_ascii_uppercase();
        let compact: String = match raw.split_once('.') {
            Some((head, tail)) if head.len() == 3 && !tail.is_empty() && !tail.contains('.') => format!("{head}{tail}"),
            Some(_) => return Err(CodeError::IcdFormat(text.to_string())),
            None => raw.clone(),
        };
        let b = compact.as_bytes();
        let ok = (3..=7).contains(&b.len())
            && b[0].is_ascii_uppercase()
            && b[1].is_ascii_digit()
            && b[2].is_ascii_alphanumeric()
            && b[3..].iter().all(u8::is_ascii_alphanumeric);
        if !ok {
            return Err(CodeError::IcdFormat(text.to_string()));
        }
        Ok(IcdCode(compact))
    }

    /// Without the dot, as on a claim: "E119".
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// With the dot after the category, as people write it: "E11.9".
    pub fn dotted(&self) -> String {
        if self.0.len() > 3 {
            format!("{}.{}", &self.0[..3], &self.0[3..])
        } else {
            self.0.clone()
        }
    }
}

impl TryFrom<String> for IcdCode {
    type Error = CodeError;
    fn try_from(value: String) -> Result<IcdCode, CodeError> {
        IcdCode::parse(&value)
    }
}

impl From<IcdCode> for String {
    fn from(code: IcdCode) -> String {
        code.0
    }
}

/// Which code set a procedure code belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ProcedureCodeSet {
    /// CPT (HCPCS Level I): the claim's qualifier is "HC" all the same.
    Cpt,
    /// HCPCS Level II: a letter and four digits.
    HcpcsLevel2,
}

/// A CPT or HCPCS Level II code, by format.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ProcedureCode(String);

impl ProcedureCode {
    pub fn parse(text: &str) -> Result<ProcedureCode, CodeError> {
        let code = text.trim().to_ascii_uppercase();
        let b = code.as_bytes();
        let cpt = b.len() == 5 && b[..4].iter().all(u8::is_ascii_digit) && (b[4].is_ascii_digit() || matches!(b[4], b'F' | b'T' | b'U'));
        let hcpcs = b.len() == 5 && (b'A'..=b'V').contains(&b[0]) && b[1..].iter().all(u8::is_ascii_digit);
        if cpt || hcpcs {
            Ok(ProcedureCode(code))
        } else {
            Err(CodeError::ProcedureFormat(text.to_string()))
        }
    }

    pub fn code_set(&self) -> ProcedureCodeSet {
        if self.0.as_bytes()[0].is_ascii_digit() {
            ProcedureCodeSet::Cpt
        } else {
            ProcedureCodeSet::HcpcsLevel2
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ProcedureCode {
    type Error = CodeError;
    fn try_from(value: String) -> Result<ProcedureCode, CodeError> {
        ProcedureCode::parse(&value)
    }
}

impl From<ProcedureCode> for String {
    fn from(code: ProcedureCode) -> String {
        code.0
    }
}

/// A procedure modifier ("25", "59", "LT", "GT"), by format.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Modifier(String);

impl Modifier {
    pub fn parse(text: &str) -> Result<Modifier, CodeError> {
        let code = text.trim().to_ascii_uppercase();
        if code.len() == 2 && code.bytes().all(|b| b.is_ascii_alphanumeric()) {
            Ok(Modifier(code))
        } else {
            Err(CodeError::ModifierFormat(text.to_string()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Modifier {
    type Error = CodeError;
    fn try_from(value: String) -> Result<Modifier, CodeError> {
        Modifier::parse(&value)
    }
}

impl From<Modifier> for String {
    fn from(code: Modifier) -> String {
        code.0
    }
}

/// A CMS place-of-service code: "11" office, "21" inpatient hospital, "02"
/// and "10" telehealth, ...
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PlaceOfService(String);

impl PlaceOfService {
    pub fn parse(text: &str) -> Result<PlaceOfService, CodeError> {
        let code = text.trim();
        let ok = code.len() == 2 && code.bytes().all(|b| b.is_ascii_digit()) && code != "00";
        if ok {
            Ok(PlaceOfService(code.to_string()))
        } else {
            Err(CodeError::PlaceOfServiceFormat(text.to_string()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for PlaceOfService {
    type Error = CodeError;
    fn try_from(value: String) -> Result<PlaceOfService, CodeError> {
        PlaceOfService::parse(&value)
    }
}

impl From<PlaceOfService> for String {
    fn from(code: PlaceOfService) -> String {
        code.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn npis_from_the_public_samples_pass_and_a_changed_digit_fails() {
        // NM109 values from the LinuxForHealth 837P samples (several others there,
        // such as 1234567890, are made up and fail: a scrubber must catch them),
        // and CMS's own example 1234567893.
        for npi in ["1912301953", "1234567893", "1122334455", "1122333341"] {
            assert!(Npi::parse(npi).is_ok(), "{npi}");
        }
        assert_eq!(Npi::parse("1234567890"), Err(CodeError::NpiCheckDigit("1234567890".into())));
        assert_eq!(Npi::parse("12345"), Err(CodeError::NpiFormat("12345".into())));
        assert_eq!(Npi::parse("12345678AB"), Err(CodeError::NpiFormat("12345678AB".into())));
    }

    #[test]
    fn icd_codes_with_and_without_dots() {
        let code = IcdCode::parse("e11.9").unwrap();
        assert_eq!((code.as_str(), code.dotted()), ("E119", "E11.9".to_string()));
        assert_eq!(IcdCode::parse("S72001A").unwrap().dotted(), "S72.001A");
        assert_eq!(IcdCode::parse("J45").unwrap().as_str(), "J45");
        for bad in ["", "11.9", "E1", "E11..9", "E1.19", "E11.9-", "EE119", "E119999X"] {
            assert!(IcdCode::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn procedure_codes_modifiers_and_places() {
        assert_eq!(ProcedureCode::parse("99213").unwrap().code_set(), ProcedureCodeSet::Cpt);
        assert_eq!(ProcedureCode::parse("0001U").unwrap().code_set(), ProcedureCodeSet::Cpt);
        assert_eq!(ProcedureCode::parse("j1100").unwrap().code_set(), ProcedureCodeSet::HcpcsLevel2);
        for bad in ["9921", "992133", "W1234", "J11000", "9921X"] {
            assert!(ProcedureCode::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Modifier::parse("lt").unwrap().as_str(), "LT");
        assert!(Modifier::parse("5").is_err());
        assert!(PlaceOfService::parse("11").is_ok());
        assert!(PlaceOfService::parse("00").is_err());
        assert!(PlaceOfService::parse("1").is_err());
    }

    proptest! {
        #[test]
        fn every_nine_digits_have_exactly_one_valid_npi(first in "[0-9]{9}", wrong in 1u32..10) {
            let digits: Vec<u32> = first.bytes().map(|b| u32::from(b - b'0')).collect();
            let check = luhn_check_digit(&digits);
            let valid = format!("{first}{check}");
            let invalid = format!("{}{}", first, (check + wrong) % 10);
            prop_assert!(Npi::parse(&valid).is_ok());
            prop_assert!(Npi::parse(&invalid).is_err());
        }
    }
}
