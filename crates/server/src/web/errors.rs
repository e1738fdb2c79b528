//! Error pages in the reader's language.
//!
//! A page that fails says, in Chinese by default: a title by its status (403 **无权访问**, 404
//! **页面不存在**, 422 **填写有误**, …, never a bare 出错了), a sentence saying what it means and
//! what to do, and the use case's own reason. Reasons already in Chinese (「人工调整等级时请填写
//! 理由。」) are shown as they are; the many still written in English are kept, collapsed under
//! 技术细节（英文） and marked `lang="en"`, for the administrator a reader forwards them to. A
//! server error shows no detail at all (it is logged).
//!
//! [`WebError`](super::WebError) renders the Chinese page (it cannot see the request); the layer
//! [`localize`] around every page route says it again in English for a reader who chose English.
//! A browser that mistypes an address (`Accept: text/html`, outside `/api/`) gets the same page
//! with 404 ([`wants_page`], [`not_found`]) instead of the API's JSON problem.
//!
//! ```
//! use opsclock::web::{Lang, errors::render};
//! use axum::http::StatusCode;
//! let res = render(StatusCode::FORBIDDEN, Some("only managers and admins may do this"), Lang::Zh);
//! assert_eq!(res.status(), StatusCode::FORBIDDEN);
//! ```

use axum::extract::Request;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::{Lang, i18n, templates};
use crate::app::AppError;

/// What an error page said, kept on its response so that [`localize`] can say it in the
/// reader's language.
#[derive(Debug, Clone)]
pub struct ErrorPage {
    /// The status.
    pub status: StatusCode,
    /// The use case's reason, if it may be shown.
    pub detail: Option<String>,
}

/// The word key of `status`'s title and sentence: the status itself for those the pages know,
/// 500 for any other server error, none (出错了) otherwise.
fn key_of(status: StatusCode) -> Option<u16> {
    match status.as_u16() {
        c @ (400 | 403 | 404 | 409 | 422 | 429 | 503) => Some(c),
        c if c >= 500 => Some(500),
        _ => None,
    }
}

/// Whether `text` holds a Chinese character (then it is shown as it is on a Chinese page).
fn has_cjk(text: &str) -> bool {
    text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// The error page for `status` with `detail`, in `lang`.
pub fn render(status: StatusCode, detail: Option<&str>, lang: Lang) -> Response {
    let tr = i18n::words(lang);
    let key = key_of(status);
    let word = |prefix: &str, fallback: &str| {
        key.and_then(|k| tr.get(format!("{prefix}{k}").as_str()).copied())
            .or_else(|| tr.get(fallback).copied())
            .unwrap_or_default()
    };
    let (title, lead) = (word("error_", "error_title"), word("error_lead_", "error_title"));
    let detail = detail.filter(|d| !d.is_empty());
    // An English reason on a Chinese page is marked as English and folded away.
    let foreign = detail.is_some_and(|d| lang == Lang::Zh && !has_cjk(d));
    let html = templates::render(
        "error.html",
        ctx! {
            status => status.as_u16(), title => title, lead => lead, detail => detail, foreign => foreign,
            lang => lang.key(), tr => tr,
        },
    )
    .unwrap_or_else(|_| format!("{status}: {lead}"));
    let mut res = (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response();
    res.extensions_mut().insert(ErrorPage {
        status,
        detail: detail.map(str::to_owned),
    });
    res
}

/// Says an error page again in the reader's language (the cookie's): [`super::WebError`]
/// renders it in Chinese without seeing the request.
pub async fn localize(req: Request, next: Next) -> Response {
    let lang = Lang::of(req.headers());
    let res = next.run(req).await;
    match res.extensions().get::<ErrorPage>() {
        Some(page) if lang != Lang::Zh => {
            let page = page.clone();
            let mut again = render(page.status, page.detail.as_deref(), lang);
            for (name, value) in res.headers() {
                if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
                    again.headers_mut().append(name, value.clone());
                }
            }
            again
        }
        _ => res,
    }
}

/// Whether a request is a browser asking for a page: it accepts `text/html` and is not for the
/// API (`/api/…` always answers JSON problems, whoever asks).
pub fn wants_page(uri: &Uri, headers: &HeaderMap) -> bool {
    !uri.path().starts_with("/api/")
        && headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.contains("text/html"))
}

/// The 404 page for an address no route has, in the reader's language.
pub fn not_found(headers: &HeaderMap) -> Response {
    render(StatusCode::NOT_FOUND, None, Lang::of(headers))
}

