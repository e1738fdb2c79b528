//! `opsclock roster | window | duty`: duty rosters, major-event windows and scheduled duties as
//! files, and the questions asked of them. Exclusion windows are recorded and approved through
//! the API (`/api/v1/exclusions`), where a person is known to audit.

use std::path::{Path, PathBuf};

use anyhow::Context;
use chrono::{DateTime, TimeDelta, Utc};
use clap::Subcommand;
use serde::de::DeserializeOwned;

use super::DatabaseArg;
use crate::app::audit::{self, ClientAddr};
use crate::app::duty::{rosters, scheduled, windows};
use crate::config::Config;
use crate::db::entities::systems;

#[derive(Debug, Subcommand)]
pub enum RosterCommand {
    /// Lists the rosters with their lines.
    List {
        #[command(flatten)]
        database: DatabaseArg,
    },
    /// Sets a roster from a TOML or JSON file (see docs/duty.md).
    Set {
        /// The roster file.
        file: PathBuf,
        #[command(flatten)]
        database: DatabaseArg,
    },
    /// Who is on duty for a system at an instant.
    Who {
        /// The system's code.
        #[arg(long)]
        system: String,
        /// The instant, e.g. 2026-11-23T22:00:00+08:00 [default: now].
        #[arg(long)]
        at: Option<DateTime<Utc>>,
        #[command(flatten)]
        database: DatabaseArg,
    },
    /// Staffing shortfalls in a range (rosters' rules and major-event windows' rules).
    Gaps {
        /// From [default: now].
        #[arg(long)]
        from: Option<DateTime<Utc>>,
        /// Days to look ahead [default: 14].
        #[arg(long, default_value_t = 14)]
        days: i64,
        #[command(flatten)]
        database: DatabaseArg,
    },
    /// A person's shifts as an iCalendar file.
    Ics {
        /// The user name.
        #[arg(long)]
        user: String,
        /// From [default: now].
        #[arg(long)]
        from: Option<DateTime<Utc>>,
        /// Days [default: 90].
        #[arg(long, default_value_t = 90)]
        days: i64,
        /// Write here instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
        #[command(flatten)]
        database: DatabaseArg,
    },
}

#[derive(Debug, Subcommand)]
pub enum WindowCommand {
    /// Lists the major-event windows.
    List {
        #[command(flatten)]
        database: DatabaseArg,
    },
    /// Sets windows from a TOML file of `[[windows]]` (or one JSON window).
    Set {
        /// The file.
        file: PathBuf,
        #[command(flatten)]
        database: DatabaseArg,
    },
    /// Prints a year's windows proposed from the calendar's official holidays, as TOML to edit.
    Template {
        /// The year.
        #[arg(long)]
        year: i32,
        /// The calendar [default: cn-5x8].
        #[arg(long, default_value = "cn-5x8")]
        calendar: String,
    },
    /// Removes a window (tickets opened under it keep its targets).
    Remove {
        /// The window's code.
        code: String,
        #[command(flatten)]
        database: DatabaseArg,
    },
}

#[derive(Debug, Subcommand)]
pub enum DutyCommand {
    /// Lists the scheduled duties, their next occurrence and quota progress.
    List {
        #[command(flatten)]
        database: DatabaseArg,
    },
    /// Sets duties from a TOML file of `[[duties]]` (or one JSON duty).
    Set {
        /// The file.
        file: PathBuf,
        #[command(flatten)]
        database: DatabaseArg,
    },
    /// Opens the tickets of every occurrence due now (the server does this every sweep).
    Run {
        #[command(flatten)]
        database: DatabaseArg,
    },
}

fn cli() -> ClientAddr {
    ClientAddr(Some("cli".into()))
}

/// A TOML or JSON file: one document, or TOML with `[[key]]` tables of them.
pub(super) fn read_docs<T: DeserializeOwned>(file: &Path, key: &str) -> anyhow::Result<Vec<T>> {
    let body = std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    if file.extension().is_some_and(|e| e == "json") {
        return Ok(vec![
            serde_json::from_str(&body).with_context(|| format!("{} is not valid", file.display()))?,
        ]);
    }
    let value: toml::Value = toml::from_str(&body).with_context(|| format!("{} is not TOML", file.display()))?;
    let list = match value.get(key) {
        Some(many) => many.clone(),
        None => toml::Value::Array(vec![value]),
    };
    let json = serde_json::to_value(list)?;
    serde_json::from_value(json).with_context(|| format!("{} is not valid", file.display()))
}

