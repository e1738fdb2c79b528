//! Posting the outbox's `webhook` rows over HTTP(S), and the `[webhooks]` settings.
//!
//! ```toml
//! [webhooks]
//! timeout_secs = 10        # connect and answer, each
//! max_attempts = 12        # then the row is parked as failed
//! retry_initial_secs = 10  # first retry after 5-10 s, doubling up to retry_max_secs
//! retry_max_secs = 3600
//! every_secs = 5           # how often the sender looks for due rows
//! ```
//!
//! A 2xx answer delivers the row, unless a chat robot says in the body that it refused the
//! message (then it is retried). 408, 429 and 5xx answers and network errors are retried; other
//! answers (4xx, and 3xx: redirects are not followed) park the row at once, since sending the
//! same request again cannot help. Errors are recorded without the URL, whose query may hold a
//! robot's token.
//!
//! Requests go through [`crate::app::outbound`]'s client: an internal address (loopback, private,
//! link-local, metadata, …) is refused unless `[outbound] allow` names it, checked on the
//! addresses the name resolves to at connection. Of an answer only the status and a short excerpt
//! (at most [`EXCERPT_CHARS`] characters, control characters replaced by spaces) are kept in the
//! attempts log, so the log cannot be used to read another server's pages.

use std::sync::Arc;
use std::time::Duration;

use anyhow::bail;
use sea_orm::{DatabaseConnection, EntityTrait};
use serde::Deserialize;

use super::format::{render, robot_refusal};
use super::{Format, Payload};
use crate::app::escalation::Links;
use crate::db::entities::{outbox, webhook_subscriptions};
use crate::delivery::{Attempt, Patience, Transport, Worker};
use crate::time::TimeSource;

/// The `[webhooks]` section as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// Seconds to connect, and to get an answer [default 10].
    pub timeout_secs: Option<u64>,
    /// Attempts before a row is parked as failed [default 12: about 3 hours of retries].
    pub max_attempts: Option<u32>,
    /// The first retry delay in seconds [default 10].
    pub retry_initial_secs: Option<u64>,
    /// The longest retry delay in seconds [default 3600].
    pub retry_max_secs: Option<u64>,
    /// How often the sender looks for due rows, in seconds [default 5].
    pub every_secs: Option<u64>,
}

/// The `[webhooks]` section, checked.
#[derive(Debug, Clone, Copy)]
pub struct WebhookSettings {
    /// Retries and timeouts.
    pub patience: Patience,
    /// Poll interval.
    pub every: Duration,
}

impl WebhookSettings {
    /// Checks `c` and fills in the defaults.
    pub fn from_config(c: &WebhookConfig) -> anyhow::Result<WebhookSettings> {
        let secs = |v: Option<u64>, default: u64, key: &str| -> anyhow::Result<Duration> {
            match v.unwrap_or(default) {
                0 => bail!("[webhooks] {key} must be at least 1"),
                n => Ok(Duration::from_secs(n)),
            }
        };
        let max_attempts = c.max_attempts.unwrap_or(12);
        if max_attempts == 0 {
            bail!("[webhooks] max_attempts must be at least 1");
        }
        Ok(WebhookSettings {
            patience: Patience {
                max_attempts,
                retry_initial: secs(c.retry_initial_secs, 10, "retry_initial_secs")?,
                retry_max: secs(c.retry_max_secs, 3600, "retry_max_secs")?,
                timeout: secs(c.timeout_secs, 10, "timeout_secs")?,
                batch: 50,
            },
            every: secs(c.every_secs, 5, "every_secs")?,
        })
    }
}

/// The HTTP transport of webhook rows.
pub struct Poster {
    db: DatabaseConnection,
    client: crate::app::outbound::Client,
    links: Links,
    time: Arc<dyn TimeSource>,
}

/// Posts the outbox's webhook rows.
pub type WebhookSender = Worker<Poster>;

