//! Alert intake over HTTP: the Alertmanager webhook, the signed generic intake, and for admins
//! the sources, the mapping rules and the triage queue (see [`crate::app::intake`]). Each handler
//! reads the request, calls the use case and writes the answer.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};

use axum::extract::FromRequestParts;

use super::problem::{ApiError, ApiJson, ApiPath, ApiQuery, ApiResult, parse_json_keeping_nul};
use crate::app::audit::ClientAddr;
use crate::app::auth::Principal;
use crate::app::intake::manage::{
    self, AlertQuery, CreatedSource, NewSource, RuleTest, RuleTestResult, SourceView, TriageOpen,
};
use crate::app::intake::rules::RuleSet;
use crate::app::intake::store::{AlertView, StoredRules};
use crate::app::intake::{IntakeReport, alertmanager, generic};
use crate::app::tickets::views::TicketView;
use crate::http::AppState;

/// Largest intake body, in bytes: an Alertmanager group can hold many alerts.
pub const INTAKE_LIMIT: usize = 1024 * 1024;

/// What can be checked of an intake request before its body is read, so that a sender who is
/// no monitor is refused (401) before the server holds up to [`INTAKE_LIMIT`] of its body: the
/// Alertmanager route's token must be a live source's, and a generic request must name a
/// generic source and carry a fresh timestamp (its signature covers the body, so it can only be
/// checked once the body is in). `route` is the route as the OpenAPI document writes it.
pub async fn before_body(
    state: &AppState,
    route: &str,
    parts: &mut axum::http::request::Parts,
) -> Result<(), ApiError> {
    match route {
        "/intake/alertmanager" => {
            alertmanager::source(state, crate::http::extract::bearer(&parts.headers)).await?;
        }
        "/intake/generic/{source}" => {
            let code = axum::extract::RawPathParams::from_request_parts(parts, state)
                .await
                .ok()
                .and_then(|params| {
                    params
                        .iter()
                        .find(|(name, _)| *name == "source")
                        .map(|(_, v)| v.to_owned())
                })
                .unwrap_or_default();
            let timestamp = parts.headers.get("x-opsclock-timestamp").and_then(|v| v.to_str().ok());
            generic::known_and_fresh(state, &code, timestamp).await?;
        }
        _ => {}
    }
    Ok(())
}

/// Takes in an Alertmanager notification (webhook payload version 4). Authenticated by an
/// intake source's bearer token (`Authorization: Bearer oci_…` — Alertmanager's
/// `http_config.authorization.credentials`).
#[utoipa::path(post, path = "/intake/alertmanager", tag = "intake", request_body = alertmanager::Notification,
    responses((status = 200, body = IntakeReport), (status = 401, body = super::problem::Problem), (status = 422, body = super::problem::Problem)))]
pub async fn alertmanager_webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    from: ClientAddr,
    body: Bytes,
) -> ApiResult<Json<IntakeReport>> {
    let source = alertmanager::source(&state, crate::http::extract::bearer(&headers)).await?;
    // An alert with NUL bytes is parked on its own, not the notification refused.
    let notification: alertmanager::Notification = parse_json_keeping_nul(&body)?;
    Ok(Json(alertmanager::take(&state, &source, notification, &from).await?))
}

/// Takes in alerts from another monitor, signed: `X-Opsclock-Timestamp` (Unix seconds) and
/// `X-Opsclock-Signature: sha256=HMAC-SHA256(secret, "TIMESTAMP.BODY")`. Requests more than
/// 5 minutes from the server's clock are refused.
#[utoipa::path(post, path = "/intake/generic/{source}", tag = "intake", request_body = generic::Batch,
    params(("source" = String, Path, description = "the intake source's code")),
    responses((status = 200, body = IntakeReport), (status = 401, body = super::problem::Problem), (status = 422, body = super::problem::Problem)))]
pub async fn generic_webhook(
    State(state): State<AppState>,
    ApiPath(code): ApiPath<String>,
    headers: HeaderMap,
    from: ClientAddr,
    body: Bytes,
) -> ApiResult<Json<IntakeReport>> {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let source = generic::source(
        &state,
        &code,
        text("x-opsclock-timestamp"),
        text("x-opsclock-signature"),
        &body,
    )
    .await?;
    let batch: generic::Batch = parse_json_keeping_nul(&body)?;
    Ok(Json(generic::take(&state, &source, batch, &from).await?))
}

