//! An ambulance claim's facts, as the 837P carries them: the transport
//! (CR1: the patient's weight, why this destination, the miles, why a
//! round trip or a stretcher), the certification of the patient's
//! condition (CRC*07: up to three, each a yes or no with up to five
//! condition codes), and where the patient was picked up (2310E) and
//! dropped off (2310F). The guide requires all of these on an ambulance
//! claim; a payer rule (`ambulance`) says which codes make one.

use serde::{Deserialize, Serialize};

use super::{refuse, state_code, FactError};

/// A place by its street address, with an optional name (a drop-off
/// hospital, an ordering provider's office).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Location {
    /// The place's name, where there is one (NM103 of 2310F).
    #[serde(default)]
    #[schema(example = "Springfield General Hospital")]
    pub name: String,
    #[schema(example = "1129 Reindeer Rd")]
    pub street: String,
    #[schema(example = "Carr")]
    pub city: String,
    #[schema(example = "CO")]
    pub state: String,
    #[schema(example = "80612")]
    pub zip: String,
}

impl Location {
    /// Refuses what N3/N4 cannot carry, by field (`{field}.street`...).
    pub fn check(&self, field: &str) -> Result<(), FactError> {
        for (part, text, max) in [("street", &self.street, 55), ("city", &self.city, 30)] {
            if text.trim().is_empty() || text.chars().count() > max {
                return Err(refuse(format!("{field}.{part}"), format!("takes 1 to {max} characters")));
            }
        }
        if self.name.chars().count() > 60 {
            return Err(refuse(format!("{field}.name"), "is longer than 60 characters"));
        }
        state_code(&format!("{field}.state"), &self.state)?;
        let zip = self.zip.replace('-', "");
        if !(zip.len() == 5 || zip.len() == 9) || !zip.bytes().all(|b| b.is_ascii_digit()) {
            return Err(refuse(format!("{field}.zip"), format!("{:?} is not a ZIP code", self.zip)));
        }
        Ok(())
    }

    /// "1129 Reindeer Rd, Carr, CO 80612": the address alone.
    pub fn address_line(&self) -> String {
        format!("{}, {}, {} {}", self.street, self.city, self.state, self.zip)
    }

    /// The address after the name, if any.
    pub fn one_line(&self) -> String {
        let place = self.address_line();
        if self.name.is_empty() {
            place
        } else {
            format!("{}, {place}", self.name)
        }
    }
}

/// One certification of the patient's condition (CRC*07): whether the
/// conditions apply (Y) or not (N), and which.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Certification {
    /// CRC02: true when the conditions apply to the patient (Y).
    pub applies: bool,
    /// CRC03 to CRC07, one to five of [`CONDITIONS`].
    #[schema(example = json!(["04", "06"]))]
    pub conditions: Vec<String>,
}

/// The ambulance condition codes CRC03-07 take, with what each says.
pub const CONDITIONS: &[(&str, &str)] = &[
    ("01", "admitted to a hospital"),
    ("04", "moved by stretcher"),
    ("05", "unconscious or in shock"),
    ("06", "transported in an emergency situation"),
    ("07", "had to be physically restrained"),
    ("08", "had visible hemorrhaging"),
    ("09", "ambulance service was medically necessary"),
    ("12", "confined to a bed or chair"),
    ("60", "transported to the nearest facility"),
];

/// Why the patient went to this destination (CR104).
pub const TRANSPORT_REASONS: &[(&str, &str)] = &[
    ("A", "to the nearest facility for care of symptoms, complaints or both"),
    ("B", "for the benefit of a preferred physician"),
    ("C", "for the nearness of family members"),
    ("D", "for the care of a specialist or for specialized equipment"),
    ("E", "to a rehabilitation facility"),
];

/// What an ambulance claim says of the transport (loop 2300 CR1 and CRC,
/// loops 2310E and 2310F).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Ambulance {
    /// CR102: the patient's weight in pounds, a decimal, where the payer
    /// needs it (a patient too heavy for a car or a stretcher).
    #[schema(example = "275")]
    pub weight_pounds: String,
    /// CR104: one of [`TRANSPORT_REASONS`].
    #[schema(example = "A")]
    pub transport_reason: String,
    /// CR106: the loaded miles, a decimal above zero.
    #[schema(example = "21")]
    pub miles: String,
    /// CR109: why a round trip, when it was one.
    pub round_trip_purpose: String,
    /// CR110: why a stretcher, when one was used.
    #[schema(example = "Patient immobilized")]
    pub stretcher_purpose: String,
    /// CRC*07, one to three.
    pub certifications: Vec<Certification>,
    /// Loop 2310E: where the patient was picked up.
    pub pickup: Option<Location>,
    /// Loop 2310F: where the patient was taken.
    pub dropoff: Option<Location>,
}

