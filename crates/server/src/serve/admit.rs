//! Admitting a write: the caller, then the body, then a turn (see [`admit`]).

use axum::response::IntoResponse;

use crate::api::{self, problem::ApiError};
use crate::http::AppState;
use crate::http::limits::BodyTooLarge;

use super::nul_refused;

/// A request that may write, admitted in this order, so that nobody the server does not know
/// can make it hold a body:
///
/// 1. the caller: a route that needs someone signed in authenticates them now, from the headers
///    alone; an API request without valid credentials is answered 401 (or 403) without reading
///    its body, and a page's is handed to the page, which sends the person to sign in without
///    reading it either. The principal found is handed on to the door's guard. The public
///    routes are signing in and out (small bodies) and the intake, whose token, or source and
///    timestamp, are checked first ([`api::intake::before_body`]);
/// 2. the body, when it must be read here (a form, checked for NUL bytes; any write on SQLite),
///    up to the route's own limit ([`api::body_limit`], [`crate::web::body_limit`]: 64 KiB but
///    for the intake, the catalogue file and a scan), not the largest any route takes: 413 beyond
///    (but a page that takes a file, the scan upload, is handed [`BodyTooLarge`] and no body, and
///    says so on the page);
/// 3. on SQLite, a turn to write (see [`AppState::new`]), taken once the body has arrived so
///    that a slow upload does not hold up every other write. Signing in spends tens of
///    milliseconds hashing a password before its one insert, and a dry run of the catalogue
///    import only reads: neither takes a turn. Creating a ticket (the API, the page) queues for a
///    group commit instead, which takes one turn for the whole group
///    ([`crate::app::group_commit`]).
///
/// ```text
/// POST /api/v1/tickets, Content-Length: 4194304, no credentials  →  401 after the headers
/// POST /api/v1/tickets, Bearer ocp_…, 4 MiB                      →  413 after 64 KiB
/// POST /tickets/new (a page), no session                         →  303 /login, body unread
/// ```
pub(super) async fn admit(
    state: &AppState,
    route: &str,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use crate::http::routes::Need;
    use axum::http::Method;
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    // A route of neither table is answered by the router (404, 405) or its guard (500) unread.
    let api_route = route.strip_prefix("/api/v1");
    let need = match api_route {
        Some(path) => api::permissions::need(req.method().as_str(), path),
        None => crate::web::permissions::need(req.method().as_str(), route),
    };
    let Some(need) = need else {
        return next.run(req).await;
    };
    let (mut parts, body) = req.into_parts();
    if let Need::Public(_) = need {
        if let Some(path) = api_route
            && let Err(e) = api::intake::before_body(state, path, &mut parts).await
        {
            return e.into_response();
        }
    } else {
        match crate::http::extract::authenticate(&parts, state).await {
            Ok(p) => {
                parts.extensions.insert(p);
            }
            Err(e) if api_route.is_some() => return ApiError::from(e).into_response(),
            Err(_) => return next.run(axum::extract::Request::from_parts(parts, body)).await,
        }
    }
    let is_form = parts
        .headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    let writes = state
        .turn
        .clone()
        .filter(|_| !matches!(route, "/api/v1/session" | "/login"))
        // It queues for a group commit, which takes the turn for the group.
        .filter(|_| !(matches!(route, "/api/v1/tickets" | "/tickets/new") && parts.method == axum::http::Method::POST))
        .filter(|_| !(route == "/api/v1/catalog/import" && is_dry_run(&parts.uri)));
    if !is_form && writes.is_none() {
        return next.run(axum::extract::Request::from_parts(parts, body)).await;
    }
    let page_limit = || crate::web::body_limit(route, state).unwrap_or(api::BODY_LIMIT);
    let limit = api_route.map_or_else(page_limit, |path| api::body_limit(path, state));
    let bytes = match axum::body::to_bytes(body, limit).await {
        Ok(bytes) => bytes,
        // A page that takes a file says on the page that it is too large, as it does where its
        // route reads the body itself (PostgreSQL): it is handed the mark and no body.
        Err(e)
            if api_route.is_none()
                && crate::web::body_limit(route, state).is_some()
                && crate::http::limits::over_limit(&e) =>
        {
            parts.extensions.insert(BodyTooLarge { limit });
            return next
                .run(axum::extract::Request::from_parts(parts, axum::body::Body::empty()))
                .await;
        }
        Err(_) => {
            return ApiError::TooLarge(format!(
                "the request body is over this route's limit of {limit} bytes, or was cut off"
            ))
            .into_response();
        }
    };
    if is_form && let Some(place) = crate::http::security::nul_in("", None, Some(&bytes)) {
        return nul_refused(place);
    }
    let Some(writes) = writes else {
        return next
            .run(axum::extract::Request::from_parts(parts, axum::body::Body::from(bytes)))
            .await;
    };
    let _turn = writes.acquire_owned().await.ok();
    // Marked as holding the turn: a ticket creation reached from it does not queue for a group
    // commit, whose group would wait for this turn.
    crate::app::group_commit::holding_turn(
        next.run(axum::extract::Request::from_parts(parts, axum::body::Body::from(bytes))),
    )
    .await
}

/// Whether the query says `dry_run=true` (as `POST /catalog/import?dry_run=true` does).
fn is_dry_run(uri: &axum::http::Uri) -> bool {
    uri.query()
        .is_some_and(|q| q.split('&').any(|pair| pair == "dry_run=true"))
}
