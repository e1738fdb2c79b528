//! Problem records (问题单, `/problems`): a system's recurring class of fault, with the vendor's
//! root-cause analysis and fix plan (see [`crate::app::problems`]).

use axum::Json;
use axum::extract::State;

use super::problem::{ApiJson, ApiPath, ApiQuery, ApiResult, Problem};
use crate::app::audit::ClientAddr;
use crate::app::auth::Principal;
use crate::app::problems::{self, ProblemChange, ProblemClose, ProblemQuery, ProblemView};
use crate::http::AppState;

/// The problems of the systems the caller sees, open first, newest first.
#[utoipa::path(get, path = "/problems", tag = "problems", params(ProblemQuery),
    responses((status = 200, body = Vec<ProblemView>), (status = 422, body = Problem)))]
pub async fn list_problems(
    State(state): State<AppState>,
    p: Principal,
    ApiQuery(q): ApiQuery<ProblemQuery>,
) -> ApiResult<Json<Vec<ProblemView>>> {
    Ok(Json(problems::list(&state, &p, q).await?))
}

/// A problem, with its tickets.
#[utoipa::path(get, path = "/problems/{number}", tag = "problems",
    params(("number" = String, Path, description = "PRB-2026-000001")),
    responses((status = 200, body = ProblemView), (status = 404, body = Problem)))]
pub async fn get_problem(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(number): ApiPath<String>,
) -> ApiResult<Json<ProblemView>> {
    Ok(Json(problems::get(&state, &p, &number).await?))
}

/// Writes the analysis and the fix plan (the vendor's people; the buyer's where no vendor serves
/// the system), while the problem is open.
#[utoipa::path(patch, path = "/problems/{number}", tag = "problems",
    params(("number" = String, Path, description = "PRB-2026-000001")), request_body = ProblemChange,
    responses((status = 200, body = ProblemView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn change_problem(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiPath(number): ApiPath<String>,
    ApiJson(body): ApiJson<ProblemChange>,
) -> ApiResult<Json<ProblemView>> {
    Ok(Json(problems::change(&state, &p, &from, &number, body).await?))
}

/// Closes a problem (the buyer's managers), once its analysis and plan are written.
#[utoipa::path(post, path = "/problems/{number}/close", tag = "problems",
    params(("number" = String, Path, description = "PRB-2026-000001")), request_body = ProblemClose,
    responses((status = 200, body = ProblemView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn close_problem(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiPath(number): ApiPath<String>,
    ApiJson(body): ApiJson<ProblemClose>,
) -> ApiResult<Json<ProblemView>> {
    Ok(Json(problems::close(&state, &p, &from, &number, body).await?))
}
