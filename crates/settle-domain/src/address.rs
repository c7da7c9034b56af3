//! A postal address as fields: street lines, city, state, ZIP, country.
//! Every door takes it either as fields or as one line of text, which
//! [`PostalAddress::parse`] reads however a US address is commonly written
//! ("12 Main St, Apt 4, Los Angeles, CA 90012", two lines, a state's name,
//! "Ca.", a trailing "USA") and refuses, naming the piece it could not find,
//! when it cannot tell the street from the city. The one-line form it
//! writes ([`PostalAddress::one_line`]) reads back to the same fields.

use crate::location::{state_code, zones_of_place, UsZone};
use serde::{Deserialize, Serialize};

/// A checked postal address. Fields are private: an address is made by
/// [`PostalAddress::new`] or [`PostalAddress::parse`], which check it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PostalAddress {
    line1: String,
    line2: String,
    city: String,
    /// A US address: the two-letter state or territory code. Elsewhere: the
    /// province or region as written, possibly empty.
    state: String,
    /// A US address: five or nine digits. Elsewhere: as written.
    postal_code: String,
    /// ISO 3166-1 alpha-2, capital letters.
    country: String,
}

/// Why an address was refused, and which field.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct AddressError {
    /// line1, line2, city, state, postal_code or country.
    pub field: &'static str,
    pub reason: String,
}

fn refuse(field: &'static str, reason: impl Into<String>) -> AddressError {
    AddressError { field, reason: reason.into() }
}

/// The longest street line and city an 837 takes (N301, N401).
const LINE_MAX: usize = 55;
const CITY_MAX: usize = 30;

/// The ways the United States is written at the end of an address.
const US_NAMES: [&str; 5] = ["UNITED STATES OF AMERICA", "UNITED STATES", "USA", "US", "U S A"];

