//! The reads the report's sections need beyond the breach report's.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};

use crate::db::entities::{duties, duty_runs, inspections, systems, tickets, units, users};

/// The alarm tickets received in `[from, to)` on `systems`, counted against one of `vendors`
/// (or none), per severity key.
pub async fn alarms_by_severity(
    db: &impl ConnectionTrait,
    systems: &[i64],
    vendors: &[i64],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<(String, i64)>, DbErr> {
    let rows: Vec<(String, Option<i64>)> = tickets::Entity::find()
        .select_only()
        .column(tickets::Column::Severity)
        .column(tickets::Column::VendorId)
        .filter(tickets::Column::Kind.eq("alarm"))
        .filter(tickets::Column::SystemId.is_in(systems.to_vec()))
        .filter(tickets::Column::ReceivedAt.gte(from))
        .filter(tickets::Column::ReceivedAt.lt(to))
        .into_tuple()
        .all(db)
        .await?;
    let mut by: BTreeMap<String, i64> = BTreeMap::new();
    for (severity, vendor) in rows {
        if vendor.is_none_or(|v| vendors.contains(&v)) {
            *by.entry(severity).or_default() += 1;
        }
    }
    let order = ["urgent", "serious", "general", "minor"];
    let mut out: Vec<(String, i64)> = by.into_iter().collect();
    out.sort_by_key(|(s, _)| order.iter().position(|o| o == s).unwrap_or(order.len()));
    Ok(out)
}

/// Every unit's code by id.
pub async fn unit_codes(db: &impl ConnectionTrait) -> Result<BTreeMap<i64, String>, DbErr> {
    Ok(units::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.code))
        .collect())
}

/// An inspection done, as a report lists it.
pub struct InspectionDone {
    /// `SA 系统名`.
    pub system: String,
    /// Its cadence's period and mode keys.
    pub every: String,
    /// `remote`, `on_site`, `any`.
    pub mode: String,
    /// When it was recorded.
    pub done_at: DateTime<Utc>,
    /// Who recorded it (username).
    pub done_by: String,
    /// Items found in order.
    pub ok: usize,
    /// Items checked.
    pub items: usize,
    /// Each item not in order: its words, the remark and the ticket opened.
    pub faults: Vec<String>,
}

/// The inspections of `systems` recorded done in `[from, to)`, by time.
pub async fn inspections_done(
    db: &impl ConnectionTrait,
    systems_in: &[i64],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<InspectionDone>, DbErr> {
    use sea_orm::QueryOrder;
    let rows = inspections::Entity::find()
        .filter(inspections::Column::State.eq("done"))
        .filter(inspections::Column::SystemId.is_in(systems_in.to_vec()))
        .filter(inspections::Column::DoneAt.gte(from))
        .filter(inspections::Column::DoneAt.lt(to))
        .order_by_asc(inspections::Column::DoneAt)
        .all(db)
        .await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let names: BTreeMap<i64, String> = systems::Entity::find()
        .filter(systems::Column::Id.is_in(systems_in.to_vec()))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, format!("{} {}", s.code, s.name)))
        .collect();
    let people: BTreeMap<i64, String> = users::Entity::find()
        .filter(users::Column::Id.is_in(rows.iter().filter_map(|r| r.done_by).collect::<Vec<_>>()))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.username))
        .collect();
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let done_at = r.done_at?;
            let results: Vec<serde_json::Value> = r
                .results
                .as_ref()
                .and_then(|v| v.as_array().cloned())
                .unwrap_or_default();
            let text = |v: &serde_json::Value, k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or("").to_owned();
            let faults = results
                .iter()
                .filter(|v| v.get("ok").and_then(serde_json::Value::as_bool) == Some(false))
                .map(|v| {
                    let ticket = text(v, "ticket");
                    let mut s = format!("{}：{}", text(v, "zh"), text(v, "remark"));
                    if !ticket.is_empty() {
                        s.push_str(&format!("（{ticket}）"));
                    }
                    s
                })
                .collect();
            Some(InspectionDone {
                system: names.get(&r.system_id).cloned().unwrap_or_default(),
                every: r.every,
                mode: r.mode,
                done_at,
                done_by: r.done_by.and_then(|id| people.get(&id).cloned()).unwrap_or_default(),
                ok: results
                    .iter()
                    .filter(|v| v.get("ok").and_then(serde_json::Value::as_bool) == Some(true))
                    .count(),
                items: results.len(),
                faults,
            })
        })
        .collect())
}

/// A scheduled duty's runs over a period: its name and system, how many times it ran, and how
/// many of the tickets it opened are resolved (or closed) and how many still open.
pub struct DutyRuns {
    /// The duty's name.
    pub name: String,
    /// `SA 系统名`.
    pub system: String,
    /// Runs scheduled in the period.
    pub runs: usize,
    /// Of their tickets, resolved or closed.
    pub done: usize,
    /// Of their tickets, neither resolved, closed nor cancelled.
    pub open: usize,
}

/// The scheduled duties (定期任务, 值班) of `systems` that ran in `[from, to)`.
pub async fn duty_runs(
    db: &impl ConnectionTrait,
    systems_in: &[i64],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<DutyRuns>, DbErr> {
    use sea_orm::QueryOrder;
    let list = duties::Entity::find()
        .filter(duties::Column::SystemId.is_in(systems_in.to_vec()))
        .order_by_asc(duties::Column::Code)
        .all(db)
        .await?;
    if list.is_empty() {
        return Ok(Vec::new());
    }
    let runs = duty_runs::Entity::find()
        .filter(duty_runs::Column::DutyId.is_in(list.iter().map(|d| d.id).collect::<Vec<_>>()))
        .filter(duty_runs::Column::ScheduledAt.gte(from))
        .filter(duty_runs::Column::ScheduledAt.lt(to))
        .all(db)
        .await?;
    let status: BTreeMap<i64, String> = tickets::Entity::find()
        .filter(tickets::Column::Id.is_in(runs.iter().filter_map(|r| r.ticket_id).collect::<Vec<_>>()))
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.id, t.status.key().to_owned()))
        .collect();
    let names: BTreeMap<i64, String> = systems::Entity::find()
        .filter(systems::Column::Id.is_in(systems_in.to_vec()))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, format!("{} {}", s.code, s.name)))
        .collect();
    Ok(list
        .into_iter()
        .filter_map(|d| {
            let mine: Vec<&duty_runs::Model> = runs.iter().filter(|r| r.duty_id == d.id).collect();
            if mine.is_empty() {
                return None;
            }
            let of = |r: &&duty_runs::Model| r.ticket_id.and_then(|id| status.get(&id)).map(String::as_str);
            Some(DutyRuns {
                name: d.name,
                system: names.get(&d.system_id).cloned().unwrap_or_default(),
                runs: mine.len(),
                done: mine
                    .iter()
                    .filter(|r| matches!(of(r), Some("resolved" | "closed")))
                    .count(),
                open: mine
                    .iter()
                    .filter(|r| matches!(of(r), Some(s) if !matches!(s, "resolved" | "closed" | "cancelled")))
                    .count(),
            })
        })
        .collect())
}
