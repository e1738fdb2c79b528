//! `multipart/form-data` bodies (RFC 7578), as browsers send a form with a file and as the API
//! takes attachments: split into parts, each with its field name, file name, type and bytes.

/// One part of a `multipart/form-data` body.
#[derive(Debug, PartialEq)]
pub struct Part<'a> {
    /// The field's name.
    pub name: String,
    /// The file's name, for a file.
    pub file_name: Option<String>,
    /// The type it was sent as (`Content-Type` of the part), if any.
    pub content_type: Option<String>,
    /// Its bytes.
    pub data: &'a [u8],
}

/// The boundary a `multipart/form-data` content type names.
pub fn boundary(content_type: &str) -> Option<String> {
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
pub fn param(header: &str, key: &str) -> Option<String> {
    params(header)
        .into_iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
}

/// The parts of `body`, split at `boundary` (RFC 7578); none if it is not such a body.
pub fn parts<'a>(body: &'a [u8], boundary: &str) -> Option<Vec<Part<'a>>> {
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
        let content_type = head
            .split("\r\n")
            .find_map(|l| {
                l.split_once(':')
                    .filter(|(k, _)| k.trim().eq_ignore_ascii_case("content-type"))
            })
            .map(|(_, v)| v.trim().to_owned());
        out.push(Part {
            name: param(disposition, "name")?,
            file_name: param(disposition, "filename"),
            content_type,
            data,
        });
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
        assert_eq!(
            (p[0].content_type.as_deref(), p[1].content_type.as_deref()),
            (None, Some("application/pdf"))
        );
        assert_eq!(p[1].data, b"%PDF-1.7\r\n\r\nend");
        assert_eq!(boundary("application/x-www-form-urlencoded"), None);
        assert_eq!(parts(b"no boundary here", &b), None);
        assert_eq!(
            parts(b"------b1\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\ncut", &b),
            None
        );
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
