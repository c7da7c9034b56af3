//! Transaction sets read by their grammar: each implementation guide Settle
//! reads is a table of loops and segments ([`x222a1`] for the 837P,
//! [`x221a1`] for the 835, [`x231a1`] for the 999, [`x214`] for the
//! 277CA, [`x279a1`] for the 270 and 271, [`x212`] for the 276 and 277), and one walker places every segment of a
//! transaction set in its loop, in the guide's order, or reports it by
//! number, id, loop and byte offset. A required segment or loop that is
//! missing, a segment repeated past its maximum, a segment the guide has no
//! place for: each is an error, so a file is read whole or refused whole.
//!
//! The walker is the usual one for X12 maps: a stack of open loops, each
//! with how far into its items it has got. A segment is looked for from
//! the innermost loop outwards, from the current item onwards (the guide's
//! order); finding it closes the loops inside the one it belongs to (each
//! checked for what it still required), and a loop's first segment (its
//! trigger, with its qualifier: `NM1*85`, `HL*22`) opens the loop again.

mod elements;
mod x212;
mod x214;
mod x221a1;
mod x222a1;
mod x231a1;
mod x279a1;

use crate::envelope::Interchange;
use crate::{Diagnostic, Segment, Severity, TransactionSet};

/// The interchange version Settle reads (ISA12).
pub const ISA_VERSION: &str = "00501";

/// Checks every interchange, group and transaction set (of `kind`, or of
/// every kind) against the version Settle reads and, where Settle has the
/// guide, its grammar. Each reader of a transaction's meaning runs it for
/// its kind, so no reader sees a set its guide does not place whole.
pub fn check(interchanges: &[Interchange], kind: Option<&str>) -> Vec<Diagnostic> {
    check_keeping(interchanges, kind, false).0
}

/// Each walked transaction set with the loop of each of its segments (in
/// order, without ST and SE).
pub type SetLoops<'a> = Vec<(&'a TransactionSet, Vec<&'static str>)>;

/// [`check`], keeping where each segment of each walked set was placed, so
/// a reader takes a segment's meaning from its loop (an `NM1*DN` in 2310A
/// is the claim's referring provider, in 2420F a line's).
pub fn check_with_loops<'a>(interchanges: &'a [Interchange], kind: Option<&str>) -> (Vec<Diagnostic>, SetLoops<'a>) {
    check_keeping(interchanges, kind, true)
}

fn check_keeping<'a>(interchanges: &'a [Interchange], kind: Option<&str>, keep: bool) -> (Vec<Diagnostic>, SetLoops<'a>) {
    let mut out = Vec::new();
    let mut kept = Vec::new();
    for interchange in interchanges {
        let isa12 = interchange.isa.value(12);
        if isa12 != ISA_VERSION {
            out.push(problem(
                &interchange.isa,
                Some(12),
                Severity::Error,
                format!("ISA12 is {isa12:?}{}; Settle reads version 5010 ({ISA_VERSION})", named_version(isa12)),
            ));
        }
        for group in &interchange.groups {
            let gs08 = group.gs.value(8);
            if !gs08.starts_with("005010") {
                out.push(problem(
                    &group.gs,
                    Some(8),
                    Severity::Error,
                    format!("GS08 is {gs08:?}{}; Settle reads version 5010 guides (005010...)", named_version(gs08)),
                ));
            }
            for set in group.transactions.iter().filter(|t| kind.is_none_or(|k| t.kind() == k)) {
                let st03 = set.st.value(3);
                if !st03.is_empty() && st03 != gs08 {
                    out.push(problem(
                        &set.st,
                        Some(3),
                        Severity::Error,
                        format!("ST03 is {st03:?} but its group's GS08 is {gs08:?}; they must name the same guide"),
                    ));
                }
                let version = if st03.is_empty() { gs08 } else { st03 };
                match guide_for(set.kind(), version) {
                    Some(guide) if guide.reads(version) => {
                        let walked = walk_into(guide, set, keep.then(|| Vec::with_capacity(set.segments.len())));
                        out.extend(walked.diagnostics);
                        if keep {
                            kept.push((set, walked.loops));
                        }
                    }
                    Some(guide) => out.push(problem(
                        &set.st,
                        Some(3),
                        Severity::Error,
                        format!(
                            "this {} names the guide {version:?}{}; Settle reads the {} by {}",
                            set.kind(),
                            named_version(version),
                            guide.name,
                            guide.version
                        ),
                    )),
                    // Read by their own readers, which check their guide.
                    None => {}
                }
            }
        }
    }
    (out, kept)
}

