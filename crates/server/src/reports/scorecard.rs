//! The per-vendor scorecard: each vendor's tickets, how many breached, compliance per clock and
//! mean working times. A ticket counts against its assignee's vendor, else its system's first
//! vendor (`tickets.vendor_id`).

use std::collections::BTreeMap;

use sea_orm::{ConnectionTrait, DbErr};
use serde::Serialize;
use utoipa::ToSchema;

use super::counts::pct;
use super::sql::{Scope, Sql, float, int, minutes};

/// One vendor's record.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct VendorScore {
    /// Vendor code (none: tickets no vendor serves).
    pub vendor: Option<String>,
    /// Vendor name.
    pub name: Option<String>,
    /// Tickets received.
    pub tickets: i64,
    /// Tickets with a breached clock.
    pub breached_tickets: i64,
    /// Response clocks met / breached / compliance %.
    pub response: Tally,
    /// Arrival clocks.
    pub arrival: Tally,
    /// Repair clocks.
    pub repair: Tally,
    /// Mean working time to acknowledge, minutes.
    pub mtta_min: Option<f64>,
    /// Mean working time to restore, minutes.
    pub mttr_min: Option<f64>,
}

/// Met and breached clocks of one kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, ToSchema)]
pub struct Tally {
    /// Met.
    pub met: i64,
    /// Breached.
    pub breached: i64,
    /// met / (met + breached), per cent.
    pub compliance_pct: Option<f64>,
}

/// The scorecard, vendors by code.
pub async fn vendors(db: &impl ConnectionTrait, scope: &Scope) -> Result<Vec<VendorScore>, DbErr> {
    let mut by_vendor: BTreeMap<Option<i64>, VendorScore> = BTreeMap::new();
    let mut q = Sql::new(db);
    q.push("SELECT t.vendor_id AS vendor_id, COUNT(*) AS tickets, CAST(SUM(CASE WHEN t.breached = ")
        .bind(true)
        .push(" OR EXISTS (SELECT 1 FROM clocks c WHERE c.ticket_id = t.id AND c.state = 'running' AND c.deadline < ")
        .bind(scope.as_of)
        .push(") THEN 1 ELSE 0 END) AS BIGINT) AS breached")
        .from_scope(scope)
        .push(" GROUP BY t.vendor_id");
    for row in q.all(db).await? {
        let v = by_vendor.entry(row.try_get("", "vendor_id")?).or_default();
        v.tickets = int(&row, "tickets")?;
        v.breached_tickets = int(&row, "breached")?;
    }
    let mut q = Sql::new(db);
    q.push("SELECT t.vendor_id AS vendor_id, c.name AS clock, ")
        .push("CAST(SUM(CASE WHEN c.state = 'met' THEN 1 ELSE 0 END) AS BIGINT) AS met, CAST(SUM")
        .breached_case(scope.as_of)
        .push(" AS BIGINT) AS breached, CAST(AVG(CASE WHEN c.state IN ('met', 'breached-met') THEN c.consumed_ms END)")
        .push(" AS DOUBLE PRECISION) AS mean_ms")
        .push(" FROM tickets t JOIN systems s ON s.id = t.system_id JOIN clocks c ON c.ticket_id = t.id")
        .push(" WHERE t.received_at >= ")
        .bind(scope.from)
        .push(" AND t.received_at < ")
        .bind(scope.to)
        .filters(scope)
        .push(" GROUP BY t.vendor_id, c.name");
    for row in q.all(db).await? {
        let v = by_vendor.entry(row.try_get("", "vendor_id")?).or_default();
        let (met, breached) = (int(&row, "met")?, int(&row, "breached")?);
        let tally = Tally {
            met,
            breached,
            compliance_pct: pct(met, met + breached),
        };
        let mean = float(&row, "mean_ms")?.map(minutes);
        match row.try_get::<String>("", "clock")?.as_str() {
            "response" => (v.response, v.mtta_min) = (tally, mean),
            "arrival" => v.arrival = tally,
            "repair" => (v.repair, v.mttr_min) = (tally, mean),
            _ => {}
        }
    }
    let mut q = Sql::new(db);
    q.push("SELECT id, code, name FROM vendors");
    let names: BTreeMap<i64, (String, String)> = q
        .all(db)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("", "id")?, (r.try_get("", "code")?, r.try_get("", "name")?))))
        .collect::<Result<_, DbErr>>()?;
    let mut out: Vec<VendorScore> = by_vendor
        .into_iter()
        .map(|(id, mut v)| {
            if let Some((code, name)) = id.and_then(|id| names.get(&id)) {
                (v.vendor, v.name) = (Some(code.clone()), Some(name.clone()));
            }
            v
        })
        .collect();
    out.sort_by(|a, b| (a.vendor.is_none(), &a.vendor).cmp(&(b.vendor.is_none(), &b.vendor)));
    Ok(out)
}
