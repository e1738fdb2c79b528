//! A message's bytes read into what mail in decides on (MIME by `mail-parser`: encoded words,
//! GBK/GB2312/GB18030 and other charsets, base64 and quoted-printable).

use mail_parser::{MessageParser, MimeHeaders};
use sha2::Digest;

/// A file attached to a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailFile {
    /// Its name as sent (`attachment` if it has none).
    pub name: String,
    /// Its media type as sent (`application/octet-stream` if none).
    pub content_type: String,
    /// Its content, decoded.
    pub bytes: Vec<u8>,
}

/// A message as mail in sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    /// `Message-ID` without brackets, if it has one.
    pub message_id: Option<String>,
    /// The `From` address, trimmed and in lower case.
    pub from: Option<String>,
    /// The subject, decoded and trimmed.
    pub subject: String,
    /// `In-Reply-To` and `References` ids, without brackets, in order.
    pub replies_to: Vec<String>,
    /// The text: the text part, else the HTML part as text; trimmed.
    pub text: String,
    /// `Auto-Submitted`, lower case.
    pub auto_submitted: Option<String>,
    /// `Precedence`, lower case.
    pub precedence: Option<String>,
    /// It carries `X-Autoreply`, `X-Autorespond` or `X-Autoreply-From`, marks of an automatic
    /// answer.
    pub autoreply_header: bool,
    /// `Return-Path: <>`: a bounce.
    pub null_return_path: bool,
    /// The attachments.
    pub attachments: Vec<MailFile>,
    /// The `Authentication-Results` headers, top (the last server's) first: each one's
    /// `authserv-id` (lower case) and its DMARC result ([`auth_result`]).
    pub auth_results: Vec<(String, Option<bool>)>,
    /// `sha256:` and the hex SHA-256 of the bytes: the identity of a message without an id.
    pub digest: String,
    /// Whether the bytes read as a message at all.
    pub readable: bool,
}

impl Parsed {
    /// The id a message is recorded under: its `Message-ID`, else the digest of its bytes.
    pub fn identity(&self) -> String {
        self.message_id.clone().unwrap_or_else(|| self.digest.clone())
    }

