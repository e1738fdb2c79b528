//! What the two HTTP doors (`api/` and `web/`) share: their state, who is
//! asking and from where, and the limits on requests. Neither door imports the other; both
//! import this, and this imports no door.

pub mod conn;
pub mod extract;
pub mod limits;
pub mod multipart;
pub mod routes;
pub mod security;
pub mod session;
pub mod state;

pub use state::AppState;

use axum::http::StatusCode;

use crate::app::AppError;

/// The HTTP status of a failed use case, the same for both HTTP doors: the API adds the problem
/// `type` and title (`api/problem.rs`), the pages a sentence on their error page.
pub fn status_of(e: &AppError) -> StatusCode {
    match e {
        AppError::Internal(_) if e.calendar_not_covered().is_some() => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
        AppError::Forbidden(_) => StatusCode::FORBIDDEN,
        AppError::NotFound(_) => StatusCode::NOT_FOUND,
        AppError::Invalid { .. } | AppError::InvalidFile { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::VersionConflict { .. }
        | AppError::InvalidTransition { .. }
        | AppError::Duplicate(_)
        | AppError::Conflict(_) => StatusCode::CONFLICT,
        AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
        AppError::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
        AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// A rendered report is answered the same by both doors: the JSON document, or the file with its
/// type and disposition (inline for HTML).
impl axum::response::IntoResponse for crate::app::reports::request::Rendered {
    fn into_response(self) -> axum::response::Response {
        use crate::app::reports::request::Rendered;
        use axum::http::header;
        match self {
            Rendered::Json(r) => ([(header::CACHE_CONTROL, "no-store")], axum::Json(*r)).into_response(),
            Rendered::File {
                content_type,
                disposition,
                bytes,
            } => (
                [
                    (header::CONTENT_TYPE, content_type),
                    (header::CONTENT_DISPOSITION, disposition),
                ],
                bytes,
            )
                .into_response(),
        }
    }
}

/// A Word file named `name`, as a download.
pub fn docx_response(name: &str, bytes: Vec<u8>) -> axum::response::Response {
    use axum::http::header;
    use axum::response::IntoResponse;
    let safe: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .collect();
    (
        [
            (header::CONTENT_TYPE, crate::app::incident_report::DOCX_TYPE.to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{safe}\"")),
        ],
        bytes,
    )
        .into_response()
}

/// A rendered incident report is answered the same by both doors: the data, or the file with its
/// type and disposition (inline for the page). Neither is cached: it is the record as it stands.
impl axum::response::IntoResponse for crate::app::incident_report::Rendered {
    fn into_response(self) -> axum::response::Response {
        use crate::app::incident_report::Rendered;
        use axum::http::header;
        match self {
            Rendered::Json(r) => ([(header::CACHE_CONTROL, "no-store")], axum::Json(*r)).into_response(),
            Rendered::File {
                content_type,
                disposition,
                bytes,
            } => (
                [
                    (header::CONTENT_TYPE, content_type.to_owned()),
                    (header::CONTENT_DISPOSITION, disposition),
                    (header::CACHE_CONTROL, "no-store".to_owned()),
                ],
                bytes,
            )
                .into_response(),
        }
    }
}
