//! Recording an action live at a past instant: the server's clock is moved there for the one
//! request, so the action is recorded when it says it happened (no back-dated claim; see
//! `ticket_domain::evidence`), then put back. [`open`] and [`step`] are the tests' shorthand for
//! a ticket received at a Beijing time and its actions at theirs (shared by `findings.rs`,
//! `shipped_contracts.rs` and `service_edit.rs`; `support.rs` is also compiled into other test
//! binaries, which have no `recorded`). [`beijing`] and [`import_catalog`] are the catalogue
//! tests' shorthand for a Beijing time and an import over HTTP.

use axum::http::{Method, StatusCode};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::support::{Answer, Harness};

/// An instant written as Beijing local time without its offset, `"2026-11-28T10:00:00"`.
pub fn beijing(at: &str) -> DateTime<Utc> {
    format!("{at}+08:00").parse().unwrap()
}

/// Imports catalogue `text` as the admin through `POST /api/v1/catalog/import`.
pub async fn import_catalog(t: &Harness, text: &str) -> Answer {
    t.raw(
        "admin",
        Method::POST,
        "/api/v1/catalog/import",
        Some("application/toml"),
        text.as_bytes().to_vec(),
    )
    .await
}

/// Performs `action` on `ticket` as `who`, recorded at `at`, with `extra` fields.
pub async fn act_at(t: &Harness, who: &str, ticket: &Value, action: &str, at: DateTime<Utc>, extra: Value) -> Answer {
    let now = t.now();
    t.time.set(at);
    let answer = t.act(who, ticket, action, extra).await;
    t.time.set(now);
    answer
}

/// Posts `body` to `path` as `who`, recorded at `at` (a ticket the buyer logs when it happens).
pub async fn post_at(t: &Harness, who: &str, path: &str, body: Value, at: DateTime<Utc>) -> Answer {
    let now = t.now();
    t.time.set(at);
    let answer = t.post(who, path, body).await;
    t.time.set(now);
    answer
}

/// Opens a ticket received (and begun) at `at`, Beijing time, as `who`; returns the ticket view.
pub async fn open(t: &Harness, who: &str, system: &str, kind: &str, severity: &str, at: &str) -> Value {
    let at = format!("{at}+08:00");
    t.post(
        who,
        "/api/v1/tickets",
        json!({"kind": kind, "system": system, "severity": severity, "title": format!("{kind} {severity}"),
               "occurred_at": at, "received_at": at}),
    )
    .await
    .expect(StatusCode::CREATED)
}

/// Performs `action` at `at` (Beijing time) as `who`; returns the new view.
pub async fn step(t: &Harness, who: &str, v: &Value, action: &str, at: &str, extra: Value) -> Value {
    let at: DateTime<Utc> = format!("{at}+08:00").parse().unwrap();
    act_at(t, who, v, action, at, extra).await.expect(StatusCode::OK)
}
