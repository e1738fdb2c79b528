//! Duty over HTTP: rosters and who is on duty (`/rosters`, `/on-duty`, `/users/{name}/shifts.ics`),
//! major-event windows (`/windows`), exclusion windows (`/exclusions`) and scheduled duties
//! (`/duties`). Each handler reads the request, calls the use case in
//! [`crate::app::duty::manage`] (which says who may write what) and writes the answer.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use duty_roster::Override;

use super::AppState;
use super::problem::{ApiJson, ApiPath, ApiQuery, ApiResult, Problem};
use crate::app::audit::ClientAddr;
use crate::app::auth::Principal;
use crate::app::duty::exclusions::ExclusionView;
use crate::app::duty::manage::{
    self, DecisionBody, ExclusionQuery, NewExclusion, OnDutyAnswer, OnDutyQuery, RangeQuery, TemplateQuery,
};
use crate::app::duty::rosters::{RosterDoc, StaffingGap};
use crate::app::duty::scheduled::{DutyDoc, DutyView};
use crate::app::duty::windows::WindowDoc;

// ---- rosters -------------------------------------------------------------------------------------

/// Every roster.
#[utoipa::path(get, path = "/rosters", tag = "duty", responses((status = 200, body = Vec<RosterDoc>)))]
pub async fn list_rosters(State(state): State<AppState>, p: Principal) -> ApiResult<Json<Vec<RosterDoc>>> {
    Ok(Json(manage::list_rosters(&state, &p).await?))
}

/// Sets a roster (the buyer's managers; a vendor's managers their own vendor's). Its members must be users of the vendor.
#[utoipa::path(put, path = "/rosters/{code}", tag = "duty", params(("code" = String, Path)),
    request_body = RosterDoc, responses((status = 200, body = RosterDoc), (status = 422, body = Problem)))]
pub async fn put_roster(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiPath(code): ApiPath<String>,
    ApiJson(doc): ApiJson<RosterDoc>,
) -> ApiResult<Json<RosterDoc>> {
    Ok(Json(manage::put_roster(&state, &p, &from, &code, doc).await?))
}

/// Removes a roster and its overrides (admins).
#[utoipa::path(delete, path = "/rosters/{code}", tag = "duty", params(("code" = String, Path)),
    responses((status = 204), (status = 404, body = Problem)))]
pub async fn delete_roster(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiPath(code): ApiPath<String>,
) -> ApiResult<StatusCode> {
    manage::delete_roster(&state, &p, &from, &code).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Changes one shift: `off` does not work it, `on` does (managers and admins). A swap is two
/// overrides.
#[utoipa::path(post, path = "/rosters/{code}/overrides", tag = "duty", params(("code" = String, Path)),
    request_body = Object, responses((status = 201), (status = 422, body = Problem)))]
pub async fn add_override(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiPath(code): ApiPath<String>,
    ApiJson(o): ApiJson<Override>,
) -> ApiResult<StatusCode> {
    manage::add_override(&state, &p, &from, &code, o).await?;
    Ok(StatusCode::CREATED)
}

/// Who is on duty for a system at an instant, by its vendors' rosters.
#[utoipa::path(get, path = "/on-duty", tag = "duty", params(OnDutyQuery),
    responses((status = 200, body = OnDutyAnswer), (status = 422, body = Problem)))]
pub async fn on_duty(
    State(state): State<AppState>,
    p: Principal,
    ApiQuery(q): ApiQuery<OnDutyQuery>,
) -> ApiResult<Json<OnDutyAnswer>> {
    Ok(Json(manage::on_duty(&state, &p, q).await?))
}

/// Staffing shortfalls in a range: each roster against its rules, each vendor against the
/// rules of the major-event windows in the range.
#[utoipa::path(get, path = "/rosters/gaps", tag = "duty", params(RangeQuery),
    responses((status = 200, body = Vec<StaffingGap>), (status = 422, body = Problem)))]
pub async fn gaps(
    State(state): State<AppState>,
    p: Principal,
    ApiQuery(q): ApiQuery<RangeQuery>,
) -> ApiResult<Json<Vec<StaffingGap>>> {
    Ok(Json(manage::gaps(&state, &p, q).await?))
}

/// A person's shifts as iCalendar (`text/calendar`), for their phone; yourself, or anyone for
/// managers and admins.
#[utoipa::path(get, path = "/users/{username}/shifts.ics", tag = "duty", params(("username" = String, Path), RangeQuery),
    responses((status = 200, content_type = "text/calendar", body = String), (status = 404, body = Problem)))]
pub async fn shifts_ics(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(username): ApiPath<String>,
    ApiQuery(q): ApiQuery<RangeQuery>,
) -> ApiResult<impl IntoResponse> {
    let body = manage::shifts_ics(&state, &p, &username, q).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{username}-shifts.ics\""),
            ),
        ],
        body,
    ))
}

// ---- major-event windows -------------------------------------------------------------------------

/// Every major-event window, by start.
#[utoipa::path(get, path = "/windows", tag = "duty", responses((status = 200, body = Vec<WindowDoc>)))]
pub async fn list_windows(State(state): State<AppState>, p: Principal) -> ApiResult<Json<Vec<WindowDoc>>> {
    Ok(Json(manage::list_windows(&state, &p).await?))
}

