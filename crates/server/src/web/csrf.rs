//! Cross-site request forgery protection for the page forms.
//!
//! A signed-in form carries a token derived from the session cookie's secret (which the page
//! can read only because the server wrote it into the page; another site can read neither). The
//! sign-in form, before there is a session, uses a double-submit cookie instead: a random value
//! in an HttpOnly cookie that the form must repeat. Both are compared in constant time.
//!
//! The token is the same one a script may send to the API in the `X-CSRF-Token` header
//! ([`crate::http::security`], which also checks the origin of the API's cookie-authenticated
//! writes); it is computed there, so that both doors agree.
//!
//! ```
//! use opsclock::web::csrf;
//! let t = csrf::for_session("ocs_secret");
//! assert!(csrf::matches(&t, Some(&t)));
//! assert!(!csrf::matches(&t, Some("forged")));
//! assert!(!csrf::matches("", Some("")), "no session, no token");
//! ```

pub use crate::http::security::{for_session, matches};