    /// Reads `raw`. Never fails: bytes that are no message give `readable: false`.
    pub fn from_bytes(raw: &[u8]) -> Parsed {
        let digest = format!("sha256:{}", hex::encode(sha2::Sha256::digest(raw)));
        let Some(m) = MessageParser::default().parse(raw) else {
            return Parsed {
                digest,
                ..Parsed::default()
            };
        };
        let lower = |name: &str| m.header_raw(name).map(|v| v.trim().to_lowercase());
        let ids = |v: &mail_parser::HeaderValue<'_>| -> Vec<String> {
            match v {
                mail_parser::HeaderValue::Text(t) => vec![t.to_string()],
                mail_parser::HeaderValue::TextList(l) => l.iter().map(|t| t.to_string()).collect(),
                _ => Vec::new(),
            }
        };
        let mut replies_to = ids(m.in_reply_to());
        replies_to.extend(ids(m.references()));
        let from = m
            .from()
            .and_then(|a| a.first())
            .and_then(|a| a.address())
            .map(|a| a.trim().to_lowercase())
            .filter(|a| !a.is_empty());
        let text = match m.body_text(0) {
            Some(t) if m.text_body_count() > 0 && !m.text_part(0).is_some_and(|p| p.is_text_html()) => t.into_owned(),
            _ => match m.body_html(0) {
                Some(h) => mail_parser::decoders::html::html_to_text(&h),
                None => m.body_text(0).map(|t| t.into_owned()).unwrap_or_default(),
            },
        };
        // What anyone may send is stored: no NUL (PostgreSQL refuses it in text and JSON) and no
        // id too long for an index (a long one is known by its hash), so that one crafted mail
        // cannot stop the mailbox.
        let clean = |s: &str| s.replace('\0', "");
        let attachments = m
            .attachments()
            .filter(|p| !p.is_message() || p.attachment_name().is_some())
            .map(|p| MailFile {
                name: Some(clean(p.attachment_name().unwrap_or_default()))
                    .filter(|n| !n.trim().is_empty())
                    .unwrap_or_else(|| "attachment".to_owned()),
                content_type: p
                    .content_type()
                    .map(|c| match c.subtype() {
                        Some(s) => format!("{}/{}", c.ctype(), s),
                        None => c.ctype().to_owned(),
                    })
                    .map(|c| clean(&c))
                    .unwrap_or_else(|| "application/octet-stream".to_owned())
                    .to_lowercase(),
                bytes: p.contents().to_vec(),
            })
            .collect();
        let null_return_path = m.header_raw("Return-Path").is_some_and(|v| v.trim() == "<>");
        let auth_results = m
            .header_values("Authentication-Results")
            .filter_map(|v| v.as_text().map(str::to_owned))
            .filter_map(|v| auth_result(&v))
            .collect();
        let id = |s: &str| {
            let s = clean(s);
            if s.len() > 250 {
                format!("sha256:{}", hex::encode(sha2::Sha256::digest(s.as_bytes())))
            } else {
                s
            }
        };
        Parsed {
            message_id: m.message_id().map(id).filter(|s| !s.is_empty()),
            from: from.map(|f| clean(&f)).filter(|f| f.len() <= 320),
            subject: clean(m.subject().unwrap_or_default().trim()),
            replies_to: replies_to.iter().map(|r| id(r)).collect(),
            text: clean(&text).replace("\r\n", "\n").trim().to_owned(),
            auto_submitted: lower("Auto-Submitted"),
            precedence: lower("Precedence"),
            autoreply_header: m.header_raw("X-Autoreply").is_some()
                || m.header_raw("X-Autorespond").is_some()
                || m.header_raw("X-Autoreply-From").is_some(),
            null_return_path,
            attachments,
            auth_results,
            digest,
            readable: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gbk_subject_and_body_read_as_chinese() {
        // 门户网站故障 in GBK, as an encoded word; the body in GB2312, base64.
        let subject = [0xc3u8, 0xc5, 0xbb, 0xa7, 0xcd, 0xf8, 0xd5, 0xbe, 0xb9, 0xca, 0xd5, 0xcf];
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::STANDARD;
        let raw = format!(
            "From: Li <LI@ua.example>\r\nTo: ops@x\r\nSubject: =?GBK?B?{}?=\r\nMessage-ID: <m1@ua.example>\r\n\
             MIME-Version: 1.0\r\nContent-Type: text/plain; charset=gb2312\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n",
            b64.encode(subject),
            b64.encode(subject)
        );
        let p = Parsed::from_bytes(raw.as_bytes());
        assert_eq!(p.subject, "门户网站故障");
        assert_eq!(p.text, "门户网站故障");
        assert_eq!(p.from.as_deref(), Some("li@ua.example"));
        assert_eq!(p.identity(), "m1@ua.example");
    }

    #[test]
    fn replies_loops_and_html_are_read() {
        let raw = "From: a@b\r\nSubject: Re: x\r\nIn-Reply-To: <INC-2026-000001.repair.breach.0@ops>\r\n\
                   References: <INC-2026-000001@ops> <INC-2026-000001.repair.breach.0@ops>\r\n\
                   Auto-Submitted: Auto-Replied\r\nPrecedence: bulk\r\nX-Autoreply: yes\r\nReturn-Path: <>\r\n\
                   Content-Type: text/html; charset=utf-8\r\n\r\n<p>hello <b>there</b></p>\r\n";
        let p = Parsed::from_bytes(raw.as_bytes());
        assert_eq!(
            p.replies_to,
            [
                "INC-2026-000001.repair.breach.0@ops",
                "INC-2026-000001@ops",
                "INC-2026-000001.repair.breach.0@ops"
            ]
        );
        assert_eq!(p.auto_submitted.as_deref(), Some("auto-replied"));
        assert_eq!(p.precedence.as_deref(), Some("bulk"));
        assert!(p.autoreply_header && p.null_return_path);
        assert_eq!(p.text, "hello there");
        assert!(p.message_id.is_none() && p.identity().starts_with("sha256:"));
    }

    #[test]
    fn attachments_are_collected_with_name_and_type() {
        let raw = "From: a@b\r\nSubject: s\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n\
                   --XX\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nsee the log\r\n\
                   --XX\r\nContent-Type: text/plain; name=\"err.log\"\r\nContent-Disposition: attachment; filename=\"err.log\"\r\n\
                   Content-Transfer-Encoding: base64\r\n\r\naGVsbG8=\r\n--XX--\r\n";
        let p = Parsed::from_bytes(raw.as_bytes());
        assert_eq!(p.text, "see the log");
        assert_eq!(
            p.attachments,
            [MailFile {
                name: "err.log".into(),
                content_type: "text/plain".into(),
                bytes: b"hello".to_vec()
            }]
        );
    }
}

/// The `authserv-id` (lower case) of an `Authentication-Results` value (RFC 8601), and its
/// DMARC result if it reports one: `Some(true)` for `dmarc=pass`, `Some(false)` for any other
/// (`fail`, `none`, …) or for more than one `dmarc=` in the header, `None` for none at all.
/// Comments (`(…)`) and quoted strings are not read: a sender's address
/// `"a; dmarc=pass b"@evil.example` quoted in `smtp.mailfrom` is no result.
///
/// ```
/// use opsclock::app::mail_in::parse::auth_result;
/// let v = "mx.ops.example; spf=pass smtp.mailfrom=vendor.example; dmarc=pass (p=reject) header.from=vendor.example";
/// assert_eq!(auth_result(v), Some(("mx.ops.example".to_owned(), Some(true))));
/// assert_eq!(auth_result("MX.ops.example; dmarc=fail header.from=x.example"), Some(("mx.ops.example".to_owned(), Some(false))));
/// assert_eq!(auth_result("mx.ops.example; dkim=pass"), Some(("mx.ops.example".to_owned(), None)));
/// assert_eq!(auth_result("mx.ops.example; dkim=pass; dmarc=passed"), Some(("mx.ops.example".to_owned(), Some(false))));
/// let quoted = r#"mx.ops.example; spf=pass smtp.mailfrom="a; dmarc=pass b"@evil.example (x; dmarc=pass); dmarc=fail"#;
/// assert_eq!(auth_result(quoted), Some(("mx.ops.example".to_owned(), Some(false))));
/// // Two results in one header: not a pass.
/// assert_eq!(auth_result("mx.ops.example; dmarc=pass; dmarc=fail"), Some(("mx.ops.example".to_owned(), Some(false))));
/// // Anything at all, Chinese included, reads without a panic.
/// assert_eq!(auth_result("x; dmarc中=1"), Some(("x".to_owned(), None)));
/// ```
pub fn auth_result(value: &str) -> Option<(String, Option<bool>)> {
    let bare = without_comments(value);
    let mut parts = bare.split(';');
    let id = parts.next()?.split_whitespace().next()?.trim().to_lowercase();
    let results: Vec<bool> = parts
        .filter_map(|p| p.split_whitespace().next())
        .filter(|m| m.as_bytes().get(..6).is_some_and(|b| b.eq_ignore_ascii_case(b"dmarc=")))
        .map(|m| m.eq_ignore_ascii_case("dmarc=pass"))
        .collect();
    let dmarc = match results.as_slice() {
        [] => None,
        [one] => Some(*one),
        _ => Some(false),
    };
    Some((id, dmarc))
}

/// `value` without its comments (`(…)`, nested) and quoted strings (`"…"`, with `\` escapes),
/// each replaced by a space.
fn without_comments(value: &str) -> String {
    let (mut out, mut depth, mut quoted, mut escaped) = (String::new(), 0usize, false, false);
    for c in value.chars() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' if quoted || depth > 0 => escaped = true,
            '"' if depth == 0 => {
                quoted = !quoted;
                out.push(' ');
            }
            '(' if !quoted => depth += 1,
            ')' if !quoted && depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    out.push(' ');
                }
            }
            _ if quoted || depth > 0 => {}
            c => out.push(c),
        }
    }
    out
}

