//! The catalogue: units (用户单位), vendors, SLA policies, systems. Everyone signed in reads
//! (systems only in scope); admins create and update.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};
use serde::{Deserialize, Serialize};
use ticket_domain::{Policy, ServiceMode};
use utoipa::ToSchema;

use super::problem::{ApiJson, ApiPath, ApiResult};
use crate::app::AppError;
use crate::app::audit::{self, ClientAddr};
use crate::app::auth::Principal;
use crate::app::catalog::{check_code, check_name, duplicate};
use crate::app::scope::{can_see_system, visible_system_ids};
use crate::db::entities::{policies, system_vendors, systems, units, vendors};
use crate::http::AppState;

/// A unit or a vendor.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrgView {
    /// Id.
    pub id: i64,
    /// Short unique code.
    pub code: String,
    /// Name.
    pub name: String,
}

/// A new unit or vendor.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrg {
    /// Short unique code: letters, digits, '-' or '_'.
    pub code: String,
    /// Name.
    pub name: String,
}

/// A change of name.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrgPatch {
    /// New name.
    pub name: String,
}

macro_rules! org_handlers {
    ($entity:ident, $what:literal, $tag:literal, $path:literal, $path_id:literal, $list:ident, $create:ident, $get:ident, $update:ident) => {
        #[doc = concat!("Lists the ", $what, "s.")]
        #[utoipa::path(get, path = $path, tag = $tag, responses((status = 200, body = Vec<OrgView>)))]
        pub async fn $list(State(state): State<AppState>, _p: Principal) -> ApiResult<Json<Vec<OrgView>>> {
            let rows = $entity::Entity::find().order_by_asc($entity::Column::Code).all(&state.db).await?;
            Ok(Json(rows.into_iter().map(|r| OrgView { id: r.id, code: r.code, name: r.name }).collect()))
        }

        #[doc = concat!("Creates a ", $what, " (admins).")]
        #[utoipa::path(post, path = $path, tag = $tag, request_body = NewOrg,
            responses((status = 201, body = OrgView), (status = 409, body = super::problem::Problem)))]
        pub async fn $create(
            State(state): State<AppState>,
            p: Principal,
            from: ClientAddr,
            ApiJson(body): ApiJson<NewOrg>,
        ) -> ApiResult<(StatusCode, Json<OrgView>)> {
            p.require_admin()?;
            let code = check_code(&body.code)?;
            let row = $entity::ActiveModel {
                code: Set(code.clone()),
                name: Set(check_name(&body.name)?),
                created_at: Set(state.now()),
                ..Default::default()
            }
            .insert(&state.db)
            .await
            .map_err(duplicate($what, &code))?;
            audit::record(&state.db, Some(p.user_id), concat!($what, ".create"), &row.code,
                serde_json::json!({"name": row.name}), &from, state.now()).await?;
            Ok((StatusCode::CREATED, Json(OrgView { id: row.id, code: row.code, name: row.name })))
        }

        #[doc = concat!("One ", $what, ".")]
        #[utoipa::path(get, path = $path_id, tag = $tag, params(("id" = i64, Path)),
            responses((status = 200, body = OrgView), (status = 404, body = super::problem::Problem)))]
        pub async fn $get(State(state): State<AppState>, _p: Principal, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<OrgView>> {
            let r = $entity::Entity::find_by_id(id).one(&state.db).await?
                .ok_or_else(|| AppError::NotFound(format!(concat!("no ", $what, " {}"), id)))?;
            Ok(Json(OrgView { id: r.id, code: r.code, name: r.name }))
        }

        #[doc = concat!("Renames a ", $what, " (admins).")]
        #[utoipa::path(patch, path = $path_id, tag = $tag, params(("id" = i64, Path)), request_body = OrgPatch,
            responses((status = 200, body = OrgView), (status = 404, body = super::problem::Problem)))]
        pub async fn $update(
            State(state): State<AppState>,
            p: Principal,
            from: ClientAddr,
            ApiPath(id): ApiPath<i64>,
            ApiJson(body): ApiJson<OrgPatch>,
        ) -> ApiResult<Json<OrgView>> {
            p.require_admin()?;
            let r = $entity::Entity::find_by_id(id).one(&state.db).await?
                .ok_or_else(|| AppError::NotFound(format!(concat!("no ", $what, " {}"), id)))?;
            let mut am = r.into_active_model();
            am.name = Set(check_name(&body.name)?);
            let r = am.update(&state.db).await?;
            audit::record(&state.db, Some(p.user_id), concat!($what, ".update"), &r.code,
                serde_json::json!({"name": r.name}), &from, state.now()).await?;
            Ok(Json(OrgView { id: r.id, code: r.code, name: r.name }))
        }
    };
}

org_handlers!(
    units,
    "unit",
    "catalogue",
    "/units",
    "/units/{id}",
    list_units,
    create_unit,
    get_unit,
    update_unit
);
org_handlers!(
    vendors,
    "vendor",
    "catalogue",
    "/vendors",
    "/vendors/{id}",
    list_vendors,
    create_vendor,
    get_vendor,
    update_vendor
);

