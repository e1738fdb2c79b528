//! The configuration file (`config/opsclock.toml` by default).
//!
//! Every key is optional; a missing default file means "all defaults". A file named explicitly
//! with `--config` must exist.

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Deserialize;

/// Where the configuration file is looked for when `--config` is not given.
pub const DEFAULT_PATH: &str = "config/opsclock.toml";

/// The whole file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `[sla]`: period arithmetic.
    #[serde(default)]
    pub sla: SlaConfig,
    /// `[server]`: where to listen.
    #[serde(default)]
    pub server: ServerConfig,
    /// `[database]`: where the data lives.
    #[serde(default)]
    pub database: DatabaseConfig,
    /// `[mail]`: the SMTP server and the mailer.
    #[serde(default)]
    pub mail: crate::mail::MailConfig,
    /// `[[mail_in]]`: the IMAP mailboxes whose mail becomes tickets (see `docs/mail-in.md`).
    #[serde(default)]
    pub mail_in: Vec<crate::mail::inbound::MailInConfig>,
    /// `[escalation]`: the sweep and the monthly summary.
    #[serde(default)]
    pub escalation: EscalationConfig,
    /// `[webhooks]`: the webhook sender's patience.
    #[serde(default)]
    pub webhooks: crate::app::webhooks::sender::WebhookConfig,
    /// `[sms]`: the SMS gateway and the SMS sender's patience.
    #[serde(default)]
    pub sms: crate::app::sms::settings::SmsConfig,
    /// `[outbound]`: what outbound HTTP (webhooks) may reach besides the public internet.
    #[serde(default)]
    pub outbound: crate::app::outbound::OutboundConfig,
    /// `[intake]`: where the alert mapping rules come from.
    #[serde(default)]
    pub intake: IntakeConfig,
    /// `[inspections]`: where the inspection checklists come from.
    #[serde(default)]
    pub inspections: InspectionsConfig,
    /// `[notices]`: who is told at once when a ticket is opened, re-graded, resolved or reopened.
    #[serde(default)]
    pub notices: crate::app::notices::NoticesConfig,
    /// `[retention]`: how long the audit log, delivered messages and alerts are kept.
    #[serde(default)]
    pub retention: RetentionConfig,
    /// `[attachments]`: where files attached to tickets go, and how much they may hold.
    #[serde(default)]
    pub attachments: crate::app::attachments::AttachmentsConfig,
}

/// `[intake]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntakeConfig {
    /// A TOML file of alert mapping rules (see `docs/intake.md`). When set, the file is the rules'
    /// only source: it is loaded at start and `PUT /api/v1/intake/rules` is refused. Relative
    /// to the deployment root, like `calendar_dir`.
    pub rules_file: Option<PathBuf>,
}

/// `[inspections]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InspectionsConfig {
    /// Directory of checklist files (`*.toml`, see `docs/inspections.md`); relative to the
    /// deployment root, like `calendar_dir` [default: `config/checklists` if it exists, else the
    /// shipped checklists built into the binary].
    pub checklist_dir: Option<PathBuf>,
}

/// `[escalation]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EscalationConfig {
    /// Seconds between sweeps for due ladder steps [default 30].
    pub sweep_every_secs: Option<u64>,
    /// When the monthly summary is queued: a cron expression with seconds, in `summary_timezone`
    /// [default "0 0 8 1 * *": 08:00 on the first day of the month]; "off" disables it.
    pub summary_cron: Option<String>,
    /// The zone of `summary_cron` and of the month boundaries [default Asia/Shanghai].
    pub summary_timezone: Option<String>,
    /// Whether the summary carries the month's breach report as an XLSX file [default true].
    pub summary_attach_xlsx: Option<bool>,
}

impl EscalationConfig {
    /// The zone of the monthly summary, checked.
    pub fn summary_zone(&self) -> anyhow::Result<chrono_tz::Tz> {
        let name = self.summary_timezone.as_deref().unwrap_or("Asia/Shanghai");
        name.parse()
            .map_err(|_| anyhow::anyhow!("[escalation] summary_timezone = {name:?} is not an IANA time zone"))
    }
}

