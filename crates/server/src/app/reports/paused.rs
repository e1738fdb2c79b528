//! Paused clocks: every clock of the period's tickets that spent time paused, how long (in the
//! clock's working time, as the deadline counts it), how often and why.
//!
//! A pause moves a deadline, so the party measured by it should see each one beside the
//! compliance figures. Only pauses that count are here: a vendor's pause for a reason the buyer
//! answers for counts once the buyer confirmed it (see `ticket_domain::evidence`, rule 3), and is
//! listed among the corrections until then.
//!
//! For example, a repair clock on cn-5x8 paused from Friday 16:00 to Monday 10:00 "awaiting the
//! reporter" shows 2 hours paused (16:00–17:00 on Friday and 09:00–10:00 on Monday; the weekend
//! is not working time), one pause, reason 等待报告人.
//!
//! A clock written before `clocks.paused_ms` existed is measured from its stored events.

use std::collections::BTreeMap;

use sea_orm::{ConnectionTrait, DbErr};
use serde::Serialize;
use sla_clock::{Calendar, Clock, ClockEvent};
use ticket_domain::PauseReason;
use utoipa::ToSchema;

use super::sql::{Scope, Sql, minutes};

/// One clock that was paused.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct PausedClock {
    /// Ticket number.
    pub ticket: String,
    /// Ticket title.
    pub title: String,
    /// System code.
    pub system: String,
    /// `response`, `arrival`, `repair`.
    pub clock: String,
    /// The clock's state at the report's instant (`running`, `paused`, `met`, …).
    pub state: String,
    /// How many times it was paused.
    pub pauses: usize,
    /// Why, each reason once, in Chinese.
    pub reasons: Vec<String>,
    /// Working time spent paused, minutes to the hundredth.
    pub paused_min: f64,
}

/// The scope's clocks that were paused, oldest ticket first.
pub async fn list(
    db: &impl ConnectionTrait,
    calendars: &BTreeMap<String, Calendar>,
    scope: &Scope,
) -> Result<Vec<PausedClock>, DbErr> {
    let mut q = Sql::new(db);
    q.push("SELECT t.number, t.title, t.system_id, c.name, c.state, c.paused_ms, c.calendar, c.events")
        .from_clocks(scope)
        // A clock paused right now has 0 stored (it was written as the pause began). A cancelled
        // ticket's clocks are out of every figure, as in the breached section.
        .push(" AND t.status <> 'cancelled' AND (c.paused_ms > 0 OR c.paused_ms IS NULL OR c.state = 'paused') ORDER BY t.received_at, t.number, c.name");
    let rows = q.all(db).await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let systems = crate::app::catalog::export::system_codes(db).await?;
    let mut out = Vec::new();
    for row in rows {
        let events: serde_json::Value = row.try_get("", "events")?;
        let Ok(clock) = serde_json::from_value::<Clock>(events) else {
            continue;
        };
        // The pauses that took time by the report's instant: a pause the buyer did not confirm is
        // stored as paused and resumed at the same instant (it counted for nothing), and an
        // approved exclusion window pauses the clock as well (listed as such).
        let events = clock.events();
        let mut reasons: Vec<String> = Vec::new();
        let mut pauses = 0;
        for (i, e) in events.iter().enumerate() {
            let ClockEvent::Paused { at, reason } = e else {
                continue;
            };
            let ended = events.get(i + 1).map(ClockEvent::at);
            if *at > scope.as_of || ended == Some(*at) {
                continue;
            }
            pauses += 1;
            let label = if reason.starts_with("excluded") {
                "核准的除外时段".to_owned()
            } else {
                reason
                    .parse::<PauseReason>()
                    .map_or_else(|_| reason.clone(), |r| r.label_zh().to_owned())
            };
            if !reasons.contains(&label) {
                reasons.push(label);
            }
        }
        if pauses == 0 {
            continue;
        }
        // Measured at the report's instant from the clock's own events (a pause still running
        // grows; a clock written before `paused_ms` existed has none stored); the stored figure
        // when its calendar is gone.
        let calendar: String = row.try_get("", "calendar")?;
        let stored: Option<i64> = row.try_get("", "paused_ms")?;
        let status = calendars
            .get(&calendar)
            .and_then(|cal| clock.status(cal, scope.as_of).ok());
        let Some(paused_ms) = status.as_ref().map(|s| s.paused.num_milliseconds()).or(stored) else {
            continue;
        };
        let state = match &status {
            Some(s) => s.state.to_string(),
            None => row.try_get("", "state")?,
        };
        let system_id: i64 = row.try_get("", "system_id")?;
        out.push(PausedClock {
            ticket: row.try_get("", "number")?,
            title: row.try_get("", "title")?,
            system: systems.get(&system_id).cloned().unwrap_or_default(),
            clock: row.try_get("", "name")?,
            state,
            pauses,
            reasons,
            paused_min: minutes(paused_ms as f64),
        });
    }
    Ok(out)
}
