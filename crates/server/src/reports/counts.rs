//! Ticket counts and, per clock, how many met or breached their deadline.

use sea_orm::{ConnectionTrait, DbErr};
use serde::Serialize;
use utoipa::ToSchema;

use super::sql::{Scope, Sql, int};

/// The period's tickets.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct TicketCounts {
    /// Received in the period.
    pub received: i64,
    /// Of those, resolved or closed by the time of the report.
    pub resolved: i64,
    /// Cancelled (duplicate, withdrawn).
    pub cancelled: i64,
    /// Still open.
    pub open: i64,
    /// With at least one breached clock.
    pub breached: i64,
    /// The same, per severity (`urgent`, `serious`, `general`, `minor`).
    pub by_severity: Vec<SeverityCount>,
}

/// Tickets of one severity.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct SeverityCount {
    /// The severity.
    pub severity: String,
    /// Received.
    pub received: i64,
    /// With a breached clock.
    pub breached: i64,
}

/// One clock's record over the period.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ClockCompliance {
    /// `response`, `arrival` or `repair`.
    pub clock: String,
    /// Clocks started (tickets that had this clock).
    pub total: i64,
    /// Stopped before the deadline.
    pub met: i64,
    /// Past the deadline (stopped late, or running or paused past it).
    pub breached: i64,
    /// Running or paused, deadline not yet reached.
    pub pending: i64,
    /// Cancelled (e.g. arrival of a ticket resolved remotely).
    pub cancelled: i64,
    /// met / (met + breached), in per cent; none when nothing was decided.
    pub compliance_pct: Option<f64>,
}

/// Per-cent share, one decimal... kept to two for sums that must add up.
pub fn pct(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| (part as f64 * 10000.0 / whole as f64).round() / 100.0)
}

/// Counts the scope's tickets.
pub async fn tickets(db: &impl ConnectionTrait, scope: &Scope) -> Result<TicketCounts, DbErr> {
    let mut q = Sql::new(db);
    q.push("SELECT t.severity AS severity, COUNT(*) AS received, ")
        .push("CAST(SUM(CASE WHEN t.status IN ('resolved', 'closed') THEN 1 ELSE 0 END) AS BIGINT) AS resolved, ")
        .push("CAST(SUM(CASE WHEN t.status = 'cancelled' THEN 1 ELSE 0 END) AS BIGINT) AS cancelled, ")
        .push("CAST(SUM(CASE WHEN t.breached = ")
        .bind(true)
        .push(" OR EXISTS (SELECT 1 FROM clocks c WHERE c.ticket_id = t.id AND c.state = 'running' AND c.deadline < ")
        .bind(scope.as_of)
        .push(") THEN 1 ELSE 0 END) AS BIGINT) AS breached")
        .from_scope(scope)
        .push(" GROUP BY t.severity");
    let mut out = TicketCounts::default();
    for row in q.all(db).await? {
        let s = SeverityCount {
            severity: row.try_get("", "severity")?,
            received: int(&row, "received")?,
            breached: int(&row, "breached")?,
        };
        out.received += s.received;
        out.breached += s.breached;
        out.resolved += int(&row, "resolved")?;
        out.cancelled += int(&row, "cancelled")?;
        out.by_severity.push(s);
    }
    out.open = out.received - out.resolved - out.cancelled;
    let rank = |s: &str| ["urgent", "serious", "general", "minor"].iter().position(|x| *x == s);
    out.by_severity.sort_by_key(|s| rank(&s.severity));
    Ok(out)
}

/// Met, breached, pending and cancelled, per clock.
pub async fn compliance(db: &impl ConnectionTrait, scope: &Scope) -> Result<Vec<ClockCompliance>, DbErr> {
    let mut q = Sql::new(db);
    q.push("SELECT c.name AS clock, COUNT(*) AS total, ")
        .push("CAST(SUM(CASE WHEN c.state = 'cancelled' THEN 1 ELSE 0 END) AS BIGINT) AS cancelled, ")
        .push("CAST(SUM(CASE WHEN c.state = 'met' THEN 1 ELSE 0 END) AS BIGINT) AS met, CAST(SUM")
        .breached_case(scope.as_of)
        .push(" AS BIGINT) AS breached")
        .push(" FROM tickets t JOIN systems s ON s.id = t.system_id JOIN clocks c ON c.ticket_id = t.id")
        .push(" WHERE t.received_at >= ")
        .bind(scope.from)
        .push(" AND t.received_at < ")
        .bind(scope.to)
        .filters(scope)
        .push(" GROUP BY c.name");
    let mut out = Vec::new();
    for row in q.all(db).await? {
        let (total, met, breached, cancelled) = (
            int(&row, "total")?,
            int(&row, "met")?,
            int(&row, "breached")?,
            int(&row, "cancelled")?,
        );
        out.push(ClockCompliance {
            clock: row.try_get("", "clock")?,
            total,
            met,
            breached,
            pending: total - met - breached - cancelled,
            cancelled,
            compliance_pct: pct(met, met + breached),
        });
    }
    out.sort_by_key(|c| clock_rank(&c.clock));
    Ok(out)
}

/// Clocks in the order a ticket runs them.
pub fn clock_rank(name: &str) -> usize {
    ["response", "arrival", "repair"]
        .iter()
        .position(|x| *x == name)
        .unwrap_or(3)
}
