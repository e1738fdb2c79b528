//! What a contract's rules read, month by month: the report's period cut into calendar months in
//! its zone, and for each month the contract's late clocks, availability and outages, its
//! averages split by ticket kind and by source (scheduled duty or not), its missed inspections,
//! and the findings of the month that are not withdrawn. [`contract_terms::assess_months`] assesses each month on its own
//! and sums them, so a rule charged once per month charges once in each month of a quarter.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use contract_terms::{self as deduction, Condition, Metrics};
use sea_orm::{ConnectionTrait, DbErr};
use sla_clock::Calendar;
use ticket_domain::{ClockName, Kind};

use super::availability::{self, SystemAvailability};
use super::breached::{self, BreachedClock};
use super::deductions::Stored;
use super::period::Period;
use super::sql::{Scope, Sql, int};
use crate::app::{AppError, AppResult};

/// One calendar month of a period: its label (`2026-11`) and its instants, clipped to the period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Month {
    /// `YYYY-MM`.
    pub label: String,
    /// The first instant (the month's, or the period's if later).
    pub from: DateTime<Utc>,
    /// The first instant after (the month's, or the period's if earlier).
    pub to: DateTime<Utc>,
}

/// The calendar months `period` touches, in its zone, each clipped to the period.
///
/// ```
/// # use opsclock::app::reports::{Period, contract_months::months};
/// let q = Period::parse("2026-Q4", chrono_tz::Asia::Shanghai).unwrap();
/// let m = months(&q).unwrap();
/// assert_eq!(m.iter().map(|m| m.label.as_str()).collect::<Vec<_>>(), ["2026-10", "2026-11", "2026-12"]);
/// assert_eq!(m[1].from.to_rfc3339(), "2026-10-31T16:00:00+00:00");
/// let days = Period::parse("2026-03-20..2026-04-10", chrono_tz::Asia::Shanghai).unwrap();
/// let m = months(&days).unwrap();
/// assert_eq!((m[0].label.as_str(), m[1].label.as_str()), ("2026-03", "2026-04"));
/// assert_eq!(m[1].to, days.to);
/// ```
pub fn months(period: &Period) -> AppResult<Vec<Month>> {
    let zone: chrono_tz::Tz = period
        .timezone
        .parse()
        .map_err(|_| AppError::invalid("timezone", format!("{:?} is not a time zone", period.timezone)))?;
    let local = period.from.with_timezone(&zone).date_naive();
    let mut first = NaiveDate::from_ymd_opt(local.year(), local.month(), 1)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("no first day of {local}")))?;
    let mut out = Vec::new();
    while out.len() < 1200 {
        let next = first
            .checked_add_months(chrono::Months::new(1))
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("no month after {first}")))?;
        let start = midnight(first, zone)?;
        if start >= period.to {
            break;
        }
        let end = midnight(next, zone)?;
        out.push(Month {
            label: format!("{:04}-{:02}", first.year(), first.month()),
            from: start.max(period.from),
            to: end.min(period.to),
        });
        first = next;
    }
    Ok(out)
}

fn midnight(d: NaiveDate, zone: chrono_tz::Tz) -> AppResult<DateTime<Utc>> {
    d.and_hms_opt(0, 0, 0)
        .and_then(|t| t.and_local_timezone(zone).earliest())
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("no midnight on {d}")))
}

/// Whether the contract has an `average_time` rule (only then are averages measured).
pub fn averages_needed(c: &deduction::Contract) -> bool {
    c.rules.iter().any(|r| matches!(r.when, Condition::AverageTime { .. }))
}

/// The mean measured time of the scope's tickets, per clock, ticket kind, source (a ticket opened
/// by or logged against a scheduled duty, or not) and whether a target ran the clock: the
/// response time to the acknowledgement and the repair time to the resolution
/// (`tickets.response_ms`, `tickets.repair_ms`), measured for every ticket whether or not its
/// policy gives the clock a target ([`ticket_domain::Ticket::measured`]).
pub async fn averages(db: &impl ConnectionTrait, scope: &Scope) -> Result<Vec<deduction::Average>, DbErr> {
    let scheduled = "CAST(CASE WHEN t.duty_id IS NULL THEN 0 ELSE 1 END AS BIGINT)";
    let mut out = Vec::new();
    for (clock, column) in [(ClockName::Response, "response_ms"), (ClockName::Repair, "repair_ms")] {
        let untargeted = format!(
            "CAST(CASE WHEN EXISTS (SELECT 1 FROM clocks c WHERE c.ticket_id = t.id AND c.name = '{}') \
             THEN 0 ELSE 1 END AS BIGINT)",
            clock.key()
        );
        let mut q = Sql::new(db);
        // Grouped outside: PostgreSQL refuses a correlated subquery among the GROUP BY keys.
        q.push(&format!(
            "SELECT kind, scheduled, untargeted, COUNT(*) AS stopped, CAST(SUM(ms) AS BIGINT) AS consumed \
             FROM (SELECT t.kind AS kind, {scheduled} AS scheduled, {untargeted} AS untargeted, t.{column} AS ms"
        ))
        .from_scope(scope)
        .push(&format!(
            " AND t.{column} IS NOT NULL) m GROUP BY kind, scheduled, untargeted"
        ));
        for row in q.all(db).await? {
            let kind: String = row.try_get("", "kind")?;
            let Ok(kind) = kind.parse::<Kind>() else {
                continue;
            };
            let count = int(&row, "stopped")?;
            if count <= 0 {
                continue;
            }
            out.push(deduction::Average {
                clock,
                count: count.unsigned_abs(),
                mean_minutes: int(&row, "consumed")? as f64 / count as f64 / 60_000.0,
                kind: Some(kind),
                scheduled: int(&row, "scheduled")? != 0,
                untargeted: int(&row, "untargeted")? != 0,
            });
        }
    }
    Ok(out)
}

