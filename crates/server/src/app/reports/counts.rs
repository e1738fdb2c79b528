//! Ticket counts and, per clock, how many met or breached their deadline.
//!
//! Two scans of the period serve the summary, the compliance table, the vendor scorecard and the
//! contracts' average times: tickets grouped by severity and vendor ([`ticket_rows`]), clocks
//! grouped by vendor and clock ([`clock_rows`]).

use sea_orm::{ConnectionTrait, DbErr};
use serde::Serialize;
use utoipa::ToSchema;

use super::sql::{Scope, Sql, int};
use ticket_domain::Status;

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
    /// met / (met + breached), in per cent; none when nothing was decided. Provisional clocks
    /// count as they stand (see `provisional`).
    pub compliance_pct: Option<f64>,
    /// Of the clocks not cancelled, those whose deadline is provisional: it runs into days whose
    /// holidays the calendar has not published, counted with the weekly schedule alone, and is
    /// measured again when the year is added. Counted in `met`, `breached` and `pending` too;
    /// left out of the JSON when zero.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub provisional: i64,
    /// Of `met`, provisional.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub provisional_met: i64,
    /// Of `breached`, provisional.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub provisional_breached: i64,
    /// met / (met + breached) over the clocks whose deadline is final, in per cent: the figure
    /// the next holiday notice cannot move. Given when some clock is provisional and some final
    /// one was decided (otherwise it is `compliance_pct`, or nothing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_compliance_pct: Option<f64>,
}

impl ClockCompliance {
    /// Compliance over the final deadlines alone: `compliance_pct` when none is provisional.
    pub fn final_pct(&self) -> Option<f64> {
        if self.provisional == 0 {
            self.compliance_pct
        } else {
            self.final_compliance_pct
        }
    }
}

fn is_zero(n: &i64) -> bool {
    *n == 0
}

/// The scope's clocks with a provisional deadline, of one name and calendar (cancelled ones
/// left out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProvisionalRow {
    /// `response`, `arrival`, `repair`.
    pub clock: String,
    /// The calendar they count on.
    pub calendar: String,
    /// All (not cancelled).
    pub total: i64,
    /// Met.
    pub met: i64,
    /// Breached (as [`Sql::breached_case`]).
    pub breached: i64,
}

/// Tickets of one severity and vendor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketRow {
    /// Severity.
    pub severity: String,
    /// The vendor they count against.
    pub vendor_id: Option<i64>,
    /// Received.
    pub received: i64,
    /// Resolved or closed.
    pub resolved: i64,
    /// Cancelled.
    pub cancelled: i64,
    /// With a breached clock.
    pub breached: i64,
}

/// Clocks of one name and vendor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClockRow {
    /// The vendor their tickets count against.
    pub vendor_id: Option<i64>,
    /// `response`, `arrival`, `repair`.
    pub clock: String,
    /// All.
    pub total: i64,
    /// Met.
    pub met: i64,
    /// Breached (as [`Sql::breached_case`]).
    pub breached: i64,
    /// Cancelled.
    pub cancelled: i64,
    /// Stopped and measured.
    pub stopped: i64,
    /// Their working time, milliseconds in all.
    pub consumed_ms: i64,
}

impl ClockRow {
    /// Mean working time of the stopped clocks, minutes to the hundredth (for display).
    pub fn mean_min(&self) -> Option<f64> {
        self.mean_exact_min().map(|m| super::sql::minutes(m * 60_000.0))
    }

    /// The same, unrounded (contract bands compare it: 30.004 minutes is above 30).
    pub fn mean_exact_min(&self) -> Option<f64> {
        (self.stopped > 0).then(|| self.consumed_ms as f64 / self.stopped as f64 / 60_000.0)
    }
}

/// Per-cent share, two decimals.
pub fn pct(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| (part as f64 * 10000.0 / whole as f64).round() / 100.0)
}

/// The scope's tickets by severity and vendor.
pub async fn ticket_rows(db: &impl ConnectionTrait, scope: &Scope) -> Result<Vec<TicketRow>, DbErr> {
    let mut q = Sql::new(db);
    q.push("SELECT t.severity AS severity, t.vendor_id AS vendor_id, COUNT(*) AS received, ")
        .push("CAST(SUM(CASE WHEN t.status IN (")
        .keys(&[Status::Resolved, Status::Closed])
        .push(") THEN 1 ELSE 0 END) AS BIGINT) AS resolved, ")
        .push("CAST(SUM(CASE WHEN t.status IN (")
        .keys(&[Status::Cancelled])
        .push(") THEN 1 ELSE 0 END) AS BIGINT) AS cancelled, ")
        .push("CAST(SUM(CASE WHEN ")
        .ticket_breached(scope.as_of)
        .push(" THEN 1 ELSE 0 END) AS BIGINT) AS breached")
        .from_scope(scope)
        .push(" GROUP BY t.severity, t.vendor_id");
    q.all(db)
        .await?
        .iter()
        .map(|row| {
            Ok(TicketRow {
                severity: row.try_get("", "severity")?,
                vendor_id: row.try_get("", "vendor_id")?,
                received: int(row, "received")?,
                resolved: int(row, "resolved")?,
                cancelled: int(row, "cancelled")?,
                breached: int(row, "breached")?,
            })
        })
        .collect()
}

