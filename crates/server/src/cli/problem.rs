//! `opsclock problem list`: the problem records (问题单) as the operator reads them (every
//! system's; writing the analysis and closing are the parties', with their own accounts, through
//! the pages or the API). See docs/problems.md.

use clap::Subcommand;

use super::DatabaseArg;
use crate::app::Context;
use crate::app::problems::{self, ProblemQuery, ProblemView};
use crate::config::Config;

#[derive(Debug, Subcommand)]
pub enum ProblemCommand {
    /// Lists problem records, open first, newest first: number, state, system, class, tickets.
    List {
        /// Only `open` or `closed` ones.
        #[arg(long)]
        state: Option<String>,
        /// Only this system's (code).
        #[arg(long)]
        system: Option<String>,
        #[command(flatten)]
        database: DatabaseArg,
    },
}

/// One line of the list: `PRB-2026-000001  open  sy-004  潜伏故障  3 tickets: INC-…, …  analysis ✓ plan —`.
fn line(p: &ProblemView) -> String {
    let tickets: Vec<&str> = p.tickets.iter().map(|t| t.number.as_str()).collect();
    let mark = |s: &Option<String>| if s.is_some() { "✓" } else { "—" };
    format!(
        "{}  {}  {}  {}  {} ticket(s): {}  analysis {} plan {}",
        p.number,
        p.state,
        p.system,
        p.category_name,
        tickets.len(),
        tickets.join(", "),
        mark(&p.analysis),
        mark(&p.plan),
    )
}

pub async fn run(cmd: ProblemCommand, config: &Config) -> anyhow::Result<()> {
    let ProblemCommand::List {
        state,
        system,
        database,
    } = cmd;
    let calendars = super::calendar_source(None, config)?.all()?;
    let db = crate::serve::open_database(&database.url(config)).await?;
    let ctx = Context::new(db, crate::calendars::Calendars::fixed(calendars));
    let rows = problems::list(&ctx, &super::reader(), ProblemQuery { state, system }).await?;
    for p in &rows {
        println!("{}", line(p));
    }
    println!("{} problem(s)", rows.len());
    Ok(())
}
