//! Major-event protection windows (重保): a named stretch of time over some units or systems in
//! which stricter deadlines, a round-the-clock calendar, a ladder and minimum staffing hold.
//!
//! **Which tickets.** A ticket whose clocks start inside a window that covers its system is
//! opened under the window: its targets and calendar are the window's, and the opened event
//! records the window and why (`major_event` on the ticket). A window that starts while a ticket
//! is already open does not change that ticket: its deadlines were fixed when its clocks started
//! (the Civil Code counts a period from its start), and a deadline that moved under an engineer's
//! feet would be unfair both ways. Re-grading a ticket opened under a window stays under it.
//!
//! **Which targets.** Per clock, the window's target (its own `targets`, else the `major_event`
//! targets of the system's policy) or the policy's usual target, whichever gives the earlier
//! deadline counted in the window's calendar: a window never loosens a deadline. Kinds the policy
//! does not apply to (requests, unless it says so) are not affected.
//!
//! **Where the clocks start** ([`Loaded::clock_start`], [`in_force`]): by default at the report,
//! every clock of the ticket. A fault that began at 07:40, before a window opening at 08:00, and
//! was reported at 08:30 falls under the window and counts from 08:30 (an alarm from its firing).

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
    Set,
};
use serde::{Deserialize, Serialize};
use sla_clock::{Calendar, Ladder, SlaDuration};
use ticket_domain::{ClockName, ClockStart, Kind, MajorEventRef, Targets};
use utoipa::ToSchema;

use crate::app::AppError;
use crate::app::catalog::check::{IMMEDIATE, IMMEDIATE_TARGET, PolicyDocument};
use crate::app::catalog::file::MajorEventEntry;
use crate::db::entities::{major_events, policies, systems, units};

pub use super::window_template::template;

/// The calendar a window counts in unless it says otherwise.
pub const DEFAULT_CALENDAR: &str = "cn-7x24";

/// Where the clocks of a ticket opened under a window start unless the window (or the targets it
/// applies) says otherwise: at the report, "在接到故障通知或发现故障问题后" (seed 004 L27561).
pub const DEFAULT_CLOCK_START: ClockStart = ClockStart::Reported;

/// A window as written in a file or sent to the API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WindowDoc {
    /// Stable code, e.g. `guoqing-2026`.
    pub code: String,
    /// Display name, e.g. `2026 国庆节重保`.
    pub name: String,
    /// When it begins (with an offset, e.g. `2026-10-01T00:00:00+08:00`).
    pub starts: DateTime<Utc>,
    /// When it ends (exclusive).
    pub ends: DateTime<Utc>,
    /// Codes of the units whose systems it covers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub units: Vec<String>,
    /// Codes of further systems it covers. With neither units nor systems: every system.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub systems: Vec<String>,
    /// The calendar the clocks count in [default: cn-7x24].
    #[serde(default = "default_calendar")]
    pub calendar: String,
    /// Where the clocks start, `occurred` or `reported` [default: the `clock_start` of the
    /// targets applied, else `reported`, seed 004 L27561].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub clock_start: Option<ClockStart>,
    /// The window's own targets for every severity; without them each policy's `major_event`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub targets: Option<MajorEventEntry>,
    /// The escalation ladder of tickets opened in the window (`{"steps": [...]}`); without it the
    /// usual ladder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub ladder: Option<Ladder>,
    /// Minimum staffing during the window, per vendor (each vendor, or the one named).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub staffing: Vec<WindowStaffing>,
    /// Free text (the clause it comes from).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

fn default_calendar() -> String {
    DEFAULT_CALENDAR.to_owned()
}

/// At least `min` people of `team` on duty throughout the window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WindowStaffing {
    /// The team (`ops`, `security`).
    pub team: String,
    /// The fewest people.
    pub min: u32,
    /// A vendor's code; without it, every vendor with a roster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
}

/// A stored window.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The row.
    pub row: major_events::Model,
    /// The document.
    pub doc: WindowDoc,
}

