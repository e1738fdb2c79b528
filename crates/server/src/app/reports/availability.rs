//! Per-system availability: `1 − outage / period`.
//!
//! The outage of a system is the union of the impact windows of its urgent and serious faults
//! and alarms (from when the problem began, `occurred_at`, to when service was restored,
//! `resolved_at`, or the report's instant if it has not been), clipped to the period, minus the
//! system's approved exclusion windows (maintenance, force majeure, third-party works). Two
//! tickets about the same outage count once. The period ends at the report's instant if that is
//! earlier, so a month in progress is measured so far. Kind and severity filters do not apply:
//! availability is about the system.
//!
//! A system is measured only over its days of service (`service_start` to `service_end` in the
//! catalogue, see [`crate::app::catalog::service`]): a system whose service ends on 20 March is
//! measured in March over 20 days (28 800 minutes), one that starts in September is not measured
//! in March at all (no percentage).
//!
//! Example: a 30-day month is 43 200 minutes; a 3-hour urgent fault of which 1 hour fell in an
//! approved maintenance window leaves 120 minutes of outage: 1 − 120 / 43 200 = 99.7222 %.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use serde::Serialize;
use utoipa::ToSchema;

use super::sql::{Scope, Sql, minutes};
use crate::app::duty::exclusions::{subtract, total};
use crate::db::entities::{exclusions, system_vendors, systems};
use sla_clock::Severity;
use ticket_domain::{Kind, Status};

/// One system's availability over the period.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct SystemAvailability {
    /// The system's id.
    #[serde(skip)]
    pub id: i64,
    /// System code.
    pub system: String,
    /// System name.
    pub name: String,
    /// Owning unit's name.
    pub unit: String,
    /// The contract's target, per cent (e.g. 99.9), if the catalogue gives one.
    pub target_pct: Option<f64>,
    /// Minutes measured (the period, up to the report's instant, cut to the system's service
    /// dates: 0 when none of the period is served).
    pub period_min: f64,
    /// Minutes of outage counted (after exclusions).
    pub outage_min: f64,
    /// Minutes of outage that fell in approved exclusion windows and are not counted.
    pub excluded_min: f64,
    /// `1 − outage / period`, per cent, four decimals.
    pub availability_pct: Option<f64>,
    /// Whether the target was met (none without a target).
    pub met: Option<bool>,
    /// Separate outages (merged impact windows) counted.
    pub outages: Vec<Outage>,
}

/// One merged outage.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Outage {
    /// Start (clipped to the period).
    pub from: DateTime<Utc>,
    /// End (clipped).
    pub to: DateTime<Utc>,
    /// Minutes counted after exclusions.
    pub minutes: f64,
    /// The tickets whose impact windows make it up.
    pub tickets: Vec<String>,
}

/// The availability of every system in the scope (by code).
pub async fn systems(db: &impl ConnectionTrait, scope: &Scope) -> Result<Vec<SystemAvailability>, DbErr> {
    let end = scope.to.min(scope.as_of);
    let list = in_scope(db, scope).await?;
    if list.is_empty() {
        return Ok(Vec::new());
    }
    let unit_names = crate::app::catalog::export::unit_names(db).await?;
    let ids: Vec<i64> = list.iter().map(|s| s.id).collect();
    let impacts = impact_windows(db, &ids, scope.from, end, scope.as_of).await?;
    let excluded = exclusion_windows(db, &ids, scope.from, end).await?;
    let mut out = Vec::new();
    for s in list {
        // Only the system's days of service count: its period and its outages are cut to them.
        let dates = crate::app::catalog::service::ServiceDates::of(s.profile.as_ref());
        let (sa, sb) = dates.clip(scope.from, end).unwrap_or((scope.from, scope.from));
        let period = sb - sa;
        let windows: Vec<Window> = impacts
            .get(&s.id)
            .into_iter()
            .flatten()
            .filter_map(|(a, b, n)| {
                let (a, b) = ((*a).max(sa), (*b).min(sb));
                (a < b).then(|| (a, b, n.clone()))
            })
            .collect();
        let spans: Vec<_> = windows.iter().map(|(a, b, _)| (*a, *b)).collect();
        let counted = subtract(&spans, excluded.get(&s.id).map(Vec::as_slice).unwrap_or_default());
        let raw = subtract(&spans, &[]);
        let outages = raw
            .iter()
            .map(|&(a, b)| {
                let mut tickets: Vec<String> = windows
                    .iter()
                    .filter(|(x, y, _)| *x < b && *y > a)
                    .map(|w| w.2.clone())
                    .collect();
                tickets.sort();
                tickets.dedup();
                let inside: Vec<_> = counted.iter().map(|&(x, y)| (x.max(a), y.min(b))).collect();
                Outage {
                    from: a,
                    to: b,
                    minutes: minutes(total(&subtract(&inside, &[])).num_milliseconds() as f64),
                    tickets,
                }
            })
            .collect();
        let (outage, excluded_time) = (total(&counted), total(&raw) - total(&counted));
        let availability_pct = (period > chrono::TimeDelta::zero()).then(|| {
            let share = 1.0 - outage.num_milliseconds() as f64 / period.num_milliseconds() as f64;
            (share * 1_000_000.0).round() / 10_000.0
        });
        let target_pct = s
            .profile
            .as_ref()
            .and_then(|p| p.get("availability_target"))
            .and_then(serde_json::Value::as_f64);
        out.push(SystemAvailability {
            id: s.id,
            unit: unit_names.get(&s.unit_id).cloned().unwrap_or_default(),
            system: s.code,
            name: s.name,
            target_pct,
            period_min: minutes(period.num_milliseconds().max(0) as f64),
            outage_min: minutes(outage.num_milliseconds() as f64),
            excluded_min: minutes(excluded_time.num_milliseconds() as f64),
            met: target_pct.zip(availability_pct).map(|(t, a)| a >= t),
            availability_pct,
            outages,
        });
    }
    out.sort_by(|a, b| a.system.cmp(&b.system));
    Ok(out)
}

