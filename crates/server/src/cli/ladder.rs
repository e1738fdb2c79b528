//! `opsclock ladder list | show | set | remove`: escalation ladders as files.

use std::path::PathBuf;

use anyhow::Context;
use chrono::Utc;
use clap::Subcommand;
use sla_clock::Ladder;

use super::DatabaseArg;
use crate::app::audit::{self, ClientAddr};
use crate::app::escalation::ladders::{self, Scope};
use crate::config::Config;

#[derive(Debug, Subcommand)]
pub enum LadderCommand {
    /// Lists the stored ladders (scopes without one use the next in line; see `ladder show`).
    List {
        #[command(flatten)]
        database: DatabaseArg,
    },
    /// Prints a scope's stored ladder as TOML, or the built-in default for `default`.
    Show {
        /// `default`, a policy code, or `policy-code:severity` (e.g. `shunyi-a:urgent`).
        scope: String,
        #[command(flatten)]
        database: DatabaseArg,
    },
    /// Sets a scope's ladder from a TOML file of `[[steps]]` (see config/ladders/default.toml).
    Set {
        /// `default`, a policy code, or `policy-code:severity`.
        scope: String,
        /// The ladder file.
        file: PathBuf,
        #[command(flatten)]
        database: DatabaseArg,
    },
    /// Removes a scope's ladder, so that the next in line applies.
    Remove {
        /// `default`, a policy code, or `policy-code:severity`.
        scope: String,
        #[command(flatten)]
        database: DatabaseArg,
    },
}

fn scope(text: &str) -> anyhow::Result<Scope> {
    text.parse().map_err(anyhow::Error::msg)
}

pub async fn run(cmd: LadderCommand, config: &Config) -> anyhow::Result<()> {
    match cmd {
        LadderCommand::List { database } => {
            let db = crate::serve::open_database(&database.url(config)).await?;
            let stored = ladders::list(&db).await?;
            if stored.is_empty() {
                println!("no stored ladders: every ticket uses the built-in default (`opsclock ladder show default`)");
            }
            for (scope, ladder, updated) in stored {
                println!("{scope}  (set {})", updated.format("%Y-%m-%d %H:%M UTC"));
                for s in ladder.steps() {
                    let notify: Vec<String> = s.notify.iter().map(ToString::to_string).collect();
                    let channels: Vec<&str> = s.channels.iter().map(|c| c.key()).collect();
                    let by = if s.channels == sla_clock::Channel::default_set() {
                        String::new()
                    } else {
                        format!("  (by {})", channels.join(", "))
                    };
                    println!("  {:<12} {:<36} {}{by}", s.id, s.when.to_string(), notify.join(", "));
                }
            }
        }
        LadderCommand::Show { scope: text, database } => {
            let db = crate::serve::open_database(&database.url(config)).await?;
            let scope = scope(&text)?;
            let ladder = match ladders::get(&db, &scope).await? {
                Some(l) => l,
                None if scope == Scope::Default => {
                    eprintln!("# no stored default: this is the built-in one");
                    Ladder::default_ladder()
                }
                None => anyhow::bail!("no ladder is stored for {scope}; its tickets use the next in line"),
            };
            print!("{}", toml::to_string(&ladder)?);
        }
        LadderCommand::Set {
            scope: text,
            file,
            database,
        } => {
            let scope = scope(&text)?;
            let body = std::fs::read_to_string(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let ladder: Ladder =
                toml::from_str(&body).with_context(|| format!("{} is not a valid ladder", file.display()))?;
            let calendars = super::calendar_source(None, config)?.all()?;
            let db = crate::serve::open_database(&database.url(config)).await?;
            let txn = crate::db::begin_write(&db).await?;
            let now = Utc::now();
            let changed = ladders::set(&txn, &calendars, &scope, Some(&ladder), now).await?;
            if changed {
                let detail = serde_json::json!({ "ladder": ladder, "file": file.display().to_string() });
                audit::record(&txn, None, "ladder.set", &scope.to_string(), detail, &cli(), now).await?;
            }
            txn.commit().await?;
            println!("{scope}: {}", if changed { "ladder set" } else { "unchanged" });
        }
        LadderCommand::Remove { scope: text, database } => {
            let scope = scope(&text)?;
            let db = crate::serve::open_database(&database.url(config)).await?;
            let txn = crate::db::begin_write(&db).await?;
            let now = Utc::now();
            let changed = ladders::set(&txn, &Default::default(), &scope, None, now).await?;
            if changed {
                audit::record(
                    &txn,
                    None,
                    "ladder.remove",
                    &scope.to_string(),
                    serde_json::json!({}),
                    &cli(),
                    now,
                )
                .await?;
            }
            txn.commit().await?;
            println!("{scope}: {}", if changed { "ladder removed" } else { "had no ladder" });
        }
    }
    Ok(())
}

fn cli() -> ClientAddr {
    ClientAddr(Some("cli".into()))
}
