//! Cross-site request forgery protection for the page forms.
//!
//! A signed-in form carries a token derived from the session cookie's secret (which the page
//! can read only because the server wrote it into the page; another site can read neither). The
//! sign-in form, before there is a session, uses a double-submit cookie instead: a random value
//! in an HttpOnly cookie that the form must repeat. Both are compared in constant time.
//!
//! ```
//! use opsclock::web::csrf;
//! let t = csrf::for_session("ocs_secret");
//! assert!(csrf::matches(&t, Some(&t)));
//! assert!(!csrf::matches(&t, Some("forged")));
//! assert!(!csrf::matches("", Some("")), "no session, no token");
//! ```

use sha2::{Digest, Sha256};

/// The form token of the session whose cookie holds `session_secret`.
pub fn for_session(session_secret: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"opsclock-csrf\0");
    h.update(session_secret.as_bytes());
    hex::encode(h.finalize())
}

/// Whether `sent` is the expected (non-empty) token.
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
