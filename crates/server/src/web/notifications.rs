//! `/me/notifications`: my notification settings (通知设置) — the English copy and quiet hours
//! per channel; and `/a/{token}`: the page a link in a notice opens, which acknowledges the
//! ticket with one tap. The use cases are [`crate::app::notices::preferences`]'s and
//! [`crate::app::action_links`]'.
//!
//! The link page is public (the token is the credential): `GET` only shows what the link would
//! do — a mail scanner fetching it changes nothing — and the button posts the form back with a
//! double-submit cookie, as the sign-in form does.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::HeaderMap;

use super::i18n::{self, Lang};
use super::{Fields, Viewer, WebResult, csrf, field, redirect_with};
use crate::app::AppError;
use crate::app::action_links::{self, LinkPage};
use crate::app::audit::ClientAddr;
use crate::app::auth::secret;
use crate::app::notices::preferences::{self, PreferencesPatch};
use crate::app::notices::quiet::{QuietHours, Window};
use crate::http::AppState;

/// The link page's double-submit cookie.
const LINK_COOKIE: &str = "opsclock_link";

/// `GET /me/notifications`.
pub async fn page(State(state): State<AppState>, v: Viewer) -> WebResult {
    let prefs = preferences::get(&state, &v.p).await?;
    super::page(
        &v,
        "me_notifications.html",
        ctx! { prefs => prefs, error => None::<String> },
    )
}

/// `POST /me/notifications`: the English copy and the quiet hours (both times of a channel, or
/// neither).
pub async fn save(State(state): State<AppState>, v: Viewer, from: ClientAddr, Form(f): Fields) -> WebResult {
    v.check_form(&f)?;
    let window = |ch: &str| match (field(&f, &format!("{ch}_from")), field(&f, &format!("{ch}_to"))) {
        (Some(a), Some(b)) => Ok(Some(Window {
            from: a.to_owned(),
            to: b.to_owned(),
        })),
        (None, None) => Ok(None),
        // One time without the other is a mistake, not "none": say so rather than clear it.
        (Some(_), None) | (None, Some(_)) => Err(v.lang.vocab().pick(
            "免打扰时段需要同时填写开始和结束时间（或都留空）",
            "quiet hours need both a start and an end (or neither)",
        )),
    };
    let (email, sms) = match (window("email"), window("sms")) {
        (Ok(e), Ok(s)) => (e, s),
        (Err(msg), _) | (_, Err(msg)) => {
            let prefs = preferences::get(&state, &v.p).await?;
            return super::page(&v, "me_notifications.html", ctx! { prefs => prefs, error => Some(msg) });
        }
    };
    let patch = PreferencesPatch {
        mail_english: Some(f.get("mail_english").is_some_and(|s| s == "on")),
        quiet_hours: Some(QuietHours { email, sms }),
    };
    match preferences::set(&state, &v.p, &from, patch).await {
        Ok(_) => {
            let msg = v.lang.vocab().pick("通知设置已保存", "notification settings saved");
            Ok(redirect_with("/me/notifications", msg))
        }
        Err(AppError::Invalid { detail, .. }) => {
            let prefs = preferences::get(&state, &v.p).await?;
            super::page(
                &v,
                "me_notifications.html",
                ctx! { prefs => prefs, error => Some(detail) },
            )
        }
        Err(e) => Err(e.into()),
    }
}

fn render_link(lang: Lang, token: &str, link: Option<&LinkPage>, error: Option<&str>) -> WebResult {
    let form = secret::new_secret("oca_");
    let mut res = super::html(
        "action_link.html",
        ctx! {
            lang => lang.key(), tr => i18n::words(lang), path => format!("/a/{token}"),
            token => token, link => link, form_csrf => form.clone(), error => error,
        },
    )?;
    let cookie = format!("{LINK_COOKIE}={form}; Path=/a/; HttpOnly; SameSite=Strict; Max-Age=3600");
    super::set_cookie(&mut res, &cookie);
    res.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    res.headers_mut().insert(
        axum::http::header::REFERRER_POLICY,
        axum::http::HeaderValue::from_static("no-referrer"),
    );
    Ok(res)
}

fn unknown(lang: Lang) -> &'static str {
    lang.vocab().pick(
        "链接无效：可能输入有误，或已被删除。",
        "This link is not known: it may have been mistyped.",
    )
}

