//! Rectification orders (整改通知, issue 27): the buyer orders a vendor to put something right by
//! a deadline, and the deadline is a clock like a ticket's: measured by `sla-clock` on the
//! system's calendar, escalated by the same ladders, breached the same way.
//!
//! Seed 004 八-7 (L28693–28699): "服务不达标或迟延履行，甲方要求限期整改，乙方拒不整改的，甲方有权
//! 单方终止合同，并要求支付本合同总价款 0.5% 的违约金"; a user unit may order rectification and
//! file the outcome with the bureau (L28512–28514).
//!
//! | state | who acts | acts |
//! |---|---|---|
//! | `issued` | the vendor ordered | `submit` (report it done, with evidence: the clock pauses), `refuse` |
//! | `issued`, `submitted` | the issuer (the unit that issued it, or the bureau) | `withdraw` (with a reason: the clock is cancelled) |
//! | `submitted` | the issuer | `accept` (the clock stops), `reject` (with the reason: the clock runs on) |
//!
//! `accepted`, `refused` and `withdrawn` are final. The clock runs from the issue; while a
//! report waits for the issuer's check it is paused, so the vendor is not charged for the
//! buyer's time; a rejection resumes it; the acceptance stops it. A deadline passed with the
//! order still open breaches like a ticket's clock: the ladder's `breach` and `overdue` steps
//! are mailed, and the order counts as overdue in the period's assessment figures.
//!
//! A refusal records a `refused_rectification` finding against the contract in the same
//! transaction (八-7 prices it, 0.5 %); the buyer may withdraw that finding like any other. An
//! order that is merely late records nothing by itself: whether lateness is a refusal is the
//! buyer's judgement, recorded as a finding with the order as evidence (see `docs/contracts.md`).

pub mod acts;
pub mod escalate;
mod issue;
mod period;

pub use issue::{NewOrder, issuable, issue};
pub use period::for_period;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::{Deserialize, Serialize};
use sla_clock::{Calendar, Clock};
use utoipa::{IntoParams, ToSchema};

use crate::app::auth::{self, Principal, Role};
use crate::app::permissions::{self, Action};
use crate::app::{AppError, AppResult, Context};
use crate::db::entities::{rectification_events, rectification_orders, systems, units, users, vendors};

/// The longest title, in characters.
pub(crate) const MAX_TITLE: usize = 200;
/// The longest request, report, reason or evidence, in characters.
pub(crate) const MAX_TEXT: usize = 4000;

/// The states of an order, with their Chinese labels.
pub const STATES: [(&str, &str); 5] = [
    ("issued", "待整改"),
    ("submitted", "待验收"),
    ("accepted", "已验收"),
    ("refused", "拒不整改"),
    ("withdrawn", "已撤回"),
];

/// What an order may come from, with the Chinese labels.
pub const SOURCES: [(&str, &str); 5] = [
    ("finding", "认定事项"),
    ("assessment", "考核"),
    ("ticket", "工单"),
    ("recurring", "重复故障"),
    ("other", "其他"),
];

/// The Chinese label of state or source `key` (the key itself if unknown).
pub fn label(table: &[(&'static str, &'static str)], key: &str) -> String {
    table
        .iter()
        .find(|(k, _)| *k == key)
        .map_or_else(|| key.to_owned(), |(_, l)| (*l).to_owned())
}

/// The states of an open order (its clock counts).
pub const OPEN: [&str; 2] = ["issued", "submitted"];

/// Whether an order in `state` is still open (its clock counts).
pub fn is_open(state: &str) -> bool {
    OPEN.contains(&state)
}

/// What an act says: the report, the reason, the evidence.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActBody {
    /// The report (`submit`), the reason (`reject`, `refuse`, `withdraw`: required) or a note.
    #[serde(default)]
    pub text: Option<String>,
    /// The evidence named: a document, photos, a test record (`submit`: required).
    #[serde(default)]
    pub evidence: Option<String>,
    /// The order's `version` as the actor read it: given, the act is refused (409) if the order
    /// changed since (the pages always give it).
    #[serde(default)]
    pub version: Option<i32>,
}

