//! Periodic reports (定期报告, issue 28): the reporting calendar. A contract's
//! `[[contracts.reports]]` ([`contract_terms::ReportDuty`]) owes one report per period, each
//! with a due instant watched like a ticket's clock: a reminder before it, a breach after it,
//! listed in the breach report.
//!
//! - [`schedule`]: the sweep creates each period's report once, settles provisional due dates,
//!   reminds and marks breaches (each notice once);
//! - [`acts`]: writing, submitting, acknowledging and returning a report;
//! - [`content`]: the sections filled from the record (tickets, categories, alarms, clocks,
//!   breaches, incidents, inspections, 重保, satisfaction, rectifications, problems);
//! - the vendor writes the narrative parts the duty names and submits; the sections are frozen
//!   then, as submitted, and the bureau's managers are mailed the DOCX;
//! - the bureau's managers acknowledge it, or return it with a reason (it is open again, and a
//!   second submission is judged against the same due instant).
//!
//! ```text
//! open ──submit──▶ submitted ──acknowledge──▶ acknowledged
//!   ▲                  │
//!   └─────return───────┘
//! ```
//!
//! Who: the contract's vendor and members (engineers and managers) write and submit; the
//! bureau's managers acknowledge or return; the bureau, the supervisor and the vendor's people
//! read. A unit's people do not: a contract's report covers every unit's systems.

pub mod acts;
pub mod content;
pub mod docx;
pub mod notify;
pub mod queries;
pub mod schedule;
pub mod windows;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use contract_terms::ReportDuty;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app::auth::{Party, Principal, Role};
use crate::app::permissions::{self, Action};
use crate::app::reports::deductions::{self, Stored};
use crate::app::{AppError, AppResult, Context};
use crate::db::entities::{contracts, periodic_reports, users};

pub use acts::{Abilities, NarrativeChange, ReportAct, abilities, change, decide, submit};
pub use content::Section;

/// The states, with their Chinese labels.
pub const STATES: [(&str, &str); 4] = [
    ("open", "待提交"),
    ("submitted", "待确认"),
    ("acknowledged", "已确认"),
    ("withdrawn", "已撤销"),
];

/// The Chinese label of a state.
pub fn state_zh(state: &str) -> &'static str {
    STATES.iter().find(|(k, _)| *k == state).map_or("", |(_, zh)| zh)
}

/// Most characters one narrative part may hold.
pub const MAX_TEXT: usize = 20_000;

/// Fails unless every report duty of `c` names sections the server fills and systems that exist.
pub(crate) async fn check_duties(db: &impl ConnectionTrait, c: &contract_terms::Contract) -> AppResult<()> {
    use crate::db::entities::systems;
    for (i, d) in c.reports.iter().enumerate() {
        for (j, key) in d.sections.iter().enumerate() {
            if !content::SECTIONS.iter().any(|(k, _, _)| k == key) {
                let known: Vec<&str> = content::SECTIONS.iter().map(|(k, _, _)| *k).collect();
                return Err(AppError::invalid(
                    format!("reports[{i}].sections[{j}]"),
                    format!(
                        "{key:?} is not a section opsclock fills; the sections are: {}",
                        known.join(", ")
                    ),
                ));
            }
        }
        for (j, code) in d.systems.iter().enumerate() {
            let found = systems::Entity::find()
                .filter(systems::Column::Code.eq(code))
                .one(db)
                .await?;
            let field = format!("reports[{i}].systems[{j}]");
            let Some(system) = found else {
                return Err(AppError::invalid(field, format!("no system with code {code:?}")));
            };
            // A report tells the vendor about its systems: never about another contract's.
            let covered = if c.systems.is_empty() {
                serves(db, system.id, c).await?
            } else {
                c.systems.contains(code)
            };
            if !covered {
                return Err(AppError::invalid(
                    field,
                    format!("system {code:?} is not covered by contract {:?}", c.code),
                ));
            }
        }
    }
    Ok(())
}

/// Whether system `id` is served by the vendor of `c` or a member of its consortium.
async fn serves(db: &impl ConnectionTrait, id: i64, c: &contract_terms::Contract) -> AppResult<bool> {
    use crate::db::entities::{system_vendors, vendors};
    let mut codes = vec![c.vendor.clone()];
    codes.extend(c.members.iter().cloned());
    let vendor_ids: Vec<i64> = vendors::Entity::find()
        .select_only()
        .column(vendors::Column::Id)
        .filter(vendors::Column::Code.is_in(codes))
        .into_tuple()
        .all(db)
        .await?;
    Ok(system_vendors::Entity::find()
        .filter(system_vendors::Column::SystemId.eq(id))
        .filter(system_vendors::Column::VendorId.is_in(vendor_ids))
        .one(db)
        .await?
        .is_some())
}

