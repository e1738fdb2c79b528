//! Errors as `application/problem+json` (RFC 9457) with stable `type`s.
//!
//! Every error a client can get has a `type` of the form `/problems/<slug>` (relative to the
//! server), a `title` that never changes for that type, a `status`, and a `detail` written for the
//! person who has to act on it. Some carry extension members: `field` for the offending input,
//! `current_version` on a version conflict, `allowed` on an invalid transition, `problems` on an
//! invalid uploaded file.

use axum::Json;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::AppError;

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// Stable identifier of the kind of problem, e.g. `/problems/not-found`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Short, fixed summary of the kind.
    pub title: &'static str,
    /// HTTP status.
    pub status: u16,
    /// What happened, for a person.
    pub detail: String,
    /// The input field at fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// On a version conflict: the ticket's current version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_version: Option<i64>,
    /// On an invalid transition: the actions allowed now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed: Option<Vec<String>>,
    /// On an invalid file: every problem, with its line and key path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problems: Option<Vec<crate::app::catalog::Problem>>,
}

/// Everything a handler can fail with: a use case's [`AppError`], or what only HTTP can get
/// wrong (the body, the method, the media type, the time taken).
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A use case failed.
    #[error(transparent)]
    App(#[from] AppError),
    /// The request body is not JSON, or the query string cannot be read.
    #[error("{0}")]
    Malformed(String),
    /// The body is over the limit.
    #[error("{0}")]
    TooLarge(String),
    /// The path exists, the method does not.
    #[error("{0}")]
    MethodNotAllowed(String),
    /// The body is not `application/json`.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// The request took longer than `[server] request_timeout_secs`.
    #[error("{0}")]
    Timeout(String),
}

impl ApiError {
    /// What to tell the caller (see [`AppError::detail`]).
    pub fn detail(&self) -> String {
        match self {
            ApiError::App(e) => e.detail(),
            other => other.to_string(),
        }
    }

    /// The HTTP status it answers with.
    pub fn status(&self) -> StatusCode {
        self.parts().0
    }

    /// Status, problem `type` slug and title: the one table from errors to problem types (the
    /// status of a use case's error is [`crate::http::status_of`]'s, shared with the pages).
    fn parts(&self) -> (StatusCode, &'static str, &'static str) {
        match self {
            ApiError::App(e) => {
                let (slug, title) = match e {
                    AppError::Internal(_) if e.calendar_not_covered().is_some() => {
                        ("calendar-not-covered", "The calendar cannot answer for that time")
                    }
                    AppError::Unauthorized(_) => ("unauthorized", "Authentication required"),
                    AppError::Forbidden(_) => ("forbidden", "Not allowed for your role"),
                    AppError::NotFound(_) => ("not-found", "Not found"),
                    AppError::Invalid { .. } => ("invalid", "Invalid input"),
                    AppError::InvalidFile { .. } => ("invalid-file", "Invalid file"),
                    AppError::VersionConflict { .. } => ("version-conflict", "Version conflict"),
                    AppError::InvalidTransition { .. } => ("invalid-transition", "Action not allowed now"),
                    AppError::Duplicate(_) => ("duplicate", "Already exists"),
                    AppError::Conflict(_) => ("conflict", "Conflicts with the configuration"),
                    AppError::TooManyRequests { .. } => ("too-many-requests", "Too many attempts"),
                    AppError::Busy { .. } => ("busy", "The server is busy"),
                    AppError::Internal(_) => ("internal", "Internal error"),
                };
                (crate::http::status_of(e), slug, title)
            }
            ApiError::Malformed(_) => (StatusCode::BAD_REQUEST, "malformed", "Malformed request"),
            ApiError::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "too-large", "Request body too large"),
            ApiError::MethodNotAllowed(_) => (
                StatusCode::METHOD_NOT_ALLOWED,
                "method-not-allowed",
                "Method not allowed",
            ),
            ApiError::UnsupportedMediaType(_) => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "Unsupported media type",
            ),
            ApiError::Timeout(_) => (StatusCode::SERVICE_UNAVAILABLE, "timeout", "The request took too long"),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, slug, title) = self.parts();
        let detail = self.detail();
        let app = match &self {
            ApiError::App(e) => Some(e),
            _ => None,
        };
        let problem = Problem {
            kind: format!("/problems/{slug}"),
            title,
            status: status.as_u16(),
            detail,
            field: match app {
                Some(AppError::Invalid { field, .. }) => field.clone(),
                _ => None,
            },
            current_version: match app {
                Some(AppError::VersionConflict { current, .. }) => Some(*current),
                _ => None,
            },
            allowed: match app {
                Some(AppError::InvalidTransition { allowed, .. }) => Some(allowed.clone()),
                _ => None,
            },
            problems: match app {
                Some(AppError::InvalidFile { problems, .. }) => Some(problems.clone()),
                _ => None,
            },
        };
        let mut res = (status, Json(problem)).into_response();
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some(AppError::TooManyRequests { retry_after, .. } | AppError::Busy { retry_after, .. }) = app {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(*retry_after));
        }
        if status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"opsclock\""),
            );
        }
        res
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        ApiError::App(AppError::Invalid {
            field: None,
            detail: format!(
                "the query string does not fit: {}; instants are RFC 3339 such as 2026-11-23T10:00:00Z \
                 (write + as %2B), flags true or false",
                r.body_text()
            ),
        })
    }
}

