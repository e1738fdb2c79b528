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
    pub problems: Option<Vec<crate::catalog::Problem>>,
}

/// Everything a handler can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No or bad credentials.
    #[error("{0}")]
    Unauthorized(String),
    /// Authenticated, but the role may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// No such thing (or not visible to the caller).
    #[error("{0}")]
    NotFound(String),
    /// The request body is not JSON, or the query string cannot be read.
    #[error("{0}")]
    Malformed(String),
    /// Well-formed, but a field is wrong.
    #[error("{detail}")]
    Invalid {
        /// The field.
        field: Option<String>,
        /// What is wrong.
        detail: String,
    },
    /// The ticket changed since the caller read it.
    #[error("{detail}")]
    VersionConflict {
        /// What happened.
        detail: String,
        /// The current version.
        current: i64,
    },
    /// The action is not allowed in the current state.
    #[error("{detail}")]
    InvalidTransition {
        /// What happened.
        detail: String,
        /// What is allowed.
        allowed: Vec<String>,
    },
    /// An uploaded file has problems; nothing was written.
    #[error("{detail}")]
    InvalidFile {
        /// Summary.
        detail: String,
        /// Every problem.
        problems: Vec<crate::catalog::Problem>,
    },
    /// Something with that key exists.
    #[error("{0}")]
    Duplicate(String),
    /// The request conflicts with how the server is set up (e.g. the thing is managed by a file).
    #[error("{0}")]
    Conflict(String),
    /// The body is over the limit.
    #[error("{0}")]
    TooLarge(String),
    /// The path exists, the method does not.
    #[error("{0}")]
    MethodNotAllowed(String),
    /// The body is not `application/json`.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// Too many attempts (sign-in rate limit or account lockout); try again after the delay.
    #[error("{detail}")]
    TooManyRequests {
        /// What was limited and until when.
        detail: String,
        /// Seconds until a new attempt can succeed (the `Retry-After` header).
        retry_after: u64,
    },
    /// The request took longer than `[server] request_timeout_secs`.
    #[error("{0}")]
    Timeout(String),
    /// Our fault.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    /// A field-level validation error.
    /// The detail starts with the field's name unless it already does, so it can be acted on
    /// where only the detail is shown.
    pub fn invalid(field: impl Into<String>, detail: impl Into<String>) -> ApiError {
        let (field, detail) = (field.into(), detail.into());
        let detail = if detail.starts_with(&field) {
            detail
        } else {
            format!("{field}: {detail}")
        };
        ApiError::Invalid {
            field: Some(field),
            detail,
        }
    }

    /// What to tell the caller: the message, except for internal failures, which are logged
    /// whole and summarised (a calendar that cannot answer is the caller's problem and is named).
    pub fn detail(&self) -> String {
        match self {
            ApiError::Internal(e) => match calendar_cannot_answer(e) {
                Some(c) => c.to_string(),
                None => {
                    tracing::error!(error = format!("{e:#}"), "internal error");
                    "the server failed; the error is in its log".to_owned()
                }
            },
            other => other.to_string(),
        }
    }

    /// The HTTP status it answers with.
    pub fn status(&self) -> StatusCode {
        self.parts().0
    }

    fn parts(&self) -> (StatusCode, &'static str, &'static str) {
        match self {
            ApiError::Internal(e) if calendar_cannot_answer(e).is_some() => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "calendar-not-covered",
                "The calendar cannot answer for that time",
            ),
            ApiError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "unauthorized", "Authentication required"),
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden", "Not allowed for your role"),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not-found", "Not found"),
            ApiError::Malformed(_) => (StatusCode::BAD_REQUEST, "malformed", "Malformed request"),
            ApiError::Invalid { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "invalid", "Invalid input"),
            ApiError::InvalidFile { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "invalid-file", "Invalid file"),
            ApiError::VersionConflict { .. } => (StatusCode::CONFLICT, "version-conflict", "Version conflict"),
            ApiError::InvalidTransition { .. } => {
                (StatusCode::CONFLICT, "invalid-transition", "Action not allowed now")
            }
            ApiError::Duplicate(_) => (StatusCode::CONFLICT, "duplicate", "Already exists"),
            ApiError::Conflict(_) => (StatusCode::CONFLICT, "conflict", "Conflicts with the configuration"),
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
            ApiError::TooManyRequests { .. } => {
                (StatusCode::TOO_MANY_REQUESTS, "too-many-requests", "Too many attempts")
            }
            ApiError::Timeout(_) => (StatusCode::SERVICE_UNAVAILABLE, "timeout", "The request took too long"),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal", "Internal error"),
        }
    }
}

