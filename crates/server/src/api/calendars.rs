//! Calendars over HTTP: which there are and what they cover (`GET /calendars`), and reloading
//! their files while the server runs (`POST /calendars/reload`, admins); the use cases are
//! [`crate::app::calendar_reload`]'s.

use axum::Json;
use axum::extract::State;

use super::problem::{ApiResult, Problem};
use crate::app::auth::Principal;
use crate::app::calendar_reload::{self, CalendarInfo, Reloaded};
use crate::http::AppState;

/// Every calendar loaded now, with the dates it covers and how many deadlines on it are
/// provisional.
#[utoipa::path(get, path = "/calendars", tag = "calendars",
    responses((status = 200, body = Vec<CalendarInfo>), (status = 401, body = Problem)))]
pub async fn list_calendars(State(state): State<AppState>, _p: Principal) -> ApiResult<Json<Vec<CalendarInfo>>> {
    Ok(Json(calendar_reload::list(&state).await?))
}

/// Reads the calendar files again (after a year's holidays were added), counts with them from
/// now on, and measures again every provisional deadline on a calendar that changed, in one
/// audited step; the deadlines that moved are listed, noted on their tickets and mailed to their
/// assignees. The other replicas reload within a minute. An invalid file changes nothing (422).
#[utoipa::path(post, path = "/calendars/reload", tag = "calendars",
    responses((status = 200, body = Reloaded), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn reload_calendars(State(state): State<AppState>, p: Principal) -> ApiResult<Json<Reloaded>> {
    Ok(Json(calendar_reload::reload_by(&state, &p).await?))
}