/// The code of contract `id`.
async fn contract_code(db: &impl ConnectionTrait, id: i64) -> Result<Option<String>, sea_orm::DbErr> {
    contracts::Entity::find_by_id(id)
        .select_only()
        .column(contracts::Column::Code)
        .into_tuple()
        .one(db)
        .await
}

/// The stored contract of `row` among `contracts`.
async fn stored_of<'a>(
    db: &impl ConnectionTrait,
    contracts: &'a [Stored],
    row: &periodic_reports::Model,
) -> Result<Option<&'a Stored>, sea_orm::DbErr> {
    let Some(code) = contract_code(db, row.contract_id).await? else {
        return Ok(None);
    };
    Ok(contracts.iter().find(|s| s.contract.code == code))
}

/// Whether `p` reads the reports of `stored`: admins, the bureau and the supervisor all; a
/// vendor's people those of the contracts binding their vendor.
fn reads(p: &Principal, stored: &Stored) -> bool {
    match (p.role, p.party) {
        (Role::Admin, _) => true,
        (_, Some(Party::Vendor(own))) => stored.binds(own),
        (_, Some(Party::Bureau | Party::Supervisor)) => true,
        _ => false,
    }
}

/// One narrative part: a heading the duty names and the vendor's text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Narrative {
    /// The heading (工作总结).
    pub heading: String,
    /// The text; empty until written.
    pub text: String,
}

/// A report owed, as its readers see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PeriodicReportView {
    /// `RPT-7`.
    pub number: String,
    /// The row's id.
    pub id: i64,
    /// The contract's code and name.
    pub contract: String,
    /// The contract's name.
    pub contract_name: String,
    /// The report's code in the contract (`monthly`).
    pub duty: String,
    /// Its name (运维月报).
    pub name: String,
    /// `day`, `week`, `month`, `quarter`, `half_year`, `year`.
    pub every: String,
    /// The period as written (`2026-11`).
    pub period: String,
    /// The period's first instant.
    pub period_start: DateTime<Utc>,
    /// The first instant after it.
    pub period_end: DateTime<Utc>,
    /// When it is due (`None` while the calendar cannot say).
    pub due_at: Option<DateTime<Utc>>,
    /// Whether the due date rests on holidays not published yet.
    pub due_provisional: bool,
    /// The due rule in Chinese (次月第 1 个工作日…), as the contract sets it.
    pub due_rule: Option<String>,
    /// The due rule in English.
    pub due_rule_en: Option<String>,
    /// Where the contract asks for it.
    pub source: Option<String>,
    /// What a reader should know about the reading.
    pub note: Option<String>,
    /// `open`, `submitted`, `acknowledged`.
    pub state: String,
    /// Whether the due instant passed with the report not submitted.
    pub breached: bool,
    /// Whether it was (last) submitted after its due instant, or is still open past it.
    pub late: bool,
    /// The parts the vendor writes.
    pub narrative: Vec<Narrative>,
    /// When it was submitted, and by whom.
    pub submitted_at: Option<DateTime<Utc>>,
    /// The submitter's username.
    pub submitted_by: Option<String>,
    /// When the buyer acknowledged it, and who.
    pub acknowledged_at: Option<DateTime<Utc>>,
    /// The acknowledger's username.
    pub acknowledged_by: Option<String>,
    /// Why the buyer last returned it.
    pub returned_note: Option<String>,
    /// Moves on with every change; send it back to change or act.
    pub version: i32,
    /// The sections: as submitted once submitted, else as the record reads now. Only in the
    /// answer about one report.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sections: Option<Vec<Section>>,
}

/// The narrative of `row`: the duty's headings in order (the stored text under each), then any
/// stored heading the duty no longer names.
fn narrative_of(row: &periodic_reports::Model, duty: Option<&ReportDuty>) -> Vec<Narrative> {
    let stored: BTreeMap<String, String> = row
        .narrative
        .as_ref()
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default();
    let mut out: Vec<Narrative> = duty
        .map(|d| d.narrative.as_slice())
        .unwrap_or_default()
        .iter()
        .map(|h| Narrative {
            heading: h.clone(),
            text: stored.get(h).cloned().unwrap_or_default(),
        })
        .collect();
    for (h, text) in stored {
        if !out.iter().any(|n| n.heading == h) {
            out.push(Narrative { heading: h, text });
        }
    }
    out
}

