//! Calendars over HTTP: which there are and what they cover (`GET /calendars`), and reloading
//! their files while the server runs (`POST /calendars/reload`, admins).

use axum::Json;
use axum::extract::State;
use chrono::NaiveDate;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde::Serialize;
use utoipa::ToSchema;

use super::problem::{ApiResult, Problem};
use crate::app::auth::Principal;
use crate::app::calendar_reload::{self, Reloaded};
use crate::db::entities::clocks;
use crate::http::AppState;

/// A calendar and what it can answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarInfo {
    /// Its name, e.g. `cn-5x8`.
    pub name: String,
    /// One line for people.
    pub description: String,
    /// Its time zone.
    pub zone: String,
    /// First date it answers.
    pub covers_from: NaiveDate,
    /// Last date whose holidays and make-up days are published; absent for a calendar with no
    /// holidays to publish (`24x7`), which is exact on every date.
    pub published_to: Option<NaiveDate>,
    /// Last date it answers at all; after `published_to` its answers are provisional.
    pub counts_to: NaiveDate,
    /// Clocks on it whose deadline is provisional now.
    pub provisional_clocks: u64,
}

/// Every calendar loaded now, with the dates it covers and how many deadlines on it are
/// provisional.
#[utoipa::path(get, path = "/calendars", tag = "calendars",
    responses((status = 200, body = Vec<CalendarInfo>), (status = 401, body = Problem)))]
pub async fn list_calendars(State(state): State<AppState>, _p: Principal) -> ApiResult<Json<Vec<CalendarInfo>>> {
    let mut out = Vec::new();
    for (name, cal) in state.calendars.snapshot().iter() {
        let provisional_clocks = clocks::Entity::find()
            .filter(clocks::Column::Provisional.eq(true))
            .filter(clocks::Column::Calendar.eq(name.as_str()))
            .count(&state.db)
            .await?;
        out.push(CalendarInfo {
            name: name.clone(),
            description: cal.spec().description.clone(),
            zone: cal.zone().name().to_owned(),
            covers_from: cal.covered_dates().0,
            published_to: cal.published_to(),
            counts_to: cal.counts_to(),
            provisional_clocks,
        });
    }
    Ok(Json(out))
}

/// Reads the calendar files again (after a year's holidays were added), counts with them from
/// now on, and measures again every provisional deadline on a calendar that changed, in one
/// audited step; the deadlines that moved are listed, noted on their tickets and mailed to their
/// assignees. The other replicas reload within a minute. An invalid file changes nothing (422).
#[utoipa::path(post, path = "/calendars/reload", tag = "calendars",
    responses((status = 200, body = Reloaded), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn reload_calendars(State(state): State<AppState>, p: Principal) -> ApiResult<Json<Reloaded>> {
    p.require_admin()?;
    let done = calendar_reload::reload(
        &state.db,
        &state.calendars,
        &state.links,
        Some(p.user_id),
        state.now(),
        true,
    )
    .await?;
    Ok(Json(done))
}
