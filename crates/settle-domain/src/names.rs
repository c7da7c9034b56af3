//! People's names as claims carry them, and text as X12 may carry it.
//!
//! An 837P names a person in pieces: last name (NM103), first (NM104),
//! middle (NM105) and suffix (NM107), each with a maximum length, in the
//! X12 character set. [`PersonName::parse`] reads a name as people write
//! it ("Maria de la Cruz", "John Smith Jr", "Cruz, Maria de la"), keeping
//! surname particles with the last name and a generational suffix apart.
//! [`x12_text`] folds any text to what X12 carries: accents transliterated
//! (`deunicode`), upper case, one space between words.

use serde::{Deserialize, Serialize};

/// A person's name in the pieces an 837P carries.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonName {
    pub last: String,
    pub first: String,
    pub middle: String,
    pub suffix: String,
}

/// Words that begin a surname ("de la Cruz", "van der Berg", "O Brien" is
/// written with its apostrophe and needs none).
const PARTICLES: &[&str] = &[
    "da", "das", "de", "del", "della", "der", "di", "dos", "du", "la", "le", "van", "von", "den", "ter", "ten", "st", "st.", "bin", "ibn", "al", "el", "y",
];

/// Generational and professional suffixes (NM107 takes the generational).
const SUFFIXES: &[&str] = &["jr", "jr.", "sr", "sr.", "ii", "iii", "iv", "v", "2nd", "3rd"];

impl PersonName {
    /// A name as people write it: "First [Middle] Last [Suffix]", with
    /// surname particles kept with the last name, or "Last, First [Middle]
    /// [Suffix]" (a comma says where the last name ends).
    pub fn parse(text: &str) -> PersonName {
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if let Some((last, rest)) = text.split_once(',') {
            let mut words: Vec<&str> = rest.split_whitespace().collect();
            let suffix = take_suffix(&mut words);
            let first = if words.is_empty() { String::new() } else { words.remove(0).to_string() };
            return PersonName {
                last: last.trim().to_string(),
                first,
                middle: words.join(" "),
                suffix,
            };
        }
        let mut words: Vec<&str> = text.split_whitespace().collect();
        let suffix = take_suffix(&mut words);
        if words.len() <= 1 {
            return PersonName {
                last: words.join(" "),
                suffix,
                ..PersonName::default()
            };
        }
        let first = words.remove(0).to_string();
        // The last name starts at the first particle after the first name,
        // else it is the last word.
        let start = words
            .iter()
            .position(|w| PARTICLES.contains(&w.to_lowercase().as_str()))
            .filter(|&p| p < words.len() - 1)
            .unwrap_or(words.len() - 1);
        PersonName {
            last: words[start..].join(" "),
            first,
            middle: words[..start].join(" "),
            suffix,
        }
    }

