//! The calendar each clock of a ticket counts in.
//!
//! Most contracts count every clock of a system on one service calendar, and
//! [`Calendars::one`] (or `From<&Calendar>`) says so. Some rows word two services: "远程提供
//! 7x24 小时远程响应，5x8 小时远程故障解决支持" (seed 004 L8998–9006) counts the 1-hour
//! response on 7×24 and the repair on 5×8. [`Calendars::with`] puts one clock on another
//! calendar:
//!
//! ```
//! use sla_clock::builtin;
//! use ticket_domain::{Calendars, ClockName};
//!
//! let office = builtin::calendar("cn-5x8").unwrap();
//! let always = builtin::calendar("cn-7x24").unwrap();
//! let cals = Calendars::one(&office).with(ClockName::Response, &always);
//! assert_eq!(cals.get(ClockName::Response).name(), "cn-7x24");
//! assert_eq!(cals.get(ClockName::Repair).name(), "cn-5x8");
//! assert_eq!(cals.get(ClockName::Arrival).name(), "cn-5x8");
//! ```

use serde::{Deserialize, Serialize};
use sla_clock::Calendar;

use crate::event::Event;
use crate::evidence::Change;
use crate::kind::ClockName;
use crate::ticket::Ticket;

/// The calendar of each clock: response, arrival, repair.
#[derive(Debug, Clone, Copy)]
pub struct Calendars<'a> {
    response: &'a Calendar,
    arrival: &'a Calendar,
    repair: &'a Calendar,
}

impl<'a> Calendars<'a> {
    /// Every clock on `calendar`.
    pub fn one(calendar: &'a Calendar) -> Calendars<'a> {
        Calendars {
            response: calendar,
            arrival: calendar,
            repair: calendar,
        }
    }

    /// The same, with `clock` on `calendar`.
    pub fn with(mut self, clock: ClockName, calendar: &'a Calendar) -> Calendars<'a> {
        *self.slot(clock) = calendar;
        self
    }

    /// The calendar `clock` counts in.
    pub fn get(&self, clock: ClockName) -> &'a Calendar {
        match clock {
            ClockName::Response => self.response,
            ClockName::Arrival => self.arrival,
            ClockName::Repair => self.repair,
        }
    }

    fn slot(&mut self, clock: ClockName) -> &mut &'a Calendar {
        match clock {
            ClockName::Response => &mut self.response,
            ClockName::Arrival => &mut self.arrival,
            ClockName::Repair => &mut self.repair,
        }
    }
}

impl<'a> From<&'a Calendar> for Calendars<'a> {
    fn from(calendar: &'a Calendar) -> Calendars<'a> {
        Calendars::one(calendar)
    }
}

/// The calendar names of a ticket's clocks, recorded when it opens (and when it moves), so
/// that editing a system's calendar later does not measure its old tickets again.
///
/// A system on `cn-5x8` switched to `cn-7x24` on Monday keeps Friday's ticket on `cn-5x8`; a
/// ticket opened after the switch counts on `cn-7x24`. What is pinned is the *name*: a
/// calendar file that gains next year's holidays still measures every ticket on it again.
/// Events written before names were recorded carry none ([`Ticket::calendar_names`] is then
/// `None`), and their tickets count in their system's calendars as they did.
///
/// ```
/// use ticket_domain::{CalendarNames, ClockName};
/// let names = CalendarNames::from(["cn-7x24".to_owned(), "cn-5x8".to_owned(), "cn-5x8".to_owned()]);
/// assert_eq!(names.get(ClockName::Response), "cn-7x24");
/// assert_eq!(names.get(ClockName::Repair), "cn-5x8");
/// assert_eq!(
///     serde_json::to_string(&names).unwrap(),
///     r#"{"response":"cn-7x24","arrival":"cn-5x8","repair":"cn-5x8"}"#
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarNames {
    /// The response clock's calendar.
    pub response: String,
    /// The arrival clock's.
    pub arrival: String,
    /// The repair clock's.
    pub repair: String,
}

impl CalendarNames {
    /// The calendar `clock` counts in.
    pub fn get(&self, clock: ClockName) -> &str {
        match clock {
            ClockName::Response => &self.response,
            ClockName::Arrival => &self.arrival,
            ClockName::Repair => &self.repair,
        }
    }

    /// Response, arrival, repair.
    pub fn to_array(&self) -> [String; 3] {
        [self.response.clone(), self.arrival.clone(), self.repair.clone()]
    }
}

impl From<[String; 3]> for CalendarNames {
    fn from([response, arrival, repair]: [String; 3]) -> CalendarNames {
        CalendarNames {
            response,
            arrival,
            repair,
        }
    }
}

impl Ticket {
    /// The calendar names the ticket's clocks count in, as recorded by its last move or, if it
    /// never moved, its opening; `None` for a ticket whose events predate the recording (its
    /// system's calendars hold, as they always did for it).
    ///
    /// A move recorded without names (an old stream) also says `None`: the ticket counts in the
    /// calendars of the system it moved to, never in those of the one it left.
    pub fn calendar_names(&self) -> Option<&CalendarNames> {
        let events = self.events();
        for e in events.iter().rev() {
            match e {
                Event::SystemChanged { calendars, .. } => return calendars.as_ref(),
                Event::Decided { on, approved: true, .. } => {
                    if let Some(Event::Requested {
                        change: Change::System { calendars, .. },
                        ..
                    }) = events.get(*on)
                    {
                        return calendars.as_ref();
                    }
                }
                _ => {}
            }
        }
        self.opened_with().calendars.as_ref()
    }
}
