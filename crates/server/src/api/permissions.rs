//! Which action of the permission table ([`crate::app::permissions`]) every route of the API
//! needs, and the middleware ([`guard`]) that asks it before the handler runs.
//!
//! Every route has a row in [`ROUTES`]: its method, its path as the OpenAPI document writes it,
//! and what it needs. A route without a row is refused (500, logged with the route): a new route
//! cannot slip in unguarded, and the test that walks the OpenAPI document
//! (`tests/api/permissions.rs`) names it. The guard asks only what it can know from the caller —
//! may this party and role do this at all ([`permissions::check_at_all`]) — so its 403 says
//! nothing about whether the thing asked for exists; the use case then checks the thing itself
//! (scope, own unit, own vendor, a ticket with or without a vendor).

use axum::extract::{FromRequestParts, MatchedPath, RawPathParams, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::problem::ApiError;
use crate::app::AppError;
use crate::app::permissions::{self, Action};
use crate::http::AppState;

/// What a route needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// No caller: signing in and out, or a route that authenticates by a secret of its own (why).
    Public(&'static str),
    /// A caller who may do this action.
    Act(Action),
    /// A caller who may do the ticket action named by the `{action}` segment
    /// ([`Action::for_ticket_action`]); a name that is no action is left to the handler (404).
    TicketAction,
}

/// A row of the route table.
#[derive(Debug, Clone, Copy)]
pub struct Route {
    /// `GET`, `POST`, `PUT`, `PATCH` or `DELETE`.
    pub method: &'static str,
    /// The path under `/api/v1`, as the OpenAPI document writes it (`/tickets/{number}`).
    pub path: &'static str,
    /// What it needs.
    pub need: Need,
}

const fn r(method: &'static str, path: &'static str, a: Action) -> Route {
    Route {
        method,
        path,
        need: Need::Act(a),
    }
}

const fn public(method: &'static str, path: &'static str, why: &'static str) -> Route {
    Route {
        method,
        path,
        need: Need::Public(why),
    }
}

/// Every route of the API and what it needs.
pub const ROUTES: &[Route] = &[
    public("POST", "/session", "signing in"),
    public(
        "DELETE",
        "/session",
        "signing out ends the session of the cookie sent, if there is one",
    ),
    r("GET", "/me", Action::Own),
    r("POST", "/me/password", Action::Own),
    r("GET", "/me/sessions", Action::Own),
    r("DELETE", "/me/sessions/{id}", Action::Own),
    r("GET", "/me/tokens", Action::Own),
    r("DELETE", "/me/tokens/{id}", Action::Own),
    r("GET", "/units", Action::CatalogRead),
    r("POST", "/units", Action::CatalogWrite),
    r("GET", "/units/{id}", Action::CatalogRead),
    r("PATCH", "/units/{id}", Action::CatalogWrite),
    r("GET", "/vendors", Action::CatalogRead),
    r("POST", "/vendors", Action::CatalogWrite),
    r("GET", "/vendors/{id}", Action::CatalogRead),
    r("PATCH", "/vendors/{id}", Action::CatalogWrite),
    r("GET", "/policies", Action::CatalogRead),
    r("POST", "/policies", Action::PolicyWrite),
    r("GET", "/policies/{id}", Action::CatalogRead),
    r("PATCH", "/policies/{id}", Action::PolicyWrite),
    r("GET", "/systems", Action::CatalogRead),
    r("POST", "/systems", Action::CatalogWrite),
    r("GET", "/systems/{id}", Action::CatalogRead),
    r("PATCH", "/systems/{id}", Action::CatalogWrite),
    r("POST", "/catalog/import", Action::CatalogFile),
    r("GET", "/catalog/export", Action::CatalogFile),
    r("GET", "/calendars", Action::CalendarRead),
    r("POST", "/calendars/reload", Action::CalendarChange),
    r("GET", "/tickets", Action::TicketRead),
    r("POST", "/tickets", Action::TicketOpen),
    r("POST", "/tickets/preview", Action::TicketOpen),
    r("GET", "/tickets/{number}", Action::TicketRead),
    Route {
        method: "POST",
        path: "/tickets/{number}/{action}",
        need: Need::TicketAction,
    },
    r("GET", "/ladders", Action::LadderRead),
    r("PUT", "/ladders/{scope}", Action::LadderWrite),
    r("DELETE", "/ladders/{scope}", Action::LadderWrite),
    r("GET", "/outbox", Action::Outbox),
    r("GET", "/outbox/{id}", Action::Outbox),
    r("POST", "/outbox/{id}/retry", Action::Outbox),
    r("GET", "/rosters", Action::DutyRead),
    r("PUT", "/rosters/{code}", Action::RosterWrite),
    r("DELETE", "/rosters/{code}", Action::RosterRemove),
    r("POST", "/rosters/{code}/overrides", Action::RosterWrite),
    r("GET", "/rosters/gaps", Action::DutyRead),
    r("GET", "/on-duty", Action::DutyRead),
    r("GET", "/users/{username}/shifts.ics", Action::DutyRead),
    r("GET", "/windows", Action::DutyRead),
    r("PUT", "/windows/{code}", Action::WindowWrite),
    r("DELETE", "/windows/{code}", Action::WindowRemove),
    r("GET", "/windows/template", Action::DutyRead),
    r("GET", "/exclusions", Action::DutyRead),
    r("POST", "/exclusions", Action::ExclusionPropose),
    r("POST", "/exclusions/{id}/{decision}", Action::ExclusionDecide),
    r("GET", "/duties", Action::DutyRead),
    r("PUT", "/duties/{code}", Action::DutyWrite),
    r("DELETE", "/duties/{code}", Action::DutyRemove),
    r("GET", "/reports/breaches", Action::ReportRead),
    r("GET", "/contracts", Action::ContractRead),
    r("GET", "/contracts/{code}", Action::ContractRead),
    r("PUT", "/contracts/{code}", Action::ContractWrite),
    public(
        "POST",
        "/intake/alertmanager",
        "the monitor authenticates with its intake source's token",
    ),
    public(
        "POST",
        "/intake/generic/{source}",
        "the monitor authenticates with its intake source's token",
    ),
    r("GET", "/intake/rules", Action::IntakeManage),
    r("PUT", "/intake/rules", Action::IntakeManage),
    r("POST", "/intake/rules/test", Action::IntakeManage),
    r("GET", "/intake/sources", Action::IntakeManage),
    r("POST", "/intake/sources", Action::IntakeManage),
    r("DELETE", "/intake/sources/{code}", Action::IntakeManage),
    r("GET", "/intake/alerts", Action::IntakeTriage),
    r("POST", "/intake/alerts/{id}/open", Action::IntakeTriage),
    r("POST", "/intake/alerts/{id}/dismiss", Action::IntakeTriage),
    r("GET", "/webhooks", Action::Webhooks),
    r("PUT", "/webhooks/{name}", Action::Webhooks),
    r("DELETE", "/webhooks/{name}", Action::Webhooks),
    r("POST", "/webhooks/{name}/ping", Action::Webhooks),
];

/// What `method` on `path` (under `/api/v1`, as the OpenAPI document writes it) needs; `None`
/// for a route without a row.
pub fn need(method: &str, path: &str) -> Option<Need> {
    ROUTES
        .iter()
        .find(|r| r.method.eq_ignore_ascii_case(method) && r.path == path)
        .map(|r| r.need)
}

/// The middleware around every API route: finds the route's row, authenticates the caller
/// (401 without valid credentials), refuses with 403 who may not do the route's action at all,
/// and hands the caller on to the handler. A route without a row is refused as an internal error.
pub async fn guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    let route = parts
        .extensions
        .get::<MatchedPath>()
        .map_or_else(|| parts.uri.path().to_owned(), |m| m.as_str().to_owned());
    let path = route.strip_prefix("/api/v1").unwrap_or(&route);
    let Some(need) = need(parts.method.as_str(), path) else {
        return ApiError::from(AppError::Internal(anyhow::anyhow!(
            "no permission rule for {} {route}: every route needs a row in api/permissions.rs",
            parts.method
        )))
        .into_response();
    };
    let action = match need {
        Need::Public(_) => return next.run(Request::from_parts(parts, body)).await,
        Need::Act(a) => Some(a),
        Need::TicketAction => RawPathParams::from_request_parts(&mut parts, &state)
            .await
            .ok()
            .and_then(|params| {
                params
                    .iter()
                    .find(|(name, _)| *name == "action")
                    .and_then(|(_, value)| Action::for_ticket_action(value))
            }),
    };
    let p = match crate::http::extract::authenticate(&parts, &state).await {
        Ok(p) => p,
        Err(e) => return ApiError::from(e).into_response(),
    };
    if let Some(a) = action
        && let Err(e) = permissions::check_at_all(&p, a)
    {
        return ApiError::from(e).into_response();
    }
    parts.extensions.insert(p);
    next.run(Request::from_parts(parts, body)).await
}

/// The route table as `docs/permissions.md` prints it.
pub fn markdown() -> String {
    let mut s = String::from("| method | path | needs |\n|---|---|---|\n");
    for r in ROUTES {
        let need = match r.need {
            Need::Public(why) => format!("nobody signed in ({why})"),
            Need::Act(a) => format!("`{}`", a.key()),
            Need::TicketAction => "the `{action}`'s: `ticket.acknowledge` … `ticket.contest`, `ticket.decide` for \
                                   `approve` and `reject`"
                .to_owned(),
        };
        s.push_str(&format!("| {} | `{}` | {need} |\n", r.method, r.path));
    }
    s
}
