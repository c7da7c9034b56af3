//! Elements from the X12 5010 data element dictionary, for the segments
//! whose values Settle reads or writes: each simple element's type and
//! minimum and maximum length by position (composites are read by the
//! readers). A value of the wrong type or length is refused by segment and
//! element, as a payer's translator would refuse it.

/// A simple element's data type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Type {
    /// A composite, or an element Settle does not check here.
    Skip,
    /// Identifier: a code.
    Id,
    /// String: the basic and extended character sets (printable ASCII).
    An,
    /// Integer (N0): digits, an optional leading minus.
    N0,
    /// Decimal (R): digits with at most one decimal point, an optional
    /// leading minus; its length counts the digits only.
    R,
    /// Date, CCYYMMDD.
    Dt,
    /// Time, HHMM, HHMMSS or HHMMSSd..d.
    Tm,
}

/// One element: its type and length, and for a code the values the guide
/// allows wherever the segment appears (empty: any code of its length).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Element {
    pub ty: Type,
    pub min: u16,
    pub max: u16,
    pub codes: &'static [&'static str],
}

const fn e(ty: Type, min: u16, max: u16) -> Element {
    Element { ty, min, max, codes: &[] }
}
/// A code from a list the implementation guides close.
const fn one_of(min: u16, max: u16, codes: &'static [&'static str]) -> Element {
    Element { ty: Type::Id, min, max, codes }
}

/// SBR01: the payer responsibility sequence.
const RESPONSIBILITY: &[&str] = &["A", "B", "C", "D", "E", "F", "G", "H", "P", "S", "T", "U"];
/// SBR09: the claim filing indicator.
const FILING: &[&str] = &[
    "11", "12", "13", "14", "15", "16", "17", "AM", "BL", "CH", "CI", "DS", "FI", "HM", "LM", "MA", "MB", "MC", "OF", "TV", "VA", "WC", "ZZ",
];
/// CLP02: the claim status an 835 reports.
const CLAIM_STATUS: &[&str] = &["1", "2", "3", "4", "19", "20", "21", "22", "23", "25"];
/// CAS01: the claim adjustment group.
const ADJUSTMENT_GROUP: &[&str] = &["CO", "CR", "OA", "PI", "PR"];
/// IK5-01 and AK9-01: a transaction set's or group's acknowledgment.
const ACK_CODE: &[&str] = &["A", "E", "M", "P", "R", "W", "X"];
const fn id(min: u16, max: u16) -> Element {
    e(Type::Id, min, max)
}
const fn an(min: u16, max: u16) -> Element {
    e(Type::An, min, max)
}
const fn n0(min: u16, max: u16) -> Element {
    e(Type::N0, min, max)
}
const fn r(max: u16) -> Element {
    e(Type::R, 1, max)
}
const DT: Element = e(Type::Dt, 8, 8);
const TM: Element = e(Type::Tm, 4, 8);
const SKIP: Element = e(Type::Skip, 0, 0);

/// (segment id, its elements from 01).
pub const ELEMENTS: &[(&str, &[Element])] = &[
    // 837P
    ("BHT", &[id(4, 4), id(2, 2), an(1, 50), DT, TM, id(2, 2)]),
    ("HL", &[an(1, 12), an(1, 12), id(1, 2), id(1, 1)]),
    (
        "SBR",
        &[
            one_of(1, 1, RESPONSIBILITY),
            id(2, 2),
            an(1, 50),
            an(1, 60),
            id(1, 3),
            id(1, 1),
            id(1, 1),
            id(2, 2),
            one_of(1, 2, FILING),
        ],
    ),
    ("PAT", &[id(2, 2)]),
    (
        "NM1",
        &[
            id(2, 3),
            one_of(1, 1, &["1", "2"]),
            an(1, 60),
            an(1, 35),
            an(1, 25),
            an(1, 10),
            an(1, 10),
            id(1, 2),
            an(2, 80),
        ],
    ),
    ("N3", &[an(1, 55), an(1, 55)]),
    ("N4", &[an(2, 30), id(2, 2), id(3, 15), id(2, 3)]),
    ("DMG", &[id(2, 3), an(1, 35), one_of(1, 1, &["F", "M", "U"])]),
    ("REF", &[id(2, 3), an(1, 50), an(1, 80)]),
    ("PER", &[id(2, 2), an(1, 60), id(2, 2), an(1, 256), id(2, 2), an(1, 256), id(2, 2), an(1, 256)]),
    ("CLM", &[an(1, 38), r(18)]),
    ("LX", &[n0(1, 6)]),
    ("SV1", &[SKIP, r(18), id(2, 2), r(15), an(1, 2)]),
    ("DTP", &[id(3, 3), id(2, 3), an(1, 35)]),
    ("PRV", &[id(1, 3), id(2, 3), an(1, 50)]),
    // 835
    (
        "BPR",
        &[one_of(1, 2, &["C", "D", "H", "I", "P", "U", "X"]), r(18), one_of(1, 1, &["C", "D"]), id(3, 3)],
    ),
    ("TRN", &[id(1, 2), an(1, 50), an(10, 10), an(1, 50)]),
    ("CLP", &[an(1, 38), one_of(1, 2, CLAIM_STATUS), r(18), r(18), r(18), id(1, 2), an(1, 50)]),
    (
        "CAS",
        &[
            one_of(1, 2, ADJUSTMENT_GROUP),
            id(1, 5),
            r(18),
            r(15),
            id(1, 5),
            r(18),
            r(15),
            id(1, 5),
            r(18),
            r(15),
        ],
    ),
    ("SVC", &[SKIP, r(18), r(18), an(1, 48), r(15)]),
    ("N1", &[id(2, 3), an(1, 60), id(1, 2), an(2, 80)]),
    ("LQ", &[id(1, 3), an(1, 30)]),
    // 999 and 277CA
    ("AK1", &[id(2, 2), n0(1, 9), an(1, 12)]),
    ("AK2", &[id(3, 3), an(4, 9), an(1, 35)]),
    ("IK5", &[one_of(1, 1, ACK_CODE), id(1, 3), id(1, 3), id(1, 3), id(1, 3), id(1, 3)]),
    ("AK9", &[one_of(1, 1, ACK_CODE), n0(1, 6), n0(1, 6), n0(1, 6)]),
    // 271
    ("EB", &[id(1, 2), id(3, 3), SKIP, id(1, 3), an(1, 50), id(1, 2), r(18), r(10)]),
];

