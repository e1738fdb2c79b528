//! Systems under contract: read in scope by everyone signed in, created and changed by admins
//! (a change carries the version read; a stale one is a version conflict).

use std::collections::BTreeMap;

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use ticket_domain::ServiceMode;
use utoipa::ToSchema;

use crate::app::audit::{self, ClientAddr};
use crate::app::auth::Principal;
use crate::app::catalog::service_edit::{self, ServiceChange, changed, set_or_clear};
use crate::app::catalog::{check_code, check_name, duplicate};
use crate::app::scope::{can_see_system, visible_system_ids};
use crate::app::{AppError, AppResult, Context};
use crate::db::entities::{policies, system_vendors, systems, units, vendors};

/// A system under contract.
#[derive(Debug, Serialize, ToSchema)]
pub struct SystemView {
    /// Id.
    pub id: i64,
    /// Short unique code.
    pub code: String,
    /// Name.
    pub name: String,
    /// The owning unit.
    pub unit_id: i64,
    /// The responsible vendors.
    pub vendor_ids: Vec<i64>,
    /// The SLA policy.
    pub policy_id: i64,
    /// The calendar its clocks run on.
    pub calendar: String,
    /// Clocks that run on another calendar: clock (`response`, `arrival`, `repair`) → calendar.
    pub clock_calendars: BTreeMap<String, String>,
    /// `remote`, `on_site` or `remote_and_on_site`.
    pub service_mode: String,
    /// The first day served (`"YYYY-MM-DD"`, or a month: its first day); none: from the start.
    pub service_start: Option<String>,
    /// The last day served (`"YYYY-MM-DD"`, or a month: its last day); none: to the end.
    pub service_end: Option<String>,
    /// The fee for one year of service, fen; none: not known.
    pub fee_fen: Option<i64>,
    /// Version, for updates.
    pub version: i64,
}

/// A new system.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSystem {
    /// Short unique code.
    pub code: String,
    /// Name.
    pub name: String,
    /// The owning unit.
    pub unit_id: i64,
    /// The responsible vendors.
    #[serde(default)]
    pub vendor_ids: Vec<i64>,
    /// The SLA policy.
    pub policy_id: i64,
    /// The calendar its clocks run on (see `opsclock sla calendars`).
    pub calendar: String,
    /// Clocks that run on another calendar than `calendar`, e.g. `{"response": "cn-7x24"}` for
    /// "7x24 小时远程响应，5x8 小时远程故障解决" [default: none].
    #[serde(default)]
    pub clock_calendars: BTreeMap<String, String>,
    /// `remote`, `on_site` or `remote_and_on_site`.
    pub service_mode: String,
}

/// A change to a system; `version` must be the one read.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SystemPatch {
    /// The version read.
    pub version: i64,
    /// New name.
    pub name: Option<String>,
    /// New policy.
    pub policy_id: Option<i64>,
    /// New calendar.
    pub calendar: Option<String>,
    /// New clock calendars (replacing the old; `{}` puts every clock on `calendar`).
    pub clock_calendars: Option<BTreeMap<String, String>>,
    /// New service mode.
    pub service_mode: Option<String>,
    /// New vendor list.
    pub vendor_ids: Option<Vec<i64>>,
    /// New first day served, `"YYYY-MM-DD"` or `"YYYY-MM"`; `null` clears it (served from the
    /// start). Checked as a catalogue import checks it.
    #[serde(default, deserialize_with = "set_or_clear")]
    #[schema(value_type = Option<String>)]
    pub service_start: Option<Option<String>>,
    /// New last day served, `"YYYY-MM-DD"` or `"YYYY-MM"` (its last day), not before the start;
    /// `null` clears it (served to the end).
    #[serde(default, deserialize_with = "set_or_clear")]
    #[schema(value_type = Option<String>)]
    pub service_end: Option<Option<String>>,
    /// New fee for one year of service, fen, not negative; `null` clears it.
    #[serde(default, deserialize_with = "set_or_clear")]
    #[schema(value_type = Option<i64>)]
    pub fee_fen: Option<Option<i64>>,
}

impl SystemPatch {
    /// A change of the service dates and fee alone.
    pub fn service(version: i64, change: ServiceChange) -> SystemPatch {
        SystemPatch {
            version,
            name: None,
            policy_id: None,
            calendar: None,
            clock_calendars: None,
            service_mode: None,
            vendor_ids: None,
            service_start: change.service_start,
            service_end: change.service_end,
            fee_fen: change.fee_fen,
        }
    }
}

