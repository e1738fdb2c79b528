//! The harness: a real database (SQLite file or PostgreSQL database of its own), the real
//! router, a catalogue built through the API, and users with tokens of every role and scope.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use chrono::{DateTime, Utc};
use http_body_util::BodyExt;
use opsclock::app::auth::secret;
use opsclock::db::entities::{api_tokens, users};
use opsclock::db::testing::{Backend, TestDb};
use opsclock::http::AppState;
use opsclock::serve::app;
use opsclock::time::{ManualTime, TimeSource};
use sea_orm::{ActiveModelTrait, Set};
use serde_json::{Value, json};
use tower::ServiceExt;

/// Runs an async test body on both backends: `both!(name, |t| async move { … })` defines
/// `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! both {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let t = $crate::support::Harness::new(opsclock::db::testing::Backend::Sqlite).await;
                ($body)(t).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let t = $crate::support::Harness::new(opsclock::db::testing::Backend::Postgres).await;
                ($body)(t).await;
            }
        }
    };
}

/// An answer: status, content type and JSON body (Null when empty).
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub content_type: String,
    pub body: Value,
    pub set_cookie: Option<String>,
}

impl Answer {
    /// Asserts the status and returns the body.
    #[track_caller]
    pub fn expect(self, status: StatusCode) -> Value {
        assert_eq!(self.status, status, "body: {}", self.body);
        self.body
    }

    /// Asserts a problem document with this status and type slug; returns its detail.
    #[track_caller]
    pub fn problem(self, status: StatusCode, slug: &str) -> String {
        assert_eq!(self.status, status, "body: {}", self.body);
        assert_eq!(self.content_type, "application/problem+json", "body: {}", self.body);
        assert_eq!(self.body["type"], format!("/problems/{slug}"), "body: {}", self.body);
        assert_eq!(self.body["status"], status.as_u16());
        self.body["detail"].as_str().expect("a detail").to_owned()
    }
}

/// The catalogue the harness builds.
pub struct Ids {
    pub unit_a: i64,
    pub unit_b: i64,
    pub vendor_a: i64,
    pub vendor_b: i64,
    pub policy: i64,
    /// Unit A, vendor A, 24x7, on site.
    pub sys_a: i64,
    /// Unit B, vendor B, cn-5x8, remote.
    pub sys_b: i64,
}

/// Where the harness's clock stands when a test begins: Wednesday 2026-11-25 10:00 in Beijing
/// (02:00 UTC), a working morning inside the calendars' published years.
pub fn pinned() -> DateTime<Utc> {
    opsclock::db::testing::test_now()
}

/// Everything a test needs.
pub struct Harness {
    pub db: TestDb,
    pub router: Router,
    pub state: AppState,
    /// The server's clock: every handler reads "now" here. It stands at [`pinned`] until a test
    /// moves it (`t.time.set(…)`, `t.time.advance(…)`), so no result depends on the real date.
    pub time: Arc<ManualTime>,
    /// Token by user name: admin, mgr_a (unit A manager), eng_a (vendor A engineer),
    /// viewer_a (unit A viewer), eng_b (vendor B engineer), mgr_b (unit B manager), nobody
    /// (engineer with neither unit nor vendor), bureau (the bureau's manager: the buyer over every
    /// unit), vmgr_a (vendor A manager), ueng_a (unit A engineer), sup (supervisor engineer, 监理).
    pub tokens: BTreeMap<&'static str, String>,
    pub user_ids: BTreeMap<&'static str, i64>,
    pub ids: Ids,
}

