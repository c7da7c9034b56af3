//! The contact gate: whether a person may be contacted about a debt, by a
//! channel, at an instant. One function, [`may_contact`], answers allow, or
//! deny with every rule that failed and its citation in the FDCPA's
//! Regulation F (12 CFR part 1006). Every call, letter, email and text in
//! Settle goes through it, and the answer is recorded.
//!
//! The rules, each with its id:
//! - `hours`: not before 8 a.m. or after 9 p.m. local time, in every time
//!   zone the person may be in: the one they told us, else those of their
//!   address's state and of every phone's area code, else every US zone
//!   from Hawaii to Eastern (1006.6(b)(1)(i)). Letters are exempt (nobody
//!   chooses when one arrives).
//! - `inconvenient_time`: a time the person said is inconvenient (1006.6(b)(1)).
//! - `work`: at work, after the person said the employer forbids it (1006.6(b)(3)).
//! - `attorney`: the person has an attorney for this debt (1006.6(b)(2)).
//! - `cease`: the person asked in writing that contact stop; only a letter
//!   saying collection has stopped or naming a remedy may go (1006.6(c)).
//! - `opt_out`: the person asked that a medium or an address not be used
//!   (1006.14(h), 1006.6(e)).
//! - `call_frequency`: more than seven calls in seven consecutive days
//!   about this debt, counting calls that did not connect (1006.14(b)(2)(i)).
//! - `after_conversation`: a call within seven days after a telephone
//!   conversation about this debt; the day of the conversation is the first
//!   of the seven (1006.14(b)(2)(ii)).
//! - `dispute`: a dispute received within the validation period halts
//!   collection until verification is sent (1006.38(d)(2)).
//!
//! A debt collector (third-party mode: an agency) is held to all of them.
//! A creditor collecting its own debts (first-party mode) is held to the
//! subset its organisation chose, [`Policy::first_party`].

use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};

pub use crate::address::KeptAddress;
use crate::calendar;
pub use crate::location::{place_address, state_of_phone, zones_of_address, zones_of_phone, zones_of_state, UsZone};

/// How a contact is made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Channel {
    Call,
    Text,
    Email,
    Letter,
    Visit,
}

impl Channel {
    pub const ALL: [Channel; 5] = [Channel::Call, Channel::Text, Channel::Email, Channel::Letter, Channel::Visit];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Call => "call",
            Channel::Text => "text",
            Channel::Email => "email",
            Channel::Letter => "letter",
            Channel::Visit => "visit",
        }
    }

    pub fn parse(text: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.as_str() == text.trim().to_ascii_lowercase())
    }
}

/// Why a contact is made; some rules let a few purposes through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// Collecting the debt: reminders, calls, notices, offers.
    Collection,
    /// After a cease request: that collection has stopped, or which remedy
    /// may be or will be invoked (1006.6(c)(2)).
    CeaseResponse,
    /// The verification of a disputed debt (1006.38(d)(2)(i)).
    Verification,
}

/// A span of local time the person said is inconvenient, every day or on
/// one weekday; `to` before `from` runs past midnight.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InconvenientTime {
    pub weekday: Option<jiff::civil::Weekday>,
    pub from: Time,
    pub to: Time,
}

impl InconvenientTime {
    fn covers(&self, local: &jiff::civil::DateTime) -> bool {
        if self.weekday.is_some_and(|w| w != local.weekday()) {
            return false;
        }
        let t = local.time();
        if self.from <= self.to {
            t >= self.from && t < self.to
        } else {
            t >= self.from || t < self.to
        }
    }
}

/// A medium, or one address of it (a phone number, an email address), the
/// person asked not to be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OptOut {
    pub channel: Channel,
    /// None: the whole medium.
    pub address: Option<String>,
}

