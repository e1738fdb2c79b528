//! What an assessment weighs of a period's rectification orders.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use super::{STATES, label};
use crate::app::AppResult;
use crate::db::entities::{rectification_orders, systems};

/// The orders of contract `code` (on `unit`'s systems, for a unit's assessment) that an
/// assessment of `[from, to)` weighs: issued in it, accepted or refused in it, or due in it and
/// breached; with counts. Withdrawn orders count for nothing. Part of the assessment's figures
/// (its snapshot), so later acts on an order do not change a signed assessment.
pub async fn for_period(
    db: &impl ConnectionTrait,
    code: &str,
    unit: Option<i64>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> AppResult<serde_json::Value> {
    let mut find = rectification_orders::Entity::find()
        .filter(rectification_orders::Column::ContractCode.eq(code))
        .filter(rectification_orders::Column::State.ne("withdrawn"))
        .filter(rectification_orders::Column::IssuedAt.lt(to));
    if let Some(u) = unit {
        let mine = systems::Entity::find()
            .filter(systems::Column::UnitId.eq(u))
            .all(db)
            .await?
            .into_iter()
            .map(|s| s.id);
        find = find.filter(rectification_orders::Column::SystemId.is_in(mine));
    }
    let rows = find.order_by_asc(rectification_orders::Column::Id).all(db).await?;
    let within = |t: Option<DateTime<Utc>>| t.is_some_and(|t| t >= from && t < to);
    let (mut issued, mut accepted, mut refused, mut overdue) = (0, 0, 0, 0);
    let mut items = Vec::new();
    for r in rows {
        let is_issued = within(Some(r.issued_at));
        let is_accepted = r.state == "accepted" && within(r.closed_at);
        let is_refused = r.state == "refused" && within(r.closed_at);
        let is_overdue = r.breached && within(r.deadline);
        if !(is_issued || is_accepted || is_refused || is_overdue) {
            continue;
        }
        issued += usize::from(is_issued);
        accepted += usize::from(is_accepted);
        refused += usize::from(is_refused);
        overdue += usize::from(is_overdue);
        items.push(serde_json::json!({
            "number": format!("ZG-{}", r.id), "title": r.title, "state": r.state,
            "state_label": label(&STATES, &r.state), "issued_at": r.issued_at, "deadline": r.deadline,
            "breached": r.breached, "closed_at": r.closed_at,
        }));
    }
    Ok(serde_json::json!({
        "issued": issued, "accepted": accepted, "refused": refused, "overdue": overdue, "orders": items,
    }))
}
