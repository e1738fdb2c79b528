//! `[mail]`: the SMTP server and the mailer's patience.
//!
//! ```toml
//! [mail]
//! host = "smtp.example.gov.cn"   # without a host, messages wait in the outbox unsent
//! port = 587                     # default: 25 (none), 587 (starttls), 465 (tls)
//! security = "starttls"          # "none", "starttls" or "tls" (implicit TLS)
//! username = "opsclock"          # the password comes from the environment variable
//! password_env = "OPSCLOCK_SMTP_PASSWORD"
//! ca_file = "/etc/opsclock/mail-ca.pem"  # a CA to trust besides the system's (an internal one)
//! from = "opsclock <opsclock@example.gov.cn>"
//! max_attempts = 24              # then the message is parked as failed
//! retry_initial_secs = 30        # first retry after 15-30 s, doubling up to retry_max_secs
//! retry_max_secs = 3600
//! timeout_secs = 30
//! every_secs = 10                # how often the mailer looks for due messages
//! ```

use std::time::Duration;

use anyhow::{Context, bail};
use lettre::message::Mailbox;
use serde::Deserialize;

/// How the connection to the SMTP server is secured.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Security {
    /// Plain SMTP (a relay on the same host or a trusted network).
    None,
    /// Plain connection upgraded with STARTTLS (required).
    #[default]
    Starttls,
    /// TLS from the first byte (SMTPS).
    Tls,
}

/// The `[mail]` section as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailConfig {
    /// SMTP server; without it nothing is sent.
    pub host: Option<String>,
    /// Port [default by `security`: 25, 587, 465].
    pub port: Option<u16>,
    /// `none`, `starttls` or `tls` [default starttls].
    #[serde(default)]
    pub security: Security,
    /// User name for SMTP AUTH, if the server wants one.
    pub username: Option<String>,
    /// The environment variable holding the SMTP password [default OPSCLOCK_SMTP_PASSWORD].
    pub password_env: Option<String>,
    /// A PEM file with the certificate of a CA to trust for the SMTP server's TLS certificate,
    /// besides the system's (a mail server under an internal CA) [default: the system's only].
    pub ca_file: Option<std::path::PathBuf>,
    /// The sender \[default `opsclock <opsclock@localhost>`\].
    pub from: Option<String>,
    /// Attempts before a message is parked as failed [default 24: 8½ to 17 hours of retries].
    pub max_attempts: Option<u32>,
    /// The first retry delay in seconds [default 30].
    pub retry_initial_secs: Option<u64>,
    /// The longest retry delay in seconds [default 3600].
    pub retry_max_secs: Option<u64>,
    /// SMTP timeout in seconds [default 30].
    pub timeout_secs: Option<u64>,
    /// How often the mailer looks for due messages, in seconds [default 10].
    pub every_secs: Option<u64>,
}

/// The `[mail]` section, checked and with defaults filled in.
#[derive(Debug, Clone)]
pub struct MailSettings {
    /// SMTP server, if mail is to be sent.
    pub host: Option<String>,
    /// Port.
    pub port: u16,
    /// Connection security.
    pub security: Security,
    /// SMTP AUTH user and password.
    pub credentials: Option<(String, String)>,
    /// The PEM text of a CA certificate trusted besides the system's (`ca_file`).
    pub extra_ca: Option<Vec<u8>>,
    /// The sender.
    pub from: Mailbox,
    /// Attempts before parking.
    pub max_attempts: u32,
    /// First retry delay.
    pub retry_initial: Duration,
    /// Longest retry delay.
    pub retry_max: Duration,
    /// SMTP timeout.
    pub timeout: Duration,
    /// Poll interval.
    pub every: Duration,
    /// Messages claimed per round.
    pub batch: u64,
}

impl MailSettings {
    /// Checks `config`, reading the password from the environment.
    pub fn from_config(config: &MailConfig) -> anyhow::Result<MailSettings> {
        let from_text = config.from.as_deref().unwrap_or("opsclock <opsclock@localhost>");
        let from: Mailbox = from_text
            .parse()
            .with_context(|| format!("[mail] from = {from_text:?} is not an address"))?;
        let credentials = match &config.username {
            None => None,
            Some(user) => {
                let var = config.password_env.as_deref().unwrap_or("OPSCLOCK_SMTP_PASSWORD");
                let password = std::env::var(var)
                    .with_context(|| format!("[mail] username is set but the environment variable {var} is not"))?;
                Some((user.clone(), password))
            }
        };
        let extra_ca = match &config.ca_file {
            None => None,
            Some(path) => {
                let pem = std::fs::read(path)
                    .with_context(|| format!("[mail] ca_file = {:?} cannot be read", path.display()))?;
                lettre::transport::smtp::client::Certificate::from_pem(&pem)
                    .with_context(|| format!("[mail] ca_file = {:?} is not a PEM certificate", path.display()))?;
                Some(pem)
            }
        };
        let max_attempts = config.max_attempts.unwrap_or(24);
        if max_attempts == 0 {
            bail!("[mail] max_attempts must be at least 1");
        }
        let secs = |v: Option<u64>, default: u64, key: &str| -> anyhow::Result<Duration> {
            match v.unwrap_or(default) {
                0 => bail!("[mail] {key} must be at least 1"),
                n => Ok(Duration::from_secs(n)),
            }
        };
        Ok(MailSettings {
            host: config.host.clone().filter(|h| !h.trim().is_empty()),
            port: config.port.unwrap_or(match config.security {
                Security::None => 25,
                Security::Starttls => 587,
                Security::Tls => 465,
            }),
            security: config.security,
            credentials,
            extra_ca,
            from,
            max_attempts,
            retry_initial: secs(config.retry_initial_secs, 30, "retry_initial_secs")?,
            retry_max: secs(config.retry_max_secs, 3600, "retry_max_secs")?,
            timeout: secs(config.timeout_secs, 30, "timeout_secs")?,
            every: secs(config.every_secs, 10, "every_secs")?,
            batch: 50,
        })
    }

    /// The outbox worker's patience with the SMTP server.
    pub fn patience(&self) -> crate::delivery::Patience {
        crate::delivery::Patience {
            max_attempts: self.max_attempts,
            retry_initial: self.retry_initial,
            retry_max: self.retry_max,
            timeout: self.timeout,
            batch: self.batch,
        }
    }

    /// The domain of the sender address, used in `Message-ID`s.
    pub fn domain(&self) -> String {
        self.from.email.domain().to_owned()
    }
}