/// An SLA policy: targets per kind × severity × clock.
#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyView {
    /// Id.
    pub id: i64,
    /// Short unique code.
    pub code: String,
    /// Name.
    pub name: String,
    /// `{kind: {severity: {response, arrival, repair}}}` with durations like `15m`, `4h`, `3wd`.
    #[schema(value_type = Object)]
    pub targets: serde_json::Value,
}

/// A new policy.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPolicy {
    /// Short unique code.
    pub code: String,
    /// Name.
    pub name: String,
    /// `{kind: {severity: {response, arrival, repair}}}`.
    #[schema(value_type = Object)]
    pub targets: serde_json::Value,
}

/// A change to a policy.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyPatch {
    /// New name.
    pub name: Option<String>,
    /// New targets.
    #[schema(value_type = Option<Object>)]
    pub targets: Option<serde_json::Value>,
}

fn check_targets(v: serde_json::Value) -> crate::app::AppResult<serde_json::Value> {
    let p: Policy = serde_json::from_value(v).map_err(|e| AppError::invalid("targets", e.to_string()))?;
    serde_json::to_value(&p).map_err(|e| AppError::Internal(e.into()))
}

fn policy_view(r: policies::Model) -> PolicyView {
    PolicyView {
        id: r.id,
        code: r.code,
        name: r.name,
        targets: r.targets,
    }
}

/// Lists the policies.
#[utoipa::path(get, path = "/policies", tag = "catalogue", responses((status = 200, body = Vec<PolicyView>)))]
pub async fn list_policies(State(state): State<AppState>, _p: Principal) -> ApiResult<Json<Vec<PolicyView>>> {
    let rows = policies::Entity::find()
        .order_by_asc(policies::Column::Code)
        .all(&state.db)
        .await?;
    Ok(Json(rows.into_iter().map(policy_view).collect()))
}

/// Creates a policy (admins).
#[utoipa::path(post, path = "/policies", tag = "catalogue", request_body = NewPolicy,
    responses((status = 201, body = PolicyView), (status = 422, body = super::problem::Problem)))]
pub async fn create_policy(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiJson(body): ApiJson<NewPolicy>,
) -> ApiResult<(StatusCode, Json<PolicyView>)> {
    p.require_admin()?;
    let code = check_code(&body.code)?;
    let now = state.now();
    let r = policies::ActiveModel {
        code: Set(code.clone()),
        name: Set(check_name(&body.name)?),
        targets: Set(check_targets(body.targets)?),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&state.db)
    .await
    .map_err(duplicate("policy", &code))?;
    audit::record(
        &state.db,
        Some(p.user_id),
        "policy.create",
        &r.code,
        r.targets.clone(),
        &from,
        now,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(policy_view(r))))
}

/// One policy.
#[utoipa::path(get, path = "/policies/{id}", tag = "catalogue", params(("id" = i64, Path)),
    responses((status = 200, body = PolicyView), (status = 404, body = super::problem::Problem)))]
pub async fn get_policy(
    State(state): State<AppState>,
    _p: Principal,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<PolicyView>> {
    let r = policies::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no policy {id}")))?;
    Ok(Json(policy_view(r)))
}

/// Changes a policy (admins). Open tickets keep the targets they were opened with.
#[utoipa::path(patch, path = "/policies/{id}", tag = "catalogue", params(("id" = i64, Path)), request_body = PolicyPatch,
    responses((status = 200, body = PolicyView), (status = 404, body = super::problem::Problem)))]
pub async fn update_policy(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<PolicyPatch>,
) -> ApiResult<Json<PolicyView>> {
    p.require_admin()?;
    let r = policies::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no policy {id}")))?;
    let mut am = r.into_active_model();
    if let Some(n) = body.name {
        am.name = Set(check_name(&n)?);
    }
    if let Some(t) = body.targets {
        am.targets = Set(check_targets(t)?);
        // The catalogue's tiers no longer describe these targets; an export writes them raw.
        am.document = Set(None);
    }
    let now = state.now();
    am.updated_at = Set(now);
    let r = am.update(&state.db).await?;
    audit::record(
        &state.db,
        Some(p.user_id),
        "policy.update",
        &r.code,
        r.targets.clone(),
        &from,
        now,
    )
    .await?;
    Ok(Json(policy_view(r)))
}

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
    /// `remote`, `on_site` or `remote_and_on_site`.
    pub service_mode: String,
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
    /// New service mode.
    pub service_mode: Option<String>,
    /// New vendor list.
    pub vendor_ids: Option<Vec<i64>>,
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
    Ok(SystemView {
        id: s.id,
        code: s.code,
        name: s.name,
        unit_id: s.unit_id,
        vendor_ids,
        policy_id: s.policy_id,
        calendar: s.calendar,
        service_mode: s.service_mode,
        version: s.version,
    })
}

