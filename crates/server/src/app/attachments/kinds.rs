//! What a file is, told by its content (its first bytes, and for Office files the parts inside),
//! never by its name or the type it was sent as; and a name fit to keep and to offer back.
//!
//! ```
//! use opsclock::app::attachments::kinds::{Kind, Sniffed, sniff, clean_name};
//! assert_eq!(sniff(b"\x89PNG\r\n\x1a\n....", "a.png"), Sniffed::Kind(Kind::Png));
//! assert_eq!(sniff(b"MZ\x90\0", "photo.png"), Sniffed::Refused("a Windows program (MZ)"));
//! assert_eq!(sniff(b"<!DOCTYPE html><p>hi", "a.txt"), Sniffed::Refused("HTML"));
//! assert_eq!(sniff(b"2026-12-06 disk full\n", "app.log"), Sniffed::Kind(Kind::Log));
//! assert_eq!(clean_name("C:\\故障\\截图 1.png", Kind::Png), "截图 1.png");
//! assert_eq!(clean_name("run.exe", Kind::Png), "run.exe.png");
//! ```

/// A kind of file an attachment may be (`[attachments] allowed_types` names them by [`Kind::key`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// PNG image.
    Png,
    /// JPEG image.
    Jpeg,
    /// GIF image.
    Gif,
    /// WebP image.
    Webp,
    /// PDF document.
    Pdf,
    /// Plain text (UTF-8 or a legacy encoding such as GBK), not markup.
    Text,
    /// Comma-separated values: text named `*.csv`.
    Csv,
    /// A log: text named `*.log`.
    Log,
    /// Word document (OOXML).
    Docx,
    /// Excel workbook (OOXML).
    Xlsx,
    /// PowerPoint presentation (OOXML).
    Pptx,
    /// Word 97–2003 document (OLE2 with a `WordDocument` stream).
    Doc,
    /// Excel 97–2003 workbook (OLE2 with a `Workbook` stream).
    Xls,
    /// ZIP archive (one that is not an Office file).
    Zip,
    /// An email message (RFC 5322 headers: `From:` and a `Date:`, `Subject:` or `Message-ID:`).
    Eml,
}

impl Kind {
    /// Every kind, in the order the documentation lists them.
    pub const ALL: [Kind; 15] = [
        Kind::Png,
        Kind::Jpeg,
        Kind::Gif,
        Kind::Webp,
        Kind::Pdf,
        Kind::Text,
        Kind::Csv,
        Kind::Log,
        Kind::Docx,
        Kind::Xlsx,
        Kind::Pptx,
        Kind::Doc,
        Kind::Xls,
        Kind::Zip,
        Kind::Eml,
    ];

    /// Its name in `[attachments] allowed_types`: `png`, `docx`, `eml`, ….
    pub fn key(self) -> &'static str {
        match self {
            Kind::Png => "png",
            Kind::Jpeg => "jpeg",
            Kind::Gif => "gif",
            Kind::Webp => "webp",
            Kind::Pdf => "pdf",
            Kind::Text => "text",
            Kind::Csv => "csv",
            Kind::Log => "log",
            Kind::Docx => "docx",
            Kind::Xlsx => "xlsx",
            Kind::Pptx => "pptx",
            Kind::Doc => "doc",
            Kind::Xls => "xls",
            Kind::Zip => "zip",
            Kind::Eml => "eml",
        }
    }

    /// The kind named `key` (also `jpg`, `txt`, `message/rfc822`).
    pub fn from_key(key: &str) -> Option<Kind> {
        let key = key.trim().to_ascii_lowercase();
        let alias = match key.as_str() {
            "jpg" => "jpeg",
            "txt" | "text/plain" => "text",
            "message/rfc822" => "eml",
            k => k,
        };
        Kind::ALL
            .into_iter()
            .find(|k| k.key() == alias || k.media_type() == alias)
    }

    /// Its media type, as stored and as a download is sent.
    pub fn media_type(self) -> &'static str {
        match self {
            Kind::Png => "image/png",
            Kind::Jpeg => "image/jpeg",
            Kind::Gif => "image/gif",
            Kind::Webp => "image/webp",
            Kind::Pdf => "application/pdf",
            Kind::Text | Kind::Log => "text/plain",
            Kind::Csv => "text/csv",
            Kind::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Kind::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Kind::Pptx => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            Kind::Doc => "application/msword",
            Kind::Xls => "application/vnd.ms-excel",
            Kind::Zip => "application/zip",
            Kind::Eml => "message/rfc822",
        }
    }

    /// The extensions a file of this kind is named with; the first is the one added to a name
    /// without any of them.
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            Kind::Png => &["png"],
            Kind::Jpeg => &["jpg", "jpeg", "jpe", "jfif"],
            Kind::Gif => &["gif"],
            Kind::Webp => &["webp"],
            Kind::Pdf => &["pdf"],
            Kind::Text => &[
                "txt", "text", "md", "conf", "cfg", "ini", "json", "yaml", "yml", "log", "csv",
            ],
            Kind::Csv => &["csv"],
            Kind::Log => &["log"],
            Kind::Docx => &["docx"],
            Kind::Xlsx => &["xlsx"],
            Kind::Pptx => &["pptx"],
            Kind::Doc => &["doc"],
            Kind::Xls => &["xls"],
            Kind::Zip => &["zip"],
            Kind::Eml => &["eml"],
        }
    }
}