/// Gives `m` the month's missed inspections if the contract has a `missed_inspection` rule: each
/// inspection of its systems (those its vendor or a member serves) due in the month (after its
/// first instant, at the latest at its end) and missed, as the breach report lists them
/// ([`super::inspections`]).
pub async fn add_missed_inspections(
    db: &impl ConnectionTrait,
    calendars: &BTreeMap<String, Calendar>,
    scope: &Scope,
    month: &Month,
    stored: &Stored,
    m: &mut Metrics,
) -> Result<(), DbErr> {
    if !stored
        .contract
        .rules
        .iter()
        .any(|r| matches!(r.when, Condition::MissedInspection { .. }))
    {
        return Ok(());
    }
    let listed = super::inspections::of(db, calendars, &own_scope(scope, month, stored)).await?;
    // An inspection has no vendor of its own: on a system another contract's vendor serves too,
    // whose it was is not known, and charging it here would charge it twice (once per
    // contract). Such a miss is listed in the report but left to a finding.
    let shared = shared_systems(db, stored).await?;
    m.missed_inspections = listed
        .missed
        .into_iter()
        .filter(|i| !shared.contains(&i.system))
        .map(|i| deduction::MissedInspection {
            system: i.system,
            period: i.period,
            seq: u32::try_from(i.seq).unwrap_or(0),
            times: u32::try_from(i.times).unwrap_or(0),
        })
        .collect();
    Ok(())
}

/// The codes of the systems `stored`'s vendors serve together with a vendor it does not bind.
async fn shared_systems(db: &impl ConnectionTrait, stored: &Stored) -> Result<Vec<String>, DbErr> {
    use crate::db::entities::{system_vendors, systems};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let links = system_vendors::Entity::find()
        .filter(system_vendors::Column::SystemId.is_in(stored.system_ids.clone()))
        .all(db)
        .await?;
    let shared: Vec<i64> = links
        .iter()
        .filter(|l| !stored.binds(l.vendor_id))
        .map(|l| l.system_id)
        .collect();
    if shared.is_empty() {
        return Ok(Vec::new());
    }
    Ok(systems::Entity::find()
        .filter(systems::Column::Id.is_in(shared))
        .all(db)
        .await?
        .into_iter()
        .map(|s| s.code)
        .collect())
}

/// A breached clock as the rules read it.
pub fn late(b: &BreachedClock) -> Option<deduction::Late> {
    Some(deduction::Late {
        clock: b.clock.parse().ok()?,
        ticket: b.ticket.clone(),
        overdue_wall_ms: b.overdue_wall_ms,
    })
}

/// Adds the systems' availability and outages.
pub fn push_systems<'a>(m: &mut Metrics, systems: impl Iterator<Item = &'a SystemAvailability>) {
    for s in systems {
        if let Some(pct) = s.availability_pct {
            m.availability.push(deduction::Availability {
                system: s.system.clone(),
                pct,
            });
        }
        for o in &s.outages {
            m.outages.push(deduction::Outage {
                system: s.system.clone(),
                tickets: o.tickets.clone(),
                minutes: o.minutes,
            });
        }
    }
}

/// The contract's own scope over `month`: its systems, the tickets of its vendor and members.
pub fn own_scope(scope: &Scope, month: &Month, stored: &Stored) -> Scope {
    Scope {
        from: month.from,
        to: month.to,
        as_of: scope.as_of,
        systems: Some(stored.system_ids.clone()),
        vendors: Some(stored.vendor_ids()),
        ..Scope::default()
    }
}

/// The month's metrics measured over the contract's own scope, with its breached clocks.
pub async fn measure(
    db: &impl ConnectionTrait,
    calendars: &BTreeMap<String, Calendar>,
    scope: &Scope,
    month: &Month,
    stored: &Stored,
) -> AppResult<(Metrics, Vec<BreachedClock>)> {
    let own = own_scope(scope, month, stored);
    let breached = breached::list(db, calendars, &own).await?;
    let mut m = Metrics {
        averages: if averages_needed(&stored.contract) {
            averages(db, &own).await?
        } else {
            Vec::new()
        },
        late: breached.iter().filter_map(late).collect(),
        ..Metrics::default()
    };
    // Availability is the system's, whoever the tickets count against.
    let systems = availability::systems(db, &Scope { vendors: None, ..own }).await?;
    push_systems(&mut m, systems.iter());
    Ok((m, breached))
}