/// One act, as the order's history shows it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct EventView {
    /// `issue`, `submit`, `accept`, `reject`, `refuse`, `withdraw`.
    pub kind: String,
    /// The act in Chinese.
    pub kind_label: String,
    /// Who (user name).
    pub by: Option<String>,
    /// What they wrote.
    pub text: String,
    /// The evidence they named.
    pub evidence: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// An order as people read it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct OrderView {
    /// As documents name it: `ZG-7`.
    pub number: String,
    /// The contract (code).
    pub contract: String,
    /// The system (code).
    pub system: String,
    /// The system's name.
    pub system_name: String,
    /// The vendor ordered (code).
    pub vendor: String,
    /// The vendor's name.
    pub vendor_name: String,
    /// `bureau` or `unit`.
    pub issuer_party: String,
    /// The issuing unit (code), when a unit issued it.
    pub unit: Option<String>,
    /// The issuing unit's name.
    pub unit_name: Option<String>,
    /// Who issued it (user name).
    pub issued_by: Option<String>,
    /// When.
    pub issued_at: DateTime<Utc>,
    /// `finding`, `assessment`, `ticket`, `recurring`, `other`.
    pub source: String,
    /// The source in Chinese.
    pub source_label: String,
    /// The finding, assessment or ticket.
    pub source_ref: Option<String>,
    /// The severity whose ladder it follows.
    pub severity: String,
    /// One line.
    pub title: String,
    /// What must be put right.
    pub request: String,
    /// The time allowed, as written.
    pub within: String,
    /// The calendar it is counted on.
    pub calendar: String,
    /// `issued`, `submitted`, `accepted`, `refused`, `withdrawn`.
    pub state: String,
    /// The state in Chinese.
    pub state_label: String,
    /// The deadline (it moves later while a report waits for the issuer's check).
    pub deadline: Option<DateTime<Utc>>,
    /// Whether the deadline passed with the order open, or it closed late.
    pub breached: bool,
    /// The clock (`unknown` while its calendar is not loaded): `running`, `paused`, `met`, `breached-running`, `breached-met`, `cancelled`.
    pub clock: String,
    /// Working time left, in minutes (0 once breached).
    pub remaining_minutes: i64,
    /// Working time past the deadline, in minutes.
    pub overdue_minutes: i64,
    /// The finding a refusal recorded (`F-12`).
    pub finding: Option<String>,
    /// When it was accepted, refused or withdrawn.
    pub closed_at: Option<DateTime<Utc>>,
    /// Incremented by every act.
    pub version: i32,
    /// Every act, oldest first (absent from lists).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<EventView>>,
}

/// Filters of the list; every one optional.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct OrderQuery {
    /// A contract (code).
    pub contract: Option<String>,
    /// A state.
    pub state: Option<String>,
    /// Only orders still open (`issued`, `submitted`).
    #[serde(default)]
    pub open: bool,
}

/// `ZG-12` or `12` → 12.
pub fn id_of(text: &str) -> AppResult<i64> {
    text.trim()
        .trim_start_matches("ZG-")
        .parse()
        .map_err(|_| AppError::NotFound(format!("no rectification order {text:?}")))
}

/// Whether `p` may read `row`: the buyer-wide parties all; a unit the orders on its systems; a
/// vendor the orders to it.
pub(crate) async fn sees(
    db: &impl ConnectionTrait,
    p: &Principal,
    row: &rectification_orders::Model,
) -> AppResult<bool> {
    Ok(match (p.role, p.party) {
        (Role::Admin, _) | (_, Some(auth::Party::Bureau | auth::Party::Supervisor)) => true,
        (_, Some(auth::Party::Vendor(v))) => row.vendor_id == v,
        // A unit reads the orders on its systems, and those it issued (its system may have moved).
        (_, Some(auth::Party::Unit(u))) => {
            row.unit_id == Some(u) || crate::app::scope::can_see_system(db, p, row.system_id).await?
        }
        (_, None) => false,
    })
}

