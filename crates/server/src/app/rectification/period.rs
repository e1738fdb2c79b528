//! What an assessment weighs of a period's rectification orders.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use sla_clock::Calendar;

use super::{STATES, clock_of, label};
use crate::app::AppResult;
use crate::db::entities::{rectification_orders, systems};

/// The orders of contract `code` (on `unit`'s systems, or issued by it, for a unit's assessment)
/// that an assessment of `[from, to)` weighs, with counts:
///
/// - `issued`: issued in the period;
/// - `accepted`, `refused`: closed so in the period;
/// - `overdue`: open past its deadline at some time in the period — the deadline (as the clock
///   counts it, pauses for the issuer's check left out) passed before the period's end, and the
///   order was not closed before the period began or before the deadline. An order due in
///   February and still open in April is overdue in February, March and April.
///
/// Each order is measured as of the period's end (or now, for a period not over). Withdrawn
/// orders count for nothing. Part of the assessment's figures (its snapshot), so later acts on
/// an order do not change a signed assessment.
pub async fn for_period(
    db: &impl ConnectionTrait,
    calendars: &BTreeMap<String, Calendar>,
    code: &str,
    unit: Option<i64>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
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
        find = find.filter(
            sea_orm::Condition::any()
                .add(rectification_orders::Column::SystemId.is_in(mine))
                .add(rectification_orders::Column::UnitId.eq(u)),
        );
    }
    let rows = find.order_by_asc(rectification_orders::Column::Id).all(db).await?;
    let within = |t: Option<DateTime<Utc>>| t.is_some_and(|t| t >= from && t < to);
    let at = now.min(to);
    let (mut issued, mut accepted, mut refused, mut overdue) = (0, 0, 0, 0);
    let mut items = Vec::new();
    for r in rows {
        // As the clock counts at the period's end; the stored measure where the calendar is gone.
        let (deadline, breached) = match calendars.get(&r.calendar) {
            Some(cal) => {
                let clock = clock_of(&r)?;
                let s = clock
                    .status(cal, at.max(r.issued_at))
                    .map_err(|e| crate::app::AppError::Internal(anyhow::anyhow!("ZG-{}'s clock: {e}", r.id)))?;
                (Some(s.deadline), s.breached)
            }
            None => (r.deadline, r.breached),
        };
        let is_issued = within(Some(r.issued_at));
        let is_accepted = r.state == "accepted" && within(r.closed_at);
        let is_refused = r.state == "refused" && within(r.closed_at);
        let is_overdue = breached && deadline.is_some_and(|d| d < to && r.closed_at.is_none_or(|c| c > from.max(d)));
        if !(is_issued || is_accepted || is_refused || is_overdue) {
            continue;
        }
        issued += usize::from(is_issued);
        accepted += usize::from(is_accepted);
        refused += usize::from(is_refused);
        overdue += usize::from(is_overdue);
        items.push(serde_json::json!({
            "number": format!("ZG-{}", r.id), "title": r.title, "state": r.state,
            "state_label": label(&STATES, &r.state), "issued_at": r.issued_at, "deadline": deadline,
            "overdue": is_overdue, "closed_at": r.closed_at,
            "finding": r.finding_id.map(|f| format!("F-{f}")),
        }));
    }
    Ok(serde_json::json!({
        "issued": issued, "accepted": accepted, "refused": refused, "overdue": overdue, "orders": items,
    }))
}
