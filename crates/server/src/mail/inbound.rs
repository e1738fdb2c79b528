//! `[[mail_in]]`: the IMAP mailboxes mail in reads (see `docs/mail-in.md`).
//!
//! ```toml
//! [[mail_in]]
//! name = "shared"                       # what its messages are recorded under; unique
//! host = "imap.example.gov.cn"
//! port = 993                            # default: 143 (none, starttls), 993 (tls)
//! tls = "tls"                           # "none", "starttls" or "tls" [default tls]
//! username = "opsclock-in"
//! password_env = "OPSCLOCK_IMAP_PASSWORD"   # or password_file = "…", or password = "…"
//! folder = "INBOX"
//! processed_folder = "Processed"        # "" = leave handled mail in place, only marked \Seen
//! unit = "UA"                           # a unit's own mailbox [default: shared]
//! poll_secs = 60
//! idle = true
//! max_message_mib = 25                  # of a larger message only the header is read
//! ack_keywords = ["确认", "收到", "ACK"]
//! severity_keywords = { "紧急" = "urgent", "严重" = "serious", "轻微" = "minor" }
//! rules = [
//!   { address = "*@portal.example.gov.cn", system = "sy-003" },
//!   { subject = "门户", system = "sy-003" },
//! ]
//! ```

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use serde::Deserialize;
use sla_clock::Severity;

use crate::app::mail_in::{Options, Rule};

/// How the connection to the IMAP server is secured.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ImapTls {
    /// Plain IMAP (a server on the same host or a trusted network).
    None,
    /// Plain connection upgraded with STARTTLS (required).
    Starttls,
    /// TLS from the first byte (IMAPS).
    #[default]
    Tls,
}

/// One `[[mail_in]]` table as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailInConfig {
    /// The mailbox's name: what its messages are recorded under.
    pub name: String,
    /// The IMAP server.
    pub host: String,
    /// Port [default by `tls`: 143, 143, 993].
    pub port: Option<u16>,
    /// `none`, `starttls` or `tls` [default tls].
    #[serde(default)]
    pub tls: ImapTls,
    /// The login name.
    pub username: String,
    /// The password, written here (prefer `password_env` or `password_file`).
    pub password: Option<String>,
    /// The environment variable holding the password.
    pub password_env: Option<String>,
    /// A file holding the password (its first line).
    pub password_file: Option<PathBuf>,
    /// A PEM file with a CA to trust besides the system's.
    pub ca_file: Option<PathBuf>,
    /// The folder read [default INBOX].
    pub folder: Option<String>,
    /// Where handled messages are moved [default Processed]; `""` leaves them, marked \Seen.
    pub processed_folder: Option<String>,
    /// The unit whose mailbox this is (its code) [default: a shared mailbox].
    pub unit: Option<String>,
    /// Seconds between looks when the server offers no IDLE (or `idle = false`), and the longest
    /// an IDLE waits before looking anyway [default 60].
    pub poll_secs: Option<u64>,
    /// Wait with IDLE where the server offers it [default true].
    pub idle: Option<bool>,
    /// The largest message read whole, in MiB (default 25); of a larger one only the header is
    /// read, and its ticket or comment says so.
    pub max_message_mib: Option<u64>,
    /// Words that, alone on a reply's first line, acknowledge the ticket [default 确认, 收到, ACK].
    pub ack_keywords: Option<Vec<String>>,
    /// The `authserv-id` of the mail server whose `Authentication-Results` header opsclock
    /// trusts (the receiving server of this mailbox, which removes such headers from outside).
    /// A keyword reply acknowledges only when that header says `dmarc=pass`; without this key
    /// keyword replies are comments, since a `From` is easily forged.
    pub trusted_authserv_id: Option<String>,
    /// Subject words → severity [default 紧急 urgent, 严重 serious, 轻微 minor]; without one, general.
    pub severity_keywords: Option<BTreeMap<String, String>>,
    /// Rules placing a new message on a system, tried in order.
    #[serde(default)]
    pub rules: Vec<Rule>,
}

