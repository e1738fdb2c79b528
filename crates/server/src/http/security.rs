//! What keeps another site's page out of a signed-in person's session: the origin check on
//! cookie-authenticated API writes, the form token both doors accept, and the security headers
//! every answer carries.
//!
//! A browser sends the session cookie with any request to opsclock, whichever page started it
//! (SameSite=Lax only holds back cross-*site* sub-requests, not a page on a sibling host). So a
//! request that may change something (POST, PUT, PATCH, DELETE) to `/api/…` authenticated by the
//! cookie must show that it comes from opsclock's own pages:
//!
//! - an `Origin` header naming the host it was sent to (or the configured public URL), or
//! - no `Origin` but `Sec-Fetch-Site: same-origin` (or `none`: the person typed it), or
//! - the header `X-CSRF-Token` with the session's form token ([`for_session`]), which another
//!   site cannot know.
//!
//! Requests with `Authorization: Bearer …` are not affected: a browser never adds that header on
//! its own, so another site cannot make one.
//!
//! ```
//! use opsclock::http::security;
//! let t = security::for_session("ocs_secret");
//! assert!(security::matches(&t, Some(&t)));
//! assert!(!security::matches(&t, Some("forged")));
//! assert!(!security::matches("", Some("")), "no session, no token");
//! ```

use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, header};
use sha2::{Digest, Sha256};

use crate::app::AppError;
use crate::http::extract::{SESSION_COOKIE, bearer, cookie};

/// The header a script sends the session's form token in.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The form token of the session whose cookie holds `session_secret`.
pub fn for_session(session_secret: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"opsclock-csrf\0");
    h.update(session_secret.as_bytes());
    hex::encode(h.finalize())
}

/// Whether `sent` is the expected (non-empty) token, compared in constant time.
pub fn matches(expected: &str, sent: Option<&str>) -> bool {
    let Some(sent) = sent else { return false };
    if expected.is_empty() || expected.len() != sent.len() {
        return false;
    }
    expected
        .bytes()
        .zip(sent.bytes())
        .fold(0u8, |acc, (a, b)| acc | (a ^ b))
        == 0
}

/// Refuses (403) a cookie-authenticated request to the API that may change something and does
/// not show it comes from opsclock's own pages (see the module documentation). `public_url` is
/// the address users open opsclock at, also accepted as an origin.
pub fn check_api_request(method: &Method, path: &str, headers: &HeaderMap, public_url: &str) -> Result<(), AppError> {
    let unsafe_method = !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
    if !unsafe_method || !(path == "/api" || path.starts_with("/api/")) || bearer(headers).is_some() {
        return Ok(());
    }
    let Some(session) = cookie(headers, SESSION_COOKIE) else {
        // Not signed in by cookie: nothing of anyone's session to forge.
        return Ok(());
    };
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    if matches(&for_session(&session), text(CSRF_HEADER)) {
        return Ok(());
    }
    let refused = |why: String| {
        Err(AppError::Forbidden(format!(
            "{why}: a request signed in by the session cookie that changes something must come from \
             opsclock's own pages (same Origin) or carry the X-CSRF-Token header; scripts should \
             use an API token (Authorization: Bearer …)"
        )))
    };
    if let Some(origin) = text(header::ORIGIN.as_str()) {
        if same_origin(origin, headers, public_url) {
            return Ok(());
        }
        return refused(format!("the request came from another origin ({origin})"));
    }
    match text("sec-fetch-site") {
        Some("same-origin" | "none") => Ok(()),
        Some(site) => refused(format!("the request came from another site (Sec-Fetch-Site: {site})")),
        None => refused("the request does not say where it came from (no Origin header)".to_owned()),
    }
}

/// Whether `origin` (`scheme://host[:port]`) is the host the request was sent to, or the public
/// URL's origin.
fn same_origin(origin: &str, headers: &HeaderMap, public_url: &str) -> bool {
    let origin = origin.trim_end_matches('/').to_ascii_lowercase();
    let public = public_url.trim_end_matches('/').to_ascii_lowercase();
    let public_origin = public
        .split_once("://")
        .map(|(scheme, rest)| format!("{scheme}://{}", rest.split('/').next().unwrap_or("")));
    if public_origin.as_deref() == Some(origin.as_str()) {
        return true;
    }
    let Some((_, authority)) = origin.split_once("://") else {
        // `null` (a sandboxed frame, a file) is never the same origin.
        return false;
    };
    headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|host| host.trim().eq_ignore_ascii_case(authority))
}

/// The Content-Security-Policy of every answer: scripts only from opsclock's own `/assets/…` (no
/// inline script, no `on…=` handler, no `eval`); style sheets from there too, plus inline style
/// (the clocks' progress bars set their width, the printable report carries its own sheet);
/// images from itself and `data:`; no plugins, no framing by any page, forms posting only back
/// to opsclock.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Adds the security headers to an answer (without replacing one a handler set itself).
pub fn add_headers(headers: &mut HeaderMap) {
    let set = [
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "same-origin"),
    ];
    for (name, value) in set {
        let name: HeaderName = name;
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
}

/// Where a request carries a NUL byte outside a JSON body (which `api::problem::parse_json`
/// checks field by field): its path, its query, or a form's body. PostgreSQL stores no NUL in
/// text, so such a value would fail deep inside (500); it is refused at the door instead (422).
/// `%00` is NUL percent-encoded, the only way it reaches a URL or a form.
///
/// ```
/// use opsclock::http::security::nul_in;
/// assert_eq!(nul_in("/api/v1/tickets/INC%00", None, None), Some("path"));
/// assert_eq!(nul_in("/login", None, Some(b"username=a%00&password=x")), Some("form"));
/// assert_eq!(nul_in("/board", Some("q=100%25"), None), None);
/// ```
pub fn nul_in(path: &str, query: Option<&str>, form: Option<&[u8]>) -> Option<&'static str> {
    let has = |b: &[u8]| b.contains(&0) || b.windows(3).any(|w| w == b"%00");
    if has(path.as_bytes()) {
        Some("path")
    } else if query.is_some_and(|q| has(q.as_bytes())) {
        Some("query")
    } else if form.is_some_and(has) {
        Some("form")
    } else {
        None
    }
}