/// The scope's clocks by vendor and name.
pub async fn clock_rows(db: &impl ConnectionTrait, scope: &Scope) -> Result<Vec<ClockRow>, DbErr> {
    let stopped = "c.state IN ('met', 'breached-met') AND c.consumed_ms IS NOT NULL";
    let mut q = Sql::new(db);
    q.push("SELECT t.vendor_id AS vendor_id, c.name AS clock, COUNT(*) AS total, ")
        .push("CAST(SUM(CASE WHEN c.state = 'cancelled' THEN 1 ELSE 0 END) AS BIGINT) AS cancelled, ")
        .push("CAST(SUM(CASE WHEN c.state = 'met' THEN 1 ELSE 0 END) AS BIGINT) AS met, CAST(SUM")
        .breached_case(scope.as_of)
        .push(" AS BIGINT) AS breached, ")
        .push(&format!(
            "CAST(SUM(CASE WHEN {stopped} THEN 1 ELSE 0 END) AS BIGINT) AS stopped, "
        ))
        .push(&format!(
            "CAST(SUM(CASE WHEN {stopped} THEN c.consumed_ms ELSE 0 END) AS BIGINT) AS consumed"
        ))
        .from_clocks(scope)
        .push(" GROUP BY t.vendor_id, c.name");
    q.all(db)
        .await?
        .iter()
        .map(|row| {
            Ok(ClockRow {
                vendor_id: row.try_get("", "vendor_id")?,
                clock: row.try_get("", "clock")?,
                total: int(row, "total")?,
                met: int(row, "met")?,
                breached: int(row, "breached")?,
                cancelled: int(row, "cancelled")?,
                stopped: int(row, "stopped")?,
                consumed_ms: int(row, "consumed")?,
            })
        })
        .collect()
}

/// The scope's clocks whose deadline is provisional, by name and calendar. A scan of its own
/// rather than a column of [`clock_rows`], whose aggregate reads a covering index: this one
/// starts from the provisional clocks (few, and indexed) and looks their tickets up.
pub async fn provisional_rows(db: &impl ConnectionTrait, scope: &Scope) -> Result<Vec<ProvisionalRow>, DbErr> {
    let mut q = Sql::new(db);
    q.push("SELECT c.name AS clock, c.calendar AS calendar, COUNT(*) AS total, ")
        .push("CAST(SUM(CASE WHEN c.state = 'met' THEN 1 ELSE 0 END) AS BIGINT) AS met, CAST(SUM")
        .breached_case(scope.as_of)
        .push(" AS BIGINT) AS breached")
        .from_provisional_clocks(scope)
        .push(" AND c.state <> 'cancelled' GROUP BY c.name, c.calendar");
    q.all(db)
        .await?
        .iter()
        .map(|row| {
            Ok(ProvisionalRow {
                clock: row.try_get("", "clock")?,
                calendar: row.try_get("", "calendar")?,
                total: int(row, "total")?,
                met: int(row, "met")?,
                breached: int(row, "breached")?,
            })
        })
        .collect()
}

/// The summary of the ticket rows.
pub fn tickets(rows: &[TicketRow]) -> TicketCounts {
    let mut out = TicketCounts::default();
    for r in rows {
        out.received += r.received;
        out.breached += r.breached;
        out.resolved += r.resolved;
        out.cancelled += r.cancelled;
        match out.by_severity.iter_mut().find(|s| s.severity == r.severity) {
            Some(s) => {
                s.received += r.received;
                s.breached += r.breached;
            }
            None => out.by_severity.push(SeverityCount {
                severity: r.severity.clone(),
                received: r.received,
                breached: r.breached,
            }),
        }
    }
    out.open = out.received - out.resolved - out.cancelled;
    let rank = |s: &str| ["urgent", "serious", "general", "minor"].iter().position(|x| *x == s);
    out.by_severity.sort_by_key(|s| rank(&s.severity));
    out
}

/// Met, breached, pending and cancelled, per clock, over all vendors, with the provisional
/// ones among them.
pub fn compliance(rows: &[ClockRow], provisional: &[ProvisionalRow]) -> Vec<ClockCompliance> {
    let mut out: Vec<ClockCompliance> = Vec::new();
    for r in rows {
        let c = match out.iter_mut().position(|c| c.clock == r.clock) {
            Some(i) => &mut out[i],
            None => {
                out.push(ClockCompliance {
                    clock: r.clock.clone(),
                    total: 0,
                    met: 0,
                    breached: 0,
                    pending: 0,
                    cancelled: 0,
                    compliance_pct: None,
                    provisional: 0,
                    provisional_met: 0,
                    provisional_breached: 0,
                    final_compliance_pct: None,
                });
                let last = out.len() - 1;
                &mut out[last]
            }
        };
        c.total += r.total;
        c.met += r.met;
        c.breached += r.breached;
        c.cancelled += r.cancelled;
    }
    for p in provisional {
        // Every provisional clock is among the rows; a name the rows lack cannot occur.
        if let Some(c) = out.iter_mut().find(|c| c.clock == p.clock) {
            c.provisional += p.total;
            c.provisional_met += p.met;
            c.provisional_breached += p.breached;
        }
    }
    for c in &mut out {
        c.pending = c.total - c.met - c.breached - c.cancelled;
        c.compliance_pct = pct(c.met, c.met + c.breached);
        if c.provisional > 0 {
            let (met, breached) = (c.met - c.provisional_met, c.breached - c.provisional_breached);
            c.final_compliance_pct = pct(met, met + breached);
        }
    }
    out.sort_by_key(|c| clock_rank(&c.clock));
    out
}

/// Clocks in the order a ticket runs them.
pub fn clock_rank(name: &str) -> usize {
    ["response", "arrival", "repair"]
        .iter()
        .position(|x| *x == name)
        .unwrap_or(3)
}