/// The elements of a segment id, if Settle checks them.
pub fn elements(id: &str) -> Option<&'static [Element]> {
    ELEMENTS.iter().find(|(s, _)| *s == id).map(|(_, l)| *l)
}

impl Element {
    /// What is wrong with a simple value of this element, if anything.
    pub fn problem(&self, text: &str) -> Option<String> {
        let shape = match self.ty {
            Type::Skip => return None,
            Type::Id | Type::An => (!text.bytes().all(|b| b.is_ascii_graphic() || b == b' '))
                .then(|| "holds characters outside the X12 character set (printable ASCII)".to_string()),
            Type::N0 => (!integer(text)).then(|| "is not a whole number".to_string()),
            Type::R => (!decimal(text)).then(|| "is not a decimal number".to_string()),
            Type::Dt => (!date(text)).then(|| "is not a date (CCYYMMDD)".to_string()),
            Type::Tm => (!time(text)).then(|| "is not a time (HHMM, HHMMSS)".to_string()),
        };
        if shape.is_some() {
            return shape;
        }
        if !self.codes.is_empty() && !self.codes.contains(&text) {
            return Some(format!("is not a code the guide allows here ({})", self.codes.join(", ")));
        }
        // A number's length counts its digits, not its sign or point.
        let length = match self.ty {
            Type::N0 | Type::R => text.bytes().filter(u8::is_ascii_digit).count(),
            _ => text.chars().count(),
        };
        (length < usize::from(self.min) || length > usize::from(self.max)).then(|| format!("is {length} characters; it takes {} to {}", self.min, self.max))
    }
}

fn digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

fn integer(text: &str) -> bool {
    digits(text.strip_prefix('-').unwrap_or(text))
}

fn decimal(text: &str) -> bool {
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    match unsigned.split_once('.') {
        Some((whole, part)) => (whole.is_empty() || digits(whole)) && (part.is_empty() || digits(part)) && !(whole.is_empty() && part.is_empty()),
        None => digits(unsigned),
    }
}

fn date(text: &str) -> bool {
    if text.len() != 8 || !digits(text) {
        return false;
    }
    let (y, m, d): (u32, u32, u32) = (text[..4].parse().unwrap_or(0), text[4..6].parse().unwrap_or(0), text[6..].parse().unwrap_or(0));
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    y > 0 && (1..=days).contains(&d)
}

fn time(text: &str) -> bool {
    if !(4..=8).contains(&text.len()) || text.len() == 5 || !digits(text) {
        return false;
    }
    let hour: u8 = text[..2].parse().unwrap_or(99);
    let minute: u8 = text[2..4].parse().unwrap_or(99);
    let second: u8 = if text.len() >= 6 { text[4..6].parse().unwrap_or(99) } else { 0 };
    hour < 24 && minute < 60 && second < 60
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_type_takes_its_own_shape() {
        let cases: &[(Element, &str, bool)] = &[
            (r(18), "1234.56", true),
            (r(18), "-12", true),
            (r(18), ".5", true),
            (r(18), "12.", true),
            (r(18), "1,234.56", false),
            (r(18), ".", false),
            (r(18), "12.3.4", false),
            (r(4), "-123.4", true),
            (r(4), "12345", false),
            (n0(1, 6), "42", true),
            (n0(1, 6), "4.2", false),
            (DT, "20240229", true),
            (DT, "20230229", false),
            (DT, "2024-02-2", false),
            (TM, "2359", true),
            (TM, "235959", true),
            (TM, "2460", false),
            (TM, "23595", false),
            (an(1, 35), "MULLER-ASTROM", true),
            (an(1, 35), "Müller", false),
            (an(1, 35), "TAB\tHERE", false),
            (id(2, 2), "MA", true),
            (id(2, 2), "M", false),
            (one_of(1, 1, &["F", "M", "U"]), "M", true),
            (one_of(1, 1, &["F", "M", "U"]), "X", false),
            (one_of(1, 2, CLAIM_STATUS), "22", true),
            (one_of(1, 2, CLAIM_STATUS), "5", false),
        ];
        for (element, text, ok) in cases {
            assert_eq!(element.problem(text).is_none(), *ok, "{element:?} {text:?}: {:?}", element.problem(text));
        }
    }
}
