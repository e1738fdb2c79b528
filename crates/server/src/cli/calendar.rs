//! `opsclock calendar …`: maintaining the calendar files.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use sla_clock::calendar::notice::parse_notice;

use crate::calendar_notice::{apply_notice, diff};
use crate::calendars::CalendarSource;
use crate::config::Config;

/// The calendars a notice goes into when no --calendar is given.
const DEFAULT_CALENDARS: [&str; 2] = ["cn-5x8", "cn-7x24"];

#[derive(Debug, Subcommand)]
pub enum CalendarCommand {
    /// Adds a year's State Council holiday notice (国务院办公厅关于YYYY年部分节假日安排的通知) to
    /// calendar files.
    ///
    /// Reads the notice's text as published, shows what would change in each calendar file (its
    /// covers.to moves to the end of the year; a section with the year's holidays and make-up days,
    /// each citing the notice, is appended) and, with --yes, writes the files. Nothing is written
    /// unless every calendar takes the notice.
    #[command(
        after_help = "Example: opsclock calendar import-notice --year 2027 notice-2027.txt          # show the change\n         \
        opsclock calendar import-notice --year 2027 notice-2027.txt --yes    # write it"
    )]
    ImportNotice(ImportNoticeArgs),
}

#[derive(Debug, Args)]
pub struct ImportNoticeArgs {
    /// The year the notice arranges.
    #[arg(long, value_name = "YEAR")]
    year: i32,
    /// The notice's text (UTF-8), as published; - reads standard input.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// A calendar to add the year to; repeat for several [default: cn-5x8 and cn-7x24].
    #[arg(long = "calendar", value_name = "NAME")]
    calendars: Vec<String>,
    /// Directory of calendar files NAME.toml [default: [sla] calendar_dir of the config file, else
    /// config/calendars].
    #[arg(long, value_name = "DIR")]
    calendar_dir: Option<PathBuf>,
    /// Write the files; without it only the changes are shown.
    #[arg(long)]
    yes: bool,
}

pub fn run(cmd: CalendarCommand, config: &Config) -> anyhow::Result<()> {
    match cmd {
        CalendarCommand::ImportNotice(a) => import_notice(a, config),
    }
}

fn import_notice(a: ImportNoticeArgs, config: &Config) -> anyhow::Result<()> {
    let dir = match super::calendar_source(a.calendar_dir, config)? {
        CalendarSource::Dir(dir) => dir,
        CalendarSource::Builtin => bail!(
            "no calendar directory to change: give --calendar-dir DIR or [sla] calendar_dir in the config file \
             (config/calendars does not exist here, and the calendars built into the binary cannot be changed)"
        ),
    };
    let text = read_notice(&a.file)?;
    let notice = parse_notice(a.year, &text).with_context(|| format!("cannot read the notice {}", a.file.display()))?;

    let names: Vec<String> = if a.calendars.is_empty() {
        DEFAULT_CALENDARS.iter().map(|s| (*s).to_owned()).collect()
    } else {
        a.calendars
    };
    // Every file first: all take the notice, or nothing is written.
    let mut changes = Vec::new();
    for name in &names {
        let path = dir.join(format!("{name}.toml"));
        let old = std::fs::read_to_string(&path).with_context(|| format!("cannot read calendar {name:?}"))?;
        let new =
            apply_notice(&old, &notice).with_context(|| format!("cannot add {} to {}", a.year, path.display()))?;
        changes.push((path, old, new));
    }

    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    writeln!(
        out,
        "the notice for {} has {} holiday(s) and {} make-up day(s)",
        a.year,
        notice.holidays.len(),
        notice.makeup_days.len()
    )?;
    for (path, old, new) in &changes {
        write!(out, "{}", diff(&path.display().to_string(), old, new))?;
    }
    if !a.yes {
        writeln!(out, "nothing written: run again with --yes to write")?;
        return Ok(());
    }
    for (path, _, new) in &changes {
        write_atomically(path, new)?;
        writeln!(out, "wrote {}", path.display())?;
    }
    Ok(())
}

fn read_notice(file: &Path) -> anyhow::Result<String> {
    let mut bytes = Vec::new();
    if file == Path::new("-") {
        std::io::stdin()
            .read_to_end(&mut bytes)
            .context("cannot read the notice from standard input")?;
    } else {
        bytes = std::fs::read(file).with_context(|| format!("cannot read the notice {}", file.display()))?;
    }
    String::from_utf8(bytes).with_context(|| {
        format!(
            "the notice {} is not UTF-8 text (save it as UTF-8; GBK is not read)",
            file.display()
        )
    })
}

/// Writes `text` to `path` so that a reader sees the old file or the new one, never a part:
/// `NAME.toml.partial` is written and flushed to disk, then renamed over `path`.
fn write_atomically(path: &Path, text: &str) -> anyhow::Result<()> {
    let mut partial = path.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    let write = || -> std::io::Result<()> {
        let mut f = std::fs::File::create(&partial)?;
        f.write_all(text.as_bytes())?;
        if let Ok(meta) = std::fs::metadata(path) {
            f.set_permissions(meta.permissions())?;
        }
        f.sync_all()?;
        drop(f);
        std::fs::rename(&partial, path)?;
        // The rename itself is durable once the directory is.
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::File::open(dir)?.sync_all()?;
        }
        Ok(())
    };
    write().with_context(|| {
        let _ = std::fs::remove_file(&partial);
        format!("cannot write {}", path.display())
    })
}
