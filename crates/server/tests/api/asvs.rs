//! OWASP ASVS 4.0.3 level 2 requirements `docs/security.md` lists as met, shown against the real
//! router and a real database: passwords kept whole in any script (2.1.3, 2.1.4) and never
//! expiring (2.1.10); the password forms left to password managers, with no hint or secret
//! question (2.1.11, 2.5.2); a database failure and a panic answered with a fixed sentence (7.4.1,
//! 7.4.3, 14.3.2); only opaque cookies and no browser storage (1.6.4, 8.1.3, 8.2.2); and on every
//! route a declared type with its charset, no server banner and no CORS (14.3.3, 14.4.1, 14.5.3).

use std::collections::{BTreeMap, BTreeSet};

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use axum::routing::get;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::both;
use crate::support::Harness;

/// One answer, whole: status, every header, the body's bytes.
struct Raw {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Raw {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    fn header(&self, name: header::HeaderName) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Every `Set-Cookie` of the answer.
    fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect()
    }
}

/// Sends one request to `router`.
async fn send(router: &Router, method: Method, path: &str, headers: &[(&str, &str)], body: Vec<u8>) -> Raw {
    let mut req = Request::builder().method(method).uri(path);
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    let res = router
        .clone()
        .oneshot(req.body(Body::from(body)).unwrap())
        .await
        .unwrap();
    let (parts, body) = res.into_parts();
    Raw {
        status: parts.status,
        headers: parts.headers,
        body: body.collect().await.unwrap().to_bytes().to_vec(),
    }
}

/// The cookies a browser holds: set by `Set-Cookie`, removed by `Max-Age=0`.
#[derive(Default)]
struct Jar(BTreeMap<String, String>);

impl Jar {
    fn take(&mut self, answer: &Raw) {
        for c in answer.set_cookies() {
            let pair = c.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            if c.contains("Max-Age=0") {
                self.0.remove(name);
            } else {
                self.0.insert(name.to_owned(), value.to_owned());
            }
        }
    }

