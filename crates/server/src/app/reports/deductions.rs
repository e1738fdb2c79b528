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

use super::availability::SystemAvailability;
use super::breached::BreachedClock;
use super::contract_months;
use super::period::Period;
use super::sql::Scope;
use crate::app::{AppError, AppResult};
use crate::db::entities::{contracts, system_vendors, systems, tickets, vendors};

/// One contract's deductions over the period.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ContractDeductions {
    /// Contract code.
    pub contract: String,
    /// Contract name.
    pub name: String,
    /// Vendor code.
    pub vendor: String,
    /// The other members of its consortium (vendor codes), whose tickets count too.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<String>,
    /// The contract price, fen.
    pub price_fen: i64,
    /// The monthly fee (price / months), fen.
    pub monthly_fee_fen: i64,
    /// The rules, their outcomes (each with how it counts, its months and the findings behind
    /// it) and the totals, month by month. Each outcome and the assessment carry `notes` in
    /// English and `notes_zh`, the same notes in Chinese (same length and order).
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
    /// Its row's id.
    pub id: i64,
    /// The contract.
    pub contract: Contract,
    /// Its vendor.
    pub vendor_id: i64,
    /// The other members of its consortium ([`Contract::members`]), by id; a member whose code
    /// names no vendor is left out.
    pub member_ids: Vec<i64>,
    /// The systems it covers (its list, or every system its vendor or a member serves).
    pub system_ids: Vec<i64>,
}

impl Stored {
    /// The vendor and the members: the tickets counted against any of them are the contract's.
    pub fn vendor_ids(&self) -> Vec<i64> {
        let mut ids = vec![self.vendor_id];
        ids.extend(self.member_ids.iter().copied().filter(|m| *m != self.vendor_id));
        ids
    }

    /// Whether vendor `id` is bound by the contract (its vendor or a member).
    pub fn binds(&self, id: i64) -> bool {
        self.vendor_id == id || self.member_ids.contains(&id)
    }
}

/// The stored contract `code`, or a 422 naming `field` when there is none.
pub async fn by_code(db: &impl ConnectionTrait, field: &str, code: &str) -> AppResult<Stored> {
    list(db)
        .await?
        .into_iter()
        .find(|s| s.contract.code == code)
        .ok_or_else(|| AppError::invalid(field, format!("no contract {code:?}")))
}

/// Creates or replaces contract `c` (by code), after checking it; returns whether it changed.
pub async fn set(db: &impl ConnectionTrait, c: Contract, now: DateTime<Utc>) -> AppResult<bool> {
    c.validate().map_err(|e| AppError::invalid("contract", e.to_string()))?;
    // The scheme a contract names must be one the server ships (422 naming `scheme`).
    if let Some(code) = &c.scheme {
        crate::app::assessments::schemes::get(code)?;
    }
    crate::app::periodic_reports::check_duties(db, &c).await?;
    let vendor = vendors::Entity::find()
        .filter(vendors::Column::Code.eq(&c.vendor))
        .one(db)
        .await?
        .ok_or_else(|| AppError::invalid("vendor", format!("no vendor with code {:?}", c.vendor)))?;
    for code in &c.members {
        vendors::Entity::find()
            .filter(vendors::Column::Code.eq(code))
            .one(db)
            .await?
            .ok_or_else(|| AppError::invalid("members", format!("no vendor with code {code:?}")))?;
    }
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
    let vendor_codes: BTreeMap<String, i64> = vendors::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|v| (v.code, v.id))
        .collect();
    let mut out = Vec::new();
    for row in contracts::Entity::find()
        .order_by_asc(contracts::Column::Code)
        .all(db)
        .await?
    {
        let contract: Contract = serde_json::from_value(row.document)
            .map_err(|e| AppError::Internal(anyhow::anyhow!("contract {}: {e}", row.code)))?;
        let member_ids: Vec<i64> = contract
            .members
            .iter()
            .filter_map(|c| vendor_codes.get(c).copied())
            .collect();
        let system_ids = if contract.systems.is_empty() {
            let mut vendor_ids = member_ids.clone();
            vendor_ids.push(row.vendor_id);
            let mut ids: Vec<i64> = system_vendors::Entity::find()
                .filter(system_vendors::Column::VendorId.is_in(vendor_ids))
                .all(db)
                .await?
                .into_iter()
                .map(|sv| sv.system_id)
                .collect();
            ids.sort_unstable();
            ids.dedup();
            ids
        } else {
            contract.systems.iter().filter_map(|c| codes.get(c).copied()).collect()
        };
        out.push(Stored {
            id: row.id,
            contract,
            vendor_id: row.vendor_id,
            member_ids,
            system_ids,
        });
    }
    Ok(out)
}

