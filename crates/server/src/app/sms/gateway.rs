//! The four gateways: the request each makes for one message to one phone, and what each answer
//! means (pure: the HTTP exchange itself is [`super::sender`]'s).
//!
//! | provider | request | accepted | retried | parked (permanent) |
//! |---|---|---|---|---|
//! | `http` | the templates, `GET` or `POST` | 2xx | 408, 429, 5xx, no answer | other 4xx, 3xx |
//! | `kannel` | `GET sendsms?username&password&to&text&charset=UTF-8[&coding=2][&from]` | 2xx (`0: Accepted for delivery`, `3: Queued for later delivery`) | 5xx, no answer | 4xx (`Authorization failed`, `Missing receiver number`) |
//! | `aliyun` | `GET /?Action=SendSms&…&Signature=…` | `"Code": "OK"` | 5xx, `isp.*`, `*Throttling*`, `*LIMIT_CONTROL*` | any other `Code` |
//! | `tencent` | `POST` JSON `SendSms` 2021-01-11, TC3 signed | every `SendStatusSet[].Code` is `Ok` | 5xx, `InternalError*`, `*LimitExceeded*` | any other `Error.Code` or status code |

use std::collections::BTreeMap;

use super::sign::{Tc3, pop_encode, pop_query, pop_signature};
use super::text::{Encoding, segments};
use crate::delivery::Attempt;

/// `GET` or `POST`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// The template goes in the query.
    Get,
    /// The template is the body.
    Post,
}

/// A generic HTTP gateway.
#[derive(Debug, Clone)]
pub struct HttpGateway {
    /// Where to send.
    pub url: reqwest::Url,
    /// `GET` or `POST`.
    pub method: Method,
    /// The body's type: decides how placeholders are escaped in it.
    pub content_type: String,
    /// Body template.
    pub body: Option<String>,
    /// Query template (added to the URL).
    pub query: Option<String>,
    /// Extra headers.
    pub headers: Vec<(String, String)>,
    /// Basic auth.
    pub basic: Option<(String, String)>,
}

/// A configured gateway.
#[derive(Debug, Clone)]
pub enum Gateway {
    /// A generic HTTP gateway.
    Http(HttpGateway),
    /// Kannel's smsbox `sendsms` interface.
    Kannel {
        /// `http://host:sendsms-port/cgi-bin/sendsms`.
        url: reqwest::Url,
        /// A `sendsms-user`'s name.
        username: String,
        /// Its password.
        password: String,
        /// The sender number.
        from: Option<String>,
    },
    /// Alibaba Cloud SMS (dysmsapi `SendSms`).
    Aliyun {
        /// The endpoint.
        url: reqwest::Url,
        /// AccessKeyId.
        key_id: String,
        /// AccessKeySecret.
        secret: String,
        /// SignName.
        sign_name: String,
        /// TemplateCode.
        template: String,
        /// The template's variables.
        params: Vec<String>,
        /// RegionId.
        region: String,
    },
    /// Tencent Cloud SMS (`SendSms` 2021-01-11).
    Tencent {
        /// The endpoint.
        url: reqwest::Url,
        /// SecretId.
        key_id: String,
        /// SecretKey.
        secret: String,
        /// SmsSdkAppId.
        app_id: String,
        /// SignName.
        sign_name: String,
        /// TemplateId.
        template: String,
        /// The template's variables, in order.
        params: Vec<String>,
        /// X-TC-Region.
        region: String,
    },
}

/// One message to one phone.
#[derive(Debug, Clone)]
pub struct Outgoing<'a> {
    /// The stored number (`13800138000` or `+447700900123`).
    pub phone: &'a str,
    /// The text.
    pub text: &'a str,
    /// Template variables (`text`, `number`, `title`, `link`, `event`).
    pub vars: &'a BTreeMap<String, String>,
}

/// An HTTP request to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// `GET` or `POST`.
    pub method: Method,
    /// The whole URL.
    pub url: String,
    /// Headers.
    pub headers: Vec<(String, String)>,
    /// Basic auth.
    pub basic: Option<(String, String)>,
    /// The body.
    pub body: Option<String>,
}

/// A JSON string's inside (no quotes).
fn json_inside(s: &str) -> String {
    let quoted = serde_json::to_string(s).unwrap_or_default();
    quoted[1..quoted.len() - 1].to_owned()
}

