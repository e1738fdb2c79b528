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

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::WebError;
use crate::app::AppError;
use crate::app::permissions::{self, Action};
use crate::http::AppState;
pub use crate::http::routes::{Need, Route as Page};
use crate::http::routes::{public, r};

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
    r("GET", "/me/notifications", Action::Own),
    r("POST", "/me/notifications", Action::Own),
    public(
        "GET",
        "/a/{token}",
        "a link in a notice: shows what it would do; the token is the credential",
    ),
    public(
        "POST",
        "/a/{token}",
        "a link in a notice acknowledges once as the person it was sent to; the token is the credential",
    ),
    public("GET", "/lang", "choosing the pages' language, kept in a cookie"),
    r("GET", "/board", Action::TicketRead),
    r("GET", "/tickets/new", Action::TicketOpen),
    r("POST", "/tickets/new", Action::TicketOpen),
    r("POST", "/tickets/new/preview", Action::TicketOpen),
    r("GET", "/tickets/{number}", Action::TicketRead),
    r("GET", "/tickets/{number}/incident-report", Action::TicketRead),
    r("POST", "/tickets/{number}/attachments", Action::TicketAttach),
    Page {
        method: "POST",
        path: "/tickets/{number}/act/{action}",
        need: Need::TicketAction,
    },
    r("GET", "/dashboard", Action::Dashboard),
    r("GET", "/reports/breaches", Action::ReportRead),
    r("GET", "/findings", Action::FindingRead),
    r("POST", "/findings", Action::FindingWrite),
    r("POST", "/findings/{id}/withdraw", Action::FindingWrite),
    r("GET", "/problem-records", Action::ProblemRead),
    r("GET", "/problem-records/{number}", Action::ProblemRead),
    r("POST", "/problem-records/{number}", Action::ProblemRead),
    r("GET", "/surveys", Action::SurveyRead),
    r("POST", "/surveys", Action::SurveyWrite),
    r("GET", "/assessments", Action::AssessmentRead),
    r("POST", "/assessments", Action::AssessmentWrite),
    r("GET", "/assessments/{id}", Action::AssessmentRead),
    r("GET", "/assessments/{id}/print", Action::AssessmentRead),
    r("POST", "/assessments/{id}/revise", Action::AssessmentWrite),
    r("POST", "/assessments/{id}/send", Action::AssessmentWrite),
    r("POST", "/assessments/{id}/maintain", Action::AssessmentWrite),
    r("POST", "/assessments/{id}/agree", Action::AssessmentAnswer),
    r("POST", "/assessments/{id}/dispute", Action::AssessmentAnswer),
    r("POST", "/assessments/{id}/reply", Action::AssessmentReply),
    r("POST", "/assessments/{id}/sign", Action::AssessmentSign),
    r("POST", "/assessments/{id}/reopen", Action::AssessmentReopen),
    r("POST", "/assessments/{id}/scans", Action::AssessmentAttach),
    r("GET", "/inspections", Action::InspectionRead),
    r("GET", "/inspections/{id}", Action::InspectionRead),
    r("POST", "/inspections/{id}/record", Action::InspectionRecord),
    r("GET", "/periodic-reports", Action::PeriodicReportRead),
    r("GET", "/periodic-reports/{number}", Action::PeriodicReportRead),
    r("GET", "/periodic-reports/{number}/docx", Action::PeriodicReportRead),
    r("POST", "/periodic-reports/{number}", Action::PeriodicReportWrite),
    r("POST", "/periodic-reports/{number}/submit", Action::PeriodicReportWrite),
    r(
        "POST",
        "/periodic-reports/{number}/decide",
        Action::PeriodicReportAcknowledge,
    ),
    r("GET", "/rectifications", Action::RectificationRead),
    r("POST", "/rectifications", Action::RectificationIssue),
    r("GET", "/rectifications/{id}", Action::RectificationRead),
    r("POST", "/rectifications/{id}/submit", Action::RectificationAnswer),
    r("POST", "/rectifications/{id}/refuse", Action::RectificationRefuse),
    r("POST", "/rectifications/{id}/accept", Action::RectificationIssue),
    r("POST", "/rectifications/{id}/reject", Action::RectificationIssue),
    r("POST", "/rectifications/{id}/withdraw", Action::RectificationIssue),
    r("GET", "/spares", Action::SpareRead),
    r("POST", "/spares/movements", Action::SpareMove),
    r("GET", "/spares/settlement", Action::SpareRead),
    r("POST", "/spares/inventory/confirm", Action::SpareConfirm),
    r("GET", "/spares/ledger", Action::SpareRead),
    r("POST", "/tickets/{number}/replacements", Action::ReplacementRequest),
    r("POST", "/tickets/{number}/warranty-repairs", Action::ReplacementRequest),
    r("POST", "/warranty-repairs/{id}/returned", Action::ReplacementRequest),
    r("POST", "/warranty-repairs/{id}/accepted", Action::ReplacementRequest),
    r("POST", "/replacements/{id}/approve", Action::ReplacementDecide),
    r("POST", "/replacements/{id}/refuse", Action::ReplacementDecide),
    r("POST", "/replacements/{id}/record", Action::ReplacementRequest),
    r("GET", "/catalog", Action::CatalogRead),
    r("GET", "/catalog/{code}", Action::CatalogRead),
    r("POST", "/catalog/{code}/service", Action::CatalogWrite),
    r("GET", "/catalog/{code}/devices", Action::DeviceRead),
    r("POST", "/catalog/{code}/devices/import", Action::DeviceWrite),
    r("GET", "/devices/{device}", Action::DeviceRead),
    r("POST", "/tickets/{number}/devices", Action::TicketDevices),
    public("GET", "/admin", "a redirect to /admin/users, which asks"),
    r("GET", "/admin/users", Action::UserManage),
    r("POST", "/admin/users", Action::UserManage),
    r("GET", "/admin/users/{username}", Action::UserManage),
    r("POST", "/admin/users/{username}/password", Action::UserManage),
    r("POST", "/admin/users/{username}/disable", Action::UserManage),
    r("POST", "/admin/users/{username}/enable", Action::UserManage),
    r("POST", "/admin/users/{username}/role", Action::UserManage),
    r("POST", "/admin/users/{username}/notify", Action::UserManage),
    r("POST", "/admin/tokens", Action::TokenManage),
    r("POST", "/admin/tokens/{id}/revoke", Action::TokenManage),
    r("GET", "/admin/calendars", Action::Administer),
    r("POST", "/admin/calendars/reload", Action::CalendarChange),
    r("POST", "/admin/calendars/notice", Action::CalendarChange),
    r("GET", "/admin/ladders", Action::Administer),
    r("GET", "/admin/windows", Action::Administer),
    r("GET", "/mail-in", Action::MailInTriage),
    r("POST", "/mail-in/{id}/open", Action::MailInTriage),
    r("POST", "/mail-in/{id}/dismiss", Action::MailInTriage),
    r("GET", "/admin/outbox", Action::Administer),
    r("POST", "/admin/outbox/{id}/retry", Action::Outbox),
    public(
        "GET",
        "/assets/{file}",
        "the pages' stylesheet and script, which the sign-in page needs too",
    ),
    public(
        "GET",
        "/favicon.ico",
        "the pages' icon, which browsers ask for on every page",
    ),
];