/// Whether the server `trusted` vouched for the sender: among the `Authentication-Results`
/// headers at the top that `trusted` wrote, exactly one DMARC result, and it is `pass`.
///
/// Servers add their headers on top of what came, so the trusted server's own results come
/// first; a header further down that names it was in the mail before it got there — written by
/// the sender, say. A forged `dmarc=pass` right below the trusted server's own result makes two
/// results, and two are no pass. The trusted server must report DMARC on every message
/// (OpenDMARC and rspamd write `dmarc=none` or `fail` too): on a mail it reported nothing on, a
/// forged header right below its others would be the only result (docs/mail-in.md).
///
/// ```
/// use opsclock::app::mail_in::parse::vouched_by;
/// let by = |id: &str, dmarc: Option<bool>| (id.to_owned(), dmarc);
/// assert!(vouched_by(&[by("mx.ops.example", Some(true))], "MX.ops.example"));
/// // The trusted server found DMARC failing; the sender's own header below says pass.
/// assert!(!vouched_by(&[by("mx.ops.example", Some(false)), by("mx.ops.example", Some(true))], "mx.ops.example"));
/// // It found a pass, and the sender added another: two results, no pass.
/// assert!(!vouched_by(&[by("mx.ops.example", Some(true)), by("mx.ops.example", Some(true))], "mx.ops.example"));
/// // Its DKIM header on top, its DMARC one next: the DMARC result counts.
/// assert!(vouched_by(&[by("mx.ops.example", None), by("mx.ops.example", Some(true))], "mx.ops.example"));
/// // Another server's header on top: what is below it came with the mail.
/// assert!(!vouched_by(&[by("relay.example", None), by("mx.ops.example", Some(true))], "mx.ops.example"));
/// ```
pub fn vouched_by(results: &[(String, Option<bool>)], trusted: &str) -> bool {
    let trusted = trusted.trim();
    let found: Vec<bool> = results
        .iter()
        .take_while(|(id, _)| id.eq_ignore_ascii_case(trusted))
        .filter_map(|(_, dmarc)| *dmarc)
        .collect();
    found == [true]
}