impl Loaded {
    /// Whether the window covers `system` (of unit `unit_code`).
    pub fn covers(&self, system: &systems::Model, unit_code: &str) -> bool {
        (self.doc.units.is_empty() && self.doc.systems.is_empty())
            || self.doc.systems.contains(&system.code)
            || self.doc.units.iter().any(|u| u == unit_code)
    }

    /// Where the clocks of a ticket of `kind` start under the window, on a system with `policy`
    /// whose own clocks start at `usual`: the window's `clock_start`, else its targets', else the
    /// policy's `major_event`'s, else [`DEFAULT_CLOCK_START`]; `usual` for a kind the policy
    /// does not apply to (the window changes nothing for it).
    pub fn clock_start(&self, policy: &policies::Model, kind: Kind, usual: ClockStart) -> ClockStart {
        let document = document(policy);
        if !applies_to(document.as_ref()).contains(&kind) {
            return usual;
        }
        let entry = self
            .doc
            .targets
            .as_ref()
            .or_else(|| document.as_ref().and_then(|d| d.major_event.as_ref()));
        self.doc
            .clock_start
            .or_else(|| entry.and_then(|e| e.clock_start))
            .unwrap_or(DEFAULT_CLOCK_START)
    }

    fn spans(&self, at: DateTime<Utc>) -> bool {
        self.doc.starts <= at && at < self.doc.ends
    }
}

fn document(policy: &policies::Model) -> Option<PolicyDocument> {
    policy
        .document
        .as_ref()
        .and_then(|d| serde_json::from_value(d.clone()).ok())
}

fn applies_to(document: Option<&PolicyDocument>) -> Vec<Kind> {
    document
        .and_then(|d| d.applies_to.clone())
        .unwrap_or_else(|| vec![Kind::Fault, Kind::Alarm, Kind::Security])
}

/// The window a ticket of `kind` falls under on `system` (with `policy`, whose clocks start at
/// `usual`), and where its clocks start under it: a window covering the instant its own start
/// gives. The policy's start is tried first, then the report; so under a window counting from the
/// report, a fault that began before the window and was reported inside it falls under it, and
/// one that began inside it and was reported after it does not.
pub async fn in_force(
    db: &impl ConnectionTrait,
    system: &systems::Model,
    policy: &policies::Model,
    kind: Kind,
    (occurred_at, received_at): (DateTime<Utc>, DateTime<Utc>),
    usual: ClockStart,
) -> Result<Option<(Loaded, ClockStart)>, AppError> {
    let at_of = |s: ClockStart| {
        if s.at_occurrence(kind) {
            occurred_at
        } else {
            received_at
        }
    };
    let first = at_of(usual);
    for at in std::iter::once(first).chain((first != received_at).then_some(received_at)) {
        let Some(w) = covering(db, system, at).await? else {
            continue;
        };
        let start = w.clock_start(policy, kind, usual);
        if w.spans(at_of(start)) {
            return Ok(Some((w, start)));
        }
    }
    Ok(None)
}

fn parse(row: major_events::Model) -> Result<Loaded, AppError> {
    let doc = serde_json::from_value(row.document.clone())
        .map_err(|e| AppError::Internal(anyhow::anyhow!("window {} is unreadable: {e}", row.code)))?;
    Ok(Loaded { row, doc })
}

/// Every window, by start.
pub async fn list(db: &impl ConnectionTrait) -> Result<Vec<Loaded>, AppError> {
    major_events::Entity::find()
        .order_by_asc(major_events::Column::StartsAt)
        .order_by_asc(major_events::Column::Code)
        .all(db)
        .await?
        .into_iter()
        .map(parse)
        .collect()
}

/// The window with `code`.
pub async fn get(db: &impl ConnectionTrait, code: &str) -> Result<Loaded, AppError> {
    major_events::Entity::find()
        .filter(major_events::Column::Code.eq(code))
        .one(db)
        .await?
        .map(parse)
        .transpose()?
        .ok_or_else(|| AppError::NotFound(format!("no major-event window {code:?}")))
}

