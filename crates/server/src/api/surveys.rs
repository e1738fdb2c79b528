//! Satisfaction surveys (满意度调查, `/surveys`): a unit's periodic rating of the service under a
//! contract (see [`crate::app::surveys`]); the reports combine them with the ticket ratings.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

use super::problem::{ApiJson, ApiPath, ApiQuery, ApiResult, Problem};
use crate::app::audit::ClientAddr;
use crate::app::auth::Principal;
use crate::app::surveys::{self, Answers, NewSurvey, SurveyQuery, SurveyView, id_of};
use crate::http::AppState;

/// The surveys the caller may read, newest period first.
#[utoipa::path(get, path = "/surveys", tag = "surveys", params(SurveyQuery),
    responses((status = 200, body = Vec<SurveyView>), (status = 422, body = Problem)))]
pub async fn list_surveys(
    State(state): State<AppState>,
    p: Principal,
    ApiQuery(q): ApiQuery<SurveyQuery>,
) -> ApiResult<Json<Vec<SurveyView>>> {
    Ok(Json(surveys::list(&state, &p, q).await?))
}

/// Fills the caller's unit's survey of a contract for a month or quarter (a unit's managers);
/// a second for the same unit, contract and period is refused (409).
#[utoipa::path(post, path = "/surveys", tag = "surveys", request_body = NewSurvey,
    responses((status = 201, body = SurveyView), (status = 403, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem)))]
pub async fn fill_survey(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiJson(body): ApiJson<NewSurvey>,
) -> ApiResult<(StatusCode, Json<SurveyView>)> {
    Ok((StatusCode::CREATED, Json(surveys::fill(&state, &p, &from, body).await?)))
}

/// A survey.
#[utoipa::path(get, path = "/surveys/{id}", tag = "surveys",
    params(("id" = String, Path, description = "MY-3 or 3")),
    responses((status = 200, body = SurveyView), (status = 404, body = Problem)))]
pub async fn get_survey(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<SurveyView>> {
    Ok(Json(surveys::get(&state, &p, id_of(&id)?).await?))
}

/// Replaces a survey's answers (its unit's managers), audited with what it replaced.
#[utoipa::path(put, path = "/surveys/{id}", tag = "surveys",
    params(("id" = String, Path, description = "MY-3 or 3")), request_body = Answers,
    responses((status = 200, body = SurveyView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
pub async fn replace_survey(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<Answers>,
) -> ApiResult<Json<SurveyView>> {
    Ok(Json(surveys::replace(&state, &p, &from, id_of(&id)?, body).await?))
}
