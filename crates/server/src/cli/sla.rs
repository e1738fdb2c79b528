//! `opsclock sla …`: the `sla-clock` library on the command line.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use chrono::{DateTime, FixedOffset, NaiveDate, TimeDelta};
use clap::{Args, Subcommand, ValueEnum};
use serde::Serialize;
use sla_clock::{Calendar, CoreFunction, DayKind, Facts, SlaDuration, UsersAffected, classify};

use crate::calendars::CalendarSource;
use crate::config::Config;

/// Where calendars are looked for when neither `--calendar-dir` nor the config file says.
pub const DEFAULT_CALENDAR_DIR: &str = "config/calendars";

#[derive(Debug, Subcommand)]
pub enum SlaCommand {
    /// When a period runs out, by the PRC Civil Code rules for its unit.
    ///
    /// Prints {"deadline", "calendar", "rule"} as JSON. With --batch, reads JSON lines
    /// {"start": RFC3339, "duration": DUR} on stdin and writes one line per input, in order:
    /// {"deadline": RFC3339} or {"error": message}; the exit status is 1 if any line was an error.
    #[command(
        after_help = "Durations: 30m, 4h, 3d (natural days), 7wd (working days), or the contracts' \
        Chinese: 30 分钟, 4 小时, 2 个小时, 3 天, 7 个工作日, 立即.\n\n\
        Example: opsclock sla deadline --calendar cn-5x8 --start 2026-09-24T15:00:00+08:00 --duration 7wd"
    )]
    Deadline(DeadlineArgs),
    /// Working time between two instants in a calendar.
    Elapsed(ElapsedArgs),
    /// Lists the calendars: names, zones, covered years.
    Calendars(CalendarsArgs),
    /// What kind of day each date is: one JSON line per date.
    ///
    /// Prints {"date", "working", "kind", "name"} for every date from --from to --to: kind is
    /// regular (a working day by the week), rest (a day the week does not work), holiday or makeup
    /// (a make-up working day, 调休上班); name is the holiday's or make-up day's name. A date past
    /// the published years, answered from the weekly schedule alone, also has "provisional": true.
    /// A date the calendar cannot answer is an error naming the calendar and the year, and then
    /// nothing is printed.
    #[command(after_help = "Example: opsclock sla days --calendar cn-5x8 --from 2026-02-13 --to 2026-02-16")]
    Days(DaysArgs),
    /// Proposes a severity (紧急 / 严重 / 一般 / 轻微) from the facts of a fault.
    Classify(ClassifyArgs),
}

#[derive(Debug, Args)]
pub struct CalendarDir {
    /// Directory of calendar files NAME.toml [default: [sla] calendar_dir of the config file, else
    /// config/calendars, else the calendars built into the binary].
    #[arg(long, value_name = "DIR")]
    calendar_dir: Option<PathBuf>,
}

impl CalendarDir {
    fn source(&self, config: &Config) -> anyhow::Result<CalendarSource> {
        super::calendar_source(self.calendar_dir.clone(), config)
    }
}

#[derive(Debug, Args)]
pub struct DeadlineArgs {
    /// Calendar name (see `opsclock sla calendars`).
    #[arg(long, value_name = "NAME")]
    calendar: String,
    /// When the period starts (RFC 3339, e.g. 2026-09-24T15:00:00+08:00).
    #[arg(
        long,
        value_name = "RFC3339",
        required_unless_present = "batch",
        conflicts_with = "batch"
    )]
    start: Option<DateTime<FixedOffset>>,
    /// How long the period is (e.g. 4h, 7wd, "7 个工作日").
    #[arg(
        long,
        value_name = "DUR",
        required_unless_present = "batch",
        conflicts_with = "batch"
    )]
    duration: Option<SlaDuration>,
    /// Read JSON lines {"start", "duration"} on stdin; write one JSON line per input.
    #[arg(long)]
    batch: bool,
    #[command(flatten)]
    dir: CalendarDir,
}

#[derive(Debug, Args)]
pub struct ElapsedArgs {
    /// Calendar name (see `opsclock sla calendars`).
    #[arg(long, value_name = "NAME")]
    calendar: String,
    /// From (RFC 3339).
    #[arg(long, value_name = "RFC3339")]
    from: DateTime<FixedOffset>,
    /// To (RFC 3339); must not be before --from.
    #[arg(long, value_name = "RFC3339")]
    to: DateTime<FixedOffset>,
    #[command(flatten)]
    dir: CalendarDir,
}