/// Stores `docs` with `set` in one transaction, auditing each change as `<what>.set` and saying
/// for each whether it changed; the first refusal names its document and rolls all back.
pub(super) async fn set_all<T: serde::Serialize>(
    db: &sea_orm::DatabaseConnection,
    docs: &[T],
    what: &str,
    code: impl Fn(&T) -> &str,
    set: impl AsyncFn(&sea_orm::DatabaseTransaction, &T) -> crate::app::AppResult<bool>,
) -> anyhow::Result<()> {
    let txn = crate::db::begin_write(db).await?;
    for doc in docs {
        let code = code(doc);
        let changed = set(&txn, doc).await.map_err(|e| anyhow::anyhow!("{code}: {e}"))?;
        if changed {
            let action = format!("{what}.set");
            audit::record(&txn, None, &action, code, serde_json::json!(doc), &cli(), Utc::now()).await?;
        }
        println!(
            "{code}: {}",
            if changed {
                format!("{what} set")
            } else {
                "unchanged".to_owned()
            }
        );
    }
    txn.commit().await?;
    Ok(())
}

pub async fn roster(cmd: RosterCommand, config: &Config) -> anyhow::Result<()> {
    let calendars = super::calendar_source(None, config)?.all()?;
    match cmd {
        RosterCommand::List { database } => {
            let db = crate::serve::open_database(&database.url(config)).await?;
            for r in rosters::list(&db).await? {
                println!(
                    "{}  {}  (vendor {}, calendar {})",
                    r.doc.code, r.doc.name, r.doc.vendor, r.doc.calendar
                );
                for l in &r.doc.shifts {
                    println!(
                        "  {:<10} {}–{} {:<10} {:?} from {}: {}",
                        l.name,
                        l.start,
                        l.end,
                        l.days.to_string(),
                        l.rotate,
                        l.anchor,
                        l.members.join(", ")
                    );
                }
            }
        }
        RosterCommand::Set { file, database } => {
            let docs: Vec<rosters::RosterDoc> = read_docs(&file, "rosters")?;
            let db = crate::serve::open_database(&database.url(config)).await?;
            set_all(
                &db,
                &docs,
                "roster",
                |d| &d.code,
                async |txn, doc| rosters::set(txn, &calendars, doc, Utc::now()).await,
            )
            .await?;
        }
        RosterCommand::Who { system, at, database } => {
            use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
            let db = crate::serve::open_database(&database.url(config)).await?;
            let s = systems::Entity::find()
                .filter(systems::Column::Code.eq(&system))
                .one(&db)
                .await?
                .ok_or_else(|| anyhow::anyhow!("no system {system:?}"))?;
            let at = at.unwrap_or_else(Utc::now);
            match rosters::on_duty(&db, &calendars, &s, at).await? {
                None => println!("no roster covers {system}"),
                Some(p) if p.is_empty() => println!("nobody is on duty for {system} at {at} (a gap)"),
                Some(p) => {
                    for d in p {
                        println!(
                            "{}  ({} {}, {}) until {}",
                            d.username, d.roster, d.line, d.team, d.until
                        );
                    }
                }
            }
        }
        RosterCommand::Gaps { from, days, database } => {
            let db = crate::serve::open_database(&database.url(config)).await?;
            let from = from.unwrap_or_else(Utc::now);
            let gaps = rosters::gaps(&db, &calendars, from, from + TimeDelta::days(days)).await?;
            if gaps.is_empty() {
                println!("no staffing gaps in the next {days} days");
            }
            for g in gaps {
                println!(
                    "{} {}: {} {}/{} from {} to {}",
                    g.source, g.vendor, g.gap.team, g.gap.have, g.gap.need, g.gap.from, g.gap.to
                );
            }
        }
        RosterCommand::Ics {
            user,
            from,
            days,
            output,
            database,
        } => {
            let db = crate::serve::open_database(&database.url(config)).await?;
            let from = from.unwrap_or_else(Utc::now);
            let shifts = rosters::shifts_of(&db, &calendars, &user, from, from + TimeDelta::days(days)).await?;
            let text = crate::app::duty::ics::render(&user, &shifts, "opsclock", Utc::now());
            match output {
                Some(path) => {
                    std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
                    eprintln!("{} shifts written to {}", shifts.len(), path.display());
                }
                None => print!("{text}"),
            }
        }
    }
    Ok(())
}