async fn system_view(db: &impl ConnectionTrait, s: systems::Model) -> Result<SystemView, DbErr> {
    let vendor_ids = system_vendors::Entity::find()
        .filter(system_vendors::Column::SystemId.eq(s.id))
        .order_by_asc(system_vendors::Column::VendorId)
        .all(db)
        .await?
        .into_iter()
        .map(|l| l.vendor_id)
        .collect();
    let text = |k: &str| {
        s.profile
            .as_ref()
            .and_then(|p| p.get(k))
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned)
    };
    let (service_start, service_end) = (text("service_start"), text("service_end"));
    let fee_fen = s
        .profile
        .as_ref()
        .and_then(|p| p.get("fee_fen"))
        .and_then(serde_json::Value::as_i64);
    Ok(SystemView {
        id: s.id,
        code: s.code,
        name: s.name,
        unit_id: s.unit_id,
        vendor_ids,
        policy_id: s.policy_id,
        clock_calendars: crate::app::tickets::calendars::keyed(s.clock_calendars.as_ref()),
        calendar: s.calendar,
        service_mode: s.service_mode,
        service_start,
        service_end,
        fee_fen,
        version: s.version,
    })
}

/// `clock_calendars` checked as a catalogue file's are ([`super::check::clock_calendar_problems`]:
/// known clocks, loaded calendars) and as stored (none when empty); the first problem is a 422
/// on `clock_calendars` naming the clock.
fn clock_calendars(ctx: &Context, map: &BTreeMap<String, String>) -> AppResult<Option<serde_json::Value>> {
    let loaded = ctx.calendars.snapshot().keys().cloned().collect();
    if let Some((clock, message)) = super::check::clock_calendar_problems(map, &loaded).into_iter().next() {
        return Err(AppError::invalid("clock_calendars", format!("{clock}: {message}")));
    }
    Ok((!map.is_empty()).then(|| serde_json::json!(map)))
}

async fn check_system_refs(
    ctx: &Context,
    db: &impl ConnectionTrait,
    unit_id: Option<i64>,
    policy_id: Option<i64>,
    vendor_ids: &[i64],
    calendar: Option<&str>,
    service_mode: Option<&str>,
) -> AppResult<()> {
    if let Some(u) = unit_id
        && units::Entity::find_by_id(u).one(db).await?.is_none()
    {
        return Err(AppError::invalid("unit_id", format!("no unit {u}")));
    }
    if let Some(pid) = policy_id
        && policies::Entity::find_by_id(pid).one(db).await?.is_none()
    {
        return Err(AppError::invalid("policy_id", format!("no policy {pid}")));
    }
    for v in vendor_ids {
        if vendors::Entity::find_by_id(*v).one(db).await?.is_none() {
            return Err(AppError::invalid("vendor_ids", format!("no vendor {v}")));
        }
    }
    if let Some(c) = calendar
        && !ctx.calendars.snapshot().contains_key(c)
    {
        return Err(AppError::invalid(
            "calendar",
            format!(
                "no calendar {c:?}; known: {}",
                ctx.calendars.snapshot().keys().cloned().collect::<Vec<_>>().join(", ")
            ),
        ));
    }
    if let Some(m) = service_mode {
        m.parse::<ServiceMode>()
            .map_err(|e| AppError::invalid("service_mode", e.to_string()))?;
    }
    Ok(())
}

