//! The incident register (故障记录): every incident of the period — fault, security event or alarm,
//! not a service request, not a voided ticket — with what caused it, what was done, its impact
//! and how long it lasted. The seeds want the handling records gathered into the month's report
//! (000 L466 "每次处置完成之后形成故障处置记录，纳入月报"; 001 L443 "做好服务故障记录及原因分析");
//! each row is the summary of the ticket's incident report (`app::incident_report`).
//!
//! The cause, the fix and the impact window are the latest resolution's (kept when a ticket is
//! reopened, as its report keeps it); the impact grade the latest grading's. The duration is the
//! impact window's, or, while the ticket is not resolved, from when the problem began to the
//! report's instant (marked 未恢复).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;
use ticket_domain::{Kind, Status};
use utoipa::ToSchema;

use super::sql::{Scope, Sql, minutes};
use crate::db::entities::{systems, ticket_events};

/// One incident of the period.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Incident {
    /// Ticket number.
    pub ticket: String,
    /// Ticket title.
    pub title: String,
    /// fault, security or alarm.
    pub kind: String,
    /// The severity in force.
    pub severity: String,
    /// The impact grade after the event (事后定级), if graded.
    pub impact_grade: Option<String>,
    /// The contract's category (分类), by code, if sorted.
    pub category: Option<String>,
    /// Its name as the policies list it (the code, if none lists it any more).
    pub category_name: Option<String>,
    /// System code.
    pub system: String,
    /// System name.
    pub system_name: String,
    /// Owning unit's name.
    pub unit: String,
    /// When the problem began.
    pub occurred_at: DateTime<Utc>,
    /// When service was restored (none while it is not).
    pub resolved_at: Option<DateTime<Utc>>,
    /// Why it happened (根本原因), once resolved.
    pub root_cause: Option<String>,
    /// What was done, once resolved.
    pub fix: Option<String>,
    /// When the impact began, once resolved.
    pub impact_from: Option<DateTime<Utc>>,
    /// When it ended, once resolved.
    pub impact_to: Option<DateTime<Utc>>,
    /// How long it lasted, in minutes of wall time: the impact window, or from the start to the
    /// report's instant while not resolved.
    pub duration_min: f64,
    /// Whether any of its clocks counts as breached at the report's instant.
    pub breached: bool,
}

/// The scope's incidents, oldest first.
pub async fn list(db: &impl ConnectionTrait, scope: &Scope) -> Result<Vec<Incident>, DbErr> {
    let mut q = Sql::new(db);
    q.push("SELECT t.id, t.number, t.title, t.kind, t.severity, t.system_id, t.category, t.occurred_at, t.resolved_at, CASE WHEN ")
        .ticket_breached(scope.as_of)
        .push(" THEN 1 ELSE 0 END AS late")
        .from_tickets_by_unit(scope)
        .push(" AND t.kind IN (")
        .keys(&[Kind::Fault, Kind::Security, Kind::Alarm])
        .push(") AND t.status <> ")
        .keys(&[Status::Cancelled])
        .push(" ORDER BY t.received_at, t.number");
    let rows = q.all(db).await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = rows
        .iter()
        .map(|r| r.try_get::<i64>("", "id"))
        .collect::<Result<_, _>>()?;
    // The latest resolution and impact grading of each, read in one pass over their events.
    let mut resolved: BTreeMap<i64, serde_json::Value> = BTreeMap::new();
    let mut graded: BTreeMap<i64, String> = BTreeMap::new();
    for chunk in ids.chunks(500) {
        for e in ticket_events::Entity::find()
            .filter(ticket_events::Column::TicketId.is_in(chunk.to_vec()))
            .filter(ticket_events::Column::Kind.is_in(["resolved", "impact_graded"]))
            .order_by_asc(ticket_events::Column::Seq)
            .all(db)
            .await?
        {
            if e.kind == "resolved" {
                resolved.insert(e.ticket_id, e.data["resolution"].clone());
            } else if let Some(to) = e.data["to"].as_str() {
                graded.insert(e.ticket_id, to.to_owned());
            }
        }
    }
    let units = crate::app::catalog::export::unit_names(db).await?;
    let names = super::categories::Names::load(db).await?;
    let systems: BTreeMap<i64, (String, String, String)> = systems::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|s| {
            let unit = units.get(&s.unit_id).cloned().unwrap_or_default();
            (s.id, (s.code, s.name, unit))
        })
        .collect();
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let id: i64 = row.try_get("", "id")?;
        let system_id: i64 = row.try_get("", "system_id")?;
        let (system, system_name, unit) = systems.get(&system_id).cloned().unwrap_or_default();
        let occurred_at: DateTime<Utc> = row.try_get("", "occurred_at")?;
        let resolved_at: Option<DateTime<Utc>> = row.try_get("", "resolved_at")?;
        let category: Option<String> = row.try_get("", "category")?;
        let r = resolved.get(&id);
        let text = |k: &str| r.and_then(|r| r[k].as_str()).map(str::to_owned);
        let at = |k: &str| {
            r.and_then(|r| r[k].as_str())
                .and_then(|s| s.parse::<DateTime<Utc>>().ok())
        };
        let (impact_from, impact_to) = (at("impact_from"), at("impact_to"));
        let duration = match (resolved_at, impact_from, impact_to) {
            (Some(_), Some(from), Some(to)) => to - from,
            _ => scope.as_of.max(occurred_at) - occurred_at,
        };
        out.push(Incident {
            ticket: row.try_get("", "number")?,
            title: row.try_get("", "title")?,
            kind: row.try_get("", "kind")?,
            severity: row.try_get("", "severity")?,
            impact_grade: graded.remove(&id),
            category_name: category.as_ref().map(|c| names.of(system_id, c)),
            category,
            system,
            system_name,
            unit,
            occurred_at,
            resolved_at,
            root_cause: text("root_cause"),
            fix: text("fix"),
            impact_from,
            impact_to,
            duration_min: minutes(duration.num_milliseconds() as f64),
            breached: row.try_get::<i32>("", "late")? == 1,
        });
    }
    Ok(out)
}