/// The calendar error behind `e`, if a calendar could not answer a question (an instant before
/// its published years, or past the years it counts provisionally). Such a failure is the
/// request's, not the server's: it answers 422 `/problems/calendar-not-covered`, naming the
/// calendar and the year, on whichever route met it.
///
/// ```
/// use sla_clock::builtin;
/// let cn = builtin::calendar("cn-5x8").unwrap();
/// let err = cn.deadline("2001-03-01T10:00:00+08:00".parse().unwrap(), "4h".parse().unwrap()).unwrap_err();
/// let e = anyhow::Error::new(sla_clock::ClockError::from(err)).context("opening INC-1");
/// let found = opsclock::api::problem::calendar_cannot_answer(&e).unwrap();
/// assert!(found.to_string().starts_with("calendar \"cn-5x8\" has no data for 2001"));
/// ```
pub fn calendar_cannot_answer(e: &anyhow::Error) -> Option<&sla_clock::CalendarError> {
    e.chain().find_map(|cause| {
        if let Some(c) = cause.downcast_ref::<sla_clock::CalendarError>() {
            return Some(c);
        }
        if let Some(sla_clock::ClockError::Calendar(c)) = cause.downcast_ref::<sla_clock::ClockError>() {
            return Some(c);
        }
        if let Some(duty_roster::RosterError::Calendar(c)) = cause.downcast_ref::<duty_roster::RosterError>() {
            return Some(c);
        }
        None
    })
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, slug, title) = self.parts();
        let detail = self.detail();
        let problem = Problem {
            kind: format!("/problems/{slug}"),
            title,
            status: status.as_u16(),
            detail,
            field: match &self {
                ApiError::Invalid { field, .. } => field.clone(),
                _ => None,
            },
            current_version: match &self {
                ApiError::VersionConflict { current, .. } => Some(*current),
                _ => None,
            },
            allowed: match &self {
                ApiError::InvalidTransition { allowed, .. } => Some(allowed.clone()),
                _ => None,
            },
            problems: match &self {
                ApiError::InvalidFile { problems, .. } => Some(problems.clone()),
                _ => None,
            },
        };
        let mut res = (status, Json(problem)).into_response();
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let ApiError::TooManyRequests { retry_after, .. } = &self {
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
        ApiError::Invalid {
            field: None,
            detail: format!(
                "the query string does not fit: {}; instants are RFC 3339 such as 2026-11-23T10:00:00Z \
                 (write + as %2B), flags true or false",
                r.body_text()
            ),
        }
    }
}

impl From<PathRejection> for ApiError {
    fn from(r: PathRejection) -> Self {
        ApiError::NotFound(format!("no such resource: {}", r.body_text()))
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(e: sea_orm::DbErr) -> Self {
        ApiError::Internal(anyhow::Error::new(e))
    }
}

impl From<ticket_domain::DomainError> for ApiError {
    fn from(e: ticket_domain::DomainError) -> Self {
        use ticket_domain::DomainError as D;
        match e {
            D::InvalidTransition { ref allowed, .. } => ApiError::InvalidTransition {
                allowed: allowed.split(", ").map(str::to_owned).collect(),
                detail: e.to_string(),
            },
            D::Invalid { field, problem } => ApiError::Invalid {
                field: Some(field.to_owned()),
                detail: format!("{field}: {problem}"),
            },
            D::OutOfOrder { .. } => ApiError::invalid("at", e.to_string()),
            D::Clock { .. } | D::NotOpened => ApiError::Internal(anyhow::Error::new(e)),
        }
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
/// JSON, not an object, or the path of the field that does not fit.
pub fn parse_json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| ApiError::Malformed(format!("the body is not valid JSON: {e}")))?;
    if !value.is_object() {
        return Err(ApiError::Invalid {
            field: None,
            detail: "the body must be a JSON object".into(),
        });
    }
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if path == "." {
            ApiError::Invalid {
                field: None,
                detail: format!("the body does not fit: {inner}"),
            }
        } else {
            ApiError::Invalid {
                detail: format!("{path}: {inner}"),
                field: Some(path),
            }
        }
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