/// " (version 4010)" for a 4010 version string, so the refusal says so.
fn named_version(text: &str) -> &'static str {
    if text.starts_with("00401") || text.starts_with("004010") {
        " (version 4010)"
    } else {
        ""
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

/// A loop: its id as the guide numbers it and its items in order; the
/// first item is a segment, the loop's trigger.
pub struct Loop {
    pub id: &'static str,
    pub name: &'static str,
    pub items: &'static [Item],
}

/// One entry of a loop: a segment, or a loop inside it.
pub enum Item {
    Seg(Seg),
    Loop { rule: &'static Loop, required: bool, max: u32 },
}

/// A segment's place in a loop.
pub struct Seg {
    pub id: &'static str,
    pub required: bool,
    /// How many times it may repeat in one iteration of its loop.
    pub max: u32,
    /// The element (from 1) whose code tells this use of the segment from
    /// another use of the same id, and the codes it may hold.
    pub qualifier: Option<(usize, &'static [&'static str])>,
}

impl Seg {
    fn matches(&self, segment: &Segment) -> bool {
        segment.id == self.id && self.qualifier.is_none_or(|(element, codes)| codes.contains(&segment.value(element)))
    }

    fn describe(&self) -> String {
        match self.qualifier {
            Some((element, codes)) => format!("{}*{} (element {element})", self.id, codes.join("/")),
            None => self.id.to_string(),
        }
    }
}

/// Any number of repeats.
pub const MANY: u32 = u32::MAX;

/// A required segment, at most `max` times.
pub const fn r(id: &'static str, max: u32) -> Item {
    Item::Seg(Seg {
        id,
        required: true,
        max,
        qualifier: None,
    })
}

/// A situational segment, at most `max` times.
pub const fn s(id: &'static str, max: u32) -> Item {
    Item::Seg(Seg {
        id,
        required: false,
        max,
        qualifier: None,
    })
}

/// A required segment told apart by a code in `element`.
pub const fn rq(id: &'static str, max: u32, element: usize, codes: &'static [&'static str]) -> Item {
    Item::Seg(Seg {
        id,
        required: true,
        max,
        qualifier: Some((element, codes)),
    })
}

/// A situational segment told apart by a code in `element`.
pub const fn sq(id: &'static str, max: u32, element: usize, codes: &'static [&'static str]) -> Item {
    Item::Seg(Seg {
        id,
        required: false,
        max,
        qualifier: Some((element, codes)),
    })
}

/// A required loop.
pub const fn rl(rule: &'static Loop, max: u32) -> Item {
    Item::Loop { rule, required: true, max }
}

/// A situational loop.
pub const fn sl(rule: &'static Loop, max: u32) -> Item {
    Item::Loop { rule, required: false, max }
}

/// An implementation guide Settle reads: the transaction set, the guide's
/// version (GS08 and ST03), and the set's body (the segments between ST
/// and SE) as a loop.
pub struct Guide {
    pub set: &'static str,
    pub version: &'static str,
    /// Later releases of the same guide read by the same grammar.
    pub also: &'static [&'static str],
    pub name: &'static str,
    pub body: &'static Loop,
}

impl Guide {
    /// Whether this grammar reads a set naming `version`.
    pub fn reads(&self, version: &str) -> bool {
        version == self.version || self.also.contains(&version)
    }
}

/// Every guide Settle reads by its grammar.
pub const GUIDES: &[&Guide] = &[
    &x222a1::GUIDE,
    &x221a1::GUIDE,
    &x231a1::GUIDE,
    &x214::GUIDE,
    &x279a1::GUIDE_270,
    &x279a1::GUIDE_271,
    &x212::GUIDE_276,
    &x212::GUIDE_277,
];

/// The guide for a transaction set kind (ST01), if Settle has one: the
/// one naming `version` where a kind has several (the 277 is a claim
/// acknowledgment by 005010X214 and a claim status response by
/// 005010X212), else the kind's first.
pub fn guide_for(set: &str, version: &str) -> Option<&'static Guide> {
    let mut of_kind = GUIDES.iter().copied().filter(|g| g.set == set);
    let first = of_kind.clone().next();
    of_kind.find(|g| g.reads(version)).or(first)
}

impl Item {
    fn trigger(&self) -> &Seg {
        match self {
            Item::Seg(seg) => seg,
            Item::Loop { rule, .. } => rule.trigger(),
        }
    }

    fn required(&self) -> bool {
        match self {
            Item::Seg(seg) => seg.required,
            Item::Loop { required, .. } => *required,
        }
    }

    fn max(&self) -> u32 {
        match self {
            Item::Seg(seg) => seg.max,
            Item::Loop { max, .. } => *max,
        }
    }

    fn describe(&self) -> String {
        match self {
            Item::Seg(seg) => format!("segment {}", seg.describe()),
            Item::Loop { rule, .. } => format!("loop {} ({}, starting {})", rule.id, rule.name, rule.trigger().describe()),
        }
    }
}

impl Loop {
    fn trigger(&self) -> &Seg {
        match self.items.first() {
            Some(Item::Seg(seg)) => seg,
            _ => panic!("loop {} must start with a segment", self.id),
        }
    }
}

/// The most items a loop of any guide has (the 837P's 2400 has 29).
const MAX_ITEMS: usize = 32;

/// One open loop while walking: how far into its items, and how often each
/// has been seen in this iteration (kept inline: a file opens a loop per
/// claim and line, and reading must stay fast).
struct Frame {
    rule: &'static Loop,
    at: usize,
    counts: [u32; MAX_ITEMS],
}

impl Frame {
    fn new(rule: &'static Loop) -> Frame {
        debug_assert!(rule.items.len() <= MAX_ITEMS, "loop {} has more than {MAX_ITEMS} items", rule.id);
        Frame {
            rule,
            at: 0,
            counts: [0; MAX_ITEMS],
        }
    }
}

/// Where each segment of a transaction set sits: the loop id of each (in
/// order, without the ST and SE), and every problem found.
pub struct Walked {
    pub loops: Vec<&'static str>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Walks the body of one transaction set through its guide.
pub fn walk(guide: &'static Guide, set: &TransactionSet) -> Walked {
    walk_into(guide, set, Some(Vec::with_capacity(set.segments.len())))
}

/// Walks a set, keeping each segment's loop only when asked to.
fn walk_into(guide: &'static Guide, set: &TransactionSet, mut loops: Option<Vec<&'static str>>) -> Walked {
    let mut stack: Vec<Frame> = vec![Frame::new(guide.body)];
    let mut diagnostics = Vec::new();
    for segment in &set.segments {
        let placed = place(&mut stack, segment, &mut diagnostics);
        if let Some(loops) = loops.as_mut() {
            loops.push(placed.unwrap_or(""));
        }
        match placed {
            Some(_) => {}
            None => {
                let open = stack.last().map_or(guide.body.id, |f| f.rule.id);
                diagnostics.push(match qualifier_refused(&stack, segment) {
                    Some((loop_id, element, codes)) => problem(
                        segment,
                        Some(element),
                        Severity::Error,
                        format!(
                            "{}{element:02} {:?} is not a code the {} guide ({}) allows for {} in loop {loop_id} ({}); the file is not read",
                            segment.id,
                            segment.value(element),
                            guide.name,
                            guide.version,
                            segment.id,
                            codes.join(", ")
                        ),
                    ),
                    None => error(
                        segment,
                        format!(
                            "{} has no place here (in loop {open}) in the {} guide ({}); the file is not read",
                            segment.id, guide.name, guide.version
                        ),
                    ),
                });
            }
        }
    }
    let end = set.se.as_ref().unwrap_or(&set.st);
    while let Some(frame) = stack.pop() {
        close(&frame, frame.at, end, &mut diagnostics);
    }
    Walked {
        loops: loops.unwrap_or_default(),
        diagnostics,
    }
}

/// Places one segment, moving the stack; the loop it went in, or none.
fn place(stack: &mut Vec<Frame>, segment: &Segment, diagnostics: &mut Vec<Diagnostic>) -> Option<&'static str> {
    // First where it still fits; failing that, where it would go though it
    // repeats past its maximum (reported there).
    let fits = |frame: &Frame, i: usize| frame.counts[i] < frame.rule.items[i].max();
    let found = find(stack, segment, fits).or_else(|| find(stack, segment, |_, _| true));
    let (depth, index) = found?;
    {
        // The loops inside this one are done.
        while stack.len() > depth + 1 {
            let inner = stack.pop().expect("deeper frame");
            close(&inner, inner.at, segment, diagnostics);
        }
        let frame = &mut stack[depth];
        let item = &frame.rule.items[index];
        // Required items passed over are missing.
        for skipped in frame.at..index {
            if frame.rule.items[skipped].required() && frame.counts[skipped] == 0 {
                diagnostics.push(error(
                    segment,
                    format!("loop {} is missing its required {}", frame.rule.id, frame.rule.items[skipped].describe()),
                ));
            }
        }
        frame.at = index;
        frame.counts[index] += 1;
        if frame.counts[index] > item.max() {
            diagnostics.push(error(
                segment,
                format!("{} appears more than {} time(s) in loop {}", item.describe(), item.max(), frame.rule.id),
            ));
        }
        check_elements(segment, diagnostics);
        Some(match item {
            Item::Seg(_) => frame.rule.id,
            Item::Loop { rule, .. } => {
                let mut inner = Frame::new(rule);
                inner.counts[0] = 1;
                stack.push(inner);
                rule.id
            }
        })
    }
}

/// The innermost open loop, and the item in it from the current one on,
/// that takes this segment. A loop's own trigger is not looked for inside
/// it: seen again, it starts the loop over, from the loop around it.
fn find(stack: &[Frame], segment: &Segment, take: impl Fn(&Frame, usize) -> bool) -> Option<(usize, usize)> {
    (0..stack.len()).rev().find_map(|depth| {
        let frame = &stack[depth];
        let from = if depth > 0 { frame.at.max(1) } else { frame.at };
        (from..frame.rule.items.len())
            .find(|&i| frame.rule.items[i].trigger().matches(segment) && take(frame, i))
            .map(|i| (depth, i))
    })
}

/// For a segment no open loop takes: the innermost loop, from its current
/// item on, that has this segment id with a closed qualifier the segment's
/// code is not among, so the refusal names the code and the ones allowed.
fn qualifier_refused(stack: &[Frame], segment: &Segment) -> Option<(&'static str, usize, Vec<&'static str>)> {
    stack.iter().rev().find_map(|frame| {
        let mut codes: Vec<&'static str> = Vec::new();
        let mut element = 0;
        for item in &frame.rule.items[frame.at..] {
            let seg = item.trigger();
            if let (true, Some((at, list))) = (seg.id == segment.id, seg.qualifier) {
                element = at;
                for code in list {
                    if !codes.contains(code) {
                        codes.push(code);
                    }
                }
            }
        }
        (!codes.is_empty()).then_some((frame.rule.id, element, codes))
    })
}

/// Checks each simple element's type and length against the data element
/// dictionary (composites and repeated elements are read by the readers).
fn check_elements(segment: &Segment, diagnostics: &mut Vec<Diagnostic>) {
    let Some(elements) = elements::elements(&segment.id) else { return };
    for (n, rule) in elements.iter().enumerate() {
        let Some(element) = segment.element(n + 1) else { break };
        let text = element.as_str();
        // Empty, or split into components or repetitions: not a simple value.
        if text.is_empty() || element.value() != text {
            continue;
        }
        if let Some(why) = rule.problem(text) {
            diagnostics.push(problem(
                segment,
                Some(n + 1),
                Severity::Error,
                format!("{}{:02} {text:?} {why}", segment.id, n + 1),
            ));
        }
    }
}

/// Checks that a loop ending had everything it requires from `from` on.
fn close(frame: &Frame, from: usize, at: &Segment, diagnostics: &mut Vec<Diagnostic>) {
    for index in from..frame.rule.items.len() {
        if frame.rule.items[index].required() && frame.counts[index] == 0 {
            diagnostics.push(error(
                at,
                format!("loop {} ended without its required {}", frame.rule.id, frame.rule.items[index].describe()),
            ));
        }
    }
}

fn error(segment: &Segment, message: String) -> Diagnostic {
    problem(segment, None, Severity::Error, message)
}

#[cfg(test)]
pub(crate) mod tests;
