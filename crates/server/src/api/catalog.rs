//! The catalogue: units (用户单位), vendors, SLA policies, systems. Everyone signed in reads
//! (systems only in scope); admins create and update.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, SqlErr, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use ticket_domain::{Policy, ServiceMode};
use utoipa::ToSchema;

use super::AppState;
use super::problem::{ApiError, ApiJson, ApiPath, ApiResult};
use crate::app::audit::{self, ClientAddr};
use crate::app::auth::{Principal, Scope};
use crate::db::entities::{policies, system_vendors, systems, units, vendors};

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

/// Checks a code: 1–64 letters, digits, '-' or '_'.
pub fn check_code(code: &str) -> Result<String, ApiError> {
    let c = code.trim();
    if !crate::app::catalog::is_valid_code(c) {
        return Err(ApiError::invalid(
            "code",
            format!("{code:?} must be 1 to 64 ASCII letters, digits, '-' or '_'"),
        ));
    }
    Ok(c.to_owned())
}

fn check_name(name: &str) -> Result<String, ApiError> {
    let n = name.trim();
    if n.is_empty() || n.chars().count() > 200 {
        return Err(ApiError::invalid("name", "must be 1 to 200 characters"));
    }
    Ok(n.to_owned())
}

/// Maps a unique-key violation to a 409 naming the code.
fn duplicate(what: &str, code: &str) -> impl FnOnce(DbErr) -> ApiError {
    let msg = format!("a {what} with code {code:?} already exists");
    move |e| match e.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => ApiError::Duplicate(msg),
        _ => e.into(),
    }
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
                .ok_or_else(|| ApiError::NotFound(format!(concat!("no ", $what, " {}"), id)))?;
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
                .ok_or_else(|| ApiError::NotFound(format!(concat!("no ", $what, " {}"), id)))?;
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

fn check_targets(v: serde_json::Value) -> Result<serde_json::Value, ApiError> {
    let p: Policy = serde_json::from_value(v).map_err(|e| ApiError::invalid("targets", e.to_string()))?;
    serde_json::to_value(&p).map_err(|e| ApiError::Internal(e.into()))
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
        .ok_or_else(|| ApiError::NotFound(format!("no policy {id}")))?;
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
        .ok_or_else(|| ApiError::NotFound(format!("no policy {id}")))?;
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

/// The ids of the systems `p` may see; `None` means all of them.
///
/// A scope that covers every system (a single O&M vendor for the whole district) answers `None`
/// too, so that lists filter nothing and walk the newest tickets in id order, O(page), instead of
/// gathering every ticket of a long list of systems to sort them.
pub async fn visible_system_ids(db: &impl ConnectionTrait, p: &Principal) -> Result<Option<Vec<i64>>, DbErr> {
    let ids = match p.scope {
        Scope::All => return Ok(None),
        Scope::Nothing => return Ok(Some(vec![])),
        Scope::Unit(u) => Some(
            systems::Entity::find()
                .select_only()
                .column(systems::Column::Id)
                .filter(systems::Column::UnitId.eq(u))
                .into_tuple::<i64>()
                .all(db)
                .await?,
        ),
        Scope::Vendor(v) => Some(
            system_vendors::Entity::find()
                .select_only()
                .column(system_vendors::Column::SystemId)
                .filter(system_vendors::Column::VendorId.eq(v))
                .into_tuple::<i64>()
                .all(db)
                .await?,
        ),
    };
    Ok(match ids {
        Some(ids) if !ids.is_empty() && ids.len() as u64 == systems::Entity::find().count(db).await? => None,
        other => other,
    })
}

/// The system with `code` if the caller may see it; else a 422 on `system` that does not say
/// whether it exists.
pub async fn system_in_scope(db: &impl ConnectionTrait, p: &Principal, code: &str) -> ApiResult<systems::Model> {
    let s = systems::Entity::find()
        .filter(systems::Column::Code.eq(code))
        .one(db)
        .await?;
    match s {
        Some(s) if can_see_system(db, p, s.id).await? => Ok(s),
        _ => Err(ApiError::invalid(
            "system",
            format!("no system with code {code:?} (or not yours)"),
        )),
    }
}

/// Whether `p` may see system `id`: one indexed lookup, not the list of every visible system.
pub async fn can_see_system(db: &impl ConnectionTrait, p: &Principal, id: i64) -> Result<bool, DbErr> {
    Ok(match p.scope {
        Scope::All => true,
        Scope::Nothing => false,
        Scope::Unit(u) => {
            systems::Entity::find_by_id(id)
                .filter(systems::Column::UnitId.eq(u))
                .count(db)
                .await?
                > 0
        }
        Scope::Vendor(v) => {
            system_vendors::Entity::find()
                .filter(system_vendors::Column::SystemId.eq(id))
                .filter(system_vendors::Column::VendorId.eq(v))
                .count(db)
                .await?
                > 0
        }
    })
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
        _ => Err(ApiError::NotFound(format!("no system {id}"))),
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
) -> Result<(), ApiError> {
    if let Some(u) = unit_id {
        if units::Entity::find_by_id(u).one(db).await?.is_none() {
            return Err(ApiError::invalid("unit_id", format!("no unit {u}")));
        }
    }
    if let Some(pid) = policy_id {
        if policies::Entity::find_by_id(pid).one(db).await?.is_none() {
            return Err(ApiError::invalid("policy_id", format!("no policy {pid}")));
        }
    }
    for v in vendor_ids {
        if vendors::Entity::find_by_id(*v).one(db).await?.is_none() {
            return Err(ApiError::invalid("vendor_ids", format!("no vendor {v}")));
        }
    }
    if let Some(c) = calendar {
        if !state.calendars.snapshot().contains_key(c) {
            return Err(ApiError::invalid(
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
            ));
        }
    }
    if let Some(m) = service_mode {
        m.parse::<ServiceMode>()
            .map_err(|e| ApiError::invalid("service_mode", e.to_string()))?;
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
        .ok_or_else(|| ApiError::NotFound(format!("no system {id}")))?;
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
        return Err(ApiError::VersionConflict {
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
        .ok_or_else(|| ApiError::NotFound(format!("no system {id}")))?;
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
