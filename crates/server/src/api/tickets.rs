//! Tickets over HTTP: open, preview, list, read, act, and a ticket's incident report. Each handler reads the request, calls the
//! use case in [`crate::app::tickets`] and writes the answer; errors become problems in
//! [`super::problem`].

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::IntoParams;

use super::problem::{ApiJson, ApiPath, ApiQuery, ApiResult, Problem};
use crate::app::audit::ClientAddr;
use crate::app::auth::Principal;
use crate::app::incident_report::{self, Format, IncidentReport};
use crate::app::tickets::actions::{self, ActionRequest};
use crate::app::tickets::open::{self, CreateTicket};
use crate::app::tickets::preview::{self, TicketPreview};
use crate::app::tickets::read::{self, ListQuery};
use crate::app::tickets::views::{TicketPage, TicketView};
use crate::http::AppState;

/// Opens a ticket. Severity is given, or proposed by the classifier from `facts`.
#[utoipa::path(post, path = "/tickets", tag = "tickets", request_body = CreateTicket,
    responses((status = 201, body = TicketView), (status = 422, body = Problem), (status = 413, body = Problem)))]
pub async fn create_ticket(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiJson(body): ApiJson<CreateTicket>,
) -> ApiResult<(StatusCode, Json<TicketView>)> {
    Ok((
        StatusCode::CREATED,
        Json(open::open_ticket(&state, &p, body, &from).await?),
    ))
}

/// Shows what opening a ticket would do — the severity (and the classifier's proposal), the
/// major-event window, the assignee and every deadline — without opening it. Same body as
/// `POST /tickets`.
#[utoipa::path(post, path = "/tickets/preview", tag = "tickets", request_body = CreateTicket,
    responses((status = 200, body = TicketPreview), (status = 422, body = Problem)))]
pub async fn preview_ticket(
    State(state): State<AppState>,
    p: Principal,
    ApiJson(body): ApiJson<CreateTicket>,
) -> ApiResult<Json<TicketPreview>> {
    Ok(Json(preview::preview(&state, &p, body).await?))
}

/// Lists tickets in scope, newest first, with filters and cursor paging.
#[utoipa::path(get, path = "/tickets", tag = "tickets", params(ListQuery),
    responses((status = 200, body = TicketPage), (status = 422, body = Problem)))]
pub async fn list_tickets(
    State(state): State<AppState>,
    p: Principal,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<TicketPage>> {
    Ok(Json(read::list(&state, &p, q).await?))
}

/// One ticket with its clocks and timeline.
#[utoipa::path(get, path = "/tickets/{number}", tag = "tickets", params(("number" = String, Path)),
    responses((status = 200, body = TicketView), (status = 404, body = Problem)))]
pub async fn get_ticket(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(number): ApiPath<String>,
) -> ApiResult<Json<TicketView>> {
    Ok(Json(read::get(&state, &p, &number).await?))
}

/// Performs an action: acknowledge, request_visit, arrive, start, pause, resume, regrade, resolve, close,
/// reopen, cancel, assign or comment. The body carries the version read; a stale one gets 409
/// with `current_version`.
#[utoipa::path(post, path = "/tickets/{number}/{action}", tag = "tickets",
    params(("number" = String, Path), ("action" = String, Path, description = "acknowledge | arrive | start | pause | resume | regrade | resolve | close | reopen | cancel | assign | comment")),
    request_body = ActionRequest,
    responses((status = 200, body = TicketView), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn act(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiPath((number, action)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<ActionRequest>,
) -> ApiResult<Json<TicketView>> {
    Ok(Json(actions::perform(&state, &p, &from, &number, &action, body).await?))
}

/// The query of `GET /tickets/{number}/incident-report`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct IncidentReportQuery {
    /// `json` (default), `html` (the printable page) or `docx` (a Word file).
    pub format: Option<String>,
    /// The words of the page and the file: `zh` (default) or `en`.
    pub lang: Option<String>,
}

/// The incident report (故障处理情况报告) of a ticket: facts, clocks with their outcome, the
/// timeline, the notifications sent, root cause, fix, impact, comments and the parties that sign;
/// as JSON, a printable page or a Word file. Whoever may read the ticket may read it.
#[utoipa::path(get, path = "/tickets/{number}/incident-report", tag = "tickets",
    params(("number" = String, Path), IncidentReportQuery),
    responses((status = 200, description = "The report as data, the printable page or the Word file, as asked for",
                content((IncidentReport = "application/json"), (String = "text/html"),
                        (Vec<u8> = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"))),
              (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn incident_report(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(number): ApiPath<String>,
    ApiQuery(q): ApiQuery<IncidentReportQuery>,
) -> ApiResult<Response> {
    let format = q.format.as_deref().map_or(Ok(Format::Json), str::parse)?;
    let lang = incident_report::lang_of(q.lang.as_deref())?;
    Ok(incident_report::render(&state, &p, &number, format, lang)
        .await?
        .into_response())
}
