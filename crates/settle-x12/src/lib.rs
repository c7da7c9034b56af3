//! X12 5010: a reader and a writer, and nothing about what the transactions mean.
//!
//! The reader takes bytes and gives back segments (with their elements,
//! repetitions and components), grouped into interchanges, functional
//! groups and transaction sets, plus a list of [`Diagnostic`]s, each naming
//! the segment by its number in the file (1 for the ISA) and, where it
//! applies, the element. It never panics, whatever the input: a malformed
//! file gives diagnostics, not a crash (a fuzz target and a property test
//! hold it to that). Delimiters are read from the ISA, as the standard says.
//!
//! The writer takes segments and envelope settings and produces the ISA/GS/ST
//! envelopes with their control numbers and counts (SE01, GE01, IEA01)
//! computed, refusing any value that contains a delimiter.
//!
//! No I/O, no clock: dates, times and control numbers are arguments.

pub mod ack;
pub mod claim_status;
pub mod elig;
mod envelope;
pub mod grammar;
pub mod mutation;
pub mod p837;
mod p837_facts;
mod read;
pub mod remit;
mod write;

pub use envelope::{FunctionalGroup, Interchange, TransactionSet};
pub use read::{read, tokenize, Parsed};
pub use write::{write_interchange, Envelope, OutGroup, OutSegment, OutTransaction, WriteError};

/// A date as X12 writes it (D8, CCYYMMDD), if it is one.
pub fn parse_date8(text: &str) -> Option<settle_domain::Date> {
    let digits = text.len() == 8 && text.bytes().all(|b| b.is_ascii_digit());
    digits
        .then(|| settle_domain::Date::new(text[..4].parse().ok()?, text[4..6].parse().ok()?, text[6..].parse().ok()?).ok())
        .flatten()
}

/// A date as X12 writes it (D8, CCYYMMDD).
pub fn date8(date: settle_domain::Date) -> String {
    date.strftime("%Y%m%d").to_string()
}

/// The four separators an interchange declares in its ISA segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Delimiters {
    /// ISA's 4th byte, usually `*`.
    pub element: u8,
    /// ISA16, usually `:`.
    pub component: u8,
    /// ISA11 in 5010, usually `^`.
    pub repetition: u8,
    /// The byte after ISA16, usually `~`.
    pub segment: u8,
}

impl Default for Delimiters {
    fn default() -> Delimiters {
        Delimiters {
            element: b'*',
            component: b':',
            repetition: b'^',
            segment: b'~',
        }
    }
}

impl Delimiters {
    pub fn contains(&self, byte: u8) -> bool {
        byte == self.element || byte == self.component || byte == self.repetition || byte == self.segment
    }
}

/// One element of a segment as read: one or more repetitions, each one or
/// more components, split on demand from the element's text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Element<'a> {
    text: &'a str,
    /// 0: the element is not split (ISA11 and ISA16 are separators themselves).
    component: u8,
    repetition: u8,
}

impl<'a> Element<'a> {
    /// The element as written, separators included.
    pub fn as_str(&self) -> &'a str {
        self.text
    }

    fn first_repetition(&self) -> &'a str {
        match self.repetition {
            0 => self.text,
            r => self.text.split(r as char).next().unwrap_or(""),
        }
    }

    /// The first component of the first repetition ("" if empty).
    pub fn value(&self) -> &'a str {
        self.component(0)
    }

    /// Component `index` (from 0) of the first repetition, "" if absent.
    pub fn component(&self, index: usize) -> &'a str {
        let first = self.first_repetition();
        match self.component {
            0 if index == 0 => first,
            0 => "",
            c => first.split(c as char).nth(index).unwrap_or(""),
        }
    }

    /// Every repetition, each split into its components.
    pub fn repetitions(&self) -> Vec<Vec<&'a str>> {
        let split = |r: &'a str| -> Vec<&'a str> {
            match self.component {
                0 => vec![r],
                c => r.split(c as char).collect(),
            }
        };
        match self.repetition {
            0 => vec![split(self.text)],
            r => self.text.split(r as char).map(split).collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.text.bytes().all(|b| b == self.component || b == self.repetition)
    }
}

/// One segment as read, with where it was. The text is kept once per
/// segment; elements are views into it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    /// "ISA", "CLM", "SV1", ...
    pub id: String,
    /// The segment's text after its id and the element separator.
    text: String,
    /// Each element's byte range in `text`.
    spans: Vec<(u32, u32)>,
    component: u8,
    repetition: u8,
    /// The segment's number in the file, from 1 (the ISA).
    pub number: usize,
    /// Byte offset of the segment's first byte.
    pub offset: usize,
}

impl Segment {
    /// A segment from its id and the text after it, split on `element`;
    /// `component` and `repetition` 0 leave its elements unsplit.
    pub fn new(id: String, text: String, element: u8, component: u8, repetition: u8, number: usize, offset: usize) -> Segment {
        let mut spans = Vec::with_capacity(text.len() / 4 + 1);
        if !text.is_empty() || element != 0 {
            let mut start = 0u32;
            for (i, b) in text.bytes().enumerate() {
                if b == element {
                    spans.push((start, i as u32));
                    start = i as u32 + 1;
                }
            }
            spans.push((start, text.len() as u32));
        }
        Segment {
            id,
            text,
            spans,
            component,
            repetition,
            number,
            offset,
        }
    }

    /// How many elements the segment has (counting empty ones written).
    pub fn element_count(&self) -> usize {
        self.spans.len()
    }

    /// Element `n`, counting as X12 does, from 1.
    pub fn element(&self, n: usize) -> Option<Element<'_>> {
        let (start, end) = *self.spans.get(n.checked_sub(1)?)?;
        Some(Element {
            text: &self.text[start as usize..end as usize],
            component: self.component,
            repetition: self.repetition,
        })
    }

    /// Every element, from 01.
    pub fn elements(&self) -> impl Iterator<Item = Element<'_>> {
        (1..=self.spans.len()).filter_map(|n| self.element(n))
    }

    /// Element `n` counting as X12 does, from 1 ("" if absent).
    pub fn value(&self, n: usize) -> &str {
        self.element(n).map_or("", |e| e.value())
    }

    /// Component `c` (from 1) of element `n` (from 1).
    pub fn component(&self, n: usize, c: usize) -> &str {
        match c.checked_sub(1) {
            Some(c) => self.element(n).map_or("", |e| e.component(c)),
            None => "",
        }
    }
}

/// How bad a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// The file can still be read; a value may be off (a count, say).
    Warning,
    /// Part of the file could not be read or does not hold together.
    Error,
}

/// What is wrong, where: the material of a 999 or of a message to a person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// The segment's number in the file, from 1; 0 when about the file as a whole.
    pub segment_number: usize,
    /// The segment's id, if known.
    pub segment_id: String,
    /// The element, counting from 1, if the problem is in one.
    pub element: Option<usize>,
    /// Byte offset in the input.
    pub offset: usize,
    pub message: String,
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.segment_number == 0 {
            return write!(f, "{}", self.message);
        }
        write!(f, "segment {} ({})", self.segment_number, self.segment_id)?;
        if let Some(element) = self.element {
            write!(f, ", element {}{:02}", self.segment_id, element)?;
        }
        write!(f, ": {}", self.message)
    }
}
