//! The reports a 重保 window owes (`every = "major_event"` and `"major_event_day"`): its
//! preparation or its summary, and its daily reports.
//!
//! **Which windows.** Those covering at least one of the report's systems (the duty's `systems`,
//! else the contract's), as a window covers a ticket's system ([`crate::app::duty::windows`]).
//!
//! **When created.** A window's report (`major_event`) is created as soon as the sweep sees the
//! window and until it closes — so a window set weeks ahead owes its preparation from then, due
//! by its rule (`{ in = "before", day = 1 }`: by the end of the day before it opens), and its
//! summary (`{ day = 5 }`: by the end of the fifth day after it closes). A window that had closed
//! before opsclock saw it owes nothing, as a calendar period does. The report is labelled with
//! the window's code and covers the window's own span, `[starts, ends)`.
//!
//! A day's report (`major_event_day`) is created on each day of a window, for that day (one a
//! day however many windows cover it), labelled with the date, due by its rule counted from the
//! day (`{ day = 1, by = "09:00" }`: the next morning). A day no server saw is not owed.
//!
//! **When a window changes** ([`Windows::span`]): an open report follows its window's new end; a
//! window removed, moved to another start, or no longer covering the report's systems withdraws
//! its open reports not yet breached (a moved window owes its reports anew, under its new start).
//!
//! Rows are unique per (contract, duty, period start), like every report: two windows opening at
//! the same instant owe one preparation and one summary between them.

use std::collections::BTreeMap;

use chrono::{DateTime, Days, Utc};
use contract_terms::{ReportDuty, ReportEvery};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use sla_clock::Calendar;

use super::schedule::owed;
use crate::app::AppError;
use crate::app::duty::windows::{self, Loaded};
use crate::app::reports::deductions::Stored;
use crate::db::entities::{periodic_reports, systems};

/// What a round reads once: every window, every system by id, every unit's code by id.
struct Read {
    windows: Vec<Loaded>,
    systems: BTreeMap<i64, systems::Model>,
    units: BTreeMap<i64, String>,
}

/// The windows and systems a round reads once, when a duty first needs them.
#[derive(Default)]
pub(crate) struct Windows {
    loaded: Option<Read>,
}

impl Windows {
    async fn load(&mut self, db: &impl ConnectionTrait) -> Result<&Read, AppError> {
        if self.loaded.is_none() {
            let windows = windows::list(db).await?;
            let systems = systems::Entity::find()
                .all(db)
                .await?
                .into_iter()
                .map(|s| (s.id, s))
                .collect();
            let units = super::queries::unit_codes(db).await?;
            self.loaded = Some(Read {
                windows,
                systems,
                units,
            });
        }
        Ok(self.loaded.as_ref().unwrap_or_else(|| unreachable!("loaded above")))
    }

    /// The windows covering a system of `duty`'s report.
    async fn covering(
        &mut self,
        db: &impl ConnectionTrait,
        stored: &Stored,
        duty: &ReportDuty,
    ) -> Result<Vec<&Loaded>, AppError> {
        let ids = report_systems(db, stored, duty).await?;
        let Read {
            windows: all,
            systems,
            units,
        } = self.load(db).await?;
        Ok(all
            .iter()
            .filter(|w| {
                ids.iter().filter_map(|id| systems.get(id)).any(|s| {
                    let unit = units.get(&s.unit_id).map_or("", String::as_str);
                    w.covers(s, unit)
                })
            })
            .collect())
    }

    /// The span an open report of a window (`major_event`, `major_event_day`) owes now: the
    /// window's own if it is still there with the same start (its end may have moved), the day's
    /// if a window still covers it; `None` once the window was removed, moved to another start,
    /// or no longer covers the report's systems — then the report is withdrawn (a moved window
    /// owes its reports anew).
    pub(crate) async fn span(
        &mut self,
        db: &impl ConnectionTrait,
        stored: &Stored,
        duty: &ReportDuty,
        row: &periodic_reports::Model,
    ) -> Result<Option<(DateTime<Utc>, DateTime<Utc>)>, AppError> {
        let covering = self.covering(db, stored, duty).await?;
        Ok(match duty.every {
            ReportEvery::MajorEvent => covering
                .iter()
                .find(|w| w.row.code == row.period && w.row.starts_at == row.period_start)
                .map(|w| (w.row.starts_at, w.row.ends_at)),
            _ => covering
                .iter()
                .any(|w| w.row.starts_at < row.period_end && w.row.ends_at > row.period_start)
                .then_some((row.period_start, row.period_end)),
        })
    }

    /// The rows `duty` of `stored` owes for the windows open now or ahead.
    pub(crate) async fn owed(
        &mut self,
        db: &impl ConnectionTrait,
        stored: &Stored,
        duty: &ReportDuty,
        calendar: &Calendar,
        now: DateTime<Utc>,
    ) -> Result<Vec<periodic_reports::ActiveModel>, AppError> {
        let contract_id = stored.id;
        let covering: Vec<&Loaded> = self
            .covering(db, stored, duty)
            .await?
            .into_iter()
            .filter(|w| w.row.ends_at > now)
            .collect();
        let mut rows = Vec::new();
        match duty.every {
            ReportEvery::MajorEvent => {
                for w in covering {
                    rows.push(owed(
                        contract_id,
                        duty,
                        calendar,
                        w.row.code.clone(),
                        (w.row.starts_at, w.row.ends_at),
                        now,
                    ));
                }
            }
            _ => {
                let today = calendar.local(now).date_naive();
                let (Some(start), Some(end)) = (
                    calendar.at_local(today, 0, 0),
                    today
                        .checked_add_days(Days::new(1))
                        .and_then(|d| calendar.at_local(d, 0, 0)),
                ) else {
                    return Ok(rows);
                };
                if covering.iter().any(|w| w.row.starts_at < end && w.row.ends_at > start) {
                    rows.push(owed(
                        contract_id,
                        duty,
                        calendar,
                        today.format("%Y-%m-%d").to_string(),
                        (start, end),
                        now,
                    ));
                }
            }
        }
        Ok(rows)
    }
}

/// The ids of the systems a duty's report covers: its own list, else the contract's.
pub(crate) async fn report_systems(
    db: &impl ConnectionTrait,
    stored: &Stored,
    duty: &ReportDuty,
) -> Result<Vec<i64>, AppError> {
    if duty.systems.is_empty() {
        return Ok(stored.system_ids.clone());
    }
    Ok(systems::Entity::find()
        .filter(systems::Column::Code.is_in(duty.systems.clone()))
        .all(db)
        .await?
        .into_iter()
        .map(|s| s.id)
        .collect())
}
