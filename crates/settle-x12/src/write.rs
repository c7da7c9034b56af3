//! Segments and envelope settings to X12 text, with the envelopes' counts
//! and control numbers filled in.

use crate::Delimiters;

/// A segment to write: elements, each a list of repetitions, each a list of
/// components. Trailing empty elements and components are dropped on write,
/// as the standard asks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OutSegment {
    pub id: String,
    pub elements: Vec<Vec<Vec<String>>>,
}

impl OutSegment {
    pub fn new(id: &str) -> OutSegment {
        OutSegment {
            id: id.to_string(),
            elements: Vec::new(),
        }
    }

    /// Adds a simple element (`""` for an empty one).
    pub fn el(mut self, value: impl Into<String>) -> OutSegment {
        self.elements.push(vec![vec![value.into()]]);
        self
    }

    /// Adds a composite element from its components.
    pub fn composite(mut self, components: &[&str]) -> OutSegment {
        self.elements.push(vec![components.iter().map(|c| c.to_string()).collect()]);
        self
    }
}

/// A segment of simple elements (`""` for an empty one).
pub(crate) fn seg(id: &str, elements: &[&str]) -> OutSegment {
    elements.iter().fold(OutSegment::new(id), |s, e| s.el(*e))
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutTransaction {
    /// ST01: "837".
    pub kind: String,
    /// ST02: 4 to 9 characters, unique within the group.
    pub control_number: String,
    /// ST03: "005010X222A1".
    pub implementation: String,
    /// The segments between ST and SE.
    pub segments: Vec<OutSegment>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutGroup {
    /// GS01: "HC" for claims.
    pub functional_id: String,
    pub sender: String,
    pub receiver: String,
    /// GS04, CCYYMMDD.
    pub date: String,
    /// GS05, HHMM.
    pub time: String,
    /// GS06, 1 to 999,999,999.
    pub control_number: u32,
    /// GS08: "005010X222A1".
    pub version: String,
    pub transactions: Vec<OutTransaction>,
}

/// The interchange's settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Envelope {
    pub sender_qualifier: String,
    pub sender_id: String,
    pub receiver_qualifier: String,
    pub receiver_id: String,
    /// ISA09, YYMMDD.
    pub date: String,
    /// ISA10, HHMM.
    pub time: String,
    /// ISA13, 1 to 999,999,999.
    pub control_number: u32,
    pub acknowledgment_requested: bool,
    /// true: production ("P"); false: test ("T").
    pub production: bool,
    pub delimiters: Delimiters,
    /// Put a line break after each segment terminator (easier to read;
    /// readers skip it).
    pub line_breaks: bool,
}

/// One transaction set of an inquiry (270, 276) in its own interchange and
/// group, sender and receiver qualified ZZ, production, no TA1 asked.
pub(crate) struct Inquiry<'a> {
    pub sender: &'a str,
    pub receiver: &'a str,
    pub created_on: settle_domain::Date,
    /// HHMM.
    pub created_at: &'a str,
    pub control: u32,
    /// GS01: HS (270), HR (276).
    pub functional_id: &'a str,
    pub kind: &'a str,
    pub implementation: &'a str,
}