/// The mapping rules and where they come from (admins).
#[utoipa::path(get, path = "/intake/rules", tag = "intake",
    responses((status = 200, body = StoredRules), (status = 403, body = super::problem::Problem)))]
pub async fn get_rules(State(state): State<AppState>, p: Principal) -> ApiResult<Json<StoredRules>> {
    Ok(Json(manage::get_rules(&state, &p).await?))
}

/// Replaces the mapping rules (admins). Every problem is reported at once; nothing changes
/// unless all rules check. Refused (409) while `[intake] rules_file` manages them.
#[utoipa::path(put, path = "/intake/rules", tag = "intake", request_body = RuleSet,
    responses((status = 200, body = StoredRules), (status = 409, body = super::problem::Problem), (status = 422, body = super::problem::Problem)))]
pub async fn put_rules(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiJson(set): ApiJson<RuleSet>,
) -> ApiResult<Json<StoredRules>> {
    Ok(Json(manage::put_rules(&state, &p, &from, set).await?))
}

/// Tries the stored rules on `labels` without opening anything (admins).
#[utoipa::path(post, path = "/intake/rules/test", tag = "intake", request_body = RuleTest,
    responses((status = 200, body = RuleTestResult)))]
pub async fn test_rules(
    State(state): State<AppState>,
    p: Principal,
    ApiJson(t): ApiJson<RuleTest>,
) -> ApiResult<Json<RuleTestResult>> {
    Ok(Json(manage::test_rules(&state, &p, t).await?))
}

/// The intake sources (admins).
#[utoipa::path(get, path = "/intake/sources", tag = "intake", responses((status = 200, body = Vec<SourceView>)))]
pub async fn list_sources(State(state): State<AppState>, p: Principal) -> ApiResult<Json<Vec<SourceView>>> {
    Ok(Json(manage::list_sources(&state, &p).await?))
}

/// Adds an intake source (admins); the answer carries its credential, which is not shown again.
#[utoipa::path(post, path = "/intake/sources", tag = "intake", request_body = NewSource,
    responses((status = 201, body = CreatedSource), (status = 409, body = super::problem::Problem), (status = 422, body = super::problem::Problem)))]
pub async fn create_source(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiJson(body): ApiJson<NewSource>,
) -> ApiResult<(StatusCode, Json<CreatedSource>)> {
    Ok((
        StatusCode::CREATED,
        Json(manage::create_source(&state, &p, &from, body).await?),
    ))
}

/// Revokes an intake source (admins): its token or secret stops working; its alerts stay.
#[utoipa::path(delete, path = "/intake/sources/{code}", tag = "intake", params(("code" = String, Path)),
    responses((status = 204), (status = 404, body = super::problem::Problem)))]
pub async fn revoke_source(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiPath(code): ApiPath<String>,
) -> ApiResult<StatusCode> {
    manage::revoke_source(&state, &p, &from, &code).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Alerts received, newest first; `triage=true` is the triage queue (admins).
#[utoipa::path(get, path = "/intake/alerts", tag = "intake", params(AlertQuery),
    responses((status = 200, body = Vec<AlertView>)))]
pub async fn list_alerts(
    State(state): State<AppState>,
    p: Principal,
    ApiQuery(q): ApiQuery<AlertQuery>,
) -> ApiResult<Json<Vec<AlertView>>> {
    Ok(Json(manage::list_alerts(&state, &p, q).await?))
}

/// Opens an `alarm` ticket for an alert waiting in triage (admins): its clocks start when the
/// alert started, as if a rule had mapped it.
#[utoipa::path(post, path = "/intake/alerts/{id}/open", tag = "intake", params(("id" = i64, Path)), request_body = TriageOpen,
    responses((status = 201, body = TicketView), (status = 404, body = super::problem::Problem), (status = 409, body = super::problem::Problem)))]
pub async fn open_alert(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<TriageOpen>,
) -> ApiResult<(StatusCode, Json<TicketView>)> {
    Ok((
        StatusCode::CREATED,
        Json(manage::open_alert(&state, &p, &from, id, body).await?),
    ))
}

/// Dismisses an alert waiting in triage (admins): it stays recorded, out of the queue.
#[utoipa::path(post, path = "/intake/alerts/{id}/dismiss", tag = "intake", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = super::problem::Problem), (status = 409, body = super::problem::Problem)))]
pub async fn dismiss_alert(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    manage::dismiss_alert(&state, &p, &from, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
