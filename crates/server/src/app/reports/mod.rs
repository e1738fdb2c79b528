//! Breach reports for managers: over a period and filters, the ticket counts, each clock's
//! compliance, MTTA/MTTR (working and wall time; mean, median, p90), the breached clocks with
//! their deadlines and lateness, a per-vendor scorecard, per-system availability against its
//! target, the device KPIs per system and contract against theirs, the deductions each vendor's
//! contract implies, the register of the period's incidents with their cause, impact and
//! duration, and the period's missed inspections.
//!
//! One door: [`breaches`] computes a [`Report`]; [`export`] writes it as CSV, XLSX or printable
//! HTML. The API (`GET /api/v1/reports/breaches`), the CLI (`opsclock report breaches`) and the
//! monthly summary email all call these two. Every figure is a SQL aggregate over the period's
//! tickets (see [`sql`]); only the breached clocks and the urgent/serious outages are read row
//! by row.

pub mod availability;
pub mod breached;
pub mod categories;
pub mod contract_months;
pub mod contracts;
pub mod corrections;
pub mod counts;
pub mod deductions;
pub mod device_kpis;
pub mod export;
pub mod incidents;
pub mod inspections;
pub mod latency;
pub mod notes;
pub mod paused;
pub mod period;
pub mod periodic;
pub mod reductions;
pub mod request;
pub mod satisfaction;
pub mod satisfaction_rate;
pub mod scorecard;
pub mod sql;
pub mod trend;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use sla_clock::Calendar;
use utoipa::{IntoParams, ToSchema};

use crate::app::{AppError, AppResult};
use crate::db::entities::{systems, units, vendors};
pub use period::Period;
pub use sql::Scope;

/// What to report on: a period and optional filters, all by code.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Filters {
    /// Only this unit's systems (unit code).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// Only tickets counted against this vendor (vendor code).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
    /// Only this system (system code).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    /// Only this kind: fault, request, security, alarm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Only this severity: urgent, serious, general, minor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
    /// Only this category (分类), by code; empty for the tickets not sorted yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
}

/// The breach report.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Report {
    /// The period.
    pub period: Period,
    /// The instant the report describes (clocks running past their deadline count as breached).
    pub as_of: DateTime<Utc>,
    /// The filters applied.
    pub filters: Filters,
    /// Ticket counts.
    pub tickets: counts::TicketCounts,
    /// Per clock: met, breached, pending, compliance.
    pub clocks: Vec<counts::ClockCompliance>,
    /// MTTA, arrival and MTTR.
    pub latency: Vec<latency::Latency>,
    /// Every breached clock.
    pub breached: Vec<breached::BreachedClock>,
    /// Per-vendor scorecard.
    pub vendors: Vec<scorecard::VendorScore>,
    /// Per-system availability.
    pub availability: Vec<availability::SystemAvailability>,
    /// Device KPIs per system and per contract (main-device availability, online rate, filing
    /// rate) against the catalogue's targets (docs/devices.md "KPIs and targets").
    pub device_kpis: device_kpis::DeviceKpis,
    /// Per contract: the deduction rules that fired, their evidence and amounts.
    pub deductions: Vec<deductions::ContractDeductions>,
    /// True when the reader may not see deductions (a unit's manager, an engineer): then
    /// `deductions` is empty because it is withheld, not because nothing was deducted, and every
    /// printed form says so instead of printing 「无」. E.g. 区经信局's manager reading November,
    /// while the bureau's admin sees ¥77,133.30 pending: `true`, and the page reads
    /// 「扣款由采购方（区局）管理人员查看，本角色不显示」.
    pub deductions_withheld: bool,
    /// Footnotes every printed form carries (e.g. provisional deadlines); empty when none.
    pub notes: Vec<notes::Footnote>,
    /// Every claim, request and cancellation on the period's tickets, decided or not: how a
    /// figure changed after the fact, and the attempts that did not.
    pub corrections: Vec<corrections::Correction>,
    /// Every clock of the period's tickets that spent time paused: how long, how often, why.
    pub paused: Vec<paused::PausedClock>,
    /// The reporters' ratings of the period's closed tickets (满意度).
    pub satisfaction: satisfaction::Satisfaction,
    /// Satisfaction against the contracts' targets: the ticket ratings and the units' surveys,
    /// apart and combined, per unit and contract (docs/satisfaction.md).
    pub satisfaction_rate: satisfaction_rate::SatisfactionRate,
    /// The incident register (故障记录): the period's faults, security events and alarms with
    /// their cause, impact and duration (docs/incident-report.md).
    pub incidents: Vec<incidents::Incident>,
    /// The period's tickets by kind and category (分类统计), the unsorted apart.
    pub categories: Vec<categories::CategoryCount>,
    /// The period's missed inspections (巡检) and, per system that missed one, how many it owed,
    /// did and missed (docs/inspections.md).
    pub inspections: inspections::Inspections,
    /// The periodic reports (定期报告) due in the period: the late ones, and per contract how many
    /// fell due, on time and late (docs/periodic-reports.md).
    pub periodic_reports: periodic::PeriodicReports,
}