/// What is known of the person being contacted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Person {
    /// The zone the person told us they are in; it decides alone.
    pub stated_zone: Option<UsZone>,
    /// Their postal address as kept. One that cannot be placed (outside
    /// the US, or old text naming no state) counts as a location unknown,
    /// never as none.
    pub address: Option<KeptAddress>,
    /// Every phone number on record.
    pub phones: Vec<String>,
    /// When a written request to cease communication arrived.
    pub cease_requested_at: Option<Timestamp>,
    /// An attorney represents them for this debt, and we know how to reach the attorney.
    pub attorney: bool,
    pub inconvenient: Vec<InconvenientTime>,
    /// Their employer forbids contact at work.
    pub no_contact_at_work: bool,
    /// The phones, emails and addresses that are their workplace: a contact
    /// to one of them is at work whether or not the caller says so.
    pub work_addresses: Vec<String>,
    pub opt_outs: Vec<OptOut>,
}

impl Person {
    /// Where the person may be: what they told us, else their address's and
    /// phones' zones together, else every state's zone. An address that
    /// cannot be placed adds every state's zone: it says the person is
    /// somewhere, not where.
    pub fn zones(&self) -> Vec<UsZone> {
        self.zones_with(None, &UsZone::STATES)
    }

    /// The same, with the number being dialled (for a call or a text) among
    /// the person's phones (a skip-traced number in Hawaii keeps Hawaii's
    /// hours), and `unknown` as where a person of unknown location may be.
    pub fn zones_with(&self, dialled: Option<&str>, unknown: &[UsZone]) -> Vec<UsZone> {
        if let Some(z) = self.stated_zone {
            return vec![z];
        }
        let mut zones: Vec<UsZone> = match &self.address {
            Some(a) => a.zones().unwrap_or_else(|| unknown.to_vec()),
            None => Vec::new(),
        };
        zones.extend(
            self.phones
                .iter()
                .map(String::as_str)
                .chain(dialled)
                .flat_map(|p| zones_of_phone(p).iter().copied()),
        );
        zones.sort();
        zones.dedup();
        if zones.is_empty() {
            unknown.to_vec()
        } else {
            zones
        }
    }
}

/// A call made about the debt to the person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallMade {
    pub at: Timestamp,
    /// A telephone conversation took place (not a voicemail, not a wrong party).
    pub conversation: bool,
}

/// A dispute of the debt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dispute {
    pub received_on: Date,
    /// When the verification (or, for a request for the original creditor,
    /// its name and address) was sent.
    pub verification_sent_on: Option<Date>,
    /// A written request for the original creditor's name and address
    /// (1006.38(c)), not a dispute of the debt: it halts collection alike.
    pub original_creditor: bool,
}

/// What is known of the debt being collected.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Debt {
    /// When the validation notice (1006.34) was sent.
    pub validation_sent_on: Option<Date>,
    pub disputes: Vec<Dispute>,
    /// Calls we placed about this debt to this person (at least the last eight days').
    pub calls: Vec<CallMade>,
    /// Conversations the person began (they called us): they start the
    /// seven quiet days too, but are not calls we placed.
    pub conversations: Vec<Timestamp>,
}

/// The contact being asked about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attempt {
    pub channel: Channel,
    /// The phone number, email address or postal address used.
    pub address: String,
    /// The address is the person's place of work.
    pub at_work: bool,
    pub purpose: Purpose,
    pub at: Timestamp,
}

/// A rule of the gate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rule {
    Hours,
    InconvenientTime,
    Work,
    Attorney,
    Cease,
    OptOut,
    CallFrequency,
    AfterConversation,
    Dispute,
}

impl Rule {
    pub const ALL: [Rule; 9] = [
        Rule::Hours,
        Rule::InconvenientTime,
        Rule::Work,
        Rule::Attorney,
        Rule::Cease,
        Rule::OptOut,
        Rule::CallFrequency,
        Rule::AfterConversation,
        Rule::Dispute,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Rule::Hours => "hours",
            Rule::InconvenientTime => "inconvenient_time",
            Rule::Work => "work",
            Rule::Attorney => "attorney",
            Rule::Cease => "cease",
            Rule::OptOut => "opt_out",
            Rule::CallFrequency => "call_frequency",
            Rule::AfterConversation => "after_conversation",
            Rule::Dispute => "dispute",
        }
    }

    pub fn citation(self) -> &'static str {
        match self {
            Rule::Hours => "12 CFR 1006.6(b)(1)(i)",
            Rule::InconvenientTime => "12 CFR 1006.6(b)(1)",
            Rule::Work => "12 CFR 1006.6(b)(3)",
            Rule::Attorney => "12 CFR 1006.6(b)(2)",
            Rule::Cease => "12 CFR 1006.6(c)",
            Rule::OptOut => "12 CFR 1006.14(h), 1006.6(e)",
            Rule::CallFrequency => "12 CFR 1006.14(b)(2)(i)",
            Rule::AfterConversation => "12 CFR 1006.14(b)(2)(ii)",
            Rule::Dispute => "12 CFR 1006.38(d)(2)",
        }
    }

    pub fn parse(id: &str) -> Option<Rule> {
        Rule::ALL.into_iter().find(|r| r.id() == id.trim())
    }
}

