//! Devices (一机一档, see [`crate::app::devices`]): a system's list, one device, the list as a
//! CSV or XLSX file both ways, the devices a ticket names, device availability.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use serde::Deserialize;
use utoipa::IntoParams;

use super::problem::{ApiError, ApiJson, ApiPath, ApiQuery, ApiResult, Problem};
use crate::app::audit::ClientAddr;
use crate::app::auth::Principal;
use crate::app::devices::availability::{self, AvailabilityQuery, SystemDeviceAvailability};
use crate::app::devices::import::{DeviceImportReport, Format};
use crate::app::devices::tickets::{DeviceRef, DeviceTicket, TicketDevices};
use crate::app::devices::{self, DeviceFields, DeviceQuery, DeviceView};
use crate::http::AppState;

/// Largest device file.
pub const DEVICE_FILE_LIMIT: usize = crate::app::devices::import::MAX_FILE_BYTES;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The devices of a system (its code), by code.
#[utoipa::path(get, path = "/systems/{code}/devices", tag = "devices",
    params(("code" = String, Path, description = "The system's code"), DeviceQuery),
    responses((status = 200, body = Vec<DeviceView>), (status = 422, body = Problem)))]
pub async fn list_devices(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(code): ApiPath<String>,
    ApiQuery(q): ApiQuery<DeviceQuery>,
) -> ApiResult<Json<Vec<DeviceView>>> {
    Ok(Json(devices::list(&state, &p, &code, q).await?))
}

/// Adds a device to a system (the buyer's managers, the system's vendor's managers): `code` and
/// `type` required; 409 if the code is taken anywhere.
#[utoipa::path(post, path = "/systems/{code}/devices", tag = "devices",
    params(("code" = String, Path, description = "The system's code")), request_body = DeviceFields,
    responses((status = 201, body = DeviceView), (status = 403, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem)))]
pub async fn create_device(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiPath(code): ApiPath<String>,
    ApiJson(body): ApiJson<DeviceFields>,
) -> ApiResult<(StatusCode, Json<DeviceView>)> {
    Ok((
        StatusCode::CREATED,
        Json(devices::create(&state, &p, &from, &code, body).await?),
    ))
}

/// One device.
#[utoipa::path(get, path = "/devices/{code}", tag = "devices",
    params(("code" = String, Path, description = "The device's 一机一档 code")),
    responses((status = 200, body = DeviceView), (status = 404, body = Problem)))]
pub async fn get_device(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(code): ApiPath<String>,
) -> ApiResult<Json<DeviceView>> {
    Ok(Json(devices::get(&state, &p, &code).await?))
}

/// Changes a device: the fields given (`""` clears a text, a date or a coordinate;
/// `attributes` replaces all of them); its code and system stay.
#[utoipa::path(patch, path = "/devices/{code}", tag = "devices",
    params(("code" = String, Path, description = "The device's 一机一档 code")), request_body = DeviceFields,
    responses((status = 200, body = DeviceView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
pub async fn change_device(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiPath(code): ApiPath<String>,
    ApiJson(body): ApiJson<DeviceFields>,
) -> ApiResult<Json<DeviceView>> {
    Ok(Json(devices::update(&state, &p, &from, &code, body).await?))
}

/// The tickets naming a device, newest first.
#[utoipa::path(get, path = "/devices/{code}/tickets", tag = "devices",
    params(("code" = String, Path, description = "The device's 一机一档 code")),
    responses((status = 200, body = Vec<DeviceTicket>), (status = 404, body = Problem)))]
pub async fn device_tickets(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(code): ApiPath<String>,
) -> ApiResult<Json<Vec<DeviceTicket>>> {
    Ok(Json(devices::tickets::of_device(&state, &p, &code).await?))
}

/// Names the devices a ticket is about, replacing those named (devices of its system only).
#[utoipa::path(put, path = "/tickets/{number}/devices", tag = "devices",
    params(("number" = String, Path, description = "INC-2026-000001")), request_body = TicketDevices,
    responses((status = 200, body = Vec<DeviceRef>), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
pub async fn name_ticket_devices(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiPath(number): ApiPath<String>,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> ApiResult<Json<Vec<DeviceRef>>> {
    Ok(Json(devices::tickets::set(&state, &p, &from, &number, body).await?))
}

/// The device availability of a system over `[from, to)`: per device, and over its main devices
/// (`1 − Σ outage / Σ measured`).
#[utoipa::path(get, path = "/systems/{code}/device-availability", tag = "devices",
    params(("code" = String, Path, description = "The system's code"), AvailabilityQuery),
    responses((status = 200, body = SystemDeviceAvailability), (status = 422, body = Problem)))]
pub async fn device_availability(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(code): ApiPath<String>,
    ApiQuery(q): ApiQuery<AvailabilityQuery>,
) -> ApiResult<Json<SystemDeviceAvailability>> {
    Ok(Json(availability::of_system(&state, &p, &code, q).await?))
}

/// The file's form.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ExportParams {
    /// `csv` or `xlsx` (default).
    pub format: Option<String>,
}

/// A system's device list as a file that the import reads back unchanged.
#[utoipa::path(get, path = "/systems/{code}/devices/export", tag = "devices",
    params(("code" = String, Path, description = "The system's code"), ExportParams),
    responses((status = 200, content_type = "text/csv", body = String),
        (status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
        (status = 422, body = Problem)))]
pub async fn export_devices(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(code): ApiPath<String>,
    ApiQuery(q): ApiQuery<ExportParams>,
) -> ApiResult<impl IntoResponse> {
    let format = match q.format.as_deref() {
        None | Some("xlsx") => Format::Xlsx,
        Some("csv") => Format::Csv,
        Some(other) => {
            return Err(crate::app::AppError::invalid("format", format!("{other:?}: expected csv or xlsx")).into());
        }
    };
    let (name, bytes) = devices::export::export(&state, &p, &code, format).await?;
    let media = if format == Format::Csv {
        "text/csv; charset=utf-8"
    } else {
        XLSX
    };
    Ok((
        [
            (header::CONTENT_TYPE, media.to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        bytes,
    ))
}

/// Imports a system's device list, all or nothing: the body is the file, sent as
/// `Content-Type: text/csv` or the XLSX type. Every problem (row, column) is listed; nothing is
/// written unless there is none. Devices are matched by code.
#[utoipa::path(post, path = "/systems/{code}/devices/import", tag = "devices",
    params(("code" = String, Path, description = "The system's code")),
    request_body(content = Vec<u8>, content_type = "text/csv"),
    responses((status = 200, body = DeviceImportReport), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn import_devices(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiPath(code): ApiPath<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<DeviceImportReport>> {
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::TooLarge(format!(
                "the device file is over {} MiB; split it",
                DEVICE_FILE_LIMIT / (1024 * 1024)
            ))
        } else {
            ApiError::Malformed(format!("cannot read the request body: {e}"))
        }
    })?;
    let media = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let format = match media.split(';').next().unwrap_or("").trim() {
        "text/csv" => Format::Csv,
        XLSX => Format::Xlsx,
        _ => {
            return Err(ApiError::UnsupportedMediaType(format!(
                "send the device list as Content-Type: text/csv or {XLSX} (got {:?})",
                if media.is_empty() { "none" } else { media.as_str() }
            )));
        }
    };
    Ok(Json(
        devices::import::import(&state, &p, &from, &code, format, &body).await?,
    ))
}
