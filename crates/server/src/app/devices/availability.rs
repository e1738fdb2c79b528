//! Device availability of a system over a period, read from the database and computed by
//! [`super::uptime`]: per device (every device in service in the period) and per system over its
//! main devices. A device's outage is the impact windows (fault began → service restored, or the
//! report's instant) of the tickets naming it whose kind is a fault or an alarm and whose
//! severity is one of the asked ones ([`OUTAGE_SEVERITIES`] by default), cancelled tickets
//! aside, net of the system's approved exclusions. The period ends at the report's instant if
//! that is earlier, and is cut to the system's days of service, as the system availability is.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use serde::{Deserialize, Serialize};
use sla_clock::Severity;
use ticket_domain::{Kind, Status};
use utoipa::{IntoParams, ToSchema};

use super::uptime::{self, Span, Uptime};
use crate::app::auth::Principal;
use crate::app::catalog::service::{ServiceDates, ZONE};
use crate::app::permissions::{self, Action};
use crate::app::reports::sql::{Sql, minutes};
use crate::app::{AppError, AppResult, Context};
use crate::db::entities::devices;

/// The severities whose tickets count as a device's outage unless the caller names others: all
/// four. Seed 004 L27657 counts as a fault "设备或设备的一部分不能或部分不能完成规定功能的",
/// a device unable to do its function even in part, whatever the ticket's grade (docs/contracts.md).
pub const OUTAGE_SEVERITIES: [Severity; 4] = Severity::ALL;

/// The period and the severities asked for.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AvailabilityQuery {
    /// First day (`2026-03-01`, Beijing time) or instant (RFC 3339).
    pub from: String,
    /// Day after the last (`2026-04-01`) or instant; the period is `[from, to)`.
    pub to: String,
    /// Severities that count, comma-separated (default: `urgent,serious,general,minor`).
    pub severities: Option<String>,
}

/// One device's availability.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeviceAvailability {
    /// Its code.
    pub code: String,
    /// Its type.
    #[serde(rename = "type")]
    pub kind: String,
    /// A main device (counted in the system's figure).
    pub main: bool,
    /// Minutes measured (its days in service within the period).
    pub measured_min: f64,
    /// Minutes of outage counted.
    pub outage_min: f64,
    /// Minutes of outage in approved exclusions, not counted.
    pub excluded_min: f64,
    /// `1 − outage / measured`, per cent, four decimals; none when not measured.
    pub availability_pct: Option<f64>,
    /// The tickets whose windows count.
    pub tickets: Vec<String>,
    /// The fields its record lacks to count as filed (一机一档; the system's `filing_fields`);
    /// empty: filed.
    pub missing: Vec<String>,
}

/// A system's device availability.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SystemDeviceAvailability {
    /// The system's code.
    pub system: String,
    /// Start of the period measured.
    pub from: DateTime<Utc>,
    /// End (the report's instant if earlier, cut to the days of service).
    pub to: DateTime<Utc>,
    /// The severities counted.
    pub severities: Vec<String>,
    /// Main devices measured.
    pub main_devices: usize,
    /// Σ minutes measured over the main devices.
    pub measured_min: f64,
    /// Σ minutes of outage of the main devices.
    pub outage_min: f64,
    /// Σ minutes excluded.
    pub excluded_min: f64,
    /// `1 − Σ outage / Σ measured` over the main devices, per cent; none without any.
    pub availability_pct: Option<f64>,
    /// Its device KPIs (main-device availability, online rate over every device, filing rate)
    /// against the catalogue's targets (docs/devices.md "KPIs and targets").
    pub kpis: Vec<super::kpis::Kpi>,
    /// Every device in service in the period, by code.
    pub devices: Vec<DeviceAvailability>,
}

/// An instant from a day (its Beijing midnight) or an RFC 3339 instant.
pub fn instant(field: &str, text: &str) -> AppResult<DateTime<Utc>> {
    let t = text.trim();
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return day_start(d).ok_or_else(|| AppError::invalid(field, format!("{t} has no midnight")));
    }
    DateTime::parse_from_rfc3339(t)
        .map(|x| x.with_timezone(&Utc))
        .map_err(|_| {
            AppError::invalid(
                field,
                format!("{t:?} is neither a day (2026-03-01) nor an RFC 3339 instant"),
            )
        })
}

