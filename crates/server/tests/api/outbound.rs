//! Outbound HTTP cannot be pointed inside (issue 25): without `[outbound] allow`, a webhook to
//! loopback, a private or link-local address is refused when it is saved and, for a name that
//! resolves inside, when it is sent; what an answer said is kept only as a short excerpt;
//! redirects are not followed.

use std::sync::{Arc, Mutex};

use axum::http::StatusCode;
use opsclock::app::escalation::Links;
use opsclock::app::outbound::Outbound;
use opsclock::app::webhooks::sender::{WebhookConfig, WebhookSettings, sender};
use opsclock::serve::app;
use serde_json::{Value, json};

use crate::both;
use crate::support::Harness;

/// A loopback server standing for an internal service: its pages hold a secret; `/moved`
/// redirects to `/secret`. Returns its port and the paths it was asked for.
async fn internal_service() -> (u16, Arc<Mutex<Vec<String>>>) {
    let hits = Arc::new(Mutex::new(Vec::new()));
    let seen = hits.clone();
    let service = axum::Router::new().fallback(move |uri: axum::http::Uri| {
        let seen = seen.clone();
        async move {
            seen.lock().unwrap().push(uri.path().to_owned());
            if uri.path() == "/moved" {
                return (StatusCode::FOUND, [("location", "/secret")], String::new());
            }
            let page = format!(
                "INTERNAL-SECRET\r\nline two\t{}\u{1b}[0m TAIL-NEVER-SHOWN",
                "x".repeat(400)
            );
            (StatusCode::OK, [("content-type", "text/plain")], page)
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, service).await.unwrap() });
    (port, hits)
}

/// The harness with `outbound` as its `[outbound]` policy.
fn with_policy(mut t: Harness, outbound: Outbound) -> Harness {
    t.state = t.state.clone().with_outbound(outbound);
    t.router = app(t.state.clone());
    t
}

/// The attempts log of the outbox row `key`.
async fn attempts(t: &Harness, key: &str) -> Vec<Value> {
    let list = t.get("admin", "/api/v1/outbox").await.expect(StatusCode::OK);
    let row = list["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["key"] == key)
        .unwrap_or_else(|| panic!("no row {key}: {list}"))
        .clone();
    let detail = t
        .get("admin", &format!("/api/v1/outbox/{}", row["id"]))
        .await
        .expect(StatusCode::OK);
    detail["attempts_log"].as_array().unwrap().clone()
}

both!(webhooks_are_refused_inside_unless_allowed, |t: Harness| async move {
    let (port, hits) = internal_service().await;
    let strict = with_policy(t, Outbound::default());
    for url in [
        format!("http://127.0.0.1:{port}/secret"),
        format!("http://localhost:{port}/secret"),
        format!("http://[::1]:{port}/secret"),
        format!("http://2130706433:{port}/secret"),
        format!("http://0x7f.1:{port}/secret"),
        "http://169.254.169.254/latest/meta-data/".to_owned(),
        "http://[fd00:ec2::254]/".to_owned(),
        "http://10.0.0.8/".to_owned(),
        "http://192.168.1.1/".to_owned(),
        "http://[fe80::1]/".to_owned(),
    ] {
        let d = strict
            .put("admin", "/api/v1/webhooks/inside", json!({"url": url}))
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        assert!(d.starts_with("url") && d.contains("[outbound] allow"), "{url}: {d}");
    }

    // Saved while allowed (the harness's policy names loopback and `localhost`), then sent by
    // a sender without the allow-list: a name resolving to loopback is refused at connection
    // (as after a DNS rebinding), an address in the URL before the request; neither is parked
    // with anything the service said.
    let allowed = with_policy(strict, Outbound::allowing(["127.0.0.1/32", "localhost"]).unwrap());
    let mut keys = Vec::new();
    for (name, host) in [("by-name", "localhost"), ("by-address", "127.0.0.1")] {
        allowed
            .put(
                "admin",
                &format!("/api/v1/webhooks/{name}"),
                json!({"url": format!("http://{host}:{port}/secret"), "events": ["ping"]}),
            )
            .await
            .expect(StatusCode::OK);
        let ping = allowed
            .post("admin", &format!("/api/v1/webhooks/{name}/ping"), json!({}))
            .await
            .expect(StatusCode::ACCEPTED);
        keys.push((name, ping["key"].as_str().unwrap().to_owned()));
    }
    let settings = WebhookSettings::from_config(&WebhookConfig::default()).unwrap();
    let links = Links::new(Some("https://ops.example"), "unused", "ops.example".into());
    let poster = sender(
        allowed.state.db.clone(),
        settings,
        &Outbound::default(),
        allowed.time.clone(),
        links.clone(),
    )
    .unwrap();
    let report = poster.drain().await.unwrap();
    assert_eq!((report.sent, report.retrying + report.failed), (0, 2), "{report:?}");
    assert!(hits.lock().unwrap().is_empty(), "{:?}", hits.lock().unwrap());
    for (name, key) in &keys {
        let log = attempts(&allowed, key).await;
        let response = log[0]["response"].as_str().unwrap();
        assert!(!response.contains("SECRET"), "{name}: {log:?}");
        if *name == "by-name" {
            // The log does not tell what the name points at inside: neither the address nor
            // what kind of address it is.
            assert!(
                response.contains("localhost resolves to a non-public address"),
                "{name}: {log:?}"
            );
            for told in ["127.0.0.1", "::1", "loopback"] {
                assert!(!response.contains(told), "{name}: {told} in {log:?}");
            }
        } else {
            // An address the admin wrote is named with its reason.
            assert!(response.contains("127.0.0.1 is a loopback address"), "{name}: {log:?}");
        }
    }

    // Allowed, the service is reached: the log keeps the status and a short excerpt on one
    // line; a redirect is not followed.
    allowed
        .put(
            "admin",
            "/api/v1/webhooks/moved",
            json!({"url": format!("http://127.0.0.1:{port}/moved"), "events": ["ping"]}),
        )
        .await
        .expect(StatusCode::OK);
    let moved = allowed
        .post("admin", "/api/v1/webhooks/moved/ping", json!({}))
        .await
        .expect(StatusCode::ACCEPTED);
    allowed
        .put(
            "admin",
            "/api/v1/webhooks/plain",
            json!({"url": format!("http://127.0.0.1:{port}/plain"), "events": ["ping"]}),
        )
        .await
        .expect(StatusCode::OK);
    let plain = allowed
        .post("admin", "/api/v1/webhooks/plain/ping", json!({}))
        .await
        .expect(StatusCode::ACCEPTED);
    let open = sender(
        allowed.state.db.clone(),
        settings,
        &allowed.state.outbound,
        allowed.time.clone(),
        links,
    )
    .unwrap();
    open.drain().await.unwrap();
    assert_eq!(
        hits.lock().unwrap().clone(),
        ["/moved", "/plain"],
        "the redirect to /secret is not followed"
    );
    let moved = attempts(&allowed, moved["key"].as_str().unwrap()).await;
    assert!(moved[0]["response"].as_str().unwrap().starts_with("302"), "{moved:?}");
    let plain = attempts(&allowed, plain["key"].as_str().unwrap()).await;
    let response = plain[0]["response"].as_str().unwrap();
    assert!(response.starts_with("200 OK INTERNAL-SECRET  line two "), "{response}");
    assert!(
        !response.contains("TAIL-NEVER-SHOWN") && !response.chars().any(char::is_control),
        "{response}"
    );
    assert!(response.chars().count() <= 200 + "200 OK ".len(), "{response}");
});
