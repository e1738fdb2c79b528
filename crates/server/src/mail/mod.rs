//! Sending the outbox by email over SMTP (lettre), and looking after it.
//!
//! - [`settings`]: the `[mail]` section of the configuration file, checked.
//! - [`mailer`]: claims due outbox rows, sends them, records each attempt, retries with
//!   exponential backoff and jitter, parks a message as `failed` after the last attempt.
//! - [`outbox`]: what admins see and do: list messages, read one with its attempts, retry.

pub mod mailer;
pub mod outbox;
pub mod settings;

pub use mailer::{DrainReport, Mailer};
pub use settings::{MailConfig, MailSettings, Security};
