//! The mailer: drains the `email` channel of the outbox over SMTP.
//!
//! Claiming, leases, retries with backoff and parking are the outbox worker's
//! ([`crate::delivery`]); this module builds the message and classifies SMTP's answers: accepted,
//! temporary (connection refused, 4xx, timeout: retried) or permanent (5xx, bad address: parked).

use std::sync::Arc;

use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sea_orm::DatabaseConnection;

use super::settings::{MailSettings, Security};
use crate::db::entities::outbox;
use crate::delivery::{Attempt, Transport, Worker};
use crate::time::TimeSource;

pub use crate::delivery::DrainReport;

/// Sends the outbox's email.
pub struct Mailer {
    worker: Worker<Smtp>,
}

/// The SMTP transport.
pub struct Smtp {
    settings: MailSettings,
    transport: AsyncSmtpTransport<Tokio1Executor>,
    /// Dates the messages (lettre would read the system clock).
    time: Arc<dyn TimeSource>,
}

impl Mailer {
    /// A mailer for `settings`, which must name a host.
    pub fn new(db: DatabaseConnection, settings: MailSettings, time: Arc<dyn TimeSource>) -> anyhow::Result<Mailer> {
        let host = settings
            .host
            .clone()
            .ok_or_else(|| anyhow::anyhow!("[mail] host is not set"))?;
        // What starttls_relay and relay do, with the configured CA trusted besides the system's.
        let tls = || -> anyhow::Result<TlsParameters> {
            let mut params = TlsParameters::builder(host.clone());
            if let Some(pem) = &settings.extra_ca {
                params = params.add_root_certificate(Certificate::from_pem(pem)?);
            }
            Ok(params.build()?)
        };
        let plain = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&host);
        let builder = match settings.security {
            Security::None => plain,
            Security::Starttls => plain.tls(Tls::Required(tls()?)),
            Security::Tls => plain.tls(Tls::Wrapper(tls()?)),
        };
        let mut builder = builder.port(settings.port).timeout(Some(settings.timeout));
        if let Some((user, password)) = &settings.credentials {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        let patience = settings.patience();
        let smtp = Smtp {
            transport: builder.build(),
            settings,
            time: time.clone(),
        };
        Ok(Mailer {
            worker: Worker::new(db, patience, time, smtp),
        })
    }

    /// Sends every message that is due now; returns what happened.
    pub async fn drain(&self) -> anyhow::Result<DrainReport> {
        self.worker.drain().await
    }
}

impl Transport for Smtp {
    const CHANNEL: &'static str = "email";

    async fn send(&self, row: &outbox::Model) -> Attempt {
        match self.message(row) {
            Err(e) => Attempt::failed(true, format!("cannot build the message: {e}")),
            Ok(message) => match self.transport.send(message).await {
                Ok(r) => Attempt::accepted(format!("{} {}", r.code(), r.message().collect::<Vec<_>>().join(" "))),
                Err(e) => Attempt::failed(e.is_permanent(), format!("{e}")),
            },
        }
    }
}

impl Smtp {
    fn message(&self, row: &outbox::Model) -> anyhow::Result<Message> {
        let recipients: Vec<String> = serde_json::from_value(row.recipients.clone())?;
        if recipients.is_empty() {
            anyhow::bail!("no recipients");
        }
        let mut builder = Message::builder()
            .from(self.settings.from.clone())
            .subject(row.subject.clone())
            .date(self.time.now().into())
            .message_id(Some(format!("<{}>", row.message_id)))
            // RFC 3834: no auto-responder (an out-of-office, a list) should answer it, and
            // Exchange's own switch for the same; a person's reply is not affected.
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("Auto-Submitted"),
                "auto-generated".to_owned(),
            ))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("X-Auto-Response-Suppress"),
                "All".to_owned(),
            ));
        if let Some(thread) = &row.thread_id {
            builder = builder
                .in_reply_to(format!("<{thread}>"))
                .references(format!("<{thread}>"));
        }
        for r in recipients {
            let mailbox: Mailbox = r.parse().map_err(|e| anyhow::anyhow!("recipient {r:?}: {e}"))?;
            builder = builder.to(mailbox);
        }
        let body = MultiPart::alternative_plain_html(row.body_text.clone(), row.body_html.clone());
        let files: Vec<super::Attachment> = match &row.attachments {
            Some(json) => serde_json::from_value(json.clone())?,
            None => Vec::new(),
        };
        if files.is_empty() {
            return Ok(builder.multipart(body)?);
        }
        let mut mixed = MultiPart::mixed().multipart(body);
        for f in files {
            let kind = lettre::message::header::ContentType::parse(&f.content_type)
                .map_err(|e| anyhow::anyhow!("attachment {}: {e}", f.filename))?;
            mixed = mixed.singlepart(lettre::message::Attachment::new(f.filename.clone()).body(f.bytes()?, kind));
        }
        Ok(builder.multipart(mixed)?)
    }
}
