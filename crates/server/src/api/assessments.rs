//! Assessments (考核, `/assessments`): a contract's month assessed, sent, agreed or disputed,
//! signed by each required party, final (see [`crate::app::assessments`]). Each act is its own
//! route, so that each needs its own permission. The record downloads as a workbook, and the
//! scanned signed copies are attached and fetched here too.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use serde::Deserialize;
use utoipa::IntoParams;

use super::problem::{ApiError, ApiJson, ApiPath, ApiQuery, ApiResult, Problem};
use crate::app::assessments::scans::{self, ScanView};
use crate::app::assessments::{self, ActBody, AssessmentQuery, AssessmentView, NewAssessment, acts};
use crate::app::audit::ClientAddr;
use crate::app::auth::Principal;
use crate::app::reports::export::Format;
use crate::http::AppState;

use crate::app::assessments::id_of;

/// The assessments the caller may read, newest month first.
#[utoipa::path(get, path = "/assessments", tag = "assessments", params(AssessmentQuery),
    responses((status = 200, body = Vec<AssessmentView>), (status = 422, body = Problem)))]
pub async fn list_assessments(
    State(state): State<AppState>,
    p: Principal,
    ApiQuery(q): ApiQuery<AssessmentQuery>,
) -> ApiResult<Json<Vec<AssessmentView>>> {
    Ok(Json(assessments::list(&state, &p, q).await?))
}

/// Creates a draft assessment of a contract's month, its figures measured now (the bureau's
/// managers, a unit's managers for their unit). 409 if the month is assessed already.
#[utoipa::path(post, path = "/assessments", tag = "assessments", request_body = NewAssessment,
    responses((status = 201, body = AssessmentView), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_assessment(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiJson(body): ApiJson<NewAssessment>,
) -> ApiResult<(StatusCode, Json<AssessmentView>)> {
    Ok((
        StatusCode::CREATED,
        Json(assessments::create(&state, &p, &from, body).await?),
    ))
}

/// An assessment with its figures and its thread of acts.
#[utoipa::path(get, path = "/assessments/{id}", tag = "assessments",
    params(("id" = String, Path, description = "12 or A-12")),
    responses((status = 200, body = AssessmentView), (status = 404, body = Problem)))]
pub async fn get_assessment(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<AssessmentView>> {
    Ok(Json(assessments::get(&state, &p, id_of(&id)?).await?))
}

/// The figures exactly as stored: the text whose SHA-256 is the content hash a signature names.
#[utoipa::path(get, path = "/assessments/{id}/snapshot", tag = "assessments",
    params(("id" = String, Path, description = "12 or A-12")),
    responses((status = 200, content_type = "application/json", body = Object), (status = 404, body = Problem)))]
