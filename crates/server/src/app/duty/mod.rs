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
pub mod windows;

use std::collections::BTreeMap;

use sla_clock::Calendar;

use crate::app::AppError;

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