/// The policy used by the harness: fault urgent 15m/2h/4h … minor 8h/–/7wd; requests 30m response.
pub fn policy_targets() -> Value {
    json!({
        "fault": {
            "urgent":  {"response": "15m", "arrival": "2h", "repair": "4h"},
            "serious": {"response": "30m", "arrival": "4h", "repair": "8h"},
            "general": {"response": "1h", "repair": "2wd"},
            "minor":   {"response": "8h", "repair": "7wd"}
        },
        "alarm":    {"urgent": {"response": "15m", "repair": "4h"}, "general": {"response": "1h", "repair": "24h"}},
        "security": {"urgent": {"response": "15m", "repair": "2h"}, "serious": {"response": "15m", "repair": "4h"}},
        "request":  {"general": {"response": "30m", "repair": "3d"}, "minor": {"response": "4h", "repair": "5wd"}}
    })
}

impl Harness {
    /// The harness over the built-in calendars, its clock at [`pinned`].
    pub async fn new(backend: Backend) -> Harness {
        let calendars: BTreeMap<String, sla_clock::Calendar> = sla_clock::builtin::calendars()
            .into_iter()
            .map(|c| (c.name().to_owned(), c))
            .collect();
        Harness::with_calendars(
            backend,
            opsclock::calendars::Calendars::fixed(calendars),
            Arc::new(ManualTime::new(pinned())),
        )
        .await
    }

    /// The harness over `calendars`, its clock `time` (a test that needs another day sets it).
    pub async fn with_calendars(
        backend: Backend,
        calendars: opsclock::calendars::Calendars,
        time: Arc<ManualTime>,
    ) -> Harness {
        let db = TestDb::migrated(backend).await;
        // The webhook tests' receivers listen on loopback, which outbound HTTP refuses unless
        // `[outbound] allow` names it: the harness allows it as a deployment would.
        let state = AppState::new(db.db.clone(), calendars, false, Default::default())
            .with_time(time.clone())
            .with_outbound(loopback_allowed());
        let router = app(state.clone());
        let mut h = Harness {
            db,
            router,
            state,
            time,
            tokens: BTreeMap::new(),
            user_ids: BTreeMap::new(),
            ids: Ids {
                unit_a: 0,
                unit_b: 0,
                vendor_a: 0,
                vendor_b: 0,
                policy: 0,
                sys_a: 0,
                sys_b: 0,
            },
        };
        h.add_user("admin", "admin", None, None).await;
        let id = |v: Value| v["id"].as_i64().expect("an id");
        h.ids.unit_a = id(h
            .post("admin", "/api/v1/units", json!({"code": "UA", "name": "Unit A"}))
            .await
            .expect(StatusCode::CREATED));
        h.ids.unit_b = id(h
            .post("admin", "/api/v1/units", json!({"code": "UB", "name": "Unit B"}))
            .await
            .expect(StatusCode::CREATED));
        h.ids.vendor_a = id(h
            .post("admin", "/api/v1/vendors", json!({"code": "VA", "name": "Vendor A"}))
            .await
            .expect(StatusCode::CREATED));
        h.ids.vendor_b = id(h
            .post("admin", "/api/v1/vendors", json!({"code": "VB", "name": "Vendor B"}))
            .await
            .expect(StatusCode::CREATED));
        h.ids.policy = id(h
            .post(
                "admin",
                "/api/v1/policies",
                json!({"code": "P", "name": "Policy", "targets": policy_targets()}),
            )
            .await
            .expect(StatusCode::CREATED));
        let (ua, ub, va, vb, p) = (h.ids.unit_a, h.ids.unit_b, h.ids.vendor_a, h.ids.vendor_b, h.ids.policy);
        h.ids.sys_a = id(h
            .post(
                "admin",
                "/api/v1/systems",
                json!({"code": "SA", "name": "System A", "unit_id": ua, "vendor_ids": [va],
                "policy_id": p, "calendar": "24x7", "service_mode": "on_site"}),
            )
            .await
            .expect(StatusCode::CREATED));
        h.ids.sys_b = id(h
            .post(
                "admin",
                "/api/v1/systems",
                json!({"code": "SB", "name": "System B", "unit_id": ub, "vendor_ids": [vb],
                "policy_id": p, "calendar": "cn-5x8", "service_mode": "remote"}),
            )
            .await
            .expect(StatusCode::CREATED));
        h.add_user("mgr_a", "manager", Some(ua), None).await;
        h.add_user("eng_a", "engineer", None, Some(va)).await;
        h.add_user("viewer_a", "viewer", Some(ua), None).await;
        h.add_user("eng_b", "engineer", None, Some(vb)).await;
        h.add_user("mgr_b", "manager", Some(ub), None).await;
        h.add_user("nobody", "engineer", None, None).await;
        h.add_party_user("bureau", "manager", "bureau").await;
        h.add_user("vmgr_a", "manager", None, Some(va)).await;
        h.add_user("ueng_a", "engineer", Some(ua), None).await;
        h.add_party_user("sup", "engineer", "supervisor").await;
        h
    }

