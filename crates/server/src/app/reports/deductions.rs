//! Contract deductions in the report: each vendor contract ([`Contract`], stored in `contracts`)
//! is assessed over the period's tickets of its vendor and systems, and the report shows each rule,
//! whether it fired, its evidence and its amount given the contract's price (see
//! [`contract_terms`] for the rules).
//!
//! A contract is assessed over all of its own scope (its vendor's tickets on its systems), whatever
//! kind or severity filter the report has: the contract's averages are over all its tickets. A
//! unit or system filter, or the caller's visibility, restricts which contracts are shown: those
//! with a system in view.
//!
//! A late or delay rule that counts a breach whose deadline is provisional (it runs into a year
//! whose holidays are not published yet) says so in its notes, and the contract lists the rule in
//! `provisional_rules`: the breach, and the amount with it, may change when the year is added.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use contract_terms::{self as deduction, Assessment, Condition, Contract, Metrics, Status};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set,
};
use serde::Serialize;
use sla_clock::Calendar;
use ticket_domain::ClockName;
use utoipa::ToSchema;

use super::availability::{self, SystemAvailability};
use super::breached::{self, BreachedClock};
use super::counts::{self, ClockRow};
use super::sql::Scope;
use crate::app::{AppError, AppResult};
use crate::db::entities::{contracts, system_vendors, systems, vendors};

/// One contract's deductions over the period.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ContractDeductions {
    /// Contract code.
    pub contract: String,
    /// Contract name.
    pub name: String,
    /// Vendor code.
    pub vendor: String,
    /// The contract price, fen.
    pub price_fen: i64,
    /// The monthly fee (price / months), fen.
    pub monthly_fee_fen: i64,
    /// The rules, their outcomes and the totals.
    #[schema(value_type = Object)]
    pub assessment: Assessment,
    /// The fired or exposed rules that count a breach whose deadline is provisional (their notes
    /// name the tickets); left out of the JSON when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub provisional_rules: Vec<String>,
    /// Fee reductions (核减) for its systems not served on some days of the period, apart from
    /// the deductions (see [`super::reductions`]).
    pub service_reductions: Vec<super::reductions::ServiceReduction>,
    /// Their sum, fen.
    pub service_reduction_fen: i64,
}

/// A stored contract with its vendor and system ids.
#[derive(Debug, Clone)]
pub struct Stored {
    /// The contract.
    pub contract: Contract,
    /// Its vendor.
    pub vendor_id: i64,
    /// The systems it covers (its list, or every system its vendor serves).
    pub system_ids: Vec<i64>,
}

/// Creates or replaces contract `c` (by code), after checking it; returns whether it changed.
pub async fn set(db: &impl ConnectionTrait, c: Contract, now: DateTime<Utc>) -> AppResult<bool> {
    c.validate().map_err(|e| AppError::invalid("contract", e.to_string()))?;
    let vendor = vendors::Entity::find()
        .filter(vendors::Column::Code.eq(&c.vendor))
        .one(db)
        .await?
        .ok_or_else(|| AppError::invalid("vendor", format!("no vendor with code {:?}", c.vendor)))?;
    for code in &c.systems {
        systems::Entity::find()
            .filter(systems::Column::Code.eq(code))
            .one(db)
            .await?
            .ok_or_else(|| AppError::invalid("systems", format!("no system with code {code:?}")))?;
    }
    let document = serde_json::to_value(&c).map_err(|e| AppError::Internal(e.into()))?;
    let existing = contracts::Entity::find()
        .filter(contracts::Column::Code.eq(&c.code))
        .one(db)
        .await?;
    if existing
        .as_ref()
        .is_some_and(|r| r.document == document && r.name == c.name && r.vendor_id == vendor.id)
    {
        return Ok(false);
    }
    let mut am = match existing {
        Some(row) => row.into_active_model(),
        None => contracts::ActiveModel {
            code: Set(c.code.clone()),
            ..Default::default()
        },
    };
    am.name = Set(c.name.clone());
    am.vendor_id = Set(vendor.id);
    am.document = Set(document);
    am.updated_at = Set(now);
    am.save(db).await?;
    Ok(true)
}

