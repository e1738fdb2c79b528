//! Which action of the permission table ([`crate::app::permissions`]) every page needs, and the
//! middleware ([`guard`]) that asks it before the page's handler runs: the pages' twin of the
//! API's route table.
//!
//! Every page route has a row in [`PAGES`]: its method, its path as the router writes it, and what
//! it needs. The router is built from one list ([`super::route_list`] reads the same), and a route
//! without a row is refused (the 500 page, logged with the route); the test that walks the list
//! (`tests/api/page_permissions.rs`) names it. The guard asks only what it knows from the caller —
//! may this party and role do this at all ([`permissions::check_at_all`]) — and answers the
//! friendly 403 page; the handler and its use case then check the thing itself (scope: a ticket
//! out of scope is as absent, 404). A reader who is not signed in is left to the handler, which
//! sends them to sign in (or, signed in with a one-time password, to set their own).

use axum::extract::{FromRequestParts, MatchedPath, RawPathParams, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::WebError;
use crate::app::AppError;
use crate::app::permissions::{self, Action};
use crate::http::AppState;

/// What a page needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Nobody signed in (why): signing in and out, a redirect, the stylesheet.
    Public(&'static str),
    /// A reader who may do this action.
    Act(Action),
    /// A reader who may do the ticket action named by the `{action}` segment
    /// ([`Action::for_ticket_action`]); a name that is no action is left to the handler.
    TicketAction,
}

/// A row of the page table.
#[derive(Debug, Clone, Copy)]
pub struct Page {
    /// `GET` or `POST` (a `HEAD` is asked as the `GET` it is answered by).
    pub method: &'static str,
    /// The path as the router writes it (`/tickets/{number}`).
    pub path: &'static str,
    /// What it needs.
    pub need: Need,
}

const fn r(method: &'static str, path: &'static str, a: Action) -> Page {
    Page {
        method,
        path,
        need: Need::Act(a),
    }
}

const fn public(method: &'static str, path: &'static str, why: &'static str) -> Page {
    Page {
        method,
        path,
        need: Need::Public(why),
    }
}

/// Every page route and what it needs.
pub const PAGES: &[Page] = &[
    public("GET", "/", "a redirect to the board, which asks"),
    public("GET", "/login", "the sign-in form"),
    public("POST", "/login", "signing in"),
    public(
        "POST",
        "/logout",
        "signing out ends the session of the cookie sent, if there is one",
    ),
    r("GET", "/me/password", Action::Own),
    r("POST", "/me/password", Action::Own),
    r("GET", "/me/security", Action::Own),
    r("POST", "/me/sessions/{id}/end", Action::Own),
    r("POST", "/me/tokens/{id}/revoke", Action::Own),
    public("GET", "/lang", "choosing the pages' language, kept in a cookie"),
    r("GET", "/board", Action::TicketRead),
    r("GET", "/tickets/new", Action::TicketOpen),
    r("POST", "/tickets/new", Action::TicketOpen),
    r("POST", "/tickets/new/preview", Action::TicketOpen),
    r("GET", "/tickets/{number}", Action::TicketRead),
    Page {
        method: "POST",
        path: "/tickets/{number}/act/{action}",
        need: Need::TicketAction,
    },
    r("GET", "/dashboard", Action::Dashboard),
    r("GET", "/reports/breaches", Action::ReportRead),
    r("GET", "/catalog", Action::CatalogRead),
    r("GET", "/catalog/{code}", Action::CatalogRead),
    public("GET", "/admin", "a redirect to /admin/users, which asks"),
    r("GET", "/admin/users", Action::UserManage),
    r("POST", "/admin/tokens", Action::TokenManage),
    r("POST", "/admin/tokens/{id}/revoke", Action::TokenManage),
    r("GET", "/admin/calendars", Action::Administer),
    r("POST", "/admin/calendars/reload", Action::CalendarChange),
    r("POST", "/admin/calendars/notice", Action::CalendarChange),
    r("GET", "/admin/ladders", Action::Administer),
    r("GET", "/admin/windows", Action::Administer),
    r("GET", "/admin/outbox", Action::Administer),
    r("POST", "/admin/outbox/{id}/retry", Action::Outbox),
    public(
        "GET",
        "/assets/{file}",
        "the pages' stylesheet and script, which the sign-in page needs too",
    ),
];

/// What `method` on `path` (as the router writes it) needs; `None` for a route without a row. A
/// `HEAD` needs what the `GET` needs.
pub fn need(method: &str, path: &str) -> Option<Need> {
    let method = if method.eq_ignore_ascii_case("HEAD") {
        "GET"
    } else {
        method
    };
    PAGES
        .iter()
        .find(|p| p.method.eq_ignore_ascii_case(method) && p.path == path)
        .map(|p| p.need)
}

/// The middleware around every page route: finds the route's row, and refuses with the 403 page
/// a signed-in reader who may not do the route's action at all. A reader not signed in is left
/// to the page (which sends them to sign in); a route without a row is refused as an internal
/// error. The reader it authenticated is handed on, so the page does not ask the database again.
pub async fn guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    let route = parts
        .extensions
        .get::<MatchedPath>()
        .map_or_else(|| parts.uri.path().to_owned(), |m| m.as_str().to_owned());
    let Some(need) = need(parts.method.as_str(), &route) else {
        return WebError::App(AppError::Internal(anyhow::anyhow!(
            "no permission rule for the page {} {route}: every page route needs a row in web/permissions.rs",
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
    // Not signed in, a session that ran out, a one-time password: the page's `Viewer` says
    // where to go (the sign-in page, the password form).
    let Ok(p) = crate::http::extract::authenticate(&parts, &state).await else {
        return next.run(Request::from_parts(parts, body)).await;
    };
    if let Some(a) = action
        && let Err(e) = permissions::check_at_all(&p, a)
    {
        return WebError::App(e).into_response();
    }
    parts.extensions.insert(p);
    next.run(Request::from_parts(parts, body)).await
}

/// The page table as `docs/permissions.md` prints it.
pub fn markdown() -> String {
    let mut s = String::from("| method | path | needs |\n|---|---|---|\n");
    for p in PAGES {
        let need = match p.need {
            Need::Public(why) => format!("nobody signed in ({why})"),
            Need::Act(a) => format!("`{}`", a.key()),
            Need::TicketAction => {
                "the `{action}`'s: `ticket.{action}`, and `ticket.decide` for `approve` and `reject`".to_owned()
            }
        };
        s.push_str(&format!("| {} | `{}` | {need} |\n", p.method, p.path));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_head_needs_what_its_get_needs_and_an_unknown_route_nothing() {
        assert_eq!(need("HEAD", "/board"), Some(Need::Act(Action::TicketRead)));
        assert_eq!(need("get", "/board"), need("GET", "/board"));
        assert_eq!(need("POST", "/board"), None);
        assert_eq!(need("GET", "/nowhere"), None);
    }

    /// What [`markdown`] says of the ticket actions holds for every one of them.
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
