//! Exclusion windows: approved downtime of one system that counts neither against its SLA clocks
//! nor against its availability.
//!
//! | kind | who records it | takes effect |
//! |---|---|---|
//! | `maintenance` (计划检修, approved by the buyer) | anyone who may write; a manager approves | when approved |
//! | `force_majeure` (不可抗力) | a manager or admin, with a reason | at once |
//! | `third_party` (road or municipal works, another party's outage) | a manager or admin, with a reason | at once |
//!
//! A manager's own maintenance window is approved as it is recorded. An approved window can be
//! revoked (with a reason). Every step is audited by the caller. While an approved window
//! covers its system, every clock of the system's tickets is paused (see
//! [`sla_clock::Clock::excluding`]), so deadlines move by exactly the excluded working time; the
//! tickets it touches are re-projected when it is approved or revoked.

use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::AppError;
use crate::db::entities::{exclusions, systems, tickets};

/// The kinds of exclusion.
pub const KINDS: [&str; 3] = ["maintenance", "force_majeure", "third_party"];

/// An exclusion as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExclusionView {
    /// Id.
    pub id: i64,
    /// The system's code.
    pub system: String,
    /// `maintenance`, `force_majeure` or `third_party`.
    pub kind: String,
    /// When it begins.
    pub starts: DateTime<Utc>,
    /// When it ends (exclusive).
    pub ends: DateTime<Utc>,
    /// Why.
    pub reason: String,
    /// `proposed`, `approved`, `rejected` or `revoked`.
    pub status: String,
    /// Who asked (user id).
    pub requested_by: Option<i64>,
    /// Who decided (user id).
    pub decided_by: Option<i64>,
    /// When.
    pub decided_at: Option<DateTime<Utc>>,
    /// What the decider said.
    pub decision_note: Option<String>,
}

/// What a person asks for.
#[derive(Debug, Clone)]
pub struct Request {
    /// The system's code.
    pub system: String,
    /// One of [`KINDS`].
    pub kind: String,
    /// Begins.
    pub starts: DateTime<Utc>,
    /// Ends.
    pub ends: DateTime<Utc>,
    /// Why.
    pub reason: String,
}

/// A decision on an exclusion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Approve a proposed one.
    Approve,
    /// Reject a proposed one.
    Reject,
    /// Withdraw an approved one.
    Revoke,
}

impl std::str::FromStr for Decision {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "approve" => Ok(Decision::Approve),
            "reject" => Ok(Decision::Reject),
            "revoke" => Ok(Decision::Revoke),
            _ => Err(format!("{s:?} is not approve, reject or revoke")),
        }
    }
}

async fn view(db: &impl ConnectionTrait, r: exclusions::Model) -> Result<ExclusionView, AppError> {
    let system = systems::Entity::find_by_id(r.system_id)
        .one(db)
        .await?
        .map(|s| s.code)
        .unwrap_or_default();
    Ok(ExclusionView {
        id: r.id,
        system,
        kind: r.kind,
        starts: r.starts_at,
        ends: r.ends_at,
        reason: r.reason,
        status: r.status.to_string(),
        requested_by: r.requested_by,
        decided_by: r.decided_by,
        decided_at: r.decided_at,
        decision_note: r.decision_note,
    })
}