/// Every stored contract, by code.
pub async fn list(db: &impl ConnectionTrait) -> AppResult<Vec<Stored>> {
    let codes: BTreeMap<String, i64> = systems::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.code, s.id))
        .collect();
    let mut out = Vec::new();
    for row in contracts::Entity::find()
        .order_by_asc(contracts::Column::Code)
        .all(db)
        .await?
    {
        let contract: Contract = serde_json::from_value(row.document)
            .map_err(|e| AppError::Internal(anyhow::anyhow!("contract {}: {e}", row.code)))?;
        let system_ids = if contract.systems.is_empty() {
            system_vendors::Entity::find()
                .filter(system_vendors::Column::VendorId.eq(row.vendor_id))
                .all(db)
                .await?
                .into_iter()
                .map(|sv| sv.system_id)
                .collect()
        } else {
            contract.systems.iter().filter_map(|c| codes.get(c).copied()).collect()
        };
        out.push(Stored {
            contract,
            vendor_id: row.vendor_id,
            system_ids,
        });
    }
    Ok(out)
}

/// What the report has measured already, for contracts that cover exactly what it covers.
#[derive(Debug, Clone, Copy)]
pub struct Measured<'a> {
    /// The period's clocks by vendor and name.
    pub clocks: &'a [ClockRow],
    /// The breached clocks.
    pub breached: &'a [BreachedClock],
    /// Every system's availability.
    pub availability: &'a [SystemAvailability],
}

/// Assesses every contract in view of `scope` over its period.
pub async fn assess(
    db: &impl ConnectionTrait,
    calendars: &BTreeMap<String, Calendar>,
    scope: &Scope,
    measured: Measured<'_>,
) -> AppResult<Vec<ContractDeductions>> {
    let in_view: Option<Vec<i64>> = match (&scope.systems, scope.unit) {
        (None, None) => None,
        (ids, unit) => {
            let mut q = systems::Entity::find();
            if let Some(ids) = ids {
                q = q.filter(systems::Column::Id.is_in(ids.clone()));
            }
            if let Some(u) = unit {
                q = q.filter(systems::Column::UnitId.eq(u));
            }
            Some(q.all(db).await?.into_iter().map(|s| s.id).collect())
        }
    };
    // The report's own figures serve when it covers every ticket of every system (a vendor
    // filter only narrows which vendor's tickets, which each contract narrows anyway) and the
    // contract covers all of its vendor's systems.
    let whole = in_view.is_none() && scope.kind.is_none() && scope.severity.is_none();
    let mut out = Vec::new();
    for stored in list(db).await? {
        if scope.vendor.is_some_and(|v| v != stored.vendor_id)
            || in_view
                .as_ref()
                .is_some_and(|v| !stored.system_ids.iter().any(|id| v.contains(id)))
        {
            continue;
        }
        let (metrics, provisional) = if whole && stored.contract.systems.is_empty() {
            from_measured(&stored, measured)
        } else {
            measure(db, calendars, scope, &stored).await?
        };
        let c = &stored.contract;
        let mut assessment = deduction::assess(c, &metrics);
        let provisional_rules = mark_provisional(c, &mut assessment, &provisional);
        let service_reductions = super::reductions::of(db, &stored.system_ids, scope.from, scope.to).await?;
        out.push(ContractDeductions {
            contract: c.code.clone(),
            name: c.name.clone(),
            vendor: c.vendor.clone(),
            price_fen: c.price_fen,
            monthly_fee_fen: c.amount_fen(deduction::Amount::MonthlyFee { pct: 100.0 }, 1),
            assessment,
            provisional_rules,
            service_reduction_fen: service_reductions.iter().filter_map(|r| r.reduction_fen).sum(),
            service_reductions,
        });
    }
    Ok(out)
}

fn clock(name: &str) -> Option<ClockName> {
    name.parse().ok()
}

/// A late clock whose deadline is provisional: its name and ticket.
type ProvisionalLate = (ClockName, String);

/// The contract's metrics out of what the report measured over everything, with the late clocks
/// among them whose deadline is provisional.
fn from_measured(stored: &Stored, m: Measured<'_>) -> (Metrics, Vec<ProvisionalLate>) {
    let covers = |id: i64| stored.system_ids.contains(&id);
    let own: Vec<&BreachedClock> = m
        .breached
        .iter()
        .filter(|b| b.vendor.as_deref() == Some(stored.contract.vendor.as_str()) && covers(b.system_id))
        .collect();
    let mut out = Metrics {
        // The clock rows are per vendor: they serve a contract over all of its vendor's systems.
        averages: averages(m.clocks.iter().filter(|r| r.vendor_id == Some(stored.vendor_id))),
        late: own.iter().copied().filter_map(late).collect(),
        ..Metrics::default()
    };
    push_systems(&mut out, m.availability.iter().filter(|s| covers(s.id)));
    (out, provisional_late(own.into_iter()))
}

