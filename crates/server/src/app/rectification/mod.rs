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

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::{Deserialize, Serialize};
use sla_clock::{Calendar, Clock, Severity, SlaDuration};
use utoipa::{IntoParams, ToSchema};

use crate::app::audit::{self, ClientAddr};
use crate::app::auth::{self, Principal, Role};
use crate::app::permissions::{self, Action};
use crate::app::reports::deductions::{self, Stored};
use crate::app::{AppError, AppResult, Context, text};
use crate::db::entities::{
    assessments, findings, rectification_events, rectification_orders, system_vendors, systems, tickets, units, users,
    vendors,
};

/// The longest title, in characters.
const MAX_TITLE: usize = 200;
/// The longest request, report, reason or evidence, in characters.
const MAX_TEXT: usize = 4000;

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

/// Whether an order in `state` is still open (its clock counts).
pub fn is_open(state: &str) -> bool {
    matches!(state, "issued" | "submitted")
}

/// An order to issue.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrder {
    /// The contract (code).
    pub contract: String,
    /// The system concerned (code). Without it, the source's: the ticket's, or the finding's
    /// ticket's.
    #[serde(default)]
    pub system: Option<String>,
    /// What it comes from: `finding`, `assessment`, `ticket`, `recurring`, `other` (or the Chinese label).
    #[serde(default = "other")]
    pub source: String,
    /// The finding (`F-12`), assessment (`A-3`) or ticket (number) it comes from; for
    /// `recurring`, optionally the tickets, as text.
    #[serde(default)]
    pub source_ref: Option<String>,
    /// One line: what is wrong.
    pub title: String,
    /// What must be put right, and how the buyer will check it.
    pub request: String,
    /// The time allowed, as a contract writes it: `5 个工作日`, `48h`, `3 天`.
    pub within: String,
    /// The calendar it is counted on; default the system's repair calendar.
    #[serde(default)]
    pub calendar: Option<String>,
    /// The severity whose escalation ladder it follows (`urgent`, `serious`, `general`, `minor`
    /// or the Chinese); default `general` (一般).
    #[serde(default)]
    pub severity: Option<String>,
}