    fn header(&self) -> String {
        self.0
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// Percent-encodes a form value (everything but unreserved characters).
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A form body of `fields`.
fn form(fields: &[(&str, &str)]) -> Vec<u8> {
    fields
        .iter()
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect::<Vec<_>>()
        .join("&")
        .into_bytes()
}

/// Every `<input …>` of `html`, as its attributes (an attribute without a value maps to "").
fn inputs_of(html: &str) -> Vec<BTreeMap<String, String>> {
    let input = regex::Regex::new(r"(?is)<input\b([^>]*)>").unwrap();
    let attr = regex::Regex::new(r#"([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:\s*=\s*"([^"]*)")?"#).unwrap();
    input
        .captures_iter(html)
        .map(|c| {
            attr.captures_iter(&c[1])
                .map(|a| {
                    let value = a.get(2).map_or("", |v| v.as_str());
                    (a[1].to_lowercase(), value.to_owned())
                })
                .collect()
        })
        .collect()
}

/// The `<form>` of `html` that posts to `action`, up to its end.
fn form_of<'a>(html: &'a str, action: &str) -> &'a str {
    let start = html
        .find(&format!(r#"action="{action}""#))
        .unwrap_or_else(|| panic!("no form posting to {action}"));
    let end = html[start..].find("</form>").expect("the form's end") + start;
    &html[start..end]
}

/// The value of the form field `name` on `html`.
fn field_of(html: &str, name: &str) -> String {
    inputs_of(html)
        .into_iter()
        .find(|i| i.get("name").map(String::as_str) == Some(name))
        .and_then(|i| i.get("value").cloned())
        .unwrap_or_else(|| panic!("no field {name} on the page"))
}

/// Signs `who` in on the sign-in page as a browser does (the form and its cookie, then the post)
/// into `jar`; the answer to the post.
async fn sign_in_on_the_page(t: &Harness, jar: &mut Jar, who: &str, password: &str) -> Raw {
    let page = send(&t.router, Method::GET, "/login", &[], vec![]).await;
    assert_eq!(page.status, StatusCode::OK);
    jar.take(&page);
    let csrf = field_of(&page.text(), "csrf");
    let cookies = jar.header();
    let answer = send(
        &t.router,
        Method::POST,
        "/login",
        &[
            ("cookie", &cookies),
            ("content-type", "application/x-www-form-urlencoded"),
        ],
        form(&[
            ("csrf", &csrf),
            ("next", "/board"),
            ("username", who),
            ("password", password),
        ]),
    )
    .await;
    jar.take(&answer);
    answer
}

/// The status of signing `who` in through the API with `password`.
async fn api_sign_in(t: &Harness, who: &str, password: &str) -> StatusCode {
    t.post("", "/api/v1/session", json!({"username": who, "password": password}))
        .await
        .status
}

// ---- V2: passwords ---------------------------------------------------------------------------

both!(passwords_are_kept_whole_in_any_script, |t: Harness| async move {
    // 2.1.4: Chinese, emoji, Latin and runs of spaces; 2.1.3: 200 characters (500 bytes), ending in
    // two spaces.
    let body: String = "正确 马  电池🔋 订书钉📎 horse ".chars().cycle().take(198).collect();
    let long = format!("{body}  ");
    assert_eq!(long.chars().count(), 200);
    assert!(long.len() > 400, "{} bytes", long.len());
    t.post(
        "eng_a",
        "/api/v1/me/password",
        json!({"current": "password-of-eng_a", "new": long}),
    )
    .await
    .expect(StatusCode::NO_CONTENT);
    assert_eq!(api_sign_in(&t, "eng_a", &long).await, StatusCode::OK);
    // Every character counts: not only the first 72 bytes (where bcrypt stops), not without the
    // last character, not with the trailing spaces trimmed.
    let mut first_72_bytes = String::new();
    for c in long.chars() {
        if first_72_bytes.len() + c.len_utf8() > 72 {
            break;
        }
        first_72_bytes.push(c);
    }
    let mut last_changed = long.clone();
    last_changed.pop();
    last_changed.push('x');
    for wrong in [
        first_72_bytes.as_str(),
        &long[..long.len() - 1],
        long.trim_end(),
        &last_changed,
    ] {
        assert_eq!(
            api_sign_in(&t, "eng_a", wrong).await,
            StatusCode::UNAUTHORIZED,
            "{} of {} characters",
            wrong.chars().count(),
            long.chars().count()
        );
    }
    // The sign-in page takes it too (the form is percent-encoded UTF-8).
    let mut jar = Jar::default();
    let posted = sign_in_on_the_page(&t, &mut jar, "eng_a", &long).await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER, "{}", posted.text());
    assert_eq!(posted.header(header::LOCATION), Some("/board"));
    assert!(jar.0.contains_key("opsclock_session"), "{:?}", jar.0);

    // The minimum counts characters, not bytes: nine emoji (36 bytes) are too short, ten will do.
    let nine = "🔐".repeat(9);
    let detail = t
        .post("eng_a", "/api/v1/me/password", json!({"current": long, "new": nine}))
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
    assert!(detail.contains("10"), "{detail}");
    let ten = "🔐🐴🔋📎正确马电池订".to_owned();
    assert_eq!(ten.chars().count(), 10);
    t.post("eng_a", "/api/v1/me/password", json!({"current": long, "new": ten}))
        .await
        .expect(StatusCode::NO_CONTENT);
    assert_eq!(api_sign_in(&t, "eng_a", &ten).await, StatusCode::OK);
});

both!(
    passwords_never_expire_and_an_earlier_one_may_return,
    |t: Harness| async move {
        let (first, second) = ("password-of-eng_a", "a-second-password");
        t.post("eng_a", "/api/v1/me/password", json!({"current": first, "new": second}))
            .await
            .expect(StatusCode::NO_CONTENT);
        // Two years and more later the password still signs in, and nothing asks for a new one.
        t.time.advance(chrono::TimeDelta::days(800));
        let signed_in = t
            .post("", "/api/v1/session", json!({"username": "eng_a", "password": second}))
            .await;
        let cookie = signed_in.set_cookie.clone().expect("a session cookie");
        signed_in.expect(StatusCode::OK);
        let cookie = cookie.split(';').next().unwrap();
        let tickets = t
            .with_headers("", Method::GET, "/api/v1/tickets", None, &[("cookie", cookie)], vec![])
            .await;
        assert_eq!(tickets.status, StatusCode::OK, "{}", tickets.body);
        // No history: the first password may be chosen again.
        t.post("eng_a", "/api/v1/me/password", json!({"current": second, "new": first}))
            .await
            .expect(StatusCode::NO_CONTENT);
        assert_eq!(api_sign_in(&t, "eng_a", first).await, StatusCode::OK);
    }
);

both!(
    the_password_forms_leave_pasting_and_password_managers_alone,
    |t: Harness| async move {
        let names =
            |inputs: &[BTreeMap<String, String>]| -> Vec<String> { inputs.iter().map(|i| i["name"].clone()).collect() };
        let password_inputs_are_plain = |inputs: &[BTreeMap<String, String>], page: &str| {
            for i in inputs
                .iter()
                .filter(|i| i.get("type").map(String::as_str) == Some("password"))
            {
                assert!(
                    !i.contains_key("maxlength"),
                    "{page}: a length limit cuts a pasted password: {i:?}"
                );
                assert!(!i.contains_key("readonly"), "{page}: {i:?}");
                assert!(!i.keys().any(|k| k.starts_with("on")), "{page}: a handler: {i:?}");
            }
        };
        // The sign-in page asks for a name and a password, nothing else (no hint, no question).
        let login = send(&t.router, Method::GET, "/login", &[], vec![]).await;
        let inputs = inputs_of(form_of(&login.text(), "/login"));
        assert_eq!(names(&inputs), ["csrf", "next", "username", "password"]);
        assert_eq!(inputs[2]["autocomplete"], "username");
        assert_eq!(inputs[3]["type"], "password");
        assert_eq!(inputs[3]["autocomplete"], "current-password");
        password_inputs_are_plain(&inputs, "/login");

        // Setting one's password: the current one, the new one for a manager to generate.
        let signed_in = t
            .post(
                "",
                "/api/v1/session",
                json!({"username": "eng_a", "password": "password-of-eng_a"}),
            )
            .await;
        let cookie = signed_in.set_cookie.clone().unwrap();
        let cookie = cookie.split(';').next().unwrap();
        let page = send(&t.router, Method::GET, "/me/password", &[("cookie", cookie)], vec![]).await;
        assert_eq!(page.status, StatusCode::OK);
        let inputs = inputs_of(form_of(&page.text(), "/me/password"));
        // (`next`: where to go once it is set.)
        assert_eq!(
            names(&inputs),
            ["csrf", "next", "current", "new", "confirm", "revoke_tokens"]
        );
        assert_eq!(inputs[2]["autocomplete"], "current-password");
        assert_eq!(inputs[3]["autocomplete"], "new-password");
        assert_eq!(inputs[4]["autocomplete"], "new-password");
        password_inputs_are_plain(&inputs, "/me/password");

        // The pages' script does not listen for pastes, copies or drops.
        let js = send(&t.router, Method::GET, "/assets/app.js", &[], vec![]).await.text();
        for word in ["paste", "copy", "drop", "autocomplete"] {
            assert!(!js.contains(word), "app.js mentions {word:?}");
        }

        // The API's sign-in takes exactly a name and a password, and no route recovers a password
        // through a hint or a question (the operator resets it: `opsclock user passwd`).
        let doc = t.get("", "/api/v1/openapi.json").await.expect(StatusCode::OK);
        let sign_in: BTreeSet<&str> = doc["components"]["schemas"]["SignIn"]["properties"]
            .as_object()
            .expect("the SignIn schema")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(sign_in, BTreeSet::from(["username", "password"]));
        let recovery = regex::Regex::new(r"(?i)forgot|recover|hint|question|reset").unwrap();
        let api_paths = doc["paths"].as_object().unwrap().keys().map(String::as_str);
        let page_paths = opsclock::web::route_list().iter().map(|(_, p)| *p);
        for path in api_paths.chain(page_paths) {
            assert!(!recovery.is_match(path), "{path}");
        }
    }
);

// ---- V7: errors ------------------------------------------------------------------------------

/// Fails if `text` names the cause of a failure: the database's words, SQL, a source path, a
/// panic or a backtrace.
#[track_caller]
fn names_no_cause(text: &str, what: &str) {
    let lower = text.to_lowercase();
    for cause in [
        "no such table",
        "relation",
        "does not exist",
        "sqlx",
        "sea_orm",
        "database error",
        "select ",
        ".rs:",
        "src/",
        "panicked",
        "backtrace",
        "/etc/",
        "secrets.env",
    ] {
        assert!(!lower.contains(cause), "{what} names {cause:?}: {text}");
    }
}

/// The problem every internal failure answers with, whole.
fn internal_problem() -> Value {
    json!({
        "type": "/problems/internal",
        "title": "Internal error",
        "status": 500,
        "detail": "the server failed; the error is in its log"
    })
}

both!(a_database_failure_answers_a_fixed_sentence, |t: Harness| async move {
    use sea_orm::ConnectionTrait;
    let number = t.open("eng_a", "SA", "fault", "serious").await["number"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut jar = Jar::default();
    sign_in_on_the_page(&t, &mut jar, "admin", "password-of-admin").await;
    // A real failure inside the use case: the table the tickets are read from is gone (in this
    // test's own database).
    let drop = match t.db.backend {
        opsclock::db::testing::Backend::Sqlite => {
            "PRAGMA foreign_keys = OFF; DROP TABLE ticket_events; DROP TABLE tickets;"
        }
        opsclock::db::testing::Backend::Postgres => "DROP TABLE tickets CASCADE",
    };
    t.db.db.execute_unprepared(drop).await.unwrap();

    let bearer = format!("Bearer {}", t.tokens["admin"]);
    for path in ["/api/v1/tickets".to_owned(), format!("/api/v1/tickets/{number}")] {
        let a = send(&t.router, Method::GET, &path, &[("authorization", &bearer)], vec![]).await;
        assert_eq!(a.status, StatusCode::INTERNAL_SERVER_ERROR, "{path}: {}", a.text());
        assert_eq!(a.header(header::CONTENT_TYPE), Some("application/problem+json"));
        let problem: Value = serde_json::from_slice(&a.body).unwrap();
        assert_eq!(problem, internal_problem(), "{path}");
        names_no_cause(&a.text(), &path);
    }
    // The pages say a fixed sentence too, in the reader's language (Chinese by default).
    let cookies = jar.header();
    for path in ["/board".to_owned(), format!("/tickets/{number}")] {
        let page = send(&t.router, Method::GET, &path, &[("cookie", &cookies)], vec![]).await;
        assert_eq!(
            page.status,
            StatusCode::INTERNAL_SERVER_ERROR,
            "{path}: {}",
            page.text()
        );
        assert!(
            page.text().contains("服务器出错，已记录日志。"),
            "{path}: {}",
            page.text()
        );
        names_no_cause(&page.text(), &path);
    }
});

/// A handler with a bug: it panics with a message that names what must stay inside.
async fn a_handler_that_panics() -> &'static str {
    panic!("the cause: /etc/opsclock/secrets.env, src/app/tickets/open.rs:1")
}

both!(
    a_panicking_handler_answers_a_problem_and_the_server_goes_on,
    |t: Harness| async move {
        let app = opsclock::serve::layered(
            Router::new().route("/api/v1/asvs-panics", get(a_handler_that_panics)),
            t.state.clone(),
        );
        for _ in 0..2 {
            let a = send(&app, Method::GET, "/api/v1/asvs-panics", &[], vec![]).await;
            assert_eq!(a.status, StatusCode::INTERNAL_SERVER_ERROR);
            assert_eq!(a.header(header::CONTENT_TYPE), Some("application/problem+json"));
            assert_eq!(serde_json::from_slice::<Value>(&a.body).unwrap(), internal_problem());
            names_no_cause(&a.text(), "the panic's answer");
            // It passed through the whole stack: the security headers are on it …
            assert_eq!(a.header(header::X_CONTENT_TYPE_OPTIONS), Some("nosniff"));
            assert!(a.header(header::CONTENT_SECURITY_POLICY).is_some());
        }
        // … and it is counted as a 500 of its route.
        let metrics = send(&t.router, Method::GET, "/metrics", &[], vec![]).await.text();
        assert!(
            metrics.contains(r#"method="GET",route="/api/v1/asvs-panics",status="500""#),
            "{metrics}"
        );
        // The server answers the next request as usual.
        t.get("admin", "/api/v1/me").await.expect(StatusCode::OK);
    }
);

// ---- V8: what the browser keeps --------------------------------------------------------------

both!(
    the_browser_keeps_only_opaque_cookies_and_no_secret,
    |t: Harness| async move {
        // An assessment (a month of vendor A's contract), so that its pages are visited too.
        crate::assessments::setup(&t).await;
        let assessment = t
            .post(
                "mgr_a",
                "/api/v1/assessments",
                serde_json::json!({"contract": "va-84", "period": "2026-11"}),
            )
            .await
            .expect(StatusCode::CREATED)["id"]
            .to_string();
        let number = t.open("admin", "SA", "fault", "serious").await["number"]
            .as_str()
            .unwrap()
            .to_owned();
        // A second fault on SA: a recurrence, so that the problem record's page is visited too.
        let problem = t.open("admin", "SA", "fault", "serious").await["problem"]
            .as_str()
            .expect("two faults of one class make a problem")
            .to_owned();
        // An inspection, so that its page is visited too.
        let inspection = crate::inspections::one(&t).await.to_string();
        // A rectification order on vendor A's contract, so that its page is visited too.
        let order = t
            .post(
                "mgr_a",
                "/api/v1/rectifications",
                serde_json::json!({"contract": "va-84", "system": "SA", "title": "t", "request": "r", "within": "48h"}),
            )
            .await
            .expect(StatusCode::CREATED)["number"]
            .as_str()
            .unwrap()
            .to_owned();
        // A periodic report of vendor A's contract, so that its pages are visited too.
        let report = crate::periodic_reports::one(&t).await;
        // A device of System A, for the device page.
        t.post(
            "admin",
            "/api/v1/systems/SA/devices",
            serde_json::json!({"code": "CAM-ASVS", "type": "摄像机"}),
        )
        .await
        .expect(StatusCode::CREATED);
        let mut jar = Jar::default();
        let mut set: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut pages: Vec<(String, String)> = Vec::new();
        let signed_in = sign_in_on_the_page(&t, &mut jar, "admin", "password-of-admin").await;
        assert_eq!(signed_in.status, StatusCode::SEE_OTHER, "{}", signed_in.text());
        let session = jar.0["opsclock_session"].clone();
        // Every page route, signed in (and the language switch).
        let mut visit = Vec::new();
        for (method, path) in opsclock::web::route_list() {
            if *method != "GET" {
                continue;
            }
            let query = match *path {
                "/reports/breaches" => "?period=2026-11",
                "/lang" => "?to=en&back=/board",
                _ => "",
            };
            let id = if path.starts_with("/rectifications/") {
                &order
            } else if path.starts_with("/inspections/") {
                &inspection
            } else {
                &assessment
            };
            let number = if path.starts_with("/problem-records/") {
                &problem
            } else if path.starts_with("/periodic-reports/") {
                &report
            } else {
                &number
            };
            let path = path
                .replace("{number}", number)
                .replace("{code}", "SA")
                .replace("{device}", "CAM-ASVS")
                .replace("{username}", "eng_a")
                .replace("{id}", id)
                .replace("{file}", "app.js");
            visit.push(format!("{path}{query}"));
        }
        visit.push("/assets/app.css".into());
        let mut record = |a: &Raw, path: &str, jar: &mut Jar| {
            for c in a.set_cookies() {
                let name = c.split('=').next().unwrap().to_owned();
                set.entry(name).or_default().push(c);
            }
            jar.take(a);
            pages.push((path.to_owned(), a.text()));
        };
        for path in &visit {
            let a = send(&t.router, Method::GET, path, &[("cookie", &jar.header())], vec![]).await;
            assert!(
                a.status.is_success() || a.status.is_redirection(),
                "{path}: {}",
                a.status
            );
            record(&a, path, &mut jar);
        }
        // A form that leaves a message for the next page, the page that shows it, and signing out.
        let csrf = opsclock::web::csrf::for_session(&session);
        let form_headers = |jar: &Jar| {
            vec![
                ("cookie".to_owned(), jar.header()),
                (
                    "content-type".to_owned(),
                    "application/x-www-form-urlencoded".to_owned(),
                ),
            ]
        };
        for (method, path) in [
            (Method::POST, "/admin/calendars/reload"),
            (Method::GET, "/admin/calendars"),
            (Method::POST, "/logout"),
        ] {
            let headers = form_headers(&jar);
            let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let body = if method == Method::POST {
                form(&[("csrf", &csrf)])
            } else {
                vec![]
            };
            let a = send(&t.router, method, path, &headers, body).await;
            assert!(
                a.status.is_success() || a.status.is_redirection(),
                "{path}: {}",
                a.status
            );
            record(&a, path, &mut jar);
        }

        // 8.1.3, 8.2.2: these five cookies and no other (opsclock_link: the double-submit
        // cookie of the page a notice's link opens, /a/{token}).
        let names: BTreeSet<&str> = set.keys().map(String::as_str).collect();
        assert_eq!(
            names,
            BTreeSet::from([
                "opsclock_flash",
                "opsclock_lang",
                "opsclock_link",
                "opsclock_login",
                "opsclock_session"
            ]),
            "{set:#?}"
        );
        for c in &set["opsclock_link"] {
            assert!(
                c.contains("HttpOnly") && c.contains("SameSite=Strict") && c.contains("Path=/a/"),
                "{c}"
            );
        }
        // The session is an opaque random value, out of the page's reach.
        assert!(
            regex::Regex::new("^ocs_[0-9a-f]{64}$").unwrap().is_match(&session),
            "{session}"
        );
        for c in set["opsclock_session"]
            .iter()
            .chain(&set["opsclock_login"])
            .filter(|c| !c.contains("Max-Age=0"))
        {
            assert!(c.contains("HttpOnly"), "{c}");
        }
        for c in &set["opsclock_lang"] {
            let value = c.split(';').next().unwrap();
            assert!(value == "opsclock_lang=en" || value == "opsclock_lang=zh", "{c}");
        }
        assert!(
            !jar.0.contains_key("opsclock_session"),
            "signing out clears the session"
        );
        // 1.6.4: no page carries a secret: not the session's, not what the server stores of it, not
        // the user's API token or password.
        let stored = opsclock::app::auth::secret::secret_hash(&session);
        for (path, text) in &pages {
            for secret in [session.as_str(), &stored, &t.tokens["admin"], "password-of-admin"] {
                assert!(!text.contains(secret), "{path} holds a secret");
            }
        }
        // 8.2.2: the pages' script and templates use no browser storage.
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/web");
        for dir in ["assets", "templates"] {
            for entry in std::fs::read_dir(root.join(dir)).unwrap() {
                let path = entry.unwrap().path();
                let text = std::fs::read_to_string(&path).unwrap();
                for api in [
                    "localStorage",
                    "sessionStorage",
                    "indexedDB",
                    "document.cookie",
                    "caches.open",
                    "serviceWorker",
                    "openDatabase",
                ] {
                    assert!(!text.contains(api), "{}: {api}", path.display());
                }
            }
        }
    }
);

// ---- V14: every route's answer ---------------------------------------------------------------

/// Where an answer came from: "GET /path as admin".
type Answered = (String, Raw);

/// One answer of every route the server has, each request saying it comes from another site
/// (`Origin: https://evil.example`): every operation of the OpenAPI document as the admin with a
/// token (reads of real things, writes on things that do not exist, so that nothing the rest
/// needs is removed) and as a CORS preflight; the report in each format; every page route as the
/// signed-in admin; the public routes as a stranger; an unknown route and an unknown method.
async fn every_answer(t: &Harness) -> Vec<Answered> {
    let number = t.open("admin", "SA", "fault", "serious").await["number"]
        .as_str()
        .unwrap()
        .to_owned();
    let doc = t.get("", "/api/v1/openapi.json").await.expect(StatusCode::OK);
    let evil = ("origin", "https://evil.example");
    let bearer = format!("Bearer {}", t.tokens["admin"]);
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            let Ok(method) = Method::from_bytes(method.to_uppercase().as_bytes()) else {
                continue;
            };
            let read = method == Method::GET;
            let id = match path.split('/').nth(1) {
                Some("units") if read => t.ids.unit_a,
                Some("vendors") if read => t.ids.vendor_a,
                Some("policies") if read => t.ids.policy,
                Some("systems") if read => t.ids.sys_a,
                _ => 999_999,
            };
            let query = match path.as_str() {
                "/reports/breaches" => "?period=2026-11",
                "/windows/template" => "?year=2026",
                _ => "",
            };
            let concrete = format!(
                "/api/v1{}{query}",
                path.replace("{id}", &id.to_string())
                    .replace("{number}", &number)
                    .replace("{action}", "comment")
                    .replace("{username}", "admin")
                    .replace("{decision}", "approve")
                    .replace("{code}", "nope")
                    .replace("{scope}", "nope")
                    .replace("{name}", "nope")
                    .replace("{source}", "nope")
            );
            let (ct, body) = if read {
                (None, vec![])
            } else {
                (Some(("content-type", "application/json")), b"{}".to_vec())
            };
            let mut headers = vec![("authorization", bearer.as_str()), evil];
            headers.extend(ct);
            let a = send(&t.router, method.clone(), &concrete, &headers, body).await;
            out.push((format!("{method} {concrete} as admin"), a));
            let preflight = [
                evil,
                ("access-control-request-method", method.as_str()),
                ("access-control-request-headers", "authorization, content-type"),
            ];
            let a = send(&t.router, Method::OPTIONS, &concrete, &preflight, vec![]).await;
            out.push((format!("OPTIONS {concrete} (preflight)"), a));
        }
    }
    for format in ["json", "csv", "xlsx", "html"] {
        let path = format!("/api/v1/reports/breaches?period=2026-11&format={format}");
        let a = send(
            &t.router,
            Method::GET,
            &path,
            &[("authorization", &bearer), evil],
            vec![],
        )
        .await;
        assert_eq!(a.status, StatusCode::OK, "{path}");
        out.push((format!("GET {path} as admin"), a));
    }
    let mut jar = Jar::default();
    sign_in_on_the_page(t, &mut jar, "admin", "password-of-admin").await;
    let cookies = jar.header();
    for (method, path) in opsclock::web::route_list() {
        if *method != "GET" {
            continue;
        }
        let query = match *path {
            "/reports/breaches" => "?period=2026-11",
            "/lang" => "?to=en&back=/board",
            _ => "",
        };
        for file in ["app.js", "app.css"] {
            let concrete = format!(
                "{}{query}",
                path.replace("{number}", &number)
                    .replace("{code}", "SA")
                    .replace("{username}", "eng_a")
                    .replace("{file}", file)
            );
            let a = send(&t.router, Method::GET, &concrete, &[("cookie", &cookies), evil], vec![]).await;
            out.push((format!("GET {concrete} signed in"), a));
            if !path.contains("{file}") {
                break;
            }
        }
    }
    for (method, path) in [
        (Method::GET, "/login"),
        (Method::GET, "/board"),
        (Method::GET, "/healthz"),
        (Method::GET, "/metrics"),
        (Method::GET, "/api/v1/openapi.json"),
        (Method::GET, "/api/v1/tickets"),
        (Method::GET, "/no-such-page"),
        (Method::GET, "/api/v1/no-such-route"),
        (Method::PATCH, "/healthz"),
        (Method::POST, "/api/v1/session"),
    ] {
        let a = send(&t.router, method.clone(), path, &[evil], vec![]).await;
        out.push((format!("{method} {path} as a stranger"), a));
    }
    out
}

both!(
    every_answer_declares_its_type_and_text_its_charset,
    |t: Harness| async move {
        let answers = every_answer(&t).await;
        let mut seen = BTreeSet::new();
        for (what, a) in &answers {
            if a.body.is_empty() {
                continue;
            }
            let ct = a
                .header(header::CONTENT_TYPE)
                .unwrap_or_else(|| panic!("{what}: a body without a Content-Type"))
                .to_lowercase();
            let essence = ct.split(';').next().unwrap().trim().to_owned();
            seen.insert(essence.clone());
            if essence.starts_with("text/") || essence.ends_with("+xml") || essence == "application/xml" {
                assert!(ct.contains("charset=utf-8"), "{what}: {ct}");
                assert!(std::str::from_utf8(&a.body).is_ok(), "{what}: not UTF-8");
            }
            // The body is what the type says.
            match essence.as_str() {
                "application/json" | "application/problem+json" => {
                    assert!(serde_json::from_slice::<Value>(&a.body).is_ok(), "{what}: not JSON");
                }
                "text/html" => assert!(a.text().contains("<html"), "{what}"),
                "text/calendar" => assert!(a.text().starts_with("BEGIN:VCALENDAR"), "{what}"),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => {
                    assert!(a.body.starts_with(b"PK"), "{what}");
                }
                _ => {}
            }
        }
        // Each kind of answer opsclock gives was among them.
        for kind in [
            "application/json",
            "application/problem+json",
            "text/html",
            "text/plain",
            "text/csv",
            "text/css",
            "text/javascript",
            "text/calendar",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ] {
            assert!(seen.contains(kind), "no {kind} answer among {seen:?}");
        }
    }
);

both!(no_answer_names_the_server_or_its_components, |t: Harness| async move {
    let version = regex::Regex::new(
        r"(?i)\b(axum|hyper|tower|tokio|sqlx|sea-orm|rustls|minijinja|postgresql|sqlite)[ /-]?v?\d+\.\d+",
    )
    .unwrap();
    for (what, a) in every_answer(&t).await {
        for banner in [
            "server",
            "x-powered-by",
            "via",
            "x-aspnet-version",
            "x-runtime",
            "x-version",
            "x-generator",
        ] {
            assert!(!a.headers.contains_key(banner), "{what}: {banner}");
        }
        for (name, value) in &a.headers {
            let value = value.to_str().unwrap_or_default();
            assert!(!version.is_match(value), "{what}: {name}: {value}");
        }
        if !a.status.is_success() {
            assert!(!version.is_match(&a.text()), "{what}: {}", a.text());
        }
    }
});

both!(no_origin_is_allowed_to_read_across_sites, |t: Harness| async move {
    let answers = every_answer(&t).await;
    let mut preflights = 0;
    for (what, a) in &answers {
        let cors: Vec<&str> = a
            .headers
            .keys()
            .map(|k| k.as_str())
            .filter(|k| k.starts_with("access-control-"))
            .collect();
        assert!(cors.is_empty(), "{what}: {cors:?}");
        if what.starts_with("OPTIONS") {
            preflights += 1;
            assert!(!a.status.is_success(), "{what}: {}", a.status);
        }
    }
    assert!(preflights > 50, "{preflights} preflights");
    // A cross-site read with the admin's token is answered, but a browser keeps it from the
    // other site's script: nothing allows it.
    let (_, read) = answers
        .iter()
        .find(|(what, _)| what == "GET /api/v1/tickets as admin")
        .expect("the ticket list was read");
    assert_eq!(read.status, StatusCode::OK);
});
