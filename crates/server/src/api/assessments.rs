//! Assessments (考核, `/assessments`): a contract's month assessed, sent, agreed or disputed,
//! signed by each required party, final (see [`crate::app::assessments`]). Each act is its own
//! route, so that each needs its own permission.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;

use super::problem::{ApiJson, ApiPath, ApiQuery, ApiResult, Problem};
use crate::app::AppError;
use crate::app::assessments::{self, ActBody, AssessmentQuery, AssessmentView, NewAssessment, acts};
use crate::app::audit::ClientAddr;
use crate::app::auth::Principal;
use crate::http::AppState;

/// `12` or `A-12`.
fn id_of(text: &str) -> Result<i64, AppError> {
    text.trim()
        .trim_start_matches("A-")
        .parse()
        .map_err(|_| AppError::NotFound(format!("no assessment {text:?}")))
}

/// The assessments the caller may read, newest month first.
#[utoipa::path(get, path = "/assessments", tag = "assessments", params(AssessmentQuery),
    responses((status = 200, body = Vec<AssessmentView>), (status = 422, body = Problem)))]
pub async fn list_assessments(
    State(state): State<AppState>,
    p: Principal,
    ApiQuery(q): ApiQuery<AssessmentQuery>,
) -> ApiResult<Json<Vec<AssessmentView>>> {
    Ok(Json(assessments::list(&state, &p, q).await?))
}

/// Creates a draft assessment of a contract's month, its figures measured now (the bureau's
/// managers, a unit's managers for their unit). 409 if the month is assessed already.
#[utoipa::path(post, path = "/assessments", tag = "assessments", request_body = NewAssessment,
    responses((status = 201, body = AssessmentView), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_assessment(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiJson(body): ApiJson<NewAssessment>,
) -> ApiResult<(StatusCode, Json<AssessmentView>)> {
    Ok((
        StatusCode::CREATED,
        Json(assessments::create(&state, &p, &from, body).await?),
    ))
}

/// An assessment with its figures and its thread of acts.
#[utoipa::path(get, path = "/assessments/{id}", tag = "assessments",
    params(("id" = String, Path, description = "12 or A-12")),
    responses((status = 200, body = AssessmentView), (status = 404, body = Problem)))]
pub async fn get_assessment(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<AssessmentView>> {
    Ok(Json(assessments::get(&state, &p, id_of(&id)?).await?))
}

/// The figures exactly as stored: the text whose SHA-256 is the content hash a signature names.
#[utoipa::path(get, path = "/assessments/{id}/snapshot", tag = "assessments",
    params(("id" = String, Path, description = "12 or A-12")),
    responses((status = 200, content_type = "application/json", body = Object), (status = 404, body = Problem)))]
pub async fn assessment_snapshot(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<impl IntoResponse> {
    let text = assessments::snapshot(&state, &p, id_of(&id)?).await?;
    Ok(([(header::CONTENT_TYPE, "application/json")], text))
}

/// Measures the figures again from the month's tickets (the buyer): back to a draft; every signature given is void.
#[utoipa::path(post, path = "/assessments/{id}/revise", tag = "assessments",
    params(("id" = String, Path, description = "12 or A-12")), request_body = ActBody,
    responses((status = 200, body = AssessmentView), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn revise_assessment(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<ActBody>,
) -> ApiResult<Json<AssessmentView>> {
    Ok(Json(acts::act(&state, &p, &from, id_of(&id)?, "revise", body).await?))
}

/// Sends the figures to the vendor (the buyer); `hash`, if given, must be the current content hash.
#[utoipa::path(post, path = "/assessments/{id}/send", tag = "assessments",
    params(("id" = String, Path, description = "12 or A-12")), request_body = ActBody,
    responses((status = 200, body = AssessmentView), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn send_assessment(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<ActBody>,
) -> ApiResult<Json<AssessmentView>> {
    Ok(Json(acts::act(&state, &p, &from, id_of(&id)?, "send", body).await?))
}

/// Keeps the figures after a dispute and asks the vendor again (the buyer).
#[utoipa::path(post, path = "/assessments/{id}/maintain", tag = "assessments",
    params(("id" = String, Path, description = "12 or A-12")), request_body = ActBody,
    responses((status = 200, body = AssessmentView), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn maintain_assessment(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<ActBody>,
) -> ApiResult<Json<AssessmentView>> {
    Ok(Json(acts::act(&state, &p, &from, id_of(&id)?, "maintain", body).await?))
}

/// Agrees to the figures sent (the vendor).
#[utoipa::path(post, path = "/assessments/{id}/agree", tag = "assessments",
    params(("id" = String, Path, description = "12 or A-12")), request_body = ActBody,
    responses((status = 200, body = AssessmentView), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn agree_assessment(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<ActBody>,
) -> ApiResult<Json<AssessmentView>> {
    Ok(Json(acts::act(&state, &p, &from, id_of(&id)?, "agree", body).await?))
}

/// Disputes the figures sent, point by point (the vendor); `points` is required.
#[utoipa::path(post, path = "/assessments/{id}/dispute", tag = "assessments",
    params(("id" = String, Path, description = "12 or A-12")), request_body = ActBody,
    responses((status = 200, body = AssessmentView), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn dispute_assessment(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<ActBody>,
) -> ApiResult<Json<AssessmentView>> {
    Ok(Json(acts::act(&state, &p, &from, id_of(&id)?, "dispute", body).await?))
}

/// Adds a message to a disputed assessment's thread (any party); `text` is required.
#[utoipa::path(post, path = "/assessments/{id}/reply", tag = "assessments",
    params(("id" = String, Path, description = "12 or A-12")), request_body = ActBody,
    responses((status = 200, body = AssessmentView), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn reply_assessment(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<ActBody>,
) -> ApiResult<Json<AssessmentView>> {
    Ok(Json(acts::act(&state, &p, &from, id_of(&id)?, "reply", body).await?))
}

/// Signs for the caller's party; `hash` is the content hash the signer read (409 if the figures changed since).
#[utoipa::path(post, path = "/assessments/{id}/sign", tag = "assessments",
    params(("id" = String, Path, description = "12 or A-12")), request_body = ActBody,
    responses((status = 200, body = AssessmentView), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn sign_assessment(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<ActBody>,
) -> ApiResult<Json<AssessmentView>> {
    Ok(Json(acts::act(&state, &p, &from, id_of(&id)?, "sign", body).await?))
}

/// Reopens a final assessment (admins), with a `reason`: back to a draft, signatures void.
#[utoipa::path(post, path = "/assessments/{id}/reopen", tag = "assessments",
    params(("id" = String, Path, description = "12 or A-12")), request_body = ActBody,
    responses((status = 200, body = AssessmentView), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn reopen_assessment(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<ActBody>,
) -> ApiResult<Json<AssessmentView>> {
    Ok(Json(acts::act(&state, &p, &from, id_of(&id)?, "reopen", body).await?))
}
