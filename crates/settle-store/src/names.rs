//! People's names in the books. Every person on an account (patient,
//! guarantor, customer) and every subscriber on a coverage keeps their name
//! in the parts a claim carries (last, first, middle, suffix) beside the
//! name as one line. The doors take the parts (`name_parts`) or one line,
//! and [`read_person`] is the one place either becomes a checked
//! [`PersonName`]. Names kept before they had parts are read into them when
//! the store opens; one that cannot be read without a person looking keeps
//! its line, says why, and is listed by [`Store::unread_names`]: reported,
//! never guessed at silently.

use serde::{Deserialize, Serialize};
use settle_domain::account::{check_name, PartyKind};
use settle_domain::names::PersonName;
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::platform::Organisation;
use crate::{Result, Store, StoreError};

/// A person's name by its parts. `last` is required; a person known by
/// one name gives it as the last name.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NameParts {
    #[schema(example = "de la Cruz")]
    pub last: String,
    #[serde(default)]
    #[schema(example = "Maria")]
    pub first: String,
    #[serde(default)]
    #[schema(example = "Elena")]
    pub middle: String,
    /// Jr, Sr, II, III...
    #[serde(default)]
    #[schema(example = "")]
    pub suffix: String,
}

impl From<&PersonName> for NameParts {
    fn from(n: &PersonName) -> NameParts {
        NameParts {
            last: n.last.clone(),
            first: n.first.clone(),
            middle: n.middle.clone(),
            suffix: n.suffix.clone(),
        }
    }
}

/// A name as a door gave it, checked: the line to keep and, for a person,
/// the parts. `fields` names the door's two fields ("party.name",
/// "party.name_parts"), for the errors.
pub(crate) fn read_person(
    fields: (&'static str, &'static str),
    kind: PartyKind,
    line: &str,
    parts: Option<&NameParts>,
) -> Result<(String, Option<PersonName>)> {
    let (line_field, parts_field) = fields;
    match (parts, kind) {
        (Some(_), PartyKind::Company) => Err(StoreError::invalid(parts_field, "a company's name is one line, not parts")),
        (Some(p), PartyKind::Person) => {
            if !line.trim().is_empty() {
                return Err(StoreError::invalid(line_field, format!("give the name or its parts ({parts_field}), not both")));
            }
            let name = PersonName::from_parts(&p.last, &p.first, &p.middle, &p.suffix).map_err(|e| StoreError::invalid(parts_field, e))?;
            Ok((name.display(), Some(name)))
        }
        (None, PartyKind::Company) => Ok((check_name(line).map_err(|e| StoreError::invalid(line_field, e))?, None)),
        (None, PartyKind::Person) => {
            let line = check_name(line).map_err(|e| StoreError::invalid(line_field, e))?;
            let guess = PersonName::parse(&line);
            let name = PersonName::from_parts(&guess.last, &guess.first, &guess.middle, &guess.suffix)
                .map_err(|e| StoreError::invalid(line_field, format!("read as parts, its {e}; give the parts ({parts_field})")))?;
            Ok((line, Some(name)))
        }
    }
}

/// The parts of a name from a row's `{prefix}last`... columns (see
/// [`PARTY_NAME_COLUMNS`]), if it has them.
pub(crate) fn parts_from(row: &AnyRow, prefix: &str) -> Result<Option<PersonName>> {
    let last: Option<String> = row.try_get(format!("{prefix}last").as_str())?;
    let Some(last) = last else { return Ok(None) };
    let get = |part: &str| -> Result<String> { Ok(row.try_get::<Option<String>, _>(format!("{prefix}{part}").as_str())?.unwrap_or_default()) };
    Ok(Some(PersonName {
        last,
        first: get("first")?,
        middle: get("middle")?,
        suffix: get("suffix")?,
    }))
}

/// A party's name parts named for [`parts_from`] with prefix `name_`,
/// `p` being the party.
pub(crate) const PARTY_NAME_COLUMNS: &str = "p.last_name AS name_last, p.first_name AS name_first, p.middle_name AS name_middle, p.name_suffix AS name_suffix";

