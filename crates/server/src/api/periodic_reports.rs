//! Periodic reports (定期报告, `/periodic-reports`): the reports a contract asks the vendor to hand
//! in at fixed times, with their due dates (see [`crate::app::periodic_reports`]).

use axum::Json;
use axum::extract::State;
use axum::response::Response;

use super::problem::{ApiJson, ApiPath, ApiQuery, ApiResult, Problem};
use crate::app::audit::ClientAddr;
use crate::app::auth::Principal;
use crate::app::periodic_reports::{self, NarrativeChange, PeriodicReportQuery, PeriodicReportView, ReportAct};
use crate::http::AppState;

/// The reports of the contracts the caller reads, newest period first.
#[utoipa::path(get, path = "/periodic-reports", tag = "periodic-reports", params(PeriodicReportQuery),
    responses((status = 200, body = Vec<PeriodicReportView>), (status = 403, body = Problem),
        (status = 422, body = Problem)))]
pub async fn list_periodic_reports(
    State(state): State<AppState>,
    p: Principal,
    ApiQuery(q): ApiQuery<PeriodicReportQuery>,
) -> ApiResult<Json<Vec<PeriodicReportView>>> {
    Ok(Json(periodic_reports::list(&state, &p, q).await?))
}

/// A report, with its sections (as submitted once submitted; as the record reads now before).
#[utoipa::path(get, path = "/periodic-reports/{number}", tag = "periodic-reports",
    params(("number" = String, Path, description = "RPT-7")),
    responses((status = 200, body = PeriodicReportView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_periodic_report(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(number): ApiPath<String>,
) -> ApiResult<Json<PeriodicReportView>> {
    Ok(Json(periodic_reports::get(&state, &p, &number).await?))
}

/// Writes narrative parts of an open report (the vendor's people).
#[utoipa::path(patch, path = "/periodic-reports/{number}", tag = "periodic-reports",
    params(("number" = String, Path, description = "RPT-7")), request_body = NarrativeChange,
    responses((status = 200, body = PeriodicReportView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn change_periodic_report(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiPath(number): ApiPath<String>,
    ApiJson(body): ApiJson<NarrativeChange>,
) -> ApiResult<Json<PeriodicReportView>> {
    Ok(Json(periodic_reports::change(&state, &p, &from, &number, body).await?))
}

/// Submits a report (the vendor's people): every narrative part written; the sections are
/// frozen; the bureau's managers are mailed the DOCX.
#[utoipa::path(post, path = "/periodic-reports/{number}/submit", tag = "periodic-reports",
    params(("number" = String, Path, description = "RPT-7")), request_body = ReportAct,
    responses((status = 200, body = PeriodicReportView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn submit_periodic_report(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiPath(number): ApiPath<String>,
    ApiJson(body): ApiJson<ReportAct>,
) -> ApiResult<Json<PeriodicReportView>> {
    Ok(Json(periodic_reports::submit(&state, &p, &from, &number, body).await?))
}

/// Acknowledges a submitted report (the bureau's managers).
#[utoipa::path(post, path = "/periodic-reports/{number}/acknowledge", tag = "periodic-reports",
    params(("number" = String, Path, description = "RPT-7")), request_body = ReportAct,
    responses((status = 200, body = PeriodicReportView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn acknowledge_periodic_report(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiPath(number): ApiPath<String>,
    ApiJson(body): ApiJson<ReportAct>,
) -> ApiResult<Json<PeriodicReportView>> {
    Ok(Json(
        periodic_reports::decide(&state, &p, &from, &number, "acknowledge", body).await?,
    ))
}

/// Returns a submitted report to the vendor with a reason (`note`; the bureau's managers): it is
/// open again, due at the same instant.
#[utoipa::path(post, path = "/periodic-reports/{number}/return", tag = "periodic-reports",
    params(("number" = String, Path, description = "RPT-7")), request_body = ReportAct,
    responses((status = 200, body = PeriodicReportView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn return_periodic_report(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiPath(number): ApiPath<String>,
    ApiJson(body): ApiJson<ReportAct>,
) -> ApiResult<Json<PeriodicReportView>> {
    Ok(Json(
        periodic_reports::decide(&state, &p, &from, &number, "return", body).await?,
    ))
}

/// The report as a Word file (DOCX).
#[utoipa::path(get, path = "/periodic-reports/{number}/docx", tag = "periodic-reports",
    params(("number" = String, Path, description = "RPT-7")),
    responses((status = 200, description = "The Word file",
        content((Vec<u8> = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"))),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn periodic_report_docx(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(number): ApiPath<String>,
) -> ApiResult<Response> {
    let (name, bytes) = periodic_reports::docx_file(&state, &p, &number).await?;
    Ok(crate::http::docx_response(&name, bytes))
}
