//! `opsclock user add | notify | passwd | disable | enable | token | revoke-token`.
//!
//! Each command calls the same use case as the API and the pages ([`crate::app::auth::accounts`],
//! [`crate::app::auth::tokens`]) and is audited like them, with the operator as the actor: no
//! user id, `cli` as the address and `"by": "cli:<login name of the operating system>"`.

use clap::Subcommand;

use super::DatabaseArg;
use crate::app::Context;
use crate::app::audit::{Actor, ClientAddr};
use crate::app::auth::{PartyKind, Role, accounts, tokens};
use crate::config::Config;

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Adds a user and prints a one-time password.
    Add {
        /// Login name.
        username: String,
        /// admin, manager, engineer or viewer.
        #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(["admin", "manager", "engineer", "viewer"]))]
        role: String,
        /// The buyer unit the user belongs to (its code).
        #[arg(long, value_name = "CODE", conflicts_with_all = ["vendor", "party"])]
        unit: Option<String>,
        /// The vendor the user belongs to (its code).
        #[arg(long, value_name = "CODE", conflicts_with = "party")]
        vendor: Option<String>,
        /// For the bureau's people (the buyer, over every unit) and the supervisor's (监理), who
        /// belong to no unit and no vendor.
        #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(["bureau", "supervisor"]))]
        party: Option<String>,
        /// Display name [default: the login name].
        #[arg(long)]
        name: Option<String>,
        /// Email address for notifications.
        #[arg(long)]
        email: Option<String>,
        /// Mobile number for SMS notices (13800138000, +86 138 0013 8000, +447700900123).
        #[arg(long)]
        phone: Option<String>,
        #[command(flatten)]
        database: DatabaseArg,
    },
    /// Sets the escalation roles a user holds (and optionally their address); prints them.
    ///
    /// `on_duty` and `vendor_manager` apply to the systems of the user's vendor, `unit_head` to
    /// those of the user's unit, `buyer_ops_lead` to the user's unit or, without one, to all.
    Notify {
        /// Login name.
        username: String,
        /// A role to hold (repeat for several); replaces the roles held before.
        #[arg(long = "role", value_name = "ROLE",
              value_parser = clap::builder::PossibleValuesParser::new(["on_duty", "vendor_manager", "unit_head", "buyer_ops_lead"]))]
        roles: Vec<String>,
        /// Hold no escalation role.
        #[arg(long, conflicts_with = "roles")]
        none: bool,
        /// Email address to send escalations to.
        #[arg(long)]
        email: Option<String>,
        /// Whether the user's emails carry the English copy below the Chinese (default: no).
        #[arg(long, value_name = "yes|no", value_parser = clap::builder::BoolishValueParser::new())]
        english: Option<bool>,
        /// Mobile number for SMS notices ("" removes it).
        #[arg(long)]
        phone: Option<String>,
        #[command(flatten)]
        database: DatabaseArg,
    },
    /// Sets a new one-time password for a user and prints it; ends every session of the user.
    Passwd {
        /// Login name.
        username: String,
        /// Also revoke every API token of the user.
        #[arg(long)]
        revoke_tokens: bool,
        #[command(flatten)]
        database: DatabaseArg,
    },
    /// Disables a user: ends every session at once; the account's API tokens are refused until it
    /// is enabled again. The last enabled admin cannot be disabled.
    Disable {
        /// Login name.
        username: String,
        #[command(flatten)]
        database: DatabaseArg,
    },
    /// Enables a disabled user again.
    Enable {
        /// Login name.
        username: String,
        #[command(flatten)]
        database: DatabaseArg,
    },
    /// Creates a personal API token for a user and prints it (shown once; stored hashed).
    Token {
        /// Login name.
        username: String,
        /// What the token is for.
        #[arg(long, default_value = "命令行")]
        name: String,
        /// The token stops being valid this many days from now [default: it does not expire].
        #[arg(long, value_name = "DAYS", value_parser = clap::value_parser!(u32).range(1..))]
        expires_in_days: Option<u32>,
        #[command(flatten)]
        database: DatabaseArg,
    },
    /// Revokes an API token by its id (as `/admin/users` lists them).
    RevokeToken {
        /// The token's id.
        id: i64,
        #[command(flatten)]
        database: DatabaseArg,
    },
}

