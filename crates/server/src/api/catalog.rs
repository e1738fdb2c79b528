//! The catalogue over HTTP: units (用户单位), vendors, SLA policies, systems. Everyone signed in
//! reads (systems only in scope); admins create and update. The use cases are
//! [`crate::app::catalog`]'s.

use super::problem::{ApiJson, ApiPath, ApiResult};
use crate::app::audit::ClientAddr;
use crate::app::auth::Principal;
use crate::app::catalog::orgs::{self, NewOrg, OrgPatch, OrgView};
use crate::app::catalog::policies::{self, NewPolicy, PolicyPatch, PolicyView};
use crate::app::catalog::systems::{self, NewSystem, SystemPatch, SystemView};
use crate::http::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

macro_rules! org_handlers {
    ($module:ident, $what:literal, $tag:literal, $path:literal, $path_id:literal, $list:ident, $create:ident, $get:ident, $update:ident) => {
        #[doc = concat!("Lists the ", $what, "s.")]
        #[utoipa::path(get, path = $path, tag = $tag, responses((status = 200, body = Vec<OrgView>)))]
        pub async fn $list(State(state): State<AppState>, _p: Principal) -> ApiResult<Json<Vec<OrgView>>> {
            Ok(Json(orgs::$module::list(&state).await?))
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
            Ok((
                StatusCode::CREATED,
                Json(orgs::$module::create(&state, &p, &from, body).await?),
            ))
        }

        #[doc = concat!("One ", $what, ".")]
        #[utoipa::path(get, path = $path_id, tag = $tag, params(("id" = i64, Path)),
                            responses((status = 200, body = OrgView), (status = 404, body = super::problem::Problem)))]
        pub async fn $get(
            State(state): State<AppState>,
            _p: Principal,
            ApiPath(id): ApiPath<i64>,
        ) -> ApiResult<Json<OrgView>> {
            Ok(Json(orgs::$module::get(&state, id).await?))
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
            Ok(Json(orgs::$module::rename(&state, &p, &from, id, body).await?))
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

/// Lists the policies.
#[utoipa::path(get, path = "/policies", tag = "catalogue", responses((status = 200, body = Vec<PolicyView>)))]
pub async fn list_policies(State(state): State<AppState>, _p: Principal) -> ApiResult<Json<Vec<PolicyView>>> {
    Ok(Json(policies::list(&state).await?))
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
    Ok((
        StatusCode::CREATED,
        Json(policies::create(&state, &p, &from, body).await?),
    ))
}

/// One policy.
#[utoipa::path(get, path = "/policies/{id}", tag = "catalogue", params(("id" = i64, Path)),
    responses((status = 200, body = PolicyView), (status = 404, body = super::problem::Problem)))]
pub async fn get_policy(
    State(state): State<AppState>,
    _p: Principal,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<PolicyView>> {
    Ok(Json(policies::get(&state, id).await?))
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
    Ok(Json(policies::update(&state, &p, &from, id, body).await?))
}

/// Lists the systems the caller may see.
#[utoipa::path(get, path = "/systems", tag = "catalogue", responses((status = 200, body = Vec<SystemView>)))]
pub async fn list_systems(State(state): State<AppState>, p: Principal) -> ApiResult<Json<Vec<SystemView>>> {
    Ok(Json(systems::list(&state, &p).await?))
}

/// One system (404 if out of scope).
#[utoipa::path(get, path = "/systems/{id}", tag = "catalogue", params(("id" = i64, Path)),
    responses((status = 200, body = SystemView), (status = 404, body = super::problem::Problem)))]
pub async fn get_system(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<SystemView>> {
    Ok(Json(systems::get(&state, &p, id).await?))
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
    Ok((
        StatusCode::CREATED,
        Json(systems::create(&state, &p, &from, body).await?),
    ))
}

/// Changes a system (admins): name, policy, calendar, service mode, vendors, and its service dates
/// and yearly fee (`service_start`, `service_end`, `fee_fen`: absent leaves one, `null` clears
/// it), checked as a catalogue import checks them (422 naming the field). A stale `version` gets
/// 409 with the current one.
#[utoipa::path(patch, path = "/systems/{id}", tag = "catalogue", params(("id" = i64, Path)), request_body = SystemPatch,
    responses((status = 200, body = SystemView), (status = 409, body = super::problem::Problem),
              (status = 422, body = super::problem::Problem)))]
pub async fn update_system(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<SystemPatch>,
) -> ApiResult<Json<SystemView>> {
    Ok(Json(systems::update(&state, &p, &from, id, body).await?))
}