    /// A name from its parts as a person gave them: each trimmed, one
    /// space between words; the last name is required (a person known by
    /// one name has only a last name), and each part is at most 200
    /// characters (a suffix 20). A part longer than the element an 837P
    /// puts it in (NM103 60, NM104 35, NM105 25, NM107 10) is kept as given
    /// and the scrubber holds back that claim, naming the part.
    pub fn from_parts(last: &str, first: &str, middle: &str, suffix: &str) -> Result<PersonName, NameError> {
        let tidy = |field: &'static str, text: &str, max: usize| -> Result<String, NameError> {
            let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
            if text.chars().any(char::is_control) {
                return Err(NameError::new(field, "holds control characters"));
            }
            let len = text.chars().count();
            if len > max {
                return Err(NameError::new(field, format!("is {len} characters; at most {max}")));
            }
            Ok(text)
        };
        let name = PersonName {
            last: tidy("last", last, 200)?,
            first: tidy("first", first, 200)?,
            middle: tidy("middle", middle, 200)?,
            suffix: tidy("suffix", suffix, 20)?,
        };
        if name.last.is_empty() {
            return Err(NameError::new("last", "is required (a person known by one name gives it as the last name)"));
        }
        Ok(name)
    }

    /// A name kept as one line (before names had parts) read into its
    /// parts, or why it cannot be without a person looking: one word (no
    /// first name to tell), several people ("&", " and "), digits, or more
    /// words than a first, middle and last name without a comma to say
    /// where the last name ends.
    pub fn read(text: &str) -> Result<PersonName, NameError> {
        let words: Vec<&str> = text.split_whitespace().collect();
        let lower = text.to_lowercase();
        if words.len() < 2 {
            return Err(NameError::new("name", "is one word: which is the first name and which the last?"));
        }
        if text.contains('&') || lower.split_whitespace().any(|w| w == "and") {
            return Err(NameError::new("name", "names more than one person"));
        }
        if text.chars().any(|c| c.is_ascii_digit()) {
            return Err(NameError::new("name", "holds digits"));
        }
        let name = PersonName::parse(text);
        if !text.contains(',') && name.middle.split_whitespace().count() > 1 {
            return Err(NameError::new(
                "name",
                "has more words than a first, middle and last name; say where the last name starts",
            ));
        }
        PersonName::from_parts(&name.last, &name.first, &name.middle, &name.suffix)
    }

    /// The last name and the first with the middle: where only two parts
    /// go (a 270, another payer's subscriber).
    pub fn two_parts(&self) -> (String, String) {
        let first = [self.first.as_str(), self.middle.as_str()]
            .iter()
            .filter(|p| !p.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" ");
        (self.last.clone(), first)
    }

    /// The name as one line, first name first.
    pub fn display(&self) -> String {
        [self.first.as_str(), self.middle.as_str(), self.last.as_str(), self.suffix.as_str()]
            .iter()
            .filter(|p| !p.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// A name refused, naming the part.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameError {
    pub field: &'static str,
    pub message: String,
}

impl NameError {
    fn new(field: &'static str, message: impl Into<String>) -> NameError {
        NameError {
            field,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for NameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.field, self.message)
    }
}

impl std::error::Error for NameError {}

fn take_suffix(words: &mut Vec<&str>) -> String {
    match words.last() {
        Some(w) if words.len() > 1 && SUFFIXES.contains(&w.to_lowercase().as_str()) => {
            let suffix = w.trim_end_matches('.').to_uppercase();
            words.pop();
            suffix
        }
        _ => String::new(),
    }
}

/// What a person typed to find someone by name, as the words to look for:
/// "Garcia, Kwame", "garcia kwame" and "Kwame Garcia" are the same two
/// words, each to be the start of a word of the name, in any order. Case
/// and punctuation between words (commas, periods) do not count; LIKE's
/// wildcards are dropped, so a typed "%" matches nothing special.
pub fn search_words(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || c == ',' || c == ';')
        .map(|w| {
            w.trim_matches(|c: char| c == '.' || c == '%' || c == '_')
                .replace(['%', '_'], "")
                .to_lowercase()
        })
        .filter(|w| !w.is_empty())
        .take(6)
        .collect()
}

/// Text as X12 carries it: transliterated to ASCII (`José Müller-Åström`
/// becomes `JOSE MULLER-ASTROM`, `Straße` `STRASSE`), upper case, control
/// characters dropped, one space between words.
pub fn x12_text(text: &str) -> String {
    // Most names and streets are ASCII already: no transliteration to do.
    let ascii = if text.is_ascii() {
        std::borrow::Cow::Borrowed(text)
    } else {
        deunicode::deunicode(text).into()
    };
    ascii
        .chars()
        .filter(|c| !c.is_ascii_control())
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_uppercase()
}

/// The separators an 837P Settle writes uses; a value holding one cannot
/// be written.
pub const X12_SEPARATORS: &[char] = &['*', '~', ':', '^'];

/// A value bound for an X12 element: what it is (for the finding), where
/// it goes, and the element's maximum length.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct X12Value {
    /// The claim's field, such as `patient.last_name`.
    pub field: String,
    /// The element and loop, such as `NM103 (2010CA)`.
    pub x12: String,
    pub value: String,
    pub max: usize,
}

impl X12Value {
    pub fn new(field: impl Into<String>, x12: impl Into<String>, value: &str, max: usize) -> X12Value {
        X12Value {
            field: field.into(),
            x12: x12.into(),
            value: value.to_string(),
            max,
        }
    }

