//! Reports over HTTP: `GET /reports/breaches` (JSON, CSV, XLSX or printable HTML) and the
//! contracts whose deduction rules the report applies (`/contracts`).
//!
//! Everyone signed in may read a report, over the systems they may see; a vendor's people see
//! only what counts against their own vendor. Contracts are listed to managers and admins and
//! set by admins.

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use contract_terms::Contract;
use sea_orm::EntityTrait;
use serde::Deserialize;
use utoipa::IntoParams;

use super::AppState;
use super::problem::{ApiError, ApiJson, ApiPath, ApiQuery, ApiResult, Problem};
use crate::audit::{self, ClientAddr};
use crate::auth::{Principal, Role, Scope};
use crate::db::entities::vendors;
use crate::reports::export::{self, Format};
use crate::reports::{self as report, Filters, Period};

/// The query of `GET /reports/breaches`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BreachQuery {
    /// The period: `2026-03`, `2026-Q1`, `2026` or `2026-03-01..2026-03-15`.
    pub period: String,
    /// Only this unit (code).
    pub unit: Option<String>,
    /// Only this vendor (code).
    pub vendor: Option<String>,
    /// Only this system (code).
    pub system: Option<String>,
    /// Only this kind.
    pub kind: Option<String>,
    /// Only this severity.
    pub severity: Option<String>,
    /// `json` (default), `csv`, `xlsx` or `html`.
    pub format: Option<String>,
    /// For CSV: the section (summary, clocks, latency, breached, vendors, availability,
    /// deductions; default breached).
    pub section: Option<String>,
    /// The zone days are counted in (default Asia/Shanghai).
    pub timezone: Option<String>,
    /// Report as of this instant (default now; never later than now).
    pub as_of: Option<DateTime<Utc>>,
}

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

/// The same report as a page (`/reports/breaches?period=…`, linked from the monthly email).
pub async fn page(
    State(state): State<AppState>,
    p: Principal,
    ApiQuery(q): ApiQuery<BreachQuery>,
) -> ApiResult<Response> {
    render(&state, &p, q, Format::Html).await
}

/// A report request, checked against the caller: the period, the filters (a vendor's people
/// get their own vendor's), the systems they see, and whether contract deductions are theirs.
pub(crate) struct Authorized {
    /// The period.
    pub period: Period,
    /// The filters.
    pub filters: Filters,
    /// The systems the caller sees (`None`: all).
    pub visible: Option<Vec<i64>>,
    /// The instant judged.
    pub as_of: chrono::DateTime<Utc>,
    /// Whether the deductions section is for this reader.
    pub with_deductions: bool,
}

/// Checks `q` for `p` (see [`Authorized`]).
pub(crate) async fn authorize(state: &AppState, p: &Principal, q: &BreachQuery) -> ApiResult<Authorized> {
    let zone: chrono_tz::Tz = match &q.timezone {
        Some(z) => z
            .parse()
            .map_err(|_| ApiError::invalid("timezone", format!("{z:?} is not an IANA time zone")))?,
        None => chrono_tz::Asia::Shanghai,
    };
    let period = Period::parse(&q.period, zone).map_err(|e| ApiError::invalid("period", e))?;
    let mut filters = Filters {
        unit: q.unit.clone(),
        vendor: q.vendor.clone(),
        system: q.system.clone(),
        kind: q.kind.clone(),
        severity: q.severity.clone(),
    };
    if let Scope::Vendor(own) = p.scope {
        let Some(own) = vendors::Entity::find_by_id(own).one(&state.db).await?.map(|v| v.code) else {
            return Err(ApiError::Forbidden("your vendor no longer exists".into()));
        };
        match &filters.vendor {
            Some(asked) if *asked != own => {
                return Err(ApiError::Forbidden(format!(
                    "you may read only your own vendor's report ({own})"
                )));
            }
            _ => filters.vendor = Some(own),
        }
    }
    if p.role != Role::Admin && period.to - period.from > chrono::TimeDelta::days(366) {
        return Err(ApiError::invalid(
            "period",
            "at most a year at a time (admins may ask for more, or use opsclock report)",
        ));
    }
    // Contract prices and deduction evidence span all of a contract's systems: managers who see
    // everything, or their own vendor's.
    let with_deductions =
        matches!(p.role, Role::Admin | Role::Manager) && matches!(p.scope, Scope::All | Scope::Vendor(_));
    let visible = crate::api::catalog::visible_system_ids(&state.db, p).await?;
    let now = state.now();
    Ok(Authorized {
        period,
        filters,
        visible,
        as_of: q.as_of.map_or(now, |t| t.min(now)),
        with_deductions,
    })
}

async fn render(state: &AppState, p: &Principal, q: BreachQuery, default: Format) -> ApiResult<Response> {
    let format: Format = match &q.format {
        Some(f) => f.parse().map_err(|e: String| ApiError::invalid("format", e))?,
        None => default,
    };
    let a = authorize(state, p, &q).await?;
    let r = report::breaches(
        &state.db,
        &state.calendars.snapshot(),
        a.period,
        a.filters,
        a.visible,
        a.as_of,
        a.with_deductions,
    )
    .await?;
    let bytes = match format {
        Format::Json => return Ok(Json(r).into_response()),
        Format::Csv => export::csv::write(&r, q.section.as_deref().unwrap_or("breached"))
            .map_err(|e| ApiError::invalid("section", e))?,
        Format::Xlsx => export::xlsx::write(&r).map_err(|e| ApiError::Internal(anyhow::anyhow!("XLSX: {e}")))?,
        Format::Html => export::html::write(&r).into_bytes(),
    };
    let disposition = if format == Format::Html {
        "inline".to_owned()
    } else {
        format!("attachment; filename=\"{}\"", export::file_name(&r, format))
    };
    Ok((
        [
            (header::CONTENT_TYPE, format.content_type().to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        Body::from(bytes),
    )
        .into_response())
}

/// Every contract with its deduction rules.
#[utoipa::path(get, path = "/contracts", tag = "reports", responses((status = 200, body = Vec<Object>)))]
pub async fn list_contracts(State(state): State<AppState>, p: Principal) -> ApiResult<Json<Vec<Contract>>> {
    p.require_manager()?;
    Ok(Json(
        report::deductions::list(&state.db)
            .await?
            .into_iter()
            .map(|s| s.contract)
            .collect(),
    ))
}

/// Creates or replaces a contract (admins).
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
    p.require_admin()?;
    super::same_code(&code, &c.code)?;
    let txn = state.begin_write().await?;
    let now = state.now();
    if report::deductions::set(&txn, c.clone(), now).await? {
        audit::record(
            &txn,
            Some(p.user_id),
            "contract.set",
            &c.code,
            serde_json::json!(c),
            &from,
            now,
        )
        .await?;
    }
    txn.commit().await?;
    Ok(Json(c))
}