/// The window with id `id`, if it still exists.
pub async fn by_id(db: &impl ConnectionTrait, id: i64) -> Result<Option<Loaded>, AppError> {
    major_events::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(parse)
        .transpose()
}

/// The windows overlapping `[from, to)`.
pub async fn overlapping(
    db: &impl ConnectionTrait,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<Loaded>, AppError> {
    major_events::Entity::find()
        .filter(
            Condition::all()
                .add(major_events::Column::StartsAt.lt(to))
                .add(major_events::Column::EndsAt.gt(from)),
        )
        .order_by_asc(major_events::Column::StartsAt)
        .order_by_asc(major_events::Column::Code)
        .all(db)
        .await?
        .into_iter()
        .map(parse)
        .collect()
}

/// The windows live at `at`: inside a reading of the configuration cache ([`crate::app::cache`])
/// from every window's row kept at once, else read; only those live are parsed (an unreadable
/// window long over stops nothing).
async fn live_at(db: &impl ConnectionTrait, at: DateTime<Utc>) -> Result<Vec<Loaded>, AppError> {
    let to = at + TimeDelta::milliseconds(1);
    if !crate::app::cache::in_reading() {
        return overlapping(db, at, to).await;
    }
    let rows = crate::app::cache::cached("windows.rows", "", || async {
        let rows = major_events::Entity::find()
            .order_by_asc(major_events::Column::StartsAt)
            .order_by_asc(major_events::Column::Code)
            .all(db)
            .await?;
        Ok::<_, sea_orm::DbErr>(std::sync::Arc::new(rows))
    })
    .await?;
    rows.iter()
        .filter(|r| r.starts_at < to && r.ends_at > at)
        .cloned()
        .map(parse)
        .collect()
}

/// The window covering `system` at `at`: of several, the one that began first (then by code).
pub async fn covering(
    db: &impl ConnectionTrait,
    system: &systems::Model,
    at: DateTime<Utc>,
) -> Result<Option<Loaded>, AppError> {
    let live = live_at(db, at).await?;
    if live.is_empty() {
        return Ok(None);
    }
    let unit_id = system.unit_id;
    let unit = crate::app::cache::cached("unit", unit_id, || units::Entity::find_by_id(unit_id).one(db))
        .await?
        .map(|u| u.code)
        .unwrap_or_default();
    Ok(live.into_iter().find(|w| w.covers(system, &unit)))
}

/// A deadline word of a window: a duration, one of the words for "at once" ("立即", "immediate",
/// …) read as a catalogue tier reads it — a zero-minute target ([`IMMEDIATE_TARGET`], due when the
/// clocks start; docs/catalog.md "Durations and immediate") — where `immediate_ok` (response and
/// arrival; a repair "at once" is refused, as the catalogue refuses it), or nothing.
fn target(field: &str, text: &Option<String>, immediate_ok: bool) -> Result<Option<SlaDuration>, AppError> {
    match text {
        None => Ok(None),
        Some(t) if IMMEDIATE.contains(&t.as_str()) => {
            if immediate_ok {
                Ok(Some(IMMEDIATE_TARGET))
            } else {
                Err(AppError::invalid(
                    field,
                    format!("{t:?}: only response and arrival may be immediate"),
                ))
            }
        }
        Some(t) => t
            .parse::<SlaDuration>()
            .map(Some)
            .map_err(|e| AppError::invalid(field, format!("{t:?}: {e}"))),
    }
}

fn entry_targets(entry: &MajorEventEntry, field: &str) -> Result<[Option<SlaDuration>; 3], AppError> {
    Ok([
        target(&format!("{field}.response"), &entry.response, true)?,
        target(&format!("{field}.arrival"), &entry.arrival, true)?,
        target(&format!("{field}.repair"), &entry.repair, false)?,
    ])
}

/// The targets, calendar and explanation of a ticket of `kind` opened under window `w` on a
/// system with `policy`, whose clocks start at `start` (under the window: see
/// [`Loaded::clock_start`], which the targets returned carry); `usual` are the policy's targets.
/// `None` when the window changes nothing for this kind.
pub fn apply(
    w: &Loaded,
    calendars: &BTreeMap<String, Calendar>,
    policy: &policies::Model,
    kind: Kind,
    usual: Targets,
    start: DateTime<Utc>,
) -> Result<Option<(Targets, MajorEventRef)>, AppError> {
    let document = document(policy);
    if !applies_to(document.as_ref()).contains(&kind) {
        return Ok(None);
    }
    let clock_start = w.clock_start(policy, kind, usual.start);
    let (entry, source) = match (&w.doc.targets, document.as_ref().and_then(|d| d.major_event.as_ref())) {
        (Some(e), _) => (Some(e), "window"),
        (None, Some(e)) => (Some(e), "policy major_event"),
        (None, None) => (None, "none"),
    };
    let stricter = match entry {
        Some(e) => entry_targets(e, "targets")?,
        None => [None; 3],
    };
    let cal = super::calendar(calendars, "calendar", &w.doc.calendar)?;
    let deadline = |d: SlaDuration| {
        cal.deadline(start, d)
            .map_err(|e| AppError::Internal(anyhow::anyhow!("window {}: {e}", w.doc.code)))
    };
    let mut out = Targets {
        start: clock_start,
        ..usual
    };
    let mut why = Vec::new();
    for (i, clock) in ClockName::ALL.iter().enumerate() {
        let (normal, major) = (usual.get(*clock), stricter[i]);
        let chosen = match (normal, major) {
            (Some(n), Some(m)) if deadline(m)? < deadline(n)? => {
                why.push(format!("{} {m} ({source}; usual {n})", clock.key()));
                Some(m)
            }
            (Some(n), Some(m)) => {
                why.push(format!("{} {n} (usual; {source} {m} is not stricter)", clock.key()));
                Some(n)
            }
            (None, Some(m)) => {
                why.push(format!("{} {m} ({source})", clock.key()));
                Some(m)
            }
            (n, None) => n,
        };
        match clock {
            ClockName::Response => out.response = chosen,
            ClockName::Arrival => out.arrival = chosen,
            ClockName::Repair => out.repair = chosen,
        }
    }
    why.push(format!("calendar {}", w.doc.calendar));
    why.push(match clock_start {
        ClockStart::Reported => "clocks from the report (接到故障通知或发现故障问题后)".to_owned(),
        ClockStart::Occurred => "clocks from the occurrence".to_owned(),
    });
    Ok(Some((
        out,
        MajorEventRef {
            code: w.doc.code.clone(),
            name: w.doc.name.clone(),
            calendar: w.doc.calendar.clone(),
            reason: format!("重保 {} ({}): {}", w.doc.name, w.doc.code, why.join("; ")),
            applied: true,
        },
    )))
}

/// Checks a window and stores it (replacing the one with the same code); whether anything
/// changed. Tickets already opened under it keep what they were opened with.
pub async fn set(
    db: &impl ConnectionTrait,
    calendars: &BTreeMap<String, Calendar>,
    doc: &WindowDoc,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    if !crate::app::catalog::is_valid_code(&doc.code) {
        return Err(AppError::invalid(
            "code",
            "use letters, digits, '-' and '_' (at most 64)",
        ));
    }
    if doc.name.trim().is_empty() {
        return Err(AppError::invalid("name", "must not be empty"));
    }
    if doc.ends <= doc.starts {
        return Err(AppError::invalid(
            "ends",
            format!("{} is not after starts {}", doc.ends, doc.starts),
        ));
    }
    let cal = super::calendar(calendars, "calendar", &doc.calendar)?;
    if let Some(t) = &doc.targets {
        // Each target must be countable in the window's calendar from any moment of the window,
        // or every ticket opened under it would fail: checked from its first and last moment.
        let targets = entry_targets(t, "targets")?;
        for (clock, d) in ClockName::ALL.iter().zip(targets) {
            let Some(d) = d else { continue };
            for from in [doc.starts, doc.ends] {
                if let Err(e) = cal.deadline(from, d) {
                    return Err(AppError::invalid(
                        format!("targets.{}", clock.key()),
                        format!("{d} cannot be counted in calendar {:?} from {from}: {e}", doc.calendar),
                    ));
                }
            }
        }
    }
    if let Some(ladder) = &doc.ladder {
        // Its steps escalate the tickets opened under it, in its calendar, until its end.
        let read: Vec<ticket_domain::Policy> = policies::Entity::find()
            .all(db)
            .await?
            .iter()
            .filter_map(|p| serde_json::from_value(p.targets.clone()).ok())
            .collect();
        let mut targets = crate::app::countable::targets_of(&read, None);
        if let Some(t) = &doc.targets {
            targets.extend(entry_targets(t, "targets")?.into_iter().flatten());
        }
        for from in [doc.starts, doc.ends] {
            if let Some((field, why)) = crate::app::escalation::ladders::countable_steps(ladder, &targets, &[cal], from)
            {
                return Err(AppError::invalid(format!("ladder.{field}"), why));
            }
        }
    }
    for code in &doc.units {
        if units::Entity::find()
            .filter(units::Column::Code.eq(code))
            .one(db)
            .await?
            .is_none()
        {
            return Err(AppError::invalid("units", format!("no unit {code:?}")));
        }
    }
    for code in &doc.systems {
        if systems::Entity::find()
            .filter(systems::Column::Code.eq(code))
            .one(db)
            .await?
            .is_none()
        {
            return Err(AppError::invalid("systems", format!("no system {code:?}")));
        }
    }
    crate::app::text::refuse_nul(doc)?;
    for (i, s) in doc.staffing.iter().enumerate() {
        if s.min == 0 {
            return Err(AppError::invalid(format!("staffing[{i}].min"), "must be at least 1"));
        }
    }
    let document = serde_json::to_value(doc).map_err(|e| AppError::Internal(e.into()))?;
    let existing = major_events::Entity::find()
        .filter(major_events::Column::Code.eq(&doc.code))
        .one(db)
        .await?;
    match existing {
        Some(row) if row.document == document => Ok(false),
        Some(row) => {
            let mut am = row.into_active_model();
            am.name = Set(doc.name.clone());
            am.starts_at = Set(doc.starts);
            am.ends_at = Set(doc.ends);
            am.document = Set(document);
            am.updated_at = Set(now);
            am.update(db).await?;
            Ok(true)
        }
        None => {
            major_events::ActiveModel {
                code: Set(doc.code.clone()),
                name: Set(doc.name.clone()),
                starts_at: Set(doc.starts),
                ends_at: Set(doc.ends),
                document: Set(document),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(db)
            .await?;
            Ok(true)
        }
    }
}

/// Removes a window; whether there was one. Tickets opened under it keep its targets.
pub async fn remove(db: &impl ConnectionTrait, code: &str) -> Result<bool, AppError> {
    let r = major_events::Entity::delete_many()
        .filter(major_events::Column::Code.eq(code))
        .exec(db)
        .await?;
    Ok(r.rows_affected > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn immediate_is_a_zero_minute_target_as_in_the_catalogue() {
        for word in IMMEDIATE {
            let t = Some(word.to_owned());
            assert_eq!(target("targets.response", &t, true).unwrap(), Some(IMMEDIATE_TARGET));
            assert_eq!(IMMEDIATE_TARGET.to_string(), "0m");
            let e = target("targets.repair", &t, false).unwrap_err().detail();
            assert!(e.contains("only response and arrival may be immediate"), "{e}");
        }
        let entry: MajorEventEntry =
            serde_json::from_value(serde_json::json!({"response": "立即", "repair": "2h"})).unwrap();
        let [response, arrival, repair] = entry_targets(&entry, "targets").unwrap();
        assert_eq!(response, Some(IMMEDIATE_TARGET));
        assert_eq!(arrival, None);
        assert_eq!(repair.map(|d| d.to_string()).as_deref(), Some("2h"));
    }
}
