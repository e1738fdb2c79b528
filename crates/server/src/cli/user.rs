//! `opsclock user add | notify | passwd | token`.

use chrono::Utc;
use clap::Subcommand;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};

use super::DatabaseArg;
use crate::app::auth::{PartyKind, Role, secret};
use crate::config::Config;
use crate::db::entities::{api_tokens, units, users, vendors};

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
        #[command(flatten)]
        database: DatabaseArg,
    },
    /// Sets a new one-time password for a user and prints it.
    Passwd {
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
        #[arg(long, default_value = "cli")]
        name: String,
        #[command(flatten)]
        database: DatabaseArg,
    },
}

pub async fn run(cmd: UserCommand, config: &Config) -> anyhow::Result<()> {
    match cmd {
        UserCommand::Add {
            username,
            role,
            unit,
            vendor,
            party,
            name,
            email,
            database,
        } => {
            let db = crate::serve::open_database(&database.url(config)).await?;
            let role: Role = role.parse().map_err(anyhow::Error::msg)?;
            let unit_id = match unit {
                Some(code) => Some(
                    units::Entity::find()
                        .filter(units::Column::Code.eq(code.as_str()))
                        .one(&db)
                        .await?
                        .ok_or_else(|| anyhow::anyhow!("no unit with code {code:?}"))?
                        .id,
                ),
                None => None,
            };
            let vendor_id = match vendor {
                Some(code) => Some(
                    vendors::Entity::find()
                        .filter(vendors::Column::Code.eq(code.as_str()))
                        .one(&db)
                        .await?
                        .ok_or_else(|| anyhow::anyhow!("no vendor with code {code:?}"))?
                        .id,
                ),
                None => None,
            };
            let party: Option<PartyKind> = party.map(|p| p.parse()).transpose().map_err(anyhow::Error::msg)?;
            if role != Role::Admin && unit_id.is_none() && vendor_id.is_none() && party.is_none() {
                anyhow::bail!(
                    "a {role} must belong to a unit (--unit CODE), a vendor (--vendor CODE), the bureau (--party bureau) \
                     or the supervisor (--party supervisor)"
                );
            }
            let password = secret::one_time_password();
            users::ActiveModel {
                username: Set(username.clone()),
                display_name: Set(name.unwrap_or_else(|| username.clone())),
                email: Set(email),
                password_hash: Set(Some(secret::hash_password(&password)?)),
                role: Set(role.into()),
                unit_id: Set(unit_id),
                vendor_id: Set(vendor_id),
                party: Set(party.map(Into::into)),
                disabled: Set(false),
                must_change_password: Set(true),
                created_at: Set(Utc::now()),
                ..Default::default()
            }
            .insert(&db)
            .await
            .map_err(|e| match e.sql_err() {
                Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
                    anyhow::anyhow!("a user called {username:?} already exists")
                }
                _ => e.into(),
            })?;
            let of = party.map_or(String::new(), |p| format!(", {p}"));
            println!("added {username} ({role}{of}); one-time password: {password}");
        }
        UserCommand::Notify {
            username,
            roles,
            none,
            email,
            database,
        } => {
            let db = crate::serve::open_database(&database.url(config)).await?;
            let user = find(&db, &username).await?;
            let mut am = user.clone().into_active_model();
            if none || !roles.is_empty() {
                am.notify_roles = Set(Some(serde_json::json!(roles)));
            }
            if let Some(e) = email {
                e.parse::<lettre::Address>()
                    .map_err(|err| anyhow::anyhow!("{e:?} is not an email address: {err}"))?;
                am.email = Set(Some(e));
            }
            let txn = crate::db::begin_write(&db).await?;
            let user = am.update(&txn).await?;
            let detail = serde_json::json!({ "notify_roles": user.notify_roles, "email": user.email });
            let from = crate::app::audit::ClientAddr(Some("cli".into()));
            crate::app::audit::record(&txn, None, "user.notify", &username, detail, &from, Utc::now()).await?;
            txn.commit().await?;
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
            if user.email.is_none() && !held.is_empty() {
                eprintln!("warning: {username} has no email address (--email), so receives nothing");
            }
        }
        UserCommand::Passwd { username, database } => {
            let db = crate::serve::open_database(&database.url(config)).await?;
            let user = find(&db, &username).await?;
            let password = secret::one_time_password();
            let mut am = user.into_active_model();
            am.password_hash = Set(Some(secret::hash_password(&password)?));
            am.must_change_password = Set(true);
            // A new password also lifts a lockout after failed sign-ins.
            am.failed_sign_ins = Set(0);
            am.locked_until = Set(None);
            am.update(&db).await?;
            println!("new one-time password for {username}: {password}");
        }
        UserCommand::Token {
            username,
            name,
            database,
        } => {
            let db = crate::serve::open_database(&database.url(config)).await?;
            let user = find(&db, &username).await?;
            let token = secret::new_secret("ocp_");
            api_tokens::ActiveModel {
                user_id: Set(user.id),
                name: Set(name),
                token_hash: Set(secret::secret_hash(&token)),
                created_at: Set(Utc::now()),
                last_used_at: Set(None),
                ..Default::default()
            }
            .insert(&db)
            .await?;
            println!("{token}");
            eprintln!("API token for {username} (shown once; send as Authorization: Bearer <token>)");
        }
    }
    Ok(())
}

async fn find(db: &sea_orm::DatabaseConnection, username: &str) -> anyhow::Result<users::Model> {
    users::Entity::find()
        .filter(users::Column::Username.eq(username))
        .one(db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no user called {username:?}"))
}
