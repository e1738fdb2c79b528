//! The inspections a cadence makes a system owe, created and judged by the sweep.
//!
//! For each `{ every, times, mode }` of a system's `[systems.contract] inspection`, each period
//! (a day, a week from Monday, a month, a quarter, a half-year from January or July, a year), in
//! the zone of the system's calendar, owes `times` inspections, all due at the end of the period.
//! Only a period that has not ended is ever created: an inspection nobody could have recorded in
//! opsclock (its period over before opsclock knew of it, while no server ran, or while the
//! cadence was removed from the catalogue) is not a missed one. The first period owed is the one
//! holding the day the sweep first sees the cadence (in practice the day the catalogue was
//! imported), once service has begun. From there each round adds the period holding now (the
//! latest it holds again, so a round cut short between inserts is completed), none starting
//! after the service ends. The rows are unique per
//! (system, every, mode, period, n) and inserted with `ON CONFLICT DO NOTHING`: several servers,
//! restarts and rounds create each once. Then every `due` one whose due instant has passed
//! becomes `missed`.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Days, Months, NaiveDate, TimeZone, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect, Set};
use sla_clock::Calendar;

use crate::app::AppError;
use crate::app::catalog::file::{Inspection, InspectionMode, Period};
use crate::app::catalog::service::ServiceDates;
use crate::db::entities::{inspections, systems};

/// At most this many periods of one cadence are added in one round.
const CATCH_UP: usize = 400;

/// A period's key as stored: `day`, `week`, `month`, `quarter`, `half_year`, `year`.
pub fn every_key(p: Period) -> &'static str {
    match p {
        Period::Day => "day",
        Period::Week => "week",
        Period::Month => "month",
        Period::Quarter => "quarter",
        Period::HalfYear => "half_year",
        Period::Year => "year",
    }
}

/// A mode's key as stored: `remote`, `on_site`, or `any` when the contract does not say.
pub fn mode_key(m: Option<InspectionMode>) -> &'static str {
    match m {
        Some(InspectionMode::Remote) => "remote",
        Some(InspectionMode::OnSite) => "on_site",
        None => "any",
    }
}

/// The period of kind `every` holding day `d`: its first day and the first day after it.
pub fn bounds(every: Period, d: NaiveDate) -> (NaiveDate, NaiveDate) {
    let first_of = |month: u32| NaiveDate::from_ymd_opt(d.year(), month, 1).unwrap_or(d);
    let (first, months) = match every {
        Period::Day => return (d, d.succ_opt().unwrap_or(d)),
        Period::Week => {
            let monday = d - Days::new(u64::from(d.weekday().num_days_from_monday()));
            return (monday, monday + Days::new(7));
        }
        Period::Month => (first_of(d.month()), 1),
        Period::Quarter => (first_of((d.month() - 1) / 3 * 3 + 1), 3),
        Period::HalfYear => (first_of(if d.month() <= 6 { 1 } else { 7 }), 6),
        Period::Year => (first_of(1), 12),
    };
    (first, first + Months::new(months))
}

/// How a period is written: `2026-12-06`, `2026-W49`, `2026-12`, `2026-Q4`, `2026-H2`, `2026`.
pub fn label(every: &str, first: NaiveDate) -> String {
    match every {
        "day" => first.format("%Y-%m-%d").to_string(),
        "week" => {
            let w = first.iso_week();
            format!("{}-W{:02}", w.year(), w.week())
        }
        "month" => first.format("%Y-%m").to_string(),
        "quarter" => format!("{}-Q{}", first.year(), (first.month() - 1) / 3 + 1),
        "half_year" => format!("{}-H{}", first.year(), if first.month() <= 6 { 1 } else { 2 }),
        _ => first.year().to_string(),
    }
}

/// Midnight at the start of `d` in `calendar`'s zone.
pub fn midnight(calendar: &Calendar, d: NaiveDate) -> Option<DateTime<Utc>> {
    calendar
        .zone()
        .from_local_datetime(&d.and_time(chrono::NaiveTime::MIN))
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

/// The cadence of a system's stored contract facts, one entry per (every, mode), their counts
/// added (two lines saying the same thing owe both).
pub fn cadence(profile: Option<&serde_json::Value>) -> BTreeMap<(&'static str, &'static str), (Period, u32)> {
    let list: Vec<Inspection> = profile
        .and_then(|p| p.get("inspection"))
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default();
    let mut out: BTreeMap<(&'static str, &'static str), (Period, u32)> = BTreeMap::new();
    for i in list {
        let entry = out
            .entry((every_key(i.every), mode_key(i.mode)))
            .or_insert((i.every, 0));
        entry.1 += i.times;
    }
    out
}

/// What a round did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Swept {
    /// Inspections created.
    pub created: u64,
    /// Inspections that became missed.
    pub missed: u64,
}

/// Creates the inspections owed up to `now` and marks the overdue ones missed.
pub async fn sweep(
    db: &DatabaseConnection,
    calendars: &BTreeMap<String, Calendar>,
    now: DateTime<Utc>,
) -> Result<Swept, AppError> {
    let created = create_due(db, calendars, now).await?;
    let missed = inspections::Entity::update_many()
        .col_expr(inspections::Column::State, Expr::value("missed"))
        .filter(inspections::Column::State.eq("due"))
        .filter(inspections::Column::DueAt.lte(now))
        .exec(db)
        .await?
        .rows_affected;
    Ok(Swept { created, missed })
}