/// `[server]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    /// Address to listen on [default 127.0.0.1:8080; env `OPSCLOCK_LISTEN`].
    pub listen: Option<String>,
    /// Mark the session cookie `Secure` (set when served over HTTPS behind a proxy) [default false].
    #[serde(default)]
    pub secure_cookies: bool,
    /// The address users open opsclock at, for links in emails [default http://LISTEN].
    pub public_url: Option<String>,
    /// Longest a request may take before it is answered with 503 [default 30].
    pub request_timeout_secs: Option<u64>,
    /// Sign-in attempts allowed per client address per minute [default 30].
    pub sign_ins_per_minute: Option<u32>,
    /// Failed sign-ins per (login name, client address) before that pair has to wait between
    /// attempts (30 s, doubling after each further failure) [default 5]. No account is locked.
    pub lockout_after: Option<u32>,
    /// The longest a (login name, client address) pair waits between attempts, in minutes
    /// [default 15].
    pub lockout_minutes: Option<u32>,
    /// Failed sign-ins per login name over all addresses (without 15 quiet minutes between them)
    /// before an address that has not signed in to it must wait its turn (1 s, doubling after
    /// each further failure) [default 10]. No account is locked.
    pub account_free_failures: Option<u32>,
    /// The longest such an address waits, in seconds [default 60].
    pub account_longest_wait_secs: Option<u32>,
    /// Passwords checked (Argon2, about 19 MiB of memory each) at once; as many more wait, and
    /// sign-ins beyond those are answered 503 with `Retry-After` [default: twice the cores].
    pub password_checks_at_once: Option<u32>,
    /// Take the client address from the last `X-Forwarded-For` entry; set only behind a reverse
    /// proxy that appends it (nginx `proxy_add_x_forwarded_for`) [default false].
    #[serde(default)]
    pub trust_forwarded_for: bool,
    /// A bearer token `/metrics` requires [default: none, `/metrics` is open; restrict it at the
    /// proxy]. Env `OPSCLOCK_METRICS_TOKEN`.
    pub metrics_token: Option<String>,
    /// Longest a client may take to send a request's line and headers; on a kept-alive
    /// connection it counts from the end of the previous answer, so it is also how long an idle
    /// connection is kept [default 15].
    pub header_timeout_secs: Option<u64>,
    /// Longest a connection may go with no byte either way while no request of it is being
    /// handled (e.g. a client that stops reading its answer) [default 60].
    pub idle_timeout_secs: Option<u64>,
    /// Connections served at once; more wait in the listen queue until one closes. Keep it well
    /// under the open-files limit (`ulimit -n`) [default 512].
    pub max_connections: Option<u32>,
}

/// `[retention]`: how long records that are not tickets are kept. Tickets, their events and
/// clocks are never purged.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionConfig {
    /// Days the audit log is kept [default 1096, three years; at least 183, the contracts'
    /// six months for logs].
    pub audit_days: Option<u32>,
    /// Days delivered (and parked) outbox messages of finished tickets are kept [default 366].
    pub outbox_days: Option<u32>,
    /// Days ended alerts are kept [default 366].
    pub alerts_days: Option<u32>,
}

/// `[database]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseConfig {
    /// `sqlite://PATH` or `postgres://…` [default sqlite://data/opsclock.db; env `OPSCLOCK_DATABASE_URL`].
    pub url: Option<String>,
}

/// `[sla]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlaConfig {
    /// Directory of calendar files; relative paths are relative to the config file's directory's
    /// parent (the deployment root), so `config/calendars` works from the repository root.
    pub calendar_dir: Option<PathBuf>,
    /// How many days before a dated calendar's last published date (`covers.to`) the warnings
    /// start: at start-up, on the admin pages, in a weekly email to admins; `/metrics` always has
    /// the days left [default 60]. See [`crate::app::coverage`].
    pub coverage_warning_days: Option<u32>,
    /// How much earlier than it is recorded an action may say it happened and count at once
    /// (e.g. `"5m"`); an older claim counts as recorded until the other party approves it
    /// [default 5m]. See [`crate::app::tickets::evidence`].
    pub claim_tolerance: Option<String>,
    /// How long the buyer has to confirm a vendor's pause awaiting the reporter or the buyer's
    /// window; unconfirmed, the pause never stops the clock [default 24h].
    pub pause_confirm_within: Option<String>,
    /// How long after resolution a ticket nobody closed or reopened closes by itself, without a
    /// rating [default 7d; "off" never].
    pub auto_close_after: Option<String>,
}

