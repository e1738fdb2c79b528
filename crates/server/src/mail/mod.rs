//! Sending the outbox by email over SMTP (lettre), and looking after it.
//!
//! - [`settings`]: the `[mail]` section of the configuration file, checked.
//! - [`inbound`], [`imap`]: mail in, the `[[mail_in]]` mailboxes read over IMAP (IDLE where
//!   offered) and handed to [`crate::app::mail_in`].
//! - [`mailer`]: claims due outbox rows, sends them, records each attempt, retries with
//!   exponential backoff and jitter, parks a message as `failed` after the last attempt.

pub mod imap;
pub mod inbound;
pub mod mailer;
pub mod settings;

pub use mailer::{DrainReport, Mailer};

/// A file sent with a message, kept in the outbox row (`outbox.attachments`) until it is sent.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Attachment {
    /// The file name the recipient sees.
    pub filename: String,
    /// Its media type.
    pub content_type: String,
    /// The content, base64.
    pub base64: String,
}

impl Attachment {
    /// An attachment of `bytes`.
    pub fn new(filename: impl Into<String>, content_type: impl Into<String>, bytes: &[u8]) -> Attachment {
        use base64::Engine as _;
        Attachment {
            filename: filename.into(),
            content_type: content_type.into(),
            base64: base64::engine::general_purpose::STANDARD.encode(bytes),
        }
    }

    /// The content.
    pub fn bytes(&self) -> anyhow::Result<Vec<u8>> {
        use base64::Engine as _;
        Ok(base64::engine::general_purpose::STANDARD.decode(&self.base64)?)
    }
}
pub use settings::{MailConfig, MailSettings, Security};
