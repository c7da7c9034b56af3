//! Postal addresses in the books. Every slot that keeps an address (a
//! person's, a payer's, a provider's) keeps it as fields: line1, line2,
//! city, state, postal_code, country, beside the text as written. The doors
//! take either the fields or one line of text, and [`AddressInput::read`]
//! is the one place either becomes a checked [`PostalAddress`]. Text kept
//! before addresses had fields is read into them when the store opens;
//! what cannot be read keeps its text, says why in `unread`, and is listed
//! by [`Store::unread_addresses`]: reported, never dropped.

use serde::{Deserialize, Serialize};
use settle_domain::account::ContactKind;
use settle_domain::address::{AddressError, KeptAddress, PostalAddress};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::batch::V;
use crate::platform::Organisation;
use crate::{Result, Store, StoreError};

/// A postal address by its fields. `country` is a two-letter code, US if
/// empty; a US address needs line1, city, state and a ZIP.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddressFields {
    #[schema(example = "350 S Grand Ave")]
    pub line1: String,
    #[serde(default)]
    #[schema(example = "Suite 400")]
    pub line2: String,
    #[schema(example = "Los Angeles")]
    pub city: String,
    /// A US state or territory (code or name); elsewhere the region, if any.
    #[serde(default)]
    #[schema(example = "CA")]
    pub state: String,
    /// A US ZIP (12345 or 12345-6789); elsewhere the postal code, if any.
    #[serde(default)]
    #[schema(example = "90071")]
    pub postal_code: String,
    /// ISO 3166-1 alpha-2; US if absent.
    #[serde(default)]
    #[schema(example = "US")]
    pub country: String,
}

/// A postal address as given: its fields, or one line of text read into
/// them ("350 S Grand Ave, Suite 400, Los Angeles, CA 90071"; line breaks
/// may stand for the commas). Text that cannot be read is refused, naming
/// the piece missing; an address outside the US is given by its fields.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(untagged)]
pub enum AddressInput {
    #[schema(example = "350 S Grand Ave, Suite 400, Los Angeles, CA 90071")]
    Text(String),
    Fields(Box<AddressFields>),
}

impl Default for AddressInput {
    fn default() -> AddressInput {
        AddressInput::Text(String::new())
    }
}

impl From<&str> for AddressInput {
    fn from(text: &str) -> AddressInput {
        AddressInput::Text(text.to_string())
    }
}

impl From<String> for AddressInput {
    fn from(text: String) -> AddressInput {
        AddressInput::Text(text)
    }
}

impl From<&PostalAddress> for AddressFields {
    fn from(a: &PostalAddress) -> AddressFields {
        AddressFields {
            line1: a.line1().into(),
            line2: a.line2().into(),
            city: a.city().into(),
            state: a.state().into(),
            postal_code: a.postal_code().into(),
            country: a.country().into(),
        }
    }
}

impl From<AddressFields> for AddressInput {
    fn from(fields: AddressFields) -> AddressInput {
        AddressInput::Fields(Box::new(fields))
    }
}

impl AddressInput {
    /// Nothing given: empty text, or fields all empty.
    pub fn is_blank(&self) -> bool {
        match self {
            AddressInput::Text(t) => t.trim().is_empty(),
            AddressInput::Fields(f) => [&f.line1, &f.line2, &f.city, &f.state, &f.postal_code, &f.country]
                .iter()
                .all(|v| v.trim().is_empty()),
        }
    }

    /// The checked address.
    pub fn read(&self) -> std::result::Result<PostalAddress, AddressError> {
        match self {
            AddressInput::Text(t) => PostalAddress::parse(t),
            AddressInput::Fields(f) => PostalAddress::new(&f.line1, &f.line2, &f.city, &f.state, &f.postal_code, &f.country),
        }
    }

    /// The checked address, a refusal naming `field` and the piece.
    pub fn read_for(&self, field: &'static str) -> Result<PostalAddress> {
        self.read().map_err(|e| StoreError::invalid(field, e))
    }

    /// The address given, if any, checked.
    pub fn read_optional(input: Option<&AddressInput>, field: &'static str) -> Result<Option<PostalAddress>> {
        input.filter(|a| !a.is_blank()).map(|a| a.read_for(field)).transpose()
    }
}

/// An address as the API shows it, by its fields.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct PostalView {
    pub line1: String,
    pub line2: String,
    pub city: String,
    pub state: String,
    /// A US ZIP as 12345 or 12345-6789.
    pub postal_code: String,
    pub country: String,
    /// The envelope's lines.
    pub lines: Vec<String>,
}

impl From<&PostalAddress> for PostalView {
    fn from(a: &PostalAddress) -> PostalView {
        PostalView {
            line1: a.line1().into(),
            line2: a.line2().into(),
            city: a.city().into(),
            state: a.state().into(),
            postal_code: a.postal_code_display(),
            country: a.country().into(),
            lines: a.envelope_lines(),
        }
    }
}

