//! Bytes to segments, then segments to envelopes. Never panics.

use crate::envelope::{self, Interchange};
use crate::{Delimiters, Diagnostic, Segment, Severity};

/// Everything read from one file.
#[derive(Clone, Debug, Default)]
pub struct Parsed {
    pub delimiters: Delimiters,
    pub interchanges: Vec<Interchange>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Parsed {
    /// Whether any diagnostic is an error (warnings allowed).
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(|d| d.severity == Severity::Error)
    }
}

/// Reads a whole file: segments, envelopes, and every problem found.
pub fn read(input: &[u8]) -> Parsed {
    let (delimiters, segments, mut diagnostics) = tokenize(input);
    let interchanges = envelope::assemble(segments, &mut diagnostics);
    Parsed {
        delimiters,
        interchanges,
        diagnostics,
    }
}

fn file_error(message: impl Into<String>) -> Diagnostic {
    Diagnostic {
        severity: Severity::Error,
        segment_number: 0,
        segment_id: String::new(),
        element: None,
        offset: 0,
        message: message.into(),
    }
}

/// The ISA's fixed length, terminator included.
const ISA_LENGTH: usize = 106;

/// Finds the delimiters in the ISA starting at `start`.
fn delimiters_at(input: &[u8], start: usize) -> Result<Delimiters, String> {
    let isa = input.get(start..).unwrap_or_default();
    if !isa.starts_with(b"ISA") {
        return Err("the file does not start with an ISA segment".into());
    }
    let element = *isa.get(3).ok_or("the ISA segment is cut short")?;
    if element.is_ascii_alphanumeric() || element.is_ascii_whitespace() {
        return Err(format!("{:?} cannot be the element separator (the byte after \"ISA\")", element as char));
    }
    // ISA has 16 elements: the 16th separator is followed by ISA16 (the
    // component separator) and then the segment terminator.
    let mut seen = 0;
    let mut at = 3;
    while at < isa.len() && seen < 16 {
        if isa[at] == element {
            seen += 1;
        }
        at += 1;
    }
    if seen < 16 {
        return Err("the ISA segment has fewer than 16 elements".into());
    }
    let component = *isa.get(at).ok_or("the ISA segment ends before ISA16")?;
    let segment = *isa.get(at + 1).ok_or("the ISA segment has no terminator after ISA16")?;
    // ISA11 is the repetition separator in 5010 (it was a standards id, "U", before).
    let isa11 = isa.split(|b| *b == element).nth(11).unwrap_or_default();
    let repetition = match isa11 {
        [b] if !b.is_ascii_alphanumeric() => *b,
        _ => 0,
    };
    let delimiters = Delimiters {
        element,
        component,
        repetition,
        segment,
    };
    let distinct = [element, component, segment];
    if distinct[0] == distinct[1] || distinct[0] == distinct[2] || distinct[1] == distinct[2] {
        return Err("the ISA declares the same byte for two different separators".into());
    }
    Ok(delimiters)
}

/// Splits a file into segments with their positions. Diagnostics name any
/// segment that could not be read.
pub fn tokenize(input: &[u8]) -> (Delimiters, Vec<Segment>, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let start = input
        .iter()
        .position(|b| !b.is_ascii_whitespace() && *b != 0xEF && *b != 0xBB && *b != 0xBF)
        .unwrap_or(input.len());
    if start == input.len() {
        diagnostics.push(file_error("the file is empty"));
        return (Delimiters::default(), Vec::new(), diagnostics);
    }
    let delimiters = match delimiters_at(input, start) {
        Ok(d) => d,
        Err(message) => {
            diagnostics.push(file_error(message));
            return (Delimiters::default(), Vec::new(), diagnostics);
        }
    };
    let mut segments = Vec::new();
    let mut offset = start;
    let mut number = 0;
    let body = &input[start..];
    let mut pieces = body.split(|b| *b == delimiters.segment).peekable();
    while let Some(raw) = pieces.next() {
        let is_last = pieces.peek().is_none();
        let piece_offset = offset;
        offset += raw.len() + 1;
        // Line breaks after terminators are common and not part of the data.
        let lead = raw.iter().take_while(|b| matches!(b, b'\r' | b'\n')).count();
        let raw = &raw[lead..];
        let raw = match raw.iter().rposition(|b| !matches!(b, b'\r' | b'\n')) {
            Some(end) => &raw[..=end],
            None => &raw[..0],
        };
        if raw.is_empty() {
            continue;
        }
        number += 1;
        let at = piece_offset + lead;
        if is_last {
            diagnostics.push(Diagnostic {
                severity: Severity::Error,
                segment_number: number,
                segment_id: String::from_utf8_lossy(raw.split(|b| *b == delimiters.element).next().unwrap_or_default()).into_owned(),
                element: None,
                offset: at,
                message: format!("the last segment has no terminator {:?}; it was not read", delimiters.segment as char),
            });
            break;
        }
        if let Some(segment) = parse_segment(raw, delimiters, number, at, &mut diagnostics) {
            if segment.id == "ISA" && raw.len() + 1 != ISA_LENGTH {
                diagnostics.push(Diagnostic {
                    severity: Severity::Warning,
                    segment_number: number,
                    segment_id: "ISA".into(),
                    element: None,
                    offset: at,
                    message: format!("the ISA is {} bytes long; the standard fixes it at {ISA_LENGTH}", raw.len() + 1),
                });
            }
            segments.push(segment);
        }
    }
    (delimiters, segments, diagnostics)
}

fn parse_segment(raw: &[u8], d: Delimiters, number: usize, offset: usize, diagnostics: &mut Vec<Diagnostic>) -> Option<Segment> {
    let text = match std::str::from_utf8(raw) {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(error) => {
            diagnostics.push(Diagnostic {
                severity: Severity::Warning,
                segment_number: number,
                segment_id: String::new(),
                element: None,
                offset: offset + error.valid_up_to(),
                message: "the segment has bytes outside UTF-8; they were replaced".into(),
            });
            String::from_utf8_lossy(raw)
        }
    };
    let (id, rest) = match text.find(d.element as char) {
        Some(at) => (&text[..at], Some(&text[at + 1..])),
        None => (&text[..], None),
    };
    let id = id.trim();
    let id_ok = (2..=3).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()) && id.as_bytes()[0].is_ascii_uppercase();
    if !id_ok {
        let shown: String = id.chars().take(20).collect();
        diagnostics.push(Diagnostic {
            severity: Severity::Error,
            segment_number: number,
            segment_id: shown.clone(),
            element: None,
            offset,
            message: format!("{shown:?} is not a segment id (two or three capital letters and digits); the segment was skipped"),
        });
        return None;
    }
    // ISA11 and ISA16 are the separators themselves: never split.
    let (component, repetition) = if id == "ISA" { (0, 0) } else { (d.component, d.repetition) };
    Some(match rest {
        Some(rest) => Segment::new(id.to_string(), rest.to_string(), d.element, component, repetition, number, offset),
        None => Segment::new(id.to_string(), String::new(), 0, component, repetition, number, offset),
    })
}
