//! The reads the report's sections need beyond the breach report's.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};

use crate::db::entities::{tickets, units};

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
