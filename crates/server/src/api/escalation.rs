//! Escalation over HTTP: ladders (`/ladders`) and the mail outbox (`/outbox`).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

use super::problem::{ApiJson, ApiPath, ApiQuery, ApiResult};
use crate::app::audit::ClientAddr;
use crate::app::auth::Principal;
use crate::app::escalation::ladders::{self, LadderDoc, Ladders, StoredLadder};
use crate::app::outbox::{self, OutboxDetail, OutboxList, OutboxQuery};
use crate::http::AppState;

/// Lists the stored escalation ladders and the built-in default.
#[utoipa::path(get, path = "/ladders", tag = "escalation", responses((status = 200, body = Ladders)))]
pub async fn list_ladders(State(state): State<AppState>, _p: Principal) -> ApiResult<Json<Ladders>> {
    Ok(Json(ladders::overview(&state.db).await?))
}

/// Sets the ladder of a scope (admins): `default`, a policy code, or `policy-code:severity`.
/// Open tickets under it are re-evaluated at the next sweep; steps already sent are not sent again.
#[utoipa::path(put, path = "/ladders/{scope}", tag = "escalation", params(("scope" = String, Path)),
    request_body = LadderDoc, responses((status = 200, body = StoredLadder), (status = 422, body = super::problem::Problem)))]
pub async fn put_ladder(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiPath(text): ApiPath<String>,
    ApiJson(doc): ApiJson<LadderDoc>,
) -> ApiResult<Json<StoredLadder>> {
    Ok(Json(ladders::put(&state, &p, &from, &text, doc).await?))
}

/// Removes the ladder of a scope (admins), so that the next in line applies.
#[utoipa::path(delete, path = "/ladders/{scope}", tag = "escalation", params(("scope" = String, Path)),
    responses((status = 204), (status = 404, body = super::problem::Problem)))]
pub async fn delete_ladder(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiPath(text): ApiPath<String>,
) -> ApiResult<StatusCode> {
    ladders::remove(&state, &p, &from, &text).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Lists outbox messages (admins).
#[utoipa::path(get, path = "/outbox", tag = "escalation", params(OutboxQuery),
    responses((status = 200, body = OutboxList)))]
pub async fn list_outbox(
    State(state): State<AppState>,
    p: Principal,
    ApiQuery(q): ApiQuery<OutboxQuery>,
) -> ApiResult<Json<OutboxList>> {
    Ok(Json(outbox::list_for(&state, &p, q).await?))
}

/// One outbox message with every delivery attempt (admins).
#[utoipa::path(get, path = "/outbox/{id}", tag = "escalation", params(("id" = i64, Path)),
    responses((status = 200, body = OutboxDetail), (status = 404, body = super::problem::Problem)))]
pub async fn get_outbox(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<OutboxDetail>> {
    Ok(Json(outbox::detail(&state, &p, id).await?))
}

/// Sends a failed message again with a fresh set of attempts (admins).
#[utoipa::path(post, path = "/outbox/{id}/retry", tag = "escalation", params(("id" = i64, Path)),
    responses((status = 200, body = OutboxDetail), (status = 404, body = super::problem::Problem),
        (status = 422, body = super::problem::Problem)))]
pub async fn retry_outbox(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<OutboxDetail>> {
    Ok(Json(outbox::retry_one(&state, &p, &from, id).await?))
}