impl SlaConfig {
    /// The evidence rules these settings give (defaults for what is not set).
    pub fn evidence(&self) -> anyhow::Result<crate::app::tickets::evidence::Rules> {
        crate::app::tickets::evidence::Rules::from_settings(
            self.claim_tolerance.as_deref(),
            self.pause_confirm_within.as_deref(),
            self.auto_close_after.as_deref(),
        )
    }

    /// `coverage_warning_days`, or its default.
    pub fn coverage_warning_days(&self) -> u32 {
        self.coverage_warning_days
            .unwrap_or(crate::app::coverage::DEFAULT_WARNING_DAYS)
    }
}

impl Config {
    /// Reads `path`, or the default file if `path` is `None` (missing default → defaults).
    pub fn load(path: Option<&Path>) -> anyhow::Result<Config> {
        let (path, explicit) = match path {
            Some(p) => (p, true),
            None => (Path::new(DEFAULT_PATH), false),
        };
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if !explicit && e.kind() == std::io::ErrorKind::NotFound => return Ok(Config::default()),
            Err(e) => return Err(e).with_context(|| format!("cannot read config file {}", path.display())),
        };
        let mut config: Config =
            toml::from_str(&text).with_context(|| format!("config file {} is not valid", path.display()))?;
        // Relative paths are relative to the deployment root: the config directory's parent.
        let root = path.parent().and_then(Path::parent).unwrap_or(Path::new(""));
        for p in [
            config.sla.calendar_dir.as_mut(),
            config.intake.rules_file.as_mut(),
            config.inspections.checklist_dir.as_mut(),
            config.attachments.dir.as_mut(),
        ]
        .into_iter()
        .flatten()
        {
            if p.is_relative() {
                *p = root.join(&*p);
            }
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_config_files_are_valid() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        for f in ["config/opsclock.toml", "deploy/opsclock.toml"] {
            Config::load(Some(&root.join(f))).unwrap_or_else(|e| panic!("{f}: {e:#}"));
        }
        let rules = std::fs::read_to_string(root.join("config/intake/rules.toml")).unwrap();
        let rules: crate::app::intake::rules::RuleSet = toml::from_str(&rules).unwrap();
        rules
            .compile()
            .unwrap_or_else(|p| panic!("config/intake/rules.toml: {p:?}"));
        let c = Config::load(Some(&root.join("config/opsclock.toml"))).unwrap();
        let mail = crate::mail::MailSettings::from_config(&c.mail).unwrap();
        assert!(mail.host.is_none(), "the repository's config sends no mail");
        assert_eq!((mail.max_attempts, mail.domain().as_str()), (24, "localhost"));
        assert_eq!(c.escalation.summary_cron.as_deref(), Some("0 0 8 1 * *"));
        assert_eq!(
            c.sla.coverage_warning_days(),
            crate::app::coverage::DEFAULT_WARNING_DAYS
        );
        assert_eq!(Config::default().sla.coverage_warning_days(), 60);
        let attachments = crate::app::attachments::AttachmentStore::from_config(&c.attachments).unwrap();
        assert_eq!(attachments.storage, crate::app::attachments::Storage::Database);
    }

    #[test]
    fn missing_default_file_means_defaults_but_a_named_one_must_exist() {
        let dir = std::env::temp_dir().join(format!("opsclock-config-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("config")).unwrap();
        let err = Config::load(Some(&dir.join("nope.toml"))).unwrap_err();
        assert!(format!("{err:#}").contains("nope.toml"));

        let file = dir.join("config/opsclock.toml");
        std::fs::write(&file, "[sla]\ncalendar_dir = \"config/calendars\"\n").unwrap();
        let c = Config::load(Some(&file)).unwrap();
        assert_eq!(c.sla.calendar_dir.unwrap(), dir.join("config/calendars"));

        std::fs::write(&file, "[sla]\ncalender_dir = \"x\"\n").unwrap();
        let err = format!("{:#}", Config::load(Some(&file)).unwrap_err());
        assert!(err.contains("calender_dir"), "{err}");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