impl Inquiry<'_> {
    pub(crate) fn write(&self, segments: Vec<OutSegment>) -> Result<String, WriteError> {
        let envelope = Envelope {
            sender_qualifier: "ZZ".into(),
            sender_id: self.sender.to_string(),
            receiver_qualifier: "ZZ".into(),
            receiver_id: self.receiver.to_string(),
            date: self.created_on.strftime("%y%m%d").to_string(),
            time: self.created_at.to_string(),
            control_number: self.control,
            acknowledgment_requested: false,
            production: true,
            delimiters: Delimiters::default(),
            line_breaks: true,
        };
        let group = OutGroup {
            functional_id: self.functional_id.into(),
            sender: self.sender.to_string(),
            receiver: self.receiver.to_string(),
            date: crate::date8(self.created_on),
            time: self.created_at.to_string(),
            control_number: self.control,
            version: self.implementation.into(),
            transactions: vec![OutTransaction {
                kind: self.kind.into(),
                control_number: format!("{:04}", self.control),
                implementation: self.implementation.into(),
                segments,
            }],
        };
        write_interchange(&envelope, &[group])
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WriteError {
    #[error("{segment}{element:02}: {value:?} contains a delimiter ({delimiter:?}); X12 has no escape for it")]
    Delimiter {
        segment: String,
        element: usize,
        value: String,
        delimiter: char,
    },
    #[error("{field}: {value:?} is longer than {max} characters")]
    TooLong { field: &'static str, value: String, max: usize },
    #[error("{field}: {value} is not a control number (1 to 999999999)")]
    ControlNumber { field: &'static str, value: u32 },
    #[error("{0:?} is not a segment id (two or three capital letters and digits)")]
    SegmentId(String),
    #[error("{field}: {value:?} must be {expected}")]
    Format {
        field: &'static str,
        value: String,
        expected: &'static str,
    },
}

fn fixed(field: &'static str, value: &str, width: usize) -> Result<String, WriteError> {
    if value.chars().count() > width {
        return Err(WriteError::TooLong {
            field,
            value: value.to_string(),
            max: width,
        });
    }
    Ok(format!("{value:<width$}"))
}

fn digits(field: &'static str, value: &str, len: usize) -> Result<(), WriteError> {
    if value.len() == len && value.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(WriteError::Format {
            field,
            value: value.to_string(),
            expected: match len {
                4 => "4 digits (HHMM)",
                6 => "6 digits (YYMMDD)",
                _ => "8 digits (CCYYMMDD)",
            },
        })
    }
}

fn control(field: &'static str, value: u32) -> Result<u32, WriteError> {
    if (1..=999_999_999).contains(&value) {
        Ok(value)
    } else {
        Err(WriteError::ControlNumber { field, value })
    }
}

struct Out {
    text: String,
    d: Delimiters,
    line_breaks: bool,
    count: usize,
}

impl Out {
    fn segment(&mut self, segment: &OutSegment) -> Result<(), WriteError> {
        let id_ok = (2..=3).contains(&segment.id.len())
            && segment.id.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
            && segment.id.as_bytes()[0].is_ascii_uppercase();
        if !id_ok {
            return Err(WriteError::SegmentId(segment.id.clone()));
        }
        let d = self.d;
        // Written straight into the output; values never hold a delimiter
        // (checked first), so trailing empty components and elements can be
        // taken off afterwards by popping separators.
        for (index, element) in segment.elements.iter().enumerate() {
            for repetition in element {
                for value in repetition {
                    if let Some(bad) = value.bytes().find(|b| d.contains(*b) || *b == b'\r' || *b == b'\n') {
                        return Err(WriteError::Delimiter {
                            segment: segment.id.clone(),
                            element: index + 1,
                            value: value.clone(),
                            delimiter: bad as char,
                        });
                    }
                }
            }
        }
        let start = self.text.len();
        self.text.push_str(&segment.id);
        let id_end = self.text.len();
        for element in &segment.elements {
            self.text.push(d.element as char);
            for (r, repetition) in element.iter().enumerate() {
                if r > 0 {
                    self.text.push(d.repetition as char);
                }
                let repetition_start = self.text.len();
                for (c, value) in repetition.iter().enumerate() {
                    if c > 0 {
                        self.text.push(d.component as char);
                    }
                    self.text.push_str(value);
                }
                while self.text.len() > repetition_start && self.text.ends_with(d.component as char) {
                    self.text.pop();
                }
            }
        }
        while self.text.len() > id_end && self.text.ends_with(d.element as char) {
            self.text.pop();
        }
        debug_assert!(self.text.len() >= start);
        self.terminate();
        Ok(())
    }

    fn terminate(&mut self) {
        self.text.push(self.d.segment as char);
        if self.line_breaks {
            self.text.push('\n');
        }
        self.count += 1;
    }
}

/// Writes one interchange: ISA, each group's GS, each transaction's ST, the
/// segments, SE (with the segment count), GE and IEA (with their counts).
pub fn write_interchange(envelope: &Envelope, groups: &[OutGroup]) -> Result<String, WriteError> {
    let d = envelope.delimiters;
    let distinct = [d.element, d.component, d.repetition, d.segment];
    for (i, a) in distinct.iter().enumerate() {
        if a.is_ascii_alphanumeric() || distinct[i + 1..].contains(a) {
            return Err(WriteError::Format {
                field: "delimiters",
                value: String::from_utf8_lossy(&distinct).into_owned(),
                expected: "four different bytes that are not letters or digits",
            });
        }
    }
    digits("ISA09", &envelope.date, 6)?;
    digits("ISA10", &envelope.time, 4)?;
    let isa_control = control("ISA13", envelope.control_number)?;
    let e = d.element as char;
    let mut out = Out {
        text: String::new(),
        d,
        line_breaks: envelope.line_breaks,
        count: 0,
    };
    out.text.push_str(&format!(
        "ISA{e}00{e}{}{e}00{e}{}{e}{}{e}{}{e}{}{e}{}{e}{}{e}{}{e}{}{e}00501{e}{:09}{e}{}{e}{}{e}{}",
        " ".repeat(10),
        " ".repeat(10),
        fixed("ISA05", &envelope.sender_qualifier, 2)?,
        fixed("ISA06", &envelope.sender_id, 15)?,
        fixed("ISA07", &envelope.receiver_qualifier, 2)?,
        fixed("ISA08", &envelope.receiver_id, 15)?,
        envelope.date,
        envelope.time,
        d.repetition as char,
        isa_control,
        if envelope.acknowledgment_requested { 1 } else { 0 },
        if envelope.production { "P" } else { "T" },
        d.component as char,
    ));
    out.terminate();
    for group in groups {
        digits("GS04", &group.date, 8)?;
        digits("GS05", &group.time, 4)?;
        let gs_control = control("GS06", group.control_number)?;
        out.segment(
            &OutSegment::new("GS")
                .el(&group.functional_id)
                .el(&group.sender)
                .el(&group.receiver)
                .el(&group.date)
                .el(&group.time)
                .el(gs_control.to_string())
                .el("X")
                .el(&group.version),
        )?;
        for transaction in &group.transactions {
            let before = out.count;
            out.segment(
                &OutSegment::new("ST")
                    .el(&transaction.kind)
                    .el(&transaction.control_number)
                    .el(&transaction.implementation),
            )?;
            for segment in &transaction.segments {
                out.segment(segment)?;
            }
            let count = out.count - before + 1;
            out.segment(&OutSegment::new("SE").el(count.to_string()).el(&transaction.control_number))?;
        }
        out.segment(&OutSegment::new("GE").el(group.transactions.len().to_string()).el(gs_control.to_string()))?;
    }
    out.segment(&OutSegment::new("IEA").el(groups.len().to_string()).el(format!("{isa_control:09}")))?;
    Ok(out.text)
}
