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
pub mod elig;
mod envelope;
pub mod p837;
mod read;
mod write;

pub use envelope::{FunctionalGroup, Interchange, TransactionSet};
pub use read::{read, tokenize, Parsed};
pub use write::{write_interchange, Envelope, OutGroup, OutSegment, OutTransaction, WriteError};

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

/// One element: one or more repetitions, each one or more components.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Element {
    pub repetitions: Vec<Vec<String>>,
}

impl Element {
    pub fn simple(value: impl Into<String>) -> Element {
        Element {
            repetitions: vec![vec![value.into()]],
        }
    }

    /// The first component of the first repetition ("" if empty).
    pub fn value(&self) -> &str {
        self.component(0)
    }

    /// Component `index` (from 0) of the first repetition, "" if absent.
    pub fn component(&self, index: usize) -> &str {
        self.repetitions.first().and_then(|r| r.get(index)).map_or("", String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.repetitions.iter().all(|r| r.iter().all(String::is_empty))
    }
}

/// One segment as read, with where it was.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    /// "ISA", "CLM", "SV1", ...
    pub id: String,
    /// Elements from 01; `elements[0]` is the segment's 01 element.
    pub elements: Vec<Element>,
    /// The segment's number in the file, from 1 (the ISA).
    pub number: usize,
    /// Byte offset of the segment's first byte.
    pub offset: usize,
}

impl Segment {
    /// Element `n` counting as X12 does, from 1 ("" if absent).
    pub fn value(&self, n: usize) -> &str {
        n.checked_sub(1).and_then(|i| self.elements.get(i)).map_or("", Element::value)
    }

    /// Component `c` (from 1) of element `n` (from 1).
    pub fn component(&self, n: usize, c: usize) -> &str {
        match (n.checked_sub(1), c.checked_sub(1)) {
            (Some(e), Some(c)) => self.elements.get(e).map_or("", |el| el.component(c)),
            _ => "",
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