/// Which rules hold: all of them for a debt collector; for a creditor
/// collecting its own debts, the ones it chose.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    pub third_party: bool,
    pub first_party: Vec<Rule>,
    /// Where a person of unknown location may be: the fifty states' zones
    /// (false, the default), or the territories' too (true), for a book
    /// that reaches Puerto Rico, the Virgin Islands, Guam, the Northern
    /// Marianas or American Samoa.
    pub territories_when_unknown: bool,
}

impl Policy {
    /// The zones a person of unknown location may be in, under this policy.
    pub fn unknown_location(&self) -> &'static [UsZone] {
        if self.territories_when_unknown {
            &UsZone::STATES_AND_TERRITORIES
        } else {
            &UsZone::STATES
        }
    }

    /// A creditor's default: the consumer's own requests and decent hours.
    pub fn first_party_default() -> Vec<Rule> {
        vec![Rule::Hours, Rule::InconvenientTime, Rule::Work, Rule::Attorney, Rule::Cease, Rule::OptOut]
    }

    pub fn applies(&self, rule: Rule) -> bool {
        self.third_party || self.first_party.contains(&rule)
    }
}

/// One rule that failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub rule: Rule,
    pub citation: &'static str,
    pub reason: String,
    /// The earliest instant this rule would allow the same contact, when
    /// waiting is all it takes.
    pub allowed_from: Option<Timestamp>,
}

/// The gate's answer: the rules it checked, and each that failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    pub checked: Vec<Rule>,
    pub failures: Vec<Failure>,
    /// The first instant the whole gate allows the same contact, when
    /// waiting is all it takes (every rule asked again at that instant).
    next_allowed: Option<Timestamp>,
}

impl Decision {
    pub fn allowed(&self) -> bool {
        self.failures.is_empty()
    }

    /// When the contact would next be allowed, if only waiting stands in
    /// the way: an instant at which every rule allows it, not merely the
    /// latest of the failing rules' own answers (the day after a
    /// conversation starts at midnight, when the hours rule still refuses).
    pub fn allowed_from(&self) -> Option<Timestamp> {
        self.next_allowed
    }
}

/// Proof that the gate allowed one contact: to this address, by this
/// channel, for this purpose, at this instant. Only [`clear`] makes one, and
/// nothing can change it afterwards, so whatever sends or records a contact
/// and asks for a `Clearance` cannot be called for a contact the gate
/// refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Clearance {
    attempt: Attempt,
    checked: Vec<Rule>,
}

impl Clearance {
    pub fn attempt(&self) -> &Attempt {
        &self.attempt
    }

    /// The rules that held.
    pub fn checked(&self) -> &[Rule] {
        &self.checked
    }
}

/// Proof that a contact the gate refused took place anyway and is being
/// recorded as what happened, with the rules it broke. Only [`clear`] makes one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Breach {
    attempt: Attempt,
    broken: Vec<Rule>,
}

impl Breach {
    pub fn attempt(&self) -> &Attempt {
        &self.attempt
    }

    /// The rules the contact broke.
    pub fn broken(&self) -> &[Rule] {
        &self.broken
    }
}

