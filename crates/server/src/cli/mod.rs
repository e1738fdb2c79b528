//! Command-line interface: `opsclock <command>`.

mod batch;
mod sla;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// opsclock: incident and ticket tracker with exact SLA clocks for IT operations contracts.
#[derive(Debug, Parser)]
#[command(name = "opsclock", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// Configuration file [default: config/opsclock.toml if it exists].
    #[arg(long, global = true, env = "OPSCLOCK_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// SLA period arithmetic: deadlines, working time, calendars, severity.
    #[command(subcommand)]
    Sla(sla::SlaCommand),
}

/// Runs the command the arguments name.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    let config = crate::config::Config::load(cli.config.as_deref())?;
    match cli.command {
        Command::Sla(cmd) => sla::run(cmd, &config),
    }
}