async fn set_vendors(db: &impl ConnectionTrait, system_id: i64, vendor_ids: &[i64]) -> Result<(), DbErr> {
    system_vendors::Entity::delete_many()
        .filter(system_vendors::Column::SystemId.eq(system_id))
        .exec(db)
        .await?;
    let mut ids = vendor_ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    for v in ids {
        system_vendors::ActiveModel {
            system_id: Set(system_id),
            vendor_id: Set(v),
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

/// The systems `p` may see, by code.
pub async fn list(ctx: &Context, p: &Principal) -> AppResult<Vec<SystemView>> {
    let mut q = systems::Entity::find().order_by_asc(systems::Column::Code);
    if let Some(ids) = visible_system_ids(&ctx.db, p).await? {
        q = q.filter(systems::Column::Id.is_in(ids));
    }
    let mut out = Vec::new();
    for s in q.all(&ctx.db).await? {
        out.push(system_view(&ctx.db, s).await?);
    }
    Ok(out)
}

/// The system with `id`, if `p` may see it (else not found).
pub async fn get(ctx: &Context, p: &Principal, id: i64) -> AppResult<SystemView> {
    let s = systems::Entity::find_by_id(id).one(&ctx.db).await?;
    match s {
        Some(s) if can_see_system(&ctx.db, p, s.id).await? => Ok(system_view(&ctx.db, s).await?),
        _ => Err(AppError::NotFound(format!("no system {id}"))),
    }
}

/// Creates a system (admins).
pub async fn create(ctx: &Context, p: &Principal, from: &ClientAddr, body: NewSystem) -> AppResult<SystemView> {
    crate::app::permissions::check(p, crate::app::permissions::Action::CatalogWrite)?;
    let code = check_code(&body.code)?;
    let name = check_name(&body.name)?;
    let txn = ctx.begin_write().await?;
    check_system_refs(
        ctx,
        &txn,
        Some(body.unit_id),
        Some(body.policy_id),
        &body.vendor_ids,
        Some(&body.calendar),
        Some(&body.service_mode),
    )
    .await?;
    let per_clock = clock_calendars(ctx, &body.clock_calendars)?;
    let now = ctx.now();
    let s = systems::ActiveModel {
        code: Set(code.clone()),
        name: Set(name),
        unit_id: Set(body.unit_id),
        policy_id: Set(body.policy_id),
        calendar: Set(body.calendar),
        clock_calendars: Set(per_clock),
        service_mode: Set(body.service_mode),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(duplicate("system", &code))?;
    set_vendors(&txn, s.id, &body.vendor_ids).await?;
    let view = system_view(&txn, s).await?;
    audit::record(
        &txn,
        Some(p.user_id),
        "system.create",
        &view.code,
        serde_json::json!({"id": view.id}),
        from,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(view)
}

/// Changes a system (admins); a stale `version` is a version conflict with the current one. The
/// service dates and fee are checked as an import checks them ([`service_edit::apply`]); the
/// audit entry lists each field changed with its value before and after.
pub async fn update(
    ctx: &Context,
    p: &Principal,
    from: &ClientAddr,
    id: i64,
    body: SystemPatch,
) -> AppResult<SystemView> {
    crate::app::permissions::check(p, crate::app::permissions::Action::CatalogWrite)?;
    let now = ctx.now();
    let txn = ctx.begin_write().await?;
    let s = systems::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no system {id}")))?;
    check_system_refs(
        ctx,
        &txn,
        None,
        body.policy_id,
        body.vendor_ids.as_deref().unwrap_or_default(),
        body.calendar.as_deref(),
        body.service_mode.as_deref(),
    )
    .await?;
    let mut am = s.clone().into_active_model();
    let mut changes = Vec::new();
    let service = ServiceChange {
        service_start: body.service_start.clone(),
        service_end: body.service_end.clone(),
        fee_fen: body.fee_fen,
    };
    if !service.is_empty() {
        let (profile, service_changes) = service_edit::apply(s.profile.as_ref(), &service)?;
        am.profile = Set(profile);
        changes.extend(service_changes);
    }
    if let Some(n) = &body.name {
        let n = check_name(n)?;
        changes.extend(changed("name", s.name.clone().into(), n.clone().into()));
        am.name = Set(n);
    }
    if let Some(v) = body.policy_id.filter(|v| *v != s.policy_id) {
        changes.extend(changed("policy_id", s.policy_id.into(), v.into()));
        am.policy_id = Set(v);
        // Its tickets may escalate by another ladder now.
        crate::app::escalation::ladders::wake_system(&txn, id, now).await?;
    }
    if let Some(v) = body.calendar {
        changes.extend(changed("calendar", s.calendar.clone().into(), v.clone().into()));
        am.calendar = Set(v);
    }
    if let Some(map) = &body.clock_calendars {
        let stored = clock_calendars(ctx, map)?;
        changes.extend(changed(
            "clock_calendars",
            s.clock_calendars.clone().unwrap_or(serde_json::Value::Null),
            stored.clone().unwrap_or(serde_json::Value::Null),
        ));
        am.clock_calendars = Set(stored);
    }
    if let Some(v) = body.service_mode {
        changes.extend(changed("service_mode", s.service_mode.clone().into(), v.clone().into()));
        am.service_mode = Set(v);
    }
    // From the stored version: the client's may be anything (i64::MAX overflowed here).
    am.version = Set(s.version + 1);
    am.updated_at = Set(now);
    let res = systems::Entity::update_many()
        .set(am)
        .filter(systems::Column::Id.eq(id))
        .filter(systems::Column::Version.eq(body.version))
        .exec(&txn)
        .await?;
    if res.rows_affected == 0 {
        return Err(AppError::VersionConflict {
            detail: format!(
                "system {} changed since you read it (your version {}, current {}); reload and retry",
                s.code, body.version, s.version
            ),
            current: s.version,
        });
    }
    if let Some(v) = &body.vendor_ids {
        set_vendors(&txn, id, v).await?;
    }
    let s = systems::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no system {id}")))?;
    let view = system_view(&txn, s).await?;
    audit::record(
        &txn,
        Some(p.user_id),
        "system.update",
        &view.code,
        serde_json::json!({"version": view.version, "changes": changes}),
        from,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(view)
}
