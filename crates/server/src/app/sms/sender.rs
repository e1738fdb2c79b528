//! Sending the outbox's `sms` rows through the configured gateway ([`super::gateway`]).
//!
//! The sender is a [`Worker`] like the mailer and the webhook sender: it claims due rows with a
//! lease, makes one attempt each, and records the attempt and its outcome (sent, retried after a
//! backoff, or parked as failed) as [`crate::delivery`] describes. Requests go through
//! [`crate::app::outbound`]'s client (no redirects, no proxy, `[sms] timeout_secs` to connect and
//! to answer), which may reach the gateway's host even when it is internal (`127.0.0.1` for a
//! Kannel on the same machine): the config file names it. Of an answer only the status and the
//! first [`crate::app::webhooks::sender::EXCERPT_CHARS`] characters are kept in the attempts log,
//! and never the URL (Kannel's and Alibaba's carry the credential).

use std::collections::BTreeMap;
use std::sync::Arc;

use rand::Rng;
use sea_orm::DatabaseConnection;

use super::gateway::{Gateway, Method, Outgoing};
use super::settings::SmsSettings;
use crate::app::outbound::{Client, Outbound};
use crate::db::entities::outbox;
use crate::delivery::{Attempt, Transport, Worker};
use crate::time::TimeSource;

/// The HTTP transport of `sms` rows.
pub struct SmsTransport {
    client: Client,
    gateway: Gateway,
    time: Arc<dyn TimeSource>,
}

/// Sends the outbox's SMS.
pub type SmsSender = Worker<SmsTransport>;

/// A sender for the `sms` channel through `gateway`, reaching what `outbound` allows and the
/// gateway's own host.
pub fn sender(
    db: DatabaseConnection,
    settings: &SmsSettings,
    gateway: Gateway,
    outbound: &Outbound,
    time: Arc<dyn TimeSource>,
) -> anyhow::Result<SmsSender> {
    let transport = transport(settings, gateway, outbound, time.clone())?;
    Ok(Worker::new(db, settings.patience, time, transport))
}

/// The transport alone (`opsclock sms test` sends through it without a row).
pub fn transport(
    settings: &SmsSettings,
    gateway: Gateway,
    outbound: &Outbound,
    time: Arc<dyn TimeSource>,
) -> anyhow::Result<SmsTransport> {
    let host = gateway.url().host_str().unwrap_or_default();
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let client = outbound.also_allowing(host).client(settings.patience.timeout)?;
    Ok(SmsTransport { client, gateway, time })
}

impl SmsTransport {
    /// One attempt at sending `text` to `phone`, with the template variables `vars`.
    pub async fn send_one(&self, phone: &str, text: &str, vars: &BTreeMap<String, String>) -> Attempt {
        let nonce = format!("{:032x}", rand::rng().random::<u128>());
        let m = Outgoing { phone, text, vars };
        let req = match self.gateway.request(&m, self.time.now(), &nonce) {
            Ok(r) => r,
            Err(e) => return Attempt::failed(true, e),
        };
        let method = match req.method {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
        };
        let mut builder = match self.client.request(method, &req.url) {
            Ok(b) => b,
            Err(refused) => return Attempt::failed(true, refused),
        };
        for (name, value) in &req.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        if let Some((user, password)) = &req.basic {
            builder = builder.basic_auth(user, Some(password));
        }
        if let Some(body) = req.body {
            builder = builder.body(body);
        }
        match builder.send().await {
            // Without the URL: Kannel's and Alibaba's carry the credential.
            Err(e) => Attempt::failed(false, error_chain(&e.without_url())),
            Ok(mut resp) => {
                let status = resp.status().as_u16();
                let mut bytes = Vec::new();
                while bytes.len() < 4096 {
                    match resp.chunk().await {
                        Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
                        _ => break,
                    }
                }
                bytes.truncate(4096);
                self.gateway.judge(status, &String::from_utf8_lossy(&bytes))
            }
        }
    }
}

impl Transport for SmsTransport {
    const CHANNEL: &'static str = "sms";

    /// Sends the row's text to each of its numbers in turn (rows [`super::queue`] makes have
    /// one); stops at the first failure, so a retry sends to every number again.
    async fn send(&self, row: &outbox::Model) -> Attempt {
        let phones: Vec<String> = serde_json::from_value(row.recipients.clone()).unwrap_or_default();
        if phones.is_empty() {
            return Attempt::failed(true, "no phone number");
        }
        let mut vars: BTreeMap<String, String> = serde_json::from_str(&row.body_html).unwrap_or_default();
        vars.entry("text".into()).or_insert_with(|| row.body_text.clone());
        let mut answers = Vec::new();
        for written in &phones {
            // A row parked for a number that is not one stays parked when retried.
            let phone = match super::phone::normalise(written) {
                Ok(p) => p,
                Err(e) => return Attempt::failed(true, e),
            };
            let a = self.send_one(&phone, &row.body_text, &vars).await;
            if !a.ok {
                return a;
            }
            answers.push(a.response);
        }
        Attempt::accepted(answers.join("; "))
    }
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