#[derive(Debug, Args)]
pub struct DaysArgs {
    /// Calendar name (see `opsclock sla calendars`).
    #[arg(long, value_name = "NAME")]
    calendar: String,
    /// First date (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    from: NaiveDate,
    /// Last date (YYYY-MM-DD, included); must not be before --from.
    #[arg(long, value_name = "DATE")]
    to: NaiveDate,
    #[command(flatten)]
    dir: CalendarDir,
}

#[derive(Debug, Args)]
pub struct CalendarsArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    dir: CalendarDir,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Core {
    /// Completely unavailable.
    Down,
    /// Badly damaged, partly usable.
    Degraded,
    /// Working.
    Fine,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Users {
    /// Nobody.
    None,
    /// Some users.
    Some,
    /// Many users.
    Many,
}

#[derive(Debug, Args)]
pub struct ClassifyArgs {
    /// State of the core business function.
    #[arg(long, value_enum)]
    core: Core,
    /// Users can work around the fault.
    #[arg(long)]
    workaround: bool,
    /// How many users are affected.
    #[arg(long, value_enum, default_value = "none")]
    users: Users,
    /// It is a security incident (intrusion, leak, defacement, malware).
    #[arg(long)]
    security: bool,
    /// A major-event protection window (重保) is in force.
    #[arg(long)]
    major_event: bool,
}

pub fn run(cmd: SlaCommand, config: &Config) -> anyhow::Result<()> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match cmd {
        SlaCommand::Deadline(a) => {
            let cal = a.dir.source(config)?.get(&a.calendar)?;
            if a.batch {
                let stdin = std::io::stdin();
                let summary = super::batch::run(&cal, stdin.lock(), &mut out)?;
                out.flush()?;
                if summary.errors > 0 {
                    // Every line was answered; the status tells scripts that some answers are errors.
                    anyhow::bail!("{} of {} lines had errors", summary.errors, summary.lines);
                }
                return Ok(());
            }
            let (Some(start), Some(duration)) = (a.start, a.duration) else {
                anyhow::bail!("--start and --duration are required without --batch");
            };
            let d = cal
                .explain_deadline(start.to_utc(), duration)
                .with_context(|| format!("no deadline for {duration} from {start}"))?;
            #[derive(Serialize)]
            struct Out<'a> {
                deadline: String,
                calendar: &'a str,
                rule: String,
                provisional: bool,
            }
            let o = Out {
                deadline: cal.local(d.at).to_rfc3339(),
                calendar: cal.name(),
                rule: d.explained(&cal).to_string(),
                provisional: d.provisional,
            };
            writeln!(out, "{}", serde_json::to_string(&o)?)?;
        }
        SlaCommand::Elapsed(a) => {
            let cal = a.dir.source(config)?.get(&a.calendar)?;
            if a.to < a.from {
                anyhow::bail!("--to ({}) is before --from ({})", a.to, a.from);
            }
            let worked = cal.elapsed(a.from.to_utc(), a.to.to_utc())?;
            #[derive(Serialize)]
            struct Out<'a> {
                calendar: &'a str,
                from: String,
                to: String,
                elapsed: String,
                elapsed_seconds: i64,
            }
            let o = Out {
                calendar: cal.name(),
                from: cal.local(a.from.to_utc()).to_rfc3339(),
                to: cal.local(a.to.to_utc()).to_rfc3339(),
                elapsed: human(worked),
                elapsed_seconds: worked.num_seconds(),
            };
            writeln!(out, "{}", serde_json::to_string(&o)?)?;
        }
        SlaCommand::Days(a) => {
            let cal = a.dir.source(config)?.get(&a.calendar)?;
            if a.to < a.from {
                anyhow::bail!("--to ({}) is before --from ({})", a.to, a.from);
            }
            // Both ends answer, or nothing is printed.
            cal.day(a.from)?;
            cal.day(a.to)?;
            for date in a.from.iter_days().take_while(|d| *d <= a.to) {
                writeln!(out, "{}", serde_json::to_string(&DayRow::of(&cal, date)?)?)?;
            }
        }
        SlaCommand::Calendars(a) => {
            let source = a.dir.source(config)?;
            let cals = source.all()?;
            if a.json {
                let rows: Vec<_> = cals.values().map(CalendarRow::of).collect();
                writeln!(out, "{}", serde_json::to_string_pretty(&rows)?)?;
            } else {
                writeln!(out, "{:<12} {:<16} {:<11} DESCRIPTION", "NAME", "ZONE", "YEARS")?;
                for c in cals.values() {
                    let r = CalendarRow::of(c);
                    writeln!(out, "{:<12} {:<16} {:<11} {}", r.name, r.zone, r.years(), r.description)?;
                }
                writeln!(out, "({} from {source})", cals.len())?;
            }
        }
        SlaCommand::Classify(a) => {
            let facts = Facts {
                core_function: match a.core {
                    Core::Down => CoreFunction::Down,
                    Core::Degraded => CoreFunction::Degraded,
                    Core::Fine => CoreFunction::Fine,
                },
                workaround: a.workaround,
                users_affected: match a.users {
                    Users::None => UsersAffected::None,
                    Users::Some => UsersAffected::Some,
                    Users::Many => UsersAffected::Many,
                },
                security_incident: a.security,
                major_event_window: a.major_event,
            };
            let c = classify(&facts);
            #[derive(Serialize)]
            struct Out<'a> {
                severity: &'a str,
                label_zh: &'a str,
                reason_zh: &'a str,
                reason_en: &'a str,
            }
            let o = Out {
                severity: c.severity.key(),
                label_zh: c.severity.label_zh(),
                reason_zh: &c.reason_zh,
                reason_en: &c.reason_en,
            };
            writeln!(out, "{}", serde_json::to_string(&o)?)?;
        }
    }
    out.flush()?;
    Ok(())
}