/// Computes the breach report for `period`, `filters` and the systems the caller may see
/// (`None`: all), with deadlines judged at `as_of`. `with_deductions` is for readers entitled to
/// contract prices and to the evidence across every system of a contract (admins, buyer-wide
/// managers, a vendor's own managers); otherwise the section is empty.
pub async fn breaches(
    db: &impl ConnectionTrait,
    calendars: &BTreeMap<String, Calendar>,
    period: Period,
    filters: Filters,
    visible: Option<Vec<i64>>,
    as_of: DateTime<Utc>,
    with_deductions: bool,
) -> AppResult<Report> {
    let scope = resolve(db, &period, &filters, visible, as_of).await?;
    breaches_in(db, calendars, period, filters, scope, with_deductions).await
}

/// The breach report over `scope` as given (e.g. a contract's own systems and vendors, an
/// assessment's), `filters` only said back in the report.
pub async fn breaches_in(
    db: &impl ConnectionTrait,
    calendars: &BTreeMap<String, Calendar>,
    period: Period,
    filters: Filters,
    scope: Scope,
    with_deductions: bool,
) -> AppResult<Report> {
    let as_of = scope.as_of;
    // Independent scans, run at once: on a pool each takes its own connection (SQLite readers
    // do not block each other in WAL mode), inside a transaction they simply take turns.
    let (
        ticket_rows,
        clock_rows,
        provisional,
        latency,
        breached,
        availability,
        corrections,
        paused,
        satisfaction,
        incidents,
        categories,
        inspections,
    ) = tokio::try_join!(
        counts::ticket_rows(db, &scope),
        counts::clock_rows(db, &scope),
        counts::provisional_rows(db, &scope),
        latency::latencies(db, &scope),
        breached::list(db, calendars, &scope),
        availability::systems(db, &scope),
        corrections::list(db, &scope),
        paused::list(db, calendars, &scope),
        satisfaction::of(db, &scope),
        incidents::list(db, &scope),
        categories::list(db, &scope),
        inspections::of(db, calendars, &scope),
    )?;
    let periodic_reports = periodic::of(db, &scope).await?;
    let device_kpis = device_kpis::of(db, &scope).await?;
    let measured = deductions::Measured {
        breached: &breached,
        availability: &availability,
    };
    let clocks = counts::compliance(&clock_rows, &provisional);
    let satisfaction_rate = satisfaction_rate::of(db, &scope).await?;
    Ok(Report {
        tickets: counts::tickets(&ticket_rows),
        notes: notes::footnotes(&clocks, &provisional, calendars),
        clocks,
        latency,
        vendors: scorecard::vendors(db, &ticket_rows, &clock_rows).await?,
        deductions: if with_deductions {
            deductions::assess(db, calendars, &scope, &period, measured).await?
        } else {
            Vec::new()
        },
        deductions_withheld: !with_deductions,
        breached,
        availability,
        device_kpis,
        corrections,
        paused,
        satisfaction,
        satisfaction_rate,
        incidents,
        categories,
        inspections,
        periodic_reports,
        period,
        as_of,
        filters,
    })
}

