//! A person's name by its parts on the command line (`--last-name`,
//! `--first-name`, `--middle-name`, `--suffix`), beside `--name` for one
//! line; and the same for a coverage's subscriber (`--subscriber-last`...).

use settle_store::names::NameParts;

#[derive(clap::Args, Debug, Default, Clone)]
pub struct NameArgs {
    /// A person's last name, with its particles ("de la Cruz"); instead of --name.
    #[arg(long, conflicts_with = "name")]
    pub last_name: Option<String>,
    #[arg(long, requires = "last_name")]
    pub first_name: Option<String>,
    #[arg(long, requires = "last_name")]
    pub middle_name: Option<String>,
    /// Jr, Sr, III.
    #[arg(long, requires = "last_name")]
    pub suffix: Option<String>,
}

impl NameArgs {
    pub fn parts(&self) -> Option<NameParts> {
        let last = self.last_name.clone()?;
        Some(NameParts {
            last,
            first: self.first_name.clone().unwrap_or_default(),
            middle: self.middle_name.clone().unwrap_or_default(),
            suffix: self.suffix.clone().unwrap_or_default(),
        })
    }
}

#[derive(clap::Args, Debug, Default, Clone)]
pub struct SubscriberNameArgs {
    /// The subscriber's last name; instead of --subscriber.
    #[arg(long, conflicts_with = "subscriber")]
    pub subscriber_last: Option<String>,
    #[arg(long, requires = "subscriber_last")]
    pub subscriber_first: Option<String>,
    #[arg(long, requires = "subscriber_last")]
    pub subscriber_middle: Option<String>,
    #[arg(long, requires = "subscriber_last")]
    pub subscriber_suffix: Option<String>,
}

impl SubscriberNameArgs {
    pub fn parts(&self) -> Option<NameParts> {
        let last = self.subscriber_last.clone()?;
        Some(NameParts {
            last,
            first: self.subscriber_first.clone().unwrap_or_default(),
            middle: self.subscriber_middle.clone().unwrap_or_default(),
            suffix: self.subscriber_suffix.clone().unwrap_or_default(),
        })
    }
}
