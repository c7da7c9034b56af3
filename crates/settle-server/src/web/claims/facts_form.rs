//! The visit form's "what the payer needs" boxes: authorization and
//! referral numbers, the referring provider, the accident, the onset date,
//! the CLIA number and a note for the claim; a drug (NDC, quantity, unit),
//! an authorization, the ordering provider, the service in words and
//! whether it was an emergency for each line; an ambulance's transport
//! (see `ambulance_form`).
//!
//! A claim's facts the form has no box for (attachments, a supervising
//! provider, a service facility, consents entered through the API) ride in
//! a hidden field and come back as they were, so saving the page never
//! drops what another door entered. Every value is checked by the store
//! (`settle_domain::claim_facts`), the same as from the API and the CLI.

use settle_domain::claim_facts::{ClaimFacts, Drug, LineFacts, NamedProvider, Note};

use crate::web::claims::ambulance_form::{self, AmbulanceBoxes};
use crate::web::{Errors, FormData};

/// The claim's boxes, as typed.
#[derive(Default)]
pub struct FactsBoxes {
    /// The facts the page started from, as JSON (hidden).
    pub json: String,
    pub prior_authorization: String,
    pub referral_number: String,
    pub clia_number: String,
    pub referring_last: String,
    pub referring_first: String,
    pub referring_npi: String,
    pub employment: bool,
    pub auto_accident: bool,
    pub other_accident: bool,
    pub accident_state: String,
    pub accident_date: String,
    pub onset_date: String,
    pub note_kind: String,
    pub note_text: String,
    pub ambulance: AmbulanceBoxes,
}

/// One line's boxes, as typed.
#[derive(Default)]
pub struct LineFactsBoxes {
    pub json: String,
    pub ndc: String,
    pub drug_quantity: String,
    pub drug_unit: String,
    pub authorization: String,
    pub ordering_last: String,
    pub ordering_first: String,
    pub ordering_npi: String,
    /// SV101-07, the service in words.
    pub description: String,
    pub emergency: bool,
}

impl FactsBoxes {
    pub fn of(facts: &ClaimFacts) -> FactsBoxes {
        let referring = facts.referring_provider.clone().unwrap_or_default();
        let note = facts.note.clone().unwrap_or_default();
        FactsBoxes {
            json: serde_json::to_string(facts).unwrap_or_default(),
            prior_authorization: facts.prior_authorization.clone(),
            referral_number: facts.referral_number.clone(),
            clia_number: facts.clia_number.clone(),
            referring_last: referring.last,
            referring_first: referring.first,
            referring_npi: referring.npi,
            employment: facts.related_causes.employment,
            auto_accident: facts.related_causes.auto_accident,
            other_accident: facts.related_causes.other_accident,
            accident_state: facts.related_causes.auto_accident_state.clone(),
            accident_date: facts.accident_date.map(|d| d.to_string()).unwrap_or_default(),
            onset_date: facts.onset_date.map(|d| d.to_string()).unwrap_or_default(),
            note_kind: note.kind,
            note_text: note.text,
            ambulance: AmbulanceBoxes::of(&facts.ambulance),
        }
    }

    /// Whether the boxes hold anything (the section opens when they do).
    pub fn any(&self) -> bool {
        [
            &self.prior_authorization,
            &self.referral_number,
            &self.clia_number,
            &self.referring_npi,
            &self.accident_date,
            &self.onset_date,
            &self.note_text,
        ]
        .iter()
        .any(|v| !v.is_empty())
            || self.employment
            || self.auto_accident
            || self.other_accident
            || self.ambulance.any()
    }
}

impl LineFactsBoxes {
    pub fn of(facts: &LineFacts) -> LineFactsBoxes {
        let drug = facts.drug.clone().unwrap_or_default();
        let ordering = facts.ordering_provider.clone().unwrap_or_default();
        LineFactsBoxes {
            json: if facts.is_empty() {
                String::new()
            } else {
                serde_json::to_string(facts).unwrap_or_default()
            },
            ndc: drug.ndc,
            drug_quantity: drug.quantity,
            drug_unit: drug.unit,
            authorization: facts.prior_authorization.clone(),
            ordering_last: ordering.last,
            ordering_first: ordering.first,
            ordering_npi: ordering.npi,
            description: facts.description.clone(),
            emergency: facts.emergency,
        }
    }

