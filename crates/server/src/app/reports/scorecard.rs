//! The per-vendor scorecard: each vendor's tickets, how many breached, compliance per clock and
//! mean working times. A ticket counts against its assignee's vendor, else its system's first
//! vendor (`tickets.vendor_id`).

use std::collections::BTreeMap;

use sea_orm::{ConnectionTrait, DbErr, EntityTrait};
use serde::Serialize;
use utoipa::ToSchema;

use super::counts::{ClockRow, TicketRow, pct};
use crate::db::entities::vendors;

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

/// The scorecard, vendors by code, from the period's ticket and clock rows.
pub async fn vendors(
    db: &impl ConnectionTrait,
    tickets: &[TicketRow],
    clocks: &[ClockRow],
) -> Result<Vec<VendorScore>, DbErr> {
    let mut by_vendor: BTreeMap<Option<i64>, VendorScore> = BTreeMap::new();
    for r in tickets {
        let v = by_vendor.entry(r.vendor_id).or_default();
        v.tickets += r.received;
        v.breached_tickets += r.breached;
    }
    for r in clocks {
        let v = by_vendor.entry(r.vendor_id).or_default();
        let tally = Tally {
            met: r.met,
            breached: r.breached,
            compliance_pct: pct(r.met, r.met + r.breached),
        };
        match r.clock.as_str() {
            "response" => (v.response, v.mtta_min) = (tally, r.mean_min()),
            "arrival" => v.arrival = tally,
            "repair" => (v.repair, v.mttr_min) = (tally, r.mean_min()),
            _ => {}
        }
    }
    let names: BTreeMap<i64, (String, String)> = vendors::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|v| (v.id, (v.code, v.name)))
        .collect();
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
