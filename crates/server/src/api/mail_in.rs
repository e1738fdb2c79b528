//! Mail in over HTTP, for admins and the bureau: the messages taken in and the triage queue
//! (see [`crate::app::mail_in::triage`]). Each handler reads the request, calls the use case and
//! writes the answer.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

use super::problem::{ApiJson, ApiPath, ApiQuery, ApiResult};
use crate::app::audit::ClientAddr;
use crate::app::auth::Principal;
use crate::app::mail_in::triage::{self, MailQuery, MailTriageOpen, MailView};
use crate::app::tickets::views::TicketView;
use crate::http::AppState;

/// Messages taken in, newest first; `triage=true` is the triage queue: new mail no rule and no
/// unit placed on a system (admins, the bureau).
#[utoipa::path(get, path = "/mail-in/messages", tag = "mail-in", params(MailQuery),
    responses((status = 200, body = Vec<MailView>)))]
pub async fn list_messages(
    State(state): State<AppState>,
    p: Principal,
    ApiQuery(q): ApiQuery<MailQuery>,
) -> ApiResult<Json<Vec<MailView>>> {
    Ok(Json(triage::list(&state, &p, q).await?))
}

/// Opens a `fault` ticket on a system for a message waiting in triage (admins, the bureau):
/// reported by the sender when the message came in; the sender gets the number back.
#[utoipa::path(post, path = "/mail-in/messages/{id}/open", tag = "mail-in", params(("id" = i64, Path)), request_body = MailTriageOpen,
    responses((status = 201, body = TicketView), (status = 404, body = super::problem::Problem), (status = 409, body = super::problem::Problem)))]
pub async fn open_message(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<MailTriageOpen>,
) -> ApiResult<(StatusCode, Json<TicketView>)> {
    Ok((
        StatusCode::CREATED,
        Json(triage::open(&state, &p, &from, id, body).await?),
    ))
}

/// Dismisses a message waiting in triage (admins, the bureau): it stays recorded.
#[utoipa::path(post, path = "/mail-in/messages/{id}/dismiss", tag = "mail-in", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = super::problem::Problem), (status = 409, body = super::problem::Problem)))]
pub async fn dismiss_message(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    triage::dismiss(&state, &p, &from, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