/// What [`sniff`] made of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniffed {
    /// One of the kinds an attachment may be (if `[attachments] allowed_types` lists it).
    Kind(Kind),
    /// A kind never stored, whatever the settings: programs and scripts, which run where they
    /// are opened, and HTML or SVG, which run script in a browser. Says what it is.
    Refused(&'static str),
    /// None of the kinds above.
    Unknown,
}

/// The signatures of programs (first bytes), with what they are.
const PROGRAMS: [(&[u8], &str); 8] = [
    (b"MZ", "a Windows program (MZ)"),
    (b"\x7fELF", "a Linux program (ELF)"),
    (b"\xFE\xED\xFA\xCE", "a macOS program (Mach-O)"),
    (b"\xFE\xED\xFA\xCF", "a macOS program (Mach-O)"),
    (b"\xCE\xFA\xED\xFE", "a macOS program (Mach-O)"),
    (b"\xCF\xFA\xED\xFE", "a macOS program (Mach-O)"),
    (b"\xCA\xFE\xBA\xBE", "a program (Mach-O universal or Java class)"),
    (b"#!", "a script (#!)"),
];

/// The OLE2 compound file signature (Office 97–2003).
const OLE2: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

/// What `bytes` are, by their content; `name` (sanitised or not) only tells apart kinds whose
/// content is the same: text named `*.csv` or `*.log`.
pub fn sniff(bytes: &[u8], name: &str) -> Sniffed {
    if let Some((_, what)) = PROGRAMS.iter().find(|(magic, _)| bytes.starts_with(magic)) {
        return Sniffed::Refused(what);
    }
    let kind = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Kind::Png
    } else if bytes.starts_with(b"\xFF\xD8\xFF") {
        Kind::Jpeg
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Kind::Gif
    } else if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
        Kind::Webp
    } else if bytes.starts_with(b"%PDF-") {
        Kind::Pdf
    } else if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        zip_kind(bytes)
    } else if bytes.starts_with(OLE2) {
        if contains(bytes, &utf16("WordDocument")) {
            Kind::Doc
        } else if contains(bytes, &utf16("Workbook")) || contains(bytes, &utf16("Book")) {
            Kind::Xls
        } else {
            return Sniffed::Unknown;
        }
    } else {
        return text_kind(bytes, name);
    };
    Sniffed::Kind(kind)
}

/// A ZIP archive's kind: an Office file by the parts it holds (their names are stored
/// uncompressed in the local headers), else a plain archive.
fn zip_kind(bytes: &[u8]) -> Kind {
    if !contains(bytes, b"[Content_Types].xml") {
        return Kind::Zip;
    }
    if contains(bytes, b"word/") {
        Kind::Docx
    } else if contains(bytes, b"xl/") {
        Kind::Xlsx
    } else if contains(bytes, b"ppt/") {
        Kind::Pptx
    } else {
        Kind::Zip
    }
}

