//! Segments into interchanges (ISA/IEA), functional groups (GS/GE) and
//! transaction sets (ST/SE), checking each trailer's count and control
//! number against its header.

use crate::{Diagnostic, Segment, Severity};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransactionSet {
    pub st: Segment,
    /// The segments between ST and SE.
    pub segments: Vec<Segment>,
    pub se: Option<Segment>,
}

impl TransactionSet {
    /// ST01: "837", "835", "999", ...
    pub fn kind(&self) -> &str {
        self.st.value(1)
    }
    pub fn control_number(&self) -> &str {
        self.st.value(2)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionalGroup {
    pub gs: Segment,
    pub transactions: Vec<TransactionSet>,
    pub ge: Option<Segment>,
}

impl FunctionalGroup {
    /// GS08: the implementation guide, such as "005010X222A1".
    pub fn version(&self) -> &str {
        self.gs.value(8)
    }
    pub fn control_number(&self) -> &str {
        self.gs.value(6)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interchange {
    pub isa: Segment,
    pub groups: Vec<FunctionalGroup>,
    pub iea: Option<Segment>,
}

impl Interchange {
    pub fn control_number(&self) -> &str {
        self.isa.value(13)
    }
    pub fn sender_id(&self) -> &str {
        self.isa.value(6).trim()
    }
    pub fn receiver_id(&self) -> &str {
        self.isa.value(8).trim()
    }
}

fn problem(segment: &Segment, element: Option<usize>, severity: Severity, message: String) -> Diagnostic {
    Diagnostic {
        severity,
        segment_number: segment.number,
        segment_id: segment.id.clone(),
        element,
        offset: segment.offset,
        message,
    }
}

/// Checks that a trailer's count (element 1) and control number (element 2)
/// agree with what was found and with its header.
fn check_trailer(trailer: &Segment, counted: usize, what: &str, header_control: &str, header: &Segment, diagnostics: &mut Vec<Diagnostic>) {
    match trailer.value(1).trim().parse::<usize>() {
        Ok(n) if n == counted => {}
        Ok(n) => diagnostics.push(problem(trailer, Some(1), Severity::Error, format!("says {n} {what} but there are {counted}"))),
        Err(_) => diagnostics.push(problem(
            trailer,
            Some(1),
            Severity::Error,
            format!("{:?} is not a count of {what}", trailer.value(1)),
        )),
    }
    if trailer.value(2).trim() != header_control.trim() {
        diagnostics.push(problem(
            trailer,
            Some(2),
            Severity::Error,
            format!(
                "control number {:?} does not match {:?} in {} (segment {})",
                trailer.value(2),
                header_control,
                header.id,
                header.number
            ),
        ));
    }
}

/// Groups segments into envelopes; every missing, stray or disagreeing
/// trailer becomes a diagnostic, and reading goes on.
pub fn assemble(segments: Vec<Segment>, diagnostics: &mut Vec<Diagnostic>) -> Vec<Interchange> {
    let mut interchanges: Vec<Interchange> = Vec::new();
    let mut group: Option<FunctionalGroup> = None;
    let mut transaction: Option<TransactionSet> = None;

    fn close_transaction(group: &mut Option<FunctionalGroup>, transaction: &mut Option<TransactionSet>, at: &Segment, diagnostics: &mut Vec<Diagnostic>) {
        if let Some(open) = transaction.take() {
            diagnostics.push(problem(
                &open.st,
                None,
                Severity::Error,
                format!("transaction set {} has no SE before segment {} ({})", open.control_number(), at.number, at.id),
            ));
            if let Some(group) = group.as_mut() {
                group.transactions.push(open);
            }
        }
    }

    fn close_group(interchanges: &mut [Interchange], group: &mut Option<FunctionalGroup>, at: &Segment, diagnostics: &mut Vec<Diagnostic>) {
        if let Some(open) = group.take() {
            diagnostics.push(problem(
                &open.gs,
                None,
                Severity::Error,
                format!("functional group {} has no GE before segment {} ({})", open.control_number(), at.number, at.id),
            ));
            if let Some(interchange) = interchanges.last_mut() {
                interchange.groups.push(open);
            }
        }
    }

    let mut interchange_open = false;
    for segment in segments {
        match segment.id.as_str() {
            "ISA" => {
                close_transaction(&mut group, &mut transaction, &segment, diagnostics);
                close_group(&mut interchanges, &mut group, &segment, diagnostics);
                if interchange_open {
                    if let Some(last) = interchanges.last() {
                        diagnostics.push(problem(
                            &last.isa,
                            None,
                            Severity::Error,
                            format!("interchange {} has no IEA", last.control_number()),
                        ));
                    }
                }
                if segment.element_count() != 16 {
                    diagnostics.push(problem(
                        &segment,
                        None,
                        Severity::Error,
                        format!("has {} elements; an ISA has 16", segment.element_count()),
                    ));
                }
                interchanges.push(Interchange {
                    isa: segment,
                    groups: Vec::new(),
                    iea: None,
                });
                interchange_open = true;
            }
            "GS" => {
                close_transaction(&mut group, &mut transaction, &segment, diagnostics);
                close_group(&mut interchanges, &mut group, &segment, diagnostics);
                if !interchange_open {
                    diagnostics.push(problem(
                        &segment,
                        None,
                        Severity::Error,
                        "a GS outside an interchange (no ISA before it)".into(),
                    ));
                }
                group = Some(FunctionalGroup {
                    gs: segment,
                    transactions: Vec::new(),
                    ge: None,
                });
            }
            "ST" => {
                close_transaction(&mut group, &mut transaction, &segment, diagnostics);
                if group.is_none() {
                    diagnostics.push(problem(
                        &segment,
                        None,
                        Severity::Error,
                        "an ST outside a functional group (no GS before it)".into(),
                    ));
                }
                transaction = Some(TransactionSet {
                    st: segment,
                    segments: Vec::new(),
                    se: None,
                });
            }
            "SE" => match transaction.take() {
                Some(mut open) => {
                    let counted = open.segments.len() + 2;
                    let control = open.control_number().to_string();
                    check_trailer(&segment, counted, "segments", &control, &open.st, diagnostics);
                    open.se = Some(segment);
                    if let Some(group) = group.as_mut() {
                        group.transactions.push(open);
                    }
                }
                None => diagnostics.push(problem(&segment, None, Severity::Error, "an SE with no ST before it".into())),
            },
            "GE" => {
                close_transaction(&mut group, &mut transaction, &segment, diagnostics);
                match group.take() {
                    Some(mut open) => {
                        let control = open.control_number().to_string();
                        check_trailer(&segment, open.transactions.len(), "transaction sets", &control, &open.gs, diagnostics);
                        open.ge = Some(segment);
                        if let Some(interchange) = interchanges.last_mut().filter(|_| interchange_open) {
                            interchange.groups.push(open);
                        }
                    }
                    None => diagnostics.push(problem(&segment, None, Severity::Error, "a GE with no GS before it".into())),
                }
            }
            "IEA" => {
                close_transaction(&mut group, &mut transaction, &segment, diagnostics);
                close_group(&mut interchanges, &mut group, &segment, diagnostics);
                match interchanges.last_mut() {
                    Some(open) if interchange_open => {
                        let control = open.control_number().to_string();
                        let isa = open.isa.clone();
                        check_trailer(&segment, open.groups.len(), "functional groups", &control, &isa, diagnostics);
                        open.iea = Some(segment);
                        interchange_open = false;
                    }
                    _ => diagnostics.push(problem(&segment, None, Severity::Error, "an IEA with no ISA before it".into())),
                }
            }
            _ => match transaction.as_mut() {
                Some(open) => open.segments.push(segment),
                None => diagnostics.push(problem(
                    &segment,
                    None,
                    Severity::Error,
                    "a segment outside any transaction set (not between ST and SE)".into(),
                )),
            },
        }
    }
    if let Some(open) = transaction.take() {
        diagnostics.push(problem(
            &open.st,
            None,
            Severity::Error,
            format!("transaction set {} has no SE", open.control_number()),
        ));
        if let Some(group) = group.as_mut() {
            group.transactions.push(open);
        }
    }
    if let Some(open) = group.take() {
        diagnostics.push(problem(
            &open.gs,
            None,
            Severity::Error,
            format!("functional group {} has no GE", open.control_number()),
        ));
        if let Some(interchange) = interchanges.last_mut() {
            interchange.groups.push(open);
        }
    }
    if interchange_open {
        if let Some(last) = interchanges.last() {
            diagnostics.push(problem(
                &last.isa,
                None,
                Severity::Error,
                format!("interchange {} has no IEA", last.control_number()),
            ));
        }
    }
    interchanges
}
