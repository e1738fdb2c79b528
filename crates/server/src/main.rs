//! `opsclock`: incident and ticket tracker with SLA clocks for IT operations contracts.
//!
//! This binary is the only place with I/O: it reads configuration and calendar files and talks
//! to people. The arithmetic lives in the pure `sla-clock` crate.

mod calendars;
mod cli;
mod config;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    match cli::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("opsclock: {e:#}");
            ExitCode::FAILURE
        }
    }
}
