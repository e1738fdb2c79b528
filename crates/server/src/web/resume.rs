//! Resuming what a reader was doing when their session ran out.
//!
//! A page reached with GET is simply reached again after signing in (`/login?next=/tickets/X`).
//! A form posted after the session expired cannot be: the browser would follow `next` with a GET
//! on a POST-only address (a 405). So the sign-in page is sent to the page the form lives on,
//! with the action ready to confirm, and says so:
//!
//! | posted to | after signing in |
//! |---|---|
//! | `/tickets/INC-1/act/acknowledge` | `/tickets/INC-1?confirm=acknowledge`: the ticket, the 响应 form marked and focused, a note 「请重新确认操作」 |
//! | `/tickets/new`, `/tickets/new/preview` | `/tickets/new` |
//! | anything else | the page the form was on (`Referer` of this site), else `/board` |
//!
//! Nothing posted is carried over: the reader confirms the action on the fresh page, which
//! shows the ticket as it is now (someone else may have acknowledged it meanwhile).

use super::local_path;

/// Whether a path segment is a ticket number or an action name (`INC-2026-000001`,
/// `acknowledge`): letters, digits, `-` and `_`.
fn is_word(s: &str) -> bool {
    !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Where a reader whose `method` request to `path` found no session goes after signing in.
/// `referer` is the request's `Referer`, `host` its `Host`; a referer of another host is ignored.
///
/// ```
/// use opsclock::web::resume::after_sign_in;
/// assert_eq!(after_sign_in("GET", "/dashboard?period=2026-03", None, None), "/dashboard?period=2026-03");
/// assert_eq!(
///     after_sign_in("POST", "/tickets/INC-2026-000005/act/acknowledge", None, None),
///     "/tickets/INC-2026-000005?confirm=acknowledge"
/// );
/// assert_eq!(after_sign_in("POST", "/tickets/new", None, None), "/tickets/new");
/// let referer = Some("http://ops.example.cn/catalog/sy-001");
/// assert_eq!(after_sign_in("POST", "/catalog/sy-001/service", referer, Some("ops.example.cn")), "/catalog/sy-001");
/// assert_eq!(after_sign_in("POST", "/findings", Some("https://evil.example/x"), Some("ops.example.cn")), "/board");
/// ```
pub fn after_sign_in(method: &str, path: &str, referer: Option<&str>, host: Option<&str>) -> String {
    if method == "GET" || method == "HEAD" {
        return local_path(Some(path), "/board");
    }
    let bare = path.split('?').next().unwrap_or(path);
    let segments: Vec<&str> = bare.split('/').collect();
    match segments.as_slice() {
        ["", "tickets", "new", ..] => return "/tickets/new".to_owned(),
        ["", "tickets", number, "act", action] if is_word(number) && is_word(action) => {
            return format!("/tickets/{number}?confirm={action}");
        }
        _ => {}
    }
    // The page the form was on, if it is one of this site's.
    let from = referer
        .and_then(|r| r.parse::<axum::http::Uri>().ok())
        .filter(|u| u.authority().map(|a| a.as_str()) == host && host.is_some())
        .and_then(|u| u.path_and_query().map(|p| p.as_str().to_owned()));
    local_path(from.as_deref(), "/board")
}

/// The notice the sign-in page shows when a form's session had run out (`/login?…&resume=1`).
pub fn notice(lang: super::Lang) -> &'static str {
    match lang {
        super::Lang::Zh => "登录已过期，刚才的操作没有执行。请重新登录，之后将回到原页面，请重新确认操作。",
        super::Lang::En => {
            "Your session had expired and the action was not taken. Sign in again; you will be taken back to confirm it."
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_post_never_resumes_as_a_get_on_itself() {
        // Each goes to a page that answers GET, never to the POST-only address itself.
        for (path, to) in [
            ("/tickets/INC-1/act/resolve", "/tickets/INC-1?confirm=resolve"),
            ("/tickets/new", "/tickets/new"),
            ("/tickets/new/preview", "/tickets/new"),
            ("/findings/3/withdraw", "/board"),
            ("/admin/outbox/3/retry", "/board"),
        ] {
            assert_eq!(after_sign_in("POST", path, None, None), to, "{path}");
        }
        // A number or an action that is not a word is not echoed into the address.
        assert_eq!(after_sign_in("POST", "/tickets/a%20b/act/x", None, None), "/board");
        assert_eq!(
            after_sign_in("POST", "/tickets/INC-1/act/ack?x=1", None, None),
            "/tickets/INC-1?confirm=ack"
        );
    }

    #[test]
    fn only_this_site_s_referer_is_followed() {
        let host = Some("127.0.0.1:8080");
        assert_eq!(
            after_sign_in(
                "POST",
                "/findings",
                Some("http://127.0.0.1:8080/findings?period=2026-03"),
                host
            ),
            "/findings?period=2026-03"
        );
        assert_eq!(
            after_sign_in("POST", "/findings", Some("http://127.0.0.1:9999/x"), host),
            "/board"
        );
        assert_eq!(after_sign_in("POST", "/findings", Some("/relative"), host), "/board");
        assert_eq!(after_sign_in("POST", "/findings", Some("http://x/y"), None), "/board");
    }
}