/// Text's kind, or why it is refused: markup a browser would run (HTML, SVG), or no text at all
/// (a NUL byte, or other control characters than tab, line breaks, form feed and escape).
fn text_kind(bytes: &[u8], name: &str) -> Sniffed {
    if bytes.is_empty()
        || bytes
            .iter()
            .any(|&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c | 0x1b))
    {
        return Sniffed::Unknown;
    }
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let head: Vec<u8> = body.iter().take(2048).map(u8::to_ascii_lowercase).collect();
    let start = head.trim_ascii_start();
    // Markup a browser would render: a document that starts with a tag and holds HTML's or SVG's;
    // a script or an SVG anywhere in its first 2 KiB.
    let starts_with_tag = start.starts_with(b"<");
    if contains(start, b"<svg") {
        return Sniffed::Refused("SVG (an image that can carry script)");
    }
    let markup = [
        &b"<!doctype html"[..],
        b"<html",
        b"<head",
        b"<body",
        b"<iframe",
        b"xhtml",
    ];
    if contains(start, b"<script") || (starts_with_tag && markup.iter().any(|m| contains(start, m))) {
        return Sniffed::Refused("HTML");
    }
    if is_mail(body) {
        return Sniffed::Kind(Kind::Eml);
    }
    let ext = extension(name).unwrap_or_default();
    Sniffed::Kind(match ext.as_str() {
        "csv" => Kind::Csv,
        "log" => Kind::Log,
        _ => Kind::Text,
    })
}

/// Whether text starts with an email's header block: header lines from the first, among them
/// `From:` and one of `Date:`, `Subject:`, `Message-ID:`.
fn is_mail(text: &[u8]) -> bool {
    let head = String::from_utf8_lossy(&text[..text.len().min(16 * 1024)]);
    let mut names = Vec::new();
    for line in head.lines() {
        if line.is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            continue;
        }
        let Some((name, _)) = line.split_once(':') else {
            return false;
        };
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return false;
        }
        names.push(name.to_ascii_lowercase());
    }
    names.iter().any(|n| n == "from")
        && names
            .iter()
            .any(|n| matches!(n.as_str(), "date" | "subject" | "message-id"))
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

fn utf16(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// The extension of `name`, lower-cased: `A.PDF` → `pdf`.
fn extension(name: &str) -> Option<String> {
    let (stem, ext) = name.rsplit_once('.')?;
    (!stem.is_empty() && !ext.is_empty()).then(|| ext.to_lowercase())
}

/// The longest name kept, in characters.
pub const MAX_NAME: usize = 120;

/// A file's name fit to keep and to offer back: the last part of a path (`C:\a\b.png` → `b.png`),
/// without control characters or the invisible ones that turn text around (a name that shows
/// as `photo_gnp.exe` but is `photo.exe`), without the characters Windows forbids (as `_`),
/// without leading or trailing dots and spaces, at most [`MAX_NAME`] characters (the extension
/// kept), Chinese as it is; named for its kind when its extension is not one of it (`run.exe`,
/// a PNG, → `run.exe.png`, so no program's name survives), `attachment.png` when nothing is left.
pub fn clean_name(name: &str, kind: Kind) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !invisible(*c))
        .map(|c| {
            if matches!(c, '"' | '*' | ':' | '<' | '>' | '?' | '|') {
                '_'
            } else {
                c
            }
        })
        .collect();
    let mut cleaned = cleaned.trim_matches(|c: char| c == '.' || c.is_whitespace()).to_owned();
    let ext = extension(&cleaned);
    let wanted = kind.extensions();
    if cleaned.is_empty() {
        cleaned = "attachment".to_owned();
    }
    let suffix = match ext {
        Some(e) if wanted.contains(&e.as_str()) => String::new(),
        _ => format!(".{}", wanted[0]),
    };
    let mut whole = format!("{cleaned}{suffix}");
    if whole.chars().count() > MAX_NAME {
        // Keep the extension: cut the stem.
        let (stem, ext) = whole.rsplit_once('.').map_or((whole.as_str(), ""), |(s, e)| (s, e));
        let room = MAX_NAME.saturating_sub(ext.chars().count() + 1);
        let stem: String = stem.chars().take(room).collect();
        whole = format!("{}.{ext}", stem.trim_end());
    }
    whole
}