/// The gate's answer with its proof: a [`Clearance`] when it allows the
/// contact, else a [`Breach`] that can only be used to record a contact that
/// already happened.
pub fn clear(person: &Person, debt: &Debt, attempt: &Attempt, policy: &Policy) -> (Decision, Result<Clearance, Breach>) {
    let decision = may_contact(person, debt, attempt, policy);
    let proof = if decision.allowed() {
        Ok(Clearance {
            attempt: attempt.clone(),
            checked: decision.checked.clone(),
        })
    } else {
        let mut broken: Vec<Rule> = decision.failures.iter().map(|f| f.rule).collect();
        broken.dedup();
        Err(Breach {
            attempt: attempt.clone(),
            broken,
        })
    };
    (decision, proof)
}

const EARLIEST: Time = Time::constant(8, 0, 0, 0);
const LATEST: Time = Time::constant(21, 0, 0, 0);

/// Whether `at` is between 8 a.m. and 9 p.m. in every one of `zones`;
/// otherwise the zones where it is not, with their local time.
fn outside_hours(zones: &[UsZone], at: Timestamp) -> Vec<(UsZone, jiff::civil::DateTime)> {
    zones
        .iter()
        .filter_map(|z| {
            let local = at.to_zoned(z.tz()).datetime();
            let t = local.time();
            (t < EARLIEST || t >= LATEST).then_some((*z, local))
        })
        .collect()
}

/// The first quarter hour from `at` at which `ok` holds, within two days.
fn next_quarter_hour(at: Timestamp, ok: impl Fn(Timestamp) -> bool) -> Option<Timestamp> {
    let start = at.as_second() - at.as_second().rem_euclid(900) + 900;
    (0..192)
        .map(|k| Timestamp::from_second(start + k * 900).expect("within range"))
        .find(|t| ok(*t))
}

/// The local calendar date of `at` for counting days: the person's first zone.
fn local_date(zones: &[UsZone], at: Timestamp) -> Date {
    at.to_zoned(zones.first().copied().unwrap_or(UsZone::Eastern).tz()).date()
}

/// Whether the person may be contacted about the debt by this attempt.
pub fn may_contact(person: &Person, debt: &Debt, attempt: &Attempt, policy: &Policy) -> Decision {
    let (checked, failures) = evaluate(person, debt, attempt, policy);
    // When only waiting stands in the way, ask every rule again at the
    // instant the failing ones name, until all agree (a few rounds at most:
    // each step moves forward to a rule's own next opening).
    let mut next_allowed = None;
    if !failures.is_empty() && failures.iter().all(|f| f.allowed_from.is_some()) {
        let mut at = failures.iter().filter_map(|f| f.allowed_from).max();
        for _ in 0..16 {
            let Some(t) = at else { break };
            let later = Attempt { at: t, ..attempt.clone() };
            let (_, again) = evaluate(person, debt, &later, policy);
            if again.is_empty() {
                next_allowed = Some(t);
                break;
            }
            at = if again.iter().all(|f| f.allowed_from.is_some_and(|n| n > t)) {
                again.iter().filter_map(|f| f.allowed_from).max()
            } else {
                None
            };
        }
    }
    Decision {
        checked,
        failures,
        next_allowed,
    }
}