impl PostalAddress {
    /// Checks and makes an address from its fields. `country` defaults to
    /// US when empty. A US address needs a street line, a city, a state or
    /// territory (written any common way) and a ZIP of five or nine digits.
    pub fn new(line1: &str, line2: &str, city: &str, state: &str, postal_code: &str, country: &str) -> Result<PostalAddress, AddressError> {
        let country = match country.trim().to_ascii_uppercase() {
            c if c.is_empty() || US_NAMES.contains(&c.as_str()) => "US".to_string(),
            c if c.len() == 2 && c.bytes().all(|b| b.is_ascii_uppercase()) => c,
            c => {
                return Err(refuse(
                    "country",
                    format!("{c:?} is not a two-letter country code (ISO 3166-1, such as US or CA)"),
                ))
            }
        };
        let line1 = field_text("line1", line1, LINE_MAX, false)?;
        if line1.is_empty() {
            return Err(refuse("line1", "the street line is empty (the number and street, or a PO box)"));
        }
        let line2 = field_text("line2", line2, LINE_MAX, true)?;
        let city = field_text("city", city, CITY_MAX, false)?;
        if city.is_empty() {
            return Err(refuse("city", "the city is empty"));
        }
        let (state, postal_code) = if country == "US" {
            let state = state_code(state).ok_or_else(|| {
                refuse(
                    "state",
                    if state.trim().is_empty() {
                        "the state is empty; a US address needs its state or territory (CA, New York, PR...)".to_string()
                    } else {
                        format!("{:?} is no US state or territory", state.trim())
                    },
                )
            })?;
            let digits: String = postal_code.trim().chars().filter(|c| *c != '-' && *c != ' ').collect();
            if !(digits.len() == 5 || digits.len() == 9) || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(refuse(
                    "postal_code",
                    if postal_code.trim().is_empty() {
                        "the ZIP code is empty; a US address needs its five-digit ZIP (or ZIP+4)".to_string()
                    } else {
                        format!("{:?} is not a ZIP code (five digits, or ZIP+4 as 12345-6789)", postal_code.trim())
                    },
                ));
            }
            (state.to_string(), digits)
        } else {
            let state = field_text("state", state, CITY_MAX, true)?;
            let postal = field_text("postal_code", postal_code, 16, true)?.to_ascii_uppercase();
            if !postal.chars().all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-') {
                return Err(refuse("postal_code", format!("{postal:?} has characters no postal code uses")));
            }
            (state, postal)
        };
        Ok(PostalAddress {
            line1,
            line2,
            city,
            state,
            postal_code,
            country,
        })
    }

    /// Reads a US address written as one text: the parts are separated by
    /// commas or line breaks; the last holds the state and ZIP (or the ZIP
    /// alone, the state in the part before it), with the city in front of
    /// them or in the part before; the first part is the street, any others
    /// the second street line. A trailing "USA" is dropped. An address
    /// elsewhere is given as fields.
    pub fn parse(text: &str) -> Result<PostalAddress, AddressError> {
        let mut parts: Vec<String> = text
            .split(['\n', '\r', ',', ';'])
            .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|p| !p.is_empty())
            .collect();
        if parts.is_empty() {
            return Err(refuse("line1", "the address is empty"));
        }
        // A trailing country: its own part, or the last words of the last part.
        let upper = |p: &str| p.to_ascii_uppercase().replace('.', " ").split_whitespace().collect::<Vec<_>>().join(" ");
        if let Some(last) = parts.last() {
            let u = upper(last);
            if US_NAMES.contains(&u.as_str()) {
                parts.pop();
            } else if let Some(name) = US_NAMES.iter().find(|n| u.ends_with(&format!(" {n}"))) {
                let keep = last.split_whitespace().count() - name.split_whitespace().count();
                let trimmed: Vec<&str> = last.split_whitespace().take(keep).collect();
                let trimmed = trimmed.join(" ");
                if let Some(l) = parts.last_mut() {
                    *l = trimmed;
                }
            }
        }
        let missing_zip = || {
            refuse(
                "postal_code",
                format!("no ZIP code at the end of {text:?}; write it as \"street, city, ST 12345\" (or give the fields)"),
            )
        };
        // The ZIP: the last word of the last part.
        let mut last: Vec<String> = parts.pop().ok_or_else(missing_zip)?.split_whitespace().map(str::to_string).collect();
        let zip = match last.last() {
            Some(w) if is_zip(w) => last.pop().unwrap_or_default(),
            _ => return Err(missing_zip()),
        };
        if last.is_empty() {
            last = parts.pop().map(|p| p.split_whitespace().map(str::to_string).collect()).unwrap_or_default();
        }
        // The state: the last one to four words before the ZIP.
        let mut state = None;
        for n in (1..=4.min(last.len())).rev() {
            if let Some(code) = state_code(&last[last.len() - n..].join(" ")) {
                state = Some(code);
                last.truncate(last.len() - n);
                break;
            }
        }
        let state = state.ok_or_else(|| refuse("state", format!("no US state or territory before the ZIP in {text:?}")))?;
        // The city: the words in front of the state, else the part before.
        let city = if last.is_empty() {
            parts.pop().ok_or_else(|| refuse("city", format!("no city in {text:?}")))?
        } else {
            last.join(" ")
        };
        if parts.is_empty() {
            return Err(refuse(
                "line1",
                format!("no street line in {text:?}; write it as \"street, city, ST 12345\" with commas or line breaks between them"),
            ));
        }
        let line1 = parts.remove(0);
        let line2 = parts.join(", ");
        PostalAddress::new(&line1, &line2, &city, state, &zip, "US")
    }

    /// An address read back from fields the store wrote through
    /// [`PostalAddress::new`] or [`PostalAddress::parse`]: taken as they are,
    /// not checked a second time on every read (the dunning run reads one
    /// per person it writes to). A row written around Settle with a state
    /// no zone knows places nowhere, so the gate counts it as a location
    /// unknown; it is never read as somewhere else.
    pub fn from_stored(line1: String, line2: String, city: String, state: String, postal_code: String, country: String) -> PostalAddress {
        PostalAddress {
            line1,
            line2,
            city,
            state,
            postal_code,
            country,
        }
    }

    pub fn line1(&self) -> &str {
        &self.line1
    }
    /// Empty when there is none.
    pub fn line2(&self) -> &str {
        &self.line2
    }
    pub fn city(&self) -> &str {
        &self.city
    }
    pub fn state(&self) -> &str {
        &self.state
    }
    /// A US ZIP as digits (five or nine); elsewhere as written.
    pub fn postal_code(&self) -> &str {
        &self.postal_code
    }
    pub fn country(&self) -> &str {
        &self.country
    }
    pub fn is_us(&self) -> bool {
        self.country == "US"
    }

    /// The ZIP as printed: 12345 or 12345-6789.
    pub fn postal_code_display(&self) -> String {
        if self.is_us() && self.postal_code.len() == 9 {
            format!("{}-{}", &self.postal_code[..5], &self.postal_code[5..])
        } else {
            self.postal_code.clone()
        }
    }

    /// "City, ST 12345-6789" (or "City Region Postal" elsewhere).
    pub fn last_line(&self) -> String {
        let tail = [self.state.as_str(), &self.postal_code_display()]
            .into_iter()
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        if tail.is_empty() {
            self.city.clone()
        } else {
            format!("{}, {tail}", self.city)
        }
    }

    /// The lines an envelope prints: street lines, city line, and the
    /// country's code for an address outside the US.
    pub fn envelope_lines(&self) -> Vec<String> {
        let mut lines = vec![self.line1.clone()];
        if !self.line2.is_empty() {
            lines.push(self.line2.clone());
        }
        lines.push(self.last_line());
        if !self.is_us() {
            lines.push(self.country.clone());
        }
        lines
    }

    /// One line, parts joined by commas; a US address reads back with
    /// [`PostalAddress::parse`] to the same fields.
    pub fn one_line(&self) -> String {
        self.envelope_lines().join(", ")
    }

    /// The zones the address lies in; None outside the states and
    /// territories (or for military mail), where the gate treats the
    /// person's location as unknown.
    pub fn zones(&self) -> Option<Vec<UsZone>> {
        if !self.is_us() {
            return None;
        }
        zones_of_place(&self.state, Some(&self.postal_code))
    }
}

