//! A flood of sign-ins cannot take unbounded memory (issue 25, from a review): Argon2 holds about
//! 19 MiB per check, so only so many run at once and the rest are refused. A test binary of its
//! own, so that its flood shares no CPU time with the timing tests of `tests/sign_in.rs`.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[path = "api/support.rs"]
#[allow(dead_code, unused_macros)]
mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use opsclock::app::auth::secret;
use opsclock::db::testing::Backend;
use opsclock::http::AppState;
use opsclock::http::limits::Limits;
use serde_json::json;
use tower::ServiceExt;

use support::Harness;

async fn sign_in(app: &axum::Router, user: &str, password: &str, from: &str) -> StatusCode {
    let req = Request::post("/api/v1/session")
        .header(header::CONTENT_TYPE, "application/json")
        .header("x-forwarded-for", from)
        .body(Body::from(json!({"username": user, "password": password}).to_string()))
        .unwrap();
    app.clone().oneshot(req).await.unwrap().status()
}

/// A flood of sign-ins for names nobody has, each from its own address (so no throttle stops
/// them): with room for one password check at a time and one waiting, the rest are answered 503
/// with `Retry-After` at once instead of each taking Argon2's 19 MiB, no more than one check
/// ever runs, the server keeps answering meanwhile, and the owner signs in afterwards.
async fn a_flood_of_sign_ins_is_checked_a_few_at_a_time(backend: Backend) {
    let t = Harness::new(backend).await;
    let mut state = AppState {
        limits: Arc::new(Limits {
            trust_forwarded_for: true,
            sign_ins_per_minute: 10_000,
            ..Limits::default()
        }),
        ..t.state.clone()
    };
    let gate = secret::PasswordGate::new(1);
    state.ctx.passwords = gate.clone();
    let app = opsclock::serve::app(state);
    let flood: Vec<_> = (0..40)
        .map(|i| {
            let app = app.clone();
            tokio::spawn(async move {
                let req = Request::post("/api/v1/session")
                    .header(header::CONTENT_TYPE, "application/json")
                    .header("x-forwarded-for", format!("203.0.113.{i}"))
                    .body(Body::from(
                        json!({"username": format!("ghost-{i}"), "password": "guess"}).to_string(),
                    ))
                    .unwrap();
                let res = app.oneshot(req).await.unwrap();
                let retry = res.headers().get(header::RETRY_AFTER).cloned();
                let body = http_body_util::BodyExt::collect(res.into_body())
                    .await
                    .unwrap()
                    .to_bytes();
                (res_status(&body), retry, body)
            })
        })
        .collect();
    // The server answers meanwhile.
    let mut slowest = Duration::ZERO;
    for _ in 0..5 {
        let start = Instant::now();
        let res = app
            .clone()
            .oneshot(Request::get("/healthz").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        slowest = slowest.max(start.elapsed());
    }
    let (mut checked, mut refused) = (0, 0);
    for answer in flood {
        let (status, retry, body) = answer.await.unwrap();
        match status.as_deref() {
            Some("/problems/unauthorized") => checked += 1,
            Some("/problems/busy") => {
                refused += 1;
                assert_eq!(retry.as_ref().map(|v| v.to_str().unwrap()), Some("1"), "{body:?}");
            }
            other => panic!("{other:?}: {body:?}"),
        }
    }
    assert_eq!(checked + refused, 40);
    assert!(checked >= 1 && refused >= 1, "{checked} checked, {refused} refused");
    assert_eq!(gate.peak(), 1, "never more than one Argon2 check at once");
    assert!(
        slowest < Duration::from_secs(2),
        "/healthz took {slowest:?} during the flood"
    );
    // Afterwards the gate is free again.
    assert_eq!(
        sign_in(&app, "eng_a", "password-of-eng_a", "198.51.100.1").await,
        StatusCode::OK
    );
}

/// The problem type of an answer's body, if it is a problem.
fn res_status(body: &[u8]) -> Option<String> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    v["type"].as_str().map(str::to_owned)
}

#[test]
fn a_flood_of_sign_ins_cannot_take_unbounded_memory() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(a_flood_of_sign_ins_is_checked_a_few_at_a_time(Backend::Sqlite));
    rt.block_on(a_flood_of_sign_ins_is_checked_a_few_at_a_time(Backend::Postgres));
}
