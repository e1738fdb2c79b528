//! `[sms]`: which gateway sends SMS and how patient the sender is with it.
//!
//! ```toml
//! [sms]
//! provider = "kannel"          # "http", "kannel", "aliyun" or "tencent"; without it SMS wait unsent
//! url = "http://127.0.0.1:13013/cgi-bin/sendsms"
//! username = "opsclock"        # the secret comes from secret_env or secret_file
//! secret_env = "OPSCLOCK_SMS_SECRET"
//! # secret_file = "/etc/opsclock/sms-secret"
//! from = "10690000"
//! max_attempts = 12            # then the message is parked as failed
//! retry_initial_secs = 30      # first retry after 15-30 s, doubling up to retry_max_secs
//! retry_max_secs = 3600
//! timeout_secs = 10
//! every_secs = 5               # how often the sender looks for due messages
//! ```
//!
//! The secret (the HTTP gateway's basic-auth password, Kannel's `password`, Alibaba's
//! AccessKeySecret, Tencent's SecretKey) is never written in the file: it is read from the
//! environment variable `secret_env` names [default `OPSCLOCK_SMS_SECRET`] or, with `secret_file`,
//! from that file (its first line), as the SMTP password is (`[mail] password_env`). See
//! `docs/sms.md` for every provider's keys.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use serde::Deserialize;

use super::gateway::{Gateway, HttpGateway, Method};
use crate::delivery::Patience;

/// The `[sms]` section as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmsConfig {
    /// `http`, `kannel`, `aliyun` or `tencent`; none: SMS are queued but not sent.
    pub provider: Option<String>,
    /// The gateway's address (`http`, `kannel`; the API endpoint for `aliyun` and `tencent`
    /// [default `https://dysmsapi.aliyuncs.com/`, `https://sms.tencentcloudapi.com/`]).
    pub url: Option<String>,
    /// `GET` or `POST` (`http`) [default POST].
    pub method: Option<String>,
    /// The body's `Content-Type` (`http`) [default `application/json`].
    pub content_type: Option<String>,
    /// The body template, with `{phone}`, `{e164}` and `{text}` (`http`).
    pub body: Option<String>,
    /// A query template added to `url`, with the same placeholders (`http`).
    pub query: Option<String>,
    /// Headers sent with every request (`http`).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Basic-auth user (`http`) or sendsms user (`kannel`).
    pub username: Option<String>,
    /// The environment variable holding the secret [default OPSCLOCK_SMS_SECRET].
    pub secret_env: Option<String>,
    /// A file holding the secret (its first line), instead of the environment.
    pub secret_file: Option<PathBuf>,
    /// The sender number (`kannel`'s `from`) [default: smsbox's `global-sender`; without either
    /// Kannel refuses every message].
    pub from: Option<String>,
    /// AccessKeyId (`aliyun`) or SecretId (`tencent`).
    pub key_id: Option<String>,
    /// The approved signature (签名): `SignName`.
    pub sign_name: Option<String>,
    /// The approved template: `TemplateCode` (`aliyun`) or `TemplateId` (`tencent`).
    pub template: Option<String>,
    /// The template's variables, in order, from opsclock's: `text`, `number`, `title`, `link`,
    /// `event` [default `["number", "title", "link"]`].
    pub params: Option<Vec<String>>,
    /// `SmsSdkAppId` (`tencent`).
    pub app_id: Option<String>,
    /// The region [default `cn-hangzhou` (`aliyun`), `ap-guangzhou` (`tencent`)].
    pub region: Option<String>,
    /// Attempts before a message is parked as failed [default 12].
    pub max_attempts: Option<u32>,
    /// The first retry delay in seconds [default 30].
    pub retry_initial_secs: Option<u64>,
    /// The longest retry delay in seconds [default 3600].
    pub retry_max_secs: Option<u64>,
    /// Seconds to connect, and to get an answer [default 10].
    pub timeout_secs: Option<u64>,
    /// How often the sender looks for due messages, in seconds [default 5].
    pub every_secs: Option<u64>,
}

/// The `[sms]` section, checked.
#[derive(Debug, Clone)]
pub struct SmsSettings {
    /// The gateway, if SMS are to be sent.
    pub gateway: Option<Gateway>,
    /// Retries and timeouts.
    pub patience: Patience,
    /// Poll interval.
    pub every: Duration,
}

/// The template variables sent when `params` is not set.
pub const DEFAULT_PARAMS: [&str; 3] = ["number", "title", "link"];