/// A party's contact point, checked: a phone or an email as text, an
/// address with its fields (and its one-line form as the text).
#[derive(Clone, Debug)]
pub struct ContactPoint {
    pub kind: ContactKind,
    pub value: String,
    pub postal: Option<PostalAddress>,
}

impl ContactPoint {
    /// Checks a value given for `kind`; a refusal names `field`.
    pub fn read(kind: ContactKind, input: &AddressInput, field: &'static str) -> Result<ContactPoint> {
        match (kind, input) {
            (ContactKind::Address, input) => {
                let postal = input.read_for(field)?;
                Ok(ContactPoint {
                    kind,
                    value: postal.one_line(),
                    postal: Some(postal),
                })
            }
            (_, AddressInput::Text(text)) => Ok(ContactPoint {
                kind,
                value: kind.normalise(text).map_err(|e| StoreError::invalid(field, e))?,
                postal: None,
            }),
            (_, AddressInput::Fields(_)) => Err(StoreError::invalid(field, format!("a {} is text, not address fields", kind.as_str()))),
        }
    }

    /// A `party_contact` row for [`crate::batch::PARTY_CONTACT`], labelled
    /// primary and in force from `from`.
    pub fn row(&self, org_id: i64, contact_id: i64, party_id: i64, from: V) -> crate::batch::PartyContactRow {
        let [line1, line2, city, state, postal_code, country] = cells(self.postal.as_ref());
        crate::batch::PartyContactRow {
            org_id: org_id.into(),
            contact_id: contact_id.into(),
            party_id: party_id.into(),
            kind: self.kind.as_str().into(),
            label: "primary".into(),
            value: self.value.clone().into(),
            valid_from: from,
            valid_to: V::NT(None),
            line1,
            line2,
            city,
            state,
            postal_code,
            country,
        }
    }
}

/// The field columns, in the order [`cells`] writes and [`from_row`] reads.
pub(crate) const COLUMNS: &str = "line1, line2, city, state, postal_code, country";

/// A person's current address, joined as `c` to a party `p`; its columns
/// are [`CURRENT_COLUMNS`]: the text as written, then the fields.
pub(crate) const CURRENT_JOIN: &str = "LEFT JOIN party_contact c ON c.org_id = p.org_id AND c.contact_id = \
     (SELECT MAX(x.contact_id) FROM party_contact x WHERE x.org_id = p.org_id AND x.party_id = p.party_id AND x.kind = 'address' AND x.valid_to IS NULL)";
pub(crate) const CURRENT_COLUMNS: &str = "c.value, c.line1, c.line2, c.city, c.state, c.postal_code, c.country";