    /// The server's "now" (see [`Harness::time`]).
    pub fn now(&self) -> DateTime<Utc> {
        self.time.now()
    }

    /// Adds a user with password `password-of-<name>` and an API token.
    pub async fn add_user(&mut self, name: &'static str, role: &str, unit: Option<i64>, vendor: Option<i64>) {
        let u = users::ActiveModel {
            username: Set(name.to_owned()),
            display_name: Set(name.to_owned()),
            email: Set(None),
            password_hash: Set(Some(
                secret::hash_password(&format!("password-of-{name}")).expect("hash"),
            )),
            role: Set(opsclock::db::Key(role.parse().expect("a role"))),
            unit_id: Set(unit),
            vendor_id: Set(vendor),
            disabled: Set(false),
            must_change_password: Set(false),
            mail_english: Set(false),
            created_at: Set(self.now()),
            ..Default::default()
        }
        .insert(&self.db.db)
        .await
        .expect("insert user");
        let token = secret::new_secret("ocp_");
        api_tokens::ActiveModel {
            user_id: Set(u.id),
            name: Set("test".to_owned()),
            token_hash: Set(secret::secret_hash(&token)),
            created_at: Set(self.now()),
            last_used_at: Set(None),
            ..Default::default()
        }
        .insert(&self.db.db)
        .await
        .expect("insert token");
        self.tokens.insert(name, token);
        self.user_ids.insert(name, u.id);
    }

    /// Adds a user of the bureau or the supervisor (`party`), with no unit and no vendor.
    pub async fn add_party_user(&mut self, name: &'static str, role: &str, party: &str) {
        self.add_user(name, role, None, None).await;
        let id = self.user_ids[name];
        users::ActiveModel {
            id: sea_orm::ActiveValue::Unchanged(id),
            party: Set(Some(opsclock::db::Key(party.parse().expect("a party")))),
            ..Default::default()
        }
        .update(&self.db.db)
        .await
        .expect("set the party");
    }