/// `template` with `{phone}`, `{e164}` and `{text}` replaced by `escape`d values.
pub fn fill(template: &str, m: &Outgoing<'_>, escape: impl Fn(&str) -> String) -> String {
    template
        .replace("{phone}", &escape(m.phone))
        .replace("{e164}", &escape(&super::phone::e164(m.phone)))
        .replace("{text}", &escape(m.text))
}

fn with_query(url: &reqwest::Url, query: &str) -> String {
    let mut u = url.to_string();
    if query.is_empty() {
        return u;
    }
    u.push(if url.query().is_some() { '&' } else { '?' });
    u.push_str(query);
    u
}

/// The variables `names` asks for, or the first one the message lacks.
fn vars<'a>(m: &'a Outgoing<'_>, names: &[String]) -> Result<Vec<(&'a str, &'a str)>, String> {
    names
        .iter()
        .map(|n| {
            m.vars
                .get_key_value(n)
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .ok_or_else(|| format!("the message has no template variable {n:?} ([sms] params)"))
        })
        .collect()
}

impl Gateway {
    /// The provider's name.
    pub fn provider(&self) -> &'static str {
        match self {
            Gateway::Http(_) => "http",
            Gateway::Kannel { .. } => "kannel",
            Gateway::Aliyun { .. } => "aliyun",
            Gateway::Tencent { .. } => "tencent",
        }
    }

    /// The address requests go to.
    pub fn url(&self) -> &reqwest::Url {
        match self {
            Gateway::Http(h) => &h.url,
            Gateway::Kannel { url, .. } | Gateway::Aliyun { url, .. } | Gateway::Tencent { url, .. } => url,
        }
    }

    /// The request that sends `m` at `now` (`nonce`: a fresh random string, for Alibaba);
    /// `Err` when it cannot be made (a missing template variable).
    pub fn request(
        &self,
        m: &Outgoing<'_>,
        now: chrono::DateTime<chrono::Utc>,
        nonce: &str,
    ) -> Result<Request, String> {
        match self {
            Gateway::Http(h) => {
                let query = h.query.as_deref().map(|q| fill(q, m, pop_encode)).unwrap_or_default();
                let ct = h.content_type.to_ascii_lowercase();
                let body = h.body.as_deref().map(|b| {
                    if ct.contains("json") {
                        fill(b, m, json_inside)
                    } else if ct.contains("x-www-form-urlencoded") {
                        fill(b, m, pop_encode)
                    } else {
                        fill(b, m, str::to_owned)
                    }
                });
                let mut headers = h.headers.clone();
                if body.is_some() {
                    headers.push(("Content-Type".into(), h.content_type.clone()));
                }
                Ok(Request {
                    method: h.method,
                    url: with_query(&h.url, &query),
                    headers,
                    basic: h.basic.clone(),
                    body,
                })
            }
            Gateway::Kannel {
                url,
                username,
                password,
                from,
            } => {
                let mut q: Vec<(&str, &str)> = vec![
                    ("username", username),
                    ("password", password),
                    ("to", m.phone),
                    ("text", m.text),
                    ("charset", "UTF-8"),
                ];
                if segments(m.text).encoding == Encoding::Ucs2 {
                    q.push(("coding", "2"));
                }
                if let Some(f) = from {
                    q.push(("from", f));
                }
                let query = q
                    .iter()
                    .map(|(k, v)| format!("{k}={}", pop_encode(v)))
                    .collect::<Vec<_>>()
                    .join("&");
                Ok(Request {
                    method: Method::Get,
                    url: with_query(url, &query),
                    headers: vec![],
                    basic: None,
                    body: None,
                })
            }
            Gateway::Aliyun {
                url,
                key_id,
                secret,
                sign_name,
                template,
                params,
                region,
            } => {
                let template_param: serde_json::Map<String, serde_json::Value> = vars(m, params)?
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), serde_json::Value::from(v)))
                    .collect();
                let template_param = serde_json::Value::Object(template_param).to_string();
                // Alibaba wants mainland numbers bare and others with their country code, no `+`.
                let phone = m.phone.trim_start_matches('+');
                let timestamp = now.format("%Y-%m-%dT%H:%M:%SZ").to_string();
                let mut p: Vec<(&str, &str)> = vec![
                    ("AccessKeyId", key_id),
                    ("Action", "SendSms"),
                    ("Format", "JSON"),
                    ("RegionId", region),
                    ("SignatureMethod", "HMAC-SHA1"),
                    ("SignatureNonce", nonce),
                    ("SignatureVersion", "1.0"),
                    ("Timestamp", &timestamp),
                    ("Version", "2017-05-25"),
                    ("PhoneNumbers", phone),
                    ("SignName", sign_name),
                    ("TemplateCode", template),
                    ("TemplateParam", &template_param),
                ];
                let signature = pop_signature(secret, &p);
                p.push(("Signature", &signature));
                Ok(Request {
                    method: Method::Get,
                    url: with_query(url, &pop_query(&p)),
                    headers: vec![],
                    basic: None,
                    body: None,
                })
            }
            Gateway::Tencent {
                url,
                key_id,
                secret,
                app_id,
                sign_name,
                template,
                params,
                region,
            } => {
                let values: Vec<&str> = vars(m, params)?.into_iter().map(|(_, v)| v).collect();
                let payload = serde_json::json!({
                    "PhoneNumberSet": [super::phone::e164(m.phone)],
                    "SmsSdkAppId": app_id,
                    "SignName": sign_name,
                    "TemplateId": template,
                    "TemplateParamSet": values,
                })
                .to_string();
                let host = url.host_str().unwrap_or_default().to_owned();
                let content_type = "application/json; charset=utf-8";
                let tc3 = Tc3 {
                    service: "sms",
                    host: &host,
                    content_type,
                    payload: &payload,
                    timestamp: now.timestamp(),
                    secret_id: key_id,
                    secret_key: secret,
                };
                Ok(Request {
                    method: Method::Post,
                    url: url.to_string(),
                    headers: vec![
                        ("Authorization".into(), tc3.authorization()),
                        ("Content-Type".into(), content_type.into()),
                        ("X-TC-Action".into(), "SendSms".into()),
                        ("X-TC-Version".into(), "2021-01-11".into()),
                        ("X-TC-Timestamp".into(), now.timestamp().to_string()),
                        ("X-TC-Region".into(), region.clone()),
                    ],
                    basic: None,
                    body: Some(payload),
                })
            }
        }
    }

    /// What an answer with `status` and (the beginning of) `body` means.
    pub fn judge(&self, status: u16, body: &str) -> Attempt {
        let answer = format!("{status} {}", crate::app::webhooks::sender::excerpt(body));
        let retry_status = status >= 500 || status == 408 || status == 429;
        match self {
            Gateway::Http(_) | Gateway::Kannel { .. } => {
                if (200..300).contains(&status) {
                    Attempt::accepted(answer)
                } else {
                    Attempt::failed(!retry_status, answer)
                }
            }
            Gateway::Aliyun { .. } => {
                let code = serde_json::from_str::<serde_json::Value>(body)
                    .ok()
                    .and_then(|v| v.get("Code").and_then(|c| c.as_str()).map(str::to_owned));
                match code.as_deref() {
                    Some("OK") if (200..300).contains(&status) => Attempt::accepted(answer),
                    _ if retry_status => Attempt::failed(false, answer),
                    Some(c) if c.starts_with("isp.") || c.contains("Throttling") || c.contains("LIMIT_CONTROL") => {
                        Attempt::failed(false, answer)
                    }
                    _ => Attempt::failed(true, answer),
                }
            }
            Gateway::Tencent { .. } => {
                if retry_status {
                    return Attempt::failed(false, answer);
                }
                let v: serde_json::Value = match serde_json::from_str(body) {
                    Ok(v) => v,
                    Err(_) => return Attempt::failed(!(200..300).contains(&status), answer),
                };
                let temporary = |c: &str| c.starts_with("InternalError") || c.contains("LimitExceeded");
                let r = &v["Response"];
                if let Some(code) = r["Error"]["Code"].as_str() {
                    return Attempt::failed(!temporary(code), answer);
                }
                let codes: Vec<&str> = r["SendStatusSet"]
                    .as_array()
                    .map(|a| a.iter().filter_map(|s| s["Code"].as_str()).collect())
                    .unwrap_or_default();
                match codes.iter().find(|c| **c != "Ok") {
                    None if !codes.is_empty() => Attempt::accepted(answer),
                    None => Attempt::failed(true, answer),
                    Some(c) => Attempt::failed(!temporary(c), answer),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
