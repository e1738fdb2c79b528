//! Message templates and signatures, per [`Format`].
//!
//! | format | body | signature |
//! |---|---|---|
//! | `json` | the [`Payload`] plus `delivery` (the outbox key, the same on every retry) and `url` | `X-Opsclock-Timestamp` + `X-Opsclock-Signature: sha256=HMAC(secret, "TS.BODY")` |
//! | `dingtalk` | `{"msgtype":"markdown","markdown":{"title","text"}}` | with a secret: `&timestamp=MS&sign=…` in the URL, `sign = base64(HMAC(secret, "MS\nsecret"))` (钉钉自定义机器人加签) |
//! | `wecom` | `{"msgtype":"markdown","markdown":{"content"}}` | none: the webhook key in the URL is the credential |
//! | `feishu` | `{"msg_type":"text","content":{"text"}}` | with a secret: `timestamp` and `sign = base64(HMAC("S\nsecret", ""))` in the body (飞书自定义机器人签名校验) |
//!
//! Chat messages are in Chinese, with times in China Standard Time, the severity first and a link
//! to the ticket's page.
//!
//! What opsclock did not write itself (a ticket's title, which may come from an alert's labels, the
//! system's code and name, the assignee, a note) is escaped for the format it goes into
//! ([`super::escape`]), so that nobody can put a heading, a link, an image or a mention into the
//! ops group: on one line (control characters and newlines become spaces), web addresses
//! defanged so that no client makes a link of them (`http://evil.example/login` arrives as
//! `http[:]//evil[.]example/login`), and for the markdown robots (DingTalk, WeCom) every markdown
//! special backslash-escaped and `<`, `>`, `&` written as entities (both render HTML tags such as
//! `<font>` and WeCom's `<@userid>` mentions); for Feishu's text messages, whose only markup is
//! the `<at user_id="…">` tag, `<` and `>` become their full-width forms. The only link in a
//! message is opsclock's own, to the ticket.

use base64::Engine as _;
use chrono::{DateTime, Utc};
use serde_json::json;
use sla_clock::Severity;

use super::escape::{escape_markdown, escape_text};
use super::{Format, Payload};
use crate::app::auth::hmac::{mac, sign};

/// A request ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// Where to post.
    pub url: String,
    /// Extra headers (besides `Content-Type: application/json`).
    pub headers: Vec<(&'static str, String)>,
    /// The JSON body.
    pub body: String,
}

/// What posting `payload` (outbox key `delivery`) to `url` as `format` at `now` looks like.
/// `link` is the ticket's page, if the payload is about a ticket.
pub fn render(
    format: Format,
    url: &str,
    secret: Option<&str>,
    delivery: &str,
    payload: &Payload,
    link: Option<&str>,
    now: DateTime<Utc>,
) -> Request {
    let secret = secret.filter(|s| !s.is_empty());
    match format {
        Format::Json => {
            let mut body = serde_json::to_value(payload).unwrap_or_default();
            if let Some(o) = body.as_object_mut() {
                o.insert("delivery".into(), json!(delivery));
                o.insert("url".into(), json!(link));
            }
            let body = body.to_string();
            let ts = now.timestamp();
            let mut headers = vec![
                ("X-Opsclock-Event", payload.event.clone()),
                ("X-Opsclock-Delivery", delivery.to_owned()),
                ("X-Opsclock-Timestamp", ts.to_string()),
            ];
            if let Some(s) = secret {
                headers.push(("X-Opsclock-Signature", sign(s, ts, body.as_bytes())));
            }
            Request {
                url: url.to_owned(),
                headers,
                body,
            }
        }
        Format::Dingtalk => {
            let (title, lines) = text(payload, link, escape_markdown);
            let body = json!({"msgtype": "markdown", "markdown": {"title": title, "text": markdown(&title, &lines)}});
            let url = match secret {
                Some(s) => {
                    let ms = now.timestamp_millis();
                    let sign = b64(&mac(s.as_bytes(), format!("{ms}\n{s}").as_bytes()));
                    let sep = if url.contains('?') { '&' } else { '?' };
                    format!("{url}{sep}timestamp={ms}&sign={}", percent_encode(&sign))
                }
                None => url.to_owned(),
            };
            Request {
                url,
                headers: Vec::new(),
                body: body.to_string(),
            }
        }
        Format::Wecom => {
            let (title, lines) = text(payload, link, escape_markdown);
            let body = json!({"msgtype": "markdown", "markdown": {"content": markdown(&title, &lines)}});
            Request {
                url: url.to_owned(),
                headers: Vec::new(),
                body: body.to_string(),
            }
        }
        Format::Feishu => {
            let (title, lines) = text(payload, link, escape_text);
            let mut body = json!({"msg_type": "text", "content": {"text": format!("{title}\n{}", lines.join("\n"))}});
            if let Some(s) = secret {
                let ts = now.timestamp();
                let sign = b64(&mac(format!("{ts}\n{s}").as_bytes(), b""));
                body["timestamp"] = json!(ts.to_string());
                body["sign"] = json!(sign);
            }
            Request {
                url: url.to_owned(),
                headers: Vec::new(),
                body: body.to_string(),
            }
        }
    }
}