/// Sets a major-event window (the buyer's managers; a unit's only over their own unit). Tickets already open keep their deadlines.
#[utoipa::path(put, path = "/windows/{code}", tag = "duty", params(("code" = String, Path)),
    request_body = WindowDoc, responses((status = 200, body = WindowDoc), (status = 422, body = Problem)))]
pub async fn put_window(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiPath(code): ApiPath<String>,
    ApiJson(doc): ApiJson<WindowDoc>,
) -> ApiResult<Json<WindowDoc>> {
    Ok(Json(manage::put_window(&state, &p, &from, &code, doc).await?))
}

/// Removes a window (admins); tickets opened under it keep its targets.
#[utoipa::path(delete, path = "/windows/{code}", tag = "duty", params(("code" = String, Path)),
    responses((status = 204), (status = 404, body = Problem)))]
pub async fn delete_window(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiPath(code): ApiPath<String>,
) -> ApiResult<StatusCode> {
    manage::delete_window(&state, &p, &from, &code).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Proposed windows for a year: one per official holiday of the calendar, to edit and store.
#[utoipa::path(get, path = "/windows/template", tag = "duty", params(TemplateQuery),
    responses((status = 200, body = Vec<WindowDoc>), (status = 422, body = Problem)))]
pub async fn window_template(
    State(state): State<AppState>,
    p: Principal,
    ApiQuery(q): ApiQuery<TemplateQuery>,
) -> ApiResult<Json<Vec<WindowDoc>>> {
    Ok(Json(manage::window_template(&state, &p, q)?))
}

// ---- exclusions ----------------------------------------------------------------------------------

/// Exclusion windows, newest first.
#[utoipa::path(get, path = "/exclusions", tag = "duty", params(ExclusionQuery),
    responses((status = 200, body = Vec<ExclusionView>)))]
pub async fn list_exclusions(
    State(state): State<AppState>,
    p: Principal,
    ApiQuery(q): ApiQuery<ExclusionQuery>,
) -> ApiResult<Json<Vec<ExclusionView>>> {
    Ok(Json(manage::list_exclusions(&state, &p, q).await?))
}

/// Records an exclusion window. The buyer's and the vendor's engineers and managers propose; one
/// recorded by someone who may decide on it is approved at once, and only they may mark force
/// majeure or third-party works.
#[utoipa::path(post, path = "/exclusions", tag = "duty", request_body = NewExclusion,
    responses((status = 201, body = ExclusionView), (status = 422, body = Problem)))]
pub async fn create_exclusion(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiJson(body): ApiJson<NewExclusion>,
) -> ApiResult<(StatusCode, Json<ExclusionView>)> {
    Ok((
        StatusCode::CREATED,
        Json(manage::create_exclusion(&state, &p, &from, body).await?),
    ))
}

/// Approves, rejects or revokes an exclusion (the bureau's managers and the system's unit's); `decision` is `approve`,
/// `reject` or `revoke`. Approving and revoking re-evaluate the system's affected tickets.
#[utoipa::path(post, path = "/exclusions/{id}/{decision}", tag = "duty",
    params(("id" = i64, Path), ("decision" = String, Path)), request_body = DecisionBody,
    responses((status = 200, body = ExclusionView), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn decide_exclusion(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiPath((id, decision)): ApiPath<(i64, String)>,
    ApiJson(body): ApiJson<DecisionBody>,
) -> ApiResult<Json<ExclusionView>> {
    Ok(Json(
        manage::decide_exclusion(&state, &p, &from, id, &decision, body).await?,
    ))
}

// ---- scheduled duties ----------------------------------------------------------------------------

/// Every scheduled duty with its next occurrence and quota progress.
#[utoipa::path(get, path = "/duties", tag = "duty", responses((status = 200, body = Vec<DutyView>)))]
pub async fn list_duties(State(state): State<AppState>, p: Principal) -> ApiResult<Json<Vec<DutyView>>> {
    Ok(Json(manage::list_duties(&state, &p).await?))
}

/// Sets a scheduled duty (the buyer's managers, on systems in their scope, with an assignee who
/// sees the system); its next occurrence is the first after now.
#[utoipa::path(put, path = "/duties/{code}", tag = "duty", params(("code" = String, Path)),
    request_body = DutyDoc, responses((status = 200, body = DutyDoc), (status = 422, body = Problem)))]
pub async fn put_duty(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiPath(code): ApiPath<String>,
    ApiJson(doc): ApiJson<DutyDoc>,
) -> ApiResult<Json<DutyDoc>> {
    Ok(Json(manage::put_duty(&state, &p, &from, &code, doc).await?))
}

/// Removes a scheduled duty (admins); its tickets stay.
#[utoipa::path(delete, path = "/duties/{code}", tag = "duty", params(("code" = String, Path)),
    responses((status = 204), (status = 404, body = Problem)))]
pub async fn delete_duty(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiPath(code): ApiPath<String>,
) -> ApiResult<StatusCode> {
    manage::delete_duty(&state, &p, &from, &code).await?;
    Ok(StatusCode::NO_CONTENT)
}
