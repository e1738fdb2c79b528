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

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::problem::ApiError;
use crate::app::AppError;
use crate::app::permissions::{self, Action};
use crate::http::AppState;
pub use crate::http::routes::{Need, Route};
use crate::http::routes::{public, r};

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
    r("GET", "/me/notifications", Action::Own),
    r("PUT", "/me/notifications", Action::Own),
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
    r("GET", "/tickets/{number}/incident-report", Action::TicketRead),
    r("GET", "/tickets/{number}/attachments", Action::TicketRead),
    r("POST", "/tickets/{number}/attachments", Action::TicketAttach),
    r("GET", "/tickets/{number}/attachments/{id}", Action::TicketRead),
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
    r("GET", "/assessments", Action::AssessmentRead),
    r("POST", "/assessments", Action::AssessmentWrite),
    r("GET", "/assessments/{id}", Action::AssessmentRead),
    r("GET", "/assessments/{id}/snapshot", Action::AssessmentRead),
    r("POST", "/assessments/{id}/revise", Action::AssessmentWrite),
    r("POST", "/assessments/{id}/send", Action::AssessmentWrite),
    r("POST", "/assessments/{id}/maintain", Action::AssessmentWrite),
    r("POST", "/assessments/{id}/agree", Action::AssessmentAnswer),
    r("POST", "/assessments/{id}/dispute", Action::AssessmentAnswer),
    r("POST", "/assessments/{id}/reply", Action::AssessmentReply),
    r("POST", "/assessments/{id}/sign", Action::AssessmentSign),
    r("POST", "/assessments/{id}/reopen", Action::AssessmentReopen),
    r("GET", "/assessments/{id}/record.xlsx", Action::AssessmentRead),
    r("GET", "/assessments/{id}/scans", Action::AssessmentRead),
    r("POST", "/assessments/{id}/scans", Action::AssessmentAttach),
    r("GET", "/assessments/{id}/scans/{n}", Action::AssessmentRead),
    r("GET", "/inspections", Action::InspectionRead),
    r("GET", "/inspections/{id}", Action::InspectionRead),
    r("POST", "/inspections/{id}/record", Action::InspectionRecord),
    r("GET", "/rectifications", Action::RectificationRead),
    r("POST", "/rectifications", Action::RectificationIssue),
    r("GET", "/rectifications/{id}", Action::RectificationRead),
    r("POST", "/rectifications/{id}/submit", Action::RectificationAnswer),
    r("POST", "/rectifications/{id}/refuse", Action::RectificationRefuse),
    r("POST", "/rectifications/{id}/accept", Action::RectificationIssue),
    r("POST", "/rectifications/{id}/reject", Action::RectificationIssue),
    r("POST", "/rectifications/{id}/withdraw", Action::RectificationIssue),
    r("GET", "/spares/items", Action::SpareRead),
    r("POST", "/spares/catalogue", Action::SpareCatalogue),
    r("PUT", "/spares/items/{code}/price", Action::SpareCatalogue),
    r("GET", "/spares/movements", Action::SpareRead),
    r("POST", "/spares/movements", Action::SpareMove),
    r("GET", "/tickets/{number}/spares", Action::SpareRead),
    r("GET", "/spares/settlement", Action::SpareRead),
    r("GET", "/spares/inventory", Action::SpareRead),
    r("POST", "/spares/inventory/confirm", Action::SpareConfirm),
    r("GET", "/tickets/{number}/replacements", Action::TicketRead),
    r("POST", "/tickets/{number}/replacements", Action::ReplacementRequest),
    r("GET", "/replacements/{id}", Action::TicketRead),
    r("POST", "/replacements/{id}/approve", Action::ReplacementDecide),
    r("POST", "/replacements/{id}/refuse", Action::ReplacementDecide),
    r("POST", "/replacements/{id}/record", Action::ReplacementRequest),
    r("GET", "/spares/ledger", Action::SpareRead),
    r("GET", "/tickets/{number}/warranty-repairs", Action::TicketRead),
    r("POST", "/tickets/{number}/warranty-repairs", Action::ReplacementRequest),
    r("POST", "/warranty-repairs/{id}/{step}", Action::ReplacementRequest),
    r("GET", "/problems", Action::ProblemRead),
    r("GET", "/problems/{number}", Action::ProblemRead),
    r("PATCH", "/problems/{number}", Action::ProblemWrite),
    r("POST", "/problems/{number}/close", Action::ProblemClose),
    r("GET", "/systems/{code}/devices", Action::DeviceRead),
    r("POST", "/systems/{code}/devices", Action::DeviceWrite),
    r("GET", "/systems/{code}/devices/export", Action::DeviceRead),
    r("POST", "/systems/{code}/devices/import", Action::DeviceWrite),
    r("GET", "/systems/{code}/device-availability", Action::DeviceRead),
    r("GET", "/devices/{code}", Action::DeviceRead),
    r("PATCH", "/devices/{code}", Action::DeviceWrite),
    r("GET", "/devices/{code}/tickets", Action::DeviceRead),
    r("PUT", "/tickets/{number}/devices", Action::TicketDevices),
    r("GET", "/periodic-reports", Action::PeriodicReportRead),
    r("GET", "/periodic-reports/{number}", Action::PeriodicReportRead),
    r("PATCH", "/periodic-reports/{number}", Action::PeriodicReportWrite),
    r("POST", "/periodic-reports/{number}/submit", Action::PeriodicReportWrite),
    r(
        "POST",
        "/periodic-reports/{number}/acknowledge",
        Action::PeriodicReportAcknowledge,
    ),
    r(
        "POST",
        "/periodic-reports/{number}/return",
        Action::PeriodicReportAcknowledge,
    ),
    r("GET", "/periodic-reports/{number}/docx", Action::PeriodicReportRead),
    r("GET", "/surveys", Action::SurveyRead),
    r("POST", "/surveys", Action::SurveyWrite),
    r("GET", "/surveys/{id}", Action::SurveyRead),
    r("PUT", "/surveys/{id}", Action::SurveyWrite),
    r("GET", "/findings", Action::FindingRead),
    r("POST", "/findings", Action::FindingWrite),
    r("POST", "/findings/{id}/withdraw", Action::FindingWrite),
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
    r("GET", "/mail-in/messages", Action::MailInTriage),
    r("POST", "/mail-in/messages/{id}/open", Action::MailInTriage),
    r("POST", "/mail-in/messages/{id}/dismiss", Action::MailInTriage),
    r("GET", "/webhooks", Action::Webhooks),
    r("PUT", "/webhooks/{name}", Action::Webhooks),
    r("DELETE", "/webhooks/{name}", Action::Webhooks),
    r("POST", "/webhooks/{name}/ping", Action::Webhooks),
];

