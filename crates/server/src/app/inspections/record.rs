//! Recording an inspection: the results item by item, in one transaction with the tickets its
//! findings open, audited.
//!
//! Who: an engineer or manager of a vendor serving the system (admins too). What is checked, in
//! this order, each a clear refusal:
//!
//! | refusal | when |
//! |---|---|
//! | 403 | the caller is not a vendor's engineer or manager (the buyer reviews, the vendor inspects) |
//! | 404 | the inspection does not exist, or its system is not served by the caller's vendor |
//! | 409 | it is already done, or missed (its period ended undone: a missed one stays missed) |
//! | 422 `results[i].item` | an item the checklist does not have, or one given twice |
//! | 422 `results` | an item of the checklist left out |
//! | 422 `results[i].remark` | an item not ok without a remark saying what is wrong |
//! | 422 `results[i].ticket` | a ticket asked for an item that is ok, or with a bad severity |
//! | 422 `note`, `results[i].remark` | longer than 4000 / 1000 characters |

use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::{InspectionView, load_in_scope, schedule, views};
use crate::app::audit::{self, ClientAddr};
use crate::app::auth::Principal;
use crate::app::permissions::{self, Action};
use crate::app::{AppError, AppResult, Context};
use crate::db::entities::{inspections, systems};

/// Whether `p` may record inspection `v` now (for a page deciding whether to show the form): a
/// vendor's people (not an administrator, who is on no side), while it is due and its period has
/// begun.
pub fn may_record(p: &Principal, v: &InspectionView, now: chrono::DateTime<chrono::Utc>) -> bool {
    p.role != crate::app::auth::Role::Admin
        && permissions::may(p, Action::InspectionRecord)
        && v.state == "due"
        && v.period_start <= now
}
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};

/// The longest note.
const MAX_NOTE: usize = 4000;
/// The longest remark.
const MAX_REMARK: usize = 1000;

/// A fault ticket to open for an item found not ok.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketBody {
    /// urgent, serious, general or minor (or 紧急, 严重, 一般, 轻微): the engineer's grading.
    pub severity: String,
    /// The ticket's title [default: 巡检发现：ITEM].
    #[serde(default)]
    pub title: Option<String>,
}

/// The result of one item.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResultBody {
    /// The item's key in the checklist.
    pub item: String,
    /// Whether it was found in order.
    pub ok: bool,
    /// What was seen (required when not ok).
    #[serde(default)]
    pub remark: String,
    /// Open a fault ticket for it (only when not ok).
    #[serde(default)]
    pub ticket: Option<TicketBody>,
}

/// The results of an inspection.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordBody {
    /// One result per item of the checklist.
    pub results: Vec<ResultBody>,
    /// A note on the whole inspection.
    #[serde(default)]
    pub note: Option<String>,
}

