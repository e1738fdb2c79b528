//! The periodic reports (定期报告) due in the report's period: each one that was late (not
//! submitted by its due instant, or first submitted after it), and per contract how many fell
//! due, how many were on time, how many late, and how many are owed but not handed in without
//! being late (owed only after their due date) ([`crate::app::periodic_reports`]).
//!
//! A report is counted in the period holding its due instant (due at midnight on 1 December, it
//! is November's, as an inspection due at the end of its period is). Which contracts: those
//! covering a system of the scope and, for a vendor's report, binding the vendor. A unit's report
//! has none: a contract's reports cover every unit's systems.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;
use utoipa::ToSchema;

use super::Scope;
use super::deductions;
use crate::app::AppResult;
use crate::db::entities::periodic_reports;

/// A late report.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct LateReport {
    /// `RPT-7`.
    pub number: String,
    /// The contract's code.
    pub contract: String,
    /// The report's name (运维月报).
    pub name: String,
    /// The period it covers (`2026-11`).
    pub period: String,
    /// When it was due.
    pub due_at: DateTime<Utc>,
    /// `open`, `submitted`, `acknowledged`.
    pub state: String,
    /// When it was submitted, if it was.
    pub submitted_at: Option<DateTime<Utc>>,
}

/// A contract's reports due in the period.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ContractReports {
    /// The contract's code.
    pub contract: String,
    /// Reports that fell due.
    pub due: u32,
    /// Submitted by their due instant.
    pub on_time: u32,
    /// Not submitted by it (or first submitted after it).
    pub late: u32,
    /// Not submitted yet and not late: owed only after their due date had passed (a contract set
    /// late), so never late, but not handed in either.
    pub not_submitted: u32,
}

/// The section.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct PeriodicReports {
    /// The late ones, by due instant.
    pub late: Vec<LateReport>,
    /// Per contract.
    pub per_contract: Vec<ContractReports>,
}

/// The periodic reports due in `scope`'s period (up to its `as_of`).
pub async fn of(db: &impl ConnectionTrait, scope: &Scope) -> AppResult<PeriodicReports> {
    if scope.unit.is_some() {
        return Ok(PeriodicReports::default());
    }
    let vendors: Option<Vec<i64>> = scope.vendor.map(|v| vec![v]).or_else(|| scope.vendors.clone());
    let mut contracts: BTreeMap<i64, String> = BTreeMap::new();
    for s in deductions::list(db).await? {
        if scope.contract.as_ref().is_some_and(|c| *c != s.contract.code) {
            continue;
        }
        if let Some(ids) = &scope.systems
            && !s.system_ids.iter().any(|i| ids.contains(i))
        {
            continue;
        }
        if let Some(v) = &vendors
            && !v.iter().any(|v| s.binds(*v))
        {
            continue;
        }
        contracts.insert(s.id, s.contract.code.clone());
    }
    if contracts.is_empty() {
        return Ok(PeriodicReports::default());
    }
    let rows = periodic_reports::Entity::find()
        .filter(periodic_reports::Column::ContractId.is_in(contracts.keys().copied().collect::<Vec<_>>()))
        .filter(periodic_reports::Column::DueAt.gt(scope.from))
        .filter(periodic_reports::Column::DueAt.lte(scope.to))
        .filter(periodic_reports::Column::DueAt.lte(scope.as_of))
        .filter(periodic_reports::Column::State.ne("withdrawn"))
        .order_by_asc(periodic_reports::Column::DueAt)
        .order_by_asc(periodic_reports::Column::Id)
        .all(db)
        .await?;
    let mut out = PeriodicReports::default();
    let mut per: BTreeMap<String, ContractReports> = BTreeMap::new();
    for row in rows {
        let (Some(code), Some(due_at)) = (contracts.get(&row.contract_id), row.due_at) else {
            continue;
        };
        let late = crate::app::periodic_reports::is_late(&row, scope.as_of);
        let entry = per.entry(code.clone()).or_insert_with(|| ContractReports {
            contract: code.clone(),
            due: 0,
            on_time: 0,
            late: 0,
            not_submitted: 0,
        });
        entry.due += 1;
        if late {
            entry.late += 1;
            out.late.push(LateReport {
                number: format!("RPT-{}", row.id),
                contract: code.clone(),
                name: row.name,
                period: row.period,
                due_at,
                state: row.state,
                submitted_at: row.submitted_at,
            });
        } else if row.first_submitted_at.is_some() {
            entry.on_time += 1;
        } else {
            entry.not_submitted += 1;
        }
    }
    out.per_contract = per.into_values().collect();
    Ok(out)
}
