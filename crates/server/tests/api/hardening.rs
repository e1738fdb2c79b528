//! Issue 25, the HTTP layer: another site's page cannot act through a signed-in admin's cookie,
//! every answer carries the security headers, the catalogue import takes only its own type.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::json;
use tower::ServiceExt;

use crate::both;
use crate::support::Harness;

/// Signs `who` in with their password; the `name=value` of the session cookie.
async fn session_cookie(t: &Harness, who: &str) -> String {
    let a = t
        .post(
            "",
            "/api/v1/session",
            json!({"username": who, "password": format!("password-of-{who}")}),
        )
        .await;
    let cookie = a.set_cookie.clone().expect("a session cookie");
    a.expect(StatusCode::OK);
    cookie.split(';').next().unwrap().to_owned()
}

/// The writes a forged page would aim at: a body-less POST, a DELETE, and the import (a body a
/// form can send).
fn forgeable(t: &Harness) -> Vec<(Method, &'static str, Option<&'static str>, Vec<u8>)> {
    let _ = t;
    vec![
        (Method::POST, "/api/v1/outbox/1/retry", None, vec![]),
        (Method::DELETE, "/api/v1/windows/no-such-window", None, vec![]),
        (Method::POST, "/api/v1/webhooks/no-such-hook/ping", None, vec![]),
        (
            Method::POST,
            "/api/v1/catalog/import?dry_run=true",
            Some("application/toml"),
            b"format = 1\n".to_vec(),
        ),
    ]
}

both!(cookie_writes_from_another_origin_are_refused, |t: Harness| async move {
    let cookie = session_cookie(&t, "admin").await;
    for (method, path, ct, body) in forgeable(&t) {
        let send = |extra: Vec<(&'static str, String)>| {
            let mut headers: Vec<(&str, String)> = vec![("cookie", cookie.clone()), ("host", "opsclock.test".into())];
            headers.extend(extra);
            let (method, body) = (method.clone(), body.clone());
            let t = &t;
            async move {
                let h: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
                t.with_headers("", method, path, ct, &h, body).await
            }
        };
        // Another site's page: its Origin, or a browser's word that it is cross-site, or no
        // word at all.
        for extra in [
            vec![("origin", "https://evil.example".to_owned())],
            vec![("origin", "null".to_owned())],
            vec![("origin", "http://opsclock.test.evil.example".to_owned())],
            vec![("sec-fetch-site", "same-site".to_owned())],
            vec![("sec-fetch-site", "cross-site".to_owned())],
            vec![],
            vec![("x-csrf-token", "forged".to_owned())],
        ] {
            let what = format!("{method} {path} with {extra:?}");
            let detail = send(extra).await.problem(StatusCode::FORBIDDEN, "forbidden");
            assert!(detail.contains("X-CSRF-Token"), "{what}: {detail}");
        }
        // Opsclock's own pages: the same origin, the browser's word for it, or the token.
        let token = opsclock::http::security::for_session(cookie.split_once('=').unwrap().1);
        for extra in [
            vec![("origin", "http://opsclock.test".to_owned())],
            vec![("sec-fetch-site", "same-origin".to_owned())],
            vec![("x-csrf-token", token)],
        ] {
            let what = format!("{method} {path} with {extra:?}");
            let answer = send(extra).await;
            assert_ne!(answer.status, StatusCode::FORBIDDEN, "{what}: {}", answer.body);
            assert!(
                answer.status.is_client_error() || answer.status.is_success(),
                "{what}: {}",
                answer.body
            );
        }
    }
});

both!(
    bearer_tokens_and_reads_are_not_held_to_the_origin,
    |t: Harness| async move {
        let foreign = [("origin", "https://evil.example"), ("host", "opsclock.test")];
        // A token cannot be forged by a page: its requests pass whatever their origin.
        let a = t
            .with_headers(
                "admin",
                Method::DELETE,
                "/api/v1/windows/no-such-window",
                None,
                &foreign,
                vec![],
            )
            .await;
        assert_eq!(a.status, StatusCode::NOT_FOUND, "{}", a.body);
        // Reading with the cookie is not a write.
        let cookie = session_cookie(&t, "admin").await;
        let read = t
            .with_headers(
                "",
                Method::GET,
                "/api/v1/me",
                None,
                &[("cookie", cookie.as_str()), foreign[0], foreign[1]],
                vec![],
            )
            .await;
        assert_eq!(read.status, StatusCode::OK, "{}", read.body);
    }
);

both!(the_catalogue_import_takes_only_its_own_type, |t: Harness| async move {
    for ct in [
        "text/plain",
        "text/plain; charset=utf-8",
        "text/toml",
        "application/x-www-form-urlencoded",
    ] {
        let a = t
            .raw(
                "admin",
                Method::POST,
                "/api/v1/catalog/import?dry_run=true",
                Some(ct),
                b"format = 1\n".to_vec(),
            )
            .await;
        a.problem(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type");
    }
    let ok = t
        .raw(
            "admin",
            Method::POST,
            "/api/v1/catalog/import?dry_run=true",
            Some("application/toml; charset=utf-8"),
            b"format = 1\n".to_vec(),
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
});

both!(every_answer_carries_the_security_headers, |t: Harness| async move {
    for path in [
        "/login",
        "/api/v1/me",
        "/api/v1/no-such-route",
        "/assets/app.js",
        "/healthz",
    ] {
        let res = t
            .router
            .clone()
            .oneshot(Request::get(path).body(Body::empty()).unwrap())
            .await
            .unwrap();
        let h = |name: header::HeaderName| {
            res.headers()
                .get(&name)
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_else(|| panic!("{path}: no {name}"))
        };
        let csp = h(header::CONTENT_SECURITY_POLICY);
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(csp.contains("script-src 'self';"), "{path}: {csp}");
        assert!(!csp.contains("script-src 'self' 'unsafe"), "{path}: {csp}");
        assert_eq!(h(header::X_FRAME_OPTIONS), "DENY", "{path}");
        assert_eq!(h(header::X_CONTENT_TYPE_OPTIONS), "nosniff", "{path}");
        assert_eq!(h(header::REFERRER_POLICY), "same-origin", "{path}");
    }
});

/// The pages hold no inline script and no `on…=` handler, which the policy above would block.
#[test]
fn the_templates_hold_no_inline_script() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/web/templates");
    let handler = regex::Regex::new(r#"(?i)\son[a-z]+\s*="#).unwrap();
    let script = regex::Regex::new(r#"(?is)<script(?:\s[^>]*)?>"#).unwrap();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!handler.is_match(&text), "{}: an on…= handler", path.display());
        for tag in script.find_iter(&text) {
            assert!(
                tag.as_str().contains(" src="),
                "{}: inline {}",
                path.display(),
                tag.as_str()
            );
        }
        assert!(!text.contains("javascript:"), "{}: a javascript: URL", path.display());
    }
}