/// Records inspection `id` done with `body`'s results; opens the tickets asked for.
pub async fn record(
    ctx: &Context,
    p: &Principal,
    from: &ClientAddr,
    id: i64,
    body: RecordBody,
) -> AppResult<InspectionView> {
    permissions::check(p, Action::InspectionRecord)?;
    if p.role == crate::app::auth::Role::Admin {
        // As a rectification order's acts: the vendor's record is the vendor's people's.
        return Err(AppError::Forbidden(
            "an administrator is on no side: the vendor's engineers and managers record its inspections \
             (管理员不代表服务商，巡检记录由服务商人员填写)"
                .into(),
        ));
    }
    crate::app::text::refuse_nul(&body)?;
    let now = ctx.now();
    let txn = ctx.begin_write().await?;
    let row = load_in_scope(&txn, p, id).await?;
    if row.period_start > now {
        return Err(AppError::Conflict(format!(
            "inspection {id}'s period has not begun (it begins {}); record it then (巡检周期尚未开始)",
            row.period_start.to_rfc3339()
        )));
    }
    match row.state.as_str() {
        "done" => {
            return Err(AppError::Conflict(format!(
                "inspection {id} is already done (recorded {}); a second record is not taken (该巡检已填写，不能重复填写)",
                row.done_at.map(|t| t.to_rfc3339()).unwrap_or_default()
            )));
        }
        "missed" => return Err(missed(id, &row)),
        _ if row.due_at <= now => return Err(missed(id, &row)),
        _ => {}
    }
    let system = systems::Entity::find_by_id(row.system_id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("inspection {id}: its system is gone")))?;
    let code = super::Checklists::code_for(system.profile.as_ref());
    let checklist = ctx.checklists.get(&code).cloned().ok_or_else(|| {
        AppError::Conflict(format!(
            "system {} names checklist {code:?}, which is not configured (config/checklists); \
             ask an admin to add it or to change the system's checklist (系统指定的巡检表未配置，请联系管理员)",
            system.code
        ))
    })?;
    if let Some(note) = &body.note
        && note.chars().count() > MAX_NOTE
    {
        return Err(AppError::invalid(
            "note",
            format!("at most {MAX_NOTE} characters (备注过长)"),
        ));
    }
    // Every item once, each known, each not-ok one said.
    let mut seen = std::collections::BTreeSet::new();
    for (i, r) in body.results.iter().enumerate() {
        if !checklist.items.iter().any(|it| it.key == r.item) {
            let keys: Vec<&str> = checklist.items.iter().map(|it| it.key.as_str()).collect();
            return Err(AppError::invalid(
                format!("results[{i}].item"),
                format!(
                    "checklist {code:?} has no item {:?}; its items: {} (巡检表中没有此项目)",
                    r.item,
                    keys.join(", ")
                ),
            ));
        }
        if !seen.insert(r.item.as_str()) {
            return Err(AppError::invalid(
                format!("results[{i}].item"),
                format!("{:?} is given twice (同一项目填写了两次)", r.item),
            ));
        }
        if !r.ok && r.remark.trim().is_empty() {
            return Err(AppError::invalid(
                format!("results[{i}].remark"),
                "an item not in order needs a remark saying what is wrong (异常项目须填写说明)",
            ));
        }
        if r.remark.chars().count() > MAX_REMARK {
            return Err(AppError::invalid(
                format!("results[{i}].remark"),
                format!("at most {MAX_REMARK} characters (说明过长)"),
            ));
        }
        if r.ok && r.ticket.is_some() {
            return Err(AppError::invalid(
                format!("results[{i}].ticket"),
                "a ticket is opened only for an item not in order (只有异常项目可以报障)",
            ));
        }
    }
    let missing: Vec<&str> = checklist
        .items
        .iter()
        .filter(|it| !seen.contains(it.key.as_str()))
        .map(|it| it.key.as_str())
        .collect();
    if !missing.is_empty() {
        return Err(AppError::invalid(
            "results",
            format!(
                "every item of checklist {code:?} needs a result; missing: {} (每个巡检项目都须填写结果)",
                missing.join(", ")
            ),
        ));
    }
    let first = ctx
        .calendars
        .snapshot()
        .get(&system.calendar)
        .map_or(row.period_start.date_naive(), |c| {
            c.local(row.period_start).date_naive()
        });
    let period = schedule::label(&row.every, first);
    // In the checklist's order, each with its words as they were when recorded.
    let mut results = Vec::new();
    let mut opened = Vec::new();
    for item in &checklist.items {
        let Some((i, r)) = body.results.iter().enumerate().find(|(_, r)| r.item == item.key) else {
            continue;
        };
        let ticket = match &r.ticket {
            None => None,
            Some(t) => {
                let number = open_ticket(ctx, &txn, p, from, &system, &period, id, item, r, t, i).await?;
                opened.push(number.clone());
                Some(number)
            }
        };
        results.push(json!({"item": item.key, "zh": item.zh, "en": item.en, "ok": r.ok,
            "remark": r.remark.trim(), "ticket": ticket}));
    }
    let note = body
        .note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned);
    let done = inspections::Entity::update_many()
        .set(inspections::ActiveModel {
            state: Set("done".to_owned()),
            done_at: Set(Some(now)),
            done_by: Set(Some(p.user_id)),
            checklist: Set(Some(code.clone())),
            results: Set(Some(json!(results))),
            note: Set(note),
            ..Default::default()
        })
        .filter(inspections::Column::Id.eq(id))
        .filter(inspections::Column::State.eq("due"))
        .exec(&txn)
        .await?;
    if done.rows_affected != 1 {
        return Err(AppError::Conflict(format!(
            "inspection {id} was recorded, or became missed, meanwhile; reload it (该巡检已被填写或已过期，请刷新)"
        )));
    }
    let not_ok: Vec<&str> = body.results.iter().filter(|r| !r.ok).map(|r| r.item.as_str()).collect();
    audit::record(
        &txn,
        Some(p.user_id),
        "inspection.record",
        &format!("inspection:{id}"),
        json!({"system": system.code, "period": period, "seq": row.seq, "checklist": code,
               "not_ok": not_ok, "tickets": opened}),
        from,
        now,
    )
    .await?;
    txn.commit().await?;
    let row = inspections::Entity::find_by_id(id)
        .one(&ctx.db)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("inspection {id} vanished")))?;
    views(ctx, &ctx.db, vec![row])
        .await?
        .pop()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("inspection {id} has no view")))
}

fn missed(id: i64, row: &inspections::Model) -> AppError {
    AppError::Conflict(format!(
        "inspection {id} was due by {} and is missed; a missed inspection stays on record (该巡检已过期未做，记为漏检)",
        row.due_at.to_rfc3339()
    ))
}

/// Opens the fault ticket for item `r`, linked to the inspection by its title and description.
#[allow(clippy::too_many_arguments)]
async fn open_ticket(
    ctx: &Context,
    txn: &sea_orm::DatabaseTransaction,
    p: &Principal,
    from: &ClientAddr,
    system: &systems::Model,
    period: &str,
    id: i64,
    item: &super::checklists::Item,
    r: &ResultBody,
    t: &TicketBody,
    i: usize,
) -> AppResult<String> {
    use crate::app::tickets::open::{CreateTicket, open, plan_as};
    permissions::check(p, Action::TicketOpen)?;
    let now = ctx.now();
    let title = t
        .title
        .clone()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| format!("巡检发现：{}", item.zh));
    let body = CreateTicket {
        kind: "fault".into(),
        system: system.code.clone(),
        severity: Some(t.severity.clone()),
        severity_reason: Some(format!("巡检 {id}（{period}）发现，工程师定级")),
        facts: None,
        title,
        description: format!("巡检 {id}（{period}）项目「{}」：{}", item.zh, r.remark.trim()),
        occurred_at: None,
        received_at: None,
        assignee_id: None,
        duty: None,
        // Sorted later (categorise), as any ticket the desk logs.
        category: None,
    };
    let side = Some(crate::app::tickets::evidence::side_of(p));
    let rename = |e: AppError| match e {
        AppError::Invalid { field, detail } => AppError::Invalid {
            field: Some(format!("results[{i}].ticket.{}", field.unwrap_or_default())),
            detail,
        },
        other => other,
    };
    let mut plan = plan_as(txn, ctx, system.clone(), Some(p.user_id), body, now, side)
        .await
        .map_err(rename)?;
    plan.recording = Some(crate::app::tickets::recording(txn, ctx, p, &plan.system, now).await?);
    let (row, _) = open(txn, &ctx.calendars.snapshot(), plan, Some(p.user_id), now, from).await?;
    Ok(row.number)
}