/// The use case's reason in the reader's language. The rulebooks (the assessments', the
/// surveys') say it in English with the Chinese in brackets at the end (「… (考核内容已变化，请刷新
/// 后再签字或发送)」): a Chinese reader gets the bracket, an English reader the rest. The bracket is
/// the one that matches the last `)`, so brackets inside the Chinese (an aspect named
/// 「响应时间(小时)」) stay in it. A reason with no Chinese part is shown as it is, after the kind
/// of refusal in Chinese for a Chinese reader (「无权访问：…」).
pub(super) fn reason(e: &AppError, lang: Lang) -> String {
    let detail = e.detail();
    let cjk = |s: &str| s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
    match split_last_bracket(&detail) {
        Some((en, zh)) if cjk(zh) => match lang {
            Lang::Zh => zh.to_owned(),
            Lang::En => en.trim().to_owned(),
        },
        _ if lang == Lang::Zh => {
            let status = crate::http::status_of(e).as_u16();
            match i18n::words(Lang::Zh).get(format!("error_{status}").as_str()) {
                Some(kind) => format!("{kind}：{detail}"),
                None => detail,
            }
        }
        _ => detail,
    }
}

/// `text` before and inside its last bracketed part, if it ends with one: the `(` that matches
/// the final `)`.
fn split_last_bracket(text: &str) -> Option<(&str, &str)> {
    let body = text.strip_suffix(')')?;
    let mut depth = 0usize;
    for (i, c) in body.char_indices().rev() {
        match c {
            ')' => depth += 1,
            '(' if depth == 0 => return Some((&body[..i], &body[i + 1..])),
            '(' => depth -= 1,
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn body(res: Response) -> String {
        let bytes = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    #[tokio::test]
    async fn a_refusal_is_titled_by_what_it_is_and_english_reasons_are_folded() {
        let html = body(render(StatusCode::FORBIDDEN, Some("you are engineer"), Lang::Zh)).await;
        assert!(html.contains("<h1>无权访问</h1>"), "{html}");
        assert!(!html.contains("出错了"), "{html}");
        assert!(
            html.contains(r#"<p class="detail" lang="en">you are engineer</p>"#),
            "{html}"
        );
        let html = body(render(
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("人工调整等级时请填写理由。"),
            Lang::Zh,
        ))
        .await;
        assert!(
            html.contains(r#"<p class="detail">人工调整等级时请填写理由。</p>"#),
            "{html}"
        );
        let html = body(render(StatusCode::FORBIDDEN, Some("you are engineer"), Lang::En)).await;
        assert!(
            html.contains("<h1>Not allowed</h1>") && html.contains(r#"<p class="detail">you are engineer</p>"#),
            "{html}"
        );
        let html = body(render(StatusCode::IM_A_TEAPOT, None, Lang::Zh)).await;
        assert!(html.contains("<h1>出错了</h1>"), "{html}");
    }

    #[test]
    fn only_browsers_outside_the_api_get_pages() {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT, "text/html,application/xhtml+xml".parse().unwrap());
        assert!(wants_page(&"/nonexistent".parse().unwrap(), &h));
        assert!(!wants_page(&"/api/v1/nonexistent".parse().unwrap(), &h));
        assert!(!wants_page(&"/nonexistent".parse().unwrap(), &HeaderMap::new()));
    }

    #[test]
    fn a_reason_splits_at_the_bracket_matching_the_last() {
        let e = AppError::invalid(
            "aspects.x",
            "not an aspect; aspects: 响应时间(小时)、服务态度 (不是本合同调查的评价方面：响应时间(小时)、服务态度)",
        );
        assert_eq!(
            reason(&e, Lang::Zh),
            "不是本合同调查的评价方面：响应时间(小时)、服务态度"
        );
        assert_eq!(
            reason(&e, Lang::En),
            "aspects.x: not an aspect; aspects: 响应时间(小时)、服务态度"
        );
        let e = AppError::Conflict("the figures changed (考核内容已变化，请刷新后再签字或发送)".into());
        assert_eq!(reason(&e, Lang::Zh), "考核内容已变化，请刷新后再签字或发送");
        assert_eq!(reason(&e, Lang::En), "the figures changed");
        let plain = AppError::Conflict("no (brackets) here".into());
        assert_eq!(reason(&plain, Lang::Zh), "操作冲突：no (brackets) here");
        assert_eq!(reason(&plain, Lang::En), "no (brackets) here");
        // No Chinese part: the kind of refusal in Chinese, then the reason as it is.
        let e = AppError::Forbidden("your role may not do this".into());
        assert_eq!(reason(&e, Lang::Zh), "无权访问：your role may not do this");
        assert_eq!(reason(&e, Lang::En), "your role may not do this");
    }
}
