//! Duty over HTTP: rosters and who is on duty (`/rosters`, `/on-duty`, `/users/{name}/shifts.ics`),
//! major-event windows (`/windows`), exclusion windows (`/exclusions`) and scheduled duties
//! (`/duties`).
//!
//! Who may write: admins everything; managers rosters of their own vendor (or any, if they
//! belong to a buyer unit), windows, duties and exclusion decisions; engineers may propose
//! maintenance windows.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use chrono::{DateTime, TimeDelta, Utc};
use duty_roster::Override;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::problem::{ApiJson, ApiPath, ApiQuery, ApiResult, Problem};
use super::{AppState, same_code};
use crate::app::AppError;
use crate::app::audit::{self, ClientAddr};
use crate::app::auth::{Principal, Role, Scope};
use crate::app::duty::exclusions::{self, ExclusionView};
use crate::app::duty::rosters::{self, OnDuty, RosterDoc, StaffingGap, UserShift};
use crate::app::duty::scheduled::{self, DutyDoc, DutyView};
use crate::app::duty::windows::{self, WindowDoc};
use crate::db::entities::{systems, users, vendors};

/// Fails unless `p` may change roster `code` (now of vendor `vendor`, when given): admins and
/// buyer-side managers any; a vendor's managers only their own vendor's, and they may not take
/// over another vendor's roster by its code.
async fn roster_owner(
    db: &impl sea_orm::ConnectionTrait,
    p: &Principal,
    code: &str,
    vendor: Option<&str>,
) -> ApiResult<()> {
    let own = match p.scope {
        Scope::All | Scope::Unit(_) => return Ok(()),
        Scope::Nothing => return Err(AppError::Forbidden("you belong to no unit or vendor".into()).into()),
        Scope::Vendor(v) => v,
    };
    let existing = crate::db::entities::rosters::Entity::find()
        .filter(crate::db::entities::rosters::Column::Code.eq(code))
        .one(db)
        .await?;
    let mine = vendors::Entity::find_by_id(own).one(db).await?.map(|v| v.code);
    let stranger = existing.is_some_and(|r| r.vendor_id != own) || vendor.is_some_and(|v| Some(v) != mine.as_deref());
    if stranger {
        return Err(AppError::Forbidden("you may change only your own vendor's rosters".into()).into());
    }
    Ok(())
}

// ---- rosters -------------------------------------------------------------------------------------

/// Every roster.
#[utoipa::path(get, path = "/rosters", tag = "duty", responses((status = 200, body = Vec<RosterDoc>)))]
pub async fn list_rosters(State(state): State<AppState>, _p: Principal) -> ApiResult<Json<Vec<RosterDoc>>> {
    Ok(Json(
        rosters::list(&state.db).await?.into_iter().map(|r| r.doc).collect(),
    ))
}

/// Sets a roster (admins; managers of its vendor). Its members must be users of the vendor.
#[utoipa::path(put, path = "/rosters/{code}", tag = "duty", params(("code" = String, Path)),
    request_body = RosterDoc, responses((status = 200, body = RosterDoc), (status = 422, body = Problem)))]
pub async fn put_roster(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiPath(code): ApiPath<String>,
    ApiJson(doc): ApiJson<RosterDoc>,
) -> ApiResult<Json<RosterDoc>> {
    p.require_manager()?;
    same_code(&code, &doc.code)?;
    let txn = state.begin_write().await?;
    let now = state.now();
    roster_owner(&txn, &p, &doc.code, Some(&doc.vendor)).await?;
    if rosters::set(&txn, &state.calendars.snapshot(), &doc, now).await? {
        audit::record(
            &txn,
            Some(p.user_id),
            "roster.set",
            &doc.code,
            serde_json::json!(doc),
            &from,
            now,
        )
        .await?;
    }
    txn.commit().await?;
    Ok(Json(doc))
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
    p.require_admin()?;
    let txn = state.begin_write().await?;
    let now = state.now();
    if !rosters::remove(&txn, &code).await? {
        return Err(AppError::NotFound(format!("no roster {code:?}")).into());
    }
    audit::record(
        &txn,
        Some(p.user_id),
        "roster.remove",
        &code,
        serde_json::json!({}),
        &from,
        now,
    )
    .await?;
    txn.commit().await?;
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
    p.require_manager()?;
    let txn = state.begin_write().await?;
    let now = state.now();
    roster_owner(&txn, &p, &code, None).await?;
    rosters::add_override(&txn, &code, &o, Some(p.user_id), now).await?;
    audit::record(
        &txn,
        Some(p.user_id),
        "roster.override",
        &code,
        serde_json::json!(o),
        &from,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(StatusCode::CREATED)
}

/// Which system and when.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct OnDutyQuery {
    /// The system's code.
    pub system: String,
    /// The instant [default: now].
    pub at: Option<DateTime<Utc>>,
}

