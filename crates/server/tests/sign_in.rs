//! Sign-in costs the same for every name, and its Argon2 work runs off the async threads
//! (issue 25). A test binary of its own whose tests each run both backends one after the other,
//! so that no other test's sign-ins share its CPU time; the count of dummy checks is the
//! harness's password gate's, which no other test uses.

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

fn median(mut d: Vec<Duration>) -> Duration {
    d.sort();
    d[d.len() / 2]
}

/// An unknown name is checked against the dummy hash: the same Argon2 work as a wrong password
/// for a known name, so the time of the answer does not tell which names exist.
async fn unknown_names_take_as_long_as_known_ones(backend: Backend) {
    let t = Harness::new(backend).await;
    let app = opsclock::serve::app(AppState {
        limits: Arc::new(Limits {
            trust_forwarded_for: true,
            ..Limits::default()
        }),
        ..t.state.clone()
    });
    // The dummy hash is made on first use.
    assert_eq!(
        sign_in(&app, "warm-up", "x", "192.0.2.1").await,
        StatusCode::UNAUTHORIZED
    );
    let gate = &t.state.ctx.passwords;
    let before = gate.dummy_checks();
    let (mut known, mut unknown) = (Vec::new(), Vec::new());
    for i in 0..7 {
        let from = format!("192.0.2.{}", 10 + i);
        let start = Instant::now();
        assert_eq!(
            sign_in(&app, "eng_a", "wrong-password", &from).await,
            StatusCode::UNAUTHORIZED
        );
        known.push(start.elapsed());
        let start = Instant::now();
        let ghost = format!("ghost-{i}");
        assert_eq!(
            sign_in(&app, &ghost, "wrong-password", &from).await,
            StatusCode::UNAUTHORIZED
        );
        unknown.push(start.elapsed());
    }
    // Each unknown name was checked against the dummy hash, no known one was.
    assert_eq!(gate.dummy_checks() - before, 7);
    // And it shows in the time (generously: the same work, give or take the machine's noise).
    let (known, unknown) = (median(known), median(unknown));
    assert!(
        unknown * 3 >= known,
        "an unknown name answered in {unknown:?}, a known one in {known:?}"
    );
}

#[test]
fn an_unknown_name_costs_what_a_known_one_costs() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(unknown_names_take_as_long_as_known_ones(Backend::Sqlite));
    rt.block_on(unknown_names_take_as_long_as_known_ones(Backend::Postgres));
}

/// On a runtime with one thread, a sign-in in progress does not stop other tasks: a ticker
/// task keeps ticking while the password is checked. Were Argon2 run on the runtime's thread,
/// the ticker would stand still for one whole check.
async fn argon2_does_not_hold_up_the_runtime(backend: Backend) {
    let t = Harness::new(backend).await;
    let hash = secret::hash_password("password-of-someone").unwrap();
    let one_check = median(
        (0..3)
            .map(|_| {
                let start = Instant::now();
                assert!(!secret::verify_password("wrong-password", &hash));
                start.elapsed()
            })
            .collect(),
    );
    let mut longest_stalls = Vec::new();
    for _ in 0..3 {
        let app = t.router.clone();
        let signing = tokio::spawn(async move { sign_in(&app, "eng_a", "wrong-password", "198.51.100.1").await });
        let (mut last, mut longest) = (Instant::now(), Duration::ZERO);
        while !signing.is_finished() {
            tokio::time::sleep(Duration::from_millis(1)).await;
            let now = Instant::now();
            longest = longest.max(now - last);
            last = now;
        }
        assert_eq!(signing.await.unwrap(), StatusCode::UNAUTHORIZED);
        longest_stalls.push(longest);
    }
    let best = longest_stalls.iter().min().copied().unwrap();
    assert!(
        best * 4 < one_check * 3,
        "the runtime's only thread stood still for {best:?} during a sign-in ({longest_stalls:?}); one \
         Argon2 check takes {one_check:?}"
    );
}

#[test]
fn argon2_runs_off_the_async_threads() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(argon2_does_not_hold_up_the_runtime(backend));
    }
}