/// An address as the books keep it: in fields, or as text kept before
/// addresses had fields that could not be read into them (reported by the
/// store, never dropped).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeptAddress {
    Postal(PostalAddress),
    Text(String),
}

impl KeptAddress {
    /// Where it lies; None when it cannot be placed (the gate then counts
    /// the person's location as unknown). Old text is placed tolerantly by
    /// the state and ZIP it names.
    pub fn zones(&self) -> Option<Vec<UsZone>> {
        match self {
            KeptAddress::Postal(a) => a.zones(),
            KeptAddress::Text(t) => crate::location::zones_of_address(t),
        }
    }
    pub fn one_line(&self) -> String {
        match self {
            KeptAddress::Postal(a) => a.one_line(),
            KeptAddress::Text(t) => t.clone(),
        }
    }
    /// The lines to print on an envelope; old text is split at its commas
    /// and line breaks.
    pub fn envelope_lines(&self) -> Vec<String> {
        match self {
            KeptAddress::Postal(a) => a.envelope_lines(),
            KeptAddress::Text(t) => t.split([',', '\n']).map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect(),
        }
    }
    pub fn postal(&self) -> Option<&PostalAddress> {
        match self {
            KeptAddress::Postal(a) => Some(a),
            KeptAddress::Text(_) => None,
        }
    }
}

/// Text read into fields where it can be, kept as text where it cannot.
impl From<&str> for KeptAddress {
    fn from(text: &str) -> KeptAddress {
        match PostalAddress::parse(text) {
            Ok(a) => KeptAddress::Postal(a),
            Err(_) => KeptAddress::Text(text.trim().to_string()),
        }
    }
}

fn is_zip(word: &str) -> bool {
    let digits: String = word.chars().filter(|c| *c != '-').collect();
    (digits.len() == 5 || digits.len() == 9) && digits.bytes().all(|b| b.is_ascii_digit()) && word.len() <= 10
}