/// Who is on duty for a system.
#[derive(Debug, Serialize, ToSchema)]
pub struct OnDutyAnswer {
    /// The system's code.
    pub system: String,
    /// The instant asked about.
    pub at: DateTime<Utc>,
    /// Whether any roster covers the system.
    pub covered: bool,
    /// The people on duty (empty where covered: a gap).
    pub on_duty: Vec<OnDuty>,
}

/// Who is on duty for a system at an instant, by its vendors' rosters.
#[utoipa::path(get, path = "/on-duty", tag = "duty", params(OnDutyQuery),
    responses((status = 200, body = OnDutyAnswer), (status = 422, body = Problem)))]
pub async fn on_duty(
    State(state): State<AppState>,
    p: Principal,
    ApiQuery(q): ApiQuery<OnDutyQuery>,
) -> ApiResult<Json<OnDutyAnswer>> {
    let system = crate::app::scope::system_in_scope(&state.db, &p, &q.system).await?;
    let at = q.at.unwrap_or_else(|| state.now());
    let people = rosters::on_duty(&state.db, &state.calendars.snapshot(), &system, at).await?;
    Ok(Json(OnDutyAnswer {
        system: system.code,
        at,
        covered: people.is_some(),
        on_duty: people.unwrap_or_default(),
    }))
}

/// A range of time.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct RangeQuery {
    /// From [default: now].
    pub from: Option<DateTime<Utc>>,
    /// To [default: from + 14 days; at most 800 days after from].
    pub to: Option<DateTime<Utc>>,
}

impl RangeQuery {
    fn range(&self, default_days: i64, now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
        let from = self.from.unwrap_or(now);
        (from, self.to.unwrap_or(from + TimeDelta::days(default_days)))
    }
}

/// Staffing shortfalls in a range: each roster against its rules, each vendor against the
/// rules of the major-event windows in the range.
#[utoipa::path(get, path = "/rosters/gaps", tag = "duty", params(RangeQuery),
    responses((status = 200, body = Vec<StaffingGap>), (status = 422, body = Problem)))]
pub async fn gaps(
    State(state): State<AppState>,
    _p: Principal,
    ApiQuery(q): ApiQuery<RangeQuery>,
) -> ApiResult<Json<Vec<StaffingGap>>> {
    let (from, to) = q.range(14, state.now());
    Ok(Json(
        rosters::gaps(&state.db, &state.calendars.snapshot(), from, to).await?,
    ))
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
    if p.username != username {
        p.require_manager()?;
    }
    if users::Entity::find()
        .filter(users::Column::Username.eq(&username))
        .one(&state.db)
        .await?
        .is_none()
    {
        return Err(AppError::NotFound(format!("no user {username:?}")).into());
    }
    let now = state.now();
    let (from, to) = q.range(90, now);
    let shifts: Vec<UserShift> =
        rosters::shifts_of(&state.db, &state.calendars.snapshot(), &username, from, to).await?;
    let body = crate::app::duty::ics::render(&username, &shifts, "opsclock", now);
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
pub async fn list_windows(State(state): State<AppState>, _p: Principal) -> ApiResult<Json<Vec<WindowDoc>>> {
    Ok(Json(
        windows::list(&state.db).await?.into_iter().map(|w| w.doc).collect(),
    ))
}

/// Sets a major-event window (managers and admins). Tickets already open keep their deadlines.
#[utoipa::path(put, path = "/windows/{code}", tag = "duty", params(("code" = String, Path)),
    request_body = WindowDoc, responses((status = 200, body = WindowDoc), (status = 422, body = Problem)))]
