//! The scanned signed copy on the assessment page: `POST /assessments/{id}/scans` takes the
//! upload form (`multipart/form-data`: the form token and the file, as a browser sends a file
//! without any script) and attaches the file through
//! [`crate::app::assessments::scans::attach`], which tells its type by its first bytes and says
//! who may; the page lists the scans with links to download them.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Extension, Path, State};
use axum::http::{HeaderMap, StatusCode};

use super::{id_of, reason, words};
use crate::app::AppError;
use crate::app::assessments::scans::{self, NewScan};
use crate::app::audit::ClientAddr;
use crate::http::AppState;
use crate::http::limits::BodyTooLarge;
use crate::web::{Viewer, WebError, WebResult, redirect_with};

/// The largest upload form: the largest scan and room for the form's other parts.
pub(crate) const FORM_LIMIT: usize = scans::MAX_BYTES + 64 * 1024;

/// `POST /assessments/{id}/scans`: attaches the file sent with the upload form, then back to the
/// assessment with a message.
pub(super) async fn upload(
    State(state): State<AppState>,
    v: Viewer,
    from: ClientAddr,
    Path(id): Path<String>,
    headers: HeaderMap,
    too_large: Option<Extension<BodyTooLarge>>,
    body: Result<Bytes, BytesRejection>,
) -> WebResult {
    let id = id_of(&id)?;
    let back = format!("/assessments/{id}");
    let w = words(v.lang);
    let label = w["scan_upload"];
    // Over the limit, whoever refused it: this route's own limit, or `serve`'s `admit`, which
    // reads the body before the route on SQLite.
    let body = match body {
        Ok(_) if too_large.is_some() => {
            return Ok(redirect_with(&back, &format!("{label} ✗ {}", w["scan_too_large"])));
        }
        Ok(b) => b,
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return Ok(redirect_with(&back, &format!("{label} ✗ {}", w["scan_too_large"])));
        }
        Err(e) => return Err(WebError::BadRequest(format!("the form could not be read: {e}"))),
    };
    let parts = v.upload_parts(&headers, &body)?;
    let Some(file) = parts.iter().find(|p| p.name == "file" && !p.data.is_empty()) else {
        return Ok(redirect_with(&back, &format!("{label} ✗ {}", w["scan_none"])));
    };
    // The browser's type comes from the file's name: the first bytes alone say what it is.
    let scan = NewScan {
        bytes: file.data,
        declared: None,
        file_name: file.file_name.as_deref(),
    };
    match scans::attach(&state, &v.p, &from, id, scan).await {
        Ok(s) => Ok(redirect_with(&back, &format!("{label} · A-{id} #{} ✓", s.number))),
        Err(e @ (AppError::Internal(_) | AppError::NotFound(_))) => Err(e.into()),
        Err(e) => Ok(redirect_with(
            &back,
            &format!("{label} · A-{id} ✗ {}", reason(&e, v.lang)),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_says_the_limits_the_use_case_keeps() {
        let mib = |bytes: usize| format!("{} MB", bytes / (1024 * 1024));
        for lang in [crate::web::i18n::Lang::Zh, crate::web::i18n::Lang::En] {
            let w = words(lang);
            let max = w["scan_max"];
            assert!(max.contains(&mib(scans::MAX_BYTES)), "{max}");
            assert!(max.contains(&mib(scans::MAX_TOTAL_BYTES)), "{max}");
            assert!(max.contains(&format!("{} ", scans::MAX_SCANS)), "{max}");
            assert!(w["scan_too_large"].contains(&mib(scans::MAX_BYTES)));
        }
    }
}
