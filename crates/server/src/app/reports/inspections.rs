//! The period's missed inspections (巡检): every inspection of the scope's systems due in the
//! period (due after its first instant, at the latest at its end) and missed, and per system how
//! many it owed, did and missed ([`crate::app::inspections`]). Seed 004 L28450 asks for regular
//! inspections and L28499–28503 lets the buyer review the 《巡检记录》: a missed one is a fact the
//! report states, and a contract rule may count it (`metric = "missed_inspection"`).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;
use utoipa::ToSchema;

use super::sql::Scope;
use crate::db::entities::{inspections, system_vendors, systems};

/// One missed inspection.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct MissedInspection {
    /// The inspection's id.
    pub id: i64,
    /// System code.
    pub system: String,
    /// System name.
    pub system_name: String,
    /// The owning unit's name.
    pub unit: String,
    /// The cadence's period: day … year.
    pub every: String,
    /// remote, on_site or any.
    pub mode: String,
    /// The inspection's period, e.g. `2026-11`.
    pub period: String,
    /// When it was due.
    pub due_at: DateTime<Utc>,
    /// Which of the period's inspections.
    pub seq: i32,
    /// How many the period owed.
    pub times: i32,
}

/// One system's inspections due in the period.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct SystemInspections {
    /// System code.
    pub system: String,
    /// System name.
    pub system_name: String,
    /// The owning unit's name.
    pub unit: String,
    /// Due in the period.
    pub owed: u32,
    /// Of them done.
    pub done: u32,
    /// Of them missed.
    pub missed: u32,
}

/// The section.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct Inspections {
    /// Every missed inspection, by system then due instant.
    pub missed: Vec<MissedInspection>,
    /// Per system with a missed inspection: owed, done, missed.
    pub per_system: Vec<SystemInspections>,
}

/// The inspections due in the scope's period and how they went.
pub async fn of(
    db: &impl ConnectionTrait,
    calendars: &BTreeMap<String, sla_clock::Calendar>,
    scope: &Scope,
) -> Result<Inspections, DbErr> {
    let mut find = inspections::Entity::find()
        .filter(inspections::Column::DueAt.gt(scope.from))
        .filter(inspections::Column::DueAt.lte(scope.to));
    if let Some(ids) = &scope.systems {
        find = find.filter(inspections::Column::SystemId.is_in(ids.clone()));
    }
    let rows = find
        .order_by_asc(inspections::Column::SystemId)
        .order_by_asc(inspections::Column::DueAt)
        .order_by_asc(inspections::Column::Id)
        .all(db)
        .await?;
    if rows.is_empty() {
        return Ok(Inspections::default());
    }
    let units = crate::app::catalog::export::unit_names(db).await?;
    let systems: BTreeMap<i64, systems::Model> = systems::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .filter(|s| scope.unit.is_none_or(|u| s.unit_id == u))
        .map(|s| (s.id, s))
        .collect();
    // A vendor's report: the systems the vendor (or one of the contract's vendors) serves.
    let vendors: Option<Vec<i64>> = scope.vendor.map(|v| vec![v]).or_else(|| scope.vendors.clone());
    let served: Option<Vec<i64>> = match vendors {
        None => None,
        Some(v) => Some(
            system_vendors::Entity::find()
                .filter(system_vendors::Column::VendorId.is_in(v))
                .all(db)
                .await?
                .into_iter()
                .map(|l| l.system_id)
                .collect(),
        ),
    };
    let mut out = Inspections::default();
    let mut per: BTreeMap<i64, SystemInspections> = BTreeMap::new();
    for row in rows {
        let Some(s) = systems.get(&row.system_id) else {
            continue;
        };
        if served.as_ref().is_some_and(|ids| !ids.contains(&s.id)) {
            continue;
        }
        let unit = units.get(&s.unit_id).cloned().unwrap_or_default();
        let counts = per.entry(s.id).or_insert_with(|| SystemInspections {
            system: s.code.clone(),
            system_name: s.name.clone(),
            unit: unit.clone(),
            owed: 0,
            done: 0,
            missed: 0,
        });
        counts.owed += 1;
        // Missed once its due instant has passed undone, whether or not a sweep has marked it
        // yet (a report run while no server sweeps counts the same).
        let missed = row.state == "missed" || (row.state == "due" && row.due_at <= scope.as_of);
        if row.state == "done" {
            counts.done += 1;
        } else if missed {
            counts.missed += 1;
        }
        if missed {
            let first = calendars.get(&s.calendar).map_or(row.period_start.date_naive(), |c| {
                c.local(row.period_start).date_naive()
            });
            out.missed.push(MissedInspection {
                id: row.id,
                system: s.code.clone(),
                system_name: s.name.clone(),
                unit,
                period: crate::app::inspections::schedule::label(&row.every, first),
                every: row.every,
                mode: row.mode,
                due_at: row.due_at,
                seq: row.seq,
                times: row.times,
            });
        }
    }
    out.per_system = per.into_values().filter(|s| s.missed > 0).collect();
    Ok(out)
}