pub async fn put_window(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiPath(code): ApiPath<String>,
    ApiJson(doc): ApiJson<WindowDoc>,
) -> ApiResult<Json<WindowDoc>> {
    p.require_manager()?;
    same_code(&code, &doc.code)?;
    let txn = state.begin_write().await?;
    let now = state.now();
    if windows::set(&txn, &state.calendars.snapshot(), &doc, now).await? {
        audit::record(
            &txn,
            Some(p.user_id),
            "window.set",
            &doc.code,
            serde_json::json!(doc),
            &from,
            now,
        )
        .await?;
    }
    txn.commit().await?;
    Ok(Json(doc))
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
    p.require_admin()?;
    let txn = state.begin_write().await?;
    let now = state.now();
    if !windows::remove(&txn, &code).await? {
        return Err(AppError::NotFound(format!("no major-event window {code:?}")).into());
    }
    audit::record(
        &txn,
        Some(p.user_id),
        "window.remove",
        &code,
        serde_json::json!({}),
        &from,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Which year, from which calendar.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct TemplateQuery {
    /// The year.
    pub year: i32,
    /// The calendar whose holidays to offer [default: cn-5x8].
    pub calendar: Option<String>,
}

/// Proposed windows for a year: one per official holiday of the calendar, to edit and store.
#[utoipa::path(get, path = "/windows/template", tag = "duty", params(TemplateQuery),
    responses((status = 200, body = Vec<WindowDoc>), (status = 422, body = Problem)))]
pub async fn window_template(
    State(state): State<AppState>,
    _p: Principal,
    ApiQuery(q): ApiQuery<TemplateQuery>,
) -> ApiResult<Json<Vec<WindowDoc>>> {
    let name = q.calendar.as_deref().unwrap_or("cn-5x8");
    let cals = state.calendars.snapshot();
    let cal = crate::app::duty::calendar(&cals, "calendar", name)?;
    Ok(Json(windows::template(cal, q.year)?))
}

/// Whether `p` decides on exclusions of `system`: admins, and managers of the buyer unit that
/// owns it (the buyer approves downtime, not the vendor who asks for it).
fn may_decide(p: &Principal, system: &systems::Model) -> bool {
    match (p.role, p.scope) {
        (Role::Admin, _) => true,
        (Role::Manager, Scope::Unit(u)) => u == system.unit_id,
        _ => false,
    }
}

// ---- exclusions ----------------------------------------------------------------------------------

/// Filters of the exclusion list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ExclusionQuery {
    /// A system's code.
    pub system: Option<String>,
    /// `proposed`, `approved`, `rejected` or `revoked`.
    pub status: Option<String>,
}

/// Exclusion windows, newest first.
#[utoipa::path(get, path = "/exclusions", tag = "duty", params(ExclusionQuery),
    responses((status = 200, body = Vec<ExclusionView>)))]
pub async fn list_exclusions(
    State(state): State<AppState>,
    p: Principal,
    ApiQuery(q): ApiQuery<ExclusionQuery>,
) -> ApiResult<Json<Vec<ExclusionView>>> {
    let visible = crate::app::scope::visible_system_ids(&state.db, &p).await?;
    let codes: Option<Vec<String>> = match visible {
        None => None,
        Some(ids) => Some(
            systems::Entity::find()
                .filter(systems::Column::Id.is_in(ids))
                .all(&state.db)
                .await?
                .into_iter()
                .map(|s| s.code)
                .collect(),
        ),
    };
    let mut all = exclusions::list(&state.db, q.system.as_deref(), q.status.as_deref()).await?;
    if let Some(codes) = codes {
        all.retain(|e| codes.contains(&e.system));
    }
    Ok(Json(all))
}

/// A new exclusion window.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewExclusion {
    /// The system's code.
    pub system: String,
    /// `maintenance`, `force_majeure` or `third_party`.
    pub kind: String,
    /// When it begins.
    pub starts: DateTime<Utc>,
    /// When it ends.
    pub ends: DateTime<Utc>,
    /// Why (the approval's reference, the event).
    pub reason: String,
}