/// Lists the systems the caller may see.
#[utoipa::path(get, path = "/systems", tag = "catalogue", responses((status = 200, body = Vec<SystemView>)))]
pub async fn list_systems(State(state): State<AppState>, p: Principal) -> ApiResult<Json<Vec<SystemView>>> {
    let mut q = systems::Entity::find().order_by_asc(systems::Column::Code);
    if let Some(ids) = visible_system_ids(&state.db, &p).await? {
        q = q.filter(systems::Column::Id.is_in(ids));
    }
    let mut out = Vec::new();
    for s in q.all(&state.db).await? {
        out.push(system_view(&state.db, s).await?);
    }
    Ok(Json(out))
}

/// One system (404 if out of scope).
#[utoipa::path(get, path = "/systems/{id}", tag = "catalogue", params(("id" = i64, Path)),
    responses((status = 200, body = SystemView), (status = 404, body = super::problem::Problem)))]
pub async fn get_system(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<SystemView>> {
    let s = systems::Entity::find_by_id(id).one(&state.db).await?;
    match s {
        Some(s) if can_see_system(&state.db, &p, s.id).await? => Ok(Json(system_view(&state.db, s).await?)),
        _ => Err(AppError::NotFound(format!("no system {id}")).into()),
    }
}

async fn check_system_refs(
    state: &AppState,
    db: &impl ConnectionTrait,
    unit_id: Option<i64>,
    policy_id: Option<i64>,
    vendor_ids: &[i64],
    calendar: Option<&str>,
    service_mode: Option<&str>,
) -> crate::app::AppResult<()> {
    if let Some(u) = unit_id {
        if units::Entity::find_by_id(u).one(db).await?.is_none() {
            return Err(AppError::invalid("unit_id", format!("no unit {u}")).into());
        }
    }
    if let Some(pid) = policy_id {
        if policies::Entity::find_by_id(pid).one(db).await?.is_none() {
            return Err(AppError::invalid("policy_id", format!("no policy {pid}")).into());
        }
    }
    for v in vendor_ids {
        if vendors::Entity::find_by_id(*v).one(db).await?.is_none() {
            return Err(AppError::invalid("vendor_ids", format!("no vendor {v}")).into());
        }
    }
    if let Some(c) = calendar {
        if !state.calendars.snapshot().contains_key(c) {
            return Err(AppError::invalid(
                "calendar",
                format!(
                    "no calendar {c:?}; known: {}",
                    state
                        .calendars
                        .snapshot()
                        .keys()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
            .into());
        }
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

/// Creates a system (admins).
#[utoipa::path(post, path = "/systems", tag = "catalogue", request_body = NewSystem,
    responses((status = 201, body = SystemView), (status = 422, body = super::problem::Problem)))]
pub async fn create_system(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiJson(body): ApiJson<NewSystem>,
) -> ApiResult<(StatusCode, Json<SystemView>)> {
    p.require_admin()?;
    let code = check_code(&body.code)?;
    let name = check_name(&body.name)?;
    let txn = state.db.begin().await?;
    check_system_refs(
        &state,
        &txn,
        Some(body.unit_id),
        Some(body.policy_id),
        &body.vendor_ids,
        Some(&body.calendar),
        Some(&body.service_mode),
    )
    .await?;
    let now = state.now();
    let s = systems::ActiveModel {
        code: Set(code.clone()),
        name: Set(name),
        unit_id: Set(body.unit_id),
        policy_id: Set(body.policy_id),
        calendar: Set(body.calendar),
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
        &from,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// Changes a system (admins); a stale `version` gets 409 with the current one.
#[utoipa::path(patch, path = "/systems/{id}", tag = "catalogue", params(("id" = i64, Path)), request_body = SystemPatch,
    responses((status = 200, body = SystemView), (status = 409, body = super::problem::Problem)))]
pub async fn update_system(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<SystemPatch>,
) -> ApiResult<Json<SystemView>> {
    p.require_admin()?;
    let now = state.now();
    let txn = state.db.begin().await?;
    let s = systems::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no system {id}")))?;
    check_system_refs(
        &state,
        &txn,
        None,
        body.policy_id,
        body.vendor_ids.as_deref().unwrap_or_default(),
        body.calendar.as_deref(),
        body.service_mode.as_deref(),
    )
    .await?;
    let mut am = s.clone().into_active_model();
    if let Some(n) = &body.name {
        am.name = Set(check_name(n)?);
    }
    if let Some(v) = body.policy_id.filter(|v| *v != s.policy_id) {
        am.policy_id = Set(v);
        // Its tickets may escalate by another ladder now.
        crate::app::escalation::ladders::wake_system(&txn, id, now).await?;
    }
    if let Some(v) = body.calendar {
        am.calendar = Set(v);
    }
    if let Some(v) = body.service_mode {
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
        }
        .into());
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
        serde_json::json!({"version": view.version}),
        &from,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(Json(view))
}