    /// What is wrong with the value as X12 would carry it, if anything.
    pub fn problem(&self) -> Option<String> {
        let folded = x12_text(&self.value);
        if let Some(c) = folded.chars().find(|c| X12_SEPARATORS.contains(c)) {
            return Some(format!("{:?} holds {c:?}, which separates X12 elements; take it out", self.value));
        }
        let length = folded.chars().count();
        (length > self.max).then(|| {
            format!(
                "{folded:?} is {length} characters; {} takes at most {} (shorten it or give it in parts)",
                self.x12, self.max
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_searched_by_its_words_in_any_order() {
        for (typed, words) in [
            ("Garcia, Kwame", vec!["garcia", "kwame"]),
            ("garcia kwame", vec!["garcia", "kwame"]),
            ("  O'Brien,Mary-Kate ", vec!["o'brien", "mary-kate"]),
            ("g", vec!["g"]),
            ("Smith Jr.", vec!["smith", "jr"]),
            ("100%_", vec!["100"]),
            (" , ", vec![]),
        ] {
            assert_eq!(search_words(typed), words, "{typed}");
        }
    }

    fn parts(text: &str) -> (String, String, String, String) {
        let n = PersonName::parse(text);
        (n.last, n.first, n.middle, n.suffix)
    }

    fn p(last: &str, first: &str, middle: &str, suffix: &str) -> (String, String, String, String) {
        (last.into(), first.into(), middle.into(), suffix.into())
    }

    #[test]
    fn names_as_people_write_them() {
        assert_eq!(parts("Maria de la Cruz"), p("de la Cruz", "Maria", "", ""));
        assert_eq!(parts("John Smith Jr"), p("Smith", "John", "", "JR"));
        assert_eq!(parts("John Q. Public III"), p("Public", "John", "Q.", "III"));
        assert_eq!(parts("Ludwig van der Berg"), p("van der Berg", "Ludwig", "", ""));
        assert_eq!(parts("Cruz, Maria de la"), p("Cruz", "Maria", "de la", ""));
        assert_eq!(parts("Smith, John Jr."), p("Smith", "John", "", "JR"));
        assert_eq!(parts("Madonna"), p("Madonna", "", "", ""));
        assert_eq!(parts("  Mary   Ann  O'Brien "), p("O'Brien", "Mary", "Ann", ""));
        assert_eq!(parts("Jane De"), p("De", "Jane", "", ""));
        assert_eq!(PersonName::parse("Maria de la Cruz").display(), "Maria de la Cruz");
    }

    #[test]
    fn parts_are_checked_and_old_names_read_or_held_for_review() {
        let n = PersonName::from_parts("  de la  Cruz ", "Maria", "", "").unwrap();
        assert_eq!(n.display(), "Maria de la Cruz");
        assert_eq!(PersonName::from_parts("", "Maria", "", "").unwrap_err().field, "last");
        assert_eq!(PersonName::from_parts("Cruz", &"M".repeat(201), "", "").unwrap_err().field, "first");
        assert_eq!(PersonName::from_parts("Cruz", "Maria", "", "Jr\u{7}").unwrap_err().field, "suffix");
        assert_eq!(PersonName::read("Maria de la Cruz").unwrap().last, "de la Cruz");
        assert_eq!(PersonName::read("Cruz, Maria Elena Sofia").unwrap().middle, "Elena Sofia");
        for refused in ["Madonna", "John & Mary Smith", "John and Mary Smith", "Unit 4 Smith", "Mary Ann Lee Smith"] {
            assert!(PersonName::read(refused).is_err(), "{refused}");
        }
        assert_eq!(
            PersonName::read("Mary Ann Smith").unwrap().two_parts(),
            ("Smith".to_string(), "Mary Ann".to_string())
        );
    }

    #[test]
    fn text_folds_to_what_x12_carries() {
        assert_eq!(x12_text("José Müller-Åström"), "JOSE MULLER-ASTROM");
        assert_eq!(x12_text("Hauptstraße  12\t"), "HAUPTSTRASSE 12");
        assert_eq!(x12_text("Zoë\u{7}"), "ZOE");
    }

    #[test]
    fn values_too_long_or_holding_a_separator_are_named() {
        let long = X12Value::new("patient.last_name", "NM103 (2010CA)", &"A".repeat(61), 60);
        assert!(long.problem().unwrap().contains("NM103 (2010CA) takes at most 60"));
        let star = X12Value::new("patient.last_name", "NM103 (2010CA)", "Smith*Jones", 60);
        assert!(star.problem().unwrap().contains("'*'"));
        assert_eq!(X12Value::new("f", "NM104", "José", 35).problem(), None);
    }
}
