//! `opsclock report breaches` and `opsclock contract list | set`: the breach report as a file,
//! and the contracts whose deduction rules it applies.

use std::path::PathBuf;

use anyhow::Context;
use chrono::{DateTime, Utc};
use clap::Subcommand;
use contract_terms::{Contract, format_yuan};

use super::DatabaseArg;
use super::duty::{read_docs, set_all};
use crate::app::reports::export::{self, Format};
use crate::app::reports::{self, Filters, Period};
use crate::config::Config;

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// The breach report of a period: counts, compliance, MTTA/MTTR, breached clocks, vendors,
    /// availability, deductions.
    Breaches {
        /// The period: a month (2026-03), a quarter (2026-Q1), a year (2026) or two dates
        /// (2026-03-01..2026-03-15).
        #[arg(long)]
        period: String,
        /// json, csv, xlsx or html.
        #[arg(long, default_value = "xlsx")]
        format: String,
        /// Write here [default: breaches-<period>.<format> in the current directory; `-` for
        /// standard output].
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// For CSV: the section (summary, clocks, latency, breached, paused, vendors, availability,
        /// deductions, corrections, satisfaction, incidents, categories, inspections).
        #[arg(long, default_value = "breached")]
        section: String,
        /// Only this unit (code).
        #[arg(long)]
        unit: Option<String>,
        /// Only this vendor (code).
        #[arg(long)]
        vendor: Option<String>,
        /// Only this system (code).
        #[arg(long)]
        system: Option<String>,
        /// Only this kind (fault, request, security, alarm).
        #[arg(long)]
        kind: Option<String>,
        /// Only this severity (urgent, serious, general, minor).
        #[arg(long)]
        severity: Option<String>,
        /// Only this category (分类), by code; `--category ''` for the tickets not sorted yet.
        #[arg(long)]
        category: Option<String>,
        /// The zone days are counted in.
        #[arg(long, default_value = "Asia/Shanghai")]
        timezone: String,
        /// Report as of this instant [default: now].
        #[arg(long)]
        as_of: Option<DateTime<Utc>>,
        #[command(flatten)]
        database: DatabaseArg,
    },
}

#[derive(Debug, Subcommand)]
pub enum ContractCommand {
    /// Lists the contracts and their rules.
    List {
        #[command(flatten)]
        database: DatabaseArg,
    },
    /// Sets contracts from a TOML file of `[[contracts]]` (or one JSON contract); see
    /// docs/reports.md and config/contracts/.
    Set {
        /// The contract file.
        file: PathBuf,
        #[command(flatten)]
        database: DatabaseArg,
    },
}

pub async fn report(cmd: ReportCommand, config: &Config) -> anyhow::Result<()> {
    let ReportCommand::Breaches {
        period,
        format,
        output,
        section,
        unit,
        vendor,
        system,
        kind,
        severity,
        category,
        timezone,
        as_of,
        database,
    } = cmd;
    let format: Format = format.parse().map_err(anyhow::Error::msg)?;
    let zone: chrono_tz::Tz = timezone
        .parse()
        .map_err(|_| anyhow::anyhow!("--timezone {timezone:?} is not an IANA time zone"))?;
    let period = Period::parse(&period, zone).map_err(anyhow::Error::msg)?;
    let calendars = super::calendar_source(None, config)?.all()?;
    let db = crate::serve::open_database(&database.url(config)).await?;
    let filters = Filters {
        unit,
        vendor,
        system,
        kind,
        severity,
        category,
    };
    let now = Utc::now();
    let started = std::time::Instant::now();
    let r = reports::breaches(
        &db,
        &calendars,
        period,
        filters,
        None,
        as_of.map_or(now, |t| t.min(now)),
        true,
    )
    .await?;
    let took = started.elapsed();
    let bytes = match format {
        Format::Json => serde_json::to_vec_pretty(&r)?,
        Format::Csv => export::csv::write(&r, &section).map_err(anyhow::Error::msg)?,
        Format::Xlsx => export::xlsx::write(&r).context("cannot write the workbook")?,
        Format::Html => export::html::write(&r).into_bytes(),
    };
    let path = output.unwrap_or_else(|| PathBuf::from(export::file_name(&r, format)));
    if path.as_os_str() == "-" {
        use std::io::Write;
        std::io::stdout().write_all(&bytes)?;
    } else {
        std::fs::write(&path, &bytes).with_context(|| format!("cannot write {}", path.display()))?;
        eprintln!(
            "{}: {} tickets, {} breached clocks, {} contract(s); computed in {} ms",
            path.display(),
            r.tickets.received,
            r.breached.len(),
            r.deductions.len(),
            took.as_millis()
        );
    }
    Ok(())
}

pub async fn contract(cmd: ContractCommand, config: &Config) -> anyhow::Result<()> {
    match cmd {
        ContractCommand::List { database } => {
            let db = crate::serve::open_database(&database.url(config)).await?;
            for s in reports::deductions::list(&db).await? {
                let c = s.contract;
                println!(
                    "{}  {}  vendor {}  price {}  {} months  {} rule(s)  {} system(s)",
                    c.code,
                    c.name,
                    c.vendor,
                    format_yuan(c.price_fen),
                    c.months,
                    c.rules.len(),
                    s.system_ids.len()
                );
                if !c.members.is_empty() {
                    println!("  consortium members: {}", c.members.join(", "));
                }
                for r in &c.rules {
                    println!("  {}  {}  [{}]", r.id, r.label, r.counts().label());
                }
            }
        }
        ContractCommand::Set { file, database } => {
            let docs: Vec<Contract> = read_docs(&file, "contracts")?;
            let db = crate::serve::open_database(&database.url(config)).await?;
            set_all(
                &db,
                &docs,
                "contract",
                |c| &c.code,
                async |txn, c| reports::deductions::set(txn, c.clone(), Utc::now()).await,
            )
            .await?;
        }
    }
    Ok(())
}
