//! Whether what a setting names can be counted in the calendars (issue 25: one bad setting cannot
//! stop the service).
//!
//! A calendar answers only for the dates it covers: its published years, then its weekly schedule
//! alone for a few more (provisionally), and nothing past that (`sla_clock::CalendarError`). A
//! setting that parses can still ask for more: a policy's `repair = "3000d"`, an escalation step
//! `every 12000h after breach`, an exclusion until 2040, a roster line anchored before its
//! calendar's first year. Saved, such a setting would make every use of it fail; so each place a
//! setting is saved asks here first and refuses it with the field, and each place a stored one is
//! used isolates what still cannot be counted (a calendar's coverage ends as time passes).
//!
//! Each answer says what could not be counted, in which calendar, from when (in the calendar's
//! zone), and why:
//!
//! ```
//! use opsclock::app::countable;
//! let cn = sla_clock::builtin::calendar("cn-5x8").unwrap();
//! let now = "2026-11-25T10:00:00+08:00".parse().unwrap();
//! assert!(countable::duration(&cn, now, "7wd".parse().unwrap()).is_ok());
//! let why = countable::duration(&cn, now, "3000d".parse().unwrap()).unwrap_err();
//! assert!(why.starts_with("3000d cannot be counted in calendar \"cn-5x8\" from 2026-11-25 10:00: "), "{why}");
//! // The dates cn-5x8 answers for: its first published day to the end of its provisional years.
//! let from = "2026-12-01T00:00:00+08:00".parse().unwrap();
//! assert!(countable::span(&cn, from, "2027-01-01T00:00:00+08:00".parse().unwrap()).is_ok());
//! assert!(countable::span(&cn, from, "2040-01-01T00:00:00+08:00".parse().unwrap()).is_err());
//! ```

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, Utc};
use sla_clock::{Calendar, Severity, SlaDuration};
use ticket_domain::{ClockName, Kind, Policy};

/// An instant as the calendar's people read it: `2026-11-25 10:00`.
pub fn local(cal: &Calendar, t: DateTime<Utc>) -> String {
    cal.local(t).format("%Y-%m-%d %H:%M").to_string()
}

/// The deadline of `d` counted from `from` in `cal`, or why it cannot be counted.
pub fn duration(cal: &Calendar, from: DateTime<Utc>, d: SlaDuration) -> Result<DateTime<Utc>, String> {
    cal.deadline(from, d).map_err(|e| {
        format!(
            "{d} cannot be counted in calendar {:?} from {}: {e}",
            cal.name(),
            local(cal, from)
        )
    })
}

/// Whether `d` can be counted from `from` in every one of `calendars` (any system may count in
/// any of them), or why not in the first that cannot.
pub fn in_every(calendars: &BTreeMap<String, Calendar>, from: DateTime<Utc>, d: SlaDuration) -> Result<(), String> {
    calendars
        .values()
        .try_for_each(|cal| duration(cal, from, d).map(|_| ()))
}

/// The first target of `policy` that cannot be counted from `from` in every one of `calendars`:
/// its path below the targets (`fault.minor.repair`) and why. The same check for a policy saved
/// through the API and one imported from a catalogue file.
pub fn policy(
    policy: &Policy,
    calendars: &BTreeMap<String, Calendar>,
    from: DateTime<Utc>,
) -> Option<(String, String)> {
    for kind in Kind::ALL {
        for severity in Severity::ALL {
            let targets = policy.targets(*kind, severity);
            for clock in ClockName::ALL {
                let Some(d) = targets.get(*clock) else { continue };
                if let Err(why) = in_every(calendars, from, d) {
                    return Some((format!("{kind}.{}.{}", severity.key(), clock.key()), why));
                }
            }
        }
    }
    None
}

/// Every distinct target of `policies` (at `severity` only, when given), for checking what
/// depends on them (an escalation ladder's steps).
pub fn targets_of(policies: &[Policy], severity: Option<Severity>) -> Vec<SlaDuration> {
    let mut out: Vec<SlaDuration> = Vec::new();
    for p in policies {
        for kind in Kind::ALL {
            for sev in Severity::ALL.into_iter().filter(|s| severity.is_none_or(|x| x == *s)) {
                let t = p.targets(*kind, sev);
                for d in ClockName::ALL.iter().filter_map(|c| t.get(*c)) {
                    if !out.contains(&d) {
                        out.push(d);
                    }
                }
            }
        }
    }
    out
}

/// `amount` of working time counted on from `from` in `cal` (an escalation step's repeats after
/// a deadline), or why it cannot be.
pub fn working_time(cal: &Calendar, from: DateTime<Utc>, amount: TimeDelta) -> Result<DateTime<Utc>, String> {
    cal.add_working_time(from, amount).map_err(|e| {
        format!(
            "{} h of working time cannot be counted in calendar {:?} from {}: {e}",
            amount.num_minutes() as f64 / 60.0,
            cal.name(),
            local(cal, from)
        )
    })
}

/// Whether `cal` answers for every instant of `[from, to)`: from its first covered day to the
/// last day it counts at all (provisionally included), or why not.
pub fn span(cal: &Calendar, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<(), String> {
    let last = if to > from { to - TimeDelta::milliseconds(1) } else { to };
    for t in [from, last] {
        cal.day(cal.local(t).date_naive())
            .map_err(|e| format!("calendar {:?} cannot count at {}: {e}", cal.name(), local(cal, t)))?;
    }
    Ok(())
}