/// Trims and checks one field: one line, no more than `max` characters; the
/// street line and city may not hold a comma (a second street line goes in
/// line2), so that the one-line form reads back the same.
fn field_text(field: &'static str, text: &str, max: usize, commas: bool) -> Result<String, AddressError> {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().any(char::is_control) {
        return Err(refuse(field, "has a control character"));
    }
    if !commas && text.contains([',', ';']) {
        return Err(refuse(field, format!("{text:?} holds a comma; put a second street line in line2")));
    }
    let len = text.chars().count();
    if len > max {
        return Err(refuse(field, format!("is {len} characters; at most {max}")));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn fields(a: &PostalAddress) -> (&str, &str, &str, &str, &str, &str) {
        (a.line1(), a.line2(), a.city(), a.state(), a.postal_code(), a.country())
    }

    #[test]
    fn reads_the_ways_people_write_a_us_address() {
        let la = ("350 S Grand Ave", "", "Los Angeles", "CA", "90071", "US");
        for written in [
            "350 S Grand Ave, Los Angeles, CA 90071",
            "350 S Grand Ave\nLos Angeles, CA 90071",
            "350 S Grand Ave\r\nLos Angeles CA 90071",
            "350 S Grand Ave, Los Angeles, California 90071",
            "350 S Grand Ave, Los Angeles, Ca. 90071, USA",
            "350 S Grand Ave, Los Angeles, CA, 90071",
            "350  S Grand Ave ,  Los Angeles CA 90071 United States",
        ] {
            let a = PostalAddress::parse(written).unwrap_or_else(|e| panic!("{written:?}: {e}"));
            assert_eq!(fields(&a), la, "{written:?}");
        }
        let two = PostalAddress::parse("1 Main St, Apt 4B, Bldg 2, Charleston, West Virginia 25301-1234").unwrap();
        assert_eq!(fields(&two), ("1 Main St", "Apt 4B, Bldg 2", "Charleston", "WV", "253011234", "US"));
        assert_eq!(two.one_line(), "1 Main St, Apt 4B, Bldg 2, Charleston, WV 25301-1234");
        assert_eq!(two.envelope_lines(), vec!["1 Main St", "Apt 4B, Bldg 2", "Charleston, WV 25301-1234"]);
        let pr = PostalAddress::parse("1 Calle Luna, San Juan, Puerto Rico 00901").unwrap();
        assert_eq!((pr.state(), pr.zones()), ("PR", Some(vec![UsZone::Atlantic])));
        let apo = PostalAddress::parse("Unit 2050 Box 4190, APO, AP 96278").unwrap();
        assert_eq!((apo.state(), apo.zones()), ("AP", None));
    }

    #[test]
    fn refuses_naming_the_piece_it_cannot_find() {
        for (written, field) in [
            ("", "line1"),
            ("somewhere near the lake", "postal_code"),
            ("Los Angeles, California", "postal_code"),
            ("12 Main St, Springfield, ZZ 62704", "state"),
            ("Los Angeles, CA 90071", "line1"),
            ("12 Main St Los Angeles CA 90071", "line1"),
            ("CA 90071", "city"),
        ] {
            let e = PostalAddress::parse(written).expect_err(written);
            assert_eq!(e.field, field, "{written:?}: {e}");
        }
    }

    #[test]
    fn fields_are_checked_one_by_one() {
        let ok = PostalAddress::new("12 Main St", "", "Phoenix", "Arizona", "85004-1234", "").unwrap();
        assert_eq!((ok.state(), ok.postal_code(), ok.country()), ("AZ", "850041234", "US"));
        assert_eq!(ok.zones(), Some(vec![UsZone::Arizona]));
        let navajo = PostalAddress::new("PO Box 9000", "", "Window Rock", "AZ", "86515", "US").unwrap();
        assert_eq!(navajo.zones(), Some(vec![UsZone::Arizona, UsZone::Mountain]));
        assert_eq!(PostalAddress::new("", "", "Phoenix", "AZ", "85004", "US").unwrap_err().field, "line1");
        assert_eq!(PostalAddress::new("1 A St", "", "", "AZ", "85004", "US").unwrap_err().field, "city");
        assert_eq!(PostalAddress::new("1 A St", "", "Phoenix", "", "85004", "US").unwrap_err().field, "state");
        assert_eq!(
            PostalAddress::new("1 A St", "", "Phoenix", "AZ", "8500", "US").unwrap_err().field,
            "postal_code"
        );
        assert_eq!(
            PostalAddress::new("1 A St, Apt 2", "", "Phoenix", "AZ", "85004", "US").unwrap_err().field,
            "line1"
        );
        assert_eq!(
            PostalAddress::new("1 A St", "", "Phoenix", "AZ", "85004", "Canada").unwrap_err().field,
            "country"
        );
        let long = "x".repeat(56);
        assert_eq!(PostalAddress::new(&long, "", "Phoenix", "AZ", "85004", "US").unwrap_err().field, "line1");
        // Outside the US: the region and postal code as written; no zone.
        let toronto = PostalAddress::new("100 Queen St W", "", "Toronto", "ON", "m5h 2n2", "ca").unwrap();
        assert_eq!(toronto.one_line(), "100 Queen St W, Toronto, ON M5H 2N2, CA");
        assert_eq!(toronto.zones(), None);
    }

    fn us_address() -> impl Strategy<Value = PostalAddress> {
        let word = "[A-Za-z0-9#'/-]{1,8}";
        let line = proptest::collection::vec(word, 1..4).prop_map(|w| w.join(" "));
        let states = prop::sample::select(vec!["CA", "NY", "AZ", "HI", "PR", "GU", "WV", "DC", "AP"]);
        (
            line.clone(),
            prop::option::of(line.clone()),
            "[A-Za-z]{2,9}( [A-Za-z]{2,9})?",
            states,
            "[0-9]{5}([0-9]{4})?",
        )
            .prop_filter_map("a valid address", |(l1, l2, city, st, zip)| {
                PostalAddress::new(&l1, l2.as_deref().unwrap_or(""), &city, st, &zip, "US").ok()
            })
    }

    proptest! {
        /// Whatever the fields, the one-line form reads back to them, and
        /// the tolerant placer used for text the books kept before agrees.
        #[test]
        fn one_line_reads_back_to_the_same_fields(a in us_address()) {
            let line = a.one_line();
            let back = PostalAddress::parse(&line);
            // A city that is itself a state's name ("Washington") is read as
            // part of the state only when no state follows it; ours always has one.
            prop_assert_eq!(back.as_ref(), Ok(&a), "{}", line);
            let lines = PostalAddress::parse(&a.envelope_lines().join("\n"));
            prop_assert_eq!(lines.as_ref(), Ok(&a));
        }
    }
}
