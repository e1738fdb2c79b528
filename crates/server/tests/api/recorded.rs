//! Recording an action live at a past instant: the server's clock is moved there for the one
//! request, so the action is recorded when it says it happened (no back-dated claim; see
//! `ticket_domain::evidence`), then put back.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::support::{Answer, Harness};

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
