//! Major-event windows (重保) drafted from a calendar's holidays: one window per public
//! holiday of a year, for an admin to review before storing (`opsclock window template`).

use chrono::{Datelike, TimeDelta};
use sla_clock::Calendar;

use super::windows::{DEFAULT_CALENDAR, WindowDoc};
use crate::app::AppError;

/// A code for a holiday's name: the pinyin of the seven official holidays, else `holiday-N`.
fn holiday_code(name: &str, n: usize) -> String {
    const KNOWN: [(&str, &str); 7] = [
        ("元旦", "yuandan"),
        ("春节", "chunjie"),
        ("清明", "qingming"),
        ("劳动", "laodong"),
        ("端午", "duanwu"),
        ("中秋", "zhongqiu"),
        ("国庆", "guoqing"),
    ];
    KNOWN
        .iter()
        .find(|(zh, _)| name.contains(zh))
        .map_or_else(|| format!("holiday-{n}"), |(_, code)| (*code).to_owned())
}

/// Proposed windows for `year`: one per official holiday of `calendar`, from local midnight of
/// its first day to local midnight after its last, covering every system, in the default
/// calendar, for a person to edit (add the Two Sessions, 护网, staffing) and store.
pub fn template(calendar: &Calendar, year: i32) -> Result<Vec<WindowDoc>, AppError> {
    if !calendar.covered_years().contains(&year) {
        return Err(AppError::invalid(
            "year",
            format!(
                "calendar {} covers {}–{}, not {year}",
                calendar.name(),
                calendar.covered_years().start(),
                calendar.covered_years().end()
            ),
        ));
    }
    let mut out: Vec<WindowDoc> = Vec::new();
    for (n, h) in calendar
        .spec()
        .holidays
        .iter()
        .filter(|h| h.from.year() == year)
        .enumerate()
    {
        let start = calendar.start_of_day(h.from);
        let end = calendar
            .start_of_day(h.to + TimeDelta::days(1))
            .or_else(|_| calendar.start_of_day(h.to).map(|t| t + TimeDelta::days(1)));
        let (Ok(starts), Ok(ends)) = (start, end) else { continue };
        let code = format!("{}-{year}", holiday_code(&h.name, n + 1));
        // A holiday split in the calendar file (two entries of one name) becomes one window.
        if let Some(last) = out.last_mut().filter(|w| w.code == code && w.ends >= starts) {
            last.ends = ends;
            continue;
        }
        out.push(WindowDoc {
            code,
            name: format!("{year} {}重保", h.name),
            starts,
            ends,
            units: Vec::new(),
            systems: Vec::new(),
            calendar: DEFAULT_CALENDAR.to_owned(),
            clock_start: None,
            targets: None,
            ladder: None,
            staffing: Vec::new(),
            note: Some(format!("{} {}–{} ({})", h.name, h.from, h.to, calendar.name())),
        });
    }
    Ok(out)
}