impl SmsSettings {
    /// Checks `c`, reading the secret from the environment or the file.
    pub fn from_config(c: &SmsConfig) -> anyhow::Result<SmsSettings> {
        let secs = |v: Option<u64>, default: u64, key: &str| -> anyhow::Result<Duration> {
            match v.unwrap_or(default) {
                0 => bail!("[sms] {key} must be at least 1"),
                n => Ok(Duration::from_secs(n)),
            }
        };
        let max_attempts = c.max_attempts.unwrap_or(12);
        if max_attempts == 0 {
            bail!("[sms] max_attempts must be at least 1");
        }
        let patience = Patience {
            max_attempts,
            retry_initial: secs(c.retry_initial_secs, 30, "retry_initial_secs")?,
            retry_max: secs(c.retry_max_secs, 3600, "retry_max_secs")?,
            timeout: secs(c.timeout_secs, 10, "timeout_secs")?,
            batch: 50,
        };
        let gateway = match c.provider.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(p) => Some(gateway(p, c)?),
        };
        Ok(SmsSettings {
            gateway,
            patience,
            every: secs(c.every_secs, 5, "every_secs")?,
        })
    }
}

fn need<'a>(v: &'a Option<String>, key: &str, provider: &str) -> anyhow::Result<&'a str> {
    match v.as_deref().map(str::trim) {
        Some(s) if !s.is_empty() => Ok(s),
        _ => bail!("[sms] provider = {provider:?} needs {key}"),
    }
}

/// The secret: from `secret_file` if set, else from the environment variable.
fn secret(c: &SmsConfig, required: bool) -> anyhow::Result<Option<String>> {
    if let Some(path) = &c.secret_file {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("[sms] secret_file = {:?} cannot be read", path.display()))?;
        return Ok(Some(text.lines().next().unwrap_or("").trim().to_owned()));
    }
    let var = c.secret_env.as_deref().unwrap_or("OPSCLOCK_SMS_SECRET");
    match std::env::var(var) {
        Ok(v) => Ok(Some(v)),
        Err(_) if !required => Ok(None),
        Err(_) => bail!("[sms] the gateway needs a secret: set the environment variable {var} or secret_file"),
    }
}

fn url(v: &str) -> anyhow::Result<reqwest::Url> {
    let u = reqwest::Url::parse(v).with_context(|| format!("[sms] url = {v:?} is not a URL"))?;
    if !matches!(u.scheme(), "http" | "https") || u.host_str().is_none() {
        bail!("[sms] url = {v:?} must be an http or https address");
    }
    Ok(u)
}

fn gateway(provider: &str, c: &SmsConfig) -> anyhow::Result<Gateway> {
    let params = c
        .params
        .clone()
        .unwrap_or_else(|| DEFAULT_PARAMS.iter().map(|s| (*s).to_owned()).collect());
    Ok(match provider {
        "http" => {
            let method = match c.method.as_deref().unwrap_or("POST").to_ascii_uppercase().as_str() {
                "GET" => Method::Get,
                "POST" => Method::Post,
                m => bail!("[sms] method = {m:?}: GET or POST"),
            };
            if method == Method::Get && c.body.is_some() {
                bail!("[sms] method = \"GET\" sends no body: put the template in query");
            }
            if c.body.is_none() && c.query.is_none() {
                bail!("[sms] provider = \"http\" needs a body or a query template with {{phone}} and {{text}}");
            }
            let basic = match &c.username {
                Some(u) => Some((u.clone(), secret(c, true)?.unwrap_or_default())),
                None => None,
            };
            Gateway::Http(HttpGateway {
                url: url(need(&c.url, "url", provider)?)?,
                method,
                content_type: c.content_type.clone().unwrap_or_else(|| "application/json".to_owned()),
                body: c.body.clone(),
                query: c.query.clone(),
                headers: c.headers.clone().into_iter().collect(),
                basic,
            })
        }
        "kannel" => Gateway::Kannel {
            url: url(need(&c.url, "url", provider)?)?,
            username: need(&c.username, "username", provider)?.to_owned(),
            password: secret(c, true)?.unwrap_or_default(),
            from: c.from.clone(),
        },
        "aliyun" => Gateway::Aliyun {
            url: url(c.url.as_deref().unwrap_or("https://dysmsapi.aliyuncs.com/"))?,
            key_id: need(&c.key_id, "key_id", provider)?.to_owned(),
            secret: secret(c, true)?.unwrap_or_default(),
            sign_name: need(&c.sign_name, "sign_name", provider)?.to_owned(),
            template: need(&c.template, "template", provider)?.to_owned(),
            params,
            region: c.region.clone().unwrap_or_else(|| "cn-hangzhou".to_owned()),
        },
        "tencent" => Gateway::Tencent {
            url: url(c.url.as_deref().unwrap_or("https://sms.tencentcloudapi.com/"))?,
            key_id: need(&c.key_id, "key_id", provider)?.to_owned(),
            secret: secret(c, true)?.unwrap_or_default(),
            app_id: need(&c.app_id, "app_id", provider)?.to_owned(),
            sign_name: need(&c.sign_name, "sign_name", provider)?.to_owned(),
            template: need(&c.template, "template", provider)?.to_owned(),
            params,
            region: c.region.clone().unwrap_or_else(|| "ap-guangzhou".to_owned()),
        },
        other => bail!("[sms] provider = {other:?}: \"http\", \"kannel\", \"aliyun\" or \"tencent\""),
    })
}