    /// Sends a request as `who` (a user name, or "" for nobody); returns the status, content
    /// type, `Set-Cookie` and body bytes.
    async fn send(
        &self,
        who: &str,
        method: Method,
        path: &str,
        content_type: Option<&str>,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> (StatusCode, String, Option<String>, Vec<u8>) {
        let mut req = Request::builder().method(method).uri(path);
        if let Some(t) = self.tokens.get(who) {
            req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        if let Some(ct) = content_type {
            req = req.header(header::CONTENT_TYPE, ct);
        }
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        let res = self
            .router
            .clone()
            .oneshot(req.body(Body::from(body)).expect("request"))
            .await
            .expect("infallible");
        let header_text = |name| {
            res.headers()
                .get(name)
                .and_then(|v: &header::HeaderValue| v.to_str().ok())
                .map(str::to_owned)
        };
        let (status, content_type) = (res.status(), header_text(header::CONTENT_TYPE).unwrap_or_default());
        let set_cookie = header_text(header::SET_COOKIE);
        let bytes = res.into_body().collect().await.expect("body").to_bytes();
        (status, content_type, set_cookie, bytes.to_vec())
    }

    /// Sends a request as `who` (a user name, or "" for nobody) with a raw body.
    pub async fn raw(
        &self,
        who: &str,
        method: Method,
        path: &str,
        content_type: Option<&str>,
        body: Vec<u8>,
    ) -> Answer {
        self.with_headers(who, method, path, content_type, &[], body).await
    }

    /// Sends a request as `who` with extra headers and a raw body.
    pub async fn with_headers(
        &self,
        who: &str,
        method: Method,
        path: &str,
        content_type: Option<&str>,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> Answer {
        let (status, content_type, set_cookie, bytes) = self.send(who, method, path, content_type, headers, body).await;
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        Answer {
            status,
            content_type,
            body,
            set_cookie,
        }
    }

    /// GETs `path` as `who` and returns the status, content type and raw bytes (files).
    pub async fn download(&self, who: &str, path: &str) -> (StatusCode, String, Vec<u8>) {
        let (status, content_type, _, bytes) = self.send(who, Method::GET, path, None, &[], vec![]).await;
        (status, content_type, bytes)
    }

    pub async fn get(&self, who: &str, path: &str) -> Answer {
        self.raw(who, Method::GET, path, None, vec![]).await
    }

    pub async fn post(&self, who: &str, path: &str, body: Value) -> Answer {
        self.raw(
            who,
            Method::POST,
            path,
            Some("application/json"),
            body.to_string().into_bytes(),
        )
        .await
    }

    pub async fn patch(&self, who: &str, path: &str, body: Value) -> Answer {
        self.raw(
            who,
            Method::PATCH,
            path,
            Some("application/json"),
            body.to_string().into_bytes(),
        )
        .await
    }

    pub async fn put(&self, who: &str, path: &str, body: Value) -> Answer {
        self.raw(
            who,
            Method::PUT,
            path,
            Some("application/json"),
            body.to_string().into_bytes(),
        )
        .await
    }

    /// Opens a ticket on `system` as `who`; returns the ticket view.
    pub async fn open(&self, who: &str, system: &str, kind: &str, severity: &str) -> Value {
        self.post(
            who,
            "/api/v1/tickets",
            json!({"kind": kind, "system": system, "severity": severity, "title": format!("{kind} on {system}")}),
        )
        .await
        .expect(StatusCode::CREATED)
    }

    /// Performs `action` on ticket `t` (a view) with `extra` fields; returns the answer.
    pub async fn act(&self, who: &str, t: &Value, action: &str, extra: Value) -> Answer {
        let mut body = json!({"version": t["version"]});
        if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
            b.extend(e.clone());
        }
        let number = t["number"].as_str().expect("a number");
        self.post(who, &format!("/api/v1/tickets/{number}/{action}"), body)
            .await
    }
}

/// The outbound policy of the harness: the public internet and 127.0.0.1, where the tests'
/// receivers listen (a test of the default policy sets `Outbound::default()`).
pub fn loopback_allowed() -> opsclock::app::outbound::Outbound {
    opsclock::app::outbound::Outbound::allowing(["127.0.0.1/32"]).unwrap()
}

/// Runs `opsclock` with `args` against the harness's database; (success, stdout, stderr).
pub fn opsclock(t: &Harness, args: &[&str]) -> (bool, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_opsclock"))
        .current_dir(std::env::temp_dir())
        .env_remove("OPSCLOCK_CONFIG")
        .env_remove("OPSCLOCK_DATABASE_URL")
        .args(args)
        .args(["--database", &t.db.url])
        .output()
        .expect("run opsclock");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A file written for a command to read, in a directory of its own, removed when dropped.
pub struct Scratch(std::path::PathBuf);

impl Scratch {
    /// The file's path, as an argument.
    pub fn path(&self) -> &str {
        self.0.to_str().expect("a UTF-8 path")
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
        if let Some(dir) = self.0.parent() {
            let _ = std::fs::remove_dir(dir);
        }
    }
}

/// Writes `text` to a file called `name` in a directory no other test uses.
pub fn scratch(name: &str, text: &str) -> Scratch {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("opsclock-scratch-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    Scratch(path)
}