/// Records an exclusion; approved at once when `decider` (a manager or admin) records it.
/// Force majeure and third-party works may only be recorded by a decider.
pub async fn record(
    txn: &DatabaseTransaction,
    calendars: &std::collections::BTreeMap<String, sla_clock::Calendar>,
    req: &Request,
    by: i64,
    decider: bool,
    now: DateTime<Utc>,
) -> Result<ExclusionView, AppError> {
    if !KINDS.contains(&req.kind.as_str()) {
        return Err(AppError::invalid(
            "kind",
            format!("{:?} is not one of {}", req.kind, KINDS.join(", ")),
        ));
    }
    if req.kind != "maintenance" && !decider {
        return Err(AppError::Forbidden(format!(
            "only a manager or admin may mark {} (with a reason)",
            req.kind
        )));
    }
    if req.ends <= req.starts {
        return Err(AppError::invalid(
            "ends",
            format!("{} is not after starts {}", req.ends, req.starts),
        ));
    }
    if req.reason.trim().is_empty() {
        return Err(AppError::invalid("reason", "say why (the approval or the event)"));
    }
    let system = systems::Entity::find()
        .filter(systems::Column::Code.eq(&req.system))
        .one(txn)
        .await?
        .ok_or_else(|| AppError::invalid("system", format!("no system {:?}", req.system)))?;
    // The clocks of the system's tickets count around it, each in its own calendar (the system's,
    // or the one its `clock_calendars` names), which must answer for every instant of it: an
    // exclusion into years one cannot count would make those tickets impossible to measure.
    for cal in super::clock_calendars(calendars, "system", &system)? {
        crate::app::countable::span(cal, req.starts, req.starts).map_err(|why| AppError::invalid("starts", why))?;
        crate::app::countable::span(cal, req.starts, req.ends).map_err(|why| AppError::invalid("ends", why))?;
    }
    let row = exclusions::ActiveModel {
        system_id: Set(system.id),
        kind: Set(req.kind.clone()),
        starts_at: Set(req.starts),
        ends_at: Set(req.ends),
        reason: Set(req.reason.trim().to_owned()),
        status: Set(crate::db::Key(if decider {
            crate::db::entities::exclusions::Status::Approved
        } else {
            crate::db::entities::exclusions::Status::Proposed
        })),
        requested_by: Set(Some(by)),
        decided_by: Set(decider.then_some(by)),
        decided_at: Set(decider.then_some(now)),
        decision_note: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    if decider {
        refresh_tickets(txn, calendars, &row, now).await?;
    }
    view(txn, row).await
}

/// Approves, rejects or revokes the exclusion `row` (read in `txn`).
pub async fn decide(
    txn: &DatabaseTransaction,
    calendars: &std::collections::BTreeMap<String, sla_clock::Calendar>,
    row: exclusions::Model,
    decision: Decision,
    note: Option<String>,
    by: i64,
    now: DateTime<Utc>,
) -> Result<ExclusionView, AppError> {
    let id = row.id;
    use crate::db::entities::exclusions::Status;
    let (from, to) = match decision {
        Decision::Approve => (Status::Proposed, Status::Approved),
        Decision::Reject => (Status::Proposed, Status::Rejected),
        Decision::Revoke => (Status::Approved, Status::Revoked),
    };
    if *row.status != from {
        return Err(AppError::InvalidTransition {
            detail: format!("exclusion {id} is {}; only a {from} one can be {to}", row.status),
            allowed: Vec::new(),
        });
    }
    if decision == Decision::Revoke && note.as_deref().is_none_or(|n| n.trim().is_empty()) {
        return Err(AppError::invalid("note", "say why it is revoked"));
    }
    // Only if it is still `from`: two people deciding at once on PostgreSQL (read committed) both
    // read `proposed`; the second update waits for the first and then matches nothing.
    let changed = exclusions::Entity::update_many()
        .col_expr(exclusions::Column::Status, Expr::value(to.key()))
        .col_expr(exclusions::Column::DecidedBy, Expr::value(Some(by)))
        .col_expr(exclusions::Column::DecidedAt, Expr::value(Some(now)))
        .col_expr(exclusions::Column::DecisionNote, Expr::value(note))
        .filter(exclusions::Column::Id.eq(id))
        .filter(exclusions::Column::Status.eq(crate::db::Key(from)))
        .exec(txn)
        .await?;
    if changed.rows_affected != 1 {
        return Err(AppError::InvalidTransition {
            detail: format!("exclusion {id} was decided by someone else meanwhile; reload it"),
            allowed: Vec::new(),
        });
    }
    let row = exclusions::Entity::find_by_id(id)
        .one(txn)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no exclusion {id}")))?;
    if decision != Decision::Reject {
        refresh_tickets(txn, calendars, &row, now).await?;
    }
    view(txn, row).await
}

/// Re-projects the tickets of the exclusion's system whose clocks may have run during it.
async fn refresh_tickets(
    txn: &DatabaseTransaction,
    calendars: &std::collections::BTreeMap<String, sla_clock::Calendar>,
    row: &exclusions::Model,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let touched = tickets::Entity::find()
        .filter(tickets::Column::SystemId.eq(row.system_id))
        .filter(tickets::Column::OccurredAt.lt(row.ends_at))
        .filter(
            Condition::any()
                .add(tickets::Column::ResolvedAt.is_null())
                .add(tickets::Column::ResolvedAt.gt(row.starts_at)),
        )
        .all(txn)
        .await?;
    for t in touched {
        crate::app::tickets::refresh(txn, calendars, &t.number, now).await?;
    }
    Ok(())
}

/// The approved exclusions of system `system_id`, as the clocks take them.
pub async fn approved_for(
    db: &impl ConnectionTrait,
    system_id: i64,
) -> Result<Vec<sla_clock::Exclusion>, sea_orm::DbErr> {
    // Kept by the configuration cache ([`crate::app::cache`]) when the caller reads through it.
    crate::app::cache::cached("exclusions.approved", system_id, || approved_read(db, system_id)).await
}

async fn approved_read(db: &impl ConnectionTrait, system_id: i64) -> Result<Vec<sla_clock::Exclusion>, sea_orm::DbErr> {
    Ok(exclusions::Entity::find()
        .filter(exclusions::Column::SystemId.eq(system_id))
        .filter(exclusions::Column::Status.eq(crate::db::Key(exclusions::Status::Approved)))
        .order_by_asc(exclusions::Column::StartsAt)
        .all(db)
        .await?
        .into_iter()
        .map(|e| sla_clock::Exclusion {
            from: e.starts_at,
            to: e.ends_at,
            reason: format!("excluded: {} #{}: {}", e.kind, e.id, e.reason),
        })
        .collect())
}

/// Exclusions, newest first, optionally of one system and one status.
pub async fn list(
    db: &impl ConnectionTrait,
    system: Option<&str>,
    status: Option<&str>,
) -> Result<Vec<ExclusionView>, AppError> {
    let mut q = exclusions::Entity::find().order_by_desc(exclusions::Column::StartsAt);
    if let Some(code) = system {
        let id = systems::Entity::find()
            .filter(systems::Column::Code.eq(code))
            .one(db)
            .await?
            .map_or(-1, |s| s.id);
        q = q.filter(exclusions::Column::SystemId.eq(id));
    }
    if let Some(s) = status {
        q = q.filter(exclusions::Column::Status.eq(s));
    }
    let mut out = Vec::new();
    for r in q.all(db).await? {
        out.push(view(db, r).await?);
    }
    Ok(out)
}

/// `intervals` with the `excluded` ones taken out, both as `(from, to)` pairs: the outage that
/// counts against availability. The result is sorted and disjoint.
pub fn subtract(
    intervals: &[(DateTime<Utc>, DateTime<Utc>)],
    excluded: &[(DateTime<Utc>, DateTime<Utc>)],
) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    let merge = |v: &[(DateTime<Utc>, DateTime<Utc>)]| {
        let mut v: Vec<_> = v.iter().copied().filter(|(a, b)| a < b).collect();
        v.sort();
        let mut out: Vec<(DateTime<Utc>, DateTime<Utc>)> = Vec::new();
        for (a, b) in v {
            match out.last_mut() {
                Some(last) if a <= last.1 => last.1 = last.1.max(b),
                _ => out.push((a, b)),
            }
        }
        out
    };
    let ex = merge(excluded);
    let mut out = Vec::new();
    for (mut a, b) in merge(intervals) {
        for &(x, y) in &ex {
            if y <= a || x >= b {
                continue;
            }
            if x > a {
                out.push((a, x));
            }
            a = a.max(y);
        }
        if a < b {
            out.push((a, b));
        }
    }
    out
}

/// Total length of disjoint intervals.
pub fn total(intervals: &[(DateTime<Utc>, DateTime<Utc>)]) -> TimeDelta {
    intervals.iter().map(|(a, b)| *b - *a).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(h: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(0, 0).unwrap_or_default() + TimeDelta::hours(h)
    }

    #[test]
    fn subtract_takes_excluded_time_out_of_outages() {
        // Outages 0–10 and 8–12 (merged 0–12) and 20–22; excluded 2–4, 11–21.
        let out = subtract(
            &[(at(0), at(10)), (at(8), at(12)), (at(20), at(22))],
            &[(at(2), at(4)), (at(11), at(21))],
        );
        assert_eq!(out, vec![(at(0), at(2)), (at(4), at(11)), (at(21), at(22))]);
        assert_eq!(total(&out), TimeDelta::hours(10));
        assert_eq!(subtract(&[(at(0), at(5))], &[]), vec![(at(0), at(5))]);
        assert!(subtract(&[(at(1), at(2))], &[(at(0), at(5))]).is_empty());
    }
}