/// The systems of `scope` (its systems, unit and vendor; kind and severity do not apply).
pub(crate) async fn in_scope(db: &impl ConnectionTrait, scope: &Scope) -> Result<Vec<systems::Model>, DbErr> {
    let mut query = systems::Entity::find();
    if let Some(ids) = &scope.systems {
        query = query.filter(systems::Column::Id.is_in(ids.clone()));
    }
    if let Some(u) = scope.unit {
        query = query.filter(systems::Column::UnitId.eq(u));
    }
    if let Some(v) = scope.vendor {
        let served: Vec<i64> = system_vendors::Entity::find()
            .filter(system_vendors::Column::VendorId.eq(v))
            .all(db)
            .await?
            .into_iter()
            .map(|sv| sv.system_id)
            .collect();
        query = query.filter(systems::Column::Id.is_in(served));
    }
    query.all(db).await
}

type Window = (DateTime<Utc>, DateTime<Utc>, String);

/// The urgent and serious fault and alarm impact windows of `systems` overlapping `[from, end)`,
/// clipped to it, by system.
async fn impact_windows(
    db: &impl ConnectionTrait,
    systems: &[i64],
    from: DateTime<Utc>,
    end: DateTime<Utc>,
    as_of: DateTime<Utc>,
) -> Result<BTreeMap<i64, Vec<Window>>, DbErr> {
    let mut q = Sql::new(db);
    q.push("SELECT t.system_id, t.number, t.occurred_at, t.resolved_at FROM tickets t")
        .push(" WHERE t.kind IN (")
        .keys(&[Kind::Fault, Kind::Alarm])
        .push(") AND t.severity IN (")
        .keys(&[Severity::Urgent, Severity::Serious])
        .push(") AND t.status NOT IN (")
        .keys(&[Status::Cancelled])
        .push(") AND t.occurred_at < ")
        .bind(end)
        .push(" AND ((t.occurred_at >= ")
        .bind(from)
        .push(" AND t.occurred_at < ")
        .bind(end)
        .push(") OR (t.occurred_at < ")
        .bind(from)
        .push(" AND (t.resolved_at IS NULL OR t.resolved_at > ")
        .bind(from)
        .push("))) AND +t.system_id IN (-1");
    for id in systems {
        q.push(", ").bind(*id);
    }
    q.push(")");
    let mut out: BTreeMap<i64, Vec<Window>> = BTreeMap::new();
    for row in q.all(db).await? {
        let began: DateTime<Utc> = row.try_get("", "occurred_at")?;
        let restored: Option<DateTime<Utc>> = row.try_get("", "resolved_at")?;
        let (a, b) = (began.max(from), restored.unwrap_or(as_of).min(end));
        if a < b {
            out.entry(row.try_get("", "system_id")?)
                .or_default()
                .push((a, b, row.try_get("", "number")?));
        }
    }
    Ok(out)
}

/// Approved exclusion windows of `systems` overlapping `[from, end)`, by system.
pub(crate) async fn exclusion_windows(
    db: &impl ConnectionTrait,
    systems: &[i64],
    from: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<BTreeMap<i64, Vec<(DateTime<Utc>, DateTime<Utc>)>>, DbErr> {
    let mut out: BTreeMap<i64, Vec<_>> = BTreeMap::new();
    for e in exclusions::Entity::find()
        .filter(exclusions::Column::Status.eq(crate::db::Key(exclusions::Status::Approved)))
        .filter(exclusions::Column::SystemId.is_in(systems.to_vec()))
        .filter(exclusions::Column::StartsAt.lt(end))
        .filter(exclusions::Column::EndsAt.gt(from))
        .all(db)
        .await?
    {
        out.entry(e.system_id).or_default().push((e.starts_at, e.ends_at));
    }
    Ok(out)
}