async fn create_due(
    db: &DatabaseConnection,
    calendars: &BTreeMap<String, Calendar>,
    now: DateTime<Utc>,
) -> Result<u64, AppError> {
    // The latest period held per (system, every, mode): one grouped read, so a round costs one
    // pass over the systems, not one query per cadence.
    let held: Vec<(i64, String, String, DateTime<Utc>)> = inspections::Entity::find()
        .select_only()
        .column(inspections::Column::SystemId)
        .column(inspections::Column::Every)
        .column(inspections::Column::Mode)
        .column_as(inspections::Column::PeriodStart.max(), "latest")
        .group_by(inspections::Column::SystemId)
        .group_by(inspections::Column::Every)
        .group_by(inspections::Column::Mode)
        .into_tuple()
        .all(db)
        .await?;
    let latest: BTreeMap<(i64, String, String), DateTime<Utc>> =
        held.into_iter().map(|(s, e, m, at)| ((s, e, m), at)).collect();
    let mut created = 0;
    for system in systems::Entity::find()
        .filter(systems::Column::Profile.is_not_null())
        .all(db)
        .await?
    {
        let cadence = cadence(system.profile.as_ref());
        if cadence.is_empty() {
            continue;
        }
        let Some(calendar) = calendars.get(&system.calendar) else {
            tracing::error!(system = %system.code, calendar = %system.calendar, "no such calendar: its inspections are not scheduled");
            continue;
        };
        let service = ServiceDates::of(system.profile.as_ref());
        let today = calendar.local(now).date_naive();
        let mut rows = Vec::new();
        for ((every, mode), (period, times)) in cadence {
            let now_from = bounds(period, today).0;
            let first = match latest.get(&(system.id, every.to_owned(), mode.to_owned())) {
                // The latest held again (ON CONFLICT keeps it once): a round cut short between
                // two inserts is completed. Periods already over are never made up.
                Some(at) => bounds(period, calendar.local(*at).date_naive()).0.max(now_from),
                // Seen for the first time: the period holding today, once service has begun.
                None => {
                    if service.start.is_some_and(|s| s > today) {
                        continue;
                    }
                    now_from
                }
            };
            let mut start = first;
            for _ in 0..CATCH_UP {
                if start > today || service.end.is_some_and(|end| start > end) {
                    break;
                }
                let (from, next) = bounds(period, start);
                let (Some(period_start), Some(period_end)) = (midnight(calendar, from), midnight(calendar, next))
                else {
                    break;
                };
                for seq in 1..=times {
                    rows.push(inspections::ActiveModel {
                        system_id: Set(system.id),
                        every: Set(every.to_owned()),
                        mode: Set(mode.to_owned()),
                        times: Set(times as i32),
                        seq: Set(seq as i32),
                        period_start: Set(period_start),
                        period_end: Set(period_end),
                        due_at: Set(period_end),
                        state: Set("due".to_owned()),
                        done_at: Set(None),
                        done_by: Set(None),
                        checklist: Set(None),
                        results: Set(None),
                        note: Set(None),
                        created_at: Set(now),
                        ..Default::default()
                    });
                }
                start = next;
            }
        }
        for chunk in rows.chunks(200) {
            created += inspections::Entity::insert_many(chunk.to_vec())
                .on_conflict(
                    OnConflict::columns([
                        inspections::Column::SystemId,
                        inspections::Column::Every,
                        inspections::Column::Mode,
                        inspections::Column::PeriodStart,
                        inspections::Column::Seq,
                    ])
                    .do_nothing()
                    .to_owned(),
                )
                .exec_without_returning(db)
                .await?;
        }
    }
    Ok(created)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn periods_hold_the_day() {
        let day = d("2026-12-06"); // a Sunday
        assert_eq!(bounds(Period::Day, day), (d("2026-12-06"), d("2026-12-07")));
        assert_eq!(bounds(Period::Week, day), (d("2026-11-30"), d("2026-12-07")));
        assert_eq!(bounds(Period::Month, day), (d("2026-12-01"), d("2027-01-01")));
        assert_eq!(bounds(Period::Quarter, day), (d("2026-10-01"), d("2027-01-01")));
        assert_eq!(bounds(Period::HalfYear, day), (d("2026-07-01"), d("2027-01-01")));
        assert_eq!(bounds(Period::Year, day), (d("2026-01-01"), d("2027-01-01")));
        assert_eq!(
            bounds(Period::HalfYear, d("2026-06-30")),
            (d("2026-01-01"), d("2026-07-01"))
        );
    }

    #[test]
    fn labels() {
        assert_eq!(label("week", d("2026-11-30")), "2026-W49");
        assert_eq!(label("quarter", d("2026-10-01")), "2026-Q4");
        assert_eq!(label("half_year", d("2026-07-01")), "2026-H2");
        assert_eq!(label("month", d("2026-12-01")), "2026-12");
    }

    #[test]
    fn a_cadence_adds_lines_that_say_the_same() {
        let p = serde_json::json!({"inspection": [{"every": "month"}, {"every": "month", "times": 2},
            {"every": "week", "mode": "remote"}]});
        let c = cadence(Some(&p));
        assert_eq!(c[&("month", "any")], (Period::Month, 3));
        assert_eq!(c[&("week", "remote")], (Period::Week, 1));
    }
}
