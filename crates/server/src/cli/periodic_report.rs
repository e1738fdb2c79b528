//! `opsclock periodic-report list`: the periodic reports (定期报告) owed by the contracts, as the
//! operator reads them (every contract's; writing, submitting and acknowledging are the parties',
//! with their own accounts, through the pages or the API). See docs/periodic-reports.md.

use clap::Subcommand;

use super::DatabaseArg;
use crate::app::Context;
use crate::app::periodic_reports::{self, PeriodicReportQuery, PeriodicReportView};
use crate::config::Config;

#[derive(Debug, Subcommand)]
pub enum PeriodicReportCommand {
    /// Lists the reports, newest period first: number, contract, name, period, due, state.
    List {
        /// Only this contract's (code).
        #[arg(long)]
        contract: Option<String>,
        /// Only `open`, `submitted` or `acknowledged` ones.
        #[arg(long)]
        state: Option<String>,
        /// Only the late ones (not submitted by their due instant, or submitted after it).
        #[arg(long)]
        late: bool,
        #[command(flatten)]
        database: DatabaseArg,
    },
}

/// One line: `RPT-3  jingban-2026  运维月报  2026-11  due 2026-12-01 24:00 (provisional)  open  LATE`.
fn line(r: &PeriodicReportView) -> String {
    let due = r.due_at.map_or_else(
        || "no due date yet".to_owned(),
        |t| {
            format!(
                "due {}{}",
                crate::app::periodic_reports::content::local(t),
                if r.due_provisional { " (provisional)" } else { "" }
            )
        },
    );
    format!(
        "{}  {}  {}  {}  {}  {}{}",
        r.number,
        r.contract,
        r.name,
        r.period,
        due,
        r.state,
        if r.late { "  LATE" } else { "" }
    )
}

pub async fn run(cmd: PeriodicReportCommand, config: &Config) -> anyhow::Result<()> {
    let PeriodicReportCommand::List {
        contract,
        state,
        late,
        database,
    } = cmd;
    let calendars = super::calendar_source(None, config)?.all()?;
    let db = crate::serve::open_database(&database.url(config)).await?;
    let ctx = Context::new(db, crate::calendars::Calendars::fixed(calendars));
    let q = PeriodicReportQuery {
        contract,
        state,
        late: late.then_some(true),
        limit: Some(1000),
    };
    let rows = periodic_reports::list(&ctx, &super::reader(), q).await?;
    for r in &rows {
        println!("{}", line(r));
    }
    println!("{} report(s)", rows.len());
    Ok(())
}
