//! The visit form's ambulance boxes: miles, why this destination, the
//! patient's weight, why a stretcher or a round trip, the conditions
//! certified (CRC*07), and the pick-up and drop-off addresses, each typed
//! as one line. A second or third certification entered through the API
//! rides along unchanged. Every value is checked by the store
//! (`settle_domain::claim_facts::ambulance`), as from the API and the CLI.

use settle_domain::address::PostalAddress;
use settle_domain::claim_facts::{Ambulance, Certification, Location};

use crate::web::{Errors, FormData};

/// The ambulance boxes, as typed.
#[derive(Default)]
pub struct AmbulanceBoxes {
    pub miles: String,
    pub reason: String,
    pub weight: String,
    pub stretcher: String,
    pub round_trip: String,
    /// The condition codes certified as applying.
    pub conditions: Vec<String>,
    pub pickup: String,
    pub dropoff_name: String,
    pub dropoff: String,
}

fn line_of(place: &Option<Location>) -> String {
    place.as_ref().map(Location::address_line).unwrap_or_default()
}

impl AmbulanceBoxes {
    pub fn of(ambulance: &Option<Ambulance>) -> AmbulanceBoxes {
        let Some(a) = ambulance else {
            return AmbulanceBoxes::default();
        };
        AmbulanceBoxes {
            miles: a.miles.clone(),
            reason: a.transport_reason.clone(),
            weight: a.weight_pounds.clone(),
            stretcher: a.stretcher_purpose.clone(),
            round_trip: a.round_trip_purpose.clone(),
            conditions: a.certifications.first().map(|c| c.conditions.clone()).unwrap_or_default(),
            pickup: line_of(&a.pickup),
            dropoff_name: a.dropoff.as_ref().map(|d| d.name.clone()).unwrap_or_default(),
            dropoff: line_of(&a.dropoff),
        }
    }

    pub fn any(&self) -> bool {
        [&self.miles, &self.weight, &self.stretcher, &self.round_trip, &self.pickup, &self.dropoff]
            .iter()
            .any(|v| !v.is_empty())
            || !self.conditions.is_empty()
    }

    pub fn checked(&self, code: &str) -> bool {
        self.conditions.iter().any(|c| c == code)
    }
}

fn place(text: &str, name: &str, field: &str, errors: &mut Errors) -> Option<Location> {
    if text.trim().is_empty() {
        return None;
    }
    match PostalAddress::parse(text) {
        Ok(a) => Some(Location {
            name: name.trim().to_string(),
            street: [a.line1(), a.line2()].iter().filter(|s| !s.is_empty()).copied().collect::<Vec<_>>().join(" "),
            city: a.city().to_string(),
            state: a.state().to_string(),
            zip: a.postal_code().to_string(),
        }),
        Err(e) => {
            errors.add(field, format!("{e}: give the street, city, state and ZIP"));
            None
        }
    }
}

/// Reads the boxes over what the claim held (`before`): empty boxes mean
/// no ambulance transport.
pub fn read(form: &FormData, before: Option<Ambulance>, errors: &mut Errors) -> (Option<Ambulance>, AmbulanceBoxes) {
    let get = |name: &str| form.get(&format!("facts.ambulance_{name}"));
    let boxes = AmbulanceBoxes {
        miles: get("miles"),
        reason: get("reason"),
        weight: get("weight"),
        stretcher: get("stretcher"),
        round_trip: get("round_trip"),
        conditions: form.all("facts.ambulance_condition"),
        pickup: get("pickup"),
        dropoff_name: get("dropoff_name"),
        dropoff: get("dropoff"),
    };
    if !boxes.any() {
        return (None, boxes);
    }
    let mut certifications = before.map(|a| a.certifications).unwrap_or_default();
    let first = Certification {
        applies: true,
        conditions: boxes.conditions.clone(),
    };
    match certifications.first_mut() {
        Some(c) => *c = first,
        None => certifications.push(first),
    }
    let ambulance = Ambulance {
        weight_pounds: boxes.weight.clone(),
        transport_reason: if boxes.reason.is_empty() { "A".into() } else { boxes.reason.clone() },
        miles: boxes.miles.clone(),
        round_trip_purpose: boxes.round_trip.clone(),
        stretcher_purpose: boxes.stretcher.clone(),
        certifications,
        pickup: place(&boxes.pickup, "", "facts.ambulance_pickup", errors),
        dropoff: place(&boxes.dropoff, &boxes.dropoff_name, "facts.ambulance_dropoff", errors),
    };
    (Some(ambulance), boxes)
}
