//! `opsclock calendar …`: maintaining the calendar files.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use sla_clock::calendar::notice::parse_notice;

use crate::app::calendar_notice::{DEFAULT_CALENDARS, plan};
use crate::calendars::CalendarSource;
use crate::config::Config;

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
    let changes = plan(&dir, &names, &notice, a.year)?;

    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    writeln!(
        out,
        "the notice for {} has {} holiday(s) and {} make-up day(s)",
        a.year,
        notice.holidays.len(),
        notice.makeup_days.len()
    )?;
    for c in &changes {
        write!(out, "{}", c.diff())?;
    }
    if !a.yes {
        writeln!(out, "nothing written: run again with --yes to write")?;
        return Ok(());
    }
    crate::app::calendar_notice::write_all(&changes)?;
    for c in &changes {
        writeln!(out, "wrote {}", c.path.display())?;
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