/// Re-projects the tickets whose clocks were written before the report columns existed
/// (migration 5), so that reports count them as of `now`; returns how many. Each ticket in its
/// own transaction, under its lock; a no-op once done.
pub async fn backfill(
    db: &sea_orm::DatabaseConnection,
    calendars: &BTreeMap<String, Calendar>,
    now: DateTime<Utc>,
) -> anyhow::Result<u64> {
    use crate::db::entities::{clocks, tickets};
    use sea_orm::QuerySelect;
    let ids: Vec<i64> = clocks::Entity::find()
        .select_only()
        .column(clocks::Column::TicketId)
        .filter(clocks::Column::StartedAt.is_null())
        .distinct()
        .into_tuple()
        .all(db)
        .await?;
    let mut done = 0;
    for id in ids {
        let Some(t) = tickets::Entity::find_by_id(id).one(db).await? else {
            continue;
        };
        let txn = crate::db::begin_write(db).await?;
        // One ticket that cannot be measured (say its calendar is gone) must not keep the
        // server down: it is logged and left out of reports until fixed.
        match crate::app::tickets::refresh(&txn, calendars, &t.number, now).await {
            Ok(()) => {
                txn.commit().await?;
                done += 1;
            }
            Err(e) => tracing::error!(ticket = %t.number, error = %e, "cannot measure the ticket's clocks for reports"),
        }
    }
    Ok(done)
}

/// Turns codes into ids, checking each: the scope [`breaches`] reports on.
pub async fn resolve(
    db: &impl ConnectionTrait,
    period: &Period,
    f: &Filters,
    visible: Option<Vec<i64>>,
    as_of: DateTime<Utc>,
) -> AppResult<Scope> {
    let mut scope = Scope {
        from: period.from,
        to: period.to,
        as_of,
        systems: visible,
        ..Scope::default()
    };
    if let Some(code) = &f.unit {
        let u = units::Entity::find()
            .filter(units::Column::Code.eq(code))
            .one(db)
            .await?;
        scope.unit = Some(
            u.ok_or_else(|| AppError::invalid("unit", format!("no unit with code {code:?}")))?
                .id,
        );
    }
    if let Some(code) = &f.vendor {
        let v = vendors::Entity::find()
            .filter(vendors::Column::Code.eq(code))
            .one(db)
            .await?;
        scope.vendor = Some(
            v.ok_or_else(|| AppError::invalid("vendor", format!("no vendor with code {code:?}")))?
                .id,
        );
    }
    if let Some(code) = &f.system {
        let s = systems::Entity::find()
            .filter(systems::Column::Code.eq(code))
            .one(db)
            .await?
            .filter(|s| scope.systems.as_ref().is_none_or(|v| v.contains(&s.id)))
            .ok_or_else(|| AppError::invalid("system", format!("no system with code {code:?} (or not yours)")))?;
        scope.systems = Some(vec![s.id]);
    }
    if let Some(k) = &f.kind {
        let kind: ticket_domain::Kind = k
            .parse()
            .map_err(|e: ticket_domain::UnknownValue| AppError::invalid("kind", e.to_string()))?;
        scope.kind = Some(kind.key().to_owned());
    }
    if let Some(s) = &f.severity {
        let sev: sla_clock::Severity = s
            .parse()
            .map_err(|e: sla_clock::SeverityParseError| AppError::invalid("severity", e.to_string()))?;
        scope.severity = Some(sev.key().to_owned());
    }
    scope.category = f.category.as_deref().map(|c| c.trim().to_owned());
    Ok(scope)
}
