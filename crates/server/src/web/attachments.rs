//! Attachments on the ticket page: the list with download links (to the API's download, which
//! the session cookie opens) and the upload form, `POST /tickets/{number}/attachments`
//! (`multipart/form-data`: the form token and one or more files, as a browser sends them without
//! any script), which attaches through [`crate::app::attachments::upload`].

use std::collections::BTreeMap;

use axum::body::Body;
use axum::extract::{Extension, Path, State};
use axum::http::HeaderMap;
use serde_json::{Value as Json, json};

use super::i18n::Lang;
use super::{Viewer, WebError, WebResult, redirect_with};
use crate::app::AppError;
use crate::app::attachments::{self, AttachmentView, Upload};
use crate::app::audit::ClientAddr;
use crate::http::AppState;
use crate::http::limits::BodyTooLarge;

/// The section's words, `att.key` in `ticket.html`.
const WORDS: &[(&str, &str, &str)] = &[
    ("title", "附件", "Attachments"),
    ("none", "尚无附件。", "No files attached yet."),
    ("name", "文件", "File"),
    ("type", "类型", "Type"),
    ("size", "大小", "Size"),
    ("who", "上传人", "By"),
    ("when", "时间", "When"),
    ("source", "来源", "Source"),
    ("src_upload", "上传", "upload"),
    ("src_mail", "邮件", "mail"),
    ("mail_sender", "邮件发件人", "the mail's sender"),
    ("upload", "上传附件", "Attach"),
    ("choose", "选择文件", "Files"),
    (
        "hint",
        "附件一经上传即随工单永久保存，不可删除；文件类型按内容识别，不接受可执行文件、脚本、网页和矢量图文件。",
        "Attachments stay with the ticket for good (none is deleted); the type is told by the content, and programs, scripts, HTML and SVG are refused.",
    ),
    ("limits", "限制", "Limits"),
    ("per_file", "单个文件", "per file"),
    ("per_ticket", "每张工单", "per ticket"),
    ("kinds", "可上传类型", "kinds"),
    ("none_chosen", "请选择要上传的文件", "choose a file to attach"),
    ("too_large", "文件过大", "the files are too large"),
];

/// The section's words in `lang`.
pub(super) fn words(lang: Lang) -> BTreeMap<&'static str, &'static str> {
    super::templates::pick(WORDS, lang == Lang::Zh)
}

/// The attachments section of ticket `t`'s page: its files and whether the reader may attach.
pub(super) async fn section(state: &AppState, v: &Viewer, number: &str, list: &[AttachmentView]) -> WebResult<Json> {
    let may = attachments::may_attach(state, &v.p, number).await?;
    let s = &state.attachments;
    let mib = |b: u64| b / (1024 * 1024);
    // What the browser's file chooser offers: the allowed kinds' types and extensions.
    let mut accept: Vec<String> = Vec::new();
    for k in &s.allowed {
        accept.push(k.media_type().to_owned());
        accept.extend(k.extensions().iter().map(|e| format!(".{e}")));
    }
    accept.sort();
    accept.dedup();
    Ok(json!({
        "list": list,
        "may_attach": may,
        "max_file_mib": mib(s.max_file),
        "max_ticket_mib": mib(s.max_ticket),
        "kinds": s.allowed_keys(),
        "accept": accept.join(","),
    }))
}

/// `POST /tickets/{number}/attachments`: attaches the files sent with the upload form, then back
/// to the ticket with a message.
pub(super) async fn upload(
    State(state): State<AppState>,
    v: Viewer,
    from: ClientAddr,
    Path(number): Path<String>,
    headers: HeaderMap,
    too_large: Option<Extension<BodyTooLarge>>,
    body: Body,
) -> WebResult {
    let back = format!("/tickets/{number}#attachments");
    let w = words(v.lang);
    let label = w["upload"];
    let refused = |why: &str| Ok(redirect_with(&back, &format!("{label} · {number} ✗ {why}")));
    // Who may, and whether the ticket is there for them (404), before the body is read.
    attachments::check_upload(&state, &v.p, &number).await?;
    let limit = state.attachments.request_limit();
    let too_big = format!("{} ({} MB)", w["too_large"], state.attachments.max_file / (1024 * 1024));
    // Over the limit, whoever refused it: `serve`'s `admit` (which reads the body first on
    // SQLite) or the reading here.
    if too_large.is_some() {
        return refused(&too_big);
    }
    let body = match axum::body::to_bytes(body, limit).await {
        Ok(b) => b,
        Err(e) if crate::http::limits::over_limit(&e) => return refused(&too_big),
        Err(e) => return Err(WebError::BadRequest(format!("the form could not be read: {e}"))),
    };
    let parts = v.upload_parts(&headers, &body)?;
    // A browser's type comes from the file's name: the content alone says what it is.
    let files: Vec<Upload<'_>> = parts
        .iter()
        .filter(|p| p.name == "file" && !p.data.is_empty())
        .map(|p| Upload {
            name: p.file_name.as_deref().unwrap_or(""),
            declared_type: None,
            bytes: p.data,
        })
        .collect();
    if files.is_empty() {
        return refused(w["none_chosen"]);
    }
    match attachments::upload(&state, &v.p, &from, &number, &files).await {
        Ok(stored) => {
            let names: Vec<&str> = stored.iter().map(|a| a.name.as_str()).collect();
            Ok(redirect_with(
                &back,
                &format!("{label} · {number} ✓ {}", names.join("、")),
            ))
        }
        Err(e @ (AppError::Internal(_) | AppError::NotFound(_))) => Err(e.into()),
        Err(e) => refused(&e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_the_section_uses_exists_in_both_languages() {
        let used = super::super::templates::words_used(&["ticket"], "att");
        super::super::templates::check_words(WORDS, &used);
    }
}
