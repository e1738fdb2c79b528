//! Webhook subscriptions over HTTP (admins): where ticket events are posted (see
//! [`crate::app::webhooks`]). Each handler reads the request, calls the use case in
//! [`crate::app::webhooks::subscriptions`] and writes the answer.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

use super::problem::{ApiJson, ApiPath, ApiResult};
use crate::app::audit::ClientAddr;
use crate::app::auth::Principal;
use crate::app::webhooks::subscriptions::{self, Pinged, SavedSubscription, SubscriptionDoc, SubscriptionView};
use crate::http::AppState;

/// The subscriptions (admins).
#[utoipa::path(get, path = "/webhooks", tag = "webhooks", responses((status = 200, body = Vec<SubscriptionView>)))]
pub async fn list_webhooks(State(state): State<AppState>, p: Principal) -> ApiResult<Json<Vec<SubscriptionView>>> {
    Ok(Json(subscriptions::list(&state, &p).await?))
}

/// Creates or replaces subscription `name` (admins). Events already queued keep their
/// subscription's new address and secret when they are sent.
#[utoipa::path(put, path = "/webhooks/{name}", tag = "webhooks", params(("name" = String, Path)), request_body = SubscriptionDoc,
    responses((status = 200, body = SavedSubscription), (status = 422, body = super::problem::Problem)))]
pub async fn put_webhook(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiPath(name): ApiPath<String>,
    ApiJson(doc): ApiJson<SubscriptionDoc>,
) -> ApiResult<Json<SavedSubscription>> {
    Ok(Json(subscriptions::put(&state, &p, &from, &name, doc).await?))
}

/// Deletes subscription `name` (admins); its events not yet sent are parked as failed.
#[utoipa::path(delete, path = "/webhooks/{name}", tag = "webhooks", params(("name" = String, Path)),
    responses((status = 204), (status = 404, body = super::problem::Problem)))]
pub async fn delete_webhook(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiPath(name): ApiPath<String>,
) -> ApiResult<StatusCode> {
    subscriptions::delete(&state, &p, &from, &name).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Queues a `ping` to subscription `name` (admins), to try its address and secret; the outbox
/// shows how it went.
#[utoipa::path(post, path = "/webhooks/{name}/ping", tag = "webhooks", params(("name" = String, Path)),
    responses((status = 202, body = Pinged), (status = 404, body = super::problem::Problem)))]
pub async fn ping_webhook(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(name): ApiPath<String>,
) -> ApiResult<(StatusCode, Json<Pinged>)> {
    Ok((
        StatusCode::ACCEPTED,
        Json(subscriptions::ping(&state, &p, &name).await?),
    ))
}
