//! Findings (认定) on a ticket or a contract's month (`/findings`): recorded and withdrawn by the
//! buyer's managers, read by the parties they concern (see [`crate::app::findings`]).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

use super::problem::{ApiJson, ApiPath, ApiQuery, ApiResult, Problem};
use crate::app::audit::ClientAddr;
use crate::app::auth::Principal;
use crate::app::findings::{self, FindingQuery, FindingView, NewFinding, Withdrawal};
use crate::http::AppState;

/// The findings the caller may see, withdrawn ones too, newest first.
#[utoipa::path(get, path = "/findings", tag = "reports", params(FindingQuery),
    responses((status = 200, body = Vec<FindingView>), (status = 422, body = Problem)))]
pub async fn list_findings(
    State(state): State<AppState>,
    p: Principal,
    ApiQuery(q): ApiQuery<FindingQuery>,
) -> ApiResult<Json<Vec<FindingView>>> {
    Ok(Json(findings::list(&state, &p, q).await?))
}

/// Records a finding against a contract, on one of its tickets or on a month (the bureau's
/// managers, a unit's managers within their unit, admins). A bad kind, month, ticket or text is
/// 422 naming the field.
#[utoipa::path(post, path = "/findings", tag = "reports", request_body = NewFinding,
    responses((status = 201, body = FindingView), (status = 422, body = Problem)))]
pub async fn record_finding(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiJson(body): ApiJson<NewFinding>,
) -> ApiResult<(StatusCode, Json<FindingView>)> {
    Ok((
        StatusCode::CREATED,
        Json(findings::record(&state, &p, &from, body).await?),
    ))
}

/// Withdraws a finding, with the reason (it is never edited or deleted); `id` is `12` or `F-12`.
#[utoipa::path(post, path = "/findings/{id}/withdraw", tag = "reports",
    params(("id" = String, Path, description = "12 or F-12")), request_body = Withdrawal,
    responses((status = 200, body = FindingView), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn withdraw_finding(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<Withdrawal>,
) -> ApiResult<Json<FindingView>> {
    Ok(Json(findings::withdraw(&state, &p, &from, &id, body).await?))
}