pub async fn window(cmd: WindowCommand, config: &Config) -> anyhow::Result<()> {
    let calendars = super::calendar_source(None, config)?.all()?;
    match cmd {
        WindowCommand::List { database } => {
            let db = crate::serve::open_database(&database.url(config)).await?;
            for w in windows::list(&db).await? {
                let scope = if w.doc.units.is_empty() && w.doc.systems.is_empty() {
                    "every system".to_owned()
                } else {
                    [w.doc.units.join(","), w.doc.systems.join(",")].join(" ")
                };
                println!(
                    "{}  {}  {} – {}  ({scope}; {})",
                    w.doc.code, w.doc.name, w.doc.starts, w.doc.ends, w.doc.calendar
                );
            }
        }
        WindowCommand::Set { file, database } => {
            let docs: Vec<windows::WindowDoc> = read_docs(&file, "windows")?;
            let db = crate::serve::open_database(&database.url(config)).await?;
            set_all(
                &db,
                &docs,
                "window",
                |d| &d.code,
                async |txn, doc| windows::set(txn, &calendars, doc, Utc::now()).await,
            )
            .await?;
        }
        WindowCommand::Template { year, calendar } => {
            let cal = crate::app::duty::calendar(&calendars, "calendar", &calendar)?;
            let docs = windows::template(cal, year)?;
            println!(
                "# {year} major-event windows proposed from {calendar}'s holidays: edit, then `opsclock window set FILE`"
            );
            let value = serde_json::json!({ "windows": docs });
            print!("{}", toml::to_string(&value)?);
        }
        WindowCommand::Remove { code, database } => {
            let db = crate::serve::open_database(&database.url(config)).await?;
            let txn = crate::db::begin_write(&db).await?;
            let removed = windows::remove(&txn, &code).await?;
            if removed {
                audit::record(
                    &txn,
                    None,
                    "window.remove",
                    &code,
                    serde_json::json!({}),
                    &cli(),
                    Utc::now(),
                )
                .await?;
            }
            txn.commit().await?;
            println!("{code}: {}", if removed { "removed" } else { "no such window" });
        }
    }
    Ok(())
}

pub async fn duty(cmd: DutyCommand, config: &Config) -> anyhow::Result<()> {
    let calendars = super::calendar_source(None, config)?.all()?;
    match cmd {
        DutyCommand::List { database } => {
            let db = crate::serve::open_database(&database.url(config)).await?;
            for d in scheduled::list(&db, &calendars, Utc::now()).await? {
                let next = d.next_run_at.map_or("-".to_owned(), |t| t.to_string());
                let quota = d.quota.map_or(String::new(), |q| {
                    format!(
                        "  quota {}: {}/{}{}",
                        q.period,
                        q.done,
                        q.required,
                        if q.met { " ✓" } else { "" }
                    )
                });
                println!(
                    "{}  {}  next {next}  tickets {}{quota}",
                    d.duty.code, d.duty.name, d.tickets
                );
            }
        }
        DutyCommand::Set { file, database } => {
            let docs: Vec<scheduled::DutyDoc> = read_docs(&file, "duties")?;
            let db = crate::serve::open_database(&database.url(config)).await?;
            set_all(
                &db,
                &docs,
                "duty",
                |d| &d.code,
                async |txn, doc| scheduled::set(txn, &calendars, doc, Utc::now()).await,
            )
            .await?;
        }
        DutyCommand::Run { database } => {
            let db = crate::serve::open_database(&database.url(config)).await?;
            let opened = scheduled::run_due(&db, &calendars, Utc::now()).await?;
            println!(
                "{} ticket(s) opened{}",
                opened.len(),
                if opened.is_empty() {
                    String::new()
                } else {
                    format!(": {}", opened.join(", "))
                }
            );
        }
    }
    Ok(())
}