/// A coverage's subscriber parts for [`parts_from`] with prefix `sub_`.
pub(crate) const SUBSCRIBER_NAME_COLUMNS: &str =
    "c.subscriber_last AS sub_last, c.subscriber_first AS sub_first, c.subscriber_middle AS sub_middle, c.subscriber_suffix AS sub_suffix";

/// The parts a claim writes: those kept, or (a name not yet read, or
/// none kept) the line read as people write names.
pub(crate) fn or_parsed(parts: Option<&PersonName>, line: &str) -> PersonName {
    parts.cloned().unwrap_or_else(|| PersonName::parse(line))
}

/// A name kept as one line that could not be read into parts.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct UnreadName {
    /// "account" or "coverage".
    pub kind: String,
    /// The account number, for either.
    pub account_number: String,
    pub name: String,
    pub reason: String,
}

/// Reads into parts every person's name kept as one line only (rows written
/// before names had parts), once: each row gets its parts or, when they
/// cannot be told, the reason. Runs when the store opens.
pub(crate) async fn read_old(store: &Store) -> Result<()> {
    let sources = [
        (
            "SELECT org_id, party_id AS id, name FROM party WHERE kind = 'person' AND last_name IS NULL AND name_unread IS NULL LIMIT 5000",
            "UPDATE party SET last_name = $3, first_name = $4, middle_name = $5, name_suffix = $6, name_unread = $7 WHERE org_id = $1 AND party_id = $2",
        ),
        (
            "SELECT org_id, coverage_key AS id, subscriber_name AS name FROM coverage \
             WHERE subscriber_name <> '' AND subscriber_last IS NULL AND subscriber_unread IS NULL LIMIT 5000",
            "UPDATE coverage SET subscriber_last = $3, subscriber_first = $4, subscriber_middle = $5, subscriber_suffix = $6, subscriber_unread = $7 \
             WHERE org_id = $1 AND coverage_key = $2",
        ),
    ];
    for (select, update) in sources {
        loop {
            let rows = sqlx::query(select).fetch_all(store.pool()).await?;
            if rows.is_empty() {
                break;
            }
            let rows = &rows;
            store
                .write(|tx| {
                    Box::pin(async move {
                        for r in rows {
                            let (org_id, id, name): (i64, i64, String) = (r.try_get("org_id")?, r.try_get("id")?, r.try_get("name")?);
                            let (parts, unread) = match PersonName::read(&name) {
                                Ok(n) => (Some(n), None),
                                Err(e) => (None, Some(e.message)),
                            };
                            let part = |f: fn(&PersonName) -> &String| parts.as_ref().map(|n| f(n).clone());
                            sqlx::query(update)
                                .bind(org_id)
                                .bind(id)
                                .bind(part(|n| &n.last))
                                .bind(part(|n| &n.first))
                                .bind(part(|n| &n.middle))
                                .bind(part(|n| &n.suffix))
                                .bind(unread)
                                .execute(tx.conn())
                                .await?;
                        }
                        tx.unaudited(crate::write::Unaudited::Migration);
                        Ok(())
                    })
                })
                .await?;
        }
    }
    Ok(())
}

impl Store {
    /// Every person's name kept as one line that could not be read into
    /// parts, with why: the account's people and its coverages'
    /// subscribers. Claims for them read the line as best they can until
    /// someone gives the parts.
    pub async fn unread_names(&self, org: &Organisation) -> Result<Vec<UnreadName>> {
        self.note_read(org.org_id, "name.read", "names:unread").await?;
        let rows = sqlx::query(
            "SELECT 'account' AS kind, a.account_number, p.name, p.name_unread AS reason FROM party p \
             JOIN account a ON a.org_id = p.org_id AND (a.party_id = p.party_id OR a.guarantor_party_id = p.party_id) \
             WHERE p.org_id = $1 AND p.name_unread IS NOT NULL \
             UNION ALL \
             SELECT 'coverage' AS kind, a.account_number, c.subscriber_name AS name, c.subscriber_unread AS reason FROM coverage c \
             JOIN account a ON a.org_id = c.org_id AND a.account_id = c.account_id \
             WHERE c.org_id = $1 AND c.subscriber_unread IS NOT NULL \
             ORDER BY account_number, kind",
        )
        .bind(org.org_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(UnreadName {
                    kind: r.try_get("kind")?,
                    account_number: r.try_get("account_number")?,
                    name: r.try_get("name")?,
                    reason: r.try_get("reason")?,
                })
            })
            .collect()
    }
}