    pub fn any(&self) -> bool {
        [&self.ndc, &self.authorization, &self.ordering_npi, &self.description]
            .iter()
            .any(|v| !v.is_empty())
            || self.emergency
    }
}

fn base<T: serde::de::DeserializeOwned + Default>(json: &str, field: &str, errors: &mut Errors) -> T {
    if json.trim().is_empty() {
        return T::default();
    }
    serde_json::from_str(json).unwrap_or_else(|_| {
        errors.add(field, "The claim's other details could not be read back; open the claim again.");
        T::default()
    })
}

fn date(text: &str, field: &str, errors: &mut Errors) -> Option<settle_domain::Date> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    text.parse().map_err(|_| errors.add(field, "Give the date as YYYY-MM-DD.")).ok()
}

fn provider(last: &str, first: &str, npi: &str) -> Option<NamedProvider> {
    (!last.trim().is_empty() || !npi.trim().is_empty()).then(|| NamedProvider {
        last: last.trim().to_string(),
        first: first.trim().to_string(),
        npi: npi.trim().to_string(),
    })
}

/// Reads the claim's boxes over the facts the page started from.
pub fn read_claim(form: &FormData, errors: &mut Errors) -> (ClaimFacts, FactsBoxes) {
    let get = |name: &str| form.get(&format!("facts.{name}"));
    let boxes = FactsBoxes {
        json: form.get("facts_json"),
        prior_authorization: get("prior_authorization"),
        referral_number: get("referral_number"),
        clia_number: get("clia_number"),
        referring_last: get("referring_last"),
        referring_first: get("referring_first"),
        referring_npi: get("referring_npi"),
        employment: get("employment") == "1",
        auto_accident: get("auto_accident") == "1",
        other_accident: get("other_accident") == "1",
        accident_state: get("accident_state"),
        accident_date: get("accident_date"),
        onset_date: get("onset_date"),
        note_kind: get("note_kind"),
        note_text: get("note_text"),
        ambulance: AmbulanceBoxes::default(),
    };
    let mut facts: ClaimFacts = base(&boxes.json, "form", errors);
    let (ambulance, ambulance_boxes) = ambulance_form::read(form, facts.ambulance.take(), errors);
    facts.ambulance = ambulance;
    let boxes = FactsBoxes {
        ambulance: ambulance_boxes,
        ..boxes
    };
    facts.prior_authorization = boxes.prior_authorization.trim().to_string();
    facts.referral_number = boxes.referral_number.trim().to_string();
    facts.clia_number = boxes.clia_number.trim().to_ascii_uppercase();
    facts.referring_provider = provider(&boxes.referring_last, &boxes.referring_first, &boxes.referring_npi);
    facts.related_causes.employment = boxes.employment;
    facts.related_causes.auto_accident = boxes.auto_accident;
    facts.related_causes.other_accident = boxes.other_accident;
    facts.related_causes.auto_accident_state = boxes.accident_state.trim().to_ascii_uppercase();
    facts.accident_date = date(&boxes.accident_date, "facts.accident_date", errors);
    facts.onset_date = date(&boxes.onset_date, "facts.onset_date", errors);
    facts.note = (!boxes.note_text.trim().is_empty()).then(|| Note {
        kind: if boxes.note_kind.is_empty() { "ADD".into() } else { boxes.note_kind.clone() },
        text: boxes.note_text.trim().to_string(),
    });
    (facts, boxes)
}

