//! Accounts from another system in CSV. A person's name comes by its
//! parts (last_name, first_name, middle_name, suffix) or as one line (name)
//! read as people write names; the address by its fields or as one line.
//! Every row is checked by the store's own [`NewAccount::check`] before
//! anything is written, and every problem is named by line and column.

use std::collections::{HashMap, HashSet};

use settle_domain::Date;

use super::{finish, ReadFile};
use crate::address::{AddressFields, AddressInput};
use crate::billing::{NewAccount, NewParty};
use crate::bulk::BulkCommand;
use crate::csv_file::{check_date, CsvFile, Problem};
use crate::names::NameParts;
use crate::StoreError;

pub(super) const REQUIRED: &[&str] = &["account_number", "kind"];
const NAME_PARTS: [&str; 4] = ["last_name", "first_name", "middle_name", "suffix"];
const ADDRESS_FIELDS: [&str; 6] = ["street", "street2", "city", "state", "zip", "country"];
const OTHER: &[&str] = &[
    "party",
    "name",
    "date_of_birth",
    "sex",
    "email",
    "phone",
    "address",
    "payment_terms",
    "opened_on",
];

pub(super) fn optional() -> Vec<&'static str> {
    NAME_PARTS.iter().chain(&ADDRESS_FIELDS).chain(OTHER).copied().collect()
}

/// Columns: account_number, kind (patient or customer), party (person or
/// company; person if empty), name or last_name/first_name/middle_name/
/// suffix, date_of_birth, sex, email, phone, address or street/street2/
/// city/state/zip/country, payment_terms (the organisation's default if
/// empty), opened_on (today if empty).
pub(super) fn read(mut reader: CsvFile, base_currency: &str, known: &HashSet<String>, today: Date) -> Result<ReadFile, Vec<Problem>> {
    let mut problems = std::mem::take(&mut reader.problems);
    let mut first_seen: HashMap<String, u64> = HashMap::new();
    let mut commands = Vec::new();
    let mut lines = Vec::new();
    for (line, record) in &reader.rows {
        let line = *line;
        let get = |column: &str| reader.get(record, column);
        let opened_on = match get("opened_on") {
            "" => Some(today),
            text => check_date(&mut problems, line, "opened_on", text),
        };
        let date_of_birth = match get("date_of_birth") {
            "" => None,
            text => check_date(&mut problems, line, "date_of_birth", text),
        };
        let Some(opened_on) = opened_on else { continue };
        let account = NewAccount {
            account_number: get("account_number").to_string(),
            party: NewParty {
                kind: non_empty(get("party")).unwrap_or("person").to_ascii_lowercase(),
                name: get("name").to_string(),
                name_parts: name_parts(&reader, record),
                date_of_birth,
                sex: non_empty(get("sex")).map(str::to_ascii_uppercase),
                email: non_empty(get("email")).map(str::to_string),
                phone: non_empty(get("phone")).map(str::to_string),
                address: address(&reader, record, line, &mut problems),
            },
            ar_kind: get("kind").to_ascii_lowercase(),
            currency: None,
            payment_terms: non_empty(get("payment_terms")).map(str::to_string),
            opened_on,
        };
        if let Err(error) = account.check(base_currency) {
            let by_fields = matches!(account.party.address, Some(AddressInput::Fields(_)));
            problems.push(problem_of(line, &error, by_fields));
            continue;
        }
        let number = account.account_number.trim().to_ascii_uppercase();
        if known.contains(&number) {
            problems.push(Problem {
                line,
                column: "account_number".into(),
                reason: format!("account {number} already exists in this organisation"),
            });
        } else if let Some(first) = first_seen.insert(number.clone(), line) {
            problems.push(Problem {
                line,
                column: "account_number".into(),
                reason: format!("account {number} is also on line {first}; one row is one account"),
            });
        }
        commands.push(BulkCommand::Account(Box::new(account)));
        lines.push(line);
    }
    finish(problems, ReadFile { commands, lines })
}

fn non_empty(text: &str) -> Option<&str> {
    (!text.is_empty()).then_some(text)
}

/// The name's parts, when any part column holds a value.
fn name_parts(reader: &CsvFile, record: &csv::StringRecord) -> Option<NameParts> {
    let [last, first, middle, suffix] = NAME_PARTS.map(|c| reader.get(record, c).to_string());
    [&last, &first, &middle, &suffix]
        .iter()
        .any(|p| !p.is_empty())
        .then_some(NameParts { last, first, middle, suffix })
}

/// The address as one line or by its fields; both on one row is refused.
fn address(reader: &CsvFile, record: &csv::StringRecord, line: u64, problems: &mut Vec<Problem>) -> Option<AddressInput> {
    let [street, street2, city, state, zip, country] = ADDRESS_FIELDS.map(|c| non_empty(reader.get(record, c)).map(str::to_string));
    let given = [&street, &street2, &city, &state, &zip, &country].iter().any(|f| f.is_some());
    let fields = given.then(|| {
        AddressInput::from(AddressFields {
            line1: street.unwrap_or_default(),
            line2: street2.unwrap_or_default(),
            city: city.unwrap_or_default(),
            state: state.unwrap_or_default(),
            postal_code: zip.unwrap_or_default(),
            country: country.unwrap_or_default(),
        })
    });
    match (non_empty(reader.get(record, "address")), fields) {
        (None, fields) => fields,
        (Some(text), None) => Some(AddressInput::Text(text.to_string())),
        (Some(_), Some(_)) => {
            problems.push(Problem {
                line,
                column: "address".into(),
                reason: "give the address as one line or by its fields (street, city, state, zip...), not both".into(),
            });
            None
        }
    }
}

/// A store refusal as a problem on the column it names; an address given
/// by its fields is refused on the field's own column.
fn problem_of(line: u64, error: &StoreError, by_fields: bool) -> Problem {
    let (column, reason) = match error {
        StoreError::Invalid { field, message } => {
            let part = message.split_once(": ").and_then(|(part, _)| address_column(part));
            match (*field, part) {
                ("party.address", Some(column)) if by_fields => (column.to_string(), message.clone()),
                _ => (column_of(field), message.clone()),
            }
        }
        other => (String::new(), other.to_string()),
    };
    Problem { line, column, reason }
}

/// The CSV column for a field of [`NewAccount`].
fn column_of(field: &str) -> String {
    let columns: &[(&str, &str)] = &[
        ("party.name_parts", "last_name"),
        ("party.name", "name"),
        ("party.kind", "party"),
        ("party.sex", "sex"),
        ("party.email", "email"),
        ("party.phone", "phone"),
        ("party.address", "address"),
        ("ar_kind", "kind"),
    ];
    columns.iter().find(|(f, _)| field.starts_with(f)).map_or(field, |(_, c)| c).to_string()
}

/// The column of an address field as the domain names it.
fn address_column(part: &str) -> Option<&'static str> {
    Some(match part {
        "line1" => "street",
        "line2" => "street2",
        "city" => "city",
        "state" => "state",
        "postal_code" => "zip",
        "country" => "country",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::column_of;

    #[test]
    fn each_field_names_its_column() {
        for (field, column) in [
            ("party.name_parts", "last_name"),
            ("party.name", "name"),
            ("party.address", "address"),
            ("ar_kind", "kind"),
            ("payment_terms", "payment_terms"),
            ("account_number", "account_number"),
        ] {
            assert_eq!(column_of(field), column, "{field}");
        }
    }
}