/// One mailbox, checked.
#[derive(Debug, Clone)]
pub struct MailInSettings {
    /// Host.
    pub host: String,
    /// Port.
    pub port: u16,
    /// Connection security.
    pub tls: ImapTls,
    /// Login name.
    pub username: String,
    /// Password.
    pub password: String,
    /// The PEM text of a CA trusted besides the system's.
    pub extra_ca: Option<Vec<u8>>,
    /// The folder read.
    pub folder: String,
    /// Where handled messages go (`None`: they stay, marked \Seen).
    pub processed_folder: Option<String>,
    /// Between looks.
    pub poll: Duration,
    /// Use IDLE where offered.
    pub idle: bool,
    /// The largest message read whole, in bytes.
    pub max_message_bytes: u64,
    /// How messages are placed.
    pub options: Options,
}

impl MailInSettings {
    /// Checks one `[[mail_in]]` table, reading its password.
    pub fn from_config(c: &MailInConfig) -> anyhow::Result<MailInSettings> {
        let at = format!("[[mail_in]] {:?}", c.name);
        if c.name.trim().is_empty() {
            bail!("[[mail_in]] name must not be empty");
        }
        let password = match (&c.password, &c.password_env, &c.password_file) {
            (Some(p), None, None) => p.clone(),
            (None, Some(var), None) => {
                std::env::var(var).with_context(|| format!("{at}: the environment variable {var} is not set"))?
            }
            (None, None, Some(file)) => std::fs::read_to_string(file)
                .with_context(|| format!("{at}: password_file {:?} cannot be read", file.display()))?
                .lines()
                .next()
                .unwrap_or_default()
                .to_owned(),
            (None, None, None) => bail!("{at}: give password_env, password_file or password"),
            _ => bail!("{at}: give only one of password_env, password_file and password"),
        };
        let extra_ca = match &c.ca_file {
            None => None,
            Some(path) => Some(
                std::fs::read(path).with_context(|| format!("{at}: ca_file {:?} cannot be read", path.display()))?,
            ),
        };
        let mut severity_keywords = match &c.severity_keywords {
            None => Options::default_severity_keywords(),
            Some(map) => map
                .iter()
                .map(|(k, v)| {
                    v.parse::<Severity>()
                        .map(|s| (k.clone(), s))
                        .map_err(|e| anyhow::anyhow!("{at}: severity_keywords.{k}: {e}"))
                })
                .collect::<anyhow::Result<Vec<_>>>()?,
        };
        // The gravest word found decides.
        severity_keywords.sort_by_key(|(_, s)| *s);
        for (i, r) in c.rules.iter().enumerate() {
            if r.address.is_none() && r.subject.is_none() {
                bail!("{at}: rules[{i}] needs address or subject");
            }
        }
        let poll = match c.poll_secs.unwrap_or(60) {
            0 => bail!("{at}: poll_secs must be at least 1"),
            n => Duration::from_secs(n),
        };
        let max_message_bytes = match c.max_message_mib.unwrap_or(25) {
            n @ 1..=1024 => n * 1024 * 1024,
            n => bail!("{at}: max_message_mib must be from 1 to 1024, not {n}"),
        };
        Ok(MailInSettings {
            host: c.host.clone(),
            port: c.port.unwrap_or(match c.tls {
                ImapTls::Tls => 993,
                _ => 143,
            }),
            tls: c.tls,
            username: c.username.clone(),
            password,
            extra_ca,
            folder: c.folder.clone().unwrap_or_else(|| "INBOX".into()),
            processed_folder: match c.processed_folder.as_deref() {
                None => Some("Processed".into()),
                Some("") => None,
                Some(f) => Some(f.to_owned()),
            },
            poll,
            idle: c.idle.unwrap_or(true),
            max_message_bytes,
            options: Options {
                mailbox: c.name.clone(),
                unit: c.unit.clone(),
                rules: c.rules.clone(),
                severity_keywords,
                ack_keywords: c.ack_keywords.clone().unwrap_or_else(Options::default_ack_keywords),
                trusted_authserv_id: c.trusted_authserv_id.clone().filter(|s| !s.trim().is_empty()),
            },
        })
    }

    /// Checks every `[[mail_in]]` table; names must be unique.
    pub fn all(configs: &[MailInConfig]) -> anyhow::Result<Vec<MailInSettings>> {
        let mut names = std::collections::HashSet::new();
        configs
            .iter()
            .map(|c| {
                if !names.insert(c.name.clone()) {
                    bail!("[[mail_in]] name {:?} is used twice", c.name);
                }
                MailInSettings::from_config(c)
            })
            .collect()
    }
}