fn decimal_above_zero(field: &str, text: &str, required: bool) -> Result<(), FactError> {
    if text.is_empty() && !required {
        return Ok(());
    }
    let value: Option<rust_decimal::Decimal> = text.trim().parse().ok();
    if value.is_some_and(|v| v > rust_decimal::Decimal::ZERO && v.scale() <= 2 && v < rust_decimal::Decimal::from(100_000)) {
        Ok(())
    } else {
        Err(refuse(field, format!("{text:?} is not a number above zero (at most two decimals)")))
    }
}

fn purpose(field: &str, text: &str) -> Result<(), FactError> {
    if text.chars().count() > 80 {
        return Err(refuse(field, "is longer than 80 characters"));
    }
    match text.chars().find(|c| "*~:^".contains(*c) || c.is_control()) {
        Some(c) => Err(refuse(field, format!("holds {c:?}, which X12 uses to separate values"))),
        None => Ok(()),
    }
}

impl Ambulance {
    /// Refuses what the guide would, by field (`facts.ambulance...`).
    pub fn check(&self) -> Result<(), FactError> {
        let at = |name: &str| format!("facts.ambulance.{name}");
        decimal_above_zero(&at("weight_pounds"), &self.weight_pounds, false)?;
        if !TRANSPORT_REASONS.iter().any(|(code, _)| *code == self.transport_reason) {
            return Err(refuse(
                at("transport_reason"),
                format!("{:?} is not one of A, B, C, D, E (CR104)", self.transport_reason),
            ));
        }
        decimal_above_zero(&at("miles"), &self.miles, true)?;
        purpose(&at("round_trip_purpose"), &self.round_trip_purpose)?;
        purpose(&at("stretcher_purpose"), &self.stretcher_purpose)?;
        if self.certifications.is_empty() || self.certifications.len() > 3 {
            return Err(refuse(
                at("certifications"),
                "an ambulance claim certifies the patient's condition once to three times (CRC*07)",
            ));
        }
        for (i, c) in self.certifications.iter().enumerate() {
            let field = at(&format!("certifications[{i}].conditions"));
            if c.conditions.is_empty() || c.conditions.len() > 5 {
                return Err(refuse(field, "takes one to five condition codes"));
            }
            if let Some(bad) = c.conditions.iter().find(|code| !CONDITIONS.iter().any(|(known, _)| known == code)) {
                return Err(refuse(
                    field,
                    format!("{bad:?} is not an ambulance condition code (01, 04, 05, 06, 07, 08, 09, 12, 60)"),
                ));
            }
        }
        for (name, place) in [("pickup", &self.pickup), ("dropoff", &self.dropoff)] {
            match place {
                Some(p) => p.check(&at(name))?,
                None => return Err(refuse(at(name), "an ambulance claim says where the patient was picked up and taken")),
            }
        }
        if self.pickup.as_ref().is_some_and(|p| !p.name.is_empty()) {
            return Err(refuse(at("pickup.name"), "the pick-up location is sent by address only (2310E has no name)"));
        }
        Ok(())
    }

    /// In words, for a person to read.
    pub fn described(&self) -> String {
        let mut parts = vec![format!("{} miles", self.miles)];
        if let Some((_, why)) = TRANSPORT_REASONS.iter().find(|(code, _)| *code == self.transport_reason) {
            parts.push(format!("taken {why}"));
        }
        if !self.weight_pounds.is_empty() {
            parts.push(format!("patient {} lb", self.weight_pounds));
        }
        for c in &self.certifications {
            let said: Vec<&str> = c
                .conditions
                .iter()
                .filter_map(|code| CONDITIONS.iter().find(|(k, _)| k == code).map(|(_, w)| *w))
                .collect();
            parts.push(format!("{}: {}", if c.applies { "certified" } else { "not" }, said.join(", ")));
        }
        if let Some(p) = &self.pickup {
            parts.push(format!("from {}", p.one_line()));
        }
        if let Some(p) = &self.dropoff {
            parts.push(format!("to {}", p.one_line()));
        }
        for (label, text) in [("round trip", &self.round_trip_purpose), ("stretcher", &self.stretcher_purpose)] {
            if !text.is_empty() {
                parts.push(format!("{label}: {text}"));
            }
        }
        parts.join("; ")
    }
}