/// `GET /a/{token}`: what the link would do, and the button that does it.
pub async fn show(State(state): State<AppState>, headers: HeaderMap, Path(token): Path<String>) -> WebResult {
    let lang = Lang::of(&headers);
    match action_links::peek(&state, &token).await {
        Ok(link) => render_link(lang, &token, Some(&link), None),
        Err(AppError::NotFound(_)) => render_link(lang, &token, None, Some(unknown(lang))),
        Err(e) => Err(e.into()),
    }
}

/// `POST /a/{token}`: acknowledges, once.
pub async fn act(
    State(state): State<AppState>,
    headers: HeaderMap,
    from: ClientAddr,
    Path(token): Path<String>,
    Form(f): Fields,
) -> WebResult {
    let lang = Lang::of(&headers);
    let expected = crate::http::extract::cookie(&headers, LINK_COOKIE).unwrap_or_default();
    if !csrf::matches(&expected, f.get("csrf").map(String::as_str)) {
        let link = action_links::peek(&state, &token).await.ok();
        let msg = lang.vocab().pick(
            "页面已过期，请再点一次按钮。",
            "The page expired; please press the button again.",
        );
        return render_link(lang, &token, link.as_ref(), Some(msg));
    }
    match action_links::acknowledge(&state, &from, &token).await {
        Ok(link) => render_link(lang, &token, Some(&link), None),
        Err(AppError::NotFound(_)) => render_link(lang, &token, None, Some(unknown(lang))),
        Err(e) => Err(e.into()),
    }
}

/// The ticket page's timeline entry for an event notice: what, by which channel, to whom, and how it went.
pub(super) fn timeline_entry(m: &crate::app::tickets::views::EscalationEntry, lang: Lang) -> serde_json::Value {
    let v = lang.vocab();
    let event = match m.step.as_str() {
        "opened" => v.pick("新建通知", "opened notice"),
        "regraded" => v.pick("重新定级通知", "re-grade notice"),
        "resolved" => v.pick("解决通知", "resolution notice"),
        "reopened" => v.pick("重新打开通知", "reopen notice"),
        _ => v.pick("通知", "notice"),
    };
    let channel = match m.channel.as_str() {
        "sms" => v.pick("短信", "SMS"),
        _ => v.pick("邮件", "email"),
    };
    let status = match m.status.as_str() {
        "sent" => v.pick("已送达服务器", "accepted by the server"),
        "failed" => v.pick("发送失败", "failed"),
        "sending" => v.pick("发送中", "sending"),
        _ => v.pick("待发送", "waiting"),
    };
    let mut detail = format!(
        "{event}{}{channel}{} → {} · {status}",
        v.pick("（", " ("),
        v.pick("）", ")"),
        m.recipients.join(v.pick("、", ", "))
    );
    if let Some(n) = &m.note {
        detail.push_str(&format!(" · {}", note_words(n, lang)));
    }
    if let Some(e) = m.last_error.as_ref().filter(|_| m.status != "sent") {
        detail.push_str(&format!(" · {e}"));
    }
    serde_json::json!({"at": m.due_at, "kind": m.channel, "who": null, "detail": detail})
}

/// A notice's note (stored in English: `nobody holds: unit_head; quiet hours: held until …`) in
/// the reader's language.
fn note_words(note: &str, lang: Lang) -> String {
    if lang != Lang::Zh {
        return note.to_owned();
    }
    let v = lang.vocab();
    note.split("; ")
        .map(|part| {
            if let Some(roles) = part.strip_prefix("nobody holds: ") {
                let names: Vec<String> = roles
                    .split(", ")
                    .map(|r| match r {
                        "reporter" => "报告人".to_owned(),
                        r => crate::app::vocab::labels::notify(r, v),
                    })
                    .collect();
                format!("无人担任：{}", names.join("、"))
            } else if let Some(until) = part.strip_prefix("quiet hours: held until ") {
                format!("免打扰时段，顺延至 {until}")
            } else if let Some(n) = part
                .strip_prefix("the text needs ")
                .and_then(|r| r.strip_suffix(" segments (a long link)"))
            {
                format!("短信需分 {n} 条发送（链接较长）")
            } else {
                part.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("；")
}