/// The field columns of a table named `alias` in a query, named
/// `{alias}_line1` and so on, for [`kept_from`] with the prefix `{alias}_`.
pub(crate) fn columns_of(alias: &str) -> String {
    COLUMNS
        .split(", ")
        .map(|c| format!("{alias}.{c} AS {alias}_{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The column values for an address (all NULL for none).
pub(crate) fn cells(address: Option<&PostalAddress>) -> [V; 6] {
    let t = |f: fn(&PostalAddress) -> &str| V::NT(address.map(|a| f(a).to_string()));
    [
        t(PostalAddress::line1),
        t(PostalAddress::line2),
        t(PostalAddress::city),
        t(PostalAddress::state),
        t(PostalAddress::postal_code),
        t(PostalAddress::country),
    ]
}

/// Binds an address's six field columns (NULLs for none) after the
/// query's other parameters.
pub(crate) fn bind_fields<'q>(
    query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    address: Option<&PostalAddress>,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    cells(address).into_iter().fold(query, |q, cell| match cell {
        V::NT(v) => q.bind(v),
        _ => unreachable!("address cells are text"),
    })
}

/// The address kept in a row: the six field columns named with `prefix`
/// (`""` for [`COLUMNS`], `"b_"` for [`columns_of`]`("b")`), the text as
/// written in the column `text`. Fields read back through the same checks
/// as any input; a row without fields (old text that could not be read)
/// is kept as its text.
pub(crate) fn kept_from(row: &AnyRow, text: &str, prefix: &str) -> Result<Option<KeptAddress>> {
    if let Some(a) = postal_from(row, prefix)? {
        return Ok(Some(KeptAddress::Postal(a)));
    }
    let text: Option<String> = row.try_get(text)?;
    Ok(text.filter(|t| !t.trim().is_empty()).map(|t| KeptAddress::Text(t.trim().to_string())))
}

/// [`kept_from`] for a `party_contact` row (its `kind` and `value`): none
/// unless the row is an address.
pub(crate) fn kept_if_address(row: &AnyRow, prefix: &str) -> Result<Option<KeptAddress>> {
    if row.try_get::<String, _>("kind")? != "address" {
        return Ok(None);
    }
    kept_from(row, "value", prefix)
}

/// The address in the six field columns named with `prefix`, if they are
/// filled; the fields were checked when they were written.
pub(crate) fn postal_from(row: &AnyRow, prefix: &str) -> Result<Option<PostalAddress>> {
    let get = |c: &str| row.try_get::<Option<String>, _>(format!("{prefix}{c}").as_str()).map(Option::unwrap_or_default);
    let Some(line1) = row.try_get::<Option<String>, _>(format!("{prefix}line1").as_str())? else {
        return Ok(None);
    };
    Ok(Some(PostalAddress::from_stored(
        line1,
        get("line2")?,
        get("city")?,
        get("state")?,
        get("postal_code")?,
        get("country")?,
    )))
}

/// An address the books keep as text only: the text could not be read
/// into fields.
#[derive(Clone, Debug, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct UnreadAddress {
    /// "account", "payer" or "provider".
    pub kind: String,
    /// The account number, payer code or NPI.
    pub key: String,
    pub text: String,
    /// Which piece is missing, and why.
    pub reason: String,
    /// Still in force (not replaced by a newer address).
    pub current: bool,
}

/// The three places addresses are kept: table, key column, text column.
const KEPT: [(&str, &str, &str); 3] = [
    ("party_contact", "contact_id", "value"),
    ("payer", "payer_key", "address"),
    ("provider", "provider_key", "address"),
];

/// Reads into fields every address kept as text only (rows written before
/// addresses had fields), once: each row gets its fields or, when its text
/// cannot be read, the reason in `unread`. Runs when the store opens.
pub(crate) async fn read_old(store: &Store) -> Result<()> {
    for (table, key, text) in KEPT {
        let kind = if table == "party_contact" { " AND kind = 'address'" } else { "" };
        // Payers and providers may have no address: nothing to read.
        let select = format!("SELECT org_id, {key} AS id, {text} AS text FROM {table} WHERE line1 IS NULL AND unread IS NULL AND {text} <> ''{kind}");
        loop {
            let rows = sqlx::query(&format!("{select} LIMIT 5000")).fetch_all(store.pool()).await?;
            if rows.is_empty() {
                break;
            }
            let rows = &rows;
            store
                .write(|tx| {
                    Box::pin(async move {
                        for r in rows {
                            let (org_id, id, value): (i64, i64, String) = (r.try_get("org_id")?, r.try_get("id")?, r.try_get("text")?);
                            write_read(tx.conn(), table, key, org_id, id, &value).await?;
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

async fn write_read(conn: &mut AnyConnection, table: &str, key: &str, org_id: i64, id: i64, text: &str) -> Result<()> {
    let (fields, unread) = match PostalAddress::parse(text) {
        Ok(a) => (Some(a), None),
        Err(e) => (None, Some(e.to_string())),
    };
    let sql = format!(
        "UPDATE {table} SET line1 = $3, line2 = $4, city = $5, state = $6, postal_code = $7, country = $8, unread = $9 WHERE org_id = $1 AND {key} = $2"
    );
    let mut q = sqlx::query(&sql).bind(org_id).bind(id);
    q = bind_fields(q, fields.as_ref());
    q.bind(unread).execute(&mut *conn).await?;
    Ok(())
}

impl Store {
    /// Every address kept as text that could not be read into fields, with
    /// why: a person's (by account), a payer's, a provider's. The
    /// organisation's staff correct them with the fields.
    pub async fn unread_addresses(&self, org: &Organisation) -> Result<Vec<UnreadAddress>> {
        self.note_read(org.org_id, "address.read", "addresses:unread").await?;
        let mut out = Vec::new();
        let rows = sqlx::query(
            "SELECT a.account_number, c.value, c.unread, c.valid_to FROM party_contact c \
             JOIN account a ON a.org_id = c.org_id AND (a.party_id = c.party_id OR a.guarantor_party_id = c.party_id) \
             WHERE c.org_id = $1 AND c.kind = 'address' AND c.unread IS NOT NULL ORDER BY a.account_number, c.contact_id",
        )
        .bind(org.org_id)
        .fetch_all(self.pool())
        .await?;
        for r in rows {
            out.push(UnreadAddress {
                kind: "account".into(),
                key: r.try_get("account_number")?,
                text: r.try_get("value")?,
                reason: r.try_get("unread")?,
                current: r.try_get::<Option<String>, _>("valid_to")?.is_none(),
            });
        }
        for (kind, sql) in [
            (
                "payer",
                "SELECT payer_code AS key, address, unread FROM payer WHERE org_id = $1 AND unread IS NOT NULL AND address <> '' ORDER BY payer_code",
            ),
            (
                "provider",
                "SELECT npi AS key, address, unread FROM provider WHERE org_id = $1 AND unread IS NOT NULL AND address <> '' ORDER BY npi",
            ),
        ] {
            for r in sqlx::query(sql).bind(org.org_id).fetch_all(self.pool()).await? {
                out.push(UnreadAddress {
                    kind: kind.into(),
                    key: r.try_get("key")?,
                    text: r.try_get("address")?,
                    reason: r.try_get("unread")?,
                    current: true,
                });
            }
        }
        Ok(out)
    }
}