pub async fn run(cmd: UserCommand, config: &Config) -> anyhow::Result<()> {
    let operator = operator();
    let by = Actor::Operator(&operator);
    let from = ClientAddr(Some("cli".into()));
    match cmd {
        UserCommand::Add {
            username,
            role,
            unit,
            vendor,
            party,
            name,
            email,
            phone,
            database,
        } => {
            let ctx = context(&database, config).await?;
            let role: Role = role.parse().map_err(anyhow::Error::msg)?;
            let party: Option<PartyKind> = party.map(|p| p.parse()).transpose().map_err(anyhow::Error::msg)?;
            let new = accounts::NewUser {
                username: username.clone(),
                role,
                unit,
                vendor,
                party,
                display_name: name,
                email,
                phone,
            };
            let password = accounts::add(&ctx, by, &from, new).await?;
            let of = party.map_or(String::new(), |p| format!(", {p}"));
            println!("added {username} ({role}{of}); one-time password: {password}");
        }
        UserCommand::Notify {
            username,
            roles,
            none,
            email,
            english,
            phone,
            database,
        } => {
            let ctx = context(&database, config).await?;
            let roles = if none || !roles.is_empty() {
                let parsed: Result<Vec<sla_clock::Role>, _> = roles
                    .iter()
                    .map(|r| serde_json::from_value(serde_json::json!(r)))
                    .collect();
                Some(parsed?)
            } else {
                None
            };
            let user = accounts::set_notify(
                &ctx,
                by,
                &from,
                &username,
                accounts::Notify {
                    roles,
                    email,
                    english,
                    phone,
                },
            )
            .await?;
            let held: Vec<&str> = crate::app::escalation::recipients::held_roles(&user)
                .into_iter()
                .map(|r| r.key())
                .collect();
            println!(
                "{username} <{}> holds: {}",
                user.email.as_deref().unwrap_or("no address"),
                if held.is_empty() {
                    "no escalation role".to_owned()
                } else {
                    held.join(", ")
                }
            );
            if let Some(phone) = &user.phone {
                println!("{username} gets SMS at {phone}");
            }
            if user.email.is_none() && !held.is_empty() {
                eprintln!("warning: {username} has no email address (--email), so receives nothing");
            }
        }
        UserCommand::Passwd {
            username,
            revoke_tokens,
            database,
        } => {
            let ctx = context(&database, config).await?;
            let (password, ended) = accounts::reset_password(&ctx, by, &from, &username, revoke_tokens).await?;
            println!("new one-time password for {username}: {password}");
            eprintln!(
                "ended {} session(s) of {username}; revoked {} API token(s)",
                ended.sessions, ended.tokens
            );
        }
        UserCommand::Disable { username, database } => {
            let ctx = context(&database, config).await?;
            let ended = accounts::set_disabled(&ctx, by, &from, &username, true).await?;
            println!("disabled {username}; ended {} session(s)", ended.sessions);
        }
        UserCommand::Enable { username, database } => {
            let ctx = context(&database, config).await?;
            accounts::set_disabled(&ctx, by, &from, &username, false).await?;
            println!("enabled {username}");
        }
        UserCommand::Token {
            username,
            name,
            expires_in_days,
            database,
        } => {
            let ctx = context(&database, config).await?;
            let expires_at = expires_in_days.map(|d| ctx.now() + chrono::TimeDelta::days(i64::from(d)));
            let token = tokens::create(&ctx, by, &from, &username, &name, expires_at).await?;
            println!("{token}");
            match expires_at {
                Some(at) => eprintln!(
                    "API token for {username}, valid until {at} (shown once; send as Authorization: Bearer <token>)"
                ),
                None => eprintln!("API token for {username} (shown once; send as Authorization: Bearer <token>)"),
            }
        }
        UserCommand::RevokeToken { id, database } => {
            let ctx = context(&database, config).await?;
            tokens::revoke(&ctx, by, &from, id).await?;
            println!("revoked API token {id}");
        }
    }
    Ok(())
}

/// Who runs the command, as the audit log names them.
pub(super) fn operator() -> String {
    ["SUDO_USER", "USER", "LOGNAME"]
        .into_iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
        .unwrap_or_else(|| "unknown".to_owned())
}

/// The use cases' context over the database (these commands need no calendar).
async fn context(database: &DatabaseArg, config: &Config) -> anyhow::Result<Context> {
    let db = crate::serve::open_database(&database.url(config)).await?;
    Ok(Context::new(db, crate::calendars::Calendars::fixed(Default::default())))
}