async fn username(db: &impl ConnectionTrait, id: Option<i64>) -> Result<Option<String>, sea_orm::DbErr> {
    let Some(id) = id else { return Ok(None) };
    Ok(users::Entity::find_by_id(id).one(db).await?.map(|u| u.username))
}

/// Whether `row`, as it stands at `now`, is late.
///
/// Late means: first submitted after the due instant, or not submitted by it. A report returned
/// and submitted again is judged on its first submission (the buyer's return is on record, and
/// cannot make an on-time report late). A report whose due instant had passed when it was
/// created (a contract set, or a 重保 window put up, after the date) is owed but never late: it
/// could not have been handed in on time through opsclock. A withdrawn one is not late.
pub fn is_late(row: &periodic_reports::Model, now: DateTime<Utc>) -> bool {
    let Some(due) = row.due_at else { return false };
    if row.state == "withdrawn" || due <= row.created_at {
        return false;
    }
    match row.first_submitted_at {
        Some(at) => at > due,
        None => row.breached_at.is_some() || due <= now,
    }
}

/// [`is_late`] as a condition on the rows, so that a list filters before its limit.
fn late_condition(now: DateTime<Utc>) -> sea_orm::Condition {
    use periodic_reports::Column as C;
    use sea_orm::Condition;
    use sea_orm::sea_query::{Expr, ExprTrait};
    Condition::all()
        .add(C::DueAt.is_not_null())
        .add(C::State.ne("withdrawn"))
        .add(Expr::col(C::DueAt).gt(Expr::col(C::CreatedAt)))
        .add(
            Condition::any()
                // Guarded: a NULL comparison would make the whole condition NULL, and its NOT too.
                .add(
                    Condition::all()
                        .add(C::FirstSubmittedAt.is_not_null())
                        .add(Expr::col(C::FirstSubmittedAt).gt(Expr::col(C::DueAt))),
                )
                .add(
                    Condition::all()
                        .add(C::FirstSubmittedAt.is_null())
                        .add(Condition::any().add(C::BreachedAt.is_not_null()).add(C::DueAt.lte(now))),
                ),
        )
}

async fn view(
    db: &impl ConnectionTrait,
    stored: &Stored,
    row: periodic_reports::Model,
    now: DateTime<Utc>,
) -> AppResult<PeriodicReportView> {
    let duty = stored.contract.reports.iter().find(|d| d.code == row.duty);
    Ok(PeriodicReportView {
        number: format!("RPT-{}", row.id),
        id: row.id,
        contract: stored.contract.code.clone(),
        contract_name: stored.contract.name.clone(),
        duty: row.duty.clone(),
        name: row.name.clone(),
        every: row.every.clone(),
        period: row.period.clone(),
        period_start: row.period_start,
        period_end: row.period_end,
        due_at: row.due_at,
        due_provisional: row.due_provisional,
        due_rule: duty.map(|d| d.due.describe_zh(d.every.zh())),
        due_rule_en: duty.map(|d| d.due.describe_en()),
        source: duty.and_then(|d| d.source.clone()),
        note: duty.and_then(|d| d.note.clone()),
        state: row.state.clone(),
        breached: row.breached_at.is_some(),
        late: is_late(&row, now),
        narrative: narrative_of(&row, duty),
        submitted_at: row.submitted_at,
        submitted_by: username(db, row.submitted_by).await?,
        acknowledged_at: row.acknowledged_at,
        acknowledged_by: username(db, row.acknowledged_by).await?,
        returned_note: row.returned_note.clone(),
        version: row.version,
        sections: None,
    })
}

/// The filters of a list.
#[derive(Debug, Default, Clone, Deserialize, IntoParams, ToSchema)]
#[into_params(parameter_in = Query)]
pub struct PeriodicReportQuery {
    /// Only this contract's (by code).
    pub contract: Option<String>,
    /// Only in this state: `open`, `submitted`, `acknowledged`.
    pub state: Option<String>,
    /// Only the late ones (`true`).
    pub late: Option<bool>,
    /// At most this many (default 200, at most 1000).
    pub limit: Option<u64>,
}

