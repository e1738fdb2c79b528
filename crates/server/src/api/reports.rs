//! Reports over HTTP: `GET /reports/breaches` (JSON, CSV, XLSX or printable HTML) and the
//! contracts whose deduction rules the report applies (`/contracts`).
//!
//! Every party may read a report, over the systems it may see; a vendor's people see only what
//! counts against their own vendor. Contracts are read by the buyer's managers and the
//! supervisor, a vendor's managers only their own vendor's, and set by the bureau's managers
//! (see [`crate::app::permissions`]).

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use contract_terms::Contract;

use super::problem::{ApiJson, ApiPath, ApiQuery, ApiResult, Problem};
use crate::app::audit::ClientAddr;
use crate::app::auth::Principal;
use crate::app::reports::export::Format;
use crate::app::reports::request::BreachQuery;
use crate::app::reports::{self as report};
use crate::http::AppState;

/// The breach report for a period: counts, compliance, MTTA/MTTR, breached clocks, vendor
/// scorecard, availability and contract deductions.
#[utoipa::path(get, path = "/reports/breaches", tag = "reports", params(BreachQuery),
    responses((status = 200, body = report::Report, description = "JSON, or the file in the format asked for"),
              (status = 422, body = Problem)))]
pub async fn breaches(
    State(state): State<AppState>,
    p: Principal,
    ApiQuery(q): ApiQuery<BreachQuery>,
) -> ApiResult<Response> {
    render(&state, &p, q, Format::Json).await
}

async fn render(state: &AppState, p: &Principal, q: BreachQuery, default: Format) -> ApiResult<Response> {
    Ok(report::request::breach_report(state, p, q, default)
        .await?
        .into_response())
}

/// Every contract with its deduction rules that the caller may read.
#[utoipa::path(get, path = "/contracts", tag = "reports", responses((status = 200, body = Vec<Object>)))]
pub async fn list_contracts(State(state): State<AppState>, p: Principal) -> ApiResult<Json<Vec<Contract>>> {
    Ok(Json(report::contracts::list(&state, &p).await?))
}

/// One contract with its deduction rules; another vendor's is not found.
#[utoipa::path(get, path = "/contracts/{code}", tag = "reports",
    params(("code" = String, Path, description = "The contract's code")),
    responses((status = 200, body = Object), (status = 404, body = Problem)))]
pub async fn get_contract(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(code): ApiPath<String>,
) -> ApiResult<Json<Contract>> {
    Ok(Json(report::contracts::get(&state, &p, &code).await?))
}

/// Creates or replaces a contract (the bureau's managers and admins).
#[utoipa::path(put, path = "/contracts/{code}", tag = "reports", request_body = Object,
    params(("code" = String, Path, description = "The contract's code")),
    responses((status = 200, body = Object), (status = 422, body = Problem)))]
pub async fn put_contract(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiPath(code): ApiPath<String>,
    ApiJson(c): ApiJson<Contract>,
) -> ApiResult<Json<Contract>> {
    Ok(Json(report::contracts::put(&state, &p, &from, &code, c).await?))
}
