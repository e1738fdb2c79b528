//! Attachments on tickets over HTTP: upload (`multipart/form-data`), list, download. The rules
//! (kinds, limits, storage, who) are [`crate::app::attachments`]'s; here the body is read and the
//! file sent back with headers that keep a browser from running it.

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::problem::{ApiError, ApiPath, ApiResult, Problem};
use crate::app::attachments::{self, AttachmentView, Upload};
use crate::app::audit::ClientAddr;
use crate::app::auth::Principal;
use crate::http::AppState;
use crate::http::multipart;

/// The form of `POST /tickets/{number}/attachments`: one or more parts named `file`.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct AttachmentForm {
    /// A file (several `file` parts attach several files, all or none).
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// Attaches files to a ticket: `multipart/form-data` with one or more parts named `file` (their
/// names and types as the client sends them; the type is told by the content). Whoever may act
/// on the ticket (comment on it) may; all the files or none. 413 when the request is over
/// `[attachments] max_file_mib` plus 256 KiB; 422 (`file`) for a kind refused, an empty file, a
/// file over `max_file_mib`, or over `max_ticket_mib` / `quota_gib` (saying what is used). The
/// same file again on the ticket answers the attachment already there.
#[utoipa::path(post, path = "/tickets/{number}/attachments", tag = "tickets",
    params(("number" = String, Path)),
    request_body(content = AttachmentForm, content_type = "multipart/form-data"),
    responses((status = 201, body = Vec<AttachmentView>), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 413, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
pub async fn upload_attachments(
    State(state): State<AppState>,
    p: Principal,
    from: ClientAddr,
    ApiPath(number): ApiPath<String>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<(StatusCode, Json<Vec<AttachmentView>>)> {
    // Who may, and whether the ticket is there for them, before a byte of the body is read.
    attachments::check_upload(&state, &p, &number).await?;
    let limit = state.attachments.request_limit();
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let Some(boundary) = multipart::boundary(content_type) else {
        return Err(ApiError::UnsupportedMediaType(format!(
            "send the files as multipart/form-data, each in a part named file (got {:?})",
            if content_type.is_empty() {
                "no Content-Type"
            } else {
                content_type
            }
        )));
    };
    let body = axum::body::to_bytes(body, limit).await.map_err(|e| {
        if crate::http::limits::over_limit(&e) {
            ApiError::TooLarge(format!(
                "the request is over {limit} bytes: a file is at most {} MiB ([attachments] max_file_mib), \
                 send large files one per request",
                state.attachments.max_file / (1024 * 1024)
            ))
        } else {
            ApiError::Malformed(format!("cannot read the request body: {e}"))
        }
    })?;
    let parts = multipart::parts(&body, &boundary)
        .ok_or_else(|| ApiError::Malformed("the multipart/form-data body could not be read".into()))?;
    let files: Vec<Upload<'_>> = parts
        .iter()
        .filter(|p| p.name == "file")
        .map(|p| Upload {
            name: p.file_name.as_deref().unwrap_or(""),
            declared_type: p.content_type.as_deref(),
            bytes: p.data,
        })
        .collect();
    let stored = attachments::upload(&state, &p, &from, &number, &files).await?;
    Ok((StatusCode::CREATED, Json(stored)))
}

/// A ticket's attachments, oldest first, without their bytes. Whoever may read the ticket.
#[utoipa::path(get, path = "/tickets/{number}/attachments", tag = "tickets",
    params(("number" = String, Path)),
    responses((status = 200, body = Vec<AttachmentView>), (status = 404, body = Problem)))]
pub async fn list_attachments(
    State(state): State<AppState>,
    p: Principal,
    ApiPath(number): ApiPath<String>,
) -> ApiResult<Json<Vec<AttachmentView>>> {
    Ok(Json(attachments::list(&state, &p, &number).await?))
}

/// An attachment as it was sent, always as a download (`Content-Disposition: attachment`, the
/// name also as RFC 5987 `filename*`), with the type told by its content, `nosniff` and a
/// sandboxing Content-Security-Policy; its SHA-256 in `ETag`. Whoever may read the ticket.
#[utoipa::path(get, path = "/tickets/{number}/attachments/{id}", tag = "tickets",
    params(("number" = String, Path), ("id" = i64, Path, description = "the attachment's id")),
    responses((status = 200, description = "The file as it was attached, its type told by its content (image/png, application/pdf …; application/octet-stream when unknown)", content((Vec<u8> = "*/*"))),
        (status = 404, body = Problem)))]
pub async fn download_attachment(
    State(state): State<AppState>,
    p: Principal,
    ApiPath((number, id)): ApiPath<(String, i64)>,
) -> ApiResult<Response> {
    let (view, bytes) = attachments::get(&state, &p, &number, id).await?;
    Ok(file_response(&view, bytes))
}

/// The answer carrying attachment `view`'s `bytes`.
fn file_response(view: &AttachmentView, bytes: Vec<u8>) -> Response {
    let mut r = bytes.into_response();
    let h = r.headers_mut();
    let value =
        |s: &str| HeaderValue::from_str(s).unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    h.insert(header::CONTENT_TYPE, value(&view.content_type));
    if let Ok(v) = HeaderValue::from_str(&content_disposition(&view.name)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
    if let Ok(v) = HeaderValue::from_str(&format!("\"{}\"", view.sha256)) {
        h.insert(header::ETAG, v);
    }
    r
}

/// `attachment; filename="…"; filename*=UTF-8''…`: the name in ASCII for old clients (other
/// characters as `_`), and whole, percent-encoded, per RFC 5987 / RFC 6266.
pub fn content_disposition(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(char::from(b));
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chinese_name_is_offered_whole_and_in_ascii() {
        assert_eq!(
            content_disposition("机房 1.png"),
            "attachment; filename=\"__ 1.png\"; filename*=UTF-8''%E6%9C%BA%E6%88%BF%201.png"
        );
        assert_eq!(
            content_disposition("a\"b.txt"),
            "attachment; filename=\"a_b.txt\"; filename*=UTF-8''a%22b.txt"
        );
    }
}