/// Records an exclusion window. Engineers propose maintenance; a manager's or admin's is
/// approved at once, and only they may mark force majeure or third-party works.
#[utoipa::path(post, path = "/exclusions", tag = "duty", request_body = NewExclusion,
    responses((status = 201, body = ExclusionView), (status = 422, body = Problem)))]
pub async fn create_exclusion(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiJson(body): ApiJson<NewExclusion>,
) -> ApiResult<(StatusCode, Json<ExclusionView>)> {
    p.require_writer()?;
    let system = crate::app::scope::system_in_scope(&state.db, &p, &body.system).await?;
    let decider = may_decide(&p, &system);
    let req = exclusions::Request {
        system: body.system,
        kind: body.kind,
        starts: body.starts,
        ends: body.ends,
        reason: body.reason,
    };
    let txn = state.begin_write().await?;
    let now = state.now();
    let v = exclusions::record(&txn, &state.calendars.snapshot(), &req, p.user_id, decider, now).await?;
    audit::record(
        &txn,
        Some(p.user_id),
        "exclusion.record",
        &v.id.to_string(),
        serde_json::json!(v),
        &from,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok((StatusCode::CREATED, Json(v)))
}

/// A decision's note.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionBody {
    /// Why (required to revoke).
    pub note: Option<String>,
}

/// Approves, rejects or revokes an exclusion (managers and admins); `decision` is `approve`,
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
    let d: exclusions::Decision = decision.parse().map_err(|e: String| AppError::invalid("decision", e))?;
    let txn = state.begin_write().await?;
    let now = state.now();
    let row = crate::db::entities::exclusions::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no exclusion {id}")))?;
    let system = systems::Entity::find_by_id(row.system_id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no exclusion {id}")))?;
    if !crate::app::scope::can_see_system(&txn, &p, system.id).await? {
        return Err(AppError::NotFound(format!("no exclusion {id}")).into());
    }
    if !may_decide(&p, &system) {
        return Err(AppError::Forbidden(
            "only an admin or a manager of the system's own unit may decide on its exclusions".into(),
        )
        .into());
    }
    let v = exclusions::decide(&txn, &state.calendars.snapshot(), row, d, body.note, p.user_id, now).await?;
    audit::record(
        &txn,
        Some(p.user_id),
        &format!("exclusion.{decision}"),
        &id.to_string(),
        serde_json::json!(v),
        &from,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(Json(v))
}

// ---- scheduled duties ----------------------------------------------------------------------------

/// Every scheduled duty with its next occurrence and quota progress.
#[utoipa::path(get, path = "/duties", tag = "duty", responses((status = 200, body = Vec<DutyView>)))]
pub async fn list_duties(State(state): State<AppState>, _p: Principal) -> ApiResult<Json<Vec<DutyView>>> {
    Ok(Json(
        scheduled::list(&state.db, &state.calendars.snapshot(), state.now()).await?,
    ))
}

/// Sets a scheduled duty (managers and admins); its next occurrence is the first after now.
#[utoipa::path(put, path = "/duties/{code}", tag = "duty", params(("code" = String, Path)),
    request_body = DutyDoc, responses((status = 200, body = DutyDoc), (status = 422, body = Problem)))]
pub async fn put_duty(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiPath(code): ApiPath<String>,
    ApiJson(doc): ApiJson<DutyDoc>,
) -> ApiResult<Json<DutyDoc>> {
    p.require_manager()?;
    same_code(&code, &doc.code)?;
    let txn = state.begin_write().await?;
    let now = state.now();
    if scheduled::set(&txn, &state.calendars.snapshot(), &doc, now).await? {
        audit::record(
            &txn,
            Some(p.user_id),
            "duty.set",
            &doc.code,
            serde_json::json!(doc),
            &from,
            now,
        )
        .await?;
    }
    txn.commit().await?;
    Ok(Json(doc))
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
    p.require_admin()?;
    let txn = state.begin_write().await?;
    let now = state.now();
    if !scheduled::remove(&txn, &code).await? {
        return Err(AppError::NotFound(format!("no duty {code:?}")).into());
    }
    audit::record(
        &txn,
        Some(p.user_id),
        "duty.remove",
        &code,
        serde_json::json!({}),
        &from,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
