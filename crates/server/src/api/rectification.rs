//! Rectification orders (整改通知, `/rectifications`): issued by the buyer to a vendor with a
//! deadline that is a clock escalated like a ticket's (see [`crate::app::rectification`]). Each
//! act is its own route, so that each needs its own permission.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

use super::problem::{ApiJson, ApiPath, ApiQuery, ApiResult, Problem};
use crate::app::audit::ClientAddr;
use crate::app::auth::Principal;
use crate::app::rectification::{self, ActBody, NewOrder, OrderQuery, OrderView, acts, id_of};
use crate::http::AppState;

/// The orders the caller may read, newest first.
#[utoipa::path(get, path = "/rectifications", tag = "rectification", params(OrderQuery),
    responses((status = 200, body = Vec<OrderView>), (status = 422, body = Problem)))]
pub async fn list_orders(
    State(state): State<AppState>,
    p: Principal,
    ApiQuery(q): ApiQuery<OrderQuery>,
) -> ApiResult<Json<Vec<OrderView>>> {
    Ok(Json(rectification::list(&state, &p, q).await?))
}

/// Issues an order to the vendor serving a system of the contract, its clock started now (the
/// bureau's managers; a unit's managers on their unit's systems).
#[utoipa::path(post, path = "/rectifications", tag = "rectification", request_body = NewOrder,
    responses((status = 201, body = OrderView), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn issue_order(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiJson(body): ApiJson<NewOrder>,
) -> ApiResult<(StatusCode, Json<OrderView>)> {
    Ok((
        StatusCode::CREATED,
        Json(rectification::issue(&state, &p, &from, body).await?),
    ))
}

/// An order with its clock and every act.
#[utoipa::path(get, path = "/rectifications/{id}", tag = "rectification",
    params(("id" = String, Path, description = "ZG-7 or 7")),
    responses((status = 200, body = OrderView), (status = 404, body = Problem)))]
pub async fn get_order(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<OrderView>> {
    Ok(Json(rectification::get(&state, &p, id_of(&id)?).await?))
}

macro_rules! act_route {
    ($fn:ident, $path:literal, $act:literal, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = "rectification",
            params(("id" = String, Path, description = "ZG-7 or 7")), request_body = ActBody,
            responses((status = 200, body = OrderView), (status = 403, body = Problem), (status = 404, body = Problem),
                (status = 409, body = Problem), (status = 422, body = Problem)))]
        pub async fn $fn(
            State(state): State<AppState>,
            p: Principal,
            from: ClientAddr,
            ApiPath(id): ApiPath<String>,
            ApiJson(body): ApiJson<ActBody>,
        ) -> ApiResult<Json<OrderView>> {
            Ok(Json(acts::act(&state, &p, &from, id_of(&id)?, $act, body).await?))
        }
    };
}

act_route!(
    submit_order,
    "/rectifications/{id}/submit",
    "submit",
    "Reports the rectification done (the vendor ordered): `text` and `evidence` required; the clock pauses for the issuer's check."
);
act_route!(
    refuse_order,
    "/rectifications/{id}/refuse",
    "refuse",
    "Refuses the order (the vendor ordered), with the reason in `text`: records a `refused_rectification` finding."
);
act_route!(
    accept_order,
    "/rectifications/{id}/accept",
    "accept",
    "Accepts the rectification reported (the issuer): the clock stops."
);
act_route!(
    reject_order,
    "/rectifications/{id}/reject",
    "reject",
    "Rejects the rectification reported (the issuer), with the reason in `text`: the clock runs on."
);
act_route!(
    withdraw_order,
    "/rectifications/{id}/withdraw",
    "withdraw",
    "Withdraws an open order (the issuer), with the reason in `text`: the clock is cancelled."
);