/// What `method` on `path` (as the router writes it) needs; `None` for a route without a row. A
/// `HEAD` needs what the `GET` needs.
pub fn need(method: &str, path: &str) -> Option<Need> {
    crate::http::routes::need(PAGES, method, path)
}

/// The middleware around every page route: finds the route's row, and refuses with the 403 page
/// a signed-in reader who may not do the route's action at all. A reader not signed in is left
/// to the page (which sends them to sign in); a route without a row is refused as an internal
/// error. The reader it authenticated is handed on, so the page does not ask the database again.
pub async fn guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    let route = crate::http::routes::matched(&parts, "");
    let Some(need) = need(parts.method.as_str(), &route) else {
        return WebError::App(AppError::Internal(anyhow::anyhow!(
            "no permission rule for the page {} {route}: every page route needs a row in web/permissions.rs",
            parts.method
        )))
        .into_response();
    };
    if let Need::Public(_) = need {
        return next.run(Request::from_parts(parts, body)).await;
    }
    let action = crate::http::routes::action(need, &mut parts, &state).await;
    // Not signed in, a session that ran out, a one-time password: the page's `Viewer` says
    // where to go (the sign-in page, the password form).
    // A write's reader was authenticated before its body was read (`serve`'s `admit`).
    let known = parts.extensions.get::<crate::app::auth::Principal>().cloned();
    let signed_in = match known {
        Some(p) => Ok(p),
        None => crate::http::extract::authenticate(&parts, &state).await,
    };
    let Ok(p) = signed_in else {
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
    crate::http::routes::markdown(
        PAGES,
        "the `{action}`'s: `ticket.{action}`, and `ticket.decide` for `approve` and `reject`",
    )
}