/// What `method` on `path` (under `/api/v1`, as the OpenAPI document writes it) needs; `None`
/// for a route without a row.
pub fn need(method: &str, path: &str) -> Option<Need> {
    crate::http::routes::need(ROUTES, method, path)
}

/// The middleware around every API route: finds the route's row, authenticates the caller
/// (401 without valid credentials), refuses with 403 who may not do the route's action at all,
/// and hands the caller on to the handler. A route without a row is refused as an internal error.
pub async fn guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    let path = crate::http::routes::matched(&parts, "/api/v1");
    let Some(need) = need(parts.method.as_str(), &path) else {
        return ApiError::from(AppError::Internal(anyhow::anyhow!(
            "no permission rule for {} /api/v1{path}: every route needs a row in api/permissions.rs",
            parts.method
        )))
        .into_response();
    };
    if let Need::Public(_) = need {
        return next.run(Request::from_parts(parts, body)).await;
    }
    let action = crate::http::routes::action(need, &mut parts, &state).await;
    // A write's caller was authenticated before its body was read (`serve`'s `admit`).
    let known = parts.extensions.get::<crate::app::auth::Principal>().cloned();
    let p = match known {
        Some(p) => p,
        None => match crate::http::extract::authenticate(&parts, &state).await {
            Ok(p) => p,
            Err(e) => return ApiError::from(e).into_response(),
        },
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
    crate::http::routes::markdown(
        ROUTES,
        "the `{action}`'s: `ticket.acknowledge` … `ticket.contest`, `ticket.decide` for `approve` and `reject`",
    )
}