/// The reports `p` may read, newest period first.
pub async fn list(ctx: &Context, p: &Principal, q: PeriodicReportQuery) -> AppResult<Vec<PeriodicReportView>> {
    permissions::check(p, Action::PeriodicReportRead)?;
    if let Some(s) = q.state.as_deref()
        && !STATES.iter().any(|(k, _)| *k == s)
    {
        return Err(AppError::invalid(
            "state",
            format!("{s:?} is not open, submitted or acknowledged"),
        ));
    }
    let contracts = deductions::list(&ctx.db).await?;
    let mut ids = BTreeMap::new();
    for s in contracts.iter().filter(|s| reads(p, s)) {
        if q.contract.as_deref().is_some_and(|c| c != s.contract.code) {
            continue;
        }
        ids.insert(s.id, s);
    }
    let mut find = periodic_reports::Entity::find()
        .filter(periodic_reports::Column::ContractId.is_in(ids.keys().copied().collect::<Vec<_>>()))
        .order_by_desc(periodic_reports::Column::PeriodStart)
        .order_by_asc(periodic_reports::Column::Id)
        .limit(q.limit.unwrap_or(200).clamp(1, 1000));
    if let Some(s) = &q.state {
        find = find.filter(periodic_reports::Column::State.eq(s.clone()));
    }
    let now = ctx.now();
    find = match q.late {
        Some(true) => find.filter(late_condition(now)),
        Some(false) => find.filter(late_condition(now).not()),
        None => find,
    };
    let mut out = Vec::new();
    for row in find.all(&ctx.db).await? {
        let Some(stored) = ids.get(&row.contract_id) else {
            continue;
        };
        if q.late.is_some_and(|l| l != is_late(&row, now)) {
            continue;
        }
        out.push(view(&ctx.db, stored, row, now).await?);
    }
    Ok(out)
}

/// Reads `RPT-7` (or `7`) as an id.
pub fn id_of(text: &str) -> AppResult<i64> {
    let digits = text.trim().trim_start_matches("RPT-").trim_start_matches("rpt-");
    digits
        .parse::<i64>()
        .map_err(|_| AppError::NotFound(format!("no periodic report {text:?}")))
}

/// Report `number` with the row and contract, if `p` may read it.
async fn load(db: &impl ConnectionTrait, p: &Principal, number: &str) -> AppResult<(periodic_reports::Model, Stored)> {
    let id = id_of(number)?;
    let missing = || AppError::NotFound(format!("no periodic report {number}"));
    let row = periodic_reports::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(missing)?;
    let contracts = deductions::list(db).await?;
    let stored = stored_of(db, &contracts, &row).await?.cloned().ok_or_else(missing)?;
    if !reads(p, &stored) {
        return Err(missing());
    }
    Ok((row, stored))
}

/// The sections of `row`: frozen once submitted, else filled now.
pub async fn sections_of(ctx: &Context, row: &periodic_reports::Model, stored: &Stored) -> AppResult<Vec<Section>> {
    if let Some(frozen) = row.content.as_ref()
        && row.state != "open"
    {
        return serde_json::from_value(frozen.clone())
            .map_err(|e| AppError::Internal(anyhow::anyhow!("RPT-{} content unreadable: {e}", row.id)));
    }
    let duty = stored.contract.reports.iter().find(|d| d.code == row.duty);
    let only = match duty {
        Some(d) if !d.systems.is_empty() => Some(windows::report_systems(&ctx.db, stored, d).await?),
        _ => None,
    };
    // A preparation (due before its period) reports on the time before it: from when it was
    // owed to the period's start.
    let (from, to) = match duty.map(|d| d.due.counted_in) {
        Some(sla_clock::DueIn::Before) => (row.created_at.min(row.period_start), row.period_start),
        _ => (row.period_start, row.period_end),
    };
    let period = crate::app::reports::Period {
        label: row.period.clone(),
        from,
        to,
        timezone: "Asia/Shanghai".to_owned(),
    };
    let keys = duty.map(|d| d.sections.clone()).unwrap_or_default();
    content::build(
        &ctx.db,
        &ctx.calendars.snapshot(),
        stored,
        only,
        period,
        ctx.now(),
        &keys,
    )
    .await
}

/// Report `number` with its sections.
pub async fn get(ctx: &Context, p: &Principal, number: &str) -> AppResult<PeriodicReportView> {
    permissions::check(p, Action::PeriodicReportRead)?;
    let (row, stored) = load(&ctx.db, p, number).await?;
    let sections = sections_of(ctx, &row, &stored).await?;
    let mut v = view(&ctx.db, &stored, row, ctx.now()).await?;
    v.sections = Some(sections);
    Ok(v)
}

/// The report `number` as a DOCX file (its name, its bytes).
pub async fn docx_file(ctx: &Context, p: &Principal, number: &str) -> AppResult<(String, Vec<u8>)> {
    let v = get(ctx, p, number).await?;
    let sections = v.sections.clone().unwrap_or_default();
    let bytes = docx::render(&v, &sections)?;
    Ok((format!("{}-{}-{}.docx", v.number, v.contract, v.period), bytes))
}
