//! The reads the report's sections need beyond the breach report's.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};

use crate::db::entities::{inspections, systems, tickets, units, users};

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
