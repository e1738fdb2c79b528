//! The calendar each clock of a ticket counts in.
//!
//! A system counts its clocks in its `calendar`, except those its `clock_calendars` names
//! (`{"response": "cn-7x24"}`: seed 004 sy-038 answers on 7×24 and repairs on 5×8, L8998–9006).
//! A ticket opened in a major-event window (重保) counts every clock in the window's calendar: the
//! window's words replace the row's. The names are recorded on the ticket when it opens (and when
//! it moves), so an edit of the system's calendars later measures only the tickets opened after it.
//!
//! Example: sy-038 has `calendar = "cn-5x8"` and `clock_calendars = { response = "cn-7x24" }`.
//! A fault on Saturday 2026-11-28 10:00 with a 1 h response and an 8 h repair: the response is
//! due at 11:00 that Saturday, the repair at 17:00 on Monday 11-30 (8 working hours on cn-5x8).

use std::collections::BTreeMap;

use serde_json::Value;
use sla_clock::Calendar;
use ticket_domain::{Calendars, ClockName, MajorEventRef, Ticket};

use crate::app::{AppError, AppResult};
use crate::db::entities::systems;

/// The calendar names of a system's clocks: `clock_calendars` over `calendar`.
pub fn system_names(system: &systems::Model) -> [String; 3] {
    let named = named(system.clock_calendars.as_ref());
    ORDER.map(|c| named.get(&c).cloned().unwrap_or_else(|| system.calendar.clone()))
}

/// The calendars `clock_calendars` names, clock → name; unknown clocks or non-text values are
/// ignored (the catalogue and the API refuse them when they are saved).
pub fn named(json: Option<&Value>) -> BTreeMap<ClockName, String> {
    let Some(Value::Object(map)) = json else {
        return BTreeMap::new();
    };
    map.iter()
        .filter_map(|(k, v)| Some((k.parse::<ClockName>().ok()?, v.as_str()?.to_owned())))
        .collect()
}

/// [`named`] keyed by the clocks' words (`response`, `arrival`, `repair`), as the catalogue
/// file and the API write it.
pub fn keyed(json: Option<&Value>) -> BTreeMap<String, String> {
    named(json).into_iter().map(|(c, n)| (c.key().to_owned(), n)).collect()
}

/// The calendar names of a ticket opened with `major_event` on `system`.
pub fn names(system: &systems::Model, major_event: Option<&MajorEventRef>) -> [String; 3] {
    match major_event {
        Some(m) if m.applied => ORDER.map(|_| m.calendar.clone()),
        // A window that could not be applied leaves the system's calendars.
        _ => system_names(system),
    }
}

/// The calendars of one ticket's clocks, from one snapshot of the loaded calendars.
#[derive(Clone)]
pub struct TicketCalendars<'a> {
    set: &'a BTreeMap<String, Calendar>,
    names: [String; 3],
}

impl<'a> TicketCalendars<'a> {
    /// The calendars named by `names` (response, arrival, repair), each of which must be loaded.
    pub fn new(set: &'a BTreeMap<String, Calendar>, names: [String; 3]) -> AppResult<TicketCalendars<'a>> {
        if let Some(missing) = names.iter().find(|n| !set.contains_key(n.as_str())) {
            return Err(AppError::Internal(anyhow::anyhow!(
                "calendar {missing:?} is not loaded; known: {}",
                set.keys().cloned().collect::<Vec<_>>().join(", ")
            )));
        }
        Ok(TicketCalendars { set, names })
    }

    /// Every clock in calendar `name`.
    pub fn all(set: &'a BTreeMap<String, Calendar>, name: &str) -> AppResult<TicketCalendars<'a>> {
        TicketCalendars::new(set, ORDER.map(|_| name.to_owned()))
    }

    /// The calendars of `ticket` on `system`: those recorded when it opened or last moved
    /// ([`Ticket::calendar_names`]), else, for a ticket whose events predate the recording,
    /// `system`'s now (and its window's, if it opened under one).
    ///
    /// Example: a ticket opened on a cn-5x8 system keeps counting on cn-5x8 after the system is
    /// switched to cn-7x24; a ticket opened afterwards counts on cn-7x24. The pin is the name,
    /// so cn-5x8 gaining next year's holidays still measures the old ticket again.
    ///
    /// A pinned calendar that is no longer loaded (its file renamed or removed) gives way, for
    /// that clock, to the system's calendar now, with a warning in the log: every write to the
    /// ticket would fail otherwise. Put the file back under its old name to keep the ticket on it.
    pub fn of(set: &'a BTreeMap<String, Calendar>, ticket: &Ticket, system: &systems::Model) -> AppResult<Self> {
        let current = names(system, ticket.opened_with().major_event.as_ref());
        let names = match ticket.calendar_names() {
            Some(pinned) => {
                let mut pinned = pinned.to_array();
                for (name, now) in pinned.iter_mut().zip(current) {
                    if !set.contains_key(name.as_str()) {
                        tracing::warn!(
                            ticket = %ticket.title(), pinned = %name, instead = %now,
                            "the calendar the ticket opened with is not loaded; counting in the system's"
                        );
                        *name = now;
                    }
                }
                pinned
            }
            None => current,
        };
        TicketCalendars::new(set, names)
    }

    /// The calendar `clock` counts in.
    pub fn get(&self, clock: ClockName) -> &'a Calendar {
        &self.set[self.name(clock)]
    }

    /// Its name.
    pub fn name(&self, clock: ClockName) -> &str {
        &self.names[index(clock)]
    }

    /// The ticket's main calendar, for what is not a clock (the year of its number): the
    /// response's.
    pub fn main(&self) -> &'a Calendar {
        self.get(ClockName::Response)
    }

    /// The domain's view of them.
    pub fn domain(&self) -> Calendars<'a> {
        ORDER
            .iter()
            .fold(Calendars::one(self.main()), |c, clock| c.with(*clock, self.get(*clock)))
    }
}

/// The clocks in the order of the names.
const ORDER: [ClockName; 3] = [ClockName::Response, ClockName::Arrival, ClockName::Repair];

fn index(clock: ClockName) -> usize {
    match clock {
        ClockName::Response => 0,
        ClockName::Arrival => 1,
        ClockName::Repair => 2,
    }
}
