//! A postal address on the command line: one line of text (`--address`) or
//! its fields (`--street`, `--street2`, `--city`, `--state`, `--zip`,
//! `--country`). Either becomes the store's [`AddressInput`], checked in
//! one place by the store.

use settle_store::address::{AddressFields, AddressInput};

#[derive(clap::Args, Debug, Default, Clone)]
pub struct AddressArgs {
    /// The mailing address as one line: "12 Main St, Apt 4, Springfield, IL 62704" (or give its fields).
    #[arg(long, conflicts_with_all = ["street", "street2", "city", "state", "zip", "country"])]
    pub address: Option<String>,
    #[command(flatten)]
    pub fields: AddressFieldArgs,
}

/// An address by its fields.
#[derive(clap::Args, Debug, Default, Clone)]
pub struct AddressFieldArgs {
    /// The street line (number and street, or PO box).
    #[arg(long)]
    pub street: Option<String>,
    /// A second street line (apartment, suite, building).
    #[arg(long)]
    pub street2: Option<String>,
    #[arg(long)]
    pub city: Option<String>,
    /// The state or territory (CA, New York, PR); the region outside the US.
    #[arg(long)]
    pub state: Option<String>,
    /// The ZIP (12345 or 12345-6789); the postal code outside the US.
    #[arg(long)]
    pub zip: Option<String>,
    /// Two-letter country code; US if absent.
    #[arg(long)]
    pub country: Option<String>,
}

impl AddressFieldArgs {
    /// The fields, when any was given.
    pub fn input(self) -> Option<AddressInput> {
        let given = [&self.street, &self.street2, &self.city, &self.state, &self.zip, &self.country]
            .iter()
            .any(|f| f.is_some());
        given.then(|| {
            AddressInput::from(AddressFields {
                line1: self.street.unwrap_or_default(),
                line2: self.street2.unwrap_or_default(),
                city: self.city.unwrap_or_default(),
                state: self.state.unwrap_or_default(),
                postal_code: self.zip.unwrap_or_default(),
                country: self.country.unwrap_or_default(),
            })
        })
    }
}

impl AddressArgs {
    /// The address given, as text or fields; none if neither.
    pub fn input(self) -> Option<AddressInput> {
        match self.address {
            Some(text) => Some(AddressInput::Text(text)),
            None => self.fields.input(),
        }
    }
}