fn day_start(d: NaiveDate) -> Option<DateTime<Utc>> {
    d.and_hms_opt(0, 0, 0)?
        .and_local_timezone(ZONE)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

fn severities(text: Option<&str>) -> AppResult<Vec<Severity>> {
    let Some(text) = text.filter(|t| !t.trim().is_empty()) else {
        return Ok(OUTAGE_SEVERITIES.to_vec());
    };
    text.split(',')
        .map(|s| {
            s.trim().parse::<Severity>().map_err(|_| {
                AppError::invalid(
                    "severities",
                    format!("{s:?} is not a severity; expected urgent, serious, general or minor"),
                )
            })
        })
        .collect()
}

fn mins(d: TimeDelta) -> f64 {
    minutes(d.num_milliseconds().max(0) as f64)
}

/// The device availability of system `code` over the query's period.
pub async fn of_system(
    ctx: &Context,
    p: &Principal,
    code: &str,
    q: AvailabilityQuery,
) -> AppResult<SystemDeviceAvailability> {
    permissions::check(p, Action::DeviceRead)?;
    let (from, to) = (instant("from", &q.from)?, instant("to", &q.to)?);
    if to <= from {
        return Err(AppError::invalid("to", "the period ends before it begins"));
    }
    if to - from > TimeDelta::days(400) {
        return Err(AppError::invalid("to", "a period of at most 400 days"));
    }
    let severities = severities(q.severities.as_deref())?;
    let s = crate::app::scope::system_in_scope(&ctx.db, p, code).await?;
    let now = ctx.now();
    let (a, b) = ServiceDates::of(s.profile.as_ref())
        .clip(from, to.min(now))
        .unwrap_or((from, from));
    let measured = measure(&ctx.db, &BTreeMap::from([(s.id, (a, b))]), &severities, now)
        .await?
        .remove(&s.id)
        .unwrap_or_default();
    let targets = super::kpis::Targets::of(s.profile.as_ref());
    let mut tally = super::kpis::Tally::default();
    let mut out = Vec::new();
    let mut mains = Vec::new();
    for m in measured {
        let d = m.device;
        let u = m.uptime;
        let missing: Vec<String> = super::kpis::missing(&super::record_of(&d), &targets.filing_fields)
            .into_iter()
            .map(str::to_owned)
            .collect();
        tally.add(u, d.main, missing.is_empty());
        if d.main {
            mains.push(u);
        }
        out.push(DeviceAvailability {
            code: d.code,
            kind: d.kind,
            main: d.main,
            measured_min: mins(u.measured),
            outage_min: mins(u.outage),
            excluded_min: mins(u.excluded),
            availability_pct: u.share().map(uptime::pct),
            tickets: m.tickets,
            missing,
        });
    }
    let main_devices = mains.len();
    let total = uptime::system(mains);
    Ok(SystemDeviceAvailability {
        system: s.code,
        from: a,
        to: b,
        severities: severities.iter().map(|s| s.key().to_owned()).collect(),
        main_devices,
        measured_min: mins(total.measured),
        outage_min: mins(total.outage),
        excluded_min: mins(total.excluded),
        availability_pct: total.share().map(uptime::pct),
        kpis: tally.kpis(&targets),
        devices: out,
    })
}

/// One device measured over its system's period.
#[derive(Debug, Clone)]
pub(crate) struct Measured {
    /// The device.
    pub device: devices::Model,
    /// Its figures.
    pub uptime: Uptime,
    /// The tickets whose windows count, by number.
    pub tickets: Vec<String>,
}

/// The devices of each system of `periods` (system id → its period, already cut at now and to
/// its days of service) in service in that period, by code, each measured: its outage from the
/// fault and alarm tickets naming it of `severities` (cancelled ones aside, open ones to `now`),
/// net of its system's approved exclusions. One query for the tickets, one for the exclusions,
/// one for the devices, whatever the number of systems.
pub(crate) async fn measure(
    db: &impl ConnectionTrait,
    periods: &BTreeMap<i64, Span>,
    severities: &[Severity],
    now: DateTime<Utc>,
) -> Result<BTreeMap<i64, Vec<Measured>>, DbErr> {
    let ids: Vec<i64> = periods.keys().copied().collect();
    let (Some(first), Some(last)) = (periods.values().map(|p| p.0).min(), periods.values().map(|p| p.1).max()) else {
        return Ok(BTreeMap::new());
    };
    let mut q = Sql::new(db);
    q.push("SELECT td.device_id, t.number, t.occurred_at, t.resolved_at FROM ticket_devices td")
        .push(" JOIN tickets t ON t.id = td.ticket_id JOIN devices d ON d.id = td.device_id")
        .push(" WHERE t.kind IN (")
        .keys(&[Kind::Fault, Kind::Alarm])
        .push(") AND t.severity IN (")
        .keys(severities)
        .push(") AND t.status NOT IN (")
        .keys(&[Status::Cancelled])
        .push(") AND t.occurred_at < ")
        .bind(last)
        .push(" AND (t.resolved_at IS NULL OR t.resolved_at > ")
        .bind(first)
        .push(") AND d.system_id IN (-1");
    for id in &ids {
        q.push(", ").bind(*id);
    }
    q.push(")");
    let mut impacts: BTreeMap<i64, Vec<(Span, String)>> = BTreeMap::new();
    for row in q.all(db).await? {
        let began: DateTime<Utc> = row.try_get("", "occurred_at")?;
        let restored: Option<DateTime<Utc>> = row.try_get("", "resolved_at")?;
        impacts
            .entry(row.try_get("", "device_id")?)
            .or_default()
            .push(((began, restored.unwrap_or(now)), row.try_get("", "number")?));
    }
    let mut exclusions = crate::app::reports::availability::exclusion_windows(db, &ids, first, last).await?;
    let mut out: BTreeMap<i64, Vec<Measured>> = BTreeMap::new();
    for d in devices::Entity::find()
        .filter(devices::Column::SystemId.is_in(ids.clone()))
        .order_by_asc(devices::Column::Code)
        .all(db)
        .await?
    {
        let Some(&(a, b)) = periods.get(&d.system_id) else {
            continue;
        };
        let start = d.installed_on.and_then(day_start);
        let end = d.removed_on.and_then(|r| r.succ_opt()).and_then(day_start);
        let in_service = (start.is_some() || end.is_some()).then(|| (start.unwrap_or(a).min(b), end.unwrap_or(b)));
        if in_service.is_some_and(|(x, y)| x.max(a) >= y.min(b)) {
            continue;
        }
        let windows = impacts.remove(&d.id).unwrap_or_default();
        let spans: Vec<Span> = windows.iter().map(|w| w.0).collect();
        let excl = exclusions.entry(d.system_id).or_default();
        let uptime = uptime::device((a, b), in_service, &spans, excl);
        let mut tickets: Vec<String> = windows.into_iter().map(|w| w.1).collect();
        tickets.sort();
        tickets.dedup();
        out.entry(d.system_id).or_default().push(Measured {
            device: d,
            uptime,
            tickets,
        });
    }
    Ok(out)
}
