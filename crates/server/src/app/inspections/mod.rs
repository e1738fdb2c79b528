//! Inspections (巡检, issue 28): the catalogue's cadence (`[systems.contract] inspection`) made
//! into work. Seed 004 L28450–28451: "乙方应进行定期的项目巡检工作，包括软件的管理配置、运行稳定性、
//! 系统业务质量等；包括硬件设备的运行状态和健康度"; L28499–28503: the buyer reviews the vendor's
//! 《巡检记录》.
//!
//! - [`schedule`]: the sweep creates the inspections each period owes, once, and marks the ones
//!   whose period ended undone `missed`;
//! - [`checklists`]: what is checked, per kind of system (`config/checklists`);
//! - [`record`]: an engineer of a vendor serving the system records the results item by item; an
//!   item not ok may open a fault ticket in the same transaction;
//! - the breach report lists the period's missed ones (`app::reports::inspections`).
//!
//! ```text
//! due ──record──▶ done
//!  │
//!  └──period ends (sweep)──▶ missed
//! ```

pub mod checklists;
pub mod record;
pub mod schedule;

pub use checklists::{Checklist, Checklists};
pub use record::{RecordBody, ResultBody, TicketBody, record};

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app::auth::Principal;
use crate::app::permissions::{self, Action};
use crate::app::{AppError, AppResult, Context};
use crate::db::entities::{inspections, systems, units, users};

/// The states, with their Chinese labels.
pub const STATES: [(&str, &str); 3] = [("due", "待巡检"), ("done", "已完成"), ("missed", "漏检")];

/// The Chinese label of a state.
pub fn state_zh(state: &str) -> &'static str {
    STATES.iter().find(|(k, _)| *k == state).map_or("", |(_, zh)| zh)
}

/// The Chinese label of a cadence's period: 每日, 每周, 每月, 每季度, 每半年, 每年.
pub fn every_zh(every: &str) -> &'static str {
    match every {
        "day" => "每日",
        "week" => "每周",
        "month" => "每月",
        "quarter" => "每季度",
        "half_year" => "每半年",
        _ => "每年",
    }
}

/// The Chinese label of a mode: 远程, 现场, or nothing.
pub fn mode_zh(mode: &str) -> &'static str {
    match mode {
        "remote" => "远程",
        "on_site" => "现场",
        _ => "",
    }
}

/// What to list.
#[derive(Debug, Clone, Default, Deserialize, IntoParams, ToSchema)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct InspectionQuery {
    /// Only this system (code).
    pub system: Option<String>,
    /// Only this state: due, done, missed.
    pub state: Option<String>,
    /// Only those due in this period (`2026-12`, `2026-Q4`, `2026`, `2026-12-01..2026-12-15`):
    /// due after its first instant and at the latest at its end.
    pub period: Option<String>,
    /// At most this many [default 200, at most 1000].
    pub limit: Option<u64>,
}

/// One item of an inspection: the checklist's words and, once recorded, the result.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ItemView {
    /// The item's key.
    pub item: String,
    /// In Chinese.
    pub zh: String,
    /// In English.
    pub en: String,
    /// Whether it was found in order (none until recorded).
    pub ok: Option<bool>,
    /// The engineer's remark.
    pub remark: Option<String>,
    /// The ticket opened for it, if any.
    pub ticket: Option<String>,
}

/// An inspection.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct InspectionView {
    /// Id.
    pub id: i64,
    /// System code.
    pub system: String,
    /// System name.
    pub system_name: String,
    /// The owning unit's name.
    pub unit: String,
    /// The cadence's period: day, week, month, quarter, half_year, year.
    pub every: String,
    /// remote, on_site, or none when the contract does not say.
    pub mode: Option<String>,
    /// How many the period owes.
    pub times: i32,
    /// Which of them this is.
    pub seq: i32,
    /// The period: `2026-12`, `2026-W49`, `2026-Q4`, …
    pub period: String,
    /// Its first instant.
    pub period_start: DateTime<Utc>,
    /// The first instant after it.
    pub period_end: DateTime<Utc>,
    /// When it is due (the end of the period).
    pub due_at: DateTime<Utc>,
    /// due, done or missed.
    pub state: String,
    /// When it was recorded done.
    pub done_at: Option<DateTime<Utc>>,
    /// Who recorded it (user name).
    pub done_by: Option<String>,
    /// The checklist: the one used once done, else the one the system uses now.
    pub checklist: String,
    /// The checklist's name.
    pub checklist_name: String,
    /// Its items, with the results once done.
    pub items: Vec<ItemView>,
    /// The engineer's note.
    pub note: Option<String>,
}