pub async fn assessment_snapshot(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<impl IntoResponse> {
    let text = assessments::snapshot(&state, &p, id_of(&id)?).await?;
    Ok(([(header::CONTENT_TYPE, "application/json")], text))
}

/// Measures the figures again from the month's tickets (the buyer): back to a draft; every signature given is void.
#[utoipa::path(post, path = "/assessments/{id}/revise", tag = "assessments",
    params(("id" = String, Path, description = "12 or A-12")), request_body = ActBody,
    responses((status = 200, body = AssessmentView), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn revise_assessment(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<ActBody>,
) -> ApiResult<Json<AssessmentView>> {
    Ok(Json(acts::act(&state, &p, &from, id_of(&id)?, "revise", body).await?))
}

/// Sends the figures to the vendor (the buyer); `hash`, if given, must be the current content hash.
#[utoipa::path(post, path = "/assessments/{id}/send", tag = "assessments",
    params(("id" = String, Path, description = "12 or A-12")), request_body = ActBody,
    responses((status = 200, body = AssessmentView), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn send_assessment(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<ActBody>,
) -> ApiResult<Json<AssessmentView>> {
    Ok(Json(acts::act(&state, &p, &from, id_of(&id)?, "send", body).await?))
}

/// Keeps the figures after a dispute and asks the vendor again (the buyer).
#[utoipa::path(post, path = "/assessments/{id}/maintain", tag = "assessments",
    params(("id" = String, Path, description = "12 or A-12")), request_body = ActBody,
    responses((status = 200, body = AssessmentView), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn maintain_assessment(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<ActBody>,
) -> ApiResult<Json<AssessmentView>> {
    Ok(Json(acts::act(&state, &p, &from, id_of(&id)?, "maintain", body).await?))
}

/// Agrees to the figures sent (the vendor).
#[utoipa::path(post, path = "/assessments/{id}/agree", tag = "assessments",
    params(("id" = String, Path, description = "12 or A-12")), request_body = ActBody,
    responses((status = 200, body = AssessmentView), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn agree_assessment(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<ActBody>,
) -> ApiResult<Json<AssessmentView>> {
    Ok(Json(acts::act(&state, &p, &from, id_of(&id)?, "agree", body).await?))
}

/// Disputes the figures sent, point by point (the vendor); `points` is required.
#[utoipa::path(post, path = "/assessments/{id}/dispute", tag = "assessments",
    params(("id" = String, Path, description = "12 or A-12")), request_body = ActBody,
    responses((status = 200, body = AssessmentView), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn dispute_assessment(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<ActBody>,
) -> ApiResult<Json<AssessmentView>> {
    Ok(Json(acts::act(&state, &p, &from, id_of(&id)?, "dispute", body).await?))
}

/// Adds a message to a disputed assessment's thread (any party); `text` is required.
#[utoipa::path(post, path = "/assessments/{id}/reply", tag = "assessments",
    params(("id" = String, Path, description = "12 or A-12")), request_body = ActBody,
    responses((status = 200, body = AssessmentView), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn reply_assessment(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<ActBody>,
) -> ApiResult<Json<AssessmentView>> {
    Ok(Json(acts::act(&state, &p, &from, id_of(&id)?, "reply", body).await?))
}

/// Signs for the caller's party; `hash` is the content hash the signer read (409 if the figures changed since).
#[utoipa::path(post, path = "/assessments/{id}/sign", tag = "assessments",
    params(("id" = String, Path, description = "12 or A-12")), request_body = ActBody,
    responses((status = 200, body = AssessmentView), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn sign_assessment(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<ActBody>,
) -> ApiResult<Json<AssessmentView>> {
    Ok(Json(acts::act(&state, &p, &from, id_of(&id)?, "sign", body).await?))
}

/// Reopens a final assessment (admins), with a `reason`: back to a draft, signatures void.
#[utoipa::path(post, path = "/assessments/{id}/reopen", tag = "assessments",
    params(("id" = String, Path, description = "12 or A-12")), request_body = ActBody,
    responses((status = 200, body = AssessmentView), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn reopen_assessment(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<ActBody>,
) -> ApiResult<Json<AssessmentView>> {
    Ok(Json(acts::act(&state, &p, &from, id_of(&id)?, "reopen", body).await?))
}

/// The record as an Excel workbook: the figures (tickets, clocks, mean times, availability,
/// deductions, satisfaction, the scored month, rectification orders), the thread of acts, each
/// party's signature and the content hash, the scans attached; Chinese headers.
#[utoipa::path(get, path = "/assessments/{id}/record.xlsx", tag = "assessments",
    params(("id" = String, Path, description = "12 or A-12")),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
        (status = 404, body = Problem)))]
pub async fn assessment_record_xlsx(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<impl IntoResponse> {
    let (name, bytes) = assessments::record::xlsx(&state, &p, id_of(&id)?).await?;
    Ok((
        [
            (header::CONTENT_TYPE, Format::Xlsx.content_type().to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        bytes,
    ))
}

/// Options of an upload.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ScanParams {
    /// The file's name, kept to show (its type is told by its first bytes, not by the name).
    #[serde(default)]
    pub name: Option<String>,
}

/// Attaches a scanned signed copy: the body is the file, sent as `Content-Type:
/// application/pdf`, `image/png` or `image/jpeg`, at most 10 MiB, its type checked by its first
/// bytes. Any party of the assessment with its own account (the supervisor where it signs; not
/// an administrator's). Changes neither the figures nor the content hash. 409 for the same file
/// twice; 422 (`file`) beyond 20 scans or 50 MiB in all on one assessment.
#[utoipa::path(post, path = "/assessments/{id}/scans", tag = "assessments",
    params(("id" = String, Path, description = "12 or A-12"), ScanParams),
    request_body(content((Vec<u8> = "application/pdf"), (Vec<u8> = "image/png"), (Vec<u8> = "image/jpeg"))),
    responses((status = 201, body = ScanView), (status = 403, body = Problem), (status = 409, body = Problem),
        (status = 413, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
pub async fn attach_scan(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiPath(id): ApiPath<String>,
    ApiQuery(params): ApiQuery<ScanParams>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<(StatusCode, Json<ScanView>)> {
    let id = id_of(&id)?;
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::TooLarge(format!("a scan is at most {} MiB", scans::MAX_BYTES / (1024 * 1024)))
        } else {
            ApiError::Malformed(format!("cannot read the request body: {e}"))
        }
    })?;
    let media = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let essence = media.split(';').next().unwrap_or("").trim().to_owned();
    // Only the types a scan is: a form of another site can send none of them without asking.
    if !["application/pdf", "image/png", "image/jpeg"].contains(&essence.as_str()) {
        return Err(ApiError::UnsupportedMediaType(format!(
            "send the scan as Content-Type: application/pdf, image/png or image/jpeg (got {:?})",
            if media.is_empty() { "none" } else { media.as_str() }
        )));
    }
    let scan = scans::NewScan {
        bytes: &body,
        declared: Some(&essence),
        file_name: params.name.as_deref(),
    };
    Ok((
        StatusCode::CREATED,
        Json(scans::attach(&state, &p, &from, id, scan).await?),
    ))
}

/// The scanned signed copies attached, oldest first (without their bytes); `current` is false
/// for a scan of figures revised since.
#[utoipa::path(get, path = "/assessments/{id}/scans", tag = "assessments",
    params(("id" = String, Path, description = "12 or A-12")),
    responses((status = 200, body = Vec<ScanView>), (status = 404, body = Problem)))]
pub async fn list_scans(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Vec<ScanView>>> {
    Ok(Json(scans::list(&state, &p, id_of(&id)?).await?))
}

/// A scanned signed copy, as it was attached (its SHA-256 in `ETag`).
#[utoipa::path(get, path = "/assessments/{id}/scans/{n}", tag = "assessments",
    params(("id" = String, Path, description = "12 or A-12"), ("n" = i32, Path, description = "the scan's number, from 1")),
    responses((status = 200, description = "The file as it was attached",
        content((Vec<u8> = "application/pdf"), (Vec<u8> = "image/png"), (Vec<u8> = "image/jpeg"))),
        (status = 404, body = Problem)))]
pub async fn get_scan(
    State(state): State<AppState>,
    p: Principal,
    ApiPath((id, n)): ApiPath<(String, i32)>,
) -> ApiResult<impl IntoResponse> {
    let id = id_of(&id)?;
    let (scan, bytes) = scans::get(&state, &p, id, n).await?;
    Ok((
        [
            (header::CONTENT_TYPE, scan.media_type.clone()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", scans::download_name(id, &scan)),
            ),
            (header::ETAG, format!("\"{}\"", scan.sha256)),
        ],
        bytes,
    ))
}
