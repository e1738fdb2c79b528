//! `opsclock survey list`: the units' satisfaction surveys (满意度调查) as the operator reads them
//! (every survey; filling and replacing are a unit manager's, with their own account, through the
//! pages or the API). The rate against the contract's target is in `opsclock report breaches`.
//! See docs/satisfaction.md.

use clap::Subcommand;

use super::DatabaseArg;
use crate::app::Context;
use crate::app::surveys::{self, SurveyQuery, SurveyView};
use crate::config::Config;

#[derive(Debug, Subcommand)]
pub enum SurveyCommand {
    /// Lists surveys, newest period first: number, period, unit, contract, overall, aspects.
    List {
        /// Only this period as filled (`2026-11`, `2026-Q4`).
        #[arg(long)]
        period: Option<String>,
        /// Only this contract's (code).
        #[arg(long)]
        contract: Option<String>,
        /// Only this unit's (code).
        #[arg(long)]
        unit: Option<String>,
        #[command(flatten)]
        database: DatabaseArg,
    },
}

/// One line of the list: `MY-1  2026-11  UA  va-sat  5 (非常满意)  响应及时性 5, 服务态度 4  v1 mgr_a`.
fn line(s: &SurveyView) -> String {
    let aspects: Vec<String> = s
        .aspects
        .iter()
        .filter_map(|a| a.rating.map(|r| format!("{} {r}", a.aspect)))
        .collect();
    format!(
        "{}  {}  {}  {}  {} ({})  {}  v{} {}",
        s.number,
        s.period,
        s.unit,
        s.contract,
        s.overall,
        s.overall_label,
        if aspects.is_empty() {
            "—".to_owned()
        } else {
            aspects.join(", ")
        },
        s.version,
        s.filled_by.as_deref().unwrap_or("—"),
    )
}

pub async fn run(cmd: SurveyCommand, config: &Config) -> anyhow::Result<()> {
    let SurveyCommand::List {
        period,
        contract,
        unit,
        database,
    } = cmd;
    let calendars = super::calendar_source(None, config)?.all()?;
    let db = crate::serve::open_database(&database.url(config)).await?;
    let ctx = Context::new(db, crate::calendars::Calendars::fixed(calendars));
    let rows = surveys::list(&ctx, &super::reader(), SurveyQuery { contract, period, unit }).await?;
    for s in &rows {
        println!("{}", line(s));
    }
    println!("{} survey(s)", rows.len());
    Ok(())
}
