//! `settle authorization`: authorizations and referrals on file for a
//! patient and payer (add, list with what claims used), and the worklist of
//! claims whose service needs one that is missing, lapsed or used up.

use anyhow::Result;
use clap::Subcommand;
use settle_domain::Date;
use settle_store::claims::NewAuthorization;
use settle_store::platform::Organisation;
use settle_store::Store;

#[derive(Subcommand, Debug)]
pub enum AuthorizationCommand {
    /// Record an authorization or referral a payer gave a patient.
    Add {
        /// The patient's account.
        account: String,
        #[arg(long)]
        payer: String,
        /// The payer's number for it (sent as REF*G1, or REF*9F for a referral).
        #[arg(long)]
        number: String,
        /// prior_authorization (the default) or referral.
        #[arg(long, default_value = "prior_authorization")]
        kind: String,
        /// The services it covers: codes and ranges ("97110 97140", "70551-70553"); every service if absent.
        #[arg(long, default_value = "")]
        codes: String,
        /// How many visits or units it allows (units to the thousandth, such as 7.5); no limit if absent.
        #[arg(long)]
        allowed: Option<settle_domain::units::Units>,
        /// visits (each claim counts one) or units (each line's units).
        #[arg(long, default_value = "visits")]
        counts: String,
        #[arg(long)]
        from: Date,
        #[arg(long)]
        to: Date,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Authorizations on file (one account's, or all), with what claims used and what is left.
    List {
        #[arg(long)]
        account: Option<String>,
    },
    /// Claims whose service needs an authorization or referral that is missing, lapsed or used up.
    Worklist,
}

fn print(a: &settle_store::claims::AuthorizationView) {
    let allowance = match (a.allowed, a.remaining) {
        (Some(allowed), Some(left)) => format!("{} of {allowed} {} used, {left} left", a.used, a.counts),
        _ => format!("{} {} used, no limit", a.used, a.counts),
    };
    println!(
        "{:<8} {:<12} {:<20} {:<10} {:<10} {} to {}  {}  {}{}",
        a.state,
        a.account_number,
        a.number,
        a.payer_code,
        if a.kind == "referral" { "referral" } else { "prior auth" },
        a.valid_from,
        a.valid_to,
        if a.procedures.is_empty() { "every service" } else { &a.procedures },
        allowance,
        if a.claims.is_empty() {
            String::new()
        } else {
            format!("  ({})", a.claims.join(", "))
        }
    );
}

pub async fn run(store: &Store, org: &Organisation, command: AuthorizationCommand, today: Date) -> Result<()> {
    match command {
        AuthorizationCommand::Add {
            account,
            payer,
            number,
            kind,
            codes,
            allowed,
            counts,
            from,
            to,
            note,
        } => {
            let cmd = NewAuthorization {
                account_number: account,
                payer_code: payer,
                kind,
                number,
                procedures: codes,
                allowed,
                counts: Some(counts),
                valid_from: from,
                valid_to: to,
                note,
            };
            let added = store.add_authorization(org, &cmd, today).await?;
            print(&added);
        }
        AuthorizationCommand::List { account } => {
            let all = store.authorizations(org, account.as_deref(), today).await?;
            if all.is_empty() {
                println!("No authorizations or referrals on file.");
            }
            for a in &all {
                print(a);
            }
        }
        AuthorizationCommand::Worklist => {
            let gaps = store.authorization_worklist(org).await?;
            if gaps.is_empty() {
                println!("No claim waits on an authorization or referral.");
            }
            for g in &gaps {
                println!(
                    "{:<12} {:<10} {:<12} {:<10} {:<7} {}",
                    g.claim_number, g.status, g.account_number, g.payer_code, g.level, g.message
                );
            }
        }
    }
    Ok(())
}
