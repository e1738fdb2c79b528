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

use sla_clock::Calendar;

use crate::kind::ClockName;

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