/// What the report has measured already, for contracts that cover exactly what it covers.
#[derive(Debug, Clone, Copy)]
pub struct Measured<'a> {
    /// The period's breached clocks.
    pub breached: &'a [BreachedClock],
    /// Every system's availability.
    pub availability: &'a [SystemAvailability],
}

/// Assesses every contract in view of `scope` over `period`, month by month (see
/// [`super::contract_months`]).
pub async fn assess(
    db: &impl ConnectionTrait,
    calendars: &BTreeMap<String, Calendar>,
    scope: &Scope,
    period: &Period,
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
    let months = contract_months::months(period)?;
    // The report's own late clocks and availability serve when it is one month and covers every
    // ticket of every system (a vendor filter only narrows which vendor's tickets, which each
    // contract narrows anyway) and the contract covers all of its vendors' systems.
    let whole = months.len() == 1 && in_view.is_none() && scope.kind.is_none() && scope.severity.is_none();
    let mut out = Vec::new();
    for stored in list(db).await? {
        if scope.vendor.is_some_and(|v| !stored.binds(v))
            || in_view
                .as_ref()
                .is_some_and(|v| !stored.system_ids.iter().any(|id| v.contains(id)))
        {
            continue;
        }
        let c = &stored.contract;
        let mut by_month = Vec::with_capacity(months.len());
        let mut provisional = Vec::new();
        for month in &months {
            let (mut metrics, late) = if whole && c.systems.is_empty() {
                from_measured(db, scope, month, &stored, measured).await?
            } else {
                let (m, breached) = contract_months::measure(db, calendars, scope, month, &stored).await?;
                (m, provisional_late(breached.iter()))
            };
            metrics.findings = crate::app::findings::for_month(db, &c.code, &month.label).await?;
            contract_months::add_missed_inspections(db, calendars, scope, month, &stored, &mut metrics).await?;
            add_fees(db, &stored, &mut metrics).await?;
            provisional.extend(late);
            by_month.push((month.label.clone(), metrics));
        }
        let mut assessment = deduction::assess_months(c, &by_month);
        let provisional_rules = mark_provisional(c, &mut assessment, &provisional);
        let service_reductions = super::reductions::of(db, &stored.system_ids, scope.from, scope.to).await?;
        out.push(ContractDeductions {
            contract: c.code.clone(),
            name: c.name.clone(),
            vendor: c.vendor.clone(),
            members: c.members.clone(),
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

/// The contract's metrics for the report's one month out of what the report measured over
/// everything (its averages, split by kind and source, measured for it if it has average rules),
/// with the late clocks among them whose deadline is provisional.
async fn from_measured(
    db: &impl ConnectionTrait,
    scope: &Scope,
    month: &contract_months::Month,
    stored: &Stored,
    m: Measured<'_>,
) -> AppResult<(Metrics, Vec<ProvisionalLate>)> {
    let covers = |id: i64| stored.system_ids.contains(&id);
    let c = &stored.contract;
    let bound = |vendor: Option<&str>| vendor.is_some_and(|v| v == c.vendor || c.members.iter().any(|m| m == v));
    let own: Vec<&BreachedClock> = m
        .breached
        .iter()
        .filter(|b| bound(b.vendor.as_deref()) && covers(b.system_id))
        .collect();
    let mut out = Metrics {
        averages: if contract_months::averages_needed(c) {
            contract_months::averages(db, &contract_months::own_scope(scope, month, stored)).await?
        } else {
            Vec::new()
        },
        late: own.iter().copied().filter_map(contract_months::late).collect(),
        ..Metrics::default()
    };
    contract_months::push_systems(&mut out, m.availability.iter().filter(|s| covers(s.id)));
    Ok((out, provisional_late(own.into_iter())))
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
        o.notes_zh.push(format!(
            "暂定：其中 {n} 个超时时限（{list}）的截止时间为暂定，导入国务院通知后重新计算，次数、天数和金额可能变化",
            n = tickets.len(),
            list = tickets.join(" "),
        ));
        o.notes.push(format!(
            "provisional: {n} of the late clocks ({list}) {have} provisional, measured again when the \
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
        a.notes_zh.push(format!(
            "暂定：{rules} 依据暂定截止时间，合计可能变化",
            rules = marked.join("、"),
        ));
        a.notes.push(format!(
            "provisional: {rules} rest on provisional deadlines; the totals may change",
            rules = marked.join(", "),
        ));
    }
    marked
}

/// What the contract's rules read in one month, measured over its vendors' tickets on its
/// systems, with the month's findings and missed inspections.
pub async fn metrics(
    db: &impl ConnectionTrait,
    calendars: &BTreeMap<String, Calendar>,
    scope: &Scope,
    month: &contract_months::Month,
    stored: &Stored,
) -> AppResult<Metrics> {
    let (mut m, _) = contract_months::measure(db, calendars, scope, month, stored).await?;
    m.findings = crate::app::findings::for_month(db, &stored.contract.code, &month.label).await?;
    contract_months::add_missed_inspections(db, calendars, scope, month, stored, &mut m).await?;
    add_fees(db, stored, &mut m).await?;
    Ok(m)
}

/// Gives `m` what a rule charged on the systems' fees (`amount = {of = "fee"}`) reads, if the
/// contract has one: the yearly fee of every system it covers (the catalogue's `fee_fen`,
/// [`crate::app::catalog::service`]; none where the catalogue has none, so that the rule says so
/// instead of charging an invented amount), and the system of each ticket its late clocks and
/// findings name.
async fn add_fees(db: &impl ConnectionTrait, stored: &Stored, m: &mut Metrics) -> AppResult<()> {
    if !stored
        .contract
        .rules
        .iter()
        .any(|r| matches!(r.amount, deduction::Amount::Fee { .. }))
    {
        return Ok(());
    }
    let covered = systems::Entity::find()
        .filter(systems::Column::Id.is_in(stored.system_ids.clone()))
        .order_by_asc(systems::Column::Code)
        .all(db)
        .await?;
    m.fees = covered
        .iter()
        .map(|s| deduction::SystemFee {
            system: s.code.clone(),
            fee_fen: crate::app::catalog::service::ServiceDates::of(s.profile.as_ref()).fee_fen,
        })
        .collect();
    let numbers: Vec<String> = m
        .late
        .iter()
        .map(|l| l.ticket.clone())
        .chain(m.findings.iter().filter_map(|f| f.ticket.clone()))
        .collect();
    if numbers.is_empty() {
        return Ok(());
    }
    let named = tickets::Entity::find()
        .filter(tickets::Column::Number.is_in(numbers))
        .all(db)
        .await?;
    let mut ids: Vec<i64> = named.iter().map(|t| t.system_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let codes: BTreeMap<i64, String> = systems::Entity::find()
        .filter(systems::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s.code))
        .collect();
    m.ticket_systems = named
        .into_iter()
        .filter_map(|t| Some((t.number, codes.get(&t.system_id)?.clone())))
        .collect();
    Ok(())
}
