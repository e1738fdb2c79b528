//! Problem records (问题单): a system failing the same way again and again is one problem, whose
//! root cause and fix plan the vendor owes the buyer. Seed 004 asks the vendor to report "偶然故障、
//! 干扰、频发故障、潜伏故障" and give "根据故障/缺陷分类…故障/缺陷修复计划" (L27522–27528), and
//! counts "同类故障连续发生或重复发生" against it (L28668).
//!
//! A problem is opened by the tickets themselves ([`detect`]): when a ticket is opened or sorted
//! and the system has, with it, as many tickets of its class within the window as its policy's
//! rule says ([`ticket_domain::Recurrence`]; by default two faults of one category within 30
//! days), they are linked to the system's open problem of that class, or to a new one.
//!
//! | who | may |
//! |---|---|
//! | everyone who sees the system | read it and its tickets |
//! | the vendor's engineers and managers (the buyer's, where no vendor serves the system) | write the analysis (原因分析) and the plan (修复计划) |
//! | the buyer's managers | close it, once both are written; a closed problem is final, and the next recurrence opens a new one |

pub mod batch;
pub mod detect;

pub use batch::detect_batch;
pub use detect::{detect, detect_new, detect_on, problem_of, reconsider};

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app::audit::{self, ClientAddr};
use crate::app::auth::Principal;
use crate::app::permissions::{self, Action};
use crate::app::{AppError, AppResult, Context};
use crate::db::entities::{problem_tickets, problems, system_vendors, systems, tickets};

/// The longest analysis or plan, in characters.
pub const MAX_TEXT_CHARS: usize = 4000;

/// A problem record.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProblemView {
    /// `PRB-2026-000001`.
    pub number: String,
    /// The system's code.
    pub system: String,
    /// The system's name.
    pub system_name: String,
    /// The class: the category's code; none for the unsorted.
    pub category: Option<String>,
    /// The category's name (未分类 for none).
    pub category_name: String,
    /// The summary written when it was opened.
    pub title: String,
    /// `open` or `closed`.
    pub state: String,
    /// The root-cause analysis (原因分析).
    pub analysis: Option<String>,
    /// The fix plan (修复计划).
    pub plan: Option<String>,
    /// Send back with a change.
    pub version: i32,
    /// When the recurrence was found.
    pub opened_at: DateTime<Utc>,
    /// When it was closed.
    pub closed_at: Option<DateTime<Utc>>,
    /// Its tickets, by when the fault began.
    pub tickets: Vec<ProblemTicket>,
}

/// A ticket of a problem.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProblemTicket {
    /// The ticket's number.
    pub number: String,
    /// Its title.
    pub title: String,
    /// Its kind.
    pub kind: String,
    /// Its severity.
    pub severity: String,
    /// Its status.
    pub status: String,
    /// When the fault began.
    pub occurred_at: DateTime<Utc>,
}

/// Filters of the list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProblemQuery {
    /// `open` or `closed`.
    pub state: Option<String>,
    /// Only this system (code).
    pub system: Option<String>,
}

/// A change of the analysis or the plan.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProblemChange {
    /// The version read (required).
    pub version: i32,
    /// The root-cause analysis.
    pub analysis: Option<String>,
    /// The fix plan.
    pub plan: Option<String>,
}

/// Closing a problem.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProblemClose {
    /// The version read (required).
    pub version: i32,
}

/// The name of category `code` on system `system_id`, as its policy lists it.
pub(crate) async fn category_name(db: &impl ConnectionTrait, system_id: i64, code: &str) -> AppResult<String> {
    Ok(crate::app::reports::categories::Names::load(db)
        .await?
        .of(system_id, code))
}

async fn view(db: &impl ConnectionTrait, p: problems::Model) -> AppResult<ProblemView> {
    let names = crate::app::reports::categories::Names::load(db).await?;
    view_named(db, &names, p).await
}