/// Gives a person's name by its parts: the account's person, its
/// guarantor, or (with `coverage_key`) a coverage's subscriber. How an
/// unread name is corrected, and how a name is changed.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetName {
    pub account_number: String,
    /// "person" (the account's, the default), "guarantor" or "subscriber".
    #[serde(default)]
    pub whose: String,
    /// For a subscriber: which coverage.
    #[serde(default)]
    pub coverage_key: Option<i64>,
    pub parts: NameParts,
}

use crate::platform::audit::Subject;
use crate::write::{audited, Audited};

audited! {
    SetName => "name.set", |c| Subject::Account(c.account_number.clone());
}

/// The name as it now stands.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct NameSet {
    pub name: String,
    pub parts: NameParts,
}

impl Store {
    /// Sets a person's name by its parts (audited with before and after).
    pub async fn set_name(&self, org: &Organisation, cmd: &SetName) -> Result<NameSet> {
        let (line, parts) = read_person(("name", "parts"), PartyKind::Person, "", Some(&cmd.parts))?;
        let parts = parts.ok_or_else(|| StoreError::invalid("parts", "a person's name needs its parts"))?;
        let whose = match cmd.whose.trim() {
            "" | "person" => "person",
            "guarantor" => "guarantor",
            "subscriber" => "subscriber",
            other => return Err(StoreError::invalid("whose", format!("{other:?} is not person, guarantor or subscriber"))),
        };
        let (line, parts) = (&line, &parts);
        crate::write::write_command!(self, org.org_id, None::<&settle_domain::IdempotencyKey>, cmd, |tx| {
            let conn = tx.conn();
            let account = self.account_by_number(conn, org.org_id, &cmd.account_number).await?;
            let done = if whose == "subscriber" {
                let key = cmd
                    .coverage_key
                    .ok_or_else(|| StoreError::invalid("coverage_key", "say which coverage's subscriber"))?;
                sqlx::query(
                    "UPDATE coverage SET subscriber_name = $4, subscriber_last = $5, subscriber_first = $6, subscriber_middle = $7, subscriber_suffix = $8, \
                     subscriber_unread = NULL WHERE org_id = $1 AND account_id = $2 AND coverage_key = $3",
                )
                .bind(org.org_id)
                .bind(account.account_id)
                .bind(key)
                .bind(line)
                .bind(&parts.last)
                .bind(&parts.first)
                .bind(&parts.middle)
                .bind(&parts.suffix)
                .execute(&mut *conn)
                .await?
            } else {
                let party = if whose == "guarantor" { "guarantor_party_id" } else { "party_id" };
                sqlx::query(&format!(
                    "UPDATE party SET name = $3, last_name = $4, first_name = $5, middle_name = $6, name_suffix = $7, name_unread = NULL \
                     WHERE org_id = $1 AND kind = 'person' AND party_id = (SELECT {party} FROM account WHERE org_id = $1 AND account_id = $2)"
                ))
                .bind(org.org_id)
                .bind(account.account_id)
                .bind(line)
                .bind(&parts.last)
                .bind(&parts.first)
                .bind(&parts.middle)
                .bind(&parts.suffix)
                .execute(&mut *conn)
                .await?
            };
            if done.rows_affected() != 1 {
                return Err(StoreError::invalid(
                    "whose",
                    format!(
                        "account {} has no {whose} whose name has parts (a company's name is one line)",
                        account.account_number
                    ),
                ));
            }
            NameSet {
                name: line.clone(),
                parts: NameParts::from(parts),
            }
        })
    }
}
