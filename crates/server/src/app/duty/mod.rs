//! Time that is not a single ticket: who is on duty ([`rosters`]; across rosters [`shifts`],
//! exported as iCalendar by [`ics`]), major-event windows with stricter deadlines ([`windows`]),
//! approved downtime that counts against nothing ([`exclusions`]) and recurring work that opens
//! tickets ([`scheduled`]).
//! [`manage`] holds the use cases: who may change or ask what, in one audited transaction.

pub mod exclusions;
pub mod ics;
pub mod manage;
pub mod rosters;
pub mod scheduled;
pub mod shifts;
pub mod window_template;
pub mod windows;

use std::collections::BTreeMap;

use sla_clock::Calendar;
use ticket_domain::ClockName;

use crate::app::AppError;
use crate::db::entities::systems;

/// The calendar called `name` among the loaded ones, as a 422 on `field` if there is none.
pub fn calendar<'a>(
    calendars: &'a BTreeMap<String, Calendar>,
    field: &str,
    name: &str,
) -> Result<&'a Calendar, AppError> {
    calendars.get(name).ok_or_else(|| {
        AppError::invalid(
            field,
            format!(
                "no calendar {name:?}; there are: {}",
                calendars.keys().cloned().collect::<Vec<_>>().join(", ")
            ),
        )
    })
}

/// The calendar that `clock` of `system`'s tickets counts in: the one its `clock_calendars`
/// names for the clock, else its `calendar` ([`crate::app::tickets::calendars::system_names`]);
/// a 422 on `field` if it is not loaded.
///
/// Example: sy-038 (`calendar = "cn-5x8"`, `clock_calendars = { response = "cn-7x24" }`) counts
/// a duty's repair target in cn-5x8 and an acknowledgement in cn-7x24.
pub fn clock_calendar<'a>(
    calendars: &'a BTreeMap<String, Calendar>,
    field: &str,
    system: &systems::Model,
    clock: ClockName,
) -> Result<&'a Calendar, AppError> {
    let [response, arrival, repair] = crate::app::tickets::calendars::system_names(system);
    let name = match clock {
        ClockName::Response => response,
        ClockName::Arrival => arrival,
        ClockName::Repair => repair,
    };
    calendar(calendars, field, &name)
}

/// Every calendar `system`'s tickets count a clock in (its `calendar` and those its
/// `clock_calendars` names), each once, as a 422 on `field` if one is not loaded.
pub fn clock_calendars<'a>(
    calendars: &'a BTreeMap<String, Calendar>,
    field: &str,
    system: &systems::Model,
) -> Result<Vec<&'a Calendar>, AppError> {
    let mut names = vec![system.calendar.clone()];
    for name in crate::app::tickets::calendars::system_names(system) {
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names.iter().map(|n| calendar(calendars, field, n)).collect()
}
