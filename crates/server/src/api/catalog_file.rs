//! The catalogue file over HTTP: `POST /catalog/import` (admins upload a file, optionally as a dry
//! run) and `GET /catalog/export`. Same format, same checks and same single transaction as
//! `opsclock import catalog`.

use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::IntoResponse;
use axum::{Json, http::StatusCode};
use serde::Deserialize;
use utoipa::IntoParams;

use super::problem::{ApiError, ApiQuery, ApiResult};
use crate::app::audit::ClientAddr;
use crate::app::auth::Principal;
use crate::app::catalog::{self, ImportReport};
use crate::http::AppState;

/// Largest catalogue upload (the 154-system file is about 220 KiB).
pub const CATALOG_LIMIT: usize = 4 * 1024 * 1024;

/// Options of an import.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ImportParams {
    /// Check and report what would happen; write nothing.
    #[serde(default)]
    pub dry_run: bool,
    /// Keep the service dates and fees set by hand (`PATCH /systems/{id}`, the system's page) where
    /// the file's differ; by default the file's replace them. Either way `plan.hand_set` lists each.
    #[serde(default)]
    pub keep_hand_set: bool,
}

/// Imports a catalogue file (admins): the body is the TOML text, sent as
/// `Content-Type: application/toml` (no other type: a page of another site can send `text/plain`
/// without asking). Every problem of an invalid file is listed in `problems`; nothing is written.
#[utoipa::path(post, path = "/catalog/import", tag = "catalogue", params(ImportParams),
    request_body(content = String, content_type = "application/toml"),
    responses((status = 200, body = ImportReport), (status = 422, body = super::problem::Problem)))]
pub async fn import_catalog(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiQuery(params): ApiQuery<ImportParams>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<ImportReport>> {
    crate::app::permissions::check(&p, crate::app::permissions::Action::CatalogFile)?;
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::TooLarge(format!(
                "the catalogue file is over {} MiB; split it (an import never removes what a file leaves out)",
                CATALOG_LIMIT / (1024 * 1024)
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
    // Only its own type: `text/plain` is one a form of another site may send without asking.
    let essence = media.split(';').next().unwrap_or("").trim();
    if essence != "application/toml" {
        return Err(ApiError::UnsupportedMediaType(format!(
            "send the catalogue file as Content-Type: application/toml (got {:?})",
            if media.is_empty() { "none" } else { media.as_str() }
        )));
    }
    let text = std::str::from_utf8(&body)
        .map_err(|e| ApiError::Malformed(format!("the catalogue file is not UTF-8 text: {e}")))?;
    let options = catalog::ImportOptions {
        dry_run: params.dry_run,
        keep_hand_set: params.keep_hand_set,
    };
    Ok(Json(catalog::upload(&state, &p, &from, text, options).await?))
}

/// Exports the catalogue as a TOML file that `POST /catalog/import` and `opsclock import catalog`
/// read back unchanged (admins: the file holds every unit's systems).
#[utoipa::path(get, path = "/catalog/export", tag = "catalogue",
    responses((status = 200, content_type = "application/toml", body = String)))]
pub async fn export_catalog(State(state): State<AppState>, p: Principal) -> ApiResult<impl IntoResponse> {
    crate::app::permissions::check(&p, crate::app::permissions::Action::CatalogFile)?;
    let text = catalog::to_toml_off_thread(catalog::export::export(&state.db).await?).await?;
    Ok((
        StatusCode::OK,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/toml; charset=utf-8"),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("attachment; filename=\"catalog.toml\""),
            ),
        ],
        text,
    ))
}