/// Every rule, asked once at the attempt's instant.
fn evaluate(person: &Person, debt: &Debt, attempt: &Attempt, policy: &Policy) -> (Vec<Rule>, Vec<Failure>) {
    let mut checked = Vec::new();
    let mut failures = Vec::new();
    let mut fail = |rule: Rule, reason: String, allowed_from: Option<Timestamp>| {
        failures.push(Failure {
            rule,
            citation: rule.citation(),
            reason,
            allowed_from,
        })
    };
    let channel = attempt.channel;
    let dialled = matches!(channel, Channel::Call | Channel::Text).then_some(attempt.address.as_str());
    let zones = person.zones_with(dialled, policy.unknown_location());
    let on = |rule: Rule, checked: &mut Vec<Rule>| {
        let applies = policy.applies(rule);
        if applies {
            checked.push(rule);
        }
        applies
    };

    if on(Rule::Cease, &mut checked) {
        if let Some(asked) = person.cease_requested_at {
            let excepted = channel == Channel::Letter && attempt.purpose == Purpose::CeaseResponse;
            if asked <= attempt.at && !excepted {
                fail(
                    Rule::Cease,
                    format!(
                        "the person asked in writing on {} that communication stop; only a letter saying collection has stopped or naming a remedy may go",
                        local_date(&zones, asked)
                    ),
                    None,
                );
            }
        }
    }
    if on(Rule::Attorney, &mut checked) && person.attorney {
        fail(
            Rule::Attorney,
            "an attorney represents the person for this debt: contact the attorney instead".into(),
            None,
        );
    }
    if on(Rule::OptOut, &mut checked) {
        let used = normalise(&attempt.address);
        for o in &person.opt_outs {
            if o.channel != channel {
                continue;
            }
            match &o.address {
                None => fail(Rule::OptOut, format!("the person asked not to be contacted by {}", channel.as_str()), None),
                Some(a) if normalise(a) == used => fail(
                    Rule::OptOut,
                    format!("the person asked not to be contacted by {} at {a}", channel.as_str()),
                    None,
                ),
                Some(_) => {}
            }
        }
    }
    let at_work = attempt.at_work || {
        let used = normalise(&attempt.address);
        person.work_addresses.iter().any(|w| normalise(w) == used)
    };
    if on(Rule::Work, &mut checked) && person.no_contact_at_work && at_work {
        fail(
            Rule::Work,
            format!("{} is the person's work, and their employer forbids contact there", attempt.address),
            None,
        );
    }
    if channel != Channel::Letter {
        if on(Rule::Hours, &mut checked) {
            let outside = outside_hours(&zones, attempt.at);
            if !outside.is_empty() {
                let said: Vec<String> = outside
                    .iter()
                    .map(|(z, local)| format!("{} {} in {}", local.date(), local.time().strftime("%H:%M"), z.name()))
                    .collect();
                let why = if person.stated_zone.is_some() {
                    "the zone they told us"
                } else if zones.as_slice() == policy.unknown_location() {
                    if policy.territories_when_unknown {
                        "where they are is unknown, so every state's and territory's zone"
                    } else {
                        "where they are is unknown, so every state's zone"
                    }
                } else {
                    "every zone their address and phones point to"
                };
                fail(
                    Rule::Hours,
                    format!("only between 8 a.m. and 9 p.m. the person's time ({why}); it is {}", said.join(", ")),
                    next_quarter_hour(attempt.at, |t| outside_hours(&zones, t).is_empty()),
                );
            }
        }
        if on(Rule::InconvenientTime, &mut checked) {
            let hit = |t: Timestamp| {
                zones
                    .iter()
                    .any(|z| person.inconvenient.iter().any(|i| i.covers(&t.to_zoned(z.tz()).datetime())))
            };
            if hit(attempt.at) {
                fail(
                    Rule::InconvenientTime,
                    "the person said this time is inconvenient".into(),
                    next_quarter_hour(attempt.at, |t| !hit(t)),
                );
            }
        }
    }
    if channel == Channel::Call {
        let today = local_date(&zones, attempt.at);
        let day = |t: Timestamp| local_date(&zones, t);
        if on(Rule::CallFrequency, &mut checked) {
            // Seven consecutive days ending today: this call would be the eighth or more.
            let window_start = today.checked_sub(6.days()).expect("within the calendar");
            let mut in_window: Vec<Date> = debt
                .calls
                .iter()
                .filter(|c| c.at <= attempt.at)
                .map(|c| day(c.at))
                .filter(|d| *d >= window_start && *d <= today)
                .collect();
            if in_window.len() >= 7 {
                in_window.sort();
                // Allowed again on the day the oldest call that keeps the count at seven leaves the window.
                let leaves = in_window[in_window.len() - 7];
                let next_day = leaves.checked_add(7.days()).expect("within the calendar");
                fail(
                    Rule::CallFrequency,
                    format!(
                        "{} calls about this debt in the seven days from {window_start} to {today}; an eighth is presumed harassment",
                        in_window.len()
                    ),
                    start_of(next_day, &zones),
                );
            }
        }
        if on(Rule::AfterConversation, &mut checked) {
            // Whoever dialled: a conversation the person began by calling us
            // starts the seven days too (1006.14(b)(2)(i)(B)).
            let ours = debt.calls.iter().filter(|c| c.conversation && c.at <= attempt.at).map(|c| c.at);
            let theirs = debt.conversations.iter().filter(|at| **at <= attempt.at).copied();
            if let Some(last) = ours.chain(theirs).map(day).max() {
                let free = last.checked_add(7.days()).expect("within the calendar");
                if today < free {
                    fail(
                        Rule::AfterConversation,
                        format!("the person spoke with us about this debt on {last}; no call until {free}"),
                        start_of(free, &zones),
                    );
                }
            }
        }
    }
    if on(Rule::Dispute, &mut checked) && attempt.purpose == Purpose::Collection {
        if let Some(sent) = debt.validation_sent_on {
            let period_end = calendar::validation_period_end(sent);
            // As the dispute stood on the asked day: received by then, and
            // not yet answered by a verification sent by then. Both dates
            // are the collector's calendar, not the person's: the day is
            // the later of the person's date and UTC's, so a dispute
            // recorded "today" halts at once wherever the person is.
            let on_day = local_date(&zones, attempt.at).max(attempt.at.to_zoned(TimeZone::UTC).date());
            for d in &debt.disputes {
                let open = d.received_on <= on_day && d.verification_sent_on.is_none_or(|v| v > on_day);
                if d.received_on <= period_end && open {
                    let reason = if d.original_creditor {
                        format!(
                            "the person asked in writing on {} within the validation period (to {period_end}) for the original creditor's name and address (12 CFR 1006.38(c)); collection waits until it is sent",
                            d.received_on
                        )
                    } else {
                        format!(
                            "the person disputed the debt on {} within the validation period (to {period_end}); collection waits until verification is sent",
                            d.received_on
                        )
                    };
                    fail(Rule::Dispute, reason, None);
                }
            }
        }
    }
    (checked, failures)
}

