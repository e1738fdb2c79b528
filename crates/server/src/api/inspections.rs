//! Inspections (巡检, `/inspections`): what the catalogue's cadence makes each system owe, and the
//! vendor's record of each, item by item (see [`crate::app::inspections`]).

use axum::Json;
use axum::extract::State;

use super::problem::{ApiJson, ApiPath, ApiQuery, ApiResult, Problem};
use crate::app::audit::ClientAddr;
use crate::app::auth::Principal;
use crate::app::inspections::{self, InspectionQuery, InspectionView, RecordBody};
use crate::http::AppState;

/// The inspections of the systems the caller may see: due first (soonest first), then missed and
/// done (latest first).
#[utoipa::path(get, path = "/inspections", tag = "inspections", params(InspectionQuery),
    responses((status = 200, body = Vec<InspectionView>), (status = 422, body = Problem)))]
pub async fn list_inspections(
    State(state): State<AppState>,
    p: Principal,
    ApiQuery(q): ApiQuery<InspectionQuery>,
) -> ApiResult<Json<Vec<InspectionView>>> {
    Ok(Json(inspections::list(&state, &p, q).await?))
}

/// An inspection with its checklist (and its results once done).
#[utoipa::path(get, path = "/inspections/{id}", tag = "inspections",
    params(("id" = i64, Path, description = "The inspection's id")),
    responses((status = 200, body = InspectionView), (status = 404, body = Problem)))]
pub async fn get_inspection(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<InspectionView>> {
    Ok(Json(inspections::get(&state, &p, id).await?))
}

/// Records the inspection done (an engineer or manager of a vendor serving the system): one
/// result per checklist item, a remark for each item not in order, and a fault ticket opened for
/// those that ask for one, all in one transaction.
#[utoipa::path(post, path = "/inspections/{id}/record", tag = "inspections",
    params(("id" = i64, Path, description = "The inspection's id")), request_body = RecordBody,
    responses((status = 200, body = InspectionView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn record_inspection(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<RecordBody>,
) -> ApiResult<Json<InspectionView>> {
    Ok(Json(inspections::record(&state, &p, &from, id, body).await?))
}
