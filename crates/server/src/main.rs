//! `opsclock`: incident and ticket tracker with SLA clocks for IT operations contracts.
//!
//! The binary is a thin door to [`opsclock::cli`].

use std::process::ExitCode;

use clap::Parser;

/// mimalloc rather than glibc's malloc: under 64 clients opening tickets, glibc's allocator
/// (its arenas' locks and consolidation) took about a sixth of the server's CPU samples
/// (docs/benchmarks.md, "Opening tickets in batches").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    match opsclock::cli::run(opsclock::cli::Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("opsclock: {e:#}");
            ExitCode::FAILURE
        }
    }
}