/// A sender for the `webhook` channel, reaching what `outbound` allows; `links` makes the ticket
/// links in messages.
pub fn sender(
    db: DatabaseConnection,
    settings: WebhookSettings,
    outbound: &crate::app::outbound::Outbound,
    time: Arc<dyn TimeSource>,
    links: Links,
) -> anyhow::Result<WebhookSender> {
    let client = outbound.client(settings.patience.timeout)?;
    let poster = Poster {
        db: db.clone(),
        client,
        links,
        time: time.clone(),
    };
    Ok(Worker::new(db, settings.patience, time, poster))
}

impl Transport for Poster {
    const CHANNEL: &'static str = "webhook";

    async fn send(&self, row: &outbox::Model) -> Attempt {
        let subscription = match row.subscription_id {
            Some(id) => webhook_subscriptions::Entity::find_by_id(id).one(&self.db).await,
            None => Ok(None),
        };
        let s = match subscription {
            Ok(Some(s)) if s.active => s,
            Ok(Some(_)) => return Attempt::failed(true, "the subscription is paused"),
            Ok(None) => return Attempt::failed(true, "the subscription was deleted"),
            Err(e) => return Attempt::failed(false, format!("cannot read the subscription: {e}")),
        };
        let format: Format = match s.format.parse() {
            Ok(f) => f,
            Err(e) => return Attempt::failed(true, e),
        };
        let payload: Payload = match serde_json::from_str(&row.body_text) {
            Ok(p) => p,
            Err(e) => return Attempt::failed(true, format!("the queued payload does not read: {e}")),
        };
        let link = payload.ticket.as_ref().map(|t| self.links.page(&t.number));
        let req = render(
            format,
            &s.url,
            s.secret.as_deref(),
            &row.dedup_key,
            &payload,
            link.as_deref(),
            self.time.now(),
        );
        let mut builder = match self.client.post(&req.url) {
            Ok(b) => b.header(reqwest::header::CONTENT_TYPE, "application/json; charset=utf-8"),
            // The address cannot become allowed by itself: parked until an admin changes it.
            Err(refused) => return Attempt::failed(true, refused),
        };
        for (name, value) in &req.headers {
            builder = builder.header(*name, value);
        }
        match builder.body(req.body).send().await {
            // Without the URL: a robot's address carries its credential.
            Err(e) => Attempt::failed(false, error_chain(&e.without_url())),
            Ok(mut resp) => {
                let status = resp.status();
                // The first 4 KiB of the answer are enough to record and to read a robot's code.
                let mut bytes = Vec::new();
                while bytes.len() < 4096 {
                    match resp.chunk().await {
                        Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
                        _ => break,
                    }
                }
                bytes.truncate(4096);
                let text = String::from_utf8_lossy(&bytes).into_owned();
                let answer = format!("{status} {}", excerpt(&text));
                if status.is_success() {
                    match robot_refusal(format, &text) {
                        Some(refused) => Attempt::failed(false, format!("{refused}: {}", excerpt(&text))),
                        None => Attempt::accepted(answer),
                    }
                } else {
                    let retry = status.is_server_error() || status.as_u16() == 408 || status.as_u16() == 429;
                    Attempt::failed(!retry, answer)
                }
            }
        }
    }
}

/// How many characters of an answer the attempts log keeps.
pub const EXCERPT_CHARS: usize = 200;

/// The first [`EXCERPT_CHARS`] characters of `text`, control characters (newlines included)
/// replaced by spaces.
pub fn excerpt(text: &str) -> String {
    text.chars()
        .take(EXCERPT_CHARS)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_owned()
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut source = e.source();
    while let Some(inner) = source {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        source = inner.source();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_is_kept_short_and_on_one_line() {
        let page = format!("<html>\n\r\t\u{1b}[31msecret{}</html>", "x".repeat(1000));
        let e = excerpt(&page);
        assert_eq!(e.chars().count(), EXCERPT_CHARS);
        assert!(e.starts_with("<html>    [31msecret"), "{e}");
        assert!(!e.chars().any(char::is_control), "{e}");
    }
}
