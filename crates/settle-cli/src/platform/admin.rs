//! `settle serve`, users, tokens, the audit trail and the permission matrix.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Subcommand;
use settle_domain::access::Role;
use settle_store::platform::access::{FirstPassword, PasswordChange};
use settle_store::platform::audit::person_of;
use settle_store::platform::trail_search::{TrailFilter, TrailOrder};
use settle_store::platform::Organisation;
use settle_store::Store;

#[derive(clap::Args, Debug, Clone)]
pub struct ServeArgs {
    /// Address to listen on (loopback by default).
    #[arg(long, default_value = "127.0.0.1:8080", env = "SETTLE_LISTEN")]
    pub listen: SocketAddr,
    /// Minutes of inactivity that end a login session (HIPAA automatic logoff).
    #[arg(long, default_value_t = 15)]
    pub idle_minutes: u64,
    /// PEM certificate chain for HTTPS (with --tls-key).
    #[arg(long, requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key for HTTPS (with --tls-cert).
    #[arg(long, requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Do not run the day's dunning by itself (run `settle dunning run` instead).
    #[arg(long)]
    pub no_daily_dunning: bool,
    /// A reverse proxy in front of Settle terminates TLS: mark every cookie Secure and send HSTS.
    #[arg(long, env = "SETTLE_BEHIND_TLS_PROXY")]
    pub behind_tls_proxy: bool,
    /// Send the email outbox through this SMTP server (smtp://127.0.0.1:2525).
    #[arg(long, env = "SETTLE_SMTP_URL")]
    pub smtp_url: Option<String>,
    /// The From address of collection emails.
    #[arg(long, env = "SETTLE_MAIL_FROM", default_value = "collections@localhost")]
    pub mail_from: String,
    /// Where consumers reach this server (https://pay.example.com): each collection email's
    /// opt-out link points there (12 CFR 1006.6(e)).
    #[arg(long, env = "SETTLE_PUBLIC_URL")]
    pub public_url: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Add a user; prints a generated password unless --password-env names one.
    Add {
        username: String,
        /// admin, billing_coordinator, billing_specialist, collections_specialist or auditor.
        #[arg(long)]
        role: String,
        #[arg(long)]
        name: Option<String>,
        /// The environment variable holding the password (never pass it on the command line).
        /// It is one-time: the user chooses their own at first login, unless --keep.
        #[arg(long)]
        password_env: Option<String>,
        /// The password from --password-env is the user's own (you are adding yourself): not one-time.
        #[arg(long, requires = "password_env")]
        keep: bool,
    },
    List,
    /// Disable a user: their sessions end and they cannot log in.
    Disable {
        username: String,
    },
    /// Enable a user again, clearing any lockout.
    Enable {
        username: String,
    },
    /// Give a user another role (the last active admin keeps theirs).
    Role {
        username: String,
        /// admin, billing_coordinator, billing_specialist, collections_specialist or auditor.
        role: String,
    },
    /// Set a user's password from an environment variable; their sessions end.
    Password {
        username: String,
        /// The environment variable holding the new password. It is one-time: the user
        /// chooses their own at next login, unless --keep.
        #[arg(long)]
        password_env: String,
        /// The new password is the user's own (your own login): not one-time.
        #[arg(long)]
        keep: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum TokenCommand {
    /// Create an API token with a role; the secret is printed once.
    Create {
        /// What uses it, such as "practice-management sync".
        name: String,
        #[arg(long)]
        role: String,
    },
    List,
    /// Revoke a token by its id: it stops working at once.
    Revoke {
        token_id: i64,
    },
}

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Recompute the trail's and the journal's hash chains; name every row or entry edited, inserted or
    /// deleted, a missing head or an emptied trail; exit 1 if any.
    Verify {
        /// Also check the books still extend an anchor (`settle audit anchor`) or an earlier
        /// `settle audit export` kept elsewhere: the defence against a rewrite of the whole chain.
        #[arg(long, value_name = "FILE")]
        against: Option<PathBuf>,
    },
    /// Print the heads of the trail and the journal as JSON, to keep where the database's owner cannot
    /// write (another machine, a ticket, a notary); `audit verify --against` checks it later.
    Anchor,
    /// Find rows of the trail by who, action, record and days: the newest first as a table,
    /// or every match oldest first as CSV.
    List {
        /// A username ("alice@clinic") or an actor as the trail writes it ("token:3", "cli:root").
        #[arg(long, default_value = "")]
        who: String,
        /// An action ("login.failed") or a kind of action ("login").
        #[arg(long, default_value = "")]
        action: String,
        /// Any part of the record ("A-1001", "invoice:").
        #[arg(long, default_value = "")]
        record: String,
        /// From this day (UTC), inclusive.
        #[arg(long)]
        from: Option<settle_domain::Date>,
        /// To this day (UTC), inclusive.
        #[arg(long)]
        to: Option<settle_domain::Date>,
        /// Rows shown (the table only).
        #[arg(long, default_value_t = 50)]
        limit: i64,
        /// Every matching row as CSV, oldest first.
        #[arg(long)]
        csv: bool,
    },
    /// Write the trail as JSON lines (one row each, with its hashes).
    Export {
        /// Write here instead of standard output.
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

pub async fn serve(store: Store, args: &ServeArgs) -> Result<()> {
    let config = settle_server::Config {
        listen: args.listen,
        idle_timeout: Duration::from_secs(args.idle_minutes.max(1) * 60),
        tls: args.tls_cert.clone().zip(args.tls_key.clone()),
        daily_dunning: !args.no_daily_dunning,
        behind_tls_proxy: args.behind_tls_proxy,
        mail: args.smtp_url.clone().map(|smtp_url| settle_server::daily::Mail {
            smtp_url,
            from: args.mail_from.clone(),
            public_url: args.public_url.clone(),
        }),
    };
    // The first admins' one-time passwords are the command's own output,
    // shown once on the terminal, never written to the log.
    for line in settle_server::bootstrap_admins(&store).await? {
        eprintln!("settle serve: {line}");
    }
    settle_server::logging::init();
    settle_server::serve(store, config).await
}

pub async fn user(store: &Store, org: &Organisation, command: UserCommand) -> Result<()> {
    match command {
        UserCommand::Add {
            username,
            role,
            name,
            password_env,
            keep,
        } => {
            let role = Role::parse(&role).context("--role")?;
            let password = match &password_env {
                Some(var) => Some(std::env::var(var).with_context(|| format!("--password-env: {var} is not set"))?),
                None => None,
            };
            let display = name.unwrap_or_else(|| username.clone());
            let first = match password.as_deref() {
                None => FirstPassword::Generated,
                Some(p) if keep => FirstPassword::Kept(p),
                Some(p) => FirstPassword::OneTime(p),
            };
            let (user, generated) = store.add_user(org, &username, &display, role, first).await?;
            println!("Added {} ({}) as {} in {}", user.username, user.display_name, user.role, org.slug);
            if let Some(password) = generated {
                println!("One-time password: {password}");
            }
            if user.must_change_password {
                println!("They choose their own password at first login.");
            }
        }
        UserCommand::List => {
            println!("{:<32} {:<24} {:<24} {:<9} last login", "username", "name", "role", "status");
            for u in store.users(org).await? {
                let status = if u.locked_until.is_some() && u.status == "active" {
                    "locked?"
                } else {
                    u.status.as_str()
                };
                println!(
                    "{:<32} {:<24} {:<24} {:<9} {}",
                    u.username,
                    u.display_name,
                    u.role.as_str(),
                    status,
                    u.last_login_at.as_deref().unwrap_or("never")
                );
            }
        }
        UserCommand::Role { username, role } => {
            let role = Role::parse(&role).context("role")?;
            let user = store.set_user_role(org, &username, role).await?;
            println!("{} is now {}.", user.username, user.role);
        }
        UserCommand::Disable { username } => {
            store.set_user_enabled(org, &username, false).await?;
            println!("Disabled {username}; their sessions have ended.");
        }
        UserCommand::Password { username, password_env, keep } => {
            let password = std::env::var(&password_env).with_context(|| format!("--password-env: {password_env} is not set"))?;
            let change = if keep {
                PasswordChange::Kept { new: &password }
            } else {
                PasswordChange::Reset { new: &password }
            };
            store.set_password(org, &username, change).await?;
            if keep {
                println!("Set the password of {username}; their sessions have ended.");
            } else {
                println!("Set a one-time password for {username}: their sessions have ended and they choose their own at next login.");
            }
        }
        UserCommand::Enable { username } => {
            store.set_user_enabled(org, &username, true).await?;
            println!("Enabled {username}.");
        }
    }
    Ok(())
}

pub async fn token(store: &Store, org: &Organisation, command: TokenCommand) -> Result<()> {
    match command {
        TokenCommand::Create { name, role } => {
            let role = Role::parse(&role).context("--role")?;
            let (token, secret) = store.create_token(org, &name, role).await?;
            println!("Token {} ({}) with role {} in {}", token.token_id, token.name, token.role, org.slug);
            println!("Secret (shown once; send as `Authorization: Bearer ...`):");
            println!("{secret}");
        }
        TokenCommand::List => {
            println!("{:>5} {:<32} {:<24} {:<28} revoked", "id", "name", "role", "created");
            for t in store.tokens(org).await? {
                println!(
                    "{:>5} {:<32} {:<24} {:<28} {}",
                    t.token_id,
                    t.name,
                    t.role.as_str(),
                    t.created_at,
                    t.revoked_at.as_deref().unwrap_or("-")
                );
            }
        }
        TokenCommand::Revoke { token_id } => {
            store.revoke_token(org, token_id).await?;
            println!("Revoked token {token_id}.");
        }
    }
    Ok(())
}

pub async fn audit(store: &Store, org: &Organisation, command: AuditCommand) -> Result<ExitCode> {
    match command {
        AuditCommand::Anchor => {
            let anchor = store.audit_anchor(org).await?;
            println!("{}", serde_json::to_string_pretty(&anchor)?);
            Ok(ExitCode::SUCCESS)
        }
        AuditCommand::Verify { against } => {
            let (checked, mut findings) = store.audit_verify(org).await?;
            println!("Checked {checked} audit rows and the journal's chain of {}.", org.slug);
            if let Some(path) = &against {
                let kept = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
                let against_findings = store.audit_verify_against(org, &kept).await?;
                if against_findings.is_empty() {
                    println!("The books extend what {} kept.", path.display());
                }
                findings.extend(against_findings);
            }
            if findings.is_empty() {
                println!("OK: the hash chains vouch for every audit row and every journal entry.");
                return Ok(ExitCode::SUCCESS);
            }
            for f in &findings {
                println!("TAMPERED row {}: {}", f.seq, f.problem);
            }
            println!("{} problem(s).", findings.len());
            Ok(ExitCode::FAILURE)
        }
        AuditCommand::List {
            who,
            action,
            record,
            from,
            to,
            limit,
            csv,
        } => {
            let filter = TrailFilter { who, action, record, from, to };
            if csv {
                let mut writer = ::csv::Writer::from_writer(std::io::stdout().lock());
                writer.write_record(["row", "at_utc", "actor", "address", "action", "record", "before", "after", "hash"])?;
                let mut after = 0;
                loop {
                    let page = store.audit_search(org, &filter, TrailOrder::OldestAfter(after), 5_000).await?;
                    let Some(last) = page.last() else { break };
                    after = last.seq;
                    for r in &page {
                        writer.write_record([
                            r.seq.to_string().as_str(),
                            &r.at,
                            &r.actor,
                            &r.address,
                            &r.action,
                            &r.record,
                            r.before.as_deref().unwrap_or(""),
                            r.after.as_deref().unwrap_or(""),
                            &r.hash,
                        ])?;
                    }
                }
                writer.flush()?;
                return Ok(ExitCode::SUCCESS);
            }
            let total = store.audit_count(org, &filter).await?;
            let rows = store.audit_search(org, &filter, TrailOrder::NewestBefore(None), limit.clamp(1, 10_000)).await?;
            println!("{:>7}  {:<24}  {:<24}  {:<22}  record", "row", "at (UTC)", "who", "action");
            for r in &rows {
                println!("{:>7}  {:<24}  {:<24}  {:<22}  {}", r.seq, r.at, person_of(&r.actor), r.action, r.record);
            }
            println!("{} of {total} matching row(s), newest first.", rows.len());
            Ok(ExitCode::SUCCESS)
        }
        AuditCommand::Export { output } => {
            use std::io::Write;
            let mut out: Box<dyn Write> = match &output {
                Some(path) => Box::new(std::io::BufWriter::new(
                    std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
                )),
                None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
            };
            let mut after = 0;
            let mut count = 0u64;
            loop {
                let page = store.audit_page(org, after, 5_000).await?;
                let Some(last) = page.last() else { break };
                after = last.seq;
                for row in &page {
                    serde_json::to_writer(&mut out, row)?;
                    out.write_all(b"\n")?;
                    count += 1;
                }
            }
            out.flush()?;
            if let Some(path) = output {
                eprintln!("Wrote {count} audit rows to {}", path.display());
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