/// Reads line `i`'s boxes over the facts it started from.
pub fn read_line(form: &FormData, i: usize, errors: &mut Errors) -> (LineFacts, LineFactsBoxes) {
    let get = |name: &str| form.get(&format!("line{i}.{name}"));
    let boxes = LineFactsBoxes {
        json: get("facts_json"),
        ndc: get("ndc"),
        drug_quantity: get("drug_quantity"),
        drug_unit: get("drug_unit"),
        authorization: get("authorization"),
        ordering_last: get("ordering_last"),
        ordering_first: get("ordering_first"),
        ordering_npi: get("ordering_npi"),
        description: get("description"),
        emergency: get("emergency") == "1",
    };
    let mut facts: LineFacts = base(&boxes.json, &format!("line{i}.ndc"), errors);
    facts.prior_authorization = boxes.authorization.trim().to_string();
    let prescription_number = facts.drug.take().map(|d| d.prescription_number).unwrap_or_default();
    facts.drug = (!boxes.ndc.trim().is_empty()).then(|| Drug {
        prescription_number,
        ndc: boxes.ndc.trim().to_string(),
        quantity: boxes.drug_quantity.trim().to_string(),
        unit: if boxes.drug_unit.is_empty() { "UN".into() } else { boxes.drug_unit.clone() },
    });
    facts.ordering_provider = provider(&boxes.ordering_last, &boxes.ordering_first, &boxes.ordering_npi);
    facts.description = boxes.description.clone();
    facts.emergency = boxes.emergency;
    (facts, boxes)
}

/// The form's box for a field the store named inside the facts:
/// `facts.referring_provider.npi` is the referring NPI box,
/// `line2.facts.drug.ndc` line 3's NDC box.
pub fn form_field(field: &str) -> Option<String> {
    const CLAIM: &[(&str, &str)] = &[
        ("facts.referring_provider.npi", "facts.referring_npi"),
        ("facts.referring_provider", "facts.referring_last"),
        ("facts.related_causes", "facts.accident_state"),
        ("facts.note", "facts.note_text"),
        ("facts.prior_authorization", "facts.prior_authorization"),
        ("facts.referral_number", "facts.referral_number"),
        ("facts.clia_number", "facts.clia_number"),
        ("facts.accident_date", "facts.accident_date"),
        ("facts.onset_date", "facts.onset_date"),
        ("facts.ambulance.pickup", "facts.ambulance_pickup"),
        ("facts.ambulance.dropoff", "facts.ambulance_dropoff"),
        ("facts.ambulance.weight_pounds", "facts.ambulance_weight"),
        ("facts.ambulance.stretcher_purpose", "facts.ambulance_stretcher"),
        ("facts.ambulance.round_trip_purpose", "facts.ambulance_round_trip"),
        ("facts.ambulance.transport_reason", "facts.ambulance_reason"),
        ("facts.ambulance.certifications", "facts.ambulance_conditions"),
        ("facts.ambulance", "facts.ambulance_miles"),
    ];
    const LINE: &[(&str, &str)] = &[
        ("facts.drug.ndc", "ndc"),
        ("facts.drug.quantity", "drug_quantity"),
        ("facts.drug.unit", "drug_unit"),
        ("facts.prior_authorization", "authorization"),
        ("facts.ordering_provider.npi", "ordering_npi"),
        ("facts.ordering_provider", "ordering_last"),
        ("facts.description", "description"),
    ];
    if let Some((_, to)) = CLAIM.iter().find(|(from, _)| field.starts_with(from)) {
        return Some(to.to_string());
    }
    let (line, rest) = field.split_once('.')?;
    line.strip_prefix("line")?;
    LINE.iter().find(|(from, _)| rest.starts_with(from)).map(|(_, to)| format!("{line}.{to}"))
}

#[cfg(test)]
mod tests {
    use super::form_field;

    #[test]
    fn store_fields_land_on_their_boxes() {
        for (field, expected) in [
            ("facts.referring_provider.npi", Some("facts.referring_npi")),
            ("facts.related_causes.auto_accident_state", Some("facts.accident_state")),
            ("line2.facts.drug.ndc", Some("line2.ndc")),
            ("line0.facts.ordering_provider.last", Some("line0.ordering_last")),
            ("line0.units", None),
            ("facts.ambulance.dropoff.zip", Some("facts.ambulance_dropoff")),
            ("facts.ambulance.miles", Some("facts.ambulance_miles")),
            ("line1.facts.description", Some("line1.description")),
        ] {
            assert_eq!(form_field(field).as_deref(), expected, "{field}");
        }
    }
}
