//! `opsclock`: incident and ticket tracker with SLA clocks for IT operations contracts.
//!
//! The binary is a thin door to [`opsclock::cli`].

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    match opsclock::cli::run(opsclock::cli::Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("opsclock: {e:#}");
            ExitCode::FAILURE
        }
    }
}