fn other() -> String {
    "other".to_owned()
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
    /// The clock: `running`, `paused`, `met`, `breached-running`, `breached-met`, `cancelled`.
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
        (_, Some(auth::Party::Unit(_))) => crate::app::scope::can_see_system(db, p, row.system_id).await?,
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
    let units: BTreeMap<i64, String> = units::Entity::find()
        .filter(units::Column::Id.is_in(rows.iter().filter_map(|r| r.unit_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.code))
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
        let status = clock
            .status(
                calendar_in(&calendars, &r.calendar)?,
                now.max(super::escalation::read_at(&clock, now)),
            )
            .map_err(|e| AppError::Internal(anyhow::anyhow!("ZG-{}'s clock: {e}", r.id)))?;
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
            unit: r.unit_id.and_then(|u| units.get(&u).cloned()),
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
            deadline: Some(status.deadline),
            breached: status.breached,
            clock: status.state.to_string(),
            remaining_minutes: status.remaining.num_minutes().max(0),
            overdue_minutes: status.overdue.num_minutes().max(0),
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
            find = find.filter(rectification_orders::Column::SystemId.is_in(mine));
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

/// Order `id` with its history.
pub async fn get(ctx: &Context, p: &Principal, id: i64) -> AppResult<OrderView> {
    permissions::check(p, Action::RectificationRead)?;
    let row = load(&ctx.db, p, id).await?;
    Ok(views(ctx, vec![row], true).await?.remove(0))
}

/// The system an order names: `system` if given, else its source's.
async fn system_of(
    db: &impl ConnectionTrait,
    system: Option<&str>,
    source_ticket: Option<&tickets::Model>,
) -> AppResult<systems::Model> {
    match system.map(str::trim).filter(|s| !s.is_empty()) {
        Some(code) => systems::Entity::find()
            .filter(systems::Column::Code.eq(code))
            .one(db)
            .await?
            .ok_or_else(|| AppError::invalid("system", format!("no system {code:?}"))),
        None => match source_ticket {
            Some(t) => systems::Entity::find_by_id(t.system_id)
                .one(db)
                .await?
                .ok_or_else(|| AppError::Internal(anyhow::anyhow!("system {} is gone", t.system_id))),
            None => Err(AppError::invalid(
                "system",
                "name the system concerned (its source names none)",
            )),
        },
    }
}

/// The source's key and reference, checked against the contract, and the ticket it names if any.
async fn source_of(
    db: &impl ConnectionTrait,
    body: &NewOrder,
    stored: &Stored,
) -> AppResult<(&'static str, Option<String>, Option<tickets::Model>)> {
    let given = body.source.trim();
    let Some(&(source, _)) = SOURCES.iter().find(|(k, l)| *k == given || *l == given) else {
        return Err(AppError::invalid(
            "source",
            format!(
                "{given:?} is not a source; sources: {}",
                SOURCES.map(|(k, _)| k).join(", ")
            ),
        ));
    };
    let reference = body.source_ref.as_deref().map(str::trim).filter(|r| !r.is_empty());
    let code = &stored.contract.code;
    let ticket_by_number = |number: String| async move {
        tickets::Entity::find()
            .filter(tickets::Column::Number.eq(number.as_str()))
            .one(db)
            .await?
            .ok_or_else(|| AppError::invalid("source_ref", format!("no ticket {number:?}")))
    };
    match (source, reference) {
        ("finding" | "assessment" | "ticket", None) => Err(AppError::invalid(
            "source_ref",
            format!("name the {source} the order comes from"),
        )),
        ("finding", Some(r)) => {
            let id: i64 = r
                .trim_start_matches("F-")
                .parse()
                .map_err(|_| AppError::invalid("source_ref", format!("{r:?} is not a finding (F-12)")))?;
            let f = findings::Entity::find_by_id(id)
                .one(db)
                .await?
                .filter(|f| f.contract_code == *code)
                .ok_or_else(|| AppError::invalid("source_ref", format!("no finding F-{id} against contract {code}")))?;
            let ticket = match f.ticket_id {
                Some(t) => tickets::Entity::find_by_id(t).one(db).await?,
                None => None,
            };
            Ok(("finding", Some(format!("F-{id}")), ticket))
        }
        ("assessment", Some(r)) => {
            let id: i64 = r
                .trim_start_matches("A-")
                .parse()
                .map_err(|_| AppError::invalid("source_ref", format!("{r:?} is not an assessment (A-3)")))?;
            assessments::Entity::find_by_id(id)
                .one(db)
                .await?
                .filter(|a| a.contract_code == *code)
                .ok_or_else(|| AppError::invalid("source_ref", format!("no assessment A-{id} of contract {code}")))?;
            Ok(("assessment", Some(format!("A-{id}")), None))
        }
        ("ticket", Some(r)) => {
            let t = ticket_by_number(r.to_owned()).await?;
            Ok(("ticket", Some(t.number.clone()), Some(t)))
        }
        (s, r) => Ok((s, r.map(|r| r.chars().take(MAX_TITLE).collect()), None)),
    }
}

/// Issues an order (the bureau's managers; a unit's managers on their unit's systems), its clock
/// started now, audited in the same transaction; the vendor's managers are mailed at once.
pub async fn issue(ctx: &Context, p: &Principal, from: &ClientAddr, body: NewOrder) -> AppResult<OrderView> {
    permissions::check(p, Action::RectificationIssue)?;
    let title = text::field("title", &body.title, MAX_TITLE, true)?;
    let request = text::field("request", &body.request, MAX_TEXT, true)?;
    let within: SlaDuration = body
        .within
        .trim()
        .parse()
        .map_err(|e: sla_clock::DurationParseError| AppError::invalid("within", e.to_string()))?;
    if within.amount() == 0 {
        return Err(AppError::invalid(
            "within",
            "must allow some time (立即 is not a rectification period)",
        ));
    }
    let severity: Severity = match body.severity.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => s
            .parse()
            .map_err(|e: sla_clock::SeverityParseError| AppError::invalid("severity", e.to_string()))?,
        None => Severity::General,
    };
    let txn = ctx.begin_write().await?;
    let now = ctx.now();
    let stored = deductions::by_code(&txn, "contract", body.contract.trim()).await?;
    let (source, source_ref, source_ticket) = source_of(&txn, &body, &stored).await?;
    let system = system_of(&txn, body.system.as_deref(), source_ticket.as_ref()).await?;
    if let Some(t) = &source_ticket
        && t.system_id != system.id
    {
        return Err(AppError::invalid(
            "system",
            format!("{} is about another system than {}", t.number, system.code),
        ));
    }
    if !stored.system_ids.contains(&system.id) {
        return Err(AppError::invalid(
            "system",
            format!(
                "system {} is not one contract {} covers",
                system.code, stored.contract.code
            ),
        ));
    }
    let (issuer_party, unit_id) = match (p.role, p.party) {
        (_, Some(auth::Party::Unit(u))) if system.unit_id == u => ("unit", Some(u)),
        (_, Some(auth::Party::Unit(_))) => {
            return Err(AppError::Forbidden(format!(
                "a unit's managers order rectification only on their unit's systems; {} is another unit's",
                system.code
            )));
        }
        _ => ("bureau", None),
    };
    let serving: Vec<i64> = system_vendors::Entity::find()
        .filter(system_vendors::Column::SystemId.eq(system.id))
        .all(&txn)
        .await?
        .into_iter()
        .map(|l| l.vendor_id)
        .collect();
    // The contract's lead vendor if it serves the system, else a member that does.
    let Some(vendor_id) = stored.vendor_ids().into_iter().find(|v| serving.contains(v)) else {
        return Err(AppError::invalid(
            "system",
            format!(
                "none of contract {}'s vendors serves system {}",
                stored.contract.code, system.code
            ),
        ));
    };
    let calendars = ctx.calendars.snapshot();
    let calendar = match body.calendar.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        Some(c) if calendars.contains_key(c) => c.to_owned(),
        Some(c) => return Err(AppError::invalid("calendar", format!("no calendar {c:?}"))),
        None => crate::app::tickets::calendars::system_names(&system)[2].clone(),
    };
    let clock = Clock::start(now, within);
    let status = clock
        .status(calendar_in(&calendars, &calendar)?, now)
        .map_err(|e| AppError::invalid("within", format!("cannot be counted on calendar {calendar}: {e}")))?;
    let row = rectification_orders::ActiveModel {
        contract_code: Set(stored.contract.code.clone()),
        system_id: Set(system.id),
        vendor_id: Set(vendor_id),
        issuer_party: Set(issuer_party.to_owned()),
        unit_id: Set(unit_id),
        source: Set(source.to_owned()),
        source_ref: Set(source_ref),
        severity: Set(severity.key().to_owned()),
        title: Set(title),
        request: Set(request.clone()),
        target: Set(body.within.trim().chars().take(40).collect()),
        calendar: Set(calendar),
        events: Set(serde_json::to_value(&clock).map_err(|e| AppError::Internal(e.into()))?),
        deadline: Set(Some(status.deadline)),
        breached: Set(false),
        next_due_at: Set(Some(now)),
        state: Set("issued".to_owned()),
        assignee_id: Set(None),
        finding_id: Set(None),
        version: Set(1),
        issued_by: Set(p.user_id),
        issued_at: Set(now),
        updated_at: Set(now),
        closed_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    acts::event(&txn, row.id, p.user_id, "issue", &request, "", now).await?;
    escalate::notice(&txn, ctx, &row, "issue", now).await?;
    let number = format!("ZG-{}", row.id);
    audit::record(
        &txn,
        Some(p.user_id),
        "rectification.issue",
        &number,
        serde_json::json!({"contract": row.contract_code, "system": system.code, "within": row.target, "source": row.source, "source_ref": row.source_ref}),
        from,
        now,
    )
    .await?;
    txn.commit().await?;
    get(ctx, p, row.id).await
}

/// The orders of contract `code` (on `unit`'s systems, for a unit's assessment) that an
/// assessment of `[from, to)` weighs: issued in it, accepted or refused in it, or due in it and
/// breached; with counts. Withdrawn orders count for nothing. Part of the assessment's figures
/// (its snapshot), so later acts on an order do not change a signed assessment.
pub async fn for_period(
    db: &impl ConnectionTrait,
    code: &str,
    unit: Option<i64>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
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
        find = find.filter(rectification_orders::Column::SystemId.is_in(mine));
    }
    let rows = find.order_by_asc(rectification_orders::Column::Id).all(db).await?;
    let within = |t: Option<DateTime<Utc>>| t.is_some_and(|t| t >= from && t < to);
    let (mut issued, mut accepted, mut refused, mut overdue) = (0, 0, 0, 0);
    let mut items = Vec::new();
    for r in rows {
        let is_issued = within(Some(r.issued_at));
        let is_accepted = r.state == "accepted" && within(r.closed_at);
        let is_refused = r.state == "refused" && within(r.closed_at);
        let is_overdue = r.breached && within(r.deadline);
        if !(is_issued || is_accepted || is_refused || is_overdue) {
            continue;
        }
        issued += usize::from(is_issued);
        accepted += usize::from(is_accepted);
        refused += usize::from(is_refused);
        overdue += usize::from(is_overdue);
        items.push(serde_json::json!({
            "number": format!("ZG-{}", r.id), "title": r.title, "state": r.state,
            "state_label": label(&STATES, &r.state), "issued_at": r.issued_at, "deadline": r.deadline,
            "breached": r.breached, "closed_at": r.closed_at,
        }));
    }
    Ok(serde_json::json!({
        "issued": issued, "accepted": accepted, "refused": refused, "overdue": overdue, "orders": items,
    }))
}