/// The chat robots answer 200 with an error code in the body when they refuse a message
/// (DingTalk and WeCom `errcode`, Feishu `code`): `Some(description)` for such a refusal (the
/// sender adds a short excerpt of the answer).
pub fn robot_refusal(format: Format, body: &str) -> Option<String> {
    if format == Format::Json {
        return None;
    }
    let v: serde_json::Value = serde_json::from_str(body).ok()?;
    let code = v
        .get("errcode")
        .or_else(|| v.get("code"))
        .or_else(|| v.get("StatusCode"))?;
    let code = code.as_i64()?;
    (code != 0).then(|| format!("robot refused the message (code {code})"))
}

/// The event in Chinese.
pub fn event_zh(event: &str) -> &'static str {
    match event {
        "created" => "新建",
        "acknowledged" => "已响应",
        "visit_requested" => "用户要求现场服务",
        "arrived" => "已到场",
        "started" => "开始处理",
        "paused" => "已暂停",
        "resumed" => "恢复计时",
        "regraded" => "已调整等级",
        "resolved" => "已解决",
        "closed" => "已关闭",
        "reopened" => "已重开",
        "cancelled" => "已取消",
        "assigned" => "已指派",
        "commented" => "新备注",
        "breached" => "已超时",
        "ping" => "连通测试",
        _ => "更新",
    }
}

fn clock_zh(clock: &str) -> &str {
    clock
        .parse::<ticket_domain::ClockName>()
        .map_or(clock, |c| c.label_zh())
}

/// A title line and detail lines (plain text with `**bold**` labels); `esc` escapes what
/// opsclock did not write.
fn text(p: &Payload, link: Option<&str>, esc: fn(&str) -> String) -> (String, Vec<String>) {
    let when = |t: DateTime<Utc>| {
        t.with_timezone(&chrono_tz::Asia::Shanghai)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    };
    let Some(t) = &p.ticket else {
        let lines = vec![
            format!("**时间**：{}", when(p.at)),
            esc(p.note.as_deref().unwrap_or_default()),
        ];
        return (format!("opsclock {}", event_zh(&p.event)), lines);
    };
    let severity = t
        .severity
        .parse::<Severity>()
        .map_or(t.severity.as_str(), |s| s.label_zh());
    let what = match (&p.event[..], &p.clock) {
        ("breached", Some(c)) => format!("{}已超时", clock_zh(c)),
        (e, _) => event_zh(e).to_owned(),
    };
    let title = format!("【{severity}】{} {what}", t.number);
    let mut lines = vec![
        format!("**标题**：{}", esc(&t.title)),
        format!("**系统**：{} {}", esc(&t.system), esc(&t.system_name)),
        format!("**状态**：{}", esc(&t.status)),
        format!("**处理人**：{}", t.assignee.as_deref().map_or("未指派".to_owned(), esc)),
        format!("**发生**：{}", when(t.occurred_at)),
    ];
    if let Some(d) = p.deadline {
        lines.push(format!("**时限**：{}", when(d)));
    }
    if let Some(n) = p.note.as_deref().filter(|n| !n.is_empty()) {
        lines.push(format!("**说明**：{}", esc(n)));
    }
    lines.push(format!("**时间**：{}", when(p.at)));
    if let Some(l) = link {
        lines.push(format!("[打开工单]({l})"));
    }
    (title, lines)
}