fn provisional_late<'a>(rows: impl Iterator<Item = &'a BreachedClock>) -> Vec<ProvisionalLate> {
    rows.filter(|b| b.provisional && b.overdue_wall_ms > 0)
        .filter_map(|b| Some((clock(&b.clock)?, b.ticket.clone())))
        .collect()
}

/// Notes each fired or exposed late or delay rule of `c` whose evidence holds a provisional late
/// clock, and the assessment once; returns those rules' ids.
fn mark_provisional(c: &Contract, a: &mut Assessment, provisional: &[ProvisionalLate]) -> Vec<String> {
    let mut marked = Vec::new();
    for o in &mut a.outcomes {
        let Some(rule) = c.rules.iter().find(|r| r.id == o.rule) else {
            continue;
        };
        let (Condition::Late { clock, .. } | Condition::Delay { clock, .. }) = rule.when else {
            continue;
        };
        if !matches!(o.status, Status::Fired | Status::Exposure) {
            continue;
        }
        let tickets: Vec<&str> = provisional
            .iter()
            .filter(|(name, ticket)| *name == clock && o.evidence.contains(ticket))
            .map(|(_, ticket)| ticket.as_str())
            .collect();
        if tickets.is_empty() {
            continue;
        }
        o.notes.push(format!(
            "暂定：其中 {n} 个超时时限（{list}）的截止时间为暂定，导入国务院通知后重新计算，次数、天数和金额可能变化 / \
             provisional: {n} of the late clocks ({list}) {have} provisional, measured again when the \
             State Council's notice is imported; the count, days and amount may change",
            n = tickets.len(),
            have = if tickets.len() == 1 {
                "has a deadline"
            } else {
                "have deadlines"
            },
            list = tickets.join(" "),
        ));
        marked.push(o.rule.clone());
    }
    if !marked.is_empty() {
        a.notes.push(format!(
            "暂定：{rules} 依据暂定截止时间，合计可能变化 / provisional: {rules} rest on provisional deadlines; \
             the totals may change",
            rules = marked.join(", "),
        ));
    }
    marked
}

fn averages<'a>(rows: impl Iterator<Item = &'a ClockRow>) -> Vec<deduction::Average> {
    rows.filter_map(|r| {
        Some(deduction::Average {
            clock: clock(&r.clock)?,
            count: r.stopped.max(0) as u64,
            mean_minutes: r.mean_exact_min()?,
        })
    })
    .collect()
}

fn late(b: &BreachedClock) -> Option<deduction::Late> {
    Some(deduction::Late {
        clock: clock(&b.clock)?,
        ticket: b.ticket.clone(),
        overdue_wall_ms: b.overdue_wall_ms,
    })
}

fn push_systems<'a>(m: &mut Metrics, systems: impl Iterator<Item = &'a SystemAvailability>) {
    for s in systems {
        if let Some(pct) = s.availability_pct {
            m.availability.push(deduction::Availability {
                system: s.system.clone(),
                pct,
            });
        }
        for o in &s.outages {
            m.outages.push(deduction::Outage {
                system: s.system.clone(),
                tickets: o.tickets.clone(),
                minutes: o.minutes,
            });
        }
    }
}

/// What the contract's rules read, measured over its vendor's tickets on its systems.
pub async fn metrics(
    db: &impl ConnectionTrait,
    calendars: &BTreeMap<String, Calendar>,
    scope: &Scope,
    stored: &Stored,
) -> AppResult<Metrics> {
    Ok(measure(db, calendars, scope, stored).await?.0)
}

/// The same, with the late clocks whose deadline is provisional.
async fn measure(
    db: &impl ConnectionTrait,
    calendars: &BTreeMap<String, Calendar>,
    scope: &Scope,
    stored: &Stored,
) -> AppResult<(Metrics, Vec<ProvisionalLate>)> {
    let own = Scope {
        from: scope.from,
        to: scope.to,
        as_of: scope.as_of,
        systems: Some(stored.system_ids.clone()),
        vendor: Some(stored.vendor_id),
        ..Scope::default()
    };
    let breached = breached::list(db, calendars, &own).await?;
    let mut m = Metrics {
        averages: averages(counts::clock_rows(db, &own).await?.iter()),
        late: breached.iter().filter_map(late).collect(),
        ..Metrics::default()
    };
    // Availability is the system's, whoever the tickets count against.
    let systems = availability::systems(
        db,
        &Scope {
            vendor: None,
            ..own.clone()
        },
    )
    .await?;
    push_systems(&mut m, systems.iter());
    Ok((m, provisional_late(breached.iter())))
}