/// [`view`] with the category names read already (a list reads them once).
async fn view_named(
    db: &impl ConnectionTrait,
    names: &crate::app::reports::categories::Names,
    p: problems::Model,
) -> AppResult<ProblemView> {
    let system = systems::Entity::find_by_id(p.system_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("problem {} has no system", p.number)))?;
    let ids: Vec<i64> = problem_tickets::Entity::find()
        .filter(problem_tickets::Column::ProblemId.eq(p.id))
        .all(db)
        .await?
        .into_iter()
        .map(|l| l.ticket_id)
        .collect();
    let rows = tickets::Entity::find()
        .filter(tickets::Column::Id.is_in(ids))
        .order_by_asc(tickets::Column::OccurredAt)
        .order_by_asc(tickets::Column::Number)
        .all(db)
        .await?;
    let category_name = match &p.category {
        Some(c) => names.of(p.system_id, c),
        None => "未分类".to_owned(),
    };
    Ok(ProblemView {
        number: p.number,
        system: system.code,
        system_name: system.name,
        category: p.category,
        category_name,
        title: p.title,
        state: p.state,
        analysis: p.analysis,
        plan: p.plan,
        version: p.version,
        opened_at: p.opened_at,
        closed_at: p.closed_at,
        tickets: rows
            .into_iter()
            .map(|t| ProblemTicket {
                number: t.number,
                title: t.title,
                kind: t.kind.to_string(),
                severity: t.severity.to_string(),
                status: t.status.to_string(),
                occurred_at: t.occurred_at,
            })
            .collect(),
    })
}

/// The problems of the systems `p` sees, open first, newest first.
pub async fn list(ctx: &Context, p: &Principal, q: ProblemQuery) -> AppResult<Vec<ProblemView>> {
    permissions::check(p, Action::ProblemRead)?;
    let mut find = problems::Entity::find();
    if let Some(ids) = crate::app::scope::visible_system_ids(&ctx.db, p).await? {
        find = find.filter(problems::Column::SystemId.is_in(ids));
    }
    match q.state.as_deref() {
        None => {}
        Some(s @ ("open" | "closed")) => find = find.filter(problems::Column::State.eq(s)),
        Some(other) => {
            return Err(AppError::invalid(
                "state",
                format!("{other:?} is not a state; expected open or closed"),
            ));
        }
    }
    if let Some(code) = &q.system {
        let system = crate::app::scope::system_in_scope(&ctx.db, p, code).await?;
        find = find.filter(problems::Column::SystemId.eq(system.id));
    }
    let rows = find
        .order_by_desc(problems::Column::OpenedAt)
        .order_by_desc(problems::Column::Id)
        .all(&ctx.db)
        .await?;
    let names = crate::app::reports::categories::Names::load(&ctx.db).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push(view_named(&ctx.db, &names, r).await?);
    }
    // Open first (a stable sort keeps the newest first within each).
    out.sort_by_key(|v| v.state != "open");
    Ok(out)
}

/// Problem `number`, if `p` sees its system (otherwise not found, as if it did not exist).
async fn load(db: &impl ConnectionTrait, p: &Principal, number: &str) -> AppResult<problems::Model> {
    let not_found = || AppError::NotFound(format!("no problem {number}"));
    let row = problems::Entity::find()
        .filter(problems::Column::Number.eq(number))
        .one(db)
        .await?
        .ok_or_else(not_found)?;
    if let Some(ids) = crate::app::scope::visible_system_ids(db, p).await?
        && !ids.contains(&row.system_id)
    {
        return Err(not_found());
    }
    Ok(row)
}

/// Problem `number`.
pub async fn get(ctx: &Context, p: &Principal, number: &str) -> AppResult<ProblemView> {
    permissions::check(p, Action::ProblemRead)?;
    let row = load(&ctx.db, p, number).await?;
    view(&ctx.db, row).await
}

/// What `p` may do with problem `v` now, for a page deciding which forms to show: write the
/// analysis and the plan (open, and the vendor's — the buyer's where no vendor serves the
/// system), close it (open, both written, the buyer's managers).
pub async fn abilities(ctx: &Context, p: &Principal, v: &ProblemView) -> AppResult<(bool, bool)> {
    if v.state != "open" {
        return Ok((false, false));
    }
    let system = crate::app::scope::system_in_scope(&ctx.db, p, &v.system).await?;
    let served = system_vendors::Entity::find()
        .filter(system_vendors::Column::SystemId.eq(system.id))
        .one(&ctx.db)
        .await?
        .is_some();
    let write = permissions::check_ticket(p, Action::ProblemWrite, served).is_ok();
    let close = permissions::may(p, Action::ProblemClose) && v.analysis.is_some() && v.plan.is_some();
    Ok((write, close))
}

fn text(field: &str, v: Option<String>) -> AppResult<Option<Option<String>>> {
    let Some(v) = v else { return Ok(None) };
    let t = v.trim();
    if t.chars().count() > MAX_TEXT_CHARS {
        return Err(AppError::invalid(field, format!("at most {MAX_TEXT_CHARS} characters")));
    }
    Ok(Some((!t.is_empty()).then(|| t.to_owned())))
}