/// Characters that change how text around them shows, without showing themselves.
fn invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_decides_not_the_name() {
        assert_eq!(sniff(b"GIF89a....", "x.png"), Sniffed::Kind(Kind::Gif));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 ", "x"), Sniffed::Kind(Kind::Webp));
        assert_eq!(sniff(b"%PDF-1.7", "x.txt"), Sniffed::Kind(Kind::Pdf));
        assert_eq!(
            sniff(b"\x7fELF\x02", "x.png"),
            Sniffed::Refused("a Linux program (ELF)")
        );
        assert_eq!(
            sniff(b"#!/bin/sh\nrm -rf /", "x.txt"),
            Sniffed::Refused("a script (#!)")
        );
        assert_eq!(sniff(b"\0\0\0\x18ftypmp42", "x.mp4"), Sniffed::Unknown);
        assert!(matches!(
            sniff(b"  <svg onload=alert(1)>", "a.png"),
            Sniffed::Refused(_)
        ));
        assert!(matches!(
            sniff(b"\xEF\xBB\xBF<HTML><script>", "a.txt"),
            Sniffed::Refused(_)
        ));
        // Text that only mentions a tag further down is text; a script anywhere is not.
        assert_eq!(
            sniff(b"x\n<script>alert(1)</script>", "a.log"),
            Sniffed::Refused("HTML")
        );
        assert_eq!(
            sniff(b"error near <html> in template\n", "a.txt"),
            Sniffed::Kind(Kind::Text)
        );
        assert_eq!(sniff("磁盘已满\n".as_bytes(), "告警.csv"), Sniffed::Kind(Kind::Csv));
        let gbk = b"\xb4\xc5\xc5\xcc\xd2\xd1\xc2\xfa\r\n";
        assert_eq!(sniff(gbk, "x.txt"), Sniffed::Kind(Kind::Text), "GBK text is text");
    }

    #[test]
    fn office_files_are_told_by_their_parts() {
        let ooxml = |part: &str| {
            let mut z = b"PK\x03\x04\x14\0\0\0[Content_Types].xml....PK\x03\x04".to_vec();
            z.extend_from_slice(part.as_bytes());
            z
        };
        assert_eq!(sniff(&ooxml("word/document.xml"), "a"), Sniffed::Kind(Kind::Docx));
        assert_eq!(sniff(&ooxml("xl/workbook.xml"), "a"), Sniffed::Kind(Kind::Xlsx));
        assert_eq!(sniff(&ooxml("ppt/slides/slide1.xml"), "a"), Sniffed::Kind(Kind::Pptx));
        assert_eq!(sniff(b"PK\x03\x04\x14\0notes.txt", "a.docx"), Sniffed::Kind(Kind::Zip));
        let mut doc = OLE2.to_vec();
        doc.extend(utf16("WordDocument"));
        assert_eq!(sniff(&doc, "a.xls"), Sniffed::Kind(Kind::Doc));
        let mut xls = OLE2.to_vec();
        xls.extend(utf16("Workbook"));
        assert_eq!(sniff(&xls, "a"), Sniffed::Kind(Kind::Xls));
        assert_eq!(sniff(OLE2, "a.doc"), Sniffed::Unknown);
    }

    #[test]
    fn a_mail_is_told_by_its_headers() {
        let mail = b"Received: from x\r\n\tby y\r\nFrom: a@b.cn\r\nSubject: =?UTF-8?B?5pWF6Zqc?=\r\n\r\nbody";
        assert_eq!(sniff(mail, "fwd.eml"), Sniffed::Kind(Kind::Eml));
        assert_eq!(sniff(b"From: a\nnot a header\n", "x"), Sniffed::Kind(Kind::Text));
        assert_eq!(Kind::from_key("message/rfc822"), Some(Kind::Eml));
        assert_eq!(Kind::from_key("JPG"), Some(Kind::Jpeg));
        assert_eq!(Kind::from_key("exe"), None);
    }

    #[test]
    fn names_are_cleaned_but_keep_their_chinese() {
        assert_eq!(clean_name("/tmp/../../etc/passwd", Kind::Text), "passwd.txt");
        assert_eq!(clean_name("机房\u{0}巡检\r\n记录.pdf", Kind::Pdf), "机房巡检记录.pdf");
        assert_eq!(clean_name("photo\u{202E}gnp.exe", Kind::Png), "photognp.exe.png");
        assert_eq!(clean_name("a<b>:c?.PNG", Kind::Png), "a_b__c_.PNG");
        assert_eq!(clean_name(" .. ", Kind::Pdf), "attachment.pdf");
        assert_eq!(clean_name(".htaccess", Kind::Text), "htaccess.txt");
        let long = format!("{}.pdf", "长".repeat(300));
        let kept = clean_name(&long, Kind::Pdf);
        assert_eq!(kept.chars().count(), MAX_NAME);
        assert!(kept.ends_with("长.pdf"));
    }
}