#[cfg(test)]
mod crafted {
    use super::*;

    #[test]
    fn a_nul_or_an_endless_id_is_made_storable() {
        let long = "x".repeat(3000);
        let raw = format!(
            "From: a@b.example\r\nSubject: =?utf-8?b?{}?=\r\nMessage-ID: <{long}@x>\r\nIn-Reply-To: <{long}@y>\r\n\r\nbody\0text\r\n",
            base64::Engine::encode(&base64::engine::general_purpose::STANDARD, "门户\0打不开")
        );
        let p = Parsed::from_bytes(raw.as_bytes());
        assert_eq!(p.subject, "门户打不开");
        assert!(!p.text.contains('\0'));
        let id = p.message_id.unwrap();
        assert!(id.starts_with("sha256:") && id.len() < 80, "{id}");
        assert!(p.replies_to.iter().all(|r| r.len() < 80));
    }

    #[test]
    fn a_nul_in_an_attachments_name_or_type_is_dropped() {
        let raw = "From: a@b.example\r\nSubject: x\r\nMIME-Version: 1.0\r\n\
                   Content-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\nContent-Type: text/plain\r\n\r\nhi\r\n\
                   --XX\r\nContent-Type: text/plain; name*=utf-8''a%00.log\r\n\
                   Content-Disposition: attachment; filename*=utf-8''a%00.log\r\n\r\nlog\r\n\
                   --XX\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename*=utf-8''%00\r\n\r\nx\r\n--XX--\r\n";
        let p = Parsed::from_bytes(raw.as_bytes());
        let names: Vec<&str> = p.attachments.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["a.log", "attachment"]);
        assert!(p.attachments.iter().all(|f| !f.content_type.contains('\0')));
    }
}
