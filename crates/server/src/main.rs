//! `opsclock`: incident and ticket tracker with SLA clocks for IT operations contracts.
//!
//! The binary is a thin door to [`opsclock::cli`].

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    two_malloc_arenas();
    match opsclock::cli::run(opsclock::cli::Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("opsclock: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the binary again with `MALLOC_ARENA_MAX=2` unless it is set: glibc's malloc gives each
/// thread that contends for it an arena of its own, up to eight per core, and keeps what each
/// arena freed. Under 64 clients opening tickets, the server's resident memory rose to about
/// 165 MiB that way; with two arenas it stayed near 140 MiB, as fast (docs/benchmarks.md,
/// "Opening tickets in batches"). The variable is read as the process starts, before `main`, so
/// it cannot be set from here for this process; `exec` keeps the process id, so a supervisor
/// (systemd, a test) sees the same process. Set `MALLOC_ARENA_MAX` yourself to choose otherwise.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn two_malloc_arenas() {
    use std::os::unix::process::CommandExt;
    if std::env::var_os("MALLOC_ARENA_MAX").is_some() {
        return;
    }
    let Ok(exe) = std::env::current_exe() else { return };
    let err = std::process::Command::new(exe)
        .args(std::env::args_os().skip(1))
        .env("MALLOC_ARENA_MAX", "2")
        .exec();
    // `exec` returns only if it failed: go on as started, with glibc's default arenas.
    eprintln!("opsclock: could not restart with MALLOC_ARENA_MAX=2 ({err}); going on without");
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn two_malloc_arenas() {}