fn markdown(title: &str, lines: &[String]) -> String {
    let mut s = format!("### {title}\n");
    for l in lines {
        s.push_str(&format!("- {l}\n"));
    }
    s
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Percent-encodes everything but unreserved characters (RFC 3986).
fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::webhooks::TicketFacts;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn payload(event: &str) -> Payload {
        Payload {
            event: event.into(),
            at: at("2026-11-24T02:00:00Z"),
            ticket: Some(TicketFacts {
                number: "A-2026-0007".into(),
                title: "核心交换机端口告警".into(),
                kind: "alarm".into(),
                severity: "urgent".into(),
                status: "acknowledged".into(),
                system: "sy-001".into(),
                system_name: "电子政务外网".into(),
                assignee: Some("engineer".into()),
                occurred_at: at("2026-11-24T01:50:00Z"),
                received_at: at("2026-11-24T01:51:00Z"),
                breached: false,
            }),
            clock: None,
            deadline: None,
            note: None,
        }
    }

    #[test]
    fn json_is_the_payload_signed_over_timestamp_and_body() {
        let now = at("2026-11-24T02:00:05Z");
        let r = render(
            Format::Json,
            "http://x/hook",
            Some("k"),
            "webhook/1/A-2026-0007/2",
            &payload("acknowledged"),
            Some("http://ops/tickets/A-2026-0007"),
            now,
        );
        let body: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(body["event"], "acknowledged");
        assert_eq!(body["delivery"], "webhook/1/A-2026-0007/2");
        assert_eq!(body["ticket"]["number"], "A-2026-0007");
        let header = |name: &str| r.headers.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone());
        assert_eq!(header("X-Opsclock-Timestamp"), Some(now.timestamp().to_string()));
        let sig = header("X-Opsclock-Signature").unwrap();
        assert!(crate::app::auth::hmac::verify(
            "k",
            now.timestamp(),
            r.body.as_bytes(),
            &sig
        ));
        // Without a secret: no signature header.
        let r = render(Format::Json, "http://x", None, "d", &payload("created"), None, now);
        assert!(r.headers.iter().all(|(n, _)| *n != "X-Opsclock-Signature"));
    }

    #[test]
    fn dingtalk_signs_in_the_url_as_the_robot_documents() {
        // DingTalk: sign = urlencode(base64(HmacSHA256(key = secret, "timestamp\nsecret"))).
        let now = at("2026-11-24T02:00:05Z");
        let r = render(
            Format::Dingtalk,
            "https://oapi.dingtalk.com/robot/send?access_token=t",
            Some("SEC1"),
            "d",
            &payload("created"),
            Some("http://ops/t"),
            now,
        );
        let ms = now.timestamp_millis();
        let expected = b64(&mac(b"SEC1", format!("{ms}\nSEC1").as_bytes()));
        assert_eq!(
            r.url,
            format!(
                "https://oapi.dingtalk.com/robot/send?access_token=t&timestamp={ms}&sign={}",
                percent_encode(&expected)
            )
        );
        let body: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(body["msgtype"], "markdown");
        let text = body["markdown"]["text"].as_str().unwrap();
        assert!(text.starts_with("### 【紧急】A-2026-0007 新建"), "{text}");
        assert!(
            text.contains("电子政务外网") && text.contains("2026-11-24 09:50") && text.contains("(http://ops/t)"),
            "{text}"
        );
    }

    #[test]
    fn wecom_is_markdown_and_feishu_signs_in_the_body() {
        let now = at("2026-11-24T02:00:05Z");
        let mut p = payload("breached");
        p.clock = Some("repair".into());
        p.deadline = Some(at("2026-11-24T05:50:00Z"));
        let r = render(
            Format::Wecom,
            "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k",
            None,
            "d",
            &p,
            None,
            now,
        );
        let body: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        let content = body["markdown"]["content"].as_str().unwrap();
        assert!(
            content.contains("修复已超时") && content.contains("**时限**：2026-11-24 13:50"),
            "{content}"
        );

        let r = render(
            Format::Feishu,
            "https://open.feishu.cn/open-apis/bot/v2/hook/x",
            Some("S"),
            "d",
            &p,
            None,
            now,
        );
        let body: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        let ts = now.timestamp();
        assert_eq!(body["timestamp"], ts.to_string());
        assert_eq!(body["sign"], b64(&mac(format!("{ts}\nS").as_bytes(), b"")));
        assert!(
            body["content"]["text"]
                .as_str()
                .unwrap()
                .starts_with("【紧急】A-2026-0007 修复已超时")
        );
    }

    #[test]
    fn robots_refusing_in_the_body_are_failures() {
        assert!(robot_refusal(Format::Dingtalk, r#"{"errcode":0,"errmsg":"ok"}"#).is_none());
        assert!(robot_refusal(Format::Dingtalk, r#"{"errcode":310000,"errmsg":"sign not match"}"#).is_some());
        assert!(robot_refusal(Format::Feishu, r#"{"code":19021,"msg":"sign match fail"}"#).is_some());
        assert!(robot_refusal(Format::Feishu, r#"{"code":0}"#).is_none());
        assert!(robot_refusal(Format::Json, r#"{"errcode":1}"#).is_none());
        assert!(robot_refusal(Format::Wecom, "not json").is_none());
    }

    #[test]
    fn percent_encoding_keeps_only_unreserved_characters() {
        assert_eq!(percent_encode("a+b/c=="), "a%2Bb%2Fc%3D%3D");
    }

    /// A ticket whose every outside text is hostile: a heading, a phishing link, a tracking image,
    /// HTML, a mention of everyone, a fake line.
    fn hostile() -> Payload {
        let mut p = payload("created");
        let t = p.ticket.as_mut().unwrap();
        t.title = "# 紧急通知\n[点此重置密码](http://evil.example/login) ![](http://evil.example/t.gif)".into();
        t.system = "<font color=red>sy</font>".into();
        t.system_name = "**粗** `code` _斜_ <@all> <at user_id=\"all\">所有人</at>".into();
        t.assignee = Some("eng\r\n### 假标题".into());
        p.note = Some("line\n- [x](javascript:alert(1)) &amp;".into());
        p
    }

    fn markdown_of(format: Format) -> String {
        let r = render(
            format,
            "http://x",
            None,
            "d",
            &hostile(),
            Some("http://ops/t/A-1"),
            at("2026-11-24T02:00:05Z"),
        );
        let body: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        let text = &body["markdown"][if format == Format::Dingtalk { "text" } else { "content" }];
        text.as_str().unwrap().to_owned()
    }

    #[test]
    fn markdown_robots_get_outside_text_escaped() {
        for format in [Format::Dingtalk, Format::Wecom] {
            let text = markdown_of(format);
            // Our own lines: one heading, one list item per line, one link, which is ours.
            let lines: Vec<&str> = text.lines().collect();
            assert!(lines[0].starts_with("### 【紧急】"), "{text}");
            assert!(lines[1..].iter().all(|l| l.starts_with("- ")), "{format:?}: {text}");
            assert_eq!(lines.iter().filter(|l| l.contains("#")).count(), 3, "{text}");
            assert_eq!(text.matches("](").count(), 1, "only our link: {text}");
            assert!(text.contains("[打开工单](http://ops/t/A-1)"), "{text}");
            for raw in ["<font", "</font>", "<@all>", "<at ", "![", "`code`", "**粗**", "_斜_"] {
                assert!(!text.contains(raw), "{format:?} keeps {raw:?}: {text}");
            }
            assert!(
                text.contains("\\# 紧急通知 \\[点此重置密码\\]\\(http\\[:\\]//evil\\[.\\]example/login\\)"),
                "{text}"
            );
            assert!(text.contains("&lt;font color=red&gt;"), "{text}");
            assert!(
                text.contains("\\!\\[\\]\\(http\\[:\\]//evil\\[.\\]example/t.gif\\)"),
                "{text}"
            );
            assert!(text.contains("eng  \\#\\#\\# 假标题"), "{text}");
            assert!(text.contains("&amp;amp;"), "an entity in the text stays text: {text}");
        }
    }

    #[test]
    fn feishu_text_gets_no_mention_and_no_extra_lines() {
        let r = render(
            Format::Feishu,
            "http://x",
            None,
            "d",
            &hostile(),
            None,
            at("2026-11-24T02:00:05Z"),
        );
        let body: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        let text = body["content"]["text"].as_str().unwrap();
        assert!(!text.contains('<') && !text.contains('>'), "{text}");
        assert!(text.contains("＜at user_id=\"all\"＞所有人＜/at＞"), "{text}");
        // Title, then one line per field: system, status, assignee, occurred, note, time.
        assert_eq!(text.lines().count(), 8, "{text}");
        assert!(text.lines().any(|l| l == "**处理人**：eng  ### 假标题"), "{text}");
    }

    /// A title with bare addresses, as an alert's labels or an engineer may write one.
    fn with_bare_addresses() -> Payload {
        let mut p = payload("created");
        let t = p.ticket.as_mut().unwrap();
        t.title = "请访问http://evil.example/login?next=a.b 或 HTTPS://user@Evil.Example:8443/x，\
                   再看 www.evil.example/t.gif 和 ftp://files.evil.example"
            .into();
        p.note = Some("WWW.Evil.example".into());
        p
    }

    /// Each web address of the outside text, as it must arrive: no `://`, no `www.`, no dotted
    /// host left for a client to make a link of.
    fn assert_no_bare_address(format: Format, text: &str, ours: &str) {
        let theirs = text.replace(ours, "");
        let lower = theirs.to_lowercase();
        for link in ["://", "www.", "evil.example", "files.evil"] {
            assert!(!lower.contains(link), "{format:?} keeps {link:?}: {text}");
        }
        assert!(text.contains(ours), "{format:?} lost opsclock's own link: {text}");
    }

    #[test]
    fn bare_addresses_become_no_links_in_dingtalk_and_wecom() {
        for format in [Format::Dingtalk, Format::Wecom] {
            let r = render(
                format,
                "http://x",
                None,
                "d",
                &with_bare_addresses(),
                Some("https://ops.example/tickets/A-1"),
                at("2026-11-24T02:00:05Z"),
            );
            let body: serde_json::Value = serde_json::from_str(&r.body).unwrap();
            let text = body["markdown"][if format == Format::Dingtalk { "text" } else { "content" }]
                .as_str()
                .unwrap();
            assert_no_bare_address(format, text, "(https://ops.example/tickets/A-1)");
            // Readable: the brackets are markdown-escaped, so they show as `[:]` and `[.]`.
            assert!(
                text.contains("请访问http\\[:\\]//evil\\[.\\]example/login?next=a.b 或"),
                "{text}"
            );
            assert!(
                text.contains("HTTPS\\[:\\]//user@Evil\\[.\\]Example:8443/x，"),
                "{text}"
            );
            assert!(text.contains("www\\[.\\]evil\\[.\\]example/t.gif"), "{text}");
            assert!(text.contains("ftp\\[:\\]//files\\[.\\]evil\\[.\\]example"), "{text}");
            assert!(text.contains("WWW\\[.\\]Evil\\[.\\]example"), "{text}");
        }
    }

    #[test]
    fn bare_addresses_become_no_links_in_feishu() {
        let r = render(
            Format::Feishu,
            "http://x",
            None,
            "d",
            &with_bare_addresses(),
            Some("https://ops.example/tickets/A-1"),
            at("2026-11-24T02:00:05Z"),
        );
        let body: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        let text = body["content"]["text"].as_str().unwrap();
        assert_no_bare_address(Format::Feishu, text, "(https://ops.example/tickets/A-1)");
        assert!(
            text.contains("请访问http[:]//evil[.]example/login?next=a.b 或 HTTPS[:]//user@Evil[.]Example:8443/x，"),
            "{text}"
        );
        assert!(
            text.contains("www[.]evil[.]example/t.gif 和 ftp[:]//files[.]evil[.]example"),
            "{text}"
        );
    }
}