/// The first instant of `date` in the first of `zones`.
fn start_of(date: Date, zones: &[UsZone]) -> Option<Timestamp> {
    let tz = zones.first().copied().unwrap_or(UsZone::Eastern).tz();
    date.to_zoned(tz).ok().map(|z| z.timestamp())
}

/// Addresses compared without case, spaces and punctuation (phones by digits).
fn normalise(address: &str) -> String {
    let digits: String = address.chars().filter(char::is_ascii_digit).collect();
    if address.contains('@') || digits.len() < 7 {
        address.trim().to_ascii_lowercase()
    } else {
        digits.trim_start_matches('1').to_string()
    }
}

/// The disclosure every letter and email from a debt collector carries
/// (FDCPA section 807(11), 15 U.S.C. 1692e(11)): in the first communication
/// the full form, afterwards the short one.
pub fn debt_collector_disclosure(initial: bool) -> &'static str {
    if initial {
        "This communication is from a debt collector. This is an attempt to collect a debt and any information obtained will be used for that purpose."
    } else {
        "This communication is from a debt collector."
    }
}

/// The statement every collection email ends with (12 CFR 1006.6(e)): a
/// clear way to opt out of email, by the link when there is one, and
/// always by phone or in writing.
pub fn email_opt_out_statement(link: Option<&str>, phone: &str, mail_address: &str) -> String {
    let mut ways = Vec::new();
    if let Some(link) = link {
        ways.push(format!("open {link} and confirm"));
    }
    if !phone.trim().is_empty() {
        ways.push(format!("call us at {}", phone.trim()));
    }
    if !mail_address.trim().is_empty() {
        ways.push(format!("write to us at {}", mail_address.trim()));
    }
    if ways.is_empty() {
        ways.push("tell us by phone or in writing".into());
    }
    let how = match ways.len() {
        1 => ways.remove(0),
        _ => {
            let last = ways.pop().unwrap_or_default();
            format!("{}, or {last}", ways.join(", "))
        }
    };
    format!("HOW TO STOP THESE EMAILS: you may ask us at any time to stop emailing you at this address. To opt out, {how}.")
}

#[cfg(test)]
mod tests;
