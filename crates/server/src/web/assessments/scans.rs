//! The scanned signed copy on the assessment page: `POST /assessments/{id}/scans` takes the
//! upload form (`multipart/form-data`: the form token and the file, as a browser sends a file
//! without any script) and attaches the file through
//! [`crate::app::assessments::scans::attach`], which tells its type by its first bytes and says
//! who may; the page lists the scans with links to download them.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Extension, Path, State};
use axum::http::{HeaderMap, StatusCode, header};

use super::{id_of, reason, words};
use crate::app::AppError;
use crate::app::assessments::scans::{self, NewScan};
use crate::app::audit::ClientAddr;
use crate::http::AppState;
use crate::http::limits::BodyTooLarge;
use crate::web::{Viewer, WebError, WebResult, redirect_with};

/// The largest upload form: the largest scan and room for the form's other parts.
pub(crate) const FORM_LIMIT: usize = scans::MAX_BYTES + 64 * 1024;

/// One part of a `multipart/form-data` body.
#[derive(Debug, PartialEq)]
struct Part<'a> {
    /// The field's name.
    name: String,
    /// The file's name, for a file.
    file_name: Option<String>,
    /// Its bytes.
    data: &'a [u8],
}

/// The boundary a `multipart/form-data` content type names.
fn boundary(content_type: &str) -> Option<String> {
    let kind = content_type.split(';').next()?;
    if !kind.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    param(content_type, "boundary").filter(|b| !b.is_empty() && b.len() <= 70)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The parameters of a header after its first item (`form-data; name="file"; filename="a;b.pdf"`),
/// each key lower-cased with its value. A value is a token or a quoted string (RFC 7578 § 4.2,
/// RFC 2183 § 2): inside the quotes a `;` or a `=` is the value's, and a backslash escapes a quote
/// or a backslash (`\"`, `\\`). A backslash before anything else is kept: browsers send a file's
/// name with its backslashes as they are (`C:\扫描\签字页.pdf` from an old browser), escaping
/// only the quote, as `%22`.
fn params(header: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut chars = header.chars().peekable();
    let mut quoted = false;
    // The first item (`Content-Disposition: form-data`) up to the first `;` outside quotes.
    for c in chars.by_ref() {
        match c {
            '"' => quoted = !quoted,
            ';' if !quoted => break,
            _ => {}
        }
    }
    while chars.peek().is_some() {
        let mut key = String::new();
        let mut has_value = false;
        for c in chars.by_ref() {
            match c {
                '=' => {
                    has_value = true;
                    break;
                }
                ';' => break,
                c => key.push(c),
            }
        }
        let key = key.trim().to_ascii_lowercase();
        let mut value = String::new();
        if has_value {
            while chars.next_if(char::is_ascii_whitespace).is_some() {}
            if chars.next_if_eq(&'"').is_some() {
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' if matches!(chars.peek(), Some('"' | '\\')) => value.extend(chars.next()),
                        c => value.push(c),
                    }
                }
                // Whatever follows the closing quote up to the next `;` is not the value's.
                for c in chars.by_ref() {
                    if c == ';' {
                        break;
                    }
                }
            } else {
                value = chars
                    .by_ref()
                    .take_while(|&c| c != ';')
                    .collect::<String>()
                    .trim()
                    .to_owned();
            }
        }
        if !key.is_empty() {
            out.push((key, value));
        }
    }
    out
}

/// Parameter `key` of a header (`name="file"`), unquoted (see [`params`]).
fn param(header: &str, key: &str) -> Option<String> {
    params(header)
        .into_iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
}

/// The parts of `body`, split at `boundary` (RFC 7578); none if it is not such a body.
fn parts<'a>(body: &'a [u8], boundary: &str) -> Option<Vec<Part<'a>>> {
    let delimiter = format!("--{boundary}").into_bytes();
    let mut rest = &body[find(body, &delimiter)? + delimiter.len()..];
    let mut out = Vec::new();
    loop {
        if rest.starts_with(b"--") {
            return Some(out);
        }
        rest = rest.strip_prefix(b"\r\n")?;
        let head_end = find(rest, b"\r\n\r\n")?;
        let head = std::str::from_utf8(&rest[..head_end]).ok()?;
        rest = &rest[head_end + 4..];
        let mut closing = b"\r\n".to_vec();
        closing.extend_from_slice(&delimiter);
        let end = find(rest, &closing)?;
        let data = &rest[..end];
        rest = &rest[end + closing.len()..];
        let disposition = head
            .split("\r\n")
            .find(|l| l.to_ascii_lowercase().starts_with("content-disposition:"))?;
        out.push(Part {
            name: param(disposition, "name")?,
            file_name: param(disposition, "filename"),
            data,
        });
    }
}