/// Order `id` if `p` may read it (otherwise, as if there were none).
pub(crate) async fn load(db: &impl ConnectionTrait, p: &Principal, id: i64) -> AppResult<rectification_orders::Model> {
    let missing = || AppError::NotFound(format!("no rectification order ZG-{id}"));
    let row = rectification_orders::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(missing)?;
    if !sees(db, p, &row).await? {
        return Err(missing());
    }
    Ok(row)
}

/// The stored clock of `row`.
pub(crate) fn clock_of(row: &rectification_orders::Model) -> AppResult<Clock> {
    serde_json::from_value(row.events.clone())
        .map_err(|e| AppError::Internal(anyhow::anyhow!("ZG-{}'s clock: {e}", row.id)))
}

/// The calendar `name` from `set`, or a 500 naming it (an order's calendar was removed).
pub(crate) fn calendar_in<'a>(set: &'a BTreeMap<String, Calendar>, name: &str) -> AppResult<&'a Calendar> {
    set.get(name)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("calendar {name:?} is not loaded")))
}

/// The views of `rows`, with their histories when `full`.
pub(crate) async fn views(
    ctx: &Context,
    rows: Vec<rectification_orders::Model>,
    full: bool,
) -> AppResult<Vec<OrderView>> {
    let db = &ctx.db;
    let now = ctx.now();
    let calendars = ctx.calendars.snapshot();
    let system_ids: Vec<i64> = rows.iter().map(|r| r.system_id).collect();
    let systems: BTreeMap<i64, systems::Model> = systems::Entity::find()
        .filter(systems::Column::Id.is_in(system_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let vendors: BTreeMap<i64, vendors::Model> = vendors::Entity::find()
        .filter(vendors::Column::Id.is_in(rows.iter().map(|r| r.vendor_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|v| (v.id, v))
        .collect();
    let units: BTreeMap<i64, (String, String)> = units::Entity::find()
        .filter(units::Column::Id.is_in(rows.iter().filter_map(|r| r.unit_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, (u.code, u.name)))
        .collect();
    let events = if full {
        rectification_events::Entity::find()
            .filter(rectification_events::Column::OrderId.is_in(rows.iter().map(|r| r.id)))
            .order_by_asc(rectification_events::Column::Id)
            .all(db)
            .await?
    } else {
        Vec::new()
    };
    let user_ids = rows.iter().map(|r| r.issued_by).chain(events.iter().map(|e| e.user_id));
    let names: BTreeMap<i64, String> = users::Entity::find()
        .filter(users::Column::Id.is_in(user_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.username))
        .collect();
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let clock = clock_of(&r)?;
        // An order whose calendar is no longer loaded shows its last measured deadline: one such
        // order must not take every list, board and dashboard down with it.
        let status = match calendars.get(&r.calendar) {
            Some(cal) => Some(
                clock
                    .status(cal, super::escalation::read_at(&clock, now))
                    .map_err(|e| AppError::Internal(anyhow::anyhow!("ZG-{}'s clock: {e}", r.id)))?,
            ),
            None => {
                tracing::error!(order = %format!("ZG-{}", r.id), calendar = %r.calendar, "the order's calendar is not loaded");
                None
            }
        };
        let system = systems.get(&r.system_id);
        let vendor = vendors.get(&r.vendor_id);
        out.push(OrderView {
            number: format!("ZG-{}", r.id),
            contract: r.contract_code.clone(),
            system: system.map(|s| s.code.clone()).unwrap_or_default(),
            system_name: system.map(|s| s.name.clone()).unwrap_or_default(),
            vendor: vendor.map(|v| v.code.clone()).unwrap_or_default(),
            vendor_name: vendor.map(|v| v.name.clone()).unwrap_or_default(),
            issuer_party: r.issuer_party.clone(),
            unit: r.unit_id.and_then(|u| units.get(&u).map(|u| u.0.clone())),
            unit_name: r.unit_id.and_then(|u| units.get(&u).map(|u| u.1.clone())),
            issued_by: names.get(&r.issued_by).cloned(),
            issued_at: r.issued_at,
            source_label: label(&SOURCES, &r.source),
            source: r.source.clone(),
            source_ref: r.source_ref.clone(),
            severity: r.severity.clone(),
            title: r.title.clone(),
            request: r.request.clone(),
            within: r.target.clone(),
            calendar: r.calendar.clone(),
            state_label: label(&STATES, &r.state),
            state: r.state.clone(),
            deadline: status.as_ref().map_or(r.deadline, |s| Some(s.deadline)),
            breached: status.as_ref().map_or(r.breached, |s| s.breached),
            clock: status
                .as_ref()
                .map_or_else(|| "unknown".to_owned(), |s| s.state.to_string()),
            remaining_minutes: status.as_ref().map_or(0, |s| s.remaining.num_minutes().max(0)),
            overdue_minutes: status.as_ref().map_or(0, |s| s.overdue.num_minutes().max(0)),
            finding: r.finding_id.map(|f| format!("F-{f}")),
            closed_at: r.closed_at,
            version: r.version,
            events: full.then(|| {
                events
                    .iter()
                    .filter(|e| e.order_id == r.id)
                    .map(|e| EventView {
                        kind_label: acts::act_label(&e.kind).to_owned(),
                        kind: e.kind.clone(),
                        by: names.get(&e.user_id).cloned(),
                        text: e.text.clone(),
                        evidence: e.evidence.clone(),
                        at: e.at,
                    })
                    .collect()
            }),
        });
    }
    Ok(out)
}

/// The orders `p` may read, newest first.
pub async fn list(ctx: &Context, p: &Principal, q: OrderQuery) -> AppResult<Vec<OrderView>> {
    permissions::check(p, Action::RectificationRead)?;
    let mut find = rectification_orders::Entity::find();
    if let Some(c) = q.contract.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        find = find.filter(rectification_orders::Column::ContractCode.eq(c));
    }
    if let Some(s) = q.state.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        if !STATES.iter().any(|(k, _)| *k == s) {
            return Err(AppError::invalid(
                "state",
                format!("{s:?} is not a state; states: {}", STATES.map(|(k, _)| k).join(", ")),
            ));
        }
        find = find.filter(rectification_orders::Column::State.eq(s));
    }
    if q.open {
        find = find.filter(rectification_orders::Column::State.is_in(["issued", "submitted"]));
    }
    match p.party {
        _ if p.role == Role::Admin => {}
        Some(auth::Party::Vendor(v)) => find = find.filter(rectification_orders::Column::VendorId.eq(v)),
        Some(auth::Party::Unit(u)) => {
            let mine = systems::Entity::find()
                .filter(systems::Column::UnitId.eq(u))
                .all(&ctx.db)
                .await?
                .into_iter()
                .map(|s| s.id);
            find = find.filter(
                sea_orm::Condition::any()
                    .add(rectification_orders::Column::SystemId.is_in(mine))
                    .add(rectification_orders::Column::UnitId.eq(u)),
            );
        }
        Some(auth::Party::Bureau | auth::Party::Supervisor) => {}
        None => return Ok(Vec::new()),
    }
    let rows = find
        .order_by_desc(rectification_orders::Column::IssuedAt)
        .order_by_desc(rectification_orders::Column::Id)
        .all(&ctx.db)
        .await?;
    views(ctx, rows, false).await
}

/// Order `id` with its history, and the acts `p` may do to it now (what the page offers).
pub async fn get_with_acts(ctx: &Context, p: &Principal, id: i64) -> AppResult<(OrderView, Vec<&'static str>)> {
    permissions::check(p, Action::RectificationRead)?;
    let row = load(&ctx.db, p, id).await?;
    let allowed = acts::allowed(p, &row);
    Ok((views(ctx, vec![row], true).await?.remove(0), allowed))
}

/// Order `id` with its history.
pub async fn get(ctx: &Context, p: &Principal, id: i64) -> AppResult<OrderView> {
    permissions::check(p, Action::RectificationRead)?;
    let row = load(&ctx.db, p, id).await?;
    Ok(views(ctx, vec![row], true).await?.remove(0))
}
