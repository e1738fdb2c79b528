//! The shape of the two doors' route tables (`api/permissions.rs` for the API,
//! `web/permissions.rs` for the pages): each route's method and path and the action of the
//! permission table ([`crate::app::permissions`]) it needs, the lookup, and the resolution of a
//! request to that action. Each door keeps its own table and its own answer (a problem, a page).
//!
//! For example, `POST /api/v1/tickets/INC-2026-000001/acknowledge` matches the API's row
//! `POST /tickets/{number}/{action}` ([`Need::TicketAction`]), and needs
//! `ticket.acknowledge`; `HEAD /board` needs what `GET /board` needs.

use axum::extract::{FromRequestParts, MatchedPath, RawPathParams};
use axum::http::request::Parts;

use super::AppState;
use crate::app::permissions::Action;

/// What a route needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Nobody signed in (why): signing in and out, a route that authenticates by a secret of its
    /// own, a redirect, the stylesheet.
    Public(&'static str),
    /// A caller who may do this action.
    Act(Action),
    /// A caller who may do the ticket action named by the `{action}` segment
    /// ([`Action::for_ticket_action`]); a name that is no action is left to the handler (404).
    TicketAction,
}

/// A row of a route table.
#[derive(Debug, Clone, Copy)]
pub struct Route {
    /// `GET`, `POST`, `PUT`, `PATCH` or `DELETE` (a `HEAD` is asked as its `GET`).
    pub method: &'static str,
    /// The path as the table's door writes it: under `/api/v1` as the OpenAPI document writes it
    /// (`/tickets/{number}`), or as the pages' router writes it.
    pub path: &'static str,
    /// What it needs.
    pub need: Need,
}

/// A row for a route that needs action `a`.
pub const fn r(method: &'static str, path: &'static str, a: Action) -> Route {
    Route {
        method,
        path,
        need: Need::Act(a),
    }
}

/// A row for a route nobody needs to be signed in for, and why.
pub const fn public(method: &'static str, path: &'static str, why: &'static str) -> Route {
    Route {
        method,
        path,
        need: Need::Public(why),
    }
}

/// What `method` on `path` needs in `table`; `None` for a route without a row. A `HEAD` needs
/// what the `GET` needs.
pub fn need(table: &[Route], method: &str, path: &str) -> Option<Need> {
    let method = if method.eq_ignore_ascii_case("HEAD") {
        "GET"
    } else {
        method
    };
    table
        .iter()
        .find(|r| r.method.eq_ignore_ascii_case(method) && r.path == path)
        .map(|r| r.need)
}

/// The route a request matched, as the router writes it, without `prefix` (`/api/v1` for the
/// API); the request's own path when it matched none.
pub fn matched(parts: &Parts, prefix: &str) -> String {
    let route = parts
        .extensions
        .get::<MatchedPath>()
        .map_or_else(|| parts.uri.path(), |m| m.as_str());
    route.strip_prefix(prefix).unwrap_or(route).to_owned()
}

/// The action a request to a route that needs `need` comes to: `None` for a public route, and
/// for a ticket action name that is no action (the handler answers 404).
pub async fn action(need: Need, parts: &mut Parts, state: &AppState) -> Option<Action> {
    match need {
        Need::Public(_) => None,
        Need::Act(a) => Some(a),
        Need::TicketAction => RawPathParams::from_request_parts(parts, state)
            .await
            .ok()
            .and_then(|params| {
                params
                    .iter()
                    .find(|(name, _)| *name == "action")
                    .and_then(|(_, value)| Action::for_ticket_action(value))
            }),
    }
}

/// `table` as `docs/permissions.md` prints it; `ticket_action` says what a
/// [`Need::TicketAction`] route needs.
pub fn markdown(table: &[Route], ticket_action: &str) -> String {
    let mut s = String::from("| method | path | needs |\n|---|---|---|\n");
    for r in table {
        let need = match r.need {
            Need::Public(why) => format!("nobody signed in ({why})"),
            Need::Act(a) => format!("`{}`", a.key()),
            Need::TicketAction => ticket_action.to_owned(),
        };
        s.push_str(&format!("| {} | `{}` | {need} |\n", r.method, r.path));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: &[Route] = &[
        r("GET", "/board", Action::TicketRead),
        public("GET", "/login", "the sign-in form"),
    ];

    #[test]
    fn a_head_needs_what_its_get_needs_and_an_unknown_route_nothing() {
        assert_eq!(need(TABLE, "HEAD", "/board"), Some(Need::Act(Action::TicketRead)));
        assert_eq!(need(TABLE, "get", "/board"), need(TABLE, "GET", "/board"));
        assert_eq!(need(TABLE, "POST", "/board"), None);
        assert_eq!(need(TABLE, "GET", "/nowhere"), None);
        assert_eq!(need(TABLE, "GET", "/login"), Some(Need::Public("the sign-in form")));
    }

    /// What the tables print of the ticket actions holds for every one of them.
    #[test]
    fn every_ticket_action_needs_its_namesake_or_decide() {
        for name in crate::app::tickets::actions::ACTIONS {
            let a = Action::for_ticket_action(name).unwrap_or_else(|| panic!("{name} has no action"));
            let want = if matches!(name, "approve" | "reject") {
                "ticket.decide".to_owned()
            } else {
                format!("ticket.{name}")
            };
            assert_eq!(a.key(), want, "{name}");
        }
    }
}