/// One line of `opsclock sla days`.
#[derive(Serialize)]
struct DayRow<'a> {
    date: NaiveDate,
    working: bool,
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    provisional: bool,
}

impl<'a> DayRow<'a> {
    fn of(cal: &'a Calendar, date: NaiveDate) -> anyhow::Result<DayRow<'a>> {
        let (kind, name) = match cal.day(date)? {
            DayKind::Regular { .. } => ("regular", None),
            DayKind::Rest => ("rest", None),
            DayKind::Holiday { name } => ("holiday", Some(name)),
            DayKind::MakeupDay { name, .. } => ("makeup", Some(name)),
        };
        Ok(DayRow {
            date,
            working: cal.is_working_day(date)?,
            kind,
            name,
            provisional: !cal.is_published(date),
        })
    }
}

#[derive(Serialize)]
struct CalendarRow<'a> {
    name: &'a str,
    zone: String,
    first_year: i32,
    last_year: i32,
    description: &'a str,
}

impl<'a> CalendarRow<'a> {
    fn of(c: &'a Calendar) -> Self {
        let years = c.covered_years();
        CalendarRow {
            name: c.name(),
            zone: c.zone().name().to_owned(),
            first_year: *years.start(),
            last_year: *years.end(),
            description: &c.spec().description,
        }
    }

    fn years(&self) -> String {
        if self.first_year == self.last_year {
            self.first_year.to_string()
        } else {
            format!("{}-{}", self.first_year, self.last_year)
        }
    }
}

/// `4h 30m`, `2h 0m 15s`, `0m`.
fn human(d: TimeDelta) -> String {
    let s = d.num_seconds();
    let (h, m, sec) = (s / 3600, s % 3600 / 60, s % 60);
    match (h, sec) {
        (0, 0) => format!("{m}m"),
        (_, 0) => format!("{h}h {m}m"),
        (0, _) => format!("{m}m {sec}s"),
        _ => format!("{h}h {m}m {sec}s"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn human_durations() {
        let t = chrono::TimeDelta::seconds;
        assert_eq!(super::human(t(0)), "0m");
        assert_eq!(super::human(t(4 * 3600 + 1800)), "4h 30m");
        assert_eq!(super::human(t(75)), "1m 15s");
        assert_eq!(super::human(t(7200 + 15)), "2h 0m 15s");
    }
}
