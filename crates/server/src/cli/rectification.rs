//! `opsclock rectification list | show`: rectification orders (整改通知) as the operator reads
//! them (every order; issuing and answering are the pages' and the API's, done by a party's own
//! account). See docs/rectification.md.

use clap::Subcommand;

use super::DatabaseArg;
use crate::app::Context;
use crate::app::rectification::{self, OrderQuery, OrderView, id_of};
use crate::config::Config;

#[derive(Debug, Subcommand)]
pub enum RectificationCommand {
    /// Lists orders, newest first: number, state, deadline, overdue, system, title.
    List {
        /// Only this contract's (code).
        #[arg(long)]
        contract: Option<String>,
        /// Only orders still open (issued, or reported and awaiting the issuer's check).
        #[arg(long)]
        open: bool,
        #[command(flatten)]
        database: DatabaseArg,
    },
    /// Shows one order (`ZG-7` or `7`) with its clock and every act.
    Show {
        /// The order's number.
        number: String,
        #[command(flatten)]
        database: DatabaseArg,
    },
}

/// One line of the list.
fn line(o: &OrderView) -> String {
    let late = if o.overdue_minutes > 0 {
        format!("  overdue {} min", o.overdue_minutes)
    } else {
        String::new()
    };
    format!(
        "{}  {} ({})  deadline {}{late}  {}  {}",
        o.number,
        o.state,
        o.state_label,
        o.deadline.map_or_else(|| "—".to_owned(), |d| d.to_rfc3339()),
        o.system,
        o.title
    )
}

pub async fn run(cmd: RectificationCommand, config: &Config) -> anyhow::Result<()> {
    let calendars = super::calendar_source(None, config)?.all()?;
    let database = match &cmd {
        RectificationCommand::List { database, .. } | RectificationCommand::Show { database, .. } => database,
    };
    let db = crate::serve::open_database(&database.url(config)).await?;
    let ctx = Context::new(db, crate::calendars::Calendars::fixed(calendars));
    let p = super::reader();
    match cmd {
        RectificationCommand::List { contract, open, .. } => {
            let q = OrderQuery {
                contract,
                state: None,
                open,
            };
            let rows = rectification::list(&ctx, &p, q).await?;
            for o in &rows {
                println!("{}", line(o));
            }
            println!("{} order(s)", rows.len());
        }
        RectificationCommand::Show { number, .. } => {
            let o = rectification::get(&ctx, &p, id_of(&number)?).await?;
            println!("{}", line(&o));
            println!(
                "contract {}  vendor {}  within {} on {}",
                o.contract, o.vendor, o.within, o.calendar
            );
            println!(
                "issued by {} at {}",
                o.issued_by.as_deref().unwrap_or("—"),
                o.issued_at.to_rfc3339()
            );
            println!("request: {}", o.request);
            if let Some(f) = &o.finding {
                println!("finding: {f}");
            }
            for e in o.events.as_deref().unwrap_or_default() {
                println!(
                    "  {}  {}  {} ({})  {}{}",
                    e.at.to_rfc3339(),
                    e.by.as_deref().unwrap_or("—"),
                    e.kind,
                    e.kind_label,
                    e.text,
                    if e.evidence.is_empty() {
                        String::new()
                    } else {
                        format!("  [evidence: {}]", e.evidence)
                    }
                );
            }
        }
    }
    Ok(())
}
