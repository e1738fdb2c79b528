//! The breached clocks of the period, one row each: the ticket, the deadline, when the clock
//! actually stopped, and by how much it was late (working time and wall time).
//!
//! Stopped clocks are read as stored. Clocks still running or paused past their deadline are
//! measured again at the report's instant from their stored events, so "overdue" is never stale.
//! Each row says whether its deadline is provisional (it runs into days whose holidays the
//! calendar has not published): as measured again for those, as stored for the others.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr};
use serde::Serialize;
use sla_clock::{Calendar, Clock};
use utoipa::ToSchema;

use super::sql::{Scope, Sql, minutes};
use crate::db::entities::{systems, vendors};
use sea_orm::EntityTrait;

/// One breached clock.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct BreachedClock {
    /// Ticket number.
    pub ticket: String,
    /// Ticket title.
    pub title: String,
    /// Kind.
    pub kind: String,
    /// Severity.
    pub severity: String,
    /// System code.
    pub system: String,
    /// System name.
    pub system_name: String,
    /// Owning unit's name.
    pub unit: String,
    /// The vendor it counts against (code), if any.
    pub vendor: Option<String>,
    /// `response`, `arrival` or `repair`.
    pub clock: String,
    /// The target in force (`30m`, `4h`, `7wd`, …).
    pub target: Option<String>,
    /// When the clock started.
    pub started_at: Option<DateTime<Utc>>,
    /// The deadline.
    pub deadline: Option<DateTime<Utc>>,
    /// When it stopped (none: still running or paused).
    pub ended_at: Option<DateTime<Utc>>,
    /// The clock's state at the report's instant.
    pub state: String,
    /// Working time past the budget, in minutes.
    pub overdue_min: f64,
    /// Wall time from the deadline to the stop (or the report's instant), in minutes.
    pub overdue_wall_min: f64,
    /// Working time the clock spent paused, in minutes (pauses the buyer had to confirm count
    /// only once confirmed).
    pub paused_min: f64,
    /// Whether the deadline is provisional: counted past the calendar's published holidays with
    /// its weekly schedule alone, and measured again when the year is added (it may move, and
    /// the breach with it).
    pub provisional: bool,
    /// Milliseconds of the same (for per-day delay penalties).
    #[serde(skip)]
    pub overdue_wall_ms: i64,
    /// The system's id.
    #[serde(skip)]
    pub system_id: i64,
}

/// Every breached clock in the scope, oldest ticket first.
pub async fn list(
    db: &impl ConnectionTrait,
    calendars: &BTreeMap<String, Calendar>,
    scope: &Scope,
) -> Result<Vec<BreachedClock>, DbErr> {
    let mut q = Sql::new(db);
    q.push(
        "SELECT t.system_id, t.vendor_id, t.number, t.title, t.kind, t.severity, c.name AS clock, c.target, \
         c.started_at, c.deadline, c.ended_at, c.state, c.overdue_ms, c.overdue_wall_ms, c.paused_ms, c.provisional, \
         CASE WHEN c.ended_at IS NULL THEN c.calendar END AS calendar, \
         CASE WHEN c.ended_at IS NULL THEN c.events END AS events",
    )
    .from_clocks(scope)
    .push(" AND ")
    .breached(scope.as_of)
    .push(" ORDER BY t.received_at, t.number, c.name");
    // Names from the catalogue (small tables), not from a join per row.
    let units = crate::app::catalog::export::unit_names(db).await?;
    let systems: BTreeMap<i64, (String, String, String)> = systems::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|s| {
            let unit = units.get(&s.unit_id).cloned().unwrap_or_default();
            (s.id, (s.code, s.name, unit))
        })
        .collect();
    let vendors: BTreeMap<i64, String> = vendors::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|v| (v.id, v.code))
        .collect();
    let mut out = Vec::new();
    for row in q.all(db).await? {
        let system_id: i64 = row.try_get("", "system_id")?;
        let (system, system_name, unit) = systems.get(&system_id).cloned().unwrap_or_default();
        let vendor_id: Option<i64> = row.try_get("", "vendor_id")?;
        let get_ms = |col: &str| row.try_get::<Option<i64>>("", col).map(|v| v.unwrap_or(0));
        let mut b = BreachedClock {
            ticket: row.try_get("", "number")?,
            title: row.try_get("", "title")?,
            kind: row.try_get("", "kind")?,
            severity: row.try_get("", "severity")?,
            system,
            system_name,
            unit,
            vendor: vendor_id.and_then(|v| vendors.get(&v).cloned()),
            clock: row.try_get("", "clock")?,
            target: row.try_get("", "target")?,
            started_at: row.try_get("", "started_at")?,
            deadline: row.try_get("", "deadline")?,
            ended_at: row.try_get("", "ended_at")?,
            state: row.try_get("", "state")?,
            overdue_min: minutes(get_ms("overdue_ms")? as f64),
            overdue_wall_min: minutes(get_ms("overdue_wall_ms")? as f64),
            paused_min: minutes(get_ms("paused_ms")? as f64),
            provisional: row.try_get("", "provisional")?,
            overdue_wall_ms: get_ms("overdue_wall_ms")?,
            system_id,
        };
        if b.ended_at.is_none() {
            let calendar: String = row.try_get::<Option<String>>("", "calendar")?.unwrap_or_default();
            let events: Option<serde_json::Value> = row.try_get("", "events")?;
            let status = events
                .and_then(|e| serde_json::from_value::<Clock>(e).ok())
                .zip(calendars.get(&calendar))
                .and_then(|(clock, cal)| clock.status(cal, scope.as_of).ok());
            if let Some(s) = status {
                b.state = s.state.to_string();
                b.deadline = Some(s.deadline);
                b.overdue_min = minutes(s.overdue.num_milliseconds() as f64);
                b.overdue_wall_min = minutes(s.overdue_wall.num_milliseconds() as f64);
                b.overdue_wall_ms = s.overdue_wall.num_milliseconds();
                b.paused_min = minutes(s.paused.num_milliseconds() as f64);
                b.provisional = s.provisional;
            }
        }
        out.push(b);
    }
    Ok(out)
}