/// The row's view; `names`: users by id, `systems`: the systems by id with their unit's name.
pub(crate) fn view(
    ctx: &Context,
    row: inspections::Model,
    system: &systems::Model,
    unit: &str,
    done_by: Option<String>,
) -> InspectionView {
    let calendar = ctx.calendars.snapshot();
    let first = calendar
        .get(&system.calendar)
        .map_or(row.period_start.date_naive(), |c| {
            c.local(row.period_start).date_naive()
        });
    let code = row
        .checklist
        .clone()
        .unwrap_or_else(|| Checklists::code_for(system.profile.as_ref()));
    let list = ctx.checklists.get(&code);
    let items = match row.results.as_ref().and_then(|r| r.as_array()) {
        Some(results) => results
            .iter()
            .map(|r| {
                let text = |k: &str| r.get(k).and_then(|v| v.as_str()).map(str::to_owned);
                ItemView {
                    item: text("item").unwrap_or_default(),
                    zh: text("zh").unwrap_or_default(),
                    en: text("en").unwrap_or_default(),
                    ok: r.get("ok").and_then(|v| v.as_bool()),
                    remark: text("remark").filter(|s| !s.is_empty()),
                    ticket: text("ticket"),
                }
            })
            .collect(),
        None => list.map_or_else(Vec::new, |c| {
            c.items
                .iter()
                .map(|i| ItemView {
                    item: i.key.clone(),
                    zh: i.zh.clone(),
                    en: i.en.clone(),
                    ok: None,
                    remark: None,
                    ticket: None,
                })
                .collect()
        }),
    };
    InspectionView {
        id: row.id,
        system: system.code.clone(),
        system_name: system.name.clone(),
        unit: unit.to_owned(),
        mode: (row.mode != "any").then(|| row.mode.clone()),
        period: schedule::label(&row.every, first),
        every: row.every,
        times: row.times,
        seq: row.seq,
        period_start: row.period_start,
        period_end: row.period_end,
        due_at: row.due_at,
        state: row.state,
        done_at: row.done_at,
        done_by,
        checklist_name: list.map_or_else(|| code.clone(), |c| c.name.clone()),
        checklist: code,
        items,
        note: row.note,
    }
}

/// The inspections `p` may see, due first (soonest due first), then missed and done (latest
/// first).
pub async fn list(ctx: &Context, p: &Principal, q: InspectionQuery) -> AppResult<Vec<InspectionView>> {
    permissions::check_at_all(p, Action::InspectionRead)?;
    let mut find = inspections::Entity::find();
    if let Some(ids) = crate::app::scope::visible_system_ids(&ctx.db, p).await? {
        find = find.filter(inspections::Column::SystemId.is_in(ids));
    }
    if let Some(code) = &q.system {
        let s = crate::app::scope::system_in_scope(&ctx.db, p, code).await?;
        find = find.filter(inspections::Column::SystemId.eq(s.id));
    }
    if let Some(state) = &q.state {
        if !STATES.iter().any(|(k, _)| k == state) {
            return Err(AppError::invalid(
                "state",
                format!("{state:?}: expected due, done or missed"),
            ));
        }
        find = find.filter(inspections::Column::State.eq(state.as_str()));
    }
    if let Some(text) = &q.period {
        let period = crate::app::reports::Period::parse(text, chrono_tz::Asia::Shanghai)
            .map_err(|e| AppError::invalid("period", e))?;
        find = find
            .filter(inspections::Column::DueAt.gt(period.from))
            .filter(inspections::Column::DueAt.lte(period.to));
    }
    let limit = q.limit.unwrap_or(200).clamp(1, 1000);
    // Due first, soonest first; then the rest, latest first.
    let mut rows = find
        .clone()
        .filter(inspections::Column::State.eq("due"))
        .order_by_asc(inspections::Column::DueAt)
        .order_by_asc(inspections::Column::Id)
        .limit(limit)
        .all(&ctx.db)
        .await?;
    if (rows.len() as u64) < limit {
        rows.extend(
            find.filter(inspections::Column::State.ne("due"))
                .order_by_desc(inspections::Column::DueAt)
                .order_by_desc(inspections::Column::Id)
                .limit(limit - rows.len() as u64)
                .all(&ctx.db)
                .await?,
        );
    }
    views(ctx, &ctx.db, rows).await
}

/// Views of `rows`, reading their systems, units and people once.
pub(crate) async fn views(
    ctx: &Context,
    db: &impl ConnectionTrait,
    rows: Vec<inspections::Model>,
) -> AppResult<Vec<InspectionView>> {
    let system_ids: Vec<i64> = rows.iter().map(|r| r.system_id).collect();
    let systems: BTreeMap<i64, systems::Model> = systems::Entity::find()
        .filter(systems::Column::Id.is_in(system_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let units: BTreeMap<i64, String> = units::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    let user_ids: Vec<i64> = rows.iter().filter_map(|r| r.done_by).collect();
    let names: BTreeMap<i64, String> = users::Entity::find()
        .filter(users::Column::Id.is_in(user_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.username))
        .collect();
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let Some(system) = systems.get(&row.system_id) else {
            continue;
        };
        let unit = units.get(&system.unit_id).map_or("", String::as_str);
        let by = row.done_by.and_then(|id| names.get(&id).cloned());
        out.push(view(ctx, row, system, unit, by));
    }
    Ok(out)
}

/// One inspection, if `p` may see its system (else not found, as if absent).
pub async fn get(ctx: &Context, p: &Principal, id: i64) -> AppResult<InspectionView> {
    permissions::check_at_all(p, Action::InspectionRead)?;
    let row = load_in_scope(&ctx.db, p, id).await?;
    views(ctx, &ctx.db, vec![row]).await?.pop().ok_or_else(|| not_found(id))
}

fn not_found(id: i64) -> AppError {
    AppError::NotFound(format!("no inspection {id} (or not yours)"))
}

/// The inspection `id` if `p` may see its system.
pub(crate) async fn load_in_scope(db: &impl ConnectionTrait, p: &Principal, id: i64) -> AppResult<inspections::Model> {
    let row = inspections::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| not_found(id))?;
    if !crate::app::scope::can_see_system(db, p, row.system_id).await? {
        return Err(not_found(id));
    }
    Ok(row)
}