/// Claims the version `version` of `row`: of two writers with it exactly one goes on.
async fn claim(db: &impl ConnectionTrait, row: &problems::Model, version: i32) -> AppResult<()> {
    let claimed = problems::Entity::update_many()
        .col_expr(problems::Column::Version, sea_orm::sea_query::Expr::value(version + 1))
        .filter(problems::Column::Id.eq(row.id))
        .filter(problems::Column::Version.eq(version))
        .exec(db)
        .await?;
    if claimed.rows_affected != 1 {
        let current = problems::Entity::find_by_id(row.id)
            .one(db)
            .await?
            .map_or(row.version, |r| r.version);
        return Err(AppError::VersionConflict {
            detail: format!(
                "problem {} changed since you read it (your version {version}, current {current}); reload and retry",
                row.number
            ),
            current: i64::from(current),
        });
    }
    Ok(())
}

/// Writes the analysis and the plan (the vendor's; the buyer's where no vendor serves the
/// system), while the problem is open.
pub async fn change(
    ctx: &Context,
    p: &Principal,
    from: &ClientAddr,
    number: &str,
    body: ProblemChange,
) -> AppResult<ProblemView> {
    let txn = ctx.begin_write().await?;
    let row = load(&txn, p, number).await?;
    let served = system_vendors::Entity::find()
        .filter(system_vendors::Column::SystemId.eq(row.system_id))
        .one(&txn)
        .await?
        .is_some();
    permissions::check_ticket(p, Action::ProblemWrite, served)?;
    if row.state != "open" {
        return Err(AppError::InvalidTransition {
            detail: format!("problem {number} is closed; a new recurrence opens a new problem"),
            allowed: Vec::new(),
        });
    }
    let (analysis, plan) = (text("analysis", body.analysis)?, text("plan", body.plan)?);
    if analysis.is_none() && plan.is_none() {
        return Err(AppError::invalid("analysis", "give the analysis, the plan or both"));
    }
    claim(&txn, &row, body.version).await?;
    let now = ctx.now();
    let mut am: problems::ActiveModel = row.into();
    if let Some(a) = analysis {
        am.analysis = sea_orm::Set(a);
    }
    if let Some(pl) = plan {
        am.plan = sea_orm::Set(pl);
    }
    am.version = sea_orm::Set(body.version + 1);
    am.updated_at = sea_orm::Set(now);
    let row = sea_orm::ActiveModelTrait::update(am, &txn).await?;
    audit::record(
        &txn,
        Some(p.user_id),
        "problem.change",
        &row.number,
        serde_json::json!({"analysis": row.analysis, "plan": row.plan}),
        from,
        now,
    )
    .await?;
    txn.commit().await?;
    view(&ctx.db, row).await
}

/// Closes a problem (the buyer's managers), once its analysis and plan are written.
pub async fn close(
    ctx: &Context,
    p: &Principal,
    from: &ClientAddr,
    number: &str,
    body: ProblemClose,
) -> AppResult<ProblemView> {
    permissions::check(p, Action::ProblemClose)?;
    let txn = ctx.begin_write().await?;
    let row = load(&txn, p, number).await?;
    // Taken in the order the detection takes them (the system, then the problem): a ticket being
    // linked now is either in before the close reads the version, or opens a new problem after.
    crate::db::claim::<systems::Entity>(&txn, systems::Column::Name, systems::Column::Id.eq(row.system_id)).await?;
    if row.state != "open" {
        return Err(AppError::InvalidTransition {
            detail: format!("problem {number} is already closed"),
            allowed: Vec::new(),
        });
    }
    if row.analysis.is_none() || row.plan.is_none() {
        return Err(AppError::InvalidTransition {
            detail: format!("problem {number} closes once its analysis and its fix plan are written"),
            allowed: vec!["change".to_owned()],
        });
    }
    claim(&txn, &row, body.version).await?;
    let now = ctx.now();
    let mut am: problems::ActiveModel = row.into();
    am.state = sea_orm::Set("closed".to_owned());
    am.closed_at = sea_orm::Set(Some(now));
    am.closed_by = sea_orm::Set(Some(p.user_id));
    am.version = sea_orm::Set(body.version + 1);
    am.updated_at = sea_orm::Set(now);
    let row = sea_orm::ActiveModelTrait::update(am, &txn).await?;
    audit::record(
        &txn,
        Some(p.user_id),
        "problem.close",
        &row.number,
        serde_json::json!({}),
        from,
        now,
    )
    .await?;
    txn.commit().await?;
    view(&ctx.db, row).await
}
