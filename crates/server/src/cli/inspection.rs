//! `opsclock inspection list`: the inspections (巡检) the catalogue's cadences owe, as the operator
//! reads them (every system's; recording is a vendor engineer's, with their own account, through
//! the pages or the API). The sweep of a running server creates them and marks the missed ones.
//! See docs/inspections.md.

use clap::Subcommand;

use super::DatabaseArg;
use crate::app::Context;
use crate::app::inspections::{self, InspectionQuery, InspectionView, every_zh, mode_zh, state_zh};
use crate::config::Config;

#[derive(Debug, Subcommand)]
pub enum InspectionCommand {
    /// Lists inspections, due first (soonest first), then missed and done (latest first):
    /// id, system, period, n/times, cadence, due, state, who recorded it.
    List {
        /// Only this system's (code).
        #[arg(long)]
        system: Option<String>,
        /// Only this state: due, done, missed.
        #[arg(long)]
        state: Option<String>,
        /// Only those due in this period (`2026-12`, `2026-Q4`, `2026`).
        #[arg(long)]
        period: Option<String>,
        /// At most this many [default 200, at most 1000].
        #[arg(long)]
        limit: Option<u64>,
        #[command(flatten)]
        database: DatabaseArg,
    },
}

/// One line: `12  sy-054 统一行政审批平台  2026-12  1/1  每月  due 2027-01-01 00:00  待巡检  —`.
fn line(i: &InspectionView) -> String {
    let zone = chrono_tz::Asia::Shanghai;
    format!(
        "{}  {} {}  {}  {}/{}  {}{}  due {}  {}  {}",
        i.id,
        i.system,
        i.system_name,
        i.period,
        i.seq,
        i.times,
        every_zh(&i.every),
        mode_zh(i.mode.as_deref().unwrap_or("any")),
        i.due_at.with_timezone(&zone).format("%Y-%m-%d %H:%M"),
        state_zh(&i.state),
        i.done_by.as_deref().unwrap_or("—"),
    )
}

pub async fn run(cmd: InspectionCommand, config: &Config) -> anyhow::Result<()> {
    let InspectionCommand::List {
        system,
        state,
        period,
        limit,
        database,
    } = cmd;
    let calendars = super::calendar_source(None, config)?.all()?;
    let db = crate::serve::open_database(&database.url(config)).await?;
    let mut ctx = Context::new(db, crate::calendars::Calendars::fixed(calendars));
    ctx.checklists = super::checklists(config)?;
    let q = InspectionQuery {
        system,
        state,
        period,
        limit,
    };
    let rows = inspections::list(&ctx, &super::reader(), q).await?;
    for i in &rows {
        println!("{}", line(i));
    }
    println!("{} inspection(s)", rows.len());
    Ok(())
}