impl From<PathRejection> for ApiError {
    fn from(r: PathRejection) -> Self {
        ApiError::App(AppError::NotFound(format!("no such resource: {}", r.body_text())))
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(e: sea_orm::DbErr) -> Self {
        ApiError::App(e.into())
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(e: anyhow::Error) -> Self {
        ApiError::App(AppError::Internal(e))
    }
}

impl From<ticket_domain::DomainError> for ApiError {
    fn from(e: ticket_domain::DomainError) -> Self {
        ApiError::App(e.into())
    }
}

/// JSON body extractor whose rejections are problems. The body is first read as JSON (a syntax
/// error is 400 `malformed`, whatever fields came before it), must be an object, and only then is
/// fitted to `T` (unknown fields, wrong types, missing fields: 422 `invalid`).
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> axum::extract::FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|m| {
                let m = m.trim();
                m == "application/json" || (m.starts_with("application/") && m.ends_with("+json"))
            });
        if !is_json {
            return Err(ApiError::UnsupportedMediaType(
                "send the body as JSON with Content-Type: application/json".into(),
            ));
        }
        let bytes = axum::body::Bytes::from_request(req, state).await.map_err(|r| {
            if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::TooLarge(format!("the body is over the limit of {} bytes", super::BODY_LIMIT))
            } else {
                ApiError::Malformed(r.body_text())
            }
        })?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// Reads a JSON object from `bytes` into `T`, with the same problems as [`ApiJson`]: malformed
/// JSON, not an object, text holding a NUL byte (422 naming the field, see
/// [`crate::http::extract::nul_in`]), or the path of the field that does not fit.
pub fn parse_json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let value = json_object(bytes)?;
    if let Some(path) = crate::http::extract::nul_in(&value) {
        return Err(AppError::invalid(path.clone(), "text may not hold NUL bytes (\\u0000)").into());
    }
    fit_json(value)
}

/// [`parse_json`] letting NUL bytes through, for the alert intake, which parks such an alert
/// instead of refusing its whole notification (see [`crate::app::intake`]).
pub fn parse_json_keeping_nul<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    fit_json(json_object(bytes)?)
}

fn json_object(bytes: &[u8]) -> Result<serde_json::Value, ApiError> {
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| ApiError::Malformed(format!("the body is not valid JSON: {e}")))?;
    if !value.is_object() {
        return Err(AppError::Invalid {
            field: None,
            detail: "the body must be a JSON object".into(),
        }
        .into());
    }
    Ok(value)
}

fn fit_json<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        ApiError::App(if path == "." {
            AppError::Invalid {
                field: None,
                detail: format!("the body does not fit: {inner}"),
            }
        } else {
            AppError::Invalid {
                detail: format!("{path}: {inner}"),
                field: Some(path),
            }
        })
    })
}

/// Query extractor whose rejections are problems.
#[derive(Debug, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);

/// Path extractor whose rejections are problems.
#[derive(Debug, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct ApiPath<T>(pub T);

/// Result of a handler.
pub type ApiResult<T> = Result<T, ApiError>;