/// `POST /assessments/{id}/scans`: attaches the file sent with the upload form, then back to the
/// assessment with a message.
pub(super) async fn upload(
    State(state): State<AppState>,
    v: Viewer,
    from: ClientAddr,
    Path(id): Path<String>,
    headers: HeaderMap,
    too_large: Option<Extension<BodyTooLarge>>,
    body: Result<Bytes, BytesRejection>,
) -> WebResult {
    let id = id_of(&id)?;
    let back = format!("/assessments/{id}");
    let w = words(v.lang);
    let label = w["scan_upload"];
    // Over the limit, whoever refused it: this route's own limit, or `serve`'s `admit`, which
    // reads the body before the route on SQLite.
    let body = match body {
        Ok(_) if too_large.is_some() => {
            return Ok(redirect_with(&back, &format!("{label} ✗ {}", w["scan_too_large"])));
        }
        Ok(b) => b,
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return Ok(redirect_with(&back, &format!("{label} ✗ {}", w["scan_too_large"])));
        }
        Err(e) => return Err(WebError::BadRequest(format!("the form could not be read: {e}"))),
    };
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let parts = boundary(content_type)
        .and_then(|b| parts(&body, &b))
        .ok_or_else(|| WebError::BadRequest("the upload form could not be read (multipart/form-data)".into()))?;
    let csrf = parts
        .iter()
        .find(|p| p.name == "csrf")
        .and_then(|p| std::str::from_utf8(p.data).ok());
    v.check_csrf(csrf)?;
    let Some(file) = parts.iter().find(|p| p.name == "file" && !p.data.is_empty()) else {
        return Ok(redirect_with(&back, &format!("{label} ✗ {}", w["scan_none"])));
    };
    // The browser's type comes from the file's name: the first bytes alone say what it is.
    let scan = NewScan {
        bytes: file.data,
        declared: None,
        file_name: file.file_name.as_deref(),
    };
    match scans::attach(&state, &v.p, &from, id, scan).await {
        Ok(s) => Ok(redirect_with(&back, &format!("{label} · A-{id} #{} ✓", s.number))),
        Err(e @ (AppError::Internal(_) | AppError::NotFound(_))) => Err(e.into()),
        Err(e) => Ok(redirect_with(
            &back,
            &format!("{label} · A-{id} ✗ {}", reason(&e, v.lang)),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_browsers_upload_form_is_read_part_by_part() {
        let body = b"preamble\r\n------b1\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\ntok\r\n\
            ------b1\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\xE7\xAD\xBE.pdf\"\r\n\
            Content-Type: application/pdf\r\n\r\n%PDF-1.7\r\n\r\nend\r\n------b1--\r\n";
        let b = boundary("multipart/form-data; boundary=\"----b1\"").unwrap();
        let p = parts(body, &b).unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!((p[0].name.as_str(), p[0].data), ("csrf", &b"tok"[..]));
        assert_eq!(p[1].file_name.as_deref(), Some("签.pdf"));
        assert_eq!(p[1].data, b"%PDF-1.7\r\n\r\nend");
        assert_eq!(boundary("application/x-www-form-urlencoded"), None);
        assert_eq!(parts(b"no boundary here", &b), None);
        assert_eq!(
            parts(b"------b1\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\ncut", &b),
            None
        );
    }

    #[test]
    fn the_page_says_the_limits_the_use_case_keeps() {
        let mib = |bytes: usize| format!("{} MB", bytes / (1024 * 1024));
        for lang in [crate::web::i18n::Lang::Zh, crate::web::i18n::Lang::En] {
            let w = words(lang);
            let max = w["scan_max"];
            assert!(max.contains(&mib(scans::MAX_BYTES)), "{max}");
            assert!(max.contains(&mib(scans::MAX_TOTAL_BYTES)), "{max}");
            assert!(max.contains(&format!("{} ", scans::MAX_SCANS)), "{max}");
            assert!(w["scan_too_large"].contains(&mib(scans::MAX_BYTES)));
        }
    }

    #[test]
    fn a_quoted_file_name_keeps_its_semicolons_and_escapes() {
        let header = r#"Content-Disposition: form-data; name="file"; filename="a;b.pdf""#;
        assert_eq!(param(header, "name").as_deref(), Some("file"));
        assert_eq!(param(header, "filename").as_deref(), Some("a;b.pdf"));
        // A backslash escapes a quote or a backslash; before anything else it is the name's.
        let header = r#"form-data; NAME=file; filename="say \"hi\"; x=1.pdf"; size=3"#;
        assert_eq!(
            params(header),
            [
                ("name".to_owned(), "file".to_owned()),
                ("filename".to_owned(), r#"say "hi"; x=1.pdf"#.to_owned()),
                ("size".to_owned(), "3".to_owned()),
            ]
        );
        let header = r#"form-data; name="file"; filename="C:\\扫描\\签字页.pdf""#;
        assert_eq!(param(header, "filename").as_deref(), Some(r"C:\扫描\签字页.pdf"));
        let header = r#"form-data; name="file"; filename="C:\扫描\签字页.pdf""#;
        assert_eq!(param(header, "filename").as_deref(), Some(r"C:\扫描\签字页.pdf"));
        // A parameter without a value, `filename*`, an empty name: none is taken for another.
        let header = r#"form-data; hidden; name="f"; filename*=UTF-8''a.pdf; filename="""#;
        assert_eq!(param(header, "hidden").as_deref(), Some(""));
        assert_eq!(param(header, "name").as_deref(), Some("f"));
        assert_eq!(param(header, "filename").as_deref(), Some(""));
        // A whole part whose file's name holds a `;`.
        let body = b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a;b.pdf\"\r\n\r\n%PDF-\r\n--b--";
        let p = parts(body, "b").unwrap();
        assert_eq!(
            (p[0].name.as_str(), p[0].file_name.as_deref()),
            ("file", Some("a;b.pdf"))
        );
        let quoted = r#"multipart/form-data; charset="a;boundary=z"; boundary=real"#;
        assert_eq!(boundary(quoted).as_deref(), Some("real"));
        assert_eq!(boundary("Multipart/Form-Data; boundary=abc").as_deref(), Some("abc"));
    }
}
