use crate::address::{AddressInput, ContactPoint};
use crate::batch::{self, Batch};
use crate::names::{read_person, NameParts};
use crate::platform::audit::Subject;
use crate::platform::Organisation;
use crate::write::{next_ids, write_command, IdBlock};
use crate::{now_text, Result, Store, StoreError};
use serde::{Deserialize, Serialize};
use settle_domain::account::{AccountNumber, AccountStatus, ArKind, ContactKind, PartyKind};
use settle_domain::events::Receivable;
use settle_domain::invoice::PaymentTerms;
use settle_domain::money::Currency;
use settle_domain::{Date, IdempotencyKey};
use sqlx::{AnyConnection, Row};

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewParty {
    /// "person" or "company".
    #[schema(example = "person")]
    pub kind: String,
    /// The name as one line; a person's is read into its parts (give
    /// `name_parts` instead to say which is which).
    #[serde(default)]
    pub name: String,
    /// A person's name by its parts, instead of `name`.
    #[serde(default)]
    pub name_parts: Option<NameParts>,
    pub date_of_birth: Option<Date>,
    /// F, M or U (unknown), as claims report it; U if absent.
    #[serde(default)]
    pub sex: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// The mailing address: its fields, or one line of text read into them.
    pub address: Option<AddressInput>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAccount {
    #[schema(example = "P-900001")]
    pub account_number: String,
    pub party: NewParty,
    /// "customer", "patient" or "insurance".
    #[schema(example = "patient")]
    pub ar_kind: String,
    /// Defaults to the organisation's currency.
    pub currency: Option<String>,
    /// Default payment terms for the account's invoices; "net30" if absent.
    pub payment_terms: Option<String>,
    pub opened_on: Date,
}

/// A new account's values, checked: what every door that opens an account
/// writes. Made only by [`NewAccount::check`].
#[derive(Clone, Debug)]
pub struct CheckedAccount {
    number: AccountNumber,
    kind: PartyKind,
    name: String,
    parts: Option<settle_domain::names::PersonName>,
    sex: settle_domain::claims::Sex,
    ar_kind: ArKind,
    currency: Currency,
    terms: PaymentTerms,
    contacts: Vec<ContactPoint>,
}

impl NewAccount {
    /// Checks everything about a new account that needs no database (its
    /// number's form, the name or its parts, sex, kind, currency, terms,
    /// email, phone and address), each refusal naming its field. An
    /// import checks every row with it before anything is written; opening
    /// the account checks again, so no door can skip it.
    pub fn check(&self, base_currency: &str) -> Result<CheckedAccount> {
        let number = AccountNumber::parse(&self.account_number).map_err(|e| StoreError::invalid("account_number", e))?;
        let kind = PartyKind::parse(&self.party.kind).map_err(|e| StoreError::invalid("party.kind", e))?;
        let (name, parts) = read_person(("party.name", "party.name_parts"), kind, &self.party.name, self.party.name_parts.as_ref())?;
        let sex = settle_domain::claims::Sex::parse(self.party.sex.as_deref().unwrap_or("U"))
            .ok_or_else(|| StoreError::invalid("party.sex", "must be F, M or U (unknown)"))?;
        let ar_kind = ArKind::parse(&self.ar_kind).map_err(|e| StoreError::invalid("ar_kind", e))?;
        let currency = Currency::from_code(self.currency.as_deref().unwrap_or(base_currency)).map_err(|e| StoreError::invalid("currency", e))?;
        let terms =
            PaymentTerms::parse(self.payment_terms.as_deref().unwrap_or(crate::billing::DEFAULT_TERMS)).map_err(|e| StoreError::invalid("payment_terms", e))?;
        let mut contacts = Vec::new();
        for (kind, value, field) in [
            (ContactKind::Email, self.party.email.clone().map(AddressInput::from), "party.email"),
            (ContactKind::Phone, self.party.phone.clone().map(AddressInput::from), "party.phone"),
            (ContactKind::Address, self.party.address.clone(), "party.address"),
        ] {
            if let Some(value) = value.filter(|v| !v.is_blank()) {
                contacts.push(ContactPoint::read(kind, &value, field)?);
            }
        }
        Ok(CheckedAccount {
            number,
            kind,
            name,
            parts,
            sex,
            ar_kind,
            currency,
            terms,
            contacts,
        })
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct AccountCreated {
    pub account_id: i64,
    pub account_number: String,
    pub party_id: i64,
}

#[derive(Clone, Debug)]
pub(crate) struct AccountRow {
    pub account_id: i64,
    pub account_number: String,
    pub ar_kind: ArKind,
    pub currency: Currency,
    pub status: AccountStatus,
    pub payment_terms: String,
    pub balance_minor: i64,
    pub credit_minor: i64,
}

impl AccountRow {
    pub(crate) fn receivable(&self) -> Receivable {
        Receivable {
            account_id: self.account_id,
            gl: self.ar_kind.gl(),
        }
    }
}

pub(crate) fn account_from_row(row: &sqlx::any::AnyRow) -> Result<AccountRow> {
    let currency: String = row.try_get("currency")?;
    let ar_kind: String = row.try_get("ar_kind")?;
    let status: String = row.try_get("status")?;
    Ok(AccountRow {
        account_id: row.try_get("account_id")?,
        account_number: row.try_get("account_number")?,
        ar_kind: ArKind::parse(&ar_kind).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        currency: Currency::from_code(&currency).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        status: AccountStatus::parse(&status).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        payment_terms: row.try_get("payment_terms")?,
        balance_minor: row.try_get("balance_minor")?,
        credit_minor: row.try_get("credit_minor")?,
    })
}

impl Store {
    pub(crate) async fn account_by_number(&self, conn: &mut AnyConnection, org_id: i64, number: &str) -> Result<AccountRow> {
        let number = AccountNumber::parse(number).map_err(|e| StoreError::invalid("account_number", e))?;
        let sql = self.account_select("account_number");
        let row = sqlx::query(&sql)
            .bind(org_id)
            .bind(number.as_str())
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| StoreError::not_found("account", number.as_str()))?;
        account_from_row(&row)
    }

    /// The account an item or payment belongs to, locked like [`Store::account_by_number`].
    pub(crate) async fn account_by_id(&self, conn: &mut AnyConnection, org_id: i64, account_id: i64) -> Result<AccountRow> {
        let sql = self.account_select("account_id");
        let row = sqlx::query(&sql)
            .bind(org_id)
            .bind(account_id)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| StoreError::not_found("account", account_id))?;
        account_from_row(&row)
    }

    fn account_select(&self, key_column: &str) -> String {
        format!(
            "SELECT account_id, account_number, ar_kind, currency, status, payment_terms, balance_minor, credit_minor \
             FROM account WHERE org_id = $1 AND {key_column} = $2{}",
            self.for_update()
        )
    }

    /// Validates a new account into batch rows, reserving ids in `conn`.
    pub(crate) async fn stage_account(
        &self,
        conn: &mut AnyConnection,
        org: &Organisation,
        cmd: &NewAccount,
        batch: &mut Batch,
        ids: &mut IdBlock,
    ) -> Result<AccountCreated> {
        Ok(self.stage_account_row(conn, org, cmd, batch, ids).await?.0)
    }

    /// [`Store::stage_account`], also giving the new account as a command
    /// reads it, so a bulk import can bill it without reading it back.
    pub(crate) async fn stage_account_row(
        &self,
        conn: &mut AnyConnection,
        org: &Organisation,
        cmd: &NewAccount,
        batch: &mut Batch,
        ids: &mut IdBlock,
    ) -> Result<(AccountCreated, AccountRow)> {
        let CheckedAccount {
            number,
            kind,
            name,
            parts,
            sex,
            ar_kind,
            currency,
            terms,
            contacts,
        } = cmd.check(&org.base_currency)?;
        let party_id = ids.take(conn, org.org_id, "party", 1).await?;
        let account_id = ids.take(conn, org.org_id, "account", 1).await?;
        let now = now_text();
        batch.push(batch::PartyRow {
            org_id: org.org_id.into(),
            party_id: party_id.into(),
            kind: kind.as_str().into(),
            name: name.into(),
            date_of_birth: cmd.party.date_of_birth.map(|d| d.to_string()).into(),
            created_at: now.clone().into(),
            sex: sex.code().into(),
            last_name: parts.as_ref().map(|n| n.last.clone()).into(),
            first_name: parts.as_ref().map(|n| n.first.clone()).into(),
            middle_name: parts.as_ref().map(|n| n.middle.clone()).into(),
            name_suffix: parts.as_ref().map(|n| n.suffix.clone()).into(),
        });
        if !contacts.is_empty() {
            let first_contact = ids.take(conn, org.org_id, "contact", contacts.len() as i64).await?;
            for (offset, point) in contacts.iter().enumerate() {
                batch.push(point.row(org.org_id, first_contact + offset as i64, party_id, cmd.opened_on.into()));
            }
        }
        batch.push(batch::AccountRow {
            org_id: org.org_id.into(),
            account_id: account_id.into(),
            account_number: number.as_str().into(),
            party_id: party_id.into(),
            ar_kind: ar_kind.as_str().into(),
            currency: currency.code().into(),
            status: AccountStatus::Active.as_str().into(),
            payment_terms: terms.to_string().into(),
            opened_on: cmd.opened_on.into(),
            balance_minor: 0i64.into(),
            credit_minor: 0i64.into(),
            created_at: now.into(),
        });
        let row = AccountRow {
            account_id,
            account_number: number.as_str().to_string(),
            ar_kind,
            currency,
            status: AccountStatus::Active,
            payment_terms: terms.to_string(),
            balance_minor: 0,
            credit_minor: 0,
        };
        let created = AccountCreated {
            account_id,
            account_number: number.as_str().to_string(),
            party_id,
        };
        Ok((created, row))
    }

    pub async fn add_account(&self, org: &Organisation, cmd: &NewAccount, key: Option<&IdempotencyKey>) -> Result<AccountCreated> {
        write_command!(self, org.org_id, key, cmd, |tx| {
            let mut batch = Batch::default();
            // Without terms of its own, an account takes the organisation's default.
            let mut with_terms = cmd.clone();
            if with_terms.payment_terms.is_none() {
                with_terms.payment_terms = Some(default_terms(tx.conn(), org.org_id).await?);
            }
            let cmd = &with_terms;
            let created = self.stage_account(tx.conn(), org, cmd, &mut batch, &mut IdBlock::default()).await?;
            batch.flush(tx.conn(), org.org_id).await.map_err(|e| match e {
                StoreError::Conflict { .. } => StoreError::invalid("account_number", format!("account {} already exists", created.account_number)),
                other => other,
            })?;
            created
        })
    }

    /// Adds or replaces a party's contact point, keeping the old one as history.
    pub async fn set_contact(&self, org: &Organisation, account_number: &str, kind: &str, value: &AddressInput, from: Date) -> Result<()> {
        let kind = ContactKind::parse(kind).map_err(|e| StoreError::invalid("kind", e))?;
        let point = ContactPoint::read(kind, value, "value")?;
        let value = point.value.clone();
        let (point, value) = (&point, &value);
        self.write(|tx| {
            Box::pin(async move {
                let conn = tx.conn();
                let account = self.account_by_number(conn, org.org_id, account_number).await?;
                let party_id: i64 = sqlx::query("SELECT party_id FROM account WHERE org_id = $1 AND account_id = $2")
                    .bind(org.org_id)
                    .bind(account.account_id)
                    .fetch_one(&mut *conn)
                    .await?
                    .try_get("party_id")?;
                let previous: Option<String> =
                    sqlx::query("SELECT value FROM party_contact WHERE org_id = $1 AND party_id = $2 AND kind = $3 AND label = 'primary' AND valid_to IS NULL")
                        .bind(org.org_id)
                        .bind(party_id)
                        .bind(kind.as_str())
                        .fetch_optional(&mut *conn)
                        .await?
                        .map(|r| r.try_get("value"))
                        .transpose()?;
                let value_for_audit = value.clone();
                sqlx::query(
                    "UPDATE party_contact SET valid_to = $4 WHERE org_id = $1 AND party_id = $2 AND kind = $3 AND label = 'primary' AND valid_to IS NULL",
                )
                .bind(org.org_id)
                .bind(party_id)
                .bind(kind.as_str())
                .bind(from.to_string())
                .execute(&mut *conn)
                .await?;
                let contact_id = next_ids(conn, org.org_id, "contact", 1).await?;
                let mut batch = Batch::default();
                batch.push(point.row(org.org_id, contact_id, party_id, from.into()));
                batch.flush(conn, org.org_id).await?;
                let subject = Subject::Account(account.account_number.clone());
                let before = previous.map(|v| serde_json::json!({ "kind": kind.as_str(), "value": v }));
                let after = serde_json::json!({ "kind": kind.as_str(), "value": value_for_audit, "from": from });
                tx.audit(org.org_id, "contact.change", &subject.label(), before.as_ref(), Some(&after)).await?;
                Ok(())
            })
        })
        .await
    }
}

/// The organisation's default payment terms, for an account opened without
/// terms of its own.
pub(crate) async fn default_terms(conn: &mut AnyConnection, org_id: i64) -> Result<String> {
    let row = sqlx::query("SELECT default_terms FROM org_policy WHERE org_id = $1")
        .bind(org_id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(match row {
        Some(row) => row.try_get("default_terms")?,
        None => crate::billing::DEFAULT_TERMS.to_string(),
    })
}
